/* xg-conversation.h: a chat with a friend, or a group's
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The items of XgConversations. A conversation sends (through the outbox:
 * a message is on disk before it is first sent, and is sent again after
 * every login until the server has it) and shows its messages as a paged
 * list model (xg_conversation_get_messages()).
 */
#pragma once

#include <gio/gio.h>

#include "xg-chat-messages.h"
#include "xg-message.h"
#include "xg-types.h"

G_BEGIN_DECLS

#define XG_TYPE_CONVERSATION (xg_conversation_get_type ())
G_DECLARE_FINAL_TYPE (XgConversation, xg_conversation, XG, CONVERSATION, GObject)

/**
 * XgConversationKind:
 * @XG_CONVERSATION_ONE_TO_ONE: with a friend; peer-id is the friend
 * @XG_CONVERSATION_GROUP: a group's; peer-id is the group
 */
typedef enum {
  XG_CONVERSATION_ONE_TO_ONE = 0,
  XG_CONVERSATION_GROUP      = 1,
} XgConversationKind;

/* Properties (read-only, notified): peer-id (guint64: the friend, or the
 * group), kind (guint: an XgConversationKind),
 * last-message (XgMessage or NULL), unread (guint: the friend's messages
 * not yet read), activity (gint64: µs, the newest message's time). */

guint64       xg_conversation_get_peer_id      (XgConversation  *self);
XgConversationKind xg_conversation_get_kind    (XgConversation  *self);
XgMessage    *xg_conversation_get_last_message (XgConversation  *self);
guint         xg_conversation_get_unread       (XgConversation  *self);
gint64        xg_conversation_get_activity     (XgConversation  *self);

/* The messages, oldest first, as a GListModel of XgMessage that holds the
 * newest page at first and grows with xg_chat_messages_load_older_async()
 * (transfer full; one model per conversation while anyone holds it). */
XgChatMessages *xg_conversation_get_messages   (XgConversation  *self);

/* Each writes a message to the outbox and returns it (transfer full), in
 * state sending; it is sent once it is on disk. NULL with
 * XG_SESSION_ERROR_INVALID_INPUT when it breaks the payload rules
 * (xg-proto-limits.h), or XG_SESSION_ERROR_NOT_LOGGED_IN once the account
 * is gone. */
XgMessage    *xg_conversation_send_text        (XgConversation  *self,
                                                const char      *text,
                                                GError         **error);
XgMessage    *xg_conversation_send_image       (XgConversation  *self,
                                                const char      *mime_type,
                                                GBytes          *image,
                                                GError         **error);
XgMessage    *xg_conversation_send_file        (XgConversation  *self,
                                                const char      *name,
                                                const char      *mime_type,
                                                GBytes          *data,
                                                GError         **error);
/* A failed message goes back to sending, with its first id. */
void          xg_conversation_retry            (XgConversation  *self,
                                                XgMessage       *message);
/* The user has seen everything here: unread goes to 0. */
void          xg_conversation_mark_read        (XgConversation  *self);

G_END_DECLS
