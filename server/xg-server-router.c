/* xg-server-router.c: who is online, presence, and every push to another connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An account has at most one session: the connection it last logged in
 * on. Handlers answer their own requests; anything that goes to another
 * account goes through here, and only from a store callback, i.e. after
 * the change it tells of has been committed.
 *
 * For presence the router keeps each online account's friend ids, loaded
 * by the login sync (xg_server_router_announce) and kept up to date by
 * befriend/unfriend, so that the fan-out when a session ends needs no
 * database. An account counts as present to its friends from its
 * announcement (PRESENCE online) until its session ends (PRESENCE
 * offline); a session whose login sync has not finished yet is online
 * for pushes but not yet present.
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include "xg-server-router.h"

typedef struct {
  XgServerConnection *conn;       /* not owned: a connection leaves before it is freed */
  GArray             *friends;    /* sorted guint64; NULL until announced, or none */
  gboolean            announced;
} Session;

struct _XgServerRouter
{
  GHashTable *sessions;           /* account id (guint64*) → Session */
};

static void
session_free (Session *session)
{
  g_clear_pointer (&session->friends, g_array_unref);
  g_free (session);
}

XgServerRouter *
xg_server_router_new (void)
{
  XgServerRouter *self = g_new0 (XgServerRouter, 1);

  self->sessions = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                          (GDestroyNotify) session_free);
  return self;
}

void
xg_server_router_free (XgServerRouter *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->sessions);
  g_free (self);
}

/* --- Friend sets: sorted arrays, a few hundred ids at most --------------- */

static gboolean
find_id (GArray  *ids,
         guint64  id,
         guint   *index)
{
  guint lo = 0, hi = ids ? ids->len : 0;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      guint64 here = g_array_index (ids, guint64, mid);

      if (here == id)
        {
          *index = mid;
          return TRUE;
        }
      if (here < id)
        lo = mid + 1;
      else
        hi = mid;
    }
  *index = lo;
  return FALSE;
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

static void
add_friend (Session *session,
            guint64  id)
{
  guint index;

  if (session->friends == NULL)
    session->friends = g_array_new (FALSE, FALSE, sizeof (guint64));
  if (!find_id (session->friends, id, &index))
    g_array_insert_val (session->friends, index, id);
}

static void
remove_friend (Session *session,
               guint64  id)
{
  guint index;

  if (find_id (session->friends, id, &index))
    g_array_remove_index (session->friends, index);
}

/* --- Sessions ------------------------------------------------------------ */

/**
 * xg_server_router_set_online:
 *
 * Makes @conn the account's one session. An older session of the account
 * is forced out (LOGGED_IN_ELSEWHERE); the account stays present to its
 * friends throughout, so they see no PRESENCE offline/online flicker: the
 * new session keeps the old one's friend ids until its own login sync
 * replaces them.
 */
void
xg_server_router_set_online (XgServerRouter     *self,
                             XgServerConnection *conn,
                             guint64             account_id)
{
  Session *session = g_hash_table_lookup (self->sessions, &account_id);
  XgServerConnection *previous;

  g_return_if_fail (account_id != 0);

  if (session == NULL)
    {
      session = g_new0 (Session, 1);
      session->conn = conn;
      g_hash_table_insert (self->sessions, g_memdup2 (&account_id, sizeof account_id), session);
      return;
    }
  if (session->conn == conn)
    return;

  previous = session->conn;
  session->conn = conn;
  /* Its session is no longer current, so ending it says nothing to friends. */
  xg_server_connection_forced_logout (previous, XG_PROTO_FORCED_LOGOUT_LOGGED_IN_ELSEWHERE,
                                      "Logged in on another connection");
}

/* The session on @conn ends (logout, forced logout, close). If it was the
 * account's current session and its friends were told it is online, they
 * are told it is offline. */
void
xg_server_router_set_offline (XgServerRouter     *self,
                              XgServerConnection *conn)
{
  guint64 account_id = conn->account_id;
  Session *session = account_id ? g_hash_table_lookup (self->sessions, &account_id) : NULL;
  g_autoptr(GArray) friends = NULL;

  if (session == NULL || session->conn != conn)
    return;

  if (session->announced)
    friends = g_steal_pointer (&session->friends);
  g_hash_table_remove (self->sessions, &account_id);

  if (friends != NULL && friends->len > 0)
    xg_server_router_push_many (self, (const guint64 *) friends->data, friends->len,
                                XG_PACKET_PRESENCE, xg_proto_presence_new (account_id, FALSE));
}

/* The account's session, or NULL when it is offline. */
XgServerConnection *
xg_server_router_lookup (XgServerRouter *self,
                         guint64         account_id)
{
  Session *session = g_hash_table_lookup (self->sessions, &account_id);

  return session ? session->conn : NULL;
}

/* Whether the account is online as its friends see it (FRIEND_LIST's flag). */
gboolean
xg_server_router_is_present (XgServerRouter *self,
                             guint64         account_id)
{
  Session *session = g_hash_table_lookup (self->sessions, &account_id);

  return session != NULL && session->announced;
}

guint
xg_server_router_get_n_online (XgServerRouter *self)
{
  return g_hash_table_size (self->sessions);
}

/**
 * xg_server_router_force_out:
 * @except: (nullable): a connection to leave alone
 *
 * Ends the account's session with FORCED_LOGOUT(@reason), unless it is on
 * @except; for a change that was committed and that the session must not
 * outlive (its token revoked). Returns whether a session was ended.
 */
gboolean
xg_server_router_force_out (XgServerRouter     *self,
                            guint64             account_id,
                            XgServerConnection *except,
                            XgProtoForcedLogout reason,
                            const char         *message)
{
  XgServerConnection *conn = xg_server_router_lookup (self, account_id);

  if (conn == NULL || conn == except)
    return FALSE;
  xg_server_connection_forced_logout (conn, reason, message);
  return TRUE;
}

/**
 * xg_server_router_announce:
 * @conn: the connection whose login sync just finished
 * @friend_ids: the account's friends, as the sync read them
 *
 * Takes the account's friend ids and tells those online that it is
 * (PRESENCE online). Returns %FALSE, doing nothing, when @conn is no
 * longer the account's session.
 */
gboolean
xg_server_router_announce (XgServerRouter     *self,
                           XgServerConnection *conn,
                           const guint64      *friend_ids,
                           guint               n_friends)
{
  guint64 account_id = conn->account_id;
  Session *session = account_id ? g_hash_table_lookup (self->sessions, &account_id) : NULL;

  if (session == NULL || session->conn != conn)
    return FALSE;

  g_clear_pointer (&session->friends, g_array_unref);
  if (n_friends > 0)
    {
      session->friends = g_array_sized_new (FALSE, FALSE, sizeof (guint64), n_friends);
      g_array_append_vals (session->friends, friend_ids, n_friends);
      g_array_sort (session->friends, compare_ids);
    }
  session->announced = TRUE;

  if (n_friends > 0)
    xg_server_router_push_many (self, friend_ids, n_friends, XG_PACKET_PRESENCE,
                                xg_proto_presence_new (account_id, TRUE));
  return TRUE;
}

/* A friendship was committed: both sides' friend ids learn of it. A
 * session that has not announced yet reads it with its login sync. */
void
xg_server_router_befriend (XgServerRouter *self,
                           guint64         a,
                           guint64         b)
{
  Session *sa = g_hash_table_lookup (self->sessions, &a);
  Session *sb = g_hash_table_lookup (self->sessions, &b);

  if (sa != NULL && sa->announced)
    add_friend (sa, b);
  if (sb != NULL && sb->announced)
    add_friend (sb, a);
}

void
xg_server_router_unfriend (XgServerRouter *self,
                           guint64         a,
                           guint64         b)
{
  Session *sa = g_hash_table_lookup (self->sessions, &a);
  Session *sb = g_hash_table_lookup (self->sessions, &b);

  if (sa != NULL)
    remove_friend (sa, b);
  if (sb != NULL)
    remove_friend (sb, a);
}

/* Whether the online account's friend ids hold @other_id; FALSE when it
 * is offline or has not announced yet (ask the store then). */
gboolean
xg_server_router_knows_friend (XgServerRouter *self,
                               guint64         account_id,
                               guint64         other_id)
{
  Session *session = g_hash_table_lookup (self->sessions, &account_id);
  guint index;

  return session != NULL && find_id (session->friends, other_id, &index);
}

/* --- Pushes -------------------------------------------------------------- */

static GBytes *
encode_push (guint16   type,
             GVariant *body)
{
  g_autoptr(GError) error = NULL;
  GBytes *frame = xg_proto_frame_encode (type, 0, body, &error);

  if (frame == NULL)
    g_warning ("Not pushing a packet: %s", error->message);
  return frame;
}

/**
 * xg_server_router_push_frame:
 * @frame: (nullable): an encoded push (request id 0); %NULL pushes nothing
 *
 * As xg_server_router_push(), for a frame built already.
 */
gboolean
xg_server_router_push_frame (XgServerRouter *self,
                             guint64         account_id,
                             GBytes         *frame)
{
  XgServerConnection *conn = xg_server_router_lookup (self, account_id);

  if (frame == NULL || conn == NULL)
    return FALSE;
  return xg_server_connection_send_frame (conn, frame);
}

/**
 * xg_server_router_push:
 * @body: (transfer floating): the packet's body
 *
 * Pushes a packet (request id 0) to the account's session. Returns
 * whether it was queued on an open connection.
 */
gboolean
xg_server_router_push (XgServerRouter *self,
                       guint64         account_id,
                       guint16         type,
                       GVariant       *body)
{
  g_autoptr(GBytes) frame = encode_push (type, body);
  XgServerConnection *conn = xg_server_router_lookup (self, account_id);

  if (frame == NULL || conn == NULL)
    return FALSE;
  return xg_server_connection_send_frame (conn, frame);
}

/**
 * xg_server_router_push_many:
 * @body: (transfer floating): the packet's body
 *
 * Pushes one packet to every online account of @account_ids. Pushes all
 * carry request id 0, so the frame is encoded once and the same bytes are
 * queued on each connection. Returns how many got it.
 */
guint
xg_server_router_push_many (XgServerRouter *self,
                            const guint64  *account_ids,
                            guint           n_accounts,
                            guint16         type,
                            GVariant       *body)
{
  g_autoptr(GBytes) frame = encode_push (type, body);
  g_autoptr(GPtrArray) targets = NULL;
  guint sent = 0;

  if (frame == NULL)
    return 0;

  /* Sending can close a connection (a slow consumer), and closing ends a
   * session, which pushes presence: take the targets first, with a
   * reference each, so that none of that changes what is walked here. */
  targets = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_connection_unref);
  for (guint i = 0; i < n_accounts; i++)
    {
      XgServerConnection *conn = xg_server_router_lookup (self, account_ids[i]);

      if (conn != NULL)
        g_ptr_array_add (targets, xg_server_connection_ref (conn));
    }
  for (guint i = 0; i < targets->len; i++)
    sent += xg_server_connection_send_frame (targets->pdata[i], frame);
  return sent;
}

/**
 * xg_server_router_deliver_many:
 * @except_id: an account to leave out (the sender), or 0
 * @frame: the message's delivery packet (GROUP_DELIVER), encoded
 *
 * A new message's fan-out: the same bytes queued on each session of
 * @account_ids whose delivery is live. A session still paging its backlog
 * gets the message with a later page, from the store, behind what came
 * before it. Returns how many got it.
 */
guint
xg_server_router_deliver_many (XgServerRouter *self,
                               const guint64  *account_ids,
                               guint           n_accounts,
                               guint64         except_id,
                               GBytes         *frame)
{
  g_autoptr(GPtrArray) targets = NULL;
  guint sent = 0;

  /* As in push_many: the targets first, each with a reference. */
  targets = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_connection_unref);
  for (guint i = 0; i < n_accounts; i++)
    {
      XgServerConnection *conn;

      if (account_ids[i] == except_id)
        continue;
      conn = xg_server_router_lookup (self, account_ids[i]);
      if (conn != NULL && conn->delivery == XG_DELIVERY_LIVE)
        g_ptr_array_add (targets, xg_server_connection_ref (conn));
    }
  for (guint i = 0; i < targets->len; i++)
    sent += xg_server_connection_send_frame (targets->pdata[i], frame);
  return sent;
}

/* Pushes to the account's online friends, as far as the router knows them. */
guint
xg_server_router_push_to_friends (XgServerRouter *self,
                                  guint64         account_id,
                                  guint16         type,
                                  GVariant       *body)
{
  Session *session = g_hash_table_lookup (self->sessions, &account_id);
  g_autoptr(GArray) friends = NULL;
  g_autoptr(GVariant) owned = g_variant_ref_sink (body);

  if (session == NULL || session->friends == NULL || session->friends->len == 0)
    return 0;
  /* A copy: pushing may end sessions, this one included. */
  friends = g_array_copy (session->friends);
  return xg_server_router_push_many (self, (const guint64 *) friends->data, friends->len, type, owned);
}
