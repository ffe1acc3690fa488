/* xg-application.h: the Xinge desktop app, one instance per profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application owns the profile's device cache and the current
 * XgSession, and moves between the login window and the main window as
 * the session logs in, logs out or is forced out. Windows call the
 * session themselves and tell the application when a login succeeded.
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
gboolean       xg_application_server_is_valid    (const char     *server);
const char    *xg_application_get_server         (XgApplication  *self);
void           xg_application_set_server         (XgApplication  *self,
                                                  const char     *server);
GSettings     *xg_application_get_settings       (XgApplication  *self);

/* The current session, or NULL. */
XgSession     *xg_application_get_session        (XgApplication  *self);
/* A session for @server that is not logged in: the current one when it
 * fits, else a new one (the old one is closed). */
XgSession     *xg_application_ensure_session     (XgApplication  *self,
                                                  const char     *server,
                                                  GError        **error);

/* Called by the login window once the current session is logged in. */
void           xg_application_logged_in          (XgApplication  *self,
                                                  gboolean        remember);
/* Called when a saved token was refused: forgets it. */
void           xg_application_forget_credentials (XgApplication  *self,
                                                  const char     *server,
                                                  const char     *email);
/* Logs out on the server, forgets the saved token, shows the login window. */
void           xg_application_logout             (XgApplication  *self);

/* The windows as they are now (NULL when not shown); for tests too. */
GtkWindow     *xg_application_get_login_window   (XgApplication  *self);
GtkWindow     *xg_application_get_main_window    (XgApplication  *self);
/* The identity-changed or forced-logout dialog on screen, or NULL. */
GtkWindow     *xg_application_get_alert_dialog   (XgApplication  *self);

/* Formats "AB:CD:…" fingerprints as four lines of eight pairs. */
char          *xg_application_format_fingerprint (const char     *fingerprint);

G_END_DECLS
