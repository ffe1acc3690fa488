/* xg-test-packets.c: every packet's typed API, driven from a table of slots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "xg-proto.h"
#include "xg-test-packets.h"

/* The C type gen-packets.py gives a field: y b q u x t s ay are passed as
 * themselves, everything else as a GVariant. */
XgTestSlotKind
xg_test_slot_kind (const GVariantType *type)
{
  if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTESTRING))
    return XG_TEST_SLOT_AY;
  if (g_variant_type_get_string_length (type) != 1)
    return XG_TEST_SLOT_VARIANT;

  switch (g_variant_type_peek_string (type)[0])
    {
    case 'y': return XG_TEST_SLOT_Y;
    case 'b': return XG_TEST_SLOT_B;
    case 'q': return XG_TEST_SLOT_Q;
    case 'u': return XG_TEST_SLOT_U;
    case 'x': return XG_TEST_SLOT_X;
    case 't': return XG_TEST_SLOT_T;
    case 's': return XG_TEST_SLOT_S;
    default: return XG_TEST_SLOT_VARIANT;
    }
}

/**
 * xg_test_slots_from_variant:
 * @tuple: a body
 * @slots: (out caller-allocates): one slot per field
 *
 * Splits @tuple into the arguments of its typed constructor. Strings are
 * borrowed from @tuple; bytes and containers are new references, released
 * by xg_test_slots_clear().
 *
 * Returns: the number of fields
 */
guint
xg_test_slots_from_variant (GVariant   *tuple,
                            XgTestSlot *slots)
{
  gsize n = g_variant_n_children (tuple);

  g_assert (n <= XG_TEST_MAX_FIELDS);
  memset (slots, 0, sizeof (XgTestSlot) * XG_TEST_MAX_FIELDS);

  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (tuple, i);

      switch (xg_test_slot_kind (g_variant_get_type (child)))
        {
        case XG_TEST_SLOT_Y: slots[i].y = g_variant_get_byte (child); break;
        case XG_TEST_SLOT_B: slots[i].b = g_variant_get_boolean (child); break;
        case XG_TEST_SLOT_Q: slots[i].q = g_variant_get_uint16 (child); break;
        case XG_TEST_SLOT_U: slots[i].u = g_variant_get_uint32 (child); break;
        case XG_TEST_SLOT_X: slots[i].x = g_variant_get_int64 (child); break;
        case XG_TEST_SLOT_T: slots[i].t = g_variant_get_uint64 (child); break;
        case XG_TEST_SLOT_S: slots[i].s = g_variant_get_string (child, NULL); break;
        case XG_TEST_SLOT_AY: slots[i].ay = g_variant_get_data_as_bytes (child); break;
        case XG_TEST_SLOT_VARIANT: slots[i].v = g_steal_pointer (&child); break;
        default: g_assert_not_reached ();
        }
    }

  return n;
}

/* Releases what xg_test_slots_from_variant() or xg_test_packet_get() left
 * in @slots for a body of @signature. */
void
xg_test_slots_clear (const char *signature,
                     XgTestSlot *slots)
{
  const GVariantType *item;
  guint i = 0;

  for (item = g_variant_type_first (G_VARIANT_TYPE (signature));
       item != NULL;
       item = g_variant_type_next (item), i++)
    {
      switch (xg_test_slot_kind (item))
        {
        case XG_TEST_SLOT_AY:
          g_clear_pointer (&slots[i].ay, g_bytes_unref);
          break;
        case XG_TEST_SLOT_VARIANT:
          g_clear_pointer (&slots[i].v, g_variant_unref);
          break;
        case XG_TEST_SLOT_Y:
        case XG_TEST_SLOT_B:
        case XG_TEST_SLOT_Q:
        case XG_TEST_SLOT_U:
        case XG_TEST_SLOT_X:
        case XG_TEST_SLOT_T:
        case XG_TEST_SLOT_S:
        default:
          break;
        }
    }
}

/**
 * xg_test_packet_new:
 * @type: a packet type
 * @a: the arguments, one slot per field (see xg_test_slots_from_variant())
 *
 * Builds a body with the packet's generated constructor.
 *
 * Returns: (transfer floating) (nullable): the body, or %NULL when @type has
 *   no case here
 */
GVariant *
xg_test_packet_new (guint16           type,
                    const XgTestSlot *a)
{
  switch (type)
    {
    case XG_PACKET_HELLO:
      return xg_proto_hello_new (a[0].u, a[1].s, a[2].s);
    case XG_PACKET_WELCOME:
      return xg_proto_welcome_new (a[0].u, a[1].s, a[2].u, a[3].u, a[4].u, a[5].b);
    case XG_PACKET_ERROR:
      return xg_proto_error_new (a[0].q, a[1].u, a[2].s);
    case XG_PACKET_HEARTBEAT:
      return xg_proto_heartbeat_new (a[0].x);
    case XG_PACKET_HEARTBEAT_ACK:
      return xg_proto_heartbeat_ack_new (a[0].x);
    case XG_PACKET_LOGIN:
      return xg_proto_login_new (a[0].s, a[1].s, a[2].s);
    case XG_PACKET_LOGIN_OK:
      return xg_proto_login_ok_new (a[0].t, a[1].ay, a[2].x);
    case XG_PACKET_LOGIN_FAIL:
      return xg_proto_login_fail_new (a[0].u, a[1].u, a[2].s);
    case XG_PACKET_TOKEN_LOGIN:
      return xg_proto_token_login_new (a[0].t, a[1].ay);
    case XG_PACKET_REGISTER_CODE_REQUEST:
      return xg_proto_register_code_request_new (a[0].s);
    case XG_PACKET_EMAIL_TAKEN:
      return xg_proto_email_taken_new (a[0].s);
    case XG_PACKET_CODE_SENT:
      return xg_proto_code_sent_new (a[0].s, a[1].u, a[2].u);
    case XG_PACKET_REGISTER:
      return xg_proto_register_new (a[0].s, a[1].s, a[2].s, a[3].s);
    case XG_PACKET_CODE_INCORRECT:
      return xg_proto_code_incorrect_new (a[0].u);
    case XG_PACKET_REGISTER_OK:
      return xg_proto_register_ok_new (a[0].t);
    case XG_PACKET_REGISTER_FAIL:
      return xg_proto_register_fail_new (a[0].u, a[1].u, a[2].s);
    case XG_PACKET_FORCED_LOGOUT:
      return xg_proto_forced_logout_new (a[0].u, a[1].s);
    case XG_PACKET_LOGOUT:
      return xg_proto_logout_new ();
    case XG_PACKET_LOGOUT_OK:
      return xg_proto_logout_ok_new ();
    case XG_PACKET_SYNC_DONE:
      return xg_proto_sync_done_new ();
    case XG_PACKET_PASSWORD_RESET_REQUEST:
      return xg_proto_password_reset_request_new (a[0].s);
    case XG_PACKET_ACCOUNT_CODE_SENT:
      return xg_proto_account_code_sent_new (a[0].s, a[1].u, a[2].u);
    case XG_PACKET_PASSWORD_RESET:
      return xg_proto_password_reset_new (a[0].s, a[1].s, a[2].s);
    case XG_PACKET_PASSWORD_RESET_OK:
      return xg_proto_password_reset_ok_new ();
    case XG_PACKET_PASSWORD_CHANGE:
      return xg_proto_password_change_new (a[0].s, a[1].s);
    case XG_PACKET_PASSWORD_CHANGE_OK:
      return xg_proto_password_change_ok_new (a[0].ay, a[1].x);
    case XG_PACKET_EMAIL_CHANGE_REQUEST:
      return xg_proto_email_change_request_new (a[0].s, a[1].s);
    case XG_PACKET_EMAIL_CHANGE_CONFIRM:
      return xg_proto_email_change_confirm_new (a[0].s, a[1].s);
    case XG_PACKET_EMAIL_CHANGED:
      return xg_proto_email_changed_new (a[0].s);
    case XG_PACKET_ACCOUNT_DELETE:
      return xg_proto_account_delete_new (a[0].s, a[1].s);
    case XG_PACKET_ACCOUNT_DELETED:
      return xg_proto_account_deleted_new (a[0].t);
    case XG_PACKET_ACCOUNT_CODE_INCORRECT:
      return xg_proto_account_code_incorrect_new (a[0].u);
    case XG_PACKET_ACCOUNT_FAIL:
      return xg_proto_account_fail_new (a[0].u, a[1].u, a[2].s);
    case XG_PACKET_PROFILE:
      return xg_proto_profile_new (a[0].t, a[1].s, a[2].s, a[3].v);
    case XG_PACKET_PROFILE_UPDATE:
      return xg_proto_profile_update_new (a[0].v);
    case XG_PACKET_USER_INFO_REQUEST:
      return xg_proto_user_info_request_new (a[0].t);
    case XG_PACKET_USER_INFO:
      return xg_proto_user_info_new (a[0].t, a[1].s, a[2].v);
    case XG_PACKET_FRIEND_LIST:
      return xg_proto_friend_list_new (a[0].v);
    case XG_PACKET_EMAIL_LOOKUP:
      return xg_proto_email_lookup_new (a[0].s);
    case XG_PACKET_EMAIL_RESULT:
      return xg_proto_email_result_new (a[0].s, a[1].t);
    case XG_PACKET_USER_NOT_FOUND:
      return xg_proto_user_not_found_new (a[0].t, a[1].s);
    case XG_PACKET_FRIEND_REQUEST:
      return xg_proto_friend_request_new (a[0].t, a[1].t, a[2].s);
    case XG_PACKET_FRIEND_REQUEST_SENT:
      return xg_proto_friend_request_sent_new (a[0].t, a[1].t);
    case XG_PACKET_FRIEND_REQUEST_INCOMING:
      return xg_proto_friend_request_incoming_new (a[0].t, a[1].t, a[2].s, a[3].s, a[4].x);
    case XG_PACKET_FRIEND_REQUEST_REJECTED:
      return xg_proto_friend_request_rejected_new (a[0].t, a[1].t, a[2].s);
    case XG_PACKET_FRIEND_REQUEST_ACCEPTED:
      return xg_proto_friend_request_accepted_new (a[0].t, a[1].t, a[2].v);
    case XG_PACKET_FRIEND_ACCEPT:
      return xg_proto_friend_accept_new (a[0].t, a[1].t);
    case XG_PACKET_FRIEND_REJECT:
      return xg_proto_friend_reject_new (a[0].t, a[1].t, a[2].s);
    case XG_PACKET_FRIEND_REQUEST_TIMEOUT:
      return xg_proto_friend_request_timeout_new (a[0].t, a[1].t);
    case XG_PACKET_FRIEND_REMARK:
      return xg_proto_friend_remark_new (a[0].t, a[1].t, a[2].s);
    case XG_PACKET_FRIEND_REQUEST_OUTGOING:
      return xg_proto_friend_request_outgoing_new (a[0].t, a[1].t, a[2].s, a[3].s, a[4].x);
    case XG_PACKET_FRIEND_REMARK_OK:
      return xg_proto_friend_remark_ok_new (a[0].t, a[1].t);
    case XG_PACKET_FRIEND_REMOVE:
      return xg_proto_friend_remove_new (a[0].t, a[1].t);
    case XG_PACKET_FRIEND_REMOVED:
      return xg_proto_friend_removed_new (a[0].t, a[1].t);
    case XG_PACKET_PRESENCE:
      return xg_proto_presence_new (a[0].t, a[1].b);
    case XG_PACKET_GROUP_CREATE:
      return xg_proto_group_create_new (a[0].v);
    case XG_PACKET_GROUP_CREATE_OK:
      return xg_proto_group_create_ok_new (a[0].t, a[1].v);
    case XG_PACKET_GROUP_CREATE_FAIL:
      return xg_proto_group_create_fail_new (a[0].u, a[1].s);
    case XG_PACKET_GROUP_JOIN_REQUEST:
      return xg_proto_group_join_request_new (a[0].t, a[1].t, a[2].s);
    case XG_PACKET_GROUP_JOIN_REQUEST_SENT:
      return xg_proto_group_join_request_sent_new (a[0].t);
    case XG_PACKET_GROUP_JOIN_REQUEST_INCOMING:
      return xg_proto_group_join_request_incoming_new (a[0].t, a[1].t, a[2].v, a[3].s,
                                                       a[4].s);
    case XG_PACKET_GROUP_JOIN_APPROVE:
      return xg_proto_group_join_approve_new (a[0].t, a[1].t);
    case XG_PACKET_GROUP_JOIN_REJECT:
      return xg_proto_group_join_reject_new (a[0].t, a[1].t, a[2].s);
    case XG_PACKET_GROUP_JOIN_APPROVED:
      return xg_proto_group_join_approved_new (a[0].t, a[1].t, a[2].v);
    case XG_PACKET_GROUP_JOIN_REJECTED:
      return xg_proto_group_join_rejected_new (a[0].t, a[1].t, a[2].s);
    case XG_PACKET_GROUP_JOIN_TIMEOUT:
      return xg_proto_group_join_timeout_new (a[0].t, a[1].t);
    case XG_PACKET_GROUP_LOOKUP:
      return xg_proto_group_lookup_new (a[0].t);
    case XG_PACKET_GROUP_BRIEF:
      return xg_proto_group_brief_new (a[0].t, a[1].v, a[2].u, a[3].y);
    case XG_PACKET_GROUP_JOIN_DECIDED:
      return xg_proto_group_join_decided_new (a[0].t, a[1].t, a[2].b, a[3].t);
    case XG_PACKET_GROUP_JOIN_REQUEST_OUTGOING:
      return xg_proto_group_join_request_outgoing_new (a[0].t, a[1].t, a[2].v, a[3].s, a[4].x);
    case XG_PACKET_GROUP_LIST:
      return xg_proto_group_list_new (a[0].v);
    case XG_PACKET_GROUP_INFO_REQUEST:
      return xg_proto_group_info_request_new (a[0].t);
    case XG_PACKET_GROUP_INFO:
      return xg_proto_group_info_new (a[0].t, a[1].v, a[2].u, a[3].t, a[4].u, a[5].y);
    case XG_PACKET_GROUP_MEMBERS_REQUEST:
      return xg_proto_group_members_request_new (a[0].t);
    case XG_PACKET_GROUP_MEMBERS:
      return xg_proto_group_members_new (a[0].t, a[1].v);
    case XG_PACKET_GROUP_MEMBER_EVENT:
      return xg_proto_group_member_event_new (a[0].t, a[1].t, a[2].y, a[3].y, a[4].s, a[5].t, a[6].u);
    case XG_PACKET_GROUP_REMOVED:
      return xg_proto_group_removed_new (a[0].t, a[1].y, a[2].t);
    case XG_PACKET_GROUP_DONE:
      return xg_proto_group_done_new (a[0].t);
    case XG_PACKET_GROUP_LEAVE:
      return xg_proto_group_leave_new (a[0].t);
    case XG_PACKET_GROUP_MEMBER_REMOVE:
      return xg_proto_group_member_remove_new (a[0].t, a[1].t);
    case XG_PACKET_GROUP_ROLE_SET:
      return xg_proto_group_role_set_new (a[0].t, a[1].t, a[2].y);
    case XG_PACKET_GROUP_TRANSFER:
      return xg_proto_group_transfer_new (a[0].t, a[1].t);
    case XG_PACKET_GROUP_INFO_UPDATE:
      return xg_proto_group_info_update_new (a[0].t, a[1].v);
    case XG_PACKET_GROUP_DISBAND:
      return xg_proto_group_disband_new (a[0].t);
    case XG_PACKET_GROUP_INVITE:
      return xg_proto_group_invite_new (a[0].t, a[1].t);
    case XG_PACKET_GROUP_INVITE_INCOMING:
      return xg_proto_group_invite_incoming_new (a[0].t, a[1].v, a[2].t, a[3].s, a[4].x);
    case XG_PACKET_GROUP_INVITE_ACCEPT:
      return xg_proto_group_invite_accept_new (a[0].t, a[1].t);
    case XG_PACKET_GROUP_INVITE_DECLINE:
      return xg_proto_group_invite_decline_new (a[0].t, a[1].t);
    case XG_PACKET_CHAT_SEND:
      return xg_proto_chat_send_new (a[0].t, a[1].t, a[2].t, a[3].u, a[4].ay);
    case XG_PACKET_CHAT_DELIVER:
      return xg_proto_chat_deliver_new (a[0].t, a[1].t, a[2].t, a[3].t, a[4].u, a[5].ay,
                                        a[6].x);
    case XG_PACKET_GROUP_SEND:
      return xg_proto_group_send_new (a[0].t, a[1].t, a[2].t, a[3].u, a[4].ay);
    case XG_PACKET_GROUP_DELIVER:
      return xg_proto_group_deliver_new (a[0].t, a[1].t, a[2].t, a[3].t, a[4].u, a[5].ay,
                                         a[6].x);
    case XG_PACKET_OFFLINE_GROUP_DELIVER:
      return xg_proto_offline_group_deliver_new (a[0].t, a[1].t, a[2].t, a[3].t, a[4].u,
                                                 a[5].ay, a[6].x);
    case XG_PACKET_OFFLINE_CHAT_DELIVER:
      return xg_proto_offline_chat_deliver_new (a[0].t, a[1].t, a[2].t, a[3].t, a[4].u,
                                                a[5].ay, a[6].x);
    case XG_PACKET_MSG_SENT_ACK:
      return xg_proto_msg_sent_ack_new (a[0].t, a[1].t, a[2].x);
    case XG_PACKET_MSG_RECEIVED_ACK:
      return xg_proto_msg_received_ack_new (a[0].v);
    case XG_PACKET_CHAT_HISTORY_REQUEST:
      return xg_proto_chat_history_request_new (a[0].y, a[1].t, a[2].t, a[3].t, a[4].u);
    case XG_PACKET_CHAT_HISTORY:
      return xg_proto_chat_history_new (a[0].y, a[1].t, a[2].v, a[3].b);
    case XG_PACKET_MSG_DELIVERED:
      return xg_proto_msg_delivered_new (a[0].v);
    case XG_PACKET_CHAT_HEADS:
      return xg_proto_chat_heads_new (a[0].v);
    default:
      return NULL;
    }
}

/**
 * xg_test_packet_get:
 * @type: a packet type
 * @body: a body of its signature
 * @o: (out caller-allocates): the fields, one slot each; release them with
 *   xg_test_slots_clear()
 *
 * Reads @body with the packet's generated accessor.
 *
 * Returns: %FALSE when @type has no case here
 */
gboolean
xg_test_packet_get (guint16     type,
                    GVariant   *body,
                    XgTestSlot *o)
{
  memset (o, 0, sizeof (XgTestSlot) * XG_TEST_MAX_FIELDS);

  switch (type)
    {
    case XG_PACKET_HELLO:
      xg_proto_hello_get (body, &o[0].u, &o[1].s, &o[2].s);
      return TRUE;
    case XG_PACKET_WELCOME:
      xg_proto_welcome_get (body, &o[0].u, &o[1].s, &o[2].u, &o[3].u, &o[4].u, &o[5].b);
      return TRUE;
    case XG_PACKET_ERROR:
      xg_proto_error_get (body, &o[0].q, &o[1].u, &o[2].s);
      return TRUE;
    case XG_PACKET_HEARTBEAT:
      xg_proto_heartbeat_get (body, &o[0].x);
      return TRUE;
    case XG_PACKET_HEARTBEAT_ACK:
      xg_proto_heartbeat_ack_get (body, &o[0].x);
      return TRUE;
    case XG_PACKET_LOGIN:
      xg_proto_login_get (body, &o[0].s, &o[1].s, &o[2].s);
      return TRUE;
    case XG_PACKET_LOGIN_OK:
      xg_proto_login_ok_get (body, &o[0].t, &o[1].ay, &o[2].x);
      return TRUE;
    case XG_PACKET_LOGIN_FAIL:
      xg_proto_login_fail_get (body, &o[0].u, &o[1].u, &o[2].s);
      return TRUE;
    case XG_PACKET_TOKEN_LOGIN:
      xg_proto_token_login_get (body, &o[0].t, &o[1].ay);
      return TRUE;
    case XG_PACKET_REGISTER_CODE_REQUEST:
      xg_proto_register_code_request_get (body, &o[0].s);
      return TRUE;
    case XG_PACKET_EMAIL_TAKEN:
      xg_proto_email_taken_get (body, &o[0].s);
      return TRUE;
    case XG_PACKET_CODE_SENT:
      xg_proto_code_sent_get (body, &o[0].s, &o[1].u, &o[2].u);
      return TRUE;
    case XG_PACKET_REGISTER:
      xg_proto_register_get (body, &o[0].s, &o[1].s, &o[2].s, &o[3].s);
      return TRUE;
    case XG_PACKET_CODE_INCORRECT:
      xg_proto_code_incorrect_get (body, &o[0].u);
      return TRUE;
    case XG_PACKET_REGISTER_OK:
      xg_proto_register_ok_get (body, &o[0].t);
      return TRUE;
    case XG_PACKET_REGISTER_FAIL:
      xg_proto_register_fail_get (body, &o[0].u, &o[1].u, &o[2].s);
      return TRUE;
    case XG_PACKET_FORCED_LOGOUT:
      xg_proto_forced_logout_get (body, &o[0].u, &o[1].s);
      return TRUE;
    case XG_PACKET_LOGOUT:
      return TRUE;
    case XG_PACKET_LOGOUT_OK:
      return TRUE;
    case XG_PACKET_SYNC_DONE:
      return TRUE;
    case XG_PACKET_PASSWORD_RESET_REQUEST:
      xg_proto_password_reset_request_get (body, &o[0].s);
      return TRUE;
    case XG_PACKET_ACCOUNT_CODE_SENT:
      xg_proto_account_code_sent_get (body, &o[0].s, &o[1].u, &o[2].u);
      return TRUE;
    case XG_PACKET_PASSWORD_RESET:
      xg_proto_password_reset_get (body, &o[0].s, &o[1].s, &o[2].s);
      return TRUE;
    case XG_PACKET_PASSWORD_RESET_OK:
      return TRUE;
    case XG_PACKET_PASSWORD_CHANGE:
      xg_proto_password_change_get (body, &o[0].s, &o[1].s);
      return TRUE;
    case XG_PACKET_PASSWORD_CHANGE_OK:
      xg_proto_password_change_ok_get (body, &o[0].ay, &o[1].x);
      return TRUE;
    case XG_PACKET_EMAIL_CHANGE_REQUEST:
      xg_proto_email_change_request_get (body, &o[0].s, &o[1].s);
      return TRUE;
    case XG_PACKET_EMAIL_CHANGE_CONFIRM:
      xg_proto_email_change_confirm_get (body, &o[0].s, &o[1].s);
      return TRUE;
    case XG_PACKET_EMAIL_CHANGED:
      xg_proto_email_changed_get (body, &o[0].s);
      return TRUE;
    case XG_PACKET_ACCOUNT_DELETE:
      xg_proto_account_delete_get (body, &o[0].s, &o[1].s);
      return TRUE;
    case XG_PACKET_ACCOUNT_DELETED:
      xg_proto_account_deleted_get (body, &o[0].t);
      return TRUE;
    case XG_PACKET_ACCOUNT_CODE_INCORRECT:
      xg_proto_account_code_incorrect_get (body, &o[0].u);
      return TRUE;
    case XG_PACKET_ACCOUNT_FAIL:
      xg_proto_account_fail_get (body, &o[0].u, &o[1].u, &o[2].s);
      return TRUE;
    case XG_PACKET_PROFILE:
      xg_proto_profile_get (body, &o[0].t, &o[1].s, &o[2].s, &o[3].v);
      return TRUE;
    case XG_PACKET_PROFILE_UPDATE:
      xg_proto_profile_update_get (body, &o[0].v);
      return TRUE;
    case XG_PACKET_USER_INFO_REQUEST:
      xg_proto_user_info_request_get (body, &o[0].t);
      return TRUE;
    case XG_PACKET_USER_INFO:
      xg_proto_user_info_get (body, &o[0].t, &o[1].s, &o[2].v);
      return TRUE;
    case XG_PACKET_FRIEND_LIST:
      xg_proto_friend_list_get (body, &o[0].v);
      return TRUE;
    case XG_PACKET_EMAIL_LOOKUP:
      xg_proto_email_lookup_get (body, &o[0].s);
      return TRUE;
    case XG_PACKET_EMAIL_RESULT:
      xg_proto_email_result_get (body, &o[0].s, &o[1].t);
      return TRUE;
    case XG_PACKET_USER_NOT_FOUND:
      xg_proto_user_not_found_get (body, &o[0].t, &o[1].s);
      return TRUE;
    case XG_PACKET_FRIEND_REQUEST:
      xg_proto_friend_request_get (body, &o[0].t, &o[1].t, &o[2].s);
      return TRUE;
    case XG_PACKET_FRIEND_REQUEST_SENT:
      xg_proto_friend_request_sent_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_FRIEND_REQUEST_INCOMING:
      xg_proto_friend_request_incoming_get (body, &o[0].t, &o[1].t, &o[2].s, &o[3].s,
                                            &o[4].x);
      return TRUE;
    case XG_PACKET_FRIEND_REQUEST_REJECTED:
      xg_proto_friend_request_rejected_get (body, &o[0].t, &o[1].t, &o[2].s);
      return TRUE;
    case XG_PACKET_FRIEND_REQUEST_ACCEPTED:
      xg_proto_friend_request_accepted_get (body, &o[0].t, &o[1].t, &o[2].v);
      return TRUE;
    case XG_PACKET_FRIEND_ACCEPT:
      xg_proto_friend_accept_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_FRIEND_REJECT:
      xg_proto_friend_reject_get (body, &o[0].t, &o[1].t, &o[2].s);
      return TRUE;
    case XG_PACKET_FRIEND_REQUEST_TIMEOUT:
      xg_proto_friend_request_timeout_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_FRIEND_REMARK:
      xg_proto_friend_remark_get (body, &o[0].t, &o[1].t, &o[2].s);
      return TRUE;
    case XG_PACKET_FRIEND_REQUEST_OUTGOING:
      xg_proto_friend_request_outgoing_get (body, &o[0].t, &o[1].t, &o[2].s, &o[3].s, &o[4].x);
      return TRUE;
    case XG_PACKET_FRIEND_REMARK_OK:
      xg_proto_friend_remark_ok_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_FRIEND_REMOVE:
      xg_proto_friend_remove_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_FRIEND_REMOVED:
      xg_proto_friend_removed_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_PRESENCE:
      xg_proto_presence_get (body, &o[0].t, &o[1].b);
      return TRUE;
    case XG_PACKET_GROUP_CREATE:
      xg_proto_group_create_get (body, &o[0].v);
      return TRUE;
    case XG_PACKET_GROUP_CREATE_OK:
      xg_proto_group_create_ok_get (body, &o[0].t, &o[1].v);
      return TRUE;
    case XG_PACKET_GROUP_CREATE_FAIL:
      xg_proto_group_create_fail_get (body, &o[0].u, &o[1].s);
      return TRUE;
    case XG_PACKET_GROUP_JOIN_REQUEST:
      xg_proto_group_join_request_get (body, &o[0].t, &o[1].t, &o[2].s);
      return TRUE;
    case XG_PACKET_GROUP_JOIN_REQUEST_SENT:
      xg_proto_group_join_request_sent_get (body, &o[0].t);
      return TRUE;
    case XG_PACKET_GROUP_JOIN_REQUEST_INCOMING:
      xg_proto_group_join_request_incoming_get (body, &o[0].t, &o[1].t, &o[2].v, &o[3].s,
                                                &o[4].s);
      return TRUE;
    case XG_PACKET_GROUP_JOIN_APPROVE:
      xg_proto_group_join_approve_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_GROUP_JOIN_REJECT:
      xg_proto_group_join_reject_get (body, &o[0].t, &o[1].t, &o[2].s);
      return TRUE;
    case XG_PACKET_GROUP_JOIN_APPROVED:
      xg_proto_group_join_approved_get (body, &o[0].t, &o[1].t, &o[2].v);
      return TRUE;
    case XG_PACKET_GROUP_JOIN_REJECTED:
      xg_proto_group_join_rejected_get (body, &o[0].t, &o[1].t, &o[2].s);
      return TRUE;
    case XG_PACKET_GROUP_JOIN_TIMEOUT:
      xg_proto_group_join_timeout_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_GROUP_LOOKUP:
      xg_proto_group_lookup_get (body, &o[0].t);
      return TRUE;
    case XG_PACKET_GROUP_BRIEF:
      xg_proto_group_brief_get (body, &o[0].t, &o[1].v, &o[2].u, &o[3].y);
      return TRUE;
    case XG_PACKET_GROUP_JOIN_DECIDED:
      xg_proto_group_join_decided_get (body, &o[0].t, &o[1].t, &o[2].b, &o[3].t);
      return TRUE;
    case XG_PACKET_GROUP_JOIN_REQUEST_OUTGOING:
      xg_proto_group_join_request_outgoing_get (body, &o[0].t, &o[1].t, &o[2].v, &o[3].s, &o[4].x);
      return TRUE;
    case XG_PACKET_GROUP_LIST:
      xg_proto_group_list_get (body, &o[0].v);
      return TRUE;
    case XG_PACKET_GROUP_INFO_REQUEST:
      xg_proto_group_info_request_get (body, &o[0].t);
      return TRUE;
    case XG_PACKET_GROUP_INFO:
      xg_proto_group_info_get (body, &o[0].t, &o[1].v, &o[2].u, &o[3].t, &o[4].u, &o[5].y);
      return TRUE;
    case XG_PACKET_GROUP_MEMBERS_REQUEST:
      xg_proto_group_members_request_get (body, &o[0].t);
      return TRUE;
    case XG_PACKET_GROUP_MEMBERS:
      xg_proto_group_members_get (body, &o[0].t, &o[1].v);
      return TRUE;
    case XG_PACKET_GROUP_MEMBER_EVENT:
      xg_proto_group_member_event_get (body, &o[0].t, &o[1].t, &o[2].y, &o[3].y, &o[4].s, &o[5].t, &o[6].u);
      return TRUE;
    case XG_PACKET_GROUP_REMOVED:
      xg_proto_group_removed_get (body, &o[0].t, &o[1].y, &o[2].t);
      return TRUE;
    case XG_PACKET_GROUP_DONE:
      xg_proto_group_done_get (body, &o[0].t);
      return TRUE;
    case XG_PACKET_GROUP_LEAVE:
      xg_proto_group_leave_get (body, &o[0].t);
      return TRUE;
    case XG_PACKET_GROUP_MEMBER_REMOVE:
      xg_proto_group_member_remove_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_GROUP_ROLE_SET:
      xg_proto_group_role_set_get (body, &o[0].t, &o[1].t, &o[2].y);
      return TRUE;
    case XG_PACKET_GROUP_TRANSFER:
      xg_proto_group_transfer_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_GROUP_INFO_UPDATE:
      xg_proto_group_info_update_get (body, &o[0].t, &o[1].v);
      return TRUE;
    case XG_PACKET_GROUP_DISBAND:
      xg_proto_group_disband_get (body, &o[0].t);
      return TRUE;
    case XG_PACKET_GROUP_INVITE:
      xg_proto_group_invite_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_GROUP_INVITE_INCOMING:
      xg_proto_group_invite_incoming_get (body, &o[0].t, &o[1].v, &o[2].t, &o[3].s, &o[4].x);
      return TRUE;
    case XG_PACKET_GROUP_INVITE_ACCEPT:
      xg_proto_group_invite_accept_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_GROUP_INVITE_DECLINE:
      xg_proto_group_invite_decline_get (body, &o[0].t, &o[1].t);
      return TRUE;
    case XG_PACKET_CHAT_SEND:
      xg_proto_chat_send_get (body, &o[0].t, &o[1].t, &o[2].t, &o[3].u, &o[4].ay);
      return TRUE;
    case XG_PACKET_CHAT_DELIVER:
      xg_proto_chat_deliver_get (body, &o[0].t, &o[1].t, &o[2].t, &o[3].t, &o[4].u,
                                 &o[5].ay, &o[6].x);
      return TRUE;
    case XG_PACKET_GROUP_SEND:
      xg_proto_group_send_get (body, &o[0].t, &o[1].t, &o[2].t, &o[3].u, &o[4].ay);
      return TRUE;
    case XG_PACKET_GROUP_DELIVER:
      xg_proto_group_deliver_get (body, &o[0].t, &o[1].t, &o[2].t, &o[3].t, &o[4].u,
                                  &o[5].ay, &o[6].x);
      return TRUE;
    case XG_PACKET_OFFLINE_GROUP_DELIVER:
      xg_proto_offline_group_deliver_get (body, &o[0].t, &o[1].t, &o[2].t, &o[3].t, &o[4].u,
                                          &o[5].ay, &o[6].x);
      return TRUE;
    case XG_PACKET_OFFLINE_CHAT_DELIVER:
      xg_proto_offline_chat_deliver_get (body, &o[0].t, &o[1].t, &o[2].t, &o[3].t, &o[4].u,
                                         &o[5].ay, &o[6].x);
      return TRUE;
    case XG_PACKET_MSG_SENT_ACK:
      xg_proto_msg_sent_ack_get (body, &o[0].t, &o[1].t, &o[2].x);
      return TRUE;
    case XG_PACKET_MSG_RECEIVED_ACK:
      xg_proto_msg_received_ack_get (body, &o[0].v);
      return TRUE;
    case XG_PACKET_CHAT_HISTORY_REQUEST:
      xg_proto_chat_history_request_get (body, &o[0].y, &o[1].t, &o[2].t, &o[3].t, &o[4].u);
      return TRUE;
    case XG_PACKET_CHAT_HISTORY:
      xg_proto_chat_history_get (body, &o[0].y, &o[1].t, &o[2].v, &o[3].b);
      return TRUE;
    case XG_PACKET_MSG_DELIVERED:
      xg_proto_msg_delivered_get (body, &o[0].v);
      return TRUE;
    case XG_PACKET_CHAT_HEADS:
      xg_proto_chat_heads_get (body, &o[0].v);
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- Sample values ------------------------------------------------------ */

static const char * const sample_text[] = {
  "你好，世界！👋",
  "张伟的新朋友 🐉🎉",
  "邮箱 test@例子.中国 ✉️",
  "家人 👨‍👩‍👧‍👦 与 🏳️‍🌈",
  "Grüße, 안녕하세요, こんにちは 😀",
  "签名：天行健，君子以自强不息 ☯️",
};

static GVariant *
make_string (guint seed)
{
  g_autofree char *text = g_strdup_printf ("%s #%u",
                                           sample_text[seed % G_N_ELEMENTS (sample_text)],
                                           seed);

  return g_variant_new_string (text);
}

/* Binary that starts with, ends near and contains zero bytes. */
static GVariant *
make_bytes (gsize len,
            guint seed)
{
  guint8 *data = g_malloc (len ? len : 1);

  for (gsize i = 0; i < len; i++)
    data[i] = i % 3 == 0 ? 0 : (guint8) (seed * 31 + i * 7 + 1);
  if (len > 2)
    data[len - 2] = 0xff;

  return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, data, len, TRUE, g_free, data);
}

/* A profile-like a{sv}: several keys, values of several types. */
static GVariant *
make_vardict (guint seed)
{
  GVariantBuilder builder;
  GVariantBuilder extra;
  const char *tags[] = { "朋友", "同事 👔", "🎸", NULL };

  g_variant_builder_init (&extra, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&extra, "{sv}", "地区", make_string (seed + 7));
  g_variant_builder_add (&extra, "{sv}", "level", g_variant_new_byte ((guint8) seed));

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "nickname", make_string (seed));
  g_variant_builder_add (&builder, "{sv}", "signature", make_string (seed + 1));
  g_variant_builder_add (&builder, "{sv}", "gender", g_variant_new_uint32 (seed % 3));
  g_variant_builder_add (&builder, "{sv}", "birthday",
                         g_variant_new_int64 (G_GINT64_CONSTANT (-631152000) + seed));
  g_variant_builder_add (&builder, "{sv}", "avatar", make_bytes (17 + seed % 29, seed));
  g_variant_builder_add (&builder, "{sv}", "public", g_variant_new_boolean (seed & 1));
  g_variant_builder_add (&builder, "{sv}", "标签", g_variant_new_strv (tags, -1));
  g_variant_builder_add (&builder, "{sv}", "extra", g_variant_builder_end (&extra));

  return g_variant_builder_end (&builder);
}

static GVariant *
make_basic (const GVariantType *type,
            guint               seed)
{
  switch (g_variant_type_peek_string (type)[0])
    {
    case 'b': return g_variant_new_boolean (seed & 1);
    case 'y': return g_variant_new_byte (0x80 | (seed & 0x7f));
    case 'n': return g_variant_new_int16 (-12345 + (gint16) (seed & 0xff));
    case 'q': return g_variant_new_uint16 (0xfe00 | (seed & 0xff));
    case 'i': return g_variant_new_int32 (-1073741824 + (gint32) seed);
    case 'u': return g_variant_new_uint32 (0xfedc0000u + seed);
    case 'h': return g_variant_new_handle ((gint32) seed);
    case 'x': return g_variant_new_int64 (G_GINT64_CONSTANT (-0x0123456789abcdef) + seed);
    case 't': return g_variant_new_uint64 (G_GUINT64_CONSTANT (0xfedcba9876543210) - seed);
    case 'd': return g_variant_new_double (-1.5 * seed + 0.25);
    case 's': return make_string (seed);
    case 'o':
      {
        g_autofree char *path = g_strdup_printf ("/io/github/xinge/o%u", seed);
        return g_variant_new_object_path (path);
      }
    case 'g': return g_variant_new_signature ("a{sv}(tsb)");
    default: g_assert_not_reached ();
    }
}

/**
 * xg_test_make_value:
 * @type: any definite GVariant type
 * @seed: varies the values
 *
 * A non-trivial value of @type: big integers with their high bits set,
 * strings with Chinese text and emoji, binary with zero bytes, a{sv} with
 * several keys, arrays with several elements.
 *
 * Returns: (transfer floating): the value
 */
GVariant *
xg_test_make_value (const GVariantType *type,
                    guint               seed)
{
  if (g_variant_type_equal (type, G_VARIANT_TYPE_VARDICT))
    return make_vardict (seed);
  if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTESTRING))
    return make_bytes (5 + seed % 61, seed);
  if (g_variant_type_is_basic (type))
    return make_basic (type, seed);

  if (g_variant_type_is_variant (type))
    {
      static const char * const inner[] = { "s", "t", "ay", "(ts)", "a{sv}" };
      const char *pick = inner[seed % G_N_ELEMENTS (inner)];

      return g_variant_new_variant (xg_test_make_value (G_VARIANT_TYPE (pick), seed + 1));
    }

  if (g_variant_type_is_maybe (type))
    {
      const GVariantType *element = g_variant_type_element (type);

      return g_variant_new_maybe (element, seed & 1 ? xg_test_make_value (element, seed) : NULL);
    }

  if (g_variant_type_is_array (type))
    {
      const GVariantType *element = g_variant_type_element (type);
      GVariant *children[5];
      guint n = 3 + seed % 3;

      for (guint i = 0; i < n; i++)
        children[i] = xg_test_make_value (element, seed * 7 + i + 1);
      return g_variant_new_array (element, children, n);
    }

  /* a tuple or a dict entry */
  {
    GVariant *children[XG_TEST_MAX_FIELDS];
    const GVariantType *item;
    guint n = 0;

    for (item = g_variant_type_first (type); item != NULL; item = g_variant_type_next (item))
      {
        g_assert (n < G_N_ELEMENTS (children));
        children[n] = xg_test_make_value (item, seed * 3 + n + 1);
        n++;
      }

    if (g_variant_type_is_dict_entry (type))
      return g_variant_new_dict_entry (children[0], children[1]);
    return g_variant_new_tuple (children, n);
  }
}

static gboolean
type_can_grow (const GVariantType *type)
{
  const GVariantType *item;

  if (g_variant_type_is_array (type) || g_variant_type_is_variant (type))
    return TRUE;
  if (g_variant_type_is_basic (type))
    return g_variant_type_equal (type, G_VARIANT_TYPE_STRING);
  if (g_variant_type_is_maybe (type))
    return type_can_grow (g_variant_type_element (type));

  for (item = g_variant_type_first (type); item != NULL; item = g_variant_type_next (item))
    if (type_can_grow (item))
      return TRUE;
  return FALSE;
}

/**
 * xg_test_make_grown_value:
 * @type: any definite GVariant type
 * @grow: how much bigger than the smallest value to make it
 * @seed: varies the other values
 *
 * A value of @type whose serialized size grows with @grow: one string, byte
 * array or array in it gets @grow bytes or elements.
 *
 * Returns: (transfer floating) (nullable): the value, or %NULL when @type
 *   has a fixed size
 */
GVariant *
xg_test_make_grown_value (const GVariantType *type,
                          gsize               grow,
                          guint               seed)
{
  if (!type_can_grow (type))
    return NULL;

  if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTESTRING))
    return make_bytes (grow, seed);

  if (g_variant_type_equal (type, G_VARIANT_TYPE_STRING))
    {
      char *text = g_malloc (grow + 1);

      for (gsize i = 0; i < grow; i++)
        text[i] = 'a' + i % 26;
      text[grow] = '\0';
      return g_variant_new_take_string (text);
    }

  if (g_variant_type_is_variant (type))
    return g_variant_new_variant (xg_test_make_grown_value (G_VARIANT_TYPE_BYTESTRING, grow, seed));

  if (g_variant_type_is_maybe (type))
    {
      const GVariantType *element = g_variant_type_element (type);

      return g_variant_new_maybe (element, xg_test_make_grown_value (element, grow, seed));
    }

  if (g_variant_type_is_array (type))
    {
      const GVariantType *element = g_variant_type_element (type);
      g_autoptr(GPtrArray) children = g_ptr_array_new ();

      /* One element that grows, or @grow elements of a fixed size. */
      if (type_can_grow (element))
        g_ptr_array_add (children, xg_test_make_grown_value (element, grow, seed));
      else
        for (gsize i = 0; i < grow; i++)
          g_ptr_array_add (children, xg_test_make_value (element, seed + i));

      return g_variant_new_array (element, (GVariant **) children->pdata, children->len);
    }

  /* a tuple or a dict entry: the first field that can grow does */
  {
    GVariant *children[XG_TEST_MAX_FIELDS];
    const GVariantType *item;
    gboolean grown = FALSE;
    guint n = 0;

    for (item = g_variant_type_first (type); item != NULL; item = g_variant_type_next (item))
      {
        g_assert (n < G_N_ELEMENTS (children));
        if (!grown && type_can_grow (item))
          {
            children[n] = xg_test_make_grown_value (item, grow, seed);
            grown = children[n] != NULL;
          }
        else
          {
            children[n] = NULL;
          }
        if (children[n] == NULL)
          children[n] = xg_test_make_value (item, seed * 3 + n + 1);
        n++;
      }

    if (g_variant_type_is_dict_entry (type))
      return g_variant_new_dict_entry (children[0], children[1]);
    return g_variant_new_tuple (children, n);
  }
}
