/* test-session.c: XgSession against the real xinge-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "xg-account-db.h"
#include "xg-link.h"
#include "xg-session.h"
#include "xg-test-harness.h"

#define PASSWORD "correct horse battery"
#define WAIT_MS  15000

typedef struct {
  XgTestServer *server;
  char         *dir;
  XgDeviceDb   *device;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  config)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->server = xg_test_server_start (config);
  f->dir = g_dir_make_tmp ("xinge-session-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "device.db", NULL);
  f->device = xg_device_db_new (path);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  config)
{
  g_autofree char *path = g_build_filename (f->dir, "device.db", NULL);

  xg_db_close (XG_DB (f->device));
  g_clear_object (&f->device);
  xg_test_server_free (f->server);
  for (const char *suffix = ""; suffix != NULL; suffix = *suffix ? NULL : "-wal")
    {
      g_autofree char *file = g_strconcat (path, suffix, NULL);
      g_unlink (file);
    }
  {
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_unlink (shm);
  }
  {
    g_autofree char *accounts = g_build_filename (f->dir, "accounts", NULL);
    g_autoptr(GDir) listing = g_dir_open (accounts, 0, NULL);
    const char *name;

    while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
      {
        g_autofree char *file = g_build_filename (accounts, name, NULL);
        g_unlink (file);
      }
    g_rmdir (accounts);
  }
  g_rmdir (f->dir);
  g_free (f->dir);
}

/* Spins the main loop until *@done or the time is up. */
static void
wait_for (gboolean *done)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (!*done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (*done);
}

static gboolean
wake (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Spins until the session reaches @state. */
static void
wait_for_state (XgSession      *session,
                XgSessionState  state)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  guint ticker = g_timeout_add (50, wake, NULL);

  while (xg_session_get_state (session) != state && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (ticker);
  g_assert_cmpint (xg_session_get_state (session), ==, state);
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  guint     number;
  guint     other;
  guint64   id;
  GError   *error;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_error (&o->error);
  memset (o, 0, sizeof *o);
}

static void
code_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_request_code_finish (XG_SESSION (source), result, &o->number, &o->other, &o->error);
  o->done = TRUE;
}

static void
register_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->id = xg_session_register_finish (XG_SESSION (source), result, &o->number, &o->error);
  o->ok = o->id != 0;
  o->done = TRUE;
}

static void
login_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_login_finish (XG_SESSION (source), result, &o->number, &o->error);
  o->done = TRUE;
}

static void
logout_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_logout_finish (XG_SESSION (source), result, &o->error);
  o->done = TRUE;
}

static void
profile_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_update_profile_finish (XG_SESSION (source), result, &o->error);
  o->done = TRUE;
}

static guint64
register_through (XgSession    *session,
                  XgTestServer *server,
                  const char   *email,
                  const char   *nickname)
{
  Outcome o = { 0 };
  g_autofree char *code = NULL;
  guint64 id;

  xg_session_request_code_async (session, email, NULL, code_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  g_assert_cmpuint (o.number, ==, 60);    /* resend after */
  g_assert_cmpuint (o.other, ==, 600);    /* expires in */
  outcome_clear (&o);

  code = xg_test_server_read_code (server, email);
  xg_session_register_async (session, email, nickname, PASSWORD, code, NULL, register_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  id = o.id;
  g_assert_cmpuint (id, >=, 10000);
  outcome_clear (&o);
  return id;
}

/* The login completes at LOGIN_OK; the profile is the push after it. */
static void
wait_for_profile (XgSession *session)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (xg_session_get_profile (session) == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (xg_session_get_profile (session));
}

static void
login_through (XgSession  *session,
               const char *email,
               const char *password)
{
  Outcome o = { 0 };

  xg_session_login_async (session, email, password, NULL, login_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  g_assert_true (o.ok);
  g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_LOGGED_IN);
  wait_for_profile (session);
}

static void
loaded_profile (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GVariant **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = xg_account_db_load_profile_finish (XG_ACCOUNT_DB (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*out);
}

static void
test_register_and_login (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = xg_session_new (f->server->address, f->device);
  XgProfile *profile;
  guint64 id;

  g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_DISCONNECTED);
  id = register_through (session, f->server, "anna@example.com", "安娜");
  g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_CONNECTED);
  g_assert_cmpstr (xg_session_get_fingerprint (session), ==, f->server->fingerprint);

  login_through (session, "anna@example.com", PASSWORD);
  g_assert_cmpuint (xg_session_get_account_id (session), ==, id);
  profile = xg_session_get_profile (session);
  g_assert_nonnull (profile);
  g_assert_cmpstr (xg_profile_get_nickname (profile), ==, "安娜");
  g_assert_cmpstr (xg_profile_get_email (profile), ==, "anna@example.com");
  g_assert_nonnull (xg_session_get_resume_token (session));

  /* The account's own database keeps the profile for the next start. */
  g_clear_object (&session);
  {
    g_autofree char *name = g_strdup_printf ("%" G_GUINT64_FORMAT ".db", id);
    g_autofree char *path = g_build_filename (f->dir, "accounts", name, NULL);
    g_autoptr(XgAccountDb) account = xg_account_db_new (path);
    g_autoptr(GVariant) cached = NULL;
    g_autoptr(XgProfile) restored = NULL;

    xg_account_db_load_profile_async (account, NULL, loaded_profile, &cached);
    while (cached == NULL)
      g_main_context_iteration (NULL, TRUE);
    restored = xg_profile_new_from_packet (cached);
    g_assert_cmpuint (xg_profile_get_account_id (restored), ==, id);
    g_assert_cmpstr (xg_profile_get_nickname (restored), ==, "安娜");
    xg_db_close (XG_DB (account));
  }
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = xg_session_new (f->server->address, f->device);
  Outcome o = { 0 };

  register_through (session, f->server, "ben@example.com", "Ben");
  xg_session_login_async (session, "ben@example.com", "not the password", NULL, login_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_BAD_CREDENTIALS);
  g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_CONNECTED);
  g_assert_null (xg_session_get_profile (session));
  outcome_clear (&o);

  /* The right one still works on the same connection. */
  login_through (session, "ben@example.com", PASSWORD);
}

static void
on_forced_logout (XgSession  *session,
                  guint       reason,
                  const char *message,
                  gpointer    user_data)
{
  guint *out = user_data;
  *out = reason;
}

static void
test_token_login_and_second_login (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) first = xg_session_new (f->server->address, f->device);
  g_autoptr(XgSession) second = xg_session_new (f->server->address, f->device);
  g_autofree char *token = NULL;
  guint reason = G_MAXUINT;
  guint64 id;
  Outcome o = { 0 };

  id = register_through (first, f->server, "cleo@example.com", "Cleo");
  login_through (first, "cleo@example.com", PASSWORD);
  token = g_strdup (xg_session_get_resume_token (first));
  g_signal_connect (first, "forced-logout", G_CALLBACK (on_forced_logout), &reason);

  /* The keyring's way in: the token alone, from another session. */
  xg_session_login_with_token_async (second, "cleo@example.com", id, token, NULL, login_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  wait_for_profile (second);
  g_assert_cmpuint (xg_session_get_account_id (second), ==, id);
  g_assert_cmpstr (xg_profile_get_nickname (xg_session_get_profile (second)), ==, "Cleo");
  outcome_clear (&o);

  /* ... which forces the first session out. */
  wait_for_state (first, XG_SESSION_DISCONNECTED);
  g_assert_cmpuint (reason, ==, XG_SESSION_ENDED_ELSEWHERE);
  g_assert_cmpuint (xg_session_get_account_id (first), ==, 0);
  g_assert_false (xg_session_get_reconnecting (first));
}

static void
test_logout (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = xg_session_new (f->server->address, f->device);
  g_autoptr(XgSession) later = xg_session_new (f->server->address, f->device);
  g_autofree char *token = NULL;
  Outcome o = { 0 };
  guint64 id;

  id = register_through (session, f->server, "dora@example.com", "Dora");
  login_through (session, "dora@example.com", PASSWORD);
  token = g_strdup (xg_session_get_resume_token (session));

  xg_session_logout_async (session, NULL, logout_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_DISCONNECTED);
  g_assert_null (xg_session_get_resume_token (session));
  g_assert_null (xg_session_get_profile (session));
  outcome_clear (&o);

  /* The token died with the logout. */
  xg_session_login_with_token_async (later, "dora@example.com", id, token, NULL, login_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_TOKEN_INVALID);
  outcome_clear (&o);
}

static void
test_reconnect_after_restart (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = xg_session_new (f->server->address, f->device);
  g_autoptr(GVariant) changes = NULL;
  GVariantBuilder builder;
  gboolean saw_reconnecting = FALSE;
  guint64 id;
  Outcome o = { 0 };

  id = register_through (session, f->server, "eve@example.com", "Eve");
  login_through (session, "eve@example.com", PASSWORD);

  /* The server dies without a word; the session notices and retries. */
  g_assert_cmpint (xg_test_server_kill (f->server, SIGKILL), ==, 128 + SIGKILL);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
    while (!xg_session_get_reconnecting (session) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    saw_reconnecting = xg_session_get_reconnecting (session);
  }
  g_assert_true (saw_reconnecting);

  /* A call made meanwhile waits for the session to come back. */
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string ("back again"));
  changes = g_variant_ref_sink (g_variant_builder_end (&builder));
  xg_session_update_profile_async (session, changes, NULL, profile_done, &o);

  xg_test_server_restart (f->server);
  wait_for_state (session, XG_SESSION_LOGGED_IN);
  g_assert_cmpuint (xg_session_get_account_id (session), ==, id);
  g_assert_false (xg_session_get_reconnecting (session));

  wait_for (&o.done);
  g_assert_no_error (o.error);
  g_assert_cmpstr (xg_profile_get_signature (xg_session_get_profile (session)), ==, "back again");
  outcome_clear (&o);
}

static void
test_silent_server (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = xg_session_new (f->server->address, f->device);
  const char *pid;
  gint64 stopped_at;

  register_through (session, f->server, "finn@example.com", "Finn");
  login_through (session, "finn@example.com", PASSWORD);

  /* A frozen server answers nothing: the heartbeats must notice. */
  pid = g_subprocess_get_identifier (f->server->process);
  kill ((pid_t) g_ascii_strtoll (pid, NULL, 10), SIGSTOP);
  stopped_at = g_get_monotonic_time ();
  {
    gint64 deadline = stopped_at + WAIT_MS * 1000;
    while (!xg_session_get_reconnecting (session) && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_true (xg_session_get_reconnecting (session));
  /* heartbeat-interval=1, heartbeat-timeout=3: noticed within a few seconds. */
  g_assert_cmpint (g_get_monotonic_time () - stopped_at, <, 6 * G_USEC_PER_SEC);

  kill ((pid_t) g_ascii_strtoll (pid, NULL, 10), SIGCONT);
  wait_for_state (session, XG_SESSION_LOGGED_IN);
  g_assert_false (xg_session_get_reconnecting (session));
}

static void
on_identity_changed (XgSession  *session,
                     const char *pinned,
                     const char *presented,
                     gpointer    user_data)
{
  char **out = user_data;
  out[0] = g_strdup (pinned);
  out[1] = g_strdup (presented);
}

static void
test_identity_changed (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) first = xg_session_new (f->server->address, f->device);
  g_autoptr(XgSession) second = NULL;
  g_autofree char *old_fingerprint = g_strdup (f->server->fingerprint);
  g_autofree char *tls_dir = g_build_filename (f->server->data_dir, "tls", NULL);
  char *seen[2] = { NULL, NULL };
  Outcome o = { 0 };

  register_through (first, f->server, "gus@example.com", "Gus");
  xg_session_disconnect (first);

  /* The server comes back on the same address with a new certificate. */
  g_assert_cmpint (xg_test_server_kill (f->server, SIGTERM), ==, 0);
  {
    g_autofree char *cert = g_build_filename (tls_dir, "cert.pem", NULL);
    g_autofree char *key = g_build_filename (tls_dir, "key.pem", NULL);
    g_unlink (cert);
    g_unlink (key);
  }
  xg_test_server_restart (f->server);
  g_assert_cmpstr (f->server->fingerprint, !=, old_fingerprint);

  second = xg_session_new (f->server->address, f->device);
  g_signal_connect (second, "identity-changed", G_CALLBACK (on_identity_changed), seen);
  xg_session_login_async (second, "gus@example.com", PASSWORD, NULL, login_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_IDENTITY_CHANGED);
  g_assert_cmpstr (seen[0], ==, old_fingerprint);
  g_assert_cmpstr (seen[1], ==, f->server->fingerprint);
  g_assert_cmpint (xg_session_get_state (second), ==, XG_SESSION_DISCONNECTED);
  outcome_clear (&o);
  g_free (seen[0]);
  g_free (seen[1]);
}

static void
test_unreachable (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = NULL;
  g_autofree char *address = g_strdup (f->server->address);
  Outcome o = { 0 };

  g_assert_cmpint (xg_test_server_kill (f->server, SIGTERM), ==, 0);
  session = xg_session_new (address, f->device);
  xg_session_login_async (session, "hal@example.com", PASSWORD, NULL, login_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_UNREACHABLE);
  g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_DISCONNECTED);
  outcome_clear (&o);
  xg_test_server_restart (f->server);
}

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* A session without an account follows the login form's server field:
 * the attempt at the wrong address fails, the right one then works. */
static void
test_set_server (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = xg_session_new ("127.0.0.1:1", f->device);
  guint notified = 0;
  Outcome o = { 0 };

  xg_session_login_async (session, "ivy@example.com", PASSWORD, NULL, login_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_UNREACHABLE);
  outcome_clear (&o);

  g_signal_connect (session, "notify::server", G_CALLBACK (count_notify), &notified);
  xg_session_set_server (session, f->server->address);
  xg_session_set_server (session, f->server->address);   /* the same: nothing */
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (xg_session_get_server (session), ==, f->server->address);
  g_signal_handlers_disconnect_by_data (session, &notified);

  register_through (session, f->server, "ivy@example.com", "Ivy");
  login_through (session, "ivy@example.com", PASSWORD);
  g_assert_cmpstr (xg_session_get_fingerprint (session), ==, f->server->fingerprint);
}

typedef struct {
  guint          greetings;
  guint          ready;
  XgProtoFrame  *answer;
  GError        *error;
  gboolean       done;
} Pipelined;

/* The first connection is dropped right after HELLO went out, with the
 * TOKEN_LOGIN behind it. */
static void
on_pipelined_greeting (XgLink    *link,
                       Pipelined *p)
{
  if (p->greetings++ == 0)
    xg_link_drop (link, "dropped by the test after HELLO");
}

static void
on_pipelined_ready (XgLink    *link,
                    Pipelined *p)
{
  p->ready++;
}

static void
on_pipelined_answer (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Pipelined *p = user_data;

  p->answer = xg_link_request_finish (XG_LINK (source), result, &p->error);
  p->done = TRUE;
}

/* A TOKEN_LOGIN goes right behind HELLO (docs/PROTOCOL.md 3.1), and a
 * link lost before WELCOME keeps it for the next connection instead of
 * failing it; there it logs in. */
static void
test_login_behind_hello (Fixture *f, gconstpointer data)
{
  g_autoptr(XgTestClient) client = xg_test_client_connect (f->server);
  g_autoptr(XgLink) link = xg_link_new (f->server->address, f->device);
  g_autoptr(GBytes) token = NULL;
  Pipelined p = { 0 };
  guint64 id, logged_in;

  id = xg_test_register (f->server, "pia@example.com", "Pia", PASSWORD);
  xg_test_login (client, "pia@example.com", PASSWORD, &token);
  g_clear_pointer (&client, xg_test_client_free);

  xg_link_set_reconnect (link, TRUE);
  g_signal_connect (link, "greeting", G_CALLBACK (on_pipelined_greeting), &p);
  g_signal_connect (link, "ready", G_CALLBACK (on_pipelined_ready), &p);
  xg_link_request_async (link, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (id, token),
                         on_pipelined_answer, &p);
  {
    gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

    while (!p.done && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_true (p.done);
  g_assert_no_error (p.error);
  g_assert_cmpuint (p.answer->type, ==, XG_PACKET_LOGIN_OK);
  xg_proto_login_ok_get (p.answer->body, &logged_in, NULL, NULL);
  g_assert_cmpuint (logged_in, ==, id);
  /* Two greetings (the first dropped), one WELCOME. */
  g_assert_cmpuint (p.greetings, ==, 2);
  g_assert_cmpuint (p.ready, ==, 1);
  xg_proto_frame_free (p.answer);
  g_signal_handlers_disconnect_by_data (link, &p);
  xg_link_close (link);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, config) \
  g_test_add (path, Fixture, config, fixture_setup, func, fixture_teardown)
  ADD ("/core/session/register-and-login", test_register_and_login, NULL);
  ADD ("/core/session/wrong-password", test_wrong_password, NULL);
  ADD ("/core/session/token-login-and-second-login", test_token_login_and_second_login, NULL);
  ADD ("/core/session/logout", test_logout, NULL);
  ADD ("/core/session/reconnect-after-restart", test_reconnect_after_restart, NULL);
  ADD ("/core/session/login-behind-hello", test_login_behind_hello, NULL);
  ADD ("/core/session/silent-server", test_silent_server,
       "[session]\nheartbeat-interval=1\nheartbeat-timeout=3\n");
  ADD ("/core/session/identity-changed", test_identity_changed, NULL);
  ADD ("/core/session/unreachable", test_unreachable, NULL);
  ADD ("/core/session/set-server", test_set_server, NULL);
#undef ADD

  return g_test_run ();
}
