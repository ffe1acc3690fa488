/* xg-proto-limits.h: the field rules both ends apply
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/PROTOCOL.md "Field rules" in code, once: the server refuses what
 * breaks them, the client checks the same rules before it sends, so a
 * person learns what is wrong from the form, not from the server. Also
 * the one way to write an email address into a log. GLib only: the app
 * may use this header (and only this one) of the protocol library.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define XG_PROTO_MAX_EMAIL_BYTES     254
#define XG_PROTO_MAX_NICKNAME_CHARS  32
#define XG_PROTO_MIN_PASSWORD_BYTES  8
#define XG_PROTO_MAX_PASSWORD_BYTES  1024
#define XG_PROTO_CODE_DIGITS         6
#define XG_PROTO_MAX_SIGNATURE_CHARS 128
#define XG_PROTO_MAX_REGION_CHARS    64
#define XG_PROTO_MAX_AVATAR_BYTES    (256 * 1024)
#define XG_PROTO_MAX_REMARK_CHARS    32
#define XG_PROTO_MAX_GREETING_CHARS  128
#define XG_PROTO_MAX_REASON_CHARS    128

/* Group fields (docs/PROTOCOL.md "Group fields"). */
#define XG_PROTO_MAX_GROUP_NAME_CHARS        64
#define XG_PROTO_MAX_GROUP_DESCRIPTION_CHARS 512
#define XG_PROTO_MAX_GROUP_REASON_CHARS      256

/* Message payloads (docs/PROTOCOL.md "Message payloads"). */
#define XG_PROTO_MAX_TEXT_BYTES      (64 * 1024)
#define XG_PROTO_MAX_PAYLOAD_BYTES   (8 * 1024 * 1024)
#define XG_PROTO_MAX_FILE_NAME_BYTES 255
#define XG_PROTO_MAX_MIME_TYPE_BYTES 127
/* What a delivery packet carries besides the payload, rounded up: a
 * payload of at most max_frame_size minus this always fits. */
#define XG_PROTO_MESSAGE_ROOM        (2 * 1024)

char     *xg_proto_email_normalize        (const char   *email);
gboolean  xg_proto_email_is_valid         (const char   *email);
gboolean  xg_proto_email_equal            (const char   *a,
                                           const char   *b);
gboolean  xg_proto_nickname_is_valid      (const char   *nickname);
gboolean  xg_proto_password_is_valid      (const char   *password);
gboolean  xg_proto_code_is_valid          (const char   *code);
gboolean  xg_proto_text_is_valid          (const char   *text,
                                           guint         max_chars);
gboolean  xg_proto_remark_is_valid        (const char   *remark);
gboolean  xg_proto_greeting_is_valid      (const char   *greeting);
gboolean  xg_proto_reason_is_valid        (const char   *reason);
gboolean  xg_proto_birthday_is_valid      (const char   *birthday);
gboolean  xg_proto_gender_is_valid        (const char   *gender);
gboolean  xg_proto_avatar_is_valid        (const guint8 *data,
                                           gsize         len);
gboolean  xg_proto_profile_field_is_valid (const char   *key,
                                           GVariant     *value);
gboolean  xg_proto_group_field_is_valid   (const char   *key,
                                           GVariant     *value);
gboolean  xg_proto_group_info_is_valid    (GVariant     *info,
                                           gboolean      creating);
gboolean  xg_proto_group_reason_is_valid  (const char   *reason);

gsize     xg_proto_max_payload            (guint32       max_frame_size);
gboolean  xg_proto_payload_is_valid       (guint32       msg_type,
                                           const guint8 *data,
                                           gsize         len,
                                           gsize         max_payload);
GBytes   *xg_proto_image_payload_new      (const char   *mime_type,
                                           GBytes       *image);
GBytes   *xg_proto_file_payload_new       (const char   *name,
                                           const char   *mime_type,
                                           GBytes       *data);
gboolean  xg_proto_image_payload_parse    (GBytes       *payload,
                                           char        **mime_type,
                                           GBytes      **image);
gboolean  xg_proto_file_payload_parse     (GBytes       *payload,
                                           char        **name,
                                           char        **mime_type,
                                           GBytes      **data);

char     *xg_proto_mask_email             (const char   *email);

G_END_DECLS
