/* xg-contact.c: a friend, as this account sees them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-contacts-private.h"

struct _XgContact
{
  GObject    parent_instance;

  guint64    account_id;
  char      *remark;
  char      *display_name;
  char      *sort_key;
  gboolean   online;
  gboolean   has_info;       /* the profile's fields came from USER_INFO */
  XgProfile *profile;
};

G_DEFINE_FINAL_TYPE (XgContact, xg_contact, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ACCOUNT_ID,
  PROP_REMARK,
  PROP_DISPLAY_NAME,
  PROP_ONLINE,
  PROP_PROFILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_display_name (XgContact *self)
{
  const char *nickname = xg_profile_get_nickname (self->profile);
  const char *name = self->remark[0] != '\0' ? self->remark : nickname ? nickname : "";
  g_autofree char *folded = NULL;

  if (g_strcmp0 (self->display_name, name) == 0)
    return;
  g_free (self->display_name);
  self->display_name = g_strdup (name);
  folded = g_utf8_casefold (name, -1);
  g_free (self->sort_key);
  self->sort_key = g_utf8_collate_key (folded, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
}

XgContact *
xg_contact_new (guint64     account_id,
                const char *nickname,
                const char *remark)
{
  XgContact *self = g_object_new (XG_TYPE_CONTACT, NULL);

  self->account_id = account_id;
  self->profile = xg_profile_new (account_id);
  xg_profile_set_nickname (self->profile, nickname);
  self->remark = g_strdup (remark ? remark : "");
  g_signal_connect_object (self->profile, "notify::nickname",
                           G_CALLBACK (update_display_name), self, G_CONNECT_SWAPPED);
  update_display_name (self);
  return self;
}

/* Ordered by display name as people read it, then by id. */
int
xg_contact_compare (XgContact *a,
                    XgContact *b)
{
  int order = strcmp (a->sort_key, b->sort_key);

  if (order != 0)
    return order;
  return a->account_id < b->account_id ? -1 : a->account_id > b->account_id;
}

void
xg_contact_set_nickname (XgContact  *self,
                         const char *nickname)
{
  xg_profile_set_nickname (self->profile, nickname);
}

void
xg_contact_set_remark (XgContact  *self,
                       const char *remark)
{
  if (remark == NULL)
    remark = "";
  if (g_strcmp0 (self->remark, remark) == 0)
    return;
  g_free (self->remark);
  self->remark = g_strdup (remark);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMARK]);
  update_display_name (self);
  g_object_thaw_notify (G_OBJECT (self));
}

void
xg_contact_set_online (XgContact *self,
                       gboolean   online)
{
  online = !!online;
  if (self->online == online)
    return;
  self->online = online;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

/* A USER_INFO body (tsa{sv}) of this contact; read, not kept. */
void
xg_contact_set_info (XgContact *self,
                     GVariant  *user_info)
{
  g_autoptr(GVariant) fields = NULL;
  const char *nickname;
  guint64 id;

  xg_proto_user_info_get (user_info, &id, &nickname, &fields);
  g_return_if_fail (id == self->account_id);
  self->has_info = TRUE;
  xg_profile_update (self->profile, NULL, nickname, fields);
}

gboolean
xg_contact_has_info (XgContact *self)
{
  return self->has_info;
}

guint64
xg_contact_get_account_id (XgContact *self)
{
  g_return_val_if_fail (XG_IS_CONTACT (self), 0);
  return self->account_id;
}

const char *
xg_contact_get_nickname (XgContact *self)
{
  g_return_val_if_fail (XG_IS_CONTACT (self), NULL);
  return xg_profile_get_nickname (self->profile);
}

const char *
xg_contact_get_remark (XgContact *self)
{
  g_return_val_if_fail (XG_IS_CONTACT (self), NULL);
  return self->remark;
}

const char *
xg_contact_get_display_name (XgContact *self)
{
  g_return_val_if_fail (XG_IS_CONTACT (self), NULL);
  return self->display_name;
}

gboolean
xg_contact_get_online (XgContact *self)
{
  g_return_val_if_fail (XG_IS_CONTACT (self), FALSE);
  return self->online;
}

/**
 * xg_contact_get_profile:
 *
 * Returns: (transfer none): the friend's public profile
 */
XgProfile *
xg_contact_get_profile (XgContact *self)
{
  g_return_val_if_fail (XG_IS_CONTACT (self), NULL);
  return self->profile;
}

static void
xg_contact_finalize (GObject *object)
{
  XgContact *self = XG_CONTACT (object);

  g_free (self->remark);
  g_free (self->display_name);
  g_free (self->sort_key);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (xg_contact_parent_class)->finalize (object);
}

static void
xg_contact_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  XgContact *self = XG_CONTACT (object);

  switch (prop_id)
    {
    case PROP_ACCOUNT_ID: g_value_set_uint64 (value, self->account_id); break;
    case PROP_REMARK: g_value_set_string (value, self->remark); break;
    case PROP_DISPLAY_NAME: g_value_set_string (value, self->display_name); break;
    case PROP_ONLINE: g_value_set_boolean (value, self->online); break;
    case PROP_PROFILE: g_value_set_object (value, self->profile); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_contact_class_init (XgContactClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = xg_contact_finalize;
  object_class->get_property = xg_contact_get_property;

  properties[PROP_ACCOUNT_ID] =
    g_param_spec_uint64 ("account-id", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_REMARK] =
    g_param_spec_string ("remark", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, XG_TYPE_PROFILE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
xg_contact_init (XgContact *self)
{
}
