/* xg-server-config.h: everything an operator can set
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  XG_SERVER_MAIL_OUTBOX,
  XG_SERVER_MAIL_SMTP,
} XgServerMailMode;

/* Defaults are the documented ones (README, docs/PROTOCOL.md). */
typedef struct {
  /* [server] */
  char    *name;
  guint32  max_frame_size;
  guint    max_connections;
  guint    send_queue_pause;     /* bytes queued for a client before it is no longer read */
  guint    send_queue_max;       /* bytes queued before it is closed as a slow consumer */

  /* [tls] */
  char    *certificate;          /* NULL: DATA/tls/cert.pem, created on first start */
  char    *private_key;
  gboolean allow_tls_1_2;        /* TLS 1.2 with AEAD suites too, for an old client */

  /* [session] */
  guint    heartbeat_interval;   /* seconds */
  guint    heartbeat_timeout;    /* seconds of silence before FORCED_LOGOUT */
  guint    token_lifetime_days;

  /* [register] */
  guint    code_expiry;          /* seconds */
  guint    code_attempts;
  guint    code_resend_interval; /* seconds */
  guint    codes_per_email_per_hour;
  guint    codes_per_address_per_hour;
  gboolean privacy;

  /* [login] */
  guint    max_hashes_in_flight;
  guint    failures_per_address; /* per 10 minutes */

  /* [friends] */
  guint    lookups_per_hour;     /* EMAIL_LOOKUPs per account in an hour from its first */
  guint    max_pending_requests; /* unanswered friend requests per account */
  guint    max_friends;
  guint    request_timeout;      /* seconds a friend request waits for its answer */

  /* [groups] */
  guint    max_members;          /* members per group */
  guint    max_groups;           /* groups an account may be in */
  guint    max_owned;            /* groups an account may own */
  guint    join_request_timeout; /* seconds a join request or invitation waits for its answer */

  /* [mail] */
  XgServerMailMode mail_mode;
  char    *smtp_url;
  gboolean starttls;
  char    *smtp_username;
  char    *smtp_password;
  char    *smtp_ca_file;
  char    *mail_from;
} XgServerConfig;

XgServerConfig *xg_server_config_new       (void);
gboolean        xg_server_config_load_file (XgServerConfig  *config,
                                            const char      *path,
                                            GError         **error);
void            xg_server_config_free      (XgServerConfig  *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerConfig, xg_server_config_free)

G_END_DECLS
