/* xg-server-store.h: what the server keeps on disk, behind one worker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * XgServerStore is the extension point for storage backends (SQLite today,
 * PostgreSQL later). The base class owns the threading and knows nothing of
 * any domain: an operation is a closure { run, data, free } queued to one
 * worker thread, which runs whatever is queued as one batch in one
 * transaction (group commit: many operations, one fsync), each in its own
 * savepoint, and completes the callers' GTasks only after the commit is
 * durable (see the class's sync method: the fsync of one batch can run
 * while the next batch executes). Message operations (queued with
 * XG_SERVER_STORE_OP_MESSAGE) run without a savepoint, and a backend may
 * defer part of their writes (see the class's flush method).
 *
 * The operations themselves are grouped by domain, one GInterface each,
 * which a backend implements with synchronous methods that only ever run
 * on the worker thread: xg-server-store-accounts.h (accounts, codes,
 * registration, tokens, profiles), xg-server-store-social.h (friends) and
 * xg-server-store-messages.h (conversations, messages, cursors).
 * Each domain header also has the public _async/_finish wrappers that build
 * the closures.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define XG_SERVER_STORE_ERROR (xg_server_store_error_quark ())
GQuark xg_server_store_error_quark (void);

typedef enum {
  XG_SERVER_STORE_ERROR_FAILED,
  XG_SERVER_STORE_ERROR_CORRUPT,
  XG_SERVER_STORE_ERROR_TOO_NEW,    /* written by a newer server */
  XG_SERVER_STORE_ERROR_CLOSED,
} XgServerStoreError;

#define XG_TYPE_SERVER_STORE (xg_server_store_get_type ())
G_DECLARE_DERIVABLE_TYPE (XgServerStore, xg_server_store, XG, SERVER_STORE, GObject)

struct _XgServerStoreClass
{
  GObjectClass parent_class;

  /* Transactions, on the worker thread. */
  gboolean (*begin)     (XgServerStore  *self,
                         GError        **error);
  gboolean (*commit)    (XgServerStore  *self,
                         GError        **error);
  void     (*rollback)  (XgServerStore  *self);
  gboolean (*savepoint) (XgServerStore  *self,
                         GError        **error);
  void     (*release)   (XgServerStore  *self,
                         gboolean        keep);
  void     (*close)     (XgServerStore  *self);

  /* Optional: a backend whose commit is not durable by itself makes every
   * transaction committed so far durable here. It runs on a thread of its
   * own, while the worker runs the next batch, so it must not touch the
   * worker's connection. A batch's callers hear back only after a sync
   * that began after its commit. Without it, a commit is durable. */
  gboolean (*sync)      (XgServerStore  *self,
                         GError        **error);

  /* Optional, on the worker thread: writes what the message operations
   * of this transaction left in the backend's memory to the database.
   * Called before every operation that is not a message operation (so
   * that it reads and writes what they stored) and before the commit;
   * when it fails, the whole transaction is rolled back. */
  gboolean (*flush)     (XgServerStore  *self,
                         GError        **error);

  /* Optional, with sync: whether the transaction just committed changed
   * anything. One that did not is not synced. Without it, every one is. */
  gboolean (*changed)   (XgServerStore  *self);

  gpointer padding[5];
};

/**
 * XgServerStoreRun:
 * @store: the store
 * @data: the operation's arguments, and where it leaves its results
 * @error: set when it fails
 *
 * One operation, run on the worker thread inside its own savepoint (a
 * message operation without one: see XgServerStoreOpFlags).
 * Returns %FALSE with @error set to roll its savepoint back and fail the
 * caller's task; the rest of the batch is not affected.
 */
typedef gboolean (*XgServerStoreRun) (XgServerStore  *store,
                                      gpointer        data,
                                      GError        **error);

/**
 * XgServerStoreOpFlags:
 * @XG_SERVER_STORE_OP_NONE: an operation in its own savepoint
 * @XG_SERVER_STORE_OP_MESSAGE: a message operation (send, group send,
 *   receive): runs without a savepoint, so when it fails it must leave the
 *   database and the backend's memory as it found them (one write, or a
 *   savepoint of its own); the backend may keep some of its writes in
 *   memory until the next flush.
 */
typedef enum {
  XG_SERVER_STORE_OP_NONE    = 0,
  XG_SERVER_STORE_OP_MESSAGE = 1 << 0,
} XgServerStoreOpFlags;

/* Starts the worker thread; call once the backend is open. */
void     xg_server_store_start     (XgServerStore        *self);
/* Finishes everything queued, stops the worker and closes the backend. */
void     xg_server_store_stop      (XgServerStore        *self);

void     xg_server_store_queue     (XgServerStore        *self,
                                    XgServerStoreRun      run,
                                    gpointer              data,
                                    GDestroyNotify        data_free,
                                    gpointer              source_tag,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
void     xg_server_store_queue_full (XgServerStore       *self,
                                     XgServerStoreOpFlags  flags,
                                     XgServerStoreRun      run,
                                     gpointer              data,
                                     GDestroyNotify        data_free,
                                     gpointer              source_tag,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
gpointer xg_server_store_finish_op (XgServerStore        *self,
                                    GAsyncResult         *result,
                                    gpointer              source_tag,
                                    GError              **error);
/* On the worker thread: an operation, or one part of the running one. */
gboolean xg_server_store_run_part  (XgServerStore        *self,
                                    XgServerStoreRun      run,
                                    gpointer              data,
                                    GError              **error);

G_END_DECLS
