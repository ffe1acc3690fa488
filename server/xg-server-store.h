/* xg-server-store.h: what the server keeps on disk, behind one interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * XgServerStore is the extension point for storage backends (SQLite today,
 * PostgreSQL later). The base class owns the threading: every operation is
 * queued to one worker thread, which runs whatever is queued as one batch in
 * one transaction (group commit: many operations, one fsync), each in its own
 * savepoint, and completes the callers' GTasks only after the commit. A
 * backend implements the synchronous vfuncs below; they are only ever called
 * on the worker thread.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

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

typedef struct {
  const char *email;
  GBytes     *code_hash;
  gint64      now;              /* seconds since the epoch */
  guint       expiry;           /* seconds */
  guint       attempts;
  guint       resend_interval;  /* seconds */
  guint       per_hour;
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

#define XG_SERVER_STORE_ERROR (xg_server_store_error_quark ())
GQuark xg_server_store_error_quark (void);

typedef enum {
  XG_SERVER_STORE_ERROR_FAILED,
  XG_SERVER_STORE_ERROR_CORRUPT,
  XG_SERVER_STORE_ERROR_TOO_NEW,    /* written by a newer server */
  XG_SERVER_STORE_ERROR_CLOSED,
} XgServerStoreError;

#define XG_TYPE_SERVER_STORE (xg_server_store_get_type ())
G_DECLARE_DERIVABLE_TYPE (XgServerStore, xg_server_store, XG, SERVER_STORE, GObject)

struct _XgServerStoreClass
{
  GObjectClass parent_class;

  /* Transactions, on the worker thread. */
  gboolean          (*begin)             (XgServerStore  *self,
                                          GError        **error);
  gboolean          (*commit)            (XgServerStore  *self,
                                          GError        **error);
  void              (*rollback)          (XgServerStore  *self);
  gboolean          (*savepoint)         (XgServerStore  *self,
                                          GError        **error);
  void              (*release)           (XgServerStore  *self,
                                          gboolean        keep);
  void              (*close)             (XgServerStore  *self);

  /* Operations, on the worker thread, inside a savepoint. A lookup that
   * finds nothing returns NULL without an error. */
  XgServerAccount * (*account_by_email)  (XgServerStore  *self,
                                          const char     *email,
                                          GError        **error);
  XgServerAccount * (*account_by_id)     (XgServerStore  *self,
                                          guint64         id,
                                          GError        **error);
  gboolean          (*issue_code)        (XgServerStore              *self,
                                          const XgServerCodeRequest  *request,
                                          XgServerCodeStatus         *status,
                                          guint                      *retry_after,
                                          GError                    **error);
  gboolean          (*register_account)  (XgServerStore               *self,
                                          const XgServerRegistration  *registration,
                                          XgServerRegisterResult      *result,
                                          GError                     **error);
  XgServerAccount * (*update_profile)    (XgServerStore  *self,
                                          guint64         id,
                                          const char     *nickname,
                                          GVariant       *fields,
                                          GError        **error);
  gboolean          (*put_token)         (XgServerStore  *self,
                                          guint64         account_id,
                                          GBytes         *token_hash,
                                          gint64          now,
                                          gint64          expires_at,
                                          GError        **error);
  gboolean          (*use_token)         (XgServerStore  *self,
                                          guint64         account_id,
                                          GBytes         *token_hash,
                                          gint64          now,
                                          gint64          new_expires_at,
                                          gboolean       *valid,
                                          GError        **error);
  gboolean          (*revoke_token)      (XgServerStore  *self,
                                          GBytes         *token_hash,
                                          GError        **error);

  gpointer padding[8];
};

/* Starts the worker thread; call once the backend is open. */
void     xg_server_store_start                 (XgServerStore  *self);
/* Finishes everything queued, stops the worker and closes the backend. */
void     xg_server_store_stop                  (XgServerStore  *self);

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
void     xg_server_store_use_token_async        (XgServerStore       *self,
                                                 guint64              account_id,
                                                 GBytes              *token_hash,
                                                 gint64               now,
                                                 gint64               new_expires_at,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void     xg_server_store_revoke_token_async     (XgServerStore       *self,
                                                 GBytes              *token_hash,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* Finishes the three above; for use_token, FALSE without @error means the
 * token is unknown, expired or revoked. */
gboolean xg_server_store_boolean_finish         (XgServerStore  *self,
                                                 GAsyncResult   *result,
                                                 GError        **error);

G_END_DECLS
