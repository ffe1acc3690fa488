/* xg-keyring.c: resume tokens in the system keyring (libsecret, async only)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One item per server and email, in the default collection (the login
 * keyring); inside Flatpak libsecret goes through the Secret portal by
 * itself. Logs never show a token, and show emails masked.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include <string.h>

#include <libsecret/secret.h>

#include "xg-keyring.h"
#include "xg-proto-limits.h"

static const SecretSchema keyring_schema = {
  XG_KEYRING_SCHEMA_NAME, SECRET_SCHEMA_NONE,
  {
    { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },   /* "host:port" */
    { "email", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "account", SECRET_SCHEMA_ATTRIBUTE_STRING },  /* the account id in decimal */
    { NULL, 0 },
  }
};

/* Wipes the token before it goes back to the allocator. */
static void
free_secret_string (char *text)
{
  if (text == NULL)
    return;

  for (volatile char *p = text; *p != '\0'; p++)
    *p = '\0';
  g_free (text);
}

/**
 * xg_credentials_free:
 * @credentials: (nullable): credentials to free
 *
 * Frees @credentials, wiping the token first.
 */
void
xg_credentials_free (XgCredentials *credentials)
{
  if (credentials == NULL)
    return;

  g_free (credentials->server);
  g_free (credentials->email);
  free_secret_string (credentials->token);
  g_free (credentials);
}

/* The table owns its values: libsecret keeps a reference to it, not a
 * copy, until the call completes. */
static GHashTable *
new_attributes (const char *server,
                const char *email,
                const char *account)
{
  GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);

  g_hash_table_insert (attributes, (gpointer) "server", g_strdup (server));
  if (email != NULL)
    g_hash_table_insert (attributes, (gpointer) "email", g_strdup (email));
  if (account != NULL)
    g_hash_table_insert (attributes, (gpointer) "account", g_strdup (account));
  return attributes;
}

/* --- Store --------------------------------------------------------------- */

/* A store: the new item replaces one with the same attributes; then items
 * for the same server and email under another account id are removed, so
 * that there is only ever one, and never none in between. */
typedef struct {
  char   *server;
  char   *email;
  char   *account;
  GQueue  stale;     /* account ids (char *) to clear */
} StoreData;

static void
store_data_free (StoreData *data)
{
  g_free (data->server);
  g_free (data->email);
  g_free (data->account);
  g_queue_clear_full (&data->stale, g_free);
  g_free (data);
}

static void clear_next_stale (GTask *task);

static void
on_stale_cleared (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_clear_finish (result, &error) && error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  clear_next_stale (g_steal_pointer (&task));
}

/* Takes the reference to @task. */
static void
clear_next_stale (GTask *task)
{
  StoreData *data = g_task_get_task_data (task);
  g_autofree char *account = g_queue_pop_head (&data->stale);
  g_autoptr(GHashTable) attributes = NULL;

  if (account == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  attributes = new_attributes (data->server, data->email, account);
  secret_password_clearv (&keyring_schema, attributes, g_task_get_cancellable (task),
                          on_stale_cleared, task);
}

static void
on_siblings_found (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StoreData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GList *items;

  items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  for (const GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_retrievable_get_attributes (l->data);
      const char *account = g_hash_table_lookup (attributes, "account");

      /* Items without an account id are not ours to touch. */
      if (account != NULL
          && g_strcmp0 (account, data->account) != 0
          && !g_queue_find_custom (&data->stale, account, (GCompareFunc) g_strcmp0))
        g_queue_push_tail (&data->stale, g_strdup (account));
    }
  g_list_free_full (items, g_object_unref);

  clear_next_stale (g_steal_pointer (&task));
}

static void
on_stored (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StoreData *data = g_task_get_task_data (task);
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *masked = NULL;
  GCancellable *cancellable;

  if (!secret_password_store_finish (result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  masked = xg_proto_mask_email (data->email);
  g_debug ("Stored the session for %s on %s in the keyring", masked, data->server);

  attributes = new_attributes (data->server, data->email, NULL);
  cancellable = g_task_get_cancellable (task);
  secret_password_searchv (&keyring_schema, attributes, SECRET_SEARCH_ALL,
                           cancellable, on_siblings_found, g_steal_pointer (&task));
}

/**
 * xg_keyring_store_async:
 * @credentials: what to keep; server, email and token set, account_id not 0
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when the item is stored
 * @user_data: for @callback
 *
 * Stores the resume token for @credentials' server and email, replacing
 * whatever was stored for them before.
 */
void
xg_keyring_store_async (const XgCredentials *credentials,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;
  StoreData *data;

  g_return_if_fail (credentials != NULL);
  g_return_if_fail (credentials->server != NULL && credentials->server[0] != '\0');
  g_return_if_fail (credentials->email != NULL && credentials->email[0] != '\0');
  g_return_if_fail (credentials->account_id != 0);
  g_return_if_fail (credentials->token != NULL && credentials->token[0] != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_keyring_store_async);

  data = g_new0 (StoreData, 1);
  data->server = g_strdup (credentials->server);
  data->email = g_strdup (credentials->email);
  data->account = g_strdup_printf ("%" G_GUINT64_FORMAT, credentials->account_id);
  g_queue_init (&data->stale);
  g_task_set_task_data (task, data, (GDestroyNotify) store_data_free);

  attributes = new_attributes (data->server, data->email, data->account);
  label = g_strdup_printf ("Xinge session for %s on %s", data->email, data->server);
  secret_password_storev (&keyring_schema, attributes, SECRET_COLLECTION_DEFAULT, label,
                          credentials->token, cancellable, on_stored, g_steal_pointer (&task));
}

gboolean
xg_keyring_store_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xg_keyring_store_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- Lookup -------------------------------------------------------------- */

static gint
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  guint64 modified_a = secret_retrievable_get_modified ((SecretRetrievable *) a);
  guint64 modified_b = secret_retrievable_get_modified ((SecretRetrievable *) b);

  return modified_a > modified_b ? -1 : modified_a < modified_b ? 1 : 0;
}

/* The credentials an item's attributes describe (token unset), or NULL
 * when they are incomplete. */
static XgCredentials *
credentials_from_attributes (SecretRetrievable *item)
{
  g_autoptr(GHashTable) attributes = secret_retrievable_get_attributes (item);
  const char *server = g_hash_table_lookup (attributes, "server");
  const char *email = g_hash_table_lookup (attributes, "email");
  const char *account = g_hash_table_lookup (attributes, "account");
  XgCredentials *credentials;
  guint64 account_id;

  if (server == NULL || email == NULL || account == NULL
      || !g_ascii_string_to_unsigned (account, 10, 1, G_MAXUINT64, &account_id, NULL))
    return NULL;

  credentials = g_new0 (XgCredentials, 1);
  credentials->server = g_strdup (server);
  credentials->email = g_strdup (email);
  credentials->account_id = account_id;
  return credentials;
}

/* Returns @credentials through @task once @value holds its token; takes
 * the reference to @task. */
static void
return_with_secret (GTask         *task,
                    XgCredentials *credentials,
                    SecretValue   *value)
{
  const char *text = value ? secret_value_get_text (value) : NULL;

  if (text == NULL || text[0] == '\0')
    {
      xg_credentials_free (credentials);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "The saved session in the keyring has no token");
    }
  else
    {
      credentials->token = g_strdup (text);
      g_task_return_pointer (task, credentials, (GDestroyNotify) xg_credentials_free);
    }
  g_object_unref (task);
}

typedef struct {
  XgCredentials *credentials;   /* waiting for its token */
} LookupData;

static void
lookup_data_free (LookupData *data)
{
  g_clear_pointer (&data->credentials, xg_credentials_free);
  g_free (data);
}

static void
on_secret_retrieved (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  LookupData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SecretValue *value;

  value = secret_retrievable_retrieve_secret_finish (SECRET_RETRIEVABLE (object), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  return_with_secret (task, g_steal_pointer (&data->credentials), value);
  g_clear_pointer (&value, secret_value_unref);
}

static void
on_found (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  XgCredentials *credentials = NULL;
  SecretRetrievable *item = NULL;
  SecretValue *value = NULL;
  GList *items;

  items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  items = g_list_sort (items, compare_newest_first);
  /* The newest item whose attributes are complete. */
  for (const GList *l = items; l != NULL; l = l->next)
    {
      credentials = credentials_from_attributes (l->data);
      if (credentials != NULL)
        {
          item = l->data;
          break;
        }
    }

  /* SECRET_SEARCH_LOAD_SECRETS brings the secrets along with D-Bus items. */
  if (item != NULL && SECRET_IS_ITEM (item))
    value = secret_item_get_secret (SECRET_ITEM (item));

  if (credentials == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
    }
  else if (value != NULL)
    {
      return_with_secret (g_steal_pointer (&task), credentials, value);
      secret_value_unref (value);
    }
  else
    {
      LookupData *data = g_new0 (LookupData, 1);
      GCancellable *cancellable = g_task_get_cancellable (task);

      data->credentials = credentials;
      g_task_set_task_data (task, data, (GDestroyNotify) lookup_data_free);
      secret_retrievable_retrieve_secret (item, cancellable, on_secret_retrieved,
                                          g_steal_pointer (&task));
    }

  g_list_free_full (items, g_object_unref);
}

/**
 * xg_keyring_lookup_async:
 * @server: "host:port"
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: for @callback
 *
 * Finds the most recently stored credentials for @server, whatever the
 * email. The keyring may ask the user to unlock it.
 */
void
xg_keyring_lookup_async (const char          *server,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (server != NULL && server[0] != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_keyring_lookup_async);

  attributes = new_attributes (server, NULL, NULL);
  secret_password_searchv (&keyring_schema, attributes,
                           SECRET_SEARCH_ALL | SECRET_SEARCH_LOAD_SECRETS | SECRET_SEARCH_UNLOCK,
                           cancellable, on_found, g_steal_pointer (&task));
}

/**
 * xg_keyring_lookup_finish:
 *
 * Returns: (transfer full) (nullable): the credentials, or %NULL when
 *   none are stored (@error unset) or on error.
 */
XgCredentials *
xg_keyring_lookup_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xg_keyring_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- Clear --------------------------------------------------------------- */

static void
on_cleared (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* FALSE without an error: there was nothing to remove. */
  if (!secret_password_clear_finish (result, &error) && error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * xg_keyring_clear_async:
 * @server: "host:port"
 * @email: the account's email
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: for @callback
 *
 * Removes every item stored for @server and @email. Finding none is not
 * an error.
 */
void
xg_keyring_clear_async (const char          *server,
                        const char          *email,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) attributes = NULL;

  g_return_if_fail (server != NULL && server[0] != '\0');
  g_return_if_fail (email != NULL && email[0] != '\0');
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, xg_keyring_clear_async);

  attributes = new_attributes (server, email, NULL);
  secret_password_clearv (&keyring_schema, attributes, cancellable, on_cleared,
                          g_steal_pointer (&task));
}

gboolean
xg_keyring_clear_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == xg_keyring_clear_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
