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
#include "xg-profile.h"
#include "xg-proto-limits.h"
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
xg_set_shown (GtkWidget *widget,
              gboolean   shown)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  gtk_widget_set_visible (widget, shown);
  gtk_accessible_update_state (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_STATE_HIDDEN, !shown, -1);
}

/* --- Names the toolkit leaves out ------------------------------------------ */

/* "登录(_L)" → "登录", "_Log In" → "Log In", "a__b" → "a_b": a label with
 * its access key, as a screen reader should say it. */
static char *
strip_mnemonic (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      /* "(_X)", with the space before it, if any. */
      if (p[0] == '(' && p[1] == '_' && p[2] != '\0' && p[2] != '_')
        {
          const char *end = g_utf8_next_char (p + 2);

          if (*end == ')')
            {
              while (out->len > 0 && out->str[out->len - 1] == ' ')
                g_string_truncate (out, out->len - 1);
              p = end;
              continue;
            }
        }
      if (p[0] == '_')
        {
          if (p[1] == '_')
            {
              g_string_append_c (out, '_');
              p++;
            }
          continue;
        }
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* Whether @widget has a label of its own, or another widget naming it
 * (GTK 4.8 has no getter for either but its test API). */
static gboolean
has_accessible_name (GtkWidget *widget)
{
  g_autofree char *not_empty = NULL;

  if (gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return TRUE;
  if (!gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    return FALSE;
  /* An empty label is no name: GTK then names the widget after its child. */
  not_empty = gtk_test_accessible_check_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, "");
  return not_empty != NULL;
}

static void
set_accessible_name (GtkWidget  *widget,
                     const char *name)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

/* The first label under @widget, @widget itself included. */
static GtkLabel *
find_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return GTK_LABEL (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *label = find_label (child);

      if (label != NULL)
        return label;
    }
  return NULL;
}

/* A control whose label has an access key is named by the label without
 * it, kept in step when the label changes: GTK 4.8 keeps the parentheses
 * of "登录(_L)" and, once the label changed, the underscores too. */
static void
name_without_mnemonic (GtkWidget  *named,
                       const char *text)
{
  g_autofree char *name = strip_mnemonic (text);

  /* GTK 4.8 would read the label it is labelled by after the name. */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (named), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  set_accessible_name (named, name);
}

static void
on_mnemonic_label_changed (GObject    *source,
                           GParamSpec *pspec,
                           GtkWidget  *named)
{
  g_autofree char *text = NULL;

  g_object_get (source, pspec->name, &text, NULL);
  name_without_mnemonic (named, text != NULL ? text : "");
}

static void
on_item_label_changed (GtkLabel  *label,
                       GParamSpec *pspec,
                       GtkWidget *item)
{
  set_accessible_name (item, gtk_label_get_text (label));
}

static void
follow_mnemonic (GtkWidget  *named,
                 GObject    *source,
                 const char *property)
{
  g_autofree char *signal = g_strdup_printf ("notify::%s", property);
  g_autofree char *text = NULL;

  if (g_object_get_data (G_OBJECT (named), "xg-mnemonic-followed") != NULL)
    return;
  g_object_set_data (G_OBJECT (named), "xg-mnemonic-followed", GINT_TO_POINTER (1));
  g_signal_connect_object (source, signal, G_CALLBACK (on_mnemonic_label_changed), named, 0);
  g_object_get (source, property, &text, NULL);
  name_without_mnemonic (named, text != NULL ? text : "");
}

/* What a control without a name of its own is about: the row, group, page
 * or window it is in. */
static const char *
context_name (GtkWidget  *widget,
              const char *outer)
{
  const char *title = NULL;

  if (ADW_IS_PREFERENCES_ROW (widget))
    title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
  else if (ADW_IS_PREFERENCES_GROUP (widget))
    title = adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (widget));
  else if (ADW_IS_PREFERENCES_PAGE (widget))
    title = adw_preferences_page_get_title (ADW_PREFERENCES_PAGE (widget));
  else if (GTK_IS_WINDOW (widget))
    title = gtk_window_get_title (GTK_WINDOW (widget));
  else if (GTK_IS_STACK (gtk_widget_get_parent (widget)))
    title = gtk_stack_page_get_title (gtk_stack_get_page (GTK_STACK (gtk_widget_get_parent (widget)), widget));
  return title != NULL && title[0] != '\0' ? title : outer;
}

/* A button that is only the icon @icon_name (the Keyboard Shortcuts
 * window's magnifier, a toast's cross). */
static gboolean
is_icon_button (GtkWidget  *button,
                const char *icon_name)
{
  GtkWidget *child = gtk_widget_get_first_child (button);

  return GTK_IS_IMAGE (child) && g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (child)), icon_name) == 0;
}

static void
name_tree (GtkWidget  *widget,
           const char *outer)
{
  g_autofree char *context = NULL;
  GtkWidget *parent = gtk_widget_get_parent (widget);

  context = strip_mnemonic (context_name (widget, outer ? outer : ""));

  if (GTK_IS_BUTTON (widget))
    {
      GtkLabel *label = find_label (widget);

      if (label != NULL && gtk_label_get_use_underline (label))
        follow_mnemonic (widget, G_OBJECT (label), "label");
      else if (label != NULL && !has_accessible_name (widget) && gtk_label_get_text (label)[0] != '\0')
        {
          /* A label put in by hand (the About window's version) is not
           * what GTK 4.8 names the button by: "GtkButton". */
          set_accessible_name (widget, gtk_label_get_text (label));
          g_signal_connect_object (label, "notify::label", G_CALLBACK (on_item_label_changed), widget, 0);
        }
      else if (label == NULL)
        {
          const char *tooltip = gtk_widget_get_tooltip_text (widget);

          /* An icon alone: its tooltip says what it does (libadwaita's
           * own back buttons reach AT-SPI as "GtkImage" otherwise). */
          if (tooltip != NULL && tooltip[0] != '\0')
            {
              gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
              set_accessible_name (widget, tooltip);
            }
          else if (is_icon_button (widget, "edit-find-symbolic"))
            {
              gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
              set_accessible_name (widget, _("Search"));
            }

          else if (!has_accessible_name (widget))
            set_accessible_name (widget, context);
        }
    }
  else if (GTK_IS_MENU_BUTTON (widget) && !has_accessible_name (widget))
    {
      const char *tooltip = gtk_widget_get_tooltip_text (widget);
      GtkLabel *label = find_label (widget);
      const char *name = tooltip != NULL && tooltip[0] != '\0' ? tooltip
                         : label != NULL && gtk_label_get_text (label)[0] != '\0' ? gtk_label_get_text (label)
                         : context;

      set_accessible_name (widget, name);
      /* GTK 4.8 shows its inner toggle button too, with its own name. */
      if (gtk_widget_get_first_child (widget) != NULL)
        set_accessible_name (gtk_widget_get_first_child (widget), name);
    }
  else if (g_str_equal (G_OBJECT_TYPE_NAME (widget), "GtkModelButton"))
    follow_mnemonic (widget, G_OBJECT (widget), "text");
  else if (ADW_IS_PREFERENCES_ROW (widget) && adw_preferences_row_get_use_underline (ADW_PREFERENCES_ROW (widget)))
    follow_mnemonic (widget, G_OBJECT (widget), "title");
  else if ((GTK_IS_LIST_BOX (widget) || GTK_IS_LIST_VIEW (widget) || GTK_IS_TEXT_VIEW (widget)) &&
           !gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL))
    {
      /* libadwaita labels some by an empty title: named by what they are in. */
      gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
      set_accessible_name (widget, context);
    }
  else if (GTK_IS_SEARCH_ENTRY (widget) && !has_accessible_name (widget))
    {
      g_autofree char *placeholder = NULL;

      g_object_get (widget, "placeholder-text", &placeholder, NULL);
      /* Translators: the accessible name of a search field */
      set_accessible_name (widget, placeholder != NULL && placeholder[0] != '\0' ? placeholder : _("Search"));
    }
  else if (ADW_IS_AVATAR (widget) && !has_accessible_name (widget))
    {
      const char *text = adw_avatar_get_text (ADW_AVATAR (widget));

      set_accessible_name (widget, text != NULL && text[0] != '\0' ? text : context);
      hide_images (widget, context);
    }
  else if (GTK_IS_IMAGE (widget) && !GTK_IS_BUTTON (parent) && !has_accessible_name (widget))
    {
      /* Decoration (an expander's arrow, a page's icon): hidden, and
       * named for when GTK 4.8 shows it all the same. */
      gtk_accessible_update_state (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
      set_accessible_name (widget, context);
    }
  else if (GTK_IS_LIST_VIEW (parent) && !has_accessible_name (widget))
    {
      /* An item of a list (a drop-down's choices): named by its text. */
      GtkLabel *label = find_label (widget);

      if (label != NULL)
        {
          set_accessible_name (widget, gtk_label_get_text (label));
          g_signal_connect_object (label, "notify::label", G_CALLBACK (on_item_label_changed), widget, 0);
        }
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    name_tree (child, context);
}

static void
on_window_mapped (GtkWidget *window)
{
  name_tree (window, NULL);
}

/* What the nearest titled row, group, page or window around @widget is. */
static char *
ancestor_context (GtkWidget *widget)
{
  for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL; w = gtk_widget_get_parent (w))
    {
      const char *name = context_name (w, NULL);

      if (name != NULL)
        return g_strdup (name);
    }
  return g_strdup ("");
}

/* Rows, list items and popovers come and go after their window was
 * shown: each is named as it is mapped. */
static gboolean
on_widget_mapped (GSignalInvocationHint *hint,
                  guint                  n_params,
                  const GValue          *params,
                  gpointer               data)
{
  GtkWidget *widget = g_value_get_object (&params[0]);
  GtkWidget *parent = gtk_widget_get_parent (widget);

  /* A toast's cross: libadwaita 1.2 leaves it labelled by its image
   * ("GtkImage"). */
  if (g_str_equal (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget"))
    for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      if (GTK_IS_BUTTON (child) && is_icon_button (child, "window-close-symbolic"))
        {
          gtk_accessible_reset_relation (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
          /* Translators: the accessible name of a toast's close button */
          set_accessible_name (child, _("Dismiss"));
        }
  if (GTK_IS_LIST_BOX_ROW (widget) || GTK_IS_POPOVER (widget) || GTK_IS_LIST_VIEW (parent) ||
      g_str_equal (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget"))
    {
      g_autofree char *context = ancestor_context (widget);

      name_tree (widget, context);
    }
  return TRUE;
}

static void
watch_window (GtkWindow *window)
{
  if (g_object_get_data (G_OBJECT (window), "xg-accessible-watched") != NULL)
    return;
  g_object_set_data (G_OBJECT (window), "xg-accessible-watched", GINT_TO_POINTER (1));
  g_signal_connect (window, "map", G_CALLBACK (on_window_mapped), NULL);
  if (gtk_widget_get_mapped (GTK_WIDGET (window)))
    on_window_mapped (GTK_WIDGET (window));
}

static void
on_toplevels_changed (GListModel *toplevels,
                      guint       position,
                      guint       removed,
                      guint       added)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      watch_window (window);
    }
}

void
xg_accessible_watch_windows (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */
  static gboolean watching;

  if (watching)
    return;
  watching = TRUE;
  /* The class is made (and its signals with it) by the first widget. */
  g_type_class_unref (g_type_class_ref (GTK_TYPE_WIDGET));
  g_signal_add_emission_hook (g_signal_lookup ("map", GTK_TYPE_WIDGET), 0, on_widget_mapped, NULL, NULL);
  g_signal_connect (toplevels, "items-changed", G_CALLBACK (on_toplevels_changed), NULL);
  on_toplevels_changed (toplevels, 0, 0, g_list_model_get_n_items (toplevels));
}

/* --- Window titles -------------------------------------------------------- */

typedef struct
{
  char         *what;
  XgSession    *session;
  GSignalGroup *profile_signals;
} AccountTitle;

static void
account_title_free (gpointer data)
{
  AccountTitle *title = data;

  g_free (title->what);
  g_clear_object (&title->profile_signals);
  g_clear_object (&title->session);
  g_free (title);
}

static void
update_account_title (GtkWindow *window)
{
  AccountTitle *title = g_object_get_data (G_OBJECT (window), "xg-account-title");
  XgProfile *profile = xg_session_get_profile (title->session);
  const char *name = profile != NULL ? xg_profile_get_nickname (profile) : NULL;
  g_autofree char *text = NULL;

  if (name == NULL || name[0] == '\0')
    name = xg_session_get_email (title->session);
  if (name == NULL || name[0] == '\0')
    text = g_strdup (title->what != NULL ? title->what : _("Xinge"));
  else if (title->what == NULL)
    /* Translators: the main window's title: the account's nickname (or
     * email), then the app's name */
    text = g_strdup_printf (_("%s — Xinge"), name);
  else
    /* Translators: a window's title: what it shows ("Profile"), then the
     * account's nickname (or email) */
    text = g_strdup_printf (C_("window title", "%1$s — %2$s"), title->what, name);
  gtk_window_set_title (window, text);
}

static void
on_account_title_profile (GtkWindow *window)
{
  AccountTitle *title = g_object_get_data (G_OBJECT (window), "xg-account-title");

  g_signal_group_set_target (title->profile_signals, xg_session_get_profile (title->session));
  update_account_title (window);
}

void
xg_follow_account_title (GtkWindow  *window,
                         const char *what,
                         XgSession  *session)
{
  AccountTitle *title;

  g_return_if_fail (GTK_IS_WINDOW (window));
  g_return_if_fail (XG_IS_SESSION (session));
  g_return_if_fail (g_object_get_data (G_OBJECT (window), "xg-account-title") == NULL);

  title = g_new0 (AccountTitle, 1);
  title->what = g_strdup (what);
  title->session = g_object_ref (session);
  title->profile_signals = g_signal_group_new (XG_TYPE_PROFILE);
  g_object_set_data_full (G_OBJECT (window), "xg-account-title", title, account_title_free);
  g_signal_group_connect_object (title->profile_signals, "notify::nickname",
                                 G_CALLBACK (update_account_title), window, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::profile",
                           G_CALLBACK (on_account_title_profile), window, G_CONNECT_SWAPPED);
  on_account_title_profile (window);
}

/* --- Revealers ------------------------------------------------------------- */

static void
update_revealed (GtkRevealer *revealer)
{
  GtkWidget *child = gtk_revealer_get_child (revealer);
  gboolean shown = gtk_revealer_get_reveal_child (revealer) || gtk_revealer_get_child_revealed (revealer);

  if (child != NULL)
    gtk_accessible_update_state (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_STATE_HIDDEN, !shown, -1);
}

void
xg_hide_unrevealed (GtkRevealer *revealer)
{
  g_return_if_fail (GTK_IS_REVEALER (revealer));

  g_signal_connect (revealer, "notify::reveal-child", G_CALLBACK (update_revealed), NULL);
  g_signal_connect (revealer, "notify::child-revealed", G_CALLBACK (update_revealed), NULL);
  update_revealed (revealer);
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
xg_avatar_problem (GBytes       *png,
                   const GError *error)
{
  g_autofree char *size = NULL;
  g_autofree char *limit = NULL;

  if (png == NULL)
    return g_strdup_printf (_("This picture cannot be used: %s"), error->message);
  if (g_bytes_get_size (png) <= XG_PROTO_MAX_AVATAR_BYTES)
    return NULL;
  size = g_format_size (g_bytes_get_size (png));
  limit = g_format_size (XG_PROTO_MAX_AVATAR_BYTES);
  return g_strdup_printf (_("This picture is still too large at 256 × 256 pixels (%s; the limit is %s). "
                            "Choose a simpler picture."), size, limit);
}

typedef struct {
  GtkNativeDialog **slot;
  XgPictureChosen   chosen;
  gpointer          user_data;
} PictureChooser;

static void
on_picture_chooser_response (GtkNativeDialog *chooser,
                             int              response,
                             PictureChooser  *data)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (file != NULL)
        data->chosen (data->user_data, file);
    }
  g_clear_object (data->slot);
}

void
xg_picture_chooser_open (GtkWindow        *parent,
                         GtkNativeDialog **slot,
                         XgPictureChosen   chosen,
                         gpointer          user_data)
{
  g_autoptr(GtkFileFilter) filter = NULL;
  PictureChooser *data;

  if (*slot != NULL)
    return;
  *slot = GTK_NATIVE_DIALOG (gtk_file_chooser_native_new (_("Choose a Picture"), parent,
                                                          GTK_FILE_CHOOSER_ACTION_OPEN,
                                                          _("_Choose"), _("_Cancel")));
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Pictures"));
  gtk_file_filter_add_pixbuf_formats (filter);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (*slot), filter);
  gtk_native_dialog_set_modal (*slot, TRUE);
  data = g_new (PictureChooser, 1);
  *data = (PictureChooser) { slot, chosen, user_data };
  g_signal_connect_data (*slot, "response", G_CALLBACK (on_picture_chooser_response), data,
                         (GClosureNotify) (void (*) (void)) g_free, 0);
  gtk_native_dialog_show (*slot);
}

void
xg_picture_chooser_close (GtkNativeDialog **slot)
{
  if (*slot == NULL)
    return;
  g_signal_handlers_disconnect_matched (*slot, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        on_picture_chooser_response, NULL);
  gtk_native_dialog_destroy (*slot);
  g_clear_object (slot);
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
    case XG_SESSION_ERROR_ALREADY_PENDING:
      return g_strdup (_("You asked already: it waits for an answer."));
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

/* --- Verification codes -------------------------------------------------- */

void
xg_countdown_init (XgCountdown    *countdown,
                   XgCountdownTick tick,
                   gpointer        owner)
{
  *countdown = (XgCountdown) { 0, 0, tick, owner };
}

static gboolean
countdown_tick (gpointer user_data)
{
  XgCountdown *countdown = user_data;

  if (countdown->left > 0)
    countdown->left--;
  countdown->tick (countdown->owner);
  if (countdown->left == 0)
    {
      countdown->source_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

void
xg_countdown_start (XgCountdown *countdown,
                    guint        seconds)
{
  g_clear_handle_id (&countdown->source_id, g_source_remove);
  countdown->left = seconds;
  if (seconds > 0)
    countdown->source_id = g_timeout_add_seconds (1, countdown_tick, countdown);
  countdown->tick (countdown->owner);
}

void
xg_countdown_stop (XgCountdown *countdown)
{
  g_clear_handle_id (&countdown->source_id, g_source_remove);
  countdown->left = 0;
}

void
xg_code_button_update (GtkButton         *button,
                       const XgCountdown *countdown,
                       gboolean           sending,
                       gboolean           sent,
                       gboolean           can_send)
{
  if (sending)
    {
      gtk_button_set_label (button, _("Sending…"));
      gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
    }
  else if (countdown->left > 0)
    {
      /* Translators: a button that is disabled until a new code may be sent; "s" is seconds */
      g_autofree char *label = g_strdup_printf (_("Resend in %u s"), countdown->left);

      gtk_button_set_label (button, label);
      gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
    }
  else
    {
      gtk_button_set_label (button, sent ? _("Resend Code") : _("Send Code"));
      gtk_widget_set_sensitive (GTK_WIDGET (button), can_send);
    }
}

/* --- Groups ------------------------------------------------------------------------- */

/* A number as the user reads it: digits, no grouping. */
static const char *
group_id_text (guint64 id)
{
  static char buffer[32];

  g_snprintf (buffer, sizeof buffer, "%" G_GUINT64_FORMAT, id);
  return buffer;
}

/**
 * xg_group_get_avatar_paintable:
 *
 * Returns: (transfer none) (nullable): the group's avatar, decoded once
 *   per picture, or %NULL when it has none (or it is no picture)
 */
GdkPaintable *
xg_group_get_avatar_paintable (XgGroup *group)
{
  static GQuark quark;
  AvatarCache *cache;
  GBytes *bytes;

  if (group == NULL)
    return NULL;
  bytes = xg_group_get_avatar (group);
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return NULL;
  if (quark == 0)
    quark = g_quark_from_static_string ("xg-group-avatar-paintable");
  cache = g_object_get_qdata (G_OBJECT (group), quark);
  if (cache == NULL || cache->bytes != bytes)
    {
      g_autoptr(GError) error = NULL;

      cache = g_new0 (AvatarCache, 1);
      cache->bytes = g_bytes_ref (bytes);
      cache->texture = gdk_texture_new_from_bytes (bytes, &error);
      if (cache->texture == NULL)
        g_debug ("The avatar of group %" G_GUINT64_FORMAT " is not a picture: %s",
                 xg_group_get_id (group), error->message);
      g_object_set_qdata_full (G_OBJECT (group), quark, cache, (GDestroyNotify) avatar_cache_free);
    }
  return GDK_PAINTABLE (cache->texture);
}

XgGroup *
xg_session_lookup_group (XgSession *session,
                         guint64    group_id)
{
  XgGroups *groups = session != NULL ? xg_session_get_groups (session) : NULL;

  return groups != NULL ? xg_groups_lookup (groups, group_id) : NULL;
}

char *
xg_group_display_name (XgSession *session,
                       guint64    group_id)
{
  XgGroup *group = xg_session_lookup_group (session, group_id);

  if (group != NULL && xg_group_get_name (group)[0] != '\0')
    return g_strdup (xg_group_get_name (group));
  /* Translators: a group whose name is not known yet; %s is its number */
  return g_strdup_printf (_("Group %s"), group_id_text (group_id));
}

char *
xg_group_number_text (guint64 group_id)
{
  return g_strdup (group_id_text (group_id));
}

char *
xg_conversation_display_name (XgSession      *session,
                              XgConversation *conversation)
{
  if (xg_conversation_get_kind (conversation) == XG_CONVERSATION_GROUP)
    return xg_group_display_name (session, xg_conversation_get_peer_id (conversation));
  return xg_peer_display_name (session, xg_conversation_get_peer_id (conversation));
}

char *
xg_group_sender_name (XgSession *session,
                      guint64    group_id,
                      guint64    sender_id)
{
  XgContacts *contacts = session != NULL ? xg_session_get_contacts (session) : NULL;
  XgContact *contact = contacts != NULL ? xg_contacts_lookup (contacts, sender_id) : NULL;
  XgGroups *groups = session != NULL ? xg_session_get_groups (session) : NULL;
  const char *known = groups != NULL ? xg_groups_get_member_name (groups, group_id, sender_id) : NULL;

  if (session != NULL && sender_id == xg_session_get_account_id (session))
    {
      XgProfile *profile = xg_session_get_profile (session);

      if (profile != NULL && xg_profile_get_nickname (profile) != NULL)
        return g_strdup (xg_profile_get_nickname (profile));
    }
  if (contact != NULL && xg_contact_get_display_name (contact) != NULL)
    return g_strdup (xg_contact_get_display_name (contact));
  if (known != NULL)
    return g_strdup (known);
  /* Translators: a group member whose name is not known; %s is their account number */
  return g_strdup_printf (_("Member %s"), group_id_text (sender_id));
}

char *
xg_conversation_preview (XgSession      *session,
                         XgConversation *conversation)
{
  XgMessage *last = xg_conversation_get_last_message (conversation);
  g_autofree char *preview = xg_message_preview (last);
  g_autofree char *sender = NULL;

  if (last == NULL || xg_conversation_get_kind (conversation) != XG_CONVERSATION_GROUP)
    return g_steal_pointer (&preview);
  if (xg_message_get_outgoing (last))
    /* Translators: the newest message of a group in the chat list, your own; %s is the message */
    return g_strdup_printf (_("You: %s"), preview);
  sender = xg_group_sender_name (session, xg_conversation_get_peer_id (conversation),
                                 xg_message_get_sender_id (last));
  /* Translators: the newest message of a group in the chat list: its sender's name, then the message */
  return g_strdup_printf (_("%s: %s"), sender, preview);
}

const char *
xg_group_role_label (guint role)
{
  switch (role)
    {
    case XG_GROUP_ROLE_OWNER:  return _("Owner");
    case XG_GROUP_ROLE_ADMIN:  return _("Admin");
    case XG_GROUP_ROLE_MEMBER: return _("Member");
    default:                   return _("Not a member");
    }
}
