/* xg-add-friend-window.c: find someone by email and ask them to be friends
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two steps, each checked here before the server is asked: Find (is it an
 * address, is it not our own) shows who has the address; Send (a greeting
 * within the rules) asks them. What the window already knows is said
 * instead of asking again: a friend already, a request already waiting
 * for their answer (and since when), or one from them waiting for ours
 * (sending then makes the two friends at once). It follows the contacts
 * and requests models, so that changes while it is open show too. Editing
 * the address while Find waits gives that find up; an answer speaks of
 * the address that was looked up, whatever the entry says by then.
 *
 * Nothing waits forever: a call needs a live login to start, and one the
 * server does not answer in time says so (the session bounds every call,
 * XgSession:request-timeout). Once the
 * request is sent the window emits XgAddFriendWindow::sent and closes; the
 * main window tells the user with a toast.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-add-friend-window.h"
#include "xg-app-util.h"
#include "xg-proto-limits.h"

struct _XgAddFriendWindow
{
  AdwWindow         parent_instance;

  /* Template children */
  AdwPreferencesGroup *email_group;
  AdwEntryRow      *email_row;
  GtkButton        *find_button;
  GtkSpinner       *find_spinner;
  GtkLabel         *find_error;
  AdwPreferencesGroup *found_group;
  AdwAvatar        *found_avatar;
  GtkLabel         *found_nickname;
  GtkLabel         *found_account;
  GtkLabel         *found_note;
  AdwPreferencesGroup *greeting_group;
  AdwEntryRow      *greeting_row;
  GtkLabel         *greeting_count;
  GtkLabel         *send_error;
  GtkButton        *send_button;
  GtkSpinner       *send_spinner;

  XgSession        *session;
  GSignalGroup     *contacts_signals;
  GSignalGroup     *requests_signals;
  GCancellable     *cancellable;      /* the call in flight */
  XgProfile        *found;            /* who has the address, once found */
  char             *found_email;      /* the address as it was found */
  gboolean          finding;
  gboolean          sending;
  gboolean          can_send;         /* the found person may be asked */
  gboolean          disposed;
};

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum {
  SENT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (XgAddFriendWindow, xg_add_friend_window, ADW_TYPE_WINDOW)

XgSession *
xg_add_friend_window_get_session (XgAddFriendWindow *self)
{
  g_return_val_if_fail (XG_IS_ADD_FRIEND_WINDOW (self), NULL);
  return self->session;
}

XgProfile *
xg_add_friend_window_get_found (XgAddFriendWindow *self)
{
  g_return_val_if_fail (XG_IS_ADD_FRIEND_WINDOW (self), NULL);
  return self->found;
}

/* --- Calls that give up ---------------------------------------------------------- */

static void
set_finding (XgAddFriendWindow *self,
             gboolean           finding)
{
  self->finding = finding;
  gtk_widget_set_visible (GTK_WIDGET (self->find_spinner), finding);
  gtk_spinner_set_spinning (self->find_spinner, finding);
  gtk_widget_set_sensitive (GTK_WIDGET (self->find_button), !finding && !self->sending);
}

static void update_send_button (XgAddFriendWindow *self);

static void
set_sending (XgAddFriendWindow *self,
             gboolean           sending)
{
  self->sending = sending;
  gtk_widget_set_visible (GTK_WIDGET (self->send_spinner), sending);
  gtk_spinner_set_spinning (self->send_spinner, sending);
  gtk_editable_set_editable (GTK_EDITABLE (self->email_row), !sending);
  gtk_editable_set_editable (GTK_EDITABLE (self->greeting_row), !sending);
  gtk_widget_set_sensitive (GTK_WIDGET (self->find_button), !sending && !self->finding);
  update_send_button (self);
}

static void
end_call (XgAddFriendWindow *self)
{
  g_clear_object (&self->cancellable);
}

static GCancellable *
begin_call (XgAddFriendWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  end_call (self);
  self->cancellable = g_cancellable_new ();
  return self->cancellable;
}

static gboolean
abandoned (XgAddFriendWindow *self,
           const GError      *error)
{
  return self == NULL || self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Calls hold the window weakly: one that comes back late must not keep
 * it alive past its parent (GTK 4.8 lets go of a transient parent only
 * when the window is finalized, and would touch a freed main window). */
static gpointer
weak_self (XgAddFriendWindow *self)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  return ref;
}

static XgAddFriendWindow *
steal_self (gpointer user_data)
{
  GWeakRef *ref = user_data;
  XgAddFriendWindow *self = g_weak_ref_get (ref);

  g_weak_ref_clear (ref);
  g_free (ref);
  return self;
}

/* A find in flight: the window, weakly, and the address it looks up (the
 * entry may say something else by the time the answer comes). */
typedef struct {
  GWeakRef  self;
  char     *email;
} Find;

static Find *
find_new (XgAddFriendWindow *self,
          const char        *email)
{
  Find *find = g_new0 (Find, 1);

  g_weak_ref_init (&find->self, self);
  find->email = g_strdup (email);
  return find;
}

static void
find_free (Find *find)
{
  g_weak_ref_clear (&find->self);
  g_free (find->email);
  g_free (find);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Find, find_free)

/* --- Who was found ------------------------------------------------------------------ */

static const char *
found_name (XgAddFriendWindow *self)
{
  const char *nickname = self->found ? xg_profile_get_nickname (self->found) : NULL;

  return nickname != NULL && nickname[0] != '\0' ? nickname : self->found_email;
}

/* A focused GtkText that is hidden never hears that it lost the focus
 * (GTK 4.8) and keeps blinking: let go of it first. */
static void
release_focus_in (XgAddFriendWindow *self,
                  GtkWidget         *container)
{
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));

  if (focus != NULL && gtk_widget_is_ancestor (focus, container))
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
}

static void
update_send_button (XgAddFriendWindow *self)
{
  const char *greeting = gtk_editable_get_text (GTK_EDITABLE (self->greeting_row));

  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button),
                            self->can_send && !self->sending && xg_proto_greeting_is_valid (greeting));
}

/* What this account already has with the found person, said in the card:
 * a friend, a request of ours waiting, or one of theirs. */
static void
update_relation (XgAddFriendWindow *self)
{
  XgContacts *contacts = xg_session_get_contacts (self->session);
  XgFriendRequests *requests = xg_session_get_friend_requests (self->session);
  g_autofree char *note = NULL;
  XgFriendRequest *request;
  guint64 id;

  if (self->found == NULL)
    return;
  id = xg_profile_get_account_id (self->found);
  self->can_send = TRUE;

  if (contacts != NULL && xg_contacts_lookup (contacts, id) != NULL)
    {
      note = g_strdup_printf (_("%s is already your friend."), found_name (self));
      self->can_send = FALSE;
    }
  else if (requests != NULL && (request = xg_friend_requests_lookup (requests, TRUE, id)) != NULL)
    {
      g_autofree char *when = xg_format_relative_time (xg_friend_request_get_time (request),
                                                       g_get_real_time () / G_USEC_PER_SEC);

      /* Translators: a nickname, then when the request was sent ("2 hours ago") */
      note = g_strdup_printf (_("You already asked %s to be your friend (%s). The request is waiting for their answer."),
                              found_name (self), when);
      self->can_send = FALSE;
    }
  else if (requests != NULL && xg_friend_requests_lookup (requests, FALSE, id) != NULL)
    note = g_strdup_printf (_("%s has asked to be your friend. Sending your request accepts theirs, and you are friends at once."),
                            found_name (self));

  gtk_label_set_text (self->found_note, note ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->found_note), note != NULL);
  if (note != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->found_note),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, note, -1);
  if (!self->can_send && !self->sending)
    release_focus_in (self, GTK_WIDGET (self->greeting_group));
  gtk_widget_set_visible (GTK_WIDGET (self->greeting_group), self->can_send || self->sending);
  update_send_button (self);
}

static void
show_found (XgAddFriendWindow *self,
            XgProfile         *profile,
            const char        *email)
{
  g_autofree char *account = NULL;
  g_autofree char *avatar_label = NULL;

  g_set_object (&self->found, profile);
  g_free (self->found_email);
  self->found_email = g_strdup (email);

  if (profile == NULL)
    {
      release_focus_in (self, GTK_WIDGET (self->greeting_group));
      self->can_send = FALSE;
      gtk_widget_set_visible (GTK_WIDGET (self->found_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->greeting_group), FALSE);
      xg_set_inline_message (self->send_error, NULL);
      update_send_button (self);
      return;
    }

  gtk_label_set_text (self->found_nickname, found_name (self));
  adw_avatar_set_text (self->found_avatar, found_name (self));
  adw_avatar_set_custom_image (self->found_avatar, xg_profile_get_avatar_paintable (profile));
  avatar_label = g_strdup_printf (_("Picture of %s"), found_name (self));
  xg_label_avatar (self->found_avatar, avatar_label);
  {
    g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, xg_profile_get_account_id (profile));
    account = g_strdup_printf (_("Account number %s"), number);
  }
  gtk_label_set_text (self->found_account, account);
  gtk_widget_set_visible (GTK_WIDGET (self->found_group), TRUE);
  xg_set_inline_message (self->send_error, NULL);
  update_relation (self);
}

/* --- Find ------------------------------------------------------------------------------ */

static void
on_email_changed (XgAddFriendWindow *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->email_row));

  if (self->sending)
    return;
  /* The address looked up is not the one wanted any more: its answer is
   * not waited for (it comes back cancelled). */
  if (self->finding)
    {
      g_cancellable_cancel (self->cancellable);
      end_call (self);
      set_finding (self, FALSE);
    }
  xg_set_inline_message (self->find_error, NULL);
  /* Another address: who was found is not who it names. */
  if (self->found != NULL && g_strcmp0 (email, self->found_email) != 0)
    show_found (self, NULL, NULL);
}

static void
on_found (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Find) find = user_data;
  g_autoptr(XgAddFriendWindow) self = g_weak_ref_get (&find->self);
  g_autoptr(GError) error = NULL;
  g_autoptr(XgProfile) profile = xg_friend_requests_find_finish (XG_FRIEND_REQUESTS (source), result, &error);
  const char *email = find->email;
  g_autofree char *text = NULL;

  if (abandoned (self, error))
    return;
  end_call (self);
  set_finding (self, FALSE);

  if (profile == NULL)
    {
      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND))
        text = g_strdup_printf (_("Nobody on this server has the address %s."), email);
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_RATE_LIMITED))
        text = g_strdup (_("You have looked up too many addresses in the last hour. Try again later."));
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        text = g_strdup_printf (_("The server does not take “%s” as an email address."), email);
      else
        text = xg_session_error_text (error, 0, xg_session_get_server (self->session));
      xg_set_inline_message (self->find_error, text);
      return;
    }

  if (xg_profile_get_account_id (profile) == xg_session_get_account_id (self->session))
    {
      xg_set_inline_message (self->find_error, _("That is your own address. Enter the address of the person you want to add."));
      return;
    }
  show_found (self, profile, email);
  if (self->can_send)
    gtk_widget_grab_focus (GTK_WIDGET (self->greeting_row));
}

static void
on_find_clicked (XgAddFriendWindow *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->email_row));
  g_autofree char *normal = NULL;
  g_autofree char *own = NULL;
  XgFriendRequests *requests = xg_session_get_friend_requests (self->session);

  if (self->finding || self->sending)
    return;
  show_found (self, NULL, NULL);

  if (email[0] == '\0')
    {
      xg_set_inline_message (self->find_error, _("Enter the email address of the person you want to add."));
      return;
    }
  if (!xg_proto_email_is_valid (email))
    {
      g_autofree char *text = g_strdup_printf (_("“%s” is not an email address."), email);
      xg_set_inline_message (self->find_error, text);
      return;
    }
  normal = xg_proto_email_normalize (email);
  if (xg_session_get_email (self->session) != NULL)
    own = xg_proto_email_normalize (xg_session_get_email (self->session));
  if (own != NULL && g_strcmp0 (normal, own) == 0)
    {
      xg_set_inline_message (self->find_error, _("That is your own address. Enter the address of the person you want to add."));
      return;
    }
  if (requests == NULL || !xg_session_is_online (self->session))
    {
      xg_set_inline_message (self->find_error, xg_offline_text ());
      return;
    }

  xg_set_inline_message (self->find_error, NULL);
  set_finding (self, TRUE);
  xg_friend_requests_find_async (requests, email, begin_call (self), on_found, find_new (self, email));
}

/* --- Send ------------------------------------------------------------------------------ */

static void
on_greeting_changed (XgAddFriendWindow *self)
{
  const char *greeting = gtk_editable_get_text (GTK_EDITABLE (self->greeting_row));
  g_autofree char *count = xg_char_count_text (greeting, XG_PROTO_MAX_GREETING_CHARS);
  g_autofree char *count_label = NULL;
  gboolean valid = xg_proto_greeting_is_valid (greeting);

  gtk_label_set_text (self->greeting_count, count);
  if (valid)
    gtk_widget_remove_css_class (GTK_WIDGET (self->greeting_count), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->greeting_count), "error");
  count_label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "%ld of at most %u character",
                                              "%ld of at most %u characters",
                                              XG_PROTO_MAX_GREETING_CHARS),
                                 g_utf8_strlen (greeting, -1), XG_PROTO_MAX_GREETING_CHARS);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->greeting_count),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, count_label, -1);

  if (!valid)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "A greeting can have at most %u character, on one line.",
                                                            "A greeting can have at most %u characters, on one line.",
                                                            XG_PROTO_MAX_GREETING_CHARS),
                                               XG_PROTO_MAX_GREETING_CHARS);
      xg_set_inline_message (self->send_error, text);
    }
  else
    xg_set_inline_message (self->send_error, NULL);
  update_send_button (self);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(XgAddFriendWindow) self = steal_self (user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  gboolean became_friends = FALSE;

  xg_friend_requests_send_finish (XG_FRIEND_REQUESTS (source), result, &became_friends, &error);
  if (abandoned (self, error))
    return;
  end_call (self);
  set_sending (self, FALSE);
  name = g_strdup (found_name (self));

  if (error != NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_ALREADY_FRIENDS))
        text = g_strdup_printf (_("You and %s are friends already."), name);
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND))
        text = g_strdup_printf (_("%s’s account no longer exists or has been disabled."), name);
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        text = g_strdup (_("The server did not accept this request. Check the greeting and try again."));
      else
        text = xg_session_error_text (error, 0, xg_session_get_server (self->session));
      xg_set_inline_message (self->send_error, text);
      return;
    }

  g_signal_emit (self, signals[SENT], 0, name, became_friends);
  gtk_window_close (GTK_WINDOW (self));
}

static void
on_send_clicked (XgAddFriendWindow *self)
{
  const char *greeting = gtk_editable_get_text (GTK_EDITABLE (self->greeting_row));
  g_autofree char *stripped = g_strstrip (g_strdup (greeting));
  XgFriendRequests *requests = xg_session_get_friend_requests (self->session);

  if (self->sending || self->finding || self->found == NULL || !self->can_send)
    return;
  if (!xg_proto_greeting_is_valid (stripped))
    {
      on_greeting_changed (self);
      return;
    }
  if (requests == NULL || !xg_session_is_online (self->session))
    {
      xg_set_inline_message (self->send_error, xg_offline_text ());
      return;
    }

  xg_set_inline_message (self->send_error, NULL);
  set_sending (self, TRUE);
  xg_friend_requests_send_async (requests, self->found, stripped, begin_call (self),
                                 on_sent, weak_self (self));
}

/* --- The models ---------------------------------------------------------------------- */

static void
on_session_models_changed (XgAddFriendWindow *self)
{
  g_signal_group_set_target (self->contacts_signals, xg_session_get_contacts (self->session));
  g_signal_group_set_target (self->requests_signals, xg_session_get_friend_requests (self->session));
  update_relation (self);
}

/* --- GObject ------------------------------------------------------------------------------ */

static void
xg_add_friend_window_constructed (GObject *object)
{
  XgAddFriendWindow *self = XG_ADD_FRIEND_WINDOW (object);

  G_OBJECT_CLASS (xg_add_friend_window_parent_class)->constructed (object);

  g_assert (self->session != NULL);
  g_signal_connect_object (self->session, "notify::contacts",
                           G_CALLBACK (on_session_models_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::friend-requests",
                           G_CALLBACK (on_session_models_changed), self, G_CONNECT_SWAPPED);
  on_session_models_changed (self);
}

static void
xg_add_friend_window_dispose (GObject *object)
{
  XgAddFriendWindow *self = XG_ADD_FRIEND_WINDOW (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  end_call (self);
  if (self->contacts_signals != NULL)
    g_signal_group_set_target (self->contacts_signals, NULL);
  if (self->requests_signals != NULL)
    g_signal_group_set_target (self->requests_signals, NULL);
  g_clear_object (&self->contacts_signals);
  g_clear_object (&self->requests_signals);
  g_clear_object (&self->found);
  g_clear_pointer (&self->found_email, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_ADD_FRIEND_WINDOW);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (xg_add_friend_window_parent_class)->dispose (object);
}

static void
xg_add_friend_window_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  XgAddFriendWindow *self = XG_ADD_FRIEND_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_add_friend_window_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  XgAddFriendWindow *self = XG_ADD_FRIEND_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_add_friend_window_class_init (XgAddFriendWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = xg_add_friend_window_constructed;
  object_class->dispose = xg_add_friend_window_dispose;
  object_class->get_property = xg_add_friend_window_get_property;
  object_class->set_property = xg_add_friend_window_set_property;

  /**
   * XgAddFriendWindow:session:
   *
   * The logged-in session that looks people up and asks them.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         XG_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * XgAddFriendWindow::sent:
   * @nickname: whom the request went to
   * @became_friends: they had asked this account too: friends now
   *
   * The request is sent (the server has it); the window closes next.
   */
  signals[SENT] =
    g_signal_new ("sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-add-friend-window.ui");
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, email_group);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, email_row);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, find_button);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, find_spinner);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, find_error);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, found_group);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, found_avatar);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, found_nickname);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, found_account);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, found_note);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, greeting_group);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, greeting_row);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, greeting_count);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, send_error);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, send_button);
  gtk_widget_class_bind_template_child (widget_class, XgAddFriendWindow, send_spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_email_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_find_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_greeting_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_send_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
xg_add_friend_window_init (XgAddFriendWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->contacts_signals = g_signal_group_new (XG_TYPE_CONTACTS);
  g_signal_group_connect_swapped (self->contacts_signals, "items-changed",
                                  G_CALLBACK (update_relation), self);
  self->requests_signals = g_signal_group_new (XG_TYPE_FRIEND_REQUESTS);
  g_signal_group_connect_swapped (self->requests_signals, "items-changed",
                                  G_CALLBACK (update_relation), self);

  xg_label_entry_row (self->email_row);
  xg_label_entry_row (self->greeting_row);
  xg_label_preferences_group (self->email_group, _("Email Address"));
  xg_label_preferences_group (self->greeting_group, _("Greeting"));
  on_greeting_changed (self);
}

XgAddFriendWindow *
xg_add_friend_window_new (XgSession *session)
{
  XgAddFriendWindow *self;

  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  self = g_object_new (XG_TYPE_ADD_FRIEND_WINDOW,
                       "session", session,
                       NULL);
  xg_follow_account_title (GTK_WINDOW (self), _("Add Friend"), session);
  return self;
}
