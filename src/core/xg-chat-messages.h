/* xg-chat-messages.h: a conversation's messages, a page at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GListModel of XgMessage in conversation order (by sequence, the outbox
 * last). It reads one page from the account database when it is made and
 * an older one on each xg_chat_messages_load_older_async(), so a chat of
 * 100,000 messages costs one page to open; messages that arrive or are
 * sent meanwhile are inserted where they belong.
 */
#pragma once

#include <gio/gio.h>

#include "xg-types.h"

G_BEGIN_DECLS

#define XG_TYPE_CHAT_MESSAGES (xg_chat_messages_get_type ())
G_DECLARE_FINAL_TYPE (XgChatMessages, xg_chat_messages, XG, CHAT_MESSAGES, GObject)

/* Properties (read-only, notified): loading (gboolean: a page is being
 * read), has-older (gboolean: older messages may exist, here or on the
 * server). */

gboolean xg_chat_messages_get_loading      (XgChatMessages       *self);
gboolean xg_chat_messages_get_has_older    (XgChatMessages       *self);

/* Reads the page before the oldest shown: from the account database, or
 * from the server's history when the database has no more. */
void     xg_chat_messages_load_older_async  (XgChatMessages      *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean xg_chat_messages_load_older_finish (XgChatMessages      *self,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
