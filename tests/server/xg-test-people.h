/* xg-test-people.h: accounts that log in, ask and take pushes, for server tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A Person is a registered account with at most one connection; the
 * helpers assert every step, so a test reads as the flow it checks.
 */
#pragma once

#include "xg-test-harness.h"

G_BEGIN_DECLS

/* Every Person's password. */
#define XG_TEST_PASSWORD "correct horse battery"

typedef struct {
  XgTestServer *server;
  char         *email;
  char         *nickname;
  guint64       id;
  GBytes       *token;
  XgTestClient *client;     /* NULL while offline */
} Person;

void person_free (Person *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Person, person_free)

/* Accounts and their connection */
Person *person_new (XgTestServer *server, const char *nickname);
GPtrArray *person_login (Person *p);
void person_online (Person *p);
void person_offline (Person *p);
/* Requests and pushes */
XgProtoFrame *ask (Person *p, guint16 type, GVariant *body, guint16 answer);
XgProtoFrame *push (Person *p, guint16 type);
void nothing_for (Person *p);
guint32 error_code (XgProtoFrame *frame, guint16 request_type);
void refused (Person *p, guint16 type, GVariant *body, guint32 code);
/* Frames */
guint count_type (GPtrArray *frames, guint16 type);
XgProtoFrame *find_type (GPtrArray *frames, guint16 type);
GPtrArray *without_presence (GPtrArray *frames);
guint list_length (XgProtoFrame *list);
gboolean list_entry (XgProtoFrame *list, guint64 id, char **remark, char **nickname, gboolean *online);
void assert_friend (XgProtoFrame *list, Person *friend_, const char *remark, gboolean online);
void assert_accepted (XgProtoFrame *frame, Person *accepter, Person *requester, Person *friend_);
void take_presence (Person *p, Person *who, gboolean online);
/* Friends */
void send_request (Person *from, Person *to, const char *greeting);
void take_incoming (Person *to, Person *from, const char *greeting);
void befriend (Person *a, Person *b);
void assert_sync_types (GPtrArray *sync, const guint16 *types, guint n_types);
/* Messages */
guint64 random_id (void);
GBytes *text (const char *s);
guint64 take_sent_ack (Person *from, XgProtoFrame *ack, guint64 client_msg_id, gint64 *server_time);

typedef struct {
  guint    kind;           /* 0: one-to-one, 1: group */
  guint64  seq;
  guint64  client_msg_id;
  guint64  sender_id;
  guint64  conversation;   /* the group, or (one-to-one) the receiver */
  guint32  msg_type;
  GBytes  *payload;
  gint64   server_time;
} Delivered;

void delivered_clear (Delivered *d);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Delivered, delivered_clear)
void read_delivered (XgProtoFrame *frame, Delivered *d);
void acknowledge (Person *p, guint kind, guint64 id, guint64 seq);

G_END_DECLS
