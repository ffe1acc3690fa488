/* xg-server-connection.c: one client: its stream, parse state and outgoing queue
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * After the TLS handshake a connection is driven by the server's epoll
 * source: readable → read until the stream would block and feed the
 * decoder; writable → flush the queue. Frames go to one handler per type,
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

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>

#include "xg-server-private.h"
#include "xg-server-router.h"

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
  g_clear_object (&conn->handshake_cancellable);
  g_clear_object (&conn->stream);
  g_clear_object (&conn->socket);
  g_free (conn->peer);
  g_free (conn);
}

XgServerConnection *
xg_server_connection_new (XgServer          *server,
                          GSocketConnection *socket)
{
  XgServerConnection *conn = g_new0 (XgServerConnection, 1);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (socket, NULL);

  g_atomic_ref_count_init (&conn->ref_count);
  conn->server = server;
  conn->socket = g_object_ref (socket);
  conn->fd = g_socket_get_fd (g_socket_connection_get_socket (socket));
  /* Small packets go out at once instead of waiting for the peer's ACK. */
  g_socket_set_option (g_socket_connection_get_socket (socket), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  conn->state = XG_CONNECTION_HANDSHAKING;
  conn->state_since = conn->last_seen = g_get_monotonic_time ();
  g_queue_init (&conn->outgoing);

  if (G_IS_INET_SOCKET_ADDRESS (remote))
    conn->peer = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  else
    conn->peer = g_strdup ("unknown");

  return conn;
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

/* Switches from the handshake to the epoll-driven life of the connection. */
static void
begin_session (XgServerConnection *conn)
{
  conn->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (conn->stream));
  conn->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (conn->stream));
  conn->decoder = NULL;
  set_state (conn, XG_CONNECTION_AWAIT_HELLO);
  xg_server_watch_connection (conn->server, conn, FALSE);
}

static void
handshake_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(XgServerConnection) conn = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      if (conn->state == XG_CONNECTION_HANDSHAKING)
        {
          g_autofree char *why = g_strdup_printf ("TLS handshake failed: %s", error->message);
          xg_server_connection_close (conn, why);
        }
      return;
    }

  if (conn->state == XG_CONNECTION_HANDSHAKING)
    begin_session (conn);
}

void
xg_server_connection_start (XgServerConnection *conn)
{
  XgServer *server = conn->server;
  g_autoptr(GError) error = NULL;
  GIOStream *tls;

  if (server->plain)
    {
      conn->stream = g_object_ref (G_IO_STREAM (conn->socket));
      begin_session (conn);
      return;
    }

  /* Not g_tls_server_connection_new(): it gives each connection the
   * default CA database, and glib-networking then loads the whole system
   * trust store into it: 3.7 MiB and 10-20 ms of the main loop per
   * connection (docs/BENCHMARKS.md). The server never asks clients for
   * certificates, so it needs no CA database at all. */
  tls = g_initable_new (g_tls_backend_get_server_connection_type (g_tls_backend_get_default ()),
                        NULL, &error,
                        "base-io-stream", conn->socket,
                        "certificate", server->certificate,
                        "database", NULL,
                        NULL);
  if (tls == NULL)
    {
      xg_server_connection_close (conn, error->message);
      return;
    }
  conn->stream = tls;
  conn->handshake_cancellable = g_cancellable_new ();
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    conn->handshake_cancellable, handshake_done,
                                    xg_server_connection_ref (conn));
}

/* --- Writing ------------------------------------------------------------- */

static void
finish_close (XgServerConnection *conn)
{
  g_autoptr(GError) error = NULL;

  if (conn->state == XG_CONNECTION_CLOSED)
    return;
  set_state (conn, XG_CONNECTION_CLOSED);

  /* Every way out ends the session, so the account never points at a
   * closed connection. */
  xg_server_connection_end_session (conn);

  if (conn->handshake_cancellable != NULL)
    g_cancellable_cancel (conn->handshake_cancellable);

  /* Closing the socket itself never blocks; the TLS layer is dropped
   * without a close_notify, which clients do not require. */
  if (!g_socket_close (g_socket_connection_get_socket (conn->socket), &error))
    g_debug ("Closing a socket: %s", error->message);

  xg_server_connection_closed (conn->server, conn);
}

static void update_reading (XgServerConnection *conn);

/* Small frames queued together are written together, up to this much:
 * one TLS record (16 KiB of plaintext at most) and one send() for a burst
 * of answers instead of one of each per frame. */
#define FLUSH_JOIN_MAX 16384

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
      g_autoptr(GError) error = NULL;
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

      n = g_pollable_output_stream_write_nonblocking (conn->output,
                                                      data + conn->outgoing_offset,
                                                      size - conn->outgoing_offset,
                                                      NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              if (!conn->watching_output)
                xg_server_watch_connection (conn->server, conn, TRUE);
              update_reading (conn);
              return;
            }
          g_debug ("Writing to %s: %s", conn->peer, error->message);
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
           pause ? "Paused" : "Resumed", conn->peer, conn->outgoing_bytes);

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
  /* When output is watched, epoll says when to write. */
  if (conn->state != XG_CONNECTION_CLOSED && !conn->watching_output)
    flush (conn);
  return G_SOURCE_REMOVE;
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

  if (conn->state >= XG_CONNECTION_CLOSING || conn->output == NULL)
    return FALSE;

  g_queue_push_tail (&conn->outgoing, g_bytes_ref (frame));
  conn->outgoing_bytes += g_bytes_get_size (frame);
  /* Written on the next turn of the main loop, with whatever else this
   * one queues for the connection (the answers of a whole store batch). */
  if (!conn->watching_output && !conn->flush_scheduled)
    {
      conn->flush_scheduled = TRUE;
      g_idle_add_full (G_PRIORITY_DEFAULT, flush_scheduled, xg_server_connection_ref (conn),
                       (GDestroyNotify) xg_server_connection_unref);
    }

  if (conn->outgoing_bytes > config->send_queue_max)
    {
      g_message ("Closing the connection from %s (account %" G_GUINT64_FORMAT "): a slow consumer, "
                 "%" G_GSIZE_FORMAT " bytes behind (send-queue-max)",
                 conn->peer, conn->account_id, conn->outgoing_bytes);
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
      g_warning ("Not sending a packet to %s: %s", conn->peer, error->message);
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
  g_debug ("Closing connection from %s: %s", conn->peer, why);
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
  if (conn->output == NULL)
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
  g_debug ("Forced logout of account %" G_GUINT64_FORMAT " from %s: %s",
           conn->account_id, conn->peer, message);
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
  XgServerConfig *config = conn->server->config;
  guint32 version;
  const char *client_name, *client_version;

  xg_proto_hello_get (frame->body, &version, &client_name, &client_version);
  if (version != XG_PROTO_VERSION)
    {
      xg_server_connection_send_error (conn, frame, XG_PROTO_ERR_UNSUPPORTED_VERSION,
                                       "This server speaks protocol version 1");
      xg_server_connection_close_after_send (conn);
      return;
    }

  g_debug ("%s says hello: %s %s", conn->peer, client_name, client_version);
  set_state (conn, XG_CONNECTION_READY);
  xg_server_connection_send (conn, XG_PACKET_WELCOME, frame->request_id,
                             xg_proto_welcome_new (XG_PROTO_VERSION, config->name,
                                                   config->heartbeat_interval,
                                                   config->heartbeat_timeout,
                                                   config->max_frame_size, FALSE));
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

  g_debug ("Bad stream from %s: %s", conn->peer, error->message);
  xg_server_connection_send_error (conn, NULL, code, error->message);
  xg_server_connection_close_after_send (conn);
}

/* Feeds bytes to the decoder and dispatches every frame; FALSE once the
 * connection stops reading. */
static gboolean
consume (XgServerConnection *conn,
         const guint8       *data,
         gsize               len)
{
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

/* Reads at most this many times per wakeup, so one busy client cannot
 * starve the others; epoll is level-triggered and comes back. Each read
 * takes a whole TLS record (at most 16 KiB), so nothing is left behind in
 * the TLS layer where epoll could not see it. */
#define MAX_READS_PER_WAKEUP 16

static void
on_readable (XgServerConnection *conn)
{
  XgServer *server = conn->server;

  for (guint i = 0; i < MAX_READS_PER_WAKEUP && conn->state < XG_CONNECTION_CLOSING &&
                    !conn->reading_paused; i++)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (conn->input, server->read_buffer,
                                                    XG_SERVER_READ_BUFFER_SIZE, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      if (n <= 0)
        {
          xg_server_connection_close (conn, n == 0 ? "closed by the peer" : error->message);
          return;
        }

      conn->last_seen = g_get_monotonic_time ();
      if (conn->decoder == NULL)
        conn->decoder = xg_proto_decoder_new (server->config->max_frame_size);
      if (!consume (conn, server->read_buffer, (gsize) n))
        return;
    }
}

void
xg_server_connection_on_io (XgServerConnection *conn,
                            guint32             events)
{
  /* Keeps the connection alive while its own handlers may close it. */
  G_GNUC_UNUSED g_autoptr(XgServerConnection) hold = xg_server_connection_ref (conn);

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
