/* xg-reset-page.c: "forgot password" in the login window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Email → a code from the mail → a new password, like registration: the
 * send button counts down until another code may be asked for, and every
 * error shows under the field it is about. The login window shows the
 * page and takes over again at ::done.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-proto-limits.h"
#include "xg-reset-page.h"

struct _XgResetPage
{
  GtkBox         parent_instance;

  /* Template children */
  AdwEntryRow   *email_row;
  GtkButton     *send_code_button;
  GtkLabel      *email_error;
  GtkLabel      *email_note;
  AdwEntryRow   *code_row;
  AdwEntryRow   *password_row;
  AdwEntryRow   *confirm_row;
  GtkLabel      *password_error;
  GtkLabel      *error_label;
  GtkButton     *reset_button;
  GtkSpinner    *reset_spinner;
  GtkLabel      *reset_label;

  XgSession     *session;
  GCancellable  *cancellable;
  gboolean       busy;
  gboolean       sending_code;
  char          *code_email;      /* where the last code went; NULL before */
  XgCountdown          countdown;         /* before another code may be sent */
  gboolean       disposed;
};

G_DEFINE_FINAL_TYPE (XgResetPage, xg_reset_page, GTK_TYPE_BOX)

enum {
  DONE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
abandoned (XgResetPage  *self,
           const GError *error)
{
  return self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static GCancellable *
new_cancellable (XgResetPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  return self->cancellable;
}

static void
release_focus (XgResetPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (root != NULL)
    gtk_root_set_focus (root, NULL);
}

static void
update_send_code_button (XgResetPage *self)
{
  xg_code_button_update (self->send_code_button, &self->countdown,
                         self->sending_code, self->code_email != NULL, !self->busy);
}

/* What can be checked while typing; whether the form can be sent. */
static gboolean
check_form (XgResetPage *self)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  const char *confirm = gtk_editable_get_text (GTK_EDITABLE (self->confirm_row));
  const char *code = gtk_editable_get_text (GTK_EDITABLE (self->code_row));

  if (confirm[0] != '\0' && !g_str_equal (password, confirm) && !g_str_has_prefix (password, confirm))
    xg_set_inline_message (self->password_error, _("The passwords do not match."));
  else
    xg_set_inline_message (self->password_error, NULL);

  return self->code_email != NULL && code[0] != '\0' && password[0] != '\0' && confirm[0] != '\0';
}

static void
update_reset_button (XgResetPage *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->reset_button), !self->busy && check_form (self));
}

static void
set_busy (XgResetPage *self,
          gboolean     busy)
{
  if (busy)
    release_focus (self);
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->email_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->code_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->confirm_row), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->reset_spinner), busy);
  gtk_spinner_set_spinning (self->reset_spinner, busy);
  gtk_label_set_text_with_mnemonic (self->reset_label, busy ? _("Setting the Password…") : _("_Set New Password"));
  update_reset_button (self);
  update_send_code_button (self);
}

static void
on_input_changed (XgResetPage *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->email_row));

  /* A code belongs to the address it was sent to. */
  if (self->code_email != NULL && g_ascii_strcasecmp (email, self->code_email) != 0)
    {
      g_clear_pointer (&self->code_email, g_free);
      xg_countdown_start (&self->countdown, 0);
      xg_set_inline_message (self->email_note, NULL);
    }
  xg_set_inline_message (self->email_error, NULL);
  xg_set_inline_message (self->error_label, NULL);
  update_reset_button (self);
}

static void
on_code_requested (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(XgResetPage) self = user_data;
  g_autoptr(GError) error = NULL;
  guint resend_after = 0, expires_in = 0;

  xg_session_request_password_reset_finish (XG_SESSION (source), result, &resend_after, &expires_in, &error);
  if (abandoned (self, error))
    return;

  self->sending_code = FALSE;
  if (error == NULL)
    {
      g_autofree char *note = NULL;
      guint minutes = MAX ((expires_in + 59) / 60, 1);

      g_free (self->code_email);
      self->code_email = xg_editable_dup_stripped (GTK_EDITABLE (self->email_row));
      /* In privacy mode the server says this for any address: so do we. */
      note = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "If %s has an account, a code was sent to it. It is valid for %u minute.",
                                           "If %s has an account, a code was sent to it. It is valid for %u minutes.",
                                           minutes),
                              self->code_email, minutes);
      xg_set_inline_message (self->email_note, note);
      xg_countdown_start (&self->countdown, resend_after);
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
    }
  else
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_NOT_FOUND))
        text = g_strdup (_("No account has this email address. Check it, or create an account."));
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_RATE_LIMITED))
        {
          guint seconds = MAX (resend_after, 1);

          text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "Too many codes were requested. Try again in %u second.",
                                               "Too many codes were requested. Try again in %u seconds.",
                                               seconds),
                                  seconds);
          xg_countdown_start (&self->countdown, resend_after);
        }
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        text = g_strdup (_("The server does not accept this email address."));
      else
        text = xg_session_error_text (error, resend_after, xg_session_get_server (XG_SESSION (source)));
      xg_set_inline_message (self->email_error, text);
    }
  update_send_code_button (self);
  update_reset_button (self);
}

static void
on_send_code_clicked (XgResetPage *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->email_row));

  if (self->session == NULL || self->busy || self->sending_code || self->countdown.left > 0)
    return;

  xg_set_inline_message (self->email_error, NULL);
  if (!xg_proto_email_is_valid (email))
    {
      xg_set_inline_message (self->email_error, _("Enter a valid email address, like name@example.com."));
      gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
      return;
    }

  self->sending_code = TRUE;
  update_send_code_button (self);
  xg_session_request_password_reset_async (self->session, email, new_cancellable (self),
                                           on_code_requested, g_object_ref (self));
}

static void
on_reset_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XgResetPage) self = user_data;
  g_autoptr(GError) error = NULL;
  guint attempts_left = 0, retry_after = 0;
  g_autofree char *text = NULL;

  xg_session_reset_password_finish (XG_SESSION (source), result, &attempts_left, &retry_after, &error);
  if (abandoned (self, error))
    return;
  set_busy (self, FALSE);

  if (error == NULL)
    {
      g_autofree char *email = g_strdup (self->code_email);

      gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      gtk_editable_set_text (GTK_EDITABLE (self->confirm_row), "");
      g_signal_emit (self, signals[DONE], 0, email);
      return;
    }

  if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_CODE_INCORRECT))
    text = attempts_left == 0
           ? g_strdup (_("The code is wrong, and no attempts are left. Send a new code."))
           : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "The code is wrong. %u attempt is left.",
                                           "The code is wrong. %u attempts are left.",
                                           attempts_left),
                              attempts_left);
  else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
    text = g_strdup (_("A password needs 8 to 1024 bytes."));
  else
    text = xg_session_error_text (error, retry_after, xg_session_get_server (XG_SESSION (source)));
  xg_set_inline_message (self->error_label, text);
  gtk_widget_grab_focus (GTK_WIDGET (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT)
                                     ? self->password_row : self->code_row));
}

static void
on_reset_clicked (XgResetPage *self)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  const char *confirm = gtk_editable_get_text (GTK_EDITABLE (self->confirm_row));
  g_autofree char *code = xg_editable_dup_stripped (GTK_EDITABLE (self->code_row));

  if (self->session == NULL || self->busy || !check_form (self))
    return;

  xg_set_inline_message (self->error_label, NULL);
  if (!xg_proto_code_is_valid (code))
    {
      xg_set_inline_message (self->error_label, _("The code has 6 digits; you find it in the email."));
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
      return;
    }
  if (!g_str_equal (password, confirm))
    {
      xg_set_inline_message (self->password_error, _("The passwords do not match."));
      gtk_widget_grab_focus (GTK_WIDGET (self->confirm_row));
      return;
    }
  if (!xg_proto_password_is_valid (password))
    {
      xg_set_inline_message (self->password_error, _("A password needs 8 to 1024 bytes."));
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      return;
    }

  set_busy (self, TRUE);
  xg_session_reset_password_async (self->session, self->code_email, code, password, new_cancellable (self),
                                   on_reset_done, g_object_ref (self));
}

void
xg_reset_page_start (XgResetPage *self,
                     XgSession   *session,
                     const char  *email)
{
  g_return_if_fail (XG_IS_RESET_PAGE (self));
  g_return_if_fail (XG_IS_SESSION (session));

  g_set_object (&self->session, session);
  if (email != NULL && email[0] != '\0'
      && gtk_editable_get_text (GTK_EDITABLE (self->email_row))[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->email_row), email);
  gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
}

void
xg_reset_page_cancel (XgResetPage *self)
{
  g_return_if_fail (XG_IS_RESET_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->sending_code = FALSE;
  set_busy (self, FALSE);
}

static void
xg_reset_page_dispose (GObject *object)
{
  XgResetPage *self = XG_RESET_PAGE (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  xg_countdown_stop (&self->countdown);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_RESET_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (xg_reset_page_parent_class)->dispose (object);
}

static void
xg_reset_page_finalize (GObject *object)
{
  XgResetPage *self = XG_RESET_PAGE (object);

  g_free (self->code_email);

  G_OBJECT_CLASS (xg_reset_page_parent_class)->finalize (object);
}

static void
xg_reset_page_class_init (XgResetPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = xg_reset_page_dispose;
  object_class->finalize = xg_reset_page_finalize;

  /**
   * XgResetPage::done:
   * @email: the account's address
   *
   * The password was reset; every session of the account has ended.
   */
  signals[DONE] =
    g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-reset-page.ui");
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, send_code_button);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, email_error);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, email_note);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, code_row);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, password_error);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, reset_button);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, reset_spinner);
  gtk_widget_class_bind_template_child (widget_class, XgResetPage, reset_label);
  gtk_widget_class_bind_template_callback (widget_class, on_send_code_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_input_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_clicked);
}

static void
xg_reset_page_init (XgResetPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  xg_countdown_init (&self->countdown, (XgCountdownTick) update_send_code_button, self);

  {
    AdwEntryRow *rows[] = { self->email_row, self->code_row, self->password_row, self->confirm_row };

    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      xg_label_entry_row (rows[i]);
  }
  update_send_code_button (self);
}
