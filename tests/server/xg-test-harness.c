/* xg-test-harness.c: a real xinge-server and a blocking protocol client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>

#include "xg-test-harness.h"

/* --- The server ---------------------------------------------------------- */

static const char *
server_binary (void)
{
  const char *path = g_getenv ("XG_SERVER_BINARY");

  g_assert_nonnull (path);
  return path;
}

/* Reads the lines the server prints at start, up to "listening: …". */
static void
read_banner (XgTestServer *server)
{
  g_autoptr(GDataInputStream) lines =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("xinge-server exited before it listened (see its stderr above)");

      if (g_str_has_prefix (line, "certificate sha256: "))
        {
          g_free (server->fingerprint);
          server->fingerprint = g_strdup (line + strlen ("certificate sha256: "));
        }
      else if (g_str_has_prefix (line, "listening: "))
        {
          const char *address = strstr (line, "://") + 3;
          const char *colon = strrchr (address, ':');

          g_free (server->address);
          server->address = g_strdup (address);
          server->port = (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
          return;
        }
    }
}

/* A test that fails aborts; its server must not outlive it. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
spawn (XgTestServer *server)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", server->port);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (char *) server_binary ());
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, server->data_dir);
  g_ptr_array_add (argv, "--listen");
  g_ptr_array_add (argv, listen);
  if (server->config_file != NULL)
    {
      g_ptr_array_add (argv, "--config");
      g_ptr_array_add (argv, server->config_file);
    }
  if (server->plain)
    g_ptr_array_add (argv, "--insecure-plain");
  g_ptr_array_add (argv, NULL);

  /* Every test server's rule clock can be moved (xg_test_server_advance_clock). */
  g_subprocess_launcher_setenv (launcher, "XG_SERVER_TEST_CLOCK", server->clock_file, TRUE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  read_banner (server);
}

/**
 * xg_test_server_start_in:
 * @data_dir: (nullable): an existing data dir to reuse, or %NULL for a new temporary one
 * @config_text: (nullable): key file contents
 * @port: 0 for any free port
 */
XgTestServer *
xg_test_server_start_in (const char *data_dir,
                         const char *config_text,
                         guint16     port)
{
  XgTestServer *server = g_new0 (XgTestServer, 1);
  g_autoptr(GError) error = NULL;

  server->data_dir = data_dir ? g_strdup (data_dir) : g_dir_make_tmp ("xinge-test-XXXXXX", &error);
  g_assert_no_error (error);
  server->outbox = g_build_filename (server->data_dir, "outbox", NULL);
  server->clock_file = g_build_filename (server->data_dir, "test-clock", NULL);
  server->port = port;
  if (config_text != NULL)
    {
      server->config_file = g_build_filename (server->data_dir, "test.conf", NULL);
      g_file_set_contents (server->config_file, config_text, -1, &error);
      g_assert_no_error (error);
    }
  spawn (server);
  return server;
}

XgTestServer *
xg_test_server_start (const char *config_text)
{
  return xg_test_server_start_in (NULL, config_text, 0);
}

/* Sends @signal_number and waits for the exit; returns the exit status
 * (or 128 + the signal for a killed process). */
int
xg_test_server_kill (XgTestServer *server,
                     int           signal_number)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_subprocess_send_signal (server->process, signal_number);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  status = g_subprocess_get_if_exited (server->process)
           ? g_subprocess_get_exit_status (server->process)
           : 128 + g_subprocess_get_term_sig (server->process);
  g_clear_object (&server->process);
  return status;
}

/* Starts the server again on the same data dir and port. */
void
xg_test_server_restart (XgTestServer *server)
{
  g_assert_null (server->process);
  spawn (server);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);
        if (g_file_test (child, G_FILE_TEST_IS_DIR))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

void
xg_test_server_free (XgTestServer *server)
{
  if (server == NULL)
    return;
  if (server->process != NULL)
    xg_test_server_kill (server, SIGKILL);
  remove_tree (server->data_dir);
  g_free (server->data_dir);
  g_free (server->config_file);
  g_free (server->address);
  g_free (server->fingerprint);
  g_free (server->outbox);
  g_free (server->clock_file);
  g_free (server);
}

/* g_ptr_array_sort() passes pointers to the elements. */
static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The decoded text of the newest mail to @email, or NULL. An
 * internationalized domain is in the mail's To: in its IDNA form. */
char *
xg_test_server_last_mail (XgTestServer *server,
                          const char   *email)
{
  g_autoptr(GDir) dir = g_dir_open (server->outbox, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *at = strrchr (email, '@');
  g_autofree char *domain = at != NULL ? g_hostname_to_ascii (at + 1) : NULL;
  g_autofree char *to_line = g_strdup_printf ("\r\nTo: %.*s%s\r\n", at != NULL ? (int) (at + 1 - email) : -1,
                                              email, domain != NULL ? domain : "");
  const char *name;

  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".eml"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  /* Names start with the time, so the newest is last. */
  for (guint i = names->len; i > 0; i--)
    {
      g_autofree char *path = g_build_filename (server->outbox, names->pdata[i - 1], NULL);
      g_autofree char *text = NULL;
      const char *body;
      gsize len;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      if (strstr (text, to_line) == NULL && !g_str_has_prefix (text, to_line + 2))
        continue;
      body = strstr (text, "\r\n\r\n");
      g_assert_nonnull (body);
      /* The outbox keeps text as it is (8bit). */
      g_assert_nonnull (strstr (text, "Content-Transfer-Encoding: 8bit\r\n"));
      len = strlen (body + 4);
      return g_strndup (body + 4, len);
    }
  return NULL;
}

/* The six-digit code in the newest mail to @email. */
char *
xg_test_server_read_code (XgTestServer *server,
                          const char   *email)
{
  g_autofree char *text = xg_test_server_last_mail (server, email);
  g_autoptr(GRegex) regex = g_regex_new ("\\b([0-9]{6})\\b", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_assert_nonnull (text);
  g_assert_true (g_regex_match (regex, text, 0, &match));
  return g_match_info_fetch (match, 1);
}

/* The server's rule clock now, in seconds since the epoch. */
gint64
xg_test_server_now (XgTestServer *server)
{
  return g_get_real_time () / G_USEC_PER_SEC + server->clock_offset;
}

/* --- The client ---------------------------------------------------------- */

static gboolean
accept_pinned (GTlsConnection       *connection,
               GTlsCertificate      *peer_cert,
               GTlsCertificateFlags  errors,
               gpointer              user_data)
{
  XgTestClient *client = user_data;
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *presented = NULL;

  /* Trust on first use, as the app does: the printed fingerprint is the pin. */
  g_object_get (peer_cert, "certificate", &der, NULL);
  presented = xg_proto_fingerprint (der->data, der->len);
  return g_strcmp0 (presented, client->expected_fingerprint) == 0;
}

static void
on_socket_event (GSocketClient      *socket_client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 gpointer            user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (accept_pinned), user_data);
}

/* Connects (TLS unless the server is plain) without saying HELLO. */
XgTestClient *
xg_test_client_connect_raw (XgTestServer  *server,
                            GError       **error)
{
  XgTestClient *client = g_new0 (XgTestClient, 1);

  g_queue_init (&client->frames);
  client->next_request_id = 1;
  client->expected_fingerprint = g_strdup (server->fingerprint);
  client->socket_client = g_socket_client_new ();
  g_socket_client_set_tls (client->socket_client, !server->plain);
  g_signal_connect (client->socket_client, "event", G_CALLBACK (on_socket_event), client);

  client->socket = g_socket_client_connect_to_host (client->socket_client, server->address, 0, NULL, error);
  if (client->socket == NULL)
    {
      xg_test_client_free (client);
      return NULL;
    }
  /* With TLS on, the client's connection is the TLS stream. */
  client->stream = g_object_ref (G_IO_STREAM (client->socket));
  client->decoder = xg_proto_decoder_new (0);
  return client;
}

/* Connects and completes HELLO → WELCOME. */
XgTestClient *
xg_test_client_connect (XgTestServer *server)
{
  g_autoptr(GError) error = NULL;
  XgTestClient *client = xg_test_client_connect_raw (server, &error);
  g_autoptr(XgProtoFrame) welcome = NULL;
  guint32 version;

  g_assert_no_error (error);
  welcome = xg_test_client_request (client, XG_PACKET_HELLO,
                                    xg_proto_hello_new (XG_PROTO_VERSION, "xinge-test", PACKAGE_VERSION),
                                    XG_PACKET_WELCOME);
  xg_proto_welcome_get (welcome->body, &version, NULL, NULL, NULL, NULL, NULL);
  g_assert_cmpuint (version, ==, XG_PROTO_VERSION);
  return client;
}

void
xg_test_client_free (XgTestClient *client)
{
  if (client == NULL)
    return;
  if (client->stream != NULL)
    g_io_stream_close (client->stream, NULL, NULL);
  g_queue_clear_full (&client->frames, (GDestroyNotify) xg_proto_frame_free);
  g_clear_pointer (&client->decoder, xg_proto_decoder_free);
  g_clear_object (&client->stream);
  g_clear_object (&client->socket);
  g_clear_object (&client->socket_client);
  g_free (client->expected_fingerprint);
  g_free (client);
}

void
xg_test_client_send_raw (XgTestClient *client,
                         const void   *data,
                         gsize         len)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (client->stream), data, len,
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Sends a request with a fresh request id and returns the id. */
guint32
xg_test_client_send (XgTestClient *client,
                     guint16       type,
                     GVariant     *body)
{
  g_autoptr(GError) error = NULL;
  guint32 id = client->next_request_id++;
  g_autoptr(GBytes) frame = xg_proto_frame_encode (type, id, body, &error);

  g_assert_no_error (error);
  xg_test_client_send_raw (client, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
  return id;
}

/* Reads until one more frame is decoded, the peer closes, or the time is
 * up. Framing errors from the server fail the test. */
static gboolean
read_more (XgTestClient *client,
           gint64        deadline)
{
  GSocket *socket = g_socket_connection_get_socket (client->socket);
  GPollableInputStream *input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (client->stream));
  guint8 buffer[16384];

  while (!client->closed)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (input, buffer, sizeof buffer, NULL, &error);
      gsize offset = 0;

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          gint64 left = deadline - g_get_monotonic_time ();
          g_clear_error (&error);
          if (left <= 0)
            return FALSE;
          g_socket_condition_timed_wait (socket, G_IO_IN, left, NULL, NULL);
          continue;
        }
      if (n <= 0)
        {
          client->closed = TRUE;
          return FALSE;
        }

      while (offset < (gsize) n)
        {
          XgProtoFrame *frame = NULL;
          g_autoptr(GError) decode_error = NULL;

          offset += xg_proto_decoder_feed (client->decoder, buffer + offset, n - offset, &frame, &decode_error);
          g_assert_no_error (decode_error);
          if (frame != NULL)
            g_queue_push_tail (&client->frames, frame);
        }
      if (!g_queue_is_empty (&client->frames))
        return TRUE;
    }
  return FALSE;
}

/* The next frame, or NULL if none came within @timeout_ms (or the peer closed). */
XgProtoFrame *
xg_test_client_receive (XgTestClient *client,
                        guint         timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_queue_is_empty (&client->frames))
    if (!read_more (client, deadline))
      return NULL;
  return g_queue_pop_head (&client->frames);
}

static const char *
type_name (guint16 type)
{
  const XgProtoPacketInfo *info = xg_proto_packet_info (type);

  return info ? info->name : "(unknown)";
}

/* The next frame, which must be of @type. */
XgProtoFrame *
xg_test_client_expect (XgTestClient *client,
                       guint16       type)
{
  XgProtoFrame *frame = xg_test_client_receive (client, XG_TEST_TIMEOUT_MS);

  if (frame == NULL)
    g_error ("Expected %s, got nothing (%s)", type_name (type), client->closed ? "closed" : "timed out");
  if (frame->type != type)
    {
      g_autofree char *body = frame->body ? g_variant_print (frame->body, FALSE) : g_strdup ("-");
      g_error ("Expected %s, got %s %s", type_name (type), type_name (frame->type), body);
    }
  return frame;
}

/* Sends a request and returns its direct answer, which must be of
 * @answer_type; pushes that arrive first stay queued for later. */
XgProtoFrame *
xg_test_client_request (XgTestClient *client,
                        guint16       type,
                        GVariant     *body,
                        guint16       answer_type)
{
  guint32 id = xg_test_client_send (client, type, body);
  gint64 deadline = g_get_monotonic_time () + XG_TEST_TIMEOUT_MS * 1000;

  for (;;)
    {
      for (GList *l = client->frames.head; l != NULL; l = l->next)
        {
          XgProtoFrame *frame = l->data;

          if (frame->request_id != id)
            continue;
          g_queue_delete_link (&client->frames, l);
          if (frame->type != answer_type)
            {
              g_autofree char *text = frame->body ? g_variant_print (frame->body, FALSE) : g_strdup ("-");
              g_error ("%s: expected %s, got %s %s", type_name (type), type_name (answer_type),
                       type_name (frame->type), text);
            }
          return frame;
        }
      if (!read_more (client, deadline))
        g_error ("%s: no %s (%s)", type_name (type), type_name (answer_type),
                 client->closed ? "connection closed" : "timed out");
    }
}

/* TRUE once the server has closed the connection. */
gboolean
xg_test_client_wait_closed (XgTestClient *client,
                            guint         timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!client->closed && g_get_monotonic_time () < deadline)
    {
      read_more (client, deadline);
      g_queue_clear_full (&client->frames, (GDestroyNotify) xg_proto_frame_free);
    }
  return client->closed;
}

/**
 * xg_test_client_until:
 * @type: the frame to wait for
 *
 * Takes frames up to and including the next one of @type (which must come
 * within the timeout) and returns those before it, in order.
 *
 * Returns: (transfer full) (element-type XgProtoFrame): the frames before it
 */
GPtrArray *
xg_test_client_until (XgTestClient *client,
                      guint16       type)
{
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_proto_frame_free);

  for (;;)
    {
      XgProtoFrame *frame = xg_test_client_receive (client, XG_TEST_TIMEOUT_MS);

      if (frame == NULL)
        g_error ("Expected %s, got nothing (%s)", type_name (type), client->closed ? "closed" : "timed out");
      if (frame->type == type)
        {
          xg_proto_frame_free (frame);
          return g_steal_pointer (&before);
        }
      g_ptr_array_add (before, frame);
    }
}

/* --- The test clock ------------------------------------------------------ */

/**
 * xg_test_server_advance_clock:
 * @client: a connection (after HELLO) to synchronise on
 * @seconds: how far, at least 1
 *
 * XG_SERVER_TEST_CLOCK (server/xg-server-clock.c): writes the new offset to
 * the server's clock file and sends SIGUSR1; the server re-reads it and
 * runs its time-based checks at once. HEARTBEAT_ACK carries the server's
 * clock, so the first ACK that is at least half the step ahead of ours
 * (plus the old offset) proves the server has moved; everything the
 * server does for this client afterwards sees the new time, and the time
 * checks were queued before that ACK was sent.
 */
void
xg_test_server_advance_clock (XgTestServer *server,
                              XgTestClient *client,
                              gint64        seconds)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gint64 threshold = (server->clock_offset * G_USEC_PER_SEC) + seconds * G_USEC_PER_SEC / 2;
  gint64 deadline = g_get_monotonic_time () + XG_TEST_TIMEOUT_MS * 1000;

  g_assert_cmpint (seconds, >=, 1);
  server->clock_offset += seconds;
  text = g_strdup_printf ("%" G_GINT64_FORMAT "\n", server->clock_offset);
  g_file_set_contents (server->clock_file, text, -1, &error);
  g_assert_no_error (error);
  g_subprocess_send_signal (server->process, SIGUSR1);

  for (;;)
    {
      gint64 before = g_get_real_time ();
      g_autoptr(XgProtoFrame) ack = xg_test_client_request (client, XG_PACKET_HEARTBEAT,
                                                            xg_proto_heartbeat_new (before),
                                                            XG_PACKET_HEARTBEAT_ACK);
      gint64 server_time;

      xg_proto_heartbeat_ack_get (ack->body, &server_time);
      if (server_time - before >= threshold)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("The server's clock did not move by %" G_GINT64_FORMAT " s", seconds);
      g_usleep (1000);   /* polling for the signal to land, not waiting for rule time */
    }
}

/* --- Whole flows --------------------------------------------------------- */

guint64
xg_test_register (XgTestServer *server,
                  const char   *email,
                  const char   *nickname,
                  const char   *password)
{
  g_autoptr(XgTestClient) client = xg_test_client_connect (server);
  g_autoptr(XgProtoFrame) sent = NULL;
  g_autoptr(XgProtoFrame) ok = NULL;
  g_autofree char *code = NULL;
  guint64 id;

  sent = xg_test_client_request (client, XG_PACKET_REGISTER_CODE_REQUEST,
                                 xg_proto_register_code_request_new (email), XG_PACKET_CODE_SENT);
  code = xg_test_server_read_code (server, email);
  ok = xg_test_client_request (client, XG_PACKET_REGISTER,
                               xg_proto_register_new (email, nickname, password, code),
                               XG_PACKET_REGISTER_OK);
  xg_proto_register_ok_get (ok->body, &id);
  g_assert_cmpuint (id, >=, 10000);
  return id;
}

/* After LOGIN_OK: PROFILE first, then the login sync up to SYNC_DONE
 * (docs/PROTOCOL.md 3.7), whose frames go to @sync or away. */
static void
take_login_pushes (XgTestClient  *client,
                   guint64        id,
                   GPtrArray    **sync)
{
  g_autoptr(XgProtoFrame) profile = NULL;
  g_autoptr(GPtrArray) pushes = NULL;
  guint64 profile_id;

  profile = xg_test_client_expect (client, XG_PACKET_PROFILE);
  g_assert_cmpuint (profile->request_id, ==, 0);
  xg_proto_profile_get (profile->body, &profile_id, NULL, NULL, NULL);
  g_assert_cmpuint (profile_id, ==, id);

  pushes = xg_test_client_until (client, XG_PACKET_SYNC_DONE);
  for (guint i = 0; i < pushes->len; i++)
    g_assert_cmpuint (((XgProtoFrame *) pushes->pdata[i])->request_id, ==, 0);
  if (sync != NULL)
    *sync = g_steal_pointer (&pushes);
}

/* Logs in; @sync gets what came between PROFILE and SYNC_DONE. */
guint64
xg_test_login_sync (XgTestClient  *client,
                    const char    *email,
                    const char    *password,
                    GBytes       **token,
                    GPtrArray    **sync)
{
  g_autoptr(XgProtoFrame) ok = NULL;
  guint64 id;

  ok = xg_test_client_request (client, XG_PACKET_LOGIN, xg_proto_login_new (email, password, ""),
                               XG_PACKET_LOGIN_OK);
  xg_proto_login_ok_get (ok->body, &id, token, NULL);
  take_login_pushes (client, id, sync);
  return id;
}

/* Logs in and takes everything up to SYNC_DONE. */
guint64
xg_test_login (XgTestClient  *client,
               const char    *email,
               const char    *password,
               GBytes       **token)
{
  return xg_test_login_sync (client, email, password, token, NULL);
}

/* TOKEN_LOGIN; @sync as in xg_test_login_sync(). */
void
xg_test_token_login_sync (XgTestClient  *client,
                          guint64        account_id,
                          GBytes        *token,
                          GPtrArray    **sync)
{
  g_autoptr(XgProtoFrame) ok = NULL;
  guint64 id;

  ok = xg_test_client_request (client, XG_PACKET_TOKEN_LOGIN, xg_proto_token_login_new (account_id, token),
                               XG_PACKET_LOGIN_OK);
  xg_proto_login_ok_get (ok->body, &id, NULL, NULL);
  g_assert_cmpuint (id, ==, account_id);
  take_login_pushes (client, id, sync);
}
