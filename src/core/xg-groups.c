/* xg-groups.c: the account's groups, their members and waiting requests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/PROTOCOL.md 3.7, 4.6 and 7.6 from the client's side. Every push
 * states how things are, so each is applied as it comes, twice included:
 *
 *  - GROUP_LIST (at login) replaces the list: roles and member counts come
 *    from it, a group missing from it is gone (kept, read-only), and a
 *    revision this device has not seen is fetched with GROUP_INFO_REQUEST.
 *  - GROUP_INFO, GROUP_MEMBER_EVENT and GROUP_REMOVED change one group;
 *    events also reach the member lists that are held.
 *  - The waiting lists (incoming and own join requests, invitations) are
 *    pushed again at every login up to SYNC_DONE; what was not is over.
 *
 * The list and the members' names are kept in the account database
 * (xg-account-db-groups.c); the lists of requests are the server's.
 */
#define G_LOG_DOMAIN "xg-core"

#include "config.h"

#include "xg-group-private.h"
#include "xg-groups-private.h"
#include "xg-manager.h"
#include "xg-proto.h"
#include "xg-proto-limits.h"
#include "xg-session-private.h"
#include "xg-weak-ref.h"

/* docs/PROTOCOL.md 6.2. */
#define GROUP_NAME_CHARS        64
#define GROUP_DESCRIPTION_CHARS 512
#define GROUP_REASON_CHARS      256

struct _XgGroups
{
  XgManager     parent_instance;

  GHashTable   *by_id;        /* group id → XgGroup, the listed ones */
  GListStore   *incoming;     /* XgGroupRequest: waiting for this account's answer */
  GListStore   *outgoing;     /* XgGroupRequest: this account's own */
  GListStore   *invitations;  /* XgGroupRequest: to this account */
  GHashTable   *stale;        /* XgGroupRequest not pushed again since LOGIN_OK */
  gboolean      syncing;
  GHashTable   *members;      /* group id → XgGroupMembers (not owned: weak) */
  GHashTable   *names;        /* "group:member" → nickname */
  GHashTable   *fetching;     /* group ids whose GROUP_INFO is asked for */
  GHashTable   *briefs;       /* group id → XgGroup found (not listed), for own requests */
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (XgGroups, xg_groups, XG_TYPE_MANAGER)

enum {
  PROP_0,
  PROP_N_INCOMING,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  JOIN_REQUEST,
  INVITED,
  JOIN_ANSWERED,
  REMOVED,
  NAMES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static XgSession *
session_of (XgGroups *self)
{
  return xg_manager_get_session (XG_MANAGER (self));
}

static guint64
own_id (XgGroups *self)
{
  XgSession *session = session_of (self);

  return session ? xg_session_get_account_id (session) : 0;
}

static guint64 *
id_key (guint64 id)
{
  return g_memdup2 (&id, sizeof id);
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* --- Keeping ------------------------------------------------------------------ */

static void
save_groups (XgGroups *self,
             GPtrArray *groups,
             gboolean   replace)
{
  g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func ((GDestroyNotify) xg_stored_group_free);

  for (guint i = 0; i < groups->len; i++)
    g_ptr_array_add (stored, xg_group_to_stored (groups->pdata[i]));
  xg_account_db_save_groups_async (xg_manager_get_db (XG_MANAGER (self)), stored, replace, NULL, NULL, NULL);
}

static void
save_group (XgGroups *self,
            XgGroup  *group)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_ptr_array_add (one, group);
  save_groups (self, one, FALSE);
}

static char *
name_key (guint64 group_id,
          guint64 member_id)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, group_id, member_id);
}

/* Tells once per group in @groups (a set of guint64 keys) that names of
 * its members are known now or changed: what shows a sender's name reads
 * it again. */
static void
emit_names_changed (XgGroups   *self,
                    GHashTable *groups)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_signal_emit (self, signals[NAMES_CHANGED], 0, *(guint64 *) key);
}

/* Remembers names (a(tts)); those that changed are written. */
static void
learn_names (XgGroups *self,
             GVariant *names)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GVariant) owned = g_variant_ref_sink (names);
  GVariantBuilder changed;
  GVariantIter iter;
  guint64 group_id, member_id;
  const char *nickname;
  guint n = 0;

  g_variant_builder_init (&changed, G_VARIANT_TYPE ("a(tts)"));
  g_variant_iter_init (&iter, owned);
  while (g_variant_iter_next (&iter, "(tt&s)", &group_id, &member_id, &nickname))
    {
      g_autofree char *key = name_key (group_id, member_id);

      if (*nickname == '\0' || g_strcmp0 (g_hash_table_lookup (self->names, key), nickname) == 0)
        continue;
      g_hash_table_insert (self->names, g_steal_pointer (&key), g_strdup (nickname));
      g_variant_builder_add (&changed, "(tts)", group_id, member_id, nickname);
      g_hash_table_add (groups, g_memdup2 (&group_id, sizeof group_id));
      n++;
    }
  if (n == 0)
    {
      g_variant_builder_clear (&changed);
      return;
    }
  xg_account_db_save_group_names_async (xg_manager_get_db (XG_MANAGER (self)), g_variant_builder_end (&changed),
                                        NULL, NULL, NULL);
  emit_names_changed (self, groups);
}

static void
learn_name (XgGroups   *self,
            guint64     group_id,
            guint64     member_id,
            const char *nickname)
{
  learn_names (self, g_variant_new_parsed ("[(%t, %t, %s)]", group_id, member_id, nickname));
}

const char *
xg_groups_get_member_name (XgGroups *self,
                           guint64   group_id,
                           guint64   member_id)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (XG_IS_GROUPS (self), NULL);
  key = name_key (group_id, member_id);
  return g_hash_table_lookup (self->names, key);
}

/* --- The list ---------------------------------------------------------------- */

XgGroup *
xg_groups_lookup (XgGroups *self,
                  guint64   group_id)
{
  g_return_val_if_fail (XG_IS_GROUPS (self), NULL);
  return g_hash_table_lookup (self->by_id, &group_id);
}

static void
on_group_name (XgGroup    *group,
               GParamSpec *pspec,
               XgGroups   *self)
{
  xg_manager_reposition (XG_MANAGER (self), group);
}

static void
list_group (XgGroups *self,
            XgGroup  *group)
{
  g_hash_table_insert (self->by_id, id_key (xg_group_get_id (group)), g_object_ref (group));
  g_signal_connect_object (group, "notify::name", G_CALLBACK (on_group_name), self, 0);
}

/* The listed group, made and listed if it is new. */
static XgGroup *
ensure_group (XgGroups *self,
              guint64   group_id)
{
  XgGroup *group = xg_groups_lookup (self, group_id);

  if (group == NULL)
    {
      g_autoptr(XgGroup) made = xg_group_new (group_id);

      list_group (self, made);
      xg_manager_insert (XG_MANAGER (self), made);
      group = made;
    }
  return group;
}

static void info_answered (GObject *source, GAsyncResult *result, gpointer user_data);

/* Asks for the group's info, unless it is being asked for. */
static void
fetch_info (XgGroups *self,
            guint64   group_id)
{
  if (session_of (self) == NULL || g_hash_table_contains (self->fetching, &group_id))
    return;
  g_hash_table_add (self->fetching, id_key (group_id));
  xg_session_request_async (session_of (self), XG_PACKET_GROUP_INFO_REQUEST,
                            xg_proto_group_info_request_new (group_id), TRUE, info_answered,
                            g_object_ref (self));
}

static void
apply_info_now (XgManager *manager,
                GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  g_autoptr(GVariant) info = NULL;
  guint64 group_id, owner_id;
  guint32 revision, member_count;
  guint8 role;
  XgGroup *group;

  xg_proto_group_info_get (body, &group_id, &info, &revision, &owner_id, &member_count, &role);
  if (role == XG_PROTO_GROUP_ROLE_NONE)
    return;
  group = ensure_group (self, group_id);
  g_object_freeze_notify (G_OBJECT (group));
  /* An older answer does not undo a newer change. */
  if (revision >= xg_group_get_revision (group))
    {
      xg_group_apply_info (group, info);
      xg_group_set_revision (group, revision);
    }
  xg_group_set_owner_id (group, owner_id);
  xg_group_set_member_count (group, member_count);
  xg_group_set_role (group, role);
  xg_group_set_gone (group, FALSE);
  g_object_thaw_notify (G_OBJECT (group));
  save_group (self, group);
}

void
xg_groups_apply_info (XgGroups *self,
                      GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_info_now, body))
    apply_info_now (XG_MANAGER (self), body);
}

static void
info_answered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XgGroups) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);

  if (answer == NULL)
    {
      g_debug ("Fetching a group's info: %s", error->message);
      g_hash_table_remove_all (self->fetching);
      return;
    }
  if (answer->type == XG_PACKET_GROUP_INFO)
    {
      guint64 group_id;

      xg_proto_group_info_get (answer->body, &group_id, NULL, NULL, NULL, NULL, NULL);
      g_hash_table_remove (self->fetching, &group_id);
      if (session_of (self) != NULL)
        apply_info_now (XG_MANAGER (self), answer->body);
    }
}

static void
mark_gone (XgGroups *self,
           XgGroup  *group,
           guint     reason,
           guint64   actor_id)
{
  if (xg_group_get_gone (group))
    return;
  g_object_freeze_notify (G_OBJECT (group));
  xg_group_set_gone (group, TRUE);
  xg_group_set_role (group, XG_GROUP_ROLE_NONE);
  g_object_thaw_notify (G_OBJECT (group));
  g_signal_emit (self, signals[REMOVED], 0, group, reason, actor_id);
}

static void
apply_list_now (XgManager *manager,
                GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(GHashTable) listed = g_hash_table_new (g_direct_hash, g_direct_equal);
  GPtrArray *items = xg_manager_get_items (manager);
  GVariantIter iter;
  guint64 group_id, last_seq;
  guint32 revision, member_count;
  guint8 role;

  xg_proto_group_list_get (body, &entries);
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_next (&iter, "(tyuut)", &group_id, &role, &revision, &member_count, &last_seq))
    {
      XgGroup *group = ensure_group (self, group_id);

      g_hash_table_add (listed, group);
      g_object_freeze_notify (G_OBJECT (group));
      xg_group_set_role (group, role);
      xg_group_set_member_count (group, member_count);
      xg_group_set_gone (group, FALSE);
      g_object_thaw_notify (G_OBJECT (group));
      if (revision != xg_group_get_revision (group))
        fetch_info (self, group_id);
    }
  /* Left, removed or disbanded while this device was away. */
  for (guint i = 0; i < items->len; i++)
    if (!g_hash_table_contains (listed, items->pdata[i]))
      mark_gone (self, items->pdata[i], XG_GROUP_REMOVED_MISSING, 0);
  save_groups (self, items, TRUE);
}

void
xg_groups_apply_list (XgGroups *self,
                      GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_list_now, body))
    apply_list_now (XG_MANAGER (self), body);
}

static void
apply_member_event_now (XgManager *manager,
                        GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  guint64 group_id, member_id, actor_id;
  guint8 event, role;
  const char *nickname;
  guint32 member_count;
  XgGroupMembers *members;
  XgGroup *group;

  xg_proto_group_member_event_get (body, &group_id, &member_id, &event, &role, &nickname, &actor_id, &member_count);
  learn_name (self, group_id, member_id, nickname);
  members = g_hash_table_lookup (self->members, &group_id);
  if (members != NULL)
    xg_group_members_apply_event (members, member_id, event, role, nickname);

  group = xg_groups_lookup (self, group_id);
  if (group == NULL || xg_group_get_gone (group))
    return;
  xg_group_set_member_count (group, member_count);
  if (member_id == own_id (self) && role != XG_PROTO_GROUP_ROLE_NONE)
    xg_group_set_role (group, role);
  /* Ownership moved: the new owner's event says who. */
  if (event == XG_PROTO_GROUP_EVENT_ROLE_CHANGED && role == XG_PROTO_GROUP_ROLE_OWNER)
    xg_group_set_owner_id (group, member_id);
  save_group (self, group);
}

void
xg_groups_apply_member_event (XgGroups *self,
                              GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_member_event_now, body))
    apply_member_event_now (XG_MANAGER (self), body);
}

static void
apply_removed_now (XgManager *manager,
                   GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  guint64 group_id, actor_id;
  guint8 reason;
  XgGroup *group;

  xg_proto_group_removed_get (body, &group_id, &reason, &actor_id);
  group = xg_groups_lookup (self, group_id);
  if (group == NULL)
    return;
  mark_gone (self, group, reason, actor_id);
  save_group (self, group);
}

void
xg_groups_apply_removed (XgGroups *self,
                         GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_removed_now, body))
    apply_removed_now (XG_MANAGER (self), body);
}

void
xg_groups_set_muted (XgGroups *self,
                     XgGroup  *group,
                     gboolean  muted)
{
  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (XG_IS_GROUP (group));

  if (xg_group_get_muted (group) == muted)
    return;
  xg_group_set_muted (group, muted);
  if (xg_groups_lookup (self, xg_group_get_id (group)) == group)
    save_group (self, group);
}

/* --- Waiting lists --------------------------------------------------------------- */

static void
set_n_incoming (XgGroups *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_INCOMING]);
}

guint
xg_groups_get_n_incoming (XgGroups *self)
{
  g_return_val_if_fail (XG_IS_GROUPS (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->incoming));
}

GListModel *xg_groups_get_incoming    (XgGroups *self) { return G_LIST_MODEL (self->incoming); }
GListModel *xg_groups_get_outgoing    (XgGroups *self) { return G_LIST_MODEL (self->outgoing); }
GListModel *xg_groups_get_invitations (XgGroups *self) { return G_LIST_MODEL (self->invitations); }

/* The request of (@group_id, @peer_id) in @store, and its position. */
static XgGroupRequest *
find_request (GListStore *store,
              guint64     group_id,
              guint64     peer_id,
              guint      *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XgGroupRequest) request = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (xg_group_request_get_group_id (request) == group_id &&
          (peer_id == 0 || xg_group_request_get_peer_id (request) == peer_id))
        {
          if (position != NULL)
            *position = i;
          return request;   /* the store still holds it */
        }
    }
  return NULL;
}

/* TRUE when it is new. */
static gboolean
add_request (XgGroups       *self,
             GListStore     *store,
             XgGroupRequest *request)
{
  XgGroupRequest *known = find_request (store, xg_group_request_get_group_id (request),
                                        xg_group_request_get_peer_id (request), NULL);

  if (known != NULL)
    {
      g_hash_table_remove (self->stale, known);
      return FALSE;
    }
  g_list_store_append (store, request);
  if (store == self->incoming)
    set_n_incoming (self);
  return TRUE;
}

static gboolean
drop_request (XgGroups   *self,
              GListStore *store,
              guint64     group_id,
              guint64     peer_id)
{
  guint position;
  XgGroupRequest *request = find_request (store, group_id, peer_id, &position);

  if (request == NULL)
    return FALSE;
  g_hash_table_remove (self->stale, request);
  g_list_store_remove (store, position);
  if (store == self->incoming)
    set_n_incoming (self);
  return TRUE;
}

static void
apply_join_incoming_now (XgManager *manager,
                         GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  g_autoptr(GVariant) brief = NULL;
  g_autoptr(XgGroupRequest) request = NULL;
  guint64 applicant_id, group_id;
  const char *nickname, *reason;

  xg_proto_group_join_request_incoming_get (body, &applicant_id, &group_id, &brief, &nickname, &reason);
  request = xg_group_request_new (XG_GROUP_REQUEST_INCOMING, group_id, brief, applicant_id, nickname, reason,
                                  g_get_real_time () / G_USEC_PER_SEC);
  if (add_request (self, self->incoming, request))
    g_signal_emit (self, signals[JOIN_REQUEST], 0, request);
}

void
xg_groups_apply_join_incoming (XgGroups *self,
                               GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_join_incoming_now, body))
    apply_join_incoming_now (XG_MANAGER (self), body);
}

static void
apply_join_outgoing_now (XgManager *manager,
                         GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  g_autoptr(GVariant) brief = NULL;
  g_autoptr(XgGroupRequest) request = NULL;
  guint64 applicant_id, group_id;
  const char *reason;
  gint64 time;

  xg_proto_group_join_request_outgoing_get (body, &group_id, &applicant_id, &brief, &reason, &time);
  request = xg_group_request_new (XG_GROUP_REQUEST_OUTGOING, group_id, brief, applicant_id, NULL, reason, time);
  add_request (self, self->outgoing, request);
}

void
xg_groups_apply_join_outgoing (XgGroups *self,
                               GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_join_outgoing_now, body))
    apply_join_outgoing_now (XG_MANAGER (self), body);
}

static void
apply_invite_now (XgManager *manager,
                  GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  g_autoptr(GVariant) brief = NULL;
  g_autoptr(XgGroupRequest) request = NULL;
  guint64 group_id, inviter_id;
  const char *nickname;
  gint64 time;

  xg_proto_group_invite_incoming_get (body, &group_id, &brief, &inviter_id, &nickname, &time);
  request = xg_group_request_new (XG_GROUP_REQUEST_INVITATION, group_id, brief, inviter_id, nickname, "", time);
  if (add_request (self, self->invitations, request))
    g_signal_emit (self, signals[INVITED], 0, request);
}

void
xg_groups_apply_invite (XgGroups *self,
                        GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_invite_now, body))
    apply_invite_now (XG_MANAGER (self), body);
}

/* The name of a group this account asked to join, as well as it knows it. */
static char *
asked_group_name (XgGroups *self,
                  guint64   group_id)
{
  XgGroupRequest *request = find_request (self->outgoing, group_id, 0, NULL);
  XgGroup *brief = g_hash_table_lookup (self->briefs, &group_id);

  if (request != NULL && *xg_group_request_get_group_name (request) != '\0')
    return g_strdup (xg_group_request_get_group_name (request));
  if (brief != NULL)
    return g_strdup (xg_group_get_name (brief));
  if (xg_groups_lookup (self, group_id) != NULL)
    return g_strdup (xg_group_get_name (xg_groups_lookup (self, group_id)));
  return g_strdup ("");
}

/* One of the account's own requests ended: said once, however often the
 * server tells (live and at the next login). */
static void
answered (XgGroups   *self,
          guint64     group_id,
          guint       outcome,
          const char *reason)
{
  g_autofree char *name = asked_group_name (self, group_id);

  if (!drop_request (self, self->outgoing, group_id, 0) && outcome != XG_GROUP_JOIN_APPROVED)
    return;
  g_signal_emit (self, signals[JOIN_ANSWERED], 0, group_id, name, outcome, reason ? reason : "");
}

static void
apply_join_approved_now (XgManager *manager,
                         GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  g_autoptr(GVariant) info = NULL;
  guint64 group_id, applicant_id;

  xg_proto_group_join_approved_get (body, &group_id, &applicant_id, &info);
  if (applicant_id != own_id (self))
    {
      /* Decided (by this account, or another admin). */
      drop_request (self, self->incoming, group_id, applicant_id);
      return;
    }
  drop_request (self, self->invitations, group_id, 0);
  {
    XgGroup *group = xg_groups_lookup (self, group_id);
    gboolean news = group == NULL || xg_group_get_gone (group);

    group = ensure_group (self, group_id);
    g_object_freeze_notify (G_OBJECT (group));
    xg_group_apply_info (group, info);
    xg_group_set_gone (group, FALSE);
    if (xg_group_get_role (group) == XG_GROUP_ROLE_NONE)
      xg_group_set_role (group, XG_GROUP_ROLE_MEMBER);
    g_object_thaw_notify (G_OBJECT (group));
    save_group (self, group);
    /* The revision, owner and count. */
    fetch_info (self, group_id);
    if (news || find_request (self->outgoing, group_id, 0, NULL) != NULL)
      answered (self, group_id, XG_GROUP_JOIN_APPROVED, NULL);
  }
}

void
xg_groups_apply_join_approved (XgGroups *self,
                               GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_join_approved_now, body))
    apply_join_approved_now (XG_MANAGER (self), body);
}

static void
apply_join_rejected_now (XgManager *manager,
                         GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  guint64 group_id, applicant_id;
  const char *reason;

  xg_proto_group_join_rejected_get (body, &group_id, &applicant_id, &reason);
  if (applicant_id != own_id (self))
    drop_request (self, self->incoming, group_id, applicant_id);
  else
    answered (self, group_id, XG_GROUP_JOIN_REJECTED, reason);
}

void
xg_groups_apply_join_rejected (XgGroups *self,
                               GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_join_rejected_now, body))
    apply_join_rejected_now (XG_MANAGER (self), body);
}

static void
apply_join_timeout_now (XgManager *manager,
                        GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  guint64 group_id, applicant_id;

  xg_proto_group_join_timeout_get (body, &group_id, &applicant_id);
  if (applicant_id != own_id (self))
    drop_request (self, self->incoming, group_id, applicant_id);
  else
    answered (self, group_id, XG_GROUP_JOIN_EXPIRED, NULL);
}

void
xg_groups_apply_join_timeout (XgGroups *self,
                              GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_join_timeout_now, body))
    apply_join_timeout_now (XG_MANAGER (self), body);
}

static void
apply_join_decided_now (XgManager *manager,
                        GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  guint64 group_id, applicant_id, decider_id;
  gboolean approved;

  xg_proto_group_join_decided_get (body, &group_id, &applicant_id, &approved, &decider_id);
  drop_request (self, self->incoming, group_id, applicant_id);
}

void
xg_groups_apply_join_decided (XgGroups *self,
                              GVariant *body)
{
  if (!xg_manager_defer (XG_MANAGER (self), apply_join_decided_now, body))
    apply_join_decided_now (XG_MANAGER (self), body);
}

static void
mark_stale (XgGroups   *self,
            GListStore *store)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(XgGroupRequest) request = g_list_model_get_item (G_LIST_MODEL (store), i);

      g_hash_table_add (self->stale, request);
    }
}

static void
begin_sync_now (XgManager *manager,
                GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);

  g_hash_table_remove_all (self->stale);
  mark_stale (self, self->incoming);
  mark_stale (self, self->outgoing);
  mark_stale (self, self->invitations);
  self->syncing = TRUE;
}

void
xg_groups_begin_sync (XgGroups *self)
{
  if (!xg_manager_defer (XG_MANAGER (self), begin_sync_now, NULL))
    begin_sync_now (XG_MANAGER (self), NULL);
}

static void
sweep (XgGroups   *self,
       GListStore *store)
{
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (store)); i > 0; i--)
    {
      g_autoptr(XgGroupRequest) request = g_list_model_get_item (G_LIST_MODEL (store), i - 1);

      if (g_hash_table_contains (self->stale, request))
        g_list_store_remove (store, i - 1);
    }
}

static void
end_sync_now (XgManager *manager,
              GVariant  *body)
{
  XgGroups *self = XG_GROUPS (manager);
  guint before = xg_groups_get_n_incoming (self);

  if (!self->syncing)
    return;
  self->syncing = FALSE;
  sweep (self, self->incoming);
  sweep (self, self->outgoing);
  sweep (self, self->invitations);
  g_hash_table_remove_all (self->stale);
  if (xg_groups_get_n_incoming (self) != before)
    set_n_incoming (self);
}

void
xg_groups_end_sync (XgGroups *self)
{
  if (!xg_manager_defer (XG_MANAGER (self), end_sync_now, NULL))
    end_sync_now (XG_MANAGER (self), NULL);
}

/* --- Members ------------------------------------------------------------------------ */

static void
members_gone (gpointer  user_data,
              GObject  *where_the_object_was)
{
  XgGroups *self = user_data;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == (gpointer) where_the_object_was)
      g_hash_table_iter_remove (&iter);
}

static void
members_answered (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(XgGroupMembers) members = xg_weak_ref_take (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  g_autoptr(GVariant) list = NULL;
  guint64 group_id;

  if (members == NULL)
    return;
  if (answer == NULL)
    {
      xg_group_members_set_error (members, error);
      return;
    }
  if (answer->type != XG_PACKET_GROUP_MEMBERS)
    return;
  xg_proto_group_members_get (answer->body, &group_id, &list);
  xg_group_members_apply_list (members, list);
}

static void
members_names (XgGroupMembers *members,
               guint           position,
               guint           removed,
               guint           added,
               XgGroups       *self)
{
  GVariantBuilder builder;

  if (added == 0)
    return;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(tts)"));
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(XgGroupMember) member = g_list_model_get_item (G_LIST_MODEL (members), i);

      g_variant_builder_add (&builder, "(tts)", xg_group_members_get_group_id (members),
                             xg_group_member_get_id (member), xg_group_member_get_nickname (member));
    }
  learn_names (self, g_variant_builder_end (&builder));
}

XgGroupMembers *
xg_groups_get_members (XgGroups *self,
                       guint64   group_id)
{
  XgGroupMembers *members;

  g_return_val_if_fail (XG_IS_GROUPS (self), NULL);

  members = g_hash_table_lookup (self->members, &group_id);
  if (members != NULL)
    return g_object_ref (members);
  members = xg_group_members_new (group_id);
  g_hash_table_insert (self->members, id_key (group_id), members);
  g_object_weak_ref (G_OBJECT (members), members_gone, self);
  g_signal_connect_object (members, "items-changed", G_CALLBACK (members_names), self, 0);
  if (session_of (self) == NULL)
    return members;
  xg_session_request_async (session_of (self), XG_PACKET_GROUP_MEMBERS_REQUEST,
                            xg_proto_group_members_request_new (group_id), TRUE, members_answered,
                            xg_weak_ref_new (members));
  return members;
}

/* --- Calls ----------------------------------------------------------------------------- */

typedef struct {
  guint64         group_id;
  guint64         peer_id;
  XgGroupRequest *request;
} Op;

static void
op_free (Op *op)
{
  g_clear_object (&op->request);
  g_free (op);
}

static GTask *
op_task_new (XgGroups            *self,
             GCancellable        *cancellable,
             gpointer             source_tag,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_new0 (Op, 1), (GDestroyNotify) op_free);
  return task;
}

static Op *
op_of (GTask *task)
{
  return g_task_get_task_data (task);
}

/* A task answering @request (a join request or an invitation): the group,
 * the other party and the request, whose list loses it once answered. */
static GTask *
answer_task_new (XgGroups            *self,
                 XgGroupRequest      *request,
                 GCancellable        *cancellable,
                 gpointer             source_tag,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task = op_task_new (self, cancellable, source_tag, callback, user_data);

  op_of (task)->group_id = xg_group_request_get_group_id (request);
  op_of (task)->peer_id = xg_group_request_get_peer_id (request);
  op_of (task)->request = g_object_ref (request);
  return task;
}

static void
return_error (GTask  *task,
              GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static GError *
unexpected (const XgProtoFrame *answer)
{
  return g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_PROTOCOL, "Unexpected answer %s",
                      xg_proto_packet_info (answer->type)->name);
}

/* Answers that are also news (GROUP_JOIN_APPROVED, _REJECTED, GROUP_INFO,
 * GROUP_REMOVED) are applied as the push they mean; the rest say done. */
static void
on_answered (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  XgGroups *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  Op *op = op_of (task);

  if (answer == NULL)
    {
      /* A request already decided or gone is no longer waiting. */
      if (op->request != NULL && g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        {
          drop_request (self, self->incoming, op->group_id, op->peer_id);
          drop_request (self, self->invitations, op->group_id, op->peer_id);
        }
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  switch (answer->type)
    {
    case XG_PACKET_GROUP_JOIN_APPROVED:
    case XG_PACKET_GROUP_JOIN_REJECTED:
    case XG_PACKET_GROUP_INFO:
    case XG_PACKET_GROUP_REMOVED:
      if (session_of (self) != NULL)
        xg_session_apply_push (session_of (self), answer);
      g_task_return_boolean (task, TRUE);
      break;
    case XG_PACKET_GROUP_DONE:
      if (op->request != NULL)
        drop_request (self, self->invitations, op->group_id, op->peer_id);
      g_task_return_boolean (task, TRUE);
      break;
    case XG_PACKET_GROUP_JOIN_REQUEST_SENT:
      {
        XgGroup *brief = g_hash_table_lookup (self->briefs, &op->group_id);
        g_autoptr(XgGroupRequest) request = NULL;

        request = xg_group_request_new (XG_GROUP_REQUEST_OUTGOING, op->group_id,
                                        brief ? xg_group_get_info (brief) : NULL, own_id (self), NULL, "",
                                        g_get_real_time () / G_USEC_PER_SEC);
        add_request (self, self->outgoing, request);
        g_task_return_boolean (task, TRUE);
      }
      break;
    default:
      g_task_return_error (task, unexpected (answer));
      break;
    }
}

gboolean
xg_groups_call_finish (XgGroups      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Sends @body for @task, answered by on_answered(). */
static void
call (XgGroups *self,
      GTask    *task,
      guint16   type,
      GVariant *body)
{
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    {
      g_variant_unref (g_variant_ref_sink (body));
      return;
    }
  xg_session_request_async (session_of (self), type, body, TRUE, on_answered, task);
}

static gboolean
check_reason (GTask      *task,
              const char *reason)
{
  /* docs/PROTOCOL.md 6.2: a join request's reason, and a rejection's. */
  if (xg_proto_text_is_valid (reason, GROUP_REASON_CHARS))
    return TRUE;
  return_error (task, g_error_new (XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                                   "A reason has at most %u characters on one line", GROUP_REASON_CHARS));
  return FALSE;
}

void
xg_groups_join_async (XgGroups            *self,
                      guint64              group_id,
                      const char          *reason,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_GROUPS (self));

  task = op_task_new (self, cancellable, xg_groups_join_async, callback, user_data);
  op_of (task)->group_id = group_id;
  if (reason == NULL)
    reason = "";
  if (!check_reason (task, reason))
    return;
  call (self, task, XG_PACKET_GROUP_JOIN_REQUEST, xg_proto_group_join_request_new (group_id, own_id (self), reason));
}

void
xg_groups_approve_async (XgGroups            *self,
                         XgGroupRequest      *request,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (xg_group_request_get_kind (request) == XG_GROUP_REQUEST_INCOMING);

  task = answer_task_new (self, request, cancellable, xg_groups_approve_async, callback, user_data);
  call (self, task, XG_PACKET_GROUP_JOIN_APPROVE,
        xg_proto_group_join_approve_new (op_of (task)->group_id, op_of (task)->peer_id));
}

void
xg_groups_reject_async (XgGroups            *self,
                        XgGroupRequest      *request,
                        const char          *reason,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (xg_group_request_get_kind (request) == XG_GROUP_REQUEST_INCOMING);

  task = answer_task_new (self, request, cancellable, xg_groups_reject_async, callback, user_data);
  if (reason == NULL)
    reason = "";
  if (!check_reason (task, reason))
    return;
  call (self, task, XG_PACKET_GROUP_JOIN_REJECT,
        xg_proto_group_join_reject_new (op_of (task)->group_id, op_of (task)->peer_id, reason));
}

void
xg_groups_accept_invitation_async (XgGroups            *self,
                                   XgGroupRequest      *invitation,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (xg_group_request_get_kind (invitation) == XG_GROUP_REQUEST_INVITATION);

  task = answer_task_new (self, invitation, cancellable, xg_groups_accept_invitation_async, callback, user_data);
  call (self, task, XG_PACKET_GROUP_INVITE_ACCEPT,
        xg_proto_group_invite_accept_new (op_of (task)->group_id, op_of (task)->peer_id));
}

void
xg_groups_decline_invitation_async (XgGroups            *self,
                                    XgGroupRequest      *invitation,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (xg_group_request_get_kind (invitation) == XG_GROUP_REQUEST_INVITATION);

  task = answer_task_new (self, invitation, cancellable, xg_groups_decline_invitation_async, callback, user_data);
  call (self, task, XG_PACKET_GROUP_INVITE_DECLINE,
        xg_proto_group_invite_decline_new (op_of (task)->group_id, op_of (task)->peer_id));
}

void
xg_groups_leave_async (XgGroups            *self,
                       XgGroup             *group,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (XG_IS_GROUP (group));

  call (self, op_task_new (self, cancellable, xg_groups_leave_async, callback, user_data),
        XG_PACKET_GROUP_LEAVE, xg_proto_group_leave_new (xg_group_get_id (group)));
}

void
xg_groups_disband_async (XgGroups            *self,
                         XgGroup             *group,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (XG_IS_GROUP (group));

  call (self, op_task_new (self, cancellable, xg_groups_disband_async, callback, user_data),
        XG_PACKET_GROUP_DISBAND, xg_proto_group_disband_new (xg_group_get_id (group)));
}

void
xg_groups_remove_member_async (XgGroups            *self,
                               XgGroup             *group,
                               guint64              member_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (XG_IS_GROUP (group));

  call (self, op_task_new (self, cancellable, xg_groups_remove_member_async, callback, user_data),
        XG_PACKET_GROUP_MEMBER_REMOVE, xg_proto_group_member_remove_new (xg_group_get_id (group), member_id));
}

void
xg_groups_set_role_async (XgGroups            *self,
                          XgGroup             *group,
                          guint64              member_id,
                          XgGroupRole          role,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (XG_IS_GROUP (group));
  g_return_if_fail (role == XG_GROUP_ROLE_ADMIN || role == XG_GROUP_ROLE_MEMBER);

  call (self, op_task_new (self, cancellable, xg_groups_set_role_async, callback, user_data),
        XG_PACKET_GROUP_ROLE_SET, xg_proto_group_role_set_new (xg_group_get_id (group), member_id, (guint8) role));
}

void
xg_groups_transfer_async (XgGroups            *self,
                          XgGroup             *group,
                          guint64              member_id,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (XG_IS_GROUP (group));

  call (self, op_task_new (self, cancellable, xg_groups_transfer_async, callback, user_data),
        XG_PACKET_GROUP_TRANSFER, xg_proto_group_transfer_new (xg_group_get_id (group), member_id));
}

/* The a{sv} of the fields given; FALSE with @task failed when one breaks
 * the rules (docs/PROTOCOL.md 6.2). */
static GVariant *
build_info (const char  *name,
            const char  *description,
            GBytes      *avatar,
            GError     **error)
{
  GVariantBuilder builder;

  if (name != NULL && (*name == '\0' || !xg_proto_text_is_valid (name, GROUP_NAME_CHARS)))
    {
      g_set_error_literal (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                           "A group's name has 1 to 64 characters");
      return NULL;
    }
  if (description != NULL && (!g_utf8_validate (description, -1, NULL) ||
                              g_utf8_strlen (description, -1) > GROUP_DESCRIPTION_CHARS))
    {
      g_set_error_literal (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                           "A group's description has at most 512 characters");
      return NULL;
    }
  if (avatar != NULL && g_bytes_get_size (avatar) > 0 &&
      !xg_proto_avatar_is_valid (g_bytes_get_data (avatar, NULL), g_bytes_get_size (avatar)))
    {
      g_set_error_literal (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                           "An avatar is a PNG or JPEG image of at most 256 KiB");
      return NULL;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
  if (name != NULL)
    g_variant_builder_add (&builder, "{sv}", "name", g_variant_new_string (name));
  if (description != NULL)
    g_variant_builder_add (&builder, "{sv}", "description", g_variant_new_string (description));
  if (avatar != NULL)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (avatar, &len);

      g_variant_builder_add (&builder, "{sv}", "avatar", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1));
    }
  return g_variant_builder_end (&builder);
}

void
xg_groups_update_info_async (XgGroups            *self,
                             XgGroup             *group,
                             const char          *name,
                             const char          *description,
                             GBytes              *avatar,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  GError *error = NULL;
  GVariant *info;

  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (XG_IS_GROUP (group));

  task = op_task_new (self, cancellable, xg_groups_update_info_async, callback, user_data);
  info = build_info (name, description, avatar, &error);
  if (info == NULL)
    {
      return_error (task, error);
      return;
    }
  call (self, task, XG_PACKET_GROUP_INFO_UPDATE, xg_proto_group_info_update_new (xg_group_get_id (group), info));
}

void
xg_groups_invite_async (XgGroups            *self,
                        XgGroup             *group,
                        guint64              friend_id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (XG_IS_GROUP (group));

  call (self, op_task_new (self, cancellable, xg_groups_invite_async, callback, user_data),
        XG_PACKET_GROUP_INVITE, xg_proto_group_invite_new (xg_group_get_id (group), friend_id));
}

/* Create and find answer with a group. */

static void
on_created (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  XgGroups *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  g_autoptr(GVariant) info = NULL;
  guint64 group_id;
  XgGroup *group;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (answer->type == XG_PACKET_GROUP_CREATE_FAIL)
    {
      guint32 reason;
      const char *message;
      int code;

      xg_proto_group_create_fail_get (answer->body, &reason, &message);
      switch (reason)
        {
        case XG_PROTO_GROUP_FAIL_INVALID_INFO: code = XG_SESSION_ERROR_INVALID_INPUT; break;
        case XG_PROTO_GROUP_FAIL_LIMIT:        code = XG_SESSION_ERROR_LIMIT_REACHED; break;
        default:                               code = XG_SESSION_ERROR_BUSY; break;
        }
      g_task_return_new_error (task, XG_SESSION_ERROR, code, "%s", message);
      return;
    }
  if (answer->type != XG_PACKET_GROUP_CREATE_OK)
    {
      g_task_return_error (task, unexpected (answer));
      return;
    }
  xg_proto_group_create_ok_get (answer->body, &group_id, &info);
  if (session_of (self) == NULL)
    {
      g_task_return_new_error (task, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_LOGGED_IN, "The session has ended");
      return;
    }
  group = ensure_group (self, group_id);
  g_object_freeze_notify (G_OBJECT (group));
  xg_group_apply_info (group, info);
  if (xg_group_get_revision (group) == 0)
    xg_group_set_revision (group, 1);
  xg_group_set_owner_id (group, own_id (self));
  if (xg_group_get_member_count (group) == 0)
    xg_group_set_member_count (group, 1);
  xg_group_set_role (group, XG_GROUP_ROLE_OWNER);
  xg_group_set_gone (group, FALSE);
  g_object_thaw_notify (G_OBJECT (group));
  save_group (self, group);
  g_task_return_pointer (task, g_object_ref (group), g_object_unref);
}

void
xg_groups_create_async (XgGroups            *self,
                        const char          *name,
                        const char          *description,
                        GBytes              *avatar,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;
  GError *error = NULL;
  GVariant *info;

  g_return_if_fail (XG_IS_GROUPS (self));
  g_return_if_fail (name != NULL);

  task = op_task_new (self, cancellable, xg_groups_create_async, callback, user_data);
  info = build_info (name, description ? description : "", avatar, &error);
  if (info == NULL)
    {
      return_error (task, error);
      return;
    }
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    {
      g_variant_unref (g_variant_ref_sink (info));
      return;
    }
  xg_session_request_async (session_of (self), XG_PACKET_GROUP_CREATE, xg_proto_group_create_new (info), TRUE,
                            on_created, task);
}

XgGroup *
xg_groups_create_finish (XgGroups      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  XgGroups *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProtoFrame) answer = xg_session_request_finish (result, &error);
  g_autoptr(GVariant) brief = NULL;
  g_autoptr(XgGroup) group = NULL;
  guint64 group_id;
  guint32 member_count;
  guint8 role;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (answer->type != XG_PACKET_GROUP_BRIEF)
    {
      g_task_return_error (task, unexpected (answer));
      return;
    }
  xg_proto_group_brief_get (answer->body, &group_id, &brief, &member_count, &role);
  group = xg_group_new (group_id);
  xg_group_apply_info (group, brief);
  xg_group_set_member_count (group, member_count);
  xg_group_set_role (group, role);
  g_hash_table_insert (self->briefs, id_key (group_id), g_object_ref (group));
  g_task_return_pointer (task, g_steal_pointer (&group), g_object_unref);
}

void
xg_groups_find_async (XgGroups            *self,
                      guint64              group_id,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (XG_IS_GROUPS (self));

  task = op_task_new (self, cancellable, xg_groups_find_async, callback, user_data);
  if (group_id == 0 || (group_id & XG_CONVERSATION_GROUP_BIT) != 0)
    {
      return_error (task, g_error_new_literal (XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT,
                                               "Not a group number"));
      return;
    }
  if (!xg_manager_check_attached (XG_MANAGER (self), task))
    return;
  xg_session_request_async (session_of (self), XG_PACKET_GROUP_LOOKUP, xg_proto_group_lookup_new (group_id), TRUE,
                            on_found, task);
}

XgGroup *
xg_groups_find_finish (XgGroups      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- Life -------------------------------------------------------------------------------- */

static void
names_loaded (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(XgGroups) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) names = xg_account_db_load_group_names_finish (XG_ACCOUNT_DB (source), result, &error);
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  GVariantIter iter;
  guint64 group_id, member_id;
  const char *nickname;

  if (names == NULL)
    {
      if (!is_cancelled (error))
        g_warning ("Reading the groups' names: %s", error->message);
      return;
    }
  g_variant_iter_init (&iter, names);
  while (g_variant_iter_next (&iter, "(tt&s)", &group_id, &member_id, &nickname))
    {
      char *key = name_key (group_id, member_id);

      /* A name learnt since is newer. */
      if (!g_hash_table_contains (self->names, key))
        {
          g_hash_table_insert (self->names, key, g_strdup (nickname));
          g_hash_table_add (groups, g_memdup2 (&group_id, sizeof group_id));
        }
      else
        g_free (key);
    }
  emit_names_changed (self, groups);
}

static void
groups_loaded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XgGroups) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stored = xg_account_db_load_groups_finish (XG_ACCOUNT_DB (source), result, &error);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_object_unref);

  if (session_of (self) == NULL)
    return;
  if (stored == NULL)
    g_warning ("Reading the groups: %s", error->message);
  else
    for (guint i = 0; i < stored->len; i++)
      {
        XgGroup *group = xg_group_new_from_stored (stored->pdata[i]);

        list_group (self, group);
        g_ptr_array_add (kept, group);
      }
  xg_manager_set_loaded (XG_MANAGER (self), kept);
}

XgGroups *
xg_groups_new (XgSession   *session,
               XgAccountDb *db)
{
  XgGroups *self = g_object_new (XG_TYPE_GROUPS, NULL);

  xg_manager_attach (XG_MANAGER (self), session, db);
  xg_account_db_load_group_names_async (db, self->cancellable, names_loaded, g_object_ref (self));
  xg_account_db_load_groups_async (db, self->cancellable, groups_loaded, g_object_ref (self));
  return self;
}

void
xg_groups_detach (XgGroups *self)
{
  xg_manager_detach (XG_MANAGER (self));
}

static void
xg_groups_detach_impl (XgManager *manager)
{
  XgGroups *self = XG_GROUPS (manager);

  g_cancellable_cancel (self->cancellable);
  XG_MANAGER_CLASS (xg_groups_parent_class)->detach (manager);
}

gboolean
xg_groups_get_loaded (XgGroups *self)
{
  return xg_manager_get_loaded (XG_MANAGER (self));
}

static void
xg_groups_dispose (GObject *object)
{
  XgGroups *self = XG_GROUPS (object);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->members);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_object_weak_unref (value, members_gone, self);
      g_signal_handlers_disconnect_by_data (value, self);
    }
  g_hash_table_remove_all (self->members);
  G_OBJECT_CLASS (xg_groups_parent_class)->dispose (object);
}

static void
xg_groups_finalize (GObject *object)
{
  XgGroups *self = XG_GROUPS (object);

  g_hash_table_unref (self->by_id);
  g_object_unref (self->incoming);
  g_object_unref (self->outgoing);
  g_object_unref (self->invitations);
  g_hash_table_unref (self->stale);
  g_hash_table_unref (self->members);
  g_hash_table_unref (self->names);
  g_hash_table_unref (self->fetching);
  g_hash_table_unref (self->briefs);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (xg_groups_parent_class)->finalize (object);
}

static void
xg_groups_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  XgGroups *self = XG_GROUPS (object);

  switch (prop_id)
    {
    case PROP_N_INCOMING: g_value_set_uint (value, xg_groups_get_n_incoming (self)); break;
    default:              G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_groups_class_init (XgGroupsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  XgManagerClass *manager_class = XG_MANAGER_CLASS (klass);

  object_class->dispose = xg_groups_dispose;
  object_class->finalize = xg_groups_finalize;
  object_class->get_property = xg_groups_get_property;
  manager_class->item_type = XG_TYPE_GROUP;
  manager_class->compare = xg_group_compare;
  manager_class->detach = xg_groups_detach_impl;

  props[PROP_N_INCOMING] = g_param_spec_uint ("n-incoming", NULL, NULL, 0, G_MAXUINT, 0,
                                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[JOIN_REQUEST] = g_signal_new ("join-request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, XG_TYPE_GROUP_REQUEST);
  signals[INVITED] = g_signal_new ("invited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, XG_TYPE_GROUP_REQUEST);
  signals[JOIN_ANSWERED] = g_signal_new ("join-answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_UINT64, G_TYPE_STRING,
                                         G_TYPE_UINT, G_TYPE_STRING);
  signals[REMOVED] = g_signal_new ("removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 3, XG_TYPE_GROUP, G_TYPE_UINT, G_TYPE_UINT64);
  /**
   * XgGroups::names-changed:
   * @group_id: the group
   *
   * Members' names of @group_id became known or changed
   * (xg_groups_get_member_name() tells them).
   */
  signals[NAMES_CHANGED] = g_signal_new ("names-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT64);
}

static void
xg_groups_init (XgGroups *self)
{
  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->incoming = g_list_store_new (XG_TYPE_GROUP_REQUEST);
  self->outgoing = g_list_store_new (XG_TYPE_GROUP_REQUEST);
  self->invitations = g_list_store_new (XG_TYPE_GROUP_REQUEST);
  self->stale = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->members = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->fetching = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->briefs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->cancellable = g_cancellable_new ();
}
