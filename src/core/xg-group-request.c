/* xg-group-request.c: a join request or an invitation waiting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-group-request.h"

struct _XgGroupRequest
{
  GObject             parent_instance;

  XgGroupRequestKind  kind;
  guint64             group_id;
  char               *group_name;
  GBytes             *group_avatar;
  guint64             peer_id;
  char               *nickname;
  char               *reason;
  gint64              time;
};

G_DEFINE_FINAL_TYPE (XgGroupRequest, xg_group_request, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KIND,
  PROP_GROUP_ID,
  PROP_GROUP_NAME,
  PROP_GROUP_AVATAR,
  PROP_PEER_ID,
  PROP_NICKNAME,
  PROP_REASON,
  PROP_TIME,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

XgGroupRequest *
xg_group_request_new (XgGroupRequestKind  kind,
                      guint64             group_id,
                      GVariant           *brief,
                      guint64             peer_id,
                      const char         *nickname,
                      const char         *reason,
                      gint64              time)
{
  XgGroupRequest *self = g_object_new (XG_TYPE_GROUP_REQUEST, NULL);
  g_autoptr(GVariant) avatar = NULL;
  const char *name = NULL;

  self->kind = kind;
  self->group_id = group_id;
  if (brief != NULL && g_variant_lookup (brief, "name", "&s", &name))
    self->group_name = g_strdup (name);
  else
    self->group_name = g_strdup ("");
  avatar = brief ? g_variant_lookup_value (brief, "avatar", G_VARIANT_TYPE_BYTESTRING) : NULL;
  self->group_avatar = avatar ? g_variant_get_data_as_bytes (avatar) : g_bytes_new (NULL, 0);
  self->peer_id = peer_id;
  self->nickname = g_strdup (nickname ? nickname : "");
  self->reason = g_strdup (reason ? reason : "");
  self->time = time;
  return self;
}

XgGroupRequestKind xg_group_request_get_kind         (XgGroupRequest *self) { return self->kind; }
guint64            xg_group_request_get_group_id     (XgGroupRequest *self) { return self->group_id; }
const char        *xg_group_request_get_group_name   (XgGroupRequest *self) { return self->group_name; }
GBytes            *xg_group_request_get_group_avatar (XgGroupRequest *self) { return self->group_avatar; }
guint64            xg_group_request_get_peer_id      (XgGroupRequest *self) { return self->peer_id; }
const char        *xg_group_request_get_nickname     (XgGroupRequest *self) { return self->nickname; }
const char        *xg_group_request_get_reason       (XgGroupRequest *self) { return self->reason; }
gint64             xg_group_request_get_time         (XgGroupRequest *self) { return self->time; }

static void
xg_group_request_finalize (GObject *object)
{
  XgGroupRequest *self = XG_GROUP_REQUEST (object);

  g_free (self->group_name);
  g_bytes_unref (self->group_avatar);
  g_free (self->nickname);
  g_free (self->reason);
  G_OBJECT_CLASS (xg_group_request_parent_class)->finalize (object);
}

static void
xg_group_request_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  XgGroupRequest *self = XG_GROUP_REQUEST (object);

  switch (prop_id)
    {
    case PROP_KIND:         g_value_set_uint (value, self->kind); break;
    case PROP_GROUP_ID:     g_value_set_uint64 (value, self->group_id); break;
    case PROP_GROUP_NAME:   g_value_set_string (value, self->group_name); break;
    case PROP_GROUP_AVATAR: g_value_set_boxed (value, self->group_avatar); break;
    case PROP_PEER_ID:      g_value_set_uint64 (value, self->peer_id); break;
    case PROP_NICKNAME:     g_value_set_string (value, self->nickname); break;
    case PROP_REASON:       g_value_set_string (value, self->reason); break;
    case PROP_TIME:         g_value_set_int64 (value, self->time); break;
    default:                G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_group_request_class_init (XgGroupRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = xg_group_request_finalize;
  object_class->get_property = xg_group_request_get_property;

  props[PROP_KIND] = g_param_spec_uint ("kind", NULL, NULL, 0, 2, 0, ro);
  props[PROP_GROUP_ID] = g_param_spec_uint64 ("group-id", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  props[PROP_GROUP_NAME] = g_param_spec_string ("group-name", NULL, NULL, "", ro);
  props[PROP_GROUP_AVATAR] = g_param_spec_boxed ("group-avatar", NULL, NULL, G_TYPE_BYTES, ro);
  props[PROP_PEER_ID] = g_param_spec_uint64 ("peer-id", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  props[PROP_NICKNAME] = g_param_spec_string ("nickname", NULL, NULL, "", ro);
  props[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, "", ro);
  props[PROP_TIME] = g_param_spec_int64 ("time", NULL, NULL, G_MININT64, G_MAXINT64, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
xg_group_request_init (XgGroupRequest *self)
{
}
