/* xg-friend-request.h: a friend request that waits for an answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The items of XgFriendRequests: someone asked this account (incoming),
 * or this account asked someone (outgoing). Read-only from outside.
 */
#pragma once

#include <glib-object.h>

#include "xg-profile.h"
#include "xg-types.h"

G_BEGIN_DECLS

#define XG_TYPE_FRIEND_REQUEST (xg_friend_request_get_type ())
G_DECLARE_FINAL_TYPE (XgFriendRequest, xg_friend_request, XG, FRIEND_REQUEST, GObject)

/* Properties (read-only): outgoing (gboolean), peer-id (guint64: who asked,
 * or whom this account asked), nickname (the peer's), greeting, time
 * (gint64, seconds since the epoch), profile (XgProfile of the peer; its
 * avatar and other fields fill in once fetched). */

gboolean    xg_friend_request_get_outgoing (XgFriendRequest *self);
guint64     xg_friend_request_get_peer_id  (XgFriendRequest *self);
const char *xg_friend_request_get_nickname (XgFriendRequest *self);
const char *xg_friend_request_get_greeting (XgFriendRequest *self);
gint64      xg_friend_request_get_time     (XgFriendRequest *self);
XgProfile  *xg_friend_request_get_profile  (XgFriendRequest *self);

G_END_DECLS
