/* xg-profile-window.c: see and edit the logged-in account's profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The form follows the session's XgProfile: a field the user has not
 * touched takes every new value the server sends; "Save" sends only the
 * fields that differ and then shows what the server echoed back. Saved
 * while the session is reconnecting, the changes wait for it, visibly,
 * within the session's request timeout; past it the form says so.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-account-dialog.h"
#include "xg-app-util.h"
#include "xg-application.h"
#include "xg-profile-window.h"
#include "xg-proto-limits.h"

/* Pictures bigger than this are not worth decoding for a 256×256 avatar. */
#define AVATAR_MAX_FILE_BYTES (32 * 1024 * 1024)

struct _XgProfileWindow
{
  AdwWindow         parent_instance;

  /* Template children */
  GtkButton        *save_button;
  GtkSpinner       *save_spinner;
  AdwToastOverlay  *toast_overlay;
  AdwAvatar        *avatar;
  GtkButton        *choose_avatar_button;
  GtkButton        *remove_avatar_button;
  GtkLabel         *avatar_error;
  AdwEntryRow      *nickname_row;
  AdwEntryRow      *signature_row;
  AdwComboRow      *gender_row;
  AdwActionRow     *birthday_row;
  GtkMenuButton    *birthday_button;
  GtkPopover       *birthday_popover;
  GtkCalendar      *birthday_calendar;
  GtkButton        *birthday_clear_button;
  AdwEntryRow      *region_row;
  GtkLabel         *profile_error;
  GtkLabel         *account_id_label;
  GtkLabel         *email_label;
  GtkLabel         *server_label;
  GtkLabel         *fingerprint_label;
  AdwActionRow     *change_password_row;
  AdwActionRow     *change_email_row;
  AdwActionRow     *delete_account_row;

  XgSession        *session;
  GSignalGroup     *profile_signals;
  GCancellable     *cancellable;
  GtkNativeDialog  *chooser;

  /* The field values last taken from the profile, by property name: a
   * field still showing its loaded value follows the profile. */
  GHashTable       *loaded;
  char             *birthday;          /* "" or YYYY-MM-DD, as in the form */
  GBytes           *new_avatar;        /* a chosen picture, not saved yet */
  gboolean          avatar_removed;
  gboolean          loading_avatar;
  gboolean          saving;
  gboolean          loading_fields;
  gboolean          selecting_day;
  gboolean          disposed;
};

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *const text_fields[] = { "nickname", "signature", "gender", "birthday", "region" };
static const char *const genders[] = { "", "female", "male", "other" };

G_DEFINE_FINAL_TYPE (XgProfileWindow, xg_profile_window, ADW_TYPE_WINDOW)

XgSession *
xg_profile_window_get_session (XgProfileWindow *self)
{
  g_return_val_if_fail (XG_IS_PROFILE_WINDOW (self), NULL);
  return self->session;
}

/* --- Field values -------------------------------------------------------------- */

static char *
profile_value (XgProfile  *profile,
               const char *key)
{
  char *value = NULL;

  if (profile != NULL)
    g_object_get (profile, key, &value, NULL);
  return value != NULL ? value : g_strdup ("");
}

static char *
form_value (XgProfileWindow *self,
            const char      *key)
{
  if (g_str_equal (key, "nickname"))
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->nickname_row)));
  if (g_str_equal (key, "signature"))
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->signature_row)));
  if (g_str_equal (key, "region"))
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->region_row)));
  if (g_str_equal (key, "birthday"))
    return g_strdup (self->birthday ? self->birthday : "");
  if (g_str_equal (key, "gender"))
    {
      guint selected = adw_combo_row_get_selected (self->gender_row);
      return g_strdup (selected < G_N_ELEMENTS (genders) ? genders[selected] : "");
    }
  g_assert_not_reached ();
}

static void
update_birthday_button (XgProfileWindow *self)
{
  g_autoptr(GDateTime) date = NULL;
  int year, month, day;

  if (self->birthday != NULL
      && sscanf (self->birthday, "%4d-%2d-%2d", &year, &month, &day) == 3)
    date = g_date_time_new_local (year, month, day, 0, 0, 0);

  if (date != NULL)
    {
      /* Translators: how a birthday is shown, in g_date_time_format () syntax;
       * e.g. "%Y年%-m月%-d日" in Chinese */
      g_autofree char *text = g_date_time_format (date, _("%B %-d, %Y"));
      gtk_menu_button_set_label (self->birthday_button, text);
    }
  else
    gtk_menu_button_set_label (self->birthday_button, C_("birthday", "Not set"));
  gtk_widget_set_visible (GTK_WIDGET (self->birthday_clear_button), date != NULL);
}

static void
set_form_value (XgProfileWindow *self,
                const char      *key,
                const char      *value)
{
  if (g_str_equal (key, "nickname"))
    gtk_editable_set_text (GTK_EDITABLE (self->nickname_row), value);
  else if (g_str_equal (key, "signature"))
    gtk_editable_set_text (GTK_EDITABLE (self->signature_row), value);
  else if (g_str_equal (key, "region"))
    gtk_editable_set_text (GTK_EDITABLE (self->region_row), value);
  else if (g_str_equal (key, "birthday"))
    {
      g_free (self->birthday);
      self->birthday = g_strdup (value);
      update_birthday_button (self);
    }
  else if (g_str_equal (key, "gender"))
    {
      guint selected = 0;
      for (guint i = 0; i < G_N_ELEMENTS (genders); i++)
        if (g_str_equal (genders[i], value))
          selected = i;
      adw_combo_row_set_selected (self->gender_row, selected);
    }
}

static void
update_avatar (XgProfileWindow *self)
{
  XgProfile *profile = xg_session_get_profile (self->session);
  GBytes *bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  if (self->new_avatar != NULL)
    bytes = self->new_avatar;
  else if (!self->avatar_removed && profile != NULL)
    bytes = xg_profile_get_avatar (profile);

  if (bytes != NULL && g_bytes_get_size (bytes) > 0)
    texture = gdk_texture_new_from_bytes (bytes, NULL);
  adw_avatar_set_custom_image (self->avatar, GDK_PAINTABLE (texture));
  adw_avatar_set_text (self->avatar, gtk_editable_get_text (GTK_EDITABLE (self->nickname_row)));
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_avatar_button), texture != NULL && !self->loading_avatar);
  gtk_widget_set_sensitive (GTK_WIDGET (self->choose_avatar_button), !self->loading_avatar);
}

/* --- Validation and changes ------------------------------------------------------- */

/* The first problem with the form, or NULL. */
static const char *
form_problem (XgProfileWindow *self,
              GtkWidget      **widget)
{
  const char *nickname = gtk_editable_get_text (GTK_EDITABLE (self->nickname_row));
  const char *signature = gtk_editable_get_text (GTK_EDITABLE (self->signature_row));
  const char *region = gtk_editable_get_text (GTK_EDITABLE (self->region_row));
  /* The rules are the server's (xg-proto-limits.h); the sentences name
   * their numbers. */
  *widget = GTK_WIDGET (self->nickname_row);
  if (!xg_proto_nickname_is_valid (nickname))
    return _("The nickname must have 1 to 32 characters, without spaces at its start or end.");
  *widget = GTK_WIDGET (self->signature_row);
  if (!xg_proto_text_is_valid (signature, XG_PROTO_MAX_SIGNATURE_CHARS))
    return _("The signature can have at most 128 characters.");
  *widget = GTK_WIDGET (self->region_row);
  if (!xg_proto_text_is_valid (region, XG_PROTO_MAX_REGION_CHARS))
    return _("The region can have at most 64 characters.");
  *widget = NULL;
  return NULL;
}

GVariant *
xg_profile_window_dup_changes (XgProfileWindow *self)
{
  XgProfile *profile;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  gboolean any = FALSE;

  g_return_val_if_fail (XG_IS_PROFILE_WINDOW (self), NULL);

  profile = xg_session_get_profile (self->session);
  if (profile == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (text_fields); i++)
    {
      g_autofree char *now = form_value (self, text_fields[i]);
      g_autofree char *was = profile_value (profile, text_fields[i]);

      if (!g_str_equal (now, was))
        {
          g_variant_builder_add (&builder, "{sv}", text_fields[i], g_variant_new_string (now));
          any = TRUE;
        }
    }

  if (self->new_avatar != NULL)
    {
      g_variant_builder_add (&builder, "{sv}", "avatar",
                             g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, self->new_avatar, TRUE));
      any = TRUE;
    }
  else if (self->avatar_removed && xg_profile_get_avatar (profile) != NULL
           && g_bytes_get_size (xg_profile_get_avatar (profile)) > 0)
    {
      g_variant_builder_add (&builder, "{sv}", "avatar",
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1));
      any = TRUE;
    }

  if (!any)
    return NULL;
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static void
update_save_button (XgProfileWindow *self)
{
  g_autoptr(GVariant) changes = xg_profile_window_dup_changes (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button),
                            changes != NULL && !self->saving && !self->loading_avatar);
}

static void
on_field_changed (XgProfileWindow *self)
{
  GtkWidget *widget;

  if (self->loading_fields)
    return;
  xg_set_inline_message (self->profile_error, form_problem (self, &widget));
  update_save_button (self);
  update_avatar (self);
}

/* Takes the profile's values into the fields that still show what was
 * loaded before (all of them with @force). */
static void
load_from_profile (XgProfileWindow *self,
                   gboolean         force)
{
  XgProfile *profile = xg_session_get_profile (self->session);
  g_autofree char *account = NULL;

  self->loading_fields = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (text_fields); i++)
    {
      const char *key = text_fields[i];
      g_autofree char *now = form_value (self, key);
      g_autofree char *value = profile_value (profile, key);
      const char *loaded = g_hash_table_lookup (self->loaded, key);

      if (force || loaded == NULL || g_str_equal (now, loaded))
        set_form_value (self, key, value);
      g_hash_table_insert (self->loaded, (gpointer) key, g_steal_pointer (&value));
    }
  self->loading_fields = FALSE;

  account = g_strdup_printf ("%" G_GUINT64_FORMAT, xg_session_get_account_id (self->session));
  gtk_label_set_text (self->account_id_label, account);
  gtk_label_set_text (self->email_label, xg_session_get_email (self->session));
  gtk_label_set_text (self->server_label, xg_session_get_server (self->session));

  update_avatar (self);
  on_field_changed (self);
}

static void
update_fingerprint (XgProfileWindow *self)
{
  const char *fingerprint = xg_session_get_fingerprint (self->session);
  g_autofree char *text = xg_format_fingerprint (fingerprint);

  gtk_label_set_text (self->fingerprint_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->fingerprint_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Certificate Fingerprint"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, fingerprint ? fingerprint : "",
                                  -1);
}

static void
on_profile_notify (XgProfileWindow *self)
{
  if (!self->saving)
    load_from_profile (self, FALSE);
}

static void
on_session_profile_changed (XgProfileWindow *self)
{
  g_signal_group_set_target (self->profile_signals, xg_session_get_profile (self->session));
  load_from_profile (self, FALSE);
}

/* --- Saving ----------------------------------------------------------------------- */

static void
set_saving (XgProfileWindow *self,
            gboolean         saving)
{
  self->saving = saving;
  gtk_widget_set_visible (GTK_WIDGET (self->save_spinner), saving);
  gtk_spinner_set_spinning (self->save_spinner, saving);
  update_save_button (self);
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(XgProfileWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  xg_session_update_profile_finish (XG_SESSION (source), result, &error);
  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    {
      g_autofree char *text = NULL;

      set_saving (self, FALSE);
      if (g_error_matches (error, XG_SESSION_ERROR, XG_SESSION_ERROR_INVALID_INPUT))
        text = g_strdup (_("The server did not accept the changes. Check the fields above."));
      else
        text = xg_session_error_text (error, 0, xg_session_get_server (self->session));
      xg_set_inline_message (self->profile_error, text);
      return;
    }

  /* Show what the server keeps, not what was sent. */
  set_saving (self, FALSE);
  xg_set_inline_message (self->profile_error, NULL);
  g_clear_pointer (&self->new_avatar, g_bytes_unref);
  self->avatar_removed = FALSE;
  load_from_profile (self, TRUE);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (_("Profile saved")));
}

static void
on_save_clicked (XgProfileWindow *self)
{
  g_autoptr(GVariant) changes = NULL;
  GtkWidget *widget = NULL;
  const char *problem;

  if (self->saving || self->loading_avatar)
    return;

  problem = form_problem (self, &widget);
  if (problem != NULL)
    {
      xg_set_inline_message (self->profile_error, problem);
      gtk_widget_grab_focus (widget);
      return;
    }

  changes = xg_profile_window_dup_changes (self);
  if (changes == NULL)
    return;

  set_saving (self, TRUE);
  /* Offline, the session holds the changes until it is back, for a while
   * (XgSession:request-timeout): the user sees that it waits, and why. */
  xg_set_inline_message (self->profile_error,
                         xg_session_is_online (self->session)
                         ? NULL : _("Not connected right now. The changes will be saved when the connection is back."));
  xg_session_update_profile_async (self->session, changes, self->cancellable,
                                   on_saved, g_object_ref (self));
}

/* --- Birthday ------------------------------------------------------------------------- */

static void
on_birthday_popover_show (XgProfileWindow *self)
{
  int year, month, day;
  g_autoptr(GDateTime) date = NULL;

  if (self->birthday != NULL
      && sscanf (self->birthday, "%4d-%2d-%2d", &year, &month, &day) == 3)
    date = g_date_time_new_local (year, month, day, 0, 0, 0);
  if (date == NULL)
    date = g_date_time_new_local (2000, 1, 1, 0, 0, 0);
  self->selecting_day = TRUE;
  gtk_calendar_select_day (self->birthday_calendar, date);
  self->selecting_day = FALSE;
}

static void
on_birthday_day_selected (XgProfileWindow *self)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (self->birthday_calendar);
  g_autofree char *value = g_date_time_format (date, "%Y-%m-%d");

  if (self->selecting_day)
    return;
  set_form_value (self, "birthday", value);
  on_field_changed (self);
}

static void
on_birthday_clear_clicked (XgProfileWindow *self)
{
  set_form_value (self, "birthday", "");
  on_field_changed (self);
}

/* --- Avatar --------------------------------------------------------------------------- */

static void
on_size_prepared (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  double scale;

  if (width <= XG_PROFILE_AVATAR_MAX_SIZE && height <= XG_PROFILE_AVATAR_MAX_SIZE)
    return;
  scale = MIN ((double) XG_PROFILE_AVATAR_MAX_SIZE / width, (double) XG_PROFILE_AVATAR_MAX_SIZE / height);
  gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * scale + 0.5)), MAX (1, (int) (height * scale + 0.5)));
}

static GdkPixbuf *
read_picture (GFile         *file,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GFileInputStream) input = NULL;
  g_autoptr(GError) local_error = NULL;
  GdkPixbuf *pixbuf;
  gsize total = 0;
  guint8 buffer[65536];

  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), NULL);

  input = g_file_read (file, cancellable, error);
  if (input == NULL)
    {
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (input), buffer, sizeof buffer, cancellable, &local_error);

      if (n == 0)
        break;
      if (n > 0 && (total += n) > AVATAR_MAX_FILE_BYTES)
        {
          g_autofree char *limit = g_format_size (AVATAR_MAX_FILE_BYTES);
          g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The file is larger than %s."), limit);
        }
      if (n < 0 || local_error != NULL
          || !gdk_pixbuf_loader_write (loader, buffer, n, &local_error))
        {
          gdk_pixbuf_loader_close (loader, NULL);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  if (!gdk_pixbuf_loader_close (loader, error))
    return NULL;

  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The file is not a picture."));
      return NULL;
    }
  /* Photos keep their rotation in EXIF. */
  return gdk_pixbuf_apply_embedded_orientation (pixbuf);
}

/* In a worker thread: file → pixbuf of at most 256×256 → PNG bytes. */
static void
load_avatar_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  gchar *png = NULL;
  gsize png_len = 0;

  pixbuf = read_picture (G_FILE (task_data), cancellable, &error);
  if (pixbuf == NULL || !gdk_pixbuf_save_to_buffer (pixbuf, &png, &png_len, "png", &error, NULL))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_bytes_new_take (png, png_len), (GDestroyNotify) g_bytes_unref);
}

/* Also for the groups' pictures: @file made a PNG of at most 256×256 in a
 * worker thread. */
void
xg_load_avatar_png_async (GFile               *file,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, xg_load_avatar_png_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_avatar_thread);
}

GBytes *
xg_load_avatar_png_finish (GAsyncResult  *result,
                           GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_avatar_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  XgProfileWindow *self = XG_PROFILE_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *problem = NULL;

  self->loading_avatar = FALSE;
  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  problem = xg_avatar_problem (png, error);
  if (problem != NULL)
    xg_set_inline_message (self->avatar_error, problem);
  else
    {
      g_clear_pointer (&self->new_avatar, g_bytes_unref);
      self->new_avatar = g_steal_pointer (&png);
      self->avatar_removed = FALSE;
    }

  update_avatar (self);
  update_save_button (self);
}

void
xg_profile_window_load_avatar (XgProfileWindow *self,
                               GFile           *file)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (XG_IS_PROFILE_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  xg_set_inline_message (self->avatar_error, NULL);
  self->loading_avatar = TRUE;
  update_avatar (self);
  update_save_button (self);

  task = g_task_new (self, self->cancellable, on_avatar_loaded, NULL);
  g_task_set_source_tag (task, xg_profile_window_load_avatar);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_avatar_thread);
}

static void
on_choose_avatar_clicked (XgProfileWindow *self)
{
  xg_picture_chooser_open (GTK_WINDOW (self), &self->chooser, (XgPictureChosen) xg_profile_window_load_avatar, self);
}

static void
on_remove_avatar_clicked (XgProfileWindow *self)
{
  g_clear_pointer (&self->new_avatar, g_bytes_unref);
  self->avatar_removed = TRUE;
  xg_set_inline_message (self->avatar_error, NULL);
  update_avatar (self);
  update_save_button (self);
}

/* --- GObject ---------------------------------------------------------------------------- */

static void
xg_profile_window_constructed (GObject *object)
{
  XgProfileWindow *self = XG_PROFILE_WINDOW (object);

  G_OBJECT_CLASS (xg_profile_window_parent_class)->constructed (object);

  g_assert (self->session != NULL);

  g_signal_connect_object (self->session, "notify::profile",
                           G_CALLBACK (on_session_profile_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::fingerprint",
                           G_CALLBACK (update_fingerprint), self, G_CONNECT_SWAPPED);
  on_session_profile_changed (self);
  update_fingerprint (self);
}

/* --- The account's life ------------------------------------------------------ */

static void
on_account_dialog_done (XgProfileWindow *self,
                        const char      *message)
{
  gtk_label_set_text (self->email_label, xg_session_get_email (self->session));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

static void
open_account_dialog (XgProfileWindow     *self,
                     XgAccountDialogMode  mode)
{
  XgAccountDialog *dialog;

  if (!xg_session_is_online (self->session))
    {
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (xg_offline_text ()));
      return;
    }
  dialog = xg_account_dialog_new (self->session, mode, GTK_WINDOW (self));
  g_signal_connect_object (dialog, "done", G_CALLBACK (on_account_dialog_done), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_change_password_activated (XgProfileWindow *self)
{
  open_account_dialog (self, XG_ACCOUNT_DIALOG_PASSWORD);
}

static void
on_change_email_activated (XgProfileWindow *self)
{
  open_account_dialog (self, XG_ACCOUNT_DIALOG_EMAIL);
}

static void
on_delete_account_activated (XgProfileWindow *self)
{
  open_account_dialog (self, XG_ACCOUNT_DIALOG_DELETE);
}

static void
xg_profile_window_dispose (GObject *object)
{
  XgProfileWindow *self = XG_PROFILE_WINDOW (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  xg_picture_chooser_close (&self->chooser);
  if (self->profile_signals != NULL)
    g_signal_group_set_target (self->profile_signals, NULL);
  g_clear_object (&self->profile_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_PROFILE_WINDOW);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (xg_profile_window_parent_class)->dispose (object);
}

static void
xg_profile_window_finalize (GObject *object)
{
  XgProfileWindow *self = XG_PROFILE_WINDOW (object);

  g_clear_pointer (&self->loaded, g_hash_table_unref);
  g_clear_pointer (&self->new_avatar, g_bytes_unref);
  g_free (self->birthday);

  G_OBJECT_CLASS (xg_profile_window_parent_class)->finalize (object);
}

static void
xg_profile_window_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  XgProfileWindow *self = XG_PROFILE_WINDOW (object);

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
xg_profile_window_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  XgProfileWindow *self = XG_PROFILE_WINDOW (object);

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
xg_profile_window_class_init (XgProfileWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = xg_profile_window_constructed;
  object_class->dispose = xg_profile_window_dispose;
  object_class->finalize = xg_profile_window_finalize;
  object_class->get_property = xg_profile_window_get_property;
  object_class->set_property = xg_profile_window_set_property;

  /**
   * XgProfileWindow:session:
   *
   * The logged-in session whose profile the window edits.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         XG_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-profile-window.ui");
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, save_button);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, save_spinner);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, avatar);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, choose_avatar_button);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, remove_avatar_button);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, avatar_error);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, nickname_row);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, signature_row);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, gender_row);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, birthday_row);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, birthday_button);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, birthday_popover);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, birthday_calendar);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, birthday_clear_button);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, region_row);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, profile_error);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, account_id_label);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, email_label);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, change_password_row);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, change_email_row);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, delete_account_row);
  gtk_widget_class_bind_template_callback (widget_class, on_change_password_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_change_email_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_delete_account_activated);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, server_label);
  gtk_widget_class_bind_template_child (widget_class, XgProfileWindow, fingerprint_label);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_birthday_popover_show);
  gtk_widget_class_bind_template_callback (widget_class, on_birthday_day_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_birthday_clear_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_avatar_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_avatar_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
xg_profile_window_init (XgProfileWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->loaded = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  self->birthday = g_strdup ("");
  self->cancellable = g_cancellable_new ();
  self->profile_signals = g_signal_group_new (XG_TYPE_PROFILE);
  g_signal_group_connect_swapped (self->profile_signals, "notify",
                                  G_CALLBACK (on_profile_notify), self);

  xg_label_entry_row (self->nickname_row);
  xg_label_entry_row (self->signature_row);
  xg_label_entry_row (self->region_row);
  update_birthday_button (self);
}

XgProfileWindow *
xg_profile_window_new (XgSession *session)
{
  XgProfileWindow *self;

  g_return_val_if_fail (XG_IS_SESSION (session), NULL);

  self = g_object_new (XG_TYPE_PROFILE_WINDOW,
                       "session", session,
                       NULL);
  xg_follow_account_title (GTK_WINDOW (self), _("Profile"), session);
  return self;
}
