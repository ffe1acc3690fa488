/* test-flat.c: xg-proto-flat.c against GLib's own serialiser, byte for byte
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For every packet whose signature is flat (the generated constructor and
 * accessor then go through xg-proto-flat.c):
 *  - bodies built by the typed constructor are the bytes GLib builds for
 *    the same values, across the framing offsets' sizes (1, 2 and 4 bytes);
 *  - the typed accessor reads back what went in;
 *  - xg_proto_flat_check() agrees with g_variant_is_normal_form() on those
 *    bodies and on thousands of mutations of them (bytes changed,
 *    truncated, extended);
 *  - and on every mutation GLib calls normal, xg_proto_flat_get() reads
 *    what g_variant_get() reads.
 * And the frame writers that skip GVariant (the generated xg_proto_*_frame(),
 * xg_proto_tuple_frame_new() with strings and arrays) write the bytes
 * xg_proto_frame_encode() writes for the typed constructors' bodies.
 */
#include "config.h"

#include <string.h>

#include "xg-proto.h"
#include "xg-proto-flat.h"
#include "xg-test-packets.h"

/* Payload sizes around the framing offsets' boundaries (255, 65535). */
static const gsize payload_sizes[] = { 0, 1, 7, 200, 220, 240, 250, 255, 256, 300,
                                       65500, 65510, 65535, 65536, 70000 };

#define MUTATIONS 120

static GVariant *
random_child (const GVariantType *type,
              gsize               payload_size,
              GRand              *rand)
{
  switch (g_variant_type_peek_string (type)[0])
    {
    case 'y': return g_variant_new_byte (g_rand_int (rand));
    case 'b': return g_variant_new_boolean (g_rand_boolean (rand));
    case 'q': return g_variant_new_uint16 (g_rand_int (rand));
    case 'u': return g_variant_new_uint32 (g_rand_int (rand));
    case 'x': return g_variant_new_int64 ((gint64) (((guint64) g_rand_int (rand) << 32) | g_rand_int (rand)));
    case 't': return g_variant_new_uint64 (((guint64) g_rand_int (rand) << 32) | g_rand_int (rand));
    case 'a':
      {
        guint8 *data = g_malloc (MAX (payload_size, 1));

        for (gsize i = 0; i < payload_size; i++)
          data[i] = g_rand_int (rand);
        return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, data, payload_size, TRUE, g_free, data);
      }
    default:
      g_assert_not_reached ();
    }
}

/* The same values in GLib's tree form: what g_variant_new() would build. */
static GVariant *
random_body (const char *signature,
             gsize       payload_size,
             GRand      *rand)
{
  const GVariantType *type = G_VARIANT_TYPE (signature);
  g_autoptr(GPtrArray) children = g_ptr_array_new ();

  for (const GVariantType *t = g_variant_type_first (type); t != NULL; t = g_variant_type_next (t))
    g_ptr_array_add (children, random_child (t, payload_size, rand));
  return g_variant_ref_sink (g_variant_new_tuple ((GVariant **) children->pdata, children->len));
}

/* Reads @data as GLib does (untrusted) and as xg-proto-flat.c does, and
 * requires the same verdict, and the same values when it is normal. */
static void
check_agrees (const XgProtoPacketInfo *info,
              const guint8            *data,
              gsize                    size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GVariant) glib = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (info->signature),
                                                                            bytes, FALSE));
  gboolean glib_normal = g_variant_is_normal_form (glib);
  XgProtoFlatCheck ours = xg_proto_flat_check (info->signature, data, size);
  XgTestSlot out[XG_TEST_MAX_FIELDS];
  XgTestSlot expected[XG_TEST_MAX_FIELDS];

  if (glib_normal != (ours == XG_PROTO_FLAT_NORMAL))
    g_error ("%s %s, %" G_GSIZE_FORMAT " bytes: GLib says %snormal, xg-proto-flat says %snormal",
             info->name, info->signature, size, glib_normal ? "" : "not ", ours == XG_PROTO_FLAT_NORMAL ? "" : "not ");
  if (!glib_normal)
    return;

  /* Normal: the typed accessor (xg_proto_flat_get) reads what GLib reads. */
  g_assert_true (xg_test_packet_get (info->type, glib, out));
  xg_test_slots_from_variant (glib, expected);
  {
    /* Same values as GLib's → the constructor gives GLib's bytes back. */
    g_autoptr(GVariant) ours_again = g_variant_ref_sink (xg_test_packet_new (info->type, out));
    g_autoptr(GVariant) glib_again = g_variant_ref_sink (xg_test_packet_new (info->type, expected));

    g_assert_nonnull (ours_again);
    g_assert_cmpmem (g_variant_get_data (ours_again), g_variant_get_size (ours_again),
                     g_variant_get_data (glib), g_variant_get_size (glib));
    g_assert_true (g_variant_equal (ours_again, glib_again));
  }
  xg_test_slots_clear (info->signature, out);
  xg_test_slots_clear (info->signature, expected);
}

static void
test_packets (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261202);
  guint flat = 0;

  for (guint n = 0; n < XG_PROTO_N_PACKETS; n++)
    {
      const XgProtoPacketInfo *info = xg_proto_packet_info_nth (n);
      gboolean has_bytes = strstr (info->signature, "ay") != NULL;

      if (!xg_proto_flat_signature_is_flat (info->signature))
        continue;
      flat++;

      for (guint s = 0; s < G_N_ELEMENTS (payload_sizes); s++)
        {
          g_autoptr(GVariant) expected = random_body (info->signature, payload_sizes[s], rand);
          g_autoptr(GVariant) built = NULL;
          g_autoptr(GBytes) serialised = g_variant_get_data_as_bytes (expected);
          XgTestSlot in[XG_TEST_MAX_FIELDS];
          XgTestSlot out[XG_TEST_MAX_FIELDS];
          gsize size;
          const guint8 *data = g_bytes_get_data (serialised, &size);
          g_autofree guint8 *mutated = NULL;

          /* GLib's bytes from the constructor, and the values back. */
          xg_test_slots_from_variant (expected, in);
          built = g_variant_ref_sink (xg_test_packet_new (info->type, in));
          g_assert_cmpmem (g_variant_get_data (built), g_variant_get_size (built), data, size);
          g_assert_true (g_variant_is_normal_form (built));
          g_assert_true (xg_test_packet_get (info->type, built, out));
          {
            g_autoptr(GVariant) rebuilt = g_variant_ref_sink (xg_test_packet_new (info->type, out));

            g_assert_true (g_variant_equal (rebuilt, expected));
          }
          xg_test_slots_clear (info->signature, in);
          xg_test_slots_clear (info->signature, out);

          check_agrees (info, data, size);

          /* Mutations: one to three bytes changed (the framing offsets and
           * padding are at the ends, so half of them go there), cut, grown. */
          mutated = g_malloc (size + 16);
          for (guint m = 0; m < MUTATIONS; m++)
            {
              gsize len = size;
              guint changes = 1 + g_rand_int_range (rand, 0, 3);

              memcpy (mutated, data, size);
              switch (g_rand_int_range (rand, 0, 4))
                {
                case 0:
                  if (len > 0)
                    len = g_rand_int_range (rand, 0, len);
                  break;
                case 1:
                  for (guint k = 0, extra = 1 + g_rand_int_range (rand, 0, 16); k < extra; k++)
                    mutated[len++] = g_rand_boolean (rand) ? 0 : g_rand_int (rand);
                  break;
                default:
                  break;
                }
              for (guint c = 0; c < changes && len > 0; c++)
                {
                  gsize at;

                  if (g_rand_boolean (rand))
                    at = len - 1 - g_rand_int_range (rand, 0, MIN (len, 12));
                  else
                    at = g_rand_int_range (rand, 0, MIN (len, 48));
                  mutated[at] = g_rand_boolean (rand) ? mutated[at] ^ (1u << g_rand_int_range (rand, 0, 8))
                                                      : g_rand_int (rand);
                }
              check_agrees (info, mutated, len);
            }

          if (!has_bytes)
            break;   /* the payload size changes nothing */
        }
    }

  g_test_message ("%u flat packets checked", flat);
  g_assert_cmpuint (flat, >=, 20);
}

/* Signatures that are not flat go to GVariant. */
static void
test_not_flat (void)
{
  const char *not_flat[] = { "()", "(s)", "(ts)", "(a{sv})", "(a(ytt))", "(tv)", "((tt))", "(at)", "t", "(t", NULL };
  const char *flat[] = { "(t)", "(ay)", "(ttttuayx)", "(ybqux)", "(ayay)", "(dnih)", NULL };

  for (guint i = 0; not_flat[i] != NULL; i++)
    {
      g_assert_false (xg_proto_flat_signature_is_flat (not_flat[i]));
      g_assert_cmpint (xg_proto_flat_check (not_flat[i], (const guint8 *) "", 0), ==, XG_PROTO_FLAT_NOT_FLAT);
    }
  for (guint i = 0; flat[i] != NULL; i++)
    g_assert_true (xg_proto_flat_signature_is_flat (flat[i]));
}

/* A fixed-size body of the wrong size is not normal (GLib would read it
 * as zeros, and so does xg_proto_flat_get). */
static void
test_wrong_size (void)
{
  guint8 data[40] = { 7 };
  g_autoptr(GVariant) body = NULL;
  guint64 client_msg_id = 1, seq = 1;
  gint64 time = 1;

  g_assert_cmpint (xg_proto_flat_check ("(ttx)", data, 24), ==, XG_PROTO_FLAT_NORMAL);
  g_assert_cmpint (xg_proto_flat_check ("(ttx)", data, 23), ==, XG_PROTO_FLAT_INVALID);
  g_assert_cmpint (xg_proto_flat_check ("(ttx)", data, 25), ==, XG_PROTO_FLAT_INVALID);
  g_assert_cmpint (xg_proto_flat_check ("(ttx)", data, 0), ==, XG_PROTO_FLAT_INVALID);
  body = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE ("(ttx)"), data, 30, FALSE, NULL, NULL));
  xg_proto_msg_sent_ack_get (body, &client_msg_id, &seq, &time);
  g_assert_cmpuint (client_msg_id, ==, 0);
  g_assert_cmpuint (seq, ==, 0);
  g_assert_cmpint (time, ==, 0);
}

/* Empty bodies: no offsets to read (found by the fuzzer: a read of zero
 * bytes at NULL + 0); the verdicts are GLib's. */
static void
test_empty (void)
{
  const char *signatures[] = { "(ayay)", "(ay)", "(ayayt)", "(tay)", "(t)", NULL };

  for (guint i = 0; signatures[i] != NULL; i++)
    {
      g_autoptr(GVariant) glib = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE (signatures[i]),
                                                                               NULL, 0, FALSE, NULL, NULL));

      g_assert_cmpint (xg_proto_flat_check (signatures[i], NULL, 0) == XG_PROTO_FLAT_NORMAL, ==,
                       g_variant_is_normal_form (glib));
    }
}

static GBytes *
bytes_of (gsize size,
          guint seed)
{
  GByteArray *data = g_byte_array_sized_new (size);

  for (gsize i = 0; i < size; i++)
    g_byte_array_append (data, &(guint8) { (guint8) (i * 31 + seed) }, 1);
  return g_byte_array_free_to_bytes (data);
}

static void
assert_same_frame (GBytes   *ours,
                   guint16   type,
                   guint32   request_id,
                   GVariant *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) glib = xg_proto_frame_encode (type, request_id, body, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ours);
  g_assert_cmpmem (g_bytes_get_data (ours, NULL), g_bytes_get_size (ours),
                   g_bytes_get_data (glib, NULL), g_bytes_get_size (glib));
}

/* The _frame functions give the bytes of xg_proto_frame_encode() of the
 * _new body: a fixed-size body, and bodies with a byte string across the
 * framing offsets' sizes, and arrays of (ytt); and the same error for a
 * body over the limit. */
static void
test_frames (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261202);

  for (guint s = 0; s < G_N_ELEMENTS (payload_sizes); s++)
    {
      guint8 *data = g_malloc (MAX (payload_sizes[s], 1));
      g_autoptr(GBytes) payload = NULL;
      guint64 seq = g_rand_int (rand), id = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
      gint64 time = g_get_real_time ();
      guint32 request_id = g_rand_int (rand);

      for (gsize i = 0; i < payload_sizes[s]; i++)
        data[i] = g_rand_int (rand);
      payload = g_bytes_new_take (data, payload_sizes[s]);

      {
        g_autoptr(GBytes) ours = xg_proto_msg_sent_ack_frame (request_id, id, seq, time, NULL);
        assert_same_frame (ours, XG_PACKET_MSG_SENT_ACK, request_id, xg_proto_msg_sent_ack_new (id, seq, time));
      }
      {
        g_autoptr(GBytes) ours = xg_proto_chat_deliver_frame (0, seq, id, 10001, 10002, 1, payload, time, NULL);
        assert_same_frame (ours, XG_PACKET_CHAT_DELIVER, 0,
                           xg_proto_chat_deliver_new (seq, id, 10001, 10002, 1, payload, time));
      }
      {
        g_autoptr(GBytes) ours = xg_proto_group_deliver_frame (0, seq, id, 10001, 100000000, 2, payload, time,
                                                               NULL);
        assert_same_frame (ours, XG_PACKET_GROUP_DELIVER, 0,
                           xg_proto_group_deliver_new (seq, id, 10001, 100000000, 2, payload, time));
      }
      /* A request, with its request id; its limit is 1 KiB. */
      if (payload_sizes[s] < 1000)
        {
          g_autoptr(GBytes) ours = xg_proto_token_login_frame (request_id, id, payload, NULL);
          assert_same_frame (ours, XG_PACKET_TOKEN_LOGIN, request_id, xg_proto_token_login_new (id, payload));
        }
    }

  /* (a(ytt)): written as GLib does, read back from what GLib built. */
  for (guint n = 0; n < 5; n++)
    {
      XgProtoYtt entries[5], back;
      GVariantBuilder builder;
      g_autoptr(GVariant) body = NULL;
      g_autoptr(GBytes) ours = NULL;
      const guint8 *data;

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ytt)"));
      for (guint i = 0; i < n; i++)
        {
          entries[i] = (XgProtoYtt) { g_rand_int (rand), ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand),
                                      g_rand_int (rand) };
          g_variant_builder_add (&builder, "(ytt)", entries[i].kind, entries[i].id, entries[i].seq);
        }
      body = g_variant_ref_sink (xg_proto_msg_delivered_new (g_variant_builder_end (&builder)));
      ours = xg_proto_ytt_frame (XG_PACKET_MSG_DELIVERED, 7, entries, n, NULL);
      assert_same_frame (ours, XG_PACKET_MSG_DELIVERED, 7, body);

      g_assert_cmpuint (xg_proto_ytt_entries (body, &data), ==, n);
      for (guint i = 0; i < n; i++)
        {
          xg_proto_ytt_get (data, i, &back);
          g_assert_cmpuint (back.kind, ==, entries[i].kind);
          g_assert_cmpuint (back.id, ==, entries[i].id);
          g_assert_cmpuint (back.seq, ==, entries[i].seq);
        }
    }

  {
    g_autoptr(GBytes) big = g_bytes_new_take (g_malloc0 (2048), 2048);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) frame = xg_proto_token_login_frame (1, 10001, big, &error);

    g_assert_null (frame);
    g_assert_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_TOO_LARGE);
  }

  /* HEARTBEAT_ACK (fixed size) and LOGIN_OK across the offsets' sizes,
   * which every login and heartbeat send. */
  for (guint i = 0; i < 4; i++)
    {
      gint64 t = i == 0 ? 0 : i == 1 ? -1 : i == 2 ? G_MAXINT64 : 1764633600123456;
      g_autoptr(GBytes) ours = xg_proto_heartbeat_ack_frame (i * 77, t, NULL);

      assert_same_frame (ours, XG_PACKET_HEARTBEAT_ACK, i * 77, xg_proto_heartbeat_ack_new (t));
    }
  {
    const gsize token_sizes[] = { 0, 1, 32, 230, 250, 300, 1000 };

    for (guint i = 0; i < G_N_ELEMENTS (token_sizes); i++)
      {
        g_autoptr(GBytes) token = bytes_of (token_sizes[i], i);
        g_autoptr(GBytes) ours = xg_proto_login_ok_frame (0xfedcba98, 100000 + i, token, 1767225600, NULL);

        assert_same_frame (ours, XG_PACKET_LOGIN_OK, 0xfedcba98, xg_proto_login_ok_new (100000 + i, token, 1767225600));
      }
  }
}

static GVariant *
fields_of (guint n,
           gsize avatar_size)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  if (n > 0)
    g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string ("晴天"));
  if (n > 1)
    g_variant_builder_add (&builder, "{sv}", "gender", g_variant_new_byte (2));
  if (n > 2)
    {
      g_autoptr(GBytes) avatar = bytes_of (avatar_size, 9);

      g_variant_builder_add (&builder, "{sv}", "avatar", xg_proto_bytes_variant (avatar));
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* xg_proto_tuple_frame_new(): strings and arrays too, across the
 * framing offsets' sizes, against GLib. */
static void
test_tuple_frames (void)
{
  g_autofree char *long_name = g_strnfill (300, 'n');
  g_autofree char *longer_name = g_strnfill (70000, 'm');
  const char *emails[] = { "", "a@example.com", "王小明@例子.中国", long_name };
  const char *nicknames[] = { "", "小明", long_name, longer_name };

  for (guint e = 0; e < G_N_ELEMENTS (emails); e++)
    for (guint k = 0; k < G_N_ELEMENTS (nicknames); k++)
      for (guint f = 0; f < 5; f++)
        {
          g_autoptr(GVariant) fields = f == 4 ? NULL : fields_of (f, f == 3 ? 70000 : 10);
          g_autoptr(GBytes) direct = xg_proto_tuple_frame_new (XG_PACKET_PROFILE, e * 10 + k, NULL,
                                                               (guint64) 100000007, emails[e], nicknames[k],
                                                               fields);

          assert_same_frame (direct, XG_PACKET_PROFILE, e * 10 + k,
                             xg_proto_profile_new (100000007, emails[e], nicknames[k], fields));
        }

  /* An array as the only member (its framing needs no offset). */
  for (guint n = 0; n < 3; n++)
    {
      GVariantBuilder builder;
      g_autoptr(GVariant) friends = NULL;
      g_autoptr(GBytes) direct = NULL;

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tssb)"));
      for (guint i = 0; i < n * 40; i++)
        g_variant_builder_add (&builder, "(tssb)", (guint64) 100000000 + i, i % 2 ? "备注" : "", "nick", i % 3 == 0);
      friends = g_variant_ref_sink (g_variant_builder_end (&builder));
      direct = xg_proto_tuple_frame_new (XG_PACKET_FRIEND_LIST, 0, NULL, friends);
      assert_same_frame (direct, XG_PACKET_FRIEND_LIST, 0, xg_proto_friend_list_new (friends));
    }

  /* Not UTF-8: refused (GLib would not build it at all). */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) frame = xg_proto_tuple_frame_new (XG_PACKET_PROFILE, 0, &error, (guint64) 1, "a\xff", "", NULL);

    g_assert_null (frame);
    g_assert_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_BODY);
  }
}

/* xg_proto_tuple_get() reads what g_variant_get() reads, strings too. */
static void
test_tuple_get (void)
{
  g_autofree char *long_name = g_strnfill (70000, 'x');
  const char *names[] = { "", "Xinge", "信鸽", long_name };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    for (guint j = 0; j < G_N_ELEMENTS (names); j++)
      {
        g_autoptr(GVariant) hello = g_variant_ref_sink (xg_proto_hello_new (i * 7 + j, names[i], names[j]));
        /* Serialised, as the decoder's bodies are. */
        g_autoptr(GVariant) body = g_variant_ref_sink (
          g_variant_new_from_data (G_VARIANT_TYPE (XG_PACKET_HELLO_SIGNATURE), g_variant_get_data (hello),
                                   g_variant_get_size (hello), FALSE, NULL, NULL));
        guint32 version = 0, glib_version = 0;
        const char *name = NULL, *client_version = NULL, *glib_name = NULL, *glib_client_version = NULL;

        xg_proto_tuple_get (body, XG_PACKET_HELLO_SIGNATURE, &version, &name, &client_version);
        xg_proto_hello_get (body, &glib_version, &glib_name, &glib_client_version);
        g_assert_cmpuint (version, ==, glib_version);
        g_assert_cmpstr (name, ==, glib_name);
        g_assert_cmpstr (client_version, ==, glib_client_version);
      }

  /* Members skipped, and a boolean among them. */
  {
    g_autoptr(GVariant) body = g_variant_ref_sink (g_variant_new ("(bsq)", TRUE, "abc", 513));
    gboolean b = FALSE;
    guint16 q = 0;

    xg_proto_tuple_get (body, "(bsq)", &b, NULL, &q);
    g_assert_true (b);
    g_assert_cmpuint (q, ==, 513);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/proto/flat/packets", test_packets);
  g_test_add_func ("/proto/flat/not-flat", test_not_flat);
  g_test_add_func ("/proto/flat/wrong-size", test_wrong_size);
  g_test_add_func ("/proto/flat/empty", test_empty);
  g_test_add_func ("/proto/flat/frames", test_frames);
  g_test_add_func ("/proto/flat/tuple-frames", test_tuple_frames);
  g_test_add_func ("/proto/flat/tuple-get", test_tuple_get);
  return g_test_run ();
}
