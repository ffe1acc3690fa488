/* xg-conversation.c: a chat with a friend, or a group's
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a chat shows: its newest message, its unread count, and (while
 * anyone holds it) its messages model. The delivery work is its owner's
 * (xg-conversations.c); a conversation hears what the database says
 * after each change and passes it on.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-conversations-private.h"
#include "xg-proto.h"
#include "xg-proto-limits.h"

struct _XgConversation
{
  GObject          parent_instance;

  XgConversations *owner;          /* not owned: it outlives its conversations' use */
  guint64          key;            /* the peer's id, or the group's with the group bit (xg-account-db.h) */
  XgMessage       *last;
  guint            unread;
  gint64           activity;
  guint64          peer_received;
  guint64          received;       /* every seq up to this is in the database */
  GWeakRef         messages;       /* XgChatMessages, while someone holds it */
};

G_DEFINE_FINAL_TYPE (XgConversation, xg_conversation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PEER_ID,
  PROP_KIND,
  PROP_LAST_MESSAGE,
  PROP_UNREAD,
  PROP_ACTIVITY,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

XgConversation *
xg_conversation_new (XgConversations *owner,
                     guint64          key)
{
  XgConversation *self = g_object_new (XG_TYPE_CONVERSATION, NULL);

  self->owner = owner;
  self->key = key;
  return self;
}

/* Most recent activity first; then by peer, so the order is total. */
int
xg_conversation_compare (gconstpointer a,
                         gconstpointer b)
{
  const XgConversation *x = a, *y = b;

  if (x->activity != y->activity)
    return x->activity > y->activity ? -1 : 1;
  return x->key < y->key ? -1 : x->key > y->key;
}

static XgChatMessages *
messages_if_shown (XgConversation *self)
{
  return g_weak_ref_get (&self->messages);
}

static void
set_last (XgConversation *self,
          XgMessage      *message)
{
  if (self->last == message)
    return;
  /* Only a newer message replaces it. */
  if (self->last != NULL && message != NULL && xg_message_compare (message, self->last) < 0)
    return;
  g_set_object (&self->last, message);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LAST_MESSAGE]);
}

static void
set_activity (XgConversation *self,
              gint64          activity)
{
  if (activity <= self->activity)
    return;
  self->activity = activity;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ACTIVITY]);
}

static void
set_unread (XgConversation *self,
            guint           unread)
{
  if (self->unread == unread)
    return;
  self->unread = unread;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_UNREAD]);
}

void
xg_conversation_apply_stored (XgConversation             *self,
                              const XgStoredConversation *stored,
                              GPtrArray                  *added)
{
  g_autoptr(XgChatMessages) messages = messages_if_shown (self);
  guint64 account_id = xg_conversations_get_account_id (self->owner);

  g_object_freeze_notify (G_OBJECT (self));
  if (added != NULL)
    for (guint i = 0; i < added->len; i++)
      {
        if (messages != NULL)
          xg_chat_messages_add (messages, added->pdata[i]);
        set_last (self, added->pdata[i]);
      }
  if (self->last == NULL && stored->last != NULL)
    {
      g_autoptr(XgMessage) last = xg_message_new_from_stored (stored->last, account_id);

      set_last (self, last);
    }
  self->peer_received = MAX (self->peer_received, stored->peer_received);
  self->received = MAX (self->received, stored->received);
  set_activity (self, stored->activity);
  set_unread (self, stored->unread);
  g_object_thaw_notify (G_OBJECT (self));
}

void
xg_conversation_add_outgoing (XgConversation *self,
                              XgMessage      *message)
{
  g_autoptr(XgChatMessages) messages = messages_if_shown (self);

  if (messages != NULL)
    xg_chat_messages_add (messages, message);
  g_object_freeze_notify (G_OBJECT (self));
  set_last (self, message);
  set_activity (self, xg_message_get_time (message));
  g_object_thaw_notify (G_OBJECT (self));
}

void
xg_conversation_update_outgoing (XgConversation *self,
                                 guint64         client_msg_id,
                                 guint64         seq,
                                 gint64          time,
                                 XgMessageState  state,
                                 guint           failure)
{
  g_autoptr(XgChatMessages) messages = messages_if_shown (self);
  g_autoptr(XgMessage) shown = messages ? xg_chat_messages_find (messages, client_msg_id) : NULL;

  if (shown != NULL)
    g_object_ref (shown);
  if (state == XG_MESSAGE_SENT && seq != 0 && seq <= self->peer_received)
    state = XG_MESSAGE_DELIVERED;
  /* Without a time of the server's, it keeps the one it was written at. */
  if (time == 0 && shown != NULL)
    time = xg_message_get_time (shown);
  else if (time == 0 && self->last != NULL && xg_message_get_client_msg_id (self->last) == client_msg_id)
    time = xg_message_get_time (self->last);

  /* The model's object and the last message are usually the same one. */
  if (shown != NULL)
    {
      xg_message_update (shown, seq, time, state, failure);
      xg_chat_messages_reposition (messages, shown);
    }
  if (self->last != NULL && self->last != shown && xg_message_get_outgoing (self->last) &&
      xg_message_get_client_msg_id (self->last) == client_msg_id)
    xg_message_update (self->last, seq, time, state, failure);
}

void
xg_conversation_set_peer_received (XgConversation *self,
                                   guint64         peer_received)
{
  g_autoptr(XgChatMessages) messages = NULL;

  if (peer_received <= self->peer_received)
    return;
  self->peer_received = peer_received;
  messages = messages_if_shown (self);
  if (messages != NULL)
    xg_chat_messages_mark_delivered (messages, peer_received);
  if (self->last != NULL && xg_message_get_outgoing (self->last) &&
      xg_message_get_state (self->last) == XG_MESSAGE_SENT &&
      xg_message_get_seq (self->last) <= peer_received)
    xg_message_update (self->last, xg_message_get_seq (self->last), xg_message_get_time (self->last),
                       XG_MESSAGE_DELIVERED, 0);
}

guint64
xg_conversation_get_peer_received (XgConversation *self)
{
  return self->peer_received;
}

guint64
xg_conversation_get_received (XgConversation *self)
{
  return self->received;
}

XgConversations *
xg_conversation_get_owner (XgConversation *self)
{
  return self->owner;
}

guint64
xg_conversation_get_peer_id (XgConversation *self)
{
  g_return_val_if_fail (XG_IS_CONVERSATION (self), 0);
  return XG_CONVERSATION_KEY_ID (self->key);
}

XgConversationKind
xg_conversation_get_kind (XgConversation *self)
{
  g_return_val_if_fail (XG_IS_CONVERSATION (self), 0);
  return XG_CONVERSATION_KEY_KIND (self->key);
}

guint64
xg_conversation_get_key (XgConversation *self)
{
  return self->key;
}

XgMessage *
xg_conversation_get_last_message (XgConversation *self)
{
  g_return_val_if_fail (XG_IS_CONVERSATION (self), NULL);
  return self->last;
}

guint
xg_conversation_get_unread (XgConversation *self)
{
  g_return_val_if_fail (XG_IS_CONVERSATION (self), 0);
  return self->unread;
}

gint64
xg_conversation_get_activity (XgConversation *self)
{
  g_return_val_if_fail (XG_IS_CONVERSATION (self), 0);
  return self->activity;
}

XgChatMessages *
xg_conversation_get_messages (XgConversation *self)
{
  XgChatMessages *messages;

  g_return_val_if_fail (XG_IS_CONVERSATION (self), NULL);

  messages = messages_if_shown (self);
  if (messages == NULL)
    {
      messages = xg_chat_messages_new (self);
      g_weak_ref_set (&self->messages, messages);
    }
  return messages;
}

/* --- Sending ------------------------------------------------------------- */

XgMessage *
xg_conversation_send_text (XgConversation  *self,
                           const char      *text,
                           GError         **error)
{
  g_autoptr(GBytes) payload = NULL;

  g_return_val_if_fail (XG_IS_CONVERSATION (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  payload = g_bytes_new (text, strlen (text));
  return xg_conversations_send (self->owner, self, XG_PROTO_MESSAGE_TEXT, payload, error);
}

XgMessage *
xg_conversation_send_image (XgConversation  *self,
                            const char      *mime_type,
                            GBytes          *image,
                            GError         **error)
{
  g_autoptr(GBytes) payload = NULL;

  g_return_val_if_fail (XG_IS_CONVERSATION (self), NULL);
  g_return_val_if_fail (mime_type != NULL && image != NULL, NULL);

  payload = xg_proto_image_payload_new (mime_type, image);
  return xg_conversations_send (self->owner, self, XG_PROTO_MESSAGE_IMAGE, payload, error);
}

XgMessage *
xg_conversation_send_file (XgConversation  *self,
                           const char      *name,
                           const char      *mime_type,
                           GBytes          *data,
                           GError         **error)
{
  g_autoptr(GBytes) payload = NULL;

  g_return_val_if_fail (XG_IS_CONVERSATION (self), NULL);
  g_return_val_if_fail (name != NULL && mime_type != NULL && data != NULL, NULL);

  payload = xg_proto_file_payload_new (name, mime_type, data);
  return xg_conversations_send (self->owner, self, XG_PROTO_MESSAGE_FILE, payload, error);
}

void
xg_conversation_retry (XgConversation *self,
                       XgMessage      *message)
{
  g_return_if_fail (XG_IS_CONVERSATION (self));
  g_return_if_fail (XG_IS_MESSAGE (message));

  xg_conversations_retry (self->owner, message);
}

void
xg_conversation_mark_read (XgConversation *self)
{
  g_return_if_fail (XG_IS_CONVERSATION (self));

  set_unread (self, 0);
  xg_conversations_mark_read (self->owner, self);
}

/* --- GObject --------------------------------------------------------------- */

static void
xg_conversation_finalize (GObject *object)
{
  XgConversation *self = XG_CONVERSATION (object);

  g_clear_object (&self->last);
  g_weak_ref_clear (&self->messages);
  G_OBJECT_CLASS (xg_conversation_parent_class)->finalize (object);
}

static void
xg_conversation_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  XgConversation *self = XG_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_PEER_ID:      g_value_set_uint64 (value, xg_conversation_get_peer_id (self)); break;
    case PROP_KIND:         g_value_set_uint (value, xg_conversation_get_kind (self)); break;
    case PROP_LAST_MESSAGE: g_value_set_object (value, self->last); break;
    case PROP_UNREAD:       g_value_set_uint (value, self->unread); break;
    case PROP_ACTIVITY:     g_value_set_int64 (value, self->activity); break;
    default:                G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_conversation_class_init (XgConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = xg_conversation_finalize;
  object_class->get_property = xg_conversation_get_property;

  props[PROP_PEER_ID] = g_param_spec_uint64 ("peer-id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  props[PROP_KIND] = g_param_spec_uint ("kind", NULL, NULL, 0, 1, 0, flags);
  props[PROP_LAST_MESSAGE] = g_param_spec_object ("last-message", NULL, NULL, XG_TYPE_MESSAGE, flags);
  props[PROP_UNREAD] = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  props[PROP_ACTIVITY] = g_param_spec_int64 ("activity", NULL, NULL, 0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
xg_conversation_init (XgConversation *self)
{
  g_weak_ref_init (&self->messages, NULL);
}
