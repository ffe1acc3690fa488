/* xg-new-group-window.c: create a group (name, description, picture)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The name is required (1 to 64 characters), the description and the
 * picture are not. Create is off while the name is empty or a request is
 * out; what the server refuses says so under the fields and keeps them.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-new-group-window.h"
#include "xg-profile-window.h"
#include "xg-proto-limits.h"

struct _XgNewGroupWindow
{
  AdwWindow             parent_instance;

  /* Template children */
  GtkButton            *create_button;
  GtkSpinner           *create_spinner;
  AdwAvatar            *avatar;
  GtkButton            *avatar_clear_button;
  AdwEntryRow          *name_row;
  AdwEntryRow          *description_row;
  GtkLabel             *error_label;

  XgSession            *session;
  GBytes               *picture;
  GdkTexture           *picture_texture;
  GtkNativeDialog      *chooser;
  GCancellable         *cancellable;
  gboolean              busy;
};

G_DEFINE_FINAL_TYPE (XgNewGroupWindow, xg_new_group_window, ADW_TYPE_WINDOW)

enum {
  CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_create_button (XgNewGroupWindow *self)
{
  g_autofree char *name = xg_editable_dup_stripped (GTK_EDITABLE (self->name_row));

  gtk_widget_set_sensitive (GTK_WIDGET (self->create_button), !self->busy && name[0] != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self->create_spinner), self->busy);
  gtk_spinner_set_spinning (self->create_spinner, self->busy);
}

static void
update_avatar (XgNewGroupWindow *self)
{
  g_autofree char *name = xg_editable_dup_stripped (GTK_EDITABLE (self->name_row));

  adw_avatar_set_text (self->avatar, name);
  adw_avatar_set_custom_image (self->avatar, GDK_PAINTABLE (self->picture_texture));
  gtk_widget_set_visible (GTK_WIDGET (self->avatar_clear_button), self->picture != NULL);
  xg_label_avatar (self->avatar, self->picture != NULL ? _("The group’s picture") : _("The group’s initials"));
}

static void
on_name_changed (XgNewGroupWindow *self)
{
  xg_set_inline_message (self->error_label, NULL);
  update_create_button (self);
  update_avatar (self);
}

static void
on_created (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(XgNewGroupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgGroup) group = xg_groups_create_finish (XG_GROUPS (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  update_create_button (self);
  if (group == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_LIMIT_REACHED))
        text = g_strdup (_("You have as many groups as the server allows."));
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        text = g_strdup (_("The server did not accept the name, description or picture."));
      else
        text = xg_session_error_text (error, 0, NULL);
      xg_set_inline_message (self->error_label, text);
      return;
    }
  g_signal_emit (self, signals[CREATED], 0, group);
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_create_clicked (XgNewGroupWindow *self)
{
  g_autofree char *name = xg_editable_dup_stripped (GTK_EDITABLE (self->name_row));
  g_autofree char *description = xg_editable_dup_stripped (GTK_EDITABLE (self->description_row));
  XgGroups *groups = xg_session_get_groups (self->session);

  if (self->busy || name[0] == '\0' || groups == NULL)
    return;
  if (!xg_proto_text_is_valid (name, 64))
    {
      xg_set_inline_message (self->error_label, _("A group’s name has at most 64 characters, on one line."));
      return;
    }
  if (g_utf8_strlen (description, -1) > 512)
    {
      xg_set_inline_message (self->error_label, _("A description has at most 512 characters."));
      return;
    }
  xg_set_inline_message (self->error_label, NULL);
  self->busy = TRUE;
  update_create_button (self);
  xg_groups_create_async (groups, name, description, self->picture, self->cancellable, on_created,
                          g_object_ref (self));
}

static void
on_picture_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(XgNewGroupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = xg_load_avatar_png_finish (result, &error);
  g_autofree char *problem = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if ((problem = xg_avatar_problem (png, error)) != NULL)
    {
      xg_set_inline_message (self->error_label, problem);
      return;
    }
  g_clear_pointer (&self->picture, g_bytes_unref);
  g_clear_object (&self->picture_texture);
  self->picture_texture = gdk_texture_new_from_bytes (png, NULL);
  self->picture = g_steal_pointer (&png);
  xg_set_inline_message (self->error_label, NULL);
  update_avatar (self);
}

static void
picture_chosen (gpointer  user_data,
                GFile    *file)
{
  XgNewGroupWindow *self = user_data;

  xg_load_avatar_png_async (file, self->cancellable, on_picture_loaded, g_object_ref (self));
}

static void
on_avatar_clicked (XgNewGroupWindow *self)
{
  xg_picture_chooser_open (GTK_WINDOW (self), &self->chooser, picture_chosen, self);
}

static void
on_avatar_clear_clicked (XgNewGroupWindow *self)
{
  g_clear_pointer (&self->picture, g_bytes_unref);
  g_clear_object (&self->picture_texture);
  update_avatar (self);
}

static void
on_cancel_clicked (XgNewGroupWindow *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
xg_new_group_window_dispose (GObject *object)
{
  XgNewGroupWindow *self = XG_NEW_GROUP_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  xg_picture_chooser_close (&self->chooser);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->picture, g_bytes_unref);
  g_clear_object (&self->picture_texture);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_NEW_GROUP_WINDOW);
  G_OBJECT_CLASS (xg_new_group_window_parent_class)->dispose (object);
}

static void
xg_new_group_window_class_init (XgNewGroupWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xg_new_group_window_dispose;

  signals[CREATED] = g_signal_new ("created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, XG_TYPE_GROUP);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-new-group-window.ui");
  gtk_widget_class_bind_template_child (widget_class, XgNewGroupWindow, create_button);
  gtk_widget_class_bind_template_child (widget_class, XgNewGroupWindow, create_spinner);
  gtk_widget_class_bind_template_child (widget_class, XgNewGroupWindow, avatar);
  gtk_widget_class_bind_template_child (widget_class, XgNewGroupWindow, avatar_clear_button);
  gtk_widget_class_bind_template_child (widget_class, XgNewGroupWindow, name_row);
  gtk_widget_class_bind_template_child (widget_class, XgNewGroupWindow, description_row);
  gtk_widget_class_bind_template_child (widget_class, XgNewGroupWindow, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_create_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_name_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_avatar_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_avatar_clear_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
xg_new_group_window_init (XgNewGroupWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  xg_label_entry_row (self->name_row);
  xg_label_entry_row (self->description_row);
  update_avatar (self);
}

XgNewGroupWindow *
xg_new_group_window_new (XgSession *session)
{
  XgNewGroupWindow *self;

  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  self = g_object_new (XG_TYPE_NEW_GROUP_WINDOW, NULL);
  self->session = g_object_ref (session);
  return self;
}
