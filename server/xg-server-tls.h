/* xg-server-tls.h: the server's certificate
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GTlsCertificate *xg_server_tls_load_or_create (const char       *tls_dir,
                                               const char       *cert_file,
                                               const char       *key_file,
                                               GError          **error);
char            *xg_server_tls_fingerprint    (GTlsCertificate  *certificate);
void             xg_server_tls_set_versions   (gboolean          allow_tls_1_2);

G_END_DECLS
