/* xg-bench-common.h: what the benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Readings from /proc, accounts seeded straight through the server's store,
 * the real xinge-server started on a data dir and stopped again, and
 * client TLS connections that pin the server's certificate.
 */
#pragma once

#include <gio/gio.h>

#include "xg-proto.h"
#include "xg-server-store.h"

G_BEGIN_DECLS

#define XG_BENCH_PASSWORD      "bench-password-0123456789"
#define XG_BENCH_MAX_REPORTED  10

/* --- /proc --------------------------------------------------------------- */

typedef struct {
  gboolean ok;
  gdouble  cpu;        /* seconds: utime + stime, all threads */
  guint64  rss_kib;
  guint64  hwm_kib;
  guint    threads;
  guint    fds;
} XgBenchProc;

XgBenchProc xg_bench_proc_sample         (int pid);
gdouble     xg_bench_host_busy_seconds   (void);
guint64     xg_bench_mem_available_mib   (void);

/* --- Figures and housekeeping -------------------------------------------- */

int         xg_bench_compare_doubles     (gconstpointer a,
                                          gconstpointer b);
/* @sorted: doubles in increasing order; 0 when empty. */
gdouble     xg_bench_percentile          (GArray       *sorted,
                                          gdouble       p);
void        xg_bench_remove_tree         (const char   *path);
gboolean    xg_bench_fsync_probe         (const char   *dir,
                                          guint         n,
                                          gdouble      *p50,
                                          gdouble      *p99);
gboolean    xg_bench_raise_fd_limit      (guint         needed);

/* --- Seeding through the store ------------------------------------------- */

typedef struct _XgBenchSeeder XgBenchSeeder;

/* Opens the store of a new data dir (xinge.db, secret.key) and computes
 * one Argon2id hash of XG_BENCH_PASSWORD with the server's parameters,
 * shared by every account it creates. */
XgBenchSeeder *xg_bench_seeder_new       (const char     *data_dir,
                                          GError        **error);
/* Accounts bench-NNNNNN@bench.example for @first .. @first + @n - 1;
 * their ids into @ids. */
gboolean    xg_bench_seed_accounts       (XgBenchSeeder  *seeder,
                                          guint           first,
                                          guint           n,
                                          guint64        *ids);
/* A new resume token for each of @ids, into @tokens. */
gboolean    xg_bench_seed_tokens         (XgBenchSeeder  *seeder,
                                          const guint64  *ids,
                                          guint           n,
                                          GBytes        **tokens);
/* Makes @a[i] and @b[i] friends: a request from @a[i], accepted by @b[i]. */
gboolean    xg_bench_seed_friends        (XgBenchSeeder  *seeder,
                                          const guint64  *a,
                                          const guint64  *b,
                                          guint           n);
/* One group owned by @ids[0] with every one of @ids as a member, made as
 * the server makes it: GROUP_CREATE, then a join request from each of the
 * others, approved by the owner. Its number into *@group_id. */
gboolean    xg_bench_seed_group          (XgBenchSeeder  *seeder,
                                          const char     *name,
                                          const guint64  *ids,
                                          guint           n,
                                          guint64        *group_id);
void        xg_bench_seeder_free         (XgBenchSeeder  *seeder);
char       *xg_bench_email               (guint           i);

/* --- The server ---------------------------------------------------------- */

typedef struct {
  char           *data_dir;
  char           *binary;
  gboolean        plain;            /* --insecure-plain */
  GSubprocess    *process;
  int             pid;
  GThread        *output_thread;
  char           *address;          /* "127.0.0.1:PORT" */
  char           *fingerprint;      /* as the server printed it; NULL when plain */
  GSocketAddress *socket_address;
} XgBenchServer;

/* Starts @server->binary on @server->data_dir, listening on a free
 * loopback port, with @config_text as its configuration (written to
 * DATA/bench.conf), and reads its banner. What it prints afterwards goes
 * to stderr, prefixed "server: ". */
gboolean    xg_bench_server_start        (XgBenchServer  *server,
                                          const char     *config_text);
/* Sends @signal_number and waits up to @timeout_s for the exit; returns the
 * exit status (128 + signal when killed), or -1 on timeout (the process is
 * then killed). Leaves @server ready for another start. */
int         xg_bench_server_stop         (XgBenchServer  *server,
                                          int             signal_number,
                                          guint           timeout_s);

/* --- Client connections --------------------------------------------------- */

typedef struct {
  const char *fingerprint;          /* the pin */
  int         full_handshakes;      /* atomic: certificate checks made */
} XgBenchPin;

/* A TLS client connection over @tcp, TCP_NODELAY set, with no CA database
 * and @pin's fingerprint pinned, handshaken (blocking). */
GIOStream  *xg_bench_tls_connect         (GSocketConnection  *tcp,
                                          XgBenchPin         *pin,
                                          GError            **error);
/* TCP_NODELAY on @tcp: small frames go out at once. */
void        xg_bench_set_nodelay         (GSocketConnection  *tcp);

/* One client connection, used by one thread at a time. */
typedef struct {
  GSocketConnection    *tcp;
  GIOStream            *stream;     /* TLS over @tcp, or @tcp itself */
  GPollableInputStream *input;
  GOutputStream        *output;
  int                   fd;
  XgProtoDecoder       *decoder;    /* Xinge */
  GByteArray           *rbuf;       /* MQTT: bytes not yet a whole packet */
  GByteArray           *wbuf;       /* written at the end of the loop turn */
  guint32               next_request_id;
  guint16               next_packet_id;
} XgBenchLink;

/* Connects @link to @address with @client: over TLS pinned to @pin, or
 * plain (TCP_NODELAY set) when @pin is NULL; fresh buffers and a decoder,
 * request and packet ids from 1. */
gboolean    xg_bench_link_open           (XgBenchLink        *link,
                                          GSocketClient      *client,
                                          GSocketAddress     *address,
                                          XgBenchPin         *pin,
                                          GError            **error);
/* Closes and frees what xg_bench_link_open() made; safe to call twice. */
void        xg_bench_link_close          (XgBenchLink        *link);
/* Writes @link->wbuf out (blocking) and empties it. */
gboolean    xg_bench_link_flush          (XgBenchLink        *link,
                                          GError            **error);
/* Blocks until @link is readable or @deadline (monotonic µs) passes. */
gboolean    xg_bench_link_wait           (XgBenchLink        *link,
                                          gint64              deadline,
                                          GError            **error);

/* --- mosquitto, for comparison ------------------------------------------ */

/* MQTT 3.1.1's encodings. */
void        xg_bench_mqtt_put_length     (GByteArray     *out,
                                          gsize           length);
void        xg_bench_mqtt_put_u16        (GByteArray     *out,
                                          guint           value);
void        xg_bench_mqtt_put_string     (GByteArray     *out,
                                          const char     *s);
/* Appends a packet to @link->wbuf: @header, the length, @body. */
void        xg_bench_mqtt_queue          (XgBenchLink    *link,
                                          guint8          header,
                                          const guint8   *body,
                                          gsize           len);

typedef struct {
  GSubprocess    *process;
  int             pid;
  GSocketAddress *address;          /* 127.0.0.1:PORT */
  char           *fingerprint;      /* TLS: of the Xinge certificate it uses */
} XgBenchMosquitto;

/* mosquitto in PATH or /usr/sbin, or NULL. */
char       *xg_bench_mosquitto_find      (void);
/* Starts @binary on a free loopback port, Debian's defaults where they
 * matter (no persistence), Nagle off, no connection limit; with @tls, its
 * listener uses the certificate and key of the Xinge server in
 * @data_dir/tls, the same pin. @password_file: clients must log in with a
 * user and password of this mosquitto_passwd file; NULL: anonymous.
 * Returns once it accepts connections. */
gboolean    xg_bench_mosquitto_start     (XgBenchMosquitto *self,
                                          const char       *binary,
                                          const char       *data_dir,
                                          gboolean          tls,
                                          const char       *password_file);
/* SIGTERM and wait: the exit status, -1 if it was not running. */
int         xg_bench_mosquitto_stop      (XgBenchMosquitto *self);
void        xg_bench_mosquitto_clear     (XgBenchMosquitto *self);

G_END_DECLS
