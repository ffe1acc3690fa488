/* xg-message-private.h: how the core makes and moves XgMessages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "xg-account-db.h"
#include "xg-message.h"

G_BEGIN_DECLS

XgMessage *xg_message_new_from_stored (const XgStoredMessage *stored,
                                       guint64                account_id);
/* Moves what may move, notifying what changed. */
void       xg_message_update          (XgMessage             *self,
                                       guint64                seq,
                                       gint64                 time,
                                       XgMessageState         state,
                                       guint                  failure);
gint64     xg_message_get_local_id    (XgMessage             *self);
/* The conversation's key in the account database (xg-account-db.h). */
guint64    xg_message_get_key         (XgMessage             *self);
/* Sets mentions-me if the text names @nickname as "@nickname". */
void       xg_message_detect_mention  (XgMessage             *self,
                                       const char            *nickname);
GBytes    *xg_message_get_payload     (XgMessage             *self);
guint32    xg_message_get_msg_type    (XgMessage             *self);

G_END_DECLS
