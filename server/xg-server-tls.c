/* xg-server-tls.c: the server's certificate, self-signed on first start
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "xg-proto.h"
#include "xg-server-tls.h"

#define VALIDITY_DAYS (10 * 365)

static gboolean
gnutls_failed (int          rc,
               const char  *what,
               GError     **error)
{
  if (rc >= 0)
    return FALSE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot %s: %s", what, gnutls_strerror (rc));
  return TRUE;
}

/* Writes @data to @path atomically with mode 0600. */
static gboolean
write_private (const char      *path,
               const gnutls_datum_t *data,
               GError         **error)
{
  return g_file_set_contents_full (path, (const char *) data->data, data->size,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/* An ECDSA P-256 key and a certificate for "localhost", 127.0.0.1, ::1
 * and this host's name, valid for ten years. */
static gboolean
create_self_signed (const char  *cert_path,
                    const char  *key_path,
                    GError     **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t key_pem = { NULL, 0 }, crt_pem = { NULL, 0 };
  const char *host = g_get_host_name ();
  const guint8 ipv4[4] = { 127, 0, 0, 1 };
  guint8 ipv6[16] = { 0 };
  guint8 serial[16];
  time_t now = time (NULL);
  gboolean ok = FALSE;

  ipv6[15] = 1;
  gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] &= 0x7f;   /* a positive serial number */

  if (gnutls_failed (gnutls_x509_privkey_init (&key), "create a key", error) ||
      gnutls_failed (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                                   GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
                     "generate a key", error) ||
      gnutls_failed (gnutls_x509_crt_init (&crt), "create a certificate", error) ||
      gnutls_failed (gnutls_x509_crt_set_version (crt, 3), "set the certificate version", error) ||
      gnutls_failed (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "set the serial", error) ||
      gnutls_failed (gnutls_x509_crt_set_activation_time (crt, now - 24 * 3600), "set the start date", error) ||
      gnutls_failed (gnutls_x509_crt_set_expiration_time (crt, now + (time_t) VALIDITY_DAYS * 24 * 3600),
                     "set the end date", error) ||
      gnutls_failed (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, host, strlen (host)),
                     "set the name", error) ||
      gnutls_failed (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                                    "Xinge server (self-signed)", 26),
                     "set the organisation", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                                           GNUTLS_FSAN_APPEND), "add a name", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, host, strlen (host),
                                                           GNUTLS_FSAN_APPEND), "add a name", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, ipv4, sizeof ipv4,
                                                           GNUTLS_FSAN_APPEND), "add an address", error) ||
      gnutls_failed (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS, ipv6, sizeof ipv6,
                                                           GNUTLS_FSAN_APPEND), "add an address", error) ||
      gnutls_failed (gnutls_x509_crt_set_basic_constraints (crt, 0, -1), "set constraints", error) ||
      gnutls_failed (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "set the key usage", error) ||
      gnutls_failed (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
                     "set the key purpose", error) ||
      gnutls_failed (gnutls_x509_crt_set_key (crt, key), "attach the key", error) ||
      gnutls_failed (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "sign the certificate", error) ||
      gnutls_failed (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &key_pem),
                     "export the key", error) ||
      gnutls_failed (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &crt_pem), "export the certificate", error))
    goto out;

  /* The key first: a certificate without its key would be useless. */
  ok = write_private (key_path, &key_pem, error) && write_private (cert_path, &crt_pem, error);

out:
  if (key_pem.data != NULL)
    {
      gnutls_memset (key_pem.data, 0, key_pem.size);
      gnutls_free (key_pem.data);
    }
  gnutls_free (crt_pem.data);
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  if (key != NULL)
    gnutls_x509_privkey_deinit (key);
  return ok;
}

/* Loads the certificate chain and key into credentials shared by every
 * connection: imported once, not once per handshake. */
static gboolean
load_credentials (XgServerTls  *self,
                  const char   *cert_path,
                  const char   *key_path,
                  GError      **error)
{
  int rc = gnutls_certificate_set_x509_key_file2 (self->credentials, cert_path, key_path,
                                                  GNUTLS_X509_FMT_PEM, NULL, 0);

  if (rc < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", cert_path, gnutls_strerror (rc));
      return FALSE;
    }
  return TRUE;
}

/**
 * xg_server_tls_new:
 * @tls_dir: where the self-signed certificate lives (DATA/tls)
 * @cert_file: (nullable): an operator's certificate chain, PEM
 * @key_file: (nullable): its private key, PEM
 * @allow_tls_1_2: [tls] allow-tls-1.2
 *
 * Loads the operator's certificate if one is configured; otherwise the one
 * in @tls_dir, which is created on first start and kept from then on.
 * Everything a handshake needs is made here, once: the credentials, the
 * priority (TLS 1.3 only, or 1.3 and 1.2 with AEAD suites, docs/PROTOCOL.md
 * 8.6) and the key that encrypts TLS 1.3 session tickets, so that a client
 * that reconnects resumes without a certificate signature. The ticket key
 * lives in memory only: after a restart clients do one full handshake.
 */
XgServerTls *
xg_server_tls_new (const char  *tls_dir,
                   const char  *cert_file,
                   const char  *key_file,
                   gboolean     allow_tls_1_2,
                   GError     **error)
{
  g_autofree char *cert_path = NULL;
  g_autofree char *key_path = NULL;
  XgServerTls *self = g_new0 (XgServerTls, 1);
  const char *where = NULL;

  if (gnutls_failed (gnutls_certificate_allocate_credentials (&self->credentials), "allocate credentials", error) ||
      gnutls_failed (gnutls_priority_init (&self->priority,
                                           allow_tls_1_2 ? XG_PROTO_TLS_PRIORITY_1_2 : XG_PROTO_TLS_PRIORITY,
                                           &where), "set the TLS priority", error) ||
      gnutls_failed (gnutls_session_ticket_key_generate (&self->ticket_key), "make a session ticket key", error))
    goto fail;

  if (cert_file != NULL)
    {
      if (!load_credentials (self, cert_file, key_file, error))
        goto fail;
      return self;
    }

  cert_path = g_build_filename (tls_dir, "cert.pem", NULL);
  key_path = g_build_filename (tls_dir, "key.pem", NULL);

  if (!g_file_test (cert_path, G_FILE_TEST_EXISTS))
    {
      if (g_mkdir_with_parents (tls_dir, 0700) != 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot create %s: %s", tls_dir, g_strerror (saved));
          goto fail;
        }
      if (!create_self_signed (cert_path, key_path, error))
        goto fail;
      g_message ("Created a self-signed certificate in %s", cert_path);
    }

  if (!load_credentials (self, cert_path, key_path, error))
    goto fail;
  return self;

fail:
  xg_server_tls_free (self);
  return NULL;
}

void
xg_server_tls_free (XgServerTls *self)
{
  if (self == NULL)
    return;
  if (self->credentials != NULL)
    gnutls_certificate_free_credentials (self->credentials);
  if (self->priority != NULL)
    gnutls_priority_deinit (self->priority);
  if (self->ticket_key.data != NULL)
    {
      gnutls_memset (self->ticket_key.data, 0, self->ticket_key.size);
      gnutls_free (self->ticket_key.data);
    }
  g_free (self);
}

/**
 * xg_server_tls_session_new:
 * @fd: a connected, non-blocking socket
 *
 * A server session on @fd, driven by the caller's event loop: every call
 * may return GNUTLS_E_AGAIN. It never raises SIGPIPE.
 *
 * Returns: the session, or %NULL with @error set
 */
gnutls_session_t
xg_server_tls_session_new (XgServerTls  *self,
                           int           fd,
                           GError      **error)
{
  gnutls_session_t session = NULL;

  if (gnutls_failed (gnutls_init (&session, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL),
                     "start a TLS session", error))
    return NULL;
  if (gnutls_failed (gnutls_priority_set (session, self->priority), "set the TLS priority", error) ||
      gnutls_failed (gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, self->credentials),
                     "set the credentials", error) ||
      gnutls_failed (gnutls_session_ticket_enable_server (session, &self->ticket_key),
                     "enable session tickets", error))
    {
      gnutls_deinit (session);
      return NULL;
    }
  gnutls_transport_set_int (session, fd);
  return session;
}

/* "AB:CD:…": the SHA-256 of the leaf certificate's DER, as clients pin it. */
char *
xg_server_tls_fingerprint (XgServerTls *self)
{
  gnutls_datum_t der = { NULL, 0 };

  if (gnutls_certificate_get_crt_raw (self->credentials, 0, 0, &der) < 0)
    return NULL;
  return xg_proto_fingerprint (der.data, der.size);
}
