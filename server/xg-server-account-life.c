/* xg-server-account-life.c: password reset and change, address change, deletion
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The requests of docs/PROTOCOL.md 3.8, one handler each (the table at the
 * end), in the style of xg-server-accounts.c: checks on the main thread,
 * then store, hasher and mailer steps chained through a LifeRequest.
 * Codes are issued with the registration's machinery
 * (xg_server_issue_code_async, the store's issue_code and its limits);
 * every push to another connection, and forcing a session out, goes
 * through the router from a store callback, after the commit.
 *
 * Passwords, codes and tokens are never logged; emails only masked.
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "xg-proto-limits.h"
#include "xg-server-private.h"
#include "xg-server-util.h"
#include "xg-server-request.h"
#include "xg-server-router.h"
#include "xg-server-store-accounts.h"

typedef struct _LifeRequest LifeRequest;
typedef void (*LifeStep) (LifeRequest *req);

struct _LifeRequest {
  XgServerRequest   base;
  XgServerConnection *conn;       /* base.conn, for short */
  guint64           account_id;   /* the connection's account when it asked */
  char             *email;        /* the address the request is about, normalized */
  char             *code;
  char             *password;     /* the current one, to verify */
  char             *new_password;
  char             *confirmation;
  XgServerAccount  *account;
  GBytes           *token;
  GBytes           *token_hash;
  gint64            token_expires;
  LifeStep          verified;     /* what follows a correct current password */
};

static LifeRequest *
life_request_new (XgServerConnection *conn,
                  const XgProtoFrame *frame)
{
  LifeRequest *req = g_new0 (LifeRequest, 1);

  xg_server_request_init (&req->base, conn, frame);
  req->conn = req->base.conn;
  req->account_id = conn->account_id;
  return req;
}

static void
life_request_free (LifeRequest *req)
{
  xg_server_request_clear (&req->base);
  g_free (req->email);
  xg_server_wipe_string (req->code);
  xg_server_wipe_string (req->password);
  xg_server_wipe_string (req->new_password);
  g_free (req->confirmation);
  g_clear_pointer (&req->account, xg_server_account_free);
  g_clear_pointer (&req->token, g_bytes_unref);
  g_clear_pointer (&req->token_hash, g_bytes_unref);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LifeRequest, life_request_free)

static XgServer *
server_of (LifeRequest *req)
{
  return req->conn->server;
}

static gint64
now_seconds (XgServer *server)
{
  return xg_server_clock_seconds (server->clock);
}

static void
reply (LifeRequest *req,
       guint16      type,
       GVariant    *body)
{
  xg_server_request_reply (&req->base, type, body);
}

static void
fail (LifeRequest        *req,
      XgProtoAccountFail  reason,
      guint               retry_after,
      const char         *message)
{
  reply (req, XG_PACKET_ACCOUNT_FAIL, xg_proto_account_fail_new (reason, retry_after, message));
}

/* Answers a code check that did not succeed; FALSE when it did. */
static gboolean
code_refused (LifeRequest                  *req,
              const XgServerRegisterResult *result)
{
  switch (result->status)
    {
    case XG_SERVER_REGISTER_OK:
      return FALSE;
    case XG_SERVER_REGISTER_CODE_INCORRECT:
      reply (req, XG_PACKET_ACCOUNT_CODE_INCORRECT, xg_proto_account_code_incorrect_new (result->attempts_left));
      break;
    case XG_SERVER_REGISTER_CODE_EXHAUSTED:
      fail (req, XG_PROTO_ACCOUNT_FAIL_TOO_MANY_ATTEMPTS, 0, "Too many wrong codes; request a new one");
      break;
    case XG_SERVER_REGISTER_EMAIL_TAKEN:
      fail (req, XG_PROTO_ACCOUNT_FAIL_EMAIL_TAKEN, 0, "This address has an account");
      break;
    case XG_SERVER_REGISTER_NO_CODE:
    default:
      fail (req, XG_PROTO_ACCOUNT_FAIL_NO_CODE, 0, "No valid code for this address; request a new one");
      break;
    }
  return TRUE;
}

/* --- Codes, shared with registration ------------------------------------- */

/**
 * xg_server_issue_code_async:
 * @code: (out): the new code, 6 digits and a NUL; the caller wipes it
 *
 * Issues a code of @purpose for @email with the server's rules (expiry,
 * attempts, resend interval, hourly limit): stores its keyed hash. Finish
 * with xg_server_store_issue_code_finish(). The per-address limit of code
 * requests is the caller's, which checks it before anything else.
 */
void
xg_server_issue_code_async (XgServer            *server,
                            int                  purpose,
                            const char          *email,
                            guint64              account_id,
                            char                 code[7],
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  XgServerConfig *config = server->config;
  g_autoptr(GBytes) code_hash = NULL;
  XgServerCodeRequest request;

  xg_server_random_code (code);
  code_hash = xg_server_hash_code (server->secret, email, code);
  request = (XgServerCodeRequest) {
    .email = email,
    .code_hash = code_hash,
    .now = now_seconds (server),
    .expiry = config->code_expiry,
    .attempts = config->code_attempts,
    .resend_interval = config->code_resend_interval,
    .per_hour = config->codes_per_email_per_hour,
    .purpose = purpose,
    .account_id = account_id,
  };
  xg_server_store_issue_code_async (server->store, &request, callback, user_data);
}

/* The per-peer-address limit that every kind of code request shares; FALSE
 * when it answered. */
static gboolean
code_request_allowed (LifeRequest *req)
{
  XgServer *server = server_of (req);
  gint64 now = now_seconds (server);
  guint wait = xg_server_limiter_retry_after (server->code_requests, req->conn->peer, now);

  if (wait > 0)
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_RATE_LIMITED, wait, "Too many codes requested from this network this hour");
      return FALSE;
    }
  xg_server_limiter_hit (server->code_requests, req->conn->peer, now);
  return TRUE;
}

static void
code_sent_reply (LifeRequest *req)
{
  XgServerConfig *config = server_of (req)->config;

  reply (req, XG_PACKET_ACCOUNT_CODE_SENT,
         xg_proto_account_code_sent_new (req->email, config->code_resend_interval, config->code_expiry));
}

/* The mail went (or not); answers unless the answer went before it. */
static void
code_mailed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;

  if (!xg_server_mailer_send_finish (XG_SERVER_MAILER (source), result, &error))
    {
      g_warning ("Mailing an account code: %s", error->message);
      if (req->base.request_id != 0)
        fail (req, XG_PROTO_ACCOUNT_FAIL_MAIL_FAILED, server_of (req)->config->code_resend_interval,
              "The mail could not be sent");
      return;
    }
  if (req->base.request_id != 0)
    code_sent_reply (req);
}

static void
mail (LifeRequest         *req,
      const char          *to,
      const char          *subject,
      char                *body,
      GAsyncReadyCallback  callback)
{
  xg_server_mailer_send_async (server_of (req)->mailer, to, subject, body, NULL, callback, req);
  sodium_memzero (body, strlen (body));
}

static void
notice_mailed (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;

  if (!xg_server_mailer_send_finish (XG_SERVER_MAILER (source), result, &error))
    g_warning ("Mailing a notice: %s", error->message);
}

/* Mails the code in req->code to req->email. */
static void
send_code_mail (LifeRequest *req,
                gboolean     reset)
{
  guint minutes = MAX (server_of (req)->config->code_expiry / 60, 1);
  g_autofree char *body = NULL;
  const char *subject;

  if (reset)
    {
      subject = "Xinge password reset code / 信鸽密码重置验证码";
      body = g_strdup_printf ("Your Xinge password reset code is %s. It is valid for %u minutes.\n"
                              "If you did not ask for it, ignore this mail: your password stays as it is.\n\n"
                              "您的信鸽密码重置验证码是 %s，%u 分钟内有效。如果不是您本人操作，请忽略此邮件，您的密码不会改变。\n",
                              req->code, minutes, req->code, minutes);
    }
  else
    {
      subject = "Xinge address change code / 信鸽更换邮箱验证码";
      body = g_strdup_printf ("Your Xinge code to make this address your account's is %s. "
                              "It is valid for %u minutes.\n"
                              "If you did not ask for it, ignore this mail.\n\n"
                              "您的信鸽更换邮箱验证码是 %s，%u 分钟内有效。如果不是您本人操作，请忽略此邮件。\n",
                              req->code, minutes, req->code, minutes);
    }
  mail (req, req->email, subject, g_steal_pointer (&body), code_mailed);
}

/* --- Forgot password ----------------------------------------------------- */

static void
reset_code_issued (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServerCodeStatus status;
  guint retry_after;

  if (!xg_server_store_issue_code_finish (XG_SERVER_STORE (source), result, &status, &retry_after, &error))
    {
      g_warning ("Storing a reset code: %s", error->message);
      fail (req, XG_PROTO_ACCOUNT_FAIL_INTERNAL, 1, "The server could not issue a code");
      return;
    }
  if (status != XG_SERVER_CODE_ISSUED)
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_RATE_LIMITED, retry_after,
            status == XG_SERVER_CODE_TOO_SOON ? "A code was sent a moment ago"
                                              : "Too many codes for this address this hour");
      return;
    }

  if (server_of (req)->config->privacy)
    {
      /* The same answer at the same step for every address; the mail, if
       * any, goes afterwards and tells nobody on this connection anything. */
      code_sent_reply (req);
      req->base.request_id = 0;
      if (req->account == NULL)
        return;
    }
  send_code_mail (g_steal_pointer (&req), TRUE);
}

static void
reset_request_account_found (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServer *server = server_of (req);
  char code[7];

  req->account = xg_server_store_account_finish (XG_SERVER_STORE (source), result, &error);
  if (error != NULL)
    {
      g_warning ("Looking up an account: %s", error->message);
      fail (req, XG_PROTO_ACCOUNT_FAIL_INTERNAL, 1, "The server could not check the address");
      return;
    }
  if (req->account == NULL && !server->config->privacy)
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_NO_ACCOUNT, 0, "No account has this address");
      return;
    }

  /* Privacy mode: an address without an account gets a code too, limits
   * included, which nobody is ever told. */
  LifeRequest *owned = g_steal_pointer (&req);
  xg_server_issue_code_async (server, XG_SERVER_CODE_PASSWORD_RESET, owned->email, 0, code,
                              reset_code_issued, owned);
  owned->code = g_strdup (code);
  sodium_memzero (code, sizeof code);
}

static void
handle_password_reset_request (XgServerConnection *conn,
                               const XgProtoFrame *frame)
{
  g_autoptr(LifeRequest) req = life_request_new (conn, frame);
  const char *email;

  xg_proto_password_reset_request_get (frame->body, &email);
  req->email = xg_proto_email_normalize (email);
  if (req->email == NULL)
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_INVALID_EMAIL, 0, "That is not an email address");
      return;
    }
  if (!code_request_allowed (req))
    return;

  LifeRequest *owned = g_steal_pointer (&req);
  xg_server_store_account_by_email_async (conn->server->store, owned->email,
                                          reset_request_account_found, owned);
}

static void
password_reset_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *masked = NULL;
  XgServer *server = server_of (req);
  XgServerRegisterResult out;

  if (!xg_server_store_code_result_finish (XG_SERVER_STORE (source), result, &out, NULL, &error))
    {
      g_warning ("Resetting a password: %s", error->message);
      fail (req, XG_PROTO_ACCOUNT_FAIL_INTERNAL, 1, "The server could not save the password");
      return;
    }
  if (code_refused (req, &out))
    return;

  masked = xg_proto_mask_email (req->email);
  g_message ("Password of account %" G_GUINT64_FORMAT " (%s) reset", out.account_id, masked);
  xg_server_backoff_reset (server->email_failures, req->email);
  reply (req, XG_PACKET_PASSWORD_RESET_OK, xg_proto_password_reset_ok_new ());
  /* Its tokens are gone: its session, wherever it is, ends too. */
  xg_server_router_force_out (server->router, out.account_id, NULL, XG_PROTO_FORCED_LOGOUT_PASSWORD_CHANGED,
                              "The password was reset");
}

static void
reset_password_hashed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password_hash = NULL;
  g_autoptr(GBytes) code_hash = NULL;
  XgServer *server = server_of (req);
  XgServerPasswordReset reset;

  password_hash = xg_server_hasher_hash_finish (XG_SERVER_HASHER (source), result, &error);
  if (password_hash == NULL)
    {
      g_warning ("Hashing a password: %s", error->message);
      fail (req, XG_PROTO_ACCOUNT_FAIL_BUSY, 1, "The server is busy; try again");
      return;
    }

  code_hash = xg_server_hash_code (server->secret, req->email, req->code);
  reset = (XgServerPasswordReset) {
    .email = req->email,
    .code_hash = code_hash,
    .password_hash = password_hash,
    .now = now_seconds (server),
  };
  xg_server_store_reset_password_async (server->store, &reset, password_reset_done, g_steal_pointer (&req));
}

static void
handle_password_reset (XgServerConnection *conn,
                       const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(LifeRequest) req = life_request_new (conn, frame);
  const char *email, *code, *password;

  xg_proto_password_reset_get (frame->body, &email, &code, &password);
  req->email = xg_proto_email_normalize (email);
  if (req->email == NULL)
    fail (req, XG_PROTO_ACCOUNT_FAIL_INVALID_EMAIL, 0, "That is not an email address");
  else if (!xg_proto_password_is_valid (password))
    fail (req, XG_PROTO_ACCOUNT_FAIL_WEAK_PASSWORD, 0, "A password has 8 to 1024 bytes");
  else if (xg_server_hasher_is_busy (server->hasher))
    fail (req, XG_PROTO_ACCOUNT_FAIL_BUSY, 1, "The server is busy; try again");
  else
    {
      req->code = g_strdup (code);
      xg_server_hasher_hash_async (server->hasher, password, reset_password_hashed, g_steal_pointer (&req));
    }
}

/* --- The current password ------------------------------------------------ */

static void
current_password_verified (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  XgServer *server = server_of (req);
  gint64 now = now_seconds (server);

  if (!xg_server_hasher_verify_finish (XG_SERVER_HASHER (source), result))
    {
      /* A failed login for the address: the same backoff (docs/PROTOCOL.md 8.5). */
      xg_server_backoff_fail (server->email_failures, req->account->email, now);
      fail (req, XG_PROTO_ACCOUNT_FAIL_WRONG_PASSWORD,
            xg_server_backoff_retry_after (server->email_failures, req->account->email, now),
            "The password is wrong");
      return;
    }
  xg_server_backoff_reset (server->email_failures, req->account->email);
  req->verified (g_steal_pointer (&req));
}

static void
current_account_found (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServer *server = server_of (req);
  guint wait;

  req->account = xg_server_store_account_finish (XG_SERVER_STORE (source), result, &error);
  if (req->account == NULL)
    {
      g_warning ("Reading account %" G_GUINT64_FORMAT ": %s", req->account_id,
                 error ? error->message : "gone");
      fail (req, XG_PROTO_ACCOUNT_FAIL_INTERNAL, 1, "The server could not read the account");
      return;
    }
  wait = xg_server_backoff_retry_after (server->email_failures, req->account->email, now_seconds (server));
  if (wait > 0)
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_RATE_LIMITED, wait, "Too many wrong passwords; wait a little");
      return;
    }

  LifeRequest *owned = g_steal_pointer (&req);
  xg_server_hasher_verify_async (server->hasher, owned->account->password_hash, owned->password,
                                 current_password_verified, owned);
}

/* Reads the connection's account into req->account, verifies @password
 * against it (Argon2id, on the hasher's pool) and goes on with @then. */
static void
verify_current_password (LifeRequest *req,
                         const char  *password,
                         LifeStep     then)
{
  XgServer *server = server_of (req);

  if (xg_server_hasher_is_busy (server->hasher))
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_BUSY, 1, "The server is busy; try again");
      life_request_free (req);
      return;
    }
  req->password = g_strdup (password);
  req->verified = then;
  xg_server_store_account_by_id_async (server->store, req->account_id, current_account_found, req);
}

/* --- Change password ----------------------------------------------------- */

static void
password_changed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServer *server = server_of (req);
  XgServerConnection *conn = req->conn;

  if (!xg_server_store_boolean_finish (XG_SERVER_STORE (source), result, &error))
    {
      g_warning ("Changing a password: %s", error ? error->message : "unknown");
      fail (req, XG_PROTO_ACCOUNT_FAIL_INTERNAL, 1, "The server could not save the password");
      return;
    }

  g_message ("Password of account %" G_GUINT64_FORMAT " changed", req->account_id);
  /* The session goes on with its new token ... */
  if (conn->account_id == req->account_id)
    {
      g_clear_pointer (&conn->token_hash, g_bytes_unref);
      conn->token_hash = g_bytes_ref (req->token_hash);
    }
  reply (req, XG_PACKET_PASSWORD_CHANGE_OK, xg_proto_password_change_ok_new (req->token, req->token_expires));
  /* ... and any other one of the account ends. */
  xg_server_router_force_out (server->router, req->account_id, conn, XG_PROTO_FORCED_LOGOUT_PASSWORD_CHANGED,
                              "The password was changed");
}

static void
new_password_hashed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password_hash = NULL;
  XgServer *server = server_of (req);
  gint64 now = now_seconds (server);

  password_hash = xg_server_hasher_hash_finish (XG_SERVER_HASHER (source), result, &error);
  if (password_hash == NULL)
    {
      g_warning ("Hashing a password: %s", error->message);
      fail (req, XG_PROTO_ACCOUNT_FAIL_BUSY, 1, "The server is busy; try again");
      return;
    }

  req->token = xg_server_new_token ();
  req->token_hash = xg_server_hash_token (req->token);
  req->token_expires = now + (gint64) server->config->token_lifetime_days * 24 * 3600;

  LifeRequest *owned = g_steal_pointer (&req);
  xg_server_store_change_password_async (server->store, owned->account_id, password_hash, owned->token_hash,
                                         now, owned->token_expires, password_changed, owned);
}

static void
change_password_verified (LifeRequest *req)
{
  XgServer *server = server_of (req);

  xg_server_hasher_hash_async (server->hasher, req->new_password, new_password_hashed, req);
}

static void
handle_password_change (XgServerConnection *conn,
                        const XgProtoFrame *frame)
{
  g_autoptr(LifeRequest) req = life_request_new (conn, frame);
  const char *current, *password;

  xg_proto_password_change_get (frame->body, &current, &password);
  if (!xg_proto_password_is_valid (password))
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_WEAK_PASSWORD, 0, "A password has 8 to 1024 bytes");
      return;
    }
  req->new_password = g_strdup (password);
  verify_current_password (g_steal_pointer (&req), current, change_password_verified);
}

/* --- Change email -------------------------------------------------------- */

static void
email_code_issued (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServerCodeStatus status;
  guint retry_after;

  if (!xg_server_store_issue_code_finish (XG_SERVER_STORE (source), result, &status, &retry_after, &error))
    {
      g_warning ("Storing an address change code: %s", error->message);
      fail (req, XG_PROTO_ACCOUNT_FAIL_INTERNAL, 1, "The server could not issue a code");
      return;
    }
  if (status != XG_SERVER_CODE_ISSUED)
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_RATE_LIMITED, retry_after,
            status == XG_SERVER_CODE_TOO_SOON ? "A code was sent a moment ago"
                                              : "Too many codes for this address this hour");
      return;
    }
  send_code_mail (g_steal_pointer (&req), FALSE);
}

static void
new_email_owner_found (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerAccount) owner = NULL;
  char code[7];

  owner = xg_server_store_account_finish (XG_SERVER_STORE (source), result, &error);
  if (error != NULL)
    {
      g_warning ("Looking up an account: %s", error->message);
      fail (req, XG_PROTO_ACCOUNT_FAIL_INTERNAL, 1, "The server could not check the address");
      return;
    }
  if (owner != NULL)
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_EMAIL_TAKEN, 0, "This address has an account");
      return;
    }

  LifeRequest *owned = g_steal_pointer (&req);
  xg_server_issue_code_async (server_of (owned), XG_SERVER_CODE_EMAIL_CHANGE, owned->email, owned->account_id,
                              code, email_code_issued, owned);
  owned->code = g_strdup (code);
  sodium_memzero (code, sizeof code);
}

static void
email_change_verified (LifeRequest *req)
{
  if (g_str_equal (req->email, req->account->email))
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_INVALID_EMAIL, 0, "The account has this address already");
      life_request_free (req);
      return;
    }
  if (!code_request_allowed (req))
    {
      life_request_free (req);
      return;
    }
  xg_server_store_account_by_email_async (server_of (req)->store, req->email, new_email_owner_found, req);
}

static void
handle_email_change_request (XgServerConnection *conn,
                             const XgProtoFrame *frame)
{
  g_autoptr(LifeRequest) req = life_request_new (conn, frame);
  const char *email, *password;

  xg_proto_email_change_request_get (frame->body, &email, &password);
  req->email = xg_proto_email_normalize (email);
  if (req->email == NULL)
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_INVALID_EMAIL, 0, "That is not an email address");
      return;
    }
  verify_current_password (g_steal_pointer (&req), password, email_change_verified);
}

static void
email_changed_account_read (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *masked = xg_proto_mask_email (req->email);
  g_autofree char *body = NULL;
  g_autofree char *old_email = g_steal_pointer (&req->confirmation);

  req->account = xg_server_store_account_finish (XG_SERVER_STORE (source), result, &error);
  reply (req, XG_PACKET_EMAIL_CHANGED, xg_proto_email_changed_new (req->email));
  if (req->account != NULL)
    xg_server_connection_send (req->conn, XG_PACKET_PROFILE, 0,
                               xg_proto_profile_new (req->account->id, req->account->email,
                                                     req->account->nickname, req->account->fields));
  else
    g_warning ("Reading account %" G_GUINT64_FORMAT ": %s", req->account_id, error ? error->message : "gone");

  /* The old address hears of it, in case it was not its owner's doing. */
  body = g_strdup_printf ("The address of your Xinge account %" G_GUINT64_FORMAT " was changed to %s. "
                          "This address no longer logs in to it.\n"
                          "If you did not do this, someone else may know your password: "
                          "contact the server's operator.\n\n"
                          "您的信鸽账号 %" G_GUINT64_FORMAT " 的邮箱已更换为 %s，此邮箱不能再登录该账号。"
                          "如果不是您本人操作，您的密码可能已被他人知晓，请联系服务器管理员。\n",
                          req->account_id, masked, req->account_id, masked);
  mail (g_steal_pointer (&req), old_email, "Xinge: your account's address was changed / 信鸽账号邮箱已更换",
        g_steal_pointer (&body), notice_mailed);
}

static void
email_change_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_email = NULL;
  XgServerRegisterResult out;

  if (!xg_server_store_code_result_finish (XG_SERVER_STORE (source), result, &out, &old_email, &error))
    {
      g_warning ("Changing an address: %s", error->message);
      fail (req, XG_PROTO_ACCOUNT_FAIL_INTERNAL, 1, "The server could not change the address");
      return;
    }
  if (code_refused (req, &out))
    return;

  g_message ("Account %" G_GUINT64_FORMAT " changed its address", req->account_id);
  req->confirmation = g_steal_pointer (&old_email);   /* where the notice goes */
  LifeRequest *owned = g_steal_pointer (&req);
  xg_server_store_account_by_id_async (server_of (owned)->store, owned->account_id,
                                       email_changed_account_read, owned);
}

static void
handle_email_change_confirm (XgServerConnection *conn,
                             const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(LifeRequest) req = life_request_new (conn, frame);
  g_autoptr(GBytes) code_hash = NULL;
  const char *email, *code;

  xg_proto_email_change_confirm_get (frame->body, &email, &code);
  req->email = xg_proto_email_normalize (email);
  if (req->email == NULL)
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_INVALID_EMAIL, 0, "That is not an email address");
      return;
    }

  code_hash = xg_server_hash_code (server->secret, req->email, code);
  LifeRequest *owned = g_steal_pointer (&req);
  xg_server_store_change_email_async (server->store, owned->account_id, owned->email, code_hash,
                                      now_seconds (server), email_change_done, owned);
}

/* --- Delete account ------------------------------------------------------ */

static void
account_deleted (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(LifeRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServerAccountDeletion deletion = { 0 };
  XgServer *server = server_of (req);
  XgServerConnection *conn = req->conn;
  guint64 id = req->account_id;

  if (!xg_server_store_delete_account_finish (XG_SERVER_STORE (source), result, &deletion, &error))
    {
      g_warning ("Deleting account %" G_GUINT64_FORMAT ": %s", id, error->message);
      fail (req, XG_PROTO_ACCOUNT_FAIL_INTERNAL, 1, "The server could not delete the account");
      return;
    }

  g_message ("Account %" G_GUINT64_FORMAT " deleted", id);
  reply (req, XG_PACKET_ACCOUNT_DELETED, xg_proto_account_deleted_new (id));

  /* Its session ends (friends see it go offline), then the others hear
   * what went with it (docs/PROTOCOL.md 3.8). */
  if (conn->account_id == id)
    xg_server_connection_end_session (conn);
  xg_server_router_force_out (server->router, id, NULL, XG_PROTO_FORCED_LOGOUT_ACCOUNT_DISABLED,
                              "The account was deleted");
  for (guint i = 0; i < deletion.friends->len; i++)
    {
      guint64 friend_id = g_array_index (deletion.friends, guint64, i);

      xg_server_router_unfriend (server->router, id, friend_id);
      xg_server_router_push (server->router, friend_id, XG_PACKET_FRIEND_REMOVED,
                             xg_proto_friend_removed_new (id, friend_id));
    }
  for (guint i = 0; i < deletion.requesters->len; i++)
    {
      guint64 requester = g_array_index (deletion.requesters, guint64, i);

      xg_server_router_push (server->router, requester, XG_PACKET_FRIEND_REQUEST_TIMEOUT,
                             xg_proto_friend_request_timeout_new (id, requester));
    }
  for (guint i = 0; i < deletion.targets->len; i++)
    {
      guint64 target = g_array_index (deletion.targets, guint64, i);

      xg_server_router_push (server->router, target, XG_PACKET_FRIEND_REQUEST_TIMEOUT,
                             xg_proto_friend_request_timeout_new (target, id));
    }
  /* Each group it was in: it left, and one it owned passed on. */
  for (guint i = 0; deletion.groups != NULL && i < deletion.groups->len; i++)
    xg_server_groups_push_change (server, deletion.groups->pdata[i]);
  xg_server_account_deletion_clear (&deletion);
}

static void
delete_verified (LifeRequest *req)
{
  g_autofree char *confirmation = xg_proto_email_normalize (req->confirmation);

  if (confirmation == NULL || !g_str_equal (confirmation, req->account->email))
    {
      fail (req, XG_PROTO_ACCOUNT_FAIL_CONFIRMATION, 0, "The confirmation is not the account's address");
      life_request_free (req);
      return;
    }
  xg_server_store_delete_account_async (server_of (req)->store, req->account_id, account_deleted, req);
}

static void
handle_account_delete (XgServerConnection *conn,
                       const XgProtoFrame *frame)
{
  g_autoptr(LifeRequest) req = life_request_new (conn, frame);
  const char *password, *confirmation;

  xg_proto_account_delete_get (frame->body, &password, &confirmation);
  req->confirmation = g_strdup (confirmation);
  verify_current_password (g_steal_pointer (&req), password, delete_verified);
}

static const XgServerHandlerEntry handlers[] = {
  { XG_PACKET_PASSWORD_RESET_REQUEST, FALSE, handle_password_reset_request },
  { XG_PACKET_PASSWORD_RESET,         FALSE, handle_password_reset },
  { XG_PACKET_PASSWORD_CHANGE,        TRUE,  handle_password_change },
  { XG_PACKET_EMAIL_CHANGE_REQUEST,   TRUE,  handle_email_change_request },
  { XG_PACKET_EMAIL_CHANGE_CONFIRM,   TRUE,  handle_email_change_confirm },
  { XG_PACKET_ACCOUNT_DELETE,         TRUE,  handle_account_delete },
};

const XgServerHandlerEntry *
xg_server_account_life_get_handlers (guint *n_handlers)
{
  *n_handlers = G_N_ELEMENTS (handlers);
  return handlers;
}
