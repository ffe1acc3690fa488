/* xg-server-util.h: small helpers shared by the server's parts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

GVariant *xg_server_merge_fields (GVariant   *fields,
                                  GVariant   *changes);
/* Frees a secret (password, code) after overwriting it. */
void      xg_server_wipe_string  (char       *text);
gboolean  xg_server_debug_enabled (void);

G_END_DECLS
