/* xg-app-util.c: small helpers the windows share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-friend-requests.h"
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

/* Images that only decorate (the pencil of an entry row, the icon of an
 * avatar without a picture) are hidden from screen readers, and named
 * for when GTK 4.8 shows them anyway (it does once they were hidden and
 * shown again); unnamed, it would call them "GtkImage". */
static void
hide_images (GtkWidget  *widget,
             const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child))
        continue;
      if (GTK_IS_IMAGE (child))
        {
          gtk_accessible_update_state (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
          gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
        }
      else
        hide_images (child, label);
    }
}

void
xg_label_entry_row (AdwEntryRow *row)
{
  g_return_if_fail (ADW_IS_ENTRY_ROW (row));

  /* libadwaita names the text field after the row's title already (an
   * explicit label as well would make AT-SPI read it twice), but the
   * password row's eye button is only an icon, and the pencil that says
   * "editable" is an image without a name. */
  if (ADW_IS_PASSWORD_ENTRY_ROW (row))
    label_peek_buttons (GTK_WIDGET (row));
  /* Translators: the pencil icon that says a field can be edited */
  hide_images (GTK_WIDGET (row), _("Editable"));
}

void
xg_label_avatar (AdwAvatar  *avatar,
                 const char *label)
{
  g_return_if_fail (ADW_IS_AVATAR (avatar));

  gtk_accessible_update_property (GTK_ACCESSIBLE (avatar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label ? label : "",
                                  -1);
  hide_images (GTK_WIDGET (avatar), label ? label : "");
}

/* The list an AdwPreferencesGroup keeps its rows in. */
static GtkWidget *
find_list_box (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LIST_BOX (child))
        return child;
      if ((found = find_list_box (child)) != NULL)
        return found;
    }
  return NULL;
}

void
xg_label_preferences_group (AdwPreferencesGroup *group,
                            const char          *label)
{
  GtkWidget *list;

  g_return_if_fail (ADW_IS_PREFERENCES_GROUP (group));

  /* A group with a title names its list after it; one without says
   * "GtkListBox" (libadwaita 1.2). */
  list = find_list_box (GTK_WIDGET (group));
  if (list != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (list),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                    -1);
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
      if (retry_after == 0)
        return g_strdup (_("Too many attempts. Try again later."));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Too many attempts. Try again in %u second.",
                                           "Too many attempts. Try again in %u seconds.",
                                           retry_after),
                              retry_after);
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
      /* Also what the server says of a disabled account, and of a friend
       * request to one (docs/PROTOCOL.md 5.7). */
      return g_strdup (_("There is no such account, or it has been disabled."));
    case XG_SESSION_ERROR_ALREADY_FRIENDS:
      return g_strdup (_("You are friends already."));
    case XG_SESSION_ERROR_LIMIT_REACHED:
      return g_strdup (_("The server’s limit is reached: you, or the other person, have as many friends or unanswered friend requests as it allows."));
    case XG_SESSION_ERROR_PERMISSION_DENIED:
      return g_strdup (_("The server does not allow your account to do this."));
    case XG_SESSION_ERROR_NOT_LOGGED_IN:
      return g_strdup (_("You are not logged in."));
    case XG_SESSION_ERROR_DISCONNECTED:
      return g_strdup (_("The connection to the server was lost. Try again."));
    case XG_SESSION_ERROR_OFFLINE:
      return g_strdup (xg_offline_text ());
    case XG_SESSION_ERROR_TIMED_OUT:
      return g_strdup (_("The server did not answer in time. Try again."));
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

gboolean
xg_session_is_online (XgSession *session)
{
  g_return_val_if_fail (XG_IS_SESSION (session), FALSE);
  return xg_session_get_state (session) == XG_SESSION_LOGGED_IN && !xg_session_get_reconnecting (session);
}

const char *
xg_offline_text (void)
{
  return _("Xinge is not connected to the server right now. Try again when the connection is back.");
}

char *
xg_format_relative_time (gint64 time,
                         gint64 now)
{
  gint64 ago = now - time;
  g_autoptr(GDateTime) then = NULL;
  g_autoptr(GDateTime) today = NULL;

  /* A clock a little behind the server's is "just now", not the future. */
  if (ago < 60)
    return g_strdup (_("just now"));
  if (ago < 60 * 60)
    {
      guint minutes = ago / 60;
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute ago", "%u minutes ago", minutes), minutes);
    }
  if (ago < 24 * 60 * 60)
    {
      guint hours = ago / (60 * 60);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour ago", "%u hours ago", hours), hours);
    }
  if (ago < 7 * 24 * 60 * 60)
    {
      guint days = ago / (24 * 60 * 60);
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u day ago", "%u days ago", days), days);
    }

  then = g_date_time_new_from_unix_local (time);
  today = g_date_time_new_from_unix_local (now);
  if (then == NULL || today == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (then) == g_date_time_get_year (today))
    /* Translators: a date in this year, in g_date_time_format () syntax;
     * e.g. "%-m月%-d日" in Chinese */
    return g_date_time_format (then, _("%B %-d"));
  /* Translators: a date in another year, in g_date_time_format () syntax;
   * e.g. "%Y年%-m月%-d日" in Chinese */
  return g_date_time_format (then, _("%B %-d, %Y"));
}

char *
xg_format_birthday (const char *birthday)
{
  g_autoptr(GDateTime) date = NULL;
  int year, month, day;

  if (birthday == NULL || sscanf (birthday, "%4d-%2d-%2d", &year, &month, &day) != 3)
    return NULL;
  date = g_date_time_new_local (year, month, day, 0, 0, 0);
  if (date == NULL)
    return NULL;
  /* Translators: how a birthday is shown, in g_date_time_format () syntax;
   * e.g. "%Y年%-m月%-d日" in Chinese */
  return g_date_time_format (date, _("%B %-d, %Y"));
}

const char *
xg_gender_label (const char *gender)
{
  if (g_strcmp0 (gender, "female") == 0)
    return _("Female");
  if (g_strcmp0 (gender, "male") == 0)
    return _("Male");
  if (g_strcmp0 (gender, "other") == 0)
    return C_("gender", "Other");
  return NULL;
}

/* What xg_profile_get_avatar_paintable () keeps on a profile. */
typedef struct {
  GBytes     *bytes;     /* the avatar it was decoded from */
  GdkTexture *texture;   /* NULL: not a picture */
} AvatarCache;

static void
avatar_cache_free (AvatarCache *cache)
{
  g_clear_pointer (&cache->bytes, g_bytes_unref);
  g_clear_object (&cache->texture);
  g_free (cache);
}

GdkPaintable *
xg_profile_get_avatar_paintable (XgProfile *profile)
{
  static GQuark quark;
  AvatarCache *cache;
  GBytes *bytes;

  g_return_val_if_fail (profile == NULL || XG_IS_PROFILE (profile), NULL);

  if (profile == NULL)
    return NULL;
  bytes = xg_profile_get_avatar (profile);
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return NULL;

  if (quark == 0)
    quark = g_quark_from_static_string ("xg-avatar-paintable");
  cache = g_object_get_qdata (G_OBJECT (profile), quark);
  if (cache == NULL || cache->bytes != bytes)
    {
      g_autoptr(GError) error = NULL;

      cache = g_new0 (AvatarCache, 1);
      cache->bytes = g_bytes_ref (bytes);
      cache->texture = gdk_texture_new_from_bytes (bytes, &error);
      if (cache->texture == NULL)
        g_debug ("The avatar of account %" G_GUINT64_FORMAT " is not a picture: %s",
                 xg_profile_get_account_id (profile), error->message);
      g_object_set_qdata_full (G_OBJECT (profile), quark, cache, (GDestroyNotify) avatar_cache_free);
    }
  return GDK_PAINTABLE (cache->texture);
}

char *
xg_friend_answer_text (const char *nickname,
                       guint       outcome,
                       const char *reason)
{
  switch ((XgFriendRequestOutcome) outcome)
    {
    case XG_FRIEND_REQUEST_ACCEPTED:
      return g_strdup_printf (_("%s accepted your friend request"), nickname);
    case XG_FRIEND_REQUEST_DECLINED:
      if (reason != NULL && reason[0] != '\0')
        /* Translators: a nickname, then the reason they gave */
        return g_strdup_printf (_("%s declined: %s"), nickname, reason);
      return g_strdup_printf (_("%s declined your friend request"), nickname);
    case XG_FRIEND_REQUEST_EXPIRED:
    default:
      return g_strdup_printf (_("Your request to %s expired"), nickname);
    }
}

char *
xg_char_count_text (const char *text,
                    guint       max)
{
  /* Translators: characters typed of the most allowed, e.g. "12/128" */
  return g_strdup_printf (_("%ld/%u"), text ? g_utf8_strlen (text, -1) : 0, max);
}

/* --- Chat ------------------------------------------------------------------ */

char *
xg_message_preview (XgMessage *message)
{
  const char *text;

  if (message == NULL)
    return g_strdup ("");
  switch (xg_message_get_kind (message))
    {
    case XG_MESSAGE_KIND_TEXT:
      text = xg_message_get_text (message);
      if (text == NULL)
        return g_strdup ("");
      /* One line: the first of the text's, cut at 200 bytes. */
      {
        const char *end = strchr (text, '\n');
        gsize len = end != NULL ? (gsize) (end - text) : strlen (text);
        const char *cut;

        if (len > 200)
          len = 200;
        cut = text + len;
        /* Not in the middle of a character. */
        if (!g_utf8_validate (text, len, &cut))
          len = cut - text;
        if (end != NULL || text[len] != '\0')
          return g_strdup_printf ("%.*s…", (int) len, text);
        return g_strndup (text, len);
      }
    case XG_MESSAGE_KIND_IMAGE:
      return g_strdup (_("Image"));
    case XG_MESSAGE_KIND_FILE:
      /* Translators: a file message in the conversation list; %s is its name */
      return g_strdup_printf (_("File: %s"), xg_message_get_file_name (message) ? xg_message_get_file_name (message) : "");
    case XG_MESSAGE_KIND_UNSUPPORTED:
    default:
      return g_strdup (_("Unsupported message"));
    }
}

const char *
xg_message_failure_text (guint failure)
{
  switch ((XgSessionError) failure)
    {
    case XG_SESSION_ERROR_PERMISSION_DENIED:
      return _("Only friends can message each other");
    case XG_SESSION_ERROR_INVALID_INPUT:
      return _("This message is too large or not valid");
    case XG_SESSION_ERROR_RATE_LIMITED:
    case XG_SESSION_ERROR_BUSY:
      return _("The server is busy; try again in a moment");
    case XG_SESSION_ERROR_LIMIT_REACHED:
      return _("The server’s storage limit was reached");
    default:
      return _("The server did not take this message");
    }
}

gboolean
xg_same_day (gint64 a,
             gint64 b)
{
  g_autoptr(GDateTime) da = g_date_time_new_from_unix_local (a / G_USEC_PER_SEC);
  g_autoptr(GDateTime) db = g_date_time_new_from_unix_local (b / G_USEC_PER_SEC);

  if (da == NULL || db == NULL)
    return FALSE;
  return g_date_time_get_year (da) == g_date_time_get_year (db)
         && g_date_time_get_day_of_year (da) == g_date_time_get_day_of_year (db);
}

char *
xg_format_clock_time (gint64 time)
{
  g_autoptr(GDateTime) then = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);

  if (then == NULL)
    return g_strdup ("");
  /* Translators: the time of a message today, in g_date_time_format () syntax */
  return g_date_time_format (then, _("%H:%M"));
}

static char *
format_date (gint64 time,
             gint64 now)
{
  g_autoptr(GDateTime) then = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_local (now / G_USEC_PER_SEC);

  if (then == NULL || today == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (then) == g_date_time_get_year (today))
    return g_date_time_format (then, _("%B %-d"));
  return g_date_time_format (then, _("%B %-d, %Y"));
}

char *
xg_format_message_time (gint64 time,
                        gint64 now)
{
  if (xg_same_day (time, now))
    return xg_format_clock_time (time);
  return format_date (time, now);
}

char *
xg_format_day (gint64 time,
               gint64 now)
{
  if (xg_same_day (time, now))
    return g_strdup (_("Today"));
  if (xg_same_day (time, now - (gint64) 24 * 60 * 60 * G_USEC_PER_SEC))
    return g_strdup (_("Yesterday"));
  return format_date (time, now);
}

char *
xg_peer_display_name (XgSession *session,
                      guint64    peer_id)
{
  XgContacts *contacts = session != NULL ? xg_session_get_contacts (session) : NULL;
  XgContact *contact = contacts != NULL ? xg_contacts_lookup (contacts, peer_id) : NULL;

  if (contact != NULL && xg_contact_get_display_name (contact) != NULL)
    return g_strdup (xg_contact_get_display_name (contact));
  /* Translators: the name of a chat with someone who is no longer a friend */
  return g_strdup (_("Former Friend"));
}
