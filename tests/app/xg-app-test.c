/* xg-app-test.c: a real xinge-server, a second client, and real windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "xg-app-test.h"
#include "xg-login-window.h"
#include "xg-main-window.h"
#include "xg-paths.h"

/* --- The server --------------------------------------------------------------- */

/* A test that fails aborts; its server must not outlive it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static XgAppTestServer *start_server (const char *listen, const char *config);

XgAppTestServer *
xg_app_test_server_start (void)
{
  return xg_app_test_server_start_on ("127.0.0.1:0");
}

XgAppTestServer *
xg_app_test_server_start_on (const char *listen)
{
  return start_server (listen, NULL);
}

XgAppTestServer *
xg_app_test_server_start_with_config (const char *config)
{
  return start_server ("127.0.0.1:0", config);
}

static void spawn_server (XgAppTestServer *server, const char *listen);

static XgAppTestServer *
start_server (const char *listen,
              const char *config)
{
  XgAppTestServer *server = g_new0 (XgAppTestServer, 1);
  g_autoptr(GError) error = NULL;

  server->data_dir = g_dir_make_tmp ("xinge-app-test-XXXXXX", &error);
  g_assert_no_error (error);
  server->outbox = g_build_filename (server->data_dir, "outbox", NULL);
  server->clock_file = g_build_filename (server->data_dir, "test-clock", NULL);
  if (config != NULL)
    {
      g_autofree char *config_path = g_build_filename (server->data_dir, "test.conf", NULL);

      g_assert_true (g_file_set_contents (config_path, config, -1, &error));
      g_assert_no_error (error);
    }
  spawn_server (server, listen);
  return server;
}

/* Runs the server on its data dir (and its test.conf, if it has one). */
static void
spawn_server (XgAppTestServer *server,
              const char      *listen)
{
  g_autofree char *config_path = g_build_filename (server->data_dir, "test.conf", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  const char *binary = g_getenv ("XG_SERVER_BINARY");

  if (binary == NULL)
    g_error ("XG_SERVER_BINARY is not set: run this through meson test");

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "XG_SERVER_TEST_CLOCK", server->clock_file, TRUE);
  if (g_file_test (config_path, G_FILE_TEST_EXISTS))
    {
      server->process = g_subprocess_launcher_spawn (launcher, &error, binary,
                                                     "--data-dir", server->data_dir,
                                                     "--listen", listen,
                                                     "--config", config_path,
                                                     NULL);
    }
  else
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
}

int
xg_app_test_server_terminate (XgAppTestServer *server)
{
  int status;

  g_assert_nonnull (server->process);
  xg_app_test_server_signal (server, SIGTERM);
  g_subprocess_wait (server->process, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (server->process));
  status = g_subprocess_get_exit_status (server->process);
  g_clear_object (&server->process);
  return status;
}

void
xg_app_test_server_restart (XgAppTestServer *server)
{
  g_autofree char *listen = g_steal_pointer (&server->address);

  g_assert_null (server->process);
  g_clear_pointer (&server->fingerprint, g_free);
  spawn_server (server, listen);
  g_assert_cmpstr (server->address, ==, listen);
}

void
xg_app_test_server_advance_clock (XgAppTestServer *server,
                                  gint64           seconds)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (server->process);
  server->clock_offset += seconds;
  text = g_strdup_printf ("%" G_GINT64_FORMAT "\n", server->clock_offset);
  g_assert_true (g_file_set_contents (server->clock_file, text, -1, &error));
  g_assert_no_error (error);
  xg_app_test_server_signal (server, SIGUSR1);
}

/* g_subprocess_send_signal() only queues the kill() for GLib's worker
 * thread: a request sent right after it can reach a server that is not
 * stopped yet. Tests need the signal delivered before they go on. */
void
xg_app_test_server_signal (XgAppTestServer *server,
                           int              signal_number)
{
  const char *pid = g_subprocess_get_identifier (server->process);

  g_assert_nonnull (pid);
  g_assert_cmpint (kill ((pid_t) g_ascii_strtoll (pid, NULL, 10), signal_number), ==, 0);
}

void
xg_app_test_server_kill (XgAppTestServer *server,
                         int              signal_number)
{
  if (server->process == NULL)
    return;
  xg_app_test_server_signal (server, signal_number);
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
  g_free (server->clock_file);
  g_free (server->address);
  g_free (server->fingerprint);
  g_free (server);
}

/* g_ptr_array_sort() hands the comparison pointers to the elements. */
static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
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
  g_ptr_array_sort (names, compare_names);

  /* Names start with the time: the newest is last. */
  for (guint i = names->len; i > 0; i--)
    {
      g_autofree char *path = g_build_filename (server->outbox, names->pdata[i - 1], NULL);
      g_autofree char *text = NULL;
      const char *body;
      gsize len;

      if (!g_file_get_contents (path, &text, NULL, NULL) || strstr (text, to_line) == NULL)
        continue;
      body = strstr (text, "\r\n\r\n");
      g_assert_nonnull (body);
      /* The outbox keeps text as it is (8bit). */
      g_assert_nonnull (strstr (text, "Content-Transfer-Encoding: 8bit\r\n"));
      len = strlen (body + 4);
      return g_strndup (body + 4, len);
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

/* --- Friends between side sessions ---------------------------------------------- */

void
xg_app_test_send_request (XgSession  *session,
                          const char *email,
                          const char *greeting)
{
  XgFriendRequests *requests = xg_session_get_friend_requests (session);
  g_autoptr(GAsyncResult) found = NULL;
  g_autoptr(GAsyncResult) sent = NULL;
  g_autoptr(XgProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (requests);
  xg_friend_requests_find_async (requests, email, NULL, xg_app_test_store_result, &found);
  XG_APP_TEST_WAIT_FOR (found != NULL);
  profile = xg_friend_requests_find_finish (requests, found, &error);
  g_assert_no_error (error);
  xg_friend_requests_send_async (requests, profile, greeting, NULL, xg_app_test_store_result, &sent);
  XG_APP_TEST_WAIT_FOR (sent != NULL);
  xg_friend_requests_send_finish (requests, sent, NULL, &error);
  g_assert_no_error (error);
}

void
xg_app_test_accept_request (XgSession *session,
                            guint64    peer_id)
{
  XgFriendRequests *requests = xg_session_get_friend_requests (session);
  g_autoptr(GAsyncResult) accepted = NULL;
  g_autoptr(GError) error = NULL;
  XgFriendRequest *request;

  XG_APP_TEST_WAIT_FOR ((request = xg_friend_requests_lookup (requests, FALSE, peer_id)) != NULL);
  xg_friend_requests_accept_async (requests, request, NULL, xg_app_test_store_result, &accepted);
  XG_APP_TEST_WAIT_FOR (accepted != NULL);
  xg_friend_requests_accept_finish (requests, accepted, &error);
  g_assert_no_error (error);
}

void
xg_app_test_befriend (XgSession  *asker,
                      XgSession  *answerer,
                      const char *answerer_email,
                      const char *greeting)
{
  guint64 asker_id = xg_session_get_account_id (asker);
  guint64 answerer_id = xg_session_get_account_id (answerer);

  xg_app_test_send_request (asker, answerer_email, greeting);
  xg_app_test_accept_request (answerer, asker_id);
  XG_APP_TEST_WAIT_FOR (xg_contacts_lookup (xg_session_get_contacts (asker), answerer_id) != NULL);
  XG_APP_TEST_WAIT_FOR (xg_contacts_lookup (xg_session_get_contacts (answerer), asker_id) != NULL);
}

void
xg_app_test_set_remark (XgSession  *session,
                        guint64     friend_id,
                        const char *remark)
{
  XgContacts *contacts = xg_session_get_contacts (session);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  XgContact *contact;

  XG_APP_TEST_WAIT_FOR ((contact = xg_contacts_lookup (contacts, friend_id)) != NULL);
  xg_contacts_set_remark_async (contacts, contact, remark, NULL, xg_app_test_store_result, &result);
  XG_APP_TEST_WAIT_FOR (result != NULL);
  xg_contacts_set_remark_finish (contacts, result, &error);
  g_assert_no_error (error);
}

void
xg_app_test_round_trip (XgSession *session)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(XgProfile) profile = NULL;
  g_autoptr(GError) error = NULL;

  /* The server reads its own account through the store, behind every
   * operation queued before, and answers after the pushes those made. */
  xg_session_user_info_async (session, xg_session_get_account_id (session), NULL,
                              xg_app_test_store_result, &result);
  XG_APP_TEST_WAIT_FOR (result != NULL);
  profile = xg_session_user_info_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (profile);
}

void
xg_app_test_flush (XgSession *session)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  xg_session_flush_async (session, NULL, xg_app_test_store_result, &result);
  XG_APP_TEST_WAIT_FOR (result != NULL);
  g_assert_true (xg_session_flush_finish (session, result, &error));
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
  gboolean shows = gtk_widget_get_visible (GTK_WIDGET (label))
                   && strstr (gtk_label_get_text (label), text) != NULL;

  /* When a check fails, the log says what was there instead. */
  if (!shows)
    g_test_message ("label %s shows “%s”, not “%s”",
                    gtk_widget_get_visible (GTK_WIDGET (label)) ? "visibly" : "hidden,",
                    gtk_label_get_text (label), text);
  return shows;
}

/* --- Pictures --------------------------------------------------------------------- */

char *
xg_app_test_write_picture (int      width,
                           int      height,
                           gboolean noise)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, width, height);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("xinge-picture-%08x.png", g_random_int ());
  char *path = g_build_filename (g_get_tmp_dir (), name, NULL);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guchar *p = pixels + y * stride + x * 4;
        p[0] = noise ? (guchar) g_random_int () : (guchar) (x * 255 / width);
        p[1] = noise ? (guchar) g_random_int () : (guchar) (y * 255 / height);
        p[2] = noise ? (guchar) g_random_int () : 160;
        p[3] = noise ? (guchar) g_random_int () : 255;
      }
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
  return path;
}

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

/* --- Finding widgets --------------------------------------------------------------- */

static const char *
text_of (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_text (GTK_LABEL (widget));
  if (GTK_IS_BUTTON (widget))
    return gtk_button_get_label (GTK_BUTTON (widget));
  if (ADW_IS_PREFERENCES_ROW (widget))
    return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
  return NULL;
}

gpointer
xg_app_test_find_widget (gpointer    root,
                         GType       type,
                         const char *text)
{
  GtkWidget *widget = root;

  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    {
      const char *shown = text_of (widget);

      if (text == NULL || (shown != NULL && strstr (shown, text) != NULL))
        return widget;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gpointer found = xg_app_test_find_widget (child, type, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
find_all (GtkWidget *widget,
          GType      type,
          GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    find_all (child, type, found);
}

GPtrArray *
xg_app_test_find_all (gpointer root,
                      GType    type)
{
  GPtrArray *found = g_ptr_array_new ();

  find_all (root, type, found);
  return found;
}

GtkWindow *
xg_app_test_find_window (GType      type,
                         GtkWindow *parent)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      /* GTK's list of toplevels keeps it alive. */
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type)
          && (parent == NULL || gtk_window_get_transient_for (window) == parent))
        return window;
    }
  return NULL;
}

gboolean
xg_app_test_toast_shows (AdwToastOverlay *overlay,
                         const char      *text)
{
  GtkWidget *main_child = adw_toast_overlay_get_child (overlay);

  /* The toasts are the overlay's children besides its own child. */
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (overlay)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (child != main_child && xg_app_test_find_widget (child, GTK_TYPE_LABEL, text) != NULL)
      return TRUE;
  return FALSE;
}

/* --- A notification server ---------------------------------------------------------- */

struct _XgAppTestNotifications
{
  GDBusConnection *connection;
  guint            registration_id;
  guint            owner_id;
  gboolean         owned;
  GPtrArray       *sent;      /* XgAppTestNotification */
};

static const char notifications_xml[] =
  "<node>"
  "  <interface name='org.gtk.Notifications'>"
  "    <method name='AddNotification'>"
  "      <arg type='s' name='app_id' direction='in'/>"
  "      <arg type='s' name='id' direction='in'/>"
  "      <arg type='a{sv}' name='notification' direction='in'/>"
  "    </method>"
  "    <method name='RemoveNotification'>"
  "      <arg type='s' name='app_id' direction='in'/>"
  "      <arg type='s' name='id' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
notification_free (XgAppTestNotification *notification)
{
  g_free (notification->app_id);
  g_free (notification->id);
  g_free (notification->title);
  g_free (notification->body);
  g_free (notification->default_action);
  g_free (notification);
}

static void
on_notifications_call (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *object_path,
                       const char            *interface_name,
                       const char            *method_name,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  XgAppTestNotifications *self = user_data;
  const char *app_id, *id;

  if (g_str_equal (method_name, "AddNotification"))
    {
      g_autoptr(GVariant) fields = NULL;
      XgAppTestNotification *notification = g_new0 (XgAppTestNotification, 1);

      g_variant_get (parameters, "(&s&s@a{sv})", &app_id, &id, &fields);
      notification->app_id = g_strdup (app_id);
      notification->id = g_strdup (id);
      g_variant_lookup (fields, "title", "s", &notification->title);
      g_variant_lookup (fields, "body", "s", &notification->body);
      g_variant_lookup (fields, "default-action", "s", &notification->default_action);
      g_test_message ("notification %s/%s: %s: %s", app_id, id, notification->title,
                      notification->body ? notification->body : "");
      g_ptr_array_add (self->sent, notification);
    }
  else if (g_str_equal (method_name, "RemoveNotification"))
    {
      g_variant_get (parameters, "(&s&s)", &app_id, &id);
      for (guint i = 0; i < self->sent->len; i++)
        {
          XgAppTestNotification *notification = self->sent->pdata[i];

          if (g_str_equal (notification->app_id, app_id) && g_str_equal (notification->id, id))
            notification->withdrawn = TRUE;
        }
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
on_notifications_name_acquired (GDBusConnection *connection,
                                const char      *name,
                                gpointer         user_data)
{
  ((XgAppTestNotifications *) user_data)->owned = TRUE;
}

XgAppTestNotifications *
xg_app_test_notifications_start (void)
{
  static const GDBusInterfaceVTable vtable = { .method_call = on_notifications_call };
  XgAppTestNotifications *self = g_new0 (XgAppTestNotifications, 1);
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (address);
  /* A connection of its own: the app's calls go out over the bus. */
  self->connection = g_dbus_connection_new_for_address_sync (address,
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);
  self->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) notification_free);
  self->registration_id = g_dbus_connection_register_object (self->connection, "/org/gtk/Notifications",
                                                             info->interfaces[0], &vtable, self, NULL, &error);
  g_assert_no_error (error);
  self->owner_id = g_bus_own_name_on_connection (self->connection, "org.gtk.Notifications",
                                                 G_BUS_NAME_OWNER_FLAGS_NONE,
                                                 on_notifications_name_acquired, NULL, self, NULL);
  XG_APP_TEST_WAIT_FOR (self->owned);
  return self;
}

void
xg_app_test_notifications_free (XgAppTestNotifications *self)
{
  if (self == NULL)
    return;
  g_bus_unown_name (self->owner_id);
  g_dbus_connection_unregister_object (self->connection, self->registration_id);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  g_ptr_array_unref (self->sent);
  g_free (self);
}

XgAppTestNotification *
xg_app_test_notifications_find (XgAppTestNotifications *self,
                                const char             *app_id,
                                const char             *id)
{
  for (guint i = self->sent->len; i > 0; i--)
    {
      XgAppTestNotification *notification = self->sent->pdata[i - 1];

      if (g_str_equal (notification->app_id, app_id) && g_str_equal (notification->id, id))
        return notification;
    }
  return NULL;
}

guint
xg_app_test_notifications_count (XgAppTestNotifications *self,
                                 const char             *app_id)
{
  guint n = 0;

  for (guint i = 0; i < self->sent->len; i++)
    if (g_str_equal (((XgAppTestNotification *) self->sent->pdata[i])->app_id, app_id))
      n++;
  return n;
}

/* --- Accessibility ------------------------------------------------------------------- */

int
xg_app_test_run_accessible_check (const char  *script,
                                  char       **report)
{
  g_autoptr(GSubprocess) checker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  /* Let the tree settle, then walk it from outside while the loop runs. */
  xg_app_test_settle (300);
  checker = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              "/usr/bin/python3", script, pid, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (checker, NULL, NULL, xg_app_test_store_result, &result);
  XG_APP_TEST_WAIT_FOR (result != NULL);
  g_subprocess_communicate_utf8_finish (checker, result, &out, &err, &error);
  g_assert_no_error (error);
  *report = g_strconcat (out ? out : "", err ? err : "", NULL);
  return g_subprocess_get_exit_status (checker);
}

void
xg_app_test_check_accessible (const char *what)
{
  const char *script = g_getenv ("XG_CHECK_ACCESSIBLE");
  g_autofree char *report = NULL;
  int status;

  if (script == NULL)
    {
      g_test_skip ("XG_CHECK_ACCESSIBLE is not set (run the test through meson test): "
                   "the accessibility is not checked");
      return;
    }
  status = xg_app_test_run_accessible_check (script, &report);
  g_test_message ("accessibility of %s:\n%s", what, report);
  /* 77: the checker cannot run here (no Atspi). Not a pass: a skip. */
  if (status == 77)
    {
      g_autofree char *reason = g_strdup_printf ("the accessibility of %s is not checked: %s",
                                                 what, report[0] ? g_strstrip (report) : "no reason given");

      g_test_skip (reason);
      return;
    }
  if (status != 0)
    g_error ("accessibility of %s:\n%s", what, report);
}

/* --- Logged-in apps ------------------------------------------------------ */

gboolean
xg_app_test_main_window_shown (XgApplication *app)
{
  GtkWindow *window = xg_application_get_main_window (app);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window))
         && xg_application_get_login_window (app) == NULL;
}

XgSession *
xg_app_test_session_of (XgApplication *app)
{
  return xg_main_window_get_session (XG_MAIN_WINDOW (xg_application_get_main_window (app)));
}

XgApplication *
xg_app_test_start_logged_in (const char      *profile,
                             XgAppTestServer *server,
                             const char      *email,
                             const char      *password)
{
  XgApplication *app = xg_app_test_start_app (profile, server);
  GtkWindow *login = xg_application_get_login_window (app);

  xg_app_test_set_text (xg_app_test_child (login, XG_TYPE_LOGIN_WINDOW, "email_row"), email);
  xg_app_test_set_text (xg_app_test_child (login, XG_TYPE_LOGIN_WINDOW, "password_row"), password);
  xg_app_test_click (xg_app_test_child (login, XG_TYPE_LOGIN_WINDOW, "login_button"));
  XG_APP_TEST_WAIT_FOR (xg_app_test_main_window_shown (app));
  XG_APP_TEST_WAIT_FOR (xg_session_get_synced (xg_app_test_session_of (app)));
  return app;
}

const char *
xg_app_test_app_id (XgApplication *app)
{
  return g_application_get_application_id (G_APPLICATION (app));
}

void
xg_app_test_make_active (XgApplication *app)
{
  GtkWindow *window = xg_application_get_main_window (app);

  gtk_window_present (window);
  XG_APP_TEST_WAIT_FOR (gtk_window_is_active (window));
}
