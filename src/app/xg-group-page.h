/* xg-group-page.h: one group: its info, members, requests, and what one may do
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_GROUP_PAGE (xg_group_page_get_type ())
G_DECLARE_FINAL_TYPE (XgGroupPage, xg_group_page, XG, GROUP_PAGE, AdwBin)

/* Signals: open-chat (guint64 group_id): the user wants the group's chat. */

GtkWidget *xg_group_page_new       (XgSession   *session);
XgGroup   *xg_group_page_get_group (XgGroupPage *self);
void       xg_group_page_set_group (XgGroupPage *self,
                                    XgGroup     *group);
/* What the file chooser does with the chosen file: scales it down to
 * 256×256 at most and puts it in the form as the group's new picture
 * (not saved yet). */
void       xg_group_page_load_picture (XgGroupPage *self,
                                       GFile       *file);

G_END_DECLS
