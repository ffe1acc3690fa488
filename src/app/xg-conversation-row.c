/* xg-conversation-row.c: one chat in the sidebar's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The friend's avatar and name (as the contacts have them: remark, else
 * nickname; looked up by the conversation's peer id, again whenever the
 * contacts change), the last message in a line, when it came (the time
 * today, else the date) and a badge with the unread count. Follows the
 * conversation through a GSignalGroup, so a recycled row only changes its
 * target; screen readers hear the name, the unread count and the preview.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-conversation-row.h"

struct _XgConversationRow
{
  GtkWidget       parent_instance;

  /* Template children */
  AdwAvatar      *avatar;
  GtkLabel       *name_label;
  GtkLabel       *time_label;
  GtkLabel       *preview_label;
  GtkLabel       *unread_badge;

  XgSession      *session;
  XgConversation *conversation;
  XgContact      *contact;
  XgGroup        *group;
  GSignalGroup   *conversation_signals;
  GSignalGroup   *groups_signals;
  GSignalGroup   *group_signals;
  GSignalGroup   *contacts_signals;
  GSignalGroup   *contact_signals;
  GSignalGroup   *profile_signals;
};

G_DEFINE_FINAL_TYPE (XgConversationRow, xg_conversation_row, GTK_TYPE_WIDGET)

static void
update_accessible (XgConversationRow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;
  g_autofree char *preview = NULL;
  guint unread;

  if (self->conversation == NULL)
    return;
  name = xg_conversation_display_name (self->session, self->conversation);
  unread = xg_conversation_get_unread (self->conversation);
  preview = xg_conversation_preview (self->session, self->conversation);
  if (unread > 0)
    /* Translators: a chat in the list, for screen readers: the friend's name and the unread count */
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %u unread message", "%s, %u unread messages", unread),
                             name, unread);
  else
    label = g_strdup (name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, preview,
                                  -1);
  /* GTK 4.8 cannot name the list item the row is in: name it from here. */
  if (gtk_widget_get_parent (GTK_WIDGET (self)) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (GTK_WIDGET (self))),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, preview,
                                    -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->unread_badge),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
update_name (XgConversationRow *self)
{
  g_autofree char *name = NULL;
  XgProfile *profile;

  if (self->conversation == NULL)
    return;
  name = xg_conversation_display_name (self->session, self->conversation);
  gtk_label_set_text (self->name_label, name);
  adw_avatar_set_text (self->avatar, name);
  profile = self->contact != NULL ? xg_contact_get_profile (self->contact) : NULL;
  if (self->group != NULL)
    adw_avatar_set_custom_image (self->avatar, xg_group_get_avatar_paintable (self->group));
  else
    adw_avatar_set_custom_image (self->avatar, profile != NULL ? xg_profile_get_avatar_paintable (profile) : NULL);
  xg_label_avatar (self->avatar, name);
  update_accessible (self);
}

/* The friend may come (the contacts load after the chats) or go. */
static void
update_contact (XgConversationRow *self)
{
  XgContacts *contacts = xg_session_get_contacts (self->session);
  XgContact *contact = NULL;
  XgGroup *group = NULL;
  gboolean is_group = self->conversation != NULL &&
                      xg_conversation_get_kind (self->conversation) == XG_CONVERSATION_GROUP;

  if (is_group)
    group = xg_session_lookup_group (self->session, xg_conversation_get_peer_id (self->conversation));
  if (g_set_object (&self->group, group))
    g_signal_group_set_target (self->group_signals, group);
  if (self->conversation != NULL && contacts != NULL && !is_group)
    contact = xg_contacts_lookup (contacts, xg_conversation_get_peer_id (self->conversation));
  if (g_set_object (&self->contact, contact))
    {
      g_signal_group_set_target (self->contact_signals, contact);
      g_signal_group_set_target (self->profile_signals, contact ? xg_contact_get_profile (contact) : NULL);
    }
  update_name (self);
}

static void
update_last_message (XgConversationRow *self)
{
  XgMessage *last;
  g_autofree char *preview = NULL;
  g_autofree char *time = NULL;

  if (self->conversation == NULL)
    return;
  last = xg_conversation_get_last_message (self->conversation);
  preview = xg_conversation_preview (self->session, self->conversation);
  gtk_label_set_text (self->preview_label, preview);
  if (last != NULL)
    time = xg_format_message_time (xg_message_get_time (last), g_get_real_time ());
  gtk_label_set_text (self->time_label, time ? time : "");
  update_accessible (self);
}

static void
on_names_changed (XgConversationRow *self,
                  guint64            group_id)
{
  if (self->conversation != NULL && xg_conversation_get_kind (self->conversation) == XG_CONVERSATION_GROUP &&
      xg_conversation_get_peer_id (self->conversation) == group_id)
    update_last_message (self);
}

static void
update_unread (XgConversationRow *self)
{
  guint unread = self->conversation ? xg_conversation_get_unread (self->conversation) : 0;
  g_autofree char *text = g_strdup_printf ("%u", unread);

  gtk_label_set_text (self->unread_badge, text);
  gtk_widget_set_visible (GTK_WIDGET (self->unread_badge), unread > 0);
  update_accessible (self);
}

XgConversation *
xg_conversation_row_get_conversation (XgConversationRow *self)
{
  g_return_val_if_fail (XG_IS_CONVERSATION_ROW (self), NULL);
  return self->conversation;
}

void
xg_conversation_row_set_conversation (XgConversationRow *self,
                                      XgConversation    *conversation)
{
  g_return_if_fail (XG_IS_CONVERSATION_ROW (self));
  g_return_if_fail (conversation == NULL || XG_IS_CONVERSATION (conversation));

  if (!g_set_object (&self->conversation, conversation))
    return;
  g_signal_group_set_target (self->conversation_signals, conversation);
  g_signal_group_set_target (self->contacts_signals, conversation ? xg_session_get_contacts (self->session) : NULL);
  g_signal_group_set_target (self->groups_signals, conversation ? xg_session_get_groups (self->session) : NULL);
  update_contact (self);
  update_last_message (self);
  update_unread (self);
}

static void
xg_conversation_row_dispose (GObject *object)
{
  XgConversationRow *self = XG_CONVERSATION_ROW (object);
  GtkWidget *child;

  if (self->conversation_signals != NULL)
    g_signal_group_set_target (self->conversation_signals, NULL);
  if (self->contacts_signals != NULL)
    g_signal_group_set_target (self->contacts_signals, NULL);
  if (self->contact_signals != NULL)
    g_signal_group_set_target (self->contact_signals, NULL);
  if (self->profile_signals != NULL)
    g_signal_group_set_target (self->profile_signals, NULL);
  if (self->groups_signals != NULL)
    g_signal_group_set_target (self->groups_signals, NULL);
  if (self->group_signals != NULL)
    g_signal_group_set_target (self->group_signals, NULL);
  g_clear_object (&self->groups_signals);
  g_clear_object (&self->group_signals);
  g_clear_object (&self->group);
  g_clear_object (&self->conversation_signals);
  g_clear_object (&self->contacts_signals);
  g_clear_object (&self->contact_signals);
  g_clear_object (&self->profile_signals);
  g_clear_object (&self->conversation);
  g_clear_object (&self->contact);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_CONVERSATION_ROW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (xg_conversation_row_parent_class)->dispose (object);
}

static void
xg_conversation_row_class_init (XgConversationRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xg_conversation_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-conversation-row.ui");
  gtk_widget_class_bind_template_child (widget_class, XgConversationRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, XgConversationRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, XgConversationRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, XgConversationRow, preview_label);
  gtk_widget_class_bind_template_child (widget_class, XgConversationRow, unread_badge);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "xgconversationrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
xg_conversation_row_init (XgConversationRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->conversation_signals = g_signal_group_new (XG_TYPE_CONVERSATION);
  g_signal_group_connect_swapped (self->conversation_signals, "notify::last-message",
                                  G_CALLBACK (update_last_message), self);
  g_signal_group_connect_swapped (self->conversation_signals, "notify::unread",
                                  G_CALLBACK (update_unread), self);
  self->contacts_signals = g_signal_group_new (XG_TYPE_CONTACTS);
  g_signal_group_connect_swapped (self->contacts_signals, "items-changed",
                                  G_CALLBACK (update_contact), self);
  self->contact_signals = g_signal_group_new (XG_TYPE_CONTACT);
  g_signal_group_connect_swapped (self->contact_signals, "notify::display-name",
                                  G_CALLBACK (update_name), self);
  self->profile_signals = g_signal_group_new (XG_TYPE_PROFILE);
  g_signal_group_connect_swapped (self->profile_signals, "notify::avatar",
                                  G_CALLBACK (update_name), self);
  /* A group's chat: its name and avatar, when they come or change. */
  self->groups_signals = g_signal_group_new (XG_TYPE_GROUPS);
  g_signal_group_connect_swapped (self->groups_signals, "items-changed",
                                  G_CALLBACK (update_contact), self);
  /* The preview names the sender, perhaps before the members' names came. */
  g_signal_group_connect_swapped (self->groups_signals, "names-changed",
                                  G_CALLBACK (on_names_changed), self);
  self->group_signals = g_signal_group_new (XG_TYPE_GROUP);
  g_signal_group_connect_swapped (self->group_signals, "notify::name",
                                  G_CALLBACK (update_name), self);
  g_signal_group_connect_swapped (self->group_signals, "notify::avatar",
                                  G_CALLBACK (update_name), self);
}

GtkWidget *
xg_conversation_row_new (XgSession *session)
{
  XgConversationRow *self;

  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  self = g_object_new (XG_TYPE_CONVERSATION_ROW, NULL);
  self->session = g_object_ref (session);
  return GTK_WIDGET (self);
}
