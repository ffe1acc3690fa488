/* xg-saved-login.h: the login an app profile keeps ("remember me")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The keyring is shared by every app profile of the user, so each profile
 * writes down (in its own state file) which login it saved: a profile
 * resumes only the account it remembered itself. The policy, in one place:
 *
 *  - after the user logs in, xg_saved_login_remember() keeps that login
 *    (its resume token in the keyring) or, without "remember me", forgets
 *    any other; a profile keeps at most one;
 *  - it then follows the session: a forced logout that means the token must
 *    not bring this device back by itself (logged in elsewhere, account
 *    disabled, token refused) forgets it; a lost heartbeat or a server
 *    shutdown does not;
 *  - a password change's new token and an address change's new address
 *    replace the saved ones; deleting the account forgets the login;
 *  - logging out, or turning "remember me" off, is xg_saved_login_forget().
 *
 * The password is never stored.
 */
#pragma once

#include <gio/gio.h>

#include "xg-keyring.h"
#include "xg-types.h"

G_BEGIN_DECLS

#define XG_TYPE_SAVED_LOGIN (xg_saved_login_get_type ())
G_DECLARE_FINAL_TYPE (XgSavedLogin, xg_saved_login, XG, SAVED_LOGIN, GObject)

/* @state_path: this profile's state file (xg_paths_app_dir()/state.ini),
 * read now (it is a few bytes) and written asynchronously. */
XgSavedLogin  *xg_saved_login_new             (const char           *state_path);

/* The last login on this profile, remembered or not (to fill in the form). */
const char    *xg_saved_login_get_server      (XgSavedLogin         *self);
const char    *xg_saved_login_get_email       (XgSavedLogin         *self);
gboolean       xg_saved_login_get_remembered  (XgSavedLogin         *self);

/* Resumes the remembered login on @session (xg_session_resume()) and
 * follows it, as after remember(). */
void           xg_saved_login_resume          (XgSavedLogin         *self,
                                               XgSession            *session,
                                               const XgCredentials  *credentials);
/* Call once @session has logged in at the user's hand. */
void           xg_saved_login_remember        (XgSavedLogin         *self,
                                               XgSession            *session,
                                               gboolean              remember);
void           xg_saved_login_forget          (XgSavedLogin         *self);

/* The credentials this profile remembered for @server, from the keyring;
 * NULL from finish when it remembered none (or the keyring lost them). */
void           xg_saved_login_lookup_async    (XgSavedLogin         *self,
                                               const char           *server,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
XgCredentials *xg_saved_login_lookup_finish   (XgSavedLogin         *self,
                                               GAsyncResult         *result,
                                               GError              **error);

G_END_DECLS
