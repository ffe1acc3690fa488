/* xg-server-clock.h: the wall clock every time-based rule reads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _XgServerClock XgServerClock;

XgServerClock *xg_server_clock_new           (void);
void           xg_server_clock_free          (XgServerClock *self);
gboolean       xg_server_clock_is_adjustable (XgServerClock *self);
gboolean       xg_server_clock_reload        (XgServerClock *self);
gint64         xg_server_clock_seconds       (XgServerClock *self);
gint64         xg_server_clock_microseconds  (XgServerClock *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgServerClock, xg_server_clock_free)

G_END_DECLS
