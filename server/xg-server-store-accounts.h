/* xg-server-store-accounts.h: the accounts domain of the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Accounts, verification codes, registration, resume tokens and profiles.
 * A backend implements XgServerStoreAccounts; its methods run only on the
 * store's worker thread, inside a savepoint (xg-server-store.h). Callers
 * use the _async/_finish wrappers below, which queue them as closures.
 */
#pragma once

#include "xg-server-store.h"

G_BEGIN_DECLS

/* A TOKEN_LOGIN renews the token's expiry only when the stored one is more
 * than this many seconds short of a full lifetime: at most one write a day
 * per token however often its client reconnects (docs/PROTOCOL.md 3.2). */
#define XG_SERVER_TOKEN_RENEW_AFTER (24 * 3600)

typedef struct {
  guint64   id;
  char     *email;
  char     *nickname;
  char     *password_hash;   /* Argon2id PHC string */
  GVariant *fields;          /* a{sv}: the customizable profile fields */
  gboolean  disabled;
} XgServerAccount;

void             xg_server_account_free (XgServerAccount *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerAccount, xg_server_account_free)

/* What a code is for; each kind has its own row per address. */
typedef enum {
  XG_SERVER_CODE_REGISTER       = 0,
  XG_SERVER_CODE_PASSWORD_RESET = 1,
  XG_SERVER_CODE_EMAIL_CHANGE   = 2,
} XgServerCodePurpose;

typedef struct {
  const char *email;
  GBytes     *code_hash;
  gint64      now;              /* seconds since the epoch */
  guint       expiry;           /* seconds */
  guint       attempts;
  guint       resend_interval;  /* seconds */
  guint       per_hour;
  XgServerCodePurpose purpose;  /* 0, registration, unless set */
  guint64     account_id;       /* EMAIL_CHANGE: the account that asks */
} XgServerCodeRequest;

typedef enum {
  XG_SERVER_CODE_ISSUED,
  XG_SERVER_CODE_TOO_SOON,      /* retry_after: until the resend interval is over */
  XG_SERVER_CODE_TOO_MANY,      /* retry_after: until the hourly window ends */
} XgServerCodeStatus;

typedef struct {
  const char *email;
  const char *nickname;
  const char *password_hash;
  GBytes     *code_hash;
  gint64      now;
} XgServerRegistration;

typedef enum {
  XG_SERVER_REGISTER_OK,
  XG_SERVER_REGISTER_CODE_INCORRECT,  /* attempts_left says how many remain */
  XG_SERVER_REGISTER_NO_CODE,         /* none requested, or it expired */
  XG_SERVER_REGISTER_CODE_EXHAUSTED,  /* no attempts left */
  XG_SERVER_REGISTER_EMAIL_TAKEN,
} XgServerRegisterStatus;

typedef struct {
  XgServerRegisterStatus status;
  guint64                account_id;
  guint                  attempts_left;
} XgServerRegisterResult;

/* PASSWORD_RESET: the code for @email and the new password's hash; the
 * result is an XgServerRegisterResult (EMAIL_TAKEN unused, NO_CODE also
 * when the address has no account). */
typedef struct {
  const char *email;
  GBytes     *code_hash;
  const char *password_hash;
  gint64      now;
} XgServerPasswordReset;

/* What ACCOUNT_DELETE took away, for the pushes after the commit. */
typedef struct {
  GArray *friends;      /* guint64: the deleted account's friends */
  GArray *requesters;   /* guint64: whose pending requests to it were dropped */
  GArray *targets;      /* guint64: to whom its pending requests were dropped */
  GPtrArray *groups;    /* XgServerGroupChange (xg-server-store-groups.h): each group it left */
} XgServerAccountDeletion;

void xg_server_account_deletion_clear (XgServerAccountDeletion *deletion);

#define XG_TYPE_SERVER_STORE_ACCOUNTS (xg_server_store_accounts_get_type ())
G_DECLARE_INTERFACE (XgServerStoreAccounts, xg_server_store_accounts, XG, SERVER_STORE_ACCOUNTS, XgServerStore)

struct _XgServerStoreAccountsInterface
{
  GTypeInterface g_iface;

  /* A lookup that finds nothing returns NULL without an error. */
  XgServerAccount * (*account_by_email) (XgServerStoreAccounts  *self,
                                         const char             *email,
                                         GError                **error);
  XgServerAccount * (*account_by_id)    (XgServerStoreAccounts  *self,
                                         guint64                 id,
                                         GError                **error);
  gboolean          (*issue_code)       (XgServerStoreAccounts      *self,
                                         const XgServerCodeRequest  *request,
                                         XgServerCodeStatus         *status,
                                         guint                      *retry_after,
                                         GError                    **error);
  gboolean          (*register_account) (XgServerStoreAccounts       *self,
                                         const XgServerRegistration  *registration,
                                         XgServerRegisterResult      *result,
                                         GError                     **error);
  /* The account as stored afterwards; NULL with @error if it does not exist. */
  XgServerAccount * (*update_profile)   (XgServerStoreAccounts  *self,
                                         guint64                 id,
                                         const char             *nickname,
                                         GVariant               *fields,
                                         GError                **error);
  gboolean          (*put_token)        (XgServerStoreAccounts  *self,
                                         guint64                 account_id,
                                         GBytes                 *token_hash,
                                         gint64                  now,
                                         gint64                  expires_at,
                                         GError                **error);
  /* TOKEN_LOGIN in one job: finds a live token of @account_id and reads
   * the account. The expiry moves to @new_expires_at only if that is more
   * than XG_SERVER_TOKEN_RENEW_AFTER later than the stored one, so that
   * frequent reconnects write nothing. NULL without @error: no such live
   * token, or no such account; @expires_at gets the expiry as stored now. */
  XgServerAccount * (*use_token)        (XgServerStoreAccounts  *self,
                                         guint64                 account_id,
                                         GBytes                 *token_hash,
                                         gint64                  now,
                                         gint64                  new_expires_at,
                                         gint64                 *expires_at,
                                         GError                **error);
  gboolean          (*revoke_token)     (XgServerStoreAccounts  *self,
                                         GBytes                 *token_hash,
                                         GError                **error);
  /* Account life (docs/PROTOCOL.md 3.8). Each is one transaction. */
  gboolean          (*reset_password)   (XgServerStoreAccounts        *self,
                                         const XgServerPasswordReset  *reset,
                                         XgServerRegisterResult       *result,
                                         GError                      **error);
  /* Replaces the hash, revokes every token and stores @token_hash. */
  gboolean          (*change_password)  (XgServerStoreAccounts  *self,
                                         guint64                 account_id,
                                         const char             *password_hash,
                                         GBytes                 *token_hash,
                                         gint64                  now,
                                         gint64                  expires_at,
                                         GError                **error);
  /* The code for @new_email must be @account_id's; on OK @old_email is set. */
  gboolean          (*change_email)     (XgServerStoreAccounts   *self,
                                         guint64                  account_id,
                                         const char              *new_email,
                                         GBytes                  *code_hash,
                                         gint64                   now,
                                         XgServerRegisterResult  *result,
                                         char                   **old_email,
                                         GError                 **error);
  gboolean          (*delete_account)   (XgServerStoreAccounts    *self,
                                         guint64                   account_id,
                                         XgServerAccountDeletion  *deletion,
                                         GError                  **error);
};

void     xg_server_store_account_by_email_async (XgServerStore       *self,
                                                 const char          *email,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void     xg_server_store_account_by_id_async    (XgServerStore       *self,
                                                 guint64              id,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void     xg_server_store_update_profile_async   (XgServerStore       *self,
                                                 guint64              id,
                                                 const char          *nickname,
                                                 GVariant            *fields,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Finishes the three above: the account, or NULL (with @error set only on failure). */
XgServerAccount *xg_server_store_account_finish (XgServerStore  *self,
                                                 GAsyncResult   *result,
                                                 GError        **error);

void     xg_server_store_issue_code_async       (XgServerStore              *self,
                                                 const XgServerCodeRequest  *request,
                                                 GAsyncReadyCallback         callback,
                                                 gpointer                    user_data);
gboolean xg_server_store_issue_code_finish      (XgServerStore       *self,
                                                 GAsyncResult        *result,
                                                 XgServerCodeStatus  *status,
                                                 guint               *retry_after,
                                                 GError             **error);

void     xg_server_store_register_async         (XgServerStore               *self,
                                                 const XgServerRegistration  *registration,
                                                 GAsyncReadyCallback          callback,
                                                 gpointer                     user_data);
gboolean xg_server_store_register_finish        (XgServerStore           *self,
                                                 GAsyncResult            *result,
                                                 XgServerRegisterResult  *out,
                                                 GError                 **error);

void     xg_server_store_put_token_async        (XgServerStore       *self,
                                                 guint64              account_id,
                                                 GBytes              *token_hash,
                                                 gint64               now,
                                                 gint64               expires_at,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void     xg_server_store_revoke_token_async     (XgServerStore       *self,
                                                 GBytes              *token_hash,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Finishes put_token and revoke_token. */
gboolean xg_server_store_boolean_finish         (XgServerStore  *self,
                                                 GAsyncResult   *result,
                                                 GError        **error);

void     xg_server_store_reset_password_async   (XgServerStore                *self,
                                                 const XgServerPasswordReset  *reset,
                                                 GAsyncReadyCallback           callback,
                                                 gpointer                      user_data);
void     xg_server_store_change_email_async     (XgServerStore       *self,
                                                 guint64              account_id,
                                                 const char          *new_email,
                                                 GBytes              *code_hash,
                                                 gint64               now,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Finishes the two above; @old_email (nullable) gets the address an
 * address change replaced, or the reset account's address. */
gboolean xg_server_store_code_result_finish     (XgServerStore           *self,
                                                 GAsyncResult            *result,
                                                 XgServerRegisterResult  *out,
                                                 char                   **old_email,
                                                 GError                 **error);

void     xg_server_store_change_password_async  (XgServerStore       *self,
                                                 guint64              account_id,
                                                 const char          *password_hash,
                                                 GBytes              *token_hash,
                                                 gint64               now,
                                                 gint64               expires_at,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Finished with xg_server_store_boolean_finish(). */

void     xg_server_store_delete_account_async   (XgServerStore       *self,
                                                 guint64              account_id,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean xg_server_store_delete_account_finish  (XgServerStore            *self,
                                                 GAsyncResult             *result,
                                                 XgServerAccountDeletion  *out,
                                                 GError                  **error);

G_END_DECLS
