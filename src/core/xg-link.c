/* xg-link.c: one connection to a Xinge server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A request is a GTask in one of two places: `waiting` (sent once the link
 * is ready) or `in_flight` (sent; keyed by request id until its answer
 * comes). A lost link fails what is in flight, since no answer can reach
 * it now; what waits keeps waiting when the link will come back, and
 * fails with the link otherwise.
 *
 * Callbacks of I/O in flight hold a weak reference, so an owner that drops
 * the link ends it (dispose closes), and the completion of a read or write
 * that belongs to an earlier connection is recognised by its stream and
 * ignored.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-link.h"
#include "xg-session.h"
#include "xg-weak-ref.h"

#define DEFAULT_PORT               7447
#define DEFAULT_HEARTBEAT_INTERVAL 30
#define DEFAULT_IDLE_TIMEOUT       90
#define RECONNECT_MAX_DELAY        60
#define READ_BUFFER_SIZE           (64 * 1024)

struct _XgLink
{
  GObject          parent_instance;

  char            *server;
  XgDeviceDb      *device_db;

  XgLinkState      state;
  gboolean         reconnect;
  gboolean         reconnecting;
  char            *fingerprint;

  /* The current connection. */
  GCancellable    *cancellable;
  GSocketClient   *socket_client;
  GIOStream       *stream;
  char            *pinned;            /* the pin looked up for this connect */
  char            *presented;         /* what the server showed */
  XgProtoDecoder  *decoder;
  guint8          *read_buffer;
  GQueue           outgoing;          /* GBytes frames */
  gboolean         writing;
  gboolean         corked;            /* frames are queued, not written yet */
  guint32          next_request_id;
  guint32          hello_id;
  GHashTable      *in_flight;         /* request id → GTask */
  GQueue           waiting;           /* GTasks waiting for READY */
  gint64           last_received;     /* monotonic µs */
  guint            heartbeat_interval;
  guint            idle_timeout;
  guint            heartbeat_id;

  guint            reconnect_id;
  guint            reconnect_attempt;
};

G_DEFINE_FINAL_TYPE (XgLink, xg_link, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER,
  PROP_DEVICE_DB,
  PROP_STATE,
  PROP_RECONNECT,
  PROP_RECONNECTING,
  PROP_FINGERPRINT,
  N_PROPS
};

enum {
  GREETING,
  READY,
  LOST,
  PUSH,
  IDENTITY_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* What a waiting request sends. */
typedef struct {
  guint16   type;
  GVariant *body;
  gboolean  early;         /* a TOKEN_LOGIN: may go before WELCOME */
  gboolean  sent_early;    /* it did, and WELCOME has not come yet */
} Request;

static void
request_free (Request *request)
{
  g_clear_pointer (&request->body, g_variant_unref);
  g_free (request);
}

static void start_connect (XgLink *self);
static void lost (XgLink *self, const char *why);

/* --- Small helpers ---------------------------------------------------------- */

static void
set_state (XgLink      *self,
           XgLinkState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_reconnecting (XgLink   *self,
                  gboolean  reconnecting)
{
  if (self->reconnecting == reconnecting)
    return;
  self->reconnecting = reconnecting;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECTING]);
}

static char *
fingerprint_of (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  return xg_proto_fingerprint (der->data, der->len);
}

/* --- Writing ---------------------------------------------------------------- */

static void write_next (XgLink *self);

static void
write_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(XgLink) self = xg_weak_ref_take (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) written = NULL;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);

  /* A write that finished just before its connection was closed reports
   * success all the same; it must not touch the queue of a newer one. */
  if (self == NULL || self->stream == NULL ||
      G_OUTPUT_STREAM (source) != g_io_stream_get_output_stream (self->stream))
    return;
  self->writing = FALSE;
  if (!ok)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        lost (self, error->message);
      return;
    }

  written = g_queue_pop_head (&self->outgoing);
  write_next (self);
}

static void
write_next (XgLink *self)
{
  GBytes *head = g_queue_peek_head (&self->outgoing);
  gsize size;
  const guint8 *data;

  if (self->writing || self->corked || head == NULL || self->stream == NULL)
    return;
  /* What was queued meanwhile goes in one write (one TLS record). */
  if (g_queue_get_length (&self->outgoing) > 1)
    {
      g_autoptr(GByteArray) joined = g_byte_array_new ();
      GBytes *frame;

      while ((frame = g_queue_pop_head (&self->outgoing)) != NULL)
        {
          g_byte_array_append (joined, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
          g_bytes_unref (frame);
        }
      g_queue_push_head (&self->outgoing, g_byte_array_free_to_bytes (g_steal_pointer (&joined)));
      head = g_queue_peek_head (&self->outgoing);
    }

  data = g_bytes_get_data (head, &size);
  self->writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream), data, size,
                                   G_PRIORITY_DEFAULT, self->cancellable,
                                   write_done, xg_weak_ref_new (self));
}

/* Queues a frame; returns its request id, or 0 if it cannot be encoded. */
static guint32
send_frame (XgLink    *self,
            guint16    type,
            GVariant  *body,
            GError   **error)
{
  guint32 id = self->next_request_id++;
  GBytes *frame;

  if (self->next_request_id == 0)
    self->next_request_id = 1;

  frame = xg_proto_frame_encode (type, id, body, error);
  if (frame == NULL)
    return 0;
  g_queue_push_tail (&self->outgoing, frame);
  write_next (self);
  return id;
}

/* --- Requests --------------------------------------------------------------- */

static void
send_request (XgLink *self,
              GTask  *task)
{
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint32 id = send_frame (self, request->type, request->body, &error);

  if (id == 0)
    {
      g_task_return_new_error (task, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                               "The request cannot be sent: %s", error->message);
      g_object_unref (task);
      return;
    }
  g_hash_table_insert (self->in_flight, GUINT_TO_POINTER (id), task);
}

/* The requests sent on the current connection, which no answer will reach
 * now. @requeue: one sent before WELCOME waits for the next connection
 * instead, as it would have had it waited for WELCOME. */
static void
fail_in_flight (XgLink       *self,
                const GError *error,
                gboolean      requeue)
{
  g_autoptr(GList) tasks = g_hash_table_get_values (self->in_flight);

  g_hash_table_steal_all (self->in_flight);
  for (GList *l = tasks; l != NULL; l = l->next)
    {
      Request *request = g_task_get_task_data (l->data);

      if (requeue && request->sent_early)
        {
          request->sent_early = FALSE;
          g_queue_push_head (&self->waiting, l->data);
          continue;
        }
      g_task_return_error (l->data, g_error_copy (error));
      g_object_unref (l->data);
    }
}

static void
fail_waiting (XgLink       *self,
              const GError *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->waiting)) != NULL)
    {
      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
}

/* Right behind HELLO: the waiting TOKEN_LOGIN, if any. */
static void
send_early (XgLink *self)
{
  for (GList *l = self->waiting.head; l != NULL;)
    {
      GList *next = l->next;
      Request *request = g_task_get_task_data (l->data);

      if (request->early)
        {
          GTask *task = l->data;

          g_queue_delete_link (&self->waiting, l);
          request->sent_early = TRUE;
          g_debug ("%s right behind HELLO", xg_proto_packet_info (request->type)->name);
          send_request (self, task);
        }
      l = next;
    }
}

static void
flush_waiting (XgLink *self)
{
  GTask *task;

  while (self->state == XG_LINK_READY && (task = g_queue_pop_head (&self->waiting)) != NULL)
    send_request (self, task);
}

void
xg_link_request_async (XgLink              *self,
                       guint16              type,
                       GVariant            *body,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task;
  Request *request;

  g_return_if_fail (XG_IS_LINK (self));
  g_return_if_fail (body != NULL);

  request = g_new0 (Request, 1);
  request->type = type;
  request->body = g_variant_ref_sink (body);
  request->early = type == XG_PACKET_TOKEN_LOGIN;
  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, xg_link_request_async);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  if (self->state == XG_LINK_READY)
    {
      send_request (self, task);
      return;
    }
  /* HELLO is out, WELCOME not in yet. */
  if (request->early && self->hello_id != 0)
    {
      request->sent_early = TRUE;
      g_debug ("%s right behind HELLO", xg_proto_packet_info (type)->name);
      send_request (self, task);
      return;
    }
  g_queue_push_tail (&self->waiting, task);
  xg_link_open (self);
}

gboolean
xg_link_send (XgLink   *self,
              guint16   type,
              GVariant *body)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (body);
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (XG_IS_LINK (self), FALSE);

  if (self->state != XG_LINK_READY)
    return FALSE;
  if (send_frame (self, type, owned, &error) == 0)
    {
      g_warning ("A %s cannot be sent: %s", xg_proto_packet_info (type)->name, error->message);
      return FALSE;
    }
  return TRUE;
}

/**
 * xg_link_request_finish:
 *
 * Returns: (transfer full): the answer, or %NULL with @error set
 */
XgProtoFrame *
xg_link_request_finish (XgLink        *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- The life of a connection ----------------------------------------------- */

static void
heartbeat_stop (XgLink *self)
{
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
}

static gboolean
heartbeat_tick (gpointer user_data)
{
  XgLink *self = user_data;
  gint64 silent = g_get_monotonic_time () - self->last_received;

  if (silent > (gint64) self->idle_timeout * G_USEC_PER_SEC)
    {
      self->heartbeat_id = 0;
      lost (self, "The server stopped answering");
      return G_SOURCE_REMOVE;
    }
  /* Its HEARTBEAT_ACK answers no request: anything received counts as life. */
  send_frame (self, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (g_get_real_time ()), NULL);
  return G_SOURCE_CONTINUE;
}

static void
heartbeat_start (XgLink *self)
{
  heartbeat_stop (self);
  self->heartbeat_id = g_timeout_add_seconds (self->heartbeat_interval, heartbeat_tick, self);
}

/* Ends the current connection; nothing more is read or written on it. */
static void
drop_connection (XgLink *self)
{
  heartbeat_stop (self);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->stream != NULL)
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&self->stream);
  g_clear_pointer (&self->decoder, xg_proto_decoder_free);
  g_queue_clear_full (&self->outgoing, (GDestroyNotify) g_bytes_unref);
  self->writing = FALSE;
  self->corked = FALSE;
  self->hello_id = 0;
}

static gboolean
reconnect_now (gpointer user_data)
{
  XgLink *self = user_data;

  self->reconnect_id = 0;
  start_connect (self);
  return G_SOURCE_REMOVE;
}

/* 1, 2, 4 … 60 s, each somewhere between half and all of that. */
static void
schedule_reconnect (XgLink *self)
{
  guint base = MIN (1u << MIN (self->reconnect_attempt, 6u), RECONNECT_MAX_DELAY);
  guint delay_ms = (guint) (base * 1000 * g_random_double_range (0.5, 1.0));

  self->reconnect_attempt++;
  set_reconnecting (self, TRUE);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->reconnect_id = g_timeout_add (delay_ms, reconnect_now, self);
  g_debug ("Reconnecting to %s in %u ms", self->server, delay_ms);
}

/* The connection, or the attempt at one, ended by itself. */
static void
fail_connection (XgLink       *self,
                 const GError *error)
{
  drop_connection (self);
  fail_in_flight (self, error, self->reconnect);
  set_state (self, XG_LINK_CLOSED);
  if (self->reconnect)
    schedule_reconnect (self);
  else
    fail_waiting (self, error);
  g_signal_emit (self, signals[LOST], 0, error);
}

static void
lost (XgLink     *self,
      const char *why)
{
  g_autoptr(GError) error = g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_DISCONNECTED,
                                         "The connection to the server was lost: %s", why);

  if (self->state == XG_LINK_CLOSED)
    return;
  g_debug ("Link to %s lost: %s", self->server, why);
  fail_connection (self, error);
}

/* The server is not the one pinned: nothing more is sent to it, and the
 * link does not try again by itself. */
static void
refuse_changed_identity (XgLink *self)
{
  g_autoptr(GError) changed = g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_IDENTITY_CHANGED,
                                           "The server %s presented a different certificate "
                                           "than the one pinned for it", self->server);
  g_autofree char *pinned = g_strdup (self->pinned);
  g_autofree char *presented = g_strdup (self->presented);

  self->reconnect = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT]);
  drop_connection (self);
  set_reconnecting (self, FALSE);
  set_state (self, XG_LINK_CLOSED);
  fail_in_flight (self, changed, FALSE);
  fail_waiting (self, changed);
  g_signal_emit (self, signals[IDENTITY_CHANGED], 0, pinned, presented);
}

/* --- Reading ---------------------------------------------------------------- */

static void
on_welcome (XgLink             *self,
            const XgProtoFrame *frame)
{
  guint32 version, interval, timeout, max_frame;

  self->hello_id = 0;
  if (frame->type != XG_PACKET_WELCOME)
    {
      g_autofree char *why = NULL;

      if (frame->type == XG_PACKET_ERROR)
        {
          const char *message;

          xg_proto_error_get (frame->body, NULL, NULL, &message);
          why = g_strdup_printf ("The server refused HELLO: %s", message);
        }
      else
        why = g_strdup ("The server did not answer HELLO with WELCOME");
      lost (self, why);
      return;
    }

  /* What went right behind HELLO is in flight like any request now. */
  {
    GHashTableIter iter;
    gpointer task;

    g_hash_table_iter_init (&iter, self->in_flight);
    while (g_hash_table_iter_next (&iter, NULL, &task))
      ((Request *) g_task_get_task_data (task))->sent_early = FALSE;
  }
  xg_proto_welcome_get (frame->body, &version, NULL, &interval, &timeout, &max_frame, NULL);
  self->heartbeat_interval = MAX (interval, 1);
  self->idle_timeout = MAX (timeout, interval + 1);
  self->reconnect_attempt = 0;
  set_reconnecting (self, FALSE);
  set_state (self, XG_LINK_READY);
  heartbeat_start (self);

  /* The session logs in again first, then what waited goes out. */
  g_signal_emit (self, signals[READY], 0);
  flush_waiting (self);
}

static void
dispatch (XgLink             *self,
          const XgProtoFrame *frame)
{
  GTask *task = NULL;

  self->last_received = g_get_monotonic_time ();
  if (frame->request_id != 0 && frame->request_id == self->hello_id)
    on_welcome (self, frame);
  else if (frame->request_id != 0 &&
           g_hash_table_steal_extended (self->in_flight, GUINT_TO_POINTER (frame->request_id),
                                        NULL, (gpointer *) &task))
    {
      XgProtoFrame *copy = g_new0 (XgProtoFrame, 1);

      copy->type = frame->type;
      copy->request_id = frame->request_id;
      copy->body = g_variant_ref (frame->body);
      g_task_return_pointer (task, copy, (GDestroyNotify) xg_proto_frame_free);
      g_object_unref (task);
    }
  else if (frame->request_id == 0 || frame->type == XG_PACKET_ERROR)
    g_signal_emit (self, signals[PUSH], 0, frame);
  /* Anything else answers a request nobody waits for (a heartbeat's ACK). */
}

static void read_next (XgLink *self);

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(XgLink) self = xg_weak_ref_take (user_data);
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  const guint8 *data;

  /* Likewise a read that finished just before its connection was closed:
   * its bytes belong to the old one. */
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      self->stream == NULL || G_INPUT_STREAM (source) != g_io_stream_get_input_stream (self->stream))
    return;
  if (n <= 0)
    {
      lost (self, n == 0 ? "closed by the server" : error->message);
      return;
    }

  data = self->read_buffer;
  while (n > 0 && self->decoder != NULL)
    {
      g_autoptr(XgProtoFrame) frame = NULL;
      g_autoptr(GError) decode_error = NULL;
      GIOStream *stream = self->stream;
      gsize used = xg_proto_decoder_feed (self->decoder, data, n, &frame, &decode_error);

      data += used;
      n -= used;
      if (decode_error != NULL && !g_error_matches (decode_error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_BODY))
        {
          lost (self, decode_error->message);
          return;
        }
      if (frame != NULL && frame->body != NULL)
        dispatch (self, frame);
      /* A handler may have closed or replaced the connection. */
      if (self->stream != stream)
        return;
    }

  read_next (self);
}

static void
read_next (XgLink *self)
{
  if (self->stream == NULL)
    return;
  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream), self->read_buffer,
                             READ_BUFFER_SIZE, G_PRIORITY_DEFAULT, self->cancellable,
                             read_done, xg_weak_ref_new (self));
}

/* --- Connecting --------------------------------------------------------------- */

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(XgLink) self = xg_weak_ref_take (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) hello_error = NULL;
  GTlsConnection *tls;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (connection == NULL)
    {
      g_autoptr(GError) unreachable = NULL;

      if (self->pinned != NULL && self->presented != NULL && g_strcmp0 (self->pinned, self->presented) != 0)
        {
          refuse_changed_identity (self);
          return;
        }
      g_debug ("Cannot connect to %s: %s", self->server, error->message);
      unreachable = g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_UNREACHABLE,
                                 "Cannot reach %s: %s", self->server, error->message);
      fail_connection (self, unreachable);
      return;
    }

  /* A CA-signed certificate is accepted without asking us: check the pin here too. */
  tls = G_TLS_CONNECTION (g_tcp_wrapper_connection_get_base_io_stream (G_TCP_WRAPPER_CONNECTION (connection)));
  g_clear_pointer (&self->presented, g_free);
  self->presented = fingerprint_of (g_tls_connection_get_peer_certificate (tls));
  if (self->pinned != NULL && g_strcmp0 (self->pinned, self->presented) != 0)
    {
      g_io_stream_close_async (G_IO_STREAM (connection), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      refuse_changed_identity (self);
      return;
    }
  if (self->pinned == NULL)
    xg_device_db_store_pin_async (self->device_db, self->server, self->presented, NULL, NULL, NULL);
  if (g_strcmp0 (self->fingerprint, self->presented) != 0)
    {
      g_free (self->fingerprint);
      self->fingerprint = g_strdup (self->presented);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINGERPRINT]);
    }

  self->stream = G_IO_STREAM (g_steal_pointer (&connection));
  self->decoder = xg_proto_decoder_new (0);
  self->last_received = g_get_monotonic_time ();
  read_next (self);

  /* HELLO and a token login behind it go in one write, one exchange
   * (docs/PROTOCOL.md 3.1): the one that waited, or the session's. */
  self->corked = TRUE;
  self->hello_id = send_frame (self, XG_PACKET_HELLO,
                               xg_proto_hello_new (XG_PROTO_VERSION, "Xinge", PACKAGE_VERSION),
                               &hello_error);
  g_assert (self->hello_id != 0);
  /* Until WELCOME, the idle timeout guards the greeting too. */
  heartbeat_start (self);
  send_early (self);
  g_signal_emit (self, signals[GREETING], 0);
  self->corked = FALSE;
  write_next (self);
}

static gboolean
accept_certificate (GTlsConnection       *connection,
                    GTlsCertificate      *certificate,
                    GTlsCertificateFlags  errors,
                    gpointer              user_data)
{
  XgLink *self = user_data;

  /* Self-signed servers land here. Trust on first use: accept what we
   * have never seen pinned, and exactly what is pinned. */
  g_clear_pointer (&self->presented, g_free);
  self->presented = fingerprint_of (certificate);
  return self->pinned == NULL || g_strcmp0 (self->pinned, self->presented) == 0;
}

static void
on_socket_event (GSocketClient      *client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 gpointer            user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect_object (connection, "accept-certificate", G_CALLBACK (accept_certificate),
                             user_data, 0);
}

static void
pin_looked_up (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XgLink) self = xg_weak_ref_take (user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *pinned = xg_device_db_lookup_pin_finish (XG_DEVICE_DB (source), result, &error);

  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    {
      /* Without the pins the server cannot be checked: refuse rather than
       * trust blindly, and do not retry what would fail the same way. */
      g_autoptr(GError) failed = g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_UNREACHABLE,
                                              "Cannot read the pinned certificates: %s", error->message);

      xg_link_set_reconnect (self, FALSE);
      fail_connection (self, failed);
      return;
    }
  g_free (self->pinned);
  self->pinned = g_steal_pointer (&pinned);
  g_socket_client_connect_to_host_async (self->socket_client, self->server, DEFAULT_PORT,
                                         self->cancellable, connected, xg_weak_ref_new (self));
}

static void
start_connect (XgLink *self)
{
  drop_connection (self);
  set_state (self, XG_LINK_CONNECTING);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->presented, g_free);
  xg_device_db_lookup_pin_async (self->device_db, self->server, self->cancellable,
                                 pin_looked_up, xg_weak_ref_new (self));
}

void
xg_link_open (XgLink *self)
{
  g_return_if_fail (XG_IS_LINK (self));

  if (self->state == XG_LINK_CLOSED && self->reconnect_id == 0)
    start_connect (self);
}

/* Drops the connection as if it had been lost (reconnecting if the link
 * does): for a connection that is up but no use, e.g. the server would not
 * resume the session for a reason that may pass. */
void
xg_link_drop (XgLink     *self,
              const char *why)
{
  g_return_if_fail (XG_IS_LINK (self));

  lost (self, why);
}

void
xg_link_close (XgLink *self)
{
  g_autoptr(GError) error = g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_DISCONNECTED,
                                                 "Disconnected");

  g_return_if_fail (XG_IS_LINK (self));

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->reconnect_attempt = 0;
  set_reconnecting (self, FALSE);
  drop_connection (self);
  set_state (self, XG_LINK_CLOSED);
  fail_in_flight (self, error, FALSE);
  fail_waiting (self, error);
}

/* --- Getters and setters ------------------------------------------------------ */

const char *
xg_link_get_server (XgLink *self)
{
  g_return_val_if_fail (XG_IS_LINK (self), NULL);
  return self->server;
}

XgLinkState
xg_link_get_state (XgLink *self)
{
  g_return_val_if_fail (XG_IS_LINK (self), XG_LINK_CLOSED);
  return self->state;
}

const char *
xg_link_get_fingerprint (XgLink *self)
{
  g_return_val_if_fail (XG_IS_LINK (self), NULL);
  return self->fingerprint;
}

gboolean
xg_link_get_reconnecting (XgLink *self)
{
  g_return_val_if_fail (XG_IS_LINK (self), FALSE);
  return self->reconnecting;
}

gboolean
xg_link_get_reconnect (XgLink *self)
{
  g_return_val_if_fail (XG_IS_LINK (self), FALSE);
  return self->reconnect;
}

/* Whether the link comes back by itself after a loss. Turning it off
 * stops a scheduled retry; the requests that wait for it fail. */
void
xg_link_set_reconnect (XgLink   *self,
                       gboolean  reconnect)
{
  g_return_if_fail (XG_IS_LINK (self));

  reconnect = !!reconnect;
  if (self->reconnect == reconnect)
    return;
  self->reconnect = reconnect;
  if (!reconnect && self->reconnect_id != 0)
    {
      g_autoptr(GError) error = g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_DISCONNECTED,
                                                     "Disconnected");

      g_clear_handle_id (&self->reconnect_id, g_source_remove);
      set_reconnecting (self, FALSE);
      fail_waiting (self, error);
    }
  if (!reconnect)
    self->reconnect_attempt = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT]);
}

void
xg_link_set_heartbeat_interval (XgLink *self,
                                guint   seconds)
{
  g_return_if_fail (XG_IS_LINK (self));

  self->heartbeat_interval = MAX (seconds, 1);
  if (self->heartbeat_id != 0)
    heartbeat_start (self);
}

/* --- Object -------------------------------------------------------------------- */

static void
xg_link_dispose (GObject *object)
{
  XgLink *self = XG_LINK (object);

  self->reconnect = FALSE;
  xg_link_close (self);
  g_clear_object (&self->socket_client);
  g_clear_object (&self->device_db);

  G_OBJECT_CLASS (xg_link_parent_class)->dispose (object);
}

static void
xg_link_finalize (GObject *object)
{
  XgLink *self = XG_LINK (object);

  g_hash_table_unref (self->in_flight);
  g_free (self->server);
  g_free (self->fingerprint);
  g_free (self->pinned);
  g_free (self->presented);
  g_free (self->read_buffer);

  G_OBJECT_CLASS (xg_link_parent_class)->finalize (object);
}

static void
xg_link_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  XgLink *self = XG_LINK (object);

  switch (prop_id)
    {
    case PROP_SERVER: g_value_set_string (value, self->server); break;
    case PROP_DEVICE_DB: g_value_set_object (value, self->device_db); break;
    case PROP_STATE: g_value_set_int (value, self->state); break;
    case PROP_RECONNECT: g_value_set_boolean (value, self->reconnect); break;
    case PROP_RECONNECTING: g_value_set_boolean (value, self->reconnecting); break;
    case PROP_FINGERPRINT: g_value_set_string (value, self->fingerprint); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_link_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  XgLink *self = XG_LINK (object);

  switch (prop_id)
    {
    case PROP_SERVER: self->server = g_value_dup_string (value); break;
    case PROP_DEVICE_DB: self->device_db = g_value_dup_object (value); break;
    case PROP_RECONNECT: xg_link_set_reconnect (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_link_class_init (XgLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xg_link_dispose;
  object_class->finalize = xg_link_finalize;
  object_class->get_property = xg_link_get_property;
  object_class->set_property = xg_link_set_property;

  properties[PROP_SERVER] =
    g_param_spec_string ("server", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEVICE_DB] =
    g_param_spec_object ("device-db", NULL, NULL, XG_TYPE_DEVICE_DB,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, XG_LINK_CLOSED, XG_LINK_READY, XG_LINK_CLOSED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECONNECT] =
    g_param_spec_boolean ("reconnect", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECONNECTING] =
    g_param_spec_boolean ("reconnecting", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FINGERPRINT] =
    g_param_spec_string ("fingerprint", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[GREETING] =
    g_signal_new ("greeting", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[READY] =
    g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[LOST] =
    g_signal_new ("lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[PUSH] =
    g_signal_new ("push", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[IDENTITY_CHANGED] =
    g_signal_new ("identity-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
xg_link_init (XgLink *self)
{
  self->in_flight = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->waiting);
  g_queue_init (&self->outgoing);
  self->next_request_id = 1;
  self->heartbeat_interval = DEFAULT_HEARTBEAT_INTERVAL;
  self->idle_timeout = DEFAULT_IDLE_TIMEOUT;
  self->read_buffer = g_malloc (READ_BUFFER_SIZE);
  self->socket_client = g_socket_client_new ();
  g_socket_client_set_tls (self->socket_client, TRUE);
  g_signal_connect_object (self->socket_client, "event", G_CALLBACK (on_socket_event), self, 0);
}

/**
 * xg_link_new:
 * @server: "host:port" (the port defaults to 7447)
 * @device_db: where server certificates are pinned
 */
XgLink *
xg_link_new (const char *server,
             XgDeviceDb *device_db)
{
  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (XG_IS_DEVICE_DB (device_db), NULL);

  return g_object_new (XG_TYPE_LINK, "server", server, "device-db", device_db, NULL);
}
