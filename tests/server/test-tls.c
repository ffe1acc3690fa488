/* test-tls.c: which TLS versions and suites xinge-server accepts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/PROTOCOL.md 8.6: TLS 1.3 only by default; with [tls] allow-tls-1.2
 * also TLS 1.2, with AEAD suites only. A GnuTLS client offering exactly
 * one version (or one suite) tries a handshake against the real server.
 */
#include "config.h"

#include <gio/gio.h>
#include <gnutls/gnutls.h>

#include "xg-test-harness.h"

/* The handshake's result: the version negotiated, or a GnuTLS error (< 0). */
static int
handshake (XgTestServer *server,
           const char   *priority)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  gnutls_certificate_credentials_t credentials;
  gnutls_session_t session;
  int rc;

  connection = g_socket_client_connect_to_host (client, server->address, 0, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (gnutls_certificate_allocate_credentials (&credentials), ==, GNUTLS_E_SUCCESS);
  g_assert_cmpint (gnutls_init (&session, GNUTLS_CLIENT), ==, GNUTLS_E_SUCCESS);
  g_assert_cmpint (gnutls_priority_set_direct (session, priority, NULL), ==, GNUTLS_E_SUCCESS);
  g_assert_cmpint (gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, credentials), ==, GNUTLS_E_SUCCESS);
  gnutls_transport_set_int (session, g_socket_get_fd (g_socket_connection_get_socket (connection)));
  gnutls_handshake_set_timeout (session, 10000);

  do
    rc = gnutls_handshake (session);
  while (rc < 0 && !gnutls_error_is_fatal (rc));
  if (rc == GNUTLS_E_SUCCESS)
    rc = (int) gnutls_protocol_get_version (session);
  else
    g_test_message ("%s: %s", priority, gnutls_strerror (rc));

  gnutls_deinit (session);
  gnutls_certificate_free_credentials (credentials);
  return rc;
}

#define ONLY(version) "NORMAL:-VERS-ALL:+VERS-" version
#define OLD_ONLY(version) "NORMAL:%COMPAT:-VERS-ALL:+VERS-" version ":+CIPHER-ALL:+MAC-ALL:+SHA1"

static void
test_tls13_only (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);

  g_assert_cmpint (handshake (server, ONLY ("TLS1.3")), ==, GNUTLS_TLS1_3);
  g_assert_cmpint (handshake (server, ONLY ("TLS1.2")), <, 0);
  g_assert_cmpint (handshake (server, OLD_ONLY ("TLS1.1")), <, 0);
  g_assert_cmpint (handshake (server, OLD_ONLY ("TLS1.0")), <, 0);
  /* A client offering everything gets 1.3. */
  g_assert_cmpint (handshake (server, "NORMAL:%COMPAT:+VERS-TLS1.1:+VERS-TLS1.0"), ==, GNUTLS_TLS1_3);
  /* And the server still speaks the protocol over it. */
  xg_test_client_free (xg_test_client_connect (server));
}

static void
test_tls12_allowed (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start ("[tls]\nallow-tls-1.2=true\n");

  g_assert_cmpint (handshake (server, ONLY ("TLS1.3")), ==, GNUTLS_TLS1_3);
  g_assert_cmpint (handshake (server, ONLY ("TLS1.2")), ==, GNUTLS_TLS1_2);
  /* AEAD suites only: a CBC one is refused. */
  g_assert_cmpint (handshake (server, ONLY ("TLS1.2") ":-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1:+SHA256"), <, 0);
  g_assert_cmpint (handshake (server, OLD_ONLY ("TLS1.1")), <, 0);
  g_assert_cmpint (handshake (server, OLD_ONLY ("TLS1.0")), <, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tls/1.3-only", test_tls13_only);
  g_test_add_func ("/tls/1.2-allowed", test_tls12_allowed);

  return g_test_run ();
}
