/* test-profile.c: XgProfile from PROFILE and USER_INFO bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-test-profile"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "xg-profile.h"
#include "xg-proto.h"

static const guint8 png[] = { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 'I', 'H', 'D', 'R' };
static const guint8 jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00 };

static GVariant *
bytestring (const guint8 *data,
            gsize         size)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, size, 1);
}

/* A full set of fields, plus a key this client does not know. */
static GVariant *
full_fields (void)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string ("飞鸽传书"));
  g_variant_builder_add (&builder, "{sv}", "gender", g_variant_new_string ("female"));
  g_variant_builder_add (&builder, "{sv}", "birthday", g_variant_new_string ("1990-02-28"));
  g_variant_builder_add (&builder, "{sv}", "region", g_variant_new_string ("杭州"));
  g_variant_builder_add (&builder, "{sv}", "avatar", bytestring (png, sizeof png));
  g_variant_builder_add (&builder, "{sv}", "mood", g_variant_new_string ("ignored"));
  return g_variant_builder_end (&builder);
}

static void
assert_bytes (GBytes       *bytes,
              const guint8 *data,
              gsize         size)
{
  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), data, size);
}

static void
test_new_empty (void)
{
  g_autoptr(XgProfile) profile = xg_profile_new (10001);
  g_autofree char *email = NULL;
  g_autofree char *region = NULL;
  g_autoptr(GBytes) avatar = NULL;
  guint64 account_id = 0;

  g_assert_cmpuint (xg_profile_get_account_id (profile), ==, 10001);
  g_assert_cmpstr (xg_profile_get_email (profile), ==, "");
  g_assert_cmpstr (xg_profile_get_nickname (profile), ==, "");
  g_assert_cmpstr (xg_profile_get_signature (profile), ==, "");
  g_assert_cmpstr (xg_profile_get_gender (profile), ==, "");
  g_assert_cmpstr (xg_profile_get_birthday (profile), ==, "");
  g_assert_cmpstr (xg_profile_get_region (profile), ==, "");
  g_assert_null (xg_profile_get_avatar (profile));

  /* The same through the properties. */
  g_object_get (profile,
                "account-id", &account_id,
                "email", &email,
                "region", &region,
                "avatar", &avatar,
                NULL);
  g_assert_cmpuint (account_id, ==, 10001);
  g_assert_cmpstr (email, ==, "");
  g_assert_cmpstr (region, ==, "");
  g_assert_null (avatar);
}

static void
test_from_packet (void)
{
  GVariant *body = xg_proto_profile_new (10002, "alice@example.com", "爱丽丝", full_fields ());
  g_autoptr(XgProfile) profile = NULL;
  g_autofree char *nickname = NULL;
  g_autofree char *gender = NULL;
  g_autoptr(GBytes) avatar = NULL;

  /* The floating body is consumed. */
  profile = xg_profile_new_from_packet (body);

  g_assert_cmpuint (xg_profile_get_account_id (profile), ==, 10002);
  g_assert_cmpstr (xg_profile_get_email (profile), ==, "alice@example.com");
  g_assert_cmpstr (xg_profile_get_nickname (profile), ==, "爱丽丝");
  g_assert_cmpstr (xg_profile_get_signature (profile), ==, "飞鸽传书");
  g_assert_cmpstr (xg_profile_get_gender (profile), ==, "female");
  g_assert_cmpstr (xg_profile_get_birthday (profile), ==, "1990-02-28");
  g_assert_cmpstr (xg_profile_get_region (profile), ==, "杭州");
  assert_bytes (xg_profile_get_avatar (profile), png, sizeof png);

  g_object_get (profile, "nickname", &nickname, "gender", &gender, "avatar", &avatar, NULL);
  g_assert_cmpstr (nickname, ==, "爱丽丝");
  g_assert_cmpstr (gender, ==, "female");
  assert_bytes (avatar, png, sizeof png);
}

static void
test_from_packet_not_floating (void)
{
  g_autoptr(GVariant) body = g_variant_ref_sink (xg_proto_profile_new (7, "x@example.com", "x", NULL));
  g_autoptr(XgProfile) profile = xg_profile_new_from_packet (body);

  /* The caller's reference is left alone. */
  g_assert_false (g_variant_is_floating (body));
  g_assert_cmpstr (g_variant_get_type_string (body), ==, "(tssa{sv})");
  g_assert_cmpstr (xg_profile_get_email (profile), ==, "x@example.com");
  g_assert_cmpstr (xg_profile_get_signature (profile), ==, "");
  g_assert_null (xg_profile_get_avatar (profile));
}

static void
test_from_user_info (void)
{
  g_autoptr(XgProfile) profile = xg_profile_new_from_user_info (xg_proto_user_info_new (10003, "Bob", full_fields ()));

  g_assert_cmpuint (xg_profile_get_account_id (profile), ==, 10003);
  g_assert_cmpstr (xg_profile_get_email (profile), ==, "");
  g_assert_cmpstr (xg_profile_get_nickname (profile), ==, "Bob");
  g_assert_cmpstr (xg_profile_get_region (profile), ==, "杭州");
  assert_bytes (xg_profile_get_avatar (profile), png, sizeof png);
}

/* Keys with the wrong type read as "not set"; so do an empty avatar and
 * one that is neither PNG nor JPEG. */
static void
test_wrong_types (void)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(XgProfile) profile = NULL;
  static const guint8 gif[] = { 'G', 'I', 'F', '8', '9', 'a' };

  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_int32 (5));
  g_variant_builder_add (&builder, "{sv}", "gender", g_variant_new_bytestring ("male"));
  g_variant_builder_add (&builder, "{sv}", "region", g_variant_new_string ("Berlin"));
  g_variant_builder_add (&builder, "{sv}", "avatar", bytestring (gif, sizeof gif));
  profile = xg_profile_new_from_packet (xg_proto_profile_new (9, "a@b.c", "n", g_variant_builder_end (&builder)));

  g_assert_cmpstr (xg_profile_get_signature (profile), ==, "");
  g_assert_cmpstr (xg_profile_get_gender (profile), ==, "");
  g_assert_cmpstr (xg_profile_get_region (profile), ==, "Berlin");
  g_assert_null (xg_profile_get_avatar (profile));

  /* An empty avatar is "none", and so is an avatar string. */
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "avatar", bytestring (NULL, 0));
  xg_profile_update (profile, NULL, NULL, g_variant_builder_end (&builder));
  g_assert_null (xg_profile_get_avatar (profile));
  g_assert_cmpstr (xg_profile_get_region (profile), ==, "");

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "avatar", g_variant_new_string ("avatar.png"));
  xg_profile_update (profile, NULL, NULL, g_variant_builder_end (&builder));
  g_assert_null (xg_profile_get_avatar (profile));
}

typedef struct {
  XgProfile  *profile;
  GPtrArray  *notified;          /* property names */
  const char *expect_signature;  /* what every handler should already see */
  gboolean    consistent;
} NotifyLog;

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           NotifyLog  *log)
{
  g_ptr_array_add (log->notified, g_strdup (pspec->name));

  /* Handlers run once the whole update is in place: the signature is set
   * after the nickname, so a handler for the nickname sees it too. */
  if (log->expect_signature != NULL
      && g_strcmp0 (xg_profile_get_signature (log->profile), log->expect_signature) != 0)
    log->consistent = FALSE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* The properties notified since the last call, sorted, comma-separated. */
static char *
notified_names (NotifyLog *log)
{
  char *joined;

  g_ptr_array_sort (log->notified, compare_names);
  g_ptr_array_add (log->notified, NULL);
  joined = g_strjoinv (",", (char **) log->notified->pdata);
  g_ptr_array_set_size (log->notified, 0);
  return joined;
}

static void
test_notify_only_on_change (void)
{
  g_autoptr(XgProfile) profile = xg_profile_new_from_packet (xg_proto_profile_new (10004, "alice@example.com",
                                                                                   "Alice", full_fields ()));
  g_autoptr(GPtrArray) notified = g_ptr_array_new_with_free_func (g_free);
  NotifyLog log = { profile, notified, NULL, TRUE };
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autofree char *names = NULL;
  g_autoptr(GVariant) changed = NULL;
  g_autoptr(GVariant) same_avatar = NULL;
  g_autoptr(GBytes) copy = NULL;

  g_signal_connect (profile, "notify", G_CALLBACK (on_notify), &log);

  /* The same values again: nothing changes, nothing is notified. */
  xg_profile_update (profile, "alice@example.com", "Alice", full_fields ());
  g_assert_cmpuint (notified->len, ==, 0);

  /* NULL email and nickname keep them. */
  xg_profile_update (profile, NULL, NULL, full_fields ());
  g_assert_cmpuint (notified->len, ==, 0);
  g_assert_cmpstr (xg_profile_get_email (profile), ==, "alice@example.com");

  /* Two fields change (one of them the nickname), one is dropped. */
  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string ("新签名"));
  g_variant_builder_add (&builder, "{sv}", "gender", g_variant_new_string ("female"));
  g_variant_builder_add (&builder, "{sv}", "birthday", g_variant_new_string ("1990-02-28"));
  g_variant_builder_add (&builder, "{sv}", "avatar", bytestring (png, sizeof png));
  changed = g_variant_ref_sink (g_variant_builder_end (&builder));
  log.expect_signature = "新签名";
  xg_profile_update (profile, "alice@example.com", "Alice II", changed);
  log.expect_signature = NULL;
  names = notified_names (&log);
  g_assert_cmpstr (names, ==, "nickname,region,signature");
  g_assert_true (log.consistent);
  g_assert_cmpstr (xg_profile_get_region (profile), ==, "");
  g_clear_pointer (&names, g_free);

  /* The same avatar in a different buffer is no change. */
  copy = g_bytes_new (png, sizeof png);
  g_assert_true (copy != xg_profile_get_avatar (profile));
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string ("新签名"));
  g_variant_builder_add (&builder, "{sv}", "gender", g_variant_new_string ("female"));
  g_variant_builder_add (&builder, "{sv}", "birthday", g_variant_new_string ("1990-02-28"));
  g_variant_builder_add (&builder, "{sv}", "avatar",
                         g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, copy, TRUE));
  same_avatar = g_variant_ref_sink (g_variant_builder_end (&builder));
  xg_profile_update (profile, NULL, NULL, same_avatar);
  g_assert_cmpuint (notified->len, ==, 0);

  /* A different avatar, then none. */
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string ("新签名"));
  g_variant_builder_add (&builder, "{sv}", "gender", g_variant_new_string ("female"));
  g_variant_builder_add (&builder, "{sv}", "birthday", g_variant_new_string ("1990-02-28"));
  g_variant_builder_add (&builder, "{sv}", "avatar", bytestring (jpeg, sizeof jpeg));
  xg_profile_update (profile, NULL, NULL, g_variant_builder_end (&builder));
  names = notified_names (&log);
  g_assert_cmpstr (names, ==, "avatar");
  assert_bytes (xg_profile_get_avatar (profile), jpeg, sizeof jpeg);
  g_clear_pointer (&names, g_free);

  xg_profile_update (profile, "alice@example.org", NULL, g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  names = notified_names (&log);
  g_assert_cmpstr (names, ==, "avatar,birthday,email,gender,signature");
  g_assert_null (xg_profile_get_avatar (profile));
  g_assert_cmpstr (xg_profile_get_nickname (profile), ==, "Alice II");

  g_signal_handlers_disconnect_by_func (profile, on_notify, &log);
}

static void
assert_same_profile (XgProfile *a,
                     XgProfile *b)
{
  g_assert_cmpuint (xg_profile_get_account_id (a), ==, xg_profile_get_account_id (b));
  g_assert_cmpstr (xg_profile_get_email (a), ==, xg_profile_get_email (b));
  g_assert_cmpstr (xg_profile_get_nickname (a), ==, xg_profile_get_nickname (b));
  g_assert_cmpstr (xg_profile_get_signature (a), ==, xg_profile_get_signature (b));
  g_assert_cmpstr (xg_profile_get_gender (a), ==, xg_profile_get_gender (b));
  g_assert_cmpstr (xg_profile_get_birthday (a), ==, xg_profile_get_birthday (b));
  g_assert_cmpstr (xg_profile_get_region (a), ==, xg_profile_get_region (b));
  if (xg_profile_get_avatar (a) == NULL)
    g_assert_null (xg_profile_get_avatar (b));
  else
    g_assert_true (g_bytes_equal (xg_profile_get_avatar (a), xg_profile_get_avatar (b)));
}

static void
test_to_variant_round_trip (void)
{
  g_autoptr(XgProfile) profile = xg_profile_new_from_packet (xg_proto_profile_new (10005, "c@example.com",
                                                                                   "Carol", full_fields ()));
  g_autoptr(XgProfile) again = NULL;
  g_autoptr(XgProfile) from_bytes = NULL;
  g_autoptr(XgProfile) empty = xg_profile_new (10006);
  g_autoptr(GVariant) body = xg_profile_to_variant (profile);
  g_autoptr(GVariant) body_again = NULL;
  g_autoptr(GVariant) fields = NULL;
  g_autoptr(GVariant) empty_body = NULL;
  g_autoptr(GVariant) parsed = NULL;
  g_autoptr(GBytes) serialized = NULL;
  g_autofree char *printed = NULL;
  const char *email;
  const char *nickname;
  guint64 account_id;

  /* Floating, as documented, and of the PROFILE type. */
  g_assert_true (g_variant_is_floating (body));
  g_variant_ref_sink (body);
  g_assert_cmpstr (g_variant_get_type_string (body), ==, XG_PACKET_PROFILE_SIGNATURE);

  xg_proto_profile_get (body, &account_id, &email, &nickname, &fields);
  g_assert_cmpuint (account_id, ==, 10005);
  g_assert_cmpstr (email, ==, "c@example.com");
  g_assert_cmpstr (nickname, ==, "Carol");
  g_assert_cmpuint (g_variant_n_children (fields), ==, 5);   /* "mood" is not kept */
  g_assert_false (g_variant_lookup (fields, "mood", "&s", NULL));

  again = xg_profile_new_from_packet (body);
  assert_same_profile (profile, again);
  body_again = g_variant_ref_sink (xg_profile_to_variant (again));
  g_assert_true (g_variant_equal (body, body_again));

  /* Through bytes, as the cache keeps it. */
  serialized = g_variant_get_data_as_bytes (body);
  parsed = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (XG_PACKET_PROFILE_SIGNATURE),
                                                         serialized, FALSE));
  g_assert_true (g_variant_is_normal_form (parsed));
  from_bytes = xg_profile_new_from_packet (parsed);
  assert_same_profile (profile, from_bytes);

  /* Unset fields are left out. */
  empty_body = g_variant_ref_sink (xg_profile_to_variant (empty));
  printed = g_variant_print (empty_body, FALSE);
  g_assert_cmpstr (printed, ==, "(10006, '', '', {})");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/profile/new-empty", test_new_empty);
  g_test_add_func ("/profile/from-packet", test_from_packet);
  g_test_add_func ("/profile/from-packet-not-floating", test_from_packet_not_floating);
  g_test_add_func ("/profile/from-user-info", test_from_user_info);
  g_test_add_func ("/profile/wrong-types", test_wrong_types);
  g_test_add_func ("/profile/notify-only-on-change", test_notify_only_on_change);
  g_test_add_func ("/profile/to-variant-round-trip", test_to_variant_round_trip);

  return g_test_run ();
}
