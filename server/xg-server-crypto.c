/* xg-server-crypto.c: passwords, codes and tokens, through libsodium
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "xg-server"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "xg-server-crypto.h"

/* OWASP's floor for Argon2id: 19 MiB, 2 passes, 1 lane. */
#define ARGON2_OPSLIMIT 2
#define ARGON2_MEMLIMIT (19u * 1024 * 1024)

gboolean
xg_server_crypto_init (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libsodium could not be initialised");
      return FALSE;
    }
  return TRUE;
}

/**
 * xg_server_load_secret:
 * @path: where the server's secret key lives
 *
 * Loads the key that codes are hashed with, creating it (mode 0600) on
 * first start. Codes are only six digits: a keyed hash keeps a stolen
 * database from giving them away.
 */
gboolean
xg_server_load_secret (const char  *path,
                       guint8       key[XG_SERVER_SECRET_SIZE],
                       GError     **error)
{
  g_autofree char *contents = NULL;
  gsize len;

  if (g_file_get_contents (path, &contents, &len, NULL))
    {
      if (len != XG_SERVER_SECRET_SIZE)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s should hold %d bytes but holds %" G_GSIZE_FORMAT "; "
                       "remove it to make a new one (pending codes become invalid)",
                       path, XG_SERVER_SECRET_SIZE, len);
          return FALSE;
        }
      memcpy (key, contents, XG_SERVER_SECRET_SIZE);
      sodium_memzero (contents, len);
      return TRUE;
    }

  randombytes_buf (key, XG_SERVER_SECRET_SIZE);
  {
    int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    gboolean ok;

    if (fd < 0)
      {
        int saved = errno;
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                     "Cannot create %s: %s", path, g_strerror (saved));
        return FALSE;
      }
    ok = write (fd, key, XG_SERVER_SECRET_SIZE) == XG_SERVER_SECRET_SIZE && fsync (fd) == 0;
    close (fd);
    if (!ok)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", path);
        g_unlink (path);
        return FALSE;
      }
  }
  return TRUE;
}

/* Six uniformly random digits and a nul. */
void
xg_server_random_code (char code[7])
{
  g_snprintf (code, 7, "%06u", randombytes_uniform (1000000));
}

GBytes *
xg_server_hash_code (const guint8  key[XG_SERVER_SECRET_SIZE],
                     const char   *email,
                     const char   *code)
{
  crypto_generichash_state state;
  guint8 out[32];

  crypto_generichash_init (&state, key, XG_SERVER_SECRET_SIZE, sizeof out);
  crypto_generichash_update (&state, (const guint8 *) email, strlen (email) + 1);
  crypto_generichash_update (&state, (const guint8 *) code, strlen (code));
  crypto_generichash_final (&state, out, sizeof out);
  return g_bytes_new (out, sizeof out);
}

GBytes *
xg_server_new_token (void)
{
  guint8 token[XG_SERVER_TOKEN_SIZE];

  randombytes_buf (token, sizeof token);
  return g_bytes_new (token, sizeof token);
}

GBytes *
xg_server_hash_token (GBytes *token)
{
  guint8 out[crypto_hash_sha256_BYTES];
  gsize len;
  const guint8 *data = g_bytes_get_data (token, &len);

  crypto_hash_sha256 (out, data, len);
  return g_bytes_new (out, sizeof out);
}

/* --- Argon2id on worker threads ------------------------------------------ */

struct _XgServerHasher
{
  GObject      parent_instance;

  GThreadPool *pool;
  guint        max_in_flight;
  guint        in_flight;
  /* Verified against when an account does not exist, so an unknown
   * email costs the same time as a wrong password. */
  char         dummy_hash[crypto_pwhash_STRBYTES];
};

G_DEFINE_FINAL_TYPE (XgServerHasher, xg_server_hasher, G_TYPE_OBJECT)

typedef struct {
  char     *password;
  char     *hash;       /* in: to verify against; out: the new hash */
  gboolean  verify;
} HashJob;

static void
hash_job_free (HashJob *job)
{
  if (job->password != NULL)
    {
      sodium_memzero (job->password, strlen (job->password));
      g_free (job->password);
    }
  g_free (job->hash);
  g_free (job);
}

static void
run_hash_job (gpointer data,
              gpointer user_data)
{
  GTask *task = data;
  HashJob *job = g_task_get_task_data (task);
  char out[crypto_pwhash_STRBYTES];

  if (job->verify)
    {
      gboolean ok = crypto_pwhash_str_verify (job->hash, job->password, strlen (job->password)) == 0;
      g_task_return_boolean (task, ok);
    }
  else if (crypto_pwhash_str_alg (out, job->password, strlen (job->password),
                                  ARGON2_OPSLIMIT, ARGON2_MEMLIMIT,
                                  crypto_pwhash_ALG_ARGON2ID13) == 0)
    g_task_return_pointer (task, g_strdup (out), g_free);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                             "Not enough memory to hash a password");
  g_object_unref (task);
}

static void
xg_server_hasher_finalize (GObject *object)
{
  XgServerHasher *self = XG_SERVER_HASHER (object);

  g_thread_pool_free (self->pool, FALSE, TRUE);
  G_OBJECT_CLASS (xg_server_hasher_parent_class)->finalize (object);
}

static void
xg_server_hasher_class_init (XgServerHasherClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = xg_server_hasher_finalize;
}

static void
xg_server_hasher_init (XgServerHasher *self)
{
  guint8 noise[32];
  g_autofree char *password = NULL;

  randombytes_buf (noise, sizeof noise);
  password = g_base64_encode (noise, sizeof noise);
  if (crypto_pwhash_str_alg (self->dummy_hash, password, strlen (password),
                             ARGON2_OPSLIMIT, ARGON2_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0)
    g_error ("Cannot compute an Argon2id hash: out of memory");

  /* One thread per core: hashing is all CPU. */
  self->pool = g_thread_pool_new (run_hash_job, self, (int) g_get_num_processors (), FALSE, NULL);
}

XgServerHasher *
xg_server_hasher_new (guint max_in_flight)
{
  XgServerHasher *self = g_object_new (XG_TYPE_SERVER_HASHER, NULL);

  self->max_in_flight = MAX (max_in_flight, 1);
  return self;
}

/* TRUE when the cap on hashes in flight is reached: answer "busy". */
gboolean
xg_server_hasher_is_busy (XgServerHasher *self)
{
  return self->in_flight >= self->max_in_flight;
}

static void
hash_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *outer = user_data;
  XgServerHasher *self = g_task_get_source_object (outer);

  self->in_flight--;
  g_task_set_task_data (outer, g_object_ref (result), g_object_unref);
  g_task_return_boolean (outer, TRUE);
  g_object_unref (outer);
}

/* The inner task runs on the pool; the outer one keeps the in-flight count
 * on the main thread and hands the inner result to the caller. */
static void
submit (XgServerHasher      *self,
        HashJob             *job,
        gpointer             source_tag,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  GTask *outer = g_task_new (self, NULL, callback, user_data);
  GTask *inner = g_task_new (self, NULL, hash_done, outer);

  g_task_set_source_tag (outer, source_tag);
  g_task_set_task_data (inner, job, (GDestroyNotify) hash_job_free);
  self->in_flight++;
  g_thread_pool_push (self->pool, inner, NULL);
}

void
xg_server_hasher_hash_async (XgServerHasher      *self,
                             const char          *password,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  HashJob *job = g_new0 (HashJob, 1);

  job->password = g_strdup (password);
  submit (self, job, xg_server_hasher_hash_async, callback, user_data);
}

char *
xg_server_hasher_hash_finish (XgServerHasher  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  GTask *inner = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (inner, error);
}

/**
 * xg_server_hasher_verify_async:
 * @hash: (nullable): the stored hash, or %NULL when there is no such
 *   account: a dummy is checked instead so the answer takes as long
 */
void
xg_server_hasher_verify_async (XgServerHasher      *self,
                               const char          *hash,
                               const char          *password,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  HashJob *job = g_new0 (HashJob, 1);

  job->verify = TRUE;
  job->password = g_strdup (password);
  job->hash = g_strdup (hash ? hash : self->dummy_hash);
  submit (self, job, xg_server_hasher_verify_async, callback, user_data);
}

/* TRUE only when @hash was given and the password matches it. */
gboolean
xg_server_hasher_verify_finish (XgServerHasher *self,
                                GAsyncResult   *result)
{
  GTask *inner = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (inner, NULL);
}
