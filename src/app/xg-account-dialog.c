/* xg-account-dialog.c: change the password or the address, or delete the account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One modal window with a page per task (docs/PROTOCOL.md 3.8); the
 * profile window opens it. Each asks for the current password; errors
 * show under the form. Deleting asks once more in a message dialog that
 * says what will happen.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-account-dialog.h"
#include "xg-app-util.h"
#include "xg-proto-limits.h"

struct _XgAccountDialog
{
  AdwWindow            parent_instance;

  /* Template children */
  AdwWindowTitle      *window_title;
  GtkStack            *stack;
  AdwEntryRow         *current_row;       /* password page */
  AdwEntryRow         *new_password_row;
  AdwEntryRow         *confirm_row;
  GtkLabel            *password_error;
  GtkButton           *password_button;
  AdwEntryRow         *new_email_row;     /* email page */
  AdwEntryRow         *email_password_row;
  GtkButton           *send_code_button;
  GtkLabel            *email_note;
  AdwEntryRow         *code_row;
  GtkLabel            *email_error;
  GtkButton           *email_button;
  AdwEntryRow         *delete_password_row; /* delete page */
  AdwEntryRow         *delete_email_row;
  GtkLabel            *delete_error;
  GtkButton           *delete_button;

  XgSession           *session;
  XgAccountDialogMode  mode;
  GCancellable        *cancellable;
  char                *code_email;        /* where the address change code went */
  XgCountdown          countdown;         /* before another code may be sent */
  gboolean             busy;
};

G_DEFINE_FINAL_TYPE (XgAccountDialog, xg_account_dialog, ADW_TYPE_WINDOW)

enum {
  DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* A call in flight holds the dialog weakly: when its window goes (the
 * account was deleted, so the main and profile windows went), the answer
 * finds nobody to show it to. */
static gpointer
weak_ref (XgAccountDialog *self)
{
  GWeakRef *ref = g_new (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  return ref;
}

static gpointer
take_weak_ref (gpointer data)
{
  GWeakRef *ref = data;
  gpointer self = g_weak_ref_get (ref);

  g_weak_ref_clear (ref);
  g_free (ref);
  return self;
}

static gboolean
abandoned (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static GCancellable *
new_cancellable (XgAccountDialog *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  return self->cancellable;
}

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
set_busy (XgAccountDialog *self,
          gboolean         busy)
{
  GtkWidget *page = gtk_stack_get_visible_child (self->stack);

  if (busy)
    gtk_window_set_focus (GTK_WINDOW (self), NULL);
  self->busy = busy;
  gtk_widget_set_sensitive (page, !busy);
}

/* The sentence for a failed call, and the row it is about. */
static char *
error_text (XgAccountDialog  *self,
            const GError     *error,
            guint             retry_after,
            guint             attempts_left,
            AdwEntryRow     **row)
{
  if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_BAD_CREDENTIALS))
    {
      *row = self->mode == XG_ACCOUNT_DIALOG_PASSWORD ? self->current_row
             : self->mode == XG_ACCOUNT_DIALOG_EMAIL ? self->email_password_row : self->delete_password_row;
      if (retry_after > 0)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "The password is wrong. Try again in %u second.",
                                             "The password is wrong. Try again in %u seconds.",
                                             retry_after),
                                retry_after);
      return g_strdup (_("The password is wrong."));
    }
  if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_CODE_INCORRECT))
    {
      *row = self->code_row;
      if (attempts_left == 0)
        return g_strdup (_("The code is wrong, and no attempts are left. Send a new code."));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "The code is wrong. %u attempt is left.",
                                           "The code is wrong. %u attempts are left.",
                                           attempts_left),
                              attempts_left);
    }
  if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_EMAIL_TAKEN))
    {
      *row = self->new_email_row;
      return g_strdup (_("This email address already has an account. Choose another one."));
    }
  if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
    {
      switch (self->mode)
        {
        case XG_ACCOUNT_DIALOG_PASSWORD:
          *row = self->new_password_row;
          return g_strdup (_("A password needs 8 to 1024 bytes."));
        case XG_ACCOUNT_DIALOG_EMAIL:
          *row = self->new_email_row;
          return g_strdup (_("Enter a valid email address that is not your current one."));
        case XG_ACCOUNT_DIALOG_DELETE:
        default:
          *row = self->delete_email_row;
          return g_strdup (_("Type your account’s email address to confirm."));
        }
    }
  return xg_session_error_text (error, retry_after, xg_session_get_server (self->session));
}

static void
show_error (XgAccountDialog *self,
            GtkLabel        *label,
            const GError    *error,
            guint            retry_after,
            guint            attempts_left)
{
  AdwEntryRow *row = NULL;
  g_autofree char *text = error_text (self, error, retry_after, attempts_left, &row);

  xg_set_inline_message (label, text);
  if (row != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (row));
}

static void
finish (XgAccountDialog *self,
        const char      *message)
{
  g_signal_emit (self, signals[DONE], 0, message);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* --- Change password ------------------------------------------------------ */

static void
check_password_form (XgAccountDialog *self)
{
  const char *password = text_of (self->new_password_row);
  const char *confirm = text_of (self->confirm_row);

  if (confirm[0] != '\0' && !g_str_equal (password, confirm) && !g_str_has_prefix (password, confirm))
    xg_set_inline_message (self->password_error, _("The passwords do not match."));
  else
    xg_set_inline_message (self->password_error, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_button),
                            text_of (self->current_row)[0] != '\0' && password[0] != '\0' && confirm[0] != '\0');
}

static void
on_password_changed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(XgAccountDialog) self = take_weak_ref (user_data);
  g_autoptr(GError) error = NULL;
  guint retry_after = 0;

  xg_session_change_password_finish (XG_SESSION (source), result, &retry_after, &error);
  if (self == NULL || abandoned (error))
    return;
  set_busy (self, FALSE);
  if (error != NULL)
    {
      show_error (self, self->password_error, error, retry_after, 0);
      return;
    }
  finish (self, _("Your password was changed. Other devices were logged out."));
}

static void
on_password_clicked (XgAccountDialog *self)
{
  const char *password = text_of (self->new_password_row);

  if (self->busy)
    return;
  if (!g_str_equal (password, text_of (self->confirm_row)))
    {
      xg_set_inline_message (self->password_error, _("The passwords do not match."));
      gtk_widget_grab_focus (GTK_WIDGET (self->confirm_row));
      return;
    }
  if (!xg_proto_password_is_valid (password))
    {
      xg_set_inline_message (self->password_error, _("A password needs 8 to 1024 bytes."));
      gtk_widget_grab_focus (GTK_WIDGET (self->new_password_row));
      return;
    }
  if (!xg_session_is_online (self->session))
    {
      xg_set_inline_message (self->password_error, xg_offline_text ());
      return;
    }
  xg_set_inline_message (self->password_error, NULL);
  set_busy (self, TRUE);
  xg_session_change_password_async (self->session, text_of (self->current_row), password,
                                    new_cancellable (self), on_password_changed, weak_ref (self));
}

/* --- Change email --------------------------------------------------------- */

static void
update_send_code_button (XgAccountDialog *self)
{
  xg_code_button_update (self->send_code_button, &self->countdown,
                         FALSE, self->code_email != NULL, !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->email_button),
                            self->code_email != NULL && text_of (self->code_row)[0] != '\0');
}

static void
on_email_input_changed (XgAccountDialog *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->new_email_row));

  if (self->code_email != NULL && !xg_proto_email_equal (email, self->code_email))
    {
      g_clear_pointer (&self->code_email, g_free);
      xg_countdown_start (&self->countdown, 0);
      xg_set_inline_message (self->email_note, NULL);
    }
  xg_set_inline_message (self->email_error, NULL);
  update_send_code_button (self);
}

static void
on_email_code_sent (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(XgAccountDialog) self = take_weak_ref (user_data);
  g_autoptr(GError) error = NULL;
  guint resend_after = 0, expires_in = 0;

  xg_session_request_email_change_finish (XG_SESSION (source), result, &resend_after, &expires_in, &error);
  if (self == NULL || abandoned (error))
    return;
  set_busy (self, FALSE);
  if (error != NULL)
    {
      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_RATE_LIMITED))
        xg_countdown_start (&self->countdown, resend_after);
      show_error (self, self->email_error, error, resend_after, 0);
      update_send_code_button (self);
      return;
    }

  {
    guint minutes = MAX ((expires_in + 59) / 60, 1);
    g_autofree char *note = NULL;

    g_free (self->code_email);
    self->code_email = xg_editable_dup_stripped (GTK_EDITABLE (self->new_email_row));
    note = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "A code was sent to %s. It is valid for %u minute.",
                                         "A code was sent to %s. It is valid for %u minutes.",
                                         minutes),
                            self->code_email, minutes);
    xg_set_inline_message (self->email_note, note);
    xg_countdown_start (&self->countdown, resend_after);
    gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
  }
}

static void
on_send_code_clicked (XgAccountDialog *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->new_email_row));

  if (self->busy || self->countdown.left > 0)
    return;
  xg_set_inline_message (self->email_error, NULL);
  if (!xg_proto_email_is_valid (email))
    {
      xg_set_inline_message (self->email_error, _("Enter a valid email address, like name@example.com."));
      gtk_widget_grab_focus (GTK_WIDGET (self->new_email_row));
      return;
    }
  if (text_of (self->email_password_row)[0] == '\0')
    {
      xg_set_inline_message (self->email_error, _("Enter your password."));
      gtk_widget_grab_focus (GTK_WIDGET (self->email_password_row));
      return;
    }
  if (!xg_session_is_online (self->session))
    {
      xg_set_inline_message (self->email_error, xg_offline_text ());
      return;
    }
  set_busy (self, TRUE);
  xg_session_request_email_change_async (self->session, email, text_of (self->email_password_row),
                                         new_cancellable (self), on_email_code_sent, weak_ref (self));
}

static void
on_email_changed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(XgAccountDialog) self = take_weak_ref (user_data);
  g_autoptr(GError) error = NULL;
  guint attempts_left = 0;
  g_autofree char *message = NULL;

  xg_session_confirm_email_change_finish (XG_SESSION (source), result, &attempts_left, &error);
  if (self == NULL || abandoned (error))
    return;
  set_busy (self, FALSE);
  if (error != NULL)
    {
      show_error (self, self->email_error, error, 0, attempts_left);
      return;
    }
  message = g_strdup_printf (_("Your email address is now %s."), xg_session_get_email (self->session));
  finish (self, message);
}

static void
on_email_clicked (XgAccountDialog *self)
{
  g_autofree char *code = xg_editable_dup_stripped (GTK_EDITABLE (self->code_row));

  if (self->busy || self->code_email == NULL)
    return;
  if (!xg_proto_code_is_valid (code))
    {
      xg_set_inline_message (self->email_error, _("The code has 6 digits; you find it in the email."));
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
      return;
    }
  if (!xg_session_is_online (self->session))
    {
      xg_set_inline_message (self->email_error, xg_offline_text ());
      return;
    }
  set_busy (self, TRUE);
  xg_session_confirm_email_change_async (self->session, self->code_email, code, new_cancellable (self),
                                         on_email_changed, weak_ref (self));
}

/* --- Delete account ------------------------------------------------------- */

static void
check_delete_form (XgAccountDialog *self)
{
  g_autofree char *typed = xg_editable_dup_stripped (GTK_EDITABLE (self->delete_email_row));
  const char *email = xg_session_get_email (self->session);

  xg_set_inline_message (self->delete_error, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->delete_button),
                            text_of (self->delete_password_row)[0] != '\0'
                            && email != NULL && xg_proto_email_equal (typed, email));
}

static void
on_deleted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(XgAccountDialog) self = take_weak_ref (user_data);
  g_autoptr(GError) error = NULL;
  guint retry_after = 0;

  xg_session_delete_account_finish (XG_SESSION (source), result, &retry_after, &error);
  if (self == NULL || abandoned (error))
    return;
  set_busy (self, FALSE);
  if (error != NULL)
    {
      show_error (self, self->delete_error, error, retry_after, 0);
      return;
    }
  /* The application shows the login window and says so there. */
  finish (self, _("Your account was deleted."));
}

static void
on_delete_confirmed (AdwMessageDialog *dialog,
                     const char       *response,
                     XgAccountDialog  *self)
{
  g_autofree char *typed = NULL;

  if (!g_str_equal (response, "delete") || self->busy)
    return;
  if (!xg_session_is_online (self->session))
    {
      xg_set_inline_message (self->delete_error, xg_offline_text ());
      return;
    }
  typed = xg_editable_dup_stripped (GTK_EDITABLE (self->delete_email_row));
  set_busy (self, TRUE);
  xg_session_delete_account_async (self->session, text_of (self->delete_password_row), typed,
                                   new_cancellable (self), on_deleted, weak_ref (self));
}

static void
on_delete_clicked (XgAccountDialog *self)
{
  AdwMessageDialog *dialog;

  if (self->busy)
    return;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Delete Your Account for Good?"),
                                                       _("Your account, your profile and your friend list are deleted "
                                                         "on the server and on this device. Your friends no longer see "
                                                         "you, and your waiting friend requests are withdrawn. This "
                                                         "cannot be undone; the email address can be used for a new "
                                                         "account afterwards.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "delete", _("_Delete Account"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_confirmed), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- GObject ---------------------------------------------------------------- */

static void
xg_account_dialog_dispose (GObject *object)
{
  XgAccountDialog *self = XG_ACCOUNT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  xg_countdown_stop (&self->countdown);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_ACCOUNT_DIALOG);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (xg_account_dialog_parent_class)->dispose (object);
}

static void
xg_account_dialog_finalize (GObject *object)
{
  XgAccountDialog *self = XG_ACCOUNT_DIALOG (object);

  g_free (self->code_email);

  G_OBJECT_CLASS (xg_account_dialog_parent_class)->finalize (object);
}

static void
xg_account_dialog_class_init (XgAccountDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xg_account_dialog_dispose;
  object_class->finalize = xg_account_dialog_finalize;

  /**
   * XgAccountDialog::done:
   * @message: what to tell the user
   */
  signals[DONE] =
    g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-account-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, current_row);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, new_password_row);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, password_error);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, password_button);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, new_email_row);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, email_password_row);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, send_code_button);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, email_note);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, code_row);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, email_error);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, email_button);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, delete_password_row);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, delete_email_row);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, delete_error);
  gtk_widget_class_bind_template_child (widget_class, XgAccountDialog, delete_button);
  gtk_widget_class_bind_template_callback (widget_class, check_password_form);
  gtk_widget_class_bind_template_callback (widget_class, on_password_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_email_input_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_send_code_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_email_clicked);
  gtk_widget_class_bind_template_callback (widget_class, check_delete_form);
  gtk_widget_class_bind_template_callback (widget_class, on_delete_clicked);
}

static void
xg_account_dialog_init (XgAccountDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  xg_countdown_init (&self->countdown, (XgCountdownTick) update_send_code_button, self);

  {
    AdwEntryRow *rows[] = {
      self->current_row, self->new_password_row, self->confirm_row, self->new_email_row,
      self->email_password_row, self->code_row, self->delete_password_row, self->delete_email_row,
    };
    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      xg_label_entry_row (rows[i]);
  }
}

/**
 * xg_account_dialog_new:
 * @session: a logged-in session
 * @parent: the window to stay over (modal)
 */
XgAccountDialog *
xg_account_dialog_new (XgSession           *session,
                       XgAccountDialogMode  mode,
                       GtkWindow           *parent)
{
  static const char *const pages[] = { "password", "email", "delete" };
  XgAccountDialog *self;
  const char *title;

  g_return_val_if_fail (XG_IS_SESSION (session), NULL);
  g_return_val_if_fail (mode <= XG_ACCOUNT_DIALOG_DELETE, NULL);

  self = g_object_new (XG_TYPE_ACCOUNT_DIALOG, "transient-for", parent, "modal", TRUE,
                       "destroy-with-parent", TRUE, NULL);
  self->session = g_object_ref (session);
  self->mode = mode;
  /* Only the task's page: the others would be in the accessible tree. */
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    gtk_widget_set_visible (gtk_stack_get_child_by_name (self->stack, pages[i]), i == mode);
  gtk_stack_set_visible_child_name (self->stack, pages[mode]);
  title = mode == XG_ACCOUNT_DIALOG_PASSWORD ? _("Change Password")
          : mode == XG_ACCOUNT_DIALOG_EMAIL ? _("Change Email")
          : _("Delete Account");
  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_window_title_set_title (self->window_title, title);
  if (mode == XG_ACCOUNT_DIALOG_EMAIL)
    {
      g_autofree char *subtitle = g_strdup_printf (_("Now %s"), xg_session_get_email (session));
      adw_window_title_set_subtitle (self->window_title, subtitle);
      update_send_code_button (self);
    }
  return self;
}
