/* xg-reset-page.h: "forgot password" in the login window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

#define XG_TYPE_RESET_PAGE (xg_reset_page_get_type ())
G_DECLARE_FINAL_TYPE (XgResetPage, xg_reset_page, XG, RESET_PAGE, GtkBox)

/* Starts over for @email (may be empty) on @session, the one the login
 * window uses, pointed at its server. */
void     xg_reset_page_start    (XgResetPage *self,
                                 XgSession   *session,
                                 const char  *email);
/* Stops what is in flight (the user went back). */
void     xg_reset_page_cancel   (XgResetPage *self);

/* Signal: done (const char *email): the password was reset; the user logs
 * in with the new one. */

G_END_DECLS
