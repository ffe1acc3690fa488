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

typedef struct _Job Job;
typedef gboolean (*JobFunc) (XgServerStore *self, Job *job, GError **error);

/* One queued operation: its arguments, then its results. */
struct _Job
{
  JobFunc              func;

  char                *email;
  char                *nickname;
  char                *password_hash;
  guint64              id;
  GVariant            *fields;
  GBytes              *hash;
  gint64               now;
  gint64               expires_at;
  guint                expiry;
  guint                attempts;
  guint                resend_interval;
  guint                per_hour;

  XgServerAccount     *account;
  XgServerCodeStatus   code_status;
  guint                retry_after;
  XgServerRegisterResult registered;
  gboolean             valid;
  GError              *error;
};

typedef struct
{
  GAsyncQueue *queue;
  GThread     *worker;
  gboolean     stopped;
} XgServerStorePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (XgServerStore, xg_server_store, G_TYPE_OBJECT)

/* Pushed after the last real job to end the worker. */
static int stop_marker;
#define STOP_JOB ((gpointer) &stop_marker)

void
xg_server_account_free (XgServerAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->email);
  g_free (account->nickname);
  g_free (account->password_hash);
  g_clear_pointer (&account->fields, g_variant_unref);
  g_free (account);
}

static void
job_free (Job *job)
{
  g_free (job->email);
  g_free (job->nickname);
  g_free (job->password_hash);
  g_clear_pointer (&job->fields, g_variant_unref);
  g_clear_pointer (&job->hash, g_bytes_unref);
  g_clear_pointer (&job->account, xg_server_account_free);
  g_clear_error (&job->error);
  g_free (job);
}

static void
run_batch (XgServerStore *self,
           GPtrArray     *batch)
{
  XgServerStoreClass *klass = XG_SERVER_STORE_GET_CLASS (self);
  g_autoptr(GError) txn_error = NULL;

  if (klass->begin (self, &txn_error))
    {
      for (guint i = 0; i < batch->len; i++)
        {
          Job *job = g_task_get_task_data (batch->pdata[i]);

          if (!klass->savepoint (self, &job->error))
            continue;
          klass->release (self, job->func (self, job, &job->error));
        }

      if (!klass->commit (self, &txn_error))
        klass->rollback (self);
    }

  for (guint i = 0; i < batch->len; i++)
    {
      GTask *task = batch->pdata[i];
      Job *job = g_task_get_task_data (task);

      if (txn_error != NULL)
        g_task_return_error (task, g_error_copy (txn_error));
      else if (job->error != NULL)
        g_task_return_error (task, g_steal_pointer (&job->error));
      else
        g_task_return_boolean (task, TRUE);
    }
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
          if (item == STOP_JOB)
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

  XG_SERVER_STORE_GET_CLASS (self)->close (self);
  return NULL;
}

void
xg_server_store_start (XgServerStore *self)
{
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);

  g_return_if_fail (XG_IS_SERVER_STORE (self));
  g_return_if_fail (priv->worker == NULL);

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
      g_async_queue_push (priv->queue, STOP_JOB);
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
}

/* Queues @job; the callback runs on the caller's thread-default main
 * context once the batch holding it has committed. */
static void
submit (XgServerStore       *self,
        Job                 *job,
        gpointer             source_tag,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  XgServerStorePrivate *priv = xg_server_store_get_instance_private (self);
  GTask *task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  if (priv->stopped || priv->worker == NULL)
    {
      g_task_return_new_error (task, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_CLOSED,
                               "The database is closed");
      g_object_unref (task);
      return;
    }

  g_async_queue_push (priv->queue, task);
}

static Job *
finish_job (XgServerStore  *self,
            GAsyncResult   *result,
            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_task_get_task_data (G_TASK (result));
}

/* --- Accounts ------------------------------------------------------------ */

static gboolean
run_account_by_email (XgServerStore *self, Job *job, GError **error)
{
  job->account = XG_SERVER_STORE_GET_CLASS (self)->account_by_email (self, job->email, error);
  return error == NULL || *error == NULL;
}

static gboolean
run_account_by_id (XgServerStore *self, Job *job, GError **error)
{
  job->account = XG_SERVER_STORE_GET_CLASS (self)->account_by_id (self, job->id, error);
  return error == NULL || *error == NULL;
}

static gboolean
run_update_profile (XgServerStore *self, Job *job, GError **error)
{
  job->account = XG_SERVER_STORE_GET_CLASS (self)->update_profile (self, job->id, job->nickname,
                                                                   job->fields, error);
  return job->account != NULL;
}

void
xg_server_store_account_by_email_async (XgServerStore       *self,
                                        const char          *email,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);

  job->func = run_account_by_email;
  job->email = g_strdup (email);
  submit (self, job, xg_server_store_account_by_email_async, callback, user_data);
}

void
xg_server_store_account_by_id_async (XgServerStore       *self,
                                     guint64              id,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);

  job->func = run_account_by_id;
  job->id = id;
  submit (self, job, xg_server_store_account_by_id_async, callback, user_data);
}

/**
 * xg_server_store_update_profile_async:
 * @nickname: (nullable): the new nickname, or %NULL to keep it
 * @fields: a{sv} of fields to set; a key whose value is an empty string or
 *   empty byte array is removed
 */
void
xg_server_store_update_profile_async (XgServerStore       *self,
                                      guint64              id,
                                      const char          *nickname,
                                      GVariant            *fields,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);

  job->func = run_update_profile;
  job->id = id;
  job->nickname = g_strdup (nickname);
  job->fields = g_variant_ref_sink (fields);
  submit (self, job, xg_server_store_update_profile_async, callback, user_data);
}

XgServerAccount *
xg_server_store_account_finish (XgServerStore  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  Job *job = finish_job (self, result, error);

  return job ? g_steal_pointer (&job->account) : NULL;
}

/* --- Verification codes and registration -------------------------------- */

static gboolean
run_issue_code (XgServerStore *self, Job *job, GError **error)
{
  XgServerCodeRequest request = {
    .email = job->email,
    .code_hash = job->hash,
    .now = job->now,
    .expiry = job->expiry,
    .attempts = job->attempts,
    .resend_interval = job->resend_interval,
    .per_hour = job->per_hour,
  };

  return XG_SERVER_STORE_GET_CLASS (self)->issue_code (self, &request, &job->code_status,
                                                       &job->retry_after, error);
}

void
xg_server_store_issue_code_async (XgServerStore              *self,
                                  const XgServerCodeRequest  *request,
                                  GAsyncReadyCallback         callback,
                                  gpointer                    user_data)
{
  Job *job = g_new0 (Job, 1);

  job->func = run_issue_code;
  job->email = g_strdup (request->email);
  job->hash = g_bytes_ref (request->code_hash);
  job->now = request->now;
  job->expiry = request->expiry;
  job->attempts = request->attempts;
  job->resend_interval = request->resend_interval;
  job->per_hour = request->per_hour;
  submit (self, job, xg_server_store_issue_code_async, callback, user_data);
}

gboolean
xg_server_store_issue_code_finish (XgServerStore       *self,
                                   GAsyncResult        *result,
                                   XgServerCodeStatus  *status,
                                   guint               *retry_after,
                                   GError             **error)
{
  Job *job = finish_job (self, result, error);

  if (job == NULL)
    return FALSE;
  *status = job->code_status;
  *retry_after = job->retry_after;
  return TRUE;
}

static gboolean
run_register (XgServerStore *self, Job *job, GError **error)
{
  XgServerRegistration registration = {
    .email = job->email,
    .nickname = job->nickname,
    .password_hash = job->password_hash,
    .code_hash = job->hash,
    .now = job->now,
  };

  return XG_SERVER_STORE_GET_CLASS (self)->register_account (self, &registration,
                                                             &job->registered, error);
}

void
xg_server_store_register_async (XgServerStore               *self,
                                const XgServerRegistration  *registration,
                                GAsyncReadyCallback          callback,
                                gpointer                     user_data)
{
  Job *job = g_new0 (Job, 1);

  job->func = run_register;
  job->email = g_strdup (registration->email);
  job->nickname = g_strdup (registration->nickname);
  job->password_hash = g_strdup (registration->password_hash);
  job->hash = g_bytes_ref (registration->code_hash);
  job->now = registration->now;
  submit (self, job, xg_server_store_register_async, callback, user_data);
}

gboolean
xg_server_store_register_finish (XgServerStore           *self,
                                 GAsyncResult            *result,
                                 XgServerRegisterResult  *out,
                                 GError                 **error)
{
  Job *job = finish_job (self, result, error);

  if (job == NULL)
    return FALSE;
  *out = job->registered;
  return TRUE;
}

/* --- Resume tokens ------------------------------------------------------- */

static gboolean
run_put_token (XgServerStore *self, Job *job, GError **error)
{
  job->valid = XG_SERVER_STORE_GET_CLASS (self)->put_token (self, job->id, job->hash, job->now,
                                                            job->expires_at, error);
  return job->valid;
}

static gboolean
run_use_token (XgServerStore *self, Job *job, GError **error)
{
  return XG_SERVER_STORE_GET_CLASS (self)->use_token (self, job->id, job->hash, job->now,
                                                      job->expires_at, &job->valid, error);
}

static gboolean
run_revoke_token (XgServerStore *self, Job *job, GError **error)
{
  job->valid = XG_SERVER_STORE_GET_CLASS (self)->revoke_token (self, job->hash, error);
  return job->valid;
}

static void
submit_token_job (XgServerStore       *self,
                  JobFunc              func,
                  guint64              account_id,
                  GBytes              *token_hash,
                  gint64               now,
                  gint64               expires_at,
                  gpointer             source_tag,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  Job *job = g_new0 (Job, 1);

  job->func = func;
  job->id = account_id;
  job->hash = g_bytes_ref (token_hash);
  job->now = now;
  job->expires_at = expires_at;
  submit (self, job, source_tag, callback, user_data);
}

void
xg_server_store_put_token_async (XgServerStore       *self,
                                 guint64              account_id,
                                 GBytes              *token_hash,
                                 gint64               now,
                                 gint64               expires_at,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  submit_token_job (self, run_put_token, account_id, token_hash, now, expires_at,
                    xg_server_store_put_token_async, callback, user_data);
}

void
xg_server_store_use_token_async (XgServerStore       *self,
                                 guint64              account_id,
                                 GBytes              *token_hash,
                                 gint64               now,
                                 gint64               new_expires_at,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  submit_token_job (self, run_use_token, account_id, token_hash, now, new_expires_at,
                    xg_server_store_use_token_async, callback, user_data);
}

void
xg_server_store_revoke_token_async (XgServerStore       *self,
                                    GBytes              *token_hash,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  submit_token_job (self, run_revoke_token, 0, token_hash, 0, 0,
                    xg_server_store_revoke_token_async, callback, user_data);
}

gboolean
xg_server_store_boolean_finish (XgServerStore  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  Job *job = finish_job (self, result, error);

  return job != NULL && job->valid;
}
