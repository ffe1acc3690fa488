/* xg-manager.c: what every per-account manager is (core-private base)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-manager.h"
#include "xg-session.h"

typedef struct
{
  XgSession   *session;     /* not owned: the session owns the manager; NULL once detached */
  XgAccountDb *db;
  GPtrArray   *items;       /* sorted by the class's compare */
  gboolean     loaded;
  GQueue       deferred;    /* Deferred: pushes that came before the database was read */
} XgManagerPrivate;

static void xg_manager_list_model_init (GListModelInterface *iface);

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (XgManager, xg_manager, G_TYPE_OBJECT,
                                  G_ADD_PRIVATE (XgManager)
                                  G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, xg_manager_list_model_init))

enum {
  PROP_0,
  PROP_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct {
  XgManagerApply  func;
  GVariant       *body;   /* nullable */
} Deferred;

static void
deferred_free (Deferred *deferred)
{
  g_clear_pointer (&deferred->body, g_variant_unref);
  g_free (deferred);
}

/* --- GListModel ------------------------------------------------------------ */

static GType
xg_manager_get_item_type (GListModel *model)
{
  return XG_MANAGER_GET_CLASS (model)->item_type;
}

static guint
xg_manager_get_n_items (GListModel *model)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (XG_MANAGER (model));

  return priv->items->len;
}

static gpointer
xg_manager_get_item (GListModel *model,
                     guint       position)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (XG_MANAGER (model));

  if (position >= priv->items->len)
    return NULL;
  return g_object_ref (priv->items->pdata[position]);
}

static void
xg_manager_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = xg_manager_get_item_type;
  iface->get_n_items = xg_manager_get_n_items;
  iface->get_item = xg_manager_get_item;
}

/* --- The sorted array -------------------------------------------------------- */

static int
compare (XgManager     *self,
         gconstpointer  a,
         gconstpointer  b)
{
  return XG_MANAGER_GET_CLASS (self)->compare (a, b);
}

/* Where @item goes among the others (it is not among them). */
static guint
sorted_position (XgManager *self,
                 gpointer   item)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);
  guint low = 0, high = priv->items->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;

      if (compare (self, priv->items->pdata[middle], item) < 0)
        low = middle + 1;
      else
        high = middle;
    }
  return low;
}

GPtrArray *
xg_manager_get_items (XgManager *self)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);

  return priv->items;
}

/* Adds @item where it sorts; returns its position. */
guint
xg_manager_insert (XgManager *self,
                   gpointer   item)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);
  guint position = sorted_position (self, item);

  g_ptr_array_insert (priv->items, position, g_object_ref (item));
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
  return position;
}

void
xg_manager_remove_at (XgManager *self,
                      guint      position)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);

  g_return_if_fail (position < priv->items->len);
  g_ptr_array_remove_index (priv->items, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

gboolean
xg_manager_remove (XgManager *self,
                   gpointer   item)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);
  guint position;

  if (!g_ptr_array_find (priv->items, item, &position))
    return FALSE;
  xg_manager_remove_at (self, position);
  return TRUE;
}

void
xg_manager_reposition (XgManager *self,
                       gpointer   item)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);
  guint n = priv->items->len;
  guint position, target;
  gpointer held;

  if (!g_ptr_array_find (priv->items, item, &position))
    return;
  if ((position == 0 || compare (self, priv->items->pdata[position - 1], item) < 0) &&
      (position + 1 == n || compare (self, item, priv->items->pdata[position + 1]) < 0))
    return;

  held = g_ptr_array_steal_index (priv->items, position);
  target = sorted_position (self, held);
  g_ptr_array_insert (priv->items, target, held);
  if (target != position)
    {
      /* One change that covers both places. */
      guint first = MIN (position, target);
      guint count = MAX (position, target) - first + 1;

      g_list_model_items_changed (G_LIST_MODEL (self), first, count, count);
    }
}

/* --- Loading ----------------------------------------------------------------- */

gboolean
xg_manager_defer (XgManager      *self,
                  XgManagerApply  func,
                  GVariant       *body)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);
  Deferred *deferred;

  if (priv->loaded)
    return FALSE;
  deferred = g_new0 (Deferred, 1);
  deferred->func = func;
  deferred->body = body ? g_variant_ref (body) : NULL;
  g_queue_push_tail (&priv->deferred, deferred);
  return TRUE;
}

/* For g_ptr_array_sort(), which passes pointers to the elements. */
static int
compare_indirect (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  return compare (user_data, *(gconstpointer *) a, *(gconstpointer *) b);
}

void
xg_manager_set_loaded (XgManager *self,
                       GPtrArray *kept)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);
  Deferred *deferred;

  g_return_if_fail (!priv->loaded);
  g_return_if_fail (priv->items->len == 0);

  if (kept != NULL && kept->len > 0)
    {
      /* The model is empty until now: one change shows them all. */
      for (guint i = 0; i < kept->len; i++)
        g_ptr_array_add (priv->items, g_object_ref (kept->pdata[i]));
      g_ptr_array_sort_with_data (priv->items, compare_indirect, self);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, priv->items->len);
    }

  /* What waited is applied before anyone hears the model is loaded, so
   * that "loaded" means it shows everything received so far. */
  priv->loaded = TRUE;
  while ((deferred = g_queue_pop_head (&priv->deferred)) != NULL)
    {
      deferred->func (self, deferred->body);
      deferred_free (deferred);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

gboolean
xg_manager_get_loaded (XgManager *self)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);

  g_return_val_if_fail (XG_IS_MANAGER (self), FALSE);
  return priv->loaded;
}

/* --- The session --------------------------------------------------------------- */

void
xg_manager_attach (XgManager   *self,
                   XgSession   *session,
                   XgAccountDb *db)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);

  g_return_if_fail (priv->db == NULL);
  priv->session = session;
  priv->db = g_object_ref (db);
}

XgSession *
xg_manager_get_session (XgManager *self)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);

  return priv->session;
}

XgAccountDb *
xg_manager_get_db (XgManager *self)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);

  return priv->db;
}

static void
real_detach (XgManager *self)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);

  priv->session = NULL;
  g_queue_clear_full (&priv->deferred, (GDestroyNotify) deferred_free);
}

void
xg_manager_detach (XgManager *self)
{
  g_return_if_fail (XG_IS_MANAGER (self));
  XG_MANAGER_GET_CLASS (self)->detach (self);
}

gboolean
xg_manager_check_attached (XgManager *self,
                           GTask     *task)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);

  if (priv->session != NULL)
    return TRUE;
  g_task_return_new_error (task, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_LOGGED_IN,
                           "The session has ended");
  g_object_unref (task);
  return FALSE;
}

/* --- The object ------------------------------------------------------------------ */

static void
xg_manager_dispose (GObject *object)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (XG_MANAGER (object));

  g_queue_clear_full (&priv->deferred, (GDestroyNotify) deferred_free);

  G_OBJECT_CLASS (xg_manager_parent_class)->dispose (object);
}

static void
xg_manager_finalize (GObject *object)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (XG_MANAGER (object));

  g_ptr_array_unref (priv->items);
  g_clear_object (&priv->db);

  G_OBJECT_CLASS (xg_manager_parent_class)->finalize (object);
}

static void
xg_manager_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_LOADED: g_value_set_boolean (value, xg_manager_get_loaded (XG_MANAGER (object))); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_manager_class_init (XgManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = xg_manager_dispose;
  object_class->finalize = xg_manager_finalize;
  object_class->get_property = xg_manager_get_property;
  klass->detach = real_detach;

  /**
   * XgManager:loaded:
   *
   * What the account database kept is shown, with every push received
   * so far.
   */
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
xg_manager_init (XgManager *self)
{
  XgManagerPrivate *priv = xg_manager_get_instance_private (self);

  priv->items = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&priv->deferred);
}
