/* xg-contact.h: a friend, as this account sees them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The items of XgContacts. Read-only from outside; XgContacts keeps them
 * true to what the server says, and notifies what changes.
 */
#pragma once

#include <glib-object.h>

#include "xg-profile.h"
#include "xg-types.h"

G_BEGIN_DECLS

#define XG_TYPE_CONTACT (xg_contact_get_type ())
G_DECLARE_FINAL_TYPE (XgContact, xg_contact, XG, CONTACT, GObject)

/* Properties (read-only, notified):
 *   account-id (guint64), remark (string: this account's own name for the
 *   friend, "" for none), display-name (the remark, or else the nickname),
 *   online (gboolean), profile (XgProfile: nickname, avatar and the other
 *   public fields; its fields fill in once fetched). */

guint64     xg_contact_get_account_id   (XgContact *self);
const char *xg_contact_get_nickname     (XgContact *self);
const char *xg_contact_get_remark       (XgContact *self);
const char *xg_contact_get_display_name (XgContact *self);
gboolean    xg_contact_get_online       (XgContact *self);
XgProfile  *xg_contact_get_profile      (XgContact *self);

G_END_DECLS
