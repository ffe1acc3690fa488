/* xg-application.h: the Xinge desktop app, one instance per profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application owns the profile's device database, its one XgSession
 * and the saved login, and shows the login window or the main window as
 * the session gains or loses its account. Windows call the session
 * themselves and reach the application only through its actions.
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

#define XG_APPLICATION_DEFAULT_PROFILE "default"

#define XG_TYPE_APPLICATION (xg_application_get_type ())
G_DECLARE_FINAL_TYPE (XgApplication, xg_application, XG, APPLICATION, AdwApplication)

XgApplication *xg_application_new                (void);

/* Profiles: 1–64 of [A-Za-z0-9._-], not starting with ".". */
gboolean       xg_application_profile_is_valid   (const char     *profile);
char          *xg_application_id_for_profile     (const char     *profile);
/* Only before the application is registered (it changes the app id). */
gboolean       xg_application_set_profile        (XgApplication  *self,
                                                  const char     *profile,
                                                  GError        **error);
const char    *xg_application_get_profile        (XgApplication  *self);

/* "host:port": --server for this run, else the GSettings key "server". */
const char    *xg_application_get_server         (XgApplication  *self);
void           xg_application_set_server         (XgApplication  *self,
                                                  const char     *server);
GSettings     *xg_application_get_settings       (XgApplication  *self);

/* The profile's session, from startup on (it has an account while the
 * main window shows). */
XgSession     *xg_application_get_session        (XgApplication  *self);

/* The windows as they are now (NULL when not shown); for tests too. */
GtkWindow     *xg_application_get_login_window   (XgApplication  *self);
GtkWindow     *xg_application_get_main_window    (XgApplication  *self);
/* The identity-changed or forced-logout dialog on screen, or NULL. */
GtkWindow     *xg_application_get_alert_dialog   (XgApplication  *self);


G_END_DECLS
