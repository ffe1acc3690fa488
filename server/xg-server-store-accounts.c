/* xg-server-store-accounts.c: the accounts domain's closures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each _async function copies its arguments into a small struct of its
 * own, queues a run function that calls the backend's method on the
 * worker thread, and its _finish reads the results back from that struct.
 */
#define G_LOG_DOMAIN "xg-server-store"

#include "config.h"

#include <string.h>

#include "xg-server-store-accounts.h"

G_DEFINE_INTERFACE (XgServerStoreAccounts, xg_server_store_accounts, XG_TYPE_SERVER_STORE)

static void
xg_server_store_accounts_default_init (XgServerStoreAccountsInterface *iface)
{
}

void
xg_server_account_free (XgServerAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->email);
  g_free (account->nickname);
  g_free (account->password_hash);
  g_clear_pointer (&account->fields, g_variant_unref);
  g_free (account);
}

#define IFACE(store) XG_SERVER_STORE_ACCOUNTS_GET_IFACE (store)
#define ACCOUNTS(store) XG_SERVER_STORE_ACCOUNTS (store)

/* --- Accounts and profiles ----------------------------------------------- */

typedef struct {
  char            *email;
  guint64          id;
  char            *nickname;
  GVariant        *fields;
  XgServerAccount *account;     /* the result */
} AccountOp;

static void
account_op_free (AccountOp *op)
{
  g_free (op->email);
  g_free (op->nickname);
  g_clear_pointer (&op->fields, g_variant_unref);
  g_free (op);
}

static gboolean
run_account_by_email (XgServerStore *store, gpointer data, GError **error)
{
  AccountOp *op = data;
  GError *local_error = NULL;

  op->account = IFACE (store)->account_by_email (ACCOUNTS (store), op->email, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_account_by_id (XgServerStore *store, gpointer data, GError **error)
{
  AccountOp *op = data;
  GError *local_error = NULL;

  op->account = IFACE (store)->account_by_id (ACCOUNTS (store), op->id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_update_profile (XgServerStore *store, gpointer data, GError **error)
{
  AccountOp *op = data;

  op->account = IFACE (store)->update_profile (ACCOUNTS (store), op->id, op->nickname, op->fields, error);
  return op->account != NULL;
}

void
xg_server_store_account_by_email_async (XgServerStore       *self,
                                        const char          *email,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  AccountOp *op = g_new0 (AccountOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self));

  op->email = g_strdup (email);
  xg_server_store_queue (self, run_account_by_email, op, (GDestroyNotify) account_op_free,
                         xg_server_store_account_finish, callback, user_data);
}

void
xg_server_store_account_by_id_async (XgServerStore       *self,
                                     guint64              id,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  AccountOp *op = g_new0 (AccountOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self));

  op->id = id;
  xg_server_store_queue (self, run_account_by_id, op, (GDestroyNotify) account_op_free,
                         xg_server_store_account_finish, callback, user_data);
}

/**
 * xg_server_store_update_profile_async:
 * @nickname: (nullable): the new nickname, or %NULL to keep it
 * @fields: a{sv} of fields to set; a key whose value is an empty string or
 *   empty byte array is removed
 */
void
xg_server_store_update_profile_async (XgServerStore       *self,
                                      guint64              id,
                                      const char          *nickname,
                                      GVariant            *fields,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  AccountOp *op = g_new0 (AccountOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self));

  op->id = id;
  op->nickname = g_strdup (nickname);
  op->fields = g_variant_ref_sink (fields);
  xg_server_store_queue (self, run_update_profile, op, (GDestroyNotify) account_op_free,
                         xg_server_store_account_finish, callback, user_data);
}

XgServerAccount *
xg_server_store_account_finish (XgServerStore  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  AccountOp *op = xg_server_store_finish_op (self, result, xg_server_store_account_finish, error);

  return op ? g_steal_pointer (&op->account) : NULL;
}

/* --- Verification codes and registration -------------------------------- */

typedef struct {
  char                   *email;
  char                   *nickname;
  char                   *password_hash;
  GBytes                 *code_hash;
  gint64                  now;
  guint                   expiry;
  guint                   attempts;
  guint                   resend_interval;
  guint                   per_hour;
  XgServerCodePurpose     purpose;
  guint64                 account_id;

  XgServerCodeStatus      code_status;
  guint                   retry_after;
  XgServerRegisterResult  registered;
} CodeOp;

static void
code_op_free (CodeOp *op)
{
  g_free (op->email);
  g_free (op->nickname);
  g_free (op->password_hash);
  g_clear_pointer (&op->code_hash, g_bytes_unref);
  g_free (op);
}

static gboolean
run_issue_code (XgServerStore *store, gpointer data, GError **error)
{
  CodeOp *op = data;
  XgServerCodeRequest request = {
    .email = op->email,
    .code_hash = op->code_hash,
    .now = op->now,
    .expiry = op->expiry,
    .attempts = op->attempts,
    .resend_interval = op->resend_interval,
    .per_hour = op->per_hour,
    .purpose = op->purpose,
    .account_id = op->account_id,
  };

  return IFACE (store)->issue_code (ACCOUNTS (store), &request, &op->code_status,
                                    &op->retry_after, error);
}

void
xg_server_store_issue_code_async (XgServerStore              *self,
                                  const XgServerCodeRequest  *request,
                                  GAsyncReadyCallback         callback,
                                  gpointer                    user_data)
{
  CodeOp *op = g_new0 (CodeOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self));

  op->email = g_strdup (request->email);
  op->code_hash = g_bytes_ref (request->code_hash);
  op->now = request->now;
  op->expiry = request->expiry;
  op->attempts = request->attempts;
  op->resend_interval = request->resend_interval;
  op->per_hour = request->per_hour;
  op->purpose = request->purpose;
  op->account_id = request->account_id;
  xg_server_store_queue (self, run_issue_code, op, (GDestroyNotify) code_op_free,
                         xg_server_store_issue_code_async, callback, user_data);
}

gboolean
xg_server_store_issue_code_finish (XgServerStore       *self,
                                   GAsyncResult        *result,
                                   XgServerCodeStatus  *status,
                                   guint               *retry_after,
                                   GError             **error)
{
  CodeOp *op = xg_server_store_finish_op (self, result, xg_server_store_issue_code_async, error);

  if (op == NULL)
    return FALSE;
  *status = op->code_status;
  *retry_after = op->retry_after;
  return TRUE;
}

static gboolean
run_register (XgServerStore *store, gpointer data, GError **error)
{
  CodeOp *op = data;
  XgServerRegistration registration = {
    .email = op->email,
    .nickname = op->nickname,
    .password_hash = op->password_hash,
    .code_hash = op->code_hash,
    .now = op->now,
  };

  return IFACE (store)->register_account (ACCOUNTS (store), &registration, &op->registered, error);
}

void
xg_server_store_register_async (XgServerStore               *self,
                                const XgServerRegistration  *registration,
                                GAsyncReadyCallback          callback,
                                gpointer                     user_data)
{
  CodeOp *op = g_new0 (CodeOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self));

  op->email = g_strdup (registration->email);
  op->nickname = g_strdup (registration->nickname);
  op->password_hash = g_strdup (registration->password_hash);
  op->code_hash = g_bytes_ref (registration->code_hash);
  op->now = registration->now;
  xg_server_store_queue (self, run_register, op, (GDestroyNotify) code_op_free,
                         xg_server_store_register_async, callback, user_data);
}

gboolean
xg_server_store_register_finish (XgServerStore           *self,
                                 GAsyncResult            *result,
                                 XgServerRegisterResult  *out,
                                 GError                 **error)
{
  CodeOp *op = xg_server_store_finish_op (self, result, xg_server_store_register_async, error);

  if (op == NULL)
    return FALSE;
  *out = op->registered;
  return TRUE;
}

/* --- Resume tokens ------------------------------------------------------- */

typedef struct {
  guint64   account_id;
  GBytes   *token_hash;
  gint64    now;
  gint64    expires_at;
  char     *password_hash;  /* change_password only */
  gboolean  valid;      /* the result */
} TokenOp;

static void
token_op_free (TokenOp *op)
{
  g_free (op->password_hash);
  g_clear_pointer (&op->token_hash, g_bytes_unref);
  g_free (op);
}

static gboolean
run_put_token (XgServerStore *store, gpointer data, GError **error)
{
  TokenOp *op = data;

  op->valid = IFACE (store)->put_token (ACCOUNTS (store), op->account_id, op->token_hash, op->now,
                                        op->expires_at, error);
  return op->valid;
}

static gboolean
run_revoke_token (XgServerStore *store, gpointer data, GError **error)
{
  TokenOp *op = data;

  op->valid = IFACE (store)->revoke_token (ACCOUNTS (store), op->token_hash, error);
  return op->valid;
}

static void
queue_token_op (XgServerStore       *self,
                XgServerStoreRun     run,
                guint64              account_id,
                GBytes              *token_hash,
                gint64               now,
                gint64               expires_at,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  TokenOp *op = g_new0 (TokenOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self));

  op->account_id = account_id;
  op->token_hash = g_bytes_ref (token_hash);
  op->now = now;
  op->expires_at = expires_at;
  xg_server_store_queue (self, run, op, (GDestroyNotify) token_op_free,
                         xg_server_store_boolean_finish, callback, user_data);
}

void
xg_server_store_put_token_async (XgServerStore       *self,
                                 guint64              account_id,
                                 GBytes              *token_hash,
                                 gint64               now,
                                 gint64               expires_at,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  queue_token_op (self, run_put_token, account_id, token_hash, now, expires_at, callback, user_data);
}

void
xg_server_store_revoke_token_async (XgServerStore       *self,
                                    GBytes              *token_hash,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  queue_token_op (self, run_revoke_token, 0, token_hash, 0, 0, callback, user_data);
}

gboolean
xg_server_store_boolean_finish (XgServerStore  *self,
                                GAsyncResult   *result,
                                GError        **error)
{
  TokenOp *op = xg_server_store_finish_op (self, result, xg_server_store_boolean_finish, error);

  return op != NULL && op->valid;
}

/* --- Account life -------------------------------------------------------- */

void
xg_server_account_deletion_clear (XgServerAccountDeletion *deletion)
{
  g_clear_pointer (&deletion->friends, g_array_unref);
  g_clear_pointer (&deletion->requesters, g_array_unref);
  g_clear_pointer (&deletion->targets, g_array_unref);
  g_clear_pointer (&deletion->groups, g_ptr_array_unref);
}

typedef struct {
  guint64                  account_id;
  char                    *email;
  char                    *password_hash;
  GBytes                  *code_hash;
  GBytes                  *token_hash;
  gint64                   now;
  gint64                   expires_at;

  XgServerRegisterResult   result;
  char                    *old_email;
  gboolean                 done;
  XgServerAccountDeletion  deletion;
} LifeOp;

static void
life_op_free (LifeOp *op)
{
  g_free (op->email);
  g_free (op->password_hash);
  g_clear_pointer (&op->code_hash, g_bytes_unref);
  g_clear_pointer (&op->token_hash, g_bytes_unref);
  g_free (op->old_email);
  xg_server_account_deletion_clear (&op->deletion);
  g_free (op);
}

static gboolean
run_reset_password (XgServerStore *store, gpointer data, GError **error)
{
  LifeOp *op = data;
  XgServerPasswordReset reset = {
    .email = op->email,
    .code_hash = op->code_hash,
    .password_hash = op->password_hash,
    .now = op->now,
  };

  return IFACE (store)->reset_password (ACCOUNTS (store), &reset, &op->result, error);
}

void
xg_server_store_reset_password_async (XgServerStore                *self,
                                      const XgServerPasswordReset  *reset,
                                      GAsyncReadyCallback           callback,
                                      gpointer                      user_data)
{
  LifeOp *op = g_new0 (LifeOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self));

  op->email = g_strdup (reset->email);
  op->code_hash = g_bytes_ref (reset->code_hash);
  op->password_hash = g_strdup (reset->password_hash);
  op->now = reset->now;
  xg_server_store_queue (self, run_reset_password, op, (GDestroyNotify) life_op_free,
                         xg_server_store_code_result_finish, callback, user_data);
}

static gboolean
run_change_email (XgServerStore *store, gpointer data, GError **error)
{
  LifeOp *op = data;

  return IFACE (store)->change_email (ACCOUNTS (store), op->account_id, op->email, op->code_hash,
                                      op->now, &op->result, &op->old_email, error);
}

void
xg_server_store_change_email_async (XgServerStore       *self,
                                    guint64              account_id,
                                    const char          *new_email,
                                    GBytes              *code_hash,
                                    gint64               now,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  LifeOp *op = g_new0 (LifeOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self));

  op->account_id = account_id;
  op->email = g_strdup (new_email);
  op->code_hash = g_bytes_ref (code_hash);
  op->now = now;
  xg_server_store_queue (self, run_change_email, op, (GDestroyNotify) life_op_free,
                         xg_server_store_code_result_finish, callback, user_data);
}

gboolean
xg_server_store_code_result_finish (XgServerStore           *self,
                                    GAsyncResult            *result,
                                    XgServerRegisterResult  *out,
                                    char                   **old_email,
                                    GError                 **error)
{
  LifeOp *op = xg_server_store_finish_op (self, result, xg_server_store_code_result_finish, error);

  if (op == NULL)
    return FALSE;
  *out = op->result;
  if (old_email != NULL)
    *old_email = g_steal_pointer (&op->old_email);
  return TRUE;
}

static gboolean
run_change_password (XgServerStore *store, gpointer data, GError **error)
{
  TokenOp *op = data;

  op->valid = IFACE (store)->change_password (ACCOUNTS (store), op->account_id, op->password_hash,
                                              op->token_hash, op->now, op->expires_at, error);
  return op->valid;
}

void
xg_server_store_change_password_async (XgServerStore       *self,
                                       guint64              account_id,
                                       const char          *password_hash,
                                       GBytes              *token_hash,
                                       gint64               now,
                                       gint64               expires_at,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  TokenOp *op = g_new0 (TokenOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self));

  op->account_id = account_id;
  op->password_hash = g_strdup (password_hash);
  op->token_hash = g_bytes_ref (token_hash);
  op->now = now;
  op->expires_at = expires_at;
  xg_server_store_queue (self, run_change_password, op, (GDestroyNotify) token_op_free,
                         xg_server_store_boolean_finish, callback, user_data);
}

static gboolean
run_delete_account (XgServerStore *store, gpointer data, GError **error)
{
  LifeOp *op = data;

  return IFACE (store)->delete_account (ACCOUNTS (store), op->account_id, &op->deletion, error);
}

void
xg_server_store_delete_account_async (XgServerStore       *self,
                                      guint64              account_id,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  LifeOp *op = g_new0 (LifeOp, 1);

  g_return_if_fail (XG_IS_SERVER_STORE_ACCOUNTS (self));

  op->account_id = account_id;
  xg_server_store_queue (self, run_delete_account, op, (GDestroyNotify) life_op_free,
                         xg_server_store_delete_account_async, callback, user_data);
}

gboolean
xg_server_store_delete_account_finish (XgServerStore            *self,
                                       GAsyncResult             *result,
                                       XgServerAccountDeletion  *out,
                                       GError                  **error)
{
  LifeOp *op = xg_server_store_finish_op (self, result, xg_server_store_delete_account_async, error);

  if (op == NULL)
    return FALSE;
  *out = op->deletion;
  memset (&op->deletion, 0, sizeof op->deletion);
  return TRUE;
}
