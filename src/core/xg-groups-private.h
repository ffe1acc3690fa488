/* xg-groups-private.h: what the session and the groups' classes tell each other
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "xg-account-db.h"
#include "xg-groups.h"

G_BEGIN_DECLS

XgGroups       *xg_groups_new                 (XgSession      *session,
                                               XgAccountDb    *db);
void            xg_groups_detach              (XgGroups       *self);
/* LOGIN_OK and SYNC_DONE: the waiting lists are pushed again between them;
 * what was not is over. */
void            xg_groups_begin_sync          (XgGroups       *self);
void            xg_groups_end_sync            (XgGroups       *self);

/* The server's pushes, by packet (their bodies). */
void            xg_groups_apply_list          (XgGroups       *self,
                                               GVariant       *body);
void            xg_groups_apply_info          (XgGroups       *self,
                                               GVariant       *body);
void            xg_groups_apply_member_event  (XgGroups       *self,
                                               GVariant       *body);
void            xg_groups_apply_removed       (XgGroups       *self,
                                               GVariant       *body);
void            xg_groups_apply_join_incoming (XgGroups       *self,
                                               GVariant       *body);
void            xg_groups_apply_join_outgoing (XgGroups       *self,
                                               GVariant       *body);
void            xg_groups_apply_join_approved (XgGroups       *self,
                                               GVariant       *body);
void            xg_groups_apply_join_rejected (XgGroups       *self,
                                               GVariant       *body);
void            xg_groups_apply_join_timeout  (XgGroups       *self,
                                               GVariant       *body);
void            xg_groups_apply_join_decided  (XgGroups       *self,
                                               GVariant       *body);
void            xg_groups_apply_invite        (XgGroups       *self,
                                               GVariant       *body);

/* XgGroupMembers, for XgGroups. */
XgGroupMembers *xg_group_members_new          (guint64         group_id);
/* GROUP_MEMBERS' a(tysb). */
void            xg_group_members_apply_list   (XgGroupMembers *self,
                                               GVariant       *members);
void            xg_group_members_apply_event  (XgGroupMembers *self,
                                               guint64         member_id,
                                               guint8          event,
                                               guint8          role,
                                               const char     *nickname);
void            xg_group_members_set_error    (XgGroupMembers *self,
                                               const GError   *error);

G_END_DECLS
