/* xg-message-row.h: one message in a chat
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-conversation.h"
#include "xg-message.h"

G_BEGIN_DECLS

#define XG_TYPE_MESSAGE_ROW (xg_message_row_get_type ())
G_DECLARE_FINAL_TYPE (XgMessageRow, xg_message_row, XG, MESSAGE_ROW, GtkWidget)

/* The largest an image is shown inline, in pixels. */
#define XG_MESSAGE_ROW_IMAGE_MAX 320

GtkWidget      *xg_message_row_new         (void);
XgMessage      *xg_message_row_get_message (XgMessageRow   *self);
/* @previous: the message before it in the chat (for the day heading), or NULL. */
void            xg_message_row_set_message (XgMessageRow   *self,
                                            XgConversation *conversation,
                                            XgMessage      *message,
                                            XgMessage      *previous);
/* Shows the day heading when @previous is on another day (or NULL). */
void            xg_message_row_set_previous (XgMessageRow  *self,
                                             XgMessage     *previous);
/* A group message from someone else: who wrote it (NULL for none), and
 * whether the name and avatar show above it (the first of a run of one
 * sender's messages). */
void            xg_message_row_set_sender  (XgMessageRow   *self,
                                            const char     *sender,
                                            GdkPaintable   *avatar,
                                            gboolean        show_header);
gboolean        xg_message_row_shows_sender (XgMessageRow  *self);
/* Whether the row shows a picture (an image message that decoded). */
gboolean        xg_message_row_shows_picture (XgMessageRow *self);

G_END_DECLS
