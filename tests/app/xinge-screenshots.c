/* xinge-screenshots.c: every window of the app, rendered into PNG files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: xinge-screenshots OUTDIR SUFFIX
 *   writes OUTDIR/<window>-SUFFIX.png for login, login-error, registration,
 *   main, profile, preferences, shortcuts, about, forced-logout,
 *   reconnecting, reconnecting-dark and identity-changed. Run it under tests/app/run-under-xvfb.sh with
 *   XG_SERVER_BINARY and GSETTINGS_SCHEMA_DIR set, and LANGUAGE for the
 *   language (tools/screenshots.sh does all of that). XG_LOCALEDIR says
 *   where the compiled translations are, if not installed.
 *
 * Everything on the pictures is real: a real server, real accounts, the
 * real windows, driven the way a person would drive them. Each window is
 * rendered by GTK itself (GtkWidgetPaintable → GskRenderer → PNG), so no
 * window manager or X11 grab is involved.
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>

#include <glib/gi18n.h>

#include "xg-app-test.h"
#include "xg-login-window.h"
#include "xg-main-window.h"
#include "xg-preferences-window.h"
#include "xg-profile-window.h"

#define PASSWORD "correct horse battery"

static const char *outdir;
static const char *suffix;

static void
shoot (gpointer    window,
       const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s-%s.png", name, suffix);
  g_autofree char *path = g_build_filename (outdir, file, NULL);

  xg_app_test_save_png (GTK_WIDGET (window), path);

  /* XG_SCREENSHOTS_HOLD_MS: time for an accessibility check to walk the
   * window from outside (pyatspi) while it is shown. */
  if (g_getenv ("XG_SCREENSHOTS_HOLD_MS") != NULL)
    xg_app_test_settle (g_ascii_strtoull (g_getenv ("XG_SCREENSHOTS_HOLD_MS"), NULL, 10));
}

#define LOGIN(app, name) \
  xg_app_test_child (xg_application_get_login_window (app), XG_TYPE_LOGIN_WINDOW, name)

static GtkWindow *
find_about_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      /* GTK's list of toplevels keeps it alive. */
      if (ADW_IS_ABOUT_WINDOW (window))
        return window;
    }
  return NULL;
}

/* The default address looks best on the pictures, if it is free. */
static const char *
pick_listen_address (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 7447);

  if (socket != NULL && g_socket_bind (socket, address, TRUE, NULL))
    {
      g_socket_close (socket, NULL);
      return "127.0.0.1:7447";
    }
  return "127.0.0.1:0";
}

static gboolean
is_chinese (void)
{
  const char *language = g_getenv ("LANGUAGE");

  return language != NULL && g_str_has_prefix (language, "zh");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(XgAppTestServer) server = NULL;
  g_autoptr(XgSession) other = NULL;
  g_autofree char *first_email = NULL;
  g_autofree char *new_email = NULL;
  g_autofree char *code = NULL;
  g_autofree char *listen = NULL;
  const char *localedir = g_getenv ("XG_LOCALEDIR");
  XgApplication *app;
  GtkWindow *main_window;
  GtkWindow *window;
  XgSession *session;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* As main.c does: the name the desktop and AT-SPI know the app by. */
  g_set_application_name (_("Xinge"));

  if (argc != 3)
    {
      g_printerr ("Usage: %s OUTDIR SUFFIX\n", argv[0]);
      return 2;
    }
  outdir = argv[1];
  suffix = argv[2];
  g_mkdir_with_parents (outdir, 0755);

  server = xg_app_test_server_start_on (pick_listen_address ());
  first_email = g_strdup ("li.lei@example.com");
  new_email = g_strdup ("han.meimei@example.com");
  xg_app_test_register (server, first_email, is_chinese () ? "李雷" : "Li Lei", PASSWORD);

  app = xg_app_test_start_app ("screenshots", server);
  gtk_window_set_default_size (xg_application_get_login_window (app), 460, 680);
  /* As a new user has it: on (tools/screenshots.sh provides a keyring). */
  gtk_switch_set_active (LOGIN (app, "remember_switch"), TRUE);

  /* The login form, filled in. */
  xg_app_test_set_text (LOGIN (app, "email_row"), first_email);
  xg_app_test_set_text (LOGIN (app, "password_row"), PASSWORD);
  shoot (xg_application_get_login_window (app), "login");

  /* A wrong password. */
  xg_app_test_set_text (LOGIN (app, "password_row"), "wrong password");
  xg_app_test_click (LOGIN (app, "login_button"));
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (LOGIN (app, "error_label")));
  shoot (xg_application_get_login_window (app), "login-error");

  /* Registration: the code is on its way, everything filled in. */
  xg_app_test_click (LOGIN (app, "create_account_button"));
  xg_app_test_set_text (LOGIN (app, "reg_email_row"), new_email);
  xg_app_test_click (LOGIN (app, "send_code_button"));
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (LOGIN (app, "reg_email_note")));
  code = xg_app_test_server_read_code (server, new_email);
  xg_app_test_set_text (LOGIN (app, "nickname_row"), is_chinese () ? "韩梅梅" : "Han Meimei");
  xg_app_test_set_text (LOGIN (app, "reg_password_row"), PASSWORD);
  xg_app_test_set_text (LOGIN (app, "reg_confirm_row"), PASSWORD);
  xg_app_test_set_text (LOGIN (app, "code_row"), code);
  shoot (xg_application_get_login_window (app), "registration");

  /* Register, which logs in by itself: the main window. */
  xg_app_test_click (LOGIN (app, "register_button"));
  XG_APP_TEST_WAIT_FOR (xg_application_get_main_window (app) != NULL
                        && xg_application_get_login_window (app) == NULL);
  main_window = xg_application_get_main_window (app);
  session = xg_main_window_get_session (XG_MAIN_WINDOW (main_window));
  XG_APP_TEST_WAIT_FOR (xg_session_get_profile (session) != NULL);
  shoot (main_window, "main");

  /* The profile, edited and saved. */
  window = xg_main_window_show_profile (XG_MAIN_WINDOW (main_window));
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "signature_row"),
                        is_chinese () ? "天天向上" : "Carrier pigeons never get lost");
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "region_row"),
                        is_chinese () ? "北京" : "Beijing");
  adw_combo_row_set_selected (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "gender_row"), 1);
  {
    g_autoptr(GDateTime) birthday = g_date_time_new_local (1998, 5, 20, 0, 0, 0);
    gtk_calendar_select_day (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "birthday_calendar"), birthday);
  }
  gtk_window_set_default_size (window, 560, 1000);
  xg_app_test_click (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "save_button"));
  XG_APP_TEST_WAIT_FOR (xg_profile_window_dup_changes (XG_PROFILE_WINDOW (window)) == NULL
                        && !gtk_widget_get_visible (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "save_spinner")));
  /* Let the "saved" toast go before the picture. */
  xg_app_test_settle (6500);
  shoot (window, "profile");
  gtk_window_destroy (window);

  /* Preferences and shortcuts. */
  window = GTK_WINDOW (xg_preferences_window_new (xg_application_get_settings (app)));
  gtk_window_set_transient_for (window, main_window);
  gtk_window_present (window);
  shoot (window, "preferences");
  gtk_window_destroy (window);

  window = GTK_WINDOW (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (main_window)));
  g_assert_nonnull (window);
  gtk_window_present (window);
  shoot (window, "shortcuts");
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);

  /* About, as the menu opens it. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  window = NULL;
  XG_APP_TEST_WAIT_FOR ((window = find_about_window ()) != NULL);
  shoot (window, "about");
  gtk_window_destroy (window);

  /* Logged in elsewhere: back to the login window, with the reason. */
  other = xg_app_test_session_new (server);
  xg_app_test_login (other, new_email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (xg_application_get_alert_dialog (app) != NULL
                        && xg_application_get_login_window (app) != NULL);
  shoot (xg_application_get_alert_dialog (app), "forced-logout");
  gtk_window_destroy (xg_application_get_alert_dialog (app));
  xg_session_disconnect (other);

  /* Logged in again, the server goes away: the banner. */
  xg_app_test_set_text (LOGIN (app, "password_row"), PASSWORD);
  xg_app_test_click (LOGIN (app, "login_button"));
  XG_APP_TEST_WAIT_FOR (xg_application_get_main_window (app) != NULL
                        && xg_application_get_login_window (app) == NULL);
  main_window = xg_application_get_main_window (app);
  session = xg_main_window_get_session (XG_MAIN_WINDOW (main_window));
  XG_APP_TEST_WAIT_FOR (xg_session_get_profile (session) != NULL);
  listen = g_strdup (server->address);
  xg_app_test_server_kill (server, SIGKILL);
  XG_APP_TEST_WAIT_FOR (xg_session_get_reconnecting (session));
  shoot (main_window, "reconnecting");
  /* The same in the dark style, which the app follows from the system. */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  shoot (main_window, "reconnecting-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* A new server on the same address has another certificate: the
   * reconnect meets a changed identity. */
  {
    /* Listens for as long as the block runs. */
    G_GNUC_UNUSED g_autoptr(XgAppTestServer) impostor = xg_app_test_server_start_on (listen);

    XG_APP_TEST_WAIT_FOR (xg_application_get_alert_dialog (app) != NULL);
    shoot (xg_application_get_alert_dialog (app), "identity-changed");
  }

  xg_app_test_stop_app (app);
  return 0;
}
