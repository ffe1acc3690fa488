/* xg-new-group-window.h: create a group (name, description, picture)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_NEW_GROUP_WINDOW (xg_new_group_window_get_type ())
G_DECLARE_FINAL_TYPE (XgNewGroupWindow, xg_new_group_window, XG, NEW_GROUP_WINDOW, AdwWindow)

/* Signals: created (XgGroup *group): the group exists; the window closes. */

XgNewGroupWindow *xg_new_group_window_new (XgSession *session);

G_END_DECLS
