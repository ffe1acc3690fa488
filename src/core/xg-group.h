/* xg-group.h: one group, as this account sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The items of XgGroups, and what a lookup shows before applying (a brief:
 * not in the list, role NONE unless the account is in it already).
 * Everything is read-only here; XgGroups changes it as the server says.
 */
#pragma once

#include <gio/gio.h>

#include "xg-types.h"

G_BEGIN_DECLS

/**
 * XgGroupRole:
 * @XG_GROUP_ROLE_NONE: not a member
 * @XG_GROUP_ROLE_OWNER: created it or had it transferred; one per group
 * @XG_GROUP_ROLE_ADMIN: approves joins, removes members, edits the info
 * @XG_GROUP_ROLE_MEMBER: posts and reads
 *
 * The numbers are the protocol's (docs/PROTOCOL.md 5.10).
 */
typedef enum {
  XG_GROUP_ROLE_NONE   = 0,
  XG_GROUP_ROLE_OWNER  = 1,
  XG_GROUP_ROLE_ADMIN  = 2,
  XG_GROUP_ROLE_MEMBER = 3,
} XgGroupRole;

#define XG_TYPE_GROUP (xg_group_get_type ())
G_DECLARE_FINAL_TYPE (XgGroup, xg_group, XG, GROUP, GObject)

/* Properties (read-only, notified): id (guint64: the group number), name,
 * description, avatar (GBytes, empty for none), revision (guint: of the
 * info; 0 while not fetched), owner-id (guint64), member-count (guint),
 * role (guint: an XgGroupRole), muted (gboolean: this device's choice),
 * gone (gboolean: the account is no longer in it; kept read-only). */

guint64      xg_group_get_id           (XgGroup *self);
const char  *xg_group_get_name         (XgGroup *self);
const char  *xg_group_get_description  (XgGroup *self);
GBytes      *xg_group_get_avatar       (XgGroup *self);
guint        xg_group_get_revision     (XgGroup *self);
guint64      xg_group_get_owner_id     (XgGroup *self);
guint        xg_group_get_member_count (XgGroup *self);
XgGroupRole  xg_group_get_role         (XgGroup *self);
gboolean     xg_group_get_muted        (XgGroup *self);
gboolean     xg_group_get_gone         (XgGroup *self);
/* Owner or admin: may approve, remove members, edit. */
gboolean     xg_group_can_manage       (XgGroup *self);

G_END_DECLS
