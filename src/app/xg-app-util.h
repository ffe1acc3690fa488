/* xg-app-util.h: small helpers the windows share (no GObject here)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Completes the accessible names inside an AdwEntryRow: libadwaita 1.2
 * names the text field after the title, but the eye button of an
 * AdwPasswordEntryRow reaches AT-SPI as "GtkImage". */
void   xg_label_entry_row     (AdwEntryRow   *row);

/* Shows @text in an inline error label (hides it for NULL or ""), and
 * keeps its accessible label in step so screen readers read it. */
void   xg_set_inline_message  (GtkLabel      *label,
                               const char    *text);

/* A sentence for an XgSession error, in the user's language. @retry_after
 * is the seconds the server asked to wait (0: none), @server the address. */
char  *xg_session_error_text  (const GError  *error,
                               guint          retry_after,
                               const char    *server);

/* The text of an editable, without leading and trailing white space. */
char  *xg_editable_dup_stripped (GtkEditable *editable);

/* "HOST:PORT", as --server and the server fields take it. */
gboolean xg_server_address_is_valid (const char *server);

/* Formats "AB:CD:…" fingerprints as four lines of eight pairs. */
char  *xg_format_fingerprint  (const char    *fingerprint);

G_END_DECLS
