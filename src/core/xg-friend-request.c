/* xg-friend-request.c: a friend request that waits for an answer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-friend-requests-private.h"

struct _XgFriendRequest
{
  GObject    parent_instance;

  gboolean   outgoing;
  guint64    peer_id;
  char      *greeting;
  gint64     time;
  XgProfile *profile;
  gboolean   confirmed;    /* the server listed it since the last login */
};

G_DEFINE_FINAL_TYPE (XgFriendRequest, xg_friend_request, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_OUTGOING,
  PROP_PEER_ID,
  PROP_NICKNAME,
  PROP_GREETING,
  PROP_TIME,
  PROP_PROFILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
on_nickname_changed (XgFriendRequest *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NICKNAME]);
}

XgFriendRequest *
xg_friend_request_new (gboolean    outgoing,
                       guint64     peer_id,
                       const char *nickname,
                       const char *greeting,
                       gint64      time)
{
  XgFriendRequest *self = g_object_new (XG_TYPE_FRIEND_REQUEST, NULL);

  self->outgoing = !!outgoing;
  self->peer_id = peer_id;
  self->greeting = g_strdup (greeting ? greeting : "");
  self->time = time;
  self->profile = xg_profile_new (peer_id);
  xg_profile_set_nickname (self->profile, nickname);
  g_signal_connect_object (self->profile, "notify::nickname",
                           G_CALLBACK (on_nickname_changed), self, G_CONNECT_SWAPPED);
  return self;
}

/* Newest first; then by peer, outgoing after incoming. */
int
xg_friend_request_compare (XgFriendRequest *a,
                           XgFriendRequest *b)
{
  if (a->time != b->time)
    return a->time > b->time ? -1 : 1;
  if (a->peer_id != b->peer_id)
    return a->peer_id < b->peer_id ? -1 : 1;
  return a->outgoing - b->outgoing;
}

/* A USER_INFO body (tsa{sv}) of the peer; read, not kept. */
void
xg_friend_request_set_info (XgFriendRequest *self,
                            GVariant        *user_info)
{
  g_autoptr(GVariant) fields = NULL;
  const char *nickname;
  guint64 id;

  xg_proto_user_info_get (user_info, &id, &nickname, &fields);
  g_return_if_fail (id == self->peer_id);
  xg_profile_update (self->profile, NULL, nickname, fields);
}

void
xg_friend_request_set_confirmed (XgFriendRequest *self,
                                 gboolean         confirmed)
{
  self->confirmed = confirmed;
}

gboolean
xg_friend_request_get_confirmed (XgFriendRequest *self)
{
  return self->confirmed;
}

gboolean
xg_friend_request_get_outgoing (XgFriendRequest *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_REQUEST (self), FALSE);
  return self->outgoing;
}

guint64
xg_friend_request_get_peer_id (XgFriendRequest *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_REQUEST (self), 0);
  return self->peer_id;
}

const char *
xg_friend_request_get_nickname (XgFriendRequest *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_REQUEST (self), NULL);
  return xg_profile_get_nickname (self->profile);
}

const char *
xg_friend_request_get_greeting (XgFriendRequest *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_REQUEST (self), NULL);
  return self->greeting;
}

gint64
xg_friend_request_get_time (XgFriendRequest *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_REQUEST (self), 0);
  return self->time;
}

/**
 * xg_friend_request_get_profile:
 *
 * Returns: (transfer none): the peer's public profile
 */
XgProfile *
xg_friend_request_get_profile (XgFriendRequest *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_REQUEST (self), NULL);
  return self->profile;
}

static void
xg_friend_request_finalize (GObject *object)
{
  XgFriendRequest *self = XG_FRIEND_REQUEST (object);

  g_free (self->greeting);
  g_clear_object (&self->profile);

  G_OBJECT_CLASS (xg_friend_request_parent_class)->finalize (object);
}

static void
xg_friend_request_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  XgFriendRequest *self = XG_FRIEND_REQUEST (object);

  switch (prop_id)
    {
    case PROP_OUTGOING: g_value_set_boolean (value, self->outgoing); break;
    case PROP_PEER_ID: g_value_set_uint64 (value, self->peer_id); break;
    case PROP_NICKNAME: g_value_set_string (value, xg_profile_get_nickname (self->profile)); break;
    case PROP_GREETING: g_value_set_string (value, self->greeting); break;
    case PROP_TIME: g_value_set_int64 (value, self->time); break;
    case PROP_PROFILE: g_value_set_object (value, self->profile); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_friend_request_class_init (XgFriendRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = xg_friend_request_finalize;
  object_class->get_property = xg_friend_request_get_property;

  properties[PROP_OUTGOING] =
    g_param_spec_boolean ("outgoing", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PEER_ID] =
    g_param_spec_uint64 ("peer-id", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NICKNAME] =
    g_param_spec_string ("nickname", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GREETING] =
    g_param_spec_string ("greeting", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIME] =
    g_param_spec_int64 ("time", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, XG_TYPE_PROFILE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
xg_friend_request_init (XgFriendRequest *self)
{
}
