/* xg-message.c: one message of a conversation
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The payload is parsed once, when the message is made: a payload that
 * breaks its type's rules, or a type this version does not know, is an
 * unsupported message (kept as it came, never dropped).
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include <string.h>

#include "xg-message-private.h"
#include "xg-proto.h"
#include "xg-proto-limits.h"

struct _XgMessage
{
  GObject         parent_instance;

  gint64          local_id;
  guint64         key;            /* the conversation's (xg-account-db.h) */
  guint64         sender_id;
  gboolean        outgoing;
  guint64         client_msg_id;
  guint32         msg_type;
  GBytes         *payload;

  XgMessageKind   kind;
  char           *text;
  char           *file_name;
  char           *mime_type;
  GBytes         *data;

  guint64         seq;
  gint64          time;
  XgMessageState  state;
  guint           failure;
  gboolean        mentions_me;
};

G_DEFINE_FINAL_TYPE (XgMessage, xg_message, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (XgMessageState, xg_message_state,
                    G_DEFINE_ENUM_VALUE (XG_MESSAGE_SENDING, "sending"),
                    G_DEFINE_ENUM_VALUE (XG_MESSAGE_SENT, "sent"),
                    G_DEFINE_ENUM_VALUE (XG_MESSAGE_DELIVERED, "delivered"),
                    G_DEFINE_ENUM_VALUE (XG_MESSAGE_FAILED, "failed"))

G_DEFINE_ENUM_TYPE (XgMessageKind, xg_message_kind,
                    G_DEFINE_ENUM_VALUE (XG_MESSAGE_KIND_TEXT, "text"),
                    G_DEFINE_ENUM_VALUE (XG_MESSAGE_KIND_IMAGE, "image"),
                    G_DEFINE_ENUM_VALUE (XG_MESSAGE_KIND_FILE, "file"),
                    G_DEFINE_ENUM_VALUE (XG_MESSAGE_KIND_UNSUPPORTED, "unsupported"))

enum {
  PROP_0,
  PROP_PEER_ID,
  PROP_SENDER_ID,
  PROP_OUTGOING,
  PROP_CLIENT_MSG_ID,
  PROP_KIND,
  PROP_TEXT,
  PROP_FILE_NAME,
  PROP_MIME_TYPE,
  PROP_DATA,
  PROP_SEQ,
  PROP_TIME,
  PROP_STATE,
  PROP_FAILURE,
  PROP_GROUP,
  PROP_MENTIONS_ME,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
parse_payload (XgMessage *self)
{
  gsize len;
  const char *data = g_bytes_get_data (self->payload, &len);

  self->kind = XG_MESSAGE_KIND_UNSUPPORTED;
  switch (self->msg_type)
    {
    case XG_PROTO_MESSAGE_TEXT:
      if (xg_proto_payload_is_valid (self->msg_type, (const guint8 *) data, len, G_MAXSIZE))
        {
          self->text = g_strndup (data, len);
          self->kind = XG_MESSAGE_KIND_TEXT;
        }
      break;
    case XG_PROTO_MESSAGE_IMAGE:
      if (xg_proto_image_payload_parse (self->payload, &self->mime_type, &self->data))
        self->kind = XG_MESSAGE_KIND_IMAGE;
      break;
    case XG_PROTO_MESSAGE_FILE:
      if (xg_proto_file_payload_parse (self->payload, &self->file_name, &self->mime_type, &self->data))
        self->kind = XG_MESSAGE_KIND_FILE;
      break;
    default:
      break;
    }
}

XgMessage *
xg_message_new_from_stored (const XgStoredMessage *stored,
                            guint64                account_id)
{
  XgMessage *self = g_object_new (XG_TYPE_MESSAGE, NULL);

  self->local_id = stored->id;
  self->key = stored->peer_id;
  self->sender_id = stored->sender_id;
  self->outgoing = stored->sender_id == account_id;
  self->client_msg_id = stored->client_msg_id;
  self->msg_type = stored->msg_type;
  self->payload = g_bytes_ref (stored->payload);
  self->seq = stored->seq;
  self->time = stored->time;
  switch (stored->state)
    {
    case XG_STORED_SENDING: self->state = XG_MESSAGE_SENDING; break;
    case XG_STORED_FAILED:  self->state = XG_MESSAGE_FAILED; break;
    case XG_STORED_SENT:
    default:                self->state = XG_MESSAGE_SENT; break;
    }
  self->failure = (guint) g_ascii_strtoull (stored->error, NULL, 10);
  parse_payload (self);
  return self;
}

/* "@Nickname" in a group's text message from someone else: the app
 * notifies it even when the group is muted. The name must end there (a
 * space, punctuation or the end of the text follows), so "@Ann" is not
 * found in "@Anna". */
void
xg_message_detect_mention (XgMessage  *self,
                           const char *nickname)
{
  g_autofree char *needle = NULL;
  const char *at;
  gsize len;

  if (self->outgoing || !xg_message_get_group (self) || self->text == NULL ||
      nickname == NULL || *nickname == '\0')
    return;
  needle = g_strconcat ("@", nickname, NULL);
  len = strlen (needle);
  for (at = strstr (self->text, needle); at != NULL; at = strstr (at + 1, needle))
    {
      gunichar next = g_utf8_get_char (at + len);

      if (next == 0 || !(g_unichar_isalnum (next) || next == '_'))
        {
          self->mentions_me = TRUE;
          return;
        }
    }
}

void
xg_message_update (XgMessage      *self,
                   guint64         seq,
                   gint64          time,
                   XgMessageState  state,
                   guint           failure)
{
  g_return_if_fail (XG_IS_MESSAGE (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->seq != seq)
    {
      self->seq = seq;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_SEQ]);
    }
  if (self->time != time)
    {
      self->time = time;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TIME]);
    }
  if (self->failure != failure)
    {
      self->failure = failure;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FAILURE]);
    }
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

gint64          xg_message_get_local_id      (XgMessage *self) { return self->local_id; }
GBytes         *xg_message_get_payload       (XgMessage *self) { return self->payload; }
guint32         xg_message_get_msg_type      (XgMessage *self) { return self->msg_type; }
guint64         xg_message_get_key           (XgMessage *self) { return self->key; }
guint64         xg_message_get_peer_id       (XgMessage *self) { return XG_CONVERSATION_KEY_ID (self->key); }
gboolean        xg_message_get_group         (XgMessage *self) { return XG_CONVERSATION_KEY_KIND (self->key) == 1; }
gboolean        xg_message_get_mentions_me   (XgMessage *self) { return self->mentions_me; }
guint64         xg_message_get_sender_id     (XgMessage *self) { return self->sender_id; }
gboolean        xg_message_get_outgoing      (XgMessage *self) { return self->outgoing; }
guint64         xg_message_get_client_msg_id (XgMessage *self) { return self->client_msg_id; }
guint64         xg_message_get_seq           (XgMessage *self) { return self->seq; }
gint64          xg_message_get_time          (XgMessage *self) { return self->time; }
XgMessageState  xg_message_get_state         (XgMessage *self) { return self->state; }
guint           xg_message_get_failure       (XgMessage *self) { return self->failure; }
XgMessageKind   xg_message_get_kind          (XgMessage *self) { return self->kind; }
const char     *xg_message_get_text          (XgMessage *self) { return self->text; }
const char     *xg_message_get_file_name     (XgMessage *self) { return self->file_name; }
const char     *xg_message_get_mime_type     (XgMessage *self) { return self->mime_type; }
GBytes         *xg_message_get_data          (XgMessage *self) { return self->data; }

static void
xg_message_finalize (GObject *object)
{
  XgMessage *self = XG_MESSAGE (object);

  g_clear_pointer (&self->payload, g_bytes_unref);
  g_clear_pointer (&self->data, g_bytes_unref);
  g_free (self->text);
  g_free (self->file_name);
  g_free (self->mime_type);
  G_OBJECT_CLASS (xg_message_parent_class)->finalize (object);
}

static void
xg_message_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  XgMessage *self = XG_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_PEER_ID:       g_value_set_uint64 (value, xg_message_get_peer_id (self)); break;
    case PROP_GROUP:         g_value_set_boolean (value, xg_message_get_group (self)); break;
    case PROP_MENTIONS_ME:   g_value_set_boolean (value, self->mentions_me); break;
    case PROP_SENDER_ID:     g_value_set_uint64 (value, self->sender_id); break;
    case PROP_OUTGOING:      g_value_set_boolean (value, self->outgoing); break;
    case PROP_CLIENT_MSG_ID: g_value_set_uint64 (value, self->client_msg_id); break;
    case PROP_KIND:          g_value_set_enum (value, self->kind); break;
    case PROP_TEXT:          g_value_set_string (value, self->text); break;
    case PROP_FILE_NAME:     g_value_set_string (value, self->file_name); break;
    case PROP_MIME_TYPE:     g_value_set_string (value, self->mime_type); break;
    case PROP_DATA:          g_value_set_boxed (value, self->data); break;
    case PROP_SEQ:           g_value_set_uint64 (value, self->seq); break;
    case PROP_TIME:          g_value_set_int64 (value, self->time); break;
    case PROP_STATE:         g_value_set_enum (value, self->state); break;
    case PROP_FAILURE:       g_value_set_uint (value, self->failure); break;
    default:                 G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_message_class_init (XgMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  const GParamFlags notified = ro | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = xg_message_finalize;
  object_class->get_property = xg_message_get_property;

  props[PROP_PEER_ID] = g_param_spec_uint64 ("peer-id", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  props[PROP_SENDER_ID] = g_param_spec_uint64 ("sender-id", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  props[PROP_OUTGOING] = g_param_spec_boolean ("outgoing", NULL, NULL, FALSE, ro);
  props[PROP_CLIENT_MSG_ID] = g_param_spec_uint64 ("client-msg-id", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  props[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, XG_TYPE_MESSAGE_KIND, XG_MESSAGE_KIND_TEXT, ro);
  props[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, ro);
  props[PROP_FILE_NAME] = g_param_spec_string ("file-name", NULL, NULL, NULL, ro);
  props[PROP_MIME_TYPE] = g_param_spec_string ("mime-type", NULL, NULL, NULL, ro);
  props[PROP_DATA] = g_param_spec_boxed ("data", NULL, NULL, G_TYPE_BYTES, ro);
  props[PROP_SEQ] = g_param_spec_uint64 ("seq", NULL, NULL, 0, G_MAXUINT64, 0, notified);
  props[PROP_TIME] = g_param_spec_int64 ("time", NULL, NULL, 0, G_MAXINT64, 0, notified);
  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, XG_TYPE_MESSAGE_STATE, XG_MESSAGE_SENDING, notified);
  props[PROP_FAILURE] = g_param_spec_uint ("failure", NULL, NULL, 0, G_MAXUINT, 0, notified);
  props[PROP_GROUP] = g_param_spec_boolean ("group", NULL, NULL, FALSE, ro);
  props[PROP_MENTIONS_ME] = g_param_spec_boolean ("mentions-me", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
xg_message_init (XgMessage *self)
{
}
