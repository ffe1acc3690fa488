/* fuzz-driver.c: runs the fuzz target over files, without libFuzzer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * fuzz-decoder-driver FILE-OR-DIRECTORY...
 *
 * Built with the normal compiler (and the build's sanitizers, if any), it
 * replays a corpus or a crash reproducer; `meson test fuzz-corpus` runs it
 * over tests/fuzz/corpus/.
 */
#include "config.h"

#include <stdlib.h>

#include <glib.h>

#include "fuzz-decoder.h"

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static guint
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      g_printerr ("%s\n", error->message);
      exit (EXIT_FAILURE);
    }
  LLVMFuzzerTestOneInput ((const guint8 *) contents, len);
  return 1;
}

static guint
run_path (const char *path)
{
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint n = 0;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return run_file (path);

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      exit (EXIT_FAILURE);
    }

  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);

  for (guint i = 0; i < names->len; i++)
    n += run_path (g_ptr_array_index (names, i));
  return n;
}

int
main (int   argc,
      char *argv[])
{
  guint n = 0;

  if (argc < 2)
    {
      g_printerr ("usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
      return EXIT_FAILURE;
    }

  for (int i = 1; i < argc; i++)
    n += run_path (argv[i]);

  g_print ("%u inputs ran cleanly\n", n);
  return n > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
