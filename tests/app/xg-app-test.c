/* xg-app-test.c: a real xinge-server, a second client, and real windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>

#include "xg-app-test.h"
#include "xg-paths.h"

/* --- The server --------------------------------------------------------------- */

/* A test that fails aborts; its server must not outlive it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

XgAppTestServer *
xg_app_test_server_start (void)
{
  return xg_app_test_server_start_on ("127.0.0.1:0");
}

XgAppTestServer *
xg_app_test_server_start_on (const char *listen)
{
  XgAppTestServer *server = g_new0 (XgAppTestServer, 1);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  const char *binary = g_getenv ("XG_SERVER_BINARY");

  if (binary == NULL)
    g_error ("XG_SERVER_BINARY is not set: run this through meson test");

  server->data_dir = g_dir_make_tmp ("xinge-app-test-XXXXXX", &error);
  g_assert_no_error (error);
  server->outbox = g_build_filename (server->data_dir, "outbox", NULL);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawn (launcher, &error, binary,
                                                 "--data-dir", server->data_dir,
                                                 "--listen", listen,
                                                 NULL);
  g_assert_no_error (error);

  /* "certificate sha256: …" comes before "listening: tls://HOST:PORT". */
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("xinge-server exited before it listened (see its stderr)");
      if (g_str_has_prefix (line, "certificate sha256: "))
        server->fingerprint = g_strdup (line + strlen ("certificate sha256: "));
      else if (g_str_has_prefix (line, "listening: "))
        {
          const char *address = strstr (line, "://");
          g_assert_nonnull (address);
          server->address = g_strdup (address + 3);
          break;
        }
    }
  return server;
}

void
xg_app_test_server_kill (XgAppTestServer *server,
                         int              signal_number)
{
  if (server->process == NULL)
    return;
  g_subprocess_send_signal (server->process, signal_number);
  g_subprocess_wait (server->process, NULL, NULL);
  g_clear_object (&server->process);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

void
xg_app_test_server_free (XgAppTestServer *server)
{
  if (server == NULL)
    return;
  xg_app_test_server_kill (server, SIGKILL);
  remove_tree (server->data_dir);
  g_free (server->data_dir);
  g_free (server->outbox);
  g_free (server->address);
  g_free (server->fingerprint);
  g_free (server);
}

/* The decoded body of the newest outbox mail to @email, or NULL. */
static char *
last_mail (XgAppTestServer *server,
           const char      *email)
{
  g_autoptr(GDir) dir = g_dir_open (server->outbox, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *to_line = g_strdup_printf ("To: %s\r\n", email);
  const char *name;

  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".eml"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);

  /* Names start with the time: the newest is last. */
  for (guint i = names->len; i > 0; i--)
    {
      g_autofree char *path = g_build_filename (server->outbox, names->pdata[i - 1], NULL);
      g_autofree char *text = NULL;
      g_autofree guchar *decoded = NULL;
      const char *body;
      gsize len;

      if (!g_file_get_contents (path, &text, NULL, NULL) || strstr (text, to_line) == NULL)
        continue;
      body = strstr (text, "\r\n\r\n");
      g_assert_nonnull (body);
      g_assert_nonnull (strstr (text, "Content-Transfer-Encoding: base64"));
      decoded = g_base64_decode (body + 4, &len);
      return g_strndup ((const char *) decoded, len);
    }
  return NULL;
}

char *
xg_app_test_server_read_code (XgAppTestServer *server,
                              const char      *email)
{
  g_autoptr(GRegex) regex = g_regex_new ("\\b([0-9]{6})\\b", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *text = NULL;

  XG_APP_TEST_WAIT_FOR ((g_free (text), text = last_mail (server, email)) != NULL);
  g_assert_true (g_regex_match (regex, text, 0, &match));
  return g_match_info_fetch (match, 1);
}

/* --- Waiting ---------------------------------------------------------------------- */

gboolean
xg_app_test_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
xg_app_test_wait (gboolean  (*condition) (gpointer data),
                  gpointer    data,
                  const char *what)
{
  gint64 deadline = g_get_monotonic_time () + XG_APP_TEST_TIMEOUT_S * G_USEC_PER_SEC;
  guint tick = g_timeout_add (20, xg_app_test_tick, NULL);

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

static gboolean
set_true (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
xg_app_test_settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_true, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

char *
xg_app_test_email (const char *prefix)
{
  return g_strdup_printf ("%s-%08x@example.com", prefix, g_random_int ());
}

/* --- A second client ------------------------------------------------------------ */

XgSession *
xg_app_test_session_new (XgAppTestServer *server)
{
  static guint counter;
  g_autofree char *profile = g_strdup_printf ("side-client-%u", ++counter);
  g_autofree char *path = xg_paths_device_db (profile);
  g_autoptr(XgDeviceDb) device = xg_device_db_new (path);

  return xg_session_new (server->address, device);
}

void
xg_app_test_store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

guint64
xg_app_test_register (XgAppTestServer *server,
                      const char      *email,
                      const char      *nickname,
                      const char      *password)
{
  g_autoptr(XgSession) session = xg_app_test_session_new (server);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) registered = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  guint resend_after = 0, expires_in = 0, attempts_left = 0;
  guint64 account_id;

  xg_session_request_code_async (session, email, NULL, xg_app_test_store_result, &result);
  XG_APP_TEST_WAIT_FOR (result != NULL);
  xg_session_request_code_finish (session, result, &resend_after, &expires_in, &error);
  g_assert_no_error (error);

  code = xg_app_test_server_read_code (server, email);
  xg_session_register_async (session, email, nickname, password, code, NULL, xg_app_test_store_result, &registered);
  XG_APP_TEST_WAIT_FOR (registered != NULL);
  account_id = xg_session_register_finish (session, registered, &attempts_left, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (account_id, >=, 10000);
  xg_session_disconnect (session);
  return account_id;
}

void
xg_app_test_login (XgSession  *session,
                   const char *email,
                   const char *password)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  xg_session_login_async (session, email, password, NULL, xg_app_test_store_result, &result);
  XG_APP_TEST_WAIT_FOR (result != NULL);
  xg_session_login_finish (session, result, NULL, &error);
  g_assert_no_error (error);
}

/* --- The app -------------------------------------------------------------------- */

XgApplication *
xg_app_test_start_app (const char      *profile,
                       XgAppTestServer *server)
{
  XgApplication *app = xg_application_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (xg_application_set_profile (app, profile, &error));
  g_assert_no_error (error);
  xg_application_set_server (app, server->address);
  g_settings_set_boolean (xg_application_get_settings (app), "remember-me", FALSE);

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (app)));
  g_application_activate (G_APPLICATION (app));

  XG_APP_TEST_WAIT_FOR (xg_application_get_login_window (app) != NULL
                        && gtk_widget_get_mapped (GTK_WIDGET (xg_application_get_login_window (app))));
  return app;
}

/* GtkApplication keeps a reference to itself once registered, so the app
 * stays on the bus until the process exits: a test that needs a second
 * start of the same profile runs each start in a subprocess. */
void
xg_app_test_stop_app (XgApplication *app)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (windows->data);
  xg_app_test_settle (50);
  g_application_quit (G_APPLICATION (app));
  g_object_unref (app);
}

gpointer
xg_app_test_child (gpointer    window,
                   GType       window_type,
                   const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (window), window_type, name);

  if (child == NULL)
    g_error ("%s has no template child “%s”", g_type_name (window_type), name);
  return child;
}

void
xg_app_test_set_text (gpointer    editable,
                      const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (editable), text);
}

void
xg_app_test_click (gpointer button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (button)));
  g_signal_emit_by_name (button, "clicked");
}

gboolean
xg_app_test_label_shows (GtkLabel   *label,
                         const char *text)
{
  return gtk_widget_get_visible (GTK_WIDGET (label))
         && strstr (gtk_label_get_text (label), text) != NULL;
}

/* --- Pictures --------------------------------------------------------------------- */

void
xg_app_test_save_png (GtkWidget  *window,
                      const char *path)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width, height;

  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (window) && gtk_widget_get_width (window) > 0);
  /* Let transitions, spinners and the first frames settle. */
  xg_app_test_settle (700);

  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    g_error ("could not write %s", path);
  g_print ("wrote %s (%d×%d)\n", path, width, height);
}
