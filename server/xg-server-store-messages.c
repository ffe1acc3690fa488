/* xg-server-store-messages.c: the messages domain's closures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As in xg-server-store-social.c: each _async function copies its
 * arguments into a struct of its own and queues a run function that calls
 * the backend on the worker thread; _finish hands the results over. Send,
 * group send and receive are message operations (XG_SERVER_STORE_OP_MESSAGE):
 * no savepoint each, and the backend may keep the conversation's last
 * sequence and the cursors in memory until the end of the batch.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include "xg-server-store-messages.h"

G_DEFINE_INTERFACE (XgServerStoreMessages, xg_server_store_messages, XG_TYPE_SERVER_STORE)

static void
xg_server_store_messages_default_init (XgServerStoreMessagesInterface *iface)
{
}

#define IFACE(store) XG_SERVER_STORE_MESSAGES_GET_IFACE (store)
#define MESSAGES(store) XG_SERVER_STORE_MESSAGES (store)

void
xg_server_message_free (XgServerMessage *message)
{
  if (message == NULL)
    return;
  g_clear_pointer (&message->payload, g_bytes_unref);
  g_free (message);
}

void
xg_server_message_page_free (XgServerMessagePage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->messages, g_ptr_array_unref);
  g_clear_pointer (&page->receipts, g_array_unref);
  g_clear_pointer (&page->heads, g_array_unref);
  g_free (page);
}

static XgServerMessagePage *
page_new (void)
{
  XgServerMessagePage *page = g_new0 (XgServerMessagePage, 1);

  page->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_message_free);
  return page;
}

/* --- Send ---------------------------------------------------------------- */

typedef struct {
  guint64       sender_id;
  guint64       receiver_id;
  guint64       client_msg_id;
  guint32       msg_type;
  GBytes       *payload;
  gint64        now_us;
  XgServerSent  sent;
} SendOp;

static void
send_op_free (SendOp *op)
{
  g_bytes_unref (op->payload);
  g_free (op);
}

static gboolean
run_send (XgServerStore *store, gpointer data, GError **error)
{
  SendOp *op = data;

  return IFACE (store)->send (MESSAGES (store), op->sender_id, op->receiver_id, op->client_msg_id,
                              op->msg_type, op->payload, op->now_us, &op->sent, error);
}

void
xg_server_store_chat_send_async (XgServerStore       *self,
                                 guint64              sender_id,
                                 guint64              receiver_id,
                                 guint64              client_msg_id,
                                 guint32              msg_type,
                                 GBytes              *payload,
                                 gint64               now_us,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  SendOp *op = g_new0 (SendOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_MESSAGES (self));

  op->sender_id = sender_id;
  op->receiver_id = receiver_id;
  op->client_msg_id = client_msg_id;
  op->msg_type = msg_type;
  op->payload = g_bytes_ref (payload);
  op->now_us = now_us;
  xg_server_store_queue_full (self, XG_SERVER_STORE_OP_MESSAGE, run_send, op, (GDestroyNotify) send_op_free,
                              xg_server_store_chat_send_async, callback, user_data);
}

gboolean
xg_server_store_chat_send_finish (XgServerStore  *self,
                                  GAsyncResult   *result,
                                  XgServerSent   *sent,
                                  GError        **error)
{
  SendOp *op = xg_server_store_finish_op (self, result, xg_server_store_chat_send_async, error);

  if (op == NULL)
    return FALSE;
  *sent = op->sent;
  return TRUE;
}

/* --- Group send ---------------------------------------------------------- */

typedef struct {
  SendOp   base;
  GArray  *members;
} GroupSendOp;

static void
group_send_op_free (GroupSendOp *op)
{
  g_clear_pointer (&op->members, g_array_unref);
  g_bytes_unref (op->base.payload);
  g_free (op);
}

static gboolean
run_group_send (XgServerStore *store, gpointer data, GError **error)
{
  GroupSendOp *op = data;

  g_array_set_size (op->members, 0);
  return IFACE (store)->group_send (MESSAGES (store), op->base.sender_id, op->base.receiver_id,
                                    op->base.client_msg_id, op->base.msg_type, op->base.payload, op->base.now_us,
                                    &op->base.sent, op->members, error);
}

void
xg_server_store_group_send_async (XgServerStore       *self,
                                  guint64              sender_id,
                                  guint64              group_id,
                                  guint64              client_msg_id,
                                  guint32              msg_type,
                                  GBytes              *payload,
                                  gint64               now_us,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GroupSendOp *op = g_new0 (GroupSendOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_MESSAGES (self));

  op->base.sender_id = sender_id;
  op->base.receiver_id = group_id;
  op->base.client_msg_id = client_msg_id;
  op->base.msg_type = msg_type;
  op->base.payload = g_bytes_ref (payload);
  op->base.now_us = now_us;
  op->members = g_array_new (FALSE, FALSE, sizeof (guint64));
  xg_server_store_queue_full (self, XG_SERVER_STORE_OP_MESSAGE, run_group_send, op,
                              (GDestroyNotify) group_send_op_free, xg_server_store_group_send_async, callback,
                              user_data);
}

gboolean
xg_server_store_group_send_finish (XgServerStore  *self,
                                   GAsyncResult   *result,
                                   XgServerSent   *sent,
                                   GArray        **members,
                                   GError        **error)
{
  GroupSendOp *op = xg_server_store_finish_op (self, result, xg_server_store_group_send_async, error);

  if (op == NULL)
    return FALSE;
  *sent = op->base.sent;
  *members = g_steal_pointer (&op->members);
  return TRUE;
}

/* --- Receive ------------------------------------------------------------- */

typedef struct {
  guint64  account_id;
  GArray  *acks;
} ReceiveOp;

static void
receive_op_free (ReceiveOp *op)
{
  g_clear_pointer (&op->acks, g_array_unref);
  g_free (op);
}

static gboolean
run_receive (XgServerStore *store, gpointer data, GError **error)
{
  ReceiveOp *op = data;

  return IFACE (store)->receive (MESSAGES (store), op->account_id, op->acks, error);
}

void
xg_server_store_chat_receive_async (XgServerStore       *self,
                                    guint64              account_id,
                                    GArray              *acks,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  ReceiveOp *op = g_new0 (ReceiveOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_MESSAGES (self));

  op->account_id = account_id;
  op->acks = acks;
  xg_server_store_queue_full (self, XG_SERVER_STORE_OP_MESSAGE, run_receive, op, (GDestroyNotify) receive_op_free,
                              xg_server_store_chat_receive_async, callback, user_data);
}

GArray *
xg_server_store_chat_receive_finish (XgServerStore  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  ReceiveOp *op = xg_server_store_finish_op (self, result, xg_server_store_chat_receive_async, error);

  return op ? g_steal_pointer (&op->acks) : NULL;
}

/* --- Pages: pending and history ------------------------------------------ */

typedef struct {
  guint64              account_id;
  guint64              peer_id;
  guint64              after;
  guint64              before;
  XgServerPageLimits   limits;
  gboolean             with_receipts;
  gboolean             member;        /* group history: the account is in the group */
  XgServerMessagePage *page;
} PageOp;

static void
page_op_free (PageOp *op)
{
  xg_server_message_page_free (op->page);
  g_free (op);
}

/**
 * xg_server_store_chat_pending_run:
 *
 * xg_server_store_chat_pending_async()'s read, run now: only on the
 * store's worker thread, inside an operation (the login's, in
 * xg-server-store-login.c).
 *
 * Returns: (transfer full): the page, %NULL with @error set on failure
 */
XgServerMessagePage *
xg_server_store_chat_pending_run (XgServerStore             *store,
                                  guint64                    account_id,
                                  const XgServerPageLimits  *limits,
                                  gboolean                   with_receipts,
                                  GError                   **error)
{
  g_autoptr(XgServerMessagePage) page = page_new ();

  if (with_receipts)
    page->receipts = g_array_new (FALSE, FALSE, sizeof (XgServerReceipt));
  page->heads = g_array_new (FALSE, FALSE, sizeof (XgServerHead));
  if (!IFACE (store)->pending (MESSAGES (store), account_id, limits, page, error))
    return NULL;
  /* The heads cover what was committed before the last page only. */
  if (page->more)
    g_clear_pointer (&page->heads, g_array_unref);
  return g_steal_pointer (&page);
}

static gboolean
run_pending (XgServerStore *store, gpointer data, GError **error)
{
  PageOp *op = data;

  op->page = xg_server_store_chat_pending_run (store, op->account_id, &op->limits, op->with_receipts, error);
  return op->page != NULL;
}

static gboolean
run_history (XgServerStore *store, gpointer data, GError **error)
{
  PageOp *op = data;

  op->page = page_new ();
  return IFACE (store)->history (MESSAGES (store), op->account_id, op->peer_id, op->after, op->before,
                                 &op->limits, op->page, error);
}

static gboolean
run_group_history (XgServerStore *store, gpointer data, GError **error)
{
  PageOp *op = data;

  op->page = page_new ();
  return IFACE (store)->group_history (MESSAGES (store), op->account_id, op->peer_id, op->after, op->before,
                                       &op->limits, op->page, &op->member, error);
}

static PageOp *
page_op_new (guint64                    account_id,
             const XgServerPageLimits  *limits)
{
  PageOp *op = g_new0 (PageOp, 1);

  op->account_id = account_id;
  op->limits = *limits;
  return op;
}

void
xg_server_store_chat_pending_async (XgServerStore             *self,
                                    guint64                    account_id,
                                    const XgServerPageLimits  *limits,
                                    gboolean                   with_receipts,
                                    GAsyncReadyCallback        callback,
                                    gpointer                   user_data)
{
  PageOp *op = page_op_new (account_id, limits);

  g_return_if_fail (XG_IS_SERVER_STORE_MESSAGES (self));

  op->with_receipts = with_receipts;
  xg_server_store_queue (self, run_pending, op, (GDestroyNotify) page_op_free,
                         xg_server_store_chat_pending_async, callback, user_data);
}

XgServerMessagePage *
xg_server_store_chat_pending_finish (XgServerStore  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  PageOp *op = xg_server_store_finish_op (self, result, xg_server_store_chat_pending_async, error);

  return op ? g_steal_pointer (&op->page) : NULL;
}

void
xg_server_store_chat_history_async (XgServerStore             *self,
                                    guint64                    account_id,
                                    guint64                    peer_id,
                                    guint64                    after,
                                    guint64                    before,
                                    const XgServerPageLimits  *limits,
                                    GAsyncReadyCallback        callback,
                                    gpointer                   user_data)
{
  PageOp *op = page_op_new (account_id, limits);

  g_return_if_fail (XG_IS_SERVER_STORE_MESSAGES (self));

  op->peer_id = peer_id;
  op->after = after;
  op->before = before;
  xg_server_store_queue (self, run_history, op, (GDestroyNotify) page_op_free,
                         xg_server_store_chat_history_async, callback, user_data);
}

XgServerMessagePage *
xg_server_store_chat_history_finish (XgServerStore  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  PageOp *op = xg_server_store_finish_op (self, result, xg_server_store_chat_history_async, error);

  return op ? g_steal_pointer (&op->page) : NULL;
}

void
xg_server_store_group_history_async (XgServerStore             *self,
                                     guint64                    account_id,
                                     guint64                    group_id,
                                     guint64                    after,
                                     guint64                    before,
                                     const XgServerPageLimits  *limits,
                                     GAsyncReadyCallback        callback,
                                     gpointer                   user_data)
{
  PageOp *op = page_op_new (account_id, limits);

  g_return_if_fail (XG_IS_SERVER_STORE_MESSAGES (self));

  op->peer_id = group_id;
  op->after = after;
  op->before = before;
  xg_server_store_queue (self, run_group_history, op, (GDestroyNotify) page_op_free,
                         xg_server_store_group_history_async, callback, user_data);
}

XgServerMessagePage *
xg_server_store_group_history_finish (XgServerStore  *self,
                                      GAsyncResult   *result,
                                      gboolean       *member,
                                      GError        **error)
{
  PageOp *op = xg_server_store_finish_op (self, result, xg_server_store_group_history_async, error);

  *member = op != NULL && op->member;
  return op ? g_steal_pointer (&op->page) : NULL;
}
