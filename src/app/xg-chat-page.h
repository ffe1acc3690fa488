/* xg-chat-page.h: a chat with one friend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_CHAT_PAGE (xg_chat_page_get_type ())
G_DECLARE_FINAL_TYPE (XgChatPage, xg_chat_page, XG, CHAT_PAGE, AdwBin)

GtkWidget      *xg_chat_page_new              (XgSession      *session);
XgConversation *xg_chat_page_get_conversation (XgChatPage     *self);
void            xg_chat_page_set_conversation (XgChatPage     *self,
                                               XgConversation *conversation);
/* Sends @file as an image (image/…) or a file, after checking its size;
 * what goes wrong shows under the messages. */
void            xg_chat_page_send_file        (XgChatPage     *self,
                                               GFile          *file);
/* Puts the keyboard in the composer. */
void            xg_chat_page_focus_composer   (XgChatPage     *self);

G_END_DECLS
