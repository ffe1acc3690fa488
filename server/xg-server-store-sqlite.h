/* xg-server-store-sqlite.h: the embedded SQLite backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "xg-server-store.h"

G_BEGIN_DECLS

#define XG_TYPE_SERVER_STORE_SQLITE (xg_server_store_sqlite_get_type ())
G_DECLARE_FINAL_TYPE (XgServerStoreSqlite, xg_server_store_sqlite, XG, SERVER_STORE_SQLITE, XgServerStore)

XgServerStore *xg_server_store_sqlite_open (const char  *path,
                                            GError     **error);

G_END_DECLS
