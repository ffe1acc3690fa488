/* xg-link.h: one connection to a Xinge server (core-private)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The link owns the wire: it connects on demand (TLS; the server's
 * certificate pinned on first use in the device database), says HELLO,
 * keeps the connection alive with heartbeats at the interval WELCOME
 * announced, notices a silent server, frames and queues what is sent,
 * matches answers to requests by request id, and hands everything else
 * on as pushes. When asked to, it reconnects by itself after a loss, with
 * exponential backoff and jitter.
 *
 * It knows nothing of accounts: XgSession logs in over it. Only the core
 * uses it; packets never leave the core.
 */
#pragma once

#include <gio/gio.h>

#include "xg-device-db.h"
#include "xg-proto.h"
#include "xg-types.h"

G_BEGIN_DECLS

typedef enum {
  XG_LINK_CLOSED,
  XG_LINK_CONNECTING,   /* looking up the pin, connecting, TLS, HELLO */
  XG_LINK_READY,        /* WELCOME received: requests go out */
} XgLinkState;

#define XG_TYPE_LINK (xg_link_get_type ())
G_DECLARE_FINAL_TYPE (XgLink, xg_link, XG, LINK, GObject)

/* Properties: server ("host:port", construct-only), device-db (construct-
 * only), state (XgLinkState), reconnect (gboolean, read-write: whether a
 * lost or failed link is brought back by itself), reconnecting (gboolean:
 * a retry is scheduled or under way after a loss), fingerprint (string:
 * the certificate the server presented last).
 *
 * Signals:
 *   greeting (): HELLO went out; until WELCOME only a TOKEN_LOGIN is sent
 *     (right behind HELLO, docs/PROTOCOL.md 3.1), the rest waits.
 *   ready (): WELCOME arrived; requests sent from here on go out at once.
 *     Emitted before the requests that waited for the link are sent.
 *   lost (GError *error): the connection, or an attempt to make one, ended
 *     without close() being called; requests in flight have failed, and
 *     waiting ones keep waiting if the link will reconnect (reconnecting
 *     is then TRUE) or have failed too.
 *   push (gpointer frame): an XgProtoFrame with request id 0, or an ERROR
 *     that answers no request of ours; valid during the emission only.
 *   identity-changed (const char *pinned, const char *presented): the
 *     server's certificate is not the pinned one; nothing was sent, and the
 *     link does not try again by itself. */

XgLink       *xg_link_new                (const char           *server,
                                          XgDeviceDb           *device_db);
const char   *xg_link_get_server         (XgLink               *self);
XgLinkState   xg_link_get_state          (XgLink               *self);
const char   *xg_link_get_fingerprint    (XgLink               *self);
gboolean      xg_link_get_reconnecting   (XgLink               *self);
gboolean      xg_link_get_reconnect      (XgLink               *self);
void          xg_link_set_reconnect      (XgLink               *self,
                                          gboolean              reconnect);
/* Seconds between heartbeats, until WELCOME says otherwise. */
void          xg_link_set_heartbeat_interval (XgLink           *self,
                                          guint                 seconds);

/* Connects unless connected or connecting. */
void          xg_link_open               (XgLink               *self);
/* Drops the connection as if it was lost: "lost" is emitted, and the link
 * reconnects if it does so by itself. */
void          xg_link_drop               (XgLink               *self,
                                          const char           *why);
/* Closes at once: requests in flight and waiting fail with
 * XG_SESSION_ERROR_DISCONNECTED, and no reconnect follows. */
void          xg_link_close              (XgLink               *self);

/* Sends a request once the link is ready (connecting if need be) and
 * completes with its direct answer: any packet, ERROR included, that
 * carries its request id. A TOKEN_LOGIN goes right behind HELLO instead;
 * lost before WELCOME, it waits for the next connection as if it had not
 * been sent. Fails with XG_SESSION_ERROR_DISCONNECTED if the
 * link drops first, XG_SESSION_ERROR_UNREACHABLE if it cannot be made,
 * XG_SESSION_ERROR_IDENTITY_CHANGED if the server is not the pinned one.
 * @body: (transfer floating) */
void          xg_link_request_async      (XgLink               *self,
                                          guint16               type,
                                          GVariant             *body,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
XgProtoFrame *xg_link_request_finish     (XgLink               *self,
                                          GAsyncResult         *result,
                                          GError              **error);
/* Sends a packet that nothing answers (MSG_RECEIVED_ACK) on the current
 * connection; FALSE, sending nothing, when there is none ready.
 * @body: (transfer floating) */
gboolean      xg_link_send               (XgLink               *self,
                                          guint16               type,
                                          GVariant             *body);

G_END_DECLS
