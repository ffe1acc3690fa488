/* xg-conversations.c: the account's chats (one-to-one and groups), and their delivery
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/PROTOCOL.md 7 from the client's side:
 *
 *  - Sending: a message is written to the outbox (the account database)
 *    with 64 random bits as its client id, and only then sent. The outbox
 *    is sent again after every login; MSG_SENT_ACK gives the message its
 *    sequence number, a refusal moves it to "failed", and a retry reuses
 *    its id, so the server stores it once however often it goes out.
 *    Like deliveries, outbox writes and MSG_SENT_ACKs that come while one
 *    of their kind is being written are gathered and written together:
 *    one transaction (one fsync) per burst, not per message, so the
 *    database keeps up with a fast chat on a busy machine.
 *  - Receiving: deliveries are gathered while the main loop is busy and
 *    stored in one transaction (each (conversation, seq) once); only after
 *    that commit is MSG_RECEIVED_ACK sent, for what the database now holds
 *    without a gap. A gap (a sequence number above one that is missing) is
 *    fetched with the history request, never skipped.
 *  - Heads: at login, once the backlog is out, CHAT_HEADS says how far
 *    each conversation goes on the server. What this device lacks below
 *    that (sent from another device of the account, or received there,
 *    so never pending for it; or lost with a wiped profile) is a gap like
 *    any other, and fetched the same way; a conversation this device has
 *    nothing of, or only what was pending of it, gets its newest page.
 *  - Receipts: MSG_DELIVERED moves own messages to "delivered".
 *  - Groups (7.6) are conversations of kind 1, kept under their key
 *    (xg-account-db.h): the same outbox, store, acknowledgement and gap
 *    fetching; GROUP_SEND instead of CHAT_SEND, any member as sender, and
 *    GROUP_LIST's last sequence as the head to catch up to. No receipts.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include <errno.h>
#include <sys/random.h>

#include "xg-conversations-private.h"
#include "xg-manager.h"
#include "xg-profile.h"
#include "xg-proto-limits.h"
#include "xg-session-private.h"

/* A gap is fetched this many messages at a time. */
#define GAP_PAGE 200

/* A send the server did not answer is tried again this long after. */
#define RESEND_DELAY_S 5

struct _XgConversations
{
  XgManager     parent_instance;

  GHashTable   *by_peer;        /* key (xg-account-db.h) → XgConversation, listed or not */
  GHashTable   *in_flight;      /* client ids (guint64 *) whose CHAT_SEND has no answer yet */
  GHashTable   *unanswered;     /* client id → peer id (guint64 *) of those in flight whose request timed
                                 * out on this connection: their answer may still come */
  GHashTable   *recording;      /* client ids whose MSG_SENT_ACK came, while the outbox records it */
  GArray       *acks;           /* XgSentRecord gathered for the next record */
  GArray       *acks_out;       /* NULL, or those the record job out now writes */
  GPtrArray    *unwritten;      /* XgStoredMessage sent by the user, gathered for the next outbox write */
  gboolean      writing;        /* an outbox write is out */
  GPtrArray    *incoming;       /* XgStoredMessage gathered for the next store */
  gboolean      storing;        /* a store job is out */
  guint         store_idle;
  GHashTable   *acked;          /* peer id → guint64 seq acknowledged on this login */
  GHashTable   *fetching;       /* peer ids whose gap is being fetched */
  GHashTable   *gaps;           /* peer id → XgStoredConversation whose gap waits for own sends */
  GHashTable   *heads;          /* peer id → guint64: the conversation's last seq on the server (CHAT_HEADS) */
  GArray       *unchecked;      /* peer ids (guint64) whose head is not compared with the database yet */
  gboolean      checking;       /* a comparison job is out */
  guint         resend_id;
  guint         unread;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (XgConversations, xg_conversations, XG_TYPE_MANAGER)

enum {
  PROP_0,
  PROP_UNREAD,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  MENTIONED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static XgSession *
session_of (XgConversations *self)
{
  return xg_manager_get_session (XG_MANAGER (self));
}

XgAccountDb *
xg_conversations_get_db (XgConversations *self)
{
  return xg_manager_get_db (XG_MANAGER (self));
}

guint64
xg_conversations_get_account_id (XgConversations *self)
{
  XgSession *session = session_of (self);

  return session ? xg_session_get_account_id (session) : 0;
}

static guint64 *
id_key (guint64 id)
{
  return g_memdup2 (&id, sizeof id);
}

/* A job cancelled because the account went: nothing to say. */
static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* --- The list ---------------------------------------------------------- */

static void
update_unread (XgConversations *self)
{
  GPtrArray *items = xg_manager_get_items (XG_MANAGER (self));
  guint unread = 0;

  for (guint i = 0; i < items->len; i++)
    unread += xg_conversation_get_unread (items->pdata[i]);
  if (unread == self->unread)
    return;
  self->unread = unread;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_UNREAD]);
}

static void
on_activity (XgConversation  *conversation,
             GParamSpec      *pspec,
             XgConversations *self)
{
  GPtrArray *items = xg_manager_get_items (XG_MANAGER (self));

  /* Before the stored list is read, the load lists it with the others. */
  if (!xg_manager_get_loaded (XG_MANAGER (self)))
    return;
  /* A conversation is listed once it has something to show. */
  if (!g_ptr_array_find (items, conversation, NULL))
    {
      xg_manager_insert (XG_MANAGER (self), conversation);
      update_unread (self);
    }
  else
    xg_manager_reposition (XG_MANAGER (self), conversation);
}

static XgConversation *
conversation_by_key (XgConversations *self,
                     guint64          key)
{
  XgConversation *conversation = g_hash_table_lookup (self->by_peer, &key);

  if (conversation == NULL)
    {
      conversation = xg_conversation_new (self, key);
      g_hash_table_insert (self->by_peer, id_key (key), conversation);
      g_signal_connect_object (conversation, "notify::activity", G_CALLBACK (on_activity), self, 0);
      g_signal_connect_object (conversation, "notify::unread", G_CALLBACK (update_unread), self,
                               G_CONNECT_SWAPPED);
    }
  return conversation;
}

XgConversation *
xg_conversations_get (XgConversations *self,
                      guint64          peer_id)
{
  g_return_val_if_fail (XG_IS_CONVERSATIONS (self), NULL);
  return conversation_by_key (self, XG_CONVERSATION_KEY (0, peer_id));
}

XgConversation *
xg_conversations_get_group (XgConversations *self,
                            guint64          group_id)
{
  g_return_val_if_fail (XG_IS_CONVERSATIONS (self), NULL);
  return conversation_by_key (self, XG_CONVERSATION_KEY (1, group_id));
}

static const char *
own_nickname (XgConversations *self)
{
  XgSession *session = session_of (self);
  XgProfile *profile = session ? xg_session_get_profile (session) : NULL;

  return profile ? xg_profile_get_nickname (profile) : NULL;
}

/* Applies what a job says of a conversation, and the messages it added.
 * @live: they were delivered (not history fetched): a group message that
 * names the account is announced. */
static void
apply_stored_messages (XgConversations            *self,
                       const XgStoredConversation *stored,
                       gboolean                    live)
{
  XgConversation *conversation = conversation_by_key (self, stored->peer_id);
  guint64 account_id = xg_conversations_get_account_id (self);
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) mentions = g_ptr_array_new ();

  if (stored->added != NULL)
    for (guint i = 0; i < stored->added->len; i++)
      {
        XgMessage *message = xg_message_new_from_stored (stored->added->pdata[i], account_id);

        xg_message_detect_mention (message, own_nickname (self));
        if (live && xg_message_get_mentions_me (message))
          g_ptr_array_add (mentions, message);
        g_ptr_array_add (added, message);
      }
  xg_conversation_apply_stored (conversation, stored, added);
  for (guint i = 0; i < mentions->len; i++)
    g_signal_emit (self, signals[MENTIONED], 0, conversation, mentions->pdata[i]);
}

static void
apply_stored (XgConversations            *self,
              const XgStoredConversation *stored)
{
  apply_stored_messages (self, stored, FALSE);
}

/* --- Acknowledging ------------------------------------------------------ */

static void fetch_gap (XgConversations *self, const XgStoredConversation *stored);
static void request_history (XgConversations *self, guint64 peer_id, guint64 after, guint64 before,
                             guint limit, GTask *task);

/* MSG_RECEIVED_ACK for every conversation whose stored run went past what
 * this login acknowledged: sent only after the commit that stored it. */
static void
acknowledge (XgConversations *self,
             GPtrArray       *conversations)
{
  XgSession *session = session_of (self);
  GVariantBuilder builder;
  guint n = 0;

  if (session == NULL || xg_session_get_state (session) != XG_SESSION_LOGGED_IN)
    return;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ytt)"));
  for (guint i = 0; i < conversations->len; i++)
    {
      XgStoredConversation *stored = conversations->pdata[i];
      guint64 *acked = g_hash_table_lookup (self->acked, &stored->peer_id);

      if (stored->received == 0 || (acked != NULL && *acked >= stored->received))
        continue;
      g_variant_builder_add (&builder, "(ytt)", (guint8) XG_CONVERSATION_KEY_KIND (stored->peer_id),
                             XG_CONVERSATION_KEY_ID (stored->peer_id), stored->received);
      g_hash_table_insert (self->acked, id_key (stored->peer_id), id_key (stored->received));
      n++;
    }
  if (n == 0)
    {
      g_variant_builder_clear (&builder);
      return;
    }
  /* Lost with the link, it is sent again after the next login. */
  if (!xg_session_send (session, XG_PACKET_MSG_RECEIVED_ACK,
                        xg_proto_msg_received_ack_new (g_variant_builder_end (&builder))))
    g_hash_table_remove_all (self->acked);
}

/* --- Receiving ------------------------------------------------------------ */

static void store_incoming (XgConversations *self);
static void check_heads (XgConversations *self);

static void
incoming_stored (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(XgConversations) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conversations = xg_account_db_store_incoming_finish (XG_ACCOUNT_DB (source), result, &error);

  self->storing = FALSE;
  if (xg_manager_get_session (XG_MANAGER (self)) == NULL)
    return;
  if (conversations == NULL)
    {
      /* Not acknowledged, so the server sends them again at the next
       * login; nothing is lost. */
      if (!is_cancelled (error))
        g_warning ("Storing messages: %s", error->message);
    }
  else
    {
      for (guint i = 0; i < conversations->len; i++)
        apply_stored_messages (self, conversations->pdata[i], TRUE);
      acknowledge (self, conversations);
      for (guint i = 0; i < conversations->len; i++)
        fetch_gap (self, conversations->pdata[i]);
    }
  if (self->incoming->len > 0)
    store_incoming (self);
  else
    check_heads (self);
}

static void
store_incoming (XgConversations *self)
{
  g_autoptr(GPtrArray) batch = NULL;

  if (self->storing || self->incoming->len == 0)
    return;
  batch = g_steal_pointer (&self->incoming);
  self->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);
  self->storing = TRUE;
  xg_account_db_store_incoming_async (xg_conversations_get_db (self), batch, self->cancellable, incoming_stored,
                                      g_object_ref (self));
}

static gboolean
store_soon_cb (gpointer user_data)
{
  XgConversations *self = user_data;

  self->store_idle = 0;
  store_incoming (self);
  return G_SOURCE_REMOVE;
}

/* Deliveries that arrive in one burst share one transaction. */
static void
gather (XgConversations *self,
        XgStoredMessage *message)
{
  g_ptr_array_add (self->incoming, message);
  if (self->store_idle == 0 && !self->storing)
    self->store_idle = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, store_soon_cb, self, NULL);
}

static void
apply_deliver_now (XgManager *manager,
                   GVariant  *body)
{
  XgConversations *self = XG_CONVERSATIONS (manager);
  guint64 account_id = xg_conversations_get_account_id (self);
  guint64 seq, client_msg_id, sender_id, receiver_id;
  guint32 msg_type;
  g_autoptr(GBytes) payload = NULL;
  gint64 time;

  /* CHAT_DELIVER and OFFLINE_CHAT_DELIVER have the same fields. */
  xg_proto_chat_deliver_get (body, &seq, &client_msg_id, &sender_id, &receiver_id, &msg_type, &payload, &time);
  if (seq == 0 || (sender_id != account_id && receiver_id != account_id))
    {
      g_warning ("Ignoring a delivery of seq %" G_GUINT64_FORMAT " between %" G_GUINT64_FORMAT
                 " and %" G_GUINT64_FORMAT, seq, sender_id, receiver_id);
      return;
    }
  gather (self, xg_stored_message_new (sender_id == account_id ? receiver_id : sender_id, seq, client_msg_id,
                                       sender_id, msg_type, payload, time));
}

void
xg_conversations_apply_deliver (XgConversations *self,
                                GVariant        *deliver)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_deliver_now, deliver))
    apply_deliver_now (XG_MANAGER (self), deliver);
}

static void
apply_group_deliver_now (XgManager *manager,
                         GVariant  *body)
{
  XgConversations *self = XG_CONVERSATIONS (manager);
  guint64 seq, client_msg_id, sender_id, group_id;
  guint32 msg_type;
  g_autoptr(GBytes) payload = NULL;
  gint64 time;

  /* GROUP_DELIVER and OFFLINE_GROUP_DELIVER have the same fields. */
  xg_proto_group_deliver_get (body, &seq, &client_msg_id, &sender_id, &group_id, &msg_type, &payload, &time);
  if (seq == 0 || group_id == 0 || (group_id & XG_CONVERSATION_GROUP_BIT) != 0)
    {
      g_warning ("Ignoring a delivery of seq %" G_GUINT64_FORMAT " in group %" G_GUINT64_FORMAT, seq, group_id);
      return;
    }
  gather (self, xg_stored_message_new (XG_CONVERSATION_KEY (1, group_id), seq, client_msg_id, sender_id,
                                       msg_type, payload, time));
}

void
xg_conversations_apply_group_deliver (XgConversations *self,
                                      GVariant        *deliver)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_group_deliver_now, deliver))
    apply_group_deliver_now (XG_MANAGER (self), deliver);
}

/* --- Gaps and history --------------------------------------------------- */

typedef struct {
  XgConversations *self;
  guint64          peer_id;
  guint64          after;      /* the range's start: > 0 for a forward page */
  guint64          before;     /* the range's end, 0 for none */
  guint64          last_seq;   /* the page's newest */
  gboolean         more;       /* the range holds more after the page */
  GTask           *task;       /* history for a model; NULL for a gap */
} HistoryRequest;

static void
history_request_free (HistoryRequest *req)
{
  g_clear_object (&req->self);
  g_clear_object (&req->task);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HistoryRequest, history_request_free)

static void
history_stored (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HistoryRequest) req = user_data;
  XgConversations *self = req->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conversations = xg_account_db_store_incoming_finish (XG_ACCOUNT_DB (source), result, &error);
  gssize n = 0;

  g_hash_table_remove (self->fetching, &req->peer_id);
  if (conversations == NULL)
    {
      if (req->task != NULL)
        g_task_return_error (req->task, g_steal_pointer (&error));
      else if (!is_cancelled (error))
        g_warning ("Storing history: %s", error->message);
      return;
    }
  /* A forward fetch goes on until its range is done; a backward one (the
   * newest page) ends with its page. */
  if (req->task == NULL && req->more && req->after > 0 && xg_manager_get_session (XG_MANAGER (self)) != NULL)
    {
      request_history (self, req->peer_id, req->last_seq, req->before, GAP_PAGE, NULL);
      for (guint i = 0; i < conversations->len; i++)
        apply_stored (self, conversations->pdata[i]);
      acknowledge (self, conversations);
      return;
    }
  for (guint i = 0; i < conversations->len; i++)
    {
      XgStoredConversation *stored = conversations->pdata[i];

      n += stored->added ? stored->added->len : 0;
      g_debug ("History of %" G_GUINT64_FORMAT ": %u stored", stored->peer_id, stored->added ? stored->added->len : 0);
      apply_stored (self, stored);
    }
  if (xg_manager_get_session (XG_MANAGER (self)) != NULL)
    {
      acknowledge (self, conversations);
      /* A page that added nothing (own messages still in the outbox, say)
       * would only be asked for again: what is left waits for the next
       * change of the conversation. */
      for (guint i = 0; i < conversations->len; i++)
        {
          XgStoredConversation *stored = conversations->pdata[i];

          if (stored->added != NULL && stored->added->len > 0)
            fetch_gap (self, stored);
        }
    }
  if (req->task != NULL)
    g_task_return_int (req->task, n);
}

static void
history_answered (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(HistoryRequest) req = user_data;
  XgConversations *self = req->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GVariant) entries = NULL;
  guint64 account_id = xg_conversations_get_account_id (self);
  GVariantIter iter;
  guint8 kind;
  guint64 peer_id, seq, client_msg_id, sender_id;
  guint32 msg_type;
  GVariant *payload;
  gint64 time;
  gboolean more;

  g_debug ("History of %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT "): %s",
           req->peer_id, req->after, req->before, answer != NULL ? "answered" : error ? error->message : "no account");
  if (answer == NULL || account_id == 0)
    {
      g_hash_table_remove (self->fetching, &req->peer_id);
      if (req->task != NULL)
        g_task_return_error (req->task, error ? g_steal_pointer (&error)
                                               : g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_LOGGED_IN,
                                                                      "The account is gone"));
      return;
    }

  xg_proto_chat_history_get (answer->body, &kind, &peer_id, &entries, &more);
  messages = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(tttu@ayx)", &seq, &client_msg_id, &sender_id, &msg_type, &payload, &time))
    {
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (payload);

      g_variant_unref (payload);
      /* One-to-one: only the two of them write in it. */
      if (XG_CONVERSATION_KEY_KIND (req->peer_id) == 0 && sender_id != account_id && sender_id != req->peer_id)
        continue;
      g_ptr_array_add (messages, xg_stored_message_new (req->peer_id, seq, client_msg_id, sender_id, msg_type,
                                                        bytes, time));
      req->last_seq = MAX (req->last_seq, seq);
    }
  req->more = more;
  g_debug ("History of %" G_GUINT64_FORMAT ": %u messages, more: %d", req->peer_id, messages->len, more);
  if (messages->len == 0)
    {
      g_hash_table_remove (self->fetching, &req->peer_id);
      if (req->task != NULL)
        g_task_return_int (req->task, 0);
      return;
    }
  xg_account_db_store_incoming_async (xg_conversations_get_db (self), messages, self->cancellable,
                                      history_stored, g_steal_pointer (&req));
}

static void
request_history (XgConversations *self,
                 guint64          peer_id,
                 guint64          after,
                 guint64          before,
                 guint            limit,
                 GTask           *task)
{
  HistoryRequest *req = g_new0 (HistoryRequest, 1);

  req->self = g_object_ref (self);
  req->peer_id = peer_id;
  req->after = after;
  req->before = before;
  req->task = task;
  g_hash_table_add (self->fetching, id_key (peer_id));
  xg_session_request_async (session_of (self), XG_PACKET_CHAT_HISTORY_REQUEST,
                            xg_proto_chat_history_request_new ((guint8) XG_CONVERSATION_KEY_KIND (peer_id),
                                                               XG_CONVERSATION_KEY_ID (peer_id),
                                                               after, before, limit),
                            TRUE, history_answered, req);
}

static void
fetch_gap (XgConversations            *self,
           const XgStoredConversation *known)
{
  XgStoredConversation copy = *known;
  const XgStoredConversation *stored = &copy;
  guint64 *head = g_hash_table_lookup (self->heads, &known->peer_id);

  if (g_hash_table_contains (self->fetching, &known->peer_id))
    return;
  /* The first messages of a conversation on this device (a new or wiped
   * profile) are what was still pending for the account, often just the
   * last one or two, with holes where its own messages were (those are
   * never pending for it): the chat opens on its newest page, as it would
   * with nothing delivered. Anything the page does not cover is then a
   * gap like any other, fetched forward. */
  if (known->started)
    {
      g_debug ("Conversation with %" G_GUINT64_FORMAT ": first messages here, fetching its newest page",
               known->peer_id);
      request_history (self, known->peer_id, 0, 0, XG_CHAT_PAGE, NULL);
      return;
    }

  /* The server's head is the end of a gap as much as a message here is;
   * a nearer gap goes first. Up to the head there is nothing to guess. */
  if (head != NULL && *head > copy.received && copy.gap_before == 0)
    copy.gap_before = *head + 1;

  if (stored->gap_before == 0)
    return;
  /* While own messages wait for their MSG_SENT_ACK, a missing number is
   * most likely one of theirs: look again once they are all recorded. */
  if (g_hash_table_size (self->in_flight) > 0)
    {
      XgStoredConversation *waiting = g_new0 (XgStoredConversation, 1);

      waiting->peer_id = stored->peer_id;
      waiting->received = stored->received;
      waiting->gap_before = stored->gap_before;
      g_hash_table_insert (self->gaps, id_key (stored->peer_id), waiting);
      g_debug ("Conversation with %" G_GUINT64_FORMAT ": gap %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
               " waits for %u own sends", stored->peer_id, stored->received + 1, stored->gap_before - 1,
               g_hash_table_size (self->in_flight));
      return;
    }
  g_hash_table_remove (self->gaps, &stored->peer_id);
  g_debug ("Conversation with %" G_GUINT64_FORMAT ": fetching %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT,
           stored->peer_id, stored->received + 1, stored->gap_before - 1);
  request_history (self, stored->peer_id, stored->received, stored->gap_before, GAP_PAGE, NULL);
}

/* GROUP_LIST says the group's newest message is @last_seq: whatever this
 * device lacks up to it (a wiped profile's recent past, another device's
 * own messages, what came while it was not a member... from its joining
 * on) is fetched forward from what it has, or as the newest page when it
 * has nothing yet. */
static void
apply_group_head_now (XgConversations *self,
                      guint64          group_id,
                      guint64          last_seq)
{
  XgConversation *conversation = xg_conversations_get_group (self, group_id);
  guint64 key = xg_conversation_get_key (conversation);
  guint64 received = xg_conversation_get_received (conversation);

  g_debug ("Group %" G_GUINT64_FORMAT ": head %" G_GUINT64_FORMAT ", have %" G_GUINT64_FORMAT "%s",
           group_id, last_seq, received, g_hash_table_contains (self->fetching, &key) ? ", fetching" : "");
  if (last_seq == 0 || received >= last_seq || g_hash_table_contains (self->fetching, &key) ||
      session_of (self) == NULL)
    return;
  request_history (self, key, received, 0, GAP_PAGE, NULL);
}

static void
apply_group_head_deferred (XgManager *manager,
                           GVariant  *body)
{
  guint64 group_id, last_seq;

  g_variant_get (body, "(tt)", &group_id, &last_seq);
  apply_group_head_now (XG_CONVERSATIONS (manager), group_id, last_seq);
}

void
xg_conversations_apply_group_head (XgConversations *self,
                                   guint64          group_id,
                                   guint64          last_seq)
{
  g_autoptr(GVariant) body = g_variant_ref_sink (g_variant_new ("(tt)", group_id, last_seq));

  if (!xg_manager_defer (XG_MANAGER (self), apply_group_head_deferred, body))
    apply_group_head_now (self, group_id, last_seq);
}

void
xg_conversations_fetch_history_async (XgConversations     *self,
                                      guint64              peer_id,
                                      guint64              before_seq,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, xg_conversations_fetch_history_async);
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    {
      g_object_unref (task);
      return;
    }
  request_history (self, peer_id, 0, before_seq, XG_CHAT_PAGE, task);
}

gssize
xg_conversations_fetch_history_finish (XgConversations  *self,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

/* --- Heads ------------------------------------------------------------------ */

static void
extents_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(XgConversations) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) extents = xg_account_db_load_extents_finish (XG_ACCOUNT_DB (source), result, &error);

  self->checking = FALSE;
  if (xg_manager_get_session (XG_MANAGER (self)) == NULL)
    return;
  if (extents == NULL)
    {
      /* The next login brings the heads again. */
      if (!is_cancelled (error))
        g_warning ("Reading how far the conversations go: %s", error->message);
      return;
    }
  for (guint i = 0; i < extents->len; i++)
    {
      XgStoredConversation *extent = extents->pdata[i];
      guint64 *head = g_hash_table_lookup (self->heads, &extent->peer_id);

      /* A fetch under way looks at the head again when it is stored. */
      if (head == NULL || *head <= extent->received || g_hash_table_contains (self->fetching, &extent->peer_id))
        continue;
      if (extent->base == 0)
        {
          /* Nothing of it here: its newest page starts its history on
           * this device, as a first delivery would; older pages come as
           * the user scrolls. */
          g_debug ("Conversation with %" G_GUINT64_FORMAT ": fetching its newest messages", extent->peer_id);
          request_history (self, extent->peer_id, 0, 0, XG_CHAT_PAGE, NULL);
        }
      else
        fetch_gap (self, extent);
    }
  check_heads (self);
}

/* Compares the heads not yet compared with what the database has, once
 * what was delivered before them is stored: the backlog is no gap. */
static void
check_heads (XgConversations *self)
{
  g_autoptr(GArray) peers = NULL;

  if (self->unchecked->len == 0 || self->checking || self->storing || self->incoming->len > 0 ||
      !xg_manager_get_loaded (XG_MANAGER (self)) || session_of (self) == NULL)
    return;
  peers = g_steal_pointer (&self->unchecked);
  self->unchecked = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->checking = TRUE;
  xg_account_db_load_extents_async (xg_conversations_get_db (self), peers, self->cancellable, extents_loaded,
                                    g_object_ref (self));
}

static void
apply_heads_now (XgManager *manager,
                 GVariant  *body)
{
  XgConversations *self = XG_CONVERSATIONS (manager);
  guint64 account_id = xg_conversations_get_account_id (self);
  g_autoptr(GVariant) entries = NULL;
  GVariantIter iter;
  guint8 kind;
  guint64 peer_id, seq;

  xg_proto_chat_heads_get (body, &entries);
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(ytt)", &kind, &peer_id, &seq))
    {
      guint64 *head;

      if (kind != 0 || peer_id == 0 || peer_id == account_id || seq == 0)
        continue;
      /* Compared again even if it did not move: a fetch that the link
       * took with it is not done. */
      head = g_hash_table_lookup (self->heads, &peer_id);
      if (head == NULL || *head < seq)
        g_hash_table_insert (self->heads, id_key (peer_id), id_key (seq));
      g_array_append_val (self->unchecked, peer_id);
    }
  check_heads (self);
}

void
xg_conversations_apply_heads (XgConversations *self,
                              GVariant        *heads)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_heads_now, heads))
    apply_heads_now (XG_MANAGER (self), heads);
}

/* --- Receipts ---------------------------------------------------------------- */

static void
apply_delivered_now (XgManager *manager,
                     GVariant  *body)
{
  XgConversations *self = XG_CONVERSATIONS (manager);
  g_autoptr(GVariant) entries = NULL;
  GVariantIter iter;
  guint8 kind;
  guint64 peer_id, seq;

  xg_proto_msg_delivered_get (body, &entries);
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(ytt)", &kind, &peer_id, &seq))
    {
      if (kind != 0)
        continue;
      xg_conversation_set_peer_received (xg_conversations_get (self, peer_id), seq);
      xg_account_db_update_conversation_async (xg_conversations_get_db (self), peer_id, seq, 0,
                                               NULL, NULL, NULL);
    }
}

void
xg_conversations_apply_delivered (XgConversations *self,
                                  GVariant        *delivered)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_delivered_now, delivered))
    apply_delivered_now (XG_MANAGER (self), delivered);
}

/* --- Sending ------------------------------------------------------------------ */

typedef struct {
  XgConversations *self;
  guint64          client_msg_id;
  guint64          peer_id;
} SendRequest;

static void
send_request_free (SendRequest *req)
{
  g_clear_object (&req->self);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendRequest, send_request_free)

static void schedule_resend (XgConversations *self);

/* The gaps that waited for own sends, once none is in flight. */
static void
fetch_waiting_gaps (XgConversations *self)
{
  g_autoptr(GArray) waiting = NULL;
  GHashTableIter iter;
  gpointer value;

  if (g_hash_table_size (self->in_flight) > 0 || g_hash_table_size (self->gaps) == 0 ||
      session_of (self) == NULL || xg_session_get_state (session_of (self)) != XG_SESSION_LOGGED_IN)
    return;

  /* Copies of what fetch_gap() reads: it changes the table. */
  waiting = g_array_new (FALSE, TRUE, sizeof (XgStoredConversation));
  g_hash_table_iter_init (&iter, self->gaps);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      XgStoredConversation gap = { 0, };

      gap.peer_id = ((XgStoredConversation *) value)->peer_id;
      gap.received = ((XgStoredConversation *) value)->received;
      gap.gap_before = ((XgStoredConversation *) value)->gap_before;
      g_array_append_val (waiting, gap);
      g_hash_table_iter_remove (&iter);
    }
  for (guint i = 0; i < waiting->len; i++)
    fetch_gap (self, &g_array_index (waiting, XgStoredConversation, i));
}

/* A CHAT_SEND has ended (answered, refused, or lost with its link). */
static void
send_ended (XgConversations *self,
            guint64          client_msg_id)
{
  g_hash_table_remove (self->unanswered, &client_msg_id);
  if (g_hash_table_remove (self->in_flight, &client_msg_id))
    fetch_waiting_gaps (self);
}

static void record_acks (XgConversations *self);

static void
acks_recorded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XgConversations) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conversations = xg_account_db_record_sent_finish (XG_ACCOUNT_DB (source), result, &error);
  g_autoptr(GArray) done = g_steal_pointer (&self->acks_out);

  /* Recorded, or still sending on disk (and sent again after a login). */
  for (guint i = 0; i < done->len; i++)
    g_hash_table_remove (self->recording, &g_array_index (done, XgSentRecord, i).client_msg_id);

  if (xg_manager_get_session (XG_MANAGER (self)) == NULL)
    return;
  if (conversations == NULL)
    {
      if (!is_cancelled (error))
        g_warning ("Recording what became of %u messages: %s", done->len, error->message);
    }
  else
    {
      for (guint i = 0; i < conversations->len; i++)
        apply_stored (self, conversations->pdata[i]);
      /* Own messages may close a run: acknowledge it with the rest. */
      acknowledge (self, conversations);
      for (guint i = 0; i < conversations->len; i++)
        fetch_gap (self, conversations->pdata[i]);
      fetch_waiting_gaps (self);
    }
  record_acks (self);
}

/* The MSG_SENT_ACKs gathered while the last record was written, in one
 * transaction. */
static void
record_acks (XgConversations *self)
{
  if (self->acks_out != NULL || self->acks->len == 0 || xg_manager_get_session (XG_MANAGER (self)) == NULL)
    return;
  self->acks_out = g_steal_pointer (&self->acks);
  self->acks = g_array_new (FALSE, FALSE, sizeof (XgSentRecord));
  xg_account_db_record_sent_async (xg_conversations_get_db (self), xg_conversations_get_account_id (self),
                                   self->acks_out, self->cancellable, acks_recorded, g_object_ref (self));
}

/* MSG_SENT_ACK: shown as sent at once, and recorded as sent with the
 * others that come while a record is written (the record also brings the
 * conversation as it is now). Until the record is committed the outbox
 * still has it as sending: it is not sent again (an outbox read behind a
 * busy database would send, and record, what has its answer over and
 * over). */
static void
record_sent (XgConversations *self,
             guint64          peer_id,
             guint64          client_msg_id,
             guint64          seq,
             gint64           time)
{
  XgSentRecord record = { client_msg_id, seq, time };

  xg_conversation_update_outgoing (xg_conversations_get (self, peer_id), client_msg_id, seq, time,
                                   XG_MESSAGE_SENT, 0);
  if (g_hash_table_contains (self->recording, &client_msg_id))
    return;
  g_hash_table_add (self->recording, id_key (client_msg_id));
  g_array_append_val (self->acks, record);
  record_acks (self);
}

/* Whether a failed send should simply go again later: the server did not
 * refuse it, the link or the server just did not take it now. */
static gboolean
is_transient (const GError *error)
{
  return !g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_PERMISSION_DENIED) &&
         !g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT) &&
         !g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND);
}

static void
sent (GObject      *source,
      GAsyncResult *result,
      gpointer      user_data)
{
  g_autoptr(SendRequest) req = user_data;
  XgConversations *self = req->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  XgConversation *conversation = conversation_by_key (self, req->peer_id);
  guint64 client_msg_id, seq;
  gint64 time;

  if (xg_manager_get_session (XG_MANAGER (self)) == NULL)
    {
      g_hash_table_remove (self->in_flight, &req->client_msg_id);
      return;
    }
  /* The server did not answer in time, but the request is still on the
   * wire: it stays in flight until its late answer comes (applied by
   * xg_conversations_apply_sent_ack()) or its link is lost (and the next
   * login sends it again). Sending it again now would only add to what a
   * slow server has to work through, and never end while it stays slow. */
  if (answer == NULL && g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_TIMED_OUT))
    {
      g_debug ("Message %" G_GINT64_MODIFIER "x not answered yet: %s", req->client_msg_id, error->message);
      g_hash_table_insert (self->unanswered, id_key (req->client_msg_id), id_key (req->peer_id));
      return;
    }
  send_ended (self, req->client_msg_id);

  if (answer == NULL)
    {
      if (is_transient (error))
        {
          /* Still in the outbox: it goes again after the next login, or
           * soon if the server merely did not answer. */
          g_debug ("Message %" G_GINT64_MODIFIER "x not sent yet: %s", req->client_msg_id, error->message);
          if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_BUSY) ||
              g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_PROTOCOL))
            schedule_resend (self);
          return;
        }
      {
        g_autofree char *code = g_strdup_printf ("%d", error->code);

        xg_conversation_update_outgoing (conversation, req->client_msg_id, 0, 0, XG_MESSAGE_FAILED,
                                         (guint) error->code);
        xg_account_db_update_outgoing_async (xg_conversations_get_db (self), xg_conversations_get_account_id (self),
                                             req->client_msg_id, code, NULL, NULL, NULL);
      }
      return;
    }

  xg_proto_msg_sent_ack_get (answer->body, &client_msg_id, &seq, &time);
  if (client_msg_id != req->client_msg_id || seq == 0)
    {
      g_warning ("MSG_SENT_ACK for the wrong message; it stays in the outbox");
      return;
    }
  record_sent (self, req->peer_id, client_msg_id, seq, time);
}

static void
apply_sent_ack_now (XgManager *manager,
                    GVariant  *body)
{
  XgConversations *self = XG_CONVERSATIONS (manager);
  guint64 client_msg_id, seq, *peer_id;
  gint64 time;

  xg_proto_msg_sent_ack_get (body, &client_msg_id, &seq, &time);
  peer_id = g_hash_table_lookup (self->unanswered, &client_msg_id);
  if (peer_id == NULL || seq == 0)
    {
      g_debug ("Ignoring a MSG_SENT_ACK of %" G_GINT64_MODIFIER "x: no send of it waits", client_msg_id);
      return;
    }
  g_debug ("Message %" G_GINT64_MODIFIER "x answered late", client_msg_id);
  {
    guint64 peer = *peer_id;

    send_ended (self, client_msg_id);
    record_sent (self, peer, client_msg_id, seq, time);
  }
}

void
xg_conversations_apply_sent_ack (XgConversations *self,
                                 GVariant        *ack)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_sent_ack_now, ack))
    apply_sent_ack_now (XG_MANAGER (self), ack);
}

static void
send_now (XgConversations       *self,
          const XgStoredMessage *message)
{
  XgSession *session = session_of (self);
  SendRequest *req;

  if (session == NULL || g_hash_table_contains (self->in_flight, &message->client_msg_id) ||
      g_hash_table_contains (self->recording, &message->client_msg_id))
    return;
  req = g_new0 (SendRequest, 1);
  req->self = g_object_ref (self);
  req->client_msg_id = message->client_msg_id;
  req->peer_id = message->peer_id;
  g_hash_table_add (self->in_flight, id_key (message->client_msg_id));
  if (XG_CONVERSATION_KEY_KIND (message->peer_id) == 1)
    xg_session_request_async (session, XG_PACKET_GROUP_SEND,
                              xg_proto_group_send_new (message->client_msg_id, message->sender_id,
                                                       XG_CONVERSATION_KEY_ID (message->peer_id),
                                                       message->msg_type, message->payload),
                              TRUE, sent, req);
  else
    xg_session_request_async (session, XG_PACKET_CHAT_SEND,
                              xg_proto_chat_send_new (message->client_msg_id, message->sender_id, message->peer_id,
                                                      message->msg_type, message->payload),
                              TRUE, sent, req);
}

typedef struct {
  XgConversations *self;
  GPtrArray       *batch;   /* XgStoredMessage */
} Writing;

static void
writing_free (Writing *writing)
{
  g_object_unref (writing->self);
  g_ptr_array_unref (writing->batch);
  g_free (writing);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Writing, writing_free)

static void write_outbox (XgConversations *self);

static void
written (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Writing) writing = user_data;
  XgConversations *self = writing->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = xg_account_db_add_outgoing_finish (XG_ACCOUNT_DB (source), result, &error);

  self->writing = FALSE;
  if (messages == NULL)
    {
      /* Not in the outbox, so never sent: show them failed. */
      g_warning ("Writing %u messages to the outbox: %s", writing->batch->len, error->message);
      for (guint i = 0; i < writing->batch->len; i++)
        {
          XgStoredMessage *message = writing->batch->pdata[i];

          xg_conversation_update_outgoing (conversation_by_key (self, message->peer_id), message->client_msg_id, 0,
                                           message->time, XG_MESSAGE_FAILED, XG_SESSION_ERROR_PROTOCOL);
        }
    }
  else
    /* Each is on disk now: its first send may go. */
    for (guint i = 0; i < messages->len; i++)
      send_now (self, messages->pdata[i]);
  write_outbox (self);
}

/* What the user wrote while the last outbox write was out goes in one
 * transaction, and each message is sent once that is committed. Not
 * cancelled with the account: what the user wrote is kept. */
static void
write_outbox (XgConversations *self)
{
  Writing *writing;

  if (self->writing || self->unwritten->len == 0)
    return;
  writing = g_new0 (Writing, 1);
  writing->self = g_object_ref (self);
  writing->batch = g_steal_pointer (&self->unwritten);
  self->unwritten = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);
  self->writing = TRUE;
  xg_account_db_add_outgoing_async (xg_conversations_get_db (self), writing->batch, NULL, written, writing);
}

static guint64
random_id (void)
{
  guint64 id = 0;

  /* 64 bits from the kernel's CSPRNG (docs/PROTOCOL.md 7.1), not a
   * counter; 0 is not an id. */
  while (id == 0)
    if (getrandom (&id, sizeof id, 0) != sizeof id)
      g_error ("getrandom: %s", g_strerror (errno));
  return id;
}

XgMessage *
xg_conversations_send (XgConversations  *self,
                       XgConversation   *conversation,
                       guint32           msg_type,
                       GBytes           *payload,
                       GError          **error)
{
  XgSession *session = session_of (self);
  g_autoptr(XgStoredMessage) stored = NULL;
  XgMessage *message;
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);

  if (session == NULL)
    {
      g_set_error_literal (error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_LOGGED_IN, "The account is gone");
      return NULL;
    }
  if (!xg_proto_payload_is_valid (msg_type, data, len, xg_proto_max_payload (0)))
    {
      g_set_error_literal (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                           "The message breaks the rules of its type");
      return NULL;
    }

  stored = xg_stored_message_new (xg_conversation_get_key (conversation), 0, random_id (),
                                  xg_session_get_account_id (session), msg_type, payload, g_get_real_time ());
  message = xg_message_new_from_stored (stored, stored->sender_id);
  xg_conversation_add_outgoing (conversation, message);

  g_ptr_array_add (self->unwritten, g_steal_pointer (&stored));
  write_outbox (self);
  return message;
}

void
xg_conversations_retry (XgConversations *self,
                        XgMessage       *message)
{
  g_autoptr(XgStoredMessage) stored = NULL;

  if (!xg_message_get_outgoing (message) || xg_message_get_state (message) != XG_MESSAGE_FAILED ||
      session_of (self) == NULL)
    return;
  stored = xg_stored_message_new (xg_message_get_key (message), 0, xg_message_get_client_msg_id (message),
                                  xg_message_get_sender_id (message), xg_message_get_msg_type (message),
                                  xg_message_get_payload (message), xg_message_get_time (message));
  xg_conversation_update_outgoing (conversation_by_key (self, stored->peer_id), stored->client_msg_id, 0,
                                   stored->time, XG_MESSAGE_SENDING, 0);
  /* Back to sending on disk first, so a crash now still sends it. */
  xg_account_db_update_outgoing_async (xg_conversations_get_db (self), stored->sender_id, stored->client_msg_id,
                                       NULL, NULL, NULL, NULL);
  send_now (self, stored);
}

static void
outbox_loaded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XgConversations) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outbox = xg_account_db_load_outbox_finish (XG_ACCOUNT_DB (source), result, &error);

  if (outbox == NULL)
    {
      if (!is_cancelled (error))
        g_warning ("Reading the outbox: %s", error->message);
      return;
    }
  {
    guint sending = 0, skipped = 0;

    for (guint i = 0; i < outbox->len; i++)
      {
        XgStoredMessage *message = outbox->pdata[i];

        if (message->state != XG_STORED_SENDING)
          continue;
        sending++;
        if (g_hash_table_contains (self->in_flight, &message->client_msg_id) ||
            g_hash_table_contains (self->recording, &message->client_msg_id))
          skipped++;
        send_now (self, message);
      }
    g_debug ("Outbox: %u sending, %u of them in flight or answered already; %u gaps wait",
             sending, skipped, g_hash_table_size (self->gaps));
  }
}

/* Everything still sending goes (again); the server keeps each once. */
static void
send_outbox (XgConversations *self)
{
  xg_account_db_load_outbox_async (xg_conversations_get_db (self), self->cancellable, outbox_loaded,
                                   g_object_ref (self));
}

static gboolean
resend_cb (gpointer user_data)
{
  XgConversations *self = user_data;

  self->resend_id = 0;
  if (session_of (self) != NULL && xg_session_get_state (session_of (self)) == XG_SESSION_LOGGED_IN)
    send_outbox (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_resend (XgConversations *self)
{
  if (self->resend_id == 0)
    self->resend_id = g_timeout_add_seconds (RESEND_DELAY_S, resend_cb, self);
}

void
xg_conversations_logged_in (XgConversations *self)
{
  GHashTableIter iter;
  gpointer key;

  /* A new login starts with the server's cursor: acknowledge again. */
  g_hash_table_remove_all (self->acked);
  /* What timed out on the last connection will not be answered now: it
   * goes again with the rest of the outbox. */
  g_hash_table_iter_init (&iter, self->unanswered);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_hash_table_remove (self->in_flight, key);
      g_hash_table_iter_remove (&iter);
    }
  send_outbox (self);
}

/* --- Reading ----------------------------------------------------------------- */

void
xg_conversations_mark_read (XgConversations *self,
                            XgConversation  *conversation)
{
  XgMessage *last = xg_conversation_get_last_message (conversation);
  guint64 seq = last ? xg_message_get_seq (last) : 0;

  update_unread (self);
  if (seq > 0)
    xg_account_db_update_conversation_async (xg_conversations_get_db (self),
                                             xg_conversation_get_key (conversation), 0, seq, NULL, NULL, NULL);
}

/* --- Life ---------------------------------------------------------------------- */

static void
conversations_loaded (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(XgConversations) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stored = xg_account_db_load_conversations_finish (XG_ACCOUNT_DB (source), result, &error);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  if (xg_manager_get_session (XG_MANAGER (self)) == NULL)
    return;
  if (stored == NULL && !is_cancelled (error))
    g_warning ("Reading the conversations: %s", error->message);
  else
    for (guint i = 0; i < stored->len; i++)
      {
        XgStoredConversation *conversation = stored->pdata[i];
        XgConversation *item = conversation_by_key (self, conversation->peer_id);

        /* Listed at once below, not one by one. */
        g_signal_handlers_block_by_func (item, on_activity, self);
        apply_stored (self, conversation);
        g_signal_handlers_unblock_by_func (item, on_activity, self);
        if (xg_conversation_get_last_message (item) != NULL)
          g_ptr_array_add (kept, item);
      }
  /* Conversations that had messages before the list was read (one sent
   * at once after login, say) are listed with the stored ones. */
  {
    GHashTableIter iter;
    XgConversation *item;

    g_hash_table_iter_init (&iter, self->by_peer);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &item))
      if (xg_conversation_get_last_message (item) != NULL && !g_ptr_array_find (kept, item, NULL))
        g_ptr_array_add (kept, item);
  }
  xg_manager_set_loaded (XG_MANAGER (self), kept);
  update_unread (self);
}

XgConversations *
xg_conversations_new (XgSession   *session,
                      XgAccountDb *db)
{
  XgConversations *self = g_object_new (XG_TYPE_CONVERSATIONS, NULL);

  xg_manager_attach (XG_MANAGER (self), session, db);
  xg_account_db_load_conversations_async (db, self->cancellable, conversations_loaded, g_object_ref (self));
  return self;
}

void
xg_conversations_detach (XgConversations *self)
{
  xg_manager_detach (XG_MANAGER (self));
}

static void
xg_conversations_detach_impl (XgManager *manager)
{
  XgConversations *self = XG_CONVERSATIONS (manager);

  /* What the user wrote and is not written yet still goes to the outbox
   * (sent after the next login), behind the write that is out. */
  if (self->unwritten->len > 0)
    {
      g_autoptr(GPtrArray) batch = g_steal_pointer (&self->unwritten);

      self->unwritten = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);
      xg_account_db_add_outgoing_async (xg_conversations_get_db (self), batch, NULL, NULL, NULL);
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->store_idle, g_source_remove);
  g_clear_handle_id (&self->resend_id, g_source_remove);
  XG_MANAGER_CLASS (xg_conversations_parent_class)->detach (manager);
}

gboolean
xg_conversations_get_loaded (XgConversations *self)
{
  return xg_manager_get_loaded (XG_MANAGER (self));
}

guint
xg_conversations_get_unread (XgConversations *self)
{
  return self->unread;
}

static void
xg_conversations_finalize (GObject *object)
{
  XgConversations *self = XG_CONVERSATIONS (object);

  g_clear_handle_id (&self->store_idle, g_source_remove);
  g_clear_handle_id (&self->resend_id, g_source_remove);
  g_hash_table_unref (self->by_peer);
  g_hash_table_unref (self->in_flight);
  g_hash_table_unref (self->unanswered);
  g_hash_table_unref (self->recording);
  g_array_unref (self->acks);
  g_clear_pointer (&self->acks_out, g_array_unref);
  g_ptr_array_unref (self->unwritten);
  g_hash_table_unref (self->acked);
  g_hash_table_unref (self->fetching);
  g_hash_table_unref (self->gaps);
  g_hash_table_unref (self->heads);
  g_array_unref (self->unchecked);
  g_ptr_array_unref (self->incoming);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (xg_conversations_parent_class)->finalize (object);
}

static void
xg_conversations_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  XgConversations *self = XG_CONVERSATIONS (object);

  switch (prop_id)
    {
    case PROP_UNREAD: g_value_set_uint (value, self->unread); break;
    default:          G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_conversations_class_init (XgConversationsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  XgManagerClass *manager_class = XG_MANAGER_CLASS (klass);

  object_class->finalize = xg_conversations_finalize;
  object_class->get_property = xg_conversations_get_property;
  manager_class->item_type = XG_TYPE_CONVERSATION;
  manager_class->compare = xg_conversation_compare;
  manager_class->detach = xg_conversations_detach_impl;

  /**
   * XgConversations::mentioned:
   * @conversation: a group's conversation
   * @message: a message just delivered that names the account ("@Nickname")
   *
   * For a notification that a muted group still deserves.
   */
  signals[MENTIONED] = g_signal_new ("mentioned", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 2, XG_TYPE_CONVERSATION, XG_TYPE_MESSAGE);

  props[PROP_UNREAD] = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0,
                                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
xg_conversations_init (XgConversations *self)
{
  self->by_peer = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->in_flight = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->unanswered = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->recording = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->acks = g_array_new (FALSE, FALSE, sizeof (XgSentRecord));
  self->unwritten = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);
  self->acked = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->fetching = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->gaps = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                      (GDestroyNotify) xg_stored_conversation_free);
  self->heads = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->unchecked = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);
  self->cancellable = g_cancellable_new ();
}
