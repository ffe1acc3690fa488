/* test-pushes.c: every server-to-client packet has its place in the
 * session's push table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A new packet in packets.def that the server may push must get a handler
 * in xg-session.c (or be declared an answer only) before this passes.
 */
#include "config.h"

#include "xg-proto.h"
#include "xg-session-private.h"

static void
test_every_push_has_a_handler (void)
{
  guint checked = 0;

  for (guint i = 0; ; i++)
    {
      const XgProtoPacketInfo *info = xg_proto_packet_info_nth (i);
      XgSessionPushKind kind;

      if (info == NULL)
        break;
      if (info->direction != XG_PROTO_SERVER_TO_CLIENT)
        continue;

      kind = xg_session_push_kind (info->type);
      g_test_message ("%s: %s", info->name,
                      kind == XG_SESSION_PUSH_HANDLED ? "handled"
                      : kind == XG_SESSION_PUSH_ANSWER_ONLY ? "answer only" : "MISSING");
      if (kind == XG_SESSION_PUSH_UNKNOWN)
        g_error ("%s is not in the session's push table (src/core/xg-session.c)", info->name);
      /* A packet that answers nothing can only be a push: it needs a handler. */
      if (info->answers == NULL && kind != XG_SESSION_PUSH_HANDLED)
        g_error ("%s is only ever pushed, but has no handler", info->name);
      checked++;
    }
  g_assert_cmpuint (checked, >, 30);
}

/* Nothing a client sends is in the table: it would hide a typo. */
static void
test_no_request_in_the_table (void)
{
  for (guint i = 0; ; i++)
    {
      const XgProtoPacketInfo *info = xg_proto_packet_info_nth (i);

      if (info == NULL)
        break;
      if (info->direction == XG_PROTO_CLIENT_TO_SERVER)
        g_assert_cmpint (xg_session_push_kind (info->type), ==, XG_SESSION_PUSH_UNKNOWN);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/session/pushes/every-push-has-a-handler", test_every_push_has_a_handler);
  g_test_add_func ("/session/pushes/no-request-in-the-table", test_no_request_in_the_table);
  return g_test_run ();
}
