/* xg-server-store-sqlite-groups.c: groups, members, join requests and invitations in SQLite
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * XgServerStoreGroups for the SQLite backend (schema: sql/005-groups.sql);
 * runs on the worker thread. Every request reads the rights and limits it
 * is judged by and writes its change in the same savepoint, so two
 * answers to one join request, or two joins to the last free place, can
 * never both pass.
 *
 * A group's conversation (sql/003-messages.sql: kind 1, a = the group,
 * b = 0) is made with the group and deleted with it, its messages and
 * cursors with it. A member's cursor is made when it joins, at the
 * conversation's last_seq (group_members.joined_seq the same), and
 * deleted when it leaves or is removed.
 *
 * A pending join request or invitation made at or before rules->deadline
 * has expired even if the periodic expiry has not marked it yet: it is
 * not listed, cannot be answered and a new request starts afresh.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include "xg-proto.h"
#include "xg-server-store-sqlite-private.h"

#define SELF(store) XG_SERVER_STORE_SQLITE (store)

#define KIND_GROUP 1

#define STATE_PENDING  0
#define STATE_APPROVED 1
#define STATE_REJECTED 2
#define STATE_EXPIRED  3

/* --- Small queries ------------------------------------------------------- */

static gboolean
failed (GError **error)
{
  return error != NULL && *error != NULL;
}

static GBytes *
column_bytes (sqlite3_stmt *stmt,
              int           column)
{
  return g_bytes_new (sqlite3_column_blob (stmt, column), sqlite3_column_bytes (stmt, column));
}

/* One integer from a query with up to two id parameters; @fallback if no row. */
static gboolean
query_int (XgServerStoreSqlite  *self,
           const char           *sql,
           guint64               a,
           guint64               b,
           gint64                fallback,
           gint64               *out,
           GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, sql, error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, a);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    xg_server_store_sqlite_bind_id (stmt, 2, b);
  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
    return FALSE;
  *out = has_row ? sqlite3_column_int64 (stmt, 0) : fallback;
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
run_ids (XgServerStoreSqlite  *self,
         const char           *sql,
         guint64               a,
         guint64               b,
         GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, a);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    xg_server_store_sqlite_bind_id (stmt, 2, b);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

/* The group with its conversation's head, or NULL (error unset) if none. */
static XgServerGroup *
read_group (XgServerStoreSqlite  *self,
            guint64               group_id,
            GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT g.id, g.name, g.description, g.avatar, g.revision, "
                                                               "g.owner_id, g.member_count, coalesce(c.last_seq, 0) "
                                                               "FROM groups g LEFT JOIN conversations c "
                                                               "ON c.kind = 1 AND c.a = g.id AND c.b = 0 "
                                                               "WHERE g.id = ?", error);
  XgServerGroup *group = NULL;
  gboolean has_row;

  if (stmt == NULL)
    return NULL;
  xg_server_store_sqlite_bind_id (stmt, 1, group_id);
  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
    return NULL;
  if (has_row)
    {
      group = g_new0 (XgServerGroup, 1);
      group->id = (guint64) sqlite3_column_int64 (stmt, 0);
      group->name = xg_server_store_sqlite_column_text (stmt, 1);
      group->description = xg_server_store_sqlite_column_text (stmt, 2);
      group->avatar = column_bytes (stmt, 3);
      group->revision = (guint) sqlite3_column_int64 (stmt, 4);
      group->owner_id = (guint64) sqlite3_column_int64 (stmt, 5);
      group->member_count = (guint) sqlite3_column_int64 (stmt, 6);
      group->last_seq = (guint64) sqlite3_column_int64 (stmt, 7);
    }
  sqlite3_reset (stmt);
  return group;
}

/* @account_id's role in the group, 0 for none. */
static gboolean
role_of (XgServerStoreSqlite  *self,
         guint64               group_id,
         guint64               account_id,
         guint8               *role,
         GError              **error)
{
  gint64 value;

  if (!query_int (self, "SELECT role FROM group_members WHERE group_id = ? AND account_id = ?",
                  group_id, account_id, 0, &value, error))
    return FALSE;
  *role = (guint8) value;
  return TRUE;
}

static char *
nickname_of (XgServerStoreSqlite  *self,
             guint64               account_id,
             GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT nickname FROM accounts WHERE id = ?", error);
  char *nickname = NULL;
  gboolean has_row;

  if (stmt == NULL)
    return NULL;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  if (!xg_server_store_sqlite_step_row (self, stmt, &has_row, error))
    return NULL;
  nickname = has_row ? xg_server_store_sqlite_column_text (stmt, 0) : g_strdup ("");
  sqlite3_reset (stmt);
  return nickname;
}

/* Every member: the owner, then admins, then members, each in joining order. */
static gboolean
list_members (XgServerStoreSqlite  *self,
              guint64               group_id,
              GPtrArray            *out,
              GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT m.account_id, m.role, a.nickname "
                                                               "FROM group_members m JOIN accounts a ON a.id = m.account_id "
                                                               "WHERE m.group_id = ? ORDER BY m.role, m.joined_at, m.account_id",
                                                         error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, group_id);
  while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    {
      XgServerGroupMember *member = g_new0 (XgServerGroupMember, 1);

      member->id = (guint64) sqlite3_column_int64 (stmt, 0);
      member->role = (guint8) sqlite3_column_int (stmt, 1);
      member->nickname = xg_server_store_sqlite_column_text (stmt, 2);
      g_ptr_array_add (out, member);
    }
  sqlite3_reset (stmt);
  return !failed (error);
}

static gboolean
conversation_of (XgServerStoreSqlite  *self,
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
  *last_seq = has_row ? (guint64) sqlite3_column_int64 (stmt, 1) : 0;
  sqlite3_reset (stmt);
  if (!has_row)
    {
      g_set_error (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_CORRUPT,
                   "Group %" G_GUINT64_FORMAT " has no conversation", group_id);
      return FALSE;
    }
  return TRUE;
}

/* Whether the group has room for @account_id, which is in how many groups. */
static gboolean
has_room (XgServerStoreSqlite       *self,
          const XgServerGroup       *group,
          guint64                    account_id,
          const XgServerGroupRules  *rules,
          gboolean                  *room,
          GError                   **error)
{
  gint64 groups;

  if (!query_int (self, "SELECT count(*) FROM group_members WHERE account_id = ?", account_id, 0, 0, &groups, error))
    return FALSE;
  *room = group->member_count < rules->max_members && groups < rules->max_groups;
  return TRUE;
}

static gboolean
set_member_count (XgServerStoreSqlite  *self,
                  guint64               group_id,
                  GError              **error)
{
  return run_ids (self, "UPDATE groups SET member_count = "
                        "(SELECT count(*) FROM group_members WHERE group_id = ?1) WHERE id = ?1",
                  group_id, 0, error);
}

/* @account_id joins as @role: its membership from the conversation's
 * head, its cursor there; its pending request and invitations to the
 * group are done with. */
static gboolean
add_member (XgServerStoreSqlite       *self,
            guint64                    group_id,
            guint64                    account_id,
            guint8                     role,
            const XgServerGroupRules  *rules,
            GError                   **error)
{
  sqlite3_stmt *stmt;
  gint64 conversation;
  guint64 last_seq;

  if (!conversation_of (self, group_id, &conversation, &last_seq, error))
    return FALSE;

  stmt = xg_server_store_sqlite_statement (self, "INSERT INTO group_members (group_id, account_id, role, joined_at, joined_seq) "
                                                 "VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, group_id);
  xg_server_store_sqlite_bind_id (stmt, 2, account_id);
  sqlite3_bind_int (stmt, 3, role);
  sqlite3_bind_int64 (stmt, 4, rules->now_us);
  sqlite3_bind_int64 (stmt, 5, (gint64) last_seq);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;

  /* Delivered from its joining on (docs/PROTOCOL.md 7.6). */
  stmt = xg_server_store_sqlite_statement (self, "INSERT OR REPLACE INTO cursors (account_id, conversation_id, received, last_sent) "
                                                 "VALUES (?, ?, ?, 0)", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, conversation);
  sqlite3_bind_int64 (stmt, 3, (gint64) last_seq);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;

  return run_ids (self, "DELETE FROM group_join_requests WHERE group_id = ? AND applicant_id = ? AND state = 0",
                  group_id, account_id, error) &&
         run_ids (self, "DELETE FROM group_invites WHERE group_id = ? AND invitee_id = ?",
                  group_id, account_id, error) &&
         set_member_count (self, group_id, error);
}

/* @account_id is no longer a member: its cursor goes with it, and the
 * invitations it made to the group. */
static gboolean
drop_member (XgServerStoreSqlite  *self,
             guint64               group_id,
             guint64               account_id,
             GError              **error)
{
  gint64 conversation;
  guint64 last_seq;

  if (!conversation_of (self, group_id, &conversation, &last_seq, error))
    return FALSE;
  return run_ids (self, "DELETE FROM group_members WHERE group_id = ? AND account_id = ?",
                  group_id, account_id, error) &&
         run_ids (self, "DELETE FROM cursors WHERE account_id = ? AND conversation_id = ?",
                  account_id, (guint64) conversation, error) &&
         run_ids (self, "DELETE FROM group_invites WHERE group_id = ? AND inviter_id = ?",
                  group_id, account_id, error) &&
         set_member_count (self, group_id, error);
}

static gboolean
set_role (XgServerStoreSqlite  *self,
          guint64               group_id,
          guint64               account_id,
          guint8                role,
          GError              **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "UPDATE group_members SET role = ? "
                                                               "WHERE group_id = ? AND account_id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, role);
  xg_server_store_sqlite_bind_id (stmt, 2, group_id);
  xg_server_store_sqlite_bind_id (stmt, 3, account_id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  if (role == XG_PROTO_GROUP_ROLE_OWNER)
    return run_ids (self, "UPDATE groups SET owner_id = ?2 WHERE id = ?1", group_id, account_id, error);
  return TRUE;
}

/* The group goes, and its conversation with every message and cursor. */
static gboolean
delete_group (XgServerStoreSqlite  *self,
              guint64               group_id,
              GError              **error)
{
  return run_ids (self, "DELETE FROM conversations WHERE kind = 1 AND a = ? AND b = 0", group_id, 0, error) &&
         run_ids (self, "DELETE FROM groups WHERE id = ?", group_id, 0, error);
}

static void
add_event (XgServerGroupChange *change,
           guint64              member_id,
           guint8               event,
           guint8               role,
           const char          *nickname,
           guint64              actor_id)
{
  XgServerGroupEvent *e = g_new0 (XgServerGroupEvent, 1);

  e->member_id = member_id;
  e->event = event;
  e->role = role;
  e->nickname = g_strdup (nickname ? nickname : "");
  e->actor_id = actor_id;
  g_ptr_array_add (change->events, e);
}

static const char *
member_nickname (GPtrArray *members,
                 guint64    id)
{
  for (guint i = 0; i < members->len; i++)
    if (((XgServerGroupMember *) members->pdata[i])->id == id)
      return ((XgServerGroupMember *) members->pdata[i])->nickname;
  return "";
}

/* The group, its members and the actor's role as they are now. */
static gboolean
fill (XgServerStoreSqlite  *self,
      guint64               group_id,
      XgServerGroupChange  *change,
      GError              **error)
{
  g_clear_pointer (&change->group, xg_server_group_free);
  g_ptr_array_set_size (change->members, 0);
  change->actor_role = 0;

  change->group = read_group (self, group_id, error);
  if (failed (error))
    return FALSE;
  if (change->group == NULL)
    return TRUE;
  if (!list_members (self, group_id, change->members, error))
    return FALSE;
  for (guint i = 0; i < change->members->len; i++)
    {
      XgServerGroupMember *member = change->members->pdata[i];

      if (member->id == change->actor_id)
        change->actor_role = member->role;
    }
  if (change->actor_nickname == NULL)
    change->actor_nickname = nickname_of (self, change->actor_id, error);
  return !failed (error);
}

static gboolean
refuse (XgServerGroupChange *change,
        XgServerGroupStatus  status,
        const char          *message)
{
  change->status = status;
  change->message = message;
  return TRUE;
}

/* Whether @applicant_id's request to the group waits; its time in *created_at. */
static gboolean
request_pending (XgServerStoreSqlite       *self,
                 guint64                    group_id,
                 guint64                    applicant_id,
                 const XgServerGroupRules  *rules,
                 gboolean                  *yes,
                 gint64                    *created_at,
                 GError                   **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT created_at FROM group_join_requests "
                                                               "WHERE group_id = ? AND applicant_id = ? "
                                                               "AND state = 0 AND created_at > ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, group_id);
  xg_server_store_sqlite_bind_id (stmt, 2, applicant_id);
  sqlite3_bind_int64 (stmt, 3, rules->deadline);
  if (!xg_server_store_sqlite_step_row (self, stmt, yes, error))
    return FALSE;
  if (*yes && created_at != NULL)
    *created_at = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

/* Whether @inviter_id's invitation of @invitee_id waits, the inviter still a member. */
static gboolean
invite_pending (XgServerStoreSqlite       *self,
                guint64                    group_id,
                guint64                    invitee_id,
                guint64                    inviter_id,
                const XgServerGroupRules  *rules,
                gboolean                  *yes,
                gint64                    *created_at,
                GError                   **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT i.created_at FROM group_invites i "
                                                               "JOIN group_members m ON m.group_id = i.group_id "
                                                               "AND m.account_id = i.inviter_id "
                                                               "WHERE i.group_id = ? AND i.invitee_id = ? "
                                                               "AND i.inviter_id = ? AND i.created_at > ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, group_id);
  xg_server_store_sqlite_bind_id (stmt, 2, invitee_id);
  xg_server_store_sqlite_bind_id (stmt, 3, inviter_id);
  sqlite3_bind_int64 (stmt, 4, rules->deadline);
  if (!xg_server_store_sqlite_step_row (self, stmt, yes, error))
    return FALSE;
  if (*yes && created_at != NULL)
    *created_at = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

/* --- Requests ------------------------------------------------------------ */

static gboolean
do_create (XgServerStoreSqlite       *self,
           const XgServerGroupAsk    *ask,
           const XgServerGroupRules  *rules,
           XgServerGroupChange       *change,
           GError                   **error)
{
  g_autoptr(GVariant) avatar = g_variant_lookup_value (ask->info, "avatar", G_VARIANT_TYPE_BYTESTRING);
  const char *name = "", *description = "";
  gint64 owned, groups;
  sqlite3_stmt *stmt;
  guint64 group_id;

  if (!query_int (self, "SELECT count(*) FROM groups WHERE owner_id = ?", ask->actor_id, 0, 0, &owned, error) ||
      !query_int (self, "SELECT count(*) FROM group_members WHERE account_id = ?", ask->actor_id, 0, 0, &groups, error))
    return FALSE;
  if (owned >= rules->max_owned)
    return refuse (change, XG_SERVER_GROUPS_LIMIT, "You own the most groups this server allows");
  if (groups >= rules->max_groups)
    return refuse (change, XG_SERVER_GROUPS_LIMIT, "You are in the most groups this server allows");

  g_variant_lookup (ask->info, "name", "&s", &name);
  g_variant_lookup (ask->info, "description", "&s", &description);
  stmt = xg_server_store_sqlite_statement (self, "INSERT INTO groups (id, name, description, avatar, revision, owner_id, "
                                                 "member_count, created_at) VALUES ("
                                                 "coalesce((SELECT seq + 1 FROM sqlite_sequence WHERE name = 'groups'), 100000000), "
                                                 "?, ?, ?, 1, ?, 0, ?)", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_text (stmt, 1, name);
  xg_server_store_sqlite_bind_text (stmt, 2, description);
  if (avatar != NULL && g_variant_get_size (avatar) > 0)
    sqlite3_bind_blob (stmt, 3, g_variant_get_data (avatar), (int) g_variant_get_size (avatar), SQLITE_TRANSIENT);
  else
    sqlite3_bind_zeroblob (stmt, 3, 0);
  xg_server_store_sqlite_bind_id (stmt, 4, ask->actor_id);
  sqlite3_bind_int64 (stmt, 5, rules->now);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  group_id = (guint64) sqlite3_last_insert_rowid (self->db);

  if (!run_ids (self, "INSERT INTO conversations (kind, a, b) VALUES (1, ?, 0)", group_id, 0, error) ||
      !add_member (self, group_id, ask->actor_id, XG_PROTO_GROUP_ROLE_OWNER, rules, error))
    return FALSE;
  change->status = XG_SERVER_GROUPS_OK;
  return fill (self, group_id, change, error);
}

static gboolean
do_join_request (XgServerStoreSqlite       *self,
                 const XgServerGroupAsk    *ask,
                 const XgServerGroupRules  *rules,
                 XgServerGroupChange       *change,
                 GError                   **error)
{
  gboolean yes, room;
  sqlite3_stmt *stmt;

  if (!fill (self, ask->group_id, change, error))
    return FALSE;
  if (change->group == NULL)
    return refuse (change, XG_SERVER_GROUPS_NOT_FOUND, "There is no such group");
  if (change->actor_role != 0)
    return refuse (change, XG_SERVER_GROUPS_INVALID, "You are a member of that group already");
  if (!request_pending (self, ask->group_id, ask->actor_id, rules, &yes, &change->created_at, error))
    return FALSE;
  if (yes)
    return refuse (change, XG_SERVER_GROUPS_REPEATED, "Your request to join that group waits for an answer already");
  if (!has_room (self, change->group, ask->actor_id, rules, &room, error))
    return FALSE;
  if (!room)
    return refuse (change, XG_SERVER_GROUPS_LIMIT, "The group is full, or you are in the most groups this server allows");

  /* Replaces an outcome nobody took, or an expiry not marked yet. */
  stmt = xg_server_store_sqlite_statement (self, "INSERT OR REPLACE INTO group_join_requests "
                                                 "(group_id, applicant_id, reason, created_at, state, decided_by, "
                                                 "reject_reason, decided_at) VALUES (?, ?, ?, ?, 0, 0, '', 0)", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, ask->group_id);
  xg_server_store_sqlite_bind_id (stmt, 2, ask->actor_id);
  xg_server_store_sqlite_bind_text (stmt, 3, ask->text);
  sqlite3_bind_int64 (stmt, 4, rules->now);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  change->status = XG_SERVER_GROUPS_OK;
  change->created_at = rules->now;
  return TRUE;
}

/* APPROVE and REJECT: the first answer decides. */
static gboolean
do_decide (XgServerStoreSqlite       *self,
           const XgServerGroupAsk    *ask,
           const XgServerGroupRules  *rules,
           XgServerGroupChange       *change,
           GError                   **error)
{
  gboolean approve = ask->action == XG_SERVER_GROUP_APPROVE;
  gboolean yes, room;
  sqlite3_stmt *stmt;

  if (!fill (self, ask->group_id, change, error))
    return FALSE;
  if (change->group == NULL || change->actor_role == 0 || change->actor_role == XG_PROTO_GROUP_ROLE_MEMBER)
    return refuse (change, XG_SERVER_GROUPS_DENIED, "Only the group's owner and admins answer join requests");
  if (!request_pending (self, ask->group_id, ask->other_id, rules, &yes, NULL, error))
    return FALSE;
  if (!yes)
    return refuse (change, XG_SERVER_GROUPS_INVALID, "No join request from that account waits");
  if (approve)
    {
      if (!has_room (self, change->group, ask->other_id, rules, &room, error))
        return FALSE;
      if (!room)
        return refuse (change, XG_SERVER_GROUPS_LIMIT,
                       "The group is full, or the applicant is in the most groups this server allows");
    }

  stmt = xg_server_store_sqlite_statement (self, "UPDATE group_join_requests SET state = ?, decided_by = ?, "
                                                 "reject_reason = ?, decided_at = ? "
                                                 "WHERE group_id = ? AND applicant_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int (stmt, 1, approve ? STATE_APPROVED : STATE_REJECTED);
  xg_server_store_sqlite_bind_id (stmt, 2, ask->actor_id);
  xg_server_store_sqlite_bind_text (stmt, 3, approve ? "" : ask->text);
  sqlite3_bind_int64 (stmt, 4, rules->now_us);
  xg_server_store_sqlite_bind_id (stmt, 5, ask->group_id);
  xg_server_store_sqlite_bind_id (stmt, 6, ask->other_id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  change->status = XG_SERVER_GROUPS_OK;
  change->decided_at = rules->now_us;
  if (!approve)
    return TRUE;

  if (!add_member (self, ask->group_id, ask->other_id, XG_PROTO_GROUP_ROLE_MEMBER, rules, error) ||
      !fill (self, ask->group_id, change, error))
    return FALSE;
  change->joined_id = ask->other_id;
  add_event (change, ask->other_id, XG_PROTO_GROUP_EVENT_JOINED, XG_PROTO_GROUP_ROLE_MEMBER,
             member_nickname (change->members, ask->other_id), ask->other_id);
  return TRUE;
}

static gboolean
do_leave_or_remove (XgServerStoreSqlite       *self,
                    const XgServerGroupAsk    *ask,
                    XgServerGroupChange       *change,
                    GError                   **error)
{
  gboolean leave = ask->action == XG_SERVER_GROUP_LEAVE;
  guint64 subject = leave ? ask->actor_id : ask->other_id;
  g_autofree char *nickname = NULL;
  guint8 role = 0;

  if (!fill (self, ask->group_id, change, error))
    return FALSE;
  if (change->group == NULL || change->actor_role == 0)
    return refuse (change, XG_SERVER_GROUPS_DENIED, "You are not a member of that group");
  if (leave && change->actor_role == XG_PROTO_GROUP_ROLE_OWNER)
    return refuse (change, XG_SERVER_GROUPS_DENIED, "The owner cannot leave: transfer the group or disband it");
  if (!leave)
    {
      if (subject == ask->actor_id)
        return refuse (change, XG_SERVER_GROUPS_DENIED, "To leave a group, use leave");
      if (change->actor_role == XG_PROTO_GROUP_ROLE_MEMBER)
        return refuse (change, XG_SERVER_GROUPS_DENIED, "Only the group's owner and admins remove members");
      if (!role_of (self, ask->group_id, subject, &role, error))
        return FALSE;
      if (role == 0)
        return refuse (change, XG_SERVER_GROUPS_INVALID, "That account is not a member of the group");
      if (change->actor_role == XG_PROTO_GROUP_ROLE_ADMIN && role != XG_PROTO_GROUP_ROLE_MEMBER)
        return refuse (change, XG_SERVER_GROUPS_DENIED, "An admin removes only plain members");
    }

  nickname = g_strdup (member_nickname (change->members, subject));
  if (!drop_member (self, ask->group_id, subject, error) || !fill (self, ask->group_id, change, error))
    return FALSE;
  change->status = XG_SERVER_GROUPS_OK;
  g_array_append_val (change->removed, subject);
  change->removed_reason = leave ? XG_PROTO_GROUP_REMOVED_LEFT : XG_PROTO_GROUP_REMOVED_REMOVED;
  add_event (change, subject, leave ? XG_PROTO_GROUP_EVENT_LEFT : XG_PROTO_GROUP_EVENT_REMOVED, 0,
             nickname, ask->actor_id);
  return TRUE;
}

static gboolean
do_role_set (XgServerStoreSqlite       *self,
             const XgServerGroupAsk    *ask,
             XgServerGroupChange       *change,
             GError                   **error)
{
  guint8 role = 0;

  if (!fill (self, ask->group_id, change, error))
    return FALSE;
  if (change->group == NULL || change->actor_role != XG_PROTO_GROUP_ROLE_OWNER)
    return refuse (change, XG_SERVER_GROUPS_DENIED, "Only the group's owner sets roles");
  if (ask->role != XG_PROTO_GROUP_ROLE_ADMIN && ask->role != XG_PROTO_GROUP_ROLE_MEMBER)
    return refuse (change, XG_SERVER_GROUPS_INVALID, "A role is ADMIN or MEMBER");
  if (ask->other_id == ask->actor_id)
    return refuse (change, XG_SERVER_GROUPS_INVALID, "The owner's role changes only with a transfer");
  if (!role_of (self, ask->group_id, ask->other_id, &role, error))
    return FALSE;
  if (role == 0)
    return refuse (change, XG_SERVER_GROUPS_INVALID, "That account is not a member of the group");

  change->status = XG_SERVER_GROUPS_OK;
  if (role == ask->role)
    return TRUE;
  if (!set_role (self, ask->group_id, ask->other_id, ask->role, error) || !fill (self, ask->group_id, change, error))
    return FALSE;
  add_event (change, ask->other_id, XG_PROTO_GROUP_EVENT_ROLE_CHANGED, ask->role,
             member_nickname (change->members, ask->other_id), ask->actor_id);
  return TRUE;
}

static gboolean
do_transfer (XgServerStoreSqlite       *self,
             const XgServerGroupAsk    *ask,
             XgServerGroupChange       *change,
             GError                   **error)
{
  guint8 role = 0;

  if (!fill (self, ask->group_id, change, error))
    return FALSE;
  if (change->group == NULL || change->actor_role != XG_PROTO_GROUP_ROLE_OWNER)
    return refuse (change, XG_SERVER_GROUPS_DENIED, "Only the group's owner transfers it");
  if (!role_of (self, ask->group_id, ask->other_id, &role, error))
    return FALSE;
  if (role == 0)
    return refuse (change, XG_SERVER_GROUPS_INVALID, "That account is not a member of the group");
  if (ask->other_id == ask->actor_id)
    return refuse (change, XG_SERVER_GROUPS_INVALID, "You own the group already");

  if (!set_role (self, ask->group_id, ask->other_id, XG_PROTO_GROUP_ROLE_OWNER, error) ||
      !set_role (self, ask->group_id, ask->actor_id, XG_PROTO_GROUP_ROLE_ADMIN, error) ||
      !fill (self, ask->group_id, change, error))
    return FALSE;
  change->status = XG_SERVER_GROUPS_OK;
  add_event (change, ask->other_id, XG_PROTO_GROUP_EVENT_ROLE_CHANGED, XG_PROTO_GROUP_ROLE_OWNER,
             member_nickname (change->members, ask->other_id), ask->actor_id);
  add_event (change, ask->actor_id, XG_PROTO_GROUP_EVENT_ROLE_CHANGED, XG_PROTO_GROUP_ROLE_ADMIN,
             change->actor_nickname, ask->actor_id);
  return TRUE;
}

static gboolean
do_update (XgServerStoreSqlite       *self,
           const XgServerGroupAsk    *ask,
           XgServerGroupChange       *change,
           GError                   **error)
{
  g_autoptr(GVariant) avatar = g_variant_lookup_value (ask->info, "avatar", G_VARIANT_TYPE_BYTESTRING);
  const char *name = NULL, *description = NULL;
  sqlite3_stmt *stmt;

  if (!fill (self, ask->group_id, change, error))
    return FALSE;
  if (change->group == NULL || change->actor_role == 0 || change->actor_role == XG_PROTO_GROUP_ROLE_MEMBER)
    return refuse (change, XG_SERVER_GROUPS_DENIED, "Only the group's owner and admins edit its info");

  change->status = XG_SERVER_GROUPS_OK;
  if (g_variant_n_children (ask->info) == 0)
    return TRUE;
  g_variant_lookup (ask->info, "name", "&s", &name);
  g_variant_lookup (ask->info, "description", "&s", &description);
  stmt = xg_server_store_sqlite_statement (self, "UPDATE groups SET name = coalesce(?, name), "
                                                 "description = coalesce(?, description), "
                                                 "avatar = coalesce(?, avatar), revision = revision + 1 "
                                                 "WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  if (name != NULL)
    xg_server_store_sqlite_bind_text (stmt, 1, name);
  else
    sqlite3_bind_null (stmt, 1);
  if (description != NULL)
    xg_server_store_sqlite_bind_text (stmt, 2, description);
  else
    sqlite3_bind_null (stmt, 2);
  if (avatar != NULL && g_variant_get_size (avatar) > 0)
    sqlite3_bind_blob (stmt, 3, g_variant_get_data (avatar), (int) g_variant_get_size (avatar), SQLITE_TRANSIENT);
  else if (avatar != NULL)
    sqlite3_bind_zeroblob (stmt, 3, 0);
  else
    sqlite3_bind_null (stmt, 3);
  xg_server_store_sqlite_bind_id (stmt, 4, ask->group_id);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  return fill (self, ask->group_id, change, error);
}

static gboolean
do_disband (XgServerStoreSqlite       *self,
            const XgServerGroupAsk    *ask,
            XgServerGroupChange       *change,
            GError                   **error)
{
  if (!fill (self, ask->group_id, change, error))
    return FALSE;
  if (change->group == NULL || change->actor_role != XG_PROTO_GROUP_ROLE_OWNER)
    return refuse (change, XG_SERVER_GROUPS_DENIED, "Only the group's owner disbands it");

  for (guint i = 0; i < change->members->len; i++)
    g_array_append_val (change->removed, ((XgServerGroupMember *) change->members->pdata[i])->id);
  change->removed_reason = XG_PROTO_GROUP_REMOVED_DISBANDED;
  change->status = XG_SERVER_GROUPS_OK;
  g_ptr_array_set_size (change->members, 0);
  change->actor_role = 0;
  return delete_group (self, ask->group_id, error);
}

static gboolean
do_invite (XgServerStoreSqlite       *self,
           const XgServerGroupAsk    *ask,
           const XgServerGroupRules  *rules,
           XgServerGroupChange       *change,
           GError                   **error)
{
  gboolean yes;
  guint8 role = 0;
  sqlite3_stmt *stmt;

  if (!fill (self, ask->group_id, change, error))
    return FALSE;
  if (change->group == NULL || change->actor_role == 0)
    return refuse (change, XG_SERVER_GROUPS_DENIED, "You are not a member of that group");
  if (!xg_server_store_sqlite_are_friends (self, ask->actor_id, ask->other_id, &yes, error))
    return FALSE;
  if (!yes)
    return refuse (change, XG_SERVER_GROUPS_DENIED, "You invite only your friends");
  if (!role_of (self, ask->group_id, ask->other_id, &role, error))
    return FALSE;
  if (role != 0)
    return refuse (change, XG_SERVER_GROUPS_INVALID, "That account is a member of the group already");
  if (!invite_pending (self, ask->group_id, ask->other_id, ask->actor_id, rules, &yes, &change->created_at, error))
    return FALSE;
  if (yes)
    return refuse (change, XG_SERVER_GROUPS_REPEATED, "You have invited that friend to the group already");

  stmt = xg_server_store_sqlite_statement (self, "INSERT OR REPLACE INTO group_invites (group_id, invitee_id, inviter_id, created_at) "
                                                 "VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, ask->group_id);
  xg_server_store_sqlite_bind_id (stmt, 2, ask->other_id);
  xg_server_store_sqlite_bind_id (stmt, 3, ask->actor_id);
  sqlite3_bind_int64 (stmt, 4, rules->now);
  if (!xg_server_store_sqlite_step_done (self, stmt, error))
    return FALSE;
  change->status = XG_SERVER_GROUPS_OK;
  change->created_at = rules->now;
  return TRUE;
}

static gboolean
do_invite_answer (XgServerStoreSqlite       *self,
                  const XgServerGroupAsk    *ask,
                  const XgServerGroupRules  *rules,
                  XgServerGroupChange       *change,
                  GError                   **error)
{
  gboolean yes, room;

  if (!fill (self, ask->group_id, change, error))
    return FALSE;
  if (change->group == NULL)
    return refuse (change, XG_SERVER_GROUPS_INVALID, "No invitation from that account to that group waits");
  if (!invite_pending (self, ask->group_id, ask->actor_id, ask->other_id, rules, &yes, NULL, error))
    return FALSE;
  if (!yes || change->actor_role != 0)
    return refuse (change, XG_SERVER_GROUPS_INVALID, "No invitation from that account to that group waits");

  if (ask->action == XG_SERVER_GROUP_INVITE_DECLINE)
    {
      sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "DELETE FROM group_invites "
                                                                   "WHERE group_id = ? AND invitee_id = ? AND inviter_id = ?",
                                                             error);

      if (stmt == NULL)
        return FALSE;
      xg_server_store_sqlite_bind_id (stmt, 1, ask->group_id);
      xg_server_store_sqlite_bind_id (stmt, 2, ask->actor_id);
      xg_server_store_sqlite_bind_id (stmt, 3, ask->other_id);
      change->status = XG_SERVER_GROUPS_OK;
      return xg_server_store_sqlite_step_done (self, stmt, error);
    }

  if (!has_room (self, change->group, ask->actor_id, rules, &room, error))
    return FALSE;
  if (!room)
    return refuse (change, XG_SERVER_GROUPS_LIMIT, "The group is full, or you are in the most groups this server allows");
  if (!add_member (self, ask->group_id, ask->actor_id, XG_PROTO_GROUP_ROLE_MEMBER, rules, error) ||
      !fill (self, ask->group_id, change, error))
    return FALSE;
  change->status = XG_SERVER_GROUPS_OK;
  change->joined_id = ask->actor_id;
  add_event (change, ask->actor_id, XG_PROTO_GROUP_EVENT_JOINED, XG_PROTO_GROUP_ROLE_MEMBER,
             change->actor_nickname, ask->actor_id);
  return TRUE;
}

static gboolean
sqlite_act (XgServerStoreGroups       *store,
            const XgServerGroupAsk    *ask,
            const XgServerGroupRules  *rules,
            XgServerGroupChange       *change,
            GError                   **error)
{
  XgServerStoreSqlite *self = SELF (store);

  switch (ask->action)
    {
    case XG_SERVER_GROUP_CREATE:
      return do_create (self, ask, rules, change, error);
    case XG_SERVER_GROUP_LOOKUP:
      if (!fill (self, ask->group_id, change, error))
        return FALSE;
      if (change->group == NULL)
        return refuse (change, XG_SERVER_GROUPS_NOT_FOUND, "There is no such group");
      return refuse (change, XG_SERVER_GROUPS_OK, NULL);
    case XG_SERVER_GROUP_INFO:
    case XG_SERVER_GROUP_MEMBERS:
      if (!fill (self, ask->group_id, change, error))
        return FALSE;
      if (change->group == NULL || change->actor_role == 0)
        return refuse (change, XG_SERVER_GROUPS_DENIED, "You are not a member of that group");
      return refuse (change, XG_SERVER_GROUPS_OK, NULL);
    case XG_SERVER_GROUP_JOIN_REQUEST:
      return do_join_request (self, ask, rules, change, error);
    case XG_SERVER_GROUP_APPROVE:
    case XG_SERVER_GROUP_REJECT:
      return do_decide (self, ask, rules, change, error);
    case XG_SERVER_GROUP_LEAVE:
    case XG_SERVER_GROUP_REMOVE:
      return do_leave_or_remove (self, ask, change, error);
    case XG_SERVER_GROUP_ROLE_SET:
      return do_role_set (self, ask, change, error);
    case XG_SERVER_GROUP_TRANSFER:
      return do_transfer (self, ask, change, error);
    case XG_SERVER_GROUP_UPDATE:
      return do_update (self, ask, change, error);
    case XG_SERVER_GROUP_DISBAND:
      return do_disband (self, ask, change, error);
    case XG_SERVER_GROUP_INVITE:
      return do_invite (self, ask, rules, change, error);
    case XG_SERVER_GROUP_INVITE_ACCEPT:
    case XG_SERVER_GROUP_INVITE_DECLINE:
    default:
      return do_invite_answer (self, ask, rules, change, error);
    }
}

/* --- Login sync ---------------------------------------------------------- */

/* Join requests or invitations for @account_id, by @sql: group id, other
 * account, its nickname, group name, group avatar, reason, time. */
static gboolean
list_pending (XgServerStoreSqlite       *self,
              const char                *sql,
              guint64                    account_id,
              const XgServerGroupRules  *rules,
              GPtrArray                 *out,
              GError                   **error)
{
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, sql, error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, rules->deadline);
  while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    {
      XgServerGroupPending *pending = g_new0 (XgServerGroupPending, 1);

      pending->group_id = (guint64) sqlite3_column_int64 (stmt, 0);
      pending->account_id = (guint64) sqlite3_column_int64 (stmt, 1);
      pending->nickname = xg_server_store_sqlite_column_text (stmt, 2);
      pending->name = xg_server_store_sqlite_column_text (stmt, 3);
      pending->avatar = column_bytes (stmt, 4);
      pending->reason = xg_server_store_sqlite_column_text (stmt, 5);
      pending->created_at = sqlite3_column_int64 (stmt, 6);
      g_ptr_array_add (out, pending);
    }
  sqlite3_reset (stmt);
  return !failed (error);
}

/* Whether @account_id has any join request row (pending or an outcome)
 * and any invitation: one statement, where the reads it spares would be
 * three, each with its cursors and sorter, that find nothing at most
 * logins. */
static gboolean
probe_pending (XgServerStoreSqlite  *self,
               guint64               account_id,
               gboolean             *any_requests,
               gboolean             *any_invites,
               GError              **error)
{
  return xg_server_store_sqlite_probe (self, "SELECT EXISTS (SELECT 1 FROM group_join_requests WHERE applicant_id = ?1), "
                                             "EXISTS (SELECT 1 FROM group_invites WHERE invitee_id = ?1)",
                                       account_id, any_requests, any_invites, error);
}

static gboolean
sqlite_sync (XgServerStoreGroups       *store,
             guint64                    account_id,
             const XgServerGroupRules  *rules,
             XgServerGroupSync         *sync,
             GError                   **error)
{
  XgServerStoreSqlite *self = SELF (store);
  sqlite3_stmt *stmt;
  gboolean has_row, any_requests, any_invites, answers = FALSE;

  stmt = xg_server_store_sqlite_statement (self, "SELECT g.id, m.role, g.revision, g.member_count, coalesce(c.last_seq, 0) "
                                                 "FROM group_members m JOIN groups g ON g.id = m.group_id "
                                                 "LEFT JOIN conversations c ON c.kind = 1 AND c.a = g.id AND c.b = 0 "
                                                 "WHERE m.account_id = ? ORDER BY m.joined_at, m.group_id", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    {
      XgServerGroupEntry entry = {
        .group_id = (guint64) sqlite3_column_int64 (stmt, 0),
        .role = (guint8) sqlite3_column_int (stmt, 1),
        .revision = (guint) sqlite3_column_int64 (stmt, 2),
        .member_count = (guint) sqlite3_column_int64 (stmt, 3),
        .last_seq = (guint64) sqlite3_column_int64 (stmt, 4),
      };

      g_array_append_val (sync->groups, entry);
      answers |= entry.role <= XG_PROTO_GROUP_ROLE_ADMIN;
    }
  sqlite3_reset (stmt);
  if (failed (error))
    return FALSE;

  /* Requests wait for this account's answer only in a group it owns or
   * administers (the memberships just read); its own requests, outcomes
   * and invitations only if the probe found any. */
  if (!probe_pending (self, account_id, &any_requests, &any_invites, error))
    return FALSE;
  if ((answers && !list_pending (self, "SELECT r.group_id, r.applicant_id, a.nickname, g.name, g.avatar, r.reason, r.created_at "
                           "FROM group_members m JOIN group_join_requests r ON r.group_id = m.group_id "
                           "JOIN groups g ON g.id = r.group_id JOIN accounts a ON a.id = r.applicant_id "
                           "WHERE m.account_id = ? AND m.role <= 2 AND r.state = 0 AND r.created_at > ? "
                           "ORDER BY r.created_at, r.group_id, r.applicant_id",
                     account_id, rules, sync->incoming, error)) ||
      (any_requests && !list_pending (self, "SELECT r.group_id, r.applicant_id, a.nickname, g.name, g.avatar, r.reason, r.created_at "
                           "FROM group_join_requests r JOIN groups g ON g.id = r.group_id "
                           "JOIN accounts a ON a.id = r.applicant_id "
                           "WHERE r.applicant_id = ? AND r.state = 0 AND r.created_at > ? "
                           "ORDER BY r.created_at, r.group_id",
                     account_id, rules, sync->outgoing, error)) ||
      (any_invites && !list_pending (self, "SELECT i.group_id, i.inviter_id, a.nickname, g.name, g.avatar, '', i.created_at "
                           "FROM group_invites i JOIN groups g ON g.id = i.group_id "
                           "JOIN accounts a ON a.id = i.inviter_id "
                           "JOIN group_members m ON m.group_id = i.group_id AND m.account_id = i.inviter_id "
                           "WHERE i.invitee_id = ? AND i.created_at > ? "
                           "ORDER BY i.created_at, i.group_id, i.inviter_id",
                     account_id, rules, sync->invites, error)))
    return FALSE;
  if (!any_requests)
    return TRUE;

  stmt = xg_server_store_sqlite_statement (self, "SELECT group_id, state, reject_reason, decided_at FROM group_join_requests "
                                                 "WHERE applicant_id = ? AND state <> 0 ORDER BY decided_at, group_id", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    {
      XgServerGroupOutcome *outcome = g_new0 (XgServerGroupOutcome, 1);

      outcome->group_id = (guint64) sqlite3_column_int64 (stmt, 0);
      outcome->state = (guint) sqlite3_column_int (stmt, 1);
      outcome->reason = xg_server_store_sqlite_column_text (stmt, 2);
      outcome->decided_at = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (sync->outcomes, outcome);
    }
  sqlite3_reset (stmt);
  if (failed (error))
    return FALSE;
  for (guint i = 0; i < sync->outcomes->len; i++)
    {
      XgServerGroupOutcome *outcome = sync->outcomes->pdata[i];

      outcome->group = read_group (self, outcome->group_id, error);
      if (failed (error))
        return FALSE;
    }

  /* Read once, delivered once: the outcomes go with this transaction
   * (the query has the DELETE's condition: none read, none to delete). */
  if (sync->outcomes->len == 0)
    return TRUE;
  return run_ids (self, "DELETE FROM group_join_requests WHERE applicant_id = ? AND state <> 0", account_id, 0, error);
}

/* --- Expiry -------------------------------------------------------------- */

static gboolean
sqlite_expire (XgServerStoreGroups       *store,
               const XgServerGroupRules  *rules,
               guint                      limit,
               GPtrArray                 *expired,
               GError                   **error)
{
  XgServerStoreSqlite *self = SELF (store);
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "SELECT group_id, applicant_id FROM group_join_requests "
                                                               "WHERE state = 0 AND created_at <= ? "
                                                               "ORDER BY created_at LIMIT ?", error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rules->deadline);
  sqlite3_bind_int64 (stmt, 2, limit);
  while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    {
      XgServerGroupExpired *request = g_new0 (XgServerGroupExpired, 1);

      request->group_id = (guint64) sqlite3_column_int64 (stmt, 0);
      request->applicant_id = (guint64) sqlite3_column_int64 (stmt, 1);
      request->decided_at = rules->now_us;
      request->deciders = g_array_new (FALSE, FALSE, sizeof (guint64));
      g_ptr_array_add (expired, request);
    }
  sqlite3_reset (stmt);
  if (failed (error))
    return FALSE;

  for (guint i = 0; i < expired->len; i++)
    {
      XgServerGroupExpired *request = expired->pdata[i];

      stmt = xg_server_store_sqlite_statement (self, "UPDATE group_join_requests SET state = 3, decided_at = ? "
                                                     "WHERE group_id = ? AND applicant_id = ?", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, rules->now_us);
      xg_server_store_sqlite_bind_id (stmt, 2, request->group_id);
      xg_server_store_sqlite_bind_id (stmt, 3, request->applicant_id);
      if (!xg_server_store_sqlite_step_done (self, stmt, error))
        return FALSE;

      stmt = xg_server_store_sqlite_statement (self, "SELECT account_id FROM group_members "
                                                     "WHERE group_id = ? AND role <= 2", error);
      if (stmt == NULL)
        return FALSE;
      xg_server_store_sqlite_bind_id (stmt, 1, request->group_id);
      while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
        {
          guint64 id = (guint64) sqlite3_column_int64 (stmt, 0);

          g_array_append_val (request->deciders, id);
        }
      sqlite3_reset (stmt);
      if (failed (error))
        return FALSE;
    }

  /* An invitation nobody answered just goes: the inviter is never told. */
  stmt = xg_server_store_sqlite_statement (self, "DELETE FROM group_invites WHERE created_at <= ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rules->deadline);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

/* Only the outcome that was pushed: a newer request of the same
 * applicant to the group, made since, stays. */
static gboolean
sqlite_forget_outcome (XgServerStoreGroups  *store,
                       guint64               group_id,
                       guint64               applicant_id,
                       gint64                decided_at,
                       GError              **error)
{
  XgServerStoreSqlite *self = SELF (store);
  sqlite3_stmt *stmt = xg_server_store_sqlite_statement (self, "DELETE FROM group_join_requests "
                                                               "WHERE group_id = ? AND applicant_id = ? "
                                                               "AND state <> 0 AND decided_at = ?", error);

  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, group_id);
  xg_server_store_sqlite_bind_id (stmt, 2, applicant_id);
  sqlite3_bind_int64 (stmt, 3, decided_at);
  return xg_server_store_sqlite_step_done (self, stmt, error);
}

/* --- Account deletion ---------------------------------------------------- */

/**
 * xg_server_store_sqlite_leave_groups:
 * @changes: (element-type XgServerGroupChange): one appended per group
 *   that is still there afterwards, for the pushes after the commit
 *
 * @account_id is being deleted (docs/PROTOCOL.md 3.8): it leaves every
 * group; one it owns passes to its longest-standing admin, else member;
 * one left without members is deleted, with its messages.
 */
gboolean
xg_server_store_sqlite_leave_groups (XgServerStoreSqlite  *self,
                                     guint64               account_id,
                                     GPtrArray            *changes,
                                     GError              **error)
{
  g_autoptr(GArray) groups = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autofree char *nickname = nickname_of (self, account_id, error);
  sqlite3_stmt *stmt;
  gboolean has_row;

  if (nickname == NULL)
    return FALSE;
  stmt = xg_server_store_sqlite_statement (self, "SELECT group_id FROM group_members WHERE account_id = ? "
                                                 "ORDER BY group_id", error);
  if (stmt == NULL)
    return FALSE;
  xg_server_store_sqlite_bind_id (stmt, 1, account_id);
  while (xg_server_store_sqlite_step_row (self, stmt, &has_row, error) && has_row)
    {
      guint64 id = (guint64) sqlite3_column_int64 (stmt, 0);

      g_array_append_val (groups, id);
    }
  sqlite3_reset (stmt);
  if (failed (error))
    return FALSE;

  for (guint i = 0; i < groups->len; i++)
    {
      guint64 group_id = g_array_index (groups, guint64, i);
      g_autoptr(XgServerGroupChange) change = xg_server_group_change_new ();
      gint64 heir = 0;
      guint8 role;

      change->actor_id = account_id;
      change->actor_nickname = g_strdup (nickname);
      if (!role_of (self, group_id, account_id, &role, error))
        return FALSE;
      if (role == XG_PROTO_GROUP_ROLE_OWNER)
        {
          if (!query_int (self, "SELECT account_id FROM group_members WHERE group_id = ? AND account_id <> ? "
                                "ORDER BY role, joined_at, account_id LIMIT 1", group_id, account_id, 0, &heir, error))
            return FALSE;
          if (heir == 0)
            {
              if (!delete_group (self, group_id, error))
                return FALSE;
              continue;
            }
          if (!set_role (self, group_id, (guint64) heir, XG_PROTO_GROUP_ROLE_OWNER, error))
            return FALSE;
        }
      if (!drop_member (self, group_id, account_id, error) || !fill (self, group_id, change, error))
        return FALSE;
      change->status = XG_SERVER_GROUPS_OK;
      add_event (change, account_id, XG_PROTO_GROUP_EVENT_LEFT, 0, nickname, account_id);
      if (heir != 0)
        add_event (change, (guint64) heir, XG_PROTO_GROUP_EVENT_ROLE_CHANGED, XG_PROTO_GROUP_ROLE_OWNER,
                   member_nickname (change->members, (guint64) heir), account_id);
      g_ptr_array_add (changes, g_steal_pointer (&change));
    }
  return TRUE;
}

/* --- Interface ----------------------------------------------------------- */

void
xg_server_store_sqlite_groups_init (XgServerStoreGroupsInterface *iface)
{
  iface->sync = sqlite_sync;
  iface->act = sqlite_act;
  iface->expire = sqlite_expire;
  iface->forget_outcome = sqlite_forget_outcome;
}
