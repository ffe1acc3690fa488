/* xg-requests-page.h: the friend requests, in the main window's content pane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_REQUESTS_PAGE (xg_requests_page_get_type ())
G_DECLARE_FINAL_TYPE (XgRequestsPage, xg_requests_page, XG, REQUESTS_PAGE, AdwBin)

GtkWidget *xg_requests_page_new         (XgSession      *session);
XgSession *xg_requests_page_get_session (XgRequestsPage *self);

G_END_DECLS
