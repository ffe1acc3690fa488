/* xg-preferences-window.c: the app's settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The default server address (applied with the row's apply button, and
 * only when it is a HOST:PORT) and "remember me", both in GSettings.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-application.h"
#include "xg-preferences-window.h"

struct _XgPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* Template children */
  AdwEntryRow          *server_row;
  GtkSwitch            *remember_switch;
  GtkSwitch            *preview_switch;

  GSettings            *settings;
};

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (XgPreferencesWindow, xg_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
on_server_changed (XgPreferencesWindow *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->server_row), "error");
}

/* Programmatic text must not bring the apply button back. */
static void
set_server_text (XgPreferencesWindow *self,
                 const char          *server)
{
  if (g_str_equal (gtk_editable_get_text (GTK_EDITABLE (self->server_row)), server))
    return;
  adw_entry_row_set_show_apply_button (self->server_row, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
  adw_entry_row_set_show_apply_button (self->server_row, TRUE);
}

static void
on_server_apply (XgPreferencesWindow *self)
{
  g_autofree char *server = xg_editable_dup_stripped (GTK_EDITABLE (self->server_row));

  if (!xg_server_address_is_valid (server))
    {
      g_autofree char *text = g_strdup_printf (_("“%s” is not a server address. Use HOST:PORT, for example 127.0.0.1:7447."),
                                               server);
      gtk_widget_add_css_class (GTK_WIDGET (self->server_row), "error");
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
      return;
    }
  g_settings_set_string (self->settings, "server", server);
  set_server_text (self, server);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new (_("The new address is used from the next login.")));
}

static void
xg_preferences_window_constructed (GObject *object)
{
  XgPreferencesWindow *self = XG_PREFERENCES_WINDOW (object);
  g_autofree char *server = NULL;

  G_OBJECT_CLASS (xg_preferences_window_parent_class)->constructed (object);

  server = g_settings_get_string (self->settings, "server");
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
  adw_entry_row_set_show_apply_button (self->server_row, TRUE);
  on_server_changed (self);
  g_settings_bind (self->settings, "remember-me", self->remember_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notification-preview", self->preview_switch, "active", G_SETTINGS_BIND_DEFAULT);
}

static void
xg_preferences_window_dispose (GObject *object)
{
  XgPreferencesWindow *self = XG_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (xg_preferences_window_parent_class)->dispose (object);
}

static void
xg_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  XgPreferencesWindow *self = XG_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  XgPreferencesWindow *self = XG_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_preferences_window_class_init (XgPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = xg_preferences_window_constructed;
  object_class->dispose = xg_preferences_window_dispose;
  object_class->get_property = xg_preferences_window_get_property;
  object_class->set_property = xg_preferences_window_set_property;

  /**
   * XgPreferencesWindow:settings:
   *
   * The app's settings (schema io.github.xinge.Xinge).
   */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, XgPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, XgPreferencesWindow, remember_switch);
  gtk_widget_class_bind_template_child (widget_class, XgPreferencesWindow, preview_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_server_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_server_changed);
}

static void
xg_preferences_window_init (XgPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  xg_label_entry_row (self->server_row);
}

XgPreferencesWindow *
xg_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (XG_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       NULL);
}
