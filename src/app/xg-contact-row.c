/* xg-contact-row.c: one friend in the sidebar's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The avatar (the friend's picture, else initials), the name this account
 * gives them (remark, else nickname), their signature, and a dot that is
 * green while they are online. Everything follows the contact through a
 * GBindingGroup and a GSignalGroup, so a recycled row only changes its
 * source; screen readers hear the name and "Online" or "Offline".
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-contact-row.h"

struct _XgContactRow
{
  GtkWidget      parent_instance;

  /* Template children */
  AdwAvatar     *avatar;
  GtkWidget     *presence;
  GtkLabel      *name_label;
  GtkLabel      *signature_label;

  XgContact     *contact;
  GBindingGroup *bindings;
  GSignalGroup  *contact_signals;
  GSignalGroup  *profile_signals;
};

enum {
  PROP_0,
  PROP_CONTACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (XgContactRow, xg_contact_row, GTK_TYPE_WIDGET)

static void
update_avatar (XgContactRow *self)
{
  XgProfile *profile = self->contact ? xg_contact_get_profile (self->contact) : NULL;

  adw_avatar_set_custom_image (self->avatar, xg_profile_get_avatar_paintable (profile));
}

static void
update_signature (XgContactRow *self)
{
  XgProfile *profile = self->contact ? xg_contact_get_profile (self->contact) : NULL;
  const char *signature = profile ? xg_profile_get_signature (profile) : NULL;

  gtk_label_set_text (self->signature_label, signature ? signature : "");
  gtk_widget_set_visible (GTK_WIDGET (self->signature_label), signature != NULL && signature[0] != '\0');
}

/* The name and the presence, for screen readers too. */
static void
update_accessible (XgContactRow *self)
{
  const char *name = self->contact ? xg_contact_get_display_name (self->contact) : "";
  gboolean online = self->contact != NULL && xg_contact_get_online (self->contact);
  const char *state = online ? _("Online") : _("Offline");

  if (online)
    {
      gtk_widget_add_css_class (self->presence, "online");
      gtk_widget_remove_css_class (self->presence, "offline");
    }
  else
    {
      gtk_widget_add_css_class (self->presence, "offline");
      gtk_widget_remove_css_class (self->presence, "online");
    }
  gtk_widget_set_tooltip_text (self->presence, state);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, state,
                                  -1);
  xg_label_avatar (self->avatar, name);
  /* GTK 4.8 cannot name the list item the row is in (GtkListItem's
   * accessible-label needs 4.12): name it from here. */
  if (gtk_widget_get_parent (GTK_WIDGET (self)) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (GTK_WIDGET (self))),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, state,
                                    -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->presence),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, state,
                                  -1);
}

XgContact *
xg_contact_row_get_contact (XgContactRow *self)
{
  g_return_val_if_fail (XG_IS_CONTACT_ROW (self), NULL);
  return self->contact;
}

void
xg_contact_row_set_contact (XgContactRow *self,
                            XgContact    *contact)
{
  g_return_if_fail (XG_IS_CONTACT_ROW (self));
  g_return_if_fail (contact == NULL || XG_IS_CONTACT (contact));

  if (!g_set_object (&self->contact, contact))
    return;
  g_binding_group_set_source (self->bindings, contact);
  g_signal_group_set_target (self->contact_signals, contact);
  g_signal_group_set_target (self->profile_signals, contact ? xg_contact_get_profile (contact) : NULL);
  update_avatar (self);
  update_signature (self);
  update_accessible (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);
}

static void
xg_contact_row_dispose (GObject *object)
{
  XgContactRow *self = XG_CONTACT_ROW (object);
  GtkWidget *child;

  if (self->bindings != NULL)
    g_binding_group_set_source (self->bindings, NULL);
  if (self->contact_signals != NULL)
    g_signal_group_set_target (self->contact_signals, NULL);
  if (self->profile_signals != NULL)
    g_signal_group_set_target (self->profile_signals, NULL);
  g_clear_object (&self->bindings);
  g_clear_object (&self->contact_signals);
  g_clear_object (&self->profile_signals);
  g_clear_object (&self->contact);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_CONTACT_ROW);
  /* A plain GtkWidget does not unparent its children itself. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (xg_contact_row_parent_class)->dispose (object);
}

static void
xg_contact_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  XgContactRow *self = XG_CONTACT_ROW (object);

  switch (prop_id)
    {
    case PROP_CONTACT:
      g_value_set_object (value, self->contact);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_contact_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  XgContactRow *self = XG_CONTACT_ROW (object);

  switch (prop_id)
    {
    case PROP_CONTACT:
      xg_contact_row_set_contact (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_contact_row_class_init (XgContactRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xg_contact_row_dispose;
  object_class->get_property = xg_contact_row_get_property;
  object_class->set_property = xg_contact_row_set_property;

  /**
   * XgContactRow:contact:
   *
   * The friend the row shows, or %NULL.
   */
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL,
                         XG_TYPE_CONTACT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-contact-row.ui");
  gtk_widget_class_bind_template_child (widget_class, XgContactRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, XgContactRow, presence);
  gtk_widget_class_bind_template_child (widget_class, XgContactRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, XgContactRow, signature_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "xgcontactrow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
xg_contact_row_init (XgContactRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->bindings = g_binding_group_new ();
  g_binding_group_bind (self->bindings, "display-name", self->name_label, "label", G_BINDING_SYNC_CREATE);
  g_binding_group_bind (self->bindings, "display-name", self->avatar, "text", G_BINDING_SYNC_CREATE);

  self->contact_signals = g_signal_group_new (XG_TYPE_CONTACT);
  g_signal_group_connect_swapped (self->contact_signals, "notify::display-name",
                                  G_CALLBACK (update_accessible), self);
  g_signal_group_connect_swapped (self->contact_signals, "notify::online",
                                  G_CALLBACK (update_accessible), self);

  /* A contact keeps its profile object; its fields change in place. */
  self->profile_signals = g_signal_group_new (XG_TYPE_PROFILE);
  g_signal_group_connect_swapped (self->profile_signals, "notify::avatar",
                                  G_CALLBACK (update_avatar), self);
  g_signal_group_connect_swapped (self->profile_signals, "notify::signature",
                                  G_CALLBACK (update_signature), self);
  update_accessible (self);
}

GtkWidget *
xg_contact_row_new (void)
{
  return g_object_new (XG_TYPE_CONTACT_ROW, NULL);
}
