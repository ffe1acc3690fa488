/* xg-manager.h: what every per-account manager is (core-private base)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * XgContacts and XgFriendRequests (and the conversations and groups to
 * come) are the same thing for a list view: a GListModel of objects kept
 * in one order, that a session creates for its account and drops when the
 * account goes. XgManager is that part, once:
 *
 *  - a sorted array behind GListModel, whose changes announce themselves
 *    with the smallest items-changed that says them;
 *  - "loaded": a manager shows what the account database kept first, so
 *    the pushes that arrive before that read is done wait
 *    (xg_manager_defer()) and are applied after it, in their order;
 *  - the session it serves, until it is detached (calls fail then).
 *
 * A subclass sets item_type and compare in its class_init.
 */
#pragma once

#include <gio/gio.h>

#include "xg-account-db.h"
#include "xg-types.h"

G_BEGIN_DECLS

#define XG_TYPE_MANAGER (xg_manager_get_type ())
G_DECLARE_DERIVABLE_TYPE (XgManager, xg_manager, XG, MANAGER, GObject)

struct _XgManagerClass
{
  GObjectClass parent_class;

  GType        item_type;
  /* The items' order: negative when @a goes before @b. */
  int        (*compare)  (gconstpointer  a,
                          gconstpointer  b);
  /* The session is ending; chain up. */
  void       (*detach)   (XgManager     *self);
};

/* A push to apply, given its packet's body (or NULL). */
typedef void (*XgManagerApply) (XgManager *self,
                                GVariant  *body);

void         xg_manager_attach          (XgManager      *self,
                                         XgSession      *session,
                                         XgAccountDb    *db);
void         xg_manager_detach          (XgManager      *self);
XgSession   *xg_manager_get_session     (XgManager      *self);
XgAccountDb *xg_manager_get_db          (XgManager      *self);
gboolean     xg_manager_get_loaded      (XgManager      *self);

/* FALSE, with @task failed (XG_SESSION_ERROR_NOT_LOGGED_IN), once detached. */
gboolean     xg_manager_check_attached  (XgManager      *self,
                                         GTask          *task);

/* The items, in order (transfer none; do not change it). */
GPtrArray   *xg_manager_get_items       (XgManager      *self);
guint        xg_manager_insert          (XgManager      *self,
                                         gpointer        item);
void         xg_manager_remove_at       (XgManager      *self,
                                         guint           position);
gboolean     xg_manager_remove          (XgManager      *self,
                                         gpointer        item);
/* @item's sort key changed: it moves to where it belongs now. */
void         xg_manager_reposition      (XgManager      *self,
                                         gpointer        item);

/* TRUE when @func must wait for the database: it is queued then. */
gboolean     xg_manager_defer           (XgManager      *self,
                                         XgManagerApply  func,
                                         GVariant       *body);
/* What the database kept (items, transfer full; into an empty model,
 * announced in one change), then everything that waited; then "loaded". */
void         xg_manager_set_loaded      (XgManager      *self,
                                         GPtrArray      *kept);

G_END_DECLS
