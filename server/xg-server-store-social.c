/* xg-server-store-social.c: the social domain's closures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As in xg-server-store-accounts.c: each _async function copies its
 * arguments into a struct of its own and queues a run function that calls
 * the backend on the worker thread; _finish hands the results over.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include "xg-server-store-social.h"

G_DEFINE_INTERFACE (XgServerStoreSocial, xg_server_store_social, XG_TYPE_SERVER_STORE)

static void
xg_server_store_social_default_init (XgServerStoreSocialInterface *iface)
{
}

#define IFACE(store) XG_SERVER_STORE_SOCIAL_GET_IFACE (store)
#define SOCIAL(store) XG_SERVER_STORE_SOCIAL (store)

void
xg_server_friend_free (XgServerFriend *friend_)
{
  if (friend_ == NULL)
    return;
  g_free (friend_->nickname);
  g_free (friend_->remark);
  g_free (friend_);
}

void
xg_server_friend_request_free (XgServerFriendRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->greeting);
  g_free (request->nickname);
  g_free (request);
}

void
xg_server_friend_outcome_free (XgServerFriendOutcome *outcome)
{
  if (outcome == NULL)
    return;
  g_free (outcome->reason);
  g_clear_pointer (&outcome->target, xg_server_account_free);
  g_free (outcome);
}

void
xg_server_friend_sync_free (XgServerFriendSync *sync)
{
  if (sync == NULL)
    return;
  g_clear_pointer (&sync->friends, g_ptr_array_unref);
  g_clear_pointer (&sync->incoming, g_ptr_array_unref);
  g_clear_pointer (&sync->outgoing, g_ptr_array_unref);
  g_clear_pointer (&sync->outcomes, g_ptr_array_unref);
  g_free (sync);
}

void
xg_server_friend_change_free (XgServerFriendChange *change)
{
  if (change == NULL)
    return;
  g_clear_pointer (&change->actor, xg_server_account_free);
  g_clear_pointer (&change->other, xg_server_account_free);
  g_clear_pointer (&change->actor_friends, g_ptr_array_unref);
  g_clear_pointer (&change->other_friends, g_ptr_array_unref);
  g_free (change);
}

/* --- Login sync ---------------------------------------------------------- */

/**
 * xg_server_store_friend_sync_run:
 *
 * The friends' login sync, run now: only on the store's worker thread,
 * inside an operation (xg-server-store-login.c runs it in the login's).
 *
 * Returns: (transfer full): what was read, %NULL with @error set on failure
 */
XgServerFriendSync *
xg_server_store_friend_sync_run (XgServerStore              *store,
                                 guint64                     account_id,
                                 const XgServerFriendRules  *rules,
                                 GError                    **error)
{
  g_autoptr(XgServerFriendSync) sync = g_new0 (XgServerFriendSync, 1);

  sync->friends = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_friend_free);
  sync->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_friend_request_free);
  sync->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_friend_request_free);
  sync->outcomes = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_friend_outcome_free);
  if (!IFACE (store)->sync (SOCIAL (store), account_id, rules, sync, error))
    return NULL;
  return g_steal_pointer (&sync);
}

/* --- Changes ------------------------------------------------------------- */

typedef enum {
  CHANGE_REQUEST,
  CHANGE_ACCEPT,
  CHANGE_REJECT,
  CHANGE_REMARK,
  CHANGE_REMOVE,
} ChangeKind;

typedef struct {
  ChangeKind             kind;
  guint64                actor_id;
  guint64                other_id;
  char                  *text;      /* greeting, reason or remark */
  XgServerFriendRules    rules;
  XgServerFriendChange  *change;
} ChangeOp;

static void
change_op_free (ChangeOp *op)
{
  g_free (op->text);
  xg_server_friend_change_free (op->change);
  g_free (op);
}

static gboolean
run_change (XgServerStore *store, gpointer data, GError **error)
{
  ChangeOp *op = data;
  XgServerStoreSocialInterface *iface = IFACE (store);

  op->change = g_new0 (XgServerFriendChange, 1);
  switch (op->kind)
    {
    case CHANGE_REQUEST:
      return iface->request (SOCIAL (store), op->actor_id, op->other_id, op->text, &op->rules, op->change, error);
    case CHANGE_ACCEPT:
      return iface->accept (SOCIAL (store), op->actor_id, op->other_id, &op->rules, op->change, error);
    case CHANGE_REJECT:
      return iface->reject (SOCIAL (store), op->actor_id, op->other_id, op->text, &op->rules, op->change, error);
    case CHANGE_REMARK:
      return iface->set_remark (SOCIAL (store), op->actor_id, op->other_id, op->text, op->change, error);
    case CHANGE_REMOVE:
    default:
      return iface->remove (SOCIAL (store), op->actor_id, op->other_id, op->change, error);
    }
}

static void
queue_change (XgServerStore              *self,
              ChangeKind                  kind,
              guint64                     actor_id,
              guint64                     other_id,
              const char                 *text,
              const XgServerFriendRules  *rules,
              GAsyncReadyCallback         callback,
              gpointer                    user_data)
{
  ChangeOp *op = g_new0 (ChangeOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_SOCIAL (self));

  op->kind = kind;
  op->actor_id = actor_id;
  op->other_id = other_id;
  op->text = g_strdup (text ? text : "");
  if (rules != NULL)
    op->rules = *rules;
  xg_server_store_queue (self, run_change, op, (GDestroyNotify) change_op_free,
                         xg_server_store_friend_change_finish, callback, user_data);
}

void
xg_server_store_friend_request_async (XgServerStore              *self,
                                      guint64                     requester_id,
                                      guint64                     target_id,
                                      const char                 *greeting,
                                      const XgServerFriendRules  *rules,
                                      GAsyncReadyCallback         callback,
                                      gpointer                    user_data)
{
  queue_change (self, CHANGE_REQUEST, requester_id, target_id, greeting, rules, callback, user_data);
}

void
xg_server_store_friend_accept_async (XgServerStore              *self,
                                     guint64                     target_id,
                                     guint64                     requester_id,
                                     const XgServerFriendRules  *rules,
                                     GAsyncReadyCallback         callback,
                                     gpointer                    user_data)
{
  queue_change (self, CHANGE_ACCEPT, target_id, requester_id, NULL, rules, callback, user_data);
}

void
xg_server_store_friend_reject_async (XgServerStore              *self,
                                     guint64                     target_id,
                                     guint64                     requester_id,
                                     const char                 *reason,
                                     const XgServerFriendRules  *rules,
                                     GAsyncReadyCallback         callback,
                                     gpointer                    user_data)
{
  queue_change (self, CHANGE_REJECT, target_id, requester_id, reason, rules, callback, user_data);
}

void
xg_server_store_friend_remark_async (XgServerStore       *self,
                                     guint64              account_id,
                                     guint64              friend_id,
                                     const char          *remark,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  queue_change (self, CHANGE_REMARK, account_id, friend_id, remark, NULL, callback, user_data);
}

void
xg_server_store_friend_remove_async (XgServerStore       *self,
                                     guint64              account_id,
                                     guint64              friend_id,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  queue_change (self, CHANGE_REMOVE, account_id, friend_id, NULL, NULL, callback, user_data);
}

XgServerFriendChange *
xg_server_store_friend_change_finish (XgServerStore  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  ChangeOp *op = xg_server_store_finish_op (self, result, xg_server_store_friend_change_finish, error);

  return op ? g_steal_pointer (&op->change) : NULL;
}

/* --- Who may see whom ---------------------------------------------------- */

typedef struct {
  guint64              asker_id;
  guint64              account_id;
  gboolean             known;
  XgServerFriendRules  rules;
  XgServerAccount     *account;
} VisibleOp;

static void
visible_op_free (VisibleOp *op)
{
  xg_server_account_free (op->account);
  g_free (op);
}

static gboolean
run_visible (XgServerStore *store, gpointer data, GError **error)
{
  VisibleOp *op = data;
  GError *local_error = NULL;

  op->account = IFACE (store)->visible_account (SOCIAL (store), op->asker_id, op->account_id,
                                                op->known, &op->rules, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

void
xg_server_store_visible_account_async (XgServerStore              *self,
                                       guint64                     asker_id,
                                       guint64                     account_id,
                                       gboolean                    known,
                                       const XgServerFriendRules  *rules,
                                       GAsyncReadyCallback         callback,
                                       gpointer                    user_data)
{
  VisibleOp *op = g_new0 (VisibleOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_SOCIAL (self));

  op->asker_id = asker_id;
  op->account_id = account_id;
  op->known = known;
  op->rules = *rules;
  xg_server_store_queue (self, run_visible, op, (GDestroyNotify) visible_op_free,
                         xg_server_store_visible_account_async, callback, user_data);
}

XgServerAccount *
xg_server_store_visible_account_finish (XgServerStore  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  VisibleOp *op = xg_server_store_finish_op (self, result, xg_server_store_visible_account_async, error);

  return op ? g_steal_pointer (&op->account) : NULL;
}

/* --- Expiry and delivered outcomes --------------------------------------- */

typedef struct {
  XgServerFriendRules  rules;
  guint                limit;
  GArray              *expired;
  guint64              requester_id;
  guint64              target_id;
  gint64               decided_at;
} OutcomeOp;

static void
outcome_op_free (OutcomeOp *op)
{
  g_clear_pointer (&op->expired, g_array_unref);
  g_free (op);
}

static gboolean
run_expire (XgServerStore *store, gpointer data, GError **error)
{
  OutcomeOp *op = data;

  op->expired = g_array_new (FALSE, FALSE, sizeof (XgServerExpiredRequest));
  return IFACE (store)->expire (SOCIAL (store), &op->rules, op->limit, op->expired, error);
}

void
xg_server_store_expire_requests_async (XgServerStore              *self,
                                       const XgServerFriendRules  *rules,
                                       guint                       limit,
                                       GAsyncReadyCallback         callback,
                                       gpointer                    user_data)
{
  OutcomeOp *op = g_new0 (OutcomeOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_SOCIAL (self));

  op->rules = *rules;
  op->limit = limit;
  xg_server_store_queue (self, run_expire, op, (GDestroyNotify) outcome_op_free,
                         xg_server_store_expire_requests_async, callback, user_data);
}

GArray *
xg_server_store_expire_requests_finish (XgServerStore  *self,
                                        GAsyncResult   *result,
                                        GError        **error)
{
  OutcomeOp *op = xg_server_store_finish_op (self, result, xg_server_store_expire_requests_async, error);

  return op ? g_steal_pointer (&op->expired) : NULL;
}

static gboolean
run_forget (XgServerStore *store, gpointer data, GError **error)
{
  OutcomeOp *op = data;

  return IFACE (store)->forget_outcome (SOCIAL (store), op->requester_id, op->target_id,
                                        op->decided_at, error);
}

/* @callback may be NULL: nothing is waiting for this one. */
void
xg_server_store_forget_outcome_async (XgServerStore       *self,
                                      guint64              requester_id,
                                      guint64              target_id,
                                      gint64               decided_at,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  OutcomeOp *op = g_new0 (OutcomeOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_SOCIAL (self));

  op->requester_id = requester_id;
  op->target_id = target_id;
  op->decided_at = decided_at;
  xg_server_store_queue (self, run_forget, op, (GDestroyNotify) outcome_op_free,
                         xg_server_store_forget_outcome_async, callback, user_data);
}

gboolean
xg_server_store_forget_outcome_finish (XgServerStore  *self,
                                       GAsyncResult   *result,
                                       GError        **error)
{
  return xg_server_store_finish_op (self, result, xg_server_store_forget_outcome_async, error) != NULL;
}
