/* xg-cache.c: the client's local SQLite databases
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The connection is opened, checked and migrated on the caller's thread
 * (a small file, a few pragmas); from then on only the cache's worker
 * thread touches it. Every call is a GTask pushed onto an async queue;
 * the worker pops them one by one, runs the statements, and hands each
 * task back to the main context it came from, where it returns. Tasks
 * are unreferenced there too, never on the worker, so the last reference
 * to the cache cannot be dropped on the thread that close() must join.
 *
 * A cache can be rebuilt from the server, so WAL with synchronous=NORMAL
 * is enough: a crash may lose the last commits, never the file.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "xg-cache.h"
#include "xg-proto.h"

G_DEFINE_QUARK (xg-cache-error-quark, xg_cache_error)

typedef enum {
  CACHE_DEVICE,
  CACHE_ACCOUNT,
} CacheKind;

/* Numbered migrations: migration N brings user_version from N-1 to N.
 * Never edit one that has shipped; add the next. */
static const char *const device_migrations[] = {
  /* 1: pinned server certificates (trust on first use) */
  "CREATE TABLE pins ("
  "  server      TEXT PRIMARY KEY,"              /* "host:port" */
  "  fingerprint TEXT NOT NULL,"                 /* SHA-256 of the certificate, "AB:CD:…" */
  "  first_seen  INTEGER NOT NULL"               /* when it was pinned, seconds since the epoch */
  ");",
};

static const char *const account_migrations[] = {
  /* 1: the account's own profile */
  "CREATE TABLE profile ("
  "  id   INTEGER PRIMARY KEY CHECK (id = 1),"
  "  body BLOB NOT NULL"                         /* PROFILE body (tssa{sv}), little-endian normal form */
  ");",
};

/* PRAGMA application_id, so that one kind of file is never taken for the
 * other: "XgDv" and "XgAc". */
#define DEVICE_APPLICATION_ID  0x58674476
#define ACCOUNT_APPLICATION_ID 0x58674163

static const struct {
  const char         *name;
  int                 application_id;
  const char *const  *migrations;
  guint               n_migrations;
} kinds[] = {
  [CACHE_DEVICE] = { "device cache", DEVICE_APPLICATION_ID,
                     device_migrations, G_N_ELEMENTS (device_migrations) },
  [CACHE_ACCOUNT] = { "account cache", ACCOUNT_APPLICATION_ID,
                      account_migrations, G_N_ELEMENTS (account_migrations) },
};

struct _XgCache
{
  GObject           parent_instance;

  CacheKind         kind;
  char             *path;
  GAsyncQueue      *queue;
  GThread          *worker;
  gboolean          closed;

  /* Opened on the caller's thread, then the worker's alone. */
  sqlite3          *db;
  GHashTable       *statements;   /* static SQL text → sqlite3_stmt */
  XgCacheTraceFunc  trace_func;
  gpointer          trace_data;
};

G_DEFINE_FINAL_TYPE (XgCache, xg_cache, G_TYPE_OBJECT)

typedef struct _Job Job;
typedef gboolean (*JobFunc) (XgCache *self, Job *job, GError **error);

/* One queued call: its arguments, then its results. */
struct _Job
{
  JobFunc           func;

  char             *server;
  char             *fingerprint;
  GVariant         *profile;
  XgCacheTraceFunc  trace_func;
  gpointer          trace_data;

  char             *pin;
  GVariant         *loaded;
  GError           *error;
};

/* Pushed after the last real job to end the worker. */
static int stop_marker;
#define STOP_JOB ((gpointer) &stop_marker)

static void
job_free (Job *job)
{
  g_free (job->server);
  g_free (job->fingerprint);
  g_clear_pointer (&job->profile, g_variant_unref);
  g_free (job->pin);
  g_clear_pointer (&job->loaded, g_variant_unref);
  g_clear_error (&job->error);
  g_free (job);
}

/* --- SQLite helpers (worker thread, and the caller's during open) --------- */

static gboolean
set_sqlite_error (XgCache     *self,
                  int          rc,
                  const char  *what,
                  GError     **error)
{
  int code = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB
             ? XG_CACHE_ERROR_CORRUPT : XG_CACHE_ERROR_FAILED;
  const char *detail = self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  g_set_error (error, XG_CACHE_ERROR, code, "Could not %s the %s “%s”: %s",
               what, kinds[self->kind].name, self->path, detail);
  return FALSE;
}

static gboolean
exec (XgCache     *self,
      const char  *sql,
      const char  *what,
      GError     **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK || set_sqlite_error (self, rc, what, error);
}

/* Runs a pragma that answers with one integer. */
static gboolean
query_int (XgCache     *self,
           const char  *sql,
           int         *value,
           GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
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

/* Returns the cached statement for @sql, reset and unbound. @sql must be a
 * string literal: its address is the cache key. */
static sqlite3_stmt *
statement (XgCache     *self,
           const char  *sql,
           GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  g_assert (g_thread_self () == self->worker);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, "query", error);
      return NULL;
    }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

/* Steps a statement that returns no row. */
static gboolean
step_done (XgCache       *self,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);
  gboolean ok = rc == SQLITE_DONE || set_sqlite_error (self, rc, "write", error);

  sqlite3_reset (stmt);
  return ok;
}

/* Steps a query: TRUE with *has_row set, or FALSE on error. */
static gboolean
step_row (XgCache       *self,
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

static int
trace_cb (unsigned  type,
          void     *data,
          void     *p,
          void     *x)
{
  XgCache *self = data;

  if (type == SQLITE_TRACE_STMT && self->trace_func != NULL)
    self->trace_func (x, self->trace_data);
  return 0;
}

/* --- Opening ------------------------------------------------------------- */

static gboolean
migrate (XgCache  *self,
         GError  **error)
{
  const char *const *migrations = kinds[self->kind].migrations;
  int n_migrations = kinds[self->kind].n_migrations;
  int version = 0;
  int application_id = 0;

  if (!query_int (self, "PRAGMA user_version", &version, error)
      || !query_int (self, "PRAGMA application_id", &application_id, error))
    return FALSE;

  if (version > n_migrations)
    {
      g_set_error (error, XG_CACHE_ERROR, XG_CACHE_ERROR_TOO_NEW,
                   "The %s “%s” has schema version %d, but this Xinge knows only up to %d; "
                   "run a newer Xinge or remove the file",
                   kinds[self->kind].name, self->path, version, n_migrations);
      return FALSE;
    }

  if (version > 0 && application_id != kinds[self->kind].application_id)
    {
      g_set_error (error, XG_CACHE_ERROR, XG_CACHE_ERROR_FAILED,
                   "“%s” is not a Xinge %s", self->path, kinds[self->kind].name);
      return FALSE;
    }

  for (int i = version; i < n_migrations; i++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d; PRAGMA application_id = %d",
                                               i + 1, kinds[self->kind].application_id);

      if (!exec (self, "BEGIN IMMEDIATE", "migrate", error))
        return FALSE;
      if (!exec (self, migrations[i], "migrate", error) || !exec (self, bump, "migrate", error))
        {
          exec (self, "ROLLBACK", "roll back", NULL);
          g_prefix_error (error, "Migration %d: ", i + 1);
          return FALSE;
        }
      if (!exec (self, "COMMIT", "migrate", error))
        {
          exec (self, "ROLLBACK", "roll back", NULL);
          return FALSE;
        }
      g_debug ("The %s “%s” is now at schema version %d", kinds[self->kind].name, self->path, i + 1);
    }

  return TRUE;
}

static gboolean
open_db (XgCache  *self,
         GError  **error)
{
  int fd;
  int rc;

  /* Only its owner may read the file; SQLite gives its -wal and -shm
   * files the same mode. */
  fd = g_open (self->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, XG_CACHE_ERROR, XG_CACHE_ERROR_FAILED,
                   "Could not open the %s “%s”: %s",
                   kinds[self->kind].name, self->path, g_strerror (saved_errno));
      return FALSE;
    }
  g_close (fd, NULL);

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    return set_sqlite_error (self, rc, "open", error);

  /* Another copy of the app on the same profile may hold a lock briefly. */
  sqlite3_busy_timeout (self->db, 5000);

  return migrate (self, error)
         && exec (self, "PRAGMA journal_mode = WAL", "open", error)
         && exec (self, "PRAGMA synchronous = NORMAL", "open", error);
}

static void
close_db (XgCache *self)
{
  g_hash_table_remove_all (self->statements);
  if (self->db != NULL)
    {
      sqlite3_close (self->db);
      self->db = NULL;
    }
}

/* --- The worker ---------------------------------------------------------- */

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

static gpointer
worker_main (gpointer data)
{
  XgCache *self = data;
  gpointer item;

  while ((item = g_async_queue_pop (self->queue)) != STOP_JOB)
    {
      GTask *task = item;
      Job *job = g_task_get_task_data (task);
      GSource *source;

      /* A call cancelled while it waited runs no statement. */
      if (!g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &job->error)
          && !job->func (self, job, &job->error))
        g_assert (job->error != NULL);

      /* Return (and unref) on the caller's main context, in queue order. */
      source = g_idle_source_new ();
      g_source_set_priority (source, g_task_get_priority (task));
      g_source_set_static_name (source, "[xg-cache] complete");
      g_source_set_callback (source, complete_cb, task, g_object_unref);
      g_source_attach (source, g_task_get_context (task));
      g_source_unref (source);
    }

  close_db (self);
  return NULL;
}

static void
submit (XgCache             *self,
        Job                 *job,
        GCancellable        *cancellable,
        gpointer             source_tag,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  if (self->closed)
    {
      g_task_return_new_error (task, XG_CACHE_ERROR, XG_CACHE_ERROR_CLOSED,
                               "The %s “%s” is closed", kinds[self->kind].name, self->path);
      g_object_unref (task);
      return;
    }

  g_async_queue_push (self->queue, task);
}

static Job *
finish_job (XgCache       *self,
            GAsyncResult  *result,
            gpointer       source_tag,
            GError       **error)
{
  g_return_val_if_fail (XG_IS_CACHE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_task_get_task_data (G_TASK (result));
}

/* --- The object ---------------------------------------------------------- */

static void
xg_cache_dispose (GObject *object)
{
  xg_cache_close (XG_CACHE (object));

  G_OBJECT_CLASS (xg_cache_parent_class)->dispose (object);
}

static void
xg_cache_finalize (GObject *object)
{
  XgCache *self = (XgCache *) object;

  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (xg_cache_parent_class)->finalize (object);
}

static void
xg_cache_class_init (XgCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xg_cache_dispose;
  object_class->finalize = xg_cache_finalize;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
xg_cache_init (XgCache *self)
{
  self->queue = g_async_queue_new ();
  self->statements = g_hash_table_new_full (NULL, NULL, NULL, finalize_statement);
}

static XgCache *
cache_open (CacheKind    kind,
            const char  *path,
            GError     **error)
{
  g_autoptr(XgCache) self = g_object_new (XG_TYPE_CACHE, NULL);

  self->kind = kind;
  self->path = g_strdup (path);

  if (!open_db (self, error))
    return NULL;   /* dispose closes what was opened */

  self->worker = g_thread_new ("xg-cache", worker_main, self);
  return g_steal_pointer (&self);
}

/* The database file. */
const char *
xg_cache_get_path (XgCache *self)
{
  g_return_val_if_fail (XG_IS_CACHE (self), NULL);
  return self->path;
}

/**
 * xg_cache_open_device:
 * @path: the database file (see xg_paths_device_db()); created if missing
 * @error: return location for an error
 *
 * Opens the device database, creating or migrating it as needed. Runs on
 * the caller's thread; every later statement runs on the cache's worker.
 *
 * Returns: (transfer full): the cache, or %NULL with @error set
 *   (%XG_CACHE_ERROR_CORRUPT, %XG_CACHE_ERROR_TOO_NEW, %XG_CACHE_ERROR_FAILED).
 */
XgCache *
xg_cache_open_device (const char  *path,
                      GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return cache_open (CACHE_DEVICE, path, error);
}

/**
 * xg_cache_open_account:
 * @path: the database file (see xg_paths_account_db()); created if missing
 * @error: return location for an error
 *
 * Like xg_cache_open_device(), for one account's database.
 *
 * Returns: (transfer full): the cache, or %NULL with @error set.
 */
XgCache *
xg_cache_open_account (const char  *path,
                       GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return cache_open (CACHE_ACCOUNT, path, error);
}

/**
 * xg_cache_close:
 * @self: a #XgCache
 *
 * Runs every call already queued, then stops the worker and closes the
 * database. The queued calls still complete on their main contexts; later
 * calls fail with %XG_CACHE_ERROR_CLOSED. Calling it again does nothing;
 * disposing the cache calls it.
 */
void
xg_cache_close (XgCache *self)
{
  g_return_if_fail (XG_IS_CACHE (self));

  if (self->closed)
    return;
  self->closed = TRUE;

  if (self->worker != NULL)
    {
      g_assert (g_thread_self () != self->worker);
      /* The worker reads self->worker until it ends: clear it after. */
      g_async_queue_push (self->queue, STOP_JOB);
      g_thread_join (self->worker);
      self->worker = NULL;
    }
  else
    {
      close_db (self);
    }
}

/* --- Tracing ------------------------------------------------------------- */

static gboolean
run_set_trace (XgCache  *self,
               Job      *job,
               GError  **error)
{
  self->trace_func = job->trace_func;
  self->trace_data = job->trace_data;
  sqlite3_trace_v2 (self->db, job->trace_func ? SQLITE_TRACE_STMT : 0, trace_cb, self);
  return TRUE;
}

/**
 * xg_cache_set_trace_func:
 * @self: a #XgCache
 * @func: (nullable): called with each statement's SQL, on the worker thread
 * @user_data: passed to @func; it must stay valid while @func is set
 *
 * For tests and debugging: watch what the cache runs, and where.
 */
void
xg_cache_set_trace_func (XgCache          *self,
                         XgCacheTraceFunc  func,
                         gpointer          user_data)
{
  Job *job;

  g_return_if_fail (XG_IS_CACHE (self));

  job = g_new0 (Job, 1);
  job->func = run_set_trace;
  job->trace_func = func;
  job->trace_data = user_data;
  submit (self, job, NULL, xg_cache_set_trace_func, NULL, NULL);
}

/* --- Pins (device database) ---------------------------------------------- */

static gboolean
run_lookup_pin (XgCache  *self,
                Job      *job,
                GError  **error)
{
  sqlite3_stmt *stmt = statement (self, "SELECT fingerprint FROM pins WHERE server = ?", error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, job->server, -1, SQLITE_TRANSIENT);
  if (!step_row (self, stmt, &has_row, error))
    return FALSE;
  if (has_row)
    job->pin = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return TRUE;
}

/**
 * xg_cache_lookup_pin_async:
 * @self: a device #XgCache
 * @server: "host:port"
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context
 * @user_data: for @callback
 *
 * Looks up the certificate fingerprint pinned for @server.
 */
void
xg_cache_lookup_pin_async (XgCache             *self,
                           const char          *server,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  Job *job;

  g_return_if_fail (XG_IS_CACHE (self));
  g_return_if_fail (self->kind == CACHE_DEVICE);
  g_return_if_fail (server != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (Job, 1);
  job->func = run_lookup_pin;
  job->server = g_strdup (server);
  submit (self, job, cancellable, xg_cache_lookup_pin_async, callback, user_data);
}

/**
 * xg_cache_lookup_pin_finish:
 *
 * Returns: (transfer full) (nullable): the pinned fingerprint, or %NULL
 *   when none is pinned (@error unset) or on error.
 */
char *
xg_cache_lookup_pin_finish (XgCache       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  Job *job = finish_job (self, result, xg_cache_lookup_pin_async, error);

  return job ? g_steal_pointer (&job->pin) : NULL;
}

static gboolean
run_store_pin (XgCache  *self,
               Job      *job,
               GError  **error)
{
  /* Storing the fingerprint already pinned keeps its first_seen. */
  sqlite3_stmt *stmt = statement (self,
                                  "INSERT INTO pins (server, fingerprint, first_seen) VALUES (?, ?, ?) "
                                  "ON CONFLICT (server) DO UPDATE "
                                  "SET fingerprint = excluded.fingerprint, first_seen = excluded.first_seen "
                                  "WHERE fingerprint <> excluded.fingerprint",
                                  error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, job->server, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, job->fingerprint, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC);
  return step_done (self, stmt, error);
}

/**
 * xg_cache_store_pin_async:
 * @self: a device #XgCache
 * @server: "host:port"
 * @fingerprint: the certificate's SHA-256, "AB:CD:…"
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context
 * @user_data: for @callback
 *
 * Pins @fingerprint for @server, replacing any earlier pin: this is the
 * only way a pin changes, and the session calls it only on first use or
 * when the user accepted a new certificate.
 */
void
xg_cache_store_pin_async (XgCache             *self,
                          const char          *server,
                          const char          *fingerprint,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Job *job;

  g_return_if_fail (XG_IS_CACHE (self));
  g_return_if_fail (self->kind == CACHE_DEVICE);
  g_return_if_fail (server != NULL);
  g_return_if_fail (fingerprint != NULL && fingerprint[0] != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (Job, 1);
  job->func = run_store_pin;
  job->server = g_strdup (server);
  job->fingerprint = g_strdup (fingerprint);
  submit (self, job, cancellable, xg_cache_store_pin_async, callback, user_data);
}

gboolean
xg_cache_store_pin_finish (XgCache       *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return finish_job (self, result, xg_cache_store_pin_async, error) != NULL;
}

/* --- Profile (account database) ------------------------------------------ */

static gboolean
run_store_profile (XgCache  *self,
                   Job      *job,
                   GError  **error)
{
  sqlite3_stmt *stmt = statement (self,
                                  "INSERT INTO profile (id, body) VALUES (1, ?) "
                                  "ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                                  error);
  g_autoptr(GVariant) normal = NULL;

  if (stmt == NULL)
    return FALSE;

  normal = g_variant_get_normal_form (job->profile);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    GVariant *swapped = g_variant_byteswap (normal);

    g_variant_unref (normal);
    normal = swapped;
  }
#endif

  /* A PROFILE body is never empty, so the blob is never NULL. */
  sqlite3_bind_blob (stmt, 1, g_variant_get_data (normal), (int) g_variant_get_size (normal),
                     SQLITE_TRANSIENT);
  return step_done (self, stmt, error);
}

/**
 * xg_cache_store_profile_async:
 * @self: an account #XgCache
 * @profile: a PROFILE body, `(tssa{sv})` (see xg_profile_to_variant()); a
 *   floating reference is consumed
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context
 * @user_data: for @callback
 *
 * Replaces the cached profile.
 */
void
xg_cache_store_profile_async (XgCache             *self,
                              GVariant            *profile,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  Job *job;

  g_return_if_fail (XG_IS_CACHE (self));
  g_return_if_fail (self->kind == CACHE_ACCOUNT);
  g_return_if_fail (profile != NULL);
  g_return_if_fail (g_variant_is_of_type (profile, G_VARIANT_TYPE (XG_PACKET_PROFILE_SIGNATURE)));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (Job, 1);
  job->func = run_store_profile;
  job->profile = g_variant_ref_sink (profile);
  submit (self, job, cancellable, xg_cache_store_profile_async, callback, user_data);
}

gboolean
xg_cache_store_profile_finish (XgCache       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return finish_job (self, result, xg_cache_store_profile_async, error) != NULL;
}

static gboolean
run_load_profile (XgCache  *self,
                  Job      *job,
                  GError  **error)
{
  sqlite3_stmt *stmt = statement (self, "SELECT body FROM profile WHERE id = 1", error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) value = NULL;
  gconstpointer data;
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  if (!step_row (self, stmt, &has_row, error))
    return FALSE;
  if (!has_row)
    {
      sqlite3_reset (stmt);
      return TRUE;
    }

  data = sqlite3_column_blob (stmt, 0);
  bytes = g_bytes_new (data, sqlite3_column_bytes (stmt, 0));
  sqlite3_reset (stmt);

  /* Checked, not trusted: anything but the normal form is a damaged row. */
  value = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (XG_PACKET_PROFILE_SIGNATURE),
                                                        bytes, FALSE));
  if (!g_variant_is_normal_form (value))
    {
      g_warning ("The profile cached in “%s” is damaged; ignoring it", self->path);
      return TRUE;
    }

#if G_BYTE_ORDER == G_BIG_ENDIAN
  job->loaded = g_variant_byteswap (value);
#else
  job->loaded = g_steal_pointer (&value);
#endif
  return TRUE;
}

/**
 * xg_cache_load_profile_async:
 * @self: an account #XgCache
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the thread-default main context
 * @user_data: for @callback
 *
 * Reads the cached profile. A damaged row is logged and reads as none.
 */
void
xg_cache_load_profile_async (XgCache             *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Job *job;

  g_return_if_fail (XG_IS_CACHE (self));
  g_return_if_fail (self->kind == CACHE_ACCOUNT);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (Job, 1);
  job->func = run_load_profile;
  submit (self, job, cancellable, xg_cache_load_profile_async, callback, user_data);
}

/**
 * xg_cache_load_profile_finish:
 *
 * Returns: (transfer full) (nullable): the PROFILE body `(tssa{sv})`, or
 *   %NULL when none is cached (@error unset) or on error.
 */
GVariant *
xg_cache_load_profile_finish (XgCache       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  Job *job = finish_job (self, result, xg_cache_load_profile_async, error);

  return job ? g_steal_pointer (&job->loaded) : NULL;
}
