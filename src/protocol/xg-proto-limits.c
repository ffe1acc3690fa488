/* xg-proto-limits.c: the field rules both ends apply
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-proto"

#include "config.h"

#include <string.h>

#include "xg-proto.h"
#include "xg-proto-limits.h"

/**
 * xg_proto_email_normalize:
 * @email: an address as typed
 *
 * The address as the server stores and compares it: lower-cased, if it is
 * well formed (docs/PROTOCOL.md "Accounts"): at most 254 bytes, one "@"
 * with something before it, no white space or control characters, and a
 * domain with a dot that neither starts nor ends it and no empty label.
 *
 * Returns: (transfer full) (nullable): the lower-cased address, or %NULL
 */
char *
xg_proto_email_normalize (const char *email)
{
  g_autofree char *lower = NULL;
  const char *at, *domain;

  g_return_val_if_fail (email != NULL, NULL);

  if (strlen (email) > XG_PROTO_MAX_EMAIL_BYTES || !g_utf8_validate (email, -1, NULL))
    return NULL;
  lower = g_utf8_strdown (email, -1);
  if (strlen (lower) > XG_PROTO_MAX_EMAIL_BYTES)
    return NULL;

  at = strchr (lower, '@');
  if (at == NULL || at == lower || strchr (at + 1, '@') != NULL)
    return NULL;
  domain = at + 1;
  if (domain[0] == '.' || g_str_has_suffix (domain, ".") || strchr (domain, '.') == NULL ||
      strstr (domain, "..") != NULL)
    return NULL;

  for (const char *p = lower; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        return NULL;
    }
  return g_steal_pointer (&lower);
}

gboolean
xg_proto_email_is_valid (const char *email)
{
  g_autofree char *normal = email ? xg_proto_email_normalize (email) : NULL;

  return normal != NULL;
}

/**
 * xg_proto_email_equal:
 * @a: (nullable): an address
 * @b: (nullable): an address
 *
 * Whether @a and @b name the same account: equal once normalized (lower
 * case beyond ASCII too: `Émile@x.fr` is `émile@x.fr`). Addresses that are
 * not valid are equal only byte for byte.
 */
gboolean
xg_proto_email_equal (const char *a,
                      const char *b)
{
  g_autofree char *na = a != NULL ? xg_proto_email_normalize (a) : NULL;
  g_autofree char *nb = b != NULL ? xg_proto_email_normalize (b) : NULL;

  if (na != NULL && nb != NULL)
    return strcmp (na, nb) == 0;
  return g_strcmp0 (a, b) == 0;
}

/**
 * xg_proto_text_is_valid:
 * @text: UTF-8 text
 * @max_chars: the most characters (code points) it may have
 *
 * Valid UTF-8 of at most @max_chars characters, none of them a control
 * character. Empty text is valid.
 */
gboolean
xg_proto_text_is_valid (const char *text,
                        guint       max_chars)
{
  guint n = 0;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (++n > max_chars || g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* No white space at either end. */
static gboolean
is_trimmed (const char *text)
{
  gsize len = strlen (text);

  if (len == 0)
    return TRUE;
  return !g_unichar_isspace (g_utf8_get_char (text)) &&
         !g_unichar_isspace (g_utf8_get_char (g_utf8_find_prev_char (text, text + len)));
}

/* 1–32 characters, no control characters, no white space at either end. */
gboolean
xg_proto_nickname_is_valid (const char *nickname)
{
  return nickname != NULL && nickname[0] != '\0' &&
         xg_proto_text_is_valid (nickname, XG_PROTO_MAX_NICKNAME_CHARS) && is_trimmed (nickname);
}

/* 8–1024 bytes of UTF-8. */
gboolean
xg_proto_password_is_valid (const char *password)
{
  gsize len = password ? strlen (password) : 0;

  return len >= XG_PROTO_MIN_PASSWORD_BYTES && len <= XG_PROTO_MAX_PASSWORD_BYTES &&
         g_utf8_validate (password, -1, NULL);
}

/* Exactly six ASCII digits. */
gboolean
xg_proto_code_is_valid (const char *code)
{
  if (code == NULL || strlen (code) != XG_PROTO_CODE_DIGITS)
    return FALSE;
  for (const char *p = code; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* A remark: empty (none), or up to 32 characters like a nickname. */
gboolean
xg_proto_remark_is_valid (const char *remark)
{
  return remark != NULL && xg_proto_text_is_valid (remark, XG_PROTO_MAX_REMARK_CHARS) && is_trimmed (remark);
}

/* A friend request's greeting: up to 128 characters, one line. */
gboolean
xg_proto_greeting_is_valid (const char *greeting)
{
  return xg_proto_text_is_valid (greeting, XG_PROTO_MAX_GREETING_CHARS);
}

/* The optional reason given when declining: up to 128 characters, one line. */
gboolean
xg_proto_reason_is_valid (const char *reason)
{
  return xg_proto_text_is_valid (reason, XG_PROTO_MAX_REASON_CHARS);
}

/* "" or a real date written YYYY-MM-DD. */
gboolean
xg_proto_birthday_is_valid (const char *birthday)
{
  if (birthday == NULL)
    return FALSE;
  if (*birthday == '\0')
    return TRUE;
  if (strlen (birthday) != 10 || birthday[4] != '-' || birthday[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (birthday[i]))
      return FALSE;
  return g_date_valid_dmy ((GDateDay) g_ascii_strtoull (birthday + 8, NULL, 10),
                           (GDateMonth) g_ascii_strtoull (birthday + 5, NULL, 10),
                           (GDateYear) g_ascii_strtoull (birthday, NULL, 10));
}

gboolean
xg_proto_gender_is_valid (const char *gender)
{
  static const char *const genders[] = { "", "female", "male", "other", NULL };

  return gender != NULL && g_strv_contains (genders, gender);
}

/* Empty (no avatar), or a PNG or JPEG of at most 256 KiB, by its magic bytes. */
gboolean
xg_proto_avatar_is_valid (const guint8 *data,
                          gsize         len)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const guint8 jpeg[] = { 0xff, 0xd8, 0xff };

  if (len == 0)
    return TRUE;
  if (len > XG_PROTO_MAX_AVATAR_BYTES)
    return FALSE;
  return (len > sizeof png && memcmp (data, png, sizeof png) == 0) ||
         (len > sizeof jpeg && memcmp (data, jpeg, sizeof jpeg) == 0);
}

/**
 * xg_proto_profile_field_is_valid:
 * @key: a profile key ("nickname", "signature", "gender", "birthday",
 *   "region", "avatar")
 * @value: its value
 *
 * Whether @value is of the key's type and within its rules; an unknown
 * key is never valid (docs/PROTOCOL.md "Profile fields").
 */
gboolean
xg_proto_profile_field_is_valid (const char *key,
                                 GVariant   *value)
{
  const char *text;

  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  if (g_str_equal (key, "avatar"))
    {
      gsize len;
      const guint8 *data;

      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
        return FALSE;
      data = g_variant_get_fixed_array (value, &len, 1);
      return xg_proto_avatar_is_valid (data, len);
    }

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return FALSE;
  text = g_variant_get_string (value, NULL);

  if (g_str_equal (key, "nickname"))
    return xg_proto_nickname_is_valid (text);
  if (g_str_equal (key, "signature"))
    return xg_proto_text_is_valid (text, XG_PROTO_MAX_SIGNATURE_CHARS);
  if (g_str_equal (key, "gender"))
    return xg_proto_gender_is_valid (text);
  if (g_str_equal (key, "birthday"))
    return xg_proto_birthday_is_valid (text);
  if (g_str_equal (key, "region"))
    return xg_proto_text_is_valid (text, XG_PROTO_MAX_REGION_CHARS);
  return FALSE;
}

/* --- Group fields (docs/PROTOCOL.md "Group fields") ------------------- */

/**
 * xg_proto_group_field_is_valid:
 * @key: a group info key ("name", "description", "avatar")
 * @value: its value
 *
 * Whether @value is of the key's type and within its rules; an unknown
 * key is never valid.
 */
gboolean
xg_proto_group_field_is_valid (const char *key,
                               GVariant   *value)
{
  const char *text;

  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  if (g_str_equal (key, "avatar"))
    {
      gsize len;
      const guint8 *data;

      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
        return FALSE;
      data = g_variant_get_fixed_array (value, &len, 1);
      return xg_proto_avatar_is_valid (data, len);
    }

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return FALSE;
  text = g_variant_get_string (value, NULL);

  if (g_str_equal (key, "name"))
    return *text != '\0' && xg_proto_text_is_valid (text, XG_PROTO_MAX_GROUP_NAME_CHARS);
  if (g_str_equal (key, "description"))
    return g_utf8_validate (text, -1, NULL) &&
           g_utf8_strlen (text, -1) <= XG_PROTO_MAX_GROUP_DESCRIPTION_CHARS;
  return FALSE;
}

/**
 * xg_proto_group_info_is_valid:
 * @info: an `a{sv}` of group fields
 * @creating: %TRUE for GROUP_CREATE, where `name` is required
 *
 * Whether every entry of @info follows its rule (and, when @creating,
 * a name is there). GROUP_INFO_UPDATE may carry any subset of the keys.
 */
gboolean
xg_proto_group_info_is_valid (GVariant *info,
                              gboolean  creating)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;
  gboolean has_name = FALSE;

  if (info == NULL || !g_variant_is_of_type (info, G_VARIANT_TYPE_VARDICT))
    return FALSE;
  g_variant_iter_init (&iter, info);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      if (!xg_proto_group_field_is_valid (key, value))
        {
          g_variant_unref (value);
          return FALSE;
        }
      has_name = has_name || g_str_equal (key, "name");
    }
  return has_name || !creating;
}

/* A join request's reason, or a rejection's: up to 256 characters of UTF-8. */
gboolean
xg_proto_group_reason_is_valid (const char *reason)
{
  return reason != NULL && g_utf8_validate (reason, -1, NULL) &&
         g_utf8_strlen (reason, -1) <= XG_PROTO_MAX_GROUP_REASON_CHARS;
}

/* --- Message payloads (docs/PROTOCOL.md "Message payloads") ----------- */

/**
 * xg_proto_max_payload:
 * @max_frame_size: the connection's, from WELCOME (0 for the default)
 *
 * The largest payload a message may have on a connection: 8 MiB, or less
 * when the frame limit would not leave room for a delivery packet's other
 * fields.
 */
gsize
xg_proto_max_payload (guint32 max_frame_size)
{
  if (max_frame_size == 0)
    max_frame_size = XG_PROTO_DEFAULT_MAX_FRAME;
  if (max_frame_size <= XG_PROTO_MESSAGE_ROOM)
    return 0;
  return MIN ((gsize) XG_PROTO_MAX_PAYLOAD_BYTES, (gsize) max_frame_size - XG_PROTO_MESSAGE_ROOM);
}

static gboolean
mime_type_is_valid (const char *mime_type,
                    const char *required_prefix)
{
  gsize len = strlen (mime_type);
  const char *slash = strchr (mime_type, '/');

  if (len == 0 || len > XG_PROTO_MAX_MIME_TYPE_BYTES || slash == NULL || slash == mime_type ||
      slash[1] == '\0' || strchr (slash + 1, '/') != NULL)
    return FALSE;
  if (required_prefix != NULL && !g_str_has_prefix (mime_type, required_prefix))
    return FALSE;
  for (const char *p = mime_type; *p; p++)
    if (!g_ascii_isgraph (*p))
      return FALSE;
  return TRUE;
}

/* A name to save a file under: one path component, no control characters. */
static gboolean
file_name_is_valid (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > XG_PROTO_MAX_FILE_NAME_BYTES || strchr (name, '/') != NULL ||
      strchr (name, '\\') != NULL || g_str_equal (name, ".") || g_str_equal (name, ".."))
    return FALSE;
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* The GVariant of a structured payload, if it is exactly of @type and in
 * normal form (strings then are valid UTF-8). */
static GVariant *
payload_variant (const guint8 *data,
                 gsize         len,
                 const char   *type)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);
  g_autoptr(GVariant) value = g_variant_new_from_bytes (G_VARIANT_TYPE (type), bytes, FALSE);

  if (!g_variant_is_normal_form (value))
    return NULL;
  return g_steal_pointer (&value);
}

/**
 * xg_proto_payload_is_valid:
 * @msg_type: an XgProtoMessageType, or any other number
 * @max_payload: xg_proto_max_payload() of the connection
 *
 * Whether a message's payload keeps the rules of its type: TEXT is
 * non-empty UTF-8 of at most 64 KiB; IMAGE is `(say)` with an image/ mime
 * type and at least one byte; FILE is `(ssay)` with a plain file name and a
 * mime type. A type this version does not know is opaque and valid at any
 * size up to @max_payload: it is stored and delivered, never dropped.
 */
gboolean
xg_proto_payload_is_valid (guint32       msg_type,
                           const guint8 *data,
                           gsize         len,
                           gsize         max_payload)
{
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) bytes = NULL;
  const char *name, *mime_type;

  if (len > max_payload)
    return FALSE;

  switch (msg_type)
    {
    case XG_PROTO_MESSAGE_TEXT:
      return len > 0 && len <= XG_PROTO_MAX_TEXT_BYTES && g_utf8_validate_len ((const char *) data, len, NULL);

    case XG_PROTO_MESSAGE_IMAGE:
      value = payload_variant (data, len, "(say)");
      if (value == NULL)
        return FALSE;
      g_variant_get (value, "(&s@ay)", &mime_type, &bytes);
      return mime_type_is_valid (mime_type, "image/") && g_variant_get_size (bytes) > 0;

    case XG_PROTO_MESSAGE_FILE:
      value = payload_variant (data, len, "(ssay)");
      if (value == NULL)
        return FALSE;
      g_variant_get (value, "(&s&s@ay)", &name, &mime_type, NULL);
      return file_name_is_valid (name) && mime_type_is_valid (mime_type, NULL);

    default:
      return TRUE;
    }
}

static GBytes *
serialize (GVariant *value)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);

  return g_variant_get_data_as_bytes (owned);
}

/**
 * xg_proto_image_payload_new:
 *
 * Returns: (transfer full): the IMAGE payload `(say)` of @image
 */
GBytes *
xg_proto_image_payload_new (const char *mime_type,
                            GBytes     *image)
{
  return serialize (g_variant_new ("(s@ay)", mime_type,
                                   g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, image, TRUE)));
}

/**
 * xg_proto_file_payload_new:
 *
 * Returns: (transfer full): the FILE payload `(ssay)` of @data
 */
GBytes *
xg_proto_file_payload_new (const char *name,
                           const char *mime_type,
                           GBytes     *data)
{
  return serialize (g_variant_new ("(ss@ay)", name, mime_type,
                                   g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, data, TRUE)));
}

/**
 * xg_proto_image_payload_parse:
 * @payload: an IMAGE payload
 * @mime_type: (out) (transfer full)
 * @image: (out) (transfer full): the image's bytes
 *
 * Returns: %FALSE, setting nothing, when @payload breaks the IMAGE rules
 */
gboolean
xg_proto_image_payload_parse (GBytes  *payload,
                              char   **mime_type,
                              GBytes **image)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) bytes = NULL;
  const char *mime;

  if (!xg_proto_payload_is_valid (XG_PROTO_MESSAGE_IMAGE, data, len, G_MAXSIZE))
    return FALSE;
  value = g_variant_new_from_bytes (G_VARIANT_TYPE ("(say)"), payload, TRUE);
  g_variant_get (value, "(&s@ay)", &mime, &bytes);
  *mime_type = g_strdup (mime);
  *image = g_variant_get_data_as_bytes (bytes);
  return TRUE;
}

/**
 * xg_proto_file_payload_parse:
 * @payload: a FILE payload
 * @name: (out) (transfer full)
 * @mime_type: (out) (transfer full)
 * @data: (out) (transfer full): the file's bytes
 *
 * Returns: %FALSE, setting nothing, when @payload breaks the FILE rules
 */
gboolean
xg_proto_file_payload_parse (GBytes  *payload,
                             char   **name,
                             char   **mime_type,
                             GBytes **data)
{
  gsize len;
  const guint8 *raw = g_bytes_get_data (payload, &len);
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) bytes = NULL;
  const char *n, *mime;

  if (!xg_proto_payload_is_valid (XG_PROTO_MESSAGE_FILE, raw, len, G_MAXSIZE))
    return FALSE;
  value = g_variant_new_from_bytes (G_VARIANT_TYPE ("(ssay)"), payload, TRUE);
  g_variant_get (value, "(&s&s@ay)", &n, &mime, &bytes);
  *name = g_strdup (n);
  *mime_type = g_strdup (mime);
  *data = g_variant_get_data_as_bytes (bytes);
  return TRUE;
}

/**
 * xg_proto_mask_email:
 * @email: (nullable): an address
 *
 * The address as logs may show it: the first character of the local part,
 * "***", then the domain ("j***@example.com").
 *
 * Returns: (transfer full): the masked address
 */
char *
xg_proto_mask_email (const char *email)
{
  const char *at;

  if (email == NULL || *email == '\0')
    return g_strdup ("(none)");

  at = strrchr (email, '@');
  if (at == NULL || at == email || !g_utf8_validate (email, -1, NULL))
    return g_strdup ("***");

  return g_strdup_printf ("%.*s***%s", (int) (g_utf8_next_char (email) - email), email, at);
}
