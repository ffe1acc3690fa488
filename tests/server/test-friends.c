/* test-friends.c: xinge-server's friends, end to end over real TLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test starts the real server binary on a temporary data dir and
 * talks to it through the shared protocol library (docs/PROTOCOL.md 3.7,
 * 4.6, 5.7, 8.9). Nothing here sleeps for rule time: request timeouts and
 * the lookup limit's hour move the server's clock
 * (xg_test_server_advance_clock(), XG_SERVER_TEST_CLOCK).
 *
 * XG_TEST_KILLS sets how many times /friends/sigkill kills the server
 * (default 20).
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <sqlite3.h>

#include "xg-test-harness.h"
#include "xg-test-people.h"

#define PASSWORD XG_TEST_PASSWORD
#define TIMEOUT_SECONDS (7 * 24 * 3600)   /* [friends] request-timeout's default */

/* --- Tests: requests ----------------------------------------------------- */

static void
test_request_online (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(GPtrArray) again = NULL;

  person_online (alice);
  person_online (bob);
  befriend (alice, bob);
  nothing_for (alice);
  nothing_for (bob);

  /* The outcome was delivered live: a new login does not repeat it. */
  person_offline (alice);
  again = person_login (alice);
  assert_sync_types (again, (guint16[]) { XG_PACKET_FRIEND_LIST }, 1);
  assert_friend (find_type (again, XG_PACKET_FRIEND_LIST), bob, "", TRUE);
  take_presence (bob, alice, FALSE);
  take_presence (bob, alice, TRUE);
}

/* A request to someone offline arrives with its login, in 3.7's order:
 * FRIEND_LIST, FRIEND_REQUEST_INCOMING, SYNC_DONE; the requester's next
 * login lists it as FRIEND_REQUEST_OUTGOING. */
static void
test_request_offline (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(GPtrArray) sync = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  gint64 asked_at;

  person_online (alice);
  asked_at = xg_test_server_now (server);
  send_request (alice, bob, "你好，我是爱丽丝");

  sync = person_login (bob);
  assert_sync_types (sync, (guint16[]) { XG_PACKET_FRIEND_LIST, XG_PACKET_FRIEND_REQUEST_INCOMING }, 2);
  g_assert_cmpuint (list_length (find_type (sync, XG_PACKET_FRIEND_LIST)), ==, 0);
  {
    XgProtoFrame *incoming = find_type (sync, XG_PACKET_FRIEND_REQUEST_INCOMING);
    guint64 requester, target;
    const char *greeting, *nickname;
    gint64 time;

    xg_proto_friend_request_incoming_get (incoming->body, &requester, &target, &greeting, &nickname, &time);
    g_assert_cmpuint (requester, ==, alice->id);
    g_assert_cmpuint (target, ==, bob->id);
    g_assert_cmpstr (greeting, ==, "你好，我是爱丽丝");
    g_assert_cmpstr (nickname, ==, "Alice");
    g_assert_cmpint (time, >=, asked_at - 1);
    g_assert_cmpint (time, <=, asked_at + 5);
  }

  person_offline (alice);
  mine = person_login (alice);
  assert_sync_types (mine, (guint16[]) { XG_PACKET_FRIEND_LIST, XG_PACKET_FRIEND_REQUEST_OUTGOING }, 2);
  {
    XgProtoFrame *outgoing = find_type (mine, XG_PACKET_FRIEND_REQUEST_OUTGOING);
    guint64 requester, target;
    const char *greeting, *nickname;

    xg_proto_friend_request_outgoing_get (outgoing->body, &requester, &target, &greeting, &nickname, NULL);
    g_assert_cmpuint (requester, ==, alice->id);
    g_assert_cmpuint (target, ==, bob->id);
    g_assert_cmpstr (greeting, ==, "你好，我是爱丽丝");
    g_assert_cmpstr (nickname, ==, "Bob");
  }
}

/* The friend list comes in the order the friendships were made, not in
 * the order of the ids: Alice befriends Dave, then Carol, then Bob, ten
 * seconds apart, and her next login lists them so. */
static void
test_list_order (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(Person) dave = person_new (server, "Dave");
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(GPtrArray) sync = NULL;
  g_autoptr(GVariant) friends = NULL;
  Person *made[] = { dave, carol, bob };
  GVariantIter iter;
  guint64 id;
  guint n = 0;

  person_online (alice);
  for (guint i = 0; i < G_N_ELEMENTS (made); i++)
    {
      person_online (made[i]);
      befriend (alice, made[i]);
      xg_test_server_advance_clock (server, alice->client, 10);
    }
  person_offline (alice);

  sync = person_login (alice);
  xg_proto_friend_list_get (find_type (sync, XG_PACKET_FRIEND_LIST)->body, &friends);
  g_variant_iter_init (&iter, friends);
  while (g_variant_iter_next (&iter, "(t&s&sb)", &id, NULL, NULL, NULL))
    {
      g_assert_cmpuint (n, <, G_N_ELEMENTS (made));
      g_assert_cmpuint (id, ==, made[n]->id);
      n++;
    }
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (made));
}

/* Everything 3.7 lists, in its order, in one login: the friend list (with
 * a friend online and one accepted while away), a request waiting for the
 * account, one of its own still waiting, then the outcomes oldest first:
 * a timeout, a rejection, an acceptance; SYNC_DONE; then presence. */
static void
test_sync_order (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(Person) dave = person_new (server, "Dave");
  g_autoptr(Person) erin = person_new (server, "Erin");
  g_autoptr(Person) frank = person_new (server, "Frank");
  g_autoptr(Person) grace = person_new (server, "Grace");
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(GPtrArray) sync = NULL;
  g_autoptr(GPtrArray) frames = NULL;
  const guint16 order[] = {
    XG_PACKET_FRIEND_LIST,
    XG_PACKET_FRIEND_REQUEST_INCOMING,
    XG_PACKET_FRIEND_REQUEST_OUTGOING,
    XG_PACKET_FRIEND_REQUEST_TIMEOUT,
    XG_PACKET_FRIEND_REQUEST_REJECTED,
    XG_PACKET_FRIEND_REQUEST_ACCEPTED,
  };

  person_online (bob);
  person_online (carol);
  befriend (bob, carol);

  /* Bob asks Frank, who never answers; a while later Dave, Erin, Grace. */
  send_request (bob, frank, "f");
  xg_test_server_advance_clock (server, bob->client, TIMEOUT_SECONDS - 10);
  send_request (bob, dave, "d");
  send_request (bob, erin, "e");
  send_request (bob, grace, "g");
  person_offline (bob);
  take_presence (carol, bob, FALSE);

  /* While Bob is away: Frank's request runs out, Dave declines, Erin
   * accepts, Alice asks. */
  xg_test_server_advance_clock (server, carol->client, 11);
  person_online (dave);
  person_online (erin);
  person_online (alice);
  xg_proto_frame_free (ask (dave, XG_PACKET_FRIEND_REJECT, xg_proto_friend_reject_new (dave->id, bob->id, "sorry"),
                            XG_PACKET_FRIEND_REQUEST_REJECTED));
  {
    g_autoptr(XgProtoFrame) accepted = ask (erin, XG_PACKET_FRIEND_ACCEPT,
                                            xg_proto_friend_accept_new (erin->id, bob->id),
                                            XG_PACKET_FRIEND_REQUEST_ACCEPTED);
    g_autoptr(XgProtoFrame) list = push (erin, XG_PACKET_FRIEND_LIST);

    assert_accepted (accepted, erin, bob, bob);
    assert_friend (list, bob, "", FALSE);
  }
  send_request (alice, bob, "a");

  sync = person_login (bob);
  frames = without_presence (sync);
  assert_sync_types (sync, order, G_N_ELEMENTS (order));

  {
    XgProtoFrame *list = frames->pdata[0];

    g_assert_cmpuint (list_length (list), ==, 2);
    assert_friend (list, carol, "", TRUE);
    assert_friend (list, erin, "", TRUE);
  }
  {
    guint64 requester, target;

    xg_proto_friend_request_incoming_get (((XgProtoFrame *) frames->pdata[1])->body, &requester, &target,
                                          NULL, NULL, NULL);
    g_assert_cmpuint (requester, ==, alice->id);
    xg_proto_friend_request_outgoing_get (((XgProtoFrame *) frames->pdata[2])->body, &requester, &target,
                                          NULL, NULL, NULL);
    g_assert_cmpuint (target, ==, grace->id);
    xg_proto_friend_request_timeout_get (((XgProtoFrame *) frames->pdata[3])->body, &target, &requester);
    g_assert_cmpuint (target, ==, frank->id);
    g_assert_cmpuint (requester, ==, bob->id);
  }
  {
    guint64 requester, target;
    const char *reason;

    xg_proto_friend_request_rejected_get (((XgProtoFrame *) frames->pdata[4])->body, &target, &requester, &reason);
    g_assert_cmpuint (target, ==, dave->id);
    g_assert_cmpuint (requester, ==, bob->id);
    g_assert_cmpstr (reason, ==, "sorry");
  }
  assert_accepted (frames->pdata[5], erin, bob, erin);

  /* After SYNC_DONE, the friends online hear of it. */
  take_presence (carol, bob, TRUE);
  take_presence (erin, bob, TRUE);
  nothing_for (dave);

  /* The outcomes went with that login; the requests stay. */
  person_offline (bob);
  g_clear_pointer (&sync, g_ptr_array_unref);
  sync = person_login (bob);
  assert_sync_types (sync, order, 3);
}

static void
test_accept_offline_requester (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(XgProtoFrame) answer = NULL;
  g_autoptr(XgProtoFrame) list = NULL;

  person_online (alice);
  send_request (alice, bob, "hi");
  person_offline (alice);

  g_clear_pointer (&first, g_ptr_array_unref);
  first = person_login (bob);
  answer = ask (bob, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (bob->id, alice->id),
                XG_PACKET_FRIEND_REQUEST_ACCEPTED);
  assert_accepted (answer, bob, alice, alice);
  list = push (bob, XG_PACKET_FRIEND_LIST);
  assert_friend (list, alice, "", FALSE);
  g_clear_pointer (&first, g_ptr_array_unref);

  /* Alice finds Bob in her list and the acceptance once ... */
  first = person_login (alice);
  assert_sync_types (first, (guint16[]) { XG_PACKET_FRIEND_LIST, XG_PACKET_FRIEND_REQUEST_ACCEPTED }, 2);
  assert_friend (find_type (first, XG_PACKET_FRIEND_LIST), bob, "", TRUE);
  assert_accepted (find_type (first, XG_PACKET_FRIEND_REQUEST_ACCEPTED), bob, alice, bob);
  take_presence (bob, alice, TRUE);

  /* ... and not again. */
  person_offline (alice);
  take_presence (bob, alice, FALSE);
  second = person_login (alice);
  assert_sync_types (second, (guint16[]) { XG_PACKET_FRIEND_LIST }, 1);
  assert_friend (find_type (second, XG_PACKET_FRIEND_LIST), bob, "", TRUE);
}

static void
test_reject (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(XgProtoFrame) answer = NULL;
  g_autoptr(XgProtoFrame) pushed = NULL;
  g_autoptr(GPtrArray) sync = NULL;
  g_autoptr(GPtrArray) later = NULL;
  guint64 target, requester;
  const char *reason;

  person_online (alice);
  person_online (bob);

  /* Live, with a reason. */
  send_request (alice, bob, "hi");
  take_incoming (bob, alice, "hi");
  answer = ask (bob, XG_PACKET_FRIEND_REJECT, xg_proto_friend_reject_new (bob->id, alice->id, "我们不认识"),
                XG_PACKET_FRIEND_REQUEST_REJECTED);
  xg_proto_friend_request_rejected_get (answer->body, &target, &requester, &reason);
  g_assert_cmpuint (target, ==, bob->id);
  g_assert_cmpuint (requester, ==, alice->id);
  g_assert_cmpstr (reason, ==, "我们不认识");
  pushed = push (alice, XG_PACKET_FRIEND_REQUEST_REJECTED);
  xg_proto_friend_request_rejected_get (pushed->body, &target, &requester, &reason);
  g_assert_cmpuint (target, ==, bob->id);
  g_assert_cmpuint (requester, ==, alice->id);
  g_assert_cmpstr (reason, ==, "我们不认识");
  nothing_for (alice);
  nothing_for (bob);

  /* Nothing waits any more, for either. */
  refused (bob, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (bob->id, alice->id),
           XG_PROTO_ERR_INVALID_ARGUMENT);

  /* Alice may ask again; this time she is offline when Bob declines
   * (without a reason), and hears at her login. */
  send_request (alice, bob, "again");
  take_incoming (bob, alice, "again");
  person_offline (alice);
  g_clear_pointer (&answer, xg_proto_frame_free);
  answer = ask (bob, XG_PACKET_FRIEND_REJECT, xg_proto_friend_reject_new (bob->id, alice->id, ""),
                XG_PACKET_FRIEND_REQUEST_REJECTED);

  sync = person_login (alice);
  assert_sync_types (sync, (guint16[]) { XG_PACKET_FRIEND_LIST, XG_PACKET_FRIEND_REQUEST_REJECTED }, 2);
  xg_proto_friend_request_rejected_get (find_type (sync, XG_PACKET_FRIEND_REQUEST_REJECTED)->body,
                                        &target, &requester, &reason);
  g_assert_cmpuint (target, ==, bob->id);
  g_assert_cmpstr (reason, ==, "");

  person_offline (alice);
  later = person_login (alice);
  assert_sync_types (later, (guint16[]) { XG_PACKET_FRIEND_LIST }, 1);
}

/* A request nobody answers runs out after [friends] request-timeout: not a
 * second earlier, and then the requester hears FRIEND_REQUEST_TIMEOUT live
 * (the target too, when online) or at its login, and the target's list
 * loses it. */
static void
test_timeout (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  guint64 target, requester;

  person_online (alice);
  person_online (bob);
  send_request (alice, bob, "hi");
  take_incoming (bob, alice, "hi");

  /* Just before the limit it still waits. */
  xg_test_server_advance_clock (server, alice->client, TIMEOUT_SECONDS - 5);
  nothing_for (alice);
  nothing_for (bob);
  {
    g_autoptr(GPtrArray) sync = NULL;

    person_offline (bob);
    sync = person_login (bob);
    assert_sync_types (sync, (guint16[]) { XG_PACKET_FRIEND_LIST, XG_PACKET_FRIEND_REQUEST_INCOMING }, 2);
  }

  /* Past it, both hear at once. */
  xg_test_server_advance_clock (server, alice->client, 6);
  {
    g_autoptr(XgProtoFrame) to_alice = push (alice, XG_PACKET_FRIEND_REQUEST_TIMEOUT);
    g_autoptr(XgProtoFrame) to_bob = push (bob, XG_PACKET_FRIEND_REQUEST_TIMEOUT);

    xg_proto_friend_request_timeout_get (to_alice->body, &target, &requester);
    g_assert_cmpuint (target, ==, bob->id);
    g_assert_cmpuint (requester, ==, alice->id);
    xg_proto_friend_request_timeout_get (to_bob->body, &target, &requester);
    g_assert_cmpuint (target, ==, bob->id);
    g_assert_cmpuint (requester, ==, alice->id);
  }
  refused (bob, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (bob->id, alice->id),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  {
    g_autoptr(GPtrArray) bob_sync = NULL;
    g_autoptr(GPtrArray) alice_sync = NULL;

    person_offline (bob);
    bob_sync = person_login (bob);
    assert_sync_types (bob_sync, (guint16[]) { XG_PACKET_FRIEND_LIST }, 1);
    person_offline (alice);
    alice_sync = person_login (alice);
    assert_sync_types (alice_sync, (guint16[]) { XG_PACKET_FRIEND_LIST }, 1);
  }

  /* The requester offline: it hears at its login; the target's next login
   * no longer lists the request. */
  send_request (alice, carol, "hello");
  person_offline (alice);
  xg_test_server_advance_clock (server, bob->client, TIMEOUT_SECONDS + 1);
  {
    g_autoptr(GPtrArray) alice_sync = person_login (alice);
    g_autoptr(GPtrArray) carol_sync = person_login (carol);

    assert_sync_types (alice_sync, (guint16[]) { XG_PACKET_FRIEND_LIST, XG_PACKET_FRIEND_REQUEST_TIMEOUT }, 2);
    xg_proto_friend_request_timeout_get (find_type (alice_sync, XG_PACKET_FRIEND_REQUEST_TIMEOUT)->body,
                                         &target, &requester);
    g_assert_cmpuint (target, ==, carol->id);
    g_assert_cmpuint (requester, ==, alice->id);
    assert_sync_types (carol_sync, (guint16[]) { XG_PACKET_FRIEND_LIST }, 1);
  }
}

static void
test_crossed (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(XgProtoFrame) answer = NULL;
  g_autoptr(XgProtoFrame) pushed = NULL;
  g_autoptr(XgProtoFrame) list_a = NULL;
  g_autoptr(XgProtoFrame) list_b = NULL;

  person_online (alice);
  person_online (bob);
  send_request (alice, bob, "hi");
  take_incoming (bob, alice, "hi");

  /* Bob asks Alice back instead of accepting: that is accepting. */
  answer = ask (bob, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (bob->id, alice->id, "hi too"),
                XG_PACKET_FRIEND_REQUEST_ACCEPTED);
  assert_accepted (answer, bob, alice, alice);
  list_b = push (bob, XG_PACKET_FRIEND_LIST);
  assert_friend (list_b, alice, "", TRUE);
  pushed = push (alice, XG_PACKET_FRIEND_REQUEST_ACCEPTED);
  assert_accepted (pushed, bob, alice, bob);
  list_a = push (alice, XG_PACKET_FRIEND_LIST);
  assert_friend (list_a, bob, "", TRUE);
  nothing_for (alice);
  nothing_for (bob);

  refused (alice, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (alice->id, bob->id, ""),
           XG_PROTO_ERR_ALREADY_FRIENDS);
  {
    g_autoptr(GPtrArray) sync = NULL;

    person_offline (alice);
    take_presence (bob, alice, FALSE);
    sync = person_login (alice);
    assert_sync_types (sync, (guint16[]) { XG_PACKET_FRIEND_LIST }, 1);
  }
}

static void
test_repeat (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(GPtrArray) bob_sync = NULL;
  g_autoptr(GPtrArray) alice_sync = NULL;
  gint64 first_time, listed_time;
  const char *greeting;

  person_online (alice);
  person_online (bob);
  send_request (alice, bob, "first");
  first_time = xg_test_server_now (server);
  take_incoming (bob, alice, "first");

  /* Later, with another greeting: the same request, Bob is not told again. */
  xg_test_server_advance_clock (server, alice->client, 100);
  send_request (alice, bob, "second");
  send_request (alice, bob, "third");
  nothing_for (bob);

  /* One request, with its first greeting and time. */
  person_offline (bob);
  bob_sync = person_login (bob);
  g_assert_cmpuint (count_type (bob_sync, XG_PACKET_FRIEND_REQUEST_INCOMING), ==, 1);
  xg_proto_friend_request_incoming_get (find_type (bob_sync, XG_PACKET_FRIEND_REQUEST_INCOMING)->body,
                                        NULL, NULL, &greeting, NULL, &listed_time);
  g_assert_cmpstr (greeting, ==, "first");
  g_assert_cmpint (listed_time, <=, first_time + 1);
  person_offline (alice);
  alice_sync = person_login (alice);
  g_assert_cmpuint (count_type (alice_sync, XG_PACKET_FRIEND_REQUEST_OUTGOING), ==, 1);
}

/* --- Tests: friends ------------------------------------------------------ */

static void
test_remark (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(XgProtoFrame) ok = NULL;
  g_autoptr(XgProtoFrame) list = NULL;
  guint64 requester, friend_id;

  person_online (alice);
  person_online (bob);
  befriend (alice, bob);

  ok = ask (alice, XG_PACKET_FRIEND_REMARK, xg_proto_friend_remark_new (alice->id, bob->id, "老鲍勃"),
            XG_PACKET_FRIEND_REMARK_OK);
  xg_proto_friend_remark_ok_get (ok->body, &requester, &friend_id);
  g_assert_cmpuint (requester, ==, alice->id);
  g_assert_cmpuint (friend_id, ==, bob->id);
  list = push (alice, XG_PACKET_FRIEND_LIST);
  assert_friend (list, bob, "老鲍勃", TRUE);

  /* Private: Bob hears nothing of it, and his list calls Alice Alice. */
  nothing_for (bob);
  {
    g_autoptr(GPtrArray) sync = NULL;

    person_offline (bob);
    take_presence (alice, bob, FALSE);
    sync = person_login (bob);
    assert_friend (find_type (sync, XG_PACKET_FRIEND_LIST), alice, "", TRUE);
    for (guint i = 0; i < sync->len; i++)
      {
        XgProtoFrame *frame = sync->pdata[i];
        g_autofree char *text = g_variant_print (frame->body, FALSE);

        g_assert_null (strstr (text, "老鲍勃"));
      }
    take_presence (alice, bob, TRUE);
  }

  /* Kept across logins; an empty remark clears it. */
  {
    g_autoptr(GPtrArray) sync = NULL;
    g_autoptr(XgProtoFrame) cleared_ok = NULL;
    g_autoptr(XgProtoFrame) cleared = NULL;

    person_offline (alice);
    take_presence (bob, alice, FALSE);
    sync = person_login (alice);
    assert_friend (find_type (sync, XG_PACKET_FRIEND_LIST), bob, "老鲍勃", TRUE);
    take_presence (bob, alice, TRUE);

    cleared_ok = ask (alice, XG_PACKET_FRIEND_REMARK, xg_proto_friend_remark_new (alice->id, bob->id, ""),
                      XG_PACKET_FRIEND_REMARK_OK);
    cleared = push (alice, XG_PACKET_FRIEND_LIST);
    assert_friend (cleared, bob, "", TRUE);
  }

  /* Refusals change nothing. */
  refused (alice, XG_PACKET_FRIEND_REMARK, xg_proto_friend_remark_new (alice->id, carol->id, "x"),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_FRIEND_REMARK, xg_proto_friend_remark_new (alice->id, bob->id, " padded"),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_FRIEND_REMARK, xg_proto_friend_remark_new (alice->id, bob->id, "tab\tinside"),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_FRIEND_REMARK,
           xg_proto_friend_remark_new (alice->id, bob->id, "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三"),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  xg_proto_frame_free (ask (alice, XG_PACKET_FRIEND_REMARK,
                            xg_proto_friend_remark_new (alice->id, bob->id, "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二"),
                            XG_PACKET_FRIEND_REMARK_OK));
  xg_proto_frame_free (push (alice, XG_PACKET_FRIEND_LIST));
  nothing_for (alice);
  nothing_for (bob);
}

static void
test_remove (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(XgProtoFrame) removed = NULL;
  g_autoptr(XgProtoFrame) list_a = NULL;
  g_autoptr(XgProtoFrame) told = NULL;
  g_autoptr(XgProtoFrame) list_b = NULL;
  guint64 remover, friend_id;

  person_online (alice);
  person_online (bob);
  person_online (carol);
  befriend (alice, bob);
  befriend (alice, carol);
  xg_proto_frame_free (ask (bob, XG_PACKET_FRIEND_REMARK, xg_proto_friend_remark_new (bob->id, alice->id, "A"),
                            XG_PACKET_FRIEND_REMARK_OK));
  xg_proto_frame_free (push (bob, XG_PACKET_FRIEND_LIST));

  /* Both sides, live. */
  removed = ask (alice, XG_PACKET_FRIEND_REMOVE, xg_proto_friend_remove_new (alice->id, bob->id),
                 XG_PACKET_FRIEND_REMOVED);
  xg_proto_friend_removed_get (removed->body, &remover, &friend_id);
  g_assert_cmpuint (remover, ==, alice->id);
  g_assert_cmpuint (friend_id, ==, bob->id);
  list_a = push (alice, XG_PACKET_FRIEND_LIST);
  g_assert_false (list_entry (list_a, bob->id, NULL, NULL, NULL));
  assert_friend (list_a, carol, "", TRUE);
  told = push (bob, XG_PACKET_FRIEND_REMOVED);
  xg_proto_friend_removed_get (told->body, &remover, &friend_id);
  g_assert_cmpuint (remover, ==, alice->id);
  g_assert_cmpuint (friend_id, ==, bob->id);
  list_b = push (bob, XG_PACKET_FRIEND_LIST);
  g_assert_cmpuint (list_length (list_b), ==, 0);
  nothing_for (carol);

  refused (alice, XG_PACKET_FRIEND_REMOVE, xg_proto_friend_remove_new (alice->id, bob->id),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (bob, XG_PACKET_FRIEND_REMOVE, xg_proto_friend_remove_new (bob->id, alice->id),
           XG_PROTO_ERR_INVALID_ARGUMENT);

  /* Either may ask again; the remarks are gone. */
  befriend (bob, alice);

  /* The removed side offline: its next list just lacks the friend. */
  person_offline (carol);
  take_presence (alice, carol, FALSE);
  g_clear_pointer (&removed, xg_proto_frame_free);
  removed = ask (alice, XG_PACKET_FRIEND_REMOVE, xg_proto_friend_remove_new (alice->id, carol->id),
                 XG_PACKET_FRIEND_REMOVED);
  g_clear_pointer (&list_a, xg_proto_frame_free);
  list_a = push (alice, XG_PACKET_FRIEND_LIST);
  g_assert_cmpuint (list_length (list_a), ==, 1);
  assert_friend (list_a, bob, "", TRUE);
  {
    g_autoptr(GPtrArray) sync = person_login (carol);

    assert_sync_types (sync, (guint16[]) { XG_PACKET_FRIEND_LIST }, 1);
    g_assert_cmpuint (list_length (find_type (sync, XG_PACKET_FRIEND_LIST)), ==, 0);
  }
  nothing_for (alice);
}

/* Logging in, out, being cut off and being replaced by a newer login, as
 * a friend sees it. */
static void
test_presence (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");

  person_online (alice);
  person_online (bob);
  person_online (carol);
  befriend (alice, bob);

  /* A clean logout. */
  xg_proto_frame_free (ask (bob, XG_PACKET_LOGOUT, xg_proto_logout_new (), XG_PACKET_LOGOUT_OK));
  take_presence (alice, bob, FALSE);
  person_offline (bob);
  g_clear_pointer (&bob->token, g_bytes_unref);

  /* A login: Bob's list shows Alice online, Alice hears Bob is. */
  {
    g_autoptr(GPtrArray) sync = person_login (bob);

    assert_friend (find_type (sync, XG_PACKET_FRIEND_LIST), alice, "", TRUE);
    take_presence (alice, bob, TRUE);
  }

  /* A dropped connection. */
  person_offline (bob);
  take_presence (alice, bob, FALSE);
  {
    g_autoptr(GPtrArray) sync = NULL;

    person_offline (alice);
    sync = person_login (alice);
    assert_friend (find_type (sync, XG_PACKET_FRIEND_LIST), bob, "", FALSE);
  }

  /* Logging in elsewhere is no absence: the old connection is forced out
   * and Alice hears "online" again at most, never "offline". */
  person_online (bob);
  take_presence (alice, bob, TRUE);
  {
    g_autoptr(XgTestClient) second = xg_test_client_connect (server);
    g_autoptr(XgProtoFrame) forced = NULL;
    guint32 reason;

    xg_test_token_login_sync (second, bob->id, bob->token, NULL);
    forced = xg_test_client_expect (bob->client, XG_PACKET_FORCED_LOGOUT);
    xg_proto_forced_logout_get (forced->body, &reason, NULL);
    g_assert_cmpuint (reason, ==, XG_PROTO_FORCED_LOGOUT_LOGGED_IN_ELSEWHERE);
    g_assert_true (xg_test_client_wait_closed (bob->client, 3000));
    take_presence (alice, bob, TRUE);
    nothing_for (alice);

    /* Then the newer session ends. */
    g_clear_pointer (&second, xg_test_client_free);
    take_presence (alice, bob, FALSE);
  }

  /* A stranger hears nothing of any of it. */
  nothing_for (carol);

  /* A clean shutdown with friends online: everyone is told, the server
   * exits 0 (and, in the sanitizer build, without leaks). */
  person_offline (bob);
  person_online (bob);
  take_presence (alice, bob, TRUE);
  g_subprocess_send_signal (server->process, SIGTERM);
  for (guint i = 0; i < 3; i++)
    {
      Person *p = (Person *[]) { alice, bob, carol }[i];
      G_GNUC_UNUSED g_autoptr(GPtrArray) before = xg_test_client_until (p->client, XG_PACKET_FORCED_LOGOUT);

      g_assert_true (xg_test_client_wait_closed (p->client, 3000));
    }
  {
    g_autoptr(GError) error = NULL;

    g_subprocess_wait (server->process, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_if_exited (server->process));
    g_assert_cmpint (g_subprocess_get_exit_status (server->process), ==, 0);
    g_clear_object (&server->process);
  }
}

/* USER_INFO after PROFILE_UPDATE goes to online friends only. */
static void
test_profile_pushed (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(XgProtoFrame) info = NULL;
  g_autoptr(GVariant) fields = NULL;
  GVariantBuilder builder;
  const char *nickname, *signature;
  guint64 id;

  person_online (alice);
  person_online (bob);
  person_online (carol);
  befriend (alice, bob);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "nickname", g_variant_new_string ("Alicia"));
  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string ("hello"));
  xg_proto_frame_free (ask (alice, XG_PACKET_PROFILE_UPDATE, xg_proto_profile_update_new (g_variant_builder_end (&builder)),
                            XG_PACKET_PROFILE));

  info = push (bob, XG_PACKET_USER_INFO);
  xg_proto_user_info_get (info->body, &id, &nickname, &fields);
  g_assert_cmpuint (id, ==, alice->id);
  g_assert_cmpstr (nickname, ==, "Alicia");
  g_assert_true (g_variant_lookup (fields, "signature", "&s", &signature));
  g_assert_cmpstr (signature, ==, "hello");
  nothing_for (carol);
  nothing_for (alice);
}

/* --- Tests: finding people ----------------------------------------------- */

static void
assert_not_found (Person  *asker,
                  guint64  id)
{
  g_autoptr(XgProtoFrame) answer = ask (asker, XG_PACKET_USER_INFO_REQUEST, xg_proto_user_info_request_new (id),
                                        XG_PACKET_USER_NOT_FOUND);
  g_autoptr(GVariant) made_up = g_variant_ref_sink (xg_proto_user_not_found_new (99999999, ""));
  guint64 got_id;
  const char *email;

  xg_proto_user_not_found_get (answer->body, &got_id, &email);
  g_assert_cmpuint (got_id, ==, id);
  g_assert_cmpstr (email, ==, "");
  /* Byte for byte what a made-up id gets, but for the id itself. */
  g_assert_cmpuint (g_variant_get_size (answer->body), ==, g_variant_get_size (made_up));
}

static void
assert_info (Person *asker,
             Person *about)
{
  g_autoptr(XgProtoFrame) answer = ask (asker, XG_PACKET_USER_INFO_REQUEST,
                                        xg_proto_user_info_request_new (about->id), XG_PACKET_USER_INFO);
  guint64 id;
  const char *nickname;

  xg_proto_user_info_get (answer->body, &id, &nickname, NULL);
  g_assert_cmpuint (id, ==, about->id);
  g_assert_cmpstr (nickname, ==, about->nickname);
}

static guint64
lookup (Person     *asker,
        const char *email)
{
  g_autoptr(XgProtoFrame) answer = ask (asker, XG_PACKET_EMAIL_LOOKUP, xg_proto_email_lookup_new (email),
                                        XG_PACKET_EMAIL_RESULT);
  const char *got_email;
  guint64 id;

  xg_proto_email_result_get (answer->body, &got_email, &id);
  return id;
}

static void
lookup_not_found (Person     *asker,
                  const char *email)
{
  g_autoptr(XgProtoFrame) answer = ask (asker, XG_PACKET_EMAIL_LOOKUP, xg_proto_email_lookup_new (email),
                                        XG_PACKET_USER_NOT_FOUND);
  const char *got_email;
  guint64 id;

  xg_proto_user_not_found_get (answer->body, &id, &got_email);
  g_assert_cmpuint (id, ==, 0);
  g_assert_cmpstr (got_email, ==, email);
}

/* Sets accounts.disabled behind the server's back; the protocol has no
 * way to disable an account yet. The server must not be running. */
static void
disable_account (XgTestServer *server,
                 guint64       id)
{
  g_autofree char *path = g_build_filename (server->data_dir, "xinge.db", NULL);
  g_autofree char *sql = g_strdup_printf ("UPDATE accounts SET disabled = 1 WHERE id = %" G_GUINT64_FORMAT, id);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
}

static void
test_user_info_visibility (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(Person) dave = person_new (server, "Dave");

  person_online (alice);
  person_online (bob);
  person_online (carol);

  /* Itself; a stranger is refused exactly like an id nobody has. */
  assert_info (alice, alice);
  assert_not_found (alice, bob->id);
  assert_not_found (alice, dave->id + 1);
  assert_not_found (alice, 1);

  /* Found by address: this connection may see it, a new one may not. */
  g_assert_cmpuint (lookup (alice, "CAROL@example.com"), ==, carol->id);
  assert_info (alice, carol);
  assert_not_found (carol, alice->id);
  {
    g_autoptr(GPtrArray) sync = NULL;

    person_offline (alice);
    sync = person_login (alice);
    assert_not_found (alice, carol->id);
  }

  /* A request that waits, either way. */
  send_request (alice, bob, "hi");
  take_incoming (bob, alice, "hi");
  assert_info (alice, bob);
  assert_info (bob, alice);
  assert_not_found (carol, alice->id);

  /* Friends; and again strangers after the end. */
  xg_proto_frame_free (ask (bob, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (bob->id, alice->id),
                            XG_PACKET_FRIEND_REQUEST_ACCEPTED));
  xg_proto_frame_free (push (bob, XG_PACKET_FRIEND_LIST));
  xg_proto_frame_free (push (alice, XG_PACKET_FRIEND_REQUEST_ACCEPTED));
  xg_proto_frame_free (push (alice, XG_PACKET_FRIEND_LIST));
  assert_info (alice, bob);
  assert_info (bob, alice);
  xg_proto_frame_free (ask (bob, XG_PACKET_FRIEND_REMOVE, xg_proto_friend_remove_new (bob->id, alice->id),
                            XG_PACKET_FRIEND_REMOVED));
  xg_proto_frame_free (push (bob, XG_PACKET_FRIEND_LIST));
  xg_proto_frame_free (push (alice, XG_PACKET_FRIEND_REMOVED));
  xg_proto_frame_free (push (alice, XG_PACKET_FRIEND_LIST));
  assert_not_found (alice, bob->id);
  assert_not_found (bob, alice->id);

  /* A disabled account is found by nobody, not even a friend. */
  befriend (alice, bob);
  person_offline (alice);
  person_offline (bob);
  person_offline (carol);
  g_assert_cmpint (xg_test_server_kill (server, SIGTERM), ==, 0);
  disable_account (server, bob->id);
  xg_test_server_restart (server);
  person_online (alice);
  person_online (carol);
  assert_not_found (alice, bob->id);
  lookup_not_found (alice, bob->email);
  {
    g_autoptr(XgProtoFrame) answer = ask (carol, XG_PACKET_FRIEND_REQUEST,
                                          xg_proto_friend_request_new (carol->id, bob->id, ""),
                                          XG_PACKET_USER_NOT_FOUND);
    guint64 id;

    xg_proto_user_not_found_get (answer->body, &id, NULL);
    g_assert_cmpuint (id, ==, bob->id);
  }
}

static void
test_email_lookup_limit (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start ("[friends]\nlookups-per-hour=3\n");
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(XgTestClient) anonymous = xg_test_client_connect (server);

  {
    g_autoptr(XgProtoFrame) answer = xg_test_client_request (anonymous, XG_PACKET_EMAIL_LOOKUP,
                                                             xg_proto_email_lookup_new (bob->email),
                                                             XG_PACKET_ERROR);
    g_assert_cmpuint (error_code (answer, XG_PACKET_EMAIL_LOOKUP), ==, XG_PROTO_ERR_NOT_LOGGED_IN);
  }

  person_online (alice);
  person_online (bob);

  /* A malformed address is refused and does not count. */
  refused (alice, XG_PACKET_EMAIL_LOOKUP, xg_proto_email_lookup_new ("not an address"), XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_EMAIL_LOOKUP, xg_proto_email_lookup_new ("a@b"), XG_PROTO_ERR_INVALID_ARGUMENT);

  /* Three in the hour that starts with the first, found or not. */
  g_assert_cmpuint (lookup (alice, "bob@example.com"), ==, bob->id);
  xg_test_server_advance_clock (server, alice->client, 1000);
  lookup_not_found (alice, "nobody@example.com");
  g_assert_cmpuint (lookup (alice, "BOB@EXAMPLE.COM"), ==, bob->id);
  refused (alice, XG_PACKET_EMAIL_LOOKUP, xg_proto_email_lookup_new ("bob@example.com"), XG_PROTO_ERR_RATE_LIMITED);

  /* Per account: Bob has all of his. */
  g_assert_cmpuint (lookup (bob, "alice@example.com"), ==, alice->id);

  /* Until the hour from the first is over (the server's seconds may have
   * ticked once more than the clock moved, never less). */
  xg_test_server_advance_clock (server, alice->client, 2598);
  refused (alice, XG_PACKET_EMAIL_LOOKUP, xg_proto_email_lookup_new ("bob@example.com"), XG_PROTO_ERR_RATE_LIMITED);
  xg_test_server_advance_clock (server, alice->client, 2);
  g_assert_cmpuint (lookup (alice, "bob@example.com"), ==, bob->id);
}

/* --- Tests: refusals (docs/PROTOCOL.md 5.7) ------------------------------ */

/* Every refusal gets its code and changes nothing: the lists at the end
 * are what the few successful requests made them. */
static void
test_refusals (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start ("[friends]\nmax-pending-requests=2\nmax-friends=2\n");
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(Person) dave = person_new (server, "Dave");
  g_autoptr(Person) erin = person_new (server, "Erin");
  g_autoptr(XgTestClient) anonymous = xg_test_client_connect (server);
  g_autofree char *long_text = g_strnfill (129, 'x');
  g_autofree char *longest = g_strnfill (128, 'x');

  person_online (alice);
  person_online (bob);
  person_online (carol);
  person_online (dave);
  person_online (erin);

  /* Anonymous: every friends request needs a login. */
  {
    struct { guint16 type; GVariant *body; } anon[] = {
      { XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (alice->id, bob->id, "") },
      { XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (alice->id, bob->id) },
      { XG_PACKET_FRIEND_REJECT, xg_proto_friend_reject_new (alice->id, bob->id, "") },
      { XG_PACKET_FRIEND_REMARK, xg_proto_friend_remark_new (alice->id, bob->id, "") },
      { XG_PACKET_FRIEND_REMOVE, xg_proto_friend_remove_new (alice->id, bob->id) },
      { XG_PACKET_USER_INFO_REQUEST, xg_proto_user_info_request_new (alice->id) },
    };

    for (guint i = 0; i < G_N_ELEMENTS (anon); i++)
      {
        g_autoptr(XgProtoFrame) answer = xg_test_client_request (anonymous, anon[i].type, anon[i].body,
                                                                 XG_PACKET_ERROR);
        g_assert_cmpuint (error_code (answer, anon[i].type), ==, XG_PROTO_ERR_NOT_LOGGED_IN);
      }
  }

  /* Claiming another's id. */
  refused (alice, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (bob->id, carol->id, ""), XG_PROTO_ERR_ID_MISMATCH);
  refused (alice, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (bob->id, carol->id), XG_PROTO_ERR_ID_MISMATCH);
  refused (alice, XG_PACKET_FRIEND_REJECT, xg_proto_friend_reject_new (bob->id, carol->id, ""), XG_PROTO_ERR_ID_MISMATCH);
  refused (alice, XG_PACKET_FRIEND_REMARK, xg_proto_friend_remark_new (bob->id, carol->id, ""), XG_PROTO_ERR_ID_MISMATCH);
  refused (alice, XG_PACKET_FRIEND_REMOVE, xg_proto_friend_remove_new (bob->id, carol->id), XG_PROTO_ERR_ID_MISMATCH);

  /* FRIEND_REQUEST: to itself, bad greetings, nobody. */
  refused (alice, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (alice->id, alice->id, ""),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (alice->id, bob->id, long_text),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (alice->id, bob->id, "two\nlines"),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  {
    g_autoptr(XgProtoFrame) answer = ask (alice, XG_PACKET_FRIEND_REQUEST,
                                          xg_proto_friend_request_new (alice->id, 424242, ""),
                                          XG_PACKET_USER_NOT_FOUND);
    guint64 id;
    const char *email;

    xg_proto_user_not_found_get (answer->body, &id, &email);
    g_assert_cmpuint (id, ==, 424242);
    g_assert_cmpstr (email, ==, "");
  }

  /* FRIEND_ACCEPT / FRIEND_REJECT without a request. */
  refused (bob, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (bob->id, alice->id), XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (bob, XG_PACKET_FRIEND_REJECT, xg_proto_friend_reject_new (bob->id, alice->id, ""), XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (bob, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (bob->id, 424242), XG_PROTO_ERR_INVALID_ARGUMENT);

  /* max-pending-requests = 2: Alice asks Bob (the longest greeting) and
   * Carol, then the third is refused. */
  send_request (alice, bob, longest);
  take_incoming (bob, alice, longest);
  send_request (alice, carol, "c");
  take_incoming (carol, alice, "c");
  refused (alice, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (alice->id, dave->id, ""),
           XG_PROTO_ERR_LIMIT_REACHED);
  /* A repeat is the same request, not a third. */
  send_request (alice, bob, "again");

  /* A bad reason leaves the request waiting. */
  refused (bob, XG_PACKET_FRIEND_REJECT, xg_proto_friend_reject_new (bob->id, alice->id, long_text),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (bob, XG_PACKET_FRIEND_REJECT, xg_proto_friend_reject_new (bob->id, alice->id, "\x1b[31m"),
           XG_PROTO_ERR_INVALID_ARGUMENT);

  /* FRIEND_REMARK / FRIEND_REMOVE on someone who is not a friend. */
  refused (alice, XG_PACKET_FRIEND_REMARK, xg_proto_friend_remark_new (alice->id, bob->id, "B"), XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_FRIEND_REMOVE, xg_proto_friend_remove_new (alice->id, bob->id), XG_PROTO_ERR_INVALID_ARGUMENT);

  /* Already friends. */
  {
    G_GNUC_UNUSED g_autoptr(XgProtoFrame) accepted = ask (bob, XG_PACKET_FRIEND_ACCEPT,
                                                          xg_proto_friend_accept_new (bob->id, alice->id),
                                                          XG_PACKET_FRIEND_REQUEST_ACCEPTED);
    xg_proto_frame_free (push (bob, XG_PACKET_FRIEND_LIST));
    xg_proto_frame_free (push (alice, XG_PACKET_FRIEND_REQUEST_ACCEPTED));
    xg_proto_frame_free (push (alice, XG_PACKET_FRIEND_LIST));
  }
  refused (alice, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (alice->id, bob->id, ""),
           XG_PROTO_ERR_ALREADY_FRIENDS);
  refused (bob, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (bob->id, alice->id, ""),
           XG_PROTO_ERR_ALREADY_FRIENDS);

  /* max-friends = 2. Erin asks Bob while he has one friend (Alice); then
   * Dave befriends Bob and Erin, so Bob and Dave have two each. */
  send_request (erin, bob, "e");
  take_incoming (bob, erin, "e");
  befriend (dave, bob);
  befriend (dave, erin);
  /* Dave is full: a request from him is refused; one to him is stored
   * (Carol must not learn how many friends he has) but he cannot take it. */
  refused (dave, XG_PACKET_FRIEND_REQUEST, xg_proto_friend_request_new (dave->id, carol->id, ""),
           XG_PROTO_ERR_LIMIT_REACHED);
  send_request (carol, dave, "d");
  take_incoming (dave, carol, "d");
  refused (dave, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (dave->id, carol->id), XG_PROTO_ERR_LIMIT_REACHED);
  /* Bob, full since, cannot take Erin's request either. */
  refused (bob, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (bob->id, erin->id), XG_PROTO_ERR_LIMIT_REACHED);

  /* What is left: exactly what the accepted requests made. */
  nothing_for (alice);
  nothing_for (bob);
  nothing_for (carol);
  nothing_for (dave);
  nothing_for (erin);
  {
    g_autoptr(GPtrArray) a = NULL;
    g_autoptr(GPtrArray) b = NULL;
    g_autoptr(GPtrArray) c = NULL;

    person_offline (alice);
    person_offline (bob);
    person_offline (carol);
    a = person_login (alice);
    b = person_login (bob);
    c = person_login (carol);

    g_assert_cmpuint (list_length (find_type (a, XG_PACKET_FRIEND_LIST)), ==, 1);
    assert_friend (find_type (a, XG_PACKET_FRIEND_LIST), bob, "", FALSE);
    assert_sync_types (a, (guint16[]) { XG_PACKET_FRIEND_LIST, XG_PACKET_FRIEND_REQUEST_OUTGOING }, 2);
    g_assert_cmpuint (list_length (find_type (b, XG_PACKET_FRIEND_LIST)), ==, 2);
    assert_sync_types (b, (guint16[]) { XG_PACKET_FRIEND_LIST, XG_PACKET_FRIEND_REQUEST_INCOMING }, 2);
    /* Carol's request to Dave still waits. */
    assert_sync_types (c, (guint16[]) { XG_PACKET_FRIEND_LIST, XG_PACKET_FRIEND_REQUEST_INCOMING,
                                        XG_PACKET_FRIEND_REQUEST_OUTGOING }, 3);
    g_assert_cmpuint (list_length (find_type (c, XG_PACKET_FRIEND_LIST)), ==, 0);
  }
}

/* --- Tests: an existing database ----------------------------------------- */

/* A database from before friends (user_version 1) is migrated when the
 * server starts, and its accounts keep working. */
static void
test_migration (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autofree char *path = g_build_filename (server->data_dir, "xinge.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (xg_test_server_kill (server, SIGTERM), ==, 0);

  /* Back to schema 1: exactly what migrations 2 to 6 added goes, and 4's
   * codes table is register_codes again. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE group_invites; DROP TABLE group_join_requests; "
                                     "DROP TABLE group_members; DROP TABLE groups; "
                                     "DROP TABLE cursors; DROP TABLE messages; DROP TABLE conversations; "
                                     "DROP TABLE friendships; DROP TABLE friend_requests; DROP TABLE codes; "
                                     "CREATE TABLE register_codes (email TEXT PRIMARY KEY, code_hash BLOB NOT NULL, "
                                     "expires_at INTEGER NOT NULL, attempts_left INTEGER NOT NULL, "
                                     "last_sent_at INTEGER NOT NULL, window_start INTEGER NOT NULL, "
                                     "window_count INTEGER NOT NULL) WITHOUT ROWID; "
                                     "PRAGMA user_version = 1;", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  xg_test_server_restart (server);
  person_online (alice);
  person_online (bob);
  befriend (alice, bob);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 6);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* --- Tests: the send queue's byte cap ------------------------------------ */

#define AVATAR_BYTES (200 * 1024)

static GVariant *
avatar_update (guint serial)
{
  g_autofree guint8 *png = g_malloc0 (AVATAR_BYTES);
  g_autofree char *signature = g_strdup_printf ("%u", serial);
  GVariantBuilder builder;

  memcpy (png, "\x89PNG\r\n\x1a\n", 8);
  memcpy (png + 8, &serial, sizeof serial);
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string (signature));
  g_variant_builder_add (&builder, "{sv}", "avatar",
                         g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, png, AVATAR_BYTES, 1));
  return xg_proto_profile_update_new (g_variant_builder_end (&builder));
}

static guint
profile_serial (XgProtoFrame *frame)
{
  g_autoptr(GVariant) fields = NULL;
  const char *signature;

  if (frame->type == XG_PACKET_PROFILE)
    xg_proto_profile_get (frame->body, NULL, NULL, NULL, &fields);
  else
    xg_proto_user_info_get (frame->body, NULL, NULL, &fields);
  g_assert_true (g_variant_lookup (fields, "signature", "&s", &signature));
  return (guint) g_ascii_strtoull (signature, NULL, 10);
}

/* Writes what it can of @frame from *offset without blocking; FALSE
 * once the socket has not taken anything for @patience_ms. */
static gboolean
write_some (XgTestClient *client,
            GBytes       *frame,
            gsize        *offset,
            guint         patience_ms)
{
  GPollableOutputStream *out = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (client->stream));
  GSocket *socket = g_socket_connection_get_socket (client->socket);
  gsize size;
  const guint8 *data = g_bytes_get_data (frame, &size);

  while (*offset < size)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_pollable_output_stream_write_nonblocking (out, data + *offset, size - *offset, NULL, &error);

      if (n > 0)
        {
          *offset += n;
          continue;
        }
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      if (patience_ms == 0 ||
          !g_socket_condition_timed_wait (socket, G_IO_OUT, (gint64) patience_ms * 1000, NULL, NULL))
        return FALSE;
    }
  return TRUE;
}

/* A client that sends without reading: the server stops reading from it
 * once its answers pile up ([server] send-queue-pause), so the client's
 * own writes block; once it reads, every answer arrives, in order. */
static void
test_send_queue_pause (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start ("[server]\nsend-queue-pause=262144\n");
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const guint most = 400;   /* 80 MB each way: far more than any socket buffers hold */
  guint32 first_id;
  gsize offset = 0;
  gboolean blocked = FALSE;
  guint started = 0, answered = 0;

  person_online (alice);
  first_id = alice->client->next_request_id;

  while (started < most && !blocked)
    {
      g_autoptr(GError) error = NULL;
      GBytes *frame = xg_proto_frame_encode (XG_PACKET_PROFILE_UPDATE, alice->client->next_request_id++,
                                             avatar_update (started + 1), &error);

      g_assert_no_error (error);
      g_ptr_array_add (frames, frame);
      offset = 0;
      started++;
      blocked = !write_some (alice->client, frame, &offset, 1000);
    }
  g_test_message ("writes blocked after %u updates of %u KiB", started, AVATAR_BYTES / 1024);
  g_assert_true (blocked);
  g_assert_cmpuint (started, <, most);

  /* Reading again: every answer, in order; the rest of the last update
   * goes out once the server reads again. */
  while (answered < started)
    {
      XgProtoFrame *frame;

      if (offset < g_bytes_get_size (frames->pdata[started - 1]))
        write_some (alice->client, frames->pdata[started - 1], &offset, 0);
      frame = xg_test_client_receive (alice->client, 200);
      if (frame == NULL)
        {
          g_assert_false (alice->client->closed);
          continue;
        }
      g_assert_cmpuint (frame->type, ==, XG_PACKET_PROFILE);
      g_assert_cmpuint (frame->request_id, ==, first_id + answered);
      g_assert_cmpuint (profile_serial (frame), ==, answered + 1);
      xg_proto_frame_free (frame);
      answered++;
    }
  nothing_for (alice);
}

/* A client that does not read while pushes pile up is closed once more
 * than [server] send-queue-max bytes wait for it; what is stored reaches
 * it at its next login. */
static void
test_slow_consumer (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start ("[server]\nsend-queue-pause=65536\nsend-queue-max=1048576\n");
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  const guint updates = 60;   /* 12 MB of USER_INFO for Alice */
  guint received = 0;

  person_online (alice);
  person_online (bob);
  befriend (alice, bob);

  /* Alice takes nothing. */

  for (guint i = 1; i <= updates; i++)
    xg_proto_frame_free (ask (bob, XG_PACKET_PROFILE_UPDATE, avatar_update (i), XG_PACKET_PROFILE));

  /* What reached her came in order, then the server closed on her. */
  for (;;)
    {
      g_autoptr(XgProtoFrame) frame = xg_test_client_receive (alice->client, 3000);

      if (frame == NULL)
        break;
      g_assert_cmpuint (frame->type, ==, XG_PACKET_USER_INFO);
      g_assert_cmpuint (profile_serial (frame), ==, ++received);
    }
  g_test_message ("Alice got %u of %u pushes before she was closed", received, updates);
  g_assert_true (alice->client->closed);
  g_assert_cmpuint (received, <, updates);

  /* Bob carries on and sees her go; she logs in again and finds him. */
  take_presence (bob, alice, FALSE);
  nothing_for (bob);
  person_offline (alice);
  {
    g_autoptr(GPtrArray) sync = person_login (alice);

    assert_friend (find_type (sync, XG_PACKET_FRIEND_LIST), bob, "", TRUE);
  }
}

/* --- Tests: SIGKILL in the middle ---------------------------------------- */

/* Pairs of people go through request → accept (or reject) → remark →
 * remark → remove, one step at a time, many pairs at once, while the
 * server is killed at random moments. A pair's next step is sent only
 * once the last one was answered, so after a restart each pair must be
 * exactly where its last answer left it, or one step further (its
 * unanswered step committed); anything else is a lost answer or a
 * half-done change. */

#define KILL_PEOPLE 6

typedef enum {
  PAIR_NONE,
  PAIR_PENDING,
  PAIR_FRIENDS,
} PairState;

typedef struct {
  PairState state;
  guint     remark;   /* the remark a gave b: "" for 0, "r1", "r2" */
} PairView;

typedef struct {
  Person   *a, *b;    /* a asks, b answers */
  PairView  now;      /* as the last answer left it */
  guint     cycle;
  gboolean  in_flight;
  Person   *sender;
  guint32   request_id;
  guint16   answer;   /* the answer the step waits for */
  PairView  next;     /* as the step leaves it */
  guint     answered; /* steps answered, over the whole test */
} Pair;

typedef struct {
  XgTestServer *server;
  Person       *people[KILL_PEOPLE];
  Pair          pairs[KILL_PEOPLE * (KILL_PEOPLE - 1) / 2];
  guint         n_pairs;
  GHashTable   *waiting[KILL_PEOPLE];  /* request id → Pair*, per sender */
} KillRun;

static guint
person_index (KillRun *run,
              Person  *p)
{
  for (guint i = 0; i < KILL_PEOPLE; i++)
    if (run->people[i] == p)
      return i;
  g_assert_not_reached ();
}

static void
send_step (KillRun *run,
           Pair    *pair)
{
  GVariant *body;
  guint16 type;

  g_assert_false (pair->in_flight);
  pair->next = pair->now;
  switch (pair->now.state)
    {
    case PAIR_NONE:
      pair->sender = pair->a;
      type = XG_PACKET_FRIEND_REQUEST;
      body = xg_proto_friend_request_new (pair->a->id, pair->b->id, "hi");
      pair->answer = XG_PACKET_FRIEND_REQUEST_SENT;
      pair->next.state = PAIR_PENDING;
      break;
    case PAIR_PENDING:
      pair->sender = pair->b;
      pair->next.remark = 0;
      if (pair->cycle % 3 == 2)
        {
          type = XG_PACKET_FRIEND_REJECT;
          body = xg_proto_friend_reject_new (pair->b->id, pair->a->id, "no");
          pair->answer = XG_PACKET_FRIEND_REQUEST_REJECTED;
          pair->next.state = PAIR_NONE;
        }
      else
        {
          type = XG_PACKET_FRIEND_ACCEPT;
          body = xg_proto_friend_accept_new (pair->b->id, pair->a->id);
          pair->answer = XG_PACKET_FRIEND_REQUEST_ACCEPTED;
          pair->next.state = PAIR_FRIENDS;
        }
      break;
    case PAIR_FRIENDS:
    default:
      pair->sender = pair->a;
      if (pair->now.remark < 2)
        {
          g_autofree char *remark = g_strdup_printf ("r%u", pair->now.remark + 1);

          type = XG_PACKET_FRIEND_REMARK;
          body = xg_proto_friend_remark_new (pair->a->id, pair->b->id, remark);
          pair->answer = XG_PACKET_FRIEND_REMARK_OK;
          pair->next.remark = pair->now.remark + 1;
        }
      else
        {
          type = XG_PACKET_FRIEND_REMOVE;
          body = xg_proto_friend_remove_new (pair->a->id, pair->b->id);
          pair->answer = XG_PACKET_FRIEND_REMOVED;
          pair->next.state = PAIR_NONE;
          pair->next.remark = 0;
        }
      break;
    }
  pair->request_id = xg_test_client_send (pair->sender->client, type, body);
  pair->in_flight = TRUE;
  g_hash_table_insert (run->waiting[person_index (run, pair->sender)], GUINT_TO_POINTER (pair->request_id), pair);
}

/* An answer moves its pair on; pushes are someone else's business here. */
static void
take_frame (KillRun      *run,
            guint         who,
            XgProtoFrame *frame,
            gboolean      send_next)
{
  Pair *pair;

  if (frame->request_id == 0)
    return;
  pair = g_hash_table_lookup (run->waiting[who], GUINT_TO_POINTER (frame->request_id));
  g_assert_nonnull (pair);
  g_hash_table_remove (run->waiting[who], GUINT_TO_POINTER (frame->request_id));
  if (frame->type != pair->answer)
    {
      g_autofree char *text = frame->body ? g_variant_print (frame->body, FALSE) : g_strdup ("-");
      g_error ("%s: expected %s, got %s %s", pair->sender->nickname, xg_proto_packet_info (pair->answer)->name,
               xg_proto_packet_info (frame->type)->name, text);
    }

  if (pair->now.state == PAIR_FRIENDS && pair->next.state == PAIR_NONE)
    pair->cycle++;
  if (pair->now.state == PAIR_PENDING && pair->next.state == PAIR_NONE)
    pair->cycle++;
  pair->now = pair->next;
  pair->in_flight = FALSE;
  pair->answered++;
  if (send_next)
    send_step (run, pair);
}

/* What the logins after a restart say about every pair. */
static void
check_pairs (KillRun   *run,
             GPtrArray *syncs[KILL_PEOPLE])
{
  for (guint i = 0; i < run->n_pairs; i++)
    {
      Pair *pair = &run->pairs[i];
      GPtrArray *sa = syncs[person_index (run, pair->a)];
      GPtrArray *sb = syncs[person_index (run, pair->b)];
      XgProtoFrame *list_a = find_type (sa, XG_PACKET_FRIEND_LIST);
      XgProtoFrame *list_b = find_type (sb, XG_PACKET_FRIEND_LIST);
      g_autofree char *remark_a = NULL;
      g_autofree char *remark_b = NULL;
      gboolean friends_a = list_entry (list_a, pair->b->id, &remark_a, NULL, NULL);
      gboolean friends_b = list_entry (list_b, pair->a->id, &remark_b, NULL, NULL);
      gboolean out_a = FALSE, in_b = FALSE, wrong_way = FALSE;
      PairView seen = { PAIR_NONE, 0 };

      for (guint k = 0; k < sa->len; k++)
        {
          XgProtoFrame *frame = sa->pdata[k];
          guint64 requester, target;

          if (frame->type == XG_PACKET_FRIEND_REQUEST_OUTGOING)
            {
              xg_proto_friend_request_outgoing_get (frame->body, &requester, &target, NULL, NULL, NULL);
              out_a |= target == pair->b->id;
            }
          else if (frame->type == XG_PACKET_FRIEND_REQUEST_INCOMING)
            {
              xg_proto_friend_request_incoming_get (frame->body, &requester, &target, NULL, NULL, NULL);
              wrong_way |= requester == pair->b->id;
            }
        }
      for (guint k = 0; k < sb->len; k++)
        {
          XgProtoFrame *frame = sb->pdata[k];
          guint64 requester, target;

          if (frame->type == XG_PACKET_FRIEND_REQUEST_INCOMING)
            {
              xg_proto_friend_request_incoming_get (frame->body, &requester, &target, NULL, NULL, NULL);
              in_b |= requester == pair->a->id;
            }
        }

      /* Both sides or neither, every time. */
      if (friends_a != friends_b || out_a != in_b || wrong_way || (friends_a && out_a))
        g_error ("%s and %s are half done: friends %d/%d, request %d/%d, reverse %d",
                 pair->a->nickname, pair->b->nickname, friends_a, friends_b, out_a, in_b, wrong_way);
      if (friends_b)
        g_assert_cmpstr (remark_b, ==, "");

      if (friends_a)
        {
          seen.state = PAIR_FRIENDS;
          seen.remark = remark_a[0] == '\0' ? 0 : (guint) g_ascii_strtoull (remark_a + 1, NULL, 10);
        }
      else if (out_a)
        seen.state = PAIR_PENDING;

      if ((seen.state != pair->now.state || seen.remark != pair->now.remark) &&
          !(pair->in_flight && seen.state == pair->next.state && seen.remark == pair->next.remark))
        g_error ("%s and %s: answered up to state %d remark %u, %s; found state %d remark %u",
                 pair->a->nickname, pair->b->nickname, pair->now.state, pair->now.remark,
                 pair->in_flight ? "one step in flight" : "nothing in flight", seen.state, seen.remark);

      /* What the database says is where the pair goes on from. */
      if (pair->in_flight && (seen.state != pair->now.state || seen.remark != pair->now.remark))
        {
          if (pair->now.state != PAIR_NONE && seen.state == PAIR_NONE)
            pair->cycle++;
          pair->now = seen;
        }
      pair->in_flight = FALSE;
    }
}

static void
test_sigkill (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  const char *kills_env = g_getenv ("XG_TEST_KILLS");
  guint kills = kills_env ? (guint) g_ascii_strtoull (kills_env, NULL, 10) : 20;
  const char *names[KILL_PEOPLE] = { "Ann", "Ben", "Cat", "Dan", "Eve", "Fay" };
  KillRun run = { .server = server };
  guint total = 0;

  for (guint i = 0; i < KILL_PEOPLE; i++)
    {
      run.people[i] = person_new (server, names[i]);
      person_online (run.people[i]);
      run.waiting[i] = g_hash_table_new (NULL, NULL);
    }
  for (guint i = 0; i < KILL_PEOPLE; i++)
    for (guint j = i + 1; j < KILL_PEOPLE; j++)
      run.pairs[run.n_pairs++] = (Pair) { .a = run.people[i], .b = run.people[j] };

  for (guint round = 0; round < kills; round++)
    {
      gint64 kill_at = g_get_monotonic_time () + g_test_rand_int_range (20, 250) * 1000;
      GPtrArray *syncs[KILL_PEOPLE];

      for (guint i = 0; i < run.n_pairs; i++)
        send_step (&run, &run.pairs[i]);

      /* Answers keep every pair busy until the kill. */
      while (g_get_monotonic_time () < kill_at)
        {
          gboolean any = FALSE;

          for (guint i = 0; i < KILL_PEOPLE; i++)
            {
              XgProtoFrame *frame;

              while ((frame = xg_test_client_receive (run.people[i]->client, 0)) != NULL)
                {
                  take_frame (&run, i, frame, TRUE);
                  xg_proto_frame_free (frame);
                  any = TRUE;
                }
            }
          if (!any)
            g_usleep (200);   /* polling the sockets, not waiting for rule time */
        }
      g_assert_cmpint (xg_test_server_kill (server, SIGKILL), ==, 128 + SIGKILL);

      /* Answers already on the wire were committed: take them. */
      for (guint i = 0; i < KILL_PEOPLE; i++)
        {
          XgProtoFrame *frame;

          while ((frame = xg_test_client_receive (run.people[i]->client, 2000)) != NULL)
            {
              take_frame (&run, i, frame, FALSE);
              xg_proto_frame_free (frame);
            }
          g_assert_true (run.people[i]->client->closed);
          person_offline (run.people[i]);
          g_hash_table_remove_all (run.waiting[i]);
        }

      xg_test_server_restart (server);
      for (guint i = 0; i < KILL_PEOPLE; i++)
        syncs[i] = person_login (run.people[i]);
      check_pairs (&run, syncs);
      for (guint i = 0; i < KILL_PEOPLE; i++)
        g_ptr_array_unref (syncs[i]);
    }

  for (guint i = 0; i < run.n_pairs; i++)
    total += run.pairs[i].answered;
  g_test_message ("%u kills, %u answered steps over %u pairs", kills, total, run.n_pairs);
  /* Enough happened between the kills for the check to mean something. */
  g_assert_cmpuint (total, >=, kills * 5);

  for (guint i = 0; i < KILL_PEOPLE; i++)
    {
      g_hash_table_unref (run.waiting[i]);
      person_free (run.people[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/friends/request/online", test_request_online);
  g_test_add_func ("/friends/request/offline", test_request_offline);
  g_test_add_func ("/friends/request/repeat", test_repeat);
  g_test_add_func ("/friends/request/crossed", test_crossed);
  g_test_add_func ("/friends/sync-order", test_sync_order);
  g_test_add_func ("/friends/list-order", test_list_order);
  g_test_add_func ("/friends/accept/offline-requester", test_accept_offline_requester);
  g_test_add_func ("/friends/reject", test_reject);
  g_test_add_func ("/friends/timeout", test_timeout);
  g_test_add_func ("/friends/remark", test_remark);
  g_test_add_func ("/friends/remove", test_remove);
  g_test_add_func ("/friends/presence", test_presence);
  g_test_add_func ("/friends/profile-pushed", test_profile_pushed);
  g_test_add_func ("/friends/user-info", test_user_info_visibility);
  g_test_add_func ("/friends/email-lookup/limit", test_email_lookup_limit);
  g_test_add_func ("/friends/refusals", test_refusals);
  g_test_add_func ("/friends/migration", test_migration);
  g_test_add_func ("/friends/send-queue/pause", test_send_queue_pause);
  g_test_add_func ("/friends/send-queue/slow-consumer", test_slow_consumer);
  g_test_add_func ("/friends/sigkill", test_sigkill);

  return g_test_run ();
}
