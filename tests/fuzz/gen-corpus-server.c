/* gen-corpus-server.c: writes the seed corpus of fuzz-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-gen-corpus-server DIRECTORY
 *
 * Regenerate tests/fuzz/corpus-server/ with
 * `ninja -C BUILDDIR update-fuzz-corpus-server`. Every input starts with
 * the control byte described in fuzz-server.c; the TLS seed is a real
 * ClientHello (random, so that one differs on each run).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "xg-proto.h"
#include "xg-test-packets.h"

#define CONTROL_PLAIN  0x00
#define CONTROL_TLS    0x01

static const char *out_dir;

static void
write_input (const char   *name,
             guint8        control,
             const guint8 *stream,
             gsize         len)
{
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_byte_array_append (input, &control, 1);
  g_byte_array_append (input, stream, len);
  if (!g_file_set_contents (path, (const char *) input->data, input->len, &error))
    g_error ("%s", error->message);
}

static void
append (GByteArray *stream,
        guint16     type,
        guint32     request_id,
        GVariant   *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = xg_proto_frame_encode (type, request_id, body, &error);

  g_assert_no_error (error);
  g_byte_array_append (stream, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
}

static void
append_hello (GByteArray *stream)
{
  append (stream, XG_PACKET_HELLO, 1, xg_proto_hello_new (XG_PROTO_VERSION, "fuzz", "1"));
}

/* GnuTLS's push function: keeps what the client would send. */
static ssize_t
capture (gnutls_transport_ptr_t ptr,
         const void            *data,
         size_t                 len)
{
  g_byte_array_append (ptr, data, len);
  return (ssize_t) len;
}

static ssize_t
nothing_yet (gnutls_transport_ptr_t ptr,
             void                  *data,
             size_t                 len)
{
  errno = EAGAIN;
  return -1;
}

int
main (int   argc,
      char *argv[])
{
  if (argc != 2)
    {
      g_printerr ("usage: %s DIRECTORY\n", argv[0]);
      return EXIT_FAILURE;
    }
  out_dir = argv[1];
  g_mkdir_with_parents (out_dir, 0755);

  /* HELLO alone, whole and in 3-byte writes */
  {
    g_autoptr(GByteArray) stream = g_byte_array_new ();

    append_hello (stream);
    write_input ("plain-hello", CONTROL_PLAIN, stream->data, stream->len);
    write_input ("plain-hello-3-byte-writes", CONTROL_PLAIN | (1 << 1), stream->data, stream->len);
  }

  /* HELLO, then a sample of every packet a client may send */
  {
    g_autoptr(GByteArray) stream = g_byte_array_new ();

    append_hello (stream);
    for (guint i = 0; i < XG_PROTO_N_PACKETS; i++)
      {
        const XgProtoPacketInfo *info = xg_proto_packet_info_nth (i);

        if (info->direction != XG_PROTO_CLIENT_TO_SERVER || info->type == XG_PACKET_LOGIN)
          continue;   /* LOGIN would hash a password: slow, and nothing new */
        append (stream, info->type, 2 + i, xg_test_make_value (G_VARIANT_TYPE (info->signature), i + 1));
      }
    write_input ("plain-every-client-packet", CONTROL_PLAIN, stream->data, stream->len);
    write_input ("plain-every-client-packet-chunks", CONTROL_PLAIN | (5 << 1), stream->data, stream->len);
  }

  /* a packet before HELLO, a second HELLO, a server packet */
  {
    g_autoptr(GByteArray) stream = g_byte_array_new ();
    guint8 token[32] = { 0 };

    append (stream, XG_PACKET_TOKEN_LOGIN, 1, xg_proto_token_login_new (1, g_bytes_new (token, sizeof token)));
    append_hello (stream);
    append_hello (stream);
    append (stream, XG_PACKET_TOKEN_LOGIN, 2, xg_proto_token_login_new (1, g_bytes_new (token, sizeof token)));
    append (stream, XG_PACKET_HEARTBEAT, 3, xg_proto_heartbeat_new (1700000000000));
    append (stream, XG_PACKET_WELCOME, 4, xg_proto_welcome_new (1, "x", 30, 90, 1024, FALSE));
    append (stream, XG_PACKET_LOGOUT, 5, xg_proto_logout_new ());
    write_input ("plain-out-of-order", CONTROL_PLAIN, stream->data, stream->len);
  }

  /* a broken header after HELLO */
  {
    g_autoptr(GByteArray) stream = g_byte_array_new ();
    static const guint8 junk[] = "XG\x01\x00\xff\xff\x00\x00\x00\x00\x00\x01\x7f\xff\xff\xff";

    append_hello (stream);
    g_byte_array_append (stream, junk, sizeof junk - 1);
    write_input ("plain-bad-header", CONTROL_PLAIN, stream->data, stream->len);
  }

  /* a real TLS 1.3 ClientHello */
  {
    g_autoptr(GByteArray) hello = g_byte_array_new ();
    gnutls_certificate_credentials_t credentials;
    gnutls_session_t session;

    gnutls_certificate_allocate_credentials (&credentials);
    gnutls_init (&session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
    gnutls_priority_set_direct (session, XG_PROTO_TLS_PRIORITY, NULL);
    gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, credentials);
    gnutls_transport_set_ptr (session, hello);
    gnutls_transport_set_push_function (session, capture);
    gnutls_transport_set_pull_function (session, nothing_yet);
    gnutls_handshake (session);   /* sends the ClientHello, then would wait */
    write_input ("tls-client-hello", CONTROL_TLS, hello->data, hello->len);
    gnutls_deinit (session);
    gnutls_certificate_free_credentials (credentials);
  }

  /* not TLS at all, to the TLS server */
  {
    g_autoptr(GByteArray) stream = g_byte_array_new ();

    append_hello (stream);
    write_input ("tls-plain-bytes", CONTROL_TLS, stream->data, stream->len);
  }

  return EXIT_SUCCESS;
}
