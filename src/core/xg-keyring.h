/* xg-keyring.h: resume tokens in the system keyring (libsecret, async only)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Schema "io.github.xinge.Xinge" with attributes "server" ("host:port")
 * and "email"; the secret is the resume token in base64, with the account
 * id kept as a third attribute "account". The password is never stored.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define XG_KEYRING_SCHEMA_NAME "io.github.xinge.Xinge"

typedef struct {
  char    *server;
  char    *email;
  guint64  account_id;
  char    *token;      /* base64 of the 32-byte resume token */
} XgCredentials;

void           xg_credentials_free          (XgCredentials        *credentials);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgCredentials, xg_credentials_free)

void           xg_keyring_store_async       (const XgCredentials  *credentials,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean       xg_keyring_store_finish      (GAsyncResult         *result,
                                             GError              **error);
/* The credentials stored for @server (any email), most recent first;
 * NULL from finish when there are none. */
void           xg_keyring_lookup_async      (const char           *server,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
XgCredentials *xg_keyring_lookup_finish     (GAsyncResult         *result,
                                             GError              **error);
void           xg_keyring_clear_async       (const char           *server,
                                             const char           *email,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean       xg_keyring_clear_finish      (GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS
