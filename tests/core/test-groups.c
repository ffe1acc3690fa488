/* test-groups.c: XgGroups and group conversations against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Three people, each with their own device folder, through the real
 * xinge-server over TLS (docs/PROTOCOL.md 4.6, 7.6): Alice creates a
 * group, Bob finds it by its number and applies, Alice approves; they and
 * Carol chat (each message exactly once, in the group's one order);
 * someone offline catches up at login; a wiped profile gets the recent
 * past back; GROUP_LIST at login replaces what the device kept (changed
 * info fetched, a group one was removed from marked gone), and member
 * events reach a member list that is held.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "xg-core-test.h"

typedef struct {
  Fixture base;      /* alice and bob */
  Person  carol;
} Groups;

static void
groups_setup (Groups        *f,
              gconstpointer  config)
{
  fixture_setup (&f->base, config);
  person_init (&f->carol, f->base.server, "carol@example.com", "Carol");
}

static void
groups_teardown (Groups        *f,
                 gconstpointer  config)
{
  person_clear (&f->carol);
  fixture_teardown (&f->base, config);
}

static XgGroups *
groups_of (Person *p)
{
  return xg_session_get_groups (p->session);
}

static XgConversation *
chat_of (Person  *p,
         XgGroup *group)
{
  return xg_conversations_get_group (xg_session_get_conversations (p->session), xg_group_get_id (group));
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Outcome *o = user_data;

  o->done = TRUE;
  if (g_async_result_is_tagged (result, xg_groups_create_async))
    o->object = G_OBJECT (xg_groups_create_finish (XG_GROUPS (source), result, &o->error));
  else if (g_async_result_is_tagged (result, xg_groups_find_async))
    o->object = G_OBJECT (xg_groups_find_finish (XG_GROUPS (source), result, &o->error));
  else
    o->ok = xg_groups_call_finish (XG_GROUPS (source), result, &o->error);
}

#define AWAIT(o) WAIT_UNTIL ((o)->done)

static XgGroup *
create_group (Person     *owner,
              const char *name)
{
  Outcome o = { 0 };
  XgGroup *group;

  xg_groups_create_async (groups_of (owner), name, "We go up", NULL, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  group = XG_GROUP (g_steal_pointer (&o.object));
  g_assert_cmpuint (xg_group_get_id (group), >=, 100000000);
  g_assert_cmpint (xg_group_get_role (group), ==, XG_GROUP_ROLE_OWNER);
  g_assert_true (xg_groups_lookup (groups_of (owner), xg_group_get_id (group)) == group);
  outcome_clear (&o);
  return group;
}

typedef struct {
  guint    requests;
  guint    answers;
  guint    outcome;
  char    *reason;
  guint    removed;
  guint    removed_reason;
  guint    mentions;
} Heard;

static void
on_join_request (XgGroups       *groups,
                 XgGroupRequest *request,
                 Heard          *heard)
{
  heard->requests++;
}

static void
on_join_answered (XgGroups   *groups,
                  guint64     group_id,
                  const char *name,
                  guint       outcome,
                  const char *reason,
                  Heard      *heard)
{
  heard->answers++;
  heard->outcome = outcome;
  g_free (heard->reason);
  heard->reason = g_strdup (reason);
}

static void
on_removed (XgGroups *groups,
            XgGroup  *group,
            guint     reason,
            guint64   actor_id,
            Heard    *heard)
{
  heard->removed++;
  heard->removed_reason = reason;
}

static void
on_mentioned (XgConversations *conversations,
              XgConversation  *conversation,
              XgMessage       *message,
              Heard           *heard)
{
  heard->mentions++;
}

static void
heard_clear (Heard *heard)
{
  g_free (heard->reason);
}

/* @who finds the group by its number, applies, and @owner approves. */
static void
join (Person  *who,
      Person  *owner,
      XgGroup *group)
{
  Outcome o = { 0 };
  g_autoptr(XgGroupRequest) request = NULL;
  guint64 id = xg_group_get_id (group);
  XgGroup *brief;
  guint incoming = xg_groups_get_n_incoming (groups_of (owner));

  xg_groups_find_async (groups_of (who), id, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  brief = XG_GROUP (o.object);
  g_assert_cmpstr (xg_group_get_name (brief), ==, xg_group_get_name (group));
  g_assert_cmpstr (xg_group_get_description (brief), ==, "We go up");
  g_assert_cmpint (xg_group_get_role (brief), ==, XG_GROUP_ROLE_NONE);
  g_assert_cmpuint (xg_group_get_member_count (brief), ==, xg_group_get_member_count (group));
  g_assert_null (xg_groups_lookup (groups_of (who), id));
  outcome_clear (&o);

  xg_groups_join_async (groups_of (who), id, "I climb too", NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_cmpuint (g_list_model_get_n_items (xg_groups_get_outgoing (groups_of (who))), ==, 1);

  WAIT_UNTIL (xg_groups_get_n_incoming (groups_of (owner)) == incoming + 1);
  request = g_list_model_get_item (xg_groups_get_incoming (groups_of (owner)), incoming);
  g_assert_cmpuint (xg_group_request_get_group_id (request), ==, id);
  g_assert_cmpuint (xg_group_request_get_peer_id (request), ==, who->id);
  g_assert_cmpstr (xg_group_request_get_reason (request), ==, "I climb too");
  g_assert_cmpstr (xg_group_request_get_group_name (request), ==, xg_group_get_name (group));

  xg_groups_approve_async (groups_of (owner), request, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_cmpuint (xg_groups_get_n_incoming (groups_of (owner)), ==, incoming);

  WAIT_UNTIL (xg_groups_lookup (groups_of (who), id) != NULL);
  WAIT_UNTIL (xg_group_get_revision (xg_groups_lookup (groups_of (who), id)) > 0);
  g_assert_cmpint (xg_group_get_role (xg_groups_lookup (groups_of (who), id)), ==, XG_GROUP_ROLE_MEMBER);
  g_assert_cmpstr (xg_group_get_name (xg_groups_lookup (groups_of (who), id)), ==, xg_group_get_name (group));
  g_assert_cmpuint (g_list_model_get_n_items (xg_groups_get_outgoing (groups_of (who))), ==, 0);
}

static XgMessage *
say (Person     *from,
     XgGroup    *group,
     const char *text)
{
  g_autoptr(GError) error = NULL;
  XgConversation *chat = chat_of (from, xg_groups_lookup (groups_of (from), xg_group_get_id (group)));
  XgMessage *message = xg_conversation_send_text (chat, text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

/* The texts of a chat's model, "seq:text" a line. */
static char *
texts_of (GListModel *model)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(XgMessage) message = g_list_model_get_item (model, i);

      g_string_append_printf (out, "%" G_GUINT64_FORMAT ":%s\n", xg_message_get_seq (message),
                              xg_message_get_text (message) ? xg_message_get_text (message) : "?");
    }
  return g_string_free (out, FALSE);
}

static gboolean
model_has (XgChatMessages *messages,
           guint           n)
{
  return !xg_chat_messages_get_loading (messages) && g_list_model_get_n_items (G_LIST_MODEL (messages)) == n;
}

/* A new, empty device for @p: the profile was wiped. */
static void
wipe (Person *p)
{
  g_autofree char *path = NULL;

  g_clear_object (&p->session);
  xg_db_close (XG_DB (p->device));
  g_clear_object (&p->device);
  rm_rf (p->dir);
  g_mkdir_with_parents (p->dir, 0700);
  path = g_build_filename (p->dir, "device.db", NULL);
  p->device = xg_device_db_new (path);
}

/* --- Tests ---------------------------------------------------------------------- */

/* Create, look up, apply, approve; the members list follows the join;
 * refusals are clear and change nothing. */
static void
test_create_and_join (Groups        *f,
                      gconstpointer  data)
{
  g_autoptr(XgGroup) group = NULL;
  g_autoptr(XgGroupMembers) members = NULL;
  g_autoptr(XgGroupMember) first = NULL;
  Heard alice = { 0 }, bob = { 0 };
  Outcome o = { 0 };

  log_in (&f->base, &f->base.alice);
  log_in (&f->base, &f->base.bob);
  g_signal_connect (groups_of (&f->base.alice), "join-request", G_CALLBACK (on_join_request), &alice);
  g_signal_connect (groups_of (&f->base.bob), "join-answered", G_CALLBACK (on_join_answered), &bob);

  /* Bad fields go nowhere. */
  xg_groups_create_async (groups_of (&f->base.alice), "", "", NULL, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT);
  outcome_clear (&o);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups_of (&f->base.alice))), ==, 0);

  group = create_group (&f->base.alice, "Climbers");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups_of (&f->base.alice))), ==, 1);
  members = xg_groups_get_members (groups_of (&f->base.alice), xg_group_get_id (group));
  WAIT_UNTIL (xg_group_members_get_loaded (members));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (members)), ==, 1);
  first = g_list_model_get_item (G_LIST_MODEL (members), 0);
  g_assert_cmpuint (xg_group_member_get_id (first), ==, f->base.alice.id);
  g_assert_cmpint (xg_group_member_get_role (first), ==, XG_GROUP_ROLE_OWNER);
  g_assert_cmpstr (xg_group_member_get_nickname (first), ==, "Alice");

  /* No such group. */
  xg_groups_find_async (groups_of (&f->base.bob), xg_group_get_id (group) + 1000, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND);
  outcome_clear (&o);

  join (&f->base.bob, &f->base.alice, group);
  g_assert_cmpuint (alice.requests, ==, 1);
  WAIT_UNTIL (bob.answers == 1);
  g_assert_cmpuint (bob.outcome, ==, XG_GROUP_JOIN_APPROVED);
  /* The member event reached the list Alice holds, and the count. */
  WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (members)) == 2);
  {
    g_autoptr(XgGroupMember) second = g_list_model_get_item (G_LIST_MODEL (members), 1);

    g_assert_cmpuint (xg_group_member_get_id (second), ==, f->base.bob.id);
    g_assert_cmpint (xg_group_member_get_role (second), ==, XG_GROUP_ROLE_MEMBER);
  }
  WAIT_UNTIL (xg_group_get_member_count (group) == 2);
  g_assert_cmpstr (xg_groups_get_member_name (groups_of (&f->base.alice), xg_group_get_id (group),
                                              f->base.bob.id), ==, "Bob");

  /* A member applying again is refused; nothing changes. */
  xg_groups_join_async (groups_of (&f->base.bob), xg_group_get_id (group), "", NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT);
  outcome_clear (&o);

  /* Appointed: the role moves in both lists. */
  xg_groups_set_role_async (groups_of (&f->base.alice), group, f->base.bob.id, XG_GROUP_ROLE_ADMIN, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  WAIT_UNTIL (xg_group_get_role (xg_groups_lookup (groups_of (&f->base.bob), xg_group_get_id (group))) ==
              XG_GROUP_ROLE_ADMIN);
  {
    g_autoptr(XgGroupMember) second = g_list_model_get_item (G_LIST_MODEL (members), 1);

    WAIT_UNTIL (xg_group_member_get_role (second) == XG_GROUP_ROLE_ADMIN);
  }
  heard_clear (&alice);
  heard_clear (&bob);
}

/* Three members, everyone writes: each sees every message once, in the
 * group's one order; someone away catches up at login; a wiped profile
 * gets the recent past; a mention of one's nickname is told. */
static void
test_chat_three (Groups        *f,
                 gconstpointer  data)
{
  g_autoptr(XgGroup) group = NULL;
  g_autoptr(XgChatMessages) alice_sees = NULL;
  g_autoptr(XgChatMessages) bob_sees = NULL;
  g_autoptr(XgChatMessages) carol_sees = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *texts = NULL;
  Person *people[3] = { &f->base.alice, &f->base.bob, &f->carol };
  GString *order = g_string_new (NULL);
  Heard alice = { 0 };
  guint n = 0;

  log_in (&f->base, &f->base.alice);
  log_in (&f->base, &f->base.bob);
  log_in (&f->base, &f->carol);
  group = create_group (&f->base.alice, "Climbers");
  join (&f->base.bob, &f->base.alice, group);
  join (&f->carol, &f->base.alice, group);
  g_signal_connect (xg_session_get_conversations (f->base.alice.session), "mentioned",
                    G_CALLBACK (on_mentioned), &alice);

  alice_sees = xg_conversation_get_messages (chat_of (&f->base.alice, group));
  bob_sees = xg_conversation_get_messages (chat_of (&f->base.bob, group));
  carol_sees = xg_conversation_get_messages (chat_of (&f->carol, group));
  g_assert_cmpuint (xg_conversation_get_kind (chat_of (&f->base.bob, group)), ==, XG_CONVERSATION_GROUP);
  g_assert_cmpuint (xg_conversation_get_peer_id (chat_of (&f->base.bob, group)), ==, xg_group_get_id (group));

  /* Round after round, all three at once. */
  for (guint round = 0; round < 4; round++)
    {
      XgMessage *sent[3];

      for (guint i = 0; i < 3; i++)
        {
          g_autofree char *text = g_strdup_printf ("%s %u", i == 0 ? "A" : i == 1 ? "B" : "C", round);

          sent[i] = say (people[i], group, text);
        }
      for (guint i = 0; i < 3; i++)
        {
          WAIT_UNTIL (xg_message_get_state (sent[i]) == XG_MESSAGE_SENT);
          g_object_unref (sent[i]);
        }
      n += 3;
    }
  WAIT_UNTIL (model_has (alice_sees, n) && model_has (bob_sees, n) && model_has (carol_sees, n));
  expected = texts_of (G_LIST_MODEL (alice_sees));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XgMessage) m = g_list_model_get_item (G_LIST_MODEL (alice_sees), i);

      g_assert_cmpuint (xg_message_get_seq (m), ==, i + 1);
    }
  texts = texts_of (G_LIST_MODEL (bob_sees));
  g_assert_cmpstr (texts, ==, expected);
  g_clear_pointer (&texts, g_free);
  texts = texts_of (G_LIST_MODEL (carol_sees));
  g_assert_cmpstr (texts, ==, expected);
  g_clear_pointer (&texts, g_free);
  /* Unread: the others' messages. */
  g_assert_cmpuint (xg_conversation_get_unread (chat_of (&f->carol, group)), ==, n - 4);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (xg_session_get_conversations (f->carol.session))), ==, 1);

  /* Carol goes away; the others go on; she comes back to all of it, once. */
  g_clear_object (&carol_sees);
  g_clear_object (&f->carol.session);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *text = g_strdup_printf ("while away %u", i);
      g_autoptr(XgMessage) m = say (i % 2 ? &f->base.bob : &f->base.alice, group, text);

      WAIT_UNTIL (xg_message_get_state (m) == XG_MESSAGE_SENT);
      g_string_append_printf (order, "%u:%s\n", n + i + 1, text);
    }
  n += 6;
  log_in (&f->base, &f->carol);
  carol_sees = xg_conversation_get_messages (chat_of (&f->carol, group));
  WAIT_UNTIL (model_has (carol_sees, n));
  texts = texts_of (G_LIST_MODEL (carol_sees));
  WAIT_UNTIL (model_has (alice_sees, n));
  g_clear_pointer (&expected, g_free);
  expected = texts_of (G_LIST_MODEL (alice_sees));
  g_assert_cmpstr (texts, ==, expected);
  g_assert_true (g_str_has_suffix (texts, order->str));
  g_clear_pointer (&texts, g_free);

  /* A mention of Alice's nickname is told (another name is not). */
  {
    g_autoptr(XgMessage) m1 = say (&f->base.bob, group, "@Alice look at this");
    g_autoptr(XgMessage) m2 = say (&f->base.bob, group, "@Alicia is someone else");

    n += 2;
    WAIT_UNTIL (model_has (alice_sees, n));
    g_assert_cmpuint (alice.mentions, ==, 1);
  }

  /* Carol's profile is wiped: the group and its recent past come back. */
  g_clear_object (&carol_sees);
  wipe (&f->carol);
  log_in (&f->base, &f->carol);
  WAIT_UNTIL (xg_groups_lookup (groups_of (&f->carol), xg_group_get_id (group)) != NULL);
  carol_sees = xg_conversation_get_messages (chat_of (&f->carol, group));
  WAIT_UNTIL (model_has (carol_sees, n));
  texts = texts_of (G_LIST_MODEL (carol_sees));
  g_clear_pointer (&expected, g_free);
  expected = texts_of (G_LIST_MODEL (alice_sees));
  g_assert_cmpstr (texts, ==, expected);

  g_string_free (order, TRUE);
  heard_clear (&alice);
}

/* What changed while a member was away comes with GROUP_LIST: new info is
 * fetched, a group it was removed from is gone (kept, read-only). Removed
 * while online, it is told, and receives no more. */
static void
test_list_and_removal (Groups        *f,
                       gconstpointer  data)
{
  g_autoptr(XgGroup) group = NULL;
  g_autoptr(XgChatMessages) bob_sees = NULL;
  Heard bob = { 0 };
  Outcome o = { 0 };
  guint64 id;

  log_in (&f->base, &f->base.alice);
  log_in (&f->base, &f->base.bob);
  log_in (&f->base, &f->carol);
  group = create_group (&f->base.alice, "Climbers");
  id = xg_group_get_id (group);
  join (&f->base.bob, &f->base.alice, group);
  join (&f->carol, &f->base.alice, group);

  /* Both away; the info changes and Carol is removed. */
  g_clear_object (&f->base.bob.session);
  g_clear_object (&f->carol.session);
  xg_groups_update_info_async (groups_of (&f->base.alice), group, "Boulderers", NULL, NULL, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_cmpstr (xg_group_get_name (group), ==, "Boulderers");
  xg_groups_remove_member_async (groups_of (&f->base.alice), group, f->carol.id, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  WAIT_UNTIL (xg_group_get_member_count (group) == 2);

  /* The next start shows the kept list first, then the server's. */
  log_in (&f->base, &f->base.bob);
  WAIT_UNTIL (g_strcmp0 (xg_group_get_name (xg_groups_lookup (groups_of (&f->base.bob), id)), "Boulderers") == 0);
  g_assert_false (xg_group_get_gone (xg_groups_lookup (groups_of (&f->base.bob), id)));
  g_assert_cmpuint (xg_group_get_member_count (xg_groups_lookup (groups_of (&f->base.bob), id)), ==, 2);

  log_in (&f->base, &f->carol);
  WAIT_UNTIL (xg_groups_lookup (groups_of (&f->carol), id) != NULL &&
              xg_group_get_gone (xg_groups_lookup (groups_of (&f->carol), id)));
  g_assert_cmpint (xg_group_get_role (xg_groups_lookup (groups_of (&f->carol), id)), ==, XG_GROUP_ROLE_NONE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups_of (&f->carol))), ==, 1);

  /* Bob is removed while online: told at once, and gets no more. */
  g_signal_connect (groups_of (&f->base.bob), "removed", G_CALLBACK (on_removed), &bob);
  bob_sees = xg_conversation_get_messages (chat_of (&f->base.bob, group));
  {
    g_autoptr(XgMessage) m = say (&f->base.alice, group, "before");

    WAIT_UNTIL (model_has (bob_sees, 1));
  }
  xg_groups_remove_member_async (groups_of (&f->base.alice), group, f->base.bob.id, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  WAIT_UNTIL (bob.removed == 1);
  g_assert_cmpuint (bob.removed_reason, ==, XG_GROUP_REMOVED_REMOVED);
  g_assert_true (xg_group_get_gone (xg_groups_lookup (groups_of (&f->base.bob), id)));
  {
    g_autoptr(XgMessage) m = say (&f->base.alice, group, "after");

    WAIT_UNTIL (xg_message_get_state (m) == XG_MESSAGE_SENT);
  }
  /* Give a wrong delivery time to arrive. */
  for (guint i = 0; i < 50; i++)
    {
      g_usleep (10000);
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob_sees)), ==, 1);
  /* Kept, read-only: still listed. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (groups_of (&f->base.bob))), ==, 1);
  heard_clear (&bob);
}

/* A friend invited joins by accepting, without an admin; leaving and
 * disbanding end it for each member, who keeps the group, gone. */
static void
test_invite_leave_disband (Groups        *f,
                           gconstpointer  data)
{
  g_autoptr(XgGroup) group = NULL;
  g_autoptr(XgGroupRequest) invitation = NULL;
  Heard bob = { 0 }, carol = { 0 };
  Outcome o = { 0 };
  guint64 id;

  log_in (&f->base, &f->base.alice);
  log_in (&f->base, &f->base.bob);
  log_in (&f->base, &f->carol);
  befriend (&f->base);
  group = create_group (&f->base.alice, "Climbers");
  id = xg_group_get_id (group);
  g_signal_connect (groups_of (&f->base.bob), "removed", G_CALLBACK (on_removed), &bob);
  g_signal_connect (groups_of (&f->carol), "removed", G_CALLBACK (on_removed), &carol);

  /* Only a friend may be invited. */
  xg_groups_invite_async (groups_of (&f->base.alice), group, f->carol.id, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_PERMISSION_DENIED);
  outcome_clear (&o);

  xg_groups_invite_async (groups_of (&f->base.alice), group, f->base.bob.id, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  WAIT_UNTIL (g_list_model_get_n_items (xg_groups_get_invitations (groups_of (&f->base.bob))) == 1);
  invitation = g_list_model_get_item (xg_groups_get_invitations (groups_of (&f->base.bob)), 0);
  g_assert_cmpuint (xg_group_request_get_group_id (invitation), ==, id);
  g_assert_cmpuint (xg_group_request_get_peer_id (invitation), ==, f->base.alice.id);
  g_assert_cmpstr (xg_group_request_get_group_name (invitation), ==, "Climbers");
  xg_groups_accept_invitation_async (groups_of (&f->base.bob), invitation, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_cmpuint (g_list_model_get_n_items (xg_groups_get_invitations (groups_of (&f->base.bob))), ==, 0);
  WAIT_UNTIL (xg_groups_lookup (groups_of (&f->base.bob), id) != NULL &&
              xg_group_get_role (xg_groups_lookup (groups_of (&f->base.bob), id)) == XG_GROUP_ROLE_MEMBER);
  WAIT_UNTIL (xg_group_get_member_count (group) == 2);

  /* Bob leaves: the answer says so, and the group stays, gone. */
  xg_groups_leave_async (groups_of (&f->base.bob), xg_groups_lookup (groups_of (&f->base.bob), id), NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_cmpuint (bob.removed, ==, 1);
  g_assert_cmpuint (bob.removed_reason, ==, XG_GROUP_REMOVED_LEFT);
  g_assert_true (xg_group_get_gone (xg_groups_lookup (groups_of (&f->base.bob), id)));
  WAIT_UNTIL (xg_group_get_member_count (group) == 1);

  /* The owner may not leave; she disbands, and Carol (in it) is told. */
  join (&f->carol, &f->base.alice, group);
  xg_groups_leave_async (groups_of (&f->base.alice), group, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_PERMISSION_DENIED);
  outcome_clear (&o);
  xg_groups_disband_async (groups_of (&f->base.alice), group, NULL, done_cb, &o);
  AWAIT (&o);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_true (xg_group_get_gone (group));
  WAIT_UNTIL (carol.removed == 1);
  g_assert_cmpuint (carol.removed_reason, ==, XG_GROUP_REMOVED_DISBANDED);
  g_assert_true (xg_group_get_gone (xg_groups_lookup (groups_of (&f->carol), id)));
  heard_clear (&bob);
  heard_clear (&carol);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Groups, NULL, groups_setup, func, groups_teardown)
  ADD ("/core/groups/create-and-join", test_create_and_join);
  ADD ("/core/groups/chat-three", test_chat_three);
  ADD ("/core/groups/list-and-removal", test_list_and_removal);
  ADD ("/core/groups/invite-leave-disband", test_invite_leave_disband);
#undef ADD

  return g_test_run ();
}
