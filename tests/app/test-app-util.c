/* test-app-util.c: the app's sentences that need no window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Relative times, the friends errors of xg_session_error_text(), how an
 * answered request is told, and the character counter: plain functions,
 * in English (LANGUAGE=C).
 */
#include "config.h"

#include <locale.h>

#include "xg-app-util.h"
#include "xg-friend-requests.h"
#include "xg-session.h"

static void
assert_relative (gint64      ago,
                 const char *expected)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *text = xg_format_relative_time (now - ago, now);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_relative_time (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr(GDateTime) long_ago = g_date_time_new_local (2019, 7, 4, 12, 0, 0);
  g_autofree char *text = NULL;

  assert_relative (-30, "just now");   /* a clock a little behind the server's */
  assert_relative (0, "just now");
  assert_relative (59, "just now");
  assert_relative (60, "1 minute ago");
  assert_relative (45 * 60 + 10, "45 minutes ago");
  assert_relative (60 * 60, "1 hour ago");
  assert_relative (23 * 60 * 60 + 59 * 60, "23 hours ago");
  assert_relative (24 * 60 * 60, "1 day ago");
  assert_relative (6 * 24 * 60 * 60, "6 days ago");

  /* A week and more: a date, with the year when it is another one. */
  text = xg_format_relative_time (g_date_time_to_unix (long_ago), now);
  g_assert_cmpstr (text, ==, "July 4, 2019");
  g_clear_pointer (&text, g_free);
  {
    g_autoptr(GDateTime) today = g_date_time_new_from_unix_local (now);
    g_autoptr(GDateTime) earlier = g_date_time_add_days (today, -8);
    g_autofree char *expected = NULL;

    if (g_date_time_get_year (earlier) == g_date_time_get_year (today))
      expected = g_date_time_format (earlier, "%B %-d");
    else
      expected = g_date_time_format (earlier, "%B %-d, %Y");
    text = xg_format_relative_time (g_date_time_to_unix (earlier), now);
    g_assert_cmpstr (text, ==, expected);
  }
}

static char *
error_text (XgSessionError code,
            guint          retry_after)
{
  g_autoptr(GError) error = g_error_new_literal (XG_SESSION_ERROR, code, "from the server");

  return xg_session_error_text (error, retry_after, "127.0.0.1:7447");
}

static void
test_error_text (void)
{
  struct {
    XgSessionError code;
    guint          retry_after;
    const char    *expected;
  } cases[] = {
    { XG_SESSION_ERROR_ALREADY_FRIENDS, 0, "You are friends already." },
    { XG_SESSION_ERROR_ALREADY_PENDING, 0, "You asked already: it waits for an answer." },
    { XG_SESSION_ERROR_LIMIT_REACHED, 0, "The server’s limit is reached: you, or the other person, have as many friends or unanswered friend requests as it allows." },
    { XG_SESSION_ERROR_PERMISSION_DENIED, 0, "The server does not allow your account to do this." },
    { XG_SESSION_ERROR_NOT_FOUND, 0, "There is no such account, or it has been disabled." },
    /* Lookups are limited without saying for how long. */
    { XG_SESSION_ERROR_RATE_LIMITED, 0, "Too many attempts. Try again later." },
    { XG_SESSION_ERROR_RATE_LIMITED, 1, "Too many attempts. Try again in 1 second." },
    { XG_SESSION_ERROR_RATE_LIMITED, 30, "Too many attempts. Try again in 30 seconds." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = error_text (cases[i].code, cases[i].retry_after);
      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

static void
test_answer_text (void)
{
  g_autofree char *accepted = xg_friend_answer_text ("Li Lei", XG_FRIEND_REQUEST_ACCEPTED, "");
  g_autofree char *declined = xg_friend_answer_text ("Li Lei", XG_FRIEND_REQUEST_DECLINED, "");
  g_autofree char *with_reason = xg_friend_answer_text ("Li Lei", XG_FRIEND_REQUEST_DECLINED, "Busy");
  g_autofree char *expired = xg_friend_answer_text ("Li Lei", XG_FRIEND_REQUEST_EXPIRED, NULL);

  g_assert_cmpstr (accepted, ==, "Li Lei accepted your friend request");
  g_assert_cmpstr (declined, ==, "Li Lei declined your friend request");
  g_assert_cmpstr (with_reason, ==, "Li Lei declined: Busy");
  g_assert_cmpstr (expired, ==, "Your request to Li Lei expired");
}

static void
test_char_count (void)
{
  g_autofree char *empty = xg_char_count_text ("", 128);
  g_autofree char *chinese = xg_char_count_text ("你好，李雷", 128);

  g_assert_cmpstr (empty, ==, "0/128");
  /* Characters, not bytes. */
  g_assert_cmpstr (chinese, ==, "5/128");
}

static void
test_profile_fields (void)
{
  g_autofree char *birthday = xg_format_birthday ("1998-05-20");
  g_autofree char *none = xg_format_birthday ("");
  g_autofree char *nonsense = xg_format_birthday ("1998-13-40");

  g_assert_cmpstr (birthday, ==, "May 20, 1998");
  g_assert_null (none);
  g_assert_null (nonsense);
  g_assert_cmpstr (xg_gender_label ("female"), ==, "Female");
  g_assert_cmpstr (xg_gender_label ("other"), ==, "Other");
  g_assert_null (xg_gender_label (""));
}

/* Chat times: the clock today, "Yesterday" and dates for the day headings. */
static void
test_message_times (void)
{
  g_autoptr(GDateTime) noon = g_date_time_new_local (2026, 3, 14, 12, 30, 0);
  gint64 now = g_date_time_to_unix (noon) * G_USEC_PER_SEC;
  gint64 morning = now - (gint64) 3 * 60 * 60 * G_USEC_PER_SEC;
  gint64 yesterday = now - (gint64) 24 * 60 * 60 * G_USEC_PER_SEC;
  gint64 last_year = now - (gint64) 400 * 24 * 60 * 60 * G_USEC_PER_SEC;
  g_autofree char *t1 = xg_format_message_time (morning, now);
  g_autofree char *t2 = xg_format_message_time (yesterday, now);
  g_autofree char *d1 = xg_format_day (morning, now);
  g_autofree char *d2 = xg_format_day (yesterday, now);
  g_autofree char *d3 = xg_format_day (last_year, now);

  g_assert_cmpstr (t1, ==, "09:30");
  g_assert_cmpstr (t2, ==, "March 13");
  g_assert_cmpstr (d1, ==, "Today");
  g_assert_cmpstr (d2, ==, "Yesterday");
  g_assert_cmpstr (d3, ==, "February 7, 2025");
  g_assert_true (xg_same_day (morning, now));
  g_assert_false (xg_same_day (yesterday, now));
  g_assert_cmpstr (xg_message_failure_text (XG_SESSION_ERROR_PERMISSION_DENIED), ==,
                   "Only friends can message each other");
  g_assert_cmpstr (xg_message_failure_text (XG_SESSION_ERROR_INVALID_INPUT), ==,
                   "This message is too large or not valid");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_setenv ("LANGUAGE", "C", TRUE);
  g_setenv ("LC_TIME", "C", TRUE);
  setlocale (LC_TIME, "C");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/util/relative-time", test_relative_time);
  g_test_add_func ("/app/util/message-times", test_message_times);
  g_test_add_func ("/app/util/error-text", test_error_text);
  g_test_add_func ("/app/util/answer-text", test_answer_text);
  g_test_add_func ("/app/util/char-count", test_char_count);
  g_test_add_func ("/app/util/profile-fields", test_profile_fields);

  return g_test_run ();
}
