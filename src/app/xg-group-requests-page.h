/* xg-group-requests-page.h: join requests to answer, and invitations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_GROUP_REQUESTS_PAGE (xg_group_requests_page_get_type ())
G_DECLARE_FINAL_TYPE (XgGroupRequestsPage, xg_group_requests_page, XG, GROUP_REQUESTS_PAGE, AdwBin)

GtkWidget *xg_group_requests_page_new (XgSession *session);

G_END_DECLS
