/* xg-session.c: one connection to a Xinge server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every public call becomes a Call: a request packet, the GTask to
 * complete, and the function that reads the answer. Calls made while the
 * session is not connected wait in a queue, and a connection is made for
 * them. Answers are matched by request id; pushes (request id 0) update
 * the session's state and signals.
 *
 * A lost link (read error, end of stream, or a server silent for longer
 * than its idle timeout) fails the calls in flight with DISCONNECTED; if
 * the user was logged in, the session reconnects with exponential backoff
 * and jitter and logs in again with its resume token.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include <errno.h>

#include "xg-proto.h"
#include "xg-session.h"

#define DEFAULT_PORT               7447
#define DEFAULT_HEARTBEAT_INTERVAL 30
#define DEFAULT_IDLE_TIMEOUT       90
#define RECONNECT_MAX_DELAY        60
#define READ_BUFFER_SIZE           (64 * 1024)

G_DEFINE_QUARK (xg-session-error-quark, xg_session_error)

G_DEFINE_ENUM_TYPE (XgSessionState, xg_session_state,
  G_DEFINE_ENUM_VALUE (XG_SESSION_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (XG_SESSION_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (XG_SESSION_CONNECTED, "connected"),
  G_DEFINE_ENUM_VALUE (XG_SESSION_LOGGED_IN, "logged-in"))

typedef struct _Call Call;
typedef void (*AnswerFunc) (XgSession *self, Call *call, const XgProtoFrame *frame);

/* A request on its way: what to send, what completes it, what reads the answer. */
struct _Call
{
  GTask      *task;
  guint16     type;
  GVariant   *body;
  AnswerFunc  answer;
  guint32     request_id;
  gboolean    needs_login;
};

/* What a finished call hands to its _finish function. */
typedef struct {
  guint      retry_after;
  guint      attempts_left;
  guint      expires_in;
  guint64    account_id;
  XgProfile *profile;
} CallResult;

struct _XgSession
{
  GObject          parent_instance;

  char            *server;
  XgDeviceDb      *device_db;
  XgAccountDb     *account_db;       /* the logged-in account's own database */

  XgSessionState   state;
  guint64          account_id;
  char            *email;
  GBytes          *token;
  char            *token_base64;
  XgProfile       *profile;
  char            *fingerprint;
  gboolean         reconnecting;

  /* The link. */
  GCancellable    *link_cancellable;
  GSocketClient   *socket_client;
  GIOStream       *stream;
  char            *pinned;           /* the pin looked up for this connect */
  char            *presented;        /* what the server showed */
  XgProtoDecoder  *decoder;
  guint8          *read_buffer;
  GQueue           outgoing;         /* GBytes frames */
  gboolean         writing;
  guint32          next_request_id;
  GHashTable      *in_flight;        /* request id → Call */
  GQueue           waiting;          /* Calls waiting for the link */
  gint64           last_received;    /* monotonic µs */
  guint            heartbeat_interval;
  guint            idle_timeout;
  guint            heartbeat_id;

  /* Getting the session back after a lost link. */
  gboolean         keep_session;
  guint            reconnect_id;
  guint            reconnect_attempt;
  GTask           *login_task;       /* waiting for the PROFILE after LOGIN_OK */
};

G_DEFINE_FINAL_TYPE (XgSession, xg_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER,
  PROP_DEVICE_DB,
  PROP_STATE,
  PROP_ACCOUNT_ID,
  PROP_PROFILE,
  PROP_RECONNECTING,
  PROP_FINGERPRINT,
  N_PROPS
};

enum {
  FORCED_LOGOUT,
  IDENTITY_CHANGED,
  SERVER_ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_connect       (XgSession *self);
static void close_account_db (XgSession *self);
static void link_lost       (XgSession *self, const char *why);
static void send_call       (XgSession *self, Call *call);

/* --- Small helpers ------------------------------------------------------- */

/* I/O in flight must not keep the session alive: when its owner drops it,
 * dispose cancels the link. Callbacks get a weak reference instead. */
static gpointer
weak_self (XgSession *self)
{
  GWeakRef *ref = g_new (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  return ref;
}

static XgSession *
strong_self (gpointer user_data)
{
  GWeakRef *ref = user_data;
  XgSession *self = g_weak_ref_get (ref);

  g_weak_ref_clear (ref);
  g_free (ref);
  return self;
}

static void
call_free (Call *call)
{
  g_clear_object (&call->task);
  g_clear_pointer (&call->body, g_variant_unref);
  g_free (call);
}

static void
call_result_free (CallResult *result)
{
  g_clear_object (&result->profile);
  g_free (result);
}

static CallResult *
call_result (Call *call)
{
  return g_task_get_task_data (call->task);
}

static void
set_state (XgSession      *self,
           XgSessionState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_reconnecting (XgSession *self,
                  gboolean   reconnecting)
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

/* Drops the login: account, token, profile. */
static void
forget_login (XgSession *self)
{
  self->keep_session = FALSE;
  g_clear_pointer (&self->token, g_bytes_unref);
  g_clear_pointer (&self->token_base64, g_free);
  if (self->account_id != 0)
    {
      self->account_id = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT_ID]);
    }
  if (self->profile != NULL)
    {
      g_clear_object (&self->profile);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
    }
  close_account_db (self);
}

/* Each account keeps what the server told it in its own database, beside
 * the device database: DIR/device.db, DIR/accounts/<id>.db. */
static void
open_account_db (XgSession *self,
                    guint64    account_id)
{
  g_autofree char *dir = g_path_get_dirname (xg_db_get_path (XG_DB (self->device_db)));
  g_autofree char *accounts = g_build_filename (dir, "accounts", NULL);
  g_autofree char *name = g_strdup_printf ("%" G_GUINT64_FORMAT ".db", account_id);
  g_autofree char *path = g_build_filename (accounts, name, NULL);

  if (self->account_db != NULL && g_strcmp0 (xg_db_get_path (XG_DB (self->account_db)), path) == 0)
    return;
  close_account_db (self);
  if (g_mkdir_with_parents (accounts, 0700) != 0)
    g_warning ("Cannot create %s: %s", accounts, g_strerror (errno));
  /* A file that cannot be opened makes every call fail, which the
   * session only logs: the server stays the source of truth. */
  self->account_db = xg_account_db_new (path);
}

/* Waits for its pending writes, so what the session saw is on disk. */
static void
close_account_db (XgSession *self)
{
  if (self->account_db != NULL)
    xg_db_close (XG_DB (self->account_db));
  g_clear_object (&self->account_db);
}

static void
store_profile (XgSession *self)
{
  if (self->account_db != NULL && self->profile != NULL)
    xg_account_db_store_profile_async (self->account_db, xg_profile_to_variant (self->profile),
                                       NULL, NULL, NULL);
}

/* --- Writing ------------------------------------------------------------- */

static void write_next (XgSession *self);

static void
write_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(XgSession) self = strong_self (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) written = NULL;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);

  /* A write that finished just before its link was closed reports success
   * all the same; it must not touch the queue of a newer link. */
  if (self == NULL || self->stream == NULL ||
      G_OUTPUT_STREAM (source) != g_io_stream_get_output_stream (self->stream))
    return;
  if (!ok)
    {
      self->writing = FALSE;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        link_lost (self, error->message);
      return;
    }

  written = g_queue_pop_head (&self->outgoing);
  self->writing = FALSE;
  write_next (self);
}

static void
write_next (XgSession *self)
{
  GBytes *head = g_queue_peek_head (&self->outgoing);
  gsize size;
  const guint8 *data;

  if (self->writing || head == NULL || self->stream == NULL)
    return;

  data = g_bytes_get_data (head, &size);
  self->writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream), data, size,
                                   G_PRIORITY_DEFAULT, self->link_cancellable,
                                   write_done, weak_self (self));
}

static guint32
send_packet (XgSession *self,
             guint16    type,
             GVariant  *body)
{
  g_autoptr(GError) error = NULL;
  guint32 id = self->next_request_id++;
  GBytes *frame;

  if (self->next_request_id == 0)
    self->next_request_id = 1;

  frame = xg_proto_frame_encode (type, id, body, &error);
  if (frame == NULL)
    {
      g_warning ("Cannot encode a packet: %s", error->message);
      return 0;
    }
  g_queue_push_tail (&self->outgoing, frame);
  write_next (self);
  return id;
}

/* --- Calls --------------------------------------------------------------- */

static void
fail_call (Call       *call,
           GError     *error)
{
  g_task_return_error (call->task, error);
  call_free (call);
}

/* The calls sent on the current link, which no answer will reach now. */
static void
fail_in_flight (XgSession    *self,
                const GError *error)
{
  g_autoptr(GList) in_flight = g_hash_table_get_values (self->in_flight);

  g_hash_table_steal_all (self->in_flight);
  for (GList *l = in_flight; l != NULL; l = l->next)
    fail_call (l->data, g_error_copy (error));
  if (self->login_task != NULL)
    {
      g_task_return_error (self->login_task, g_error_copy (error));
      g_clear_object (&self->login_task);
    }
}

/* Those, and the calls still waiting for a link. */
static void
fail_all (XgSession    *self,
          const GError *error)
{
  Call *call;

  fail_in_flight (self, error);
  while ((call = g_queue_pop_head (&self->waiting)) != NULL)
    fail_call (call, g_error_copy (error));
}

static void
send_call (XgSession *self,
           Call      *call)
{
  call->request_id = send_packet (self, call->type, call->body);
  if (call->request_id == 0)
    {
      fail_call (call, g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                                    "The request is too large"));
      return;
    }
  g_hash_table_insert (self->in_flight, GUINT_TO_POINTER (call->request_id), call);
}

/* Sends now if the link is up, otherwise queues and brings it up. Calls
 * other than login need a logged-in session. */
static void
start_call (XgSession  *self,
            GTask      *task,
            guint16     type,
            GVariant   *body,
            AnswerFunc  answer,
            gboolean    needs_login)
{
  Call *call = g_new0 (Call, 1);

  call->task = task;
  call->type = type;
  call->body = g_variant_ref_sink (body);
  call->answer = answer;
  call->needs_login = needs_login;
  g_task_set_task_data (task, g_new0 (CallResult, 1), (GDestroyNotify) call_result_free);

  if (needs_login && self->state != XG_SESSION_LOGGED_IN && !self->keep_session)
    {
      fail_call (call, g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_LOGGED_IN,
                                            "Not logged in"));
      return;
    }

  if ((self->state == XG_SESSION_CONNECTED && !needs_login) || self->state == XG_SESSION_LOGGED_IN)
    send_call (self, call);
  else
    {
      g_queue_push_tail (&self->waiting, call);
      if (self->state == XG_SESSION_DISCONNECTED && self->reconnect_id == 0)
        start_connect (self);
    }
}

/* Sends the calls that waited for the link; login-only calls keep waiting
 * while a reconnect logs in again. */
static void
flush_waiting (XgSession *self)
{
  GQueue still = G_QUEUE_INIT;
  Call *call;

  while ((call = g_queue_pop_head (&self->waiting)) != NULL)
    {
      if (call->needs_login && self->state != XG_SESSION_LOGGED_IN)
        g_queue_push_tail (&still, call);
      else
        send_call (self, call);
    }
  self->waiting = still;
}

static GError *
error_from_packet (const XgProtoFrame *frame)
{
  guint16 request_type;
  guint32 code;
  const char *message;
  int session_code = XG_SESSION_ERROR_PROTOCOL;

  xg_proto_error_get (frame->body, &request_type, &code, &message);
  switch (code)
    {
    case XG_PROTO_ERR_NOT_LOGGED_IN: session_code = XG_SESSION_ERROR_NOT_LOGGED_IN; break;
    case XG_PROTO_ERR_INVALID_ARGUMENT: session_code = XG_SESSION_ERROR_INVALID_INPUT; break;
    case XG_PROTO_ERR_RATE_LIMITED: session_code = XG_SESSION_ERROR_RATE_LIMITED; break;
    case XG_PROTO_ERR_BUSY: session_code = XG_SESSION_ERROR_BUSY; break;
    default: break;
    }
  return g_error_new (XG_SESSION_ERROR, session_code, "%s", message);
}

static void
unexpected_answer (Call               *call,
                   const XgProtoFrame *frame)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (frame->type);

  if (frame->type == XG_PACKET_ERROR)
    fail_call (call, error_from_packet (frame));
  else
    fail_call (call, g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_PROTOCOL,
                                  "Unexpected answer %s", info ? info->name : "?"));
}

/* --- Session life -------------------------------------------------------- */

static void
heartbeat_stop (XgSession *self)
{
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
}

static gboolean
heartbeat_tick (gpointer user_data)
{
  XgSession *self = user_data;
  gint64 silent = g_get_monotonic_time () - self->last_received;

  if (silent > (gint64) self->idle_timeout * G_USEC_PER_SEC)
    {
      self->heartbeat_id = 0;
      link_lost (self, "The server stopped answering");
      return G_SOURCE_REMOVE;
    }
  send_packet (self, XG_PACKET_HEARTBEAT, xg_proto_heartbeat_new (g_get_real_time ()));
  return G_SOURCE_CONTINUE;
}

static void
heartbeat_start (XgSession *self)
{
  heartbeat_stop (self);
  self->heartbeat_id = g_timeout_add_seconds (self->heartbeat_interval, heartbeat_tick, self);
}

/* Closes the link; nothing more is read or written. */
static void
close_link (XgSession *self)
{
  heartbeat_stop (self);
  if (self->link_cancellable != NULL)
    g_cancellable_cancel (self->link_cancellable);
  g_clear_object (&self->link_cancellable);
  if (self->stream != NULL)
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&self->stream);
  g_clear_pointer (&self->decoder, xg_proto_decoder_free);
  g_queue_clear_full (&self->outgoing, (GDestroyNotify) g_bytes_unref);
  self->writing = FALSE;
}

static gboolean
reconnect_now (gpointer user_data)
{
  XgSession *self = user_data;

  self->reconnect_id = 0;
  start_connect (self);
  return G_SOURCE_REMOVE;
}

/* 1, 2, 4 … 60 s, each somewhere between half and all of that. */
static void
schedule_reconnect (XgSession *self)
{
  guint base = MIN (1u << MIN (self->reconnect_attempt, 6u), RECONNECT_MAX_DELAY);
  guint delay_ms = (guint) (base * 1000 * g_random_double_range (0.5, 1.0));

  self->reconnect_attempt++;
  set_reconnecting (self, TRUE);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->reconnect_id = g_timeout_add (delay_ms, reconnect_now, self);
  g_debug ("Reconnecting to %s in %u ms", self->server, delay_ms);
}

static void
link_lost (XgSession  *self,
           const char *why)
{
  g_autoptr(GError) error = g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_DISCONNECTED,
                                         "The connection to the server was lost: %s", why);

  if (self->state == XG_SESSION_DISCONNECTED && self->stream == NULL)
    return;
  g_debug ("Link to %s lost: %s", self->server, why);
  close_link (self);

  /* Calls in flight have no answer coming; waiting ones may still go out
   * after a reconnect. */
  fail_in_flight (self, error);

  set_state (self, XG_SESSION_DISCONNECTED);
  if (self->keep_session)
    schedule_reconnect (self);
  else
    fail_all (self, error);
}

/* --- Reading ------------------------------------------------------------- */

static void on_login_ok (XgSession *self, GTask *task, const XgProtoFrame *frame);

/* The window speaks XgSessionEndReason, never the protocol's codes. */
static XgSessionEndReason
end_reason (guint32 forced_logout)
{
  switch (forced_logout)
    {
    case XG_PROTO_FORCED_LOGOUT_HEARTBEAT_LOST: return XG_SESSION_ENDED_HEARTBEAT_LOST;
    case XG_PROTO_FORCED_LOGOUT_LOGGED_IN_ELSEWHERE: return XG_SESSION_ENDED_ELSEWHERE;
    case XG_PROTO_FORCED_LOGOUT_ACCOUNT_DISABLED: return XG_SESSION_ENDED_ACCOUNT_DISABLED;
    case XG_PROTO_FORCED_LOGOUT_SERVER_SHUTDOWN: return XG_SESSION_ENDED_SERVER_SHUTDOWN;
    default: return XG_SESSION_ENDED_HEARTBEAT_LOST;   /* a newer reason: the link is gone */
    }
}

static void
handle_push (XgSession          *self,
             const XgProtoFrame *frame)
{
  switch (frame->type)
    {
    case XG_PACKET_PROFILE:
      {
        guint64 id;
        const char *email, *nickname;
        g_autoptr(GVariant) fields = NULL;

        xg_proto_profile_get (frame->body, &id, &email, &nickname, &fields);
        if (self->profile == NULL || xg_profile_get_account_id (self->profile) != id)
          {
            g_clear_object (&self->profile);
            self->profile = xg_profile_new_from_packet (frame->body);
            g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
          }
        else
          xg_profile_update (self->profile, email, nickname, fields);
        store_profile (self);

        if (self->login_task != NULL)
          {
            g_task_return_boolean (self->login_task, TRUE);
            g_clear_object (&self->login_task);
          }
      }
      break;

    case XG_PACKET_FORCED_LOGOUT:
      {
        guint32 reason;
        const char *message;
        g_autoptr(GError) error = g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_DISCONNECTED,
                                                       "The server ended the session");

        xg_proto_forced_logout_get (frame->body, &reason, &message);
        reason = end_reason (reason);
        g_debug ("Forced logout: %s", message);
        /* The seed: close the connection; logging in again is the user's call. */
        close_link (self);
        fail_all (self, error);
        forget_login (self);
        set_reconnecting (self, FALSE);
        set_state (self, XG_SESSION_DISCONNECTED);
        g_signal_emit (self, signals[FORCED_LOGOUT], 0, reason, message);
      }
      break;

    case XG_PACKET_ERROR:
      {
        guint16 type;
        guint32 code;
        const char *message;

        xg_proto_error_get (frame->body, &type, &code, &message);
        g_signal_emit (self, signals[SERVER_ERROR], 0, code, message);
      }
      break;

    default:
      g_debug ("Ignoring a %s push", xg_proto_packet_info (frame->type)->name);
      break;
    }
}

static void
dispatch (XgSession          *self,
          const XgProtoFrame *frame)
{
  Call *call = NULL;

  self->last_received = g_get_monotonic_time ();
  if (frame->request_id != 0 &&
      g_hash_table_steal_extended (self->in_flight, GUINT_TO_POINTER (frame->request_id),
                                   NULL, (gpointer *) &call))
    call->answer (self, call, frame);
  else if (frame->request_id == 0)
    handle_push (self, frame);
  else if (frame->type == XG_PACKET_ERROR)
    handle_push (self, frame);
}

static void read_next (XgSession *self);

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(XgSession) self = strong_self (user_data);
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  const guint8 *data;

  /* Likewise a read that finished just before its link was closed: its
   * bytes belong to the old connection. */
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      self->stream == NULL || G_INPUT_STREAM (source) != g_io_stream_get_input_stream (self->stream))
    return;
  data = self->read_buffer;
  if (n <= 0)
    {
      link_lost (self, n == 0 ? "closed by the server" : error->message);
      return;
    }

  while (n > 0 && self->decoder != NULL)
    {
      g_autoptr(XgProtoFrame) frame = NULL;
      g_autoptr(GError) decode_error = NULL;
      gsize used = xg_proto_decoder_feed (self->decoder, data, n, &frame, &decode_error);

      data += used;
      n -= used;
      if (decode_error != NULL && !g_error_matches (decode_error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_BODY))
        {
          link_lost (self, decode_error->message);
          return;
        }
      if (frame != NULL && frame->body != NULL)
        dispatch (self, frame);
    }

  read_next (self);
}

static void
read_next (XgSession *self)
{
  if (self->stream == NULL)
    return;
  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream), self->read_buffer,
                             READ_BUFFER_SIZE, G_PRIORITY_DEFAULT, self->link_cancellable,
                             read_done, weak_self (self));
}

/* --- Connecting ---------------------------------------------------------- */

static void
on_token_relogin (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  XgSession *self = XG_SESSION (source);
  g_autoptr(GError) error = NULL;

  if (xg_session_login_finish (self, result, NULL, &error))
    return;
  if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_TOKEN_INVALID) ||
      g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_ACCOUNT_DISABLED))
    {
      /* The session is over for good; only the user can start a new one. */
      g_autoptr(GError) ended = g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_TOKEN_INVALID,
                                                     "The session has ended");
      fail_all (self, ended);
      forget_login (self);
      set_reconnecting (self, FALSE);
      close_link (self);
      set_state (self, XG_SESSION_DISCONNECTED);
      g_signal_emit (self, signals[FORCED_LOGOUT], 0,
                     g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_ACCOUNT_DISABLED)
                     ? XG_SESSION_ENDED_ACCOUNT_DISABLED : XG_SESSION_ENDED_EXPIRED,
                     error->message);
    }
  /* A link lost again is already being retried. */
}

static void on_welcome (XgSession *self, Call *call, const XgProtoFrame *frame);

/* The server is not the one pinned: nothing more is sent to it, and the
 * session does not try again by itself. */
static void
refuse_changed_identity (XgSession *self)
{
  g_autoptr(GError) changed = g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_IDENTITY_CHANGED,
                                           "The server %s presented a different certificate "
                                           "than the one pinned for it", self->server);

  self->keep_session = FALSE;
  set_reconnecting (self, FALSE);
  set_state (self, XG_SESSION_DISCONNECTED);
  fail_all (self, changed);
  g_signal_emit (self, signals[IDENTITY_CHANGED], 0, self->pinned, self->presented);
}

static void
hello_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  XgSession *self = XG_SESSION (source);
  g_autoptr(GError) error = NULL;

  if (g_task_propagate_boolean (G_TASK (result), &error))
    {
      set_state (self, XG_SESSION_CONNECTED);
      heartbeat_start (self);
      if (self->keep_session && self->token != NULL)
        xg_session_login_with_token_async (self, self->email, self->account_id, self->token_base64,
                                           NULL, on_token_relogin, NULL);
      flush_waiting (self);
    }
  else if (!g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_DISCONNECTED))
    link_lost (self, error->message);
}

static void
on_welcome (XgSession          *self,
            Call               *call,
            const XgProtoFrame *frame)
{
  guint32 version, interval, timeout, max_frame;

  if (frame->type != XG_PACKET_WELCOME)
    {
      unexpected_answer (call, frame);
      return;
    }
  xg_proto_welcome_get (frame->body, &version, NULL, &interval, &timeout, &max_frame, NULL);
  self->heartbeat_interval = MAX (interval, 1);
  self->idle_timeout = MAX (timeout, interval + 1);
  g_task_return_boolean (call->task, TRUE);
  call_free (call);
}

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(XgSession) self = strong_self (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  GTlsConnection *tls;
  GTask *hello;
  Call *call;

  connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (self == NULL)
    return;
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (self->pinned != NULL && self->presented != NULL && g_strcmp0 (self->pinned, self->presented) != 0)
        {
          refuse_changed_identity (self);
          return;
        }

      g_debug ("Cannot connect to %s: %s", self->server, error->message);
      set_state (self, XG_SESSION_DISCONNECTED);
      if (self->keep_session)
        schedule_reconnect (self);
      else
        {
          g_autoptr(GError) unreachable = g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_UNREACHABLE,
                                                       "Cannot reach %s: %s", self->server, error->message);
          fail_all (self, unreachable);
        }
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

  hello = g_task_new (self, self->link_cancellable, hello_done, NULL);
  call = g_new0 (Call, 1);
  call->task = hello;
  call->type = XG_PACKET_HELLO;
  call->body = g_variant_ref_sink (xg_proto_hello_new (XG_PROTO_VERSION, "Xinge", PACKAGE_VERSION));
  call->answer = on_welcome;
  send_call (self, call);
}

static gboolean
accept_certificate (GTlsConnection       *connection,
                    GTlsCertificate      *certificate,
                    GTlsCertificateFlags  errors,
                    gpointer              user_data)
{
  XgSession *self = user_data;

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
  g_autoptr(XgSession) self = strong_self (user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *pinned = xg_device_db_lookup_pin_finish (XG_DEVICE_DB (source), result, &error);

  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_free (self->pinned);
  self->pinned = g_steal_pointer (&pinned);
  if (error != NULL)
    {
      /* Without the pins the server cannot be checked: refuse rather than trust blindly. */
      g_autoptr(GError) failed = g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_UNREACHABLE,
                                              "Cannot read the pinned certificates: %s", error->message);
      set_state (self, XG_SESSION_DISCONNECTED);
      fail_all (self, failed);
      return;
    }
  if (self->state != XG_SESSION_CONNECTING)
    return;

  g_socket_client_connect_to_host_async (self->socket_client, self->server, DEFAULT_PORT,
                                         self->link_cancellable, connected, weak_self (self));
}

static void
start_connect (XgSession *self)
{
  close_link (self);
  set_state (self, XG_SESSION_CONNECTING);
  self->link_cancellable = g_cancellable_new ();
  g_clear_pointer (&self->presented, g_free);
  xg_device_db_lookup_pin_async (self->device_db, self->server, self->link_cancellable,
                             pin_looked_up, weak_self (self));
}

/* --- Answers ------------------------------------------------------------- */

static void
on_login_answer (XgSession          *self,
                 Call               *call,
                 const XgProtoFrame *frame)
{
  CallResult *out = call_result (call);

  if (frame->type == XG_PACKET_LOGIN_OK)
    {
      GTask *task = g_steal_pointer (&call->task);
      on_login_ok (self, task, frame);
      call_free (call);
      return;
    }
  if (frame->type == XG_PACKET_LOGIN_FAIL)
    {
      guint32 reason, retry_after;
      const char *message;
      int code;

      xg_proto_login_fail_get (frame->body, &reason, &retry_after, &message);
      out->retry_after = retry_after;
      switch (reason)
        {
        case XG_PROTO_LOGIN_FAIL_RATE_LIMITED: code = XG_SESSION_ERROR_RATE_LIMITED; break;
        case XG_PROTO_LOGIN_FAIL_ACCOUNT_DISABLED: code = XG_SESSION_ERROR_ACCOUNT_DISABLED; break;
        case XG_PROTO_LOGIN_FAIL_TOKEN_INVALID: code = XG_SESSION_ERROR_TOKEN_INVALID; break;
        case XG_PROTO_LOGIN_FAIL_BUSY: code = XG_SESSION_ERROR_BUSY; break;
        case XG_PROTO_LOGIN_FAIL_BAD_CREDENTIALS:
        default: code = XG_SESSION_ERROR_BAD_CREDENTIALS; break;
        }
      fail_call (call, g_error_new (XG_SESSION_ERROR, code, "%s", message));
      return;
    }
  unexpected_answer (call, frame);
}

/* LOGIN_OK: the login completes with the PROFILE push that follows. */
static void
on_login_ok (XgSession          *self,
             GTask              *task,
             const XgProtoFrame *frame)
{
  guint64 account_id;
  g_autoptr(GBytes) token = NULL;
  gsize len;
  const guint8 *data;

  xg_proto_login_ok_get (frame->body, &account_id, &token, NULL);
  data = g_bytes_get_data (token, &len);

  if (self->account_id != account_id)
    {
      if (self->profile != NULL && xg_profile_get_account_id (self->profile) != account_id)
        {
          g_clear_object (&self->profile);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
        }
      self->account_id = account_id;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT_ID]);
    }
  open_account_db (self, account_id);
  if (self->token == NULL || !g_bytes_equal (self->token, token))
    {
      g_clear_pointer (&self->token, g_bytes_unref);
      g_free (self->token_base64);
      self->token = g_bytes_ref (token);
      self->token_base64 = g_base64_encode (data, len);
    }
  self->keep_session = TRUE;
  self->reconnect_attempt = 0;
  set_reconnecting (self, FALSE);
  set_state (self, XG_SESSION_LOGGED_IN);
  flush_waiting (self);

  if (self->login_task != NULL)
    {
      g_task_return_boolean (self->login_task, TRUE);
      g_clear_object (&self->login_task);
    }
  self->login_task = task;
}

static void on_register_answer (XgSession *self, Call *call, const XgProtoFrame *frame);

static void
on_code_answer (XgSession          *self,
                Call               *call,
                const XgProtoFrame *frame)
{
  CallResult *out = call_result (call);

  switch (frame->type)
    {
    case XG_PACKET_CODE_SENT:
      xg_proto_code_sent_get (frame->body, NULL, &out->retry_after, &out->expires_in);
      g_task_return_boolean (call->task, TRUE);
      call_free (call);
      return;
    case XG_PACKET_EMAIL_TAKEN:
      fail_call (call, g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_EMAIL_TAKEN,
                                            "This address already has an account"));
      return;
    default:
      /* REGISTER_FAIL is shared with registration. */
      on_register_answer (self, call, frame);
      return;
    }
}

static void
on_register_answer (XgSession          *self,
                    Call               *call,
                    const XgProtoFrame *frame)
{
  CallResult *out = call_result (call);

  switch (frame->type)
    {
    case XG_PACKET_REGISTER_OK:
      xg_proto_register_ok_get (frame->body, &out->account_id);
      g_task_return_boolean (call->task, TRUE);
      call_free (call);
      return;

    case XG_PACKET_CODE_INCORRECT:
      xg_proto_code_incorrect_get (frame->body, &out->attempts_left);
      fail_call (call, g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_CODE_INCORRECT,
                                    "Wrong code, %u attempts left", out->attempts_left));
      return;

    case XG_PACKET_REGISTER_FAIL:
      {
        guint32 reason;
        const char *message;
        int code;

        xg_proto_register_fail_get (frame->body, &reason, &out->retry_after, &message);
        switch (reason)
          {
          case XG_PROTO_REGISTER_FAIL_INVALID_EMAIL:
          case XG_PROTO_REGISTER_FAIL_INVALID_NICKNAME:
          case XG_PROTO_REGISTER_FAIL_WEAK_PASSWORD: code = XG_SESSION_ERROR_INVALID_INPUT; break;
          case XG_PROTO_REGISTER_FAIL_NO_CODE:
          case XG_PROTO_REGISTER_FAIL_TOO_MANY_ATTEMPTS: code = XG_SESSION_ERROR_CODE_EXPIRED; break;
          case XG_PROTO_REGISTER_FAIL_RATE_LIMITED: code = XG_SESSION_ERROR_RATE_LIMITED; break;
          case XG_PROTO_REGISTER_FAIL_MAIL_FAILED: code = XG_SESSION_ERROR_MAIL_FAILED; break;
          case XG_PROTO_REGISTER_FAIL_EMAIL_TAKEN: code = XG_SESSION_ERROR_EMAIL_TAKEN; break;
          case XG_PROTO_REGISTER_FAIL_BUSY: code = XG_SESSION_ERROR_BUSY; break;
          default: code = XG_SESSION_ERROR_PROTOCOL; break;
          }
        /* Which field was wrong, for the window to point at. */
        g_task_set_name (call->task, reason == XG_PROTO_REGISTER_FAIL_INVALID_EMAIL ? "email"
                                     : reason == XG_PROTO_REGISTER_FAIL_INVALID_NICKNAME ? "nickname"
                                     : reason == XG_PROTO_REGISTER_FAIL_WEAK_PASSWORD ? "password" : NULL);
        fail_call (call, g_error_new (XG_SESSION_ERROR, code, "%s", message));
      }
      return;

    default:
      unexpected_answer (call, frame);
      return;
    }
}

static void
on_logout_answer (XgSession          *self,
                  Call               *call,
                  const XgProtoFrame *frame)
{
  if (frame->type != XG_PACKET_LOGOUT_OK)
    {
      unexpected_answer (call, frame);
      return;
    }
  forget_login (self);
  close_link (self);
  set_state (self, XG_SESSION_DISCONNECTED);
  g_task_return_boolean (call->task, TRUE);
  call_free (call);
}

static void
on_profile_answer (XgSession          *self,
                   Call               *call,
                   const XgProtoFrame *frame)
{
  guint64 id;
  const char *email, *nickname;
  g_autoptr(GVariant) fields = NULL;

  if (frame->type != XG_PACKET_PROFILE)
    {
      unexpected_answer (call, frame);
      return;
    }
  xg_proto_profile_get (frame->body, &id, &email, &nickname, &fields);
  if (self->profile != NULL && xg_profile_get_account_id (self->profile) == id)
    {
      xg_profile_update (self->profile, email, nickname, fields);
      store_profile (self);
    }
  g_task_return_boolean (call->task, TRUE);
  call_free (call);
}

static void
on_user_info_answer (XgSession          *self,
                     Call               *call,
                     const XgProtoFrame *frame)
{
  CallResult *out = call_result (call);

  if (frame->type == XG_PACKET_USER_INFO)
    {
      out->profile = xg_profile_new_from_user_info (frame->body);
      g_task_return_boolean (call->task, TRUE);
      call_free (call);
    }
  else if (frame->type == XG_PACKET_USER_NOT_FOUND)
    fail_call (call, g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND,
                                          "No such account"));
  else
    unexpected_answer (call, frame);
}

/* --- Public calls -------------------------------------------------------- */

void
xg_session_request_code_async (XgSession           *self,
                               const char          *email,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));
  g_return_if_fail (email != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_session_request_code_async);
  start_call (self, task, XG_PACKET_REGISTER_CODE_REQUEST, xg_proto_register_code_request_new (email),
              on_code_answer, FALSE);
}

gboolean
xg_session_request_code_finish (XgSession     *self,
                                GAsyncResult  *result,
                                guint         *resend_after,
                                guint         *expires_in,
                                GError       **error)
{
  CallResult *out = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (resend_after != NULL)
    *resend_after = out ? out->retry_after : 0;
  if (expires_in != NULL)
    *expires_in = out ? out->expires_in : 0;
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
xg_session_register_async (XgSession           *self,
                           const char          *email,
                           const char          *nickname,
                           const char          *password,
                           const char          *code,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_session_register_async);
  start_call (self, task, XG_PACKET_REGISTER, xg_proto_register_new (email, nickname, password, code),
              on_register_answer, FALSE);
}

guint64
xg_session_register_finish (XgSession     *self,
                            GAsyncResult  *result,
                            guint         *attempts_left,
                            GError       **error)
{
  CallResult *out = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  if (attempts_left != NULL)
    *attempts_left = out ? out->attempts_left : 0;
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return 0;
  return out->account_id;
}

static void
start_login (XgSession *self,
             GTask     *task,
             guint16    type,
             GVariant  *body)
{
  if (self->state == XG_SESSION_LOGGED_IN || self->login_task != NULL)
    {
      g_task_set_task_data (task, g_new0 (CallResult, 1), (GDestroyNotify) call_result_free);
      g_task_return_new_error (task, XG_SESSION_ERROR, XG_SESSION_ERROR_PROTOCOL,
                               "Already logged in; log out first");
      g_object_unref (task);
      g_variant_unref (g_variant_ref_sink (body));
      return;
    }
  start_call (self, task, type, body, on_login_answer, FALSE);
}

void
xg_session_login_async (XgSession           *self,
                        const char          *email,
                        const char          *password,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));
  g_return_if_fail (email != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_session_login_async);
  g_free (self->email);
  self->email = g_strdup (email);
  start_login (self, task, XG_PACKET_LOGIN, xg_proto_login_new (email, password, ""));
}

void
xg_session_login_with_token_async (XgSession           *self,
                                   const char          *email,
                                   guint64              account_id,
                                   const char          *token,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GBytes) token_bytes = NULL;
  guchar *decoded;
  gsize len;
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));
  g_return_if_fail (token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_session_login_with_token_async);
  if (email != self->email)
    {
      g_free (self->email);
      self->email = g_strdup (email);
    }
  decoded = g_base64_decode (token, &len);
  token_bytes = g_bytes_new_take (decoded, len);
  start_login (self, task, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (account_id, token_bytes));
}

gboolean
xg_session_login_finish (XgSession     *self,
                         GAsyncResult  *result,
                         guint         *retry_after,
                         GError       **error)
{
  CallResult *out = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (retry_after != NULL)
    *retry_after = out ? out->retry_after : 0;
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
xg_session_logout_async (XgSession           *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_session_logout_async);
  start_call (self, task, XG_PACKET_LOGOUT, xg_proto_logout_new (), on_logout_answer, TRUE);
}

gboolean
xg_session_logout_finish (XgSession     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
xg_session_update_profile_async (XgSession           *self,
                                 GVariant            *changes,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));
  g_return_if_fail (changes != NULL && g_variant_is_of_type (changes, G_VARIANT_TYPE_VARDICT));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_session_update_profile_async);
  start_call (self, task, XG_PACKET_PROFILE_UPDATE, xg_proto_profile_update_new (changes),
              on_profile_answer, TRUE);
}

gboolean
xg_session_update_profile_finish (XgSession     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
xg_session_user_info_async (XgSession           *self,
                            guint64              account_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_session_user_info_async);
  start_call (self, task, XG_PACKET_USER_INFO_REQUEST, xg_proto_user_info_request_new (account_id),
              on_user_info_answer, TRUE);
}

XgProfile *
xg_session_user_info_finish (XgSession     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  CallResult *out = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  return g_steal_pointer (&out->profile);
}

void
xg_session_disconnect (XgSession *self)
{
  g_autoptr(GError) error = g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_DISCONNECTED,
                                                 "Disconnected");

  g_return_if_fail (XG_IS_SESSION (self));

  self->keep_session = FALSE;
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  set_reconnecting (self, FALSE);
  close_link (self);
  fail_all (self, error);
  set_state (self, XG_SESSION_DISCONNECTED);
}

void
xg_session_set_heartbeat_interval (XgSession *self,
                                   guint      seconds)
{
  g_return_if_fail (XG_IS_SESSION (self));

  self->heartbeat_interval = MAX (seconds, 1);
  if (self->heartbeat_id != 0)
    heartbeat_start (self);
}

/* --- Getters ------------------------------------------------------------- */

const char *
xg_session_get_server (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return self->server;
}

XgSessionState
xg_session_get_state (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), XG_SESSION_DISCONNECTED);
  return self->state;
}

guint64
xg_session_get_account_id (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), 0);
  return self->account_id;
}

XgProfile *
xg_session_get_profile (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return self->profile;
}

gboolean
xg_session_get_reconnecting (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), FALSE);
  return self->reconnecting;
}

const char *
xg_session_get_fingerprint (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return self->fingerprint;
}

const char *
xg_session_get_email (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return self->email;
}

const char *
xg_session_get_resume_token (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return self->token_base64;
}

/* --- Object -------------------------------------------------------------- */

static void
xg_session_dispose (GObject *object)
{
  XgSession *self = XG_SESSION (object);

  xg_session_disconnect (self);
  g_clear_object (&self->socket_client);
  close_account_db (self);
  g_clear_object (&self->device_db);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (xg_session_parent_class)->dispose (object);
}

static void
xg_session_finalize (GObject *object)
{
  XgSession *self = XG_SESSION (object);

  g_hash_table_unref (self->in_flight);
  g_clear_pointer (&self->token, g_bytes_unref);
  g_free (self->token_base64);
  g_free (self->server);
  g_free (self->email);
  g_free (self->fingerprint);
  g_free (self->pinned);
  g_free (self->presented);
  g_free (self->read_buffer);

  G_OBJECT_CLASS (xg_session_parent_class)->finalize (object);
}

static void
xg_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  XgSession *self = XG_SESSION (object);

  switch (prop_id)
    {
    case PROP_SERVER: g_value_set_string (value, self->server); break;
    case PROP_DEVICE_DB: g_value_set_object (value, self->device_db); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_ACCOUNT_ID: g_value_set_uint64 (value, self->account_id); break;
    case PROP_PROFILE: g_value_set_object (value, self->profile); break;
    case PROP_RECONNECTING: g_value_set_boolean (value, self->reconnecting); break;
    case PROP_FINGERPRINT: g_value_set_string (value, self->fingerprint); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_session_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  XgSession *self = XG_SESSION (object);

  switch (prop_id)
    {
    case PROP_SERVER: self->server = g_value_dup_string (value); break;
    case PROP_DEVICE_DB: self->device_db = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_session_class_init (XgSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xg_session_dispose;
  object_class->finalize = xg_session_finalize;
  object_class->get_property = xg_session_get_property;
  object_class->set_property = xg_session_set_property;

  properties[PROP_SERVER] =
    g_param_spec_string ("server", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEVICE_DB] =
    g_param_spec_object ("device-db", NULL, NULL, XG_TYPE_DEVICE_DB,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, XG_TYPE_SESSION_STATE, XG_SESSION_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACCOUNT_ID] =
    g_param_spec_uint64 ("account-id", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, XG_TYPE_PROFILE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECONNECTING] =
    g_param_spec_boolean ("reconnecting", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FINGERPRINT] =
    g_param_spec_string ("fingerprint", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * XgSession::forced-logout:
   * @reason: an XgSessionEndReason
   * @message: the server's text, for logs
   *
   * The session ended without the user asking; it stays closed.
   */
  signals[FORCED_LOGOUT] =
    g_signal_new ("forced-logout", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);

  /**
   * XgSession::identity-changed:
   * @pinned: the fingerprint pinned for the server
   * @presented: the fingerprint it presented
   *
   * The server's certificate is not the one first seen; nothing was sent.
   */
  signals[IDENTITY_CHANGED] =
    g_signal_new ("identity-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  /**
   * XgSession::server-error:
   * @code: an XgProtoErrorCode
   * @message: the server's text, for logs
   *
   * An ERROR that answered no call of ours.
   */
  signals[SERVER_ERROR] =
    g_signal_new ("server-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
}

static void
xg_session_init (XgSession *self)
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
 * xg_session_new:
 * @server: "host:port" (the port defaults to 7447)
 * @device_db: where server certificates are pinned
 */
XgSession *
xg_session_new (const char *server,
                XgDeviceDb *device_db)
{
  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (XG_IS_DEVICE_DB (device_db), NULL);

  return g_object_new (XG_TYPE_SESSION, "server", server, "device-db", device_db, NULL);
}
