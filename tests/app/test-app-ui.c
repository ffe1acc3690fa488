/* test-app-ui.c: the real windows under Xvfb against a real xinge-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test starts its own server and its own app (one app profile per
 * test, so each has its own application id and device cache), types into
 * the real widgets, clicks the real buttons and spins the main loop until
 * the windows show what a person would see.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>

#include "xg-app-test.h"
#include "xg-keyring.h"
#include "xg-login-window.h"
#include "xg-main-window.h"
#include "xg-paths.h"
#include "xg-preferences-window.h"
#include "xg-profile-window.h"
#include "xg-proto-limits.h"

#define PASSWORD "correct horse battery"

typedef struct {
  XgAppTestServer *server;
  XgApplication   *app;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = xg_app_test_server_start ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->app != NULL)
    xg_app_test_stop_app (fixture->app);
  xg_app_test_server_free (fixture->server);
}

#define LOGIN_CHILD(app, name) \
  xg_app_test_child (xg_application_get_login_window (app), XG_TYPE_LOGIN_WINDOW, name)

static gboolean
main_window_shown (XgApplication *app)
{
  GtkWindow *window = xg_application_get_main_window (app);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window))
         && xg_application_get_login_window (app) == NULL;
}

static void
log_in_through_ui (XgApplication *app,
                   const char    *email,
                   const char    *password)
{
  GtkLabel *error_label = LOGIN_CHILD (app, "error_label");

  xg_app_test_set_text (LOGIN_CHILD (app, "email_row"), email);
  xg_app_test_set_text (LOGIN_CHILD (app, "password_row"), password);
  xg_app_test_click (LOGIN_CHILD (app, "login_button"));

  /* While connecting: the button is busy with its spinner. */
  g_assert_true (gtk_widget_get_visible (LOGIN_CHILD (app, "login_spinner")));
  g_assert_false (gtk_widget_get_sensitive (LOGIN_CHILD (app, "login_button")));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error_label)));
}

/* 1. Log in with an account registered by a second client: the main
 * window replaces the login window and shows the nickname. */
static void
test_login_success (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *email = xg_app_test_email ("login");
  XgMainWindow *main_window;
  GtkLabel *nickname;
  g_autoptr(XgSession) session = NULL;
  GSettings *settings;
  guint64 account_id;
  int width, height;

  account_id = xg_app_test_register (fixture->server, email, "Li Lei", PASSWORD);
  fixture->app = xg_app_test_start_app ("test-login", fixture->server);
  settings = xg_application_get_settings (fixture->app);
  g_settings_set_int (settings, "window-width", 1000);
  g_settings_set_int (settings, "window-height", 700);

  /* The window opens with the email field focused. */
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (xg_application_get_login_window (fixture->app))));
  g_test_message ("focus: %s", G_OBJECT_TYPE_NAME (gtk_root_get_focus (GTK_ROOT (xg_application_get_login_window (fixture->app)))));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (xg_application_get_login_window (fixture->app))),
                                         LOGIN_CHILD (fixture->app, "email_row")));

  log_in_through_ui (fixture->app, email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (main_window_shown (fixture->app));

  main_window = XG_MAIN_WINDOW (xg_application_get_main_window (fixture->app));
  session = g_object_ref (xg_main_window_get_session (main_window));
  /* The size it had last time. */
  gtk_window_get_default_size (GTK_WINDOW (main_window), &width, &height);
  g_assert_cmpint (width, ==, 1000);
  g_assert_cmpint (height, ==, 700);
  g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_LOGGED_IN);
  g_assert_cmpuint (xg_session_get_account_id (session), ==, account_id);

  /* The header follows the profile the server pushes after LOGIN_OK. */
  nickname = xg_app_test_child (main_window, XG_TYPE_MAIN_WINDOW, "nickname_label");
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (gtk_label_get_text (nickname), "Li Lei") == 0);
  g_assert_cmpstr (adw_avatar_get_text (xg_app_test_child (main_window, XG_TYPE_MAIN_WINDOW, "avatar")),
                   ==, "Li Lei");
  g_assert_false (gtk_revealer_get_reveal_child (xg_app_test_child (main_window, XG_TYPE_MAIN_WINDOW,
                                                                    "banner_revealer")));
  /* Nor is the banner there for a screen reader. */
  gtk_test_accessible_assert_state (gtk_revealer_get_child (xg_app_test_child (main_window, XG_TYPE_MAIN_WINDOW,
                                                                               "banner_revealer")),
                                    GTK_ACCESSIBLE_STATE_HIDDEN, TRUE);
  /* The window says whose it is. */
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (main_window)), ==, "Li Lei — Xinge");

  /* Log out: back to the login window; the window's size is kept. */
  gtk_window_set_default_size (GTK_WINDOW (main_window), 950, 650);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (main_window), "app.logout", NULL));
  XG_APP_TEST_WAIT_FOR (xg_application_get_main_window (fixture->app) == NULL
                        && xg_application_get_login_window (fixture->app) != NULL);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 950);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 650);
  /* The address stays for the next login; the password does not. */
  g_assert_cmpstr (gtk_editable_get_text (LOGIN_CHILD (fixture->app, "email_row")), ==, email);
  g_assert_cmpstr (gtk_editable_get_text (LOGIN_CHILD (fixture->app, "password_row")), ==, "");
  /* The server ended the session: its token is revoked. */
  XG_APP_TEST_WAIT_FOR (xg_session_get_state (session) != XG_SESSION_LOGGED_IN);
}

static GVariant *
change_of (XgProfileWindow *window,
           const char      *key)
{
  g_autoptr(GVariant) changes = xg_profile_window_dup_changes (window);

  return changes != NULL ? g_variant_lookup_value (changes, key, NULL) : NULL;
}

static void
save_profile (XgProfileWindow *window)
{
  GtkWidget *save = xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "save_button");

  xg_app_test_click (save);
  XG_APP_TEST_WAIT_FOR (xg_profile_window_dup_changes (window) == NULL
                        && !gtk_widget_get_visible (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "save_spinner")));
  g_assert_false (gtk_widget_get_sensitive (save));
  g_assert_false (gtk_widget_get_visible (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "profile_error")));
}

/* 1b. The profile window: every field, the avatar scaled and refused,
 * only the changes sent, and the server's echo shown. */
static void
test_profile (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *email = xg_app_test_email ("profile");
  g_autofree char *big = xg_app_test_write_picture (1024, 512, FALSE);
  g_autofree char *noise = xg_app_test_write_picture (256, 256, TRUE);
  g_autofree char *not_a_picture = g_build_filename (g_get_tmp_dir (), "xinge-not-a-picture.png", NULL);
  g_autofree char *expected_id = NULL;
  g_autofree char *shown_fingerprint = NULL;
  g_autoptr(GFile) big_file = g_file_new_for_path (big);
  g_autoptr(GFile) noise_file = g_file_new_for_path (noise);
  g_autoptr(GFile) text_file = g_file_new_for_path (not_a_picture);
  g_autoptr(GVariant) avatar = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GVariant) changes = NULL;
  XgMainWindow *main_window;
  XgProfileWindow *window;
  XgSession *session;
  XgProfile *profile;
  GtkLabel *avatar_error, *profile_error;
  guint64 account_id;

  account_id = xg_app_test_register (fixture->server, email, "Zhao Liu", PASSWORD);
  fixture->app = xg_app_test_start_app ("test-profile", fixture->server);
  log_in_through_ui (fixture->app, email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (main_window_shown (fixture->app));
  main_window = XG_MAIN_WINDOW (xg_application_get_main_window (fixture->app));
  session = xg_main_window_get_session (main_window);
  XG_APP_TEST_WAIT_FOR (xg_session_get_profile (session) != NULL);
  profile = xg_session_get_profile (session);

  window = XG_PROFILE_WINDOW (xg_main_window_show_profile (main_window));
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (window)));
  avatar_error = xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "avatar_error");
  profile_error = xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "profile_error");

  /* What the server has, read-only where it cannot change. */
  expected_id = g_strdup_printf ("%" G_GUINT64_FORMAT, account_id);
  g_assert_cmpstr (gtk_label_get_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "account_id_label")), ==, expected_id);
  g_assert_cmpstr (gtk_label_get_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "email_label")), ==, email);
  g_assert_cmpstr (gtk_label_get_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "server_label")), ==,
                   fixture->server->address);
  shown_fingerprint = g_strdelimit (g_strdup (gtk_label_get_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW,
                                                                                   "fingerprint_label"))),
                                    "\n", ':');
  g_assert_cmpstr (shown_fingerprint, ==, fixture->server->fingerprint);
  g_assert_cmpstr (gtk_editable_get_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "nickname_row")), ==, "Zhao Liu");
  g_assert_null (xg_profile_window_dup_changes (window));
  /* Both windows say whose they are. */
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (main_window)), ==, "Zhao Liu — Xinge");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Profile — Zhao Liu");
  g_assert_false (gtk_widget_get_sensitive (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "save_button")));

  /* A nickname the server would refuse is caught in the window. */
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "nickname_row"), " Zhao Liu");
  g_assert_true (xg_app_test_label_shows (profile_error, "nickname"));
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "nickname_row"), "赵六");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (profile_error)));

  /* Text fields, gender and birthday; only the changes go out. */
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "signature_row"), "你好 Xinge");
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "region_row"), "Shanghai");
  adw_combo_row_set_selected (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "gender_row"), 3);
  {
    g_autoptr(GDateTime) day = g_date_time_new_local (1998, 5, 20, 0, 0, 0);
    gtk_calendar_select_day (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "birthday_calendar"), day);
  }
  g_assert_true (gtk_widget_get_visible (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "birthday_clear_button")));
  changes = xg_profile_window_dup_changes (window);
  g_assert_cmpuint (g_variant_n_children (changes), ==, 5);
  g_clear_pointer (&changes, g_variant_unref);
  save_profile (window);
  g_assert_cmpstr (xg_profile_get_nickname (profile), ==, "赵六");
  g_assert_cmpstr (xg_profile_get_signature (profile), ==, "你好 Xinge");
  g_assert_cmpstr (xg_profile_get_region (profile), ==, "Shanghai");
  g_assert_cmpstr (xg_profile_get_gender (profile), ==, "other");
  g_assert_cmpstr (xg_profile_get_birthday (profile), ==, "1998-05-20");
  /* The header follows the new nickname. */
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (gtk_label_get_text (xg_app_test_child (main_window, XG_TYPE_MAIN_WINDOW,
                                                                          "nickname_label")), "赵六") == 0);
  /* And so do the titles. */
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (main_window)), ==, "赵六 — Xinge");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Profile — 赵六");

  /* One field: one key. */
  xg_app_test_click (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "birthday_clear_button"));
  changes = xg_profile_window_dup_changes (window);
  g_assert_cmpuint (g_variant_n_children (changes), ==, 1);
  g_clear_pointer (&changes, g_variant_unref);
  save_profile (window);
  g_assert_cmpstr (xg_profile_get_birthday (profile), ==, "");

  /* A big picture is scaled into 256×256 and sent as PNG. */
  xg_profile_window_load_avatar (window, big_file);
  XG_APP_TEST_WAIT_FOR ((avatar = change_of (window, "avatar")) != NULL);
  {
    g_autoptr(GBytes) png = g_variant_get_data_as_bytes (avatar);
    g_autoptr(GError) error = NULL;

    g_assert_cmpuint (g_bytes_get_size (png), <=, XG_PROTO_MAX_AVATAR_BYTES);
    g_assert_cmpmem (g_bytes_get_data (png, NULL), 8, "\x89PNG\r\n\x1a\n", 8);
    texture = gdk_texture_new_from_bytes (png, &error);
    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_width (texture), ==, 256);
    g_assert_cmpint (gdk_texture_get_height (texture), ==, 128);
  }
  save_profile (window);
  g_assert_nonnull (xg_profile_get_avatar (profile));
  g_assert_cmpuint (g_bytes_get_size (xg_profile_get_avatar (profile)), ==, g_variant_get_size (avatar));
  XG_APP_TEST_WAIT_FOR (adw_avatar_get_custom_image (xg_app_test_child (main_window, XG_TYPE_MAIN_WINDOW, "avatar")) != NULL);

  /* Noise does not compress: still over 256 KiB, refused in the window. */
  xg_profile_window_load_avatar (window, noise_file);
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (GTK_WIDGET (avatar_error)));
  g_assert_true (xg_app_test_label_shows (avatar_error, "too large"));
  g_assert_null (xg_profile_window_dup_changes (window));

  /* Not a picture at all. */
  g_assert_true (g_file_set_contents (not_a_picture, "hello", -1, NULL));
  xg_profile_window_load_avatar (window, text_file);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (avatar_error)));
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (GTK_WIDGET (avatar_error)));
  g_assert_true (xg_app_test_label_shows (avatar_error, "cannot be used"));

  /* Removing the picture sends an empty one. */
  xg_app_test_click (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "remove_avatar_button"));
  g_clear_pointer (&avatar, g_variant_unref);
  avatar = change_of (window, "avatar");
  g_assert_nonnull (avatar);
  g_assert_cmpuint (g_variant_get_size (avatar), ==, 0);
  save_profile (window);
  g_assert_true (xg_profile_get_avatar (profile) == NULL || g_bytes_get_size (xg_profile_get_avatar (profile)) == 0);
  XG_APP_TEST_WAIT_FOR (adw_avatar_get_custom_image (xg_app_test_child (main_window, XG_TYPE_MAIN_WINDOW, "avatar")) == NULL);

  gtk_window_destroy (GTK_WINDOW (window));
  g_unlink (big);
  g_unlink (noise);
  g_unlink (not_a_picture);
}

/* 2. A wrong password leaves the login window with the error under the form. */
static void
test_wrong_password (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *email = xg_app_test_email ("wrong");
  GtkLabel *error_label;

  xg_app_test_register (fixture->server, email, "Han Meimei", PASSWORD);
  fixture->app = xg_app_test_start_app ("test-wrong-password", fixture->server);
  error_label = LOGIN_CHILD (fixture->app, "error_label");

  /* An address no account can have (no dot in the domain, the rule the
   * server applies) is refused at once, and the email field has the focus. */
  xg_app_test_set_text (LOGIN_CHILD (fixture->app, "email_row"), "alice@example");
  xg_app_test_set_text (LOGIN_CHILD (fixture->app, "password_row"), PASSWORD);
  xg_app_test_click (LOGIN_CHILD (fixture->app, "login_button"));
  g_assert_true (xg_app_test_label_shows (error_label, "Enter a valid email address"));
  g_assert_false (gtk_widget_get_visible (LOGIN_CHILD (fixture->app, "login_spinner")));
  g_assert_true (gtk_widget_is_ancestor (gtk_root_get_focus (GTK_ROOT (xg_application_get_login_window (fixture->app))),
                                         LOGIN_CHILD (fixture->app, "email_row")));
  g_assert_true (gtk_widget_get_sensitive (LOGIN_CHILD (fixture->app, "login_button")));

  log_in_through_ui (fixture->app, email, "not the password");
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (GTK_WIDGET (error_label)));

  g_assert_cmpstr (gtk_label_get_text (error_label), ==, "Wrong email or password.");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (error_label), "error"));
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (error_label)), ==, GTK_ACCESSIBLE_ROLE_ALERT);
  g_assert_null (xg_application_get_main_window (fixture->app));
  /* The form is usable again. */
  g_assert_true (gtk_widget_get_sensitive (LOGIN_CHILD (fixture->app, "login_button")));
  g_assert_false (gtk_widget_get_visible (LOGIN_CHILD (fixture->app, "login_spinner")));

  /* Typing again clears the error. */
  xg_app_test_set_text (LOGIN_CHILD (fixture->app, "password_row"), "x");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error_label)));

  /* After five failures in a row the server makes the next attempt wait:
   * the fifth says so, and one that comes too early is refused with the
   * seconds to wait. */
  {
    gboolean warned = FALSE;

    for (guint attempt = 2; attempt <= 10 && !xg_app_test_label_shows (error_label, "Too many attempts"); attempt++)
      {
        log_in_through_ui (fixture->app, email, "still not the password");
        XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (GTK_WIDGET (error_label)));
        g_test_message ("attempt %u: %s", attempt, gtk_label_get_text (error_label));
        warned |= g_regex_match_simple ("^Wrong email or password\\. Try again in [0-9]+ seconds?\\.$",
                                        gtk_label_get_text (error_label), 0, 0);
      }
    g_assert_true (warned);
    g_assert_true (g_regex_match_simple ("^Too many attempts\\. Try again in [0-9]+ seconds?\\.$",
                                         gtk_label_get_text (error_label), 0, 0));
  }
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }
  return NULL;
}

/* 2a. Preferences: the default server only takes a HOST:PORT. */
static void
test_preferences (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkWindow *window = NULL;
  AdwEntryRow *server_row;
  GtkSwitch *remember;
  GSettings *settings;

  fixture->app = xg_app_test_start_app ("test-preferences", fixture->server);
  settings = xg_application_get_settings (fixture->app);
  g_action_group_activate_action (G_ACTION_GROUP (fixture->app), "preferences", NULL);
  XG_APP_TEST_WAIT_FOR ((window = find_toplevel (XG_TYPE_PREFERENCES_WINDOW)) != NULL
                        && gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_assert_true (gtk_window_get_transient_for (window) == xg_application_get_login_window (fixture->app));

  server_row = xg_app_test_child (window, XG_TYPE_PREFERENCES_WINDOW, "server_row");
  remember = xg_app_test_child (window, XG_TYPE_PREFERENCES_WINDOW, "remember_switch");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (server_row)), ==, "127.0.0.1:7447");
  g_assert_false (gtk_switch_get_active (remember));

  xg_app_test_set_text (server_row, "no port");
  g_signal_emit_by_name (server_row, "apply");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (server_row), "error"));
  g_assert_cmpstr (g_settings_get_string (settings, "server"), ==, "127.0.0.1:7447");

  xg_app_test_set_text (server_row, " chat.example.org:7447 ");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (server_row), "error"));
  g_signal_emit_by_name (server_row, "apply");
  {
    g_autofree char *server = g_settings_get_string (settings, "server");
    g_assert_cmpstr (server, ==, "chat.example.org:7447");
  }

  gtk_switch_set_active (remember, TRUE);
  g_assert_true (g_settings_get_boolean (settings, "remember-me"));
  /* The login window's switch is the same setting. */
  g_assert_true (gtk_switch_get_active (LOGIN_CHILD (fixture->app, "remember_switch")));
  gtk_window_destroy (window);
}

/* 2b. An address where nothing listens: "cannot reach" under the form. */
static void
test_unreachable (Fixture       *fixture,
                  gconstpointer  data)
{
  GtkLabel *error_label;

  fixture->app = xg_app_test_start_app ("test-unreachable", fixture->server);
  error_label = LOGIN_CHILD (fixture->app, "error_label");
  xg_app_test_set_text (LOGIN_CHILD (fixture->app, "server_row"), "127.0.0.1:1");

  log_in_through_ui (fixture->app, "nobody@example.com", PASSWORD);
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_nonnull (strstr (gtk_label_get_text (error_label), "Cannot reach the server at 127.0.0.1:1"));

  /* A malformed address never leaves the window. */
  xg_app_test_set_text (LOGIN_CHILD (fixture->app, "server_row"), "no port here");
  xg_app_test_click (LOGIN_CHILD (fixture->app, "login_button"));
  g_assert_true (xg_app_test_label_shows (error_label, "HOST:PORT"));
}

/* 3. Registration through the UI: the code from the server's outbox, a
 * wrong code first, then the account number and an automatic login. */
static void
test_register (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *email = xg_app_test_email ("register");
  g_autofree char *code = NULL;
  g_autofree char *wrong_code = NULL;
  g_autoptr(AdwStatusPage) registered_page = NULL;
  XgApplication *app;
  GtkLabel *note, *code_error, *account_error;
  GtkButton *send_code;
  XgSession *session;

  app = fixture->app = xg_app_test_start_app ("test-register", fixture->server);
  xg_app_test_click (LOGIN_CHILD (app, "create_account_button"));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (gtk_stack_get_visible_child_name (LOGIN_CHILD (app, "stack")), "register") == 0);
  g_assert_true (gtk_widget_get_visible (LOGIN_CHILD (app, "back_button")));
  g_assert_false (gtk_widget_get_sensitive (LOGIN_CHILD (app, "register_button")));

  /* A malformed address is refused before anything is sent. */
  send_code = LOGIN_CHILD (app, "send_code_button");
  xg_app_test_set_text (LOGIN_CHILD (app, "reg_email_row"), "not-an-address");
  xg_app_test_click (send_code);
  g_assert_true (xg_app_test_label_shows (LOGIN_CHILD (app, "reg_email_error"), "valid email address"));

  /* An address that has an account already. */
  {
    g_autofree char *taken = xg_app_test_email ("taken");

    xg_app_test_register (fixture->server, taken, "Taken", PASSWORD);
    xg_app_test_set_text (LOGIN_CHILD (app, "reg_email_row"), taken);
    xg_app_test_click (send_code);
    XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (LOGIN_CHILD (app, "reg_email_error")));
    g_assert_true (xg_app_test_label_shows (LOGIN_CHILD (app, "reg_email_error"), "already has an account"));
    XG_APP_TEST_WAIT_FOR (gtk_widget_get_sensitive (GTK_WIDGET (send_code)));
  }

  /* Send the code: the button counts down until another may be sent. */
  note = LOGIN_CHILD (app, "reg_email_note");
  xg_app_test_set_text (LOGIN_CHILD (app, "reg_email_row"), email);
  xg_app_test_click (send_code);
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (GTK_WIDGET (note)));
  g_assert_nonnull (strstr (gtk_label_get_text (note), email));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (send_code)));
  g_assert_true (g_str_has_prefix (gtk_button_get_label (send_code), "Resend in "));
  g_assert_true (g_str_has_suffix (gtk_button_get_label (send_code), " s"));

  code = xg_app_test_server_read_code (fixture->server, email);
  g_assert_cmpuint (strlen (code), ==, 6);

  /* A mismatched confirmation shows before anything is sent. */
  account_error = LOGIN_CHILD (app, "reg_account_error");
  xg_app_test_set_text (LOGIN_CHILD (app, "nickname_row"), "小明");
  xg_app_test_set_text (LOGIN_CHILD (app, "reg_password_row"), PASSWORD);
  xg_app_test_set_text (LOGIN_CHILD (app, "reg_confirm_row"), "something else");
  g_assert_true (xg_app_test_label_shows (account_error, "The passwords do not match."));
  xg_app_test_set_text (LOGIN_CHILD (app, "reg_confirm_row"), PASSWORD);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (account_error)));

  /* A wrong code: the server counts the attempts down. */
  wrong_code = g_strdup (code);
  wrong_code[0] = '0' + (wrong_code[0] - '0' + 1) % 10;
  code_error = LOGIN_CHILD (app, "reg_code_error");
  xg_app_test_set_text (LOGIN_CHILD (app, "code_row"), wrong_code);
  xg_app_test_click (LOGIN_CHILD (app, "register_button"));
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (GTK_WIDGET (code_error)));
  g_assert_cmpstr (gtk_label_get_text (code_error), ==, "Wrong code, 4 attempts left.");

  /* The right code: the account number, then the main window. */
  registered_page = g_object_ref (LOGIN_CHILD (app, "registered_page"));
  xg_app_test_set_text (LOGIN_CHILD (app, "code_row"), code);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (code_error)));
  xg_app_test_click (LOGIN_CHILD (app, "register_button"));
  XG_APP_TEST_WAIT_FOR (main_window_shown (app));

  session = xg_main_window_get_session (XG_MAIN_WINDOW (xg_application_get_main_window (app)));
  {
    g_autofree char *expected = g_strdup_printf ("Your account number is %" G_GUINT64_FORMAT ".",
                                                 xg_session_get_account_id (session));
    g_assert_nonnull (strstr (adw_status_page_get_description (registered_page), expected));
  }
  g_assert_cmpuint (xg_session_get_account_id (session), >=, 10000);
  g_assert_cmpstr (xg_session_get_email (session), ==, email);
  XG_APP_TEST_WAIT_FOR (xg_session_get_profile (session) != NULL
                        && g_strcmp0 (xg_profile_get_nickname (xg_session_get_profile (session)), "小明") == 0);
}

/* 4. The same account logs in elsewhere: the app returns to the login
 * window and says why. */
static void
test_forced_logout (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *email = xg_app_test_email ("forced");
  g_autoptr(XgSession) other = NULL;
  GtkWindow *dialog;
  GtkLabel *error_label;

  xg_app_test_register (fixture->server, email, "Zhang San", PASSWORD);
  fixture->app = xg_app_test_start_app ("test-forced-logout", fixture->server);
  log_in_through_ui (fixture->app, email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (main_window_shown (fixture->app));

  other = xg_app_test_session_new (fixture->server);
  xg_app_test_login (other, email, PASSWORD);

  XG_APP_TEST_WAIT_FOR (xg_application_get_main_window (fixture->app) == NULL
                        && xg_application_get_login_window (fixture->app) != NULL
                        && xg_application_get_alert_dialog (fixture->app) != NULL);

  dialog = xg_application_get_alert_dialog (fixture->app);
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_cmpstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Your account was logged in on another device.");
  g_assert_true (gtk_window_get_transient_for (dialog) == xg_application_get_login_window (fixture->app));

  error_label = LOGIN_CHILD (fixture->app, "error_label");
  g_assert_true (xg_app_test_label_shows (error_label, "Your account was logged in on another device."));
  /* The address is still there for logging in again. */
  g_assert_cmpstr (gtk_editable_get_text (LOGIN_CHILD (fixture->app, "email_row")), ==, email);

  xg_session_disconnect (other);
}

/* 5. The server presents another certificate than the pinned one: a
 * blocking dialog with both fingerprints, and only "Close". */
static void
test_identity_changed (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *fake_pin = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                         "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
  g_autofree char *email = xg_app_test_email ("identity");
  g_autofree char *path = xg_paths_device_db ("test-identity");
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GtkWindow *dialog;
  GtkLabel *error_label;

  /* Pin a certificate this server does not have. */
  {
    g_autoptr(XgDeviceDb) device = xg_device_db_new (path);

    xg_device_db_store_pin_async (device, fixture->server->address, fake_pin, NULL,
                                  xg_app_test_store_result, &result);
    XG_APP_TEST_WAIT_FOR (result != NULL);
    g_assert_true (xg_device_db_store_pin_finish (device, result, &error));
    g_assert_no_error (error);
    xg_db_close (XG_DB (device));
  }

  fixture->app = xg_app_test_start_app ("test-identity", fixture->server);
  log_in_through_ui (fixture->app, email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (xg_application_get_alert_dialog (fixture->app) != NULL);

  dialog = xg_application_get_alert_dialog (fixture->app);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_true (gtk_window_get_modal (dialog));
  g_assert_true (adw_message_dialog_has_response (ADW_MESSAGE_DIALOG (dialog), "close"));
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "The Server’s Identity Has Changed");
  {
    GtkWidget *extra = adw_message_dialog_get_extra_child (ADW_MESSAGE_DIALOG (dialog));
    GtkWidget *pinned_box = gtk_widget_get_first_child (extra);
    GtkWidget *presented_box = gtk_widget_get_next_sibling (pinned_box);
    g_autofree char *pinned = g_strdup (gtk_label_get_text (GTK_LABEL (gtk_widget_get_last_child (pinned_box))));
    g_autofree char *presented = g_strdup (gtk_label_get_text (GTK_LABEL (gtk_widget_get_last_child (presented_box))));

    g_assert_cmpstr (g_strdelimit (pinned, "\n", ':'), ==, fake_pin);
    g_assert_cmpstr (g_strdelimit (presented, "\n", ':'), ==, fixture->server->fingerprint);
    g_assert_true (gtk_widget_has_css_class (gtk_widget_get_last_child (pinned_box), "monospace"));
  }

  error_label = LOGIN_CHILD (fixture->app, "error_label");
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (GTK_WIDGET (error_label)));
  g_assert_true (xg_app_test_label_shows (error_label, "identity has changed"));
  g_assert_null (xg_application_get_main_window (fixture->app));
}

static XgCredentials *
keyring_lookup (const char  *server,
                GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  xg_keyring_lookup_async (server, NULL, xg_app_test_store_result, &result);
  XG_APP_TEST_WAIT_FOR (result != NULL);
  return xg_keyring_lookup_finish (result, error);
}

/* 1 when the keyring has @email's token for @server, 0 when not, -1 when
 * the lookup failed (an item removed while it was being read). */
static int
keyring_state (const char *server,
               const char *email)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(XgCredentials) credentials = keyring_lookup (server, &error);

  if (error != NULL)
    {
      g_test_message ("keyring lookup: %s", error->message);
      return -1;
    }
  return credentials != NULL && g_strcmp0 (credentials->email, email) == 0;
}

/* 6. "Remember me": the token goes to a real keyring, the next start logs
 * in without asking, and logging out takes it away again. Each start of
 * the app runs in its own process, like a person quitting and starting
 * it again (GtkApplication keeps its bus name until its process ends). */
static void
test_remember_me (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *email = xg_app_test_email ("remember");
  g_autofree char *account = NULL;
  g_autoptr(XgCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  guint64 account_id;

  if (g_getenv ("XG_TEST_KEYRING") == NULL)
    {
      g_test_skip ("needs a private gnome-keyring: run-under-xvfb.sh with XG_TEST_KEYRING=1");
      return;
    }

  account_id = xg_app_test_register (fixture->server, email, "Wang Wu", PASSWORD);
  account = g_strdup_printf ("%" G_GUINT64_FORMAT, account_id);
  g_setenv ("XG_TEST_SERVER_ADDRESS", fixture->server->address, TRUE);
  g_setenv ("XG_TEST_EMAIL", email, TRUE);
  g_setenv ("XG_TEST_ACCOUNT_ID", account, TRUE);

  /* First start: log in with "remember me". */
  g_test_trap_subprocess ("/app-subprocess/remember-me/first-start", 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  /* The token, not the password, is in the keyring. */
  credentials = keyring_lookup (fixture->server->address, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credentials);
  g_assert_cmpstr (credentials->email, ==, email);
  g_assert_cmpuint (credentials->account_id, ==, account_id);
  g_assert_cmpstr (credentials->server, ==, fixture->server->address);
  g_assert_cmpstr (credentials->token, !=, PASSWORD);
  g_assert_cmpuint (strlen (credentials->token), ==, 44);   /* base64 of 32 bytes */

  /* Second start: in without a password; then log out. */
  g_test_trap_subprocess ("/app-subprocess/remember-me/second-start", 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  /* Logging out forgot the token. */
  g_assert_cmpint (keyring_state (fixture->server->address, email), ==, 0);
}

static XgApplication *
start_remember_app (void)
{
  XgApplication *app = xg_application_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (xg_application_set_profile (app, "test-remember", &error));
  xg_application_set_server (app, g_getenv ("XG_TEST_SERVER_ADDRESS"));
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_application_get_is_remote (G_APPLICATION (app)));
  g_application_activate (G_APPLICATION (app));
  return app;
}

static void
remember_me_first_start (void)
{
  const char *email = g_getenv ("XG_TEST_EMAIL");
  g_autofree char *dir = xg_paths_app_dir ("test-remember");
  g_autofree char *state = g_build_filename (dir, "state.ini", NULL);
  g_autofree char *text = NULL;
  XgApplication *app;

  if (!g_test_subprocess ())
    {
      g_test_skip ("runs as a part of /app/remember-me");
      return;
    }

  app = start_remember_app ();
  /* Nothing saved yet: the form. */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (LOGIN_CHILD (app, "stack")), ==, "login");
  gtk_switch_set_active (LOGIN_CHILD (app, "remember_switch"), TRUE);
  g_assert_true (g_settings_get_boolean (xg_application_get_settings (app), "remember-me"));
  log_in_through_ui (app, email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (main_window_shown (app));

  /* The keyring item and this profile's note of it are written. */
  XG_APP_TEST_WAIT_FOR (keyring_state (g_getenv ("XG_TEST_SERVER_ADDRESS"), email) == 1
                        || (xg_app_test_settle (100), FALSE));
  XG_APP_TEST_WAIT_FOR ((g_free (text), text = NULL, g_file_get_contents (state, &text, NULL, NULL))
                        && strstr (text, "remembered=true") != NULL);
  {
    XgSession *session = xg_main_window_get_session (XG_MAIN_WINDOW (xg_application_get_main_window (app)));
    g_autoptr(GError) error = NULL;
    g_autoptr(XgCredentials) credentials = keyring_lookup (g_getenv ("XG_TEST_SERVER_ADDRESS"), &error);

    g_assert_no_error (error);
    g_assert_cmpstr (credentials->token, ==, xg_session_get_resume_token (session));
  }
  xg_app_test_stop_app (app);
}

static void
remember_me_second_start (void)
{
  XgApplication *app;
  XgSession *session;

  if (!g_test_subprocess ())
    {
      g_test_skip ("runs as a part of /app/remember-me");
      return;
    }

  app = start_remember_app ();
  /* No form: straight to the main window, which shows what the device
   * kept while the session logs in by itself. */
  g_assert_null (xg_application_get_login_window (app));
  XG_APP_TEST_WAIT_FOR (main_window_shown (app));
  session = xg_main_window_get_session (XG_MAIN_WINDOW (xg_application_get_main_window (app)));
  XG_APP_TEST_WAIT_FOR (xg_session_get_synced (session));
  g_assert_cmpint (xg_session_get_state (session), ==, XG_SESSION_LOGGED_IN);
  g_assert_cmpuint (xg_session_get_account_id (session), ==,
                    g_ascii_strtoull (g_getenv ("XG_TEST_ACCOUNT_ID"), NULL, 10));
  g_assert_cmpstr (xg_session_get_email (session), ==, g_getenv ("XG_TEST_EMAIL"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (xg_application_get_main_window (app)), "app.logout", NULL));
  XG_APP_TEST_WAIT_FOR (xg_application_get_login_window (app) != NULL);
  XG_APP_TEST_WAIT_FOR (keyring_state (g_getenv ("XG_TEST_SERVER_ADDRESS"), g_getenv ("XG_TEST_EMAIL")) == 0
                        || (xg_app_test_settle (100), FALSE));
  xg_app_test_stop_app (app);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  /* The tests compare English text. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/app/login/success", test_login_success);
  ADD ("/app/login/wrong-password", test_wrong_password);
  ADD ("/app/profile", test_profile);
  ADD ("/app/login/unreachable", test_unreachable);
  ADD ("/app/preferences", test_preferences);
  ADD ("/app/register", test_register);
  ADD ("/app/forced-logout", test_forced_logout);
  ADD ("/app/identity-changed", test_identity_changed);
  ADD ("/app/remember-me", test_remember_me);
  g_test_add_func ("/app-subprocess/remember-me/first-start", remember_me_first_start);
  g_test_add_func ("/app-subprocess/remember-me/second-start", remember_me_second_start);
#undef ADD

  return g_test_run ();
}
