/* xg-account-db-groups.c: the account's groups and their members' names
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Schema: sql/account/004-groups.sql. The groups' messages are with the
 * others (xg-account-db-messages.c), under the group's conversation key.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-account-db.h"

XgStoredGroup *
xg_stored_group_copy (const XgStoredGroup *group)
{
  XgStoredGroup *copy = g_memdup2 (group, sizeof *group);

  copy->info = group->info ? g_variant_ref (group->info) : NULL;
  return copy;
}

void
xg_stored_group_free (XgStoredGroup *group)
{
  if (group == NULL)
    return;
  g_clear_pointer (&group->info, g_variant_unref);
  g_free (group);
}

typedef struct {
  GPtrArray *items;
  gboolean   replace;
  GVariant  *names;
} GroupsJob;

static void
groups_job_free (GroupsJob *job)
{
  g_clear_pointer (&job->items, g_ptr_array_unref);
  g_clear_pointer (&job->names, g_variant_unref);
  g_free (job);
}

static gboolean
run_load_groups (XgDb     *db,
                 gpointer  data,
                 GError  **error)
{
  GroupsJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db, "SELECT id, info, revision, owner_id, member_count, role, gone, muted "
                                            "FROM groups ORDER BY id", error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  job->items = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_group_free);
  while (xg_db_step_row (db, stmt, &has_row, error))
    {
      XgStoredGroup *group;

      if (!has_row)
        {
          sqlite3_reset (stmt);
          return TRUE;
        }
      group = g_new0 (XgStoredGroup, 1);
      group->id = (guint64) sqlite3_column_int64 (stmt, 0);
      group->info = xg_db_column_variant (db, stmt, 1, "a{sv}");
      group->revision = (guint32) sqlite3_column_int64 (stmt, 2);
      group->owner_id = (guint64) sqlite3_column_int64 (stmt, 3);
      group->member_count = (guint32) sqlite3_column_int64 (stmt, 4);
      group->role = (guint8) sqlite3_column_int (stmt, 5);
      group->gone = sqlite3_column_int (stmt, 6) != 0;
      group->muted = sqlite3_column_int (stmt, 7) != 0;
      if (group->info == NULL)
        group->info = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
      g_ptr_array_add (job->items, group);
    }
  return FALSE;
}

void
xg_account_db_load_groups_async (XgAccountDb         *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  xg_db_run_async (XG_DB (self), run_load_groups, g_new0 (GroupsJob, 1), (GDestroyNotify) groups_job_free,
                   cancellable, xg_account_db_load_groups_async, callback, user_data);
}

/**
 * xg_account_db_load_groups_finish:
 *
 * Returns: (transfer full) (element-type XgStoredGroup)
 */
GPtrArray *
xg_account_db_load_groups_finish (XgAccountDb   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  GroupsJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_load_groups_async, error);

  return job ? g_steal_pointer (&job->items) : NULL;
}

static gboolean
run_save_groups (XgDb     *db,
                 gpointer  data,
                 GError  **error)
{
  GroupsJob *job = data;
  sqlite3_stmt *stmt;

  if (job->replace)
    {
      /* Everything not in the new list is gone; the rows below say again
       * which groups are not. */
      if (!xg_db_exec (db, "UPDATE groups SET gone = 1, role = 0", error))
        return FALSE;
    }
  stmt = xg_db_statement (db, "INSERT INTO groups (id, info, revision, owner_id, member_count, role, gone, muted) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET "
                              "info = ?2, revision = ?3, owner_id = ?4, member_count = ?5, role = ?6, gone = ?7, "
                              "muted = ?8", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < job->items->len; i++)
    {
      XgStoredGroup *group = job->items->pdata[i];

      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) group->id);
      xg_db_bind_variant (stmt, 2, group->info);
      sqlite3_bind_int64 (stmt, 3, group->revision);
      sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) group->owner_id);
      sqlite3_bind_int64 (stmt, 5, group->member_count);
      sqlite3_bind_int (stmt, 6, group->role);
      sqlite3_bind_int (stmt, 7, group->gone ? 1 : 0);
      sqlite3_bind_int (stmt, 8, group->muted ? 1 : 0);
      if (!xg_db_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * xg_account_db_save_groups_async:
 * @groups: (element-type XgStoredGroup): copied
 */
void
xg_account_db_save_groups_async (XgAccountDb         *self,
                                 GPtrArray           *groups,
                                 gboolean             replace,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GroupsJob *job;

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));
  g_return_if_fail (groups != NULL);

  job = g_new0 (GroupsJob, 1);
  job->replace = replace;
  job->items = g_ptr_array_new_full (groups->len, (GDestroyNotify) xg_stored_group_free);
  for (guint i = 0; i < groups->len; i++)
    g_ptr_array_add (job->items, xg_stored_group_copy (groups->pdata[i]));
  xg_db_run_async (XG_DB (self), run_save_groups, job, (GDestroyNotify) groups_job_free,
                   cancellable, xg_account_db_save_groups_async, callback, user_data);
}

gboolean
xg_account_db_save_groups_finish (XgAccountDb   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return xg_db_run_finish (XG_DB (self), result, xg_account_db_save_groups_async, error) != NULL;
}

static gboolean
run_load_group_names (XgDb     *db,
                      gpointer  data,
                      GError  **error)
{
  GroupsJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db, "SELECT group_id, member_id, nickname FROM group_names", error);
  GVariantBuilder builder;
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tts)"));
  while (xg_db_step_row (db, stmt, &has_row, error))
    {
      if (!has_row)
        {
          sqlite3_reset (stmt);
          job->names = g_variant_ref_sink (g_variant_builder_end (&builder));
          return TRUE;
        }
      g_variant_builder_add (&builder, "(tts)", (guint64) sqlite3_column_int64 (stmt, 0),
                             (guint64) sqlite3_column_int64 (stmt, 1), (const char *) sqlite3_column_text (stmt, 2));
    }
  g_variant_builder_clear (&builder);
  return FALSE;
}

void
xg_account_db_load_group_names_async (XgAccountDb         *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  xg_db_run_async (XG_DB (self), run_load_group_names, g_new0 (GroupsJob, 1), (GDestroyNotify) groups_job_free,
                   cancellable, xg_account_db_load_group_names_async, callback, user_data);
}

/**
 * xg_account_db_load_group_names_finish:
 *
 * Returns: (transfer full): "a(tts)"
 */
GVariant *
xg_account_db_load_group_names_finish (XgAccountDb   *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  GroupsJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_load_group_names_async, error);

  return job ? g_steal_pointer (&job->names) : NULL;
}

static gboolean
run_save_group_names (XgDb     *db,
                      gpointer  data,
                      GError  **error)
{
  GroupsJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db, "INSERT OR REPLACE INTO group_names (group_id, member_id, nickname) "
                                            "VALUES (?, ?, ?)", error);
  GVariantIter iter;
  guint64 group_id, member_id;
  const char *nickname;

  if (stmt == NULL)
    return FALSE;
  g_variant_iter_init (&iter, job->names);
  while (g_variant_iter_next (&iter, "(tt&s)", &group_id, &member_id, &nickname))
    {
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) group_id);
      sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) member_id);
      sqlite3_bind_text (stmt, 3, nickname, -1, SQLITE_STATIC);
      if (!xg_db_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

void
xg_account_db_save_group_names_async (XgAccountDb         *self,
                                      GVariant            *names,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GroupsJob *job;

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));
  g_return_if_fail (g_variant_is_of_type (names, G_VARIANT_TYPE ("a(tts)")));

  job = g_new0 (GroupsJob, 1);
  job->names = g_variant_ref_sink (names);
  xg_db_run_async (XG_DB (self), run_save_group_names, job, (GDestroyNotify) groups_job_free,
                   cancellable, xg_account_db_save_group_names_async, callback, user_data);
}

gboolean
xg_account_db_save_group_names_finish (XgAccountDb   *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return xg_db_run_finish (XG_DB (self), result, xg_account_db_save_group_names_async, error) != NULL;
}
