/* xg-bench-chat-open.c: opening a long chat in the client core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A benchmark, not a test (docs/BENCHMARKS.md). It writes N messages
 * (default 100,000; 100-byte texts, both directions) of one conversation
 * into an account database through the core's own store call, then starts
 * a session on that device folder the way the app does at start (resumed,
 * the server unreachable, so nothing but the database answers) and
 * measures:
 *
 *  - the time from asking for the chat's messages model to its first page
 *    shown (XgChatMessages:loading false), over R fresh opens;
 *  - the time per older page while scrolling back P pages;
 *  - the process's RSS after all of it.
 *
 * Targets (issue 7): open ≤ 50 ms, RSS ≤ 80 MB with 100,000 messages.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "xg-account-db.h"
#include "xg-conversations.h"
#include "xg-device-db.h"
#include "xg-proto.h"
#include "xg-session.h"

#define ACCOUNT 10000
#define PEER    10001
#define BATCH   10000

static int opt_messages = 100000;
static int opt_opens = 5;
static int opt_pages = 20;

static const GOptionEntry options[] = {
  { "messages", 'n', 0, G_OPTION_ARG_INT, &opt_messages, "Messages in the chat (100000)", "N" },
  { "opens", 'r', 0, G_OPTION_ARG_INT, &opt_opens, "Fresh opens to time (5)", "R" },
  { "pages", 'p', 0, G_OPTION_ARG_INT, &opt_pages, "Older pages to scroll back (20)", "P" },
  { NULL }
};

static gboolean
wake (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

#define SPIN_UNTIL(check)                                                     \
  G_STMT_START {                                                              \
    guint ticker_ = g_timeout_add (5, wake, NULL);                            \
    while (!(check))                                                          \
      g_main_context_iteration (NULL, TRUE);                                  \
    g_source_remove (ticker_);                                                \
  } G_STMT_END

static long
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return -1;
  return strtol (line + 6, NULL, 10);
}

static void
stored (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) conversations = xg_account_db_store_incoming_finish (XG_ACCOUNT_DB (source), result, &error);

  if (conversations == NULL)
    g_error ("Seeding: %s", error->message);
  (*(int *) user_data)--;
}

static void
seed (const char *path)
{
  g_autoptr(XgAccountDb) db = xg_account_db_new (path);
  char text[101];
  int pending = 0;
  gint64 start = g_get_monotonic_time ();

  memset (text, 'x', 100);
  text[100] = '\0';
  for (int first = 1; first <= opt_messages; first += BATCH)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);

      for (int seq = first; seq < first + BATCH && seq <= opt_messages; seq++)
        {
          g_autoptr(GBytes) payload = NULL;

          g_snprintf (text, 12, "%011d", seq);
          text[11] = ' ';
          payload = g_bytes_new (text, 100);
          g_ptr_array_add (batch, xg_stored_message_new (PEER, (guint64) seq, (guint64) seq * 7919,
                                                         seq % 2 ? PEER : ACCOUNT, XG_PROTO_MESSAGE_TEXT, payload,
                                                         1764547200000000 + (gint64) seq * 1000000));
        }
      pending++;
      xg_account_db_store_incoming_async (db, batch, NULL, stored, &pending);
    }
  SPIN_UNTIL (pending == 0);
  xg_db_close (XG_DB (db));
  g_print ("seeded %d messages in %.1f s\n", opt_messages, (g_get_monotonic_time () - start) / 1e6);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- time opening a long chat in the client core");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *accounts = NULL;
  g_autofree char *account_path = NULL;
  g_autofree char *device_path = NULL;
  g_autoptr(XgDeviceDb) device = NULL;
  g_autoptr(XgSession) session = NULL;
  g_autoptr(GArray) opens = g_array_new (FALSE, FALSE, sizeof (double));
  XgConversations *conversations;
  XgConversation *conversation;
  long rss_start, rss_open = -1, rss_end;
  double page_total = 0;
  gint64 t;

  g_option_context_add_main_entries (context, options, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  dir = g_dir_make_tmp ("xg-bench-chat-open-XXXXXX", &error);
  g_assert_no_error (error);
  accounts = g_build_filename (dir, "accounts", NULL);
  g_mkdir_with_parents (accounts, 0700);
  account_path = g_build_filename (accounts, "10000.db", NULL);
  device_path = g_build_filename (dir, "device.db", NULL);
  seed (account_path);

  rss_start = rss_kib ();
  device = xg_device_db_new (device_path);
  /* Started as the app starts with a saved login; nothing listens there. */
  session = xg_session_new ("127.0.0.1:9", device);
  t = g_get_monotonic_time ();
  xg_session_resume (session, "bench@example.com", ACCOUNT, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  conversations = xg_session_get_conversations (session);
  SPIN_UNTIL (xg_conversations_get_loaded (conversations));
  g_print ("conversation list loaded in %.2f ms (%u conversations)\n", (g_get_monotonic_time () - t) / 1e3,
           g_list_model_get_n_items (G_LIST_MODEL (conversations)));
  conversation = xg_conversations_get (conversations, PEER);

  for (int i = 0; i < opt_opens; i++)
    {
      g_autoptr(XgChatMessages) messages = NULL;
      double ms;

      t = g_get_monotonic_time ();
      messages = xg_conversation_get_messages (conversation);
      SPIN_UNTIL (!xg_chat_messages_get_loading (messages));
      ms = (g_get_monotonic_time () - t) / 1e3;
      g_array_append_val (opens, ms);
      if (g_list_model_get_n_items (G_LIST_MODEL (messages)) == 0)
        g_error ("The chat opened empty");
      if (i + 1 == opt_opens)
        {
          rss_open = rss_kib ();
          for (int p = 0; p < opt_pages; p++)
            {
              guint before = g_list_model_get_n_items (G_LIST_MODEL (messages));

              t = g_get_monotonic_time ();
              xg_chat_messages_load_older_async (messages, NULL, NULL, NULL);
              SPIN_UNTIL (!xg_chat_messages_get_loading (messages));
              page_total += (g_get_monotonic_time () - t) / 1e3;
              if (g_list_model_get_n_items (G_LIST_MODEL (messages)) <= before)
                g_error ("Scrolling back brought nothing");
            }
          g_print ("scrolled back to %u messages shown\n", g_list_model_get_n_items (G_LIST_MODEL (messages)));
        }
    }
  rss_end = rss_kib ();
  g_array_sort (opens, compare_doubles);

  g_print ("messages in the chat: %d\n", opt_messages);
  g_print ("open to first page: median %.2f ms, max %.2f ms over %d opens (target <= 50 ms)\n",
           g_array_index (opens, double, opens->len / 2), g_array_index (opens, double, opens->len - 1), opt_opens);
  g_print ("older page: %.2f ms each over %d pages\n", opt_pages ? page_total / opt_pages : 0.0, opt_pages);
  g_print ("RSS: %.1f MB at start, %.1f MB with the chat open, %.1f MB at the end (target <= 80 MB)\n",
           rss_start / 1024.0, rss_open / 1024.0, rss_end / 1024.0);

  g_clear_object (&session);
  xg_db_close (XG_DB (device));
  remove_tree (dir);
  return 0;
}
