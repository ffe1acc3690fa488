/* xg-server-store-login.c: a login's token and its whole sync in one store operation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Built from the domains' own parts (the accounts interface's token
 * methods, xg_server_store_friend_sync_run(), xg_server_store_group_sync_run(),
 * xg_server_store_chat_pending_run()), so every backend has it.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include "xg-server-store-login.h"

XgServerLogin *
xg_server_login_new (XgServerLoginMode  mode,
                     guint64            account_id,
                     GBytes            *token_hash,
                     gint64             now,
                     gint64             expires_at)
{
  XgServerLogin *login = g_new0 (XgServerLogin, 1);

  login->mode = mode;
  login->account_id = account_id;
  login->token_hash = g_bytes_ref (token_hash);
  login->now = now;
  login->expires_at = expires_at;
  return login;
}

void
xg_server_login_free (XgServerLogin *login)
{
  if (login == NULL)
    return;
  g_clear_pointer (&login->token_hash, g_bytes_unref);
  g_clear_pointer (&login->account, xg_server_account_free);
  g_clear_pointer (&login->friends, xg_server_friend_sync_free);
  g_clear_error (&login->friends_error);
  g_clear_pointer (&login->groups, xg_server_group_sync_free);
  g_clear_error (&login->groups_error);
  g_clear_pointer (&login->page, xg_server_message_page_free);
  g_clear_error (&login->page_error);
  g_free (login);
}

static gboolean
run_friends (XgServerStore *store, gpointer data, GError **error)
{
  XgServerLogin *login = data;

  login->friends = xg_server_store_friend_sync_run (store, login->account_id, &login->friend_rules, error);
  return login->friends != NULL;
}

static gboolean
run_groups (XgServerStore *store, gpointer data, GError **error)
{
  XgServerLogin *login = data;

  login->groups = xg_server_store_group_sync_run (store, login->account_id, &login->group_rules, error);
  return login->groups != NULL;
}

static gboolean
run_page (XgServerStore *store, gpointer data, GError **error)
{
  XgServerLogin *login = data;

  login->page = xg_server_store_chat_pending_run (store, login->account_id, &login->page_limits, TRUE, error);
  return login->page != NULL;
}

/* The token's part fails the operation (rolled back, LOGIN_FAIL); after
 * it, each part keeps its own error. */
static gboolean
run_login (XgServerStore *store, gpointer data, GError **error)
{
  XgServerLogin *login = data;
  XgServerStoreAccountsInterface *accounts = XG_SERVER_STORE_ACCOUNTS_GET_IFACE (store);

  if (login->mode == XG_SERVER_LOGIN_USE_TOKEN)
    {
      GError *local_error = NULL;

      login->account = accounts->use_token (XG_SERVER_STORE_ACCOUNTS (store), login->account_id,
                                            login->token_hash, login->now, login->expires_at,
                                            &login->expires_at, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      if (login->account == NULL || login->account->disabled)
        return TRUE;
    }
  else if (!accounts->put_token (XG_SERVER_STORE_ACCOUNTS (store), login->account_id, login->token_hash,
                                 login->now, login->expires_at, error))
    return FALSE;

  /* Each part keeps its own error, and needs no savepoint of its own:
   * it only reads, but for its last statement (the DELETE of the outcomes
   * it read, when it read any), and a statement that fails leaves
   * nothing behind. */
  login->synced = TRUE;
  xg_server_store_run_part (store, run_friends, login, &login->friends_error);
  xg_server_store_run_part (store, run_groups, login, &login->groups_error);
  xg_server_store_run_part (store, run_page, login, &login->page_error);
  return TRUE;
}

void
xg_server_store_login_async (XgServerStore       *self,
                             XgServerLogin       *login,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self) && XG_IS_SERVER_STORE_SOCIAL (self) &&
                    XG_IS_SERVER_STORE_GROUPS (self) && XG_IS_SERVER_STORE_MESSAGES (self));

  xg_server_store_queue (self, run_login, login, (GDestroyNotify) xg_server_login_free,
                         xg_server_store_login_async, callback, user_data);
}

XgServerLogin *
xg_server_store_login_finish (XgServerStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  return xg_server_store_finish_op (self, result, xg_server_store_login_async, error);
}
