/* xg-conversations-private.h: what the chat classes of the core tell each other
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * XgConversations owns the delivery work (the outbox, storing and
 * acknowledging, gaps); an XgConversation is what one chat shows, and its
 * XgChatMessages the page-by-page model. None of this is for the app.
 */
#pragma once

#include "xg-account-db.h"
#include "xg-chat-messages.h"
#include "xg-conversation.h"
#include "xg-conversations.h"
#include "xg-message-private.h"

G_BEGIN_DECLS

/* Messages per page of a chat, from the database or the server's history. */
#define XG_CHAT_PAGE 50

/* --- XgConversations, for the session ------------------------------------ */

XgConversations *xg_conversations_new             (XgSession        *session,
                                                   XgAccountDb      *db);
void             xg_conversations_detach          (XgConversations  *self);
/* CHAT_DELIVER and OFFLINE_CHAT_DELIVER (same fields), and MSG_DELIVERED. */
void             xg_conversations_apply_deliver   (XgConversations  *self,
                                                   GVariant         *deliver);
/* GROUP_DELIVER and OFFLINE_GROUP_DELIVER (same fields). */
void             xg_conversations_apply_group_deliver (XgConversations *self,
                                                   GVariant         *deliver);
/* GROUP_LIST's last sequence of a group: what this device lacks up to it
 * is fetched. */
void             xg_conversations_apply_group_head (XgConversations *self,
                                                   guint64           group_id,
                                                   guint64           last_seq);
void             xg_conversations_apply_delivered (XgConversations  *self,
                                                   GVariant         *delivered);
/* CHAT_HEADS: what this device lacks below them is fetched. */
void             xg_conversations_apply_heads     (XgConversations  *self,
                                                   GVariant         *heads);
/* The late answer of a CHAT_SEND that timed out (the session applies it
 * as a push): the message is recorded as sent. */
void             xg_conversations_apply_sent_ack  (XgConversations  *self,
                                                   GVariant         *ack);
/* The session has its login (again): the outbox goes out. */
void             xg_conversations_logged_in       (XgConversations  *self);

/* --- XgConversations, for its conversations -------------------------------- */

guint64          xg_conversations_get_account_id  (XgConversations  *self);
XgAccountDb     *xg_conversations_get_db          (XgConversations  *self);
XgMessage       *xg_conversations_send            (XgConversations  *self,
                                                   XgConversation   *conversation,
                                                   guint32           msg_type,
                                                   GBytes           *payload,
                                                   GError          **error);
void             xg_conversations_retry           (XgConversations  *self,
                                                   XgMessage        *message);
void             xg_conversations_mark_read       (XgConversations  *self,
                                                   XgConversation   *conversation);
/* Older history from the server into the database; completes with the
 * number of messages it brought. */
void             xg_conversations_fetch_history_async  (XgConversations     *self,
                                                        guint64              key,
                                                        guint64              before_seq,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gssize           xg_conversations_fetch_history_finish (XgConversations     *self,
                                                        GAsyncResult        *result,
                                                        GError             **error);

/* --- XgConversation ---------------------------------------------------------- */

XgConversation  *xg_conversation_new              (XgConversations  *owner,
                                                   guint64           key);
/* Its key in the account database (xg-account-db.h). */
guint64          xg_conversation_get_key          (XgConversation   *self);
/* What the database says now, and the messages it just added (XgMessage). */
void             xg_conversation_apply_stored     (XgConversation             *self,
                                                   const XgStoredConversation *stored,
                                                   GPtrArray                  *added);
/* An own message written (it shows at once) or moved (@time 0 keeps its time). */
void             xg_conversation_add_outgoing     (XgConversation   *self,
                                                   XgMessage        *message);
void             xg_conversation_update_outgoing  (XgConversation   *self,
                                                   guint64           client_msg_id,
                                                   guint64           seq,
                                                   gint64            time,
                                                   XgMessageState    state,
                                                   guint             failure);
void             xg_conversation_set_peer_received (XgConversation  *self,
                                                   guint64           peer_received);
guint64          xg_conversation_get_peer_received (XgConversation  *self);
/* What the database holds without a gap, as last told. */
guint64          xg_conversation_get_received     (XgConversation   *self);
XgConversations *xg_conversation_get_owner        (XgConversation   *self);
int              xg_conversation_compare          (gconstpointer     a,
                                                   gconstpointer     b);

/* --- XgChatMessages ---------------------------------------------------------- */

XgChatMessages  *xg_chat_messages_new             (XgConversation   *conversation);
void             xg_chat_messages_add             (XgChatMessages   *self,
                                                   XgMessage        *message);
/* The shown message sent by @sender_id as @client_msg_id, or NULL. */
XgMessage       *xg_chat_messages_find            (XgChatMessages   *self,
                                                   guint64           client_msg_id);
void             xg_chat_messages_reposition      (XgChatMessages   *self,
                                                   XgMessage        *message);
/* Own messages up to @peer_received reach "delivered". */
void             xg_chat_messages_mark_delivered  (XgChatMessages   *self,
                                                   guint64           peer_received);
/* Conversation order. */
int              xg_message_compare               (XgMessage        *a,
                                                   XgMessage        *b);

G_END_DECLS
