/* test-codec.c: framing, the incremental decoder and every packet's typed API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "xg-proto.h"
#include "xg-test-packets.h"

#define BIG_MAX  XG_PROTO_DEFAULT_MAX_FRAME

/* ---- Helpers ------------------------------------------------------------ */

static GVariant *
make_body (const XgProtoPacketInfo *info,
           guint                    seed)
{
  return g_variant_ref_sink (xg_test_make_value (G_VARIANT_TYPE (info->signature), seed));
}

static GBytes *
encode (guint16   type,
        guint32   request_id,
        GVariant *body)
{
  g_autoptr(GError) error = NULL;
  GBytes *frame = xg_proto_frame_encode (type, request_id, body, &error);

  g_assert_no_error (error);
  g_assert_nonnull (frame);
  return frame;
}

static void
write_header (guint8  *h,
              guint16  type,
              guint32  request_id,
              guint32  length)
{
  h[0] = 'X';
  h[1] = 'G';
  h[2] = XG_PROTO_VERSION;
  h[3] = 0;
  h[4] = type >> 8;
  h[5] = type & 0xff;
  h[6] = 0;
  h[7] = 0;
  h[8] = request_id >> 24;
  h[9] = (request_id >> 16) & 0xff;
  h[10] = (request_id >> 8) & 0xff;
  h[11] = request_id & 0xff;
  h[12] = length >> 24;
  h[13] = (length >> 16) & 0xff;
  h[14] = (length >> 8) & 0xff;
  h[15] = length & 0xff;
}

/* A frame with a correct header around any body bytes. */
static GBytes *
raw_frame (guint16     type,
           guint32     request_id,
           const void *body,
           gsize       len)
{
  guint8 *data = g_malloc (XG_PROTO_HEADER_SIZE + len);

  write_header (data, type, request_id, len);
  if (len > 0)
    memcpy (data + XG_PROTO_HEADER_SIZE, body, len);
  return g_bytes_new_take (data, XG_PROTO_HEADER_SIZE + len);
}

static void
check_header (GBytes  *frame,
              guint16  type,
              guint32  request_id,
              gsize    body_len)
{
  gsize len;
  const guint8 *h = g_bytes_get_data (frame, &len);

  g_assert_cmpuint (len, ==, XG_PROTO_HEADER_SIZE + body_len);
  g_assert_cmpint (h[0], ==, 'X');
  g_assert_cmpint (h[1], ==, 'G');
  g_assert_cmpint (h[2], ==, 1);
  g_assert_cmpint (h[3], ==, 0);
  g_assert_cmpint (h[4], ==, type >> 8);
  g_assert_cmpint (h[5], ==, type & 0xff);
  g_assert_cmpint (h[6], ==, 0);
  g_assert_cmpint (h[7], ==, 0);
  g_assert_cmpint (h[8], ==, request_id >> 24);
  g_assert_cmpint (h[9], ==, (request_id >> 16) & 0xff);
  g_assert_cmpint (h[10], ==, (request_id >> 8) & 0xff);
  g_assert_cmpint (h[11], ==, request_id & 0xff);
  g_assert_cmpint (h[12], ==, body_len >> 24);
  g_assert_cmpint (h[13], ==, (body_len >> 16) & 0xff);
  g_assert_cmpint (h[14], ==, (body_len >> 8) & 0xff);
  g_assert_cmpint (h[15], ==, body_len & 0xff);
}

/* Compares what a typed accessor returned with the fields of @expected. */
static void
check_slots (GVariant         *expected,
             const XgTestSlot *slots)
{
  gsize n = g_variant_n_children (expected);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (expected, i);

      switch (xg_test_slot_kind (g_variant_get_type (child)))
        {
        case XG_TEST_SLOT_Y:
          g_assert_cmpuint (slots[i].y, ==, g_variant_get_byte (child));
          break;
        case XG_TEST_SLOT_B:
          g_assert_cmpint (slots[i].b, ==, g_variant_get_boolean (child));
          break;
        case XG_TEST_SLOT_Q:
          g_assert_cmpuint (slots[i].q, ==, g_variant_get_uint16 (child));
          break;
        case XG_TEST_SLOT_U:
          g_assert_cmpuint (slots[i].u, ==, g_variant_get_uint32 (child));
          break;
        case XG_TEST_SLOT_X:
          g_assert_cmpint (slots[i].x, ==, g_variant_get_int64 (child));
          break;
        case XG_TEST_SLOT_T:
          g_assert_cmpuint (slots[i].t, ==, g_variant_get_uint64 (child));
          break;
        case XG_TEST_SLOT_S:
          g_assert_cmpstr (slots[i].s, ==, g_variant_get_string (child, NULL));
          break;
        case XG_TEST_SLOT_AY:
          {
            const guint8 *data;
            gsize size;

            g_assert_nonnull (slots[i].ay);
            data = g_bytes_get_data (slots[i].ay, &size);
            g_assert_cmpmem (data, size, g_variant_get_data (child), g_variant_get_size (child));
          }
          break;
        case XG_TEST_SLOT_VARIANT:
          g_assert_nonnull (slots[i].v);
          g_assert_true (g_variant_equal (slots[i].v, child));
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

/* ---- Decoding a stream -------------------------------------------------- */

/* What the decoder reported, once per frame or error. */
typedef struct {
  gboolean  has_frame;
  guint16   type;
  guint32   request_id;
  GVariant *body;
  int       error_code;  /* -1 without error */
} Result;

static void
result_clear (gpointer data)
{
  Result *result = data;

  g_clear_pointer (&result->body, g_variant_unref);
}

static GArray *
results_new (void)
{
  GArray *results = g_array_new (FALSE, TRUE, sizeof (Result));

  g_array_set_clear_func (results, result_clear);
  return results;
}

static void
check_results (GArray *got,
               GArray *expected)
{
  g_assert_cmpuint (got->len, ==, expected->len);
  for (guint i = 0; i < got->len; i++)
    {
      Result *a = &g_array_index (got, Result, i);
      Result *b = &g_array_index (expected, Result, i);

      g_assert_cmpint (a->has_frame, ==, b->has_frame);
      g_assert_cmpuint (a->type, ==, b->type);
      g_assert_cmpuint (a->request_id, ==, b->request_id);
      g_assert_cmpint (a->error_code, ==, b->error_code);
      if (b->body == NULL)
        g_assert_null (a->body);
      else
        g_assert_true (a->body != NULL && g_variant_equal (a->body, b->body));
    }
}

/* How many bytes to hand the decoder in its next call. */
typedef gsize (*ChunkFunc) (gpointer user_data);

static gsize
chunk_all (gpointer user_data)
{
  return G_MAXSIZE;
}

static gsize
chunk_one (gpointer user_data)
{
  return 1;
}

static gsize
chunk_random (gpointer user_data)
{
  return g_test_rand_int_range (1, GPOINTER_TO_INT (user_data) + 1);
}

/* Feeds @data to a new decoder in chunks from @chunk and collects what it
 * reports, checking the decoder's own promises on the way. */
static GArray *
decode_stream (const guint8 *data,
               gsize         len,
               guint32       max_frame,
               ChunkFunc     chunk,
               gpointer      chunk_data)
{
  g_autoptr(XgProtoDecoder) decoder = xg_proto_decoder_new (max_frame);
  GArray *results = results_new ();
  gsize off = 0;

  while (off < len)
    {
      gsize size = chunk (chunk_data);
      gsize end = off + MIN (size, len - off);

      while (off < end)
        {
          g_autoptr(XgProtoFrame) frame = NULL;
          g_autoptr(GError) error = NULL;
          gsize n = xg_proto_decoder_feed (decoder, data + off, end - off, &frame, &error);
          Result result = { FALSE, 0, 0, NULL, -1 };

          g_assert_cmpuint (n, <=, end - off);
          off += n;

          if (frame == NULL && error == NULL)
            {
              /* nothing to report: the decoder must have taken everything */
              g_assert_cmpuint (off, ==, end);
              continue;
            }

          g_assert_cmpuint (n, >, 0);
          if (error != NULL)
            {
              g_assert_true (error->domain == XG_PROTO_ERROR);
              result.error_code = error->code;
            }
          if (frame != NULL)
            {
              /* a frame comes alone or with BAD_BODY, its body is NULL exactly then */
              g_assert_true (error == NULL || error->code == XG_PROTO_ERROR_BAD_BODY);
              g_assert_true ((frame->body == NULL) == (error != NULL));
              g_assert_true (xg_proto_decoder_is_idle (decoder));
              result.has_frame = TRUE;
              result.type = frame->type;
              result.request_id = frame->request_id;
              result.body = g_steal_pointer (&frame->body);
              if (result.body != NULL)
                {
                  const XgProtoPacketInfo *info = xg_proto_packet_info (result.type);

                  g_assert_true (g_variant_is_of_type (result.body, G_VARIANT_TYPE (info->signature)));
                }
            }
          else
            {
              g_assert_cmpint (error->code, !=, XG_PROTO_ERROR_BAD_BODY);
            }
          g_array_append_val (results, result);

          if (frame == NULL)
            return results;  /* fatal */
        }
    }

  return results;
}

/* A byte stream of frames and the results its decoding must give. */
typedef struct {
  GByteArray *bytes;
  GArray     *expected;
} Stream;

static void
stream_init (Stream *stream)
{
  stream->bytes = g_byte_array_new ();
  stream->expected = results_new ();
}

static void
stream_clear (Stream *stream)
{
  g_clear_pointer (&stream->bytes, g_byte_array_unref);
  g_clear_pointer (&stream->expected, g_array_unref);
}

static void
stream_add_raw (Stream     *stream,
                guint16     type,
                guint32     request_id,
                const void *body,
                gsize       len,
                GVariant   *value)
{
  g_autoptr(GBytes) frame = raw_frame (type, request_id, body, len);
  Result result = { TRUE, type, request_id, NULL, -1 };

  g_byte_array_append (stream->bytes, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
  if (value != NULL)
    result.body = g_variant_ref (value);
  else
    result.error_code = XG_PROTO_ERROR_BAD_BODY;
  g_array_append_val (stream->expected, result);
}

static void
stream_add (Stream   *stream,
            guint16   type,
            guint32   request_id,
            GVariant *body)
{
  stream_add_raw (stream, type, request_id, g_variant_get_data (body), g_variant_get_size (body), body);
}

/* Bodies that are never valid. */
typedef struct {
  const char *name;
  guint16     type;
  const char *body;
  gsize       len;
} BadBodyCase;

#define BODY(literal) literal, sizeof (literal) - 1

static const BadBodyCase bad_body_cases[] = {
  { "string-without-nul", XG_PACKET_EMAIL_LOOKUP, BODY ("abc") },
  { "string-with-inner-nul", XG_PACKET_EMAIL_LOOKUP, BODY ("a\0b\0") },
  { "wrong-framing-offset", XG_PACKET_LOGIN, BODY ("a\0b\0c\0\5\2") },
  { "framing-offset-out-of-range", XG_PACKET_LOGIN, BODY ("a\0b\0c\0\4\x7f") },
  { "framing-offsets-decreasing", XG_PACKET_LOGIN, BODY ("a\0b\0c\0\2\4") },
  { "fixed-size-short", XG_PACKET_HEARTBEAT, BODY ("1234") },
  { "fixed-size-long", XG_PACKET_HEARTBEAT, BODY ("123456789") },
  { "unit-empty", XG_PACKET_LOGOUT, "", 0 },
  { "unit-non-zero", XG_PACKET_LOGOUT, BODY ("\1") },
  { "non-zero-padding", XG_PACKET_ERROR, BODY ("\1\0\xaa\xaa\2\0\0\0hi\0") },
  { "trailing-byte", XG_PACKET_FRIEND_ACCEPT, BODY ("\1\0\0\0\0\0\0\0\2\0\0\0\0\0\0\0\0") },
  { "boolean-not-0-or-1", XG_PACKET_WELCOME,
    BODY ("\1\0\0\0srv\0\2\0\0\0\3\0\0\0\4\0\0\0\2\x08") },
  { "utf8-invalid-byte", XG_PACKET_EMAIL_LOOKUP, BODY ("\xff\xfe\0") },
  { "utf8-overlong", XG_PACKET_EMAIL_LOOKUP, BODY ("\xc0\xaf\0") },
  { "utf8-surrogate", XG_PACKET_EMAIL_LOOKUP, BODY ("\xed\xa0\x80\0") },
  { "utf8-truncated", XG_PACKET_EMAIL_LOOKUP, BODY ("\xe4\xbd\0") },
  { "utf8-above-max", XG_PACKET_EMAIL_LOOKUP, BODY ("\xf4\x90\x80\x80\0") },
  { "utf8-in-second-field", XG_PACKET_LOGIN, BODY ("a@b\0\xff\0c\0\x06\x04") },
};

/* A long stream of every packet with varied values, @bad_every'th frame (if
 * non-zero) replaced by an invalid body. */
static void
stream_add_mixed (Stream *stream,
                  guint   n_frames,
                  guint   bad_every)
{
  for (guint i = 0; i < n_frames; i++)
    {
      guint32 request_id = g_test_rand_int ();

      if (bad_every != 0 && i % bad_every == bad_every - 1)
        {
          const BadBodyCase *bad =
            &bad_body_cases[g_test_rand_int_range (0, G_N_ELEMENTS (bad_body_cases))];

          stream_add_raw (stream, bad->type, request_id, bad->body, bad->len, NULL);
        }
      else
        {
          const XgProtoPacketInfo *info =
            xg_proto_packet_info_nth (g_test_rand_int_range (0, XG_PROTO_N_PACKETS));
          g_autoptr(GVariant) body = make_body (info, g_test_rand_int ());

          stream_add (stream, info->type, request_id, body);
        }
    }
}

/* ---- Packet table ------------------------------------------------------- */

static gboolean
is_packet_name (const char *name)
{
  if (name == NULL || *name == '\0')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isupper (*p) && !g_ascii_isdigit (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

static void
test_info_consistent (void)
{
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) types = g_hash_table_new (NULL, NULL);
  guint found = 0;

  for (guint i = 0; i < XG_PROTO_N_PACKETS; i++)
    {
      const XgProtoPacketInfo *info = xg_proto_packet_info_nth (i);
      const GVariantType *type;

      g_assert_nonnull (info);
      g_test_message ("%s", info->name);
      g_assert_true (is_packet_name (info->name));
      g_assert_false (g_hash_table_contains (by_name, info->name));
      g_hash_table_insert (by_name, (gpointer) info->name, (gpointer) info);

      g_assert_cmpuint (info->type, !=, 0);  /* 0 means "unknown" in ERROR */
      g_assert_false (g_hash_table_contains (types, GUINT_TO_POINTER (info->type)));
      g_hash_table_add (types, GUINT_TO_POINTER (info->type));
      g_assert_true (xg_proto_packet_info (info->type) == info);

      g_assert_true (info->seed_name == NULL || g_utf8_validate (info->seed_name, -1, NULL));
      g_assert_true (info->direction == XG_PROTO_CLIENT_TO_SERVER ||
                     info->direction == XG_PROTO_SERVER_TO_CLIENT);
      g_assert_cmpuint (info->max_body, >, 0);
      g_assert_cmpuint (info->max_body, <=, BIG_MAX);

      g_assert_true (g_variant_type_string_is_valid (info->signature));
      type = G_VARIANT_TYPE (info->signature);
      g_assert_true (g_variant_type_is_tuple (type));
      g_assert_true (g_variant_type_is_definite (type));
      g_assert_cmpuint (g_variant_type_n_items (type), <=, XG_TEST_MAX_FIELDS);

      g_assert_cmpint (info->self_field, >=, -1);
      if (info->self_field >= 0)
        {
          const GVariantType *item = g_variant_type_first (type);

          g_assert_cmpint (info->self_field, <, g_variant_type_n_items (type));
          for (int k = 0; k < info->self_field; k++)
            item = g_variant_type_next (item);
          g_assert_true (g_variant_type_equal (item, G_VARIANT_TYPE_UINT64));
          /* only a client claims an id for itself */
          g_assert_cmpint (info->direction, ==, XG_PROTO_CLIENT_TO_SERVER);
        }
    }

  g_assert_null (xg_proto_packet_info_nth (XG_PROTO_N_PACKETS));
  g_assert_null (xg_proto_packet_info_nth (G_MAXUINT));

  /* answers name existing requests, going the other way */
  for (guint i = 0; i < XG_PROTO_N_PACKETS; i++)
    {
      const XgProtoPacketInfo *info = xg_proto_packet_info_nth (i);
      g_auto(GStrv) answers = NULL;

      if (info->answers == NULL)
        continue;
      g_test_message ("%s answers %s", info->name, info->answers);
      g_assert_cmpstr (info->answers, !=, "");
      if (g_str_equal (info->answers, "*"))
        continue;

      answers = g_strsplit (info->answers, ",", -1);
      for (guint k = 0; answers[k] != NULL; k++)
        {
          const XgProtoPacketInfo *request = g_hash_table_lookup (by_name, answers[k]);

          g_assert_nonnull (request);
          g_assert_cmpint (request->direction, !=, info->direction);
        }
    }

  /* every type code is either a packet of that code or nothing */
  for (guint code = 0; code <= G_MAXUINT16; code++)
    {
      const XgProtoPacketInfo *info = xg_proto_packet_info (code);

      if (info == NULL)
        continue;
      g_assert_cmpuint (info->type, ==, code);
      found++;
    }
  g_assert_cmpuint (found, ==, XG_PROTO_N_PACKETS);
}

static void
test_error_strings (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (int code = XG_PROTO_ERR_MALFORMED_FRAME; code <= XG_PROTO_ERR_ALREADY_PENDING; code++)
    {
      const char *text = xg_proto_error_code_to_string (code);

      g_assert_nonnull (text);
      g_assert_cmpstr (text, !=, "unknown error");
      g_assert_false (g_hash_table_contains (seen, text));
      g_hash_table_add (seen, (gpointer) text);
    }
  g_assert_cmpstr (xg_proto_error_code_to_string (0), ==, "unknown error");
  g_assert_cmpstr (xg_proto_error_code_to_string (XG_PROTO_ERR_ALREADY_PENDING + 1), ==, "unknown error");
}

/* ---- Round trips -------------------------------------------------------- */

static void
test_round_trip (void)
{
  g_autoptr(GString) missing = g_string_new (NULL);
  guint covered = 0;

  for (guint i = 0; i < XG_PROTO_N_PACKETS; i++)
    {
      const XgProtoPacketInfo *info = xg_proto_packet_info_nth (i);
      g_autoptr(GVariant) expected = make_body (info, i + 1);
      g_autoptr(XgProtoDecoder) decoder = xg_proto_decoder_new (0);
      g_autoptr(XgProtoFrame) frame = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) body = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GBytes) again = NULL;
      guint32 request_id = 0xa1b2c300u + i;
      XgTestSlot args[XG_TEST_MAX_FIELDS];
      XgTestSlot out[XG_TEST_MAX_FIELDS];
      const guint8 *data;
      gsize len;

      g_test_message ("%s %s", info->name, info->signature);

      /* the typed constructor, from the fields of a sample body */
      xg_test_slots_from_variant (expected, args);
      body = xg_test_packet_new (info->type, args);
      if (body == NULL)
        {
          g_string_append_printf (missing, " %s", info->name);
          xg_test_slots_clear (info->signature, args);
          continue;
        }
      g_assert_true (g_variant_is_floating (body));
      g_variant_ref_sink (body);
      xg_test_slots_clear (info->signature, args);
      g_assert_true (g_variant_is_of_type (body, G_VARIANT_TYPE (info->signature)));
      g_assert_true (g_variant_equal (body, expected));

      /* the frame */
      bytes = encode (info->type, request_id, body);
      check_header (bytes, info->type, request_id, g_variant_get_size (expected));
      data = g_bytes_get_data (bytes, &len);
      g_assert_cmpmem (data + XG_PROTO_HEADER_SIZE, len - XG_PROTO_HEADER_SIZE,
                       g_variant_get_data (expected), g_variant_get_size (expected));

      /* a fresh decoder gives it back */
      g_assert_cmpuint (xg_proto_decoder_feed (decoder, data, len, &frame, &error), ==, len);
      g_assert_no_error (error);
      g_assert_nonnull (frame);
      g_assert_true (xg_proto_decoder_is_idle (decoder));
      g_assert_cmpuint (frame->type, ==, info->type);
      g_assert_cmpuint (frame->request_id, ==, request_id);
      g_assert_nonnull (frame->body);
      g_assert_true (g_variant_equal (frame->body, expected));

      /* the typed accessor, field by field */
      g_assert_true (xg_test_packet_get (info->type, frame->body, out));
      check_slots (expected, out);
      xg_test_slots_clear (info->signature, out);

      /* and the decoded body encodes to the same bytes */
      again = encode (frame->type, frame->request_id, frame->body);
      g_assert_true (g_bytes_equal (again, bytes));

      covered++;
    }

  if (missing->len > 0)
    g_test_message ("no case in tests/proto/xg-test-packets.c for:%s", missing->str);
  g_assert_cmpuint (covered, ==, XG_PROTO_N_PACKETS);
}

/* The constructors turn NULL strings, bytes and arrays into empty ones. */
static void
test_null_defaults (void)
{
  struct {
    GVariant   *body;
    guint16     type;
    const char *text;
  } cases[] = {
    { xg_proto_login_new (NULL, NULL, NULL), XG_PACKET_LOGIN, "('', '', '')" },
    { xg_proto_chat_send_new (1, 2, 3, XG_PROTO_MESSAGE_TEXT, NULL), XG_PACKET_CHAT_SEND,
      "(uint64 1, uint64 2, uint64 3, uint32 1, @ay [])" },
    { xg_proto_token_login_new (10000, NULL), XG_PACKET_TOKEN_LOGIN, "(uint64 10000, @ay [])" },
    { xg_proto_profile_update_new (NULL), XG_PACKET_PROFILE_UPDATE, "(@a{sv} {},)" },
    { xg_proto_friend_list_new (NULL), XG_PACKET_FRIEND_LIST, "(@a(tssb) [],)" },
    { xg_proto_msg_received_ack_new (NULL), XG_PACKET_MSG_RECEIVED_ACK, "(@a(ytt) [],)" },
    { xg_proto_logout_new (), XG_PACKET_LOGOUT, "()" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) body = g_variant_ref_sink (cases[i].body);
      g_autoptr(GVariant) expected = g_variant_parse (NULL, cases[i].text, NULL, NULL, NULL);
      g_autoptr(XgProtoDecoder) decoder = xg_proto_decoder_new (0);
      g_autoptr(XgProtoFrame) frame = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = encode (cases[i].type, 7, body);
      gsize len;
      const guint8 *data = g_bytes_get_data (bytes, &len);

      g_assert_nonnull (expected);
      g_assert_true (g_variant_equal (body, expected));
      g_assert_cmpuint (xg_proto_decoder_feed (decoder, data, len, &frame, &error), ==, len);
      g_assert_no_error (error);
      g_assert_true (g_variant_equal (frame->body, expected));
    }

  /* a non-array container has no default */
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*friend != NULL*");
  g_assert_null (xg_proto_friend_request_accepted_new (1, 2, NULL));
  g_test_assert_expected_messages ();
}

/* Every out argument of an accessor may be NULL. */
static void
test_getter_null_outs (void)
{
  g_autoptr(GBytes) payload = g_bytes_new_static ("\0\1\0", 3);
  g_autoptr(GVariant) body =
    g_variant_ref_sink (xg_proto_chat_deliver_new (1, 2, 3, 4, XG_PROTO_MESSAGE_FILE, payload, -5));
  g_autoptr(GVariant) profile =
    g_variant_ref_sink (xg_proto_profile_new (10001, "a@例子.中国", "小明", NULL));
  g_autoptr(GBytes) got = NULL;
  guint64 seq = 0;
  gint64 server_time = 0;
  const char *nickname = NULL;

  xg_proto_chat_deliver_get (body, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  xg_proto_chat_deliver_get (body, &seq, NULL, NULL, NULL, NULL, &got, &server_time);
  g_assert_cmpuint (seq, ==, 1);
  g_assert_cmpint (server_time, ==, -5);
  g_assert_true (g_bytes_equal (got, payload));

  xg_proto_profile_get (profile, NULL, NULL, &nickname, NULL);
  g_assert_cmpstr (nickname, ==, "小明");
}

static gsize
grown_size (const GVariantType *type,
            gsize               grow)
{
  g_autoptr(GVariant) value = g_variant_ref_sink (xg_test_make_grown_value (type, grow, 1));

  return g_variant_get_size (value);
}

/* Finds the largest body of @info's type that still fits its max_body, by
 * growing one string or array in it. */
static gsize
fit_grow (const XgProtoPacketInfo *info,
          gsize                   *size_out)
{
  const GVariantType *type = G_VARIANT_TYPE (info->signature);
  guint64 lo = 0, hi = 1, lo_size, hi_size;

  lo_size = grown_size (type, lo);
  g_assert_cmpuint (lo_size, <=, info->max_body);
  while ((hi_size = grown_size (type, hi)) <= info->max_body)
    {
      lo = hi;
      lo_size = hi_size;
      hi *= 2;
    }

  /* interpolate: the size is close to linear in the growth */
  while (hi - lo > 1)
    {
      guint64 mid = lo + (info->max_body - lo_size) * (hi - lo) / (hi_size - lo_size);
      guint64 mid_size;

      mid = CLAMP (mid, lo + 1, hi - 1);
      mid_size = grown_size (type, mid);
      if (mid_size <= info->max_body)
        {
          lo = mid;
          lo_size = mid_size;
        }
      else
        {
          hi = mid;
          hi_size = mid_size;
        }
    }

  *size_out = lo_size;
  return lo;
}

/* The encoder accepts a body of up to max_body bytes, the decoder takes it
 * back, and one byte (or element) more is TOO_LARGE. */
static void
test_encode_limits (void)
{
  guint grown = 0;

  for (guint i = 0; i < XG_PROTO_N_PACKETS; i++)
    {
      const XgProtoPacketInfo *info = xg_proto_packet_info_nth (i);
      const GVariantType *type = G_VARIANT_TYPE (info->signature);
      g_autoptr(GVariant) probe = xg_test_make_grown_value (type, 0, 1);
      g_autoptr(GVariant) fits = NULL;
      g_autoptr(GVariant) over = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) results = NULL;
      gsize grow, size;

      if (probe == NULL)
        {
          g_autoptr(GVariant) body = make_body (info, 1);

          g_test_message ("%s: fixed size %" G_GSIZE_FORMAT, info->name, g_variant_get_size (body));
          g_assert_cmpuint (g_variant_get_size (body), <=, info->max_body);
          continue;
        }
      g_variant_ref_sink (probe);

      grow = fit_grow (info, &size);
      g_test_message ("%s: %" G_GSIZE_FORMAT " of max %u bytes", info->name, size, info->max_body);
      g_assert_cmpuint (size, >, info->max_body - 64);  /* the search got close */

      fits = g_variant_ref_sink (xg_test_make_grown_value (type, grow, 1));
      bytes = encode (info->type, 42, fits);
      check_header (bytes, info->type, 42, size);
      results = decode_stream (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                               0, chunk_all, NULL);
      g_assert_cmpuint (results->len, ==, 1);
      g_assert_cmpint (g_array_index (results, Result, 0).error_code, ==, -1);
      g_assert_true (g_variant_equal (g_array_index (results, Result, 0).body, fits));

      over = g_variant_ref_sink (xg_test_make_grown_value (type, grow + 1, 1));
      g_assert_cmpuint (g_variant_get_size (over), >, info->max_body);
      g_assert_null (xg_proto_frame_encode (info->type, 42, over, &error));
      g_assert_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_TOO_LARGE);

      grown++;
    }

  g_assert_cmpuint (grown, >, XG_PROTO_N_PACKETS / 2);
}

/* A body of the wrong type, or an unknown packet type, is a programming error. */
static void
test_encode_misuse (void)
{
  g_autoptr(GVariant) body = g_variant_ref_sink (g_variant_new ("(ttt)", 1, 2, 3));

  g_test_expect_message ("xg-proto", G_LOG_LEVEL_CRITICAL, "*g_variant_is_of_type*");
  g_assert_null (xg_proto_frame_encode (XG_PACKET_LOGIN, 1, g_variant_new ("(ttt)", 1, 2, 3), NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message ("xg-proto", G_LOG_LEVEL_CRITICAL, "*info != NULL*");
  g_assert_null (xg_proto_frame_encode (0x7777, 1, body, NULL));
  g_test_assert_expected_messages ();
}

/* ---- Splitting the stream ----------------------------------------------- */

static void
stream_add_every_packet (Stream *stream,
                         guint   seed)
{
  for (guint i = 0; i < XG_PROTO_N_PACKETS; i++)
    {
      const XgProtoPacketInfo *info = xg_proto_packet_info_nth (i);
      g_autoptr(GVariant) body = make_body (info, seed + i);

      stream_add (stream, info->type, seed * 1000 + i, body);
    }
}

static void
test_byte_at_a_time (void)
{
  Stream stream;
  g_autoptr(GArray) whole = NULL;
  g_autoptr(GArray) bytewise = NULL;

  stream_init (&stream);
  stream_add_every_packet (&stream, 1);
  stream_add_raw (&stream, XG_PACKET_EMAIL_LOOKUP, 99, BODY ("abc"), NULL);
  stream_add_every_packet (&stream, 2);

  whole = decode_stream (stream.bytes->data, stream.bytes->len, 0, chunk_all, NULL);
  bytewise = decode_stream (stream.bytes->data, stream.bytes->len, 0, chunk_one, NULL);
  check_results (whole, stream.expected);
  check_results (bytewise, stream.expected);
  stream_clear (&stream);
}

static void
test_concatenated (void)
{
  g_autoptr(XgProtoDecoder) decoder = xg_proto_decoder_new (0);
  Stream stream;
  gsize off = 0;

  stream_init (&stream);
  for (guint seed = 1; seed <= 3; seed++)
    stream_add_every_packet (&stream, seed * 100);

  /* one buffer, fed to one decoder: frames come out in order, each call
   * consuming exactly one frame */
  for (guint i = 0; i < stream.expected->len; i++)
    {
      Result *expected = &g_array_index (stream.expected, Result, i);
      g_autoptr(XgProtoFrame) frame = NULL;
      g_autoptr(GError) error = NULL;
      gsize n = xg_proto_decoder_feed (decoder, stream.bytes->data + off,
                                       stream.bytes->len - off, &frame, &error);

      g_assert_no_error (error);
      g_assert_nonnull (frame);
      g_assert_cmpuint (n, ==, XG_PROTO_HEADER_SIZE + g_variant_get_size (expected->body));
      g_assert_cmpuint (frame->type, ==, expected->type);
      g_assert_cmpuint (frame->request_id, ==, expected->request_id);
      g_assert_true (g_variant_equal (frame->body, expected->body));
      off += n;
    }
  g_assert_cmpuint (off, ==, stream.bytes->len);
  g_assert_true (xg_proto_decoder_is_idle (decoder));

  stream_clear (&stream);
}

static void
test_random_splits (void)
{
  static const int max_chunks[] = { 2, 7, 16, 17, 100, 4096, 100000 };
  Stream stream;

  stream_init (&stream);
  stream_add_mixed (&stream, 400, 23);
  g_test_message ("%u frames, %u bytes", stream.expected->len, stream.bytes->len);

  for (guint iteration = 0; iteration < 40; iteration++)
    {
      int max_chunk = max_chunks[iteration % G_N_ELEMENTS (max_chunks)];
      g_autoptr(GArray) results = decode_stream (stream.bytes->data, stream.bytes->len, 0,
                                                 chunk_random, GINT_TO_POINTER (max_chunk));

      check_results (results, stream.expected);
    }

  stream_clear (&stream);
}

static void
test_idle (void)
{
  g_autoptr(XgProtoDecoder) decoder = xg_proto_decoder_new (0);
  g_autoptr(GVariant) body = g_variant_ref_sink (xg_proto_heartbeat_new (123));
  g_autoptr(GBytes) bytes = encode (XG_PACKET_HEARTBEAT, 1, body);
  const guint8 *data = g_bytes_get_data (bytes, NULL);
  g_autoptr(XgProtoFrame) frame = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (xg_proto_decoder_is_idle (decoder));
  g_assert_cmpuint (xg_proto_decoder_feed (decoder, data, 0, &frame, &error), ==, 0);
  g_assert_null (frame);
  g_assert_no_error (error);
  g_assert_true (xg_proto_decoder_is_idle (decoder));

  /* inside the header, then inside the body */
  g_assert_cmpuint (xg_proto_decoder_feed (decoder, data, 5, &frame, &error), ==, 5);
  g_assert_false (xg_proto_decoder_is_idle (decoder));
  g_assert_cmpuint (xg_proto_decoder_feed (decoder, data + 5, 15, &frame, &error), ==, 15);
  g_assert_null (frame);
  g_assert_no_error (error);
  g_assert_false (xg_proto_decoder_is_idle (decoder));
  g_assert_cmpuint (xg_proto_decoder_feed (decoder, data + 20, 4, &frame, &error), ==, 4);
  g_assert_no_error (error);
  g_assert_nonnull (frame);
  g_assert_true (xg_proto_decoder_is_idle (decoder));
}

/* ---- Rejections --------------------------------------------------------- */

/* Headers the decoder must refuse as soon as their 16th byte arrives. */
typedef struct {
  const char   *name;
  guint32       max_frame;
  guint16       type;
  guint32       length;
  int           poke_at;  /* header byte to change, or -1 */
  guint8        poke;
  XgProtoError  code;
} FatalCase;

static const FatalCase fatal_cases[] = {
  { "bad-magic-first", 0, XG_PACKET_LOGIN, 12, 0, 'x', XG_PROTO_ERROR_BAD_MAGIC },
  { "bad-magic-second", 0, XG_PACKET_LOGIN, 12, 1, 'g', XG_PROTO_ERROR_BAD_MAGIC },
  { "bad-magic-zero", 0, XG_PACKET_LOGIN, 12, 0, 0, XG_PROTO_ERROR_BAD_MAGIC },
  { "bad-version-0", 0, XG_PACKET_LOGIN, 12, 2, 0, XG_PROTO_ERROR_BAD_VERSION },
  { "bad-version-2", 0, XG_PACKET_LOGIN, 12, 2, 2, XG_PROTO_ERROR_BAD_VERSION },
  { "bad-version-255", 0, XG_PACKET_LOGIN, 12, 2, 0xff, XG_PROTO_ERROR_BAD_VERSION },
  { "flags-low-bit", 0, XG_PACKET_LOGIN, 12, 3, 0x01, XG_PROTO_ERROR_BAD_HEADER },
  { "flags-high-bit", 0, XG_PACKET_LOGIN, 12, 3, 0x80, XG_PROTO_ERROR_BAD_HEADER },
  { "reserved-high-byte", 0, XG_PACKET_LOGIN, 12, 6, 0x01, XG_PROTO_ERROR_BAD_HEADER },
  { "reserved-low-byte", 0, XG_PACKET_LOGIN, 12, 7, 0x80, XG_PROTO_ERROR_BAD_HEADER },
  { "unknown-type-0", 0, 0x0000, 12, -1, 0, XG_PROTO_ERROR_UNKNOWN_TYPE },
  { "unknown-type-4", 0, 0x0004, 12, -1, 0, XG_PROTO_ERROR_UNKNOWN_TYPE },
  { "unknown-type-05ff", 0, 0x05ff, 12, -1, 0, XG_PROTO_ERROR_UNKNOWN_TYPE },
  { "unknown-type-ffff", 0, 0xffff, 12, -1, 0, XG_PROTO_ERROR_UNKNOWN_TYPE },
  { "length-ffffffff", 0, XG_PACKET_LOGIN, 0xffffffffu, -1, 0, XG_PROTO_ERROR_TOO_LARGE },
  { "length-ffffffff-big-type", 0, XG_PACKET_CHAT_SEND, 0xffffffffu, -1, 0, XG_PROTO_ERROR_TOO_LARGE },
  { "over-type-max", 0, XG_PACKET_HEARTBEAT, 1025, -1, 0, XG_PROTO_ERROR_TOO_LARGE },
  { "over-type-max-4k", 0, XG_PACKET_LOGIN, 4097, -1, 0, XG_PROTO_ERROR_TOO_LARGE },
  { "over-type-max-8m", 0, XG_PACKET_CHAT_SEND, 8193 * 1024 + 1, -1, 0, XG_PROTO_ERROR_TOO_LARGE },
  { "over-default-max", 0, XG_PACKET_CHAT_HISTORY, BIG_MAX + 1, -1, 0, XG_PROTO_ERROR_TOO_LARGE },
  { "over-decoder-max", 1024, XG_PACKET_PROFILE, 1025, -1, 0, XG_PROTO_ERROR_TOO_LARGE },
  { "over-decoder-max-big", 1024, XG_PACKET_CHAT_SEND, 0x01000000, -1, 0, XG_PROTO_ERROR_TOO_LARGE },
};

static void
make_case_header (guint8          *h,
                  const FatalCase *c)
{
  write_header (h, c->type, 0x01020304, c->length);
  if (c->poke_at >= 0)
    h[c->poke_at] = c->poke;
}

static void
test_reject_fatal (gconstpointer data)
{
  const FatalCase *c = data;
  g_autoptr(XgProtoDecoder) decoder = xg_proto_decoder_new (c->max_frame);
  g_autoptr(XgProtoDecoder) bytewise = xg_proto_decoder_new (c->max_frame);
  g_autoptr(GVariant) body = g_variant_ref_sink (xg_proto_heartbeat_new (1));
  g_autoptr(GBytes) good = encode (XG_PACKET_HEARTBEAT, 2, body);
  g_autoptr(XgProtoFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  guint8 stream[XG_PROTO_HEADER_SIZE + 64];
  guint8 header[XG_PROTO_HEADER_SIZE];

  /* just the header: refused without waiting for, or allocating, a body */
  make_case_header (header, c);
  g_assert_cmpuint (xg_proto_decoder_feed (decoder, header, sizeof header, &frame, &error),
                    ==, XG_PROTO_HEADER_SIZE);
  g_assert_error (error, XG_PROTO_ERROR, (gint) c->code);
  g_assert_null (frame);
  g_test_message ("%s", error->message);

  /* final: later feeds take nothing and repeat the error */
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpuint (xg_proto_decoder_feed (decoder, g_bytes_get_data (good, NULL),
                                               g_bytes_get_size (good), &frame, &again),
                        ==, 0);
      g_assert_error (again, XG_PROTO_ERROR, (gint) c->code);
      g_assert_cmpstr (again->message, ==, error->message);
      g_assert_null (frame);
      g_clear_error (&again);
    }

  /* byte by byte: nothing until the 16th byte */
  for (guint i = 0; i < XG_PROTO_HEADER_SIZE - 1; i++)
    {
      g_assert_cmpuint (xg_proto_decoder_feed (bytewise, header + i, 1, &frame, &again), ==, 1);
      g_assert_no_error (again);
      g_assert_null (frame);
    }
  g_assert_cmpuint (xg_proto_decoder_feed (bytewise, header + XG_PROTO_HEADER_SIZE - 1, 1,
                                           &frame, &again), ==, 1);
  g_assert_error (again, XG_PROTO_ERROR, (gint) c->code);
  g_assert_null (frame);
  g_clear_error (&again);

  /* header and more in one buffer: only the header is consumed */
  g_clear_pointer (&decoder, xg_proto_decoder_free);
  decoder = xg_proto_decoder_new (c->max_frame);
  memset (stream, 0, sizeof stream);
  memcpy (stream, header, sizeof header);
  g_assert_cmpuint (xg_proto_decoder_feed (decoder, stream, sizeof stream, &frame, &again),
                    ==, XG_PROTO_HEADER_SIZE);
  g_assert_error (again, XG_PROTO_ERROR, (gint) c->code);
  g_assert_null (frame);
}

/* Headers right at a limit, which the decoder must accept. */
typedef struct {
  const char *name;
  guint32     max_frame;
  guint16     type;
  guint32     length;
} LimitCase;

static const LimitCase limit_cases[] = {
  { "type-max", 0, XG_PACKET_HEARTBEAT, 1024 },
  { "type-max-4k", 0, XG_PACKET_LOGIN, 4096 },
  { "type-max-8m", 0, XG_PACKET_CHAT_SEND, 8193 * 1024 },
  { "decoder-max", 1024, XG_PACKET_PROFILE, 1024 },
  { "decoder-max-over-type-max", 1 << 20, XG_PACKET_LOGIN, 4096 },
};

static void
test_accept_limit (gconstpointer data)
{
  const LimitCase *c = data;
  g_autoptr(XgProtoDecoder) decoder = xg_proto_decoder_new (c->max_frame);
  g_autoptr(XgProtoFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  guint8 header[XG_PROTO_HEADER_SIZE + 8] = { 0 };

  write_header (header, c->type, 5, c->length);
  g_assert_cmpuint (xg_proto_decoder_feed (decoder, header, sizeof header, &frame, &error),
                    ==, sizeof header);
  g_assert_no_error (error);
  g_assert_null (frame);
  g_assert_false (xg_proto_decoder_is_idle (decoder));
  /* freeing the decoder frees the partial body */
}

/* A bad body is reported with its frame header, and the next frame decodes. */
static void
check_bad_body (guint16     type,
                const void *body,
                gsize       len)
{
  g_autoptr(GVariant) good = g_variant_ref_sink (xg_proto_heartbeat_new (-42));
  g_autoptr(XgProtoDecoder) decoder = xg_proto_decoder_new (0);
  g_autoptr(XgProtoFrame) frame = NULL;
  g_autoptr(XgProtoFrame) next = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) bytewise = NULL;
  Stream stream;

  stream_init (&stream);
  stream_add_raw (&stream, type, 0xfedcba98, body, len, NULL);
  stream_add (&stream, XG_PACKET_HEARTBEAT, 0x11223344, good);

  g_assert_cmpuint (xg_proto_decoder_feed (decoder, stream.bytes->data, stream.bytes->len,
                                           &frame, &error),
                    ==, XG_PROTO_HEADER_SIZE + len);
  g_assert_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_BODY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (frame);
  g_assert_null (frame->body);
  g_assert_cmpuint (frame->type, ==, type);
  g_assert_cmpuint (frame->request_id, ==, 0xfedcba98);
  g_assert_true (xg_proto_decoder_is_idle (decoder));
  g_clear_error (&error);

  g_assert_cmpuint (xg_proto_decoder_feed (decoder, stream.bytes->data + XG_PROTO_HEADER_SIZE + len,
                                           stream.bytes->len - XG_PROTO_HEADER_SIZE - len,
                                           &next, &error),
                    ==, stream.bytes->len - XG_PROTO_HEADER_SIZE - len);
  g_assert_no_error (error);
  g_assert_nonnull (next);
  g_assert_cmpuint (next->request_id, ==, 0x11223344);
  g_assert_true (g_variant_equal (next->body, good));

  bytewise = decode_stream (stream.bytes->data, stream.bytes->len, 0, chunk_one, NULL);
  check_results (bytewise, stream.expected);

  stream_clear (&stream);
}

static void
test_reject_bad_body (gconstpointer data)
{
  const BadBodyCase *c = data;

  check_bad_body (c->type, c->body, c->len);
}

/* A body of another packet's signature. */
static void
test_reject_wrong_signature (void)
{
  struct {
    guint16     type;
    const char *text;
  } cases[] = {
    { XG_PACKET_LOGIN, "(uint64 1, uint64 2, uint64 3)" },
    { XG_PACKET_LOGIN, "(uint64 0x6162630064656600, uint64 0x6768690000000000, uint64 3)" },
    { XG_PACKET_EMAIL_RESULT, "(uint64 10000, 'x')" },
    { XG_PACKET_HEARTBEAT, "(uint32 7,)" },
    { XG_PACKET_PROFILE, "(uint64 10000, '小明', @a{sv} {'k': <1>})" },
    { XG_PACKET_FRIEND_LIST, "([(uint64 1, 'a', 'b', uint32 2)],)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) wrong = g_variant_parse (NULL, cases[i].text, NULL, NULL, NULL);

      g_assert_nonnull (wrong);
      g_test_message ("%s body %s", xg_proto_packet_info (cases[i].type)->name, cases[i].text);
      check_bad_body (cases[i].type, g_variant_get_data (wrong), g_variant_get_size (wrong));
    }
}

/* Invalid bytes deep inside arrays, dictionaries and variants: a valid body
 * with @marker overwritten by @replacement, as long. */
#define REPLACE(marker, replacement) marker, replacement, sizeof (marker) - 1

static void
test_reject_nested (void)
{
  struct {
    guint16     type;
    const char *text;
    const char *marker;
    const char *replacement;
    gsize       len;
  } cases[] = {
    { XG_PACKET_FRIEND_LIST, "([(uint64 1, 'MARK', '小明', true), (uint64 2, 'b', 'c', false)],)",
      REPLACE ("MARK", "\xff\xfe\xfd\xfc") },
    { XG_PACKET_PROFILE, "(uint64 10000, 'e', 'n', {'MARK': <'x'>, 'b': <uint32 1>})",
      REPLACE ("MARK", "a\xc0\xaf" "b") },
    { XG_PACKET_PROFILE, "(uint64 10000, 'e', 'n', {'a': <'MARK'>, 'b': <uint32 1>})",
      REPLACE ("MARK", "\xed\xa0\x80z") },
    { XG_PACKET_FRIEND_REQUEST_ACCEPTED, "(uint64 1, uint64 2, (uint64 3, 'MARK', @a{sv} {}))",
      REPLACE ("MARK", "MA\xe4\xbd") },
    { XG_PACKET_GROUP_CREATE, "({'name': <<<'MARK'>>>},)", REPLACE ("MARK", "\xf8\x88\x80\x80") },
    /* a variant's type string (after a nul) that is not a type */
    { XG_PACKET_GROUP_CREATE, "({'name': <uint32 5>},)", REPLACE ("\0u", "\0!") },
    /* a variant whose value does not fit its type */
    { XG_PACKET_GROUP_CREATE, "({'name': <'abcdefg'>},)", REPLACE ("\0s", "\0u") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) valid = g_variant_parse (NULL, cases[i].text, NULL, NULL, NULL);
      g_autoptr(GBytes) frame = NULL;
      g_autoptr(GArray) results = NULL;
      g_autofree guint8 *bad = NULL;
      gboolean replaced = FALSE;
      gsize len;

      g_assert_nonnull (valid);
      g_test_message ("%s body %s", xg_proto_packet_info (cases[i].type)->name, cases[i].text);
      len = g_variant_get_size (valid);

      /* the original is fine */
      frame = raw_frame (cases[i].type, 1, g_variant_get_data (valid), len);
      results = decode_stream (g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                               0, chunk_all, NULL);
      g_assert_cmpuint (results->len, ==, 1);
      g_assert_cmpint (g_array_index (results, Result, 0).error_code, ==, -1);

      /* the last occurrence of the marker is overwritten */
      bad = g_memdup2 (g_variant_get_data (valid), len);
      for (gsize k = len - cases[i].len + 1; k-- > 0 && !replaced; )
        if (memcmp (bad + k, cases[i].marker, cases[i].len) == 0)
          {
            memcpy (bad + k, cases[i].replacement, cases[i].len);
            replaced = TRUE;
          }
      g_assert_true (replaced);
      check_bad_body (cases[i].type, bad, len);
    }
}

/* Several bad bodies in a row, then good frames: all reported in order. */
static void
test_bad_bodies_keep_sync (void)
{
  Stream stream;

  stream_init (&stream);
  for (guint i = 0; i < G_N_ELEMENTS (bad_body_cases); i++)
    stream_add_raw (&stream, bad_body_cases[i].type, i, bad_body_cases[i].body,
                    bad_body_cases[i].len, NULL);
  stream_add_every_packet (&stream, 5);

  for (guint iteration = 0; iteration < 3; iteration++)
    {
      static const ChunkFunc chunkers[] = { chunk_all, chunk_one, chunk_random };
      g_autoptr(GArray) results = decode_stream (stream.bytes->data, stream.bytes->len, 0,
                                                 chunkers[iteration], GINT_TO_POINTER (40));

      check_results (results, stream.expected);
    }

  stream_clear (&stream);
}

/* A fatal error in the middle of a stream: the frames before it, then the
 * error, then nothing. */
static void
test_fatal_mid_stream (void)
{
  g_autoptr(XgProtoDecoder) decoder = xg_proto_decoder_new (0);
  g_autoptr(GVariant) body = g_variant_ref_sink (xg_proto_email_lookup_new ("张三@例子.中国"));
  g_autoptr(GBytes) frame_bytes = encode (XG_PACKET_EMAIL_LOOKUP, 3, body);
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  gsize off = 0;
  guint frames = 0;
  guint8 junk[XG_PROTO_HEADER_SIZE];

  write_header (junk, XG_PACKET_LOGIN, 1, 10);
  junk[2] = 9;  /* version */
  for (guint i = 0; i < 3; i++)
    g_byte_array_append (stream, g_bytes_get_data (frame_bytes, NULL), g_bytes_get_size (frame_bytes));
  g_byte_array_append (stream, junk, sizeof junk);
  g_byte_array_append (stream, g_bytes_get_data (frame_bytes, NULL), g_bytes_get_size (frame_bytes));

  while (error == NULL && off < stream->len)
    {
      g_autoptr(XgProtoFrame) frame = NULL;

      off += xg_proto_decoder_feed (decoder, stream->data + off, stream->len - off, &frame, &error);
      if (frame != NULL)
        frames++;
    }
  g_assert_error (error, XG_PROTO_ERROR, XG_PROTO_ERROR_BAD_VERSION);
  g_assert_cmpuint (frames, ==, 3);
  g_assert_cmpuint (off, ==, 3 * g_bytes_get_size (frame_bytes) + XG_PROTO_HEADER_SIZE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proto/info/consistent", test_info_consistent);
  g_test_add_func ("/proto/info/error-strings", test_error_strings);

  g_test_add_func ("/proto/codec/round-trip", test_round_trip);
  g_test_add_func ("/proto/codec/null-defaults", test_null_defaults);
  g_test_add_func ("/proto/codec/getter-null-outs", test_getter_null_outs);
  g_test_add_func ("/proto/codec/encode-limits", test_encode_limits);
  g_test_add_func ("/proto/codec/encode-misuse", test_encode_misuse);

  g_test_add_func ("/proto/decoder/byte-at-a-time", test_byte_at_a_time);
  g_test_add_func ("/proto/decoder/concatenated", test_concatenated);
  g_test_add_func ("/proto/decoder/random-splits", test_random_splits);
  g_test_add_func ("/proto/decoder/idle", test_idle);

  for (guint i = 0; i < G_N_ELEMENTS (fatal_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/proto/reject/fatal/", fatal_cases[i].name, NULL);

      g_test_add_data_func (path, &fatal_cases[i], test_reject_fatal);
    }
  for (guint i = 0; i < G_N_ELEMENTS (limit_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/proto/decoder/at-limit/", limit_cases[i].name, NULL);

      g_test_add_data_func (path, &limit_cases[i], test_accept_limit);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_body_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/proto/reject/bad-body/", bad_body_cases[i].name, NULL);

      g_test_add_data_func (path, &bad_body_cases[i], test_reject_bad_body);
    }
  g_test_add_func ("/proto/reject/bad-body/wrong-signature", test_reject_wrong_signature);
  g_test_add_func ("/proto/reject/bad-body/nested", test_reject_nested);
  g_test_add_func ("/proto/reject/bad-body/keeps-sync", test_bad_bodies_keep_sync);
  g_test_add_func ("/proto/reject/fatal/mid-stream", test_fatal_mid_stream);

  return g_test_run ();
}
