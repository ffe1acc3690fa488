/* xg-app-util.c: small helpers the windows share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-session.h"

static void
label_peek_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, _("Show or Hide the Password"),
                                        -1);
      else
        label_peek_buttons (child);
    }
}

void
xg_label_entry_row (AdwEntryRow *row)
{
  g_return_if_fail (ADW_IS_ENTRY_ROW (row));

  /* libadwaita names the text field after the row's title already (an
   * explicit label as well would make AT-SPI read it twice), but the
   * password row's eye button is only an icon. */
  if (ADW_IS_PASSWORD_ENTRY_ROW (row))
    label_peek_buttons (GTK_WIDGET (row));
}

void
xg_set_inline_message (GtkLabel   *label,
                       const char *text)
{
  gboolean shown = text != NULL && text[0] != '\0';

  g_return_if_fail (GTK_IS_LABEL (label));

  gtk_label_set_text (label, shown ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), shown);
  if (shown)
    gtk_accessible_update_property (GTK_ACCESSIBLE (label),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                    -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

char *
xg_session_error_text (const GError *error,
                       guint         retry_after,
                       const char   *server)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != XG_SESSION_ERROR)
    return g_strdup_printf (_("Something went wrong: %s"), error->message);

  switch ((XgSessionError) error->code)
    {
    case XG_SESSION_ERROR_UNREACHABLE:
      return g_strdup_printf (_("Cannot reach the server at %s. Check the address and your network connection."),
                              server ? server : "?");
    case XG_SESSION_ERROR_IDENTITY_CHANGED:
      return g_strdup (_("The server’s identity has changed. Xinge will not connect to it."));
    case XG_SESSION_ERROR_BAD_CREDENTIALS:
      if (retry_after > 0)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Wrong email or password. Try again in %u second.",
                                             "Wrong email or password. Try again in %u seconds.",
                                             retry_after),
                                retry_after);
      return g_strdup (_("Wrong email or password."));
    case XG_SESSION_ERROR_RATE_LIMITED:
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Too many attempts. Try again in %u second.",
                                           "Too many attempts. Try again in %u seconds.",
                                           MAX (retry_after, 1)),
                              MAX (retry_after, 1));
    case XG_SESSION_ERROR_TOKEN_INVALID:
      return g_strdup (_("Your saved login has ended. Log in again with your password."));
    case XG_SESSION_ERROR_ACCOUNT_DISABLED:
      return g_strdup (_("This account has been disabled."));
    case XG_SESSION_ERROR_EMAIL_TAKEN:
      return g_strdup (_("This email address already has an account."));
    case XG_SESSION_ERROR_CODE_INCORRECT:
      return g_strdup (_("The code is wrong."));
    case XG_SESSION_ERROR_CODE_EXPIRED:
      return g_strdup (_("The code has expired or was used up. Send a new code."));
    case XG_SESSION_ERROR_INVALID_INPUT:
      return g_strdup (_("The server did not accept what was entered. Check it and try again."));
    case XG_SESSION_ERROR_MAIL_FAILED:
      return g_strdup (_("The server could not send the email. Try again later."));
    case XG_SESSION_ERROR_BUSY:
      if (retry_after > 0)
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "The server is busy. Try again in %u second.",
                                             "The server is busy. Try again in %u seconds.",
                                             retry_after),
                                retry_after);
      return g_strdup (_("The server is busy. Try again in a moment."));
    case XG_SESSION_ERROR_NOT_FOUND:
      return g_strdup (_("There is no such account."));
    case XG_SESSION_ERROR_NOT_LOGGED_IN:
      return g_strdup (_("You are not logged in."));
    case XG_SESSION_ERROR_DISCONNECTED:
      return g_strdup (_("The connection to the server was lost. Try again."));
    case XG_SESSION_ERROR_PROTOCOL:
    default:
      return g_strdup_printf (_("The server sent an unexpected answer: %s"), error->message);
    }
}

char *
xg_editable_dup_stripped (GtkEditable *editable)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (editable)));
}

/* "host:port" with a port from 1 to 65535 and no white space. */
gboolean
xg_server_address_is_valid (const char *server)
{
  const char *colon;
  guint64 port;
  char *end = NULL;

  if (server == NULL || server[0] == '\0')
    return FALSE;
  for (const char *p = server; *p; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      return FALSE;
  colon = strrchr (server, ':');
  if (colon == NULL || colon == server || colon[1] == '\0')
    return FALSE;
  port = g_ascii_strtoull (colon + 1, &end, 10);
  return *end == '\0' && port > 0 && port <= 65535;
}

/* Formats "AB:CD:…" fingerprints as four lines of eight pairs. */
char *
xg_format_fingerprint (const char *fingerprint)
{
  g_auto(GStrv) pairs = NULL;
  GString *text;

  if (fingerprint == NULL || fingerprint[0] == '\0')
    return g_strdup ("—");
  pairs = g_strsplit (fingerprint, ":", -1);
  text = g_string_new (NULL);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (text, i % 8 == 0 ? '\n' : ':');
      g_string_append (text, pairs[i]);
    }
  return g_string_free (text, FALSE);
}
