/* xg-account-db-contacts.c: friends, their public profiles, pending requests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The managers (XgContacts, XgFriendRequests) keep the truth in memory
 * and save whole lists when they change: a friend list is small, changes
 * rarely, and saved whole it can never drift from what the server said.
 * Profiles (avatars: up to 256 KiB each) are stored one by one instead.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-account-db.h"
#include "xg-proto.h"

XgStoredContact *
xg_stored_contact_new (guint64     id,
                       const char *nickname,
                       const char *remark)
{
  XgStoredContact *contact = g_new0 (XgStoredContact, 1);

  contact->id = id;
  contact->nickname = g_strdup (nickname ? nickname : "");
  contact->remark = g_strdup (remark ? remark : "");
  return contact;
}

void
xg_stored_contact_free (XgStoredContact *contact)
{
  if (contact == NULL)
    return;
  g_free (contact->nickname);
  g_free (contact->remark);
  g_clear_pointer (&contact->info, g_variant_unref);
  g_free (contact);
}

XgStoredRequest *
xg_stored_request_new (gboolean    outgoing,
                       guint64     peer_id,
                       const char *nickname,
                       const char *greeting,
                       gint64      time)
{
  XgStoredRequest *request = g_new0 (XgStoredRequest, 1);

  request->outgoing = !!outgoing;
  request->peer_id = peer_id;
  request->nickname = g_strdup (nickname ? nickname : "");
  request->greeting = g_strdup (greeting ? greeting : "");
  request->time = time;
  return request;
}

void
xg_stored_request_free (XgStoredRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->nickname);
  g_free (request->greeting);
  g_free (request);
}

/* A job's list: what it saves, or what it loaded. */
typedef struct {
  GPtrArray *items;
  GVariant  *info;
} ListJob;

static void
list_job_free (ListJob *job)
{
  g_clear_pointer (&job->items, g_ptr_array_unref);
  g_clear_pointer (&job->info, g_variant_unref);
  g_free (job);
}

/* --- Contacts ----------------------------------------------------------------- */

static gboolean
run_load_contacts (XgDb      *db,
                   gpointer   data,
                   GError   **error)
{
  ListJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db,
                                        "SELECT c.id, c.nickname, c.remark, i.body FROM contacts c "
                                        "LEFT JOIN contact_info i ON i.id = c.id ORDER BY c.id",
                                        error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  job->items = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_contact_free);
  while (xg_db_step_row (db, stmt, &has_row, error))
    {
      XgStoredContact *contact;

      if (!has_row)
        {
          sqlite3_reset (stmt);
          return TRUE;
        }
      contact = xg_stored_contact_new (sqlite3_column_int64 (stmt, 0),
                                       (const char *) sqlite3_column_text (stmt, 1),
                                       (const char *) sqlite3_column_text (stmt, 2));
      if (sqlite3_column_type (stmt, 3) != SQLITE_NULL)
        contact->info = xg_db_column_variant (db, stmt, 3, XG_PACKET_USER_INFO_SIGNATURE);
      g_ptr_array_add (job->items, contact);
    }
  return FALSE;
}

void
xg_account_db_load_contacts_async (XgAccountDb         *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  xg_db_run_async (XG_DB (self), run_load_contacts, g_new0 (ListJob, 1), (GDestroyNotify) list_job_free,
                   cancellable, xg_account_db_load_contacts_async, callback, user_data);
}

/**
 * xg_account_db_load_contacts_finish:
 *
 * Returns: (transfer full) (element-type XgStoredContact): the friends, or
 *   %NULL with @error set
 */
GPtrArray *
xg_account_db_load_contacts_finish (XgAccountDb   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  ListJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_load_contacts_async, error);

  return job ? g_steal_pointer (&job->items) : NULL;
}

static gboolean
run_save_contacts (XgDb      *db,
                   gpointer   data,
                   GError   **error)
{
  ListJob *job = data;
  sqlite3_stmt *stmt;

  if (!xg_db_exec (db, "DELETE FROM contacts", error))
    return FALSE;
  stmt = xg_db_statement (db, "INSERT INTO contacts (id, nickname, remark) VALUES (?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < job->items->len; i++)
    {
      XgStoredContact *contact = job->items->pdata[i];

      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) contact->id);
      sqlite3_bind_text (stmt, 2, contact->nickname, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, contact->remark, -1, SQLITE_STATIC);
      if (!xg_db_step_done (db, stmt, error))
        return FALSE;
    }
  /* A former friend's profile is no longer ours to keep. */
  return xg_db_exec (db, "DELETE FROM contact_info WHERE id NOT IN (SELECT id FROM contacts)", error);
}

/**
 * xg_account_db_save_contacts_async:
 * @contacts: (element-type XgStoredContact): the whole friend list; copied
 */
void
xg_account_db_save_contacts_async (XgAccountDb         *self,
                                   GPtrArray           *contacts,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  ListJob *job;

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));
  g_return_if_fail (contacts != NULL);

  job = g_new0 (ListJob, 1);
  job->items = g_ptr_array_new_full (contacts->len, (GDestroyNotify) xg_stored_contact_free);
  for (guint i = 0; i < contacts->len; i++)
    {
      XgStoredContact *contact = contacts->pdata[i];

      g_ptr_array_add (job->items, xg_stored_contact_new (contact->id, contact->nickname, contact->remark));
    }
  xg_db_run_async (XG_DB (self), run_save_contacts, job, (GDestroyNotify) list_job_free,
                   cancellable, xg_account_db_save_contacts_async, callback, user_data);
}

gboolean
xg_account_db_save_contacts_finish (XgAccountDb   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return xg_db_run_finish (XG_DB (self), result, xg_account_db_save_contacts_async, error) != NULL;
}

static gboolean
run_store_contact_info (XgDb      *db,
                        gpointer   data,
                        GError   **error)
{
  ListJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db,
                                        "INSERT INTO contact_info (id, body, fetched_at) VALUES (?, ?, ?) "
                                        "ON CONFLICT (id) DO UPDATE "
                                        "SET body = excluded.body, fetched_at = excluded.fetched_at",
                                        error);
  guint64 id;

  if (stmt == NULL)
    return FALSE;
  xg_proto_user_info_get (job->info, &id, NULL, NULL);
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) id);
  xg_db_bind_variant (stmt, 2, job->info);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time () / G_USEC_PER_SEC);
  return xg_db_step_done (db, stmt, error);
}

/**
 * xg_account_db_store_contact_info_async:
 * @user_info: a USER_INFO body `(tsa{sv})`; a floating reference is consumed
 */
void
xg_account_db_store_contact_info_async (XgAccountDb         *self,
                                        GVariant            *user_info,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  ListJob *job;

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));
  g_return_if_fail (user_info != NULL);
  g_return_if_fail (g_variant_is_of_type (user_info, G_VARIANT_TYPE (XG_PACKET_USER_INFO_SIGNATURE)));

  job = g_new0 (ListJob, 1);
  job->info = g_variant_ref_sink (user_info);
  xg_db_run_async (XG_DB (self), run_store_contact_info, job, (GDestroyNotify) list_job_free,
                   cancellable, xg_account_db_store_contact_info_async, callback, user_data);
}

gboolean
xg_account_db_store_contact_info_finish (XgAccountDb   *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  return xg_db_run_finish (XG_DB (self), result, xg_account_db_store_contact_info_async, error) != NULL;
}

/* --- Friend requests -------------------------------------------------------------- */

static gboolean
run_load_requests (XgDb      *db,
                   gpointer   data,
                   GError   **error)
{
  ListJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db,
                                        "SELECT outgoing, peer_id, nickname, greeting, time "
                                        "FROM friend_requests ORDER BY time, peer_id",
                                        error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  job->items = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_request_free);
  while (xg_db_step_row (db, stmt, &has_row, error))
    {
      if (!has_row)
        {
          sqlite3_reset (stmt);
          return TRUE;
        }
      g_ptr_array_add (job->items,
                       xg_stored_request_new (sqlite3_column_int (stmt, 0) != 0,
                                              sqlite3_column_int64 (stmt, 1),
                                              (const char *) sqlite3_column_text (stmt, 2),
                                              (const char *) sqlite3_column_text (stmt, 3),
                                              sqlite3_column_int64 (stmt, 4)));
    }
  return FALSE;
}

void
xg_account_db_load_requests_async (XgAccountDb         *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  xg_db_run_async (XG_DB (self), run_load_requests, g_new0 (ListJob, 1), (GDestroyNotify) list_job_free,
                   cancellable, xg_account_db_load_requests_async, callback, user_data);
}

/**
 * xg_account_db_load_requests_finish:
 *
 * Returns: (transfer full) (element-type XgStoredRequest): the pending
 *   requests, oldest first, or %NULL with @error set
 */
GPtrArray *
xg_account_db_load_requests_finish (XgAccountDb   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  ListJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_load_requests_async, error);

  return job ? g_steal_pointer (&job->items) : NULL;
}

static gboolean
run_save_requests (XgDb      *db,
                   gpointer   data,
                   GError   **error)
{
  ListJob *job = data;
  sqlite3_stmt *stmt;

  if (!xg_db_exec (db, "DELETE FROM friend_requests", error))
    return FALSE;
  stmt = xg_db_statement (db,
                          "INSERT INTO friend_requests (outgoing, peer_id, nickname, greeting, time) "
                          "VALUES (?, ?, ?, ?, ?)",
                          error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < job->items->len; i++)
    {
      XgStoredRequest *request = job->items->pdata[i];

      sqlite3_bind_int (stmt, 1, request->outgoing);
      sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) request->peer_id);
      sqlite3_bind_text (stmt, 3, request->nickname, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, request->greeting, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, request->time);
      if (!xg_db_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * xg_account_db_save_requests_async:
 * @requests: (element-type XgStoredRequest): every pending request; copied
 */
void
xg_account_db_save_requests_async (XgAccountDb         *self,
                                   GPtrArray           *requests,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  ListJob *job;

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));
  g_return_if_fail (requests != NULL);

  job = g_new0 (ListJob, 1);
  job->items = g_ptr_array_new_full (requests->len, (GDestroyNotify) xg_stored_request_free);
  for (guint i = 0; i < requests->len; i++)
    {
      XgStoredRequest *request = requests->pdata[i];

      g_ptr_array_add (job->items, xg_stored_request_new (request->outgoing, request->peer_id,
                                                          request->nickname, request->greeting,
                                                          request->time));
    }
  xg_db_run_async (XG_DB (self), run_save_requests, job, (GDestroyNotify) list_job_free,
                   cancellable, xg_account_db_save_requests_async, callback, user_data);
}

gboolean
xg_account_db_save_requests_finish (XgAccountDb   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return xg_db_run_finish (XG_DB (self), result, xg_account_db_save_requests_async, error) != NULL;
}
