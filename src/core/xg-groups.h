/* xg-groups.h: the account's groups, as a list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GListModel of XgGroup, by name. It shows what the account database
 * kept at once; GROUP_LIST at every login replaces it (a group missing
 * from it is gone: kept, read-only, with its history), and GROUP_INFO,
 * member events and removals keep it up to date. Beside it, three lists
 * of XgGroupRequest: join requests waiting for this account's answer (in
 * the groups it owns or administers), its own join requests, and its
 * invitations. The groups' conversations are in XgConversations (kind 1).
 * One per logged-in session (xg_session_get_groups()).
 */
#pragma once

#include <gio/gio.h>

#include "xg-group.h"
#include "xg-group-members.h"
#include "xg-group-request.h"
#include "xg-manager.h"
#include "xg-types.h"

G_BEGIN_DECLS

/**
 * XgGroupJoinOutcome:
 * @XG_GROUP_JOIN_APPROVED: let in: the group is in the list now
 * @XG_GROUP_JOIN_REJECTED: turned away (perhaps with a reason)
 * @XG_GROUP_JOIN_EXPIRED: nobody answered in time
 *
 * How one of this account's join requests ended (XgGroups::join-answered).
 */
typedef enum {
  XG_GROUP_JOIN_APPROVED,
  XG_GROUP_JOIN_REJECTED,
  XG_GROUP_JOIN_EXPIRED,
} XgGroupJoinOutcome;

/**
 * XgGroupRemovedReason:
 * @XG_GROUP_REMOVED_LEFT: the account left
 * @XG_GROUP_REMOVED_REMOVED: the owner or an admin removed it
 * @XG_GROUP_REMOVED_DISBANDED: the owner disbanded the group
 * @XG_GROUP_REMOVED_MISSING: the login's list no longer has it (it happened
 *   while this device was away)
 */
typedef enum {
  XG_GROUP_REMOVED_LEFT      = 1,
  XG_GROUP_REMOVED_REMOVED   = 2,
  XG_GROUP_REMOVED_DISBANDED = 3,
  XG_GROUP_REMOVED_MISSING   = 4,
} XgGroupRemovedReason;

#define XG_TYPE_GROUPS (xg_groups_get_type ())
G_DECLARE_FINAL_TYPE (XgGroups, xg_groups, XG, GROUPS, XgManager)

/* Properties: loaded (gboolean), n-incoming (guint: join requests waiting
 * for this account's answer, for a badge).
 *
 * Signals:
 *   join-request (XgGroupRequest *request): someone asks to join a group
 *     this account administers, and it had not heard of it before.
 *   invited (XgGroupRequest *invitation): likewise, an invitation.
 *   join-answered (guint64 group_id, const char *group_name, guint
 *     outcome, const char *reason): one of this account's join requests
 *     ended (an XgGroupJoinOutcome).
 *   removed (XgGroup *group, guint reason, guint64 actor_id): the account
 *     is no longer in @group (an XgGroupRemovedReason); it stays listed,
 *     gone. */

gboolean        xg_groups_get_loaded      (XgGroups       *self);
/* The listed group @group_id, or NULL (transfer none). */
XgGroup        *xg_groups_lookup          (XgGroups       *self,
                                           guint64         group_id);
/* Lists of XgGroupRequest (transfer none). */
GListModel     *xg_groups_get_incoming    (XgGroups       *self);
GListModel     *xg_groups_get_outgoing    (XgGroups       *self);
GListModel     *xg_groups_get_invitations (XgGroups       *self);
guint           xg_groups_get_n_incoming  (XgGroups       *self);
/* The members of a group the account is in, fetched now and kept up to
 * date while held (transfer full). */
XgGroupMembers *xg_groups_get_members     (XgGroups       *self,
                                           guint64         group_id);
/* The name last known of someone who wrote in (or is in) the group, or
 * NULL. */
const char     *xg_groups_get_member_name (XgGroups       *self,
                                           guint64         group_id,
                                           guint64         member_id);
/* This device's own choice: a muted group does not notify, except for
 * messages that name the account. */
void            xg_groups_set_muted       (XgGroups       *self,
                                           XgGroup        *group,
                                           gboolean        muted);

/* Creates a group this account owns. Errors: INVALID_INPUT (the info
 * breaks the rules), LIMIT_REACHED. Finish: the new group, listed
 * (transfer full). @avatar may be NULL. */
void            xg_groups_create_async    (XgGroups            *self,
                                           const char          *name,
                                           const char          *description,
                                           GBytes              *avatar,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
XgGroup        *xg_groups_create_finish   (XgGroups            *self,
                                           GAsyncResult        *result,
                                           GError             **error);
/* A group's brief by its number, to show before applying: an XgGroup that
 * is not listed (its role NONE unless the account is in it). Errors:
 * NOT_FOUND. */
void            xg_groups_find_async      (XgGroups            *self,
                                           guint64              group_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
XgGroup        *xg_groups_find_finish     (XgGroups            *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* The calls below complete with TRUE, or FALSE and an error: NOT_FOUND,
 * PERMISSION_DENIED, INVALID_INPUT (a bad field; a request already
 * decided), LIMIT_REACHED, or the session's (OFFLINE, TIMED_OUT, …). They
 * share one finish. What they change arrives as the server's news. */
gboolean        xg_groups_call_finish     (XgGroups            *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* Asks to join; the owner and admins decide (join-answered tells). */
void            xg_groups_join_async      (XgGroups            *self,
                                           guint64              group_id,
                                           const char          *reason,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* Answers an incoming join request; it leaves the list. */
void            xg_groups_approve_async   (XgGroups            *self,
                                           XgGroupRequest      *request,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
void            xg_groups_reject_async    (XgGroups            *self,
                                           XgGroupRequest      *request,
                                           const char          *reason,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* Answers an invitation: accepting joins at once. */
void            xg_groups_accept_invitation_async  (XgGroups            *self,
                                                    XgGroupRequest      *invitation,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
void            xg_groups_decline_invitation_async (XgGroups            *self,
                                                    XgGroupRequest      *invitation,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* Leaves a group it does not own; disbands one it owns. */
void            xg_groups_leave_async     (XgGroups            *self,
                                           XgGroup             *group,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
void            xg_groups_disband_async   (XgGroups            *self,
                                           XgGroup             *group,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* Owner or admin: removes a member (an admin only plain members). */
void            xg_groups_remove_member_async (XgGroups            *self,
                                               XgGroup             *group,
                                               guint64              member_id,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/* Owner: appoints (ADMIN) or demotes (MEMBER) a member. */
void            xg_groups_set_role_async  (XgGroups            *self,
                                           XgGroup             *group,
                                           guint64              member_id,
                                           XgGroupRole          role,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* Owner: the member becomes the owner, this account an admin. */
void            xg_groups_transfer_async  (XgGroups            *self,
                                           XgGroup             *group,
                                           guint64              member_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/* Owner or admin: changes the fields that are not NULL. */
void            xg_groups_update_info_async (XgGroups            *self,
                                             XgGroup             *group,
                                             const char          *name,
                                             const char          *description,
                                             GBytes              *avatar,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
/* Invites a friend, who joins when it accepts. */
void            xg_groups_invite_async    (XgGroups            *self,
                                           XgGroup             *group,
                                           guint64              friend_id,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);

G_END_DECLS
