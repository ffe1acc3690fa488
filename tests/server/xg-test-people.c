/* xg-test-people.c: accounts that log in, ask and take pushes, for server tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "xg-test-people.h"

#define PASSWORD XG_TEST_PASSWORD

/* --- People -------------------------------------------------------------- */

void
person_free (Person *p)
{
  g_clear_pointer (&p->client, xg_test_client_free);
  g_clear_pointer (&p->token, g_bytes_unref);
  g_free (p->email);
  g_free (p->nickname);
  g_free (p);
}

/* Registers @nickname (its email is derived from it); not logged in. */
Person *
person_new (XgTestServer *server,
            const char   *nickname)
{
  Person *p = g_new0 (Person, 1);
  g_autofree char *lower = g_ascii_strdown (nickname, -1);

  p->server = server;
  p->nickname = g_strdup (nickname);
  p->email = g_strdup_printf ("%s@example.com", lower);
  p->id = xg_test_register (server, p->email, nickname, PASSWORD);
  return p;
}

/* Logs in on a new connection (with the token after the first time) and
 * returns what came between PROFILE and SYNC_DONE. */
GPtrArray *
person_login (Person *p)
{
  GPtrArray *sync = NULL;

  g_assert_null (p->client);
  p->client = xg_test_client_connect (p->server);
  if (p->token == NULL)
    g_assert_cmpuint (xg_test_login_sync (p->client, p->email, PASSWORD, &p->token, &sync), ==, p->id);
  else
    xg_test_token_login_sync (p->client, p->id, p->token, &sync);
  return sync;
}

void
person_online (Person *p)
{
  G_GNUC_UNUSED g_autoptr(GPtrArray) sync = person_login (p);
}

/* Goes offline by closing the connection, keeping the token. */
void
person_offline (Person *p)
{
  g_clear_pointer (&p->client, xg_test_client_free);
}

/* Sends a request and returns its direct answer, which must be @answer. */
XgProtoFrame *
ask (Person   *p,
     guint16   type,
     GVariant *body,
     guint16   answer)
{
  return xg_test_client_request (p->client, type, body, answer);
}

/* The next frame, which must be the push @type. */
XgProtoFrame *
push (Person  *p,
      guint16  type)
{
  XgProtoFrame *frame = xg_test_client_expect (p->client, type);

  g_assert_cmpuint (frame->request_id, ==, 0);
  return frame;
}

/* Nothing is waiting for @p: a HEARTBEAT round trip proves that whatever
 * the server queued for it before now has arrived, and nothing did. */
void
nothing_for (Person *p)
{
  xg_proto_frame_free (ask (p, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (0), XG_PACKET_HEARTBEAT_ACK));
  if (!g_queue_is_empty (&p->client->frames))
    {
      XgProtoFrame *frame = g_queue_peek_head (&p->client->frames);
      g_autofree char *text = frame->body ? g_variant_print (frame->body, FALSE) : g_strdup ("-");

      g_error ("%s got an unexpected %s %s", p->nickname, xg_proto_packet_info (frame->type)->name, text);
    }
}

guint32
error_code (XgProtoFrame *frame,
            guint16       request_type)
{
  guint16 type;
  guint32 code;

  g_assert_cmpuint (frame->type, ==, XG_PACKET_ERROR);
  xg_proto_error_get (frame->body, &type, &code, NULL);
  g_assert_cmpuint (type, ==, request_type);
  return code;
}

/* Asks, and the answer must be ERROR(@code). */
void
refused (Person   *p,
         guint16   type,
         GVariant *body,
         guint32   code)
{
  g_autoptr(XgProtoFrame) answer = ask (p, type, body, XG_PACKET_ERROR);

  g_assert_cmpuint (error_code (answer, type), ==, code);
}

/* --- Frames -------------------------------------------------------------- */

guint
count_type (GPtrArray *frames,
            guint16    type)
{
  guint n = 0;

  for (guint i = 0; i < frames->len; i++)
    n += ((XgProtoFrame *) frames->pdata[i])->type == type;
  return n;
}

XgProtoFrame *
find_type (GPtrArray *frames,
           guint16    type)
{
  for (guint i = 0; i < frames->len; i++)
    if (((XgProtoFrame *) frames->pdata[i])->type == type)
      return frames->pdata[i];
  return NULL;
}

/* The sync without the PRESENCE pushes that may come in between. */
GPtrArray *
without_presence (GPtrArray *frames)
{
  GPtrArray *kept = g_ptr_array_new ();

  for (guint i = 0; i < frames->len; i++)
    if (((XgProtoFrame *) frames->pdata[i])->type != XG_PACKET_PRESENCE)
      g_ptr_array_add (kept, frames->pdata[i]);
  return kept;
}

guint
list_length (XgProtoFrame *list)
{
  g_autoptr(GVariant) friends = NULL;

  g_assert_cmpuint (list->type, ==, XG_PACKET_FRIEND_LIST);
  xg_proto_friend_list_get (list->body, &friends);
  return g_variant_n_children (friends);
}

/* The FRIEND_LIST entry of @id: its remark and online flag. */
gboolean
list_entry (XgProtoFrame  *list,
            guint64        id,
            char         **remark,
            char         **nickname,
            gboolean      *online)
{
  g_autoptr(GVariant) friends = NULL;
  GVariantIter iter;
  guint64 friend_id;
  const char *r, *n;
  gboolean o;

  g_assert_cmpuint (list->type, ==, XG_PACKET_FRIEND_LIST);
  xg_proto_friend_list_get (list->body, &friends);
  g_variant_iter_init (&iter, friends);
  while (g_variant_iter_next (&iter, "(t&s&sb)", &friend_id, &r, &n, &o))
    if (friend_id == id)
      {
        if (remark != NULL)
          *remark = g_strdup (r);
        if (nickname != NULL)
          *nickname = g_strdup (n);
        if (online != NULL)
          *online = o;
        return TRUE;
      }
  return FALSE;
}

void
assert_friend (XgProtoFrame *list,
               Person       *friend_,
               const char   *remark,
               gboolean      online)
{
  g_autofree char *got_remark = NULL;
  g_autofree char *got_nickname = NULL;
  gboolean got_online;

  if (!list_entry (list, friend_->id, &got_remark, &got_nickname, &got_online))
    g_error ("%s is not in the FRIEND_LIST", friend_->nickname);
  g_assert_cmpstr (got_remark, ==, remark);
  g_assert_cmpstr (got_nickname, ==, friend_->nickname);
  g_assert_cmpint (got_online, ==, online);
}

/* FRIEND_REQUEST_ACCEPTED (accepter, requester, friend) */
void
assert_accepted (XgProtoFrame *frame,
                 Person       *accepter,
                 Person       *requester,
                 Person       *friend_)
{
  guint64 target, req, friend_id;
  const char *nickname;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) fields = NULL;

  g_assert_cmpuint (frame->type, ==, XG_PACKET_FRIEND_REQUEST_ACCEPTED);
  xg_proto_friend_request_accepted_get (frame->body, &target, &req, &info);
  g_assert_cmpuint (target, ==, accepter->id);
  g_assert_cmpuint (req, ==, requester->id);
  g_variant_get (info, "(t&s@a{sv})", &friend_id, &nickname, &fields);
  g_assert_cmpuint (friend_id, ==, friend_->id);
  g_assert_cmpstr (nickname, ==, friend_->nickname);
  g_assert_false (g_variant_lookup (fields, "email", "&s", NULL));
}

/* The next push to @p is PRESENCE (@who, @online). */
void
take_presence (Person   *p,
               Person   *who,
               gboolean  online)
{
  g_autoptr(XgProtoFrame) frame = push (p, XG_PACKET_PRESENCE);
  guint64 id;
  gboolean is_online;

  xg_proto_presence_get (frame->body, &id, &is_online);
  g_assert_cmpuint (id, ==, who->id);
  g_assert_cmpint (is_online, ==, online);
}

/* --- Flows --------------------------------------------------------------- */

void
send_request (Person     *from,
              Person     *to,
              const char *greeting)
{
  g_autoptr(XgProtoFrame) sent = ask (from, XG_PACKET_FRIEND_REQUEST,
                                      xg_proto_friend_request_new (from->id, to->id, greeting),
                                      XG_PACKET_FRIEND_REQUEST_SENT);
  guint64 requester, target;

  xg_proto_friend_request_sent_get (sent->body, &requester, &target);
  g_assert_cmpuint (requester, ==, from->id);
  g_assert_cmpuint (target, ==, to->id);
}

/* @to, online, takes the request's push. */
void
take_incoming (Person     *to,
               Person     *from,
               const char *greeting)
{
  g_autoptr(XgProtoFrame) incoming = push (to, XG_PACKET_FRIEND_REQUEST_INCOMING);
  guint64 requester, target;
  const char *got_greeting, *nickname;
  gint64 time;

  xg_proto_friend_request_incoming_get (incoming->body, &requester, &target, &got_greeting, &nickname, &time);
  g_assert_cmpuint (requester, ==, from->id);
  g_assert_cmpuint (target, ==, to->id);
  g_assert_cmpstr (got_greeting, ==, greeting);
  g_assert_cmpstr (nickname, ==, from->nickname);
  /* Seconds, on the server's clock. */
  g_assert_cmpint (time, >=, xg_test_server_now (to->server) - 5);
  g_assert_cmpint (time, <=, xg_test_server_now (to->server) + 1);
}

/* Both online: @a asks, @b accepts; every push is checked and taken. */
void
befriend (Person *a,
          Person *b)
{
  g_autoptr(XgProtoFrame) answer = NULL;
  g_autoptr(XgProtoFrame) pushed = NULL;
  g_autoptr(XgProtoFrame) list_a = NULL;
  g_autoptr(XgProtoFrame) list_b = NULL;

  send_request (a, b, "hi");
  take_incoming (b, a, "hi");

  answer = ask (b, XG_PACKET_FRIEND_ACCEPT, xg_proto_friend_accept_new (b->id, a->id),
                XG_PACKET_FRIEND_REQUEST_ACCEPTED);
  assert_accepted (answer, b, a, a);
  list_b = push (b, XG_PACKET_FRIEND_LIST);
  assert_friend (list_b, a, "", TRUE);

  pushed = push (a, XG_PACKET_FRIEND_REQUEST_ACCEPTED);
  assert_accepted (pushed, b, a, b);
  list_a = push (a, XG_PACKET_FRIEND_LIST);
  assert_friend (list_a, b, "", TRUE);
}

/* A login's sync, PRESENCE left out, must be exactly these types. */
void
assert_sync_types (GPtrArray     *sync,
                   const guint16 *types,
                   guint          n_types)
{
  g_autoptr(GPtrArray) all = without_presence (sync);
  g_autoptr(GPtrArray) frames = g_ptr_array_new ();

  /* The groups' part (0x04xx, test-groups.c checks it) is not the friends'. */
  for (guint i = 0; i < all->len; i++)
    if ((((XgProtoFrame *) all->pdata[i])->type & 0xff00) != 0x0400)
      g_ptr_array_add (frames, all->pdata[i]);

  for (guint i = 0; i < MAX (frames->len, n_types); i++)
    {
      guint16 got = i < frames->len ? ((XgProtoFrame *) frames->pdata[i])->type : 0;
      guint16 want = i < n_types ? types[i] : 0;

      if (got != want)
        g_error ("Login sync item %u: expected %s, got %s", i,
                 want ? xg_proto_packet_info (want)->name : "nothing",
                 got ? xg_proto_packet_info (got)->name : "nothing");
    }
}

/* --- Messages ------------------------------------------------------------ */

guint64
random_id (void)
{
  return ((guint64) g_random_int () << 32) | g_random_int ();
}

GBytes *
text (const char *s)
{
  return g_bytes_new (s, strlen (s));
}

/* @ack answers @from's send of @client_msg_id: checks it and returns the
 * sequence number. */
guint64
take_sent_ack (Person       *from,
               XgProtoFrame *ack,
               guint64       client_msg_id,
               gint64       *server_time)
{
  guint64 got_id, seq;
  gint64 time;

  xg_proto_msg_sent_ack_get (ack->body, &got_id, &seq, &time);
  g_assert_cmpuint (got_id, ==, client_msg_id);
  g_assert_cmpuint (seq, >, 0);
  g_assert_cmpint (time, >, (xg_test_server_now (from->server) - 5) * G_USEC_PER_SEC);
  if (server_time != NULL)
    *server_time = time;
  return seq;
}

void
delivered_clear (Delivered *d)
{
  g_clear_pointer (&d->payload, g_bytes_unref);
}

/* CHAT_DELIVER, OFFLINE_CHAT_DELIVER, GROUP_DELIVER or
 * OFFLINE_GROUP_DELIVER, whichever @frame is. */
void
read_delivered (XgProtoFrame *frame,
                Delivered    *d)
{
  d->kind = 1;
  if (frame->type == XG_PACKET_GROUP_DELIVER)
    xg_proto_group_deliver_get (frame->body, &d->seq, &d->client_msg_id, &d->sender_id, &d->conversation,
                                &d->msg_type, &d->payload, &d->server_time);
  else if (frame->type == XG_PACKET_OFFLINE_GROUP_DELIVER)
    xg_proto_offline_group_deliver_get (frame->body, &d->seq, &d->client_msg_id, &d->sender_id, &d->conversation,
                                        &d->msg_type, &d->payload, &d->server_time);
  else if (frame->type == XG_PACKET_CHAT_DELIVER)
    {
      d->kind = 0;
      xg_proto_chat_deliver_get (frame->body, &d->seq, &d->client_msg_id, &d->sender_id, &d->conversation,
                                 &d->msg_type, &d->payload, &d->server_time);
    }
  else if (frame->type == XG_PACKET_OFFLINE_CHAT_DELIVER)
    {
      d->kind = 0;
      xg_proto_offline_chat_deliver_get (frame->body, &d->seq, &d->client_msg_id, &d->sender_id,
                                         &d->conversation, &d->msg_type, &d->payload, &d->server_time);
    }
  else
    g_error ("Expected a delivery, got %s", xg_proto_packet_info (frame->type)->name);
  g_assert_cmpuint (frame->request_id, ==, 0);
}

/* MSG_RECEIVED_ACK of (@kind, @id) up to @seq. */
void
acknowledge (Person  *p,
             guint    kind,
             guint64  id,
             guint64  seq)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ytt)"));
  g_variant_builder_add (&builder, "(ytt)", kind, id, seq);
  xg_test_client_send (p->client, XG_PACKET_MSG_RECEIVED_ACK,
                       xg_proto_msg_received_ack_new (g_variant_builder_end (&builder)));
}
