/* test-chat.c: xinge-server's one-to-one messages, end to end over real TLS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/PROTOCOL.md 7: a message answered MSG_SENT_ACK is stored, reaches
 * the receiver (live, or in pages at its next login) until it is
 * acknowledged, once per sequence number, in order, gapless; a retry is
 * the same message. Every test starts the real server binary on a
 * temporary data dir.
 *
 * XG_TEST_KILLS sets how many times /chat/sigkill kills the server
 * (default 10); tools/chat-kill-run.sh runs it long.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <sqlite3.h>

#include "xg-proto-limits.h"
#include "xg-test-harness.h"
#include "xg-test-people.h"

/* The server's page of pending messages and of CHAT_HEADS (xg-server-private.h). */
#define PAGE_MESSAGES 256
#define HEADS_PAGE    1024

/* --- Messages ------------------------------------------------------------ */

/* Sends without waiting; returns the request id. */
static guint32
send_message (Person   *from,
              Person   *to,
              guint64   client_msg_id,
              guint32   msg_type,
              GBytes   *payload)
{
  return xg_test_client_send (from->client, XG_PACKET_CHAT_SEND,
                              xg_proto_chat_send_new (client_msg_id, from->id, to->id, msg_type, payload));
}

/* Sends and takes MSG_SENT_ACK; returns the sequence number. */
static guint64
say (Person     *from,
     Person     *to,
     guint64     client_msg_id,
     const char *s,
     gint64     *server_time)
{
  g_autoptr(GBytes) payload = text (s);
  g_autoptr(XgProtoFrame) ack = ask (from, XG_PACKET_CHAT_SEND,
                                     xg_proto_chat_send_new (client_msg_id, from->id, to->id,
                                                             XG_PROTO_MESSAGE_TEXT, payload),
                                     XG_PACKET_MSG_SENT_ACK);

  return take_sent_ack (from, ack, client_msg_id, server_time);
}

/* The next push to @to is @type: message @seq from @from saying @s. */
static void
take_text (Person     *to,
           guint16     type,
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
  g_assert_cmpuint (d.conversation, ==, to->id);
  g_assert_cmpuint (d.msg_type, ==, XG_PROTO_MESSAGE_TEXT);
  g_assert_cmpmem (g_bytes_get_data (d.payload, NULL), g_bytes_get_size (d.payload), s, strlen (s));
}

/* The next push to @p is MSG_DELIVERED saying @peer has everything up to @seq. */
static void
take_delivered (Person  *p,
                Person  *peer,
                guint64  seq)
{
  g_autoptr(XgProtoFrame) frame = push (p, XG_PACKET_MSG_DELIVERED);
  g_autoptr(GVariant) entries = NULL;
  guint8 kind;
  guint64 id, got;

  xg_proto_msg_delivered_get (frame->body, &entries);
  g_assert_cmpuint (g_variant_n_children (entries), ==, 1);
  g_variant_get_child (entries, 0, "(ytt)", &kind, &id, &got);
  g_assert_cmpuint (kind, ==, 0);
  g_assert_cmpuint (id, ==, peer->id);
  g_assert_cmpuint (got, ==, seq);
}

/* The next push to @p is CHAT_HEADS saying its conversation with @peer
 * goes up to @seq (and nothing else). */
static void
take_heads (Person  *p,
            Person  *peer,
            guint64  seq)
{
  g_autoptr(XgProtoFrame) frame = push (p, XG_PACKET_CHAT_HEADS);
  g_autoptr(GVariant) entries = NULL;
  guint8 kind;
  guint64 id, got;

  xg_proto_chat_heads_get (frame->body, &entries);
  g_assert_cmpuint (g_variant_n_children (entries), ==, 1);
  g_variant_get_child (entries, 0, "(ytt)", &kind, &id, &got);
  g_assert_cmpuint (kind, ==, 0);
  g_assert_cmpuint (id, ==, peer->id);
  g_assert_cmpuint (got, ==, seq);
}

/* Two friends, both online, every push of befriending taken. */
static void
friends_online (XgTestServer  *server,
                Person       **alice,
                Person       **bob)
{
  *alice = person_new (server, "Alice");
  *bob = person_new (server, "Bob");
  person_online (*alice);
  person_online (*bob);
  befriend (*alice, *bob);
}

/* --- Tests --------------------------------------------------------------- */

/* Both online: the message, its acknowledgement, the receipt, the reply. */
static void
test_online (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  guint64 hello = random_id (), reply = random_id ();

  friends_online (server, &alice, &bob);

  g_assert_cmpuint (say (alice, bob, hello, "Hello, Bob", NULL), ==, 1);
  take_text (bob, XG_PACKET_CHAT_DELIVER, alice, 1, hello, "Hello, Bob");

  acknowledge (bob, 0, alice->id, 1);
  take_delivered (alice, bob, 1);

  /* One conversation, one sequence, whoever writes. */
  g_assert_cmpuint (say (bob, alice, reply, "Hi, Alice 你好", NULL), ==, 2);
  take_text (alice, XG_PACKET_CHAT_DELIVER, bob, 2, reply, "Hi, Alice 你好");
  acknowledge (alice, 0, bob->id, 2);
  take_delivered (bob, alice, 2);

  /* An acknowledgement that passes nothing of the peer's tells it nothing. */
  acknowledge (bob, 0, alice->id, 2);
  nothing_for (alice);
  nothing_for (bob);
}

/* A retry is answered exactly as the first time and delivered once. */
static void
test_retry (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  g_autoptr(Person) carol = NULL;
  g_autoptr(GBytes) again = text ("Hello again");
  guint64 id = random_id ();
  gint64 first_time, second_time;

  friends_online (server, &alice, &bob);
  carol = person_new (server, "Carol");
  person_online (carol);
  befriend (alice, carol);

  g_assert_cmpuint (say (alice, bob, id, "Hello", &first_time), ==, 1);
  take_text (bob, XG_PACKET_CHAT_DELIVER, alice, 1, id, "Hello");

  /* Even with another text: the id is the message. */
  g_assert_cmpuint (say (alice, bob, id, "Hello?", &second_time), ==, 1);
  g_assert_cmpint (second_time, ==, first_time);
  nothing_for (bob);

  /* The same id to someone else is not a retry. */
  refused (alice, XG_PACKET_CHAT_SEND,
           xg_proto_chat_send_new (id, alice->id, carol->id, XG_PROTO_MESSAGE_TEXT, again),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  nothing_for (carol);

  /* The sequence went on from 1: nothing was stored twice. */
  g_assert_cmpuint (say (alice, bob, random_id (), "Next", NULL), ==, 2);

  /* Not in a conversation that has messages already either. */
  g_assert_cmpuint (say (alice, carol, random_id (), "Hi Carol", NULL), ==, 1);
  xg_proto_frame_free (push (carol, XG_PACKET_CHAT_DELIVER));
  refused (alice, XG_PACKET_CHAT_SEND,
           xg_proto_chat_send_new (id, alice->id, carol->id, XG_PROTO_MESSAGE_TEXT, again),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  nothing_for (carol);
  g_assert_cmpuint (say (alice, carol, random_id (), "Still 2", NULL), ==, 2);
}

/* Friendship decides each message, the first of a conversation and every
 * one after it: the server reads it again when it changes. A retry still
 * gets its first answer, and refusals use up no sequence number. */
static void
test_unfriended (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  g_autoptr(GBytes) hello = text ("Still there?");
  g_autoptr(XgProtoFrame) removed = NULL;
  guint64 id = random_id (), again = random_id ();
  gint64 first_time, second_time;

  friends_online (server, &alice, &bob);
  g_assert_cmpuint (say (alice, bob, id, "Hello", &first_time), ==, 1);
  take_text (bob, XG_PACKET_CHAT_DELIVER, alice, 1, id, "Hello");
  acknowledge (bob, 0, alice->id, 1);
  take_delivered (alice, bob, 1);

  removed = ask (alice, XG_PACKET_FRIEND_REMOVE, xg_proto_friend_remove_new (alice->id, bob->id),
                 XG_PACKET_FRIEND_REMOVED);
  xg_proto_frame_free (push (alice, XG_PACKET_FRIEND_LIST));
  xg_proto_frame_free (push (bob, XG_PACKET_FRIEND_REMOVED));
  xg_proto_frame_free (push (bob, XG_PACKET_FRIEND_LIST));

  refused (alice, XG_PACKET_CHAT_SEND,
           xg_proto_chat_send_new (again, alice->id, bob->id, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (bob, XG_PACKET_CHAT_SEND,
           xg_proto_chat_send_new (random_id (), bob->id, alice->id, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_PERMISSION_DENIED);
  g_assert_cmpuint (say (alice, bob, id, "Hello", &second_time), ==, 1);
  g_assert_cmpint (second_time, ==, first_time);
  nothing_for (bob);

  /* Friends again: the conversation goes on from 1. */
  befriend (bob, alice);
  g_assert_cmpuint (say (alice, bob, again, "Still there?", NULL), ==, 2);
  take_text (bob, XG_PACKET_CHAT_DELIVER, alice, 2, again, "Still there?");
  g_assert_cmpuint (say (bob, alice, random_id (), "Yes", NULL), ==, 3);
  xg_proto_frame_free (push (alice, XG_PACKET_CHAT_DELIVER));
}

static GBytes *
variant_payload (GVariant *value)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);

  return g_variant_get_data_as_bytes (owned);
}

/* What the server refuses, with the error, and stores nothing of. */
static void
test_refusals (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  g_autoptr(Person) stranger = NULL;
  g_autoptr(GBytes) hello = text ("Hello");
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) bad_utf8 = g_bytes_new ("\xff\xfe", 2);
  g_autoptr(GBytes) nul = g_bytes_new ("a\0b", 3);
  g_autofree char *big = g_strnfill (XG_PROTO_MAX_TEXT_BYTES + 1, 'x');
  g_autoptr(GBytes) too_long = text (big);
  g_autoptr(GBytes) not_image = variant_payload (g_variant_new ("(s@ay)", "text/plain",
                                                                g_variant_new_bytestring ("x")));
  g_autoptr(GBytes) no_pixels = variant_payload (g_variant_new ("(s@ay)", "image/png",
                                                                g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE,
                                                                                           NULL, 0, 1)));
  g_autoptr(GBytes) bad_name = variant_payload (g_variant_new ("(ss@ay)", "../etc/passwd", "text/plain",
                                                               g_variant_new_bytestring ("x")));
  g_autoptr(GBytes) truncated = g_bytes_new ("\x01\x02\x03", 3);
  const struct {
    guint32  type;
    GBytes  *payload;
  } broken[] = {
    { XG_PROTO_MESSAGE_TEXT,  empty },
    { XG_PROTO_MESSAGE_TEXT,  bad_utf8 },
    { XG_PROTO_MESSAGE_TEXT,  nul },
    { XG_PROTO_MESSAGE_TEXT,  too_long },
    { XG_PROTO_MESSAGE_IMAGE, not_image },
    { XG_PROTO_MESSAGE_IMAGE, no_pixels },
    { XG_PROTO_MESSAGE_IMAGE, truncated },
    { XG_PROTO_MESSAGE_FILE,  bad_name },
    { XG_PROTO_MESSAGE_FILE,  truncated },
  };
  g_autoptr(XgTestClient) anonymous = xg_test_client_connect (server);
  g_autoptr(XgProtoFrame) answer = NULL;

  friends_online (server, &alice, &bob);
  stranger = person_new (server, "Stranger");
  person_online (stranger);

  refused (stranger, XG_PACKET_CHAT_SEND,
           xg_proto_chat_send_new (random_id (), stranger->id, alice->id, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (alice, XG_PACKET_CHAT_SEND,
           xg_proto_chat_send_new (random_id (), alice->id, stranger->id, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_PERMISSION_DENIED);
  refused (alice, XG_PACKET_CHAT_SEND,
           xg_proto_chat_send_new (random_id (), alice->id, alice->id, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_CHAT_SEND,
           xg_proto_chat_send_new (random_id (), bob->id, alice->id, XG_PROTO_MESSAGE_TEXT, hello),
           XG_PROTO_ERR_ID_MISMATCH);
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    refused (alice, XG_PACKET_CHAT_SEND,
             xg_proto_chat_send_new (random_id (), alice->id, bob->id, broken[i].type, broken[i].payload),
             XG_PROTO_ERR_INVALID_ARGUMENT);

  answer = xg_test_client_request (anonymous, XG_PACKET_CHAT_SEND,
                                   xg_proto_chat_send_new (random_id (), alice->id, bob->id,
                                                           XG_PROTO_MESSAGE_TEXT, hello),
                                   XG_PACKET_ERROR);
  g_assert_cmpuint (error_code (answer, XG_PACKET_CHAT_SEND), ==, XG_PROTO_ERR_NOT_LOGGED_IN);

  /* None of it was stored, or delivered: the first message takes seq 1. */
  nothing_for (bob);
  nothing_for (stranger);
  g_assert_cmpuint (say (alice, bob, random_id (), "Hello", NULL), ==, 1);
}

/* Images, files, types this version does not know, and a payload of the
 * full 8 MiB, each delivered byte for byte. */
static void
test_types (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  g_autoptr(GBytes) png = g_bytes_new ("\x89PNG\r\n\x1a\n0000", 12);
  g_autoptr(GBytes) image = xg_proto_image_payload_new ("image/png", png);
  g_autoptr(GBytes) notes = text ("meeting at 10");
  g_autoptr(GBytes) file = xg_proto_file_payload_new ("notes 笔记.txt", "text/plain", notes);
  g_autoptr(GBytes) future = g_bytes_new ("\x00\x01\x02", 3);
  gsize big_size = xg_proto_max_payload (0) - 300;   /* the FILE payload's own fields: at most the maximum */
  g_autofree guint8 *big_data = g_malloc (big_size);
  g_autoptr(GBytes) big_bytes = NULL;
  g_autoptr(GBytes) big = NULL;
  g_autoptr(GBytes) too_big = NULL;
  const struct {
    guint32  type;
    GBytes  *payload;
  } messages[] = {
    { XG_PROTO_MESSAGE_IMAGE, image },
    { XG_PROTO_MESSAGE_FILE,  file },
    { 99,                     future },
    { XG_PROTO_MESSAGE_FILE,  NULL },   /* big */
  };
  char *name, *mime;
  GBytes *data;

  for (gsize i = 0; i < big_size; i++)
    big_data[i] = (guint8) (i * 7);
  big_bytes = g_bytes_new_take (g_steal_pointer (&big_data), big_size);
  big = xg_proto_file_payload_new ("big.bin", "application/octet-stream", big_bytes);
  g_assert_cmpuint (g_bytes_get_size (big), <=, XG_PROTO_MAX_PAYLOAD_BYTES);
  g_assert_cmpuint (g_bytes_get_size (big), >, XG_PROTO_MAX_PAYLOAD_BYTES - 1024);

  friends_online (server, &alice, &bob);

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      GBytes *payload = messages[i].payload ? messages[i].payload : big;
      guint64 id = random_id ();
      guint32 request = send_message (alice, bob, id, messages[i].type, payload);
      g_autoptr(XgProtoFrame) ack = xg_test_client_expect (alice->client, XG_PACKET_MSG_SENT_ACK);
      g_autoptr(XgProtoFrame) frame = push (bob, XG_PACKET_CHAT_DELIVER);
      g_auto(Delivered) d = { 0, };

      g_assert_cmpuint (ack->request_id, ==, request);
      read_delivered (frame, &d);
      g_assert_cmpuint (d.seq, ==, i + 1);
      g_assert_cmpuint (d.msg_type, ==, messages[i].type);
      g_assert_true (g_bytes_equal (d.payload, payload));
    }

  /* The payload helpers read back what they wrote. */
  g_assert_true (xg_proto_file_payload_parse (file, &name, &mime, &data));
  g_assert_cmpstr (name, ==, "notes 笔记.txt");
  g_assert_cmpstr (mime, ==, "text/plain");
  g_assert_true (g_bytes_equal (data, notes));
  g_free (name);
  g_free (mime);
  g_bytes_unref (data);
  g_assert_true (xg_proto_image_payload_parse (image, &mime, &data));
  g_assert_cmpstr (mime, ==, "image/png");
  g_assert_true (g_bytes_equal (data, png));
  g_free (mime);
  g_bytes_unref (data);

  /* One byte over the maximum is refused. */
  too_big = g_bytes_new_take (g_malloc0 (XG_PROTO_MAX_PAYLOAD_BYTES + 1), XG_PROTO_MAX_PAYLOAD_BYTES + 1);
  refused (alice, XG_PACKET_CHAT_SEND,
           xg_proto_chat_send_new (random_id (), alice->id, bob->id, 99, too_big),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  nothing_for (bob);
}

/* Messages to an offline friend wait; at login they come after the sync,
 * in order, and again at every login until they are acknowledged. */
static void
test_offline (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  g_autoptr(GPtrArray) sync = NULL;
  guint64 ids[3];
  const char *texts[3] = { "one", "two", "three" };

  friends_online (server, &alice, &bob);
  person_offline (bob);
  take_presence (alice, bob, FALSE);

  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (say (alice, bob, ids[i] = random_id (), texts[i], NULL), ==, i + 1);

  /* Not acknowledged: they come again. */
  for (guint round = 0; round < 2; round++)
    {
      sync = person_login (bob);
      g_clear_pointer (&sync, g_ptr_array_unref);
      for (guint i = 0; i < 3; i++)
        take_text (bob, XG_PACKET_OFFLINE_CHAT_DELIVER, alice, i + 1, ids[i], texts[i]);
      take_heads (bob, alice, 3);
      nothing_for (bob);
      take_presence (alice, bob, TRUE);
      person_offline (bob);
      take_presence (alice, bob, FALSE);
    }

  /* Acknowledged: the sender hears it, and they do not come again. */
  sync = person_login (bob);
  g_clear_pointer (&sync, g_ptr_array_unref);
  for (guint i = 0; i < 3; i++)
    take_text (bob, XG_PACKET_OFFLINE_CHAT_DELIVER, alice, i + 1, ids[i], texts[i]);
  take_heads (bob, alice, 3);
  take_presence (alice, bob, TRUE);
  acknowledge (bob, 0, alice->id, 3);
  take_delivered (alice, bob, 3);
  person_offline (bob);
  take_presence (alice, bob, FALSE);

  sync = person_login (bob);
  g_clear_pointer (&sync, g_ptr_array_unref);
  take_heads (bob, alice, 3);
  nothing_for (bob);

  /* Now live. */
  g_assert_cmpuint (say (alice, bob, ids[0] = random_id (), "four", NULL), ==, 4);
  take_text (bob, XG_PACKET_CHAT_DELIVER, alice, 4, ids[0], "four");
}

/* The sender learns of the receipt at its next login when it was away. */
static void
test_receipt_at_login (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  g_autoptr(GPtrArray) sync = NULL;
  guint64 id = random_id ();

  friends_online (server, &alice, &bob);
  say (alice, bob, id, "Read me later", NULL);
  take_text (bob, XG_PACKET_CHAT_DELIVER, alice, 1, id, "Read me later");

  person_offline (alice);
  take_presence (bob, alice, FALSE);
  acknowledge (bob, 0, alice->id, 1);
  nothing_for (bob);

  sync = person_login (alice);
  take_delivered (alice, bob, 1);
  take_heads (alice, bob, 1);
  nothing_for (alice);
}

/* A backlog larger than a page comes a page at a time, each after the
 * one before was acknowledged; what is sent meanwhile comes after it. */
static void
test_pages (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  g_autoptr(GPtrArray) sync = NULL;
  g_autoptr(GBytes) backlog = text ("backlog");
  const guint n = 2 * PAGE_MESSAGES + 88;
  guint64 next = 1, late_id = random_id ();

  friends_online (server, &alice, &bob);
  person_offline (bob);
  take_presence (alice, bob, FALSE);

  for (guint i = 0; i < n; i++)
    send_message (alice, bob, random_id (), XG_PROTO_MESSAGE_TEXT, backlog);
  for (guint i = 0; i < n; i++)
    xg_proto_frame_free (xg_test_client_expect (alice->client, XG_PACKET_MSG_SENT_ACK));

  sync = person_login (bob);
  take_presence (alice, bob, TRUE);
  for (guint page = 0; next <= n + 1; page++)
    {
      guint expected = MIN (PAGE_MESSAGES, n + 2 - next);

      for (guint i = 0; i < expected; i++)
        {
          g_autoptr(XgProtoFrame) frame = push (bob, XG_PACKET_OFFLINE_CHAT_DELIVER);
          g_auto(Delivered) d = { 0, };

          read_delivered (frame, &d);
          g_assert_cmpuint (d.seq, ==, next++);
        }
      /* The last page ends with the heads. */
      if (next > n + 1)
        take_heads (bob, alice, n + 1);
      /* Nothing more until this page is acknowledged. */
      nothing_for (bob);

      /* A message sent while the backlog is out waits behind it. */
      if (page == 0)
        g_assert_cmpuint (say (alice, bob, late_id, "late", NULL), ==, n + 1);
      nothing_for (bob);

      acknowledge (bob, 0, alice->id, next - 1);
      take_delivered (alice, bob, next - 1);
    }
  g_assert_cmpuint (next, ==, n + 2);

  /* Caught up: live again. */
  g_assert_cmpuint (say (alice, bob, late_id = random_id (), "live", NULL), ==, n + 2);
  take_text (bob, XG_PACKET_CHAT_DELIVER, alice, n + 2, late_id, "live");
}

/* Both write at once, pipelined: one gapless sequence, each side's
 * answers in the order it sent. */
static void
test_concurrent (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  g_autoptr(GHashTable) seqs = g_hash_table_new (NULL, NULL);
  g_autoptr(GBytes) hi = text ("hi");
  const guint n = 300;
  Person *both[2];

  friends_online (server, &alice, &bob);
  both[0] = alice;
  both[1] = bob;

  for (guint i = 0; i < n; i++)
    for (guint s = 0; s < 2; s++)
      send_message (both[s], both[1 - s], random_id (), XG_PROTO_MESSAGE_TEXT, hi);

  for (guint s = 0; s < 2; s++)
    {
      guint64 last_ack = 0, last_delivered = 0;
      guint acks = 0, deliveries = 0;

      while (acks < n || deliveries < n)
        {
          g_autoptr(XgProtoFrame) frame = xg_test_client_receive (both[s]->client, XG_TEST_TIMEOUT_MS);
          guint64 seq;

          g_assert_nonnull (frame);
          if (frame->type == XG_PACKET_MSG_SENT_ACK)
            {
              xg_proto_msg_sent_ack_get (frame->body, NULL, &seq, NULL);
              g_assert_cmpuint (seq, >, last_ack);
              last_ack = seq;
              acks++;
            }
          else
            {
              g_auto(Delivered) d = { 0, };

              read_delivered (frame, &d);
              g_assert_cmpuint (d.kind, ==, 0);
              g_assert_cmpuint (d.seq, >, last_delivered);
              last_delivered = seq = d.seq;
              deliveries++;
            }
          /* Each number once: given out once, seen by one side as its ack
           * and by the other as a delivery. */
          g_hash_table_insert (seqs, GUINT_TO_POINTER (seq),
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (seqs, GUINT_TO_POINTER (seq))) + 1));
        }
    }
  g_assert_cmpuint (g_hash_table_size (seqs), ==, 2 * n);
  for (guint64 seq = 1; seq <= 2 * n; seq++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (seqs, GUINT_TO_POINTER (seq))), ==, 2);
}

static guint
history (Person   *p,
         Person   *peer,
         guint64   after,
         guint64   before,
         guint32   limit,
         guint64  *first,
         guint64  *last,
         gboolean *more)
{
  g_autoptr(XgProtoFrame) answer = ask (p, XG_PACKET_CHAT_HISTORY_REQUEST,
                                        xg_proto_chat_history_request_new (0, peer->id, after, before, limit),
                                        XG_PACKET_CHAT_HISTORY);
  g_autoptr(GVariant) messages = NULL;
  guint8 kind;
  guint64 id, previous = 0;
  gsize n;

  xg_proto_chat_history_get (answer->body, &kind, &id, &messages, more);
  g_assert_cmpuint (kind, ==, 0);
  g_assert_cmpuint (id, ==, peer->id);
  n = g_variant_n_children (messages);
  for (gsize i = 0; i < n; i++)
    {
      guint64 seq, client_msg_id, sender;
      guint32 type;
      g_autoptr(GVariant) payload = NULL;
      gint64 time;

      g_variant_get_child (messages, i, "(tttu@ayx)", &seq, &client_msg_id, &sender, &type, &payload, &time);
      g_assert_cmpuint (seq, >, previous);
      g_assert_true (sender == p->id || sender == peer->id);
      if (i == 0)
        *first = seq;
      *last = previous = seq;
    }
  return (guint) n;
}

/* History pages both ways, and what may not be asked. */
static void
test_history (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  g_autoptr(Person) stranger = NULL;
  guint64 first = 0, last = 0;
  gboolean more;

  friends_online (server, &alice, &bob);
  stranger = person_new (server, "Stranger");
  person_online (stranger);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *s = g_strdup_printf ("message %u", i + 1);

      say (i % 3 ? alice : bob, i % 3 ? bob : alice, random_id (), s, NULL);
    }

  /* The newest, then older ones before them. */
  g_assert_cmpuint (history (alice, bob, 0, 0, 10, &first, &last, &more), ==, 10);
  g_assert_cmpuint (first, ==, 21);
  g_assert_cmpuint (last, ==, 30);
  g_assert_true (more);
  g_assert_cmpuint (history (bob, alice, 0, 21, 10, &first, &last, &more), ==, 10);
  g_assert_cmpuint (first, ==, 11);
  g_assert_cmpuint (last, ==, 20);
  g_assert_cmpuint (history (alice, bob, 0, 3, 10, &first, &last, &more), ==, 2);
  g_assert_cmpuint (first, ==, 1);
  g_assert_false (more);

  /* A gap, filled from its start. */
  g_assert_cmpuint (history (alice, bob, 5, 0, 3, &first, &last, &more), ==, 3);
  g_assert_cmpuint (first, ==, 6);
  g_assert_cmpuint (last, ==, 8);
  g_assert_true (more);
  g_assert_cmpuint (history (alice, bob, 5, 9, 10, &first, &last, &more), ==, 3);
  g_assert_false (more);

  /* No conversation: nothing, and nothing learned. */
  g_assert_cmpuint (history (stranger, alice, 0, 0, 10, &first, &last, &more), ==, 0);
  g_assert_false (more);

  refused (alice, XG_PACKET_CHAT_HISTORY_REQUEST, xg_proto_chat_history_request_new (0, bob->id, 0, 0, 0),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_CHAT_HISTORY_REQUEST, xg_proto_chat_history_request_new (0, bob->id, 0, 0, 201),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_CHAT_HISTORY_REQUEST, xg_proto_chat_history_request_new (0, bob->id, 5, 6, 10),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  refused (alice, XG_PACKET_CHAT_HISTORY_REQUEST, xg_proto_chat_history_request_new (7, bob->id, 0, 0, 10),
           XG_PROTO_ERR_INVALID_ARGUMENT);
  /* Kind 1 is a group's (tests/server/test-group-chat.c): none of this one. */
  refused (alice, XG_PACKET_CHAT_HISTORY_REQUEST, xg_proto_chat_history_request_new (1, 1, 0, 0, 10),
           XG_PROTO_ERR_PERMISSION_DENIED);
}

/* --- The server killed mid-write ----------------------------------------- */

typedef struct {
  guint64  client_msg_id;
  guint64  seq;            /* from MSG_SENT_ACK; 0 until then */
} Outgoing;

typedef struct {
  XgTestServer *server;
  Person       *sender;
  Person       *receiver;
  GArray       *outbox;     /* Outgoing, in the order written */
  GHashTable   *pending;    /* request id → index in @outbox, on the current connection */
  GHashTable   *received;   /* seq → client_msg_id: the receiver's "database" */
  guint64       committed;  /* the receiver has every seq up to this */
  guint64       acked_up_to;/* what the receiver acknowledged */
  guint         redelivered;/* deliveries of a seq already received */
  guint         answered;
} KillRun;

static void
take_sender_frame (KillRun      *run,
                   XgProtoFrame *frame)
{
  gpointer index;
  Outgoing *out;
  guint64 id, seq;

  if (frame->type != XG_PACKET_MSG_SENT_ACK)
    return;   /* PRESENCE, MSG_DELIVERED */
  g_assert_true (g_hash_table_steal_extended (run->pending, GUINT_TO_POINTER (frame->request_id), NULL, &index));
  out = &g_array_index (run->outbox, Outgoing, GPOINTER_TO_UINT (index));
  xg_proto_msg_sent_ack_get (frame->body, &id, &seq, NULL);
  g_assert_cmpuint (id, ==, out->client_msg_id);
  /* A retry is answered with what was stored the first time. */
  if (out->seq != 0)
    g_assert_cmpuint (seq, ==, out->seq);
  else
    run->answered++;
  out->seq = seq;
}

/* The receiver commits a delivery to its "database", as a client does:
 * INSERT OR IGNORE on the sequence, which must always carry the same id. */
static void
take_receiver_frame (KillRun      *run,
                     XgProtoFrame *frame)
{
  g_auto(Delivered) d = { 0, };
  gpointer known;

  if (frame->type != XG_PACKET_CHAT_DELIVER && frame->type != XG_PACKET_OFFLINE_CHAT_DELIVER)
    return;
  read_delivered (frame, &d);
  g_assert_cmpuint (d.sender_id, ==, run->sender->id);
  if (g_hash_table_lookup_extended (run->received, GUINT_TO_POINTER (d.seq), NULL, &known))
    {
      g_assert_cmpuint (GPOINTER_TO_SIZE (known), ==, d.client_msg_id);
      run->redelivered++;
      return;
    }
  g_hash_table_insert (run->received, GUINT_TO_POINTER (d.seq), GSIZE_TO_POINTER (d.client_msg_id));
  while (g_hash_table_contains (run->received, GUINT_TO_POINTER (run->committed + 1)))
    run->committed++;
}

/* Takes what has arrived, waiting up to @timeout_ms for each side; the
 * receiver acknowledges what it has committed. */
static void
drain (KillRun *run,
       guint    timeout_ms,
       gboolean alive)
{
  XgProtoFrame *frame;

  while ((frame = xg_test_client_receive (run->sender->client, timeout_ms)) != NULL)
    {
      take_sender_frame (run, frame);
      xg_proto_frame_free (frame);
    }
  while ((frame = xg_test_client_receive (run->receiver->client, timeout_ms)) != NULL)
    {
      take_receiver_frame (run, frame);
      xg_proto_frame_free (frame);
    }
  if (alive && run->committed > run->acked_up_to)
    {
      acknowledge (run->receiver, 0, run->sender->id, run->committed);
      run->acked_up_to = run->committed;
    }
}

static void
write_one (KillRun *run,
           guint    index)
{
  Outgoing *out = &g_array_index (run->outbox, Outgoing, index);
  g_autofree char *s = g_strdup_printf ("message %u", index);
  g_autoptr(GBytes) payload = text (s);
  guint32 request = send_message (run->sender, run->receiver, out->client_msg_id, XG_PROTO_MESSAGE_TEXT, payload);

  g_hash_table_insert (run->pending, GUINT_TO_POINTER (request), GUINT_TO_POINTER (index));
}

/* Both log in again; the sender resends every message not yet answered,
 * with its first id, as a client's outbox does. */
static void
reconnect (KillRun *run)
{
  g_autoptr(GPtrArray) sender_sync = person_login (run->sender);
  g_autoptr(GPtrArray) receiver_sync = person_login (run->receiver);

  g_hash_table_remove_all (run->pending);
  run->acked_up_to = 0;   /* the cursor may have been lost with the kill: acknowledge again */
  for (guint i = 0; i < run->outbox->len; i++)
    if (g_array_index (run->outbox, Outgoing, i).seq == 0)
      write_one (run, i);
}

static void
test_sigkill (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  const char *kills_env = g_getenv ("XG_TEST_KILLS");
  guint kills = kills_env ? (guint) g_ascii_strtoull (kills_env, NULL, 10) : 10;
  KillRun run = { .server = server };
  guint64 max_seq = 0;
  gint64 deadline;

  friends_online (server, &alice, &bob);
  run.sender = alice;
  run.receiver = bob;
  run.outbox = g_array_new (FALSE, FALSE, sizeof (Outgoing));
  run.pending = g_hash_table_new (NULL, NULL);
  run.received = g_hash_table_new (NULL, NULL);

  for (guint round = 0; round < kills; round++)
    {
      gint64 kill_at = g_get_monotonic_time () + g_test_rand_int_range (5, 60) * 1000;
      guint burst = g_test_rand_int_range (5, 60);

      for (guint i = 0; i < burst; i++)
        {
          g_array_append_vals (run.outbox, &(Outgoing) { random_id (), 0 }, 1);
          write_one (&run, run.outbox->len - 1);
        }
      while (g_get_monotonic_time () < kill_at)
        {
          drain (&run, 0, TRUE);
          g_usleep (200);   /* polling the sockets, not waiting for rule time */
        }
      g_assert_cmpint (xg_test_server_kill (server, SIGKILL), ==, 128 + SIGKILL);

      /* Answers already on the wire were committed: take them. */
      drain (&run, 1000, FALSE);
      g_assert_true (alice->client->closed && bob->client->closed);
      person_offline (alice);
      person_offline (bob);

      xg_test_server_restart (server);
      reconnect (&run);
    }

  /* Calm: everything in the outbox goes out and comes in. */
  deadline = g_get_monotonic_time () + XG_TEST_TIMEOUT_MS * 1000;
  while ((g_hash_table_size (run.pending) > 0 || run.committed < run.outbox->len) &&
         g_get_monotonic_time () < deadline)
    drain (&run, 100, TRUE);

  /* Every message answered is in the receiver's database exactly once,
   * under the sequence its answer named; the sequence has no gap. */
  for (guint i = 0; i < run.outbox->len; i++)
    {
      const Outgoing *out = &g_array_index (run.outbox, Outgoing, i);
      gpointer id;

      g_assert_cmpuint (out->seq, >, 0);
      g_assert_true (g_hash_table_lookup_extended (run.received, GUINT_TO_POINTER (out->seq), NULL, &id));
      g_assert_cmpuint (GPOINTER_TO_SIZE (id), ==, out->client_msg_id);
      max_seq = MAX (max_seq, out->seq);
    }
  g_assert_cmpuint (g_hash_table_size (run.received), ==, run.outbox->len);
  g_assert_cmpuint (max_seq, ==, run.outbox->len);
  g_assert_cmpuint (run.committed, ==, run.outbox->len);
  g_test_message ("%u kills, %u messages, %u redelivered after a lost acknowledgement",
                  kills, run.outbox->len, run.redelivered);

  g_array_unref (run.outbox);
  g_hash_table_unref (run.pending);
  g_hash_table_unref (run.received);
}

/* At login, once the backlog is out, the account hears how far each of
 * its conversations goes, whoever wrote last and whether it is pending
 * or not, in packets of at most HEADS_PAGE; an account without one hears
 * nothing. */
static void
test_heads (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  g_autoptr(Person) alice = NULL;
  g_autoptr(Person) bob = NULL;
  g_autoptr(Person) carol = person_new (server, "Carol");
  g_autoptr(Person) dave = person_new (server, "Dave");
  g_autoptr(GPtrArray) sync = NULL;
  g_autofree char *path = g_build_filename (server->data_dir, "xinge.db", NULL);
  GString *sql = g_string_new ("BEGIN;");
  const guint n_more = 2 * HEADS_PAGE + 500;
  guint64 pending_id = random_id (), carol_id = random_id ();
  guint taken = 0;
  sqlite3 *db = NULL;

  friends_online (server, &alice, &bob);
  person_online (carol);
  befriend (alice, carol);
  person_online (dave);
  nothing_for (dave);

  /* Alice writes twice to Bob, who has them; Carol once to Alice, who has
   * it; Bob once more to Alice, which waits for her. */
  say (alice, bob, random_id (), "one", NULL);
  say (alice, bob, random_id (), "two", NULL);
  acknowledge (bob, 0, alice->id, 2);
  take_delivered (alice, bob, 2);
  say (carol, alice, carol_id, "three", NULL);
  take_text (alice, XG_PACKET_CHAT_DELIVER, carol, 1, carol_id, "three");
  acknowledge (alice, 0, carol->id, 1);
  take_delivered (carol, alice, 1);
  nothing_for (alice);
  person_offline (alice);
  g_assert_cmpuint (say (bob, alice, pending_id, "for later", NULL), ==, 3);

  /* The backlog first, then the heads; nothing else. */
  sync = person_login (alice);
  take_delivered (alice, bob, 3);
  take_text (alice, XG_PACKET_OFFLINE_CHAT_DELIVER, bob, 3, pending_id, "for later");
  {
    g_autoptr(XgProtoFrame) frame = push (alice, XG_PACKET_CHAT_HEADS);
    g_autoptr(GVariant) entries = NULL;
    guint8 kind;
    guint64 id, seq;

    xg_proto_chat_heads_get (frame->body, &entries);
    g_assert_cmpuint (g_variant_n_children (entries), ==, 2);
    g_variant_get_child (entries, 0, "(ytt)", &kind, &id, &seq);
    g_assert_cmpuint (kind, ==, 0);
    g_assert_cmpuint (id, ==, bob->id);
    g_assert_cmpuint (seq, ==, 3);
    g_variant_get_child (entries, 1, "(ytt)", &kind, &id, &seq);
    g_assert_cmpuint (kind, ==, 0);
    g_assert_cmpuint (id, ==, carol->id);
    g_assert_cmpuint (seq, ==, 1);
  }
  nothing_for (alice);
  person_offline (alice);
  person_offline (bob);
  person_offline (carol);

  /* Dave has no conversation: no CHAT_HEADS. */
  person_offline (dave);
  g_clear_pointer (&sync, g_ptr_array_unref);
  sync = person_login (dave);
  nothing_for (dave);
  person_offline (dave);

  /* Thousands of conversations (peers that are not accounts, made in the
   * database: the store does not care) come in bounded packets, all of
   * them, in the order the conversations were made. */
  g_assert_cmpint (xg_test_server_kill (server, SIGTERM), ==, 0);
  for (guint i = 0; i < n_more; i++)
    g_string_append_printf (sql,
                            "INSERT INTO conversations (kind, a, b, last_seq) VALUES (0, %" G_GUINT64_FORMAT
                            ", %u, %u);"
                            "INSERT INTO cursors (account_id, conversation_id) VALUES (%" G_GUINT64_FORMAT
                            ", last_insert_rowid ());",
                            alice->id, 900000 + i, i + 1, alice->id);
  g_string_append (sql, "COMMIT;");
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql->str, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_string_free (sql, TRUE);
  xg_test_server_restart (server);

  g_clear_pointer (&sync, g_ptr_array_unref);
  sync = person_login (alice);
  take_delivered (alice, bob, 3);
  take_text (alice, XG_PACKET_OFFLINE_CHAT_DELIVER, bob, 3, pending_id, "for later");
  while (taken < n_more + 2)
    {
      g_autoptr(XgProtoFrame) frame = push (alice, XG_PACKET_CHAT_HEADS);
      g_autoptr(GVariant) entries = NULL;
      gsize n;

      xg_proto_chat_heads_get (frame->body, &entries);
      n = g_variant_n_children (entries);
      g_assert_cmpuint (n, >, 0);
      g_assert_cmpuint (n, <=, HEADS_PAGE);
      for (gsize i = 0; i < n; i++, taken++)
        {
          guint8 kind;
          guint64 id, seq;

          g_variant_get_child (entries, i, "(ytt)", &kind, &id, &seq);
          g_assert_cmpuint (kind, ==, 0);
          if (taken == 0)
            g_assert_true (id == bob->id && seq == 3);
          else if (taken == 1)
            g_assert_true (id == carol->id && seq == 1);
          else
            {
              g_assert_cmpuint (id, ==, 900000 + taken - 2);
              g_assert_cmpuint (seq, ==, taken - 1);
            }
        }
    }
  g_assert_cmpuint (taken, ==, n_more + 2);
  nothing_for (alice);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/chat/online", test_online);
  g_test_add_func ("/chat/retry", test_retry);
  g_test_add_func ("/chat/unfriended", test_unfriended);
  g_test_add_func ("/chat/refusals", test_refusals);
  g_test_add_func ("/chat/types", test_types);
  g_test_add_func ("/chat/offline", test_offline);
  g_test_add_func ("/chat/receipt-at-login", test_receipt_at_login);
  g_test_add_func ("/chat/pages", test_pages);
  g_test_add_func ("/chat/concurrent", test_concurrent);
  g_test_add_func ("/chat/history", test_history);
  g_test_add_func ("/chat/heads", test_heads);
  g_test_add_func ("/chat/sigkill", test_sigkill);

  return g_test_run ();
}
