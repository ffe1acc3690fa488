/* xg-group.c: one group, as this account sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-group-private.h"

struct _XgGroup
{
  GObject      parent_instance;

  guint64      id;
  GVariant    *info;          /* a{sv} as last told */
  char        *name;
  char        *description;
  GBytes      *avatar;
  guint        revision;
  guint64      owner_id;
  guint        member_count;
  XgGroupRole  role;
  gboolean     muted;
  gboolean     gone;
};

G_DEFINE_FINAL_TYPE (XgGroup, xg_group, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_DESCRIPTION,
  PROP_AVATAR,
  PROP_REVISION,
  PROP_OWNER_ID,
  PROP_MEMBER_COUNT,
  PROP_ROLE,
  PROP_MUTED,
  PROP_GONE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

XgGroup *
xg_group_new (guint64 id)
{
  XgGroup *self = g_object_new (XG_TYPE_GROUP, NULL);

  self->id = id;
  return self;
}

XgGroup *
xg_group_new_from_stored (const XgStoredGroup *stored)
{
  XgGroup *self = xg_group_new (stored->id);

  xg_group_apply_info (self, stored->info);
  self->revision = stored->revision;
  self->owner_id = stored->owner_id;
  self->member_count = stored->member_count;
  self->role = stored->role;
  self->muted = stored->muted;
  self->gone = stored->gone;
  return self;
}

XgStoredGroup *
xg_group_to_stored (XgGroup *self)
{
  XgStoredGroup *stored = g_new0 (XgStoredGroup, 1);

  stored->id = self->id;
  stored->info = g_variant_ref (xg_group_get_info (self));
  stored->revision = self->revision;
  stored->owner_id = self->owner_id;
  stored->member_count = self->member_count;
  stored->role = (guint8) self->role;
  stored->gone = self->gone;
  stored->muted = self->muted;
  return stored;
}

/* The info as it is now: what was told, with every key this group has. */
GVariant *
xg_group_get_info (XgGroup *self)
{
  if (self->info == NULL)
    {
      GVariantBuilder builder;
      gsize len;
      const guint8 *data = g_bytes_get_data (self->avatar, &len);

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (self->name));
      g_variant_builder_add (&builder, "{sv}", "description", g_variant_new_string (self->description));
      g_variant_builder_add (&builder, "{sv}", "avatar",
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1));
      self->info = g_variant_ref_sink (g_variant_builder_end (&builder));
    }
  return self->info;
}

void
xg_group_apply_info (XgGroup  *self,
                     GVariant *info)
{
  const char *text;
  g_autoptr(GVariant) avatar = NULL;

  if (info == NULL)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (g_variant_lookup (info, "name", "&s", &text) && g_strcmp0 (text, self->name) != 0)
    {
      g_free (self->name);
      self->name = g_strdup (text);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAME]);
    }
  if (g_variant_lookup (info, "description", "&s", &text) && g_strcmp0 (text, self->description) != 0)
    {
      g_free (self->description);
      self->description = g_strdup (text);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DESCRIPTION]);
    }
  avatar = g_variant_lookup_value (info, "avatar", G_VARIANT_TYPE_BYTESTRING);
  if (avatar != NULL)
    {
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (avatar);

      if (!g_bytes_equal (bytes, self->avatar))
        {
          g_bytes_unref (self->avatar);
          self->avatar = g_steal_pointer (&bytes);
          g_object_notify_by_pspec (G_OBJECT (self), props[PROP_AVATAR]);
        }
    }
  g_clear_pointer (&self->info, g_variant_unref);
  g_object_thaw_notify (G_OBJECT (self));
}

#define SETTER(field, type, prop)                                   \
  void                                                              \
  xg_group_set_##field (XgGroup *self, type value)                  \
  {                                                                 \
    if (self->field == value)                                       \
      return;                                                       \
    self->field = value;                                            \
    g_object_notify_by_pspec (G_OBJECT (self), props[prop]);        \
  }

SETTER (revision, guint, PROP_REVISION)
SETTER (owner_id, guint64, PROP_OWNER_ID)
SETTER (member_count, guint, PROP_MEMBER_COUNT)
SETTER (role, XgGroupRole, PROP_ROLE)
SETTER (muted, gboolean, PROP_MUTED)
SETTER (gone, gboolean, PROP_GONE)

/* By name, then number: the order of a list of groups. */
int
xg_group_compare (gconstpointer a,
                  gconstpointer b)
{
  XgGroup *x = (XgGroup *) a, *y = (XgGroup *) b;
  int by_name = g_utf8_collate (x->name, y->name);

  if (by_name != 0)
    return by_name;
  return x->id < y->id ? -1 : x->id > y->id;
}

guint64      xg_group_get_id           (XgGroup *self) { return self->id; }
const char  *xg_group_get_name         (XgGroup *self) { return self->name; }
const char  *xg_group_get_description  (XgGroup *self) { return self->description; }
GBytes      *xg_group_get_avatar       (XgGroup *self) { return self->avatar; }
guint        xg_group_get_revision     (XgGroup *self) { return self->revision; }
guint64      xg_group_get_owner_id     (XgGroup *self) { return self->owner_id; }
guint        xg_group_get_member_count (XgGroup *self) { return self->member_count; }
XgGroupRole  xg_group_get_role         (XgGroup *self) { return self->role; }
gboolean     xg_group_get_muted        (XgGroup *self) { return self->muted; }
gboolean     xg_group_get_gone         (XgGroup *self) { return self->gone; }

gboolean
xg_group_can_manage (XgGroup *self)
{
  return !self->gone && (self->role == XG_GROUP_ROLE_OWNER || self->role == XG_GROUP_ROLE_ADMIN);
}

static void
xg_group_finalize (GObject *object)
{
  XgGroup *self = XG_GROUP (object);

  g_clear_pointer (&self->info, g_variant_unref);
  g_free (self->name);
  g_free (self->description);
  g_bytes_unref (self->avatar);
  G_OBJECT_CLASS (xg_group_parent_class)->finalize (object);
}

static void
xg_group_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  XgGroup *self = XG_GROUP (object);

  switch (prop_id)
    {
    case PROP_ID:           g_value_set_uint64 (value, self->id); break;
    case PROP_NAME:         g_value_set_string (value, self->name); break;
    case PROP_DESCRIPTION:  g_value_set_string (value, self->description); break;
    case PROP_AVATAR:       g_value_set_boxed (value, self->avatar); break;
    case PROP_REVISION:     g_value_set_uint (value, self->revision); break;
    case PROP_OWNER_ID:     g_value_set_uint64 (value, self->owner_id); break;
    case PROP_MEMBER_COUNT: g_value_set_uint (value, self->member_count); break;
    case PROP_ROLE:         g_value_set_uint (value, self->role); break;
    case PROP_MUTED:        g_value_set_boolean (value, self->muted); break;
    case PROP_GONE:         g_value_set_boolean (value, self->gone); break;
    default:                G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_group_class_init (XgGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = xg_group_finalize;
  object_class->get_property = xg_group_get_property;

  props[PROP_ID] = g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, "", flags);
  props[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, "", flags);
  props[PROP_AVATAR] = g_param_spec_boxed ("avatar", NULL, NULL, G_TYPE_BYTES, flags);
  props[PROP_REVISION] = g_param_spec_uint ("revision", NULL, NULL, 0, G_MAXUINT, 0, flags);
  props[PROP_OWNER_ID] = g_param_spec_uint64 ("owner-id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  props[PROP_MEMBER_COUNT] = g_param_spec_uint ("member-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  props[PROP_ROLE] = g_param_spec_uint ("role", NULL, NULL, 0, 3, 0, flags);
  props[PROP_MUTED] = g_param_spec_boolean ("muted", NULL, NULL, FALSE, flags);
  props[PROP_GONE] = g_param_spec_boolean ("gone", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
xg_group_init (XgGroup *self)
{
  self->name = g_strdup ("");
  self->description = g_strdup ("");
  self->avatar = g_bytes_new (NULL, 0);
}
