/* xg-server-store-social.h: the social domain of the store (friends)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Friendships, friend requests and their outcomes (docs/PROTOCOL.md 3.7,
 * 4.6, 5.7). A backend implements XgServerStoreSocial; its methods run only
 * on the store's worker thread, inside a savepoint, and each does the whole
 * of one request: the checks and the change in one transaction, so what a
 * client is answered is what was committed. Callers use the _async/_finish
 * wrappers below.
 */
#pragma once

#include "xg-server-store.h"
#include "xg-server-store-accounts.h"

G_BEGIN_DECLS

typedef enum {
  XG_SERVER_REQUEST_PENDING  = 0,
  XG_SERVER_REQUEST_ACCEPTED = 1,
  XG_SERVER_REQUEST_REJECTED = 2,
  XG_SERVER_REQUEST_EXPIRED  = 3,
} XgServerRequestState;

/* The limits and the time every operation is judged by, read on the main
 * thread (the clock is the server's, xg-server-clock.h). */
typedef struct {
  gint64 now;          /* seconds since the epoch */
  gint64 now_us;       /* the same moment in microseconds: outcomes are stamped with it */
  gint64 deadline;     /* a pending request made at or before this has expired */
  guint  max_friends;
  guint  max_pending;
} XgServerFriendRules;

/* One entry of an account's friend list. */
typedef struct {
  guint64  id;
  char    *nickname;
  char    *remark;     /* the owner's remark for it, "" for none */
} XgServerFriend;

void xg_server_friend_free (XgServerFriend *friend_);

/* A pending request, as its target or its requester sees it. */
typedef struct {
  guint64  requester_id;
  guint64  target_id;
  char    *greeting;
  char    *nickname;   /* the other party's */
  gint64   created_at; /* seconds */
} XgServerFriendRequest;

void xg_server_friend_request_free (XgServerFriendRequest *request);

/* What became of one of an account's requests while it was away. */
typedef struct {
  guint64               requester_id;
  guint64               target_id;
  XgServerRequestState  state;
  char                 *reason;      /* REJECTED */
  XgServerAccount      *target;      /* ACCEPTED: the friend's info for the packet */
  gint64                decided_at;  /* microseconds */
} XgServerFriendOutcome;

void xg_server_friend_outcome_free (XgServerFriendOutcome *outcome);

/* Everything the login sync pushes (docs/PROTOCOL.md 3.7), read in one
 * transaction that also forgets the outcomes it read. */
typedef struct {
  GPtrArray *friends;    /* XgServerFriend */
  GPtrArray *incoming;   /* XgServerFriendRequest, oldest first */
  GPtrArray *outgoing;   /* XgServerFriendRequest, oldest first */
  GPtrArray *outcomes;   /* XgServerFriendOutcome, oldest first */
} XgServerFriendSync;

void xg_server_friend_sync_free (XgServerFriendSync *sync);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerFriendSync, xg_server_friend_sync_free)

typedef enum {
  XG_SERVER_FRIENDS_OK,
  XG_SERVER_FRIENDS_REPEATED,         /* the same request was already waiting */
  XG_SERVER_FRIENDS_CROSSED,          /* the other's request was waiting: now accepted */
  XG_SERVER_FRIENDS_NO_ACCOUNT,       /* the target does not exist or is disabled */
  XG_SERVER_FRIENDS_ALREADY_FRIENDS,
  XG_SERVER_FRIENDS_NO_REQUEST,       /* no such pending request */
  XG_SERVER_FRIENDS_NOT_FRIENDS,
  XG_SERVER_FRIENDS_TOO_MANY_FRIENDS, /* max_friends, either side */
  XG_SERVER_FRIENDS_TOO_MANY_PENDING, /* max_pending, the requester's */
} XgServerFriendStatus;

/* The result of a request, accept, reject, remark or remove. Only OK,
 * REPEATED and CROSSED changed (or kept) anything; the rest changed
 * nothing. */
typedef struct {
  XgServerFriendStatus  status;
  XgServerAccount      *actor;          /* the account that asked */
  XgServerAccount      *other;          /* the other account, when it matters to the packets */
  gint64                created_at;     /* FRIEND_REQUEST: the request's time, the first one's if repeated */
  gint64                decided_at;     /* the outcome's stamp, to forget it once delivered */
  GPtrArray            *actor_friends;  /* XgServerFriend: the lists after the change, NULL if unchanged */
  GPtrArray            *other_friends;
} XgServerFriendChange;

void xg_server_friend_change_free (XgServerFriendChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerFriendChange, xg_server_friend_change_free)

/* A pending request that just expired; its outcome waits for the requester. */
typedef struct {
  guint64 requester_id;
  guint64 target_id;
  gint64  decided_at;
} XgServerExpiredRequest;

#define XG_TYPE_SERVER_STORE_SOCIAL (xg_server_store_social_get_type ())
G_DECLARE_INTERFACE (XgServerStoreSocial, xg_server_store_social, XG, SERVER_STORE_SOCIAL, XgServerStore)

struct _XgServerStoreSocialInterface
{
  GTypeInterface g_iface;

  gboolean          (*sync)            (XgServerStoreSocial        *self,
                                        guint64                     account_id,
                                        const XgServerFriendRules  *rules,
                                        XgServerFriendSync         *sync,
                                        GError                    **error);
  gboolean          (*request)         (XgServerStoreSocial        *self,
                                        guint64                     requester_id,
                                        guint64                     target_id,
                                        const char                 *greeting,
                                        const XgServerFriendRules  *rules,
                                        XgServerFriendChange       *change,
                                        GError                    **error);
  gboolean          (*accept)          (XgServerStoreSocial        *self,
                                        guint64                     target_id,
                                        guint64                     requester_id,
                                        const XgServerFriendRules  *rules,
                                        XgServerFriendChange       *change,
                                        GError                    **error);
  gboolean          (*reject)          (XgServerStoreSocial        *self,
                                        guint64                     target_id,
                                        guint64                     requester_id,
                                        const char                 *reason,
                                        const XgServerFriendRules  *rules,
                                        XgServerFriendChange       *change,
                                        GError                    **error);
  gboolean          (*set_remark)      (XgServerStoreSocial        *self,
                                        guint64                     account_id,
                                        guint64                     friend_id,
                                        const char                 *remark,
                                        XgServerFriendChange       *change,
                                        GError                    **error);
  gboolean          (*remove)          (XgServerStoreSocial        *self,
                                        guint64                     account_id,
                                        guint64                     friend_id,
                                        XgServerFriendChange       *change,
                                        GError                    **error);
  /* The account if @asker_id may see it (docs/PROTOCOL.md 8.9): @known
   * (itself, or found by its lookup), a friend, or the other party of a
   * pending request either way; and not disabled. NULL otherwise. */
  XgServerAccount * (*visible_account) (XgServerStoreSocial        *self,
                                        guint64                     asker_id,
                                        guint64                     account_id,
                                        gboolean                    known,
                                        const XgServerFriendRules  *rules,
                                        GError                    **error);
  /* Marks up to @limit pending requests older than the deadline expired,
   * appending an XgServerExpiredRequest for each to @expired. */
  gboolean          (*expire)          (XgServerStoreSocial        *self,
                                        const XgServerFriendRules  *rules,
                                        guint                       limit,
                                        GArray                     *expired,
                                        GError                    **error);
  /* The outcome stamped @decided_at was delivered: drop it. */
  gboolean          (*forget_outcome)  (XgServerStoreSocial        *self,
                                        guint64                     requester_id,
                                        guint64                     target_id,
                                        gint64                      decided_at,
                                        GError                    **error);
};

/* On the worker thread only: the login's operation runs it (xg-server-store-login.h). */
XgServerFriendSync   *xg_server_store_friend_sync_run        (XgServerStore              *store,
                                                              guint64                     account_id,
                                                              const XgServerFriendRules  *rules,
                                                              GError                    **error);

void                  xg_server_store_friend_request_async   (XgServerStore              *self,
                                                              guint64                     requester_id,
                                                              guint64                     target_id,
                                                              const char                 *greeting,
                                                              const XgServerFriendRules  *rules,
                                                              GAsyncReadyCallback         callback,
                                                              gpointer                    user_data);
void                  xg_server_store_friend_accept_async    (XgServerStore              *self,
                                                              guint64                     target_id,
                                                              guint64                     requester_id,
                                                              const XgServerFriendRules  *rules,
                                                              GAsyncReadyCallback         callback,
                                                              gpointer                    user_data);
void                  xg_server_store_friend_reject_async    (XgServerStore              *self,
                                                              guint64                     target_id,
                                                              guint64                     requester_id,
                                                              const char                 *reason,
                                                              const XgServerFriendRules  *rules,
                                                              GAsyncReadyCallback         callback,
                                                              gpointer                    user_data);
void                  xg_server_store_friend_remark_async    (XgServerStore              *self,
                                                              guint64                     account_id,
                                                              guint64                     friend_id,
                                                              const char                 *remark,
                                                              GAsyncReadyCallback         callback,
                                                              gpointer                    user_data);
void                  xg_server_store_friend_remove_async    (XgServerStore              *self,
                                                              guint64                     account_id,
                                                              guint64                     friend_id,
                                                              GAsyncReadyCallback         callback,
                                                              gpointer                    user_data);
/* Finishes the five above. */
XgServerFriendChange *xg_server_store_friend_change_finish   (XgServerStore              *self,
                                                              GAsyncResult               *result,
                                                              GError                    **error);

void                  xg_server_store_visible_account_async  (XgServerStore              *self,
                                                              guint64                     asker_id,
                                                              guint64                     account_id,
                                                              gboolean                    known,
                                                              const XgServerFriendRules  *rules,
                                                              GAsyncReadyCallback         callback,
                                                              gpointer                    user_data);
/* The account, or NULL (with @error set only on failure). */
XgServerAccount      *xg_server_store_visible_account_finish (XgServerStore              *self,
                                                              GAsyncResult               *result,
                                                              GError                    **error);

void                  xg_server_store_expire_requests_async  (XgServerStore              *self,
                                                              const XgServerFriendRules  *rules,
                                                              guint                       limit,
                                                              GAsyncReadyCallback         callback,
                                                              gpointer                    user_data);
/* (element-type XgServerExpiredRequest) */
GArray               *xg_server_store_expire_requests_finish (XgServerStore              *self,
                                                              GAsyncResult               *result,
                                                              GError                    **error);

void                  xg_server_store_forget_outcome_async   (XgServerStore              *self,
                                                              guint64                     requester_id,
                                                              guint64                     target_id,
                                                              gint64                      decided_at,
                                                              GAsyncReadyCallback         callback,
                                                              gpointer                    user_data);
gboolean              xg_server_store_forget_outcome_finish  (XgServerStore              *self,
                                                              GAsyncResult               *result,
                                                              GError                    **error);

G_END_DECLS
