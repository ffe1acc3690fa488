/* xg-account-dialog.h: change the password or the address, or delete the account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-session.h"

G_BEGIN_DECLS

typedef enum {
  XG_ACCOUNT_DIALOG_PASSWORD,
  XG_ACCOUNT_DIALOG_EMAIL,
  XG_ACCOUNT_DIALOG_DELETE,
} XgAccountDialogMode;

#define XG_TYPE_ACCOUNT_DIALOG (xg_account_dialog_get_type ())
G_DECLARE_FINAL_TYPE (XgAccountDialog, xg_account_dialog, XG, ACCOUNT_DIALOG, AdwWindow)

XgAccountDialog *xg_account_dialog_new (XgSession           *session,
                                        XgAccountDialogMode  mode,
                                        GtkWindow           *parent);

/* Signal: done (const char *message): the change is made; the dialog
 * closes and the window that opened it shows @message. */

G_END_DECLS
