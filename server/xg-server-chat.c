/* xg-server-chat.c: messages, from CHAT_SEND and GROUP_SEND to the receivers' cursors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/PROTOCOL.md 7. CHAT_SEND is one store operation (dedupe, the
 * friendship, the next sequence, the row) and is answered MSG_SENT_ACK
 * from its callback, i.e. after the batch that stored it committed; the
 * receiver's copy goes out from there too, through the router, if its
 * session is live. GROUP_SEND is the same with membership for friendship
 * (7.6); the same operation returns the members at its commit, and the
 * one GROUP_DELIVER frame is queued to each live one but the sender.
 *
 * A session is not live at once. At login its backlog (everything above
 * its cursors) is read after the login sync and sent as
 * OFFLINE_CHAT_DELIVER in pages: the next page is read only once every
 * conversation of the one before has been acknowledged. Meanwhile new
 * messages for it are not pushed: they are in the store, where the next
 * page read finds them. The store completes operations in order, so the
 * page read that comes back empty-handed (or not full) has seen every
 * message whose callback has run; the ones committed after it are pushed
 * live. That way a conversation's messages reach a connection in
 * sequence order, backlog first, which a cumulative acknowledgement needs.
 *
 * The last page read also reads the head (last sequence) of each of the
 * account's conversations, sent as CHAT_HEADS right after that page: a
 * device that lacks what another device of the account sent or received
 * (which is not pending for the account) learns from them what to fetch.
 *
 * MSG_RECEIVED_ACK moves the cursors; when one passes a message of the
 * peer, the peer hears MSG_DELIVERED (now, or with the receipts at its
 * next login).
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include "xg-proto-limits.h"
#include "xg-server-private.h"
#include "xg-server-request.h"
#include "xg-server-router.h"
#include "xg-server-store-login.h"
#include "xg-server-store-messages.h"

#define KIND_DIRECT 0
#define KIND_GROUP  1

/* What the store holds for one CHAT_SEND counts this much besides its payload. */
#define SEND_OVERHEAD 1024

/* CHAT_HISTORY_REQUEST's limit may be 1 to this. */
#define HISTORY_MAX_LIMIT 200

typedef struct {
  XgServerRequest  base;
  guint64          self_id;      /* the connection's account when it asked */
  guint64          peer_id;      /* the other account, or the group */
  guint8           kind;         /* CHAT_HISTORY_REQUEST: KIND_DIRECT or KIND_GROUP */
  guint64          client_msg_id;
  guint32          msg_type;
  GBytes          *payload;      /* CHAT_SEND: the message, for the receiver's copy */
  gsize            held;         /* CHAT_SEND: what it counts against the connection */
} ChatRequest;

static ChatRequest *
chat_request_new (XgServerConnection *conn,
                  const XgProtoFrame *frame)
{
  ChatRequest *req = g_new0 (ChatRequest, 1);

  xg_server_request_init (&req->base, conn, frame);
  req->self_id = conn->account_id;
  return req;
}

static void
chat_request_free (ChatRequest *req)
{
  if (req->held > 0)
    xg_server_connection_release_send (req->base.conn, req->held);
  g_clear_pointer (&req->payload, g_bytes_unref);
  xg_server_request_clear (&req->base);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChatRequest, chat_request_free)

static gboolean
failed (ChatRequest  *req,
        const GError *error,
        const char   *what)
{
  if (error == NULL)
    return FALSE;
  g_warning ("%s: %s", what, error->message);
  xg_server_request_reply_error (&req->base, XG_PROTO_ERR_INTERNAL, "The server could not do that now");
  return TRUE;
}

/* Whether @conn is still in the session @serial of @account_id. */
static gboolean
is_session (XgServerConnection *conn,
            guint64             account_id,
            guint               serial)
{
  return conn->account_id == account_id && conn->session_serial == serial &&
         xg_server_router_lookup (conn->server->router, account_id) == conn;
}

/* Queues a frame built by one of xg_proto_*_frame() (%NULL: it could not be). */
static void
send_built (XgServerConnection *conn,
            GBytes             *frame,
            GError             *error)
{
  if (frame == NULL)
    {
      g_warning ("Not sending a packet to %s: %s", xg_server_connection_get_peer (conn), error->message);
      return;
    }
  xg_server_connection_send_frame (conn, frame);
}

static void
reply_sent_ack (ChatRequest        *req,
                const XgServerSent *outcome)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = xg_proto_msg_sent_ack_frame (req->base.request_id, req->client_msg_id, outcome->seq,
                                                         outcome->server_time, &error);

  send_built (req->base.conn, frame, error);
}

static GVariant *
delivered_body (const XgServerReceipt *receipts,
                guint                  n_receipts)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ytt)"));
  for (guint i = 0; i < n_receipts; i++)
    g_variant_builder_add (&builder, "(ytt)", KIND_DIRECT, receipts[i].peer_id, receipts[i].received);
  return xg_proto_msg_delivered_new (g_variant_builder_end (&builder));
}

/* CHAT_HEADS for @heads, XG_SERVER_HEADS_PAGE at a time. */
static void
send_heads (XgServerConnection *conn,
            GArray             *heads)
{
  for (guint start = 0; start < heads->len; start += XG_SERVER_HEADS_PAGE)
    {
      GVariantBuilder builder;
      guint end = MIN (heads->len, start + XG_SERVER_HEADS_PAGE);

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ytt)"));
      for (guint i = start; i < end; i++)
        {
          const XgServerHead *head = &g_array_index (heads, XgServerHead, i);

          g_variant_builder_add (&builder, "(ytt)", KIND_DIRECT, head->peer_id, head->last_seq);
        }
      xg_server_connection_send (conn, XG_PACKET_CHAT_HEADS, 0,
                                 xg_proto_chat_heads_new (g_variant_builder_end (&builder)));
    }
}

/* --- The backlog --------------------------------------------------------- */

static void read_page (XgServerConnection *conn,
                       gboolean            with_receipts);

/* A store round trip on behalf of one session of a connection. */
typedef struct {
  XgServerConnection *conn;     /* owned */
  guint64             account_id;
  guint               serial;
} PageRead;

static PageRead *
page_read_new (XgServerConnection *conn)
{
  PageRead *read = g_new0 (PageRead, 1);

  read->conn = xg_server_connection_ref (conn);
  read->account_id = conn->account_id;
  read->serial = conn->session_serial;
  return read;
}

static void
page_read_free (PageRead *read)
{
  xg_server_connection_unref (read->conn);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PageRead, page_read_free)

/* The last sequence of each conversation in @page: what its
 * acknowledgement must reach before the next page is read. */
static GArray *
page_ends (XgServerMessagePage *page,
           guint64              account_id)
{
  GArray *ends = g_array_new (FALSE, FALSE, sizeof (XgServerReceipt));

  for (guint i = 0; i < page->messages->len; i++)
    {
      XgServerMessage *message = page->messages->pdata[i];
      guint kind = message->group_id != 0 ? KIND_GROUP : KIND_DIRECT;
      guint64 peer = kind == KIND_GROUP ? message->group_id
                     : message->sender_id == account_id ? message->receiver_id : message->sender_id;
      XgServerReceipt *last = ends->len ? &g_array_index (ends, XgServerReceipt, ends->len - 1) : NULL;

      /* Pages are sorted by conversation, so one entry per run. */
      if (last != NULL && last->kind == kind && last->peer_id == peer)
        last->received = MAX (last->received, message->seq);
      else
        g_array_append_vals (ends, &(XgServerReceipt) { peer, message->seq, FALSE, kind }, 1);
    }
  return ends;
}

/* A page read for the session @serial of @account_id on @conn: sends it,
 * and says what comes next. */
static void
deliver_page (XgServerConnection  *conn,
              guint64              account_id,
              guint                serial,
              XgServerMessagePage *page,
              const GError        *error)
{
  if (!is_session (conn, account_id, serial))
    return;
  conn->page_reading = FALSE;
  if (page == NULL)
    {
      /* Left in the store; a new session reads it again. */
      g_warning ("Reading the messages waiting for account %" G_GUINT64_FORMAT ": %s", account_id,
                 error->message);
      xg_server_connection_close (conn, "its messages could not be read");
      return;
    }

  if (page->receipts != NULL && page->receipts->len > 0)
    xg_server_connection_send (conn, XG_PACKET_MSG_DELIVERED, 0,
                               delivered_body ((const XgServerReceipt *) page->receipts->data, page->receipts->len));

  for (guint i = 0; i < page->messages->len; i++)
    {
      XgServerMessage *m = page->messages->pdata[i];

      if (m->group_id != 0)
        xg_server_connection_send (conn, XG_PACKET_OFFLINE_GROUP_DELIVER, 0,
                                   xg_proto_offline_group_deliver_new (m->seq, m->client_msg_id, m->sender_id,
                                                                       m->group_id, m->msg_type, m->payload,
                                                                       m->server_time));
      else
        xg_server_connection_send (conn, XG_PACKET_OFFLINE_CHAT_DELIVER, 0,
                                   xg_proto_offline_chat_deliver_new (m->seq, m->client_msg_id, m->sender_id,
                                                                      m->receiver_id, m->msg_type, m->payload,
                                                                      m->server_time));
    }

  /* The last page: what each conversation holds now. */
  if (page->heads != NULL)
    send_heads (conn, page->heads);

  g_clear_pointer (&conn->page_ends, g_array_unref);
  if (page->more)
    {
      conn->delivery = XG_DELIVERY_PAGING;
      conn->page_ends = page_ends (page, account_id);
    }
  else
    conn->delivery = XG_DELIVERY_LIVE;
}

static void
page_read (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(PageRead) read = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerMessagePage) page = NULL;

  page = xg_server_store_chat_pending_finish (XG_SERVER_STORE (source), result, &error);
  deliver_page (read->conn, read->account_id, read->serial, page, error);
}

static void
read_page (XgServerConnection *conn,
           gboolean            with_receipts)
{
  XgServer *server = conn->server;
  PageRead *read = page_read_new (conn);
  XgServerPageLimits limits = { XG_SERVER_PAGE_MESSAGES, XG_SERVER_PAGE_BYTES };

  conn->page_reading = TRUE;
  xg_server_store_chat_pending_async (server->store, read->account_id, &limits, with_receipts, page_read, read);
}

/**
 * xg_server_chat_sync_prepare:
 * @login: a login about to be queued (xg-server-store-login.h)
 *
 * How much the first page of its backlog, read with it, may hold.
 */
void
xg_server_chat_sync_prepare (XgServerLogin *login)
{
  login->page_limits = (XgServerPageLimits) { XG_SERVER_PAGE_MESSAGES, XG_SERVER_PAGE_BYTES };
}

/**
 * xg_server_chat_sync_deliver:
 * @conn: the connection the login came on, the rest of its sync sent
 * @login: the login, its sync read
 *
 * Sends the receipts and the first page of what waited for the account,
 * read with the login, if @conn is still the account's session it began.
 */
void
xg_server_chat_sync_deliver (XgServerConnection *conn,
                             XgServerLogin      *login)
{
  deliver_page (conn, login->account_id, conn->session_serial, login->page, login->page_error);
}

/* An acknowledgement reached @acks: the page is done when each of its
 * conversations is acknowledged up to its end. */
static void
page_acknowledged (XgServerConnection *conn,
                   GArray             *acks)
{
  if (conn->delivery != XG_DELIVERY_PAGING || conn->page_ends == NULL)
    return;

  for (guint i = 0; i < acks->len; i++)
    {
      const XgServerReceipt *ack = &g_array_index (acks, XgServerReceipt, i);

      for (guint j = 0; j < conn->page_ends->len; j++)
        {
          const XgServerReceipt *end = &g_array_index (conn->page_ends, XgServerReceipt, j);

          if (end->kind == ack->kind && end->peer_id == ack->peer_id && ack->received >= end->received)
            {
              g_array_remove_index_fast (conn->page_ends, j);
              break;
            }
        }
    }

  if (conn->page_ends->len == 0 && !conn->page_reading)
    read_page (conn, FALSE);
}

/* --- CHAT_SEND ----------------------------------------------------------- */

static void
sent (GObject      *source,
      GAsyncResult *result,
      gpointer      user_data)
{
  g_autoptr(ChatRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  XgServer *server = xg_server_request_get_server (&req->base);
  XgServerConnection *receiver;
  XgServerSent outcome;

  if (!xg_server_store_chat_send_finish (XG_SERVER_STORE (source), result, &outcome, &error))
    {
      failed (req, error, "Storing a message");
      return;
    }

  switch (outcome.status)
    {
    case XG_SERVER_SEND_NOT_FRIENDS:
      xg_server_request_reply_error (&req->base, XG_PROTO_ERR_PERMISSION_DENIED,
                                     "Only friends can message each other");
      return;
    case XG_SERVER_SEND_ID_REUSED:
      xg_server_request_reply_error (&req->base, XG_PROTO_ERR_INVALID_ARGUMENT,
                                     "This client message id belongs to another conversation");
      return;
    case XG_SERVER_SEND_DUPLICATE:
    case XG_SERVER_SEND_STORED:
    default:
      break;
    }

  reply_sent_ack (req, &outcome);

  /* A retry was delivered (or is waiting) the first time. */
  if (outcome.status != XG_SERVER_SEND_STORED)
    return;
  receiver = xg_server_router_lookup (server->router, req->peer_id);
  if (receiver != NULL && receiver->delivery == XG_DELIVERY_LIVE)
    {
      g_autoptr(GBytes) frame = xg_proto_chat_deliver_frame (0, outcome.seq, req->client_msg_id, req->self_id,
                                                             req->peer_id, req->msg_type, req->payload,
                                                             outcome.server_time, &error);

      send_built (receiver, frame, error);
    }
}

static void
handle_chat_send (XgServerConnection *conn,
                  const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(ChatRequest) req = chat_request_new (conn, frame);
  ChatRequest *owned;
  guint64 sender_id;
  gsize len;
  const guint8 *data;

  xg_proto_chat_send_get (frame->body, &req->client_msg_id, &sender_id, &req->peer_id, &req->msg_type,
                          &req->payload);
  data = g_bytes_get_data (req->payload, &len);
  if (req->peer_id == req->self_id)
    {
      xg_server_request_reply_error (&req->base, XG_PROTO_ERR_INVALID_ARGUMENT, "A message needs another account");
      return;
    }
  if (!xg_proto_payload_is_valid (req->msg_type, data, len, xg_proto_max_payload (server->config->max_frame_size)))
    {
      xg_server_request_reply_error (&req->base, XG_PROTO_ERR_INVALID_ARGUMENT,
                                     "The message breaks the payload rules of its type");
      return;
    }

  owned = g_steal_pointer (&req);
  owned->held = len + SEND_OVERHEAD;
  xg_server_connection_hold_send (conn, owned->held);
  xg_server_store_chat_send_async (server->store, owned->self_id, owned->peer_id, owned->client_msg_id,
                                   owned->msg_type, owned->payload, xg_server_clock_microseconds (server->clock),
                                   sent, owned);
}

/* --- GROUP_SEND ---------------------------------------------------------- */

static void
group_sent (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ChatRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) members = NULL;
  g_autoptr(GBytes) frame = NULL;
  XgServer *server = xg_server_request_get_server (&req->base);
  XgServerSent outcome;

  if (!xg_server_store_group_send_finish (XG_SERVER_STORE (source), result, &outcome, &members, &error))
    {
      failed (req, error, "Storing a group message");
      return;
    }

  switch (outcome.status)
    {
    case XG_SERVER_SEND_NOT_MEMBER:
    case XG_SERVER_SEND_NOT_FRIENDS:
      xg_server_request_reply_error (&req->base, XG_PROTO_ERR_PERMISSION_DENIED,
                                     "Only the group's members can post to it");
      return;
    case XG_SERVER_SEND_ID_REUSED:
      xg_server_request_reply_error (&req->base, XG_PROTO_ERR_INVALID_ARGUMENT,
                                     "This client message id belongs to another conversation");
      return;
    case XG_SERVER_SEND_DUPLICATE:
    case XG_SERVER_SEND_STORED:
    default:
      break;
    }

  reply_sent_ack (req, &outcome);

  /* A retry was delivered (or is waiting) the first time. */
  if (outcome.status != XG_SERVER_SEND_STORED)
    return;
  frame = xg_proto_group_deliver_frame (0, outcome.seq, req->client_msg_id, req->self_id, req->peer_id,
                                        req->msg_type, req->payload, outcome.server_time, &error);
  if (frame == NULL)
    {
      g_warning ("Not delivering a group message: %s", error->message);
      return;
    }
  xg_server_router_deliver_many (server->router, (const guint64 *) members->data, members->len, req->self_id,
                                 frame);
}

static void
handle_group_send (XgServerConnection *conn,
                   const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(ChatRequest) req = chat_request_new (conn, frame);
  ChatRequest *owned;
  guint64 sender_id;
  gsize len;
  const guint8 *data;

  xg_proto_group_send_get (frame->body, &req->client_msg_id, &sender_id, &req->peer_id, &req->msg_type,
                           &req->payload);
  data = g_bytes_get_data (req->payload, &len);
  if (!xg_proto_payload_is_valid (req->msg_type, data, len, xg_proto_max_payload (server->config->max_frame_size)))
    {
      xg_server_request_reply_error (&req->base, XG_PROTO_ERR_INVALID_ARGUMENT,
                                     "The message breaks the payload rules of its type");
      return;
    }

  owned = g_steal_pointer (&req);
  owned->held = len + SEND_OVERHEAD;
  xg_server_connection_hold_send (conn, owned->held);
  xg_server_store_group_send_async (server->store, owned->self_id, owned->peer_id, owned->client_msg_id,
                                    owned->msg_type, owned->payload, xg_server_clock_microseconds (server->clock),
                                    group_sent, owned);
}

/* --- MSG_RECEIVED_ACK ---------------------------------------------------- */

static void
received (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(PageRead) read = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) acks = xg_server_store_chat_receive_finish (XG_SERVER_STORE (source), result, &error);
  XgServer *server = read->conn->server;

  if (acks == NULL)
    {
      /* Nothing moved: the messages stay pending and come again. */
      g_warning ("Moving the cursors of account %" G_GUINT64_FORMAT ": %s", read->account_id, error->message);
      return;
    }

  /* Each sender whose messages were passed learns it. */
  for (guint i = 0; i < acks->len; i++)
    {
      const XgServerReceipt *ack = &g_array_index (acks, XgServerReceipt, i);
      XgProtoYtt receipt = { KIND_DIRECT, read->account_id, ack->received };
      g_autoptr(GBytes) frame = NULL;

      if (ack->kind != KIND_DIRECT || !ack->peer_covered ||
          xg_server_router_lookup (server->router, ack->peer_id) == NULL)
        continue;
      frame = xg_proto_ytt_frame (XG_PACKET_MSG_DELIVERED, 0, &receipt, 1, NULL);
      xg_server_router_push_frame (server->router, ack->peer_id, frame);
    }

  if (is_session (read->conn, read->account_id, read->serial))
    page_acknowledged (read->conn, acks);
}

static void
handle_msg_received_ack (XgServerConnection *conn,
                         const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(GArray) acks = NULL;
  PageRead *read;
  const guint8 *data;
  gsize n = xg_proto_ytt_entries (frame->body, &data);

  acks = g_array_sized_new (FALSE, FALSE, sizeof (XgServerReceipt), (guint) MIN (n, 64));
  for (gsize i = 0; i < n; i++)
    {
      XgProtoYtt entry;

      xg_proto_ytt_get (data, i, &entry);
      /* An entry of another kind acknowledges nothing. */
      if ((entry.kind != KIND_DIRECT && entry.kind != KIND_GROUP) ||
          (entry.kind == KIND_DIRECT && entry.id == conn->account_id) || entry.seq == 0 || entry.seq > G_MAXINT64)
        continue;
      g_array_append_vals (acks, &(XgServerReceipt) { entry.id, entry.seq, FALSE, entry.kind }, 1);
    }
  if (acks->len == 0)
    return;

  read = page_read_new (conn);
  xg_server_store_chat_receive_async (server->store, conn->account_id, g_steal_pointer (&acks), received, read);
}

/* --- CHAT_HISTORY_REQUEST ------------------------------------------------ */

static void
history_read (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ChatRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerMessagePage) page = NULL;
  GVariantBuilder builder;
  gboolean member = TRUE;

  if (req->kind == KIND_GROUP)
    page = xg_server_store_group_history_finish (XG_SERVER_STORE (source), result, &member, &error);
  else
    page = xg_server_store_chat_history_finish (XG_SERVER_STORE (source), result, &error);
  if (failed (req, error, "Reading history"))
    return;
  if (!member)
    {
      xg_server_request_reply_error (&req->base, XG_PROTO_ERR_PERMISSION_DENIED,
                                     "Only the group's members can read its history");
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tttuayx)"));
  for (guint i = 0; i < page->messages->len; i++)
    {
      XgServerMessage *m = page->messages->pdata[i];

      g_variant_builder_add (&builder, "(tttu@ayx)", m->seq, m->client_msg_id, m->sender_id, m->msg_type,
                             g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, m->payload, TRUE),
                             m->server_time);
    }
  xg_server_request_reply (&req->base, XG_PACKET_CHAT_HISTORY,
                           xg_proto_chat_history_new (req->kind, req->peer_id, g_variant_builder_end (&builder),
                                                      page->more));
}

static void
handle_chat_history_request (XgServerConnection *conn,
                             const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(ChatRequest) req = chat_request_new (conn, frame);
  ChatRequest *owned;
  XgServerPageLimits limits;
  guint8 kind;
  guint64 after, before;
  guint32 limit;

  xg_proto_chat_history_request_get (frame->body, &kind, &req->peer_id, &after, &before, &limit);
  if ((kind != KIND_DIRECT && kind != KIND_GROUP) || limit == 0 || limit > HISTORY_MAX_LIMIT || after > G_MAXINT64 ||
      before > G_MAXINT64 || (before != 0 && before <= after + 1))
    {
      xg_server_request_reply_error (&req->base, XG_PROTO_ERR_INVALID_ARGUMENT,
                                     "A history request needs kind 0 or 1, a limit of 1 to 200 and a non-empty range");
      return;
    }

  /* A page must fit one frame: half of it for payloads leaves room for
   * every entry's other fields. A message alone always fits. */
  limits.max_messages = limit;
  limits.max_bytes = MIN (XG_SERVER_PAGE_BYTES, server->config->max_frame_size / 2);
  req->kind = kind;
  owned = g_steal_pointer (&req);
  if (kind == KIND_GROUP)
    xg_server_store_group_history_async (server->store, owned->self_id, owned->peer_id, after, before, &limits,
                                         history_read, owned);
  else
    xg_server_store_chat_history_async (server->store, owned->self_id, owned->peer_id, after, before, &limits,
                                        history_read, owned);
}

static const XgServerHandlerEntry handlers[] = {
  { XG_PACKET_CHAT_SEND,            TRUE, handle_chat_send },
  { XG_PACKET_GROUP_SEND,           TRUE, handle_group_send },
  { XG_PACKET_MSG_RECEIVED_ACK,     TRUE, handle_msg_received_ack },
  { XG_PACKET_CHAT_HISTORY_REQUEST, TRUE, handle_chat_history_request },
};

const XgServerHandlerEntry *
xg_server_chat_get_handlers (guint *n_handlers)
{
  *n_handlers = G_N_ELEMENTS (handlers);
  return handlers;
}
