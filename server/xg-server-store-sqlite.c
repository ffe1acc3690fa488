/* xg-server-store-sqlite.c: the embedded SQLite backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WAL with synchronous=NORMAL: a commit writes its pages to the log
 * (SQLite still syncs around checkpoints, so the file is never corrupt),
 * and the base class's sync thread makes it durable with an fdatasync of
 * the log before anyone hears of it; meanwhile the worker runs the next
 * batch. One commit and one fdatasync serve a whole batch, and the syncs
 * of one batch overlap the work of the next.
 * The connection is opened on the caller's thread and afterwards used only
 * by the store's worker thread; the log's descriptor only by the sync thread.
 *
 * This file has what every domain shares: opening, the integrity check,
 * migrations, transactions, the statement cache and the bind helpers. The
 * message operations run without a savepoint and keep some of their writes
 * in memory until the flush (xg-server-store-sqlite-messages.c). The
 * domains' statements are in xg-server-store-sqlite-{accounts,social,messages}.c.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "xg-server-store-sqlite-private.h"
#include "xg-server-sql-resources.h"

G_DEFINE_FINAL_TYPE_WITH_CODE (XgServerStoreSqlite, xg_server_store_sqlite, XG_TYPE_SERVER_STORE,
                               G_IMPLEMENT_INTERFACE (XG_TYPE_SERVER_STORE_ACCOUNTS,
                                                      xg_server_store_sqlite_accounts_init)
                               G_IMPLEMENT_INTERFACE (XG_TYPE_SERVER_STORE_SOCIAL,
                                                      xg_server_store_sqlite_social_init)
                               G_IMPLEMENT_INTERFACE (XG_TYPE_SERVER_STORE_MESSAGES,
                                                      xg_server_store_sqlite_messages_init)
                               G_IMPLEMENT_INTERFACE (XG_TYPE_SERVER_STORE_GROUPS,
                                                      xg_server_store_sqlite_groups_init))

/* Where the numbered migrations live (sql/NNN-name.sql, compiled in). */
#define MIGRATIONS_PATH "/io/github/xinge/Server/sql"

gboolean
xg_server_store_sqlite_fail (XgServerStoreSqlite  *self,
                             int                   rc,
                             const char           *what,
                             GError              **error)
{
  int code = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB
             ? XG_SERVER_STORE_ERROR_CORRUPT : XG_SERVER_STORE_ERROR_FAILED;

  g_set_error (error, XG_SERVER_STORE_ERROR, code, "Database error while %s: %s",
               what, self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

static gboolean
exec (XgServerStoreSqlite  *self,
      const char           *sql,
      GError              **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK || xg_server_store_sqlite_fail (self, rc, "running a statement", error);
}

/* Returns the cached statement for @sql, reset and unbound. @sql must be a
 * string literal: its address is the cache key. */
sqlite3_stmt *
xg_server_store_sqlite_statement (XgServerStoreSqlite  *self,
                                  const char           *sql,
                                  GError              **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      xg_server_store_sqlite_fail (self, rc, "preparing a statement", error);
      return NULL;
    }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

/* Steps a statement that returns no row. */
gboolean
xg_server_store_sqlite_step_done (XgServerStoreSqlite  *self,
                                  sqlite3_stmt         *stmt,
                                  GError              **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || xg_server_store_sqlite_fail (self, rc, "writing", error);
}

/* Steps a query: TRUE with *has_row set, or FALSE on error. */
gboolean
xg_server_store_sqlite_step_row (XgServerStoreSqlite  *self,
                                 sqlite3_stmt         *stmt,
                                 gboolean             *has_row,
                                 GError              **error)
{
  int rc = sqlite3_step (stmt);

  *has_row = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE || xg_server_store_sqlite_fail (self, rc, "reading", error);
}

/* Runs @sql, one row of two EXISTS (...) columns about the account ?1,
 * into *first and *second: whether a login has anything to read there. */
gboolean
xg_server_store_sqlite_probe (XgServerStoreSqlite  *self,
                              const char           *sql,
                              guint64               account_id,
                              gboolean             *first,
                              gboolean             *second,
                              GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, sql, error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
    {
      sqlite3_reset (stmt);
      return FALSE;
    }
  *first = has_row && sqlite3_column_int (stmt, 0) != 0;
  *second = has_row && sqlite3_column_int (stmt, 1) != 0;
  sqlite3_reset (stmt);
  return TRUE;
}

/* SQLite stores a blob bound from a NULL pointer as NULL; an empty value
 * must stay an empty blob. */
static void
bind_blob (sqlite3_stmt  *stmt,
           int            index,
           gconstpointer  data,
           gsize          size)
{
  if (size == 0)
    sqlite3_bind_zeroblob (stmt, index, 0);
  else
    sqlite3_bind_blob (stmt, index, data, (int) size, SQLITE_TRANSIENT);
}

void
xg_server_store_sqlite_bind_bytes (sqlite3_stmt *stmt,
                                   int           index,
                                   GBytes       *bytes)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  bind_blob (stmt, index, data, size);
}

void
xg_server_store_sqlite_bind_variant (sqlite3_stmt *stmt,
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
  bind_blob (stmt, index, g_variant_get_data (normal), g_variant_get_size (normal));
}

void
xg_server_store_sqlite_bind_text (sqlite3_stmt *stmt,
                                  int           index,
                                  const char   *text)
{
  sqlite3_bind_text (stmt, index, text ? text : "", -1, SQLITE_TRANSIENT);
}

/* Ids are unsigned on the wire and signed in SQLite; ids the server hands
 * out fit either way, and a client's made-up id above 2^63 just matches
 * nothing. */
void
xg_server_store_sqlite_bind_id (sqlite3_stmt *stmt,
                                int           index,
                                guint64       id)
{
  sqlite3_bind_int64 (stmt, index, (sqlite3_int64) id);
}

char *
xg_server_store_sqlite_column_text (sqlite3_stmt *stmt,
                                    int           column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return g_strdup (text ? text : "");
}

GVariant *
xg_server_store_sqlite_column_fields (sqlite3_stmt *stmt,
                                      int           column)
{
  g_autoptr(GBytes) bytes = g_bytes_new (sqlite3_column_blob (stmt, column),
                                         sqlite3_column_bytes (stmt, column));
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT,
                                                                            bytes, FALSE));

#if G_BYTE_ORDER == G_BIG_ENDIAN
  return g_variant_byteswap (value);
#else
  /* Checked, not trusted: a damaged row reads as an empty dictionary. */
  return g_variant_get_normal_form (value);
#endif
}

/* Reads the XG_SQLITE_ACCOUNT_COLUMNS at the start of the current row. */
XgServerAccount *
xg_server_store_sqlite_account_from_row (sqlite3_stmt *stmt)
{
  XgServerAccount *account = g_new0 (XgServerAccount, 1);

  account->id = (guint64) sqlite3_column_int64 (stmt, 0);
  account->email = xg_server_store_sqlite_column_text (stmt, 1);
  account->nickname = xg_server_store_sqlite_column_text (stmt, 2);
  account->password_hash = xg_server_store_sqlite_column_text (stmt, 3);
  account->fields = xg_server_store_sqlite_column_fields (stmt, 4);
  account->disabled = sqlite3_column_int (stmt, 5) != 0;
  return account;
}

/* --- Migrations ---------------------------------------------------------- */

/* "007-name.sql" → 7; 0 for anything else. */
static int
migration_number (const char *name)
{
  guint64 number;
  const char *dash = strchr (name, '-');
  g_autofree char *digits = dash ? g_strndup (name, dash - name) : NULL;

  if (digits == NULL || !g_str_has_suffix (name, ".sql") ||
      !g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT, &number, NULL))
    return 0;
  return (int) number;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return migration_number (*(const char *const *) a) - migration_number (*(const char *const *) b);
}

/* The migrations in order; migration N (index N-1) brings user_version
 * from N-1 to N. The build guarantees they are numbered 1, 2, … without
 * gaps; this checks it anyway, since a gap would skip a schema change. */
static GPtrArray *
list_migrations (GError **error)
{
  g_auto(GStrv) names = g_resource_enumerate_children (xg_server_sql_get_resource (), MIGRATIONS_PATH,
                                                       G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  g_autoptr(GPtrArray) sorted = g_ptr_array_new_with_free_func (g_free);

  if (names == NULL)
    return NULL;
  for (guint i = 0; names[i] != NULL; i++)
    g_ptr_array_add (sorted, g_strdup (names[i]));
  g_ptr_array_sort (sorted, compare_names);

  for (guint i = 0; i < sorted->len; i++)
    if (migration_number (sorted->pdata[i]) != (int) i + 1)
      {
        g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                     "Migration %s is out of sequence: expected number %u", (char *) sorted->pdata[i], i + 1);
        return NULL;
      }
  return g_steal_pointer (&sorted);
}

static gboolean
migrate (XgServerStoreSqlite  *self,
         GError              **error)
{
  g_autoptr(GPtrArray) migrations = list_migrations (error);
  sqlite3_stmt *stmt = NULL;
  int version = 0;

  if (migrations == NULL)
    return FALSE;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
    return xg_server_store_sqlite_fail (self, sqlite3_errcode (self->db), "reading the schema version", error);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  if (version > (int) migrations->len)
    {
      g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_TOO_NEW,
                   "The database has schema version %d, but this server knows only up to %u; "
                   "run a newer xinge-server", version, migrations->len);
      return FALSE;
    }

  for (int i = version; i < (int) migrations->len; i++)
    {
      g_autofree char *path = g_strdup_printf (MIGRATIONS_PATH "/%s", (char *) migrations->pdata[i]);
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", i + 1);
      g_autoptr(GBytes) sql = g_resource_lookup_data (xg_server_sql_get_resource (), path,
                                                      G_RESOURCE_LOOKUP_FLAGS_NONE, error);

      /* GResource data is NUL-terminated. */
      if (sql == NULL || !exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!exec (self, g_bytes_get_data (sql, NULL), error) || !exec (self, bump, error))
        {
          exec (self, "ROLLBACK", NULL);
          g_prefix_error (error, "Migration %s: ", (char *) migrations->pdata[i]);
          return FALSE;
        }
      if (!exec (self, "COMMIT", error))
        return FALSE;
      g_debug ("Database migrated to schema version %d", i + 1);
    }

  return TRUE;
}

static gboolean
check_integrity (XgServerStoreSqlite  *self,
                 GError              **error)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *verdict = NULL;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA quick_check", -1, &stmt, NULL) != SQLITE_OK)
    return xg_server_store_sqlite_fail (self, sqlite3_errcode (self->db), "checking the database", error);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    verdict = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);

  if (g_strcmp0 (verdict, "ok") != 0)
    {
      g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_CORRUPT,
                   "The database failed its integrity check: %s", verdict ? verdict : "no answer");
      return FALSE;
    }
  return TRUE;
}

/* --- Transactions -------------------------------------------------------- */

/* Each runs once or twice per operation: prepared once, not parsed each time. */
static gboolean
run_cached (XgServerStoreSqlite  *self,
            const char           *sql,
            GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, sql, error);

  return stmt != NULL && xg_server_store_sqlite_step_done (self, stmt, error);
}

static gboolean
sqlite_begin (XgServerStore *store, GError **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);

  self->changes_at_begin = sqlite3_total_changes64 (self->db);
  return run_cached (self, "BEGIN IMMEDIATE", error);
}

/* Rows inserted, updated or deleted by the batch's statements; what
 * foreign keys cascade or triggers do follows from one of those. */
static gboolean
sqlite_changed (XgServerStore *store)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);

  return sqlite3_total_changes64 (self->db) != self->changes_at_begin;
}

static gboolean
sqlite_commit (XgServerStore *store, GError **error)
{
  return run_cached (XG_SERVER_STORE_SQLITE (store), "COMMIT", error);
}

static void
sqlite_rollback (XgServerStore *store)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);

  exec (self, "ROLLBACK", NULL);
  /* It held what the transaction stored, and what it had not written yet. */
  xg_server_store_sqlite_messages_forget (self);
}

static gboolean
sqlite_flush (XgServerStore *store, GError **error)
{
  return xg_server_store_sqlite_messages_flush (XG_SERVER_STORE_SQLITE (store), error);
}

/* Only operations other than the message operations have a savepoint;
 * the base class flushed before it, so nothing is left unwritten. */
static gboolean
sqlite_savepoint (XgServerStore *store, GError **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);

  self->tables_changed = FALSE;
  return run_cached (self, "SAVEPOINT job", error);
}

static void
sqlite_release (XgServerStore *store, gboolean keep)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);

  if (!keep)
    run_cached (self, "ROLLBACK TO job", NULL);
  run_cached (self, "RELEASE job", NULL);
  /* A friendship, a conversation, a cursor or a membership came or went:
   * the message operations read them again. */
  if (self->tables_changed)
    xg_server_store_sqlite_messages_forget (self);
}

/* On the sync thread: every commit so far is in the log's pages, so one
 * fdatasync of the log makes them all durable. The log exists from the
 * first commit on and is only removed when the connection closes, after
 * the last sync; a log found unlinked is opened again all the same. */
static gboolean
sqlite_sync (XgServerStore *store, GError **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  struct stat st;

  if (self->wal_fd >= 0 && (fstat (self->wal_fd, &st) != 0 || st.st_nlink == 0))
    {
      close (self->wal_fd);
      self->wal_fd = -1;
    }

  if (self->wal_fd < 0)
    {
      g_autofree char *dir = g_path_get_dirname (self->wal_path);
      int dir_fd;

      self->wal_fd = g_open (self->wal_path, O_RDONLY | O_CLOEXEC, 0);
      if (self->wal_fd < 0)
        {
          int saved = errno;

          g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                       "Cannot open %s: %s", self->wal_path, g_strerror (saved));
          return FALSE;
        }
      /* A log just created is only found again after a crash if its
       * directory entry is on disk too. */
      dir_fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
      if (dir_fd >= 0)
        {
          fsync (dir_fd);
          close (dir_fd);
        }
    }

  if (fdatasync (self->wal_fd) != 0)
    {
      int saved = errno;

      g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                   "Cannot sync %s: %s", self->wal_path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static void
sqlite_close (XgServerStore *store)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);

  xg_server_store_sqlite_messages_close (self);
  g_hash_table_remove_all (self->statements);
  if (self->db != NULL)
    {
      /* Leave a clean database behind: fold the WAL back in. */
      sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
      sqlite3_close (self->db);
      self->db = NULL;
    }
}

/* --- Object -------------------------------------------------------------- */

static void
xg_server_store_sqlite_finalize (GObject *object)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (object);

  /* dispose stopped the worker, which closed the database unless it never started. */
  xg_server_store_sqlite_messages_close (self);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close (self->db);
  if (self->wal_fd >= 0)
    close (self->wal_fd);
  g_free (self->wal_path);

  G_OBJECT_CLASS (xg_server_store_sqlite_parent_class)->finalize (object);
}

static void
xg_server_store_sqlite_dispose (GObject *object)
{
  xg_server_store_stop (XG_SERVER_STORE (object));

  G_OBJECT_CLASS (xg_server_store_sqlite_parent_class)->dispose (object);
}

static void
xg_server_store_sqlite_class_init (XgServerStoreSqliteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  XgServerStoreClass *store_class = XG_SERVER_STORE_CLASS (klass);

  object_class->dispose = xg_server_store_sqlite_dispose;
  object_class->finalize = xg_server_store_sqlite_finalize;

  store_class->begin = sqlite_begin;
  store_class->commit = sqlite_commit;
  store_class->rollback = sqlite_rollback;
  store_class->savepoint = sqlite_savepoint;
  store_class->release = sqlite_release;
  store_class->close = sqlite_close;
  store_class->sync = sqlite_sync;
  store_class->flush = sqlite_flush;
  store_class->changed = sqlite_changed;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static gsize sqlite_configured;

static void
xg_server_store_sqlite_init (XgServerStoreSqlite *self)
{
  self->statements = g_hash_table_new_full (NULL, NULL, NULL, finalize_statement);
  self->wal_fd = -1;
}

/**
 * xg_server_store_sqlite_open:
 * @path: the database file; created if missing
 *
 * Opens and migrates the database and starts the store's worker thread.
 */
XgServerStore *
xg_server_store_sqlite_open (const char  *path,
                             GError     **error)
{
  g_autoptr(XgServerStoreSqlite) self = g_object_new (XG_TYPE_SERVER_STORE_SQLITE, NULL);
  int rc;

  /* SQLite's memory statistics take a global mutex on every allocation;
   * nothing here reads them. Only before SQLite's first use (a process
   * that opened a database before keeps them). */
  if (g_once_init_enter (&sqlite_configured))
    {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
      g_once_init_leave (&sqlite_configured, 1);
    }
  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                   "Cannot open the database %s: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }

  sqlite3_extended_result_codes (self->db, TRUE);
  sqlite3_busy_timeout (self->db, 5000);
  /* The migrations commit durably by themselves; after them, the sync
   * thread does it (sqlite_sync). */
  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = FULL", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) ||
      !check_integrity (self, error) ||
      !migrate (self, error) ||
      !exec (self, "PRAGMA synchronous = NORMAL", error) ||
      !xg_server_store_sqlite_messages_open (self, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  self->wal_path = g_strconcat (sqlite3_db_filename (self->db, "main"), "-wal", NULL);

  xg_server_store_start (XG_SERVER_STORE (self));
  return XG_SERVER_STORE (g_steal_pointer (&self));
}
