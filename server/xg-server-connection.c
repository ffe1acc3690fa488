/* xg-server-connection.c: one client: its stream, parse state and outgoing queue
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A connection is its socket and, unless the server is plain, a GnuTLS
 * session on it, both driven by the server's epoll source: the handshake
 * goes as far as the socket allows on each event; then readable → read
 * until the socket would block and feed the decoder; writable → flush the
 * queue. Nothing else is kept for an idle connection: no decoder without
 * a partial frame, no buffers, no GObjects. Frames go to one handler per type,
 * found in the domains' tables; the checks every packet shares (HELLO
 * first, direction, login, claimed ids) happen here, once, before any
 * handler runs.
 *
 * The outgoing queue has a byte cap ([server] send-queue-pause and
 * send-queue-max): a client that does not read its answers stops being
 * read from, so that it cannot make the server queue without bound, and
 * one that falls too far behind on pushes is closed.
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xg-proto-flat.h"
#include "xg-server-private.h"
#include "xg-server-router.h"
#include "xg-server-util.h"

XgServerConnection *
xg_server_connection_ref (XgServerConnection *conn)
{
  g_atomic_ref_count_inc (&conn->ref_count);
  return conn;
}

void
xg_server_connection_unref (XgServerConnection *conn)
{
  if (!g_atomic_ref_count_dec (&conn->ref_count))
    return;

  g_assert (conn->state == XG_CONNECTION_CLOSED);
  g_queue_clear_full (&conn->outgoing, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&conn->decoder, xg_proto_decoder_free);
  g_clear_pointer (&conn->token_hash, g_bytes_unref);
  g_clear_pointer (&conn->found, g_array_unref);
  g_clear_pointer (&conn->page_ends, g_array_unref);
  g_clear_pointer (&conn->tls, gnutls_deinit);
  g_clear_pointer (&conn->tls_left, g_free);
  if (conn->fd >= 0)
    close (conn->fd);
  g_free (conn);
}

/**
 * xg_server_connection_new:
 * @fd: (transfer full): an accepted, non-blocking socket
 * @peer: its remote address, as accept() gave it
 * @nodelay: whether @fd has TCP_NODELAY already (from the listener)
 */
XgServerConnection *
xg_server_connection_new (XgServer              *server,
                          int                    fd,
                          const struct sockaddr *peer,
                          gboolean               nodelay)
{
  XgServerConnection *conn = g_new0 (XgServerConnection, 1);
  int on = 1;

  g_atomic_ref_count_init (&conn->ref_count);
  conn->server = server;
  conn->fd = fd;
  /* Small packets go out at once instead of waiting for the peer's ACK. */
  if (!nodelay)
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  conn->state = XG_CONNECTION_HANDSHAKING;
  conn->state_since = conn->last_seen = g_get_monotonic_time ();
  g_queue_init (&conn->outgoing);

  /* Kept as 17 bytes; text only when a log line or a limiter asks. */
  if (peer->sa_family == AF_INET)
    {
      conn->peer_family = AF_INET;
      memcpy (conn->peer_addr, &((const struct sockaddr_in *) peer)->sin_addr, 4);
    }
  else if (peer->sa_family == AF_INET6)
    {
      conn->peer_family = AF_INET6;
      memcpy (conn->peer_addr, &((const struct sockaddr_in6 *) peer)->sin6_addr, 16);
    }

  return conn;
}

/**
 * xg_server_connection_get_peer:
 *
 * The remote address as text, for logs and as the limiters' key.
 *
 * Returns: (transfer none): valid until the next call, for any connection
 */
const char *
xg_server_connection_get_peer (XgServerConnection *conn)
{
  char *text = conn->server->peer_text;

  if (conn->peer_family == 0 ||
      inet_ntop (conn->peer_family, conn->peer_addr, text, sizeof conn->server->peer_text) == NULL)
    return "unknown";
  return text;
}

gboolean
xg_server_connection_is_open (XgServerConnection *conn)
{
  return conn->state < XG_CONNECTION_CLOSING;
}

static void
set_state (XgServerConnection *conn,
           XgConnectionState   state)
{
  conn->state = state;
  conn->state_since = g_get_monotonic_time ();
}

static void on_readable (XgServerConnection *conn);

/* --- TLS transport ---------------------------------------------------------
 *
 * GnuTLS asks for a record's 5-byte header, then for its body, each a
 * recv() of its own, and one more that says EAGAIN: three system calls
 * for a HEARTBEAT. Here its reads are served from the server's one stage
 * buffer instead, which one recv() fills with whatever the socket holds
 * for the connection being read; a recv() that gave less than the stage
 * takes means the socket is empty, so the next ask is answered EAGAIN
 * without asking the kernel (epoll, level-triggered, says when there is
 * more). Bytes left in the stage when the connection's turn ends (it
 * read its 16 records, or paused) are kept with the connection, and read
 * first next time. */

/* Gives the stage to @conn for one turn of reading: what another
 * connection left in it goes back to that one, and @conn's own leftovers
 * come first. */
static void
tls_stage_begin (XgServerConnection *conn)
{
  XgServer *server = conn->server;
  XgServerConnection *owner = server->tls_stage_conn;

  if (owner != NULL && owner != conn && server->tls_stage_off < server->tls_stage_len)
    {
      g_assert (owner->tls_left == NULL);
      owner->tls_left_len = server->tls_stage_len - server->tls_stage_off;
      owner->tls_left = g_memdup2 (server->tls_stage + server->tls_stage_off, owner->tls_left_len);
    }
  if (owner != conn)
    {
      server->tls_stage_off = server->tls_stage_len = 0;
      if (conn->tls_left != NULL)
        {
          memcpy (server->tls_stage, conn->tls_left, conn->tls_left_len);
          server->tls_stage_len = conn->tls_left_len;
          g_clear_pointer (&conn->tls_left, g_free);
          conn->tls_left_len = 0;
        }
      server->tls_stage_conn = conn;
    }
  server->tls_drained = FALSE;
}

/* The end of @conn's turn: what it did not take is kept with it. */
static void
tls_stage_end (XgServerConnection *conn)
{
  XgServer *server = conn->server;

  if (server->tls_stage_conn != conn)
    return;
  if (server->tls_stage_off < server->tls_stage_len)
    {
      g_assert (conn->tls_left == NULL);
      conn->tls_left_len = server->tls_stage_len - server->tls_stage_off;
      conn->tls_left = g_memdup2 (server->tls_stage + server->tls_stage_off, conn->tls_left_len);
    }
  server->tls_stage_off = server->tls_stage_len = 0;
  server->tls_stage_conn = NULL;
}

static ssize_t
tls_pull (gnutls_transport_ptr_t  ptr,
          void                   *data,
          size_t                  len)
{
  XgServerConnection *conn = ptr;
  XgServer *server = conn->server;
  gsize n;

  /* Called only between tls_stage_begin() and _end(); anything else
   * (a stray read) starts a turn of its own. */
  if (server->tls_stage_conn != conn)
    tls_stage_begin (conn);

  if (server->tls_stage_off == server->tls_stage_len)
    {
      ssize_t got;

      if (server->tls_drained)
        {
          gnutls_transport_set_errno (conn->tls, EAGAIN);
          return -1;
        }
      do
        got = recv (conn->fd, server->tls_stage, XG_SERVER_TLS_STAGE_SIZE, 0);
      while (got < 0 && errno == EINTR);
      if (got < 0)
        {
          int saved = errno;

          server->tls_drained = saved == EAGAIN || saved == EWOULDBLOCK;
          gnutls_transport_set_errno (conn->tls, saved);
          return -1;
        }
      if (got == 0)
        return 0;
      server->tls_stage_off = 0;
      server->tls_stage_len = (gsize) got;
      server->tls_drained = (gsize) got < XG_SERVER_TLS_STAGE_SIZE;
    }

  n = MIN (len, server->tls_stage_len - server->tls_stage_off);
  memcpy (data, server->tls_stage + server->tls_stage_off, n);
  server->tls_stage_off += n;
  return (ssize_t) n;
}

/* For GnuTLS's own waits (none in non-blocking mode, but it may ask). */
static int
tls_pull_timeout (gnutls_transport_ptr_t ptr,
                  unsigned int           ms)
{
  XgServerConnection *conn = ptr;
  XgServer *server = conn->server;
  struct pollfd pfd = { .fd = conn->fd, .events = POLLIN };

  if ((server->tls_stage_conn == conn && server->tls_stage_off < server->tls_stage_len) ||
      (server->tls_stage_conn != conn && conn->tls_left != NULL))
    return 1;
  return poll (&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int) MIN (ms, (unsigned int) G_MAXINT));
}

/* Switches from the handshake to the life of the session. */
static void
begin_session (XgServerConnection *conn)
{
  conn->decoder = NULL;
  set_state (conn, XG_CONNECTION_AWAIT_HELLO);
  xg_server_watch_connection (conn->server, conn, FALSE);
  /* The client's HELLO may have come with its last handshake record, and
   * sit in GnuTLS's buffer where epoll cannot see it. */
  if (conn->tls != NULL)
    on_readable (conn);
}

/* Drives the TLS handshake from the epoll loop: each call goes as far as
 * the socket allows, then waits for the direction GnuTLS needs. */
static void
continue_handshake (XgServerConnection *conn)
{
  int rc;

  tls_stage_begin (conn);
  do
    rc = gnutls_handshake (conn->tls);
  while (rc < 0 && rc != GNUTLS_E_AGAIN && !gnutls_error_is_fatal (rc));
  tls_stage_end (conn);

  if (rc == GNUTLS_E_AGAIN)
    {
      xg_server_watch_connection (conn->server, conn, gnutls_record_get_direction (conn->tls) == 1);
      return;
    }
  if (rc < 0)
    {
      g_autofree char *why = g_strdup_printf ("TLS handshake failed: %s", gnutls_strerror (rc));
      xg_server_connection_close (conn, why);
      return;
    }
  begin_session (conn);
}

void
xg_server_connection_start (XgServerConnection *conn)
{
  XgServer *server = conn->server;
  g_autoptr(GError) error = NULL;

  if (server->plain)
    {
      begin_session (conn);
      return;
    }

  conn->tls = xg_server_tls_session_new (server->tls, conn->fd, &error);
  if (conn->tls == NULL)
    {
      xg_server_connection_close (conn, error->message);
      return;
    }
  /* Reads through the stage; writes straight to the socket, as GnuTLS does. */
  gnutls_transport_set_ptr2 (conn->tls, conn, GINT_TO_POINTER (conn->fd));
  gnutls_transport_set_pull_function (conn->tls, tls_pull);
  gnutls_transport_set_pull_timeout_function (conn->tls, tls_pull_timeout);
  /* The client speaks first; wait for its hello. */
  xg_server_watch_connection (server, conn, FALSE);
}

/* --- Writing ------------------------------------------------------------- */

static void
finish_close (XgServerConnection *conn)
{
  XgConnectionState was = conn->state;

  if (conn->state == XG_CONNECTION_CLOSED)
    return;
  set_state (conn, XG_CONNECTION_CLOSED);

  /* Every way out ends the session, so the account never points at a
   * closed connection. */
  xg_server_connection_end_session (conn);

  /* A close_notify if the socket takes it now; never waited for. */
  if (conn->tls != NULL && was != XG_CONNECTION_HANDSHAKING)
    gnutls_bye (conn->tls, GNUTLS_SHUT_WR);
  g_clear_pointer (&conn->tls, gnutls_deinit);
  /* Its unread bytes go with it. */
  g_clear_pointer (&conn->tls_left, g_free);
  if (conn->server->tls_stage_conn == conn)
    {
      conn->server->tls_stage_conn = NULL;
      conn->server->tls_stage_off = conn->server->tls_stage_len = 0;
    }

  xg_server_connection_closed (conn->server, conn);
  close (conn->fd);
  conn->fd = -1;

  /* Queued frames are dropped now, not when the last reference goes. */
  g_queue_clear_full (&conn->outgoing, (GDestroyNotify) g_bytes_unref);
  conn->outgoing_offset = conn->outgoing_bytes = 0;
  g_clear_pointer (&conn->decoder, xg_proto_decoder_free);
}

static void update_reading (XgServerConnection *conn);

/* Small frames queued together are written together, up to this much:
 * one TLS record (16 KiB of plaintext at most) and one send() for a burst
 * of answers instead of one of each per frame. */
#define FLUSH_JOIN_MAX 16384

/* One write of @len bytes: how many were taken, 0 if the socket is full
 * (with TLS the same bytes must be offered again then), -1 on an error. */
static gssize
write_some (XgServerConnection *conn,
            const guint8       *data,
            gsize               len)
{
  if (conn->tls != NULL)
    {
      ssize_t n = gnutls_record_send (conn->tls, data, len);

      if (n >= 0)
        return n;
      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        return 0;
      g_debug ("Writing to %s: %s", xg_server_connection_get_peer (conn), gnutls_strerror ((int) n));
      return -1;
    }
  for (;;)
    {
      ssize_t n = send (conn->fd, data, len, MSG_NOSIGNAL);

      if (n >= 0)
        return n;
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      g_debug ("Writing to %s: %s", xg_server_connection_get_peer (conn), g_strerror (errno));
      return -1;
    }
}

/* Replaces the frames at the head of the queue (none of it written yet)
 * with one GBytes holding as many of them as fit FLUSH_JOIN_MAX. */
static void
join_head (XgServerConnection *conn)
{
  GByteArray *joined;
  GList *l;
  guint n = 0;
  gsize total = 0;

  for (l = conn->outgoing.head; l != NULL; l = l->next, n++)
    {
      gsize size = g_bytes_get_size (l->data);

      if (total + size > FLUSH_JOIN_MAX)
        break;
      total += size;
    }
  if (n < 2)
    return;

  joined = g_byte_array_sized_new (total);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) frame = g_queue_pop_head (&conn->outgoing);
      gsize size;
      const guint8 *data = g_bytes_get_data (frame, &size);

      g_byte_array_append (joined, data, size);
    }
  g_queue_push_head (&conn->outgoing, g_byte_array_free_to_bytes (joined));
}

static void
flush (XgServerConnection *conn)
{
  GBytes *head;

  for (;;)
    {
      gsize size;
      const guint8 *data;
      gssize n;

      /* Not after a write that would have blocked (output is watched
         * then): TLS must be handed the same bytes again. */
      if (conn->outgoing_offset == 0 && !conn->watching_output)
        join_head (conn);
      if ((head = g_queue_peek_head (&conn->outgoing)) == NULL)
        break;
      data = g_bytes_get_data (head, &size);

      n = write_some (conn, data + conn->outgoing_offset, size - conn->outgoing_offset);
      if (n == 0)
        {
          if (!conn->watching_output)
            xg_server_watch_connection (conn->server, conn, TRUE);
          update_reading (conn);
          return;
        }
      if (n < 0)
        {
          finish_close (conn);
          return;
        }

      conn->outgoing_offset += n;
      conn->outgoing_bytes -= n;
      if (conn->outgoing_offset == size)
        {
          g_bytes_unref (g_queue_pop_head (&conn->outgoing));
          conn->outgoing_offset = 0;
        }
    }

  if (conn->watching_output)
    xg_server_watch_connection (conn->server, conn, FALSE);
  if (conn->state == XG_CONNECTION_CLOSING)
    finish_close (conn);
  else
    update_reading (conn);
}

static gboolean
read_resumed (gpointer user_data)
{
  XgServerConnection *conn = user_data;

  if (conn->state < XG_CONNECTION_CLOSING && !conn->reading_paused)
    xg_server_connection_on_io (conn, EPOLLIN);
  return G_SOURCE_REMOVE;
}

/* Stops reading from a client whose answers pile up, or whose messages
 * wait for the store, and starts again once most of them are gone: over
 * send-queue-pause bytes queued (or XG_SERVER_SENDS_IN_FLIGHT_MAX in the
 * store) the connection is no longer watched for input, below half of it
 * it is again. The gap keeps a client that hovers at the mark from
 * flipping it on every packet. Pushes from others are queued all the same. */
static void
update_reading (XgServerConnection *conn)
{
  XgServerConfig *config = conn->server->config;
  gboolean pause;

  if (conn->state >= XG_CONNECTION_CLOSING)
    return;
  if (!conn->reading_paused && (conn->outgoing_bytes > config->send_queue_pause ||
                                conn->sends_in_flight > XG_SERVER_SENDS_IN_FLIGHT_MAX))
    pause = TRUE;
  else if (conn->reading_paused && conn->outgoing_bytes < config->send_queue_pause / 2 &&
           conn->sends_in_flight <= XG_SERVER_SENDS_IN_FLIGHT_MAX / 2)
    pause = FALSE;
  else
    return;

  conn->reading_paused = pause;
  xg_server_watch_connection (conn->server, conn, conn->watching_output);
  g_debug ("%s reading from %s: %" G_GSIZE_FORMAT " bytes queued",
           pause ? "Paused" : "Resumed", xg_server_connection_get_peer (conn), conn->outgoing_bytes);

  /* The TLS layer may hold a record that epoll cannot see; read once
   * soon, outside whatever is sending now. */
  if (!pause)
    g_idle_add_full (G_PRIORITY_DEFAULT, read_resumed, xg_server_connection_ref (conn),
                     (GDestroyNotify) xg_server_connection_unref);
}

static gboolean
flush_scheduled (gpointer user_data)
{
  XgServerConnection *conn = user_data;

  conn->flush_scheduled = FALSE;
  /* While a login is checked, what is queued waits for its answer: a
   * TOKEN_LOGIN that came right behind HELLO gets WELCOME, LOGIN_OK and
   * the sync in one write (docs/PROTOCOL.md 3.1). The answer's first
   * frame schedules the flush again. */
  if (conn->login_pending && conn->state < XG_CONNECTION_CLOSING)
    return G_SOURCE_REMOVE;
  /* When output is watched, epoll says when to write. */
  if (conn->state != XG_CONNECTION_CLOSED && !conn->watching_output)
    flush (conn);
  return G_SOURCE_REMOVE;
}

/* The end of an epoll batch: writes what its connections queued. */
void
xg_server_connection_flush_batch (GPtrArray *batch)
{
  for (guint i = 0; i < batch->len; i++)
    flush_scheduled (batch->pdata[i]);
  g_ptr_array_set_size (batch, 0);
}

/**
 * xg_server_connection_send_frame:
 * @frame: an encoded frame; a reference is taken, so one frame can be
 *   queued on many connections
 *
 * Queues a frame; it is written on the next turn of the main loop, joined
 * with the others queued meanwhile (as much as the socket takes then, the
 * rest when it is writable). A connection
 * whose queue grows past [server] send-queue-max is a slow consumer and is
 * closed: it gets what is stored again at its next login.
 *
 * Returns: whether the frame was queued on an open connection
 */
gboolean
xg_server_connection_send_frame (XgServerConnection *conn,
                                 GBytes             *frame)
{
  XgServerConfig *config = conn->server->config;

  if (conn->state >= XG_CONNECTION_CLOSING || conn->state == XG_CONNECTION_HANDSHAKING)
    return FALSE;

  g_queue_push_tail (&conn->outgoing, g_bytes_ref (frame));
  conn->outgoing_bytes += g_bytes_get_size (frame);
  /* Written on the next turn of the main loop, with whatever else this
   * one queues for the connection (the answers of a whole store batch). */
  if (!conn->watching_output && !conn->flush_scheduled)
    {
      conn->flush_scheduled = TRUE;
      /* Answers to what this epoll batch read go out at its end, without
       * a GSource each; the rest (store results) on an idle. */
      if (conn->server->flush_batch != NULL)
        g_ptr_array_add (conn->server->flush_batch, xg_server_connection_ref (conn));
      else
        g_idle_add_full (G_PRIORITY_DEFAULT, flush_scheduled, xg_server_connection_ref (conn),
                         (GDestroyNotify) xg_server_connection_unref);
    }

  if (conn->outgoing_bytes > config->send_queue_max)
    {
      g_message ("Closing the connection from %s (account %" G_GUINT64_FORMAT "): a slow consumer, "
                 "%" G_GSIZE_FORMAT " bytes behind (send-queue-max)",
                 xg_server_connection_get_peer (conn), conn->account_id, conn->outgoing_bytes);
      xg_server_connection_close (conn, "slow consumer");
      return FALSE;
    }
  update_reading (conn);
  return TRUE;
}

/**
 * xg_server_connection_send:
 * @body: (transfer floating): the packet's body
 *
 * Encodes a packet and queues it (xg_server_connection_send_frame()).
 */
void
xg_server_connection_send (XgServerConnection *conn,
                           guint16             type,
                           guint32             request_id,
                           GVariant           *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = xg_proto_frame_encode (type, request_id, body, &error);

  if (frame == NULL)
    {
      g_warning ("Not sending a packet to %s: %s", xg_server_connection_get_peer (conn), error->message);
      return;
    }
  xg_server_connection_send_frame (conn, frame);
}

void
xg_server_connection_send_error (XgServerConnection *conn,
                                 const XgProtoFrame *request,
                                 XgProtoErrorCode    code,
                                 const char         *message)
{
  xg_server_connection_send (conn, XG_PACKET_ERROR, request ? request->request_id : 0,
                             xg_proto_error_new (request ? request->type : 0, code,
                                                 message ? message : xg_proto_error_code_to_string (code)));
}

/* Ends the session (if any) and closes at once, dropping unsent packets. */
void
xg_server_connection_close (XgServerConnection *conn,
                            const char         *why)
{
  if (conn->state == XG_CONNECTION_CLOSED)
    return;
  if (xg_server_debug_enabled ())
    g_debug ("Closing connection from %s: %s", xg_server_connection_get_peer (conn), why);
  finish_close (conn);
}

/* Ends the session and closes once the queued packets are written
 * (or XG_SERVER_CLOSING_TIMEOUT has passed). */
void
xg_server_connection_close_after_send (XgServerConnection *conn)
{
  if (conn->state >= XG_CONNECTION_CLOSING)
    return;
  xg_server_connection_end_session (conn);
  if (conn->state == XG_CONNECTION_HANDSHAKING)
    {
      finish_close (conn);
      return;
    }
  set_state (conn, XG_CONNECTION_CLOSING);
  if (g_queue_is_empty (&conn->outgoing))
    finish_close (conn);
  else
    xg_server_watch_connection (conn->server, conn, TRUE);   /* stop reading, keep writing */
}

void
xg_server_connection_forced_logout (XgServerConnection *conn,
                                    XgProtoForcedLogout reason,
                                    const char         *message)
{
  if (xg_server_debug_enabled ())
    g_debug ("Forced logout of account %" G_GUINT64_FORMAT " from %s: %s",
             conn->account_id, xg_server_connection_get_peer (conn), message);
  xg_server_connection_send (conn, XG_PACKET_FORCED_LOGOUT, 0,
                             xg_proto_forced_logout_new (reason, message));
  xg_server_connection_close_after_send (conn);
}

/* --- Sessions ------------------------------------------------------------ */

/* The login succeeded: the connection is the account's session now. */
void
xg_server_connection_begin_session (XgServerConnection *conn,
                                    guint64             account_id,
                                    GBytes             *token_hash)
{
  g_return_if_fail (conn->account_id == 0);

  xg_server_router_set_online (conn->server->router, conn, account_id);
  conn->account_id = account_id;
  conn->token_hash = g_bytes_ref (token_hash);
  conn->session_serial++;
  conn->delivery = XG_DELIVERY_WAITING;
  conn->page_reading = FALSE;
}

/* Logout, forced logout or close: the connection is anonymous again. */
void
xg_server_connection_end_session (XgServerConnection *conn)
{
  if (conn->account_id != 0)
    xg_server_router_set_offline (conn->server->router, conn);
  conn->account_id = 0;
  g_clear_pointer (&conn->token_hash, g_bytes_unref);
  g_clear_pointer (&conn->found, g_array_unref);
  g_clear_pointer (&conn->page_ends, g_array_unref);
  conn->delivery = XG_DELIVERY_WAITING;
}

/* A CHAT_SEND of @bytes went to the store / came back from it. */
void
xg_server_connection_hold_send (XgServerConnection *conn,
                                gsize               bytes)
{
  conn->sends_in_flight += bytes;
  update_reading (conn);
}

void
xg_server_connection_release_send (XgServerConnection *conn,
                                   gsize               bytes)
{
  g_return_if_fail (conn->sends_in_flight >= bytes);

  conn->sends_in_flight -= bytes;
  update_reading (conn);
}

/* An account this session found with EMAIL_LOOKUP, and may therefore see
 * with USER_INFO_REQUEST (docs/PROTOCOL.md 8.9). Only the most recent
 * XG_SERVER_LOOKUPS_REMEMBERED are kept. */
void
xg_server_connection_remember_found (XgServerConnection *conn,
                                     guint64             account_id)
{
  if (xg_server_connection_has_found (conn, account_id))
    return;
  if (conn->found == NULL)
    conn->found = g_array_new (FALSE, FALSE, sizeof (guint64));
  if (conn->found->len >= XG_SERVER_LOOKUPS_REMEMBERED)
    g_array_remove_index (conn->found, 0);
  g_array_append_val (conn->found, account_id);
}

gboolean
xg_server_connection_has_found (XgServerConnection *conn,
                                guint64             account_id)
{
  for (guint i = 0; conn->found != NULL && i < conn->found->len; i++)
    if (g_array_index (conn->found, guint64, i) == account_id)
      return TRUE;
  return FALSE;
}

/* --- Reading and dispatch ------------------------------------------------ */

static void
handle_hello (XgServerConnection *conn,
              const XgProtoFrame *frame)
{
  guint32 version;
  const char *client_name, *client_version;
  GBytes *welcome;

  /* As xg_proto_hello_get(), without a GVariant per member. */
  xg_proto_tuple_get (frame->body, XG_PACKET_HELLO_SIGNATURE, &version, &client_name, &client_version);
  if (version != XG_PROTO_VERSION)
    {
      xg_server_connection_send_error (conn, frame, XG_PROTO_ERR_UNSUPPORTED_VERSION,
                                       "This server speaks protocol version 1");
      xg_server_connection_close_after_send (conn);
      return;
    }

  if (xg_server_debug_enabled ())
    g_debug ("%s says hello: %s %s", xg_server_connection_get_peer (conn), client_name, client_version);
  set_state (conn, XG_CONNECTION_READY);
  /* The body depends on the configuration only: encoded once. */
  welcome = xg_server_constant_frame (conn->server, XG_SERVER_FRAME_WELCOME);
  if (welcome == NULL)
    return;
  if (frame->request_id == 0)
    xg_server_connection_send_frame (conn, welcome);
  else
    {
      g_autoptr(GBytes) answer = xg_proto_frame_with_request_id (welcome, frame->request_id);

      xg_server_connection_send_frame (conn, answer);
    }
}

static void
dispatch (XgServerConnection *conn,
          const XgProtoFrame *frame)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (frame->type);
  const XgServerHandlerEntry *entry;

  if (info->direction != XG_PROTO_CLIENT_TO_SERVER)
    {
      xg_server_connection_send_error (conn, frame, XG_PROTO_ERR_UNEXPECTED_PACKET,
                                       "Clients do not send this packet");
      return;
    }

  if (frame->type == XG_PACKET_HELLO)
    {
      if (conn->state == XG_CONNECTION_AWAIT_HELLO)
        handle_hello (conn, frame);
      else
        xg_server_connection_send_error (conn, frame, XG_PROTO_ERR_UNEXPECTED_PACKET,
                                         "HELLO was already received");
      return;
    }
  if (conn->state == XG_CONNECTION_AWAIT_HELLO)
    {
      xg_server_connection_send_error (conn, frame, XG_PROTO_ERR_HELLO_REQUIRED, NULL);
      return;
    }

  entry = g_hash_table_lookup (conn->server->handlers, GUINT_TO_POINTER (frame->type));
  if ((entry == NULL || entry->needs_login) && conn->account_id == 0)
    {
      xg_server_connection_send_error (conn, frame, XG_PROTO_ERR_NOT_LOGGED_IN, NULL);
      return;
    }

  if (info->self_field >= 0)
    {
      g_autoptr(GVariant) claimed = g_variant_get_child_value (frame->body, info->self_field);

      if (g_variant_get_uint64 (claimed) != conn->account_id)
        {
          xg_server_connection_send_error (conn, frame, XG_PROTO_ERR_ID_MISMATCH,
                                           "The id in this packet is not the logged-in account's");
          return;
        }
    }

  if (entry == NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s is not handled by this server yet", info->name);
      xg_server_connection_send_error (conn, frame, XG_PROTO_ERR_NOT_IMPLEMENTED, text);
      return;
    }

  entry->handler (conn, frame);
}

/* A framing error: say why, then close, since the stream is out of sync. */
static void
reject_stream (XgServerConnection *conn,
               const GError       *error)
{
  XgProtoErrorCode code = XG_PROTO_ERR_MALFORMED_FRAME;

  if (g_error_matches (error, XG_PROTO_ERROR, XG_PROTO_ERROR_TOO_LARGE))
    code = XG_PROTO_ERR_FRAME_TOO_LARGE;
  else if (g_error_matches (error, XG_PROTO_ERROR, XG_PROTO_ERROR_UNKNOWN_TYPE))
    code = XG_PROTO_ERR_UNKNOWN_TYPE;

  g_debug ("Bad stream from %s: %s", xg_server_connection_get_peer (conn), error->message);
  xg_server_connection_send_error (conn, NULL, code, error->message);
  xg_server_connection_close_after_send (conn);
}

/**
 * xg_server_connection_consume:
 * @data: bytes the client sent (decrypted)
 *
 * Feeds bytes to the decoder and dispatches every frame.
 *
 * Returns: FALSE once the connection stops reading
 */
/* The body of a HEARTBEAT, `(x)`: 8 bytes, always in normal form. */
#define HEARTBEAT_BODY_SIZE 8

/* HEARTBEATs that arrived whole, with nothing half-read before them: what
 * an idle session sends, answered here as the table's handler would
 * (HELLO done, no login needed, no claimed id, a body that cannot be
 * wrong), without a decoder, a GVariant or the dispatch. Returns the
 * bytes taken; the rest goes to the decoder. */
static gsize
consume_heartbeats (XgServerConnection *conn,
                    const guint8       *data,
                    gsize               len)
{
  gsize used = 0;
  guint16 type;
  guint32 request_id, body_len;

  while (conn->state == XG_CONNECTION_READY &&
         xg_proto_frame_peek (data + used, len - used, &type, &request_id, &body_len) &&
         type == XG_PACKET_HEARTBEAT && body_len == HEARTBEAT_BODY_SIZE &&
         len - used >= XG_PROTO_HEADER_SIZE + HEARTBEAT_BODY_SIZE)
    {
      xg_server_accounts_heartbeat (conn, request_id);
      used += XG_PROTO_HEADER_SIZE + HEARTBEAT_BODY_SIZE;
    }
  return used;
}

gboolean
xg_server_connection_consume (XgServerConnection *conn,
                              const guint8       *data,
                              gsize               len)
{
  if (conn->decoder == NULL)
    {
      gsize used = consume_heartbeats (conn, data, len);

      data += used;
      len -= used;
    }
  if (conn->decoder == NULL && len > 0)
    conn->decoder = xg_proto_decoder_new (conn->server->config->max_frame_size);
  while (len > 0 && conn->state < XG_CONNECTION_CLOSING)
    {
      g_autoptr(XgProtoFrame) frame = NULL;
      g_autoptr(GError) error = NULL;
      gsize used = xg_proto_decoder_feed (conn->decoder, data, len, &frame, &error);

      data += used;
      len -= used;

      if (error != NULL && !g_error_matches (error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_BODY))
        {
          reject_stream (conn, error);
          return FALSE;
        }
      if (error != NULL)
        xg_server_connection_send_error (conn, frame, XG_PROTO_ERR_BAD_BODY, error->message);
      else if (frame != NULL)
        dispatch (conn, frame);
    }

  /* An idle connection keeps no decoder: it costs nothing but its socket. */
  if (conn->decoder != NULL && xg_proto_decoder_is_idle (conn->decoder))
    g_clear_pointer (&conn->decoder, xg_proto_decoder_free);

  return conn->state < XG_CONNECTION_CLOSING;
}

/* One read into @buffer: the bytes read, 0 if there is nothing now, -1
 * when the connection is over (@why says how). */
static gssize
read_some (XgServerConnection  *conn,
           guint8              *buffer,
           gsize                size,
           const char         **why)
{
  if (conn->tls != NULL)
    {
      for (;;)
        {
          ssize_t n = gnutls_record_recv (conn->tls, buffer, size);

          if (n > 0)
            return n;
          if (n == 0)
            {
              *why = "closed by the peer";
              return -1;
            }
          if (n == GNUTLS_E_AGAIN)
            return 0;
          if (n == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal ((int) n))
            continue;   /* a warning alert, a key update: read on */
          *why = n == GNUTLS_E_PREMATURE_TERMINATION ? "closed by the peer" : gnutls_strerror ((int) n);
          return -1;
        }
    }
  for (;;)
    {
      ssize_t n = recv (conn->fd, buffer, size, 0);

      if (n > 0)
        return n;
      if (n == 0)
        {
          *why = "closed by the peer";
          return -1;
        }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return 0;
      *why = g_strerror (errno);
      return -1;
    }
}

/* Reads at most this many times per wakeup, so one busy client cannot
 * starve the others; epoll is level-triggered and comes back. GnuTLS may
 * hold records it has read from the socket already, which epoll cannot
 * see: those are read on the next turn of the main loop. */
#define MAX_READS_PER_WAKEUP 16

static void
read_turn (XgServerConnection *conn)
{
  XgServer *server = conn->server;

  for (guint i = 0; i < MAX_READS_PER_WAKEUP && conn->state < XG_CONNECTION_CLOSING &&
                    !conn->reading_paused; i++)
    {
      const char *why = NULL;
      gssize n = read_some (conn, server->read_buffer, XG_SERVER_READ_BUFFER_SIZE, &why);

      if (n == 0)
        return;
      if (n < 0)
        {
          xg_server_connection_close (conn, why);
          return;
        }

      conn->last_seen = g_get_monotonic_time ();
      if (!xg_server_connection_consume (conn, server->read_buffer, (gsize) n))
        return;
      /* A plain socket that gave less than was asked for is empty now:
       * epoll (level-triggered) says when there is more, so no recv()
       * just to hear EAGAIN. */
      if (conn->tls == NULL && (gsize) n < XG_SERVER_READ_BUFFER_SIZE)
        return;
    }
}

static void
on_readable (XgServerConnection *conn)
{
  if (conn->tls == NULL)
    {
      read_turn (conn);
      return;
    }

  tls_stage_begin (conn);
  read_turn (conn);
  tls_stage_end (conn);

  /* Records GnuTLS has decrypted, or bytes the stage kept for the
   * connection, that epoll cannot see: read soon. */
  if (conn->tls != NULL && conn->state < XG_CONNECTION_CLOSING && !conn->reading_paused &&
      (gnutls_record_check_pending (conn->tls) > 0 || conn->tls_left != NULL))
    g_idle_add_full (G_PRIORITY_DEFAULT, read_resumed, xg_server_connection_ref (conn),
                     (GDestroyNotify) xg_server_connection_unref);
}

void
xg_server_connection_on_io (XgServerConnection *conn,
                            guint32             events)
{
  /* Keeps the connection alive while its own handlers may close it. */
  G_GNUC_UNUSED g_autoptr(XgServerConnection) hold = xg_server_connection_ref (conn);

  if (conn->state == XG_CONNECTION_HANDSHAKING)
    {
      if (events & (EPOLLHUP | EPOLLERR) && !(events & EPOLLIN))
        xg_server_connection_close (conn, "hung up");
      else
        continue_handshake (conn);
      return;
    }
  if ((events & EPOLLOUT) && conn->state != XG_CONNECTION_CLOSED)
    flush (conn);
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && conn->state < XG_CONNECTION_CLOSING &&
      !conn->reading_paused)
    on_readable (conn);
  else if ((events & (EPOLLHUP | EPOLLERR)) && conn->state != XG_CONNECTION_CLOSED)
    xg_server_connection_close (conn, "hung up");
}

/**
 * xg_server_handlers_new:
 *
 * Every domain's handlers in one table, built once when the server
 * starts, so that dispatch is one lookup.
 *
 * Returns: (transfer full): packet type → const XgServerHandlerEntry *
 */
GHashTable *
xg_server_handlers_new (void)
{
  const XgServerHandlerEntry *(*domains[]) (guint *) = {
    xg_server_accounts_get_handlers,
    xg_server_account_life_get_handlers,
    xg_server_friends_get_handlers,
    xg_server_groups_get_handlers,
    xg_server_chat_get_handlers,
  };
  GHashTable *table = g_hash_table_new (NULL, NULL);

  for (guint d = 0; d < G_N_ELEMENTS (domains); d++)
    {
      guint n;
      const XgServerHandlerEntry *entries = domains[d] (&n);

      for (guint i = 0; i < n; i++)
        {
          const XgProtoPacketInfo *info = xg_proto_packet_info (entries[i].type);

          g_assert (info != NULL && info->direction == XG_PROTO_CLIENT_TO_SERVER);
          g_assert (!g_hash_table_contains (table, GUINT_TO_POINTER (entries[i].type)));
          g_hash_table_insert (table, GUINT_TO_POINTER (entries[i].type), (gpointer) &entries[i]);
        }
    }
  return table;
}
