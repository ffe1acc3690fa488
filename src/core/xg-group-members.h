/* xg-group-members.h: the members of one group, as a list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fetched when asked for (xg_groups_get_members()) and kept up to date by
 * the server's member events for as long as someone holds it: the owner,
 * then the admins, then the members, each in joining order.
 */
#pragma once

#include <gio/gio.h>

#include "xg-group.h"
#include "xg-types.h"

G_BEGIN_DECLS

#define XG_TYPE_GROUP_MEMBER (xg_group_member_get_type ())
G_DECLARE_FINAL_TYPE (XgGroupMember, xg_group_member, XG, GROUP_MEMBER, GObject)

/* Properties (read-only, notified): id (guint64), nickname, role (guint:
 * an XgGroupRole), online (gboolean, as the server last said). */

guint64      xg_group_member_get_id       (XgGroupMember *self);
const char  *xg_group_member_get_nickname (XgGroupMember *self);
XgGroupRole  xg_group_member_get_role     (XgGroupMember *self);
gboolean     xg_group_member_get_online   (XgGroupMember *self);

#define XG_TYPE_GROUP_MEMBERS (xg_group_members_get_type ())
G_DECLARE_FINAL_TYPE (XgGroupMembers, xg_group_members, XG, GROUP_MEMBERS, GObject)

/* Properties: group-id (guint64), loaded (gboolean: the server's list is
 * in), error (the fetch's failure, NULL otherwise: GError boxed). */

guint64        xg_group_members_get_group_id (XgGroupMembers *self);
gboolean       xg_group_members_get_loaded   (XgGroupMembers *self);
const GError  *xg_group_members_get_error    (XgGroupMembers *self);
/* The member with @member_id, or NULL (transfer none). */
XgGroupMember *xg_group_members_lookup       (XgGroupMembers *self,
                                              guint64         member_id);

G_END_DECLS
