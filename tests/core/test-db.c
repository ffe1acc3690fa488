/* test-db.c: XgDb, XgDeviceDb and XgAccountDb on real SQLite files, and xg-paths
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test works on fresh files in its own temporary folder, and
 * $XDG_DATA_HOME points into one for the whole run. (Not
 * G_TEST_OPTION_ISOLATE_DIRS: GLib leaks what it sets per test, which
 * would drown real leaks in the sanitizer build.)
 */
#define G_LOG_DOMAIN "xg-test-db"

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "xg-account-db.h"
#include "xg-device-db.h"
#include "xg-paths.h"
#include "xg-profile.h"
#include "xg-proto.h"

#define SERVER "127.0.0.1:4433"
#define FP_A "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99"
#define FP_B "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF"

static GThread *main_thread;

/* --- Files --------------------------------------------------------------- */

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

typedef struct {
  char *dir;
  char *device_path;
  char *account_path;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("xg-test-db-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->device_path = g_build_filename (fixture->dir, "device.db", NULL);
  fixture->account_path = g_build_filename (fixture->dir, "10001.db", NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  rm_rf (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->device_path);
  g_free (fixture->account_path);
}

/* Direct SQLite access, to look at (and damage) files behind the cache. */

static sqlite3_int64
db_int (const char *path,
        const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3_int64 value = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
db_exec (const char *path,
         const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* Overwrites @length bytes of @path from @offset with a pattern. */
static void
damage_file (const char *path,
             gsize       offset,
             gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize size;

  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (size, >=, offset + length);
  for (gsize i = 0; i < length; i++)
    contents[offset + i] = (char) (0xa5 ^ (i * 7));
  g_file_set_contents (path, contents, size, &error);
  g_assert_no_error (error);
}

/* --- Waiting for results ------------------------------------------------- */

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_true (g_thread_self () == main_thread);
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

/* Waits until @db is open (or could not be): NULL with @error then. */
static gpointer
ready (gpointer   db,
       GError   **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  xg_db_ready_async (db, NULL, store_result, &slot);
  result = await_result (&slot);
  if (!xg_db_ready_finish (db, result, error))
    {
      g_object_unref (db);
      return NULL;
    }
  return db;
}

static XgDeviceDb *
open_device (const char  *path,
             GError     **error)
{
  return ready (xg_device_db_new (path), error);
}

static XgAccountDb *
open_account (const char  *path,
              GError     **error)
{
  return ready (xg_account_db_new (path), error);
}

static char *
lookup_pin (XgDeviceDb  *db,
            const char  *server,
            GError     **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  xg_device_db_lookup_pin_async (db, server, NULL, store_result, &slot);
  result = await_result (&slot);
  return xg_device_db_lookup_pin_finish (db, result, error);
}

static gboolean
store_pin (XgDeviceDb  *db,
           const char  *server,
           const char  *fingerprint,
           GError     **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  xg_device_db_store_pin_async (db, server, fingerprint, NULL, store_result, &slot);
  result = await_result (&slot);
  return xg_device_db_store_pin_finish (db, result, error);
}

static gboolean
store_profile (XgAccountDb  *db,
               GVariant     *profile,
               GError      **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  xg_account_db_store_profile_async (db, profile, NULL, store_result, &slot);
  result = await_result (&slot);
  return xg_account_db_store_profile_finish (db, result, error);
}

static GVariant *
load_profile (XgAccountDb  *db,
              GError      **error)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  xg_account_db_load_profile_async (db, NULL, store_result, &slot);
  result = await_result (&slot);
  return xg_account_db_load_profile_finish (db, result, error);
}

/* Lets the completions of calls already made run. */
static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* --- Tracing: which thread runs the statements --------------------------- */

typedef struct {
  GMutex      mutex;
  GHashTable *threads;        /* GThread * → itself */
  guint       n_statements;
  guint       n_on_main;
} Trace;

static void
trace_init (Trace *trace)
{
  memset (trace, 0, sizeof *trace);
  g_mutex_init (&trace->mutex);
  trace->threads = g_hash_table_new (NULL, NULL);
}

static void
trace_clear (Trace *trace)
{
  g_mutex_clear (&trace->mutex);
  g_hash_table_unref (trace->threads);
}

static void
on_statement (const char *sql,
              gpointer    user_data)
{
  Trace *trace = user_data;

  g_assert_nonnull (sql);

  g_mutex_lock (&trace->mutex);
  trace->n_statements++;
  if (g_thread_self () == main_thread)
    trace->n_on_main++;
  g_hash_table_add (trace->threads, g_thread_self ());
  g_mutex_unlock (&trace->mutex);
}

/* --- Paths --------------------------------------------------------------- */

static void
assert_private_dir (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
}

static void
test_paths (void)
{
  g_autofree char *data_dir = g_strdup (g_get_user_data_dir ());

  g_assert_cmpstr (data_dir, ==, g_getenv ("XDG_DATA_HOME"));
  g_autofree char *expected = g_build_filename (data_dir, "xinge", "default", NULL);
  g_autofree char *app_dir = xg_paths_app_dir (NULL);
  g_autofree char *app_dir_empty = xg_paths_app_dir ("");
  g_autofree char *alice_dir = xg_paths_app_dir ("alice");
  g_autofree char *device = xg_paths_device_db ("alice");
  g_autofree char *account = xg_paths_account_db ("alice", 10001);
  g_autofree char *expected_account = g_build_filename (alice_dir, "accounts", "10001.db", NULL);
  g_autofree char *accounts_dir = g_build_filename (alice_dir, "accounts", NULL);
  g_autofree char *expected_device = g_build_filename (alice_dir, "device.db", NULL);
  g_autofree char *loose = g_build_filename (data_dir, "xinge", "loose", NULL);
  g_autofree char *loose_dir = NULL;

  g_assert_cmpstr (app_dir, ==, expected);
  g_assert_cmpstr (app_dir_empty, ==, expected);
  assert_private_dir (app_dir);
  assert_private_dir (alice_dir);
  g_assert_true (g_str_has_suffix (alice_dir, "/xinge/alice"));

  g_assert_cmpstr (device, ==, expected_device);
  g_assert_false (g_file_test (device, G_FILE_TEST_EXISTS));
  g_assert_cmpstr (account, ==, expected_account);
  assert_private_dir (accounts_dir);

  /* A folder someone made open to others is closed. */
  g_assert_cmpint (g_mkdir_with_parents (loose, 0755), ==, 0);
  g_assert_cmpint (g_chmod (loose, 0755), ==, 0);
  loose_dir = xg_paths_app_dir ("loose");
  assert_private_dir (loose_dir);

  /* An app profile is one path component. */
  g_assert_true (xg_paths_is_valid_app_profile (NULL));
  g_assert_true (xg_paths_is_valid_app_profile ("work"));
  g_assert_false (xg_paths_is_valid_app_profile (".."));
  g_assert_false (xg_paths_is_valid_app_profile ("."));
  g_assert_false (xg_paths_is_valid_app_profile ("a/b"));

  g_test_expect_message ("xg-core", G_LOG_LEVEL_CRITICAL, "*xg_paths_is_valid_app_profile*");
  g_assert_null (xg_paths_app_dir ("../escape"));
  g_test_assert_expected_messages ();
}

/* --- Pins ---------------------------------------------------------------- */

static void
test_pins (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;
  GStatBuf st;
  sqlite3_int64 first_seen;

  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cache);

  /* Only its owner may read the file. */
  g_assert_cmpint (g_stat (fixture->device_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Nothing pinned yet: NULL without an error. */
  pin = lookup_pin (cache, SERVER, &error);
  g_assert_no_error (error);
  g_assert_null (pin);

  g_assert_true (store_pin (cache, SERVER, FP_A, &error));
  g_assert_no_error (error);
  pin = lookup_pin (cache, SERVER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pin, ==, FP_A);
  g_clear_pointer (&pin, g_free);

  /* Other servers are separate. */
  pin = lookup_pin (cache, "127.0.0.1:4434", &error);
  g_assert_no_error (error);
  g_assert_null (pin);

  /* Across close and reopen. */
  xg_db_close (XG_DB (cache));
  g_clear_object (&cache);
  first_seen = db_int (fixture->device_path, "SELECT first_seen FROM pins WHERE server = '" SERVER "'");
  g_assert_cmpint (first_seen, >, 1700000000);
  db_exec (fixture->device_path, "UPDATE pins SET first_seen = 1000");

  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);
  pin = lookup_pin (cache, SERVER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pin, ==, FP_A);
  g_clear_pointer (&pin, g_free);

  /* Pinning the same fingerprint again keeps when it was first seen. */
  g_assert_true (store_pin (cache, SERVER, FP_A, &error));
  g_assert_no_error (error);

  /* store_pin replaces. */
  g_assert_true (store_pin (cache, SERVER, FP_B, &error));
  g_assert_no_error (error);
  g_assert_true (store_pin (cache, "127.0.0.1:4434", FP_A, &error));
  g_assert_no_error (error);
  pin = lookup_pin (cache, SERVER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pin, ==, FP_B);
  g_clear_pointer (&pin, g_free);
  g_clear_object (&cache);   /* dispose closes */

  g_assert_cmpint (db_int (fixture->device_path, "SELECT count(*) FROM pins"), ==, 2);
  g_assert_cmpint (db_int (fixture->device_path, "SELECT first_seen FROM pins WHERE server = '" SERVER "'"),
                   >, 1700000000);

  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);
  pin = lookup_pin (cache, SERVER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pin, ==, FP_B);
  g_clear_pointer (&pin, g_free);
  pin = lookup_pin (cache, "127.0.0.1:4434", &error);
  g_assert_cmpstr (pin, ==, FP_A);
}

static void
test_pin_same_fingerprint_keeps_first_seen (Fixture       *fixture,
                                            gconstpointer  data)
{
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;

  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);
  g_assert_true (store_pin (cache, SERVER, FP_A, &error));
  g_clear_object (&cache);
  db_exec (fixture->device_path, "UPDATE pins SET first_seen = 1000");

  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);
  g_assert_true (store_pin (cache, SERVER, FP_A, &error));
  g_clear_object (&cache);
  g_assert_cmpint (db_int (fixture->device_path, "SELECT first_seen FROM pins"), ==, 1000);
}

/* --- Profile ------------------------------------------------------------- */

static GVariant *
sample_profile (const char *nickname)
{
  static const guint8 png[] = { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0 };
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_variant_builder_add (&builder, "{sv}", "signature", g_variant_new_string ("你好，世界"));
  g_variant_builder_add (&builder, "{sv}", "region", g_variant_new_string ("上海"));
  g_variant_builder_add (&builder, "{sv}", "avatar",
                         g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, png, sizeof png, 1));
  return g_variant_ref_sink (xg_proto_profile_new (10001, "alice@example.com", nickname,
                                                   g_variant_builder_end (&builder)));
}

static void
test_profile (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(XgAccountDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) first = sample_profile ("爱丽丝");
  g_autoptr(GVariant) second = sample_profile ("Alice");
  g_autoptr(GVariant) loaded = NULL;
  g_autoptr(XgProfile) profile = NULL;

  cache = open_account (fixture->account_path, &error);
  g_assert_no_error (error);

  loaded = load_profile (cache, &error);
  g_assert_no_error (error);
  g_assert_null (loaded);

  g_assert_true (store_profile (cache, first, &error));
  g_assert_no_error (error);
  g_clear_object (&cache);

  cache = open_account (fixture->account_path, &error);
  g_assert_no_error (error);
  loaded = load_profile (cache, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (g_variant_get_type_string (loaded), ==, XG_PACKET_PROFILE_SIGNATURE);
  g_assert_true (g_variant_is_normal_form (loaded));
  g_assert_true (g_variant_equal (loaded, first));
  g_clear_pointer (&loaded, g_variant_unref);

  /* What XgProfile makes of it, and back. */
  g_assert_true (store_profile (cache, second, &error));
  loaded = load_profile (cache, &error);
  g_assert_no_error (error);
  profile = xg_profile_new_from_packet (loaded);
  g_assert_cmpstr (xg_profile_get_nickname (profile), ==, "Alice");
  g_assert_cmpstr (xg_profile_get_region (profile), ==, "上海");
  g_clear_pointer (&loaded, g_variant_unref);

  g_assert_true (store_profile (cache, xg_profile_to_variant (profile), &error));   /* floating */
  g_assert_no_error (error);
  xg_db_close (XG_DB (cache));
  g_clear_object (&cache);
  g_assert_cmpint (db_int (fixture->account_path, "SELECT count(*) FROM profile"), ==, 1);

  cache = open_account (fixture->account_path, &error);
  g_assert_no_error (error);
  loaded = load_profile (cache, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_equal (loaded, second));
}

static void
test_profile_damaged_row (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(XgAccountDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) loaded = NULL;

  cache = open_account (fixture->account_path, &error);
  g_assert_no_error (error);
  g_clear_object (&cache);

  /* Not a normal-form (tssa{sv}): an offset pointing past the end. */
  db_exec (fixture->account_path, "INSERT INTO profile (id, body) VALUES (1, x'0100000000000000ff')");

  cache = open_account (fixture->account_path, &error);
  g_assert_no_error (error);
  g_test_expect_message ("xg-core", G_LOG_LEVEL_WARNING, "*(tssa{sv})*damaged*");
  loaded = load_profile (cache, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_null (loaded);
}

/* --- Migrations ---------------------------------------------------------- */

static void
count_migrations (const char     *log_domain,
                  GLogLevelFlags  log_level,
                  const char     *message,
                  gpointer        user_data)
{
  guint *count = user_data;

  if (strstr (message, "schema version") != NULL)
    (*count)++;
}

static void
test_migrations_once (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(XgDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;
  guint migrations = 0;
  guint handler;

  handler = g_log_set_handler ("xg-core", G_LOG_LEVEL_DEBUG, count_migrations, &migrations);

  cache = XG_DB (open_device (fixture->device_path, &error));
  g_assert_no_error (error);
  g_assert_true (store_pin (XG_DEVICE_DB (cache), SERVER, FP_A, &error));
  g_clear_object (&cache);
  g_assert_cmpuint (migrations, ==, 1);
  g_assert_cmpint (db_int (fixture->device_path, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (db_int (fixture->device_path, "PRAGMA journal_mode = WAL"), !=, -1);

  /* Opening again runs no migration (creating the table twice would fail)
   * and keeps the data. */
  cache = XG_DB (open_device (fixture->device_path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (migrations, ==, 1);
  pin = lookup_pin (XG_DEVICE_DB (cache), SERVER, &error);
  g_assert_cmpstr (pin, ==, FP_A);
  g_clear_object (&cache);
  g_assert_cmpint (db_int (fixture->device_path, "PRAGMA user_version"), ==, 1);

  cache = XG_DB (open_account (fixture->account_path, &error));
  g_assert_no_error (error);
  g_clear_object (&cache);
  /* The account database has five: the profile; contacts and requests;
   * conversations and messages; groups and their members' names; the
   * conversations' unread counts. */
  g_assert_cmpuint (migrations, ==, 6);
  g_assert_cmpint (db_int (fixture->account_path, "PRAGMA user_version"), ==, 5);
  g_assert_cmpint (db_int (fixture->account_path,
                           "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                           "AND name IN ('profile', 'contacts', 'contact_info', 'friend_requests', "
                           "'messages', 'conversations', 'groups', 'group_names')"), ==, 8);

  g_log_remove_handler ("xg-core", handler);
}

static void
test_too_new (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(XgDb) cache = NULL;
  g_autoptr(GError) error = NULL;

  /* A device database ("XgDv") from a future Xinge. */
  db_exec (fixture->device_path,
           "CREATE TABLE future (x); PRAGMA user_version = 99; PRAGMA application_id = 1483162742");

  cache = XG_DB (open_device (fixture->device_path, &error));
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_TOO_NEW);
  g_assert_null (cache);
  g_assert_nonnull (strstr (error->message, "99"));
  g_clear_error (&error);

  /* The file is left as it was. */
  g_assert_cmpint (db_int (fixture->device_path, "PRAGMA user_version"), ==, 99);

  db_exec (fixture->account_path, "PRAGMA user_version = 99; PRAGMA application_id = 1483161955");
  cache = XG_DB (open_account (fixture->account_path, &error));
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_TOO_NEW);
  g_assert_null (cache);
}

/* One kind of database is never taken for the other. */
static void
test_wrong_kind (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(XgDb) cache = NULL;
  g_autoptr(GError) error = NULL;

  cache = XG_DB (open_account (fixture->account_path, &error));
  g_assert_no_error (error);
  g_clear_object (&cache);

  cache = XG_DB (open_device (fixture->account_path, &error));
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_FAILED);
  g_assert_null (cache);
}

/* --- Damaged files ------------------------------------------------------- */

static void
test_corrupt_garbage (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(XgDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) garbage = g_string_new (NULL);

  while (garbage->len < 8192)
    g_string_append (garbage, "this is not a database; ");
  g_file_set_contents (fixture->device_path, garbage->str, garbage->len, &error);
  g_assert_no_error (error);

  cache = XG_DB (open_device (fixture->device_path, &error));
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_CORRUPT);
  g_assert_null (cache);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  cache = XG_DB (open_account (fixture->device_path, &error));
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_CORRUPT);
  g_assert_null (cache);
}

/* The schema page is damaged: the open fails. */
static void
test_corrupt_schema (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;

  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);
  g_assert_true (store_pin (cache, SERVER, FP_A, &error));
  g_clear_object (&cache);

  /* Page 1 after the 100-byte file header holds the schema. */
  damage_file (fixture->device_path, 100, 4096 - 100);

  cache = open_device (fixture->device_path, &error);
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_CORRUPT);
  g_assert_null (cache);
  g_test_message ("%s", error->message);
}

/* The table's pages are damaged: the open works (the schema is fine) and
 * the first read fails with an error, on the worker, without a crash. */
static void
test_corrupt_data (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;
  GStatBuf st;

  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);
  g_assert_true (store_pin (cache, SERVER, FP_A, &error));
  g_clear_object (&cache);

  g_assert_cmpint (g_stat (fixture->device_path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >=, 3 * 4096);
  damage_file (fixture->device_path, 4096, st.st_size - 4096);

  cache = open_device (fixture->device_path, &error);
  if (cache == NULL)
    {
      g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_CORRUPT);
      return;
    }
  g_assert_no_error (error);

  pin = lookup_pin (cache, SERVER, &error);
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_CORRUPT);
  g_assert_null (pin);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* The cache still answers. */
  g_assert_false (store_pin (cache, SERVER, FP_B, &error));
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_CORRUPT);
}

static void
test_unopenable (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (fixture->dir, "no", "such", "folder", "device.db", NULL);

  cache = open_device (missing, &error);
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_FAILED);
  g_assert_null (cache);
  g_assert_nonnull (strstr (error->message, missing));
}

/* --- Threads, order, close ----------------------------------------------- */

#define N_CALLS 600

typedef struct {
  XgDeviceDb *cache;
  guint    next;        /* the index of the call expected to complete next */
  guint    n_failed;
} OrderState;

typedef struct {
  OrderState *state;
  guint       index;
  char       *expect;   /* for lookups: the fingerprint stored just before */
} OrderCall;

static void
order_call_free (OrderCall *call)
{
  g_free (call->expect);
  g_free (call);
}

static void
on_order_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  OrderCall *call = user_data;
  OrderState *state = call->state;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_cmpuint (call->index, ==, state->next);
  state->next++;

  if (call->expect != NULL)
    {
      g_autofree char *pin = xg_device_db_lookup_pin_finish (XG_DEVICE_DB (object), result, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (pin, ==, call->expect);
    }
  else if (!xg_device_db_store_pin_finish (XG_DEVICE_DB (object), result, &error))
    {
      g_assert_no_error (error);
    }

  order_call_free (call);
}

static void
test_concurrent_in_order (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  OrderState state = { NULL, 0, 0 };
  Trace trace;

  trace_init (&trace);
  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);
  xg_db_set_trace_func (XG_DB (cache), on_statement, &trace);
  state.cache = cache;

  /* All queued before any completes: stores and lookups interleaved, each
   * lookup seeing the store queued just before it. */
  for (guint i = 0; i < N_CALLS; i++)
    {
      OrderCall *call = g_new0 (OrderCall, 1);
      g_autofree char *fingerprint = g_strdup_printf ("FP-%u", i - i % 2);

      call->state = &state;
      call->index = i;
      if (i % 2 == 0)
        {
          xg_device_db_store_pin_async (cache, SERVER, fingerprint, NULL, on_order_done, call);
        }
      else
        {
          call->expect = g_steal_pointer (&fingerprint);
          xg_device_db_lookup_pin_async (cache, SERVER, NULL, on_order_done, call);
        }
    }

  while (state.next < N_CALLS)
    g_main_context_iteration (NULL, TRUE);

  xg_db_close (XG_DB (cache));

  /* Every statement ran, on one thread that is not the main one. */
  g_assert_cmpuint (trace.n_statements, >=, N_CALLS);
  g_assert_cmpuint (trace.n_on_main, ==, 0);
  g_assert_cmpuint (g_hash_table_size (trace.threads), ==, 1);
  g_assert_false (g_hash_table_contains (trace.threads, main_thread));

  drain_main_context ();
  trace_clear (&trace);
}

static void
on_store_counted (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  guint *n_done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (xg_device_db_store_pin_finish (XG_DEVICE_DB (object), result, &error));
  g_assert_no_error (error);
  (*n_done)++;
}

/* close() runs what was queued, then ends the worker; later calls fail. */
static void
test_close_drains (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *wal = g_strconcat (fixture->device_path, "-wal", NULL);
  guint n_done = 0;

  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *fingerprint = g_strdup_printf ("FP-%u", i);

      xg_device_db_store_pin_async (cache, SERVER, fingerprint, NULL, on_store_counted, &n_done);
    }
  xg_db_close (XG_DB (cache));
  xg_db_close (XG_DB (cache));   /* twice is fine */

  /* All of them ran before close() returned; the database is closed (its
   * WAL folded back in) and the results are waiting on the main context. */
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_cmpint (db_int (fixture->device_path, "SELECT count(*) FROM pins WHERE fingerprint = 'FP-99'"), ==, 1);
  while (n_done < 100)
    g_main_context_iteration (NULL, TRUE);

  pin = lookup_pin (cache, SERVER, &error);
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_CLOSED);
  g_assert_null (pin);
  g_clear_error (&error);
  g_assert_false (store_pin (cache, SERVER, FP_A, &error));
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_CLOSED);
}

typedef struct {
  guint    n_done;
  guint    n_done_at_flush;
  gboolean flushed;
  char    *path;
  gint64   rows_at_flush;
} FlushState;

static void
on_flush_store_done (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  FlushState *state = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (xg_device_db_store_pin_finish (XG_DEVICE_DB (object), result, &error));
  g_assert_no_error (error);
  g_assert_false (state->flushed);
  state->n_done++;
}

static void
on_flush_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  FlushState *state = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (xg_db_flush_finish (XG_DB (object), result, &error));
  g_assert_no_error (error);
  state->flushed = TRUE;
  state->n_done_at_flush = state->n_done;
  /* Another connection reads the file while the database stays open. */
  state->rows_at_flush = db_int (state->path, "SELECT count(*) FROM pins");
}

/* A flush completes after every call queued before it, and what they
 * wrote is in the file then, with the database still open. */
static void
test_flush (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  FlushState state = { 0 };

  state.path = fixture->device_path;
  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", 10000 + i);

      xg_device_db_store_pin_async (cache, server, FP_A, NULL, on_flush_store_done, &state);
    }
  xg_db_flush_async (XG_DB (cache), NULL, on_flush_done, &state);
  while (!state.flushed)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (state.n_done_at_flush, ==, 100);
  g_assert_cmpint (state.rows_at_flush, ==, 100);

  /* Cancelled before its turn, it says so. */
  g_cancellable_cancel (cancellable);
  xg_db_flush_async (XG_DB (cache), cancellable, store_result, &slot);
  result = await_result (&slot);
  g_assert_false (xg_db_flush_finish (XG_DB (cache), result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);

  /* After close(), like every call. */
  xg_db_close (XG_DB (cache));
  xg_db_flush_async (XG_DB (cache), NULL, store_result, &slot);
  result = await_result (&slot);
  g_assert_false (xg_db_flush_finish (XG_DB (cache), result, &error));
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_CLOSED);
}

/* The last unref closes the database and joins the worker. */
static void
test_dispose_closes (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wal = g_strconcat (fixture->device_path, "-wal", NULL);
  XgDeviceDb *cache;

  for (guint round = 0; round < 20; round++)
    {
      cache = open_device (fixture->device_path, &error);
      g_assert_no_error (error);
      g_assert_true (store_pin (cache, SERVER, round % 2 ? FP_A : FP_B, &error));
      g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));

      g_object_add_weak_pointer (G_OBJECT (cache), (gpointer *) &cache);
      g_object_unref (cache);
      g_assert_null (cache);
      g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
    }
}

/* A call cancelled before the worker reaches it runs nothing. */
static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *pin = NULL;
  GAsyncResult *slot = NULL;

  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);
  g_assert_true (store_pin (cache, SERVER, FP_A, &error));

  g_cancellable_cancel (cancellable);
  xg_device_db_store_pin_async (cache, SERVER, FP_B, cancellable, store_result, &slot);
  result = await_result (&slot);
  g_assert_false (xg_device_db_store_pin_finish (cache, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  pin = lookup_pin (cache, SERVER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pin, ==, FP_A);
}

/* Callbacks go to the thread-default main context of the caller. */
typedef struct {
  const char *path;
  char       *pin;
  gboolean    on_own_context;
} ThreadCall;

static void
on_thread_result (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gpointer
call_from_thread_main (gpointer data)
{
  ThreadCall *call = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;

  g_main_context_push_thread_default (context);
  cache = xg_device_db_new (call->path);
  xg_device_db_lookup_pin_async (cache, SERVER, NULL, on_thread_result, &slot);
  while (slot == NULL)
    g_main_context_iteration (context, TRUE);
  result = slot;
  call->on_own_context = g_main_context_is_owner (context);
  call->pin = xg_device_db_lookup_pin_finish (cache, result, &error);
  g_assert_no_error (error);
  g_clear_object (&cache);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_thread_default_context (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(XgDeviceDb) cache = NULL;
  g_autoptr(GError) error = NULL;
  ThreadCall call = { fixture->device_path, NULL, FALSE };
  GThread *thread;

  cache = open_device (fixture->device_path, &error);
  g_assert_no_error (error);
  g_assert_true (store_pin (cache, SERVER, FP_A, &error));
  g_clear_object (&cache);

  thread = g_thread_new ("caller", call_from_thread_main, &call);
  g_thread_join (thread);
  g_assert_true (call.on_own_context);
  g_assert_cmpstr (call.pin, ==, FP_A);
  g_free (call.pin);
}

/* --- Jobs ------------------------------------------------------------------ */

typedef struct {
  int       synchronous;
  char     *journal_mode;
  int       foreign_keys;
  GThread  *thread;
} PragmaJob;

static void
pragma_job_free (PragmaJob *job)
{
  g_free (job->journal_mode);
  g_free (job);
}

static gboolean
run_read_pragmas (XgDb      *db,
                  gpointer   data,
                  GError   **error)
{
  PragmaJob *job = data;
  sqlite3_stmt *stmt;
  gboolean has_row;

  job->thread = g_thread_self ();
  stmt = xg_db_statement (db, "PRAGMA synchronous", error);
  if (stmt == NULL || !xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  job->synchronous = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);

  stmt = xg_db_statement (db, "PRAGMA journal_mode", error);
  if (stmt == NULL || !xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  job->journal_mode = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);

  stmt = xg_db_statement (db, "PRAGMA foreign_keys", error);
  if (stmt == NULL || !xg_db_step_row (db, stmt, &has_row, error))
    return FALSE;
  job->foreign_keys = sqlite3_column_int (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

/* A commit is on disk when its job completes: WAL, synchronous=FULL. */
static void
test_synchronous_full (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(XgAccountDb) db = xg_account_db_new (fixture->account_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  PragmaJob *job;

  xg_db_run_async (XG_DB (db), run_read_pragmas, g_new0 (PragmaJob, 1), (GDestroyNotify) pragma_job_free,
                   NULL, test_synchronous_full, store_result, &slot);
  result = await_result (&slot);
  job = xg_db_run_finish (XG_DB (db), result, test_synchronous_full, &error);
  g_assert_no_error (error);
  g_assert_cmpint (job->synchronous, ==, 2);   /* FULL */
  g_assert_cmpstr (job->journal_mode, ==, "wal");
  g_assert_cmpint (job->foreign_keys, ==, 1);
  g_assert_true (job->thread != main_thread);
}

typedef struct {
  const char *fingerprint;
} FailingJob;

/* Writes a pin, then fails: its transaction must not keep the write. */
static gboolean
run_store_then_fail (XgDb      *db,
                     gpointer   data,
                     GError   **error)
{
  FailingJob *job = data;
  sqlite3_stmt *stmt = xg_db_statement (db, "UPDATE pins SET fingerprint = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, job->fingerprint, -1, SQLITE_STATIC);
  if (!xg_db_step_done (db, stmt, error))
    return FALSE;
  g_assert_cmpint (xg_db_changes (db), ==, 1);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "changed its mind");
  return FALSE;
}

static void
test_failed_job_rolls_back (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(XgDeviceDb) db = open_device (fixture->device_path, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *pin = NULL;
  GAsyncResult *slot = NULL;
  FailingJob job = { FP_B };

  g_assert_true (store_pin (db, SERVER, FP_A, &error));
  xg_db_run_async (XG_DB (db), run_store_then_fail, &job, NULL, NULL,
                   test_failed_job_rolls_back, store_result, &slot);
  result = await_result (&slot);
  g_assert_null (xg_db_run_finish (XG_DB (db), result, test_failed_job_rolls_back, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_clear_error (&error);

  pin = lookup_pin (db, SERVER, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pin, ==, FP_A);
}

/* xg_db_new() does not open the file itself: a file it cannot use gives an
 * object at once, and every call then fails with the reason. */
static void
test_open_on_worker (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(XgDeviceDb) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;

  db_exec (fixture->device_path,
           "CREATE TABLE future (x); PRAGMA user_version = 42; PRAGMA application_id = 1483162742");
  db = xg_device_db_new (fixture->device_path);
  g_assert_nonnull (db);

  pin = lookup_pin (db, SERVER, &error);
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_TOO_NEW);
  g_assert_null (pin);
  g_clear_error (&error);
  g_assert_false (store_pin (db, SERVER, FP_A, &error));
  g_assert_error (error, XG_DB_ERROR, XG_DB_ERROR_TOO_NEW);
  g_assert_cmpint (db_int (fixture->device_path, "PRAGMA user_version"), ==, 42);
}

/* --- Groups ------------------------------------------------------------------- */

static XgStoredGroup *
sample_group (guint64     id,
              const char *name,
              guint8      role)
{
  XgStoredGroup *group = g_new0 (XgStoredGroup, 1);

  group->id = id;
  group->info = g_variant_ref_sink (g_variant_new_parsed ("{'name': <%s>, 'description': <'about'>}", name));
  group->revision = 1;
  group->owner_id = 7;
  group->member_count = 2;
  group->role = role;
  return group;
}

static GPtrArray *
load_groups (XgAccountDb *db)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *groups;

  xg_account_db_load_groups_async (db, NULL, store_result, &slot);
  result = await_result (&slot);
  groups = xg_account_db_load_groups_finish (db, result, &error);
  g_assert_no_error (error);
  return groups;
}

static void
save_groups (XgAccountDb *db,
             GPtrArray   *groups,
             gboolean     replace)
{
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  xg_account_db_save_groups_async (db, groups, replace, NULL, store_result, &slot);
  result = await_result (&slot);
  g_assert_true (xg_account_db_save_groups_finish (db, result, &error));
  g_assert_no_error (error);
}

/* The list a login's GROUP_LIST replaces: a group missing from it is gone
 * (kept, role NONE), the device's mute stays; members' names add up. */
static void
test_groups (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(XgAccountDb) db = xg_account_db_new (fixture->account_path);
  g_autoptr(GPtrArray) first = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_group_free);
  g_autoptr(GPtrArray) second = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_group_free);
  g_autoptr(GPtrArray) loaded = NULL;
  g_autoptr(GVariant) names = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  XgStoredGroup *group;
  const char *name;

  g_ptr_array_add (first, sample_group (100000000, "Climbers", 1));
  g_ptr_array_add (first, sample_group (100000001, "Cooks", 3));
  ((XgStoredGroup *) first->pdata[1])->muted = TRUE;
  save_groups (db, first, FALSE);

  loaded = load_groups (db);
  g_assert_cmpuint (loaded->len, ==, 2);
  group = loaded->pdata[1];
  g_assert_cmpuint (group->id, ==, 100000001);
  g_assert_true (g_variant_lookup (group->info, "name", "&s", &name));
  g_assert_cmpstr (name, ==, "Cooks");
  g_assert_cmpuint (group->role, ==, 3);
  g_assert_true (group->muted);
  g_assert_false (group->gone);
  g_clear_pointer (&loaded, g_ptr_array_unref);

  /* A new list without the first group. */
  g_ptr_array_add (second, xg_stored_group_copy (first->pdata[1]));
  ((XgStoredGroup *) second->pdata[0])->member_count = 5;
  save_groups (db, second, TRUE);
  loaded = load_groups (db);
  g_assert_cmpuint (loaded->len, ==, 2);
  group = loaded->pdata[0];
  g_assert_true (group->gone);
  g_assert_cmpuint (group->role, ==, 0);
  g_assert_true (g_variant_lookup (group->info, "name", "&s", &name));
  g_assert_cmpstr (name, ==, "Climbers");
  group = loaded->pdata[1];
  g_assert_false (group->gone);
  g_assert_true (group->muted);
  g_assert_cmpuint (group->member_count, ==, 5);

  xg_account_db_save_group_names_async (db, g_variant_new_parsed ("[(uint64 100000001, uint64 7, 'Ann'), "
                                                                  "(uint64 100000001, uint64 8, 'Bo')]"),
                                        NULL, NULL, NULL);
  xg_account_db_save_group_names_async (db, g_variant_new_parsed ("[(uint64 100000001, uint64 8, 'Bob')]"),
                                        NULL, NULL, NULL);
  xg_account_db_load_group_names_async (db, NULL, store_result, &slot);
  result = await_result (&slot);
  names = xg_account_db_load_group_names_finish (db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (names), ==, 2);
  {
    g_autoptr(GVariant) bo = g_variant_get_child_value (names, 1);
    guint64 group_id, member_id;

    g_variant_get (bo, "(tt&s)", &group_id, &member_id, &name);
    g_assert_cmpuint (member_id, ==, 8);
    g_assert_cmpstr (name, ==, "Bob");
  }
}

/* A group's messages share the tables with one-to-one chats under their
 * own key: a group and an account of the same number never meet, and a
 * group's unread count is everyone's messages but the account's. */
static void
test_group_conversation (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(XgAccountDb) db = xg_account_db_new (fixture->account_path);
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) text = g_bytes_new_static ("hi", 2);
  GAsyncResult *slot = NULL;
  guint64 group_key = XG_CONVERSATION_KEY (1, 42);

  g_assert_cmpuint (XG_CONVERSATION_KEY_KIND (group_key), ==, 1);
  g_assert_cmpuint (XG_CONVERSATION_KEY_ID (group_key), ==, 42);
  g_assert_cmpuint (XG_CONVERSATION_KEY (0, 42), ==, 42);
  g_assert_cmpuint (XG_CONVERSATION_KEY_KIND (42), ==, 0);

  xg_account_db_set_account_id (db, 5);
  /* Account 42's chat and group 42's, same seqs. */
  g_ptr_array_add (batch, xg_stored_message_new (42, 1, 11, 42, 1, text, 1000));
  g_ptr_array_add (batch, xg_stored_message_new (group_key, 1, 21, 9, 1, text, 1000));
  g_ptr_array_add (batch, xg_stored_message_new (group_key, 2, 22, 5, 1, text, 1001));
  g_ptr_array_add (batch, xg_stored_message_new (group_key, 3, 23, 10, 1, text, 1002));
  xg_account_db_store_incoming_async (db, batch, NULL, store_result, &slot);
  result = await_result (&slot);
  stored = xg_account_db_store_incoming_finish (db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 2);
  for (guint i = 0; i < stored->len; i++)
    {
      XgStoredConversation *conversation = stored->pdata[i];

      if (conversation->peer_id == 42)
        {
          g_assert_cmpuint (conversation->received, ==, 1);
          g_assert_cmpuint (conversation->unread, ==, 1);
        }
      else
        {
          g_assert_cmpuint (conversation->peer_id, ==, group_key);
          g_assert_cmpuint (conversation->added->len, ==, 3);
          g_assert_cmpuint (conversation->received, ==, 3);
          /* Seqs 1 and 3: not the account's own 2. */
          g_assert_cmpuint (conversation->unread, ==, 2);
        }
    }
}

/* --- The outbox and unread counts ------------------------------------------ */

static GPtrArray *
store_messages (XgAccountDb *db,
                GPtrArray   *batch)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *stored;

  xg_account_db_store_incoming_async (db, batch, NULL, store_result, &slot);
  result = await_result (&slot);
  stored = xg_account_db_store_incoming_finish (db, result, &error);
  g_assert_no_error (error);
  return stored;
}

static GPtrArray *
load_conversations (XgAccountDb *db)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *conversations;

  xg_account_db_load_conversations_async (db, NULL, store_result, &slot);
  result = await_result (&slot);
  conversations = xg_account_db_load_conversations_finish (db, result, &error);
  g_assert_no_error (error);
  return conversations;
}

static XgStoredConversation *
find_conversation (GPtrArray *conversations,
                   guint64    peer_id)
{
  for (guint i = 0; i < conversations->len; i++)
    if (((XgStoredConversation *) conversations->pdata[i])->peer_id == peer_id)
      return conversations->pdata[i];
  g_assert_not_reached ();
}

/* Several outgoing messages are written in one job and several
 * MSG_SENT_ACKs recorded in one: each message gets its seq, leaves the
 * outbox, and each conversation the batch touched comes back once, as it
 * is after all of them; an id that is not here is passed over. */
static void
test_outbox_batches (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(XgAccountDb) db = xg_account_db_new (fixture->account_path);
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);
  g_autoptr(GPtrArray) written = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autoptr(GPtrArray) recorded = NULL;
  g_autoptr(GArray) acks = g_array_new (FALSE, FALSE, sizeof (XgSentRecord));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) text = g_bytes_new_static ("hi", 2);
  GAsyncResult *slot = NULL;
  const XgSentRecord sent[] = {
    { 101, 1, 2000 }, { 999, 7, 2001 }, { 103, 1, 2002 }, { 102, 2, 2003 },
  };

  xg_account_db_set_account_id (db, 5);
  g_ptr_array_add (batch, xg_stored_message_new (42, 0, 101, 5, 1, text, 1000));
  g_ptr_array_add (batch, xg_stored_message_new (42, 0, 102, 5, 1, text, 1001));
  g_ptr_array_add (batch, xg_stored_message_new (43, 0, 103, 5, 1, text, 1002));
  xg_account_db_add_outgoing_async (db, batch, NULL, store_result, &slot);
  result = await_result (&slot);
  written = xg_account_db_add_outgoing_finish (db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (written->len, ==, 3);
  for (guint i = 0; i < written->len; i++)
    {
      XgStoredMessage *m = written->pdata[i];

      g_assert_cmpuint (m->client_msg_id, ==, 101 + i);
      g_assert_cmpint (m->id, >, i > 0 ? ((XgStoredMessage *) written->pdata[i - 1])->id : 0);
    }
  g_clear_object (&result);
  xg_account_db_load_outbox_async (db, NULL, store_result, &slot);
  result = await_result (&slot);
  outbox = xg_account_db_load_outbox_finish (db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (outbox->len, ==, 3);
  g_clear_pointer (&outbox, g_ptr_array_unref);

  g_array_append_vals (acks, sent, G_N_ELEMENTS (sent));
  g_clear_object (&result);
  xg_account_db_record_sent_async (db, 5, acks, NULL, store_result, &slot);
  result = await_result (&slot);
  recorded = xg_account_db_record_sent_finish (db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recorded->len, ==, 2);
  g_assert_cmpuint (((XgStoredConversation *) recorded->pdata[0])->peer_id, ==, 42);
  g_assert_cmpuint (((XgStoredConversation *) recorded->pdata[0])->base, ==, 1);
  g_assert_cmpuint (((XgStoredConversation *) recorded->pdata[0])->received, ==, 2);
  g_assert_cmpuint (((XgStoredConversation *) recorded->pdata[0])->gap_before, ==, 0);
  g_assert_cmpint (((XgStoredConversation *) recorded->pdata[0])->activity, ==, 2003);
  g_assert_cmpuint (((XgStoredConversation *) recorded->pdata[0])->last->seq, ==, 2);
  g_assert_cmpuint (((XgStoredConversation *) recorded->pdata[0])->unread, ==, 0);
  g_assert_cmpuint (((XgStoredConversation *) recorded->pdata[1])->peer_id, ==, 43);
  g_assert_cmpuint (((XgStoredConversation *) recorded->pdata[1])->received, ==, 1);

  g_clear_object (&result);
  xg_account_db_load_outbox_async (db, NULL, store_result, &slot);
  result = await_result (&slot);
  outbox = xg_account_db_load_outbox_finish (db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (outbox->len, ==, 0);
  g_clear_object (&db);
  g_assert_cmpint (db_int (fixture->account_path,
                           "SELECT count(*) FROM messages WHERE state = 1 AND seq IS NOT NULL"), ==, 3);
}

static void
mark_read (XgAccountDb *db,
           guint64      peer_id,
           guint64      read)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  xg_account_db_update_conversation_async (db, peer_id, 0, read, NULL, store_result, &slot);
  result = await_result (&slot);
  g_assert_true (xg_account_db_update_conversation_finish (db, result, &error));
  g_assert_no_error (error);
}

/* What the row keeps is what counting the messages gives. */
static void
assert_unread (XgAccountDb *db,
               const char  *path,
               guint64      peer_id,
               guint        expected)
{
  g_autoptr(GPtrArray) conversations = load_conversations (db);
  g_autofree char *count = NULL;
  g_autofree char *kept = g_strdup_printf ("SELECT unread FROM conversations WHERE peer_id = %" G_GUINT64_FORMAT,
                                           peer_id);

  if (XG_CONVERSATION_KEY_KIND (peer_id) == 0)
    count = g_strdup_printf ("SELECT count(*) FROM messages, conversations c WHERE messages.peer_id = c.peer_id "
                             "AND c.peer_id = %" G_GUINT64_FORMAT " AND sender_id = c.peer_id AND seq > c.read",
                             peer_id);
  else
    count = g_strdup_printf ("SELECT count(*) FROM messages, conversations c WHERE messages.peer_id = c.peer_id "
                             "AND c.peer_id = %" G_GUINT64_FORMAT " AND sender_id <> 5 AND seq > c.read", peer_id);
  g_assert_cmpuint (find_conversation (conversations, peer_id)->unread, ==, expected);
  g_assert_cmpint (db_int (path, count), ==, expected);
  g_assert_cmpint (db_int (path, kept), ==, expected);
}

/* The unread count is kept in the conversation's row, moved by what is
 * stored and by reading, and always what counting would give: the
 * peer's (a group: everyone else's) messages above what was read, each
 * once however often it comes. A row from before the count (NULL) is
 * counted once, when it is next read. */
static void
test_unread_kept (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(XgAccountDb) db = xg_account_db_new (fixture->account_path);
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_message_free);
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GBytes) text = g_bytes_new_static ("hi", 2);
  guint64 group_key = XG_CONVERSATION_KEY (1, 42);

  xg_account_db_set_account_id (db, 5);
  /* Seqs 1 and 3 the peer's, 2 the account's own. */
  g_ptr_array_add (batch, xg_stored_message_new (42, 1, 11, 42, 1, text, 1000));
  g_ptr_array_add (batch, xg_stored_message_new (42, 2, 12, 5, 1, text, 1001));
  g_ptr_array_add (batch, xg_stored_message_new (42, 3, 13, 42, 1, text, 1002));
  g_ptr_array_add (batch, xg_stored_message_new (group_key, 1, 21, 9, 1, text, 1000));
  g_ptr_array_add (batch, xg_stored_message_new (group_key, 2, 22, 5, 1, text, 1001));
  stored = store_messages (db, batch);
  g_assert_cmpuint (find_conversation (stored, 42)->unread, ==, 2);
  g_assert_cmpuint (find_conversation (stored, group_key)->unread, ==, 1);
  assert_unread (db, fixture->account_path, 42, 2);
  assert_unread (db, fixture->account_path, group_key, 1);

  /* Delivered again (and with a new one): counted once. */
  g_clear_pointer (&stored, g_ptr_array_unref);
  g_ptr_array_set_size (batch, 0);
  g_ptr_array_add (batch, xg_stored_message_new (42, 3, 13, 42, 1, text, 1002));
  g_ptr_array_add (batch, xg_stored_message_new (42, 4, 14, 42, 1, text, 1003));
  stored = store_messages (db, batch);
  g_assert_cmpuint (find_conversation (stored, 42)->unread, ==, 3);
  assert_unread (db, fixture->account_path, 42, 3);

  /* Read up to 3: one left; reading back does nothing. */
  mark_read (db, 42, 3);
  assert_unread (db, fixture->account_path, 42, 1);
  mark_read (db, 42, 1);
  assert_unread (db, fixture->account_path, 42, 1);

  /* History below what was read is not unread; above it, it is. */
  g_clear_pointer (&stored, g_ptr_array_unref);
  g_ptr_array_set_size (batch, 0);
  g_ptr_array_add (batch, xg_stored_message_new (group_key, 3, 23, 10, 1, text, 1002));
  stored = store_messages (db, batch);
  mark_read (db, group_key, 3);
  assert_unread (db, fixture->account_path, group_key, 0);
  g_clear_pointer (&stored, g_ptr_array_unref);
  g_ptr_array_set_size (batch, 0);
  g_ptr_array_add (batch, xg_stored_message_new (42, 6, 16, 42, 1, text, 1005));
  g_ptr_array_add (batch, xg_stored_message_new (group_key, 5, 25, 9, 1, text, 1005));
  g_ptr_array_add (batch, xg_stored_message_new (group_key, 6, 26, 5, 1, text, 1006));
  stored = store_messages (db, batch);
  g_assert_cmpuint (find_conversation (stored, 42)->unread, ==, 2);
  g_assert_cmpuint (find_conversation (stored, group_key)->unread, ==, 1);
  assert_unread (db, fixture->account_path, 42, 2);
  assert_unread (db, fixture->account_path, group_key, 1);

  /* Older history of a conversation read further: not unread. */
  g_clear_pointer (&stored, g_ptr_array_unref);
  g_ptr_array_set_size (batch, 0);
  g_ptr_array_add (batch, xg_stored_message_new (44, 5, 35, 44, 1, text, 1005));
  stored = store_messages (db, batch);
  mark_read (db, 44, 5);
  g_clear_pointer (&stored, g_ptr_array_unref);
  g_ptr_array_set_size (batch, 0);
  for (guint seq = 1; seq < 5; seq++)
    g_ptr_array_add (batch, xg_stored_message_new (44, seq, 30 + seq, 44, 1, text, 1000 + seq));
  stored = store_messages (db, batch);
  g_assert_cmpuint (find_conversation (stored, 44)->added->len, ==, 4);
  g_assert_cmpuint (find_conversation (stored, 44)->unread, ==, 0);
  assert_unread (db, fixture->account_path, 44, 0);

  /* A row from before migration 5: counted when read, then kept. */
  g_clear_object (&db);
  db_exec (fixture->account_path, "UPDATE conversations SET unread = NULL");
  db = xg_account_db_new (fixture->account_path);
  xg_account_db_set_account_id (db, 5);
  g_clear_pointer (&stored, g_ptr_array_unref);
  g_ptr_array_set_size (batch, 0);
  g_ptr_array_add (batch, xg_stored_message_new (42, 7, 17, 42, 1, text, 1007));
  stored = store_messages (db, batch);
  g_assert_cmpuint (find_conversation (stored, 42)->unread, ==, 3);
  assert_unread (db, fixture->account_path, 42, 3);
  assert_unread (db, fixture->account_path, group_key, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = NULL;
  g_autofree char *data_home = NULL;
  int status;

  /* Before anything asks GLib for the folder: it is read once. */
  home = g_dir_make_tmp ("xg-test-db-home-XXXXXX", &error);
  g_assert_no_error (error);
  data_home = g_build_filename (home, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/db/paths", test_paths);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/db/pins", test_pins);
  ADD ("/db/pins/same-fingerprint-keeps-first-seen", test_pin_same_fingerprint_keeps_first_seen);
  ADD ("/db/profile", test_profile);
  ADD ("/db/profile/damaged-row", test_profile_damaged_row);
  ADD ("/db/migrations/once", test_migrations_once);
  ADD ("/db/migrations/too-new", test_too_new);
  ADD ("/db/migrations/wrong-kind", test_wrong_kind);
  ADD ("/db/corrupt/garbage", test_corrupt_garbage);
  ADD ("/db/corrupt/schema", test_corrupt_schema);
  ADD ("/db/corrupt/data", test_corrupt_data);
  ADD ("/db/jobs/synchronous-full", test_synchronous_full);
  ADD ("/db/jobs/failed-job-rolls-back", test_failed_job_rolls_back);
  ADD ("/db/jobs/open-on-worker", test_open_on_worker);
  ADD ("/db/unopenable", test_unopenable);
  ADD ("/db/concurrent-in-order", test_concurrent_in_order);
  ADD ("/db/close-drains", test_close_drains);
  ADD ("/db/flush", test_flush);
  ADD ("/db/dispose-closes", test_dispose_closes);
  ADD ("/db/cancelled", test_cancelled);
  ADD ("/db/thread-default-context", test_thread_default_context);
  ADD ("/db/groups", test_groups);
  ADD ("/db/groups/conversation", test_group_conversation);
  ADD ("/db/messages/outbox-batches", test_outbox_batches);
  ADD ("/db/messages/unread-kept", test_unread_kept);

#undef ADD

  status = g_test_run ();
  rm_rf (home);
  return status;
}
