/* xg-friend-requests-private.h: what the session tells XgFriendRequests
 * (core-private)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "xg-account-db.h"
#include "xg-friend-requests.h"
#include "xg-proto.h"

G_BEGIN_DECLS

XgFriendRequest  *xg_friend_request_new           (gboolean          outgoing,
                                                   guint64           peer_id,
                                                   const char       *nickname,
                                                   const char       *greeting,
                                                   gint64            time);
int               xg_friend_request_compare       (XgFriendRequest  *a,
                                                   XgFriendRequest  *b);
void              xg_friend_request_set_info      (XgFriendRequest  *self,
                                                   GVariant         *user_info);
void              xg_friend_request_set_confirmed (XgFriendRequest  *self,
                                                   gboolean          confirmed);
gboolean          xg_friend_request_get_confirmed (XgFriendRequest  *self);

XgFriendRequests *xg_friend_requests_new          (XgSession        *session,
                                                   XgAccountDb      *db);
void              xg_friend_requests_detach       (XgFriendRequests *self);

/* Pushes, each given its packet's body, from the session's push table.
 * Those that come before the database is read wait for it. */
void              xg_friend_requests_apply_incoming (XgFriendRequests *self,
                                                     GVariant         *friend_request_incoming);
void              xg_friend_requests_apply_outgoing (XgFriendRequests *self,
                                                     GVariant         *friend_request_outgoing);
void              xg_friend_requests_apply_accepted (XgFriendRequests *self,
                                                     GVariant         *friend_request_accepted);
void              xg_friend_requests_apply_rejected (XgFriendRequests *self,
                                                     GVariant         *friend_request_rejected);
void              xg_friend_requests_apply_timeout  (XgFriendRequests *self,
                                                     GVariant         *friend_request_timeout);
/* A login's pushes begin (LOGIN_OK) and end (SYNC_DONE): what the server
 * did not list in between has ended. */
void              xg_friend_requests_begin_sync     (XgFriendRequests *self);
void              xg_friend_requests_end_sync       (XgFriendRequests *self);

G_END_DECLS
