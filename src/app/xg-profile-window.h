/* xg-profile-window.h: see and edit the logged-in account's profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

/* Pictures are scaled down to fit this square before they are encoded. */
#define XG_PROFILE_AVATAR_MAX_SIZE 256

#define XG_TYPE_PROFILE_WINDOW (xg_profile_window_get_type ())
G_DECLARE_FINAL_TYPE (XgProfileWindow, xg_profile_window, XG, PROFILE_WINDOW, AdwWindow)

XgProfileWindow *xg_profile_window_new         (XgSession       *session);
XgSession       *xg_profile_window_get_session (XgProfileWindow *self);
/* What the file chooser does with the chosen file: scales it down to
 * 256×256 at most, encodes it as PNG and shows it (not saved yet). */
void             xg_profile_window_load_avatar (XgProfileWindow *self,
                                                GFile           *file);
/* The profile changes the form holds, as PROFILE_UPDATE's a{sv}; NULL
 * when there are none. */
GVariant        *xg_profile_window_dup_changes (XgProfileWindow *self);

/* A picture file as a PNG of at most 256×256 (for an avatar), read and
 * scaled in a worker thread. */
void       xg_load_avatar_png_async  (GFile               *file,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GBytes    *xg_load_avatar_png_finish (GAsyncResult        *result,
                                      GError             **error);

G_END_DECLS
