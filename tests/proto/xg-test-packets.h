/* xg-test-packets.h: every packet's typed API, driven from a table of slots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by tests/proto/test-codec.c, the fuzzer and the corpus generator.
 * xg_test_packet_new() and xg_test_packet_get() hold one case per packet and
 * call the generated xg_proto_<name>_new() / xg_proto_<name>_get(); a packet
 * added to packets.def without a case here makes them return NULL / FALSE,
 * which test-codec.c turns into a failure.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define XG_TEST_MAX_FIELDS 16

/* How a body field travels through the typed API. */
typedef enum {
  XG_TEST_SLOT_Y,        /* guint8 */
  XG_TEST_SLOT_B,        /* gboolean */
  XG_TEST_SLOT_Q,        /* guint16 */
  XG_TEST_SLOT_U,        /* guint32 */
  XG_TEST_SLOT_X,        /* gint64 */
  XG_TEST_SLOT_T,        /* guint64 */
  XG_TEST_SLOT_S,        /* const char *, borrowed */
  XG_TEST_SLOT_AY,       /* GBytes *, owned */
  XG_TEST_SLOT_VARIANT,  /* GVariant *, owned: every container type */
} XgTestSlotKind;

/* One field's value, in the C type the generated API uses for it. */
typedef union {
  guint8       y;
  gboolean     b;
  guint16      q;
  guint32      u;
  gint64       x;
  guint64      t;
  const char  *s;
  GBytes      *ay;
  GVariant    *v;
} XgTestSlot;

XgTestSlotKind xg_test_slot_kind          (const GVariantType *type);
guint          xg_test_slots_from_variant (GVariant           *tuple,
                                           XgTestSlot         *slots);
void           xg_test_slots_clear        (const char         *signature,
                                           XgTestSlot         *slots);

GVariant      *xg_test_packet_new         (guint16             type,
                                           const XgTestSlot   *a);
gboolean       xg_test_packet_get         (guint16             type,
                                           GVariant           *body,
                                           XgTestSlot         *o);

GVariant      *xg_test_make_value         (const GVariantType *type,
                                           guint               seed);
GVariant      *xg_test_make_grown_value   (const GVariantType *type,
                                           gsize               grow,
                                           guint               seed);

G_END_DECLS
