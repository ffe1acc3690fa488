/* xg-device-db.h: what one app profile knows before anyone logs in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * $XDG_DATA_HOME/xinge/<app profile>/device.db (see xg-paths.h): the
 * certificate pinned for each server the profile has talked to (trust on
 * first use). An XgDb: opened on its own thread, every call async.
 */
#pragma once

#include "xg-db.h"

G_BEGIN_DECLS

#define XG_TYPE_DEVICE_DB (xg_device_db_get_type ())
G_DECLARE_FINAL_TYPE (XgDeviceDb, xg_device_db, XG, DEVICE_DB, XgDb)

XgDeviceDb *xg_device_db_new              (const char           *path);

/* The SHA-256 fingerprint ("AB:CD:…") pinned for a "host:port"; NULL from
 * finish when none is pinned yet. */
void        xg_device_db_lookup_pin_async (XgDeviceDb           *self,
                                           const char           *server,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
char       *xg_device_db_lookup_pin_finish (XgDeviceDb          *self,
                                            GAsyncResult        *result,
                                            GError             **error);
void        xg_device_db_store_pin_async  (XgDeviceDb           *self,
                                           const char           *server,
                                           const char           *fingerprint,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean    xg_device_db_store_pin_finish (XgDeviceDb           *self,
                                           GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
