/* xg-cache.h: the client's local SQLite databases
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two kinds, one class: the device database (one per app profile) pins
 * server certificates before anyone logs in; each account has its own
 * database for what the server told it (its profile today; contacts and
 * messages later). Both use numbered migrations in `user_version`, and
 * every statement runs on the cache's own worker thread: callers get
 * async results on their main context.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define XG_CACHE_ERROR (xg_cache_error_quark ())
GQuark xg_cache_error_quark (void);

/**
 * XgCacheError:
 * @XG_CACHE_ERROR_FAILED: the database could not be opened, read or written
 * @XG_CACHE_ERROR_CORRUPT: the file is damaged or not a database; the
 *   caller may delete it (it is a cache) and open a fresh one
 * @XG_CACHE_ERROR_TOO_NEW: a newer Xinge wrote the file (its schema
 *   version is higher than this build knows)
 * @XG_CACHE_ERROR_CLOSED: the call came after xg_cache_close()
 */
typedef enum {
  XG_CACHE_ERROR_FAILED,
  XG_CACHE_ERROR_CORRUPT,
  XG_CACHE_ERROR_TOO_NEW,
  XG_CACHE_ERROR_CLOSED,
} XgCacheError;

#define XG_TYPE_CACHE (xg_cache_get_type ())
G_DECLARE_FINAL_TYPE (XgCache, xg_cache, XG, CACHE, GObject)

/* Paths: $XDG_DATA_HOME/xinge/<app profile>/device.db and
 * $XDG_DATA_HOME/xinge/<app profile>/accounts/<id>.db (see xg-paths.h). */
XgCache  *xg_cache_open_device         (const char           *path,
                                        GError              **error);
XgCache  *xg_cache_open_account        (const char           *path,
                                        GError              **error);
void      xg_cache_close               (XgCache              *self);
const char *xg_cache_get_path          (XgCache              *self);

/* Device database: the SHA-256 fingerprint ("AB:CD:…") pinned for a
 * "host:port"; NULL from finish when none is pinned yet. */
void      xg_cache_lookup_pin_async    (XgCache              *self,
                                        const char           *server,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
char     *xg_cache_lookup_pin_finish   (XgCache              *self,
                                        GAsyncResult         *result,
                                        GError              **error);
void      xg_cache_store_pin_async     (XgCache              *self,
                                        const char           *server,
                                        const char           *fingerprint,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  xg_cache_store_pin_finish    (XgCache              *self,
                                        GAsyncResult         *result,
                                        GError              **error);

/* Account database: the profile as a PROFILE body "(tssa{sv})". */
void      xg_cache_store_profile_async (XgCache              *self,
                                        GVariant             *profile,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  xg_cache_store_profile_finish (XgCache             *self,
                                         GAsyncResult        *result,
                                         GError             **error);
/* NULL from finish when nothing is cached yet. */
void      xg_cache_load_profile_async  (XgCache              *self,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
GVariant *xg_cache_load_profile_finish (XgCache              *self,
                                        GAsyncResult         *result,
                                        GError              **error);

/* Testing and debugging: from the next queued call on, @func is called
 * on the cache's worker thread with the SQL text of every statement it
 * runs (%NULL stops it). */
typedef void (*XgCacheTraceFunc) (const char *sql,
                                  gpointer    user_data);
void      xg_cache_set_trace_func      (XgCache              *self,
                                        XgCacheTraceFunc      func,
                                        gpointer              user_data);

G_END_DECLS
