/* xg-server-crypto.h: passwords, codes and tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define XG_SERVER_SECRET_SIZE 32
#define XG_SERVER_TOKEN_SIZE  32

gboolean xg_server_crypto_init        (GError       **error);
gboolean xg_server_load_secret        (const char    *path,
                                       guint8         key[XG_SERVER_SECRET_SIZE],
                                       GError       **error);
void     xg_server_random_code        (char           code[7]);
GBytes  *xg_server_hash_code          (const guint8   key[XG_SERVER_SECRET_SIZE],
                                       const char    *email,
                                       const char    *code);
GBytes  *xg_server_new_token          (void);
GBytes  *xg_server_hash_token         (GBytes        *token);

/* Argon2id (19 MiB, 2 passes, 1 lane) on a pool of worker threads. */
#define XG_TYPE_SERVER_HASHER (xg_server_hasher_get_type ())
G_DECLARE_FINAL_TYPE (XgServerHasher, xg_server_hasher, XG, SERVER_HASHER, GObject)

XgServerHasher *xg_server_hasher_new           (guint                max_in_flight);
gboolean        xg_server_hasher_is_busy       (XgServerHasher      *self);
void            xg_server_hasher_hash_async    (XgServerHasher      *self,
                                                const char          *password,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
char           *xg_server_hasher_hash_finish   (XgServerHasher      *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void            xg_server_hasher_verify_async  (XgServerHasher      *self,
                                                const char          *hash,
                                                const char          *password,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean        xg_server_hasher_verify_finish (XgServerHasher      *self,
                                                GAsyncResult        *result);

G_END_DECLS
