/* xg-proto-flat.h: the hot packets' bodies, serialised without GVariant's tree
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A "flat" signature is a tuple whose members are fixed-size basic types
 * (y b n q i u x t h d) or byte strings (ay): every message packet, the
 * acknowledgements, heartbeats. Their bodies are written and read here in
 * GVariant's own serialised format, byte for byte what g_variant_new() and
 * g_variant_get() produce and accept (tests/proto checks both against
 * GLib), without building a tree of GVariants, looking up type info for
 * every member, or walking each byte of a payload to check its normal form.
 * Everything else goes through GVariant as before.
 *
 * Used by the generated xg-proto-packets.c and by the decoder; not API.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  xg_proto_flat_signature_is_flat (const char    *signature);

typedef enum {
  XG_PROTO_FLAT_NOT_FLAT = -1,   /* not a flat signature: ask GVariant */
  XG_PROTO_FLAT_INVALID  = 0,
  XG_PROTO_FLAT_NORMAL   = 1,
} XgProtoFlatCheck;

/* For the decoder: xg_proto_flat_is_normal() when @signature is flat. */
XgProtoFlatCheck xg_proto_flat_check      (const char    *signature,
                                           const guint8  *data,
                                           gsize          size);

/* Whether @data is a normal-form serialised value of the flat @signature
 * (the size of a fixed-size tuple, zero padding, booleans 0 or 1, the
 * framing offsets of the byte strings in range and minimal). */
gboolean  xg_proto_flat_is_normal         (const char    *signature,
                                           const guint8  *data,
                                           gsize          size);

/* A new floating, trusted GVariant of the flat @signature from one argument
 * per member: guint8/gboolean/gint16/guint16 as int, gint32/guint32,
 * gint64/guint64, gdouble, and a GBytes * (NULL for empty) for ay. */
GVariant *xg_proto_flat_new               (const char    *signature,
                                           ...);

/* The whole frame of the packet @type (whose signature, flat, is
 * @signature) with one argument per member after @error, as for
 * xg_proto_flat_new(): the bytes xg_proto_frame_encode() gives for that
 * body, without building it as a GVariant. %NULL with @error set when the
 * body is over the packet's limit. */
GBytes   *xg_proto_flat_frame             (guint16        type,
                                           guint32        request_id,
                                           const char    *signature,
                                           GError       **error,
                                           ...);

/* Keeps GLib's type info of every packet's body for good (xg-proto.c);
 * called by the decoder and the serialiser. */
void      xg_proto_keep_types             (void);

/* Reads the members of @body (of the flat @signature) into one pointer
 * per member, each %NULL to skip it; an ay member is given as a new GBytes
 * sharing the body's memory. A body not in normal form reads as zeros and
 * empty byte strings, as g_variant_get() does. */
void      xg_proto_flat_get               (GVariant      *body,
                                           const char    *signature,
                                           ...);

/* Reads a normal-form body of fixed-size basic types and strings (`const
 * char **`, pointing into @body), as g_variant_get() with `&s`. */
void      xg_proto_tuple_get              (GVariant      *body,
                                           const char    *signature,
                                           ...);

/* As xg_proto_flat_frame(), for a tuple with strings (a `const char *`)
 * and arrays (a GVariant, transfer none) among its members too; NULL with
 * @error set also when a string is not UTF-8. */
GBytes   *xg_proto_tuple_frame_new        (guint16        type,
                                           guint32        request_id,
                                           GError       **error,
                                           ...);

G_END_DECLS
