/* xg-chat-page.c: a chat with one friend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The conversation's messages (a paged XgChatMessages) in a GtkListView of
 * XgMessageRow, and a composer under them. The view stays at the bottom
 * as messages arrive, unless the user scrolled up; reaching the top loads
 * the page before (and keeps what was on screen where it was). Each row's
 * day heading depends on the message before it, so the rows just after an
 * insertion are told their new neighbour.
 *
 * The composer is a GtkTextView: Enter sends, Shift+Enter starts a new
 * line, the send button is off while there is nothing to send. Files come
 * by the attach button (GtkFileChooserNative), by drag and drop, and by
 * pasting (Ctrl+V of files copied in a file manager, or of a picture on
 * the clipboard, sent as PNG);
 * image/… files that decode go as images, everything else as files. Sizes
 * are checked against the protocol's limits before anything is read or
 * sent, and what cannot go says so under the messages; the composer keeps
 * its text until the core took the message. While the page is on screen
 * in the active window, the conversation is marked read.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-chat-page.h"
#include "xg-message-row.h"
#include "xg-proto-limits.h"

struct _XgChatPage
{
  AdwBin                parent_instance;

  /* Template children */
  GtkSpinner           *older_spinner;
  GtkScrolledWindow    *scroller;
  GtkListView          *message_list;
  GtkLabel             *composer_error;
  GtkButton            *attach_button;
  GtkTextView          *composer;
  GtkButton            *send_button;

  XgSession            *session;
  XgConversation       *conversation;
  XgChatMessages       *messages;
  GtkNoSelection       *selection;
  XgGroupMembers       *members;          /* a group's, held while shown: the senders' names */
  GSignalGroup         *messages_signals;
  GSignalGroup         *conversation_signals;
  GHashTable           *rows;            /* XgMessage → XgMessageRow bound to it (both unowned) */
  GCancellable         *cancellable;     /* loads and reads for this conversation */
  GtkFileChooserNative *chooser;

  gboolean              stick_to_bottom;
  gboolean              keep_from_bottom; /* older messages came: keep the view where it was */
  double                from_bottom;
  gulong                active_handler;
  GtkWindow            *window;           /* the root that active_handler is on */
  guint                 spinner_idle;
};

G_DEFINE_FINAL_TYPE (XgChatPage, xg_chat_page, ADW_TYPE_BIN)

XgConversation *
xg_chat_page_get_conversation (XgChatPage *self)
{
  g_return_val_if_fail (XG_IS_CHAT_PAGE (self), NULL);
  return self->conversation;
}

static void
show_error (XgChatPage *self,
            const char *text)
{
  xg_set_inline_message (self->composer_error, text);
}

/* --- Read ------------------------------------------------------------------------- */

static void
mark_read_if_seen (XgChatPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->conversation != NULL && gtk_widget_get_mapped (GTK_WIDGET (self))
      && GTK_IS_WINDOW (root) && gtk_window_is_active (GTK_WINDOW (root))
      && xg_conversation_get_unread (self->conversation) > 0)
    xg_conversation_mark_read (self->conversation);
}

/* --- Scrolling -------------------------------------------------------------------- */

static GtkAdjustment *
vadjustment (XgChatPage *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static void
scroll_to_bottom (XgChatPage *self)
{
  GtkAdjustment *adj = vadjustment (self);

  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
}

static void
on_loaded_older (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(XgChatPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!xg_chat_messages_load_older_finish (XG_CHAT_MESSAGES (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = xg_session_error_text (error, 0, NULL);

      g_debug ("Loading older messages failed: %s", error->message);
      if (XG_CHAT_MESSAGES (source) == self->messages)
        show_error (self, text);
    }
}

static void
load_older (XgChatPage *self)
{
  if (self->messages == NULL || xg_chat_messages_get_loading (self->messages)
      || !xg_chat_messages_get_has_older (self->messages))
    return;
  xg_chat_messages_load_older_async (self->messages, self->cancellable, on_loaded_older, g_object_ref (self));
}

static void
on_edge_reached (XgChatPage      *self,
                 GtkPositionType  position)
{
  if (position == GTK_POS_TOP)
    load_older (self);
}

static void
on_value_changed (XgChatPage    *self,
                  GtkAdjustment *adj)
{
  double bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);

  self->stick_to_bottom = gtk_adjustment_get_value (adj) >= bottom - 8;
  /* Near the top (not only at it: a short first page never scrolls). */
  if (gtk_adjustment_get_value (adj) < 48 && gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj))
    load_older (self);
}

static void
on_upper_changed (XgChatPage    *self,
                  GParamSpec    *pspec,
                  GtkAdjustment *adj)
{
  if (self->stick_to_bottom)
    scroll_to_bottom (self);
  else if (self->keep_from_bottom)
    {
      self->keep_from_bottom = FALSE;
      gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - self->from_bottom);
    }
}

/* --- The messages ------------------------------------------------------------------- */

static XgMessage *
message_at (XgChatPage *self,
            guint       position)
{
  if (self->messages == NULL || position >= g_list_model_get_n_items (G_LIST_MODEL (self->messages)))
    return NULL;
  return g_list_model_get_item (G_LIST_MODEL (self->messages), position);
}

/* A group's messages from others carry their sender; the name and avatar
 * show above the first of a run of one sender's messages (a new day
 * starts a new run). */
static void
show_sender (XgChatPage   *self,
             XgMessageRow *row,
             XgMessage    *message,
             XgMessage    *previous)
{
  g_autofree char *name = NULL;
  XgContacts *contacts;
  XgContact *contact;
  gboolean header;
  guint64 sender;

  if (self->conversation == NULL || xg_conversation_get_kind (self->conversation) != XG_CONVERSATION_GROUP ||
      message == NULL || xg_message_get_outgoing (message))
    {
      xg_message_row_set_sender (row, NULL, NULL, FALSE);
      return;
    }
  sender = xg_message_get_sender_id (message);
  name = xg_group_sender_name (self->session, xg_conversation_get_peer_id (self->conversation), sender);
  contacts = xg_session_get_contacts (self->session);
  contact = contacts != NULL ? xg_contacts_lookup (contacts, sender) : NULL;
  header = previous == NULL || xg_message_get_sender_id (previous) != sender ||
           !xg_same_day (xg_message_get_time (previous), xg_message_get_time (message));
  xg_message_row_set_sender (row, name,
                             contact != NULL ? xg_profile_get_avatar_paintable (xg_contact_get_profile (contact)) : NULL,
                             header);
}

/* The group's members came (or changed): every row shown names its sender again. */
static void
refresh_senders (XgChatPage *self)
{
  GHashTableIter iter;
  gpointer message, row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &message, &row))
    {
      guint position = GTK_INVALID_LIST_POSITION;
      g_autoptr(XgMessage) previous = NULL;
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(XgMessage) item = g_list_model_get_item (G_LIST_MODEL (self->messages), i);

          if (item == message)
            {
              position = i;
              break;
            }
        }
      if (position == GTK_INVALID_LIST_POSITION)
        continue;
      previous = position > 0 ? message_at (self, position - 1) : NULL;
      show_sender (self, row, message, previous);
    }
}

static void
on_messages_changed (XgChatPage *self,
                     guint       position,
                     guint       removed,
                     guint       added)
{
  GtkAdjustment *adj = vadjustment (self);
  g_autoptr(XgMessage) after = message_at (self, position + added);

  /* The row after the change has another message before it now. */
  if (after != NULL)
    {
      XgMessageRow *row = g_hash_table_lookup (self->rows, after);

      if (row != NULL)
        {
          g_autoptr(XgMessage) previous = position + added > 0 ? message_at (self, position + added - 1) : NULL;

          xg_message_row_set_previous (row, previous);
          show_sender (self, row, after, previous);
        }
    }
  if (position == 0 && added > 0 && after != NULL && !self->stick_to_bottom)
    {
      self->keep_from_bottom = TRUE;
      self->from_bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_value (adj);
    }
  mark_read_if_seen (self);
}

static gboolean
show_loading (gpointer user_data)
{
  XgChatPage *self = user_data;
  gboolean loading = self->messages != NULL && xg_chat_messages_get_loading (self->messages);

  self->spinner_idle = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->older_spinner), loading);
  gtk_spinner_set_spinning (self->older_spinner, loading);
  return G_SOURCE_REMOVE;
}

/* Loading starts when the view reaches its top, which can be in the
 * middle of a frame (edge-reached comes from the list's allocation): the
 * spinner shows or hides between frames, or GTK would be asked to draw
 * it before it has a size. */
static void
on_loading_changed (XgChatPage *self)
{
  if (self->spinner_idle == 0)
    self->spinner_idle = g_idle_add (show_loading, self);
}

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_child (item, xg_message_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          XgChatPage               *self)
{
  XgMessageRow *row = XG_MESSAGE_ROW (gtk_list_item_get_child (item));
  XgMessage *message = gtk_list_item_get_item (item);
  guint position = gtk_list_item_get_position (item);
  g_autoptr(XgMessage) previous = position > 0 ? message_at (self, position - 1) : NULL;

  xg_message_row_set_message (row, self->conversation, message, previous);
  show_sender (self, row, message, previous);
  g_hash_table_insert (self->rows, message, row);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            XgChatPage               *self)
{
  XgMessageRow *row = XG_MESSAGE_ROW (gtk_list_item_get_child (item));
  XgMessage *message = xg_message_row_get_message (row);

  if (message != NULL && g_hash_table_lookup (self->rows, message) == row)
    g_hash_table_remove (self->rows, message);
  xg_message_row_set_message (row, NULL, NULL, NULL);
}

void
xg_chat_page_set_conversation (XgChatPage     *self,
                               XgConversation *conversation)
{
  g_return_if_fail (XG_IS_CHAT_PAGE (self));
  g_return_if_fail (conversation == NULL || XG_IS_CONVERSATION (conversation));

  if (self->conversation == conversation)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  show_error (self, NULL);

  g_set_object (&self->conversation, conversation);
  g_signal_group_set_target (self->conversation_signals, conversation);
  if (self->members != NULL)
    g_signal_handlers_disconnect_by_data (self->members, self);
  g_clear_object (&self->members);
  if (conversation != NULL && xg_conversation_get_kind (conversation) == XG_CONVERSATION_GROUP &&
      xg_session_get_groups (self->session) != NULL)
    {
      self->members = xg_groups_get_members (xg_session_get_groups (self->session),
                                             xg_conversation_get_peer_id (conversation));
      g_signal_connect_object (self->members, "items-changed", G_CALLBACK (refresh_senders), self,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
    }
  g_clear_object (&self->messages);
  if (conversation != NULL)
    self->messages = xg_conversation_get_messages (conversation);
  g_signal_group_set_target (self->messages_signals, self->messages);
  g_hash_table_remove_all (self->rows);
  gtk_no_selection_set_model (self->selection, G_LIST_MODEL (self->messages));
  self->stick_to_bottom = TRUE;
  self->keep_from_bottom = FALSE;
  scroll_to_bottom (self);
  on_loading_changed (self);
  /* A draft belongs to the chat it was written in. */
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->composer), "", -1);
  /* A group one is no longer in is kept, read-only. */
  {
    XgGroup *group = conversation != NULL && xg_conversation_get_kind (conversation) == XG_CONVERSATION_GROUP
                     ? xg_session_lookup_group (self->session, xg_conversation_get_peer_id (conversation)) : NULL;
    gboolean read_only = group != NULL && xg_group_get_gone (group);

    gtk_widget_set_sensitive (GTK_WIDGET (self->composer), !read_only);
    gtk_widget_set_sensitive (GTK_WIDGET (self->attach_button), !read_only);
    if (read_only)
      show_error (self, _("You are no longer a member of this group: its messages are here to read."));
  }
  mark_read_if_seen (self);
}

/* --- Sending ------------------------------------------------------------------------ */

static char *
composer_text (XgChatPage *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->composer);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
text_is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

static void
update_send_button (XgChatPage *self)
{
  g_autofree char *text = composer_text (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button),
                            self->conversation != NULL && !text_is_blank (text));
}

/* What the core said no to, in words. */
static void
show_send_error (XgChatPage   *self,
                 const GError *error)
{
  if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
    show_error (self, xg_message_failure_text (XG_SESSION_ERROR_INVALID_INPUT));
  else
    {
      g_autofree char *text = xg_session_error_text (error, 0, NULL);

      show_error (self, text);
    }
}

static void
sent (XgChatPage *self)
{
  show_error (self, NULL);
  self->stick_to_bottom = TRUE;
  scroll_to_bottom (self);
}

static void
send_text (XgChatPage *self)
{
  g_autofree char *text = composer_text (self);
  g_autoptr(XgMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *max = NULL;

  if (self->conversation == NULL || text_is_blank (text))
    return;
  if (strlen (text) > XG_PROTO_MAX_TEXT_BYTES)
    {
      g_autofree char *error_text = NULL;

      max = g_format_size (XG_PROTO_MAX_TEXT_BYTES);
      /* Translators: %s is a size such as "65.5 kB" */
      error_text = g_strdup_printf (_("This message is too long to send: at most %s of text"), max);
      show_error (self, error_text);
      return;
    }
  message = xg_conversation_send_text (self->conversation, text, &error);
  if (message == NULL)
    {
      show_send_error (self, error);
      return;
    }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->composer), "", -1);
  sent (self);
}

static void
on_send_clicked (XgChatPage *self)
{
  send_text (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

static gboolean
on_composer_key (XgChatPage            *self,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 GtkEventControllerKey *controller)
{
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (controller));

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  /* An input method that is composing takes its Enter (it commits). */
  if (event != NULL && gtk_text_view_im_context_filter_keypress (self->composer, event))
    return TRUE;
  /* Shift+Enter (and Ctrl+Enter): a new line, as the text view does. */
  if (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;
  send_text (self);
  return TRUE;
}

static void
send_image_bytes (XgChatPage *self,
                  const char *mime_type,
                  GBytes     *bytes)
{
  g_autoptr(XgMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  message = xg_conversation_send_image (self->conversation, mime_type, bytes, &error);
  if (message == NULL)
    show_send_error (self, error);
  else
    sent (self);
}

static char *
too_large_text (const char *name)
{
  g_autofree char *max = g_format_size (XG_PROTO_MAX_PAYLOAD_BYTES);

  if (name == NULL)
    /* Translators: %s is a size such as "8.4 MB" */
    return g_strdup_printf (_("This image is too large to send: at most %s"), max);
  /* Translators: the first %s is a file's name, the second a size such as "8.4 MB" */
  return g_strdup_printf (_("“%s” is too large to send: at most %s"), name, max);
}

/* A file being sent: its name and type come first, then its bytes. */
typedef struct {
  XgChatPage     *self;
  XgConversation *conversation;   /* the chat it was meant for */
  char           *name;
  char           *mime_type;
} SendFile;

static void
send_file_free (SendFile *send)
{
  g_object_unref (send->self);
  g_object_unref (send->conversation);
  g_free (send->name);
  g_free (send->mime_type);
  g_free (send);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendFile, send_file_free)

static void
on_file_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SendFile) send = user_data;
  XgChatPage *self = send->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(XgMessage) message = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Translators: the first %s is a file's name, the second says why it could not be read */
          g_autofree char *text = g_strdup_printf (_("Could not read “%s”: %s"), send->name, error->message);

          show_error (self, text);
        }
      return;
    }
  bytes = g_bytes_new_take (contents, length);
  if (length > XG_PROTO_MAX_PAYLOAD_BYTES)
    {
      g_autofree char *text = too_large_text (send->name);

      show_error (self, text);
      return;
    }

  /* An image/… file that is a picture goes as an image. */
  if (g_str_has_prefix (send->mime_type, "image/"))
    {
      g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (bytes, NULL);

      if (texture != NULL)
        {
          message = xg_conversation_send_image (send->conversation, send->mime_type, bytes, &error);
          goto done;
        }
    }
  message = xg_conversation_send_file (send->conversation, send->name, send->mime_type, bytes, &error);

done:
  if (send->conversation != self->conversation)
    return;
  if (message == NULL)
    show_send_error (self, error);
  else
    sent (self);
}

static void
on_file_info (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SendFile) send = user_data;
  XgChatPage *self = send->self;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  const char *content_type;

  info = g_file_query_info_finish (G_FILE (source), result, &error);
  if (info == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *name = g_file_get_basename (G_FILE (source));
          g_autofree char *text = g_strdup_printf (_("Could not read “%s”: %s"), name, error->message);

          show_error (self, text);
        }
      return;
    }
  send->name = g_strdup (g_file_info_get_display_name (info));
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      /* Translators: %s is the name of a folder or other thing that is no file */
      g_autofree char *text = g_strdup_printf (_("“%s” is not a file: only files can be sent"), send->name);

      show_error (self, text);
      return;
    }
  if (g_file_info_get_size (info) > XG_PROTO_MAX_PAYLOAD_BYTES)
    {
      g_autofree char *text = too_large_text (send->name);

      show_error (self, text);
      return;
    }
  /* File names longer than the protocol takes are cut (at a character). */
  if (strlen (send->name) > XG_PROTO_MAX_FILE_NAME_BYTES)
    {
      const char *end;

      g_utf8_validate (send->name, XG_PROTO_MAX_FILE_NAME_BYTES, &end);
      send->name[end - send->name] = '\0';
    }
  content_type = g_file_info_get_content_type (info);
  send->mime_type = content_type ? g_content_type_get_mime_type (content_type) : NULL;
  if (send->mime_type == NULL || strlen (send->mime_type) > XG_PROTO_MAX_MIME_TYPE_BYTES)
    {
      g_free (send->mime_type);
      send->mime_type = g_strdup ("application/octet-stream");
    }
  g_file_load_contents_async (G_FILE (source), self->cancellable, on_file_loaded, g_steal_pointer (&send));
}

void
xg_chat_page_send_file (XgChatPage *self,
                        GFile      *file)
{
  SendFile *send;

  g_return_if_fail (XG_IS_CHAT_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  if (self->conversation == NULL)
    return;
  send = g_new0 (SendFile, 1);
  send->self = g_object_ref (self);
  send->conversation = g_object_ref (self->conversation);
  g_file_query_info_async (file,
                           G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                           G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                           G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                           G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE,
                           G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, self->cancellable,
                           on_file_info, send);
}

static void
on_attach_response (XgChatPage      *self,
                    int              response,
                    GtkNativeDialog *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);

          xg_chat_page_send_file (self, file);
        }
    }
  gtk_native_dialog_destroy (chooser);
  if (self->chooser == GTK_FILE_CHOOSER_NATIVE (chooser))
    g_clear_object (&self->chooser);
}

static void
on_attach_clicked (XgChatPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->conversation == NULL || self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Send a File or Image"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN,
                                               _("_Send"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (on_attach_response), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static gboolean
on_drop (XgChatPage    *self,
         const GValue  *value,
         double         x,
         double         y,
         GtkDropTarget *target)
{
  GSList *files;

  if (self->conversation == NULL || !G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  for (GSList *l = files; l != NULL; l = l->next)
    xg_chat_page_send_file (self, l->data);
  return files != NULL;
}

/* A picture on the clipboard: sent as PNG. */
static void
on_texture_read (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SendFile) send = user_data;
  XgChatPage *self = send->self;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;

  texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && send->conversation == self->conversation)
        {
          /* Translators: %s says why the clipboard could not be read */
          g_autofree char *text = g_strdup_printf (_("Could not paste the image: %s"), error->message);

          show_error (self, text);
        }
      return;
    }
  if (send->conversation != self->conversation)
    return;
  png = gdk_texture_save_to_png_bytes (texture);
  if (g_bytes_get_size (png) > XG_PROTO_MAX_PAYLOAD_BYTES)
    {
      g_autofree char *text = too_large_text (NULL);

      show_error (self, text);
      return;
    }
  send_image_bytes (self, "image/png", png);
}

/* Files on the clipboard: each sent as a drop would send it. */
static void
on_files_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SendFile) send = user_data;
  XgChatPage *self = send->self;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  if (value == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && send->conversation == self->conversation)
        {
          /* Translators: %s says why the clipboard could not be read */
          g_autofree char *text = g_strdup_printf (_("Could not paste the files: %s"), error->message);

          show_error (self, text);
        }
      return;
    }
  if (send->conversation != self->conversation || !G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return;
  for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
    xg_chat_page_send_file (self, l->data);
}

static void
on_paste_clipboard (XgChatPage  *self,
                    GtkTextView *view)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (view));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);
  SendFile *send;

  if (self->conversation == NULL)
    return;
  /* Files copied in a file manager are sent, although they come with
   * their paths as text too. */
  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    {
      g_signal_stop_emission_by_name (view, "paste-clipboard");
      send = g_new0 (SendFile, 1);
      send->self = g_object_ref (self);
      send->conversation = g_object_ref (self->conversation);
      gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, self->cancellable,
                                      on_files_read, send);
      return;
    }
  /* Otherwise text pastes as text; a picture alone is sent. */
  if (!gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE)
      || gdk_content_formats_contain_gtype (formats, G_TYPE_STRING))
    return;
  g_signal_stop_emission_by_name (view, "paste-clipboard");
  send = g_new0 (SendFile, 1);
  send->self = g_object_ref (self);
  send->conversation = g_object_ref (self->conversation);
  gdk_clipboard_read_texture_async (clipboard, self->cancellable, on_texture_read, send);
}

void
xg_chat_page_focus_composer (XgChatPage *self)
{
  g_return_if_fail (XG_IS_CHAT_PAGE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->composer));
}

/* --- GObject ------------------------------------------------------------------------ */

static void
on_active_changed (XgChatPage *self)
{
  mark_read_if_seen (self);
}

static void
on_map (XgChatPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->window != NULL && self->window != (GtkWindow *) root)
    {
      g_clear_signal_handler (&self->active_handler, self->window);
      g_clear_weak_pointer (&self->window);
    }
  if (self->window == NULL && GTK_IS_WINDOW (root))
    {
      g_set_weak_pointer (&self->window, GTK_WINDOW (root));
      self->active_handler = g_signal_connect_object (root, "notify::is-active",
                                                      G_CALLBACK (on_active_changed), self, G_CONNECT_SWAPPED);
    }
  if (self->stick_to_bottom)
    scroll_to_bottom (self);
  mark_read_if_seen (self);
}

static void
xg_chat_page_dispose (GObject *object)
{
  XgChatPage *self = XG_CHAT_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->spinner_idle, g_source_remove);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->window != NULL)
    {
      g_clear_signal_handler (&self->active_handler, self->window);
      g_clear_weak_pointer (&self->window);
    }
  if (self->messages_signals != NULL)
    g_signal_group_set_target (self->messages_signals, NULL);
  if (self->conversation_signals != NULL)
    g_signal_group_set_target (self->conversation_signals, NULL);
  g_clear_object (&self->messages_signals);
  g_clear_object (&self->conversation_signals);
  if (self->message_list != NULL)
    gtk_list_view_set_model (self->message_list, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->messages);
  g_clear_object (&self->conversation);
  if (self->members != NULL)
    g_signal_handlers_disconnect_by_data (self->members, self);
  g_clear_object (&self->members);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_CHAT_PAGE);

  G_OBJECT_CLASS (xg_chat_page_parent_class)->dispose (object);
}

static void
xg_chat_page_class_init (XgChatPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xg_chat_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-chat-page.ui");
  gtk_widget_class_bind_template_child (widget_class, XgChatPage, older_spinner);
  gtk_widget_class_bind_template_child (widget_class, XgChatPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, XgChatPage, message_list);
  gtk_widget_class_bind_template_child (widget_class, XgChatPage, composer_error);
  gtk_widget_class_bind_template_child (widget_class, XgChatPage, attach_button);
  gtk_widget_class_bind_template_child (widget_class, XgChatPage, composer);
  gtk_widget_class_bind_template_child (widget_class, XgChatPage, send_button);
  gtk_widget_class_bind_template_child_full (widget_class, "composer_box", FALSE, 0);
  gtk_widget_class_bind_template_callback (widget_class, on_edge_reached);
  gtk_widget_class_bind_template_callback (widget_class, on_send_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_attach_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_paste_clipboard);
}

static void
xg_chat_page_init (XgChatPage *self)
{
  GtkListItemFactory *factory;
  GtkEventController *keys;
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_hash_table_new (NULL, NULL);
  self->stick_to_bottom = TRUE;

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), self);
  gtk_list_view_set_factory (self->message_list, factory);
  g_object_unref (factory);
  self->selection = gtk_no_selection_new (NULL);
  gtk_list_view_set_model (self->message_list, GTK_SELECTION_MODEL (self->selection));

  self->messages_signals = g_signal_group_new (XG_TYPE_CHAT_MESSAGES);
  /* After the list view (and its rows) followed the change. */
  g_signal_group_connect_data (self->messages_signals, "items-changed",
                               G_CALLBACK (on_messages_changed), self, NULL,
                               G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_group_connect_swapped (self->messages_signals, "notify::loading",
                                  G_CALLBACK (on_loading_changed), self);
  self->conversation_signals = g_signal_group_new (XG_TYPE_CONVERSATION);
  g_signal_group_connect_swapped (self->conversation_signals, "notify::unread",
                                  G_CALLBACK (mark_read_if_seen), self);

  g_signal_connect_object (vadjustment (self), "value-changed",
                           G_CALLBACK (on_value_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (vadjustment (self), "notify::upper",
                           G_CALLBACK (on_upper_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_text_view_get_buffer (self->composer), "changed",
                           G_CALLBACK (update_send_button), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_composer_key), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->composer), keys);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect_object (drop, "drop", G_CALLBACK (on_drop), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

GtkWidget *
xg_chat_page_new (XgSession *session)
{
  XgChatPage *self;

  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  self = g_object_new (XG_TYPE_CHAT_PAGE, NULL);
  self->session = g_object_ref (session);
  return GTK_WIDGET (self);
}
