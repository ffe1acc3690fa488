/* xg-main-window.c: the window of a logged-in account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A leaflet of a sidebar and a content pane. The sidebar has the account
 * in its header, the friend requests while there are any (with the number
 * waiting for an answer), and the friends: a GtkListView over the
 * session's XgContacts, through a GtkFilterListModel that the search entry
 * filters by name and nickname (again whenever a friend's name or
 * nickname changes during a search: GTK 4.8 re-filters only the items
 * that items-changed names, and a rename that keeps a friend in place
 * names none). The list shows what the account database
 * kept from the start, before the server answers; when the session's
 * contacts model is replaced (another account), the window follows
 * notify::contacts. The content pane shows the requests page or a
 * friend's page, and goes back to its empty state when that friend leaves
 * the list. The header follows the session's profile through a
 * GBindingGroup; a banner at the bottom shows while the session is
 * reconnecting; answered requests and sent ones show as toasts.
 *
 * The sidebar has two tabs: Chats (the session's XgConversations, newest
 * activity first, filtered by the friend's name; the tab's badge is the
 * unread total) and Contacts (the friends above). The window opens on
 * Contacts for an account without chats and on Chats once it has any.
 * A chat opens from the Chats list, from a friend's page (Send Message)
 * or a notification (win.open-chat / xg_main_window_show_chat()), and
 * shows in the content pane as an XgChatPage; Alt+Up/Down go to the chat
 * above or below, Ctrl+K searches the chats.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "xg-add-friend-window.h"
#include "xg-group-page.h"
#include "xg-group-requests-page.h"
#include "xg-join-group-window.h"
#include "xg-new-group-window.h"
#include "xg-app-util.h"
#include "xg-chat-page.h"
#include "xg-contact-row.h"
#include "xg-conversation-row.h"
#include "xg-friend-page.h"
#include "xg-friend-requests.h"
#include "xg-main-window.h"
#include "xg-profile-window.h"
#include "xg-requests-page.h"

struct _XgMainWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar;
  GtkWidget            *content;
  GtkButton            *profile_button;
  AdwAvatar            *avatar;
  GtkLabel             *nickname_label;
  GtkButton            *add_friend_button;
  GtkListBox           *requests_list;
  GtkListBoxRow        *requests_row;
  GtkLabel             *requests_badge;
  GtkListBoxRow        *group_requests_row;
  GtkLabel             *group_requests_badge;
  GtkButton            *group_info_button;
  GtkSearchEntry       *search_entry;
  GtkStack             *sidebar_stack;
  GtkListView          *contact_list;
  AdwStatusPage        *no_matches_page;
  AdwWindowTitle       *content_title;
  GtkStack             *content_stack;
  GtkRevealer          *banner_revealer;
  AdwViewStack         *sidebar_tabs;
  AdwViewSwitcher      *sidebar_switcher;
  AdwViewStackPage     *chats_tab;
  GtkSearchEntry       *chat_search_entry;
  GtkStack             *chats_stack;
  GtkListView          *conversation_list;
  AdwStatusPage        *chats_no_matches_page;

  XgSession            *session;
  GSettings            *settings;
  GBindingGroup        *profile_bindings;
  GSignalGroup         *profile_signals;
  GtkWindow            *profile_window;      /* weak */
  GtkWindow            *add_friend_window;   /* weak */
  GtkWindow            *new_group_window;    /* weak */
  GtkWindow            *join_group_window;   /* weak */

  /* The friends */
  GtkStringFilter      *filter;
  GtkFilterListModel   *filtered;
  GtkSingleSelection   *selection;
  GSignalGroup         *contacts_signals;
  GSignalGroup         *requests_signals;
  GBindingGroup        *title_bindings;      /* the shown friend's name → the content header */
  GtkWidget            *friend_page;
  GtkWidget            *requests_page;

  /* The chats */
  GtkCustomFilter      *chat_filter;
  GtkFilterListModel   *chats_filtered;
  GtkSingleSelection   *chat_selection;
  GSignalGroup         *conversations_signals;
  GtkWidget            *chat_page;

  /* The groups */
  GSignalGroup         *groups_signals;
  GtkWidget            *group_page;
  GtkWidget            *group_requests_page;
  gboolean              tab_chosen;          /* the user (or a chat) chose the tab */
  gboolean              tab_set_by_window;
};

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (XgMainWindow, xg_main_window, ADW_TYPE_APPLICATION_WINDOW)

XgSession *
xg_main_window_get_session (XgMainWindow *self)
{
  g_return_val_if_fail (XG_IS_MAIN_WINDOW (self), NULL);
  return self->session;
}

/* --- The account in the header --------------------------------------------- */

static void
update_avatar (XgMainWindow *self)
{
  XgProfile *profile = xg_session_get_profile (self->session);
  GBytes *bytes = profile != NULL ? xg_profile_get_avatar (profile) : NULL;
  g_autoptr(GdkTexture) texture = NULL;

  if (bytes != NULL && g_bytes_get_size (bytes) > 0)
    {
      g_autoptr(GError) error = NULL;

      texture = gdk_texture_new_from_bytes (bytes, &error);
      if (texture == NULL)
        g_debug ("The profile's avatar is not an image: %s", error->message);
    }
  adw_avatar_set_custom_image (self->avatar, GDK_PAINTABLE (texture));
}

static void
update_account_label (XgMainWindow *self)
{
  XgProfile *profile = xg_session_get_profile (self->session);
  const char *name = profile != NULL ? xg_profile_get_nickname (profile) : NULL;
  g_autofree char *label = NULL;

  /* Before the profile arrives, the address stands in for the nickname. */
  if (name == NULL || name[0] == '\0')
    {
      name = xg_session_get_email (self->session);
      if (name == NULL)
        name = "";
      gtk_label_set_text (self->nickname_label, name);
      adw_avatar_set_text (self->avatar, name);
    }
  /* Translators: the accessible name of the header button that opens the profile */
  label = g_strdup_printf (_("Your profile: %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->profile_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
on_profile_changed (XgMainWindow *self)
{
  XgProfile *profile = xg_session_get_profile (self->session);

  g_binding_group_set_source (self->profile_bindings, profile);
  g_signal_group_set_target (self->profile_signals, profile);
  update_avatar (self);
  update_account_label (self);
}

/* --- Toasts ------------------------------------------------------------------ */

static void
add_toast (XgMainWindow *self,
           const char   *text,
           gboolean      urgent)
{
  /* Toast titles are Pango markup; names are not. */
  g_autofree char *markup = g_markup_escape_text (text, -1);
  AdwToast *toast = adw_toast_new (markup);

  if (urgent)
    adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_request_answered (XgMainWindow *self,
                     guint64       peer_id,
                     const char   *nickname,
                     guint         outcome,
                     const char   *reason)
{
  g_autofree char *text = xg_friend_answer_text (nickname, outcome, reason);

  add_toast (self, text, TRUE);
}

static void
on_request_sent (XgMainWindow *self,
                 const char   *nickname,
                 gboolean      became_friends)
{
  g_autofree char *text = NULL;

  if (became_friends)
    text = g_strdup_printf (_("You and %s are now friends"), nickname);
  else
    text = g_strdup_printf (_("Friend request sent to %s"), nickname);
  add_toast (self, text, FALSE);
}

/* --- The content pane -------------------------------------------------------------- */

/* GtkSingleSelection (GTK 4.8) does not implement unselect_all(). */
static void
unselect_contact (XgMainWindow *self)
{
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

static void
show_content (XgMainWindow *self,
              const char   *name)
{
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));
  GtkWidget *leaving = gtk_stack_get_visible_child (self->content_stack);

  /* A focused entry on a page that goes away keeps blinking (GTK 4.8). */
  if (focus != NULL && leaving != NULL && gtk_widget_is_ancestor (focus, leaving)
      && g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), name) != 0)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_stack_set_visible_child_name (self->content_stack, name);
  if (!g_str_equal (name, "friend") && !g_str_equal (name, "chat"))
    g_binding_group_set_source (self->title_bindings, NULL);
  if (!g_str_equal (name, "friend"))
    xg_friend_page_set_contact (XG_FRIEND_PAGE (self->friend_page), NULL);
  if (!g_str_equal (name, "chat"))
    {
      gtk_single_selection_set_selected (self->chat_selection, GTK_INVALID_LIST_POSITION);
      xg_chat_page_set_conversation (XG_CHAT_PAGE (self->chat_page), NULL);
    }
  if (!g_str_equal (name, "group"))
    xg_group_page_set_group (XG_GROUP_PAGE (self->group_page), NULL);
  {
    XgConversation *shown = xg_chat_page_get_conversation (XG_CHAT_PAGE (self->chat_page));

    gtk_widget_set_visible (GTK_WIDGET (self->group_info_button),
                            g_str_equal (name, "chat") && shown != NULL &&
                            xg_conversation_get_kind (shown) == XG_CONVERSATION_GROUP);
  }
  if (g_str_equal (name, "empty"))
    {
      adw_window_title_set_title (self->content_title, _("Xinge"));
      adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
    }
  else
    {
      if (g_str_equal (name, "requests"))
        adw_window_title_set_title (self->content_title, _("Friend Requests"));
      else if (g_str_equal (name, "group-requests"))
        adw_window_title_set_title (self->content_title, _("Group Requests"));
      adw_leaflet_set_visible_child (self->leaflet, self->content);
    }
}

/* Back to "select a friend", with nothing selected. */
static void
close_content (XgMainWindow *self)
{
  unselect_contact (self);
  gtk_list_box_unselect_all (self->requests_list);
  show_content (self, "empty");
}

void
xg_main_window_show_contact (XgMainWindow *self,
                             XgContact    *contact)
{
  guint n;

  g_return_if_fail (XG_IS_MAIN_WINDOW (self));
  g_return_if_fail (XG_IS_CONTACT (contact));

  gtk_list_box_unselect_all (self->requests_list);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XgContact) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), i);

      if (item == contact)
        {
          if (gtk_single_selection_get_selected (self->selection) != i)
            gtk_single_selection_set_selected (self->selection, i);
          break;
        }
    }
  xg_friend_page_set_contact (XG_FRIEND_PAGE (self->friend_page), contact);
  g_binding_group_set_source (self->title_bindings, contact);
  show_content (self, "friend");
}

void
xg_main_window_show_friend_requests (XgMainWindow *self)
{
  g_return_if_fail (XG_IS_MAIN_WINDOW (self));

  unselect_contact (self);
  if (gtk_widget_get_visible (GTK_WIDGET (self->requests_list)))
    gtk_list_box_select_row (self->requests_list, self->requests_row);
  show_content (self, "requests");
}

void
xg_main_window_show_group_requests (XgMainWindow *self)
{
  g_return_if_fail (XG_IS_MAIN_WINDOW (self));

  unselect_contact (self);
  if (gtk_widget_get_visible (GTK_WIDGET (self->group_requests_row)))
    gtk_list_box_select_row (self->requests_list, self->group_requests_row);
  show_content (self, "group-requests");
}

static void
on_requests_row_activated (XgMainWindow  *self,
                           GtkListBoxRow *row)
{
  if (row == self->group_requests_row)
    xg_main_window_show_group_requests (self);
  else
    xg_main_window_show_friend_requests (self);
}

static void
on_selection_changed (XgMainWindow *self)
{
  XgContact *contact = gtk_single_selection_get_selected_item (self->selection);

  /* Nothing selected (the search hid the friend shown, say): the page stays. */
  if (contact != NULL)
    xg_main_window_show_contact (self, contact);
}

/* --- The friends -------------------------------------------------------------------- */

/* What the search looks in: the name shown, and the nickname a remark hides. */
static char *
contact_search_text (XgContact *contact,
                     gpointer   user_data)
{
  if (contact == NULL)
    return NULL;
  return g_strconcat (xg_contact_get_display_name (contact), "\n",
                      xg_contact_get_nickname (contact) ? xg_contact_get_nickname (contact) : "",
                      NULL);
}

/* A friend's name or nickname changed: what the search matches may have
 * too. The filter looks at every friend again; the ones whose match did
 * not change stay as they are. */
static void
on_contact_renamed (XgMainWindow *self)
{
  const char *search;

  if (self->selection == NULL)
    return;   /* disposed */
  search = gtk_string_filter_get_search (self->filter);
  if (search != NULL && search[0] != '\0')
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  if (gtk_editable_get_text (GTK_EDITABLE (self->chat_search_entry))[0] != '\0')
    gtk_filter_changed (GTK_FILTER (self->chat_filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/* Follows the names of @contacts' items from @position on, once each
 * (a friend that moves comes back in the same items-changed). */
static void
watch_names (XgMainWindow *self,
             GListModel   *contacts,
             guint         position,
             guint         n)
{
  for (guint i = position; i < position + n; i++)
    {
      g_autoptr(XgContact) contact = g_list_model_get_item (contacts, i);

      if (g_signal_handler_find (contact, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                 on_contact_renamed, self) != 0)
        continue;
      g_signal_connect_object (contact, "notify::display-name",
                               G_CALLBACK (on_contact_renamed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (xg_contact_get_profile (contact), "notify::nickname",
                               G_CALLBACK (on_contact_renamed), self, G_CONNECT_SWAPPED);
    }
}

static void
unwatch_names (XgMainWindow *self,
               GListModel   *contacts)
{
  guint n = contacts != NULL ? g_list_model_get_n_items (contacts) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XgContact) contact = g_list_model_get_item (contacts, i);

      g_signal_handlers_disconnect_by_func (contact, on_contact_renamed, self);
      g_signal_handlers_disconnect_by_func (xg_contact_get_profile (contact), on_contact_renamed, self);
    }
}

static void
update_sidebar (XgMainWindow *self)
{
  XgContacts *contacts = xg_session_get_contacts (self->session);
  guint n_contacts = contacts ? g_list_model_get_n_items (G_LIST_MODEL (contacts)) : 0;
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  gboolean searching = search[0] != '\0';
  const char *page = "contacts";

  if (contacts != NULL && n_contacts == 0 && xg_contacts_get_loaded (contacts) && !searching)
    page = "empty";
  else if (searching && n_shown == 0)
    {
      g_autofree char *description = g_strdup_printf (_("No friend’s name or nickname contains “%s”."), search);

      adw_status_page_set_description (self->no_matches_page, description);
      page = "no-matches";
    }

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->sidebar_stack), page) != 0)
    gtk_stack_set_visible_child_name (self->sidebar_stack, page);
  /* Nothing to search: no search entry (unless it holds a search). */
  if (n_contacts == 0 && !searching && gtk_widget_has_focus (GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (self->search_entry)))))
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  xg_set_shown (GTK_WIDGET (self->search_entry), n_contacts > 0 || searching);
}

/* The friend shown may have left the list (either side ended it), or be
 * another object now. */
static void
follow_shown_contact (XgMainWindow *self)
{
  XgContact *shown = xg_friend_page_get_contact (XG_FRIEND_PAGE (self->friend_page));
  XgContacts *contacts = xg_session_get_contacts (self->session);
  XgContact *now;

  if (shown == NULL || g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "friend") != 0)
    return;
  now = contacts ? xg_contacts_lookup (contacts, xg_contact_get_account_id (shown)) : NULL;
  if (now == NULL)
    close_content (self);
  else if (now != shown)
    xg_main_window_show_contact (self, now);
}

static void
on_contacts_items_changed (XgMainWindow *self,
                           guint         position,
                           guint         removed,
                           guint         added,
                           GListModel   *contacts)
{
  watch_names (self, contacts, position, added);
  follow_shown_contact (self);
  update_sidebar (self);
}

static void
on_contacts_changed (XgMainWindow *self)
{
  XgContacts *contacts = xg_session_get_contacts (self->session);

  unwatch_names (self, gtk_filter_list_model_get_model (self->filtered));
  g_signal_group_set_target (self->contacts_signals, contacts);
  gtk_filter_list_model_set_model (self->filtered, G_LIST_MODEL (contacts));
  if (contacts != NULL)
    watch_names (self, G_LIST_MODEL (contacts), 0, g_list_model_get_n_items (G_LIST_MODEL (contacts)));
  follow_shown_contact (self);
  update_sidebar (self);
}

static void
on_search_changed (XgMainWindow *self)
{
  gtk_string_filter_set_search (self->filter, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  update_sidebar (self);
}

/* Escape: the whole list again. */
static void
on_stop_search (XgMainWindow *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_string_filter_set_search (self->filter, NULL);
  update_sidebar (self);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  gtk_list_item_set_child (item, xg_contact_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  xg_contact_row_set_contact (XG_CONTACT_ROW (gtk_list_item_get_child (item)),
                              gtk_list_item_get_item (item));
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  user_data)
{
  xg_contact_row_set_contact (XG_CONTACT_ROW (gtk_list_item_get_child (item)), NULL);
}

/* --- The chats ---------------------------------------------------------------------- */

static gboolean
chat_matches (gpointer item,
              gpointer user_data)
{
  XgMainWindow *self = user_data;
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->chat_search_entry));
  g_autofree char *name = NULL;
  g_autofree char *folded_name = NULL;
  g_autofree char *folded_search = NULL;

  if (search == NULL || search[0] == '\0')
    return TRUE;
  name = xg_conversation_display_name (self->session, item);
  folded_name = g_utf8_casefold (name, -1);
  folded_search = g_utf8_casefold (search, -1);
  return strstr (folded_name, folded_search) != NULL;
}

static XgConversation *
shown_conversation (XgMainWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "chat") != 0)
    return NULL;
  return xg_chat_page_get_conversation (XG_CHAT_PAGE (self->chat_page));
}

static guint
chat_position (XgMainWindow   *self,
               XgConversation *conversation)
{
  GListModel *model = G_LIST_MODEL (self->chats_filtered);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XgConversation) item = g_list_model_get_item (model, i);

      if (item == conversation)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

/* The chat shown is the one selected, wherever it moved to. */
static void
select_shown_chat (XgMainWindow *self)
{
  XgConversation *shown = shown_conversation (self);
  guint position = shown ? chat_position (self, shown) : GTK_INVALID_LIST_POSITION;

  if (gtk_single_selection_get_selected (self->chat_selection) != position)
    gtk_single_selection_set_selected (self->chat_selection, position);
}

static void
update_chats_sidebar (XgMainWindow *self)
{
  XgConversations *conversations = xg_session_get_conversations (self->session);
  guint n = conversations ? g_list_model_get_n_items (G_LIST_MODEL (conversations)) : 0;
  guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->chats_filtered));
  guint unread = conversations ? xg_conversations_get_unread (conversations) : 0;
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->chat_search_entry));
  gboolean searching = search[0] != '\0';
  const char *page = "chats";
  g_autofree char *title = NULL;

  if (n == 0 && !searching)
    page = "empty";
  else if (searching && n_shown == 0)
    {
      g_autofree char *description = g_strdup_printf (_("No chat’s name contains “%s”."), search);

      adw_status_page_set_description (self->chats_no_matches_page, description);
      page = "no-matches";
    }
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->chats_stack), page) != 0)
    gtk_stack_set_visible_child_name (self->chats_stack, page);
  if (n == 0 && !searching && gtk_widget_has_focus (GTK_WIDGET (gtk_editable_get_delegate (GTK_EDITABLE (self->chat_search_entry)))))
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->chat_search_entry), n > 0 || searching);

  adw_view_stack_page_set_badge_number (self->chats_tab, unread);
  adw_view_stack_page_set_needs_attention (self->chats_tab, unread > 0);
  if (unread > 0)
    /* Translators: the Chats tab, for screen readers, with the unread total */
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Chats: %u unread message", "Chats: %u unread messages", unread), unread);
  else
    title = g_strdup (_("Chats"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->conversation_list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);

  /* The first chats decide the tab the window opens on. */
  if (!self->tab_chosen && n > 0)
    {
      self->tab_chosen = TRUE;
      self->tab_set_by_window = TRUE;
      adw_view_stack_set_visible_child_name (self->sidebar_tabs, "chats");
      self->tab_set_by_window = FALSE;
    }
}

/* The tab buttons' icons (AdwViewSwitcher of libadwaita 1.2) reach
 * AT-SPI as "GtkImage": they only decorate the tab's name. */
static void
label_tab_icons (GtkWidget  *widget,
                 const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      g_autofree char *own = NULL;
      const char *name = label;

      if (GTK_IS_BUTTON (child) && g_object_class_find_property (G_OBJECT_GET_CLASS (child), "label") != NULL)
        {
          g_object_get (child, "label", &own, NULL);
          if (own != NULL)
            name = own;
        }
      if (GTK_IS_IMAGE (child))
        {
          gtk_accessible_update_state (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
          gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          name ? name : "", -1);
        }
      else
        label_tab_icons (child, name);
    }
}

static void
on_tab_changed (XgMainWindow *self)
{
  if (!self->tab_set_by_window)
    self->tab_chosen = TRUE;
}

static void
on_conversations_items_changed (XgMainWindow *self)
{
  select_shown_chat (self);
  update_chats_sidebar (self);
}

static void
on_conversations_changed (XgMainWindow *self)
{
  XgConversations *conversations = xg_session_get_conversations (self->session);

  g_signal_group_set_target (self->conversations_signals, conversations);
  gtk_filter_list_model_set_model (self->chats_filtered, G_LIST_MODEL (conversations));
  if (shown_conversation (self) != NULL)
    close_content (self);
  update_chats_sidebar (self);
}

static void
on_chat_search_changed (XgMainWindow *self)
{
  gtk_filter_changed (GTK_FILTER (self->chat_filter), GTK_FILTER_CHANGE_DIFFERENT);
  select_shown_chat (self);
  update_chats_sidebar (self);
}

static void
on_chat_stop_search (XgMainWindow *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->chat_search_entry), "");
  on_chat_search_changed (self);
}

static void
setup_chat_row (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                XgMainWindow             *self)
{
  gtk_list_item_set_child (item, xg_conversation_row_new (self->session));
}

static void
bind_chat_row (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  xg_conversation_row_set_conversation (XG_CONVERSATION_ROW (gtk_list_item_get_child (item)),
                                        gtk_list_item_get_item (item));
}

static void
unbind_chat_row (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  xg_conversation_row_set_conversation (XG_CONVERSATION_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
show_conversation (XgMainWindow   *self,
                   XgConversation *conversation)
{
  guint64 peer_id = xg_conversation_get_peer_id (conversation);
  XgContacts *contacts = xg_session_get_contacts (self->session);
  gboolean group = xg_conversation_get_kind (conversation) == XG_CONVERSATION_GROUP;
  XgContact *contact = contacts && !group ? xg_contacts_lookup (contacts, peer_id) : NULL;

  unselect_contact (self);
  gtk_list_box_unselect_all (self->requests_list);
  xg_chat_page_set_conversation (XG_CHAT_PAGE (self->chat_page), conversation);
  g_binding_group_set_source (self->title_bindings, contact);
  if (contact == NULL)
    {
      g_autofree char *name = xg_conversation_display_name (self->session, conversation);

      adw_window_title_set_title (self->content_title, name);
    }
  show_content (self, "chat");
  select_shown_chat (self);
}

gboolean
xg_main_window_show_chat (XgMainWindow *self,
                          guint64       peer_id)
{
  XgConversations *conversations;
  XgConversation *conversation;

  g_return_val_if_fail (XG_IS_MAIN_WINDOW (self), FALSE);

  conversations = xg_session_get_conversations (self->session);
  if (conversations == NULL || peer_id == 0)
    return FALSE;
  conversation = xg_conversations_get (conversations, peer_id);
  self->tab_chosen = TRUE;
  self->tab_set_by_window = TRUE;
  adw_view_stack_set_visible_child_name (self->sidebar_tabs, "chats");
  self->tab_set_by_window = FALSE;
  show_conversation (self, conversation);
  xg_chat_page_focus_composer (XG_CHAT_PAGE (self->chat_page));
  return TRUE;
}

gboolean
xg_main_window_show_group_chat (XgMainWindow *self,
                                guint64       group_id)
{
  XgConversations *conversations;

  g_return_val_if_fail (XG_IS_MAIN_WINDOW (self), FALSE);

  conversations = xg_session_get_conversations (self->session);
  if (conversations == NULL || group_id == 0)
    return FALSE;
  self->tab_chosen = TRUE;
  self->tab_set_by_window = TRUE;
  adw_view_stack_set_visible_child_name (self->sidebar_tabs, "chats");
  self->tab_set_by_window = FALSE;
  show_conversation (self, xg_conversations_get_group (conversations, group_id));
  xg_chat_page_focus_composer (XG_CHAT_PAGE (self->chat_page));
  return TRUE;
}

gboolean
xg_main_window_show_group (XgMainWindow *self,
                           guint64       group_id)
{
  XgGroup *group;

  g_return_val_if_fail (XG_IS_MAIN_WINDOW (self), FALSE);

  group = xg_session_lookup_group (self->session, group_id);
  if (group == NULL)
    return FALSE;
  unselect_contact (self);
  gtk_list_box_unselect_all (self->requests_list);
  xg_group_page_set_group (XG_GROUP_PAGE (self->group_page), group);
  g_binding_group_set_source (self->title_bindings, NULL);
  adw_window_title_set_title (self->content_title, xg_group_get_name (group));
  show_content (self, "group");
  return TRUE;
}

static void
on_group_info_clicked (XgMainWindow *self)
{
  XgConversation *shown = shown_conversation (self);

  if (shown != NULL && xg_conversation_get_kind (shown) == XG_CONVERSATION_GROUP)
    xg_main_window_show_group (self, xg_conversation_get_peer_id (shown));
}

static void
on_group_page_open_chat (XgMainWindow *self,
                         guint64       group_id)
{
  xg_main_window_show_group_chat (self, group_id);
}

static void
open_group_chat_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  xg_main_window_show_group_chat (XG_MAIN_WINDOW (widget), g_variant_get_uint64 (parameter));
}

static void
on_chat_selection_changed (XgMainWindow *self)
{
  XgConversation *conversation = gtk_single_selection_get_selected_item (self->chat_selection);

  if (conversation != NULL && conversation != shown_conversation (self))
    show_conversation (self, conversation);
}

static void
open_chat_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  xg_main_window_show_chat (XG_MAIN_WINDOW (widget), g_variant_get_uint64 (parameter));
}

/* Alt+Up, Alt+Down: the chat above or below the one shown. */
static void
step_chat (XgMainWindow *self,
           int           step)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->chats_filtered));
  XgConversation *shown = shown_conversation (self);
  guint position = shown ? chat_position (self, shown) : GTK_INVALID_LIST_POSITION;
  g_autoptr(XgConversation) next = NULL;

  if (n == 0)
    return;
  if (position == GTK_INVALID_LIST_POSITION)
    position = step > 0 ? 0 : n - 1;
  else if ((step < 0 && position == 0) || (step > 0 && position + 1 >= n))
    return;
  else
    position += step;
  next = g_list_model_get_item (G_LIST_MODEL (self->chats_filtered), position);
  if (xg_conversation_get_kind (next) == XG_CONVERSATION_GROUP)
    xg_main_window_show_group_chat (self, xg_conversation_get_peer_id (next));
  else
    xg_main_window_show_chat (self, xg_conversation_get_peer_id (next));
}

static void
next_chat_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  step_chat (XG_MAIN_WINDOW (widget), 1);
}

static void
previous_chat_activated (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  step_chat (XG_MAIN_WINDOW (widget), -1);
}

/* Ctrl+K: to the search of the chats. */
static void
search_chats_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  XgMainWindow *self = XG_MAIN_WINDOW (widget);

  self->tab_chosen = TRUE;
  adw_view_stack_set_visible_child_name (self->sidebar_tabs, "chats");
  if (!gtk_widget_get_visible (GTK_WIDGET (self->chat_search_entry)))
    return;
  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_widget_grab_focus (GTK_WIDGET (self->chat_search_entry));
}

/* --- Friend requests ----------------------------------------------------------------- */

static void
update_requests_row (XgMainWindow *self)
{
  XgFriendRequests *requests = xg_session_get_friend_requests (self->session);
  guint n = requests ? g_list_model_get_n_items (G_LIST_MODEL (requests)) : 0;
  guint waiting = requests ? xg_friend_requests_get_n_incoming (requests) : 0;
  g_autofree char *badge = g_strdup_printf ("%u", waiting);
  g_autofree char *label = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->requests_row), n > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->requests_list),
                          n > 0 || gtk_widget_get_visible (GTK_WIDGET (self->group_requests_row)));
  gtk_label_set_text (self->requests_badge, badge);
  gtk_widget_set_visible (GTK_WIDGET (self->requests_badge), waiting > 0);
  if (waiting > 0)
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Friend Requests: %u waiting for your answer",
                                          "Friend Requests: %u waiting for your answer",
                                          waiting),
                             waiting);
  else
    label = g_strdup (_("Friend Requests"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->requests_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->requests_badge), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->requests_badge),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

/* Join requests waiting for this account's answer, and invitations. */
static void
update_group_requests_row (XgMainWindow *self)
{
  XgGroups *groups = xg_session_get_groups (self->session);
  guint waiting = groups ? xg_groups_get_n_incoming (groups) : 0;
  guint invitations = groups ? g_list_model_get_n_items (xg_groups_get_invitations (groups)) : 0;
  g_autofree char *badge = g_strdup_printf ("%u", waiting + invitations);
  g_autofree char *label = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->group_requests_row), waiting + invitations > 0);
  gtk_label_set_text (self->group_requests_badge, badge);
  gtk_widget_set_visible (GTK_WIDGET (self->group_requests_badge), waiting + invitations > 0);
  if (waiting + invitations > 0)
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Group Requests: %u waiting for your answer",
                                          "Group Requests: %u waiting for your answer",
                                          waiting + invitations),
                             waiting + invitations);
  else
    label = g_strdup (_("Group Requests"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->group_requests_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->group_requests_badge), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->group_requests_badge),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  update_requests_row (self);
}

static void
on_group_removed (XgMainWindow *self,
                  XgGroup      *group,
                  guint         reason)
{
  g_autofree char *text = NULL;

  if (reason == XG_GROUP_REMOVED_REMOVED)
    text = g_strdup_printf (_("You were removed from “%s”."), xg_group_get_name (group));
  else if (reason == XG_GROUP_REMOVED_DISBANDED)
    text = g_strdup_printf (_("“%s” was disbanded."), xg_group_get_name (group));
  else if (reason == XG_GROUP_REMOVED_LEFT)
    text = g_strdup_printf (_("You left “%s”."), xg_group_get_name (group));
  else
    text = g_strdup_printf (_("You are no longer in “%s”."), xg_group_get_name (group));
  add_toast (self, text, reason != XG_GROUP_REMOVED_LEFT);
}

static void
on_join_answered (XgMainWindow *self,
                  guint64       group_id,
                  const char   *name,
                  guint         outcome,
                  const char   *reason)
{
  g_autofree char *text = NULL;

  if (outcome == XG_GROUP_JOIN_APPROVED)
    text = g_strdup_printf (_("You are in “%s” now."), name);
  else if (outcome == XG_GROUP_JOIN_REJECTED && reason[0] != '\0')
    text = g_strdup_printf (_("“%s” turned your request down: %s"), name, reason);
  else if (outcome == XG_GROUP_JOIN_REJECTED)
    text = g_strdup_printf (_("“%s” turned your request down."), name);
  else
    text = g_strdup_printf (_("Nobody in “%s” answered your request in time."), name);
  add_toast (self, text, FALSE);
}

static void
on_groups_changed (XgMainWindow *self)
{
  XgGroups *groups = xg_session_get_groups (self->session);

  g_signal_group_set_target (self->groups_signals, groups);
  if (groups != NULL)
    g_signal_connect_object (xg_groups_get_invitations (groups), "items-changed",
                             G_CALLBACK (update_group_requests_row), self, G_CONNECT_SWAPPED);
  update_group_requests_row (self);
}

static void
on_requests_changed (XgMainWindow *self)
{
  g_signal_group_set_target (self->requests_signals, xg_session_get_friend_requests (self->session));
  update_requests_row (self);
}

/* --- Actions --------------------------------------------------------------- */

GtkWindow *
xg_main_window_show_profile (XgMainWindow *self)
{
  g_return_val_if_fail (XG_IS_MAIN_WINDOW (self), NULL);

  if (self->profile_window == NULL)
    {
      self->profile_window = GTK_WINDOW (xg_profile_window_new (self->session));
      g_object_add_weak_pointer (G_OBJECT (self->profile_window), (gpointer *) &self->profile_window);
      gtk_window_set_transient_for (self->profile_window, GTK_WINDOW (self));
      gtk_window_set_destroy_with_parent (self->profile_window, TRUE);
    }
  gtk_window_present (self->profile_window);
  return self->profile_window;
}

static void
profile_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  xg_main_window_show_profile (XG_MAIN_WINDOW (widget));
}

GtkWindow *
xg_main_window_show_add_friend (XgMainWindow *self)
{
  g_return_val_if_fail (XG_IS_MAIN_WINDOW (self), NULL);

  if (self->add_friend_window == NULL)
    {
      self->add_friend_window = GTK_WINDOW (xg_add_friend_window_new (self->session));
      g_object_add_weak_pointer (G_OBJECT (self->add_friend_window), (gpointer *) &self->add_friend_window);
      gtk_window_set_transient_for (self->add_friend_window, GTK_WINDOW (self));
      gtk_window_set_destroy_with_parent (self->add_friend_window, TRUE);
      g_signal_connect_object (self->add_friend_window, "sent",
                               G_CALLBACK (on_request_sent), self, G_CONNECT_SWAPPED);
    }
  gtk_window_present (self->add_friend_window);
  return self->add_friend_window;
}

static void
on_group_created (XgMainWindow *self,
                  XgGroup      *group)
{
  g_autofree char *text = g_strdup_printf (_("“%s” is created. Its number is %s."), xg_group_get_name (group),
                                           xg_group_number_text (xg_group_get_id (group)));

  add_toast (self, text, FALSE);
  xg_main_window_show_group_chat (self, xg_group_get_id (group));
}

GtkWindow *
xg_main_window_show_new_group (XgMainWindow *self)
{
  g_return_val_if_fail (XG_IS_MAIN_WINDOW (self), NULL);

  if (self->new_group_window == NULL)
    {
      self->new_group_window = GTK_WINDOW (xg_new_group_window_new (self->session));
      g_object_add_weak_pointer (G_OBJECT (self->new_group_window), (gpointer *) &self->new_group_window);
      gtk_window_set_transient_for (self->new_group_window, GTK_WINDOW (self));
      gtk_window_set_destroy_with_parent (self->new_group_window, TRUE);
      g_signal_connect_object (self->new_group_window, "created",
                               G_CALLBACK (on_group_created), self, G_CONNECT_SWAPPED);
    }
  gtk_window_present (self->new_group_window);
  return self->new_group_window;
}

static void
new_group_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  xg_main_window_show_new_group (XG_MAIN_WINDOW (widget));
}

static void
on_join_applied (XgMainWindow *self,
                 XgGroup      *brief)
{
  g_autofree char *text = g_strdup_printf (_("Asked to join “%s”. You hear when they answer."),
                                           xg_group_get_name (brief));

  add_toast (self, text, FALSE);
}

GtkWindow *
xg_main_window_show_join_group (XgMainWindow *self)
{
  g_return_val_if_fail (XG_IS_MAIN_WINDOW (self), NULL);

  if (self->join_group_window == NULL)
    {
      self->join_group_window = GTK_WINDOW (xg_join_group_window_new (self->session));
      g_object_add_weak_pointer (G_OBJECT (self->join_group_window), (gpointer *) &self->join_group_window);
      gtk_window_set_transient_for (self->join_group_window, GTK_WINDOW (self));
      gtk_window_set_destroy_with_parent (self->join_group_window, TRUE);
      g_signal_connect_object (self->join_group_window, "applied",
                               G_CALLBACK (on_join_applied), self, G_CONNECT_SWAPPED);
    }
  gtk_window_present (self->join_group_window);
  return self->join_group_window;
}

static void
join_group_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  xg_main_window_show_join_group (XG_MAIN_WINDOW (widget));
}

static void
add_friend_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  xg_main_window_show_add_friend (XG_MAIN_WINDOW (widget));
}

/* Ctrl+F: to the search, if there is anything to search. */
static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  XgMainWindow *self = XG_MAIN_WINDOW (widget);

  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->sidebar_tabs), "chats") == 0)
    {
      search_chats_activated (widget, action_name, parameter);
      return;
    }
  if (!gtk_widget_get_visible (GTK_WIDGET (self->search_entry)))
    return;
  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* Folded, back on the sidebar (by the button or a swipe): nothing stays
 * selected, so that choosing the same friend again opens their page. */
static void
on_leaflet_child_changed (XgMainWindow *self)
{
  if (adw_leaflet_get_folded (self->leaflet)
      && adw_leaflet_get_visible_child (self->leaflet) == self->sidebar)
    {
      unselect_contact (self);
      gtk_list_box_unselect_all (self->requests_list);
      gtk_single_selection_set_selected (self->chat_selection, GTK_INVALID_LIST_POSITION);
    }
}

static void
on_back_clicked (XgMainWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  on_leaflet_child_changed (self);
}

/* --- Window state ------------------------------------------------------------ */

static void
save_window_state (XgMainWindow *self)
{
  int width, height;

  if (self->settings == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
}

static void
restore_window_state (XgMainWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self),
                               width > 0 ? width : 900,
                               height > 0 ? height : 640);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

/* --- GObject ----------------------------------------------------------------- */

static void
xg_main_window_constructed (GObject *object)
{
  XgMainWindow *self = XG_MAIN_WINDOW (object);

  G_OBJECT_CLASS (xg_main_window_parent_class)->constructed (object);

  g_assert (self->session != NULL);

  g_object_bind_property (self->session, "reconnecting",
                          self->banner_revealer, "reveal-child",
                          G_BINDING_SYNC_CREATE);
  g_signal_connect_object (self->session, "notify::profile",
                           G_CALLBACK (on_profile_changed), self, G_CONNECT_SWAPPED);
  on_profile_changed (self);
  xg_follow_account_title (GTK_WINDOW (self), NULL, self->session);
  xg_hide_unrevealed (self->banner_revealer);

  g_signal_connect_object (self->leaflet, "notify::visible-child",
                           G_CALLBACK (on_leaflet_child_changed), self, G_CONNECT_SWAPPED);

  /* The pages need the session, so they are made here. */
  self->friend_page = xg_friend_page_new (self->session);
  gtk_stack_add_named (self->content_stack, self->friend_page, "friend");
  self->requests_page = xg_requests_page_new (self->session);
  gtk_stack_add_named (self->content_stack, self->requests_page, "requests");
  self->chat_page = xg_chat_page_new (self->session);
  gtk_stack_add_named (self->content_stack, self->chat_page, "chat");
  self->group_page = xg_group_page_new (self->session);
  gtk_stack_add_named (self->content_stack, self->group_page, "group");
  g_signal_connect_object (self->group_page, "open-chat", G_CALLBACK (on_group_page_open_chat), self,
                           G_CONNECT_SWAPPED);
  self->group_requests_page = xg_group_requests_page_new (self->session);
  gtk_stack_add_named (self->content_stack, self->group_requests_page, "group-requests");
  g_signal_connect_object (self->session, "notify::groups",
                           G_CALLBACK (on_groups_changed), self, G_CONNECT_SWAPPED);
  on_groups_changed (self);

  g_signal_connect_object (self->session, "notify::contacts",
                           G_CALLBACK (on_contacts_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::friend-requests",
                           G_CALLBACK (on_requests_changed), self, G_CONNECT_SWAPPED);
  on_contacts_changed (self);
  on_requests_changed (self);

  self->conversations_signals = g_signal_group_new (XG_TYPE_CONVERSATIONS);
  g_signal_group_connect_data (self->conversations_signals, "items-changed",
                               G_CALLBACK (on_conversations_items_changed), self, NULL,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_group_connect_swapped (self->conversations_signals, "notify::unread",
                                  G_CALLBACK (update_chats_sidebar), self);
  /* Contacts first: an account without chats opens on its friends. */
  adw_view_stack_set_visible_child_name (self->sidebar_tabs, "contacts");
  g_signal_connect_object (self->sidebar_tabs, "notify::visible-child",
                           G_CALLBACK (on_tab_changed), self, G_CONNECT_SWAPPED);
  label_tab_icons (GTK_WIDGET (self->sidebar_switcher), NULL);
  g_signal_connect_object (self->session, "notify::conversations",
                           G_CALLBACK (on_conversations_changed), self, G_CONNECT_SWAPPED);
  on_conversations_changed (self);
}

static void
xg_main_window_dispose (GObject *object)
{
  XgMainWindow *self = XG_MAIN_WINDOW (object);

  save_window_state (self);
  if (self->profile_window != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->profile_window), (gpointer *) &self->profile_window);
      gtk_window_destroy (self->profile_window);
      self->profile_window = NULL;
    }
  if (self->add_friend_window != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->add_friend_window), (gpointer *) &self->add_friend_window);
      gtk_window_destroy (self->add_friend_window);
      self->add_friend_window = NULL;
    }
  if (self->new_group_window != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->new_group_window), (gpointer *) &self->new_group_window);
      gtk_window_destroy (self->new_group_window);
      self->new_group_window = NULL;
    }
  if (self->join_group_window != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->join_group_window), (gpointer *) &self->join_group_window);
      gtk_window_destroy (self->join_group_window);
      self->join_group_window = NULL;
    }
  if (self->groups_signals != NULL)
    g_signal_group_set_target (self->groups_signals, NULL);
  g_clear_object (&self->groups_signals);
  if (self->contacts_signals != NULL)
    g_signal_group_set_target (self->contacts_signals, NULL);
  if (self->requests_signals != NULL)
    g_signal_group_set_target (self->requests_signals, NULL);
  if (self->title_bindings != NULL)
    g_binding_group_set_source (self->title_bindings, NULL);
  if (self->conversations_signals != NULL)
    g_signal_group_set_target (self->conversations_signals, NULL);
  g_clear_object (&self->conversations_signals);
  if (self->conversation_list != NULL)
    gtk_list_view_set_model (self->conversation_list, NULL);
  g_clear_object (&self->chat_selection);
  self->chats_filtered = NULL;   /* the selection held it */
  self->chat_filter = NULL;      /* and the filter model the filter */
  g_clear_object (&self->contacts_signals);
  g_clear_object (&self->requests_signals);
  g_clear_object (&self->title_bindings);
  if (self->filtered != NULL)
    unwatch_names (self, gtk_filter_list_model_get_model (self->filtered));
  if (self->contact_list != NULL)
    gtk_list_view_set_model (self->contact_list, NULL);
  g_clear_object (&self->selection);
  self->filtered = NULL;   /* the selection held it */
  if (self->profile_bindings != NULL)
    g_binding_group_set_source (self->profile_bindings, NULL);
  if (self->profile_signals != NULL)
    g_signal_group_set_target (self->profile_signals, NULL);
  g_clear_object (&self->profile_bindings);
  g_clear_object (&self->profile_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_MAIN_WINDOW);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (xg_main_window_parent_class)->dispose (object);
}

static void
xg_main_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  XgMainWindow *self = XG_MAIN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_main_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  XgMainWindow *self = XG_MAIN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_main_window_class_init (XgMainWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = xg_main_window_constructed;
  object_class->dispose = xg_main_window_dispose;
  object_class->get_property = xg_main_window_get_property;
  object_class->set_property = xg_main_window_set_property;

  /**
   * XgMainWindow:session:
   *
   * The logged-in session the window shows.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         XG_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-main-window.ui");
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, content);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, profile_button);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, avatar);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, nickname_label);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, add_friend_button);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, requests_list);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, requests_row);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, requests_badge);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, group_requests_row);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, group_requests_badge);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, group_info_button);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, contact_list);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, no_matches_page);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, sidebar_tabs);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, chats_tab);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, chat_search_entry);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, chats_stack);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, conversation_list);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, chats_no_matches_page);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, sidebar_switcher);
  gtk_widget_class_bind_template_child_full (widget_class, "contacts_tab", FALSE, 0);
  gtk_widget_class_bind_template_callback (widget_class, on_chat_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_chat_stop_search);
  /* Not used here, but reachable by name (tests, screenshots). */
  gtk_widget_class_bind_template_child_full (widget_class, "empty_page", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "empty_add_button", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "back_button", FALSE, 0);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_group_info_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_requests_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);

  gtk_widget_class_install_action (widget_class, "win.profile", NULL, profile_activated);
  gtk_widget_class_install_action (widget_class, "win.add-friend", NULL, add_friend_activated);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.add-friend", NULL);
  gtk_widget_class_install_action (widget_class, "win.open-chat", "t", open_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.open-group-chat", "t", open_group_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.new-group", NULL, new_group_activated);
  gtk_widget_class_install_action (widget_class, "win.join-group", NULL, join_group_activated);
  gtk_widget_class_install_action (widget_class, "win.search-chats", NULL, search_chats_activated);
  gtk_widget_class_install_action (widget_class, "win.next-chat", NULL, next_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.previous-chat", NULL, previous_chat_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_k, GDK_CONTROL_MASK, "win.search-chats", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Down, GDK_ALT_MASK, "win.next-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Up, GDK_ALT_MASK, "win.previous-chat", NULL);
}

static void
xg_main_window_init (XgMainWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->profile_bindings = g_binding_group_new ();
  g_binding_group_bind (self->profile_bindings, "nickname",
                        self->nickname_label, "label", G_BINDING_SYNC_CREATE);
  g_binding_group_bind (self->profile_bindings, "nickname",
                        self->avatar, "text", G_BINDING_SYNC_CREATE);

  self->profile_signals = g_signal_group_new (XG_TYPE_PROFILE);
  g_signal_group_connect_swapped (self->profile_signals, "notify::avatar",
                                  G_CALLBACK (update_avatar), self);
  g_signal_group_connect_swapped (self->profile_signals, "notify::nickname",
                                  G_CALLBACK (update_account_label), self);
  self->settings = g_settings_new (APP_ID);

  /* The friends: contacts → filter → selection → list view. */
  {
    GtkExpression *expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                                             G_CALLBACK (contact_search_text), NULL, NULL);
    GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

    self->filter = gtk_string_filter_new (expression);
    gtk_string_filter_set_ignore_case (self->filter, TRUE);
    gtk_string_filter_set_match_mode (self->filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
    self->filtered = gtk_filter_list_model_new (NULL, GTK_FILTER (self->filter));
    self->selection = gtk_single_selection_new (G_LIST_MODEL (self->filtered));
    gtk_single_selection_set_autoselect (self->selection, FALSE);
    gtk_single_selection_set_can_unselect (self->selection, TRUE);
    g_signal_connect_object (self->selection, "notify::selected-item",
                             G_CALLBACK (on_selection_changed), self, G_CONNECT_SWAPPED);
    g_signal_connect_object (self->filtered, "items-changed",
                             G_CALLBACK (update_sidebar), self, G_CONNECT_SWAPPED);

    g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
    g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
    g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
    gtk_list_view_set_factory (self->contact_list, factory);
    g_object_unref (factory);
    gtk_list_view_set_model (self->contact_list, GTK_SELECTION_MODEL (self->selection));
  }

  self->contacts_signals = g_signal_group_new (XG_TYPE_CONTACTS);
  /* After the filter model (and so the selection) has followed the change. */
  g_signal_group_connect_data (self->contacts_signals, "items-changed",
                               G_CALLBACK (on_contacts_items_changed), self, NULL,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_group_connect_swapped (self->contacts_signals, "notify::loaded",
                                  G_CALLBACK (update_sidebar), self);
  self->requests_signals = g_signal_group_new (XG_TYPE_FRIEND_REQUESTS);
  g_signal_group_connect_swapped (self->requests_signals, "items-changed",
                                  G_CALLBACK (update_requests_row), self);
  g_signal_group_connect_swapped (self->requests_signals, "notify::n-incoming",
                                  G_CALLBACK (update_requests_row), self);
  g_signal_group_connect_swapped (self->requests_signals, "answered",
                                  G_CALLBACK (on_request_answered), self);
  self->groups_signals = g_signal_group_new (XG_TYPE_GROUPS);
  g_signal_group_connect_swapped (self->groups_signals, "notify::n-incoming",
                                  G_CALLBACK (update_group_requests_row), self);
  g_signal_group_connect_swapped (self->groups_signals, "removed", G_CALLBACK (on_group_removed), self);
  g_signal_group_connect_swapped (self->groups_signals, "join-answered", G_CALLBACK (on_join_answered), self);
  self->title_bindings = g_binding_group_new ();
  g_binding_group_bind (self->title_bindings, "display-name", self->content_title, "title", G_BINDING_SYNC_CREATE);

  /* The chats: conversations → filter → selection → list view. */
  {
    GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

    self->chat_filter = gtk_custom_filter_new (chat_matches, self, NULL);
    self->chats_filtered = gtk_filter_list_model_new (NULL, GTK_FILTER (self->chat_filter));
    self->chat_selection = gtk_single_selection_new (G_LIST_MODEL (self->chats_filtered));
    gtk_single_selection_set_autoselect (self->chat_selection, FALSE);
    gtk_single_selection_set_can_unselect (self->chat_selection, TRUE);
    g_signal_connect_object (self->chat_selection, "notify::selected-item",
                             G_CALLBACK (on_chat_selection_changed), self, G_CONNECT_SWAPPED);
    g_signal_connect (factory, "setup", G_CALLBACK (setup_chat_row), self);
    g_signal_connect (factory, "bind", G_CALLBACK (bind_chat_row), NULL);
    g_signal_connect (factory, "unbind", G_CALLBACK (unbind_chat_row), NULL);
    gtk_list_view_set_factory (self->conversation_list, factory);
    g_object_unref (factory);
    gtk_list_view_set_model (self->conversation_list, GTK_SELECTION_MODEL (self->chat_selection));
  }
}

XgMainWindow *
xg_main_window_new (XgApplication *application,
                    XgSession     *session)
{
  XgMainWindow *self;

  g_return_val_if_fail (XG_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  self = g_object_new (XG_TYPE_MAIN_WINDOW,
                       "application", application,
                       "session", session,
                       NULL);
  restore_window_state (self);
  return self;
}
