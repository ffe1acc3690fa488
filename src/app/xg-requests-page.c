/* xg-requests-page.c: the friend requests, in the main window's content pane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two boxed lists over the session's XgFriendRequests, each through a
 * GtkFilterListModel: the requests waiting for this account's answer, with
 * Accept and Decline, and the ones it sent, waiting for someone else's.
 * Declining asks for an optional reason in an AdwMessageDialog. Answers
 * that fail say why above the lists, a server that does not answer in
 * time too (the session bounds every call, XgSession:request-timeout).
 * What went well shows as a toast in the window's AdwToastOverlay.
 *
 * The page, not the row, knows which requests wait for an answer: a list
 * box rebuilds a row whenever the model says its item changed, and the
 * new row must wait too. When the requests model is replaced (another
 * account) or the page goes, the answers in flight are given up: their
 * results, whenever they come, are not this page's to show.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-proto-limits.h"
#include "xg-request-row.h"
#include "xg-requests-page.h"

struct _XgRequestsPage
{
  AdwBin               parent_instance;

  /* Template children */
  GtkStack            *stack;
  AdwPreferencesGroup *incoming_group;
  GtkListBox          *incoming_list;
  AdwPreferencesGroup *error_group;
  GtkLabel            *error_label;
  AdwPreferencesGroup *outgoing_group;
  GtkListBox          *outgoing_list;

  XgSession           *session;
  GtkFilterListModel  *incoming;
  GtkFilterListModel  *outgoing;
  GCancellable        *cancellable;      /* every answer in flight */
  GHashTable          *answers;          /* XgFriendRequest → the Answer the page waits for */
  guint                clock_id;
  gboolean             disposed;
};

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (XgRequestsPage, xg_requests_page, ADW_TYPE_BIN)

XgSession *
xg_requests_page_get_session (XgRequestsPage *self)
{
  g_return_val_if_fail (XG_IS_REQUESTS_PAGE (self), NULL);
  return self->session;
}

static void
show_error (XgRequestsPage *self,
            const char     *text)
{
  xg_set_inline_message (self->error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->error_group), text != NULL && text[0] != '\0');
}

static void
add_toast (XgRequestsPage *self,
           const char     *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  g_autofree char *markup = g_markup_escape_text (text, -1);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (markup));
}

static XgRequestRow *
row_of (XgRequestsPage  *self,
        XgFriendRequest *request)
{
  GtkListBox *list = xg_friend_request_get_outgoing (request) ? self->outgoing_list : self->incoming_list;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (XG_IS_REQUEST_ROW (child) && xg_request_row_get_request (XG_REQUEST_ROW (child)) == request)
      return XG_REQUEST_ROW (child);
  return NULL;
}

static void
update_visibility (XgRequestsPage *self)
{
  guint n_incoming = g_list_model_get_n_items (G_LIST_MODEL (self->incoming));
  guint n_outgoing = g_list_model_get_n_items (G_LIST_MODEL (self->outgoing));

  gtk_widget_set_visible (GTK_WIDGET (self->incoming_group), n_incoming > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->outgoing_group), n_outgoing > 0);
  gtk_stack_set_visible_child_name (self->stack, n_incoming + n_outgoing > 0 ? "list" : "empty");
}

/* --- Answers that give up -------------------------------------------------------- */

/* One Accept or Decline in flight. It holds the page until its call
 * completes; the page holds it in `answers` while it waits for it. */
typedef struct {
  XgRequestsPage  *page;
  XgFriendRequest *request;
  char            *nickname;
} Answer;

static gboolean
waits_for (Answer *answer)
{
  XgRequestsPage *self = answer->page;

  return self->answers != NULL && g_hash_table_lookup (self->answers, answer->request) == answer;
}

/* The page stops waiting for @answer: its row's buttons come back. */
static void
answer_end (Answer *answer)
{
  XgRequestRow *row;

  if (!waits_for (answer))
    return;
  g_hash_table_remove (answer->page->answers, answer->request);
  if (!answer->page->disposed && (row = row_of (answer->page, answer->request)) != NULL)
    xg_request_row_set_busy (row, FALSE);
}

static void
answer_free (Answer *answer)
{
  answer_end (answer);
  g_clear_object (&answer->page);
  g_clear_object (&answer->request);
  g_free (answer->nickname);
  g_free (answer);
}

static Answer *
answer_new (XgRequestsPage  *self,
            XgFriendRequest *request)
{
  Answer *answer = g_new0 (Answer, 1);
  XgRequestRow *row = row_of (self, request);

  answer->page = g_object_ref (self);
  answer->request = g_object_ref (request);
  answer->nickname = g_strdup (xg_friend_request_get_nickname (request));
  g_hash_table_insert (self->answers, answer->request, answer);
  if (row != NULL)
    xg_request_row_set_busy (row, TRUE);
  show_error (self, NULL);
  return answer;
}

/* Every answer in flight is given up: its call completes cancelled. The
 * page waits for none of them now. */
static void
give_up_answers (XgRequestsPage *self)
{
  GHashTableIter iter;
  Answer *answer;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_hash_table_iter_init (&iter, self->answers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &answer))
    g_hash_table_iter_remove (&iter);
  if (!self->disposed)
    self->cancellable = g_cancellable_new ();
}

/* Whether @error is worth showing; reports it if so. */
static gboolean
answer_failed (Answer *answer,
               GError *error)
{
  XgRequestsPage *self = answer->page;
  g_autofree char *text = NULL;

  if (error == NULL)
    return FALSE;
  if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
    /* The request has left the model by now. */
    text = g_strdup_printf (_("The request from %s is no longer waiting: it was answered on another device, or it expired."),
                            answer->nickname);
  else
    text = xg_session_error_text (error, 0, xg_session_get_server (self->session));
  show_error (self, text);
  return TRUE;
}

static void
on_accepted (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Answer *answer = user_data;
  g_autoptr(GError) error = NULL;

  xg_friend_requests_accept_finish (XG_FRIEND_REQUESTS (source), result, &error);
  if (waits_for (answer) && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      answer_end (answer);
      if (!answer_failed (answer, error))
        {
          g_autofree char *text = g_strdup_printf (_("You and %s are now friends"), answer->nickname);
          add_toast (answer->page, text);
        }
    }
  answer_free (answer);
}

static void
on_declined (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Answer *answer = user_data;
  g_autoptr(GError) error = NULL;

  xg_friend_requests_decline_finish (XG_FRIEND_REQUESTS (source), result, &error);
  if (waits_for (answer) && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      answer_end (answer);
      if (!answer_failed (answer, error))
        {
          g_autofree char *text = g_strdup_printf (_("You declined the request from %s"), answer->nickname);
          add_toast (answer->page, text);
        }
    }
  answer_free (answer);
}

/* The requests model, or NULL with the page saying why not. */
static XgFriendRequests *
requests_for_answer (XgRequestsPage *self)
{
  XgFriendRequests *requests = xg_session_get_friend_requests (self->session);

  if (requests == NULL || !xg_session_is_online (self->session))
    {
      show_error (self, xg_offline_text ());
      return NULL;
    }
  return requests;
}

static void
on_row_accept (XgRequestsPage *self,
               XgRequestRow   *row)
{
  XgFriendRequest *request = xg_request_row_get_request (row);
  XgFriendRequests *requests;

  if (g_hash_table_contains (self->answers, request))
    return;
  requests = requests_for_answer (self);
  if (requests == NULL)
    return;
  xg_friend_requests_accept_async (requests, request, self->cancellable,
                                   on_accepted, answer_new (self, request));
}

/* --- Declining ------------------------------------------------------------------------ */

typedef struct {
  XgFriendRequest *request;
  AdwEntryRow     *reason_row;
  GtkLabel        *count_label;
  GtkLabel        *error_label;
} DeclineDialog;

static void
decline_dialog_free (DeclineDialog *data)
{
  g_clear_object (&data->request);
  g_free (data);
}

static void
on_reason_changed (AdwMessageDialog *dialog)
{
  DeclineDialog *data = g_object_get_data (G_OBJECT (dialog), "xg-decline");
  g_autofree char *reason = xg_editable_dup_stripped (GTK_EDITABLE (data->reason_row));
  g_autofree char *count = xg_char_count_text (reason, XG_PROTO_MAX_REASON_CHARS);
  gboolean valid = xg_proto_reason_is_valid (reason);

  gtk_label_set_text (data->count_label, count);
  if (valid)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (data->count_label), "error");
      xg_set_inline_message (data->error_label, NULL);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "A reason can have at most %u character, on one line.",
                                                            "A reason can have at most %u characters, on one line.",
                                                            XG_PROTO_MAX_REASON_CHARS),
                                               XG_PROTO_MAX_REASON_CHARS);
      gtk_widget_add_css_class (GTK_WIDGET (data->count_label), "error");
      xg_set_inline_message (data->error_label, text);
    }
  adw_message_dialog_set_response_enabled (dialog, "decline", valid);
}

static void
on_reason_activated (AdwMessageDialog *dialog)
{
  /* Enter declines, as the button would (which also closes the dialog). */
  if (adw_message_dialog_get_response_enabled (dialog, "decline"))
    {
      adw_message_dialog_response (dialog, "decline");
      gtk_window_close (GTK_WINDOW (dialog));
    }
}

static void
on_decline_response (AdwMessageDialog *dialog,
                     const char       *response,
                     XgRequestsPage   *self)
{
  DeclineDialog *data = g_object_get_data (G_OBJECT (dialog), "xg-decline");
  g_autofree char *reason = NULL;
  XgFriendRequests *requests;

  if (!g_str_equal (response, "decline") || self->disposed
      || g_hash_table_contains (self->answers, data->request))
    return;
  reason = xg_editable_dup_stripped (GTK_EDITABLE (data->reason_row));
  if (!xg_proto_reason_is_valid (reason))
    return;
  requests = requests_for_answer (self);
  if (requests == NULL)
    return;
  xg_friend_requests_decline_async (requests, data->request, reason, self->cancellable,
                                    on_declined, answer_new (self, data->request));
}

static void
on_row_decline (XgRequestsPage *self,
                XgRequestRow   *row)
{
  XgFriendRequest *request = xg_request_row_get_request (row);
  const char *nickname = xg_friend_request_get_nickname (request);
  GtkWidget *dialog, *box, *list, *count, *error;
  AdwEntryRow *reason_row;
  DeclineDialog *data;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), NULL, NULL);
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Decline %s’s Request?"), nickname);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("%s will see that you declined, and your reason if you give one. They can ask again later."),
                                  nickname);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reason"), -1);
  reason_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (reason_row), _("Reason (optional)"));
  count = gtk_label_new (NULL);
  gtk_widget_set_valign (count, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "numeric");
  gtk_widget_add_css_class (count, "caption");
  adw_entry_row_add_suffix (reason_row, count);
  gtk_list_box_append (GTK_LIST_BOX (list), GTK_WIDGET (reason_row));
  gtk_box_append (GTK_BOX (box), list);
  error = gtk_label_new (NULL);
  gtk_widget_set_visible (error, FALSE);
  gtk_label_set_wrap (GTK_LABEL (error), TRUE);
  gtk_label_set_xalign (GTK_LABEL (error), 0);
  gtk_widget_add_css_class (error, "error");
  gtk_widget_add_css_class (error, "xg-inline-error");
  gtk_box_append (GTK_BOX (box), error);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "decline", _("_Decline"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "decline", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_widget_add_css_class (dialog, "xg-decline-dialog");
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);

  data = g_new0 (DeclineDialog, 1);
  data->request = g_object_ref (request);
  data->reason_row = reason_row;
  data->count_label = GTK_LABEL (count);
  data->error_label = GTK_LABEL (error);
  g_object_set_data_full (G_OBJECT (dialog), "xg-decline", data, (GDestroyNotify) decline_dialog_free);
  g_signal_connect_swapped (reason_row, "changed", G_CALLBACK (on_reason_changed), dialog);
  g_signal_connect_swapped (reason_row, "entry-activated", G_CALLBACK (on_reason_activated), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_decline_response), self, 0);
  xg_label_entry_row (reason_row);
  on_reason_changed (ADW_MESSAGE_DIALOG (dialog));

  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (GTK_WIDGET (reason_row));
}

/* --- The lists ---------------------------------------------------------------------- */

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  XgRequestsPage *self = user_data;
  GtkWidget *row = xg_request_row_new (XG_FRIEND_REQUEST (item));

  /* A row made again (the model said its request changed) while the
   * request's answer is in flight waits as the old one did. */
  if (g_hash_table_contains (self->answers, item))
    xg_request_row_set_busy (XG_REQUEST_ROW (row), TRUE);
  g_signal_connect_object (row, "accept", G_CALLBACK (on_row_accept), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "decline", G_CALLBACK (on_row_decline), self, G_CONNECT_SWAPPED);
  return row;
}

static gboolean
is_incoming (gpointer item,
             gpointer user_data)
{
  return !xg_friend_request_get_outgoing (XG_FRIEND_REQUEST (item));
}

static gboolean
is_outgoing (gpointer item,
             gpointer user_data)
{
  return xg_friend_request_get_outgoing (XG_FRIEND_REQUEST (item));
}

static void
on_requests_changed (XgRequestsPage *self)
{
  GListModel *requests = G_LIST_MODEL (xg_session_get_friend_requests (self->session));

  /* Another account's requests (or none): what the last one asked is
   * not for them to hear. */
  give_up_answers (self);
  gtk_filter_list_model_set_model (self->incoming, requests);
  gtk_filter_list_model_set_model (self->outgoing, requests);
  show_error (self, NULL);
  update_visibility (self);
}

static void
update_times (GtkListBox *list)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (XG_IS_REQUEST_ROW (child))
      xg_request_row_update_time (XG_REQUEST_ROW (child));
}

static gboolean
on_clock (gpointer user_data)
{
  XgRequestsPage *self = user_data;

  update_times (self->incoming_list);
  update_times (self->outgoing_list);
  return G_SOURCE_CONTINUE;
}

/* --- GObject ------------------------------------------------------------------------- */

static void
xg_requests_page_map (GtkWidget *widget)
{
  XgRequestsPage *self = XG_REQUESTS_PAGE (widget);

  GTK_WIDGET_CLASS (xg_requests_page_parent_class)->map (widget);
  on_clock (self);
  if (self->clock_id == 0)
    self->clock_id = g_timeout_add_seconds (30, on_clock, self);
}

static void
xg_requests_page_unmap (GtkWidget *widget)
{
  XgRequestsPage *self = XG_REQUESTS_PAGE (widget);

  g_clear_handle_id (&self->clock_id, g_source_remove);
  GTK_WIDGET_CLASS (xg_requests_page_parent_class)->unmap (widget);
}

static void
xg_requests_page_constructed (GObject *object)
{
  XgRequestsPage *self = XG_REQUESTS_PAGE (object);

  G_OBJECT_CLASS (xg_requests_page_parent_class)->constructed (object);

  g_assert (self->session != NULL);
  g_signal_connect_object (self->session, "notify::friend-requests",
                           G_CALLBACK (on_requests_changed), self, G_CONNECT_SWAPPED);
  on_requests_changed (self);
}

static void
xg_requests_page_dispose (GObject *object)
{
  XgRequestsPage *self = XG_REQUESTS_PAGE (object);

  self->disposed = TRUE;
  give_up_answers (self);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  if (self->incoming_list != NULL)
    gtk_list_box_bind_model (self->incoming_list, NULL, NULL, NULL, NULL);
  if (self->outgoing_list != NULL)
    gtk_list_box_bind_model (self->outgoing_list, NULL, NULL, NULL, NULL);
  /* The stack is both the bin's child and a template child: the bin lets
   * go of it first, or both would unparent it. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_REQUESTS_PAGE);
  g_clear_object (&self->incoming);
  g_clear_object (&self->outgoing);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (xg_requests_page_parent_class)->dispose (object);
}

static void
xg_requests_page_finalize (GObject *object)
{
  XgRequestsPage *self = XG_REQUESTS_PAGE (object);

  g_clear_pointer (&self->answers, g_hash_table_unref);

  G_OBJECT_CLASS (xg_requests_page_parent_class)->finalize (object);
}

static void
xg_requests_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  XgRequestsPage *self = XG_REQUESTS_PAGE (object);

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
xg_requests_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  XgRequestsPage *self = XG_REQUESTS_PAGE (object);

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
xg_requests_page_class_init (XgRequestsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = xg_requests_page_constructed;
  object_class->dispose = xg_requests_page_dispose;
  object_class->finalize = xg_requests_page_finalize;
  object_class->get_property = xg_requests_page_get_property;
  object_class->set_property = xg_requests_page_set_property;
  widget_class->map = xg_requests_page_map;
  widget_class->unmap = xg_requests_page_unmap;

  /**
   * XgRequestsPage:session:
   *
   * The logged-in session whose friend requests the page shows.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         XG_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-requests-page.ui");
  gtk_widget_class_bind_template_child (widget_class, XgRequestsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, XgRequestsPage, incoming_group);
  gtk_widget_class_bind_template_child (widget_class, XgRequestsPage, incoming_list);
  gtk_widget_class_bind_template_child (widget_class, XgRequestsPage, error_group);
  gtk_widget_class_bind_template_child (widget_class, XgRequestsPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, XgRequestsPage, outgoing_group);
  gtk_widget_class_bind_template_child (widget_class, XgRequestsPage, outgoing_list);
}

static void
xg_requests_page_init (XgRequestsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  /* The answers hold the page, so the table outlives every one of them. */
  self->answers = g_hash_table_new (NULL, NULL);
  self->incoming = gtk_filter_list_model_new (NULL, GTK_FILTER (gtk_custom_filter_new (is_incoming, NULL, NULL)));
  self->outgoing = gtk_filter_list_model_new (NULL, GTK_FILTER (gtk_custom_filter_new (is_outgoing, NULL, NULL)));
  g_signal_connect_object (self->incoming, "items-changed", G_CALLBACK (update_visibility), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->outgoing, "items-changed", G_CALLBACK (update_visibility), self, G_CONNECT_SWAPPED);
  gtk_list_box_bind_model (self->incoming_list, G_LIST_MODEL (self->incoming), create_row, self, NULL);
  gtk_list_box_bind_model (self->outgoing_list, G_LIST_MODEL (self->outgoing), create_row, self, NULL);
}

GtkWidget *
xg_requests_page_new (XgSession *session)
{
  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  return g_object_new (XG_TYPE_REQUESTS_PAGE,
                       "session", session,
                       NULL);
}
