/* xg-login-window.h: log in or register
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-application.h"

G_BEGIN_DECLS

#define XG_TYPE_LOGIN_WINDOW (xg_login_window_get_type ())
G_DECLARE_FINAL_TYPE (XgLoginWindow, xg_login_window, XG, LOGIN_WINDOW, AdwApplicationWindow)

XgLoginWindow *xg_login_window_new        (XgApplication *application,
                                           XgSession     *session);
void           xg_login_window_set_email  (XgLoginWindow *self,
                                           const char    *email);
/* Shows @message as a toast over the window. */
void           xg_login_window_add_toast  (XgLoginWindow *self,
                                           const char    *message);
/* Shows the login form with @message under it (NULL hides it). */
void           xg_login_window_show_error (XgLoginWindow *self,
                                           const char    *message);

G_END_DECLS
