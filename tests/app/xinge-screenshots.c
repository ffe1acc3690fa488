/* xinge-screenshots.c: every window of the app, rendered into PNG files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: xinge-screenshots OUTDIR SUFFIX
 *   writes OUTDIR/<window>-SUFFIX.png for login, login-error, forgot-password,
 *   registration, contacts-empty, add-friend, friend-requests, decline-dialog,
 *   main, friend-page, chat, new-group, join-group, group-chat, group-page,
 *   group-requests, profile, change-password, delete-account,
 *   preferences, shortcuts, about, forced-logout,
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
#include <stdlib.h>
#include <signal.h>
#include <string.h>

#include <glib/gi18n.h>

#include "xg-account-dialog.h"
#include "xg-add-friend-window.h"
#include "xg-app-test.h"
#include "xg-contact-row.h"
#include "xg-join-group-window.h"
#include "xg-new-group-window.h"
#include "xg-login-window.h"
#include "xg-main-window.h"
#include "xg-request-row.h"
#include "xg-preferences-window.h"
#include "xg-profile-window.h"

#define PASSWORD "correct horse battery"

static const char *outdir;
static const char *suffix;
/* XG_CHECK_ACCESSIBLE: the accessibility checker, run on every window as
 * it is shot (the app-accessible-* tests); the windows that fail it. */
static const char *checker;
static GString *a11y_failures;

static void
shoot (gpointer    window,
       const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s-%s.png", name, suffix);
  g_autofree char *path = g_build_filename (outdir, file, NULL);

  xg_app_test_save_png (GTK_WIDGET (window), path);

  if (checker != NULL)
    {
      g_autofree char *report = NULL;
      int status = xg_app_test_run_accessible_check (checker, &report);

      g_print ("== accessibility of %s (%s): %s\n%s", name, suffix,
               status == 0 ? "ok" : "FAILED", report);
      if (status == 77)
        {
          g_printerr ("The accessibility cannot be checked here: %s\n", report);
          exit (77);
        }
      if (status != 0)
        g_string_append_printf (a11y_failures, " %s", name);
    }

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


/* A made-up picture: a soft diagonal gradient between two colours. */
static GBytes *
make_avatar (guint32 from,
             guint32 to)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 128, 128);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  gchar *png = NULL;
  gsize len = 0;

  for (int y = 0; y < 128; y++)
    for (int x = 0; x < 128; x++)
      {
        double t = (x + y) / 254.0;
        guchar *p = pixels + y * stride + x * 3;

        for (int c = 0; c < 3; c++)
          {
            int a = (from >> (16 - 8 * c)) & 0xff, b = (to >> (16 - 8 * c)) & 0xff;
            p[c] = (guchar) (a + (b - a) * t);
          }
      }
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &png, &len, "png", NULL, NULL));
  return g_bytes_new_take (png, len);
}

static void
update_profile (XgSession *session,
                GVariant  *changes)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  xg_session_update_profile_async (session, changes, NULL, xg_app_test_store_result, &result);
  XG_APP_TEST_WAIT_FOR (result != NULL);
  xg_session_update_profile_finish (session, result, &error);
  g_assert_no_error (error);
}

/* A side account, registered and logged in. */
static XgSession *
side_account (XgAppTestServer *server,
              const char      *email,
              const char      *nickname,
              gboolean         registered)
{
  XgSession *session = xg_app_test_session_new (server);

  if (!registered)
    xg_app_test_register (server, email, nickname, PASSWORD);
  xg_app_test_login (session, email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (xg_session_get_synced (session));
  return session;
}

#define MAIN_CHILD(window, name) xg_app_test_child (window, XG_TYPE_MAIN_WINDOW, name)

/* Toasts wait while their window is not the active one. */
static gboolean
toasts_gone (GtkWindow *main_window)
{
  if (!gtk_window_is_active (main_window))
    gtk_window_present (main_window);
  return !xg_app_test_toast_shows (MAIN_CHILD (main_window, "toast_overlay"), NULL);
}

static XgRequestRow *
find_request_row (GtkWindow  *main_window,
                  const char *nickname)
{
  g_autoptr(GPtrArray) rows = xg_app_test_find_all (main_window, XG_TYPE_REQUEST_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (xg_friend_request_get_nickname (xg_request_row_get_request (rows->pdata[i])), nickname) == 0
        && gtk_widget_get_mapped (rows->pdata[i]))
      return rows->pdata[i];
  return NULL;
}

static guint
n_shown (GtkWindow *main_window)
{
  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (MAIN_CHILD (main_window, "contact_list"))));
}

/* --- Groups, through the side accounts' sessions --------------------------- */

static void
on_group_call_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (!xg_groups_call_finish (XG_GROUPS (source), result, &error))
    g_error ("A group call failed: %s", error->message);
  *done = TRUE;
}

static void
on_group_created (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  XgGroup **group = user_data;
  g_autoptr(GError) error = NULL;

  *group = xg_groups_create_finish (XG_GROUPS (source), result, &error);
  g_assert_no_error (error);
}

static void
ask_to_join (XgSession  *session,
             guint64     group_id,
             const char *reason)
{
  gboolean done = FALSE;

  xg_groups_join_async (xg_session_get_groups (session), group_id, reason, NULL, on_group_call_done, &done);
  XG_APP_TEST_WAIT_FOR (done);
}

/* @admin lets @applicant in, once the request is there. */
static void
approve (XgSession *admin,
         guint64    group_id,
         guint64    applicant)
{
  GListModel *incoming = xg_groups_get_incoming (xg_session_get_groups (admin));
  g_autoptr(XgGroupRequest) request = NULL;
  gboolean done = FALSE;

  for (;;)
    {
      for (guint i = 0; i < g_list_model_get_n_items (incoming) && request == NULL; i++)
        {
          g_autoptr(XgGroupRequest) item = g_list_model_get_item (incoming, i);

          if (xg_group_request_get_group_id (item) == group_id && xg_group_request_get_peer_id (item) == applicant)
            request = g_steal_pointer (&item);
        }
      if (request != NULL)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  xg_groups_approve_async (xg_session_get_groups (admin), request, NULL, on_group_call_done, &done);
  XG_APP_TEST_WAIT_FOR (done);
}

static void
say_in_group (XgSession  *session,
              guint64     group_id,
              const char *text)
{
  g_autoptr(XgMessage) message = NULL;

  XG_APP_TEST_WAIT_FOR (xg_groups_lookup (xg_session_get_groups (session), group_id) != NULL);
  message = xg_conversation_send_text (xg_conversations_get_group (xg_session_get_conversations (session), group_id),
                                       text, NULL);
  XG_APP_TEST_WAIT_FOR (xg_message_get_state (message) == XG_MESSAGE_SENT);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(XgAppTestServer) server = NULL;
  g_autoptr(XgAppTestNotifications) notifications = NULL;
  g_autoptr(XgSession) other = NULL;
  g_autoptr(XgSession) li_lei = NULL;
  g_autoptr(XgSession) zhang_wei = NULL;
  g_autoptr(XgSession) wang_fang = NULL;
  g_autoptr(XgSession) chen_jing = NULL;
  g_autoptr(GBytes) li_lei_avatar = NULL;
  g_autoptr(GBytes) chen_jing_avatar = NULL;
  g_auto(GVariantBuilder) changes = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
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
  checker = g_getenv ("XG_CHECK_ACCESSIBLE");
  a11y_failures = g_string_new (NULL);
  g_mkdir_with_parents (outdir, 0755);

  /* Requests that arrive while the window is not looked at become
   * notifications: something on the bus has to take them. */
  notifications = xg_app_test_notifications_start ();
  /* Checking runs in parallel with other tests: any free port will do. */
  server = xg_app_test_server_start_on (checker != NULL ? "127.0.0.1:0" : pick_listen_address ());
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

  /* Forgot password: the form before the code is asked for. */
  xg_app_test_click (LOGIN (app, "forgot_button"));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (gtk_stack_get_visible_child_name (LOGIN (app, "stack")), "reset") == 0);
  shoot (xg_application_get_login_window (app), "forgot-password");
  xg_app_test_click (LOGIN (app, "back_button"));

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
  /* A new account: no friends yet, and how to add one. */
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (gtk_stack_get_visible_child_name (MAIN_CHILD (main_window, "sidebar_stack")),
                                   "empty") == 0);
  shoot (main_window, "contacts-empty");

  /* The people on the pictures. Li Lei has a picture and a full profile. */
  li_lei = side_account (server, first_email, NULL, TRUE);
  li_lei_avatar = make_avatar (0x3584e4, 0x2ec27e);
  g_variant_builder_add (&changes, "{sv}", "avatar",
                         g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, li_lei_avatar, TRUE));
  g_variant_builder_add (&changes, "{sv}", "signature",
                         g_variant_new_string (is_chinese () ? "信鸽从不迷路" : "Pigeons always find their way home"));
  g_variant_builder_add (&changes, "{sv}", "region", g_variant_new_string (is_chinese () ? "上海" : "Shanghai"));
  g_variant_builder_add (&changes, "{sv}", "gender", g_variant_new_string ("male"));
  g_variant_builder_add (&changes, "{sv}", "birthday", g_variant_new_string ("1997-03-14"));
  update_profile (li_lei, g_variant_builder_end (&changes));

  /* Add Friend: Li Lei's address, found, a greeting typed. */
  xg_app_test_click (MAIN_CHILD (main_window, "add_friend_button"));
  XG_APP_TEST_WAIT_FOR ((window = xg_app_test_find_window (XG_TYPE_ADD_FRIEND_WINDOW, main_window)) != NULL);
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_ADD_FRIEND_WINDOW, "email_row"), first_email);
  xg_app_test_click (xg_app_test_child (window, XG_TYPE_ADD_FRIEND_WINDOW, "find_button"));
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (xg_app_test_child (window, XG_TYPE_ADD_FRIEND_WINDOW, "found_group")));
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_ADD_FRIEND_WINDOW, "greeting_row"),
                        is_chinese () ? "你好李雷，我是读书会的梅梅" : "Hi Li Lei, it’s Meimei from the book club");
  shoot (window, "add-friend");
  xg_app_test_click (xg_app_test_child (window, XG_TYPE_ADD_FRIEND_WINDOW, "send_button"));
  XG_APP_TEST_WAIT_FOR (xg_app_test_find_window (XG_TYPE_ADD_FRIEND_WINDOW, NULL) == NULL);

  /* Zhang Wei asks Meimei: one request in, one out. */
  zhang_wei = side_account (server, "zhang.wei@example.com", is_chinese () ? "张伟" : "Zhang Wei", FALSE);
  xg_app_test_send_request (zhang_wei, new_email,
                            is_chinese () ? "我们在 GNOME 聚会上见过，加个好友吧！" : "We met at the GNOME meetup. Add me?");
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (MAIN_CHILD (main_window, "requests_badge")));
  xg_main_window_show_friend_requests (XG_MAIN_WINDOW (main_window));
  XG_APP_TEST_WAIT_FOR (find_request_row (main_window, is_chinese () ? "张伟" : "Zhang Wei") != NULL);
  XG_APP_TEST_WAIT_FOR (toasts_gone (main_window));
  shoot (main_window, "friend-requests");

  /* Declining asks for a reason (not sent: cancelled). */
  xg_app_test_click (xg_app_test_child (find_request_row (main_window, is_chinese () ? "张伟" : "Zhang Wei"),
                                        XG_TYPE_REQUEST_ROW, "decline_button"));
  XG_APP_TEST_WAIT_FOR ((window = xg_app_test_find_window (ADW_TYPE_MESSAGE_DIALOG, main_window)) != NULL);
  xg_app_test_set_text (xg_app_test_find_widget (window, ADW_TYPE_ENTRY_ROW, NULL),
                        is_chinese () ? "抱歉，我不记得你了" : "Sorry, I don’t remember you");
  shoot (window, "decline-dialog");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (window), "cancel");
  gtk_window_destroy (window);
  XG_APP_TEST_WAIT_FOR (xg_app_test_find_window (ADW_TYPE_MESSAGE_DIALOG, NULL) == NULL);

  /* Meimei accepts Zhang Wei; Li Lei accepts Meimei. */
  xg_app_test_click (xg_app_test_child (find_request_row (main_window, is_chinese () ? "张伟" : "Zhang Wei"),
                                        XG_TYPE_REQUEST_ROW, "accept_button"));
  xg_app_test_accept_request (li_lei, xg_session_get_account_id (session));

  /* Two more friends: Chen Jing, whom Meimei calls by a remark, and Wang
   * Fang, who is offline. */
  chen_jing = side_account (server, "chen.jing@example.com", is_chinese () ? "陈静" : "Chen Jing", FALSE);
  chen_jing_avatar = make_avatar (0xe66100, 0xf6d32d);
  {
    g_auto(GVariantBuilder) avatar = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

    g_variant_builder_add (&avatar, "{sv}", "avatar",
                           g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, chen_jing_avatar, TRUE));
    g_variant_builder_add (&avatar, "{sv}", "signature",
                           g_variant_new_string (is_chinese () ? "设计让生活更美好" : "Design is how it works"));
    update_profile (chen_jing, g_variant_builder_end (&avatar));
  }
  xg_app_test_befriend (chen_jing, session, new_email, NULL);
  xg_app_test_set_remark (session, xg_session_get_account_id (chen_jing), is_chinese () ? "陈设计师" : "Chen (Design)");
  wang_fang = side_account (server, "wang.fang@example.com", is_chinese () ? "王芳" : "Wang Fang", FALSE);
  xg_app_test_befriend (wang_fang, session, new_email, NULL);
  xg_session_disconnect (wang_fang);

  /* The list: four friends, one with a remark, one offline. */
  XG_APP_TEST_WAIT_FOR (n_shown (main_window) == 4 && !gtk_widget_get_visible (MAIN_CHILD (main_window, "requests_list")));
  XG_APP_TEST_WAIT_FOR (!xg_contact_get_online (xg_contacts_lookup (xg_session_get_contacts (session),
                                                                     xg_session_get_account_id (wang_fang))));
  /* The main window: the list, and Li Lei's page. */
  xg_main_window_show_contact (XG_MAIN_WINDOW (main_window),
                               xg_contacts_lookup (xg_session_get_contacts (session),
                                                   xg_session_get_account_id (li_lei)));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (gtk_stack_get_visible_child_name (MAIN_CHILD (main_window, "content_stack")),
                                   "friend") == 0);
  XG_APP_TEST_WAIT_FOR (toasts_gone (main_window));
  shoot (main_window, "main");

  /* On a narrow screen the page takes the window: Chen Jing's, with the
   * remark Meimei gave her and her nickname under it. */
  {
    int width, height;

    gtk_window_get_default_size (main_window, &width, &height);
    gtk_window_set_default_size (main_window, 400, 760);
    xg_main_window_show_contact (XG_MAIN_WINDOW (main_window),
                                 xg_contacts_lookup (xg_session_get_contacts (session),
                                                     xg_session_get_account_id (chen_jing)));
    XG_APP_TEST_WAIT_FOR (adw_leaflet_get_folded (MAIN_CHILD (main_window, "leaflet")));
    shoot (main_window, "friend-page");
    gtk_window_set_default_size (main_window, width, height);
    XG_APP_TEST_WAIT_FOR (!adw_leaflet_get_folded (MAIN_CHILD (main_window, "leaflet")));
  }

  /* A chat: Li Lei writes, Meimei answers, Li Lei sends a picture; Chen
   * Jing's message waits unread in the Chats list. */
  {
    guint64 me = xg_session_get_account_id (session);
    guint64 li_id = xg_session_get_account_id (li_lei);
    XgConversations *li_chats = xg_session_get_conversations (li_lei);
    XgConversations *chen_chats = xg_session_get_conversations (chen_jing);
    g_autoptr(XgMessage) hello = NULL;
    g_autoptr(XgMessage) answer = NULL;
    g_autoptr(XgMessage) picture = NULL;
    g_autoptr(XgMessage) chen = NULL;
    g_autoptr(GBytes) image = make_avatar (0x1c71d8, 0x2ec27e);

    XG_APP_TEST_WAIT_FOR (xg_conversations_get_loaded (li_chats) && xg_conversations_get_loaded (chen_chats)
                          && xg_conversations_get_loaded (xg_session_get_conversations (session)));
    hello = xg_conversation_send_text (xg_conversations_get (li_chats, me),
                                       is_chinese () ? "周末一起去爬山吗？" : "Hiking this weekend?", NULL);
    XG_APP_TEST_WAIT_FOR (xg_message_get_state (hello) == XG_MESSAGE_DELIVERED);
    xg_main_window_show_chat (XG_MAIN_WINDOW (main_window), li_id);
    answer = xg_conversation_send_text (xg_conversations_get (xg_session_get_conversations (session), li_id),
                                        is_chinese () ? "好啊！几点出发？\n我带午饭。" : "Sure! What time?\nI’ll bring lunch.", NULL);
    XG_APP_TEST_WAIT_FOR (xg_message_get_state (answer) == XG_MESSAGE_DELIVERED);
    picture = xg_conversation_send_image (xg_conversations_get (li_chats, me), "image/png", image, NULL);
    XG_APP_TEST_WAIT_FOR (xg_message_get_state (picture) == XG_MESSAGE_DELIVERED);
    chen = xg_conversation_send_text (xg_conversations_get (chen_chats, me),
                                      is_chinese () ? "新海报做好了" : "The new poster is ready", NULL);
    XG_APP_TEST_WAIT_FOR (xg_conversations_get_unread (xg_session_get_conversations (session)) == 1);
    XG_APP_TEST_WAIT_FOR (toasts_gone (main_window));
    xg_app_test_settle (300);
    shoot (main_window, "chat");
  }

  /* Groups: New Group filled in; Join Group showing another group's
   * brief; the group's chat with its members' names; its page; and the
   * join requests waiting. */
  {
    g_autoptr(XgGroup) book_club = NULL;
    XgGroup *hikers;
    guint64 me = xg_session_get_account_id (session);
    guint64 hikers_id;
    g_autofree char *number = NULL;

    window = xg_main_window_show_new_group (XG_MAIN_WINDOW (main_window));
    XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (window)));
    xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_NEW_GROUP_WINDOW, "name_row"),
                          is_chinese () ? "周末爬山小组" : "Weekend Hikers");
    xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_NEW_GROUP_WINDOW, "description_row"),
                          is_chinese () ? "每周六早上八点，香山见" : "Saturdays at eight, at the foot of the hill");
    shoot (window, "new-group");
    xg_app_test_click (xg_app_test_child (window, XG_TYPE_NEW_GROUP_WINDOW, "create_button"));
    XG_APP_TEST_WAIT_FOR (xg_app_test_find_window (XG_TYPE_NEW_GROUP_WINDOW, NULL) == NULL);
    XG_APP_TEST_WAIT_FOR (g_list_model_get_n_items (G_LIST_MODEL (xg_session_get_groups (session))) == 1);
    hikers = g_list_model_get_item (G_LIST_MODEL (xg_session_get_groups (session)), 0);
    g_object_unref (hikers);   /* the list holds it */
    hikers_id = xg_group_get_id (hikers);

    /* Li Lei's book club, which Meimei finds by its number. */
    xg_groups_create_async (xg_session_get_groups (li_lei), is_chinese () ? "读书会" : "Book Club",
                            is_chinese () ? "每月读一本书，最后一个周日聚会讨论" : "A book a month, talked over on its last Sunday",
                            li_lei_avatar, NULL, on_group_created, &book_club);
    XG_APP_TEST_WAIT_FOR (book_club != NULL);
    XG_APP_TEST_WAIT_FOR (toasts_gone (main_window));
    window = xg_main_window_show_join_group (XG_MAIN_WINDOW (main_window));
    XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (window)));
    number = g_strdup_printf ("%" G_GUINT64_FORMAT, xg_group_get_id (book_club));
    xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "number_row"), number);
    xg_app_test_click (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "find_button"));
    XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "found_group")));
    xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "reason_row"),
                          is_chinese () ? "我也喜欢读书，李雷推荐的" : "Li Lei told me about it, I love reading");
    xg_app_test_settle (200);
    shoot (window, "join-group");
    gtk_window_destroy (window);

    /* Li Lei and Chen Jing are in Meimei's group; Zhang Wei waits. */
    ask_to_join (li_lei, hikers_id, "");
    approve (session, hikers_id, xg_session_get_account_id (li_lei));
    ask_to_join (chen_jing, hikers_id, "");
    approve (session, hikers_id, xg_session_get_account_id (chen_jing));
    ask_to_join (zhang_wei, hikers_id, is_chinese () ? "我也想一起去爬山" : "Can I come along too?");
    XG_APP_TEST_WAIT_FOR (xg_groups_get_n_incoming (xg_session_get_groups (session)) == 1);
    say_in_group (li_lei, hikers_id, is_chinese () ? "大家好！这周六天气不错" : "Hi all! Saturday looks sunny");
    say_in_group (li_lei, hikers_id, is_chinese () ? "我带地图" : "I’ll bring the map");
    say_in_group (chen_jing, hikers_id, is_chinese () ? "@韩梅梅 要带水吗？" : "@Han Meimei shall I bring water?");
    XG_APP_TEST_WAIT_FOR (xg_conversation_get_last_message (xg_conversations_get_group (xg_session_get_conversations (session),
                                                                                         hikers_id)) != NULL &&
                          xg_conversation_get_unread (xg_conversations_get_group (xg_session_get_conversations (session),
                                                                                  hikers_id)) == 3);
    xg_main_window_show_group_chat (XG_MAIN_WINDOW (main_window), hikers_id);
    say_in_group (session, hikers_id, is_chinese () ? "好的，每人两瓶" : "Yes please, two bottles each");
    XG_APP_TEST_WAIT_FOR (toasts_gone (main_window));
    xg_app_test_settle (300);
    shoot (main_window, "group-chat");

    {
      int width, height;

      gtk_window_get_default_size (main_window, &width, &height);
      gtk_window_set_default_size (main_window, width, 1000);
      xg_main_window_show_group (XG_MAIN_WINDOW (main_window), hikers_id);
      XG_APP_TEST_WAIT_FOR (xg_group_get_member_count (hikers) == 3);
      xg_app_test_settle (300);
      shoot (main_window, "group-page");
      xg_main_window_show_group_requests (XG_MAIN_WINDOW (main_window));
      xg_app_test_settle (300);
      shoot (main_window, "group-requests");
      gtk_window_set_default_size (main_window, width, height);
    }
    (void) me;
  }

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
  gtk_window_set_default_size (window, 560, 1300);
  xg_app_test_click (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "save_button"));
  XG_APP_TEST_WAIT_FOR (xg_profile_window_dup_changes (XG_PROFILE_WINDOW (window)) == NULL
                        && !gtk_widget_get_visible (xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, "save_spinner")));
  /* Let the "saved" toast go before the picture. */
  xg_app_test_settle (6500);
  shoot (window, "profile");
  {
    XgAccountDialogMode modes[] = { XG_ACCOUNT_DIALOG_PASSWORD, XG_ACCOUNT_DIALOG_DELETE };
    const char *names[] = { "change-password", "delete-account" };

    for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
      {
        GtkWindow *dialog = GTK_WINDOW (xg_account_dialog_new (session, modes[i], window));

        gtk_window_present (dialog);
        XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
        shoot (dialog, names[i]);
        gtk_window_destroy (dialog);
      }
  }
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

  xg_session_disconnect (li_lei);
  xg_session_disconnect (zhang_wei);
  xg_session_disconnect (chen_jing);
  xg_app_test_stop_app (app);
  if (a11y_failures->len > 0)
    {
      g_printerr ("Controls without a proper accessible name in:%s\n", a11y_failures->str);
      return 1;
    }
  return 0;
}
