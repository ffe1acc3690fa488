/* xg-login-window.c: log in or register
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One window, three pages in a GtkStack: "login" (the form), "register"
 * (email → code → account) and "registered" (the new account number while
 * it logs in). The window logs its session in and is done: the
 * application follows the session and shows the main window.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-login-window.h"
#include "xg-proto-limits.h"
#include "xg-reset-page.h"

struct _XgLoginWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  AdwWindowTitle       *window_title;
  GtkButton            *back_button;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  GtkWidget            *login_form;
  AdwEntryRow          *email_row;
  AdwEntryRow          *password_row;
  AdwActionRow         *remember_row;
  GtkSwitch            *remember_switch;
  AdwExpanderRow       *advanced_row;
  AdwPreferencesGroup  *login_group;
  AdwPreferencesGroup  *advanced_group;
  AdwEntryRow          *server_row;
  GtkLabel             *error_label;
  GtkButton            *login_button;
  GtkSpinner           *login_spinner;
  GtkLabel             *login_label;
  GtkButton            *create_account_button;
  GtkWidget            *register_form;
  AdwEntryRow          *reg_email_row;
  GtkButton            *send_code_button;
  GtkLabel             *reg_email_error;
  GtkLabel             *reg_email_note;
  AdwEntryRow          *nickname_row;
  AdwEntryRow          *reg_password_row;
  AdwEntryRow          *reg_confirm_row;
  GtkLabel             *reg_account_error;
  AdwEntryRow          *code_row;
  GtkLabel             *reg_code_error;
  GtkLabel             *reg_error;
  GtkButton            *register_button;
  GtkSpinner           *register_spinner;
  GtkLabel             *register_label;
  AdwStatusPage        *registered_page;
  GtkButton            *forgot_button;
  XgResetPage          *reset_page;

  XgSession            *session;
  GSettings            *settings;
  GCancellable         *cancellable;    /* the login or registration in flight */
  gboolean              busy;
  gboolean              sending_code;
  gboolean              code_sent;
  char                 *code_email;     /* where the last code went */
  XgCountdown          countdown;         /* before another code may be sent */
  gboolean              disposed;
};

G_DEFINE_FINAL_TYPE (XgLoginWindow, xg_login_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* An answer that came after its request was cancelled or the window closed. */
static gboolean
abandoned (XgLoginWindow *self,
           const GError  *error)
{
  return self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
cancel_pending (XgLoginWindow *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

static GCancellable *
new_cancellable (XgLoginWindow *self)
{
  cancel_pending (self);
  self->cancellable = g_cancellable_new ();
  return self->cancellable;
}

static char *
current_server (XgLoginWindow *self)
{
  return xg_editable_dup_stripped (GTK_EDITABLE (self->server_row));
}

/* The session, pointed at the server the form names; NULL with
 * @error_label showing why when the address is not one. */
static XgSession *
get_session (XgLoginWindow *self,
             GtkLabel      *error_label)
{
  g_autofree char *server = current_server (self);

  if (!xg_server_address_is_valid (server))
    {
      xg_set_inline_message (error_label,
                             _("The server address must look like HOST:PORT, for example 127.0.0.1:7447. Change it under “Advanced” on the login page."));
      adw_expander_row_set_expanded (self->advanced_row, TRUE);
      return NULL;
    }
  xg_session_set_server (self->session, server);
  return self->session;
}

/* --- Pages ---------------------------------------------------------------- */

/* A focused GtkText that turns insensitive or is hidden never hears that it lost the
 * focus (GTK 4.8), and its cursor keeps blinking and warning: let go of
 * the focus first. */
static void
release_focus (XgLoginWindow *self)
{
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
}

static void
show_page (XgLoginWindow *self,
           const char    *name)
{
  gboolean registering = g_str_equal (name, "register");
  gboolean resetting = g_str_equal (name, "reset");

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), name) != 0)
    release_focus (self);
  gtk_stack_set_visible_child_name (self->stack, name);
  gtk_widget_set_visible (GTK_WIDGET (self->back_button), registering || resetting);
  adw_window_title_set_subtitle (self->window_title,
                                 registering ? _("Create Account")
                                 : resetting ? _("Reset Password") : "");
}

static void
set_login_busy (XgLoginWindow *self,
                gboolean       busy)
{
  if (busy)
    release_focus (self);
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->email_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remember_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->advanced_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->create_account_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->forgot_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_button), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->login_spinner), busy);
  gtk_spinner_set_spinning (self->login_spinner, busy);
  gtk_label_set_text_with_mnemonic (self->login_label, busy ? _("Logging In…") : _("_Log In"));
}

void
xg_login_window_show_error (XgLoginWindow *self,
                            const char    *message)
{
  g_return_if_fail (XG_IS_LOGIN_WINDOW (self));

  cancel_pending (self);
  set_login_busy (self, FALSE);
  show_page (self, "login");
  xg_set_inline_message (self->error_label, message);
}

/* The first field to fill in: the email, or the password when the email
 * is there already. */
static void
focus_first_field (XgLoginWindow *self)
{
  const char *email = gtk_editable_get_text (GTK_EDITABLE (self->email_row));

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "login") != 0 || self->busy)
    return;
  gtk_widget_grab_focus (GTK_WIDGET (email[0] == '\0' ? self->email_row : self->password_row));
}

/* Shown, the window would focus its first focusable widget, the menu
 * button; the form is what a person wants to type into. */
static void
xg_login_window_show (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (xg_login_window_parent_class)->show (widget);
  focus_first_field (XG_LOGIN_WINDOW (widget));
}

void
xg_login_window_add_toast (XgLoginWindow *self,
                           const char    *message)
{
  g_return_if_fail (XG_IS_LOGIN_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

void
xg_login_window_set_email (XgLoginWindow *self,
                           const char    *email)
{
  g_return_if_fail (XG_IS_LOGIN_WINDOW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->email_row), email ? email : "");
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    focus_first_field (self);
}

/* --- Logging in ----------------------------------------------------------- */

static void
on_login_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XgLoginWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint retry_after = 0;

  if (!xg_session_login_finish (XG_SESSION (source), result, &retry_after, &error))
    {
      g_autofree char *text = NULL;
      g_autofree char *server = NULL;

      if (abandoned (self, error))
        return;
      set_login_busy (self, FALSE);
      show_page (self, "login");
      server = current_server (self);
      text = xg_session_error_text (error, retry_after, server);
      xg_set_inline_message (self->error_label, text);
      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_BAD_CREDENTIALS))
        gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
      else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_UNREACHABLE))
        {
          adw_expander_row_set_expanded (self->advanced_row, TRUE);
          gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
        }
      else
        gtk_widget_grab_focus (GTK_WIDGET (self->login_button));
      return;
    }

  /* Logged in: the application shows the main window in its place. */
  if (self->disposed)
    return;
  g_clear_object (&self->cancellable);
  set_login_busy (self, FALSE);
}

static void
start_login (XgLoginWindow *self,
             XgSession     *session,
             const char    *email,
             const char    *password)
{
  set_login_busy (self, TRUE);
  xg_set_inline_message (self->error_label, NULL);
  xg_session_login_async (session, email, password, new_cancellable (self),
                          on_login_done, g_object_ref (self));
}

static void
on_login_clicked (XgLoginWindow *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->email_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  XgSession *session;

  if (self->busy)
    return;

  if (email[0] == '\0' || password[0] == '\0')
    {
      xg_set_inline_message (self->error_label, _("Enter your email address and password."));
      gtk_widget_grab_focus (GTK_WIDGET (email[0] == '\0' ? self->email_row : self->password_row));
      return;
    }
  /* The rule the server applies (xg-proto-limits.c): say so now rather
   * than send an address no account can have. */
  if (!xg_proto_email_is_valid (email))
    {
      xg_set_inline_message (self->error_label, _("Enter a valid email address, like name@example.com."));
      gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
      return;
    }

  session = get_session (self, self->error_label);
  if (session != NULL)
    start_login (self, session, email, password);
}

static void
on_email_activated (XgLoginWindow *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
on_login_input_changed (XgLoginWindow *self)
{
  /* An error about what was typed goes once the typing changes it. */
  if (!self->busy)
    xg_set_inline_message (self->error_label, NULL);
}

/* --- Registration ----------------------------------------------------------- */

static void
update_send_code_button (XgLoginWindow *self)
{
  xg_code_button_update (self->send_code_button, &self->countdown,
                         self->sending_code, self->code_sent, !self->busy);
}

/* Checks what can be checked while typing; returns whether the form is
 * complete enough to send. */
static gboolean
check_register_form (XgLoginWindow *self)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->reg_password_row));
  const char *confirm = gtk_editable_get_text (GTK_EDITABLE (self->reg_confirm_row));
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->reg_email_row));
  const char *nickname = gtk_editable_get_text (GTK_EDITABLE (self->nickname_row));
  const char *code = gtk_editable_get_text (GTK_EDITABLE (self->code_row));

  if (confirm[0] != '\0' && !g_str_equal (password, confirm)
      && !g_str_has_prefix (password, confirm))
    xg_set_inline_message (self->reg_account_error, _("The passwords do not match."));
  else
    xg_set_inline_message (self->reg_account_error, NULL);

  return self->code_sent && email[0] != '\0' && nickname[0] != '\0'
         && password[0] != '\0' && confirm[0] != '\0' && code[0] != '\0';
}

static void
set_register_busy (XgLoginWindow *self,
                   gboolean       busy)
{
  if (busy)
    release_focus (self);
  self->busy = busy;
  gtk_widget_set_sensitive (GTK_WIDGET (self->reg_email_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->nickname_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->reg_password_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->reg_confirm_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->code_row), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->register_spinner), busy);
  gtk_spinner_set_spinning (self->register_spinner, busy);
  gtk_label_set_text_with_mnemonic (self->register_label, busy ? _("Registering…") : _("_Register"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->register_button), !busy && check_register_form (self));
  update_send_code_button (self);
}

static void
on_register_input_changed (XgLoginWindow *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->reg_email_row));

  /* A code belongs to the address it was sent to. */
  if (self->code_email != NULL && !xg_proto_email_equal (email, self->code_email))
    {
      g_clear_pointer (&self->code_email, g_free);
      self->code_sent = FALSE;
      xg_countdown_start (&self->countdown, 0);
      xg_set_inline_message (self->reg_email_note, NULL);
    }
  xg_set_inline_message (self->reg_email_error, NULL);
  xg_set_inline_message (self->reg_code_error, NULL);
  xg_set_inline_message (self->reg_error, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->register_button), !self->busy && check_register_form (self));
}

static void
on_code_requested (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(XgLoginWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint resend_after = 0;
  guint expires_in = 0;

  xg_session_request_code_finish (XG_SESSION (source), result, &resend_after, &expires_in, &error);
  if (abandoned (self, error))
    return;

  self->sending_code = FALSE;

  if (error == NULL)
    {
      g_autofree char *note = NULL;
      guint minutes = MAX ((expires_in + 59) / 60, 1);

      self->code_sent = TRUE;
      g_free (self->code_email);
      self->code_email = xg_editable_dup_stripped (GTK_EDITABLE (self->reg_email_row));
      note = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "A code was sent to %s. It is valid for %u minute.",
                                           "A code was sent to %s. It is valid for %u minutes.",
                                           minutes),
                              self->code_email, minutes);
      xg_set_inline_message (self->reg_email_note, note);
      xg_countdown_start (&self->countdown, resend_after);
      if (gtk_editable_get_text (GTK_EDITABLE (self->nickname_row))[0] == '\0')
        gtk_widget_grab_focus (GTK_WIDGET (self->nickname_row));
      else
        gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
    }
  else
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_EMAIL_TAKEN))
        text = g_strdup (_("This email address already has an account. Log in instead, or use another address."));
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
        {
          g_autofree char *server = current_server (self);
          text = xg_session_error_text (error, resend_after, server);
        }
      xg_set_inline_message (self->reg_email_error, text);
    }
  update_send_code_button (self);
  gtk_widget_set_sensitive (GTK_WIDGET (self->register_button), !self->busy && check_register_form (self));
}

static void
on_send_code_clicked (XgLoginWindow *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->reg_email_row));
  XgSession *session;

  if (self->busy || self->sending_code || self->countdown.left > 0)
    return;

  xg_set_inline_message (self->reg_email_error, NULL);
  if (!xg_proto_email_is_valid (email))
    {
      xg_set_inline_message (self->reg_email_error, _("Enter a valid email address, like name@example.com."));
      gtk_widget_grab_focus (GTK_WIDGET (self->reg_email_row));
      return;
    }

  session = get_session (self, self->reg_email_error);
  if (session == NULL)
    return;

  self->sending_code = TRUE;
  update_send_code_button (self);
  xg_session_request_code_async (session, email, new_cancellable (self),
                                 on_code_requested, g_object_ref (self));
}

static void
on_login_after_register (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(XgLoginWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint retry_after = 0;

  if (!xg_session_login_finish (XG_SESSION (source), result, &retry_after, &error))
    {
      g_autofree char *text = NULL;
      g_autofree char *server = NULL;

      if (abandoned (self, error))
        return;
      server = current_server (self);
      text = xg_session_error_text (error, retry_after, server);
      xg_login_window_show_error (self, text);
      return;
    }

  if (self->disposed)
    return;
  g_clear_object (&self->cancellable);
}

static void
on_registered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(XgLoginWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  guint attempts_left = 0;
  guint64 account_id;
  g_autofree char *text = NULL;
  g_autofree char *email = NULL;

  account_id = xg_session_register_finish (XG_SESSION (source), result, &attempts_left, &error);
  if (abandoned (self, error))
    return;

  set_register_busy (self, FALSE);

  if (account_id != 0)
    {
      const char *password = gtk_editable_get_text (GTK_EDITABLE (self->reg_password_row));
      g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, account_id);

      email = xg_editable_dup_stripped (GTK_EDITABLE (self->reg_email_row));
      /* Translators: %s is the new account's number, e.g. 10000 */
      text = g_strdup_printf (_("Your account number is %s."), number);
      adw_status_page_set_description (self->registered_page, text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->registered_page),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
      show_page (self, "registered");

      /* The login form gets the same credentials, for a retry if need be. */
      gtk_editable_set_text (GTK_EDITABLE (self->email_row), email);
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), password);
      set_login_busy (self, TRUE);
      xg_session_login_async (XG_SESSION (source), email, password, new_cancellable (self),
                              on_login_after_register, g_object_ref (self));
      return;
    }

  if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_EMAIL_TAKEN))
    {
      xg_set_inline_message (self->reg_email_error,
                             _("This email address already has an account. Log in instead, or use another address."));
      gtk_widget_grab_focus (GTK_WIDGET (self->reg_email_row));
    }
  else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_CODE_INCORRECT))
    {
      if (attempts_left > 0)
        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Wrong code, %u attempt left.",
                                             "Wrong code, %u attempts left.",
                                             attempts_left),
                                attempts_left);
      else
        text = g_strdup (_("Wrong code, no attempts left. Send a new code."));
      xg_set_inline_message (self->reg_code_error, text);
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
    }
  else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_CODE_EXPIRED))
    {
      xg_set_inline_message (self->reg_code_error,
                             _("This code has expired or was used up. Send a new code."));
      self->code_sent = FALSE;
      update_send_code_button (self);
    }
  else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_RATE_LIMITED))
    {
      text = xg_session_error_text (error, attempts_left, NULL);
      xg_set_inline_message (self->reg_error, text);
    }
  else if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
    xg_set_inline_message (self->reg_error,
                           _("The server did not accept these details. Check the email address, nickname and password."));
  else
    {
      g_autofree char *server = current_server (self);
      text = xg_session_error_text (error, 0, server);
      xg_set_inline_message (self->reg_error, text);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->register_button), check_register_form (self));
}

static void
on_register_clicked (XgLoginWindow *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->reg_email_row));
  const char *nickname = gtk_editable_get_text (GTK_EDITABLE (self->nickname_row));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->reg_password_row));
  const char *confirm = gtk_editable_get_text (GTK_EDITABLE (self->reg_confirm_row));
  g_autofree char *code = xg_editable_dup_stripped (GTK_EDITABLE (self->code_row));
  XgSession *session;
  gsize password_len = strlen (password);

  if (self->busy || !check_register_form (self))
    return;

  xg_set_inline_message (self->reg_error, NULL);
  if (!xg_proto_email_is_valid (email))
    {
      xg_set_inline_message (self->reg_email_error, _("Enter a valid email address, like name@example.com."));
      gtk_widget_grab_focus (GTK_WIDGET (self->reg_email_row));
      return;
    }
  if (!xg_proto_nickname_is_valid (nickname))
    {
      xg_set_inline_message (self->reg_account_error,
                             _("The nickname must have 1 to 32 characters, without spaces at its start or end."));
      gtk_widget_grab_focus (GTK_WIDGET (self->nickname_row));
      return;
    }
  if (!xg_proto_password_is_valid (password))
    {
      xg_set_inline_message (self->reg_account_error,
                             password_len < XG_PROTO_MIN_PASSWORD_BYTES ? _("The password needs at least 8 characters.")
                                              : _("The password is too long."));
      gtk_widget_grab_focus (GTK_WIDGET (self->reg_password_row));
      return;
    }
  if (!g_str_equal (password, confirm))
    {
      xg_set_inline_message (self->reg_account_error, _("The passwords do not match."));
      gtk_widget_grab_focus (GTK_WIDGET (self->reg_confirm_row));
      return;
    }
  if (!xg_proto_code_is_valid (code))
    {
      xg_set_inline_message (self->reg_code_error, _("Enter the 6-digit code from the email."));
      gtk_widget_grab_focus (GTK_WIDGET (self->code_row));
      return;
    }

  session = get_session (self, self->reg_error);
  if (session == NULL)
    return;

  set_register_busy (self, TRUE);
  xg_session_register_async (session, email, nickname, password, code, new_cancellable (self),
                             on_registered, g_object_ref (self));
}

static void
on_create_account_clicked (XgLoginWindow *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->email_row));

  if (self->busy)
    return;
  if (gtk_editable_get_text (GTK_EDITABLE (self->reg_email_row))[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->reg_email_row), email);
  show_page (self, "register");
  gtk_widget_grab_focus (GTK_WIDGET (self->reg_email_row));
}

/* --- Forgot password ------------------------------------------------------ */

static void
on_forgot_clicked (XgLoginWindow *self)
{
  g_autofree char *email = xg_editable_dup_stripped (GTK_EDITABLE (self->email_row));
  XgSession *session;

  if (self->busy)
    return;
  xg_set_inline_message (self->error_label, NULL);
  session = get_session (self, self->error_label);
  if (session == NULL)
    return;
  show_page (self, "reset");
  xg_reset_page_start (self->reset_page, session, email);
}

/* The password is new: back to the form, with the address filled in. */
static void
on_reset_done (XgLoginWindow *self,
               const char    *email)
{
  show_page (self, "login");
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), email);
  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  xg_set_inline_message (self->error_label, NULL);
  adw_toast_overlay_add_toast (self->toast_overlay,
                               adw_toast_new (_("Your password was changed. Log in with the new password.")));
  gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
on_back_clicked (XgLoginWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "reset") == 0)
    xg_reset_page_cancel (self->reset_page);
  if (self->busy)
    {
      cancel_pending (self);
      set_register_busy (self, FALSE);
    }
  show_page (self, "login");
  gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
}

/* --- GObject ---------------------------------------------------------------- */

static void
xg_login_window_dispose (GObject *object)
{
  XgLoginWindow *self = XG_LOGIN_WINDOW (object);

  self->disposed = TRUE;
  cancel_pending (self);
  xg_countdown_stop (&self->countdown);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_LOGIN_WINDOW);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (xg_login_window_parent_class)->dispose (object);
}

static void
xg_login_window_finalize (GObject *object)
{
  XgLoginWindow *self = XG_LOGIN_WINDOW (object);

  g_free (self->code_email);

  G_OBJECT_CLASS (xg_login_window_parent_class)->finalize (object);
}

static void
xg_login_window_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  XgLoginWindow *self = XG_LOGIN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION: g_value_set_object (value, self->session); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_login_window_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  XgLoginWindow *self = XG_LOGIN_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SESSION: self->session = g_value_dup_object (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_login_window_constructed (GObject *object)
{
  XgLoginWindow *self = XG_LOGIN_WINDOW (object);

  G_OBJECT_CLASS (xg_login_window_parent_class)->constructed (object);

  g_assert (self->session != NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), xg_session_get_server (self->session));
  g_settings_bind (self->settings, "remember-me", self->remember_switch, "active", G_SETTINGS_BIND_DEFAULT);
}

static void
xg_login_window_class_init (XgLoginWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = xg_login_window_constructed;
  object_class->dispose = xg_login_window_dispose;
  object_class->finalize = xg_login_window_finalize;
  object_class->get_property = xg_login_window_get_property;
  object_class->set_property = xg_login_window_set_property;
  widget_class->show = xg_login_window_show;

  /**
   * XgLoginWindow:session:
   *
   * The session the window logs in; it has no account yet.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, XG_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (XG_TYPE_RESET_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-login-window.ui");
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, login_form);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, email_row);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, remember_row);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, remember_switch);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, advanced_row);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, login_group);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, advanced_group);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, login_button);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, login_spinner);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, login_label);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, create_account_button);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, register_form);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, reg_email_row);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, send_code_button);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, reg_email_error);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, reg_email_note);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, nickname_row);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, reg_password_row);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, reg_confirm_row);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, reg_account_error);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, code_row);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, reg_code_error);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, reg_error);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, register_button);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, register_spinner);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, register_label);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, registered_page);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, forgot_button);
  gtk_widget_class_bind_template_child (widget_class, XgLoginWindow, reset_page);
  gtk_widget_class_bind_template_callback (widget_class, on_forgot_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_done);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_email_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_login_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_login_input_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_create_account_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_send_code_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_register_input_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_register_clicked);
}

static void
xg_login_window_init (XgLoginWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  xg_countdown_init (&self->countdown, (XgCountdownTick) update_send_code_button, self);

  {
    AdwEntryRow *rows[] = {
      self->email_row, self->password_row, self->server_row, self->reg_email_row,
      self->nickname_row, self->reg_password_row, self->reg_confirm_row, self->code_row,
    };
    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      xg_label_entry_row (rows[i]);
  }

  /* The login form's groups have no title to name their lists after. */
  xg_label_preferences_group (self->login_group, _("Your Account"));
  xg_label_preferences_group (self->advanced_group, _("Advanced"));

  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->login_button));
  update_send_code_button (self);
  self->settings = g_settings_new (APP_ID);
}

/**
 * xg_login_window_new:
 * @application: the application the window belongs to
 * @session: the session to log in (it has no account)
 */
XgLoginWindow *
xg_login_window_new (XgApplication *application,
                     XgSession     *session)
{
  g_return_val_if_fail (XG_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  return g_object_new (XG_TYPE_LOGIN_WINDOW,
                       "application", application,
                       "session", session,
                       NULL);
}
