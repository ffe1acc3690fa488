/* xg-server-config.c: defaults and the key file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include "xg-proto.h"
#include "xg-server-config.h"

XgServerConfig *
xg_server_config_new (void)
{
  XgServerConfig *config = g_new0 (XgServerConfig, 1);

  config->name = g_strdup ("Xinge");
  config->max_frame_size = XG_PROTO_DEFAULT_MAX_FRAME;
  config->max_connections = 20000;
  config->send_queue_pause = 1024 * 1024;
  config->send_queue_max = 64 * 1024 * 1024;
  config->heartbeat_interval = 30;
  config->heartbeat_timeout = 90;
  config->token_lifetime_days = 30;
  config->code_expiry = 600;
  config->code_attempts = 5;
  config->code_resend_interval = 60;
  config->codes_per_email_per_hour = 5;
  config->codes_per_address_per_hour = 20;
  config->privacy = FALSE;
  config->max_hashes_in_flight = 32;
  config->failures_per_address = 30;
  config->lookups_per_hour = 60;
  config->max_pending_requests = 100;
  config->max_friends = 1000;
  config->request_timeout = 7 * 24 * 3600;
  config->max_members = 2000;
  config->max_groups = 500;
  config->max_owned = 20;
  config->join_request_timeout = 7 * 24 * 3600;
  config->mail_mode = XG_SERVER_MAIL_OUTBOX;
  config->starttls = TRUE;
  config->mail_from = g_strdup ("Xinge <noreply@localhost>");
  return config;
}

void
xg_server_config_free (XgServerConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->name);
  g_free (config->certificate);
  g_free (config->private_key);
  g_free (config->smtp_url);
  g_free (config->smtp_username);
  g_free (config->smtp_password);
  g_free (config->smtp_ca_file);
  g_free (config->mail_from);
  g_free (config);
}

/* Each reader leaves the default alone when the key is absent, and fails
 * with the group and key named when it is present but unusable. */

static gboolean
read_uint (GKeyFile    *kf,
           const char  *group,
           const char  *key,
           guint        min,
           guint        max,
           guint       *out,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  guint64 value;

  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;

  value = g_key_file_get_uint64 (kf, group, key, &local_error);
  if (local_error != NULL || value < min || value > max)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] %s must be a whole number from %u to %u", group, key, min, max);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static gboolean
read_bool (GKeyFile    *kf,
           const char  *group,
           const char  *key,
           gboolean    *out,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean value;

  if (!g_key_file_has_key (kf, group, key, NULL))
    return TRUE;

  value = g_key_file_get_boolean (kf, group, key, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[%s] %s must be true or false", group, key);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

/* An empty value means "not set". */
static void
read_string (GKeyFile   *kf,
             const char *group,
             const char *key,
             char      **out)
{
  g_autofree char *value = g_key_file_get_string (kf, group, key, NULL);

  if (value == NULL)
    return;
  g_strstrip (value);
  g_free (*out);
  *out = *value ? g_steal_pointer (&value) : NULL;
}

gboolean
xg_server_config_load_file (XgServerConfig  *config,
                            const char      *path,
                            GError         **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *mode = NULL;
  guint max_frame = config->max_frame_size;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return FALSE;

  read_string (kf, "server", "name", &config->name);
  if (config->name == NULL)
    config->name = g_strdup ("Xinge");
  if (!read_uint (kf, "server", "max-frame-size", 64 * 1024, XG_PROTO_DEFAULT_MAX_FRAME, &max_frame, error) ||
      !read_uint (kf, "server", "max-connections", 1, 1000000, &config->max_connections, error) ||
      !read_uint (kf, "server", "send-queue-pause", 4096, 1024 * 1024 * 1024, &config->send_queue_pause, error) ||
      !read_uint (kf, "server", "send-queue-max", 8192, G_MAXUINT32, &config->send_queue_max, error) ||
      !read_uint (kf, "session", "heartbeat-interval", 1, 3600, &config->heartbeat_interval, error) ||
      !read_uint (kf, "session", "heartbeat-timeout", 1, 3 * 3600, &config->heartbeat_timeout, error) ||
      !read_uint (kf, "session", "token-lifetime-days", 1, 3650, &config->token_lifetime_days, error) ||
      !read_uint (kf, "register", "code-expiry", 1, 24 * 3600, &config->code_expiry, error) ||
      !read_uint (kf, "register", "code-attempts", 1, 100, &config->code_attempts, error) ||
      !read_uint (kf, "register", "code-resend-interval", 0, 24 * 3600, &config->code_resend_interval, error) ||
      !read_uint (kf, "register", "codes-per-email-per-hour", 1, 1000, &config->codes_per_email_per_hour, error) ||
      !read_uint (kf, "register", "codes-per-address-per-hour", 1, 100000, &config->codes_per_address_per_hour, error) ||
      !read_bool (kf, "register", "privacy", &config->privacy, error) ||
      !read_uint (kf, "login", "max-hashes-in-flight", 1, 10000, &config->max_hashes_in_flight, error) ||
      !read_uint (kf, "login", "failures-per-address", 1, 1000000, &config->failures_per_address, error) ||
      !read_uint (kf, "friends", "lookups-per-hour", 1, 1000000, &config->lookups_per_hour, error) ||
      !read_uint (kf, "friends", "max-pending-requests", 1, 100000, &config->max_pending_requests, error) ||
      /* FRIEND_LIST must fit its 8 MiB: 20000 entries of the longest
       * nickname and remark (about 280 bytes each) still do. */
      !read_uint (kf, "friends", "max-friends", 1, 20000, &config->max_friends, error) ||
      !read_uint (kf, "friends", "request-timeout", 1, 10 * 365 * 24 * 3600, &config->request_timeout, error) ||
      /* GROUP_MEMBERS must fit its 8 MiB: 20000 entries of the longest
       * nickname (about 140 bytes each) still do. */
      !read_uint (kf, "groups", "max-members", 1, 20000, &config->max_members, error) ||
      !read_uint (kf, "groups", "max-groups", 1, 20000, &config->max_groups, error) ||
      !read_uint (kf, "groups", "max-owned", 0, 20000, &config->max_owned, error) ||
      !read_uint (kf, "groups", "join-request-timeout", 1, 10 * 365 * 24 * 3600,
                  &config->join_request_timeout, error) ||
      !read_bool (kf, "mail", "starttls", &config->starttls, error))
    return FALSE;
  config->max_frame_size = max_frame;

  if (config->send_queue_pause >= config->send_queue_max)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[server] send-queue-pause (%u) must be less than send-queue-max (%u)",
                   config->send_queue_pause, config->send_queue_max);
      return FALSE;
    }
  if (config->heartbeat_timeout <= config->heartbeat_interval)
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[session] heartbeat-timeout (%u) must be longer than heartbeat-interval (%u)",
                   config->heartbeat_timeout, config->heartbeat_interval);
      return FALSE;
    }

  read_string (kf, "tls", "certificate", &config->certificate);
  read_string (kf, "tls", "private-key", &config->private_key);
  if (!read_bool (kf, "tls", "allow-tls-1.2", &config->allow_tls_1_2, error))
    return FALSE;
  if ((config->certificate == NULL) != (config->private_key == NULL))
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           "[tls] certificate and private-key must be set together");
      return FALSE;
    }

  read_string (kf, "mail", "mode", &mode);
  if (mode == NULL || g_str_equal (mode, "outbox"))
    config->mail_mode = XG_SERVER_MAIL_OUTBOX;
  else if (g_str_equal (mode, "smtp"))
    config->mail_mode = XG_SERVER_MAIL_SMTP;
  else
    {
      g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                   "[mail] mode must be \"outbox\" or \"smtp\", not \"%s\"", mode);
      return FALSE;
    }
  read_string (kf, "mail", "smtp-url", &config->smtp_url);
  read_string (kf, "mail", "username", &config->smtp_username);
  read_string (kf, "mail", "password", &config->smtp_password);
  read_string (kf, "mail", "ca-file", &config->smtp_ca_file);
  read_string (kf, "mail", "from", &config->mail_from);
  if (config->mail_from == NULL)
    config->mail_from = g_strdup ("Xinge <noreply@localhost>");
  if (config->mail_mode == XG_SERVER_MAIL_SMTP && config->smtp_url == NULL)
    {
      g_set_error_literal (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                           "[mail] mode=smtp needs smtp-url");
      return FALSE;
    }

  return TRUE;
}
