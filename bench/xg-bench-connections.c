/* xg-bench-connections.c: many idle logged-in connections against the real xinge-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A benchmark, not a test (docs/BENCHMARKS.md). It
 *
 *  1. seeds N accounts with resume tokens, and M more for password logins,
 *     straight through the server's store (registration would need N mailed
 *     codes and N Argon2id hashes; one hash is computed and shared);
 *  2. starts the real xinge-server on that data dir with 30 s heartbeats;
 *  3. opens N TLS connections (pinned fingerprint, TCP_NODELAY) from a few
 *     worker threads with blocking I/O, says HELLO on each, then sends
 *     TOKEN_LOGIN on all of them, a window of requests in flight per thread;
 *     opening stops early if the host runs short of memory (--min-free-mib),
 *     rather than waking the OOM killer;
 *  4. holds them for a while, one thread sending each a HEARTBEAT every 30 s,
 *     spread evenly, and reads the server's CPU and memory from /proc;
 *  5. logs M other accounts in with their password on fresh connections;
 *  6. checks every held connection still answers a HEARTBEAT, sends the
 *     server SIGTERM, and checks that every client got FORCED_LOGOUT and the
 *     server exited 0.
 *
 * Every step is checked; the last line is "connections: N, failures: K" and
 * the exit status is non-zero when K > 0 or the server misbehaved.
 */
#define G_LOG_DOMAIN "xg-bench"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "xg-bench-common.h"
#include "xg-bench-compare.h"
#include "xg-proto.h"

#ifndef XG_BENCH_SERVER_BINARY
#define XG_BENCH_SERVER_BINARY "xinge-server"
#endif

#define HEARTBEAT_INTERVAL  30   /* seconds; the server is configured to match */
#define HEARTBEAT_TIMEOUT   90
#define IO_TIMEOUT_US       (30 * G_USEC_PER_SEC)
#define SHUTDOWN_TIMEOUT_S  60

/* --- Options ------------------------------------------------------------- */

static int opt_connections = 10000;
static int opt_hold = 60;
static int opt_password_logins = 200;
static int opt_threads = 8;
static int opt_window = 32;
static int opt_password_window = 1;
static int opt_min_free_mib = 4096;
static char *opt_server;
static gboolean opt_keep_data;
static gboolean opt_compare;
static int opt_rounds = 3;
static int opt_interval = 30;
static int opt_compare_hold = 30;
static int opt_resumed = 1000;
static char *opt_mosquitto;
static char *opt_before;
static int opt_cycles;
static char *opt_transport;
static gboolean opt_hello_only;
static gboolean opt_mosquitto_password;
static gboolean opt_wait_welcome;

static const GOptionEntry option_entries[] = {
  { "connections", 'n', 0, G_OPTION_ARG_INT, &opt_connections,
    "Connections to open, log in with a token and hold (default 10000)", "N" },
  { "hold", 'H', 0, G_OPTION_ARG_INT, &opt_hold,
    "Seconds to hold them idle, with heartbeats (default 60)", "SECONDS" },
  { "password-logins", 'm', 0, G_OPTION_ARG_INT, &opt_password_logins,
    "Password LOGINs afterwards, on fresh connections and other accounts (default 200)", "M" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &opt_threads,
    "Client worker threads (default 8)", "T" },
  { "window", 'w', 0, G_OPTION_ARG_INT, &opt_window,
    "TOKEN_LOGINs in flight per thread (default 32)", "W" },
  { "password-window", 0, 0, G_OPTION_ARG_INT, &opt_password_window,
    "Password LOGINs in flight per thread (default 1)", "W" },
  { "min-free-mib", 0, 0, G_OPTION_ARG_INT, &opt_min_free_mib,
    "Stop opening connections when the host has less memory available than this (default 4096)", "MIB" },
  { "server", 's', 0, G_OPTION_ARG_FILENAME, &opt_server,
    "The xinge-server binary (default: $XG_SERVER_BINARY, else the one built with this benchmark)", "PATH" },
  { "keep-data", 0, 0, G_OPTION_ARG_NONE, &opt_keep_data,
    "Keep the temporary data dir", NULL },
  { "compare", 0, 0, G_OPTION_ARG_NONE, &opt_compare,
    "Xinge against mosquitto, plain and TLS, the same load, in rounds (with -n, -w, --hold)", NULL },
  { "rounds", 0, 0, G_OPTION_ARG_INT, &opt_rounds,
    "--compare: rounds (default 3)", "R" },
  { "interval", 0, 0, G_OPTION_ARG_INT, &opt_interval,
    "--compare: seconds between a connection's heartbeats (default 30)", "SECONDS" },
  { "compare-hold", 0, 0, G_OPTION_ARG_INT, &opt_compare_hold,
    "--compare: seconds the TLS connections are held for the idle CPU (default 30)", "SECONDS" },
  { "resumed", 0, 0, G_OPTION_ARG_INT, &opt_resumed,
    "--compare: TLS sessions reconnected with session resumption (default 1000)", "K" },
  { "mosquitto", 0, 0, G_OPTION_ARG_FILENAME, &opt_mosquitto,
    "--compare: the mosquitto binary (default: mosquitto in PATH or /usr/sbin)", "PATH" },
  { "before", 0, 0, G_OPTION_ARG_FILENAME, &opt_before,
    "--compare: an older xinge-server to measure in the same rounds", "PATH" },
  { "cycles", 0, 0, G_OPTION_ARG_INT, &opt_cycles,
    "Connect, log in and disconnect C times (-w at once) and compare the server's RSS before and after", "C" },
  { "hello-only", 0, 0, G_OPTION_ARG_NONE, &opt_hello_only,
    "--compare, --cycles: Xinge sessions end at WELCOME, without TOKEN_LOGIN", NULL },
  { "mosquitto-password", 0, 0, G_OPTION_ARG_NONE, &opt_mosquitto_password,
    "--compare: mosquitto checks a password (mosquitto_passwd) at every CONNECT, as Xinge checks a token", NULL },
  { "wait-welcome", 0, 0, G_OPTION_ARG_NONE, &opt_wait_welcome,
    "--compare, --cycles: Xinge sessions wait for WELCOME before TOKEN_LOGIN (the app sends it right behind HELLO)",
    NULL },
  { "transport", 0, 0, G_OPTION_ARG_STRING, &opt_transport,
    "--compare, --cycles: plain, tls or both (default both)", "WHICH" },
  { NULL }
};

/* --- State --------------------------------------------------------------- */

/* One client connection. Worker threads and the heartbeat thread take
 * turns on it under @lock; @ready and @dead are read without it. */
typedef struct {
  GMutex             lock;
  GSocketConnection *tcp;
  GIOStream         *stream;          /* the TLS connection over @tcp */
  XgProtoDecoder    *decoder;
  GQueue             frames;          /* received, not yet taken */
  guint32            next_request_id;
  guint64            account_id;
  GBytes            *token;           /* held connections: the seeded resume token */
  char              *email;           /* password connections */
  int                ready;           /* atomic: WELCOME received */
  int                dead;            /* atomic: failed; no more heartbeats */
  gboolean           logged_in;
  gint64             next_heartbeat;  /* monotonic µs; the heartbeat thread's own */
} Conn;

typedef struct {
  XgBenchServer server;
  XgBenchPin   pin;

  Conn        *held;
  guint        n_held;
  Conn        *password;
  guint        n_password;

  int          n_open;            /* atomic: connections that got WELCOME */
  int          memory_low;        /* atomic: the memory guard stopped the connecting */
  guint        memory_low_open;   /* connections open then */
  guint64      memory_low_available_mib;
  guint64      memory_low_server_rss_kib;
  int          errors_reported;   /* atomic */

  /* The heartbeat thread. */
  GThread     *heartbeat_thread;
  int          heartbeat_stop;    /* atomic */
  int          heartbeat_spread;  /* atomic: reschedule evenly over the interval */
  GMutex       heartbeat_lock;    /* guards the figures below */
  GArray      *heartbeat_rtts;    /* ms */
  guint        heartbeats_sent;
  guint        heartbeats_failed;
  guint        heartbeats_skipped;/* busy connection: tried again on the next pass */
} Bench;

static Bench bench;

static void
report_error (const char *what,
              Conn       *conn,
              const char *message)
{
  if (g_atomic_int_add (&bench.errors_reported, 1) < XG_BENCH_MAX_REPORTED)
    g_printerr ("error: %s (account %" G_GUINT64_FORMAT "): %s\n", what,
                conn ? conn->account_id : 0, message);
  else if (g_atomic_int_get (&bench.errors_reported) == XG_BENCH_MAX_REPORTED + 1)
    g_printerr ("error: more errors follow; not shown\n");
}

static void
conn_fail (Conn       *conn,
           const char *what,
           const char *message)
{
  g_atomic_int_set (&conn->dead, TRUE);
  report_error (what, conn, message);
}

/* --- /proc --------------------------------------------------------------- */

/* Opening connections stops, instead of letting the kernel's OOM killer pick
 * a victim on a shared machine, once the host is short of memory. */
static gboolean
memory_is_low (void)
{
  guint64 available;

  if (g_atomic_int_get (&bench.memory_low))
    return TRUE;
  available = xg_bench_mem_available_mib ();
  if (available >= (guint64) opt_min_free_mib)
    return FALSE;
  if (g_atomic_int_compare_and_exchange (&bench.memory_low, FALSE, TRUE))
    {
      bench.memory_low_open = (guint) g_atomic_int_get (&bench.n_open);
      bench.memory_low_available_mib = available;
      bench.memory_low_server_rss_kib = xg_bench_proc_sample (bench.server.pid).rss_kib;
      g_printerr ("memory guard: %" G_GUINT64_FORMAT " MiB available (< %d MiB) with %u connections open, "
                  "server RSS %" G_GUINT64_FORMAT " KiB; no more connections are opened\n",
                  available, opt_min_free_mib, bench.memory_low_open, bench.memory_low_server_rss_kib);
    }
  return TRUE;
}

/* --- Seeding ------------------------------------------------------------- */

/* Creates the held and password accounts, and a token for each held one,
 * through the store API the server itself uses. */
static gboolean
seed (gdouble *seconds)
{
  g_autoptr(GError) error = NULL;
  XgBenchSeeder *seeder;
  gint64 start = g_get_monotonic_time ();
  guint n_accounts = bench.n_held + bench.n_password;
  g_autofree guint64 *ids = g_new0 (guint64, n_accounts);
  g_autofree GBytes **tokens = g_new0 (GBytes *, bench.n_held);
  gboolean ok;

  seeder = xg_bench_seeder_new (bench.server.data_dir, &error);
  if (seeder == NULL)
    {
      g_printerr ("seeding: %s\n", error->message);
      return FALSE;
    }
  ok = xg_bench_seed_accounts (seeder, 0, n_accounts, ids);
  for (guint i = 0; ok && i < bench.n_held; i++)
    bench.held[i].account_id = ids[i];
  ok = ok && xg_bench_seed_tokens (seeder, ids, bench.n_held, tokens);
  for (guint i = 0; i < bench.n_held; i++)
    bench.held[i].token = tokens[i];
  for (guint i = 0; i < bench.n_password; i++)
    {
      bench.password[i].account_id = ids[bench.n_held + i];
      bench.password[i].email = xg_bench_email (bench.n_held + i);
    }
  xg_bench_seeder_free (seeder);
  *seconds = (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
  return ok;
}

/* --- The server ---------------------------------------------------------- */

static gboolean
start_server (void)
{
  g_autofree char *config_text = NULL;

  config_text = g_strdup_printf ("[server]\nmax-connections=%u\n\n"
                                 "[session]\nheartbeat-interval=%d\nheartbeat-timeout=%d\n",
                                 bench.n_held + bench.n_password + 100,
                                 HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT);
  if (!xg_bench_server_start (&bench.server, config_text))
    return FALSE;
  bench.pin.fingerprint = bench.server.fingerprint;
  return TRUE;
}

static int
stop_server (int    signal_number,
             guint  timeout_s)
{
  return xg_bench_server_stop (&bench.server, signal_number, timeout_s);
}

/* --- One connection ------------------------------------------------------ */

static gboolean
conn_send (Conn      *conn,
           guint16    type,
           GVariant  *body,
           guint32   *request_id,
           GError   **error)
{
  guint32 id = conn->next_request_id++;
  g_autoptr(GBytes) frame = xg_proto_frame_encode (type, id, body, error);
  gsize size;
  const guint8 *data;

  if (frame == NULL)
    return FALSE;
  data = g_bytes_get_data (frame, &size);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (conn->stream), data, size,
                                  NULL, NULL, error))
    return FALSE;
  *request_id = id;
  return TRUE;
}

/* Reads what has arrived, waiting until @deadline for at least one more
 * frame. */
static gboolean
conn_read_more (Conn     *conn,
                gint64    deadline,
                GError  **error)
{
  GSocket *socket = g_socket_connection_get_socket (conn->tcp);
  GPollableInputStream *input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (conn->stream));
  guint n_before = g_queue_get_length (&conn->frames);
  guint8 buffer[16384];

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (input, buffer, sizeof buffer, NULL, &local_error);
      gsize offset = 0;

      if (n < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          gint64 left = deadline - g_get_monotonic_time ();

          if (g_queue_get_length (&conn->frames) > n_before)
            return TRUE;
          if (left <= 0)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no answer in time");
              return FALSE;
            }
          g_socket_condition_timed_wait (socket, G_IO_IN, left, NULL, NULL);
          continue;
        }
      /* Frames that came before a close are still delivered. */
      if (n <= 0 && g_queue_get_length (&conn->frames) > n_before)
        return TRUE;
      if (n < 0)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "reading: ");
          return FALSE;
        }
      if (n == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "closed by the server");
          return FALSE;
        }

      while (offset < (gsize) n)
        {
          XgProtoFrame *frame = NULL;

          offset += xg_proto_decoder_feed (conn->decoder, buffer + offset, n - offset, &frame, &local_error);
          if (local_error != NULL)
            {
              g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "decoding: ");
              g_clear_pointer (&frame, xg_proto_frame_free);
              return FALSE;
            }
          if (frame != NULL)
            g_queue_push_tail (&conn->frames, frame);
        }
    }
}

/* The answer to request @request_id (of any type, ERROR included), or with
 * @request_id 0 the next push of @push_type. A FORCED_LOGOUT that arrives
 * meanwhile fails the wait. */
static XgProtoFrame *
conn_take (Conn     *conn,
           guint32   request_id,
           guint16   push_type,
           gint64    deadline,
           GError  **error)
{
  for (;;)
    {
      for (GList *l = conn->frames.head; l != NULL; l = l->next)
        {
          XgProtoFrame *frame = l->data;

          if (request_id != 0 ? frame->request_id == request_id
                              : frame->request_id == 0 && frame->type == push_type)
            {
              g_queue_delete_link (&conn->frames, l);
              return frame;
            }
        }
      for (GList *l = conn->frames.head; l != NULL; l = l->next)
        {
          XgProtoFrame *frame = l->data;
          guint32 reason;
          const char *message;

          if (frame->type != XG_PACKET_FORCED_LOGOUT || frame->body == NULL)
            continue;
          xg_proto_forced_logout_get (frame->body, &reason, &message);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "FORCED_LOGOUT (%u): %s", reason, message);
          return NULL;
        }
      if (!conn_read_more (conn, deadline, error))
        return NULL;
    }
}

static char *
describe_frame (const XgProtoFrame *frame)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (frame->type);
  g_autofree char *body = frame->body ? g_variant_print (frame->body, FALSE) : g_strdup ("-");

  return g_strdup_printf ("%s %s", info ? info->name : "(unknown)", body);
}

/* TCP connect, TLS handshake, HELLO → WELCOME. */
static gboolean
conn_open (Conn           *conn,
           GSocketClient  *client,
           GError        **error)
{
  g_autoptr(GSocketConnection) tcp = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(XgProtoFrame) welcome = NULL;
  guint32 id, version, interval, idle_timeout;

  tcp = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (bench.server.socket_address), NULL, error);
  if (tcp == NULL)
    return FALSE;
  tls = xg_bench_tls_connect (tcp, &bench.pin, error);
  if (tls == NULL)
    return FALSE;

  conn->tcp = g_steal_pointer (&tcp);
  conn->stream = g_steal_pointer (&tls);
  conn->decoder = xg_proto_decoder_new (0);
  conn->next_request_id = 1;

  if (!conn_send (conn, XG_PACKET_HELLO,
                  xg_proto_hello_new (XG_PROTO_VERSION, "xg-bench-connections", PACKAGE_VERSION),
                  &id, error))
    return FALSE;
  welcome = conn_take (conn, id, 0, g_get_monotonic_time () + IO_TIMEOUT_US, error);
  if (welcome == NULL)
    return FALSE;
  if (welcome->type != XG_PACKET_WELCOME)
    {
      g_autofree char *text = describe_frame (welcome);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "HELLO answered with %s", text);
      return FALSE;
    }
  xg_proto_welcome_get (welcome->body, &version, NULL, &interval, &idle_timeout, NULL, NULL);
  if (version != XG_PROTO_VERSION || interval != HEARTBEAT_INTERVAL || idle_timeout != HEARTBEAT_TIMEOUT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "WELCOME says version %u, heartbeat %u s, idle timeout %u s", version, interval,
                   idle_timeout);
      return FALSE;
    }
  g_atomic_int_set (&conn->ready, TRUE);
  return TRUE;
}

/* HEARTBEAT → HEARTBEAT_ACK, under the connection's lock. */
static gboolean
conn_heartbeat (Conn     *conn,
                gdouble  *rtt_ms,
                GError  **error)
{
  g_autoptr(XgProtoFrame) ack = NULL;
  gint64 start = g_get_monotonic_time ();
  guint32 id;

  if (!conn_send (conn, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (g_get_real_time ()), &id, error))
    return FALSE;
  ack = conn_take (conn, id, 0, start + IO_TIMEOUT_US, error);
  if (ack == NULL)
    return FALSE;
  if (ack->type != XG_PACKET_HEARTBEAT_ACK)
    {
      g_autofree char *text = describe_frame (ack);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "HEARTBEAT answered with %s", text);
      return FALSE;
    }
  *rtt_ms = (g_get_monotonic_time () - start) / 1000.0;
  return TRUE;
}

static void
conn_clear (Conn *conn)
{
  if (conn->stream != NULL)
    g_io_stream_close (conn->stream, NULL, NULL);
  g_clear_object (&conn->stream);
  g_clear_object (&conn->tcp);
  g_clear_pointer (&conn->decoder, xg_proto_decoder_free);
  g_queue_clear_full (&conn->frames, (GDestroyNotify) xg_proto_frame_free);
  g_clear_pointer (&conn->token, g_bytes_unref);
  g_clear_pointer (&conn->email, g_free);
  g_mutex_clear (&conn->lock);
}

/* --- The heartbeat thread ------------------------------------------------ */

/* Heartbeats sent before their ACKs are collected: waiting for each ACK in
 * turn would make the thread fall behind whenever the server is slow to
 * answer, and connections would miss their heartbeat for real. */
#define HEARTBEAT_BATCH 256

typedef struct {
  Conn    *conn;
  guint32  request_id;
  gint64   sent;
} Beat;

static void
heartbeat_record (gboolean ok,
                  gdouble  rtt)
{
  g_mutex_lock (&bench.heartbeat_lock);
  bench.heartbeats_sent++;
  if (ok)
    g_array_append_val (bench.heartbeat_rtts, rtt);
  else
    bench.heartbeats_failed++;
  g_mutex_unlock (&bench.heartbeat_lock);
}

/* Waits for the ACK of each heartbeat in @beats. */
static void
heartbeat_collect (Beat  *beats,
                   guint  n)
{
  for (guint b = 0; b < n; b++)
    {
      Conn *conn = beats[b].conn;
      g_autoptr(GError) error = NULL;
      g_autoptr(XgProtoFrame) ack = NULL;
      gdouble rtt = 0;

      g_mutex_lock (&conn->lock);
      ack = conn_take (conn, beats[b].request_id, 0, beats[b].sent + IO_TIMEOUT_US, &error);
      if (ack != NULL)
        rtt = (g_get_monotonic_time () - beats[b].sent) / 1000.0;
      g_mutex_unlock (&conn->lock);

      if (ack != NULL && ack->type != XG_PACKET_HEARTBEAT_ACK)
        {
          g_autofree char *text = describe_frame (ack);
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "HEARTBEAT answered with %s", text);
        }
      heartbeat_record (error == NULL, rtt);
      if (error != NULL)
        conn_fail (conn, "heartbeat", error->message);
    }
}

/* Sends each ready held connection a HEARTBEAT every HEARTBEAT_INTERVAL
 * seconds. A connection that a worker is using is tried again on the next
 * pass, 20 ms later. */
static gpointer
heartbeat_main (gpointer data)
{
  gint64 interval = (gint64) HEARTBEAT_INTERVAL * G_USEC_PER_SEC;
  Beat beats[HEARTBEAT_BATCH];

  while (!g_atomic_int_get (&bench.heartbeat_stop))
    {
      gboolean spread = g_atomic_int_compare_and_exchange (&bench.heartbeat_spread, TRUE, FALSE);
      gint64 now = g_get_monotonic_time ();
      guint n = 0;

      for (guint i = 0; i < bench.n_held && !g_atomic_int_get (&bench.heartbeat_stop); i++)
        {
          Conn *conn = &bench.held[i];
          g_autoptr(GError) error = NULL;
          gboolean ok;

          if (!g_atomic_int_get (&conn->ready) || g_atomic_int_get (&conn->dead))
            continue;
          if (spread)
            conn->next_heartbeat = now + interval * i / bench.n_held;
          else if (conn->next_heartbeat == 0)
            conn->next_heartbeat = now + interval;
          if (g_get_monotonic_time () < conn->next_heartbeat)
            continue;
          if (!g_mutex_trylock (&conn->lock))
            {
              g_mutex_lock (&bench.heartbeat_lock);
              bench.heartbeats_skipped++;
              g_mutex_unlock (&bench.heartbeat_lock);
              continue;
            }
          beats[n].conn = conn;
          beats[n].sent = g_get_monotonic_time ();
          ok = conn_send (conn, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (g_get_real_time ()),
                          &beats[n].request_id, &error);
          g_mutex_unlock (&conn->lock);

          conn->next_heartbeat += interval;
          if (!ok)
            {
              heartbeat_record (FALSE, 0);
              conn_fail (conn, "heartbeat", error->message);
              continue;
            }
          if (++n == HEARTBEAT_BATCH)
            {
              heartbeat_collect (beats, n);
              n = 0;
            }
        }
      heartbeat_collect (beats, n);
      g_usleep (20 * 1000);
    }
  return NULL;
}

/* --- Phases run by worker threads ---------------------------------------- */

typedef enum {
  PHASE_CONNECT,
  PHASE_TOKEN_LOGIN,
  PHASE_PASSWORD_LOGIN,
  PHASE_VERIFY,
  PHASE_SHUTDOWN,
} PhaseKind;

typedef struct {
  PhaseKind  kind;
  Conn      *conns;
  guint      n;
  guint      first;       /* this worker takes first, first + step, … */
  guint      step;
  GArray    *latencies;   /* ms */
  guint      ok;
  guint      failed;
  guint      busy;        /* LOGIN_FAIL(BUSY), sent again */
} Worker;

typedef struct {
  Conn    *conn;
  guint32  request_id;
  gint64   sent;
} Pending;

static void
worker_connect (Worker *w)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, IO_TIMEOUT_US / G_USEC_PER_SEC);
  for (guint i = w->first, k = 0; i < w->n; i += w->step, k++)
    {
      Conn *conn = &w->conns[i];
      g_autoptr(GError) error = NULL;
      gint64 start;
      gdouble ms;

      if ((k % 8 == 0 && memory_is_low ()) || g_atomic_int_get (&bench.memory_low))
        {
          w->failed++;   /* not attempted */
          continue;
        }
      start = g_get_monotonic_time ();
      if (!conn_open (conn, client, &error))
        {
          conn_fail (conn, "connecting", error->message);
          w->failed++;
          continue;
        }
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (w->latencies, ms);
      g_atomic_int_inc (&bench.n_open);
      w->ok++;
    }
}

static gboolean
login_send (Worker  *w,
            Pending *pending)
{
  Conn *conn = pending->conn;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_mutex_lock (&conn->lock);
  pending->sent = g_get_monotonic_time ();
  if (w->kind == PHASE_PASSWORD_LOGIN)
    ok = conn_send (conn, XG_PACKET_LOGIN, xg_proto_login_new (conn->email, XG_BENCH_PASSWORD, ""),
                    &pending->request_id, &error);
  else
    ok = conn_send (conn, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (conn->account_id, conn->token),
                    &pending->request_id, &error);
  g_mutex_unlock (&conn->lock);

  if (!ok)
    conn_fail (conn, "sending a login", error->message);
  return ok;
}

typedef enum {
  LOGIN_DONE,
  LOGIN_FAILED,
  LOGIN_BUSY,
} LoginOutcome;

/* Takes the answer, the PROFILE push after LOGIN_OK and the login sync
 * (docs/PROTOCOL.md 3.7: the bench's accounts have no friends and no
 * requests, so an empty FRIEND_LIST, then SYNC_DONE); the latency is up to
 * the PROFILE, as before the sync existed. */
static LoginOutcome
login_finish (Worker  *w,
              Pending *pending)
{
  Conn *conn = pending->conn;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = NULL;
  g_autoptr(XgProtoFrame) profile = NULL;
  g_autoptr(XgProtoFrame) friend_list = NULL;
  g_autoptr(XgProtoFrame) sync_done = NULL;
  g_autofree char *problem = NULL;
  gint64 deadline = g_get_monotonic_time () + IO_TIMEOUT_US;
  LoginOutcome outcome = LOGIN_FAILED;
  gdouble ms = 0;

  g_mutex_lock (&conn->lock);
  answer = conn_take (conn, pending->request_id, 0, deadline, &error);
  if (answer == NULL)
    problem = g_strdup (error->message);
  else if (answer->type == XG_PACKET_LOGIN_OK)
    {
      guint64 id = 0, profile_id = 0;

      xg_proto_login_ok_get (answer->body, &id, NULL, NULL);
      profile = conn_take (conn, 0, XG_PACKET_PROFILE, deadline, &error);
      if (profile != NULL)
        {
          /* Logged in: LOGIN_OK and the PROFILE push are both here. */
          ms = (g_get_monotonic_time () - pending->sent) / 1000.0;
          xg_proto_profile_get (profile->body, &profile_id, NULL, NULL, NULL);
          friend_list = conn_take (conn, 0, XG_PACKET_FRIEND_LIST, deadline, &error);
          if (friend_list != NULL)
            sync_done = conn_take (conn, 0, XG_PACKET_SYNC_DONE, deadline, &error);
        }

      if (id != conn->account_id)
        problem = g_strdup_printf ("LOGIN_OK for account %" G_GUINT64_FORMAT, id);
      else if (profile == NULL)
        problem = g_strdup_printf ("no PROFILE after LOGIN_OK: %s", error->message);
      else if (profile_id != id)
        problem = g_strdup_printf ("PROFILE of account %" G_GUINT64_FORMAT, profile_id);
      else if (sync_done == NULL)
        problem = g_strdup_printf ("no login sync after PROFILE: %s", error->message);
      else
        {
          conn->logged_in = TRUE;
          outcome = LOGIN_DONE;
        }
    }
  else if (answer->type == XG_PACKET_LOGIN_FAIL)
    {
      guint32 reason, retry_after;
      const char *message;

      xg_proto_login_fail_get (answer->body, &reason, &retry_after, &message);
      if (reason == XG_PROTO_LOGIN_FAIL_BUSY)
        outcome = LOGIN_BUSY;
      else
        problem = g_strdup_printf ("LOGIN_FAIL (%u, retry after %u s): %s", reason, retry_after, message);
    }
  else
    problem = describe_frame (answer);
  g_mutex_unlock (&conn->lock);

  if (outcome == LOGIN_DONE)
    g_array_append_val (w->latencies, ms);
  else if (outcome == LOGIN_FAILED)
    conn_fail (conn, w->kind == PHASE_PASSWORD_LOGIN ? "LOGIN" : "TOKEN_LOGIN", problem);
  return outcome;
}

/* Logins with up to @window requests in flight; LOGIN_FAIL(BUSY) is counted
 * and sent again after a short pause. */
static void
worker_login (Worker *w,
              guint   window)
{
  g_autoptr(GQueue) in_flight = g_queue_new ();
  guint next = w->first;

  while (next < w->n || !g_queue_is_empty (in_flight))
    {
      Pending *pending;

      if (next < w->n && g_queue_get_length (in_flight) < window)
        {
          Conn *conn = &w->conns[next];

          next += w->step;
          if (!g_atomic_int_get (&conn->ready) || g_atomic_int_get (&conn->dead))
            {
              w->failed++;
              continue;
            }
          pending = g_new0 (Pending, 1);
          pending->conn = conn;
          if (login_send (w, pending))
            g_queue_push_tail (in_flight, pending);
          else
            {
              w->failed++;
              g_free (pending);
            }
          continue;
        }

      pending = g_queue_pop_head (in_flight);
      switch (login_finish (w, pending))
        {
        case LOGIN_DONE:
          w->ok++;
          g_free (pending);
          break;
        case LOGIN_BUSY:
          w->busy++;
          g_usleep (10 * 1000);
          if (login_send (w, pending))
            g_queue_push_tail (in_flight, pending);
          else
            {
              w->failed++;
              g_free (pending);
            }
          break;
        case LOGIN_FAILED:
        default:
          w->failed++;
          g_free (pending);
          break;
        }
    }
}

/* One more HEARTBEAT on every held connection; nothing else may be waiting. */
static void
worker_verify (Worker *w)
{
  for (guint i = w->first; i < w->n; i += w->step)
    {
      Conn *conn = &w->conns[i];
      g_autoptr(GError) error = NULL;
      gdouble rtt;
      gboolean ok;

      if (g_atomic_int_get (&conn->dead) || !conn->logged_in)
        {
          w->failed++;
          continue;
        }
      g_mutex_lock (&conn->lock);
      ok = conn_heartbeat (conn, &rtt, &error);
      if (ok && !g_queue_is_empty (&conn->frames))
        {
          g_autofree char *text = describe_frame (g_queue_peek_head (&conn->frames));
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "unexpected %s", text);
          ok = FALSE;
        }
      g_mutex_unlock (&conn->lock);

      if (ok)
        {
          g_array_append_val (w->latencies, rtt);
          w->ok++;
        }
      else
        {
          conn_fail (conn, "final heartbeat", error->message);
          w->failed++;
        }
    }
}

/* After SIGTERM: every logged-in client must have been told
 * FORCED_LOGOUT(SERVER_SHUTDOWN) before the server closed it. */
static void
worker_shutdown (Worker *w)
{
  for (guint i = w->first; i < w->n; i += w->step)
    {
      Conn *conn = &w->conns[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(XgProtoFrame) frame = NULL;
      guint32 reason = 0;

      if (g_atomic_int_get (&conn->dead) || !conn->logged_in)
        continue;
      frame = conn_take (conn, 0, XG_PACKET_FORCED_LOGOUT, g_get_monotonic_time () + 5 * G_USEC_PER_SEC,
                         &error);
      if (frame != NULL)
        xg_proto_forced_logout_get (frame->body, &reason, NULL);
      if (reason == XG_PROTO_FORCED_LOGOUT_SERVER_SHUTDOWN)
        w->ok++;
      else
        {
          w->failed++;
          report_error ("shutdown", conn, frame ? "wrong FORCED_LOGOUT reason" : error->message);
        }
    }
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;

  switch (w->kind)
    {
    case PHASE_CONNECT:
      worker_connect (w);
      break;
    case PHASE_TOKEN_LOGIN:
      worker_login (w, (guint) opt_window);
      break;
    case PHASE_PASSWORD_LOGIN:
      worker_login (w, (guint) opt_password_window);
      break;
    case PHASE_VERIFY:
      worker_verify (w);
      break;
    case PHASE_SHUTDOWN:
    default:
      worker_shutdown (w);
      break;
    }
  return NULL;
}

typedef struct {
  const char *name;
  guint       count;
  guint       ok;
  guint       failed;
  guint       busy;
  gdouble     wall;         /* seconds */
  gdouble     server_cpu;   /* seconds */
  gdouble     bench_cpu;    /* seconds */
  gdouble     other_cpu;    /* seconds: other processes on the host */
  GArray     *latencies;    /* ms, sorted */
} PhaseResult;

static PhaseResult
run_phase (const char *name,
           PhaseKind   kind,
           Conn       *conns,
           guint       n)
{
  guint n_threads = MAX (1, MIN ((guint) opt_threads, n));
  g_autofree Worker *workers = g_new0 (Worker, n_threads);
  g_autofree GThread **threads = g_new0 (GThread *, n_threads);
  PhaseResult result = { .name = name, .count = n };
  XgBenchProc server_before = xg_bench_proc_sample (bench.server.pid);
  XgBenchProc self_before = xg_bench_proc_sample (getpid ());
  XgBenchProc server_after, self_after;
  gdouble host_before = xg_bench_host_busy_seconds ();
  gint64 start = g_get_monotonic_time ();

  result.latencies = g_array_new (FALSE, FALSE, sizeof (gdouble));
  for (guint t = 0; t < n_threads; t++)
    {
      workers[t] = (Worker) {
        .kind = kind, .conns = conns, .n = n, .first = t, .step = n_threads,
        .latencies = g_array_new (FALSE, FALSE, sizeof (gdouble)),
      };
      threads[t] = g_thread_new ("xg-bench-worker", worker_main, &workers[t]);
    }
  for (guint t = 0; t < n_threads; t++)
    {
      g_thread_join (threads[t]);
      result.ok += workers[t].ok;
      result.failed += workers[t].failed;
      result.busy += workers[t].busy;
      g_array_append_vals (result.latencies, workers[t].latencies->data, workers[t].latencies->len);
      g_array_unref (workers[t].latencies);
    }
  result.wall = (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
  server_after = xg_bench_proc_sample (bench.server.pid);
  self_after = xg_bench_proc_sample (getpid ());
  result.server_cpu = server_after.ok && server_before.ok ? server_after.cpu - server_before.cpu : 0;
  result.bench_cpu = self_after.cpu - self_before.cpu;
  result.other_cpu = MAX (0, xg_bench_host_busy_seconds () - host_before - result.server_cpu - result.bench_cpu);
  g_array_sort (result.latencies, xg_bench_compare_doubles);
  return result;
}

/* --- Output -------------------------------------------------------------- */

static void
print_phase (const PhaseResult *r)
{
  g_print ("  %-28s %7u %7u %8.2f %9.1f %9.2f %9.3f %9.2f %9.2f\n",
           r->name, r->ok, r->failed, r->wall, r->wall > 0 ? r->ok / r->wall : 0,
           r->server_cpu, r->ok ? r->server_cpu * 1000 / r->ok : 0, r->bench_cpu, r->other_cpu);
}

static void
print_latency (const char *name,
               GArray     *sorted)
{
  if (sorted == NULL || sorted->len == 0)
    return;
  g_print ("  %-28s %8u %8.2f %8.2f %8.2f %8.2f\n", name, sorted->len,
           xg_bench_percentile (sorted, 0.5), xg_bench_percentile (sorted, 0.9), xg_bench_percentile (sorted, 0.99),
           g_array_index (sorted, gdouble, sorted->len - 1));
}

static void
print_memory (const char       *name,
              const XgBenchProc *s,
              const XgBenchProc *baseline,
              guint             n)
{
  g_print ("  %-30s %10" G_GUINT64_FORMAT " %10" G_GUINT64_FORMAT " %6u %7u",
           name, s->rss_kib, s->hwm_kib, s->threads, s->fds);
  if (baseline != NULL && n > 0)
    g_print ("   %6.2f KiB/conn", ((gdouble) s->rss_kib - (gdouble) baseline->rss_kib) / n);
  g_print ("\n");
}

/* --- Main ---------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- hold many idle logged-in connections to xinge-server");
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) started = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (started, "%Y-%m-%d %H:%M:%S %z");
  PhaseResult connect, token, password_connect, password, verify, shutdown_check;
  XgBenchProc baseline, logged_in, end_of_hold, after_password, hold_start_sample, self_start, self_logged_in;
  gdouble seed_seconds = 0, hold_wall, hold_server_cpu, hold_bench_cpu, hold_other_cpu, shutdown_seconds;
  guint failures, heartbeats_sent, heartbeats_failed, n_logged_in = 0;
  gint64 hold_start, shutdown_start;
  int server_status;
  gboolean ok = TRUE;

  g_option_context_add_main_entries (context, option_entries, NULL);
  g_option_context_set_summary (context,
                                "Seeds accounts, starts xinge-server, opens N TLS connections, logs them in "
                                "with resume tokens, holds them with heartbeats, measures the server's "
                                "memory and CPU, then times M password logins. See docs/BENCHMARKS.md.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_connections < 1 || opt_hold < 0 || opt_password_logins < 0 || opt_threads < 1 ||
      opt_window < 1 || opt_password_window < 1)
    {
      g_printerr ("--connections, --threads and the windows must be at least 1; --hold and "
                  "--password-logins at least 0\n");
      return 2;
    }

  bench.n_held = (guint) opt_connections;
  bench.n_password = (guint) opt_password_logins;
  bench.server.binary = g_strdup (opt_server ? opt_server
                                  : g_getenv ("XG_SERVER_BINARY") ? g_getenv ("XG_SERVER_BINARY")
                                  : XG_BENCH_SERVER_BINARY);
  if (!xg_bench_raise_fd_limit (bench.n_held + bench.n_password + 64))
    return 2;
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_printerr ("GIO has no TLS backend (install glib-networking)\n");
      return 2;
    }

  bench.held = g_new0 (Conn, bench.n_held);
  bench.password = g_new0 (Conn, MAX (bench.n_password, 1));
  for (guint i = 0; i < bench.n_held; i++)
    g_mutex_init (&bench.held[i].lock);
  for (guint i = 0; i < bench.n_password; i++)
    g_mutex_init (&bench.password[i].lock);
  g_mutex_init (&bench.heartbeat_lock);
  bench.heartbeat_rtts = g_array_new (FALSE, FALSE, sizeof (gdouble));

  bench.server.data_dir = g_dir_make_tmp ("xg-bench-XXXXXX", &error);
  if (bench.server.data_dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_print ("xg-bench-connections: %u connections, hold %d s, %u password logins, %d threads, "
           "token window %d/thread, password window %d/thread\n",
           bench.n_held, opt_hold, bench.n_password, opt_threads, opt_window, opt_password_window);
  g_print ("date: %s, %u CPUs\n", date, g_get_num_processors ());
  g_print ("server: %s\ndata: %s\n", bench.server.binary, bench.server.data_dir);

  /* 1. Accounts and tokens. */
  if (!seed (&seed_seconds))
    {
      g_printerr ("Seeding failed\n");
      if (!opt_keep_data)
        xg_bench_remove_tree (bench.server.data_dir);
      return 1;
    }
  g_print ("seeding: %u accounts (%u with a resume token) through the store in %.2f s\n",
           bench.n_held + bench.n_password, bench.n_held, seed_seconds);

  if (opt_compare || opt_cycles > 0)
    {
      XgBenchCompareOptions *o = &xg_bench_compare_options;
      g_autofree guint64 *ids = g_new0 (guint64, bench.n_held);
      g_autofree GBytes **tokens = g_new0 (GBytes *, bench.n_held);
      int status;

      for (guint i = 0; i < bench.n_held; i++)
        {
          ids[i] = bench.held[i].account_id;
          tokens[i] = bench.held[i].token;
        }
      o->connections = (guint) opt_connections;
      o->resumed = opt_compare ? MIN ((guint) MAX (opt_resumed, 0), o->connections) : 0;
      o->window = (guint) opt_window;
      o->interval = (guint) MAX (opt_interval, 1);
      o->hold = (guint) MAX (opt_compare_hold, 0);
      o->rounds = (guint) MAX (opt_rounds, 1);
      o->mosquitto = opt_mosquitto;
      o->before = opt_before;
      o->cycles = (guint) opt_cycles;
      o->hello_only = opt_hello_only;
      o->mosquitto_password = opt_mosquitto_password;
      o->pipeline = !opt_wait_welcome;
      o->cycles_plain = opt_transport == NULL || g_str_equal (opt_transport, "both") || g_str_equal (opt_transport, "plain");
      o->cycles_tls = opt_transport == NULL || g_str_equal (opt_transport, "both") || g_str_equal (opt_transport, "tls");
      status = opt_compare ? xg_bench_compare_run (bench.server.binary, bench.server.data_dir, ids, tokens)
                           : xg_bench_cycles_run (bench.server.binary, bench.server.data_dir, ids, tokens);
      if (!opt_keep_data)
        xg_bench_remove_tree (bench.server.data_dir);
      return status;
    }

  /* 2. The server. */
  if (!start_server ())
    {
      if (bench.server.process != NULL)
        stop_server (SIGKILL, 10);
      if (!opt_keep_data)
        xg_bench_remove_tree (bench.server.data_dir);
      return 1;
    }
  g_print ("server: pid %d, tls://%s, heartbeat %d s, idle timeout %d s\n",
           bench.server.pid, bench.server.address, HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT);
  g_usleep (G_USEC_PER_SEC);
  baseline = xg_bench_proc_sample (bench.server.pid);
  self_start = xg_bench_proc_sample (getpid ());

  bench.heartbeat_thread = g_thread_new ("xg-bench-heartbeat", heartbeat_main, NULL);

  /* 3. Connect and log in with tokens. */
  g_print ("connecting %u...\n", bench.n_held);
  connect = run_phase ("TCP + TLS + HELLO", PHASE_CONNECT, bench.held, bench.n_held);
  g_print ("logging in %u with TOKEN_LOGIN...\n", bench.n_held);
  token = run_phase ("TOKEN_LOGIN", PHASE_TOKEN_LOGIN, bench.held, bench.n_held);

  /* Let the server settle (freed handshake buffers, thread pools idle). */
  g_usleep (2 * G_USEC_PER_SEC);
  logged_in = xg_bench_proc_sample (bench.server.pid);
  self_logged_in = xg_bench_proc_sample (getpid ());

  /* 4. Hold, with heartbeats spread evenly over the interval. */
  g_print ("holding %u for %d s...\n", bench.n_held, opt_hold);
  g_mutex_lock (&bench.heartbeat_lock);
  heartbeats_sent = bench.heartbeats_sent;
  heartbeats_failed = bench.heartbeats_failed;
  g_mutex_unlock (&bench.heartbeat_lock);
  g_atomic_int_set (&bench.heartbeat_spread, TRUE);
  hold_start_sample = xg_bench_proc_sample (bench.server.pid);
  {
    XgBenchProc self_hold_start = xg_bench_proc_sample (getpid ());
    XgBenchProc self_hold_end;

    gdouble host_hold_start = xg_bench_host_busy_seconds ();

    hold_start = g_get_monotonic_time ();
    g_usleep ((gulong) opt_hold * G_USEC_PER_SEC);
    hold_wall = (g_get_monotonic_time () - hold_start) / (gdouble) G_USEC_PER_SEC;
    end_of_hold = xg_bench_proc_sample (bench.server.pid);
    self_hold_end = xg_bench_proc_sample (getpid ());
    hold_server_cpu = end_of_hold.cpu - hold_start_sample.cpu;
    hold_bench_cpu = self_hold_end.cpu - self_hold_start.cpu;
    hold_other_cpu = MAX (0, xg_bench_host_busy_seconds () - host_hold_start - hold_server_cpu - hold_bench_cpu);
  }
  g_mutex_lock (&bench.heartbeat_lock);
  heartbeats_sent = bench.heartbeats_sent - heartbeats_sent;
  heartbeats_failed = bench.heartbeats_failed - heartbeats_failed;
  g_mutex_unlock (&bench.heartbeat_lock);

  /* 5. Password logins, while the others stay held. */
  if (bench.n_password > 0)
    {
      g_print ("password logins: %u...\n", bench.n_password);
      password_connect = run_phase ("TCP + TLS + HELLO (pw set)", PHASE_CONNECT, bench.password, bench.n_password);
      password = run_phase ("LOGIN (password)", PHASE_PASSWORD_LOGIN, bench.password, bench.n_password);
    }
  else
    {
      password_connect = (PhaseResult) { .name = "TCP + TLS + HELLO (pw set)" };
      password = (PhaseResult) { .name = "LOGIN (password)" };
    }
  after_password = xg_bench_proc_sample (bench.server.pid);

  /* 6. Every held connection still alive, then SIGTERM. */
  g_atomic_int_set (&bench.heartbeat_stop, TRUE);
  g_thread_join (g_steal_pointer (&bench.heartbeat_thread));
  verify = run_phase ("final HEARTBEAT", PHASE_VERIFY, bench.held, bench.n_held);

  g_print ("stopping the server (SIGTERM)...\n");
  shutdown_start = g_get_monotonic_time ();
  server_status = stop_server (SIGTERM, SHUTDOWN_TIMEOUT_S);
  shutdown_seconds = (g_get_monotonic_time () - shutdown_start) / (gdouble) G_USEC_PER_SEC;
  shutdown_check = run_phase ("FORCED_LOGOUT at shutdown", PHASE_SHUTDOWN, bench.held, bench.n_held);
  {
    PhaseResult pw_shutdown = run_phase ("FORCED_LOGOUT at shutdown", PHASE_SHUTDOWN, bench.password,
                                         bench.n_password);

    shutdown_check.ok += pw_shutdown.ok;
    shutdown_check.failed += pw_shutdown.failed;
    g_array_unref (pw_shutdown.latencies);
  }

  /* Results. */
  g_print ("\n  %-28s %7s %7s %8s %9s %9s %9s %9s %9s\n", "phase", "ok", "failed", "wall s", "rate/s",
           "srv CPU", "srv ms/op", "bench CPU", "other CPU");
  print_phase (&connect);
  print_phase (&token);
  if (bench.n_password > 0)
    {
      print_phase (&password_connect);
      print_phase (&password);
    }
  print_phase (&verify);
  g_print ("  (CPU in seconds; srv ms/op: server CPU per operation; other: the rest of the host)\n");

  g_print ("\nlatency as the client sees it (ms)      n      p50      p90      p99      max\n");
  print_latency ("TCP + TLS + HELLO", connect.latencies);
  print_latency ("TOKEN_LOGIN", token.latencies);
  print_latency ("LOGIN (password)", password.latencies);
  g_array_sort (bench.heartbeat_rtts, xg_bench_compare_doubles);
  print_latency ("HEARTBEAT (heartbeat thread)", bench.heartbeat_rtts);
  print_latency ("HEARTBEAT (final check)", verify.latencies);

  /* Memory per connection is per connection actually held. */
  for (guint i = 0; i < bench.n_held; i++)
    if (bench.held[i].logged_in)
      n_logged_in++;
  g_print ("\nserver process                      RSS KiB    HWM KiB  thrds     fds   (RSS - baseline) / %u held\n",
           n_logged_in);
  print_memory ("baseline (no connections)", &baseline, NULL, 0);
  print_memory ("all logged in", &logged_in, &baseline, n_logged_in);
  print_memory ("end of hold", &end_of_hold, &baseline, n_logged_in);
  if (bench.n_password > 0)
    print_memory ("after password logins", &after_password, &baseline, n_logged_in + password.ok);

  g_print ("\nidle hold: %.1f s, server CPU %.2f s = %.2f %% of one core; bench CPU %.2f s = %.2f %%; "
           "other processes %.2f s = %.2f %%\n",
           hold_wall, hold_server_cpu, hold_wall > 0 ? 100 * hold_server_cpu / hold_wall : 0,
           hold_bench_cpu, hold_wall > 0 ? 100 * hold_bench_cpu / hold_wall : 0,
           hold_other_cpu, hold_wall > 0 ? 100 * hold_other_cpu / hold_wall : 0);
  g_print ("heartbeats during the hold: %u sent, %u failed (all runs: %u sent, %u failed, %u deferred)\n",
           heartbeats_sent, heartbeats_failed, bench.heartbeats_sent, bench.heartbeats_failed,
           bench.heartbeats_skipped);
  g_print ("token logins: %.0f/s (TOKEN_LOGIN alone, %d in flight per thread); "
           "TLS connects: %.0f/s (%d full handshakes with certificate checks); "
           "both: %.0f/s\n",
           token.wall > 0 ? token.ok / token.wall : 0, opt_window,
           connect.wall > 0 ? connect.ok / connect.wall : 0, g_atomic_int_get (&bench.pin.full_handshakes),
           connect.wall + token.wall > 0 ? token.ok / (connect.wall + token.wall) : 0);
  if (bench.n_password > 0)
    g_print ("password logins: %.1f/s (%u LOGIN_FAIL(BUSY) sent again)\n",
             password.wall > 0 ? password.ok / password.wall : 0, password.busy);
  g_print ("bench process: RSS %" G_GUINT64_FORMAT " KiB -> %" G_GUINT64_FORMAT " KiB with all logged in "
           "(%.2f KiB/conn), CPU %.2f s for connect + login\n",
           self_start.rss_kib, self_logged_in.rss_kib,
           ((gdouble) self_logged_in.rss_kib - (gdouble) self_start.rss_kib) / MAX (n_logged_in, 1),
           connect.bench_cpu + token.bench_cpu);
  g_print ("shutdown: SIGTERM to exit %.2f s, exit status %d, FORCED_LOGOUT(SERVER_SHUTDOWN) received by %u of %u\n",
           shutdown_seconds, server_status, shutdown_check.ok, shutdown_check.ok + shutdown_check.failed);

  if (g_atomic_int_get (&bench.memory_low))
    g_print ("memory guard: connecting stopped with %u connections open: host MemAvailable %" G_GUINT64_FORMAT
             " MiB < %d MiB, server RSS %" G_GUINT64_FORMAT " KiB\n",
             bench.memory_low_open, bench.memory_low_available_mib, opt_min_free_mib,
             bench.memory_low_server_rss_kib);

  /* A connection failed if any of its steps did. */
  failures = 0;
  for (guint i = 0; i < bench.n_held; i++)
    if (g_atomic_int_get (&bench.held[i].dead) || !bench.held[i].logged_in)
      failures++;
  for (guint i = 0; i < bench.n_password; i++)
    if (g_atomic_int_get (&bench.password[i].dead) || !bench.password[i].logged_in)
      failures++;
  if (server_status != 0)
    {
      g_printerr ("xinge-server exited with status %d after SIGTERM\n", server_status);
      ok = FALSE;
    }
  if (shutdown_check.failed > 0)
    ok = FALSE;

  for (guint i = 0; i < bench.n_held; i++)
    conn_clear (&bench.held[i]);
  for (guint i = 0; i < bench.n_password; i++)
    conn_clear (&bench.password[i]);
  g_free (bench.held);
  g_free (bench.password);
  g_array_unref (connect.latencies);
  g_array_unref (token.latencies);
  if (password_connect.latencies != NULL)
    g_array_unref (password_connect.latencies);
  if (password.latencies != NULL)
    g_array_unref (password.latencies);
  g_array_unref (verify.latencies);
  g_array_unref (shutdown_check.latencies);
  g_array_unref (bench.heartbeat_rtts);
  g_mutex_clear (&bench.heartbeat_lock);
  if (!opt_keep_data)
    xg_bench_remove_tree (bench.server.data_dir);
  g_free (bench.server.data_dir);
  g_free (bench.server.binary);

  g_print ("connections: %u, failures: %u\n", bench.n_held, failures);
  return failures == 0 && ok ? 0 : 1;
}
