/* xg-account-db.h: what one account knows, on this device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * $XDG_DATA_HOME/xinge/<app profile>/accounts/<id>.db (see xg-paths.h),
 * owned by the logged-in XgSession: the account's profile, its contacts
 * and friend requests (xg-account-db-contacts.c); its conversations,
 * messages and outbox (xg-account-db-messages.c).
 * An XgDb: opened on its own thread, every call async, and
 * synchronous=FULL, because the client acknowledges from it.
 */
#pragma once

#include "xg-db.h"

G_BEGIN_DECLS

#define XG_TYPE_ACCOUNT_DB (xg_account_db_get_type ())
G_DECLARE_FINAL_TYPE (XgAccountDb, xg_account_db, XG, ACCOUNT_DB, XgDb)

XgAccountDb *xg_account_db_new                 (const char           *path);
/* Whose database it is: set once, before the first call (a group's unread
 * count is the messages of everyone but the account). */
void         xg_account_db_set_account_id      (XgAccountDb          *self,
                                                 guint64               account_id);
guint64      xg_account_db_get_account_id      (XgAccountDb          *self);

/* The profile as a PROFILE body "(tssa{sv})". */
void         xg_account_db_store_profile_async  (XgAccountDb          *self,
                                                 GVariant             *profile,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean     xg_account_db_store_profile_finish (XgAccountDb          *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
/* NULL from finish when nothing is stored yet. */
void         xg_account_db_load_profile_async   (XgAccountDb          *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
GVariant    *xg_account_db_load_profile_finish  (XgAccountDb          *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

/* --- Contacts and friend requests (xg-account-db-contacts.c) --- */

typedef struct {
  guint64   id;
  char     *nickname;
  char     *remark;
  GVariant *info;       /* the USER_INFO body (tsa{sv}) last fetched, or NULL */
} XgStoredContact;

XgStoredContact *xg_stored_contact_new  (guint64          id,
                                         const char      *nickname,
                                         const char      *remark);
void             xg_stored_contact_free (XgStoredContact *contact);

typedef struct {
  gboolean  outgoing;   /* this account asked */
  guint64   peer_id;
  char     *nickname;
  char     *greeting;
  gint64    time;       /* seconds since the epoch */
} XgStoredRequest;

XgStoredRequest *xg_stored_request_new  (gboolean         outgoing,
                                         guint64          peer_id,
                                         const char      *nickname,
                                         const char      *greeting,
                                         gint64           time);
void             xg_stored_request_free (XgStoredRequest *request);

/* Finish: a GPtrArray of XgStoredContact, with their info. */
void         xg_account_db_load_contacts_async      (XgAccountDb          *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray   *xg_account_db_load_contacts_finish     (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Replaces the friend list (ids, nicknames, remarks; their info is kept,
 * and dropped for accounts that are no longer friends). */
void         xg_account_db_save_contacts_async      (XgAccountDb          *self,
                                                     GPtrArray            *contacts,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean     xg_account_db_save_contacts_finish     (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Keeps a friend's public profile, a USER_INFO body. */
void         xg_account_db_store_contact_info_async (XgAccountDb          *self,
                                                     GVariant             *user_info,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean     xg_account_db_store_contact_info_finish (XgAccountDb         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
/* Finish: a GPtrArray of XgStoredRequest, oldest first. */
void         xg_account_db_load_requests_async      (XgAccountDb          *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray   *xg_account_db_load_requests_finish     (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Replaces the pending requests, both ways. */
void         xg_account_db_save_requests_async      (XgAccountDb          *self,
                                                     GPtrArray            *requests,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean     xg_account_db_save_requests_finish     (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* --- Conversations and messages (xg-account-db-messages.c) --- */

/* One table holds both kinds of conversation: a one-to-one conversation
 * is kept under the peer's account id, a group's (kind 1) under the group
 * id with this bit set, so the two never meet whatever ranges the server
 * numbers them from. The key is the "peer_id" of the rows and structs
 * below; it never goes on the wire. */
#define XG_CONVERSATION_GROUP_BIT (G_GUINT64_CONSTANT (1) << 62)
#define XG_CONVERSATION_KEY(kind, id) ((kind) ? ((guint64) (id) | XG_CONVERSATION_GROUP_BIT) : (guint64) (id))
#define XG_CONVERSATION_KEY_KIND(key) (((key) & XG_CONVERSATION_GROUP_BIT) ? 1 : 0)
#define XG_CONVERSATION_KEY_ID(key) ((key) & ~XG_CONVERSATION_GROUP_BIT)

typedef enum {
  XG_STORED_SENDING = 0,   /* in the outbox */
  XG_STORED_SENT    = 1,   /* has its seq: sent by this account, or received */
  XG_STORED_FAILED  = 2,   /* in the outbox, refused by the server */
} XgStoredState;

typedef struct {
  gint64         id;             /* local, in the order written */
  guint64        peer_id;
  guint64        seq;            /* 0 while in the outbox */
  guint64        client_msg_id;
  guint64        sender_id;
  guint32        msg_type;
  GBytes        *payload;
  gint64         time;           /* µs: the server's, or when written while in the outbox */
  XgStoredState  state;
  char          *error;          /* XG_STORED_FAILED: why */
} XgStoredMessage;

XgStoredMessage *xg_stored_message_new  (guint64          peer_id,
                                         guint64          seq,
                                         guint64          client_msg_id,
                                         guint64          sender_id,
                                         guint32          msg_type,
                                         GBytes          *payload,
                                         gint64           time);
XgStoredMessage *xg_stored_message_copy (const XgStoredMessage *message);
void             xg_stored_message_free (XgStoredMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgStoredMessage, xg_stored_message_free)

typedef struct {
  guint64          peer_id;
  guint64          base;           /* the lowest seq this device has, 0 for none */
  guint64          received;       /* every seq from base up to this is here */
  guint64          gap_before;     /* > 0: messages from received + 1 up to this (excluded) are missing */
  guint64          peer_received;  /* the peer has committed up to this */
  guint64          read;           /* the user has seen the peer's messages up to this */
  guint            unread;         /* the peer's messages above read (kept in the row, not counted each time) */
  gint64           activity;       /* µs */
  XgStoredMessage *last;           /* the newest message, or NULL */
  GPtrArray       *added;          /* store_incoming: the XgStoredMessages it really added, in seq order */
  gboolean         started;        /* store_incoming: these are the first messages of it on this device */
} XgStoredConversation;

void xg_stored_conversation_free (XgStoredConversation *conversation);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgStoredConversation, xg_stored_conversation_free)

/* Finish: a GPtrArray of XgStoredConversation, newest activity first. */
void         xg_account_db_load_conversations_async  (XgAccountDb          *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray   *xg_account_db_load_conversations_finish (XgAccountDb          *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* Writes outgoing messages to the outbox (state sending, no seq), all in
 * one transaction: on disk before any of them is first sent. Finish: a
 * GPtrArray of the XgStoredMessages as written, with their local ids. */
void         xg_account_db_add_outgoing_async        (XgAccountDb          *self,
                                                      GPtrArray            *messages,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray   *xg_account_db_add_outgoing_finish       (XgAccountDb          *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* Finish: a GPtrArray of XgStoredMessage in the outbox (sending and
 * failed), in the order written. */
void         xg_account_db_load_outbox_async         (XgAccountDb          *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray   *xg_account_db_load_outbox_finish        (XgAccountDb          *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* What became of an outgoing message that has no seq: the server refused
 * it (@error set: failed), or a retry puts it back (@error NULL: sending).
 * Finish: the conversation after it (transfer full), or NULL if there is
 * no such message. */
void         xg_account_db_update_outgoing_async     (XgAccountDb          *self,
                                                      guint64               account_id,
                                                      guint64               client_msg_id,
                                                      const char           *error,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
XgStoredConversation *xg_account_db_update_outgoing_finish (XgAccountDb    *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* One MSG_SENT_ACK: the seq and the time the server gave a message. */
typedef struct {
  guint64 client_msg_id;
  guint64 seq;
  gint64  time;
} XgSentRecord;

/* Records MSG_SENT_ACKs (XgSentRecord) in one transaction: each message
 * leaves the outbox with its seq (state sent). Finish: a GPtrArray of
 * XgStoredConversation, one per conversation the batch changed. */
void         xg_account_db_record_sent_async         (XgAccountDb          *self,
                                                      guint64               account_id,
                                                      GArray               *sent,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray   *xg_account_db_record_sent_finish        (XgAccountDb          *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* Stores delivered (or fetched) messages in one transaction, each (peer,
 * seq) once. Finish: a GPtrArray of XgStoredConversation, one per
 * conversation the batch touched, with what it added. */
void         xg_account_db_store_incoming_async      (XgAccountDb          *self,
                                                      GPtrArray            *messages,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray   *xg_account_db_store_incoming_finish     (XgAccountDb          *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* What this device has of the conversation with each of @peers: peer_id,
 * base (0: nothing, or no such conversation), received and gap_before;
 * the other fields are left 0. Finish: a GPtrArray of
 * XgStoredConversation, one per peer, in order. */
void         xg_account_db_load_extents_async        (XgAccountDb          *self,
                                                      GArray               *peers,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray   *xg_account_db_load_extents_finish       (XgAccountDb          *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* MSG_DELIVERED (@peer_received) or the user reading (@read); 0 leaves a
 * value as it is, and neither ever goes back. */
void         xg_account_db_update_conversation_async (XgAccountDb          *self,
                                                      guint64               peer_id,
                                                      guint64               peer_received,
                                                      guint64               read,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean     xg_account_db_update_conversation_finish (XgAccountDb         *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* A page of one conversation, in order (by seq, then the outbox as
 * written): the @limit messages with a seq below @before_seq, or with
 * @before_seq 0 the newest @limit and the outbox after them. Finish: a
 * GPtrArray of XgStoredMessage. */
void         xg_account_db_load_messages_async       (XgAccountDb          *self,
                                                      guint64               peer_id,
                                                      guint64               before_seq,
                                                      guint                 limit,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray   *xg_account_db_load_messages_finish      (XgAccountDb          *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* --- Groups (xg-account-db-groups.c) --- */

typedef struct {
  guint64   id;
  GVariant *info;          /* a{sv}: name, description, avatar */
  guint32   revision;      /* of @info; 0 when not fetched yet */
  guint64   owner_id;
  guint32   member_count;
  guint8    role;          /* XgProtoGroupRole; 0 once gone */
  gboolean  gone;
  gboolean  muted;
} XgStoredGroup;

XgStoredGroup *xg_stored_group_copy (const XgStoredGroup *group);
void           xg_stored_group_free (XgStoredGroup       *group);

/* Finish: a GPtrArray of XgStoredGroup, by id. */
void         xg_account_db_load_groups_async        (XgAccountDb          *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GPtrArray   *xg_account_db_load_groups_finish       (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Writes @groups (whole rows); with @replace, every other group is gone. */
void         xg_account_db_save_groups_async        (XgAccountDb          *self,
                                                     GPtrArray            *groups,
                                                     gboolean              replace,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean     xg_account_db_save_groups_finish       (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
/* Members' names, "a(tts)" (group, member, nickname): load all, or add
 * and update some. */
void         xg_account_db_load_group_names_async   (XgAccountDb          *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
GVariant    *xg_account_db_load_group_names_finish  (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void         xg_account_db_save_group_names_async   (XgAccountDb          *self,
                                                     GVariant             *names,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean     xg_account_db_save_group_names_finish  (XgAccountDb          *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

G_END_DECLS
