/* gen-corpus.c: writes the fuzzer's seed corpus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-gen-corpus DIRECTORY
 *
 * Regenerate tests/fuzz/corpus/ after changing packets.def with
 * `ninja -C BUILDDIR update-fuzz-corpus`. The output is deterministic.
 * Every input starts with the control byte described in fuzz-decoder.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "xg-proto.h"
#include "xg-test-packets.h"

#define CONTROL_WHOLE      0x00  /* the stream in one call */
#define CONTROL_SMALL_MAX  0x08  /* a decoder limited to 1 KiB bodies */

static const char *out_dir;
static guint n_written;

static void
write_input (const char   *name,
             guint8        control,
             const guint8 *chunks,
             gsize         n_chunks,
             const guint8 *stream,
             gsize         len)
{
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  g_autoptr(GError) error = NULL;
  guint8 byte = control | (guint8) n_chunks;

  g_assert (n_chunks <= 7);
  g_byte_array_append (input, &byte, 1);
  g_byte_array_append (input, chunks, n_chunks);
  g_byte_array_append (input, stream, len);
  if (!g_file_set_contents (path, (const char *) input->data, input->len, &error))
    g_error ("%s", error->message);
  n_written++;
}

static GBytes *
encode (guint16   type,
        guint32   request_id,
        GVariant *body)
{
  g_autoptr(GError) error = NULL;
  GBytes *frame = xg_proto_frame_encode (type, request_id, body, &error);

  g_assert_no_error (error);
  return frame;
}

static GBytes *
sample_frame (const XgProtoPacketInfo *info,
              guint                    seed)
{
  g_autoptr(GVariant) body =
    g_variant_ref_sink (xg_test_make_value (G_VARIANT_TYPE (info->signature), seed));

  return encode (info->type, 0x01000000 + seed, body);
}

static GBytes *
raw_frame (guint16     type,
           guint32     request_id,
           const void *body,
           gsize       len)
{
  guint8 *data = g_malloc (XG_PROTO_HEADER_SIZE + len);

  data[0] = 'X';
  data[1] = 'G';
  data[2] = XG_PROTO_VERSION;
  data[3] = 0;
  data[4] = type >> 8;
  data[5] = type & 0xff;
  data[6] = 0;
  data[7] = 0;
  data[8] = request_id >> 24;
  data[9] = (request_id >> 16) & 0xff;
  data[10] = (request_id >> 8) & 0xff;
  data[11] = request_id & 0xff;
  data[12] = len >> 24;
  data[13] = (len >> 16) & 0xff;
  data[14] = (len >> 8) & 0xff;
  data[15] = len & 0xff;
  if (len > 0)
    memcpy (data + XG_PROTO_HEADER_SIZE, body, len);
  return g_bytes_new_take (data, XG_PROTO_HEADER_SIZE + len);
}

static void
append (GByteArray *stream,
        GBytes     *frame)
{
  g_byte_array_append (stream, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
}

/* One input made of a single frame, fed whole. */
static void
write_frame (const char *name,
             guint8      control,
             GBytes     *frame)
{
  write_input (name, control, NULL, 0, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autoptr(GBytes) heartbeat = NULL;
  g_autoptr(GVariant) heartbeat_body = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: %s DIRECTORY\n", argv[0]);
      return EXIT_FAILURE;
    }
  out_dir = argv[1];
  g_mkdir_with_parents (out_dir, 0755);

  heartbeat_body = g_variant_ref_sink (xg_proto_heartbeat_new (1700000000000000));
  heartbeat = encode (XG_PACKET_HEARTBEAT, 1, heartbeat_body);

  /* every packet on its own, and all of them in one stream */
  for (guint i = 0; i < XG_PROTO_N_PACKETS; i++)
    {
      const XgProtoPacketInfo *info = xg_proto_packet_info_nth (i);
      g_autoptr(GBytes) frame = sample_frame (info, i + 1);
      g_autofree char *lower = g_ascii_strdown (info->name, -1);
      g_autofree char *name = g_strdup_printf ("frame-%s", lower);

      write_frame (name, CONTROL_WHOLE, frame);
      append (all, frame);
    }
  write_input ("stream-all", CONTROL_WHOLE, NULL, 0, all->data, all->len);

  /* the same stream split in different ways */
  {
    static const guint8 one[] = { 0x00 };
    static const guint8 mixed[] = { 0x02, 0x0f, 0x00, 0x40, 0xf0 };
    static const guint8 header_sized[] = { 0x0f };

    write_input ("stream-all-bytewise", CONTROL_WHOLE, one, G_N_ELEMENTS (one), all->data, all->len);
    write_input ("stream-all-mixed-chunks", CONTROL_WHOLE, mixed, G_N_ELEMENTS (mixed),
                 all->data, all->len);
    write_input ("stream-all-16-byte-chunks", CONTROL_WHOLE, header_sized,
                 G_N_ELEMENTS (header_sized), all->data, all->len);
  }

  /* truncations: the decoder must just wait */
  write_input ("truncated-header", CONTROL_WHOLE, NULL, 0, all->data, 9);
  write_input ("truncated-body", CONTROL_WHOLE, NULL, 0,
               g_bytes_get_data (heartbeat, NULL), g_bytes_get_size (heartbeat) - 3);
  write_input ("truncated-stream", CONTROL_WHOLE, NULL, 0, all->data, all->len / 2 + 5);

  /* a large profile, refused by a decoder limited to 1 KiB */
  {
    const XgProtoPacketInfo *info = xg_proto_packet_info (XG_PACKET_PROFILE);
    g_autoptr(GVariant) body =
      g_variant_ref_sink (xg_test_make_grown_value (G_VARIANT_TYPE (info->signature), 2000, 3));
    g_autoptr(GBytes) frame = encode (info->type, 77, body);

    write_frame ("small-max-profile", CONTROL_SMALL_MAX, frame);
    write_frame ("default-max-profile", CONTROL_WHOLE, frame);
  }

  /* bad bodies, each followed by a good frame */
  {
    static const struct {
      const char *name;
      guint16     type;
      const char *body;
      gsize       len;
    } bad[] = {
      { "bad-body-no-nul", XG_PACKET_EMAIL_LOOKUP, "abc", 3 },
      { "bad-body-utf8", XG_PACKET_LOGIN, "a@b\0\xff\0c\0\x06\x04", 10 },
      { "bad-body-framing", XG_PACKET_LOGIN, "a\0b\0c\0\5\2", 8 },
      { "bad-body-fixed-size", XG_PACKET_HEARTBEAT, "1234", 4 },
      { "bad-body-unit", XG_PACKET_LOGOUT, "", 0 },
      { "bad-body-padding", XG_PACKET_ERROR, "\1\0\xaa\xaa\2\0\0\0hi\0", 11 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GBytes) frame = raw_frame (bad[i].type, 9, bad[i].body, bad[i].len);
        g_autoptr(GByteArray) stream = g_byte_array_new ();

        append (stream, frame);
        append (stream, heartbeat);
        write_input (bad[i].name, CONTROL_WHOLE, NULL, 0, stream->data, stream->len);
      }
  }

  /* final errors in the header, after a good frame */
  {
    static const struct {
      const char *name;
      int         at;
      guint8      value;
    } pokes[] = {
      { "fatal-magic", 0, 'Y' },
      { "fatal-version", 2, 2 },
      { "fatal-flags", 3, 1 },
      { "fatal-reserved", 7, 1 },
      { "fatal-unknown-type", 5, 0x99 },
      { "fatal-length", 12, 0xff },
    };

    for (guint i = 0; i < G_N_ELEMENTS (pokes); i++)
      {
        g_autoptr(GByteArray) stream = g_byte_array_new ();
        gsize start;

        append (stream, heartbeat);
        start = stream->len;
        append (stream, heartbeat);
        stream->data[start + pokes[i].at] = pokes[i].value;
        write_input (pokes[i].name, CONTROL_WHOLE, NULL, 0, stream->data, stream->len);
      }
  }

  write_input ("empty", CONTROL_WHOLE, NULL, 0, NULL, 0);

  g_print ("wrote %u inputs to %s\n", n_written, out_dir);
  return EXIT_SUCCESS;
}
