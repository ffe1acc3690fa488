/* xg-server-mail.h: mail delivery (development outbox or SMTP through libcurl)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define XG_TYPE_SERVER_MAILER (xg_server_mailer_get_type ())
G_DECLARE_FINAL_TYPE (XgServerMailer, xg_server_mailer, XG, SERVER_MAILER, GObject)

XgServerMailer *xg_server_mailer_new_outbox  (const char           *outbox_dir);
XgServerMailer *xg_server_mailer_new_smtp    (const char           *url,
                                              gboolean              starttls,
                                              const char           *username,
                                              const char           *password,
                                              const char           *from,
                                              const char           *ca_file);

const char     *xg_server_mailer_describe    (XgServerMailer       *self);

void            xg_server_mailer_send_async  (XgServerMailer       *self,
                                              const char           *to,
                                              const char           *subject,
                                              const char           *text_body,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean        xg_server_mailer_send_finish (XgServerMailer       *self,
                                              GAsyncResult         *result,
                                              GError              **error);

G_END_DECLS
