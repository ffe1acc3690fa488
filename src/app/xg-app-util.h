/* xg-app-util.h: small helpers the windows share (no GObject here)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-profile.h"
#include "xg-session.h"

G_BEGIN_DECLS

/* Completes the accessible names inside an AdwEntryRow: libadwaita 1.2
 * names the text field after the title, but the eye button of an
 * AdwPasswordEntryRow reaches AT-SPI as "GtkImage". */
void   xg_label_entry_row     (AdwEntryRow   *row);

/* Names an avatar for screen readers (and hides its stand-in icon). */
void   xg_label_avatar        (AdwAvatar     *avatar,
                               const char    *label);
/* Names the list of rows of a group that has no title. */
void   xg_label_preferences_group (AdwPreferencesGroup *group,
                                   const char          *label);

/* Titles @window after the account of @session, "Alice — Xinge", or with
 * @what (e.g. "Profile") "Profile — Alice", so that two profiles' windows
 * can be told apart; the nickname (the email before it is known) is kept
 * up to date for as long as the window lives. */
void   xg_follow_account_title (GtkWindow    *window,
                                const char   *what,
                                XgSession    *session);
/* Keeps @revealer's child out of the accessibility tree while it is not
 * revealed (GTK 4.8 shows it to screen readers all the same). */
void   xg_hide_unrevealed     (GtkRevealer   *revealer);

/* Shows or hides @widget, for screen readers too (GTK 4.8 leaves a widget
 * that was shown once in the accessibility tree when it is hidden). */
void   xg_set_shown           (GtkWidget     *widget,
                               gboolean       shown);

/* From now on, every window the app shows has its controls named for
 * screen readers where the toolkit leaves them unnamed or calls them by
 * a class name ("GtkListBox", "GtkImage" in libadwaita's own rows and
 * windows), and names without the "(_X)" access key of a translation
 * ("登录(_L)" is read "登录"). Called once, at startup. */
void   xg_accessible_watch_windows (void);

/* Shows @text in an inline error label (hides it for NULL or ""), and
 * keeps its accessible label in step so screen readers read it. */
void   xg_set_inline_message  (GtkLabel      *label,
                               const char    *text);

/* Why a picture loaded for an avatar (xg_load_avatar_png_finish()'s
 * @png or @error) cannot be used, in the user's language; NULL when it
 * can. */
char            *xg_avatar_problem        (GBytes       *png,
                                           const GError *error);

/* What a picture chooser does with the file chosen. */
typedef void (*XgPictureChosen) (gpointer  user_data,
                                 GFile    *file);

/* Shows a modal chooser of picture files on @parent, held in *@slot until
 * it is answered (nothing is shown while one is open); @chosen gets the
 * file. The owner calls xg_picture_chooser_close() when it goes first. */
void             xg_picture_chooser_open  (GtkWindow        *parent,
                                           GtkNativeDialog **slot,
                                           XgPictureChosen   chosen,
                                           gpointer          user_data);
/* Ends *@slot's chooser, if any, without an answer. */
void             xg_picture_chooser_close (GtkNativeDialog **slot);

/* A sentence for an XgSession error, in the user's language. @retry_after
 * is the seconds the server asked to wait (0: none), @server the address. */
char  *xg_session_error_text  (const GError  *error,
                               guint          retry_after,
                               const char    *server);

/* Whether calls can reach the server now (logged in on a live link).
 * Windows check before they ask, so nothing waits on a server that is
 * away: the session would hold the call until its login is back. */
gboolean xg_session_is_online (XgSession     *session);
/* What to say when it is not. */
const char *xg_offline_text   (void);

/* When something happened, for a person: "just now", "5 minutes ago",
 * "3 hours ago", "2 days ago", or a date. @time and @now are seconds
 * since the Unix epoch. */
char  *xg_format_relative_time (gint64         time,
                                gint64         now);

/* A birthday ("YYYY-MM-DD") the way people read dates here; NULL for
 * "" or something that is no date. */
char  *xg_format_birthday     (const char    *birthday);
/* "Female", "Male", "Other" in the user's language; NULL for "". */
const char *xg_gender_label   (const char    *gender);

/* The profile's picture as a paintable for an AdwAvatar, or NULL when it
 * has none (or it is no picture). Decoded once per picture: the texture
 * is kept on the profile until the avatar changes. (transfer none) */
GdkPaintable *xg_profile_get_avatar_paintable (XgProfile *profile);

/* The sentence that says how one of this account's friend requests
 * ended (an XgFriendRequestOutcome), for toasts and notifications. */
char  *xg_friend_answer_text  (const char    *nickname,
                               guint          outcome,
                               const char    *reason);

/* "12/128": how many characters @text has of the @max allowed. */
char  *xg_char_count_text     (const char    *text,
                               guint          max);

/* The text of an editable, without leading and trailing white space. */
char  *xg_editable_dup_stripped (GtkEditable *editable);

/* "HOST:PORT", as --server and the server fields take it. */
gboolean xg_server_address_is_valid (const char *server);

/* Formats "AB:CD:…" fingerprints as four lines of eight pairs. */
char  *xg_format_fingerprint  (const char    *fingerprint);

/* --- Chat ------------------------------------------------------------------ */

/* A message in one line, for the conversation list and notifications:
 * its text, "Image", "File: NAME" or "Unsupported message". */
char  *xg_message_preview     (XgMessage     *message);
/* Why the server refused a message (XgMessage:failure, an XgSessionError). */
const char *xg_message_failure_text (guint   failure);
/* The time of a message in a list: "14:05" today, a date before.
 * @time and @now are µs since the Unix epoch. */
char  *xg_format_message_time (gint64         time,
                               gint64         now);
/* The clock time only ("14:05"), local. */
char  *xg_format_clock_time   (gint64         time);
/* The heading of a day in a chat: "Today", "Yesterday", or a date. */
char  *xg_format_day          (gint64         time,
                               gint64         now);
/* Whether @a and @b (µs since the epoch) are on the same local day. */
gboolean xg_same_day          (gint64         a,
                               gint64         b);
/* The name a conversation goes by: the friend's name as the contacts
 * have it (remark, else nickname), or a stand-in once they are gone. */
char  *xg_peer_display_name   (XgSession     *session,
                               guint64        peer_id);

/* The wait before another verification code may be asked for: @tick runs
 * at once and then every second until @left is 0. Embedded in the windows
 * that send codes; xg_countdown_stop() in their dispose. */
typedef void (*XgCountdownTick) (gpointer owner);

typedef struct {
  guint            source_id;
  guint            left;        /* seconds */
  XgCountdownTick  tick;
  gpointer         owner;
} XgCountdown;

void   xg_countdown_init      (XgCountdown    *countdown,
                               XgCountdownTick tick,
                               gpointer        owner);
void   xg_countdown_start     (XgCountdown    *countdown,
                               guint           seconds);
void   xg_countdown_stop      (XgCountdown    *countdown);

/* A "Send Code" button: "Sending…" while a request is out, "Resend in N s"
 * during @countdown, else "Send Code" (or "Resend Code" once one was
 * @sent), sensitive when @can_send. */
void   xg_code_button_update  (GtkButton         *button,
                               const XgCountdown *countdown,
                               gboolean           sending,
                               gboolean           sent,
                               gboolean           can_send);

/* Groups: the avatar (transfer none), the listed group or NULL, names. */
GdkPaintable *xg_group_get_avatar_paintable (XgGroup  *group);
XgGroup *xg_session_lookup_group (XgSession     *session,
                                  guint64        group_id);
char  *xg_group_display_name  (XgSession     *session,
                               guint64        group_id);
char  *xg_group_number_text   (guint64        group_id);
/* A chat's name: the friend's, or the group's. */
char  *xg_conversation_display_name (XgSession      *session,
                                     XgConversation *conversation);
/* Who wrote in a group: own nickname, a friend's name, the name the group
 * last told, or the number. */
char  *xg_group_sender_name   (XgSession     *session,
                               guint64        group_id,
                               guint64        sender_id);
/* The newest message for the chat list; a group's with its sender. */
char  *xg_conversation_preview (XgSession      *session,
                                XgConversation *conversation);
const char *xg_group_role_label (guint        role);

G_END_DECLS
