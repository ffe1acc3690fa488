/* xg-join-group-window.c: find a group by its number and ask to join
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Look Up shows the group's brief (picture, name, member count,
 * description) before anything is asked; Ask to Join sends the request
 * with the reason. A group the account is in already says so instead.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-join-group-window.h"
#include "xg-proto-limits.h"

#define REASON_CHARS 256

struct _XgJoinGroupWindow
{
  AdwWindow     parent_instance;

  /* Template children */
  AdwEntryRow  *number_row;
  GtkButton    *find_button;
  GtkSpinner   *find_spinner;
  GtkLabel     *find_error;
  GtkWidget    *found_group;
  GtkWidget    *apply_group;
  AdwAvatar    *found_avatar;
  GtkLabel     *found_name;
  GtkLabel     *found_count;
  GtkLabel     *found_description;
  AdwEntryRow  *reason_row;
  GtkButton    *apply_button;
  GtkSpinner   *apply_spinner;
  GtkLabel     *apply_status;

  XgSession    *session;
  XgGroup      *found;
  GCancellable *cancellable;
  gboolean      finding;
  gboolean      applying;
};

G_DEFINE_FINAL_TYPE (XgJoinGroupWindow, xg_join_group_window, ADW_TYPE_WINDOW)

enum {
  APPLIED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

XgGroup *
xg_join_group_window_get_found (XgJoinGroupWindow *self)
{
  g_return_val_if_fail (XG_IS_JOIN_GROUP_WINDOW (self), NULL);
  return self->found;
}

/* The number typed, or 0 when it is none. */
static guint64
typed_number (XgJoinGroupWindow *self)
{
  g_autofree char *text = xg_editable_dup_stripped (GTK_EDITABLE (self->number_row));
  guint64 number = 0;

  if (text[0] == '\0' || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &number, NULL))
    return 0;
  return number;
}

static void
update_buttons (XgJoinGroupWindow *self)
{
  gboolean member = self->found != NULL && xg_group_get_role (self->found) != XG_GROUP_ROLE_NONE;

  gtk_widget_set_sensitive (GTK_WIDGET (self->find_button), !self->finding && typed_number (self) != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->find_spinner), self->finding);
  gtk_spinner_set_spinning (self->find_spinner, self->finding);
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), !self->applying && self->found != NULL && !member);
  gtk_widget_set_visible (GTK_WIDGET (self->apply_button), !member);
  gtk_widget_set_visible (GTK_WIDGET (self->reason_row), !member);
  gtk_widget_set_visible (GTK_WIDGET (self->apply_spinner), self->applying);
  gtk_spinner_set_spinning (self->apply_spinner, self->applying);
}

static void
show_found (XgJoinGroupWindow *self,
            XgGroup           *group)
{
  g_set_object (&self->found, group);
  gtk_widget_set_visible (self->found_group, group != NULL);
  gtk_widget_set_visible (self->apply_group, group != NULL);
  xg_set_inline_message (self->apply_status, NULL);
  if (group != NULL)
    {
      guint count = xg_group_get_member_count (group);
      g_autofree char *count_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u member", "%u members", count),
                                                     count);
      const char *description = xg_group_get_description (group);

      gtk_label_set_text (self->found_name, xg_group_get_name (group));
      gtk_label_set_text (self->found_count, count_text);
      gtk_label_set_text (self->found_description, description);
      gtk_widget_set_visible (GTK_WIDGET (self->found_description), description[0] != '\0');
      adw_avatar_set_text (self->found_avatar, xg_group_get_name (group));
      adw_avatar_set_custom_image (self->found_avatar, xg_group_get_avatar_paintable (group));
      xg_label_avatar (self->found_avatar, xg_group_get_name (group));
      if (xg_group_get_role (group) != XG_GROUP_ROLE_NONE)
        xg_set_inline_message (self->apply_status, _("You are a member of this group already."));
    }
  update_buttons (self);
}

static void
on_number_changed (XgJoinGroupWindow *self)
{
  xg_set_inline_message (self->find_error, NULL);
  if (self->found != NULL && xg_group_get_id (self->found) != typed_number (self))
    show_found (self, NULL);
  update_buttons (self);
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(XgJoinGroupWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgGroup) group = xg_groups_find_finish (XG_GROUPS (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->finding = FALSE;
  if (group == NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND))
        text = g_strdup (_("No group has this number."));
      else
        text = xg_session_error_text (error, 0, NULL);
      xg_set_inline_message (self->find_error, text);
      show_found (self, NULL);
      return;
    }
  show_found (self, group);
  gtk_widget_grab_focus (GTK_WIDGET (self->reason_row));
}

static void
on_find_clicked (XgJoinGroupWindow *self)
{
  guint64 number = typed_number (self);
  XgGroups *groups = xg_session_get_groups (self->session);

  if (self->finding || groups == NULL)
    return;
  if (number == 0)
    {
      xg_set_inline_message (self->find_error, _("A group number has digits only."));
      return;
    }
  xg_set_inline_message (self->find_error, NULL);
  self->finding = TRUE;
  update_buttons (self);
  xg_groups_find_async (groups, number, self->cancellable, on_found, g_object_ref (self));
}

static void
on_reason_changed (XgJoinGroupWindow *self)
{
  xg_set_inline_message (self->apply_status, NULL);
}

static void
on_applied (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(XgJoinGroupWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xg_groups_call_finish (XG_GROUPS (source), result, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->applying = FALSE;
      update_buttons (self);
      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        text = g_strdup (_("The server did not take the request: you may be a member already, or the reason is too long."));
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_LIMIT_REACHED))
        text = g_strdup (_("The group is full, or you are in as many groups as the server allows."));
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND))
        text = g_strdup (_("The group no longer exists."));
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_ALREADY_PENDING))
        text = g_strdup (_("You asked to join this group already: its owner and admins have not answered yet."));
      else
        text = xg_session_error_text (error, 0, NULL);
      xg_set_inline_message (self->apply_status, text);
      return;
    }
  self->applying = FALSE;
  g_signal_emit (self, signals[APPLIED], 0, self->found);
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_apply_clicked (XgJoinGroupWindow *self)
{
  g_autofree char *reason = xg_editable_dup_stripped (GTK_EDITABLE (self->reason_row));
  XgGroups *groups = xg_session_get_groups (self->session);

  if (self->applying || self->found == NULL || groups == NULL ||
      xg_group_get_role (self->found) != XG_GROUP_ROLE_NONE)
    return;
  if (!xg_proto_text_is_valid (reason, REASON_CHARS))
    {
      g_autofree char *text = g_strdup_printf (_("A reason has at most %u characters, on one line."), REASON_CHARS);

      xg_set_inline_message (self->apply_status, text);
      return;
    }
  self->applying = TRUE;
  update_buttons (self);
  xg_groups_join_async (groups, xg_group_get_id (self->found), reason, self->cancellable, on_applied,
                        g_object_ref (self));
}

static void
xg_join_group_window_dispose (GObject *object)
{
  XgJoinGroupWindow *self = XG_JOIN_GROUP_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->found);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_JOIN_GROUP_WINDOW);
  G_OBJECT_CLASS (xg_join_group_window_parent_class)->dispose (object);
}

static void
xg_join_group_window_class_init (XgJoinGroupWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xg_join_group_window_dispose;

  signals[APPLIED] = g_signal_new ("applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, XG_TYPE_GROUP);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-join-group-window.ui");
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, number_row);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, find_button);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, find_spinner);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, find_error);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, found_group);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, apply_group);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, found_avatar);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, found_name);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, found_count);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, found_description);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, reason_row);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, apply_button);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, apply_spinner);
  gtk_widget_class_bind_template_child (widget_class, XgJoinGroupWindow, apply_status);
  gtk_widget_class_bind_template_callback (widget_class, on_number_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_find_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_reason_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_apply_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
xg_join_group_window_init (XgJoinGroupWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  xg_label_entry_row (self->number_row);
  xg_label_entry_row (self->reason_row);
}

XgJoinGroupWindow *
xg_join_group_window_new (XgSession *session)
{
  XgJoinGroupWindow *self;

  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  self = g_object_new (XG_TYPE_JOIN_GROUP_WINDOW, NULL);
  self->session = g_object_ref (session);
  return self;
}
