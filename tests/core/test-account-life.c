/* test-account-life.c: XgSession's password reset and change, address
 * change and account deletion against the real xinge-server; the saved
 * login following a new token in a real gnome-keyring (run-with-keyring.sh)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "xg-keyring.h"
#include "xg-saved-login.h"
#include "xg-session.h"
#include "xg-test-harness.h"

#define PASSWORD     "correct horse battery"
#define NEW_PASSWORD "a brand new passphrase"
#define WAIT_MS      15000

typedef struct {
  XgTestServer *server;
  char         *dir;
  XgDeviceDb   *device;
} Fixture;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  config)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->server = xg_test_server_start (config);
  f->dir = g_dir_make_tmp ("xinge-life-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "device.db", NULL);
  f->device = xg_device_db_new (path);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  config)
{
  xg_db_close (XG_DB (f->device));
  g_clear_object (&f->device);
  xg_test_server_free (f->server);
  remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
wake (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_for (gboolean *done)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  guint ticker = g_timeout_add (50, wake, NULL);

  while (!*done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (ticker);
  g_assert_true (*done);
}

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
  gboolean       done;
  gboolean       ok;
  guint          number;
  guint          other;
  GError        *error;
  XgCredentials *credentials;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_error (&o->error);
  g_clear_pointer (&o->credentials, xg_credentials_free);
  memset (o, 0, sizeof *o);
}

static void
login_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_login_finish (XG_SESSION (source), result, &o->number, &o->error);
  o->done = TRUE;
}

static void
reset_code_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_request_password_reset_finish (XG_SESSION (source), result, &o->number, &o->other, &o->error);
  o->done = TRUE;
}

static void
reset_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_reset_password_finish (XG_SESSION (source), result, &o->number, &o->other, &o->error);
  o->done = TRUE;
}

static void
change_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_change_password_finish (XG_SESSION (source), result, &o->number, &o->error);
  o->done = TRUE;
}

static void
email_code_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_request_email_change_finish (XG_SESSION (source), result, &o->number, &o->other, &o->error);
  o->done = TRUE;
}

static void
email_confirm_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_confirm_email_change_finish (XG_SESSION (source), result, &o->number, &o->error);
  o->done = TRUE;
}

static void
delete_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  o->ok = xg_session_delete_account_finish (XG_SESSION (source), result, &o->number, &o->error);
  o->done = TRUE;
}

static void
login_through (XgSession  *session,
               const char *email,
               const char *password)
{
  Outcome o = { 0 };
  gint64 deadline;

  xg_session_login_async (session, email, password, NULL, login_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  while (!xg_session_get_synced (session) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (xg_session_get_synced (session));
}

static void
login_fails (XgSession  *session,
             const char *email,
             const char *password,
             int         code)
{
  Outcome o = { 0 };

  xg_session_login_async (session, email, password, NULL, login_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, code);
  outcome_clear (&o);
}

static void
on_forced_logout (XgSession  *session,
                  guint       reason,
                  const char *message,
                  gpointer    user_data)
{
  *(guint *) user_data = reason;
}

static void
test_reset (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) logged_in = xg_session_new (f->server->address, f->device);
  g_autoptr(XgSession) forgot = xg_session_new (f->server->address, f->device);
  g_autofree char *code = NULL;
  g_autofree char *token = NULL;
  guint reason = G_MAXUINT;
  Outcome o = { 0 };
  char wrong[7];
  guint64 id;

  id = xg_test_register (f->server, "ada@example.com", "Ada", PASSWORD);
  login_through (logged_in, "ada@example.com", PASSWORD);
  token = g_strdup (xg_session_get_resume_token (logged_in));
  g_signal_connect (logged_in, "forced-logout", G_CALLBACK (on_forced_logout), &reason);

  /* Without a login, from another session. */
  xg_session_request_password_reset_async (forgot, "nobody@example.com", NULL, reset_code_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND);
  outcome_clear (&o);

  xg_session_request_password_reset_async (forgot, "ada@example.com", NULL, reset_code_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  g_assert_cmpuint (o.number, ==, 60);
  g_assert_cmpuint (o.other, ==, 600);
  outcome_clear (&o);

  xg_session_request_password_reset_async (forgot, "ada@example.com", NULL, reset_code_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_RATE_LIMITED);
  g_assert_cmpuint (o.number, >, 0);
  outcome_clear (&o);

  code = xg_test_server_read_code (f->server, "ada@example.com");
  g_snprintf (wrong, sizeof wrong, "%06u", (guint) ((g_ascii_strtoull (code, NULL, 10) + 1) % 1000000));
  xg_session_reset_password_async (forgot, "ada@example.com", wrong, NEW_PASSWORD, NULL, reset_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_CODE_INCORRECT);
  g_assert_cmpuint (o.number, ==, 4);
  outcome_clear (&o);

  xg_session_reset_password_async (forgot, "ada@example.com", code, "short", NULL, reset_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT);
  outcome_clear (&o);

  xg_session_reset_password_async (forgot, "ada@example.com", code, NEW_PASSWORD, NULL, reset_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  g_assert_true (o.ok);
  outcome_clear (&o);

  /* The logged-in session ends; its token no longer logs in. */
  wait_for_state (logged_in, XG_SESSION_DISCONNECTED);
  g_assert_cmpuint (reason, ==, XG_SESSION_ENDED_PASSWORD_CHANGED);
  g_assert_cmpuint (xg_session_get_account_id (logged_in), ==, 0);
  g_assert_false (xg_session_get_reconnecting (logged_in));
  {
    g_autoptr(XgSession) later = xg_session_new (f->server->address, f->device);

    xg_session_login_with_token_async (later, "ada@example.com", id, token, NULL, login_done, &o);
    wait_for (&o.done);
    g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_TOKEN_INVALID);
    outcome_clear (&o);
  }

  login_fails (forgot, "ada@example.com", PASSWORD, XG_SESSION_ERROR_BAD_CREDENTIALS);
  login_through (forgot, "ada@example.com", NEW_PASSWORD);
}

static void
test_change_password (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = xg_session_new (f->server->address, f->device);
  g_autofree char *old_token = NULL;
  Outcome o = { 0 };
  guint64 id;

  /* Offline it fails at once: it needs a login. */
  xg_session_change_password_async (session, PASSWORD, NEW_PASSWORD, NULL, change_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_LOGGED_IN);
  outcome_clear (&o);

  id = xg_test_register (f->server, "bea@example.com", "Bea", PASSWORD);
  login_through (session, "bea@example.com", PASSWORD);
  old_token = g_strdup (xg_session_get_resume_token (session));

  xg_session_change_password_async (session, "not the password", NEW_PASSWORD, NULL, change_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_BAD_CREDENTIALS);
  outcome_clear (&o);

  xg_session_change_password_async (session, PASSWORD, NEW_PASSWORD, NULL, change_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  outcome_clear (&o);

  /* Still logged in, with a new token that works where the old fails. */
  g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_LOGGED_IN);
  g_assert_cmpstr (xg_session_get_resume_token (session), !=, old_token);
  {
    g_autoptr(XgSession) other = xg_session_new (f->server->address, f->device);

    xg_session_login_with_token_async (other, "bea@example.com", id, old_token, NULL, login_done, &o);
    wait_for (&o.done);
    g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_TOKEN_INVALID);
    outcome_clear (&o);

    xg_session_login_with_token_async (other, "bea@example.com", id, xg_session_get_resume_token (session),
                                       NULL, login_done, &o);
    wait_for (&o.done);
    g_assert_no_error (o.error);
    outcome_clear (&o);
  }
}

static void
test_change_email (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = xg_session_new (f->server->address, f->device);
  g_autofree char *code = NULL;
  Outcome o = { 0 };
  gint64 deadline;

  xg_test_register (f->server, "cai@example.com", "Cai", PASSWORD);
  xg_test_register (f->server, "dora@example.com", "Dora", PASSWORD);
  login_through (session, "cai@example.com", PASSWORD);

  xg_session_request_email_change_async (session, "dora@example.com", PASSWORD, NULL, email_code_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_EMAIL_TAKEN);
  outcome_clear (&o);

  xg_session_request_email_change_async (session, "cai@new.example.net", PASSWORD, NULL, email_code_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  g_assert_cmpuint (o.other, ==, 600);
  outcome_clear (&o);

  code = xg_test_server_read_code (f->server, "cai@new.example.net");
  xg_session_confirm_email_change_async (session, "cai@new.example.net", code, NULL, email_confirm_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_cmpstr (xg_session_get_email (session), ==, "cai@new.example.net");

  /* The profile follows from the server's push. */
  deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  while (g_strcmp0 (xg_profile_get_email (xg_session_get_profile (session)), "cai@new.example.net") != 0
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (xg_profile_get_email (xg_session_get_profile (session)), ==, "cai@new.example.net");
}

static void
test_delete (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = xg_session_new (f->server->address, f->device);
  g_autofree char *name = NULL;
  g_autofree char *db = NULL;
  Outcome o = { 0 };
  guint64 id;

  id = xg_test_register (f->server, "eve@example.com", "Eve", PASSWORD);
  login_through (session, "eve@example.com", PASSWORD);
  name = g_strdup_printf ("%" G_GUINT64_FORMAT ".db", id);
  db = g_build_filename (f->dir, "accounts", name, NULL);
  g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));

  xg_session_delete_account_async (session, PASSWORD, "someone@example.com", NULL, delete_done, &o);
  wait_for (&o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT);
  outcome_clear (&o);
  g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_LOGGED_IN);

  xg_session_delete_account_async (session, PASSWORD, "Eve@example.com", NULL, delete_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  outcome_clear (&o);

  /* Logged out, the local data gone, the login with it. */
  g_assert_cmpuint (xg_session_get_account_id (session), ==, 0);
  g_assert_null (xg_session_get_resume_token (session));
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
  wait_for_state (session, XG_SESSION_DISCONNECTED);
  login_fails (session, "eve@example.com", PASSWORD, XG_SESSION_ERROR_BAD_CREDENTIALS);
}

static void
looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
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
  XgCredentials *credentials;

  xg_saved_login_lookup_async (saved, server, NULL, looked_up, &o);
  wait_for (&o.done);
  /* While the keyring replaces the item, a lookup may find it gone: the
   * callers poll until the new one is there. */
  if (o.error != NULL)
    g_test_message ("Keyring lookup: %s", o.error->message);
  credentials = g_steal_pointer (&o.credentials);
  outcome_clear (&o);
  return credentials;
}

/* A remembered login takes the new token and address: the next start
 * resumes it without the password. */
static void
test_saved_login_follows (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) session = xg_session_new (f->server->address, f->device);
  g_autoptr(XgSavedLogin) saved = NULL;
  g_autofree char *state = g_build_filename (f->dir, "state.ini", NULL);
  g_autoptr(XgCredentials) before = NULL;
  g_autoptr(XgCredentials) after = NULL;
  g_autoptr(XgCredentials) moved = NULL;
  g_autofree char *code = NULL;
  Outcome o = { 0 };
  gint64 deadline;

  if (g_getenv ("XG_TEST_PRIVATE_KEYRING") == NULL)
    {
      g_test_skip ("Runs only inside run-with-keyring.sh, never against a real keyring");
      return;
    }

  xg_test_register (f->server, "fay@example.com", "Fay", PASSWORD);
  login_through (session, "fay@example.com", PASSWORD);
  saved = xg_saved_login_new (state);
  xg_saved_login_remember (saved, session, TRUE);
  deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  while ((before = lookup_saved (saved, f->server->address)) == NULL && g_get_monotonic_time () < deadline)
    ;
  g_assert_nonnull (before);
  g_assert_cmpstr (before->token, ==, xg_session_get_resume_token (session));

  xg_session_change_password_async (session, PASSWORD, NEW_PASSWORD, NULL, change_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  outcome_clear (&o);

  deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  for (;;)
    {
      g_clear_pointer (&after, xg_credentials_free);
      after = lookup_saved (saved, f->server->address);
      if ((after != NULL && g_strcmp0 (after->token, before->token) != 0) || g_get_monotonic_time () > deadline)
        break;
    }
  g_assert_nonnull (after);
  g_assert_cmpstr (after->token, ==, xg_session_get_resume_token (session));

  /* An address change moves the saved login to the new address. */
  xg_session_request_email_change_async (session, "fay@moved.example.com", NEW_PASSWORD, NULL, email_code_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  code = xg_test_server_read_code (f->server, "fay@moved.example.com");
  xg_session_confirm_email_change_async (session, "fay@moved.example.com", code, NULL, email_confirm_done, &o);
  wait_for (&o.done);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_cmpstr (xg_saved_login_get_email (saved), ==, "fay@moved.example.com");
  deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  for (;;)
    {
      g_clear_pointer (&moved, xg_credentials_free);
      moved = lookup_saved (saved, f->server->address);
      if (moved != NULL || g_get_monotonic_time () > deadline)
        break;
    }
  g_assert_nonnull (moved);
  g_assert_cmpstr (moved->email, ==, "fay@moved.example.com");
  g_assert_cmpstr (moved->token, ==, xg_session_get_resume_token (session));

  xg_saved_login_forget (saved);
}

#define TEST(path, func, config) \
  g_test_add (path, Fixture, config, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  TEST ("/core/account/reset", test_reset, NULL);
  TEST ("/core/account/change-password", test_change_password, NULL);
  TEST ("/core/account/change-email", test_change_email, NULL);
  TEST ("/core/account/delete", test_delete, NULL);
  TEST ("/core/account/saved-login-follows", test_saved_login_follows, NULL);

  return g_test_run ();
}
