/* fuzz-server.c: libFuzzer target for the server's receive path
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each input is what one client sends to a real XgServer (its SQLite
 * store in a temporary data dir, made once per process): a connection is
 * adopted on one end of a socketpair, exactly as an accepted socket is,
 * and the bytes go in at the other end, in chunks, with the main loop run
 * between them; then the client end is shut down and drained until the
 * server has closed the connection. What the bytes reach is everything a
 * client's bytes reach: the TLS handshake and records (GnuTLS on the
 * server's own non-blocking socket), the frame decoder, the checks every
 * packet shares and every handler, the store included.
 *
 * The first byte is a control byte:
 *   bit 0      the server speaks TLS (else plain)
 *   bits 1..7  chunk size: 0 means the whole input at once, else that many
 *              times 3 bytes per write
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "fuzz-decoder.h"
#include "xg-server-private.h"

static XgServer *servers[2];   /* plain, TLS */
static char *data_dirs[2];

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* At exit: the stores finish and close, the data dirs go. */
__attribute__((destructor)) static void
cleanup (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      g_clear_object (&servers[i]);
      if (data_dirs[i] != NULL)
        remove_tree (data_dirs[i]);
      g_clear_pointer (&data_dirs[i], g_free);
    }
}

static XgServer *
server_for (gboolean tls)
{
  if (servers[tls] == NULL)
    {
      g_autoptr(GError) error = NULL;
      char *dir = g_dir_make_tmp ("xg-fuzz-server-XXXXXX", &error);
      XgServerConfig *config = xg_server_config_new ();

      g_assert_no_error (error);
      data_dirs[tls] = dir;
      /* Small frames, so that a large announced length is cheap to refuse. */
      config->max_frame_size = 64 * 1024;
      servers[tls] = xg_server_new (config, dir, !tls, &error);
      g_assert_no_error (error);
    }
  return servers[tls];
}

/* Runs what is ready in the main loop, and reads what the server wrote. */
static void
turn (int client)
{
  guint8 sink[16384];

  for (guint i = 0; i < 64 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  while (read (client, sink, sizeof sink) > 0)
    ;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  struct sockaddr_un peer = { .sun_family = AF_UNIX };
  XgServerConnection *conn;
  XgServer *server;
  gsize chunk, offset = 0;
  gint64 deadline;
  int pair[2];

  if (size < 1)
    return 0;
  server = server_for (data[0] & 1);
  chunk = (data[0] >> 1) == 0 ? size : (gsize) (data[0] >> 1) * 3;
  data++;
  size--;

  g_assert (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) == 0);
  conn = xg_server_connection_ref (xg_server_adopt_connection (server, pair[0], (struct sockaddr *) &peer));

  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (offset < size && conn->state != XG_CONNECTION_CLOSED && g_get_monotonic_time () < deadline)
    {
      ssize_t n = write (pair[1], data + offset, MIN (chunk, size - offset));

      if (n > 0)
        offset += (gsize) n;
      else if (n < 0 && errno != EAGAIN && errno != EINTR)
        break;   /* the server closed it */
      turn (pair[1]);
    }
  shutdown (pair[1], SHUT_WR);

  /* The server reads the end, answers what it had, and closes; store
   * jobs it started may finish during a later input. */
  while (conn->state != XG_CONNECTION_CLOSED && g_get_monotonic_time () < deadline)
    {
      turn (pair[1]);
      if (conn->state != XG_CONNECTION_CLOSED)
        g_usleep (100);
    }
  if (conn->state != XG_CONNECTION_CLOSED)
    xg_server_connection_close (conn, "end of the fuzz input");
  turn (pair[1]);
  close (pair[1]);
  xg_server_connection_unref (conn);
  return 0;
}
