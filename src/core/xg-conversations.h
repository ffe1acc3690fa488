/* xg-conversations.h: the account's chats, one-to-one and groups, as a list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GListModel of XgConversation, the most recent activity first. It shows
 * what the account database kept at once; from then on it stores every
 * message the server delivers (each (conversation, seq) once, however
 * often it arrives), acknowledges what it stored, fetches what a gap says
 * is missing, and sends the outbox after every login. One per logged-in
 * session (xg_session_get_conversations()).
 */
#pragma once

#include <gio/gio.h>

#include "xg-conversation.h"
#include "xg-manager.h"
#include "xg-types.h"

G_BEGIN_DECLS

#define XG_TYPE_CONVERSATIONS (xg_conversations_get_type ())
G_DECLARE_FINAL_TYPE (XgConversations, xg_conversations, XG, CONVERSATIONS, XgManager)

/* Properties: loaded (gboolean), unread (guint: over all conversations).
 *
 * Signals:
 *   mentioned (XgConversation *conversation, XgMessage *message): a
 *     group message just delivered names the account ("@Nickname"). */

gboolean        xg_conversations_get_loaded (XgConversations *self);
guint           xg_conversations_get_unread (XgConversations *self);
/* The conversation with @peer_id, made (and listed once it has a message)
 * if there is none yet (transfer none). */
XgConversation *xg_conversations_get        (XgConversations *self,
                                             guint64          peer_id);
/* The group's conversation, likewise (transfer none). */
XgConversation *xg_conversations_get_group  (XgConversations *self,
                                             guint64          group_id);

G_END_DECLS
