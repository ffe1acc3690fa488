/* xg-group-private.h: how the core makes and changes XgGroups
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "xg-account-db.h"
#include "xg-group.h"

G_BEGIN_DECLS

XgGroup       *xg_group_new               (guint64              id);
XgGroup       *xg_group_new_from_stored   (const XgStoredGroup *stored);
XgStoredGroup *xg_group_to_stored         (XgGroup             *self);
GVariant      *xg_group_get_info          (XgGroup             *self);
/* The keys of @info it has (a{sv}; unknown keys are ignored). */
void           xg_group_apply_info        (XgGroup             *self,
                                           GVariant            *info);
void           xg_group_set_revision      (XgGroup             *self,
                                           guint                revision);
void           xg_group_set_owner_id      (XgGroup             *self,
                                           guint64              owner_id);
void           xg_group_set_member_count  (XgGroup             *self,
                                           guint                member_count);
void           xg_group_set_role          (XgGroup             *self,
                                           XgGroupRole          role);
void           xg_group_set_muted         (XgGroup             *self,
                                           gboolean             muted);
void           xg_group_set_gone          (XgGroup             *self,
                                           gboolean             gone);
int            xg_group_compare           (gconstpointer        a,
                                           gconstpointer        b);

G_END_DECLS
