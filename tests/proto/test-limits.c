/* test-limits.c: the field rules both ends apply (xg-proto-limits.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "xg-proto.h"
#include "xg-proto-limits.h"

static void
test_email (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "alice@example.com", "alice@example.com" },
    { "Li@Example.COM", "li@example.com" },
    { "张三@例子.中国", "张三@例子.中国" },
    { "a@b.c", "a@b.c" },
    { "", NULL },
    { "alice", NULL },
    { "@example.com", NULL },
    { "alice@", NULL },
    { "alice@example", NULL },          /* no dot in the domain */
    { "alice@.example.com", NULL },
    { "alice@example.com.", NULL },
    { "alice@example..com", NULL },
    { "a@b@example.com", NULL },
    { "al ice@example.com", NULL },
    { "alice@exa\tmple.com", NULL },
    { "alice\n@example.com", NULL },
  };
  g_autofree char *long_local = g_strnfill (XG_PROTO_MAX_EMAIL_BYTES - strlen ("@example.com") + 1, 'a');
  g_autofree char *too_long = g_strconcat (long_local, "@example.com", NULL);
  g_autofree char *longest = g_strconcat (long_local + 1, "@example.com", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *normal = xg_proto_email_normalize (cases[i].in);

      g_test_message ("%s", cases[i].in);
      g_assert_cmpstr (normal, ==, cases[i].out);
      g_assert_cmpint (xg_proto_email_is_valid (cases[i].in), ==, cases[i].out != NULL);
    }
  g_assert_cmpuint (strlen (longest), ==, XG_PROTO_MAX_EMAIL_BYTES);
  g_assert_true (xg_proto_email_is_valid (longest));
  g_assert_false (xg_proto_email_is_valid (too_long));
  g_assert_false (xg_proto_email_is_valid ("bad\xff@example.com"));

  /* The same account: case folded beyond ASCII too. */
  g_assert_true (xg_proto_email_equal ("Li@Example.COM", "li@example.com"));
  g_assert_true (xg_proto_email_equal ("Émile@Exemple.fr", "émile@exemple.fr"));
  g_assert_true (xg_proto_email_equal ("张三@例子.中国", "张三@例子.中国"));
  g_assert_false (xg_proto_email_equal ("emile@exemple.fr", "émile@exemple.fr"));
  g_assert_false (xg_proto_email_equal ("", "li@example.com"));
  g_assert_false (xg_proto_email_equal (NULL, "li@example.com"));
  g_assert_true (xg_proto_email_equal ("not an address", "not an address"));
}

static void
test_nickname (void)
{
  g_autofree char *longest = g_strnfill (XG_PROTO_MAX_NICKNAME_CHARS, 'x');
  g_autofree char *too_long = g_strnfill (XG_PROTO_MAX_NICKNAME_CHARS + 1, 'x');
  GString *cjk = g_string_new (NULL);

  for (guint i = 0; i < XG_PROTO_MAX_NICKNAME_CHARS; i++)
    g_string_append (cjk, "鸽");   /* 3 bytes each: characters count, not bytes */

  g_assert_true (xg_proto_nickname_is_valid ("Alice"));
  g_assert_true (xg_proto_nickname_is_valid ("爱丽丝 Liddell"));
  g_assert_true (xg_proto_nickname_is_valid (longest));
  g_assert_true (xg_proto_nickname_is_valid (cjk->str));
  g_assert_false (xg_proto_nickname_is_valid (too_long));
  g_assert_false (xg_proto_nickname_is_valid (""));
  g_assert_false (xg_proto_nickname_is_valid (" Alice"));
  g_assert_false (xg_proto_nickname_is_valid ("Alice "));
  g_assert_false (xg_proto_nickname_is_valid ("Alice\u3000"));   /* ideographic space */
  g_assert_false (xg_proto_nickname_is_valid ("Al\nice"));
  g_assert_false (xg_proto_nickname_is_valid ("Al\x7fice"));
  g_string_free (cjk, TRUE);
}

static void
test_friend_texts (void)
{
  g_autofree char *remark = g_strnfill (XG_PROTO_MAX_REMARK_CHARS, 'r');
  g_autofree char *long_remark = g_strnfill (XG_PROTO_MAX_REMARK_CHARS + 1, 'r');
  g_autofree char *greeting = g_strnfill (XG_PROTO_MAX_GREETING_CHARS, 'g');
  g_autofree char *long_greeting = g_strnfill (XG_PROTO_MAX_GREETING_CHARS + 1, 'g');
  g_autofree char *long_reason = g_strnfill (XG_PROTO_MAX_REASON_CHARS + 1, 'n');

  g_assert_true (xg_proto_remark_is_valid (""));        /* clears it */
  g_assert_true (xg_proto_remark_is_valid ("老同学"));
  g_assert_true (xg_proto_remark_is_valid (remark));
  g_assert_false (xg_proto_remark_is_valid (long_remark));
  g_assert_false (xg_proto_remark_is_valid (" padded"));
  g_assert_false (xg_proto_remark_is_valid ("tab\there"));

  g_assert_true (xg_proto_greeting_is_valid (""));
  g_assert_true (xg_proto_greeting_is_valid ("Hi, it's Alice from the choir!"));
  g_assert_true (xg_proto_greeting_is_valid (greeting));
  g_assert_false (xg_proto_greeting_is_valid (long_greeting));
  g_assert_false (xg_proto_greeting_is_valid ("two\nlines"));

  g_assert_true (xg_proto_reason_is_valid (""));
  g_assert_true (xg_proto_reason_is_valid ("I don't know you"));
  g_assert_false (xg_proto_reason_is_valid (long_reason));
}

static void
test_password_and_code (void)
{
  g_autofree char *longest = g_strnfill (XG_PROTO_MAX_PASSWORD_BYTES, 'p');
  g_autofree char *too_long = g_strnfill (XG_PROTO_MAX_PASSWORD_BYTES + 1, 'p');

  g_assert_false (xg_proto_password_is_valid ("1234567"));
  g_assert_true (xg_proto_password_is_valid ("12345678"));
  g_assert_true (xg_proto_password_is_valid ("密码密码密码"));   /* 18 bytes */
  g_assert_true (xg_proto_password_is_valid (longest));
  g_assert_false (xg_proto_password_is_valid (too_long));

  g_assert_true (xg_proto_code_is_valid ("012345"));
  g_assert_false (xg_proto_code_is_valid ("12345"));
  g_assert_false (xg_proto_code_is_valid ("1234567"));
  g_assert_false (xg_proto_code_is_valid ("12a456"));
  g_assert_false (xg_proto_code_is_valid ("１２３４５６"));   /* full-width digits */
}

static void
test_profile_fields (void)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0 };
  static const guint8 jpeg[] = { 0xff, 0xd8, 0xff, 0xe0 };
  static const guint8 gif[] = { 'G', 'I', 'F', '8', '9', 'a' };
  g_autofree guint8 *huge = g_malloc0 (XG_PROTO_MAX_AVATAR_BYTES + 1);
  g_autofree char *long_signature = g_strnfill (XG_PROTO_MAX_SIGNATURE_CHARS + 1, 's');
  struct { const char *key; GVariant *value; gboolean valid; } cases[] = {
    { "nickname", g_variant_new_string ("Bob"), TRUE },
    { "nickname", g_variant_new_string (""), FALSE },
    { "signature", g_variant_new_string ("Carpe diem"), TRUE },
    { "signature", g_variant_new_string (long_signature), FALSE },
    { "gender", g_variant_new_string ("other"), TRUE },
    { "gender", g_variant_new_string ("unknown"), FALSE },
    { "birthday", g_variant_new_string (""), TRUE },
    { "birthday", g_variant_new_string ("2000-02-29"), TRUE },
    { "birthday", g_variant_new_string ("2001-02-29"), FALSE },
    { "birthday", g_variant_new_string ("+200-01-01"), FALSE },
    { "birthday", g_variant_new_string ("2000-1-011"), FALSE },
    { "region", g_variant_new_string ("上海"), TRUE },
    { "avatar", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, png, sizeof png, 1), TRUE },
    { "avatar", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, jpeg, sizeof jpeg, 1), TRUE },
    { "avatar", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1), TRUE },
    { "avatar", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, gif, sizeof gif, 1), FALSE },
    { "avatar", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, huge, XG_PROTO_MAX_AVATAR_BYTES + 1, 1), FALSE },
    { "avatar", g_variant_new_string ("x.png"), FALSE },
    { "region", g_variant_new_uint32 (1), FALSE },
    { "email", g_variant_new_string ("a@b.c"), FALSE },   /* not a profile field */
  };

  memcpy (huge, png, sizeof png);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (cases[i].value);

      g_test_message ("%s", cases[i].key);
      g_assert_cmpint (xg_proto_profile_field_is_valid (cases[i].key, value), ==, cases[i].valid);
    }
}

static void
test_mask_email (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "alice@example.com", "a***@example.com" },
    { "张三@例子.中国", "张***@例子.中国" },
    { "@example.com", "***" },
    { "nobody", "***" },
    { "", "(none)" },
    { NULL, "(none)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *masked = xg_proto_mask_email (cases[i].in);
      g_assert_cmpstr (masked, ==, cases[i].out);
    }
}

/* Message payloads: each type's rules, and the size limit that follows
 * the connection's frame size. */
static void
test_payloads (void)
{
  g_autoptr(GBytes) pixels = g_bytes_new ("\x89PNG", 4);
  g_autoptr(GBytes) image = xg_proto_image_payload_new ("image/png", pixels);
  g_autoptr(GBytes) svg = xg_proto_image_payload_new ("text/plain", pixels);
  g_autoptr(GBytes) file = xg_proto_file_payload_new ("report.pdf", "application/pdf", pixels);
  g_autoptr(GBytes) nothing = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) empty_file = xg_proto_file_payload_new ("empty", "application/octet-stream", nothing);
  const char *bad_names[] = { "", ".", "..", "a/b", "a\\b", "tab\there" };
  g_autofree char *text = g_strnfill (XG_PROTO_MAX_TEXT_BYTES, 'x');
  gsize max = xg_proto_max_payload (0);
  gsize len;
  const guint8 *data;

#define VALID(type, bytes) \
  (data = g_bytes_get_data ((bytes), &len), xg_proto_payload_is_valid ((type), data, len, max))

  g_assert_cmpuint (max, ==, XG_PROTO_MAX_PAYLOAD_BYTES);
  g_assert_cmpuint (xg_proto_max_payload (64 * 1024), ==, 64 * 1024 - XG_PROTO_MESSAGE_ROOM);
  g_assert_cmpuint (xg_proto_max_payload (1024), ==, 0);

  g_assert_true (xg_proto_payload_is_valid (XG_PROTO_MESSAGE_TEXT, (const guint8 *) "你好", strlen ("你好"), max));
  g_assert_true (xg_proto_payload_is_valid (XG_PROTO_MESSAGE_TEXT, (const guint8 *) text, strlen (text), max));
  g_assert_false (xg_proto_payload_is_valid (XG_PROTO_MESSAGE_TEXT, (const guint8 *) text, strlen (text), 100));
  g_assert_false (xg_proto_payload_is_valid (XG_PROTO_MESSAGE_TEXT, (const guint8 *) "", 0, max));
  g_assert_false (xg_proto_payload_is_valid (XG_PROTO_MESSAGE_TEXT, (const guint8 *) "a\0b", 3, max));
  g_assert_false (xg_proto_payload_is_valid (XG_PROTO_MESSAGE_TEXT, (const guint8 *) "\xc3", 1, max));

  g_assert_true (VALID (XG_PROTO_MESSAGE_IMAGE, image));
  g_assert_false (VALID (XG_PROTO_MESSAGE_IMAGE, svg));
  g_assert_false (VALID (XG_PROTO_MESSAGE_FILE, image));
  g_assert_true (VALID (XG_PROTO_MESSAGE_FILE, file));
  g_assert_true (VALID (XG_PROTO_MESSAGE_FILE, empty_file));
  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr(GBytes) bad = xg_proto_file_payload_new (bad_names[i], "text/plain", pixels);

      g_assert_false (VALID (XG_PROTO_MESSAGE_FILE, bad));
    }

  /* Unknown types are opaque: anything up to the limit. */
  g_assert_true (xg_proto_payload_is_valid (42, (const guint8 *) "", 0, max));
  g_assert_true (xg_proto_payload_is_valid (42, (const guint8 *) "\xff", 1, max));
  g_assert_false (xg_proto_payload_is_valid (42, (const guint8 *) "\xff\xff", 2, 1));
#undef VALID
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/limits/email", test_email);
  g_test_add_func ("/limits/nickname", test_nickname);
  g_test_add_func ("/limits/friend-texts", test_friend_texts);
  g_test_add_func ("/limits/password-and-code", test_password_and_code);
  g_test_add_func ("/limits/profile-fields", test_profile_fields);
  g_test_add_func ("/limits/mask-email", test_mask_email);
  g_test_add_func ("/limits/payloads", test_payloads);
  return g_test_run ();
}
