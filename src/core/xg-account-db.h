/* xg-account-db.h: what one account knows, on this device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * $XDG_DATA_HOME/xinge/<app profile>/accounts/<id>.db (see xg-paths.h),
 * owned by the logged-in XgSession: the account's profile, its contacts
 * and friend requests (xg-account-db-contacts.c); messages and the outbox
 * come next, each in a file of its own around xg-account-db-private.h.
 * An XgDb: opened on its own thread, every call async, and
 * synchronous=FULL, because the client acknowledges from it.
 */
#pragma once

#include "xg-db.h"

G_BEGIN_DECLS

#define XG_TYPE_ACCOUNT_DB (xg_account_db_get_type ())
G_DECLARE_FINAL_TYPE (XgAccountDb, xg_account_db, XG, ACCOUNT_DB, XgDb)

XgAccountDb *xg_account_db_new                 (const char           *path);

/* The profile as a PROFILE body "(tssa{sv})". */
void         xg_account_db_store_profile_async  (XgAccountDb          *self,
                                                 GVariant             *profile,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean     xg_account_db_store_profile_finish (XgAccountDb          *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
/* NULL from finish when nothing is stored yet. */
void         xg_account_db_load_profile_async   (XgAccountDb          *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GVariant    *xg_account_db_load_profile_finish  (XgAccountDb          *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

G_END_DECLS
