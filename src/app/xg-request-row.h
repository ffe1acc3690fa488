/* xg-request-row.h: one friend request on the requests page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-friend-request.h"

G_BEGIN_DECLS

#define XG_TYPE_REQUEST_ROW (xg_request_row_get_type ())
G_DECLARE_FINAL_TYPE (XgRequestRow, xg_request_row, XG, REQUEST_ROW, GtkListBoxRow)

GtkWidget       *xg_request_row_new         (XgFriendRequest *request);
XgFriendRequest *xg_request_row_get_request (XgRequestRow    *self);
/* While an answer is on its way: the buttons wait. */
void             xg_request_row_set_busy    (XgRequestRow    *self,
                                             gboolean         busy);
/* Says again how long ago the request came (the page calls it each minute). */
void             xg_request_row_update_time (XgRequestRow    *self);

G_END_DECLS
