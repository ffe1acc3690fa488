/* xg-account-db-messages.c: conversations, their messages and the outbox
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Schema: sql/account/003-messages.sql, 005-unread.sql. What the client
 * acknowledges is what these jobs committed (docs/PROTOCOL.md 7.3), so a
 * batch of deliveries is one job: one transaction, one fsync; so is a
 * batch of outbox writes, and of MSG_SENT_ACKs. Each job that changes a
 * conversation answers with the conversation as it is after the change,
 * so the managers never read a row twice, and the row keeps its unread
 * count, so no job counts the messages again.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-account-db.h"

#define MESSAGE_COLUMNS "id, peer_id, seq, client_msg_id, sender_id, msg_type, payload, time, state, error"

/* Messages read per step while walking a conversation's sequence. */
#define WALK_STEP 256

XgStoredMessage *
xg_stored_message_new (guint64  peer_id,
                       guint64  seq,
                       guint64  client_msg_id,
                       guint64  sender_id,
                       guint32  msg_type,
                       GBytes  *payload,
                       gint64   time)
{
  XgStoredMessage *message = g_new0 (XgStoredMessage, 1);

  message->peer_id = peer_id;
  message->seq = seq;
  message->client_msg_id = client_msg_id;
  message->sender_id = sender_id;
  message->msg_type = msg_type;
  message->payload = payload ? g_bytes_ref (payload) : g_bytes_new (NULL, 0);
  message->time = time;
  message->state = seq ? XG_STORED_SENT : XG_STORED_SENDING;
  message->error = g_strdup ("");
  return message;
}

XgStoredMessage *
xg_stored_message_copy (const XgStoredMessage *message)
{
  XgStoredMessage *copy = g_memdup2 (message, sizeof *message);

  copy->payload = g_bytes_ref (message->payload);
  copy->error = g_strdup (message->error);
  return copy;
}

void
xg_stored_message_free (XgStoredMessage *message)
{
  if (message == NULL)
    return;
  g_clear_pointer (&message->payload, g_bytes_unref);
  g_free (message->error);
  g_free (message);
}

void
xg_stored_conversation_free (XgStoredConversation *conversation)
{
  if (conversation == NULL)
    return;
  g_clear_pointer (&conversation->last, xg_stored_message_free);
  g_clear_pointer (&conversation->added, g_ptr_array_unref);
  g_free (conversation);
}

static XgStoredMessage *
message_from_row (sqlite3_stmt *stmt)
{
  XgStoredMessage *message = g_new0 (XgStoredMessage, 1);

  message->id = sqlite3_column_int64 (stmt, 0);
  message->peer_id = (guint64) sqlite3_column_int64 (stmt, 1);
  message->seq = (guint64) sqlite3_column_int64 (stmt, 2);   /* NULL reads as 0 */
  message->client_msg_id = (guint64) sqlite3_column_int64 (stmt, 3);
  message->sender_id = (guint64) sqlite3_column_int64 (stmt, 4);
  message->msg_type = (guint32) sqlite3_column_int64 (stmt, 5);
  message->payload = g_bytes_new (sqlite3_column_blob (stmt, 6), (gsize) sqlite3_column_bytes (stmt, 6));
  message->time = sqlite3_column_int64 (stmt, 7);
  message->state = (XgStoredState) sqlite3_column_int (stmt, 8);
  message->error = g_strdup ((const char *) sqlite3_column_text (stmt, 9));
  return message;
}

/* Appends the rows of @stmt to @into; resets it. */
static gboolean
read_messages (XgDb          *db,
               sqlite3_stmt  *stmt,
               GPtrArray     *into,
               GError       **error)
{
  gboolean has_row;

  while (xg_db_step_row (db, stmt, &has_row, error))
    {
      if (!has_row)
        {
          sqlite3_reset (stmt);
          return TRUE;
        }
      g_ptr_array_add (into, message_from_row (stmt));
    }
  return FALSE;
}

static GPtrArray *
message_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);
}

/* --- Conversations -------------------------------------------------------- */

/* Whether a message of @sender_id counts as unread in the conversation
 * @peer_id: one-to-one, the peer's; a group, everyone's but the account's. */
static gboolean
counts_as_unread (XgDb    *db,
                  guint64  peer_id,
                  guint64  sender_id)
{
  if (XG_CONVERSATION_KEY_KIND (peer_id) == 0)
    return sender_id == peer_id;
  return sender_id != xg_account_db_get_account_id (XG_ACCOUNT_DB (db));
}

/* Counts the messages that are unread above @read. The conversation row
 * keeps the number (migration 5), moved as messages come and as the user
 * reads: this runs when the row has none yet, and when "read" moves. */
static gboolean
count_unread (XgDb     *db,
              guint64   peer_id,
              guint64   read,
              guint    *unread,
              GError  **error)
{
  sqlite3_stmt *stmt;
  gboolean has_row;

  if (XG_CONVERSATION_KEY_KIND (peer_id) == 0)
    stmt = xg_db_statement (db, "SELECT count(*) FROM messages WHERE peer_id = ?1 AND sender_id = ?1 AND seq > ?2",
                            error);
  else
    stmt = xg_db_statement (db, "SELECT count(*) FROM messages WHERE peer_id = ?1 AND seq > ?2 "
                                "AND sender_id <> ?3", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) peer_id);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) read);
  if (XG_CONVERSATION_KEY_KIND (peer_id) == 1)
    sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) xg_account_db_get_account_id (XG_ACCOUNT_DB (db)));
  if (!xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  *unread = has_row ? (guint) sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
store_unread (XgDb     *db,
              guint64   peer_id,
              guint     unread,
              GError  **error)
{
  sqlite3_stmt *stmt = xg_db_statement (db, "UPDATE conversations SET unread = ? WHERE peer_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, unread);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) peer_id);
  return xg_db_step_done (db, stmt, error);
}

/* Messages that came, counted in (a count not made yet stays NULL: it
 * will count them too). */
static gboolean
add_unread (XgDb     *db,
            guint64   peer_id,
            guint     n,
            GError  **error)
{
  sqlite3_stmt *stmt = xg_db_statement (db, "UPDATE conversations SET unread = unread + ? WHERE peer_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, n);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) peer_id);
  return xg_db_step_done (db, stmt, error);
}

/* How far the user has read the conversation (0 without a row). */
static gboolean
read_read (XgDb     *db,
           guint64   peer_id,
           guint64  *read,
           GError  **error)
{
  sqlite3_stmt *stmt = xg_db_statement (db, "SELECT read FROM conversations WHERE peer_id = ?", error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) peer_id);
  if (!xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  *read = has_row ? (guint64) sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  return TRUE;
}

/* The conversation's row, its newest message and its unread count. NULL
 * in *out (and TRUE) when there is no row. */
static gboolean
read_conversation (XgDb                  *db,
                   guint64                peer_id,
                   XgStoredConversation **out,
                   GError               **error)
{
  g_autoptr(XgStoredConversation) conversation = NULL;
  g_autoptr(GPtrArray) last = message_array ();
  sqlite3_stmt *stmt;
  gboolean has_row, unread_known;
  guint unread;

  *out = NULL;
  stmt = xg_db_statement (db, "SELECT base, received, peer_received, read, activity, unread FROM conversations "
                              "WHERE peer_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) peer_id);
  if (!xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  if (!has_row)
    {
      sqlite3_reset (stmt);
      return TRUE;
    }
  conversation = g_new0 (XgStoredConversation, 1);
  conversation->peer_id = peer_id;
  conversation->base = (guint64) sqlite3_column_int64 (stmt, 0);
  conversation->received = (guint64) sqlite3_column_int64 (stmt, 1);
  conversation->peer_received = (guint64) sqlite3_column_int64 (stmt, 2);
  conversation->read = (guint64) sqlite3_column_int64 (stmt, 3);
  conversation->activity = sqlite3_column_int64 (stmt, 4);
  unread_known = sqlite3_column_type (stmt, 5) != SQLITE_NULL;
  unread = (guint) sqlite3_column_int64 (stmt, 5);
  sqlite3_reset (stmt);

  /* The outbox comes after everything with a seq; each query is one
   * index lookup, however long the conversation. */
  stmt = xg_db_statement (db, "SELECT " MESSAGE_COLUMNS " FROM messages "
                              "WHERE state <> 1 AND peer_id = ? ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) peer_id);
  if (!read_messages (db, stmt, last, error))
    return FALSE;
  if (last->len == 0)
    {
      stmt = xg_db_statement (db, "SELECT " MESSAGE_COLUMNS " FROM messages "
                                  "WHERE peer_id = ? AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) peer_id);
      if (!read_messages (db, stmt, last, error))
        return FALSE;
    }
  if (last->len > 0)
    conversation->last = g_ptr_array_steal_index (last, 0);

  if (unread_known)
    conversation->unread = unread;
  else if (!count_unread (db, peer_id, conversation->read, &conversation->unread, error) ||
           !store_unread (db, peer_id, conversation->unread, error))
    return FALSE;

  *out = g_steal_pointer (&conversation);
  return TRUE;
}

static gboolean
ensure_conversation (XgDb     *db,
                     guint64   peer_id,
                     GError  **error)
{
  sqlite3_stmt *stmt = xg_db_statement (db, "INSERT OR IGNORE INTO conversations (peer_id, unread) VALUES (?, 0)",
                                        error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) peer_id);
  return xg_db_step_done (db, stmt, error);
}

/* Moves base down and received up over the seqs that are here now, then
 * stores them with the newest activity. */
static gboolean
walk_sequence (XgDb      *db,
               guint64    peer_id,
               gint64     activity,
               gboolean  *started,
               GError   **error)
{
  sqlite3_stmt *stmt;
  gboolean has_row;
  guint64 base, received, lowest;

  stmt = xg_db_statement (db, "SELECT base, received, (SELECT min(seq) FROM messages WHERE peer_id = ?1) "
                              "FROM conversations WHERE peer_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) peer_id);
  if (!xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  g_return_val_if_fail (has_row, FALSE);
  base = (guint64) sqlite3_column_int64 (stmt, 0);
  received = (guint64) sqlite3_column_int64 (stmt, 1);
  lowest = (guint64) sqlite3_column_int64 (stmt, 2);
  sqlite3_reset (stmt);

  /* The first message on this device starts its history: what is below
   * it is older history, fetched when someone scrolls, not a gap. A
   * contiguous page of older history moves the start down. */
  if (lowest == 0)
    return TRUE;
  if (base == 0)
    {
      base = lowest;
      received = lowest - 1;
      if (started != NULL)
        *started = TRUE;
    }
  else if (lowest < base)
    {
      guint64 expected = base - 1;

      stmt = xg_db_statement (db, "SELECT seq FROM messages WHERE peer_id = ? AND seq < ? ORDER BY seq DESC", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) peer_id);
      sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) base);
      while (xg_db_step_row (db, stmt, &has_row, error) && has_row &&
             (guint64) sqlite3_column_int64 (stmt, 0) == expected)
        base = expected--;
      sqlite3_reset (stmt);
    }

  /* Up from received, while each next seq is here. */
  for (gboolean more = TRUE; more;)
    {
      guint n = 0;

      stmt = xg_db_statement (db, "SELECT seq FROM messages WHERE peer_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                              error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) peer_id);
      sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) received);
      sqlite3_bind_int (stmt, 3, WALK_STEP);
      more = FALSE;
      while (xg_db_step_row (db, stmt, &has_row, error) && has_row)
        {
          if ((guint64) sqlite3_column_int64 (stmt, 0) != received + 1)
            break;
          received++;
          if (++n == WALK_STEP)
            more = TRUE;
        }
      sqlite3_reset (stmt);
    }

  stmt = xg_db_statement (db, "UPDATE conversations SET base = ?, received = ?, activity = max(activity, ?) "
                              "WHERE peer_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) base);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) received);
  sqlite3_bind_int64 (stmt, 3, activity);
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) peer_id);
  return xg_db_step_done (db, stmt, error);
}

/* The first seq above received that is here, if any: the end of a gap. */
static gboolean
find_gap (XgDb                  *db,
          XgStoredConversation  *conversation,
          GError               **error)
{
  sqlite3_stmt *stmt = xg_db_statement (db, "SELECT min(seq) FROM messages WHERE peer_id = ? AND seq > ?", error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) conversation->peer_id);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) conversation->received);
  if (!xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  conversation->gap_before = has_row ? (guint64) sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  return TRUE;
}

/* The conversation after a change, with its gap. */
static gboolean
read_changed (XgDb                  *db,
              guint64                peer_id,
              XgStoredConversation **out,
              GError               **error)
{
  return read_conversation (db, peer_id, out, error) &&
         (*out == NULL || find_gap (db, *out, error));
}

typedef struct {
  guint64               account_id;
  guint64               peer_id;
  guint64               client_msg_id;
  guint64               before_seq;
  guint64               peer_received;
  guint64               read;
  guint                 limit;
  char                 *error_text;
  GPtrArray            *items;          /* in: messages; out: messages or conversations */
  GArray               *peers;          /* in: peer ids (guint64) */
  GArray               *sent;           /* in: XgSentRecord */
  XgStoredConversation *conversation;
} MessagesJob;

static void
messages_job_free (MessagesJob *job)
{
  g_free (job->error_text);
  g_clear_pointer (&job->items, g_ptr_array_unref);
  g_clear_pointer (&job->peers, g_array_unref);
  g_clear_pointer (&job->sent, g_array_unref);
  g_clear_pointer (&job->conversation, xg_stored_conversation_free);
  g_free (job);
}

static MessagesJob *
messages_job_new (void)
{
  return g_new0 (MessagesJob, 1);
}

static gboolean
run_load_conversations (XgDb     *db,
                        gpointer  data,
                        GError  **error)
{
  MessagesJob *job = data;
  g_autoptr(GArray) peers = g_array_new (FALSE, FALSE, sizeof (guint64));
  sqlite3_stmt *stmt = xg_db_statement (db, "SELECT peer_id FROM conversations ORDER BY activity DESC, peer_id",
                                        error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  while (xg_db_step_row (db, stmt, &has_row, error) && has_row)
    {
      guint64 peer = (guint64) sqlite3_column_int64 (stmt, 0);

      g_array_append_val (peers, peer);
    }
  sqlite3_reset (stmt);

  job->items = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_conversation_free);
  for (guint i = 0; i < peers->len; i++)
    {
      XgStoredConversation *conversation;

      if (!read_conversation (db, g_array_index (peers, guint64, i), &conversation, error))
        return FALSE;
      if (conversation != NULL)
        g_ptr_array_add (job->items, conversation);
    }
  return TRUE;
}

void
xg_account_db_load_conversations_async (XgAccountDb         *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  MessagesJob *job = messages_job_new ();

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  xg_db_run_async (XG_DB (self), run_load_conversations, job, (GDestroyNotify) messages_job_free,
                   cancellable, xg_account_db_load_conversations_async, callback, user_data);
}

/**
 * xg_account_db_load_conversations_finish:
 *
 * Returns: (transfer full) (element-type XgStoredConversation)
 */
GPtrArray *
xg_account_db_load_conversations_finish (XgAccountDb   *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  MessagesJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_load_conversations_async, error);

  return job ? g_steal_pointer (&job->items) : NULL;
}

/* --- The outbox ----------------------------------------------------------- */

static gboolean
run_add_outgoing (XgDb     *db,
                  gpointer  data,
                  GError  **error)
{
  MessagesJob *job = data;

  for (guint i = 0; i < job->items->len; i++)
    {
      XgStoredMessage *m = job->items->pdata[i];
      sqlite3_stmt *stmt;

      if (!ensure_conversation (db, m->peer_id, error))
        return FALSE;
      stmt = xg_db_statement (db, "INSERT INTO messages (peer_id, client_msg_id, sender_id, msg_type, payload, time, "
                                  "state) VALUES (?, ?, ?, ?, ?, ?, 0)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) m->peer_id);
      sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) m->client_msg_id);
      sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) m->sender_id);
      sqlite3_bind_int64 (stmt, 4, m->msg_type);
      sqlite3_bind_blob64 (stmt, 5, g_bytes_get_data (m->payload, NULL), g_bytes_get_size (m->payload),
                           SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 6, m->time);
      if (!xg_db_step_done (db, stmt, error))
        return FALSE;
      m->id = sqlite3_last_insert_rowid (sqlite3_db_handle (stmt));

      stmt = xg_db_statement (db, "UPDATE conversations SET activity = max(activity, ?) WHERE peer_id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, m->time);
      sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) m->peer_id);
      if (!xg_db_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * xg_account_db_add_outgoing_async:
 * @messages: (element-type XgStoredMessage): without a seq; copied
 */
void
xg_account_db_add_outgoing_async (XgAccountDb         *self,
                                  GPtrArray           *messages,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  MessagesJob *job = messages_job_new ();

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));
  g_return_if_fail (messages != NULL && messages->len > 0);

  job->items = message_array ();
  for (guint i = 0; i < messages->len; i++)
    g_ptr_array_add (job->items, xg_stored_message_copy (messages->pdata[i]));
  xg_db_run_async (XG_DB (self), run_add_outgoing, job, (GDestroyNotify) messages_job_free,
                   cancellable, xg_account_db_add_outgoing_async, callback, user_data);
}

/**
 * xg_account_db_add_outgoing_finish:
 *
 * Returns: (transfer full) (element-type XgStoredMessage): the messages
 *   as written, with their local ids, in order; %NULL with @error set
 *   (then none of them was written)
 */
GPtrArray *
xg_account_db_add_outgoing_finish (XgAccountDb   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  MessagesJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_add_outgoing_async, error);

  return job ? g_steal_pointer (&job->items) : NULL;
}

static gboolean
run_load_outbox (XgDb     *db,
                 gpointer  data,
                 GError  **error)
{
  MessagesJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE state <> 1 ORDER BY id",
                                        error);

  job->items = message_array ();
  return stmt != NULL && read_messages (db, stmt, job->items, error);
}

void
xg_account_db_load_outbox_async (XgAccountDb         *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  xg_db_run_async (XG_DB (self), run_load_outbox, messages_job_new (), (GDestroyNotify) messages_job_free,
                   cancellable, xg_account_db_load_outbox_async, callback, user_data);
}

/**
 * xg_account_db_load_outbox_finish:
 *
 * Returns: (transfer full) (element-type XgStoredMessage)
 */
GPtrArray *
xg_account_db_load_outbox_finish (XgAccountDb   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  MessagesJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_load_outbox_async, error);

  return job ? g_steal_pointer (&job->items) : NULL;
}

static gboolean
run_update_outgoing (XgDb     *db,
                     gpointer  data,
                     GError  **error)
{
  MessagesJob *job = data;
  sqlite3_stmt *stmt;
  gboolean has_row;

  stmt = xg_db_statement (db, "SELECT peer_id FROM messages WHERE sender_id = ? AND client_msg_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) job->account_id);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) job->client_msg_id);
  if (!xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  job->peer_id = has_row ? (guint64) sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  if (!has_row)
    return TRUE;

  stmt = xg_db_statement (db, "UPDATE messages SET state = ?, error = ? "
                              "WHERE sender_id = ? AND client_msg_id = ? AND state <> 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, job->error_text ? XG_STORED_FAILED : XG_STORED_SENDING);
  sqlite3_bind_text (stmt, 2, job->error_text ? job->error_text : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) job->account_id);
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) job->client_msg_id);
  if (!xg_db_step_done (db, stmt, error))
    return FALSE;
  return read_changed (db, job->peer_id, &job->conversation, error);
}

void
xg_account_db_update_outgoing_async (XgAccountDb         *self,
                                     guint64              account_id,
                                     guint64              client_msg_id,
                                     const char          *error,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  MessagesJob *job = messages_job_new ();

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  job->account_id = account_id;
  job->client_msg_id = client_msg_id;
  job->error_text = g_strdup (error);
  xg_db_run_async (XG_DB (self), run_update_outgoing, job, (GDestroyNotify) messages_job_free,
                   cancellable, xg_account_db_update_outgoing_async, callback, user_data);
}

/**
 * xg_account_db_update_outgoing_finish:
 *
 * Returns: (transfer full) (nullable): the conversation after the change;
 *   %NULL, with @error unset, when the message is not in the database
 */
XgStoredConversation *
xg_account_db_update_outgoing_finish (XgAccountDb   *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  MessagesJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_update_outgoing_async, error);

  return job ? g_steal_pointer (&job->conversation) : NULL;
}

/* A conversation a batch touched, and its newest time. */
typedef struct {
  guint64 peer_id;
  gint64  activity;
} Touched;

static gboolean
run_record_sent (XgDb     *db,
                 gpointer  data,
                 GError  **error)
{
  MessagesJob *job = data;
  g_autoptr(GArray) touched = g_array_new (FALSE, FALSE, sizeof (Touched));
  g_autoptr(GPtrArray) conversations = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_conversation_free);

  for (guint i = 0; i < job->sent->len; i++)
    {
      const XgSentRecord *record = &g_array_index (job->sent, XgSentRecord, i);
      sqlite3_stmt *stmt;
      gboolean has_row;
      guint64 peer_id;
      guint t;

      stmt = xg_db_statement (db, "SELECT peer_id FROM messages WHERE sender_id = ? AND client_msg_id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) job->account_id);
      sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) record->client_msg_id);
      if (!xg_db_step_row (db, stmt, &has_row, error))
        return FALSE;
      peer_id = has_row ? (guint64) sqlite3_column_int64 (stmt, 0) : 0;
      sqlite3_reset (stmt);
      if (!has_row)
        continue;

      stmt = xg_db_statement (db, "UPDATE messages SET seq = ?, time = ?, state = 1, error = '' "
                                  "WHERE sender_id = ? AND client_msg_id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) record->seq);
      sqlite3_bind_int64 (stmt, 2, record->time);
      sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) job->account_id);
      sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) record->client_msg_id);
      if (!xg_db_step_done (db, stmt, error))
        return FALSE;

      for (t = 0; t < touched->len; t++)
        if (g_array_index (touched, Touched, t).peer_id == peer_id)
          break;
      if (t == touched->len)
        {
          Touched one = { peer_id, record->time };

          g_array_append_val (touched, one);
        }
      else
        g_array_index (touched, Touched, t).activity = MAX (g_array_index (touched, Touched, t).activity,
                                                            record->time);
    }

  /* Each conversation once, after all of its messages have their seq. */
  for (guint t = 0; t < touched->len; t++)
    {
      const Touched *one = &g_array_index (touched, Touched, t);
      XgStoredConversation *conversation;

      if (!walk_sequence (db, one->peer_id, one->activity, NULL, error) ||
          !read_changed (db, one->peer_id, &conversation, error))
        return FALSE;
      g_ptr_array_add (conversations, conversation);
    }
  job->items = g_steal_pointer (&conversations);
  return TRUE;
}

/**
 * xg_account_db_record_sent_async:
 * @account_id: the sender, this account
 * @sent: (element-type XgSentRecord): copied
 *
 * Records MSG_SENT_ACKs, all in one transaction: each message named gets
 * its seq and the server's time (state sent), and leaves the outbox. A
 * client id that is not in the database is passed over.
 */
void
xg_account_db_record_sent_async (XgAccountDb         *self,
                                 guint64              account_id,
                                 GArray              *sent,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  MessagesJob *job = messages_job_new ();

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));
  g_return_if_fail (sent != NULL && g_array_get_element_size (sent) == sizeof (XgSentRecord));

  job->account_id = account_id;
  job->sent = g_array_copy (sent);
  xg_db_run_async (XG_DB (self), run_record_sent, job, (GDestroyNotify) messages_job_free,
                   cancellable, xg_account_db_record_sent_async, callback, user_data);
}

/**
 * xg_account_db_record_sent_finish:
 *
 * Returns: (transfer full) (element-type XgStoredConversation): every
 *   conversation the batch changed, as it is now (empty when none of the
 *   messages is in the database), or %NULL with @error set
 */
GPtrArray *
xg_account_db_record_sent_finish (XgAccountDb   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  MessagesJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_record_sent_async, error);

  return job ? g_steal_pointer (&job->items) : NULL;
}

/* --- Incoming ------------------------------------------------------------- */

static int
compare_by_conversation (gconstpointer a,
                         gconstpointer b)
{
  const XgStoredMessage *x = *(XgStoredMessage **) a, *y = *(XgStoredMessage **) b;

  if (x->peer_id != y->peer_id)
    return x->peer_id < y->peer_id ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static gboolean
run_store_incoming (XgDb     *db,
                    gpointer  data,
                    GError  **error)
{
  MessagesJob *job = data;
  g_autoptr(GPtrArray) conversations = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_conversation_free);
  g_autoptr(GPtrArray) added = NULL;
  sqlite3_stmt *stmt;
  gint64 activity = 0;
  guint64 read = 0;
  guint unread = 0;

  g_ptr_array_sort (job->items, compare_by_conversation);
  for (guint i = 0; i < job->items->len; i++)
    {
      XgStoredMessage *m = job->items->pdata[i];
      gboolean last_of_conversation = i + 1 == job->items->len ||
                                      ((XgStoredMessage *) job->items->pdata[i + 1])->peer_id != m->peer_id;

      if (added == NULL)
        {
          if (!ensure_conversation (db, m->peer_id, error) || !read_read (db, m->peer_id, &read, error))
            return FALSE;
          added = message_array ();
          unread = 0;
        }

      /* A (peer, seq) already here is the same message delivered again. */
      stmt = xg_db_statement (db, "INSERT OR IGNORE INTO messages (peer_id, seq, client_msg_id, sender_id, "
                                  "msg_type, payload, time, state) VALUES (?, ?, ?, ?, ?, ?, ?, 1)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) m->peer_id);
      sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) m->seq);
      sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) m->client_msg_id);
      sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) m->sender_id);
      sqlite3_bind_int64 (stmt, 5, m->msg_type);
      sqlite3_bind_blob64 (stmt, 6, g_bytes_get_data (m->payload, NULL), g_bytes_get_size (m->payload),
                           SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 7, m->time);
      if (!xg_db_step_done (db, stmt, error))
        return FALSE;
      if (xg_db_changes (db) > 0)
        {
          m->id = sqlite3_last_insert_rowid (sqlite3_db_handle (stmt));
          m->state = XG_STORED_SENT;
          g_ptr_array_add (added, xg_stored_message_copy (m));
          activity = MAX (activity, m->time);
          if (m->seq > read && counts_as_unread (db, m->peer_id, m->sender_id))
            unread++;
        }

      if (last_of_conversation)
        {
          XgStoredConversation *conversation;
          gboolean started = FALSE;

          if (unread > 0 && !add_unread (db, m->peer_id, unread, error))
            return FALSE;
          if (!walk_sequence (db, m->peer_id, activity, &started, error) ||
              !read_changed (db, m->peer_id, &conversation, error))
            return FALSE;
          conversation->started = started;
          conversation->added = g_steal_pointer (&added);
          g_ptr_array_add (conversations, conversation);
          activity = 0;
        }
    }
  g_ptr_array_unref (job->items);
  job->items = g_steal_pointer (&conversations);
  return TRUE;
}

/**
 * xg_account_db_store_incoming_async:
 * @messages: (element-type XgStoredMessage): with their seq; copied
 */
void
xg_account_db_store_incoming_async (XgAccountDb         *self,
                                    GPtrArray           *messages,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  MessagesJob *job = messages_job_new ();

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  job->items = message_array ();
  for (guint i = 0; i < messages->len; i++)
    g_ptr_array_add (job->items, xg_stored_message_copy (messages->pdata[i]));
  xg_db_run_async (XG_DB (self), run_store_incoming, job, (GDestroyNotify) messages_job_free,
                   cancellable, xg_account_db_store_incoming_async, callback, user_data);
}

/**
 * xg_account_db_store_incoming_finish:
 *
 * Returns: (transfer full) (element-type XgStoredConversation): every
 *   conversation the batch touched, as it is now, with what was added
 */
GPtrArray *
xg_account_db_store_incoming_finish (XgAccountDb   *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  MessagesJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_store_incoming_async, error);

  return job ? g_steal_pointer (&job->items) : NULL;
}

/* --- Receipts, reading, pages ---------------------------------------------- */

static gboolean
run_update_conversation (XgDb     *db,
                         gpointer  data,
                         GError  **error)
{
  MessagesJob *job = data;
  sqlite3_stmt *stmt;
  guint64 read;
  guint unread;

  if (!ensure_conversation (db, job->peer_id, error) || !read_read (db, job->peer_id, &read, error))
    return FALSE;
  stmt = xg_db_statement (db, "UPDATE conversations SET peer_received = max(peer_received, ?), "
                              "read = max(read, ?) WHERE peer_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) job->peer_received);
  sqlite3_bind_int64 (stmt, 2, (sqlite3_int64) job->read);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) job->peer_id);
  if (!xg_db_step_done (db, stmt, error))
    return FALSE;
  /* Read further: what is left above is counted (after reading, little). */
  if (job->read <= read)
    return TRUE;
  return count_unread (db, job->peer_id, job->read, &unread, error) &&
         store_unread (db, job->peer_id, unread, error);
}

void
xg_account_db_update_conversation_async (XgAccountDb         *self,
                                         guint64              peer_id,
                                         guint64              peer_received,
                                         guint64              read,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  MessagesJob *job = messages_job_new ();

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  job->peer_id = peer_id;
  job->peer_received = peer_received;
  job->read = read;
  xg_db_run_async (XG_DB (self), run_update_conversation, job, (GDestroyNotify) messages_job_free,
                   cancellable, xg_account_db_update_conversation_async, callback, user_data);
}

gboolean
xg_account_db_update_conversation_finish (XgAccountDb   *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  return xg_db_run_finish (XG_DB (self), result, xg_account_db_update_conversation_async, error) != NULL;
}

static gboolean
run_load_extents (XgDb     *db,
                  gpointer  data,
                  GError  **error)
{
  MessagesJob *job = data;

  job->items = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_conversation_free);
  for (guint i = 0; i < job->peers->len; i++)
    {
      g_autoptr(XgStoredConversation) conversation = g_new0 (XgStoredConversation, 1);
      sqlite3_stmt *stmt = xg_db_statement (db, "SELECT base, received FROM conversations WHERE peer_id = ?", error);
      gboolean has_row;

      if (stmt == NULL)
        return FALSE;
      conversation->peer_id = g_array_index (job->peers, guint64, i);
      sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) conversation->peer_id);
      if (!xg_db_step_row (db, stmt, &has_row, error))
        return FALSE;
      if (has_row)
        {
          conversation->base = (guint64) sqlite3_column_int64 (stmt, 0);
          conversation->received = (guint64) sqlite3_column_int64 (stmt, 1);
        }
      sqlite3_reset (stmt);
      if (conversation->base > 0 && !find_gap (db, conversation, error))
        return FALSE;
      g_ptr_array_add (job->items, g_steal_pointer (&conversation));
    }
  return TRUE;
}

/**
 * xg_account_db_load_extents_async:
 * @peers: (element-type guint64): copied
 */
void
xg_account_db_load_extents_async (XgAccountDb         *self,
                                  GArray              *peers,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  MessagesJob *job = messages_job_new ();

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  job->peers = g_array_copy (peers);
  xg_db_run_async (XG_DB (self), run_load_extents, job, (GDestroyNotify) messages_job_free,
                   cancellable, xg_account_db_load_extents_async, callback, user_data);
}

/**
 * xg_account_db_load_extents_finish:
 *
 * Returns: (transfer full) (element-type XgStoredConversation): one per
 *   peer, in order
 */
GPtrArray *
xg_account_db_load_extents_finish (XgAccountDb   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  MessagesJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_load_extents_async, error);

  return job ? g_steal_pointer (&job->items) : NULL;
}

static gboolean
run_load_messages (XgDb     *db,
                   gpointer  data,
                   GError  **error)
{
  MessagesJob *job = data;
  g_autoptr(GPtrArray) newest_first = message_array ();
  sqlite3_stmt *stmt;

  job->items = message_array ();
  stmt = xg_db_statement (db, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE peer_id = ? AND seq < ? "
                              "ORDER BY seq DESC LIMIT ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) job->peer_id);
  sqlite3_bind_int64 (stmt, 2, job->before_seq ? (sqlite3_int64) job->before_seq : G_MAXINT64);
  sqlite3_bind_int (stmt, 3, (int) job->limit);
  if (!read_messages (db, stmt, newest_first, error))
    return FALSE;
  for (guint i = newest_first->len; i > 0; i--)
    g_ptr_array_add (job->items, g_ptr_array_steal_index (newest_first, i - 1));

  if (job->before_seq != 0)
    return TRUE;
  stmt = xg_db_statement (db, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE peer_id = ? AND seq IS NULL "
                              "ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) job->peer_id);
  return read_messages (db, stmt, job->items, error);
}

void
xg_account_db_load_messages_async (XgAccountDb         *self,
                                   guint64              peer_id,
                                   guint64              before_seq,
                                   guint                limit,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  MessagesJob *job = messages_job_new ();

  g_return_if_fail (XG_IS_ACCOUNT_DB (self));

  job->peer_id = peer_id;
  job->before_seq = before_seq;
  job->limit = limit;
  xg_db_run_async (XG_DB (self), run_load_messages, job, (GDestroyNotify) messages_job_free,
                   cancellable, xg_account_db_load_messages_async, callback, user_data);
}

/**
 * xg_account_db_load_messages_finish:
 *
 * Returns: (transfer full) (element-type XgStoredMessage): in order
 */
GPtrArray *
xg_account_db_load_messages_finish (XgAccountDb   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  MessagesJob *job = xg_db_run_finish (XG_DB (self), result, xg_account_db_load_messages_async, error);

  return job ? g_steal_pointer (&job->items) : NULL;
}
