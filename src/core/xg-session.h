/* xg-session.h: an account's session with a Xinge server, as the windows see it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Windows call async methods and follow properties and signals; they
 * never see a packet. The session connects on demand (TLS, the server's
 * certificate pinned on first use in the device database), and after a
 * lost link reconnects by itself with backoff and logs in again with its
 * resume token. Once logged in it owns the account's database and one
 * manager per domain, each a GListModel the windows bind to: the contacts
 * and the friend requests.
 */
#pragma once

#include <gio/gio.h>

#include "xg-contacts.h"
#include "xg-conversations.h"
#include "xg-device-db.h"
#include "xg-friend-requests.h"
#include "xg-groups.h"
#include "xg-profile.h"

G_BEGIN_DECLS

typedef enum {
  XG_SESSION_DISCONNECTED,
  XG_SESSION_CONNECTING,
  XG_SESSION_CONNECTED,       /* HELLO done, not logged in */
  XG_SESSION_LOGGED_IN,
} XgSessionState;

GType xg_session_state_get_type (void);
#define XG_TYPE_SESSION_STATE (xg_session_state_get_type ())

/**
 * XgSessionEndReason:
 * @XG_SESSION_ENDED_EXPIRED: a saved session could not be resumed (its token
 *   expired or was revoked)
 * @XG_SESSION_ENDED_HEARTBEAT_LOST: not emitted: when the server heard
 *   nothing from us in time, the session reconnects and resumes by itself
 * @XG_SESSION_ENDED_ELSEWHERE: the account logged in on another connection
 * @XG_SESSION_ENDED_ACCOUNT_DISABLED: the account was disabled
 * @XG_SESSION_ENDED_SERVER_SHUTDOWN: not emitted: a server that shuts down
 *   (a restart) costs no session; it reconnects and resumes by itself
 * @XG_SESSION_ENDED_PASSWORD_CHANGED: the password was reset or changed
 *   elsewhere; the saved token no longer works
 *
 * Why XgSession::forced-logout ended the session. Only ELSEWHERE,
 * ACCOUNT_DISABLED, PASSWORD_CHANGED and EXPIRED end one today.
 */
typedef enum {
  XG_SESSION_ENDED_EXPIRED,
  XG_SESSION_ENDED_HEARTBEAT_LOST,
  XG_SESSION_ENDED_ELSEWHERE,
  XG_SESSION_ENDED_ACCOUNT_DISABLED,
  XG_SESSION_ENDED_SERVER_SHUTDOWN,
  XG_SESSION_ENDED_PASSWORD_CHANGED,
} XgSessionEndReason;

#define XG_SESSION_ERROR (xg_session_error_quark ())
GQuark xg_session_error_quark (void);

/**
 * XgSessionError:
 * @XG_SESSION_ERROR_UNREACHABLE: no connection could be made
 * @XG_SESSION_ERROR_IDENTITY_CHANGED: the server's certificate is not the
 *   one pinned for it; nothing was sent (see XgSession::identity-changed)
 * @XG_SESSION_ERROR_BAD_CREDENTIALS: wrong email or password
 * @XG_SESSION_ERROR_RATE_LIMITED: too many attempts; retry_after says when
 * @XG_SESSION_ERROR_TOKEN_INVALID: the saved session ended; log in again
 * @XG_SESSION_ERROR_ACCOUNT_DISABLED: the account is disabled
 * @XG_SESSION_ERROR_EMAIL_TAKEN: the address already has an account
 * @XG_SESSION_ERROR_CODE_INCORRECT: wrong code; attempts_left says how many remain
 * @XG_SESSION_ERROR_CODE_EXPIRED: no valid code (expired, used up): request a new one
 * @XG_SESSION_ERROR_INVALID_INPUT: the server rejected a field
 * @XG_SESSION_ERROR_MAIL_FAILED: the server could not mail the code
 * @XG_SESSION_ERROR_BUSY: the server is overloaded; retry_after says when
 * @XG_SESSION_ERROR_NOT_FOUND: no such account
 * @XG_SESSION_ERROR_NOT_LOGGED_IN: the call needs a logged-in session
 * @XG_SESSION_ERROR_DISCONNECTED: the link dropped before the answer came
 * @XG_SESSION_ERROR_PROTOCOL: the server answered with ERROR or nonsense
 * @XG_SESSION_ERROR_ALREADY_FRIENDS: a friend request to a friend
 * @XG_SESSION_ERROR_LIMIT_REACHED: a limit of the server (friends, waiting
 *   requests) is reached
 * @XG_SESSION_ERROR_PERMISSION_DENIED: the account may not do this
 * @XG_SESSION_ERROR_OFFLINE: the session was getting its login back, and
 *   it did not come back within the request timeout; nothing was sent
 * @XG_SESSION_ERROR_TIMED_OUT: the request went out, but the server did
 *   not answer within the request timeout (what it did may still show)
 * @XG_SESSION_ERROR_ALREADY_PENDING: the same join request or invitation
 *   waits for an answer already; nothing changed
 */
typedef enum {
  XG_SESSION_ERROR_UNREACHABLE,
  XG_SESSION_ERROR_IDENTITY_CHANGED,
  XG_SESSION_ERROR_BAD_CREDENTIALS,
  XG_SESSION_ERROR_RATE_LIMITED,
  XG_SESSION_ERROR_TOKEN_INVALID,
  XG_SESSION_ERROR_ACCOUNT_DISABLED,
  XG_SESSION_ERROR_EMAIL_TAKEN,
  XG_SESSION_ERROR_CODE_INCORRECT,
  XG_SESSION_ERROR_CODE_EXPIRED,
  XG_SESSION_ERROR_INVALID_INPUT,
  XG_SESSION_ERROR_MAIL_FAILED,
  XG_SESSION_ERROR_BUSY,
  XG_SESSION_ERROR_NOT_FOUND,
  XG_SESSION_ERROR_NOT_LOGGED_IN,
  XG_SESSION_ERROR_DISCONNECTED,
  XG_SESSION_ERROR_PROTOCOL,
  XG_SESSION_ERROR_ALREADY_FRIENDS,
  XG_SESSION_ERROR_LIMIT_REACHED,
  XG_SESSION_ERROR_PERMISSION_DENIED,
  XG_SESSION_ERROR_OFFLINE,
  XG_SESSION_ERROR_TIMED_OUT,
  XG_SESSION_ERROR_ALREADY_PENDING,
} XgSessionError;

/* How long a call that needs the login may take by default, in ms, from
 * the moment it is made until its answer (XgSession:request-timeout). A
 * server restart is usually over well within it. */
#define XG_SESSION_REQUEST_TIMEOUT_MS 15000

#define XG_TYPE_SESSION (xg_session_get_type ())
G_DECLARE_FINAL_TYPE (XgSession, xg_session, XG, SESSION, GObject)

/* Properties: server (string, "host:port"; changes only without an account,
 * see xg_session_set_server()), device-db
 * (XgDeviceDb, construct-only), state (XgSessionState), account-id (guint64,
 * 0 when logged out), profile (XgProfile or NULL), reconnecting (gboolean:
 * the link dropped and the session is trying to get it back),
 * fingerprint (string: the SHA-256 of the server certificate in use),
 * contacts (XgContacts), friend-requests (XgFriendRequests) and
 * conversations (XgConversations): the
 * account's managers, from the moment the session has an account until it
 * ends (NULL otherwise), synced (gboolean: everything the server had
 * waiting for this login has arrived and the managers show it; FALSE
 * again when the link drops), request-timeout (guint, ms: how long a call
 * that needs the login may wait for it and for its answer; default
 * XG_SESSION_REQUEST_TIMEOUT_MS).
 *
 * Signals:
 *   forced-logout (guint reason, const char *message): the session ended
 *     without the user asking (an XgSessionEndReason); it is closed and will
 *     not reconnect; the app returns to its login screen. A server that
 *     shuts down or restarts does not end it: the session keeps its token
 *     and its managers, shows reconnecting, and logs in again by itself.
 *   identity-changed (const char *pinned, const char *presented): the server
 *     presented a different certificate than the pinned one.
 *   server-error (guint code, const char *message): an ERROR that answered
 *     no pending call (an XgProtoErrorCode).
 *   login-changed: the account's resume token or address changed (a
 *     password or address change); the saved login takes the new ones.
 *   account-deleted: the account was deleted at the user's request; the
 *     session has no account, and the account's local data is gone.
 */

/* Once, at the start of main(), before any thread: the process speaks TLS
 * 1.3 only (docs/PROTOCOL.md 8.6; G_TLS_GNUTLS_PRIORITY, if set, wins, for
 * debugging). */
void           xg_session_init_process           (void);

XgSession     *xg_session_new                    (const char           *server,
                                                  XgDeviceDb           *device_db);
const char    *xg_session_get_server             (XgSession            *self);
void           xg_session_set_server             (XgSession            *self,
                                                  const char           *server);
XgSessionState xg_session_get_state              (XgSession            *self);
guint64        xg_session_get_account_id         (XgSession            *self);
XgProfile     *xg_session_get_profile            (XgSession            *self);
gboolean       xg_session_get_reconnecting       (XgSession            *self);
const char    *xg_session_get_fingerprint        (XgSession            *self);
const char    *xg_session_get_email              (XgSession            *self);
/* base64 of the current resume token, for the keyring; NULL when logged out. */
const char    *xg_session_get_resume_token       (XgSession            *self);
void           xg_session_set_request_timeout    (XgSession            *self,
                                                  guint                 milliseconds);
guint          xg_session_get_request_timeout    (XgSession            *self);
/* Seconds between heartbeats; the default until WELCOME says otherwise. */
void           xg_session_set_heartbeat_interval (XgSession            *self,
                                                  guint                 seconds);

void           xg_session_request_code_async     (XgSession            *self,
                                                  const char           *email,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* @resend_after: seconds until another code may be asked for (also set
 * with XG_SESSION_ERROR_RATE_LIMITED); @expires_in: the code's lifetime. */
gboolean       xg_session_request_code_finish    (XgSession            *self,
                                                  GAsyncResult         *result,
                                                  guint                *resend_after,
                                                  guint                *expires_in,
                                                  GError              **error);

void           xg_session_register_async         (XgSession            *self,
                                                  const char           *email,
                                                  const char           *nickname,
                                                  const char           *password,
                                                  const char           *code,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* Returns the new account id, or 0 with @error; @attempts_left is set with
 * XG_SESSION_ERROR_CODE_INCORRECT. */
guint64        xg_session_register_finish        (XgSession            *self,
                                                  GAsyncResult         *result,
                                                  guint                *attempts_left,
                                                  GError              **error);

void           xg_session_login_async            (XgSession            *self,
                                                  const char           *email,
                                                  const char           *password,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
void           xg_session_login_with_token_async (XgSession            *self,
                                                  const char           *email,
                                                  guint64               account_id,
                                                  const char           *token,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* Finishes both, once the server said LOGIN_OK (the profile and the
 * account's lists follow as pushes; see synced); @retry_after is set with
 * RATE_LIMITED and BUSY. */
gboolean       xg_session_login_finish           (XgSession            *self,
                                                  GAsyncResult         *result,
                                                  guint                *retry_after,
                                                  GError              **error);

/* Ends the session on the server (its token is revoked) and closes. A
 * session that is offline just forgets its login (the token is left to
 * expire on the server), at once. */
void           xg_session_logout_async           (XgSession            *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean       xg_session_logout_finish          (XgSession            *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* @changes: an a{sv} of profile fields (see docs/PROTOCOL.md); the profile
 * property is updated from the server's echo before the call completes. */
void           xg_session_update_profile_async   (XgSession            *self,
                                                  GVariant             *changes,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean       xg_session_update_profile_finish  (XgSession            *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

void           xg_session_user_info_async        (XgSession            *self,
                                                  guint64               account_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
XgProfile     *xg_session_user_info_finish       (XgSession            *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* Account life (docs/PROTOCOL.md 3.8). The finish functions' out
 * arguments are as in registration: @resend_after/@expires_in of a sent
 * code, @attempts_left with XG_SESSION_ERROR_CODE_INCORRECT, @retry_after
 * with RATE_LIMITED and BUSY; every one may be NULL. A wrong current
 * password is XG_SESSION_ERROR_BAD_CREDENTIALS; the field a rejected
 * input was in is the task's name ("email", "password", "new-password",
 * "confirmation"). */
void           xg_session_request_password_reset_async  (XgSession           *self,
                                                         const char          *email,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean       xg_session_request_password_reset_finish (XgSession           *self,
                                                         GAsyncResult        *result,
                                                         guint               *resend_after,
                                                         guint               *expires_in,
                                                         GError             **error);
void           xg_session_reset_password_async          (XgSession           *self,
                                                         const char          *email,
                                                         const char          *code,
                                                         const char          *new_password,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean       xg_session_reset_password_finish         (XgSession           *self,
                                                         GAsyncResult        *result,
                                                         guint               *attempts_left,
                                                         guint               *retry_after,
                                                         GError             **error);
void           xg_session_change_password_async         (XgSession           *self,
                                                         const char          *current_password,
                                                         const char          *new_password,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean       xg_session_change_password_finish        (XgSession           *self,
                                                         GAsyncResult        *result,
                                                         guint               *retry_after,
                                                         GError             **error);
void           xg_session_request_email_change_async    (XgSession           *self,
                                                         const char          *new_email,
                                                         const char          *password,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean       xg_session_request_email_change_finish   (XgSession           *self,
                                                         GAsyncResult        *result,
                                                         guint               *resend_after,
                                                         guint               *expires_in,
                                                         GError             **error);
void           xg_session_confirm_email_change_async    (XgSession           *self,
                                                         const char          *new_email,
                                                         const char          *code,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean       xg_session_confirm_email_change_finish   (XgSession           *self,
                                                         GAsyncResult        *result,
                                                         guint               *attempts_left,
                                                         GError             **error);
void           xg_session_delete_account_async          (XgSession           *self,
                                                         const char          *password,
                                                         const char          *confirmation,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
gboolean       xg_session_delete_account_finish         (XgSession           *self,
                                                         GAsyncResult        *result,
                                                         guint               *retry_after,
                                                         GError             **error);

/* Takes over a saved login without waiting for the server: the account's
 * cached contacts and requests show at once, the session connects and logs
 * in with @token, and keeps at it through outages until the server says
 * the token is no good (forced-logout with XG_SESSION_ENDED_EXPIRED). */
void           xg_session_resume                 (XgSession            *self,
                                                  const char           *email,
                                                  guint64               account_id,
                                                  const char           *token);

/* Completes once everything the session has handed its account database
 * so far (profile, contacts, requests) is on disk, for the next start to
 * read; at once without an account. */
void           xg_session_flush_async            (XgSession            *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean       xg_session_flush_finish           (XgSession            *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

XgContacts       *xg_session_get_contacts        (XgSession            *self);
XgFriendRequests *xg_session_get_friend_requests (XgSession            *self);
XgConversations  *xg_session_get_conversations   (XgSession            *self);
XgGroups         *xg_session_get_groups           (XgSession            *self);
gboolean          xg_session_get_synced          (XgSession            *self);

/* Closes the connection without logging out (the token stays valid). */
void           xg_session_disconnect             (XgSession            *self);

G_END_DECLS
