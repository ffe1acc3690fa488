/* xg-server-accounts.c: registration, login, sessions and profiles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One handler per packet type (the table at the end). Each runs its checks
 * on the main thread, then chains store, hasher and mailer operations; a
 * Request (an XgServerRequest with this domain's state) carries the state
 * from one step to the next and holds the connection, whose packets are
 * silently dropped if it closed meanwhile.
 *
 * A handler hands its Request on by stealing it into a local first: in
 * one argument list, `req->email` and `g_steal_pointer (&req)` would be
 * evaluated in an unspecified order.
 *
 * Passwords, codes and tokens are never logged; emails only masked.
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "xg-proto-flat.h"
#include "xg-proto-limits.h"
#include "xg-server-private.h"
#include "xg-server-request.h"
#include "xg-server-router.h"
#include "xg-server-store-accounts.h"
#include "xg-server-store-login.h"
#include "xg-server-util.h"

typedef struct {
  XgServerRequest     base;
  XgServerConnection *conn;         /* base.conn, for short */
  char               *email;
  char               *nickname;
  char               *password;
  char               *code;
  guint64             account_id;   /* the account asked about, before it is read */
  XgServerAccount    *account;
  GBytes             *token;
  GBytes             *token_hash;
  gint64              token_expires;
} Request;

static Request *
request_new (XgServerConnection *conn,
             const XgProtoFrame *frame)
{
  Request *req = g_new0 (Request, 1);

  xg_server_request_init (&req->base, conn, frame);
  req->conn = req->base.conn;
  return req;
}

static void
request_free (Request *req)
{
  xg_server_request_clear (&req->base);
  g_free (req->email);
  g_free (req->nickname);
  xg_server_wipe_string (req->password);
  xg_server_wipe_string (req->code);
  g_clear_pointer (&req->account, xg_server_account_free);
  g_clear_pointer (&req->token, g_bytes_unref);
  g_clear_pointer (&req->token_hash, g_bytes_unref);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void
reply (Request  *req,
       guint16   type,
       GVariant *body)
{
  xg_server_request_reply (&req->base, type, body);
}

static void
reply_error (Request          *req,
             XgProtoErrorCode  code,
             const char       *message)
{
  xg_server_request_reply_error (&req->base, code, message);
}

static gint64
now_seconds (XgServer *server)
{
  return xg_server_clock_seconds (server->clock);
}

/* --- Validation ---------------------------------------------------------- */

/* Checks a PROFILE_UPDATE; splits out the nickname. On failure @why says
 * which field is wrong. */
static gboolean
validate_profile_changes (GVariant   *changes,
                          char      **nickname,
                          GVariant  **fields,
                          char      **why)
{
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, changes);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      if (!xg_proto_profile_field_is_valid (key, value))
        {
          static const char *const known[] = { "nickname", "signature", "gender", "birthday",
                                               "region", "avatar", NULL };

          *why = g_strv_contains (known, key)
                 ? g_strdup_printf ("Invalid value for profile field \"%s\"", key)
                 : g_strdup_printf ("Unknown profile field \"%s\"", key);
          g_variant_builder_clear (&builder);
          return FALSE;
        }

      if (g_str_equal (key, "nickname"))
        {
          g_free (*nickname);
          *nickname = g_variant_dup_string (value, NULL);
        }
      else
        g_variant_builder_add (&builder, "{sv}", key, value);
    }

  *fields = g_variant_ref_sink (g_variant_builder_end (&builder));
  return TRUE;
}

/* --- Heartbeat ----------------------------------------------------------- */

/**
 * xg_server_accounts_heartbeat:
 *
 * Answers a HEARTBEAT; the connection's reader calls this itself for one
 * that arrived whole (xg-server-connection.c), the table for the others.
 */
void
xg_server_accounts_heartbeat (XgServerConnection *conn,
                              guint32             request_id)
{
  /* Reading the frame already counted as a sign of life. The time is the
   * rules' clock: a test that moved it sees the move here. The frame is
   * written straight, without a GVariant: it is most of what an idle
   * session costs. */
  g_autoptr(GBytes) ack = xg_proto_heartbeat_ack_frame (request_id,
                                                        xg_server_clock_microseconds (conn->server->clock), NULL);

  xg_server_connection_send_frame (conn, ack);
}

static void
handle_heartbeat (XgServerConnection *conn,
                  const XgProtoFrame *frame)
{
  xg_server_accounts_heartbeat (conn, frame->request_id);
}

/* --- Sessions ------------------------------------------------------------ */

static GVariant *
profile_body (const XgServerAccount *account)
{
  return xg_proto_profile_new (account->id, account->email, account->nickname, account->fields);
}

/* The same body, straight into a frame: what every login sends. */
static void
send_profile (XgServerConnection    *conn,
              const XgServerAccount *account)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = xg_proto_tuple_frame_new (XG_PACKET_PROFILE, 0, &error, (guint64) account->id,
                                                      account->email, account->nickname, account->fields);

  if (frame == NULL)
    g_warning ("Not sending PROFILE to %s: %s", xg_server_connection_get_peer (conn), error->message);
  else
    xg_server_connection_send_frame (conn, frame);
}

/* The login succeeded: make this the account's session, answer, push the
 * profile and the sync read with the login, all in one write. */
static void
start_session (Request       *req,
               XgServerLogin *login)
{
  XgServerConnection *conn = req->conn;
  XgServer *server = conn->server;
  gboolean held = xg_server_hold_writes (server);

  conn->login_pending = FALSE;
  if (xg_server_connection_is_open (conn))
    {
      g_autoptr(GBytes) ok = xg_proto_login_ok_frame (req->base.request_id, req->account->id, req->token,
                                                      req->token_expires, NULL);

      xg_server_connection_begin_session (conn, req->account->id, req->token_hash);
      xg_server_connection_send_frame (conn, ok);
      send_profile (conn, req->account);
      if (xg_server_debug_enabled ())
        g_debug ("Account %" G_GUINT64_FORMAT " logged in from %s", req->account->id,
                 xg_server_connection_get_peer (conn));
    }

  /* The friend list, requests and outcomes, then presence; the groups,
   * their requests and outcomes, SYNC_DONE; then the messages that waited.
   * A connection that closed meanwhile gets none of it; what the read
   * took for good (the outcomes) goes to the account's current session. */
  xg_server_friends_sync_deliver (conn, login);
  xg_server_groups_sync_deliver (conn, login);
  xg_server_chat_sync_deliver (conn, login);
  xg_server_release_writes (server, held);
}

static void
login_fail (Request          *req,
            XgProtoLoginFail  reason,
            guint             retry_after,
            const char       *message)
{
  req->conn->login_pending = FALSE;
  reply (req, XG_PACKET_LOGIN_FAIL, xg_proto_login_fail_new (reason, retry_after, message));
}

static gint64
token_expiry (XgServer *server,
              gint64    now)
{
  return now + (gint64) server->config->token_lifetime_days * 24 * 3600;
}

/* The token's part and the whole sync came back in one operation
 * (xg-server-store-login.h). */
static void
login_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Request) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServer *server = req->conn->server;
  XgServerLogin *login = xg_server_store_login_finish (XG_SERVER_STORE (source), result, &error);

  /* A password LOGIN read its account before; TOKEN_LOGIN reads it here. */
  if (login == NULL && req->account != NULL)
    {
      g_warning ("Storing a resume token: %s", error->message);
      login_fail (req, XG_PROTO_LOGIN_FAIL_BUSY, 1, "The server could not save the session");
      return;
    }
  if (login == NULL)
    {
      g_warning ("Checking a resume token: %s", error->message);
      login_fail (req, XG_PROTO_LOGIN_FAIL_BUSY, 1, "The server could not check the session");
      return;
    }
  if (login->mode == XG_SERVER_LOGIN_USE_TOKEN)
    {
      req->account = g_steal_pointer (&login->account);
      req->token_expires = login->expires_at;
    }

  if (req->account == NULL)
    {
      xg_server_limiter_hit (server->address_failures, xg_server_connection_get_peer (req->conn), now_seconds (server));
      login_fail (req, XG_PROTO_LOGIN_FAIL_TOKEN_INVALID, 0, "This session has ended; log in again");
    }
  else if (req->account->disabled)
    login_fail (req, XG_PROTO_LOGIN_FAIL_ACCOUNT_DISABLED, 0, "This account is disabled");
  else
    start_session (req, login);
}

/* Hands @req on to the login's store operation: the token, then the sync. */
static void
queue_login (Request           *req,
             XgServerLoginMode  mode,
             guint64            account_id,
             gint64             now)
{
  XgServer *server = req->conn->server;
  XgServerLogin *login = xg_server_login_new (mode, account_id, req->token_hash, now, req->token_expires);

  xg_server_friends_sync_prepare (server, login);
  xg_server_groups_sync_prepare (server, login);
  xg_server_chat_sync_prepare (login);
  xg_server_store_login_async (server->store, login, login_read, req);
}

static void
login_verified (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Request) req = user_data;
  XgServer *server = req->conn->server;
  gint64 now = now_seconds (server);
  gboolean ok = xg_server_hasher_verify_finish (XG_SERVER_HASHER (source), result);

  if (!ok || req->account == NULL)
    {
      g_autofree char *masked = xg_proto_mask_email (req->email);

      xg_server_backoff_fail (server->email_failures, req->email, now);
      xg_server_limiter_hit (server->address_failures, xg_server_connection_get_peer (req->conn), now);
      g_debug ("Failed login for %s from %s", masked, xg_server_connection_get_peer (req->conn));
      login_fail (req, XG_PROTO_LOGIN_FAIL_BAD_CREDENTIALS,
                  xg_server_backoff_retry_after (server->email_failures, req->email, now),
                  "Wrong email or password");
      return;
    }
  if (req->account->disabled)
    {
      login_fail (req, XG_PROTO_LOGIN_FAIL_ACCOUNT_DISABLED, 0, "This account is disabled");
      return;
    }

  xg_server_backoff_reset (server->email_failures, req->email);
  req->token = xg_server_new_token ();
  req->token_hash = xg_server_hash_token (req->token);
  req->token_expires = token_expiry (server, now);

  Request *owned = g_steal_pointer (&req);
  queue_login (owned, XG_SERVER_LOGIN_PUT_TOKEN, owned->account->id, now);
}

static void
login_account_found (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(Request) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServer *server = req->conn->server;

  req->account = xg_server_store_account_finish (XG_SERVER_STORE (source), result, &error);
  if (error != NULL)
    {
      g_warning ("Looking up an account: %s", error->message);
      login_fail (req, XG_PROTO_LOGIN_FAIL_BUSY, 1, "The server could not check the account");
      return;
    }

  /* An unknown email is verified against a dummy hash: same cost, same answer. */
  Request *owned = g_steal_pointer (&req);
  xg_server_hasher_verify_async (server->hasher,
                                 owned->account ? owned->account->password_hash : NULL,
                                 owned->password, login_verified, owned);
}

/* The checks LOGIN and TOKEN_LOGIN share; FALSE when it already answered. */
static gboolean
login_allowed (XgServerConnection *conn,
               const XgProtoFrame *frame,
               const char         *email)
{
  XgServer *server = conn->server;
  gint64 now = now_seconds (server);
  guint wait;
  g_autoptr(Request) req = request_new (conn, frame);

  if (conn->account_id != 0 || conn->login_pending)
    {
      xg_server_connection_send_error (conn, frame, XG_PROTO_ERR_ALREADY_LOGGED_IN,
                                       "Log out first, or wait for the pending login");
      return FALSE;
    }

  /* The peer's address as text only when some address has failed lately. */
  wait = xg_server_limiter_is_empty (server->address_failures)
         ? 0 : xg_server_limiter_retry_after (server->address_failures, xg_server_connection_get_peer (conn), now);
  if (email != NULL)
    wait = MAX (wait, xg_server_backoff_retry_after (server->email_failures, email, now));
  if (wait > 0)
    {
      login_fail (req, XG_PROTO_LOGIN_FAIL_RATE_LIMITED, wait, "Too many failed logins; wait a little");
      return FALSE;
    }
  return TRUE;
}

static void
handle_login (XgServerConnection *conn,
              const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  const char *email, *password;
  g_autoptr(Request) req = request_new (conn, frame);

  xg_proto_login_get (frame->body, &email, &password, NULL);
  req->email = xg_proto_email_normalize (email);
  if (req->email == NULL)
    req->email = g_strdup (email);   /* cannot exist; still costs a hash */

  if (!login_allowed (conn, frame, req->email))
    return;
  if (xg_server_hasher_is_busy (server->hasher))
    {
      login_fail (req, XG_PROTO_LOGIN_FAIL_BUSY, 1, "Too many logins at once; try again");
      return;
    }

  req->password = g_strdup (password);
  conn->login_pending = TRUE;

  Request *owned = g_steal_pointer (&req);
  xg_server_store_account_by_email_async (server->store, owned->email, login_account_found,
                                          owned);
}

static void
handle_token_login (XgServerConnection *conn,
                    const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(Request) req = request_new (conn, frame);
  guint64 account_id;
  gint64 now = now_seconds (server);

  xg_proto_token_login_get (frame->body, &account_id, &req->token);
  if (!login_allowed (conn, frame, NULL))
    return;
  if (g_bytes_get_size (req->token) != XG_SERVER_TOKEN_SIZE)
    {
      login_fail (req, XG_PROTO_LOGIN_FAIL_TOKEN_INVALID, 0, "A resume token has 32 bytes");
      return;
    }

  req->account_id = account_id;
  req->token_hash = xg_server_hash_token (req->token);
  req->token_expires = token_expiry (server, now);
  conn->login_pending = TRUE;

  /* One store job checks the token, reads the account and the whole sync. */
  queue_login (g_steal_pointer (&req), XG_SERVER_LOGIN_USE_TOKEN, account_id, now);
}

static void
token_revoked (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Request) req = user_data;
  g_autoptr(GError) error = NULL;

  if (!xg_server_store_boolean_finish (XG_SERVER_STORE (source), result, &error))
    {
      g_warning ("Revoking a resume token: %s", error ? error->message : "unknown");
      reply_error (req, XG_PROTO_ERR_INTERNAL, "The session token could not be revoked");
      return;
    }
  reply (req, XG_PACKET_LOGOUT_OK, xg_proto_logout_ok_new ());
}

static void
handle_logout (XgServerConnection *conn,
               const XgProtoFrame *frame)
{
  g_autoptr(Request) req = request_new (conn, frame);
  g_autoptr(GBytes) token_hash = g_steal_pointer (&conn->token_hash);

  /* The session ends now; LOGOUT_OK follows once the token is gone for good. */
  if (xg_server_debug_enabled ())
    g_debug ("Account %" G_GUINT64_FORMAT " logged out from %s", conn->account_id,
             xg_server_connection_get_peer (conn));
  xg_server_connection_end_session (conn);
  xg_server_store_revoke_token_async (conn->server->store, token_hash, token_revoked,
                                      g_steal_pointer (&req));
}

/* --- Registration -------------------------------------------------------- */

static void
register_fail (Request             *req,
               XgProtoRegisterFail  reason,
               guint                retry_after,
               const char          *message)
{
  reply (req, XG_PACKET_REGISTER_FAIL, xg_proto_register_fail_new (reason, retry_after, message));
}

static void
code_mailed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Request) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServerConfig *config = req->conn->server->config;

  if (!xg_server_mailer_send_finish (XG_SERVER_MAILER (source), result, &error))
    {
      g_warning ("Mailing a verification code: %s", error->message);
      register_fail (req, XG_PROTO_REGISTER_FAIL_MAIL_FAILED, config->code_resend_interval,
                     "The verification mail could not be sent");
      return;
    }
  reply (req, XG_PACKET_CODE_SENT,
         xg_proto_code_sent_new (req->email, config->code_resend_interval, config->code_expiry));
}

static void
send_code_mail (Request *req)
{
  XgServer *server = req->conn->server;
  guint minutes = MAX (server->config->code_expiry / 60, 1);
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;

  if (req->account != NULL)
    {
      /* Privacy mode: the owner hears of the attempt; the asker learns nothing. */
      subject = g_strdup ("Xinge: you already have an account / 您已有信鸽账号");
      body = g_strdup_printf ("Someone, perhaps you, tried to register a Xinge account with this "
                              "address, which already has account %" G_GUINT64_FORMAT ". "
                              "If it was you, log in instead. If it was not, ignore this mail.\n\n"
                              "有人（也许是您）尝试用此邮箱注册信鸽账号，但该邮箱已注册（账号 %" G_GUINT64_FORMAT "）。"
                              "如果是您，请直接登录；如果不是，请忽略此邮件。\n",
                              req->account->id, req->account->id);
    }
  else
    {
      subject = g_strdup ("Xinge verification code / 信鸽验证码");
      body = g_strdup_printf ("Your Xinge verification code is %s. It is valid for %u minutes.\n"
                              "If you did not ask for it, ignore this mail.\n\n"
                              "您的信鸽验证码是 %s，%u 分钟内有效。如果不是您本人操作，请忽略此邮件。\n",
                              req->code, minutes, req->code, minutes);
    }

  xg_server_mailer_send_async (server->mailer, req->email, subject, body, NULL,
                               code_mailed, req);
  sodium_memzero (body, strlen (body));
}

static void
code_issued (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Request) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServerCodeStatus status;
  guint retry_after;

  if (!xg_server_store_issue_code_finish (XG_SERVER_STORE (source), result, &status, &retry_after, &error))
    {
      g_warning ("Storing a verification code: %s", error->message);
      register_fail (req, XG_PROTO_REGISTER_FAIL_INTERNAL, 1, "The server could not issue a code");
      return;
    }
  if (status != XG_SERVER_CODE_ISSUED)
    {
      register_fail (req, XG_PROTO_REGISTER_FAIL_RATE_LIMITED, retry_after,
                     status == XG_SERVER_CODE_TOO_SOON ? "A code was sent a moment ago"
                                                       : "Too many codes for this address this hour");
      return;
    }
  send_code_mail (g_steal_pointer (&req));
}

static void
code_request_account_found (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(Request) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServer *server = req->conn->server;
  XgServerConfig *config = server->config;
  char code[7];

  req->account = xg_server_store_account_finish (XG_SERVER_STORE (source), result, &error);
  if (error != NULL)
    {
      g_warning ("Looking up an account: %s", error->message);
      register_fail (req, XG_PROTO_REGISTER_FAIL_INTERNAL, 1, "The server could not check the address");
      return;
    }
  if (req->account != NULL && !config->privacy)
    {
      reply (req, XG_PACKET_EMAIL_TAKEN, xg_proto_email_taken_new (req->email));
      return;
    }

  /* In privacy mode a taken address goes the same way, limits included,
   * but its code is never told to anyone. */
  Request *owned = g_steal_pointer (&req);
  xg_server_issue_code_async (server, XG_SERVER_CODE_REGISTER, owned->email, 0, code, code_issued, owned);
  owned->code = g_strdup (code);
  sodium_memzero (code, sizeof code);
}

static void
handle_register_code_request (XgServerConnection *conn,
                              const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(Request) req = request_new (conn, frame);
  gint64 now = now_seconds (server);
  const char *email;
  guint wait;

  xg_proto_register_code_request_get (frame->body, &email);
  req->email = xg_proto_email_normalize (email);
  if (req->email == NULL)
    {
      register_fail (req, XG_PROTO_REGISTER_FAIL_INVALID_EMAIL, 0, "That is not an email address");
      return;
    }

  wait = xg_server_limiter_retry_after (server->code_requests, xg_server_connection_get_peer (conn), now);
  if (wait > 0)
    {
      register_fail (req, XG_PROTO_REGISTER_FAIL_RATE_LIMITED, wait,
                     "Too many codes requested from this network this hour");
      return;
    }
  xg_server_limiter_hit (server->code_requests, xg_server_connection_get_peer (conn), now);

  Request *owned = g_steal_pointer (&req);
  xg_server_store_account_by_email_async (server->store, owned->email, code_request_account_found,
                                          owned);
}

static void
registered (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Request) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServerRegisterResult out;

  if (!xg_server_store_register_finish (XG_SERVER_STORE (source), result, &out, &error))
    {
      g_warning ("Registering an account: %s", error->message);
      register_fail (req, XG_PROTO_REGISTER_FAIL_INTERNAL, 1, "The server could not create the account");
      return;
    }

  switch (out.status)
    {
    case XG_SERVER_REGISTER_OK:
      {
        g_autofree char *masked = xg_proto_mask_email (req->email);
        g_message ("Registered account %" G_GUINT64_FORMAT " for %s", out.account_id, masked);
        reply (req, XG_PACKET_REGISTER_OK, xg_proto_register_ok_new (out.account_id));
      }
      break;
    case XG_SERVER_REGISTER_CODE_INCORRECT:
      reply (req, XG_PACKET_CODE_INCORRECT, xg_proto_code_incorrect_new (out.attempts_left));
      break;
    case XG_SERVER_REGISTER_NO_CODE:
      register_fail (req, XG_PROTO_REGISTER_FAIL_NO_CODE, 0,
                     "No valid code for this address; request a new one");
      break;
    case XG_SERVER_REGISTER_CODE_EXHAUSTED:
      register_fail (req, XG_PROTO_REGISTER_FAIL_TOO_MANY_ATTEMPTS, 0,
                     "Too many wrong codes; request a new one");
      break;
    case XG_SERVER_REGISTER_EMAIL_TAKEN:
    default:
      register_fail (req, XG_PROTO_REGISTER_FAIL_EMAIL_TAKEN, 0, "This address already has an account");
      break;
    }
}

static void
register_password_hashed (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(Request) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password_hash = NULL;
  g_autoptr(GBytes) code_hash = NULL;
  XgServer *server = req->conn->server;
  XgServerRegistration registration;

  password_hash = xg_server_hasher_hash_finish (XG_SERVER_HASHER (source), result, &error);
  if (password_hash == NULL)
    {
      g_warning ("Hashing a password: %s", error->message);
      register_fail (req, XG_PROTO_REGISTER_FAIL_BUSY, 1, "The server is busy; try again");
      return;
    }

  code_hash = xg_server_hash_code (server->secret, req->email, req->code);
  registration = (XgServerRegistration) {
    .email = req->email,
    .nickname = req->nickname,
    .password_hash = password_hash,
    .code_hash = code_hash,
    .now = now_seconds (server),
  };
  xg_server_store_register_async (server->store, &registration, registered, g_steal_pointer (&req));
}

static void
handle_register (XgServerConnection *conn,
                 const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(Request) req = request_new (conn, frame);
  const char *email, *nickname, *password, *code;

  xg_proto_register_get (frame->body, &email, &nickname, &password, &code);
  req->email = xg_proto_email_normalize (email);

  if (req->email == NULL)
    register_fail (req, XG_PROTO_REGISTER_FAIL_INVALID_EMAIL, 0, "That is not an email address");
  else if (!xg_proto_nickname_is_valid (nickname))
    register_fail (req, XG_PROTO_REGISTER_FAIL_INVALID_NICKNAME, 0,
                   "A nickname has 1 to 32 characters and no control characters");
  else if (!xg_proto_password_is_valid (password))
    register_fail (req, XG_PROTO_REGISTER_FAIL_WEAK_PASSWORD, 0,
                   "A password has 8 to 1024 bytes");
  else if (xg_server_hasher_is_busy (server->hasher))
    register_fail (req, XG_PROTO_REGISTER_FAIL_BUSY, 1, "The server is busy; try again");
  else
    {
      req->nickname = g_strdup (nickname);
      req->code = g_strdup (code);
      xg_server_hasher_hash_async (server->hasher, password, register_password_hashed,
                                   g_steal_pointer (&req));
    }
}

/* --- Profiles ------------------------------------------------------------ */

static void
profile_updated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Request) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerAccount) account = NULL;

  account = xg_server_store_account_finish (XG_SERVER_STORE (source), result, &error);
  if (account == NULL)
    {
      g_warning ("Updating a profile: %s", error ? error->message : "no such account");
      reply_error (req, XG_PROTO_ERR_INTERNAL, "The profile could not be saved");
      return;
    }
  reply (req, XG_PACKET_PROFILE, profile_body (account));

  /* The account's online friends see the change (docs/PROTOCOL.md 4.6). */
  xg_server_router_push_to_friends (req->conn->server->router, account->id, XG_PACKET_USER_INFO,
                                    xg_proto_user_info_new (account->id, account->nickname, account->fields));
}

static void
handle_profile_update (XgServerConnection *conn,
                       const XgProtoFrame *frame)
{
  g_autoptr(Request) req = request_new (conn, frame);
  g_autoptr(GVariant) changes = NULL;
  g_autoptr(GVariant) fields = NULL;
  g_autofree char *why = NULL;

  xg_proto_profile_update_get (frame->body, &changes);
  if (!validate_profile_changes (changes, &req->nickname, &fields, &why))
    {
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT, why);
      return;
    }

  Request *owned = g_steal_pointer (&req);
  xg_server_store_update_profile_async (conn->server->store, conn->account_id, owned->nickname,
                                        fields, profile_updated, owned);
}

static const XgServerHandlerEntry handlers[] = {
  { XG_PACKET_HEARTBEAT,             FALSE, handle_heartbeat },
  { XG_PACKET_LOGIN,                 FALSE, handle_login },
  { XG_PACKET_TOKEN_LOGIN,           FALSE, handle_token_login },
  { XG_PACKET_LOGOUT,                TRUE,  handle_logout },
  { XG_PACKET_REGISTER_CODE_REQUEST, FALSE, handle_register_code_request },
  { XG_PACKET_REGISTER,              FALSE, handle_register },
  { XG_PACKET_PROFILE_UPDATE,        TRUE,  handle_profile_update },
};

const XgServerHandlerEntry *
xg_server_accounts_get_handlers (guint *n_handlers)
{
  *n_handlers = G_N_ELEMENTS (handlers);
  return handlers;
}
