/* xg-group-page.c: one group: its info, members, requests, and what one may do
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everyone sees the group's picture, name, number and description, the
 * members with their roles and whether they are online, the mute switch
 * (this device's), friends to invite, and Leave. The owner and admins also
 * edit the info, answer join requests and remove members (an admin only
 * plain members); the owner appoints and demotes admins, hands the group
 * over and disbands it. An edit (name, description, picture) waits in the
 * form until Save; the group's own changes, from whoever made them, reset
 * the form, nothing else does. Whatever cannot be undone asks first
 * (AdwMessageDialog). What the server says comes back through the core's
 * models: the page only follows them.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-group-page.h"
#include "xg-profile-window.h"
#include "xg-proto-limits.h"

struct _XgGroupPage
{
  AdwBin              parent_instance;

  /* Template children */
  AdwAvatar          *avatar;
  GtkLabel           *name_label;
  GtkLabel           *number_label;
  GtkLabel           *description_label;
  GtkLabel           *gone_label;
  GtkButton          *open_chat_button;
  GtkLabel           *status_label;
  GtkSwitch          *mute_switch;
  GtkWidget          *edit_group;
  AdwEntryRow        *edit_name_row;
  AdwEntryRow        *edit_description_row;
  AdwAvatar          *edit_avatar;
  GtkButton          *edit_picture_button;
  GtkButton          *edit_picture_clear_button;
  GtkButton          *edit_save_button;
  GtkWidget          *requests_group;
  GtkListBox         *requests_list;
  GtkWidget          *members_group;
  GtkListBox         *members_list;
  GtkWidget          *invite_group;
  GtkListBox         *invite_list;
  GtkButton          *leave_button;
  GtkButton          *disband_button;

  XgSession          *session;
  XgGroup            *group;
  XgGroupMembers     *members;
  GSignalGroup       *group_signals;
  GSignalGroup       *members_signals;
  GtkFilterListModel *requests;
  GtkCustomFilter    *requests_filter;
  GtkFilterListModel *invitable;
  GtkCustomFilter    *invitable_filter;
  GCancellable       *cancellable;
  GtkNativeDialog    *chooser;
  GBytes             *edit_picture;          /* chosen, not saved: a PNG, or empty for none; NULL: as it is */
  GdkTexture         *edit_picture_texture;
  gboolean            loading_picture;
  gboolean            updating;
};

G_DEFINE_FINAL_TYPE (XgGroupPage, xg_group_page, ADW_TYPE_BIN)

enum {
  OPEN_CHAT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static XgGroups *
groups_of (XgGroupPage *self)
{
  return xg_session_get_groups (self->session);
}

static void
show_status (XgGroupPage *self,
             const char  *text)
{
  xg_set_inline_message (self->status_label, text);
}

XgGroup *
xg_group_page_get_group (XgGroupPage *self)
{
  g_return_val_if_fail (XG_IS_GROUP_PAGE (self), NULL);
  return self->group;
}

/* --- What is shown ------------------------------------------------------------------ */

static XgGroupRole
own_role (XgGroupPage *self)
{
  return self->group != NULL && !xg_group_get_gone (self->group) ? xg_group_get_role (self->group)
                                                                  : XG_GROUP_ROLE_NONE;
}

static void
update_edit_button (XgGroupPage *self)
{
  g_autofree char *name = xg_editable_dup_stripped (GTK_EDITABLE (self->edit_name_row));
  g_autofree char *description = xg_editable_dup_stripped (GTK_EDITABLE (self->edit_description_row));
  gboolean changed = self->group != NULL &&
                     (g_strcmp0 (name, xg_group_get_name (self->group)) != 0 ||
                      g_strcmp0 (description, xg_group_get_description (self->group)) != 0 ||
                      self->edit_picture != NULL);

  gtk_widget_set_sensitive (GTK_WIDGET (self->edit_save_button),
                            changed && name[0] != '\0' && !self->loading_picture);
}

/* The picture the form would save: the one chosen, none, or the group's. */
static void
update_edit_avatar (XgGroupPage *self)
{
  GdkPaintable *paintable = NULL;
  gboolean chosen = self->edit_picture != NULL;

  if (chosen)
    paintable = self->edit_picture_texture ? GDK_PAINTABLE (self->edit_picture_texture) : NULL;
  else if (self->group != NULL)
    paintable = xg_group_get_avatar_paintable (self->group);
  adw_avatar_set_text (self->edit_avatar, gtk_editable_get_text (GTK_EDITABLE (self->edit_name_row)));
  adw_avatar_set_custom_image (self->edit_avatar, paintable);
  xg_label_avatar (self->edit_avatar, paintable == NULL ? _("No picture: the group’s initials")
                                      : chosen ? _("The new picture, not saved yet")
                                      : _("The group’s picture"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->edit_picture_button), !self->loading_picture);
  gtk_widget_set_sensitive (GTK_WIDGET (self->edit_picture_clear_button), paintable != NULL && !self->loading_picture);
}

/* The form shows the group as it is, dropping what was not saved. */
static void
reset_edit (XgGroupPage *self)
{
  if (self->group == NULL)
    return;
  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->edit_name_row), xg_group_get_name (self->group));
  gtk_editable_set_text (GTK_EDITABLE (self->edit_description_row), xg_group_get_description (self->group));
  self->updating = FALSE;
  g_clear_pointer (&self->edit_picture, g_bytes_unref);
  g_clear_object (&self->edit_picture_texture);
  update_edit_avatar (self);
  update_edit_button (self);
}

static void
update_info (XgGroupPage *self)
{
  g_autofree char *number = NULL;
  XgGroupRole role = own_role (self);
  gboolean gone;
  const char *description;

  if (self->group == NULL)
    return;
  self->updating = TRUE;
  gone = xg_group_get_gone (self->group);
  /* Translators: a group's number under its name */
  number = g_strdup_printf (_("Group number %s"), xg_group_number_text (xg_group_get_id (self->group)));
  gtk_label_set_text (self->name_label, xg_group_get_name (self->group));
  gtk_label_set_text (self->number_label, number);
  description = xg_group_get_description (self->group);
  gtk_label_set_text (self->description_label, description);
  gtk_widget_set_visible (GTK_WIDGET (self->description_label), description[0] != '\0');
  adw_avatar_set_text (self->avatar, xg_group_get_name (self->group));
  adw_avatar_set_custom_image (self->avatar, xg_group_get_avatar_paintable (self->group));
  xg_label_avatar (self->avatar, xg_group_get_name (self->group));
  gtk_widget_set_visible (GTK_WIDGET (self->gone_label), gone);
  gtk_switch_set_active (self->mute_switch, xg_group_get_muted (self->group));

  gtk_widget_set_visible (self->edit_group, role == XG_GROUP_ROLE_OWNER || role == XG_GROUP_ROLE_ADMIN);
  gtk_widget_set_visible (self->members_group, !gone);
  gtk_widget_set_visible (self->invite_group, !gone && g_list_model_get_n_items (G_LIST_MODEL (self->invitable)) > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->leave_button), !gone && role != XG_GROUP_ROLE_OWNER);
  gtk_widget_set_visible (GTK_WIDGET (self->disband_button), role == XG_GROUP_ROLE_OWNER);
  gtk_widget_set_visible (self->requests_group, (role == XG_GROUP_ROLE_OWNER || role == XG_GROUP_ROLE_ADMIN) &&
                          g_list_model_get_n_items (G_LIST_MODEL (self->requests)) > 0);
  self->updating = FALSE;
}

/* --- Doing -------------------------------------------------------------------------- */

typedef struct {
  XgGroupPage *self;
  char        *done;     /* what to say when it worked, or NULL */
} Call;

static void
call_free (Call *call)
{
  g_object_unref (call->self);
  g_free (call->done);
  g_free (call);
}

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;

  if (!xg_groups_call_finish (XG_GROUPS (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = NULL;

          if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_PERMISSION_DENIED))
            text = g_strdup (_("You may not do this in this group (any more)."));
          else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
            text = g_strdup (_("The server did not take it: it was decided already, or something changed meanwhile."));
          else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_LIMIT_REACHED))
            text = g_strdup (_("The group is full."));
          /* Only an invitation is answered so. */
          else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_ALREADY_PENDING))
            text = g_strdup (_("You have invited this friend already: the invitation waits for an answer."));
          else
            text = xg_session_error_text (error, 0, NULL);
          show_status (call->self, text);
        }
    }
  else
    show_status (call->self, call->done);
  call_free (call);
}

static Call *
call_new (XgGroupPage *self,
          const char  *done)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->done = g_strdup (done);
  show_status (self, NULL);
  return call;
}

static void
on_open_chat_clicked (XgGroupPage *self)
{
  if (self->group != NULL)
    g_signal_emit (self, signals[OPEN_CHAT], 0, xg_group_get_id (self->group));
}

static void
on_mute_toggled (XgGroupPage *self)
{
  if (self->updating || self->group == NULL || groups_of (self) == NULL)
    return;
  xg_groups_set_muted (groups_of (self), self->group, gtk_switch_get_active (self->mute_switch));
}

/* The group's info changed (here or by another admin): shown, and the
 * form starts again from it. */
static void
on_info_changed (XgGroupPage *self)
{
  update_info (self);
  reset_edit (self);
}

static void
on_edit_changed (XgGroupPage *self)
{
  if (self->updating)
    return;
  update_edit_button (self);
  adw_avatar_set_text (self->edit_avatar, gtk_editable_get_text (GTK_EDITABLE (self->edit_name_row)));
}

static void
on_picture_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(XgGroupPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = xg_load_avatar_png_finish (result, &error);
  g_autofree char *problem = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->loading_picture = FALSE;
  if ((problem = xg_avatar_problem (png, error)) != NULL)
    show_status (self, problem);
  else
    {
      g_clear_pointer (&self->edit_picture, g_bytes_unref);
      g_clear_object (&self->edit_picture_texture);
      self->edit_picture_texture = gdk_texture_new_from_bytes (png, NULL);
      self->edit_picture = g_steal_pointer (&png);
    }
  update_edit_avatar (self);
  update_edit_button (self);
}

void
xg_group_page_load_picture (XgGroupPage *self,
                            GFile       *file)
{
  g_return_if_fail (XG_IS_GROUP_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  show_status (self, NULL);
  self->loading_picture = TRUE;
  update_edit_avatar (self);
  update_edit_button (self);
  xg_load_avatar_png_async (file, self->cancellable, on_picture_loaded, g_object_ref (self));
}

static void
on_edit_picture_clicked (XgGroupPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  xg_picture_chooser_open (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, &self->chooser,
                           (XgPictureChosen) xg_group_page_load_picture, self);
}

static void
on_edit_picture_clear_clicked (XgGroupPage *self)
{
  g_clear_pointer (&self->edit_picture, g_bytes_unref);
  g_clear_object (&self->edit_picture_texture);
  /* Nothing to take away from a group without a picture. */
  if (self->group != NULL && xg_group_get_avatar (self->group) != NULL &&
      g_bytes_get_size (xg_group_get_avatar (self->group)) > 0)
    self->edit_picture = g_bytes_new (NULL, 0);
  update_edit_avatar (self);
  update_edit_button (self);
}

static void
on_edit_save_clicked (XgGroupPage *self)
{
  g_autofree char *name = xg_editable_dup_stripped (GTK_EDITABLE (self->edit_name_row));
  g_autofree char *description = xg_editable_dup_stripped (GTK_EDITABLE (self->edit_description_row));

  if (self->group == NULL || groups_of (self) == NULL)
    return;
  if (name[0] == '\0' || !xg_proto_text_is_valid (name, 64))
    {
      show_status (self, _("A group’s name has 1 to 64 characters, on one line."));
      return;
    }
  if (g_utf8_strlen (description, -1) > 512)
    {
      show_status (self, _("A description has at most 512 characters."));
      return;
    }
  xg_groups_update_info_async (groups_of (self), self->group,
                               g_strcmp0 (name, xg_group_get_name (self->group)) != 0 ? name : NULL,
                               g_strcmp0 (description, xg_group_get_description (self->group)) != 0 ? description : NULL,
                               self->edit_picture, self->cancellable, on_call_done, call_new (self, _("Saved.")));
}

typedef void (*Confirmed) (XgGroupPage *self,
                           guint64      member_id);

typedef struct {
  XgGroupPage *self;
  Confirmed    func;
  guint64      member_id;
} Confirm;

static void
on_confirm_response (AdwMessageDialog *dialog,
                     const char       *response,
                     Confirm          *confirm)
{
  if (g_strcmp0 (response, "do") == 0 && confirm->self->group != NULL)
    confirm->func (confirm->self, confirm->member_id);
}

static void
confirm_free (gpointer data,
              GClosure *closure)
{
  Confirm *confirm = data;

  g_object_unref (confirm->self);
  g_free (confirm);
}

/* Asks before @func does what cannot be undone. */
static void
confirm (XgGroupPage *self,
         const char  *heading,
         const char  *body,
         const char  *action,
         Confirmed    func,
         guint64      member_id)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dialog;
  Confirm *data = g_new0 (Confirm, 1);

  data->self = g_object_ref (self);
  data->func = func;
  data->member_id = member_id;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       heading, body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "do", action, NULL);
  adw_message_dialog_set_response_appearance (dialog, "do", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_confirm_response), data, confirm_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
leave_now (XgGroupPage *self,
           guint64      unused)
{
  xg_groups_leave_async (groups_of (self), self->group, self->cancellable, on_call_done, call_new (self, NULL));
}

static void
on_leave_clicked (XgGroupPage *self)
{
  g_autofree char *heading = NULL;

  if (self->group == NULL)
    return;
  heading = g_strdup_printf (_("Leave “%s”?"), xg_group_get_name (self->group));
  confirm (self, heading, _("You get no more of its messages. What you have stays here, read-only. To come back, you ask to join again."),
           _("_Leave Group"), leave_now, 0);
}

static void
disband_now (XgGroupPage *self,
             guint64      unused)
{
  xg_groups_disband_async (groups_of (self), self->group, self->cancellable, on_call_done, call_new (self, NULL));
}

static void
on_disband_clicked (XgGroupPage *self)
{
  g_autofree char *heading = NULL;

  if (self->group == NULL)
    return;
  heading = g_strdup_printf (_("Disband “%s”?"), xg_group_get_name (self->group));
  confirm (self, heading, _("Every member loses the group, and its messages are deleted on the server. Members keep what they have on their devices. This cannot be undone."),
           _("_Disband Group"), disband_now, 0);
}

static void
remove_now (XgGroupPage *self,
            guint64      member_id)
{
  xg_groups_remove_member_async (groups_of (self), self->group, member_id, self->cancellable, on_call_done,
                                 call_new (self, NULL));
}

static void
transfer_now (XgGroupPage *self,
              guint64      member_id)
{
  xg_groups_transfer_async (groups_of (self), self->group, member_id, self->cancellable, on_call_done,
                            call_new (self, NULL));
}

static char *
member_name (XgGroupPage *self,
             guint64      member_id)
{
  XgGroupMember *member = self->members ? xg_group_members_lookup (self->members, member_id) : NULL;

  if (member != NULL && xg_group_member_get_nickname (member)[0] != '\0')
    return g_strdup (xg_group_member_get_nickname (member));
  return xg_group_sender_name (self->session, xg_group_get_id (self->group), member_id);
}

static void
member_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  XgGroupPage *self = XG_GROUP_PAGE (widget);
  guint64 member_id = g_variant_get_uint64 (parameter);
  g_autofree char *name = NULL;
  g_autofree char *heading = NULL;

  if (self->group == NULL || groups_of (self) == NULL)
    return;
  name = member_name (self, member_id);
  if (g_str_equal (action_name, "group.make-admin"))
    xg_groups_set_role_async (groups_of (self), self->group, member_id, XG_GROUP_ROLE_ADMIN, self->cancellable,
                              on_call_done, call_new (self, NULL));
  else if (g_str_equal (action_name, "group.demote"))
    xg_groups_set_role_async (groups_of (self), self->group, member_id, XG_GROUP_ROLE_MEMBER, self->cancellable,
                              on_call_done, call_new (self, NULL));
  else if (g_str_equal (action_name, "group.remove"))
    {
      heading = g_strdup_printf (_("Remove %s from the Group?"), name);
      confirm (self, heading, _("They get no more of the group’s messages. They may ask to join again."),
               _("_Remove"), remove_now, member_id);
    }
  else if (g_str_equal (action_name, "group.transfer"))
    {
      heading = g_strdup_printf (_("Make %s the Owner?"), name);
      confirm (self, heading, _("They can then manage everything, disband the group included. You stay in it as an admin."),
               _("_Make Owner"), transfer_now, member_id);
    }
}

/* --- Members ------------------------------------------------------------------------- */

static void
update_member_row (AdwActionRow  *row,
                   GParamSpec    *pspec,
                   XgGroupMember *member)
{
  const char *role = xg_group_role_label (xg_group_member_get_role (member));
  g_autofree char *subtitle = NULL;

  if (xg_group_member_get_online (member))
    /* Translators: a member's role, and that they are online */
    subtitle = g_strdup_printf (_("%s · online"), role);
  else
    subtitle = g_strdup (role);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), xg_group_member_get_nickname (member));
  adw_action_row_set_subtitle (row, subtitle);
}

static void
add_member_item (GMenu      *menu,
                 const char *label,
                 const char *action,
                 guint64     member_id)
{
  g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

  g_menu_item_set_action_and_target_value (item, action, g_variant_new_uint64 (member_id));
  g_menu_append_item (menu, item);
}

static GtkWidget *
create_member_row (gpointer item,
                   gpointer user_data)
{
  XgGroupPage *self = user_data;
  XgGroupMember *member = item;
  guint64 id = xg_group_member_get_id (member);
  XgGroupRole mine = own_role (self);
  XgGroupRole theirs = xg_group_member_get_role (member);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *avatar = adw_avatar_new (32, xg_group_member_get_nickname (member), TRUE);
  XgContacts *contacts = xg_session_get_contacts (self->session);
  XgContact *contact = contacts != NULL ? xg_contacts_lookup (contacts, id) : NULL;
  XgProfile *profile = id == xg_session_get_account_id (self->session) ? xg_session_get_profile (self->session)
                       : contact != NULL ? xg_contact_get_profile (contact) : NULL;
  g_autoptr(GMenu) menu = g_menu_new ();
  gboolean mine_is_me = self->session != NULL && id == xg_session_get_account_id (self->session);

  adw_avatar_set_custom_image (ADW_AVATAR (avatar), xg_profile_get_avatar_paintable (profile));
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), avatar);
  xg_label_avatar (ADW_AVATAR (avatar), xg_group_member_get_nickname (member));
  update_member_row (ADW_ACTION_ROW (row), NULL, member);
  g_signal_connect_object (member, "notify", G_CALLBACK (update_member_row), row, G_CONNECT_SWAPPED);

  /* What the account may do to this member, each item aimed at them. */
  if (!mine_is_me && mine == XG_GROUP_ROLE_OWNER && theirs == XG_GROUP_ROLE_MEMBER)
    add_member_item (menu, _("Make _Admin"), "group.make-admin", id);
  if (!mine_is_me && mine == XG_GROUP_ROLE_OWNER && theirs == XG_GROUP_ROLE_ADMIN)
    add_member_item (menu, _("Remove Admin _Role"), "group.demote", id);
  if (!mine_is_me && mine == XG_GROUP_ROLE_OWNER)
    add_member_item (menu, _("Make _Owner…"), "group.transfer", id);
  if (!mine_is_me && ((mine == XG_GROUP_ROLE_OWNER && theirs != XG_GROUP_ROLE_OWNER) ||
                      (mine == XG_GROUP_ROLE_ADMIN && theirs == XG_GROUP_ROLE_MEMBER)))
    add_member_item (menu, _("_Remove from Group…"), "group.remove", id);
  if (g_menu_model_get_n_items (G_MENU_MODEL (menu)) > 0)
    {
      GtkWidget *button = gtk_menu_button_new ();
      g_autofree char *label = g_strdup_printf (_("Manage %s"), xg_group_member_get_nickname (member));

      gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
      gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  return row;
}

static void
on_members_changed (XgGroupPage *self)
{
  gtk_filter_changed (GTK_FILTER (self->invitable_filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_info (self);
}

/* --- Requests ------------------------------------------------------------------------- */

static gboolean
request_in_group (gpointer item,
                  gpointer user_data)
{
  XgGroupPage *self = user_data;

  return self->group != NULL && xg_group_request_get_group_id (item) == xg_group_get_id (self->group);
}

static void
on_approve_clicked (GtkButton      *button,
                    XgGroupRequest *request)
{
  XgGroupPage *self = XG_GROUP_PAGE (gtk_widget_get_ancestor (GTK_WIDGET (button), XG_TYPE_GROUP_PAGE));

  xg_groups_approve_async (groups_of (self), request, self->cancellable, on_call_done, call_new (self, NULL));
}

static void
on_reject_clicked (GtkButton      *button,
                   XgGroupRequest *request)
{
  XgGroupPage *self = XG_GROUP_PAGE (gtk_widget_get_ancestor (GTK_WIDGET (button), XG_TYPE_GROUP_PAGE));

  xg_groups_reject_async (groups_of (self), request, "", self->cancellable, on_call_done, call_new (self, NULL));
}

static GtkWidget *
request_button (const char     *label,
                const char     *accessible,
                gboolean        suggested,
                GCallback       callback,
                XgGroupRequest *request)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (suggested)
    gtk_widget_add_css_class (button, "suggested-action");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  g_signal_connect_object (button, "clicked", callback, request, 0);
  return button;
}

static GtkWidget *
create_request_row (gpointer item,
                    gpointer user_data)
{
  XgGroupRequest *request = item;
  GtkWidget *row = adw_action_row_new ();
  const char *nickname = xg_group_request_get_nickname (request);
  const char *reason = xg_group_request_get_reason (request);
  g_autofree char *approve = g_strdup_printf (_("Let %s Join"), nickname);
  g_autofree char *reject = g_strdup_printf (_("Turn %s Away"), nickname);
  GtkWidget *avatar = adw_avatar_new (32, nickname, TRUE);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), nickname);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), reason[0] != '\0' ? reason : _("No reason given"));
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), avatar);
  xg_label_avatar (ADW_AVATAR (avatar), nickname);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             request_button (_("Decline"), reject, FALSE, G_CALLBACK (on_reject_clicked), request));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             request_button (_("Approve"), approve, TRUE, G_CALLBACK (on_approve_clicked), request));
  return row;
}

/* --- Inviting --------------------------------------------------------------------------- */

static gboolean
friend_not_member (gpointer item,
                   gpointer user_data)
{
  XgGroupPage *self = user_data;

  return self->members != NULL && xg_group_members_get_loaded (self->members) &&
         xg_group_members_lookup (self->members, xg_contact_get_account_id (item)) == NULL;
}

static void
on_invite_clicked (GtkButton *button,
                   XgContact *contact)
{
  XgGroupPage *self = XG_GROUP_PAGE (gtk_widget_get_ancestor (GTK_WIDGET (button), XG_TYPE_GROUP_PAGE));
  g_autofree char *done = g_strdup_printf (_("%s is invited."), xg_contact_get_display_name (contact));

  if (self->group == NULL)
    return;
  xg_groups_invite_async (groups_of (self), self->group, xg_contact_get_account_id (contact), self->cancellable,
                          on_call_done, call_new (self, done));
}

static GtkWidget *
create_invite_row (gpointer item,
                   gpointer user_data)
{
  XgContact *contact = item;
  GtkWidget *row = adw_action_row_new ();
  const char *name = xg_contact_get_display_name (contact);
  g_autofree char *label = g_strdup_printf (_("Invite %s"), name);
  GtkWidget *button = gtk_button_new_with_label (_("Invite"));
  GtkWidget *avatar = adw_avatar_new (32, name, TRUE);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_avatar_set_custom_image (ADW_AVATAR (avatar), xg_profile_get_avatar_paintable (xg_contact_get_profile (contact)));
  xg_label_avatar (ADW_AVATAR (avatar), name);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), avatar);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_signal_connect_object (button, "clicked", G_CALLBACK (on_invite_clicked), contact, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

/* --- The group -------------------------------------------------------------------------- */

void
xg_group_page_set_group (XgGroupPage *self,
                         XgGroup     *group)
{
  g_return_if_fail (XG_IS_GROUP_PAGE (self));
  g_return_if_fail (group == NULL || XG_IS_GROUP (group));

  if (self->group == group)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->loading_picture = FALSE;   /* cancelled with it */
  show_status (self, NULL);

  g_set_object (&self->group, group);
  g_signal_group_set_target (self->group_signals, group);
  g_clear_object (&self->members);
  if (group != NULL && groups_of (self) != NULL && !xg_group_get_gone (group))
    self->members = xg_groups_get_members (groups_of (self), xg_group_get_id (group));
  g_signal_group_set_target (self->members_signals, self->members);
  gtk_list_box_bind_model (self->members_list, G_LIST_MODEL (self->members), create_member_row, self, NULL);
  gtk_filter_list_model_set_model (self->requests, group && groups_of (self) ? xg_groups_get_incoming (groups_of (self))
                                                                             : NULL);
  gtk_filter_changed (GTK_FILTER (self->requests_filter), GTK_FILTER_CHANGE_DIFFERENT);
  gtk_filter_list_model_set_model (self->invitable, group ? G_LIST_MODEL (xg_session_get_contacts (self->session))
                                                          : NULL);
  gtk_filter_changed (GTK_FILTER (self->invitable_filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_info (self);
  reset_edit (self);
}

/* Rows depend on the account's role: made again when it changes. */
static void
on_role_changed (XgGroupPage *self)
{
  if (self->members != NULL)
    gtk_list_box_bind_model (self->members_list, G_LIST_MODEL (self->members), create_member_row, self, NULL);
  if (self->group != NULL && xg_group_get_gone (self->group) && self->members != NULL)
    {
      g_clear_object (&self->members);
      g_signal_group_set_target (self->members_signals, NULL);
      gtk_list_box_bind_model (self->members_list, NULL, NULL, NULL, NULL);
    }
  update_info (self);
}

static void
xg_group_page_dispose (GObject *object)
{
  XgGroupPage *self = XG_GROUP_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  xg_picture_chooser_close (&self->chooser);
  g_clear_pointer (&self->edit_picture, g_bytes_unref);
  g_clear_object (&self->edit_picture_texture);
  if (self->group_signals != NULL)
    g_signal_group_set_target (self->group_signals, NULL);
  if (self->members_signals != NULL)
    g_signal_group_set_target (self->members_signals, NULL);
  if (self->members_list != NULL)
    gtk_list_box_bind_model (self->members_list, NULL, NULL, NULL, NULL);
  if (self->requests_list != NULL)
    gtk_list_box_bind_model (self->requests_list, NULL, NULL, NULL, NULL);
  if (self->invite_list != NULL)
    gtk_list_box_bind_model (self->invite_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->group_signals);
  g_clear_object (&self->members_signals);
  g_clear_object (&self->requests);
  g_clear_object (&self->invitable);
  g_clear_object (&self->members);
  g_clear_object (&self->group);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_GROUP_PAGE);
  G_OBJECT_CLASS (xg_group_page_parent_class)->dispose (object);
}

static void
xg_group_page_class_init (XgGroupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xg_group_page_dispose;

  signals[OPEN_CHAT] = g_signal_new ("open-chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-group-page.ui");
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, avatar);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, number_label);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, description_label);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, gone_label);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, open_chat_button);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, mute_switch);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, edit_group);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, edit_name_row);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, edit_description_row);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, edit_avatar);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, edit_picture_button);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, edit_picture_clear_button);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, edit_save_button);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, requests_group);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, requests_list);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, members_group);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, members_list);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, invite_group);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, invite_list);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, leave_button);
  gtk_widget_class_bind_template_child (widget_class, XgGroupPage, disband_button);
  gtk_widget_class_bind_template_callback (widget_class, on_open_chat_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_mute_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_edit_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_edit_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_edit_picture_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_edit_picture_clear_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_leave_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_disband_clicked);
  gtk_widget_class_install_action (widget_class, "group.make-admin", "t", member_action);
  gtk_widget_class_install_action (widget_class, "group.demote", "t", member_action);
  gtk_widget_class_install_action (widget_class, "group.transfer", "t", member_action);
  gtk_widget_class_install_action (widget_class, "group.remove", "t", member_action);
}

static void
xg_group_page_init (XgGroupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  xg_label_entry_row (self->edit_name_row);
  xg_label_entry_row (self->edit_description_row);

  self->group_signals = g_signal_group_new (XG_TYPE_GROUP);
  g_signal_group_connect_swapped (self->group_signals, "notify::name", G_CALLBACK (on_info_changed), self);
  g_signal_group_connect_swapped (self->group_signals, "notify::description", G_CALLBACK (on_info_changed), self);
  g_signal_group_connect_swapped (self->group_signals, "notify::avatar", G_CALLBACK (on_info_changed), self);
  g_signal_group_connect_swapped (self->group_signals, "notify::muted", G_CALLBACK (update_info), self);
  g_signal_group_connect_swapped (self->group_signals, "notify::role", G_CALLBACK (on_role_changed), self);
  g_signal_group_connect_swapped (self->group_signals, "notify::gone", G_CALLBACK (on_role_changed), self);
  self->members_signals = g_signal_group_new (XG_TYPE_GROUP_MEMBERS);
  g_signal_group_connect_data (self->members_signals, "items-changed", G_CALLBACK (on_members_changed), self,
                               NULL, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_group_connect_swapped (self->members_signals, "notify::loaded", G_CALLBACK (on_members_changed), self);

  self->requests_filter = gtk_custom_filter_new (request_in_group, self, NULL);
  self->requests = gtk_filter_list_model_new (NULL, GTK_FILTER (self->requests_filter));
  gtk_list_box_bind_model (self->requests_list, G_LIST_MODEL (self->requests), create_request_row, self, NULL);
  g_signal_connect_object (self->requests, "items-changed", G_CALLBACK (update_info), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  self->invitable_filter = gtk_custom_filter_new (friend_not_member, self, NULL);
  self->invitable = gtk_filter_list_model_new (NULL, GTK_FILTER (self->invitable_filter));
  gtk_list_box_bind_model (self->invite_list, G_LIST_MODEL (self->invitable), create_invite_row, self, NULL);
  g_signal_connect_object (self->invitable, "items-changed", G_CALLBACK (update_info), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
}

GtkWidget *
xg_group_page_new (XgSession *session)
{
  XgGroupPage *self;

  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  self = g_object_new (XG_TYPE_GROUP_PAGE, NULL);
  self->session = g_object_ref (session);
  return GTK_WIDGET (self);
}
