/* xg-server-store-messages.h: the messages domain of the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Conversations, their messages and each member's cursor (docs/PROTOCOL.md
 * 7, sql/003-messages.sql). A backend implements XgServerStoreMessages;
 * its methods run only on the store's worker thread (send, group send and
 * receive as message operations, without a savepoint; the rest inside one),
 * so that a message is answered MSG_SENT_ACK only once the batch that
 * stored it has committed, and many messages share one commit. Callers use
 * the _async/_finish wrappers below.
 *
 * One-to-one conversations are kind 0, groups kind 1 on the same tables
 * (docs/PROTOCOL.md 7.6): a group's message is stored once and each
 * member has a cursor, so fan-out costs no row per recipient.
 */
#pragma once

#include "xg-server-store.h"

G_BEGIN_DECLS

/* One stored message, as the delivery and history packets carry it. */
typedef struct {
  guint64  seq;
  guint64  client_msg_id;
  guint64  sender_id;
  guint64  receiver_id;   /* one-to-one: the other member; 0 in a group */
  guint32  msg_type;
  GBytes  *payload;
  gint64   server_time;   /* microseconds */
  guint64  group_id;      /* a group's message: the group; 0 for one-to-one */
} XgServerMessage;

void xg_server_message_free (XgServerMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerMessage, xg_server_message_free)

typedef enum {
  XG_SERVER_SEND_STORED,       /* new: stored with the next sequence */
  XG_SERVER_SEND_DUPLICATE,    /* a retry: what was stored the first time */
  XG_SERVER_SEND_NOT_FRIENDS,  /* nothing stored */
  XG_SERVER_SEND_ID_REUSED,    /* the sender used this id in another conversation: nothing stored */
  XG_SERVER_SEND_NOT_MEMBER,   /* GROUP_SEND from a non-member (or no such group): nothing stored */
} XgServerSendStatus;

/* What CHAT_SEND or GROUP_SEND became. */
typedef struct {
  XgServerSendStatus  status;
  guint64             seq;
  gint64              server_time;
} XgServerSent;

/* A member's cursor moved: the other member may learn it (MSG_DELIVERED).
 * In a group (kind 1) peer_id is the group and peer_covered stays FALSE:
 * there is no "delivered" state there. */
typedef struct {
  guint64  peer_id;       /* the conversation's other member, or the group */
  guint64  received;      /* the cursor now */
  gboolean peer_covered;  /* it passed at least one of the peer's messages */
  guint    kind;          /* 0 one-to-one, 1 group */
} XgServerReceipt;

/* The newest sequence of one of an account's conversations (CHAT_HEADS). */
typedef struct {
  guint64  peer_id;       /* the conversation's other member */
  guint64  last_seq;
} XgServerHead;

/* A page of messages: pending ones at login, or history. */
typedef struct {
  GPtrArray *messages;    /* XgServerMessage, by conversation, then by sequence */
  gboolean   more;        /* more than fitted the page */
  GArray    *receipts;    /* login only: XgServerReceipt for each conversation the account wrote in */
  GArray    *heads;       /* the last page of pending only: XgServerHead of each conversation of the account */
} XgServerMessagePage;

void xg_server_message_page_free (XgServerMessagePage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerMessagePage, xg_server_message_page_free)

/* How much one page may hold: at most @max_messages, and no more bytes of
 * payload than @max_bytes once it has one message (a message alone may be
 * larger). */
typedef struct {
  guint  max_messages;
  gsize  max_bytes;
} XgServerPageLimits;

#define XG_TYPE_SERVER_STORE_MESSAGES (xg_server_store_messages_get_type ())
G_DECLARE_INTERFACE (XgServerStoreMessages, xg_server_store_messages, XG, SERVER_STORE_MESSAGES, XgServerStore)

struct _XgServerStoreMessagesInterface
{
  GTypeInterface g_iface;

  /* Dedupe, friendship check, next sequence, store; in that order. */
  gboolean (*send)     (XgServerStoreMessages     *self,
                        guint64                    sender_id,
                        guint64                    receiver_id,
                        guint64                    client_msg_id,
                        guint32                    msg_type,
                        GBytes                    *payload,
                        gint64                     now_us,
                        XgServerSent              *sent,
                        GError                   **error);
  /* Moves @account_id's cursor in its conversation with each (peer, seq)
   * of @acks (XgServerReceipt, only kind, peer_id and received set; in a
   * group peer_id is the group) forward, never back and never past the
   * conversation's last sequence; fills in what became of each. An
   * unknown conversation, or a group the account is not in, is skipped. */
  gboolean (*receive)  (XgServerStoreMessages     *self,
                        guint64                    account_id,
                        GArray                    *acks,
                        GError                   **error);
  /* One pass over @account_id's conversations: what is above its cursors
   * and not its own, one-to-one and in the groups it is in, into @page as
   * far as @limits let it; into page->receipts unless it is %NULL, where
   * the peer's cursor is in each one-to-one conversation the account has
   * written in; into page->heads unless it is %NULL, the last sequence of
   * each one-to-one conversation that has a message. Both in the order
   * the conversations were made. */
  gboolean (*pending)  (XgServerStoreMessages     *self,
                        guint64                    account_id,
                        const XgServerPageLimits  *limits,
                        XgServerMessagePage       *page,
                        GError                   **error);
  /* Messages of @account_id's conversation with @peer_id strictly between
   * @after and @before (0: unbounded): the oldest of the range when
   * @after > 0, else the newest; in increasing order either way. Sets
   * *found to FALSE if there is no such conversation. */
  gboolean (*history)  (XgServerStoreMessages     *self,
                        guint64                    account_id,
                        guint64                    peer_id,
                        guint64                    after,
                        guint64                    before,
                        const XgServerPageLimits  *limits,
                        XgServerMessagePage       *page,
                        GError                   **error);
  /* Dedupe, membership check, the group's next sequence, store; then
   * the members at that moment into @members (guint64), for the
   * fan-out, when it was stored. */
  gboolean (*group_send)    (XgServerStoreMessages     *self,
                             guint64                    sender_id,
                             guint64                    group_id,
                             guint64                    client_msg_id,
                             guint32                    msg_type,
                             GBytes                    *payload,
                             gint64                     now_us,
                             XgServerSent              *sent,
                             GArray                    *members,
                             GError                   **error);
  /* As history, in the group @group_id, cut at @account_id's joining;
   * *member FALSE (and nothing read) when it is not in the group. */
  gboolean (*group_history) (XgServerStoreMessages     *self,
                             guint64                    account_id,
                             guint64                    group_id,
                             guint64                    after,
                             guint64                    before,
                             const XgServerPageLimits  *limits,
                             XgServerMessagePage       *page,
                             gboolean                  *member,
                             GError                   **error);
};

void                 xg_server_store_chat_send_async      (XgServerStore             *self,
                                                           guint64                    sender_id,
                                                           guint64                    receiver_id,
                                                           guint64                    client_msg_id,
                                                           guint32                    msg_type,
                                                           GBytes                    *payload,
                                                           gint64                     now_us,
                                                           GAsyncReadyCallback        callback,
                                                           gpointer                   user_data);
gboolean             xg_server_store_chat_send_finish     (XgServerStore             *self,
                                                           GAsyncResult              *result,
                                                           XgServerSent              *sent,
                                                           GError                   **error);

/* @acks: (element-type XgServerReceipt) (transfer full) */
void                 xg_server_store_chat_receive_async   (XgServerStore             *self,
                                                           guint64                    account_id,
                                                           GArray                    *acks,
                                                           GAsyncReadyCallback        callback,
                                                           gpointer                   user_data);
/* Returns: (element-type XgServerReceipt) (transfer full): @acks, filled in */
GArray              *xg_server_store_chat_receive_finish  (XgServerStore             *self,
                                                           GAsyncResult              *result,
                                                           GError                   **error);

/* The first page of pending messages, with the receipts when
 * @with_receipts; a page that is the last (not more) has the heads too,
 * read in the same operation, so that they cover every message the page
 * reads saw. */
void                 xg_server_store_chat_pending_async   (XgServerStore             *self,
                                                           guint64                    account_id,
                                                           const XgServerPageLimits  *limits,
                                                           gboolean                   with_receipts,
                                                           GAsyncReadyCallback        callback,
                                                           gpointer                   user_data);
XgServerMessagePage *xg_server_store_chat_pending_finish  (XgServerStore             *self,
                                                           GAsyncResult              *result,
                                                           GError                   **error);
/* The same read, run now: on the worker thread only, inside an operation
 * (the login's, xg-server-store-login.h). */
XgServerMessagePage *xg_server_store_chat_pending_run     (XgServerStore             *store,
                                                           guint64                    account_id,
                                                           const XgServerPageLimits  *limits,
                                                           gboolean                   with_receipts,
                                                           GError                   **error);

void                 xg_server_store_chat_history_async   (XgServerStore             *self,
                                                           guint64                    account_id,
                                                           guint64                    peer_id,
                                                           guint64                    after,
                                                           guint64                    before,
                                                           const XgServerPageLimits  *limits,
                                                           GAsyncReadyCallback        callback,
                                                           gpointer                   user_data);
XgServerMessagePage *xg_server_store_chat_history_finish  (XgServerStore             *self,
                                                           GAsyncResult              *result,
                                                           GError                   **error);

void                 xg_server_store_group_send_async     (XgServerStore             *self,
                                                           guint64                    sender_id,
                                                           guint64                    group_id,
                                                           guint64                    client_msg_id,
                                                           guint32                    msg_type,
                                                           GBytes                    *payload,
                                                           gint64                     now_us,
                                                           GAsyncReadyCallback        callback,
                                                           gpointer                   user_data);
/* @members: (out) (element-type guint64) (transfer full): the group's
 * members when it was stored (XG_SERVER_SEND_STORED), else empty */
gboolean             xg_server_store_group_send_finish    (XgServerStore             *self,
                                                           GAsyncResult              *result,
                                                           XgServerSent              *sent,
                                                           GArray                   **members,
                                                           GError                   **error);

void                 xg_server_store_group_history_async  (XgServerStore             *self,
                                                           guint64                    account_id,
                                                           guint64                    group_id,
                                                           guint64                    after,
                                                           guint64                    before,
                                                           const XgServerPageLimits  *limits,
                                                           GAsyncReadyCallback        callback,
                                                           gpointer                   user_data);
/* For a non-member: an empty page, and *member FALSE. */
XgServerMessagePage *xg_server_store_group_history_finish (XgServerStore             *self,
                                                           GAsyncResult              *result,
                                                           gboolean                  *member,
                                                           GError                   **error);

G_END_DECLS
