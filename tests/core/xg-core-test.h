/* xg-core-test.h: people with a device and a session, against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the core's tests against xinge-server share: a Person is an
 * account with its own device folder (as an app profile would have) and,
 * once logged in, a session; the helpers spin the main loop until what
 * they wait for happens, or fail the test.
 */
#pragma once

#include "xg-session.h"
#include "xg-test-harness.h"

G_BEGIN_DECLS

#define PASSWORD "correct horse battery"
#define WAIT_MS  15000

typedef struct {
  XgDeviceDb *device;
  char       *dir;
  XgSession  *session;
  guint64     id;
  char       *email;
} Person;

typedef struct {
  XgTestServer *server;
  Person        alice;
  Person        bob;
} Fixture;

typedef struct {
  gboolean  done;
  gboolean  ok;
  gboolean  flag;
  GError   *error;
  GObject  *object;
} Outcome;

gboolean xg_core_test_wake (gpointer user_data);

/* Spins the main loop until @check says yes, or fails the test. */
#define WAIT_UNTIL(check)                                                          \
  G_STMT_START {                                                                   \
    gint64 deadline_ = g_get_monotonic_time () + WAIT_MS * 1000;                   \
    guint ticker_ = g_timeout_add (20, xg_core_test_wake, NULL);                   \
    while (!(check) && g_get_monotonic_time () < deadline_)                        \
      g_main_context_iteration (NULL, TRUE);                                       \
    g_source_remove (ticker_);                                                     \
    if (!(check))                                                                  \
      g_error ("Timed out waiting for %s", #check);                                \
  } G_STMT_END

void rm_rf (const char *path);
void person_init (Person *p, XgTestServer *server, const char *email, const char *nickname);
void person_clear (Person *p);
void fixture_setup (Fixture *f, gconstpointer config);
void fixture_teardown (Fixture *f, gconstpointer config);
void outcome_clear (Outcome *o);
void login_done (GObject *source, GAsyncResult *result, gpointer user_data);  /* Outcome */
void log_in (Fixture *f, Person *p);
void log_in_at (Fixture *f, Person *p, const char *address);
XgContacts *contacts_of (Person *p);
XgFriendRequests *requests_of (Person *p);
XgProfile *find (Person *from, const char *email, GError **error);
gboolean send_request (Person *from, XgProfile *to, const char *greeting, GError **error);
gboolean answer (Person *who, XgFriendRequest *request, gboolean accept, const char *reason, GError **error);
void befriend (Fixture *f);
void signal_server (XgTestServer *server, int signal_number);

G_END_DECLS
