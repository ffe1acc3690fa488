/* xg-group-requests-page.c: join requests to answer, and invitations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two lists from XgGroups: who asks to join a group this account owns or
 * administers (Approve, Decline), and who invites this account to a group
 * (Accept, Decline). A row leaves when the request is answered, here,
 * by another admin, or by time.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-group-requests-page.h"

struct _XgGroupRequestsPage
{
  AdwBin        parent_instance;

  XgSession    *session;
  GtkWidget    *incoming_group;
  GtkListBox   *incoming_list;
  GtkWidget    *invitations_group;
  GtkListBox   *invitations_list;
  GtkWidget    *empty;
  GtkLabel     *status_label;
  GSignalGroup *groups_signals;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (XgGroupRequestsPage, xg_group_requests_page, ADW_TYPE_BIN)

static XgGroups *
groups_of (XgGroupRequestsPage *self)
{
  return xg_session_get_groups (self->session);
}

static void
update_visible (XgGroupRequestsPage *self)
{
  XgGroups *groups = groups_of (self);
  guint incoming = groups ? g_list_model_get_n_items (xg_groups_get_incoming (groups)) : 0;
  guint invitations = groups ? g_list_model_get_n_items (xg_groups_get_invitations (groups)) : 0;

  gtk_widget_set_visible (self->incoming_group, incoming > 0);
  gtk_widget_set_visible (self->invitations_group, invitations > 0);
  gtk_widget_set_visible (self->empty, incoming == 0 && invitations == 0);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(XgGroupRequestsPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xg_groups_call_finish (XG_GROUPS (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        text = g_strdup (_("It was answered already, or it expired."));
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_LIMIT_REACHED))
        text = g_strdup (_("The group is full."));
      else
        text = xg_session_error_text (error, 0, NULL);
      xg_set_inline_message (self->status_label, text);
    }
}

static void
on_answer_clicked (GtkButton      *button,
                   XgGroupRequest *request)
{
  XgGroupRequestsPage *self = XG_GROUP_REQUESTS_PAGE (gtk_widget_get_ancestor (GTK_WIDGET (button),
                                                                               XG_TYPE_GROUP_REQUESTS_PAGE));
  gboolean yes = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "xg-yes"));
  XgGroups *groups = groups_of (self);

  if (groups == NULL)
    return;
  xg_set_inline_message (self->status_label, NULL);
  if (xg_group_request_get_kind (request) == XG_GROUP_REQUEST_INCOMING)
    {
      if (yes)
        xg_groups_approve_async (groups, request, self->cancellable, on_done, g_object_ref (self));
      else
        xg_groups_reject_async (groups, request, "", self->cancellable, on_done, g_object_ref (self));
    }
  else if (yes)
    xg_groups_accept_invitation_async (groups, request, self->cancellable, on_done, g_object_ref (self));
  else
    xg_groups_decline_invitation_async (groups, request, self->cancellable, on_done, g_object_ref (self));
}

static GtkWidget *
answer_button (XgGroupRequest *request,
               gboolean        yes,
               const char     *label,
               const char     *accessible)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (yes)
    gtk_widget_add_css_class (button, "suggested-action");
  g_object_set_data (G_OBJECT (button), "xg-yes", GINT_TO_POINTER (yes));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  g_signal_connect_object (button, "clicked", G_CALLBACK (on_answer_clicked), request, 0);
  return button;
}

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  XgGroupRequest *request = item;
  GtkWidget *row = adw_action_row_new ();
  const char *nickname = xg_group_request_get_nickname (request);
  const char *group = xg_group_request_get_group_name (request);
  g_autofree char *title = NULL;
  g_autofree char *yes = NULL;
  g_autofree char *no = NULL;
  GtkWidget *avatar;

  if (xg_group_request_get_kind (request) == XG_GROUP_REQUEST_INCOMING)
    {
      const char *reason = xg_group_request_get_reason (request);

      /* Translators: a join request: who asks to join which group */
      title = g_strdup_printf (_("%s asks to join %s"), nickname, group);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), reason[0] != '\0' ? reason : _("No reason given"));
      yes = g_strdup_printf (_("Let %s Join"), nickname);
      no = g_strdup_printf (_("Turn %s Away"), nickname);
      avatar = adw_avatar_new (32, nickname, TRUE);
    }
  else
    {
      /* Translators: an invitation: who invites you to which group */
      title = g_strdup_printf (_("%s invites you to %s"), nickname, group);
      yes = g_strdup_printf (_("Join %s"), group);
      no = g_strdup_printf (_("Decline the Invitation to %s"), group);
      avatar = adw_avatar_new (32, group, TRUE);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), avatar);
  xg_label_avatar (ADW_AVATAR (avatar), nickname);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), answer_button (request, FALSE, _("Decline"), no));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             answer_button (request, TRUE,
                                            xg_group_request_get_kind (request) == XG_GROUP_REQUEST_INCOMING
                                            ? _("Approve") : _("Accept"), yes));
  return row;
}

static void
on_groups_changed (XgGroupRequestsPage *self)
{
  XgGroups *groups = groups_of (self);

  gtk_list_box_bind_model (self->incoming_list, groups ? xg_groups_get_incoming (groups) : NULL,
                           groups ? create_row : NULL, self, NULL);
  gtk_list_box_bind_model (self->invitations_list, groups ? xg_groups_get_invitations (groups) : NULL,
                           groups ? create_row : NULL, self, NULL);
  if (groups != NULL)
    {
      g_signal_connect_object (xg_groups_get_incoming (groups), "items-changed", G_CALLBACK (update_visible), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (xg_groups_get_invitations (groups), "items-changed", G_CALLBACK (update_visible),
                               self, G_CONNECT_SWAPPED);
    }
  update_visible (self);
}

static GtkWidget *
list_group (const char  *title,
            GtkListBox **list)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  *list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (*list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (*list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (*list), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (*list));
  return group;
}

static void
xg_group_requests_page_dispose (GObject *object)
{
  XgGroupRequestsPage *self = XG_GROUP_REQUESTS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->incoming_list != NULL)
    gtk_list_box_bind_model (self->incoming_list, NULL, NULL, NULL, NULL);
  if (self->invitations_list != NULL)
    gtk_list_box_bind_model (self->invitations_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (xg_group_requests_page_parent_class)->dispose (object);
}

static void
xg_group_requests_page_class_init (XgGroupRequestsPageClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = xg_group_requests_page_dispose;
}

static void
xg_group_requests_page_init (XgGroupRequestsPage *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *status_group = adw_preferences_group_new ();

  self->cancellable = g_cancellable_new ();
  self->empty = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty), "system-users-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->empty), _("Nothing to Answer"));
  adw_status_page_set_description (ADW_STATUS_PAGE (self->empty),
                                   _("Requests to join your groups, and invitations to groups, show here."));
  self->status_label = g_object_new (GTK_TYPE_LABEL, "accessible-role", GTK_ACCESSIBLE_ROLE_ALERT, NULL);
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "xg-inline-error");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (status_group), GTK_WIDGET (self->status_label));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (status_group), self->empty);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (status_group));
  self->incoming_group = list_group (_("Asking to Join Your Groups"), &self->incoming_list);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->incoming_group));
  self->invitations_group = list_group (_("Invitations"), &self->invitations_list);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->invitations_group));
  gtk_widget_set_vexpand (page, TRUE);
  adw_bin_set_child (ADW_BIN (self), page);
}

GtkWidget *
xg_group_requests_page_new (XgSession *session)
{
  XgGroupRequestsPage *self;

  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  self = g_object_new (XG_TYPE_GROUP_REQUESTS_PAGE, NULL);
  self->session = g_object_ref (session);
  g_signal_connect_object (session, "notify::groups", G_CALLBACK (on_groups_changed), self, G_CONNECT_SWAPPED);
  on_groups_changed (self);
  return GTK_WIDGET (self);
}
