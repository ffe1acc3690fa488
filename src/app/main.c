/* main.c: xinge, the Xinge desktop app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "xg-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(XgApplication) app = NULL;
  const char *localedir = g_getenv ("XG_LOCALEDIR");

  setlocale (LC_ALL, "");
  /* XG_LOCALEDIR: the catalogs compiled in a build tree, for an app run
   * from there (tools/run.sh and `meson devenv` set it); installed, the
   * ones under the prefix. */
  if (localedir == NULL || localedir[0] == '\0')
    localedir = LOCALEDIR;
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Xinge"));
  app = xg_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
