/* xg-server-store-sqlite-private.h: what the SQLite backend's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * xg-server-store-sqlite.c opens the database and runs transactions and
 * migrations; each domain's statements live in a file of their own
 * (-sqlite-accounts.c, -sqlite-social.c, -sqlite-messages.c) around the helpers declared here.
 * Everything here runs on the store's worker thread, except opening.
 */
#pragma once

#include <sqlite3.h>

#include "xg-server-store-sqlite.h"
#include "xg-server-store-accounts.h"
#include "xg-server-store-social.h"
#include "xg-server-store-messages.h"
#include "xg-server-store-groups.h"

G_BEGIN_DECLS

struct _XgServerStoreSqlite
{
  XgServerStore  parent_instance;

  sqlite3       *db;
  GHashTable    *statements;   /* static SQL text → sqlite3_stmt */
  sqlite3_int64  changes_at_begin;  /* sqlite3_total_changes64() when the batch began */

  /* The sync thread's own: the write-ahead log, opened on its first sync. */
  char          *wal_path;
  int            wal_fd;

  /* The message operations' copy of what they read and write most
   * (xg-server-store-sqlite-messages.c); the worker's own. */
  GHashTable    *conversations;        /* (kind, a, b) → conversation */
  GHashTable    *cursors;              /* (account, conversation id) → cursor */
  GPtrArray     *dirty_conversations;  /* those whose last_seq is not written yet */
  GPtrArray     *dirty_cursors;        /* those whose received/last_sent are not written yet */
  guint          copied_members;       /* group member ids held, in all */
  gboolean       tables_changed;       /* set by triggers: friendships, conversations, cursors or members changed */
};

gboolean      xg_server_store_sqlite_fail        (XgServerStoreSqlite  *self,
                                                  int                   rc,
                                                  const char           *what,
                                                  GError              **error);
sqlite3_stmt *xg_server_store_sqlite_statement   (XgServerStoreSqlite  *self,
                                                  const char           *sql,
                                                  GError              **error);
gboolean      xg_server_store_sqlite_step_done   (XgServerStoreSqlite  *self,
                                                  sqlite3_stmt         *stmt,
                                                  GError              **error);
gboolean      xg_server_store_sqlite_probe       (XgServerStoreSqlite  *self,
                                                  const char           *sql,
                                                  guint64               account_id,
                                                  gboolean             *first,
                                                  gboolean             *second,
                                                  GError              **error);
gboolean      xg_server_store_sqlite_step_row    (XgServerStoreSqlite  *self,
                                                  sqlite3_stmt         *stmt,
                                                  gboolean             *has_row,
                                                  GError              **error);
void          xg_server_store_sqlite_bind_bytes  (sqlite3_stmt         *stmt,
                                                  int                   index,
                                                  GBytes               *bytes);
void          xg_server_store_sqlite_bind_variant (sqlite3_stmt        *stmt,
                                                  int                   index,
                                                  GVariant             *value);
void          xg_server_store_sqlite_bind_text   (sqlite3_stmt         *stmt,
                                                  int                   index,
                                                  const char           *text);
void          xg_server_store_sqlite_bind_id     (sqlite3_stmt         *stmt,
                                                  int                   index,
                                                  guint64               id);
char         *xg_server_store_sqlite_column_text (sqlite3_stmt         *stmt,
                                                  int                   column);
GVariant     *xg_server_store_sqlite_column_fields (sqlite3_stmt       *stmt,
                                                  int                   column);

/* The columns read_account() expects, in its order; a query may add more after them. */
#define XG_SQLITE_ACCOUNT_COLUMNS "id, email, nickname, password_hash, fields, disabled"
#define XG_SQLITE_ACCOUNT_COLUMNS_OF(t) t ".id, " t ".email, " t ".nickname, " t ".password_hash, " \
                                         t ".fields, " t ".disabled"

/* Whether @friend_id is a friend of @account_id, in *yes. */
gboolean xg_server_store_sqlite_are_friends (XgServerStoreSqlite  *self,
                                             guint64               account_id,
                                             guint64               friend_id,
                                             gboolean             *yes,
                                             GError              **error);

XgServerAccount *xg_server_store_sqlite_account_from_row (sqlite3_stmt *stmt);
XgServerAccount *xg_server_store_sqlite_account_by_id    (XgServerStoreSqlite  *self,
                                                          guint64               id,
                                                          GError              **error);

/* The message operations' copy (xg-server-store-sqlite-messages.c):
 * set up once the schema is migrated; written out by flush (before every
 * other operation and before the commit); forgotten when something else
 * changed what it copies (a trigger sets tables_changed) or the
 * transaction was rolled back. */
gboolean xg_server_store_sqlite_messages_open   (XgServerStoreSqlite  *self,
                                                 GError              **error);
gboolean xg_server_store_sqlite_messages_flush  (XgServerStoreSqlite  *self,
                                                 GError              **error);
void     xg_server_store_sqlite_messages_forget (XgServerStoreSqlite  *self);
void     xg_server_store_sqlite_messages_close  (XgServerStoreSqlite  *self);

void xg_server_store_sqlite_accounts_init (XgServerStoreAccountsInterface *iface);
void xg_server_store_sqlite_social_init   (XgServerStoreSocialInterface   *iface);
void xg_server_store_sqlite_messages_init (XgServerStoreMessagesInterface *iface);
void xg_server_store_sqlite_groups_init   (XgServerStoreGroupsInterface   *iface);

/* Account deletion (xg-server-store-sqlite-accounts.c) ends the account's
 * memberships here; @changes gets an XgServerGroupChange per group left. */
gboolean xg_server_store_sqlite_leave_groups (XgServerStoreSqlite  *self,
                                              guint64               account_id,
                                              GPtrArray            *changes,
                                              GError              **error);

G_END_DECLS
