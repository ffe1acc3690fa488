/* test-accounts.c: xinge-server's accounts, end to end over real TLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test starts the real server binary on a temporary data dir and
 * talks to it through the shared protocol library.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "xg-test-harness.h"

#define PASSWORD "correct horse battery"

static guint32
register_fail_reason (XgProtoFrame *frame,
                      guint32      *retry_after)
{
  guint32 reason;

  xg_proto_register_fail_get (frame->body, &reason, retry_after, NULL);
  return reason;
}

static guint32
login_fail_reason (XgProtoFrame *frame,
                   guint32      *retry_after)
{
  guint32 reason;

  xg_proto_login_fail_get (frame->body, &reason, retry_after, NULL);
  return reason;
}

static guint32
error_code (XgProtoFrame *frame,
            guint16       request_type)
{
  guint16 type;
  guint32 code;

  xg_proto_error_get (frame->body, &type, &code, NULL);
  g_assert_cmpuint (type, ==, request_type);
  return code;
}

/* --- Registration -------------------------------------------------------- */

static void
test_register (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  g_autoptr(XgProtoFrame) sent = NULL;
  g_autoptr(XgProtoFrame) ok = NULL;
  g_autofree char *code = NULL;
  g_autofree char *mail = NULL;
  const char *email;
  guint32 resend_after, expires_in;
  guint64 first, second;

  sent = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                 xg_proto_register_code_request_new ("Alice@Example.COM"),
                                 XG_PACKET_CODE_SENT);
  xg_proto_code_sent_get (sent->body, &email, &resend_after, &expires_in);
  g_assert_cmpstr (email, ==, "alice@example.com");
  g_assert_cmpuint (resend_after, ==, 60);
  g_assert_cmpuint (expires_in, ==, 600);

  mail = xg_test_server_last_mail (server, "alice@example.com");
  g_assert_nonnull (strstr (mail, "验证码"));
  code = xg_test_server_read_code (server, "alice@example.com");
  ok = xg_test_client_request (client, XG_PACKET_REGISTER,
                               xg_proto_register_new ("alice@example.com", "爱丽丝", PASSWORD, code),
                               XG_PACKET_REGISTER_OK);
  xg_proto_register_ok_get (ok->body, &first);
  g_assert_cmpuint (first, ==, 10000);

  second = xg_test_register (server, "bob@example.com", "Bob", PASSWORD);
  g_assert_cmpuint (second, ==, 10001);

  /* The code was used up with the registration. */
  {
    g_autoptr(XgProtoFrame) again = xg_test_client_request (client, XG_PACKET_REGISTER,
                                                            xg_proto_register_new ("alice@example.com", "A", PASSWORD, code),
                                                            XG_PACKET_REGISTER_FAIL);
    g_assert_cmpuint (register_fail_reason (again, NULL), ==, XG_PROTO_REGISTER_FAIL_NO_CODE);
  }
}

/* An address beyond ASCII is an account like any other: its code is mailed
 * (the domain in its IDNA form), and it registers and logs in. */
static void
test_register_international (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autofree char *mail = NULL;
  guint64 id;

  id = xg_test_register (server, "张伟@例子.测试", "张伟", PASSWORD);
  mail = xg_test_server_last_mail (server, "张伟@例子.测试");
  g_assert_nonnull (mail);

  client = xg_test_client_connect (server);
  g_assert_cmpuint (xg_test_login (client, "张伟@例子.测试", PASSWORD, NULL), ==, id);
}

static void
test_register_wrong_code (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  g_autoptr(XgProtoFrame) sent = NULL;
  g_autoptr(XgProtoFrame) exhausted = NULL;
  g_autofree char *code = NULL;
  char wrong[7];

  sent = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                 xg_proto_register_code_request_new ("carol@example.com"),
                                 XG_PACKET_CODE_SENT);
  code = xg_test_server_read_code (server, "carol@example.com");
  g_snprintf (wrong, sizeof wrong, "%06u", (guint) ((g_ascii_strtoull (code, NULL, 10) + 1) % 1000000));

  for (guint left = 4; ; left--)
    {
      g_autoptr(XgProtoFrame) incorrect =
        xg_test_client_request (client, XG_PACKET_REGISTER,
                                xg_proto_register_new ("carol@example.com", "Carol", PASSWORD, wrong),
                                XG_PACKET_CODE_INCORRECT);
      guint32 attempts_left;

      xg_proto_code_incorrect_get (incorrect->body, &attempts_left);
      g_assert_cmpuint (attempts_left, ==, left);
      if (left == 0)
        break;
    }

  /* Out of attempts: even the right code no longer works. */
  exhausted = xg_test_client_request (client, XG_PACKET_REGISTER,
                                      xg_proto_register_new ("carol@example.com", "Carol", PASSWORD, code),
                                      XG_PACKET_REGISTER_FAIL);
  g_assert_cmpuint (register_fail_reason (exhausted, NULL), ==, XG_PROTO_REGISTER_FAIL_TOO_MANY_ATTEMPTS);
}

static void
test_register_expired_code (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  g_autoptr(XgProtoFrame) sent = NULL;
  g_autoptr(XgProtoFrame) fail = NULL;
  g_autofree char *code = NULL;
  guint32 expires_in;

  sent = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                 xg_proto_register_code_request_new ("dave@example.com"),
                                 XG_PACKET_CODE_SENT);
  xg_proto_code_sent_get (sent->body, NULL, NULL, &expires_in);
  g_assert_cmpuint (expires_in, ==, 600);
  code = xg_test_server_read_code (server, "dave@example.com");

  /* Still valid just before the end of its 600 seconds (a wrong guess is
   * counted against it) ... */
  xg_test_server_advance_clock (server, client, 598);
  {
    char wrong[7];
    g_autoptr(XgProtoFrame) incorrect = NULL;
    guint32 attempts_left;

    g_snprintf (wrong, sizeof wrong, "%06u", (guint) ((g_ascii_strtoull (code, NULL, 10) + 1) % 1000000));
    incorrect = xg_test_client_request (client, XG_PACKET_REGISTER,
                                        xg_proto_register_new ("dave@example.com", "Dave", PASSWORD, wrong),
                                        XG_PACKET_CODE_INCORRECT);
    xg_proto_code_incorrect_get (incorrect->body, &attempts_left);
    g_assert_cmpuint (attempts_left, ==, 4);
  }
  /* ... and gone after them, even the right one. */
  xg_test_server_advance_clock (server, client, 2);
  fail = xg_test_client_request (client, XG_PACKET_REGISTER,
                                 xg_proto_register_new ("dave@example.com", "Dave", PASSWORD, code),
                                 XG_PACKET_REGISTER_FAIL);
  g_assert_cmpuint (register_fail_reason (fail, NULL), ==, XG_PROTO_REGISTER_FAIL_NO_CODE);
}

static void
test_register_resend_limit (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  g_autoptr(XgProtoFrame) sent = NULL;
  g_autoptr(XgProtoFrame) limited = NULL;
  guint32 retry_after;

  sent = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                 xg_proto_register_code_request_new ("erin@example.com"),
                                 XG_PACKET_CODE_SENT);
  limited = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                    xg_proto_register_code_request_new ("erin@example.com"),
                                    XG_PACKET_REGISTER_FAIL);
  g_assert_cmpuint (register_fail_reason (limited, &retry_after), ==, XG_PROTO_REGISTER_FAIL_RATE_LIMITED);
  g_assert_cmpuint (retry_after, >, 50);
  g_assert_cmpuint (retry_after, <=, 60);
}

static void
test_register_invalid (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  const struct {
    const char *email, *nickname, *password;
    guint32 reason;
  } cases[] = {
    { "not-an-address", "N", PASSWORD, XG_PROTO_REGISTER_FAIL_INVALID_EMAIL },
    { "two@@example.com", "N", PASSWORD, XG_PROTO_REGISTER_FAIL_INVALID_EMAIL },
    { "space @example.com", "N", PASSWORD, XG_PROTO_REGISTER_FAIL_INVALID_EMAIL },
    { "ok@example.com", "", PASSWORD, XG_PROTO_REGISTER_FAIL_INVALID_NICKNAME },
    { "ok@example.com", "tab\there", PASSWORD, XG_PROTO_REGISTER_FAIL_INVALID_NICKNAME },
    { "ok@example.com", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三", PASSWORD,
      XG_PROTO_REGISTER_FAIL_INVALID_NICKNAME },
    { "ok@example.com", "Short", "1234567", XG_PROTO_REGISTER_FAIL_WEAK_PASSWORD },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(XgProtoFrame) fail =
        xg_test_client_request (client, XG_PACKET_REGISTER,
                                xg_proto_register_new (cases[i].email, cases[i].nickname,
                                                       cases[i].password, "123456"),
                                XG_PACKET_REGISTER_FAIL);
      g_assert_cmpuint (register_fail_reason (fail, NULL), ==, cases[i].reason);
    }

  {
    g_autoptr(XgProtoFrame) fail =
      xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                              xg_proto_register_code_request_new ("nobody"), XG_PACKET_REGISTER_FAIL);
    g_assert_cmpuint (register_fail_reason (fail, NULL), ==, XG_PROTO_REGISTER_FAIL_INVALID_EMAIL);
  }
}

static void
test_register_taken (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) taken = NULL;
  const char *email;

  xg_test_register (server, "frank@example.com", "Frank", PASSWORD);
  client = xg_test_client_connect (server);
  taken = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                  xg_proto_register_code_request_new ("FRANK@example.com"),
                                  XG_PACKET_EMAIL_TAKEN);
  xg_proto_email_taken_get (taken->body, &email);
  g_assert_cmpstr (email, ==, "frank@example.com");
}

static void
test_register_taken_privacy (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start ("[register]\nprivacy=true\n");
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) sent = NULL;
  g_autoptr(XgProtoFrame) fresh = NULL;
  g_autofree char *mail = NULL;
  guint32 resend_after, expires_in, fresh_resend, fresh_expires;
  guint64 id;

  id = xg_test_register (server, "grace@example.com", "Grace", PASSWORD);
  client = xg_test_client_connect (server);

  /* A stranger cannot tell a taken address from a free one ... */
  sent = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                 xg_proto_register_code_request_new ("grace@example.com"),
                                 XG_PACKET_CODE_SENT);
  fresh = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                  xg_proto_register_code_request_new ("heidi@example.com"),
                                  XG_PACKET_CODE_SENT);
  xg_proto_code_sent_get (sent->body, NULL, &resend_after, &expires_in);
  xg_proto_code_sent_get (fresh->body, NULL, &fresh_resend, &fresh_expires);
  g_assert_cmpuint (resend_after, ==, fresh_resend);
  g_assert_cmpuint (expires_in, ==, fresh_expires);

  /* ... but the owner is told, and gets no code. */
  mail = xg_test_server_last_mail (server, "grace@example.com");
  g_assert_nonnull (strstr (mail, "already has account"));
  {
    g_autofree char *id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
    g_assert_nonnull (strstr (mail, id_text));
  }
}

/* --- Login and sessions -------------------------------------------------- */

static void
test_login (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(GBytes) token = NULL;
  guint64 id, logged_in;

  id = xg_test_register (server, "ivan@example.com", "Ivan", PASSWORD);
  client = xg_test_client_connect (server);

  /* A wrong password and an unknown address get the same answer. */
  {
    g_autoptr(XgProtoFrame) wrong = xg_test_client_request (client, XG_PACKET_LOGIN,
                                                            xg_proto_login_new ("ivan@example.com", "wrong password", ""),
                                                            XG_PACKET_LOGIN_FAIL);
    g_autoptr(XgProtoFrame) unknown = xg_test_client_request (client, XG_PACKET_LOGIN,
                                                              xg_proto_login_new ("nobody@example.com", PASSWORD, ""),
                                                              XG_PACKET_LOGIN_FAIL);
    g_assert_cmpuint (login_fail_reason (wrong, NULL), ==, XG_PROTO_LOGIN_FAIL_BAD_CREDENTIALS);
    g_assert_cmpuint (login_fail_reason (unknown, NULL), ==, XG_PROTO_LOGIN_FAIL_BAD_CREDENTIALS);
  }

  logged_in = xg_test_login (client, "IVAN@example.com", PASSWORD, &token);
  g_assert_cmpuint (logged_in, ==, id);
  g_assert_cmpuint (g_bytes_get_size (token), ==, 32);

  /* One login per connection at a time. */
  {
    g_autoptr(XgProtoFrame) again = xg_test_client_request (client, XG_PACKET_LOGIN,
                                                            xg_proto_login_new ("ivan@example.com", PASSWORD, ""),
                                                            XG_PACKET_ERROR);
    g_assert_cmpuint (error_code (again, XG_PACKET_LOGIN), ==, XG_PROTO_ERR_ALREADY_LOGGED_IN);
  }
}

static void
test_login_backoff (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) limited = NULL;
  guint32 retry_after;

  xg_test_register (server, "judy@example.com", "Judy", PASSWORD);
  client = xg_test_client_connect (server);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(XgProtoFrame) fail = xg_test_client_request (client, XG_PACKET_LOGIN,
                                                             xg_proto_login_new ("judy@example.com", "guess", ""),
                                                             XG_PACKET_LOGIN_FAIL);
      g_assert_cmpuint (login_fail_reason (fail, NULL), ==, XG_PROTO_LOGIN_FAIL_BAD_CREDENTIALS);
    }

  /* After five failures even the right password waits. */
  limited = xg_test_client_request (client, XG_PACKET_LOGIN,
                                    xg_proto_login_new ("judy@example.com", PASSWORD, ""),
                                    XG_PACKET_LOGIN_FAIL);
  g_assert_cmpuint (login_fail_reason (limited, &retry_after), ==, XG_PROTO_LOGIN_FAIL_RATE_LIMITED);
  g_assert_cmpuint (retry_after, >=, 1);

  /* The wait is on the server's clock: once it has passed, the login works. */
  xg_test_server_advance_clock (server, client, retry_after);
  xg_test_login (client, "judy@example.com", PASSWORD, NULL);
}

static void
test_token_login (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) first = NULL;
  g_autoptr(XgTestClient) second = NULL;
  g_autoptr(GBytes) token = NULL;
  g_autoptr(XgProtoFrame) ok = NULL;
  g_autoptr(XgProtoFrame) profile = NULL;
  g_autoptr(XgProtoFrame) bogus = NULL;
  guint64 id, token_id;
  guint8 wrong[32] = { 0 };

  id = xg_test_register (server, "kim@example.com", "Kim", PASSWORD);
  first = xg_test_client_connect (server);
  xg_test_login (first, "kim@example.com", PASSWORD, &token);
  g_clear_pointer (&first, xg_test_client_free);

  /* A reconnect logs in with the token alone. */
  second = xg_test_client_connect (server);
  ok = xg_test_client_request (second, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (id, token),
                               XG_PACKET_LOGIN_OK);
  xg_proto_login_ok_get (ok->body, &token_id, NULL, NULL);
  g_assert_cmpuint (token_id, ==, id);
  profile = xg_test_client_expect (second, XG_PACKET_PROFILE);

  /* A made-up token, and the right token for another account, fail. */
  {
    g_autoptr(XgTestClient) third = xg_test_client_connect (server);
    g_autoptr(GBytes) made_up = g_bytes_new (wrong, sizeof wrong);
    g_autoptr(XgProtoFrame) fail = xg_test_client_request (third, XG_PACKET_TOKEN_LOGIN,
                                                           xg_proto_token_login_new (id, made_up),
                                                           XG_PACKET_LOGIN_FAIL);
    g_autoptr(XgProtoFrame) other = xg_test_client_request (third, XG_PACKET_TOKEN_LOGIN,
                                                            xg_proto_token_login_new (id + 1, token),
                                                            XG_PACKET_LOGIN_FAIL);
    g_assert_cmpuint (login_fail_reason (fail, NULL), ==, XG_PROTO_LOGIN_FAIL_TOKEN_INVALID);
    g_assert_cmpuint (login_fail_reason (other, NULL), ==, XG_PROTO_LOGIN_FAIL_TOKEN_INVALID);
  }

  /* A token of the wrong size is refused too. */
  bogus = xg_test_client_request (second, XG_PACKET_LOGOUT, xg_proto_logout_new (), XG_PACKET_LOGOUT_OK);
  {
    g_autoptr(GBytes) short_token = g_bytes_new (wrong, 5);
    g_autoptr(XgProtoFrame) fail = xg_test_client_request (second, XG_PACKET_TOKEN_LOGIN,
                                                           xg_proto_token_login_new (id, short_token),
                                                           XG_PACKET_LOGIN_FAIL);
    g_assert_cmpuint (login_fail_reason (fail, NULL), ==, XG_PROTO_LOGIN_FAIL_TOKEN_INVALID);
  }
}

/* A TOKEN_LOGIN renews the expiry only when it was renewed more than a
 * day ago (XG_SERVER_TOKEN_RENEW_AFTER): LOGIN_OK says which. */
static void
test_token_login_renewal (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) ok = NULL;
  GBytes *token = NULL;
  guint64 id;
  gint64 issued, expires;

  id = xg_test_register (server, "lou@example.com", "Lou", PASSWORD);
  client = xg_test_client_connect (server);
  ok = xg_test_client_request (client, XG_PACKET_LOGIN, xg_proto_login_new ("lou@example.com", PASSWORD, ""),
                               XG_PACKET_LOGIN_OK);
  xg_proto_login_ok_get (ok->body, NULL, &token, &issued);
  g_clear_pointer (&ok, xg_proto_frame_free);

  for (guint round = 0; round < 3; round++)
    {
      /* An hour later: renewed less than a day ago, so the same expiry;
       * two days later: a full lifetime again. */
      gint64 step = round == 1 ? 2 * 24 * 3600 : 3600;
      g_autoptr(XgTestClient) again = NULL;

      xg_test_server_advance_clock (server, client, step);
      again = xg_test_client_connect (server);
      ok = xg_test_client_request (again, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (id, token),
                                   XG_PACKET_LOGIN_OK);
      xg_proto_login_ok_get (ok->body, NULL, NULL, &expires);
      g_clear_pointer (&ok, xg_proto_frame_free);
      if (round == 1)
        {
          /* the real clock moves on too, a second or so */
          g_assert_cmpint (expires, >=, issued + 3600 + 2 * 24 * 3600);
          g_assert_cmpint (expires, <=, issued + 3600 + 2 * 24 * 3600 + 30);
          issued = expires;
        }
      else
        g_assert_cmpint (expires, ==, issued);
      xg_test_client_free (g_steal_pointer (&again));
      /* the second login took the session: log the first one in again */
      g_clear_pointer (&client, xg_test_client_free);
      client = xg_test_client_connect (server);
    }
  g_bytes_unref (token);
}

static void
test_logout_revokes_token (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(GBytes) token = NULL;
  g_autoptr(XgProtoFrame) bye = NULL;
  g_autoptr(XgProtoFrame) revoked = NULL;
  g_autoptr(XgProtoFrame) anonymous = NULL;
  guint64 id;

  id = xg_test_register (server, "leo@example.com", "Leo", PASSWORD);
  client = xg_test_client_connect (server);
  xg_test_login (client, "leo@example.com", PASSWORD, &token);

  bye = xg_test_client_request (client, XG_PACKET_LOGOUT, xg_proto_logout_new (), XG_PACKET_LOGOUT_OK);

  /* The connection stays open but is anonymous again ... */
  anonymous = xg_test_client_request (client, XG_PACKET_USER_INFO_REQUEST,
                                      xg_proto_user_info_request_new (id), XG_PACKET_ERROR);
  g_assert_cmpuint (error_code (anonymous, XG_PACKET_USER_INFO_REQUEST), ==, XG_PROTO_ERR_NOT_LOGGED_IN);

  /* ... the token is revoked ... */
  revoked = xg_test_client_request (client, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (id, token),
                                    XG_PACKET_LOGIN_FAIL);
  g_assert_cmpuint (login_fail_reason (revoked, NULL), ==, XG_PROTO_LOGIN_FAIL_TOKEN_INVALID);

  /* ... and the same connection may log in again. */
  g_assert_cmpuint (xg_test_login (client, "leo@example.com", PASSWORD, NULL), ==, id);
}

static void
test_heartbeat (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  g_autoptr(XgProtoFrame) ack = NULL;
  gint64 before = g_get_real_time (), server_time;

  ack = xg_test_client_request (client, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (before),
                                XG_PACKET_HEARTBEAT_ACK);
  xg_proto_heartbeat_ack_get (ack->body, &server_time);
  g_assert_cmpint (server_time, >=, before - G_USEC_PER_SEC);
  g_assert_cmpint (server_time, <=, g_get_real_time () + G_USEC_PER_SEC);
}

static void
test_heartbeat_loss (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start ("[session]\nheartbeat-interval=1\nheartbeat-timeout=2\n");
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) forced = NULL;
  guint32 reason;
  gint64 silent_since;

  xg_test_register (server, "mia@example.com", "Mia", PASSWORD);
  client = xg_test_client_connect (server);
  xg_test_login (client, "mia@example.com", PASSWORD, NULL);

  /* Heartbeats keep the session alive past the timeout ... */
  for (guint i = 0; i < 4; i++)
    {
      xg_proto_frame_free (xg_test_client_request (client, XG_PACKET_HEARTBEAT,
                                                   xg_proto_heartbeat_new (g_get_real_time ()),
                                                   XG_PACKET_HEARTBEAT_ACK));
      g_usleep (900 * 1000);
    }

  /* ... and their absence ends it: FORCED_LOGOUT, then the close. */
  silent_since = g_get_monotonic_time ();
  forced = xg_test_client_receive (client, 5000);
  g_assert_nonnull (forced);
  g_assert_cmpuint (forced->type, ==, XG_PACKET_FORCED_LOGOUT);
  xg_proto_forced_logout_get (forced->body, &reason, NULL);
  g_assert_cmpuint (reason, ==, XG_PROTO_FORCED_LOGOUT_HEARTBEAT_LOST);
  /* The timeout is 2 s and the sweep runs every second. */
  g_assert_cmpint (g_get_monotonic_time () - silent_since, <=, 3500 * 1000);
  g_assert_true (xg_test_client_wait_closed (client, 3000));
}

static void
test_second_login_kicks_first (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) first = NULL;
  g_autoptr(XgTestClient) second = NULL;
  g_autoptr(XgProtoFrame) forced = NULL;
  g_autoptr(XgProtoFrame) ack = NULL;
  guint32 reason;

  xg_test_register (server, "nina@example.com", "Nina", PASSWORD);
  first = xg_test_client_connect (server);
  second = xg_test_client_connect (server);
  xg_test_login (first, "nina@example.com", PASSWORD, NULL);
  xg_test_login (second, "nina@example.com", PASSWORD, NULL);

  forced = xg_test_client_expect (first, XG_PACKET_FORCED_LOGOUT);
  xg_proto_forced_logout_get (forced->body, &reason, NULL);
  g_assert_cmpuint (reason, ==, XG_PROTO_FORCED_LOGOUT_LOGGED_IN_ELSEWHERE);
  g_assert_true (xg_test_client_wait_closed (first, 3000));

  /* The new session is unaffected. */
  ack = xg_test_client_request (second, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (0), XG_PACKET_HEARTBEAT_ACK);
}

/* --- Profiles ------------------------------------------------------------ */

static GVariant *
dict (const char *key, GVariant *value)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", key, value);
  return g_variant_builder_end (&builder);
}

static void
test_profile_update (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) echo = NULL;
  g_autoptr(GVariant) fields = NULL;
  GVariantBuilder builder;
  const char *nickname, *signature = NULL, *gender = NULL;
  const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13 };
  g_autoptr(GVariant) avatar = NULL;
  guint64 id, echoed_id;

  id = xg_test_register (server, "olga@example.com", "Olga", PASSWORD);
  client = xg_test_client_connect (server);
  xg_test_login (client, "olga@example.com", PASSWORD, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "nickname", g_variant_new_string ("奥尔加"));
  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string ("你好，世界 👋"));
  g_variant_builder_add (&builder, "{sv}", "gender", g_variant_new_string ("female"));
  g_variant_builder_add (&builder, "{sv}", "birthday", g_variant_new_string ("1990-02-28"));
  g_variant_builder_add (&builder, "{sv}", "region", g_variant_new_string ("上海"));
  g_variant_builder_add (&builder, "{sv}", "avatar",
                         g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, png, sizeof png, 1));
  echo = xg_test_client_request (client, XG_PACKET_PROFILE_UPDATE,
                                 xg_proto_profile_update_new (g_variant_builder_end (&builder)),
                                 XG_PACKET_PROFILE);
  xg_proto_profile_get (echo->body, &echoed_id, NULL, &nickname, &fields);
  g_assert_cmpuint (echoed_id, ==, id);
  g_assert_cmpstr (nickname, ==, "奥尔加");
  g_assert_true (g_variant_lookup (fields, "signature", "&s", &signature));
  g_assert_cmpstr (signature, ==, "你好，世界 👋");
  g_assert_true (g_variant_lookup (fields, "gender", "&s", &gender));
  g_assert_cmpstr (gender, ==, "female");
  avatar = g_variant_lookup_value (fields, "avatar", G_VARIANT_TYPE_BYTESTRING);
  g_assert_cmpuint (g_variant_get_size (avatar), ==, sizeof png);

  /* A bad field changes nothing. */
  {
    const struct { const char *key; GVariant *value; } bad[] = {
      { "birthday", g_variant_new_string ("1990-02-30") },
      { "gender", g_variant_new_string ("robot") },
      { "signature", g_variant_new_uint32 (7) },
      { "avatar", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "GIF89a", 6, 1) },
      { "email", g_variant_new_string ("mallory@example.com") },
      { "nickname", g_variant_new_string ("") },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(XgProtoFrame) error = xg_test_client_request (client, XG_PACKET_PROFILE_UPDATE,
                                                                xg_proto_profile_update_new (dict (bad[i].key, bad[i].value)),
                                                                XG_PACKET_ERROR);
        g_assert_cmpuint (error_code (error, XG_PACKET_PROFILE_UPDATE), ==, XG_PROTO_ERR_INVALID_ARGUMENT);
      }
  }

  /* Removing a field, then reading it all back after a fresh login. */
  {
    g_autoptr(XgTestClient) again = NULL;
    g_autoptr(XgProtoFrame) ok = NULL;
    g_autoptr(XgProtoFrame) profile = NULL;
    g_autoptr(GVariant) stored = NULL;

    xg_proto_frame_free (xg_test_client_request (client, XG_PACKET_PROFILE_UPDATE,
                                                 xg_proto_profile_update_new (dict ("region", g_variant_new_string (""))),
                                                 XG_PACKET_PROFILE));
    again = xg_test_client_connect (server);
    ok = xg_test_client_request (again, XG_PACKET_LOGIN, xg_proto_login_new ("olga@example.com", PASSWORD, ""),
                                 XG_PACKET_LOGIN_OK);
    profile = xg_test_client_expect (again, XG_PACKET_PROFILE);
    xg_proto_profile_get (profile->body, NULL, NULL, &nickname, &stored);
    g_assert_cmpstr (nickname, ==, "奥尔加");
    g_assert_false (g_variant_lookup (stored, "region", "&s", NULL));
    g_assert_true (g_variant_lookup (stored, "birthday", "&s", NULL));
    g_assert_cmpuint (g_variant_n_children (stored), ==, 4);
  }
}

/* Who may see whom is a friends rule (docs/PROTOCOL.md 8.9), tested fully
 * in test-friends.c; here only that a stranger's info takes the address. */
static void
test_user_info (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) hidden = NULL;
  g_autoptr(XgProtoFrame) found = NULL;
  g_autoptr(XgProtoFrame) info = NULL;
  g_autoptr(XgProtoFrame) self = NULL;
  g_autoptr(XgProtoFrame) missing = NULL;
  g_autoptr(GVariant) fields = NULL;
  const char *nickname, *email;
  guint64 peter, quinn, id;

  peter = xg_test_register (server, "peter@example.com", "Peter", PASSWORD);
  quinn = xg_test_register (server, "quinn@example.com", "Quinn", PASSWORD);
  client = xg_test_client_connect (server);
  xg_test_login (client, "peter@example.com", PASSWORD, NULL);
  g_assert_cmpuint (peter + 1, ==, quinn);

  /* Guessing the next id tells nothing ... */
  hidden = xg_test_client_request (client, XG_PACKET_USER_INFO_REQUEST, xg_proto_user_info_request_new (quinn),
                                   XG_PACKET_USER_NOT_FOUND);
  xg_proto_user_not_found_get (hidden->body, &id, &email);
  g_assert_cmpuint (id, ==, quinn);
  g_assert_cmpstr (email, ==, "");

  /* ... knowing the address does. */
  found = xg_test_client_request (client, XG_PACKET_EMAIL_LOOKUP, xg_proto_email_lookup_new ("Quinn@Example.com"),
                                  XG_PACKET_EMAIL_RESULT);
  info = xg_test_client_request (client, XG_PACKET_USER_INFO_REQUEST, xg_proto_user_info_request_new (quinn),
                                 XG_PACKET_USER_INFO);
  xg_proto_user_info_get (info->body, &id, &nickname, &fields);
  g_assert_cmpuint (id, ==, quinn);
  g_assert_cmpstr (nickname, ==, "Quinn");
  g_assert_false (g_variant_lookup (fields, "email", "&s", NULL));

  self = xg_test_client_request (client, XG_PACKET_USER_INFO_REQUEST, xg_proto_user_info_request_new (peter),
                                 XG_PACKET_USER_INFO);

  missing = xg_test_client_request (client, XG_PACKET_USER_INFO_REQUEST, xg_proto_user_info_request_new (99999),
                                    XG_PACKET_USER_NOT_FOUND);
  xg_proto_user_not_found_get (missing->body, &id, &email);
  g_assert_cmpuint (id, ==, 99999);
  g_assert_cmpstr (email, ==, "");
}

/* --- Rights and protocol errors ------------------------------------------ */

static void
test_claimed_id_mismatch (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgProtoFrame) mismatch = NULL;
  g_autoptr(XgProtoFrame) chat = NULL;
  g_autoptr(XgProtoFrame) own = NULL;
  guint64 rita, sam;

  rita = xg_test_register (server, "rita@example.com", "Rita", PASSWORD);
  sam = xg_test_register (server, "sam@example.com", "Sam", PASSWORD);
  client = xg_test_client_connect (server);
  xg_test_login (client, "rita@example.com", PASSWORD, NULL);

  /* Rita claims to be Sam. */
  mismatch = xg_test_client_request (client, XG_PACKET_FRIEND_REQUEST,
                                     xg_proto_friend_request_new (sam, rita, "hi"), XG_PACKET_ERROR);
  g_assert_cmpuint (error_code (mismatch, XG_PACKET_FRIEND_REQUEST), ==, XG_PROTO_ERR_ID_MISMATCH);
  chat = xg_test_client_request (client, XG_PACKET_CHAT_SEND,
                                 xg_proto_chat_send_new (42, sam, rita, XG_PROTO_MESSAGE_TEXT, NULL),
                                 XG_PACKET_ERROR);
  g_assert_cmpuint (error_code (chat, XG_PACKET_CHAT_SEND), ==, XG_PROTO_ERR_ID_MISMATCH);

  /* With her own id the check passes: friends are served ... */
  own = xg_test_client_request (client, XG_PACKET_FRIEND_REQUEST,
                                xg_proto_friend_request_new (rita, sam, "hi"), XG_PACKET_FRIEND_REQUEST_SENT);

  /* ... so are groups, which then find no group 1 (numbers start at
   * 100000000); chat is, and only then looks at the (empty, so refused)
   * text. */
  {
    g_autoptr(XgProtoFrame) group = xg_test_client_request (client, XG_PACKET_GROUP_JOIN_REQUEST,
                                                            xg_proto_group_join_request_new (1, sam, ""),
                                                            XG_PACKET_ERROR);
    g_autoptr(XgProtoFrame) group_own = xg_test_client_request (client, XG_PACKET_GROUP_JOIN_REQUEST,
                                                                xg_proto_group_join_request_new (1, rita, ""),
                                                                XG_PACKET_ERROR);
    g_autoptr(XgProtoFrame) chat_own = xg_test_client_request (client, XG_PACKET_CHAT_SEND,
                                                               xg_proto_chat_send_new (43, rita, sam,
                                                                                       XG_PROTO_MESSAGE_TEXT, NULL),
                                                               XG_PACKET_ERROR);

    g_assert_cmpuint (error_code (group, XG_PACKET_GROUP_JOIN_REQUEST), ==, XG_PROTO_ERR_ID_MISMATCH);
    g_assert_cmpuint (error_code (group_own, XG_PACKET_GROUP_JOIN_REQUEST), ==, XG_PROTO_ERR_NOT_FOUND);
    g_assert_cmpuint (error_code (chat_own, XG_PACKET_CHAT_SEND), ==, XG_PROTO_ERR_INVALID_ARGUMENT);
  }
}

/* TOKEN_LOGIN right behind HELLO, before WELCOME (docs/PROTOCOL.md 3.1):
 * answered in order, WELCOME then LOGIN_OK and the sync; behind a HELLO
 * that is refused, never read. */
static void
test_token_login_pipelined (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) first = xg_test_client_connect (server);
  g_autoptr(GBytes) token = NULL;
  guint64 id = xg_test_register (server, "lee@example.com", "Lee", PASSWORD);

  xg_test_login (first, "lee@example.com", PASSWORD, &token);
  g_clear_pointer (&first, xg_test_client_free);

  for (guint version = XG_PROTO_VERSION; version <= XG_PROTO_VERSION + 1; version++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(XgTestClient) client = xg_test_client_connect_raw (server, &error);
      g_autoptr(GBytes) hello = xg_proto_frame_encode (XG_PACKET_HELLO, 1,
                                                      xg_proto_hello_new (version, "test", "1"), NULL);
      g_autoptr(GBytes) login = xg_proto_frame_encode (XG_PACKET_TOKEN_LOGIN, 2,
                                                      xg_proto_token_login_new (id, token), NULL);
      g_autoptr(GByteArray) both = g_byte_array_new ();
      g_autoptr(XgProtoFrame) answer = NULL;

      g_assert_no_error (error);
      g_byte_array_append (both, g_bytes_get_data (hello, NULL), g_bytes_get_size (hello));
      g_byte_array_append (both, g_bytes_get_data (login, NULL), g_bytes_get_size (login));
      xg_test_client_send_raw (client, both->data, both->len);

      answer = xg_test_client_receive (client, 5000);
      g_assert_nonnull (answer);
      if (version == XG_PROTO_VERSION)
        {
          g_autoptr(XgProtoFrame) ok = NULL;
          guint64 logged_in;

          g_assert_cmpuint (answer->type, ==, XG_PACKET_WELCOME);
          g_assert_cmpuint (answer->request_id, ==, 1);
          ok = xg_test_client_receive (client, 5000);
          g_assert_nonnull (ok);
          g_assert_cmpuint (ok->type, ==, XG_PACKET_LOGIN_OK);
          g_assert_cmpuint (ok->request_id, ==, 2);
          xg_proto_login_ok_get (ok->body, &logged_in, NULL, NULL);
          g_assert_cmpuint (logged_in, ==, id);
          g_ptr_array_unref (xg_test_client_until (client, XG_PACKET_SYNC_DONE));
        }
      else
        {
          /* Refused: the connection closes, the login is not looked at. */
          g_assert_cmpuint (answer->type, ==, XG_PACKET_ERROR);
          g_assert_cmpuint (error_code (answer, XG_PACKET_HELLO), ==, XG_PROTO_ERR_UNSUPPORTED_VERSION);
          for (XgProtoFrame *more; (more = xg_test_client_receive (client, 5000)) != NULL;
               xg_proto_frame_free (more))
            g_assert_cmpuint (more->type, !=, XG_PACKET_LOGIN_OK);
          g_assert_true (client->closed);
        }
    }
}

static void
test_protocol_errors (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgTestClient) raw = xg_test_client_connect_raw (server, &error);
  g_autoptr(XgTestClient) client = NULL;

  g_assert_no_error (error);

  /* Anything before HELLO. */
  {
    g_autoptr(XgProtoFrame) frame = xg_test_client_request (raw, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (0),
                                                            XG_PACKET_ERROR);
    g_assert_cmpuint (error_code (frame, XG_PACKET_HEARTBEAT), ==, XG_PROTO_ERR_HELLO_REQUIRED);
  }

  client = xg_test_client_connect (server);

  /* Needs a login. */
  {
    g_autoptr(XgProtoFrame) frame = xg_test_client_request (client, XG_PACKET_PROFILE_UPDATE,
                                                            xg_proto_profile_update_new (NULL), XG_PACKET_ERROR);
    g_assert_cmpuint (error_code (frame, XG_PACKET_PROFILE_UPDATE), ==, XG_PROTO_ERR_NOT_LOGGED_IN);
  }
  /* A server-to-client packet. */
  {
    g_autoptr(XgProtoFrame) frame = xg_test_client_request (client, XG_PACKET_LOGIN_OK,
                                                            xg_proto_login_ok_new (1, NULL, 0), XG_PACKET_ERROR);
    g_assert_cmpuint (error_code (frame, XG_PACKET_LOGIN_OK), ==, XG_PROTO_ERR_UNEXPECTED_PACKET);
  }
  /* A body of the wrong signature, then invalid UTF-8: answered, and the
   * connection carries on. */
  {
    const guint8 header[16] = { 'X', 'G', 1, 0, 0x01, 0x00, 0, 0, 0, 0, 0, 77, 0, 0, 0, 8 };
    const guint8 not_utf8[] = { 'X', 'G', 1, 0, 0x01, 0x10, 0, 0, 0, 0, 0, 78, 0, 0, 0, 4, 0xff, 0xfe, '@', 0 };
    guint8 frame_bytes[24];
    g_autoptr(XgProtoFrame) first = NULL;
    g_autoptr(XgProtoFrame) second = NULL;
    g_autoptr(XgProtoFrame) ack = NULL;

    memcpy (frame_bytes, header, sizeof header);
    memset (frame_bytes + 16, 0xab, 8);   /* eight bytes are not an "(sss)" */
    xg_test_client_send_raw (client, frame_bytes, sizeof frame_bytes);
    first = xg_test_client_expect (client, XG_PACKET_ERROR);
    g_assert_cmpuint (first->request_id, ==, 77);
    g_assert_cmpuint (error_code (first, XG_PACKET_LOGIN), ==, XG_PROTO_ERR_BAD_BODY);

    xg_test_client_send_raw (client, not_utf8, sizeof not_utf8);
    second = xg_test_client_expect (client, XG_PACKET_ERROR);
    g_assert_cmpuint (second->request_id, ==, 78);
    g_assert_cmpuint (error_code (second, XG_PACKET_REGISTER_CODE_REQUEST), ==, XG_PROTO_ERR_BAD_BODY);

    ack = xg_test_client_request (client, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (0), XG_PACKET_HEARTBEAT_ACK);
  }
  /* An oversize length: refused from the header alone, then closed. */
  {
    const guint8 huge[16] = { 'X', 'G', 1, 0, 0x00, 0x10, 0, 0, 0, 0, 0, 9, 0x7f, 0xff, 0xff, 0xff };
    g_autoptr(XgProtoFrame) frame = NULL;
    guint32 code;

    xg_test_client_send_raw (client, huge, sizeof huge);
    frame = xg_test_client_expect (client, XG_PACKET_ERROR);
    xg_proto_error_get (frame->body, NULL, &code, NULL);
    g_assert_cmpuint (code, ==, XG_PROTO_ERR_FRAME_TOO_LARGE);
    g_assert_true (xg_test_client_wait_closed (client, 3000));
  }
  /* Garbage: closed with MALFORMED_FRAME. */
  {
    g_autoptr(XgTestClient) victim = xg_test_client_connect (server);
    g_autoptr(XgProtoFrame) frame = NULL;
    guint32 code;

    xg_test_client_send_raw (victim, "GET / HTTP/1.1\r\n\r\n", 18);
    frame = xg_test_client_expect (victim, XG_PACKET_ERROR);
    xg_proto_error_get (frame->body, NULL, &code, NULL);
    g_assert_cmpuint (code, ==, XG_PROTO_ERR_MALFORMED_FRAME);
    g_assert_true (xg_test_client_wait_closed (victim, 3000));
  }
  /* An unknown type. */
  {
    g_autoptr(XgTestClient) victim = xg_test_client_connect (server);
    const guint8 unknown[17] = { 'X', 'G', 1, 0, 0x7e, 0x7e, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0 };
    g_autoptr(XgProtoFrame) frame = NULL;
    guint32 code;

    xg_test_client_send_raw (victim, unknown, sizeof unknown);
    frame = xg_test_client_expect (victim, XG_PACKET_ERROR);
    xg_proto_error_get (frame->body, NULL, &code, NULL);
    g_assert_cmpuint (code, ==, XG_PROTO_ERR_UNKNOWN_TYPE);
    g_assert_true (xg_test_client_wait_closed (victim, 3000));
  }

  /* None of it hurt the server. */
  {
    g_autoptr(XgTestClient) fine = xg_test_client_connect (server);

    xg_proto_frame_free (xg_test_client_request (fine, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (0),
                                                 XG_PACKET_HEARTBEAT_ACK));
  }
}

static void
test_pinned_certificate (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cert_path = g_build_filename (server->data_dir, "tls", "cert.pem", NULL);
  g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_file (cert_path, &error);
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *printed = NULL;

  /* The printed fingerprint is the certificate's SHA-256 ... */
  g_assert_no_error (error);
  g_object_get (cert, "certificate", &der, NULL);
  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  printed = g_strdelimit (g_ascii_strdown (server->fingerprint, -1), ":", ' ');
  {
    g_autofree char *compact = g_strjoinv ("", (char *[]) { NULL });
    g_auto(GStrv) parts = g_strsplit (printed, " ", -1);
    g_free (compact);
    compact = g_strjoinv ("", parts);
    g_assert_cmpstr (compact, ==, digest);
  }

  /* ... it survives a restart ... */
  g_assert_cmpint (xg_test_server_kill (server, SIGTERM), ==, 0);
  {
    g_autofree char *before = g_strdup (server->fingerprint);
    xg_test_server_restart (server);
    g_assert_cmpstr (server->fingerprint, ==, before);
  }

  /* ... and a client pinned to another one refuses to talk. */
  g_free (server->fingerprint);
  server->fingerprint = g_strdup ("00:11:22");
  client = xg_test_client_connect_raw (server, &error);
  g_assert_null (client);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

static void
test_plain_only_on_loopback (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("xinge-test-XXXXXX", &error);
  g_autofree char *err_text = NULL;
  g_autoptr(GSubprocess) process = NULL;

  g_assert_no_error (error);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              g_getenv ("XG_SERVER_BINARY"), "--data-dir", dir,
                              "--listen", "0.0.0.0:0", "--insecure-plain", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err_text, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), !=, 0);
  g_assert_nonnull (strstr (err_text, "loopback"));

  /* Clean up what the attempt created. */
  {
    g_autoptr(XgTestServer) leftovers = g_new0 (XgTestServer, 1);
    leftovers->data_dir = g_steal_pointer (&dir);
  }
}

/* A bad setting stops the server at start, with the key named. */
static void
test_config_invalid (void)
{
  const struct { const char *text, *named; } cases[] = {
    { "[server]\nsend-queue-pause=2097152\nsend-queue-max=1048576\n", "send-queue-pause" },
    { "[server]\nsend-queue-max=100\n", "[server] send-queue-max" },
    { "[server]\nsend-queue-pause=lots\n", "[server] send-queue-pause" },
    { "[friends]\nlookups-per-hour=0\n", "[friends] lookups-per-hour" },
    { "[friends]\nmax-pending-requests=-1\n", "[friends] max-pending-requests" },
    { "[friends]\nmax-friends=20001\n", "[friends] max-friends" },
    { "[friends]\nrequest-timeout=a week\n", "[friends] request-timeout" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("xinge-test-XXXXXX", &error);
      g_autofree char *conf = NULL;
      g_autofree char *err_text = NULL;
      g_autoptr(GSubprocess) process = NULL;

      g_assert_no_error (error);
      conf = g_build_filename (dir, "bad.conf", NULL);
      g_file_set_contents (conf, cases[i].text, -1, &error);
      g_assert_no_error (error);
      process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                                  g_getenv ("XG_SERVER_BINARY"), "--data-dir", dir, "--config", conf,
                                  "--listen", "127.0.0.1:0", NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err_text, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (process));
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
      if (strstr (err_text, cases[i].named) == NULL)
        g_error ("%s: the error does not name %s: %s", cases[i].text, cases[i].named, err_text);

      {
        g_autoptr(XgTestServer) leftovers = g_new0 (XgTestServer, 1);
        leftovers->data_dir = g_steal_pointer (&dir);
      }
    }
}

/* --- Shutdown and crashes ------------------------------------------------ */

static void
test_sigterm (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgTestClient) anonymous = NULL;
  g_autoptr(XgProtoFrame) forced = NULL;
  g_autoptr(GError) error = NULL;
  guint32 reason;

  xg_test_register (server, "tina@example.com", "Tina", PASSWORD);
  client = xg_test_client_connect (server);
  anonymous = xg_test_client_connect (server);
  xg_test_login (client, "tina@example.com", PASSWORD, NULL);

  g_subprocess_send_signal (server->process, SIGTERM);
  forced = xg_test_client_expect (client, XG_PACKET_FORCED_LOGOUT);
  xg_proto_forced_logout_get (forced->body, &reason, NULL);
  g_assert_cmpuint (reason, ==, XG_PROTO_FORCED_LOGOUT_SERVER_SHUTDOWN);
  g_assert_true (xg_test_client_wait_closed (client, 3000));
  g_assert_true (xg_test_client_wait_closed (anonymous, 3000));

  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server->process));
  g_assert_cmpint (g_subprocess_get_exit_status (server->process), ==, 0);
  g_clear_object (&server->process);
}

/* Profile updates are answered only after they are committed; a server
 * killed with SIGKILL in the middle of a stream of them must keep every
 * one it answered, and come back with a consistent database. */
static void
test_sigkill_loses_nothing (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(XgTestClient) client = NULL;
  g_autoptr(XgTestClient) after = NULL;
  g_autoptr(GBytes) token = NULL;
  g_autoptr(XgProtoFrame) ok = NULL;
  g_autoptr(XgProtoFrame) profile = NULL;
  g_autoptr(GVariant) fields = NULL;
  const guint total = 400;
  guint answered = 0;
  guint64 highest = 0, stored_value;
  const char *signature;
  guint64 id;

  id = xg_test_register (server, "uma@example.com", "Uma", PASSWORD);
  client = xg_test_client_connect (server);
  xg_test_login (client, "uma@example.com", PASSWORD, &token);

  for (guint i = 1; i <= total; i++)
    {
      g_autofree char *value = g_strdup_printf ("%u", i);
      xg_test_client_send (client, XG_PACKET_PROFILE_UPDATE,
                           xg_proto_profile_update_new (dict ("signature", g_variant_new_string (value))));
    }

  /* Take some answers, then kill the server while the rest are in flight. */
  while (answered < total / 4)
    {
      g_autoptr(XgProtoFrame) echo = xg_test_client_expect (client, XG_PACKET_PROFILE);
      g_autoptr(GVariant) echoed = NULL;

      xg_proto_profile_get (echo->body, NULL, NULL, NULL, &echoed);
      g_assert_true (g_variant_lookup (echoed, "signature", "&s", &signature));
      highest = MAX (highest, g_ascii_strtoull (signature, NULL, 10));
      answered++;
    }
  g_assert_cmpint (xg_test_server_kill (server, SIGKILL), ==, 128 + SIGKILL);

  /* Answers already on the wire were committed too. */
  for (;;)
    {
      g_autoptr(XgProtoFrame) echo = xg_test_client_receive (client, 1000);
      g_autoptr(GVariant) echoed = NULL;

      if (echo == NULL)
        break;
      xg_proto_profile_get (echo->body, NULL, NULL, NULL, &echoed);
      g_assert_true (g_variant_lookup (echoed, "signature", "&s", &signature));
      highest = MAX (highest, g_ascii_strtoull (signature, NULL, 10));
    }

  xg_test_server_restart (server);
  after = xg_test_client_connect (server);
  ok = xg_test_client_request (after, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (id, token),
                               XG_PACKET_LOGIN_OK);
  profile = xg_test_client_expect (after, XG_PACKET_PROFILE);
  xg_proto_profile_get (profile->body, NULL, NULL, NULL, &fields);
  g_assert_true (g_variant_lookup (fields, "signature", "&s", &signature));
  stored_value = g_ascii_strtoull (signature, NULL, 10);
  g_test_message ("answered up to %" G_GUINT64_FORMAT ", stored %" G_GUINT64_FORMAT,
                  highest, stored_value);
  g_assert_cmpuint (stored_value, >=, highest);
  g_assert_cmpuint (stored_value, <=, total);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/register", test_register);
  g_test_add_func ("/server/register/international", test_register_international);
  g_test_add_func ("/server/register/wrong-code", test_register_wrong_code);
  g_test_add_func ("/server/register/expired-code", test_register_expired_code);
  g_test_add_func ("/server/register/resend-limit", test_register_resend_limit);
  g_test_add_func ("/server/register/invalid", test_register_invalid);
  g_test_add_func ("/server/register/taken", test_register_taken);
  g_test_add_func ("/server/register/taken-privacy", test_register_taken_privacy);
  g_test_add_func ("/server/login", test_login);
  g_test_add_func ("/server/login/backoff", test_login_backoff);
  g_test_add_func ("/server/login/token", test_token_login);
  g_test_add_func ("/server/login/token-renewal", test_token_login_renewal);
  g_test_add_func ("/server/login/token-pipelined", test_token_login_pipelined);
  g_test_add_func ("/server/logout", test_logout_revokes_token);
  g_test_add_func ("/server/heartbeat", test_heartbeat);
  g_test_add_func ("/server/heartbeat/loss", test_heartbeat_loss);
  g_test_add_func ("/server/second-login", test_second_login_kicks_first);
  g_test_add_func ("/server/profile", test_profile_update);
  g_test_add_func ("/server/user-info", test_user_info);
  g_test_add_func ("/server/claimed-id", test_claimed_id_mismatch);
  g_test_add_func ("/server/protocol-errors", test_protocol_errors);
  g_test_add_func ("/server/tls/pinned", test_pinned_certificate);
  g_test_add_func ("/server/tls/plain-only-on-loopback", test_plain_only_on_loopback);
  g_test_add_func ("/server/config/invalid", test_config_invalid);
  g_test_add_func ("/server/sigterm", test_sigterm);
  g_test_add_func ("/server/sigkill", test_sigkill_loses_nothing);

  return g_test_run ();
}
