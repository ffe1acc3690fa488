/* test-group-chat.c: xinge-server's group messages, end to end over real TLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/PROTOCOL.md 7.6: GROUP_SEND from a member is stored once with the
 * group's next gapless sequence and answered MSG_SENT_ACK after the
 * commit; every other member gets it once, live (GROUP_DELIVER) or in
 * pages at its next login (OFFLINE_GROUP_DELIVER), until its cursor
 * passes it; a member sees nothing from before it joined, and one who
 * left gets nothing more.
 *
 * Groups and their members are mostly written here as GROUP_CREATE and the
 * joins write them (the group, its conversation, each member with its
 * cursor at the group's last sequence), straight into the database while
 * the server is stopped, so that these tests depend on the delivery alone;
 * /group-chat/packets does the same with the real requests
 * (xg-server-groups.c), joining, leaving and joining again;
 * /group-chat/removed-by-request and /group-chat/disbanded with the real
 * GROUP_MEMBER_REMOVE and GROUP_DISBAND.
 *
 * XG_TEST_KILLS sets how many times /group-chat/sigkill kills the server
 * (default 10); tools/chat-kill-run.sh --groups runs it long.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sqlite3.h>

#include "xg-proto-limits.h"
#include "xg-test-harness.h"
#include "xg-test-people.h"

/* The server's page of pending messages (xg-server-private.h). */
#define PAGE_MESSAGES 256

#define KIND_DIRECT 0
#define KIND_GROUP  1

/* --- Groups, as the groups handlers store them --------------------------- */

static guint64 next_group = 100000000;

static void
sql_add_group (GString *sql,
               guint64  group_id,
               Person  *owner)
{
  g_string_append_printf (sql,
                          "INSERT INTO groups (id, name, owner_id, member_count, created_at) "
                          "VALUES (%" G_GUINT64_FORMAT ", 'Group', %" G_GUINT64_FORMAT ", 0, 0); "
                          "INSERT INTO conversations (kind, a, b) VALUES (1, %" G_GUINT64_FORMAT ", 0); ",
                          group_id, owner->id, group_id);
}

/* A member joins at the group's last sequence: its cursor starts there. */
static void
sql_join (GString *sql,
          guint64  group_id,
          Person  *p,
          int      role)
{
  g_string_append_printf (sql,
                          "INSERT INTO group_members (group_id, account_id, role, joined_at, joined_seq) "
                          "SELECT %1$" G_GUINT64_FORMAT ", %2$" G_GUINT64_FORMAT ", %3$d, "
                          "(SELECT count(*) FROM group_members), last_seq FROM conversations "
                          "WHERE kind = 1 AND a = %1$" G_GUINT64_FORMAT "; "
                          "INSERT INTO cursors (account_id, conversation_id, received) "
                          "SELECT %2$" G_GUINT64_FORMAT ", id, last_seq FROM conversations "
                          "WHERE kind = 1 AND a = %1$" G_GUINT64_FORMAT "; "
                          "UPDATE groups SET member_count = member_count + 1 WHERE id = %1$" G_GUINT64_FORMAT "; ",
                          group_id, p->id, role);
}

/* A member leaves: its membership and its cursor go. With @keep_cursor
 * only the membership goes (what the server must not trust alone). */
static void
sql_leave (GString  *sql,
           guint64   group_id,
           Person   *p,
           gboolean  keep_cursor)
{
  g_string_append_printf (sql,
                          "DELETE FROM group_members WHERE group_id = %1$" G_GUINT64_FORMAT
                          " AND account_id = %2$" G_GUINT64_FORMAT "; "
                          "UPDATE groups SET member_count = member_count - 1 WHERE id = %1$" G_GUINT64_FORMAT "; ",
                          group_id, p->id);
  if (!keep_cursor)
    g_string_append_printf (sql,
                            "DELETE FROM cursors WHERE account_id = %2$" G_GUINT64_FORMAT " AND conversation_id = "
                            "(SELECT id FROM conversations WHERE kind = 1 AND a = %1$" G_GUINT64_FORMAT "); ",
                            group_id, p->id);
}

/* Stops the server and opens its database; everyone in @people goes
 * offline (their connections end with the server). */
static sqlite3 *
stop_and_open_db (XgTestServer *server,
                  Person      **people,
                  guint         n_people)
{
  g_autofree char *path = g_build_filename (server->data_dir, "xinge.db", NULL);
  sqlite3 *db = NULL;

  for (guint i = 0; i < n_people; i++)
    person_offline (people[i]);
  g_assert_cmpint (xg_test_server_kill (server, SIGTERM), ==, 0);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  return db;
}

static void
close_db_and_restart (XgTestServer *server,
                      sqlite3      *db)
{
  sqlite3_close (db);
  xg_test_server_restart (server);
}

/* Runs @sql on the server's database while it is stopped. */
static void
edit_db (XgTestServer *server,
         Person      **people,
         guint         n_people,
         const char   *sql)
{
  sqlite3 *db = stop_and_open_db (server, people, n_people);
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  close_db_and_restart (server, db);
}

/* A group of @members (the first owns it); they are online again after. */
static guint64
make_group (XgTestServer *server,
            Person      **members,
            guint         n_members)
{
  g_autoptr(GString) sql = g_string_new ("BEGIN; ");
  guint64 group_id = next_group++;

  sql_add_group (sql, group_id, members[0]);
  for (guint i = 0; i < n_members; i++)
    sql_join (sql, group_id, members[i], i == 0 ? 1 : 3);
  g_string_append (sql, "COMMIT;");
  edit_db (server, members, n_members, sql->str);
  for (guint i = 0; i < n_members; i++)
    person_online (members[i]);
  return group_id;
}

/* Someone may still be online; @p goes offline either way. */
static void
change_members (XgTestServer *server,
                Person      **online,
                guint         n_online,
                const char   *sql)
{
  g_autofree char *wrapped = g_strdup_printf ("BEGIN; %s COMMIT;", sql);

  edit_db (server, online, n_online, wrapped);
  for (guint i = 0; i < n_online; i++)
    person_online (online[i]);
}

/* --- Messages ------------------------------------------------------------ */

static guint32
send_group (Person   *from,
            guint64   group_id,
            guint64   client_msg_id,
            GBytes   *payload)
{
  return xg_test_client_send (from->client, XG_PACKET_GROUP_SEND,
                              xg_proto_group_send_new (client_msg_id, from->id, group_id, XG_PROTO_MESSAGE_TEXT,
                                                       payload));
}

/* Sends and takes MSG_SENT_ACK; returns the sequence number. */
static guint64
say (Person     *from,
     guint64     group_id,
     guint64     client_msg_id,
     const char *s,
     gint64     *server_time)
{
  g_autoptr(GBytes) payload = text (s);
  g_autoptr(XgProtoFrame) ack = ask (from, XG_PACKET_GROUP_SEND,
                                     xg_proto_group_send_new (client_msg_id, from->id, group_id,
                                                              XG_PROTO_MESSAGE_TEXT, payload),
                                     XG_PACKET_MSG_SENT_ACK);

  return take_sent_ack (from, ack, client_msg_id, server_time);
}

/* The next push to @to is @type: message @seq of @group_id from @from saying @s. */
static void
take_text (Person     *to,
           guint16     type,
           guint64     group_id,
           Person     *from,
           guint64     seq,
           guint64     client_msg_id,
           const char *s)
{
  g_autoptr(XgProtoFrame) frame = push (to, type);
  g_auto(Delivered) d = { 0, };

  read_delivered (frame, &d);
  g_assert_cmpuint (d.seq, ==, seq);
  g_assert_cmpuint (d.client_msg_id, ==, client_msg_id);
  g_assert_cmpuint (d.sender_id, ==, from->id);
  g_assert_cmpuint (d.conversation, ==, group_id);
  g_assert_cmpuint (d.msg_type, ==, XG_PROTO_MESSAGE_TEXT);
  g_assert_cmpmem (g_bytes_get_data (d.payload, NULL), g_bytes_get_size (d.payload), s, strlen (s));
}

static void
login_quietly (Person *p)
{
  G_GNUC_UNUSED g_autoptr(GPtrArray) sync = person_login (p);
}

/* A history page of the group; checks its order and returns its size. */
static guint
history (Person   *p,
         guint64   group_id,
         guint64   after,
         guint64   before,
         guint32   limit,
         guint64  *first,
         guint64  *last,
         gboolean *more)
{
  g_autoptr(XgProtoFrame) answer = ask (p, XG_PACKET_CHAT_HISTORY_REQUEST,
                                        xg_proto_chat_history_request_new (KIND_GROUP, group_id, after, before,
                                                                           limit),
                                        XG_PACKET_CHAT_HISTORY);
  g_autoptr(GVariant) messages = NULL;
  guint8 kind;
  guint64 id, previous = 0;
  gsize n;

  xg_proto_chat_history_get (answer->body, &kind, &id, &messages, more);
  g_assert_cmpuint (kind, ==, KIND_GROUP);
  g_assert_cmpuint (id, ==, group_id);
  n = g_variant_n_children (messages);
  *first = *last = 0;
  for (gsize i = 0; i < n; i++)
    {
      guint64 seq, client_msg_id, sender;
      guint32 type;
      g_autoptr(GVariant) payload = NULL;
      gint64 time;

      g_variant_get_child (messages, i, "(tttu@ayx)", &seq, &client_msg_id, &sender, &type, &payload, &time);
      g_assert_cmpuint (seq, >, previous);
      if (i == 0)
        *first = seq;
      *last = previous = seq;
    }
  return (guint) n;
}

/* --- Tests --------------------------------------------------------------- */

/* Everyone online: the sender's acknowledgement, one copy to each other
 * member, nothing to the sender or to someone outside. */
static void
test_online (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(Person) dave = person_new (server, "Dave");
  Person *members[] = { alice, bob, carol };
  guint64 group, hello = random_id (), reply = random_id ();

  group = make_group (server, members, G_N_ELEMENTS (members));
  person_online (dave);

  g_assert_cmpuint (say (alice, group, hello, "Hello, group", NULL), ==, 1);
  take_text (bob, XG_PACKET_GROUP_DELIVER, group, alice, 1, hello, "Hello, group");
  take_text (carol, XG_PACKET_GROUP_DELIVER, group, alice, 1, hello, "Hello, group");

  /* One sequence, whoever writes. */
  g_assert_cmpuint (say (bob, group, reply, "Hi all 大家好", NULL), ==, 2);
  take_text (alice, XG_PACKET_GROUP_DELIVER, group, bob, 2, reply, "Hi all 大家好");
  take_text (carol, XG_PACKET_GROUP_DELIVER, group, bob, 2, reply, "Hi all 大家好");

  /* Acknowledgements in a group tell nobody anything (no "delivered"). */
  acknowledge (bob, KIND_GROUP, group, 2);
  acknowledge (carol, KIND_GROUP, group, 2);
  acknowledge (alice, KIND_GROUP, group, 2);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    nothing_for (members[i]);
  nothing_for (dave);
}

/* A retry is answered as the first time and delivered once; an id used
 * in another conversation is refused, both ways. */
static void
test_retry (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(GBytes) again = text ("Hello again");
  Person *members[] = { alice, bob };
  guint64 group, id = random_id (), direct_id = random_id ();
  gint64 first_time, second_time;

  group = make_group (server, members, G_N_ELEMENTS (members));
  befriend (alice, bob);

  g_assert_cmpuint (say (alice, group, id, "Hello", &first_time), ==, 1);
  take_text (bob, XG_PACKET_GROUP_DELIVER, group, alice, 1, id, "Hello");

  /* Even with another text: the id is the message. */
  g_assert_cmpuint (say (alice, group, id, "Hello?", &second_time), ==, 1);
  g_assert_cmpint (second_time, ==, first_time);
  nothing_for (bob);

  /* The same id to a friend is not a retry, nor a friend's id in the group. */
  refused (alice, XG_PACKET_CHAT_SEND,
           xg_proto_chat_send_new (id, alice->id, bob->id, XG_PROTO_MESSAGE_TEXT, again),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  xg_proto_frame_free (ask (alice, XG_PACKET_CHAT_SEND,
                            xg_proto_chat_send_new (direct_id, alice->id, bob->id, XG_PROTO_MESSAGE_TEXT, again),
                            XG_PACKET_MSG_SENT_ACK));
  xg_proto_frame_free (push (bob, XG_PACKET_CHAT_DELIVER));
  refused (alice, XG_PACKET_GROUP_SEND,
           xg_proto_group_send_new (direct_id, alice->id, group, XG_PROTO_MESSAGE_TEXT, again),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  nothing_for (bob);

  /* The group's sequence went on from 1: nothing was stored twice. */
  g_assert_cmpuint (say (alice, group, random_id (), "Next", NULL), ==, 2);
}

/* What the server refuses: nothing stored, nothing delivered, no number used up. */
static void
test_refusals (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) stranger = person_new (server, "Stranger");
  g_autoptr(GBytes) hello = text ("Hello");
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) bad_utf8 = g_bytes_new ("\xff\xfe", 2);
  g_autoptr(XgTestClient) anonymous = NULL;
  g_autoptr(XgProtoFrame) answer = NULL;
  g_autofree char *path = NULL;
  Person *members[] = { alice, bob };
  guint64 group, first, last;
  gboolean more;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  group = make_group (server, members, G_N_ELEMENTS (members));
  person_online (stranger);
  anonymous = xg_test_client_connect (server);

  refused (stranger, XG_PACKET_GROUP_SEND,
           xg_proto_group_send_new (random_id (), stranger->id, group, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (alice, XG_PACKET_GROUP_SEND,
           xg_proto_group_send_new (random_id (), alice->id, group + 1000, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (alice, XG_PACKET_GROUP_SEND,
           xg_proto_group_send_new (random_id (), bob->id, group, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_ID_MISMATCH);
  refused (alice, XG_PACKET_GROUP_SEND,
           xg_proto_group_send_new (random_id (), alice->id, group, XG_PROTO_MESSAGE_TEXT, empty),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_GROUP_SEND,
           xg_proto_group_send_new (random_id (), alice->id, group, XG_PROTO_MESSAGE_TEXT, bad_utf8),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  answer = xg_test_client_request (anonymous, XG_PACKET_GROUP_SEND,
                                   xg_proto_group_send_new (random_id (), alice->id, group,
                                                            XG_PROTO_MESSAGE_TEXT, hello),
                                   XG_PACKET_ERROR);
  g_assert_cmpuint (error_code (answer, XG_PACKET_GROUP_SEND), ==, XG_PROTO_ERR_NOT_LOGGED_IN);

  /* Not a member: no history either; its acknowledgement moves nothing. */
  refused (stranger, XG_PACKET_CHAT_HISTORY_REQUEST,
           xg_proto_chat_history_request_new (KIND_GROUP, group, 0, 0, 10), XG_PROTO_ERR_PERMISSION_DENIED);
  refused (alice, XG_PACKET_CHAT_HISTORY_REQUEST,
           xg_proto_chat_history_request_new (KIND_GROUP, group + 1000, 0, 0, 10), XG_PROTO_ERR_PERMISSION_DENIED);
  refused (alice, XG_PACKET_CHAT_HISTORY_REQUEST,
           xg_proto_chat_history_request_new (KIND_GROUP, group, 0, 0, 0), XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_CHAT_HISTORY_REQUEST,
           xg_proto_chat_history_request_new (2, group, 0, 0, 10), XG_PROTO_ERR_INVALID_ARGUMENT);
  acknowledge (stranger, KIND_GROUP, group, 5);
  nothing_for (stranger);
  nothing_for (alice);
  nothing_for (bob);

  /* None of it was stored: the first message takes seq 1, and the group
   * has that one message and no cursor of the stranger. */
  g_assert_cmpuint (say (alice, group, first = random_id (), "Hello", NULL), ==, 1);
  take_text (bob, XG_PACKET_GROUP_DELIVER, group, alice, 1, first, "Hello");
  g_assert_cmpuint (history (bob, group, 0, 0, 10, &first, &last, &more), ==, 1);

  g_clear_pointer (&anonymous, xg_test_client_free);
  person_offline (alice);
  person_offline (bob);
  person_offline (stranger);
  g_assert_cmpint (xg_test_server_kill (server, SIGTERM), ==, 0);
  path = g_build_filename (server->data_dir, "xinge.db", NULL);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT (SELECT count(*) FROM messages), "
                                           "(SELECT count(*) FROM cursors WHERE account_id = ?)", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) stranger->id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
  g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* Members send at once, pipelined: one gapless sequence; each sender's
 * answers in its order, each member's deliveries in sequence order. */
static void
test_concurrent (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(GHashTable) acked = g_hash_table_new (NULL, NULL);
  g_autoptr(GBytes) hi = text ("hi");
  Person *members[4];
  const guint n = 150;
  guint64 group;
  guint deliveries_seen = 0;

  for (guint s = 0; s < G_N_ELEMENTS (members); s++)
    {
      g_autofree char *name = g_strdup_printf ("Member%u", s);

      members[s] = person_new (server, name);
    }
  group = make_group (server, members, G_N_ELEMENTS (members));

  for (guint i = 0; i < n; i++)
    for (guint s = 0; s < G_N_ELEMENTS (members); s++)
      send_group (members[s], group, random_id (), hi);

  for (guint s = 0; s < G_N_ELEMENTS (members); s++)
    {
      g_autoptr(GHashTable) mine = g_hash_table_new (NULL, NULL);
      guint64 last_ack = 0, last_delivered = 0;
      guint acks = 0, deliveries = 0;
      const guint others = (G_N_ELEMENTS (members) - 1) * n;

      while (acks < n || deliveries < others)
        {
          g_autoptr(XgProtoFrame) frame = xg_test_client_receive (members[s]->client, XG_TEST_TIMEOUT_MS);
          guint64 seq;

          g_assert_nonnull (frame);
          if (frame->type == XG_PACKET_MSG_SENT_ACK)
            {
              xg_proto_msg_sent_ack_get (frame->body, NULL, &seq, NULL);
              g_assert_cmpuint (seq, >, last_ack);
              last_ack = seq;
              acks++;
              g_assert_false (g_hash_table_contains (acked, GUINT_TO_POINTER (seq)));
              g_hash_table_add (acked, GUINT_TO_POINTER (seq));
              g_hash_table_add (mine, GUINT_TO_POINTER (seq));
            }
          else
            {
              g_auto(Delivered) d = { 0, };

              read_delivered (frame, &d);
              g_assert_cmpuint (frame->type, ==, XG_PACKET_GROUP_DELIVER);
              g_assert_cmpuint (d.sender_id, !=, members[s]->id);
              g_assert_cmpuint (d.seq, >, last_delivered);
              last_delivered = d.seq;
              deliveries++;
              deliveries_seen++;
            }
        }
      nothing_for (members[s]);
      /* What it did not send, it was delivered: together, every number. */
      g_assert_cmpuint (acks + deliveries, ==, G_N_ELEMENTS (members) * n);
    }
  g_assert_cmpuint (g_hash_table_size (acked), ==, G_N_ELEMENTS (members) * n);
  for (guint64 seq = 1; seq <= G_N_ELEMENTS (members) * n; seq++)
    g_assert_true (g_hash_table_contains (acked, GUINT_TO_POINTER (seq)));
  g_assert_cmpuint (deliveries_seen, ==, (G_N_ELEMENTS (members) - 1) * G_N_ELEMENTS (members) * n);

  for (guint s = 0; s < G_N_ELEMENTS (members); s++)
    person_free (members[s]);
}

/* An offline member's backlog, with a one-to-one backlog beside it, comes
 * a page at a time, each after the one before was acknowledged; what is
 * posted meanwhile comes after it; then live. */
static void
test_pages (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(GPtrArray) sync = NULL;
  g_autoptr(GBytes) backlog = text ("backlog");
  Person *members[] = { alice, bob };
  const guint n = 2 * PAGE_MESSAGES + 88, n_direct = 40;
  guint64 group, next[2] = { 1, 1 }, late_id = random_id ();
  guint received = 0;

  group = make_group (server, members, G_N_ELEMENTS (members));
  befriend (alice, bob);
  person_offline (bob);
  take_presence (alice, bob, FALSE);

  for (guint i = 0; i < n; i++)
    send_group (alice, group, random_id (), backlog);
  for (guint i = 0; i < n_direct; i++)
    xg_test_client_send (alice->client, XG_PACKET_CHAT_SEND,
                         xg_proto_chat_send_new (random_id (), alice->id, bob->id, XG_PROTO_MESSAGE_TEXT, backlog));
  for (guint i = 0; i < n + n_direct; i++)
    xg_proto_frame_free (xg_test_client_expect (alice->client, XG_PACKET_MSG_SENT_ACK));

  sync = person_login (bob);
  take_presence (alice, bob, TRUE);
  for (guint page = 0; received < n + n_direct + 1; page++)
    {
      guint64 ends[2] = { 0, 0 };
      guint in_page = 0;

      /* A page: up to 256, in order per conversation. */
      while (in_page < PAGE_MESSAGES)
        {
          g_autoptr(XgProtoFrame) frame = xg_test_client_receive (bob->client, 1000);
          g_auto(Delivered) d = { 0, };

          if (frame == NULL)
            break;
          /* After the last page: the one-to-one heads (docs/PROTOCOL.md 3.7). */
          if (frame->type == XG_PACKET_CHAT_HEADS)
            continue;
          g_assert_cmpuint (frame->type, !=, XG_PACKET_CHAT_DELIVER);   /* pages only */
          read_delivered (frame, &d);
          if (d.kind == KIND_GROUP)
            {
              g_assert_cmpuint (frame->type, ==, XG_PACKET_OFFLINE_GROUP_DELIVER);
              g_assert_cmpuint (d.conversation, ==, group);
            }
          else
            g_assert_cmpuint (d.conversation, ==, bob->id);
          g_assert_cmpuint (d.seq, ==, next[d.kind]);
          next[d.kind]++;
          ends[d.kind] = d.seq;
          in_page++;
          received++;
        }
      g_assert_cmpuint (in_page, >, 0);
      /* Nothing more until this page is acknowledged. */
      nothing_for (bob);

      /* A message posted while the backlog is out waits behind it. */
      if (page == 0)
        g_assert_cmpuint (say (alice, group, late_id, "late", NULL), ==, n + 1);
      nothing_for (bob);

      if (ends[KIND_GROUP] != 0)
        acknowledge (bob, KIND_GROUP, group, ends[KIND_GROUP]);
      if (ends[KIND_DIRECT] != 0)
        {
          acknowledge (bob, KIND_DIRECT, alice->id, ends[KIND_DIRECT]);
          xg_proto_frame_free (push (alice, XG_PACKET_MSG_DELIVERED));
        }
      g_assert_cmpuint (page, <, 5);
    }
  g_assert_cmpuint (next[KIND_GROUP], ==, n + 2);
  g_assert_cmpuint (next[KIND_DIRECT], ==, n_direct + 1);

  /* Caught up: live again. */
  g_assert_cmpuint (say (alice, group, late_id = random_id (), "live", NULL), ==, n + 2);
  take_text (bob, XG_PACKET_GROUP_DELIVER, group, alice, n + 2, late_id, "live");
}

/* The cursor: not acknowledged, it comes again; acknowledged, never; an
 * acknowledgement past the last message moves the cursor only that far. */
static void
test_cursor (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  Person *members[] = { alice, bob };
  const char *texts[3] = { "one", "two", "three" };
  guint64 group, ids[3], id;

  group = make_group (server, members, G_N_ELEMENTS (members));
  person_offline (bob);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (say (alice, group, ids[i] = random_id (), texts[i], NULL), ==, i + 1);

  for (guint round = 0; round < 2; round++)
    {
      login_quietly (bob);
      for (guint i = 0; i < 3; i++)
        take_text (bob, XG_PACKET_OFFLINE_GROUP_DELIVER, group, alice, i + 1, ids[i], texts[i]);
      nothing_for (bob);
      person_offline (bob);
    }

  /* Part of it: the rest comes again. */
  login_quietly (bob);
  for (guint i = 0; i < 3; i++)
    take_text (bob, XG_PACKET_OFFLINE_GROUP_DELIVER, group, alice, i + 1, ids[i], texts[i]);
  acknowledge (bob, KIND_GROUP, group, 2);
  nothing_for (bob);
  person_offline (bob);
  login_quietly (bob);
  take_text (bob, XG_PACKET_OFFLINE_GROUP_DELIVER, group, alice, 3, ids[2], texts[2]);
  nothing_for (bob);

  /* Past the end: the cursor stops at 3, so 4 still comes. */
  acknowledge (bob, KIND_GROUP, group, 1000);
  nothing_for (bob);
  person_offline (bob);
  login_quietly (bob);
  nothing_for (bob);
  person_offline (bob);
  g_assert_cmpuint (say (alice, group, id = random_id (), "four", NULL), ==, 4);
  login_quietly (bob);
  take_text (bob, XG_PACKET_OFFLINE_GROUP_DELIVER, group, alice, 4, id, "four");
  acknowledge (bob, KIND_GROUP, group, 4);
  nothing_for (bob);

  /* Its own messages are never pending for the sender. */
  person_offline (alice);
  login_quietly (alice);
  nothing_for (alice);
}

/* A new member gets what is posted from its joining on, and history from
 * there; the older members' history is whole. */
static void
test_join (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(GString) sql = g_string_new (NULL);
  Person *members[] = { alice, bob };
  Person *all[] = { alice, bob, carol };
  guint64 group, first, last, id;
  gboolean more;

  group = make_group (server, members, G_N_ELEMENTS (members));
  for (guint i = 0; i < 3; i++)
    say (alice, group, random_id (), "before Carol", NULL);
  xg_proto_frame_free (push (bob, XG_PACKET_GROUP_DELIVER));
  xg_proto_frame_free (push (bob, XG_PACKET_GROUP_DELIVER));
  xg_proto_frame_free (push (bob, XG_PACKET_GROUP_DELIVER));
  acknowledge (bob, KIND_GROUP, group, 3);
  nothing_for (bob);

  sql_join (sql, group, carol, 3);
  change_members (server, all, 2, sql->str);
  login_quietly (carol);
  nothing_for (carol);

  g_assert_cmpuint (say (bob, group, id = random_id (), "welcome", NULL), ==, 4);
  take_text (carol, XG_PACKET_GROUP_DELIVER, group, bob, 4, id, "welcome");
  take_text (alice, XG_PACKET_GROUP_DELIVER, group, bob, 4, id, "welcome");
  acknowledge (carol, KIND_GROUP, group, 4);
  nothing_for (carol);
  person_offline (carol);
  g_assert_cmpuint (say (alice, group, id = random_id (), "while away", NULL), ==, 5);
  xg_proto_frame_free (push (bob, XG_PACKET_GROUP_DELIVER));
  login_quietly (carol);
  take_text (carol, XG_PACKET_OFFLINE_GROUP_DELIVER, group, alice, 5, id, "while away");
  nothing_for (carol);

  /* History, newest first or from a point: cut at seq 3. */
  g_assert_cmpuint (history (carol, group, 0, 0, 10, &first, &last, &more), ==, 2);
  g_assert_cmpuint (first, ==, 4);
  g_assert_cmpuint (last, ==, 5);
  g_assert_false (more);
  g_assert_cmpuint (history (carol, group, 1, 0, 1, &first, &last, &more), ==, 1);
  g_assert_cmpuint (first, ==, 4);
  g_assert_true (more);
  g_assert_cmpuint (history (carol, group, 0, 5, 10, &first, &last, &more), ==, 1);
  g_assert_cmpuint (first, ==, 4);
  g_assert_cmpuint (history (carol, group, 0, 4, 10, &first, &last, &more), ==, 0);
  g_assert_false (more);
  g_assert_cmpuint (history (bob, group, 0, 0, 10, &first, &last, &more), ==, 5);
  g_assert_cmpuint (first, ==, 1);
  g_assert_cmpuint (history (bob, group, 0, 0, 2, &first, &last, &more), ==, 2);
  g_assert_cmpuint (first, ==, 4);
  g_assert_true (more);
}

/* A member who left gets nothing more, live or at login, cannot post or
 * read history; nor one whose cursor was left behind. */
static void
test_removed (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = person_new (server, "Alice");
  g_autoptr(Person) bob = person_new (server, "Bob");
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(GBytes) hello = text ("still here?");
  Person *members[] = { alice, bob, carol };
  guint64 group, id;

  group = make_group (server, members, G_N_ELEMENTS (members));
  g_assert_cmpuint (say (alice, group, id = random_id (), "all three", NULL), ==, 1);
  take_text (bob, XG_PACKET_GROUP_DELIVER, group, alice, 1, id, "all three");
  take_text (carol, XG_PACKET_GROUP_DELIVER, group, alice, 1, id, "all three");

  /* Carol leaves with her cursor at 0; Bob is removed but his cursor stays. */
  sql_leave (sql, group, carol, FALSE);
  sql_leave (sql, group, bob, TRUE);
  change_members (server, members, G_N_ELEMENTS (members), sql->str);

  g_assert_cmpuint (say (alice, group, random_id (), "just me", NULL), ==, 2);
  nothing_for (bob);
  nothing_for (carol);
  person_offline (bob);
  person_offline (carol);
  login_quietly (bob);
  login_quietly (carol);
  nothing_for (bob);
  nothing_for (carol);

  refused (carol, XG_PACKET_GROUP_SEND,
           xg_proto_group_send_new (random_id (), carol->id, group, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (bob, XG_PACKET_GROUP_SEND,
           xg_proto_group_send_new (random_id (), bob->id, group, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (bob, XG_PACKET_CHAT_HISTORY_REQUEST,
           xg_proto_chat_history_request_new (KIND_GROUP, group, 0, 0, 10), XG_PROTO_ERR_PERMISSION_DENIED);
  g_assert_cmpuint (say (alice, group, random_id (), "still just me", NULL), ==, 3);
  nothing_for (bob);
}

/* --- With the groups requests -------------------------------------------- */

/* The next frame of @p, whatever it is. */
static XgProtoFrame *
next_frame (Person *p)
{
  XgProtoFrame *frame = xg_test_client_receive (p->client, XG_TEST_TIMEOUT_MS);

  if (frame == NULL)
    g_error ("%s: expected a frame, got nothing", p->nickname);
  return frame;
}

/* The next frame that is not a group push (0x04xx) or PRESENCE. */
static XgProtoFrame *
next_message (Person *p)
{
  for (;;)
    {
      XgProtoFrame *frame = next_frame (p);

      if ((frame->type & 0xff00) != 0x0400 && frame->type != XG_PACKET_PRESENCE)
        return frame;
      xg_proto_frame_free (frame);
    }
}

/* Nothing for @p but group pushes and PRESENCE. */
static void
no_message_for (Person *p)
{
  xg_proto_frame_free (ask (p, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (0), XG_PACKET_HEARTBEAT_ACK));
  while (!g_queue_is_empty (&p->client->frames))
    {
      XgProtoFrame *frame = g_queue_peek_head (&p->client->frames);

      if ((frame->type & 0xff00) != 0x0400 && frame->type != XG_PACKET_PRESENCE)
        break;
      xg_proto_frame_free (g_queue_pop_head (&p->client->frames));
    }
  nothing_for (p);
}

/* @applicant asks to join, @owner approves (both online). */
static void
join_by_request (Person  *owner,
                 Person  *applicant,
                 guint64  group_id)
{
  g_autoptr(XgProtoFrame) incoming = NULL;

  xg_proto_frame_free (ask (applicant, XG_PACKET_GROUP_JOIN_REQUEST,
                            xg_proto_group_join_request_new (group_id, applicant->id, "let me in"),
                            XG_PACKET_GROUP_JOIN_REQUEST_SENT));
  do
    {
      g_clear_pointer (&incoming, xg_proto_frame_free);
      incoming = next_frame (owner);
    }
  while (incoming->type != XG_PACKET_GROUP_JOIN_REQUEST_INCOMING);
  xg_proto_frame_free (ask (owner, XG_PACKET_GROUP_JOIN_APPROVE,
                            xg_proto_group_join_approve_new (group_id, applicant->id),
                            XG_PACKET_GROUP_JOIN_APPROVED));
  no_message_for (owner);
  no_message_for (applicant);
}

/* A delivery pushed to @to: message @seq from @from. */
static void
take_message (Person  *to,
              guint16  type,
              guint64  group_id,
              Person  *from,
              guint64  seq,
              guint64  client_msg_id)
{
  g_autoptr(XgProtoFrame) frame = next_message (to);
  g_auto(Delivered) d = { 0, };

  g_assert_cmpuint (frame->type, ==, type);
  read_delivered (frame, &d);
  g_assert_cmpuint (d.conversation, ==, group_id);
  g_assert_cmpuint (d.sender_id, ==, from->id);
  g_assert_cmpuint (d.seq, ==, seq);
  g_assert_cmpuint (d.client_msg_id, ==, client_msg_id);
}

/* The real GROUP_CREATE, join, GROUP_LEAVE and joining again: the
 * delivery follows each, and history is cut at the latest joining. */
static void
test_packets (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) pete = person_new (server, "Pete");
  g_autoptr(XgProtoFrame) created = NULL;
  g_autoptr(XgProtoFrame) removed = NULL;
  g_autoptr(GBytes) hello = text ("hello?");
  GVariantBuilder info;
  guint64 group, id, first, last;
  gboolean more;

  person_online (olga);
  person_online (pete);
  g_variant_builder_init (&info, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&info, "{sv}", "name", g_variant_new_string ("Pigeons"));
  created = ask (olga, XG_PACKET_GROUP_CREATE, xg_proto_group_create_new (g_variant_builder_end (&info)),
                 XG_PACKET_GROUP_CREATE_OK);
  xg_proto_group_create_ok_get (created->body, &group, NULL);

  /* Alone in it, and then with Pete from seq 1 on. */
  g_assert_cmpuint (say (olga, group, random_id (), "before Pete", NULL), ==, 1);
  refused (pete, XG_PACKET_GROUP_SEND,
           xg_proto_group_send_new (random_id (), pete->id, group, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_PERMISSION_DENIED);
  join_by_request (olga, pete, group);
  g_assert_cmpuint (say (olga, group, id = random_id (), "welcome", NULL), ==, 2);
  take_message (pete, XG_PACKET_GROUP_DELIVER, group, olga, 2, id);
  g_assert_cmpuint (say (pete, group, id = random_id (), "thanks", NULL), ==, 3);
  take_message (olga, XG_PACKET_GROUP_DELIVER, group, pete, 3, id);
  g_assert_cmpuint (history (pete, group, 0, 0, 10, &first, &last, &more), ==, 2);
  g_assert_cmpuint (first, ==, 2);

  /* Gone: nothing more, live or at login; no history. */
  removed = ask (pete, XG_PACKET_GROUP_LEAVE, xg_proto_group_leave_new (group), XG_PACKET_GROUP_REMOVED);
  no_message_for (olga);
  g_assert_cmpuint (say (olga, group, random_id (), "after Pete", NULL), ==, 4);
  no_message_for (pete);
  person_offline (pete);
  login_quietly (pete);
  no_message_for (pete);
  refused (pete, XG_PACKET_CHAT_HISTORY_REQUEST,
           xg_proto_chat_history_request_new (KIND_GROUP, group, 0, 0, 10), XG_PROTO_ERR_PERMISSION_DENIED);

  /* Back: from this joining on (seq 4 is not his), offline too. */
  join_by_request (olga, pete, group);
  person_offline (pete);
  g_assert_cmpuint (say (olga, group, id = random_id (), "welcome back", NULL), ==, 5);
  login_quietly (pete);
  take_message (pete, XG_PACKET_OFFLINE_GROUP_DELIVER, group, olga, 5, id);
  no_message_for (pete);
  g_assert_cmpuint (history (pete, group, 0, 0, 10, &first, &last, &more), ==, 1);
  g_assert_cmpuint (first, ==, 5);
  g_assert_false (more);
}

/* --- Removal and disbanding, with the groups requests -------------------- */

/* The next group push of @p that is @type (other group pushes and
 * PRESENCE are passed over; a message is not). */
static XgProtoFrame *
next_group_push (Person  *p,
                 guint16  type)
{
  for (;;)
    {
      XgProtoFrame *frame = next_frame (p);

      if (frame->type == type)
        {
          g_assert_cmpuint (frame->request_id, ==, 0);
          return frame;
        }
      if ((frame->type & 0xff00) != 0x0400 && frame->type != XG_PACKET_PRESENCE)
        g_error ("%s: expected %s, got %s", p->nickname, xg_proto_packet_info (type)->name,
                 xg_proto_packet_info (frame->type)->name);
      xg_proto_frame_free (frame);
    }
}

/* GROUP_REMOVED of @group_id reaches @p, for @reason, by @actor. */
static void
take_group_removed (Person  *p,
                    guint64  group_id,
                    guint8   reason,
                    Person  *actor)
{
  g_autoptr(XgProtoFrame) frame = next_group_push (p, XG_PACKET_GROUP_REMOVED);
  guint64 g, a;
  guint8 r;

  xg_proto_group_removed_get (frame->body, &g, &r, &a);
  g_assert_cmpuint (g, ==, group_id);
  g_assert_cmpuint (r, ==, reason);
  g_assert_cmpuint (a, ==, actor->id);
}

/* @p logs in: @group_id is not in its GROUP_LIST, and nothing of the
 * group is delivered, in the sync or after it. */
static void
login_outside (Person  *p,
               guint64  group_id)
{
  g_autoptr(GPtrArray) sync = person_login (p);
  XgProtoFrame *list = find_type (sync, XG_PACKET_GROUP_LIST);
  g_autoptr(GVariant) groups = NULL;
  GVariantIter iter;
  guint64 g, last;
  guint8 role;
  guint32 revision, count;

  g_assert_nonnull (list);
  xg_proto_group_list_get (list->body, &groups);
  g_variant_iter_init (&iter, groups);
  while (g_variant_iter_next (&iter, "(tyuut)", &g, &role, &revision, &count, &last))
    g_assert_cmpuint (g, !=, group_id);
  g_assert_cmpuint (count_type (sync, XG_PACKET_OFFLINE_GROUP_DELIVER), ==, 0);
  g_assert_cmpuint (count_type (sync, XG_PACKET_GROUP_DELIVER), ==, 0);
  no_message_for (p);
}

/* GROUP_SEND from @p to @group_id is refused: it is not a member. */
static void
send_refused (Person  *p,
              guint64  group_id)
{
  g_autoptr(GBytes) payload = text ("am I still in?");

  refused (p, XG_PACKET_GROUP_SEND,
           xg_proto_group_send_new (random_id (), p->id, group_id, XG_PROTO_MESSAGE_TEXT, payload),
           XG_PROTO_ERR_PERMISSION_DENIED);
}

/* Runs @sql (one integer result) on the database while the server is
 * stopped; @people go offline and stay so. */
static gint64
query_db (XgTestServer *server,
          Person      **people,
          guint         n_people,
          const char   *sql)
{
  sqlite3 *db = stop_and_open_db (server, people, n_people);
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  close_db_and_restart (server, db);
  return value;
}

static guint64
create_by_request (Person     *owner,
                   const char *name)
{
  g_autoptr(XgProtoFrame) created = NULL;
  GVariantBuilder info;
  guint64 group;

  g_variant_builder_init (&info, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&info, "{sv}", "name", g_variant_new_string (name));
  created = ask (owner, XG_PACKET_GROUP_CREATE, xg_proto_group_create_new (g_variant_builder_end (&info)),
                 XG_PACKET_GROUP_CREATE_OK);
  xg_proto_group_create_ok_get (created->body, &group, NULL);
  return group;
}

/* The real GROUP_MEMBER_REMOVE, by an admin and by the owner, with the
 * removed member online and offline: it gets nothing of the group's
 * afterwards, live or at its next login, and its own GROUP_SEND is
 * ERROR(PERMISSION_DENIED) (PROTOCOL.md 5.13, 7.6) and uses up no
 * sequence; the others go on getting every message, gapless. */
static void
test_removed_by_request (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) adam = person_new (server, "Adam");
  g_autoptr(Person) pete = person_new (server, "Pete");
  g_autoptr(Person) rita = person_new (server, "Rita");
  g_autoptr(Person) sam = person_new (server, "Sam");
  guint64 group, id, id2, first, last;
  gboolean more;

  person_online (olga);
  person_online (adam);
  person_online (pete);
  person_online (rita);
  person_online (sam);
  group = create_by_request (olga, "Pigeons");
  join_by_request (olga, adam, group);
  join_by_request (olga, pete, group);
  join_by_request (olga, rita, group);
  join_by_request (olga, sam, group);
  xg_proto_frame_free (ask (olga, XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (group, adam->id, 2),
                            XG_PACKET_GROUP_DONE));

  g_assert_cmpuint (say (olga, group, id = random_id (), "all five", NULL), ==, 1);
  take_message (adam, XG_PACKET_GROUP_DELIVER, group, olga, 1, id);
  take_message (pete, XG_PACKET_GROUP_DELIVER, group, olga, 1, id);
  take_message (rita, XG_PACKET_GROUP_DELIVER, group, olga, 1, id);
  take_message (sam, XG_PACKET_GROUP_DELIVER, group, olga, 1, id);
  acknowledge (sam, KIND_GROUP, group, 1);

  /* The admin removes Pete, who is online. */
  xg_proto_frame_free (ask (adam, XG_PACKET_GROUP_MEMBER_REMOVE, xg_proto_group_member_remove_new (group, pete->id),
                            XG_PACKET_GROUP_DONE));
  take_group_removed (pete, group, XG_PROTO_GROUP_REMOVED_REMOVED, adam);
  no_message_for (pete);

  /* Another member posts: everyone but Pete gets it. */
  g_assert_cmpuint (say (rita, group, id = random_id (), "is he gone?", NULL), ==, 2);
  take_message (olga, XG_PACKET_GROUP_DELIVER, group, rita, 2, id);
  take_message (adam, XG_PACKET_GROUP_DELIVER, group, rita, 2, id);
  take_message (sam, XG_PACKET_GROUP_DELIVER, group, rita, 2, id);
  acknowledge (sam, KIND_GROUP, group, 2);
  no_message_for (pete);
  no_message_for (rita);

  /* Pete's own message is refused, and takes no number. */
  send_refused (pete, group);
  no_message_for (olga);
  no_message_for (adam);
  no_message_for (rita);
  no_message_for (sam);

  /* The owner removes Sam while Sam is offline. */
  person_offline (sam);
  xg_proto_frame_free (ask (olga, XG_PACKET_GROUP_MEMBER_REMOVE, xg_proto_group_member_remove_new (group, sam->id),
                            XG_PACKET_GROUP_DONE));
  g_assert_cmpuint (say (adam, group, id = random_id (), "without Sam", NULL), ==, 3);
  take_message (olga, XG_PACKET_GROUP_DELIVER, group, adam, 3, id);
  take_message (rita, XG_PACKET_GROUP_DELIVER, group, adam, 3, id);
  acknowledge (rita, KIND_GROUP, group, 3);

  /* Rita goes offline too: she gets her messages at login, Pete and Sam
   * get nothing at theirs. */
  person_offline (rita);
  person_offline (pete);
  g_assert_cmpuint (say (olga, group, id = random_id (), "four", NULL), ==, 4);
  take_message (adam, XG_PACKET_GROUP_DELIVER, group, olga, 4, id);
  g_assert_cmpuint (say (adam, group, id2 = random_id (), "five", NULL), ==, 5);
  take_message (olga, XG_PACKET_GROUP_DELIVER, group, adam, 5, id2);
  login_outside (sam, group);
  login_outside (pete, group);
  login_quietly (rita);
  take_message (rita, XG_PACKET_OFFLINE_GROUP_DELIVER, group, olga, 4, id);
  take_message (rita, XG_PACKET_OFFLINE_GROUP_DELIVER, group, adam, 5, id2);
  no_message_for (rita);

  /* Neither may post or read; the numbers stay gapless. */
  send_refused (sam, group);
  send_refused (pete, group);
  refused (sam, XG_PACKET_CHAT_HISTORY_REQUEST,
           xg_proto_chat_history_request_new (KIND_GROUP, group, 0, 0, 10), XG_PROTO_ERR_PERMISSION_DENIED);
  g_assert_cmpuint (say (rita, group, id = random_id (), "six", NULL), ==, 6);
  take_message (olga, XG_PACKET_GROUP_DELIVER, group, rita, 6, id);
  take_message (adam, XG_PACKET_GROUP_DELIVER, group, rita, 6, id);
  no_message_for (pete);
  no_message_for (sam);
  g_assert_cmpuint (history (olga, group, 0, 0, 10, &first, &last, &more), ==, 6);
  g_assert_cmpuint (first, ==, 1);
  g_assert_cmpuint (last, ==, 6);
  g_assert_false (more);

  /* Nothing of theirs was stored. */
  {
    Person *all[] = { olga, adam, pete, rita, sam };
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM messages WHERE sender_id IN "
                                            "(%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ")", pete->id, sam->id);

    g_assert_cmpint (query_db (server, all, G_N_ELEMENTS (all), sql), ==, 0);
  }
}

/* After GROUP_DISBAND a former member's GROUP_SEND, the owner's too, is
 * ERROR(PERMISSION_DENIED) (PROTOCOL.md 5.13): nothing is delivered or
 * stored, and a member offline at the disbanding gets nothing at login. */
static void
test_disbanded (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) olga = person_new (server, "Olga");
  g_autoptr(Person) pete = person_new (server, "Pete");
  g_autoptr(Person) rita = person_new (server, "Rita");
  Person *all[] = { olga, pete, rita };
  g_autofree char *sql = NULL;
  guint64 group, id;

  person_online (olga);
  person_online (pete);
  person_online (rita);
  group = create_by_request (olga, "Pigeons");
  join_by_request (olga, pete, group);
  join_by_request (olga, rita, group);
  g_assert_cmpuint (say (pete, group, id = random_id (), "before", NULL), ==, 1);
  take_message (olga, XG_PACKET_GROUP_DELIVER, group, pete, 1, id);
  take_message (rita, XG_PACKET_GROUP_DELIVER, group, pete, 1, id);
  acknowledge (rita, KIND_GROUP, group, 1);

  /* Rita is offline with a message waiting when the group goes. */
  person_offline (rita);
  g_assert_cmpuint (say (olga, group, id = random_id (), "last words", NULL), ==, 2);
  take_message (pete, XG_PACKET_GROUP_DELIVER, group, olga, 2, id);
  xg_proto_frame_free (ask (olga, XG_PACKET_GROUP_DISBAND, xg_proto_group_disband_new (group),
                            XG_PACKET_GROUP_REMOVED));
  take_group_removed (pete, group, XG_PROTO_GROUP_REMOVED_DISBANDED, olga);

  send_refused (pete, group);
  send_refused (olga, group);
  no_message_for (olga);
  no_message_for (pete);
  login_outside (rita, group);
  send_refused (rita, group);
  no_message_for (olga);
  no_message_for (pete);
  refused (pete, XG_PACKET_CHAT_HISTORY_REQUEST,
           xg_proto_chat_history_request_new (KIND_GROUP, group, 0, 0, 10), XG_PROTO_ERR_PERMISSION_DENIED);

  /* And again after a restart, from the database alone. */
  person_offline (olga);
  person_offline (pete);
  person_offline (rita);
  g_assert_cmpint (xg_test_server_kill (server, SIGTERM), ==, 0);
  xg_test_server_restart (server);
  login_outside (olga, group);
  login_outside (pete, group);
  send_refused (pete, group);
  send_refused (olga, group);
  no_message_for (olga);

  /* Nothing of the group is left, nothing new was stored. */
  sql = g_strdup_printf ("SELECT (SELECT count(*) FROM messages) + "
                         "(SELECT count(*) FROM conversations WHERE kind = 1 AND a = %" G_GUINT64_FORMAT ")",
                         group);
  g_assert_cmpint (query_db (server, all, G_N_ELEMENTS (all), sql), ==, 0);
}

/* --- The server killed mid-write ----------------------------------------- */

typedef struct {
  guint64  client_msg_id;
  guint64  seq;            /* from MSG_SENT_ACK; 0 until then */
} Outgoing;

/* One member: it writes (its outbox) and reads (its "database"). */
typedef struct {
  Person     *person;
  GArray     *outbox;       /* Outgoing, in the order written */
  GHashTable *pending;      /* request id → index in @outbox, on the current connection */
  GHashTable *received;     /* seq → client_msg_id, of the others' messages */
  GHashTable *senders;      /* seq → sender id */
  guint64     highest;      /* the highest seq received */
  guint64     acked_up_to;
  guint       redelivered;
} KillMember;

typedef struct {
  XgTestServer *server;
  guint64       group;
  KillMember    members[3];
} KillRun;

static void
take_member_frame (KillRun      *run,
                   KillMember   *m,
                   XgProtoFrame *frame)
{
  if (frame->type == XG_PACKET_MSG_SENT_ACK)
    {
      gpointer index;
      Outgoing *out;
      guint64 id, seq;

      g_assert_true (g_hash_table_steal_extended (m->pending, GUINT_TO_POINTER (frame->request_id), NULL, &index));
      out = &g_array_index (m->outbox, Outgoing, GPOINTER_TO_UINT (index));
      xg_proto_msg_sent_ack_get (frame->body, &id, &seq, NULL);
      g_assert_cmpuint (id, ==, out->client_msg_id);
      /* A retry is answered with what was stored the first time. */
      if (out->seq != 0)
        g_assert_cmpuint (seq, ==, out->seq);
      out->seq = seq;
    }
  else if (frame->type == XG_PACKET_GROUP_DELIVER || frame->type == XG_PACKET_OFFLINE_GROUP_DELIVER)
    {
      g_auto(Delivered) d = { 0, };
      gpointer known;

      read_delivered (frame, &d);
      g_assert_cmpuint (d.conversation, ==, run->group);
      g_assert_cmpuint (d.sender_id, !=, m->person->id);
      /* INSERT OR IGNORE on the sequence, which always carries the same id. */
      if (g_hash_table_lookup_extended (m->received, GUINT_TO_POINTER (d.seq), NULL, &known))
        {
          g_assert_cmpuint (GPOINTER_TO_SIZE (known), ==, d.client_msg_id);
          m->redelivered++;
          return;
        }
      g_hash_table_insert (m->received, GUINT_TO_POINTER (d.seq), GSIZE_TO_POINTER (d.client_msg_id));
      g_hash_table_insert (m->senders, GUINT_TO_POINTER (d.seq), GSIZE_TO_POINTER (d.sender_id));
      m->highest = MAX (m->highest, d.seq);
    }
}

static void
drain (KillRun  *run,
       guint     timeout_ms,
       gboolean  alive)
{
  for (guint i = 0; i < G_N_ELEMENTS (run->members); i++)
    {
      KillMember *m = &run->members[i];
      XgProtoFrame *frame;

      while ((frame = xg_test_client_receive (m->person->client, timeout_ms)) != NULL)
        {
          take_member_frame (run, m, frame);
          xg_proto_frame_free (frame);
        }
      /* Deliveries come in order, so the highest covers them all. */
      if (alive && m->highest > m->acked_up_to)
        {
          acknowledge (m->person, KIND_GROUP, run->group, m->highest);
          m->acked_up_to = m->highest;
        }
    }
}

static void
write_one (KillRun    *run,
           KillMember *m,
           guint       index)
{
  Outgoing *out = &g_array_index (m->outbox, Outgoing, index);
  g_autofree char *s = g_strdup_printf ("message %u", index);
  g_autoptr(GBytes) payload = text (s);
  guint32 request = send_group (m->person, run->group, out->client_msg_id, payload);

  g_hash_table_insert (m->pending, GUINT_TO_POINTER (request), GUINT_TO_POINTER (index));
}

static void
reconnect (KillRun *run)
{
  for (guint i = 0; i < G_N_ELEMENTS (run->members); i++)
    {
      KillMember *m = &run->members[i];

      login_quietly (m->person);
      g_hash_table_remove_all (m->pending);
      m->acked_up_to = 0;   /* the cursor may have been lost with the kill */
      for (guint j = 0; j < m->outbox->len; j++)
        if (g_array_index (m->outbox, Outgoing, j).seq == 0)
          write_one (run, m, j);
    }
}

static gboolean
unsettled (KillRun *run,
           guint    total)
{
  for (guint i = 0; i < G_N_ELEMENTS (run->members); i++)
    {
      KillMember *m = &run->members[i];

      if (g_hash_table_size (m->pending) > 0 || g_hash_table_size (m->received) + m->outbox->len < total)
        return TRUE;
    }
  return FALSE;
}

static void
test_sigkill (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  const char *kills_env = g_getenv ("XG_TEST_KILLS");
  guint kills = kills_env ? (guint) g_ascii_strtoull (kills_env, NULL, 10) : 10;
  KillRun run = { .server = server };
  Person *people[G_N_ELEMENTS (run.members)];
  g_autoptr(GHashTable) seqs = g_hash_table_new (NULL, NULL);
  guint total = 0, redelivered = 0;
  gint64 deadline;

  for (guint i = 0; i < G_N_ELEMENTS (run.members); i++)
    {
      g_autofree char *name = g_strdup_printf ("Member%u", i);
      KillMember *m = &run.members[i];

      people[i] = m->person = person_new (server, name);
      m->outbox = g_array_new (FALSE, FALSE, sizeof (Outgoing));
      m->pending = g_hash_table_new (NULL, NULL);
      m->received = g_hash_table_new (NULL, NULL);
      m->senders = g_hash_table_new (NULL, NULL);
    }
  run.group = make_group (server, people, G_N_ELEMENTS (people));

  for (guint round = 0; round < kills; round++)
    {
      gint64 kill_at = g_get_monotonic_time () + g_test_rand_int_range (5, 60) * 1000;

      /* Two of the three write, a different one quiet each round. */
      for (guint i = 0; i < G_N_ELEMENTS (run.members); i++)
        {
          KillMember *m = &run.members[i];
          guint burst = i == round % G_N_ELEMENTS (run.members) ? 0 : g_test_rand_int_range (5, 40);

          for (guint j = 0; j < burst; j++)
            {
              g_array_append_vals (m->outbox, &(Outgoing) { random_id (), 0 }, 1);
              write_one (&run, m, m->outbox->len - 1);
            }
        }
      while (g_get_monotonic_time () < kill_at)
        {
          drain (&run, 0, TRUE);
          g_usleep (200);   /* polling the sockets, not waiting for rule time */
        }
      g_assert_cmpint (xg_test_server_kill (server, SIGKILL), ==, 128 + SIGKILL);

      /* Answers already on the wire were committed: take them. */
      drain (&run, 1000, FALSE);
      for (guint i = 0; i < G_N_ELEMENTS (run.members); i++)
        {
          g_assert_true (people[i]->client->closed);
          person_offline (people[i]);
        }
      xg_test_server_restart (server);
      reconnect (&run);
    }

  for (guint i = 0; i < G_N_ELEMENTS (run.members); i++)
    total += run.members[i].outbox->len;

  /* Calm: every outbox empties and every member gets every message. */
  deadline = g_get_monotonic_time () + XG_TEST_TIMEOUT_MS * 1000;
  while (unsettled (&run, total) && g_get_monotonic_time () < deadline)
    drain (&run, 100, TRUE);

  /* Every message answered has its own number, gapless, and is in every
   * other member's database exactly once, under that number. */
  for (guint i = 0; i < G_N_ELEMENTS (run.members); i++)
    {
      KillMember *m = &run.members[i];

      for (guint j = 0; j < m->outbox->len; j++)
        {
          const Outgoing *out = &g_array_index (m->outbox, Outgoing, j);

          g_assert_cmpuint (out->seq, >, 0);
          g_assert_false (g_hash_table_contains (seqs, GUINT_TO_POINTER (out->seq)));
          g_hash_table_add (seqs, GUINT_TO_POINTER (out->seq));
          for (guint k = 0; k < G_N_ELEMENTS (run.members); k++)
            {
              KillMember *other = &run.members[k];
              gpointer id;

              if (k == i)
                continue;
              g_assert_true (g_hash_table_lookup_extended (other->received, GUINT_TO_POINTER (out->seq), NULL, &id));
              g_assert_cmpuint (GPOINTER_TO_SIZE (id), ==, out->client_msg_id);
              g_assert_cmpuint (GPOINTER_TO_SIZE (g_hash_table_lookup (other->senders,
                                                                       GUINT_TO_POINTER (out->seq))),
                                ==, m->person->id);
            }
        }
      g_assert_cmpuint (g_hash_table_size (m->received) + m->outbox->len, ==, total);
      redelivered += m->redelivered;
    }
  g_assert_cmpuint (g_hash_table_size (seqs), ==, total);
  for (guint64 seq = 1; seq <= total; seq++)
    g_assert_true (g_hash_table_contains (seqs, GUINT_TO_POINTER (seq)));
  g_test_message ("%u kills, %u group messages to 3 members, %u redelivered after a lost acknowledgement",
                  kills, total, redelivered);

  for (guint i = 0; i < G_N_ELEMENTS (run.members); i++)
    {
      KillMember *m = &run.members[i];

      g_array_unref (m->outbox);
      g_hash_table_unref (m->pending);
      g_hash_table_unref (m->received);
      g_hash_table_unref (m->senders);
      person_free (m->person);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/group-chat/online", test_online);
  g_test_add_func ("/group-chat/retry", test_retry);
  g_test_add_func ("/group-chat/refusals", test_refusals);
  g_test_add_func ("/group-chat/concurrent", test_concurrent);
  g_test_add_func ("/group-chat/pages", test_pages);
  g_test_add_func ("/group-chat/cursor", test_cursor);
  g_test_add_func ("/group-chat/join", test_join);
  g_test_add_func ("/group-chat/removed", test_removed);
  g_test_add_func ("/group-chat/packets", test_packets);
  g_test_add_func ("/group-chat/removed-by-request", test_removed_by_request);
  g_test_add_func ("/group-chat/disbanded", test_disbanded);
  g_test_add_func ("/group-chat/sigkill", test_sigkill);

  return g_test_run ();
}
