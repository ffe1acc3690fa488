/* xg-account-db.c: what one account knows, on this device: the profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-account-db.h"
#include "xg-proto.h"

struct _XgAccountDb
{
  XgDb    parent_instance;

  guint64 account_id;   /* set before the first job; read on the database's thread */
};

G_DEFINE_FINAL_TYPE (XgAccountDb, xg_account_db, XG_TYPE_DB)

/* PRAGMA application_id "XgAc". */
#define ACCOUNT_APPLICATION_ID 0x58674163

static void
xg_account_db_class_init (XgAccountDbClass *klass)
{
  XgDbClass *db_class = XG_DB_CLASS (klass);

  db_class->kind_name = "account database";
  db_class->application_id = ACCOUNT_APPLICATION_ID;
  db_class->migrations = "/io/github/xinge/core/sql/account/";
}

static void
xg_account_db_init (XgAccountDb *self)
{
}

/**
 * xg_account_db_new:
 * @path: the database file (see xg_paths_account_db()); created if missing
 *
 * Returns at once; the file is opened and migrated on the database's own
 * thread, and calls wait for that.
 */
XgAccountDb *
xg_account_db_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (XG_TYPE_ACCOUNT_DB, "path", path, NULL);
}

void
xg_account_db_set_account_id (XgAccountDb *self,
                              guint64      account_id)
{
  g_return_if_fail (XG_IS_ACCOUNT_DB (self));
  self->account_id = account_id;
}

guint64
xg_account_db_get_account_id (XgAccountDb *self)
{
  g_return_val_if_fail (XG_IS_ACCOUNT_DB (self), 0);
  return self->account_id;
}

/* --- Profile ---------------------------------------------------------------- */

typedef struct {
  GVariant *profile;
} ProfileJob;

static void
profile_job_free (ProfileJob *job)
{
  g_clear_pointer (&job->profile, g_variant_unref);
  g_free (job);
}

static gboolean
run_store_profile (XgDb      *db,
                   gpointer   data,
                   GError   **error)
{
  ProfileJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db,
                                        "INSERT INTO profile (id, body) VALUES (1, ?) "
                                        "ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                                        error);

  if (stmt == NULL)
    return FALSE;
  xg_db_bind_variant (stmt, 1, job->profile);
  return xg_db_step_done (db, stmt, error);
}

/**
 * xg_account_db_store_profile_async:
 * @profile: a PROFILE body, `(tssa{sv})` (see xg_profile_to_variant()); a
 *   floating reference is consumed
 *
 * Replaces the stored profile.
 */
void
xg_account_db_store_profile_async (XgAccountDb         *self,
                                   GVariant            *profile,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  ProfileJob *job;

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));
  g_return_if_fail (profile != NULL);
  g_return_if_fail (g_variant_is_of_type (profile, G_VARIANT_TYPE (XG_PACKET_PROFILE_SIGNATURE)));

  job = g_new0 (ProfileJob, 1);
  job->profile = g_variant_ref_sink (profile);
  xg_db_run_async (XG_DB (self), run_store_profile, job, (GDestroyNotify) profile_job_free,
                   cancellable, xg_account_db_store_profile_async, callback, user_data);
}

gboolean
xg_account_db_store_profile_finish (XgAccountDb   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return xg_db_run_finish (XG_DB (self), result, xg_account_db_store_profile_async, error) != NULL;
}

static gboolean
run_load_profile (XgDb      *db,
                  gpointer   data,
                  GError   **error)
{
  ProfileJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db, "SELECT body FROM profile WHERE id = 1", error);
  gboolean has_row;

  if (stmt == NULL || !xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  if (has_row)
    job->profile = xg_db_column_variant (db, stmt, 0, XG_PACKET_PROFILE_SIGNATURE);
  sqlite3_reset (stmt);
  return TRUE;
}

/**
 * xg_account_db_load_profile_async:
 *
 * Reads the stored profile. A damaged row is logged and reads as none.
 */
void
xg_account_db_load_profile_async (XgAccountDb         *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  xg_db_run_async (XG_DB (self), run_load_profile, g_new0 (ProfileJob, 1),
                   (GDestroyNotify) profile_job_free, cancellable,
                   xg_account_db_load_profile_async, callback, user_data);
}

/**
 * xg_account_db_load_profile_finish:
 *
 * Returns: (transfer full) (nullable): the PROFILE body `(tssa{sv})`, or
 *   %NULL when none is stored (@error unset) or on error.
 */
GVariant *
xg_account_db_load_profile_finish (XgAccountDb   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  ProfileJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_load_profile_async, error);

  return job ? g_steal_pointer (&job->profile) : NULL;
}
