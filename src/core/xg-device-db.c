/* xg-device-db.c: pinned server certificates
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-device-db.h"

struct _XgDeviceDb
{
  XgDb parent_instance;
};

G_DEFINE_FINAL_TYPE (XgDeviceDb, xg_device_db, XG_TYPE_DB)

/* PRAGMA application_id "XgDv". */
#define DEVICE_APPLICATION_ID 0x58674476

static void
xg_device_db_class_init (XgDeviceDbClass *klass)
{
  XgDbClass *db_class = XG_DB_CLASS (klass);

  db_class->kind_name = "device database";
  db_class->application_id = DEVICE_APPLICATION_ID;
  db_class->migrations = "/io/github/xinge/core/sql/device/";
}

static void
xg_device_db_init (XgDeviceDb *self)
{
}

/**
 * xg_device_db_new:
 * @path: the database file (see xg_paths_device_db()); created if missing
 *
 * Returns at once: the file is opened and migrated on the database's own
 * thread, and calls wait for that (xg_db_ready_async() reports a failure).
 */
XgDeviceDb *
xg_device_db_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (XG_TYPE_DEVICE_DB, "path", path, NULL);
}

typedef struct {
  char *server;
  char *fingerprint;   /* stored, or found */
} PinJob;

static void
pin_job_free (PinJob *job)
{
  g_free (job->server);
  g_free (job->fingerprint);
  g_free (job);
}

static gboolean
run_lookup_pin (XgDb      *db,
                gpointer   data,
                GError   **error)
{
  PinJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db, "SELECT fingerprint FROM pins WHERE server = ?", error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, job->server, -1, SQLITE_TRANSIENT);
  if (!xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  if (has_row)
    job->fingerprint = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return TRUE;
}

/**
 * xg_device_db_lookup_pin_async:
 * @server: "host:port"
 *
 * Looks up the certificate fingerprint pinned for @server.
 */
void
xg_device_db_lookup_pin_async (XgDeviceDb          *self,
                               const char          *server,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  PinJob *job;

  g_return_if_fail (XG_IS_DEVICE_DB (self));
  g_return_if_fail (server != NULL);

  job = g_new0 (PinJob, 1);
  job->server = g_strdup (server);
  xg_db_run_async (XG_DB (self), run_lookup_pin, job, (GDestroyNotify) pin_job_free, cancellable,
                   xg_device_db_lookup_pin_async, callback, user_data);
}

/**
 * xg_device_db_lookup_pin_finish:
 *
 * Returns: (transfer full) (nullable): the pinned fingerprint, or %NULL
 *   when none is pinned (@error unset) or on error.
 */
char *
xg_device_db_lookup_pin_finish (XgDeviceDb    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  PinJob *job = xg_db_run_finish (XG_DB (self), result, xg_device_db_lookup_pin_async, error);

  return job ? g_steal_pointer (&job->fingerprint) : NULL;
}

static gboolean
run_store_pin (XgDb      *db,
               gpointer   data,
               GError   **error)
{
  PinJob *job = data;
  /* Storing the fingerprint already pinned keeps its first_seen. */
  sqlite3_stmt *stmt = xg_db_statement (db,
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
  return xg_db_step_done (db, stmt, error);
}

/**
 * xg_device_db_store_pin_async:
 * @server: "host:port"
 * @fingerprint: the certificate's SHA-256, "AB:CD:…"
 *
 * Pins @fingerprint for @server, replacing any earlier pin: this is the
 * only way a pin changes, and the session calls it only on first use.
 */
void
xg_device_db_store_pin_async (XgDeviceDb          *self,
                              const char          *server,
                              const char          *fingerprint,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  PinJob *job;

  g_return_if_fail (XG_IS_DEVICE_DB (self));
  g_return_if_fail (server != NULL);
  g_return_if_fail (fingerprint != NULL && fingerprint[0] != '\0');

  job = g_new0 (PinJob, 1);
  job->server = g_strdup (server);
  job->fingerprint = g_strdup (fingerprint);
  xg_db_run_async (XG_DB (self), run_store_pin, job, (GDestroyNotify) pin_job_free, cancellable,
                   xg_device_db_store_pin_async, callback, user_data);
}

gboolean
xg_device_db_store_pin_finish (XgDeviceDb    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return xg_db_run_finish (XG_DB (self), result, xg_device_db_store_pin_async, error) != NULL;
}
