/* xg-main-window.h: the window of a logged-in account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-application.h"
#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_MAIN_WINDOW (xg_main_window_get_type ())
G_DECLARE_FINAL_TYPE (XgMainWindow, xg_main_window, XG, MAIN_WINDOW, AdwApplicationWindow)

XgMainWindow *xg_main_window_new         (XgApplication *application,
                                          XgSession     *session);
XgSession    *xg_main_window_get_session (XgMainWindow  *self);
/* The profile window, opening it if need be. */
GtkWindow    *xg_main_window_show_profile (XgMainWindow *self);
/* The Add Friend window, opening it if need be. */
GtkWindow    *xg_main_window_show_add_friend (XgMainWindow *self);
/* The friend requests page in the content pane. */
void          xg_main_window_show_friend_requests (XgMainWindow *self);
/* Opens the chat with the friend @peer_id (FALSE without an account). */
gboolean      xg_main_window_show_chat    (XgMainWindow *self,
                                           guint64       peer_id);
/* A friend's page in the content pane (selects them in the list). */
void          xg_main_window_show_contact (XgMainWindow *self,
                                           XgContact    *contact);

/* Groups: a group's chat, its page, the requests to answer, and the two
 * windows to make or find one. */
gboolean      xg_main_window_show_group_chat     (XgMainWindow *self,
                                                  guint64       group_id);
gboolean      xg_main_window_show_group          (XgMainWindow *self,
                                                  guint64       group_id);
void          xg_main_window_show_group_requests (XgMainWindow *self);
GtkWindow    *xg_main_window_show_new_group      (XgMainWindow *self);
GtkWindow    *xg_main_window_show_join_group     (XgMainWindow *self);

G_END_DECLS
