/* test-keyring.c: xg-keyring against a real gnome-keyring-daemon
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs only under tests/core/run-with-keyring.sh, which starts a private
 * D-Bus session with an unlocked gnome-keyring in a throwaway home; what
 * the code stored is checked from outside with secret-tool. Each test
 * uses its own server address, so they do not see each other's items.
 *
 * With XG_TEST_KEYRING_BACKEND=file it runs instead against libsecret's
 * file backend in a temporary folder (no bus needed), whose items are
 * not SecretItems: that covers the path that fetches the secret
 * separately.
 */
#define G_LOG_DOMAIN "xg-test-keyring"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "xg-keyring.h"

#define ALICE "alice@example.com"
#define BOB "bob@example.com"

static gboolean file_backend;

/* --- secret-tool --------------------------------------------------------- */

typedef struct {
  char *out;
  char *err;
  int   status;   /* the exit status */
} ToolResult;

static void
tool_result_free (ToolResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ToolResult, tool_result_free)

static ToolResult *
secret_tool (const char *first_arg,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  ToolResult *result = g_new0 (ToolResult, 1);
  const char *arg;
  va_list args;
  int wait_status = 0;

  g_ptr_array_add (argv, (gpointer) "secret-tool");
  va_start (args, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL,
                NULL, NULL, &result->out, &result->err, &wait_status, &error);
  g_assert_no_error (error);

  if (!g_spawn_check_wait_status (wait_status, &error))
    {
      g_assert_error (error, G_SPAWN_EXIT_ERROR, error->code);
      result->status = error->code;
    }
  return result;
}

/* How many items `secret-tool search --all` listed. */
static guint
count_items (const char *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] == '[')
      n++;
  return n;
}

static void
assert_contains (const char *haystack,
                 const char *needle)
{
  if (strstr (haystack, needle) == NULL)
    g_error ("“%s” not found in:\n%s", needle, haystack);
}

/* --- Waiting for results ------------------------------------------------- */

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

static GAsyncResult *
await_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

static char *
new_token (void)
{
  guint8 bytes[32];

  for (guint i = 0; i < sizeof bytes; i++)
    bytes[i] = (guint8) g_random_int_range (0, 256);
  return g_base64_encode (bytes, sizeof bytes);
}

static void
keyring_store (const char *server,
               const char *email,
               guint64     account_id,
               const char *token)
{
  XgCredentials credentials = {
    .server = (char *) server,
    .email = (char *) email,
    .account_id = account_id,
    .token = (char *) token,
  };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  xg_keyring_store_async (&credentials, NULL, store_result, &slot);
  result = await_result (&slot);
  g_assert_true (xg_keyring_store_finish (result, &error));
  g_assert_no_error (error);
}

static XgCredentials *
keyring_lookup (const char  *server,
                GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  xg_keyring_lookup_async (server, NULL, store_result, &slot);
  result = await_result (&slot);
  return xg_keyring_lookup_finish (result, error);
}

static void
keyring_clear (const char *server,
               const char *email)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  xg_keyring_clear_async (server, email, NULL, store_result, &slot);
  result = await_result (&slot);
  g_assert_true (xg_keyring_clear_finish (result, &error));
  g_assert_no_error (error);
}

/* --- Tests --------------------------------------------------------------- */

static void
test_lookup_empty (void)
{
  g_autoptr(XgCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ToolResult) search = NULL;

  credentials = keyring_lookup ("127.0.0.1:40001", &error);
  g_assert_no_error (error);
  g_assert_null (credentials);

  /* Clearing nothing is not an error. */
  keyring_clear ("127.0.0.1:40001", ALICE);

  search = secret_tool ("search", "--all", "server", "127.0.0.1:40001", NULL);
  g_assert_cmpuint (count_items (search->out), ==, 0);
}

static void
test_store_and_lookup (void)
{
  const char *server = "127.0.0.1:40002";
  g_autofree char *token = new_token ();
  g_autofree char *label = g_strdup_printf ("label = Xinge session for " ALICE " on %s", server);
  g_autofree char *server_attribute = g_strdup_printf ("attribute.server = %s", server);
  g_autofree char *secret_line = g_strdup_printf ("secret = %s", token);
  g_autoptr(XgCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ToolResult) search = NULL;
  g_autoptr(ToolResult) lookup = NULL;

  keyring_store (server, ALICE, 10001, token);

  /* From outside: one item, with our schema, attributes, label and secret.
   * (secret-tool prints the attributes on stderr.) */
  search = secret_tool ("search", "--all", "server", server, NULL);
  g_assert_cmpint (search->status, ==, 0);
  g_test_message ("secret-tool search:\n%s%s", search->out, search->err);
  g_assert_cmpuint (count_items (search->out), ==, 1);
  assert_contains (search->out, label);
  assert_contains (search->out, secret_line);
  if (!file_backend)   /* the file backend's secret-tool does not show it */
    assert_contains (search->out, "schema = " XG_KEYRING_SCHEMA_NAME);
  assert_contains (search->err, server_attribute);
  assert_contains (search->err, "attribute.email = " ALICE);
  assert_contains (search->err, "attribute.account = 10001");

  lookup = secret_tool ("lookup", "server", server, "email", ALICE, NULL);
  g_assert_cmpint (lookup->status, ==, 0);
  g_assert_cmpstr (g_strchomp (lookup->out), ==, token);

  credentials = keyring_lookup (server, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credentials);
  g_assert_cmpstr (credentials->server, ==, server);
  g_assert_cmpstr (credentials->email, ==, ALICE);
  g_assert_cmpuint (credentials->account_id, ==, 10001);
  g_assert_cmpstr (credentials->token, ==, token);

  /* Another server sees nothing of it. */
  g_clear_pointer (&credentials, xg_credentials_free);
  credentials = keyring_lookup ("127.0.0.1:40003", &error);
  g_assert_no_error (error);
  g_assert_null (credentials);
}

static void
test_store_replaces (void)
{
  const char *server = "127.0.0.1:40004";
  g_autofree char *first = new_token ();
  g_autofree char *second = new_token ();
  g_autofree char *third = new_token ();
  g_autoptr(XgCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ToolResult) search = NULL;
  g_autoptr(ToolResult) lookup = NULL;

  keyring_store (server, ALICE, 10001, first);
  keyring_store (server, ALICE, 10001, second);

  search = secret_tool ("search", "--all", "server", server, "email", ALICE, NULL);
  g_assert_cmpuint (count_items (search->out), ==, 1);
  lookup = secret_tool ("lookup", "server", server, "email", ALICE, NULL);
  g_assert_cmpstr (g_strchomp (lookup->out), ==, second);
  g_clear_pointer (&search, tool_result_free);
  g_clear_pointer (&lookup, tool_result_free);

  /* The same address under a new account (deleted and registered again)
   * still leaves a single item. */
  keyring_store (server, ALICE, 10077, third);
  search = secret_tool ("search", "--all", "server", server, NULL);
  g_test_message ("secret-tool search:\n%s%s", search->out, search->err);
  g_assert_cmpuint (count_items (search->out), ==, 1);
  assert_contains (search->err, "attribute.account = 10077");

  credentials = keyring_lookup (server, &error);
  g_assert_no_error (error);
  g_assert_nonnull (credentials);
  g_assert_cmpuint (credentials->account_id, ==, 10077);
  g_assert_cmpstr (credentials->token, ==, third);
}

/* Several emails on one server: lookup answers with the newest. The
 * keyring keeps times in seconds, hence the pauses. */
static void
test_lookup_newest_first (void)
{
  const char *server = "127.0.0.1:40005";
  g_autofree char *alice_token = new_token ();
  g_autofree char *bob_token = new_token ();
  g_autofree char *alice_again = new_token ();
  g_autoptr(XgCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ToolResult) search = NULL;

  keyring_store (server, ALICE, 10001, alice_token);
  g_usleep (1100 * 1000);
  keyring_store (server, BOB, 10002, bob_token);

  credentials = keyring_lookup (server, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (credentials->email, ==, BOB);
  g_assert_cmpuint (credentials->account_id, ==, 10002);
  g_assert_cmpstr (credentials->token, ==, bob_token);
  g_clear_pointer (&credentials, xg_credentials_free);

  g_usleep (1100 * 1000);
  keyring_store (server, ALICE, 10001, alice_again);
  credentials = keyring_lookup (server, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (credentials->email, ==, ALICE);
  g_assert_cmpstr (credentials->token, ==, alice_again);

  search = secret_tool ("search", "--all", "server", server, NULL);
  g_assert_cmpuint (count_items (search->out), ==, 2);
}

static void
test_clear (void)
{
  const char *server = "127.0.0.1:40006";
  const char *other_server = "127.0.0.1:40007";
  g_autofree char *token = new_token ();
  g_autoptr(XgCredentials) credentials = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ToolResult) search = NULL;
  g_autoptr(ToolResult) lookup = NULL;

  keyring_store (server, ALICE, 10001, token);
  keyring_store (server, BOB, 10002, token);
  keyring_store (other_server, ALICE, 10001, token);

  keyring_clear (server, ALICE);

  search = secret_tool ("search", "--all", "server", server, "email", ALICE, NULL);
  g_assert_cmpuint (count_items (search->out), ==, 0);
  g_assert_cmpstr (search->out, ==, "");
  lookup = secret_tool ("lookup", "server", server, "email", ALICE, NULL);
  g_assert_cmpint (lookup->status, !=, 0);
  g_assert_cmpstr (lookup->out, ==, "");
  g_clear_pointer (&search, tool_result_free);

  /* Bob on the same server, and Alice on another, are still there. */
  search = secret_tool ("search", "--all", "server", server, NULL);
  g_assert_cmpuint (count_items (search->out), ==, 1);
  assert_contains (search->err, "attribute.email = " BOB);
  g_clear_pointer (&search, tool_result_free);
  search = secret_tool ("search", "--all", "server", other_server, NULL);
  g_assert_cmpuint (count_items (search->out), ==, 1);
  g_clear_pointer (&search, tool_result_free);

  keyring_clear (server, BOB);
  search = secret_tool ("search", "--all", "server", server, NULL);
  g_assert_cmpuint (count_items (search->out), ==, 0);

  credentials = keyring_lookup (server, &error);
  g_assert_no_error (error);
  g_assert_null (credentials);

  keyring_clear (server, BOB);   /* nothing left: still fine */
  keyring_clear (other_server, ALICE);
}

static void
test_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  g_cancellable_cancel (cancellable);
  xg_keyring_lookup_async ("127.0.0.1:40008", cancellable, store_result, &slot);
  result = await_result (&slot);
  g_assert_null (xg_keyring_lookup_finish (result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

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

int
main (int   argc,
      char *argv[])
{
  const char *private_home = g_getenv ("XG_TEST_PRIVATE_KEYRING");
  g_autofree char *secret_tool_path = g_find_program_in_path ("secret-tool");
  g_autofree char *file_dir = NULL;
  int status;

  file_backend = g_strcmp0 (g_getenv ("XG_TEST_KEYRING_BACKEND"), "file") == 0;

  /* Set before libsecret's first call; secret-tool inherits it. */
  if (file_backend)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *file = NULL;

      file_dir = g_dir_make_tmp ("xg-test-keyring-XXXXXX", &error);
      g_assert_no_error (error);
      file = g_build_filename (file_dir, "keyring", NULL);
      g_setenv ("SECRET_BACKEND", "file", TRUE);
      g_setenv ("SECRET_FILE_TEST_PATH", file, TRUE);
      g_setenv ("SECRET_FILE_TEST_PASSWORD", "xinge-test-keyring", TRUE);
    }

  g_test_init (&argc, &argv, NULL);

  /* Never touch the keyring of whoever runs this by hand. */
  if (!file_backend && (private_home == NULL || g_strcmp0 (private_home, g_get_home_dir ()) != 0))
    {
      g_printerr ("test-keyring: run it through tests/core/run-with-keyring.sh\n");
      return 77;
    }
  if (secret_tool_path == NULL)
    {
      g_printerr ("test-keyring: secret-tool not found (package libsecret-tools)\n");
      return 77;
    }

  g_test_add_func ("/keyring/lookup-empty", test_lookup_empty);
  g_test_add_func ("/keyring/store-and-lookup", test_store_and_lookup);
  g_test_add_func ("/keyring/store-replaces", test_store_replaces);
  g_test_add_func ("/keyring/lookup-newest-first", test_lookup_newest_first);
  g_test_add_func ("/keyring/clear", test_clear);
  g_test_add_func ("/keyring/cancelled", test_cancelled);

  status = g_test_run ();
  if (file_dir != NULL)
    rm_rf (file_dir);
  return status;
}
