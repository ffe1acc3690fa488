/* xg-preferences-window.h: the app's settings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define XG_TYPE_PREFERENCES_WINDOW (xg_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (XgPreferencesWindow, xg_preferences_window, XG, PREFERENCES_WINDOW, AdwPreferencesWindow)

XgPreferencesWindow *xg_preferences_window_new (GSettings *settings);

G_END_DECLS
