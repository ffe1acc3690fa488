/* xg-message.h: one message of a conversation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The items of a conversation's messages model (XgChatMessages). Read-only
 * from outside; the core moves its state as the server answers, and the
 * UI binds to the properties.
 */
#pragma once

#include <gio/gio.h>

#include "xg-types.h"

G_BEGIN_DECLS

/**
 * XgMessageState:
 * @XG_MESSAGE_SENDING: in the outbox; the server has not committed it yet
 * @XG_MESSAGE_SENT: the server committed it (MSG_SENT_ACK), or it was received
 * @XG_MESSAGE_DELIVERED: an own message the peer has committed
 * @XG_MESSAGE_FAILED: the server refused it; XgMessage:failure says why,
 *   and xg_conversation_retry() sends it again with the same id
 *
 * docs/PROTOCOL.md 7.4.
 */
typedef enum {
  XG_MESSAGE_SENDING,
  XG_MESSAGE_SENT,
  XG_MESSAGE_DELIVERED,
  XG_MESSAGE_FAILED,
} XgMessageState;

GType xg_message_state_get_type (void);
#define XG_TYPE_MESSAGE_STATE (xg_message_state_get_type ())

/**
 * XgMessageKind:
 * @XG_MESSAGE_KIND_TEXT: XgMessage:text
 * @XG_MESSAGE_KIND_IMAGE: XgMessage:mime-type and XgMessage:data
 * @XG_MESSAGE_KIND_FILE: XgMessage:file-name, XgMessage:mime-type and XgMessage:data
 * @XG_MESSAGE_KIND_UNSUPPORTED: a type this version does not know, or a
 *   payload that breaks its type's rules: kept, shown as unsupported
 */
typedef enum {
  XG_MESSAGE_KIND_TEXT,
  XG_MESSAGE_KIND_IMAGE,
  XG_MESSAGE_KIND_FILE,
  XG_MESSAGE_KIND_UNSUPPORTED,
} XgMessageKind;

GType xg_message_kind_get_type (void);
#define XG_TYPE_MESSAGE_KIND (xg_message_kind_get_type ())

#define XG_TYPE_MESSAGE (xg_message_get_type ())
G_DECLARE_FINAL_TYPE (XgMessage, xg_message, XG, MESSAGE, GObject)

/* Properties (read-only): peer-id, sender-id, outgoing, client-msg-id,
 * kind, text, file-name, mime-type, data (GBytes); notified as they move:
 * seq (0 while in the outbox), time (µs since the epoch: the server's, or
 * when it was written), state, failure (the XgSessionError code the server
 * refused it with; meaningful only when failed). */

/* The peer (one-to-one) or the group the message belongs to. */
guint64         xg_message_get_peer_id       (XgMessage *self);
gboolean        xg_message_get_group         (XgMessage *self);
/* An incoming group message that names this account ("@Nickname"). */
gboolean        xg_message_get_mentions_me   (XgMessage *self);
guint64         xg_message_get_sender_id     (XgMessage *self);
gboolean        xg_message_get_outgoing      (XgMessage *self);
guint64         xg_message_get_client_msg_id (XgMessage *self);
guint64         xg_message_get_seq           (XgMessage *self);
gint64          xg_message_get_time          (XgMessage *self);
XgMessageState  xg_message_get_state         (XgMessage *self);
guint           xg_message_get_failure       (XgMessage *self);
XgMessageKind   xg_message_get_kind          (XgMessage *self);
const char     *xg_message_get_text          (XgMessage *self);
const char     *xg_message_get_file_name     (XgMessage *self);
const char     *xg_message_get_mime_type     (XgMessage *self);
GBytes         *xg_message_get_data          (XgMessage *self);

G_END_DECLS
