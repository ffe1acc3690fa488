/* test-friends.c: XgContacts and XgFriendRequests against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two people, each with their own device folder (as two app profiles
 * would have), befriend each other through the real xinge-server over TLS;
 * the models must say what happened with the items-changed a list view
 * needs, and keep it in the account database for the next start.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "xg-core-test.h"


/* --- Recording what models say --------------------------------------------------- */

typedef struct {
  GString *changes;     /* "pos:removed:added;" for each items-changed */
  guint    incoming;
  guint    answered;
  guint    last_outcome;
  char    *last_reason;
} Recorder;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Recorder   *r)
{
  g_string_append_printf (r->changes, "%u:%u:%u;", position, removed, added);
}

static void
on_incoming (XgFriendRequests *requests,
             XgFriendRequest  *request,
             Recorder         *r)
{
  r->incoming++;
}

static void
on_answered (XgFriendRequests *requests,
             guint64           peer_id,
             const char       *nickname,
             guint             outcome,
             const char       *reason,
             Recorder         *r)
{
  r->answered++;
  r->last_outcome = outcome;
  g_free (r->last_reason);
  r->last_reason = g_strdup (reason);
}

static void
recorder_watch (Recorder *r,
                gpointer  model)
{
  if (r->changes == NULL)
    r->changes = g_string_new (NULL);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), r);
  if (XG_IS_FRIEND_REQUESTS (model))
    {
      g_signal_connect (model, "incoming", G_CALLBACK (on_incoming), r);
      g_signal_connect (model, "answered", G_CALLBACK (on_answered), r);
    }
}

static void
recorder_unwatch (Recorder *r,
                  gpointer  model)
{
  g_signal_handlers_disconnect_by_data (model, r);
}

static void
recorder_reset (Recorder *r)
{
  g_string_truncate (r->changes, 0);
}

static void
recorder_clear (Recorder *r)
{
  if (r->changes != NULL)
    g_string_free (r->changes, TRUE);
  g_free (r->last_reason);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Recorder, recorder_clear)

static void
contacts_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;
  gpointer tag = g_task_get_source_tag (G_TASK (result));

  if (tag == xg_contacts_set_remark_async)
    o->ok = xg_contacts_set_remark_finish (XG_CONTACTS (source), result, &o->error);
  else if (tag == xg_contacts_remove_async)
    o->ok = xg_contacts_remove_finish (XG_CONTACTS (source), result, &o->error);
  else
    o->ok = xg_contacts_refresh_finish (XG_CONTACTS (source), result, &o->error);
  o->done = TRUE;
}


/* --- Tests ------------------------------------------------------------------------ */

/* The whole way, live: find, ask, accept; each model says it with the
 * smallest change. */
static void
test_befriend (Fixture *f, gconstpointer data)
{
  g_auto(Recorder) alice_requests = { 0 };
  g_auto(Recorder) bob_requests = { 0 };
  g_auto(Recorder) alice_contacts = { 0 };
  g_auto(Recorder) bob_contacts = { 0 };
  g_autoptr(XgProfile) bob = NULL;
  g_autoptr(GError) error = NULL;
  XgFriendRequest *outgoing, *incoming;
  XgContact *contact;

  log_in (f, &f->alice);
  log_in (f, &f->bob);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (contacts_of (&f->alice))), ==, 0);
  recorder_watch (&alice_requests, requests_of (&f->alice));
  recorder_watch (&bob_requests, requests_of (&f->bob));
  recorder_watch (&alice_contacts, contacts_of (&f->alice));
  recorder_watch (&bob_contacts, contacts_of (&f->bob));

  /* Alice sees who has the address before she asks. */
  bob = find (&f->alice, "Bob@Example.com", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (xg_profile_get_account_id (bob), ==, f->bob.id);
  g_assert_cmpstr (xg_profile_get_nickname (bob), ==, "Bob");
  g_assert_cmpstr (xg_profile_get_email (bob), ==, "bob@example.com");

  g_assert_false (send_request (&f->alice, bob, "Hi Bob, it's Alice", &error));
  g_assert_no_error (error);
  outgoing = xg_friend_requests_lookup (requests_of (&f->alice), TRUE, f->bob.id);
  g_assert_nonnull (outgoing);
  g_assert_cmpstr (xg_friend_request_get_greeting (outgoing), ==, "Hi Bob, it's Alice");
  g_assert_cmpstr (alice_requests.changes->str, ==, "0:0:1;");

  /* Bob hears of it at once, once. */
  WAIT_UNTIL (bob_requests.incoming == 1);
  g_assert_cmpstr (bob_requests.changes->str, ==, "0:0:1;");
  incoming = xg_friend_requests_lookup (requests_of (&f->bob), FALSE, f->alice.id);
  g_assert_nonnull (incoming);
  g_assert_cmpstr (xg_friend_request_get_nickname (incoming), ==, "Alice");
  g_assert_cmpstr (xg_friend_request_get_greeting (incoming), ==, "Hi Bob, it's Alice");
  g_assert_cmpuint (xg_friend_requests_get_n_incoming (requests_of (&f->bob)), ==, 1);

  /* Asking again is the same request: nothing new anywhere. */
  send_request (&f->alice, bob, "Hello again", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (alice_requests.changes->str, ==, "0:0:1;");

  g_assert_true (answer (&f->bob, incoming, TRUE, NULL, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (alice_requests.answered == 1);
  g_assert_cmpuint (alice_requests.last_outcome, ==, XG_FRIEND_REQUEST_ACCEPTED);
  g_assert_cmpstr (alice_requests.changes->str, ==, "0:0:1;0:1:0;");
  g_assert_cmpstr (bob_requests.changes->str, ==, "0:0:1;0:1:0;");
  g_assert_cmpuint (xg_friend_requests_get_n_incoming (requests_of (&f->bob)), ==, 0);
  g_assert_cmpuint (bob_requests.incoming, ==, 1);

  /* Each is the other's friend, once, and online. */
  WAIT_UNTIL (xg_contacts_lookup (contacts_of (&f->alice), f->bob.id) != NULL);
  g_assert_cmpstr (alice_contacts.changes->str, ==, "0:0:1;");
  g_assert_cmpstr (bob_contacts.changes->str, ==, "0:0:1;");
  contact = xg_contacts_lookup (contacts_of (&f->alice), f->bob.id);
  g_assert_cmpstr (xg_contact_get_display_name (contact), ==, "Bob");
  WAIT_UNTIL (xg_contact_get_online (contact));
  g_assert_true (xg_contact_get_online (xg_contacts_lookup (contacts_of (&f->bob), f->alice.id)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (contacts_of (&f->alice))), ==, 1);

  recorder_unwatch (&alice_requests, requests_of (&f->alice));
  recorder_unwatch (&bob_requests, requests_of (&f->bob));
  recorder_unwatch (&alice_contacts, contacts_of (&f->alice));
  recorder_unwatch (&bob_contacts, contacts_of (&f->bob));
}

/* Bob is offline when Alice asks: he finds the request at his next login,
 * before SYNC_DONE, and is told of it once; Alice, offline in turn, finds
 * his acceptance at hers. */
static void
test_offline_both_ways (Fixture *f, gconstpointer data)
{
  g_auto(Recorder) bob_requests = { 0 };
  g_auto(Recorder) alice_requests = { 0 };
  g_autoptr(XgProfile) bob = NULL;
  XgFriendRequest *incoming;

  log_in (f, &f->alice);
  bob = find (&f->alice, f->bob.email, NULL);
  send_request (&f->alice, bob, "", NULL);
  g_clear_object (&f->alice.session);   /* Alice closes the app */

  log_in (f, &f->bob);
  incoming = xg_friend_requests_lookup (requests_of (&f->bob), FALSE, f->alice.id);
  g_assert_nonnull (incoming);
  g_assert_cmpuint (xg_friend_requests_get_n_incoming (requests_of (&f->bob)), ==, 1);
  g_assert_true (answer (&f->bob, incoming, TRUE, NULL, NULL));
  g_assert_nonnull (xg_contacts_lookup (contacts_of (&f->bob), f->alice.id));
  g_assert_false (xg_contact_get_online (xg_contacts_lookup (contacts_of (&f->bob), f->alice.id)));

  /* Alice's device still shows the request as waiting: it learns of the
   * acceptance from the server's login pushes. */
  f->alice.session = xg_session_new (f->server->address, f->alice.device);
  {
    Outcome o = { 0 };

    xg_session_login_async (f->alice.session, f->alice.email, PASSWORD, NULL, login_done, &o);
    WAIT_UNTIL (xg_session_get_friend_requests (f->alice.session) != NULL);
    recorder_watch (&alice_requests, requests_of (&f->alice));
    WAIT_UNTIL (o.done);
    g_assert_no_error (o.error);
  }
  WAIT_UNTIL (xg_session_get_synced (f->alice.session));
  WAIT_UNTIL (alice_requests.answered == 1);
  g_assert_cmpuint (alice_requests.last_outcome, ==, XG_FRIEND_REQUEST_ACCEPTED);
  g_assert_null (xg_friend_requests_lookup (requests_of (&f->alice), TRUE, f->bob.id));
  g_assert_nonnull (xg_contacts_lookup (contacts_of (&f->alice), f->bob.id));
  /* Bob is online now, and Alice's list says so. */
  g_assert_true (xg_contact_get_online (xg_contacts_lookup (contacts_of (&f->alice), f->bob.id)));
  recorder_unwatch (&alice_requests, requests_of (&f->alice));

  /* The outcome is told once: the next login is quiet. */
  g_clear_object (&f->alice.session);
  f->alice.session = xg_session_new (f->server->address, f->alice.device);
  {
    Outcome o = { 0 };

    xg_session_login_async (f->alice.session, f->alice.email, PASSWORD, NULL, login_done, &o);
    WAIT_UNTIL (xg_session_get_friend_requests (f->alice.session) != NULL);
    recorder_reset (&alice_requests);
    alice_requests.answered = 0;
    recorder_watch (&alice_requests, requests_of (&f->alice));
    WAIT_UNTIL (o.done && xg_session_get_synced (f->alice.session));
  }
  g_assert_cmpuint (alice_requests.answered, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (requests_of (&f->alice))), ==, 0);
  recorder_unwatch (&alice_requests, requests_of (&f->alice));
}

static void
test_decline_with_reason (Fixture *f, gconstpointer data)
{
  g_auto(Recorder) alice_requests = { 0 };
  g_autoptr(XgProfile) bob = NULL;
  XgFriendRequest *incoming;

  log_in (f, &f->alice);
  log_in (f, &f->bob);
  recorder_watch (&alice_requests, requests_of (&f->alice));
  bob = find (&f->alice, f->bob.email, NULL);
  send_request (&f->alice, bob, "Remember me?", NULL);
  WAIT_UNTIL ((incoming = xg_friend_requests_lookup (requests_of (&f->bob), FALSE, f->alice.id)) != NULL);
  g_assert_true (answer (&f->bob, incoming, FALSE, "我不认识你", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (requests_of (&f->bob))), ==, 0);

  WAIT_UNTIL (alice_requests.answered == 1);
  g_assert_cmpuint (alice_requests.last_outcome, ==, XG_FRIEND_REQUEST_DECLINED);
  g_assert_cmpstr (alice_requests.last_reason, ==, "我不认识你");
  g_assert_null (xg_friend_requests_lookup (requests_of (&f->alice), TRUE, f->bob.id));
  g_assert_null (xg_contacts_lookup (contacts_of (&f->alice), f->bob.id));
  recorder_unwatch (&alice_requests, requests_of (&f->alice));
}

/* Both ask: they are friends, and neither has a request left. */
static void
test_crossed_requests (Fixture *f, gconstpointer data)
{
  g_autoptr(XgProfile) bob = NULL;
  g_autoptr(XgProfile) alice = NULL;
  g_autoptr(GError) error = NULL;

  log_in (f, &f->alice);
  log_in (f, &f->bob);
  bob = find (&f->alice, f->bob.email, NULL);
  alice = find (&f->bob, f->alice.email, NULL);
  g_assert_false (send_request (&f->alice, bob, "", NULL));
  WAIT_UNTIL (xg_friend_requests_lookup (requests_of (&f->bob), FALSE, f->alice.id) != NULL);

  g_assert_true (send_request (&f->bob, alice, "", &error));
  g_assert_no_error (error);
  g_assert_nonnull (xg_contacts_lookup (contacts_of (&f->bob), f->alice.id));
  WAIT_UNTIL (xg_contacts_lookup (contacts_of (&f->alice), f->bob.id) != NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (requests_of (&f->alice))), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (requests_of (&f->bob))), ==, 0);
}

/* What cannot be done says why, and changes nothing. */
static void
test_refusals (Fixture *f, gconstpointer data)
{
  g_autoptr(XgProfile) me = NULL;
  g_autoptr(XgProfile) bob = NULL;
  g_autoptr(XgProfile) stranger = NULL;
  g_autoptr(GError) error = NULL;
  XgContact *contact;
  Outcome o = { 0 };

  log_in (f, &f->alice);
  log_in (f, &f->bob);

  g_assert_null (find (&f->alice, "nobody@example.com", &error));
  g_assert_error (error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (find (&f->alice, "not an address", &error));
  g_assert_error (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  me = find (&f->alice, f->alice.email, &error);
  g_assert_no_error (error);
  send_request (&f->alice, me, "", &error);
  g_assert_error (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* Someone the server does not know. */
  stranger = xg_profile_new (f->bob.id + 1000);
  send_request (&f->alice, stranger, "", &error);
  g_assert_error (error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND);
  g_clear_error (&error);

  bob = find (&f->alice, f->bob.email, NULL);
  {
    g_autofree char *long_greeting = g_strnfill (200, 'g');

    send_request (&f->alice, bob, long_greeting, &error);
    g_assert_error (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT);
    g_clear_error (&error);
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (requests_of (&f->alice))), ==, 0);

  befriend (f);
  send_request (&f->alice, bob, "", &error);
  g_assert_error (error, XG_SESSION_ERROR, XG_SESSION_ERROR_ALREADY_FRIENDS);
  g_clear_error (&error);

  /* A remark outside the rules never reaches the server. */
  contact = xg_contacts_lookup (contacts_of (&f->alice), f->bob.id);
  xg_contacts_set_remark_async (contacts_of (&f->alice), contact, " padded ", NULL, contacts_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT);
  g_assert_cmpstr (xg_contact_get_remark (contact), ==, "");
  outcome_clear (&o);
}

/* A remark is the writer's alone; a removal ends it for both. */
static void
test_remark_and_remove (Fixture *f, gconstpointer data)
{
  g_auto(Recorder) alice_contacts = { 0 };
  g_auto(Recorder) bob_contacts = { 0 };
  XgContact *bob, *alice;
  Outcome o = { 0 };

  log_in (f, &f->alice);
  log_in (f, &f->bob);
  befriend (f);
  bob = xg_contacts_lookup (contacts_of (&f->alice), f->bob.id);
  alice = xg_contacts_lookup (contacts_of (&f->bob), f->alice.id);
  recorder_watch (&alice_contacts, contacts_of (&f->alice));
  recorder_watch (&bob_contacts, contacts_of (&f->bob));

  xg_contacts_set_remark_async (contacts_of (&f->alice), bob, "老同学", NULL, contacts_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_no_error (o.error);
  g_assert_cmpstr (xg_contact_get_remark (bob), ==, "老同学");
  g_assert_cmpstr (xg_contact_get_display_name (bob), ==, "老同学");
  g_assert_cmpstr (xg_contact_get_nickname (bob), ==, "Bob");
  outcome_clear (&o);
  /* Only one friend: a new name moves nothing. */
  g_assert_cmpstr (alice_contacts.changes->str, ==, "");

  /* Bob's side: Alice is still "Alice", and nothing arrived. */
  xg_contacts_refresh_async (contacts_of (&f->bob), alice, NULL, contacts_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_cmpstr (xg_contact_get_display_name (alice), ==, "Alice");
  g_assert_cmpstr (xg_contact_get_remark (alice), ==, "");

  /* The remark survives a new login. */
  log_in (f, &f->alice);
  bob = xg_contacts_lookup (contacts_of (&f->alice), f->bob.id);
  g_assert_cmpstr (xg_contact_get_display_name (bob), ==, "老同学");
  recorder_unwatch (&bob_contacts, contacts_of (&f->bob));
  recorder_reset (&bob_contacts);
  recorder_watch (&bob_contacts, contacts_of (&f->bob));

  xg_contacts_remove_async (contacts_of (&f->alice), bob, NULL, contacts_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (contacts_of (&f->alice))), ==, 0);
  WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (contacts_of (&f->bob))) == 0);
  g_assert_cmpstr (bob_contacts.changes->str, ==, "0:1:0;");
  recorder_unwatch (&bob_contacts, contacts_of (&f->bob));
}

/* Presence follows the friend's session; a profile change shows at once. */
static void
test_presence_and_profile (Fixture *f, gconstpointer data)
{
  XgContact *bob;
  g_auto(GVariantBuilder) changes = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  log_in (f, &f->alice);
  log_in (f, &f->bob);
  befriend (f);
  bob = xg_contacts_lookup (contacts_of (&f->alice), f->bob.id);
  WAIT_UNTIL (xg_contact_get_online (bob));

  /* Bob's profile change reaches Alice's list. */
  g_variant_builder_add (&changes, "{sv}", "nickname", g_variant_new_string ("Robert"));
  g_variant_builder_add (&changes, "{sv}", "region", g_variant_new_string ("杭州"));
  xg_session_update_profile_async (f->bob.session, g_variant_builder_end (&changes), NULL, NULL, NULL);
  WAIT_UNTIL (g_strcmp0 (xg_contact_get_display_name (bob), "Robert") == 0);
  g_assert_cmpstr (xg_profile_get_region (xg_contact_get_profile (bob)), ==, "杭州");

  /* Bob's app closes: offline; it opens again: online. */
  g_clear_object (&f->bob.session);
  WAIT_UNTIL (!xg_contact_get_online (bob));
  log_in (f, &f->bob);
  WAIT_UNTIL (xg_contact_get_online (bob));

  /* Alice's own link drops: she cannot know who is online. */
  xg_test_server_kill (f->server, SIGKILL);
  WAIT_UNTIL (!xg_contact_get_online (bob));
}

/* Nobody answers in time: the request ends for both. */
static void
test_timeout (Fixture *f, gconstpointer data)
{
  g_auto(Recorder) alice_requests = { 0 };
  g_autoptr(XgProfile) bob = NULL;
  g_autoptr(XgTestClient) clock = NULL;

  log_in (f, &f->alice);
  log_in (f, &f->bob);
  recorder_watch (&alice_requests, requests_of (&f->alice));
  bob = find (&f->alice, f->bob.email, NULL);
  send_request (&f->alice, bob, "", NULL);
  WAIT_UNTIL (xg_friend_requests_lookup (requests_of (&f->bob), FALSE, f->alice.id) != NULL);

  /* Eight days on (request-timeout defaults to seven). */
  clock = xg_test_client_connect (f->server);
  xg_test_server_advance_clock (f->server, clock, 8 * 24 * 3600);

  WAIT_UNTIL (alice_requests.answered == 1);
  g_assert_cmpuint (alice_requests.last_outcome, ==, XG_FRIEND_REQUEST_EXPIRED);
  g_assert_null (xg_friend_requests_lookup (requests_of (&f->alice), TRUE, f->bob.id));
  WAIT_UNTIL (xg_friend_requests_lookup (requests_of (&f->bob), FALSE, f->alice.id) == NULL);
  recorder_unwatch (&alice_requests, requests_of (&f->alice));
}

/* A request that expired while its target was offline: the target's
 * device still has it, and drops it at the next login because the server
 * no longer lists it. */
static void
test_expired_while_offline (Fixture *f, gconstpointer data)
{
  g_autoptr(XgProfile) bob = NULL;
  g_autoptr(XgTestClient) clock = NULL;
  g_auto(Recorder) bob_requests = { 0 };
  Outcome o = { 0 };

  log_in (f, &f->alice);
  log_in (f, &f->bob);
  bob = find (&f->alice, f->bob.email, NULL);
  send_request (&f->alice, bob, "", NULL);
  WAIT_UNTIL (xg_friend_requests_lookup (requests_of (&f->bob), FALSE, f->alice.id) != NULL);
  g_clear_object (&f->bob.session);

  clock = xg_test_client_connect (f->server);
  xg_test_server_advance_clock (f->server, clock, 8 * 24 * 3600);

  f->bob.session = xg_session_new (f->server->address, f->bob.device);
  xg_session_login_async (f->bob.session, f->bob.email, PASSWORD, NULL, login_done, &o);
  WAIT_UNTIL (xg_session_get_friend_requests (f->bob.session) != NULL);
  recorder_watch (&bob_requests, requests_of (&f->bob));
  WAIT_UNTIL (o.done && xg_session_get_synced (f->bob.session));
  g_assert_no_error (o.error);
  /* The database had it, and SYNC_DONE took it away. */
  g_assert_cmpstr (bob_requests.changes->str, ==, "0:0:1;0:1:0;");
  g_assert_cmpuint (xg_friend_requests_get_n_incoming (requests_of (&f->bob)), ==, 0);
  recorder_unwatch (&bob_requests, requests_of (&f->bob));
  outcome_clear (&o);
}

/* The next start shows the contacts from the account database while the
 * server is down, and the requests that waited. */
static void
test_cache_with_server_down (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) resumed = NULL;
  g_autofree char *token = NULL;
  g_auto(Recorder) contacts = { 0 };
  XgContacts *model;
  XgContact *bob;
  XgFriendRequest *waiting;

  log_in (f, &f->alice);
  log_in (f, &f->bob);
  befriend (f);
  /* And a request that waits for Alice's answer, from someone new. */
  {
    Person carol = { 0 };
    g_autoptr(XgProfile) alice_profile = NULL;

    person_init (&carol, f->server, "carol@example.com", "Carol");
    log_in (f, &carol);
    alice_profile = find (&carol, "alice@example.com", NULL);
    send_request (&carol, alice_profile, "Hi from Carol", NULL);
    person_clear (&carol);
  }
  WAIT_UNTIL (g_list_model_get_n_items (G_LIST_MODEL (requests_of (&f->alice))) == 1);
  token = g_strdup (xg_session_get_resume_token (f->alice.session));
  g_clear_object (&f->alice.session);
  xg_test_server_kill (f->server, SIGKILL);

  /* The app starts again, the server is still down. */
  resumed = xg_session_new (f->server->address, f->alice.device);
  xg_session_resume (resumed, f->alice.email, f->alice.id, token);
  model = xg_session_get_contacts (resumed);
  g_assert_nonnull (model);
  recorder_watch (&contacts, model);
  WAIT_UNTIL (xg_contacts_get_loaded (model));
  /* All at once, in one change. */
  g_assert_cmpstr (contacts.changes->str, ==, "0:0:1;");
  bob = xg_contacts_lookup (model, f->bob.id);
  g_assert_nonnull (bob);
  g_assert_cmpstr (xg_contact_get_display_name (bob), ==, "Bob");
  g_assert_false (xg_contact_get_online (bob));
  WAIT_UNTIL (xg_friend_requests_get_loaded (xg_session_get_friend_requests (resumed)));
  waiting = g_list_model_get_item (G_LIST_MODEL (xg_session_get_friend_requests (resumed)), 0);
  g_assert_nonnull (waiting);
  g_assert_cmpstr (xg_friend_request_get_greeting (waiting), ==, "Hi from Carol");
  g_object_unref (waiting);
  g_assert_cmpint (xg_session_get_state (resumed), !=, XG_SESSION_LOGGED_IN);
  g_assert_false (xg_session_get_synced (resumed));
  recorder_unwatch (&contacts, model);

  /* The server comes back: the session logs in by itself. */
  xg_test_server_restart (f->server);
  WAIT_UNTIL (xg_session_get_synced (resumed));
  g_assert_cmpint (xg_session_get_state (resumed), ==, XG_SESSION_LOGGED_IN);
  g_assert_nonnull (xg_contacts_lookup (model, f->bob.id));
}

static void
count_forced_logout (XgSession  *session,
                     guint       reason,
                     const char *message,
                     gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
profile_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;

  o->ok = xg_session_update_profile_finish (XG_SESSION (source), result, &o->error);
  o->done = TRUE;
}

static GVariant *
signature_change (const char *signature)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string (signature));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* A graceful restart (SIGTERM: FORCED_LOGOUT(SERVER_SHUTDOWN), exit 0,
 * then the same port and data) costs nobody their session: both come
 * back with their tokens, with the same managers. Calls made while the
 * server is down fail in bounded time, or complete once it is back. */
static void
test_server_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *alice_token = NULL;
  g_autofree char *bob_token = NULL;
  g_autoptr(GVariant) late = signature_change ("said late");
  g_autoptr(GVariant) waited = signature_change ("said while down");
  XgContacts *alice_contacts, *bob_contacts;
  XgContact *bob, *alice;
  guint forced = 0;
  gint64 started, restarted;
  Outcome o = { 0 }, w = { 0 };

  log_in (f, &f->alice);
  log_in (f, &f->bob);
  befriend (f);
  alice_contacts = contacts_of (&f->alice);
  bob_contacts = contacts_of (&f->bob);
  bob = xg_contacts_lookup (alice_contacts, f->bob.id);
  alice = xg_contacts_lookup (bob_contacts, f->alice.id);
  WAIT_UNTIL (xg_contact_get_online (bob) && xg_contact_get_online (alice));
  alice_token = g_strdup (xg_session_get_resume_token (f->alice.session));
  bob_token = g_strdup (xg_session_get_resume_token (f->bob.session));
  g_signal_connect (f->alice.session, "forced-logout", G_CALLBACK (count_forced_logout), &forced);
  g_signal_connect (f->bob.session, "forced-logout", G_CALLBACK (count_forced_logout), &forced);

  /* The server says SERVER_SHUTDOWN to both, and exits cleanly. */
  g_assert_cmpint (xg_test_server_kill (f->server, SIGTERM), ==, 0);
  WAIT_UNTIL (xg_session_get_reconnecting (f->alice.session) &&
              xg_session_get_reconnecting (f->bob.session));
  g_assert_cmpuint (forced, ==, 0);
  g_assert_cmpuint (xg_session_get_account_id (f->alice.session), ==, f->alice.id);
  g_assert_cmpstr (xg_session_get_resume_token (f->alice.session), ==, alice_token);
  g_assert_true (contacts_of (&f->alice) == alice_contacts);
  g_assert_true (xg_contacts_lookup (alice_contacts, f->bob.id) == bob);
  g_assert_nonnull (xg_session_get_profile (f->alice.session));
  g_assert_false (xg_contact_get_online (bob));

  /* A call made now, with a short limit, fails in bounded time, saying
   * the session is offline; nothing changed. */
  xg_session_set_request_timeout (f->alice.session, 1000);
  started = g_get_monotonic_time ();
  xg_contacts_set_remark_async (alice_contacts, bob, "Never sent", NULL, contacts_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_OFFLINE);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 900 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpstr (xg_contact_get_remark (bob), ==, "");
  outcome_clear (&o);

  /* One made with the default limit waits for the server to come back. */
  g_assert_cmpuint (xg_session_get_request_timeout (f->bob.session), ==, XG_SESSION_REQUEST_TIMEOUT_MS);
  xg_session_update_profile_async (f->bob.session, waited, NULL, profile_done, &w);

  /* Back on the same port and data: both log in again by themselves
   * (connection refused until then: the backoff keeps trying). */
  xg_test_server_restart (f->server);
  restarted = g_get_monotonic_time ();
  WAIT_UNTIL (xg_session_get_state (f->alice.session) == XG_SESSION_LOGGED_IN &&
              xg_session_get_state (f->bob.session) == XG_SESSION_LOGGED_IN &&
              xg_session_get_synced (f->alice.session) && xg_session_get_synced (f->bob.session));
  g_test_message ("Both sessions back %.1f s after the server", (g_get_monotonic_time () - restarted) / 1e6);
  g_assert_cmpuint (forced, ==, 0);
  g_assert_false (xg_session_get_reconnecting (f->alice.session));
  g_assert_cmpuint (xg_session_get_account_id (f->bob.session), ==, f->bob.id);
  g_assert_true (contacts_of (&f->alice) == alice_contacts);
  g_assert_true (contacts_of (&f->bob) == bob_contacts);
  g_assert_true (xg_contacts_lookup (alice_contacts, f->bob.id) == bob);
  WAIT_UNTIL (xg_contact_get_online (bob) && xg_contact_get_online (alice));

  WAIT_UNTIL (w.done);
  g_assert_no_error (w.error);
  g_assert_cmpstr (xg_profile_get_signature (xg_session_get_profile (f->bob.session)), ==, "said while down");
  outcome_clear (&w);

  /* A server that takes a call and then says nothing: it fails in bounded
   * time; its answer, once it comes, is applied all the same. */
  xg_session_set_request_timeout (f->alice.session, 1000);
  signal_server (f->server, SIGSTOP);
  started = g_get_monotonic_time ();
  xg_session_update_profile_async (f->alice.session, late, NULL, profile_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_error (o.error, XG_SESSION_ERROR, XG_SESSION_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 3 * G_USEC_PER_SEC);
  outcome_clear (&o);
  g_assert_cmpstr (xg_profile_get_signature (xg_session_get_profile (f->alice.session)), !=, "said late");
  signal_server (f->server, SIGCONT);
  WAIT_UNTIL (g_strcmp0 (xg_profile_get_signature (xg_session_get_profile (f->alice.session)), "said late") == 0);
  g_assert_cmpint (xg_session_get_state (f->alice.session), ==, XG_SESSION_LOGGED_IN);
  g_assert_cmpuint (forced, ==, 0);

  g_signal_handlers_disconnect_by_data (f->alice.session, &forced);
  g_signal_handlers_disconnect_by_data (f->bob.session, &forced);
}

static void
flush_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;

  o->ok = xg_session_flush_finish (XG_SESSION (source), result, &o->error);
  o->done = TRUE;
}

/* The remark @p's account database holds for @friend_id, read from the
 * file by a connection of its own ("-" for no row). */
static char *
stored_remark (Person  *p,
               guint64  friend_id)
{
  g_autofree char *name = g_strdup_printf ("%" G_GUINT64_FORMAT ".db", p->id);
  g_autofree char *path = g_build_filename (p->dir, "accounts", name, NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *remark;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT remark FROM contacts WHERE id = ?", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) friend_id);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    remark = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else
    remark = g_strdup ("-");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return remark;
}

/* A flush completes once what the session handed its database is in the
 * file, while the session (and the database) stay open. */
static void
test_flush (Fixture *f, gconstpointer data)
{
  g_autoptr(XgSession) nobody = NULL;
  g_autofree char *remark = NULL;
  XgContact *bob;
  Outcome o = { 0 };

  /* Without an account there is nothing to wait for. */
  nobody = xg_session_new (f->server->address, f->alice.device);
  xg_session_flush_async (nobody, NULL, flush_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_no_error (o.error);
  g_assert_true (o.ok);
  outcome_clear (&o);

  log_in (f, &f->alice);
  log_in (f, &f->bob);
  befriend (f);
  bob = xg_contacts_lookup (contacts_of (&f->alice), f->bob.id);

  /* The answer comes with the friend list saved again, not yet written. */
  xg_contacts_set_remark_async (contacts_of (&f->alice), bob, "Flushed", NULL, contacts_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_no_error (o.error);
  outcome_clear (&o);

  xg_session_flush_async (f->alice.session, NULL, flush_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_no_error (o.error);
  g_assert_true (o.ok);
  outcome_clear (&o);
  remark = stored_remark (&f->alice, f->bob.id);
  g_assert_cmpstr (remark, ==, "Flushed");
}

/* A request sent the moment the account has its requests model, before
 * the stored requests are read: its answer must wait for them like a
 * push does, and the model lists it once. The test holds the account
 * database locked until the answer is in, so the read surely comes after. */
typedef struct {
  XgProfile *whom;
  Outcome    sent;
  gboolean   asked;
  gboolean   was_loaded;
  sqlite3   *lock;       /* the account database, held exclusively */
} AskEarly;

static void
ask_early_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AskEarly *early = user_data;

  early->sent.ok = xg_friend_requests_send_finish (XG_FRIEND_REQUESTS (source), result, &early->sent.flag,
                                                   &early->sent.error);
  early->sent.done = TRUE;
  /* Now the database may be read. */
  g_clear_pointer (&early->lock, sqlite3_close);
}

static void
ask_when_model_comes (XgSession  *session,
                      GParamSpec *pspec,
                      AskEarly   *early)
{
  XgFriendRequests *requests = xg_session_get_friend_requests (session);

  if (requests == NULL || early->asked)
    return;
  early->asked = TRUE;
  early->was_loaded = xg_friend_requests_get_loaded (requests);
  xg_friend_requests_send_async (requests, early->whom, "early", NULL, ask_early_done, early);
}

static void
test_request_before_loaded (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autoptr(XgFriendRequest) listed = NULL;
  AskEarly early = { 0 };
  Outcome o = { 0 };

  log_in (f, &f->alice);
  early.whom = find (&f->alice, f->bob.email, NULL);
  g_assert_nonnull (early.whom);
  g_clear_object (&f->alice.session);

  /* Another process holds the account database (the session's worker
   * waits for it, as for a second copy of the app). */
  name = g_strdup_printf ("%" G_GUINT64_FORMAT ".db", f->alice.id);
  path = g_build_filename (f->alice.dir, "accounts", name, NULL);
  g_assert_cmpint (sqlite3_open (path, &early.lock), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (early.lock, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;", NULL, NULL, NULL),
                   ==, SQLITE_OK);

  f->alice.session = xg_session_new (f->server->address, f->alice.device);
  g_signal_connect (f->alice.session, "notify::friend-requests", G_CALLBACK (ask_when_model_comes), &early);
  xg_session_login_async (f->alice.session, f->alice.email, PASSWORD, NULL, login_done, &o);
  WAIT_UNTIL (o.done && early.sent.done);
  g_assert_no_error (o.error);
  g_assert_no_error (early.sent.error);
  g_assert_true (early.asked);
  g_assert_false (early.was_loaded);

  WAIT_UNTIL (xg_session_get_synced (f->alice.session));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (requests_of (&f->alice))), ==, 1);
  listed = g_list_model_get_item (G_LIST_MODEL (requests_of (&f->alice)), 0);
  g_assert_true (xg_friend_request_get_outgoing (listed));
  g_assert_cmpuint (xg_friend_request_get_peer_id (listed), ==, f->bob.id);
  g_assert_cmpuint (xg_friend_requests_get_n_incoming (requests_of (&f->alice)), ==, 0);
  g_signal_handlers_disconnect_by_data (f->alice.session, &early);
  g_clear_object (&early.whom);
  g_clear_pointer (&early.lock, sqlite3_close);
  outcome_clear (&early.sent);
  outcome_clear (&o);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/core/friends/befriend", test_befriend);
  ADD ("/core/friends/offline-both-ways", test_offline_both_ways);
  ADD ("/core/friends/decline-with-reason", test_decline_with_reason);
  ADD ("/core/friends/crossed-requests", test_crossed_requests);
  ADD ("/core/friends/refusals", test_refusals);
  ADD ("/core/friends/remark-and-remove", test_remark_and_remove);
  ADD ("/core/friends/presence-and-profile", test_presence_and_profile);
  ADD ("/core/friends/timeout", test_timeout);
  ADD ("/core/friends/expired-while-offline", test_expired_while_offline);
  ADD ("/core/friends/cache-with-server-down", test_cache_with_server_down);
  ADD ("/core/friends/flush", test_flush);
  ADD ("/core/friends/server-restart", test_server_restart);
  ADD ("/core/friends/request-before-loaded", test_request_before_loaded);
  return g_test_run ();
}
