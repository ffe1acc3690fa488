/* xg-bench-compare.h: xg-bench-connections' --compare and --cycles modes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint     connections;   /* N held (--compare); accounts to cycle over (--cycles) */
  guint     window;        /* connecting at once */
  guint     interval;      /* heartbeat / PINGREQ, s */
  guint     hold;          /* s, TLS only */
  guint     resumed;       /* TLS sessions reconnected with the ticket */
  guint     rounds;
  char     *mosquitto;     /* NULL: find it */
  char     *before;        /* an older xinge-server, or NULL */
  guint     cycles;
  gboolean  cycles_plain;
  gboolean  cycles_tls;
  gboolean  hello_only;    /* Xinge: HELLO and WELCOME, no login (to see what the login costs) */
  gboolean  mosquitto_password;  /* mosquitto checks a user and password at each CONNECT */
  gboolean  pipeline;      /* Xinge: TOKEN_LOGIN right behind HELLO, in the same write, as the app */
} XgBenchCompareOptions;

extern XgBenchCompareOptions xg_bench_compare_options;

/* @ids and @tokens: seeded accounts with a resume token each, at least
 * connections + resumed of them (cycles: window). */
int xg_bench_compare_run (const char  *server_binary,
                          const char  *data_dir,
                          guint64     *ids,
                          GBytes     **tokens);
int xg_bench_cycles_run  (const char  *server_binary,
                          const char  *data_dir,
                          guint64     *ids,
                          GBytes     **tokens);

G_END_DECLS
