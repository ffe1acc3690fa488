/* xg-paths.h: where the client keeps its files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything lives under $XDG_DATA_HOME/xinge/<app profile>/, one folder
 * per app profile (so two people, or two test clients, can share a
 * machine), created on demand with mode 0700:
 *
 *   device.db            pinned server certificates (XgDeviceDb)
 *   accounts/<id>.db     one database per account (XgAccountDb)
 *
 * An app profile name is one path component: no '/' and not "." or "..";
 * %NULL and "" mean "default". The functions return the path even when a
 * folder could not be created (after a warning): opening the database
 * there then fails with an error that names it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  xg_paths_is_valid_app_profile (const char *app_profile);
char     *xg_paths_app_dir              (const char *app_profile);
char     *xg_paths_device_db            (const char *app_profile);
char     *xg_paths_account_db           (const char *app_profile,
                                         guint64     account_id);

G_END_DECLS
