/* xg-app-test.h: what the app's UI tests and screenshots share: a real
 * xinge-server, a second XgSession on the side, and driving real windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-application.h"
#include "xg-session.h"

G_BEGIN_DECLS

/* How long a step may take before the test fails. */
#define XG_APP_TEST_TIMEOUT_S 30

typedef struct {
  char        *data_dir;
  char        *outbox;
  char        *address;       /* "127.0.0.1:PORT" as the server printed it */
  char        *fingerprint;
  GSubprocess *process;
} XgAppTestServer;

/* Starts $XG_SERVER_BINARY on a fresh temporary data dir and a free port. */
XgAppTestServer *xg_app_test_server_start     (void);
/* The same on @listen ("127.0.0.1:PORT"), e.g. to replace a server. */
XgAppTestServer *xg_app_test_server_start_on  (const char      *listen);
/* Sends @signal_number and waits for the exit. */
void             xg_app_test_server_kill      (XgAppTestServer *server,
                                               int              signal_number);
void             xg_app_test_server_free      (XgAppTestServer *server);
/* The six-digit code of the newest mail to @email (waits for it). */
char            *xg_app_test_server_read_code (XgAppTestServer *server,
                                               const char      *email);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgAppTestServer, xg_app_test_server_free)

/* Spins the default main context until @condition holds, failing the test
 * with @what after XG_APP_TEST_TIMEOUT_S seconds. */
void             xg_app_test_wait             (gboolean       (*condition) (gpointer data),
                                               gpointer         data,
                                               const char      *what);
#define XG_APP_TEST_WAIT_FOR(expr) \
  G_STMT_START { \
    gint64 xg_deadline_ = g_get_monotonic_time () + XG_APP_TEST_TIMEOUT_S * G_USEC_PER_SEC; \
    guint xg_tick_ = g_timeout_add (20, xg_app_test_tick, NULL); \
    while (!(expr)) \
      { \
        if (g_get_monotonic_time () > xg_deadline_) \
          g_error ("%s:%d: timed out waiting for %s", __FILE__, __LINE__, #expr); \
        g_main_context_iteration (NULL, TRUE); \
      } \
    g_source_remove (xg_tick_); \
  } G_STMT_END
gboolean         xg_app_test_tick             (gpointer         data);
/* Lets pending events, layout and drawing run for @ms milliseconds. */
void             xg_app_test_settle           (guint            ms);

/* A GAsyncReadyCallback that keeps the result in *(GAsyncResult **) data. */
void             xg_app_test_store_result     (GObject         *source,
                                               GAsyncResult    *result,
                                               gpointer         data);

/* A unique address for this run, e.g. "login-1a2b3c@example.com". */
char            *xg_app_test_email            (const char      *prefix);

/* A second client on the side, with its own device cache. */
XgSession       *xg_app_test_session_new      (XgAppTestServer *server);
guint64          xg_app_test_register         (XgAppTestServer *server,
                                               const char      *email,
                                               const char      *nickname,
                                               const char      *password);
void             xg_app_test_login            (XgSession       *session,
                                               const char      *email,
                                               const char      *password);

/* The app for @profile pointed at @server, registered and activated, with
 * "remember me" off (no keyring in these tests). */
XgApplication   *xg_app_test_start_app        (const char      *profile,
                                               XgAppTestServer *server);
/* Closes every window and drops the app. */
void             xg_app_test_stop_app         (XgApplication   *app);

/* A template child of @window by its id in the .ui file. */
gpointer         xg_app_test_child            (gpointer         window,
                                               GType            window_type,
                                               const char      *name);
void             xg_app_test_set_text         (gpointer         editable,
                                               const char      *text);
/* Clicks @button, which must be sensitive. */
void             xg_app_test_click            (gpointer         button);
gboolean         xg_app_test_label_shows      (GtkLabel        *label,
                                               const char      *text);

/* Renders @window as it is on screen into a PNG file. */
void             xg_app_test_save_png         (GtkWidget       *window,
                                               const char      *path);

G_END_DECLS
