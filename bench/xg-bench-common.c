/* xg-bench-common.c: what the benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-bench"

#include "config.h"

#include "xg-bench-common.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "xg-proto.h"
#include "xg-server-crypto.h"
#include "xg-server-store-accounts.h"
#include "xg-server-store-groups.h"
#include "xg-server-store-social.h"
#include "xg-server-store-sqlite.h"

/* --- /proc --------------------------------------------------------------- */

static guint64
status_field (const char *status,
              const char *name)
{
  const char *line = strstr (status, name);

  return line ? g_ascii_strtoull (line + strlen (name), NULL, 10) : 0;
}

XgBenchProc
xg_bench_proc_sample (int pid)
{
  XgBenchProc sample = { 0 };
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *fd_path = g_strdup_printf ("/proc/%d/fd", pid);
  g_autofree char *stat_text = NULL;
  g_autofree char *status_text = NULL;
  g_auto(GStrv) fields = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *after_name;

  if (!g_file_get_contents (stat_path, &stat_text, NULL, NULL) ||
      !g_file_get_contents (status_path, &status_text, NULL, NULL))
    return sample;

  /* Fields after "(comm)", from field 3 (state): utime is field 14, stime 15. */
  after_name = strrchr (stat_text, ')');
  if (after_name == NULL)
    return sample;
  fields = g_strsplit (after_name + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return sample;
  sample.cpu = (gdouble) (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10)) /
               (gdouble) sysconf (_SC_CLK_TCK);

  sample.rss_kib = status_field (status_text, "\nVmRSS:");
  sample.hwm_kib = status_field (status_text, "\nVmHWM:");
  sample.threads = (guint) status_field (status_text, "\nThreads:");

  dir = g_dir_open (fd_path, 0, NULL);
  if (dir != NULL)
    while (g_dir_read_name (dir) != NULL)
      sample.fds++;

  sample.ok = TRUE;
  return sample;
}

/* CPU seconds the whole host has been busy (neither idle nor waiting for
 * I/O), all CPUs added up: what is left after the server and the benchmark
 * is other processes' load, which the figures should be read against. */
gdouble
xg_bench_host_busy_seconds (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  guint64 busy = 0;

  if (!g_file_get_contents ("/proc/stat", &text, NULL, NULL) || !g_str_has_prefix (text, "cpu "))
    return 0;
  /* cpu user nice system idle iowait irq softirq steal …: the busy ones are
   * user, nice, system, irq and softirq. */
  fields = g_strsplit_set (text + 4, " \n", 10);
  for (guint i = 0, k = 0; fields[i] != NULL && k < 7; i++)
    {
      if (*fields[i] == '\0')
        continue;
      if (k != 3 && k != 4)
        busy += g_ascii_strtoull (fields[i], NULL, 10);
      k++;
    }
  return (gdouble) busy / (gdouble) sysconf (_SC_CLK_TCK);
}

guint64
xg_bench_mem_available_mib (void)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/meminfo", &text, NULL, NULL) ||
      (line = strstr (text, "MemAvailable:")) == NULL)
    return G_MAXUINT64;
  return g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10) / 1024;
}

/* --- Figures and housekeeping -------------------------------------------- */

int
xg_bench_compare_doubles (gconstpointer a,
                          gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

gdouble
xg_bench_percentile (GArray  *sorted,
                     gdouble  p)
{
  if (sorted == NULL || sorted->len == 0)
    return 0;
  return g_array_index (sorted, gdouble, (guint) ((sorted->len - 1) * p + 0.5));
}

void
xg_bench_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          xg_bench_remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

/* What a durable delivery cannot go below on this disk: @n appends of 4 KiB
 * to a file in @dir, each followed by fdatasync(), as the store's sync thread
 * does with the WAL. Latencies in ms into @p50 and @p99. */
gboolean
xg_bench_fsync_probe (const char *dir,
                      guint       n,
                      gdouble    *p50,
                      gdouble    *p99)
{
  g_autofree char *path = g_build_filename (dir, "fsync-probe", NULL);
  g_autoptr(GArray) latencies = g_array_sized_new (FALSE, FALSE, sizeof (gdouble), n);
  char block[4096];
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd < 0)
    return FALSE;
  memset (block, 'x', sizeof block);
  for (guint i = 0; i < n; i++)
    {
      gint64 start;
      gdouble ms;

      if (write (fd, block, sizeof block) != sizeof block)
        break;
      start = g_get_monotonic_time ();
      if (fdatasync (fd) != 0)
        break;
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (latencies, ms);
    }
  close (fd);
  g_unlink (path);
  if (latencies->len < n)
    return FALSE;
  g_array_sort (latencies, xg_bench_compare_doubles);
  *p50 = xg_bench_percentile (latencies, 0.50);
  *p99 = xg_bench_percentile (latencies, 0.99);
  return TRUE;
}

/* Each connection is a descriptor here and one in the server. */
gboolean
xg_bench_raise_fd_limit (guint needed)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return FALSE;
  if (limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < needed)
    {
      g_printerr ("Need %u file descriptors, the limit is %lu: ask for fewer connections or raise `ulimit -Hn`\n",
                  needed, (unsigned long) limit.rlim_cur);
      return FALSE;
    }
  return TRUE;
}

/* --- Seeding through the store ------------------------------------------- */

struct _XgBenchSeeder {
  XgServerStore *store;
  guint8         key[XG_SERVER_SECRET_SIZE];
  char           password_hash[crypto_pwhash_STRBYTES];
  guint          pending;
  guint          failed;
};

typedef struct {
  XgBenchSeeder *seeder;
  guint64       *account_id;
} SeedRegistration;

static void
seed_done (XgBenchSeeder *seeder,
           gboolean       ok,
           const char    *what,
           const GError  *error)
{
  if (!ok)
    {
      if (seeder->failed++ < XG_BENCH_MAX_REPORTED)
        g_printerr ("seeding: %s failed: %s\n", what, error ? error->message : "refused");
    }
  seeder->pending--;
}

static void
seed_wait (XgBenchSeeder *seeder)
{
  while (seeder->pending > 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
seed_code_issued (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  XgServerCodeStatus status = XG_SERVER_CODE_TOO_MANY;
  guint retry_after;
  gboolean ok;

  ok = xg_server_store_issue_code_finish (XG_SERVER_STORE (source), result, &status, &retry_after, &error) &&
       status == XG_SERVER_CODE_ISSUED;
  seed_done (user_data, ok, "issuing a code", error);
}

static void
seed_registered (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SeedRegistration *reg = user_data;
  g_autoptr(GError) error = NULL;
  XgServerRegisterResult out = { 0 };
  gboolean ok;

  ok = xg_server_store_register_finish (XG_SERVER_STORE (source), result, &out, &error) &&
       out.status == XG_SERVER_REGISTER_OK;
  if (ok)
    *reg->account_id = out.account_id;
  seed_done (reg->seeder, ok, "registering", error);
  g_free (reg);
}

static void
seed_token_stored (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = xg_server_store_boolean_finish (XG_SERVER_STORE (source), result, &error);

  seed_done (user_data, ok, "storing a token", error);
}

static void
seed_friend_changed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerFriendChange) change = xg_server_store_friend_change_finish (XG_SERVER_STORE (source), result,
                                                                                  &error);

  seed_done (user_data, change != NULL && change->status == XG_SERVER_FRIENDS_OK, "befriending", error);
}

typedef struct {
  XgBenchSeeder *seeder;
  guint64       *group_id;   /* CREATE: where its number goes; NULL for the others */
} SeedGroupAct;

static void
seed_group_acted (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autofree SeedGroupAct *act = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgServerGroupChange) change = xg_server_store_group_act_finish (XG_SERVER_STORE (source), result, &error);
  gboolean ok = change != NULL && change->status == XG_SERVER_GROUPS_OK;

  if (ok && act->group_id != NULL)
    *act->group_id = change->group->id;
  if (change != NULL && !ok && error == NULL)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", change->message ? change->message : "refused");
  seed_done (act->seeder, ok, "making the group", error);
}

char *
xg_bench_email (guint i)
{
  return g_strdup_printf ("bench-%06u@bench.example", i);
}

XgBenchSeeder *
xg_bench_seeder_new (const char  *data_dir,
                     GError     **error)
{
  g_autofree char *db_path = g_build_filename (data_dir, "xinge.db", NULL);
  g_autofree char *secret_path = g_build_filename (data_dir, "secret.key", NULL);
  XgBenchSeeder *seeder = g_new0 (XgBenchSeeder, 1);

  if (!xg_server_crypto_init (error) || !xg_server_load_secret (secret_path, seeder->key, error))
    {
      xg_bench_seeder_free (seeder);
      return NULL;
    }

  /* The server's own parameters: Argon2id, 2 passes, 19 MiB. One hash for
   * all accounts; each LOGIN still verifies it in full. */
  if (crypto_pwhash_str_alg (seeder->password_hash, XG_BENCH_PASSWORD, strlen (XG_BENCH_PASSWORD), 2,
                             19u * 1024 * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot compute an Argon2id hash");
      xg_bench_seeder_free (seeder);
      return NULL;
    }

  seeder->store = xg_server_store_sqlite_open (db_path, error);
  if (seeder->store == NULL)
    {
      xg_bench_seeder_free (seeder);
      return NULL;
    }
  return seeder;
}

void
xg_bench_seeder_free (XgBenchSeeder *seeder)
{
  if (seeder->store != NULL)
    {
      xg_server_store_stop (seeder->store);
      g_object_unref (seeder->store);
    }
  sodium_memzero (seeder->key, sizeof seeder->key);
  g_free (seeder);
}

gboolean
xg_bench_seed_accounts (XgBenchSeeder *seeder,
                        guint          first,
                        guint          n,
                        guint64       *ids)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* A code, then the registration that uses it: one worker runs the queue
   * in order, many operations per commit. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *email = xg_bench_email (first + i);
      g_autofree char *nickname = g_strdup_printf ("Bench %u", first + i);
      char code[7];
      g_autoptr(GBytes) code_hash = NULL;
      XgServerCodeRequest request;
      XgServerRegistration registration;
      SeedRegistration *reg = g_new0 (SeedRegistration, 1);

      xg_server_random_code (code);
      code_hash = xg_server_hash_code (seeder->key, email, code);
      request = (XgServerCodeRequest) {
        .email = email, .code_hash = code_hash, .now = now, .expiry = 600,
        .attempts = 5, .resend_interval = 60, .per_hour = 5,
      };
      registration = (XgServerRegistration) {
        .email = email, .nickname = nickname, .password_hash = seeder->password_hash,
        .code_hash = code_hash, .now = now,
      };
      reg->seeder = seeder;
      reg->account_id = &ids[i];
      seeder->pending += 2;
      xg_server_store_issue_code_async (seeder->store, &request, seed_code_issued, seeder);
      xg_server_store_register_async (seeder->store, &registration, seed_registered, reg);
    }
  seed_wait (seeder);
  return seeder->failed == 0;
}

gboolean
xg_bench_seed_tokens (XgBenchSeeder  *seeder,
                      const guint64  *ids,
                      guint           n,
                      GBytes        **tokens)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) token_hash = NULL;

      tokens[i] = xg_server_new_token ();
      token_hash = xg_server_hash_token (tokens[i]);
      seeder->pending++;
      xg_server_store_put_token_async (seeder->store, ids[i], token_hash, now, now + 30 * 24 * 3600,
                                       seed_token_stored, seeder);
    }
  seed_wait (seeder);
  return seeder->failed == 0;
}

gboolean
xg_bench_seed_friends (XgBenchSeeder *seeder,
                       const guint64 *a,
                       const guint64 *b,
                       guint          n)
{
  gint64 now_us = g_get_real_time ();
  XgServerFriendRules rules = {
    .now = now_us / G_USEC_PER_SEC, .now_us = now_us, .deadline = 0,
    .max_friends = 20000, .max_pending = 100000,
  };

  /* The queue runs in order: each request is there before its accept. */
  for (guint i = 0; i < n; i++)
    {
      seeder->pending += 2;
      xg_server_store_friend_request_async (seeder->store, a[i], b[i], "", &rules, seed_friend_changed, seeder);
      xg_server_store_friend_accept_async (seeder->store, b[i], a[i], &rules, seed_friend_changed, seeder);
    }
  seed_wait (seeder);
  return seeder->failed == 0;
}

gboolean
xg_bench_seed_group (XgBenchSeeder *seeder,
                     const char    *name,
                     const guint64 *ids,
                     guint          n,
                     guint64       *group_id)
{
  gint64 now_us = g_get_real_time ();
  XgServerGroupRules rules = {
    .now = now_us / G_USEC_PER_SEC, .now_us = now_us, .deadline = 0,
    .max_members = MAX (n, 2000), .max_groups = 500, .max_owned = 20,
  };
  g_auto(GVariantBuilder) info = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{sv}"));
  XgServerGroupAsk ask = { .action = XG_SERVER_GROUP_CREATE, .actor_id = ids[0] };
  SeedGroupAct *act = g_new0 (SeedGroupAct, 1);

  g_variant_builder_add (&info, "{sv}", "name", g_variant_new_string (name));
  ask.info = g_variant_ref_sink (g_variant_builder_end (&info));
  act->seeder = seeder;
  act->group_id = group_id;
  *group_id = 0;
  seeder->pending++;
  xg_server_store_group_act_async (seeder->store, &ask, &rules, seed_group_acted, act);
  g_clear_pointer (&ask.info, g_variant_unref);
  seed_wait (seeder);
  if (seeder->failed > 0 || *group_id == 0)
    return FALSE;

  /* The queue runs in order: each request is there before its approval. */
  for (guint i = 1; i < n; i++)
    {
      XgServerGroupAsk join = {
        .action = XG_SERVER_GROUP_JOIN_REQUEST, .actor_id = ids[i], .group_id = *group_id, .text = (char *) "",
      };
      XgServerGroupAsk approve = {
        .action = XG_SERVER_GROUP_APPROVE, .actor_id = ids[0], .group_id = *group_id, .other_id = ids[i],
      };

      seeder->pending += 2;
      act = g_new0 (SeedGroupAct, 1);
      act->seeder = seeder;
      xg_server_store_group_act_async (seeder->store, &join, &rules, seed_group_acted, act);
      act = g_new0 (SeedGroupAct, 1);
      act->seeder = seeder;
      xg_server_store_group_act_async (seeder->store, &approve, &rules, seed_group_acted, act);
    }
  seed_wait (seeder);
  return seeder->failed == 0;
}

/* --- The server ---------------------------------------------------------- */

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Passes on what the server prints after its banner (stderr is merged). */
static gpointer
forward_output (gpointer data)
{
  g_autoptr(GDataInputStream) lines = data;

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL);

      if (line == NULL)
        return NULL;
      g_printerr ("server: %s\n", line);
    }
}

gboolean
xg_bench_server_start (XgBenchServer *server,
                       const char    *config_text)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = g_build_filename (server->data_dir, "bench.conf", NULL);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddressEnumerator) enumerator = NULL;
  const char *scheme = server->plain ? "listening: tcp://" : "listening: tls://";

  if (!g_file_set_contents (config_path, config_text, -1, &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }

  g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawn (launcher, &error, server->binary,
                                                 "--data-dir", server->data_dir,
                                                 "--listen", "127.0.0.1:0",
                                                 "--config", config_path,
                                                 server->plain ? "--insecure-plain" : NULL,
                                                 NULL);
  if (server->process == NULL)
    {
      g_printerr ("Cannot start %s: %s\n", server->binary, error->message);
      return FALSE;
    }
  server->pid = (int) g_ascii_strtoll (g_subprocess_get_identifier (server->process), NULL, 10);

  /* The banner, as the test harness reads it. */
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  while (server->address == NULL)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL);

      if (line == NULL)
        {
          g_printerr ("xinge-server exited before it listened\n");
          return FALSE;
        }
      if (g_str_has_prefix (line, "certificate sha256: "))
        server->fingerprint = g_strdup (line + strlen ("certificate sha256: "));
      else if (g_str_has_prefix (line, scheme))
        server->address = g_strdup (line + strlen (scheme));
      else if (g_str_has_prefix (line, "listening: "))
        {
          g_printerr ("xinge-server listens otherwise than asked: %s\n", line);
          return FALSE;
        }
    }
  if (server->fingerprint == NULL)
    {
      g_printerr ("xinge-server printed no certificate fingerprint\n");
      return FALSE;
    }

  connectable = g_network_address_parse (server->address, 0, &error);
  if (connectable != NULL)
    {
      enumerator = g_socket_connectable_enumerate (connectable);
      server->socket_address = g_socket_address_enumerator_next (enumerator, NULL, &error);
    }
  if (server->socket_address == NULL)
    {
      g_printerr ("Cannot use the address %s: %s\n", server->address, error->message);
      return FALSE;
    }

  server->output_thread = g_thread_new ("server-output", forward_output, g_steal_pointer (&lines));
  return TRUE;
}

static void
on_server_exited (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
on_shutdown_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

int
xg_bench_server_stop (XgBenchServer *server,
                      int            signal_number,
                      guint          timeout_s)
{
  gboolean done = FALSE;
  gboolean timed_out = FALSE;
  guint timeout_id;
  int status;

  if (server->process == NULL)
    return -1;
  g_subprocess_send_signal (server->process, signal_number);
  g_subprocess_wait_async (server->process, NULL, on_server_exited, &done);
  timeout_id = g_timeout_add_seconds (timeout_s, on_shutdown_timeout, &timed_out);
  while (!done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);

  if (!done)
    {
      g_subprocess_force_exit (server->process);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
      status = -1;
    }
  else
    status = g_subprocess_get_if_exited (server->process)
             ? g_subprocess_get_exit_status (server->process)
             : 128 + g_subprocess_get_term_sig (server->process);

  if (server->output_thread != NULL)
    g_thread_join (g_steal_pointer (&server->output_thread));
  g_clear_object (&server->process);
  g_clear_object (&server->socket_address);
  g_clear_pointer (&server->address, g_free);
  g_clear_pointer (&server->fingerprint, g_free);
  server->pid = 0;
  return status;
}

/* --- Client connections --------------------------------------------------- */

static gboolean
accept_pinned (GTlsConnection       *connection,
               GTlsCertificate      *peer_cert,
               GTlsCertificateFlags  errors,
               gpointer              user_data)
{
  XgBenchPin *pin = user_data;
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *presented = NULL;

  /* Trust on first use, as the app does: the printed fingerprint is the pin. */
  g_atomic_int_inc (&pin->full_handshakes);
  g_object_get (peer_cert, "certificate", &der, NULL);
  presented = xg_proto_fingerprint (der->data, der->len);
  return g_str_equal (presented, pin->fingerprint);
}

void
xg_bench_set_nodelay (GSocketConnection *tcp)
{
  /* With Nagle on, a frame written right after another waits for the
   * peer's delayed ACK (40 ms on Linux), and the client's latency, not the
   * server, would set the pace. */
  g_socket_set_option (g_socket_connection_get_socket (tcp), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

GIOStream *
xg_bench_tls_connect (GSocketConnection  *tcp,
                      XgBenchPin         *pin,
                      GError            **error)
{
  g_autoptr(GIOStream) tls = NULL;

  xg_bench_set_nodelay (tcp);
  /* No CA database: the certificate is pinned. With the default one,
   * glib-networking 2.74 (GnuTLS) parses the whole system CA bundle into
   * every new connection, ~14 ms of CPU and ~3.7 MiB each, which would
   * make the client, not the server, the thing measured. */
  tls = g_initable_new (g_tls_backend_get_client_connection_type (g_tls_backend_get_default ()),
                        NULL, error,
                        "base-io-stream", tcp,
                        "database", NULL,
                        NULL);
  if (tls == NULL)
    return NULL;
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_pinned), pin);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, error))
    return NULL;
  return g_steal_pointer (&tls);
}

gboolean
xg_bench_link_open (XgBenchLink     *link,
                    GSocketClient   *client,
                    GSocketAddress  *address,
                    XgBenchPin      *pin,
                    GError         **error)
{
  g_autoptr(GSocketConnection) tcp = NULL;

  tcp = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, error);
  if (tcp == NULL)
    return FALSE;
  if (pin != NULL)
    {
      link->stream = xg_bench_tls_connect (tcp, pin, error);
      if (link->stream == NULL)
        return FALSE;
    }
  else
    {
      xg_bench_set_nodelay (tcp);
      link->stream = G_IO_STREAM (g_object_ref (tcp));
    }
  link->tcp = g_steal_pointer (&tcp);
  link->fd = g_socket_get_fd (g_socket_connection_get_socket (link->tcp));
  link->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (link->stream));
  link->output = g_io_stream_get_output_stream (link->stream);
  link->decoder = xg_proto_decoder_new (0);
  link->rbuf = g_byte_array_new ();
  link->wbuf = g_byte_array_new ();
  link->next_request_id = 1;
  link->next_packet_id = 1;
  return TRUE;
}

void
xg_bench_link_close (XgBenchLink *link)
{
  if (link->stream != NULL)
    g_io_stream_close (link->stream, NULL, NULL);
  g_clear_object (&link->stream);
  g_clear_object (&link->tcp);
  g_clear_pointer (&link->decoder, xg_proto_decoder_free);
  g_clear_pointer (&link->rbuf, g_byte_array_unref);
  g_clear_pointer (&link->wbuf, g_byte_array_unref);
}

gboolean
xg_bench_link_flush (XgBenchLink  *link,
                     GError      **error)
{
  gboolean ok = TRUE;

  if (link->wbuf->len > 0)
    ok = g_output_stream_write_all (link->output, link->wbuf->data, link->wbuf->len, NULL, NULL, error);
  g_byte_array_set_size (link->wbuf, 0);
  return ok;
}

gboolean
xg_bench_link_wait (XgBenchLink  *link,
                    gint64        deadline,
                    GError      **error)
{
  struct pollfd pfd = { .fd = link->fd, .events = POLLIN };
  gint64 left = deadline - g_get_monotonic_time ();

  if (left <= 0 || poll (&pfd, 1, (int) MAX (1, left / 1000)) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no answer in time");
      return FALSE;
    }
  return TRUE;
}

/* --- mosquitto, for comparison ------------------------------------------ */

void
xg_bench_mqtt_put_length (GByteArray *out,
                          gsize       length)
{
  do
    {
      guint8 byte = length % 128;

      length /= 128;
      if (length > 0)
        byte |= 0x80;
      g_byte_array_append (out, &byte, 1);
    }
  while (length > 0);
}

void
xg_bench_mqtt_put_u16 (GByteArray *out,
                       guint       value)
{
  guint8 bytes[2] = { value >> 8, value & 0xff };

  g_byte_array_append (out, bytes, 2);
}

void
xg_bench_mqtt_put_string (GByteArray *out,
                          const char *s)
{
  xg_bench_mqtt_put_u16 (out, strlen (s));
  g_byte_array_append (out, (const guint8 *) s, strlen (s));
}

void
xg_bench_mqtt_queue (XgBenchLink  *link,
                     guint8        header,
                     const guint8 *body,
                     gsize         len)
{
  g_byte_array_append (link->wbuf, &header, 1);
  xg_bench_mqtt_put_length (link->wbuf, len);
  if (len > 0)
    g_byte_array_append (link->wbuf, body, len);
}

char *
xg_bench_mosquitto_find (void)
{
  char *path = g_find_program_in_path ("mosquitto");

  if (path == NULL && g_file_test ("/usr/sbin/mosquitto", G_FILE_TEST_IS_EXECUTABLE))
    path = g_strdup ("/usr/sbin/mosquitto");
  return path;
}

static gboolean
free_port (guint16 *port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  if (socket == NULL || !g_socket_bind (socket, any, FALSE, NULL) ||
      (bound = g_socket_get_local_address (socket, NULL)) == NULL)
    return FALSE;
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return TRUE;
}

gboolean
xg_bench_mosquitto_start (XgBenchMosquitto *self,
                          const char       *binary,
                          const char       *data_dir,
                          gboolean          tls,
                          const char       *password_file)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = g_build_filename (data_dir, "mosquitto.conf", NULL);
  g_autofree char *cert = g_build_filename (data_dir, "tls", "cert.pem", NULL);
  g_autofree char *key = g_build_filename (data_dir, "tls", "key.pem", NULL);
  g_autoptr(GString) config = g_string_new (NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint16 port;

  xg_bench_mosquitto_clear (self);
  if (!free_port (&port))
    return FALSE;
  /* Debian's defaults where they matter: no persistence (QoS 1 messages
   * live in memory only). No limit on messages in flight or queued, as
   * Xinge has none; Nagle off, as Xinge does. */
  g_string_append_printf (config,
                          "per_listener_settings false\n"
                          "allow_anonymous %s\n"
                          "persistence false\n"
                          "max_inflight_messages 0\n"
                          "max_queued_messages 0\n"
                          "set_tcp_nodelay true\n"
                          "log_dest stderr\n"
                          "log_type error\n"
                          "log_type warning\n"
                          "user root\n"
                          "listener %u 127.0.0.1\n", password_file ? "false" : "true", port);
  if (password_file != NULL)
    g_string_append_printf (config, "password_file %s\n", password_file);
  if (tls)
    {
      g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_file (cert, &error);
      g_autoptr(GByteArray) der = NULL;

      if (certificate == NULL)
        {
          g_printerr ("mosquitto: the Xinge server's certificate: %s\n", error->message);
          return FALSE;
        }
      g_object_get (certificate, "certificate", &der, NULL);
      self->fingerprint = xg_proto_fingerprint (der->data, der->len);
      g_string_append_printf (config, "certfile %s\nkeyfile %s\n", cert, key);
    }
  if (!g_file_set_contents (config_path, config->str, -1, &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  self->process = g_subprocess_launcher_spawn (launcher, &error, binary, "-c", config_path, NULL);
  if (self->process == NULL)
    {
      g_printerr ("Cannot start %s: %s\n", binary, error->message);
      return FALSE;
    }
  self->pid = (int) g_ascii_strtoll (g_subprocess_get_identifier (self->process), NULL, 10);
  self->address = g_inet_socket_address_new (loopback, port);

  /* Up when it accepts a connection. */
  g_socket_client_set_enable_proxy (client, FALSE);
  for (;;)
    {
      g_autoptr(GSocketConnection) probe = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (self->address),
                                                                   NULL, NULL);

      if (probe != NULL)
        break;
      if (g_get_monotonic_time () > deadline)
        {
          g_printerr ("mosquitto does not listen on port %u\n", port);
          return FALSE;
        }
      g_usleep (20 * 1000);
    }
  return TRUE;
}

int
xg_bench_mosquitto_stop (XgBenchMosquitto *self)
{
  int status;

  if (self->process == NULL)
    return -1;
  g_subprocess_send_signal (self->process, SIGTERM);
  if (!g_subprocess_wait (self->process, NULL, NULL))
    return -1;
  status = g_subprocess_get_if_exited (self->process) ? g_subprocess_get_exit_status (self->process)
                                                      : 128 + g_subprocess_get_term_sig (self->process);
  g_clear_object (&self->process);
  return status;
}

void
xg_bench_mosquitto_clear (XgBenchMosquitto *self)
{
  if (self->process != NULL)
    xg_bench_mosquitto_stop (self);
  g_clear_object (&self->address);
  g_clear_pointer (&self->fingerprint, g_free);
  self->pid = 0;
}
