/* test-chat.c: XgConversations against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two friends, each with their own device folder, chat through the real
 * xinge-server over TLS (docs/PROTOCOL.md 7): a message goes sending →
 * sent → delivered; one written while the server is down goes out when it
 * is back; what came is in the account database for the next start, is
 * shown once however often it arrives, and a gap or a wiped profile is
 * filled from the server's history.
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "xg-core-test.h"

static XgConversations *
conversations_of (Person *p)
{
  return xg_session_get_conversations (p->session);
}

static XgConversation *
conversation_with (Person *p,
                   Person *peer)
{
  return xg_conversations_get (conversations_of (p), peer->id);
}

static XgMessage *
say (Person     *from,
     Person     *to,
     const char *text)
{
  g_autoptr(GError) error = NULL;
  XgMessage *message = xg_conversation_send_text (conversation_with (from, to), text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  g_assert_true (xg_message_get_outgoing (message));
  return message;
}

/* The texts of @model, one line each. */
static char *
texts_of (GListModel *model)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(XgMessage) message = g_list_model_get_item (model, i);

      g_string_append_printf (out, "%" G_GUINT64_FORMAT ":%s\n", xg_message_get_seq (message),
                              xg_message_get_text (message) ? xg_message_get_text (message) : "?");
    }
  return g_string_free (out, FALSE);
}

/* The model has @n items and is done reading its first page. */
static gboolean
model_has (XgChatMessages *messages,
           guint           n)
{
  if (g_test_verbose ())
    g_test_message ("model: %u items%s", g_list_model_get_n_items (G_LIST_MODEL (messages)),
                    xg_chat_messages_get_loading (messages) ? ", loading" : "");
  return !xg_chat_messages_get_loading (messages) && g_list_model_get_n_items (G_LIST_MODEL (messages)) == n;
}

static void
befriend_both (Fixture *f)
{
  log_in (f, &f->alice);
  log_in (f, &f->bob);
  befriend (f);
}

/* --- Tests ---------------------------------------------------------------------- */

/* One message each way: states, models, receipts, unread. */
static void
test_exchange (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(XgMessage) hello = NULL;
  g_autoptr(XgMessage) reply = NULL;
  g_autoptr(XgChatMessages) alice_sees = NULL;
  g_autoptr(XgChatMessages) bob_sees = NULL;
  g_autofree char *texts = NULL;
  XgConversation *at_bob;

  befriend_both (f);
  alice_sees = xg_conversation_get_messages (conversation_with (&f->alice, &f->bob));
  WAIT_UNTIL (!xg_chat_messages_get_loading (alice_sees));

  hello = say (&f->alice, &f->bob, "Hello, Bob");
  g_assert_cmpint (xg_message_get_state (hello), ==, XG_MESSAGE_SENDING);
  /* Shown at once, before the server answers. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (alice_sees)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversations_of (&f->alice))), ==, 1);

  WAIT_UNTIL (xg_message_get_state (hello) != XG_MESSAGE_SENDING);
  g_assert_cmpuint (xg_message_get_seq (hello), ==, 1);

  /* Bob's client stores it, acknowledges it, and Alice hears he has it. */
  WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (conversations_of (&f->bob))) == 1);
  at_bob = conversation_with (&f->bob, &f->alice);
  g_assert_cmpuint (xg_conversation_get_unread (at_bob), ==, 1);
  g_assert_cmpuint (xg_conversations_get_unread (conversations_of (&f->bob)), ==, 1);
  g_assert_cmpstr (xg_message_get_text (xg_conversation_get_last_message (at_bob)), ==, "Hello, Bob");
  g_assert_false (xg_message_get_outgoing (xg_conversation_get_last_message (at_bob)));
  WAIT_UNTIL (xg_message_get_state (hello) == XG_MESSAGE_DELIVERED);

  bob_sees = xg_conversation_get_messages (at_bob);
  WAIT_UNTIL (model_has (bob_sees, 1));
  xg_conversation_mark_read (at_bob);
  g_assert_cmpuint (xg_conversations_get_unread (conversations_of (&f->bob)), ==, 0);

  reply = say (&f->bob, &f->alice, "Hi Alice 你好");
  WAIT_UNTIL (model_has (alice_sees, 2));
  WAIT_UNTIL (xg_message_get_state (reply) == XG_MESSAGE_DELIVERED);
  g_assert_cmpuint (xg_message_get_seq (reply), ==, 2);
  texts = texts_of (G_LIST_MODEL (alice_sees));
  g_assert_cmpstr (texts, ==, "1:Hello, Bob\n2:Hi Alice 你好\n");
  g_clear_pointer (&texts, g_free);
  texts = texts_of (G_LIST_MODEL (bob_sees));
  g_assert_cmpstr (texts, ==, "1:Hello, Bob\n2:Hi Alice 你好\n");
}

/* Written while the server is down: sending, on disk, and sent when the
 * server is back, without anyone doing anything. */
static void
test_offline_send (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(XgMessage) message = NULL;
  g_autoptr(XgChatMessages) bob_sees = NULL;

  befriend_both (f);
  xg_session_set_request_timeout (f->alice.session, 1000);
  g_assert_cmpint (xg_test_server_kill (f->server, SIGKILL), ==, 128 + SIGKILL);
  WAIT_UNTIL (xg_session_get_reconnecting (f->alice.session));

  message = say (&f->alice, &f->bob, "sent while you were away");
  /* Its request gives up; the message stays in the outbox. */
  g_usleep (1500 * G_USEC_PER_SEC / 1000);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (xg_message_get_state (message), ==, XG_MESSAGE_SENDING);

  xg_test_server_restart (f->server);
  WAIT_UNTIL (xg_message_get_state (message) != XG_MESSAGE_SENDING);
  g_assert_cmpint (xg_message_get_state (message), >=, XG_MESSAGE_SENT);
  g_assert_cmpuint (xg_message_get_seq (message), ==, 1);

  WAIT_UNTIL (xg_session_get_synced (f->bob.session));
  bob_sees = xg_conversation_get_messages (conversation_with (&f->bob, &f->alice));
  WAIT_UNTIL (model_has (bob_sees, 1));
  WAIT_UNTIL (xg_message_get_state (message) == XG_MESSAGE_DELIVERED);
}

/* A new start with the server down shows the chats from the database. */
static void
test_cache (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(XgChatMessages) messages = NULL;
  g_autofree char *texts = NULL;
  g_autofree char *token = NULL;
  XgConversations *conversations;

  befriend_both (f);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);
      g_autoptr(XgMessage) m = say (&f->alice, &f->bob, text);

      WAIT_UNTIL (xg_message_get_state (m) == XG_MESSAGE_DELIVERED);
    }
  token = g_strdup (xg_session_get_resume_token (f->bob.session));
  g_clear_object (&f->bob.session);
  g_assert_cmpint (xg_test_server_kill (f->server, SIGKILL), ==, 128 + SIGKILL);

  /* The app starts again, the server is still down. */
  f->bob.session = xg_session_new (f->server->address, f->bob.device);
  xg_session_resume (f->bob.session, f->bob.email, f->bob.id, token);
  WAIT_UNTIL (xg_session_get_conversations (f->bob.session) != NULL &&
              xg_conversations_get_loaded (xg_session_get_conversations (f->bob.session)));
  conversations = xg_session_get_conversations (f->bob.session);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversations)), ==, 1);
  g_assert_cmpuint (xg_conversations_get_unread (conversations), ==, 3);

  messages = xg_conversation_get_messages (xg_conversations_get (conversations, f->alice.id));
  WAIT_UNTIL (model_has (messages, 3));
  texts = texts_of (G_LIST_MODEL (messages));
  g_assert_cmpstr (texts, ==, "1:message 1\n2:message 2\n3:message 3\n");
}

/* A wiped profile: the chat comes back from the server's history, its
 * newest page at login, then a page at a time as the user scrolls.
 * @pending: Alice's last message came while Bob was away, so the new
 * device's first message of the chat is a delivery, not history. */
static void
history_after_wipe (Fixture  *f,
                    gboolean  pending)
{
  g_autoptr(XgChatMessages) messages = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *last = NULL;
  const guint n = pending ? 121 : 120;
  guint before;

  befriend_both (f);
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *text = g_strdup_printf ("m%u", i);
      g_autoptr(XgMessage) m = NULL;

      if (i == 121)
        g_clear_object (&f->bob.session);
      m = say (i % 2 ? &f->alice : &f->bob, i % 2 ? &f->bob : &f->alice, text);
      WAIT_UNTIL (xg_message_get_seq (m) != 0);
    }
  last = g_strdup_printf ("m%u", n);
  if (!pending)
    WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (conversations_of (&f->bob))) == 1);

  /* Bob's device is new: nothing of the chat is here. */
  g_clear_object (&f->bob.session);
  xg_db_close (XG_DB (f->bob.device));
  g_clear_object (&f->bob.device);
  rm_rf (f->bob.dir);
  g_mkdir_with_parents (f->bob.dir, 0700);
  path = g_build_filename (f->bob.dir, "device.db", NULL);
  f->bob.device = xg_device_db_new (path);
  log_in (f, &f->bob);

  /* At login the server says how far the chat goes: its newest page
   * comes by itself, and the list shows it. */
  messages = xg_conversation_get_messages (conversation_with (&f->bob, &f->alice));
  WAIT_UNTIL (model_has (messages, 50));
  g_assert_true (xg_chat_messages_get_has_older (messages));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversations_of (&f->bob))), ==, 1);
  g_assert_cmpstr (xg_message_get_text (xg_conversation_get_last_message (conversation_with (&f->bob, &f->alice))),
                   ==, last);

  /* Each scroll brings a page, newest first, until the start. */
  while (xg_chat_messages_get_has_older (messages))
    {
      before = g_list_model_get_n_items (G_LIST_MODEL (messages));
      xg_chat_messages_load_older_async (messages, NULL, NULL, NULL);
      WAIT_UNTIL (!xg_chat_messages_get_loading (messages) &&
                  (g_list_model_get_n_items (G_LIST_MODEL (messages)) > before ||
                   !xg_chat_messages_get_has_older (messages)));
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XgMessage) m = g_list_model_get_item (G_LIST_MODEL (messages), i);
      g_autofree char *text = g_strdup_printf ("m%u", i + 1);

      g_assert_cmpuint (xg_message_get_seq (m), ==, i + 1);
      g_assert_cmpstr (xg_message_get_text (m), ==, text);
      g_assert_cmpint (xg_message_get_outgoing (m), ==, i % 2 == 1);
    }
}

static void
test_history_after_wipe (Fixture       *f,
                         gconstpointer  data)
{
  history_after_wipe (f, FALSE);
}

static void
test_history_after_wipe_pending (Fixture       *f,
                                 gconstpointer  data)
{
  history_after_wipe (f, TRUE);
}

/* Alice writes from another device; back on the first one she finds the
 * conversation with a gap, which is fetched, not skipped. */
static void
test_gap (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(XgChatMessages) messages = NULL;
  g_autoptr(XgMessage) first = NULL;
  g_autoptr(XgMessage) reply = NULL;
  g_autofree char *texts = NULL;
  g_autofree char *phone_dir = g_dir_make_tmp ("xinge-phone-XXXXXX", NULL);
  g_autofree char *phone_path = g_build_filename (phone_dir, "device.db", NULL);
  Person phone = { 0 };

  befriend_both (f);
  first = say (&f->alice, &f->bob, "from the laptop");
  WAIT_UNTIL (xg_message_get_state (first) == XG_MESSAGE_DELIVERED);

  /* The same account on a second device (which takes the session). */
  phone.dir = g_steal_pointer (&phone_dir);
  phone.device = xg_device_db_new (phone_path);
  phone.email = g_strdup (f->alice.email);
  phone.id = f->alice.id;
  log_in (f, &phone);
  {
    g_autoptr(XgMessage) m = say (&phone, &f->bob, "from the phone");

    WAIT_UNTIL (xg_message_get_seq (m) == 2);
  }
  reply = say (&f->bob, &f->alice, "got both");
  WAIT_UNTIL (xg_message_get_seq (reply) == 3);
  person_clear (&phone);

  /* Back on the laptop: 3 arrives, 2 is missing, and is fetched. */
  log_in (f, &f->alice);
  messages = xg_conversation_get_messages (conversation_with (&f->alice, &f->bob));
  WAIT_UNTIL (model_has (messages, 3));
  texts = texts_of (G_LIST_MODEL (messages));
  g_assert_cmpstr (texts, ==, "1:from the laptop\n2:from the phone\n3:got both\n");
}

/* The messages of the conversation with @peer in @p's account database,
 * one line each, in seq order: "seq:text". */
static char *
stored_texts (Person *p,
              Person *peer)
{
  g_autofree char *name = g_strdup_printf ("%" G_GUINT64_FORMAT ".db", p->id);
  g_autofree char *path = g_build_filename (p->dir, "accounts", name, NULL);
  GString *out = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT seq, payload FROM messages WHERE peer_id = ? ORDER BY seq",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) peer->id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%lld:%.*s\n", (long long) sqlite3_column_int64 (stmt, 0),
                            sqlite3_column_bytes (stmt, 1), (const char *) sqlite3_column_blob (stmt, 1));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (out, FALSE);
}

/* A second device of the same account: @p's email and id, its own folder. */
static void
other_device_init (Person     *device,
                   Person     *p,
                   const char *template)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  device->dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  path = g_build_filename (device->dir, "device.db", NULL);
  device->device = xg_device_db_new (path);
  device->email = g_strdup (p->email);
  device->id = p->id;
}

/* Runs the main loop for about @ms, so that whatever would still come
 * (a second copy, a fetch too many) has come. */
static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

/* What another device of the account sent, and what it received and
 * acknowledged, is pending for nobody: the first device learns it from
 * the heads at its next login, and has it once, in order, in its
 * database, its model and the conversation list. */
static void
test_other_device (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(XgMessage) first = NULL;
  g_autoptr(XgChatMessages) messages = NULL;
  g_autofree char *texts = NULL;
  XgConversation *at_laptop;
  XgMessage *last;
  Person phone = { 0 };

  befriend_both (f);
  first = say (&f->alice, &f->bob, "from the laptop");
  WAIT_UNTIL (xg_message_get_state (first) == XG_MESSAGE_DELIVERED);

  /* The phone takes the session: it writes, and Bob's answer reaches it
   * and is acknowledged there. */
  other_device_init (&phone, &f->alice, "xinge-phone-XXXXXX");
  log_in (f, &phone);
  {
    g_autoptr(XgMessage) m = say (&phone, &f->bob, "from the phone");
    g_autoptr(XgMessage) reply = NULL;

    WAIT_UNTIL (xg_message_get_state (m) == XG_MESSAGE_DELIVERED);
    reply = say (&f->bob, &phone, "to the phone");
    WAIT_UNTIL (xg_message_get_state (reply) == XG_MESSAGE_DELIVERED);
    g_assert_cmpuint (xg_message_get_seq (m), ==, 2);
    g_assert_cmpuint (xg_message_get_seq (reply), ==, 3);
  }
  person_clear (&phone);

  /* Back on the laptop: nothing waits for the account, yet both come. */
  log_in (f, &f->alice);
  at_laptop = conversation_with (&f->alice, &f->bob);
  messages = xg_conversation_get_messages (at_laptop);
  WAIT_UNTIL (model_has (messages, 3));
  WAIT_UNTIL (xg_conversation_get_last_message (at_laptop) != NULL &&
              xg_message_get_seq (xg_conversation_get_last_message (at_laptop)) == 3);
  settle (300);
  texts = texts_of (G_LIST_MODEL (messages));
  g_assert_cmpstr (texts, ==, "1:from the laptop\n2:from the phone\n3:to the phone\n");
  g_clear_pointer (&texts, g_free);
  texts = stored_texts (&f->alice, &f->bob);
  g_assert_cmpstr (texts, ==, "1:from the laptop\n2:from the phone\n3:to the phone\n");
  g_clear_pointer (&texts, g_free);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversations_of (&f->alice))), ==, 1);
  g_assert_cmpuint (xg_conversation_get_unread (at_laptop), ==, 1);
  g_clear_object (&messages);

  /* Only an own message, from a wiped phone: the laptop's list shows it
   * as the last one, as its own, sent. */
  other_device_init (&phone, &f->alice, "xinge-phone-XXXXXX");
  log_in (f, &phone);
  {
    g_autoptr(XgMessage) m = say (&phone, &f->bob, "again from the phone");

    WAIT_UNTIL (xg_message_get_seq (m) == 4);
  }
  person_clear (&phone);

  log_in (f, &f->alice);
  at_laptop = conversation_with (&f->alice, &f->bob);
  WAIT_UNTIL (xg_conversations_get_loaded (conversations_of (&f->alice)) &&
              xg_conversation_get_last_message (at_laptop) != NULL &&
              xg_message_get_seq (xg_conversation_get_last_message (at_laptop)) == 4);
  last = xg_conversation_get_last_message (at_laptop);
  g_assert_cmpstr (xg_message_get_text (last), ==, "again from the phone");
  g_assert_true (xg_message_get_outgoing (last));
  g_assert_cmpint (xg_message_get_state (last), >=, XG_MESSAGE_SENT);
  messages = xg_conversation_get_messages (at_laptop);
  WAIT_UNTIL (model_has (messages, 4));
  settle (300);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 4);
  texts = stored_texts (&f->alice, &f->bob);
  g_assert_cmpstr (texts, ==, "1:from the laptop\n2:from the phone\n3:to the phone\n4:again from the phone\n");
}

/* The same message delivered twice (not acknowledged the first time) is
 * stored and shown once. */
static void
test_shown_once (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(XgChatMessages) messages = NULL;
  g_autofree char *path = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  befriend_both (f);
  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *text = g_strdup_printf ("n%u", i);
      g_autoptr(XgMessage) m = say (&f->alice, &f->bob, text);

      WAIT_UNTIL (xg_message_get_state (m) == XG_MESSAGE_DELIVERED);
    }

  /* Bob's server-side cursor goes back as if his acknowledgements had
   * been lost: the server delivers all five again at his next login. */
  g_clear_object (&f->bob.session);
  g_assert_cmpint (xg_test_server_kill (f->server, SIGTERM), ==, 0);
  path = g_build_filename (f->server->data_dir, "xinge.db", NULL);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE cursors SET received = 0 WHERE account_id = ?", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) f->bob.id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  xg_test_server_restart (f->server);

  log_in (f, &f->bob);
  messages = xg_conversation_get_messages (conversation_with (&f->bob, &f->alice));
  WAIT_UNTIL (model_has (messages, 5));
  /* Let any second copies arrive and be stored. */
  for (guint i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  g_usleep (300 * 1000);
  for (guint i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (messages)), ==, 5);
  g_assert_cmpuint (xg_conversation_get_unread (conversation_with (&f->bob, &f->alice)), ==, 5);
}

/* --- Links cut at random ------------------------------------------------------- */

/* A loopback TCP proxy in front of the server that forwards bytes both
 * ways (TLS passes through it untouched) and, when told, cuts one of the
 * links it carries: both ends see the connection drop mid-stream. */
typedef struct {
  GSocketService *service;
  char           *address;    /* "127.0.0.1:PORT" */
  GSocketAddress *upstream;
  GPtrArray      *links;      /* Link */
  guint           cuts;
} Proxy;

typedef struct {
  Proxy             *proxy;
  GSocketConnection *down;    /* the client's side */
  GSocketConnection *up;      /* the server's side */
  GCancellable      *cancellable;
  gint64             since;   /* monotonic µs when it reached the server, 0 before */
} Link;

/* Closes both ends; the async calls still hold their references. */
static void
link_cut (Link *link)
{
  g_cancellable_cancel (link->cancellable);
  g_io_stream_close (G_IO_STREAM (link->down), NULL, NULL);
  if (link->up != NULL)
    g_io_stream_close (G_IO_STREAM (link->up), NULL, NULL);
}

static void
link_clear (Link *link)
{
  g_clear_object (&link->down);
  g_clear_object (&link->up);
  g_clear_object (&link->cancellable);
}

static void
link_unref (Link *link)
{
  g_rc_box_release_full (link, (GDestroyNotify) link_clear);
}

/* The proxy's list holds one reference, each async call another. */
static void
link_drop (Link *link)
{
  link_cut (link);
  link_unref (link);
}

static void
spliced (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Link *link = user_data;

  g_io_stream_splice_finish (result, NULL);
  /* Either side closed it, or it was cut: it is gone. */
  if (!g_cancellable_is_cancelled (link->cancellable))
    g_ptr_array_remove (link->proxy->links, link);
  link_unref (link);
}

static void
upstream_connected (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Link *link = user_data;

  link->up = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, NULL);
  if (link->up == NULL || g_cancellable_is_cancelled (link->cancellable))
    {
      if (!g_cancellable_is_cancelled (link->cancellable))
        g_ptr_array_remove (link->proxy->links, link);
      link_unref (link);
      return;
    }
  link->since = g_get_monotonic_time ();
  g_io_stream_splice_async (G_IO_STREAM (link->down), G_IO_STREAM (link->up), G_IO_STREAM_SPLICE_NONE,
                            G_PRIORITY_DEFAULT, link->cancellable, spliced, link);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             Proxy             *proxy)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  Link *link = g_rc_box_new0 (Link);

  link->proxy = proxy;
  link->down = g_object_ref (connection);
  link->cancellable = g_cancellable_new ();
  g_ptr_array_add (proxy->links, link);
  /* An address, not a name: no resolver thread for each link. */
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (proxy->upstream), link->cancellable,
                                 upstream_connected, g_rc_box_acquire (link));
  return TRUE;
}

static Proxy *
proxy_new (const char *upstream)
{
  Proxy *proxy = g_new0 (Proxy, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  {
    g_autofree char *host = g_strndup (upstream, strrchr (upstream, ':') - upstream);

    proxy->upstream = g_inet_socket_address_new_from_string (host, atoi (strrchr (upstream, ':') + 1));
    g_assert_nonnull (proxy->upstream);
  }
  proxy->links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_drop);
  proxy->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (proxy->service), any, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  proxy->address = g_strdup_printf ("127.0.0.1:%u",
                                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_signal_connect (proxy->service, "incoming", G_CALLBACK (on_incoming), proxy);
  g_socket_service_start (proxy->service);
  return proxy;
}

/* Cuts one link at random among those that have reached the server at
 * least @min_age_ms ago; FALSE if there is none. */
static gboolean
proxy_cut (Proxy *proxy,
           guint  min_age_ms)
{
  g_autoptr(GArray) old = g_array_new (FALSE, FALSE, sizeof (guint));
  gint64 now = g_get_monotonic_time ();
  guint i;

  for (i = 0; i < proxy->links->len; i++)
    {
      Link *link = proxy->links->pdata[i];

      if (link->since != 0 && now - link->since >= (gint64) min_age_ms * 1000)
        g_array_append_val (old, i);
    }
  if (old->len == 0)
    return FALSE;
  i = g_array_index (old, guint, g_test_rand_int_range (0, (gint32) old->len));
  g_ptr_array_remove_index_fast (proxy->links, i);
  proxy->cuts++;
  return TRUE;
}

static void
proxy_free (Proxy *proxy)
{
  g_socket_service_stop (proxy->service);
  g_socket_listener_close (G_SOCKET_LISTENER (proxy->service));
  g_clear_object (&proxy->service);
  g_ptr_array_unref (proxy->links);
  g_free (proxy->address);
  g_clear_object (&proxy->upstream);
  g_free (proxy);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Proxy, proxy_free)

typedef struct {
  guint added;
  guint removed;
} Changes;

static void
count_changes (GListModel *model,
               guint       position,
               guint       removed,
               guint       added,
               Changes    *changes)
{
  changes->added += added;
  changes->removed += removed;
}

/* Whether @p is logged in on a link that is up, with its login sync in. */
static gboolean
settled (Person *p)
{
  return xg_session_get_state (p->session) == XG_SESSION_LOGGED_IN && !xg_session_get_reconnecting (p->session) &&
         xg_session_get_synced (p->session);
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *value = g_getenv (name);

  return value != NULL && *value != '\0' ? (guint) g_ascii_strtoull (value, NULL, 10) : fallback;
}

/* Both write while the links between them and the server are cut at
 * random (XG_TEST_CUTS times, default 15; tools/chat-cut-run.sh runs
 * 1,000): every message reaches the other side once, in order, and each
 * side's model shows each message once.
 *
 * A cut only hits a link that carries a logged-in session (both are
 * settled, and the link is some random 0-300 ms old): a cut in a TLS
 * handshake or a login would count as a failed attempt and grow the
 * reconnect backoff towards its 60 s, so a long run would spend its time
 * waiting; what is cut mid-stream, after the login, is what the run is
 * about. */
static void
test_link_cuts (Fixture       *f,
                gconstpointer  data)
{
  guint cuts = env_uint ("XG_TEST_CUTS", 15);
  /* How hard the run pushes: the longest wait between two cuts and
   * between two messages (shorter ones reproduce a long run's troubles
   * sooner). */
  guint cut_every_ms = MAX (env_uint ("XG_TEST_CUT_EVERY_MS", 1500), 101);
  guint pause_ms = MAX (env_uint ("XG_TEST_SEND_PAUSE_MS", 40), 2);
  g_autoptr(Proxy) proxy = proxy_new (f->server->address);
  g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(XgChatMessages) alice_sees = NULL;
  g_autoptr(XgChatMessages) bob_sees = NULL;
  Changes alice_changes = { 0 }, bob_changes = { 0 };
  gint64 next_cut, started = g_get_monotonic_time ();

  log_in_at (f, &f->alice, proxy->address);
  log_in_at (f, &f->bob, proxy->address);
  befriend (f);
  alice_sees = xg_conversation_get_messages (conversation_with (&f->alice, &f->bob));
  bob_sees = xg_conversation_get_messages (conversation_with (&f->bob, &f->alice));
  WAIT_UNTIL (!xg_chat_messages_get_loading (alice_sees) && !xg_chat_messages_get_loading (bob_sees));
  g_signal_connect (alice_sees, "items-changed", G_CALLBACK (count_changes), &alice_changes);
  g_signal_connect (bob_sees, "items-changed", G_CALLBACK (count_changes), &bob_changes);

  next_cut = g_get_monotonic_time () + g_test_rand_int_range (100, cut_every_ms) * 1000;
  while (proxy->cuts < cuts)
    {
      g_autofree char *text = g_strdup_printf ("message %u", sent->len + 1);
      gboolean from_alice = g_test_rand_bit ();
      gint64 pause = g_get_monotonic_time () + g_test_rand_int_range (MIN (5, pause_ms - 1), pause_ms) * 1000;

      g_ptr_array_add (sent, say (from_alice ? &f->alice : &f->bob, from_alice ? &f->bob : &f->alice, text));
      while (g_get_monotonic_time () < pause)
        g_main_context_iteration (NULL, FALSE);
      if (g_get_monotonic_time () >= next_cut && settled (&f->alice) && settled (&f->bob) &&
          proxy_cut (proxy, (guint) g_test_rand_int_range (0, 300)))
        next_cut = g_get_monotonic_time () + g_test_rand_int_range (100, cut_every_ms) * 1000;
    }

  /* Calm: everything goes out and comes in. */
  for (guint i = 0; i < sent->len; i++)
    {
      gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

      while (xg_message_get_state (sent->pdata[i]) != XG_MESSAGE_DELIVERED && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, TRUE);
      if (xg_message_get_state (sent->pdata[i]) != XG_MESSAGE_DELIVERED)
        {
          /* Say what is stuck before failing. */
          for (guint j = i, shown = 0; j < sent->len && shown < 10; j++)
            {
              XgMessage *m = sent->pdata[j];

              if (xg_message_get_state (m) == XG_MESSAGE_DELIVERED)
                continue;
              shown++;
              g_test_message ("not delivered: #%u \"%s\" from %s, state %d, seq %" G_GUINT64_FORMAT, j,
                              xg_message_get_text (m), xg_message_get_sender_id (m) == f->alice.id ? "Alice" : "Bob",
                              xg_message_get_state (m), xg_message_get_seq (m));
            }
          g_test_message ("%u sent; Alice shows %u, Bob %u; Alice: state %d reconnecting %d synced %d; "
                          "Bob: state %d reconnecting %d synced %d",
                          sent->len, g_list_model_get_n_items (G_LIST_MODEL (alice_sees)),
                          g_list_model_get_n_items (G_LIST_MODEL (bob_sees)),
                          xg_session_get_state (f->alice.session), xg_session_get_reconnecting (f->alice.session),
                          xg_session_get_synced (f->alice.session), xg_session_get_state (f->bob.session),
                          xg_session_get_reconnecting (f->bob.session), xg_session_get_synced (f->bob.session));
          {
            g_autofree char *a_texts = texts_of (G_LIST_MODEL (alice_sees));
            g_autofree char *b_texts = texts_of (G_LIST_MODEL (bob_sees));
            const char *a_tail = strlen (a_texts) > 600 ? a_texts + strlen (a_texts) - 600 : a_texts;
            const char *b_tail = strlen (b_texts) > 600 ? b_texts + strlen (b_texts) - 600 : b_texts;

            g_test_message ("Alice's newest:\n%s", a_tail);
            g_test_message ("Bob's newest:\n%s", b_tail);
          }
          g_error ("Message #%u was not delivered within 60 s of calm", i);
        }
    }
  WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (alice_sees)) >= sent->len &&
              g_list_model_get_n_items (G_LIST_MODEL (bob_sees)) >= sent->len);

  /* One gapless sequence, each message once on both sides. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (alice_sees)), ==, sent->len);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (bob_sees)), ==, sent->len);
  for (guint i = 0; i < sent->len; i++)
    {
      g_autoptr(XgMessage) a = g_list_model_get_item (G_LIST_MODEL (alice_sees), i);
      g_autoptr(XgMessage) b = g_list_model_get_item (G_LIST_MODEL (bob_sees), i);

      g_assert_cmpuint (xg_message_get_seq (a), ==, i + 1);
      g_assert_cmpuint (xg_message_get_seq (b), ==, i + 1);
      g_assert_cmpuint (xg_message_get_client_msg_id (a), ==, xg_message_get_client_msg_id (b));
      g_assert_cmpstr (xg_message_get_text (a), ==, xg_message_get_text (b));
    }
  /* Nothing was shown and taken back: every change but the messages'
   * arrivals only moved an own message to the place its seq gave it. */
  g_assert_cmpuint (alice_changes.added - alice_changes.removed, ==, sent->len);
  g_assert_cmpuint (bob_changes.added - bob_changes.removed, ==, sent->len);
  g_test_message ("%u links cut, %u messages, %.1f s", proxy->cuts, sent->len,
                  (g_get_monotonic_time () - started) / 1e6);
  g_signal_handlers_disconnect_by_data (alice_sees, &alice_changes);
  g_signal_handlers_disconnect_by_data (bob_sees, &bob_changes);
}

/* A server too slow to answer a CHAT_SEND within the request timeout:
 * the request is still on the wire, so the message stays in flight (not
 * sent again over and over, which would only add to the server's work)
 * and its late MSG_SENT_ACK records it as sent at once. */
static void
test_late_ack (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(XgMessage) message = NULL;
  g_autoptr(XgChatMessages) bob_sees = NULL;
  gint64 resumed, until;

  befriend_both (f);
  xg_session_set_request_timeout (f->alice.session, 1000);
  signal_server (f->server, SIGSTOP);
  message = say (&f->alice, &f->bob, "late");
  /* Its request times out after 1 s; the server is still stopped. */
  until = g_get_monotonic_time () + 2500 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (xg_message_get_state (message), ==, XG_MESSAGE_SENDING);
  g_assert_cmpint (xg_session_get_state (f->alice.session), ==, XG_SESSION_LOGGED_IN);

  /* The answer comes once the server goes on: recorded then, not when a
   * resend (5 s after the timeout) would have been answered. */
  signal_server (f->server, SIGCONT);
  resumed = g_get_monotonic_time ();
  until = resumed + 2000 * 1000;
  while (xg_message_get_state (message) == XG_MESSAGE_SENDING && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (xg_message_get_state (message), !=, XG_MESSAGE_SENDING);
  g_test_message ("sent %.2f s after the server went on", (g_get_monotonic_time () - resumed) / 1e6);
  g_assert_cmpuint (xg_message_get_seq (message), ==, 1);

  bob_sees = xg_conversation_get_messages (conversation_with (&f->bob, &f->alice));
  WAIT_UNTIL (model_has (bob_sees, 1));
  WAIT_UNTIL (xg_message_get_state (message) == XG_MESSAGE_DELIVERED);
}

/* A message sent the moment the account has a conversations model, before
 * the stored list is read: listed once, after the load, and sent. */
typedef struct {
  guint64    peer_id;
  XgMessage *message;
  gboolean   was_loaded;
} SendEarly;

static void
send_when_model_comes (XgSession  *session,
                       GParamSpec *pspec,
                       SendEarly  *early)
{
  XgConversations *conversations = xg_session_get_conversations (session);
  g_autoptr(GError) error = NULL;

  if (conversations == NULL || early->message != NULL)
    return;
  early->was_loaded = xg_conversations_get_loaded (conversations);
  early->message = xg_conversation_send_text (xg_conversations_get (conversations, early->peer_id),
                                              "before the list", &error);
  g_assert_no_error (error);
}

static void
test_send_before_loaded (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(XgChatMessages) bob_sees = NULL;
  g_autoptr(XgConversation) listed = NULL;
  SendEarly early = { 0 };
  Outcome o = { 0 };

  befriend_both (f);
  early.peer_id = f->bob.id;
  g_clear_object (&f->alice.session);
  f->alice.session = xg_session_new (f->server->address, f->alice.device);
  g_signal_connect (f->alice.session, "notify::conversations", G_CALLBACK (send_when_model_comes), &early);
  xg_session_login_async (f->alice.session, f->alice.email, PASSWORD, NULL, login_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_no_error (o.error);
  g_assert_nonnull (early.message);
  g_assert_false (early.was_loaded);

  WAIT_UNTIL (xg_conversations_get_loaded (conversations_of (&f->alice)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversations_of (&f->alice))), ==, 1);
  listed = g_list_model_get_item (G_LIST_MODEL (conversations_of (&f->alice)), 0);
  g_assert_true (listed == conversation_with (&f->alice, &f->bob));
  WAIT_UNTIL (xg_message_get_state (early.message) == XG_MESSAGE_DELIVERED);
  bob_sees = xg_conversation_get_messages (conversation_with (&f->bob, &f->alice));
  WAIT_UNTIL (model_has (bob_sees, 1));
  g_clear_object (&early.message);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/core/chat/exchange", test_exchange);
  ADD ("/core/chat/offline-send", test_offline_send);
  ADD ("/core/chat/cache", test_cache);
  ADD ("/core/chat/history-after-wipe", test_history_after_wipe);
  ADD ("/core/chat/history-after-wipe-pending", test_history_after_wipe_pending);
  ADD ("/core/chat/gap", test_gap);
  ADD ("/core/chat/other-device", test_other_device);
  ADD ("/core/chat/shown-once", test_shown_once);
  ADD ("/core/chat/link-cuts", test_link_cuts);
  ADD ("/core/chat/late-ack", test_late_ack);
  ADD ("/core/chat/send-before-loaded", test_send_before_loaded);
#undef ADD

  return g_test_run ();
}
