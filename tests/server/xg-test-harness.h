/* xg-test-harness.h: a real xinge-server in a temporary data dir, and a
 * blocking TLS client that speaks the protocol through the shared codec
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "xg-proto.h"

G_BEGIN_DECLS

/* Frames are awaited this long before a test fails. */
#define XG_TEST_TIMEOUT_MS 10000

typedef struct {
  char        *data_dir;
  char        *config_file;
  char        *address;       /* "127.0.0.1:PORT" as the server printed it */
  char        *fingerprint;   /* as the server printed it */
  char        *outbox;
  char        *clock_file;    /* XG_SERVER_TEST_CLOCK: the offset the server's clock adds */
  gint64       clock_offset;  /* seconds, as written there */
  gboolean     plain;
  GSubprocess *process;
  guint16      port;
} XgTestServer;

XgTestServer *xg_test_server_start     (const char    *config_text);
XgTestServer *xg_test_server_start_in  (const char    *data_dir,
                                        const char    *config_text,
                                        guint16        port);
void          xg_test_server_restart   (XgTestServer  *server);
int           xg_test_server_kill      (XgTestServer  *server,
                                        int            signal_number);
void          xg_test_server_free      (XgTestServer  *server);
char         *xg_test_server_read_code (XgTestServer  *server,
                                        const char    *email);
gint64        xg_test_server_now       (XgTestServer  *server);
char         *xg_test_server_last_mail (XgTestServer  *server,
                                        const char    *email);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgTestServer, xg_test_server_free)

typedef struct _XgTestClient XgTestClient;

struct _XgTestClient {
  GSocketClient     *socket_client;
  GSocketConnection *socket;
  GIOStream         *stream;
  XgProtoDecoder    *decoder;
  GQueue             frames;      /* received, not yet taken */
  guint32            next_request_id;
  gboolean           closed;
  char              *expected_fingerprint;
};

XgTestClient *xg_test_client_connect_raw (XgTestServer  *server,
                                          GError       **error);
XgTestClient *xg_test_client_connect     (XgTestServer  *server);
void          xg_test_client_free        (XgTestClient  *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgTestClient, xg_test_client_free)

void          xg_test_client_send_raw    (XgTestClient  *client,
                                          const void    *data,
                                          gsize          len);
guint32       xg_test_client_send        (XgTestClient  *client,
                                          guint16        type,
                                          GVariant      *body);
XgProtoFrame *xg_test_client_receive     (XgTestClient  *client,
                                          guint          timeout_ms);
XgProtoFrame *xg_test_client_expect      (XgTestClient  *client,
                                          guint16        type);
XgProtoFrame *xg_test_client_request     (XgTestClient  *client,
                                          guint16        type,
                                          GVariant      *body,
                                          guint16        answer_type);
gboolean      xg_test_client_wait_closed (XgTestClient  *client,
                                          guint          timeout_ms);
GPtrArray    *xg_test_client_until       (XgTestClient  *client,
                                          guint16        type);

/* Moves the server's clock @seconds ahead (the rules' clock, not the
 * network timeouts) and returns once a HEARTBEAT_ACK on @client shows it. */
void          xg_test_server_advance_clock (XgTestServer *server,
                                            XgTestClient *client,
                                            gint64        seconds);

/* Whole flows, asserting every step. */
guint64       xg_test_register           (XgTestServer  *server,
                                          const char    *email,
                                          const char    *nickname,
                                          const char    *password);
guint64       xg_test_login              (XgTestClient  *client,
                                          const char    *email,
                                          const char    *password,
                                          GBytes       **token);
guint64       xg_test_login_sync         (XgTestClient  *client,
                                          const char    *email,
                                          const char    *password,
                                          GBytes       **token,
                                          GPtrArray    **sync);
void          xg_test_token_login_sync   (XgTestClient  *client,
                                          guint64        account_id,
                                          GBytes        *token,
                                          GPtrArray    **sync);

G_END_DECLS
