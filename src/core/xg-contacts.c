/* xg-contacts.c: the logged-in account's friends, as a list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An XgManager: a sorted list model that shows what the account database
 * kept first and announces each change with the smallest items-changed
 * that says it (a friend list that adds one friend inserts one item, it
 * does not reset the model). A friend list from the server is the truth:
 * it replaces what the database had, and is saved whole. Profiles are
 * fetched once per friend that has none, one request at a time, and kept
 * in the database; later changes arrive as USER_INFO pushes.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-contacts-private.h"
#include "xg-manager.h"
#include "xg-proto-limits.h"
#include "xg-session-private.h"

struct _XgContacts
{
  XgManager     parent_instance;

  GHashTable   *by_id;          /* account id → XgContact (among the items) */
  GQueue        to_fetch;       /* account ids without a profile yet */
  gboolean      fetching;
  GCancellable *cancellable;    /* database reads */
};

G_DEFINE_FINAL_TYPE (XgContacts, xg_contacts, XG_TYPE_MANAGER)

static GPtrArray *
items (XgContacts *self)
{
  return xg_manager_get_items (XG_MANAGER (self));
}

static XgSession *
session_of (XgContacts *self)
{
  return xg_manager_get_session (XG_MANAGER (self));
}

static gboolean
defer (XgContacts     *self,
       XgManagerApply  func,
       GVariant       *body)
{
  return xg_manager_defer (XG_MANAGER (self), func, body);
}

/* --- The items ---------------------------------------------------------------- */

/* A renamed contact moves to where its new name sorts. */
static void
on_display_name_changed (XgContact  *contact,
                         GParamSpec *pspec,
                         XgContacts *self)
{
  xg_manager_reposition (XG_MANAGER (self), contact);
}

static void
track (XgContacts *self,
       XgContact  *contact)
{
  guint64 id = xg_contact_get_account_id (contact);

  g_hash_table_insert (self->by_id, g_memdup2 (&id, sizeof id), contact);
  g_signal_connect_object (contact, "notify::display-name",
                           G_CALLBACK (on_display_name_changed), self, 0);
}

static void
insert (XgContacts *self,
        XgContact  *contact)
{
  track (self, contact);
  xg_manager_insert (XG_MANAGER (self), contact);
}

static void
remove_contact (XgContacts *self,
                XgContact  *contact)
{
  guint64 id = xg_contact_get_account_id (contact);

  g_signal_handlers_disconnect_by_func (contact, on_display_name_changed, self);
  g_hash_table_remove (self->by_id, &id);
  xg_manager_remove (XG_MANAGER (self), contact);
}

/* --- The database ------------------------------------------------------------------ */

static void
save (XgContacts *self)
{
  g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_contact_free);

  for (guint i = 0; i < items (self)->len; i++)
    {
      XgContact *contact = items (self)->pdata[i];

      g_ptr_array_add (stored, xg_stored_contact_new (xg_contact_get_account_id (contact),
                                                      xg_contact_get_nickname (contact),
                                                      xg_contact_get_remark (contact)));
    }
  xg_account_db_save_contacts_async (xg_manager_get_db (XG_MANAGER (self)), stored, NULL, NULL, NULL);
}

static void fetch_next (XgContacts *self);

static void
on_loaded (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stored = xg_account_db_load_contacts_finish (XG_ACCOUNT_DB (source), result, &error);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);
  XgContacts *self = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (stored == NULL)
    g_warning ("The contacts kept on this device could not be read: %s", error->message);

  for (guint i = 0; stored != NULL && i < stored->len; i++)
    {
      XgStoredContact *row = stored->pdata[i];
      XgContact *contact = xg_contact_new (row->id, row->nickname, row->remark);

      if (row->info != NULL)
        xg_contact_set_info (contact, row->info);
      track (self, contact);
      g_ptr_array_add (kept, contact);
    }
  xg_manager_set_loaded (XG_MANAGER (self), kept);
  fetch_next (self);
}

/* --- Profiles ---------------------------------------------------------------------- */

static void
on_info_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(XgContacts) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  self->fetching = FALSE;
  if (answer != NULL && answer->type == XG_PACKET_USER_INFO)
    xg_contacts_apply_user_info (self, answer->body);
  else if (answer == NULL && g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_DISCONNECTED))
    return;   /* the next friend list starts over */
  fetch_next (self);
}

static void
queue_fetch (XgContacts *self,
             XgContact  *contact)
{
  if (!xg_contact_has_info (contact))
    g_queue_push_tail (&self->to_fetch, GSIZE_TO_POINTER (xg_contact_get_account_id (contact)));
}

/* Fetches the next profile that is missing, once the database has said
 * which ones it has. */
static void
fetch_next (XgContacts *self)
{
  if (self->fetching || session_of (self) == NULL || !xg_manager_get_loaded (XG_MANAGER (self)))
    return;

  while (!g_queue_is_empty (&self->to_fetch))
    {
      guint64 id = GPOINTER_TO_SIZE (g_queue_pop_head (&self->to_fetch));
      XgContact *contact = g_hash_table_lookup (self->by_id, &id);

      if (contact == NULL || xg_contact_has_info (contact))
        continue;
      self->fetching = TRUE;
      xg_session_request_async (session_of (self), XG_PACKET_USER_INFO_REQUEST,
                                xg_proto_user_info_request_new (id), TRUE,
                                on_info_fetched, g_object_ref (self));
      return;
    }
}

/* --- Pushes -------------------------------------------------------------------------- */

/**
 * xg_contacts_apply_list:
 * @body: a FRIEND_LIST body: (id, remark, nickname, online) of every friend
 *
 * Makes the model what the list says, with as few changes as that takes.
 */
void
xg_contacts_apply_list (XgContacts *self,
                        GVariant   *body)
{
  g_autoptr(GHashTable) listed = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GVariant) friends = NULL;
  GVariantIter iter;
  guint64 id;
  const char *remark, *nickname;
  gboolean online;

  g_return_if_fail (XG_IS_CONTACTS (self));

  if (defer (self, (XgManagerApply) xg_contacts_apply_list, body))
    return;
  xg_proto_friend_list_get (body, &friends);
  g_variant_iter_init (&iter, friends);
  while (g_variant_iter_next (&iter, "(t&s&sb)", &id, &remark, &nickname, &online))
    g_array_append_val (ids, id);
  for (guint i = 0; i < ids->len; i++)
    g_hash_table_add (listed, &g_array_index (ids, guint64, i));

  for (guint i = items (self)->len; i > 0; i--)
    {
      XgContact *known = items (self)->pdata[i - 1];
      guint64 known_id = xg_contact_get_account_id (known);

      if (!g_hash_table_contains (listed, &known_id))
        remove_contact (self, known);
    }

  g_variant_iter_init (&iter, friends);
  while (g_variant_iter_next (&iter, "(t&s&sb)", &id, &remark, &nickname, &online))
    {
      XgContact *contact = g_hash_table_lookup (self->by_id, &id);

      if (contact == NULL)
        {
          g_autoptr(XgContact) added = xg_contact_new (id, nickname, remark);

          xg_contact_set_online (added, online);
          insert (self, added);
          queue_fetch (self, added);
          continue;
        }
      g_object_freeze_notify (G_OBJECT (contact));
      xg_contact_set_nickname (contact, nickname);
      xg_contact_set_remark (contact, remark);
      xg_contact_set_online (contact, online);
      g_object_thaw_notify (G_OBJECT (contact));
      queue_fetch (self, contact);
    }

  save (self);
  fetch_next (self);
}

/* A PRESENCE body. */
void
xg_contacts_apply_presence (XgContacts *self,
                            GVariant   *body)
{
  XgContact *contact;
  guint64 id;
  gboolean online;

  if (defer (self, (XgManagerApply) xg_contacts_apply_presence, body))
    return;
  xg_proto_presence_get (body, &id, &online);
  contact = g_hash_table_lookup (self->by_id, &id);
  if (contact != NULL)
    xg_contact_set_online (contact, online);
}

/* A USER_INFO body: a friend's profile, pushed or fetched. */
void
xg_contacts_apply_user_info (XgContacts *self,
                             GVariant   *user_info)
{
  guint64 id;
  const char *nickname;
  XgContact *contact;
  gboolean renamed;

  if (defer (self, (XgManagerApply) xg_contacts_apply_user_info, user_info))
    return;
  xg_proto_user_info_get (user_info, &id, &nickname, NULL);
  contact = g_hash_table_lookup (self->by_id, &id);
  if (contact == NULL)
    return;
  renamed = g_strcmp0 (xg_contact_get_nickname (contact), nickname) != 0;
  xg_contact_set_info (contact, user_info);
  xg_account_db_store_contact_info_async (xg_manager_get_db (XG_MANAGER (self)), user_info, NULL, NULL, NULL);
  /* The list keeps nicknames: it is saved again only when one changed. */
  if (renamed)
    save (self);
}

/* A FRIEND_REQUEST_ACCEPTED body: its `friend` is a new friend, with its
 * profile (the same `(tsa{sv})` as a USER_INFO body). */
void
xg_contacts_apply_added (XgContacts *self,
                         GVariant   *body)
{
  g_autoptr(GVariant) friend_info = NULL;
  guint64 id;
  const char *nickname;

  if (defer (self, (XgManagerApply) xg_contacts_apply_added, body))
    return;
  xg_proto_friend_request_accepted_get (body, NULL, NULL, &friend_info);
  xg_proto_user_info_get (friend_info, &id, &nickname, NULL);
  if (g_hash_table_lookup (self->by_id, &id) == NULL)
    {
      g_autoptr(XgContact) added = xg_contact_new (id, nickname, "");

      insert (self, added);
    }
  xg_contacts_apply_user_info (self, friend_info);
}

/* Drops a friend. */
static void
remove_friend (XgContacts *self,
               guint64     account_id)
{
  XgContact *contact = g_hash_table_lookup (self->by_id, &account_id);

  if (contact == NULL)
    return;
  remove_contact (self, contact);
  save (self);
}

/* A FRIEND_REMOVED body: either side ended the friendship. */
void
xg_contacts_apply_removed (XgContacts *self,
                           GVariant   *body)
{
  guint64 me, remover, removed;

  if (defer (self, (XgManagerApply) xg_contacts_apply_removed, body))
    return;
  xg_proto_friend_removed_get (body, &remover, &removed);
  me = session_of (self) ? xg_session_get_account_id (session_of (self)) : 0;
  remove_friend (self, remover == me ? removed : remover);
}

static void
all_offline (XgContacts *self,
             GVariant   *unused)
{
  for (guint i = 0; i < items (self)->len; i++)
    xg_contact_set_online (items (self)->pdata[i], FALSE);
}

void
xg_contacts_set_all_offline (XgContacts *self)
{
  if (!defer (self, (XgManagerApply) all_offline, NULL))
    all_offline (self, NULL);
}

/* --- Calls ------------------------------------------------------------------------------ */

typedef struct {
  guint64  id;
  char    *remark;
} Op;

static void
op_free (Op *op)
{
  g_free (op->remark);
  g_free (op);
}

static GTask *
op_task_new (XgContacts          *self,
             XgContact           *contact,
             GCancellable        *cancellable,
             gpointer             source_tag,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Op *op = g_new0 (Op, 1);

  op->id = xg_contact_get_account_id (contact);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  return task;
}

/* An answer that should have been @expected; FALSE with the task failed. */
static gboolean
check_answer (GTask        *task,
              XgProtoFrame *answer,
              GError       *error,
              guint16       expected)
{
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return FALSE;
    }
  if (answer->type == XG_PACKET_USER_NOT_FOUND)
    {
      g_task_return_new_error (task, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND, "No such account");
      return FALSE;
    }
  if (answer->type != expected)
    {
      g_task_return_new_error (task, XG_SESSION_ERROR, XG_SESSION_ERROR_PROTOCOL,
                               "Unexpected answer %s", xg_proto_packet_info (answer->type)->name);
      return FALSE;
    }
  return TRUE;
}

static void
on_remark_set (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  XgContacts *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  XgContact *contact;

  if (!check_answer (task, answer, error, XG_PACKET_FRIEND_REMARK_OK))
    return;
  /* The FRIEND_LIST that follows says the same; the window need not wait. */
  contact = g_hash_table_lookup (self->by_id, &op->id);
  if (contact != NULL)
    {
      xg_contact_set_remark (contact, op->remark);
      save (self);
    }
  g_task_return_boolean (task, TRUE);
}

void
xg_contacts_set_remark_async (XgContacts          *self,
                              XgContact           *contact,
                              const char          *remark,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  Op *op;

  g_return_if_fail (XG_IS_CONTACTS (self));
  g_return_if_fail (XG_IS_CONTACT (contact));
  g_return_if_fail (remark != NULL);

  task = op_task_new (self, contact, cancellable, xg_contacts_set_remark_async, callback, user_data);
  op = g_task_get_task_data (task);
  op->remark = g_strdup (remark);
  if (!xg_proto_remark_is_valid (remark))
    {
      g_task_return_new_error (task, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                               "A remark has at most %u characters, no control characters "
                               "and no spaces at either end", XG_PROTO_MAX_REMARK_CHARS);
      g_object_unref (task);
      return;
    }
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    return;
  xg_session_request_async (session_of (self), XG_PACKET_FRIEND_REMARK,
                            xg_proto_friend_remark_new (xg_session_get_account_id (session_of (self)),
                                                        op->id, remark),
                            TRUE, on_remark_set, task);
}

gboolean
xg_contacts_set_remark_finish (XgContacts    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  XgContacts *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (!check_answer (task, answer, error, XG_PACKET_FRIEND_REMOVED))
    return;
  /* As the push the other side gets: before the stored contacts are
   * read, it waits for them (and saving now would keep none of them). */
  xg_contacts_apply_removed (self, answer->body);
  g_task_return_boolean (task, TRUE);
}

void
xg_contacts_remove_async (XgContacts          *self,
                          XgContact           *contact,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_CONTACTS (self));
  g_return_if_fail (XG_IS_CONTACT (contact));

  task = op_task_new (self, contact, cancellable, xg_contacts_remove_async, callback, user_data);
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    return;
  xg_session_request_async (session_of (self), XG_PACKET_FRIEND_REMOVE,
                            xg_proto_friend_remove_new (xg_session_get_account_id (session_of (self)),
                                                        xg_contact_get_account_id (contact)),
                            TRUE, on_removed, task);
}

gboolean
xg_contacts_remove_finish (XgContacts    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  XgContacts *self = g_task_get_source_object (task);
  GError *error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (!check_answer (task, answer, error, XG_PACKET_USER_INFO))
    return;
  xg_contacts_apply_user_info (self, answer->body);
  g_task_return_boolean (task, TRUE);
}

void
xg_contacts_refresh_async (XgContacts          *self,
                           XgContact           *contact,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_CONTACTS (self));
  g_return_if_fail (XG_IS_CONTACT (contact));

  task = op_task_new (self, contact, cancellable, xg_contacts_refresh_async, callback, user_data);
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    return;
  xg_session_request_async (session_of (self), XG_PACKET_USER_INFO_REQUEST,
                            xg_proto_user_info_request_new (xg_contact_get_account_id (contact)),
                            TRUE, on_refreshed, task);
}

gboolean
xg_contacts_refresh_finish (XgContacts    *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- The object ------------------------------------------------------------------------- */

/**
 * xg_contacts_lookup:
 *
 * Returns: (transfer none) (nullable): the friend with that account id
 */
XgContact *
xg_contacts_lookup (XgContacts *self,
                    guint64     account_id)
{
  g_return_val_if_fail (XG_IS_CONTACTS (self), NULL);
  return g_hash_table_lookup (self->by_id, &account_id);
}

gboolean
xg_contacts_get_loaded (XgContacts *self)
{
  g_return_val_if_fail (XG_IS_CONTACTS (self), FALSE);
  return xg_manager_get_loaded (XG_MANAGER (self));
}

void
xg_contacts_detach (XgContacts *self)
{
  xg_manager_detach (XG_MANAGER (self));
}

static void
xg_contacts_real_detach (XgManager *manager)
{
  XgContacts *self = XG_CONTACTS (manager);

  XG_MANAGER_CLASS (xg_contacts_parent_class)->detach (manager);
  g_queue_clear (&self->to_fetch);
  all_offline (self, NULL);
}

/**
 * xg_contacts_new:
 * @session: the logged-in session, which owns the result
 * @db: the account's database
 *
 * Starts reading what the database kept; the model fills when it is read.
 */
XgContacts *
xg_contacts_new (XgSession   *session,
                 XgAccountDb *db)
{
  XgContacts *self = g_object_new (XG_TYPE_CONTACTS, NULL);

  xg_manager_attach (XG_MANAGER (self), session, db);
  xg_account_db_load_contacts_async (db, self->cancellable, on_loaded, self);
  return self;
}

static void
xg_contacts_dispose (GObject *object)
{
  XgContacts *self = XG_CONTACTS (object);

  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < items (self)->len; i++)
    g_signal_handlers_disconnect_by_func (items (self)->pdata[i], on_display_name_changed, self);

  G_OBJECT_CLASS (xg_contacts_parent_class)->dispose (object);
}

static void
xg_contacts_finalize (GObject *object)
{
  XgContacts *self = XG_CONTACTS (object);

  g_queue_clear (&self->to_fetch);
  g_hash_table_unref (self->by_id);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (xg_contacts_parent_class)->finalize (object);
}

static void
xg_contacts_class_init (XgContactsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  XgManagerClass *manager_class = XG_MANAGER_CLASS (klass);

  object_class->dispose = xg_contacts_dispose;
  object_class->finalize = xg_contacts_finalize;
  manager_class->item_type = XG_TYPE_CONTACT;
  manager_class->compare = (GCompareFunc) xg_contact_compare;
  manager_class->detach = xg_contacts_real_detach;
}

static void
xg_contacts_init (XgContacts *self)
{
  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->to_fetch);
}
