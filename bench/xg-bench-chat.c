/* xg-bench-chat.c: one-to-one chat throughput and latency, Xinge against mosquitto
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A benchmark, not a test (docs/BENCHMARKS.md). It
 *
 *  1. seeds 2P accounts with resume tokens and makes P sender→receiver
 *     pairs of friends, straight through the server's store;
 *  2. starts the real xinge-server (plain with --insecure-plain, or TLS),
 *     logs every account in with TOKEN_LOGIN, and runs the load: each
 *     sender keeps up to W CHAT_SENDs of 100-byte texts in flight (closed
 *     loop, as fast as it goes), then sends on a clock at a fixed total
 *     rate (open loop, latency from the scheduled time); each receiver
 *     acknowledges what it read with one cumulative MSG_RECEIVED_ACK per
 *     read burst, as a client does;
 *  3. when mosquitto is installed, starts it on loopback (plain listener,
 *     or TLS with the certificate the Xinge server created) and runs the
 *     same load with the same client threads: QoS 1 PUBLISH to a topic per
 *     pair that the receiver subscribed to at QoS 1, same payload, same
 *     window, receivers answering each PUBLISH with PUBACK;
 *  4. does that in rounds, both servers in each round, and prints the
 *     figures and the ratio Xinge / mosquitto for each.
 *
 * The MQTT client is a few lines of MQTT 3.1.1 over the same GIO streams,
 * so that both servers face the same client code, threads and TLS stack.
 *
 * Every message is checked: acknowledged once (Xinge: with the next
 * gapless seq of its conversation), delivered once, in order, unchanged;
 * Xinge senders must also hear MSG_DELIVERED up to their last seq. The
 * last line is "messages: N, failures: K"; the exit status is non-zero
 * when K > 0.
 */
#define G_LOG_DOMAIN "xg-bench"
#define _GNU_SOURCE   /* ppoll */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>

#include "xg-bench-common.h"
#include "xg-proto.h"

#ifndef XG_BENCH_SERVER_BINARY
#define XG_BENCH_SERVER_BINARY "xinge-server"
#endif

#define PAYLOAD_SIZE   100
#define IO_TIMEOUT_US  (30 * G_USEC_PER_SEC)
#define DRAIN_US       (30 * G_USEC_PER_SEC)
#define READ_CHUNK     65536

/* --- Options ------------------------------------------------------------- */

static int opt_pairs = 8;
static int opt_window = 16;
static int opt_threads = 2;
static double opt_duration = 5;
static int opt_rate = 10000;
static int opt_rounds = 3;
static char *opt_transport;
static char *opt_server;
static char *opt_mosquitto;
static gboolean opt_no_mosquitto;
static gboolean opt_keep_data;

static const GOptionEntry option_entries[] = {
  { "pairs", 'p', 0, G_OPTION_ARG_INT, &opt_pairs,
    "Sender→receiver pairs of friends (default 8)", "P" },
  { "window", 'w', 0, G_OPTION_ARG_INT, &opt_window,
    "Messages in flight per sender: sent, not yet acknowledged by the server (default 16)", "W" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &opt_threads,
    "Client threads; each runs whole pairs (default 2)", "T" },
  { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &opt_duration,
    "Seconds of sending in each load phase (default 5)", "SECONDS" },
  { "rate", 'r', 0, G_OPTION_ARG_INT, &opt_rate,
    "Total messages per second in the open-loop phase; 0 skips it (default 10000)", "MSG/S" },
  { "rounds", 'n', 0, G_OPTION_ARG_INT, &opt_rounds,
    "Rounds; each runs every server and transport once (default 3)", "N" },
  { "transport", 0, 0, G_OPTION_ARG_STRING, &opt_transport,
    "plain, tls or both (default both)", "WHICH" },
  { "server", 's', 0, G_OPTION_ARG_FILENAME, &opt_server,
    "The xinge-server binary (default: $XG_SERVER_BINARY, else the one built with this benchmark)", "PATH" },
  { "mosquitto", 0, 0, G_OPTION_ARG_FILENAME, &opt_mosquitto,
    "The mosquitto binary (default: mosquitto in PATH or /usr/sbin)", "PATH" },
  { "no-mosquitto", 0, 0, G_OPTION_ARG_NONE, &opt_no_mosquitto,
    "Xinge only", NULL },
  { "keep-data", 0, 0, G_OPTION_ARG_NONE, &opt_keep_data,
    "Keep the temporary data dir", NULL },
  { NULL }
};

/* --- State --------------------------------------------------------------- */

typedef enum {
  TARGET_XINGE,
  TARGET_MOSQUITTO,
  N_TARGETS,
} Target;

typedef enum {
  MODE_CLOSED,
  MODE_OPEN,
  N_MODES,
} Mode;

static const char *const target_names[] = { "xinge", "mosquitto" };
static const char *const mode_names[] = { "full speed", "open loop" };
static const char *const transport_names[] = { "plain", "tls" };

/* One client connection, used by one thread at a time. */
typedef struct {
  XgBenchLink        io;
  GQueue             frames;        /* Xinge: decoded, not yet handled (login) */
  gboolean           closed;
} Link;

typedef struct {
  guint    index;
  guint64  sender_id;
  guint64  receiver_id;
  GBytes  *sender_token;
  GBytes  *receiver_token;
  Link     s;
  Link     r;
  char    *topic;                   /* MQTT */

  /* Xinge: the conversation's last seq before this phase, and the highest
   * MSG_DELIVERED the sender has heard. */
  guint64  base_seq;
  guint64  receipt_seq;

  /* This phase. Message k (1…sent) was sent at send_time[k]. */
  guint64  msg_id_base;             /* Xinge client_msg_id = msg_id_base + k */
  guint    sent;
  guint    acked;                   /* acknowledgements received, distinct */
  guint    delivered;               /* delivered in order: 1…delivered */
  guint    ack_due;                 /* Xinge: last delivered but not yet acknowledged */
  gint64  *send_time;
  guint8  *ack_seen;
  guint    capacity;
  gint64   next_at;                 /* open loop: the next scheduled send */
  gint64   last_delivery;
  guint    failures;
} Pair;

typedef struct {
  Target         target;
  gboolean       tls;
  XgBenchServer  xinge;
  XgBenchPin     pin;
  XgBenchMosquitto mosquitto;
  GSocketAddress *address;
  int            pid;               /* the server being measured */
} Session;

typedef struct {
  Mode     mode;
  Pair    *pairs;
  guint    first;
  guint    step;
  gint64   start;
  gint64   stop;                    /* no new sends from then */
  gint64   interval;                /* open loop: µs between a pair's sends */
  GArray  *ack_latencies;           /* ms */
  GArray  *delivery_latencies;      /* ms */
  Target   target;
} Worker;

typedef struct {
  gboolean ran;
  guint    sent;
  guint    delivered;
  guint    failures;
  gdouble  wall;
  gdouble  rate;
  gdouble  ack_p50, ack_p99, del_p50, del_p99, del_max;
  gdouble  server_cpu_us;           /* per message delivered */
  gdouble  bench_cpu_us;
  gdouble  other_cpu;               /* seconds of the rest of the host */
} Figures;

static struct {
  char     *data_dir;
  char     *server_binary;
  char     *mosquitto_binary;
  Pair     *pairs;
  guint     n_pairs;
  Session  *session;
  int       errors_reported;        /* atomic */
  guint64   messages;
  guint64   failures;
} bench;

static void
report (const Pair *pair,
        const char *format,
        ...) G_GNUC_PRINTF (2, 3);

static void
report (const Pair *pair,
        const char *format,
        ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (g_atomic_int_add (&bench.errors_reported, 1) < XG_BENCH_MAX_REPORTED)
    g_printerr ("error: pair %u: %s\n", pair ? pair->index : 0, text);
  else if (g_atomic_int_get (&bench.errors_reported) == XG_BENCH_MAX_REPORTED + 1)
    g_printerr ("error: more errors follow; not shown\n");
}

static void
pair_fail (Pair       *pair,
           guint       count,
           const char *what)
{
  pair->failures += count;
  report (pair, "%s", what);
}

/* --- Links --------------------------------------------------------------- */

static void
link_clear (Link *link)
{
  xg_bench_link_close (&link->io);
  g_queue_clear_full (&link->frames, (GDestroyNotify) xg_proto_frame_free);
  link->closed = FALSE;
}

static gboolean
link_open (Link           *link,
           Session        *session,
           GSocketClient  *client,
           GError        **error)
{
  return xg_bench_link_open (&link->io, client, session->address, session->tls ? &session->pin : NULL, error);
}

static gboolean
link_flush (Link    *link,
            GError **error)
{
  return xg_bench_link_flush (&link->io, error);
}

typedef gboolean (*ChunkFunc) (Link         *link,
                               const guint8 *data,
                               gsize         len,
                               gpointer      user_data,
                               GError      **error);

/* Reads what has arrived until the socket has no more, handing each chunk
 * to @consume. Returns -1 on failure, else the number of bytes read. */
static gssize
link_read_burst (Link      *link,
                 ChunkFunc  consume,
                 gpointer   user_data,
                 GError   **error)
{
  guint8 buffer[READ_CHUNK];
  gssize total = 0;

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (link->io.input, buffer, sizeof buffer, NULL, &local_error);

      if (n < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return total;
      if (n < 0)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "reading: ");
          return -1;
        }
      if (n == 0)
        {
          link->closed = TRUE;
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "closed by the server");
          return -1;
        }
      if (!consume (link, buffer, n, user_data, error))
        return -1;
      total += n;
    }
}

/* Blocks until @link is readable or @deadline passes. */
static gboolean
link_wait (Link     *link,
           gint64    deadline,
           GError  **error)
{
  return xg_bench_link_wait (&link->io, deadline, error);
}

/* --- Payloads ------------------------------------------------------------ */

/* 100 bytes of ASCII text: message number, pair, phase, then filler. */
static void
payload_fill (guint8 *out,
              guint   k,
              guint   pair,
              guint   phase)
{
  char head[40];
  int n = g_snprintf (head, sizeof head, "%010u %06u %06u ", k, pair, phase);

  memset (out, 'x', PAYLOAD_SIZE);
  memcpy (out, head, MIN ((gsize) n, PAYLOAD_SIZE));
}

static gboolean
payload_check (const guint8 *data,
               gsize         len,
               guint         k,
               guint         pair,
               guint         phase)
{
  guint8 expected[PAYLOAD_SIZE];

  payload_fill (expected, k, pair, phase);
  return len == PAYLOAD_SIZE && memcmp (data, expected, PAYLOAD_SIZE) == 0;
}

static guint phase_serial;   /* the phase's number, in every payload */

/* --- Per-pair bookkeeping ------------------------------------------------- */

static void
pair_reserve (Pair  *pair,
              guint  k)
{
  if (k < pair->capacity)
    return;
  while (pair->capacity <= k)
    pair->capacity = MAX (1024, pair->capacity * 2);
  pair->send_time = g_renew (gint64, pair->send_time, pair->capacity);
  pair->ack_seen = g_realloc (pair->ack_seen, pair->capacity);
}

static void
pair_reset (Pair *pair)
{
  pair->sent = pair->acked = pair->delivered = pair->ack_due = 0;
  pair->last_delivery = 0;
  /* Random high half, the message number in the low half. */
  pair->msg_id_base = (guint64) g_random_int () << 32;
  if (pair->send_time != NULL)
    memset (pair->ack_seen, 0, pair->capacity);
}

static void
record_ack (Pair   *pair,
            Worker *w,
            guint   k,
            gint64  now)
{
  gdouble ms;

  if (k < 1 || k > pair->sent)
    {
      pair_fail (pair, 1, "acknowledgement of a message never sent");
      return;
    }
  if (pair->ack_seen[k])
    {
      pair_fail (pair, 1, "a message acknowledged twice");
      return;
    }
  pair->ack_seen[k] = 1;
  pair->acked++;
  ms = (now - pair->send_time[k]) / 1000.0;
  g_array_append_val (w->ack_latencies, ms);
}

/* Message @k arrived at the receiver. */
static gboolean
record_delivery (Pair   *pair,
                 Worker *w,
                 guint   k,
                 gint64  now)
{
  gdouble ms;

  if (k != pair->delivered + 1 || k > pair->sent)
    {
      g_autofree char *text = g_strdup_printf ("delivered message %u after %u (sent %u): not the next one", k,
                                               pair->delivered, pair->sent);
      pair_fail (pair, 1, text);
      return FALSE;
    }
  pair->delivered = k;
  pair->last_delivery = now;
  ms = (now - pair->send_time[k]) / 1000.0;
  g_array_append_val (w->delivery_latencies, ms);
  return TRUE;
}

/* --- Xinge ----------------------------------------------------------------- */

static gboolean
xinge_queue (Link      *link,
             guint16    type,
             GVariant  *body,
             GError   **error)
{
  g_autoptr(GBytes) frame = xg_proto_frame_encode (type, link->io.next_request_id++, body, error);
  gsize size;
  const guint8 *data;

  if (frame == NULL)
    return FALSE;
  data = g_bytes_get_data (frame, &size);
  g_byte_array_append (link->io.wbuf, data, size);
  return TRUE;
}

static gboolean
collect_frames (Link         *link,
                const guint8 *data,
                gsize         len,
                gpointer      user_data,
                GError      **error)
{
  GQueue *queue = user_data;
  gsize offset = 0;

  while (offset < len)
    {
      XgProtoFrame *frame = NULL;
      g_autoptr(GError) local_error = NULL;

      offset += xg_proto_decoder_feed (link->io.decoder, data + offset, len - offset, &frame, &local_error);
      if (local_error != NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "decoding: ");
          g_clear_pointer (&frame, xg_proto_frame_free);
          return FALSE;
        }
      if (frame != NULL)
        g_queue_push_tail (queue, frame);
    }
  return TRUE;
}

static char *
describe_frame (const XgProtoFrame *frame)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (frame->type);
  g_autofree char *body = frame->body ? g_variant_print (frame->body, FALSE) : g_strdup ("-");

  return g_strdup_printf ("%s %s", info ? info->name : "(unknown)", body);
}

/* Blocks until a frame of @type (answering @request_id, unless 0) came;
 * the pushes before it (PROFILE, FRIEND_LIST, PRESENCE…) are dropped. */
static XgProtoFrame *
xinge_expect (Link      *link,
              guint16    type,
              guint32    request_id,
              GError   **error)
{
  gint64 deadline = g_get_monotonic_time () + IO_TIMEOUT_US;

  for (;;)
    {
      XgProtoFrame *frame;

      while ((frame = g_queue_pop_head (&link->frames)) != NULL)
        {
          if (frame->type == type && (request_id == 0 || frame->request_id == request_id))
            return frame;
          if (frame->type == XG_PACKET_ERROR || frame->type == XG_PACKET_FORCED_LOGOUT ||
              frame->type == XG_PACKET_LOGIN_FAIL || (request_id != 0 && frame->request_id == request_id))
            {
              g_autofree char *text = describe_frame (frame);
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "got %s", text);
              xg_proto_frame_free (frame);
              return NULL;
            }
          xg_proto_frame_free (frame);   /* PROFILE, FRIEND_LIST, PRESENCE, receipts… */
        }
      if (!link_wait (link, deadline, error) || link_read_burst (link, collect_frames, &link->frames, error) < 0)
        return NULL;
    }
}

/* HELLO, TOKEN_LOGIN, and the login sync up to SYNC_DONE; what follows
 * it (receipts, a backlog) stays in @link->frames for the run loop. */
static gboolean
xinge_login (Link     *link,
             guint64   account_id,
             GBytes   *token,
             GError  **error)
{
  g_autoptr(XgProtoFrame) welcome = NULL;
  g_autoptr(XgProtoFrame) ok = NULL;
  g_autoptr(XgProtoFrame) done = NULL;
  guint64 got = 0;

  if (!xinge_queue (link, XG_PACKET_HELLO, xg_proto_hello_new (XG_PROTO_VERSION, "xg-bench-chat", PACKAGE_VERSION),
                    error) ||
      !link_flush (link, error))
    return FALSE;
  welcome = xinge_expect (link, XG_PACKET_WELCOME, link->io.next_request_id - 1, error);
  if (welcome == NULL)
    return FALSE;
  if (!xinge_queue (link, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (account_id, token), error) ||
      !link_flush (link, error))
    return FALSE;
  ok = xinge_expect (link, XG_PACKET_LOGIN_OK, link->io.next_request_id - 1, error);
  if (ok == NULL)
    return FALSE;
  xg_proto_login_ok_get (ok->body, &got, NULL, NULL);
  if (got != account_id)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "LOGIN_OK for account %" G_GUINT64_FORMAT, got);
      return FALSE;
    }
  done = xinge_expect (link, XG_PACKET_SYNC_DONE, 0, error);
  return done != NULL;
}

static void
xinge_handle_sender (Pair         *pair,
                     Worker       *w,
                     XgProtoFrame *frame,
                     gint64        now)
{
  switch (frame->type)
    {
    case XG_PACKET_MSG_SENT_ACK:
      {
        guint64 client_msg_id, seq;
        gint64 server_time;
        guint k;

        xg_proto_msg_sent_ack_get (frame->body, &client_msg_id, &seq, &server_time);
        k = (guint) (client_msg_id - pair->msg_id_base);
        if (client_msg_id <= pair->msg_id_base || k > pair->sent)
          {
            pair_fail (pair, 1, "MSG_SENT_ACK for an unknown message");
            return;
          }
        if (seq != pair->base_seq + k)
          {
            g_autofree char *text = g_strdup_printf ("message %u acknowledged with seq %" G_GUINT64_FORMAT
                                                     ", expected %" G_GUINT64_FORMAT, k, seq,
                                                     pair->base_seq + k);
            pair_fail (pair, 1, text);
            return;
          }
        record_ack (pair, w, k, now);
      }
      break;
    case XG_PACKET_MSG_DELIVERED:
      {
        g_autoptr(GVariant) entries = NULL;
        GVariantIter iter;
        guint8 kind;
        guint64 id, seq;

        xg_proto_msg_delivered_get (frame->body, &entries);
        g_variant_iter_init (&iter, entries);
        while (g_variant_iter_next (&iter, "(ytt)", &kind, &id, &seq))
          if (kind == 0 && id == pair->receiver_id)
            pair->receipt_seq = MAX (pair->receipt_seq, seq);
      }
      break;
    case XG_PACKET_ERROR:
    case XG_PACKET_FORCED_LOGOUT:
    case XG_PACKET_CHAT_DELIVER:
    case XG_PACKET_OFFLINE_CHAT_DELIVER:
      {
        g_autofree char *text = describe_frame (frame);
        g_autofree char *what = g_strdup_printf ("sender got %s", text);
        pair_fail (pair, 1, what);
      }
      break;
    default:
      break;   /* PRESENCE, FRIEND_LIST, HEARTBEAT_ACK… */
    }
}

static void
xinge_handle_receiver (Pair         *pair,
                       Worker       *w,
                       XgProtoFrame *frame,
                       gint64        now)
{
  if (frame->type == XG_PACKET_CHAT_DELIVER || frame->type == XG_PACKET_OFFLINE_CHAT_DELIVER)
    {
      guint64 seq, client_msg_id, sender_id, receiver_id;
      guint32 msg_type;
      g_autoptr(GBytes) payload = NULL;
      gint64 server_time;
      gsize len;
      const guint8 *data;
      guint k;

      if (frame->type == XG_PACKET_CHAT_DELIVER)
        xg_proto_chat_deliver_get (frame->body, &seq, &client_msg_id, &sender_id, &receiver_id, &msg_type,
                                   &payload, &server_time);
      else
        xg_proto_offline_chat_deliver_get (frame->body, &seq, &client_msg_id, &sender_id, &receiver_id, &msg_type,
                                           &payload, &server_time);
      k = (guint) (seq - pair->base_seq);
      data = g_bytes_get_data (payload, &len);
      if (seq <= pair->base_seq || sender_id != pair->sender_id || receiver_id != pair->receiver_id ||
          client_msg_id != pair->msg_id_base + k || msg_type != XG_PROTO_MESSAGE_TEXT ||
          !payload_check (data, len, k, pair->index, phase_serial))
        {
          g_autofree char *text = g_strdup_printf ("seq %" G_GUINT64_FORMAT " delivered wrong", seq);
          pair_fail (pair, 1, text);
          return;
        }
      if (record_delivery (pair, w, k, now))
        pair->ack_due = k;
      return;
    }
  if (frame->type == XG_PACKET_ERROR || frame->type == XG_PACKET_FORCED_LOGOUT ||
      frame->type == XG_PACKET_MSG_SENT_ACK)
    {
      g_autofree char *text = describe_frame (frame);
      g_autofree char *what = g_strdup_printf ("receiver got %s", text);
      pair_fail (pair, 1, what);
    }
}

/* --- MQTT 3.1.1, the part QoS 1 needs -------------------------------------- */

#define MQTT_CONNECT   0x10
#define MQTT_CONNACK   0x20
#define MQTT_PUBLISH   0x30
#define MQTT_PUBACK    0x40
#define MQTT_SUBSCRIBE 0x82
#define MQTT_SUBACK    0x90

static void
mqtt_queue_connect (Link       *link,
                    const char *client_id)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  guint8 level_flags[2] = { 4, 0x02 };   /* 3.1.1, clean session */

  xg_bench_mqtt_put_string (body, "MQTT");
  g_byte_array_append (body, level_flags, 2);
  xg_bench_mqtt_put_u16 (body, 600);              /* keep-alive, s */
  xg_bench_mqtt_put_string (body, client_id);
  xg_bench_mqtt_queue (&link->io, MQTT_CONNECT, body->data, body->len);
}

static void
mqtt_queue_publish (Link         *link,
                    const char   *topic,
                    guint16       packet_id,
                    const guint8 *payload)
{
  gsize topic_len = strlen (topic);
  guint8 header = MQTT_PUBLISH | 0x02;   /* QoS 1 */

  g_byte_array_append (link->io.wbuf, &header, 1);
  xg_bench_mqtt_put_length (link->io.wbuf, 2 + topic_len + 2 + PAYLOAD_SIZE);
  xg_bench_mqtt_put_string (link->io.wbuf, topic);
  xg_bench_mqtt_put_u16 (link->io.wbuf, packet_id);
  g_byte_array_append (link->io.wbuf, payload, PAYLOAD_SIZE);
}

static void
mqtt_queue_puback (Link    *link,
                   guint16  packet_id)
{
  guint8 body[2] = { packet_id >> 8, packet_id & 0xff };

  xg_bench_mqtt_queue (&link->io, MQTT_PUBACK, body, 2);
}

typedef struct {
  guint8        type;       /* the first byte */
  const guint8 *body;
  gsize         len;
} MqttPacket;

typedef void (*MqttFunc) (Link             *link,
                          const MqttPacket *packet,
                          gpointer          user_data);

typedef struct {
  MqttFunc  func;
  gpointer  user_data;
} MqttSink;

static gboolean
mqtt_consume (Link         *link,
              const guint8 *data,
              gsize         len,
              gpointer      user_data,
              GError      **error)
{
  MqttSink *sink = user_data;
  gsize offset = 0;

  g_byte_array_append (link->io.rbuf, data, len);
  for (;;)
    {
      const guint8 *p = link->io.rbuf->data + offset;
      gsize avail = link->io.rbuf->len - offset;
      gsize length = 0, header = 1;
      guint shift = 0;
      MqttPacket packet;

      if (avail < 2)
        break;
      for (;;)
        {
          if (header >= avail)
            goto need_more;
          if (header > 4)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad MQTT length");
              return FALSE;
            }
          length |= (gsize) (p[header] & 0x7f) << shift;
          shift += 7;
          if ((p[header++] & 0x80) == 0)
            break;
        }
      if (avail < header + length)
        break;
      packet = (MqttPacket) { p[0], p + header, length };
      sink->func (link, &packet, sink->user_data);
      offset += header + length;
    }
need_more:
  g_byte_array_remove_range (link->io.rbuf, 0, offset);
  return TRUE;
}

typedef struct {
  guint8   want;
  gboolean got;
  gboolean bad;
} MqttExpect;

static void
mqtt_expect_one (Link             *link,
                 const MqttPacket *packet,
                 gpointer          user_data)
{
  MqttExpect *expect = user_data;

  if ((packet->type & 0xf0) != expect->want || expect->got)
    expect->bad = TRUE;
  else if (expect->want == MQTT_CONNACK && (packet->len != 2 || packet->body[1] != 0))
    expect->bad = TRUE;
  else if (expect->want == MQTT_SUBACK && (packet->len != 3 || packet->body[2] != 1))
    expect->bad = TRUE;
  expect->got = TRUE;
}

static gboolean
mqtt_wait_for (Link     *link,
               guint8    type,
               GError  **error)
{
  MqttExpect expect = { type, FALSE, FALSE };
  MqttSink sink = { mqtt_expect_one, &expect };
  gint64 deadline = g_get_monotonic_time () + IO_TIMEOUT_US;

  if (!link_flush (link, error))
    return FALSE;
  while (!expect.got)
    if (!link_wait (link, deadline, error) || link_read_burst (link, mqtt_consume, &sink, error) < 0)
      return FALSE;
  if (expect.bad)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "unexpected answer to MQTT packet 0x%02x", type);
      return FALSE;
    }
  return TRUE;
}

static gboolean
mqtt_login (Pair     *pair,
            GError  **error)
{
  g_autofree char *sender_id = g_strdup_printf ("xg-bench-sender-%u", pair->index);
  g_autofree char *receiver_id = g_strdup_printf ("xg-bench-receiver-%u", pair->index);
  g_autoptr(GByteArray) body = g_byte_array_new ();

  mqtt_queue_connect (&pair->s, sender_id);
  if (!mqtt_wait_for (&pair->s, MQTT_CONNACK, error))
    return FALSE;
  mqtt_queue_connect (&pair->r, receiver_id);
  if (!mqtt_wait_for (&pair->r, MQTT_CONNACK, error))
    return FALSE;
  xg_bench_mqtt_put_u16 (body, 1);
  xg_bench_mqtt_put_string (body, pair->topic);
  g_byte_array_append (body, (const guint8 *) "\x01", 1);   /* QoS 1 */
  xg_bench_mqtt_queue (&pair->r.io, MQTT_SUBSCRIBE, body->data, body->len);
  return mqtt_wait_for (&pair->r, MQTT_SUBACK, error);
}

typedef struct {
  Pair   *pair;
  Worker *w;
  gint64  now;
} MqttContext;

static void
mqtt_handle_sender (Link             *link,
                    const MqttPacket *packet,
                    gpointer          user_data)
{
  MqttContext *c = user_data;
  Pair *pair = c->pair;
  guint16 packet_id;
  guint k;

  if ((packet->type & 0xf0) != MQTT_PUBACK || packet->len != 2)
    {
      pair_fail (pair, 1, "the sender got something other than PUBACK");
      return;
    }
  /* Packet ids go round 1…65535; the message is the one in flight with it. */
  packet_id = (packet->body[0] << 8) | packet->body[1];
  if (packet_id == 0 || pair->sent == 0)
    {
      pair_fail (pair, 1, "PUBACK with packet id 0");
      return;
    }
  k = pair->sent - (guint) (((pair->sent - 1) % 65535 + 65535 - (packet_id - 1)) % 65535);
  record_ack (pair, c->w, k, c->now);
}

static void
mqtt_handle_receiver (Link             *link,
                      const MqttPacket *packet,
                      gpointer          user_data)
{
  MqttContext *c = user_data;
  Pair *pair = c->pair;
  gsize topic_len;
  guint16 packet_id;
  const guint8 *payload;
  gsize payload_len;
  guint k;

  if ((packet->type & 0xf6) != (MQTT_PUBLISH | 0x02) || packet->len < 4)
    {
      pair_fail (pair, 1, "the receiver got something other than a QoS 1 PUBLISH");
      return;
    }
  topic_len = (packet->body[0] << 8) | packet->body[1];
  if (packet->len < 2 + topic_len + 2 || topic_len != strlen (pair->topic) ||
      memcmp (packet->body + 2, pair->topic, topic_len) != 0)
    {
      pair_fail (pair, 1, "a PUBLISH on another topic");
      return;
    }
  packet_id = (packet->body[2 + topic_len] << 8) | packet->body[3 + topic_len];
  payload = packet->body + 4 + topic_len;
  payload_len = packet->len - 4 - topic_len;
  /* The message number is the payload's first field. */
  k = payload_len >= 10 ? (guint) g_ascii_strtoull ((const char *) payload, NULL, 10) : 0;
  mqtt_queue_puback (link, packet_id);
  if (!payload_check (payload, payload_len, k, pair->index, phase_serial))
    {
      pair_fail (pair, 1, "a PUBLISH with a wrong payload");
      return;
    }
  record_delivery (pair, c->w, k, c->now);
}

/* --- The load ------------------------------------------------------------ */

static void
pair_send (Pair   *pair,
           Worker *w,
           gint64  at)
{
  guint8 payload[PAYLOAD_SIZE];
  guint k = ++pair->sent;
  g_autoptr(GError) error = NULL;

  pair_reserve (pair, k);
  pair->send_time[k] = at;
  pair->ack_seen[k] = 0;
  payload_fill (payload, k, pair->index, phase_serial);
  if (w->target == TARGET_XINGE)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (payload, PAYLOAD_SIZE);

      if (!xinge_queue (&pair->s, XG_PACKET_CHAT_SEND,
                        xg_proto_chat_send_new (pair->msg_id_base + k, pair->sender_id, pair->receiver_id,
                                                XG_PROTO_MESSAGE_TEXT, bytes),
                        &error))
        pair_fail (pair, 1, error->message);
    }
  else
    mqtt_queue_publish (&pair->s, pair->topic, (guint16) ((k - 1) % 65535 + 1), payload);
}

static gboolean
pair_done (const Pair *pair,
           Target      target)
{
  return pair->acked == pair->sent && pair->delivered == pair->sent &&
         (target != TARGET_XINGE || pair->receipt_seq >= pair->base_seq + pair->sent);
}

static gboolean
xinge_consume (Link         *link,
               const guint8 *data,
               gsize         len,
               gpointer      user_data,
               GError      **error)
{
  MqttContext *c = user_data;   /* the same three fields */
  XgProtoFrame *frame;
  gboolean ok = collect_frames (link, data, len, &link->frames, error);

  while ((frame = g_queue_pop_head (&link->frames)) != NULL)
    {
      if (link == &c->pair->s)
        xinge_handle_sender (c->pair, c->w, frame, c->now);
      else
        xinge_handle_receiver (c->pair, c->w, frame, c->now);
      xg_proto_frame_free (frame);
    }
  return ok;
}

/* Frames the login left behind. */
static void
xinge_leftovers (Pair   *pair,
                 Worker *w,
                 Link   *link)
{
  XgProtoFrame *frame;

  while ((frame = g_queue_pop_head (&link->frames)) != NULL)
    {
      if (link == &pair->s)
        xinge_handle_sender (pair, w, frame, g_get_monotonic_time ());
      else
        xinge_handle_receiver (pair, w, frame, g_get_monotonic_time ());
      xg_proto_frame_free (frame);
    }
}

static void
link_broken (Pair       *pair,
             Link       *link,
             const char *what,
             GError     *error)
{
  g_autofree char *text = g_strdup_printf ("%s: %s", what, error->message);

  link->closed = TRUE;
  pair_fail (pair, 0, text);
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  g_autofree struct pollfd *fds = NULL;
  g_autofree Link **links = NULL;
  g_autofree Pair **owners = NULL;
  guint n_pairs = 0, n_links;

  for (guint i = w->first; i < bench.n_pairs; i += w->step)
    n_pairs++;
  n_links = 2 * n_pairs;
  fds = g_new0 (struct pollfd, n_links);
  links = g_new0 (Link *, n_links);
  owners = g_new0 (Pair *, n_links);
  for (guint i = w->first, j = 0; i < bench.n_pairs; i += w->step, j += 2)
    {
      Pair *pair = &w->pairs[i];

      links[j] = &pair->s;
      links[j + 1] = &pair->r;
      owners[j] = owners[j + 1] = pair;
      pair->next_at = w->start + (gint64) (w->interval * (gint64) i / (gint64) bench.n_pairs);
      if (w->target == TARGET_XINGE)
        {
          xinge_leftovers (pair, w, &pair->s);
          xinge_leftovers (pair, w, &pair->r);
        }
    }

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 wake = G_MAXINT64;
      gboolean sending = now < w->stop;
      gboolean all_done = TRUE;
      struct timespec timeout;
      int n_ready;

      /* New sends, then everything queued goes out. */
      for (guint j = 0; j < n_links; j += 2)
        {
          Pair *pair = owners[j];

          if (pair->s.closed || pair->r.closed)
            continue;
          if (w->mode == MODE_CLOSED)
            {
              while (sending && pair->sent - pair->acked < (guint) opt_window)
                pair_send (pair, w, now);
            }
          else
            {
              while (pair->next_at < w->stop && pair->next_at <= now && pair->sent - pair->acked < (guint) opt_window)
                {
                  pair_send (pair, w, pair->next_at);
                  pair->next_at += w->interval;
                }
              if (pair->next_at < w->stop && pair->sent - pair->acked < (guint) opt_window)
                wake = MIN (wake, pair->next_at);
            }
          if (w->target == TARGET_XINGE && pair->ack_due > 0)
            {
              GVariantBuilder builder;
              g_autoptr(GError) error = NULL;

              g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ytt)"));
              g_variant_builder_add (&builder, "(ytt)", 0, pair->sender_id, pair->base_seq + pair->ack_due);
              if (!xinge_queue (&pair->r, XG_PACKET_MSG_RECEIVED_ACK,
                                xg_proto_msg_received_ack_new (g_variant_builder_end (&builder)), &error))
                pair_fail (pair, 1, error->message);
              pair->ack_due = 0;
            }
          for (guint side = 0; side < 2; side++)
            {
              g_autoptr(GError) error = NULL;

              if (!links[j + side]->closed && !link_flush (links[j + side], &error))
                link_broken (pair, links[j + side], "writing", error);
            }
          if (!pair->s.closed && !pair->r.closed &&
              (sending || (w->mode == MODE_OPEN && pair->next_at < w->stop) || !pair_done (pair, w->target)))
            all_done = FALSE;
        }
      if (all_done || now > w->stop + DRAIN_US)
        break;

      /* Wait for answers, or the next scheduled send. */
      if (sending && w->mode == MODE_CLOSED)
        wake = MIN (wake, w->stop);
      wake = MIN (wake, now + 100 * 1000);
      wake = MAX (wake, now);
      timeout.tv_sec = (wake - now) / G_USEC_PER_SEC;
      timeout.tv_nsec = (wake - now) % G_USEC_PER_SEC * 1000;
      for (guint j = 0; j < n_links; j++)
        fds[j] = (struct pollfd) { .fd = links[j]->closed ? -1 : links[j]->io.fd, .events = POLLIN };
      n_ready = ppoll (fds, n_links, &timeout, NULL);
      if (n_ready < 0 && errno != EINTR)
        break;
      if (n_ready <= 0)
        continue;

      now = g_get_monotonic_time ();
      for (guint j = 0; j < n_links; j++)
        {
          Pair *pair = owners[j];
          MqttContext context = { pair, w, now };
          MqttSink sink = { links[j] == &pair->s ? mqtt_handle_sender : mqtt_handle_receiver, &context };
          g_autoptr(GError) error = NULL;
          gssize n;

          if (fds[j].revents == 0)
            continue;
          if (w->target == TARGET_XINGE)
            n = link_read_burst (links[j], xinge_consume, &context, &error);
          else
            n = link_read_burst (links[j], mqtt_consume, &sink, &error);
          if (n < 0)
            link_broken (pair, links[j], "reading", error);
        }
    }
  return NULL;
}

/* --- Sessions: one server, one transport ---------------------------------- */

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

static int
mosquitto_stop (Session *session)
{
  return xg_bench_mosquitto_stop (&session->mosquitto);
}

static gboolean
xinge_start (Session *session)
{
  g_autofree char *config = g_strdup_printf ("[server]\nmax-connections=%u\n\n"
                                             "[session]\nheartbeat-interval=60\nheartbeat-timeout=3600\n",
                                             2 * bench.n_pairs + 100);

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

/* Connects and logs in both sides of every pair. */
static gboolean
session_connect (Session *session)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, IO_TIMEOUT_US / G_USEC_PER_SEC);
  for (guint i = 0; i < bench.n_pairs; i++)
    {
      Pair *pair = &bench.pairs[i];
      g_autoptr(GError) error = NULL;
      gboolean ok = link_open (&pair->s, session, client, &error) && link_open (&pair->r, session, client, &error);

      if (ok && session->target == TARGET_XINGE)
        ok = xinge_login (&pair->r, pair->receiver_id, pair->receiver_token, &error) &&
             xinge_login (&pair->s, pair->sender_id, pair->sender_token, &error);
      else if (ok)
        ok = mqtt_login (pair, &error);
      if (!ok)
        {
          g_printerr ("%s: pair %u cannot log in: %s\n", target_names[session->target], i, error->message);
          return FALSE;
        }
    }
  /* Xinge: let the receivers' empty backlog reads finish, so that what
   * follows arrives live. */
  if (session->target == TARGET_XINGE)
    g_usleep (200 * 1000);
  return TRUE;
}

static void
session_disconnect (void)
{
  for (guint i = 0; i < bench.n_pairs; i++)
    {
      link_clear (&bench.pairs[i].s);
      link_clear (&bench.pairs[i].r);
    }
}

static Figures
run_phase (Session *session,
           Mode     mode)
{
  guint n_threads = MAX (1, MIN ((guint) opt_threads, bench.n_pairs));
  g_autofree Worker *workers = g_new0 (Worker, n_threads);
  g_autofree GThread **threads = g_new0 (GThread *, n_threads);
  g_autoptr(GArray) acks = g_array_new (FALSE, FALSE, sizeof (gdouble));
  g_autoptr(GArray) deliveries = g_array_new (FALSE, FALSE, sizeof (gdouble));
  Figures f = { .ran = TRUE };
  XgBenchProc server_before, server_after, self_before, self_after;
  gdouble host_before;
  gint64 start, last = 0;

  phase_serial++;
  for (guint i = 0; i < bench.n_pairs; i++)
    pair_reset (&bench.pairs[i]);

  server_before = xg_bench_proc_sample (session->pid);
  self_before = xg_bench_proc_sample (getpid ());
  host_before = xg_bench_host_busy_seconds ();
  start = g_get_monotonic_time () + 10 * 1000;
  for (guint t = 0; t < n_threads; t++)
    {
      workers[t] = (Worker) {
        .mode = mode, .pairs = bench.pairs, .first = t, .step = n_threads, .target = session->target,
        .start = start, .stop = start + (gint64) (opt_duration * G_USEC_PER_SEC),
        .interval = mode == MODE_OPEN ? (gint64) (bench.n_pairs * (gdouble) G_USEC_PER_SEC / opt_rate) : 0,
        .ack_latencies = g_array_new (FALSE, FALSE, sizeof (gdouble)),
        .delivery_latencies = g_array_new (FALSE, FALSE, sizeof (gdouble)),
      };
      threads[t] = g_thread_new ("xg-bench-chat", worker_main, &workers[t]);
    }
  for (guint t = 0; t < n_threads; t++)
    {
      g_thread_join (threads[t]);
      g_array_append_vals (acks, workers[t].ack_latencies->data, workers[t].ack_latencies->len);
      g_array_append_vals (deliveries, workers[t].delivery_latencies->data, workers[t].delivery_latencies->len);
      g_array_unref (workers[t].ack_latencies);
      g_array_unref (workers[t].delivery_latencies);
    }
  server_after = xg_bench_proc_sample (session->pid);
  self_after = xg_bench_proc_sample (getpid ());

  /* Every message: acknowledged once, delivered once in order; Xinge:
   * receipt heard. Then the next phase's seqs follow these. */
  for (guint i = 0; i < bench.n_pairs; i++)
    {
      Pair *pair = &bench.pairs[i];
      guint missing = MAX (pair->sent - pair->acked, pair->sent - pair->delivered);

      if (session->target == TARGET_XINGE && pair->receipt_seq < pair->base_seq + pair->sent)
        missing = MAX (missing, (guint) (pair->base_seq + pair->sent - pair->receipt_seq));
      if (missing > 0)
        {
          g_autofree char *text = g_strdup_printf ("%u sent, %u acknowledged, %u delivered, receipt up to %"
                                                   G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT,
                                                   pair->sent, pair->acked, pair->delivered,
                                                   pair->receipt_seq, pair->base_seq + pair->sent);
          pair_fail (pair, missing, text);
        }
      f.sent += pair->sent;
      f.delivered += pair->delivered;
      f.failures += pair->failures;
      pair->failures = 0;
      last = MAX (last, pair->last_delivery);
      if (session->target == TARGET_XINGE)
        pair->base_seq += pair->sent;
    }
  f.wall = last > start ? (last - start) / (gdouble) G_USEC_PER_SEC : 0;
  f.rate = f.wall > 0 ? f.delivered / f.wall : 0;
  g_array_sort (acks, xg_bench_compare_doubles);
  g_array_sort (deliveries, xg_bench_compare_doubles);
  f.ack_p50 = xg_bench_percentile (acks, 0.5);
  f.ack_p99 = xg_bench_percentile (acks, 0.99);
  f.del_p50 = xg_bench_percentile (deliveries, 0.5);
  f.del_p99 = xg_bench_percentile (deliveries, 0.99);
  f.del_max = deliveries->len ? g_array_index (deliveries, gdouble, deliveries->len - 1) : 0;
  if (f.delivered > 0)
    {
      /* 0 when the server is gone (it died: the failures say so). */
      gdouble server_cpu = server_after.ok && server_before.ok ? server_after.cpu - server_before.cpu : 0;
      gdouble self_cpu = self_after.cpu - self_before.cpu;

      f.server_cpu_us = server_cpu * 1e6 / f.delivered;
      f.bench_cpu_us = self_cpu * 1e6 / f.delivered;
      f.other_cpu = MAX (0, xg_bench_host_busy_seconds () - host_before - server_cpu - self_cpu);
    }
  bench.messages += f.sent;
  bench.failures += f.failures;
  return f;
}

static void
print_figures (const char    *label,
               const Figures *f)
{
  g_print ("  %-34s %7u %8.0f %7.2f %7.2f %7.2f %7.2f %8.2f %7.0f %7.0f %6.1f %5u\n",
           label, f->delivered, f->rate, f->ack_p50, f->ack_p99, f->del_p50, f->del_p99, f->del_max,
           f->server_cpu_us, f->bench_cpu_us, f->other_cpu, f->failures);
}

static void
print_header (void)
{
  g_print ("  %-34s %7s %8s %7s %7s %7s %7s %8s %7s %7s %6s %5s\n", "", "msgs", "deliv/s", "ack p50",
           "ack p99", "del p50", "del p99", "del max", "srv us", "cli us", "other", "fail");
}

/* Starts @target on @tls, logs in, runs both phases, stops it. */
static gboolean
run_session (Target   target,
             gboolean tls,
             Figures  out[N_MODES])
{
  Session session = { .target = target, .tls = tls };
  gboolean ok;
  int status;

  ok = target == TARGET_XINGE ? xinge_start (&session) : mosquitto_start (&session);
  ok = ok && session_connect (&session);
  if (ok)
    {
      for (Mode mode = 0; mode < N_MODES; mode++)
        {
          g_autofree char *label = g_strdup_printf ("%s %s %s", target_names[target], transport_names[tls],
                                                    mode_names[mode]);

          if (mode == MODE_OPEN && opt_rate == 0)
            continue;
          out[mode] = run_phase (&session, mode);
          print_figures (label, &out[mode]);
        }
    }
  session_disconnect ();
  if (target == TARGET_XINGE)
    {
      status = session.xinge.process ? xg_bench_server_stop (&session.xinge, SIGTERM, 60) : 0;
      if (status != 0)
        {
          g_printerr ("xinge-server exited with status %d after SIGTERM\n", status);
          ok = FALSE;
        }
    }
  else
    mosquitto_stop (&session);
  g_clear_object (&session.address);
  xg_bench_mosquitto_clear (&session.mosquitto);
  if (!ok)
    bench.failures++;
  return ok;
}

/* --- Main ---------------------------------------------------------------- */

static gdouble
median (GArray *values)
{
  g_array_sort (values, xg_bench_compare_doubles);
  return values->len == 0 ? 0 : values->len % 2 ? g_array_index (values, gdouble, values->len / 2)
                                                 : (g_array_index (values, gdouble, values->len / 2 - 1) +
                                                    g_array_index (values, gdouble, values->len / 2)) / 2;
}

typedef struct {
  const char *name;
  gsize       offset;
} FigureField;

static const FigureField fields[] = {
  { "delivered/s", G_STRUCT_OFFSET (Figures, rate) },
  { "send->ack p50 ms", G_STRUCT_OFFSET (Figures, ack_p50) },
  { "send->ack p99 ms", G_STRUCT_OFFSET (Figures, ack_p99) },
  { "send->delivery p50 ms", G_STRUCT_OFFSET (Figures, del_p50) },
  { "send->delivery p99 ms", G_STRUCT_OFFSET (Figures, del_p99) },
  { "server CPU us/msg", G_STRUCT_OFFSET (Figures, server_cpu_us) },
};

#define FIELD(f, i) (G_STRUCT_MEMBER (gdouble, (f), fields[i].offset))

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- chat throughput and latency of xinge-server");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) started = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (started, "%Y-%m-%d %H:%M:%S %z");
  g_autofree guint64 *ids = NULL;
  g_autofree GBytes **tokens = NULL;
  g_autofree Figures *results = NULL;   /* [round][transport][target][mode] */
  XgBenchSeeder *seeder;
  gboolean transports[2] = { TRUE, TRUE };
  gboolean with_mosquitto;
  gdouble load[3] = { 0 };
  g_autofree char *loadavg = NULL;

  g_option_context_add_main_entries (context, option_entries, NULL);
  g_option_context_set_summary (context,
                                "P sender→receiver pairs of friends chat through xinge-server, W messages in "
                                "flight per sender, at full speed and at a fixed rate, plain and TLS; the same "
                                "load against mosquitto (QoS 1) when it is installed. See docs/BENCHMARKS.md.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_pairs < 1 || opt_window < 1 || opt_threads < 1 || opt_duration <= 0 || opt_rate < 0 || opt_rounds < 1 ||
      (opt_rate > 0 && opt_rate / opt_pairs > G_USEC_PER_SEC))
    {
      g_printerr ("--pairs, --window, --threads and --rounds must be at least 1, --duration above 0, "
                  "--rate 0 or up to 1000000 per pair\n");
      return 2;
    }
  if (opt_transport != NULL && !g_str_equal (opt_transport, "both"))
    {
      if (!g_str_equal (opt_transport, "plain") && !g_str_equal (opt_transport, "tls"))
        {
          g_printerr ("--transport is plain, tls or both\n");
          return 2;
        }
      transports[0] = g_str_equal (opt_transport, "plain");
      transports[1] = !transports[0];
    }

  bench.n_pairs = (guint) opt_pairs;
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
  if (!xg_bench_raise_fd_limit (4 * bench.n_pairs + 64))
    return 2;
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_printerr ("GIO has no TLS backend (install glib-networking)\n");
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);

  bench.data_dir = g_dir_make_tmp ("xg-bench-chat-XXXXXX", &error);
  if (bench.data_dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    sscanf (loadavg, "%lf %lf %lf", &load[0], &load[1], &load[2]);

  g_print ("xg-bench-chat: %u pairs, window %d per sender, %d client threads, %g s per phase, "
           "open loop at %d msg/s, %d rounds, %u-byte texts\n",
           bench.n_pairs, opt_window, opt_threads, opt_duration, opt_rate, opt_rounds, PAYLOAD_SIZE);
  g_print ("date: %s, %u CPUs, load average %.2f %.2f %.2f at the start\n", date, g_get_num_processors (),
           load[0], load[1], load[2]);
  g_print ("xinge: %s: durable, every message committed to SQLite (WAL, group commit, fdatasync of the log) "
           "before MSG_SENT_ACK and before it is delivered\n", bench.server_binary);
  if (with_mosquitto)
    g_print ("mosquitto: %s: QoS 1, persistence off (its default): messages in memory only, not durable\n",
             bench.mosquitto_binary);
  else
    g_print ("mosquitto: %s: Xinge only\n", opt_no_mosquitto ? "--no-mosquitto" : "not installed");
  g_print ("data: %s\n", bench.data_dir);

  /* Accounts, tokens, friendships. */
  bench.pairs = g_new0 (Pair, bench.n_pairs);
  ids = g_new0 (guint64, 2 * bench.n_pairs);
  tokens = g_new0 (GBytes *, 2 * bench.n_pairs);
  seeder = xg_bench_seeder_new (bench.data_dir, &error);
  if (seeder == NULL)
    {
      g_printerr ("seeding: %s\n", error->message);
      return 1;
    }
  {
    gboolean ok = xg_bench_seed_accounts (seeder, 0, 2 * bench.n_pairs, ids) &&
                  xg_bench_seed_tokens (seeder, ids, 2 * bench.n_pairs, tokens) &&
                  xg_bench_seed_friends (seeder, ids, ids + bench.n_pairs, bench.n_pairs);

    xg_bench_seeder_free (seeder);
    if (!ok)
      {
        g_printerr ("Seeding failed\n");
        return 1;
      }
  }
  for (guint i = 0; i < bench.n_pairs; i++)
    {
      Pair *pair = &bench.pairs[i];

      pair->index = i;
      pair->sender_id = ids[i];
      pair->receiver_id = ids[bench.n_pairs + i];
      pair->sender_token = tokens[i];
      pair->receiver_token = tokens[bench.n_pairs + i];
      pair->topic = g_strdup_printf ("xg-bench/pair/%u", i);
    }
  g_print ("seeding: %u accounts with resume tokens, %u friendships, through the store\n\n",
           2 * bench.n_pairs, bench.n_pairs);

  results = g_new0 (Figures, (gsize) opt_rounds * 2 * N_TARGETS * N_MODES);
#define RESULT(r, t, g, m) (&results[(((gsize) (r) * 2 + (t)) * N_TARGETS + (g)) * N_MODES + (m)])

  print_header ();
  for (int round = 0; round < opt_rounds; round++)
    {
      g_print ("round %d\n", round + 1);
      for (int transport = 0; transport < 2; transport++)
        {
          if (!transports[transport])
            continue;
          /* Alternating which goes first; the first Xinge start makes the
           * certificate mosquitto's TLS listener uses. */
          for (int i = 0; i < N_TARGETS; i++)
            {
              Target target = (round % 2 == 0) ? i : N_TARGETS - 1 - i;

              if (round == 0 && transport == 0)
                target = i;
              if (target == TARGET_MOSQUITTO && !with_mosquitto)
                continue;
              run_session (target, transport, RESULT (round, transport, target, 0));
            }
          if (with_mosquitto)
            for (Mode mode = 0; mode < N_MODES; mode++)
              {
                Figures *x = RESULT (round, transport, TARGET_XINGE, mode);
                Figures *m = RESULT (round, transport, TARGET_MOSQUITTO, mode);

                if (!x->ran || !m->ran)
                  continue;
                g_print ("  %-34s", "  ratio xinge/mosquitto");
                g_print (" %7s %8.2f %7.2f %7.2f %7.2f %7.2f %8s %7.2f\n", "", x->rate / MAX (m->rate, 1e-9),
                         x->ack_p50 / MAX (m->ack_p50, 1e-9), x->ack_p99 / MAX (m->ack_p99, 1e-9),
                         x->del_p50 / MAX (m->del_p50, 1e-9), x->del_p99 / MAX (m->del_p99, 1e-9), "",
                         x->server_cpu_us / MAX (m->server_cpu_us, 1e-9));
              }
        }
    }
  g_print ("  (msgs: delivered; deliv/s: delivered per second of the phase; latencies in ms, open loop from the "
           "scheduled send time;\n   srv/cli us: server / benchmark CPU per delivered message; other: CPU seconds "
           "of other processes meanwhile)\n");

  /* Medians over the rounds, and each round's ratio. */
  g_print ("\nmedian of %d rounds\n", opt_rounds);
  for (int transport = 0; transport < 2; transport++)
    for (Mode mode = 0; mode < N_MODES; mode++)
      {
        if (!transports[transport] || (mode == MODE_OPEN && opt_rate == 0))
          continue;
        g_print ("%s, %s%s:\n", transport_names[transport], mode_names[mode],
                 mode == MODE_OPEN ? g_strdup_printf (" (%d msg/s)", opt_rate) : "");
        for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
          {
            g_autoptr(GArray) xv = g_array_new (FALSE, FALSE, sizeof (gdouble));
            g_autoptr(GArray) mv = g_array_new (FALSE, FALSE, sizeof (gdouble));
            g_autoptr(GString) ratios = g_string_new (NULL);

            for (int round = 0; round < opt_rounds; round++)
              {
                Figures *x = RESULT (round, transport, TARGET_XINGE, mode);
                Figures *m = RESULT (round, transport, TARGET_MOSQUITTO, mode);

                if (x->ran)
                  g_array_append_val (xv, FIELD (x, i));
                if (m->ran)
                  g_array_append_val (mv, FIELD (m, i));
                if (x->ran && m->ran)
                  g_string_append_printf (ratios, " %.2f", FIELD (x, i) / MAX (FIELD (m, i), 1e-9));
              }
            g_print ("  %-22s xinge %9.2f", fields[i].name, median (xv));
            if (with_mosquitto)
              g_print ("   mosquitto %9.2f   ratio per round:%s", median (mv), ratios->str);
            g_print ("\n");
          }
      }

  /* The targets of issue 7. */
  if (transports[1])
    {
      g_autoptr(GArray) ratio = g_array_new (FALSE, FALSE, sizeof (gdouble));
      g_autoptr(GArray) p99 = g_array_new (FALSE, FALSE, sizeof (gdouble));

      for (int round = 0; round < opt_rounds; round++)
        {
          Figures *x = RESULT (round, 1, TARGET_XINGE, MODE_CLOSED);
          Figures *m = RESULT (round, 1, TARGET_MOSQUITTO, MODE_CLOSED);
          Figures *o = RESULT (round, 1, TARGET_XINGE, MODE_OPEN);
          gdouble r;

          if (x->ran && m->ran)
            {
              r = x->rate / MAX (m->rate, 1e-9);
              g_array_append_val (ratio, r);
            }
          if (o->ran)
            g_array_append_val (p99, o->del_p99);
        }
      g_print ("\ntargets (TLS, median of rounds):\n");
      if (ratio->len > 0)
        {
          gdouble r = median (ratio);
          g_print ("  durable Xinge delivery >= 1.0x mosquitto QoS 1 at full speed: %.2fx: %s\n", r,
                   r >= 1.0 ? "met" : "NOT met");
        }
      if (p99->len > 0)
        {
          gdouble p = median (p99);
          gdouble sync_p50, sync_p99;

          g_print ("  p99 send->delivery <= 1 ms at %d msg/s: %.2f ms: %s\n", opt_rate, p, p <= 1.0 ? "met" : "NOT met");
          /* A message is delivered only once its commit is on disk: the
           * disk's own flush time is the floor of that latency. */
          if (xg_bench_fsync_probe (bench.data_dir, 500, &sync_p50, &sync_p99))
            g_print ("  the floor, this disk now: 4 KiB append + fdatasync p50 %.2f ms, p99 %.2f ms\n", sync_p50,
                     sync_p99);
        }
    }
  if (g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    sscanf (loadavg, "%lf %lf %lf", &load[0], &load[1], &load[2]);
  g_print ("load average at the end: %.2f %.2f %.2f\n", load[0], load[1], load[2]);

  for (guint i = 0; i < bench.n_pairs; i++)
    {
      Pair *pair = &bench.pairs[i];

      g_bytes_unref (pair->sender_token);
      g_bytes_unref (pair->receiver_token);
      g_free (pair->topic);
      g_free (pair->send_time);
      g_free (pair->ack_seen);
    }
  g_free (bench.pairs);
  if (!opt_keep_data)
    xg_bench_remove_tree (bench.data_dir);
  g_free (bench.data_dir);
  g_free (bench.server_binary);
  g_free (bench.mosquitto_binary);

  g_print ("messages: %" G_GUINT64_FORMAT ", failures: %" G_GUINT64_FORMAT "\n", bench.messages, bench.failures);
  return bench.failures == 0 ? 0 : 1;
}
