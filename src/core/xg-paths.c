/* xg-paths.c: where the client keeps its files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "xg-paths.h"

#define PRIVATE_MODE 0700

/* Creates @path (and its parents) as a folder only its owner can enter;
 * an existing folder open to others is closed. */
static void
ensure_private_dir (const char *path)
{
  GStatBuf st;

  if (g_mkdir_with_parents (path, PRIVATE_MODE) != 0)
    {
      int saved_errno = errno;

      g_warning ("Could not create the folder “%s”: %s", path, g_strerror (saved_errno));
      return;
    }

  if (g_stat (path, &st) == 0 && (st.st_mode & 077) != 0 && g_chmod (path, PRIVATE_MODE) != 0)
    {
      int saved_errno = errno;

      g_warning ("Could not make the folder “%s” private: %s", path, g_strerror (saved_errno));
    }
}

/**
 * xg_paths_is_valid_app_profile:
 * @app_profile: (nullable): an app profile name
 *
 * Returns: whether @app_profile may name a folder: %NULL or "" (the
 *   default profile), or one path component other than "." and "..".
 */
gboolean
xg_paths_is_valid_app_profile (const char *app_profile)
{
  if (app_profile == NULL || app_profile[0] == '\0')
    return TRUE;

  return strchr (app_profile, '/') == NULL
         && strcmp (app_profile, ".") != 0
         && strcmp (app_profile, "..") != 0;
}

/**
 * xg_paths_app_dir:
 * @app_profile: (nullable): the app profile, or %NULL for "default"
 *
 * Returns: (transfer full): `$XDG_DATA_HOME/xinge/<app profile>`, created
 *   with mode 0700 if missing.
 */
char *
xg_paths_app_dir (const char *app_profile)
{
  char *path;

  g_return_val_if_fail (xg_paths_is_valid_app_profile (app_profile), NULL);

  if (app_profile == NULL || app_profile[0] == '\0')
    app_profile = "default";

  path = g_build_filename (g_get_user_data_dir (), "xinge", app_profile, NULL);
  ensure_private_dir (path);
  return path;
}

/**
 * xg_paths_device_db:
 * @app_profile: (nullable): the app profile, or %NULL for "default"
 *
 * Returns: (transfer full): the path of the device database (its folder
 *   is created; the file is not).
 */
char *
xg_paths_device_db (const char *app_profile)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (xg_paths_is_valid_app_profile (app_profile), NULL);

  dir = xg_paths_app_dir (app_profile);
  return g_build_filename (dir, "device.db", NULL);
}

/**
 * xg_paths_account_db:
 * @app_profile: (nullable): the app profile, or %NULL for "default"
 * @account_id: the account, not 0
 *
 * Returns: (transfer full): `…/accounts/<account_id>.db` (its folders are
 *   created; the file is not).
 */
char *
xg_paths_account_db (const char *app_profile,
                     guint64     account_id)
{
  g_autofree char *app_dir = NULL;
  g_autofree char *accounts_dir = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (xg_paths_is_valid_app_profile (app_profile), NULL);
  g_return_val_if_fail (account_id != 0, NULL);

  app_dir = xg_paths_app_dir (app_profile);
  accounts_dir = g_build_filename (app_dir, "accounts", NULL);
  ensure_private_dir (accounts_dir);

  name = g_strdup_printf ("%" G_GUINT64_FORMAT ".db", account_id);
  return g_build_filename (accounts_dir, name, NULL);
}
