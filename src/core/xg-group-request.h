/* xg-group-request.h: a join request or an invitation waiting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The items of XgGroups' three waiting lists: requests to join a group the
 * account administers (incoming: the peer is the applicant), the account's
 * own requests (outgoing: the peer is the account itself), and
 * invitations to it (the peer is the inviter).
 */
#pragma once

#include <gio/gio.h>

#include "xg-types.h"

G_BEGIN_DECLS

/**
 * XgGroupRequestKind:
 * @XG_GROUP_REQUEST_INCOMING: someone asks to join a group this account
 *   owns or administers
 * @XG_GROUP_REQUEST_OUTGOING: this account asked to join
 * @XG_GROUP_REQUEST_INVITATION: a member invites this account
 */
typedef enum {
  XG_GROUP_REQUEST_INCOMING,
  XG_GROUP_REQUEST_OUTGOING,
  XG_GROUP_REQUEST_INVITATION,
} XgGroupRequestKind;

#define XG_TYPE_GROUP_REQUEST (xg_group_request_get_type ())
G_DECLARE_FINAL_TYPE (XgGroupRequest, xg_group_request, XG, GROUP_REQUEST, GObject)

/* Properties (read-only): kind (guint), group-id, group-name,
 * group-avatar (GBytes), peer-id (applicant or inviter), nickname (theirs),
 * reason (the applicant's), time (seconds since the epoch). */

XgGroupRequestKind xg_group_request_get_kind         (XgGroupRequest *self);
guint64            xg_group_request_get_group_id     (XgGroupRequest *self);
const char        *xg_group_request_get_group_name   (XgGroupRequest *self);
GBytes            *xg_group_request_get_group_avatar (XgGroupRequest *self);
guint64            xg_group_request_get_peer_id      (XgGroupRequest *self);
const char        *xg_group_request_get_nickname     (XgGroupRequest *self);
const char        *xg_group_request_get_reason       (XgGroupRequest *self);
gint64             xg_group_request_get_time         (XgGroupRequest *self);

/* For the core: @brief is a{sv} with name and avatar. */
XgGroupRequest    *xg_group_request_new              (XgGroupRequestKind  kind,
                                                      guint64             group_id,
                                                      GVariant           *brief,
                                                      guint64             peer_id,
                                                      const char         *nickname,
                                                      const char         *reason,
                                                      gint64              time);

G_END_DECLS
