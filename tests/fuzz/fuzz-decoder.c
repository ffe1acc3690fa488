/* fuzz-decoder.c: libFuzzer target for the frame decoder and the typed accessors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input chooses how it is fed to the decoder:
 *
 *   byte 0         control: bits 0-2 are how many chunk-size bytes follow
 *                  (0: the whole stream in one call); bit 3 limits the decoder
 *                  to 1 KiB bodies instead of the default maximum
 *   next 0-7 bytes chunk sizes, used in a cycle: b feeds b + 1 bytes, or
 *                  (b - 0xef) * 4096 bytes when b >= 0xf0
 *   the rest       the byte stream
 *
 * Every decoded body is read with its packet's generated accessor and
 * printed, into a volatile sink so nothing is optimized away; it must encode
 * back to exactly the bytes it came from (a normal-form body has one
 * serialization). The decoder's documented promises are checked on the way;
 * a broken one aborts.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-decoder.h"
#include "xg-proto.h"
#include "xg-test-packets.h"

#define SMALL_MAX 1024

#define CHECK(cond)                                                         \
  G_STMT_START {                                                            \
    if (G_UNLIKELY (!(cond)))                                               \
      {                                                                     \
        g_printerr ("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        abort ();                                                           \
      }                                                                     \
  } G_STMT_END

static volatile guint64 sink;

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static gsize
chunk_size (guint8 b)
{
  return b >= 0xf0 ? (gsize) (b - 0xef) * 4096 : (gsize) b + 1;
}

static void
sink_string (const char *text)
{
  sink += g_utf8_strlen (text, -1);
  sink ^= strlen (text);
}

/* Reads every field with the generated accessor, as a client or server would. */
static void
sink_fields (const XgProtoPacketInfo *info,
             GVariant                *body)
{
  XgTestSlot out[XG_TEST_MAX_FIELDS];
  const GVariantType *item;
  guint i = 0;

  if (!xg_test_packet_get (info->type, body, out))
    return;  /* a packet without a case: printing the body still covers it */

  for (item = g_variant_type_first (G_VARIANT_TYPE (info->signature));
       item != NULL;
       item = g_variant_type_next (item), i++)
    {
      switch (xg_test_slot_kind (item))
        {
        case XG_TEST_SLOT_Y: sink += out[i].y; break;
        case XG_TEST_SLOT_B: sink += out[i].b; break;
        case XG_TEST_SLOT_Q: sink += out[i].q; break;
        case XG_TEST_SLOT_U: sink += out[i].u; break;
        case XG_TEST_SLOT_X: sink += (guint64) out[i].x; break;
        case XG_TEST_SLOT_T: sink += out[i].t; break;
        case XG_TEST_SLOT_S:
          CHECK (g_utf8_validate (out[i].s, -1, NULL));
          sink_string (out[i].s);
          break;
        case XG_TEST_SLOT_AY:
          {
            gsize size;
            const guint8 *data = g_bytes_get_data (out[i].ay, &size);

            sink += size;
            if (size > 0)
              sink ^= data[0] + data[size - 1];
          }
          break;
        case XG_TEST_SLOT_VARIANT:
          {
            g_autofree char *text = g_variant_print (out[i].v, TRUE);

            sink_string (text);
            if (g_variant_is_of_type (out[i].v, G_VARIANT_TYPE_VARDICT))
              {
                g_autoptr(GVariant) nickname = g_variant_lookup_value (out[i].v, "nickname",
                                                                       G_VARIANT_TYPE_STRING);
                if (nickname != NULL)
                  sink_string (g_variant_get_string (nickname, NULL));
              }
          }
          break;
        default:
          CHECK (FALSE);
        }
    }

  xg_test_slots_clear (info->signature, out);
}

/* A frame the decoder returned, with the raw bytes it came from. */
static void
check_frame (const XgProtoFrame *frame,
             const GError       *error,
             guint32             max_frame,
             const guint8       *raw,
             gsize               raw_len)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (frame->type);
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GError) encode_error = NULL;
  g_autofree char *text = NULL;

  CHECK (info != NULL);
  CHECK (raw_len >= XG_PROTO_HEADER_SIZE);
  CHECK (raw[0] == 'X' && raw[1] == 'G' && raw[2] == XG_PROTO_VERSION && raw[3] == 0);
  CHECK (frame->type == ((raw[4] << 8) | raw[5]));
  CHECK (frame->request_id == read_be32 (raw + 8));
  CHECK (raw_len - XG_PROTO_HEADER_SIZE == read_be32 (raw + 12));
  CHECK (raw_len - XG_PROTO_HEADER_SIZE <= MIN (info->max_body, max_frame));

  if (error != NULL)
    {
      CHECK (error->code == XG_PROTO_ERROR_BAD_BODY);
      CHECK (frame->body == NULL);
      return;
    }

  CHECK (frame->body != NULL);
  CHECK (g_variant_is_of_type (frame->body, G_VARIANT_TYPE (info->signature)));
  CHECK (g_variant_is_normal_form (frame->body));
  CHECK (g_variant_get_size (frame->body) == raw_len - XG_PROTO_HEADER_SIZE);

  sink_fields (info, frame->body);
  text = g_variant_print (frame->body, TRUE);
  sink_string (text);

  again = xg_proto_frame_encode (frame->type, frame->request_id, frame->body, &encode_error);
  CHECK (encode_error == NULL && again != NULL);
  CHECK (g_bytes_get_size (again) == raw_len);
  CHECK (memcmp (g_bytes_get_data (again, NULL), raw, raw_len) == 0);
}

/* After a final error the decoder takes nothing and repeats it. */
static void
check_sticky (XgProtoDecoder *decoder,
              const GError   *error)
{
  static const guint8 more[] = "XG\1\0\0\x10\0\0\0\0\0\1\0\0\0\x08\1\2\3\4\5\6\7\x08";
  g_autoptr(XgProtoFrame) frame = NULL;
  g_autoptr(GError) again = NULL;

  CHECK (xg_proto_decoder_feed (decoder, more, sizeof more - 1, &frame, &again) == 0);
  CHECK (frame == NULL);
  CHECK (again != NULL && again->domain == XG_PROTO_ERROR && again->code == error->code);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized;
  g_autoptr(XgProtoDecoder) decoder = NULL;
  const guint8 *chunks, *stream;
  gsize n_chunks, stream_len;
  gsize off = 0, frame_start = 0, next_chunk = 0;
  guint32 max_frame;
  gboolean fatal = FALSE;

  if (!initialized)
    {
      /* a warning or critical from GLib on any input is a bug too */
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      initialized = TRUE;
    }

  if (size < 1)
    return 0;

  n_chunks = MIN (data[0] & 0x07u, size - 1);
  max_frame = data[0] & 0x08 ? SMALL_MAX : XG_PROTO_DEFAULT_MAX_FRAME;
  chunks = data + 1;
  stream = data + 1 + n_chunks;
  stream_len = size - 1 - n_chunks;
  decoder = xg_proto_decoder_new (max_frame);

  while (off < stream_len && !fatal)
    {
      gsize want = n_chunks > 0 ? chunk_size (chunks[next_chunk++ % n_chunks]) : stream_len;
      gsize end = off + MIN (want, stream_len - off);

      while (off < end && !fatal)
        {
          g_autoptr(XgProtoFrame) frame = NULL;
          g_autoptr(GError) error = NULL;
          gsize n = xg_proto_decoder_feed (decoder, stream + off, end - off, &frame, &error);

          CHECK (n <= end - off);
          off += n;

          if (frame == NULL && error == NULL)
            {
              CHECK (off == end);  /* nothing to report: it took everything */
              continue;
            }

          CHECK (n > 0);
          CHECK (error == NULL ||
                 (error->domain == XG_PROTO_ERROR &&
                  error->code >= XG_PROTO_ERROR_BAD_MAGIC &&
                  error->code <= XG_PROTO_ERROR_BAD_BODY));

          if (frame != NULL)
            {
              check_frame (frame, error, max_frame, stream + frame_start, off - frame_start);
              CHECK (xg_proto_decoder_is_idle (decoder));
              frame_start = off;
            }
          else
            {
              /* final errors come from the header, as soon as it is complete */
              CHECK (error->code != XG_PROTO_ERROR_BAD_BODY);
              CHECK (off - frame_start == XG_PROTO_HEADER_SIZE);
              check_sticky (decoder, error);
              fatal = TRUE;
            }
        }
    }

  if (!fatal)
    CHECK (xg_proto_decoder_is_idle (decoder) == (frame_start == stream_len));

  return 0;
}
