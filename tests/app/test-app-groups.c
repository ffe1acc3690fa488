/* test-app-groups.c: groups end to end, through the real windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three apps, each with its own profile, in this one process (as in
 * test-app-chat.c), against a real xinge-server over TLS. Everything is
 * done in the windows: Alice makes a group with New Group; Bob and Carol
 * find it by its number with Join Group (the brief shows before they ask)
 * and ask with a reason; Alice, not looking, is notified, and approves
 * one in Group Requests and the other on the group's page. Then all three
 * type into their chats: each window shows every message once, others'
 * with their sender's name above them. Carol mutes the group: a message
 * no longer notifies her, one that names her does. A stand-in
 * notification server on the test's bus records the notifications.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>

#include "xg-app-test.h"
#include "xg-chat-page.h"
#include "xg-conversation-row.h"
#include "xg-group-page.h"
#include "xg-join-group-window.h"
#include "xg-main-window.h"
#include "xg-message-row.h"
#include "xg-new-group-window.h"
#include "xg-login-window.h"

#define PASSWORD "correct horse battery"

typedef struct {
  XgAppTestServer        *server;
  XgAppTestNotifications *notifications;
  XgApplication          *a;
  XgApplication          *b;
  XgApplication          *c;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = xg_app_test_server_start ();
  fixture->notifications = xg_app_test_notifications_start ();
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->a != NULL)
    xg_app_test_stop_app (fixture->a);
  if (fixture->b != NULL)
    xg_app_test_stop_app (fixture->b);
  if (fixture->c != NULL)
    xg_app_test_stop_app (fixture->c);
  xg_app_test_notifications_free (fixture->notifications);
  xg_app_test_server_free (fixture->server);
}

#define MAIN(app) XG_MAIN_WINDOW (xg_application_get_main_window (app))
#define MAIN_CHILD(app, name) \
  xg_app_test_child (xg_application_get_main_window (app), XG_TYPE_MAIN_WINDOW, name)
#define CHAT_CHILD(app, name) xg_app_test_child (chat_page (app), XG_TYPE_CHAT_PAGE, name)
#define ROW_CHILD(row, name) xg_app_test_child (row, XG_TYPE_MESSAGE_ROW, name)

static GtkWidget *
chat_page (XgApplication *app)
{
  return gtk_stack_get_child_by_name (MAIN_CHILD (app, "content_stack"), "chat");
}

static GtkWidget *
content_page (XgApplication *app,
              const char    *name)
{
  return gtk_stack_get_child_by_name (MAIN_CHILD (app, "content_stack"), name);
}

static gboolean
group_chat_shown (XgApplication *app,
                  guint64        group_id)
{
  XgConversation *conversation = xg_chat_page_get_conversation (XG_CHAT_PAGE (chat_page (app)));

  return g_strcmp0 (gtk_stack_get_visible_child_name (MAIN_CHILD (app, "content_stack")), "chat") == 0
         && gtk_widget_get_mapped (chat_page (app)) && conversation != NULL
         && xg_conversation_get_kind (conversation) == XG_CONVERSATION_GROUP
         && xg_conversation_get_peer_id (conversation) == group_id;
}

/* Types @text into the composer and presses Enter (the composer's own key
 * controller, as GTK hands it a key press). */
static void
send_typed (XgApplication *app,
            const char    *text)
{
  GtkTextView *composer = CHAT_CHILD (app, "composer");
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (composer));
  gboolean handled = FALSE;

  gtk_widget_grab_focus (GTK_WIDGET (composer));
  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (composer), text, -1);
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller)
          && gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        g_signal_emit_by_name (controller, "key-pressed", GDK_KEY_Return, 0, 0, &handled);
    }
  g_assert_true (handled);
}

/* The mapped row of @app's chat that shows the text message @text, or NULL. */
static XgMessageRow *
message_row (XgApplication *app,
             const char    *text)
{
  g_autoptr(GPtrArray) rows = xg_app_test_find_all (chat_page (app), XG_TYPE_MESSAGE_ROW);

  for (guint i = 0; i < rows->len; i++)
    {
      XgMessageRow *row = rows->pdata[i];
      XgMessage *message = xg_message_row_get_message (row);

      if (message != NULL && gtk_widget_get_mapped (GTK_WIDGET (row))
          && g_strcmp0 (gtk_label_get_text (ROW_CHILD (row, "text_label")), text) == 0)
        return row;
    }
  return NULL;
}

/* How many message rows of @app's chat show @text (each message once). */
static guint
rows_showing (XgApplication *app,
              const char    *text)
{
  g_autoptr(GPtrArray) rows = xg_app_test_find_all (chat_page (app), XG_TYPE_MESSAGE_ROW);
  guint n = 0;

  for (guint i = 0; i < rows->len; i++)
    if (xg_message_row_get_message (rows->pdata[i]) != NULL && gtk_widget_get_mapped (rows->pdata[i])
        && g_strcmp0 (gtk_label_get_text (ROW_CHILD (rows->pdata[i], "text_label")), text) == 0)
      n++;
  return n;
}

/* The sender shown above @row, or NULL when none is. */
static const char *
sender_shown (XgMessageRow *row)
{
  if (!gtk_widget_get_visible (ROW_CHILD (row, "sender_box")))
    return NULL;
  return gtk_label_get_text (ROW_CHILD (row, "sender_label"));
}

static XgConversationRow *
group_row (XgApplication *app,
           guint64        group_id)
{
  g_autoptr(GPtrArray) rows = xg_app_test_find_all (MAIN_CHILD (app, "conversation_list"), XG_TYPE_CONVERSATION_ROW);

  for (guint i = 0; i < rows->len; i++)
    {
      XgConversation *conversation = xg_conversation_row_get_conversation (rows->pdata[i]);

      if (conversation != NULL && xg_conversation_get_kind (conversation) == XG_CONVERSATION_GROUP
          && xg_conversation_get_peer_id (conversation) == group_id && gtk_widget_get_mapped (rows->pdata[i]))
        return rows->pdata[i];
    }
  return NULL;
}

/* @app finds the group by its number in Join Group and asks, with a
 * reason; @refusal: the window says so and stays, or NULL: it closes. */
static void
ask_to_join_answered (XgApplication *app,
                      guint64        group_id,
                      const char     *reason,
                      const char     *refusal)
{
  g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, group_id);
  GtkWindow *window;

  xg_app_test_make_active (app);
  gtk_widget_activate_action (GTK_WIDGET (MAIN (app)), "win.join-group", NULL);
  XG_APP_TEST_WAIT_FOR ((window = xg_app_test_find_window (XG_TYPE_JOIN_GROUP_WINDOW, GTK_WINDOW (MAIN (app))))
                        != NULL && gtk_widget_get_mapped (GTK_WIDGET (window)));
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "number_row"), number);
  xg_app_test_click (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "find_button"));
  /* The brief, before anything is asked. */
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "found_group")));
  g_assert_true (xg_app_test_label_shows (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "found_name"),
                                          "Hikers"));
  g_assert_true (xg_app_test_label_shows (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "found_description"),
                                          "Weekend walks"));
  g_assert_true (xg_app_test_label_shows (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "found_count"),
                                          "member"));
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "reason_row"), reason);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  xg_app_test_click (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW, "apply_button"));
  if (refusal != NULL)
    {
      XG_APP_TEST_WAIT_FOR (xg_app_test_label_shows (xg_app_test_child (window, XG_TYPE_JOIN_GROUP_WINDOW,
                                                                        "apply_status"), refusal));
      gtk_window_close (window);
    }
  XG_APP_TEST_WAIT_FOR (window == NULL);
}

static void
ask_to_join (XgApplication *app,
             guint64        group_id,
             const char     *reason)
{
  ask_to_join_answered (app, group_id, reason, NULL);
}

/* Screen readers hear what a shown toast's cross does (libadwaita 1.2
 * leaves it unnamed; xg_accessible_watch_windows() names it). */
static void
assert_toast_close_named (AdwToastOverlay *overlay)
{
  GtkWidget *main_child = adw_toast_overlay_get_child (overlay);
  guint found = 0;

  for (GtkWidget *toast = gtk_widget_get_first_child (GTK_WIDGET (overlay)); toast != NULL;
       toast = gtk_widget_get_next_sibling (toast))
    for (GtkWidget *child = toast != main_child ? gtk_widget_get_first_child (toast) : NULL; child != NULL;
         child = gtk_widget_get_next_sibling (child))
      {
        GtkWidget *image = gtk_widget_get_first_child (child);

        if (GTK_IS_BUTTON (child) && GTK_IS_IMAGE (image) &&
            g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (image)), "window-close-symbolic") == 0)
          {
            XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (child));
            gtk_test_accessible_assert_property (child, GTK_ACCESSIBLE_PROPERTY_LABEL, "Dismiss");
            found++;
          }
      }
  g_assert_cmpuint (found, >, 0);
}

/* @app makes the group "Hikers" ("Weekend walks") with New Group; its chat
 * opens. Returns its number. */
static guint64
create_group (XgApplication *app)
{
  GtkWindow *window;
  XgConversation *shown;
  guint64 group_id;

  xg_app_test_make_active (app);
  gtk_widget_activate_action (GTK_WIDGET (MAIN (app)), "win.new-group", NULL);
  XG_APP_TEST_WAIT_FOR ((window = xg_app_test_find_window (XG_TYPE_NEW_GROUP_WINDOW, GTK_WINDOW (MAIN (app))))
                        != NULL && gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_assert_false (gtk_widget_get_sensitive (xg_app_test_child (window, XG_TYPE_NEW_GROUP_WINDOW, "create_button")));
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_NEW_GROUP_WINDOW, "name_row"), "Hikers");
  xg_app_test_set_text (xg_app_test_child (window, XG_TYPE_NEW_GROUP_WINDOW, "description_row"), "Weekend walks");
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  xg_app_test_click (xg_app_test_child (window, XG_TYPE_NEW_GROUP_WINDOW, "create_button"));
  XG_APP_TEST_WAIT_FOR (window == NULL);
  XG_APP_TEST_WAIT_FOR ((shown = xg_chat_page_get_conversation (XG_CHAT_PAGE (chat_page (app)))) != NULL &&
                        xg_conversation_get_kind (shown) == XG_CONVERSATION_GROUP);
  group_id = xg_conversation_get_peer_id (shown);
  XG_APP_TEST_WAIT_FOR (group_chat_shown (app, group_id));
  g_assert_cmpstr (adw_window_title_get_title (MAIN_CHILD (app, "content_title")), ==, "Hikers");
  g_assert_true (gtk_widget_get_mapped (MAIN_CHILD (app, "group_info_button")));
  g_assert_true (xg_app_test_toast_shows (MAIN_CHILD (app, "toast_overlay"), "Hikers"));
  assert_toast_close_named (MAIN_CHILD (app, "toast_overlay"));
  return group_id;
}

/* --- Three people, one group --------------------------------------------------------- */

static void
test_three (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *a_email = xg_app_test_email ("alice");
  g_autofree char *b_email = xg_app_test_email ("bob");
  g_autofree char *c_email = xg_app_test_email ("carol");
  g_autofree char *join_id = NULL;
  g_autofree char *chat_id = NULL;
  g_autofree char *mention_id = NULL;
  XgAppTestNotification *notification;
  GtkWidget *page;
  XgMessageRow *row;
  XgApplication *apps[3];
  const char *texts[3] = { "Hello hikers", "Hi from Bob", "Carol here" };
  guint64 group_id, b_id, c_id;

  xg_app_test_register (fixture->server, a_email, "Alice", PASSWORD);
  b_id = xg_app_test_register (fixture->server, b_email, "Bob", PASSWORD);
  c_id = xg_app_test_register (fixture->server, c_email, "Carol", PASSWORD);
  fixture->a = xg_app_test_start_logged_in ("groups-a", fixture->server, a_email, PASSWORD);
  fixture->b = xg_app_test_start_logged_in ("groups-b", fixture->server, b_email, PASSWORD);
  fixture->c = xg_app_test_start_logged_in ("groups-c", fixture->server, c_email, PASSWORD);
  apps[0] = fixture->a;
  apps[1] = fixture->b;
  apps[2] = fixture->c;

  /* Alice: New Group, a name and a description, Create: its chat opens. */
  group_id = create_group (fixture->a);

  /* Bob asks while Alice is not looking: she is notified. */
  join_id = g_strdup_printf ("join-%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, group_id, b_id);
  ask_to_join (fixture->b, group_id, "I like walking");
  XG_APP_TEST_WAIT_FOR ((notification = xg_app_test_notifications_find (fixture->notifications,
                                                                        xg_app_test_app_id (fixture->a), join_id)) != NULL);
  g_assert_cmpstr (notification->title, ==, "New Join Request");
  g_assert_cmpstr (notification->body, ==, "Bob asks to join Hikers: “I like walking”");
  g_assert_cmpstr (notification->default_action, ==, "app.show-group-requests");
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (MAIN_CHILD (fixture->a, "group_requests_row")));
  XG_APP_TEST_WAIT_FOR (xg_app_test_label_shows (MAIN_CHILD (fixture->a, "group_requests_badge"), "1"));

  /* Alice opens Group Requests (the notification's action) and approves. */
  xg_app_test_make_active (fixture->a);
  g_action_group_activate_action (G_ACTION_GROUP (fixture->a), "show-group-requests", NULL);
  page = content_page (fixture->a, "group-requests");
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (page));
  XG_APP_TEST_WAIT_FOR (xg_app_test_find_widget (page, GTK_TYPE_BUTTON, "Approve") != NULL);
  xg_app_test_click (xg_app_test_find_widget (page, GTK_TYPE_BUTTON, "Approve"));
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (MAIN_CHILD (fixture->a, "group_requests_row")));
  /* Bob is in: the group in his list, and a toast says so. */
  XG_APP_TEST_WAIT_FOR (xg_groups_lookup (xg_session_get_groups (xg_app_test_session_of (fixture->b)), group_id) != NULL);
  XG_APP_TEST_WAIT_FOR (xg_app_test_toast_shows (MAIN_CHILD (fixture->b, "toast_overlay"), "You are in “Hikers” now."));

  /* Carol asks; Alice approves on the group's page this time. */
  ask_to_join (fixture->c, group_id, "");
  xg_app_test_make_active (fixture->a);
  XG_APP_TEST_WAIT_FOR (xg_groups_get_n_incoming (xg_session_get_groups (xg_app_test_session_of (fixture->a))) == 1);
  g_assert_true (xg_main_window_show_group (MAIN (fixture->a), group_id));
  page = content_page (fixture->a, "group");
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "requests_group")));
  XG_APP_TEST_WAIT_FOR (xg_app_test_find_widget (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "requests_list"),
                                                 GTK_TYPE_BUTTON, "Approve") != NULL);
  xg_app_test_click (xg_app_test_find_widget (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "requests_list"),
                                              GTK_TYPE_BUTTON, "Approve"));
  XG_APP_TEST_WAIT_FOR (xg_groups_lookup (xg_session_get_groups (xg_app_test_session_of (fixture->c)), group_id) != NULL);
  /* Alice's page lists all three, the owner first. */
  XG_APP_TEST_WAIT_FOR (xg_app_test_find_widget (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "members_list"),
                                                 ADW_TYPE_ACTION_ROW, NULL) != NULL);
  XG_APP_TEST_WAIT_FOR (xg_group_get_member_count (xg_groups_lookup (xg_session_get_groups (xg_app_test_session_of (fixture->a)),
                                                                     group_id)) == 3);

  /* Carol mutes the group on its page. */
  xg_app_test_make_active (fixture->c);
  g_assert_true (xg_main_window_show_group (MAIN (fixture->c), group_id));
  page = content_page (fixture->c, "group");
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (page));
  gtk_switch_set_active (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "mute_switch"), TRUE);
  g_assert_true (xg_group_get_muted (xg_groups_lookup (xg_session_get_groups (xg_app_test_session_of (fixture->c)), group_id)));

  /* All three chat, each typing in their own window. */
  for (guint i = 0; i < 3; i++)
    {
      xg_app_test_make_active (apps[i]);
      gtk_widget_activate_action (GTK_WIDGET (MAIN (apps[i])), "win.open-group-chat", "t", group_id);
      XG_APP_TEST_WAIT_FOR (group_chat_shown (apps[i], group_id));
      send_typed (apps[i], texts[i]);
      XG_APP_TEST_WAIT_FOR ((row = message_row (apps[i], texts[i])) != NULL);
      /* Acknowledged before the next one is typed: the group's seqs, and
       * so the newest message in the chat list, follow the typing. */
      XG_APP_TEST_WAIT_FOR (xg_message_get_state (xg_message_row_get_message (row)) != XG_MESSAGE_SENDING);
      g_assert_cmpint (xg_message_get_state (xg_message_row_get_message (row)), !=, XG_MESSAGE_FAILED);
    }
  for (guint i = 0; i < 3; i++)
    for (guint j = 0; j < 3; j++)
      {
        xg_app_test_make_active (apps[i]);
        gtk_widget_activate_action (GTK_WIDGET (MAIN (apps[i])), "win.open-group-chat", "t", group_id);
        XG_APP_TEST_WAIT_FOR (group_chat_shown (apps[i], group_id));
        XG_APP_TEST_WAIT_FOR ((row = message_row (apps[i], texts[j])) != NULL);
        g_assert_cmpuint (rows_showing (apps[i], texts[j]), ==, 1);
        /* Others' messages name their sender; one's own do not. */
        if (i == j)
          g_assert_null (sender_shown (row));
        else
          g_assert_cmpstr (sender_shown (row), ==, j == 0 ? "Alice" : j == 1 ? "Bob" : "Carol");
      }
  /* The chat list shows the group with the newest message and its sender. */
  XG_APP_TEST_WAIT_FOR (group_row (fixture->a, group_id) != NULL);
  XG_APP_TEST_WAIT_FOR (xg_app_test_label_shows (xg_app_test_child (group_row (fixture->a, group_id),
                                                                    XG_TYPE_CONVERSATION_ROW, "preview_label"),
                                                 "Carol: Carol here"));
  g_assert_true (xg_app_test_label_shows (xg_app_test_child (group_row (fixture->a, group_id),
                                                             XG_TYPE_CONVERSATION_ROW, "name_label"), "Hikers"));

  /* Carol, muted and not looking: a message does not notify her, one that
   * names her does. */
  chat_id = g_strdup_printf ("group-%" G_GUINT64_FORMAT, group_id);
  mention_id = g_strdup_printf ("mention-%" G_GUINT64_FORMAT, group_id);
  xg_app_test_make_active (fixture->b);
  send_typed (fixture->b, "Anyone for Sunday?");
  send_typed (fixture->b, "@Carol are you coming?");
  XG_APP_TEST_WAIT_FOR ((notification = xg_app_test_notifications_find (fixture->notifications,
                                                                        xg_app_test_app_id (fixture->c), mention_id)) != NULL);
  g_assert_cmpstr (notification->title, ==, "Bob mentioned you in Hikers");
  g_assert_cmpstr (notification->default_action, ==, "app.open-group-chat");
  /* Alice (not muted, not looking) is told of the messages as usual. */
  XG_APP_TEST_WAIT_FOR (xg_app_test_notifications_find (fixture->notifications, xg_app_test_app_id (fixture->a), chat_id) != NULL);
  xg_app_test_settle (500);
  g_assert_null (xg_app_test_notifications_find (fixture->notifications, xg_app_test_app_id (fixture->c), chat_id));
  (void) c_id;
}

/* --- Editing the group's info --------------------------------------------------------- */

static XgGroup *
group_of (XgApplication *app,
          guint64        group_id)
{
  return xg_groups_lookup (xg_session_get_groups (xg_app_test_session_of (app)), group_id);
}

static gboolean
has_picture (XgGroup *group)
{
  return group != NULL && xg_group_get_avatar (group) != NULL && g_bytes_get_size (xg_group_get_avatar (group)) > 0;
}

/* Alice renames the group and gives it a picture on its page; a join
 * request that comes while she edits keeps what she typed (and Bob,
 * asking twice, is told he asked already); Save, and Bob, let in, sees
 * both. Then she takes the picture away. */
static void
test_edit (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *a_email = xg_app_test_email ("alice");
  g_autofree char *b_email = xg_app_test_email ("bob");
  g_autofree char *picture = xg_app_test_write_picture (600, 400, FALSE);
  g_autoptr(GFile) picture_file = g_file_new_for_path (picture);
  GtkWidget *page, *save;
  guint64 group_id;

  xg_app_test_register (fixture->server, a_email, "Alice", PASSWORD);
  xg_app_test_register (fixture->server, b_email, "Bob", PASSWORD);
  fixture->a = xg_app_test_start_logged_in ("groups-edit-a", fixture->server, a_email, PASSWORD);
  fixture->b = xg_app_test_start_logged_in ("groups-edit-b", fixture->server, b_email, PASSWORD);
  group_id = create_group (fixture->a);

  /* Alice's page: the form holds the group as it is, nothing to save. */
  g_assert_true (xg_main_window_show_group (MAIN (fixture->a), group_id));
  page = content_page (fixture->a, "group");
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_group")));
  save = xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_save_button");
  g_assert_cmpstr (gtk_editable_get_text (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_name_row")), ==, "Hikers");
  g_assert_false (gtk_widget_get_sensitive (save));
  g_assert_false (gtk_widget_get_sensitive (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_picture_clear_button")));

  /* Choose… opens one picture chooser; cancelled, it goes, and opens
   * again on the next click. */
  {
    GtkWindow *chooser = NULL;

    for (guint i = 0; i < 2; i++)
      {
        xg_app_test_click (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_picture_button"));
        XG_APP_TEST_WAIT_FOR ((chooser = xg_app_test_find_window (GTK_TYPE_FILE_CHOOSER_DIALOG,
                                                                  GTK_WINDOW (MAIN (fixture->a)))) != NULL &&
                              gtk_widget_get_mapped (GTK_WIDGET (chooser)));
        g_assert_cmpstr (gtk_window_get_title (chooser), ==, "Choose a Picture");
        gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
        XG_APP_TEST_WAIT_FOR (xg_app_test_find_window (GTK_TYPE_FILE_CHOOSER_DIALOG, GTK_WINDOW (MAIN (fixture->a))) == NULL);
      }
  }

  /* A new name and a picture (scaled down), not saved yet. */
  xg_app_test_set_text (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_name_row"), "Hill Walkers");
  xg_group_page_load_picture (XG_GROUP_PAGE (page), picture_file);
  XG_APP_TEST_WAIT_FOR (adw_avatar_get_custom_image (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_avatar")) != NULL);
  g_assert_true (gtk_widget_get_sensitive (save));
  g_assert_false (has_picture (group_of (fixture->a, group_id)));

  /* Bob asks to join meanwhile: the page shows his request, the form
   * keeps Alice's edit. */
  ask_to_join (fixture->b, group_id, "");
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "requests_group")));
  /* Asking again while it waits: Bob is told, Alice is not asked twice. */
  ask_to_join_answered (fixture->b, group_id, "please", "You asked to join this group already");
  g_assert_cmpuint (xg_groups_get_n_incoming (xg_session_get_groups (xg_app_test_session_of (fixture->a))), ==, 1);
  xg_app_test_make_active (fixture->a);
  g_assert_cmpstr (gtk_editable_get_text (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_name_row")), ==,
                   "Hill Walkers");
  g_assert_nonnull (adw_avatar_get_custom_image (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_avatar")));
  g_assert_true (gtk_widget_get_sensitive (save));

  xg_app_test_click (save);
  XG_APP_TEST_WAIT_FOR (xg_app_test_label_shows (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "status_label"), "Saved."));
  XG_APP_TEST_WAIT_FOR (has_picture (group_of (fixture->a, group_id)) &&
                        !gtk_widget_get_sensitive (save));
  g_assert_true (xg_app_test_label_shows (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "name_label"), "Hill Walkers"));
  g_assert_nonnull (adw_avatar_get_custom_image (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "avatar")));

  /* Bob, let in, sees the group as Alice saved it. */
  xg_app_test_click (xg_app_test_find_widget (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "requests_list"),
                                              GTK_TYPE_BUTTON, "Approve"));
  XG_APP_TEST_WAIT_FOR (group_of (fixture->b, group_id) != NULL);
  XG_APP_TEST_WAIT_FOR (has_picture (group_of (fixture->b, group_id)));
  g_assert_cmpstr (xg_group_get_name (group_of (fixture->b, group_id)), ==, "Hill Walkers");

  /* No picture: the group shows its initials again, for both. */
  xg_app_test_make_active (fixture->a);
  xg_app_test_click (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_picture_clear_button"));
  g_assert_null (adw_avatar_get_custom_image (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "edit_avatar")));
  g_assert_true (gtk_widget_get_sensitive (save));
  xg_app_test_click (save);
  XG_APP_TEST_WAIT_FOR (!has_picture (group_of (fixture->a, group_id)) && !gtk_widget_get_sensitive (save));
  XG_APP_TEST_WAIT_FOR (!has_picture (group_of (fixture->b, group_id)));
  g_assert_null (adw_avatar_get_custom_image (xg_app_test_child (page, XG_TYPE_GROUP_PAGE, "avatar")));
  g_assert_cmpstr (xg_group_get_name (group_of (fixture->b, group_id)), ==, "Hill Walkers");
  g_unlink (picture);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  /* The tests compare English text. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/app/groups/three", Fixture, NULL, fixture_set_up, test_three, fixture_tear_down);
  g_test_add ("/app/groups/edit", Fixture, NULL, fixture_set_up, test_edit, fixture_tear_down);

  return g_test_run ();
}
