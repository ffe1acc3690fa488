/* xg-message-row.c: one message in a chat
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A bubble, own messages on the right and the friend's on the left, with
 * the day above it when the message before was on another day (a
 * GtkListView of GTK 4.8 has no section headers). Inside: the text, an
 * image scaled to at most XG_MESSAGE_ROW_IMAGE_MAX pixels (decoded once
 * per message and kept on it), a file with its name, size and a Save
 * button (GtkFileChooserNative), or a note for a kind this version does
 * not know; then the time and, for own messages, an icon for the state
 * (sending, sent, delivered, failed) that screen readers hear as words.
 * A failed message says why and offers Retry. Follows the message through
 * a GSignalGroup, so a recycled row only changes its target.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-message-row.h"

struct _XgMessageRow
{
  GtkWidget             parent_instance;

  /* Template children */
  GtkLabel             *day_label;
  GtkWidget            *sender_box;
  AdwAvatar            *sender_avatar;
  GtkLabel             *sender_label;
  GtkWidget            *bubble;
  GtkLabel             *text_label;
  GtkPicture           *picture;
  GtkWidget            *file_box;
  GtkLabel             *file_name_label;
  GtkLabel             *file_size_label;
  GtkButton            *save_button;
  GtkLabel             *unsupported_label;
  GtkLabel             *time_label;
  GtkImage             *state_icon;
  GtkWidget            *failure_box;
  GtkLabel             *failure_label;
  GtkButton            *retry_button;

  XgConversation       *conversation;
  XgMessage            *message;
  GSignalGroup         *message_signals;
  GtkFileChooserNative *chooser;
  GCancellable         *cancellable;
  char                 *save_error;
  char                 *sender;         /* a group message's sender, or NULL */
};

G_DEFINE_FINAL_TYPE (XgMessageRow, xg_message_row, GTK_TYPE_WIDGET)

/* The image's texture, decoded once and kept on the message (NULL when
 * the bytes are no picture). */
static GdkTexture *
message_texture (XgMessage *message)
{
  GdkTexture *texture = g_object_get_data (G_OBJECT (message), "xg-texture");
  GBytes *bytes;
  g_autoptr(GError) error = NULL;

  if (texture != NULL || g_object_get_data (G_OBJECT (message), "xg-texture-failed"))
    return texture;
  bytes = xg_message_get_data (message);
  if (bytes != NULL && g_bytes_get_size (bytes) > 0)
    texture = gdk_texture_new_from_bytes (bytes, &error);
  if (texture == NULL)
    {
      g_debug ("An image message is not an image: %s", error ? error->message : "empty");
      g_object_set_data (G_OBJECT (message), "xg-texture-failed", GINT_TO_POINTER (1));
      return NULL;
    }
  g_object_set_data_full (G_OBJECT (message), "xg-texture", texture, g_object_unref);
  return texture;
}

static void
update_state (XgMessageRow *self)
{
  XgMessage *message = self->message;
  g_autofree char *time = NULL;
  const char *icon = NULL;
  const char *state = NULL;
  gboolean failed;

  if (message == NULL)
    return;
  time = xg_format_clock_time (xg_message_get_time (message));
  gtk_label_set_text (self->time_label, time);

  failed = xg_message_get_state (message) == XG_MESSAGE_FAILED;
  if (xg_message_get_outgoing (message))
    switch (xg_message_get_state (message))
      {
      case XG_MESSAGE_SENDING:
        icon = "content-loading-symbolic";
        state = _("Sending");
        break;
      case XG_MESSAGE_SENT:
        icon = "emblem-ok-symbolic";
        state = _("Sent");
        break;
      case XG_MESSAGE_DELIVERED:
        icon = "emblem-default-symbolic";
        state = _("Delivered");
        break;
      case XG_MESSAGE_FAILED:
      default:
        icon = "dialog-error-symbolic";
        state = _("Not sent");
        break;
      }
  gtk_widget_set_visible (GTK_WIDGET (self->state_icon), icon != NULL);
  if (icon != NULL)
    {
      gtk_image_set_from_icon_name (self->state_icon, icon);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_icon), state);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_icon),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, state, -1);
    }

  if (failed)
    {
      gtk_label_set_text (self->failure_label, xg_message_failure_text (xg_message_get_failure (message)));
      gtk_widget_set_visible (GTK_WIDGET (self->retry_button), TRUE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->retry_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Retry Sending"),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      xg_message_failure_text (xg_message_get_failure (message)),
                                      -1);
    }
  else if (self->save_error != NULL)
    {
      gtk_label_set_text (self->failure_label, self->save_error);
      gtk_widget_set_visible (GTK_WIDGET (self->retry_button), FALSE);
    }
  gtk_widget_set_visible (self->failure_box, failed || self->save_error != NULL);

  /* The whole row, for screen readers: who, when, and the state. */
  {
    g_autofree char *preview = xg_message_preview (message);
    g_autofree char *label = NULL;

    if (xg_message_get_outgoing (message))
      /* Translators: a message of your own, for screen readers: the message, its time and state */
      label = g_strdup_printf (_("You, %s: %s (%s)"), time, preview, state);
    else if (self->sender != NULL)
      /* Translators: a group member's message, for screen readers: who, its time and the message */
      label = g_strdup_printf (_("%s, %s: %s"), self->sender, time, preview);
    else
      /* Translators: the friend's message, for screen readers: its time and the message */
      label = g_strdup_printf (_("%s: %s"), time, preview);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    if (gtk_widget_get_parent (GTK_WIDGET (self)) != NULL)
      gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (GTK_WIDGET (self))),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  }
}

static void
update_content (XgMessageRow *self)
{
  XgMessage *message = self->message;
  XgMessageKind kind = message ? xg_message_get_kind (message) : XG_MESSAGE_KIND_TEXT;
  GdkTexture *texture = NULL;
  gboolean outgoing = message != NULL && xg_message_get_outgoing (message);

  gtk_widget_set_halign (self->bubble, outgoing ? GTK_ALIGN_END : GTK_ALIGN_START);
  if (outgoing)
    gtk_widget_add_css_class (self->bubble, "outgoing");
  else
    gtk_widget_remove_css_class (self->bubble, "outgoing");

  if (message != NULL && kind == XG_MESSAGE_KIND_IMAGE)
    texture = message_texture (message);
  gtk_widget_set_visible (GTK_WIDGET (self->text_label), message != NULL && kind == XG_MESSAGE_KIND_TEXT);
  gtk_label_set_text (self->text_label, message && kind == XG_MESSAGE_KIND_TEXT && xg_message_get_text (message)
                                        ? xg_message_get_text (message) : "");
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (self->picture), texture != NULL);
  if (texture != NULL)
    {
      int width = gdk_texture_get_width (texture);
      int height = gdk_texture_get_height (texture);
      double scale = MIN (1.0, MIN ((double) XG_MESSAGE_ROW_IMAGE_MAX / MAX (width, 1),
                                    (double) XG_MESSAGE_ROW_IMAGE_MAX / MAX (height, 1)));

      gtk_widget_set_size_request (GTK_WIDGET (self->picture),
                                   MAX (1, (int) (width * scale)), MAX (1, (int) (height * scale)));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, _("Image"), -1);
    }
  /* A file, or an image that is no picture: a row to save it. */
  if (message != NULL && (kind == XG_MESSAGE_KIND_FILE || (kind == XG_MESSAGE_KIND_IMAGE && texture == NULL)))
    {
      GBytes *data = xg_message_get_data (message);
      g_autofree char *size = g_format_size (data ? g_bytes_get_size (data) : 0);
      const char *name = xg_message_get_file_name (message);
      g_autofree char *save_label = NULL;

      if (name == NULL || name[0] == '\0')
        name = kind == XG_MESSAGE_KIND_IMAGE ? _("Image") : _("File");
      gtk_label_set_text (self->file_name_label, name);
      gtk_label_set_text (self->file_size_label, size);
      /* Translators: the accessible name of the Save button of a file message */
      save_label = g_strdup_printf (_("Save “%s”"), name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->save_button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, save_label, -1);
      gtk_widget_set_visible (self->file_box, TRUE);
    }
  else
    gtk_widget_set_visible (self->file_box, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->unsupported_label), message != NULL && kind == XG_MESSAGE_KIND_UNSUPPORTED);
  update_state (self);
}

XgMessage *
xg_message_row_get_message (XgMessageRow *self)
{
  g_return_val_if_fail (XG_IS_MESSAGE_ROW (self), NULL);
  return self->message;
}

gboolean
xg_message_row_shows_picture (XgMessageRow *self)
{
  g_return_val_if_fail (XG_IS_MESSAGE_ROW (self), FALSE);
  return gtk_widget_get_visible (GTK_WIDGET (self->picture))
         && gtk_picture_get_paintable (self->picture) != NULL;
}

void
xg_message_row_set_previous (XgMessageRow *self,
                             XgMessage    *previous)
{
  gboolean show;

  g_return_if_fail (XG_IS_MESSAGE_ROW (self));

  show = self->message != NULL
         && (previous == NULL || !xg_same_day (xg_message_get_time (previous), xg_message_get_time (self->message)));
  if (show)
    {
      g_autofree char *day = xg_format_day (xg_message_get_time (self->message), g_get_real_time ());

      gtk_label_set_text (self->day_label, day);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->day_label), show);
}

void
xg_message_row_set_sender (XgMessageRow *self,
                           const char   *sender,
                           GdkPaintable *avatar,
                           gboolean      show_header)
{
  g_return_if_fail (XG_IS_MESSAGE_ROW (self));

  g_free (self->sender);
  self->sender = g_strdup (sender);
  gtk_widget_set_visible (self->sender_box, sender != NULL && show_header);
  if (sender != NULL)
    {
      gtk_label_set_text (self->sender_label, sender);
      adw_avatar_set_text (self->sender_avatar, sender);
      adw_avatar_set_custom_image (self->sender_avatar, avatar);
      xg_label_avatar (self->sender_avatar, sender);
    }
  update_state (self);
}

gboolean
xg_message_row_shows_sender (XgMessageRow *self)
{
  g_return_val_if_fail (XG_IS_MESSAGE_ROW (self), FALSE);
  return gtk_widget_get_visible (self->sender_box);
}

void
xg_message_row_set_message (XgMessageRow   *self,
                            XgConversation *conversation,
                            XgMessage      *message,
                            XgMessage      *previous)
{
  g_return_if_fail (XG_IS_MESSAGE_ROW (self));

  g_set_object (&self->conversation, conversation);
  if (g_set_object (&self->message, message))
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      g_clear_pointer (&self->save_error, g_free);
      if (self->chooser != NULL)
        gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
      g_signal_group_set_target (self->message_signals, message);
      update_content (self);
    }
  xg_message_row_set_previous (self, previous);
}

/* --- Retry and Save ------------------------------------------------------------ */

static void
on_retry_clicked (XgMessageRow *self)
{
  if (self->conversation != NULL && self->message != NULL
      && xg_message_get_state (self->message) == XG_MESSAGE_FAILED)
    xg_conversation_retry (self->conversation, self->message);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(XgMessageRow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_free (self->save_error);
      /* Translators: %s says why a file could not be saved */
      self->save_error = g_strdup_printf (_("Could not save the file: %s"), error->message);
      update_state (self);
    }
}

static void
on_chooser_response (XgMessageRow *self,
                     int           response,
                     GtkNativeDialog *chooser)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT && self->message != NULL
      && (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))) != NULL)
    {
      GBytes *data = xg_message_get_data (self->message);

      g_clear_pointer (&self->save_error, g_free);
      update_state (self);
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
      g_file_replace_contents_bytes_async (file, data, NULL, FALSE, G_FILE_CREATE_NONE,
                                           self->cancellable, on_saved, g_object_ref (self));
    }
  gtk_native_dialog_destroy (chooser);
  if (self->chooser == GTK_FILE_CHOOSER_NATIVE (chooser))
    g_clear_object (&self->chooser);
}

static void
on_save_clicked (XgMessageRow *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  const char *name;

  if (self->message == NULL || self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Save File"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE,
                                               _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  name = xg_message_get_file_name (self->message);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser),
                                     name != NULL && name[0] != '\0' ? name : _("Image"));
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (on_chooser_response), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* --- GObject ----------------------------------------------------------------------- */

static void
xg_message_row_dispose (GObject *object)
{
  XgMessageRow *self = XG_MESSAGE_ROW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->message_signals != NULL)
    g_signal_group_set_target (self->message_signals, NULL);
  g_clear_object (&self->message_signals);
  g_clear_object (&self->message);
  g_clear_object (&self->conversation);
  g_clear_pointer (&self->save_error, g_free);
  g_clear_pointer (&self->sender, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_MESSAGE_ROW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (xg_message_row_parent_class)->dispose (object);
}

static void
xg_message_row_class_init (XgMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xg_message_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, day_label);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, sender_box);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, sender_avatar);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, picture);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, file_box);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, file_name_label);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, file_size_label);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, save_button);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, unsupported_label);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, state_icon);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, failure_box);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, failure_label);
  gtk_widget_class_bind_template_child (widget_class, XgMessageRow, retry_button);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "xgmessagerow");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
xg_message_row_init (XgMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);

  self->message_signals = g_signal_group_new (XG_TYPE_MESSAGE);
  g_signal_group_connect_swapped (self->message_signals, "notify::state",
                                  G_CALLBACK (update_state), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::failure",
                                  G_CALLBACK (update_state), self);
  g_signal_group_connect_swapped (self->message_signals, "notify::time",
                                  G_CALLBACK (update_state), self);
}

GtkWidget *
xg_message_row_new (void)
{
  return g_object_new (XG_TYPE_MESSAGE_ROW, NULL);
}
