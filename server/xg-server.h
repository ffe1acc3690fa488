/* xg-server.h: the Xinge server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "xg-server-config.h"

G_BEGIN_DECLS

#define XG_TYPE_SERVER (xg_server_get_type ())
G_DECLARE_FINAL_TYPE (XgServer, xg_server, XG, SERVER, GObject)

XgServer   *xg_server_new             (XgServerConfig       *config,
                                       const char           *data_dir,
                                       gboolean              plain,
                                       GError              **error);
gboolean    xg_server_listen          (XgServer             *self,
                                       const char           *address,
                                       char                **bound_address,
                                       GError              **error);
const char *xg_server_get_fingerprint (XgServer             *self);
const char *xg_server_describe_mail   (XgServer             *self);
guint       xg_server_get_n_connections (XgServer           *self);
void        xg_server_shutdown_async  (XgServer             *self,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
gboolean    xg_server_shutdown_finish (XgServer             *self,
                                       GAsyncResult         *result,
                                       GError              **error);

G_END_DECLS
