/* xg-server-clock.c: the wall clock every time-based rule reads
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Code expiry and resend limits, token expiry, limiters and login backoff,
 * friend request timeouts and HEARTBEAT_ACK's server_time all read this
 * clock, never g_get_real_time() directly, so that tests can move time
 * instead of sleeping through it. Network timeouts (the TLS handshake,
 * HELLO, the idle heartbeat timeout) are about the connection, not about
 * rules, and stay on the real monotonic clock.
 *
 * For tests: when the environment variable XG_SERVER_TEST_CLOCK names a
 * file, the clock is the real wall clock plus the offset in seconds
 * written in that file, a decimal integer (a missing or empty file means
 * 0). The server reads it at start and again on SIGUSR1, and after
 * re-reading runs its time-based checks at once (the friend request
 * expiry), so a test writes the file, sends SIGUSR1 and then waits until
 * a HEARTBEAT_ACK shows the new time (tests/server/xg-test-harness.c,
 * xg_test_server_advance_clock()). Without the variable there is no
 * offset and SIGUSR1 keeps its default meaning.
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include "xg-server-clock.h"

struct _XgServerClock
{
  char   *offset_file;   /* NULL: the real clock, not adjustable */
  gint64  offset;        /* seconds; only read and written on the main thread */
};

XgServerClock *
xg_server_clock_new (void)
{
  XgServerClock *self = g_new0 (XgServerClock, 1);
  const char *file = g_getenv ("XG_SERVER_TEST_CLOCK");

  if (file != NULL && *file != '\0')
    {
      self->offset_file = g_strdup (file);
      xg_server_clock_reload (self);
    }
  return self;
}

void
xg_server_clock_free (XgServerClock *self)
{
  if (self == NULL)
    return;
  g_free (self->offset_file);
  g_free (self);
}

gboolean
xg_server_clock_is_adjustable (XgServerClock *self)
{
  return self->offset_file != NULL;
}

/* Reads the offset file again; TRUE when the offset changed. A file that
 * cannot be read as a number keeps the old offset, with a warning. */
gboolean
xg_server_clock_reload (XgServerClock *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gint64 offset = 0;

  if (self->offset_file == NULL)
    return FALSE;

  if (!g_file_get_contents (self->offset_file, &text, NULL, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_warning ("Test clock: %s", error->message);
          return FALSE;
        }
    }
  else if (*g_strstrip (text) != '\0' &&
           !g_ascii_string_to_signed (text, 10, G_MININT64 / G_USEC_PER_SEC,
                                      G_MAXINT64 / G_USEC_PER_SEC / 2, &offset, &error))
    {
      g_warning ("Test clock: %s: %s", self->offset_file, error->message);
      return FALSE;
    }

  if (offset == self->offset)
    return FALSE;
  g_message ("Test clock: offset %" G_GINT64_FORMAT " s", offset);
  self->offset = offset;
  return TRUE;
}

/* Seconds since the Unix epoch. */
gint64
xg_server_clock_seconds (XgServerClock *self)
{
  return xg_server_clock_microseconds (self) / G_USEC_PER_SEC;
}

/* Microseconds since the Unix epoch. */
gint64
xg_server_clock_microseconds (XgServerClock *self)
{
  return g_get_real_time () + self->offset * G_USEC_PER_SEC;
}
