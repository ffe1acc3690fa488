/* xg-server-limiter.h: counting events per key in fixed windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _XgServerLimiter XgServerLimiter;

XgServerLimiter *xg_server_limiter_new         (guint             limit,
                                                guint             window_seconds);
void             xg_server_limiter_free        (XgServerLimiter  *self);
guint            xg_server_limiter_retry_after (XgServerLimiter  *self,
                                                const char       *key,
                                                gint64            now);
void             xg_server_limiter_hit         (XgServerLimiter  *self,
                                                const char       *key,
                                                gint64            now);
void             xg_server_limiter_reset       (XgServerLimiter  *self,
                                                const char       *key);
void             xg_server_limiter_expire      (XgServerLimiter  *self,
                                                gint64            now);
gboolean         xg_server_limiter_is_empty    (XgServerLimiter  *self);

/* Consecutive failures per key with growing delays: after @free_failures,
 * each failure doubles the wait, up to @max_delay seconds. */
typedef struct _XgServerBackoff XgServerBackoff;

XgServerBackoff *xg_server_backoff_new         (guint             free_failures,
                                                guint             max_delay);
void             xg_server_backoff_free        (XgServerBackoff  *self);
guint            xg_server_backoff_retry_after (XgServerBackoff  *self,
                                                const char       *key,
                                                gint64            now);
void             xg_server_backoff_fail        (XgServerBackoff  *self,
                                                const char       *key,
                                                gint64            now);
void             xg_server_backoff_reset       (XgServerBackoff  *self,
                                                const char       *key);
void             xg_server_backoff_expire      (XgServerBackoff  *self,
                                                gint64            now);

G_END_DECLS
