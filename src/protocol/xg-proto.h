/* xg-proto.h: the Xinge wire protocol, shared by client and server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Framing, the incremental decoder and the documented enums. The typed
 * constructors and accessors for every packet (xg_proto_login_new(),
 * xg_proto_login_get() …) are generated from packets.def into
 * xg-proto-packets.h, included here. docs/PROTOCOL.md is the reference.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define XG_PROTO_VERSION             1
#define XG_PROTO_HEADER_SIZE         16
/* GnuTLS priorities of both ends (docs/PROTOCOL.md 8.6): TLS 1.3 only; a
 * server may allow TLS 1.2 with AEAD suites for an old client. */
#define XG_PROTO_TLS_PRIORITY      "NORMAL:-VERS-ALL:+VERS-TLS1.3"
#define XG_PROTO_TLS_PRIORITY_1_2  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305:" \
                                   "+AES-256-GCM:+AES-128-GCM:-MAC-ALL:+AEAD"
#define XG_PROTO_DEFAULT_MAX_FRAME   ((8u * 1024 + 64) * 1024) /* 8 MiB of payload and room for the fields */

typedef enum {
  XG_PROTO_CLIENT_TO_SERVER,
  XG_PROTO_SERVER_TO_CLIENT,
} XgProtoDirection;

/**
 * XgProtoPacketInfo:
 * @type: the type code
 * @name: the packet's name, e.g. "LOGIN"
 * @seed_name: the seed's Chinese name, or %NULL for packets beyond the seed
 * @signature: the body's GVariant type string
 * @direction: who sends it
 * @max_body: the largest body accepted for this type, in bytes
 * @self_field: index of the field holding an id the sender claims for itself, or -1
 * @answers: comma-separated names of the requests it answers, "*" for any, %NULL for a push
 */
typedef struct {
  guint16           type;
  const char       *name;
  const char       *seed_name;
  const char       *signature;
  XgProtoDirection  direction;
  guint32           max_body;
  int               self_field;
  const char       *answers;
} XgProtoPacketInfo;

const XgProtoPacketInfo *xg_proto_packet_info     (guint16 type);
const XgProtoPacketInfo *xg_proto_packet_info_nth (guint   n);

/**
 * XgProtoError:
 * @XG_PROTO_ERROR_BAD_MAGIC: the frame does not start with "XG"
 * @XG_PROTO_ERROR_BAD_VERSION: a protocol version this library does not speak
 * @XG_PROTO_ERROR_BAD_HEADER: unknown flag bits or a non-zero reserved field
 * @XG_PROTO_ERROR_UNKNOWN_TYPE: a type code no packet has
 * @XG_PROTO_ERROR_TOO_LARGE: the body is longer than its type or the connection allows
 * @XG_PROTO_ERROR_BAD_BODY: the body is not a normal-form GVariant of the type's
 *   signature (this includes invalid UTF-8); the stream is still in sync
 *
 * Errors from decoding untrusted bytes. All but %XG_PROTO_ERROR_BAD_BODY leave
 * the stream out of sync: the connection must be closed.
 */
typedef enum {
  XG_PROTO_ERROR_BAD_MAGIC,
  XG_PROTO_ERROR_BAD_VERSION,
  XG_PROTO_ERROR_BAD_HEADER,
  XG_PROTO_ERROR_UNKNOWN_TYPE,
  XG_PROTO_ERROR_TOO_LARGE,
  XG_PROTO_ERROR_BAD_BODY,
} XgProtoError;

#define XG_PROTO_ERROR (xg_proto_error_quark ())
GQuark xg_proto_error_quark (void);

/**
 * XgProtoErrorCode:
 *
 * The code carried by an ERROR packet.
 */
typedef enum {
  XG_PROTO_ERR_MALFORMED_FRAME   = 1,  /* framing broken; the connection is closed */
  XG_PROTO_ERR_FRAME_TOO_LARGE   = 2,  /* length over the limit; the connection is closed */
  XG_PROTO_ERR_UNKNOWN_TYPE      = 3,  /* no such packet type; the connection is closed */
  XG_PROTO_ERR_BAD_BODY          = 4,  /* wrong signature, not normal form or invalid UTF-8 */
  XG_PROTO_ERR_UNEXPECTED_PACKET = 5,  /* a server-to-client packet sent by a client */
  XG_PROTO_ERR_HELLO_REQUIRED    = 6,  /* the first packet must be HELLO */
  XG_PROTO_ERR_UNSUPPORTED_VERSION = 7,
  XG_PROTO_ERR_NOT_LOGGED_IN     = 8,
  XG_PROTO_ERR_ALREADY_LOGGED_IN = 9,
  XG_PROTO_ERR_ID_MISMATCH       = 10, /* a claimed own id is not the logged-in account */
  XG_PROTO_ERR_PERMISSION_DENIED = 11,
  XG_PROTO_ERR_INVALID_ARGUMENT  = 12, /* a field's value is out of range */
  XG_PROTO_ERR_RATE_LIMITED      = 13,
  XG_PROTO_ERR_BUSY              = 14, /* the server is overloaded; retry later */
  XG_PROTO_ERR_NOT_IMPLEMENTED   = 15, /* valid packet this server does not handle yet */
  XG_PROTO_ERR_INTERNAL          = 16,
  XG_PROTO_ERR_ALREADY_FRIENDS   = 17, /* FRIEND_REQUEST to someone who is a friend already */
  XG_PROTO_ERR_LIMIT_REACHED     = 18, /* a configured limit (friends, pending requests) is reached */
  XG_PROTO_ERR_NOT_FOUND         = 19, /* the group (or other object) asked for does not exist */
  XG_PROTO_ERR_ALREADY_PENDING   = 20, /* the same join request or invitation waits already */
} XgProtoErrorCode;

typedef enum {
  XG_PROTO_LOGIN_FAIL_BAD_CREDENTIALS  = 1,  /* email or password wrong, never which */
  XG_PROTO_LOGIN_FAIL_RATE_LIMITED     = 2,  /* see retry_after */
  XG_PROTO_LOGIN_FAIL_ACCOUNT_DISABLED = 3,
  XG_PROTO_LOGIN_FAIL_CAPTCHA_REQUIRED = 4,
  XG_PROTO_LOGIN_FAIL_TOKEN_INVALID    = 5,  /* unknown, expired or revoked resume token */
  XG_PROTO_LOGIN_FAIL_BUSY             = 6,  /* too many logins in flight; see retry_after */
} XgProtoLoginFail;

typedef enum {
  XG_PROTO_REGISTER_FAIL_INVALID_EMAIL    = 1,
  XG_PROTO_REGISTER_FAIL_INVALID_NICKNAME = 2,
  XG_PROTO_REGISTER_FAIL_WEAK_PASSWORD    = 3,
  XG_PROTO_REGISTER_FAIL_NO_CODE          = 4,  /* no code, or it expired: request a new one */
  XG_PROTO_REGISTER_FAIL_TOO_MANY_ATTEMPTS = 5, /* the code's attempts are used up */
  XG_PROTO_REGISTER_FAIL_RATE_LIMITED     = 6,  /* see retry_after */
  XG_PROTO_REGISTER_FAIL_MAIL_FAILED      = 7,  /* the code could not be mailed */
  XG_PROTO_REGISTER_FAIL_BUSY             = 8,
  XG_PROTO_REGISTER_FAIL_INTERNAL         = 9,
  XG_PROTO_REGISTER_FAIL_EMAIL_TAKEN      = 10, /* registered meanwhile (the code was right) */
} XgProtoRegisterFail;

typedef enum {
  XG_PROTO_FORCED_LOGOUT_HEARTBEAT_LOST     = 1,
  XG_PROTO_FORCED_LOGOUT_LOGGED_IN_ELSEWHERE = 2,
  XG_PROTO_FORCED_LOGOUT_ACCOUNT_DISABLED   = 3,
  XG_PROTO_FORCED_LOGOUT_SERVER_SHUTDOWN    = 4,
  XG_PROTO_FORCED_LOGOUT_PASSWORD_CHANGED   = 5,  /* the account's tokens were revoked */
} XgProtoForcedLogout;

typedef enum {
  XG_PROTO_ACCOUNT_FAIL_INVALID_EMAIL     = 1,
  XG_PROTO_ACCOUNT_FAIL_WEAK_PASSWORD     = 2,
  XG_PROTO_ACCOUNT_FAIL_WRONG_PASSWORD    = 3,  /* the account's current password is not this */
  XG_PROTO_ACCOUNT_FAIL_NO_CODE           = 4,  /* no code, or it expired: request a new one */
  XG_PROTO_ACCOUNT_FAIL_TOO_MANY_ATTEMPTS = 5,  /* the code's attempts are used up */
  XG_PROTO_ACCOUNT_FAIL_RATE_LIMITED      = 6,  /* see retry_after */
  XG_PROTO_ACCOUNT_FAIL_MAIL_FAILED       = 7,
  XG_PROTO_ACCOUNT_FAIL_BUSY              = 8,  /* see retry_after */
  XG_PROTO_ACCOUNT_FAIL_INTERNAL          = 9,
  XG_PROTO_ACCOUNT_FAIL_EMAIL_TAKEN       = 10, /* the new address has an account */
  XG_PROTO_ACCOUNT_FAIL_NO_ACCOUNT        = 11, /* no account has this address (never in privacy mode) */
  XG_PROTO_ACCOUNT_FAIL_CONFIRMATION      = 12, /* ACCOUNT_DELETE's confirmation is not the account's address */
} XgProtoAccountFail;

typedef enum {
  XG_PROTO_GROUP_FAIL_INVALID_INFO = 1,
  XG_PROTO_GROUP_FAIL_LIMIT        = 2,
  XG_PROTO_GROUP_FAIL_INTERNAL     = 3,
} XgProtoGroupFail;

typedef enum {
  XG_PROTO_GROUP_ROLE_NONE   = 0,   /* not a member */
  XG_PROTO_GROUP_ROLE_OWNER  = 1,
  XG_PROTO_GROUP_ROLE_ADMIN  = 2,
  XG_PROTO_GROUP_ROLE_MEMBER = 3,
} XgProtoGroupRole;

typedef enum {
  XG_PROTO_GROUP_EVENT_JOINED       = 1,  /* approved, or accepted an invitation */
  XG_PROTO_GROUP_EVENT_LEFT         = 2,
  XG_PROTO_GROUP_EVENT_REMOVED      = 3,  /* by the owner or an admin */
  XG_PROTO_GROUP_EVENT_ROLE_CHANGED = 4,  /* appointed, demoted, or ownership transferred */
} XgProtoGroupEvent;

typedef enum {
  XG_PROTO_GROUP_REMOVED_LEFT      = 1,
  XG_PROTO_GROUP_REMOVED_REMOVED   = 2,  /* by the owner or an admin */
  XG_PROTO_GROUP_REMOVED_DISBANDED = 3,
} XgProtoGroupRemoved;

typedef enum {
  XG_PROTO_MESSAGE_TEXT  = 1,
  XG_PROTO_MESSAGE_IMAGE = 2,
  XG_PROTO_MESSAGE_FILE  = 3,
} XgProtoMessageType;

const char *xg_proto_error_code_to_string (XgProtoErrorCode code);

/**
 * XgProtoFrame:
 * @type: the packet type
 * @request_id: the request id (0 on pushes)
 * @body: (nullable): the validated body; %NULL only with %XG_PROTO_ERROR_BAD_BODY
 */
typedef struct {
  guint16   type;
  guint32   request_id;
  GVariant *body;
} XgProtoFrame;

void xg_proto_frame_free (XgProtoFrame *frame);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgProtoFrame, xg_proto_frame_free)

GBytes *xg_proto_frame_encode (guint16    type,
                               guint32    request_id,
                               GVariant  *body,
                               GError   **error);
void    xg_proto_frame_write_header    (guint8   *header,
                                        guint16   type,
                                        guint32   request_id,
                                        guint32   body_size);
GBytes *xg_proto_frame_with_request_id (GBytes   *frame,
                                        guint32   request_id);
gboolean xg_proto_frame_peek           (const guint8 *data,
                                        gsize         len,
                                        guint16      *type,
                                        guint32      *request_id,
                                        guint32      *body_len);

typedef struct _XgProtoDecoder XgProtoDecoder;

XgProtoDecoder *xg_proto_decoder_new      (guint32          max_frame_size);
void            xg_proto_decoder_free     (XgProtoDecoder  *decoder);
gsize           xg_proto_decoder_feed     (XgProtoDecoder  *decoder,
                                           const guint8    *data,
                                           gsize            len,
                                           XgProtoFrame   **frame,
                                           GError         **error);
gboolean        xg_proto_decoder_is_idle  (XgProtoDecoder  *decoder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (XgProtoDecoder, xg_proto_decoder_free)

/* Bodies that are one array of (kind, id, seq) entries, signature
 * (a(ytt)): MSG_RECEIVED_ACK, MSG_DELIVERED, CHAT_HEADS; written and read
 * without a GVariant per entry (xg-proto-flat.c). */
typedef struct {
  guint8   kind;
  guint64  id;
  guint64  seq;
} XgProtoYtt;

/* The frame of the packet @type (of signature (a(ytt))) with @entries. */
GBytes   *xg_proto_ytt_frame              (guint16            type,
                                           guint32            request_id,
                                           const XgProtoYtt  *entries,
                                           gsize              n_entries,
                                           GError           **error);

/* How many entries a normal-form @body of signature (a(ytt)) has; the
 * i-th is read with xg_proto_ytt_get() from *@data. */
gsize     xg_proto_ytt_entries            (GVariant          *body,
                                           const guint8     **data);
void      xg_proto_ytt_get                (const guint8      *data,
                                           gsize              i,
                                           XgProtoYtt        *entry);

GVariant *xg_proto_bytes_variant (GBytes *bytes);

char     *xg_proto_fingerprint   (const guint8 *der,
                                  gsize         len);

G_END_DECLS

#include "xg-proto-packets.h"
