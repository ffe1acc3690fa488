/* xg-friend-page.h: a friend's page, in the main window's content pane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_FRIEND_PAGE (xg_friend_page_get_type ())
G_DECLARE_FINAL_TYPE (XgFriendPage, xg_friend_page, XG, FRIEND_PAGE, AdwBin)

GtkWidget *xg_friend_page_new         (XgSession    *session);
XgSession *xg_friend_page_get_session (XgFriendPage *self);
XgContact *xg_friend_page_get_contact (XgFriendPage *self);
/* Shows @contact (and fetches their profile again), or nobody. */
void       xg_friend_page_set_contact (XgFriendPage *self,
                                       XgContact    *contact);
/* The "Remove Friend?" dialog while it is open, else NULL. */
GtkWindow *xg_friend_page_get_remove_dialog (XgFriendPage *self);

G_END_DECLS
