/* xg-contact-row.h: one friend in the sidebar's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "xg-contact.h"

G_BEGIN_DECLS

#define XG_TYPE_CONTACT_ROW (xg_contact_row_get_type ())
G_DECLARE_FINAL_TYPE (XgContactRow, xg_contact_row, XG, CONTACT_ROW, GtkWidget)

GtkWidget *xg_contact_row_new         (void);
XgContact *xg_contact_row_get_contact (XgContactRow *self);
/* The row follows @contact's properties until it is given another one
 * (list items are recycled); NULL lets go. */
void       xg_contact_row_set_contact (XgContactRow *self,
                                       XgContact    *contact);

G_END_DECLS
