/* xg-server-store-login.h: a login's token and its whole sync in one store operation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * TOKEN_LOGIN checks the token, reads the account and reads everything
 * the login sync sends (docs/PROTOCOL.md 3.7: the friends' part, the
 * groups' part, the receipts and the first page of the backlog) in one
 * operation, so that a login is one round trip to the store's thread; a
 * password LOGIN stores its new token and reads the sync the same way.
 * Each part of the sync fails on its own, as it did when each was an
 * operation: the session has begun by then, and the part that failed
 * closes it (xg-server-accounts.c). The parts only read, but for one last
 * statement each, so they need no savepoints of their own.
 */
#pragma once

#include "xg-server-store-accounts.h"
#include "xg-server-store-groups.h"
#include "xg-server-store-messages.h"
#include "xg-server-store-social.h"

G_BEGIN_DECLS

typedef enum {
  XG_SERVER_LOGIN_USE_TOKEN,   /* TOKEN_LOGIN: check the token, read the account */
  XG_SERVER_LOGIN_PUT_TOKEN,   /* LOGIN, the password checked: store the new token */
} XgServerLoginMode;

typedef struct _XgServerLogin XgServerLogin;

struct _XgServerLogin
{
  /* Asked, filled by the caller */
  XgServerLoginMode     mode;
  guint64               account_id;
  GBytes               *token_hash;     /* owned */
  gint64                now;            /* seconds */
  gint64                expires_at;     /* the new expiry; USE_TOKEN: afterwards the token's */
  XgServerFriendRules   friend_rules;
  XgServerGroupRules    group_rules;
  XgServerPageLimits    page_limits;

  /* Found */
  XgServerAccount      *account;        /* USE_TOKEN: NULL when the token is not valid */
  gboolean              synced;         /* the parts below were read: a live, enabled account */
  XgServerFriendSync   *friends;        /* NULL with @friends_error when that part failed */
  GError               *friends_error;
  XgServerGroupSync    *groups;
  GError               *groups_error;
  XgServerMessagePage  *page;           /* the receipts and the first page */
  GError               *page_error;
};

XgServerLogin *xg_server_login_new               (XgServerLoginMode    mode,
                                                  guint64              account_id,
                                                  GBytes              *token_hash,
                                                  gint64               now,
                                                  gint64               expires_at);
void           xg_server_login_free              (XgServerLogin       *login);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerLogin, xg_server_login_free)

/* @login: (transfer full): its rules and limits filled in */
void           xg_server_store_login_async       (XgServerStore       *self,
                                                  XgServerLogin       *login,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* Returns: (transfer none): the login, valid as long as @result; NULL
 * with @error set when the token's part (or the commit) failed */
XgServerLogin *xg_server_store_login_finish      (XgServerStore       *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

G_END_DECLS
