/* xg-db.c: a SQLite file with a worker thread of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only the worker thread touches the connection: it opens the file, then
 * pops jobs off an async queue one by one, runs each in a transaction,
 * and hands its task back to the main context it came from, where it
 * returns. Tasks are unreferenced there too, never on the worker, so the
 * last reference to the database cannot be dropped on the thread that
 * close() must join.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <glib/gstdio.h>

#include "xg-core-resources.h"
#include "xg-db.h"

G_DEFINE_QUARK (xg-db-error-quark, xg_db_error)

typedef struct
{
  char           *path;
  GAsyncQueue    *queue;
  GThread        *worker;
  gboolean        closed;

  /* The worker's alone. */
  GThread        *worker_self;    /* set by the worker itself, for its asserts */
  sqlite3        *db;
  GHashTable     *statements;     /* static SQL text → sqlite3_stmt */
  GError         *open_error;     /* why the file could not be opened */
  XgDbTraceFunc   trace_func;
  gpointer        trace_data;
} XgDbPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (XgDb, xg_db, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One queued call. */
typedef struct {
  XgDbJobFunc     func;
  gpointer        data;
  GDestroyNotify  data_free;
  GError         *error;
} Job;

/* Pushed after the last real job to end the worker. */
static int stop_marker;
#define STOP_JOB ((gpointer) &stop_marker)

static void
job_free (Job *job)
{
  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  g_clear_error (&job->error);
  g_free (job);
}

static const char *
kind_name (XgDb *self)
{
  return XG_DB_GET_CLASS (self)->kind_name;
}

/* --- SQLite helpers (worker thread) --------------------------------------- */

static gboolean
set_sqlite_error (XgDb        *self,
                  int          rc,
                  const char  *what,
                  GError     **error)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  int code = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB
             ? XG_DB_ERROR_CORRUPT : XG_DB_ERROR_FAILED;
  const char *detail = priv->db != NULL ? sqlite3_errmsg (priv->db) : sqlite3_errstr (rc);

  g_set_error (error, XG_DB_ERROR, code, "Could not %s the %s “%s”: %s",
               what, kind_name (self), priv->path, detail);
  return FALSE;
}

static void
assert_worker (XgDb *self)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);

  g_assert (g_thread_self () == priv->worker_self);
}

/**
 * xg_db_exec:
 * @sql: one or more statements that return no rows
 *
 * Runs @sql. For job functions (and migrations), on the worker thread.
 */
gboolean
xg_db_exec (XgDb        *self,
            const char  *sql,
            GError     **error)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  int rc;

  assert_worker (self);
  rc = sqlite3_exec (priv->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK || set_sqlite_error (self, rc, "write", error);
}

/* Runs a statement that answers with one integer. */
static gboolean
query_int (XgDb        *self,
           const char  *sql,
           int         *value,
           GError     **error)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (priv->db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *value = sqlite3_column_int (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);

  return rc == SQLITE_OK || set_sqlite_error (self, rc, "read", error);
}

/**
 * xg_db_statement:
 * @sql: a string literal: its address is the cache key
 *
 * Returns: (transfer none): the prepared statement for @sql, reset and
 *   unbound, or %NULL with @error set
 */
sqlite3_stmt *
xg_db_statement (XgDb        *self,
                 const char  *sql,
                 GError     **error)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  sqlite3_stmt *stmt;
  int rc;

  assert_worker (self);
  stmt = g_hash_table_lookup (priv->statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (priv->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, "query", error);
      return NULL;
    }
  g_hash_table_insert (priv->statements, (gpointer) sql, stmt);
  return stmt;
}

/* Steps a statement that returns no row, and resets it. */
gboolean
xg_db_step_done (XgDb          *self,
                 sqlite3_stmt  *stmt,
                 GError       **error)
{
  int rc = sqlite3_step (stmt);
  gboolean ok = rc == SQLITE_DONE || set_sqlite_error (self, rc, "write", error);

  sqlite3_reset (stmt);
  return ok;
}

/* Steps a query: TRUE with *has_row set, or FALSE on error (reset). */
gboolean
xg_db_step_row (XgDb          *self,
                sqlite3_stmt  *stmt,
                gboolean      *has_row,
                GError       **error)
{
  int rc = sqlite3_step (stmt);

  *has_row = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return TRUE;

  set_sqlite_error (self, rc, "read", error);
  sqlite3_reset (stmt);
  return FALSE;
}

/* Rows the last statement changed. */
gint64
xg_db_changes (XgDb *self)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);

  return sqlite3_changes64 (priv->db);
}

/* Binds a value as its little-endian normal form; never as NULL. */
void
xg_db_bind_variant (sqlite3_stmt *stmt,
                    int           index,
                    GVariant     *value)
{
  g_autoptr(GVariant) normal = g_variant_get_normal_form (value);

#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    GVariant *swapped = g_variant_byteswap (normal);

    g_variant_unref (normal);
    normal = swapped;
  }
#endif
  if (g_variant_get_size (normal) == 0)
    sqlite3_bind_zeroblob (stmt, index, 0);
  else
    sqlite3_bind_blob (stmt, index, g_variant_get_data (normal), (int) g_variant_get_size (normal),
                       SQLITE_TRANSIENT);
}

/**
 * xg_db_column_variant:
 * @type: the GVariant type string the column holds
 *
 * Reads back what xg_db_bind_variant() stored. Checked, not trusted: a
 * value that is not in normal form is a damaged row, logged and read as
 * %NULL.
 *
 * Returns: (transfer full) (nullable): the value, not floating
 */
GVariant *
xg_db_column_variant (XgDb         *self,
                      sqlite3_stmt *stmt,
                      int           column,
                      const char   *type)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  g_autoptr(GBytes) bytes = g_bytes_new (sqlite3_column_blob (stmt, column),
                                         sqlite3_column_bytes (stmt, column));
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (type),
                                                                            bytes, FALSE));

  if (!g_variant_is_normal_form (value))
    {
      g_warning ("A %s row in the %s “%s” is damaged; ignoring it", type, kind_name (self), priv->path);
      return NULL;
    }
#if G_BYTE_ORDER == G_BIG_ENDIAN
  return g_variant_byteswap (value);
#else
  return g_steal_pointer (&value);
#endif
}

static int
trace_cb (unsigned  type,
          void     *data,
          void     *p,
          void     *x)
{
  XgDbPrivate *priv = data;

  if (type == SQLITE_TRACE_STMT && priv->trace_func != NULL)
    priv->trace_func (x, priv->trace_data);
  return 0;
}

/* --- Opening (worker thread) ---------------------------------------------- */

/* For qsort(), which passes pointers to the elements. */
static int
compare_names (const void *a,
               const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The subclass's migrations, in order: resource paths of 001-….sql, 002-…. */
static GPtrArray *
list_migrations (XgDb *self)
{
  const char *folder = XG_DB_GET_CLASS (self)->migrations;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = g_resources_enumerate_children (folder, 0, &error);
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  guint n;

  if (names == NULL)
    g_error ("The migrations of the %s are missing from the resources: %s", kind_name (self), error->message);

  n = g_strv_length (names);
  qsort (names, n, sizeof (char *), compare_names);
  for (guint i = 0; i < n; i++)
    {
      guint64 number = g_ascii_strtoull (names[i], NULL, 10);

      /* Numbered from 1 without gaps: a build with a missing file must not
       * skip a schema step. */
      if (number != i + 1 || !g_str_has_suffix (names[i], ".sql"))
        g_error ("Migration %s of the %s is out of sequence", names[i], kind_name (self));
      g_ptr_array_add (paths, g_strconcat (folder, names[i], NULL));
    }
  return paths;
}

static gboolean
migrate (XgDb    *self,
         GError **error)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  XgDbClass *klass = XG_DB_GET_CLASS (self);
  g_autoptr(GPtrArray) migrations = list_migrations (self);
  int version = 0;
  int application_id = 0;

  if (!query_int (self, "PRAGMA user_version", &version, error)
      || !query_int (self, "PRAGMA application_id", &application_id, error))
    return FALSE;

  /* The other kind of Xinge file is not "too new": it is not ours at all. */
  if (version > 0 && application_id != klass->application_id)
    {
      g_set_error (error, XG_DB_ERROR, XG_DB_ERROR_FAILED,
                   "“%s” is not a Xinge %s", priv->path, klass->kind_name);
      return FALSE;
    }

  if (version > (int) migrations->len)
    {
      g_set_error (error, XG_DB_ERROR, XG_DB_ERROR_TOO_NEW,
                   "The %s “%s” has schema version %d, but this Xinge knows only up to %u; "
                   "run a newer Xinge or remove the file",
                   klass->kind_name, priv->path, version, migrations->len);
      return FALSE;
    }

  for (guint i = version; i < migrations->len; i++)
    {
      g_autoptr(GBytes) sql = g_resources_lookup_data (migrations->pdata[i], 0, NULL);
      g_autofree char *text = g_strndup (g_bytes_get_data (sql, NULL), g_bytes_get_size (sql));
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %u; PRAGMA application_id = %d",
                                               i + 1, klass->application_id);

      if (!xg_db_exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!xg_db_exec (self, text, error) || !xg_db_exec (self, bump, error)
          || !xg_db_exec (self, "COMMIT", error))
        {
          sqlite3_exec (priv->db, "ROLLBACK", NULL, NULL, NULL);
          g_prefix_error (error, "Migration %u: ", i + 1);
          return FALSE;
        }
      g_debug ("The %s “%s” is now at schema version %u", klass->kind_name, priv->path, i + 1);
    }

  return TRUE;
}

static gboolean
open_db (XgDb    *self,
         GError **error)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  int fd;
  int rc;

  /* Only its owner may read the file; SQLite gives its -wal and -shm
   * files the same mode. */
  fd = g_open (priv->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, XG_DB_ERROR, XG_DB_ERROR_FAILED, "Could not open the %s “%s”: %s",
                   kind_name (self), priv->path, g_strerror (saved_errno));
      return FALSE;
    }
  g_close (fd, NULL);

  rc = sqlite3_open_v2 (priv->path, &priv->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    return set_sqlite_error (self, rc, "open", error);

  /* Another copy of the app on the same profile may hold a lock briefly. */
  sqlite3_busy_timeout (priv->db, 5000);
  sqlite3_extended_result_codes (priv->db, TRUE);

  /* FULL, not NORMAL: in WAL mode NORMAL syncs the log only at
   * checkpoints, so a commit that has completed can still be lost with
   * the power (not with a crash of the app). The account database's
   * commits are promises: deliveries are acknowledged (MSG_RECEIVED_ACK)
   * once their commit completes, and an outgoing message is sent once its
   * outbox row's commit completes (docs/PROTOCOL.md 7.1, 7.3); neither
   * may be undone afterwards. What FULL costs, one fsync per commit, is
   * paid once per burst: the callers gather deliveries, outbox writes and
   * MSG_SENT_ACKs into one job each (xg-conversations.c). */
  return migrate (self, error)
         && xg_db_exec (self, "PRAGMA journal_mode = WAL", error)
         && xg_db_exec (self, "PRAGMA synchronous = FULL", error)
         && xg_db_exec (self, "PRAGMA foreign_keys = ON", error);
}

static void
close_db (XgDb *self)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);

  g_hash_table_remove_all (priv->statements);
  if (priv->db != NULL)
    {
      sqlite3_close (priv->db);
      priv->db = NULL;
    }
}

/* --- The worker ------------------------------------------------------------ */

static gboolean
complete_cb (gpointer data)
{
  GTask *task = data;
  Job *job = g_task_get_task_data (task);

  if (job->error != NULL)
    g_task_return_error (task, g_steal_pointer (&job->error));
  else
    g_task_return_boolean (task, TRUE);

  return G_SOURCE_REMOVE;
}

/* One job in one transaction. */
static gboolean
run_job (XgDb     *self,
         Job      *job,
         GError  **error)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);

  if (priv->open_error != NULL)
    {
      g_propagate_error (error, g_error_copy (priv->open_error));
      return FALSE;
    }
  if (!xg_db_exec (self, "BEGIN", error))
    return FALSE;
  if (!job->func (self, job->data, error))
    {
      g_assert (error == NULL || *error != NULL);
      sqlite3_exec (priv->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (!xg_db_exec (self, "COMMIT", error))
    {
      sqlite3_exec (priv->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

static gpointer
worker_main (gpointer data)
{
  XgDb *self = data;
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  gpointer item;

  priv->worker_self = g_thread_self ();
  if (!open_db (self, &priv->open_error))
    {
      g_debug ("%s", priv->open_error->message);
      close_db (self);
    }

  while ((item = g_async_queue_pop (priv->queue)) != STOP_JOB)
    {
      GTask *task = item;
      Job *job = g_task_get_task_data (task);
      GSource *source;

      /* A call cancelled while it waited runs no statement. */
      if (!g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &job->error))
        run_job (self, job, &job->error);

      /* Return (and unref) on the caller's main context, in queue order. */
      source = g_idle_source_new ();
      g_source_set_priority (source, g_task_get_priority (task));
      g_source_set_static_name (source, "[xg-db] complete");
      g_source_set_callback (source, complete_cb, task, g_object_unref);
      g_source_attach (source, g_task_get_context (task));
      g_source_unref (source);
    }

  close_db (self);
  return NULL;
}

/**
 * xg_db_run_async:
 * @func: runs on the worker thread, in a transaction
 * @data: (transfer full): @func's arguments; it puts its results there too
 * @data_free: (nullable): frees @data when the call is done
 * @cancellable: (nullable): a call cancelled before it runs does nothing
 * @source_tag: the public function's address, checked by xg_db_run_finish()
 * @callback: called on the caller's thread-default main context
 *
 * Queues a job. Jobs run one at a time in the order they were queued, and
 * complete in that order.
 */
void
xg_db_run_async (XgDb                *self,
                 XgDbJobFunc          func,
                 gpointer             data,
                 GDestroyNotify       data_free,
                 GCancellable        *cancellable,
                 gpointer             source_tag,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  GTask *task;
  Job *job;

  g_return_if_fail (XG_IS_DB (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (Job, 1);
  job->func = func;
  job->data = data;
  job->data_free = data_free;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  if (priv->closed)
    {
      g_task_return_new_error (task, XG_DB_ERROR, XG_DB_ERROR_CLOSED,
                               "The %s “%s” is closed", kind_name (self), priv->path);
      g_object_unref (task);
      return;
    }

  g_async_queue_push (priv->queue, task);
}

/**
 * xg_db_run_finish:
 *
 * Returns: (transfer none) (nullable): the job's data, valid while
 *   @result is, or %NULL with @error set
 */
gpointer
xg_db_run_finish (XgDb          *self,
                  GAsyncResult  *result,
                  gpointer       source_tag,
                  GError       **error)
{
  Job *job;

  g_return_val_if_fail (XG_IS_DB (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  job = g_task_get_task_data (G_TASK (result));
  return job->data;
}

static gboolean
run_nothing (XgDb      *self,
             gpointer   data,
             GError   **error)
{
  return TRUE;
}

/**
 * xg_db_ready_async:
 *
 * Completes once the file is open and migrated, or with the reason it
 * could not be (%XG_DB_ERROR_CORRUPT, %XG_DB_ERROR_TOO_NEW,
 * %XG_DB_ERROR_FAILED): the same error every call to a database that
 * could not be opened fails with.
 */
void
xg_db_ready_async (XgDb                *self,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  /* A dummy pointer: the data of a job that has none. */
  xg_db_run_async (self, run_nothing, self, NULL, cancellable, xg_db_ready_async, callback, user_data);
}

gboolean
xg_db_ready_finish (XgDb          *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  return xg_db_run_finish (self, result, xg_db_ready_async, error) != NULL;
}

/**
 * xg_db_flush_async:
 * @cancellable: (nullable): a flush cancelled before its turn fails with
 *   %G_IO_ERROR_CANCELLED (the calls before it still run)
 *
 * Completes once every call queued before it has completed, their
 * callbacks run first: whatever they wrote is committed, and with
 * synchronous=FULL on disk. For whoever must know that what it handed
 * the database is kept (the next start reads it), without waiting for
 * each call or closing the database.
 */
void
xg_db_flush_async (XgDb                *self,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  /* Jobs run and complete in queue order: an empty one is a barrier. */
  xg_db_run_async (self, run_nothing, self, NULL, cancellable, xg_db_flush_async, callback, user_data);
}

gboolean
xg_db_flush_finish (XgDb          *self,
                    GAsyncResult  *result,
                    GError       **error)
{
  return xg_db_run_finish (self, result, xg_db_flush_async, error) != NULL;
}

/* --- Tracing --------------------------------------------------------------- */

typedef struct {
  XgDbTraceFunc func;
  gpointer      data;
} TraceJob;

static gboolean
run_set_trace (XgDb     *self,
               gpointer  data,
               GError  **error)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  TraceJob *job = data;

  priv->trace_func = job->func;
  priv->trace_data = job->data;
  sqlite3_trace_v2 (priv->db, job->func ? SQLITE_TRACE_STMT : 0, trace_cb, priv);
  return TRUE;
}

/**
 * xg_db_set_trace_func:
 * @func: (nullable): called with each statement's SQL, on the worker thread
 * @user_data: passed to @func; it must stay valid while @func is set
 *
 * For tests and debugging: watch what the database runs, and where.
 */
void
xg_db_set_trace_func (XgDb          *self,
                      XgDbTraceFunc  func,
                      gpointer       user_data)
{
  TraceJob *job;

  g_return_if_fail (XG_IS_DB (self));

  job = g_new0 (TraceJob, 1);
  job->func = func;
  job->data = user_data;
  xg_db_run_async (self, run_set_trace, job, g_free, NULL, xg_db_set_trace_func, NULL, NULL);
}

/* --- The object ------------------------------------------------------------ */

const char *
xg_db_get_path (XgDb *self)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);

  g_return_val_if_fail (XG_IS_DB (self), NULL);
  return priv->path;
}

/**
 * xg_db_close:
 *
 * Runs every call already queued, then stops the worker and closes the
 * file. The queued calls still complete on their main contexts; later
 * calls fail with %XG_DB_ERROR_CLOSED. Calling it again does nothing;
 * disposing the database calls it.
 */
void
xg_db_close (XgDb *self)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);

  g_return_if_fail (XG_IS_DB (self));

  if (priv->closed)
    return;
  priv->closed = TRUE;

  if (priv->worker != NULL)
    {
      g_assert (g_thread_self () != priv->worker);
      /* The worker reads priv->worker until it ends: clear it after. */
      g_async_queue_push (priv->queue, STOP_JOB);
      g_thread_join (priv->worker);
      priv->worker = NULL;
    }
}

static void
xg_db_constructed (GObject *object)
{
  XgDb *self = XG_DB (object);
  XgDbPrivate *priv = xg_db_get_instance_private (self);
  XgDbClass *klass = XG_DB_GET_CLASS (self);

  G_OBJECT_CLASS (xg_db_parent_class)->constructed (object);

  g_assert (klass->kind_name != NULL && klass->migrations != NULL);
  g_assert (priv->path != NULL);
  priv->worker = g_thread_new ("xg-db", worker_main, self);
}

static void
xg_db_dispose (GObject *object)
{
  xg_db_close (XG_DB (object));

  G_OBJECT_CLASS (xg_db_parent_class)->dispose (object);
}

static void
xg_db_finalize (GObject *object)
{
  XgDb *self = XG_DB (object);
  XgDbPrivate *priv = xg_db_get_instance_private (self);

  g_clear_pointer (&priv->queue, g_async_queue_unref);
  g_clear_pointer (&priv->statements, g_hash_table_unref);
  g_clear_error (&priv->open_error);
  g_clear_pointer (&priv->path, g_free);

  G_OBJECT_CLASS (xg_db_parent_class)->finalize (object);
}

static void
xg_db_get_property (GObject    *object,
                    guint       prop_id,
                    GValue     *value,
                    GParamSpec *pspec)
{
  XgDbPrivate *priv = xg_db_get_instance_private (XG_DB (object));

  switch (prop_id)
    {
    case PROP_PATH: g_value_set_string (value, priv->path); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_db_set_property (GObject      *object,
                    guint         prop_id,
                    const GValue *value,
                    GParamSpec   *pspec)
{
  XgDbPrivate *priv = xg_db_get_instance_private (XG_DB (object));

  switch (prop_id)
    {
    case PROP_PATH: priv->path = g_value_dup_string (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_db_class_init (XgDbClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = xg_db_constructed;
  object_class->dispose = xg_db_dispose;
  object_class->finalize = xg_db_finalize;
  object_class->get_property = xg_db_get_property;
  object_class->set_property = xg_db_set_property;

  /**
   * XgDb:path:
   *
   * The database file; created if missing.
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The migrations live in the core's resources. */
  xg_core_register_resource ();
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
xg_db_init (XgDb *self)
{
  XgDbPrivate *priv = xg_db_get_instance_private (self);

  priv->queue = g_async_queue_new ();
  priv->statements = g_hash_table_new_full (NULL, NULL, NULL, finalize_statement);
}
