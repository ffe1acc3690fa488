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
  char        *clock_file;    /* the server's test clock (XG_SERVER_TEST_CLOCK) */
  gint64       clock_offset;
  char        *address;       /* "127.0.0.1:PORT" as the server printed it */
  char        *fingerprint;
  GSubprocess *process;
} XgAppTestServer;

/* Starts $XG_SERVER_BINARY on a fresh temporary data dir and a free port. */
XgAppTestServer *xg_app_test_server_start     (void);
/* The same on @listen ("127.0.0.1:PORT"), e.g. to replace a server. */
XgAppTestServer *xg_app_test_server_start_on  (const char      *listen);
/* The same with a configuration file of @config (key file text). */
XgAppTestServer *xg_app_test_server_start_with_config (const char *config);
/* Moves the server's clock @seconds ahead (its time-based rules, such as
 * friend request timeouts, run at once). */
void             xg_app_test_server_advance_clock (XgAppTestServer *server,
                                                   gint64           seconds);
/* Delivers @signal_number (SIGSTOP, SIGCONT, …) before it returns. */
void             xg_app_test_server_signal    (XgAppTestServer *server,
                                               int              signal_number);
/* Sends @signal_number and waits for the exit. */
void             xg_app_test_server_kill      (XgAppTestServer *server,
                                               int              signal_number);
/* SIGTERM (a graceful shutdown), and waits: returns the exit status. */
int              xg_app_test_server_terminate (XgAppTestServer *server);
/* Starts a server that was stopped again, on its address and data dir. */
void             xg_app_test_server_restart   (XgAppTestServer *server);
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

/* Friends, between two side sessions (both logged in): @asker finds
 * @answerer by @answerer_email and asks, @answerer accepts. */
void             xg_app_test_befriend         (XgSession       *asker,
                                               XgSession       *answerer,
                                               const char      *answerer_email,
                                               const char      *greeting);
/* Finds @email with @session and asks them (no answer awaited). */
void             xg_app_test_send_request     (XgSession       *session,
                                               const char      *email,
                                               const char      *greeting);
/* Waits for @session's request from @peer_id, and accepts it. */
void             xg_app_test_accept_request   (XgSession       *session,
                                               guint64          peer_id);
void             xg_app_test_set_remark       (XgSession       *session,
                                               guint64          friend_id,
                                               const char      *remark);
/* A request of @session's own that the server answers in turn, after
 * whatever it was asked before (by anyone) and after the pushes that
 * caused: when it returns, @session has applied every push the server
 * had for it by then. To see that something did not happen. */
void             xg_app_test_round_trip       (XgSession       *session);
/* Waits until what @session handed its account database is on disk. */
void             xg_app_test_flush            (XgSession       *session);

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

/* The first widget of @type under @root (itself included) that is mapped,
 * and, for a label or button, whose text contains @text (NULL: any). */
gpointer         xg_app_test_find_widget      (gpointer         root,
                                               GType            type,
                                               const char      *text);
/* Every widget of @type under @root, mapped or not (free the array). */
GPtrArray       *xg_app_test_find_all         (gpointer         root,
                                               GType            type);
/* A toplevel of @type (transient for @parent, unless NULL), or NULL. */
GtkWindow       *xg_app_test_find_window      (GType            type,
                                               GtkWindow       *parent);
/* Whether the toast overlay @overlay shows a toast with @text (NULL: any). */
gboolean         xg_app_test_toast_shows      (AdwToastOverlay *overlay,
                                               const char      *text);

/* A stand-in for the desktop's notification server (org.gtk.Notifications,
 * which GApplication prefers) on the session bus: it keeps what it is
 * sent. Start it before the first notification. */
typedef struct {
  char     *app_id;
  char     *id;
  char     *title;
  char     *body;
  char     *default_action;
  gboolean  withdrawn;
} XgAppTestNotification;

typedef struct _XgAppTestNotifications XgAppTestNotifications;

XgAppTestNotifications *xg_app_test_notifications_start (void);
void                    xg_app_test_notifications_free  (XgAppTestNotifications *self);
/* The newest notification @app_id sent with @id, or NULL. */
XgAppTestNotification  *xg_app_test_notifications_find  (XgAppTestNotifications *self,
                                                         const char             *app_id,
                                                         const char             *id);
/* How many notifications @app_id sent. */
guint                   xg_app_test_notifications_count (XgAppTestNotifications *self,
                                                         const char             *app_id);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgAppTestNotifications, xg_app_test_notifications_free)

/* Runs tests/app/check-accessible.py against this process's windows (it
 * walks them over AT-SPI while the main loop runs) and fails the test
 * with its report if a control has no name, or if it cannot find them.
 * Without the checker (XG_CHECK_ACCESSIBLE unset, or Atspi missing) the
 * test is marked skipped, with the reason. */
void             xg_app_test_check_accessible (const char      *what);
/* Runs the checker @script on this process's windows; returns its exit
 * status (0: all named, 1: failures, 77: it cannot run here) and its
 * output in @report. */
int              xg_app_test_run_accessible_check (const char  *script,
                                                   char       **report);

/* The main window is up and the login window gone. */
gboolean         xg_app_test_main_window_shown (XgApplication *app);
/* The main window's session. */
XgSession       *xg_app_test_session_of     (XgApplication   *app);
/* Starts @profile's app, logs in through its login window and waits until
 * the session has synced. */
XgApplication   *xg_app_test_start_logged_in (const char      *profile,
                                              XgAppTestServer *server,
                                              const char      *email,
                                              const char      *password);
const char      *xg_app_test_app_id         (XgApplication   *app);
/* Presents @app's main window and waits until it is the active one. */
void             xg_app_test_make_active    (XgApplication   *app);

/* A PNG of @width × @height in the temporary directory, a gradient or
 * (@noise) random pixels that do not compress; the caller unlinks it. */
char            *xg_app_test_write_picture    (int              width,
                                               int              height,
                                               gboolean         noise);

/* Renders @window as it is on screen into a PNG file. */
void             xg_app_test_save_png         (GtkWidget       *window,
                                               const char      *path);

G_END_DECLS
