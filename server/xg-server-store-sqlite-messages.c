/* xg-server-store-sqlite-messages.c: conversations and messages in SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * XgServerStoreMessages for the SQLite backend (schema:
 * sql/003-messages.sql); runs on the worker thread. A one-to-one
 * conversation is the row (kind 0, a, b) with a < b; both members get
 * their cursor when it is made. A group's is (kind 1, group, 0), made with
 * the group; each member gets its cursor when it joins and loses it when
 * it leaves (xg-server-store-sqlite-groups.c), and group_members
 * (sql/005-groups.sql) says who is in it: what is read or moved here for
 * a group checks that too.
 *
 * Send, group send and receive are message operations: no savepoint each
 * (xg-server-store.h), and they work on a copy of what they need most,
 * kept in memory by this thread across batches: each conversation's id
 * and last sequence, whether its two accounts are friends (or a group's
 * members), and the cursors. The worker is the only writer, so the copy
 * stays true: a message is one INSERT (whose unique index on (sender,
 * client message id) is the dedupe), and the new last_seq and the cursors
 * it and the acknowledgements moved are written once per batch, by the
 * flush before the commit (or before any other operation, which then
 * reads the tables as if every message had written them itself). Triggers
 * on friendships, conversations, cursors and group_members (made at open,
 * TEMP: not in the schema) tell when another operation changed any of
 * them; the copy is then forgotten, as after a rollback, and read again.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include "xg-server-store-sqlite-private.h"

#define KIND_DIRECT 0
#define KIND_GROUP  1

#define MESSAGE_COLUMNS "seq, client_msg_id, sender_id, msg_type, payload, server_time"

/* --- Conversations ------------------------------------------------------- */

/* The conversation of @x and @y, and its last sequence; *id = 0 if none. */
static gboolean
find_conversation (XgServerStoreSqlite  *self,
                   guint64               x,
                   guint64               y,
                   gint64               *id,
                   guint64              *last_seq,
                   GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT id, last_seq FROM conversations "
                                                               "WHERE kind = 0 AND a = ? AND b = ?", error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, MIN (x, y));
  xg_server_store_sqlite_bind_id (stmt, 2, MAX (x, y));
  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
    return FALSE;
  *id = has_row ? sqlite3_column_int64 (stmt, 0) : 0;
  if (last_seq != NULL)
    *last_seq = has_row ? (guint64) sqlite3_column_int64 (stmt, 1) : 0;
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
create_conversation (XgServerStoreSqlite  *self,
                     guint64               x,
                     guint64               y,
                     gint64               *id,
                     GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "INSERT INTO conversations (kind, a, b) "
                                                               "VALUES (0, ?, ?)", error);
  const guint64 members[] = { x, y };

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, MIN (x, y));
  xg_server_store_sqlite_bind_id (stmt, 2, MAX (x, y));
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  *id = sqlite3_last_insert_rowid (self->db);

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      stmt = xg_server_store_sqlite_statement (self, "INSERT INTO cursors (account_id, conversation_id) "
                                                     "VALUES (?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      xg_server_store_sqlite_bind_id (stmt, 1, members[i]);
      sqlite3_bind_int64 (stmt, 2, *id);
      if (!xg_server_store_sqlite_step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* The conversation of the group @group_id, and its last sequence; *id = 0
 * if none. */
static gboolean
find_group_conversation (XgServerStoreSqlite  *self,
                         guint64               group_id,
                         gint64               *id,
                         guint64              *last_seq,
                         GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT id, last_seq FROM conversations "
                                                               "WHERE kind = 1 AND a = ? AND b = 0", error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, group_id);
  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
    return FALSE;
  *id = has_row ? sqlite3_column_int64 (stmt, 0) : 0;
  if (last_seq != NULL)
    *last_seq = has_row ? (guint64) sqlite3_column_int64 (stmt, 1) : 0;
  sqlite3_reset (stmt);
  return TRUE;
}

/* Whether @account_id is in @group_id, and the group's last sequence when
 * it joined. */
static gboolean
find_member (XgServerStoreSqlite  *self,
             guint64               group_id,
             guint64               account_id,
             gboolean             *member,
             guint64              *joined_seq,
             GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT joined_seq FROM group_members "
                                                               "WHERE group_id = ? AND account_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, group_id);
  xg_server_store_sqlite_bind_id (stmt, 2, account_id);
  if (!xg_server_store_sqlite_step_row (self, stmt, member, error))
    return FALSE;
  if (joined_seq != NULL)
    *joined_seq = *member ? (guint64) sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  return TRUE;
}

/* --- The message operations' copy ---------------------------------------- */

/* What a one-to-one conversation's friendships said, per direction. */
#define FRIENDS_KNOWN_AB  (1 << 0)   /* a → b read */
#define FRIENDS_AB        (1 << 1)   /* a has b as a friend */
#define FRIENDS_KNOWN_BA  (1 << 2)
#define FRIENDS_BA        (1 << 3)

/* More than this many conversations or cursors, or group members in all,
 * and the flush forgets them. */
#define COPY_MAX         65536
#define COPY_MAX_MEMBERS (1 << 20)

typedef struct {
  guint    kind;
  guint64  a, b;              /* kind 0: the accounts, a < b; kind 1: the group, 0 */
  gint64   id;
  guint64  last_seq;          /* the highest sequence given out */
  guint64  stored_seq;        /* what conversations.last_seq holds */
  guint    friends;           /* kind 0: FRIENDS_* */
  GArray  *members;           /* kind 1: guint64 account ids, once read; NULL before */
  gboolean dirty;
} Conversation;

typedef struct {
  guint64  account_id;
  gint64   conversation_id;
  gboolean exists;            /* the row is there */
  guint64  received;
  guint64  last_sent;
  gboolean dirty;
} Cursor;

static guint
conversation_hash (gconstpointer key)
{
  const Conversation *c = key;
  guint64 h = c->a * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) ^ c->b * G_GUINT64_CONSTANT (0xC2B2AE3D27D4EB4F) ^ c->kind;

  return (guint) (h ^ (h >> 32));
}

static gboolean
conversation_equal (gconstpointer x,
                    gconstpointer y)
{
  const Conversation *c = x, *d = y;

  return c->kind == d->kind && c->a == d->a && c->b == d->b;
}

static void
conversation_free (Conversation *conv)
{
  g_clear_pointer (&conv->members, g_array_unref);
  g_free (conv);
}

static guint
cursor_hash (gconstpointer key)
{
  const Cursor *k = key;
  guint64 h = k->account_id * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) ^ (guint64) k->conversation_id;

  return (guint) (h ^ (h >> 32));
}

static gboolean
cursor_equal (gconstpointer x,
              gconstpointer y)
{
  const Cursor *k = x, *l = y;

  return k->account_id == l->account_id && k->conversation_id == l->conversation_id;
}

/* A message operation writes only inside the batch's transaction: after
 * an error that made SQLite roll it back, what the copy holds is not in
 * the database any more, and nothing may be written on its own. The
 * commit then fails and the copy is forgotten. */
static gboolean
in_transaction (XgServerStoreSqlite  *self,
                GError              **error)
{
  if (!sqlite3_get_autocommit (self->db))
    return TRUE;
  g_set_error_literal (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                       "The transaction was rolled back by an earlier error");
  return FALSE;
}

/* SQL: xg_tables_changed(), from the triggers. */
static void
tables_changed (sqlite3_context  *context,
                int               argc,
                sqlite3_value   **argv)
{
  XgServerStoreSqlite *self = sqlite3_user_data (context);

  self->tables_changed = TRUE;
  sqlite3_result_null (context);
}

gboolean
xg_server_store_sqlite_messages_open (XgServerStoreSqlite  *self,
                                      GError              **error)
{
  static const char *const tables[] = { "friendships", "conversations", "cursors", "group_members" };
  int rc;

  rc = sqlite3_create_function_v2 (self->db, "xg_tables_changed", 0, SQLITE_UTF8, self, tables_changed,
                                   NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return xg_server_store_sqlite_fail (self, rc, "setting up the message operations", error);

  /* Updates do not change who is friends with whom, which conversations
   * and cursors exist or who is in a group; only the message operations
   * update last_seq, received and last_sent. */
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    for (guint j = 0; j < 2; j++)
      {
        const char *event = j == 0 ? "INSERT" : "DELETE";
        g_autofree char *sql = g_strdup_printf ("CREATE TEMP TRIGGER xg_%s_%s AFTER %s ON main.%s "
                                                "BEGIN SELECT xg_tables_changed (); END",
                                                tables[i], event, event, tables[i]);

        rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
          return xg_server_store_sqlite_fail (self, rc, "setting up the message operations", error);
      }

  self->conversations = g_hash_table_new_full (conversation_hash, conversation_equal,
                                               (GDestroyNotify) conversation_free, NULL);
  self->cursors = g_hash_table_new_full (cursor_hash, cursor_equal, g_free, NULL);
  self->dirty_conversations = g_ptr_array_new ();
  self->dirty_cursors = g_ptr_array_new ();
  return TRUE;
}

void
xg_server_store_sqlite_messages_forget (XgServerStoreSqlite *self)
{
  if (self->conversations == NULL)
    return;
  g_ptr_array_set_size (self->dirty_conversations, 0);
  g_ptr_array_set_size (self->dirty_cursors, 0);
  g_hash_table_remove_all (self->conversations);
  g_hash_table_remove_all (self->cursors);
  self->copied_members = 0;
}

void
xg_server_store_sqlite_messages_close (XgServerStoreSqlite *self)
{
  g_clear_pointer (&self->dirty_conversations, g_ptr_array_unref);
  g_clear_pointer (&self->dirty_cursors, g_ptr_array_unref);
  g_clear_pointer (&self->conversations, g_hash_table_unref);
  g_clear_pointer (&self->cursors, g_hash_table_unref);
}

gboolean
xg_server_store_sqlite_messages_flush (XgServerStoreSqlite  *self,
                                       GError              **error)
{
  if (self->conversations == NULL)
    return TRUE;
  if ((self->dirty_conversations->len > 0 || self->dirty_cursors->len > 0) && !in_transaction (self, error))
    return FALSE;

  for (guint i = 0; i < self->dirty_conversations->len; i++)
    {
      Conversation *conv = self->dirty_conversations->pdata[i];
      sqlite3_stmt *stmt;

      conv->dirty = FALSE;
      if (conv->last_seq == conv->stored_seq)
        continue;
      stmt = xg_server_store_sqlite_statement (self, "UPDATE conversations SET last_seq = ? WHERE id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (gint64) conv->last_seq);
      sqlite3_bind_int64 (stmt, 2, conv->id);
      if (!xg_server_store_sqlite_step_done (self, stmt, error))
        return FALSE;
      conv->stored_seq = conv->last_seq;
    }
  g_ptr_array_set_size (self->dirty_conversations, 0);

  for (guint i = 0; i < self->dirty_cursors->len; i++)
    {
      Cursor *cursor = self->dirty_cursors->pdata[i];
      sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "UPDATE cursors SET received = ?, last_sent = ? "
                                                                   "WHERE account_id = ? AND conversation_id = ?",
                                                             error);

      if (stmt == NULL)
        return FALSE;
      cursor->dirty = FALSE;
      sqlite3_bind_int64 (stmt, 1, (gint64) cursor->received);
      sqlite3_bind_int64 (stmt, 2, (gint64) cursor->last_sent);
      xg_server_store_sqlite_bind_id (stmt, 3, cursor->account_id);
      sqlite3_bind_int64 (stmt, 4, cursor->conversation_id);
      if (!xg_server_store_sqlite_step_done (self, stmt, error))
        return FALSE;
    }
  g_ptr_array_set_size (self->dirty_cursors, 0);

  if (g_hash_table_size (self->conversations) > COPY_MAX || g_hash_table_size (self->cursors) > COPY_MAX ||
      self->copied_members > COPY_MAX_MEMBERS)
    xg_server_store_sqlite_messages_forget (self);
  return TRUE;
}

static void
conversation_moved (XgServerStoreSqlite *self,
                    Conversation        *conv)
{
  if (!conv->dirty)
    {
      conv->dirty = TRUE;
      g_ptr_array_add (self->dirty_conversations, conv);
    }
}

static void
cursor_moved (XgServerStoreSqlite *self,
              Cursor              *cursor)
{
  if (!cursor->dirty)
    {
      cursor->dirty = TRUE;
      g_ptr_array_add (self->dirty_cursors, cursor);
    }
}

static Conversation *
remember_conversation (XgServerStoreSqlite *self,
                       guint                kind,
                       guint64              a,
                       guint64              b,
                       gint64               id,
                       guint64              last_seq)
{
  Conversation *conv = g_new0 (Conversation, 1);

  conv->kind = kind;
  conv->a = a;
  conv->b = b;
  conv->id = id;
  conv->last_seq = conv->stored_seq = last_seq;
  g_hash_table_add (self->conversations, conv);
  return conv;
}

static Cursor *
remember_cursor (XgServerStoreSqlite *self,
                 guint64              account_id,
                 gint64               conversation_id,
                 gboolean             exists,
                 guint64              received,
                 guint64              last_sent)
{
  Cursor *cursor = g_new0 (Cursor, 1);

  cursor->account_id = account_id;
  cursor->conversation_id = conversation_id;
  cursor->exists = exists;
  cursor->received = received;
  cursor->last_sent = last_sent;
  g_hash_table_add (self->cursors, cursor);
  return cursor;
}

/* The conversation of @x and @y (kind 0), or of the group @x (kind 1, @y
 * 0), from the copy or read into it; *conv = NULL if there is none. */
static gboolean
get_conversation (XgServerStoreSqlite  *self,
                  guint                 kind,
                  guint64               x,
                  guint64               y,
                  Conversation        **conv,
                  GError              **error)
{
  Conversation key = { .kind = kind, .a = MIN (x, y), .b = MAX (x, y) };
  sqlite3_stmt *stmt;
  gboolean has_row;

  if (kind == KIND_GROUP)
    {
      key.a = x;
      key.b = 0;
    }
  *conv = g_hash_table_lookup (self->conversations, &key);
  if (*conv != NULL)
    return TRUE;

  /* The copy takes its next sequence from the messages themselves too:
   * after this, it is the only one that gives them out. */
  stmt = xg_server_store_sqlite_statement (self, "SELECT c.id, c.last_seq, "
                                                 "coalesce ((SELECT max (m.seq) FROM messages m "
                                                 "WHERE m.conversation_id = c.id), 0) "
                                                 "FROM conversations c WHERE c.kind = ? AND c.a = ? AND c.b = ?",
                                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, (int) kind);
  xg_server_store_sqlite_bind_id (stmt, 2, key.a);
  xg_server_store_sqlite_bind_id (stmt, 3, key.b);
  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
    return FALSE;
  if (has_row)
    {
      guint64 last_seq = (guint64) sqlite3_column_int64 (stmt, 1);
      guint64 max_seq = (guint64) sqlite3_column_int64 (stmt, 2);

      *conv = remember_conversation (self, kind, key.a, key.b, sqlite3_column_int64 (stmt, 0), last_seq);
      /* Written with the next flush, if they differ. */
      if (max_seq > last_seq)
        {
          (*conv)->last_seq = max_seq;
          conversation_moved (self, *conv);
        }
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* @account_id's cursor of @conv, from the copy or read into it. */
static gboolean
get_cursor (XgServerStoreSqlite  *self,
            Conversation         *conv,
            guint64               account_id,
            Cursor              **cursor,
            GError              **error)
{
  Cursor key = { .account_id = account_id, .conversation_id = conv->id };
  sqlite3_stmt *stmt;
  gboolean has_row;

  *cursor = g_hash_table_lookup (self->cursors, &key);
  if (*cursor != NULL)
    return TRUE;

  stmt = xg_server_store_sqlite_statement (self, "SELECT received, last_sent FROM cursors "
                                                 "WHERE account_id = ? AND conversation_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, conv->id);
  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
    return FALSE;
  *cursor = remember_cursor (self, account_id, conv->id, has_row,
                             has_row ? (guint64) sqlite3_column_int64 (stmt, 0) : 0,
                             has_row ? (guint64) sqlite3_column_int64 (stmt, 1) : 0);
  sqlite3_reset (stmt);
  return TRUE;
}

/* Whether @sender_id has @receiver_id as a friend, for their conversation
 * @conv (NULL if they have none yet: then read, not kept). */
static gboolean
check_friends (XgServerStoreSqlite  *self,
               Conversation         *conv,
               guint64               sender_id,
               guint64               receiver_id,
               gboolean             *yes,
               GError              **error)
{
  guint known = sender_id < receiver_id ? FRIENDS_KNOWN_AB : FRIENDS_KNOWN_BA;
  guint friends = sender_id < receiver_id ? FRIENDS_AB : FRIENDS_BA;

  if (conv != NULL && (conv->friends & known))
    {
      *yes = (conv->friends & friends) != 0;
      return TRUE;
    }
  if (!xg_server_store_sqlite_are_friends (self, sender_id, receiver_id, yes, error))
    return FALSE;
  if (conv != NULL)
    conv->friends |= known | (*yes ? friends : 0);
  return TRUE;
}

/* The members of @group_id as this transaction sees them. */
static GArray *
read_members (XgServerStoreSqlite  *self,
              guint64               group_id,
              GError              **error)
{
  g_autoptr(GArray) members = NULL;
  sqlite3_stmt *stmt;

  stmt = xg_server_store_sqlite_statement (self, "SELECT account_id FROM group_members WHERE group_id = ?", error);
  if (stmt == NULL)
    return NULL;
  members = g_array_new (FALSE, FALSE, sizeof (guint64));
  xg_server_store_sqlite_bind_id (stmt, 1, group_id);
  for (;;)
    {
      guint64 id;
      gboolean has_row;

      if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
        {
          sqlite3_reset (stmt);
          return NULL;
        }
      if (!has_row)
        break;
      id = (guint64) sqlite3_column_int64 (stmt, 0);
      g_array_append_val (members, id);
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&members);
}

/* The members of the group of @conv, read once into the copy. */
static GArray *
get_members (XgServerStoreSqlite  *self,
             Conversation         *conv,
             GError              **error)
{
  if (conv->members == NULL && (conv->members = read_members (self, conv->a, error)) != NULL)
    self->copied_members += conv->members->len;
  return conv->members;
}

static gboolean
has_member (GArray  *members,
            guint64  account_id)
{
  for (guint i = 0; i < members->len; i++)
    if (g_array_index (members, guint64, i) == account_id)
      return TRUE;
  return FALSE;
}

/* --- Send ---------------------------------------------------------------- */

/* The message @sender_id stored under @client_msg_id, if any. */
static gboolean
find_sent (XgServerStoreSqlite  *self,
           guint64               sender_id,
           guint64               client_msg_id,
           gboolean             *found,
           gint64               *conversation_id,
           XgServerSent         *sent,
           GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT conversation_id, seq, server_time "
                                                               "FROM messages "
                                                               "WHERE sender_id = ? AND client_msg_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, sender_id);
  xg_server_store_sqlite_bind_id (stmt, 2, client_msg_id);
  if (!xg_server_store_sqlite_step_row (self, stmt, found, error))
    return FALSE;
  if (*found)
    {
      *conversation_id = sqlite3_column_int64 (stmt, 0);
      sent->seq = (guint64) sqlite3_column_int64 (stmt, 1);
      sent->server_time = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* Stores @sender_id's message in @conversation_id with @seq, unless
 * (sender, client message id) has one already: then *stored = FALSE and
 * nothing is written. */
static gboolean
insert_message (XgServerStoreSqlite  *self,
                gint64                conversation_id,
                guint64               seq,
                guint64               sender_id,
                guint64               client_msg_id,
                guint32               msg_type,
                GBytes               *payload,
                gint64                now_us,
                gboolean             *stored,
                GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "INSERT INTO messages (conversation_id, "
                                                               MESSAGE_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?) "
                                                               "ON CONFLICT (sender_id, client_msg_id) DO NOTHING",
                                                         error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) seq);
  xg_server_store_sqlite_bind_id (stmt, 3, client_msg_id);
  xg_server_store_sqlite_bind_id (stmt, 4, sender_id);
  sqlite3_bind_int64 (stmt, 5, msg_type);
  xg_server_store_sqlite_bind_bytes (stmt, 6, payload);
  sqlite3_bind_int64 (stmt, 7, now_us);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  *stored = sqlite3_changes (self->db) > 0;
  return TRUE;
}

/* The message was stored as @conv's next: the copy moves on. The sender's
 * cursor: a sender that had everything before its own message has that
 * too, so that its own messages are not scanned as pending for it at
 * every login; and it has sent, so its logins report the peer's receipts. */
static void
appended (XgServerStoreSqlite *self,
          Conversation        *conv,
          Cursor              *sender,
          gint64               now_us,
          XgServerSent        *sent)
{
  sent->status = XG_SERVER_SEND_STORED;
  sent->seq = conv->last_seq + 1;
  sent->server_time = now_us;

  if (sender->exists)
    {
      if (sender->received == conv->last_seq)
        sender->received = sent->seq;
      sender->last_sent = sent->seq;
      cursor_moved (self, sender);
    }
  conv->last_seq = sent->seq;
  conversation_moved (self, conv);
}

/* Nothing new was stored: a retry gets what its client message id was
 * stored as the first time, in @conv (NULL: none yet); an id of another
 * conversation is refused; else the answer is @otherwise. */
static gboolean
answer_unstored (XgServerStoreSqlite  *self,
                 Conversation         *conv,
                 guint64               sender_id,
                 guint64               client_msg_id,
                 XgServerSendStatus    otherwise,
                 XgServerSent         *sent,
                 GError              **error)
{
  gint64 first_conversation = 0;
  gboolean found;

  if (!find_sent (self, sender_id, client_msg_id, &found, &first_conversation, sent, error))
    return FALSE;
  if (found)
    sent->status = conv != NULL && first_conversation == conv->id ? XG_SERVER_SEND_DUPLICATE
                                                                  : XG_SERVER_SEND_ID_REUSED;
  else
    sent->status = otherwise;
  return TRUE;
}

static gboolean
run_savepoint (XgServerStoreSqlite  *self,
               const char           *sql,
               GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, sql, error);

  return stmt != NULL && xg_server_store_sqlite_step_done (self, stmt, error);
}

/* The first message of a conversation that has no row yet: the row (kind
 * 0, or a group's, kind 1), its cursors (kind 0), the message, in a
 * savepoint of their own, since a message operation has none. */
static gboolean
send_first (XgServerStoreSqlite  *self,
            guint                 kind,
            guint64               sender_id,
            guint64               peer_id,
            guint64               client_msg_id,
            guint32               msg_type,
            GBytes               *payload,
            gint64                now_us,
            guint                 friends,
            XgServerSent         *sent,
            GError              **error)
{
  Conversation *conv;
  Cursor *cursor;
  gint64 id = 0;
  gboolean ok, stored = FALSE;

  if (!run_savepoint (self, "SAVEPOINT first_message", error))
    return FALSE;

  if (kind == KIND_GROUP)
    {
      sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "INSERT INTO conversations (kind, a, b) "
                                                                   "VALUES (1, ?, 0)", error);

      ok = stmt != NULL;
      if (ok)
        {
          xg_server_store_sqlite_bind_id (stmt, 1, peer_id);
          ok = xg_server_store_sqlite_step_done (self, stmt, error);
          id = sqlite3_last_insert_rowid (self->db);
        }
    }
  else
    ok = create_conversation (self, sender_id, peer_id, &id, error);
  ok = ok && insert_message (self, id, 1, sender_id, client_msg_id, msg_type, payload, now_us, &stored, error);

  /* A client message id of another conversation leaves nothing behind. */
  if (!ok || !stored)
    run_savepoint (self, "ROLLBACK TO first_message", NULL);
  if (!run_savepoint (self, "RELEASE first_message", ok ? error : NULL) || !ok)
    return FALSE;
  if (!stored)
    return answer_unstored (self, NULL, sender_id, client_msg_id, XG_SERVER_SEND_ID_REUSED, sent, error);

  conv = kind == KIND_GROUP ? remember_conversation (self, KIND_GROUP, peer_id, 0, id, 0)
                            : remember_conversation (self, KIND_DIRECT, MIN (sender_id, peer_id),
                                                     MAX (sender_id, peer_id), id, 0);
  conv->friends = friends;
  /* create_conversation made both cursors at 0; a group's are made as
   * members join, so a group that had no conversation has none. */
  cursor = remember_cursor (self, sender_id, id, kind != KIND_GROUP, 0, 0);
  appended (self, conv, cursor, now_us, sent);
  return TRUE;
}

static gboolean
sqlite_send (XgServerStoreMessages  *store,
             guint64                 sender_id,
             guint64                 receiver_id,
             guint64                 client_msg_id,
             guint32                 msg_type,
             GBytes                 *payload,
             gint64                  now_us,
             XgServerSent           *sent,
             GError                **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  Conversation *conv;
  Cursor *cursor;
  gboolean friends, stored;

  *sent = (XgServerSent) { 0, };

  if (!in_transaction (self, error) ||
      !get_conversation (self, KIND_DIRECT, sender_id, receiver_id, &conv, error) ||
      !check_friends (self, conv, sender_id, receiver_id, &friends, error))
    return FALSE;
  /* A retry is answered as the first time even if they are no longer friends. */
  if (!friends)
    return answer_unstored (self, conv, sender_id, client_msg_id, XG_SERVER_SEND_NOT_FRIENDS, sent, error);

  if (conv == NULL)
    return send_first (self, KIND_DIRECT, sender_id, receiver_id, client_msg_id, msg_type, payload, now_us,
                       sender_id < receiver_id ? FRIENDS_KNOWN_AB | FRIENDS_AB : FRIENDS_KNOWN_BA | FRIENDS_BA,
                       sent, error);

  if (!get_cursor (self, conv, sender_id, &cursor, error) ||
      !insert_message (self, conv->id, conv->last_seq + 1, sender_id, client_msg_id, msg_type, payload, now_us,
                       &stored, error))
    return FALSE;
  if (!stored)
    return answer_unstored (self, conv, sender_id, client_msg_id, XG_SERVER_SEND_ID_REUSED, sent, error);
  appended (self, conv, cursor, now_us, sent);
  return TRUE;
}

static gboolean
sqlite_group_send (XgServerStoreMessages  *store,
                   guint64                 sender_id,
                   guint64                 group_id,
                   guint64                 client_msg_id,
                   guint32                 msg_type,
                   GBytes                 *payload,
                   gint64                  now_us,
                   XgServerSent           *sent,
                   GArray                 *members,
                   GError                **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  g_autoptr(GArray) first_members = NULL;
  Conversation *conv;
  Cursor *cursor;
  GArray *current;
  gboolean stored;

  *sent = (XgServerSent) { 0, };

  if (!in_transaction (self, error) || !get_conversation (self, KIND_GROUP, group_id, 0, &conv, error))
    return FALSE;
  /* A group from before conversations were made with it has none yet. */
  if (conv != NULL)
    current = get_members (self, conv, error);
  else
    current = first_members = read_members (self, group_id, error);
  if (current == NULL)
    return FALSE;
  if (!has_member (current, sender_id))
    return answer_unstored (self, conv, sender_id, client_msg_id, XG_SERVER_SEND_NOT_MEMBER, sent, error);

  if (conv == NULL)
    {
      if (!send_first (self, KIND_GROUP, sender_id, group_id, client_msg_id, msg_type, payload, now_us, 0, sent,
                       error))
        return FALSE;
      if (sent->status != XG_SERVER_SEND_STORED)
        return TRUE;
      conv = g_hash_table_lookup (self->conversations, &(Conversation) { .kind = KIND_GROUP, .a = group_id });
      conv->members = g_steal_pointer (&first_members);
      self->copied_members += conv->members->len;
    }
  else
    {
      if (!get_cursor (self, conv, sender_id, &cursor, error) ||
          !insert_message (self, conv->id, conv->last_seq + 1, sender_id, client_msg_id, msg_type, payload, now_us,
                           &stored, error))
        return FALSE;
      if (!stored)
        return answer_unstored (self, conv, sender_id, client_msg_id, XG_SERVER_SEND_ID_REUSED, sent, error);
      appended (self, conv, cursor, now_us, sent);
    }

  /* Who gets it: the members as this transaction sees them, so that one
   * who joins later starts after it and one who left does not get it. */
  g_array_append_vals (members, conv->members->data, conv->members->len);
  return TRUE;
}

/* --- Receive ------------------------------------------------------------- */

/* Whether @sender_id has a message in @conversation_id in (@from, @to]. */
static gboolean
has_message_from (XgServerStoreSqlite  *self,
                  gint64                conversation_id,
                  guint64               sender_id,
                  guint64               from,
                  guint64               to,
                  gboolean             *yes,
                  GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT 1 FROM messages "
                                                               "WHERE conversation_id = ? AND seq > ? AND seq <= ? "
                                                               "AND sender_id = ? LIMIT 1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) from);
  sqlite3_bind_int64 (stmt, 3, (gint64) to);
  xg_server_store_sqlite_bind_id (stmt, 4, sender_id);
  if (!xg_server_store_sqlite_step_row (self, stmt, yes, error))
    return FALSE;
  sqlite3_reset (stmt);
  return TRUE;
}

/* A cursor a receive moved, and where it was. */
typedef struct {
  Cursor  *cursor;
  guint64  received;
} Moved;

static gboolean
sqlite_receive (XgServerStoreMessages  *store,
                guint64                 account_id,
                GArray                 *acks,
                GError                **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  g_autoptr(GArray) moved = NULL;

  if (!in_transaction (self, error))
    return FALSE;
  for (guint i = 0; i < acks->len; i++)
    {
      XgServerReceipt *ack = &g_array_index (acks, XgServerReceipt, i);
      Conversation *conv;
      Cursor *cursor;
      guint64 wanted = ack->received;
      gboolean ok;

      ack->received = 0;
      ack->peer_covered = FALSE;
      if (ack->kind == KIND_GROUP)
        ok = get_conversation (self, KIND_GROUP, ack->peer_id, 0, &conv, error);
      else
        ok = get_conversation (self, KIND_DIRECT, account_id, ack->peer_id, &conv, error);
      if (!ok)
        goto failed;
      if (conv == NULL)
        continue;

      if (!get_cursor (self, conv, account_id, &cursor, error))
        goto failed;
      if (!cursor->exists)
        continue;
      /* In a group, only a member's cursor moves. */
      if (ack->kind == KIND_GROUP)
        {
          GArray *current = get_members (self, conv, error);

          if (current == NULL)
            goto failed;
          if (!has_member (current, account_id))
            continue;
        }

      ack->received = cursor->received;
      wanted = MIN (wanted, conv->last_seq);
      if (wanted <= cursor->received)
        continue;

      /* Above the account's own last message, every message is the
       * peer's: one at least, since the range is not empty. */
      if (ack->kind != KIND_GROUP)
        {
          if (cursor->last_sent <= cursor->received)
            ack->peer_covered = TRUE;
          else if (!has_message_from (self, conv->id, ack->peer_id, cursor->received, wanted, &ack->peer_covered,
                                      error))
            goto failed;
        }

      if (moved == NULL)
        moved = g_array_new (FALSE, FALSE, sizeof (Moved));
      g_array_append_vals (moved, &(Moved) { cursor, cursor->received }, 1);
      cursor->received = wanted;
      cursor_moved (self, cursor);
      ack->received = wanted;
    }
  return TRUE;

failed:
  /* Nothing moved, as if in a savepoint. */
  for (guint i = moved ? moved->len : 0; i > 0; i--)
    {
      Moved *m = &g_array_index (moved, Moved, i - 1);

      m->cursor->received = m->received;
    }
  return FALSE;
}

/* --- Pages --------------------------------------------------------------- */

/* @peer_id: the other member, or 0 in the group @group_id */
static XgServerMessage *
message_from_row (sqlite3_stmt *stmt,
                  guint64       account_id,
                  guint64       peer_id,
                  guint64       group_id)
{
  XgServerMessage *message = g_new0 (XgServerMessage, 1);

  message->seq = (guint64) sqlite3_column_int64 (stmt, 0);
  message->client_msg_id = (guint64) sqlite3_column_int64 (stmt, 1);
  message->sender_id = (guint64) sqlite3_column_int64 (stmt, 2);
  message->receiver_id = group_id != 0 ? 0 : message->sender_id == account_id ? peer_id : account_id;
  message->group_id = group_id;
  message->msg_type = (guint32) sqlite3_column_int64 (stmt, 3);
  message->payload = g_bytes_new (sqlite3_column_blob (stmt, 4), (gsize) sqlite3_column_bytes (stmt, 4));
  message->server_time = sqlite3_column_int64 (stmt, 5);
  return message;
}

/* Adds the rows of @stmt to @page while they fit; TRUE in *full when one
 * did not. */
static gboolean
fill_page (XgServerStoreSqlite       *self,
           sqlite3_stmt              *stmt,
           guint64                    account_id,
           guint64                    peer_id,
           guint64                    group_id,
           const XgServerPageLimits  *limits,
           gsize                     *bytes,
           XgServerMessagePage       *page,
           gboolean                  *full,
           GError                   **error)
{
  gboolean has_row;

  *full = FALSE;
  for (;;)
    {
      gsize size;

      if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      if (!has_row)
        break;
      size = (gsize) sqlite3_column_bytes (stmt, 4);
      if (page->messages->len >= limits->max_messages ||
          (page->messages->len > 0 && *bytes + size > limits->max_bytes))
        {
          *full = TRUE;
          break;
        }
      *bytes += size;
      g_ptr_array_add (page->messages, message_from_row (stmt, account_id, peer_id, group_id));
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* A conversation where an account has not received everything. */
typedef struct {
  gint64  conversation_id;
  guint64 received;
  guint64 peer_id;        /* one-to-one: the other member */
  guint64 group_id;       /* a group: the group */
} Behind;

static gboolean
sqlite_pending (XgServerStoreMessages     *store,
                guint64                    account_id,
                const XgServerPageLimits  *limits,
                XgServerMessagePage       *page,
                GError                   **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  g_autoptr(GArray) behind = g_array_new (FALSE, FALSE, sizeof (Behind));
  sqlite3_stmt *stmt;
  gboolean has_row;
  gsize bytes = 0;

  /* One pass over the account's conversations (its cursors are the front
   * of their primary key, so they come in the order the conversations
   * were made, without a sort): where it is behind, one-to-one and in the
   * groups it is still in; the peer's cursor where it has written (the
   * receipts); and each one-to-one conversation's last sequence (the
   * heads). */
  stmt = xg_server_store_sqlite_statement (self, "SELECT c.id, c.kind, c.last_seq, k.received, "
                                                 "CASE WHEN c.kind = 1 OR c.a <> ?1 THEN c.a ELSE c.b END, "
                                                 "CASE WHEN c.kind = 0 AND k.last_sent > 0 THEN (SELECT p.received "
                                                 "FROM cursors p WHERE p.conversation_id = c.id "
                                                 "AND p.account_id <> ?1) END, "
                                                 "CASE WHEN c.kind = 1 AND c.last_seq > k.received THEN EXISTS "
                                                 "(SELECT 1 FROM group_members m WHERE m.group_id = c.a "
                                                 "AND m.account_id = ?1) END "
                                                 "FROM cursors k JOIN conversations c ON c.id = k.conversation_id "
                                                 "WHERE k.account_id = ?1 ORDER BY k.conversation_id", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  for (;;)
    {
      gint64 kind, peer_received;
      guint64 last_seq, received, other;

      if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      if (!has_row)
        break;
      kind = sqlite3_column_int64 (stmt, 1);
      last_seq = (guint64) sqlite3_column_int64 (stmt, 2);
      received = (guint64) sqlite3_column_int64 (stmt, 3);
      other = (guint64) sqlite3_column_int64 (stmt, 4);
      peer_received = sqlite3_column_int64 (stmt, 5);   /* NULL (0) unless it wrote here */

      if (last_seq > received && (kind == KIND_DIRECT || sqlite3_column_int (stmt, 6)))
        {
          Behind row = { .conversation_id = sqlite3_column_int64 (stmt, 0), .received = received };

          if (kind == KIND_GROUP)
            row.group_id = other;
          else
            row.peer_id = other;
          g_array_append_val (behind, row);
        }
      if (kind != KIND_DIRECT)
        continue;
      if (page->receipts != NULL && peer_received > 0)
        {
          XgServerReceipt receipt = { .peer_id = other, .received = (guint64) peer_received, .peer_covered = TRUE };

          g_array_append_val (page->receipts, receipt);
        }
      if (page->heads != NULL && last_seq > 0)
        {
          XgServerHead head = { .peer_id = other, .last_seq = last_seq };

          g_array_append_val (page->heads, head);
        }
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < behind->len && !page->more; i++)
    {
      const Behind *row = &g_array_index (behind, Behind, i);

      stmt = xg_server_store_sqlite_statement (self, "SELECT " MESSAGE_COLUMNS " FROM messages "
                                                     "WHERE conversation_id = ? AND seq > ? AND sender_id <> ? "
                                                     "ORDER BY seq", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, row->conversation_id);
      sqlite3_bind_int64 (stmt, 2, (gint64) row->received);
      xg_server_store_sqlite_bind_id (stmt, 3, account_id);
      if (!fill_page (self, stmt, account_id, row->peer_id, row->group_id, limits, &bytes, page, &page->more,
                      error))
        return FALSE;
    }
  return TRUE;
}

/* The messages of @conversation_id strictly between @after and @before
 * (0: unbounded): the oldest of the range when @forward, else the newest;
 * in increasing order either way. */
static gboolean
read_range (XgServerStoreSqlite       *self,
            gint64                     conversation_id,
            guint64                    account_id,
            guint64                    peer_id,
            guint64                    group_id,
            guint64                    after,
            guint64                    before,
            gboolean                   forward,
            const XgServerPageLimits  *limits,
            XgServerMessagePage       *page,
            GError                   **error)
{
  sqlite3_stmt *stmt;
  gsize bytes = 0;

  /* Forward from @after, or backward from @before; a backward page is
   * turned around below. */
  if (forward)
    stmt = xg_server_store_sqlite_statement (self, "SELECT " MESSAGE_COLUMNS " FROM messages "
                                                   "WHERE conversation_id = ? AND seq > ? AND seq < ? "
                                                   "ORDER BY seq ASC", error);
  else
    stmt = xg_server_store_sqlite_statement (self, "SELECT " MESSAGE_COLUMNS " FROM messages "
                                                   "WHERE conversation_id = ? AND seq > ? AND seq < ? "
                                                   "ORDER BY seq DESC", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) after);
  sqlite3_bind_int64 (stmt, 3, before == 0 || before > G_MAXINT64 ? G_MAXINT64 : (gint64) before);
  if (!fill_page (self, stmt, account_id, peer_id, group_id, limits, &bytes, page, &page->more, error))
    return FALSE;

  if (!forward)
    for (guint i = 0, j = page->messages->len; i + 1 < j; i++, j--)
      {
        gpointer tmp = page->messages->pdata[i];

        page->messages->pdata[i] = page->messages->pdata[j - 1];
        page->messages->pdata[j - 1] = tmp;
      }
  return TRUE;
}

static gboolean
sqlite_history (XgServerStoreMessages     *store,
                guint64                    account_id,
                guint64                    peer_id,
                guint64                    after,
                guint64                    before,
                const XgServerPageLimits  *limits,
                XgServerMessagePage       *page,
                GError                   **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  gint64 conversation_id;

  if (!find_conversation (self, account_id, peer_id, &conversation_id, NULL, error))
    return FALSE;
  if (conversation_id == 0)
    return TRUE;
  return read_range (self, conversation_id, account_id, peer_id, 0, after, before, after > 0, limits, page, error);
}

static gboolean
sqlite_group_history (XgServerStoreMessages     *store,
                      guint64                    account_id,
                      guint64                    group_id,
                      guint64                    after,
                      guint64                    before,
                      const XgServerPageLimits  *limits,
                      XgServerMessagePage       *page,
                      gboolean                  *member,
                      GError                   **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  gint64 conversation_id;
  guint64 joined_seq;
  gboolean forward = after > 0;

  if (!find_member (self, group_id, account_id, member, &joined_seq, error))
    return FALSE;
  if (!*member)
    return TRUE;
  if (!find_group_conversation (self, group_id, &conversation_id, NULL, error))
    return FALSE;

  /* Nothing from before the member joined: the range is cut there, and
   * keeps the direction it was asked in. */
  after = MAX (after, joined_seq);
  if (conversation_id == 0 || (before != 0 && before <= after + 1))
    return TRUE;
  return read_range (self, conversation_id, account_id, 0, group_id, after, before, forward, limits, page, error);
}

void
xg_server_store_sqlite_messages_init (XgServerStoreMessagesInterface *iface)
{
  iface->send = sqlite_send;
  iface->receive = sqlite_receive;
  iface->pending = sqlite_pending;
  iface->history = sqlite_history;
  iface->group_send = sqlite_group_send;
  iface->group_history = sqlite_group_history;
}
