/* xg-server.c: listeners, the event loop's connection source, sessions, shutdown
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Connections are watched through one epoll descriptor that the GLib main
 * loop polls as a single source: a GSource per connection would make every
 * main-loop iteration walk all of them, and the server is built to hold
 * tens of thousands of mostly idle connections. Timeouts are one sweep a
 * second over all connections, not a timer each.
 */
#define G_LOG_DOMAIN "xg-server"
#define _GNU_SOURCE   /* accept4() */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>
#include <sodium.h>
#include <glib/gstdio.h>

#include "xg-server-private.h"
#include "xg-server-router.h"
#include "xg-server-store-sqlite.h"
#include "xg-server-tls.h"

#define MAX_EVENTS 256

G_DEFINE_FINAL_TYPE (XgServer, xg_server, G_TYPE_OBJECT)

/* --- Connections and the epoll source ----------------------------------- */

void
xg_server_watch_connection (XgServer           *self,
                            XgServerConnection *conn,
                            gboolean            want_output)
{
  struct epoll_event event = { 0 };

  /* A paused connection is not read (its answers pile up), but still
   * written; EPOLLHUP and EPOLLERR are always reported. */
  event.events = (conn->state < XG_CONNECTION_CLOSING && !conn->reading_paused ? EPOLLIN | EPOLLRDHUP : 0) |
                 (want_output ? EPOLLOUT : 0);
  event.data.ptr = conn;
  conn->watching_output = want_output;

  /* The first call adds the descriptor, later ones change its events,
   * and only when they change. */
  if (conn->in_epoll && conn->epoll_events == event.events)
    return;
  if (epoll_ctl (self->epoll_fd, conn->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, conn->fd, &event) == 0)
    {
      conn->in_epoll = TRUE;
      conn->epoll_events = event.events;
    }
}

/* --- Listening ------------------------------------------------------------ */

static void
watch_listener (XgServer   *self,
                XgListener *listener,
                gboolean    on)
{
  struct epoll_event event = { .events = EPOLLIN, .data.ptr = listener };

  if (on)
    epoll_ctl (self->epoll_fd, EPOLL_CTL_ADD, listener->fd, &event);
  else
    epoll_ctl (self->epoll_fd, EPOLL_CTL_DEL, listener->fd, NULL);
  listener->paused = !on;
}

static void
close_listeners (XgServer *self)
{
  for (guint i = 0; i < self->n_listeners; i++)
    {
      if (self->listeners[i].fd < 0)
        continue;
      if (!self->listeners[i].paused && self->epoll_fd >= 0)
        watch_listener (self, &self->listeners[i], FALSE);
      close (self->listeners[i].fd);
      self->listeners[i].fd = -1;
    }
}

/* @nodelay: TCP_NODELAY is set already (inherited from our listener) */
static XgServerConnection *
adopt (XgServer              *self,
       int                    fd,
       const struct sockaddr *peer,
       gboolean               nodelay)
{
  XgServerConnection *conn = xg_server_connection_new (self, fd, peer, nodelay);

  g_hash_table_add (self->connections, conn);
  xg_server_connection_start (conn);
  return conn;
}

/* Takes every connection waiting on @listener (it is level-triggered:
 * what a burst leaves comes back on the next turn). Out of descriptors,
 * the listener rests until the next sweep instead of spinning. */
static void
accept_all (XgServer   *self,
            XgListener *listener)
{
  for (guint i = 0; i < 256; i++)
    {
      struct sockaddr_storage peer;
      socklen_t peer_len = sizeof peer;
      int fd = accept4 (listener->fd, (struct sockaddr *) &peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);

      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
            {
              g_warning ("Not accepting connections for a second: %s", g_strerror (errno));
              watch_listener (self, listener, FALSE);
            }
          return;
        }
      if (self->stopping)
        {
          close (fd);
          continue;
        }
      if (g_hash_table_size (self->connections) >= self->config->max_connections)
        {
          g_warning ("Refusing a connection: max-connections (%u) reached", self->config->max_connections);
          close (fd);
          continue;
        }

      adopt (self, fd, (struct sockaddr *) &peer, TRUE);
    }
}

/**
 * xg_server_adopt_connection:
 * @fd: (transfer full): a connected, non-blocking stream socket
 * @peer: its remote address
 *
 * Serves @fd as a client connection, as if it had been accepted: the
 * listeners do this, and so does the fuzz target (tests/fuzz/fuzz-server.c).
 *
 * Returns: (transfer none): the connection
 */
XgServerConnection *
xg_server_adopt_connection (XgServer              *self,
                            int                    fd,
                            const struct sockaddr *peer)
{
  return adopt (self, fd, peer, FALSE);
}

/**
 * xg_server_constant_frame:
 *
 * Returns: (transfer none): the frame, encoded on the first call
 */
GBytes *
xg_server_constant_frame (XgServer      *self,
                          XgServerFrame  which)
{
  GVariant *body = NULL;
  guint16 type = 0;

  g_return_val_if_fail (which < XG_SERVER_N_FRAMES, NULL);
  if (self->frames[which] != NULL)
    return self->frames[which];

  switch (which)
    {
    case XG_SERVER_FRAME_WELCOME:
      type = XG_PACKET_WELCOME;
      body = xg_proto_welcome_new (XG_PROTO_VERSION, self->config->name, self->config->heartbeat_interval,
                                   self->config->heartbeat_timeout, self->config->max_frame_size, FALSE);
      break;
    case XG_SERVER_FRAME_SYNC_DONE:
      type = XG_PACKET_SYNC_DONE;
      body = xg_proto_sync_done_new ();
      break;
    case XG_SERVER_FRAME_EMPTY_FRIEND_LIST:
      type = XG_PACKET_FRIEND_LIST;
      body = xg_proto_friend_list_new (NULL);
      break;
    case XG_SERVER_FRAME_EMPTY_GROUP_LIST:
      type = XG_PACKET_GROUP_LIST;
      body = xg_proto_group_list_new (NULL);
      break;
    case XG_SERVER_N_FRAMES:
    default:
      g_assert_not_reached ();
    }
  /* Small bodies that always fit, but WELCOME with a [server] name of
   * kilobytes, which is not sent then (nor was it before). */
  {
    g_autoptr(GError) error = NULL;

    self->frames[which] = xg_proto_frame_encode (type, 0, body, &error);
    if (self->frames[which] == NULL)
      g_warning ("Not sending %s: %s", xg_proto_packet_info (type)->name, error->message);
  }
  g_assert (self->frames[which] != NULL || which == XG_SERVER_FRAME_WELCOME);
  return self->frames[which];
}

/**
 * xg_server_hold_writes:
 *
 * Until xg_server_release_writes(), what is queued on any connection is
 * written then, each connection's frames joined, without an idle source
 * each: for an epoll batch, and for a store callback that answers with
 * many frames (a login and its sync).
 *
 * Returns: whether this call held them (not when they were held already):
 *   pass it to xg_server_release_writes()
 */
gboolean
xg_server_hold_writes (XgServer *self)
{
  if (self->flush_batch != NULL)
    return FALSE;
  self->flush_batch = self->flush_batch_store;
  return TRUE;
}

void
xg_server_release_writes (XgServer *self,
                          gboolean  held)
{
  if (!held)
    return;
  self->flush_batch = NULL;
  xg_server_connection_flush_batch (self->flush_batch_store);
}

static gboolean
on_epoll_ready (int          fd,
                GIOCondition condition,
                gpointer     user_data)
{
  XgServer *self = user_data;
  struct epoll_event events[MAX_EVENTS];
  int n = epoll_wait (self->epoll_fd, events, MAX_EVENTS, 0);
  gboolean held = xg_server_hold_writes (self);

  for (int i = 0; i < n; i++)
    {
      XgServerConnection *conn = events[i].data.ptr;

      if (events[i].data.ptr >= (gpointer) self->listeners &&
          events[i].data.ptr < (gpointer) (self->listeners + XG_SERVER_LISTENERS_MAX))
        {
          accept_all (self, events[i].data.ptr);
          continue;
        }

      /* An earlier event in this batch may have closed it; the memory
       * stays valid until the batch is over (see xg_server_connection_closed). */
      if (conn->state != XG_CONNECTION_CLOSED)
        xg_server_connection_on_io (conn, events[i].events);
    }

  xg_server_release_writes (self, held);
  g_ptr_array_set_size (self->closed, 0);
  return G_SOURCE_CONTINUE;
}

/* Called by a connection just before its socket is closed. The close
 * takes the descriptor out of the epoll set (it is never duplicated, so
 * closing it releases the file): no EPOLL_CTL_DEL of its own. */
void
xg_server_connection_closed (XgServer           *self,
                             XgServerConnection *conn)
{
  conn->in_epoll = FALSE;
  if (g_hash_table_steal (self->connections, conn))
    g_ptr_array_add (self->closed, conn);   /* freed after the current batch */

  if (self->stopping && g_hash_table_size (self->connections) == 0 && self->shutdown_task != NULL)
    {
      g_task_return_boolean (self->shutdown_task, TRUE);
      g_clear_object (&self->shutdown_task);
    }
}

/* --- Time ----------------------------------------------------------------- */

/* Runs every time-based check now rather than at its next tick. */
static void
run_time_checks (XgServer *self)
{
  gint64 seconds = xg_server_clock_seconds (self->clock);

  xg_server_limiter_expire (self->code_requests, seconds);
  xg_server_limiter_expire (self->address_failures, seconds);
  xg_server_limiter_expire (self->lookups, seconds);
  xg_server_backoff_expire (self->email_failures, seconds);
}

static gboolean
expire_friend_requests (gpointer user_data)
{
  xg_server_friends_expire (user_data);
  return G_SOURCE_CONTINUE;
}

/* SIGUSR1 with XG_SERVER_TEST_CLOCK set: the test moved the clock
 * (xg-server-clock.c). */
static gboolean
on_clock_signal (gpointer user_data)
{
  XgServer *self = user_data;

  xg_server_clock_reload (self->clock);
  run_time_checks (self);
  xg_server_friends_expire (self);
  return G_SOURCE_CONTINUE;
}

/* Once a second: handshakes and greetings that take too long, sessions
 * whose heartbeats stopped, closing connections that do not drain. */
static gboolean
sweep (gpointer user_data)
{
  XgServer *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 idle_limit = (gint64) self->config->heartbeat_timeout * G_USEC_PER_SEC;
  g_autoptr(GPtrArray) expired = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_connection_unref);
  GHashTableIter iter;
  XgServerConnection *conn;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &conn, NULL))
    {
      gboolean late;

      switch (conn->state)
        {
        case XG_CONNECTION_HANDSHAKING:
        case XG_CONNECTION_AWAIT_HELLO:
          late = now - conn->state_since > XG_SERVER_GREETING_TIMEOUT * G_USEC_PER_SEC;
          break;
        case XG_CONNECTION_READY:
          late = now - conn->last_seen > idle_limit;
          break;
        case XG_CONNECTION_CLOSING:
          late = now - conn->state_since > XG_SERVER_CLOSING_TIMEOUT * G_USEC_PER_SEC;
          break;
        case XG_CONNECTION_CLOSED:
        default:
          late = FALSE;
          break;
        }
      if (late)
        g_ptr_array_add (expired, xg_server_connection_ref (conn));
    }

  /* Acting changes the table, so it waits until the walk is done. */
  for (guint i = 0; i < expired->len; i++)
    {
      conn = expired->pdata[i];
      if (conn->state == XG_CONNECTION_READY && conn->account_id != 0)
        xg_server_connection_forced_logout (conn, XG_PROTO_FORCED_LOGOUT_HEARTBEAT_LOST,
                                            "No heartbeat within the timeout");
      else
        xg_server_connection_close (conn, conn->state == XG_CONNECTION_CLOSING
                                          ? "did not take its last packets" : "timed out");
    }
  g_ptr_array_set_size (self->closed, 0);

  for (guint i = 0; i < self->n_listeners; i++)
    if (self->listeners[i].fd >= 0 && self->listeners[i].paused && !self->stopping)
      watch_listener (self, &self->listeners[i], TRUE);

  if (++self->sweeps % 60 == 0)
    run_time_checks (self);

  return G_SOURCE_CONTINUE;
}

/* --- Object -------------------------------------------------------------- */

static void
xg_server_dispose (GObject *object)
{
  XgServer *self = XG_SERVER (object);

  close_listeners (self);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_clear_handle_id (&self->clock_signal_id, g_source_remove);
  g_clear_handle_id (&self->expiry_id, g_source_remove);
  if (self->epoll_source != NULL)
    {
      g_source_destroy (self->epoll_source);
      g_clear_pointer (&self->epoll_source, g_source_unref);
    }
  if (self->store != NULL)
    xg_server_store_stop (self->store);

  G_OBJECT_CLASS (xg_server_parent_class)->dispose (object);
}

static void
xg_server_finalize (GObject *object)
{
  XgServer *self = XG_SERVER (object);
  GHashTableIter iter;
  XgServerConnection *conn;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, (gpointer *) &conn, NULL))
    {
      g_hash_table_iter_steal (&iter);
      conn->state = XG_CONNECTION_CLOSED;
      xg_server_connection_unref (conn);
    }
  g_hash_table_unref (self->connections);
  xg_server_router_free (self->router);
  g_hash_table_unref (self->handlers);
  g_ptr_array_unref (self->closed);
  g_ptr_array_unref (self->flush_batch_store);
  for (guint i = 0; i < XG_SERVER_N_FRAMES; i++)
    g_clear_pointer (&self->frames[i], g_bytes_unref);
  if (self->epoll_fd >= 0)
    close (self->epoll_fd);

  g_clear_object (&self->store);
  g_clear_object (&self->hasher);
  g_clear_object (&self->mailer);
  g_clear_pointer (&self->tls, xg_server_tls_free);
  g_clear_object (&self->shutdown_task);
  g_free (self->fingerprint);
  g_free (self->read_buffer);
  g_free (self->tls_stage);
  g_free (self->data_dir);
  xg_server_limiter_free (self->code_requests);
  xg_server_limiter_free (self->address_failures);
  xg_server_backoff_free (self->email_failures);
  xg_server_limiter_free (self->lookups);
  xg_server_config_free (self->config);
  xg_server_clock_free (self->clock);
  sodium_memzero (self->secret, sizeof self->secret);

  G_OBJECT_CLASS (xg_server_parent_class)->finalize (object);
}

static void
xg_server_class_init (XgServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xg_server_dispose;
  object_class->finalize = xg_server_finalize;
}

static void
xg_server_init (XgServer *self)
{
  self->epoll_fd = -1;
  for (guint i = 0; i < XG_SERVER_LISTENERS_MAX; i++)
    self->listeners[i].fd = -1;
  self->connections = g_hash_table_new (NULL, NULL);
  self->router = xg_server_router_new ();
  self->handlers = xg_server_handlers_new ();
  self->clock = xg_server_clock_new ();
  self->closed = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_connection_unref);
  self->read_buffer = g_malloc (XG_SERVER_READ_BUFFER_SIZE);
  self->tls_stage = g_malloc (XG_SERVER_TLS_STAGE_SIZE);
  self->flush_batch_store = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_server_connection_unref);
}

static gboolean
make_dir (const char  *path,
          GError     **error)
{
  if (g_mkdir_with_parents (path, 0700) == 0)
    return TRUE;
  {
    int saved = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot create %s: %s", path, g_strerror (saved));
    return FALSE;
  }
}

static XgServerMailer *
create_mailer (XgServer *self)
{
  XgServerConfig *config = self->config;
  g_autofree char *outbox = NULL;

  if (config->mail_mode == XG_SERVER_MAIL_SMTP)
    return xg_server_mailer_new_smtp (config->smtp_url, config->starttls, config->smtp_username,
                                      config->smtp_password, config->mail_from, config->smtp_ca_file);

  /* DATA/outbox/, created with the first mail. */
  outbox = g_build_filename (self->data_dir, "outbox", NULL);
  return xg_server_mailer_new_outbox (outbox);
}

/**
 * xg_server_new:
 * @config: (transfer full): the configuration
 * @data_dir: where the database, certificate, secret and outbox live
 * @plain: serve plain TCP instead of TLS (development only; the caller
 *   makes sure the listener is on loopback)
 *
 * Opens everything the server needs; nothing listens yet.
 */
XgServer *
xg_server_new (XgServerConfig  *config,
               const char      *data_dir,
               gboolean         plain,
               GError         **error)
{
  g_autoptr(XgServer) self = g_object_new (XG_TYPE_SERVER, NULL);
  g_autofree char *db_path = NULL;
  g_autofree char *secret_path = NULL;
  g_autofree char *tls_dir = NULL;

  self->config = config;
  self->data_dir = g_strdup (data_dir);
  self->plain = plain;

  if (!xg_server_crypto_init (error) || !make_dir (data_dir, error))
    return NULL;

  secret_path = g_build_filename (data_dir, "secret.key", NULL);
  if (!xg_server_load_secret (secret_path, self->secret, error))
    return NULL;

  tls_dir = g_build_filename (data_dir, "tls", NULL);
  self->tls = xg_server_tls_new (tls_dir, config->certificate, config->private_key,
                                 config->allow_tls_1_2, error);
  if (self->tls == NULL)
    return NULL;
  self->fingerprint = xg_server_tls_fingerprint (self->tls);

  db_path = g_build_filename (data_dir, "xinge.db", NULL);
  self->store = xg_server_store_sqlite_open (db_path, error);
  if (self->store == NULL)
    return NULL;

  self->mailer = create_mailer (self);

  self->hasher = xg_server_hasher_new (config->max_hashes_in_flight);
  self->code_requests = xg_server_limiter_new (config->codes_per_address_per_hour, 3600);
  self->address_failures = xg_server_limiter_new (config->failures_per_address, 600);
  self->email_failures = xg_server_backoff_new (5, 300);
  self->lookups = xg_server_limiter_new (config->lookups_per_hour, 3600);

  self->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (self->epoll_fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "epoll: %s", g_strerror (saved));
      return NULL;
    }
  self->epoll_source = g_unix_fd_source_new (self->epoll_fd, G_IO_IN);
  g_source_set_callback (self->epoll_source, G_SOURCE_FUNC (on_epoll_ready), self, NULL);
  g_source_set_name (self->epoll_source, "xg-server connections");
  /* A source that may not recurse is blocked while it runs: GLib takes its
   * descriptor out of the poll set and puts it back, waking its own loop
   * (an eventfd write each way, then an extra poll and read) on every
   * dispatch. Nothing in the server iterates the main context from inside
   * a dispatch, so there is nothing to block against. */
  g_source_set_can_recurse (self->epoll_source, TRUE);
  g_source_attach (self->epoll_source, NULL);
  self->sweep_id = g_timeout_add_seconds (1, sweep, self);
  if (xg_server_clock_is_adjustable (self->clock))
    self->clock_signal_id = g_unix_signal_add (SIGUSR1, on_clock_signal, self);
  /* Requests that ran out while the server was down go first. */
  xg_server_friends_expire (self);
  self->expiry_id = g_timeout_add_seconds (XG_SERVER_EXPIRY_INTERVAL, expire_friend_requests, self);

  return g_steal_pointer (&self);
}

static gboolean
listen_failed (int      fd,
               GError **error)
{
  int saved = errno;

  if (fd >= 0)
    close (fd);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s", g_strerror (saved));
  return FALSE;
}

/**
 * xg_server_listen:
 * @address: "HOST:PORT"; port 0 picks a free one
 * @bound_address: (out) (optional): the address actually bound
 */
gboolean
xg_server_listen (XgServer    *self,
                  const char  *address,
                  char       **bound_address,
                  GError     **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddressEnumerator) enumerator = NULL;
  g_autoptr(GSocketAddress) wanted = NULL;
  struct sockaddr_storage native;
  socklen_t native_len;
  XgListener *listener;
  int fd, on = 1, off = 0;
  GInetAddress *host;

  connectable = g_network_address_parse (address, 0, error);
  if (connectable == NULL)
    return FALSE;
  enumerator = g_socket_connectable_enumerate (connectable);
  wanted = g_socket_address_enumerator_next (enumerator, NULL, error);
  if (wanted == NULL)
    return FALSE;

  host = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (wanted));
  if (self->plain && !g_inet_address_get_is_loopback (host))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "Plain TCP is for development on loopback only; %s is not a loopback address",
                   address);
      return FALSE;
    }

  if (self->n_listeners == XG_SERVER_LISTENERS_MAX)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES, "Too many listening addresses");
      return FALSE;
    }
  if (!g_socket_address_to_native (wanted, &native, sizeof native, error))
    return FALSE;
  native_len = g_socket_address_get_native_size (wanted);

  fd = socket (native.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0)
    return listen_failed (fd, error);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  /* Small packets go out at once instead of waiting for the peer's ACK;
   * accepted sockets inherit it (one setsockopt() here, none each). */
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (native.ss_family == AF_INET6)
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);   /* as GLib: dual stack */
  /* A backlog of 4096, not GLib's 10, which overflows when many clients
   * reconnect at once, e.g. after a restart. */
  if (bind (fd, (struct sockaddr *) &native, native_len) < 0 || listen (fd, 4096) < 0 ||
      getsockname (fd, (struct sockaddr *) &native, &native_len) < 0)
    return listen_failed (fd, error);

  listener = &self->listeners[self->n_listeners++];
  listener->fd = fd;
  watch_listener (self, listener, TRUE);

  if (bound_address != NULL)
    {
      g_autofree char *host_text = g_inet_address_to_string (host);
      guint16 port = ntohs (native.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &native)->sin6_port
                                                         : ((struct sockaddr_in *) &native)->sin_port);

      *bound_address = strchr (host_text, ':') ? g_strdup_printf ("[%s]:%u", host_text, port)
                                               : g_strdup_printf ("%s:%u", host_text, port);
    }
  return TRUE;
}

const char *
xg_server_get_fingerprint (XgServer *self)
{
  return self->fingerprint;
}

const char *
xg_server_describe_mail (XgServer *self)
{
  return xg_server_mailer_describe (self->mailer);
}

guint
xg_server_get_n_connections (XgServer *self)
{
  return g_hash_table_size (self->connections);
}

/* A snapshot that holds a reference to each, safe to act on while the
 * table changes. */
static GPtrArray *
list_connections (XgServer *self)
{
  GPtrArray *all = g_ptr_array_new_full (g_hash_table_size (self->connections),
                                         (GDestroyNotify) xg_server_connection_unref);
  GHashTableIter iter;
  gpointer conn;

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &conn, NULL))
    g_ptr_array_add (all, xg_server_connection_ref (conn));
  return all;
}

static gboolean
shutdown_deadline (gpointer user_data)
{
  XgServer *self = user_data;
  g_autoptr(GPtrArray) left = list_connections (self);

  for (guint i = 0; i < left->len; i++)
    xg_server_connection_close (left->pdata[i], "server shutting down");
  g_ptr_array_set_size (self->closed, 0);
  return G_SOURCE_REMOVE;
}

/**
 * xg_server_shutdown_async:
 *
 * Stops accepting, tells every logged-in client FORCED_LOGOUT (server
 * shutting down), closes every connection once its last packets are out
 * (or after a few seconds), and lets the database finish what was queued.
 */
void
xg_server_shutdown_async (XgServer            *self,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GPtrArray) all = list_connections (self);

  g_return_if_fail (!self->stopping);

  self->stopping = TRUE;
  self->shutdown_task = g_task_new (self, NULL, callback, user_data);
  close_listeners (self);

  for (guint i = 0; i < all->len; i++)
    {
      XgServerConnection *conn = all->pdata[i];

      if (conn->account_id != 0)
        xg_server_connection_forced_logout (conn, XG_PROTO_FORCED_LOGOUT_SERVER_SHUTDOWN,
                                            "The server is shutting down");
      else
        xg_server_connection_close_after_send (conn);
    }

  /* Connections that closed at once may have completed the task already. */
  if (self->shutdown_task != NULL && g_hash_table_size (self->connections) == 0)
    {
      g_task_return_boolean (self->shutdown_task, TRUE);
      g_clear_object (&self->shutdown_task);
    }
  else if (self->shutdown_task != NULL)
    g_timeout_add_seconds (XG_SERVER_CLOSING_TIMEOUT, shutdown_deadline, self);
}

gboolean
xg_server_shutdown_finish (XgServer      *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  xg_server_store_stop (self->store);
  return TRUE;
}
