/* xg-weak-ref.h: callbacks that must not keep their object alive (core-private)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * I/O and database reads in flight hold a weak reference as their user
 * data: when the owner drops the object, dispose runs (and closes what it
 * must) at once, and the late callback finds nobody.
 *
 *   start_something (…, callback, xg_weak_ref_new (self));
 *   …
 *   g_autoptr(XgFoo) self = xg_weak_ref_take (user_data);
 *   if (self == NULL)
 *     return;
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

static inline gpointer
xg_weak_ref_new (gpointer object)
{
  GWeakRef *ref = g_new (GWeakRef, 1);

  g_weak_ref_init (ref, object);
  return ref;
}

/* Frees the reference; returns a strong one to its object, or NULL if the
 * object is gone. */
static inline gpointer
xg_weak_ref_take (gpointer ref)
{
  GWeakRef *weak = ref;
  gpointer object = g_weak_ref_get (weak);

  g_weak_ref_clear (weak);
  g_free (weak);
  return object;
}

G_END_DECLS
