/* xg-session-private.h: what the core's own parts use of XgSession
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The per-account managers (XgContacts, XgFriendRequests, …) send their
 * requests through the session, which holds them while a lost login comes
 * back, and receive the server's pushes through one table in
 * xg-session.c. None of this is for the app: packets never leave the core.
 */
#pragma once

#include "xg-account-db.h"
#include "xg-proto.h"
#include "xg-session.h"

G_BEGIN_DECLS

/* Sends a request and completes with its direct answer. With @needs_login,
 * a session that is getting its login back holds the request until it is
 * logged in again, and one without a login fails it with NOT_LOGGED_IN.
 * An ERROR answer completes with a GError (XG_SESSION_ERROR, its code
 * translated). The answer is handed over however the caller's own call
 * ends: a manager applies it even if the user cancelled meanwhile.
 *
 * A request with @needs_login is bounded by XgSession:request-timeout,
 * counted from now: it fails with XG_SESSION_ERROR_OFFLINE if the login
 * is not back by then (nothing was sent), with XG_SESSION_ERROR_TIMED_OUT
 * if the server has not answered. An answer that comes after that is
 * applied as a push of its type would be.
 *
 * A request in flight does not keep the session alive (its callback gets
 * no source object): when the owner drops the session, it closes, and
 * the request fails with XG_SESSION_ERROR_DISCONNECTED.
 * @body: (transfer floating) */
void          xg_session_request_async  (XgSession           *self,
                                         guint16              type,
                                         GVariant            *body,
                                         gboolean             needs_login,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
XgProtoFrame *xg_session_request_finish (GAsyncResult        *result,
                                         GError             **error);

/* Sends a packet that nothing answers, if the session is logged in now;
 * FALSE (nothing sent) otherwise. @body: (transfer floating) */
gboolean      xg_session_send           (XgSession           *self,
                                         guint16              type,
                                         GVariant            *body);
/* Applies a packet as if it had been pushed: for answers that mean what
 * the other side is pushed (FRIEND_REQUEST_ACCEPTED answers FRIEND_ACCEPT). */
void          xg_session_apply_push     (XgSession           *self,
                                         const XgProtoFrame  *frame);

/* The logged-in account's database, or NULL. */
XgAccountDb  *xg_session_get_account_db (XgSession           *self);

/* The push table, for tests: whether pushes of @type have a handler, and
 * whether @type is never pushed (only ever an answer). */
typedef enum {
  XG_SESSION_PUSH_UNKNOWN,    /* not in the table: a gap the test reports */
  XG_SESSION_PUSH_HANDLED,
  XG_SESSION_PUSH_ANSWER_ONLY,
} XgSessionPushKind;

XgSessionPushKind xg_session_push_kind  (guint16              type);

G_END_DECLS
