/* xg-group-members.c: the members of one group, as a list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-groups-private.h"
#include "xg-proto.h"

/* --- XgGroupMember ----------------------------------------------------------- */

struct _XgGroupMember
{
  GObject      parent_instance;

  guint64      id;
  char        *nickname;
  XgGroupRole  role;
  gboolean     online;
  guint64      order;      /* joining order, as this list learnt it */
};

G_DEFINE_FINAL_TYPE (XgGroupMember, xg_group_member, G_TYPE_OBJECT)

enum {
  MEMBER_PROP_0,
  MEMBER_PROP_ID,
  MEMBER_PROP_NICKNAME,
  MEMBER_PROP_ROLE,
  MEMBER_PROP_ONLINE,
  MEMBER_N_PROPS
};

static GParamSpec *member_props[MEMBER_N_PROPS];

guint64      xg_group_member_get_id       (XgGroupMember *self) { return self->id; }
const char  *xg_group_member_get_nickname (XgGroupMember *self) { return self->nickname; }
XgGroupRole  xg_group_member_get_role     (XgGroupMember *self) { return self->role; }
gboolean     xg_group_member_get_online   (XgGroupMember *self) { return self->online; }

static void
member_set (XgGroupMember *self,
            const char    *nickname,
            XgGroupRole    role,
            gboolean       online)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (nickname != NULL && *nickname != '\0' && g_strcmp0 (nickname, self->nickname) != 0)
    {
      g_free (self->nickname);
      self->nickname = g_strdup (nickname);
      g_object_notify_by_pspec (G_OBJECT (self), member_props[MEMBER_PROP_NICKNAME]);
    }
  if (role != self->role)
    {
      self->role = role;
      g_object_notify_by_pspec (G_OBJECT (self), member_props[MEMBER_PROP_ROLE]);
    }
  if (online != self->online)
    {
      self->online = online;
      g_object_notify_by_pspec (G_OBJECT (self), member_props[MEMBER_PROP_ONLINE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
xg_group_member_finalize (GObject *object)
{
  g_free (XG_GROUP_MEMBER (object)->nickname);
  G_OBJECT_CLASS (xg_group_member_parent_class)->finalize (object);
}

static void
xg_group_member_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  XgGroupMember *self = XG_GROUP_MEMBER (object);

  switch (prop_id)
    {
    case MEMBER_PROP_ID:       g_value_set_uint64 (value, self->id); break;
    case MEMBER_PROP_NICKNAME: g_value_set_string (value, self->nickname); break;
    case MEMBER_PROP_ROLE:     g_value_set_uint (value, self->role); break;
    case MEMBER_PROP_ONLINE:   g_value_set_boolean (value, self->online); break;
    default:                   G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_group_member_class_init (XgGroupMemberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = xg_group_member_finalize;
  object_class->get_property = xg_group_member_get_property;
  member_props[MEMBER_PROP_ID] = g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  member_props[MEMBER_PROP_NICKNAME] = g_param_spec_string ("nickname", NULL, NULL, "", flags);
  member_props[MEMBER_PROP_ROLE] = g_param_spec_uint ("role", NULL, NULL, 0, 3, 0, flags);
  member_props[MEMBER_PROP_ONLINE] = g_param_spec_boolean ("online", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, MEMBER_N_PROPS, member_props);
}

static void
xg_group_member_init (XgGroupMember *self)
{
  self->nickname = g_strdup ("");
}

/* --- XgGroupMembers ------------------------------------------------------------ */

struct _XgGroupMembers
{
  GObject    parent_instance;

  guint64    group_id;
  GPtrArray *items;       /* XgGroupMember, in order */
  guint64    next_order;
  gboolean   loaded;
  GError    *error;
};

static void xg_group_members_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (XgGroupMembers, xg_group_members, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, xg_group_members_list_model_init))

enum {
  PROP_0,
  PROP_GROUP_ID,
  PROP_LOADED,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static GType
members_get_item_type (GListModel *model)
{
  return XG_TYPE_GROUP_MEMBER;
}

static guint
members_get_n_items (GListModel *model)
{
  return XG_GROUP_MEMBERS (model)->items->len;
}

static gpointer
members_get_item (GListModel *model,
                  guint       position)
{
  XgGroupMembers *self = XG_GROUP_MEMBERS (model);

  return position < self->items->len ? g_object_ref (self->items->pdata[position]) : NULL;
}

static void
xg_group_members_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = members_get_item_type;
  iface->get_n_items = members_get_n_items;
  iface->get_item = members_get_item;
}

/* The owner, the admins, the members; each in joining order. */
static int
member_rank (XgGroupMember *member)
{
  switch (member->role)
    {
    case XG_GROUP_ROLE_OWNER: return 0;
    case XG_GROUP_ROLE_ADMIN: return 1;
    default:                  return 2;
    }
}

static int
member_compare (XgGroupMember *a,
                XgGroupMember *b)
{
  if (member_rank (a) != member_rank (b))
    return member_rank (a) - member_rank (b);
  return a->order < b->order ? -1 : a->order > b->order;
}

static guint
insert_sorted (XgGroupMembers *self,
               XgGroupMember  *member)
{
  guint position = 0;

  while (position < self->items->len && member_compare (self->items->pdata[position], member) < 0)
    position++;
  g_ptr_array_insert (self->items, position, member);
  return position;
}

XgGroupMember *
xg_group_members_lookup (XgGroupMembers *self,
                         guint64         member_id)
{
  g_return_val_if_fail (XG_IS_GROUP_MEMBERS (self), NULL);

  for (guint i = 0; i < self->items->len; i++)
    if (((XgGroupMember *) self->items->pdata[i])->id == member_id)
      return self->items->pdata[i];
  return NULL;
}

static guint
position_of (XgGroupMembers *self,
             XgGroupMember  *member)
{
  guint position = 0;

  g_ptr_array_find (self->items, member, &position);
  return position;
}

XgGroupMembers *
xg_group_members_new (guint64 group_id)
{
  XgGroupMembers *self = g_object_new (XG_TYPE_GROUP_MEMBERS, NULL);

  self->group_id = group_id;
  return self;
}

void
xg_group_members_apply_list (XgGroupMembers *self,
                             GVariant       *members)
{
  guint removed = self->items->len;
  GVariantIter iter;
  guint64 id;
  guint8 role;
  const char *nickname;
  gboolean online;

  /* The server's order is the list's: owner, admins, members, each in
   * joining order. */
  g_ptr_array_set_size (self->items, 0);
  self->next_order = 0;
  g_variant_iter_init (&iter, members);
  while (g_variant_iter_next (&iter, "(ty&sb)", &id, &role, &nickname, &online))
    {
      XgGroupMember *member = g_object_new (XG_TYPE_GROUP_MEMBER, NULL);

      member->id = id;
      member->order = self->next_order++;
      member_set (member, nickname, role, online);
      g_ptr_array_add (self->items, member);
    }
  g_clear_error (&self->error);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, self->items->len);
  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOADED]);
    }
}

void
xg_group_members_set_error (XgGroupMembers *self,
                            const GError   *error)
{
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
}

void
xg_group_members_apply_event (XgGroupMembers *self,
                              guint64         member_id,
                              guint8          event,
                              guint8          role,
                              const char     *nickname)
{
  XgGroupMember *member = xg_group_members_lookup (self, member_id);
  guint position;

  if (event == XG_PROTO_GROUP_EVENT_LEFT || event == XG_PROTO_GROUP_EVENT_REMOVED || role == XG_PROTO_GROUP_ROLE_NONE)
    {
      if (member == NULL)
        return;
      position = position_of (self, member);
      g_ptr_array_remove_index (self->items, position);
      g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
      return;
    }
  if (member == NULL)
    {
      /* Joined: the newest of its rank. An event twice changes nothing. */
      member = g_object_new (XG_TYPE_GROUP_MEMBER, NULL);
      member->id = member_id;
      member->order = self->next_order++;
      member_set (member, nickname, role, TRUE);
      position = insert_sorted (self, member);
      g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
      return;
    }
  if (member->role == role)
    {
      member_set (member, nickname, role, member->online);
      return;
    }
  /* A new role: it moves among its new rank, by when it joined. */
  position = position_of (self, member);
  g_object_ref (member);
  g_ptr_array_remove_index (self->items, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  member_set (member, nickname, role, member->online);
  position = insert_sorted (self, member);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
}

guint64
xg_group_members_get_group_id (XgGroupMembers *self)
{
  g_return_val_if_fail (XG_IS_GROUP_MEMBERS (self), 0);
  return self->group_id;
}

gboolean
xg_group_members_get_loaded (XgGroupMembers *self)
{
  g_return_val_if_fail (XG_IS_GROUP_MEMBERS (self), FALSE);
  return self->loaded;
}

const GError *
xg_group_members_get_error (XgGroupMembers *self)
{
  g_return_val_if_fail (XG_IS_GROUP_MEMBERS (self), NULL);
  return self->error;
}

static void
xg_group_members_finalize (GObject *object)
{
  XgGroupMembers *self = XG_GROUP_MEMBERS (object);

  g_ptr_array_unref (self->items);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (xg_group_members_parent_class)->finalize (object);
}

static void
xg_group_members_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  XgGroupMembers *self = XG_GROUP_MEMBERS (object);

  switch (prop_id)
    {
    case PROP_GROUP_ID: g_value_set_uint64 (value, self->group_id); break;
    case PROP_LOADED:   g_value_set_boolean (value, self->loaded); break;
    case PROP_ERROR:    g_value_set_boxed (value, self->error); break;
    default:            G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_group_members_class_init (XgGroupMembersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = xg_group_members_finalize;
  object_class->get_property = xg_group_members_get_property;
  props[PROP_GROUP_ID] = g_param_spec_uint64 ("group-id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  props[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  props[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
xg_group_members_init (XgGroupMembers *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}
