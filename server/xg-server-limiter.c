/* xg-server-limiter.c: counting events per key in fixed windows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both live in memory: a restart forgets them, which only ever lets a
 * stranger start over, never locks anyone out.
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include "xg-server-limiter.h"

typedef struct {
  gint64 start;
  guint  count;
} Window;

struct _XgServerLimiter
{
  GHashTable *windows;   /* key → Window */
  guint       limit;
  guint       window;
};

XgServerLimiter *
xg_server_limiter_new (guint limit,
                       guint window_seconds)
{
  XgServerLimiter *self = g_new0 (XgServerLimiter, 1);

  self->windows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->limit = limit;
  self->window = window_seconds;
  return self;
}

void
xg_server_limiter_free (XgServerLimiter *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->windows);
  g_free (self);
}

/* Seconds until @key may act again; 0 if it may now. */
guint
xg_server_limiter_retry_after (XgServerLimiter *self,
                               const char      *key,
                               gint64           now)
{
  Window *w = g_hash_table_lookup (self->windows, key);

  if (w == NULL || now - w->start >= self->window || w->count < self->limit)
    return 0;
  return (guint) (w->start + self->window - now);
}

/* Whether no key has a window: then no key needs to be made to ask. */
gboolean
xg_server_limiter_is_empty (XgServerLimiter *self)
{
  return g_hash_table_size (self->windows) == 0;
}

void
xg_server_limiter_hit (XgServerLimiter *self,
                       const char      *key,
                       gint64           now)
{
  Window *w = g_hash_table_lookup (self->windows, key);

  if (w == NULL)
    {
      w = g_new0 (Window, 1);
      g_hash_table_insert (self->windows, g_strdup (key), w);
    }
  if (w->count == 0 || now - w->start >= self->window)
    {
      w->start = now;
      w->count = 0;
    }
  w->count++;
}

void
xg_server_limiter_reset (XgServerLimiter *self,
                         const char      *key)
{
  g_hash_table_remove (self->windows, key);
}

void
xg_server_limiter_expire (XgServerLimiter *self,
                          gint64           now)
{
  GHashTableIter iter;
  Window *w;

  g_hash_table_iter_init (&iter, self->windows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &w))
    if (now - w->start >= self->window)
      g_hash_table_iter_remove (&iter);
}

typedef struct {
  gint64 last;
  guint  failures;
} Streak;

struct _XgServerBackoff
{
  GHashTable *streaks;   /* key → Streak */
  guint       free_failures;
  guint       max_delay;
};

XgServerBackoff *
xg_server_backoff_new (guint free_failures,
                       guint max_delay)
{
  XgServerBackoff *self = g_new0 (XgServerBackoff, 1);

  self->streaks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->free_failures = free_failures;
  self->max_delay = max_delay;
  return self;
}

void
xg_server_backoff_free (XgServerBackoff *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->streaks);
  g_free (self);
}

static guint
delay_for (XgServerBackoff *self,
           guint            failures)
{
  guint extra;

  if (failures < self->free_failures)
    return 0;
  extra = failures - self->free_failures;
  return extra >= 16 ? self->max_delay : MIN (1u << extra, self->max_delay);
}

guint
xg_server_backoff_retry_after (XgServerBackoff *self,
                               const char      *key,
                               gint64           now)
{
  Streak *s = g_hash_table_lookup (self->streaks, key);
  gint64 until;

  if (s == NULL)
    return 0;
  until = s->last + delay_for (self, s->failures);
  return until > now ? (guint) (until - now) : 0;
}

void
xg_server_backoff_fail (XgServerBackoff *self,
                        const char      *key,
                        gint64           now)
{
  Streak *s = g_hash_table_lookup (self->streaks, key);

  if (s == NULL)
    {
      s = g_new0 (Streak, 1);
      g_hash_table_insert (self->streaks, g_strdup (key), s);
    }
  s->failures++;
  s->last = now;
}

void
xg_server_backoff_reset (XgServerBackoff *self,
                         const char      *key)
{
  g_hash_table_remove (self->streaks, key);
}

/* Forgets streaks idle for longer than the longest delay. */
void
xg_server_backoff_expire (XgServerBackoff *self,
                          gint64           now)
{
  GHashTableIter iter;
  Streak *s;

  g_hash_table_iter_init (&iter, self->streaks);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    if (now - s->last > (gint64) self->max_delay * 4)
      g_hash_table_iter_remove (&iter);
}
