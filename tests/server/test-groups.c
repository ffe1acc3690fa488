/* test-groups.c: xinge-server's groups, end to end over real TLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test starts the real server binary on a temporary data dir and
 * talks to it through the shared protocol library (docs/PROTOCOL.md 3.7
 * item 6, 4.6, 5.13, 7.6). Join request timeouts move the server's clock
 * (xg_test_server_advance_clock(), XG_SERVER_TEST_CLOCK). Group messages
 * (GROUP_SEND and delivery) are not tested here.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <sqlite3.h>

#include "xg-test-harness.h"
#include "xg-test-people.h"

#define TIMEOUT_SECONDS (7 * 24 * 3600)   /* [groups] join-request-timeout's default */
#define FIRST_GROUP     100000000

/* --- Helpers ------------------------------------------------------------- */

static GVariant *
info_new (const char *name,
          const char *description)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (name != NULL)
    g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (name));
  if (description != NULL)
    g_variant_builder_add (&builder, "{sv}", "description", g_variant_new_string (description));
  return g_variant_builder_end (&builder);
}

static char *
info_name (GVariant *info)
{
  const char *name = NULL;

  g_assert_true (g_variant_lookup (info, "name", "&s", &name));
  return g_strdup (name);
}

/* The next push that is not PRESENCE, which must be @type. */
static XgProtoFrame *
next_push (Person  *p,
           guint16  type)
{
  for (;;)
    {
      XgProtoFrame *frame = xg_test_client_receive (p->client, XG_TEST_TIMEOUT_MS);

      if (frame == NULL)
        g_error ("%s: expected %s, got nothing", p->nickname, xg_proto_packet_info (type)->name);
      if (frame->type == XG_PACKET_PRESENCE)
        {
          xg_proto_frame_free (frame);
          continue;
        }
      if (frame->type != type)
        {
          g_autofree char *text = frame->body ? g_variant_print (frame->body, FALSE) : g_strdup ("-");

          g_error ("%s: expected %s, got %s %s", p->nickname, xg_proto_packet_info (type)->name,
                   xg_proto_packet_info (frame->type)->name, text);
        }
      g_assert_cmpuint (frame->request_id, ==, 0);
      return frame;
    }
}

/* Nothing for @p but PRESENCE. */
static void
quiet (Person *p)
{
  xg_proto_frame_free (ask (p, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (0), XG_PACKET_HEARTBEAT_ACK));
  while (!g_queue_is_empty (&p->client->frames) &&
         ((XgProtoFrame *) g_queue_peek_head (&p->client->frames))->type == XG_PACKET_PRESENCE)
    xg_proto_frame_free (g_queue_pop_head (&p->client->frames));
  nothing_for (p);
}

static guint64
create_group (Person     *owner,
              const char *name)
{
  g_autoptr(XgProtoFrame) ok = ask (owner, XG_PACKET_GROUP_CREATE,
                                    xg_proto_group_create_new (info_new (name, "about it")),
                                    XG_PACKET_GROUP_CREATE_OK);
  g_autoptr(GVariant) info = NULL;
  g_autofree char *stored = NULL;
  guint64 id;

  xg_proto_group_create_ok_get (ok->body, &id, &info);
  stored = info_name (info);
  g_assert_cmpstr (stored, ==, name);
  g_assert_cmpuint (id, >=, FIRST_GROUP);
  return id;
}

static void
take_event (Person  *p,
            guint64  group_id,
            guint64  member_id,
            guint8   event,
            guint8   role,
            guint64  actor_id,
            guint32  member_count)
{
  g_autoptr(XgProtoFrame) frame = next_push (p, XG_PACKET_GROUP_MEMBER_EVENT);
  guint64 g, m, a;
  guint8 e, r;
  const char *nickname;
  guint32 count;

  xg_proto_group_member_event_get (frame->body, &g, &m, &e, &r, &nickname, &a, &count);
  g_assert_cmpuint (g, ==, group_id);
  g_assert_cmpuint (m, ==, member_id);
  g_assert_cmpuint (e, ==, event);
  g_assert_cmpuint (r, ==, role);
  g_assert_cmpuint (a, ==, actor_id);
  g_assert_cmpuint (count, ==, member_count);
  g_assert_cmpstr (nickname, !=, "");
}

static void
send_join (Person     *p,
           guint64     group_id,
           const char *reason)
{
  xg_proto_frame_free (ask (p, XG_PACKET_GROUP_JOIN_REQUEST,
                            xg_proto_group_join_request_new (group_id, p->id, reason),
                            XG_PACKET_GROUP_JOIN_REQUEST_SENT));
}

static void
take_join_incoming (Person     *admin,
                    Person     *applicant,
                    guint64     group_id,
                    const char *reason)
{
  g_autoptr(XgProtoFrame) frame = next_push (admin, XG_PACKET_GROUP_JOIN_REQUEST_INCOMING);
  g_autoptr(GVariant) brief = NULL;
  guint64 a, g;
  const char *nickname, *r;

  xg_proto_group_join_request_incoming_get (frame->body, &a, &g, &brief, &nickname, &r);
  g_assert_cmpuint (a, ==, applicant->id);
  g_assert_cmpuint (g, ==, group_id);
  g_assert_cmpstr (nickname, ==, applicant->nickname);
  g_assert_cmpstr (r, ==, reason);
  g_assert_true (g_variant_lookup (brief, "name", "&s", &r));
}

/* The role GROUP_LIST in @sync gives @group_id (0 if absent), with its count. */
static guint8
listed_role (GPtrArray *sync,
             guint64    group_id,
             guint32   *member_count)
{
  XgProtoFrame *list = find_type (sync, XG_PACKET_GROUP_LIST);
  g_autoptr(GVariant) groups = NULL;
  GVariantIter iter;
  guint64 g, last;
  guint8 role;
  guint32 revision, count;

  g_assert_nonnull (list);
  g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_LIST), ==, 1);
  xg_proto_group_list_get (list->body, &groups);
  g_variant_iter_init (&iter, groups);
  while (g_variant_iter_next (&iter, "(tyuut)", &g, &role, &revision, &count, &last))
    if (g == group_id)
      {
        if (member_count != NULL)
          *member_count = count;
        g_assert_cmpuint (revision, >=, 1);
        return role;
      }
  return 0;
}

/* GROUP_MEMBERS as "id:role,id:role". */
static char *
members_of (Person  *p,
            guint64  group_id)
{
  g_autoptr(XgProtoFrame) frame = ask (p, XG_PACKET_GROUP_MEMBERS_REQUEST, xg_proto_group_members_request_new (group_id),
                                       XG_PACKET_GROUP_MEMBERS);
  g_autoptr(GVariant) members = NULL;
  g_autoptr(GString) out = g_string_new ("");
  GVariantIter iter;
  guint64 g, id;
  guint8 role;
  const char *nickname;
  gboolean online;

  xg_proto_group_members_get (frame->body, &g, &members);
  g_assert_cmpuint (g, ==, group_id);
  g_variant_iter_init (&iter, members);
  while (g_variant_iter_next (&iter, "(ty&sb)", &id, &role, &nickname, &online))
    g_string_append_printf (out, "%s%" G_GUINT64_FORMAT ":%u", out->len ? "," : "", id, role);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* An online member count from GROUP_INFO. */
static guint32
info_of (Person  *p,
         guint64  group_id,
         guint8  *role,
         guint64 *owner,
         guint32 *revision)
{
  g_autoptr(XgProtoFrame) frame = ask (p, XG_PACKET_GROUP_INFO_REQUEST, xg_proto_group_info_request_new (group_id),
                                       XG_PACKET_GROUP_INFO);
  g_autoptr(GVariant) info = NULL;
  guint64 g, o;
  guint32 rev, count;
  guint8 r;

  xg_proto_group_info_get (frame->body, &g, &info, &rev, &o, &count, &r);
  g_assert_cmpuint (g, ==, group_id);
  if (role != NULL)
    *role = r;
  if (owner != NULL)
    *owner = o;
  if (revision != NULL)
    *revision = rev;
  return count;
}

/* @applicant (online) asks to join, @admin (online) approves. */
static void
join_approved (Person  *owner,
               Person  *applicant,
               guint64  group_id,
               guint32  count_after)
{
  g_autoptr(XgProtoFrame) approved = NULL;

  send_join (applicant, group_id, "let me in");
  take_join_incoming (owner, applicant, group_id, "let me in");
  approved = ask (owner, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (group_id, applicant->id),
                  XG_PACKET_GROUP_JOIN_APPROVED);
  xg_proto_frame_free (next_push (applicant, XG_PACKET_GROUP_JOIN_APPROVED));
  take_event (owner, group_id, applicant->id, 1, 3, applicant->id, count_after);
  take_event (applicant, group_id, applicant->id, 1, 3, applicant->id, count_after);
  xg_proto_frame_free (next_push (applicant, XG_PACKET_GROUP_INFO));
}

/* --- Tests --------------------------------------------------------------- */

/* Create, look up, info, members; the numbers start at 100000000. */
static void
test_create_lookup (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) pete = person_new (server, "Pete");
  guint64 first, second;
  guint8 role;
  guint64 owner;
  guint32 revision;

  person_online (olga);
  person_online (pete);
  first = create_group (olga, "Pigeons");
  second = create_group (olga, "Doves");
  g_assert_cmpuint (first, ==, FIRST_GROUP);
  g_assert_cmpuint (second, ==, FIRST_GROUP + 1);

  /* Anyone may see the brief; the role is theirs. */
  {
    g_autoptr(XgProtoFrame) brief = ask (pete, XG_PACKET_GROUP_LOOKUP, xg_proto_group_lookup_new (first),
                                         XG_PACKET_GROUP_BRIEF);
    g_autoptr(GVariant) fields = NULL;
    g_autofree char *name = NULL;
    const char *description;
    guint64 g;
    guint32 count;

    xg_proto_group_brief_get (brief->body, &g, &fields, &count, &role);
    name = info_name (fields);
    g_assert_cmpstr (name, ==, "Pigeons");
    g_assert_true (g_variant_lookup (fields, "description", "&s", &description));
    g_assert_cmpstr (description, ==, "about it");
    g_assert_cmpuint (count, ==, 1);
    g_assert_cmpuint (role, ==, 0);
  }
  refused (pete, XG_PACKET_GROUP_LOOKUP, xg_proto_group_lookup_new (FIRST_GROUP + 7), XG_PROTO_ERR_NOT_FOUND);

  g_assert_cmpuint (info_of (olga, first, &role, &owner, &revision), ==, 1);
  g_assert_cmpuint (role, ==, 1);
  g_assert_cmpuint (owner, ==, olga->id);
  g_assert_cmpuint (revision, ==, 1);
  {
    g_autofree char *members = members_of (olga, first);
    g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT ":1", olga->id);

    g_assert_cmpstr (members, ==, want);
  }
  /* Not a member: neither info nor members. */
  refused (pete, XG_PACKET_GROUP_INFO_REQUEST, xg_proto_group_info_request_new (first),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (pete, XG_PACKET_GROUP_MEMBERS_REQUEST, xg_proto_group_members_request_new (first),
           XG_PROTO_ERR_PERMISSION_DENIED);

  /* Invalid info. */
  {
    GVariant *bad[] = {
      info_new (NULL, "no name"),
      info_new ("", NULL),
      info_new ("12345678901234567890123456789012345678901234567890123456789012345", NULL),
      NULL,
    };
    GVariantBuilder extra;

    g_variant_builder_init (&extra, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&extra, "{sv}", "name", g_variant_new_string ("ok"));
    g_variant_builder_add (&extra, "{sv}", "colour", g_variant_new_string ("blue"));
    bad[3] = g_variant_builder_end (&extra);
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(XgProtoFrame) fail = ask (olga, XG_PACKET_GROUP_CREATE, xg_proto_group_create_new (bad[i]),
                                            XG_PACKET_GROUP_CREATE_FAIL);
        guint32 reason;
        const char *message;

        xg_proto_group_create_fail_get (fail->body, &reason, &message);
        g_assert_cmpuint (reason, ==, XG_PROTO_GROUP_FAIL_INVALID_INFO);
      }
  }

  /* The owner's login lists both, as owner; a stranger's lists none. */
  person_offline (olga);
  {
    g_autoptr(GPtrArray) sync = person_login (olga);
    guint32 count;

    g_assert_cmpuint (listed_role (sync, first, &count), ==, 1);
    g_assert_cmpuint (count, ==, 1);
    g_assert_cmpuint (listed_role (sync, second, NULL), ==, 1);
  }
  person_offline (pete);
  {
    g_autoptr(GPtrArray) sync = person_login (pete);

    g_assert_cmpuint (listed_role (sync, first, NULL), ==, 0);
  }
}

/* A join request approved by an admin while the owner is offline; the
 * owner hears of it at login; outcomes at the applicant's next login,
 * exactly once. */
static void
test_join_admin_owner_offline (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) adam = person_new (server, "Adam");
  g_autoptr(Person) pete = person_new (server, "Pete");
  g_autoptr(Person) rita = person_new (server, "Rita");
  guint64 g;

  person_online (olga);
  person_online (adam);
  g = create_group (olga, "Pigeons");
  join_approved (olga, adam, g, 2);
  xg_proto_frame_free (ask (olga, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, adam->id, 2),
                            XG_PACKET_GROUP_DONE));
  take_event (olga, g, adam->id, 4, 2, olga->id, 2);
  take_event (adam, g, adam->id, 4, 2, olga->id, 2);
  person_offline (olga);

  /* Pete applies while online; Rita while offline afterwards. */
  person_online (pete);
  send_join (pete, g, "bird lover");
  take_join_incoming (adam, pete, g, "bird lover");
  /* Asking again while it waits: a clear refusal, and nobody is told
   * again (the reason stays the first one). */
  refused (pete, XG_PACKET_GROUP_JOIN_REQUEST, xg_proto_group_join_request_new (g, pete->id, "another reason"),
           XG_PROTO_ERR_ALREADY_PENDING);
  quiet (adam);

  person_online (rita);
  send_join (rita, g, "me too");
  take_join_incoming (adam, rita, g, "me too");
  person_offline (rita);

  /* Pete's outgoing list at a new login. */
  person_offline (pete);
  {
    g_autoptr(GPtrArray) sync = person_login (pete);
    XgProtoFrame *out = find_type (sync, XG_PACKET_GROUP_JOIN_REQUEST_OUTGOING);
    g_autoptr(GVariant) brief = NULL;
    guint64 gg, a;
    const char *reason;
    gint64 time;

    g_assert_nonnull (out);
    xg_proto_group_join_request_outgoing_get (out->body, &gg, &a, &brief, &reason, &time);
    g_assert_cmpuint (gg, ==, g);
    g_assert_cmpuint (a, ==, pete->id);
    g_assert_cmpstr (reason, ==, "bird lover");
    g_assert_cmpuint (listed_role (sync, g, NULL), ==, 0);
  }

  /* The admin approves Pete (online) and rejects Rita (offline). */
  xg_proto_frame_free (ask (adam, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (g, pete->id),
                            XG_PACKET_GROUP_JOIN_APPROVED));
  {
    g_autoptr(XgProtoFrame) approved = next_push (pete, XG_PACKET_GROUP_JOIN_APPROVED);
    g_autoptr(GVariant) info = NULL;
    g_autofree char *name = NULL;
    guint64 gg, a;

    xg_proto_group_join_approved_get (approved->body, &gg, &a, &info);
    name = info_name (info);
    g_assert_cmpuint (gg, ==, g);
    g_assert_cmpuint (a, ==, pete->id);
    g_assert_cmpstr (name, ==, "Pigeons");
  }
  take_event (adam, g, pete->id, 1, 3, pete->id, 3);
  take_event (pete, g, pete->id, 1, 3, pete->id, 3);
  xg_proto_frame_free (next_push (pete, XG_PACKET_GROUP_INFO));
  {
    g_autoptr(XgProtoFrame) rejected = ask (adam, XG_PACKET_GROUP_JOIN_REJECT,
                                            xg_proto_group_join_reject_new (g, rita->id, "not now"),
                                            XG_PACKET_GROUP_JOIN_REJECTED);
  }
  /* Answered already: a second answer is refused. */
  refused (adam, XG_PACKET_GROUP_JOIN_REJECT, xg_proto_group_join_reject_new (g, rita->id, ""),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (adam, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (g, pete->id),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  quiet (pete);
  quiet (adam);

  /* Rita's login gives her the outcome, once. */
  {
    g_autoptr(GPtrArray) sync = person_login (rita);

    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_JOIN_REJECTED), ==, 1);
    g_assert_cmpuint (listed_role (sync, g, NULL), ==, 0);
  }
  person_offline (rita);
  {
    g_autoptr(GPtrArray) again = person_login (rita);

    g_assert_cmpuint (count_type (again, XG_PACKET_GROUP_JOIN_REJECTED), ==, 0);
  }
  /* A plain member may not answer. */
  send_join (rita, g, "again");
  take_join_incoming (adam, rita, g, "again");
  refused (pete, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (g, rita->id),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (pete, XG_PACKET_GROUP_JOIN_REJECT, xg_proto_group_join_reject_new (g, rita->id, ""),
           XG_PROTO_ERR_PERMISSION_DENIED);

  /* The owner's login: the group with three members, no pending request. */
  {
    g_autoptr(GPtrArray) sync = person_login (olga);
    guint32 count;

    g_assert_cmpuint (listed_role (sync, g, &count), ==, 1);
    g_assert_cmpuint (count, ==, 3);
    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_JOIN_REQUEST_INCOMING), ==, 1);  /* Rita's second request */
  }
  {
    g_autofree char *members = members_of (olga, g);
    g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT ":1,%" G_GUINT64_FORMAT ":2,%" G_GUINT64_FORMAT ":3",
                                             olga->id, adam->id, pete->id);

    g_assert_cmpstr (members, ==, want);
  }
}

/* The rejection reaches an offline applicant at its next login, once. */
static void
test_outcome_at_login (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) rita = person_new (server, "Rita");
  g_autoptr(Person) pete = person_new (server, "Pete");
  guint64 g;

  person_online (olga);
  g = create_group (olga, "Pigeons");
  person_online (rita);
  person_online (pete);
  send_join (rita, g, "");
  take_join_incoming (olga, rita, g, "");
  send_join (pete, g, "hi");
  take_join_incoming (olga, pete, g, "hi");
  person_offline (rita);
  person_offline (pete);

  xg_proto_frame_free (ask (olga, XG_PACKET_GROUP_JOIN_REJECT, xg_proto_group_join_reject_new (g, rita->id, "full"),
                            XG_PACKET_GROUP_JOIN_REJECTED));
  xg_proto_frame_free (ask (olga, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (g, pete->id),
                            XG_PACKET_GROUP_JOIN_APPROVED));
  take_event (olga, g, pete->id, 1, 3, pete->id, 2);
  quiet (olga);

  {
    g_autoptr(GPtrArray) sync = person_login (rita);
    XgProtoFrame *rejected = find_type (sync, XG_PACKET_GROUP_JOIN_REJECTED);
    guint64 gg, a;
    const char *reason;

    g_assert_nonnull (rejected);
    xg_proto_group_join_rejected_get (rejected->body, &gg, &a, &reason);
    g_assert_cmpuint (gg, ==, g);
    g_assert_cmpuint (a, ==, rita->id);
    g_assert_cmpstr (reason, ==, "full");
  }
  {
    g_autoptr(GPtrArray) sync = person_login (pete);

    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_JOIN_APPROVED), ==, 1);
    g_assert_cmpuint (listed_role (sync, g, NULL), ==, 3);
  }
  person_offline (rita);
  person_offline (pete);
  {
    g_autoptr(GPtrArray) sync = person_login (rita);

    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_JOIN_REJECTED), ==, 0);
  }
  {
    g_autoptr(GPtrArray) sync = person_login (pete);

    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_JOIN_APPROVED), ==, 0);
    g_assert_cmpuint (listed_role (sync, g, NULL), ==, 3);
  }
  /* Rita may ask again. */
  send_join (rita, g, "please");
  take_join_incoming (olga, rita, g, "please");
}

/* The answer to request @id, whatever its type; the pushes that came
 * first stay queued, in order. */
static XgProtoFrame *
answer_to (Person  *p,
           guint32  id)
{
  g_autoptr(GPtrArray) others = g_ptr_array_new ();
  XgProtoFrame *answer = NULL;

  while (answer == NULL)
    {
      XgProtoFrame *f = xg_test_client_receive (p->client, XG_TEST_TIMEOUT_MS);

      g_assert_nonnull (f);
      if (f->request_id == id)
        answer = f;
      else
        g_ptr_array_add (others, f);
    }
  for (guint i = others->len; i > 0; i--)
    g_queue_push_head (&p->client->frames, others->pdata[i - 1]);
  return answer;
}

/* Two admins online: the first answer decides, the other is told. */
static void
test_first_answer_decides (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) adam = person_new (server, "Adam");
  g_autoptr(Person) anna = person_new (server, "Anna");
  g_autoptr(Person) pete = person_new (server, "Pete");
  guint64 g;

  person_online (olga);
  person_online (adam);
  person_online (anna);
  g = create_group (olga, "Pigeons");
  join_approved (olga, adam, g, 2);
  join_approved (olga, anna, g, 3);
  take_event (adam, g, anna->id, 1, 3, anna->id, 3);
  xg_proto_frame_free (ask (olga, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, adam->id, 2),
                            XG_PACKET_GROUP_DONE));
  xg_proto_frame_free (ask (olga, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, anna->id, 2),
                            XG_PACKET_GROUP_DONE));
  for (guint i = 0; i < 2; i++)
    {
      take_event (olga, g, i == 0 ? adam->id : anna->id, 4, 2, olga->id, 3);
      take_event (adam, g, i == 0 ? adam->id : anna->id, 4, 2, olga->id, 3);
      take_event (anna, g, i == 0 ? adam->id : anna->id, 4, 2, olga->id, 3);
    }

  person_online (pete);
  send_join (pete, g, "hello");
  take_join_incoming (olga, pete, g, "hello");
  take_join_incoming (adam, pete, g, "hello");
  take_join_incoming (anna, pete, g, "hello");

  /* Both admins answer at once; exactly one of them decides. */
  {
    guint32 approve = xg_test_client_send (adam->client, XG_PACKET_GROUP_JOIN_APPROVE,
                                           xg_proto_group_join_approve_new (g, pete->id));
    guint32 reject = xg_test_client_send (anna->client, XG_PACKET_GROUP_JOIN_REJECT,
                                          xg_proto_group_join_reject_new (g, pete->id, "no"));
    XgProtoFrame *a_answer, *b_answer;
    gboolean approved;

    a_answer = answer_to (adam, approve);
    b_answer = answer_to (anna, reject);
    approved = a_answer->type == XG_PACKET_GROUP_JOIN_APPROVED;
    if (approved)
      {
        g_assert_cmpuint (error_code (b_answer, XG_PACKET_GROUP_JOIN_REJECT), ==, XG_PROTO_ERR_INVALID_ARGUMENT);
        xg_proto_frame_free (next_push (pete, XG_PACKET_GROUP_JOIN_APPROVED));
      }
    else
      {
        g_assert_cmpuint (b_answer->type, ==, XG_PACKET_GROUP_JOIN_REJECTED);
        g_assert_cmpuint (error_code (a_answer, XG_PACKET_GROUP_JOIN_APPROVE), ==, XG_PROTO_ERR_INVALID_ARGUMENT);
        xg_proto_frame_free (next_push (pete, XG_PACKET_GROUP_JOIN_REJECTED));
      }
    xg_proto_frame_free (a_answer);
    xg_proto_frame_free (b_answer);

    /* The owner and the admin who lost are told who decided. */
    {
      Person *others[] = { olga, approved ? anna : adam };

      for (guint i = 0; i < G_N_ELEMENTS (others); i++)
        {
          g_autoptr(XgProtoFrame) d = next_push (others[i], XG_PACKET_GROUP_JOIN_DECIDED);
          guint64 gg, a, decider;
          gboolean yes;

          xg_proto_group_join_decided_get (d->body, &gg, &a, &yes, &decider);
          g_assert_cmpuint (gg, ==, g);
          g_assert_cmpuint (a, ==, pete->id);
          g_assert_cmpint (yes, ==, approved);
          g_assert_cmpuint (decider, ==, approved ? adam->id : anna->id);
        }
    }
    /* The admin who decided was not told "decided". */
    if (approved)
      {
        take_event (adam, g, pete->id, 1, 3, pete->id, 4);
        take_event (olga, g, pete->id, 1, 3, pete->id, 4);
        take_event (anna, g, pete->id, 1, 3, pete->id, 4);
      }
    quiet (adam);
    quiet (anna);
    quiet (olga);
  }
}

static void
done (Person   *p,
      guint16   type,
      GVariant *body)
{
  xg_proto_frame_free (ask (p, type, body, XG_PACKET_GROUP_DONE));
}

static void
take_removed (Person  *p,
              guint64  group_id,
              guint8   reason,
              guint64  actor_id)
{
  g_autoptr(XgProtoFrame) frame = next_push (p, XG_PACKET_GROUP_REMOVED);
  guint64 g, a;
  guint8 r;

  xg_proto_group_removed_get (frame->body, &g, &r, &a);
  g_assert_cmpuint (g, ==, group_id);
  g_assert_cmpuint (r, ==, reason);
  g_assert_cmpuint (a, ==, actor_id);
}

/* Nobody answers: the applicant and the owner hear GROUP_JOIN_TIMEOUT,
 * now or at the next login, once; the request cannot be answered. */
static void
test_timeout (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) pete = person_new (server, "Pete");
  g_autoptr(Person) rita = person_new (server, "Rita");
  guint64 g;

  person_online (olga);
  person_online (pete);
  person_online (rita);
  g = create_group (olga, "Pigeons");
  send_join (pete, g, "1");
  take_join_incoming (olga, pete, g, "1");
  send_join (rita, g, "2");
  take_join_incoming (olga, rita, g, "2");
  person_offline (rita);

  xg_test_server_advance_clock (server, olga->client, TIMEOUT_SECONDS - 10);
  quiet (pete);
  xg_test_server_advance_clock (server, olga->client, 11);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(XgProtoFrame) t = next_push (olga, XG_PACKET_GROUP_JOIN_TIMEOUT);
      guint64 gg, a;

      xg_proto_group_join_timeout_get (t->body, &gg, &a);
      g_assert_cmpuint (gg, ==, g);
      g_assert_cmpuint (a, ==, i == 0 ? pete->id : rita->id);
    }
  xg_proto_frame_free (next_push (pete, XG_PACKET_GROUP_JOIN_TIMEOUT));
  refused (olga, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (g, pete->id),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  quiet (olga);
  quiet (pete);
  {
    g_autoptr(GPtrArray) sync = person_login (rita);

    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_JOIN_TIMEOUT), ==, 1);
    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_JOIN_REQUEST_OUTGOING), ==, 0);
  }
  person_offline (rita);
  {
    g_autoptr(GPtrArray) sync = person_login (rita);

    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_JOIN_TIMEOUT), ==, 0);
  }
  person_offline (olga);
  {
    g_autoptr(GPtrArray) sync = person_login (olga);

    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_JOIN_REQUEST_INCOMING), ==, 0);
  }
  /* A new request starts afresh. */
  send_join (pete, g, "again");
  take_join_incoming (olga, pete, g, "again");
}

/* Removal, leaving, roles, edits, transfer and disbanding, with every
 * refusal of docs/PROTOCOL.md 5.13 that is not GROUP_SEND's. */
static void
test_manage (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) adam = person_new (server, "Adam");
  g_autoptr(Person) pete = person_new (server, "Pete");
  g_autoptr(Person) rita = person_new (server, "Rita");
  g_autoptr(Person) zed = person_new (server, "Zed");
  g_autofree char *long_reason = g_strnfill (257, 'x');
  guint64 g;
  guint32 revision;
  guint64 owner;

  person_online (olga);
  person_online (adam);
  person_online (pete);
  person_online (rita);
  person_online (zed);
  g = create_group (olga, "Pigeons");
  join_approved (olga, adam, g, 2);
  done (olga, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, adam->id, 2));
  take_event (olga, g, adam->id, 4, 2, olga->id, 2);
  take_event (adam, g, adam->id, 4, 2, olga->id, 2);
  join_approved (olga, pete, g, 3);
  take_join_incoming (adam, pete, g, "let me in");
  xg_proto_frame_free (next_push (adam, XG_PACKET_GROUP_JOIN_DECIDED));
  take_event (adam, g, pete->id, 1, 3, pete->id, 3);
  join_approved (olga, rita, g, 4);
  take_join_incoming (adam, rita, g, "let me in");
  xg_proto_frame_free (next_push (adam, XG_PACKET_GROUP_JOIN_DECIDED));
  take_event (adam, g, rita->id, 1, 3, rita->id, 4);
  take_event (pete, g, rita->id, 1, 3, rita->id, 4);
  quiet (olga);
  quiet (adam);
  quiet (pete);
  quiet (rita);

  /* Refusals: nothing changes. */
  refused (zed, XG_PACKET_GROUP_JOIN_REQUEST, xg_proto_group_join_request_new (g + 50, zed->id, ""),
           XG_PROTO_ERR_NOT_FOUND);
  refused (pete, XG_PACKET_GROUP_JOIN_REQUEST, xg_proto_group_join_request_new (g, pete->id, ""),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (zed, XG_PACKET_GROUP_JOIN_REQUEST, xg_proto_group_join_request_new (g, zed->id, long_reason),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (zed, XG_PACKET_GROUP_LEAVE, xg_proto_group_leave_new (g), XG_PROTO_ERR_PERMISSION_DENIED);
  refused (olga, XG_PACKET_GROUP_LEAVE, xg_proto_group_leave_new (g), XG_PROTO_ERR_PERMISSION_DENIED);
  refused (zed, XG_PACKET_GROUP_INVITE, xg_proto_group_invite_new (g, olga->id), XG_PROTO_ERR_PERMISSION_DENIED);
  refused (pete, XG_PACKET_GROUP_MEMBER_REMOVE, xg_proto_group_member_remove_new (g, rita->id),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (adam, XG_PACKET_GROUP_MEMBER_REMOVE, xg_proto_group_member_remove_new (g, olga->id),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (adam, XG_PACKET_GROUP_MEMBER_REMOVE, xg_proto_group_member_remove_new (g, adam->id),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (olga, XG_PACKET_GROUP_MEMBER_REMOVE, xg_proto_group_member_remove_new (g, zed->id),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (adam, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, pete->id, 2),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (olga, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, pete->id, 1),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (olga, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, pete->id, 0),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (olga, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, olga->id, 3),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (olga, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, zed->id, 2),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (adam, XG_PACKET_GROUP_TRANSFER, xg_proto_group_transfer_new (g, pete->id),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (olga, XG_PACKET_GROUP_TRANSFER, xg_proto_group_transfer_new (g, zed->id),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (pete, XG_PACKET_GROUP_INFO_UPDATE, xg_proto_group_info_update_new (g, info_new ("Mine", NULL)),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (zed, XG_PACKET_GROUP_INFO_UPDATE, xg_proto_group_info_update_new (g, info_new ("Mine", NULL)),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (adam, XG_PACKET_GROUP_INFO_UPDATE, xg_proto_group_info_update_new (g, info_new ("", NULL)),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (adam, XG_PACKET_GROUP_DISBAND, xg_proto_group_disband_new (g), XG_PROTO_ERR_PERMISSION_DENIED);
  g_assert_cmpuint (info_of (olga, g, NULL, &owner, &revision), ==, 4);
  g_assert_cmpuint (revision, ==, 1);
  quiet (olga);
  quiet (adam);
  quiet (pete);
  quiet (rita);

  /* An admin removes a plain member: everyone hears, the member too. */
  done (adam, XG_PACKET_GROUP_MEMBER_REMOVE, xg_proto_group_member_remove_new (g, pete->id));
  {
    Person *all[] = { olga, adam, rita, pete };

    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      take_event (all[i], g, pete->id, 3, 0, adam->id, 3);
  }
  take_removed (pete, g, XG_PROTO_GROUP_REMOVED_REMOVED, adam->id);
  refused (pete, XG_PACKET_GROUP_INFO_REQUEST, xg_proto_group_info_request_new (g), XG_PROTO_ERR_PERMISSION_DENIED);
  person_offline (pete);
  {
    g_autoptr(GPtrArray) sync = person_login (pete);

    g_assert_cmpuint (listed_role (sync, g, NULL), ==, 0);
  }

  /* Rita leaves. */
  {
    g_autoptr(XgProtoFrame) answer = ask (rita, XG_PACKET_GROUP_LEAVE, xg_proto_group_leave_new (g),
                                          XG_PACKET_GROUP_REMOVED);
    guint64 gg, a;
    guint8 r;

    xg_proto_group_removed_get (answer->body, &gg, &r, &a);
    g_assert_cmpuint (r, ==, XG_PROTO_GROUP_REMOVED_LEFT);
  }
  take_event (olga, g, rita->id, 2, 0, rita->id, 2);
  take_event (adam, g, rita->id, 2, 0, rita->id, 2);
  take_event (rita, g, rita->id, 2, 0, rita->id, 2);

  /* An admin edits the info: a new revision, pushed to the others. */
  {
    g_autoptr(XgProtoFrame) answer = ask (adam, XG_PACKET_GROUP_INFO_UPDATE,
                                          xg_proto_group_info_update_new (g, info_new (NULL, "new text")),
                                          XG_PACKET_GROUP_INFO);
    g_autoptr(XgProtoFrame) pushed = next_push (olga, XG_PACKET_GROUP_INFO);
    g_autoptr(GVariant) info = NULL;
    g_autofree char *name = NULL;
    const char *description;
    guint64 gg, o;
    guint32 rev, count;
    guint8 role;

    xg_proto_group_info_get (pushed->body, &gg, &info, &rev, &o, &count, &role);
    name = info_name (info);
    g_assert_cmpstr (name, ==, "Pigeons");
    g_assert_true (g_variant_lookup (info, "description", "&s", &description));
    g_assert_cmpstr (description, ==, "new text");
    g_assert_cmpuint (rev, ==, 2);
    g_assert_cmpuint (role, ==, 1);
    g_assert_cmpuint (count, ==, 2);
  }

  /* The owner transfers to the admin, and becomes one. */
  done (olga, XG_PACKET_GROUP_TRANSFER, xg_proto_group_transfer_new (g, adam->id));
  take_event (olga, g, adam->id, 4, 1, olga->id, 2);
  take_event (olga, g, olga->id, 4, 2, olga->id, 2);
  take_event (adam, g, adam->id, 4, 1, olga->id, 2);
  take_event (adam, g, olga->id, 4, 2, olga->id, 2);
  g_assert_cmpuint (info_of (olga, g, NULL, &owner, NULL), ==, 2);
  g_assert_cmpuint (owner, ==, adam->id);
  refused (olga, XG_PACKET_GROUP_DISBAND, xg_proto_group_disband_new (g), XG_PROTO_ERR_PERMISSION_DENIED);

  /* The new owner disbands it: everyone is out, the group is gone. */
  {
    g_autoptr(XgProtoFrame) answer = ask (adam, XG_PACKET_GROUP_DISBAND, xg_proto_group_disband_new (g),
                                          XG_PACKET_GROUP_REMOVED);
  }
  take_removed (olga, g, XG_PROTO_GROUP_REMOVED_DISBANDED, adam->id);
  refused (zed, XG_PACKET_GROUP_LOOKUP, xg_proto_group_lookup_new (g), XG_PROTO_ERR_NOT_FOUND);
  person_offline (olga);
  {
    g_autoptr(GPtrArray) sync = person_login (olga);

    g_assert_cmpuint (listed_role (sync, g, NULL), ==, 0);
  }
  /* Its number is not given again. */
  g_assert_cmpuint (create_group (zed, "Next"), ==, g + 1);
  quiet (adam);
  quiet (rita);
}

/* @owner gives @whom @role in @g: every member in @members (NULL-ended)
 * hears it, and @whom's GROUP_INFO shows it. */
static void
set_role_heard (Person  *owner,
                Person  *whom,
                guint64  g,
                guint    role,
                Person **members)
{
  guint8 shown = 0;

  done (owner, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, whom->id, role));
  for (guint i = 0; members[i] != NULL; i++)
    take_event (members[i], g, whom->id, 4, role, owner->id, 4);
  info_of (whom, g, &shown, NULL, NULL);
  g_assert_cmpuint (shown, ==, role);
}

/* The owner appoints an admin and demotes it again with GROUP_ROLE_SET:
 * every member hears each change (GROUP_MEMBER_EVENT ROLE_CHANGED), and
 * the demoted member is a plain member again: answering a join request,
 * removing a member, editing the info are ERROR(PERMISSION_DENIED)
 * (PROTOCOL.md 5.13) and change nothing; it no longer hears of join
 * requests or their outcome, live or at login. */
static void
test_demote (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) adam = person_new (server, "Adam");
  g_autoptr(Person) pete = person_new (server, "Pete");
  g_autoptr(Person) rita = person_new (server, "Rita");
  g_autoptr(Person) zed = person_new (server, "Zed");
  g_autoptr(Person) yuri = person_new (server, "Yuri");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  guint32 revision;
  guint64 g;

  person_online (olga);
  person_online (adam);
  person_online (pete);
  person_online (rita);
  person_online (zed);
  person_online (yuri);
  g = create_group (olga, "Pigeons");
  join_approved (olga, adam, g, 2);
  join_approved (olga, pete, g, 3);
  take_event (adam, g, pete->id, 1, 3, pete->id, 3);
  join_approved (olga, rita, g, 4);
  take_event (adam, g, rita->id, 1, 3, rita->id, 4);
  take_event (pete, g, rita->id, 1, 3, rita->id, 4);

  /* Appointed: everyone hears it, and Adam answers join requests. */
  set_role_heard (olga, adam, g, XG_PROTO_GROUP_ROLE_ADMIN, (Person *[]) { olga, adam, pete, rita, NULL });
  send_join (zed, g, "me too");
  take_join_incoming (olga, zed, g, "me too");
  take_join_incoming (adam, zed, g, "me too");
  quiet (olga);
  quiet (adam);
  quiet (pete);
  quiet (rita);

  /* Demoted: everyone hears it, Adam included. */
  set_role_heard (olga, adam, g, XG_PROTO_GROUP_ROLE_MEMBER, (Person *[]) { olga, adam, pete, rita, NULL });
  before = members_of (olga, g);

  /* Refused, and nothing changes. */
  refused (adam, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (g, zed->id),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (adam, XG_PACKET_GROUP_JOIN_REJECT, xg_proto_group_join_reject_new (g, zed->id, "no"),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (adam, XG_PACKET_GROUP_MEMBER_REMOVE, xg_proto_group_member_remove_new (g, pete->id),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (adam, XG_PACKET_GROUP_INFO_UPDATE, xg_proto_group_info_update_new (g, info_new ("Mine", NULL)),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (adam, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, adam->id, XG_PROTO_GROUP_ROLE_ADMIN),
           XG_PROTO_ERR_PERMISSION_DENIED);
  after = members_of (olga, g);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (info_of (olga, g, NULL, NULL, &revision), ==, 4);
  g_assert_cmpuint (revision, ==, 1);
  quiet (olga);
  quiet (adam);
  quiet (pete);
  quiet (rita);
  quiet (zed);

  /* Zed's request still waits: the owner lets him in, Adam hears only
   * of the joining, not the decision. */
  {
    g_autoptr(XgProtoFrame) approved = ask (olga, XG_PACKET_GROUP_JOIN_APPROVE,
                                            xg_proto_group_join_approve_new (g, zed->id),
                                            XG_PACKET_GROUP_JOIN_APPROVED);
  }
  xg_proto_frame_free (next_push (zed, XG_PACKET_GROUP_JOIN_APPROVED));
  {
    Person *all[] = { olga, adam, pete, rita, zed };

    for (guint i = 0; i < G_N_ELEMENTS (all); i++)
      take_event (all[i], g, zed->id, 1, 3, zed->id, 5);
  }
  xg_proto_frame_free (next_push (zed, XG_PACKET_GROUP_INFO));
  quiet (adam);

  /* A new request goes to the owner alone, live and at Adam's login. */
  send_join (yuri, g, "and me");
  take_join_incoming (olga, yuri, g, "and me");
  quiet (adam);
  person_offline (adam);
  {
    g_autoptr(GPtrArray) sync = person_login (adam);

    g_assert_cmpuint (listed_role (sync, g, NULL), ==, XG_PROTO_GROUP_ROLE_MEMBER);
    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_JOIN_REQUEST_INCOMING), ==, 0);
  }
  refused (adam, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (g, yuri->id),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (adam, XG_PACKET_GROUP_MEMBER_REMOVE, xg_proto_group_member_remove_new (g, zed->id),
           XG_PROTO_ERR_PERMISSION_DENIED);
  g_assert_cmpuint (info_of (olga, g, NULL, NULL, NULL), ==, 5);
  quiet (olga);
  quiet (adam);
  quiet (pete);
  quiet (rita);
  quiet (zed);
  quiet (yuri);
}

/* Inviting a friend: declined, accepted at the next login; refusals. */
static void
test_invite (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) fred = person_new (server, "Fred");
  g_autoptr(Person) pete = person_new (server, "Pete");
  guint64 g;

  person_online (olga);
  person_online (fred);
  person_online (pete);
  befriend (olga, fred);
  g = create_group (olga, "Pigeons");

  refused (olga, XG_PACKET_GROUP_INVITE, xg_proto_group_invite_new (g, pete->id), XG_PROTO_ERR_PERMISSION_DENIED);
  refused (fred, XG_PACKET_GROUP_INVITE, xg_proto_group_invite_new (g, olga->id), XG_PROTO_ERR_PERMISSION_DENIED);
  done (olga, XG_PACKET_GROUP_INVITE, xg_proto_group_invite_new (g, fred->id));
  {
    g_autoptr(XgProtoFrame) incoming = next_push (fred, XG_PACKET_GROUP_INVITE_INCOMING);
    g_autoptr(GVariant) brief = NULL;
    guint64 gg, inviter;
    const char *nickname;
    gint64 time;

    xg_proto_group_invite_incoming_get (incoming->body, &gg, &brief, &inviter, &nickname, &time);
    g_assert_cmpuint (gg, ==, g);
    g_assert_cmpuint (inviter, ==, olga->id);
    g_assert_cmpstr (nickname, ==, "Olga");
  }
  /* The same invitation again: refused, and Fred is not told again. */
  refused (olga, XG_PACKET_GROUP_INVITE, xg_proto_group_invite_new (g, fred->id), XG_PROTO_ERR_ALREADY_PENDING);
  quiet (fred);
  done (fred, XG_PACKET_GROUP_INVITE_DECLINE, xg_proto_group_invite_decline_new (g, olga->id));
  refused (fred, XG_PACKET_GROUP_INVITE_DECLINE, xg_proto_group_invite_decline_new (g, olga->id),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (fred, XG_PACKET_GROUP_INVITE_ACCEPT, xg_proto_group_invite_accept_new (g, olga->id),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  quiet (olga);

  /* Invited while offline: the invitation waits for the login. */
  person_offline (fred);
  done (olga, XG_PACKET_GROUP_INVITE, xg_proto_group_invite_new (g, fred->id));
  {
    g_autoptr(GPtrArray) sync = person_login (fred);

    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_INVITE_INCOMING), ==, 1);
  }
  {
    g_autoptr(XgProtoFrame) approved = ask (fred, XG_PACKET_GROUP_INVITE_ACCEPT,
                                            xg_proto_group_invite_accept_new (g, olga->id),
                                            XG_PACKET_GROUP_JOIN_APPROVED);
  }
  take_event (olga, g, fred->id, 1, 3, fred->id, 2);
  take_event (fred, g, fred->id, 1, 3, fred->id, 2);
  xg_proto_frame_free (next_push (fred, XG_PACKET_GROUP_INFO));
  refused (olga, XG_PACKET_GROUP_INVITE, xg_proto_group_invite_new (g, fred->id), XG_PROTO_ERR_INVALID_ARGUMENT);
  person_offline (fred);
  {
    g_autoptr(GPtrArray) sync = person_login (fred);

    g_assert_cmpuint (listed_role (sync, g, NULL), ==, 3);
    g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_INVITE_INCOMING), ==, 0);
  }
}

/* [groups] limits, configured small. */
static void
test_limits (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start ("[groups]\nmax-members=2\nmax-groups=2\nmax-owned=1\n");
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) pete = person_new (server, "Pete");
  g_autoptr(Person) rita = person_new (server, "Rita");
  guint64 a, b, c;

  person_online (olga);
  person_online (pete);
  person_online (rita);
  a = create_group (olga, "A");
  {
    g_autoptr(XgProtoFrame) fail = ask (olga, XG_PACKET_GROUP_CREATE, xg_proto_group_create_new (info_new ("B", NULL)),
                                        XG_PACKET_GROUP_CREATE_FAIL);
    guint32 reason;
    const char *message;

    xg_proto_group_create_fail_get (fail->body, &reason, &message);
    g_assert_cmpuint (reason, ==, XG_PROTO_GROUP_FAIL_LIMIT);
  }
  b = create_group (pete, "B");
  c = create_group (rita, "C");
  /* Pete asks C while he is in one group ... */
  send_join (pete, c, "");
  take_join_incoming (rita, pete, c, "");
  join_approved (olga, pete, a, 2);           /* ... now A is full, and Pete is in 2 groups */
  refused (rita, XG_PACKET_GROUP_JOIN_REQUEST, xg_proto_group_join_request_new (a, rita->id, ""),
           XG_PROTO_ERR_LIMIT_REACHED);
  refused (rita, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (c, pete->id),
           XG_PROTO_ERR_LIMIT_REACHED);
  /* Olga gets into C, her second group: then B is one too many. */
  send_join (olga, c, "");
  take_join_incoming (rita, olga, c, "");
  xg_proto_frame_free (ask (rita, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (c, olga->id),
                            XG_PACKET_GROUP_JOIN_APPROVED));
  xg_proto_frame_free (next_push (olga, XG_PACKET_GROUP_JOIN_APPROVED));
  take_event (rita, c, olga->id, 1, 3, olga->id, 2);
  take_event (olga, c, olga->id, 1, 3, olga->id, 2);
  xg_proto_frame_free (next_push (olga, XG_PACKET_GROUP_INFO));
  refused (olga, XG_PACKET_GROUP_JOIN_REQUEST, xg_proto_group_join_request_new (b, olga->id, ""),
           XG_PROTO_ERR_LIMIT_REACHED);
  quiet (pete);
  quiet (olga);
}

/* Deleting an account: its group passes to the longest-standing admin,
 * a group it alone was in is deleted. */
static void
test_account_deleted (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) pete = person_new (server, "Pete");
  g_autoptr(Person) adam = person_new (server, "Adam");
  guint64 g, solo, owner;

  person_online (olga);
  person_online (pete);
  person_online (adam);
  g = create_group (olga, "Pigeons");
  solo = create_group (olga, "Alone");
  join_approved (olga, pete, g, 2);
  join_approved (olga, adam, g, 3);
  take_event (pete, g, adam->id, 1, 3, adam->id, 3);
  done (olga, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (g, adam->id, 2));
  take_event (olga, g, adam->id, 4, 2, olga->id, 3);
  take_event (pete, g, adam->id, 4, 2, olga->id, 3);
  take_event (adam, g, adam->id, 4, 2, olga->id, 3);

  xg_proto_frame_free (ask (olga, XG_PACKET_ACCOUNT_DELETE, xg_proto_account_delete_new (XG_TEST_PASSWORD, olga->email),
                            XG_PACKET_ACCOUNT_DELETED));
  /* The admin, though it joined after Pete, is the heir. */
  take_event (pete, g, olga->id, 2, 0, olga->id, 2);
  take_event (pete, g, adam->id, 4, 1, olga->id, 2);
  take_event (adam, g, olga->id, 2, 0, olga->id, 2);
  take_event (adam, g, adam->id, 4, 1, olga->id, 2);
  g_assert_cmpuint (info_of (pete, g, NULL, &owner, NULL), ==, 2);
  g_assert_cmpuint (owner, ==, adam->id);
  refused (pete, XG_PACKET_GROUP_LOOKUP, xg_proto_group_lookup_new (solo), XG_PROTO_ERR_NOT_FOUND);
  person_offline (adam);
  {
    g_autoptr(GPtrArray) sync = person_login (adam);

    g_assert_cmpuint (listed_role (sync, g, NULL), ==, 1);
  }
}

/* The server killed right after an approval was sent: after the restart
 * the logins state one consistent outcome, member or still pending. */
static void
test_sigkill (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) pete = person_new (server, "Pete");
  guint members = 0, pending = 0;
  guint64 g;

  person_online (olga);
  g = create_group (olga, "Pigeons");
  for (guint round = 0; round < 6; round++)
    {
      g_autoptr(GPtrArray) olga_sync = NULL;
      g_autoptr(GPtrArray) pete_sync = NULL;
      guint32 count = 0;
      guint8 role;

      person_online (pete);
      send_join (pete, g, "");
      take_join_incoming (olga, pete, g, "");
      xg_test_client_send (olga->client, XG_PACKET_GROUP_JOIN_APPROVE, xg_proto_group_join_approve_new (g, pete->id));
      g_usleep (g_test_rand_int_range (0, 4000) * (round % 2 ? 1 : 0));
      xg_test_server_kill (server, SIGKILL);
      person_offline (olga);
      person_offline (pete);
      xg_test_server_restart (server);

      olga_sync = person_login (olga);
      pete_sync = person_login (pete);
      role = listed_role (pete_sync, g, NULL);
      g_assert_cmpuint (listed_role (olga_sync, g, &count), ==, 1);
      if (role == 3)
        {
          g_autofree char *m = members_of (olga, g);
          g_autofree char *want = g_strdup_printf ("%" G_GUINT64_FORMAT ":1,%" G_GUINT64_FORMAT ":3", olga->id, pete->id);

          g_assert_cmpstr (m, ==, want);
          g_assert_cmpuint (count, ==, 2);
          g_assert_cmpuint (count_type (olga_sync, XG_PACKET_GROUP_JOIN_REQUEST_INCOMING), ==, 0);
          g_assert_cmpuint (count_type (pete_sync, XG_PACKET_GROUP_JOIN_REQUEST_OUTGOING), ==, 0);
          xg_proto_frame_free (ask (pete, XG_PACKET_GROUP_LEAVE, xg_proto_group_leave_new (g), XG_PACKET_GROUP_REMOVED));
          take_event (olga, g, pete->id, 2, 0, pete->id, 1);
          members++;
        }
      else
        {
          g_assert_cmpuint (role, ==, 0);
          g_assert_cmpuint (count, ==, 1);
          g_assert_cmpuint (count_type (olga_sync, XG_PACKET_GROUP_JOIN_REQUEST_INCOMING), ==, 1);
          g_assert_cmpuint (count_type (pete_sync, XG_PACKET_GROUP_JOIN_REQUEST_OUTGOING), ==, 1);
          g_assert_cmpuint (count_type (pete_sync, XG_PACKET_GROUP_JOIN_APPROVED), ==, 0);
          xg_proto_frame_free (ask (olga, XG_PACKET_GROUP_JOIN_REJECT, xg_proto_group_join_reject_new (g, pete->id, ""),
                                    XG_PACKET_GROUP_JOIN_REJECTED));
          xg_proto_frame_free (next_push (pete, XG_PACKET_GROUP_JOIN_REJECTED));
          pending++;
        }
      person_offline (pete);
    }
  g_test_message ("after the kill: %u members, %u still pending", members, pending);
}

/* GROUP_LIST comes in the order the account joined, not in the order of
 * the groups' numbers: Alice joins Carol's group before Bob's older one,
 * then makes her own. */
static void
test_list_order (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(GPtrArray) sync = NULL;
  g_autoptr(GVariant) groups = NULL;
  guint64 joined[3], g, last;
  guint32 revision, count;
  GVariantIter iter;
  guint8 role;
  guint n = 0;

  person_online (bob);
  person_online (carol);
  person_online (alice);
  joined[1] = create_group (bob, "Older");
  joined[0] = create_group (carol, "Newer");
  join_approved (carol, alice, joined[0], 2);
  join_approved (bob, alice, joined[1], 2);
  joined[2] = create_group (alice, "Her own");
  g_assert_cmpuint (joined[0], >, joined[1]);
  person_offline (alice);

  sync = person_login (alice);
  xg_proto_group_list_get (find_type (sync, XG_PACKET_GROUP_LIST)->body, &groups);
  g_variant_iter_init (&iter, groups);
  while (g_variant_iter_next (&iter, "(tyuut)", &g, &role, &revision, &count, &last))
    {
      g_assert_cmpuint (n, <, G_N_ELEMENTS (joined));
      g_assert_cmpuint (g, ==, joined[n]);
      n++;
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (joined));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/groups/create-lookup", test_create_lookup);
  g_test_add_func ("/groups/join/admin-owner-offline", test_join_admin_owner_offline);
  g_test_add_func ("/groups/join/outcome-at-login", test_outcome_at_login);
  g_test_add_func ("/groups/list-order", test_list_order);
  g_test_add_func ("/groups/join/first-answer-decides", test_first_answer_decides);
  g_test_add_func ("/groups/join/timeout", test_timeout);
  g_test_add_func ("/groups/manage", test_manage);
  g_test_add_func ("/groups/demote", test_demote);
  g_test_add_func ("/groups/invite", test_invite);
  g_test_add_func ("/groups/limits", test_limits);
  g_test_add_func ("/groups/account-deleted", test_account_deleted);
  g_test_add_func ("/groups/sigkill", test_sigkill);

  return g_test_run ();
}
