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

/* Stores @sender_id's message as @conversation_id's next (last_seq + 1). */
static gboolean
append_message (XgServerStoreSqlite  *self,
                gint64                conversation_id,
                guint64               last_seq,
                guint64               sender_id,
                guint64               client_msg_id,
                guint32               msg_type,
                GBytes               *payload,
                gint64                now_us,
                XgServerSent         *sent,
                GError              **error)
{
  sqlite3_stmt *stmt;

  sent->status = XG_SERVER_SEND_STORED;
  sent->seq = last_seq + 1;
  sent->server_time = now_us;

  stmt = xg_server_store_sqlite_statement (self, "UPDATE conversations SET last_seq = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (gint64) sent->seq);
  sqlite3_bind_int64 (stmt, 2, conversation_id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;

  stmt = xg_server_store_sqlite_statement (self, "INSERT INTO messages (conversation_id, " MESSAGE_COLUMNS ") "
                                                 "VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, (gint64) sent->seq);
  xg_server_store_sqlite_bind_id (stmt, 3, client_msg_id);
  xg_server_store_sqlite_bind_id (stmt, 4, sender_id);
  sqlite3_bind_int64 (stmt, 5, msg_type);
  xg_server_store_sqlite_bind_bytes (stmt, 6, payload);
  sqlite3_bind_int64 (stmt, 7, now_us);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;

  /* The sender's cursor: a sender that had everything before its own
   * message has that too, so that its own messages are not scanned as
   * pending for it at every login; and it has sent, so its logins report
   * the peer's receipts. */
  stmt = xg_server_store_sqlite_statement (self, "UPDATE cursors SET last_sent = ?1, "
                                                 "received = CASE WHEN received = ?2 THEN ?1 ELSE received END "
                                                 "WHERE account_id = ?3 AND conversation_id = ?4", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (gint64) sent->seq);
  sqlite3_bind_int64 (stmt, 2, (gint64) last_seq);
  xg_server_store_sqlite_bind_id (stmt, 3, sender_id);
  sqlite3_bind_int64 (stmt, 4, conversation_id);
  return xg_server_store_sqlite_step_done (self, stmt, error);
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
  gint64 conversation_id, first_conversation = 0;
  guint64 last_seq;
  gboolean found, friends;

  *sent = (XgServerSent) { 0, };

  if (!find_sent (self, sender_id, client_msg_id, &found, &first_conversation, sent, error) ||
      !find_conversation (self, sender_id, receiver_id, &conversation_id, &last_seq, error))
    return FALSE;
  if (found)
    {
      sent->status = first_conversation == conversation_id ? XG_SERVER_SEND_DUPLICATE : XG_SERVER_SEND_ID_REUSED;
      return TRUE;
    }

  if (!xg_server_store_sqlite_are_friends (self, sender_id, receiver_id, &friends, error))
    return FALSE;
  if (!friends)
    {
      sent->status = XG_SERVER_SEND_NOT_FRIENDS;
      return TRUE;
    }

  if (conversation_id == 0 && !create_conversation (self, sender_id, receiver_id, &conversation_id, error))
    return FALSE;

  return append_message (self, conversation_id, last_seq, sender_id, client_msg_id, msg_type, payload, now_us,
                         sent, error);
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
  sqlite3_stmt *stmt;
  gint64 conversation_id, first_conversation = 0;
  guint64 last_seq;
  gboolean found, member;

  *sent = (XgServerSent) { 0, };

  if (!find_sent (self, sender_id, client_msg_id, &found, &first_conversation, sent, error) ||
      !find_group_conversation (self, group_id, &conversation_id, &last_seq, error))
    return FALSE;
  if (found)
    {
      sent->status = conversation_id != 0 && first_conversation == conversation_id ? XG_SERVER_SEND_DUPLICATE
                                                                                  : XG_SERVER_SEND_ID_REUSED;
      return TRUE;
    }

  if (!find_member (self, group_id, sender_id, &member, NULL, error))
    return FALSE;
  if (!member)
    {
      sent->status = XG_SERVER_SEND_NOT_MEMBER;
      return TRUE;
    }

  /* Made with the group; a group from before that had none gets it now. */
  if (conversation_id == 0)
    {
      stmt = xg_server_store_sqlite_statement (self, "INSERT INTO conversations (kind, a, b) VALUES (1, ?, 0)", error);
      if (stmt == NULL)
        return FALSE;
      xg_server_store_sqlite_bind_id (stmt, 1, group_id);
      if (!xg_server_store_sqlite_step_done (self, stmt, error))
        return FALSE;
      conversation_id = sqlite3_last_insert_rowid (self->db);
    }

  if (!append_message (self, conversation_id, last_seq, sender_id, client_msg_id, msg_type, payload, now_us,
                       sent, error))
    return FALSE;

  /* Who gets it: the members as this transaction sees them, so that one
   * who joins later starts after it and one who left does not get it. */
  stmt = xg_server_store_sqlite_statement (self, "SELECT account_id FROM group_members WHERE group_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, group_id);
  for (;;)
    {
      guint64 id;
      gboolean has_row;

      if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      if (!has_row)
        break;
      id = (guint64) sqlite3_column_int64 (stmt, 0);
      g_array_append_val (members, id);
    }
  sqlite3_reset (stmt);
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

static gboolean
sqlite_receive (XgServerStoreMessages  *store,
                guint64                 account_id,
                GArray                 *acks,
                GError                **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);

  for (guint i = 0; i < acks->len; i++)
    {
      XgServerReceipt *ack = &g_array_index (acks, XgServerReceipt, i);
      sqlite3_stmt *stmt;
      gint64 conversation_id;
      guint64 last_seq, received, wanted = ack->received;
      gboolean has_row;

      ack->received = 0;
      ack->peer_covered = FALSE;
      if (ack->kind == KIND_GROUP)
        {
          if (!find_group_conversation (self, ack->peer_id, &conversation_id, &last_seq, error))
            return FALSE;
        }
      else if (!find_conversation (self, account_id, ack->peer_id, &conversation_id, &last_seq, error))
        return FALSE;
      if (conversation_id == 0)
        continue;

      /* In a group, only a member's cursor moves. */
      stmt = xg_server_store_sqlite_statement (self, "SELECT k.received FROM cursors k "
                                                     "JOIN conversations c ON c.id = k.conversation_id "
                                                     "WHERE k.account_id = ?1 AND k.conversation_id = ?2 "
                                                     "AND (c.kind = 0 OR EXISTS (SELECT 1 FROM group_members m "
                                                     "WHERE m.group_id = c.a AND m.account_id = ?1))", error);
      if (stmt == NULL)
        return FALSE;
      xg_server_store_sqlite_bind_id (stmt, 1, account_id);
      sqlite3_bind_int64 (stmt, 2, conversation_id);
      if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
        return FALSE;
      received = has_row ? (guint64) sqlite3_column_int64 (stmt, 0) : 0;
      sqlite3_reset (stmt);

      ack->received = received;
      wanted = MIN (wanted, last_seq);
      if (!has_row || wanted <= received)
        continue;

      if (ack->kind != KIND_GROUP &&
          !has_message_from (self, conversation_id, ack->peer_id, received, wanted, &ack->peer_covered, error))
        return FALSE;
      stmt = xg_server_store_sqlite_statement (self, "UPDATE cursors SET received = ? "
                                                     "WHERE account_id = ? AND conversation_id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (gint64) wanted);
      xg_server_store_sqlite_bind_id (stmt, 2, account_id);
      sqlite3_bind_int64 (stmt, 3, conversation_id);
      if (!xg_server_store_sqlite_step_done (self, stmt, error))
        return FALSE;
      ack->received = wanted;
    }
  return TRUE;
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

  /* One-to-one conversations, and the groups the account is in. */
  stmt = xg_server_store_sqlite_statement (self, "SELECT c.id, k.received, c.kind, "
                                                 "CASE WHEN c.kind = 1 OR c.a <> ?1 THEN c.a ELSE c.b END "
                                                 "FROM cursors k JOIN conversations c ON c.id = k.conversation_id "
                                                 "WHERE k.account_id = ?1 AND c.last_seq > k.received "
                                                 "AND (c.kind = 0 OR (c.kind = 1 AND EXISTS (SELECT 1 FROM "
                                                 "group_members m WHERE m.group_id = c.a AND m.account_id = ?1))) "
                                                 "ORDER BY c.id", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  for (;;)
    {
      Behind row;

      if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      if (!has_row)
        break;
      row.conversation_id = sqlite3_column_int64 (stmt, 0);
      row.received = (guint64) sqlite3_column_int64 (stmt, 1);
      row.peer_id = row.group_id = 0;
      if (sqlite3_column_int64 (stmt, 2) == KIND_GROUP)
        row.group_id = (guint64) sqlite3_column_int64 (stmt, 3);
      else
        row.peer_id = (guint64) sqlite3_column_int64 (stmt, 3);
      g_array_append_val (behind, row);
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

static gboolean
sqlite_receipts (XgServerStoreMessages  *store,
                 guint64                 account_id,
                 GArray                 *receipts,
                 GError                **error)
{
  XgServerStoreSqlite *self = XG_SERVER_STORE_SQLITE (store);
  sqlite3_stmt *stmt;

  /* The peer's cursor of each one-to-one conversation the account has
   * written in. */
  stmt = xg_server_store_sqlite_statement (self, "SELECT p.account_id, p.received FROM cursors k "
                                                 "JOIN conversations c ON c.id = k.conversation_id AND c.kind = 0 "
                                                 "JOIN cursors p ON p.conversation_id = k.conversation_id "
                                                 "AND p.account_id <> k.account_id "
                                                 "WHERE k.account_id = ? AND k.last_sent > 0 AND p.received > 0 "
                                                 "ORDER BY c.id", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  for (;;)
    {
      XgServerReceipt receipt = { 0, };
      gboolean has_row;

      if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      if (!has_row)
        break;
      receipt.peer_id = (guint64) sqlite3_column_int64 (stmt, 0);
      receipt.received = (guint64) sqlite3_column_int64 (stmt, 1);
      receipt.peer_covered = TRUE;
      g_array_append_val (receipts, receipt);
    }
  sqlite3_reset (stmt);
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
  iface->receipts = sqlite_receipts;
  iface->history = sqlite_history;
  iface->group_send = sqlite_group_send;
  iface->group_history = sqlite_group_history;
}
