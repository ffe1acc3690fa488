/* xg-add-friend-window.h: find someone by email and ask them to be friends
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_ADD_FRIEND_WINDOW (xg_add_friend_window_get_type ())
G_DECLARE_FINAL_TYPE (XgAddFriendWindow, xg_add_friend_window, XG, ADD_FRIEND_WINDOW, AdwWindow)

XgAddFriendWindow *xg_add_friend_window_new         (XgSession         *session);
XgSession         *xg_add_friend_window_get_session (XgAddFriendWindow *self);
/* Who the last Find found (NULL while nobody is shown). */
XgProfile         *xg_add_friend_window_get_found   (XgAddFriendWindow *self);

G_END_DECLS
