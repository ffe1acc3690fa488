/* xg-server-util.c: small helpers shared by the server's parts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include <string.h>

#include "xg-server-util.h"

/**
 * xg_server_mask_email:
 * @email: (nullable): an address
 *
 * Returns the address as logs may show it: the first character of the local
 * part, then "***", then the domain ("j***@example.com").
 */
char *
xg_server_mask_email (const char *email)
{
  const char *at;

  if (email == NULL || *email == '\0')
    return g_strdup ("(none)");

  at = strrchr (email, '@');
  if (at == NULL || at == email)
    return g_strdup ("***");

  return g_strdup_printf ("%.*s***%s", (int) (g_utf8_next_char (email) - email), email, at);
}
