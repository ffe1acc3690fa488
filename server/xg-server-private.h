/* xg-server-private.h: what the server's own files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gnutls/gnutls.h>
#include <sys/socket.h>

#include "xg-proto.h"
#include "xg-server.h"
#include "xg-server-clock.h"
#include "xg-server-config.h"
#include "xg-server-crypto.h"
#include "xg-server-limiter.h"
#include "xg-server-mail.h"
#include "xg-server-store.h"
#include "xg-server-tls.h"

G_BEGIN_DECLS

/* Seconds a new connection has for the TLS handshake and HELLO, and a
 * closing one to take its last packets. */
#define XG_SERVER_GREETING_TIMEOUT 10
#define XG_SERVER_CLOSING_TIMEOUT  5

#define XG_SERVER_READ_BUFFER_SIZE (64 * 1024)
/* What one recv() of a TLS connection takes at most: a whole record
 * (16 KiB of plaintext and its overhead) and more. */
#define XG_SERVER_TLS_STAGE_SIZE   (32 * 1024)

/* How many accounts found with EMAIL_LOOKUP a connection remembers for
 * USER_INFO_REQUEST (docs/PROTOCOL.md 8.9); the oldest is forgotten
 * first. The hourly lookup limit keeps this from mattering much. */
#define XG_SERVER_LOOKUPS_REMEMBERED 32

/* Payload bytes of a connection's CHAT_SENDs and GROUP_SENDs the store may hold before the
 * connection is no longer read (each send counts its payload and 1 KiB). */
#define XG_SERVER_SENDS_IN_FLIGHT_MAX (16 * 1024 * 1024)

/* A page of pending messages (docs/PROTOCOL.md 7.3): at most this many,
 * and no more payload bytes than this unless a message alone is larger. */
#define XG_SERVER_PAGE_MESSAGES 256
#define XG_SERVER_PAGE_BYTES    (1024 * 1024)
/* CHAT_HEADS carries at most this many conversations (24 bytes each). */
#define XG_SERVER_HEADS_PAGE    1024

/* Seconds between two runs of the friend request expiry. */
#define XG_SERVER_EXPIRY_INTERVAL 60

typedef enum {
  XG_CONNECTION_HANDSHAKING,   /* TLS handshake in progress */
  XG_CONNECTION_AWAIT_HELLO,
  XG_CONNECTION_READY,         /* HELLO done: may register and log in */
  XG_CONNECTION_CLOSING,       /* flushing its last packets */
  XG_CONNECTION_CLOSED,
} XgConnectionState;

/* How a session's messages reach it (xg-server-chat.c). */
typedef enum {
  XG_DELIVERY_WAITING,         /* the backlog is being read: new messages wait in the store */
  XG_DELIVERY_PAGING,          /* a backlog page is out; the next follows its acknowledgement */
  XG_DELIVERY_LIVE,            /* caught up: each new message goes out after its commit */
} XgDeliveryState;

typedef struct _XgServerConnection XgServerConnection;
typedef struct _XgServerRouter XgServerRouter;

/* Frames whose bytes never change for a server: encoded once, on first
 * use (xg_server_constant_frame()), and queued as they are. Only WELCOME
 * can be NULL (a [server] name too long for it). */
typedef enum {
  XG_SERVER_FRAME_WELCOME,            /* request id 0: answers carry a copy with theirs */
  XG_SERVER_FRAME_SYNC_DONE,
  XG_SERVER_FRAME_EMPTY_FRIEND_LIST,
  XG_SERVER_FRAME_EMPTY_GROUP_LIST,
  XG_SERVER_N_FRAMES,
} XgServerFrame;

/* A listening socket in the epoll set; its address in the server's array
 * tells its events from a connection's. */
#define XG_SERVER_LISTENERS_MAX 4
typedef struct {
  int       fd;
  gboolean  paused;    /* out of descriptors: not watched until the next sweep */
} XgListener;

struct _XgServer
{
  GObject           parent_instance;

  XgServerConfig   *config;
  char             *data_dir;
  gboolean          plain;           /* development: no TLS */
  XgServerTls      *tls;             /* credentials, priority, ticket key: shared by all sessions */
  char             *fingerprint;
  guint8            secret[XG_SERVER_SECRET_SIZE];

  XgServerClock    *clock;           /* every time-based rule reads this */
  XgServerStore    *store;
  XgServerHasher   *hasher;
  XgServerMailer   *mailer;
  XgServerRouter   *router;          /* sessions, presence, pushes */
  GHashTable       *handlers;        /* packet type → const XgServerHandlerEntry* */

  XgListener        listeners[XG_SERVER_LISTENERS_MAX];
  guint             n_listeners;
  int               epoll_fd;
  GSource          *epoll_source;
  guint             sweep_id;
  guint             sweeps;          /* limiters are pruned every 60th */
  guint             clock_signal_id; /* SIGUSR1, with a test clock only */
  guint             expiry_id;       /* friend request timeouts, every XG_SERVER_EXPIRY_INTERVAL */
  gboolean          expiring;        /* an expiry is in the store now */
  gboolean          expire_again;    /* the clock moved meanwhile: run it again */
  gboolean          groups_expiring; /* the same for join requests (xg-server-groups.c) */
  gboolean          groups_expire_again;

  GHashTable       *connections;     /* XgServerConnection* set, owns a ref */
  GPtrArray        *closed;          /* freed after the current dispatch */

  XgServerLimiter  *code_requests;   /* per peer address, per hour */
  XgServerLimiter  *address_failures;/* failed logins per peer address, per 10 min */
  XgServerBackoff  *email_failures;  /* failed logins per email */
  XgServerLimiter  *lookups;         /* EMAIL_LOOKUPs per account, per hour */

  GTask            *shutdown_task;
  gboolean          stopping;

  guint8           *read_buffer;     /* XG_SERVER_READ_BUFFER_SIZE, shared by all connections */
  /* The TLS connections' raw bytes, as GnuTLS asks for them (xg-server-connection.c):
   * one recv() per wakeup fills this for the connection being read. */
  guint8           *tls_stage;       /* XG_SERVER_TLS_STAGE_SIZE */
  gsize             tls_stage_off;
  gsize             tls_stage_len;
  XgServerConnection *tls_stage_conn; /* whose bytes these are, while it is read */
  gboolean          tls_drained;     /* its socket gave less than asked: empty until epoll says */
  GPtrArray        *flush_batch;     /* during an epoll batch: connections to flush at its end (refs) */
  GPtrArray        *flush_batch_store;  /* the array itself, kept between batches */
  char              peer_text[64];   /* xg_server_connection_get_peer()'s answer */
  GBytes           *frames[XG_SERVER_N_FRAMES];  /* see xg_server_constant_frame() */
};

struct _XgServerConnection
{
  gatomicrefcount       ref_count;
  XgServer             *server;      /* not owned: the server outlives its connections */

  int                   fd;          /* non-blocking, -1 once closed */
  gnutls_session_t      tls;         /* NULL when plain, and once closed */
  guint8               *tls_left;    /* raw bytes read and not yet given to GnuTLS; NULL for none */
  gsize                 tls_left_len;
  guint8                peer_family; /* AF_INET or AF_INET6; 0 when unknown */
  guint8                peer_addr[16];  /* network order; see xg_server_connection_get_peer() */

  XgConnectionState     state;
  XgProtoDecoder       *decoder;
  GQueue                outgoing;    /* GBytes frames */
  gsize                 outgoing_offset;
  gsize                 outgoing_bytes;  /* queued and not yet written, @outgoing_offset deducted */
  gboolean              watching_output;
  gboolean              in_epoll;    /* added to the server's epoll set, with @epoll_events */
  guint32               epoll_events;
  gboolean              flush_scheduled; /* an idle flush of @outgoing is pending */
  gboolean              reading_paused;  /* over [server] send-queue-pause */

  gint64                state_since; /* monotonic µs */
  gint64                last_seen;   /* monotonic µs */

  guint64               account_id;  /* 0 while anonymous */
  GBytes               *token_hash;  /* this session's resume token */
  gboolean              login_pending;
  GArray               *found;       /* guint64 ids this session found with EMAIL_LOOKUP; NULL for none */

  guint                 session_serial;  /* counts logins on this connection */
  XgDeliveryState       delivery;
  GArray               *page_ends;   /* PAGING: XgServerReceipt (peer, last seq of the page) not yet acknowledged */
  gboolean              page_reading;/* a page is being read from the store */
  gsize                 sends_in_flight; /* see XG_SERVER_SENDS_IN_FLIGHT_MAX */
};

XgServerConnection *xg_server_connection_ref    (XgServerConnection *conn);
void                xg_server_connection_unref  (XgServerConnection *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerConnection, xg_server_connection_unref)

XgServerConnection *xg_server_connection_new    (XgServer           *server,
                                                 int                 fd,
                                                 const struct sockaddr *peer,
                                                 gboolean            nodelay);
const char         *xg_server_connection_get_peer (XgServerConnection *conn);
void     xg_server_connection_start            (XgServerConnection *conn);
void     xg_server_connection_on_io            (XgServerConnection *conn,
                                                guint32             epoll_events);
void     xg_server_connection_flush_batch      (GPtrArray          *batch);
gboolean xg_server_connection_consume          (XgServerConnection *conn,
                                                const guint8       *data,
                                                gsize               len);
void     xg_server_connection_send             (XgServerConnection *conn,
                                                guint16             type,
                                                guint32             request_id,
                                                GVariant           *body);
gboolean xg_server_connection_send_frame       (XgServerConnection *conn,
                                                GBytes             *frame);
void     xg_server_connection_send_error       (XgServerConnection *conn,
                                                const XgProtoFrame *request,
                                                XgProtoErrorCode    code,
                                                const char         *message);
void     xg_server_connection_close            (XgServerConnection *conn,
                                                const char         *why);
void     xg_server_connection_close_after_send (XgServerConnection *conn);
void     xg_server_connection_forced_logout    (XgServerConnection *conn,
                                                XgProtoForcedLogout reason,
                                                const char         *message);
gboolean xg_server_connection_is_open          (XgServerConnection *conn);
void     xg_server_connection_begin_session    (XgServerConnection *conn,
                                                guint64             account_id,
                                                GBytes             *token_hash);
void     xg_server_connection_end_session      (XgServerConnection *conn);
void     xg_server_connection_remember_found   (XgServerConnection *conn,
                                                guint64             account_id);
gboolean xg_server_connection_has_found        (XgServerConnection *conn,
                                                guint64             account_id);
void     xg_server_connection_hold_send        (XgServerConnection *conn,
                                                gsize               bytes);
void     xg_server_connection_release_send     (XgServerConnection *conn,
                                                gsize               bytes);

/* xg-server.c, for connections */
XgServerConnection *xg_server_adopt_connection (XgServer              *server,
                                                int                    fd,
                                                const struct sockaddr *peer);
void     xg_server_watch_connection            (XgServer           *server,
                                                XgServerConnection *conn,
                                                gboolean            want_output);
void     xg_server_connection_closed           (XgServer           *server,
                                                XgServerConnection *conn);
GBytes  *xg_server_constant_frame              (XgServer           *server,
                                                XgServerFrame       which);
gboolean xg_server_hold_writes                 (XgServer           *server);
void     xg_server_release_writes              (XgServer           *server,
                                                gboolean            held);

/* One handler per packet type, in a table per domain. The connection has
 * already checked HELLO, the direction, the login (when @needs_login) and
 * every `self` field. */
typedef void (*XgServerHandler) (XgServerConnection *conn,
                                 const XgProtoFrame *frame);

typedef struct {
  guint16          type;
  gboolean         needs_login;
  XgServerHandler  handler;
} XgServerHandlerEntry;

/* xg-server-accounts.c: heartbeat, login, token login, logout, registration, profile */
const XgServerHandlerEntry *xg_server_accounts_get_handlers (guint *n_handlers);
void                        xg_server_accounts_heartbeat    (XgServerConnection *conn,
                                                             guint32             request_id);

/* xg-server-account-life.c: password reset and change, address change,
 * account deletion; and issuing a code of any kind, for registration too */
const XgServerHandlerEntry *xg_server_account_life_get_handlers (guint *n_handlers);
void                        xg_server_issue_code_async          (XgServer            *server,
                                                                 int                  purpose,
                                                                 const char          *email,
                                                                 guint64              account_id,
                                                                 char                 code[7],
                                                                 GAsyncReadyCallback  callback,
                                                                 gpointer             user_data);

/* The login sync is read with the login, in one store operation
 * (xg-server-store-login.h); each domain says how its part is read and
 * sends it. */
typedef struct _XgServerLogin XgServerLogin;

/* xg-server-friends.c: lookups, user info, requests, the friend list, the
 * login sync and the request timeouts */
const XgServerHandlerEntry *xg_server_friends_get_handlers  (guint *n_handlers);
void                        xg_server_friends_sync_prepare  (XgServer           *server,
                                                             XgServerLogin      *login);
void                        xg_server_friends_sync_deliver  (XgServerConnection *conn,
                                                             XgServerLogin      *login);
void                        xg_server_friends_expire        (XgServer           *server);

/* xg-server-groups.c: groups, members, join requests, invitations; the
 * groups' part of the login sync (which ends it with SYNC_DONE) and the
 * join request timeouts */
typedef struct _XgServerGroupChange XgServerGroupChange;
const XgServerHandlerEntry *xg_server_groups_get_handlers   (guint *n_handlers);
void                        xg_server_groups_sync_prepare   (XgServer           *server,
                                                             XgServerLogin      *login);
void                        xg_server_groups_sync_deliver   (XgServerConnection *conn,
                                                             XgServerLogin      *login);
void                        xg_server_groups_expire         (XgServer           *server);
void                        xg_server_groups_push_change    (XgServer                  *server,
                                                             const XgServerGroupChange *change);

/* xg-server-chat.c: one-to-one and group messages, their
 * acknowledgements, the backlog at login and history */
const XgServerHandlerEntry *xg_server_chat_get_handlers     (guint *n_handlers);
void                        xg_server_chat_sync_prepare     (XgServerLogin      *login);
void                        xg_server_chat_sync_deliver     (XgServerConnection *conn,
                                                             XgServerLogin      *login);

/* xg-server-connection.c: the domains' tables merged, built once */
GHashTable *xg_server_handlers_new (void);

G_END_DECLS
