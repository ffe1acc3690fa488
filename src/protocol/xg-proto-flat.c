/* xg-proto-flat.c: the hot packets' bodies, serialised without GVariant's tree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GVariant's serialised format for a tuple (the GVariant specification,
 * "Structures"): the members in order, each at the next multiple of its
 * alignment with zero bytes between; for every variable-sized member but
 * the last, its end offset, stored at the end of the tuple in reverse
 * order, little-endian, in the smallest of 1, 2, 4 or 8 bytes that can
 * address the whole tuple. A tuple of fixed-size members only has a fixed
 * size too: the end of its last member rounded up to its alignment, with
 * zero padding. Here members are fixed-size basic types or byte strings
 * (alignment 1, any content), so the whole layout is a short walk.
 */
#include "config.h"

#include <string.h>

#include "xg-proto.h"
#include "xg-proto-flat.h"

#define MAX_MEMBERS 16

typedef struct {
  char  code;        /* the type character; 'A' for ay; for encoding only,
                      * 'S' for s and 'V' for another array */
  guint size;        /* 0 for ay, s and arrays */
  guint align;       /* 1, 2, 4 or 8 */
} Member;

typedef struct {
  Member members[MAX_MEMBERS];
  guint  n;
  guint  align;      /* the tuple's: its largest member's */
  gboolean fixed;    /* no ay member */
} Layout;

static gboolean
member_of (char    code,
           Member *m)
{
  m->code = code;
  switch (code)
    {
    case 'y': case 'b': m->size = 1; break;
    case 'n': case 'q': m->size = 2; break;
    case 'i': case 'u': case 'h': m->size = 4; break;
    case 'x': case 't': case 'd': m->size = 8; break;
    default: return FALSE;
    }
  m->align = m->size;
  return TRUE;
}

/* The alignment of a complete type: a container's is its largest member's,
 * so the largest of its basic types' (a variant's is 8). */
static guint
type_align (const char *type,
            const char *end)
{
  guint align = 1;

  for (const char *p = type; p < end; p++)
    switch (*p)
      {
      case 'n': case 'q': align = MAX (align, 2); break;
      case 'i': case 'u': case 'h': align = MAX (align, 4); break;
      case 'x': case 't': case 'd': case 'v': align = MAX (align, 8); break;
      default: break;
      }
  return align;
}

/* A tuple of fixed-size basic types and byte strings; with @encodable,
 * strings and arrays of any type too, which only the encoder takes
 * (reading them needs GVariant's checks). */
static gboolean
parse_layout (const char *signature,
              Layout     *layout,
              gboolean    encodable)
{
  const char *p = signature;

  memset (layout, 0, sizeof *layout);
  layout->align = 1;
  layout->fixed = TRUE;
  if (signature == NULL || *p++ != '(')
    return FALSE;

  while (*p != ')')
    {
      Member *m;
      const char *end;

      if (*p == '\0' || layout->n == MAX_MEMBERS)
        return FALSE;
      m = &layout->members[layout->n++];
      if (p[0] == 'a' && p[1] == 'y')
        {
          *m = (Member) { 'A', 0, 1 };
          p += 2;
        }
      else if (encodable && p[0] == 'a')
        {
          if (!g_variant_type_string_scan (p, NULL, &end))
            return FALSE;
          *m = (Member) { 'V', 0, type_align (p, end) };
          p = end;
        }
      else if (encodable && p[0] == 's')
        {
          *m = (Member) { 'S', 0, 1 };
          p++;
        }
      else if (member_of (*p, m))
        p++;
      else
        return FALSE;
      if (m->size == 0)
        layout->fixed = FALSE;
      layout->align = MAX (layout->align, m->align);
    }

  /* "()" is a one-byte unit value: not worth a path of its own. */
  return layout->n > 0 && p[1] == '\0';
}

static gboolean
parse (const char *signature,
       Layout     *layout)
{
  return parse_layout (signature, layout, FALSE);
}

static gboolean
parse_encodable (const char *signature,
                 Layout     *layout)
{
  return parse_layout (signature, layout, TRUE);
}

gboolean
xg_proto_flat_signature_is_flat (const char *signature)
{
  Layout layout;

  return parse (signature, &layout);
}

static gsize
align_up (gsize offset,
          guint align)
{
  return (offset + align - 1) & ~(gsize) (align - 1);
}

static guint
offset_size_for (gsize total)
{
  if (total == 0)
    return 0;
  if (total <= G_MAXUINT8)
    return 1;
  if (total <= G_MAXUINT16)
    return 2;
  if (total <= G_MAXUINT32)
    return 4;
  return 8;
}

static gsize
read_le (const guint8 *p,
         guint         n)
{
  gsize v = 0;

  for (guint i = 0; i < n; i++)
    v |= (gsize) p[i] << (8 * i);
  return v;
}

static void
write_le (guint8 *p,
          gsize   v,
          guint   n)
{
  for (guint i = 0; i < n; i++)
    p[i] = (v >> (8 * i)) & 0xff;
}

/* Where each member starts and ends in @data, or FALSE when @data is not
 * in normal form; the same walk as GLib's gvs_tuple_is_normal(). */
static gboolean
locate (const Layout *layout,
        const guint8 *data,
        gsize         size,
        gsize        *starts,
        gsize        *ends)
{
  guint offset_size = offset_size_for (size);
  gsize offset_ptr = size;
  gsize offset = 0;

  if (data == NULL && size != 0)
    return FALSE;

  if (layout->fixed)
    {
      gsize fixed_size = 0;

      for (guint i = 0; i < layout->n; i++)
        fixed_size = align_up (fixed_size, layout->members[i].align) + layout->members[i].size;
      if (size != align_up (fixed_size, layout->align))
        return FALSE;
    }

  for (guint i = 0; i < layout->n; i++)
    {
      const Member *m = &layout->members[i];
      gsize end;

      while (offset & (m->align - 1))
        {
          if (offset >= size || data[offset] != 0)
            return FALSE;
          offset++;
        }

      if (m->size != 0)
        end = offset + m->size;
      else if (i == layout->n - 1)
        end = offset_ptr;
      else
        {
          if (offset_ptr < offset_size)
            return FALSE;
          offset_ptr -= offset_size;
          if (offset_ptr < offset)
            return FALSE;
          /* An empty tuple's offsets are zero bytes wide: every end is 0. */
          end = offset_size > 0 ? read_le (data + offset_ptr, offset_size) : 0;
        }

      if (end < offset || end > offset_ptr)
        return FALSE;
      if (m->code == 'b' && data[offset] > 1)
        return FALSE;

      starts[i] = offset;
      ends[i] = end;
      offset = end;
    }

  if (layout->fixed)
    while (offset & (layout->align - 1))
      {
        if (offset >= size || data[offset] != 0)
          return FALSE;
        offset++;
      }

  return offset == offset_ptr;
}

gboolean
xg_proto_flat_is_normal (const char   *signature,
                         const guint8 *data,
                         gsize         size)
{
  gsize starts[MAX_MEMBERS], ends[MAX_MEMBERS];
  Layout layout;

  if (!parse (signature, &layout))
    g_return_val_if_reached (FALSE);
  return locate (&layout, data, size, starts, ends);
}

XgProtoFlatCheck
xg_proto_flat_check (const char   *signature,
                     const guint8 *data,
                     gsize         size)
{
  gsize starts[MAX_MEMBERS], ends[MAX_MEMBERS];
  Layout layout;

  if (!parse (signature, &layout))
    return XG_PROTO_FLAT_NOT_FLAT;
  return locate (&layout, data, size, starts, ends) ? XG_PROTO_FLAT_NORMAL : XG_PROTO_FLAT_INVALID;
}

typedef union {
  guint64     u64;
  guint32     u32;
  guint16     u16;
  guint8      u8;
  gdouble     d;
  GBytes     *bytes;
  const char *str;
  GVariant   *child;
} Value;

/* Takes one argument per member of @layout from @ap into @values, and
 * where each member ends into @ends; returns the serialised size. */
static gsize
collect (const Layout *layout,
         Value        *values,
         gsize        *ends,
         va_list      *ap)
{
  gsize body_size = 0;
  guint n_offsets = 0;

  for (guint i = 0; i < layout->n; i++)
    {
      const Member *m = &layout->members[i];

      switch (m->code)
        {
        case 'b': values[i].u8 = va_arg (*ap, int) != 0; break;
        case 'y': values[i].u8 = (guint8) va_arg (*ap, int); break;
        case 'n': case 'q': values[i].u16 = (guint16) va_arg (*ap, int); break;
        case 'i': case 'u': case 'h': values[i].u32 = va_arg (*ap, guint32); break;
        case 'x': case 't': values[i].u64 = va_arg (*ap, guint64); break;
        case 'd': values[i].d = va_arg (*ap, gdouble); break;
        case 'A': values[i].bytes = va_arg (*ap, GBytes *); break;
        case 'S': values[i].str = va_arg (*ap, const char *); break;
        case 'V': values[i].child = va_arg (*ap, GVariant *); break;
        default: g_assert_not_reached ();
        }

      body_size = align_up (body_size, m->align);
      if (m->code == 'S')
        body_size += (values[i].str != NULL ? strlen (values[i].str) : 0) + 1;
      else if (m->code == 'V')
        body_size += values[i].child != NULL ? g_variant_get_size (values[i].child) : 0;
      else
        body_size += m->size != 0 ? m->size
                     : values[i].bytes != NULL ? g_bytes_get_size (values[i].bytes) : 0;
      ends[i] = body_size;
      if (m->size == 0 && i != layout->n - 1)
        n_offsets++;
    }

  if (layout->fixed)
    return align_up (body_size, layout->align);
  if (body_size + n_offsets <= G_MAXUINT8)
    return body_size + n_offsets;
  if (body_size + 2 * n_offsets <= G_MAXUINT16)
    return body_size + 2 * n_offsets;
  if (body_size + 4 * (gsize) n_offsets <= G_MAXUINT32)
    return body_size + 4 * (gsize) n_offsets;
  return body_size + 8 * (gsize) n_offsets;
}

/* Serialises what collect() took into @data, @total zeroed bytes (the
 * padding must be zero). */
static void
write_body (const Layout *layout,
            const Value  *values,
            const gsize  *ends,
            gsize         total,
            guint8       *data)
{
  guint offset_size = offset_size_for (total);
  gsize offset = 0, offset_ptr = total;

  for (guint i = 0; i < layout->n; i++)
    {
      const Member *m = &layout->members[i];

      offset = align_up (offset, m->align);
      switch (m->size)
        {
        case 1: data[offset] = values[i].u8; break;
        case 2: memcpy (data + offset, &values[i].u16, 2); break;
        case 4: memcpy (data + offset, &values[i].u32, 4); break;
        case 8: memcpy (data + offset, m->code == 'd' ? (gpointer) &values[i].d : (gpointer) &values[i].u64, 8); break;
        case 0:
          if (m->code == 'S')
            {
              /* With its NUL; an empty one is the NUL alone. */
              if (values[i].str != NULL)
                memcpy (data + offset, values[i].str, ends[i] - offset);
            }
          else if (m->code == 'V')
            {
              if (values[i].child != NULL)
                g_variant_store (values[i].child, data + offset);
            }
          else if (values[i].bytes != NULL)
            {
              gsize len;
              const guint8 *src = g_bytes_get_data (values[i].bytes, &len);

              if (len > 0)
                memcpy (data + offset, src, len);
            }
          if (i != layout->n - 1)
            {
              offset_ptr -= offset_size;
              write_le (data + offset_ptr, ends[i], offset_size);
            }
          break;
        default:
          g_assert_not_reached ();
        }
      offset = ends[i];
    }
}

GVariant *
xg_proto_flat_new (const char *signature,
                   ...)
{
  Value values[MAX_MEMBERS];
  gsize ends[MAX_MEMBERS];
  Layout layout;
  gsize total;
  guint8 *data;
  va_list ap;

  if (!parse (signature, &layout))
    g_return_val_if_reached (NULL);

  xg_proto_keep_types ();
  va_start (ap, signature);
  total = collect (&layout, values, ends, &ap);
  va_end (ap);

  data = g_malloc0 (MAX (total, 1));
  write_body (&layout, values, ends, total, data);
  return g_variant_new_from_data (G_VARIANT_TYPE (signature), data, total, TRUE, g_free, data);
}

/* The frame of @info's packet from what collect() took: header and body
 * in one zeroed buffer. */
static GBytes *
frame_from (const XgProtoPacketInfo *info,
            guint16                  type,
            guint32                  request_id,
            const Layout            *layout,
            const Value             *values,
            const gsize             *ends,
            gsize                    total,
            GError                 **error)
{
  guint8 *frame;

  if (total > info->max_body)
    {
      g_set_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_TOO_LARGE,
                   "%s body of %" G_GSIZE_FORMAT " bytes exceeds its limit of %u bytes",
                   info->name, total, info->max_body);
      return NULL;
    }

  frame = g_malloc0 (XG_PROTO_HEADER_SIZE + total);
  write_body (layout, values, ends, total, frame + XG_PROTO_HEADER_SIZE);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  /* write_body() writes the host's order; xg_proto_frame_encode() swaps
   * it to the wire's, little-endian. */
  {
    g_autoptr(GBytes) body = g_bytes_new (frame + XG_PROTO_HEADER_SIZE, total);

    g_free (frame);
    return xg_proto_frame_encode (type, request_id,
                                  g_variant_new_from_bytes (G_VARIANT_TYPE (info->signature), body, TRUE),
                                  error);
  }
#else
  xg_proto_frame_write_header (frame, type, request_id, (guint32) total);
  return g_bytes_new_take (frame, XG_PROTO_HEADER_SIZE + total);
#endif
}

GBytes *
xg_proto_flat_frame (guint16      type,
                     guint32      request_id,
                     const char  *signature,
                     GError     **error,
                     ...)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (type);
  Value values[MAX_MEMBERS];
  gsize ends[MAX_MEMBERS];
  Layout layout;
  gsize total;
  va_list ap;

  g_return_val_if_fail (info != NULL && strcmp (info->signature, signature) == 0, NULL);
  if (!parse (signature, &layout))
    g_return_val_if_reached (NULL);

  va_start (ap, error);
  total = collect (&layout, values, ends, &ap);
  va_end (ap);
  return frame_from (info, type, request_id, &layout, values, ends, total, error);
}

/**
 * xg_proto_tuple_frame_new:
 * @type: a packet whose body is a tuple of fixed-size basic types, byte
 *   strings, strings and arrays
 * @error: set when a string is not UTF-8 or the body is larger than the
 *   packet allows
 * @...: one value per member, as for xg_proto_flat_new(), and a
 *   `const char *` (NULL for empty) for s, a #GVariant of the array's
 *   type (transfer none; NULL for empty) for any other array
 *
 * As xg_proto_flat_frame(), for bodies with strings and arrays too
 * (PROFILE's `(tssa{sv})`): an array comes as the #GVariant it is and is
 * stored in place; only the tuple around it is not built as one.
 *
 * Returns: (transfer full) (nullable): the frame
 */
GBytes *
xg_proto_tuple_frame_new (guint16    type,
                          guint32    request_id,
                          GError   **error,
                          ...)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (type);
  Value values[MAX_MEMBERS];
  gsize ends[MAX_MEMBERS];
  Layout layout;
  gsize total;
  va_list ap;

  g_return_val_if_fail (info != NULL, NULL);
  if (!parse_encodable (info->signature, &layout))
    g_return_val_if_reached (NULL);

  va_start (ap, error);
  total = collect (&layout, values, ends, &ap);
  va_end (ap);

  for (guint i = 0; i < layout.n; i++)
    if (layout.members[i].code == 'S' && values[i].str != NULL && !g_utf8_validate (values[i].str, -1, NULL))
      {
        g_set_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_BODY,
                     "%s has a string that is not UTF-8", info->name);
        return NULL;
      }
  return frame_from (info, type, request_id, &layout, values, ends, total, error);
}

/**
 * xg_proto_tuple_get:
 * @body: a body in normal form (the decoder's, which checked it)
 * @signature: its type: fixed-size basic types and strings
 * @...: one pointer per member, each %NULL to skip it; a `const char **`
 *   for a string, which points into @body
 *
 * Reads a body as g_variant_get() with `&s` does, without a GVariant per
 * member. A body not in normal form reads as zeros and empty strings.
 */
void
xg_proto_tuple_get (GVariant   *body,
                    const char *signature,
                    ...)
{
  gsize starts[MAX_MEMBERS], ends[MAX_MEMBERS];
  const guint8 *data = g_variant_get_data (body);
  gsize size = g_variant_get_size (body);
  gboolean normal;
  Layout layout;
  va_list ap;

  if (!parse_encodable (signature, &layout))
    g_return_if_reached ();
  normal = locate (&layout, data, size, starts, ends);

  va_start (ap, signature);
  for (guint i = 0; i < layout.n; i++)
    {
      const Member *m = &layout.members[i];
      gpointer out = va_arg (ap, gpointer);
      const guint8 *at = normal ? data + starts[i] : NULL;

      if (out == NULL)
        continue;
      if (m->code == 'S')
        {
          /* Normal form: the string's bytes end with its only NUL. */
          *(const char **) out = at != NULL && ends[i] > starts[i] && data[ends[i] - 1] == '\0'
                                 ? (const char *) at : "";
          continue;
        }
      if (m->code == 'b')
        {
          *(gboolean *) out = at != NULL && *at != 0;
          continue;
        }
      g_return_if_fail (m->size != 0);
      if (at != NULL)
        memcpy (out, at, m->size);
      else
        memset (out, 0, m->size);
    }
  va_end (ap);
}

#define YTT_SIZE 24

GBytes *
xg_proto_ytt_frame (guint16            type,
                    guint32            request_id,
                    const XgProtoYtt  *entries,
                    gsize              n_entries,
                    GError           **error)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (type);
  gsize size = n_entries * YTT_SIZE;
  guint8 *frame, *at;

  g_return_val_if_fail (info != NULL && strcmp (info->signature, "(a(ytt))") == 0, NULL);
  if (size > info->max_body)
    {
      g_set_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_TOO_LARGE,
                   "%s body of %" G_GSIZE_FORMAT " bytes exceeds its limit of %u bytes",
                   info->name, size, info->max_body);
      return NULL;
    }

  /* Zeroed: the padding must be. */
  frame = g_malloc0 (XG_PROTO_HEADER_SIZE + size);
  xg_proto_frame_write_header (frame, type, request_id, (guint32) size);
  at = frame + XG_PROTO_HEADER_SIZE;
  for (gsize i = 0; i < n_entries; i++, at += YTT_SIZE)
    {
      /* The wire's order: little-endian. */
      guint64 id = GUINT64_TO_LE (entries[i].id), seq = GUINT64_TO_LE (entries[i].seq);

      at[0] = entries[i].kind;
      memcpy (at + 8, &id, 8);
      memcpy (at + 16, &seq, 8);
    }
  return g_bytes_new_take (frame, XG_PROTO_HEADER_SIZE + size);
}

gsize
xg_proto_ytt_entries (GVariant      *body,
                      const guint8 **data)
{
  gsize size;

  g_return_val_if_fail (g_variant_is_of_type (body, G_VARIANT_TYPE ("(a(ytt))")), 0);

  /* The one member is the last, so it has no framing offset: the tuple's
   * bytes are the array's, fixed-size elements back to back. */
  size = g_variant_get_size (body);
  *data = g_variant_get_data (body);
  return size % YTT_SIZE == 0 ? size / YTT_SIZE : 0;
}

void
xg_proto_ytt_get (const guint8 *data,
                  gsize         i,
                  XgProtoYtt   *entry)
{
  const guint8 *at = data + i * YTT_SIZE;
  guint64 id, seq;

  /* A body is in the host's order (the decoder swapped it if need be). */
  memcpy (&id, at + 8, 8);
  memcpy (&seq, at + 16, 8);
  entry->kind = at[0];
  entry->id = id;
  entry->seq = seq;
}

void
xg_proto_flat_get (GVariant   *body,
                   const char *signature,
                   ...)
{
  gsize starts[MAX_MEMBERS], ends[MAX_MEMBERS];
  const guint8 *data;
  g_autoptr(GBytes) whole = NULL;
  Layout layout;
  gsize size;
  gboolean normal;
  va_list ap;

  if (!parse (signature, &layout))
    g_return_if_reached ();

  /* The bytes only for slices of them (a fixed-size body of the wrong
   * size has none to share: GLib replaced its data with zeros). */
  if (!layout.fixed)
    {
      whole = g_variant_get_data_as_bytes (body);
      data = g_bytes_get_data (whole, &size);
    }
  else
    {
      data = g_variant_get_data (body);
      size = g_variant_get_size (body);
    }
  normal = locate (&layout, data, size, starts, ends);

  va_start (ap, signature);
  for (guint i = 0; i < layout.n; i++)
    {
      const Member *m = &layout.members[i];
      gpointer out = va_arg (ap, gpointer);
      const guint8 *at = normal ? data + starts[i] : NULL;

      if (out == NULL)
        continue;
      switch (m->size)
        {
        case 1:
          if (m->code == 'b')
            *(gboolean *) out = at != NULL && *at != 0;
          else
            *(guint8 *) out = at != NULL ? *at : 0;
          break;
        case 2:
          if (at != NULL)
            memcpy (out, at, 2);
          else
            memset (out, 0, 2);
          break;
        case 4:
          if (at != NULL)
            memcpy (out, at, 4);
          else
            memset (out, 0, 4);
          break;
        case 8:
          if (at != NULL)
            memcpy (out, at, 8);
          else
            memset (out, 0, 8);
          break;
        case 0:
          *(GBytes **) out = normal ? g_bytes_new_from_bytes (whole, starts[i], ends[i] - starts[i])
                                    : g_bytes_new (NULL, 0);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  va_end (ap);
}
