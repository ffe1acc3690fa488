/* xg-server-store-sqlite-accounts.c: accounts, codes, tokens and profiles in SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * XgServerStoreAccounts for the SQLite backend; runs on the worker thread.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "xg-server-store-sqlite-private.h"
#include "xg-server-util.h"

/* --- Accounts ------------------------------------------------------------ */

static XgServerAccount *
read_account (XgServerStoreSqlite  *self,
              sqlite3_stmt         *stmt,
              GError              **error)
{
  XgServerAccount *account = NULL;
  gboolean has_row;

  if (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    account = xg_server_store_sqlite_account_from_row (stmt);
  sqlite3_reset (stmt);
  return account;
}

XgServerAccount *
xg_server_store_sqlite_account_by_id (XgServerStoreSqlite  *self,
                                      guint64               id,
                                      GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT " XG_SQLITE_ACCOUNT_COLUMNS
                                                               " FROM accounts WHERE id = ?", error);

  if (stmt == NULL)
    return NULL;
  xg_server_store_sqlite_bind_id (stmt, 1, id);
  return read_account (self, stmt, error);
}

static XgServerAccount *
sqlite_account_by_email (XgServerStoreAccounts *store, const char *email, GError **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT " XG_SQLITE_ACCOUNT_COLUMNS
                                                               " FROM accounts WHERE email = ?", error);

  if (stmt == NULL)
    return NULL;
  xg_server_store_sqlite_bind_text (stmt, 1, email);
  return read_account (self, stmt, error);
}

static XgServerAccount *
sqlite_account_by_id (XgServerStoreAccounts *store, guint64 id, GError **error)
{
  return xg_server_store_sqlite_account_by_id (XG_SERVER_STORE_SQLITE (store), id, error);
}

static XgServerAccount *
sqlite_update_profile (XgServerStoreAccounts  *store,
                       guint64                 id,
                       const char             *nickname,
                       GVariant               *changes,
                       GError                **error)
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
  stmt = xg_server_store_sqlite_statement (self, "UPDATE accounts SET nickname = ?, fields = ? WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, nickname ? nickname : account->nickname, -1, SQLITE_TRANSIENT);
  xg_server_store_sqlite_bind_variant (stmt, 2, merged);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return NULL;

  return sqlite_account_by_id (store, id, error);
}

/* --- Verification codes and registration -------------------------------- */

static gboolean
sqlite_issue_code (XgServerStoreAccounts      *store,
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

  stmt = xg_server_store_sqlite_statement (self, "SELECT last_sent_at, window_start, window_count "
                                                 "FROM codes WHERE purpose = ? AND email = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, (int) request->purpose);
  sqlite3_bind_text (stmt, 2, request->email, -1, SQLITE_TRANSIENT);
  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
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
  stmt = xg_server_store_sqlite_statement (self, "INSERT OR REPLACE INTO codes "
                                                 "(email, code_hash, expires_at, attempts_left, last_sent_at, window_start, window_count, "
                                                 "purpose, account_id) "
                                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, request->email, -1, SQLITE_TRANSIENT);
  xg_server_store_sqlite_bind_bytes (stmt, 2, request->code_hash);
  sqlite3_bind_int64 (stmt, 3, request->now + request->expiry);
  sqlite3_bind_int (stmt, 4, (int) request->attempts);
  sqlite3_bind_int64 (stmt, 5, request->now);
  sqlite3_bind_int64 (stmt, 6, window_start);
  sqlite3_bind_int64 (stmt, 7, window_count + 1);
  sqlite3_bind_int (stmt, 8, (int) request->purpose);
  sqlite3_bind_int64 (stmt, 9, (sqlite3_int64) request->account_id);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

/* Checks a code of @purpose for @email, for every kind of code alike: a
 * wrong one costs an attempt; the right one is used up (deleted) and
 * leaves status OK. An address change code only counts for the account
 * that asked for it (@account_id; 0 for the other kinds). */
static gboolean
use_code (XgServerStoreSqlite     *self,
          XgServerCodePurpose      purpose,
          const char              *email,
          guint64                  account_id,
          GBytes                  *code_hash,
          gint64                   now,
          XgServerRegisterResult  *result,
          GError                 **error)
{
  sqlite3_stmt *stmt;
  gboolean has_row, code_matches;
  gint64 expires_at;
  int attempts_left;
  guint64 owner;
  gsize hash_len;
  const guint8 *hash = g_bytes_get_data (code_hash, &hash_len);

  memset (result, 0, sizeof *result);

  stmt = xg_server_store_sqlite_statement (self, "SELECT code_hash, expires_at, attempts_left, account_id FROM codes "
                                                 "WHERE purpose = ? AND email = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, (int) purpose);
  sqlite3_bind_text (stmt, 2, email, -1, SQLITE_TRANSIENT);
  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
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
  owner = (guint64) sqlite3_column_int64 (stmt, 3);
  sqlite3_reset (stmt);

  if (expires_at <= now || owner != account_id)
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
      stmt = xg_server_store_sqlite_statement (self, "UPDATE codes SET attempts_left = attempts_left - 1 "
                                                     "WHERE purpose = ? AND email = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int (stmt, 1, (int) purpose);
      sqlite3_bind_text (stmt, 2, email, -1, SQLITE_TRANSIENT);
      result->status = XG_SERVER_REGISTER_CODE_INCORRECT;
      result->attempts_left = attempts_left - 1;
      return xg_server_store_sqlite_step_done (self, stmt, error);
    }

  /* The code is right: it is used up whatever happens next. */
  stmt = xg_server_store_sqlite_statement (self, "DELETE FROM codes WHERE purpose = ? AND email = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, (int) purpose);
  sqlite3_bind_text (stmt, 2, email, -1, SQLITE_TRANSIENT);
  result->status = XG_SERVER_REGISTER_OK;
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

static gboolean
sqlite_register_account (XgServerStoreAccounts       *store,
                         const XgServerRegistration  *reg,
                         XgServerRegisterResult      *result,
                         GError                     **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  g_autoptr(GVariant) no_fields = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  sqlite3_stmt *stmt;

  if (!use_code (self, XG_SERVER_CODE_REGISTER, reg->email, 0, reg->code_hash, reg->now, result, error))
    return FALSE;
  if (result->status != XG_SERVER_REGISTER_OK)
    return TRUE;

  stmt = xg_server_store_sqlite_statement (self, "INSERT INTO accounts (email, nickname, password_hash, fields, created_at) "
                                                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, reg->email, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, reg->nickname, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, reg->password_hash, -1, SQLITE_TRANSIENT);
  xg_server_store_sqlite_bind_variant (stmt, 4, no_fields);
  sqlite3_bind_int64 (stmt, 5, reg->now);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
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
sqlite_put_token (XgServerStoreAccounts  *store,
                  guint64                 account_id,
                  GBytes                 *token_hash,
                  gint64                  now,
                  gint64                  expires_at,
                  GError                **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt;

  /* Expired tokens are useless; drop them while we are writing anyway. */
  stmt = xg_server_store_sqlite_statement (self, "DELETE FROM tokens WHERE expires_at <= ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;

  stmt = xg_server_store_sqlite_statement (self, "INSERT INTO tokens (hash, account_id, expires_at, created_at) VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_bytes (stmt, 1, token_hash);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) account_id);
  sqlite3_bind_int64 (stmt, 3, expires_at);
  sqlite3_bind_int64 (stmt, 4, now);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

static gboolean
sqlite_use_token (XgServerStoreAccounts  *store,
                  guint64                 account_id,
                  GBytes                 *token_hash,
                  gint64                  now,
                  gint64                  new_expires_at,
                  gboolean               *valid,
                  GError                **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt;

  /* One statement finds and renews a live token of that account. */
  stmt = xg_server_store_sqlite_statement (self, "UPDATE tokens SET expires_at = ? "
                                                 "WHERE hash = ? AND account_id = ? AND expires_at > ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, new_expires_at);
  xg_server_store_sqlite_bind_bytes (stmt, 2, token_hash);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) account_id);
  sqlite3_bind_int64 (stmt, 4, now);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;

  *valid = sqlite3_changes (self->db) > 0;
  return TRUE;
}

static gboolean
sqlite_revoke_token (XgServerStoreAccounts  *store,
                     GBytes                 *token_hash,
                     GError                **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "DELETE FROM tokens WHERE hash = ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_bytes (stmt, 1, token_hash);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

/* --- Account life -------------------------------------------------------- */

static gboolean
revoke_all_tokens (XgServerStoreSqlite  *self,
                   guint64               account_id,
                   GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "DELETE FROM tokens WHERE account_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

static gboolean
set_password_hash (XgServerStoreSqlite  *self,
                   guint64               account_id,
                   const char           *password_hash,
                   GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "UPDATE accounts SET password_hash = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_text (stmt, 1, password_hash);
  xg_server_store_sqlite_bind_id (stmt, 2, account_id);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

static gboolean
sqlite_reset_password (XgServerStoreAccounts        *store,
                       const XgServerPasswordReset  *reset,
                       XgServerRegisterResult       *result,
                       GError                      **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  g_autoptr(XgServerAccount) account = NULL;
  GError *local_error = NULL;

  if (!use_code (self, XG_SERVER_CODE_PASSWORD_RESET, reset->email, 0, reset->code_hash, reset->now,
                 result, error))
    return FALSE;
  if (result->status != XG_SERVER_REGISTER_OK)
    return TRUE;

  /* Privacy mode issues codes for addresses without an account, too. */
  account = sqlite_account_by_email (store, reset->email, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (account == NULL)
    {
      result->status = XG_SERVER_REGISTER_NO_CODE;
      return TRUE;
    }

  result->account_id = account->id;
  return set_password_hash (self, account->id, reset->password_hash, error) &&
         revoke_all_tokens (self, account->id, error);
}

static gboolean
sqlite_change_password (XgServerStoreAccounts  *store,
                        guint64                 account_id,
                        const char             *password_hash,
                        GBytes                 *token_hash,
                        gint64                  now,
                        gint64                  expires_at,
                        GError                **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);

  return set_password_hash (self, account_id, password_hash, error) &&
         revoke_all_tokens (self, account_id, error) &&
         sqlite_put_token (store, account_id, token_hash, now, expires_at, error);
}

static gboolean
sqlite_change_email (XgServerStoreAccounts   *store,
                     guint64                  account_id,
                     const char              *new_email,
                     GBytes                  *code_hash,
                     gint64                   now,
                     XgServerRegisterResult  *result,
                     char                   **old_email,
                     GError                 **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  g_autoptr(XgServerAccount) account = NULL;
  sqlite3_stmt *stmt;

  if (!use_code (self, XG_SERVER_CODE_EMAIL_CHANGE, new_email, account_id, code_hash, now, result, error))
    return FALSE;
  if (result->status != XG_SERVER_REGISTER_OK)
    return TRUE;

  account = xg_server_store_sqlite_account_by_id (self, account_id, error);
  if (account == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                     "Account %" G_GUINT64_FORMAT " does not exist", account_id);
      return FALSE;
    }

  /* OR IGNORE: an address that got an account meanwhile stays its. */
  stmt = xg_server_store_sqlite_statement (self, "UPDATE OR IGNORE accounts SET email = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_text (stmt, 1, new_email);
  xg_server_store_sqlite_bind_id (stmt, 2, account_id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      result->status = XG_SERVER_REGISTER_EMAIL_TAKEN;
      return TRUE;
    }

  result->account_id = account_id;
  *old_email = g_steal_pointer (&account->email);
  return TRUE;
}

/* The ids one query returns in its first column. */
static GArray *
read_ids (XgServerStoreSqlite  *self,
          const char           *sql,
          guint64               account_id,
          GError              **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, sql, error);
  gboolean has_row;

  if (stmt == NULL)
    return NULL;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  for (;;)
    {
      guint64 id;

      if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      id = (guint64) sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&ids);
}

static gboolean
sqlite_delete_account (XgServerStoreAccounts    *store,
                       guint64                   account_id,
                       XgServerAccountDeletion  *deletion,
                       GError                  **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  g_autoptr(XgServerAccount) account = xg_server_store_sqlite_account_by_id (self, account_id, error);
  sqlite3_stmt *stmt;

  memset (deletion, 0, sizeof *deletion);
  if (account == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                     "Account %" G_GUINT64_FORMAT " does not exist", account_id);
      return FALSE;
    }

  /* Who must hear of it, read before the cascades take the rows away. */
  deletion->friends = read_ids (self, "SELECT friend_id FROM friendships WHERE account_id = ?", account_id, error);
  if (deletion->friends == NULL)
    return FALSE;
  deletion->requesters = read_ids (self, "SELECT requester_id FROM friend_requests WHERE target_id = ? AND state = 0",
                                   account_id, error);
  if (deletion->requesters == NULL)
    return FALSE;
  deletion->targets = read_ids (self, "SELECT target_id FROM friend_requests WHERE requester_id = ? AND state = 0",
                                account_id, error);
  if (deletion->targets == NULL)
    return FALSE;

  /* Its groups pass on or go (docs/PROTOCOL.md 3.8), before the account
   * whose id a group's owner_id may still hold. */
  deletion->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_group_change_free);
  if (!xg_server_store_sqlite_leave_groups (self, account_id, deletion->groups, error))
    return FALSE;

  stmt = xg_server_store_sqlite_statement (self, "DELETE FROM codes WHERE email = ? OR account_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_text (stmt, 1, account->email);
  xg_server_store_sqlite_bind_id (stmt, 2, account_id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;

  /* Its one-to-one conversations (kind 0, between a < b), with their
   * messages and cursors (ON DELETE CASCADE from conversations). */
  stmt = xg_server_store_sqlite_statement (self, "DELETE FROM conversations WHERE kind = 0 AND (a = ? OR b = ?)", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  xg_server_store_sqlite_bind_id (stmt, 2, account_id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  stmt = xg_server_store_sqlite_statement (self, "DELETE FROM cursors WHERE account_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;

  /* Tokens, friendships and friend requests go with it (ON DELETE CASCADE). */
  stmt = xg_server_store_sqlite_statement (self, "DELETE FROM accounts WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

/* --- Interface ----------------------------------------------------------- */

void
xg_server_store_sqlite_accounts_init (XgServerStoreAccountsInterface *iface)
{
  iface->account_by_email = sqlite_account_by_email;
  iface->account_by_id = sqlite_account_by_id;
  iface->update_profile = sqlite_update_profile;
  iface->issue_code = sqlite_issue_code;
  iface->register_account = sqlite_register_account;
  iface->put_token = sqlite_put_token;
  iface->use_token = sqlite_use_token;
  iface->revoke_token = sqlite_revoke_token;
  iface->reset_password = sqlite_reset_password;
  iface->change_password = sqlite_change_password;
  iface->change_email = sqlite_change_email;
  iface->delete_account = sqlite_delete_account;
}
