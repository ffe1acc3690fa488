/* xg-bench-group.c: group fan-out, Xinge against mosquitto
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A benchmark, not a test (docs/BENCHMARKS.md). It
 *
 *  1. seeds N accounts (500) with resume tokens through the server's store,
 *     and one group of all of them, made by the store's own operations
 *     (GROUP_CREATE, then each member's join request and its approval);
 *  2. starts the real xinge-server, logs every member in with TOKEN_LOGIN
 *     and runs the live fan-out: S senders (members too) each send R
 *     100-byte GROUP_SENDs a second on a clock (open loop) for D seconds;
 *     every other member reads GROUP_DELIVER and acknowledges what it read
 *     with one MSG_RECEIVED_ACK per read burst, as a client does. It
 *     prints delivered member-messages/s and p50/p99 of send→delivery
 *     (from the scheduled send time);
 *  3. the catch-up: O of the members (450) go offline, the senders post B
 *     messages, then the O log in together; it prints the time until every
 *     one of them has all B (OFFLINE_GROUP_DELIVER in pages, each page
 *     acknowledged as it is read);
 *  4. when mosquitto is installed, does the same against it with the same
 *     client code and threads: N QoS 1 subscribers of one topic with
 *     persistent sessions (clean session 0), S separate publishers
 *     (MQTT 3.1.1 has no "no local", so a member cannot publish without
 *     getting its own copy), PUBACK for every PUBLISH; for the catch-up the
 *     O disconnect and connect again, and get what was queued for them;
 *  5. in rounds, both servers in each round, with the ratios.
 *
 * Every delivery is checked (Xinge: each member sees increasing sequence
 * numbers, never its own message; both: each member gets every message
 * once). The last line is "deliveries: N, failures: K"; the exit status is
 * non-zero when K > 0.
 */
#define G_LOG_DOMAIN "xg-bench"
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include "xg-bench-common.h"
#include "xg-proto.h"

#ifndef XG_BENCH_SERVER_BINARY
#define XG_BENCH_SERVER_BINARY "xinge-server"
#endif

#define PAYLOAD_SIZE   100
#define IO_TIMEOUT_US  (30 * G_USEC_PER_SEC)
#define DRAIN_US       (30 * G_USEC_PER_SEC)
#define READ_CHUNK     65536
#define TOPIC          "xg-bench/group"

#define MQTT_CONNECT    0x10
#define MQTT_CONNACK    0x20
#define MQTT_PUBLISH    0x30
#define MQTT_PUBACK     0x40
#define MQTT_SUBSCRIBE  0x82
#define MQTT_SUBACK     0x90
#define MQTT_DISCONNECT 0xe0

static int opt_members = 500;
static int opt_senders = 10;
static double opt_rate = 1;
static double opt_duration = 10;
static int opt_offline = 450;
static int opt_backlog = 100;
static int opt_threads = 2;
static int opt_rounds = 2;
static char *opt_transport;
static char *opt_server;
static char *opt_mosquitto;
static gboolean opt_no_mosquitto;

static const GOptionEntry option_entries[] = {
  { "members", 0, 0, G_OPTION_ARG_INT, &opt_members, "Members of the group (500)", "N" },
  { "senders", 0, 0, G_OPTION_ARG_INT, &opt_senders, "Members who send (10)", "S" },
  { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &opt_rate, "Messages per second per sender (1)", "R" },
  { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &opt_duration, "Seconds of live sending (10)", "D" },
  { "offline", 0, 0, G_OPTION_ARG_INT, &opt_offline, "Members offline for the catch-up (450)", "O" },
  { "backlog", 0, 0, G_OPTION_ARG_INT, &opt_backlog, "Messages posted while they are offline (100)", "B" },
  { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads, "Client threads (2)", "T" },
  { "rounds", 0, 0, G_OPTION_ARG_INT, &opt_rounds, "Rounds, both servers in each (2)", "K" },
  { "transport", 0, 0, G_OPTION_ARG_STRING, &opt_transport, "tls (default) or plain", "T" },
  { "server", 0, 0, G_OPTION_ARG_FILENAME, &opt_server, "The xinge-server binary", "PATH" },
  { "mosquitto", 0, 0, G_OPTION_ARG_FILENAME, &opt_mosquitto, "The mosquitto binary (/usr/sbin/mosquitto)", "PATH" },
  { "no-mosquitto", 0, 0, G_OPTION_ARG_NONE, &opt_no_mosquitto, "Do not run mosquitto", NULL },
  { NULL }
};

typedef enum {
  TARGET_XINGE,
  TARGET_MOSQUITTO,
  N_TARGETS,
} Target;

static const char *const target_names[] = { "xinge", "mosquitto" };

/* One member's connection (or, for mosquitto, a publisher's). */
typedef struct {
  guint              index;
  guint64            id;
  GBytes            *token;
  gboolean           sender;
  gboolean           publisher;      /* mosquitto: a separate publishing client */
  gboolean           online;

  XgBenchLink        link;

  /* This phase. */
  guint              planned;        /* sends scheduled this phase */
  guint              sent;
  guint              acked;
  guint              received;
  guint              redelivered;    /* MQTT: a message again (QoS 1 is at least once) */
  GHashTable        *seen;           /* MQTT: the send stamps of this phase's messages */
  guint64            last_seq;       /* Xinge: the highest seq delivered */
  guint64            ack_due;        /* Xinge: delivered, not yet acknowledged */
  gint64             next_at;        /* a sender's next scheduled send */
  guint              failures;
} Member;

typedef struct {
  Target          target;
  gboolean        tls;
  XgBenchServer   xinge;
  XgBenchPin      pin;
  XgBenchMosquitto mosquitto;
  GSocketAddress *address;
  int             pid;
} Session;

typedef struct {
  guint    first;                    /* members first, first + step, … */
  gint64   stop_sending;
  gint64   interval;                 /* µs between one sender's sends */
  guint    expected;                 /* messages sent this phase, in all */
  gboolean count_latency;
  GArray  *latencies;                /* ms */
  gint64   last_delivery;
  gint64   done_at;                  /* when its last member had everything */
} Worker;

static struct {
  char     *data_dir;
  char     *server_binary;
  char     *mosquitto_binary;
  Member   *members;                 /* opt_members, then (mosquitto) the publishers */
  guint64   group_id;                /* the seeded group's number */
  guint     n_links;
  Session  *session;
  guint64   deliveries;
  guint64   failures;
} bench;

static void
fail (Member     *m,
      const char *what)
{
  static int reported;

  m->failures++;
  if (g_atomic_int_add (&reported, 1) < XG_BENCH_MAX_REPORTED)
    g_printerr ("error: member %u: %s\n", m->index, what);
}

/* --- Links --------------------------------------------------------------- */

static void
link_close (Member *m)
{
  xg_bench_link_close (&m->link);
  m->online = FALSE;
}

static gboolean
link_open (Member   *m,
           Session  *session,
           GError  **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, IO_TIMEOUT_US / G_USEC_PER_SEC);
  if (!xg_bench_link_open (&m->link, client, session->address, session->tls ? &session->pin : NULL, error))
    return FALSE;
  m->online = TRUE;
  return TRUE;
}

static gboolean
link_flush (Member  *m,
            GError **error)
{
  return xg_bench_link_flush (&m->link, error);
}

/* Reads what has arrived into @m->link.rbuf; FALSE when the link failed. */
static gboolean
link_read (Member  *m,
           GError **error)
{
  guint8 buffer[READ_CHUNK];

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (m->link.input, buffer, sizeof buffer, NULL, &local_error);

      if (n < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return TRUE;
      if (n <= 0)
        {
          if (local_error != NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "closed by the server");
          return FALSE;
        }
      g_byte_array_append (m->link.rbuf, buffer, n);
    }
}

static gboolean
link_wait (Member  *m,
           gint64   deadline,
           GError **error)
{
  return xg_bench_link_wait (&m->link, deadline, error);
}

/* --- Payloads ------------------------------------------------------------ */

/* 100 bytes of ASCII: the scheduled send time (monotonic µs) in hex, then filler. */
static void
payload_fill (guint8 *out,
              gint64  at)
{
  char head[24];
  int n = g_snprintf (head, sizeof head, "%016" G_GINT64_MODIFIER "x ", at);

  memset (out, 'x', PAYLOAD_SIZE);
  memcpy (out, head, n);
}

static gint64
payload_time (const guint8 *data,
              gsize         len)
{
  char head[17];

  if (len != PAYLOAD_SIZE)
    return -1;
  memcpy (head, data, 16);
  head[16] = '\0';
  return (gint64) g_ascii_strtoull (head, NULL, 16);
}

/* --- Xinge --------------------------------------------------------------- */

static void
xinge_queue (Member   *m,
             guint16   type,
             GVariant *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = xg_proto_frame_encode (type, m->link.next_request_id++, body, &error);
  gsize size;
  const guint8 *data;

  g_assert_no_error (error);
  data = g_bytes_get_data (frame, &size);
  g_byte_array_append (m->link.wbuf, data, size);
}

/* The next whole frame of @m->link.rbuf, or NULL. */
static XgProtoFrame *
xinge_next_frame (Member  *m,
                  GError **error)
{
  XgProtoFrame *frame = NULL;
  gsize used;

  if (m->link.rbuf->len == 0)
    return NULL;
  used = xg_proto_decoder_feed (m->link.decoder, m->link.rbuf->data, m->link.rbuf->len, &frame, error);
  g_byte_array_remove_range (m->link.rbuf, 0, used);
  return frame;
}

/* Blocks until a frame of @type came; the pushes before it are dropped. */
static gboolean
xinge_wait_for (Member  *m,
                guint16  type,
                GError **error)
{
  gint64 deadline = g_get_monotonic_time () + IO_TIMEOUT_US;

  if (!link_flush (m, error))
    return FALSE;
  for (;;)
    {
      XgProtoFrame *frame;

      while ((frame = xinge_next_frame (m, error)) != NULL)
        {
          guint16 got = frame->type;

          xg_proto_frame_free (frame);
          if (got == type)
            return TRUE;
          if (got == XG_PACKET_ERROR || got == XG_PACKET_LOGIN_FAIL || got == XG_PACKET_FORCED_LOGOUT)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "got %s", xg_proto_packet_info (got)->name);
              return FALSE;
            }
        }
      if (error != NULL && *error != NULL)
        return FALSE;
      if (!link_wait (m, deadline, error) || !link_read (m, error))
        return FALSE;
    }
}

/* HELLO, TOKEN_LOGIN, the sync up to SYNC_DONE; a backlog that follows
 * stays in @m->link.rbuf for the run loop. */
static gboolean
xinge_login (Member   *m,
             Session  *session,
             GError  **error)
{
  if (!link_open (m, session, error))
    return FALSE;
  xinge_queue (m, XG_PACKET_HELLO, xg_proto_hello_new (XG_PROTO_VERSION, "xg-bench-group", PACKAGE_VERSION));
  if (!xinge_wait_for (m, XG_PACKET_WELCOME, error))
    return FALSE;
  xinge_queue (m, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (m->id, m->token));
  return xinge_wait_for (m, XG_PACKET_SYNC_DONE, error);
}

static void
record_delivery (Member       *m,
                 Worker       *w,
                 const guint8 *data,
                 gsize         len,
                 gint64        now)
{
  gint64 at = payload_time (data, len);

  if (at < 0)
    {
      fail (m, "a payload changed on the way");
      return;
    }
  m->received++;
  w->last_delivery = now;
  if (w->count_latency)
    {
      gdouble ms = (now - at) / 1000.0;

      g_array_append_val (w->latencies, ms);
    }
}

static void
xinge_handle (Member       *m,
              Worker       *w,
              XgProtoFrame *frame,
              gint64        now)
{
  guint64 seq, client_msg_id, sender, group;
  guint32 type;
  g_autoptr(GBytes) payload = NULL;
  gint64 time;

  switch (frame->type)
    {
    case XG_PACKET_MSG_SENT_ACK:
      m->acked++;
      break;
    case XG_PACKET_GROUP_DELIVER:
    case XG_PACKET_OFFLINE_GROUP_DELIVER:
      /* The two have the same body. */
      xg_proto_group_deliver_get (frame->body, &seq, &client_msg_id, &sender, &group, &type, &payload, &time);
      if (sender == m->id || group != bench.group_id || seq <= m->last_seq)
        {
          fail (m, "a delivery out of order, of its own, or of another group");
          break;
        }
      m->last_seq = m->ack_due = seq;
      record_delivery (m, w, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), now);
      break;
    case XG_PACKET_ERROR:
    case XG_PACKET_FORCED_LOGOUT:
      fail (m, xg_proto_packet_info (frame->type)->name);
      break;
    default:
      break;   /* MSG_DELIVERED, HEARTBEAT_ACK… */
    }
}

static void
xinge_send (Member *m,
            gint64  at)
{
  guint8 payload[PAYLOAD_SIZE];
  g_autoptr(GBytes) bytes = NULL;

  payload_fill (payload, at);
  bytes = g_bytes_new (payload, PAYLOAD_SIZE);
  xinge_queue (m, XG_PACKET_GROUP_SEND,
               xg_proto_group_send_new (((guint64) g_random_int () << 32) | g_random_int (), m->id, bench.group_id,
                                        XG_PROTO_MESSAGE_TEXT, bytes));
  m->sent++;
}

/* --- MQTT ---------------------------------------------------------------- */

/* The next whole packet of @m->link.rbuf: its first byte, body and length;
 * the caller drops @consumed bytes after handling it. */
static gboolean
mqtt_next_packet (Member        *m,
                  guint8        *type,
                  const guint8 **body,
                  gsize         *len,
                  gsize         *consumed)
{
  const guint8 *p = m->link.rbuf->data;
  gsize avail = m->link.rbuf->len, length = 0, header = 1;
  guint shift = 0;

  if (avail < 2)
    return FALSE;
  for (;;)
    {
      if (header >= avail || header > 4)
        return FALSE;
      length |= (gsize) (p[header] & 0x7f) << shift;
      shift += 7;
      if ((p[header++] & 0x80) == 0)
        break;
    }
  if (avail < header + length)
    return FALSE;
  *type = p[0];
  *body = p + header;
  *len = length;
  *consumed = header + length;
  return TRUE;
}

static gboolean
mqtt_wait_for (Member  *m,
               guint8   want,
               GError **error)
{
  gint64 deadline = g_get_monotonic_time () + IO_TIMEOUT_US;

  if (!link_flush (m, error))
    return FALSE;
  for (;;)
    {
      guint8 type;
      const guint8 *body;
      gsize len, consumed;

      if (mqtt_next_packet (m, &type, &body, &len, &consumed))
        {
          gboolean ok = (type & 0xf0) == want;

          g_byte_array_remove_range (m->link.rbuf, 0, consumed);
          if (!ok)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "MQTT 0x%02x instead of 0x%02x", type, want);
              return FALSE;
            }
          return TRUE;
        }
      if (!link_wait (m, deadline, error) || !link_read (m, error))
        return FALSE;
    }
}

/* CONNECT with a persistent session (clean session 0) for subscribers,
 * then SUBSCRIBE at QoS 1 the first time. */
static gboolean
mqtt_login (Member    *m,
            Session   *session,
            gboolean   subscribe,
            GError   **error)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autofree char *client_id = g_strdup_printf ("xg-bench-%s-%u", m->publisher ? "pub" : "sub", m->index);
  guint8 level_flags[2] = { 4, m->publisher ? 0x02 : 0x00 };

  if (!link_open (m, session, error))
    return FALSE;
  xg_bench_mqtt_put_string (body, "MQTT");
  g_byte_array_append (body, level_flags, 2);
  xg_bench_mqtt_put_u16 (body, 600);
  xg_bench_mqtt_put_string (body, client_id);
  xg_bench_mqtt_queue (&m->link, MQTT_CONNECT, body->data, body->len);
  if (!mqtt_wait_for (m, MQTT_CONNACK, error))
    return FALSE;
  if (!subscribe)
    return TRUE;
  g_byte_array_set_size (body, 0);
  xg_bench_mqtt_put_u16 (body, 1);
  xg_bench_mqtt_put_string (body, TOPIC);
  g_byte_array_append (body, (const guint8 *) "\x01", 1);
  xg_bench_mqtt_queue (&m->link, MQTT_SUBSCRIBE, body->data, body->len);
  return mqtt_wait_for (m, MQTT_SUBACK, error);
}

static void
mqtt_send (Member *m,
           gint64  at)
{
  guint8 payload[PAYLOAD_SIZE];
  guint8 header = MQTT_PUBLISH | 0x02;   /* QoS 1 */

  payload_fill (payload, at);
  g_byte_array_append (m->link.wbuf, &header, 1);
  xg_bench_mqtt_put_length (m->link.wbuf, 2 + strlen (TOPIC) + 2 + PAYLOAD_SIZE);
  xg_bench_mqtt_put_string (m->link.wbuf, TOPIC);
  if (m->link.next_packet_id == 0)
    m->link.next_packet_id = 1;
  xg_bench_mqtt_put_u16 (m->link.wbuf, m->link.next_packet_id++);
  g_byte_array_append (m->link.wbuf, payload, PAYLOAD_SIZE);
  m->sent++;
}

static void
mqtt_handle (Member       *m,
             Worker       *w,
             guint8        type,
             const guint8 *body,
             gsize         len,
             gint64        now)
{
  if ((type & 0xf0) == MQTT_PUBACK)
    m->acked++;
  else if ((type & 0xf0) == MQTT_PUBLISH && (type & 0x06) == 0x02 && len >= 4)
    {
      gsize topic_len = (body[0] << 8) | body[1];
      const guint8 *id = body + 2 + topic_len;
      guint8 ack[2];

      if (2 + topic_len + 2 > len)
        {
          fail (m, "a short PUBLISH");
          return;
        }
      ack[0] = id[0];
      ack[1] = id[1];
      xg_bench_mqtt_queue (&m->link, MQTT_PUBACK, ack, 2);
      /* QoS 1 is at least once: a message may come again after a
       * reconnect (DUP or not); each is counted once, by its stamp. */
      if (m->seen == NULL)
        m->seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      {
        gint64 stamp = payload_time (id + 2, len - (2 + topic_len + 2));
        gint64 *key = g_new (gint64, 1);

        *key = stamp;
        if (stamp >= 0 && g_hash_table_contains (m->seen, key))
          {
            m->redelivered++;
            g_free (key);
          }
        else
          {
            g_hash_table_add (m->seen, key);
            record_delivery (m, w, id + 2, len - (2 + topic_len + 2), now);
          }
      }
    }
  else
    fail (m, "an unexpected MQTT packet");
}

/* --- The run loop --------------------------------------------------------- */

/* Whether @m has every answer to its sends and every message of the
 * others (Xinge: not its own; MQTT publishers subscribe to nothing). */
static gboolean
member_done (Member *m,
             Worker *w)
{
  if (!m->online)
    return TRUE;
  if (m->acked < m->planned)
    return FALSE;
  if (m->publisher)
    return TRUE;
  return m->received >= w->expected - (bench.session->target == TARGET_XINGE ? m->planned : 0);
}

/* Handles what @m has read and answers it. */
static void
member_take (Member *m,
             Worker *w,
             gint64  now)
{
  g_autoptr(GError) error = NULL;

  if (bench.session->target == TARGET_XINGE)
    {
      XgProtoFrame *frame;

      while ((frame = xinge_next_frame (m, &error)) != NULL)
        {
          xinge_handle (m, w, frame, now);
          xg_proto_frame_free (frame);
        }
      if (error != NULL)
        fail (m, error->message);
      /* One cumulative acknowledgement per read burst, as a client does. */
      if (m->ack_due != 0)
        {
          GVariantBuilder builder;

          g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ytt)"));
          g_variant_builder_add (&builder, "(ytt)", 1, (guint64) bench.group_id, m->ack_due);
          xinge_queue (m, XG_PACKET_MSG_RECEIVED_ACK, xg_proto_msg_received_ack_new (g_variant_builder_end (&builder)));
          m->ack_due = 0;
        }
    }
  else
    {
      guint8 type;
      const guint8 *body;
      gsize len, consumed;

      while (mqtt_next_packet (m, &type, &body, &len, &consumed))
        {
          mqtt_handle (m, w, type, body, len, now);
          g_byte_array_remove_range (m->link.rbuf, 0, consumed);
        }
    }
}

/* Takes what arrived on @m and answers it. */
static void
member_read (Member *m,
             Worker *w,
             gint64  now)
{
  g_autoptr(GError) error = NULL;

  if (!link_read (m, &error))
    {
      fail (m, error->message);
      link_close (m);
      return;
    }
  member_take (m, w, now);
}

/* Runs @w's members (first, first + step…) until sending has stopped
 * and each has what it should, or DRAIN_US after that. */
static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  guint step = (guint) opt_threads;
  g_autofree struct pollfd *fds = g_new0 (struct pollfd, bench.n_links);
  g_autofree Member **polled = g_new0 (Member *, bench.n_links);
  gint64 give_up = MAX (w->stop_sending, g_get_monotonic_time ()) + DRAIN_US;

  /* What came with the login (a backlog after SYNC_DONE, or CONNACK). */
  for (guint i = w->first; i < bench.n_links; i += step)
    if (bench.members[i].online && bench.members[i].link.rbuf->len > 0)
      member_take (&bench.members[i], w, g_get_monotonic_time ());

  for (;;)
    {
      gint64 now = g_get_monotonic_time (), wake = now + 100 * 1000;
      gboolean all_done = now >= w->stop_sending;
      guint n = 0;

      for (guint i = w->first; i < bench.n_links; i += step)
        {
          Member *m = &bench.members[i];
          gboolean sends = m->publisher || (m->sender && bench.session->target == TARGET_XINGE);

          if (!m->online)
            continue;
          /* Open loop: every send due by now, each stamped with its slot. */
          if (sends && w->interval > 0)
            {
              while (m->next_at <= now && m->next_at < w->stop_sending)
                {
                  if (bench.session->target == TARGET_XINGE)
                    xinge_send (m, m->next_at);
                  else
                    mqtt_send (m, m->next_at);
                  m->next_at += w->interval;
                }
              if (m->next_at < w->stop_sending)
                wake = MIN (wake, m->next_at);
            }
          if (m->link.wbuf->len > 0)
            {
              g_autoptr(GError) error = NULL;

              if (!link_flush (m, &error))
                {
                  fail (m, error->message);
                  link_close (m);
                  continue;
                }
            }
          if (!member_done (m, w))
            all_done = FALSE;
          fds[n] = (struct pollfd) { .fd = m->link.fd, .events = POLLIN };
          polled[n++] = m;
        }
      if (all_done)
        {
          if (w->done_at == 0)
            w->done_at = w->last_delivery ? w->last_delivery : now;
          return NULL;
        }
      if (now > give_up)
        return NULL;

      {
        gint64 left = MAX (0, wake - now);
        struct timespec ts = { left / G_USEC_PER_SEC, (left % G_USEC_PER_SEC) * 1000 };

        if (ppoll (fds, n, &ts, NULL) < 0 && errno != EINTR)
          return NULL;
      }
      now = g_get_monotonic_time ();
      for (guint i = 0; i < n; i++)
        if (fds[i].revents != 0)
          member_read (polled[i], w, now);
    }
}

typedef struct {
  gdouble  wall;             /* s, from the first scheduled send (or the logins) to the last delivery */
  guint64  sent;
  guint64  delivered;
  gdouble  rate;             /* member-messages/s */
  gdouble  p50, p99, max;    /* ms */
  gdouble  server_cpu;       /* s */
  guint64  failures;
  guint64  redelivered;
} Figures;

static void
phase_reset (void)
{
  for (guint i = 0; i < bench.n_links; i++)
    {
      Member *m = &bench.members[i];

      m->planned = m->sent = m->acked = m->received = m->redelivered = 0;
      if (m->seen != NULL)
        g_hash_table_remove_all (m->seen);
      m->ack_due = 0;
      m->failures = 0;
    }
}

/* Runs the workers from @start; senders send every @interval µs until
 * @stop. With no sending (@interval 0), the members wait for @expected
 * messages each (a backlog). */
static Figures
run_workers (gint64   start,
             gint64   stop,
             gint64   interval,
             guint    expected,
             gboolean latency,
             gint64   timer_from)
{
  g_autofree Worker *workers = g_new0 (Worker, opt_threads);
  g_autofree GThread **threads = g_new0 (GThread *, opt_threads);
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (gdouble));
  XgBenchProc before = xg_bench_proc_sample (bench.session->pid), after;
  Figures f = { 0, };
  gint64 done = 0;

  /* The senders' slots, spread over one interval; what each will send. */
  if (interval > 0)
    {
      expected = 0;
      for (guint i = 0; i < bench.n_links; i++)
        {
          Member *m = &bench.members[i];
          gboolean sends = m->publisher || (m->sender && bench.session->target == TARGET_XINGE);
          guint ordinal = m->publisher ? i - (guint) opt_members : i;

          if (!sends || !m->online)
            continue;
          m->next_at = start + interval * ordinal / opt_senders;
          m->planned = stop > m->next_at ? (guint) ((stop - m->next_at + interval - 1) / interval) : 0;
          expected += m->planned;
        }
    }
  for (int t = 0; t < opt_threads; t++)
    {
      Worker *w = &workers[t];

      w->first = t;
      w->stop_sending = stop;
      w->interval = interval;
      w->expected = expected;
      w->count_latency = latency;
      w->latencies = g_array_new (FALSE, FALSE, sizeof (gdouble));
      threads[t] = g_thread_new ("bench", worker_run, w);
    }
  for (int t = 0; t < opt_threads; t++)
    {
      Worker *w = &workers[t];

      g_thread_join (threads[t]);
      g_array_append_vals (latencies, w->latencies->data, w->latencies->len);
      done = MAX (done, w->done_at ? w->done_at : g_get_monotonic_time ());
      g_array_unref (w->latencies);
    }
  after = xg_bench_proc_sample (bench.session->pid);

  for (guint i = 0; i < bench.n_links; i++)
    {
      Member *m = &bench.members[i];

      f.sent += m->sent;
      f.delivered += m->received;
      f.redelivered += m->redelivered;
      if (m->online && !member_done (m, &workers[0]))
        fail (m, "did not get everything in time");
      f.failures += m->failures;
    }
  f.wall = (done - timer_from) / (gdouble) G_USEC_PER_SEC;
  f.rate = f.wall > 0 ? f.delivered / f.wall : 0;
  g_array_sort (latencies, xg_bench_compare_doubles);
  f.p50 = xg_bench_percentile (latencies, 0.50);
  f.p99 = xg_bench_percentile (latencies, 0.99);
  f.max = latencies->len ? g_array_index (latencies, gdouble, latencies->len - 1) : 0;
  f.server_cpu = before.ok && after.ok ? after.cpu - before.cpu : 0;
  bench.deliveries += f.delivered;
  bench.failures += f.failures;
  return f;
}

/* --- Servers ---------------------------------------------------------------- */

static gboolean
mosquitto_start (Session *session)
{
  if (!xg_bench_mosquitto_start (&session->mosquitto, bench.mosquitto_binary, bench.data_dir, session->tls, NULL))
    return FALSE;
  /* The same pin as for the Xinge server. */
  session->pin.fingerprint = session->mosquitto.fingerprint;
  session->address = g_object_ref (session->mosquitto.address);
  session->pid = session->mosquitto.pid;
  return TRUE;
}

/* Stops it (SIGTERM, then waits) and frees what it held. */
static void
mosquitto_stop (Session *session)
{
  xg_bench_mosquitto_clear (&session->mosquitto);
}

static gboolean
xinge_start (Session *session)
{
  g_autofree char *config = g_strdup_printf ("[server]\nmax-connections=%u\n\n"
                                             "[session]\nheartbeat-interval=60\nheartbeat-timeout=3600\n",
                                             bench.n_links + 100);

  session->xinge.data_dir = bench.data_dir;
  session->xinge.binary = bench.server_binary;
  session->xinge.plain = !session->tls;
  if (!xg_bench_server_start (&session->xinge, config))
    return FALSE;
  session->pin.fingerprint = session->xinge.fingerprint;
  session->address = g_object_ref (session->xinge.socket_address);
  session->pid = session->xinge.pid;
  return TRUE;
}

/* Logs in members @from … @to - 1 (and, for mosquitto, the publishers). */
static gboolean
log_in (Session  *session,
        guint     from,
        guint     to,
        gboolean  subscribe)
{
  for (guint i = from; i < to; i++)
    {
      Member *m = &bench.members[i];
      g_autoptr(GError) error = NULL;
      gboolean ok = session->target == TARGET_XINGE ? xinge_login (m, session, &error)
                                                     : mqtt_login (m, session, subscribe && !m->publisher, &error);

      if (!ok)
        {
          g_printerr ("%s: member %u cannot log in: %s\n", target_names[session->target], i, error->message);
          return FALSE;
        }
    }
  return TRUE;
}

typedef struct {
  Session  *session;
  guint     from;
  guint     to;
  guint     step;
  gboolean  subscribe;
  gboolean  ok;
} LoginShare;

static gpointer
log_in_share (gpointer data)
{
  LoginShare *share = data;

  share->ok = TRUE;
  for (guint i = share->from; i < share->to && share->ok; i += share->step)
    share->ok = log_in (share->session, i, i + 1, share->subscribe);
  return NULL;
}

/* As log_in, by the client threads at once. */
static gboolean
log_in_together (Session  *session,
                 guint     from,
                 guint     to,
                 gboolean  subscribe)
{
  g_autofree LoginShare *shares = g_new0 (LoginShare, opt_threads);
  g_autofree GThread **threads = g_new0 (GThread *, opt_threads);
  gboolean ok = TRUE;

  for (int t = 0; t < opt_threads; t++)
    {
      shares[t] = (LoginShare) { session, from + t, to, opt_threads, subscribe, FALSE };
      threads[t] = g_thread_new ("login", log_in_share, &shares[t]);
    }
  for (int t = 0; t < opt_threads; t++)
    {
      g_thread_join (threads[t]);
      ok = ok && shares[t].ok;
    }
  return ok;
}

/* --- Seeding ---------------------------------------------------------------- */

static gboolean
seed (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint64 *ids = g_new0 (guint64, opt_members);
  g_autofree GBytes **tokens = g_new0 (GBytes *, opt_members);
  XgBenchSeeder *seeder = xg_bench_seeder_new (bench.data_dir, &error);
  gboolean ok;

  if (seeder == NULL)
    {
      g_printerr ("Seeding: %s\n", error->message);
      return FALSE;
    }
  ok = xg_bench_seed_accounts (seeder, 0, opt_members, ids) && xg_bench_seed_tokens (seeder, ids, opt_members, tokens) &&
       xg_bench_seed_group (seeder, "bench", ids, opt_members, &bench.group_id);
  xg_bench_seeder_free (seeder);
  if (!ok)
    return FALSE;

  for (int i = 0; i < opt_members; i++)
    {
      Member *m = &bench.members[i];

      m->index = i;
      m->id = ids[i];
      m->token = tokens[i];
    }
  return TRUE;
}

/* --- Rounds ----------------------------------------------------------------- */

typedef struct {
  Figures live;
  Figures catchup;
  gdouble login_s;
  gboolean ran;
} Round;

static void
print_figures (const char    *label,
               const Figures *f)
{
  g_print ("  %-28s %8.0f member-msg/s  %7" G_GUINT64_FORMAT " sent  %9" G_GUINT64_FORMAT " delivered  "
           "p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  server CPU %5.2f s  redelivered %" G_GUINT64_FORMAT
           "  failures %" G_GUINT64_FORMAT "\n",
           label, f->rate, f->sent, f->delivered, f->p50, f->p99, f->max, f->server_cpu, f->redelivered, f->failures);
}

static gboolean
run_target (Target  target,
            Round  *round)
{
  Session session = { .target = target, .tls = g_strcmp0 (opt_transport, "plain") != 0 };
  guint receivers = target == TARGET_XINGE ? (guint) opt_members - 1 : (guint) opt_members;
  guint first_offline = opt_members - opt_offline;
  gint64 start, interval = (gint64) (G_USEC_PER_SEC / opt_rate);
  gboolean ok;
  g_autofree char *label = NULL;

  bench.session = &session;
  bench.n_links = target == TARGET_XINGE ? (guint) opt_members : (guint) (opt_members + opt_senders);
  for (guint i = 0; i < bench.n_links; i++)
    {
      Member *m = &bench.members[i];

      m->index = i;
      m->sender = i < (guint) opt_senders;
      m->publisher = i >= (guint) opt_members;
    }

  ok = target == TARGET_XINGE ? xinge_start (&session) : mosquitto_start (&session);
  ok = ok && log_in_together (&session, 0, bench.n_links, TRUE);
  if (ok)
    {
      /* Live: every member online. Xinge: let the empty backlog reads end. */
      g_usleep (500 * 1000);
      phase_reset ();
      start = g_get_monotonic_time () + 100 * 1000;
      round->live = run_workers (start, start + (gint64) (opt_duration * G_USEC_PER_SEC), interval, 0, TRUE, start);
      /* What each receiver should have had: every message sent, but its own. */
      if (round->live.delivered != round->live.sent * receivers)
        {
          g_printerr ("%s: %" G_GUINT64_FORMAT " deliveries, expected %" G_GUINT64_FORMAT "\n", target_names[target],
                      round->live.delivered, round->live.sent * receivers);
          round->live.failures++;
          bench.failures++;
        }
      label = g_strdup_printf ("%s live", target_names[target]);
      print_figures (label, &round->live);
    }

  if (ok && opt_offline > 0 && opt_backlog > 0)
    {
      gint64 logins;
      guint64 expected_catchup;
      Figures posted;

      /* The offline members leave, the senders post the backlog as fast
       * as they go, the online ones take it live. */
      for (guint i = first_offline; i < (guint) opt_members; i++)
        {
          Member *m = &bench.members[i];

          if (target == TARGET_MOSQUITTO)
            {
              g_autoptr(GError) error = NULL;

              xg_bench_mqtt_queue (&m->link, MQTT_DISCONNECT, NULL, 0);
              link_flush (m, &error);
            }
          link_close (m);
        }
      g_usleep (500 * 1000);
      phase_reset ();
      start = g_get_monotonic_time ();
      posted = run_workers (start, start + (gint64) (opt_backlog / opt_senders) * 1000, 1000, 0, FALSE, start);
      expected_catchup = posted.sent;

      /* Together: all log in at once (one thread each share), then read. */
      phase_reset ();
      logins = g_get_monotonic_time ();
      ok = log_in_together (&session, first_offline, opt_members, FALSE);
      round->login_s = (g_get_monotonic_time () - logins) / (gdouble) G_USEC_PER_SEC;
      if (ok)
        {
          for (guint i = 0; i < first_offline; i++)
            bench.members[i].online = FALSE;   /* not part of this measurement */
          round->catchup = run_workers (0, 0, 0, (guint) expected_catchup, FALSE, logins);
          for (guint i = 0; i < first_offline; i++)
            bench.members[i].online = bench.members[i].link.stream != NULL;
          if (round->catchup.delivered != expected_catchup * opt_offline)
            {
              g_printerr ("%s: catch-up %" G_GUINT64_FORMAT " deliveries, expected %" G_GUINT64_FORMAT "\n",
                          target_names[target], round->catchup.delivered, expected_catchup * opt_offline);
              round->catchup.failures++;
              bench.failures++;
            }
          g_print ("  %-28s %d offline members, %" G_GUINT64_FORMAT " messages each: logins %.2f s, "
                   "all caught up %.2f s after the first login (%.0f member-msg/s), redelivered %" G_GUINT64_FORMAT
                   ", failures %" G_GUINT64_FORMAT "\n", target_names[target], opt_offline, expected_catchup,
                   round->login_s, round->catchup.wall, round->catchup.rate, round->catchup.redelivered,
                   round->catchup.failures);
        }
    }

  for (guint i = 0; i < bench.n_links; i++)
    link_close (&bench.members[i]);
  if (target == TARGET_XINGE)
    {
      if (session.xinge.process != NULL && xg_bench_server_stop (&session.xinge, SIGTERM, 60) != 0)
        {
          g_printerr ("xinge-server did not stop cleanly\n");
          ok = FALSE;
        }
    }
  else
    mosquitto_stop (&session);
  g_clear_object (&session.address);
  round->ran = ok;
  return ok;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- group fan-out, Xinge against mosquitto");
  g_autoptr(GError) error = NULL;
  g_autofree Round *rounds = NULL;
  gboolean with_mosquitto;

  g_option_context_add_main_entries (context, option_entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_members < 2 || opt_senders < 1 || opt_senders > opt_members || opt_rate <= 0 || opt_threads < 1 ||
      opt_offline < 0 || opt_offline > opt_members - opt_senders || opt_rounds < 1)
    {
      g_printerr ("Options out of range (see --help)\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  xg_bench_raise_fd_limit (2 * (opt_members + opt_senders) + 100);

  bench.server_binary = g_strdup (opt_server ? opt_server
                                  : g_getenv ("XG_SERVER_BINARY") ? g_getenv ("XG_SERVER_BINARY")
                                                                  : XG_BENCH_SERVER_BINARY);
  bench.mosquitto_binary = opt_mosquitto ? g_strdup (opt_mosquitto) : xg_bench_mosquitto_find ();
  if (opt_mosquitto != NULL && !g_file_test (opt_mosquitto, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("--mosquitto %s: not an executable\n", opt_mosquitto);
      return 2;
    }
  with_mosquitto = !opt_no_mosquitto && bench.mosquitto_binary != NULL;
  bench.data_dir = g_dir_make_tmp ("xg-bench-group-XXXXXX", &error);
  if (bench.data_dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  bench.members = g_new0 (Member, opt_members + opt_senders);

  g_print ("group fan-out: %d members, %d senders at %.2f msg/s each for %.0f s, %d offline then %d messages, "
           "%d client threads, %s\n", opt_members, opt_senders, opt_rate, opt_duration, opt_offline, opt_backlog,
           opt_threads, g_strcmp0 (opt_transport, "plain") == 0 ? "plain" : "tls");
  if (!with_mosquitto)
    g_print ("mosquitto: %s: Xinge only\n", opt_no_mosquitto ? "--no-mosquitto" : "not installed");
  if (!seed ())
    return 1;

  rounds = g_new0 (Round, 2 * opt_rounds);
  for (int r = 0; r < opt_rounds; r++)
    {
      Round *x = &rounds[2 * r], *q = &rounds[2 * r + 1];

      g_print ("round %d\n", r + 1);
      /* Xinge first: mosquitto takes its certificate. */
      if (!run_target (TARGET_XINGE, x))
        break;
      if (with_mosquitto && run_target (TARGET_MOSQUITTO, q) && x->live.rate > 0 && q->live.rate > 0)
        {
          g_print ("  ratio xinge/mosquitto: live delivered %.2fx, p99 %.2fx", x->live.rate / q->live.rate,
                   q->live.p99 > 0 ? x->live.p99 / q->live.p99 : 0);
          if (q->catchup.wall > 0)
            g_print (", catch-up time %.2fx", x->catchup.wall / q->catchup.wall);
          g_print ("\n");
        }
    }

  xg_bench_remove_tree (bench.data_dir);
  g_print ("deliveries: %" G_GUINT64_FORMAT ", failures: %" G_GUINT64_FORMAT "\n", bench.deliveries, bench.failures);
  return bench.failures > 0 ? 1 : 0;
}
