/* xg-request-row.c: one friend request on the requests page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Who (avatar and nickname), when, and the greeting; for a request to
 * this account, Accept and Decline, which the row only announces
 * (XgRequestRow::accept, ::decline): the page makes the calls. A request
 * this account sent says it waits for an answer.
 */
#define G_LOG_DOMAIN "Xinge"

#include "config.h"

#include <glib/gi18n.h>

#include "xg-app-util.h"
#include "xg-request-row.h"

struct _XgRequestRow
{
  GtkListBoxRow     parent_instance;

  /* Template children */
  AdwAvatar        *avatar;
  GtkLabel         *nickname_label;
  GtkLabel         *time_label;
  GtkLabel         *greeting_label;
  GtkLabel         *waiting_label;
  GtkWidget        *buttons_box;
  GtkSpinner       *spinner;
  GtkButton        *decline_button;
  GtkButton        *accept_button;

  XgFriendRequest  *request;
  GSignalGroup     *profile_signals;
};

enum {
  PROP_0,
  PROP_REQUEST,
  N_PROPS
};

enum {
  ACCEPT,
  DECLINE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (XgRequestRow, xg_request_row, GTK_TYPE_LIST_BOX_ROW)

XgFriendRequest *
xg_request_row_get_request (XgRequestRow *self)
{
  g_return_val_if_fail (XG_IS_REQUEST_ROW (self), NULL);
  return self->request;
}

void
xg_request_row_update_time (XgRequestRow *self)
{
  g_autofree char *when = NULL;

  g_return_if_fail (XG_IS_REQUEST_ROW (self));

  when = xg_format_relative_time (xg_friend_request_get_time (self->request),
                                  g_get_real_time () / G_USEC_PER_SEC);
  gtk_label_set_text (self->time_label, when);
}

void
xg_request_row_set_busy (XgRequestRow *self,
                         gboolean      busy)
{
  g_return_if_fail (XG_IS_REQUEST_ROW (self));

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->accept_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->decline_button), !busy);
}

static const char *
nickname (XgRequestRow *self)
{
  const char *name = xg_friend_request_get_nickname (self->request);

  return name != NULL ? name : "";
}

/* Who asked (or was asked), wherever the row names them: the nickname
 * may arrive or change after the row was made. */
static void
update_profile (XgRequestRow *self)
{
  XgProfile *profile = xg_friend_request_get_profile (self->request);
  g_autofree char *picture = g_strdup_printf (_("Picture of %s"), nickname (self));
  g_autofree char *label = NULL;
  g_autofree char *accept = NULL;
  g_autofree char *decline = NULL;

  gtk_label_set_text (self->nickname_label, nickname (self));
  adw_avatar_set_text (self->avatar, nickname (self));
  adw_avatar_set_custom_image (self->avatar, xg_profile_get_avatar_paintable (profile));
  xg_label_avatar (self->avatar, picture);

  if (xg_friend_request_get_outgoing (self->request))
    label = g_strdup_printf (_("Your friend request to %s"), nickname (self));
  else
    label = g_strdup_printf (_("Friend request from %s"), nickname (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);

  accept = g_strdup_printf (_("Accept the request from %s"), nickname (self));
  decline = g_strdup_printf (_("Decline the request from %s"), nickname (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->accept_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, accept, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->decline_button),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, decline, -1);
}

static void
on_accept_clicked (XgRequestRow *self)
{
  g_signal_emit (self, signals[ACCEPT], 0);
}

static void
on_decline_clicked (XgRequestRow *self)
{
  g_signal_emit (self, signals[DECLINE], 0);
}

static void
xg_request_row_constructed (GObject *object)
{
  XgRequestRow *self = XG_REQUEST_ROW (object);
  gboolean outgoing;
  const char *greeting;

  G_OBJECT_CLASS (xg_request_row_parent_class)->constructed (object);

  g_assert (self->request != NULL);
  outgoing = xg_friend_request_get_outgoing (self->request);
  greeting = xg_friend_request_get_greeting (self->request);

  g_signal_group_set_target (self->profile_signals, xg_friend_request_get_profile (self->request));
  update_profile (self);
  xg_request_row_update_time (self);

  if (greeting != NULL && greeting[0] != '\0')
    {
      /* Translators: a greeting someone wrote, quoted */
      g_autofree char *quoted = g_strdup_printf (_("“%s”"), greeting);
      gtk_label_set_text (self->greeting_label, quoted);
      gtk_widget_set_visible (GTK_WIDGET (self->greeting_label), TRUE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->waiting_label), outgoing);
  gtk_widget_set_visible (self->buttons_box, !outgoing);
}

static void
xg_request_row_dispose (GObject *object)
{
  XgRequestRow *self = XG_REQUEST_ROW (object);

  if (self->profile_signals != NULL)
    g_signal_group_set_target (self->profile_signals, NULL);
  g_clear_object (&self->profile_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), XG_TYPE_REQUEST_ROW);
  g_clear_object (&self->request);

  G_OBJECT_CLASS (xg_request_row_parent_class)->dispose (object);
}

static void
xg_request_row_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  XgRequestRow *self = XG_REQUEST_ROW (object);

  switch (prop_id)
    {
    case PROP_REQUEST:
      g_value_set_object (value, self->request);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_request_row_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  XgRequestRow *self = XG_REQUEST_ROW (object);

  switch (prop_id)
    {
    case PROP_REQUEST:
      self->request = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
xg_request_row_class_init (XgRequestRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = xg_request_row_constructed;
  object_class->dispose = xg_request_row_dispose;
  object_class->get_property = xg_request_row_get_property;
  object_class->set_property = xg_request_row_set_property;

  /**
   * XgRequestRow:request:
   *
   * The friend request the row shows.
   */
  properties[PROP_REQUEST] =
    g_param_spec_object ("request", NULL, NULL,
                         XG_TYPE_FRIEND_REQUEST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * XgRequestRow::accept:
   *
   * The user chose Accept.
   */
  signals[ACCEPT] =
    g_signal_new ("accept", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * XgRequestRow::decline:
   *
   * The user chose Decline (the page asks for a reason).
   */
  signals[DECLINE] =
    g_signal_new ("decline", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/xinge/Xinge/xg-request-row.ui");
  gtk_widget_class_bind_template_child (widget_class, XgRequestRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, XgRequestRow, nickname_label);
  gtk_widget_class_bind_template_child (widget_class, XgRequestRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, XgRequestRow, greeting_label);
  gtk_widget_class_bind_template_child (widget_class, XgRequestRow, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, XgRequestRow, buttons_box);
  gtk_widget_class_bind_template_child (widget_class, XgRequestRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, XgRequestRow, decline_button);
  gtk_widget_class_bind_template_child (widget_class, XgRequestRow, accept_button);
  gtk_widget_class_bind_template_callback (widget_class, on_accept_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_decline_clicked);
}

static void
xg_request_row_init (XgRequestRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->profile_signals = g_signal_group_new (XG_TYPE_PROFILE);
  g_signal_group_connect_swapped (self->profile_signals, "notify::avatar",
                                  G_CALLBACK (update_profile), self);
  g_signal_group_connect_swapped (self->profile_signals, "notify::nickname",
                                  G_CALLBACK (update_profile), self);
}

GtkWidget *
xg_request_row_new (XgFriendRequest *request)
{
  g_return_val_if_fail (XG_IS_FRIEND_REQUEST (request), NULL);

  return g_object_new (XG_TYPE_REQUEST_ROW,
                       "request", request,
                       NULL);
}
