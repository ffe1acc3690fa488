/* xg-session.c: an account's session with a Xinge server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The wire is an XgLink; the session adds accounts to it. Every public
 * call becomes a request through xg_session_request_async(), which the
 * link sends once it is up; calls that need a login wait in `waiting`
 * while a lost login comes back. Answers are read by the function that
 * made the request; pushes go through one table, push_handlers[].
 *
 * After a login the session keeps it: the link reconnects by itself, and
 * each time it is up again the session logs in with its resume token
 * before anything else goes out. Only the server can end a kept login
 * (FORCED_LOGOUT because the account logged in elsewhere or was
 * disabled, a refused token), or the user (logout, disconnect); a server
 * that shuts down (a restart) or lost our heartbeat only drops the link.
 *
 * Once it has an account (at LOGIN_OK, or at once when resuming a saved
 * login) the session opens the account's database and creates its
 * managers; the pushes of each login (3.7 in docs/PROTOCOL.md) run from
 * LOGIN_OK to SYNC_DONE, and `synced` says when they are all in.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "xg-contacts-private.h"
#include "xg-conversations-private.h"
#include "xg-groups-private.h"
#include "xg-friend-requests-private.h"
#include "xg-link.h"
#include "xg-proto.h"
#include "xg-session-private.h"
#include "xg-weak-ref.h"

G_DEFINE_QUARK (xg-session-error-quark, xg_session_error)

G_DEFINE_ENUM_TYPE (XgSessionState, xg_session_state,
  G_DEFINE_ENUM_VALUE (XG_SESSION_DISCONNECTED, "disconnected"),
  G_DEFINE_ENUM_VALUE (XG_SESSION_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (XG_SESSION_CONNECTED, "connected"),
  G_DEFINE_ENUM_VALUE (XG_SESSION_LOGGED_IN, "logged-in"))

/* What a finished public call hands to its _finish function. */
typedef struct {
  guint      retry_after;
  guint      attempts_left;
  guint      expires_in;
  guint64    account_id;
  XgProfile *profile;
} CallResult;

/* A request of the session's: held until the login is back (in
 * `waiting`, which owns it), then sent (the link's callback owns it).
 * One that needs the login is bounded by the request timeout from the
 * moment it is made. */
typedef struct {
  guint16   type;
  GVariant *body;
  GWeakRef  session;
  guint     timeout_id;
  guint     limit;      /* ms, as the timeout was set */
  gboolean  sent;       /* handed to the link */
  gboolean  done;       /* completed: answered, failed or timed out */
} Held;

struct _XgSession
{
  GObject          parent_instance;

  char            *server;
  XgDeviceDb      *device_db;
  XgLink          *link;
  XgAccountDb     *account_db;       /* the logged-in account's own database */

  XgSessionState   state;
  guint            request_timeout;   /* ms; 0: none */
  guint64          account_id;
  char            *email;
  GBytes          *token;
  char            *token_base64;
  XgProfile       *profile;

  XgContacts      *contacts;         /* the managers, while there is an account */
  XgFriendRequests *requests;
  XgConversations  *conversations;
  XgGroups         *groups;

  gboolean         logged_in;        /* the server knows this link as the account's session */
  gboolean         login_pending;    /* a LOGIN or TOKEN_LOGIN in flight */
  gboolean         keep_session;     /* a login to get back after a lost link */
  gboolean         relogging_in;     /* TOKEN_LOGIN of a kept login in flight */
  gboolean         sync_done;        /* SYNC_DONE arrived since the last LOGIN_OK */
  gboolean         synced;           /* ... and the managers show it */
  GQueue           waiting;          /* GTasks of requests held until the login is back */
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
  PROP_CONTACTS,
  PROP_FRIEND_REQUESTS,
  PROP_CONVERSATIONS,
  PROP_GROUPS,
  PROP_SYNCED,
  PROP_REQUEST_TIMEOUT,
  N_PROPS
};

enum {
  FORCED_LOGOUT,
  IDENTITY_CHANGED,
  SERVER_ERROR,
  LOGIN_CHANGED,
  ACCOUNT_DELETED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void close_account_db (XgSession *self);

/* --- Small helpers -------------------------------------------------------- */

static void
held_free (Held *held)
{
  g_clear_handle_id (&held->timeout_id, g_source_remove);
  g_clear_pointer (&held->body, g_variant_unref);
  g_weak_ref_clear (&held->session);
  g_free (held);
}

/* Marks a request of the session's completed; FALSE if it was already
 * (it timed out, and this is its late answer). */
static gboolean
held_complete (GTask *task)
{
  Held *held = g_task_get_task_data (task);

  if (held->done)
    return FALSE;
  held->done = TRUE;
  g_clear_handle_id (&held->timeout_id, g_source_remove);
  return TRUE;
}

static void
call_result_free (CallResult *result)
{
  g_clear_object (&result->profile);
  g_free (result);
}

static GTask *
call_task_new (XgSession           *self,
               GCancellable        *cancellable,
               gpointer             source_tag,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_new0 (CallResult, 1), (GDestroyNotify) call_result_free);
  return task;
}

static CallResult *
call_result (GTask *task)
{
  return g_task_get_task_data (task);
}

static void
fail_task (GTask  *task,
           GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
update_state (XgSession *self)
{
  XgSessionState state = XG_SESSION_DISCONNECTED;

  switch (xg_link_get_state (self->link))
    {
    case XG_LINK_CLOSED: state = XG_SESSION_DISCONNECTED; break;
    case XG_LINK_CONNECTING: state = XG_SESSION_CONNECTING; break;
    case XG_LINK_READY: state = self->logged_in ? XG_SESSION_LOGGED_IN : XG_SESSION_CONNECTED; break;
    default: g_assert_not_reached ();
    }
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_logged_in (XgSession *self,
               gboolean   logged_in)
{
  self->logged_in = logged_in;
  update_state (self);
}

/* Whether the session tries to get its login back by itself. */
static void
set_keep_session (XgSession *self,
                  gboolean   keep)
{
  self->keep_session = keep;
  xg_link_set_reconnect (self->link, keep);
}

/* The requests held for the login, which will not come back now. */
static void
fail_waiting (XgSession    *self,
              const GError *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (&self->waiting)) != NULL)
    {
      held_complete (task);
      fail_task (task, g_error_copy (error));
    }
}

/* Synced: the server said SYNC_DONE, and the managers have applied it
 * (they may still be reading what the database kept). */
static void
update_synced (XgSession *self)
{
  gboolean synced = self->sync_done &&
                    self->contacts != NULL && xg_contacts_get_loaded (self->contacts) &&
                    self->requests != NULL && xg_friend_requests_get_loaded (self->requests) &&
                    self->conversations != NULL && xg_conversations_get_loaded (self->conversations) &&
                    self->groups != NULL && xg_groups_get_loaded (self->groups);

  if (self->synced == synced)
    return;
  self->synced = synced;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNCED]);
}

static void
set_sync_done (XgSession *self,
               gboolean   done)
{
  self->sync_done = done;
  update_synced (self);
}

/* The managers go with the account: they stop answering, and whoever
 * still holds one holds a model that no longer changes. */
static void
drop_managers (XgSession *self)
{
  if (self->contacts != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->contacts, self);
      xg_contacts_detach (self->contacts);
      g_clear_object (&self->contacts);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACTS]);
    }
  if (self->requests != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->requests, self);
      xg_friend_requests_detach (self->requests);
      g_clear_object (&self->requests);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRIEND_REQUESTS]);
    }
  if (self->conversations != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->conversations, self);
      xg_conversations_detach (self->conversations);
      g_clear_object (&self->conversations);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATIONS]);
    }
  if (self->groups != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->groups, self);
      xg_groups_detach (self->groups);
      g_clear_object (&self->groups);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROUPS]);
    }
}

/* Drops the login: account, token, profile, database. */
static void
forget_login (XgSession *self)
{
  set_keep_session (self, FALSE);
  self->relogging_in = FALSE;
  set_logged_in (self, FALSE);
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
  set_sync_done (self, FALSE);
  drop_managers (self);
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
  xg_account_db_set_account_id (self->account_db, account_id);
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

/* A database read must not keep the session alive: whoever drops it
 * expects its database closed (and flushed) then (xg-weak-ref.h). */
static void
on_profile_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(XgSession) self = xg_weak_ref_take (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) kept = xg_account_db_load_profile_finish (XG_ACCOUNT_DB (source), result, &error);
  guint64 id;

  if (kept == NULL || self == NULL)
    return;
  xg_proto_profile_get (kept, &id, NULL, NULL, NULL);
  /* The server's PROFILE, if it came first, is newer. */
  if (id != self->account_id || self->profile != NULL)
    return;
  self->profile = xg_profile_new_from_packet (kept);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
}

/* Makes @account_id the session's account: its database and managers.
 * Nothing happens if it already is. */
static void
take_account (XgSession  *self,
              guint64     account_id,
              const char *email)
{
  if (email != NULL && g_strcmp0 (self->email, email) != 0)
    {
      g_free (self->email);
      self->email = g_strdup (email);
    }
  if (self->account_id == account_id && self->account_db != NULL)
    return;

  drop_managers (self);
  if (self->profile != NULL)
    {
      g_clear_object (&self->profile);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
    }
  if (self->account_id != account_id)
    {
      self->account_id = account_id;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT_ID]);
    }
  open_account_db (self, account_id);
  xg_account_db_load_profile_async (self->account_db, NULL, on_profile_loaded, xg_weak_ref_new (self));
  self->contacts = xg_contacts_new (self, self->account_db);
  self->requests = xg_friend_requests_new (self, self->account_db);
  g_signal_connect_swapped (self->contacts, "notify::loaded", G_CALLBACK (update_synced), self);
  self->conversations = xg_conversations_new (self, self->account_db);
  g_signal_connect_swapped (self->requests, "notify::loaded", G_CALLBACK (update_synced), self);
  g_signal_connect_swapped (self->conversations, "notify::loaded", G_CALLBACK (update_synced), self);
  self->groups = xg_groups_new (self, self->account_db);
  g_signal_connect_swapped (self->groups, "notify::loaded", G_CALLBACK (update_synced), self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACTS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRIEND_REQUESTS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATIONS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROUPS]);
}

/* --- Requests --------------------------------------------------------------- */

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
    case XG_PROTO_ERR_PERMISSION_DENIED: session_code = XG_SESSION_ERROR_PERMISSION_DENIED; break;
    case XG_PROTO_ERR_ALREADY_FRIENDS: session_code = XG_SESSION_ERROR_ALREADY_FRIENDS; break;
    case XG_PROTO_ERR_LIMIT_REACHED: session_code = XG_SESSION_ERROR_LIMIT_REACHED; break;
    case XG_PROTO_ERR_NOT_FOUND: session_code = XG_SESSION_ERROR_NOT_FOUND; break;
    case XG_PROTO_ERR_ALREADY_PENDING: session_code = XG_SESSION_ERROR_ALREADY_PENDING; break;
    default: break;
    }
  return g_error_new (XG_SESSION_ERROR, session_code, "%s", message);
}

static void
on_link_answer (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  XgProtoFrame *answer = xg_link_request_finish (XG_LINK (source), result, &error);

  if (!held_complete (task))
    {
      Held *held = g_task_get_task_data (task);
      g_autoptr(XgSession) self = g_weak_ref_get (&held->session);

      /* The call timed out, but the server did it: what the answer says
       * is applied as a push would be (answers that only ever answer are
       * dropped; the next login's sync brings their news). */
      if (self != NULL && answer != NULL && answer->type != XG_PACKET_ERROR)
        {
          g_debug ("Applying the late answer %s", xg_proto_packet_info (answer->type)->name);
          xg_session_apply_push (self, answer);
        }
      g_clear_pointer (&answer, xg_proto_frame_free);
      return;
    }
  if (answer == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (answer->type == XG_PACKET_ERROR)
    {
      g_task_return_error (task, error_from_packet (answer));
      xg_proto_frame_free (answer);
    }
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) xg_proto_frame_free);
}

static void
send_held (XgSession *self,
           GTask     *task)
{
  Held *held = g_task_get_task_data (task);

  held->sent = TRUE;
  /* The link takes its own reference (ref_sink of a value that is not floating). */
  xg_link_request_async (self->link, held->type, held->body, on_link_answer, task);
}

/* A call that needs the login waited too long: for the login to come
 * back (OFFLINE), or for the server's answer (TIMED_OUT). */
static gboolean
on_request_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Held *held = g_task_get_task_data (task);
  g_autoptr(XgSession) self = g_weak_ref_get (&held->session);
  guint seconds = (held->limit + 999) / 1000;

  held->timeout_id = 0;
  held->done = TRUE;
  if (!held->sent)
    {
      /* Still held: the queue's reference is ours to drop. */
      if (self != NULL)
        g_queue_remove (&self->waiting, task);
      fail_task (task, g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_OFFLINE,
                                    "Not connected: the login did not come back within %u s",
                                    seconds));
    }
  else
    /* The link's callback holds the task until the answer, if any, comes. */
    g_task_return_new_error (task, XG_SESSION_ERROR, XG_SESSION_ERROR_TIMED_OUT,
                             "The server did not answer within %u s", seconds);
  return G_SOURCE_REMOVE;
}

void
xg_session_init_process (void)
{
  g_setenv ("G_TLS_GNUTLS_PRIORITY", XG_PROTO_TLS_PRIORITY, FALSE);
}

gboolean
xg_session_send (XgSession *self,
                 guint16    type,
                 GVariant  *body)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (body);

  g_return_val_if_fail (XG_IS_SESSION (self), FALSE);

  return self->logged_in && xg_link_send (self->link, type, owned);
}

void
xg_session_request_async (XgSession           *self,
                          guint16              type,
                          GVariant            *body,
                          gboolean             needs_login,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  Held *held;

  g_return_if_fail (XG_IS_SESSION (self));

  held = g_new0 (Held, 1);
  held->type = type;
  held->body = g_variant_ref_sink (body);
  g_weak_ref_init (&held->session, self);
  task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (task, xg_session_request_async);
  g_task_set_task_data (task, held, (GDestroyNotify) held_free);

  if (needs_login && !self->logged_in && !self->keep_session)
    {
      held->done = TRUE;
      fail_task (task, g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_LOGGED_IN,
                                            "Not logged in"));
      return;
    }
  /* The account's calls are bounded; the login's own requests are the
   * link's to bound (it gives up on a silent server). */
  if (needs_login && self->request_timeout > 0)
    {
      held->limit = self->request_timeout;
      held->timeout_id = g_timeout_add (held->limit, on_request_timeout, task);
    }
  if (!needs_login || self->logged_in)
    send_held (self, task);
  else
    {
      g_queue_push_tail (&self->waiting, task);
      xg_link_open (self->link);
    }
}

/**
 * xg_session_request_finish:
 *
 * Returns: (transfer full): the answer (never ERROR), or %NULL with @error
 */
XgProtoFrame *
xg_session_request_finish (GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xg_session_request_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GError *
unexpected_answer (const XgProtoFrame *frame)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (frame->type);

  return g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_PROTOCOL,
                      "Unexpected answer %s", info ? info->name : "?");
}

/* --- Pushes ----------------------------------------------------------------- */

typedef void (*PushHandler) (XgSession *self, GVariant *body);

static void
push_profile (XgSession *self,
              GVariant  *body)
{
  guint64 id;
  const char *email, *nickname;
  g_autoptr(GVariant) fields = NULL;

  xg_proto_profile_get (body, &id, &email, &nickname, &fields);
  if (id != self->account_id)
    return;   /* a late push for an account logged out meanwhile */
  if (self->profile == NULL || xg_profile_get_account_id (self->profile) != id)
    {
      g_clear_object (&self->profile);
      self->profile = xg_profile_new_from_packet (body);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROFILE]);
    }
  else
    xg_profile_update (self->profile, email, nickname, fields);
  store_profile (self);
}

/* The session is over, not by the user's hand: it stays closed. */
static void
end_session (XgSession          *self,
             XgSessionEndReason  reason,
             const char         *message)
{
  g_autoptr(GError) error = g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_DISCONNECTED,
                                                 "The server ended the session");

  /* The seed: close the connection; logging in again is the user's call. */
  forget_login (self);
  xg_link_close (self->link);
  fail_waiting (self, error);
  g_signal_emit (self, signals[FORCED_LOGOUT], 0, reason, message);
}

static void
push_forced_logout (XgSession *self,
                    GVariant  *body)
{
  guint32 reason;
  const char *message;

  xg_proto_forced_logout_get (body, &reason, &message);
  g_debug ("Forced logout (reason %u): %s", reason, message);
  switch (reason)
    {
    /* The account is someone else's now, or nobody's: the session ends
     * (the window speaks XgSessionEndReason, never the protocol's codes). */
    case XG_PROTO_FORCED_LOGOUT_LOGGED_IN_ELSEWHERE:
      end_session (self, XG_SESSION_ENDED_ELSEWHERE, message);
      break;
    case XG_PROTO_FORCED_LOGOUT_ACCOUNT_DISABLED:
      end_session (self, XG_SESSION_ENDED_ACCOUNT_DISABLED, message);
      break;
    /* Every token of the account was revoked (docs/PROTOCOL.md 3.8). */
    case XG_PROTO_FORCED_LOGOUT_PASSWORD_CHANGED:
      end_session (self, XG_SESSION_ENDED_PASSWORD_CHANGED, message);
      break;
    /* The server is going away (a restart), or it heard nothing from us:
     * the token is still good. This is a lost link, not a logout: the
     * session reconnects with backoff and logs in with its token, and a
     * newer reason is treated the same way, the token deciding. */
    case XG_PROTO_FORCED_LOGOUT_SERVER_SHUTDOWN:
    case XG_PROTO_FORCED_LOGOUT_HEARTBEAT_LOST:
    default:
      {
        g_autofree char *why = g_strdup_printf ("the server closed the session: %s", message);

        set_logged_in (self, FALSE);
        if (self->keep_session && self->token != NULL)
          xg_link_drop (self->link, why);
        else
          end_session (self, XG_SESSION_ENDED_EXPIRED, message);
      }
      break;
    }
}

static void
push_sync_done (XgSession *self,
                GVariant  *body)
{
  if (self->requests != NULL)
    xg_friend_requests_end_sync (self->requests);
  if (self->groups != NULL)
    xg_groups_end_sync (self->groups);
  set_sync_done (self, TRUE);
}

/* The friends area: each push goes to its manager(s). */
static void
push_friend_list (XgSession *self,
                  GVariant  *body)
{
  if (self->contacts != NULL)
    xg_contacts_apply_list (self->contacts, body);
}

static void
push_user_info (XgSession *self,
                GVariant  *body)
{
  if (self->contacts != NULL)
    xg_contacts_apply_user_info (self->contacts, body);
}

static void
push_presence (XgSession *self,
               GVariant  *body)
{
  if (self->contacts != NULL)
    xg_contacts_apply_presence (self->contacts, body);
}

static void
push_friend_removed (XgSession *self,
                     GVariant  *body)
{
  if (self->contacts != NULL)
    xg_contacts_apply_removed (self->contacts, body);
}

static void
push_request_incoming (XgSession *self,
                       GVariant  *body)
{
  if (self->requests != NULL)
    xg_friend_requests_apply_incoming (self->requests, body);
}

static void
push_request_outgoing (XgSession *self,
                       GVariant  *body)
{
  if (self->requests != NULL)
    xg_friend_requests_apply_outgoing (self->requests, body);
}

static void
push_request_accepted (XgSession *self,
                       GVariant  *body)
{
  if (self->requests != NULL)
    xg_friend_requests_apply_accepted (self->requests, body);
  if (self->contacts != NULL)
    xg_contacts_apply_added (self->contacts, body);
}

static void
push_request_rejected (XgSession *self,
                       GVariant  *body)
{
  if (self->requests != NULL)
    xg_friend_requests_apply_rejected (self->requests, body);
}

static void
push_request_timeout (XgSession *self,
                      GVariant  *body)
{
  if (self->requests != NULL)
    xg_friend_requests_apply_timeout (self->requests, body);
}

static void
push_chat_deliver (XgSession *self,
                   GVariant  *body)
{
  if (self->conversations != NULL)
    xg_conversations_apply_deliver (self->conversations, body);
}

/* Only ever the late answer of a CHAT_SEND that timed out. */
static void
push_msg_sent_ack (XgSession *self,
                   GVariant  *body)
{
  if (self->conversations != NULL)
    xg_conversations_apply_sent_ack (self->conversations, body);
}

static void
push_msg_delivered (XgSession *self,
                    GVariant  *body)
{
  if (self->conversations != NULL)
    xg_conversations_apply_delivered (self->conversations, body);
}

static void
push_chat_heads (XgSession *self,
                 GVariant  *body)
{
  if (self->conversations != NULL)
    xg_conversations_apply_heads (self->conversations, body);
}

static void
push_group_deliver (XgSession *self,
                    GVariant  *body)
{
  if (self->conversations != NULL)
    xg_conversations_apply_group_deliver (self->conversations, body);
}

/* The list replaces the groups; its last sequences are the heads their
 * conversations catch up to (docs/PROTOCOL.md 7.6). */
static void
push_group_list (XgSession *self,
                 GVariant  *body)
{
  g_autoptr(GVariant) entries = NULL;
  GVariantIter iter;
  guint64 group_id, last_seq;

  if (self->groups != NULL)
    xg_groups_apply_list (self->groups, body);
  if (self->conversations == NULL)
    return;
  xg_proto_group_list_get (body, &entries);
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(tyuut)", &group_id, NULL, NULL, NULL, &last_seq))
    xg_conversations_apply_group_head (self->conversations, group_id, last_seq);
}

#define GROUPS_PUSH(name, apply)             \
  static void                                \
  name (XgSession *self,                     \
        GVariant  *body)                     \
  {                                          \
    if (self->groups != NULL)                \
      apply (self->groups, body);            \
  }

GROUPS_PUSH (push_group_info, xg_groups_apply_info)
GROUPS_PUSH (push_group_member_event, xg_groups_apply_member_event)
GROUPS_PUSH (push_group_removed, xg_groups_apply_removed)
GROUPS_PUSH (push_group_join_incoming, xg_groups_apply_join_incoming)
GROUPS_PUSH (push_group_join_outgoing, xg_groups_apply_join_outgoing)
GROUPS_PUSH (push_group_join_approved, xg_groups_apply_join_approved)
GROUPS_PUSH (push_group_join_rejected, xg_groups_apply_join_rejected)
GROUPS_PUSH (push_group_join_timeout, xg_groups_apply_join_timeout)
GROUPS_PUSH (push_group_join_decided, xg_groups_apply_join_decided)
GROUPS_PUSH (push_group_invite, xg_groups_apply_invite)

static void
push_error (XgSession *self,
            GVariant  *body)
{
  guint16 type;
  guint32 code;
  const char *message;

  xg_proto_error_get (body, &type, &code, &message);
  g_signal_emit (self, signals[SERVER_ERROR], 0, code, message);
}

/* Every server-to-client packet, and what a push of it does. A packet
 * that is only ever an answer has no handler: its request reads it.
 * tests/core/test-session.c fails when a packet is missing here. */
static const struct {
  guint16            type;
  XgSessionPushKind  kind;
  PushHandler        handler;
} push_handlers[] = {
  { XG_PACKET_WELCOME,               XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_ERROR,                 XG_SESSION_PUSH_HANDLED,     push_error },
  { XG_PACKET_HEARTBEAT_ACK,         XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_LOGIN_OK,              XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_LOGIN_FAIL,            XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_EMAIL_TAKEN,           XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_CODE_SENT,             XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_CODE_INCORRECT,        XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_REGISTER_OK,           XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_REGISTER_FAIL,         XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_FORCED_LOGOUT,         XG_SESSION_PUSH_HANDLED,     push_forced_logout },
  { XG_PACKET_LOGOUT_OK,             XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_SYNC_DONE,             XG_SESSION_PUSH_HANDLED,     push_sync_done },
  { XG_PACKET_ACCOUNT_CODE_SENT,     XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_PASSWORD_RESET_OK,     XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_PASSWORD_CHANGE_OK,    XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_EMAIL_CHANGED,         XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_ACCOUNT_DELETED,       XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_ACCOUNT_CODE_INCORRECT, XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_ACCOUNT_FAIL,          XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_PROFILE,               XG_SESSION_PUSH_HANDLED,     push_profile },
  { XG_PACKET_USER_INFO,             XG_SESSION_PUSH_HANDLED,     push_user_info },
  { XG_PACKET_FRIEND_LIST,           XG_SESSION_PUSH_HANDLED,     push_friend_list },
  { XG_PACKET_EMAIL_RESULT,          XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_USER_NOT_FOUND,        XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_FRIEND_REQUEST_SENT,   XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_FRIEND_REQUEST_INCOMING, XG_SESSION_PUSH_HANDLED,   push_request_incoming },
  { XG_PACKET_FRIEND_REQUEST_REJECTED, XG_SESSION_PUSH_HANDLED,   push_request_rejected },
  { XG_PACKET_FRIEND_REQUEST_ACCEPTED, XG_SESSION_PUSH_HANDLED,   push_request_accepted },
  { XG_PACKET_FRIEND_REQUEST_TIMEOUT, XG_SESSION_PUSH_HANDLED,    push_request_timeout },
  { XG_PACKET_FRIEND_REQUEST_OUTGOING, XG_SESSION_PUSH_HANDLED,   push_request_outgoing },
  { XG_PACKET_FRIEND_REMARK_OK,      XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_FRIEND_REMOVED,        XG_SESSION_PUSH_HANDLED,     push_friend_removed },
  { XG_PACKET_PRESENCE,              XG_SESSION_PUSH_HANDLED,     push_presence },
  { XG_PACKET_GROUP_CREATE_OK,       XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_GROUP_CREATE_FAIL,     XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_GROUP_JOIN_REQUEST_SENT, XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_GROUP_JOIN_REQUEST_INCOMING, XG_SESSION_PUSH_HANDLED, push_group_join_incoming },
  { XG_PACKET_GROUP_JOIN_APPROVED,   XG_SESSION_PUSH_HANDLED,     push_group_join_approved },
  { XG_PACKET_GROUP_JOIN_REJECTED,   XG_SESSION_PUSH_HANDLED,     push_group_join_rejected },
  { XG_PACKET_GROUP_JOIN_TIMEOUT,    XG_SESSION_PUSH_HANDLED,     push_group_join_timeout },
  { XG_PACKET_GROUP_BRIEF,           XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_GROUP_JOIN_DECIDED,    XG_SESSION_PUSH_HANDLED,     push_group_join_decided },
  { XG_PACKET_GROUP_JOIN_REQUEST_OUTGOING, XG_SESSION_PUSH_HANDLED, push_group_join_outgoing },
  { XG_PACKET_GROUP_LIST,            XG_SESSION_PUSH_HANDLED,     push_group_list },
  { XG_PACKET_GROUP_INFO,            XG_SESSION_PUSH_HANDLED,     push_group_info },
  { XG_PACKET_GROUP_MEMBERS,         XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_GROUP_MEMBER_EVENT,    XG_SESSION_PUSH_HANDLED,     push_group_member_event },
  { XG_PACKET_GROUP_REMOVED,         XG_SESSION_PUSH_HANDLED,     push_group_removed },
  { XG_PACKET_GROUP_DONE,            XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_GROUP_INVITE_INCOMING, XG_SESSION_PUSH_HANDLED,     push_group_invite },
  { XG_PACKET_CHAT_DELIVER,          XG_SESSION_PUSH_HANDLED,     push_chat_deliver },
  { XG_PACKET_GROUP_DELIVER,         XG_SESSION_PUSH_HANDLED,     push_group_deliver },
  { XG_PACKET_OFFLINE_GROUP_DELIVER, XG_SESSION_PUSH_HANDLED,     push_group_deliver },
  { XG_PACKET_OFFLINE_CHAT_DELIVER,  XG_SESSION_PUSH_HANDLED,     push_chat_deliver },
  { XG_PACKET_MSG_SENT_ACK,          XG_SESSION_PUSH_HANDLED,     push_msg_sent_ack },
  { XG_PACKET_CHAT_HISTORY,          XG_SESSION_PUSH_ANSWER_ONLY, NULL },
  { XG_PACKET_MSG_DELIVERED,         XG_SESSION_PUSH_HANDLED,     push_msg_delivered },
  { XG_PACKET_CHAT_HEADS,            XG_SESSION_PUSH_HANDLED,     push_chat_heads },
};

XgSessionPushKind
xg_session_push_kind (guint16 type)
{
  for (guint i = 0; i < G_N_ELEMENTS (push_handlers); i++)
    if (push_handlers[i].type == type)
      return push_handlers[i].kind;
  return XG_SESSION_PUSH_UNKNOWN;
}

void
xg_session_apply_push (XgSession          *self,
                       const XgProtoFrame *frame)
{
  for (guint i = 0; i < G_N_ELEMENTS (push_handlers); i++)
    if (push_handlers[i].type == frame->type)
      {
        if (push_handlers[i].handler != NULL)
          push_handlers[i].handler (self, frame->body);
        else
          g_debug ("Ignoring a %s push: it is only ever an answer",
                   xg_proto_packet_info (frame->type)->name);
        return;
      }
  g_debug ("Ignoring a %s push", xg_proto_packet_info (frame->type)->name);
}

static void
on_link_push (XgLink             *link,
              const XgProtoFrame *frame,
              XgSession          *self)
{
  xg_session_apply_push (self, frame);
}

/* --- The link ---------------------------------------------------------------- */

static gboolean read_login_answer (XgSession *self, XgProtoFrame *answer, GError *error,
                                   guint *retry_after, GError **out_error);

/* The answer to the TOKEN_LOGIN that gets a kept login back. */
static void
on_relogin_answer (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(XgSession) self = xg_weak_ref_take (user_data);
  GError *error = NULL;
  XgProtoFrame *answer = xg_session_request_finish (result, &error);
  g_autoptr(GError) failure = NULL;

  if (self == NULL)
    {
      g_clear_pointer (&answer, xg_proto_frame_free);
      g_clear_error (&error);
      return;
    }
  self->relogging_in = FALSE;
  if (read_login_answer (self, answer, error, NULL, &failure))
    return;
  if (g_error_matches (failure, XG_SESSION_ERROR, XG_SESSION_ERROR_TOKEN_INVALID) ||
      g_error_matches (failure, XG_SESSION_ERROR, XG_SESSION_ERROR_ACCOUNT_DISABLED))
    {
      /* The session is over for good; only the user can start a new one. */
      end_session (self,
                   g_error_matches (failure, XG_SESSION_ERROR, XG_SESSION_ERROR_ACCOUNT_DISABLED)
                   ? XG_SESSION_ENDED_ACCOUNT_DISABLED : XG_SESSION_ENDED_EXPIRED,
                   failure->message);
      return;
    }
  /* A link lost again is already being retried; a refusal that may pass
   * (busy, rate limited) is retried the same way. */
  if (self->keep_session && xg_link_get_state (self->link) == XG_LINK_READY && !self->logged_in)
    xg_link_drop (self->link, failure->message);
}

/* Logs the kept login in again, on a link that is up. It is the
 * session's own errand, so it does not keep the session alive. */
static void
relogin (XgSession *self)
{
  self->relogging_in = TRUE;
  self->login_pending = TRUE;
  xg_session_request_async (self, XG_PACKET_TOKEN_LOGIN,
                            xg_proto_token_login_new (self->account_id, self->token), FALSE,
                            on_relogin_answer, xg_weak_ref_new (self));
}

static void
relogin_if_kept (XgSession *self)
{
  if (self->keep_session && self->token != NULL && !self->logged_in && !self->relogging_in &&
      !self->login_pending)
    relogin (self);
}

/* HELLO is out: the kept login goes right behind it, in the same
 * exchange (docs/PROTOCOL.md 3.1). */
static void
on_link_greeting (XgLink    *link,
                  XgSession *self)
{
  relogin_if_kept (self);
}

static void
on_link_ready (XgLink    *link,
               XgSession *self)
{
  update_state (self);
  relogin_if_kept (self);
}

static void
on_link_lost (XgLink       *link,
              const GError *error,
              XgSession    *self)
{
  set_logged_in (self, FALSE);
  set_sync_done (self, FALSE);
  if (self->contacts != NULL)
    xg_contacts_set_all_offline (self->contacts);
  /* A login that will not come back by itself fails what waited for it. */
  if (!xg_link_get_reconnect (link))
    fail_waiting (self, error);
}

static void
on_link_identity_changed (XgLink     *link,
                          const char *pinned,
                          const char *presented,
                          XgSession  *self)
{
  g_autoptr(GError) error = g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_IDENTITY_CHANGED,
                                         "The server %s presented a different certificate "
                                         "than the one pinned for it", self->server);

  self->keep_session = FALSE;
  set_logged_in (self, FALSE);
  fail_waiting (self, error);
  g_signal_emit (self, signals[IDENTITY_CHANGED], 0, pinned, presented);
}

/* --- Logging in -------------------------------------------------------------- */

/* LOGIN_OK: the session is the account's. The login's pushes follow, up
 * to SYNC_DONE. */
static void
adopt_login (XgSession          *self,
             const XgProtoFrame *frame)
{
  guint64 account_id;
  g_autoptr(GBytes) token = NULL;
  gsize len;
  const guint8 *data;
  GTask *task;

  xg_proto_login_ok_get (frame->body, &account_id, &token, NULL);
  data = g_bytes_get_data (token, &len);

  /* Whoever hears of the new account, state or managers finds all of
   * them set, the token too. */
  g_object_freeze_notify (G_OBJECT (self));
  if (self->token == NULL || !g_bytes_equal (self->token, token))
    {
      g_clear_pointer (&self->token, g_bytes_unref);
      g_free (self->token_base64);
      self->token = g_bytes_ref (token);
      self->token_base64 = g_base64_encode (data, len);
    }
  take_account (self, account_id, NULL);
  set_sync_done (self, FALSE);
  xg_friend_requests_begin_sync (self->requests);
  xg_groups_begin_sync (self->groups);
  set_keep_session (self, TRUE);
  set_logged_in (self, TRUE);
  g_object_thaw_notify (G_OBJECT (self));

  /* What waited for the login goes out now, in order; then the outbox. */
  while ((task = g_queue_pop_head (&self->waiting)) != NULL)
    send_held (self, task);
  xg_conversations_logged_in (self->conversations);
}

/* Reads a LOGIN or TOKEN_LOGIN answer (or the error that came instead):
 * TRUE at LOGIN_OK, with the login adopted; FALSE with @out_error. Takes
 * @answer and @error. */
static gboolean
read_login_answer (XgSession     *self,
                   XgProtoFrame  *answer,
                   GError        *error,
                   guint         *retry_after,
                   GError       **out_error)
{
  g_autoptr(XgProtoFrame) owned = answer;
  guint32 reason, wait;
  const char *message;
  int code;

  self->login_pending = FALSE;
  if (answer == NULL)
    {
      g_propagate_error (out_error, error);
      return FALSE;
    }
  if (answer->type == XG_PACKET_LOGIN_OK)
    {
      adopt_login (self, answer);
      return TRUE;
    }
  if (answer->type != XG_PACKET_LOGIN_FAIL)
    {
      g_propagate_error (out_error, unexpected_answer (answer));
      return FALSE;
    }

  xg_proto_login_fail_get (answer->body, &reason, &wait, &message);
  if (retry_after != NULL)
    *retry_after = wait;
  switch (reason)
    {
    case XG_PROTO_LOGIN_FAIL_RATE_LIMITED: code = XG_SESSION_ERROR_RATE_LIMITED; break;
    case XG_PROTO_LOGIN_FAIL_ACCOUNT_DISABLED: code = XG_SESSION_ERROR_ACCOUNT_DISABLED; break;
    case XG_PROTO_LOGIN_FAIL_TOKEN_INVALID: code = XG_SESSION_ERROR_TOKEN_INVALID; break;
    case XG_PROTO_LOGIN_FAIL_BUSY: code = XG_SESSION_ERROR_BUSY; break;
    case XG_PROTO_LOGIN_FAIL_BAD_CREDENTIALS:
    default: code = XG_SESSION_ERROR_BAD_CREDENTIALS; break;
    }
  g_set_error (out_error, XG_SESSION_ERROR, code, "%s", message);
  return FALSE;
}

static void
on_login_answer (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  XgSession *self = g_task_get_source_object (task);
  GError *error = NULL;
  XgProtoFrame *answer = xg_session_request_finish (result, &error);
  GError *failure = NULL;

  if (read_login_answer (self, answer, error, &call_result (task)->retry_after, &failure))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else
    fail_task (task, failure);
}

static void
start_login (XgSession *self,
             GTask     *task,
             guint16    type,
             GVariant  *body)
{
  if (self->logged_in || self->login_pending)
    {
      g_variant_unref (g_variant_ref_sink (body));
      fail_task (task, g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_PROTOCOL,
                                            "Already logged in; log out first"));
      return;
    }
  self->login_pending = TRUE;
  xg_session_request_async (self, type, body, FALSE, on_login_answer, task);
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

  task = call_task_new (self, cancellable, xg_session_login_async, callback, user_data);
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

  task = call_task_new (self, cancellable, xg_session_login_with_token_async, callback, user_data);
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

/* --- Registration -------------------------------------------------------------- */

/* REGISTER_FAIL answers both REGISTER_CODE_REQUEST and REGISTER. */
static GError *
register_fail_error (GTask              *task,
                     const XgProtoFrame *answer)
{
  CallResult *out = call_result (task);
  guint32 reason;
  const char *message;
  int code;

  xg_proto_register_fail_get (answer->body, &reason, &out->retry_after, &message);
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
  g_task_set_name (task, reason == XG_PROTO_REGISTER_FAIL_INVALID_EMAIL ? "email"
                         : reason == XG_PROTO_REGISTER_FAIL_INVALID_NICKNAME ? "nickname"
                         : reason == XG_PROTO_REGISTER_FAIL_WEAK_PASSWORD ? "password" : NULL);
  return g_error_new (XG_SESSION_ERROR, code, "%s", message);
}

static void
on_code_answer (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  CallResult *out = call_result (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    fail_task (task, g_steal_pointer (&error));
  else if (answer->type == XG_PACKET_CODE_SENT)
    {
      xg_proto_code_sent_get (answer->body, NULL, &out->retry_after, &out->expires_in);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else if (answer->type == XG_PACKET_EMAIL_TAKEN)
    fail_task (task, g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_EMAIL_TAKEN,
                                          "This address already has an account"));
  else if (answer->type == XG_PACKET_REGISTER_FAIL)
    fail_task (task, register_fail_error (task, answer));
  else
    fail_task (task, unexpected_answer (answer));
}

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

  task = call_task_new (self, cancellable, xg_session_request_code_async, callback, user_data);
  xg_session_request_async (self, XG_PACKET_REGISTER_CODE_REQUEST,
                            xg_proto_register_code_request_new (email), FALSE, on_code_answer, task);
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

static void
on_register_answer (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  CallResult *out = call_result (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    fail_task (task, g_steal_pointer (&error));
  else if (answer->type == XG_PACKET_REGISTER_OK)
    {
      xg_proto_register_ok_get (answer->body, &out->account_id);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else if (answer->type == XG_PACKET_CODE_INCORRECT)
    {
      xg_proto_code_incorrect_get (answer->body, &out->attempts_left);
      fail_task (task, g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_CODE_INCORRECT,
                                    "Wrong code, %u attempts left", out->attempts_left));
    }
  else if (answer->type == XG_PACKET_REGISTER_FAIL)
    fail_task (task, register_fail_error (task, answer));
  else
    fail_task (task, unexpected_answer (answer));
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

  task = call_task_new (self, cancellable, xg_session_register_async, callback, user_data);
  xg_session_request_async (self, XG_PACKET_REGISTER,
                            xg_proto_register_new (email, nickname, password, code), FALSE,
                            on_register_answer, task);
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

/* --- Logout, profile, user info ----------------------------------------------- */

static void
on_logout_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  XgSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    fail_task (task, g_steal_pointer (&error));
  else if (answer->type != XG_PACKET_LOGOUT_OK)
    fail_task (task, unexpected_answer (answer));
  else
    {
      g_autoptr(GError) closed = g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_LOGGED_IN,
                                                      "Logged out");

      forget_login (self);
      fail_waiting (self, closed);
      xg_link_close (self->link);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

/* Ends the session on the server (its token is revoked) and closes. */
void
xg_session_logout_async (XgSession           *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));

  task = call_task_new (self, cancellable, xg_session_logout_async, callback, user_data);
  if (!self->logged_in && self->account_id != 0)
    {
      g_autoptr(GError) error = g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_LOGGED_IN,
                                                     "Logged out");

      /* Offline: the login ends here and now. Its token stays valid on the
       * server until it expires, but nothing on this device keeps it. */
      g_debug ("Logging out without the server: its token is left to expire");
      forget_login (self);
      xg_link_close (self->link);
      fail_waiting (self, error);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  xg_session_request_async (self, XG_PACKET_LOGOUT, xg_proto_logout_new (), TRUE,
                            on_logout_answer, task);
}

gboolean
xg_session_logout_finish (XgSession     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_profile_answer (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  XgSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  guint64 id;
  const char *email, *nickname;
  g_autoptr(GVariant) fields = NULL;

  if (answer == NULL)
    {
      fail_task (task, g_steal_pointer (&error));
      return;
    }
  if (answer->type != XG_PACKET_PROFILE)
    {
      fail_task (task, unexpected_answer (answer));
      return;
    }
  xg_proto_profile_get (answer->body, &id, &email, &nickname, &fields);
  if (self->profile != NULL && xg_profile_get_account_id (self->profile) == id)
    {
      xg_profile_update (self->profile, email, nickname, fields);
      store_profile (self);
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* @changes: an a{sv} of profile fields (see docs/PROTOCOL.md); the profile
 * property is updated from the server's echo before the call completes. */
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

  task = call_task_new (self, cancellable, xg_session_update_profile_async, callback, user_data);
  xg_session_request_async (self, XG_PACKET_PROFILE_UPDATE, xg_proto_profile_update_new (changes),
                            TRUE, on_profile_answer, task);
}

gboolean
xg_session_update_profile_finish (XgSession     *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_user_info_answer (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  CallResult *out = call_result (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    fail_task (task, g_steal_pointer (&error));
  else if (answer->type == XG_PACKET_USER_INFO)
    {
      out->profile = xg_profile_new_from_user_info (answer->body);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else if (answer->type == XG_PACKET_USER_NOT_FOUND)
    fail_task (task, g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND,
                                          "No such account"));
  else
    fail_task (task, unexpected_answer (answer));
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

  task = call_task_new (self, cancellable, xg_session_user_info_async, callback, user_data);
  xg_session_request_async (self, XG_PACKET_USER_INFO_REQUEST,
                            xg_proto_user_info_request_new (account_id), TRUE,
                            on_user_info_answer, task);
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

/* --- Account life (docs/PROTOCOL.md 3.8) ---------------------------------------- */

/* ACCOUNT_FAIL answers every request of this section. */
static GError *
account_fail_error (GTask              *task,
                    const XgProtoFrame *answer)
{
  CallResult *out = call_result (task);
  guint32 reason;
  const char *message;
  int code;

  xg_proto_account_fail_get (answer->body, &reason, &out->retry_after, &message);
  switch (reason)
    {
    case XG_PROTO_ACCOUNT_FAIL_INVALID_EMAIL:
    case XG_PROTO_ACCOUNT_FAIL_WEAK_PASSWORD:
    case XG_PROTO_ACCOUNT_FAIL_CONFIRMATION: code = XG_SESSION_ERROR_INVALID_INPUT; break;
    case XG_PROTO_ACCOUNT_FAIL_WRONG_PASSWORD: code = XG_SESSION_ERROR_BAD_CREDENTIALS; break;
    case XG_PROTO_ACCOUNT_FAIL_NO_CODE:
    case XG_PROTO_ACCOUNT_FAIL_TOO_MANY_ATTEMPTS: code = XG_SESSION_ERROR_CODE_EXPIRED; break;
    case XG_PROTO_ACCOUNT_FAIL_RATE_LIMITED: code = XG_SESSION_ERROR_RATE_LIMITED; break;
    case XG_PROTO_ACCOUNT_FAIL_MAIL_FAILED: code = XG_SESSION_ERROR_MAIL_FAILED; break;
    case XG_PROTO_ACCOUNT_FAIL_BUSY: code = XG_SESSION_ERROR_BUSY; break;
    case XG_PROTO_ACCOUNT_FAIL_EMAIL_TAKEN: code = XG_SESSION_ERROR_EMAIL_TAKEN; break;
    case XG_PROTO_ACCOUNT_FAIL_NO_ACCOUNT: code = XG_SESSION_ERROR_NOT_FOUND; break;
    default: code = XG_SESSION_ERROR_PROTOCOL; break;
    }
  /* Which field was wrong, for the window to point at. */
  g_task_set_name (task, reason == XG_PROTO_ACCOUNT_FAIL_INVALID_EMAIL ? "email"
                         : reason == XG_PROTO_ACCOUNT_FAIL_WEAK_PASSWORD ? "new-password"
                         : reason == XG_PROTO_ACCOUNT_FAIL_WRONG_PASSWORD ? "password"
                         : reason == XG_PROTO_ACCOUNT_FAIL_CONFIRMATION ? "confirmation" : NULL);
  return g_error_new (XG_SESSION_ERROR, code, "%s", message);
}

static void
succeed (GTask *task)
{
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* ACCOUNT_CODE_SENT, ACCOUNT_CODE_INCORRECT or ACCOUNT_FAIL; FALSE for
 * anything else (the caller reads it). */
static gboolean
read_code_answer (GTask              *task,
                  const XgProtoFrame *answer)
{
  CallResult *out = call_result (task);

  if (answer->type == XG_PACKET_ACCOUNT_CODE_SENT)
    {
      xg_proto_account_code_sent_get (answer->body, NULL, &out->retry_after, &out->expires_in);
      succeed (task);
    }
  else if (answer->type == XG_PACKET_ACCOUNT_CODE_INCORRECT)
    {
      xg_proto_account_code_incorrect_get (answer->body, &out->attempts_left);
      fail_task (task, g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_CODE_INCORRECT,
                                    "Wrong code, %u attempts left", out->attempts_left));
    }
  else if (answer->type == XG_PACKET_ACCOUNT_FAIL)
    fail_task (task, account_fail_error (task, answer));
  else
    return FALSE;
  return TRUE;
}

static void
on_account_code_answer (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    fail_task (task, g_steal_pointer (&error));
  else if (!read_code_answer (task, answer))
    fail_task (task, unexpected_answer (answer));
}

/* Finishes the two code requests below. */
static gboolean
code_request_finish (XgSession     *self,
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

/* Finishes the calls that take a code, or fail with a retry_after. */
static gboolean
code_call_finish (XgSession     *self,
                  GAsyncResult  *result,
                  guint         *attempts_left,
                  guint         *retry_after,
                  GError       **error)
{
  CallResult *out = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (attempts_left != NULL)
    *attempts_left = out ? out->attempts_left : 0;
  if (retry_after != NULL)
    *retry_after = out ? out->retry_after : 0;
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * xg_session_request_password_reset_async:
 * @email: the account's address
 *
 * Asks for a password reset code for @email ("forgot password"); works
 * without a login. A server in privacy mode answers the same for an
 * address without an account.
 */
void
xg_session_request_password_reset_async (XgSession           *self,
                                         const char          *email,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));
  g_return_if_fail (email != NULL);

  task = call_task_new (self, cancellable, xg_session_request_password_reset_async, callback, user_data);
  xg_session_request_async (self, XG_PACKET_PASSWORD_RESET_REQUEST,
                            xg_proto_password_reset_request_new (email), FALSE, on_account_code_answer, task);
}

gboolean
xg_session_request_password_reset_finish (XgSession     *self,
                                          GAsyncResult  *result,
                                          guint         *resend_after,
                                          guint         *expires_in,
                                          GError       **error)
{
  return code_request_finish (self, result, resend_after, expires_in, error);
}

static void
on_reset_answer (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    fail_task (task, g_steal_pointer (&error));
  else if (answer->type == XG_PACKET_PASSWORD_RESET_OK)
    succeed (task);
  else if (!read_code_answer (task, answer))
    fail_task (task, unexpected_answer (answer));
}

/**
 * xg_session_reset_password_async:
 * @code: the code from the mail
 * @new_password: the password from now on
 *
 * Sets a new password with the code; every session of the account ends
 * on the server, so log in with the new password afterwards.
 */
void
xg_session_reset_password_async (XgSession           *self,
                                 const char          *email,
                                 const char          *code,
                                 const char          *new_password,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));

  task = call_task_new (self, cancellable, xg_session_reset_password_async, callback, user_data);
  xg_session_request_async (self, XG_PACKET_PASSWORD_RESET,
                            xg_proto_password_reset_new (email, code, new_password), FALSE,
                            on_reset_answer, task);
}

/* @attempts_left is set with XG_SESSION_ERROR_CODE_INCORRECT, @retry_after
 * with RATE_LIMITED and BUSY. */
gboolean
xg_session_reset_password_finish (XgSession     *self,
                                  GAsyncResult  *result,
                                  guint         *attempts_left,
                                  guint         *retry_after,
                                  GError       **error)
{
  return code_call_finish (self, result, attempts_left, retry_after, error);
}

/* The login's token or address changed: whoever keeps it (the keyring)
 * takes the new one. */
static void
login_changed (XgSession *self)
{
  g_signal_emit (self, signals[LOGIN_CHANGED], 0);
}

static void
on_password_change_answer (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  GTask *task = user_data;
  XgSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    fail_task (task, g_steal_pointer (&error));
  else if (answer->type == XG_PACKET_PASSWORD_CHANGE_OK)
    {
      g_autoptr(GBytes) token = NULL;
      gsize len;
      const guint8 *data;

      /* Every other token is revoked: this one is the session's now. */
      xg_proto_password_change_ok_get (answer->body, &token, NULL);
      data = g_bytes_get_data (token, &len);
      g_clear_pointer (&self->token, g_bytes_unref);
      g_free (self->token_base64);
      self->token = g_bytes_ref (token);
      self->token_base64 = g_base64_encode (data, len);
      login_changed (self);
      succeed (task);
    }
  else if (answer->type == XG_PACKET_ACCOUNT_FAIL)
    fail_task (task, account_fail_error (task, answer));
  else
    fail_task (task, unexpected_answer (answer));
}

/**
 * xg_session_change_password_async:
 *
 * Changes the password of the logged-in account. The session stays
 * logged in with a new token (XgSession::login-changed); every other
 * login of the account ends. A wrong @current_password fails with
 * XG_SESSION_ERROR_BAD_CREDENTIALS.
 */
void
xg_session_change_password_async (XgSession           *self,
                                  const char          *current_password,
                                  const char          *new_password,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));

  task = call_task_new (self, cancellable, xg_session_change_password_async, callback, user_data);
  xg_session_request_async (self, XG_PACKET_PASSWORD_CHANGE,
                            xg_proto_password_change_new (current_password, new_password), TRUE,
                            on_password_change_answer, task);
}

gboolean
xg_session_change_password_finish (XgSession     *self,
                                   GAsyncResult  *result,
                                   guint         *retry_after,
                                   GError       **error)
{
  return code_call_finish (self, result, NULL, retry_after, error);
}

/**
 * xg_session_request_email_change_async:
 *
 * Asks for a code at @new_email; nothing changes until
 * xg_session_confirm_email_change_async().
 */
void
xg_session_request_email_change_async (XgSession           *self,
                                       const char          *new_email,
                                       const char          *password,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));

  task = call_task_new (self, cancellable, xg_session_request_email_change_async, callback, user_data);
  xg_session_request_async (self, XG_PACKET_EMAIL_CHANGE_REQUEST,
                            xg_proto_email_change_request_new (new_email, password), TRUE,
                            on_account_code_answer, task);
}

gboolean
xg_session_request_email_change_finish (XgSession     *self,
                                        GAsyncResult  *result,
                                        guint         *resend_after,
                                        guint         *expires_in,
                                        GError       **error)
{
  return code_request_finish (self, result, resend_after, expires_in, error);
}

static void
on_email_change_answer (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  XgSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    fail_task (task, g_steal_pointer (&error));
  else if (answer->type == XG_PACKET_EMAIL_CHANGED)
    {
      const char *email;

      /* The profile follows from the PROFILE push right behind. */
      xg_proto_email_changed_get (answer->body, &email);
      g_free (self->email);
      self->email = g_strdup (email);
      login_changed (self);
      succeed (task);
    }
  else if (!read_code_answer (task, answer))
    fail_task (task, unexpected_answer (answer));
}

void
xg_session_confirm_email_change_async (XgSession           *self,
                                       const char          *new_email,
                                       const char          *code,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));

  task = call_task_new (self, cancellable, xg_session_confirm_email_change_async, callback, user_data);
  xg_session_request_async (self, XG_PACKET_EMAIL_CHANGE_CONFIRM,
                            xg_proto_email_change_confirm_new (new_email, code), TRUE,
                            on_email_change_answer, task);
}

/* @attempts_left is set with XG_SESSION_ERROR_CODE_INCORRECT. */
gboolean
xg_session_confirm_email_change_finish (XgSession     *self,
                                        GAsyncResult  *result,
                                        guint         *attempts_left,
                                        GError       **error)
{
  return code_call_finish (self, result, attempts_left, NULL, error);
}

/* The account is gone: so is what this device kept of it. */
static void
wipe_account_db (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (g_unlink (file) != 0 && errno != ENOENT)
        g_warning ("Cannot delete %s: %s", file, g_strerror (errno));
    }
}

static void
on_delete_answer (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  XgSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    fail_task (task, g_steal_pointer (&error));
  else if (answer->type == XG_PACKET_ACCOUNT_DELETED)
    {
      g_autoptr(GError) closed = g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_LOGGED_IN,
                                                      "The account was deleted");
      g_autofree char *path = self->account_db ? g_strdup (xg_db_get_path (XG_DB (self->account_db))) : NULL;

      forget_login (self);          /* closes the account database */
      fail_waiting (self, closed);
      xg_link_close (self->link);
      if (path != NULL)
        wipe_account_db (path);
      g_signal_emit (self, signals[ACCOUNT_DELETED], 0);
      succeed (task);
    }
  else if (answer->type == XG_PACKET_ACCOUNT_FAIL)
    fail_task (task, account_fail_error (task, answer));
  else
    fail_task (task, unexpected_answer (answer));
}

/**
 * xg_session_delete_account_async:
 * @password: the account's password
 * @confirmation: the account's address, typed again by the user
 *
 * Deletes the account on the server for good, then ends the session and
 * deletes the account's local database. The caller forgets the saved
 * login (xg_saved_login_forget()).
 */
void
xg_session_delete_account_async (XgSession           *self,
                                 const char          *password,
                                 const char          *confirmation,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));

  task = call_task_new (self, cancellable, xg_session_delete_account_async, callback, user_data);
  xg_session_request_async (self, XG_PACKET_ACCOUNT_DELETE,
                            xg_proto_account_delete_new (password, confirmation), TRUE,
                            on_delete_answer, task);
}

gboolean
xg_session_delete_account_finish (XgSession     *self,
                                  GAsyncResult  *result,
                                  guint         *retry_after,
                                  GError       **error)
{
  return code_call_finish (self, result, NULL, retry_after, error);
}

/**
 * xg_session_resume:
 * @email: the account's address, as it logged in
 * @account_id: the account
 * @token: base64 of its resume token
 *
 * Takes over a saved login at once, without waiting for the server: what
 * the account's database kept shows now, and the session logs in with
 * the token as soon as it can, again after every outage. A refused token
 * ends it with XgSession::forced-logout (XG_SESSION_ENDED_EXPIRED).
 */
void
xg_session_resume (XgSession  *self,
                   const char *email,
                   guint64     account_id,
                   const char *token)
{
  guchar *decoded;
  gsize len;

  g_return_if_fail (XG_IS_SESSION (self));
  g_return_if_fail (account_id != 0 && token != NULL);
  g_return_if_fail (!self->logged_in && !self->login_pending);

  take_account (self, account_id, email);
  g_clear_pointer (&self->token, g_bytes_unref);
  g_free (self->token_base64);
  decoded = g_base64_decode (token, &len);
  self->token = g_bytes_new_take (decoded, len);
  self->token_base64 = g_strdup (token);
  set_keep_session (self, TRUE);

  if (xg_link_get_state (self->link) == XG_LINK_READY)
    on_link_ready (self->link, self);
  else
    xg_link_open (self->link);
}

static void
on_db_flushed (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!xg_db_flush_finish (XG_DB (source), result, &error))
    {
      fail_task (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/**
 * xg_session_flush_async:
 *
 * Completes once every write the session has queued on its account
 * database so far is on disk (the friend list, the requests, the profile
 * it was told about), or at once when it has no account. What arrives
 * later is not waited for. Fails only if the database cannot be written
 * (the error it gave).
 */
void
xg_session_flush_async (XgSession           *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SESSION (self));

  task = call_task_new (self, cancellable, xg_session_flush_async, callback, user_data);
  if (self->account_db == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  xg_db_flush_async (XG_DB (self->account_db), cancellable, on_db_flushed, task);
}

gboolean
xg_session_flush_finish (XgSession     *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xg_session_flush_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * xg_session_get_contacts:
 *
 * Returns: (transfer none) (nullable): the account's friends, or %NULL
 *   without an account
 */
XgContacts *
xg_session_get_contacts (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return self->contacts;
}

/**
 * xg_session_get_friend_requests:
 *
 * Returns: (transfer none) (nullable): the account's waiting friend
 *   requests, or %NULL without an account
 */
XgFriendRequests *
xg_session_get_friend_requests (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return self->requests;
}

/**
 * xg_session_get_conversations:
 *
 * Returns: (transfer none) (nullable): the account's one-to-one chats, or
 *   %NULL without an account
 */
/**
 * xg_session_get_groups:
 *
 * Returns: (transfer none) (nullable): the account's groups, while there
 *   is an account
 */
XgGroups *
xg_session_get_groups (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return self->groups;
}

XgConversations *
xg_session_get_conversations (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return self->conversations;
}

gboolean
xg_session_get_synced (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), FALSE);
  return self->synced;
}

/* Closes the connection without logging out (the token stays valid on
 * the server, but the session forgets that it should come back). */
void
xg_session_disconnect (XgSession *self)
{
  g_autoptr(GError) error = g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_DISCONNECTED,
                                                 "Disconnected");

  g_return_if_fail (XG_IS_SESSION (self));

  set_keep_session (self, FALSE);
  self->relogging_in = FALSE;
  self->login_pending = FALSE;
  xg_link_close (self->link);
  set_logged_in (self, FALSE);
  set_sync_done (self, FALSE);
  if (self->contacts != NULL)
    xg_contacts_set_all_offline (self->contacts);
  fail_waiting (self, error);
}

/* Milliseconds a call that needs the login may take (see
 * XgSession:request-timeout); it applies to calls made from now on. */
void
xg_session_set_request_timeout (XgSession *self,
                                guint      milliseconds)
{
  g_return_if_fail (XG_IS_SESSION (self));

  if (self->request_timeout == milliseconds)
    return;
  self->request_timeout = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST_TIMEOUT]);
}

guint
xg_session_get_request_timeout (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), 0);
  return self->request_timeout;
}

void
xg_session_set_heartbeat_interval (XgSession *self,
                                   guint      seconds)
{
  g_return_if_fail (XG_IS_SESSION (self));

  xg_link_set_heartbeat_interval (self->link, seconds);
}

/* --- Getters ----------------------------------------------------------------- */

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
  return xg_link_get_reconnecting (self->link);
}

const char *
xg_session_get_fingerprint (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return xg_link_get_fingerprint (self->link);
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

XgAccountDb *
xg_session_get_account_db (XgSession *self)
{
  g_return_val_if_fail (XG_IS_SESSION (self), NULL);
  return self->account_db;
}

/* --- Object ------------------------------------------------------------------ */

static void
forward_notify (XgLink     *link,
                GParamSpec *pspec,
                XgSession  *self)
{
  if (g_str_equal (pspec->name, "reconnecting"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECTING]);
  else if (g_str_equal (pspec->name, "fingerprint"))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINGERPRINT]);
  else if (g_str_equal (pspec->name, "state"))
    update_state (self);
}

static void
make_link (XgSession *self)
{
  self->link = xg_link_new (self->server, self->device_db);
  g_signal_connect_object (self->link, "notify", G_CALLBACK (forward_notify), self, 0);
  g_signal_connect_object (self->link, "greeting", G_CALLBACK (on_link_greeting), self, 0);
  g_signal_connect_object (self->link, "ready", G_CALLBACK (on_link_ready), self, 0);
  g_signal_connect_object (self->link, "lost", G_CALLBACK (on_link_lost), self, 0);
  g_signal_connect_object (self->link, "push", G_CALLBACK (on_link_push), self, 0);
  g_signal_connect_object (self->link, "identity-changed", G_CALLBACK (on_link_identity_changed), self, 0);
}

/**
 * xg_session_set_server:
 * @server: "host:port"
 *
 * Points a session that has no account at another server (a login form
 * whose server field changed); what is in flight on the old one fails.
 */
void
xg_session_set_server (XgSession  *self,
                       const char *server)
{
  g_return_if_fail (XG_IS_SESSION (self));
  g_return_if_fail (server != NULL);
  g_return_if_fail (self->account_id == 0 && !self->login_pending);

  if (g_strcmp0 (self->server, server) == 0)
    return;
  g_free (self->server);
  self->server = g_strdup (server);
  if (self->link != NULL)
    {
      xg_session_disconnect (self);
      g_signal_handlers_disconnect_by_data (self->link, self);
      g_clear_object (&self->link);
      make_link (self);
      update_state (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINGERPRINT]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER]);
}

static void
xg_session_constructed (GObject *object)
{
  XgSession *self = XG_SESSION (object);

  G_OBJECT_CLASS (xg_session_parent_class)->constructed (object);

  make_link (self);
}

static void
xg_session_dispose (GObject *object)
{
  XgSession *self = XG_SESSION (object);

  if (self->link != NULL)
    {
      xg_session_disconnect (self);
      g_signal_handlers_disconnect_by_data (self->link, self);
      g_clear_object (&self->link);
    }
  drop_managers (self);
  close_account_db (self);
  g_clear_object (&self->device_db);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (xg_session_parent_class)->dispose (object);
}

static void
xg_session_finalize (GObject *object)
{
  XgSession *self = XG_SESSION (object);

  g_clear_pointer (&self->token, g_bytes_unref);
  g_free (self->token_base64);
  g_free (self->server);
  g_free (self->email);

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
    case PROP_RECONNECTING: g_value_set_boolean (value, xg_session_get_reconnecting (self)); break;
    case PROP_FINGERPRINT: g_value_set_string (value, xg_session_get_fingerprint (self)); break;
    case PROP_CONTACTS: g_value_set_object (value, self->contacts); break;
    case PROP_FRIEND_REQUESTS: g_value_set_object (value, self->requests); break;
    case PROP_CONVERSATIONS: g_value_set_object (value, self->conversations); break;
    case PROP_GROUPS: g_value_set_object (value, self->groups); break;
    case PROP_SYNCED: g_value_set_boolean (value, self->synced); break;
    case PROP_REQUEST_TIMEOUT: g_value_set_uint (value, self->request_timeout); break;
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
    case PROP_SERVER:
      if (self->link == NULL)
        self->server = g_value_dup_string (value);   /* construction */
      else
        xg_session_set_server (self, g_value_get_string (value));
      break;
    case PROP_DEVICE_DB: self->device_db = g_value_dup_object (value); break;
    case PROP_REQUEST_TIMEOUT: xg_session_set_request_timeout (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_session_class_init (XgSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = xg_session_constructed;
  object_class->dispose = xg_session_dispose;
  object_class->finalize = xg_session_finalize;
  object_class->get_property = xg_session_get_property;
  object_class->set_property = xg_session_set_property;

  properties[PROP_SERVER] =
    g_param_spec_string ("server", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
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
  properties[PROP_CONTACTS] =
    g_param_spec_object ("contacts", NULL, NULL, XG_TYPE_CONTACTS,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FRIEND_REQUESTS] =
    g_param_spec_object ("friend-requests", NULL, NULL, XG_TYPE_FRIEND_REQUESTS,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONVERSATIONS] =
    g_param_spec_object ("conversations", NULL, NULL, XG_TYPE_CONVERSATIONS,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GROUPS] =
    g_param_spec_object ("groups", NULL, NULL, XG_TYPE_GROUPS,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SYNCED] =
    g_param_spec_boolean ("synced", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * XgSession:request-timeout:
   *
   * How long, in milliseconds, a call that needs the login may take, from
   * the moment it is made: waiting for a lost login to come back, then
   * for the server's answer. Past it the call fails with
   * %XG_SESSION_ERROR_OFFLINE or %XG_SESSION_ERROR_TIMED_OUT. 0: no limit.
   */
  properties[PROP_REQUEST_TIMEOUT] =
    g_param_spec_uint ("request-timeout", NULL, NULL, 0, G_MAXUINT, XG_SESSION_REQUEST_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
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

  /**
   * XgSession::login-changed:
   *
   * The logged-in account's resume token (a password change) or address
   * (an address change) changed; whoever keeps them takes the new ones.
   */
  signals[LOGIN_CHANGED] =
    g_signal_new ("login-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * XgSession::account-deleted:
   *
   * xg_session_delete_account_async() deleted the account: the session
   * has no account any more and its local data is gone.
   */
  signals[ACCOUNT_DELETED] =
    g_signal_new ("account-deleted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
xg_session_init (XgSession *self)
{
  g_queue_init (&self->waiting);
  self->request_timeout = XG_SESSION_REQUEST_TIMEOUT_MS;
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
