/* xg-contacts.h: the logged-in account's friends, as a list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GListModel of XgContact, ordered by display name, that a list view
 * binds to. It shows what the account database kept at once, and follows
 * the server from then on: the friend list at login and after each change,
 * presence, and profile changes. One per logged-in session
 * (xg_session_get_contacts()); it stops answering when the session ends.
 */
#pragma once

#include <gio/gio.h>

#include "xg-contact.h"
#include "xg-manager.h"
#include "xg-types.h"

G_BEGIN_DECLS

#define XG_TYPE_CONTACTS (xg_contacts_get_type ())
G_DECLARE_FINAL_TYPE (XgContacts, xg_contacts, XG, CONTACTS, XgManager)

/* Properties: loaded (gboolean: what the database had is shown, or the
 * server's list came first). Items change with "items-changed" as usual. */

XgContact *xg_contacts_lookup         (XgContacts           *self,
                                       guint64               account_id);
gboolean   xg_contacts_get_loaded     (XgContacts           *self);

/* Sets (or with "" clears) this account's own name for a friend; nobody
 * else sees it. Fails with XG_SESSION_ERROR_INVALID_INPUT for a remark
 * outside the rules (xg-proto-limits.h), without asking the server. */
void       xg_contacts_set_remark_async  (XgContacts          *self,
                                          XgContact           *contact,
                                          const char          *remark,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean   xg_contacts_set_remark_finish (XgContacts          *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* Ends the friendship, for both sides. */
void       xg_contacts_remove_async   (XgContacts           *self,
                                       XgContact            *contact,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean   xg_contacts_remove_finish  (XgContacts           *self,
                                       GAsyncResult         *result,
                                       GError              **error);

/* Fetches the friend's public profile again (a friend's page does when it
 * opens); the contact's profile is updated before the call completes. */
void       xg_contacts_refresh_async  (XgContacts           *self,
                                       XgContact            *contact,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean   xg_contacts_refresh_finish (XgContacts           *self,
                                       GAsyncResult         *result,
                                       GError              **error);

G_END_DECLS
