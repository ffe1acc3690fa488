/* xg-server-store.c: the worker thread and group commit shared by all backends
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include "xg-server-store.h"

G_DEFINE_QUARK (xg-server-store-error-quark, xg_server_store_error)

/* Most operations a batch takes before it commits; bounds the latency
 * a single commit adds to the first operation in it. */
#define MAX_BATCH 512

/* One queued operation: the closure and what became of it. It is the
 * GTask's task data; the caller reads its results from @data after the
 * task completed. */
typedef struct {
  XgServerStoreRun      run;
  XgServerStoreOpFlags  flags;
  gpointer              data;
  GDestroyNotify        data_free;
  GError               *error;
} Operation;

/* A batch the worker has run, on its way to the callers. */
typedef struct {
  GPtrArray *tasks;          /* GTask, in queue order */
  GError    *txn_error;      /* the transaction failed: every task fails with it */
  GError    *sync_error;     /* its sync failed */
  gint64     done_at;        /* monotonic time it was handed to the callers' context */
  gboolean   wrote;          /* its commit changed the database: it needs a sync */
} Batch;

typedef struct
{
  GAsyncQueue  *queue;       /* GTask, or STOP_OPERATION */
  GThread      *worker;
  GAsyncQueue  *committed;   /* Batch, or STOP_OPERATION; only with a backend's sync */
  GThread      *syncer;
  gint          syncing;     /* batches handed to the syncer and not handed over yet (atomic) */
  gboolean      stopped;

  /* Durable batches wait here for one source on the callers' context. */
  GMainContext *context;
  GAsyncQueue  *done;        /* Batch */
  gint          done_scheduled;
} XgServerStorePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (XgServerStore, xg_server_store, G_TYPE_OBJECT)

/* Pushed after the last real operation to end the worker. */
static int stop_marker;
#define STOP_OPERATION ((gpointer) &stop_marker)

static void
operation_free (Operation *op)
{
  if (op->data_free != NULL && op->data != NULL)
    op->data_free (op->data);
  g_clear_error (&op->error);
  g_free (op);
}

static void
batch_free (Batch *batch)
{
  g_ptr_array_unref (batch->tasks);
  g_clear_error (&batch->txn_error);
  g_clear_error (&batch->sync_error);
  g_free (batch);
}

/* Only now, with the batch on disk (or not at all), do callers hear back. */
static void
return_tasks (Batch *batch)
{
  for (guint i = 0; i < batch->tasks->len; i++)
    {
      GTask *task = batch->tasks->pdata[i];
      Operation *op = g_task_get_task_data (task);

      if (batch->txn_error != NULL)
        g_task_return_error (task, g_error_copy (batch->txn_error));
      else if (batch->sync_error != NULL)
        g_task_return_error (task, g_error_copy (batch->sync_error));
      else if (op->error != NULL)
        g_task_return_error (task, g_steal_pointer (&op->error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

/* On the callers' context: the callbacks of every batch handed over
 * before this turn of the main loop began, in order. A GTask returned here
 * calls back at once (it was made in an earlier turn), so one source
 * serves them all instead of one each; a batch handed over during this
 * turn waits for the next, so that none of its tasks could be returned
 * through a source of its own, out of order. */
static gboolean
complete_handed_over (gpointer data)
{
  XgServerStore *self = data;
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);
  gint64 turn = g_source_get_time (g_main_current_source ());
  Batch *batch;

  g_atomic_int_set (&priv->done_scheduled, 0);
  while ((batch = g_async_queue_try_pop (priv->done)) != NULL)
    {
      if (batch->done_at >= turn)
        {
          g_async_queue_push_front (priv->done, batch);
          g_atomic_int_set (&priv->done_scheduled, 1);
          return G_SOURCE_CONTINUE;
        }
      return_tasks (batch);
      batch_free (batch);
    }
  return G_SOURCE_REMOVE;
}

/* From the worker or the syncer: the batch is durable (or failed); its
 * callers hear of it on their context. */
static void
hand_over (XgServerStore *self,
           Batch         *batch)
{
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);

  batch->done_at = g_get_monotonic_time ();
  g_async_queue_push (priv->done, batch);
  if (g_atomic_int_compare_and_exchange (&priv->done_scheduled, 0, 1))
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, complete_handed_over, g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "xg-store-done");
      g_source_attach (source, priv->context);
      g_source_unref (source);
    }
}

/* With a backend whose commit is not durable by itself (a sync method),
 * the worker hands each committed batch to this thread, which makes it
 * durable and hands it to the callers (hand_over), while the worker
 * already runs the next batch: one sync covers every batch committed
 * before it started, and the commits no longer wait for each other's
 * syncs. */
static gpointer
syncer_main (gpointer data)
{
  XgServerStore *self = data;
  XgServerStoreClass *klass = XG_SERVER_STORE_GET_CLASS (self);
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);
  gboolean stop = FALSE;

  while (!stop)
    {
      g_autoptr(GPtrArray) batches = g_ptr_array_new ();
      g_autoptr(GError) sync_error = NULL;
      gpointer item = g_async_queue_pop (priv->committed);
      gboolean need_sync = FALSE;

      for (; item != NULL; item = g_async_queue_try_pop (priv->committed))
        {
          if (item == STOP_OPERATION)
            {
              stop = TRUE;
              break;
            }
          g_ptr_array_add (batches, item);
          need_sync |= ((Batch *) item)->txn_error == NULL && ((Batch *) item)->wrote;
        }

      if (need_sync && !klass->sync (self, &sync_error))
        {
          /* What was committed may not be on disk, and a later sync cannot
           * tell: stop rather than acknowledge anything more (a restart
           * reads what the disk really has). */
          g_error ("Cannot make the database durable: %s; stopping the server", sync_error->message);
        }

      for (guint i = 0; i < batches->len; i++)
        {
          Batch *batch = batches->pdata[i];

          batch->sync_error = sync_error ? g_error_copy (sync_error) : NULL;
          hand_over (self, batch);
          /* After the hand-over: a batch that waits for none to sync may
           * now be handed over straight from the worker, behind this one. */
          g_atomic_int_add (&priv->syncing, -1);
        }
      /* Handed over: not freed here. */
      g_ptr_array_set_free_func (batches, NULL);
    }

  return NULL;
}

static void
run_batch (XgServerStore *self,
           GPtrArray     *tasks)
{
  XgServerStoreClass *klass = XG_SERVER_STORE_GET_CLASS (self);
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);
  Batch *batch = g_new0 (Batch, 1);
  g_autoptr(GError) txn_error = NULL;

  batch->tasks = g_ptr_array_ref (tasks);

  if (klass->begin (self, &txn_error))
    {
      for (guint i = 0; i < tasks->len && txn_error == NULL; i++)
        {
          Operation *op = g_task_get_task_data (tasks->pdata[i]);
          gboolean message = (op->flags & XG_SERVER_STORE_OP_MESSAGE) != 0;
          gboolean ok;

          /* Whatever else runs sees what the message operations stored. */
          if (!message && klass->flush != NULL && !klass->flush (self, &txn_error))
            break;
          if (!message && !klass->savepoint (self, &op->error))
            continue;
          ok = xg_server_store_run_part (self, op->run, op->data, &op->error);
          if (!message)
            klass->release (self, ok);
        }

      if (txn_error == NULL && klass->flush != NULL)
        klass->flush (self, &txn_error);
      if (txn_error != NULL || !klass->commit (self, &txn_error))
        klass->rollback (self);
      else
        batch->wrote = klass->changed == NULL || klass->changed (self);
    }
  batch->txn_error = g_steal_pointer (&txn_error);

  /* A batch that changed nothing (a login's reads, say) has nothing to
   * make durable: it is handed over here, without a sync and without
   * waking the syncer, unless a batch before it still waits there
   * (callbacks keep the queue's order, and what it read may be what that
   * one wrote: it is answered only after that is on disk). */
  if (priv->syncer != NULL && (batch->wrote || g_atomic_int_get (&priv->syncing) > 0))
    {
      g_atomic_int_inc (&priv->syncing);
      g_async_queue_push (priv->committed, batch);
    }
  else
    hand_over (self, batch);
}

static gpointer
worker_main (gpointer data)
{
  XgServerStore *self = data;
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);
  gboolean stop = FALSE;

  while (!stop)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func (g_object_unref);
      gpointer item = g_async_queue_pop (priv->queue);

      while (item != NULL)
        {
          if (item == STOP_OPERATION)
            {
              stop = TRUE;
              break;
            }
          g_ptr_array_add (batch, item);
          if (batch->len >= MAX_BATCH)
            break;
          item = g_async_queue_try_pop (priv->queue);
        }

      if (batch->len > 0)
        run_batch (self, batch);
    }

  if (priv->syncer != NULL)
    {
      g_async_queue_push (priv->committed, STOP_OPERATION);
      g_thread_join (g_steal_pointer (&priv->syncer));
    }
  XG_SERVER_STORE_GET_CLASS (self)->close (self);
  return NULL;
}

void
xg_server_store_start (XgServerStore *self)
{
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);

  g_return_if_fail (XG_IS_SERVER_STORE (self));
  g_return_if_fail (priv->worker == NULL);

  priv->context = g_main_context_ref_thread_default ();
  if (XG_SERVER_STORE_GET_CLASS (self)->sync != NULL)
    priv->syncer = g_thread_new ("xg-store-sync", syncer_main, self);
  priv->worker = g_thread_new ("xg-store", worker_main, self);
}

void
xg_server_store_stop (XgServerStore *self)
{
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);

  g_return_if_fail (XG_IS_SERVER_STORE (self));

  if (priv->stopped)
    return;
  priv->stopped = TRUE;
  if (priv->worker != NULL)
    {
      g_async_queue_push (priv->queue, STOP_OPERATION);
      g_thread_join (g_steal_pointer (&priv->worker));
    }
}

static void
xg_server_store_finalize (GObject *object)
{
  XgServerStore *self = XG_SERVER_STORE (object);
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);

  xg_server_store_stop (self);
  g_async_queue_unref (priv->queue);
  g_async_queue_unref (priv->committed);
  /* Its source held a reference: nothing can be waiting. */
  g_async_queue_unref (priv->done);
  g_clear_pointer (&priv->context, g_main_context_unref);

  G_OBJECT_CLASS (xg_server_store_parent_class)->finalize (object);
}

static void
xg_server_store_class_init (XgServerStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = xg_server_store_finalize;
}

static void
xg_server_store_init (XgServerStore *self)
{
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);

  priv->queue = g_async_queue_new ();
  priv->committed = g_async_queue_new ();
  priv->done = g_async_queue_new ();
}

/**
 * xg_server_store_queue:
 * @run: the operation, run on the worker thread
 * @data: (transfer full): its arguments; @run leaves its results here
 * @data_free: (nullable): frees @data once the task is gone
 * @source_tag: the public _async function, checked again by
 *   xg_server_store_finish_op()
 *
 * Queues an operation; @callback runs on the caller's thread-default main
 * context once the batch holding it has committed. Callbacks run in the
 * order their operations were queued.
 */
void
xg_server_store_queue (XgServerStore       *self,
                       XgServerStoreRun     run,
                       gpointer             data,
                       GDestroyNotify       data_free,
                       gpointer             source_tag,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  xg_server_store_queue_full (self, XG_SERVER_STORE_OP_NONE, run, data, data_free, source_tag, callback, user_data);
}

/**
 * xg_server_store_queue_full:
 * @flags: XG_SERVER_STORE_OP_MESSAGE for a message operation
 *
 * As xg_server_store_queue(), with @flags.
 */
void
xg_server_store_queue_full (XgServerStore        *self,
                            XgServerStoreOpFlags  flags,
                            XgServerStoreRun      run,
                            gpointer              data,
                            GDestroyNotify        data_free,
                            gpointer              source_tag,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data)
{
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);
  GTask *task = g_task_new (self, NULL, callback, user_data);
  Operation *op = g_new0 (Operation, 1);

  op->run = run;
  op->flags = flags;
  op->data = data;
  op->data_free = data_free;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) operation_free);

  if (priv->stopped || priv->worker == NULL)
    {
      g_task_return_new_error (task, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_CLOSED,
                               "The database is closed");
      g_object_unref (task);
      return;
    }

  g_async_queue_push (priv->queue, task);
}

/**
 * xg_server_store_run_part:
 * @run: an operation, or a part of the one that is running now
 *
 * Runs @run now, on the worker thread, and makes sure a failure says so.
 * For an operation made of parts that fail on their own (the login's,
 * xg-server-store-login.c), a part runs in its operation's savepoint and
 * has none of its own: it must leave nothing half done when it fails (at
 * most one write, its last).
 *
 * Returns: what @run returned; %FALSE with @error set on failure
 */
gboolean
xg_server_store_run_part (XgServerStore     *self,
                          XgServerStoreRun   run,
                          gpointer           data,
                          GError           **error)
{
  gboolean ok = run (self, data, error);

  if (!ok && error != NULL && *error == NULL)
    g_set_error_literal (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                         "A database operation failed without saying why");
  return ok;
}

/**
 * xg_server_store_finish_op:
 *
 * Returns: (transfer none): the operation's data, which lives as long as
 *   @result; %NULL with @error set if the operation or its commit failed
 */
gpointer
xg_server_store_finish_op (XgServerStore  *self,
                           GAsyncResult   *result,
                           gpointer        source_tag,
                           GError        **error)
{
  Operation *op;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  op = g_task_get_task_data (G_TASK (result));
  return op->data;
}
