/* xg-server-store-sqlite-social.c: friendships and friend requests in SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * XgServerStoreSocial for the SQLite backend (schema: sql/002-friends.sql);
 * runs on the worker thread. Every method checks and changes in the same
 * savepoint, so two requests about the same pair can never both pass a
 * check that only one of them may pass.
 *
 * A pending request made at or before rules->deadline has expired even if
 * the periodic expiry has not marked it yet: it is not listed, not
 * accepted and does not count against the requester's limit.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include "xg-server-store-sqlite-private.h"

#define SOCIAL_SELF(store) XG_SERVER_STORE_SQLITE (store)

/* --- Small queries ------------------------------------------------------- */

static gboolean
count (XgServerStoreSqlite  *self,
       sqlite3_stmt         *stmt,
       guint                *n,
       GError              **error)
{
  gboolean has_row;

  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
    return FALSE;
  *n = has_row ? (guint) sqlite3_column_int64 (stmt, 0) : 0;
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
count_friends (XgServerStoreSqlite  *self,
               guint64               account_id,
               guint                *n,
               GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT count(*) FROM friendships WHERE account_id = ?",
                                                         error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  return count (self, stmt, n, error);
}

static gboolean
count_pending (XgServerStoreSqlite        *self,
               guint64                     requester_id,
               const XgServerFriendRules  *rules,
               guint                      *n,
               GError                    **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT count(*) FROM friend_requests "
                                                               "WHERE requester_id = ? AND state = 0 AND created_at > ?",
                                                         error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, requester_id);
  sqlite3_bind_int64 (stmt, 2, rules->deadline);
  return count (self, stmt, n, error);
}

/* Whether @requester_id's request to @target_id waits for an answer; its
 * time in *created_at. */
static gboolean
is_pending (XgServerStoreSqlite        *self,
            guint64                     requester_id,
            guint64                     target_id,
            const XgServerFriendRules  *rules,
            gboolean                   *yes,
            gint64                     *created_at,
            GError                    **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT created_at FROM friend_requests "
                                                               "WHERE requester_id = ? AND target_id = ? "
                                                               "AND state = 0 AND created_at > ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, requester_id);
  xg_server_store_sqlite_bind_id (stmt, 2, target_id);
  sqlite3_bind_int64 (stmt, 3, rules->deadline);
  if (!xg_server_store_sqlite_step_row (self, stmt, yes, error))
    return FALSE;
  if (*yes && created_at != NULL)
    *created_at = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

/* Shared with the messages domain (xg-server-store-sqlite-private.h). */
gboolean
xg_server_store_sqlite_are_friends (XgServerStoreSqlite  *self,
                                    guint64               account_id,
                                    guint64               friend_id,
                                    gboolean             *yes,
                                    GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT 1 FROM friendships "
                                                               "WHERE account_id = ? AND friend_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  xg_server_store_sqlite_bind_id (stmt, 2, friend_id);
  if (!xg_server_store_sqlite_step_row (self, stmt, yes, error))
    return FALSE;
  sqlite3_reset (stmt);
  return TRUE;
}

/* The friend list of @account_id with the remarks it gave. */
static GPtrArray *
list_friends (XgServerStoreSqlite  *self,
              guint64               account_id,
              GError              **error)
{
  g_autoptr(GPtrArray) friends = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_friend_free);
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT f.friend_id, a.nickname, f.remark "
                                                               "FROM friendships f JOIN accounts a ON a.id = f.friend_id "
                                                               "WHERE f.account_id = ? ORDER BY f.since, f.friend_id",
                                                         error);
  gboolean has_row;

  if (stmt == NULL)
    return NULL;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    {
      XgServerFriend *friend_ = g_new0 (XgServerFriend, 1);

      friend_->id = (guint64) sqlite3_column_int64 (stmt, 0);
      friend_->nickname = xg_server_store_sqlite_column_text (stmt, 1);
      friend_->remark = xg_server_store_sqlite_column_text (stmt, 2);
      g_ptr_array_add (friends, friend_);
    }
  sqlite3_reset (stmt);
  if (error != NULL && *error != NULL)
    return NULL;
  return g_steal_pointer (&friends);
}

/* The pending requests to (@incoming) or from @account_id, oldest first,
 * with the other party's nickname. */
static gboolean
list_requests (XgServerStoreSqlite        *self,
               guint64                     account_id,
               gboolean                    incoming,
               const XgServerFriendRules  *rules,
               GPtrArray                  *out,
               GError                    **error)
{
  sqlite3_stmt *stmt;
  gboolean has_row;

  if (incoming)
    stmt = xg_server_store_sqlite_statement (self, "SELECT r.requester_id, r.target_id, r.greeting, r.created_at, a.nickname "
                                                   "FROM friend_requests r JOIN accounts a ON a.id = r.requester_id "
                                                   "WHERE r.target_id = ? AND r.state = 0 AND r.created_at > ? "
                                                   "ORDER BY r.created_at, r.requester_id", error);
  else
    stmt = xg_server_store_sqlite_statement (self, "SELECT r.requester_id, r.target_id, r.greeting, r.created_at, a.nickname "
                                                   "FROM friend_requests r JOIN accounts a ON a.id = r.target_id "
                                                   "WHERE r.requester_id = ? AND r.state = 0 AND r.created_at > ? "
                                                   "ORDER BY r.created_at, r.target_id", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, rules->deadline);
  while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    {
      XgServerFriendRequest *request = g_new0 (XgServerFriendRequest, 1);

      request->requester_id = (guint64) sqlite3_column_int64 (stmt, 0);
      request->target_id = (guint64) sqlite3_column_int64 (stmt, 1);
      request->greeting = xg_server_store_sqlite_column_text (stmt, 2);
      request->created_at = sqlite3_column_int64 (stmt, 3);
      request->nickname = xg_server_store_sqlite_column_text (stmt, 4);
      g_ptr_array_add (out, request);
    }
  sqlite3_reset (stmt);
  return error == NULL || *error == NULL;
}

static gboolean
delete_requests_between (XgServerStoreSqlite  *self,
                         guint64               a,
                         guint64               b,
                         GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "DELETE FROM friend_requests "
                                                               "WHERE (requester_id = ?1 AND target_id = ?2) "
                                                               "OR (requester_id = ?2 AND target_id = ?1)", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, a);
  xg_server_store_sqlite_bind_id (stmt, 2, b);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

static gboolean
delete_request (XgServerStoreSqlite  *self,
                guint64               requester_id,
                guint64               target_id,
                GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "DELETE FROM friend_requests "
                                                               "WHERE requester_id = ? AND target_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, requester_id);
  xg_server_store_sqlite_bind_id (stmt, 2, target_id);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

/* The request becomes its outcome, stamped now, for the requester. */
static gboolean
decide (XgServerStoreSqlite        *self,
        guint64                     requester_id,
        guint64                     target_id,
        XgServerRequestState        state,
        const char                 *reason,
        const XgServerFriendRules  *rules,
        GError                    **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "UPDATE friend_requests SET state = ?, reason = ?, decided_at = ? "
                                                               "WHERE requester_id = ? AND target_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, state);
  xg_server_store_sqlite_bind_text (stmt, 2, reason);
  sqlite3_bind_int64 (stmt, 3, rules->now_us);
  xg_server_store_sqlite_bind_id (stmt, 4, requester_id);
  xg_server_store_sqlite_bind_id (stmt, 5, target_id);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

/* Both rows of a friendship; the requests between them are done with,
 * except @keep_requester's to @keep_target, which becomes the ACCEPTED
 * outcome for its requester. */
static gboolean
make_friends (XgServerStoreSqlite        *self,
              guint64                     keep_requester,
              guint64                     keep_target,
              const XgServerFriendRules  *rules,
              GError                    **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "INSERT OR IGNORE INTO friendships (account_id, friend_id, since) "
                                                               "VALUES (?1, ?2, ?3), (?2, ?1, ?3)", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, keep_requester);
  xg_server_store_sqlite_bind_id (stmt, 2, keep_target);
  sqlite3_bind_int64 (stmt, 3, rules->now);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;

  /* The other direction may hold an old outcome, or a request the periodic
   * expiry has not reached yet; neither means anything now. */
  return delete_request (self, keep_target, keep_requester, error) &&
         decide (self, keep_requester, keep_target, XG_SERVER_REQUEST_ACCEPTED, "", rules, error);
}

/* Both accounts and both lists, as the packets after a new friendship need them. */
static gboolean
fill_both (XgServerStoreSqlite   *self,
           guint64                actor_id,
           guint64                other_id,
           XgServerFriendChange  *change,
           GError               **error)
{
  if (change->actor == NULL)
    change->actor = xg_server_store_sqlite_account_by_id (self, actor_id, error);
  if (change->actor == NULL && (error == NULL || *error == NULL))
    g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                 "Account %" G_GUINT64_FORMAT " does not exist", actor_id);
  if (change->actor == NULL)
    return FALSE;
  if (change->other == NULL)
    change->other = xg_server_store_sqlite_account_by_id (self, other_id, error);
  if (change->other == NULL && (error == NULL || *error == NULL))
    g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                 "Account %" G_GUINT64_FORMAT " does not exist", other_id);
  if (change->other == NULL)
    return FALSE;

  change->actor_friends = list_friends (self, actor_id, error);
  if (change->actor_friends == NULL)
    return FALSE;
  change->other_friends = list_friends (self, other_id, error);
  return change->other_friends != NULL;
}

static gboolean
has_room (XgServerStoreSqlite        *self,
          guint64                     a,
          guint64                     b,
          const XgServerFriendRules  *rules,
          gboolean                   *room,
          GError                    **error)
{
  guint na, nb;

  if (!count_friends (self, a, &na, error) || !count_friends (self, b, &nb, error))
    return FALSE;
  *room = na < rules->max_friends && nb < rules->max_friends;
  return TRUE;
}

/* --- Login sync ---------------------------------------------------------- */

/* Whether any request row is from @account_id (pending or an outcome) and
 * any pending one is to it: one statement, where the reads it spares
 * would be three, each with its cursors and sorter, that find nothing at
 * most logins. */
static gboolean
probe_requests (XgServerStoreSqlite  *self,
                guint64               account_id,
                gboolean             *any_from,
                gboolean             *any_to,
                GError              **error)
{
  return xg_server_store_sqlite_probe (self, "SELECT EXISTS (SELECT 1 FROM friend_requests WHERE requester_id = ?1), "
                                             "EXISTS (SELECT 1 FROM friend_requests WHERE target_id = ?1 AND state = 0)",
                                       account_id, any_from, any_to, error);
}

static gboolean
sqlite_sync (XgServerStoreSocial        *store,
             guint64                     account_id,
             const XgServerFriendRules  *rules,
             XgServerFriendSync         *sync,
             GError                    **error)
{
  XgServerStoreSqlite *self = SOCIAL_SELF (store);
  g_autoptr(GPtrArray) friends = list_friends (self, account_id, error);
  sqlite3_stmt *stmt;
  gboolean has_row, any_from, any_to;

  if (friends == NULL)
    return FALSE;
  g_ptr_array_extend_and_steal (sync->friends, g_steal_pointer (&friends));

  if (!probe_requests (self, account_id, &any_from, &any_to, error))
    return FALSE;
  if ((any_to && !list_requests (self, account_id, TRUE, rules, sync->incoming, error)) ||
      (any_from && !list_requests (self, account_id, FALSE, rules, sync->outgoing, error)))
    return FALSE;
  /* Outcomes are rows from the account too. */
  if (!any_from)
    return TRUE;

  stmt = xg_server_store_sqlite_statement (self, "SELECT " XG_SQLITE_ACCOUNT_COLUMNS_OF ("a") ", "
                                                 "r.state, r.reason, r.decided_at "
                                                 "FROM friend_requests r JOIN accounts a ON a.id = r.target_id "
                                                 "WHERE r.requester_id = ? AND r.state <> 0 "
                                                 "ORDER BY r.decided_at, r.target_id", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    {
      XgServerFriendOutcome *outcome = g_new0 (XgServerFriendOutcome, 1);

      outcome->target = xg_server_store_sqlite_account_from_row (stmt);
      outcome->requester_id = account_id;
      outcome->target_id = outcome->target->id;
      outcome->state = sqlite3_column_int (stmt, 6);
      outcome->reason = xg_server_store_sqlite_column_text (stmt, 7);
      outcome->decided_at = sqlite3_column_int64 (stmt, 8);
      g_ptr_array_add (sync->outcomes, outcome);
    }
  sqlite3_reset (stmt);
  if (error != NULL && *error != NULL)
    return FALSE;

  /* Read once, delivered once: the outcomes go with this transaction.
   * The query saw every row the DELETE would take (the target exists by
   * its foreign key), so none read means none to delete; a DELETE costs
   * as much as the rest of the sync even when it takes nothing. */
  if (sync->outcomes->len == 0)
    return TRUE;
  stmt = xg_server_store_sqlite_statement (self, "DELETE FROM friend_requests WHERE requester_id = ? AND state <> 0",
                                           error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

/* --- Requests and their answers ------------------------------------------ */

static gboolean
sqlite_request (XgServerStoreSocial        *store,
                guint64                     requester_id,
                guint64                     target_id,
                const char                 *greeting,
                const XgServerFriendRules  *rules,
                XgServerFriendChange       *change,
                GError                    **error)
{
  XgServerStoreSqlite *self = SOCIAL_SELF (store);
  gboolean yes, room;
  guint pending;
  sqlite3_stmt *stmt;

  change->other = xg_server_store_sqlite_account_by_id (self, target_id, error);
  if (error != NULL && *error != NULL)
    return FALSE;
  if (change->other == NULL || change->other->disabled || requester_id == target_id)
    {
      change->status = XG_SERVER_FRIENDS_NO_ACCOUNT;
      return TRUE;
    }
  change->actor = xg_server_store_sqlite_account_by_id (self, requester_id, error);
  if (change->actor == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_FAILED,
                     "Account %" G_GUINT64_FORMAT " does not exist", requester_id);
      return FALSE;
    }

  if (!xg_server_store_sqlite_are_friends (self, requester_id, target_id, &yes, error))
    return FALSE;
  if (yes)
    {
      change->status = XG_SERVER_FRIENDS_ALREADY_FRIENDS;
      return TRUE;
    }

  /* Asked already: the same request, its first greeting and time. */
  if (!is_pending (self, requester_id, target_id, rules, &yes, &change->created_at, error))
    return FALSE;
  if (yes)
    {
      change->status = XG_SERVER_FRIENDS_REPEATED;
      return TRUE;
    }

  /* Asked the other way: this request accepts that one, and an accept
   * needs room on both sides. */
  if (!is_pending (self, target_id, requester_id, rules, &yes, NULL, error))
    return FALSE;
  if (yes)
    {
      if (!has_room (self, requester_id, target_id, rules, &room, error))
        return FALSE;
      if (!room)
        {
          change->status = XG_SERVER_FRIENDS_TOO_MANY_FRIENDS;
          return TRUE;
        }
      change->status = XG_SERVER_FRIENDS_CROSSED;
      change->decided_at = rules->now_us;
      return make_friends (self, target_id, requester_id, rules, error) &&
             fill_both (self, requester_id, target_id, change, error);
    }

  /* A new request counts only the sender's own friends: the target's
   * count is not the sender's to learn (8.9); it is judged at the accept. */
  if (!has_room (self, requester_id, requester_id, rules, &room, error))
    return FALSE;
  if (!room)
    {
      change->status = XG_SERVER_FRIENDS_TOO_MANY_FRIENDS;
      return TRUE;
    }
  if (!count_pending (self, requester_id, rules, &pending, error))
    return FALSE;
  if (pending >= rules->max_pending)
    {
      change->status = XG_SERVER_FRIENDS_TOO_MANY_PENDING;
      return TRUE;
    }

  /* Replaces an outcome of an earlier request that was never delivered,
   * or one that expired and was not marked yet. */
  stmt = xg_server_store_sqlite_statement (self, "INSERT OR REPLACE INTO friend_requests "
                                                 "(requester_id, target_id, greeting, created_at, state, reason, decided_at) "
                                                 "VALUES (?, ?, ?, ?, 0, '', 0)", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, requester_id);
  xg_server_store_sqlite_bind_id (stmt, 2, target_id);
  xg_server_store_sqlite_bind_text (stmt, 3, greeting);
  sqlite3_bind_int64 (stmt, 4, rules->now);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;

  change->status = XG_SERVER_FRIENDS_OK;
  change->created_at = rules->now;
  return TRUE;
}

static gboolean
sqlite_accept (XgServerStoreSocial        *store,
               guint64                     target_id,
               guint64                     requester_id,
               const XgServerFriendRules  *rules,
               XgServerFriendChange       *change,
               GError                    **error)
{
  XgServerStoreSqlite *self = SOCIAL_SELF (store);
  gboolean yes, room;

  if (!is_pending (self, requester_id, target_id, rules, &yes, NULL, error))
    return FALSE;
  if (!yes)
    {
      change->status = XG_SERVER_FRIENDS_NO_REQUEST;
      return TRUE;
    }
  if (!has_room (self, requester_id, target_id, rules, &room, error))
    return FALSE;
  if (!room)
    {
      change->status = XG_SERVER_FRIENDS_TOO_MANY_FRIENDS;
      return TRUE;
    }

  change->status = XG_SERVER_FRIENDS_OK;
  change->decided_at = rules->now_us;
  return make_friends (self, requester_id, target_id, rules, error) &&
         fill_both (self, target_id, requester_id, change, error);
}

static gboolean
sqlite_reject (XgServerStoreSocial        *store,
               guint64                     target_id,
               guint64                     requester_id,
               const char                 *reason,
               const XgServerFriendRules  *rules,
               XgServerFriendChange       *change,
               GError                    **error)
{
  XgServerStoreSqlite *self = SOCIAL_SELF (store);
  gboolean yes;

  if (!is_pending (self, requester_id, target_id, rules, &yes, NULL, error))
    return FALSE;
  if (!yes)
    {
      change->status = XG_SERVER_FRIENDS_NO_REQUEST;
      return TRUE;
    }

  change->status = XG_SERVER_FRIENDS_OK;
  change->decided_at = rules->now_us;
  return decide (self, requester_id, target_id, XG_SERVER_REQUEST_REJECTED, reason, rules, error);
}

/* --- Friends ------------------------------------------------------------- */

static gboolean
sqlite_set_remark (XgServerStoreSocial   *store,
                   guint64                account_id,
                   guint64                friend_id,
                   const char            *remark,
                   XgServerFriendChange  *change,
                   GError               **error)
{
  XgServerStoreSqlite *self = SOCIAL_SELF (store);
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "UPDATE friendships SET remark = ? "
                                                               "WHERE account_id = ? AND friend_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_text (stmt, 1, remark);
  xg_server_store_sqlite_bind_id (stmt, 2, account_id);
  xg_server_store_sqlite_bind_id (stmt, 3, friend_id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      change->status = XG_SERVER_FRIENDS_NOT_FRIENDS;
      return TRUE;
    }

  change->status = XG_SERVER_FRIENDS_OK;
  change->actor_friends = list_friends (self, account_id, error);
  return change->actor_friends != NULL;
}

static gboolean
sqlite_remove (XgServerStoreSocial   *store,
               guint64                account_id,
               guint64                friend_id,
               XgServerFriendChange  *change,
               GError               **error)
{
  XgServerStoreSqlite *self = SOCIAL_SELF (store);
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "DELETE FROM friendships "
                                                               "WHERE (account_id = ?1 AND friend_id = ?2) "
                                                               "OR (account_id = ?2 AND friend_id = ?1)", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  xg_server_store_sqlite_bind_id (stmt, 2, friend_id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      change->status = XG_SERVER_FRIENDS_NOT_FRIENDS;
      return TRUE;
    }

  /* An ACCEPTED outcome not yet delivered would announce a friendship
   * that is over; either may ask afresh. */
  change->status = XG_SERVER_FRIENDS_OK;
  return delete_requests_between (self, account_id, friend_id, error) &&
         (change->actor_friends = list_friends (self, account_id, error)) != NULL &&
         (change->other_friends = list_friends (self, friend_id, error)) != NULL;
}

static XgServerAccount *
sqlite_visible_account (XgServerStoreSocial        *store,
                        guint64                     asker_id,
                        guint64                     account_id,
                        gboolean                    known,
                        const XgServerFriendRules  *rules,
                        GError                    **error)
{
  XgServerStoreSqlite *self = SOCIAL_SELF (store);
  XgServerAccount *account;
  gboolean yes = known;

  if (!yes && !xg_server_store_sqlite_are_friends (self, asker_id, account_id, &yes, error))
    return NULL;
  if (!yes && !is_pending (self, asker_id, account_id, rules, &yes, NULL, error))
    return NULL;
  if (!yes && !is_pending (self, account_id, asker_id, rules, &yes, NULL, error))
    return NULL;
  if (!yes)
    return NULL;

  account = xg_server_store_sqlite_account_by_id (self, account_id, error);
  if (account != NULL && account->disabled)
    g_clear_pointer (&account, xg_server_account_free);
  return account;
}

/* --- Expiry -------------------------------------------------------------- */

static gboolean
sqlite_expire (XgServerStoreSocial        *store,
               const XgServerFriendRules  *rules,
               guint                       limit,
               GArray                     *expired,
               GError                    **error)
{
  XgServerStoreSqlite *self = SOCIAL_SELF (store);
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT requester_id, target_id FROM friend_requests "
                                                               "WHERE state = 0 AND created_at <= ? "
                                                               "ORDER BY created_at LIMIT ?", error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rules->deadline);
  sqlite3_bind_int64 (stmt, 2, limit);
  while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    {
      XgServerExpiredRequest request = {
        .requester_id = (guint64) sqlite3_column_int64 (stmt, 0),
        .target_id = (guint64) sqlite3_column_int64 (stmt, 1),
        .decided_at = rules->now_us,
      };

      g_array_append_val (expired, request);
    }
  sqlite3_reset (stmt);
  if (error != NULL && *error != NULL)
    return FALSE;

  for (guint i = 0; i < expired->len; i++)
    {
      XgServerExpiredRequest *request = &g_array_index (expired, XgServerExpiredRequest, i);

      if (!decide (self, request->requester_id, request->target_id, XG_SERVER_REQUEST_EXPIRED, "",
                   rules, error))
        return FALSE;
    }
  return TRUE;
}

/* Only the outcome that was pushed: a newer request (or outcome) of the
 * same pair, made since, stays. */
static gboolean
sqlite_forget_outcome (XgServerStoreSocial  *store,
                       guint64               requester_id,
                       guint64               target_id,
                       gint64                decided_at,
                       GError              **error)
{
  XgServerStoreSqlite *self = SOCIAL_SELF (store);
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "DELETE FROM friend_requests "
                                                               "WHERE requester_id = ? AND target_id = ? "
                                                               "AND state <> 0 AND decided_at = ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, requester_id);
  xg_server_store_sqlite_bind_id (stmt, 2, target_id);
  sqlite3_bind_int64 (stmt, 3, decided_at);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

/* --- Interface ----------------------------------------------------------- */

void
xg_server_store_sqlite_social_init (XgServerStoreSocialInterface *iface)
{
  iface->sync = sqlite_sync;
  iface->request = sqlite_request;
  iface->accept = sqlite_accept;
  iface->reject = sqlite_reject;
  iface->set_remark = sqlite_set_remark;
  iface->remove = sqlite_remove;
  iface->visible_account = sqlite_visible_account;
  iface->expire = sqlite_expire;
  iface->forget_outcome = sqlite_forget_outcome;
}
