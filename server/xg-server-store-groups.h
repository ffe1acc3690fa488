/* xg-server-store-groups.h: the groups domain of the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Groups, their members and roles, join requests and their outcomes,
 * invitations (docs/PROTOCOL.md 3.7, 4.6, 5.13, 7.6). A backend implements
 * XgServerStoreGroups; its methods run only on the store's worker thread,
 * inside a savepoint, and each does the whole of one request: the rights,
 * the limits, the membership, the member count and the revision are read
 * and written in the same transaction, so what a client is answered is
 * what was committed. A group's messages are the messages domain's
 * (xg-server-store-messages.h): this domain makes the group's conversation
 * (kind 1) with the group, a member's cursor when it joins and drops it
 * when it goes. Callers use the _async/_finish wrappers below.
 */
#pragma once

#include "xg-server-store.h"

G_BEGIN_DECLS

/* The limits and the time every operation is judged by, read on the main
 * thread from the server's clock. */
typedef struct {
  gint64 now;          /* seconds since the epoch */
  gint64 now_us;       /* the same moment in microseconds: outcomes and joins are stamped with it */
  gint64 deadline;     /* a join request or invitation made at or before this has expired */
  guint  max_members;
  guint  max_groups;
  guint  max_owned;
} XgServerGroupRules;

/* A group as stored, with its conversation's head. */
typedef struct {
  guint64  id;
  char    *name;
  char    *description;
  GBytes  *avatar;
  guint    revision;
  guint64  owner_id;
  guint    member_count;
  guint64  last_seq;
} XgServerGroup;

void xg_server_group_free (XgServerGroup *group);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerGroup, xg_server_group_free)

typedef struct {
  guint64  id;
  guint8   role;       /* XgProtoGroupRole */
  char    *nickname;
} XgServerGroupMember;

void xg_server_group_member_free (XgServerGroupMember *member);

/* One GROUP_MEMBER_EVENT, to every online member after the commit. */
typedef struct {
  guint64  member_id;
  guint8   event;      /* XgProtoGroupEvent */
  guint8   role;       /* now; 0 when no longer a member */
  char    *nickname;
  guint64  actor_id;   /* who did it: the member itself for JOINED and LEFT */
} XgServerGroupEvent;

void xg_server_group_event_free (XgServerGroupEvent *event);

typedef enum {
  XG_SERVER_GROUP_CREATE,
  XG_SERVER_GROUP_LOOKUP,
  XG_SERVER_GROUP_INFO,
  XG_SERVER_GROUP_MEMBERS,
  XG_SERVER_GROUP_JOIN_REQUEST,
  XG_SERVER_GROUP_APPROVE,
  XG_SERVER_GROUP_REJECT,
  XG_SERVER_GROUP_LEAVE,
  XG_SERVER_GROUP_REMOVE,
  XG_SERVER_GROUP_ROLE_SET,
  XG_SERVER_GROUP_TRANSFER,
  XG_SERVER_GROUP_UPDATE,
  XG_SERVER_GROUP_DISBAND,
  XG_SERVER_GROUP_INVITE,
  XG_SERVER_GROUP_INVITE_ACCEPT,
  XG_SERVER_GROUP_INVITE_DECLINE,
} XgServerGroupAction;

/* One request, as the handler read it (fields checked already). */
typedef struct {
  XgServerGroupAction  action;
  guint64              actor_id;
  guint64              group_id;   /* 0 for CREATE */
  guint64              other_id;   /* applicant, member, new owner, friend or inviter */
  guint8               role;       /* ROLE_SET */
  char                *text;       /* a join request's or rejection's reason */
  GVariant            *info;       /* CREATE, UPDATE: a{sv} of valid fields */
} XgServerGroupAsk;

/* The refusals of docs/PROTOCOL.md 5.13, as the handler answers them. */
typedef enum {
  XG_SERVER_GROUPS_OK,
  XG_SERVER_GROUPS_REPEATED,   /* ERROR(ALREADY_PENDING): the same request or invitation waits already */
  XG_SERVER_GROUPS_NOT_FOUND,  /* ERROR(NOT_FOUND) */
  XG_SERVER_GROUPS_DENIED,     /* ERROR(PERMISSION_DENIED) */
  XG_SERVER_GROUPS_INVALID,    /* ERROR(INVALID_ARGUMENT) */
  XG_SERVER_GROUPS_LIMIT,      /* ERROR(LIMIT_REACHED), GROUP_CREATE_FAIL(LIMIT) */
} XgServerGroupStatus;

/* The result of one request. Only OK changed anything. */
typedef struct _XgServerGroupChange {
  XgServerGroupStatus  status;
  const char          *message;        /* a refusal's English text, static */
  guint64              actor_id;
  char                *actor_nickname;
  guint8               actor_role;     /* the actor's role after it, 0 for none */
  XgServerGroup       *group;          /* after it; NULL when there is none (NOT_FOUND, disbanded) */
  GPtrArray           *members;        /* XgServerGroupMember after it: owner, admins, members, each in joining order */
  GPtrArray           *events;         /* XgServerGroupEvent, in order */
  GArray              *removed;        /* guint64: no longer members, to get GROUP_REMOVED */
  guint8               removed_reason; /* XgProtoGroupRemoved */
  guint64              joined_id;      /* who joined (APPROVE, INVITE_ACCEPT), 0 for none */
  gint64               created_at;     /* JOIN_REQUEST, INVITE: seconds */
  gint64               decided_at;     /* APPROVE, REJECT: the outcome's stamp, to forget it once delivered */
} XgServerGroupChange;

XgServerGroupChange *xg_server_group_change_new  (void);
void                 xg_server_group_change_free (XgServerGroupChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerGroupChange, xg_server_group_change_free)

/* One line of GROUP_LIST. */
typedef struct {
  guint64 group_id;
  guint8  role;
  guint   revision;
  guint   member_count;
  guint64 last_seq;
} XgServerGroupEntry;

/* A join request (from @account_id, the applicant) or an invitation (from
 * @account_id, the inviter), with the group's brief. */
typedef struct {
  guint64  group_id;
  guint64  account_id;
  char    *nickname;   /* the applicant's or the inviter's */
  char    *name;       /* the group's */
  GBytes  *avatar;
  char    *reason;
  gint64   created_at; /* seconds */
} XgServerGroupPending;

void xg_server_group_pending_free (XgServerGroupPending *pending);

/* What became of one of an account's join requests while it was away. */
typedef struct {
  guint64         group_id;
  guint           state;     /* XgServerRequestState: ACCEPTED (approved), REJECTED, EXPIRED */
  char           *reason;
  XgServerGroup  *group;     /* its info for GROUP_JOIN_APPROVED */
  gint64          decided_at;
} XgServerGroupOutcome;

void xg_server_group_outcome_free (XgServerGroupOutcome *outcome);

/* Everything the login sync pushes about groups (docs/PROTOCOL.md 3.7
 * item 6), read in one transaction that also forgets the outcomes it read. */
typedef struct {
  GArray    *groups;     /* XgServerGroupEntry */
  GPtrArray *incoming;   /* XgServerGroupPending: requests to groups it owns or administers, oldest first */
  GPtrArray *outgoing;   /* XgServerGroupPending: its own, oldest first */
  GPtrArray *invites;    /* XgServerGroupPending: to it, oldest first */
  GPtrArray *outcomes;   /* XgServerGroupOutcome, oldest first */
} XgServerGroupSync;

void xg_server_group_sync_free (XgServerGroupSync *sync);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerGroupSync, xg_server_group_sync_free)

/* A join request that just expired; its outcome waits for the applicant. */
typedef struct {
  guint64  group_id;
  guint64  applicant_id;
  gint64   decided_at;
  GArray  *deciders;   /* guint64: the group's owner and admins */
} XgServerGroupExpired;

void xg_server_group_expired_free (XgServerGroupExpired *expired);

#define XG_TYPE_SERVER_STORE_GROUPS (xg_server_store_groups_get_type ())
G_DECLARE_INTERFACE (XgServerStoreGroups, xg_server_store_groups, XG, SERVER_STORE_GROUPS, XgServerStore)

struct _XgServerStoreGroupsInterface
{
  GTypeInterface g_iface;

  gboolean (*sync)           (XgServerStoreGroups       *self,
                              guint64                    account_id,
                              const XgServerGroupRules  *rules,
                              XgServerGroupSync         *sync,
                              GError                   **error);
  /* Every request of the groups area: checks and changes in one go. */
  gboolean (*act)            (XgServerStoreGroups       *self,
                              const XgServerGroupAsk    *ask,
                              const XgServerGroupRules  *rules,
                              XgServerGroupChange       *change,
                              GError                   **error);
  /* Marks up to @limit pending join requests older than the deadline
   * expired, appending an XgServerGroupExpired for each to @expired, and
   * drops the invitations older than it. */
  gboolean (*expire)         (XgServerStoreGroups       *self,
                              const XgServerGroupRules  *rules,
                              guint                      limit,
                              GPtrArray                 *expired,
                              GError                   **error);
  /* The outcome stamped @decided_at was delivered: drop it. */
  gboolean (*forget_outcome) (XgServerStoreGroups       *self,
                              guint64                    group_id,
                              guint64                    applicant_id,
                              gint64                     decided_at,
                              GError                   **error);
};

/* On the worker thread only: the login's operation runs it (xg-server-store-login.h). */
XgServerGroupSync   *xg_server_store_group_sync_run        (XgServerStore              *store,
                                                            guint64                     account_id,
                                                            const XgServerGroupRules   *rules,
                                                            GError                   **error);

/* @ask is copied. */
void                 xg_server_store_group_act_async       (XgServerStore              *self,
                                                            const XgServerGroupAsk     *ask,
                                                            const XgServerGroupRules   *rules,
                                                            GAsyncReadyCallback         callback,
                                                            gpointer                    user_data);
XgServerGroupChange *xg_server_store_group_act_finish      (XgServerStore              *self,
                                                            GAsyncResult               *result,
                                                            GError                    **error);

void                 xg_server_store_group_expire_async    (XgServerStore              *self,
                                                            const XgServerGroupRules   *rules,
                                                            guint                       limit,
                                                            GAsyncReadyCallback         callback,
                                                            gpointer                    user_data);
/* (element-type XgServerGroupExpired) */
GPtrArray           *xg_server_store_group_expire_finish   (XgServerStore              *self,
                                                            GAsyncResult               *result,
                                                            GError                    **error);

/* @callback may be NULL: nothing is waiting for this one. */
void                 xg_server_store_group_forget_async    (XgServerStore              *self,
                                                            guint64                     group_id,
                                                            guint64                     applicant_id,
                                                            gint64                      decided_at,
                                                            GAsyncReadyCallback         callback,
                                                            gpointer                    user_data);

G_END_DECLS
