/* xg-server-request.c: one request on its way to its answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include "xg-server-request.h"

void
xg_server_request_init (XgServerRequest    *req,
                        XgServerConnection *conn,
                        const XgProtoFrame *frame)
{
  req->conn = xg_server_connection_ref (conn);
  req->type = frame->type;
  req->request_id = frame->request_id;
}

void
xg_server_request_clear (XgServerRequest *req)
{
  g_clear_pointer (&req->conn, xg_server_connection_unref);
}

XgServer *
xg_server_request_get_server (const XgServerRequest *req)
{
  return req->conn->server;
}

/**
 * xg_server_request_reply:
 * @body: (transfer floating): the answer's body
 *
 * Answers the request with its request id, unless its connection has gone.
 */
void
xg_server_request_reply (const XgServerRequest *req,
                         guint16                type,
                         GVariant              *body)
{
  xg_server_connection_send (req->conn, type, req->request_id, body);
}

void
xg_server_request_reply_error (const XgServerRequest *req,
                               XgProtoErrorCode       code,
                               const char            *message)
{
  XgProtoFrame frame = { .type = req->type, .request_id = req->request_id };

  xg_server_connection_send_error (req->conn, &frame, code, message);
}
