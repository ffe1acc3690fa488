/* xg-friend-requests.c: friend requests waiting for an answer, both ways
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An XgManager, like XgContacts: what the database kept shown first, the
 * server's pushes applied after it, in order. At each login the server lists every request that still waits (3.7 in
 * docs/PROTOCOL.md); the ones it did not list by SYNC_DONE have ended and
 * leave. An answer to one of this account's own calls is the same packet
 * the other side gets pushed, so it is applied through the session's push
 * table too: accepting a request adds the friend to XgContacts as well.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-friend-requests-private.h"
#include "xg-manager.h"
#include "xg-proto-limits.h"
#include "xg-session-private.h"

struct _XgFriendRequests
{
  XgManager     parent_instance;

  guint         n_incoming;
  GQueue        to_fetch;       /* XgFriendRequest whose peer's profile is missing */
  XgFriendRequest *fetching;    /* the one whose profile is being fetched */
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (XgFriendRequests, xg_friend_requests, XG_TYPE_MANAGER)

enum {
  PROP_0,
  PROP_N_INCOMING,
  N_PROPS
};

enum {
  INCOMING,
  ANSWERED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static GPtrArray *
items (XgFriendRequests *self)
{
  return xg_manager_get_items (XG_MANAGER (self));
}

static XgSession *
session_of (XgFriendRequests *self)
{
  return xg_manager_get_session (XG_MANAGER (self));
}

static gboolean
defer (XgFriendRequests *self,
       XgManagerApply    func,
       GVariant         *body)
{
  return xg_manager_defer (XG_MANAGER (self), func, body);
}

/* --- The items ------------------------------------------------------------------ */

static void
set_n_incoming (XgFriendRequests *self)
{
  guint n = 0;

  for (guint i = 0; i < items (self)->len; i++)
    if (!xg_friend_request_get_outgoing (items (self)->pdata[i]))
      n++;
  if (n == self->n_incoming)
    return;
  self->n_incoming = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_INCOMING]);
}

static void
insert (XgFriendRequests *self,
        XgFriendRequest  *request)
{
  xg_manager_insert (XG_MANAGER (self), request);
  set_n_incoming (self);
}

static XgFriendRequest *
find (XgFriendRequests *self,
      gboolean          outgoing,
      guint64           peer_id,
      guint            *position)
{
  for (guint i = 0; i < items (self)->len; i++)
    {
      XgFriendRequest *request = items (self)->pdata[i];

      if (xg_friend_request_get_outgoing (request) == !!outgoing &&
          xg_friend_request_get_peer_id (request) == peer_id)
        {
          if (position != NULL)
            *position = i;
          return request;
        }
    }
  return NULL;
}

static void
save (XgFriendRequests *self)
{
  g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_request_free);

  for (guint i = 0; i < items (self)->len; i++)
    {
      XgFriendRequest *request = items (self)->pdata[i];

      g_ptr_array_add (stored, xg_stored_request_new (xg_friend_request_get_outgoing (request),
                                                      xg_friend_request_get_peer_id (request),
                                                      xg_friend_request_get_nickname (request),
                                                      xg_friend_request_get_greeting (request),
                                                      xg_friend_request_get_time (request)));
    }
  xg_account_db_save_requests_async (xg_manager_get_db (XG_MANAGER (self)), stored, NULL, NULL, NULL);
}

/* Removes a request if the model has it; TRUE if it did. */
static gboolean
remove_request (XgFriendRequests *self,
                gboolean          outgoing,
                guint64           peer_id)
{
  guint position;

  if (find (self, outgoing, peer_id, &position) == NULL)
    return FALSE;
  xg_manager_remove_at (XG_MANAGER (self), position);
  set_n_incoming (self);
  save (self);
  return TRUE;
}

/* --- Profiles of the peers ------------------------------------------------------- */

static void fetch_next (XgFriendRequests *self);

static void
on_info_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(XgFriendRequests) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  g_autoptr(XgFriendRequest) request = g_steal_pointer (&self->fetching);

  if (answer != NULL && answer->type == XG_PACKET_USER_INFO && request != NULL)
    xg_friend_request_set_info (request, answer->body);
  fetch_next (self);
}

/* The peers' profiles, for their avatars, one at a time. They are not
 * kept: a request is short-lived, and the server shows the profile only
 * while the request waits (8.9 in docs/PROTOCOL.md). */
static void
fetch_next (XgFriendRequests *self)
{
  XgFriendRequest *request;

  if (self->fetching != NULL || session_of (self) == NULL)
    return;
  while ((request = g_queue_pop_head (&self->to_fetch)) != NULL)
    {
      /* Only for requests still here. */
      if (g_ptr_array_find (items (self), request, NULL))
        {
          self->fetching = request;
          xg_session_request_async (session_of (self), XG_PACKET_USER_INFO_REQUEST,
                                    xg_proto_user_info_request_new (xg_friend_request_get_peer_id (request)),
                                    TRUE, on_info_fetched, g_object_ref (self));
          return;
        }
      g_object_unref (request);
    }
}

/* Adds a request the model lacks, or confirms the one it has. Returns the
 * new request (transfer none), or NULL when it was there. */
static XgFriendRequest *
add (XgFriendRequests *self,
     gboolean          outgoing,
     guint64           peer_id,
     const char       *nickname,
     const char       *greeting,
     gint64            time)
{
  XgFriendRequest *request = find (self, outgoing, peer_id, NULL);
  g_autoptr(XgFriendRequest) added = NULL;

  if (request != NULL)
    {
      xg_friend_request_set_confirmed (request, TRUE);
      return NULL;
    }
  added = xg_friend_request_new (outgoing, peer_id, nickname, greeting, time);
  xg_friend_request_set_confirmed (added, TRUE);
  insert (self, added);
  g_queue_push_tail (&self->to_fetch, g_object_ref (added));
  save (self);
  fetch_next (self);
  return added;
}

/* --- Pushes ---------------------------------------------------------------------- */

static guint64
own_id (XgFriendRequests *self)
{
  return session_of (self) != NULL ? xg_session_get_account_id (session_of (self)) : 0;
}

void
xg_friend_requests_apply_incoming (XgFriendRequests *self,
                                   GVariant         *body)
{
  guint64 requester, target;
  const char *greeting, *nickname;
  gint64 time;
  XgFriendRequest *added;

  if (defer (self, (XgManagerApply) xg_friend_requests_apply_incoming, body))
    return;
  xg_proto_friend_request_incoming_get (body, &requester, &target, &greeting, &nickname, &time);
  added = add (self, FALSE, requester, nickname, greeting, time);
  if (added != NULL)
    g_signal_emit (self, signals[INCOMING], 0, added);
}

void
xg_friend_requests_apply_outgoing (XgFriendRequests *self,
                                   GVariant         *body)
{
  guint64 requester, target;
  const char *greeting, *nickname;
  gint64 time;

  if (defer (self, (XgManagerApply) xg_friend_requests_apply_outgoing, body))
    return;
  xg_proto_friend_request_outgoing_get (body, &requester, &target, &greeting, &nickname, &time);
  add (self, TRUE, target, nickname, greeting, time);
}

/* One of this account's own requests ended: it leaves, and if it was still
 * waiting here, the window hears how. */
static void
answered (XgFriendRequests       *self,
          guint64                 target,
          XgFriendRequestOutcome  outcome,
          const char             *reason)
{
  XgFriendRequest *request = find (self, TRUE, target, NULL);
  g_autofree char *nickname = NULL;

  if (request == NULL)
    return;   /* told before: live, and again at a login */
  nickname = g_strdup (xg_friend_request_get_nickname (request));
  remove_request (self, TRUE, target);
  g_signal_emit (self, signals[ANSWERED], 0, target, nickname, outcome, reason ? reason : "");
}

void
xg_friend_requests_apply_accepted (XgFriendRequests *self,
                                   GVariant         *body)
{
  guint64 target, requester;

  if (defer (self, (XgManagerApply) xg_friend_requests_apply_accepted, body))
    return;
  xg_proto_friend_request_accepted_get (body, &target, &requester, NULL);
  if (requester == own_id (self))
    {
      /* This account's request was accepted; theirs, if they had asked
       * too, ends with it. */
      answered (self, target, XG_FRIEND_REQUEST_ACCEPTED, NULL);
      remove_request (self, FALSE, target);
    }
  else
    {
      /* This account accepted (by FRIEND_ACCEPT, or by asking back). */
      remove_request (self, FALSE, requester);
      remove_request (self, TRUE, requester);
    }
}

void
xg_friend_requests_apply_rejected (XgFriendRequests *self,
                                   GVariant         *body)
{
  guint64 target, requester;
  const char *reason;

  if (defer (self, (XgManagerApply) xg_friend_requests_apply_rejected, body))
    return;
  xg_proto_friend_request_rejected_get (body, &target, &requester, &reason);
  if (requester == own_id (self))
    answered (self, target, XG_FRIEND_REQUEST_DECLINED, reason);
  else
    remove_request (self, FALSE, requester);
}

void
xg_friend_requests_apply_timeout (XgFriendRequests *self,
                                  GVariant         *body)
{
  guint64 target, requester;

  if (defer (self, (XgManagerApply) xg_friend_requests_apply_timeout, body))
    return;
  xg_proto_friend_request_timeout_get (body, &target, &requester);
  if (requester == own_id (self))
    answered (self, target, XG_FRIEND_REQUEST_EXPIRED, NULL);
  else
    remove_request (self, FALSE, requester);
}

static void
begin_sync (XgFriendRequests *self,
            GVariant         *unused)
{
  for (guint i = 0; i < items (self)->len; i++)
    xg_friend_request_set_confirmed (items (self)->pdata[i], FALSE);
}

void
xg_friend_requests_begin_sync (XgFriendRequests *self)
{
  if (!defer (self, (XgManagerApply) begin_sync, NULL))
    begin_sync (self, NULL);
}

static void
end_sync (XgFriendRequests *self,
          GVariant         *unused)
{
  gboolean changed = FALSE;

  for (guint i = items (self)->len; i > 0; i--)
    if (!xg_friend_request_get_confirmed (items (self)->pdata[i - 1]))
      {
        xg_manager_remove_at (XG_MANAGER (self), i - 1);
        changed = TRUE;
      }
  if (changed)
    {
      set_n_incoming (self);
      save (self);
    }
}

void
xg_friend_requests_end_sync (XgFriendRequests *self)
{
  if (!defer (self, (XgManagerApply) end_sync, NULL))
    end_sync (self, NULL);
}

/* --- The database ------------------------------------------------------------------ */

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stored = xg_account_db_load_requests_finish (XG_ACCOUNT_DB (source), result, &error);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  XgFriendRequests *self = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (stored == NULL)
    g_warning ("The friend requests kept on this device could not be read: %s", error->message);

  for (guint i = 0; stored != NULL && i < stored->len; i++)
    {
      XgStoredRequest *row = stored->pdata[i];
      XgFriendRequest *request = xg_friend_request_new (row->outgoing, row->peer_id, row->nickname,
                                                        row->greeting, row->time);

      g_ptr_array_add (kept, request);
      g_queue_push_tail (&self->to_fetch, g_object_ref (request));
    }
  xg_manager_set_loaded (XG_MANAGER (self), kept);
  set_n_incoming (self);
  fetch_next (self);
}

/* --- Calls -------------------------------------------------------------------------- */

typedef struct {
  XgProfile *whom;
  guint64    peer_id;
  char      *greeting;
  char      *email;
  gboolean   became_friends;
} Op;

static void
op_free (Op *op)
{
  g_clear_object (&op->whom);
  g_free (op->greeting);
  g_free (op->email);
  g_free (op);
}

static GTask *
op_task_new (XgFriendRequests    *self,
             GCancellable        *cancellable,
             gpointer             source_tag,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_new0 (Op, 1), (GDestroyNotify) op_free);
  return task;
}

static Op *
op_of (GTask *task)
{
  return g_task_get_task_data (task);
}

static void
return_error (GTask  *task,
              GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static GError *
unexpected (const XgProtoFrame *answer)
{
  return g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_PROTOCOL,
                      "Unexpected answer %s", xg_proto_packet_info (answer->type)->name);
}

static GError *
not_found (void)
{
  return g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND, "Nobody has this address");
}

static void
on_found_info (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Op *op = op_of (task);
  GError *error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  g_autoptr(GVariant) fields = NULL;
  const char *nickname;
  XgProfile *profile;

  if (answer == NULL)
    return_error (task, error);
  else if (answer->type == XG_PACKET_USER_NOT_FOUND)
    return_error (task, not_found ());
  else if (answer->type != XG_PACKET_USER_INFO)
    return_error (task, unexpected (answer));
  else
    {
      xg_proto_user_info_get (answer->body, NULL, &nickname, &fields);
      profile = xg_profile_new (op->peer_id);
      xg_profile_update (profile, op->email, nickname, fields);
      g_task_return_pointer (task, profile, g_object_unref);
      g_object_unref (task);
    }
}

static void
on_email_looked_up (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  XgFriendRequests *self = g_task_get_source_object (task);
  Op *op = op_of (task);
  GError *error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  const char *email;

  if (answer == NULL)
    return_error (task, error);
  else if (answer->type == XG_PACKET_USER_NOT_FOUND)
    return_error (task, not_found ());
  else if (answer->type != XG_PACKET_EMAIL_RESULT)
    return_error (task, unexpected (answer));
  else
    {
      xg_proto_email_result_get (answer->body, &email, &op->peer_id);
      g_free (op->email);
      op->email = g_strdup (email);
      if (!xg_manager_check_attached (XG_MANAGER (self), task))
        return;
      /* The lookup lets this connection see the account's profile. */
      xg_session_request_async (session_of (self), XG_PACKET_USER_INFO_REQUEST,
                                xg_proto_user_info_request_new (op->peer_id), TRUE,
                                on_found_info, task);
    }
}

void
xg_friend_requests_find_async (XgFriendRequests    *self,
                               const char          *email,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_FRIEND_REQUESTS (self));
  g_return_if_fail (email != NULL);

  task = op_task_new (self, cancellable, xg_friend_requests_find_async, callback, user_data);
  if (!xg_proto_email_is_valid (email))
    {
      return_error (task, g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                                               "That is not an email address"));
      return;
    }
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    return;
  xg_session_request_async (session_of (self), XG_PACKET_EMAIL_LOOKUP, xg_proto_email_lookup_new (email),
                            TRUE, on_email_looked_up, task);
}

/**
 * xg_friend_requests_find_finish:
 *
 * Returns: (transfer full): the profile of the account with that address
 */
XgProfile *
xg_friend_requests_find_finish (XgFriendRequests  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  XgFriendRequests *self = g_task_get_source_object (task);
  Op *op = op_of (task);
  GError *error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    {
      return_error (task, error);
      return;
    }
  switch (answer->type)
    {
    case XG_PACKET_FRIEND_REQUEST_SENT:
      {
        /* Applied like the FRIEND_REQUEST_OUTGOING a login brings: before
         * the stored requests are read, it waits for them. */
        g_autoptr(GVariant) outgoing = g_variant_ref_sink (
          xg_proto_friend_request_outgoing_new (own_id (self), op->peer_id, op->greeting,
                                                xg_profile_get_nickname (op->whom),
                                                g_get_real_time () / G_USEC_PER_SEC));

        xg_friend_requests_apply_outgoing (self, outgoing);
      }
      break;
    case XG_PACKET_FRIEND_REQUEST_ACCEPTED:
      /* They had asked too: friends now, on both managers. */
      if (session_of (self) != NULL)
        xg_session_apply_push (session_of (self), answer);
      op->became_friends = TRUE;
      break;
    case XG_PACKET_USER_NOT_FOUND:
      return_error (task, g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND,
                                               "No such account"));
      return;
    default:
      return_error (task, unexpected (answer));
      return;
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
xg_friend_requests_send_async (XgFriendRequests    *self,
                               XgProfile           *whom,
                               const char          *greeting,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  Op *op;

  g_return_if_fail (XG_IS_FRIEND_REQUESTS (self));
  g_return_if_fail (XG_IS_PROFILE (whom));

  if (greeting == NULL)
    greeting = "";
  task = op_task_new (self, cancellable, xg_friend_requests_send_async, callback, user_data);
  op = op_of (task);
  op->whom = g_object_ref (whom);
  op->peer_id = xg_profile_get_account_id (whom);
  op->greeting = g_strdup (greeting);
  if (!xg_proto_greeting_is_valid (greeting))
    {
      return_error (task, g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                                       "A greeting has at most %u characters on one line",
                                       XG_PROTO_MAX_GREETING_CHARS));
      return;
    }
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    return;
  xg_session_request_async (session_of (self), XG_PACKET_FRIEND_REQUEST,
                            xg_proto_friend_request_new (own_id (self), op->peer_id, greeting),
                            TRUE, on_sent, task);
}

gboolean
xg_friend_requests_send_finish (XgFriendRequests  *self,
                                GAsyncResult      *result,
                                gboolean          *became_friends,
                                GError           **error)
{
  Op *op = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (became_friends != NULL)
    *became_friends = op->became_friends;
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* An incoming request the server no longer has leaves the model (once it
 * shows what the database kept). */
static void
drop_incoming (XgFriendRequests *self,
               GVariant         *body)
{
  guint64 peer_id;

  if (defer (self, (XgManagerApply) drop_incoming, body))
    return;
  g_variant_get (body, "(t)", &peer_id);
  remove_request (self, FALSE, peer_id);
}

/* The answer to an accept or a decline: applied like the push the other
 * side gets; a request the server no longer has leaves the model. */
static void
on_answered (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  XgFriendRequests *self = g_task_get_source_object (task);
  Op *op = op_of (task);
  GError *error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  guint16 expected = g_task_get_source_tag (task) == xg_friend_requests_accept_async
                     ? XG_PACKET_FRIEND_REQUEST_ACCEPTED : XG_PACKET_FRIEND_REQUEST_REJECTED;

  if (answer == NULL)
    {
      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        {
          g_autoptr(GVariant) gone = g_variant_ref_sink (g_variant_new ("(t)", op->peer_id));

          drop_incoming (self, gone);
        }
      return_error (task, error);
      return;
    }
  if (answer->type != expected)
    {
      return_error (task, unexpected (answer));
      return;
    }
  if (session_of (self) != NULL)
    xg_session_apply_push (session_of (self), answer);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
xg_friend_requests_accept_async (XgFriendRequests    *self,
                                 XgFriendRequest     *request,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_FRIEND_REQUESTS (self));
  g_return_if_fail (XG_IS_FRIEND_REQUEST (request));
  g_return_if_fail (!xg_friend_request_get_outgoing (request));

  task = op_task_new (self, cancellable, xg_friend_requests_accept_async, callback, user_data);
  op_of (task)->peer_id = xg_friend_request_get_peer_id (request);
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    return;
  xg_session_request_async (session_of (self), XG_PACKET_FRIEND_ACCEPT,
                            xg_proto_friend_accept_new (own_id (self), op_of (task)->peer_id),
                            TRUE, on_answered, task);
}

gboolean
xg_friend_requests_accept_finish (XgFriendRequests  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
xg_friend_requests_decline_async (XgFriendRequests    *self,
                                  XgFriendRequest     *request,
                                  const char          *reason,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_FRIEND_REQUESTS (self));
  g_return_if_fail (XG_IS_FRIEND_REQUEST (request));
  g_return_if_fail (!xg_friend_request_get_outgoing (request));

  if (reason == NULL)
    reason = "";
  task = op_task_new (self, cancellable, xg_friend_requests_decline_async, callback, user_data);
  op_of (task)->peer_id = xg_friend_request_get_peer_id (request);
  if (!xg_proto_reason_is_valid (reason))
    {
      return_error (task, g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                                       "A reason has at most %u characters on one line",
                                       XG_PROTO_MAX_REASON_CHARS));
      return;
    }
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    return;
  xg_session_request_async (session_of (self), XG_PACKET_FRIEND_REJECT,
                            xg_proto_friend_reject_new (own_id (self), op_of (task)->peer_id, reason),
                            TRUE, on_answered, task);
}

gboolean
xg_friend_requests_decline_finish (XgFriendRequests  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- The object ------------------------------------------------------------------- */

/**
 * xg_friend_requests_lookup:
 *
 * Returns: (transfer none) (nullable): the waiting request from (or, with
 *   @outgoing, to) @peer_id
 */
XgFriendRequest *
xg_friend_requests_lookup (XgFriendRequests *self,
                           gboolean          outgoing,
                           guint64           peer_id)
{
  g_return_val_if_fail (XG_IS_FRIEND_REQUESTS (self), NULL);
  return find (self, outgoing, peer_id, NULL);
}

gboolean
xg_friend_requests_get_loaded (XgFriendRequests *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_REQUESTS (self), FALSE);
  return xg_manager_get_loaded (XG_MANAGER (self));
}

guint
xg_friend_requests_get_n_incoming (XgFriendRequests *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_REQUESTS (self), 0);
  return self->n_incoming;
}

void
xg_friend_requests_detach (XgFriendRequests *self)
{
  xg_manager_detach (XG_MANAGER (self));
}

static void
xg_friend_requests_real_detach (XgManager *manager)
{
  XgFriendRequests *self = XG_FRIEND_REQUESTS (manager);

  XG_MANAGER_CLASS (xg_friend_requests_parent_class)->detach (manager);
  g_queue_clear_full (&self->to_fetch, g_object_unref);
}

XgFriendRequests *
xg_friend_requests_new (XgSession   *session,
                        XgAccountDb *db)
{
  XgFriendRequests *self = g_object_new (XG_TYPE_FRIEND_REQUESTS, NULL);

  xg_manager_attach (XG_MANAGER (self), session, db);
  xg_account_db_load_requests_async (db, self->cancellable, on_loaded, self);
  return self;
}

static void
xg_friend_requests_dispose (GObject *object)
{
  XgFriendRequests *self = XG_FRIEND_REQUESTS (object);

  g_cancellable_cancel (self->cancellable);
  xg_friend_requests_detach (self);

  G_OBJECT_CLASS (xg_friend_requests_parent_class)->dispose (object);
}

static void
xg_friend_requests_finalize (GObject *object)
{
  XgFriendRequests *self = XG_FRIEND_REQUESTS (object);

  g_clear_object (&self->fetching);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (xg_friend_requests_parent_class)->finalize (object);
}

static void
xg_friend_requests_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  XgFriendRequests *self = XG_FRIEND_REQUESTS (object);

  switch (prop_id)
    {
    case PROP_N_INCOMING: g_value_set_uint (value, self->n_incoming); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_friend_requests_class_init (XgFriendRequestsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  XgManagerClass *manager_class = XG_MANAGER_CLASS (klass);

  object_class->dispose = xg_friend_requests_dispose;
  object_class->finalize = xg_friend_requests_finalize;
  object_class->get_property = xg_friend_requests_get_property;
  manager_class->item_type = XG_TYPE_FRIEND_REQUEST;
  manager_class->compare = (GCompareFunc) xg_friend_request_compare;
  manager_class->detach = xg_friend_requests_real_detach;

  properties[PROP_N_INCOMING] =
    g_param_spec_uint ("n-incoming", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * XgFriendRequests::incoming:
   * @request: the new request
   *
   * Someone asked this account to be friends, and it had not heard of it.
   */
  signals[INCOMING] =
    g_signal_new ("incoming", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, XG_TYPE_FRIEND_REQUEST);

  /**
   * XgFriendRequests::answered:
   * @peer_id: whom this account had asked
   * @nickname: their display name
   * @outcome: an XgFriendRequestOutcome
   * @reason: the reason they gave for declining, or ""
   *
   * One of this account's requests ended.
   */
  signals[ANSWERED] =
    g_signal_new ("answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_UINT64, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING);
}

static void
xg_friend_requests_init (XgFriendRequests *self)
{
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->to_fetch);
}
