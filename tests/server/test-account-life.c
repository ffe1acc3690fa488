/* test-account-life.c: password reset and change, address change and
 * account deletion (docs/PROTOCOL.md 3.8), end to end over real TLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test starts the real server binary on a temporary data dir; codes
 * are read from the mails in its outbox.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <sqlite3.h>

#include "xg-test-harness.h"

#define PASSWORD     "correct horse battery"
#define NEW_PASSWORD "new horse battery staple"

static guint32
account_fail_reason (XgProtoFrame *frame,
                     guint32      *retry_after)
{
  guint32 reason;

  xg_proto_account_fail_get (frame->body, &reason, retry_after, NULL);
  return reason;
}

static guint32
login_fail_reason (XgProtoFrame *frame)
{
  guint32 reason;

  xg_proto_login_fail_get (frame->body, &reason, NULL, NULL);
  return reason;
}

/* The next frame of @type; pushes of other types before it are dropped. */
static XgProtoFrame *
expect_push (XgTestClient *client,
             guint16       type)
{
  for (;;)
    {
      XgProtoFrame *frame = xg_test_client_receive (client, XG_TEST_TIMEOUT_MS);

      if (frame == NULL)
        g_error ("Expected packet 0x%04x, got nothing (%s)", type, client->closed ? "closed" : "timed out");
      if (frame->type == type)
        return frame;
      xg_proto_frame_free (frame);
    }
}

static void
wrong_code (const char *code,
            char        wrong[7])
{
  g_snprintf (wrong, 7, "%06u", (guint) ((g_ascii_strtoull (code, NULL, 10) + 1) % 1000000));
}

static guint
count_mails (XgTestServer *server)
{
  g_autoptr(GDir) dir = g_dir_open (server->outbox, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    n += g_str_has_suffix (name, ".eml");
  return n;
}

static void
request_reset_code (XgTestClient *client,
                    const char   *email)
{
  g_autoptr(XgProtoFrame) sent = NULL;
  const char *to;
  guint32 resend_after, expires_in;

  sent = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET_REQUEST,
                                 xg_proto_password_reset_request_new (email), XG_PACKET_ACCOUNT_CODE_SENT);
  xg_proto_account_code_sent_get (sent->body, &to, &resend_after, &expires_in);
  g_assert_cmpuint (resend_after, ==, 60);
  g_assert_cmpuint (expires_in, ==, 600);
}

static void
assert_token_invalid (XgTestServer *server,
                      guint64       id,
                      GBytes       *token)
{
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  g_autoptr(XgProtoFrame) fail = NULL;

  fail = xg_test_client_request (client, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (id, token),
                                 XG_PACKET_LOGIN_FAIL);
  g_assert_cmpuint (login_fail_reason (fail), ==, XG_PROTO_LOGIN_FAIL_TOKEN_INVALID);
}

static void
assert_login_fails (XgTestServer *server,
                    const char   *email,
                    const char   *password)
{
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  g_autoptr(XgProtoFrame) fail = NULL;

  fail = xg_test_client_request (client, XG_PACKET_LOGIN, xg_proto_login_new (email, password, ""),
                                 XG_PACKET_LOGIN_FAIL);
  g_assert_cmpuint (login_fail_reason (fail), ==, XG_PROTO_LOGIN_FAIL_BAD_CREDENTIALS);
}

/* --- Forgot password ----------------------------------------------------- */

static void
test_reset (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) session = NULL;
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgTestClient) after = NULL;
  g_autoptr(GBytes) token = NULL;
  g_autoptr(XgProtoFrame) incorrect = NULL;
  g_autoptr(XgProtoFrame) ok = NULL;
  g_autoptr(XgProtoFrame) forced = NULL;
  g_autoptr(XgProtoFrame) reused = NULL;
  g_autofree char *code = NULL;
  g_autofree char *mail = NULL;
  guint32 attempts_left, reason;
  char wrong[7];
  guint64 id;

  id = xg_test_register (server, "alice@example.com", "Alice", PASSWORD);
  session = xg_test_client_connect (server);
  xg_test_login (session, "alice@example.com", PASSWORD, &token);

  /* Any connection may ask, logged in or not; the address is normalized. */
  client = xg_test_client_connect (server);
  request_reset_code (client, "Alice@Example.com");
  mail = xg_test_server_last_mail (server, "alice@example.com");
  g_assert_nonnull (strstr (mail, "password reset code"));
  code = xg_test_server_read_code (server, "alice@example.com");
  wrong_code (code, wrong);

  /* A weak password is refused before the code is looked at. */
  {
    g_autoptr(XgProtoFrame) weak = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET,
                                                           xg_proto_password_reset_new ("alice@example.com", code, "short"),
                                                           XG_PACKET_ACCOUNT_FAIL);
    g_assert_cmpuint (account_fail_reason (weak, NULL), ==, XG_PROTO_ACCOUNT_FAIL_WEAK_PASSWORD);
  }

  incorrect = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET,
                                      xg_proto_password_reset_new ("alice@example.com", wrong, NEW_PASSWORD),
                                      XG_PACKET_ACCOUNT_CODE_INCORRECT);
  xg_proto_account_code_incorrect_get (incorrect->body, &attempts_left);
  g_assert_cmpuint (attempts_left, ==, 4);

  /* A registration code is not a reset code, nor the other way round. */
  {
    g_autoptr(XgProtoFrame) reg = xg_test_client_request (client, XG_PACKET_REGISTER,
                                                          xg_proto_register_new ("alice@example.com", "A", PASSWORD, code),
                                                          XG_PACKET_REGISTER_FAIL);
    guint32 r;

    xg_proto_register_fail_get (reg->body, &r, NULL, NULL);
    g_assert_cmpuint (r, ==, XG_PROTO_REGISTER_FAIL_NO_CODE);
  }

  ok = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET,
                               xg_proto_password_reset_new ("alice@example.com", code, NEW_PASSWORD),
                               XG_PACKET_PASSWORD_RESET_OK);

  /* The logged-in session is forced out, its token is revoked ... */
  forced = expect_push (session, XG_PACKET_FORCED_LOGOUT);
  xg_proto_forced_logout_get (forced->body, &reason, NULL);
  g_assert_cmpuint (reason, ==, XG_PROTO_FORCED_LOGOUT_PASSWORD_CHANGED);
  g_assert_true (xg_test_client_wait_closed (session, 3000));
  assert_token_invalid (server, id, token);

  /* ... the old password no longer works, the new one does ... */
  assert_login_fails (server, "alice@example.com", PASSWORD);
  after = xg_test_client_connect (server);
  g_assert_cmpuint (xg_test_login (after, "alice@example.com", NEW_PASSWORD, NULL), ==, id);

  /* ... and the code is used up. */
  reused = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET,
                                   xg_proto_password_reset_new ("alice@example.com", code, PASSWORD),
                                   XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (reused, NULL), ==, XG_PROTO_ACCOUNT_FAIL_NO_CODE);
}

static void
test_reset_expired (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) fail = NULL;
  g_autofree char *code = NULL;

  xg_test_register (server, "bob@example.com", "Bob", PASSWORD);
  client = xg_test_client_connect (server);
  request_reset_code (client, "bob@example.com");
  code = xg_test_server_read_code (server, "bob@example.com");

  xg_test_server_advance_clock (server, client, 600);
  fail = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET,
                                 xg_proto_password_reset_new ("bob@example.com", code, NEW_PASSWORD),
                                 XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (fail, NULL), ==, XG_PROTO_ACCOUNT_FAIL_NO_CODE);
  assert_login_fails (server, "bob@example.com", NEW_PASSWORD);
}

static void
test_reset_attempts (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) exhausted = NULL;
  g_autofree char *code = NULL;
  char wrong[7];

  xg_test_register (server, "carol@example.com", "Carol", PASSWORD);
  client = xg_test_client_connect (server);
  request_reset_code (client, "carol@example.com");
  code = xg_test_server_read_code (server, "carol@example.com");
  wrong_code (code, wrong);

  for (guint left = 4; ; left--)
    {
      g_autoptr(XgProtoFrame) incorrect =
        xg_test_client_request (client, XG_PACKET_PASSWORD_RESET,
                                xg_proto_password_reset_new ("carol@example.com", wrong, NEW_PASSWORD),
                                XG_PACKET_ACCOUNT_CODE_INCORRECT);
      guint32 attempts_left;

      xg_proto_account_code_incorrect_get (incorrect->body, &attempts_left);
      g_assert_cmpuint (attempts_left, ==, left);
      if (left == 0)
        break;
    }

  exhausted = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET,
                                      xg_proto_password_reset_new ("carol@example.com", code, NEW_PASSWORD),
                                      XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (exhausted, NULL), ==, XG_PROTO_ACCOUNT_FAIL_TOO_MANY_ATTEMPTS);
  g_assert_cmpuint (xg_test_login (client, "carol@example.com", PASSWORD, NULL), >=, 10000);
}

static void
test_reset_limits (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) unknown = NULL;
  g_autoptr(XgProtoFrame) soon = NULL;
  g_autoptr(XgProtoFrame) invalid = NULL;
  guint32 retry_after;

  xg_test_register (server, "dave@example.com", "Dave", PASSWORD);
  client = xg_test_client_connect (server);

  /* Without privacy mode an unknown address says so, like EMAIL_TAKEN. */
  unknown = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET_REQUEST,
                                    xg_proto_password_reset_request_new ("nobody@example.com"),
                                    XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (unknown, NULL), ==, XG_PROTO_ACCOUNT_FAIL_NO_ACCOUNT);
  invalid = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET_REQUEST,
                                    xg_proto_password_reset_request_new ("dave@example"),
                                    XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (invalid, NULL), ==, XG_PROTO_ACCOUNT_FAIL_INVALID_EMAIL);

  /* The resend interval of registration codes. */
  request_reset_code (client, "dave@example.com");
  soon = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET_REQUEST,
                                 xg_proto_password_reset_request_new ("dave@example.com"),
                                 XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (soon, &retry_after), ==, XG_PROTO_ACCOUNT_FAIL_RATE_LIMITED);
  g_assert_cmpuint (retry_after, >, 0);
  g_assert_cmpuint (retry_after, <=, 60);

  /* Five codes an hour per address. */
  for (guint i = 1; i < 5; i++)
    {
      xg_test_server_advance_clock (server, client, 60);
      request_reset_code (client, "dave@example.com");
    }
  xg_test_server_advance_clock (server, client, 60);
  {
    g_autoptr(XgProtoFrame) hourly = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET_REQUEST,
                                                             xg_proto_password_reset_request_new ("dave@example.com"),
                                                             XG_PACKET_ACCOUNT_FAIL);
    g_assert_cmpuint (account_fail_reason (hourly, &retry_after), ==, XG_PROTO_ACCOUNT_FAIL_RATE_LIMITED);
    g_assert_cmpuint (retry_after, >, 60);
  }
  /* A registration code of the same address has its own count. */
  {
    g_autoptr(XgProtoFrame) reg = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                                          xg_proto_register_code_request_new ("erin@example.com"),
                                                          XG_PACKET_CODE_SENT);
  }
}

static void
test_reset_peer_limit (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start ("[register]\nprivacy=true\n");
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  g_autoptr(XgProtoFrame) limited = NULL;
  guint32 retry_after;

  /* 20 code requests per peer address an hour, every kind counted. */
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *a = g_strdup_printf ("r%u@example.com", i);
      g_autofree char *b = g_strdup_printf ("p%u@example.com", i);
      g_autoptr(XgProtoFrame) reg = NULL;

      reg = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                    xg_proto_register_code_request_new (a), XG_PACKET_CODE_SENT);
      request_reset_code (client, b);
    }
  limited = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET_REQUEST,
                                    xg_proto_password_reset_request_new ("late@example.com"),
                                    XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (limited, &retry_after), ==, XG_PROTO_ACCOUNT_FAIL_RATE_LIMITED);
  g_assert_cmpuint (retry_after, >, 0);
}

static double
timed_reset_request (XgTestClient *client,
                     const char   *email,
                     guint32      *resend_after,
                     guint32      *expires_in)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(XgProtoFrame) sent = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET_REQUEST,
                                                         xg_proto_password_reset_request_new (email),
                                                         XG_PACKET_ACCOUNT_CODE_SENT);
  double elapsed = (g_get_monotonic_time () - start) / 1e6;
  const char *to;

  xg_proto_account_code_sent_get (sent->body, &to, resend_after, expires_in);
  g_assert_cmpstr (to, ==, email);
  return elapsed;
}

static void
test_reset_privacy (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start ("[register]\nprivacy=true\n");
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) incorrect = NULL;
  g_autofree char *known_mail = NULL;
  guint32 known_resend, known_expires, unknown_resend, unknown_expires;
  double known_time = 0, unknown_time = 0;
  guint mails_before;

  xg_test_register (server, "frank@example.com", "Frank", PASSWORD);
  client = xg_test_client_connect (server);
  mails_before = count_mails (server);

  /* The same answer, the same fields and the same steps for both ... */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *known = g_strdup_printf ("frank@example.com");
      g_autofree char *unknown = g_strdup_printf ("ghost%u@example.com", i);

      if (i > 0)
        xg_test_server_advance_clock (server, client, 60);
      known_time += timed_reset_request (client, known, &known_resend, &known_expires);
      unknown_time += timed_reset_request (client, unknown, &unknown_resend, &unknown_expires);
      g_assert_cmpuint (known_resend, ==, unknown_resend);
      g_assert_cmpuint (known_expires, ==, unknown_expires);
    }
  /* ... and the same timing class: neither waits for a mail. */
  g_test_message ("known %.3f s, unknown %.3f s for 3 requests", known_time, unknown_time);
  g_assert_cmpfloat (ABS (known_time - unknown_time), <, 0.5);

  /* ... but only the account's owner gets mail. */
  known_mail = xg_test_server_last_mail (server, "frank@example.com");
  g_assert_nonnull (known_mail);
  for (guint tries = 0; count_mails (server) < mails_before + 3 && tries < 100; tries++)
    g_usleep (20000);
  g_assert_cmpuint (count_mails (server), ==, mails_before + 3);
  g_assert_null (xg_test_server_last_mail (server, "ghost0@example.com"));

  /* The code of an address without an account is nobody's to know. */
  incorrect = xg_test_client_request (client, XG_PACKET_PASSWORD_RESET,
                                      xg_proto_password_reset_new ("ghost0@example.com", "123456", NEW_PASSWORD),
                                      XG_PACKET_ACCOUNT_CODE_INCORRECT);
}

/* --- Change password ----------------------------------------------------- */

static void
test_password_change (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) first = NULL;
  g_autoptr(XgTestClient) second = NULL;
  g_autoptr(XgTestClient) third = NULL;
  g_autoptr(GBytes) first_token = NULL;
  g_autoptr(GBytes) second_token = NULL;
  g_autoptr(GBytes) new_token = NULL;
  g_autoptr(XgProtoFrame) wrong = NULL;
  g_autoptr(XgProtoFrame) weak = NULL;
  g_autoptr(XgProtoFrame) ok = NULL;
  g_autoptr(XgProtoFrame) still = NULL;
  gint64 expires;
  guint64 id;

  id = xg_test_register (server, "heidi@example.com", "Heidi", PASSWORD);
  first = xg_test_client_connect (server);
  xg_test_login (first, "heidi@example.com", PASSWORD, &first_token);
  second = xg_test_client_connect (server);
  xg_test_login (second, "heidi@example.com", PASSWORD, &second_token);

  wrong = xg_test_client_request (second, XG_PACKET_PASSWORD_CHANGE,
                                  xg_proto_password_change_new ("not the password", NEW_PASSWORD),
                                  XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (wrong, NULL), ==, XG_PROTO_ACCOUNT_FAIL_WRONG_PASSWORD);
  weak = xg_test_client_request (second, XG_PACKET_PASSWORD_CHANGE,
                                 xg_proto_password_change_new (PASSWORD, "short"), XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (weak, NULL), ==, XG_PROTO_ACCOUNT_FAIL_WEAK_PASSWORD);

  ok = xg_test_client_request (second, XG_PACKET_PASSWORD_CHANGE,
                               xg_proto_password_change_new (PASSWORD, NEW_PASSWORD), XG_PACKET_PASSWORD_CHANGE_OK);
  xg_proto_password_change_ok_get (ok->body, &new_token, &expires);
  g_assert_cmpuint (g_bytes_get_size (new_token), ==, 32);
  g_assert_false (g_bytes_equal (new_token, second_token));
  g_assert_cmpint (expires, >, xg_test_server_now (server) + 29 * 24 * 3600);

  /* Every earlier token is revoked, the changing session's own too ... */
  assert_token_invalid (server, id, first_token);
  assert_token_invalid (server, id, second_token);
  assert_login_fails (server, "heidi@example.com", PASSWORD);

  /* ... while that session stays logged in ... */
  still = xg_test_client_request (second, XG_PACKET_USER_INFO_REQUEST, xg_proto_user_info_request_new (id),
                                  XG_PACKET_USER_INFO);

  /* ... and its new token logs in (which moves the session there). */
  third = xg_test_client_connect (server);
  xg_test_token_login_sync (third, id, new_token, NULL);
  {
    g_autoptr(XgProtoFrame) forced = expect_push (second, XG_PACKET_FORCED_LOGOUT);
  }

  /* Logging out of the new session revokes the new token. */
  {
    g_autoptr(XgProtoFrame) bye = xg_test_client_request (third, XG_PACKET_LOGOUT, xg_proto_logout_new (),
                                                          XG_PACKET_LOGOUT_OK);
  }
  assert_token_invalid (server, id, new_token);
}

static void
test_password_change_backoff (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) limited = NULL;
  guint32 retry_after = 0;

  xg_test_register (server, "ivan@example.com", "Ivan", PASSWORD);
  client = xg_test_client_connect (server);
  xg_test_login (client, "ivan@example.com", PASSWORD, NULL);

  /* Wrong current passwords count as failed logins of the address. */
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(XgProtoFrame) wrong = xg_test_client_request (client, XG_PACKET_PASSWORD_CHANGE,
                                                              xg_proto_password_change_new ("guess guess", NEW_PASSWORD),
                                                              XG_PACKET_ACCOUNT_FAIL);
      g_assert_cmpuint (account_fail_reason (wrong, &retry_after), ==, XG_PROTO_ACCOUNT_FAIL_WRONG_PASSWORD);
    }
  g_assert_cmpuint (retry_after, >, 0);
  limited = xg_test_client_request (client, XG_PACKET_PASSWORD_CHANGE,
                                    xg_proto_password_change_new (PASSWORD, NEW_PASSWORD), XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (limited, NULL), ==, XG_PROTO_ACCOUNT_FAIL_RATE_LIMITED);
}

/* --- Change email -------------------------------------------------------- */

static void
test_email_change (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgTestClient) other = NULL;
  g_autoptr(XgProtoFrame) taken = NULL;
  g_autoptr(XgProtoFrame) wrong_password = NULL;
  g_autoptr(XgProtoFrame) same = NULL;
  g_autoptr(XgProtoFrame) sent = NULL;
  g_autoptr(XgProtoFrame) incorrect = NULL;
  g_autoptr(XgProtoFrame) stolen = NULL;
  g_autoptr(XgProtoFrame) changed = NULL;
  g_autoptr(XgProtoFrame) profile = NULL;
  g_autofree char *code = NULL;
  g_autofree char *notice = NULL;
  const char *email;
  char wrong[7];
  guint64 id, profile_id;

  id = xg_test_register (server, "judy@example.com", "Judy", PASSWORD);
  xg_test_register (server, "mallory@example.com", "Mallory", PASSWORD);
  client = xg_test_client_connect (server);
  xg_test_login (client, "judy@example.com", PASSWORD, NULL);

  taken = xg_test_client_request (client, XG_PACKET_EMAIL_CHANGE_REQUEST,
                                  xg_proto_email_change_request_new ("Mallory@example.com", PASSWORD),
                                  XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (taken, NULL), ==, XG_PROTO_ACCOUNT_FAIL_EMAIL_TAKEN);
  wrong_password = xg_test_client_request (client, XG_PACKET_EMAIL_CHANGE_REQUEST,
                                           xg_proto_email_change_request_new ("judy@new.example.org", "wrong wrong"),
                                           XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (wrong_password, NULL), ==, XG_PROTO_ACCOUNT_FAIL_WRONG_PASSWORD);
  same = xg_test_client_request (client, XG_PACKET_EMAIL_CHANGE_REQUEST,
                                 xg_proto_email_change_request_new ("judy@example.com", PASSWORD),
                                 XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (same, NULL), ==, XG_PROTO_ACCOUNT_FAIL_INVALID_EMAIL);

  sent = xg_test_client_request (client, XG_PACKET_EMAIL_CHANGE_REQUEST,
                                 xg_proto_email_change_request_new ("Judy@New.Example.org", PASSWORD),
                                 XG_PACKET_ACCOUNT_CODE_SENT);
  xg_proto_account_code_sent_get (sent->body, &email, NULL, NULL);
  g_assert_cmpstr (email, ==, "judy@new.example.org");
  code = xg_test_server_read_code (server, "judy@new.example.org");
  wrong_code (code, wrong);

  /* Nothing changes before the confirmation. */
  assert_login_fails (server, "judy@new.example.org", PASSWORD);

  incorrect = xg_test_client_request (client, XG_PACKET_EMAIL_CHANGE_CONFIRM,
                                      xg_proto_email_change_confirm_new ("judy@new.example.org", wrong),
                                      XG_PACKET_ACCOUNT_CODE_INCORRECT);

  /* The code is for the account that asked, nobody else. */
  other = xg_test_client_connect (server);
  xg_test_login (other, "mallory@example.com", PASSWORD, NULL);
  stolen = xg_test_client_request (other, XG_PACKET_EMAIL_CHANGE_CONFIRM,
                                   xg_proto_email_change_confirm_new ("judy@new.example.org", code),
                                   XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (stolen, NULL), ==, XG_PROTO_ACCOUNT_FAIL_NO_CODE);

  changed = xg_test_client_request (client, XG_PACKET_EMAIL_CHANGE_CONFIRM,
                                    xg_proto_email_change_confirm_new ("judy@new.example.org", code),
                                    XG_PACKET_EMAIL_CHANGED);
  xg_proto_email_changed_get (changed->body, &email);
  g_assert_cmpstr (email, ==, "judy@new.example.org");
  profile = expect_push (client, XG_PACKET_PROFILE);
  g_assert_cmpuint (profile->request_id, ==, 0);
  xg_proto_profile_get (profile->body, &profile_id, &email, NULL, NULL);
  g_assert_cmpuint (profile_id, ==, id);
  g_assert_cmpstr (email, ==, "judy@new.example.org");

  /* The old address hears of it. */
  for (guint tries = 0; tries < 100; tries++)
    {
      g_clear_pointer (&notice, g_free);
      notice = xg_test_server_last_mail (server, "judy@example.com");
      if (notice != NULL && strstr (notice, "was changed") != NULL)
        break;
      g_usleep (20000);
    }
  g_assert_nonnull (strstr (notice, "was changed"));
  g_assert_nonnull (strstr (notice, "j***@new.example.org"));

  /* The new address logs in, the old one no longer; the old one is free. */
  assert_login_fails (server, "judy@example.com", PASSWORD);
  {
    g_autoptr(XgTestClient) again = xg_test_client_connect (server);
    g_assert_cmpuint (xg_test_login (again, "judy@new.example.org", PASSWORD, NULL), ==, id);
  }
  g_assert_cmpuint (xg_test_register (server, "judy@example.com", "Judy 2", PASSWORD), !=, id);
}

static void
test_email_change_taken_meanwhile (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) sent = NULL;
  g_autoptr(XgProtoFrame) taken = NULL;
  g_autofree char *code = NULL;

  xg_test_register (server, "kim@example.com", "Kim", PASSWORD);
  client = xg_test_client_connect (server);
  xg_test_login (client, "kim@example.com", PASSWORD, NULL);
  sent = xg_test_client_request (client, XG_PACKET_EMAIL_CHANGE_REQUEST,
                                 xg_proto_email_change_request_new ("kim@other.example.com", PASSWORD),
                                 XG_PACKET_ACCOUNT_CODE_SENT);
  code = xg_test_server_read_code (server, "kim@other.example.com");

  /* Someone registers the address before Kim confirms. */
  xg_test_register (server, "kim@other.example.com", "Other Kim", PASSWORD);
  taken = xg_test_client_request (client, XG_PACKET_EMAIL_CHANGE_CONFIRM,
                                  xg_proto_email_change_confirm_new ("kim@other.example.com", code),
                                  XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (taken, NULL), ==, XG_PROTO_ACCOUNT_FAIL_EMAIL_TAKEN);
  {
    g_autoptr(XgTestClient) again = xg_test_client_connect (server);
    xg_test_login (again, "kim@example.com", PASSWORD, NULL);
  }
}

/* --- Delete account ------------------------------------------------------ */

static void
befriend (XgTestClient *a,
          guint64       a_id,
          XgTestClient *b,
          guint64       b_id)
{
  g_autoptr(XgProtoFrame) sent = NULL;
  g_autoptr(XgProtoFrame) incoming = NULL;
  g_autoptr(XgProtoFrame) accepted = NULL;
  g_autoptr(XgProtoFrame) pushed = NULL;

  sent = xg_test_client_request (a, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (a_id, b_id, "hi"),
                                 XG_PACKET_FRIEND_REQUEST_SENT);
  incoming = expect_push (b, XG_PACKET_FRIEND_REQUEST_INCOMING);
  accepted = xg_test_client_request (b, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (b_id, a_id),
                                     XG_PACKET_FRIEND_REQUEST_ACCEPTED);
  pushed = expect_push (a, XG_PACKET_FRIEND_REQUEST_ACCEPTED);
}

static void
test_delete (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) leo = NULL;
  g_autoptr(XgTestClient) mia = NULL;
  g_autoptr(XgTestClient) ned = NULL;
  g_autoptr(XgTestClient) oli = NULL;
  g_autoptr(GBytes) token = NULL;
  g_autoptr(XgProtoFrame) mismatch = NULL;
  g_autoptr(XgProtoFrame) wrong = NULL;
  g_autoptr(XgProtoFrame) deleted = NULL;
  g_autoptr(XgProtoFrame) removed = NULL;
  g_autoptr(XgProtoFrame) timeout = NULL;
  g_autoptr(XgProtoFrame) outgoing_timeout = NULL;
  g_autoptr(XgProtoFrame) anonymous = NULL;
  g_autoptr(GPtrArray) sync = NULL;
  guint64 leo_id, mia_id, ned_id, oli_id, remover, removed_id, target, requester, again;

  leo_id = xg_test_register (server, "leo@example.com", "Leo", PASSWORD);
  mia_id = xg_test_register (server, "mia@example.com", "Mia", PASSWORD);
  ned_id = xg_test_register (server, "ned@example.com", "Ned", PASSWORD);
  oli_id = xg_test_register (server, "oli@example.com", "Oli", PASSWORD);
  leo = xg_test_client_connect (server);
  mia = xg_test_client_connect (server);
  ned = xg_test_client_connect (server);
  oli = xg_test_client_connect (server);
  xg_test_login (leo, "leo@example.com", PASSWORD, &token);
  xg_test_login (mia, "mia@example.com", PASSWORD, NULL);
  xg_test_login (ned, "ned@example.com", PASSWORD, NULL);
  xg_test_login (oli, "oli@example.com", PASSWORD, NULL);

  /* Mia is Leo's friend (and has a message from him waiting); Ned asked
   * Leo; Leo asked Oli. */
  befriend (leo, leo_id, mia, mia_id);
  {
    g_autoptr(GBytes) text = g_bytes_new_static ("hello", 5);
    g_autoptr(XgProtoFrame) acked = xg_test_client_request (leo, XG_PACKET_CHAT_SEND,
                                                            xg_proto_chat_send_new (42, leo_id, mia_id,
                                                                                    XG_PROTO_MESSAGE_TEXT, text),
                                                            XG_PACKET_MSG_SENT_ACK);
    g_autoptr(XgProtoFrame) history = xg_test_client_request (mia, XG_PACKET_CHAT_HISTORY_REQUEST,
                                                              xg_proto_chat_history_request_new (0, leo_id, 0, 0, 10),
                                                              XG_PACKET_CHAT_HISTORY);
    g_autoptr(GVariant) messages = NULL;

    xg_proto_chat_history_get (history->body, NULL, NULL, &messages, NULL);
    g_assert_cmpuint (g_variant_n_children (messages), ==, 1);
  }
  {
    g_autoptr(XgProtoFrame) sent = xg_test_client_request (ned, XG_PACKET_FRIEND_REQUEST,
                                                           xg_proto_friend_request_new (ned_id, leo_id, ""),
                                                           XG_PACKET_FRIEND_REQUEST_SENT);
    g_autoptr(XgProtoFrame) asked = xg_test_client_request (leo, XG_PACKET_FRIEND_REQUEST,
                                                            xg_proto_friend_request_new (leo_id, oli_id, ""),
                                                            XG_PACKET_FRIEND_REQUEST_SENT);
  }

  mismatch = xg_test_client_request (leo, XG_PACKET_ACCOUNT_DELETE,
                                     xg_proto_account_delete_new (PASSWORD, "mia@example.com"),
                                     XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (mismatch, NULL), ==, XG_PROTO_ACCOUNT_FAIL_CONFIRMATION);
  wrong = xg_test_client_request (leo, XG_PACKET_ACCOUNT_DELETE,
                                  xg_proto_account_delete_new ("wrong wrong", "leo@example.com"),
                                  XG_PACKET_ACCOUNT_FAIL);
  g_assert_cmpuint (account_fail_reason (wrong, NULL), ==, XG_PROTO_ACCOUNT_FAIL_WRONG_PASSWORD);

  deleted = xg_test_client_request (leo, XG_PACKET_ACCOUNT_DELETE,
                                    xg_proto_account_delete_new (PASSWORD, "LEO@example.com"),
                                    XG_PACKET_ACCOUNT_DELETED);
  {
    guint64 deleted_id;

    xg_proto_account_deleted_get (deleted->body, &deleted_id);
    g_assert_cmpuint (deleted_id, ==, leo_id);
  }

  /* The friend is told, like a removal; the requests' other parties too. */
  removed = expect_push (mia, XG_PACKET_FRIEND_REMOVED);
  xg_proto_friend_removed_get (removed->body, &remover, &removed_id);
  g_assert_cmpuint (remover, ==, leo_id);
  g_assert_cmpuint (removed_id, ==, mia_id);
  timeout = expect_push (ned, XG_PACKET_FRIEND_REQUEST_TIMEOUT);
  xg_proto_friend_request_timeout_get (timeout->body, &target, &requester);
  g_assert_cmpuint (target, ==, leo_id);
  g_assert_cmpuint (requester, ==, ned_id);
  outgoing_timeout = expect_push (oli, XG_PACKET_FRIEND_REQUEST_TIMEOUT);
  xg_proto_friend_request_timeout_get (outgoing_timeout->body, &target, &requester);
  g_assert_cmpuint (target, ==, oli_id);
  g_assert_cmpuint (requester, ==, leo_id);

  /* The conversation went with it, the message Mia never took too. */
  {
    g_autoptr(XgProtoFrame) history = xg_test_client_request (mia, XG_PACKET_CHAT_HISTORY_REQUEST,
                                                              xg_proto_chat_history_request_new (0, leo_id, 0, 0, 10),
                                                              XG_PACKET_CHAT_HISTORY);
    g_autoptr(GVariant) messages = NULL;

    xg_proto_chat_history_get (history->body, NULL, NULL, &messages, NULL);
    g_assert_cmpuint (g_variant_n_children (messages), ==, 0);
  }

  /* The connection is anonymous; the token and the password are gone. */
  anonymous = xg_test_client_request (leo, XG_PACKET_USER_INFO_REQUEST, xg_proto_user_info_request_new (mia_id),
                                      XG_PACKET_ERROR);
  assert_token_invalid (server, leo_id, token);
  assert_login_fails (server, "leo@example.com", PASSWORD);

  /* Mia's list and Oli's requests no longer hold Leo at the next login. */
  {
    g_autoptr(XgTestClient) mia2 = xg_test_client_connect (server);
    XgProtoFrame *list = NULL;
    g_autoptr(GVariant) friends = NULL;

    xg_test_login_sync (mia2, "mia@example.com", PASSWORD, NULL, &sync);
    for (guint i = 0; i < sync->len; i++)
      {
        XgProtoFrame *frame = sync->pdata[i];

        g_assert_cmpuint (frame->type, !=, XG_PACKET_FRIEND_REQUEST_INCOMING);
        if (frame->type == XG_PACKET_FRIEND_LIST)
          list = frame;
      }
    g_assert_nonnull (list);
    xg_proto_friend_list_get (list->body, &friends);
    g_assert_cmpuint (g_variant_n_children (friends), ==, 0);
    g_clear_pointer (&sync, g_ptr_array_unref);
  }
  {
    g_autoptr(XgTestClient) oli2 = xg_test_client_connect (server);

    xg_test_login_sync (oli2, "oli@example.com", PASSWORD, NULL, &sync);
    for (guint i = 0; i < sync->len; i++)
      g_assert_cmpuint (((XgProtoFrame *) sync->pdata[i])->type, !=, XG_PACKET_FRIEND_REQUEST_INCOMING);
  }

  /* The address is free again, for a new account with a new id. */
  again = xg_test_register (server, "leo@example.com", "Leo again", PASSWORD);
  g_assert_cmpuint (again, >, oli_id);
}

/* --- An existing database ----------------------------------------------- */

/* A database from before the account life (user_version 3) is migrated:
 * a registration code that was waiting in register_codes still works. */
static void
test_migration (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  g_autofree char *path = g_build_filename (server->data_dir, "xinge.db", NULL);
  g_autofree char *code = NULL;
  g_autoptr(XgProtoFrame) sent = NULL;
  g_autoptr(XgProtoFrame) ok = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  sent = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                 xg_proto_register_code_request_new ("olga@example.com"), XG_PACKET_CODE_SENT);
  code = xg_test_server_read_code (server, "olga@example.com");
  g_clear_pointer (&client, xg_test_client_free);
  g_assert_cmpint (xg_test_server_kill (server, SIGTERM), ==, 0);

  /* Back to schema 3: the code where 001 kept it, 004's and 006's indexes and 005's tables gone. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE register_codes (email TEXT PRIMARY KEY, code_hash BLOB NOT NULL, "
                                     "expires_at INTEGER NOT NULL, attempts_left INTEGER NOT NULL, "
                                     "last_sent_at INTEGER NOT NULL, window_start INTEGER NOT NULL, "
                                     "window_count INTEGER NOT NULL) WITHOUT ROWID; "
                                     "INSERT INTO register_codes SELECT email, code_hash, expires_at, attempts_left, "
                                     "last_sent_at, window_start, window_count FROM codes; "
                                     "DROP TABLE codes; DROP INDEX friendships_by_friend; DROP INDEX friendships_by_since; "
                                     "DROP INDEX friend_requests_by_target; DROP TABLE group_invites; "
                                     "DROP TABLE group_join_requests; DROP TABLE group_members; DROP TABLE groups; "
                                     "PRAGMA user_version = 3;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  xg_test_server_restart (server);
  client = xg_test_client_connect (server);
  ok = xg_test_client_request (client, XG_PACKET_REGISTER,
                               xg_proto_register_new ("olga@example.com", "Olga", PASSWORD, code),
                               XG_PACKET_REGISTER_OK);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 6);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/reset", test_reset);
  g_test_add_func ("/server/reset/expired", test_reset_expired);
  g_test_add_func ("/server/reset/attempts", test_reset_attempts);
  g_test_add_func ("/server/reset/limits", test_reset_limits);
  g_test_add_func ("/server/reset/peer-limit", test_reset_peer_limit);
  g_test_add_func ("/server/reset/privacy", test_reset_privacy);
  g_test_add_func ("/server/password-change", test_password_change);
  g_test_add_func ("/server/password-change/backoff", test_password_change_backoff);
  g_test_add_func ("/server/email-change", test_email_change);
  g_test_add_func ("/server/email-change/taken-meanwhile", test_email_change_taken_meanwhile);
  g_test_add_func ("/server/delete", test_delete);
  g_test_add_func ("/server/migration/codes", test_migration);

  return g_test_run ();
}
