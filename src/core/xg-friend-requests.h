/* xg-friend-requests.h: friend requests waiting for an answer, both ways
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GListModel of XgFriendRequest, newest first: the requests others made
 * to this account and the ones it made, until they are answered or time
 * out. Also the calls that make and answer them. One per logged-in
 * session (xg_session_get_friend_requests()); it stops answering when the
 * session ends.
 */
#pragma once

#include <gio/gio.h>

#include "xg-friend-request.h"
#include "xg-manager.h"
#include "xg-profile.h"
#include "xg-types.h"

G_BEGIN_DECLS

/**
 * XgFriendRequestOutcome:
 * @XG_FRIEND_REQUEST_ACCEPTED: they accepted: a new friend
 * @XG_FRIEND_REQUEST_DECLINED: they declined (perhaps with a reason)
 * @XG_FRIEND_REQUEST_EXPIRED: nobody answered in time
 *
 * How one of this account's requests ended (XgFriendRequests::answered).
 */
typedef enum {
  XG_FRIEND_REQUEST_ACCEPTED,
  XG_FRIEND_REQUEST_DECLINED,
  XG_FRIEND_REQUEST_EXPIRED,
} XgFriendRequestOutcome;

#define XG_TYPE_FRIEND_REQUESTS (xg_friend_requests_get_type ())
G_DECLARE_FINAL_TYPE (XgFriendRequests, xg_friend_requests, XG, FRIEND_REQUESTS, XgManager)

/* Properties: loaded (gboolean), n-incoming (guint: requests waiting for
 * this account's answer, for a badge).
 *
 * Signals:
 *   incoming (XgFriendRequest *request): someone asked this account, and
 *     it had not heard of the request before (now or while offline).
 *   answered (guint64 peer_id, const char *nickname, guint outcome,
 *     const char *reason): one of this account's requests ended: an
 *     XgFriendRequestOutcome, and the reason the peer gave for declining. */

XgFriendRequest *xg_friend_requests_lookup          (XgFriendRequests    *self,
                                                     gboolean             outgoing,
                                                     guint64              peer_id);
gboolean         xg_friend_requests_get_loaded      (XgFriendRequests    *self);
guint            xg_friend_requests_get_n_incoming  (XgFriendRequests    *self);

/* Who has this address: their public profile (with the address as its
 * email), to show before asking them. XG_SESSION_ERROR_NOT_FOUND when
 * nobody has it, INVALID_INPUT for a malformed one, RATE_LIMITED after
 * too many lookups. */
void             xg_friend_requests_find_async      (XgFriendRequests    *self,
                                                     const char          *email,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
XgProfile       *xg_friend_requests_find_finish     (XgFriendRequests    *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

/* Asks @whom (a profile from find, or any account's) to be friends. A
 * request already waiting is the same request. @became_friends is set
 * when they had asked this account too: the two are friends now.
 * Errors: ALREADY_FRIENDS, NOT_FOUND, LIMIT_REACHED, INVALID_INPUT (a
 * greeting outside the rules, or asking oneself). */
void             xg_friend_requests_send_async      (XgFriendRequests    *self,
                                                     XgProfile           *whom,
                                                     const char          *greeting,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean         xg_friend_requests_send_finish     (XgFriendRequests    *self,
                                                     GAsyncResult        *result,
                                                     gboolean            *became_friends,
                                                     GError             **error);

/* Answers an incoming request. A request the server no longer has
 * (answered elsewhere, expired) fails with INVALID_INPUT and leaves the
 * model. */
void             xg_friend_requests_accept_async    (XgFriendRequests    *self,
                                                     XgFriendRequest     *request,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean         xg_friend_requests_accept_finish   (XgFriendRequests    *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
void             xg_friend_requests_decline_async   (XgFriendRequests    *self,
                                                     XgFriendRequest     *request,
                                                     const char          *reason,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean         xg_friend_requests_decline_finish  (XgFriendRequests    *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

G_END_DECLS
