/* test-remember-me.c: "remember me" end to end: a real server, a real
 * gnome-keyring in a private D-Bus session (run-with-keyring.sh), and the
 * core's session and keyring as the app uses them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "xg-keyring.h"
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/remember-me", test_remember_me);
  return g_test_run ();
}
