/* xg-server-mail.c: mail delivery (development outbox or SMTP through libcurl)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <curl/curl.h>

#include "xg-proto-limits.h"
#include "xg-server-mail.h"
#include "xg-server-util.h"

/**
 * XgServerMailer:
 *
 * Sends the server's mail (verification codes and the like).
 *
 * Two kinds exist. The outbox mailer, the development default, writes each
 * message as a `.eml` file into a folder and logs where it went, so a fresh
 * checkout works without a mail server. The SMTP mailer hands each message to
 * a real mail server through libcurl, over smtp:// (optionally requiring
 * STARTTLS) or smtps://.
 *
 * Either way the message is RFC 5322 + MIME: a UTF-8 text/plain body with
 * CRLF line endings and an RFC 2047 encoded Subject, so Chinese and English
 * both arrive intact. In the outbox the body is 8bit, UTF-8 text that reads
 * as it is in a terminal or an editor (quoted-printable should a line be
 * longer than the 998 bytes 8bit allows). Over SMTP it is quoted-printable:
 * 7-bit, so no server has to offer 8BITMIME (libcurl does not ask for it),
 * and still legible where it is ASCII.
 *
 * The work runs on a GTask worker thread; the callback runs on the thread
 * default main context of the caller. Any number of sends may be in flight.
 * Mail bodies and subjects carry verification codes, so neither is ever
 * logged; recipients are logged masked.
 *
 * A mailer's configuration never changes after construction, which is what
 * lets the worker threads read it without locks.
 */

#define DEFAULT_FROM "Xinge <noreply@localhost>"

/* Longest run of UTF-8 bytes per encoded word: 39 bytes are 52 base64
 * characters, so "=?UTF-8?B?…?=" is 64 and "Subject: " plus one word stays
 * under the 76 characters RFC 2047 allows on a line. */
#define ENCODED_WORD_BYTES 39

/* Quoted-printable lines, as RFC 2045 asks (at most 76 characters, the
 * soft break's "=" included). */
#define BODY_LINE_LENGTH 76

/* The longest line an 8bit body may have, CRLF not counted (RFC 5322 §2.1.1). */
#define BODY_8BIT_LINE_MAX 998

/* Network limits for one SMTP session, in seconds. */
#define SMTP_CONNECT_TIMEOUT  20
#define SMTP_RESPONSE_TIMEOUT 60
#define SMTP_TOTAL_TIMEOUT    180

typedef enum {
  MAILER_OUTBOX,
  MAILER_SMTP,
} MailerKind;

struct _XgServerMailer
{
  GObject parent_instance;

  MailerKind kind;
  char *description;

  /* Outbox: the folder the .eml files go to. */
  char *outbox_dir;

  /* SMTP. curl_url is the URL handed to curl (with the EHLO domain filled
   * in); url_error, when set, says why the configured URL cannot be used. */
  char *curl_url;
  char *url_error;
  gboolean starttls;
  char *username;
  char *password;
  char *ca_file;

  /* The sender: header form, envelope form, and the Message-ID domain.
   * from_error, when set, says why the configured sender cannot be used. */
  char *from_header;
  char *from_address;
  char *from_domain;
  char *from_error;
};

G_DEFINE_FINAL_TYPE (XgServerMailer, xg_server_mailer, G_TYPE_OBJECT)

typedef struct
{
  char *to;            /* as the envelope carries it */
  gboolean utf8_local; /* its local part is not ASCII: needs SMTPUTF8 */
  char *masked_to;
  char *message;       /* holds a verification code: wiped when freed */
  gsize message_len;
} SendData;

static void
free_secret (char **secret)
{
  if (*secret != NULL)
    {
      explicit_bzero (*secret, strlen (*secret));
      g_clear_pointer (secret, g_free);
    }
}

static void
send_data_free (gpointer data)
{
  SendData *send = data;

  g_free (send->to);
  g_free (send->masked_to);
  free_secret (&send->message);
  g_free (send);
}

static void
xg_server_mailer_finalize (GObject *object)
{
  XgServerMailer *self = XG_SERVER_MAILER (object);

  g_free (self->description);
  g_free (self->outbox_dir);
  g_free (self->curl_url);
  g_free (self->url_error);
  g_free (self->username);
  free_secret (&self->password);
  g_free (self->ca_file);
  g_free (self->from_header);
  g_free (self->from_address);
  g_free (self->from_domain);
  g_free (self->from_error);

  G_OBJECT_CLASS (xg_server_mailer_parent_class)->finalize (object);
}

static void
xg_server_mailer_class_init (XgServerMailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = xg_server_mailer_finalize;
}

static void
xg_server_mailer_init (XgServerMailer *self)
{
}

/* libcurl */

static gpointer
curl_init_once (gpointer data)
{
  return GINT_TO_POINTER (curl_global_init (CURL_GLOBAL_DEFAULT));
}

/* curl_global_init() is not thread-safe everywhere; every curl user in this
 * file goes through here first, and the first call comes from a
 * constructor, on the caller's thread. */
static CURLcode
ensure_curl (void)
{
  static GOnce once = G_ONCE_INIT;

  return (CURLcode) GPOINTER_TO_INT (g_once (&once, curl_init_once, NULL));
}

/* Addresses and headers */

/* Whether @domain is a plain host name: letters, digits, dots and dashes. */
static gboolean
domain_is_valid (const char *domain)
{
  if (domain[0] == '\0' || domain[0] == '.' || domain[0] == '-')
    return FALSE;

  for (const char *p = domain; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
        return FALSE;
    }

  return TRUE;
}

/* Whether @address is an ASCII addr-spec we can put into a header and an
 * SMTP envelope as is: local@domain with no spaces, controls or characters
 * that would need quoting. Anything else is refused rather than guessed at;
 * it is also what keeps CR/LF (header injection) out. */
static gboolean
address_is_valid (const char *address)
{
  const char *at;
  gsize len;

  if (address == NULL)
    return FALSE;

  len = strlen (address);
  if (len < 3 || len > 254)
    return FALSE;

  for (const char *p = address; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c <= ' ' || c >= 0x7f || strchr ("<>()[]\\,;:\"", c) != NULL)
        return FALSE;
    }

  at = strrchr (address, '@');
  if (at == NULL || at == address)
    return FALSE;

  return domain_is_valid (at + 1);
}

/* The recipient as the envelope and the To: header carry it, or NULL when
 * @address cannot be sent at all. An internationalized domain goes out in
 * its ASCII form (IDNA, g_hostname_to_ascii()), which every server takes. A
 * local part beyond ASCII is passed as UTF-8: libcurl then asks for SMTPUTF8
 * (RFC 6531) in MAIL FROM, and the header carries it as RFC 6532 allows; a
 * server that does not offer SMTPUTF8 refuses the recipient. @utf8_local
 * says which. Controls, spaces and characters that would need quoting are
 * refused as in address_is_valid(): that keeps CR/LF out of the headers. */
static char *
recipient_prepare (const char *address,
                   gboolean   *utf8_local)
{
  g_autofree char *local = NULL;
  g_autofree char *domain = NULL;
  g_autofree char *envelope = NULL;
  const char *at;

  *utf8_local = FALSE;
  if (address == NULL || !xg_proto_email_is_valid (address))
    return NULL;
  at = strrchr (address, '@');
  local = g_strndup (address, at - address);
  for (const char *p = local; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c <= ' ' || c == 0x7f || strchr ("<>()[]\\,;:\"@", c) != NULL)
        return NULL;
      if (c >= 0x80)
        *utf8_local = TRUE;
    }
  /* RFC 5321 §4.5.3.1.1 */
  if (strlen (local) > 64)
    return NULL;

  domain = g_str_is_ascii (at + 1) ? g_strdup (at + 1) : g_hostname_to_ascii (at + 1);
  if (domain == NULL || !domain_is_valid (domain))
    return NULL;

  envelope = g_strconcat (local, "@", domain, NULL);
  if (strlen (envelope) > 254)
    return NULL;
  return g_steal_pointer (&envelope);
}

/* Appends @text as RFC 2047 encoded words (UTF-8, base64), folded so that
 * no line grows past 76 characters. Each word holds whole characters only,
 * as RFC 2047 §5 requires. */
static void
append_encoded_words (GString    *out,
                      const char *text)
{
  const char *p = text;

  do
    {
      const char *start = p;
      g_autofree char *b64 = NULL;

      while (*p != '\0')
        {
          const char *next = g_utf8_next_char (p);

          if (next - start > ENCODED_WORD_BYTES)
            break;
          p = next;
        }

      if (start != text)
        g_string_append (out, "\r\n ");

      b64 = g_base64_encode ((const guchar *) start, p - start);
      g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);
    }
  while (*p != '\0');
}

/* Whether @text can stand as a display name without quoting or encoding. */
static gboolean
is_plain_phrase (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr (" !#$%&'*+-/=?^_`{|}~", *p) == NULL)
        return FALSE;
    }

  return TRUE;
}

/* Splits a configured sender, "Name <addr@domain>" or "addr@domain", into
 * the From header value and the envelope address. */
static void
parse_from (XgServerMailer *self,
            const char     *from)
{
  g_autofree char *name = NULL;
  g_autofree char *address = NULL;
  const char *lt;
  GString *header;

  if (!g_utf8_validate (from, -1, NULL))
    {
      self->from_error = g_strdup ("The configured sender address is not valid UTF-8");
      return;
    }

  /* Checked first, so no message below repeats a line break into the log. */
  for (const char *p = from; *p != '\0'; p++)
    {
      if ((guchar) *p < ' ' || *p == 0x7f)
        {
          self->from_error = g_strdup ("The configured sender contains control characters "
                                       "(a line break?)");
          return;
        }
    }

  lt = strchr (from, '<');
  if (lt != NULL)
    {
      const char *gt = strchr (lt, '>');
      g_autofree char *rest = gt != NULL ? g_strstrip (g_strdup (gt + 1)) : NULL;

      if (gt == NULL || rest[0] != '\0')
        {
          self->from_error = g_strdup_printf ("The configured sender “%s” is not of the form "
                                              "“Name <address@domain>”", from);
          return;
        }

      name = g_strstrip (g_strndup (from, lt - from));
      address = g_strndup (lt + 1, gt - lt - 1);

      /* A quoted display name: drop the quotes, we quote again below. */
      if (strlen (name) >= 2 && name[0] == '"' && name[strlen (name) - 1] == '"')
        {
          char *unquoted = g_strndup (name + 1, strlen (name) - 2);

          g_free (name);
          name = unquoted;
        }
    }
  else
    {
      address = g_strstrip (g_strdup (from));
    }

  if (!address_is_valid (address))
    {
      self->from_error = g_strdup_printf ("The configured sender address “%s” is not a plain "
                                          "ASCII address of the form address@domain", address);
      return;
    }

  header = g_string_new (NULL);
  if (name == NULL || name[0] == '\0')
    {
      g_string_append (header, address);
    }
  else if (is_plain_phrase (name))
    {
      g_string_append_printf (header, "%s <%s>", name, address);
    }
  else if (g_str_is_ascii (name))
    {
      g_string_append_c (header, '"');
      for (const char *p = name; *p != '\0'; p++)
        {
          if (*p == '"' || *p == '\\')
            g_string_append_c (header, '\\');
          g_string_append_c (header, *p);
        }
      g_string_append_printf (header, "\" <%s>", address);
    }
  else
    {
      append_encoded_words (header, name);
      g_string_append_printf (header, " <%s>", address);
    }

  self->from_header = g_string_free (header, FALSE);
  self->from_domain = g_strdup (strrchr (address, '@') + 1);
  self->from_address = g_steal_pointer (&address);
}

/* RFC 5322 date-time, in English whatever the locale. */
static char *
format_date (GDateTime *now)
{
  static const char * const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char * const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autofree char *zone = g_date_time_format (now, "%z");

  return g_strdup_printf ("%s, %02d %s %04d %02d:%02d:%02d %s",
                          days[g_date_time_get_day_of_week (now) - 1],
                          g_date_time_get_day_of_month (now),
                          months[g_date_time_get_month (now) - 1],
                          g_date_time_get_year (now),
                          g_date_time_get_hour (now),
                          g_date_time_get_minute (now),
                          g_date_time_get_second (now),
                          zone);
}

/* @text in canonical form: CRLF line ends. */
static GString *
canonical_text (const char *text)
{
  GString *canonical = g_string_sized_new (strlen (text) * 2 + 2);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\r' && p[1] == '\n')
        continue;
      if (*p == '\r' || *p == '\n')
        g_string_append (canonical, "\r\n");
      else
        g_string_append_c (canonical, *p);
    }
  return canonical;
}

/* Whether every line of @canonical fits into an 8bit body. */
static gboolean
fits_8bit (const GString *canonical)
{
  gsize line = 0;

  for (gsize i = 0; i < canonical->len; i++)
    {
      if (canonical->str[i] == '\r')
        line = 0;
      else if (canonical->str[i] != '\n' && ++line > BODY_8BIT_LINE_MAX)
        return FALSE;
    }
  return TRUE;
}

/* Appends @canonical quoted-printable (RFC 2045 §6.7): printable ASCII but
 * "=" as it is, every other byte as =XX, white space before a line end
 * encoded, soft line breaks keeping lines within BODY_LINE_LENGTH. */
static void
append_quoted_printable (GString       *out,
                         const GString *canonical)
{
  static const char hex[] = "0123456789ABCDEF";
  gsize column = 0;

  for (gsize i = 0; i < canonical->len; i++)
    {
      guchar c = (guchar) canonical->str[i];
      gboolean line_end = i + 1 >= canonical->len || canonical->str[i + 1] == '\r';
      char encoded[4];
      gsize width;

      if (c == '\r' && i + 1 < canonical->len && canonical->str[i + 1] == '\n')
        {
          g_string_append (out, "\r\n");
          column = 0;
          i++;
          continue;
        }

      if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end))
        {
          encoded[0] = (char) c;
          width = 1;
        }
      else
        {
          encoded[0] = '=';
          encoded[1] = hex[c >> 4];
          encoded[2] = hex[c & 0xf];
          width = 3;
        }

      /* Room for this and a soft break's "=" (none needed at a line end). */
      if (column + width > BODY_LINE_LENGTH - (line_end ? 0 : 1))
        {
          g_string_append (out, "=\r\n");
          column = 0;
        }
      g_string_append_len (out, encoded, width);
      column += width;
    }
  if (column > 0)
    g_string_append (out, "\r\n");
}

/* The Content-Transfer-Encoding header, the blank line, and the body:
 * 8bit when @eight_bit and every line fits, else quoted-printable. */
static void
append_body (GString    *out,
             const char *text,
             gboolean    eight_bit)
{
  GString *canonical = canonical_text (text);

  if (eight_bit && fits_8bit (canonical))
    {
      g_string_append (out, "Content-Transfer-Encoding: 8bit\r\n\r\n");
      g_string_append_len (out, canonical->str, canonical->len);
      if (canonical->len < 2 || !g_str_has_suffix (canonical->str, "\r\n"))
        g_string_append (out, "\r\n");
    }
  else
    {
      g_string_append (out, "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
      append_quoted_printable (out, canonical);
    }

  /* It holds the text, and with it a verification code. */
  explicit_bzero (canonical->str, canonical->len);
  g_string_free (canonical, TRUE);
}

static char *
build_message (XgServerMailer *self,
               const char     *to,
               const char     *subject,
               const char     *text_body,
               gsize          *len)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = format_date (now);
  g_autofree char *uuid = g_uuid_string_random ();
  /* Sized so that it never grows: no stray copies of the code in freed memory. */
  GString *out = g_string_sized_new (1024 + strlen (self->from_header) + strlen (to) +
                                     strlen (subject) * 2 + strlen (text_body) * 4);

  g_string_append_printf (out, "Date: %s\r\n", date);
  g_string_append_printf (out, "From: %s\r\n", self->from_header);
  g_string_append_printf (out, "To: %s\r\n", to);
  g_string_append (out, "Subject: ");
  append_encoded_words (out, subject);
  g_string_append (out, "\r\n");
  g_string_append_printf (out, "Message-ID: <%s@%s>\r\n", uuid, self->from_domain);
  g_string_append (out,
                   "MIME-Version: 1.0\r\n"
                   "Content-Type: text/plain; charset=UTF-8\r\n");
  append_body (out, text_body, self->kind == MAILER_OUTBOX);

  *len = out->len;
  return g_string_free (out, FALSE);
}

/* Outbox */

static void
outbox_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  XgServerMailer *self = source_object;
  SendData *send = task_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S.%fZ");
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (g_mkdir_with_parents (self->outbox_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "Could not create the mail outbox folder %s: %s",
                               self->outbox_dir, g_strerror (saved_errno));
      return;
    }

  name = g_strdup_printf ("%s-%08x%08x.eml", stamp, g_random_int (), g_random_int ());
  path = g_build_filename (self->outbox_dir, name, NULL);
  /* Written to a temporary file, then renamed: a reader never sees half a mail. */
  if (!g_file_set_contents_full (path, send->message, send->message_len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_file_error (error->code),
                               "Could not write mail to the outbox: %s", error->message);
      return;
    }

  g_message ("Mail for %s written to %s", send->masked_to, path);
  g_task_return_boolean (task, TRUE);
}

/**
 * xg_server_mailer_new_outbox:
 * @outbox_dir: the outbox folder itself (the server passes DATA_DIR/outbox)
 *
 * Creates the development mailer: each mail becomes
 * `@outbox_dir/<time>-<random>.eml` (written atomically, mode 0600; the
 * folder is created with mode 0700 if missing), plus one log line with the
 * file's path and the masked recipient. `<time>` is UTC and sorts, so the
 * newest mail is the last name in the folder. The sender is
 * "Xinge <noreply@localhost>".
 *
 * Returns: (transfer full): a new mailer
 */
XgServerMailer *
xg_server_mailer_new_outbox (const char *outbox_dir)
{
  XgServerMailer *self;

  g_return_val_if_fail (outbox_dir != NULL, NULL);

  self = g_object_new (XG_TYPE_SERVER_MAILER, NULL);
  self->kind = MAILER_OUTBOX;
  self->outbox_dir = g_strdup (outbox_dir);
  self->description = g_strdup_printf ("outbox %s", self->outbox_dir);
  parse_from (self, DEFAULT_FROM);
  g_assert (self->from_error == NULL);

  return self;
}

/* SMTP */

typedef struct
{
  const char *data;
  gsize size;
  gsize offset;
} Upload;

static size_t
upload_read (char   *buffer,
             size_t  size,
             size_t  nitems,
             void   *user_data)
{
  Upload *upload = user_data;
  gsize n = MIN (size * nitems, upload->size - upload->offset);

  memcpy (buffer, upload->data + upload->offset, n);
  upload->offset += n;

  return n;
}

static int
transfer_progress (void       *user_data,
                   curl_off_t  dltotal,
                   curl_off_t  dlnow,
                   curl_off_t  ultotal,
                   curl_off_t  ulnow)
{
  GCancellable *cancellable = user_data;

  /* Non-zero aborts the transfer with CURLE_ABORTED_BY_CALLBACK. */
  return g_cancellable_is_cancelled (cancellable) ? 1 : 0;
}

/* A hint for the operator about what to check, or NULL. */
static const char *
curl_hint (CURLcode code)
{
  switch (code)
    {
    case CURLE_COULDNT_CONNECT:
      return "is the mail server running and the host and port in the URL right?";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "check the host name in the URL";
    case CURLE_LOGIN_DENIED:
      return "check the SMTP user name and password";
    case CURLE_USE_SSL_FAILED:
      return "the server does not offer STARTTLS; use smtps:// if it speaks TLS "
             "from the start";
    case CURLE_PEER_FAILED_VERIFICATION:
      return "the server's certificate is not trusted, or not issued for this host "
             "name; set the CA file, or use the host name the certificate names";
    case CURLE_SSL_CACERT_BADFILE:
      return "check the CA file setting";
    case CURLE_OPERATION_TIMEDOUT:
      return "the mail server did not answer in time";
    default:
      return NULL;
    }
}

static GIOErrorEnum
curl_code_to_io_error (CURLcode code,
                       long     os_errno)
{
  switch (code)
    {
    case CURLE_COULDNT_CONNECT:
      return os_errno != 0 ? g_io_error_from_errno ((int) os_errno) : G_IO_ERROR_CONNECTION_REFUSED;
    case CURLE_COULDNT_RESOLVE_HOST:
      return G_IO_ERROR_HOST_NOT_FOUND;
    case CURLE_OPERATION_TIMEDOUT:
      return G_IO_ERROR_TIMED_OUT;
    case CURLE_LOGIN_DENIED:
      return G_IO_ERROR_PERMISSION_DENIED;
    case CURLE_USE_SSL_FAILED:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return G_IO_ERROR_NOT_SUPPORTED;
    case CURLE_URL_MALFORMAT:
      return G_IO_ERROR_INVALID_ARGUMENT;
    case CURLE_ABORTED_BY_CALLBACK:
      return G_IO_ERROR_CANCELLED;
    default:
      return G_IO_ERROR_FAILED;
    }
}

static void
smtp_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  XgServerMailer *self = source_object;
  SendData *send = task_data;
  g_autoptr(GCancellable) own_cancellable = NULL;
  g_autofree char *mail_from = NULL;
  struct curl_slist *recipients = NULL;
  char error_buffer[CURL_ERROR_SIZE] = { 0 };
  Upload upload = { 0 };
  CURLcode code;
  CURL *curl;

  if (g_task_return_error_if_cancelled (task))
    return;

  code = ensure_curl ();
  if (code != CURLE_OK)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "Could not set up libcurl: %s", curl_easy_strerror (code));
      return;
    }

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "Could not set up libcurl (out of memory?)");
      return;
    }

  if (cancellable == NULL)
    cancellable = own_cancellable = g_cancellable_new ();

  upload.data = send->message;
  upload.size = send->message_len;
  mail_from = g_strdup_printf ("<%s>", self->from_address);
  recipients = curl_slist_append (NULL, send->to);

  /* Never CURLOPT_VERBOSE: its trace holds the AUTH exchange. */
  curl_easy_setopt (curl, CURLOPT_URL, self->curl_url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) SMTP_CONNECT_TIMEOUT);
  curl_easy_setopt (curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long) SMTP_RESPONSE_TIMEOUT);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) SMTP_TOTAL_TIMEOUT);
  curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) (self->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (self->ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, self->ca_file);
  if (self->username != NULL)
    curl_easy_setopt (curl, CURLOPT_USERNAME, self->username);
  if (self->password != NULL)
    curl_easy_setopt (curl, CURLOPT_PASSWORD, self->password);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, upload_read);
  curl_easy_setopt (curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt (curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (curl, CURLOPT_XFERINFOFUNCTION, transfer_progress);
  curl_easy_setopt (curl, CURLOPT_XFERINFODATA, cancellable);

  code = curl_easy_perform (curl);

  if (code == CURLE_OK)
    {
      g_info ("Mail for %s sent through %s", send->masked_to, self->description);
      g_task_return_boolean (task, TRUE);
    }
  else if (code == CURLE_ABORTED_BY_CALLBACK && g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_error_if_cancelled (task);
    }
  else
    {
      long os_errno = 0;
      long response = 0;
      const char *hint = curl_hint (code);
      g_autoptr(GString) message = g_string_new (NULL);

      curl_easy_getinfo (curl, CURLINFO_OS_ERRNO, &os_errno);
      curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &response);

      g_string_append_printf (message, "Could not send mail through %s: %s",
                              self->description, curl_easy_strerror (code));
      if (error_buffer[0] != '\0')
        g_string_append_printf (message, " (%s)", g_strchomp (error_buffer));
      if (code == CURLE_COULDNT_CONNECT && os_errno != 0)
        g_string_append_printf (message, ": %s", g_strerror ((int) os_errno));
      if (response >= 400)
        g_string_append_printf (message, "; the server's last reply was %ld", response);
      if (hint != NULL)
        g_string_append_printf (message, "; %s", hint);
      if (send->utf8_local && response >= 500)
        g_string_append (message, "; the recipient's address is not ASCII, which needs a server "
                                  "that offers SMTPUTF8");

      g_task_return_new_error (task, G_IO_ERROR, curl_code_to_io_error (code, os_errno),
                               "%s", message->str);
    }

  curl_easy_cleanup (curl);
  curl_slist_free_all (recipients);
}

/* Reads @url into the description (scheme, host and port; never
 * credentials) and the URL curl gets. curl takes the EHLO domain from the
 * URL's path and says "localhost" when there is none, which strict servers
 * refuse; the sender's domain is a better default. */
static void
parse_smtp_url (XgServerMailer *self,
                const char     *url)
{
  CURLU *u = curl_url ();
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  g_autofree char *path = NULL;
  char *part = NULL;
  CURLUcode rc;

  if (u == NULL)
    {
      self->url_error = g_strdup ("Could not parse the SMTP URL (out of memory?)");
      self->description = g_strdup ("smtp (invalid URL)");
      return;
    }

  rc = curl_url_set (u, CURLUPART_URL, url, 0);
  if (rc == CURLUE_OK)
    {
      rc = curl_url_get (u, CURLUPART_SCHEME, &part, 0);
      scheme = g_strdup (part);
      g_clear_pointer (&part, curl_free);
    }
  if (rc == CURLUE_OK)
    {
      rc = curl_url_get (u, CURLUPART_HOST, &part, 0);
      host = g_strdup (part);
      g_clear_pointer (&part, curl_free);
    }
  if (rc == CURLUE_OK)
    {
      rc = curl_url_get (u, CURLUPART_PORT, &part, CURLU_DEFAULT_PORT);
      port = g_strdup (part);
      g_clear_pointer (&part, curl_free);
    }

  if (rc != CURLUE_OK)
    {
      /* The URL itself is not repeated: it may hold a password. */
      self->url_error = g_strdup_printf ("The configured SMTP URL is not valid: %s",
                                         curl_url_strerror (rc));
      self->description = g_strdup ("smtp (invalid URL)");
      curl_url_cleanup (u);
      return;
    }

  self->description = g_strdup_printf ("%s://%s:%s", scheme, host, port);

  if (g_ascii_strcasecmp (scheme, "smtp") != 0 && g_ascii_strcasecmp (scheme, "smtps") != 0)
    {
      self->url_error = g_strdup_printf ("The configured mail URL %s is not an smtp:// or "
                                         "smtps:// URL", self->description);
      curl_url_cleanup (u);
      return;
    }

  if (curl_url_get (u, CURLUPART_PATH, &part, 0) == CURLUE_OK)
    {
      path = g_strdup (part);
      g_clear_pointer (&part, curl_free);
    }
  if ((path == NULL || g_str_equal (path, "") || g_str_equal (path, "/")) &&
      self->from_domain != NULL)
    {
      g_autofree char *ehlo_path = g_strconcat ("/", self->from_domain, NULL);

      curl_url_set (u, CURLUPART_PATH, ehlo_path, 0);
    }

  if (curl_url_get (u, CURLUPART_URL, &part, 0) == CURLUE_OK)
    {
      self->curl_url = g_strdup (part);
      g_clear_pointer (&part, curl_free);
    }
  else
    {
      self->curl_url = g_strdup (url);
    }

  curl_url_cleanup (u);
}

/**
 * xg_server_mailer_new_smtp:
 * @url: "smtp://host:port" or "smtps://host:port"; a path, if any, is the
 *   name the server introduces itself with (EHLO), by default the sender's
 *   domain
 * @starttls: on smtp://, require STARTTLS and fail rather than send in the
 *   clear; with %FALSE, smtp:// speaks plain SMTP. smtps:// is TLS throughout
 *   either way.
 * @username: (nullable): the SMTP AUTH user name, or %NULL for no AUTH
 * @password: (nullable): the SMTP AUTH password
 * @from: (nullable): the sender, "Name <address@domain>" or
 *   "address@domain"; %NULL means "Xinge <noreply@localhost>"
 * @ca_file: (nullable): PEM file of the certificate authorities to trust
 *   for the server's certificate, or %NULL for the system's
 *
 * Creates a mailer that hands mail to an SMTP server through libcurl. The
 * server's certificate is always verified, host name included.
 *
 * Nothing is contacted here. A URL or sender that cannot be used is
 * reported by each send, with what is wrong.
 *
 * Returns: (transfer full): a new mailer
 */
XgServerMailer *
xg_server_mailer_new_smtp (const char *url,
                           gboolean    starttls,
                           const char *username,
                           const char *password,
                           const char *from,
                           const char *ca_file)
{
  XgServerMailer *self;

  g_return_val_if_fail (url != NULL, NULL);

  ensure_curl ();

  self = g_object_new (XG_TYPE_SERVER_MAILER, NULL);
  self->kind = MAILER_SMTP;
  self->starttls = !!starttls;
  self->username = g_strdup (username);
  self->password = g_strdup (password);
  self->ca_file = g_strdup (ca_file);

  parse_from (self, from != NULL ? from : DEFAULT_FROM);
  parse_smtp_url (self, url);

  if (self->url_error == NULL && username != NULL && !starttls &&
      g_str_has_prefix (self->description, "smtp:"))
    g_message ("Mail through %s sends the SMTP password unencrypted unless the server is "
               "only reachable over a trusted link; consider STARTTLS or smtps://",
               self->description);

  return self;
}

/**
 * xg_server_mailer_describe:
 * @self: a mailer
 *
 * Returns where mail goes, for logs: "outbox /path/to/outbox" or
 * "smtp://host:port". Never holds credentials.
 *
 * Returns: (transfer none): the description
 */
const char *
xg_server_mailer_describe (XgServerMailer *self)
{
  g_return_val_if_fail (XG_IS_SERVER_MAILER (self), NULL);

  return self->description;
}

/**
 * xg_server_mailer_send_async:
 * @self: a mailer
 * @to: the recipient, "local@domain"; an internationalized domain is sent
 *   in its IDNA form, a non-ASCII local part needs a server with SMTPUTF8
 * @subject: the subject, UTF-8
 * @text_body: the text, UTF-8; line ends may be LF or CRLF
 * @cancellable: (nullable): a #GCancellable
 * @callback: called on the caller's thread-default main context when done
 * @user_data: data for @callback
 *
 * Builds a MIME message and delivers it off the main loop, to the outbox
 * folder or the SMTP server. Call xg_server_mailer_send_finish() from
 * @callback. Neither the subject nor the body is ever logged.
 */
void
xg_server_mailer_send_async (XgServerMailer      *self,
                             const char          *to,
                             const char          *subject,
                             const char          *text_body,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *envelope_to = NULL;
  gboolean utf8_local;
  SendData *send;

  g_return_if_fail (XG_IS_SERVER_MAILER (self));
  g_return_if_fail (to != NULL);
  g_return_if_fail (subject != NULL);
  g_return_if_fail (text_body != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_server_mailer_send_async);
  g_task_set_name (task, "[xinge] send mail");

  if (self->from_error != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "%s", self->from_error);
      return;
    }

  if (self->url_error != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "%s", self->url_error);
      return;
    }

  /* The address rule accounts follow (a dot in the domain, …), in the
   * form SMTP carries. */
  envelope_to = recipient_prepare (to, &utf8_local);
  if (envelope_to == NULL)
    {
      g_autofree char *masked = xg_proto_mask_email (to);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Cannot send mail to %s: not an address of the form local@domain "
                               "that mail can be sent to", masked);
      return;
    }

  if (!g_utf8_validate (subject, -1, NULL) || !g_utf8_validate (text_body, -1, NULL))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "Cannot send mail: the subject or text is not valid UTF-8");
      return;
    }

  send = g_new0 (SendData, 1);
  send->to = g_strdup (envelope_to);
  send->utf8_local = utf8_local;
  send->masked_to = xg_proto_mask_email (to);
  send->message = build_message (self, envelope_to, subject, text_body, &send->message_len);
  g_task_set_task_data (task, send, send_data_free);

  g_task_run_in_thread (task, self->kind == MAILER_OUTBOX ? outbox_thread : smtp_thread);
}

/**
 * xg_server_mailer_send_finish:
 * @self: a mailer
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes xg_server_mailer_send_async(). Errors are in the %G_IO_ERROR
 * domain, with a message an operator can act on: %G_IO_ERROR_INVALID_ARGUMENT
 * for a recipient, sender or URL that cannot be used,
 * %G_IO_ERROR_CONNECTION_REFUSED (or another errno mapping) when the server
 * cannot be reached, %G_IO_ERROR_HOST_NOT_FOUND, %G_IO_ERROR_TIMED_OUT,
 * %G_IO_ERROR_PERMISSION_DENIED when the login is refused,
 * %G_IO_ERROR_NOT_SUPPORTED when STARTTLS is required but not offered,
 * %G_IO_ERROR_CANCELLED, and %G_IO_ERROR_FAILED for the rest (TLS
 * verification, refused recipients: the message says which).
 *
 * Returns: %TRUE if the mail was handed over (written, or accepted by the
 *   SMTP server)
 */
gboolean
xg_server_mailer_send_finish (XgServerMailer  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (XG_IS_SERVER_MAILER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xg_server_mailer_send_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
