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

/* --- Contacts and friend requests (xg-account-db-contacts.c) --- */

typedef struct {
  guint64   id;
  char     *nickname;
  char     *remark;
  GVariant *info;       /* the USER_INFO body (tsa{sv}) last fetched, or NULL */
} XgStoredContact;

XgStoredContact *xg_stored_contact_new  (guint64          id,
                                         const char      *nickname,
                                         const char      *remark);
void             xg_stored_contact_free (XgStoredContact *contact);

typedef struct {
  gboolean  outgoing;   /* this account asked */
  guint64   peer_id;
  char     *nickname;
  char     *greeting;
  gint64    time;       /* seconds since the epoch */
} XgStoredRequest;

XgStoredRequest *xg_stored_request_new  (gboolean         outgoing,
                                         guint64          peer_id,
                                         const char      *nickname,
                                         const char      *greeting,
                                         gint64           time);
void             xg_stored_request_free (XgStoredRequest *request);

/* Finish: a GPtrArray of XgStoredContact, with their info. */
void         xg_account_db_load_contacts_async      (XgAccountDb          *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray   *xg_account_db_load_contacts_finish     (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Replaces the friend list (ids, nicknames, remarks; their info is kept,
 * and dropped for accounts that are no longer friends). */
void         xg_account_db_save_contacts_async      (XgAccountDb          *self,
                                                     GPtrArray            *contacts,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean     xg_account_db_save_contacts_finish     (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Keeps a friend's public profile, a USER_INFO body. */
void         xg_account_db_store_contact_info_async (XgAccountDb          *self,
                                                     GVariant             *user_info,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean     xg_account_db_store_contact_info_finish (XgAccountDb         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
/* Finish: a GPtrArray of XgStoredRequest, oldest first. */
void         xg_account_db_load_requests_async      (XgAccountDb          *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray   *xg_account_db_load_requests_finish     (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Replaces the pending requests, both ways. */
void         xg_account_db_save_requests_async      (XgAccountDb          *self,
                                                     GPtrArray            *requests,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean     xg_account_db_save_requests_finish     (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
