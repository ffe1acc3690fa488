/* xg-server-router.h: who is online, presence, and every push to another connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "xg-server-private.h"

G_BEGIN_DECLS

typedef struct _XgServerRouter XgServerRouter;

XgServerRouter     *xg_server_router_new             (void);
void                xg_server_router_free            (XgServerRouter     *self);

void                xg_server_router_set_online      (XgServerRouter     *self,
                                                      XgServerConnection *conn,
                                                      guint64             account_id);
void                xg_server_router_set_offline     (XgServerRouter     *self,
                                                      XgServerConnection *conn);
XgServerConnection *xg_server_router_lookup          (XgServerRouter     *self,
                                                      guint64             account_id);
gboolean            xg_server_router_is_present      (XgServerRouter     *self,
                                                      guint64             account_id);
guint               xg_server_router_get_n_online    (XgServerRouter     *self);
gboolean            xg_server_router_force_out       (XgServerRouter     *self,
                                                      guint64             account_id,
                                                      XgServerConnection *except,
                                                      XgProtoForcedLogout reason,
                                                      const char         *message);

gboolean            xg_server_router_announce        (XgServerRouter     *self,
                                                      XgServerConnection *conn,
                                                      const guint64      *friend_ids,
                                                      guint               n_friends);
void                xg_server_router_befriend        (XgServerRouter     *self,
                                                      guint64             a,
                                                      guint64             b);
void                xg_server_router_unfriend        (XgServerRouter     *self,
                                                      guint64             a,
                                                      guint64             b);
gboolean            xg_server_router_knows_friend    (XgServerRouter     *self,
                                                      guint64             account_id,
                                                      guint64             other_id);

gboolean            xg_server_router_push            (XgServerRouter     *self,
                                                      guint64             account_id,
                                                      guint16             type,
                                                      GVariant           *body);
guint               xg_server_router_push_many       (XgServerRouter     *self,
                                                      const guint64      *account_ids,
                                                      guint               n_accounts,
                                                      guint16             type,
                                                      GVariant           *body);
gboolean            xg_server_router_push_frame      (XgServerRouter     *self,
                                                      guint64             account_id,
                                                      GBytes             *frame);
guint               xg_server_router_deliver_many    (XgServerRouter     *self,
                                                      const guint64      *account_ids,
                                                      guint               n_accounts,
                                                      guint64             except_id,
                                                      GBytes             *frame);
guint               xg_server_router_push_to_friends (XgServerRouter     *self,
                                                      guint64             account_id,
                                                      guint16             type,
                                                      GVariant           *body);

G_END_DECLS
