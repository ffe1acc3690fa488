/* test-app-friends.c: friends end to end, through the real windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test starts its own xinge-server and one or two apps, each with a
 * profile (so an application id, device cache and account database) of its
 * own, in this one process: two XgApplications side by side work, as two
 * people on one desktop. Where a test needs a second start of the same
 * profile, each start runs in a subprocess (GtkApplication keeps its bus
 * name until its process ends). Accounts that only need to be there are
 * side sessions of the client core. A stand-in notification server on the
 * test's bus records the desktop notifications.
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "xg-add-friend-window.h"
#include "xg-app-test.h"
#include "xg-contact-row.h"
#include "xg-friend-page.h"
#include "xg-login-window.h"
#include "xg-main-window.h"
#include "xg-paths.h"
#include "xg-profile-window.h"
#include "xg-proto-limits.h"
#include "xg-request-row.h"
#include "xg-requests-page.h"

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
  const char *config = data;

  fixture->server = config ? xg_app_test_server_start_with_config (config) : xg_app_test_server_start ();
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

#define LOGIN_CHILD(app, name) \
  xg_app_test_child (xg_application_get_login_window (app), XG_TYPE_LOGIN_WINDOW, name)
#define MAIN(app) XG_MAIN_WINDOW (xg_application_get_main_window (app))
#define MAIN_CHILD(app, name) \
  xg_app_test_child (xg_application_get_main_window (app), XG_TYPE_MAIN_WINDOW, name)
#define ADD_CHILD(window, name) xg_app_test_child (window, XG_TYPE_ADD_FRIEND_WINDOW, name)
#define PAGE_CHILD(page, name) xg_app_test_child (page, XG_TYPE_FRIEND_PAGE, name)
#define ROW_CHILD(row, name) xg_app_test_child (row, XG_TYPE_REQUEST_ROW, name)

static gboolean
main_window_shown (XgApplication *app)
{
  GtkWindow *window = xg_application_get_main_window (app);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window))
         && xg_application_get_login_window (app) == NULL;
}

static XgSession *
session_of (XgApplication *app)
{
  return xg_main_window_get_session (MAIN (app));
}

/* Logs in with the login window, and waits for what the server had. */
static void
log_in_with_window (XgApplication *app,
                    const char    *email)
{
  xg_app_test_set_text (LOGIN_CHILD (app, "email_row"), email);
  xg_app_test_set_text (LOGIN_CHILD (app, "password_row"), PASSWORD);
  xg_app_test_click (LOGIN_CHILD (app, "login_button"));
  XG_APP_TEST_WAIT_FOR (main_window_shown (app));
  XG_APP_TEST_WAIT_FOR (xg_session_get_synced (session_of (app)));
}

static XgApplication *
start_logged_in (const char      *profile,
                 XgAppTestServer *server,
                 const char      *email)
{
  XgApplication *app = xg_app_test_start_app (profile, server);

  log_in_with_window (app, email);
  return app;
}

static const char *
sidebar_page (XgApplication *app)
{
  return gtk_stack_get_visible_child_name (MAIN_CHILD (app, "sidebar_stack"));
}

static const char *
content_page (XgApplication *app)
{
  return gtk_stack_get_visible_child_name (MAIN_CHILD (app, "content_stack"));
}

static GtkWidget *
content_child (XgApplication *app,
               const char    *name)
{
  return gtk_stack_get_child_by_name (MAIN_CHILD (app, "content_stack"), name);
}

/* The rows the contact list shows, as "name|Online;name|Offline;…" in order. */
static char *
shown_rows (XgApplication *app)
{
  g_autoptr(GPtrArray) rows = xg_app_test_find_all (MAIN_CHILD (app, "contact_list"), XG_TYPE_CONTACT_ROW);
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (MAIN_CHILD (app, "contact_list")));
  GString *text = g_string_new (NULL);

  if (!gtk_widget_get_mapped (MAIN_CHILD (app, "contact_list")))
    return g_string_free (text, FALSE);
  /* In the model's order: each item's row, as it shows. */
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(XgContact) contact = g_list_model_get_item (model, i);

      for (guint j = 0; j < rows->len; j++)
        {
          XgContactRow *row = rows->pdata[j];

          if (xg_contact_row_get_contact (row) == contact && gtk_widget_get_mapped (GTK_WIDGET (row)))
            {
              GtkLabel *name = xg_app_test_child (row, XG_TYPE_CONTACT_ROW, "name_label");
              GtkWidget *presence = xg_app_test_child (row, XG_TYPE_CONTACT_ROW, "presence");

              g_string_append_printf (text, "%s%s|%s", text->len ? ";" : "", gtk_label_get_text (name),
                                      gtk_widget_has_css_class (presence, "online") ? "Online" : "Offline");
            }
        }
    }
  return g_string_free (text, FALSE);
}

static gboolean
rows_are (XgApplication *app,
          const char    *expected)
{
  g_autofree char *rows = shown_rows (app);

  if (g_strcmp0 (rows, expected) != 0)
    g_test_message ("rows: “%s”, waiting for “%s”", rows, expected);
  return g_strcmp0 (rows, expected) == 0;
}

static XgContact *
shown_contact (XgApplication *app,
               guint          position)
{
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (MAIN_CHILD (app, "contact_list")));
  g_autoptr(XgContact) contact = g_list_model_get_item (model, position);

  return contact;   /* the model keeps it */
}

static XgAddFriendWindow *
open_add_friend (XgApplication *app)
{
  GtkWindow *window = NULL;

  xg_app_test_click (MAIN_CHILD (app, "add_friend_button"));
  XG_APP_TEST_WAIT_FOR ((window = xg_app_test_find_window (XG_TYPE_ADD_FRIEND_WINDOW,
                                                           GTK_WINDOW (MAIN (app)))) != NULL
                        && gtk_widget_get_mapped (GTK_WIDGET (window)));
  return XG_ADD_FRIEND_WINDOW (window);
}

/* Types @email and presses Enter; waits for the lookup to end. */
static void
find_by_email (XgAddFriendWindow *window,
               const char        *email)
{
  xg_app_test_set_text (ADD_CHILD (window, "email_row"), email);
  g_signal_emit_by_name (ADD_CHILD (window, "email_row"), "entry-activated");
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (ADD_CHILD (window, "find_spinner")));
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (ADD_CHILD (window, "find_error"))
                        || gtk_widget_get_visible (ADD_CHILD (window, "found_group")));
}

/* The row of a request under @page (mapped), or NULL. */
static XgRequestRow *
request_row_in (gpointer    page,
                const char *nickname,
                gboolean    outgoing)
{
  g_autoptr(GPtrArray) rows = xg_app_test_find_all (page, XG_TYPE_REQUEST_ROW);

  for (guint i = 0; i < rows->len; i++)
    {
      XgRequestRow *row = rows->pdata[i];
      XgFriendRequest *request = xg_request_row_get_request (row);

      if (gtk_widget_get_mapped (GTK_WIDGET (row))
          && g_strcmp0 (xg_friend_request_get_nickname (request), nickname) == 0
          && xg_friend_request_get_outgoing (request) == outgoing)
        return row;
    }
  return NULL;
}

static XgRequestRow *
request_row (XgApplication *app,
             const char    *nickname,
             gboolean       outgoing)
{
  return request_row_in (content_child (app, "requests"), nickname, outgoing);
}

/* The row's Accept and Decline wait for an answer in flight. */
static gboolean
row_is_busy (XgRequestRow *row)
{
  return gtk_widget_get_visible (ROW_CHILD (row, "spinner"))
         && !gtk_widget_get_sensitive (ROW_CHILD (row, "accept_button"))
         && !gtk_widget_get_sensitive (ROW_CHILD (row, "decline_button"));
}

static gboolean
requests_entry_shows (XgApplication *app,
                      const char    *badge)
{
  GtkLabel *label = MAIN_CHILD (app, "requests_badge");

  if (!gtk_widget_get_mapped (MAIN_CHILD (app, "requests_row")))
    return FALSE;
  if (badge == NULL)
    return !gtk_widget_get_visible (GTK_WIDGET (label));
  return gtk_widget_get_mapped (GTK_WIDGET (label)) && g_strcmp0 (gtk_label_get_text (label), badge) == 0;
}

static gboolean
toast_shows (XgApplication *app,
             const char    *text)
{
  return xg_app_test_toast_shows (MAIN_CHILD (app, "toast_overlay"), text);
}

static void
make_active (GtkWindow *window)
{
  gtk_window_present (window);
  XG_APP_TEST_WAIT_FOR (gtk_window_is_active (window));
}

/* Clicks the dialog's button for a response, as a person would (which
 * also closes the dialog). */
static void
click_response (GtkWindow  *dialog,
                const char *label)
{
  GtkWidget *button;

  XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  button = xg_app_test_find_widget (dialog, GTK_TYPE_BUTTON, label);
  if (button == NULL)
    g_error ("the dialog has no button “%s”", label);
  xg_app_test_click (button);
}

static char *
notification_id (const char *kind,
                 guint64     peer_id)
{
  return g_strdup_printf ("friend-%s-%" G_GUINT64_FORMAT, kind, peer_id);
}

static const char *
app_id (XgApplication *app)
{
  return g_application_get_application_id (G_APPLICATION (app));
}

/* @session's account takes another nickname (its friends are told). */
static void
set_nickname (XgSession  *session,
              const char *nickname)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GVariantDict changes;

  g_variant_dict_init (&changes, NULL);
  g_variant_dict_insert (&changes, "nickname", "s", nickname);
  xg_session_update_profile_async (session, g_variant_dict_end (&changes), NULL,
                                   xg_app_test_store_result, &result);
  XG_APP_TEST_WAIT_FOR (result != NULL);
  xg_session_update_profile_finish (session, result, &error);
  g_assert_no_error (error);
}

/* --- 1. Two people befriend each other ------------------------------------------------ */

static void
test_befriend (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *a_email = xg_app_test_email ("lilei");
  g_autofree char *b_email = xg_app_test_email ("meimei");
  g_autofree char *b_number = NULL;
  g_autofree char *request_id = NULL;
  g_autofree char *answer_id = NULL;
  const char *greeting = "Hi Meimei, it’s Li Lei from the pigeon club";
  XgAddFriendWindow *add;
  XgAppTestNotification *notification;
  XgRequestRow *row;
  XgContact *contact;
  GtkWidget *page;
  guint64 a_id, b_id;

  a_id = xg_app_test_register (fixture->server, a_email, "Li Lei", PASSWORD);
  b_id = xg_app_test_register (fixture->server, b_email, "Han Meimei", PASSWORD);
  fixture->a = start_logged_in ("friends-a", fixture->server, a_email);
  fixture->b = start_logged_in ("friends-b", fixture->server, b_email);
  g_assert_cmpstr (app_id (fixture->a), !=, app_id (fixture->b));

  /* New accounts: the empty state says how to add a friend. */
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_page (fixture->a), "empty") == 0);
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_page (fixture->b), "empty") == 0);
  g_assert_nonnull (strstr (adw_status_page_get_description (MAIN_CHILD (fixture->a, "empty_page")),
                            "by their email address"));
  g_assert_true (gtk_widget_get_mapped (MAIN_CHILD (fixture->a, "empty_add_button")));
  g_assert_false (gtk_widget_get_visible (MAIN_CHILD (fixture->a, "requests_list")));
  g_assert_false (gtk_widget_get_visible (MAIN_CHILD (fixture->a, "search_entry")));
  gtk_test_accessible_assert_state (MAIN_CHILD (fixture->a, "search_entry"), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE);
  g_assert_cmpstr (content_page (fixture->a), ==, "empty");

  /* A: Add Friend from the header, B's address, Enter: who it is. */
  make_active (GTK_WINDOW (MAIN (fixture->a)));
  add = open_add_friend (fixture->a);
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "found_group")));
  find_by_email (add, b_email);
  g_assert_true (gtk_widget_get_visible (ADD_CHILD (add, "found_group")));
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "find_error")));
  g_assert_cmpstr (gtk_label_get_text (ADD_CHILD (add, "found_nickname")), ==, "Han Meimei");
  b_number = g_strdup_printf ("%" G_GUINT64_FORMAT, b_id);
  g_assert_nonnull (strstr (gtk_label_get_text (ADD_CHILD (add, "found_account")), b_number));
  g_assert_cmpuint (xg_profile_get_account_id (xg_add_friend_window_get_found (add)), ==, b_id);
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "found_note")));

  /* The greeting is counted as it is typed. */
  g_assert_cmpstr (gtk_label_get_text (ADD_CHILD (add, "greeting_count")), ==, "0/128");
  xg_app_test_set_text (ADD_CHILD (add, "greeting_row"), greeting);
  {
    g_autofree char *count = g_strdup_printf ("%ld/%u", g_utf8_strlen (greeting, -1), XG_PROTO_MAX_GREETING_CHARS);
    g_assert_cmpstr (gtk_label_get_text (ADD_CHILD (add, "greeting_count")), ==, count);
  }

  /* B's window is not the active one: B will get a notification. */
  XG_APP_TEST_WAIT_FOR (gtk_window_is_active (GTK_WINDOW (add)));
  g_assert_false (gtk_window_is_active (GTK_WINDOW (MAIN (fixture->b))));
  xg_app_test_click (ADD_CHILD (add, "send_button"));
  XG_APP_TEST_WAIT_FOR (xg_app_test_find_window (XG_TYPE_ADD_FRIEND_WINDOW, NULL) == NULL);
  XG_APP_TEST_WAIT_FOR (toast_shows (fixture->a, "Friend request sent to Han Meimei"));

  /* A: the request waits for B's answer (no badge: nothing for A to answer). */
  XG_APP_TEST_WAIT_FOR (requests_entry_shows (fixture->a, NULL));
  gtk_widget_activate (MAIN_CHILD (fixture->a, "requests_row"));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (content_page (fixture->a), "requests") == 0);
  XG_APP_TEST_WAIT_FOR ((row = request_row (fixture->a, "Han Meimei", TRUE)) != NULL);
  g_assert_true (gtk_widget_get_visible (ROW_CHILD (row, "waiting_label")));
  g_assert_cmpstr (gtk_label_get_text (ROW_CHILD (row, "waiting_label")), ==, "Waiting for an answer");
  g_assert_cmpstr (gtk_label_get_text (ROW_CHILD (row, "time_label")), ==, "just now");
  g_assert_false (gtk_widget_get_visible (ROW_CHILD (row, "buttons_box")));

  /* B: the Friend Requests entry with its badge, and the notification. */
  XG_APP_TEST_WAIT_FOR (requests_entry_shows (fixture->b, "1"));
  request_id = notification_id ("request", a_id);
  XG_APP_TEST_WAIT_FOR ((notification = xg_app_test_notifications_find (fixture->notifications,
                                                                          app_id (fixture->b),
                                                                          request_id)) != NULL);
  g_assert_cmpstr (notification->title, ==, "New Friend Request");
  g_assert_nonnull (strstr (notification->body, "Li Lei wants to be your friend"));
  g_assert_nonnull (strstr (notification->body, greeting));
  g_assert_false (notification->withdrawn);
  g_assert_cmpstr (notification->default_action, ==, "app.show-friend-requests");
  g_assert_cmpuint (xg_app_test_notifications_count (fixture->notifications, app_id (fixture->a)), ==, 0);

  /* Clicking it runs its default action: B's requests page. */
  g_action_group_activate_action (G_ACTION_GROUP (fixture->b), "show-friend-requests", NULL);
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (content_page (fixture->b), "requests") == 0);
  XG_APP_TEST_WAIT_FOR ((row = request_row (fixture->b, "Li Lei", FALSE)) != NULL);
  g_assert_nonnull (strstr (gtk_label_get_text (ROW_CHILD (row, "greeting_label")), greeting));
  g_assert_cmpstr (gtk_label_get_text (ROW_CHILD (row, "time_label")), ==, "just now");
  g_assert_true (gtk_widget_get_mapped (ROW_CHILD (row, "accept_button")));
  g_assert_true (gtk_widget_get_mapped (ROW_CHILD (row, "decline_button")));

  /* A looks at its window; B accepts. */
  make_active (GTK_WINDOW (MAIN (fixture->a)));
  xg_app_test_click (ROW_CHILD (row, "accept_button"));

  /* Both lists show the other, online; the requests are gone. */
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Han Meimei|Online"));
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->b, "Li Lei|Online"));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_page (fixture->a), "contacts") == 0);
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (MAIN_CHILD (fixture->b, "requests_list")));
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (MAIN_CHILD (fixture->a, "requests_list")));
  XG_APP_TEST_WAIT_FOR (toast_shows (fixture->b, "You and Li Lei are now friends"));
  /* A's toast; A was looking, so no notification for it. */
  XG_APP_TEST_WAIT_FOR (toast_shows (fixture->a, "Han Meimei accepted your friend request"));
  answer_id = notification_id ("answer", b_id);
  g_assert_null (xg_app_test_notifications_find (fixture->notifications, app_id (fixture->a), answer_id));
  /* B's notification went with the request. */
  XG_APP_TEST_WAIT_FOR (xg_app_test_notifications_find (fixture->notifications, app_id (fixture->b),
                                                        request_id)->withdrawn);

  /* A opens B's page: who B is, and that B is online. */
  xg_main_window_show_contact (MAIN (fixture->a), shown_contact (fixture->a, 0));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (content_page (fixture->a), "friend") == 0);
  page = content_child (fixture->a, "friend");
  contact = xg_friend_page_get_contact (XG_FRIEND_PAGE (page));
  g_assert_cmpuint (xg_contact_get_account_id (contact), ==, b_id);
  g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (page, "name_label")), ==, "Han Meimei");
  g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (page, "account_label")), ==, b_number);
  g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (page, "presence_label")), ==, "Online");
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (page, "nickname_label")));
  /* B left these empty: they are left out. */
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (page, "signature_row")));
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (page, "birthday_row")));
  g_assert_cmpstr (adw_window_title_get_title (MAIN_CHILD (fixture->a, "content_title")), ==, "Han Meimei");

  /* B opens A's page too. */
  xg_main_window_show_contact (MAIN (fixture->b), shown_contact (fixture->b, 0));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (content_page (fixture->b), "friend") == 0);

  /* A's remark for B, in place: A's list and page follow; B sees nothing. */
  xg_app_test_set_text (PAGE_CHILD (page, "remark_row"), "  Meimei ");
  g_signal_emit_by_name (PAGE_CHILD (page, "remark_row"), "apply");
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Meimei|Online"));
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (PAGE_CHILD (page, "remark_spinner")));
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (page, "remark_error")));
  g_assert_cmpstr (gtk_editable_get_text (PAGE_CHILD (page, "remark_row")), ==, "Meimei");
  g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (page, "name_label")), ==, "Meimei");
  g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (page, "nickname_label")), ==, "Nickname: Han Meimei");
  g_assert_cmpstr (adw_window_title_get_title (MAIN_CHILD (fixture->a, "content_title")), ==, "Meimei");
  /* The server has the remark (A heard so): anything it pushed B for it
   * has reached B before the answer to B's next request. */
  xg_app_test_round_trip (session_of (fixture->b));
  g_assert_true (rows_are (fixture->b, "Li Lei|Online"));
  g_assert_cmpstr (xg_contact_get_remark (shown_contact (fixture->b, 0)), ==, "");

  /* A remark past the rules is caught in the page. */
  {
    g_autofree char *long_remark = g_strnfill (XG_PROTO_MAX_REMARK_CHARS + 1, 'x');

    xg_app_test_set_text (PAGE_CHILD (page, "remark_row"), long_remark);
    g_signal_emit_by_name (PAGE_CHILD (page, "remark_row"), "apply");
    g_assert_true (xg_app_test_label_shows (PAGE_CHILD (page, "remark_error"), "at most 32 characters"));
    g_assert_true (rows_are (fixture->a, "Meimei|Online"));
    xg_app_test_set_text (PAGE_CHILD (page, "remark_row"), "Meimei");
    g_assert_false (gtk_widget_get_visible (PAGE_CHILD (page, "remark_error")));
  }

  /* A removes B, after saying yes in a dialog that names B. */
  xg_app_test_click (PAGE_CHILD (page, "remove_button"));
  {
    GtkWindow *dialog = xg_friend_page_get_remove_dialog (XG_FRIEND_PAGE (page));

    g_assert_nonnull (dialog);
    XG_APP_TEST_WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
    g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Remove Meimei?");
    g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (MAIN (fixture->a)));
    /* "Cancel" keeps the friend. */
    click_response (dialog, "_Cancel");
    XG_APP_TEST_WAIT_FOR (xg_friend_page_get_remove_dialog (XG_FRIEND_PAGE (page)) == NULL);
    /* Had A asked the server to remove B, its answer (and B's push)
     * would come before the answers to these. */
    xg_app_test_round_trip (session_of (fixture->a));
    xg_app_test_round_trip (session_of (fixture->b));
    g_assert_true (rows_are (fixture->a, "Meimei|Online"));
    g_assert_true (rows_are (fixture->b, "Li Lei|Online"));
  }
  xg_app_test_click (PAGE_CHILD (page, "remove_button"));
  click_response (xg_friend_page_get_remove_dialog (XG_FRIEND_PAGE (page)), "_Remove");
  XG_APP_TEST_WAIT_FOR (xg_friend_page_get_remove_dialog (XG_FRIEND_PAGE (page)) == NULL);

  /* Both lists are empty again; both pages closed, on either side. */
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_page (fixture->a), "empty") == 0);
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_page (fixture->b), "empty") == 0);
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (content_page (fixture->a), "empty") == 0);
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (content_page (fixture->b), "empty") == 0);
  g_assert_null (xg_friend_page_get_contact (XG_FRIEND_PAGE (page)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (xg_session_get_contacts (session_of (fixture->a)))), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (xg_session_get_contacts (session_of (fixture->b)))), ==, 0);
  g_assert_cmpstr (adw_window_title_get_title (MAIN_CHILD (fixture->a, "content_title")), ==, "Xinge");
}


/* --- 2. Declining, with a reason -------------------------------------------------------- */

static void
test_decline (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *a_email = xg_app_test_email ("asker");
  g_autofree char *b_email = xg_app_test_email ("decliner");
  g_autofree char *answer_id = NULL;
  g_autofree char *too_long = g_strnfill (XG_PROTO_MAX_REASON_CHARS + 1, 'r');
  const char *reason = "Sorry, I don’t know you";
  XgAddFriendWindow *add;
  XgAppTestNotification *notification;
  XgRequestRow *row;
  GtkWindow *dialog = NULL;
  AdwEntryRow *reason_row;
  guint64 b_id;

  xg_app_test_register (fixture->server, a_email, "Zhang San", PASSWORD);
  b_id = xg_app_test_register (fixture->server, b_email, "Li Si", PASSWORD);
  fixture->a = start_logged_in ("decline-a", fixture->server, a_email);
  fixture->b = start_logged_in ("decline-b", fixture->server, b_email);

  /* A asks, with the Find button this time, and no greeting. */
  add = open_add_friend (fixture->a);
  xg_app_test_set_text (ADD_CHILD (add, "email_row"), b_email);
  xg_app_test_click (ADD_CHILD (add, "find_button"));
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (ADD_CHILD (add, "found_group")));
  xg_app_test_click (ADD_CHILD (add, "send_button"));
  XG_APP_TEST_WAIT_FOR (xg_app_test_find_window (XG_TYPE_ADD_FRIEND_WINDOW, NULL) == NULL);
  XG_APP_TEST_WAIT_FOR (toast_shows (fixture->a, "Friend request sent to Li Si"));

  /* B, looking at its window, declines with a reason. */
  make_active (GTK_WINDOW (MAIN (fixture->b)));
  XG_APP_TEST_WAIT_FOR (requests_entry_shows (fixture->b, "1"));
  gtk_widget_activate (MAIN_CHILD (fixture->b, "requests_row"));
  XG_APP_TEST_WAIT_FOR ((row = request_row (fixture->b, "Zhang San", FALSE)) != NULL);
  /* No greeting, no quote. */
  g_assert_false (gtk_widget_get_visible (ROW_CHILD (row, "greeting_label")));
  xg_app_test_click (ROW_CHILD (row, "decline_button"));
  XG_APP_TEST_WAIT_FOR ((dialog = xg_app_test_find_window (ADW_TYPE_MESSAGE_DIALOG,
                                                           GTK_WINDOW (MAIN (fixture->b)))) != NULL);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Decline Zhang San’s Request?");
  reason_row = xg_app_test_find_widget (dialog, ADW_TYPE_ENTRY_ROW, "Reason");
  g_assert_nonnull (reason_row);

  /* A reason past the rules cannot be sent. */
  xg_app_test_set_text (reason_row, too_long);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "decline"));
  g_assert_nonnull (xg_app_test_find_widget (dialog, GTK_TYPE_LABEL, "at most 128 characters"));
  xg_app_test_set_text (reason_row, reason);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "decline"));
  {
    g_autofree char *count = g_strdup_printf ("%ld/%u", g_utf8_strlen (reason, -1), XG_PROTO_MAX_REASON_CHARS);
    g_assert_nonnull (xg_app_test_find_widget (dialog, GTK_TYPE_LABEL, count));
  }
  g_assert_false (gtk_window_is_active (GTK_WINDOW (MAIN (fixture->a))));
  click_response (dialog, "_Decline");
  XG_APP_TEST_WAIT_FOR (xg_app_test_find_window (ADW_TYPE_MESSAGE_DIALOG, NULL) == NULL);

  /* B: the request is gone, and so is the entry. */
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (MAIN_CHILD (fixture->b, "requests_list")));
  XG_APP_TEST_WAIT_FOR (toast_shows (fixture->b, "You declined the request from Zhang San"));
  g_assert_cmpstr (content_page (fixture->b), ==, "requests");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (xg_app_test_child (content_child (fixture->b, "requests"),
                                                                        XG_TYPE_REQUESTS_PAGE, "stack")),
                   ==, "empty");

  /* A sees why: a toast, and (not looking) a notification. */
  XG_APP_TEST_WAIT_FOR (toast_shows (fixture->a, "Li Si declined: Sorry, I don’t know you"));
  answer_id = notification_id ("answer", b_id);
  XG_APP_TEST_WAIT_FOR ((notification = xg_app_test_notifications_find (fixture->notifications,
                                                                          app_id (fixture->a),
                                                                          answer_id)) != NULL);
  g_assert_cmpstr (notification->title, ==, "Friend Request Declined");
  g_assert_cmpstr (notification->body, ==, "Li Si declined: Sorry, I don’t know you");
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (MAIN_CHILD (fixture->a, "requests_list")));
  g_assert_cmpstr (sidebar_page (fixture->a), ==, "empty");
  g_assert_cmpstr (sidebar_page (fixture->b), ==, "empty");

  /* A may ask again. Nobody answers, and a week later it expires. */
  xg_app_test_send_request (session_of (fixture->a), b_email, "Please?");
  XG_APP_TEST_WAIT_FOR (requests_entry_shows (fixture->b, "1"));
  XG_APP_TEST_WAIT_FOR (requests_entry_shows (fixture->a, NULL));
  make_active (GTK_WINDOW (MAIN (fixture->a)));
  xg_app_test_server_advance_clock (fixture->server, 8 * 24 * 3600);
  XG_APP_TEST_WAIT_FOR (toast_shows (fixture->a, "Your request to Li Si expired"));
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (MAIN_CHILD (fixture->a, "requests_list")));
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (MAIN_CHILD (fixture->b, "requests_list")));
  /* B was not looking when it came: its notification goes with it. */
  {
    g_autofree char *request_id = notification_id ("request", xg_session_get_account_id (session_of (fixture->a)));

    notification = xg_app_test_notifications_find (fixture->notifications, app_id (fixture->b), request_id);
    g_assert_nonnull (notification);
    XG_APP_TEST_WAIT_FOR (notification->withdrawn);
  }

  /* A logs out: what A was told goes with the account. */
  notification = xg_app_test_notifications_find (fixture->notifications, app_id (fixture->a), answer_id);
  g_assert_false (notification->withdrawn);
  g_action_group_activate_action (G_ACTION_GROUP (fixture->a), "logout", NULL);
  XG_APP_TEST_WAIT_FOR (xg_session_get_account_id (xg_application_get_session (fixture->a)) == 0);
  XG_APP_TEST_WAIT_FOR (notification->withdrawn);
}

/* --- 3. What Add Friend says when it cannot ------------------------------------------------ */

/* Few lookups and one waiting request per account, so both limits are
 * reached within the test. */
#define ADD_FRIEND_CONFIG "[friends]\nlookups-per-hour=6\nmax-pending-requests=1\n"

static void
test_add_friend_errors (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *a_email = xg_app_test_email ("finder");
  g_autofree char *friend_email = xg_app_test_email ("friend");
  g_autofree char *asked_email = xg_app_test_email ("asked");
  g_autofree char *asking_email = xg_app_test_email ("asking");
  g_autofree char *stranger_email = xg_app_test_email ("stranger");
  g_autofree char *nobody_email = xg_app_test_email ("nobody");
  g_autofree char *upper = NULL;
  g_autoptr(XgSession) friend_session = xg_app_test_session_new (fixture->server);
  g_autoptr(XgSession) asking_session = xg_app_test_session_new (fixture->server);
  XgAddFriendWindow *add;
  XgSession *session;
  GtkLabel *error, *note;
  gboolean limited = FALSE;

  xg_app_test_register (fixture->server, a_email, "Finder", PASSWORD);
  xg_app_test_register (fixture->server, friend_email, "Old Friend", PASSWORD);
  xg_app_test_register (fixture->server, asked_email, "Asked Already", PASSWORD);
  xg_app_test_register (fixture->server, asking_email, "Asking Too", PASSWORD);
  xg_app_test_register (fixture->server, stranger_email, "Stranger", PASSWORD);
  fixture->a = start_logged_in ("add-friend-errors", fixture->server, a_email);
  session = session_of (fixture->a);

  /* A friend already, someone A asked, someone who asked A. */
  xg_app_test_login (friend_session, friend_email, PASSWORD);
  xg_app_test_login (asking_session, asking_email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (xg_session_get_synced (friend_session) && xg_session_get_synced (asking_session));
  xg_app_test_befriend (friend_session, session, a_email, NULL);
  xg_app_test_send_request (asking_session, a_email, "We met at the station");
  XG_APP_TEST_WAIT_FOR (xg_friend_requests_lookup (xg_session_get_friend_requests (session), FALSE,
                                                   xg_session_get_account_id (asking_session)) != NULL);

  add = open_add_friend (fixture->a);
  error = ADD_CHILD (add, "find_error");
  note = ADD_CHILD (add, "found_note");

  /* Caught before asking the server. */
  find_by_email (add, "");
  g_assert_true (xg_app_test_label_shows (error, "Enter the email address"));
  find_by_email (add, "not an address");
  g_assert_true (xg_app_test_label_shows (error, "“not an address” is not an email address."));
  upper = g_ascii_strup (a_email, -1);
  find_by_email (add, upper);
  g_assert_true (xg_app_test_label_shows (error, "That is your own address."));
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "found_group")));
  /* Typing clears the message. */
  xg_app_test_set_text (ADD_CHILD (add, "email_row"), "x");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (error)));

  /* Lookup 1: nobody has it. */
  find_by_email (add, nobody_email);
  g_assert_true (xg_app_test_label_shows (error, "Nobody on this server has the address"));
  g_assert_true (xg_app_test_label_shows (error, nobody_email));

  /* Lookup 2: a friend already. Nothing to send. */
  find_by_email (add, friend_email);
  g_assert_true (gtk_widget_get_visible (ADD_CHILD (add, "found_group")));
  g_assert_true (xg_app_test_label_shows (note, "Old Friend is already your friend."));
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "greeting_group")));

  /* Lookup 3: asked already, through the core on A's session. */
  xg_app_test_send_request (session, asked_email, "");
  find_by_email (add, asked_email);
  g_assert_true (xg_app_test_label_shows (note, "You already asked Asked Already to be your friend (just now)."));
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "greeting_group")));

  /* Lookup 4: they asked A: sending makes friends at once. */
  find_by_email (add, asking_email);
  g_assert_true (xg_app_test_label_shows (note, "Asking Too has asked to be your friend."));
  g_assert_true (gtk_widget_get_visible (ADD_CHILD (add, "greeting_group")));
  xg_app_test_click (ADD_CHILD (add, "send_button"));
  XG_APP_TEST_WAIT_FOR (xg_app_test_find_window (XG_TYPE_ADD_FRIEND_WINDOW, NULL) == NULL);
  XG_APP_TEST_WAIT_FOR (toast_shows (fixture->a, "You and Asking Too are now friends"));
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Asking Too|Online;Old Friend|Online"));

  /* Lookup 5: a stranger; but A's one waiting request is the limit. */
  add = open_add_friend (fixture->a);
  error = ADD_CHILD (add, "find_error");
  find_by_email (add, stranger_email);
  g_assert_true (gtk_widget_get_visible (ADD_CHILD (add, "found_group")));
  xg_app_test_click (ADD_CHILD (add, "send_button"));
  XG_APP_TEST_WAIT_FOR (gtk_widget_get_visible (ADD_CHILD (add, "send_error")));
  g_assert_true (xg_app_test_label_shows (ADD_CHILD (add, "send_error"), "limit is reached"));
  g_assert_true (gtk_widget_get_sensitive (ADD_CHILD (add, "send_button")));
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "send_spinner")));

  /* A few more lookups, and the server says: too many. */
  for (guint i = 0; i < 3 && !limited; i++)
    {
      find_by_email (add, i % 2 ? friend_email : stranger_email);
      limited = xg_app_test_label_shows (error, "looked up too many addresses");
      if (!limited)
        g_assert_true (gtk_widget_get_visible (ADD_CHILD (add, "found_group")));
    }
  g_assert_true (limited);
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "found_group")));

  /* A server that stops answering: Find gives up, and says so. */
  xg_app_test_server_signal (fixture->server, SIGSTOP);
  xg_app_test_set_text (ADD_CHILD (add, "email_row"), stranger_email);
  xg_app_test_click (ADD_CHILD (add, "find_button"));
  g_assert_true (gtk_widget_get_visible (ADD_CHILD (add, "find_spinner")));
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (ADD_CHILD (add, "find_spinner")));
  g_assert_true (xg_app_test_label_shows (error, "did not answer in time"));
  g_assert_true (gtk_widget_get_sensitive (ADD_CHILD (add, "find_button")));
  xg_app_test_server_signal (fixture->server, SIGCONT);

  /* The server goes away: Find says so at once, and spins no more. */
  xg_app_test_server_kill (fixture->server, SIGKILL);
  XG_APP_TEST_WAIT_FOR (xg_session_get_reconnecting (session));
  find_by_email (add, stranger_email);
  g_assert_true (xg_app_test_label_shows (error, "not connected to the server"));
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "find_spinner")));
  gtk_window_destroy (GTK_WINDOW (add));

  xg_session_disconnect (friend_session);
  xg_session_disconnect (asking_session);
}

/* --- 4. Searching the list ------------------------------------------------------------------- */

static void
test_filter (Fixture       *fixture,
             gconstpointer  data)
{
  const char *names[] = { "Zhang Wei", "Han Meimei", "李雷" };
  g_autofree char *a_email = xg_app_test_email ("searcher");
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  GtkEditable *search;
  XgSession *session;

  xg_app_test_register (fixture->server, a_email, "Searcher", PASSWORD);
  fixture->a = start_logged_in ("filter", fixture->server, a_email);
  session = session_of (fixture->a);
  search = MAIN_CHILD (fixture->a, "search_entry");
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_page (fixture->a), "empty") == 0);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *email = xg_app_test_email ("friend");
      XgSession *friend = xg_app_test_session_new (fixture->server);

      xg_app_test_register (fixture->server, email, names[i], PASSWORD);
      xg_app_test_login (friend, email, PASSWORD);
      XG_APP_TEST_WAIT_FOR (xg_session_get_synced (friend));
      xg_app_test_befriend (friend, session, a_email, NULL);
      g_ptr_array_add (sessions, friend);
    }
  /* Zhang Wei is "Boss" to A; the search still finds the nickname. */
  xg_app_test_set_remark (session, xg_session_get_account_id (sessions->pdata[0]), "Boss");
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Boss|Online;Han Meimei|Online;李雷|Online"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (search)));
  gtk_test_accessible_assert_state (search, GTK_ACCESSIBLE_STATE_HIDDEN, FALSE);

  /* A friend goes offline: the dot follows. */
  xg_session_disconnect (sessions->pdata[2]);
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Boss|Online;Han Meimei|Online;李雷|Offline"));

  /* Ctrl+F goes to the search. */
  make_active (GTK_WINDOW (MAIN (fixture->a)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (MAIN (fixture->a)), "win.search", NULL));
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (MAIN (fixture->a))), GTK_WIDGET (search)));

  xg_app_test_set_text (search, "MEI");
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Han Meimei|Online"));
  xg_app_test_set_text (search, "wei");
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Boss|Online"));
  xg_app_test_set_text (search, "boss");
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Boss|Online"));
  xg_app_test_set_text (search, "李");
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "李雷|Offline"));
  g_assert_cmpstr (sidebar_page (fixture->a), ==, "contacts");

  /* Names that change during a search: the list follows, also when the
   * renamed friend keeps their place (and so no items-changed says so). */
  {
    guint64 zhang_id = xg_session_get_account_id (sessions->pdata[0]);
    guint64 li_id = xg_session_get_account_id (sessions->pdata[2]);

    xg_app_test_set_text (search, "boss");
    XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Boss|Online"));
    /* Boss is Chief now, still first: no longer a match. */
    xg_app_test_set_remark (session, zhang_id, "Chief");
    XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_page (fixture->a), "no-matches") == 0);
    /* 李雷 is Mei Li now, still last: a match. */
    xg_app_test_set_text (search, "mei");
    XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Han Meimei|Online"));
    xg_app_test_set_remark (session, li_id, "Mei Li");
    XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Han Meimei|Online;Mei Li|Offline"));
    /* A nickname the remark hides still counts: Zhang Wei renames
     * themself; A still calls them Chief. */
    set_nickname (sessions->pdata[0], "Zhang Mei");
    XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Chief|Online;Han Meimei|Online;Mei Li|Offline"));
    set_nickname (sessions->pdata[0], "Zhang Wei");
    XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Han Meimei|Online;Mei Li|Offline"));

    xg_app_test_set_remark (session, zhang_id, "Boss");
    xg_app_test_set_remark (session, li_id, "");
    xg_app_test_set_text (search, "李");
    XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "李雷|Offline"));
  }

  /* Nothing matches: say so. */
  xg_app_test_set_text (search, "xyz");
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_page (fixture->a), "no-matches") == 0);
  g_assert_nonnull (strstr (adw_status_page_get_description (MAIN_CHILD (fixture->a, "no_matches_page")), "“xyz”"));

  /* Escape: the whole list again. */
  g_signal_emit_by_name (search, "stop-search");
  g_assert_cmpstr (gtk_editable_get_text (search), ==, "");
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Boss|Online;Han Meimei|Online;李雷|Offline"));
  g_assert_cmpstr (sidebar_page (fixture->a), ==, "contacts");

  /* The friend page stays while a search hides its friend. */
  xg_main_window_show_contact (MAIN (fixture->a), shown_contact (fixture->a, 1));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (content_page (fixture->a), "friend") == 0);
  xg_app_test_set_text (search, "boss");
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Boss|Online"));
  g_assert_cmpstr (content_page (fixture->a), ==, "friend");
  g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (content_child (fixture->a, "friend"), "name_label")), ==, "Han Meimei");

  /* A narrow window: the list, a friend's page, back, the same friend again. */
  g_signal_emit_by_name (search, "stop-search");
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (gtk_list_view_get_model (MAIN_CHILD (fixture->a, "contact_list"))), 1);
  gtk_window_set_default_size (GTK_WINDOW (MAIN (fixture->a)), 400, 700);
  XG_APP_TEST_WAIT_FOR (adw_leaflet_get_folded (MAIN_CHILD (fixture->a, "leaflet")));
  {
    AdwLeaflet *leaflet = MAIN_CHILD (fixture->a, "leaflet");
    GtkSingleSelection *selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (MAIN_CHILD (fixture->a, "contact_list")));

    g_assert_true (adw_leaflet_get_visible_child (leaflet) == MAIN_CHILD (fixture->a, "content"));
    xg_app_test_click (MAIN_CHILD (fixture->a, "back_button"));
    XG_APP_TEST_WAIT_FOR (adw_leaflet_get_visible_child (leaflet) == MAIN_CHILD (fixture->a, "sidebar"));
    g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, GTK_INVALID_LIST_POSITION);
    /* Choosing a friend, as a click does: their page takes the window. */
    gtk_single_selection_set_selected (selection, 1);
    XG_APP_TEST_WAIT_FOR (adw_leaflet_get_visible_child (leaflet) == MAIN_CHILD (fixture->a, "content"));
    g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (content_child (fixture->a, "friend"), "name_label")), ==, "Han Meimei");
    xg_app_test_click (MAIN_CHILD (fixture->a, "back_button"));
    XG_APP_TEST_WAIT_FOR (adw_leaflet_get_visible_child (leaflet) == MAIN_CHILD (fixture->a, "sidebar"));
    g_assert_cmpuint (gtk_single_selection_get_selected (selection), ==, GTK_INVALID_LIST_POSITION);
    gtk_single_selection_set_selected (selection, 1);
    XG_APP_TEST_WAIT_FOR (adw_leaflet_get_visible_child (leaflet) == MAIN_CHILD (fixture->a, "content"));
  }

  for (guint i = 0; i < sessions->len; i++)
    xg_session_disconnect (sessions->pdata[i]);
}


/* --- 5. Calls in flight ------------------------------------------------------------------- */

static void
on_visible_changed (GtkWidget  *widget,
                    GParamSpec *pspec,
                    gboolean   *ever_visible)
{
  if (gtk_widget_get_visible (widget))
    *ever_visible = TRUE;
}

static gboolean
timer_fired (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* What waits for the server and what becomes of it when the window has
 * moved on meanwhile: a find for an address no longer in the entry, an
 * answer whose row is made again, whose page goes, whose account goes.
 * The server is stopped (SIGSTOP) to keep the calls in flight. */
static void
test_in_flight (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *a_email = xg_app_test_email ("waiter");
  g_autofree char *c_email = xg_app_test_email ("one");
  g_autofree char *d_email = xg_app_test_email ("two");
  g_autofree char *s_email = xg_app_test_email ("side");
  g_autofree char *e_email = xg_app_test_email ("other");
  g_autoptr(XgSession) c = xg_app_test_session_new (fixture->server);
  g_autoptr(XgSession) d = xg_app_test_session_new (fixture->server);
  g_autoptr(XgSession) side = xg_app_test_session_new (fixture->server);
  g_autoptr(XgRequestRow) old_row = NULL;
  XgFriendRequests *requests;
  XgFriendRequest *request;
  XgAddFriendWindow *add;
  XgRequestRow *row;
  GtkWidget *side_window, *side_overlay, *side_page;
  gboolean error_shown = FALSE;
  gboolean waited = FALSE;
  guint position;

  xg_app_test_register (fixture->server, a_email, "Waiter", PASSWORD);
  xg_app_test_register (fixture->server, c_email, "Asker One", PASSWORD);
  xg_app_test_register (fixture->server, d_email, "Asker Two", PASSWORD);
  xg_app_test_register (fixture->server, s_email, "Side Person", PASSWORD);
  xg_app_test_register (fixture->server, e_email, "Other Account", PASSWORD);
  fixture->a = start_logged_in ("in-flight", fixture->server, a_email);
  xg_app_test_login (c, c_email, PASSWORD);
  xg_app_test_login (d, d_email, PASSWORD);
  xg_app_test_login (side, s_email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (xg_session_get_synced (c) && xg_session_get_synced (d) && xg_session_get_synced (side));
  xg_app_test_send_request (c, a_email, "");
  xg_app_test_send_request (d, a_email, "");
  xg_app_test_send_request (d, s_email, "");
  XG_APP_TEST_WAIT_FOR (requests_entry_shows (fixture->a, "2"));

  /* Find, then another address while the server says nothing: that
   * find is given up at once, and its late answer shows nowhere. */
  add = open_add_friend (fixture->a);
  xg_app_test_server_signal (fixture->server, SIGSTOP);
  xg_app_test_set_text (ADD_CHILD (add, "email_row"), c_email);
  xg_app_test_click (ADD_CHILD (add, "find_button"));
  g_assert_true (gtk_widget_get_visible (ADD_CHILD (add, "find_spinner")));
  xg_app_test_set_text (ADD_CHILD (add, "email_row"), d_email);
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "find_spinner")));
  g_assert_true (gtk_widget_get_sensitive (ADD_CHILD (add, "find_button")));
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "found_group")));
  xg_app_test_server_signal (fixture->server, SIGCONT);
  /* The server answers in order: the given-up find comes back first. */
  find_by_email (add, d_email);
  g_assert_false (gtk_widget_get_visible (ADD_CHILD (add, "find_error")));
  g_assert_cmpstr (gtk_label_get_text (ADD_CHILD (add, "found_nickname")), ==, "Asker Two");
  g_assert_true (xg_app_test_label_shows (ADD_CHILD (add, "found_note"), "Asker Two has asked to be your friend."));
  gtk_window_destroy (GTK_WINDOW (add));

  /* The side person's requests, on a page of their own. */
  side_window = gtk_window_new ();
  side_overlay = adw_toast_overlay_new ();
  side_page = xg_requests_page_new (side);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (side_overlay), side_page);
  gtk_window_set_child (GTK_WINDOW (side_window), side_overlay);
  gtk_window_present (GTK_WINDOW (side_window));
  g_signal_connect (xg_app_test_child (side_page, XG_TYPE_REQUESTS_PAGE, "error_group"), "notify::visible",
                    G_CALLBACK (on_visible_changed), &error_shown);
  XG_APP_TEST_WAIT_FOR (request_row_in (side_page, "Asker Two", FALSE) != NULL);

  xg_main_window_show_friend_requests (MAIN (fixture->a));
  XG_APP_TEST_WAIT_FOR ((row = request_row (fixture->a, "Asker One", FALSE)) != NULL
                        && request_row (fixture->a, "Asker Two", FALSE) != NULL);

  /* Accept, and the model says the request changed (as it does when one
   * moves): the row made again waits as the first one did. */
  xg_app_test_server_signal (fixture->server, SIGSTOP);
  xg_app_test_click (ROW_CHILD (row, "accept_button"));
  g_assert_true (row_is_busy (row));
  old_row = g_object_ref (row);
  requests = xg_session_get_friend_requests (session_of (fixture->a));
  request = xg_request_row_get_request (row);
  for (position = 0; position < g_list_model_get_n_items (G_LIST_MODEL (requests)); position++)
    {
      g_autoptr(XgFriendRequest) item = g_list_model_get_item (G_LIST_MODEL (requests), position);

      if (item == request)
        break;
    }
  g_assert_cmpuint (position, <, g_list_model_get_n_items (G_LIST_MODEL (requests)));
  g_list_model_items_changed (G_LIST_MODEL (requests), position, 1, 1);
  XG_APP_TEST_WAIT_FOR ((row = request_row (fixture->a, "Asker One", FALSE)) != NULL && row != old_row);
  g_assert_true (row_is_busy (row));
  g_assert_false (row_is_busy (request_row (fixture->a, "Asker Two", FALSE)));
  g_clear_object (&old_row);

  /* The page is disposed with the answer in flight (the answer holds
   * it, so only its dispose runs now): it counts down no more. */
  {
    g_autoptr(GtkWidget) page = g_object_ref (content_child (fixture->a, "requests"));

    gtk_window_destroy (GTK_WINDOW (MAIN (fixture->a)));
    g_object_run_dispose (G_OBJECT (page));
  }

  /* The side person accepts, and the account goes (the link first, then
   * the login): the answer, whenever it comes, is not the page's. */
  xg_app_test_click (ROW_CHILD (request_row_in (side_page, "Asker Two", FALSE), "accept_button"));
  xg_session_disconnect (side);
  xg_session_logout_async (side, NULL, NULL, NULL);
  g_assert_null (xg_session_get_friend_requests (side));

  /* Past the session's request timeout, the server still stopped:
   * nothing shows (the timed-out answers of the page that went would
   * touch what it no longer has). */
  g_timeout_add (XG_SESSION_REQUEST_TIMEOUT_MS + 1000, timer_fired, &waited);
  XG_APP_TEST_WAIT_FOR (waited);
  xg_app_test_server_signal (fixture->server, SIGCONT);

  /* Another account on the side page: none of the last one's answers. */
  xg_app_test_login (side, e_email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (xg_session_get_synced (side));
  xg_app_test_round_trip (side);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (xg_app_test_child (side_page, XG_TYPE_REQUESTS_PAGE, "stack")),
                   ==, "empty");
  g_assert_false (error_shown);
  g_assert_false (xg_app_test_toast_shows (ADW_TOAST_OVERLAY (side_overlay), NULL));

  gtk_window_destroy (GTK_WINDOW (side_window));
  xg_session_disconnect (c);
  xg_session_disconnect (d);
  xg_session_disconnect (side);
}

/* --- 6. The list from the database, with the server down --------------------------------- */

/* First start (a subprocess): log in with "remember me"; the friend list
 * arrives from the server and is kept in the account database. Second
 * start (another subprocess) with the server killed: the saved login is
 * resumed, and the list shows what the database kept. */
static void
test_offline_start (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *a_email = xg_app_test_email ("offline");
  g_autofree char *b_email = xg_app_test_email ("kept");
  g_autoptr(XgSession) a_side = xg_app_test_session_new (fixture->server);
  g_autoptr(XgSession) b_side = xg_app_test_session_new (fixture->server);

  if (g_getenv ("XG_TEST_KEYRING") == NULL)
    {
      g_test_skip ("needs a private gnome-keyring: run-under-xvfb.sh with XG_TEST_KEYRING=1");
      return;
    }

  xg_app_test_register (fixture->server, a_email, "Offline Person", PASSWORD);
  xg_app_test_register (fixture->server, b_email, "Kept Friend", PASSWORD);
  xg_app_test_login (a_side, a_email, PASSWORD);
  xg_app_test_login (b_side, b_email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (xg_session_get_synced (a_side) && xg_session_get_synced (b_side));
  xg_app_test_befriend (b_side, a_side, a_email, NULL);
  xg_app_test_set_remark (a_side, xg_session_get_account_id (b_side), "Kept");
  xg_session_disconnect (a_side);
  xg_session_disconnect (b_side);

  g_setenv ("XG_TEST_SERVER_ADDRESS", fixture->server->address, TRUE);
  g_setenv ("XG_TEST_EMAIL", a_email, TRUE);

  g_test_trap_subprocess ("/app-subprocess/friends/offline-start/first", 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  xg_app_test_server_kill (fixture->server, SIGKILL);

  g_test_trap_subprocess ("/app-subprocess/friends/offline-start/second", 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static XgApplication *
start_offline_app (void)
{
  XgApplication *app = xg_application_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (xg_application_set_profile (app, "friends-offline", &error));
  xg_application_set_server (app, g_getenv ("XG_TEST_SERVER_ADDRESS"));
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  return app;
}

static void
offline_start_first (void)
{
  g_autofree char *dir = xg_paths_app_dir ("friends-offline");
  g_autofree char *state = g_build_filename (dir, "state.ini", NULL);
  g_autofree char *text = NULL;
  XgApplication *app;

  if (!g_test_subprocess ())
    {
      g_test_skip ("runs as a part of /app/friends/offline-start");
      return;
    }

  app = start_offline_app ();
  XG_APP_TEST_WAIT_FOR (xg_application_get_login_window (app) != NULL);
  gtk_switch_set_active (LOGIN_CHILD (app, "remember_switch"), TRUE);
  xg_app_test_set_text (LOGIN_CHILD (app, "email_row"), g_getenv ("XG_TEST_EMAIL"));
  xg_app_test_set_text (LOGIN_CHILD (app, "password_row"), PASSWORD);
  xg_app_test_click (LOGIN_CHILD (app, "login_button"));
  XG_APP_TEST_WAIT_FOR (main_window_shown (app));
  /* From the server: the friend, their remark; they are offline. */
  XG_APP_TEST_WAIT_FOR (rows_are (app, "Kept|Offline"));
  XG_APP_TEST_WAIT_FOR ((g_free (text), text = NULL, g_file_get_contents (state, &text, NULL, NULL))
                        && strstr (text, "remembered=true") != NULL);
  /* What the list shows is in the account database before the process
   * ends (its worker would not finish the queue then). */
  xg_app_test_flush (session_of (app));
  xg_app_test_stop_app (app);
}

static void
offline_start_second (void)
{
  XgApplication *app;
  XgSession *session;
  XgAddFriendWindow *add;
  GtkWidget *page;

  if (!g_test_subprocess ())
    {
      g_test_skip ("runs as a part of /app/friends/offline-start");
      return;
    }

  app = start_offline_app ();
  g_assert_null (xg_application_get_login_window (app));
  XG_APP_TEST_WAIT_FOR (main_window_shown (app));
  session = session_of (app);

  /* Nobody to ask: the list is what the database kept. */
  XG_APP_TEST_WAIT_FOR (rows_are (app, "Kept|Offline"));
  g_assert_cmpstr (sidebar_page (app), ==, "contacts");
  g_assert_cmpint (xg_session_get_state (session), !=, XG_SESSION_LOGGED_IN);
  g_assert_false (xg_session_get_synced (session));

  /* Their page shows what was kept too. */
  xg_main_window_show_contact (MAIN (app), shown_contact (app, 0));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (content_page (app), "friend") == 0);
  page = content_child (app, "friend");
  g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (page, "name_label")), ==, "Kept");
  g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (page, "nickname_label")), ==, "Nickname: Kept Friend");
  g_assert_cmpstr (gtk_label_get_text (PAGE_CHILD (page, "presence_label")), ==, "Offline");

  /* A remark cannot be saved now: the page says so at once. */
  xg_app_test_set_text (PAGE_CHILD (page, "remark_row"), "Still Kept");
  g_signal_emit_by_name (PAGE_CHILD (page, "remark_row"), "apply");
  g_assert_true (xg_app_test_label_shows (PAGE_CHILD (page, "remark_error"), "not connected to the server"));
  g_assert_false (gtk_widget_get_visible (PAGE_CHILD (page, "remark_spinner")));

  /* Nor can anyone be looked up. */
  add = open_add_friend (app);
  find_by_email (add, "someone@example.com");
  g_assert_true (xg_app_test_label_shows (ADD_CHILD (add, "find_error"), "not connected to the server"));
  gtk_window_destroy (GTK_WINDOW (add));

  g_assert_cmpint (xg_session_get_state (session), !=, XG_SESSION_LOGGED_IN);
  xg_app_test_stop_app (app);
}

/* --- 7. Screen readers ------------------------------------------------------------------ */

/* Every control of every new view has a name over AT-SPI. */
static void
test_accessible (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *a_email = xg_app_test_email ("reader");
  g_autofree char *b_email = xg_app_test_email ("friend");
  g_autofree char *c_email = xg_app_test_email ("asker");
  g_autofree char *d_email = xg_app_test_email ("asked");
  g_autoptr(XgSession) b = xg_app_test_session_new (fixture->server);
  g_autoptr(XgSession) c = xg_app_test_session_new (fixture->server);
  XgAddFriendWindow *add;
  XgRequestRow *row;
  GtkWindow *dialog = NULL;
  XgSession *session;

  xg_app_test_register (fixture->server, a_email, "Reader", PASSWORD);
  xg_app_test_register (fixture->server, b_email, "Friend", PASSWORD);
  xg_app_test_register (fixture->server, c_email, "Asker", PASSWORD);
  xg_app_test_register (fixture->server, d_email, "Asked", PASSWORD);
  fixture->a = start_logged_in ("accessible", fixture->server, a_email);
  session = session_of (fixture->a);

  /* The empty states first. */
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_page (fixture->a), "empty") == 0);
  xg_app_test_check_accessible ("the main window without friends");

  xg_app_test_login (b, b_email, PASSWORD);
  xg_app_test_login (c, c_email, PASSWORD);
  XG_APP_TEST_WAIT_FOR (xg_session_get_synced (b) && xg_session_get_synced (c));
  xg_app_test_befriend (b, session, a_email, NULL);
  xg_app_test_send_request (c, a_email, "Hello");
  xg_app_test_send_request (session, d_email, "");
  XG_APP_TEST_WAIT_FOR (requests_entry_shows (fixture->a, "1"));
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Friend|Online"));

  /* The list, the requests entry, the requests page. */
  xg_main_window_show_friend_requests (MAIN (fixture->a));
  XG_APP_TEST_WAIT_FOR ((row = request_row (fixture->a, "Asker", FALSE)) != NULL
                        && request_row (fixture->a, "Asked", TRUE) != NULL);
  xg_app_test_check_accessible ("the requests page");

  /* The decline dialog. */
  xg_app_test_click (ROW_CHILD (row, "decline_button"));
  XG_APP_TEST_WAIT_FOR ((dialog = xg_app_test_find_window (ADW_TYPE_MESSAGE_DIALOG, NULL)) != NULL
                        && gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  xg_app_test_check_accessible ("the decline dialog");
  click_response (dialog, "_Cancel");
  XG_APP_TEST_WAIT_FOR (xg_app_test_find_window (ADW_TYPE_MESSAGE_DIALOG, NULL) == NULL);

  /* A friend's page, with a search typed. */
  xg_app_test_set_text (MAIN_CHILD (fixture->a, "search_entry"), "fri");
  xg_main_window_show_contact (MAIN (fixture->a), shown_contact (fixture->a, 0));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (content_page (fixture->a), "friend") == 0);
  xg_app_test_check_accessible ("a friend's page");

  /* No matches. */
  xg_app_test_set_text (MAIN_CHILD (fixture->a, "search_entry"), "nobody by this name");
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (sidebar_page (fixture->a), "no-matches") == 0);
  xg_app_test_check_accessible ("the list with no matches");

  /* Add Friend, with someone found. */
  add = open_add_friend (fixture->a);
  find_by_email (add, c_email);
  g_assert_true (gtk_widget_get_visible (ADD_CHILD (add, "found_group")));
  xg_app_test_check_accessible ("Add Friend");
  gtk_window_destroy (GTK_WINDOW (add));

  /* A request row names its sender as the nickname arrives: Asker is
   * "Asker Renamed" now; A's next login shows the request as kept
   * ("Asker"), then as the server's profile says. */
  g_action_group_activate_action (G_ACTION_GROUP (fixture->a), "logout", NULL);
  XG_APP_TEST_WAIT_FOR (xg_session_get_account_id (session) == 0);
  set_nickname (c, "Asker Renamed");
  log_in_with_window (fixture->a, a_email);
  xg_main_window_show_friend_requests (MAIN (fixture->a));
  XG_APP_TEST_WAIT_FOR ((row = request_row (fixture->a, "Asker Renamed", FALSE)) != NULL
                        && g_strcmp0 (gtk_label_get_text (ROW_CHILD (row, "nickname_label")), "Asker Renamed") == 0);
  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, "Friend request from Asker Renamed");
  gtk_test_accessible_assert_property (ROW_CHILD (row, "accept_button"), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Accept the request from Asker Renamed");
  gtk_test_accessible_assert_property (ROW_CHILD (row, "decline_button"), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       "Decline the request from Asker Renamed");
  XG_APP_TEST_WAIT_FOR ((row = request_row (fixture->a, "Asked", TRUE)) != NULL);
  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, "Your friend request to Asked");

  xg_session_disconnect (b);
  xg_session_disconnect (c);
}

/* --- 8. A server restart -------------------------------------------------------------- */

static void
count_forced_logout (XgSession  *session,
                     guint       reason,
                     const char *message,
                     gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
banner_shown (XgApplication *app)
{
  GtkRevealer *revealer = MAIN_CHILD (app, "banner_revealer");

  return main_window_shown (app)
         && gtk_revealer_get_reveal_child (revealer) && gtk_revealer_get_child_revealed (revealer)
         && xg_app_test_find_widget (revealer, GTK_TYPE_LABEL, "Connection lost, reconnecting") != NULL;
}

/* Neither the login window, nor the "You Were Logged Out" dialog. */
static void
assert_still_logged_in (XgApplication *app)
{
  g_assert_nonnull (xg_application_get_main_window (app));
  g_assert_null (xg_application_get_login_window (app));
  g_assert_null (xg_application_get_alert_dialog (app));
}

static gboolean
is_back (XgApplication *app)
{
  XgSession *session = session_of (app);

  return main_window_shown (app)
         && xg_session_get_state (session) == XG_SESSION_LOGGED_IN && xg_session_get_synced (session)
         && !gtk_revealer_get_reveal_child (MAIN_CHILD (app, "banner_revealer"))
         && !gtk_revealer_get_child_revealed (MAIN_CHILD (app, "banner_revealer"));
}

#define PROFILE_CHILD(window, name) xg_app_test_child (window, XG_TYPE_PROFILE_WINDOW, name)

/* A graceful restart (SIGTERM, then the same port and data) while two
 * apps are logged in: both show the reconnecting banner, never the
 * logged-out dialog or the password form, and both are back by
 * themselves. A Save made meanwhile waits, visibly, and goes through
 * when the server is back; one with a short limit fails in bounded time. */
static void
test_server_restart (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *a_email = xg_app_test_email ("restart-a");
  g_autofree char *b_email = xg_app_test_email ("restart-b");
  XgSession *a, *b;
  XgProfileWindow *a_profile, *b_profile;
  GtkLabel *a_error, *b_error;
  guint forced = 0;
  gint64 started, restarted;

  xg_app_test_register (fixture->server, a_email, "Restart A", PASSWORD);
  xg_app_test_register (fixture->server, b_email, "Restart B", PASSWORD);
  fixture->a = start_logged_in ("restart-a", fixture->server, a_email);
  fixture->b = start_logged_in ("restart-b", fixture->server, b_email);
  a = session_of (fixture->a);
  b = session_of (fixture->b);
  xg_app_test_befriend (a, b, b_email, NULL);
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Restart B|Online"));
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->b, "Restart A|Online"));
  g_assert_false (gtk_revealer_get_reveal_child (MAIN_CHILD (fixture->a, "banner_revealer")));
  g_signal_connect (a, "forced-logout", G_CALLBACK (count_forced_logout), &forced);
  g_signal_connect (b, "forced-logout", G_CALLBACK (count_forced_logout), &forced);

  /* The server says SERVER_SHUTDOWN to both and exits cleanly. */
  g_assert_cmpint (xg_app_test_server_terminate (fixture->server), ==, 0);
  XG_APP_TEST_WAIT_FOR (banner_shown (fixture->a) && banner_shown (fixture->b));
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Restart B|Offline"));
  assert_still_logged_in (fixture->a);
  assert_still_logged_in (fixture->b);
  g_assert_cmpuint (forced, ==, 0);

  /* A saves a profile change while the server is down: it waits, and
   * says why. */
  a_profile = XG_PROFILE_WINDOW (xg_main_window_show_profile (MAIN (fixture->a)));
  a_error = PROFILE_CHILD (a_profile, "profile_error");
  xg_app_test_set_text (PROFILE_CHILD (a_profile, "signature_row"), "Back after the restart");
  xg_app_test_click (PROFILE_CHILD (a_profile, "save_button"));
  g_assert_true (gtk_widget_get_visible (PROFILE_CHILD (a_profile, "save_spinner")));
  g_assert_true (xg_app_test_label_shows (a_error, "will be saved when the connection is back"));

  /* B does the same with a short limit: the spinner stops and the form
   * says it is not connected, in bounded time. */
  xg_session_set_request_timeout (b, 1500);
  b_profile = XG_PROFILE_WINDOW (xg_main_window_show_profile (MAIN (fixture->b)));
  b_error = PROFILE_CHILD (b_profile, "profile_error");
  xg_app_test_set_text (PROFILE_CHILD (b_profile, "signature_row"), "Never saved");
  started = g_get_monotonic_time ();
  xg_app_test_click (PROFILE_CHILD (b_profile, "save_button"));
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (PROFILE_CHILD (b_profile, "save_spinner")));
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
  g_assert_true (xg_app_test_label_shows (b_error, "not connected to the server"));
  g_assert_true (gtk_widget_get_sensitive (PROFILE_CHILD (b_profile, "save_button")));
  xg_session_set_request_timeout (b, XG_SESSION_REQUEST_TIMEOUT_MS);

  /* Back on the same port: both apps come back without a password. */
  xg_app_test_server_restart (fixture->server);
  restarted = g_get_monotonic_time ();
  XG_APP_TEST_WAIT_FOR (is_back (fixture->a) && is_back (fixture->b));
  g_test_message ("Both apps back %.1f s after the server",
                  (g_get_monotonic_time () - restarted) / (double) G_USEC_PER_SEC);
  assert_still_logged_in (fixture->a);
  assert_still_logged_in (fixture->b);
  g_assert_cmpuint (forced, ==, 0);
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->a, "Restart B|Online"));
  XG_APP_TEST_WAIT_FOR (rows_are (fixture->b, "Restart A|Online"));

  /* A's Save went through once the session was back. */
  XG_APP_TEST_WAIT_FOR (!gtk_widget_get_visible (PROFILE_CHILD (a_profile, "save_spinner")));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (a_error)));
  g_assert_cmpstr (xg_profile_get_signature (xg_session_get_profile (a)), ==, "Back after the restart");
  g_assert_true (xg_app_test_toast_shows (PROFILE_CHILD (a_profile, "toast_overlay"), "Profile saved"));

  /* And B's works again. */
  xg_app_test_click (PROFILE_CHILD (b_profile, "save_button"));
  XG_APP_TEST_WAIT_FOR (g_strcmp0 (xg_profile_get_signature (xg_session_get_profile (b)), "Never saved") == 0
                        && !gtk_widget_get_visible (PROFILE_CHILD (b_profile, "save_spinner")));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (b_error)));

  gtk_window_destroy (GTK_WINDOW (a_profile));
  gtk_window_destroy (GTK_WINDOW (b_profile));
  g_signal_handlers_disconnect_by_data (a, &forced);
  g_signal_handlers_disconnect_by_data (b, &forced);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  /* The tests compare English text. */
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, config) \
  g_test_add (path, Fixture, config, fixture_set_up, func, fixture_tear_down)
  ADD ("/app/friends/befriend", test_befriend, NULL);
  ADD ("/app/friends/decline", test_decline, NULL);
  ADD ("/app/friends/add-friend-errors", test_add_friend_errors, ADD_FRIEND_CONFIG);
  ADD ("/app/friends/filter", test_filter, NULL);
  ADD ("/app/friends/in-flight", test_in_flight, NULL);
  ADD ("/app/friends/offline-start", test_offline_start, NULL);
  ADD ("/app/friends/accessible", test_accessible, NULL);
  ADD ("/app/friends/server-restart", test_server_restart, NULL);
  g_test_add_func ("/app-subprocess/friends/offline-start/first", offline_start_first);
  g_test_add_func ("/app-subprocess/friends/offline-start/second", offline_start_second);
#undef ADD

  return g_test_run ();
}
