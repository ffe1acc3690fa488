/* xg-proto.c: framing and the incremental decoder
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-proto"

#include "config.h"

#include <string.h>

#include "xg-proto.h"
#include "xg-proto-flat.h"

G_DEFINE_QUARK (xg-proto-error-quark, xg_proto_error)

/* Header layout, see docs/PROTOCOL.md "Framing". */
#define MAGIC_0 'X'
#define MAGIC_1 'G'

/* A body is allocated up to this size at once, and grows by doubling
 * beyond it as its bytes arrive: a header alone cannot make a peer hold
 * megabytes. */
#define BODY_CHUNK (64 * 1024)

struct _XgProtoDecoder
{
  guint32  max_frame_size;

  guint8   header[XG_PROTO_HEADER_SIZE];
  gsize    header_len;

  /* Valid once the header is complete. The body is allocated only after the
   * header passed every check, and never beyond what was announced. */
  const XgProtoPacketInfo *info;
  guint32  request_id;
  guint8  *body;
  guint32  body_len;
  guint32  body_have;
  guint32  body_cap;

  GError  *failure;
};

void
xg_proto_frame_free (XgProtoFrame *frame)
{
  if (frame == NULL)
    return;
  g_clear_pointer (&frame->body, g_variant_unref);
  g_free (frame);
}

GVariant *
xg_proto_bytes_variant (GBytes *bytes)
{
  if (bytes == NULL)
    return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, NULL, 0, TRUE, NULL, NULL);
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

/**
 * xg_proto_fingerprint:
 * @der: a certificate in DER form
 * @len: its length
 *
 * The certificate's fingerprint as servers print it and clients pin it:
 * the SHA-256 of the DER in upper-case hex pairs joined by colons.
 *
 * Returns: (transfer full): "AB:CD:…" (95 characters)
 */
char *
xg_proto_fingerprint (const guint8 *der,
                      gsize         len)
{
  g_autofree char *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der, len);
  GString *out = g_string_sized_new (96);

  for (const char *p = hex; *p; p += 2)
    g_string_append_printf (out, "%s%c%c", out->len ? ":" : "",
                            g_ascii_toupper (p[0]), g_ascii_toupper (p[1]));
  return g_string_free (out, FALSE);
}

const char *
xg_proto_error_code_to_string (XgProtoErrorCode code)
{
  switch (code)
    {
    case XG_PROTO_ERR_MALFORMED_FRAME: return "malformed frame";
    case XG_PROTO_ERR_FRAME_TOO_LARGE: return "frame too large";
    case XG_PROTO_ERR_UNKNOWN_TYPE: return "unknown packet type";
    case XG_PROTO_ERR_BAD_BODY: return "malformed packet body";
    case XG_PROTO_ERR_UNEXPECTED_PACKET: return "packet not expected from a client";
    case XG_PROTO_ERR_HELLO_REQUIRED: return "HELLO required first";
    case XG_PROTO_ERR_UNSUPPORTED_VERSION: return "unsupported protocol version";
    case XG_PROTO_ERR_NOT_LOGGED_IN: return "not logged in";
    case XG_PROTO_ERR_ALREADY_LOGGED_IN: return "already logged in";
    case XG_PROTO_ERR_ID_MISMATCH: return "id is not the logged-in account";
    case XG_PROTO_ERR_PERMISSION_DENIED: return "permission denied";
    case XG_PROTO_ERR_INVALID_ARGUMENT: return "invalid argument";
    case XG_PROTO_ERR_RATE_LIMITED: return "rate limited";
    case XG_PROTO_ERR_BUSY: return "server busy";
    case XG_PROTO_ERR_NOT_IMPLEMENTED: return "not implemented by this server";
    case XG_PROTO_ERR_INTERNAL: return "internal server error";
    case XG_PROTO_ERR_ALREADY_FRIENDS: return "already friends";
    case XG_PROTO_ERR_LIMIT_REACHED: return "limit reached";
    case XG_PROTO_ERR_NOT_FOUND: return "not found";
    case XG_PROTO_ERR_ALREADY_PENDING: return "already pending";
    default: return "unknown error";
    }
}

/**
 * xg_proto_frame_write_header:
 * @header: XG_PROTO_HEADER_SIZE bytes
 *
 * A frame's header (docs/PROTOCOL.md "Framing").
 */
void
xg_proto_frame_write_header (guint8  *header,
                             guint16  type,
                             guint32  request_id,
                             guint32  body_size)
{
  header[0] = MAGIC_0;
  header[1] = MAGIC_1;
  header[2] = XG_PROTO_VERSION;
  header[3] = 0;                    /* flags */
  header[4] = type >> 8;
  header[5] = type & 0xff;
  header[6] = 0;                    /* reserved */
  header[7] = 0;
  header[8] = request_id >> 24;
  header[9] = (request_id >> 16) & 0xff;
  header[10] = (request_id >> 8) & 0xff;
  header[11] = request_id & 0xff;
  header[12] = body_size >> 24;
  header[13] = (body_size >> 16) & 0xff;
  header[14] = (body_size >> 8) & 0xff;
  header[15] = body_size & 0xff;
}

/**
 * xg_proto_frame_with_request_id:
 * @frame: an encoded frame
 *
 * For answers whose body does not change (encoded once): the same frame
 * with @request_id in its header.
 *
 * Returns: (transfer full): a new frame
 */
GBytes *
xg_proto_frame_with_request_id (GBytes  *frame,
                                guint32  request_id)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (frame, &size);
  guint8 *copy;

  g_return_val_if_fail (size >= XG_PROTO_HEADER_SIZE, NULL);

  copy = g_memdup2 (data, size);
  copy[8] = request_id >> 24;
  copy[9] = (request_id >> 16) & 0xff;
  copy[10] = (request_id >> 8) & 0xff;
  copy[11] = request_id & 0xff;
  return g_bytes_new_take (copy, size);
}

GBytes *
xg_proto_frame_encode (guint16    type,
                       guint32    request_id,
                       GVariant  *body,
                       GError   **error)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (type);
  g_autoptr(GVariant) owned = NULL;
  guint8 *frame;
  gsize size;

  g_return_val_if_fail (body != NULL, NULL);

  xg_proto_keep_types ();
  owned = g_variant_ref_sink (body);
  g_return_val_if_fail (info != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (owned, G_VARIANT_TYPE (info->signature)), NULL);

#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    GVariant *swapped = g_variant_byteswap (owned);
    g_variant_unref (owned);
    owned = swapped;
  }
#endif

  size = g_variant_get_size (owned);
  if (size > info->max_body)
    {
      g_set_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_TOO_LARGE,
                   "%s body of %" G_GSIZE_FORMAT " bytes exceeds its limit of %u bytes",
                   info->name, size, info->max_body);
      return NULL;
    }

  frame = g_malloc (XG_PROTO_HEADER_SIZE + size);
  xg_proto_frame_write_header (frame, type, request_id, (guint32) size);
  g_variant_store (owned, frame + XG_PROTO_HEADER_SIZE);

  return g_bytes_new_take (frame, XG_PROTO_HEADER_SIZE + size);
}

/* GLib frees a type's info (a lock, a hash table entry, the layout of
 * every member) when the last value of the type goes, and builds it again
 * for the next one: a packet's body type, once per frame. One value of
 * each packet's type, kept for good (reachable, so not a leak), keeps
 * them all. */
void
xg_proto_keep_types (void)
{
  static GPtrArray *kept = NULL;
  GPtrArray *values;

  if (!g_once_init_enter (&kept))
    return;
  values = g_ptr_array_sized_new (XG_PROTO_N_PACKETS);
  for (guint n = 0; n < XG_PROTO_N_PACKETS; n++)
    g_ptr_array_add (values, g_variant_ref_sink (g_variant_new_from_data (
                       G_VARIANT_TYPE (xg_proto_packet_info_nth (n)->signature), NULL, 0, FALSE, NULL, NULL)));
  g_once_init_leave (&kept, values);
}

static guint32 read_be32 (const guint8 *p);

/**
 * xg_proto_frame_peek:
 * @data: the start of a frame
 * @len: how many bytes of the stream there are from @data
 * @type: (out): its packet type
 * @request_id: (out): its request id
 * @body_len: (out): its body's length
 *
 * For a reader's fast path: whether @data starts with a whole header that
 * the decoder would take as far as the header goes (the magic, version,
 * flags and reserved bytes; not the type or the length, which the caller
 * checks for the one packet it handles itself). Everything else goes to
 * the decoder, which says what is wrong.
 */
gboolean
xg_proto_frame_peek (const guint8 *data,
                     gsize         len,
                     guint16      *type,
                     guint32      *request_id,
                     guint32      *body_len)
{
  if (len < XG_PROTO_HEADER_SIZE || data[0] != MAGIC_0 || data[1] != MAGIC_1 ||
      data[2] != XG_PROTO_VERSION || data[3] != 0 || data[6] != 0 || data[7] != 0)
    return FALSE;
  *type = (data[4] << 8) | data[5];
  *request_id = read_be32 (data + 8);
  *body_len = read_be32 (data + 12);
  return TRUE;
}

XgProtoDecoder *
xg_proto_decoder_new (guint32 max_frame_size)
{
  XgProtoDecoder *self = g_new0 (XgProtoDecoder, 1);

  xg_proto_keep_types ();

  self->max_frame_size = max_frame_size ? max_frame_size : XG_PROTO_DEFAULT_MAX_FRAME;
  return self;
}

void
xg_proto_decoder_free (XgProtoDecoder *self)
{
  if (self == NULL)
    return;
  g_free (self->body);
  g_clear_error (&self->failure);
  g_free (self);
}

/* TRUE when no partial frame is buffered. */
gboolean
xg_proto_decoder_is_idle (XgProtoDecoder *self)
{
  return self->header_len == 0;
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static gboolean
parse_header (XgProtoDecoder  *self,
              GError         **error)
{
  const guint8 *h = self->header;
  guint16 type = (h[4] << 8) | h[5];
  guint32 length = read_be32 (h + 12);
  guint32 limit;

  if (h[0] != MAGIC_0 || h[1] != MAGIC_1)
    {
      g_set_error_literal (error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_MAGIC,
                           "Frame does not start with the magic bytes \"XG\"");
      return FALSE;
    }
  if (h[2] != XG_PROTO_VERSION)
    {
      g_set_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_VERSION,
                   "Frame has protocol version %u, expected %u", h[2], XG_PROTO_VERSION);
      return FALSE;
    }
  if (h[3] != 0 || h[6] != 0 || h[7] != 0)
    {
      g_set_error_literal (error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_HEADER,
                           "Frame has unknown flags or a non-zero reserved field");
      return FALSE;
    }

  self->info = xg_proto_packet_info (type);
  if (self->info == NULL)
    {
      g_set_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_UNKNOWN_TYPE,
                   "Unknown packet type 0x%04x", type);
      return FALSE;
    }

  limit = MIN (self->info->max_body, self->max_frame_size);
  if (length > limit)
    {
      g_set_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_TOO_LARGE,
                   "%s body of %u bytes exceeds the limit of %u bytes",
                   self->info->name, length, limit);
      return FALSE;
    }

  self->request_id = read_be32 (h + 8);
  self->body_len = length;
  self->body_have = 0;
  self->body_cap = MIN (length, BODY_CHUNK);
  self->body = self->body_cap ? g_malloc (self->body_cap) : NULL;
  return TRUE;
}

/* Turns the completed body into a frame; resets for the next header. */
static XgProtoFrame *
finish_frame (XgProtoDecoder  *self,
              GError         **error)
{
  XgProtoFrame *frame = g_new0 (XgProtoFrame, 1);
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&self->body), self->body_len);
  g_autoptr(GVariant) body = NULL;
  XgProtoFlatCheck check;

  frame->type = self->info->type;
  frame->request_id = self->request_id;

  /* The hot packets' layouts are checked in one short walk (xg-proto-flat.c)
   * and are then trusted; GVariant checks the others member by member. */
  check = xg_proto_flat_check (self->info->signature, g_bytes_get_data (bytes, NULL), self->body_len);
  body = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (self->info->signature),
                                                       bytes, check == XG_PROTO_FLAT_NORMAL));
  if (check == XG_PROTO_FLAT_INVALID ||
      (check == XG_PROTO_FLAT_NOT_FLAT && !g_variant_is_normal_form (body)))
    {
      g_set_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_BODY,
                   "%s body is not a valid %s value (wrong layout, not in normal form, "
                   "or invalid UTF-8)", self->info->name, self->info->signature);
    }
  else
    {
#if G_BYTE_ORDER == G_BIG_ENDIAN
      frame->body = g_variant_byteswap (body);
#else
      frame->body = g_steal_pointer (&body);
#endif
    }

  self->header_len = 0;
  self->info = NULL;
  return frame;
}

/**
 * xg_proto_decoder_feed:
 * @decoder: a decoder
 * @data: bytes from the stream
 * @len: how many
 * @frame: (out): set to a completed frame, or left %NULL
 * @error: set when the stream is bad
 *
 * Consumes bytes until one frame is complete, an error is found, or @data
 * runs out, and returns how many bytes it consumed; call again with the rest.
 * Any split of the stream gives the same frames.
 *
 * On %XG_PROTO_ERROR_BAD_BODY, @frame is still set (with a %NULL body) so
 * the caller can answer the request with ERROR; decoding may continue. Any
 * other error is final: the decoder consumes nothing more and returns it again.
 */
gsize
xg_proto_decoder_feed (XgProtoDecoder  *self,
                       const guint8    *data,
                       gsize            len,
                       XgProtoFrame   **frame,
                       GError         **error)
{
  gsize used = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (frame != NULL && *frame == NULL, 0);

  if (self->failure != NULL)
    {
      g_propagate_error (error, g_error_copy (self->failure));
      return 0;
    }

  while (used < len)
    {
      gsize n;

      if (self->header_len < XG_PROTO_HEADER_SIZE)
        {
          n = MIN (XG_PROTO_HEADER_SIZE - self->header_len, len - used);
          memcpy (self->header + self->header_len, data + used, n);
          self->header_len += n;
          used += n;

          if (self->header_len < XG_PROTO_HEADER_SIZE)
            break;

          if (!parse_header (self, &self->failure))
            {
              g_propagate_error (error, g_error_copy (self->failure));
              return used;
            }
        }
      else
        {
          n = MIN (self->body_len - self->body_have, len - used);
          if (self->body_have + n > self->body_cap)
            {
              self->body_cap = MIN (MAX ((guint64) self->body_cap * 2, (guint64) self->body_have + n),
                                    self->body_len);
              self->body = g_realloc (self->body, self->body_cap);
            }
          memcpy (self->body + self->body_have, data + used, n);
          self->body_have += n;
          used += n;
        }

      if (self->body_have == self->body_len)
        {
          *frame = finish_frame (self, error);
          return used;
        }
    }

  return used;
}
