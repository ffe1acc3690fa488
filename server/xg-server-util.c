/* xg-server-util.c: small helpers shared by the server's parts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "xg-server-util.h"

static gboolean
is_empty_value (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return *g_variant_get_string (value, NULL) == '\0';
  if (g_variant_is_container (value))
    return g_variant_n_children (value) == 0;
  return FALSE;
}

/**
 * xg_server_merge_fields:
 * @fields: (nullable): an a{sv} of current values
 * @changes: an a{sv} of values to set; an empty string or empty array
 *   removes the key
 *
 * Returns: (transfer full): the merged a{sv}, keys sorted, not floating
 */
GVariant *
xg_server_merge_fields (GVariant *fields,
                        GVariant *changes)
{
  g_autoptr(GHashTable) merged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_variant_unref);
  g_autoptr(GList) keys = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (fields != NULL)
    {
      g_variant_iter_init (&iter, fields);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        g_hash_table_insert (merged, g_strdup (key), value);
    }

  g_variant_iter_init (&iter, changes);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (is_empty_value (value))
        {
          g_hash_table_remove (merged, key);
          g_variant_unref (value);
        }
      else
        g_hash_table_insert (merged, g_strdup (key), value);
    }

  keys = g_list_sort (g_hash_table_get_keys (merged), (GCompareFunc) strcmp);
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (GList *l = keys; l != NULL; l = l->next)
    g_variant_builder_add (&builder, "{sv}", l->data, g_hash_table_lookup (merged, l->data));

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

void
xg_server_wipe_string (char *text)
{
  if (text != NULL)
    {
      sodium_memzero (text, strlen (text));
      g_free (text);
    }
}

/**
 * xg_server_debug_enabled:
 *
 * Whether g_debug() lines of the server would be printed (G_MESSAGES_DEBUG,
 * read once): the hot paths (every connection's hello, login and close)
 * skip formatting them, and the peer's address as text, when they would
 * be dropped anyway.
 */
gboolean
xg_server_debug_enabled (void)
{
  static gsize state = 0;   /* 1: dropped, 2: printed */

  if (g_once_init_enter (&state))
    g_once_init_leave (&state, g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, "xg-server") ? 1 : 2);
  return state == 2;
}
