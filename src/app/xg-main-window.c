/* xg-main-window.c: the window of a logged-in account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A leaflet of a sidebar (the account, and the conversations once there
 * are any) and a content pane. The header follows the session's profile
 * through a GBindingGroup; a banner at the bottom shows while the session
 * is reconnecting.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-main-window.h"
#include "xg-profile-window.h"

struct _XgMainWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar;
  GtkWidget            *content;
  GtkButton            *profile_button;
  AdwAvatar            *avatar;
  GtkLabel             *nickname_label;
  GtkRevealer          *banner_revealer;

  XgSession            *session;
  GSettings            *settings;
  GBindingGroup        *profile_bindings;
  GSignalGroup         *profile_signals;
  GtkWindow            *profile_window;   /* weak */
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

static void
on_back_clicked (XgMainWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
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
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, content);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, profile_button);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, avatar);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, nickname_label);
  gtk_widget_class_bind_template_child (widget_class, XgMainWindow, banner_revealer);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);

  gtk_widget_class_install_action (widget_class, "win.profile", NULL, profile_activated);
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
