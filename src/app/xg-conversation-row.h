/* xg-conversation-row.h: one chat in the sidebar's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-conversation.h"
#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_CONVERSATION_ROW (xg_conversation_row_get_type ())
G_DECLARE_FINAL_TYPE (XgConversationRow, xg_conversation_row, XG, CONVERSATION_ROW, GtkWidget)

GtkWidget      *xg_conversation_row_new              (XgSession         *session);
XgConversation *xg_conversation_row_get_conversation (XgConversationRow *self);
void            xg_conversation_row_set_conversation (XgConversationRow *self,
                                                      XgConversation    *conversation);

G_END_DECLS
