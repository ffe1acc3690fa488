/* xg-profile.h: an account's profile, as the server last sent it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define XG_TYPE_PROFILE (xg_profile_get_type ())
G_DECLARE_FINAL_TYPE (XgProfile, xg_profile, XG, PROFILE, GObject)

/* Properties (all read-only, notified when they change):
 *   account-id (guint64), email, nickname, signature, gender ("", "female",
 *   "male", "other"), birthday ("" or YYYY-MM-DD), region (strings),
 *   avatar (GBytes: PNG or JPEG, or NULL). */

XgProfile  *xg_profile_new            (guint64      account_id);
XgProfile  *xg_profile_new_from_packet (GVariant   *body);
/* Another person's public profile from a USER_INFO body "(tsa{sv})"
 * (no email: it stays ""). */
XgProfile  *xg_profile_new_from_user_info (GVariant *body);
void        xg_profile_update         (XgProfile   *self,
                                       const char  *email,
                                       const char  *nickname,
                                       GVariant    *fields);
/* For the core: a nickname learnt on its own (a friend list names each
 * friend); the other fields stay. */
void        xg_profile_set_nickname   (XgProfile   *self,
                                       const char  *nickname);
GVariant   *xg_profile_to_variant     (XgProfile   *self);

guint64     xg_profile_get_account_id (XgProfile   *self);
const char *xg_profile_get_email      (XgProfile   *self);
const char *xg_profile_get_nickname   (XgProfile   *self);
const char *xg_profile_get_signature  (XgProfile   *self);
const char *xg_profile_get_gender     (XgProfile   *self);
const char *xg_profile_get_birthday   (XgProfile   *self);
const char *xg_profile_get_region     (XgProfile   *self);
GBytes     *xg_profile_get_avatar     (XgProfile   *self);

G_END_DECLS
