/* test-mail.c: XgServerMailer against its outbox and a real SMTP listener
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The SMTP listener is tests/mail/smtp-sink.py (Debian's python3-aiosmtpd),
 * run with $XG_TEST_PYTHON; TLS certificates come from certtool
 * ($XG_TEST_CERTTOOL, package gnutls-bin), made fresh for each run.
 */
#define G_LOG_DOMAIN "xg-test-mail"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "xg-server-mail.h"

#define ZH_SUBJECT "信鸽验证码：482915"
#define ZH_BODY "您好！\n\n您的信鸽验证码是 482915，十分钟内有效。\n如果这不是您本人的操作，请忽略此邮件。\n\n—— 信鸽团队\n"
#define EN_SUBJECT "Your Xinge verification code is 731046 — enter it within ten minutes " \
                   "of receiving this message, or ask for a new one"
#define EN_BODY "Hello,\r\n\r\nyour Xinge verification code is 731046.\r\n" \
                ".a line starting with a dot\r\nand a very long line " \
                "that goes on and on and on and on and on and on and on and on and on and on\r\n"

static GThread *main_thread;

/* Log capture: what the mailer logs, in the "xg-server" domain. */

static GMutex log_mutex;
static GPtrArray *log_lines;

static void
capture_log (const char     *log_domain,
             GLogLevelFlags  log_level,
             const char     *message,
             gpointer        user_data)
{
  g_mutex_lock (&log_mutex);
  g_ptr_array_add (log_lines, g_strdup (message));
  g_mutex_unlock (&log_mutex);
}

static void
log_clear (void)
{
  g_mutex_lock (&log_mutex);
  g_ptr_array_set_size (log_lines, 0);
  g_mutex_unlock (&log_mutex);
}

/* Whether the captured logs contain @needle anywhere. */
static gboolean
log_contains (const char *needle)
{
  gboolean found = FALSE;

  g_mutex_lock (&log_mutex);
  for (guint i = 0; i < log_lines->len && !found; i++)
    found = strstr (g_ptr_array_index (log_lines, i), needle) != NULL;
  g_mutex_unlock (&log_mutex);

  return found;
}

/* Files */

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }

  g_rmdir (path);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  /* g_ptr_array_sort passes pointers to the elements. */
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The names in @path, sorted; hidden files included. */
static GPtrArray *
list_dir (const char *path)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  return names;
}

static char *
read_file (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  return contents;
}

static char *
crlf_to_lf (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\r\n", -1);

  return g_strjoinv ("\n", lines);
}

/* Sending */

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  *out = g_object_ref (result);
}

static gboolean
send_and_wait (XgServerMailer  *mailer,
               const char      *to,
               const char      *subject,
               const char      *body,
               GCancellable    *cancellable,
               GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  xg_server_mailer_send_async (mailer, to, subject, body, cancellable, on_sent, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return xg_server_mailer_send_finish (mailer, result, error);
}

/* Parsing a sent message, independently of the mailer's code. */

typedef struct
{
  GHashTable *headers;  /* lower-case name → unfolded value */
  char *body;           /* decoded */
} Mail;

static void
mail_free (Mail *mail)
{
  g_hash_table_unref (mail->headers);
  g_free (mail->body);
  g_free (mail);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Mail, mail_free)

/* Decodes RFC 2047 encoded words (UTF-8, B) in @value; white space between
 * two encoded words goes, as RFC 2047 §6.2 says. */
static char *
decode_header (const char *value)
{
  g_auto(GStrv) tokens = g_strsplit (value, " ", -1);
  GString *out = g_string_new (NULL);
  gboolean previous_encoded = FALSE;

  for (guint i = 0; tokens[i] != NULL; i++)
    {
      const char *token = tokens[i];
      gsize len = strlen (token);
      gboolean encoded = g_ascii_strncasecmp (token, "=?UTF-8?B?", 10) == 0 &&
                         len >= 12 && g_str_has_suffix (token, "?=");

      if (i > 0 && !(encoded && previous_encoded))
        g_string_append_c (out, ' ');

      if (encoded)
        {
          g_autofree char *b64 = g_strndup (token + 10, len - 12);
          g_autofree guchar *raw = NULL;
          gsize raw_len;

          g_assert_cmpuint (len, <=, 75);
          raw = g_base64_decode (b64, &raw_len);
          /* Each word holds whole characters. */
          g_assert_true (g_utf8_validate ((const char *) raw, raw_len, NULL));
          g_string_append_len (out, (const char *) raw, raw_len);
        }
      else
        {
          g_string_append (out, token);
        }

      previous_encoded = encoded;
    }

  return g_string_free (out, FALSE);
}

static Mail *
mail_parse (const char *raw)
{
  g_autoptr(Mail) mail = g_new0 (Mail, 1);
  const char *split = strstr (raw, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) body_lines = NULL;
  g_autofree char *current = NULL;
  g_autofree guchar *body = NULL;
  const char *encoding;
  gsize body_len;

  mail->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  /* CRLF everywhere, never a bare CR or LF. */
  for (const char *p = raw; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_assert_true (p > raw && p[-1] == '\r');
      if (*p == '\r')
        g_assert_true (p[1] == '\n');
    }

  g_assert_nonnull (split);
  head = g_strndup (raw, split - raw);
  lines = g_strsplit (head, "\r\n", -1);

  for (guint i = 0;; i++)
    {
      const char *line = lines[i];

      /* ASCII, but for a recipient beyond ASCII, which only goes to a
       * server with SMTPUTF8 and then may be UTF-8 (RFC 6532). */
      g_assert_true (line == NULL || g_str_is_ascii (line) ||
                     (g_str_has_prefix (line, "To: ") && g_utf8_validate (line, -1, NULL)));
      g_assert_true (line == NULL || strlen (line) <= 78);

      if (line != NULL && (line[0] == ' ' || line[0] == '\t'))
        {
          char *joined;

          g_assert_nonnull (current);
          joined = g_strconcat (current, line, NULL);
          g_free (current);
          current = joined;
          continue;
        }

      if (current != NULL)
        {
          const char *colon = strchr (current, ':');
          char *name;

          g_assert_nonnull (colon);
          g_assert_true (colon[1] == ' ');
          name = g_ascii_strdown (current, colon - current);
          g_assert_false (g_hash_table_contains (mail->headers, name));
          g_hash_table_insert (mail->headers, name, g_strdup (colon + 2));
          g_clear_pointer (&current, g_free);
        }

      if (line == NULL)
        break;
      current = g_strdup (line);
    }

  encoding = g_hash_table_lookup (mail->headers, "content-transfer-encoding");
  g_assert_nonnull (encoding);
  body_lines = g_strsplit (split + 4, "\r\n", -1);
  if (g_str_equal (encoding, "8bit"))
    {
      /* UTF-8 text as it is: lines of at most 998 bytes, no NUL. */
      for (guint i = 0; body_lines[i] != NULL; i++)
        g_assert_cmpuint (strlen (body_lines[i]), <=, 998);
      body = (guchar *) g_strdup (split + 4);
      body_len = strlen (split + 4);
    }
  else
    {
      GByteArray *decoded = g_byte_array_new ();

      g_assert_cmpstr (encoding, ==, "quoted-printable");
      for (guint i = 0; body_lines[i] != NULL; i++)
        {
          const char *line = body_lines[i];
          gsize len = strlen (line);
          gboolean soft = len > 0 && line[len - 1] == '=';

          /* 7-bit, printable, within 76 columns, no white space at the end. */
          g_assert_cmpuint (len, <=, 76);
          g_assert_true (len == 0 || (line[len - 1] != ' ' && line[len - 1] != '\t'));
          for (gsize j = 0; j < len - (soft ? 1 : 0); j++)
            {
              if (line[j] == '=')
                {
                  g_assert_true (g_ascii_isxdigit (line[j + 1]) && g_ascii_isxdigit (line[j + 2]));
                  g_assert_true (!g_ascii_islower (line[j + 1]) && !g_ascii_islower (line[j + 2]));
                  g_byte_array_append (decoded, (guint8[]) { (guint8) (g_ascii_xdigit_value (line[j + 1]) * 16 +
                                                                       g_ascii_xdigit_value (line[j + 2])) }, 1);
                  j += 2;
                }
              else
                {
                  g_assert_true ((line[j] >= 33 && line[j] <= 126) || line[j] == ' ' || line[j] == '\t');
                  g_byte_array_append (decoded, (const guint8 *) &line[j], 1);
                }
            }
          if (!soft && body_lines[i + 1] != NULL)
            g_byte_array_append (decoded, (const guint8 *) "\r\n", 2);
        }
      body_len = decoded->len;
      body = g_byte_array_free (decoded, FALSE);
    }
  g_assert_true (g_utf8_validate ((const char *) body, body_len, NULL));
  mail->body = g_strndup ((const char *) body, body_len);

  return g_steal_pointer (&mail);
}

/* Checks everything about a message as delivered; returns its Message-ID. */
static char *
check_mail (const char *raw,
            const char *encoding,
            const char *from,
            const char *to,
            const char *subject,
            const char *body)
{
  g_autoptr(Mail) mail = mail_parse (raw);
  g_autofree char *decoded_subject = NULL;
  g_autofree char *body_lf = NULL;
  g_autofree char *expected_lf = NULL;
  const char *date;
  const char *message_id;

  g_assert_cmpstr (g_hash_table_lookup (mail->headers, "from"), ==, from);
  g_assert_cmpstr (g_hash_table_lookup (mail->headers, "to"), ==, to);
  g_assert_cmpstr (g_hash_table_lookup (mail->headers, "mime-version"), ==, "1.0");
  g_assert_cmpstr (g_hash_table_lookup (mail->headers, "content-type"), ==,
                   "text/plain; charset=UTF-8");
  /* The outbox is read by people (8bit), SMTP carries 7-bit (quoted-printable). */
  g_assert_cmpstr (g_hash_table_lookup (mail->headers, "content-transfer-encoding"), ==, encoding);

  date = g_hash_table_lookup (mail->headers, "date");
  g_assert_nonnull (date);
  g_assert_true (g_regex_match_simple ("^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
                                       "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                                       "[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$",
                                       date, 0, 0));

  message_id = g_hash_table_lookup (mail->headers, "message-id");
  g_assert_nonnull (message_id);
  g_assert_true (g_regex_match_simple ("^<[^<>@ ]+@[^<>@ ]+>$", message_id, 0, 0));

  g_assert_nonnull (g_hash_table_lookup (mail->headers, "subject"));
  decoded_subject = decode_header (g_hash_table_lookup (mail->headers, "subject"));
  g_assert_cmpstr (decoded_subject, ==, subject);

  /* The body travels in canonical form: CRLF line ends. */
  for (const char *p = mail->body; *p != '\0'; p++)
    {
      if (*p == '\n')
        g_assert_true (p > mail->body && p[-1] == '\r');
    }
  body_lf = crlf_to_lf (mail->body);
  expected_lf = crlf_to_lf (body);
  g_assert_cmpstr (body_lf, ==, expected_lf);

  return g_strdup (message_id);
}

/* The outbox */

static void
test_outbox_send (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("xg-mail-XXXXXX", NULL);
  g_autofree char *outbox = g_build_filename (tmp, "outbox", NULL);
  g_autofree char *description = g_strdup_printf ("outbox %s", outbox);
  g_autoptr(XgServerMailer) mailer = xg_server_mailer_new_outbox (outbox);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *id1 = NULL;
  g_autofree char *id2 = NULL;
  const struct {
    const char *to;
    const char *masked;
    const char *subject;
    const char *body;
  } mails[] = {
    { "alice@example.com", "a***@example.com", ZH_SUBJECT, ZH_BODY },
    { "bob.smith@mail.example.org", "b***@mail.example.org", EN_SUBJECT, EN_BODY },
  };
  GStatBuf st;

  g_assert_cmpstr (xg_server_mailer_describe (mailer), ==, description);

  for (guint i = 0; i < G_N_ELEMENTS (mails); i++)
    {
      g_autofree char *raw = NULL;
      g_autofree char *path = NULL;
      char *id;

      log_clear ();
      g_assert_true (send_and_wait (mailer, mails[i].to, mails[i].subject, mails[i].body, NULL, &error));
      g_assert_no_error (error);

      /* The newest file is the one just written. */
      g_clear_pointer (&names, g_ptr_array_unref);
      names = list_dir (outbox);
      g_assert_cmpuint (names->len, ==, i + 1);
      path = g_build_filename (outbox, g_ptr_array_index (names, names->len - 1), NULL);
      g_assert_true (g_str_has_suffix (path, ".eml"));
      g_assert_true (g_regex_match_simple ("^[0-9]{8}T[0-9]{6}\\.[0-9]{6}Z-[0-9a-f]{16}\\.eml$",
                                           g_ptr_array_index (names, names->len - 1), 0, 0));

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);

      raw = read_file (outbox, g_ptr_array_index (names, names->len - 1));
      id = check_mail (raw, "8bit", "Xinge <noreply@localhost>", mails[i].to, mails[i].subject, mails[i].body);
      /* The text reads as it is: `cat` shows the code. */
      g_assert_nonnull (strstr (raw, i == 0 ? "您的信鸽验证码是 482915，十分钟内有效。\r\n"
                                            : "your Xinge verification code is 731046.\r\n"));
      if (i == 0)
        id1 = id;
      else
        id2 = id;

      /* One line names the file and the masked recipient; nothing logs the
       * address, the subject or the code. */
      g_assert_true (log_contains (path));
      g_assert_true (log_contains (mails[i].masked));
      g_assert_false (log_contains (mails[i].to));
      g_assert_false (log_contains ("482915"));
      g_assert_false (log_contains ("731046"));
    }

  g_assert_cmpstr (id1, !=, id2);

  /* A line too long for 8bit (998 bytes at most) goes quoted-printable. */
  {
    g_autoptr(GString) long_body = g_string_new ("Code 482915 below.\n");
    g_autofree char *raw = NULL;
    g_autofree char *id = NULL;

    for (guint i = 0; i < 120; i++)
      g_string_append (long_body, "信鸽 pigeon = ");
    g_string_append (long_body, "\nend \n");
    g_assert_true (send_and_wait (mailer, "carol@example.com", EN_SUBJECT, long_body->str, NULL, &error));
    g_assert_no_error (error);
    g_clear_pointer (&names, g_ptr_array_unref);
    names = list_dir (outbox);
    g_assert_cmpuint (names->len, ==, 3);
    raw = read_file (outbox, g_ptr_array_index (names, 2));
    id = check_mail (raw, "quoted-printable", "Xinge <noreply@localhost>", "carol@example.com",
                     EN_SUBJECT, long_body->str);
  }

  /* The subject really was spread over several encoded words. */
  {
    g_autofree char *raw = read_file (outbox, g_ptr_array_index (names, 1));

    g_assert_nonnull (strstr (raw, "?=\r\n =?UTF-8?B?"));
  }

  g_assert_cmpint (g_stat (outbox, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  rm_rf (tmp);
}

static void
test_outbox_invalid (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("xg-mail-XXXXXX", NULL);
  g_autofree char *outbox = g_build_filename (tmp, "outbox", NULL);
  g_autoptr(XgServerMailer) mailer = xg_server_mailer_new_outbox (outbox);
  const char *bad_recipients[] = {
    "alice@example.com\r\nBcc: eve@example.com",
    "alice@example.com>\r\nRCPT TO:<eve@example.com",
    "no-at-sign",
    "@example.com",
    "alice@",
    "alice@example",    /* no dot in the domain: not an address accounts may have */
    "alice@exa mple.com",
    "al\"ice@example.com",
    "a(b)@example.com",
    "alice@exa_mple.com",
    "用户@例子..测试",
    "x1234567890123456789012345678901234567890123456789012345678901234@example.com", /* local part > 64 */
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_recipients); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (send_and_wait (mailer, bad_recipients[i], "Subject", "Body", NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (send_and_wait (mailer, "alice@example.com", "bad \xff subject", "Body", NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  }

  g_assert_false (g_file_test (outbox, G_FILE_TEST_EXISTS));
  rm_rf (tmp);
}

static void
test_outbox_cancelled (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("xg-mail-XXXXXX", NULL);
  g_autofree char *outbox = g_build_filename (tmp, "outbox", NULL);
  g_autoptr(XgServerMailer) mailer = xg_server_mailer_new_outbox (outbox);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (send_and_wait (mailer, "alice@example.com", ZH_SUBJECT, ZH_BODY, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (outbox, G_FILE_TEST_EXISTS));

  rm_rf (tmp);
}

static void
test_outbox_unwritable (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("xg-mail-XXXXXX", NULL);
  g_autofree char *outbox = g_build_filename (tmp, "outbox", NULL);
  g_autoptr(XgServerMailer) mailer = xg_server_mailer_new_outbox (outbox);
  g_autoptr(GError) error = NULL;

  /* A file where the folder should be (root ignores permission bits). */
  g_assert_true (g_file_set_contents (outbox, "", 0, NULL));
  g_assert_false (send_and_wait (mailer, "alice@example.com", ZH_SUBJECT, ZH_BODY, NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_IO_ERROR);
  g_assert_nonnull (strstr (error->message, outbox));
  g_test_message ("error: %s", error->message);

  rm_rf (tmp);
}

typedef struct
{
  guint pending;
  guint failed;
} Flight;

static void
on_flight_sent (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Flight *flight = user_data;
  g_autoptr(GError) error = NULL;

  if (!xg_server_mailer_send_finish (XG_SERVER_MAILER (source), result, &error))
    {
      g_test_message ("send failed: %s", error->message);
      flight->failed++;
    }
  flight->pending--;
}

/* Sends @n mails at once, to user<i>@example.com, and waits for them all. */
static void
send_many (XgServerMailer *mailer,
           guint           n)
{
  Flight flight = { n, 0 };

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *to = g_strdup_printf ("user%u@example.com", i);
      g_autofree char *subject = g_strdup_printf ("验证码 %u", i);

      xg_server_mailer_send_async (mailer, to, subject, ZH_BODY, NULL, on_flight_sent, &flight);
    }

  while (flight.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (flight.failed, ==, 0);
}

static void
test_outbox_concurrent (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("xg-mail-XXXXXX", NULL);
  g_autofree char *outbox = g_build_filename (tmp, "outbox", NULL);
  g_autoptr(XgServerMailer) mailer = xg_server_mailer_new_outbox (outbox);
  g_autoptr(GPtrArray) names = NULL;

  send_many (mailer, 20);
  names = list_dir (outbox);
  g_assert_cmpuint (names->len, ==, 20);

  rm_rf (tmp);
}

/* The SMTP listener */

typedef struct
{
  GSubprocess *process;
  char *dir;
  guint port;
} Sink;

static void
sink_stop (Sink *sink)
{
  /* By its own pid, and waited for: nothing is left running. */
  g_subprocess_send_signal (sink->process, SIGTERM);
  g_assert_true (g_subprocess_wait (sink->process, NULL, NULL));
  g_assert_true (g_subprocess_get_if_exited (sink->process));
  g_assert_cmpint (g_subprocess_get_exit_status (sink->process), ==, 0);

  g_object_unref (sink->process);
  rm_rf (sink->dir);
  g_free (sink->dir);
  g_free (sink);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sink, sink_stop)

/* Starts smtp-sink.py with the given extra arguments (NULL-terminated);
 * NULL, with the test failed, if it cannot run. */
static Sink *
sink_start (const char *first_arg,
            ...)
{
  g_autoptr(Sink) sink = g_new0 (Sink, 1);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "smtp-sink.py", NULL);
  const char *python = g_getenv ("XG_TEST_PYTHON");
  const char *arg;
  va_list args;

  sink->dir = g_dir_make_tmp ("xg-sink-XXXXXX", NULL);

  g_ptr_array_add (argv, (char *) (python != NULL && *python != '\0' ? python : "/usr/bin/python3"));
  g_ptr_array_add (argv, script);
  g_ptr_array_add (argv, (char *) "--dir");
  g_ptr_array_add (argv, sink->dir);
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  /* Its stdin is a pipe only we hold: if this test dies, it sees end of
   * file and exits. */
  sink->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                     G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                     &error);
  if (sink->process == NULL)
    {
      g_test_fail_printf ("Could not run the SMTP listener %s: %s", script, error->message);
      rm_rf (sink->dir);
      g_free (sink->dir);
      g_free (g_steal_pointer (&sink));
      return NULL;
    }

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sink->process));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "PORT "))
    {
      g_test_fail_printf ("The SMTP listener did not start (is python3-aiosmtpd installed? "
                          "apt-get install python3-aiosmtpd): %s",
                          error != NULL ? error->message : "no port printed");
      g_subprocess_force_exit (sink->process);
      g_subprocess_wait (sink->process, NULL, NULL);
      g_clear_object (&sink->process);
      rm_rf (sink->dir);
      g_free (sink->dir);
      g_free (g_steal_pointer (&sink));
      return NULL;
    }

  sink->port = (guint) g_ascii_strtoull (line + 5, NULL, 10);
  g_assert_cmpuint (sink->port, >, 0);

  return g_steal_pointer (&sink);
}

static char *
sink_url (Sink       *sink,
          const char *scheme)
{
  return g_strdup_printf ("%s://127.0.0.1:%u", scheme, sink->port);
}

/* The messages the listener has accepted, as folder names "msg-<n>". */
static GPtrArray *
sink_messages (Sink *sink)
{
  GPtrArray *names = list_dir (sink->dir);

  for (guint i = 0; i < names->len; i++)
    g_assert_true (g_str_has_prefix (g_ptr_array_index (names, i), "msg-"));

  return names;
}

static char *
sink_read (Sink       *sink,
           const char *message,
           const char *field)
{
  g_autofree char *dir = g_build_filename (sink->dir, message, NULL);

  return read_file (dir, field);
}

/* Checks the only message the listener has, as the mailer sent it and as
 * Python's email package reads it. */
static void
check_sink_message (Sink       *sink,
                    const char *from_header,
                    const char *envelope_from,
                    const char *to,
                    const char *subject,
                    const char *body,
                    gboolean    tls,
                    const char *login)
{
  g_autoptr(GPtrArray) messages = sink_messages (sink);
  g_autofree char *raw = NULL;
  g_autofree char *mail_from = NULL;
  g_autofree char *rcpt_to = NULL;
  g_autofree char *py_subject = NULL;
  g_autofree char *py_body = NULL;
  g_autofree char *py_body_lf = NULL;
  g_autofree char *body_lf = NULL;
  g_autofree char *py_tls = NULL;
  g_autofree char *py_login = NULL;
  g_autofree char *message_id = NULL;
  const char *name;

  g_assert_cmpuint (messages->len, ==, 1);
  name = g_ptr_array_index (messages, 0);

  mail_from = sink_read (sink, name, "mail-from");
  rcpt_to = sink_read (sink, name, "rcpt-to");
  g_assert_cmpstr (mail_from, ==, envelope_from);
  g_assert_cmpstr (rcpt_to, ==, to);

  py_subject = sink_read (sink, name, "subject");
  g_assert_cmpstr (py_subject, ==, subject);
  py_body = sink_read (sink, name, "body");
  py_body_lf = crlf_to_lf (py_body);
  body_lf = crlf_to_lf (body);
  g_assert_cmpstr (py_body_lf, ==, body_lf);

  py_tls = sink_read (sink, name, "tls");
  g_assert_cmpstr (py_tls, ==, tls ? "yes" : "no");
  py_login = sink_read (sink, name, "login");
  g_assert_cmpstr (py_login, ==, login != NULL ? login : "");

  raw = sink_read (sink, name, "raw.eml");
  message_id = check_mail (raw, "quoted-printable", from_header, to, subject, body);
  g_assert_nonnull (message_id);
}

static void
test_smtp_plain (void)
{
  g_autoptr(Sink) sink = sink_start (NULL);
  g_autoptr(XgServerMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (sink == NULL)
    return;

  url = sink_url (sink, "smtp");
  mailer = xg_server_mailer_new_smtp (url, FALSE, NULL, NULL, "信鸽 Xinge <noreply@xinge.test>", NULL);
  g_assert_cmpstr (xg_server_mailer_describe (mailer), ==, url);

  log_clear ();
  g_assert_true (send_and_wait (mailer, "carol@example.net", ZH_SUBJECT, ZH_BODY, NULL, &error));
  g_assert_no_error (error);

  check_sink_message (sink, "=?UTF-8?B?5L+h6bi9IFhpbmdl?= <noreply@xinge.test>",
                      "noreply@xinge.test", "carol@example.net",
                      ZH_SUBJECT, ZH_BODY, FALSE, NULL);

  /* curl says EHLO localhost unless told; the mailer uses the sender's domain. */
  {
    g_autoptr(GPtrArray) messages = sink_messages (sink);
    g_autofree char *helo = sink_read (sink, g_ptr_array_index (messages, 0), "helo");

    g_assert_cmpstr (helo, ==, "xinge.test");
  }

  g_assert_false (log_contains ("carol@example.net"));
  g_assert_false (log_contains ("482915"));
}

/* Internationalized addresses (RFC 6531): the domain travels in its IDNA
 * form; a local part beyond ASCII goes out with SMTPUTF8 to a server that
 * offers it, and is refused with a clear error by one that does not. */
#define IDN_DOMAIN_ACE "xn--fsqu00a.xn--0zwm56d" /* 例子.测试 */

static void
test_smtp_international (void)
{
  const char *recipients[][2] = {
    { "dora@例子.测试", "dora@" IDN_DOMAIN_ACE },
    { "张伟@例子.测试", "张伟@" IDN_DOMAIN_ACE },
    { "张伟@example.com", "张伟@example.com" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (recipients); i++)
    {
      g_autoptr(Sink) sink = sink_start ("--smtputf8", NULL);
      g_autoptr(XgServerMailer) mailer = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) messages = NULL;
      g_autofree char *url = NULL;
      g_autofree char *options = NULL;
      gboolean utf8_local = !g_str_is_ascii (recipients[i][1]);

      if (sink == NULL)
        return;
      url = sink_url (sink, "smtp");
      mailer = xg_server_mailer_new_smtp (url, FALSE, NULL, NULL, "noreply@xinge.test", NULL);
      log_clear ();
      g_assert_true (send_and_wait (mailer, recipients[i][0], ZH_SUBJECT, ZH_BODY, NULL, &error));
      g_assert_no_error (error);

      check_sink_message (sink, "noreply@xinge.test", "noreply@xinge.test", recipients[i][1],
                          ZH_SUBJECT, ZH_BODY, FALSE, NULL);
      messages = sink_messages (sink);
      options = sink_read (sink, g_ptr_array_index (messages, 0), "mail-options");
      /* SMTPUTF8 only when the envelope needs it. */
      g_assert_cmpint (strstr (options, "SMTPUTF8") != NULL, ==, utf8_local);
      g_assert_false (log_contains (recipients[i][0]));
    }

  /* A server without SMTPUTF8: an IDN domain with an ASCII local part still
   * goes, a local part beyond ASCII cannot. */
  {
    g_autoptr(Sink) sink = sink_start (NULL);
    g_autoptr(XgServerMailer) mailer = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) messages = NULL;
    g_autofree char *url = NULL;

    if (sink == NULL)
      return;
    url = sink_url (sink, "smtp");
    mailer = xg_server_mailer_new_smtp (url, FALSE, NULL, NULL, "noreply@xinge.test", NULL);
    g_assert_true (send_and_wait (mailer, "dora@例子.测试", ZH_SUBJECT, ZH_BODY, NULL, &error));
    g_assert_no_error (error);
    g_assert_false (send_and_wait (mailer, "张伟@例子.测试", ZH_SUBJECT, ZH_BODY, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
    g_test_message ("error: %s", error->message);
    g_assert_nonnull (strstr (error->message, "SMTPUTF8"));
    messages = sink_messages (sink);
    g_assert_cmpuint (messages->len, ==, 1);
  }
}

static void
test_smtp_concurrent (void)
{
  g_autoptr(Sink) sink = sink_start (NULL);
  g_autoptr(XgServerMailer) mailer = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *url = NULL;

  if (sink == NULL)
    return;

  /* A path in the URL names the client in EHLO. */
  url = g_strdup_printf ("smtp://127.0.0.1:%u/relay.xinge.test", sink->port);
  mailer = xg_server_mailer_new_smtp (url, FALSE, NULL, NULL, "noreply@xinge.test", NULL);
  send_many (mailer, 6);

  messages = sink_messages (sink);
  g_assert_cmpuint (messages->len, ==, 6);
  for (guint i = 0; i < messages->len; i++)
    {
      g_autofree char *helo = sink_read (sink, g_ptr_array_index (messages, i), "helo");

      g_assert_cmpstr (helo, ==, "relay.xinge.test");
      g_hash_table_add (seen, sink_read (sink, g_ptr_array_index (messages, i), "rcpt-to"));
    }
  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *to = g_strdup_printf ("user%u@example.com", i);

      g_assert_true (g_hash_table_contains (seen, to));
    }
}

/* A self-signed certificate for 127.0.0.1 and localhost, in @dir. */
static gboolean
make_certificate (const char  *dir,
                  char       **cert_out,
                  char       **key_out)
{
  g_autofree char *certtool = g_strdup (g_getenv ("XG_TEST_CERTTOOL"));
  g_autofree char *template = g_build_filename (dir, "cert.cfg", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *err_text = NULL;
  int status;

  if (certtool == NULL || *certtool == '\0')
    {
      g_free (certtool);
      certtool = g_find_program_in_path ("certtool");
    }
  if (certtool == NULL)
    {
      g_test_fail_printf ("certtool not found: apt-get install gnutls-bin");
      return FALSE;
    }

  g_assert_true (g_file_set_contents (template,
                                      "cn = \"Xinge test SMTP\"\n"
                                      "dns_name = \"localhost\"\n"
                                      "ip_address = \"127.0.0.1\"\n"
                                      "expiration_days = 2\n"
                                      "tls_www_server\n"
                                      "signing_key\n"
                                      "encryption_key\n", -1, NULL));

  {
    const char *argv[] = { certtool, "--generate-privkey", "--key-type", "ecdsa",
                           "--outfile", key, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                  NULL, &err_text, &status, &error);
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, &error))
      {
        g_test_fail_printf ("certtool --generate-privkey: %s\n%s", error->message, err_text);
        return FALSE;
      }
    g_clear_pointer (&err_text, g_free);
  }

  {
    const char *argv[] = { certtool, "--generate-self-signed", "--load-privkey", key,
                           "--template", template, "--outfile", cert, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                  NULL, &err_text, &status, &error);
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, &error))
      {
        g_test_fail_printf ("certtool --generate-self-signed: %s\n%s", error->message, err_text);
        return FALSE;
      }
  }

  *cert_out = g_steal_pointer (&cert);
  *key_out = g_steal_pointer (&key);
  return TRUE;
}

static void
test_smtp_starttls_auth (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("xg-mail-XXXXXX", NULL);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autoptr(Sink) sink = NULL;
  g_autofree char *url = NULL;
  const char *from = "Xinge <noreply@xinge.test>";

  if (!make_certificate (tmp, &cert, &key))
    return;

  sink = sink_start ("--cert", cert, "--key", key, "--require-starttls",
                     "--auth", "xinge:correct horse", NULL);
  if (sink == NULL)
    return;
  url = sink_url (sink, "smtp");

  /* The right password, over STARTTLS, trusting the test certificate. */
  {
    g_autoptr(XgServerMailer) mailer = xg_server_mailer_new_smtp (url, TRUE, "xinge", "correct horse",
                                                                  from, cert);
    g_autoptr(GError) error = NULL;

    g_assert_true (send_and_wait (mailer, "dave@example.com", EN_SUBJECT, EN_BODY, NULL, &error));
    g_assert_no_error (error);
    check_sink_message (sink, from, "noreply@xinge.test", "dave@example.com",
                        EN_SUBJECT, EN_BODY, TRUE, "xinge");
  }

  /* A wrong password: refused, and the error does not repeat it. */
  {
    g_autoptr(XgServerMailer) mailer = xg_server_mailer_new_smtp (url, TRUE, "xinge", "battery staple",
                                                                  from, cert);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) messages = NULL;

    g_assert_false (send_and_wait (mailer, "dave@example.com", EN_SUBJECT, EN_BODY, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
    g_test_message ("error: %s", error->message);
    g_assert_null (strstr (error->message, "battery"));
    g_assert_nonnull (strstr (error->message, url));
    messages = sink_messages (sink);
    g_assert_cmpuint (messages->len, ==, 1);
  }

  /* The system's CAs do not know the test certificate: no mail. */
  {
    g_autoptr(XgServerMailer) mailer = xg_server_mailer_new_smtp (url, TRUE, "xinge", "correct horse",
                                                                  from, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) messages = NULL;

    g_assert_false (send_and_wait (mailer, "dave@example.com", EN_SUBJECT, EN_BODY, NULL, &error));
    g_assert_nonnull (error);
    g_test_message ("error: %s", error->message);
    g_assert_null (strstr (error->message, "correct horse"));
    messages = sink_messages (sink);
    g_assert_cmpuint (messages->len, ==, 1);
  }

  g_clear_pointer (&sink, sink_stop);
  rm_rf (tmp);
}

static void
test_smtp_implicit_tls (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("xg-mail-XXXXXX", NULL);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autoptr(Sink) sink = NULL;
  g_autoptr(XgServerMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (!make_certificate (tmp, &cert, &key))
    return;

  sink = sink_start ("--cert", cert, "--key", key, "--implicit-tls", "--auth", "xinge:pw", NULL);
  if (sink == NULL)
    return;

  url = sink_url (sink, "smtps");
  mailer = xg_server_mailer_new_smtp (url, FALSE, "xinge", "pw", "noreply@xinge.test", cert);
  g_assert_cmpstr (xg_server_mailer_describe (mailer), ==, url);
  g_assert_true (send_and_wait (mailer, "erin@example.com", ZH_SUBJECT, ZH_BODY, NULL, &error));
  g_assert_no_error (error);
  check_sink_message (sink, "noreply@xinge.test", "noreply@xinge.test", "erin@example.com",
                      ZH_SUBJECT, ZH_BODY, TRUE, "xinge");

  g_clear_pointer (&sink, sink_stop);
  rm_rf (tmp);
}

static void
test_smtp_starttls_missing (void)
{
  g_autoptr(Sink) sink = sink_start (NULL);
  g_autoptr(XgServerMailer) mailer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *url = NULL;

  if (sink == NULL)
    return;

  /* The server offers no STARTTLS: the mailer must not fall back to clear text. */
  url = sink_url (sink, "smtp");
  mailer = xg_server_mailer_new_smtp (url, TRUE, "xinge", "pw", "noreply@xinge.test", NULL);
  g_assert_false (send_and_wait (mailer, "frank@example.com", ZH_SUBJECT, ZH_BODY, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, "STARTTLS"));

  messages = sink_messages (sink);
  g_assert_cmpuint (messages->len, ==, 0);
}

/* A loopback port nothing listens on (as of the moment it is returned). */
static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_socket_bind (socket, any_port, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_smtp_refused (void)
{
  g_autofree char *url = g_strdup_printf ("smtp://127.0.0.1:%u", free_port ());
  g_autoptr(XgServerMailer) mailer = xg_server_mailer_new_smtp (url, FALSE, NULL, NULL,
                                                                "noreply@xinge.test", NULL);
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (send_and_wait (mailer, "gina@example.com", ZH_SUBJECT, ZH_BODY, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_test_message ("error: %s", error->message);
  g_assert_nonnull (strstr (error->message, url));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_smtp_cancel (void)
{
  /* A server that accepts connections (the kernel's backlog does) but never
   * says hello. */
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(XgServerMailer) mailer = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  gint64 start;

  g_assert_true (g_socket_bind (socket, any_port, FALSE, NULL));
  g_assert_true (g_socket_listen (socket, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("smtp://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  mailer = xg_server_mailer_new_smtp (url, FALSE, NULL, NULL, "noreply@xinge.test", NULL);
  start = g_get_monotonic_time ();
  g_timeout_add (300, cancel_later, cancellable);
  g_assert_false (send_and_wait (mailer, "hank@example.com", ZH_SUBJECT, ZH_BODY, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
}

static void
test_smtp_configuration (void)
{
  const struct {
    const char *url;
    const char *from;
    const char *description;  /* NULL: not checked */
    const char *error_part;   /* NULL: sending is not attempted */
  } cases[] = {
    { "smtp://xinge:hunter2@mail.example.com", NULL, "smtp://mail.example.com:25", NULL },
    { "smtps://mail.example.com", NULL, "smtps://mail.example.com:465", NULL },
    { "smtp://mail.example.com:587/xinge.example", NULL, "smtp://mail.example.com:587", NULL },
    { "http://mail.example.com", NULL, "http://mail.example.com:80", "smtp://" },
    { "smtp://xinge:hunter2@[bad", NULL, NULL, "not valid" },
    { "smtp://127.0.0.1:1", "Xinge <noreply@xinge.test", NULL, "Name <address@domain>" },
    { "smtp://127.0.0.1:1", "Xinge <noreply@xinge.test>\r\nBcc: eve@example.com", NULL, "control characters" },
    { "smtp://127.0.0.1:1", "noreply", NULL, "address@domain" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(XgServerMailer) mailer = xg_server_mailer_new_smtp (cases[i].url, FALSE, NULL, NULL,
                                                                    cases[i].from, NULL);
      const char *description = xg_server_mailer_describe (mailer);

      g_assert_null (strstr (description, "hunter2"));
      if (cases[i].description != NULL)
        g_assert_cmpstr (description, ==, cases[i].description);

      if (cases[i].error_part != NULL)
        {
          g_autoptr(GError) error = NULL;

          g_assert_false (send_and_wait (mailer, "ivy@example.com", "s", "b", NULL, &error));
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
          g_test_message ("error: %s", error->message);
          g_assert_nonnull (strstr (error->message, cases[i].error_part));
          g_assert_null (strstr (error->message, "hunter2"));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("G_TEST_SRCDIR", XG_TEST_MAIL_SRCDIR, FALSE);
  g_test_init (&argc, &argv, NULL);

  main_thread = g_thread_self ();
  log_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_handler ("xg-server", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
                     capture_log, NULL);

  g_test_add_func ("/mail/outbox/send", test_outbox_send);
  g_test_add_func ("/mail/outbox/invalid", test_outbox_invalid);
  g_test_add_func ("/mail/outbox/cancelled", test_outbox_cancelled);
  g_test_add_func ("/mail/outbox/unwritable", test_outbox_unwritable);
  g_test_add_func ("/mail/outbox/concurrent", test_outbox_concurrent);
  g_test_add_func ("/mail/smtp/plain", test_smtp_plain);
  g_test_add_func ("/mail/smtp/concurrent", test_smtp_concurrent);
  g_test_add_func ("/mail/smtp/international", test_smtp_international);
  g_test_add_func ("/mail/smtp/starttls-auth", test_smtp_starttls_auth);
  g_test_add_func ("/mail/smtp/implicit-tls", test_smtp_implicit_tls);
  g_test_add_func ("/mail/smtp/starttls-missing", test_smtp_starttls_missing);
  g_test_add_func ("/mail/smtp/refused", test_smtp_refused);
  g_test_add_func ("/mail/smtp/cancel", test_smtp_cancel);
  g_test_add_func ("/mail/smtp/configuration", test_smtp_configuration);

  return g_test_run ();
}
