/* xg-profile.c: an account's profile, as the server last sent it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A plain value object the windows bind to: every property is read-only
 * from outside and changes only through xg_profile_update(), which
 * notifies exactly the properties whose value changed, and notifies them
 * together once the whole profile is consistent.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include <string.h>

#include "xg-proto.h"
#include "xg-profile.h"

struct _XgProfile
{
  GObject  parent_instance;

  guint64  account_id;
  char    *email;
  char    *nickname;
  char    *signature;
  char    *gender;
  char    *birthday;
  char    *region;
  GBytes  *avatar;      /* NULL when unset, never empty */
};

G_DEFINE_FINAL_TYPE (XgProfile, xg_profile, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ACCOUNT_ID,
  PROP_EMAIL,
  PROP_NICKNAME,
  PROP_SIGNATURE,
  PROP_GENDER,
  PROP_BIRTHDAY,
  PROP_REGION,
  PROP_AVATAR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const guint8 png_magic[] = { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a };
static const guint8 jpeg_magic[] = { 0xff, 0xd8, 0xff };

static void
set_string (XgProfile   *self,
            char       **field,
            const char  *value,
            guint        prop_id)
{
  if (value == NULL)
    value = "";

  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_avatar (XgProfile *self,
            GBytes    *avatar)
{
  if (avatar == self->avatar)
    return;
  if (avatar != NULL && self->avatar != NULL && g_bytes_equal (avatar, self->avatar))
    return;

  g_clear_pointer (&self->avatar, g_bytes_unref);
  self->avatar = avatar ? g_bytes_ref (avatar) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVATAR]);
}

/* The string under @key in @fields, or "" when it is missing or holds
 * anything but a string (a client treats both as "not set"). */
static const char *
lookup_string (GVariant   *fields,
               const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (fields, key, "&s", &value))
    return "";
  return value;
}

static gboolean
has_prefix (gconstpointer  data,
            gsize          size,
            const guint8  *prefix,
            gsize          prefix_size)
{
  return size >= prefix_size && memcmp (data, prefix, prefix_size) == 0;
}

/* The avatar in @fields, or NULL when it is missing, empty, of the wrong
 * type, or neither PNG nor JPEG. */
static GBytes *
lookup_avatar (GVariant *fields)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (fields, "avatar", G_VARIANT_TYPE_BYTESTRING);
  gconstpointer data;
  gsize size;

  if (value == NULL)
    return NULL;

  data = g_variant_get_fixed_array (value, &size, 1);
  if (!has_prefix (data, size, png_magic, sizeof png_magic)
      && !has_prefix (data, size, jpeg_magic, sizeof jpeg_magic))
    return NULL;

  return g_bytes_new (data, size);
}

static void
xg_profile_finalize (GObject *object)
{
  XgProfile *self = (XgProfile *) object;

  g_clear_pointer (&self->email, g_free);
  g_clear_pointer (&self->nickname, g_free);
  g_clear_pointer (&self->signature, g_free);
  g_clear_pointer (&self->gender, g_free);
  g_clear_pointer (&self->birthday, g_free);
  g_clear_pointer (&self->region, g_free);
  g_clear_pointer (&self->avatar, g_bytes_unref);

  G_OBJECT_CLASS (xg_profile_parent_class)->finalize (object);
}

static void
xg_profile_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  XgProfile *self = XG_PROFILE (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT_ID:
      g_value_set_uint64 (value, self->account_id);
      break;

    case PROP_EMAIL:
      g_value_set_string (value, self->email);
      break;

    case PROP_NICKNAME:
      g_value_set_string (value, self->nickname);
      break;

    case PROP_SIGNATURE:
      g_value_set_string (value, self->signature);
      break;

    case PROP_GENDER:
      g_value_set_string (value, self->gender);
      break;

    case PROP_BIRTHDAY:
      g_value_set_string (value, self->birthday);
      break;

    case PROP_REGION:
      g_value_set_string (value, self->region);
      break;

    case PROP_AVATAR:
      g_value_set_boxed (value, self->avatar);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_profile_class_init (XgProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = xg_profile_finalize;
  object_class->get_property = xg_profile_get_property;

  /**
   * XgProfile:account-id:
   *
   * The account this profile belongs to; it never changes.
   */
  properties[PROP_ACCOUNT_ID] =
    g_param_spec_uint64 ("account-id", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * XgProfile:email:
   *
   * The account's email address; "" for another person's profile (the
   * server does not reveal it).
   */
  properties[PROP_EMAIL] =
    g_param_spec_string ("email", NULL, NULL,
                         "",
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * XgProfile:nickname:
   *
   * The display name.
   */
  properties[PROP_NICKNAME] =
    g_param_spec_string ("nickname", NULL, NULL,
                         "",
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * XgProfile:signature:
   *
   * A short personal line, or "".
   */
  properties[PROP_SIGNATURE] =
    g_param_spec_string ("signature", NULL, NULL,
                         "",
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * XgProfile:gender:
   *
   * "", "female", "male" or "other".
   */
  properties[PROP_GENDER] =
    g_param_spec_string ("gender", NULL, NULL,
                         "",
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * XgProfile:birthday:
   *
   * "" or a date as YYYY-MM-DD.
   */
  properties[PROP_BIRTHDAY] =
    g_param_spec_string ("birthday", NULL, NULL,
                         "",
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * XgProfile:region:
   *
   * Where the person says they are, or "".
   */
  properties[PROP_REGION] =
    g_param_spec_string ("region", NULL, NULL,
                         "",
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * XgProfile:avatar:
   *
   * The avatar image (PNG or JPEG bytes), or %NULL when none is set.
   */
  properties[PROP_AVATAR] =
    g_param_spec_boxed ("avatar", NULL, NULL,
                        G_TYPE_BYTES,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
xg_profile_init (XgProfile *self)
{
  self->email = g_strdup ("");
  self->nickname = g_strdup ("");
  self->signature = g_strdup ("");
  self->gender = g_strdup ("");
  self->birthday = g_strdup ("");
  self->region = g_strdup ("");
}

/**
 * xg_profile_new:
 * @account_id: the account
 *
 * Returns: (transfer full): an empty profile for @account_id.
 */
XgProfile *
xg_profile_new (guint64 account_id)
{
  XgProfile *self = g_object_new (XG_TYPE_PROFILE, NULL);

  self->account_id = account_id;
  return self;
}

/**
 * xg_profile_new_from_packet:
 * @body: a PROFILE body, `(tssa{sv})`; a floating reference is consumed
 *
 * Returns: (transfer full): the profile @body describes.
 */
XgProfile *
xg_profile_new_from_packet (GVariant *body)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) fields = NULL;
  XgProfile *self;
  const char *email;
  const char *nickname;
  guint64 account_id;

  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (body, G_VARIANT_TYPE (XG_PACKET_PROFILE_SIGNATURE)), NULL);

  owned = g_variant_ref_sink (body);
  xg_proto_profile_get (owned, &account_id, &email, &nickname, &fields);

  self = xg_profile_new (account_id);
  xg_profile_update (self, email, nickname, fields);
  return self;
}

/**
 * xg_profile_new_from_user_info:
 * @body: a USER_INFO body, `(tsa{sv})`; a floating reference is consumed
 *
 * Another person's public profile: the same fields as PROFILE without
 * the email, which stays "".
 *
 * Returns: (transfer full): the profile @body describes.
 */
XgProfile *
xg_profile_new_from_user_info (GVariant *body)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) fields = NULL;
  XgProfile *self;
  const char *nickname;
  guint64 account_id;

  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (body, G_VARIANT_TYPE (XG_PACKET_USER_INFO_SIGNATURE)), NULL);

  owned = g_variant_ref_sink (body);
  xg_proto_user_info_get (owned, &account_id, &nickname, &fields);

  self = xg_profile_new (account_id);
  xg_profile_update (self, NULL, nickname, fields);
  return self;
}

/**
 * xg_profile_update:
 * @self: a #XgProfile
 * @email: (nullable): the new email, or %NULL to keep the current one
 *   (USER_INFO carries none)
 * @nickname: (nullable): the new nickname, or %NULL to keep the current one
 * @fields: the full `a{sv}` of profile fields as PROFILE or USER_INFO
 *   carry them; a floating reference is consumed
 *
 * Replaces every field with what @fields says: a missing key, or one whose
 * value has the wrong type, means "not set"; unknown keys are ignored.
 * Only the properties whose value really changed are notified, after all
 * of them have been set.
 */
void
xg_profile_update (XgProfile  *self,
                   const char *email,
                   const char *nickname,
                   GVariant   *fields)
{
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GBytes) avatar = NULL;

  g_return_if_fail (XG_IS_PROFILE (self));
  g_return_if_fail (fields != NULL);
  g_return_if_fail (g_variant_is_of_type (fields, G_VARIANT_TYPE_VARDICT));

  owned = g_variant_ref_sink (fields);
  avatar = lookup_avatar (owned);

  g_object_freeze_notify (G_OBJECT (self));

  if (email != NULL)
    set_string (self, &self->email, email, PROP_EMAIL);
  if (nickname != NULL)
    set_string (self, &self->nickname, nickname, PROP_NICKNAME);
  set_string (self, &self->signature, lookup_string (owned, "signature"), PROP_SIGNATURE);
  set_string (self, &self->gender, lookup_string (owned, "gender"), PROP_GENDER);
  set_string (self, &self->birthday, lookup_string (owned, "birthday"), PROP_BIRTHDAY);
  set_string (self, &self->region, lookup_string (owned, "region"), PROP_REGION);
  set_avatar (self, avatar);

  g_object_thaw_notify (G_OBJECT (self));
}

void
xg_profile_set_nickname (XgProfile  *self,
                         const char *nickname)
{
  g_return_if_fail (XG_IS_PROFILE (self));

  set_string (self, &self->nickname, nickname, PROP_NICKNAME);
}

/**
 * xg_profile_to_variant:
 * @self: a #XgProfile
 *
 * The profile as a PROFILE body, for the account cache. Fields that are
 * not set are left out, as the server does.
 *
 * Returns: (transfer floating): a `(tssa{sv})`.
 */
GVariant *
xg_profile_to_variant (XgProfile *self)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_return_val_if_fail (XG_IS_PROFILE (self), NULL);

  const struct {
    const char *key;
    const char *value;
  } strings[] = {
    { "signature", self->signature },
    { "gender", self->gender },
    { "birthday", self->birthday },
    { "region", self->region },
  };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (strings[i].value[0] != '\0')
      g_variant_builder_add (&builder, "{sv}", strings[i].key, g_variant_new_string (strings[i].value));

  if (self->avatar != NULL)
    g_variant_builder_add (&builder, "{sv}", "avatar",
                           g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, self->avatar, TRUE));

  return xg_proto_profile_new (self->account_id, self->email, self->nickname,
                               g_variant_builder_end (&builder));
}

guint64
xg_profile_get_account_id (XgProfile *self)
{
  g_return_val_if_fail (XG_IS_PROFILE (self), 0);

  return self->account_id;
}

const char *
xg_profile_get_email (XgProfile *self)
{
  g_return_val_if_fail (XG_IS_PROFILE (self), NULL);

  return self->email;
}

const char *
xg_profile_get_nickname (XgProfile *self)
{
  g_return_val_if_fail (XG_IS_PROFILE (self), NULL);

  return self->nickname;
}

const char *
xg_profile_get_signature (XgProfile *self)
{
  g_return_val_if_fail (XG_IS_PROFILE (self), NULL);

  return self->signature;
}

const char *
xg_profile_get_gender (XgProfile *self)
{
  g_return_val_if_fail (XG_IS_PROFILE (self), NULL);

  return self->gender;
}

const char *
xg_profile_get_birthday (XgProfile *self)
{
  g_return_val_if_fail (XG_IS_PROFILE (self), NULL);

  return self->birthday;
}

const char *
xg_profile_get_region (XgProfile *self)
{
  g_return_val_if_fail (XG_IS_PROFILE (self), NULL);

  return self->region;
}

/**
 * xg_profile_get_avatar:
 * @self: a #XgProfile
 *
 * Returns: (transfer none) (nullable): the avatar image, or %NULL.
 */
GBytes *
xg_profile_get_avatar (XgProfile *self)
{
  g_return_val_if_fail (XG_IS_PROFILE (self), NULL);

  return self->avatar;
}
