/* xg-contacts-private.h: what the session tells XgContacts (core-private)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "xg-account-db.h"
#include "xg-contacts.h"
#include "xg-proto.h"

G_BEGIN_DECLS

XgContact  *xg_contact_new              (guint64      account_id,
                                         const char  *nickname,
                                         const char  *remark);
int         xg_contact_compare          (XgContact   *a,
                                         XgContact   *b);
void        xg_contact_set_nickname     (XgContact   *self,
                                         const char  *nickname);
void        xg_contact_set_remark       (XgContact   *self,
                                         const char  *remark);
void        xg_contact_set_online       (XgContact   *self,
                                         gboolean     online);
void        xg_contact_set_info         (XgContact   *self,
                                         GVariant    *user_info);
gboolean    xg_contact_has_info         (XgContact   *self);

XgContacts *xg_contacts_new             (XgSession   *session,
                                         XgAccountDb *db);
/* The session is ending: calls fail from now on. */
void        xg_contacts_detach          (XgContacts  *self);

/* Pushes, each given its packet's body, from the session's push table.
 * Those that come before the database is read wait for it. */
void        xg_contacts_apply_list      (XgContacts  *self,
                                         GVariant    *friend_list);
void        xg_contacts_apply_presence  (XgContacts  *self,
                                         GVariant    *presence);
void        xg_contacts_apply_user_info (XgContacts  *self,
                                         GVariant    *user_info);
void        xg_contacts_apply_added     (XgContacts  *self,
                                         GVariant    *friend_request_accepted);
void        xg_contacts_apply_removed   (XgContacts  *self,
                                         GVariant    *friend_removed);
/* The link dropped: nobody is known to be online. */
void        xg_contacts_set_all_offline (XgContacts  *self);

G_END_DECLS
