/* xg-friend-page.c: a friend's page, in the main window's content pane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The friend's picture, name (the remark this account gave them, with
 * the nickname under it when the remark hides it), presence, and public
 * profile (fields they left empty are left out), all following the
 * contact live. The remark is edited in place and saved with its apply
 * button; "Remove Friend" asks first. Opening the page fetches the
 * profile again. The page does not close itself: the main window closes
 * it when the contact leaves the list, whoever ended the friendship.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-friend-page.h"
#include "xg-proto-limits.h"

struct _XgFriendPage
{
  AdwBin         parent_instance;

  /* Template children */
  AdwAvatar     *avatar;
  GtkLabel      *name_label;
  GtkLabel      *nickname_label;
  GtkWidget     *presence;
  GtkLabel      *presence_label;
  AdwPreferencesGroup *remark_group;
  AdwEntryRow   *remark_row;
  GtkSpinner    *remark_spinner;
  GtkLabel      *remark_error;
  AdwActionRow  *account_row;
  GtkLabel      *account_label;
  AdwActionRow  *signature_row;
  GtkLabel      *signature_label;
  AdwActionRow  *region_row;
  GtkLabel      *region_label;
  AdwActionRow  *gender_row;
  GtkLabel      *gender_label;
  AdwActionRow  *birthday_row;
  GtkLabel      *birthday_label;
  GtkButton     *remove_button;
  GtkButton     *send_message_button;
  GtkLabel      *remove_error;

  XgSession     *session;
  XgContact     *contact;
  GSignalGroup  *contact_signals;
  GSignalGroup  *profile_signals;
  GCancellable  *cancellable;        /* the profile refresh of this contact */
  GCancellable  *remark_cancellable; /* the remark being saved */
  GCancellable  *remove_cancellable; /* the removal under way */
  char          *loaded_remark;      /* what the remark row last took from the contact */
  gboolean       saving_remark;
  gboolean       removing;
  GtkWindow     *remove_dialog;      /* weak */
  gboolean       disposed;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CONTACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (XgFriendPage, xg_friend_page, ADW_TYPE_BIN)

XgSession *
xg_friend_page_get_session (XgFriendPage *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_PAGE (self), NULL);
  return self->session;
}

XgContact *
xg_friend_page_get_contact (XgFriendPage *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_PAGE (self), NULL);
  return self->contact;
}

GtkWindow *
xg_friend_page_get_remove_dialog (XgFriendPage *self)
{
  g_return_val_if_fail (XG_IS_FRIEND_PAGE (self), NULL);
  return self->remove_dialog;
}

static const char *
display_name (XgFriendPage *self)
{
  return self->contact ? xg_contact_get_display_name (self->contact) : "";
}

/* --- What the page shows ------------------------------------------------------- */

static void
set_field (AdwActionRow *row,
           GtkLabel     *label,
           const char   *value)
{
  gboolean shown = value != NULL && value[0] != '\0';

  gtk_label_set_text (label, shown ? value : "");
  gtk_widget_set_visible (GTK_WIDGET (row), shown);
}

static void
update_profile (XgFriendPage *self)
{
  XgProfile *profile = self->contact ? xg_contact_get_profile (self->contact) : NULL;
  g_autofree char *account = NULL;
  g_autofree char *birthday = NULL;

  if (profile == NULL)
    return;
  account = g_strdup_printf ("%" G_GUINT64_FORMAT, xg_contact_get_account_id (self->contact));
  birthday = xg_format_birthday (xg_profile_get_birthday (profile));
  set_field (self->account_row, self->account_label, account);
  set_field (self->signature_row, self->signature_label, xg_profile_get_signature (profile));
  set_field (self->region_row, self->region_label, xg_profile_get_region (profile));
  set_field (self->gender_row, self->gender_label, xg_gender_label (xg_profile_get_gender (profile)));
  set_field (self->birthday_row, self->birthday_label, birthday);
  adw_avatar_set_custom_image (self->avatar, xg_profile_get_avatar_paintable (profile));
}

static void
update_names (XgFriendPage *self)
{
  const char *remark = self->contact ? xg_contact_get_remark (self->contact) : "";
  const char *nickname = self->contact ? xg_contact_get_nickname (self->contact) : NULL;
  g_autofree char *picture = g_strdup_printf (_("Picture of %s"), display_name (self));
  g_autofree char *remove = g_strdup_printf (_("Remove %s from your friends"), display_name (self));

  gtk_label_set_text (self->name_label, display_name (self));
  adw_avatar_set_text (self->avatar, display_name (self));
  xg_label_avatar (self->avatar, picture);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, remove, -1);

  /* A remark hides the nickname: say it under the name. */
  if (remark != NULL && remark[0] != '\0' && nickname != NULL && nickname[0] != '\0')
    {
      g_autofree char *text = g_strdup_printf (_("Nickname: %s"), nickname);
      gtk_label_set_text (self->nickname_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->nickname_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->nickname_label), FALSE);
}

static void
update_presence (XgFriendPage *self)
{
  gboolean online = self->contact != NULL && xg_contact_get_online (self->contact);

  gtk_label_set_text (self->presence_label, online ? _("Online") : _("Offline"));
  if (online)
    {
      gtk_widget_add_css_class (self->presence, "online");
      gtk_widget_remove_css_class (self->presence, "offline");
    }
  else
    {
      gtk_widget_add_css_class (self->presence, "offline");
      gtk_widget_remove_css_class (self->presence, "online");
    }
}

/* The row takes the contact's remark unless the user is editing it. */
static void
update_remark (XgFriendPage *self,
               gboolean      force)
{
  const char *remark = self->contact ? xg_contact_get_remark (self->contact) : "";
  const char *shown = gtk_editable_get_text (GTK_EDITABLE (self->remark_row));

  if (force || g_strcmp0 (shown, self->loaded_remark) == 0)
    gtk_editable_set_text (GTK_EDITABLE (self->remark_row), remark);
  g_free (self->loaded_remark);
  self->loaded_remark = g_strdup (remark);
}

static void
on_remark_notify (XgFriendPage *self)
{
  if (!self->saving_remark)
    update_remark (self, FALSE);
  update_names (self);
}

/* --- The remark ------------------------------------------------------------------- */

static void
set_saving_remark (XgFriendPage *self,
                   gboolean      saving)
{
  self->saving_remark = saving;
  gtk_widget_set_visible (GTK_WIDGET (self->remark_spinner), saving);
  gtk_spinner_set_spinning (self->remark_spinner, saving);
  gtk_editable_set_editable (GTK_EDITABLE (self->remark_row), !saving);
  if (!saving)
    {
      /* An answer that comes after this is not waited for any more. */
      g_cancellable_cancel (self->remark_cancellable);
      g_clear_object (&self->remark_cancellable);
    }
}

/* What is wrong with @remark, or NULL. */
static char *
remark_problem (const char *remark)
{
  if (xg_proto_remark_is_valid (remark))
    return NULL;
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "A remark can have at most %u character, on one line.",
                                       "A remark can have at most %u characters, on one line.",
                                       XG_PROTO_MAX_REMARK_CHARS),
                          XG_PROTO_MAX_REMARK_CHARS);
}

static void
on_remark_changed (XgFriendPage *self)
{
  g_autofree char *remark = xg_editable_dup_stripped (GTK_EDITABLE (self->remark_row));
  g_autofree char *problem = remark_problem (remark);

  if (!self->saving_remark)
    xg_set_inline_message (self->remark_error, problem);
}

static void
on_remark_set (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XgFriendPage) self = user_data;
  g_autoptr(GError) error = NULL;

  xg_contacts_set_remark_finish (XG_CONTACTS (source), result, &error);
  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_saving_remark (self, FALSE);
  if (error != NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        text = g_strdup (_("The server did not accept this remark."));
      else
        text = xg_session_error_text (error, 0, xg_session_get_server (self->session));
      xg_set_inline_message (self->remark_error, text);
      return;
    }
  update_remark (self, TRUE);
}

static void
on_remark_apply (XgFriendPage *self)
{
  g_autofree char *remark = xg_editable_dup_stripped (GTK_EDITABLE (self->remark_row));
  XgContacts *contacts = xg_session_get_contacts (self->session);
  g_autofree char *problem = remark_problem (remark);

  if (self->contact == NULL || self->saving_remark)
    return;
  if (problem != NULL)
    {
      xg_set_inline_message (self->remark_error, problem);
      return;
    }
  if (g_strcmp0 (remark, xg_contact_get_remark (self->contact)) == 0)
    {
      /* Nothing to save; show it as it is kept. */
      gtk_editable_set_text (GTK_EDITABLE (self->remark_row), remark);
      xg_set_inline_message (self->remark_error, NULL);
      return;
    }
  if (contacts == NULL || !xg_session_is_online (self->session))
    {
      xg_set_inline_message (self->remark_error, xg_offline_text ());
      return;
    }

  xg_set_inline_message (self->remark_error, NULL);
  set_saving_remark (self, TRUE);
  self->remark_cancellable = g_cancellable_new ();
  xg_contacts_set_remark_async (contacts, self->contact, remark, self->remark_cancellable,
                                on_remark_set, g_object_ref (self));
}

/* --- Removing ------------------------------------------------------------------------ */

static void
set_removing (XgFriendPage *self,
              gboolean      removing)
{
  self->removing = removing;
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_button), !removing);
  if (!removing)
    {
      g_cancellable_cancel (self->remove_cancellable);
      g_clear_object (&self->remove_cancellable);
    }
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(XgFriendPage) self = user_data;
  g_autoptr(GError) error = NULL;

  xg_contacts_remove_finish (XG_CONTACTS (source), result, &error);
  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_removing (self, FALSE);
  if (error != NULL)
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        text = g_strdup (_("You are not friends any more."));
      else
        text = xg_session_error_text (error, 0, xg_session_get_server (self->session));
      xg_set_inline_message (self->remove_error, text);
    }
  /* Done: the contact leaves the list, and the main window closes the page. */
}

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    XgFriendPage     *self)
{
  XgContacts *contacts = xg_session_get_contacts (self->session);
  XgContact *contact = g_object_get_data (G_OBJECT (dialog), "xg-contact");

  if (!g_str_equal (response, "remove") || self->removing || contact == NULL || contact != self->contact)
    return;
  if (contacts == NULL || !xg_session_is_online (self->session))
    {
      xg_set_inline_message (self->remove_error, xg_offline_text ());
      return;
    }
  xg_set_inline_message (self->remove_error, NULL);
  set_removing (self, TRUE);
  self->remove_cancellable = g_cancellable_new ();
  xg_contacts_remove_async (contacts, contact, self->remove_cancellable, on_removed, g_object_ref (self));
}

static void
on_remove_clicked (XgFriendPage *self)
{
  GtkWidget *dialog;
  const char *name = display_name (self);

  if (self->contact == NULL || self->removing)
    return;
  if (self->remove_dialog != NULL)
    {
      gtk_window_present (self->remove_dialog);
      return;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), NULL, NULL);
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Remove %s?"), name);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("You and %s will no longer be friends, on both sides, and your remark for them is deleted. Either of you can send a new friend request later."),
                                  name);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "xg-contact", g_object_ref (self->contact), g_object_unref);
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);

  self->remove_dialog = GTK_WINDOW (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->remove_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- The contact ------------------------------------------------------------------- */

static void
on_refreshed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The page shows what was kept; a newer profile, when it comes, shows
   * by itself. */
  if (!xg_contacts_refresh_finish (XG_CONTACTS (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Refreshing a friend's profile failed: %s", error->message);
}

static void
close_remove_dialog (XgFriendPage *self)
{
  if (self->remove_dialog != NULL)
    {
      GtkWindow *dialog = self->remove_dialog;

      g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->remove_dialog);
      self->remove_dialog = NULL;
      gtk_window_destroy (dialog);
    }
}

void
xg_friend_page_set_contact (XgFriendPage *self,
                            XgContact    *contact)
{
  XgContacts *contacts;

  g_return_if_fail (XG_IS_FRIEND_PAGE (self));
  g_return_if_fail (contact == NULL || XG_IS_CONTACT (contact));

  if (self->contact == contact)
    return;

  /* What was under way was about the one shown before. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_saving_remark (self, FALSE);
  set_removing (self, FALSE);
  close_remove_dialog (self);
  xg_set_inline_message (self->remark_error, NULL);
  xg_set_inline_message (self->remove_error, NULL);

  g_set_object (&self->contact, contact);
  g_signal_group_set_target (self->contact_signals, contact);
  g_signal_group_set_target (self->profile_signals, contact ? xg_contact_get_profile (contact) : NULL);
  update_remark (self, TRUE);
  update_names (self);
  update_presence (self);
  update_profile (self);
  /* Send Message opens the chat with them (win.open-chat of the main window). */
  if (contact != NULL)
    {
      gtk_actionable_set_action_target (GTK_ACTIONABLE (self->send_message_button), "t",
                                        xg_contact_get_account_id (contact));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->send_message_button), "win.open-chat");
    }
  else
    gtk_actionable_set_action_name (GTK_ACTIONABLE (self->send_message_button), NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);

  contacts = xg_session_get_contacts (self->session);
  if (contact != NULL && contacts != NULL && xg_session_is_online (self->session))
    xg_contacts_refresh_async (contacts, contact, self->cancellable, on_refreshed, NULL);
}

/* --- GObject ------------------------------------------------------------------------ */

static void
xg_friend_page_dispose (GObject *object)
{
  XgFriendPage *self = XG_FRIEND_PAGE (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->remark_cancellable);
  g_clear_object (&self->remark_cancellable);
  g_cancellable_cancel (self->remove_cancellable);
  g_clear_object (&self->remove_cancellable);
  close_remove_dialog (self);
  if (self->contact_signals != NULL)
    g_signal_group_set_target (self->contact_signals, NULL);
  if (self->profile_signals != NULL)
    g_signal_group_set_target (self->profile_signals, NULL);
  g_clear_object (&self->contact_signals);
  g_clear_object (&self->profile_signals);
  g_clear_object (&self->contact);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_FRIEND_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (xg_friend_page_parent_class)->dispose (object);
}

static void
xg_friend_page_finalize (GObject *object)
{
  XgFriendPage *self = XG_FRIEND_PAGE (object);

  g_free (self->loaded_remark);

  G_OBJECT_CLASS (xg_friend_page_parent_class)->finalize (object);
}

static void
xg_friend_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  XgFriendPage *self = XG_FRIEND_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_CONTACT:
      g_value_set_object (value, self->contact);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_friend_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  XgFriendPage *self = XG_FRIEND_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_CONTACT:
      xg_friend_page_set_contact (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_friend_page_class_init (XgFriendPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xg_friend_page_dispose;
  object_class->finalize = xg_friend_page_finalize;
  object_class->get_property = xg_friend_page_get_property;
  object_class->set_property = xg_friend_page_set_property;

  /**
   * XgFriendPage:session:
   *
   * The logged-in session the friend belongs to.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         XG_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * XgFriendPage:contact:
   *
   * The friend shown, or %NULL.
   */
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL,
                         XG_TYPE_CONTACT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-friend-page.ui");
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, avatar);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, nickname_label);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, presence);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, presence_label);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, remark_group);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, remark_row);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, remark_spinner);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, remark_error);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, account_row);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, account_label);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, signature_row);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, signature_label);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, region_row);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, region_label);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, gender_row);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, gender_label);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, birthday_row);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, birthday_label);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, remove_button);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, send_message_button);
  gtk_widget_class_bind_template_child (widget_class, XgFriendPage, remove_error);
  gtk_widget_class_bind_template_callback (widget_class, on_remark_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_remark_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
}

static void
xg_friend_page_init (XgFriendPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->loaded_remark = g_strdup ("");
  self->contact_signals = g_signal_group_new (XG_TYPE_CONTACT);
  g_signal_group_connect_swapped (self->contact_signals, "notify::remark",
                                  G_CALLBACK (on_remark_notify), self);
  g_signal_group_connect_swapped (self->contact_signals, "notify::display-name",
                                  G_CALLBACK (update_names), self);
  g_signal_group_connect_swapped (self->contact_signals, "notify::online",
                                  G_CALLBACK (update_presence), self);
  self->profile_signals = g_signal_group_new (XG_TYPE_PROFILE);
  g_signal_group_connect_swapped (self->profile_signals, "notify",
                                  G_CALLBACK (update_profile), self);
  xg_label_entry_row (self->remark_row);
  xg_label_preferences_group (self->remark_group, _("Remark"));
  update_names (self);
  update_presence (self);
}

GtkWidget *
xg_friend_page_new (XgSession *session)
{
  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  return g_object_new (XG_TYPE_FRIEND_PAGE,
                       "session", session,
                       NULL);
}
