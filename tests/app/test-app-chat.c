/* test-app-chat.c: one-to-one chat end to end, through the real windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two apps, each with its own profile, in this one process (as in
 * test-app-friends.c), against a real xinge-server over TLS. The two
 * accounts become friends through their sessions; then everything is done
 * in the windows: typing into the composer and pressing Enter (through
 * the composer's own key controller), the send button, pasting a picture
 * from the clipboard, a file. The other window shows each message; the
 * Chats tab and the chat's row show the unread count until the chat is
 * opened (by the notification's action); a message to someone who ended
 * the friendship fails, says why and offers Retry. A stand-in
 * notification server on the test's bus records the notifications.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "xg-app-test.h"
#include "xg-chat-page.h"
#include "xg-conversation-row.h"
#include "xg-friend-page.h"
#include "xg-login-window.h"
#include "xg-main-window.h"
#include "xg-message-row.h"
#include "xg-proto-limits.h"

#define PASSWORD "correct horse battery"

typedef struct {
  XgAppTestServer        *server;
  XgAppTestNotifications *notifications;
  XgApplication          *a;
  XgApplication          *b;
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
  xg_app_test_notifications_free (fixture->notifications);
  xg_app_test_server_free (fixture->server);
}

/* --- Driving the windows ------------------------------------------------------------ */

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

static gboolean
chat_shown_with (XgApplication *app,
                 guint64        peer_id)
{
  XgConversation *conversation = xg_chat_page_get_conversation (XG_CHAT_PAGE (chat_page (app)));

  return g_strcmp0 (gtk_stack_get_visible_child_name (MAIN_CHILD (app, "content_stack")), "chat") == 0
         && gtk_widget_get_mapped (chat_page (app))
         && conversation != NULL && xg_conversation_get_peer_id (conversation) == peer_id;
}

/* Types @text into the composer, as the keyboard would put it there. */
static void
type_text (XgApplication *app,
           const char    *text)
{
  GtkTextView *composer = CHAT_CHILD (app, "composer");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (composer);

  gtk_widget_grab_focus (GTK_WIDGET (composer));
  gtk_text_buffer_insert_at_cursor (buffer, text, -1);
}

static char *
composer_text (XgApplication *app)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (CHAT_CHILD (app, "composer"));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* Presses @keyval with @state in the composer: the key goes to its key
 * controllers as GTK hands a key press to them. Returns whether one took it. */
static gboolean
press_key (XgApplication   *app,
           guint            keyval,
           GdkModifierType  state)
{
  GtkWidget *composer = CHAT_CHILD (app, "composer");
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (composer);
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !handled; i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller)
          && gtk_event_controller_get_propagation_phase (controller) == GTK_PHASE_CAPTURE)
        g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
    }
  return handled;
}

/* The row of the mapped message rows of @app's chat whose message is
 * @outgoing and matches @text (the text of a text message, the name of a
 * file; NULL: an image), or NULL. */
static XgMessageRow *
message_row (XgApplication *app,
             gboolean       outgoing,
             const char    *text)
{
  g_autoptr(GPtrArray) rows = xg_app_test_find_all (chat_page (app), XG_TYPE_MESSAGE_ROW);

  for (guint i = 0; i < rows->len; i++)
    {
      XgMessageRow *row = rows->pdata[i];
      XgMessage *message = xg_message_row_get_message (row);

      if (message == NULL || !gtk_widget_get_mapped (GTK_WIDGET (row))
          || xg_message_get_outgoing (message) != outgoing)
        continue;
      if (text == NULL && xg_message_get_kind (message) == XG_MESSAGE_KIND_IMAGE)
        return row;
      if (text != NULL && xg_message_get_kind (message) == XG_MESSAGE_KIND_TEXT
          && g_strcmp0 (gtk_label_get_text (ROW_CHILD (row, "text_label")), text) == 0
          && gtk_widget_get_mapped (ROW_CHILD (row, "text_label")))
        return row;
      if (text != NULL && xg_message_get_kind (message) == XG_MESSAGE_KIND_FILE
          && g_strcmp0 (gtk_label_get_text (ROW_CHILD (row, "file_name_label")), text) == 0
          && gtk_widget_get_mapped (ROW_CHILD (row, "file_box")))
        return row;
    }
  return NULL;
}

static const char *
state_shown (XgMessageRow *row)
{
  GtkWidget *icon = ROW_CHILD (row, "state_icon");

  return gtk_widget_get_visible (icon) ? gtk_widget_get_tooltip_text (icon) : NULL;
}

/* The chat row of @app's Chats list for @peer_id (mapped), or NULL. */
static XgConversationRow *
conversation_row (XgApplication *app,
                  guint64        peer_id)
{
  g_autoptr(GPtrArray) rows = xg_app_test_find_all (MAIN_CHILD (app, "conversation_list"), XG_TYPE_CONVERSATION_ROW);

  for (guint i = 0; i < rows->len; i++)
    {
      XgConversationRow *row = rows->pdata[i];
      XgConversation *conversation = xg_conversation_row_get_conversation (row);

      if (conversation != NULL && xg_conversation_get_peer_id (conversation) == peer_id
          && gtk_widget_get_mapped (GTK_WIDGET (row)))
        return row;
    }
  return NULL;
}

/* The unread badge of @peer_id's row shows @badge (NULL: no badge). */
static gboolean
row_badge_is (XgApplication *app,
              guint64        peer_id,
              const char    *badge)
{
  XgConversationRow *row = conversation_row (app, peer_id);
  GtkLabel *label;

  if (row == NULL)
    return FALSE;
  label = xg_app_test_child (row, XG_TYPE_CONVERSATION_ROW, "unread_badge");
  if (badge == NULL)
    return !gtk_widget_get_visible (GTK_WIDGET (label));
  return gtk_widget_get_mapped (GTK_WIDGET (label)) && g_strcmp0 (gtk_label_get_text (label), badge) == 0;
}

static guint
tab_badge (XgApplication *app)
{
  return adw_view_stack_page_get_badge_number (MAIN_CHILD (app, "chats_tab"));
}

static const char *
sidebar_tab (XgApplication *app)
{
  return adw_view_stack_get_visible_child_name (MAIN_CHILD (app, "sidebar_tabs"));
}

static char *
chat_notification_id (guint64 peer_id)
{
  return g_strdup_printf ("chat-%" G_GUINT64_FORMAT, peer_id);
}

/* A small PNG-able picture: @width × @height of one colour. */
static GdkTexture *
make_texture (int width,
              int height)
{
  g_autoptr(GBytes) bytes = NULL;
  guchar *pixels = g_malloc (width * height * 4);

  for (int i = 0; i < width * height; i++)
    {
      pixels[i * 4 + 0] = 0x33;
      pixels[i * 4 + 1] = 0x88;
      pixels[i * 4 + 2] = 0xdd;
      pixels[i * 4 + 3] = 0xff;
    }
  bytes = g_bytes_new_take (pixels, width * height * 4);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, width * 4);
}

/* Closes the toasts @app shows (as their close buttons do). */
static gboolean
toasts_gone (XgApplication *app)
{
  g_autoptr(GPtrArray) buttons = xg_app_test_find_all (MAIN_CHILD (app, "toast_overlay"), GTK_TYPE_BUTTON);
  GType toast_type = g_type_from_name ("AdwToastWidget");
  gboolean any = FALSE;

  for (guint i = 0; i < buttons->len; i++)
    if (toast_type != 0 && gtk_widget_get_ancestor (buttons->pdata[i], toast_type) != NULL
        && gtk_widget_get_mapped (buttons->pdata[i]))
      {
        any = TRUE;
        g_signal_emit_by_name (buttons->pdata[i], "clicked");
      }
  return !any;
}

/* Two accounts, each in its own app, made friends through their sessions. */
static void
two_friends (Fixture  *fixture,
             guint64  *a_id,
             guint64  *b_id)
{
  g_autofree char *a_email = xg_app_test_email ("lilei");
  g_autofree char *b_email = xg_app_test_email ("meimei");

  *a_id = xg_app_test_register (fixture->server, a_email, "Li Lei", PASSWORD);
  *b_id = xg_app_test_register (fixture->server, b_email, "Han Meimei", PASSWORD);
  fixture->a = xg_app_test_start_logged_in ("chat-a", fixture->server, a_email, PASSWORD);
  fixture->b = xg_app_test_start_logged_in ("chat-b", fixture->server, b_email, PASSWORD);
  xg_app_test_befriend (xg_app_test_session_of (fixture->a), xg_app_test_session_of (fixture->b), b_email, "Hi");
  XG_APP_TEST_WAIT_FOR (xg_contacts_lookup (xg_session_get_contacts (xg_app_test_session_of (fixture->a)), *b_id) != NULL);
  XG_APP_TEST_WAIT_FOR (xg_contacts_lookup (xg_session_get_contacts (xg_app_test_session_of (fixture->b)), *a_id) != NULL);
  /* "Now friends" toasts: not what these tests look at. */
  xg_app_test_settle (100);
  XG_APP_TEST_WAIT_FOR (toasts_gone (fixture->a) && toasts_gone (fixture->b));
}

/* A opens the chat with B from B's page in Contacts (Send Message). */
static void
open_chat_from_contact (XgApplication *app,
                        guint64        peer_id)
{
  XgContact *contact = xg_contacts_lookup (xg_session_get_contacts (xg_app_test_session_of (app)), peer_id);
  GtkWidget *page;

  xg_main_window_show_contact (MAIN (app), contact);
  page = gtk_stack_get_child_by_name (MAIN_CHILD (app, "content_stack"), "friend");
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (page));
  xg_app_test_click (xg_app_test_child (page, XG_TYPE_FRIEND_PAGE, "send_message_button"));
  XG_APP_TEST_WAIT_FOR (chat_shown_with (app, peer_id));
}

/* --- 1. Two people chat ------------------------------------------------------------ */

static void
test_conversation (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *to_b = NULL;
  g_autofree char *to_a = NULL;
  g_autofree char *text = NULL;
  XgAppTestNotification *notification;
  XgMessageRow *row;
  guint64 a_id, b_id;

  two_friends (fixture, &a_id, &b_id);
  to_b = chat_notification_id (a_id);   /* B's notification of A's messages */
  to_a = chat_notification_id (b_id);

  /* No chats yet: both open on Contacts; the Chats tab says what to do. */
  g_assert_cmpstr (sidebar_tab (fixture->a), ==, "contacts");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (MAIN_CHILD (fixture->a, "chats_stack")), ==, "empty");

  /* A: B's page, Send Message: the chat, with the keyboard in the composer. */
  xg_app_test_make_active (fixture->a);
  open_chat_from_contact (fixture->a, b_id);
  g_assert_cmpstr (adw_window_title_get_title (MAIN_CHILD (fixture->a, "content_title")), ==, "Han Meimei");
  g_assert_cmpstr (sidebar_tab (fixture->a), ==, "chats");
  g_assert_true (gtk_widget_has_focus (CHAT_CHILD (fixture->a, "composer")));
  g_assert_false (gtk_widget_get_sensitive (CHAT_CHILD (fixture->a, "send_button")));

  /* Typing, Shift+Enter for a second line, Enter sends. */
  type_text (fixture->a, "Hello Meimei");
  g_assert_true (gtk_widget_get_sensitive (CHAT_CHILD (fixture->a, "send_button")));
  g_assert_false (press_key (fixture->a, GDK_KEY_Return, GDK_SHIFT_MASK));   /* the text view's newline */
  gtk_text_buffer_insert_at_cursor (gtk_text_view_get_buffer (CHAT_CHILD (fixture->a, "composer")), "\n", -1);
  type_text (fixture->a, "Are you there?");
  g_assert_true (press_key (fixture->a, GDK_KEY_Return, 0));
  text = composer_text (fixture->a);
  g_assert_cmpstr (text, ==, "");
  g_assert_false (gtk_widget_get_sensitive (CHAT_CHILD (fixture->a, "send_button")));

  /* A's own message, on the right, goes to delivered. */
  XG_APP_TEST_WAIT_FOR ((row = message_row (fixture->a, TRUE, "Hello Meimei\nAre you there?")) != NULL);
  g_assert_cmpint (gtk_widget_get_halign (ROW_CHILD (row, "bubble")), ==, GTK_ALIGN_END);
  g_assert_true (gtk_widget_get_visible (ROW_CHILD (row, "day_label")));
  g_assert_cmpstr (gtk_label_get_text (ROW_CHILD (row, "day_label")), ==, "Today");
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (state_shown (row), "Delivered") == 0);
  XG_APP_TEST_WAIT_FOR (conversation_row (fixture->a, b_id) != NULL);
  g_assert_true (row_badge_is (fixture->a, b_id, NULL));

  /* B was not looking: the unread count in the Chats tab and on the row,
   * and one notification with the sender and the message. */
  XG_APP_TEST_WAIT_FOR (tab_badge (fixture->b) == 1);
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_tab (fixture->b), "chats") == 0);
  XG_APP_TEST_WAIT_FOR (row_badge_is (fixture->b, a_id, "1"));
  XG_APP_TEST_WAIT_FOR ((notification = xg_app_test_notifications_find (fixture->notifications,
                                                                        xg_app_test_app_id (fixture->b), to_b)) != NULL);
  g_assert_cmpstr (notification->title, ==, "Li Lei");
  g_assert_cmpstr (notification->body, ==, "Hello Meimei…");
  g_assert_cmpstr (notification->default_action, ==, "app.open-chat");
  /* A was looking at its own chat. */
  g_assert_null (xg_app_test_notifications_find (fixture->notifications, xg_app_test_app_id (fixture->a), to_a));

  /* B clicks the notification: its chat opens, the count clears and the
   * notification goes. */
  xg_app_test_make_active (fixture->b);
  g_action_group_activate_action (G_ACTION_GROUP (fixture->b), "open-chat", g_variant_new_uint64 (a_id));
  XG_APP_TEST_WAIT_FOR (chat_shown_with (fixture->b, a_id));
  XG_APP_TEST_WAIT_FOR ((row = message_row (fixture->b, FALSE, "Hello Meimei\nAre you there?")) != NULL);
  g_assert_cmpint (gtk_widget_get_halign (ROW_CHILD (row, "bubble")), ==, GTK_ALIGN_START);
  g_assert_false (gtk_widget_get_visible (ROW_CHILD (row, "state_icon")));
  XG_APP_TEST_WAIT_FOR (tab_badge (fixture->b) == 0);
  XG_APP_TEST_WAIT_FOR (row_badge_is (fixture->b, a_id, NULL));
  XG_APP_TEST_WAIT_FOR (xg_app_test_notifications_find (fixture->notifications, xg_app_test_app_id (fixture->b), to_b)->withdrawn);

  /* B answers with the send button; A (not looking now) sees it. */
  type_text (fixture->b, "Yes! 你好");
  xg_app_test_click (CHAT_CHILD (fixture->b, "send_button"));
  XG_APP_TEST_WAIT_FOR ((row = message_row (fixture->a, FALSE, "Yes! 你好")) != NULL);
  g_assert_false (gtk_widget_get_visible (ROW_CHILD (row, "day_label")));   /* the same day as the one before */
  XG_APP_TEST_WAIT_FOR ((notification = xg_app_test_notifications_find (fixture->notifications,
                                                                        xg_app_test_app_id (fixture->a), to_a)) != NULL);
  g_assert_cmpstr (notification->title, ==, "Han Meimei");
  g_assert_cmpstr (notification->body, ==, "Yes! 你好");

  /* B pastes a picture into the composer: it is sent as an image, and A's
   * window shows it as a picture, scaled down. */
  {
    g_autoptr(GdkTexture) texture = make_texture (640, 320);
    GdkClipboard *clipboard = gtk_widget_get_clipboard (CHAT_CHILD (fixture->b, "composer"));

    gdk_clipboard_set_texture (clipboard, texture);
    g_signal_emit_by_name (CHAT_CHILD (fixture->b, "composer"), "paste-clipboard");
    XG_APP_TEST_WAIT_FOR (message_row (fixture->b, TRUE, NULL) != NULL);
    text = (g_free (text), composer_text (fixture->b));
    g_assert_cmpstr (text, ==, "");
  }
  XG_APP_TEST_WAIT_FOR ((row = message_row (fixture->a, FALSE, NULL)) != NULL);
  g_assert_true (xg_message_row_shows_picture (row));
  {
    int width, height;

    gtk_widget_get_size_request (ROW_CHILD (row, "picture"), &width, &height);
    g_assert_cmpint (width, ==, XG_MESSAGE_ROW_IMAGE_MAX);
    g_assert_cmpint (height, ==, XG_MESSAGE_ROW_IMAGE_MAX / 2);
    g_assert_cmpstr (xg_message_get_mime_type (xg_message_row_get_message (row)), ==, "image/png");
  }
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (notification->body, "Image") == 0
                        || ((notification = xg_app_test_notifications_find (fixture->notifications,
                                                                             xg_app_test_app_id (fixture->a), to_a)) != NULL
                            && strstr (notification->body, "Image") != NULL));

  /* B sends a file (as the attach button and a drop do); A sees its name
   * and size, with Save. A file over the limit is refused before sending. */
  {
    g_autofree char *dir = g_dir_make_tmp ("xg-chat-XXXXXX", NULL);
    g_autofree char *path = g_build_filename (dir, "notes.txt", NULL);
    g_autofree char *big_path = g_build_filename (dir, "big.bin", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(GFile) big = g_file_new_for_path (big_path);
    FILE *f;

    g_assert_true (g_file_set_contents (path, "shopping: rice, tea\n", -1, NULL));
    xg_chat_page_send_file (XG_CHAT_PAGE (chat_page (fixture->b)), file);
    XG_APP_TEST_WAIT_FOR ((row = message_row (fixture->a, FALSE, "notes.txt")) != NULL);
    g_assert_cmpstr (gtk_label_get_text (ROW_CHILD (row, "file_size_label")), ==, "20 bytes");
    g_assert_true (gtk_widget_get_mapped (ROW_CHILD (row, "save_button")));

    f = fopen (big_path, "w");
    g_assert_nonnull (f);
    g_assert_cmpint (ftruncate (fileno (f), XG_PROTO_MAX_PAYLOAD_BYTES + 1), ==, 0);
    fclose (f);
    xg_chat_page_send_file (XG_CHAT_PAGE (chat_page (fixture->b)), big);
    XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (CHAT_CHILD (fixture->b, "composer_error")));
    g_assert_nonnull (strstr (gtk_label_get_text (CHAT_CHILD (fixture->b, "composer_error")), "“big.bin” is too large to send"));
    g_assert_null (message_row (fixture->b, TRUE, "big.bin"));
    g_unlink (path);
    g_unlink (big_path);
    g_rmdir (dir);
  }

  /* Files copied in a file manager (a file list, with their paths as text
   * too, as Files offers them) paste as files, not as the paths; a file
   * list dropped on the page goes the same way. */
  {
    g_autofree char *dir = g_dir_make_tmp ("xg-chat-XXXXXX", NULL);
    g_autofree char *path = g_build_filename (dir, "pasted.txt", NULL);
    g_autofree char *dropped_path = g_build_filename (dir, "dropped.txt", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(GFile) dropped = g_file_new_for_path (dropped_path);
    g_autoptr(GdkContentProvider) provider = NULL;
    g_autoptr(GListModel) controllers = NULL;
    GdkContentProvider *both[2];
    GtkDropTarget *target = NULL;
    GSList *files;
    GValue value = G_VALUE_INIT;
    gboolean taken = FALSE;

    g_assert_true (g_file_set_contents (path, "pasted\n", -1, NULL));
    g_assert_true (g_file_set_contents (dropped_path, "dropped\n", -1, NULL));
    files = g_slist_prepend (NULL, file);
    both[0] = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, files);
    both[1] = gdk_content_provider_new_typed (G_TYPE_STRING, path);
    g_slist_free (files);
    provider = gdk_content_provider_new_union (both, 2);
    gdk_clipboard_set_content (gtk_widget_get_clipboard (CHAT_CHILD (fixture->b, "composer")), provider);
    g_signal_emit_by_name (CHAT_CHILD (fixture->b, "composer"), "paste-clipboard");
    XG_APP_TEST_WAIT_FOR ((row = message_row (fixture->a, FALSE, "pasted.txt")) != NULL);
    g_assert_cmpstr (gtk_label_get_text (ROW_CHILD (row, "file_size_label")), ==, "7 bytes");
    text = (g_free (text), composer_text (fixture->b));
    g_assert_cmpstr (text, ==, "");

    controllers = gtk_widget_observe_controllers (chat_page (fixture->b));
    for (guint i = 0; i < g_list_model_get_n_items (controllers) && target == NULL; i++)
      {
        g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

        if (GTK_IS_DROP_TARGET (controller))
          target = GTK_DROP_TARGET (controller);
      }
    g_assert_nonnull (target);
    g_assert_true (gdk_content_formats_contain_gtype (gtk_drop_target_get_formats (target), GDK_TYPE_FILE_LIST));
    g_value_init (&value, GDK_TYPE_FILE_LIST);
    g_value_take_boxed (&value, g_slist_prepend (NULL, g_object_ref (dropped)));
    g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &taken);
    g_value_unset (&value);
    g_assert_true (taken);
    XG_APP_TEST_WAIT_FOR ((row = message_row (fixture->a, FALSE, "dropped.txt")) != NULL);
    g_assert_cmpstr (gtk_label_get_text (ROW_CHILD (row, "file_size_label")), ==, "8 bytes");

    g_unlink (path);
    g_unlink (dropped_path);
    g_rmdir (dir);
  }

  xg_app_test_check_accessible ("a chat");
}

/* --- 2. A message to someone who ended the friendship ---------------------------- */

static void
test_failed (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  XgContacts *b_contacts;
  XgMessageRow *row;
  guint64 a_id, b_id;

  two_friends (fixture, &a_id, &b_id);
  xg_app_test_make_active (fixture->a);
  open_chat_from_contact (fixture->a, b_id);
  type_text (fixture->a, "First");
  g_assert_true (press_key (fixture->a, GDK_KEY_Return, 0));
  XG_APP_TEST_WAIT_FOR ((row = message_row (fixture->a, TRUE, "First")) != NULL
                        && g_strcmp0 (state_shown (row), "Delivered") == 0);

  /* B ends it; A's chat stays, and the next message fails. */
  b_contacts = xg_session_get_contacts (xg_app_test_session_of (fixture->b));
  xg_contacts_remove_async (b_contacts, xg_contacts_lookup (b_contacts, a_id), NULL,
                            xg_app_test_store_result, &result);
  XG_APP_TEST_WAIT_FOR (result != NULL);
  g_assert_true (xg_contacts_remove_finish (b_contacts, result, &error));
  g_assert_no_error (error);
  XG_APP_TEST_WAIT_FOR (xg_contacts_lookup (xg_session_get_contacts (xg_app_test_session_of (fixture->a)), b_id) == NULL);

  /* The Chats list still has the chat, and opening it from there works. */
  XG_APP_TEST_WAIT_FOR (conversation_row (fixture->a, b_id) != NULL);
  xg_main_window_show_chat (MAIN (fixture->a), b_id);
  XG_APP_TEST_WAIT_FOR (chat_shown_with (fixture->a, b_id));
  type_text (fixture->a, "Still there?");
  g_assert_true (press_key (fixture->a, GDK_KEY_Return, 0));
  XG_APP_TEST_WAIT_FOR ((row = message_row (fixture->a, TRUE, "Still there?")) != NULL);
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (state_shown (row), "Not sent") == 0);
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (ROW_CHILD (row, "retry_button")));
  g_assert_cmpstr (gtk_label_get_text (ROW_CHILD (row, "failure_label")), ==, "Only friends can message each other");

  /* Retry sends it again (with its id): refused again, Retry again. */
  xg_app_test_click (ROW_CHILD (row, "retry_button"));
  g_assert_cmpint (xg_message_get_state (xg_message_row_get_message (row)), ==, XG_MESSAGE_SENDING);
  XG_APP_TEST_WAIT_FOR (xg_message_get_state (xg_message_row_get_message (row)) == XG_MESSAGE_FAILED);
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (ROW_CHILD (row, "retry_button")));

  xg_app_test_check_accessible ("a failed message");
}

/* --- 3. Finding and switching chats from the keyboard --------------------------- */

static void
test_keyboard (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *c_email = xg_app_test_email ("lucy");
  g_autoptr(XgSession) c = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgMessage) m1 = NULL;
  g_autoptr(XgMessage) m2 = NULL;
  g_autofree char *a_email = NULL;
  guint64 a_id, b_id, c_id;
  GtkWidget *entry;

  two_friends (fixture, &a_id, &b_id);
  a_email = g_strdup (xg_session_get_email (xg_app_test_session_of (fixture->a)));
  c_id = xg_app_test_register (fixture->server, c_email, "Lucy", PASSWORD);
  c = xg_app_test_session_new (fixture->server);
  xg_app_test_login (c, c_email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (xg_contacts_get_loaded (xg_session_get_contacts (c))
                        && xg_friend_requests_get_loaded (xg_session_get_friend_requests (c))
                        && xg_conversations_get_loaded (xg_session_get_conversations (c)));
  xg_app_test_befriend (c, xg_app_test_session_of (fixture->a), a_email, "Hi");

  /* Two chats with A: Meimei's, then Lucy's (the newest, first). */
  m1 = xg_conversation_send_text (xg_conversations_get (xg_session_get_conversations (xg_app_test_session_of (fixture->b)), a_id),
                                  "from Meimei", &error);
  g_assert_no_error (error);
  XG_APP_TEST_WAIT_FOR (conversation_row (fixture->a, b_id) != NULL);
  m2 = xg_conversation_send_text (xg_conversations_get (xg_session_get_conversations (c), a_id), "from Lucy", &error);
  g_assert_no_error (error);
  XG_APP_TEST_WAIT_FOR (conversation_row (fixture->a, c_id) != NULL);
  XG_APP_TEST_WAIT_FOR (tab_badge (fixture->a) == 2);

  /* Alt+Down from nothing: the first chat (Lucy); again: Meimei; Alt+Up: Lucy. */
  xg_app_test_make_active (fixture->a);
  gtk_widget_activate_action (GTK_WIDGET (MAIN (fixture->a)), "win.next-chat", NULL);
  XG_APP_TEST_WAIT_FOR (chat_shown_with (fixture->a, c_id));
  gtk_widget_activate_action (GTK_WIDGET (MAIN (fixture->a)), "win.next-chat", NULL);
  XG_APP_TEST_WAIT_FOR (chat_shown_with (fixture->a, b_id));
  gtk_widget_activate_action (GTK_WIDGET (MAIN (fixture->a)), "win.previous-chat", NULL);
  XG_APP_TEST_WAIT_FOR (chat_shown_with (fixture->a, c_id));
  XG_APP_TEST_WAIT_FOR (tab_badge (fixture->a) == 0);

  /* Ctrl+K: the search; typing filters by name; Escape brings all back. */
  gtk_widget_activate_action (GTK_WIDGET (MAIN (fixture->a)), "win.search-chats", NULL);
  entry = MAIN_CHILD (fixture->a, "chat_search_entry");
  XG_APP_TEST_WAIT_FOR (gtk_widget_has_focus (GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (entry)))));
  xg_app_test_set_text (entry, "meim");
  g_signal_emit_by_name (entry, "search-changed");
  XG_APP_TEST_WAIT_FOR (conversation_row (fixture->a, c_id) == NULL);
  g_assert_nonnull (conversation_row (fixture->a, b_id));
  xg_app_test_set_text (entry, "nobody");
  g_signal_emit_by_name (entry, "search-changed");
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (gtk_stack_get_visible_child_name (MAIN_CHILD (fixture->a, "chats_stack")), "no-matches") == 0);
  g_signal_emit_by_name (entry, "stop-search");
  XG_APP_TEST_WAIT_FOR (conversation_row (fixture->a, c_id) != NULL && conversation_row (fixture->a, b_id) != NULL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");

  xg_session_disconnect (c);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  /* The tests compare English text. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/app/chat/conversation", Fixture, NULL, fixture_set_up, test_conversation, fixture_tear_down);
  g_test_add ("/app/chat/failed", Fixture, NULL, fixture_set_up, test_failed, fixture_tear_down);
  g_test_add ("/app/chat/keyboard", Fixture, NULL, fixture_set_up, test_keyboard, fixture_tear_down);

  return g_test_run ();
}
