/* xg-bench-compare.c: xinge-server against mosquitto, per connection; and login cycles
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The modes of xg-bench-connections that need the same load on more than
 * one server (docs/BENCHMARKS.md):
 *
 * --compare: in each round, for each server (xinge-server, optionally an
 * older xinge-server given with --before, and Debian's mosquitto) and each
 * transport (plain TCP, TLS 1.3 with the certificate the Xinge server
 * created): start it, open N connections and log each in (Xinge: HELLO,
 * TOKEN_LOGIN; MQTT: CONNECT, clean session), wait for the answers, read
 * the server's RSS and CPU from /proc; then, over TLS, hold them with a
 * heartbeat each (HEARTBEAT / PINGREQ) every --interval seconds, spread
 * evenly, and read the CPU again; then reconnect a share of them with TLS
 * session resumption (the ticket of the first connection). Printed: memory
 * per connection (RSS delta / N), server CPU per session, idle CPU, and the
 * ratios Xinge / mosquitto per round.
 *
 * --cycles C: connect, HELLO, TOKEN_LOGIN, LOGIN_OK, disconnect, C times
 * (a window of them at once), and the server's RSS before and after.
 *
 * The client is one thread with non-blocking sockets in epoll and GnuTLS
 * sessions of its own, the same code for every server: what differs is
 * only the few bytes of each protocol.
 */
#define G_LOG_DOMAIN "xg-bench"

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gnutls/gnutls.h>

#include "xg-bench-common.h"
#include "xg-bench-compare.h"
#include "xg-proto.h"

XgBenchCompareOptions xg_bench_compare_options;

/* Both servers give up on a client only after this long without a packet
 * (mosquitto: 1.5 x the keep-alive; Xinge: its heartbeat-timeout), so
 * that the first connections outlast opening the last ones, which takes
 * minutes on a busy machine; heartbeats start with the hold. */
#define KEEPALIVE 600

#define MQTT_CONNECT   0x10
#define MOSQUITTO_USER "bench"   /* --mosquitto-password */
#define MQTT_CONNACK   0x20
#define MQTT_PINGREQ   0xc0
#define MQTT_PINGRESP  0xd0

typedef enum {
  SERVER_XINGE,
  SERVER_BEFORE,
  SERVER_MOSQUITTO,
  N_SERVERS
} ServerKind;

static const char *const server_names[] = { "xinge", "xinge-before", "mosquitto" };

typedef enum {
  PHASE_IDLE,         /* no socket */
  PHASE_CONNECTING,
  PHASE_HANDSHAKE,
  PHASE_GREETING,     /* HELLO or CONNECT sent */
  PHASE_LOGIN,        /* TOKEN_LOGIN sent */
  PHASE_READY,
  PHASE_FAILED,
} Phase;

typedef struct {
  int               fd;
  gnutls_session_t  tls;
  Phase             phase;
  guint             index;
  XgProtoDecoder   *decoder;         /* Xinge */
  guint8            mqtt[8];         /* MQTT: a partial packet (they are all tiny here) */
  guint             mqtt_have;
  GByteArray       *out;             /* not yet written; NULL when empty */
  guint             out_offset;
  guint             heartbeats_out;  /* sent, not yet answered */
  gboolean          watching_out;
} Client;

typedef struct {
  ServerKind        kind;
  gboolean          tls;
  GSocketAddress   *address;
  struct sockaddr_storage native;
  socklen_t         native_len;
  int               pid;
  const char       *fingerprint;

  int               epoll_fd;
  gnutls_certificate_credentials_t credentials;
  gnutls_datum_t    resume;          /* session data to resume from, when resuming */
  gboolean          resuming;
  Client           *clients;
  guint             n_clients;
  guint64          *account_ids;
  GBytes          **tokens;

  guint             ready;           /* logins answered */
  guint             failed;
  guint             open;            /* sockets open */
  guint             resumed;         /* handshakes that resumed */
  guint             full;            /* full handshakes */
  guint             heartbeats_sent;
  guint             heartbeats_answered;
  guint             cycles_done;     /* --cycles: logins completed and closed */
  gboolean          cycling;
  guint8           *buffer;
  int               errors_reported;
} Load;

static void
load_report (Load       *load,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
load_report (Load       *load,
             const char *format,
             ...)
{
  va_list args;
  g_autofree char *text = NULL;

  if (load->errors_reported++ >= XG_BENCH_MAX_REPORTED)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("error: %s: %s\n", server_names[load->kind], text);
}

/* --- One client connection ---------------------------------------------- */

static void
client_close (Load   *load,
              Client *c)
{
  if (c->fd < 0)
    return;
  /* A close_notify, as a client that logs off sends; not waited for. */
  if (c->tls != NULL && c->phase >= PHASE_GREETING && c->phase != PHASE_FAILED)
    gnutls_bye (c->tls, GNUTLS_SHUT_WR);
  epoll_ctl (load->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  c->fd = -1;
  g_clear_pointer (&c->tls, gnutls_deinit);
  g_clear_pointer (&c->decoder, xg_proto_decoder_free);
  g_clear_pointer (&c->out, g_byte_array_unref);
  c->out_offset = 0;
  c->mqtt_have = 0;
  c->heartbeats_out = 0;
  c->watching_out = FALSE;
  load->open--;
}

static void
client_fail (Load       *load,
             Client     *c,
             const char *why)
{
  load_report (load, "connection %u: %s", c->index, why);
  if (c->phase != PHASE_READY)
    load->failed++;
  client_close (load, c);
  c->phase = PHASE_FAILED;
}

static void
client_watch (Load     *load,
              Client   *c,
              gboolean  out)
{
  struct epoll_event event = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c };

  if (out == c->watching_out)
    return;
  c->watching_out = out;
  epoll_ctl (load->epoll_fd, EPOLL_CTL_MOD, c->fd, &event);
}

/* Writes what is queued; FALSE if the connection failed. */
static gboolean
client_flush (Load   *load,
              Client *c)
{
  while (c->out != NULL)
    {
      const guint8 *data = c->out->data + c->out_offset;
      gsize len = c->out->len - c->out_offset;
      ssize_t n;

      if (c->tls != NULL)
        {
          n = gnutls_record_send (c->tls, data, len);
          if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            {
              client_watch (load, c, TRUE);
              return TRUE;
            }
          if (n < 0)
            {
              client_fail (load, c, gnutls_strerror ((int) n));
              return FALSE;
            }
        }
      else
        {
          n = send (c->fd, data, len, MSG_NOSIGNAL);
          if (n < 0 && (errno == EAGAIN || errno == EINTR))
            {
              client_watch (load, c, TRUE);
              return TRUE;
            }
          if (n < 0)
            {
              client_fail (load, c, g_strerror (errno));
              return FALSE;
            }
        }
      c->out_offset += n;
      if (c->out_offset == c->out->len)
        {
          g_clear_pointer (&c->out, g_byte_array_unref);
          c->out_offset = 0;
        }
    }
  client_watch (load, c, FALSE);
  return TRUE;
}

static gboolean
client_write (Load         *load,
              Client       *c,
              const guint8 *data,
              gsize         len)
{
  if (c->out == NULL)
    c->out = g_byte_array_sized_new (len);
  g_byte_array_append (c->out, data, len);
  return client_flush (load, c);
}

static GVariant *
token_login_body (Load   *load,
                  Client *c)
{
  return xg_proto_token_login_new (load->account_ids[c->index % load->n_clients],
                                   load->tokens[c->index % load->n_clients]);
}

static gboolean
client_send_frame (Load     *load,
                   Client   *c,
                   guint16   type,
                   GVariant *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = xg_proto_frame_encode (type, 1, body, &error);
  gsize size;
  const guint8 *data;

  if (frame == NULL)
    {
      client_fail (load, c, error->message);
      return FALSE;
    }
  data = g_bytes_get_data (frame, &size);
  return client_write (load, c, data, size);
}

/* Says hello, in the server's protocol. */
static void
client_greet (Load   *load,
              Client *c)
{
  c->phase = PHASE_GREETING;
  if (load->kind == SERVER_MOSQUITTO)
    {
      g_autoptr(GByteArray) body = g_byte_array_new ();
      g_autoptr(GByteArray) packet = g_byte_array_new ();
      g_autofree char *client_id = g_strdup_printf ("bench-%06u", c->index);
      gboolean password = xg_bench_compare_options.mosquitto_password;
      /* 3.1.1, clean session; with a user name and password */
      guint8 level_flags[2] = { 4, password ? 0xC2 : 0x02 };
      guint8 header = MQTT_CONNECT;

      xg_bench_mqtt_put_string (body, "MQTT");
      g_byte_array_append (body, level_flags, 2);
      xg_bench_mqtt_put_u16 (body, KEEPALIVE);   /* keep-alive, s */
      xg_bench_mqtt_put_string (body, client_id);
      if (password)
        {
          xg_bench_mqtt_put_string (body, MOSQUITTO_USER);
          xg_bench_mqtt_put_string (body, XG_BENCH_PASSWORD);
        }
      g_byte_array_append (packet, &header, 1);
      xg_bench_mqtt_put_length (packet, body->len);
      g_byte_array_append (packet, body->data, body->len);
      client_write (load, c, packet->data, packet->len);
    }
  else if (xg_bench_compare_options.pipeline && !xg_bench_compare_options.hello_only)
    {
      /* One write, one exchange (docs/PROTOCOL.md 3.1); WELCOME is then
       * only passed over. */
      g_autoptr(GBytes) hello = xg_proto_frame_encode (XG_PACKET_HELLO, 1,
                                                      xg_proto_hello_new (XG_PROTO_VERSION, "xg-bench", "1"), NULL);
      g_autoptr(GBytes) login = xg_proto_frame_encode (XG_PACKET_TOKEN_LOGIN, 2, token_login_body (load, c), NULL);
      g_autoptr(GByteArray) both = g_byte_array_new ();

      g_byte_array_append (both, g_bytes_get_data (hello, NULL), g_bytes_get_size (hello));
      g_byte_array_append (both, g_bytes_get_data (login, NULL), g_bytes_get_size (login));
      c->phase = PHASE_LOGIN;
      client_write (load, c, both->data, both->len);
    }
  else
    client_send_frame (load, c, XG_PACKET_HELLO, xg_proto_hello_new (XG_PROTO_VERSION, "xg-bench", "1"));
}

static void
client_heartbeat (Load   *load,
                  Client *c)
{
  load->heartbeats_sent++;
  c->heartbeats_out++;
  if (load->kind == SERVER_MOSQUITTO)
    {
      static const guint8 ping[2] = { MQTT_PINGREQ, 0 };

      client_write (load, c, ping, 2);
    }
  else
    client_send_frame (load, c, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (g_get_real_time () / 1000));
}

static void client_start (Load *load, Client *c);

/* The login was answered. */
static void
client_ready (Load   *load,
              Client *c)
{
  c->phase = PHASE_READY;
  load->ready++;
  if (c->tls != NULL && !load->resuming && load->resume.data == NULL)
    gnutls_session_get_data2 (c->tls, &load->resume);
  if (load->cycling)
    {
      /* A whole session: now disconnect and begin the next one. */
      client_close (load, c);
      load->cycles_done++;
      c->phase = PHASE_IDLE;
    }
}

static void
xinge_frame (Load               *load,
             Client             *c,
             const XgProtoFrame *frame)
{
  switch (frame->type)
    {
    case XG_PACKET_WELCOME:
      if (c->phase == PHASE_GREETING && xg_bench_compare_options.hello_only)
        client_ready (load, c);
      else if (c->phase == PHASE_GREETING)
        {
          c->phase = PHASE_LOGIN;
          client_send_frame (load, c, XG_PACKET_TOKEN_LOGIN, token_login_body (load, c));
        }
      break;
    case XG_PACKET_LOGIN_OK:
      if (c->phase == PHASE_LOGIN)
        client_ready (load, c);
      break;
    case XG_PACKET_LOGIN_FAIL:
    case XG_PACKET_ERROR:
    case XG_PACKET_FORCED_LOGOUT:
      client_fail (load, c, xg_proto_packet_info (frame->type)->name);
      break;
    case XG_PACKET_HEARTBEAT_ACK:
      if (c->heartbeats_out > 0)
        {
          c->heartbeats_out--;
          load->heartbeats_answered++;
        }
      break;
    default:
      break;   /* the pushes after a login */
    }
}

static void
mqtt_packet (Load         *load,
             Client       *c,
             guint8        type,
             const guint8 *body,
             guint         len)
{
  if ((type & 0xf0) == MQTT_CONNACK && len == 2 && c->phase == PHASE_GREETING)
    {
      if (body[1] != 0)
        client_fail (load, c, "CONNACK refused");
      else
        client_ready (load, c);
    }
  else if ((type & 0xf0) == MQTT_PINGRESP && c->heartbeats_out > 0)
    {
      c->heartbeats_out--;
      load->heartbeats_answered++;
    }
}

/* Feeds what was read to the protocol; FALSE if the connection ended. */
static gboolean
client_consume (Load         *load,
                Client       *c,
                const guint8 *data,
                gsize         len)
{
  if (load->kind != SERVER_MOSQUITTO)
    {
      while (len > 0 && c->fd >= 0)
        {
          g_autoptr(XgProtoFrame) frame = NULL;
          g_autoptr(GError) error = NULL;
          gsize used;

          if (c->decoder == NULL)
            c->decoder = xg_proto_decoder_new (XG_PROTO_DEFAULT_MAX_FRAME);
          used = xg_proto_decoder_feed (c->decoder, data, len, &frame, &error);
          data += used;
          len -= used;
          if (error != NULL)
            {
              client_fail (load, c, error->message);
              return FALSE;
            }
          if (frame != NULL)
            xinge_frame (load, c, frame);
        }
      if (c->decoder != NULL && xg_proto_decoder_is_idle (c->decoder))
        g_clear_pointer (&c->decoder, xg_proto_decoder_free);
      return c->fd >= 0;
    }

  for (gsize i = 0; i < len && c->fd >= 0; i++)
    {
      if (c->mqtt_have == sizeof c->mqtt)
        {
          client_fail (load, c, "an MQTT packet larger than expected");
          return FALSE;
        }
      c->mqtt[c->mqtt_have++] = data[i];
      if (c->mqtt_have >= 2 && !(c->mqtt[1] & 0x80) && c->mqtt_have == 2u + c->mqtt[1])
        {
          mqtt_packet (load, c, c->mqtt[0], c->mqtt + 2, c->mqtt[1]);
          c->mqtt_have = 0;
        }
    }
  return c->fd >= 0;
}

static void
client_readable (Load   *load,
                 Client *c)
{
  for (guint i = 0; i < 16 && c->fd >= 0; i++)
    {
      ssize_t n;

      if (c->tls != NULL)
        {
          n = gnutls_record_recv (c->tls, load->buffer, 65536);
          if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
            return;
          if (n < 0 && !gnutls_error_is_fatal ((int) n))
            continue;
          if (n <= 0)
            {
              client_fail (load, c, n == 0 ? "closed by the server" : gnutls_strerror ((int) n));
              return;
            }
        }
      else
        {
          n = recv (c->fd, load->buffer, 65536, 0);
          if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
          if (n <= 0)
            {
              client_fail (load, c, n == 0 ? "closed by the server" : g_strerror (errno));
              return;
            }
        }
      if (!client_consume (load, c, load->buffer, (gsize) n))
        return;
    }
}

static void
client_handshake (Load   *load,
                  Client *c)
{
  int rc;

  do
    rc = gnutls_handshake (c->tls);
  while (rc < 0 && rc != GNUTLS_E_AGAIN && !gnutls_error_is_fatal (rc));

  if (rc == GNUTLS_E_AGAIN)
    {
      client_watch (load, c, gnutls_record_get_direction (c->tls) == 1);
      return;
    }
  if (rc < 0)
    {
      client_fail (load, c, gnutls_strerror (rc));
      return;
    }
  if (gnutls_session_is_resumed (c->tls))
    load->resumed++;
  else
    {
      /* A full handshake: the certificate must be the pinned one. */
      unsigned int n_certs = 0;
      const gnutls_datum_t *certs = gnutls_certificate_get_peers (c->tls, &n_certs);
      g_autofree char *fingerprint = n_certs > 0 ? xg_proto_fingerprint (certs[0].data, certs[0].size) : NULL;

      load->full++;
      if (fingerprint == NULL || g_strcmp0 (fingerprint, load->fingerprint) != 0)
        {
          client_fail (load, c, "the certificate is not the pinned one");
          return;
        }
    }
  client_watch (load, c, FALSE);
  client_greet (load, c);
}

static void
client_on_io (Load    *load,
              Client  *c,
              guint32  events)
{
  if (c->phase == PHASE_CONNECTING)
    {
      int error = 0;
      socklen_t len = sizeof error;

      getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0)
        {
          client_fail (load, c, g_strerror (error));
          return;
        }
      if (c->tls != NULL)
        {
          c->phase = PHASE_HANDSHAKE;
          client_handshake (load, c);
        }
      else
        {
          client_watch (load, c, FALSE);
          client_greet (load, c);
        }
      return;
    }
  if (c->phase == PHASE_HANDSHAKE)
    {
      client_handshake (load, c);
      return;
    }
  if ((events & EPOLLOUT) && !client_flush (load, c))
    return;
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
    client_readable (load, c);
}

static void
client_start (Load   *load,
              Client *c)
{
  struct epoll_event event = { .events = EPOLLOUT, .data.ptr = c };
  int on = 1;

  c->fd = socket (load->native.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (c->fd < 0)
    {
      load->failed++;
      c->phase = PHASE_FAILED;
      load_report (load, "socket: %s", g_strerror (errno));
      return;
    }
  load->open++;
  setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (load->cycling)
    {
      /* Many source addresses, so that 100 000 closed connections in
       * TIME_WAIT do not use up the ephemeral ports of one. */
      struct sockaddr_in source = { .sin_family = AF_INET };

      source.sin_addr.s_addr = htonl (0x7f000000u | (2 + (load->cycles_done + c->index) % 250));
      bind (c->fd, (struct sockaddr *) &source, sizeof source);
    }
  c->phase = PHASE_CONNECTING;
  c->watching_out = TRUE;
  epoll_ctl (load->epoll_fd, EPOLL_CTL_ADD, c->fd, &event);
  if (connect (c->fd, (struct sockaddr *) &load->native, load->native_len) < 0 && errno != EINPROGRESS)
    {
      client_fail (load, c, g_strerror (errno));
      return;
    }
  if (load->tls)
    {
      gnutls_init (&c->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL);
      gnutls_priority_set_direct (c->tls, XG_PROTO_TLS_PRIORITY, NULL);
      gnutls_credentials_set (c->tls, GNUTLS_CRD_CERTIFICATE, load->credentials);
      if (load->resuming && load->resume.data != NULL)
        gnutls_session_set_data (c->tls, load->resume.data, load->resume.size);
      gnutls_transport_set_int (c->tls, c->fd);
    }
}

/* --- The load ------------------------------------------------------------ */

static void
load_init (Load          *load,
           ServerKind     kind,
           gboolean       tls,
           GSocketAddress *address,
           int            pid,
           const char    *fingerprint,
           guint          n,
           guint64       *account_ids,
           GBytes       **tokens)
{
  memset (load, 0, sizeof *load);
  load->kind = kind;
  load->tls = tls;
  load->address = address;
  load->pid = pid;
  load->fingerprint = fingerprint;
  load->native_len = g_socket_address_get_native_size (address);
  g_socket_address_to_native (address, &load->native, sizeof load->native, NULL);
  load->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  gnutls_certificate_allocate_credentials (&load->credentials);
  load->n_clients = n;
  load->clients = g_new0 (Client, n);
  for (guint i = 0; i < n; i++)
    {
      load->clients[i].fd = -1;
      load->clients[i].index = i;
    }
  load->account_ids = account_ids;
  load->tokens = tokens;
  load->buffer = g_malloc (65536);
}

static void
load_clear (Load *load)
{
  for (guint i = 0; i < load->n_clients; i++)
    client_close (load, &load->clients[i]);
  g_free (load->clients);
  g_free (load->buffer);
  gnutls_free (load->resume.data);
  gnutls_certificate_free_credentials (load->credentials);
  close (load->epoll_fd);
}

/* One turn of the client's event loop, at most @timeout_ms. */
static void
load_poll (Load *load,
           int   timeout_ms)
{
  struct epoll_event events[256];
  int n = epoll_wait (load->epoll_fd, events, G_N_ELEMENTS (events), timeout_ms);

  for (int i = 0; i < n; i++)
    {
      Client *c = events[i].data.ptr;

      if (c->fd >= 0)
        client_on_io (load, c, events[i].events);
    }
}

/* Opens @first .. @first + @n - 1 (at most @window connecting at once),
 * and waits until each is logged in or failed; FALSE on a timeout. */
static gboolean
load_connect (Load  *load,
              guint  first,
              guint  n,
              guint  window)
{
  gint64 deadline = g_get_monotonic_time () + 300 * G_USEC_PER_SEC;
  guint target_done = load->ready + load->failed + n;
  guint next = first;

  while (load->ready + load->failed < target_done)
    {
      while (next < first + n && next - first - (load->ready + load->failed - (target_done - n)) < window)
        client_start (load, &load->clients[next++]);
      load_poll (load, 10);
      if (g_get_monotonic_time () > deadline)
        {
          load_report (load, "timed out with %u of %u logged in", load->ready, target_done);
          return FALSE;
        }
    }
  return TRUE;
}

/* Heartbeats on every ready connection, each every @interval s, spread
 * evenly, for @seconds. */
static void
load_hold (Load  *load,
           guint  seconds,
           guint  interval)
{
  gint64 start = g_get_monotonic_time ();
  gint64 end = start + (gint64) seconds * G_USEC_PER_SEC;
  guint64 due_done = 0;
  gint64 now;

  while ((now = g_get_monotonic_time ()) < end)
    {
      guint64 due = (guint64) (now - start) * load->n_clients / ((guint64) interval * G_USEC_PER_SEC);

      for (; due_done < due; due_done++)
        {
          Client *c = &load->clients[due_done % load->n_clients];

          if (c->phase == PHASE_READY && c->fd >= 0)
            client_heartbeat (load, c);
        }
      load_poll (load, 5);
    }
  /* The last answers. */
  for (gint64 until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
       load->heartbeats_answered < load->heartbeats_sent && g_get_monotonic_time () < until; )
    load_poll (load, 10);
}

/* --cycles: slot i logs account i in again and again. */
static gboolean
load_cycle (Load  *load,
            guint  cycles,
            guint  window)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) MAX (600, cycles / 50) * G_USEC_PER_SEC;
  guint started = 0;
  guint goal = load->cycles_done + cycles;

  window = MIN (window, load->n_clients);
  load->cycling = TRUE;
  while (load->cycles_done + load->failed < goal)
    {
      for (guint i = 0; i < window && started < cycles; i++)
        if (load->clients[i].phase == PHASE_IDLE || load->clients[i].phase == PHASE_FAILED)
          {
            load->clients[i].phase = PHASE_IDLE;
            client_start (load, &load->clients[i]);
            started++;
          }
      load_poll (load, 10);
      if (g_get_monotonic_time () > deadline)
        {
          load_report (load, "cycles timed out: %u of %u", load->cycles_done, goal);
          return FALSE;
        }
    }
  /* The server takes the closes. */
  while (load->open > 0)
    load_poll (load, 10);
  load->cycling = FALSE;
  return load->failed == 0;
}

/* --- Servers ------------------------------------------------------------- */

typedef struct {
  ServerKind        kind;
  gboolean          tls;
  XgBenchServer     xinge;
  XgBenchMosquitto  mosquitto;
  GSocketAddress   *address;
  int               pid;
  const char       *fingerprint;
} Target;

/* One user, MOSQUITTO_USER with XG_BENCH_PASSWORD, in a file of
 * mosquitto_passwd's (its default hash); its path, or NULL. */
static char *
mosquitto_password_file (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "mosquitto.passwd", NULL);
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "mosquitto_passwd", "-c", "-b", path, MOSQUITTO_USER, XG_BENCH_PASSWORD, NULL };
  int status;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("mosquitto_passwd: %s\n", error->message);
      return NULL;
    }
  return g_steal_pointer (&path);
}

static gboolean
target_start (Target     *t,
              const char *binary,
              const char *mosquitto,
              const char *data_dir,
              guint       n)
{
  if (t->kind == SERVER_MOSQUITTO)
    {
      g_autofree char *password_file = NULL;

      if (xg_bench_compare_options.mosquitto_password && (password_file = mosquitto_password_file (data_dir)) == NULL)
        return FALSE;
      if (!xg_bench_mosquitto_start (&t->mosquitto, mosquitto, data_dir, t->tls, password_file))
        return FALSE;
      t->address = t->mosquitto.address;
      t->pid = t->mosquitto.pid;
      t->fingerprint = t->mosquitto.fingerprint;
      return TRUE;
    }
  {
    g_autofree char *config = g_strdup_printf ("[server]\nmax-connections=%u\n\n"
                                               "[session]\nheartbeat-interval=%u\nheartbeat-timeout=%u\n",
                                               n + 100, xg_bench_compare_options.interval,
                                               KEEPALIVE * 3 / 2);

    memset (&t->xinge, 0, sizeof t->xinge);
    t->xinge.binary = (char *) binary;
    t->xinge.data_dir = (char *) data_dir;
    t->xinge.plain = !t->tls;
    if (!xg_bench_server_start (&t->xinge, config))
      return FALSE;
    t->address = t->xinge.socket_address;
    t->pid = t->xinge.pid;
    t->fingerprint = t->xinge.fingerprint;
    return TRUE;
  }
}

static void
target_stop (Target *t)
{
  if (t->kind == SERVER_MOSQUITTO)
    {
      xg_bench_mosquitto_stop (&t->mosquitto);
      xg_bench_mosquitto_clear (&t->mosquitto);
    }
  else
    {
      xg_bench_server_stop (&t->xinge, SIGTERM, 60);
      g_clear_object (&t->xinge.socket_address);
      g_clear_pointer (&t->xinge.address, g_free);
      g_clear_pointer (&t->xinge.fingerprint, g_free);
    }
}

/* --- --compare ----------------------------------------------------------- */

typedef struct {
  gboolean ran;
  guint    n;
  gdouble  kib_per_conn;     /* RSS delta / N */
  gdouble  cpu_us_session;   /* connect + hello/login */
  gdouble  idle_cpu_percent; /* TLS only */
  gdouble  resumed_cpu_us;   /* TLS only: a session with a resumed handshake */
  guint    resumed, resumed_of;
  guint    heartbeats_sent, heartbeats_answered;
  guint    failed;
} Figures;

static void
measure (Target     *t,
         guint64    *ids,
         GBytes    **tokens,
         Figures    *f)
{
  XgBenchCompareOptions *o = &xg_bench_compare_options;
  Load load;
  XgBenchProc before, after, hold_start, hold_end, res_start, res_end;
  guint n = o->connections;
  guint n_resumed = MIN (n, o->resumed);

  memset (f, 0, sizeof *f);
  load_init (&load, t->kind, t->tls, t->address, t->pid, t->fingerprint, n + n_resumed, ids, tokens);
  load.n_clients = n;   /* the resumed ones come after, on the same accounts */
  g_usleep (G_USEC_PER_SEC / 2);
  before = xg_bench_proc_sample (t->pid);
  load_connect (&load, 0, n, o->window);
  g_usleep (G_USEC_PER_SEC);
  for (gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC; g_get_monotonic_time () < until; )
    load_poll (&load, 10);   /* take the pushes that follow a login */
  after = xg_bench_proc_sample (t->pid);
  f->ran = TRUE;
  f->n = load.ready;
  f->kib_per_conn = ((gdouble) after.rss_kib - (gdouble) before.rss_kib) / MAX (load.ready, 1);
  f->cpu_us_session = (after.cpu - before.cpu) * 1e6 / MAX (load.ready, 1);

  if (t->tls && o->hold > 0)
    {
      hold_start = xg_bench_proc_sample (t->pid);
      {
        gint64 start = g_get_monotonic_time ();

        load_hold (&load, o->hold, o->interval);
        hold_end = xg_bench_proc_sample (t->pid);
        f->idle_cpu_percent = 100 * (hold_end.cpu - hold_start.cpu) /
                              ((g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC);
      }
      f->heartbeats_sent = load.heartbeats_sent;
      f->heartbeats_answered = load.heartbeats_answered;
    }

  if (t->tls && n_resumed > 0)
    {
      guint full_before = load.full, ready_before = load.ready;

      /* Each resumed session logs in an account again; the held session
       * of that account is closed first (Xinge would kick it). */
      for (guint i = 0; i < n_resumed; i++)
        client_close (&load, &load.clients[i]);
      load.n_clients = n + n_resumed;
      load.resuming = TRUE;
      g_usleep (G_USEC_PER_SEC / 2);
      res_start = xg_bench_proc_sample (t->pid);
      {
        /* clients n.. use accounts 0.. (index % n is not it: n + i) */
        for (guint i = 0; i < n_resumed; i++)
          load.clients[n + i].index = i;
        load_connect (&load, n, n_resumed, o->window);
      }
      res_end = xg_bench_proc_sample (t->pid);
      f->resumed = load.resumed;
      f->resumed_of = load.full + load.resumed - full_before;
      f->resumed_cpu_us = (res_end.cpu - res_start.cpu) * 1e6 / MAX (load.ready - ready_before, 1);
    }
  f->failed = load.failed;
  load_clear (&load);
}

static gdouble
median (GArray *values)
{
  g_array_sort (values, xg_bench_compare_doubles);
  return xg_bench_percentile (values, 0.5);
}

int
xg_bench_compare_run (const char *server_binary,
                      const char *data_dir,
                      guint64    *ids,
                      GBytes    **tokens)
{
  XgBenchCompareOptions *o = &xg_bench_compare_options;
  g_autofree char *mosquitto = o->mosquitto ? g_strdup (o->mosquitto) : xg_bench_mosquitto_find ();
  /* [server][tls][round] */
  Figures figures[N_SERVERS][2][16];
  guint rounds = MIN (o->rounds, 16);
  guint failures = 0;
  const char *binaries[N_SERVERS] = { server_binary, o->before, NULL };
  gboolean present[N_SERVERS] = { TRUE, o->before != NULL, mosquitto != NULL };

  memset (figures, 0, sizeof figures);
  if (mosquitto == NULL)
    g_print ("mosquitto: not installed; Xinge only\n");
  else
    g_print ("mosquitto: %s\n", mosquitto);
  if (o->before != NULL)
    g_print ("xinge-before: %s\n", o->before);
  g_print ("load: %u connections (%u connecting at once), heartbeat every %u s, hold %u s, "
           "%u resumed TLS sessions, %u rounds\n",
           o->connections, o->window, o->interval, o->hold, o->resumed, rounds);

  for (guint round = 0; round < rounds; round++)
    for (int tls = 0; tls < 2; tls++)
      for (int kind = 0; kind < N_SERVERS; kind++)
        {
          Target t = { .kind = kind, .tls = tls };
          Figures *f = &figures[kind][tls][round];

          if (!present[kind] || (tls ? !o->cycles_tls : !o->cycles_plain))
            continue;
          if (!target_start (&t, binaries[kind], mosquitto, data_dir, o->connections + o->resumed))
            {
              failures++;
              target_stop (&t);
              continue;
            }
          measure (&t, ids, tokens, f);
          failures += f->failed;
          target_stop (&t);
          g_print ("round %u %-12s %-5s: %6u sessions, %7.2f KiB/conn, %7.1f us CPU/session",
                   round + 1, server_names[kind], tls ? "tls" : "plain", f->n, f->kib_per_conn, f->cpu_us_session);
          if (tls)
            g_print (", idle %.2f %% (%u/%u heartbeats answered), resumed %u of %u: %.1f us/session",
                     f->idle_cpu_percent, f->heartbeats_answered, f->heartbeats_sent,
                     f->resumed, f->resumed_of, f->resumed_cpu_us);
          g_print (", %u failed\n", f->failed);
        }

  /* The table: medians over the rounds, and the ratio to mosquitto per round. */
  {
    static const struct { const char *name; int tls; int field; } rows[] = {
      { "memory per idle TLS connection, KiB", 1, 0 },
      { "memory per idle plain connection, KiB", 0, 0 },
      { "server CPU per session, plain, us", 0, 1 },
      { "server CPU per session, TLS, us", 1, 1 },
      { "server CPU per resumed TLS session, us", 1, 3 },
      { "idle CPU, TLS, % of a core", 1, 2 },
    };

    g_print ("\n%-42s", "figure (median of rounds)");
    for (int kind = 0; kind < N_SERVERS; kind++)
      if (present[kind])
        g_print (" %13s", server_names[kind]);
    if (present[SERVER_MOSQUITTO])
      g_print ("   xinge/mosquitto per round");
    g_print ("\n");
    for (guint r = 0; r < G_N_ELEMENTS (rows); r++)
      {
        g_print ("%-42s", rows[r].name);
        for (int kind = 0; kind < N_SERVERS; kind++)
          {
            g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (gdouble));

            if (!present[kind])
              continue;
            for (guint round = 0; round < rounds; round++)
              {
                Figures *f = &figures[kind][rows[r].tls][round];
                gdouble v = rows[r].field == 0 ? f->kib_per_conn : rows[r].field == 1 ? f->cpu_us_session
                          : rows[r].field == 2 ? f->idle_cpu_percent : f->resumed_cpu_us;

                if (f->ran)
                  g_array_append_val (values, v);
              }
            g_print (" %13.2f", median (values));
          }
        if (present[SERVER_MOSQUITTO])
          for (guint round = 0; round < rounds; round++)
            {
              Figures *x = &figures[SERVER_XINGE][rows[r].tls][round];
              Figures *m = &figures[SERVER_MOSQUITTO][rows[r].tls][round];
              gdouble xv = rows[r].field == 0 ? x->kib_per_conn : rows[r].field == 1 ? x->cpu_us_session
                         : rows[r].field == 2 ? x->idle_cpu_percent : x->resumed_cpu_us;
              gdouble mv = rows[r].field == 0 ? m->kib_per_conn : rows[r].field == 1 ? m->cpu_us_session
                         : rows[r].field == 2 ? m->idle_cpu_percent : m->resumed_cpu_us;

              if (x->ran && m->ran && mv > 0)
                g_print ("  %.2f", xv / mv);
              else
                g_print ("  -");
            }
        g_print ("\n");
      }
  }
  g_print ("compare: failures: %u\n", failures);
  return failures == 0 ? 0 : 1;
}

/* --- --cycles ------------------------------------------------------------ */

int
xg_bench_cycles_run (const char *server_binary,
                     const char *data_dir,
                     guint64    *ids,
                     GBytes    **tokens)
{
  XgBenchCompareOptions *o = &xg_bench_compare_options;
  gboolean ok = TRUE;

  for (int tls = 0; tls < 2; tls++)
    {
      Target t = { .kind = SERVER_XINGE, .tls = tls };
      Load load;
      XgBenchProc warm, end;
      guint warmup = MIN (o->cycles / 10, 10000);
      gint64 start;
      gdouble seconds, change;

      if ((tls && !o->cycles_tls) || (!tls && !o->cycles_plain))
        continue;
      if (!target_start (&t, server_binary, NULL, data_dir, o->connections))
        return 1;
      load_init (&load, t.kind, t.tls, t.address, t.pid, t.fingerprint, MIN (o->connections, o->window),
                 ids, tokens);
      /* Warm up the allocator and the caches, then count. */
      ok = load_cycle (&load, warmup, o->window) && ok;
      g_usleep (G_USEC_PER_SEC);
      warm = xg_bench_proc_sample (t.pid);
      start = g_get_monotonic_time ();
      ok = load_cycle (&load, o->cycles, o->window) && ok;
      seconds = (g_get_monotonic_time () - start) / (gdouble) G_USEC_PER_SEC;
      g_usleep (2 * G_USEC_PER_SEC);
      end = xg_bench_proc_sample (t.pid);
      change = 100.0 * ((gdouble) end.rss_kib - (gdouble) warm.rss_kib) / MAX (warm.rss_kib, 1);
      g_print ("cycles %-5s: %u connect/login/disconnect (after %u to warm up) in %.1f s (%.0f/s), "
               "%u failed; server RSS %" G_GUINT64_FORMAT " KiB -> %" G_GUINT64_FORMAT " KiB (%+.2f %%), "
               "%u fds, CPU %.1f us/session: %s\n",
               tls ? "tls" : "plain", load.cycles_done - warmup, warmup, seconds,
               (load.cycles_done - warmup) / MAX (seconds, 1e-9), load.failed, warm.rss_kib, end.rss_kib, change,
               end.fds, (end.cpu - warm.cpu) * 1e6 / MAX (load.cycles_done - warmup, 1),
               ABS (change) <= 5.0 ? "within 5 %" : "NOT within 5 %");
      if (ABS (change) > 5.0)
        ok = FALSE;
      load_clear (&load);
      target_stop (&t);
    }
  g_print ("cycles: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
