/* xg-server-request.h: one request on its way to its answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A handler that answers later (after the store, the hasher or the mailer)
 * keeps what it needs in a struct of its own domain that embeds an
 * XgServerRequest as its first member. The request holds the connection,
 * whose answers are silently dropped if it closed meanwhile.
 */
#pragma once

#include "xg-server-private.h"

G_BEGIN_DECLS

typedef struct {
  XgServerConnection *conn;        /* owned */
  guint16             type;
  guint32             request_id;
} XgServerRequest;

void      xg_server_request_init        (XgServerRequest        *req,
                                         XgServerConnection     *conn,
                                         const XgProtoFrame     *frame);
void      xg_server_request_clear       (XgServerRequest        *req);
XgServer *xg_server_request_get_server  (const XgServerRequest  *req);
void      xg_server_request_reply       (const XgServerRequest  *req,
                                         guint16                 type,
                                         GVariant               *body);
void      xg_server_request_reply_error (const XgServerRequest  *req,
                                         XgProtoErrorCode        code,
                                         const char             *message);

G_END_DECLS
