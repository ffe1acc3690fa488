/* xg-saved-login.c: the login an app profile keeps ("remember me")
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-saved-login.h"
#include "xg-session.h"

struct _XgSavedLogin
{
  GObject    parent_instance;

  char      *path;
  char      *server;
  char      *email;
  gboolean   remembered;

  XgSession *session;    /* followed since remember(); not owned */
};

G_DEFINE_FINAL_TYPE (XgSavedLogin, xg_saved_login, G_TYPE_OBJECT)

/* g_set_str () needs GLib 2.76. */
static void
set_str (char       **slot,
         const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*slot);
  *slot = copy;
}

/* --- The state file ------------------------------------------------------------ */

static void
load (XgSavedLogin *self)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  if (!g_key_file_load_from_file (keyfile, self->path, G_KEY_FILE_NONE, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Could not read %s: %s", self->path, error->message);
      return;
    }
  g_free (self->server);
  g_free (self->email);
  self->server = g_key_file_get_string (keyfile, "account", "server", NULL);
  self->email = g_key_file_get_string (keyfile, "account", "email", NULL);
  self->remembered = g_key_file_get_boolean (keyfile, "account", "remembered", NULL);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_warning ("Could not save the app state: %s", error->message);
}

static void
save (XgSavedLogin *self)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autoptr(GFile) file = g_file_new_for_path (self->path);
  g_autoptr(GBytes) bytes = NULL;
  char *data;
  gsize len;

  g_key_file_set_string (keyfile, "account", "server", self->server ? self->server : "");
  g_key_file_set_string (keyfile, "account", "email", self->email ? self->email : "");
  g_key_file_set_boolean (keyfile, "account", "remembered", self->remembered);
  data = g_key_file_to_data (keyfile, &len, NULL);
  bytes = g_bytes_new_take (data, len);

  g_mkdir_with_parents (dir, 0700);
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                       NULL, on_saved, NULL);
}

/* --- The keyring --------------------------------------------------------------- */

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!xg_keyring_store_finish (result, &error))
    g_warning ("Could not save the login in the keyring: %s", error->message);
}

static void
on_cleared (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!xg_keyring_clear_finish (result, &error))
    g_warning ("Could not remove the saved login from the keyring: %s", error->message);
}

/**
 * xg_saved_login_forget:
 *
 * Takes the remembered login out of the keyring; the next start asks for
 * the password.
 */
void
xg_saved_login_forget (XgSavedLogin *self)
{
  g_return_if_fail (XG_IS_SAVED_LOGIN (self));

  if (!self->remembered)
    return;
  if (self->server != NULL && self->email != NULL)
    xg_keyring_clear_async (self->server, self->email, NULL, on_cleared, NULL);
  self->remembered = FALSE;
  save (self);
}

/* Another device has the account now, or nobody may use it, or the token
 * was refused: the saved token must not bring this device back by
 * itself. A lost heartbeat or a server shutdown would keep it (the
 * session reconnects by itself then, without a forced logout). */
static void
on_forced_logout (XgSession    *session,
                  guint         reason,
                  const char   *message,
                  XgSavedLogin *self)
{
  if (reason != XG_SESSION_ENDED_HEARTBEAT_LOST && reason != XG_SESSION_ENDED_SERVER_SHUTDOWN)
    xg_saved_login_forget (self);
}

/* A password change gave the session a new token (the old one is
 * revoked), or an address change a new address: a remembered login keeps
 * up, so that the next start resumes it. */
static void
on_login_changed (XgSession    *session,
                  XgSavedLogin *self)
{
  const char *email = xg_session_get_email (session);
  const char *token = xg_session_get_resume_token (session);

  if (self->remembered && token != NULL)
    {
      XgCredentials credentials = {
        .server = (char *) xg_session_get_server (session),
        .email = (char *) email,
        .account_id = xg_session_get_account_id (session),
        .token = (char *) token,
      };

      if (self->email != NULL && g_ascii_strcasecmp (self->email, email ? email : "") != 0)
        xg_keyring_clear_async (self->server, self->email, NULL, on_cleared, NULL);
      xg_keyring_store_async (&credentials, NULL, on_stored, NULL);
    }
  if (email != NULL && g_strcmp0 (self->email, email) != 0)
    {
      set_str (&self->email, email);
      save (self);
    }
}

/* The account is gone: nothing of its login stays. */
static void
on_account_deleted (XgSession    *session,
                    XgSavedLogin *self)
{
  xg_saved_login_forget (self);
}

static void
follow (XgSavedLogin *self,
        XgSession    *session)
{
  if (self->session == session)
    return;
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_object_remove_weak_pointer (G_OBJECT (self->session), (gpointer *) &self->session);
    }
  self->session = session;
  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &self->session);
  g_signal_connect (session, "forced-logout", G_CALLBACK (on_forced_logout), self);
  g_signal_connect (session, "login-changed", G_CALLBACK (on_login_changed), self);
  g_signal_connect (session, "account-deleted", G_CALLBACK (on_account_deleted), self);
}

/**
 * xg_saved_login_remember:
 * @session: a session the user just logged in
 * @remember: whether this login is to be kept ("remember me")
 *
 * A profile remembers one login: another account's token goes, and with
 * @remember this one's is kept in the keyring.
 */
void
xg_saved_login_remember (XgSavedLogin *self,
                         XgSession    *session,
                         gboolean      remember)
{
  const char *server, *email, *token;

  g_return_if_fail (XG_IS_SAVED_LOGIN (self));
  g_return_if_fail (XG_IS_SESSION (session));

  server = xg_session_get_server (session);
  email = xg_session_get_email (session);
  token = xg_session_get_resume_token (session);
  if (self->remembered
      && (!remember
          || g_strcmp0 (self->server, server) != 0
          || g_ascii_strcasecmp (self->email ? self->email : "", email ? email : "") != 0))
    xg_saved_login_forget (self);

  if (remember && token != NULL)
    {
      XgCredentials credentials = {
        .server = (char *) server,
        .email = (char *) email,
        .account_id = xg_session_get_account_id (session),
        .token = (char *) token,
      };

      xg_keyring_store_async (&credentials, NULL, on_stored, NULL);
    }

  set_str (&self->server, server);
  set_str (&self->email, email);
  self->remembered = remember && token != NULL;
  save (self);
  follow (self, session);
}

/**
 * xg_saved_login_resume:
 * @credentials: what xg_saved_login_lookup_finish() found
 *
 * The account's cached data shows at once and the session logs in with
 * the token by itself; a refused token forgets it (see the policy above).
 */
void
xg_saved_login_resume (XgSavedLogin        *self,
                       XgSession           *session,
                       const XgCredentials *credentials)
{
  g_return_if_fail (XG_IS_SAVED_LOGIN (self));
  g_return_if_fail (XG_IS_SESSION (session));
  g_return_if_fail (credentials != NULL);

  follow (self, session);
  xg_session_resume (session, credentials->email, credentials->account_id, credentials->token);
}

static void
on_looked_up (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  XgSavedLogin *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgCredentials) credentials = xg_keyring_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The keyring is shared by all profiles: only this profile's own. */
  if (credentials != NULL
      && g_ascii_strcasecmp (credentials->email, self->email ? self->email : "") != 0)
    g_clear_pointer (&credentials, xg_credentials_free);
  g_task_return_pointer (task, g_steal_pointer (&credentials), (GDestroyNotify) xg_credentials_free);
}

void
xg_saved_login_lookup_async (XgSavedLogin        *self,
                             const char          *server,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_SAVED_LOGIN (self));
  g_return_if_fail (server != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_saved_login_lookup_async);
  if (!self->remembered || g_strcmp0 (self->server, server) != 0)
    {
      g_task_return_pointer (task, NULL, NULL);
      g_object_unref (task);
      return;
    }
  xg_keyring_lookup_async (server, cancellable, on_looked_up, task);
}

/**
 * xg_saved_login_lookup_finish:
 *
 * Returns: (transfer full) (nullable): the remembered credentials, or %NULL
 */
XgCredentials *
xg_saved_login_lookup_finish (XgSavedLogin  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
xg_saved_login_get_server (XgSavedLogin *self)
{
  g_return_val_if_fail (XG_IS_SAVED_LOGIN (self), NULL);
  return self->server;
}

const char *
xg_saved_login_get_email (XgSavedLogin *self)
{
  g_return_val_if_fail (XG_IS_SAVED_LOGIN (self), NULL);
  return self->email;
}

gboolean
xg_saved_login_get_remembered (XgSavedLogin *self)
{
  g_return_val_if_fail (XG_IS_SAVED_LOGIN (self), FALSE);
  return self->remembered;
}

static void
xg_saved_login_dispose (GObject *object)
{
  XgSavedLogin *self = XG_SAVED_LOGIN (object);

  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_object_remove_weak_pointer (G_OBJECT (self->session), (gpointer *) &self->session);
      self->session = NULL;
    }

  G_OBJECT_CLASS (xg_saved_login_parent_class)->dispose (object);
}

static void
xg_saved_login_finalize (GObject *object)
{
  XgSavedLogin *self = XG_SAVED_LOGIN (object);

  g_free (self->path);
  g_free (self->server);
  g_free (self->email);

  G_OBJECT_CLASS (xg_saved_login_parent_class)->finalize (object);
}

static void
xg_saved_login_class_init (XgSavedLoginClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xg_saved_login_dispose;
  object_class->finalize = xg_saved_login_finalize;
}

static void
xg_saved_login_init (XgSavedLogin *self)
{
}

XgSavedLogin *
xg_saved_login_new (const char *state_path)
{
  XgSavedLogin *self;

  g_return_val_if_fail (state_path != NULL, NULL);

  self = g_object_new (XG_TYPE_SAVED_LOGIN, NULL);
  self->path = g_strdup (state_path);
  load (self);
  return self;
}
