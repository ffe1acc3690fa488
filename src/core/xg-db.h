/* xg-db.h: a SQLite file with a worker thread of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The base of the client's two databases: XgDeviceDb (pinned server
 * certificates, one per app profile) and XgAccountDb (what one account
 * knows: profile, contacts, requests; messages later). A subclass names
 * its numbered migrations (`.sql` files in the core's GResource) and its
 * SQLite application id; XgDb does the rest:
 *
 *  - the file is opened, checked and migrated on the worker thread, as the
 *    first job; xg_db_new() returns at once, calls queue behind the open,
 *    and if it fails they fail with its error (xg_db_ready_async() tells);
 *  - every job is a closure (a function and its data) that runs on the
 *    worker, inside one transaction, and completes on the caller's
 *    thread-default main context, in queue order;
 *  - WAL with synchronous=FULL: a commit has reached the disk when its job
 *    completes, so the client may acknowledge what it stored.
 */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "xg-types.h"

G_BEGIN_DECLS

#define XG_DB_ERROR (xg_db_error_quark ())
GQuark xg_db_error_quark (void);

/**
 * XgDbError:
 * @XG_DB_ERROR_FAILED: the database could not be opened, read or written
 * @XG_DB_ERROR_CORRUPT: the file is damaged or not a database
 * @XG_DB_ERROR_TOO_NEW: a newer Xinge wrote the file (its schema version is
 *   higher than this build knows)
 * @XG_DB_ERROR_CLOSED: the call came after xg_db_close()
 */
typedef enum {
  XG_DB_ERROR_FAILED,
  XG_DB_ERROR_CORRUPT,
  XG_DB_ERROR_TOO_NEW,
  XG_DB_ERROR_CLOSED,
} XgDbError;

#define XG_TYPE_DB (xg_db_get_type ())
G_DECLARE_DERIVABLE_TYPE (XgDb, xg_db, XG, DB, GObject)

struct _XgDbClass
{
  GObjectClass parent_class;

  /* Set by each subclass in class_init. */
  const char *kind_name;        /* "device database", for messages */
  int         application_id;   /* PRAGMA application_id: one kind is never taken for another */
  const char *migrations;       /* resource folder of NNN-name.sql files, N from 1 */
};

/**
 * XgDbJobFunc:
 * @db: the database, open
 * @data: the job's arguments and results
 * @error: where a failure goes
 *
 * Runs on the worker thread inside a transaction, which is committed when
 * it returns %TRUE and rolled back when it returns %FALSE (with @error set).
 */
typedef gboolean (*XgDbJobFunc) (XgDb     *db,
                                 gpointer  data,
                                 GError  **error);

const char *xg_db_get_path      (XgDb                 *self);
void        xg_db_close         (XgDb                 *self);

void        xg_db_run_async     (XgDb                 *self,
                                 XgDbJobFunc           func,
                                 gpointer              data,
                                 GDestroyNotify        data_free,
                                 GCancellable         *cancellable,
                                 gpointer              source_tag,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
gpointer    xg_db_run_finish    (XgDb                 *self,
                                 GAsyncResult         *result,
                                 gpointer              source_tag,
                                 GError              **error);

void        xg_db_ready_async   (XgDb                 *self,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
gboolean    xg_db_ready_finish  (XgDb                 *self,
                                 GAsyncResult         *result,
                                 GError              **error);

/* Completes after every call queued before it: what they wrote is on disk. */
void        xg_db_flush_async   (XgDb                 *self,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
gboolean    xg_db_flush_finish  (XgDb                 *self,
                                 GAsyncResult         *result,
                                 GError              **error);

/* For job functions, on the worker thread. */
gboolean       xg_db_exec            (XgDb          *self,
                                      const char    *sql,
                                      GError       **error);
sqlite3_stmt  *xg_db_statement       (XgDb          *self,
                                      const char    *sql,
                                      GError       **error);
gboolean       xg_db_step_done       (XgDb          *self,
                                      sqlite3_stmt  *stmt,
                                      GError       **error);
gboolean       xg_db_step_row        (XgDb          *self,
                                      sqlite3_stmt  *stmt,
                                      gboolean      *has_row,
                                      GError       **error);
gint64         xg_db_changes         (XgDb          *self);
void           xg_db_bind_variant    (sqlite3_stmt  *stmt,
                                      int            index,
                                      GVariant      *value);
GVariant      *xg_db_column_variant  (XgDb          *self,
                                      sqlite3_stmt  *stmt,
                                      int            column,
                                      const char    *type);

/* Testing and debugging: from the next queued call on, @func is called
 * on the worker thread with the SQL text of every statement it runs
 * (%NULL stops it). */
typedef void (*XgDbTraceFunc) (const char *sql,
                               gpointer    user_data);
void        xg_db_set_trace_func (XgDb                *self,
                                  XgDbTraceFunc        func,
                                  gpointer             user_data);

G_END_DECLS
