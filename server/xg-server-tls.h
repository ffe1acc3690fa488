/* xg-server-tls.h: the server's certificate and its TLS sessions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gnutls/gnutls.h>

G_BEGIN_DECLS

/* What every TLS session of the server shares, made once at start. */
typedef struct {
  gnutls_certificate_credentials_t credentials;
  gnutls_priority_t                priority;
  gnutls_datum_t                   ticket_key;
} XgServerTls;

XgServerTls      *xg_server_tls_new          (const char   *tls_dir,
                                              const char   *cert_file,
                                              const char   *key_file,
                                              gboolean      allow_tls_1_2,
                                              GError      **error);
void              xg_server_tls_free         (XgServerTls  *self);
gnutls_session_t  xg_server_tls_session_new  (XgServerTls  *self,
                                              int           fd,
                                              GError      **error);
char             *xg_server_tls_fingerprint  (XgServerTls  *self);

G_END_DECLS
