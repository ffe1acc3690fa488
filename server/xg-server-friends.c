/* xg-server-friends.c: finding people, friend requests, the friend list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One handler per packet type of the friends area (docs/PROTOCOL.md 4.6,
 * 5.7, 8.9), the table at the end. USER_INFO_REQUEST is here too, because
 * who may see whom is a friends rule. Each handler checks the fields, then
 * hands the whole request to one store operation, which checks and changes
 * in one transaction; the answer and every push to others go out from its
 * callback, i.e. after the commit. Pushes to other accounts (and to the
 * asker's own account, such as its new FRIEND_LIST) go through the router.
 *
 * Also here: the login sync of 3.7 and the periodic expiry of requests
 * nobody answered.
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include "xg-proto-limits.h"
#include "xg-server-private.h"
#include "xg-server-request.h"
#include "xg-server-router.h"
#include "xg-server-store-login.h"
#include "xg-server-store-social.h"

/* Expired requests handled per store operation; more go in the next one. */
#define EXPIRY_BATCH 256

typedef struct {
  XgServerRequest  base;
  guint64          self_id;    /* the connection's account when it asked */
  guint64          other_id;   /* the other account the request is about */
  char            *email;      /* EMAIL_LOOKUP, normalized */
  char            *text;       /* greeting, reason or remark */
} FriendsRequest;

static FriendsRequest *
friends_request_new (XgServerConnection *conn,
                     const XgProtoFrame *frame)
{
  FriendsRequest *req = g_new0 (FriendsRequest, 1);

  xg_server_request_init (&req->base, conn, frame);
  req->self_id = conn->account_id;
  return req;
}

static void
friends_request_free (FriendsRequest *req)
{
  xg_server_request_clear (&req->base);
  g_free (req->email);
  g_free (req->text);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FriendsRequest, friends_request_free)

static XgServer *
server_of (FriendsRequest *req)
{
  return xg_server_request_get_server (&req->base);
}

static void
reply (FriendsRequest *req,
       guint16         type,
       GVariant       *body)
{
  xg_server_request_reply (&req->base, type, body);
}

static void
reply_error (FriendsRequest   *req,
             XgProtoErrorCode  code,
             const char       *message)
{
  xg_server_request_reply_error (&req->base, code, message);
}

/* The limits, and the time they are judged at, from the server's clock. */
static void
get_rules (XgServer            *server,
           XgServerFriendRules *rules)
{
  XgServerConfig *config = server->config;

  rules->now_us = xg_server_clock_microseconds (server->clock);
  rules->now = rules->now_us / G_USEC_PER_SEC;
  rules->deadline = rules->now - config->request_timeout;
  rules->max_friends = config->max_friends;
  rules->max_pending = config->max_pending_requests;
}

/* --- Packets ------------------------------------------------------------- */

/* FRIEND_LIST, with each friend online as its friends see it now. */
static GVariant *
friend_list_body (XgServerRouter *router,
                  GPtrArray      *friends)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tssb)"));
  for (guint i = 0; i < friends->len; i++)
    {
      XgServerFriend *friend_ = friends->pdata[i];

      g_variant_builder_add (&builder, "(tssb)", friend_->id, friend_->remark, friend_->nickname,
                             xg_server_router_is_present (router, friend_->id));
    }
  return xg_proto_friend_list_new (g_variant_builder_end (&builder));
}

/* The `(tsa{sv})` an account shows others: USER_INFO without the packet. */
static GVariant *
public_info (const XgServerAccount *account)
{
  return g_variant_new ("(t&s@a{sv})", account->id, account->nickname, account->fields);
}

static void
push_friend_list (XgServer  *server,
                  guint64    account_id,
                  GPtrArray *friends)
{
  if (friends != NULL)
    xg_server_router_push (server->router, account_id, XG_PACKET_FRIEND_LIST,
                           friend_list_body (server->router, friends));
}

/* Pushes an outcome to its requester, and forgets it once it went out
 * (docs/PROTOCOL.md 3.7): otherwise it waits for the requester's login. */
static void
deliver_outcome (XgServer *server,
                 guint64   requester_id,
                 guint64   target_id,
                 gint64    decided_at,
                 guint16   type,
                 GVariant *body)
{
  if (xg_server_router_push (server->router, requester_id, type, body))
    xg_server_store_forget_outcome_async (server->store, requester_id, target_id, decided_at,
                                          NULL, NULL);
}

static gboolean
failed (FriendsRequest *req,
        const GError   *error,
        const char     *what)
{
  if (error == NULL)
    return FALSE;
  g_warning ("%s: %s", what, error->message);
  reply_error (req, XG_PROTO_ERR_INTERNAL, "The server could not do that now");
  return TRUE;
}

/* --- Email lookup and user info ------------------------------------------ */

static void
lookup_found (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(FriendsRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerAccount) account = NULL;
  XgServerConnection *conn = req->base.conn;

  account = xg_server_store_account_finish (XG_SERVER_STORE (source), result, &error);
  if (failed (req, error, "Looking up an address"))
    return;
  if (account == NULL || account->disabled)
    {
      reply (req, XG_PACKET_USER_NOT_FOUND, xg_proto_user_not_found_new (0, req->email));
      return;
    }

  /* Finding the address earns the right to see the account (8.9), for
   * this session only. */
  if (conn->account_id == req->self_id)
    xg_server_connection_remember_found (conn, account->id);
  reply (req, XG_PACKET_EMAIL_RESULT, xg_proto_email_result_new (req->email, account->id));
}

static void
handle_email_lookup (XgServerConnection *conn,
                     const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(FriendsRequest) req = friends_request_new (conn, frame);
  g_autofree char *key = g_strdup_printf ("%" G_GUINT64_FORMAT, conn->account_id);
  gint64 now = xg_server_clock_seconds (server->clock);
  const char *email;
  guint wait;

  xg_proto_email_lookup_get (frame->body, &email);
  req->email = xg_proto_email_normalize (email);
  if (req->email == NULL)
    {
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT, "That is not an email address");
      return;
    }

  /* A window of an hour from the first lookup; refusals do not count. */
  wait = xg_server_limiter_retry_after (server->lookups, key, now);
  if (wait > 0)
    {
      g_autofree char *message = g_strdup_printf ("At most %u lookups an hour; the next in %u s",
                                                  server->config->lookups_per_hour, wait);
      reply_error (req, XG_PROTO_ERR_RATE_LIMITED, message);
      return;
    }
  xg_server_limiter_hit (server->lookups, key, now);

  FriendsRequest *owned = g_steal_pointer (&req);
  xg_server_store_account_by_email_async (server->store, owned->email, lookup_found, owned);
}

static void
user_info_found (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(FriendsRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerAccount) account = NULL;

  account = xg_server_store_visible_account_finish (XG_SERVER_STORE (source), result, &error);
  if (failed (req, error, "Reading an account"))
    return;
  /* Not there and not to be seen look the same (8.9). */
  if (account == NULL)
    reply (req, XG_PACKET_USER_NOT_FOUND, xg_proto_user_not_found_new (req->other_id, ""));
  else
    reply (req, XG_PACKET_USER_INFO, xg_proto_user_info_new (account->id, account->nickname,
                                                             account->fields));
}

static void
handle_user_info_request (XgServerConnection *conn,
                          const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(FriendsRequest) req = friends_request_new (conn, frame);
  XgServerFriendRules rules;
  gboolean known;

  xg_proto_user_info_request_get (frame->body, &req->other_id);
  get_rules (server, &rules);

  /* What this side already knows saves the store the relation check:
   * itself, a lookup of this session, a friend the router knows of. The
   * store checks friends and pending requests either way. */
  known = req->other_id == req->self_id ||
          xg_server_connection_has_found (conn, req->other_id) ||
          xg_server_router_knows_friend (server->router, req->self_id, req->other_id);

  FriendsRequest *owned = g_steal_pointer (&req);
  xg_server_store_visible_account_async (server->store, owned->self_id, owned->other_id, known, &rules,
                                         user_info_found, owned);
}

/* --- Requests ------------------------------------------------------------ */

/* A refusal of §5.7 that the store found; TRUE if it answered. */
static gboolean
refused (FriendsRequest             *req,
         const XgServerFriendChange *change)
{
  switch (change->status)
    {
    case XG_SERVER_FRIENDS_OK:
    case XG_SERVER_FRIENDS_REPEATED:
    case XG_SERVER_FRIENDS_CROSSED:
      return FALSE;
    case XG_SERVER_FRIENDS_NO_ACCOUNT:
      reply (req, XG_PACKET_USER_NOT_FOUND, xg_proto_user_not_found_new (req->other_id, ""));
      return TRUE;
    case XG_SERVER_FRIENDS_ALREADY_FRIENDS:
      reply_error (req, XG_PROTO_ERR_ALREADY_FRIENDS, "You are friends already");
      return TRUE;
    case XG_SERVER_FRIENDS_NO_REQUEST:
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT, "No friend request from that account waits for you");
      return TRUE;
    case XG_SERVER_FRIENDS_NOT_FRIENDS:
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT, "That account is not your friend");
      return TRUE;
    case XG_SERVER_FRIENDS_TOO_MANY_FRIENDS:
      reply_error (req, XG_PROTO_ERR_LIMIT_REACHED, "One of you has the most friends this server allows");
      return TRUE;
    case XG_SERVER_FRIENDS_TOO_MANY_PENDING:
    default:
      reply_error (req, XG_PROTO_ERR_LIMIT_REACHED, "You have the most unanswered requests this server allows");
      return TRUE;
    }
}

/* A new friendship (accepted, or crossed requests): @accepter took
 * @requester's request. The accepter is answered, the requester told (or
 * it finds out at its next login), and both get their new lists. */
static void
befriended (FriendsRequest       *req,
            XgServerFriendChange *change)
{
  XgServer *server = server_of (req);
  guint64 accepter = change->actor->id, requester = change->other->id;

  xg_server_router_befriend (server->router, accepter, requester);

  /* In each, `friend` is the other party's info. */
  reply (req, XG_PACKET_FRIEND_REQUEST_ACCEPTED,
         xg_proto_friend_request_accepted_new (accepter, requester, public_info (change->other)));
  push_friend_list (server, accepter, change->actor_friends);

  deliver_outcome (server, requester, accepter, change->decided_at, XG_PACKET_FRIEND_REQUEST_ACCEPTED,
                   xg_proto_friend_request_accepted_new (accepter, requester, public_info (change->actor)));
  push_friend_list (server, requester, change->other_friends);
}

static void
request_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(FriendsRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerFriendChange) change = NULL;
  XgServer *server = server_of (req);

  change = xg_server_store_friend_change_finish (XG_SERVER_STORE (source), result, &error);
  if (failed (req, error, "Storing a friend request") || refused (req, change))
    return;

  switch (change->status)
    {
    case XG_SERVER_FRIENDS_CROSSED:
      g_debug ("Friend request %" G_GUINT64_FORMAT " → %" G_GUINT64_FORMAT " crossed one the other way",
               req->self_id, req->other_id);
      befriended (req, change);
      break;
    case XG_SERVER_FRIENDS_REPEATED:
      /* The same request: the target heard of it the first time. */
      reply (req, XG_PACKET_FRIEND_REQUEST_SENT, xg_proto_friend_request_sent_new (req->self_id, req->other_id));
      break;
    case XG_SERVER_FRIENDS_OK:
    default:
      reply (req, XG_PACKET_FRIEND_REQUEST_SENT, xg_proto_friend_request_sent_new (req->self_id, req->other_id));
      xg_server_router_push (server->router, req->other_id, XG_PACKET_FRIEND_REQUEST_INCOMING,
                             xg_proto_friend_request_incoming_new (req->self_id, req->other_id, req->text,
                                                                   change->actor->nickname,
                                                                   change->created_at));
      break;
    }
}

static void
handle_friend_request (XgServerConnection *conn,
                       const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(FriendsRequest) req = friends_request_new (conn, frame);
  XgServerFriendRules rules;
  const char *greeting;

  xg_proto_friend_request_get (frame->body, NULL, &req->other_id, &greeting);
  if (req->other_id == req->self_id)
    {
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT, "You cannot befriend yourself");
      return;
    }
  if (!xg_proto_greeting_is_valid (greeting))
    {
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT,
                   "A greeting has at most 128 characters and no control characters");
      return;
    }
  req->text = g_strdup (greeting);
  get_rules (server, &rules);

  FriendsRequest *owned = g_steal_pointer (&req);
  xg_server_store_friend_request_async (server->store, owned->self_id, owned->other_id, owned->text,
                                        &rules, request_done, owned);
}

static void
accept_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(FriendsRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerFriendChange) change = NULL;

  change = xg_server_store_friend_change_finish (XG_SERVER_STORE (source), result, &error);
  if (failed (req, error, "Accepting a friend request") || refused (req, change))
    return;
  befriended (req, change);
}

static void
handle_friend_accept (XgServerConnection *conn,
                      const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(FriendsRequest) req = friends_request_new (conn, frame);
  XgServerFriendRules rules;

  xg_proto_friend_accept_get (frame->body, NULL, &req->other_id);
  get_rules (server, &rules);

  FriendsRequest *owned = g_steal_pointer (&req);
  xg_server_store_friend_accept_async (server->store, owned->self_id, owned->other_id, &rules,
                                       accept_done, owned);
}

static void
reject_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(FriendsRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerFriendChange) change = NULL;

  change = xg_server_store_friend_change_finish (XG_SERVER_STORE (source), result, &error);
  if (failed (req, error, "Declining a friend request") || refused (req, change))
    return;

  reply (req, XG_PACKET_FRIEND_REQUEST_REJECTED,
         xg_proto_friend_request_rejected_new (req->self_id, req->other_id, req->text));
  deliver_outcome (server_of (req), req->other_id, req->self_id, change->decided_at,
                   XG_PACKET_FRIEND_REQUEST_REJECTED,
                   xg_proto_friend_request_rejected_new (req->self_id, req->other_id, req->text));
}

static void
handle_friend_reject (XgServerConnection *conn,
                      const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(FriendsRequest) req = friends_request_new (conn, frame);
  XgServerFriendRules rules;
  const char *reason;

  xg_proto_friend_reject_get (frame->body, NULL, &req->other_id, &reason);
  if (!xg_proto_reason_is_valid (reason))
    {
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT,
                   "A reason has at most 128 characters and no control characters");
      return;
    }
  req->text = g_strdup (reason);
  get_rules (server, &rules);

  FriendsRequest *owned = g_steal_pointer (&req);
  xg_server_store_friend_reject_async (server->store, owned->self_id, owned->other_id, owned->text,
                                       &rules, reject_done, owned);
}

/* --- Friends ------------------------------------------------------------- */

static void
remark_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(FriendsRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerFriendChange) change = NULL;

  change = xg_server_store_friend_change_finish (XG_SERVER_STORE (source), result, &error);
  if (failed (req, error, "Storing a remark") || refused (req, change))
    return;

  /* Private to its author: only its own list carries it. */
  reply (req, XG_PACKET_FRIEND_REMARK_OK, xg_proto_friend_remark_ok_new (req->self_id, req->other_id));
  push_friend_list (server_of (req), req->self_id, change->actor_friends);
}

static void
handle_friend_remark (XgServerConnection *conn,
                      const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(FriendsRequest) req = friends_request_new (conn, frame);
  const char *remark;

  xg_proto_friend_remark_get (frame->body, NULL, &req->other_id, &remark);
  if (!xg_proto_remark_is_valid (remark))
    {
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT,
                   "A remark has at most 32 characters, no control characters and no space at either end");
      return;
    }
  req->text = g_strdup (remark);

  FriendsRequest *owned = g_steal_pointer (&req);
  xg_server_store_friend_remark_async (server->store, owned->self_id, owned->other_id, owned->text,
                                       remark_done, owned);
}

static void
remove_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(FriendsRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerFriendChange) change = NULL;
  XgServer *server = server_of (req);

  change = xg_server_store_friend_change_finish (XG_SERVER_STORE (source), result, &error);
  if (failed (req, error, "Removing a friend") || refused (req, change))
    return;

  xg_server_router_unfriend (server->router, req->self_id, req->other_id);
  reply (req, XG_PACKET_FRIEND_REMOVED, xg_proto_friend_removed_new (req->self_id, req->other_id));
  push_friend_list (server, req->self_id, change->actor_friends);
  xg_server_router_push (server->router, req->other_id, XG_PACKET_FRIEND_REMOVED,
                         xg_proto_friend_removed_new (req->self_id, req->other_id));
  push_friend_list (server, req->other_id, change->other_friends);
}

static void
handle_friend_remove (XgServerConnection *conn,
                      const XgProtoFrame *frame)
{
  XgServer *server = conn->server;
  g_autoptr(FriendsRequest) req = friends_request_new (conn, frame);

  xg_proto_friend_remove_get (frame->body, NULL, &req->other_id);

  FriendsRequest *owned = g_steal_pointer (&req);
  xg_server_store_friend_remove_async (server->store, owned->self_id, owned->other_id,
                                       remove_done, owned);
}

/* --- The login sync ------------------------------------------------------ */

static GVariant *
outcome_body (const XgServerFriendOutcome *outcome)
{
  switch (outcome->state)
    {
    case XG_SERVER_REQUEST_ACCEPTED:
      return xg_proto_friend_request_accepted_new (outcome->target_id, outcome->requester_id,
                                                   public_info (outcome->target));
    case XG_SERVER_REQUEST_REJECTED:
      return xg_proto_friend_request_rejected_new (outcome->target_id, outcome->requester_id,
                                                   outcome->reason);
    case XG_SERVER_REQUEST_EXPIRED:
    case XG_SERVER_REQUEST_PENDING:
    default:
      return xg_proto_friend_request_timeout_new (outcome->target_id, outcome->requester_id);
    }
}

static guint16
outcome_type (const XgServerFriendOutcome *outcome)
{
  switch (outcome->state)
    {
    case XG_SERVER_REQUEST_ACCEPTED: return XG_PACKET_FRIEND_REQUEST_ACCEPTED;
    case XG_SERVER_REQUEST_REJECTED: return XG_PACKET_FRIEND_REQUEST_REJECTED;
    case XG_SERVER_REQUEST_EXPIRED:
    case XG_SERVER_REQUEST_PENDING:
    default: return XG_PACKET_FRIEND_REQUEST_TIMEOUT;
    }
}

/**
 * xg_server_friends_sync_prepare:
 * @login: a login about to be queued (xg-server-store-login.h)
 *
 * The rules the friends' part of its sync is read with.
 */
void
xg_server_friends_sync_prepare (XgServer      *server,
                                XgServerLogin *login)
{
  get_rules (server, &login->friend_rules);
}

/**
 * xg_server_friends_sync_deliver:
 * @conn: the connection the login came on, answered LOGIN_OK and sent
 *   PROFILE if it is still open
 * @login: the login, its sync read
 *
 * Items 2-5 of docs/PROTOCOL.md 3.7, as read with the login: FRIEND_LIST,
 * the requests waiting either way, the outcomes that waited for the
 * account; then PRESENCE to its online friends. SYNC_DONE comes after
 * the groups' part (xg_server_groups_sync_deliver(), called right after).
 */
void
xg_server_friends_sync_deliver (XgServerConnection *conn,
                                XgServerLogin      *login)
{
  XgServer *server = conn->server;
  XgServerFriendSync *read = login->friends;
  guint64 account_id = login->account_id;
  g_autoptr(GArray) friend_ids = NULL;

  if (read == NULL)
    {
      /* A client that never hears SYNC_DONE would wait for it for good:
       * close, so that it comes back and logs in (and syncs) again. The
       * store rolled the read back, outcomes included. */
      g_warning ("Reading the login sync of account %" G_GUINT64_FORMAT ": %s", account_id,
                 login->friends_error->message);
      if (conn->account_id == account_id)
        xg_server_connection_close (conn, "its login sync could not be read");
      return;
    }

  /* A connection that closed (or whose session was replaced) meanwhile
   * takes nothing; the outcomes were forgotten with the read, so they go
   * to the account's current session if it has one. */
  if (conn->account_id != account_id || xg_server_router_lookup (server->router, account_id) != conn)
    {
      for (guint i = 0; i < read->outcomes->len; i++)
        xg_server_router_push (server->router, account_id, outcome_type (read->outcomes->pdata[i]),
                               outcome_body (read->outcomes->pdata[i]));
      return;
    }

  if (read->friends->len == 0)
    xg_server_connection_send_frame (conn, xg_server_constant_frame (server, XG_SERVER_FRAME_EMPTY_FRIEND_LIST));
  else
    xg_server_connection_send (conn, XG_PACKET_FRIEND_LIST, 0, friend_list_body (server->router, read->friends));
  for (guint i = 0; i < read->incoming->len; i++)
    {
      XgServerFriendRequest *request = read->incoming->pdata[i];

      xg_server_connection_send (conn, XG_PACKET_FRIEND_REQUEST_INCOMING, 0,
                                 xg_proto_friend_request_incoming_new (request->requester_id, request->target_id,
                                                                       request->greeting, request->nickname,
                                                                       request->created_at));
    }
  for (guint i = 0; i < read->outgoing->len; i++)
    {
      XgServerFriendRequest *request = read->outgoing->pdata[i];

      xg_server_connection_send (conn, XG_PACKET_FRIEND_REQUEST_OUTGOING, 0,
                                 xg_proto_friend_request_outgoing_new (request->requester_id, request->target_id,
                                                                       request->greeting, request->nickname,
                                                                       request->created_at));
    }
  for (guint i = 0; i < read->outcomes->len; i++)
    xg_server_connection_send (conn, outcome_type (read->outcomes->pdata[i]), 0,
                               outcome_body (read->outcomes->pdata[i]));
  /* The groups' part follows, and SYNC_DONE with it (xg_server_groups_sync_deliver). */

  /* Then its online friends learn that it is online. */
  friend_ids = g_array_sized_new (FALSE, FALSE, sizeof (guint64), read->friends->len);
  for (guint i = 0; i < read->friends->len; i++)
    g_array_append_val (friend_ids, ((XgServerFriend *) read->friends->pdata[i])->id);
  xg_server_router_announce (server->router, conn, (const guint64 *) friend_ids->data, friend_ids->len);
}

/* --- Requests nobody answered -------------------------------------------- */

static void
expired (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(XgServer) server = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) requests = xg_server_store_expire_requests_finish (XG_SERVER_STORE (source), result, &error);

  server->expiring = FALSE;
  if (requests == NULL)
    {
      if (!g_error_matches (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_CLOSED))
        g_warning ("Expiring friend requests: %s", error->message);
      return;
    }

  for (guint i = 0; i < requests->len; i++)
    {
      XgServerExpiredRequest *request = &g_array_index (requests, XgServerExpiredRequest, i);

      /* The target's pending list loses it; the requester learns now or at login. */
      xg_server_router_push (server->router, request->target_id, XG_PACKET_FRIEND_REQUEST_TIMEOUT,
                             xg_proto_friend_request_timeout_new (request->target_id, request->requester_id));
      deliver_outcome (server, request->requester_id, request->target_id, request->decided_at,
                       XG_PACKET_FRIEND_REQUEST_TIMEOUT,
                       xg_proto_friend_request_timeout_new (request->target_id, request->requester_id));
    }

  /* A full batch may have left more; a moved clock may have made more. */
  if ((requests->len == EXPIRY_BATCH || server->expire_again) && !server->stopping)
    xg_server_friends_expire (server);
}

/**
 * xg_server_friends_expire:
 *
 * Marks the requests older than [friends] request-timeout expired and
 * pushes FRIEND_REQUEST_TIMEOUT for them, and has the groups' join
 * requests expire too (xg_server_groups_expire). Runs every
 * XG_SERVER_EXPIRY_INTERVAL seconds and right after the test clock moved;
 * a call while one is in the store makes that one run again when done.
 */
void
xg_server_friends_expire (XgServer *server)
{
  XgServerFriendRules rules;

  if (server->expiring)
    {
      server->expire_again = TRUE;
      return;
    }
  server->expiring = TRUE;
  server->expire_again = FALSE;
  /* Join requests and invitations time out on the same beat. */
  xg_server_groups_expire (server);
  get_rules (server, &rules);
  xg_server_store_expire_requests_async (server->store, &rules, EXPIRY_BATCH, expired,
                                         g_object_ref (server));
}

static const XgServerHandlerEntry handlers[] = {
  { XG_PACKET_USER_INFO_REQUEST, TRUE, handle_user_info_request },
  { XG_PACKET_EMAIL_LOOKUP,      TRUE, handle_email_lookup },
  { XG_PACKET_FRIEND_REQUEST,    TRUE, handle_friend_request },
  { XG_PACKET_FRIEND_ACCEPT,     TRUE, handle_friend_accept },
  { XG_PACKET_FRIEND_REJECT,     TRUE, handle_friend_reject },
  { XG_PACKET_FRIEND_REMARK,     TRUE, handle_friend_remark },
  { XG_PACKET_FRIEND_REMOVE,     TRUE, handle_friend_remove },
};

const XgServerHandlerEntry *
xg_server_friends_get_handlers (guint *n_handlers)
{
  *n_handlers = G_N_ELEMENTS (handlers);
  return handlers;
}
