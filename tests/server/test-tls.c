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

/* Retries a GnuTLS call while the (non-blocking) socket is not ready. */
static gssize
retry (gnutls_session_t session,
       int              which,   /* 0: handshake, 1: recv, 2: send */
       gpointer         data,
       gsize            size)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gssize rc;

  do
    {
      rc = which == 0 ? gnutls_handshake (session)
         : which == 1 ? gnutls_record_recv (session, data, size)
                      : gnutls_record_send (session, data, size);
      if (rc == GNUTLS_E_AGAIN)
        g_usleep (1000);
    }
  while (rc < 0 && !gnutls_error_is_fatal ((int) rc) && g_get_monotonic_time () < deadline);
  return rc;
}

/* One TLS 1.3 connection: handshake, HELLO, WELCOME. With @resume, it
 * offers that session's ticket; *@resumed says whether the server took it.
 * Returns the session data to resume from next time. */
static gnutls_datum_t
hello_over_tls (XgTestServer         *server,
                const gnutls_datum_t *resume,
                gboolean             *resumed)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) hello = NULL;
  gnutls_certificate_credentials_t credentials;
  gnutls_session_t session;
  gnutls_datum_t data = { NULL, 0 };
  guint8 buffer[4096];
  gsize size;
  const guint8 *bytes;

  connection = g_socket_client_connect_to_host (client, server->address, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gnutls_certificate_allocate_credentials (&credentials), ==, GNUTLS_E_SUCCESS);
  g_assert_cmpint (gnutls_init (&session, GNUTLS_CLIENT | GNUTLS_NONBLOCK), ==, GNUTLS_E_SUCCESS);
  g_assert_cmpint (gnutls_priority_set_direct (session, ONLY ("TLS1.3"), NULL), ==, GNUTLS_E_SUCCESS);
  g_assert_cmpint (gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, credentials), ==, GNUTLS_E_SUCCESS);
  if (resume != NULL)
    g_assert_cmpint (gnutls_session_set_data (session, resume->data, resume->size), ==, GNUTLS_E_SUCCESS);
  gnutls_transport_set_int (session, g_socket_get_fd (g_socket_connection_get_socket (connection)));

  g_assert_cmpint (retry (session, 0, NULL, 0), ==, GNUTLS_E_SUCCESS);
  hello = xg_proto_frame_encode (XG_PACKET_HELLO, 1, xg_proto_hello_new (XG_PROTO_VERSION, "test-tls", "1"), &error);
  g_assert_no_error (error);
  bytes = g_bytes_get_data (hello, &size);
  g_assert_cmpint (retry (session, 2, (gpointer) bytes, size), ==, (gssize) size);
  /* WELCOME comes after the server's session tickets. */
  g_assert_cmpint (retry (session, 1, buffer, sizeof buffer), >, 0);

  if (resumed != NULL)
    *resumed = gnutls_session_is_resumed (session);
  g_assert_cmpint (gnutls_session_get_data2 (session, &data), ==, GNUTLS_E_SUCCESS);
  gnutls_deinit (session);
  gnutls_certificate_free_credentials (credentials);
  return data;
}

/* A reconnecting client resumes with the ticket the server gave it,
 * without the certificate signature. */
static void
test_session_resumption (void)
{
  g_autoptr(XgTestServer) server = xg_test_server_start (NULL);
  gnutls_datum_t first, second;
  gboolean resumed = TRUE;

  first = hello_over_tls (server, NULL, &resumed);
  g_assert_false (resumed);
  second = hello_over_tls (server, &first, &resumed);
  g_assert_true (resumed);
  gnutls_free (first.data);
  gnutls_free (second.data);

  /* A ticket from another server (another key) is not taken: a full handshake. */
  {
    g_autoptr(XgTestServer) other = xg_test_server_start (NULL);
    gnutls_datum_t from_first = hello_over_tls (server, NULL, NULL);
    gnutls_datum_t third = hello_over_tls (other, &from_first, &resumed);

    g_assert_false (resumed);
    gnutls_free (from_first.data);
    gnutls_free (third.data);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tls/1.3-only", test_tls13_only);
  g_test_add_func ("/tls/1.2-allowed", test_tls12_allowed);
  g_test_add_func ("/tls/resumption", test_session_resumption);

  return g_test_run ();
}
