/* xg-server-store-groups.c: the groups domain's closures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As in xg-server-store-social.c: each _async function copies its
 * arguments into a struct of its own and queues a run function that calls
 * the backend on the worker thread; _finish hands the results over.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include "xg-server-store-groups.h"

G_DEFINE_INTERFACE (XgServerStoreGroups, xg_server_store_groups, XG_TYPE_SERVER_STORE)

static void
xg_server_store_groups_default_init (XgServerStoreGroupsInterface *iface)
{
}

#define IFACE(store) XG_SERVER_STORE_GROUPS_GET_IFACE (store)
#define GROUPS(store) XG_SERVER_STORE_GROUPS (store)

void
xg_server_group_free (XgServerGroup *group)
{
  if (group == NULL)
    return;
  g_free (group->name);
  g_free (group->description);
  g_clear_pointer (&group->avatar, g_bytes_unref);
  g_free (group);
}

void
xg_server_group_member_free (XgServerGroupMember *member)
{
  if (member == NULL)
    return;
  g_free (member->nickname);
  g_free (member);
}

void
xg_server_group_event_free (XgServerGroupEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->nickname);
  g_free (event);
}

XgServerGroupChange *
xg_server_group_change_new (void)
{
  XgServerGroupChange *change = g_new0 (XgServerGroupChange, 1);

  change->members = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_group_member_free);
  change->events = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_group_event_free);
  change->removed = g_array_new (FALSE, FALSE, sizeof (guint64));
  return change;
}

void
xg_server_group_change_free (XgServerGroupChange *change)
{
  if (change == NULL)
    return;
  g_free (change->actor_nickname);
  g_clear_pointer (&change->group, xg_server_group_free);
  g_clear_pointer (&change->members, g_ptr_array_unref);
  g_clear_pointer (&change->events, g_ptr_array_unref);
  g_clear_pointer (&change->removed, g_array_unref);
  g_free (change);
}

void
xg_server_group_pending_free (XgServerGroupPending *pending)
{
  if (pending == NULL)
    return;
  g_free (pending->nickname);
  g_free (pending->name);
  g_clear_pointer (&pending->avatar, g_bytes_unref);
  g_free (pending->reason);
  g_free (pending);
}

void
xg_server_group_outcome_free (XgServerGroupOutcome *outcome)
{
  if (outcome == NULL)
    return;
  g_free (outcome->reason);
  g_clear_pointer (&outcome->group, xg_server_group_free);
  g_free (outcome);
}

void
xg_server_group_sync_free (XgServerGroupSync *sync)
{
  if (sync == NULL)
    return;
  g_clear_pointer (&sync->groups, g_array_unref);
  g_clear_pointer (&sync->incoming, g_ptr_array_unref);
  g_clear_pointer (&sync->outgoing, g_ptr_array_unref);
  g_clear_pointer (&sync->invites, g_ptr_array_unref);
  g_clear_pointer (&sync->outcomes, g_ptr_array_unref);
  g_free (sync);
}

void
xg_server_group_expired_free (XgServerGroupExpired *expired)
{
  if (expired == NULL)
    return;
  g_clear_pointer (&expired->deciders, g_array_unref);
  g_free (expired);
}

/* --- Login sync ---------------------------------------------------------- */

/**
 * xg_server_store_group_sync_run:
 *
 * The groups' login sync, run now: only on the store's worker thread,
 * inside an operation (xg-server-store-login.c runs it in the login's).
 *
 * Returns: (transfer full): what was read, %NULL with @error set on failure
 */
XgServerGroupSync *
xg_server_store_group_sync_run (XgServerStore             *store,
                                guint64                    account_id,
                                const XgServerGroupRules  *rules,
                                GError                   **error)
{
  g_autoptr(XgServerGroupSync) sync = g_new0 (XgServerGroupSync, 1);

  sync->groups = g_array_new (FALSE, FALSE, sizeof (XgServerGroupEntry));
  sync->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_group_pending_free);
  sync->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_group_pending_free);
  sync->invites = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_group_pending_free);
  sync->outcomes = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_group_outcome_free);
  if (!IFACE (store)->sync (GROUPS (store), account_id, rules, sync, error))
    return NULL;
  return g_steal_pointer (&sync);
}

/* --- Requests ------------------------------------------------------------ */

typedef struct {
  XgServerGroupAsk      ask;        /* owns text and info */
  XgServerGroupRules    rules;
  XgServerGroupChange  *change;
} ActOp;

static void
act_op_free (ActOp *op)
{
  g_free (op->ask.text);
  g_clear_pointer (&op->ask.info, g_variant_unref);
  xg_server_group_change_free (op->change);
  g_free (op);
}

static gboolean
run_act (XgServerStore *store, gpointer data, GError **error)
{
  ActOp *op = data;

  op->change = xg_server_group_change_new ();
  op->change->actor_id = op->ask.actor_id;
  return IFACE (store)->act (GROUPS (store), &op->ask, &op->rules, op->change, error);
}

void
xg_server_store_group_act_async (XgServerStore             *self,
                                 const XgServerGroupAsk    *ask,
                                 const XgServerGroupRules  *rules,
                                 GAsyncReadyCallback        callback,
                                 gpointer                   user_data)
{
  ActOp *op = g_new0 (ActOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_GROUPS (self));

  op->ask = *ask;
  op->ask.text = g_strdup (ask->text ? ask->text : "");
  op->ask.info = ask->info ? g_variant_ref_sink (ask->info) : NULL;
  op->rules = *rules;
  xg_server_store_queue (self, run_act, op, (GDestroyNotify) act_op_free,
                         xg_server_store_group_act_async, callback, user_data);
}

XgServerGroupChange *
xg_server_store_group_act_finish (XgServerStore  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  ActOp *op = xg_server_store_finish_op (self, result, xg_server_store_group_act_async, error);

  return op ? g_steal_pointer (&op->change) : NULL;
}

/* --- Expiry and delivered outcomes --------------------------------------- */

typedef struct {
  XgServerGroupRules  rules;
  guint               limit;
  GPtrArray          *expired;
  guint64             group_id;
  guint64             applicant_id;
  gint64              decided_at;
} OutcomeOp;

static void
outcome_op_free (OutcomeOp *op)
{
  g_clear_pointer (&op->expired, g_ptr_array_unref);
  g_free (op);
}

static gboolean
run_expire (XgServerStore *store, gpointer data, GError **error)
{
  OutcomeOp *op = data;

  op->expired = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_group_expired_free);
  return IFACE (store)->expire (GROUPS (store), &op->rules, op->limit, op->expired, error);
}

void
xg_server_store_group_expire_async (XgServerStore             *self,
                                    const XgServerGroupRules  *rules,
                                    guint                      limit,
                                    GAsyncReadyCallback        callback,
                                    gpointer                   user_data)
{
  OutcomeOp *op = g_new0 (OutcomeOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_GROUPS (self));

  op->rules = *rules;
  op->limit = limit;
  xg_server_store_queue (self, run_expire, op, (GDestroyNotify) outcome_op_free,
                         xg_server_store_group_expire_async, callback, user_data);
}

GPtrArray *
xg_server_store_group_expire_finish (XgServerStore  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  OutcomeOp *op = xg_server_store_finish_op (self, result, xg_server_store_group_expire_async, error);

  return op ? g_steal_pointer (&op->expired) : NULL;
}

static gboolean
run_forget (XgServerStore *store, gpointer data, GError **error)
{
  OutcomeOp *op = data;

  return IFACE (store)->forget_outcome (GROUPS (store), op->group_id, op->applicant_id,
                                        op->decided_at, error);
}

void
xg_server_store_group_forget_async (XgServerStore       *self,
                                    guint64              group_id,
                                    guint64              applicant_id,
                                    gint64               decided_at,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  OutcomeOp *op = g_new0 (OutcomeOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_GROUPS (self));

  op->group_id = group_id;
  op->applicant_id = applicant_id;
  op->decided_at = decided_at;
  xg_server_store_queue (self, run_forget, op, (GDestroyNotify) outcome_op_free,
                         xg_server_store_group_forget_async, callback, user_data);
}
