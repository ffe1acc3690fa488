/* xg-server-groups.c: creating, finding, joining and managing groups
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One handler per packet type of the groups area (docs/PROTOCOL.md 4.6,
 * 5.13, 7.6) except GROUP_SEND, which is chat's; the table at the end.
 * Each handler checks the fields, then hands the whole request to one
 * store operation (xg-server-store-groups.h), which checks the rights and
 * limits and changes in one transaction; the answer and every push go out
 * from its callback, i.e. after the commit. Pushes go through the router:
 * GROUP_MEMBER_EVENT to every online member (the subject included) after
 * every change of the membership or a role, GROUP_REMOVED to whoever is
 * no longer a member, GROUP_INFO to a member who joins and, after an
 * edit, to every online member.
 *
 * Also here: the groups part of the login sync (3.7 item 6, then
 * SYNC_DONE) and the expiry of join requests nobody answered.
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include "xg-proto-limits.h"
#include "xg-server-private.h"
#include "xg-server-request.h"
#include "xg-server-router.h"
#include "xg-server-store-groups.h"
#include "xg-server-store-login.h"
#include "xg-server-store-social.h"

/* Expired join requests handled per store operation; more go in the next one. */
#define EXPIRY_BATCH 256

typedef struct {
  XgServerRequest   base;
  XgServerGroupAsk  ask;
} GroupsRequest;

static GroupsRequest *
groups_request_new (XgServerConnection  *conn,
                    const XgProtoFrame  *frame,
                    XgServerGroupAction  action)
{
  GroupsRequest *req = g_new0 (GroupsRequest, 1);

  xg_server_request_init (&req->base, conn, frame);
  req->ask.action = action;
  req->ask.actor_id = conn->account_id;
  return req;
}

static void
groups_request_free (GroupsRequest *req)
{
  xg_server_request_clear (&req->base);
  g_free (req->ask.text);
  g_clear_pointer (&req->ask.info, g_variant_unref);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GroupsRequest, groups_request_free)

static void
reply (GroupsRequest *req,
       guint16        type,
       GVariant      *body)
{
  xg_server_request_reply (&req->base, type, body);
}

static void
reply_error (GroupsRequest    *req,
             XgProtoErrorCode  code,
             const char       *message)
{
  xg_server_request_reply_error (&req->base, code, message);
}

/* The limits, and the time they are judged at, from the server's clock. */
static void
get_rules (XgServer           *server,
           XgServerGroupRules *rules)
{
  XgServerConfig *config = server->config;

  rules->now_us = xg_server_clock_microseconds (server->clock);
  rules->now = rules->now_us / G_USEC_PER_SEC;
  rules->deadline = rules->now - config->join_request_timeout;
  rules->max_members = config->max_members;
  rules->max_groups = config->max_groups;
  rules->max_owned = config->max_owned;
}

/* --- Packets ------------------------------------------------------------- */

static GVariant *
avatar_value (GBytes *avatar)
{
  gsize size = 0;
  gconstpointer data = avatar ? g_bytes_get_data (avatar, &size) : NULL;

  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, size, 1);
}

/* The whole info: name, description, avatar. */
static GVariant *
info_body (const XgServerGroup *group)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (group->name));
  g_variant_builder_add (&builder, "{sv}", "description", g_variant_new_string (group->description));
  g_variant_builder_add (&builder, "{sv}", "avatar", avatar_value (group->avatar));
  return g_variant_builder_end (&builder);
}

/* The `group_brief` of the pending lists: name and avatar. */
static GVariant *
brief_body (const char *name,
            GBytes     *avatar)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (name));
  g_variant_builder_add (&builder, "{sv}", "avatar", avatar_value (avatar));
  return g_variant_builder_end (&builder);
}

static GVariant *
group_info_packet (const XgServerGroup *group,
                   guint8               role)
{
  return xg_proto_group_info_new (group->id, info_body (group), group->revision, group->owner_id,
                                  group->member_count, role);
}

/* The owner and admins, but @except. */
static GArray *
deciders_of (const XgServerGroupChange *change,
             guint64                    except)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; i < change->members->len; i++)
    {
      XgServerGroupMember *member = change->members->pdata[i];

      if (member->role <= XG_PROTO_GROUP_ROLE_ADMIN && member->id != except)
        g_array_append_val (ids, member->id);
    }
  return ids;
}

/* Every member after the change and everyone it removed. */
static GArray *
audience_of (const XgServerGroupChange *change)
{
  GArray *ids = g_array_sized_new (FALSE, FALSE, sizeof (guint64), change->members->len + change->removed->len);

  for (guint i = 0; i < change->members->len; i++)
    g_array_append_val (ids, ((XgServerGroupMember *) change->members->pdata[i])->id);
  g_array_append_vals (ids, change->removed->data, change->removed->len);
  return ids;
}

/* Pushes a join request's outcome to its applicant, and forgets it once
 * it went out (docs/PROTOCOL.md 3.7): otherwise it waits for the login. */
static void
deliver_outcome (XgServer *server,
                 guint64   group_id,
                 guint64   applicant_id,
                 gint64    decided_at,
                 guint16   type,
                 GVariant *body)
{
  if (xg_server_router_push (server->router, applicant_id, type, body))
    xg_server_store_group_forget_async (server->store, group_id, applicant_id, decided_at, NULL, NULL);
}

/**
 * xg_server_groups_push_change:
 * @change: a committed change of a group's membership or roles
 *
 * GROUP_MEMBER_EVENT for each of its events to every online member and
 * to whoever it removed; GROUP_REMOVED to those removed (but the actor,
 * who was answered with it); GROUP_INFO to a member who joined. Also for
 * account deletion (xg-server-account-life.c).
 */
void
xg_server_groups_push_change (XgServer                  *server,
                              const XgServerGroupChange *change)
{
  g_autoptr(GArray) audience = NULL;
  guint64 group_id;

  if (change->group == NULL && change->removed->len == 0)
    return;
  group_id = change->group ? change->group->id : 0;
  audience = audience_of (change);

  for (guint i = 0; i < change->events->len && change->group != NULL; i++)
    {
      XgServerGroupEvent *event = change->events->pdata[i];

      xg_server_router_push_many (server->router, (const guint64 *) audience->data, audience->len,
                                  XG_PACKET_GROUP_MEMBER_EVENT,
                                  xg_proto_group_member_event_new (group_id, event->member_id, event->event,
                                                                   event->role, event->nickname, event->actor_id,
                                                                   change->group->member_count));
    }

  for (guint i = 0; i < change->removed->len; i++)
    {
      guint64 id = g_array_index (change->removed, guint64, i);

      if (id == change->actor_id)
        continue;
      xg_server_router_push (server->router, id, XG_PACKET_GROUP_REMOVED,
                             xg_proto_group_removed_new (change->group ? change->group->id : 0,
                                                         change->removed_reason, change->actor_id));
    }

  if (change->joined_id != 0 && change->group != NULL)
    xg_server_router_push (server->router, change->joined_id, XG_PACKET_GROUP_INFO,
                           group_info_packet (change->group, XG_PROTO_GROUP_ROLE_MEMBER));
}

/* --- Answers ------------------------------------------------------------- */

/* A refusal of §5.13 that the store found; TRUE if it answered. */
static gboolean
refused (GroupsRequest             *req,
         const XgServerGroupChange *change)
{
  switch (change->status)
    {
    case XG_SERVER_GROUPS_OK:
      return FALSE;
    case XG_SERVER_GROUPS_REPEATED:
      reply_error (req, XG_PROTO_ERR_ALREADY_PENDING, change->message);
      return TRUE;
    case XG_SERVER_GROUPS_NOT_FOUND:
      reply_error (req, XG_PROTO_ERR_NOT_FOUND, change->message);
      return TRUE;
    case XG_SERVER_GROUPS_DENIED:
      reply_error (req, XG_PROTO_ERR_PERMISSION_DENIED, change->message);
      return TRUE;
    case XG_SERVER_GROUPS_INVALID:
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT, change->message);
      return TRUE;
    case XG_SERVER_GROUPS_LIMIT:
    default:
      if (req->ask.action == XG_SERVER_GROUP_CREATE)
        reply (req, XG_PACKET_GROUP_CREATE_FAIL,
               xg_proto_group_create_fail_new (XG_PROTO_GROUP_FAIL_LIMIT, change->message));
      else
        reply_error (req, XG_PROTO_ERR_LIMIT_REACHED, change->message);
      return TRUE;
    }
}

static GVariant *
members_body (XgServer                  *server,
              const XgServerGroupChange *change)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tysb)"));
  for (guint i = 0; i < change->members->len; i++)
    {
      XgServerGroupMember *member = change->members->pdata[i];

      g_variant_builder_add (&builder, "(tysb)", member->id, member->role, member->nickname,
                             xg_server_router_is_present (server->router, member->id));
    }
  return xg_proto_group_members_new (change->group->id, g_variant_builder_end (&builder));
}

/* Every online member but the editor gets the new info, with its own role. */
static void
push_info (XgServer                  *server,
           const XgServerGroupChange *change)
{
  for (guint i = 0; i < change->members->len; i++)
    {
      XgServerGroupMember *member = change->members->pdata[i];

      if (member->id != change->actor_id)
        xg_server_router_push (server->router, member->id, XG_PACKET_GROUP_INFO,
                               group_info_packet (change->group, member->role));
    }
}

static void
decided (XgServer                  *server,
         const XgServerGroupChange *change,
         guint64                    group_id,
         guint64                    applicant_id,
         gboolean                   approved)
{
  g_autoptr(GArray) others = deciders_of (change, change->actor_id);

  xg_server_router_push_many (server->router, (const guint64 *) others->data, others->len,
                              XG_PACKET_GROUP_JOIN_DECIDED,
                              xg_proto_group_join_decided_new (group_id, applicant_id, approved, change->actor_id));
}

static void
acted (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(GroupsRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerGroupChange) change = NULL;
  XgServer *server = xg_server_request_get_server (&req->base);
  const XgServerGroupAsk *ask = &req->ask;

  change = xg_server_store_group_act_finish (XG_SERVER_STORE (source), result, &error);
  if (change == NULL)
    {
      g_warning ("A groups request (%s): %s", xg_proto_packet_info (req->base.type)->name, error->message);
      if (ask->action == XG_SERVER_GROUP_CREATE)
        reply (req, XG_PACKET_GROUP_CREATE_FAIL,
               xg_proto_group_create_fail_new (XG_PROTO_GROUP_FAIL_INTERNAL, "The server could not do that now"));
      else
        reply_error (req, XG_PROTO_ERR_INTERNAL, "The server could not do that now");
      return;
    }
  if (refused (req, change))
    return;

  switch (ask->action)
    {
    case XG_SERVER_GROUP_CREATE:
      g_debug ("Account %" G_GUINT64_FORMAT " created group %" G_GUINT64_FORMAT, ask->actor_id, change->group->id);
      reply (req, XG_PACKET_GROUP_CREATE_OK, xg_proto_group_create_ok_new (change->group->id, info_body (change->group)));
      break;

    case XG_SERVER_GROUP_LOOKUP:
      reply (req, XG_PACKET_GROUP_BRIEF,
             xg_proto_group_brief_new (change->group->id, info_body (change->group), change->group->member_count,
                                       change->actor_role));
      break;

    case XG_SERVER_GROUP_INFO:
      reply (req, XG_PACKET_GROUP_INFO, group_info_packet (change->group, change->actor_role));
      break;

    case XG_SERVER_GROUP_MEMBERS:
      reply (req, XG_PACKET_GROUP_MEMBERS, members_body (server, change));
      break;

    case XG_SERVER_GROUP_JOIN_REQUEST:
      {
        g_autoptr(GArray) deciders = deciders_of (change, 0);

        reply (req, XG_PACKET_GROUP_JOIN_REQUEST_SENT, xg_proto_group_join_request_sent_new (ask->group_id));
        xg_server_router_push_many (server->router, (const guint64 *) deciders->data, deciders->len,
                                    XG_PACKET_GROUP_JOIN_REQUEST_INCOMING,
                                    xg_proto_group_join_request_incoming_new (ask->actor_id, ask->group_id,
                                                                              brief_body (change->group->name,
                                                                                          change->group->avatar),
                                                                              change->actor_nickname, ask->text));
      }
      break;

    case XG_SERVER_GROUP_APPROVE:
      reply (req, XG_PACKET_GROUP_JOIN_APPROVED,
             xg_proto_group_join_approved_new (ask->group_id, ask->other_id, info_body (change->group)));
      deliver_outcome (server, ask->group_id, ask->other_id, change->decided_at, XG_PACKET_GROUP_JOIN_APPROVED,
                       xg_proto_group_join_approved_new (ask->group_id, ask->other_id, info_body (change->group)));
      decided (server, change, ask->group_id, ask->other_id, TRUE);
      xg_server_groups_push_change (server, change);
      break;

    case XG_SERVER_GROUP_REJECT:
      reply (req, XG_PACKET_GROUP_JOIN_REJECTED,
             xg_proto_group_join_rejected_new (ask->group_id, ask->other_id, ask->text));
      deliver_outcome (server, ask->group_id, ask->other_id, change->decided_at, XG_PACKET_GROUP_JOIN_REJECTED,
                       xg_proto_group_join_rejected_new (ask->group_id, ask->other_id, ask->text));
      decided (server, change, ask->group_id, ask->other_id, FALSE);
      break;

    case XG_SERVER_GROUP_LEAVE:
      reply (req, XG_PACKET_GROUP_REMOVED,
             xg_proto_group_removed_new (ask->group_id, XG_PROTO_GROUP_REMOVED_LEFT, ask->actor_id));
      xg_server_groups_push_change (server, change);
      break;

    case XG_SERVER_GROUP_DISBAND:
      g_debug ("Account %" G_GUINT64_FORMAT " disbanded group %" G_GUINT64_FORMAT, ask->actor_id, ask->group_id);
      reply (req, XG_PACKET_GROUP_REMOVED,
             xg_proto_group_removed_new (ask->group_id, XG_PROTO_GROUP_REMOVED_DISBANDED, ask->actor_id));
      for (guint i = 0; i < change->removed->len; i++)
        {
          guint64 id = g_array_index (change->removed, guint64, i);

          if (id != ask->actor_id)
            xg_server_router_push (server->router, id, XG_PACKET_GROUP_REMOVED,
                                   xg_proto_group_removed_new (ask->group_id, XG_PROTO_GROUP_REMOVED_DISBANDED,
                                                               ask->actor_id));
        }
      break;

    case XG_SERVER_GROUP_UPDATE:
      reply (req, XG_PACKET_GROUP_INFO, group_info_packet (change->group, change->actor_role));
      if (g_variant_n_children (ask->info) > 0)
        push_info (server, change);
      break;

    case XG_SERVER_GROUP_INVITE:
      reply (req, XG_PACKET_GROUP_DONE, xg_proto_group_done_new (ask->group_id));
      xg_server_router_push (server->router, ask->other_id, XG_PACKET_GROUP_INVITE_INCOMING,
                             xg_proto_group_invite_incoming_new (ask->group_id,
                                                                 brief_body (change->group->name,
                                                                             change->group->avatar),
                                                                 ask->actor_id, change->actor_nickname,
                                                                 change->created_at));
      break;

    case XG_SERVER_GROUP_INVITE_ACCEPT:
      reply (req, XG_PACKET_GROUP_JOIN_APPROVED,
             xg_proto_group_join_approved_new (ask->group_id, ask->actor_id, info_body (change->group)));
      xg_server_groups_push_change (server, change);
      break;

    case XG_SERVER_GROUP_REMOVE:
    case XG_SERVER_GROUP_ROLE_SET:
    case XG_SERVER_GROUP_TRANSFER:
    case XG_SERVER_GROUP_INVITE_DECLINE:
    default:
      reply (req, XG_PACKET_GROUP_DONE, xg_proto_group_done_new (ask->group_id));
      xg_server_groups_push_change (server, change);
      break;
    }
}

static void
act (GroupsRequest *req)
{
  XgServer *server = xg_server_request_get_server (&req->base);
  XgServerGroupRules rules;

  get_rules (server, &rules);
  xg_server_store_group_act_async (server->store, &req->ask, &rules, acted, req);
}

/* --- Handlers ------------------------------------------------------------ */

/* A join request's or a rejection's reason (docs/PROTOCOL.md 6.2): kept
 * for the store, or refused with ERROR(INVALID_ARGUMENT). */
static gboolean
take_reason (GroupsRequest *req,
             const char    *reason)
{
  if (!xg_proto_group_reason_is_valid (reason))
    {
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT, "A reason has at most 256 characters");
      return FALSE;
    }
  req->ask.text = g_strdup (reason);
  return TRUE;
}

static void
handle_group_create (XgServerConnection *conn,
                     const XgProtoFrame *frame)
{
  g_autoptr(GroupsRequest) req = groups_request_new (conn, frame, XG_SERVER_GROUP_CREATE);

  xg_proto_group_create_get (frame->body, &req->ask.info);
  if (!xg_proto_group_info_is_valid (req->ask.info, TRUE))
    {
      reply (req, XG_PACKET_GROUP_CREATE_FAIL,
             xg_proto_group_create_fail_new (XG_PROTO_GROUP_FAIL_INVALID_INFO,
                                             "A group needs a name of 1-64 characters; a description has at most "
                                             "512, an avatar is a PNG or JPEG of at most 256 KiB"));
      return;
    }
  act (g_steal_pointer (&req));
}

static void
handle_group_lookup (XgServerConnection *conn,
                     const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_LOOKUP);

  xg_proto_group_lookup_get (frame->body, &req->ask.group_id);
  act (req);
}

static void
handle_group_info_request (XgServerConnection *conn,
                           const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_INFO);

  xg_proto_group_info_request_get (frame->body, &req->ask.group_id);
  act (req);
}

static void
handle_group_members_request (XgServerConnection *conn,
                              const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_MEMBERS);

  xg_proto_group_members_request_get (frame->body, &req->ask.group_id);
  act (req);
}

static void
handle_group_join_request (XgServerConnection *conn,
                           const XgProtoFrame *frame)
{
  g_autoptr(GroupsRequest) req = groups_request_new (conn, frame, XG_SERVER_GROUP_JOIN_REQUEST);
  const char *reason;

  xg_proto_group_join_request_get (frame->body, &req->ask.group_id, NULL, &reason);
  if (take_reason (req, reason))
    act (g_steal_pointer (&req));
}

static void
handle_group_join_approve (XgServerConnection *conn,
                           const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_APPROVE);

  xg_proto_group_join_approve_get (frame->body, &req->ask.group_id, &req->ask.other_id);
  act (req);
}

static void
handle_group_join_reject (XgServerConnection *conn,
                          const XgProtoFrame *frame)
{
  g_autoptr(GroupsRequest) req = groups_request_new (conn, frame, XG_SERVER_GROUP_REJECT);
  const char *reason;

  xg_proto_group_join_reject_get (frame->body, &req->ask.group_id, &req->ask.other_id, &reason);
  if (take_reason (req, reason))
    act (g_steal_pointer (&req));
}

static void
handle_group_leave (XgServerConnection *conn,
                    const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_LEAVE);

  xg_proto_group_leave_get (frame->body, &req->ask.group_id);
  act (req);
}

static void
handle_group_member_remove (XgServerConnection *conn,
                            const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_REMOVE);

  xg_proto_group_member_remove_get (frame->body, &req->ask.group_id, &req->ask.other_id);
  act (req);
}

static void
handle_group_role_set (XgServerConnection *conn,
                       const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_ROLE_SET);

  xg_proto_group_role_set_get (frame->body, &req->ask.group_id, &req->ask.other_id, &req->ask.role);
  act (req);
}

static void
handle_group_transfer (XgServerConnection *conn,
                       const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_TRANSFER);

  xg_proto_group_transfer_get (frame->body, &req->ask.group_id, &req->ask.other_id);
  act (req);
}

static void
handle_group_info_update (XgServerConnection *conn,
                          const XgProtoFrame *frame)
{
  g_autoptr(GroupsRequest) req = groups_request_new (conn, frame, XG_SERVER_GROUP_UPDATE);

  xg_proto_group_info_update_get (frame->body, &req->ask.group_id, &req->ask.info);
  if (!xg_proto_group_info_is_valid (req->ask.info, FALSE))
    {
      reply_error (req, XG_PROTO_ERR_INVALID_ARGUMENT,
                   "A group's name has 1-64 characters, its description at most 512, its avatar is a PNG "
                   "or JPEG of at most 256 KiB, and there are no other fields");
      return;
    }
  act (g_steal_pointer (&req));
}

static void
handle_group_disband (XgServerConnection *conn,
                      const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_DISBAND);

  xg_proto_group_disband_get (frame->body, &req->ask.group_id);
  act (req);
}

static void
handle_group_invite (XgServerConnection *conn,
                     const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_INVITE);

  xg_proto_group_invite_get (frame->body, &req->ask.group_id, &req->ask.other_id);
  act (req);
}

static void
handle_group_invite_accept (XgServerConnection *conn,
                            const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_INVITE_ACCEPT);

  xg_proto_group_invite_accept_get (frame->body, &req->ask.group_id, &req->ask.other_id);
  act (req);
}

static void
handle_group_invite_decline (XgServerConnection *conn,
                             const XgProtoFrame *frame)
{
  GroupsRequest *req = groups_request_new (conn, frame, XG_SERVER_GROUP_INVITE_DECLINE);

  xg_proto_group_invite_decline_get (frame->body, &req->ask.group_id, &req->ask.other_id);
  act (req);
}

/* --- The login sync ------------------------------------------------------ */

static guint16
outcome_type (const XgServerGroupOutcome *outcome)
{
  switch (outcome->state)
    {
    case XG_SERVER_REQUEST_ACCEPTED: return XG_PACKET_GROUP_JOIN_APPROVED;
    case XG_SERVER_REQUEST_REJECTED: return XG_PACKET_GROUP_JOIN_REJECTED;
    default:                         return XG_PACKET_GROUP_JOIN_TIMEOUT;
    }
}

static GVariant *
outcome_body (const XgServerGroupOutcome *outcome,
              guint64                     applicant_id)
{
  switch (outcome->state)
    {
    case XG_SERVER_REQUEST_ACCEPTED:
      return xg_proto_group_join_approved_new (outcome->group_id, applicant_id, info_body (outcome->group));
    case XG_SERVER_REQUEST_REJECTED:
      return xg_proto_group_join_rejected_new (outcome->group_id, applicant_id, outcome->reason);
    default:
      return xg_proto_group_join_timeout_new (outcome->group_id, applicant_id);
    }
}

/**
 * xg_server_groups_sync_prepare:
 * @login: a login about to be queued (xg-server-store-login.h)
 *
 * The rules the groups' part of its sync is read with.
 */
void
xg_server_groups_sync_prepare (XgServer      *server,
                               XgServerLogin *login)
{
  get_rules (server, &login->group_rules);
}

/**
 * xg_server_groups_sync_deliver:
 * @conn: the connection the login came on, its friends' part sent
 * @login: the login, its sync read
 *
 * Item 6 of docs/PROTOCOL.md 3.7, as read with the login: GROUP_LIST, the
 * join requests waiting for this account's answer and its own, its
 * invitations, the outcomes that waited for it; then SYNC_DONE.
 */
void
xg_server_groups_sync_deliver (XgServerConnection *conn,
                               XgServerLogin      *login)
{
  XgServer *server = conn->server;
  XgServerGroupSync *read = login->groups;
  guint64 account_id = login->account_id;

  if (read == NULL)
    {
      /* As for the friends' part: no SYNC_DONE without all of it. */
      g_warning ("Reading the groups' login sync of account %" G_GUINT64_FORMAT ": %s", account_id,
                 login->groups_error->message);
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
                               outcome_body (read->outcomes->pdata[i], account_id));
      return;
    }

  if (read->groups->len == 0)
    xg_server_connection_send_frame (conn, xg_server_constant_frame (server, XG_SERVER_FRAME_EMPTY_GROUP_LIST));
  else
    {
      GVariantBuilder builder;

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tyuut)"));
      for (guint i = 0; i < read->groups->len; i++)
        {
          XgServerGroupEntry *entry = &g_array_index (read->groups, XgServerGroupEntry, i);

          g_variant_builder_add (&builder, "(tyuut)", entry->group_id, entry->role, entry->revision,
                                 entry->member_count, entry->last_seq);
        }
      xg_server_connection_send (conn, XG_PACKET_GROUP_LIST, 0,
                                 xg_proto_group_list_new (g_variant_builder_end (&builder)));
    }

  for (guint i = 0; i < read->incoming->len; i++)
    {
      XgServerGroupPending *p = read->incoming->pdata[i];

      xg_server_connection_send (conn, XG_PACKET_GROUP_JOIN_REQUEST_INCOMING, 0,
                                 xg_proto_group_join_request_incoming_new (p->account_id, p->group_id,
                                                                           brief_body (p->name, p->avatar),
                                                                           p->nickname, p->reason));
    }
  for (guint i = 0; i < read->outgoing->len; i++)
    {
      XgServerGroupPending *p = read->outgoing->pdata[i];

      xg_server_connection_send (conn, XG_PACKET_GROUP_JOIN_REQUEST_OUTGOING, 0,
                                 xg_proto_group_join_request_outgoing_new (p->group_id, p->account_id,
                                                                           brief_body (p->name, p->avatar),
                                                                           p->reason, p->created_at));
    }
  for (guint i = 0; i < read->invites->len; i++)
    {
      XgServerGroupPending *p = read->invites->pdata[i];

      xg_server_connection_send (conn, XG_PACKET_GROUP_INVITE_INCOMING, 0,
                                 xg_proto_group_invite_incoming_new (p->group_id, brief_body (p->name, p->avatar),
                                                                     p->account_id, p->nickname, p->created_at));
    }
  for (guint i = 0; i < read->outcomes->len; i++)
    xg_server_connection_send (conn, outcome_type (read->outcomes->pdata[i]), 0,
                               outcome_body (read->outcomes->pdata[i], account_id));
  xg_server_connection_send_frame (conn, xg_server_constant_frame (server, XG_SERVER_FRAME_SYNC_DONE));
}

/* --- Join requests nobody answered --------------------------------------- */

static void
expired (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(XgServer) server = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) requests = xg_server_store_group_expire_finish (XG_SERVER_STORE (source), result, &error);

  server->groups_expiring = FALSE;
  if (requests == NULL)
    {
      if (!g_error_matches (error, XG_SERVER_STORE_ERROR, XG_SERVER_STORE_ERROR_CLOSED))
        g_warning ("Expiring join requests: %s", error->message);
      return;
    }

  for (guint i = 0; i < requests->len; i++)
    {
      XgServerGroupExpired *request = requests->pdata[i];

      /* The deciders' pending lists lose it; the applicant learns now or at login. */
      xg_server_router_push_many (server->router, (const guint64 *) request->deciders->data, request->deciders->len,
                                  XG_PACKET_GROUP_JOIN_TIMEOUT,
                                  xg_proto_group_join_timeout_new (request->group_id, request->applicant_id));
      deliver_outcome (server, request->group_id, request->applicant_id, request->decided_at,
                       XG_PACKET_GROUP_JOIN_TIMEOUT,
                       xg_proto_group_join_timeout_new (request->group_id, request->applicant_id));
    }

  if ((requests->len == EXPIRY_BATCH || server->groups_expire_again) && !server->stopping)
    xg_server_groups_expire (server);
}

/**
 * xg_server_groups_expire:
 *
 * Marks the join requests older than [groups] join-request-timeout
 * expired and pushes GROUP_JOIN_TIMEOUT for them, and drops the
 * invitations older than it. Runs with the friend requests' expiry
 * (xg_server_friends_expire).
 */
void
xg_server_groups_expire (XgServer *server)
{
  XgServerGroupRules rules;

  if (server->groups_expiring)
    {
      server->groups_expire_again = TRUE;
      return;
    }
  server->groups_expiring = TRUE;
  server->groups_expire_again = FALSE;
  get_rules (server, &rules);
  xg_server_store_group_expire_async (server->store, &rules, EXPIRY_BATCH, expired, g_object_ref (server));
}

static const XgServerHandlerEntry handlers[] = {
  { XG_PACKET_GROUP_CREATE,          TRUE, handle_group_create },
  { XG_PACKET_GROUP_LOOKUP,          TRUE, handle_group_lookup },
  { XG_PACKET_GROUP_INFO_REQUEST,    TRUE, handle_group_info_request },
  { XG_PACKET_GROUP_MEMBERS_REQUEST, TRUE, handle_group_members_request },
  { XG_PACKET_GROUP_JOIN_REQUEST,    TRUE, handle_group_join_request },
  { XG_PACKET_GROUP_JOIN_APPROVE,    TRUE, handle_group_join_approve },
  { XG_PACKET_GROUP_JOIN_REJECT,     TRUE, handle_group_join_reject },
  { XG_PACKET_GROUP_LEAVE,           TRUE, handle_group_leave },
  { XG_PACKET_GROUP_MEMBER_REMOVE,   TRUE, handle_group_member_remove },
  { XG_PACKET_GROUP_ROLE_SET,        TRUE, handle_group_role_set },
  { XG_PACKET_GROUP_TRANSFER,        TRUE, handle_group_transfer },
  { XG_PACKET_GROUP_INFO_UPDATE,     TRUE, handle_group_info_update },
  { XG_PACKET_GROUP_DISBAND,         TRUE, handle_group_disband },
  { XG_PACKET_GROUP_INVITE,          TRUE, handle_group_invite },
  { XG_PACKET_GROUP_INVITE_ACCEPT,   TRUE, handle_group_invite_accept },
  { XG_PACKET_GROUP_INVITE_DECLINE,  TRUE, handle_group_invite_decline },
};

const XgServerHandlerEntry *
xg_server_groups_get_handlers (guint *n_handlers)
{
  *n_handlers = G_N_ELEMENTS (handlers);
  return handlers;
}
