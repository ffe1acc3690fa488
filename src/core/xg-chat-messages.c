/* xg-chat-messages.c: a conversation's messages, a page at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model holds a window that ends at the newest message and starts at
 * the oldest page read so far. A message that arrives or is sent goes
 * where it sorts if it falls inside the window (a message older than the
 * window is read with the page it belongs to, not now).
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-conversations-private.h"
#include "xg-session.h"

struct _XgChatMessages
{
  GObject         parent_instance;

  XgConversation *conversation;   /* owned */
  GPtrArray      *items;          /* XgMessage, in conversation order */
  guint64         oldest_seq;     /* of the window: older ones are read on demand; 0 before the first page */
  gboolean        loading;
  gboolean        has_older;
  gboolean        first_page_read;
  GQueue          waiting;        /* messages that came while the first page was read */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (XgChatMessages, xg_chat_messages, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_LOADING,
  PROP_HAS_OLDER,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* Messages with a seq in its order, then the outbox in the order written. */
int
xg_message_compare (XgMessage *a,
                    XgMessage *b)
{
  guint64 x = xg_message_get_seq (a), y = xg_message_get_seq (b);

  if (x != 0 && y != 0)
    return x < y ? -1 : x > y;
  if (x != 0 || y != 0)
    return x != 0 ? -1 : 1;
  return xg_message_get_time (a) < xg_message_get_time (b) ? -1 : xg_message_get_time (a) > xg_message_get_time (b);
}

static guint
sorted_position (XgChatMessages *self,
                 XgMessage      *message)
{
  guint lo = 0, hi = self->items->len;

  /* Usually the last place: search from the end first. */
  if (hi == 0 || xg_message_compare (self->items->pdata[hi - 1], message) < 0)
    return hi;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (xg_message_compare (self->items->pdata[mid], message) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Whether @message belongs in what is shown: not older than the oldest
 * message shown, unless fewer than a page are shown (then the first page
 * would have held it, had it been stored before the page was read: a
 * history fetch that lands after the first page). */
static gboolean
in_window (XgChatMessages *self,
           XgMessage      *message)
{
  guint64 seq = xg_message_get_seq (message);

  return seq == 0 || self->oldest_seq == 0 || seq >= self->oldest_seq || self->items->len < XG_CHAT_PAGE;
}

static void
insert_sorted (XgChatMessages *self,
               XgMessage      *message)
{
  guint position;

  if (xg_chat_messages_find (self, xg_message_get_client_msg_id (message)) != NULL &&
      xg_message_get_outgoing (message))
    return;
  position = sorted_position (self, message);
  /* A (conversation, seq) is shown once. */
  if (xg_message_get_seq (message) != 0 && position < self->items->len &&
      xg_message_get_seq (self->items->pdata[position]) == xg_message_get_seq (message))
    return;
  g_ptr_array_insert (self->items, position, g_object_ref (message));
  if (xg_message_get_seq (message) != 0 &&
      (self->oldest_seq == 0 || xg_message_get_seq (message) < self->oldest_seq))
    self->oldest_seq = xg_message_get_seq (message);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
}

void
xg_chat_messages_add (XgChatMessages *self,
                      XgMessage      *message)
{
  g_return_if_fail (XG_IS_CHAT_MESSAGES (self));

  if (!self->first_page_read)
    {
      g_queue_push_tail (&self->waiting, g_object_ref (message));
      return;
    }
  if (in_window (self, message))
    insert_sorted (self, message);
}

XgMessage *
xg_chat_messages_find (XgChatMessages *self,
                       guint64         client_msg_id)
{
  /* Own messages in flight are at the end. */
  for (guint i = self->items->len; i > 0; i--)
    {
      XgMessage *message = self->items->pdata[i - 1];

      if (xg_message_get_outgoing (message) && xg_message_get_client_msg_id (message) == client_msg_id)
        return message;
    }
  return NULL;
}

void
xg_chat_messages_reposition (XgChatMessages *self,
                             XgMessage      *message)
{
  guint position, target;

  if (!g_ptr_array_find (self->items, message, &position))
    return;
  g_ptr_array_steal_index (self->items, position);
  target = sorted_position (self, message);
  g_ptr_array_insert (self->items, target, message);
  if (target != position)
    {
      guint first = MIN (position, target);
      guint count = MAX (position, target) - first + 1;

      g_list_model_items_changed (G_LIST_MODEL (self), first, count, count);
    }
}

void
xg_chat_messages_mark_delivered (XgChatMessages *self,
                                 guint64         peer_received)
{
  for (guint i = self->items->len; i > 0; i--)
    {
      XgMessage *message = self->items->pdata[i - 1];
      guint64 seq = xg_message_get_seq (message);

      if (seq == 0 || !xg_message_get_outgoing (message))
        continue;
      if (seq > peer_received)
        continue;
      if (xg_message_get_state (message) == XG_MESSAGE_DELIVERED)
        break;   /* and every own message before it */
      xg_message_update (message, seq, xg_message_get_time (message), XG_MESSAGE_DELIVERED, 0);
    }
}

/* --- Pages ---------------------------------------------------------------- */

static void
set_loading (XgChatMessages *self,
             gboolean        loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADING]);
}

static void
set_has_older (XgChatMessages *self,
               gboolean        has_older)
{
  if (self->has_older == has_older)
    return;
  self->has_older = has_older;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HAS_OLDER]);
}

/* Puts a page (XgStoredMessage, in order) in front of what is shown;
 * returns how many it added. */
static guint
prepend_page (XgChatMessages *self,
              GPtrArray      *page)
{
  XgConversations *owner = xg_conversation_get_owner (self->conversation);
  guint64 account_id = xg_conversations_get_account_id (owner);
  guint64 peer_received = xg_conversation_get_peer_received (self->conversation);
  g_autoptr(GPtrArray) older = g_ptr_array_new_with_free_func (g_object_unref);
  guint64 shown_from = self->oldest_seq;
  guint added;

  for (guint i = 0; i < page->len; i++)
    {
      XgStoredMessage *stored = page->pdata[i];
      XgMessage *message;

      /* Shown already: it arrived while the page was read, or it is in
       * the outbox, which only the first page brings. */
      if (stored->seq == 0 ? self->first_page_read && self->items->len > 0
                           : shown_from != 0 && stored->seq >= shown_from)
        continue;
      message = xg_message_new_from_stored (stored, account_id);
      if (stored->seq != 0 && xg_message_get_outgoing (message) && stored->seq <= peer_received)
        xg_message_update (message, stored->seq, stored->time, XG_MESSAGE_DELIVERED, 0);
      g_ptr_array_add (older, message);
      if (stored->seq != 0 && (self->oldest_seq == 0 || stored->seq < self->oldest_seq))
        self->oldest_seq = stored->seq;
    }

  added = older->len;
  if (added > 0)
    {
      g_ptr_array_extend_and_steal (older, g_steal_pointer (&self->items));
      self->items = g_steal_pointer (&older);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, added);
    }
  return added;
}

static void
first_page_read (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(XgChatMessages) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = xg_account_db_load_messages_finish (XG_ACCOUNT_DB (source), result, &error);
  XgMessage *message;

  if (page == NULL)
    g_warning ("Reading a conversation: %s", error->message);

  if (page != NULL)
    prepend_page (self, page);
  self->first_page_read = TRUE;
  /* Nothing here yet may still mean history on the server. */
  set_has_older (self, self->oldest_seq != 1);
  while ((message = g_queue_pop_head (&self->waiting)) != NULL)
    {
      if (in_window (self, message))
        insert_sorted (self, message);
      g_object_unref (message);
    }
  set_loading (self, FALSE);
}

XgChatMessages *
xg_chat_messages_new (XgConversation *conversation)
{
  XgChatMessages *self = g_object_new (XG_TYPE_CHAT_MESSAGES, NULL);
  XgConversations *owner = xg_conversation_get_owner (conversation);

  self->conversation = g_object_ref (conversation);
  self->loading = TRUE;
  self->has_older = TRUE;
  xg_account_db_load_messages_async (xg_conversations_get_db (owner), xg_conversation_get_key (conversation),
                                     0, XG_CHAT_PAGE, NULL, first_page_read, g_object_ref (self));
  return self;
}

static void
older_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  XgChatMessages *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = xg_account_db_load_messages_finish (XG_ACCOUNT_DB (source), result, &error);

  set_loading (self, FALSE);
  if (page == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  prepend_page (self, page);
  set_has_older (self, self->oldest_seq != 1);
  g_task_return_boolean (task, TRUE);
}

static void
read_older_from_db (GTask *task)
{
  XgChatMessages *self = g_task_get_source_object (task);
  XgConversations *owner = xg_conversation_get_owner (self->conversation);

  set_loading (self, TRUE);
  xg_account_db_load_messages_async (xg_conversations_get_db (owner), xg_conversation_get_key (self->conversation),
                                     self->oldest_seq, XG_CHAT_PAGE, g_task_get_cancellable (task),
                                     older_read, task);
}

static void
history_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  XgChatMessages *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  gssize n = xg_conversations_fetch_history_finish (XG_CONVERSATIONS (source), result, &error);

  if (n < 0)
    {
      set_loading (self, FALSE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Nothing new from this fetch, but messages came meanwhile (another
   * fetch of the same page, say): read what is older than them. */
  if (n == 0 && self->oldest_seq != GPOINTER_TO_SIZE (g_task_get_task_data (task)))
    n = 1;
  if (n == 0)
    {
      /* The server has nothing older either. */
      set_loading (self, FALSE);
      set_has_older (self, FALSE);
      g_task_return_boolean (task, TRUE);
      return;
    }
  read_older_from_db (g_steal_pointer (&task));
}

static void
older_counted (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  XgChatMessages *self = g_task_get_source_object (task);
  XgConversations *owner = xg_conversation_get_owner (self->conversation);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = xg_account_db_load_messages_finish (XG_ACCOUNT_DB (source), result, &error);
  GCancellable *cancellable;

  if (page == NULL)
    {
      set_loading (self, FALSE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->oldest_seq != 0 && prepend_page (self, page) > 0)
    {
      set_loading (self, FALSE);
      set_has_older (self, self->oldest_seq > 1);
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* Nothing older on this device: ask the server. */
  cancellable = g_task_get_cancellable (task);
  g_task_set_task_data (task, GSIZE_TO_POINTER ((gsize) self->oldest_seq), NULL);
  xg_conversations_fetch_history_async (owner, xg_conversation_get_key (self->conversation),
                                        self->oldest_seq, cancellable, history_fetched, g_steal_pointer (&task));
}

void
xg_chat_messages_load_older_async (XgChatMessages      *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  XgConversations *owner;

  g_return_if_fail (XG_IS_CHAT_MESSAGES (self));
  g_task_set_source_tag (task, xg_chat_messages_load_older_async);

  if (!self->has_older || !self->first_page_read || self->loading)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  owner = xg_conversation_get_owner (self->conversation);
  set_loading (self, TRUE);
  xg_account_db_load_messages_async (xg_conversations_get_db (owner), xg_conversation_get_key (self->conversation),
                                     self->oldest_seq, XG_CHAT_PAGE, cancellable, older_counted,
                                     g_steal_pointer (&task));
}

gboolean
xg_chat_messages_load_older_finish (XgChatMessages  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
xg_chat_messages_get_loading (XgChatMessages *self)
{
  return self->loading;
}

gboolean
xg_chat_messages_get_has_older (XgChatMessages *self)
{
  return self->has_older;
}

/* --- GListModel ------------------------------------------------------------ */

static GType
get_item_type (GListModel *model)
{
  return XG_TYPE_MESSAGE;
}

static guint
get_n_items (GListModel *model)
{
  return XG_CHAT_MESSAGES (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  XgChatMessages *self = XG_CHAT_MESSAGES (model);

  return position < self->items->len ? g_object_ref (self->items->pdata[position]) : NULL;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
xg_chat_messages_finalize (GObject *object)
{
  XgChatMessages *self = XG_CHAT_MESSAGES (object);

  g_queue_clear_full (&self->waiting, g_object_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_object (&self->conversation);
  G_OBJECT_CLASS (xg_chat_messages_parent_class)->finalize (object);
}

static void
xg_chat_messages_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  XgChatMessages *self = XG_CHAT_MESSAGES (object);

  switch (prop_id)
    {
    case PROP_LOADING:   g_value_set_boolean (value, self->loading); break;
    case PROP_HAS_OLDER: g_value_set_boolean (value, self->has_older); break;
    default:             G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_chat_messages_class_init (XgChatMessagesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = xg_chat_messages_finalize;
  object_class->get_property = xg_chat_messages_get_property;

  props[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_HAS_OLDER] = g_param_spec_boolean ("has-older", NULL, NULL, TRUE,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
xg_chat_messages_init (XgChatMessages *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->waiting);
}
