/* xg-join-group-window.h: find a group by its number and ask to join
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_JOIN_GROUP_WINDOW (xg_join_group_window_get_type ())
G_DECLARE_FINAL_TYPE (XgJoinGroupWindow, xg_join_group_window, XG, JOIN_GROUP_WINDOW, AdwWindow)

/* Signals: applied (XgGroup *brief): the request went out; the window
 * closes. */

XgJoinGroupWindow *xg_join_group_window_new       (XgSession         *session);
/* The group the last Look Up found (NULL while none is shown). */
XgGroup           *xg_join_group_window_get_found (XgJoinGroupWindow *self);

G_END_DECLS
