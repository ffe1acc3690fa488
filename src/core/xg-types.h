/* xg-types.h: the client core's types, declared once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Headers include this instead of each other, so no two of them depend
 * on each other's order.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _XgAccountDb       XgAccountDb;
typedef struct _XgChatMessages    XgChatMessages;
typedef struct _XgContact         XgContact;
typedef struct _XgContacts        XgContacts;
typedef struct _XgConversation    XgConversation;
typedef struct _XgConversations   XgConversations;
typedef struct _XgDb              XgDb;
typedef struct _XgDeviceDb        XgDeviceDb;
typedef struct _XgFriendRequest   XgFriendRequest;
typedef struct _XgFriendRequests  XgFriendRequests;
typedef struct _XgGroup           XgGroup;
typedef struct _XgGroupMember     XgGroupMember;
typedef struct _XgGroupMembers    XgGroupMembers;
typedef struct _XgGroupRequest    XgGroupRequest;
typedef struct _XgGroups          XgGroups;
typedef struct _XgLink            XgLink;
typedef struct _XgMessage         XgMessage;
typedef struct _XgProfile         XgProfile;
typedef struct _XgSavedLogin      XgSavedLogin;
typedef struct _XgSession         XgSession;

G_END_DECLS
