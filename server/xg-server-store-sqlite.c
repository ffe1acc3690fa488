/* xg-server-store-sqlite.c: the embedded SQLite backend
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WAL with synchronous=FULL: a commit is on disk when it returns. The base
 * class batches operations so that one commit (one fsync) serves many.
 * The connection is opened on the caller's thread and afterwards used only
 * by the store's worker thread.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "xg-server-store-sqlite.h"
#include "xg-server-util.h"

struct _XgServerStoreSqlite
{
  XgServerStore  parent_instance;

  sqlite3       *db;
  GHashTable    *statements;   /* static SQL text → sqlite3_stmt */
};

G_DEFINE_FINAL_TYPE (XgServerStoreSqlite, xg_server_store_sqlite, XG_TYPE_SERVER_STORE)

/* Numbered migrations: migration N brings user_version from N-1 to N.
 * Never edit one that has shipped; add the next. */
static const char *const migrations[] = {
  /* 1: accounts, verification codes, resume tokens */
  "CREATE TABLE accounts ("
  "  id            INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  email         TEXT NOT NULL UNIQUE,"          /* lower-cased by the server */
  "  nickname      TEXT NOT NULL,"
  "  password_hash TEXT NOT NULL,"                 /* Argon2id PHC string */
  "  fields        BLOB NOT NULL,"                 /* GVariant a{sv}, little-endian normal form */
  "  disabled      INTEGER NOT NULL DEFAULT 0,"
  "  created_at    INTEGER NOT NULL"
  ");"
  /* Account ids start at 10000. */
  "INSERT INTO sqlite_sequence (name, seq) VALUES ('accounts', 9999);"
  "CREATE TABLE register_codes ("
  "  email         TEXT PRIMARY KEY,"
  "  code_hash     BLOB NOT NULL,"                 /* keyed BLAKE2b of the code */
  "  expires_at    INTEGER NOT NULL,"
  "  attempts_left INTEGER NOT NULL,"
  "  last_sent_at  INTEGER NOT NULL,"
  "  window_start  INTEGER NOT NULL,"              /* start of the hourly sending window */
  "  window_count  INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE TABLE tokens ("
  "  hash          BLOB PRIMARY KEY,"              /* SHA-256 of the token */
  "  account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
  "  expires_at    INTEGER NOT NULL,"
  "  created_at    INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE INDEX tokens_by_account ON tokens (account_id);"
  "CREATE INDEX tokens_by_expiry ON tokens (expires_at);",
};

static gboolean
set_sqlite_error (XgServerStoreSqlite  *self,
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

  return rc == SQLITE_OK || set_sqlite_error (self, rc, "running a statement", error);
}

/* Returns the cached statement for @sql, reset and unbound. @sql must be a
 * string literal: its address is the cache key. */
static sqlite3_stmt *
statement (XgServerStoreSqlite  *self,
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
      set_sqlite_error (self, rc, "preparing a statement", error);
      return NULL;
    }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

/* Steps a statement that returns no row. */
static gboolean
step_done (XgServerStoreSqlite  *self,
           sqlite3_stmt         *stmt,
           GError              **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  return rc == SQLITE_DONE || set_sqlite_error (self, rc, "writing", error);
}

/* Steps a query: TRUE with *has_row set, or FALSE on error. */
static gboolean
step_row (XgServerStoreSqlite  *self,
          sqlite3_stmt         *stmt,
          gboolean             *has_row,
          GError              **error)
{
  int rc = sqlite3_step (stmt);

  *has_row = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE || set_sqlite_error (self, rc, "reading", error);
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

static void
bind_bytes (sqlite3_stmt *stmt,
            int           index,
            GBytes       *bytes)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  bind_blob (stmt, index, data, size);
}

static void
bind_variant (sqlite3_stmt *stmt,
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

static GVariant *
column_fields (sqlite3_stmt *stmt,
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

static gboolean
migrate (XgServerStoreSqlite  *self,
         GError              **error)
{
  sqlite3_stmt *stmt = NULL;
  int version = 0;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
    return set_sqlite_error (self, sqlite3_errcode (self->db), "reading the schema version", error);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  if (version > (int) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_TOO_NEW,
                   "The database has schema version %d, but this server knows only up to %d; "
                   "run a newer xinge-server", version, (int) G_N_ELEMENTS (migrations));
      return FALSE;
    }

  for (int i = version; i < (int) G_N_ELEMENTS (migrations); i++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", i + 1);

      if (!exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!exec (self, migrations[i], error) || !exec (self, bump, error))
        {
          exec (self, "ROLLBACK", NULL);
          g_prefix_error (error, "Migration %d: ", i + 1);
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
    return set_sqlite_error (self, sqlite3_errcode (self->db), "checking the database", error);
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

static gboolean
sqlite_begin (XgServerStore *store, GError **error)
{
  return exec (XG_SERVER_STORE_SQLITE (store), "BEGIN IMMEDIATE", error);
}

static gboolean
sqlite_commit (XgServerStore *store, GError **error)
{
  return exec (XG_SERVER_STORE_SQLITE (store), "COMMIT", error);
}

static void
sqlite_rollback (XgServerStore *store)
{
  exec (XG_SERVER_STORE_SQLITE (store), "ROLLBACK", NULL);
}

static gboolean
sqlite_savepoint (XgServerStore *store, GError **error)
{
  return exec (XG_SERVER_STORE_SQLITE (store), "SAVEPOINT job", error);
}

static void
sqlite_release (XgServerStore *store, gboolean keep)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);

  if (!keep)
    exec (self, "ROLLBACK TO job", NULL);
  exec (self, "RELEASE job", NULL);
}

static void
sqlite_close (XgServerStore *store)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);

  g_hash_table_remove_all (self->statements);
  if (self->db != NULL)
    {
      /* Leave a clean database behind: fold the WAL back in. */
      sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
      sqlite3_close (self->db);
      self->db = NULL;
    }
}

/* --- Accounts ------------------------------------------------------------ */

#define ACCOUNT_COLUMNS "id, email, nickname, password_hash, fields, disabled"

static XgServerAccount *
read_account (XgServerStoreSqlite  *self,
              sqlite3_stmt         *stmt,
              GError              **error)
{
  XgServerAccount *account;
  gboolean has_row;

  if (!step_row (self, stmt, &has_row, error) || !has_row)
    {
      sqlite3_reset (stmt);
      return NULL;
    }

  account = g_new0 (XgServerAccount, 1);
  account->id = sqlite3_column_int64 (stmt, 0);
  account->email = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  account->nickname = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  account->password_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  account->fields = column_fields (stmt, 4);
  account->disabled = sqlite3_column_int (stmt, 5) != 0;
  sqlite3_reset (stmt);
  return account;
}

static XgServerAccount *
sqlite_account_by_email (XgServerStore *store, const char *email, GError **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt = statement (self, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE email = ?", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, email, -1, SQLITE_TRANSIENT);
  return read_account (self, stmt, error);
}

static XgServerAccount *
sqlite_account_by_id (XgServerStore *store, guint64 id, GError **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt = statement (self, "SELECT " ACCOUNT_COLUMNS " FROM accounts WHERE id = ?", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) id);
  return read_account (self, stmt, error);
}

static XgServerAccount *
sqlite_update_profile (XgServerStore *store,
                       guint64        id,
                       const char    *nickname,
                       GVariant      *changes,
                       GError       **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  g_autoptr(XgServerAccount) account = sqlite_account_by_id (store, id, error);
  g_autoptr(GVariant) merged = NULL;
  sqlite3_stmt *stmt;

  if (account == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                     "Account %" G_GUINT64_FORMAT " does not exist", id);
      return NULL;
    }

  merged = xg_server_merge_fields (account->fields, changes);
  stmt = statement (self, "UPDATE accounts SET nickname = ?, fields = ? WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, nickname ? nickname : account->nickname, -1, SQLITE_TRANSIENT);
  bind_variant (stmt, 2, merged);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) id);
  if (!step_done (self, stmt, error))
    return NULL;

  return sqlite_account_by_id (store, id, error);
}

/* --- Verification codes and registration -------------------------------- */

static gboolean
sqlite_issue_code (XgServerStore              *store,
                   const XgServerCodeRequest  *request,
                   XgServerCodeStatus         *status,
                   guint                      *retry_after,
                   GError                    **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt;
  gint64 window_start = request->now;
  gint64 window_count = 0;
  gboolean has_row;

  stmt = statement (self, "SELECT last_sent_at, window_start, window_count "
                          "FROM register_codes WHERE email = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, request->email, -1, SQLITE_TRANSIENT);
  if (!step_row (self, stmt, &has_row, error))
    return FALSE;

  *status = XG_SERVER_CODE_ISSUED;
  *retry_after = 0;
  if (has_row)
    {
      gint64 last_sent = sqlite3_column_int64 (stmt, 0);

      window_start = sqlite3_column_int64 (stmt, 1);
      window_count = sqlite3_column_int64 (stmt, 2);
      if (request->now - window_start >= 3600)
        {
          window_start = request->now;
          window_count = 0;
        }

      if (request->now - last_sent < request->resend_interval)
        {
          *status = XG_SERVER_CODE_TOO_SOON;
          *retry_after = (guint) (last_sent + request->resend_interval - request->now);
        }
      else if (window_count >= request->per_hour)
        {
          *status = XG_SERVER_CODE_TOO_MANY;
          *retry_after = (guint) (window_start + 3600 - request->now);
        }
    }
  sqlite3_reset (stmt);

  if (*status != XG_SERVER_CODE_ISSUED)
    return TRUE;

  /* A new code replaces the old one, with fresh attempts. */
  stmt = statement (self, "INSERT OR REPLACE INTO register_codes "
                          "(email, code_hash, expires_at, attempts_left, last_sent_at, window_start, window_count) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, request->email, -1, SQLITE_TRANSIENT);
  bind_bytes (stmt, 2, request->code_hash);
  sqlite3_bind_int64 (stmt, 3, request->now + request->expiry);
  sqlite3_bind_int (stmt, 4, (int) request->attempts);
  sqlite3_bind_int64 (stmt, 5, request->now);
  sqlite3_bind_int64 (stmt, 6, window_start);
  sqlite3_bind_int64 (stmt, 7, window_count + 1);
  return step_done (self, stmt, error);
}

static gboolean
sqlite_register_account (XgServerStore               *store,
                         const XgServerRegistration  *reg,
                         XgServerRegisterResult      *result,
                         GError                     **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  g_autoptr(GVariant) no_fields = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  sqlite3_stmt *stmt;
  gboolean has_row, code_matches;
  gint64 expires_at;
  int attempts_left;
  gsize hash_len;
  const guint8 *hash = g_bytes_get_data (reg->code_hash, &hash_len);

  memset (result, 0, sizeof *result);

  stmt = statement (self, "SELECT code_hash, expires_at, attempts_left FROM register_codes WHERE email = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, reg->email, -1, SQLITE_TRANSIENT);
  if (!step_row (self, stmt, &has_row, error))
    return FALSE;
  if (!has_row)
    {
      result->status = XG_SERVER_REGISTER_NO_CODE;
      return TRUE;
    }

  code_matches = (gsize) sqlite3_column_bytes (stmt, 0) == hash_len &&
                 sodium_memcmp (sqlite3_column_blob (stmt, 0), hash, hash_len) == 0;
  expires_at = sqlite3_column_int64 (stmt, 1);
  attempts_left = sqlite3_column_int (stmt, 2);
  sqlite3_reset (stmt);

  if (expires_at <= reg->now)
    {
      result->status = XG_SERVER_REGISTER_NO_CODE;
      return TRUE;
    }
  if (attempts_left <= 0)
    {
      result->status = XG_SERVER_REGISTER_CODE_EXHAUSTED;
      return TRUE;
    }
  if (!code_matches)
    {
      stmt = statement (self, "UPDATE register_codes SET attempts_left = attempts_left - 1 WHERE email = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, reg->email, -1, SQLITE_TRANSIENT);
      result->status = XG_SERVER_REGISTER_CODE_INCORRECT;
      result->attempts_left = attempts_left - 1;
      return step_done (self, stmt, error);
    }

  /* The code is right: it is used up whatever happens next. */
  stmt = statement (self, "DELETE FROM register_codes WHERE email = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, reg->email, -1, SQLITE_TRANSIENT);
  if (!step_done (self, stmt, error))
    return FALSE;

  stmt = statement (self, "INSERT INTO accounts (email, nickname, password_hash, fields, created_at) "
                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, reg->email, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, reg->nickname, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, reg->password_hash, -1, SQLITE_TRANSIENT);
  bind_variant (stmt, 4, no_fields);
  sqlite3_bind_int64 (stmt, 5, reg->now);
  if (!step_done (self, stmt, error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    {
      result->status = XG_SERVER_REGISTER_EMAIL_TAKEN;
      return TRUE;
    }
  result->status = XG_SERVER_REGISTER_OK;
  result->account_id = (guint64) sqlite3_last_insert_rowid (self->db);
  return TRUE;
}

/* --- Resume tokens ------------------------------------------------------- */

static gboolean
sqlite_put_token (XgServerStore *store,
                  guint64        account_id,
                  GBytes        *token_hash,
                  gint64         now,
                  gint64         expires_at,
                  GError       **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt;

  /* Expired tokens are useless; drop them while we are writing anyway. */
  stmt = statement (self, "DELETE FROM tokens WHERE expires_at <= ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  if (!step_done (self, stmt, error))
    return FALSE;

  stmt = statement (self, "INSERT INTO tokens (hash, account_id, expires_at, created_at) VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  bind_bytes (stmt, 1, token_hash);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) account_id);
  sqlite3_bind_int64 (stmt, 3, expires_at);
  sqlite3_bind_int64 (stmt, 4, now);
  return step_done (self, stmt, error);
}

static gboolean
sqlite_use_token (XgServerStore *store,
                  guint64        account_id,
                  GBytes        *token_hash,
                  gint64         now,
                  gint64         new_expires_at,
                  gboolean      *valid,
                  GError       **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt;

  /* One statement finds and renews a live token of that account. */
  stmt = statement (self, "UPDATE tokens SET expires_at = ? "
                          "WHERE hash = ? AND account_id = ? AND expires_at > ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, new_expires_at);
  bind_bytes (stmt, 2, token_hash);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) account_id);
  sqlite3_bind_int64 (stmt, 4, now);
  if (!step_done (self, stmt, error))
    return FALSE;

  *valid = sqlite3_changes (self->db) > 0;
  return TRUE;
}

static gboolean
sqlite_revoke_token (XgServerStore *store,
                     GBytes        *token_hash,
                     GError       **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt = statement (self, "DELETE FROM tokens WHERE hash = ?", error);

  if (stmt == NULL)
    return FALSE;
  bind_bytes (stmt, 1, token_hash);
  return step_done (self, stmt, error);
}

/* --- Object -------------------------------------------------------------- */

static void
xg_server_store_sqlite_finalize (GObject *object)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (object);

  /* dispose stopped the worker, which closed the database unless it never started. */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    sqlite3_close (self->db);

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
  store_class->account_by_email = sqlite_account_by_email;
  store_class->account_by_id = sqlite_account_by_id;
  store_class->update_profile = sqlite_update_profile;
  store_class->issue_code = sqlite_issue_code;
  store_class->register_account = sqlite_register_account;
  store_class->put_token = sqlite_put_token;
  store_class->use_token = sqlite_use_token;
  store_class->revoke_token = sqlite_revoke_token;
}

static void
finalize_statement (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
xg_server_store_sqlite_init (XgServerStoreSqlite *self)
{
  self->statements = g_hash_table_new_full (NULL, NULL, NULL, finalize_statement);
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
  if (!exec (self, "PRAGMA journal_mode = WAL", error) ||
      !exec (self, "PRAGMA synchronous = FULL", error) ||
      !exec (self, "PRAGMA foreign_keys = ON", error) ||
      !check_integrity (self, error) ||
      !migrate (self, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  xg_server_store_start (XG_SERVER_STORE (self));
  return XG_SERVER_STORE (g_steal_pointer (&self));
}
