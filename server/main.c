/* main.c: xinge-server's command line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <sys/resource.h>

#include <glib-unix.h>

#include "xg-server.h"
#include "xg-server-tls.h"

#define DEFAULT_LISTEN "127.0.0.1:7447"

static GMainLoop *loop;
static int exit_status;

static void
shutdown_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!xg_server_shutdown_finish (XG_SERVER (source), result, &error))
    {
      g_printerr ("xinge-server: shutdown: %s\n", error->message);
      exit_status = 1;
    }
  g_main_loop_quit (loop);
}

static gboolean
on_terminate (gpointer user_data)
{
  XgServer *server = user_data;

  g_message ("Shutting down: clients are told to reconnect later");
  xg_server_shutdown_async (server, shutdown_done, NULL);
  return G_SOURCE_REMOVE;
}

/* Each connection is a descriptor: take all the kernel allows us. */
static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerConfig) config = xg_server_config_new ();
  g_autoptr(XgServer) server = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *bound = NULL;
  gboolean plain = FALSE;
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      "Where the database, TLS certificate, secret key and mail outbox live "
      "(default: $XDG_DATA_HOME/xinge-server)", "DIR" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address to listen on (default: " DEFAULT_LISTEN "; port 0 picks a free one)", "HOST:PORT" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file,
      "Key file with the other settings: [server] name, max-frame-size, max-connections, "
      "send-queue-pause, send-queue-max; "
      "[tls] certificate, private-key, allow-tls-1.2; [session] heartbeat-interval, heartbeat-timeout, "
      "token-lifetime-days; [register] code-expiry, code-attempts, code-resend-interval, "
      "codes-per-email-per-hour, codes-per-address-per-hour, privacy; [login] max-hashes-in-flight, "
      "failures-per-address; [friends] lookups-per-hour, max-pending-requests, max-friends, "
      "request-timeout; [groups] max-members, max-groups, max-owned, join-request-timeout; [mail] mode (outbox|smtp), smtp-url, starttls, username, password, "
      "ca-file, from. See README.md", "FILE" },
    { "insecure-plain", 0, 0, G_OPTION_ARG_NONE, &plain,
      "Development only: plain TCP without TLS, refused unless listening on loopback", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  context = g_option_context_new ("- the Xinge messaging server");
  g_option_context_set_summary (context,
                                "Serves Xinge clients over TLS: accounts, registration with emailed "
                                "codes, login, sessions, profiles and friends.\n"
                                "SIGTERM or SIGINT sends every client FORCED_LOGOUT (SERVER_SHUTDOWN; they "
                                "reconnect and resume by themselves once it is back) and exits 0.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("xinge-server: %s\nTry --help.\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("xinge-server %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (config_file != NULL && !xg_server_config_load_file (config, config_file, &error))
    {
      g_printerr ("xinge-server: %s: %s\n", config_file, error->message);
      return 2;
    }
  if (data_dir == NULL)
    data_dir = g_build_filename (g_get_user_data_dir (), "xinge-server", NULL);

  raise_fd_limit ();
  xg_server_tls_set_versions (config->allow_tls_1_2);
  server = xg_server_new (g_steal_pointer (&config), data_dir, plain, &error);
  if (server == NULL)
    {
      g_printerr ("xinge-server: %s\n", error->message);
      return 1;
    }
  if (!xg_server_listen (server, listen ? listen : DEFAULT_LISTEN, &bound, &error))
    {
      g_printerr ("xinge-server: cannot listen on %s: %s\n", listen ? listen : DEFAULT_LISTEN,
                  error->message);
      return 1;
    }

  /* Before anyone can know we are up: a SIGTERM from then on is a clean shutdown. */
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_terminate, server);
  g_unix_signal_add (SIGINT, on_terminate, server);

  /* Tests and scripts read these lines; keep their shape. */
  g_print ("xinge-server %s\n", PACKAGE_VERSION);
  g_print ("data: %s\n", data_dir);
  g_print ("mail: %s\n", xg_server_describe_mail (server));
  g_print ("certificate sha256: %s\n", xg_server_get_fingerprint (server));
  if (plain)
    g_print ("WARNING: plain TCP without TLS (--insecure-plain): for development only\n");
  g_print ("listening: %s://%s\n", plain ? "tcp" : "tls", bound);
  fflush (stdout);

  g_main_loop_run (loop);
  g_main_loop_unref (loop);

  return exit_status;
}
