/* xg-application.c: the Xinge desktop app, one instance per profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application owns the profile's device database, its one XgSession
 * and its XgSavedLogin, and shows the window that fits the session: the
 * login window while it has no account, the main window while it has one
 * (which, with a saved login, is at once, before the server answers).
 * Windows get the session and call it; they never call back in here: the
 * application follows the session's account, and the windows reach the
 * application only through its actions (app.logout, app.preferences, …).
 * While the main window is not the active window, friend requests that
 * arrive and answers to this account's requests are also desktop
 * notifications; clicking one about a request opens the requests page
 * (app.show-friend-requests), and it is withdrawn once the request is
 * answered. Whatever the account was told goes when the account does
 * (logout, or another account).
 *
 * Messages from friends are notifications too while the main window is
 * not active: one per chat (id "chat-PEER"), replaced as more come, so a
 * backlog that arrives at login is one summary ("3 new messages") per
 * friend rather than a notification for each message: the first message
 * waits a moment (CHAT_NOTIFY_DELAY_MS) for the ones that follow. It
 * names the sender and, unless the notification-preview setting is off,
 * shows the newest message; clicking it opens the chat (app.open-chat
 * with the peer id), and it goes once the chat is read.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-application.h"
#include "xg-login-window.h"
#include "xg-main-window.h"
#include "xg-paths.h"
#include "xg-preferences-window.h"
#include "xg-saved-login.h"

struct _XgApplication
{
  AdwApplication  parent_instance;

  char           *profile;
  char           *server_override;   /* --server, for this run only */
  gboolean        server_from_command_line;
  char           *settings_server;
  GSettings      *settings;
  XgDeviceDb     *device_db;
  XgSession      *session;           /* the profile's one session, from startup on */
  XgSavedLogin   *saved_login;
  gboolean        resuming;          /* the account came from the saved login, not the form */
  gboolean        activated;         /* activate() ran once: a saved login is resumed only at start */

  GtkWindow      *login_window;      /* weak */
  GtkWindow      *main_window;       /* weak */
  GtkWindow      *alert_dialog;      /* weak */

  GSignalGroup   *requests_signals;  /* the session's XgFriendRequests */
  GHashTable     *notified;          /* peer ids of incoming requests with a notification */
  GHashTable     *answers_notified;  /* peer ids of answers to this account's requests with one */

  GSignalGroup   *conversations_signals;  /* the session's XgConversations */
  GSignalGroup   *groups_signals;    /* the session's XgGroups */
  GHashTable     *unread_seen;       /* peer id → the unread count last seen (watched conversations) */
  GHashTable     *chat_pending;      /* peer ids whose notification is due */
  GHashTable     *chat_notified;     /* peer ids with a chat notification up */
  guint           chat_notify_source;
};

/* How long a first new message waits for others to come with it. */
#define CHAT_NOTIFY_DELAY_MS 400

G_DEFINE_FINAL_TYPE (XgApplication, xg_application, ADW_TYPE_APPLICATION)

/* g_set_str () needs GLib 2.76. */
static void
set_str (char       **slot,
         const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*slot);
  *slot = copy;
}

static void show_login (XgApplication *self);

/* --- Profiles and servers ------------------------------------------------ */

gboolean
xg_application_profile_is_valid (const char *profile)
{
  gsize len;

  if (profile == NULL || profile[0] == '\0' || profile[0] == '.')
    return FALSE;
  len = strlen (profile);
  if (len > 64)
    return FALSE;
  for (const char *p = profile; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

/* io.github.xinge.Xinge for the default profile; otherwise a child id with
 * every byte that is not a letter or digit escaped as _XX, so distinct
 * profile names never share an id. */
char *
xg_application_id_for_profile (const char *profile)
{
  GString *id;

  g_return_val_if_fail (xg_application_profile_is_valid (profile), NULL);

  if (g_str_equal (profile, XG_APPLICATION_DEFAULT_PROFILE))
    return g_strdup (APP_ID);

  id = g_string_new (APP_ID ".Profile_");
  for (const char *p = profile; *p; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (id, *p);
      else
        g_string_append_printf (id, "_%02x", (guchar) *p);
    }
  return g_string_free (id, FALSE);
}

gboolean
xg_application_set_profile (XgApplication  *self,
                            const char     *profile,
                            GError        **error)
{
  g_autofree char *id = NULL;

  g_return_val_if_fail (XG_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (!g_application_get_is_registered (G_APPLICATION (self)), FALSE);

  if (!xg_application_profile_is_valid (profile))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("“%s” is not a valid profile name: use 1 to 64 letters, digits, “.”, “_” or “-”, not starting with “.”"),
                   profile);
      return FALSE;
    }
  id = xg_application_id_for_profile (profile);
  set_str (&self->profile, profile);
  g_application_set_application_id (G_APPLICATION (self), id);
  return TRUE;
}

const char *
xg_application_get_profile (XgApplication *self)
{
  g_return_val_if_fail (XG_IS_APPLICATION (self), NULL);
  return self->profile;
}

GSettings *
xg_application_get_settings (XgApplication *self)
{
  g_return_val_if_fail (XG_IS_APPLICATION (self), NULL);
  if (self->settings == NULL)
    self->settings = g_settings_new (APP_ID);
  return self->settings;
}

const char *
xg_application_get_server (XgApplication *self)
{
  g_return_val_if_fail (XG_IS_APPLICATION (self), NULL);

  if (self->server_override != NULL)
    return self->server_override;
  g_free (self->settings_server);
  self->settings_server = g_settings_get_string (xg_application_get_settings (self), "server");
  return self->settings_server;
}

/* For this run (what --server says); the session follows while it has
 * no account. */
void
xg_application_set_server (XgApplication *self,
                           const char    *server)
{
  g_return_if_fail (XG_IS_APPLICATION (self));
  g_return_if_fail (xg_server_address_is_valid (server));
  set_str (&self->server_override, server);
  if (self->session != NULL && xg_session_get_account_id (self->session) == 0)
    xg_session_set_server (self->session, server);
}

/* --- Dialogs -------------------------------------------------------------- */

static GtkWindow *
dialog_parent (XgApplication *self)
{
  if (self->main_window != NULL)
    return self->main_window;
  if (self->login_window != NULL)
    return self->login_window;
  return gtk_application_get_active_window (GTK_APPLICATION (self));
}

static void
set_alert_dialog (XgApplication *self,
                  GtkWindow     *dialog)
{
  if (self->alert_dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->alert_dialog), (gpointer *) &self->alert_dialog);
      gtk_window_destroy (self->alert_dialog);
    }
  self->alert_dialog = dialog;
  if (dialog != NULL)
    g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->alert_dialog);
}

GtkWindow *
xg_application_get_alert_dialog (XgApplication *self)
{
  g_return_val_if_fail (XG_IS_APPLICATION (self), NULL);
  return self->alert_dialog;
}

static GtkWidget *
fingerprint_row (const char *title,
                 const char *fingerprint)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *heading = gtk_label_new (title);
  g_autofree char *text = xg_format_fingerprint (fingerprint);
  GtkWidget *value = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_label_set_xalign (GTK_LABEL (value), 0);
  gtk_label_set_selectable (GTK_LABEL (value), TRUE);
  gtk_widget_add_css_class (value, "monospace");
  gtk_widget_add_css_class (value, "xg-fingerprint");
  gtk_accessible_update_property (GTK_ACCESSIBLE (value),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, fingerprint ? fingerprint : "",
                                  -1);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), value);
  return box;
}

static void
show_identity_changed (XgApplication *self,
                       const char    *server,
                       const char    *pinned,
                       const char    *presented)
{
  GtkWidget *dialog;
  GtkWidget *box;

  dialog = adw_message_dialog_new (dialog_parent (self),
                                   _("The Server’s Identity Has Changed"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("The server at %s presented a different certificate than the one this device trusted before. "
                                    "Someone may be intercepting the connection to read your messages and password, "
                                    "or the server’s operator replaced its certificate.\n\n"
                                    "Xinge will not connect to this server. Ask its operator which fingerprint is right."),
                                  server);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_box_append (GTK_BOX (box), fingerprint_row (_("Trusted fingerprint"), pinned));
  gtk_box_append (GTK_BOX (box), fingerprint_row (_("Presented fingerprint"), presented));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_OK"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_widget_add_css_class (dialog, "xg-identity-dialog");

  set_alert_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The text for an XgSessionEndReason, in the user's language. */
static const char *
forced_logout_text (guint reason)
{
  switch (reason)
    {
    case XG_SESSION_ENDED_HEARTBEAT_LOST:
      return _("The connection to the server was lost.");
    case XG_SESSION_ENDED_ELSEWHERE:
      return _("Your account was logged in on another device.");
    case XG_SESSION_ENDED_ACCOUNT_DISABLED:
      return _("Your account has been disabled.");
    case XG_SESSION_ENDED_SERVER_SHUTDOWN:
      return _("The server is shutting down.");
    case XG_SESSION_ENDED_EXPIRED:
      return _("Your saved session has ended. Please log in again.");
    case XG_SESSION_ENDED_PASSWORD_CHANGED:
      return _("Your password was changed. Please log in with the new password.");
    default:
      return _("The server ended your session.");
    }
}

/* --- Notifications ---------------------------------------------------------- */

static gboolean
main_window_is_active (XgApplication *self)
{
  return self->main_window != NULL && gtk_window_is_active (self->main_window);
}

static char *
request_notification_id (guint64 peer_id)
{
  return g_strdup_printf ("friend-request-%" G_GUINT64_FORMAT, peer_id);
}

static char *
answer_notification_id (guint64 peer_id)
{
  return g_strdup_printf ("friend-answer-%" G_GUINT64_FORMAT, peer_id);
}

static void
on_incoming_request (XgApplication   *self,
                     XgFriendRequest *request)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GIcon) icon = NULL;
  g_autofree char *id = NULL;
  g_autofree char *body = NULL;
  const char *greeting = xg_friend_request_get_greeting (request);
  guint64 peer_id = xg_friend_request_get_peer_id (request);

  if (main_window_is_active (self))
    return;

  body = g_strdup_printf (_("%s wants to be your friend"), xg_friend_request_get_nickname (request));
  if (greeting != NULL && greeting[0] != '\0')
    {
      /* Translators: the request's sentence, then the greeting its sender wrote */
      g_autofree char *with_greeting = g_strdup_printf (_("%s: “%s”"), body, greeting);
      g_free (body);
      body = g_steal_pointer (&with_greeting);
    }
  notification = g_notification_new (_("New Friend Request"));
  g_notification_set_body (notification, body);
  icon = g_themed_icon_new (APP_ID);
  g_notification_set_icon (notification, icon);
  g_notification_set_default_action (notification, "app.show-friend-requests");

  id = request_notification_id (peer_id);
  g_application_send_notification (G_APPLICATION (self), id, notification);
  g_hash_table_add (self->notified, g_memdup2 (&peer_id, sizeof peer_id));
}

static void
on_request_answered (XgApplication *self,
                     guint64        peer_id,
                     const char    *nickname,
                     guint          outcome,
                     const char    *reason)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GIcon) icon = NULL;
  g_autofree char *id = NULL;
  g_autofree char *body = NULL;
  const char *title;

  /* The main window shows a toast. */
  if (main_window_is_active (self))
    return;

  switch ((XgFriendRequestOutcome) outcome)
    {
    case XG_FRIEND_REQUEST_ACCEPTED:
      title = _("Friend Request Accepted");
      break;
    case XG_FRIEND_REQUEST_DECLINED:
      title = _("Friend Request Declined");
      break;
    case XG_FRIEND_REQUEST_EXPIRED:
    default:
      title = _("Friend Request Expired");
      break;
    }
  body = xg_friend_answer_text (nickname, outcome, reason);
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  icon = g_themed_icon_new (APP_ID);
  g_notification_set_icon (notification, icon);
  id = answer_notification_id (peer_id);
  g_application_send_notification (G_APPLICATION (self), id, notification);
  g_hash_table_add (self->answers_notified, g_memdup2 (&peer_id, sizeof peer_id));
}

/* Notifications of requests that are no longer waiting go; with @all,
 * every one the account was sent, answers to its own requests too (the
 * account changed). */
static void
withdraw_answered (XgApplication *self,
                   gboolean       all)
{
  XgFriendRequests *requests = self->session ? xg_session_get_friend_requests (self->session) : NULL;
  GHashTableIter iter;
  guint64 *peer_id;

  g_hash_table_iter_init (&iter, self->notified);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer_id, NULL))
    if (all || requests == NULL || xg_friend_requests_lookup (requests, FALSE, *peer_id) == NULL)
      {
        g_autofree char *id = request_notification_id (*peer_id);

        g_application_withdraw_notification (G_APPLICATION (self), id);
        g_hash_table_iter_remove (&iter);
      }

  if (!all)
    return;
  g_hash_table_iter_init (&iter, self->answers_notified);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer_id, NULL))
    {
      g_autofree char *id = answer_notification_id (*peer_id);

      g_application_withdraw_notification (G_APPLICATION (self), id);
      g_hash_table_iter_remove (&iter);
    }
}

static void
on_requests_items_changed (XgApplication *self)
{
  withdraw_answered (self, FALSE);
}

static void
on_requests_model_changed (XgApplication *self)
{
  withdraw_answered (self, TRUE);
  g_signal_group_set_target (self->requests_signals, xg_session_get_friend_requests (self->session));
}

/* --- Chat notifications ------------------------------------------------------- */

/* The chats are told apart by a key of the app's own: the friend's id,
 * or the group's with the top bit set. */
#define GROUP_KEY_BIT (G_GUINT64_CONSTANT (1) << 63)

static guint64
chat_key (XgConversation *conversation)
{
  guint64 id = xg_conversation_get_peer_id (conversation);

  return xg_conversation_get_kind (conversation) == XG_CONVERSATION_GROUP ? id | GROUP_KEY_BIT : id;
}

static XgConversation *
chat_of_key (XgConversations *conversations,
             guint64          key)
{
  if (key & GROUP_KEY_BIT)
    return xg_conversations_get_group (conversations, key & ~GROUP_KEY_BIT);
  return xg_conversations_get (conversations, key);
}

static char *
chat_notification_id (guint64 key)
{
  if (key & GROUP_KEY_BIT)
    return g_strdup_printf ("group-%" G_GUINT64_FORMAT, key & ~GROUP_KEY_BIT);
  return g_strdup_printf ("chat-%" G_GUINT64_FORMAT, key);
}

/* A group this device muted: its messages do not notify (mentions do). */
static gboolean
chat_is_muted (XgApplication  *self,
               XgConversation *conversation)
{
  XgGroup *group;

  if (xg_conversation_get_kind (conversation) != XG_CONVERSATION_GROUP)
    return FALSE;
  group = xg_session_lookup_group (self->session, xg_conversation_get_peer_id (conversation));
  return group != NULL && xg_group_get_muted (group);
}

static void
withdraw_chat (XgApplication *self,
               guint64        peer_id)
{
  g_autofree char *id = NULL;

  g_hash_table_remove (self->chat_pending, &peer_id);
  if (!g_hash_table_remove (self->chat_notified, &peer_id))
    return;
  id = chat_notification_id (peer_id);
  g_application_withdraw_notification (G_APPLICATION (self), id);
}

static void
notify_chat (XgApplication  *self,
             XgConversation *conversation)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GIcon) icon = NULL;
  g_autofree char *id = NULL;
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;
  guint64 peer_id = chat_key (conversation);
  gboolean group = xg_conversation_get_kind (conversation) == XG_CONVERSATION_GROUP;
  guint unread = xg_conversation_get_unread (conversation);
  XgMessage *last = xg_conversation_get_last_message (conversation);

  if (unread == 0)
    return;
  name = xg_conversation_display_name (self->session, conversation);
  if (g_settings_get_boolean (xg_application_get_settings (self), "notification-preview") && last != NULL)
    {
      g_autofree char *preview = xg_conversation_preview (self->session, conversation);

      if (unread == 1)
        body = g_steal_pointer (&preview);
      else
        /* Translators: a notification of several messages; then the newest one */
        body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new message, the newest: %s",
                                             "%u new messages, the newest: %s", unread),
                                unread, preview);
    }
  else
    body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new message", "%u new messages", unread), unread);

  notification = g_notification_new (name);
  g_notification_set_body (notification, body);
  icon = g_themed_icon_new (APP_ID);
  g_notification_set_icon (notification, icon);
  if (group)
    g_notification_set_default_action_and_target (notification, "app.open-group-chat", "t",
                                                  xg_conversation_get_peer_id (conversation));
  else
    g_notification_set_default_action_and_target (notification, "app.open-chat", "t", peer_id);
  id = chat_notification_id (peer_id);
  g_application_send_notification (G_APPLICATION (self), id, notification);
  g_hash_table_add (self->chat_notified, g_memdup2 (&peer_id, sizeof peer_id));
}

static gboolean
on_chat_notify_due (gpointer user_data)
{
  XgApplication *self = user_data;
  XgConversations *conversations = xg_session_get_conversations (self->session);
  GHashTableIter iter;
  guint64 *peer_id;

  self->chat_notify_source = 0;
  if (conversations != NULL && !main_window_is_active (self))
    {
      g_hash_table_iter_init (&iter, self->chat_pending);
      while (g_hash_table_iter_next (&iter, (gpointer *) &peer_id, NULL))
        notify_chat (self, chat_of_key (conversations, *peer_id));
    }
  g_hash_table_remove_all (self->chat_pending);
  return G_SOURCE_REMOVE;
}

static void
on_conversation_unread (XgApplication  *self,
                        GParamSpec     *pspec,
                        XgConversation *conversation)
{
  guint64 peer_id = chat_key (conversation);
  guint unread = xg_conversation_get_unread (conversation);
  guint before = GPOINTER_TO_UINT (g_hash_table_lookup (self->unread_seen, &peer_id));

  g_hash_table_insert (self->unread_seen, g_memdup2 (&peer_id, sizeof peer_id), GUINT_TO_POINTER (unread));
  if (unread == 0)
    {
      withdraw_chat (self, peer_id);
      return;
    }
  if (unread <= before || chat_is_muted (self, conversation))
    return;
  /* The main window is looking: its badge says it. A notification that is
   * up already is brought up to date. */
  if (main_window_is_active (self) && !g_hash_table_contains (self->chat_notified, &peer_id))
    return;
  g_hash_table_add (self->chat_pending, g_memdup2 (&peer_id, sizeof peer_id));
  if (self->chat_notify_source == 0)
    self->chat_notify_source = g_timeout_add (CHAT_NOTIFY_DELAY_MS, on_chat_notify_due, self);
}

/* Follows the unread count of each conversation, once. What a chat had
 * when the account's list was first read (@initial, or before it was
 * loaded) was there before and is not news; a chat listed later is listed
 * for its first messages, which are. */
static void
watch_conversations (XgApplication *self,
                     GListModel    *conversations,
                     guint          position,
                     guint          added,
                     gboolean       initial)
{
  gboolean news = !initial && xg_conversations_get_loaded (XG_CONVERSATIONS (conversations));

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(XgConversation) conversation = g_list_model_get_item (conversations, i);
      guint64 peer_id = chat_key (conversation);

      if (g_signal_handler_find (conversation, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                 on_conversation_unread, self) != 0)
        continue;
      g_signal_connect_object (conversation, "notify::unread",
                               G_CALLBACK (on_conversation_unread), self, G_CONNECT_SWAPPED);
      if (!g_hash_table_contains (self->unread_seen, &peer_id))
        g_hash_table_insert (self->unread_seen, g_memdup2 (&peer_id, sizeof peer_id),
                             GUINT_TO_POINTER (news ? 0 : xg_conversation_get_unread (conversation)));
      if (xg_conversation_get_unread (conversation) != GPOINTER_TO_UINT (g_hash_table_lookup (self->unread_seen, &peer_id)))
        on_conversation_unread (self, NULL, conversation);
    }
}

static void
on_conversations_items_changed (XgApplication *self,
                                guint          position,
                                guint          removed,
                                guint          added,
                                GListModel    *conversations)
{
  watch_conversations (self, conversations, position, added, FALSE);
}

static void
on_conversations_model_changed (XgApplication *self)
{
  XgConversations *conversations = xg_session_get_conversations (self->session);
  GHashTableIter iter;
  guint64 *peer_id;

  /* What the previous account was told goes with it. */
  g_hash_table_iter_init (&iter, self->chat_notified);
  while (g_hash_table_iter_next (&iter, (gpointer *) &peer_id, NULL))
    {
      g_autofree char *id = chat_notification_id (*peer_id);

      g_application_withdraw_notification (G_APPLICATION (self), id);
      g_hash_table_iter_remove (&iter);
    }
  g_hash_table_remove_all (self->chat_pending);
  g_hash_table_remove_all (self->unread_seen);
  g_clear_handle_id (&self->chat_notify_source, g_source_remove);
  g_signal_group_set_target (self->conversations_signals, conversations);
  if (conversations != NULL)
    watch_conversations (self, G_LIST_MODEL (conversations), 0,
                         g_list_model_get_n_items (G_LIST_MODEL (conversations)), TRUE);
}

/* --- Groups --------------------------------------------------------------- */

static void
send_group_notification (XgApplication *self,
                         const char    *id,
                         const char    *title,
                         const char    *body,
                         const char    *action,
                         guint64        group_id)
{
  g_autoptr(GNotification) notification = g_notification_new (title);
  g_autoptr(GIcon) icon = g_themed_icon_new (APP_ID);

  g_notification_set_body (notification, body);
  g_notification_set_icon (notification, icon);
  if (group_id != 0)
    g_notification_set_default_action_and_target (notification, action, "t", group_id);
  else
    g_notification_set_default_action (notification, action);
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

/* Someone names the account in a group: told even when the group is
 * muted, unless the user is looking at that chat. */
static void
on_mentioned (XgApplication  *self,
              XgConversation *conversation,
              XgMessage      *message)
{
  g_autofree char *group = xg_conversation_display_name (self->session, conversation);
  g_autofree char *sender = xg_group_sender_name (self->session, xg_conversation_get_peer_id (conversation),
                                                  xg_message_get_sender_id (message));
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;

  if (main_window_is_active (self))
    return;
  /* Translators: a notification's title: who mentioned you, in which group */
  title = g_strdup_printf (_("%s mentioned you in %s"), sender, group);
  if (g_settings_get_boolean (xg_application_get_settings (self), "notification-preview"))
    body = xg_message_preview (message);
  else
    body = g_strdup (_("Open the chat to read it."));
  id = g_strdup_printf ("mention-%" G_GUINT64_FORMAT, xg_conversation_get_peer_id (conversation));
  send_group_notification (self, id, title, body, "app.open-group-chat", xg_conversation_get_peer_id (conversation));
}

static void
on_group_join_request (XgApplication  *self,
                       XgGroupRequest *request)
{
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;
  const char *reason = xg_group_request_get_reason (request);

  if (main_window_is_active (self))
    return;
  if (reason[0] != '\0')
    /* Translators: a join request's notification: who, which group, their reason */
    body = g_strdup_printf (_("%s asks to join %s: “%s”"), xg_group_request_get_nickname (request),
                            xg_group_request_get_group_name (request), reason);
  else
    body = g_strdup_printf (_("%s asks to join %s"), xg_group_request_get_nickname (request),
                            xg_group_request_get_group_name (request));
  id = g_strdup_printf ("join-%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, xg_group_request_get_group_id (request),
                        xg_group_request_get_peer_id (request));
  send_group_notification (self, id, _("New Join Request"), body, "app.show-group-requests", 0);
}

static void
on_group_invited (XgApplication  *self,
                  XgGroupRequest *invitation)
{
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;

  if (main_window_is_active (self))
    return;
  body = g_strdup_printf (_("%s invites you to %s"), xg_group_request_get_nickname (invitation),
                          xg_group_request_get_group_name (invitation));
  id = g_strdup_printf ("invite-%" G_GUINT64_FORMAT, xg_group_request_get_group_id (invitation));
  send_group_notification (self, id, _("Group Invitation"), body, "app.show-group-requests", 0);
}

static void
on_group_join_answered (XgApplication *self,
                        guint64        group_id,
                        const char    *name,
                        guint          outcome,
                        const char    *reason)
{
  g_autofree char *id = NULL;
  g_autofree char *body = NULL;

  /* The main window shows a toast. */
  if (main_window_is_active (self))
    return;
  id = g_strdup_printf ("joined-%" G_GUINT64_FORMAT, group_id);
  if (outcome == XG_GROUP_JOIN_APPROVED)
    {
      body = g_strdup_printf (_("You are in “%s” now."), name);
      send_group_notification (self, id, _("Join Request Approved"), body, "app.open-group-chat", group_id);
      return;
    }
  if (outcome == XG_GROUP_JOIN_REJECTED && reason[0] != '\0')
    body = g_strdup_printf (_("“%s” turned your request down: %s"), name, reason);
  else if (outcome == XG_GROUP_JOIN_REJECTED)
    body = g_strdup_printf (_("“%s” turned your request down."), name);
  else
    body = g_strdup_printf (_("Nobody in “%s” answered your request in time."), name);
  send_group_notification (self, id, outcome == XG_GROUP_JOIN_REJECTED ? _("Join Request Declined")
                                                                        : _("Join Request Expired"),
                           body, "app.show-group-requests", 0);
}

static void
on_groups_model_changed (XgApplication *self)
{
  g_signal_group_set_target (self->groups_signals, xg_session_get_groups (self->session));
}

/* --- Windows -------------------------------------------------------------- */

GtkWindow *
xg_application_get_login_window (XgApplication *self)
{
  g_return_val_if_fail (XG_IS_APPLICATION (self), NULL);
  return self->login_window;
}

GtkWindow *
xg_application_get_main_window (XgApplication *self)
{
  g_return_val_if_fail (XG_IS_APPLICATION (self), NULL);
  return self->main_window;
}

XgSession *
xg_application_get_session (XgApplication *self)
{
  g_return_val_if_fail (XG_IS_APPLICATION (self), NULL);
  return self->session;
}

static void
set_window (GtkWindow **slot,
            GtkWindow  *window)
{
  if (*slot != NULL)
    g_object_remove_weak_pointer (G_OBJECT (*slot), (gpointer *) slot);
  *slot = window;
  if (window != NULL)
    g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) slot);
}

static void
show_login (XgApplication *self)
{
  if (self->login_window == NULL)
    {
      const char *email = xg_saved_login_get_email (self->saved_login);

      set_window (&self->login_window, GTK_WINDOW (xg_login_window_new (self, self->session)));
      if (email != NULL && email[0] != '\0')
        xg_login_window_set_email (XG_LOGIN_WINDOW (self->login_window), email);
    }
  gtk_window_present (self->login_window);
  if (self->main_window != NULL)
    gtk_window_destroy (self->main_window);
}

static void
show_main (XgApplication *self)
{
  if (self->main_window == NULL)
    set_window (&self->main_window, GTK_WINDOW (xg_main_window_new (self, self->session)));
  gtk_window_present (self->main_window);
  if (self->login_window != NULL)
    gtk_window_destroy (self->login_window);
}

/* --- Following the session ------------------------------------------------- */

/* The session has an account now (the user logged in, or a saved login
 * was resumed), or has none any more. */
static void
on_account_changed (XgApplication *self)
{
  if (xg_session_get_account_id (self->session) == 0)
    {
      self->resuming = FALSE;
      show_login (self);
      return;
    }

  if (!self->resuming)
    {
      const char *server = xg_session_get_server (self->session);

      xg_saved_login_remember (self->saved_login, self->session,
                               g_settings_get_boolean (xg_application_get_settings (self), "remember-me"));
      /* A server typed into the login window becomes the default, unless
       * this run was pointed somewhere with --server. */
      if (!self->server_from_command_line)
        {
          g_autofree char *saved = g_settings_get_string (self->settings, "server");

          if (g_strcmp0 (saved, server) != 0)
            g_settings_set_string (self->settings, "server", server);
        }
    }
  show_main (self);
}

static void
on_forced_logout (XgSession     *session,
                  guint          reason,
                  const char    *message,
                  XgApplication *self)
{
  const char *text = forced_logout_text (reason);
  GtkWidget *dialog;

  g_message ("The server logged this session out (reason %u)", reason);

  /* The session has no account any more: the login window is up. */
  show_login (self);
  xg_login_window_show_error (XG_LOGIN_WINDOW (self->login_window), text);

  dialog = adw_message_dialog_new (self->login_window, _("You Were Logged Out"), text);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_OK"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  set_alert_dialog (self, GTK_WINDOW (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The user deleted the account: the login window, with an empty form. */
static void
on_account_deleted (XgSession     *session,
                    XgApplication *self)
{
  show_login (self);
  xg_login_window_set_email (XG_LOGIN_WINDOW (self->login_window), "");
  xg_login_window_add_toast (XG_LOGIN_WINDOW (self->login_window), _("Your account was deleted."));
}

static void
on_identity_changed (XgSession     *session,
                     const char    *pinned,
                     const char    *presented,
                     XgApplication *self)
{
  g_autofree char *server = g_strdup (xg_session_get_server (session));

  g_message ("The certificate of %s is not the pinned one", server);

  /* No way to continue: a logged-in window goes back to the login screen,
   * and the session lets its account go. */
  if (xg_session_get_account_id (session) != 0)
    xg_session_logout_async (session, NULL, NULL, NULL);
  show_login (self);
  xg_login_window_show_error (XG_LOGIN_WINDOW (self->login_window),
                              _("The server’s identity has changed. Xinge will not connect to it."));
  show_identity_changed (self, server, pinned, presented);
}

static void
on_server_error (XgSession     *session,
                 guint          code,
                 const char    *message,
                 XgApplication *self)
{
  g_debug ("Unsolicited server error %u: %s", code, message);
}

/* Turning "remember me" off forgets what is saved. */
static void
on_remember_me_changed (GSettings     *settings,
                        const char    *key,
                        XgApplication *self)
{
  if (!g_settings_get_boolean (settings, "remember-me"))
    xg_saved_login_forget (self->saved_login);
}

/* At start: the saved login, if this profile kept one for this server. */
static void
on_saved_login_found (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(XgApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgCredentials) credentials = xg_saved_login_lookup_finish (XG_SAVED_LOGIN (source), result, &error);

  g_application_release (G_APPLICATION (self));
  if (credentials == NULL)
    {
      show_login (self);
      if (error != NULL)
        {
          g_autofree char *text = g_strdup_printf (_("The saved login could not be read from the keyring: %s"),
                                                   error->message);
          xg_login_window_show_error (XG_LOGIN_WINDOW (self->login_window), text);
        }
      return;
    }

  /* The main window shows what the account database kept while the
   * session logs in by itself. */
  self->resuming = TRUE;
  xg_saved_login_resume (self->saved_login, self->session, credentials);
}

/* --- Actions -------------------------------------------------------------- */

static void
on_logged_out (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XgApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xg_session_logout_finish (XG_SESSION (source), result, &error))
    {
      g_message ("Logging out on the server failed: %s", error->message);
      xg_session_disconnect (XG_SESSION (source));
    }
  g_application_release (G_APPLICATION (self));
}

/* Logs out on the server and forgets the saved token; the login window
 * comes back at once, the server's answer may take a while. */
static void
logout_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  XgApplication *self = user_data;

  if (xg_session_get_account_id (self->session) == 0)
    return;
  xg_saved_login_forget (self->saved_login);
  show_login (self);
  g_application_hold (G_APPLICATION (self));
  xg_session_logout_async (self->session, NULL, on_logged_out, g_object_ref (self));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  XgApplication *self = user_data;
  const char *developers[] = { NULL, NULL };
  GtkWidget *about;

  developers[0] = _("The Xinge contributors");
  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (GTK_APPLICATION (self)),
                        "application-name", _("Xinge"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Xinge contributors"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Chat with friends and groups on a server anyone can run"),
                        "copyright", _("© 2025 The Xinge contributors"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        /* Translators: your names, one per line, shown in the About window */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  XgApplication *self = user_data;
  XgPreferencesWindow *window;

  window = xg_preferences_window_new (xg_application_get_settings (self));
  gtk_window_set_transient_for (GTK_WINDOW (window),
                                gtk_application_get_active_window (GTK_APPLICATION (self)));
  gtk_window_present (GTK_WINDOW (window));
}

/* A notification about a friend request was clicked. */
static void
show_friend_requests_activated (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  XgApplication *self = user_data;

  if (self->main_window == NULL)
    {
      g_application_activate (G_APPLICATION (self));
      return;
    }
  gtk_window_present (self->main_window);
  xg_main_window_show_friend_requests (XG_MAIN_WINDOW (self->main_window));
}

/* A notification about a message was clicked. */
static void
open_chat_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  XgApplication *self = user_data;

  if (self->main_window == NULL)
    {
      g_application_activate (G_APPLICATION (self));
      return;
    }
  gtk_window_present (self->main_window);
  xg_main_window_show_chat (XG_MAIN_WINDOW (self->main_window), g_variant_get_uint64 (parameter));
}

static void
open_group_chat_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  XgApplication *self = user_data;

  if (self->main_window == NULL)
    {
      g_application_activate (G_APPLICATION (self));
      return;
    }
  gtk_window_present (self->main_window);
  xg_main_window_show_group_chat (XG_MAIN_WINDOW (self->main_window), g_variant_get_uint64 (parameter));
}

static void
show_group_requests_activated (GSimpleAction *action,
                               GVariant      *parameter,
                               gpointer       user_data)
{
  XgApplication *self = user_data;

  if (self->main_window == NULL)
    {
      g_application_activate (G_APPLICATION (self));
      return;
    }
  gtk_window_present (self->main_window);
  xg_main_window_show_group_requests (XG_MAIN_WINDOW (self->main_window));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  XgApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Destroying windows lets each save its state. */
  while (windows != NULL)
    {
      GtkWindow *window = windows->data;
      windows = windows->next;
      gtk_window_close (window);
    }
  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = about_activated },
  { .name = "preferences", .activate = preferences_activated },
  { .name = "logout", .activate = logout_activated },
  { .name = "show-friend-requests", .activate = show_friend_requests_activated },
  { .name = "open-chat", .activate = open_chat_activated, .parameter_type = "t" },
  { .name = "open-group-chat", .activate = open_group_chat_activated, .parameter_type = "t" },
  { .name = "show-group-requests", .activate = show_group_requests_activated },
  { .name = "quit", .activate = quit_activated },
};

/* --- GApplication --------------------------------------------------------- */

static int
xg_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  XgApplication *self = XG_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  const char *profile = NULL;
  const char *server = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("xinge %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "profile", "&s", &profile)
      && !xg_application_set_profile (self, profile, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  if (g_variant_dict_lookup (options, "server", "&s", &server))
    {
      if (!xg_server_address_is_valid (server))
        {
          g_printerr (_("“%s” is not a server address: use HOST:PORT, e.g. 127.0.0.1:7447"), server);
          g_printerr ("\n");
          return 1;
        }
      xg_application_set_server (self, server);
      self->server_from_command_line = TRUE;
    }

  return G_APPLICATION_CLASS (xg_application_parent_class)->handle_local_options (app, options);
}

static void
xg_application_startup (GApplication *app)
{
  XgApplication *self = XG_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *profile_accels[] = { "<Control>p", NULL };
  g_autofree char *app_dir = NULL;
  g_autofree char *state = NULL;
  g_autofree char *device = NULL;

  G_APPLICATION_CLASS (xg_application_parent_class)->startup (app);
  xg_accessible_watch_windows ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.profile", profile_accels);

  app_dir = xg_paths_app_dir (self->profile);
  state = g_build_filename (app_dir, "state.ini", NULL);
  self->saved_login = xg_saved_login_new (state);
  g_signal_connect_object (xg_application_get_settings (self), "changed::remember-me",
                           G_CALLBACK (on_remember_me_changed), self, 0);

  /* Opens on its own thread; a file that cannot be opened fails the
   * connect with a message that names it. */
  device = xg_paths_device_db (self->profile);
  self->device_db = xg_device_db_new (device);
  self->session = xg_session_new (xg_application_get_server (self), self->device_db);
  g_signal_connect_object (self->session, "notify::account-id",
                           G_CALLBACK (on_account_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "forced-logout", G_CALLBACK (on_forced_logout), self, 0);
  g_signal_connect_object (self->session, "identity-changed", G_CALLBACK (on_identity_changed), self, 0);
  g_signal_connect_object (self->session, "account-deleted", G_CALLBACK (on_account_deleted), self, 0);
  g_signal_connect_object (self->session, "server-error", G_CALLBACK (on_server_error), self, 0);

  self->requests_signals = g_signal_group_new (XG_TYPE_FRIEND_REQUESTS);
  g_signal_group_connect_swapped (self->requests_signals, "incoming",
                                  G_CALLBACK (on_incoming_request), self);
  g_signal_group_connect_swapped (self->requests_signals, "answered",
                                  G_CALLBACK (on_request_answered), self);
  g_signal_group_connect_swapped (self->requests_signals, "items-changed",
                                  G_CALLBACK (on_requests_items_changed), self);
  g_signal_connect_object (self->session, "notify::friend-requests",
                           G_CALLBACK (on_requests_model_changed), self, G_CONNECT_SWAPPED);
  on_requests_model_changed (self);

  self->conversations_signals = g_signal_group_new (XG_TYPE_CONVERSATIONS);
  g_signal_group_connect_data (self->conversations_signals, "items-changed",
                               G_CALLBACK (on_conversations_items_changed), self, NULL,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_group_connect_swapped (self->conversations_signals, "mentioned", G_CALLBACK (on_mentioned), self);
  g_signal_connect_object (self->session, "notify::conversations",
                           G_CALLBACK (on_conversations_model_changed), self, G_CONNECT_SWAPPED);
  on_conversations_model_changed (self);

  self->groups_signals = g_signal_group_new (XG_TYPE_GROUPS);
  g_signal_group_connect_swapped (self->groups_signals, "join-request", G_CALLBACK (on_group_join_request), self);
  g_signal_group_connect_swapped (self->groups_signals, "invited", G_CALLBACK (on_group_invited), self);
  g_signal_group_connect_swapped (self->groups_signals, "join-answered", G_CALLBACK (on_group_join_answered), self);
  g_signal_connect_object (self->session, "notify::groups",
                           G_CALLBACK (on_groups_model_changed), self, G_CONNECT_SWAPPED);
  on_groups_model_changed (self);
}

static void
xg_application_activate (GApplication *app)
{
  XgApplication *self = XG_APPLICATION (app);
  gboolean first = !self->activated;

  self->activated = TRUE;
  if (self->main_window != NULL)
    {
      gtk_window_present (self->main_window);
      return;
    }
  if (self->login_window != NULL)
    {
      gtk_window_present (self->login_window);
      return;
    }

  /* At start, a profile that saved its login for this server resumes it. */
  if (first
      && xg_saved_login_get_remembered (self->saved_login)
      && g_settings_get_boolean (xg_application_get_settings (self), "remember-me")
      && g_strcmp0 (xg_saved_login_get_server (self->saved_login), xg_application_get_server (self)) == 0)
    {
      g_application_hold (app);
      xg_saved_login_lookup_async (self->saved_login, xg_application_get_server (self), NULL,
                                   on_saved_login_found, g_object_ref (self));
      return;
    }
  show_login (self);
}

static void
xg_application_shutdown (GApplication *app)
{
  XgApplication *self = XG_APPLICATION (app);

  /* Quitting is not logging out: the saved token stays valid. */
  if (self->session != NULL)
    xg_session_disconnect (self->session);
  G_APPLICATION_CLASS (xg_application_parent_class)->shutdown (app);
  /* The window's size was written as it closed; dconf writes are
   * asynchronous and would be lost at exit otherwise. */
  g_settings_sync ();
}

static void
xg_application_finalize (GObject *object)
{
  XgApplication *self = XG_APPLICATION (object);

  set_window (&self->login_window, NULL);
  set_window (&self->main_window, NULL);
  set_alert_dialog (self, NULL);
  if (self->requests_signals != NULL)
    g_signal_group_set_target (self->requests_signals, NULL);
  g_clear_object (&self->requests_signals);
  if (self->conversations_signals != NULL)
    g_signal_group_set_target (self->conversations_signals, NULL);
  g_clear_object (&self->conversations_signals);
  if (self->groups_signals != NULL)
    g_signal_group_set_target (self->groups_signals, NULL);
  g_clear_object (&self->groups_signals);
  g_clear_handle_id (&self->chat_notify_source, g_source_remove);
  g_clear_pointer (&self->unread_seen, g_hash_table_unref);
  g_clear_pointer (&self->chat_pending, g_hash_table_unref);
  g_clear_pointer (&self->chat_notified, g_hash_table_unref);
  g_clear_pointer (&self->notified, g_hash_table_unref);
  g_clear_pointer (&self->answers_notified, g_hash_table_unref);
  g_clear_object (&self->session);
  g_clear_object (&self->saved_login);
  if (self->device_db != NULL)
    xg_db_close (XG_DB (self->device_db));
  g_clear_object (&self->device_db);
  g_clear_object (&self->settings);
  g_free (self->profile);
  g_free (self->server_override);
  g_free (self->settings_server);

  G_OBJECT_CLASS (xg_application_parent_class)->finalize (object);
}

static void
xg_application_class_init (XgApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = xg_application_finalize;
  app_class->handle_local_options = xg_application_handle_local_options;
  app_class->startup = xg_application_startup;
  app_class->activate = xg_application_activate;
  app_class->shutdown = xg_application_shutdown;
}

static void
xg_application_init (XgApplication *self)
{
  static const GOptionEntry entries[] = {
    { "profile", 'p', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
      N_("Use a separate profile (its own window, login and local data), e.g. to run two accounts side by side"),
      N_("NAME") },
    { "server", 's', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
      N_("The server to connect to (default: the “server” setting, 127.0.0.1:7447)"),
      N_("HOST:PORT") },
    { "version", 0, G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
      N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };

  self->profile = g_strdup (XG_APPLICATION_DEFAULT_PROFILE);
  self->notified = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->answers_notified = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->unread_seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->chat_pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->chat_notified = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_application_set_option_context_summary (G_APPLICATION (self), _("Xinge, a messenger for the GNOME desktop"));
}

XgApplication *
xg_application_new (void)
{
  return g_object_new (XG_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       /* The same resources whatever the profile's app id. */
                       "resource-base-path", "/io/github/xinge/Xinge",
                       NULL);
}
