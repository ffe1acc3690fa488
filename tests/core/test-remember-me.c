/* test-remember-me.c: "remember me" end to end: a real server, a real
 * gnome-keyring in a private D-Bus session (run-with-keyring.sh), and the
 * core's session and keyring as the app uses them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>

#include <glib/gstdio.h>

#include "xg-keyring.h"
#include "xg-saved-login.h"
#include "xg-session.h"
#include "xg-test-harness.h"

#define EMAIL    "rosa@example.com"
#define PASSWORD "correct horse battery"

typedef struct {
  gboolean       done;
  gboolean       ok;
  XgCredentials *credentials;
  GError        *error;
} Outcome;

static void
wait_for (gboolean *done)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!*done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (*done);
}

static void
login_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_login_finish (XG_SESSION (source), result, NULL, &o->error);
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
stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_keyring_store_finish (result, &o->error);
  o->done = TRUE;
}

static void
looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->credentials = xg_keyring_lookup_finish (result, &o->error);
  o->done = TRUE;
}

static void
cleared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_keyring_clear_finish (result, &o->error);
  o->done = TRUE;
}

/* What `secret-tool lookup` prints for the server and email, or NULL. */
static char *
secret_tool_lookup (const char *server)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status;
  const char *argv[] = { "secret-tool", "lookup", "xdg:schema", XG_KEYRING_SCHEMA_NAME,
                         "server", server, "email", EMAIL, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) && out && *out ? g_strstrip (g_steal_pointer (&out)) : NULL;
}

static void
test_remember_me (void)
{
  g_autoptr(XgTestServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  g_autoptr(XgDeviceDb) device = NULL;
  g_autofree char *in_keyring = NULL;
  XgCredentials credentials = { 0 };
  Outcome o = { 0 };
  guint64 id;

  if (g_getenv ("XG_TEST_PRIVATE_KEYRING") == NULL)
    {
      g_test_skip ("Runs only inside run-with-keyring.sh, never against a real keyring");
      return;
    }

  server = xg_test_server_start (NULL);
  id = xg_test_register (server, EMAIL, "Rosa", PASSWORD);
  dir = g_dir_make_tmp ("xinge-remember-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (dir, "device.db", NULL);
  device = xg_device_db_new (db);

  /* First start: the user types the password and ticks "remember me". */
  {
    g_autoptr(XgSession) session = xg_session_new (server->address, device);

    xg_session_login_async (session, EMAIL, PASSWORD, NULL, login_done, &o);
    wait_for (&o.done);
    g_assert_no_error (o.error);

    credentials.server = server->address;
    credentials.email = EMAIL;
    credentials.account_id = xg_session_get_account_id (session);
    credentials.token = (char *) xg_session_get_resume_token (session);
    o = (Outcome) { 0 };
    xg_keyring_store_async (&credentials, NULL, stored, &o);
    wait_for (&o.done);
    g_assert_no_error (o.error);

    /* The keyring holds the token, never the password. */
    in_keyring = secret_tool_lookup (server->address);
    g_assert_cmpstr (in_keyring, ==, xg_session_get_resume_token (session));
    g_assert_cmpstr (in_keyring, !=, PASSWORD);
  }

  /* Second start: no password, only what the keyring gives back. */
  {
    g_autoptr(XgSession) session = xg_session_new (server->address, device);

    o = (Outcome) { 0 };
    xg_keyring_lookup_async (server->address, NULL, looked_up, &o);
    wait_for (&o.done);
    g_assert_no_error (o.error);
    g_assert_nonnull (o.credentials);
    g_assert_cmpuint (o.credentials->account_id, ==, id);
    g_assert_cmpstr (o.credentials->email, ==, EMAIL);

    {
      g_autoptr(XgCredentials) found = g_steal_pointer (&o.credentials);
      o = (Outcome) { 0 };
      xg_session_login_with_token_async (session, found->email, found->account_id, found->token,
                                         NULL, login_done, &o);
      wait_for (&o.done);
      g_assert_no_error (o.error);
      g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_LOGGED_IN);
      /* The login completes at LOGIN_OK; the profile is the push after it. */
      while (xg_session_get_profile (session) == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpstr (xg_profile_get_nickname (xg_session_get_profile (session)), ==, "Rosa");
    }

    /* Logging out revokes the token and takes it out of the keyring. */
    o = (Outcome) { 0 };
    xg_session_logout_async (session, NULL, logout_done, &o);
    wait_for (&o.done);
    g_assert_no_error (o.error);
    o = (Outcome) { 0 };
    xg_keyring_clear_async (server->address, EMAIL, NULL, cleared, &o);
    wait_for (&o.done);
    g_assert_no_error (o.error);
  }

  g_assert_null (secret_tool_lookup (server->address));
  o = (Outcome) { 0 };
  xg_keyring_lookup_async (server->address, NULL, looked_up, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  g_assert_null (o.credentials);

  /* And the old token no longer opens a session. */
  {
    g_autoptr(XgSession) session = xg_session_new (server->address, device);

    o = (Outcome) { 0 };
    xg_session_login_with_token_async (session, EMAIL, id, in_keyring, NULL, login_done, &o);
    wait_for (&o.done);
    g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_TOKEN_INVALID);
    g_clear_error (&o.error);
  }

  xg_db_close (XG_DB (device));
  g_unlink (db);
  {
    g_autofree char *wal = g_strconcat (db, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db, "-shm", NULL);
    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
}

/* --- XgSavedLogin: the policy, against the same keyring ------------------------- */

static void
found_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->credentials = xg_saved_login_lookup_finish (XG_SAVED_LOGIN (source), result, &o->error);
  o->done = TRUE;
}

static XgCredentials *
lookup_saved (XgSavedLogin *saved,
              const char   *server)
{
  Outcome o = { 0 };

  xg_saved_login_lookup_async (saved, server, NULL, found_saved, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  return o.credentials;
}

/* Spins until the keyring has (or has not) the item: its writes are async. */
static void
wait_for_keyring (const char *server,
                  gboolean    present)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *found = secret_tool_lookup (server);

      if ((found != NULL) == present)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("The keyring item for %s did not %s", server, present ? "appear" : "go");
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20 * 1000);
    }
}

static void
on_forced_out (XgSession *session, guint reason, const char *message, gpointer user_data)
{
  *(guint *) user_data = reason;
}

static XgSession *
password_login (XgTestServer *server,
                XgDeviceDb   *device)
{
  XgSession *session = xg_session_new (server->address, device);
  Outcome o = { 0 };

  xg_session_login_async (session, EMAIL, PASSWORD, NULL, login_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  return session;
}

static void
test_saved_login_policy (void)
{
  g_autoptr(XgTestServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  g_autofree char *state_a = NULL;
  g_autofree char *state_b = NULL;
  g_autoptr(XgDeviceDb) device = NULL;
  g_autoptr(XgSession) resumed = NULL;
  guint reason = G_MAXUINT;
  guint64 id;

  if (g_getenv ("XG_TEST_PRIVATE_KEYRING") == NULL)
    {
      g_test_skip ("Runs only inside run-with-keyring.sh, never against a real keyring");
      return;
    }

  server = xg_test_server_start (NULL);
  id = xg_test_register (server, EMAIL, "Rosa", PASSWORD);
  dir = g_dir_make_tmp ("xinge-saved-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (dir, "device.db", NULL);
  device = xg_device_db_new (db);
  state_a = g_build_filename (dir, "a", "state.ini", NULL);
  state_b = g_build_filename (dir, "b", "state.ini", NULL);

  /* Profile A logs in with "remember me": the token goes to the keyring. */
  {
    g_autoptr(XgSavedLogin) saved = xg_saved_login_new (state_a);
    g_autoptr(XgSession) session = password_login (server, device);

    g_assert_false (xg_saved_login_get_remembered (saved));
    xg_saved_login_remember (saved, session, TRUE);
    g_assert_true (xg_saved_login_get_remembered (saved));
    wait_for_keyring (server->address, TRUE);
  }

  /* Profile B shares the keyring, but remembered nothing itself. */
  {
    g_autoptr(XgSavedLogin) saved = xg_saved_login_new (state_b);

    g_assert_null (lookup_saved (saved, server->address));
  }

  /* A's next start reads its state file and resumes without a password. */
  {
    g_autoptr(XgSavedLogin) saved = NULL;
    g_autoptr(XgCredentials) credentials = NULL;

    /* The state file is written asynchronously. */
    while (!g_file_test (state_a, G_FILE_TEST_EXISTS))
      g_main_context_iteration (NULL, TRUE);
    saved = xg_saved_login_new (state_a);
    g_assert_true (xg_saved_login_get_remembered (saved));
    g_assert_cmpstr (xg_saved_login_get_email (saved), ==, EMAIL);
    credentials = lookup_saved (saved, server->address);
    g_assert_nonnull (credentials);
    g_assert_cmpuint (credentials->account_id, ==, id);
    /* Another server's saved login is not this one's. */
    g_assert_null (lookup_saved (saved, "127.0.0.1:1"));

    resumed = xg_session_new (server->address, device);
    xg_saved_login_resume (saved, resumed, credentials);
    g_assert_cmpuint (xg_session_get_account_id (resumed), ==, id);
    while (!xg_session_get_synced (resumed))
      g_main_context_iteration (NULL, TRUE);
    g_signal_connect (resumed, "forced-logout", G_CALLBACK (on_forced_out), &reason);

    /* The server shutting down (a restart) is no logout: the session
     * waits to reconnect, and the saved login stays... */
    xg_test_server_kill (server, SIGTERM);
    while (!xg_session_get_reconnecting (resumed))
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (reason, ==, G_MAXUINT);
    g_assert_cmpuint (xg_session_get_account_id (resumed), ==, id);
    g_assert_nonnull (xg_session_get_resume_token (resumed));
    g_assert_true (xg_saved_login_get_remembered (saved));
    wait_for_keyring (server->address, TRUE);

    /* ...and when the server is back, the session is too, by itself. */
    xg_test_server_restart (server);
    while (xg_session_get_state (resumed) != XG_SESSION_LOGGED_IN || !xg_session_get_synced (resumed))
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (reason, ==, G_MAXUINT);
    g_assert_true (xg_saved_login_get_remembered (saved));

    /* Being logged in elsewhere forgets it. */
    {
      g_autoptr(XgSession) elsewhere = password_login (server, device);

      while (reason == G_MAXUINT)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpuint (reason, ==, XG_SESSION_ENDED_ELSEWHERE);
      g_assert_false (xg_saved_login_get_remembered (saved));
      wait_for_keyring (server->address, FALSE);

      /* Logging in without "remember me" keeps nothing. */
      xg_saved_login_remember (saved, elsewhere, FALSE);
      g_assert_false (xg_saved_login_get_remembered (saved));
      g_assert_null (lookup_saved (saved, server->address));
    }
  }

  g_clear_object (&resumed);
  xg_db_close (XG_DB (device));
  g_clear_object (&device);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/remember-me", test_remember_me);
  g_test_add_func ("/core/saved-login/policy", test_saved_login_policy);
  return g_test_run ();
}
