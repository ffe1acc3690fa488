/* xg-core-test.c: people with a device and a session, against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "xg-core-test.h"

/* --- Fixture ------------------------------------------------------------------- */

void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
person_init (Person       *p,
             XgTestServer *server,
             const char   *email,
             const char   *nickname)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  p->dir = g_dir_make_tmp ("xinge-friends-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (p->dir, "device.db", NULL);
  p->device = xg_device_db_new (path);
  p->email = g_strdup (email);
  p->id = xg_test_register (server, email, nickname, PASSWORD);
}

void
person_clear (Person *p)
{
  g_clear_object (&p->session);
  if (p->device != NULL)
    xg_db_close (XG_DB (p->device));
  g_clear_object (&p->device);
  rm_rf (p->dir);
  g_free (p->dir);
  g_free (p->email);
}

void
fixture_setup (Fixture       *f,
               gconstpointer  config)
{
  f->server = xg_test_server_start (config);
  person_init (&f->alice, f->server, "alice@example.com", "Alice");
  person_init (&f->bob, f->server, "bob@example.com", "Bob");
}

void
fixture_teardown (Fixture       *f,
                  gconstpointer  config)
{
  person_clear (&f->alice);
  person_clear (&f->bob);
  xg_test_server_free (f->server);
}

/* --- Waiting ------------------------------------------------------------------- */

gboolean
xg_core_test_wake (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

void
outcome_clear (Outcome *o)
{
  g_clear_error (&o->error);
  g_clear_object (&o->object);
  memset (o, 0, sizeof *o);
}

void
login_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;

  o->ok = xg_session_login_finish (XG_SESSION (source), result, NULL, &o->error);
  o->done = TRUE;
}

/* Logs @p in on a new session and waits until everything the server had
 * waiting has arrived. */
void
log_in (Fixture *f,
        Person  *p)
{
  log_in_at (f, p, f->server->address);
}

/* The same through another address (a proxy in front of the server). */
void
log_in_at (Fixture    *f,
           Person     *p,
           const char *address)
{
  Outcome o = { 0 };

  g_clear_object (&p->session);
  p->session = xg_session_new (address, p->device);
  xg_session_login_async (p->session, p->email, PASSWORD, NULL, login_done, &o);
  WAIT_UNTIL (o.done);
  g_assert_no_error (o.error);
  g_assert_true (o.ok);
  WAIT_UNTIL (xg_session_get_synced (p->session));
  g_assert_nonnull (xg_session_get_contacts (p->session));
  WAIT_UNTIL (xg_contacts_get_loaded (xg_session_get_contacts (p->session)) &&
              xg_friend_requests_get_loaded (xg_session_get_friend_requests (p->session)));
}

XgContacts *
contacts_of (Person *p)
{
  return xg_session_get_contacts (p->session);
}

XgFriendRequests *
requests_of (Person *p)
{
  return xg_session_get_friend_requests (p->session);
}

/* --- Calls ----------------------------------------------------------------------- */

static void
find_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;

  o->object = G_OBJECT (xg_friend_requests_find_finish (XG_FRIEND_REQUESTS (source), result, &o->error));
  o->ok = o->object != NULL;
  o->done = TRUE;
}

static void
send_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;

  o->ok = xg_friend_requests_send_finish (XG_FRIEND_REQUESTS (source), result, &o->flag, &o->error);
  o->done = TRUE;
}

static void
answer_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *o = user_data;

  if (g_task_get_source_tag (G_TASK (result)) == xg_friend_requests_accept_async)
    o->ok = xg_friend_requests_accept_finish (XG_FRIEND_REQUESTS (source), result, &o->error);
  else
    o->ok = xg_friend_requests_decline_finish (XG_FRIEND_REQUESTS (source), result, &o->error);
  o->done = TRUE;
}

/* @from finds @to by address: the profile to show before asking. */
XgProfile *
find (Person     *from,
      const char *email,
      GError    **error)
{
  Outcome o = { 0 };
  XgProfile *profile;

  xg_friend_requests_find_async (requests_of (from), email, NULL, find_done, &o);
  WAIT_UNTIL (o.done);
  if (o.error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&o.error));
      return NULL;
    }
  profile = XG_PROFILE (g_steal_pointer (&o.object));
  return profile;
}

/* Returns whether they became friends at once (crossed requests). */
gboolean
send_request (Person     *from,
              XgProfile  *to,
              const char *greeting,
              GError    **error)
{
  Outcome o = { 0 };

  xg_friend_requests_send_async (requests_of (from), to, greeting, NULL, send_done, &o);
  WAIT_UNTIL (o.done);
  if (o.error != NULL)
    g_propagate_error (error, g_steal_pointer (&o.error));
  return o.flag;
}

gboolean
answer (Person          *who,
        XgFriendRequest *request,
        gboolean         accept,
        const char      *reason,
        GError         **error)
{
  Outcome o = { 0 };

  if (accept)
    xg_friend_requests_accept_async (requests_of (who), request, NULL, answer_done, &o);
  else
    xg_friend_requests_decline_async (requests_of (who), request, reason, NULL, answer_done, &o);
  WAIT_UNTIL (o.done);
  if (o.error != NULL)
    g_propagate_error (error, g_steal_pointer (&o.error));
  return o.ok;
}

/* Alice asks Bob, Bob accepts: the way most tests start. */
void
befriend (Fixture *f)
{
  g_autoptr(XgProfile) bob = find (&f->alice, f->bob.email, NULL);
  XgFriendRequest *request;

  g_assert_nonnull (bob);
  send_request (&f->alice, bob, "Hi Bob, it's Alice", NULL);
  WAIT_UNTIL ((request = xg_friend_requests_lookup (requests_of (&f->bob), FALSE, f->alice.id)) != NULL);
  g_assert_true (answer (&f->bob, request, TRUE, NULL, NULL));
  WAIT_UNTIL (xg_contacts_lookup (contacts_of (&f->alice), f->bob.id) != NULL);
  g_assert_nonnull (xg_contacts_lookup (contacts_of (&f->bob), f->alice.id));
}

/* Sends @signal_number (SIGSTOP, SIGCONT) to the server. */
void
signal_server (XgTestServer *server,
               int           signal_number)
{
  const char *pid = g_subprocess_get_identifier (server->process);

  g_assert_nonnull (pid);
  g_assert_cmpint (kill ((pid_t) g_ascii_strtoll (pid, NULL, 10), signal_number), ==, 0);
}
