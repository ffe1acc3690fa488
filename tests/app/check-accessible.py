#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every control a screen reader reaches in a running app has a name.

Usage: check-accessible.py PID [--expect NAME]...

Walks the AT-SPI tree of the application with process id PID (on the
session's accessibility bus) and checks every visible control (buttons,
entries, lists and their items, images, switches, …): its accessible
name must not be empty and must not be a bare class name such as
"GtkButton", "AdwAvatar" or "XgContactRow" (what GTK 4.8 says when a
widget has no name); an avatar must have a name too, and so must every
window ("GtkShortcutsWindow" is not one). A dialog's buttons must not
share their names with a button of another window (two "Close" buttons,
one in the dialog and one behind it, are one too many for a screen
reader). A name must not keep an access key ("登录(L)", "_Accept").
--expect NAME: some visible node is called NAME (repeatable).
The walk is
repeated for a few seconds until the expectations hold (a window that is
still being shown). Generic containers
(GTK 4.8 calls them "GtkBox", "GtkStackPage", …) and GTK's own scroll bars
are not checked. Prints the controls it found and the ones that fail;
exits 1 on a failure (an application it cannot find included: then it
checked nothing), 77 only when Atspi is missing, so nothing can be checked
here at all.

Run it while the app's main loop runs (the app answers the walk).
"""

import os
import re
import sys
import time

try:
    import gi
    gi.require_version('Atspi', '2.0')
    from gi.repository import Atspi
except (ImportError, ValueError) as e:
    print(f'pyatspi/Atspi missing: {e}', file=sys.stderr)
    sys.exit(77)

CONTROL_ROLES = {
    Atspi.Role.PUSH_BUTTON, Atspi.Role.TOGGLE_BUTTON, Atspi.Role.CHECK_BOX,
    Atspi.Role.RADIO_BUTTON, Atspi.Role.ENTRY, Atspi.Role.PASSWORD_TEXT,
    Atspi.Role.SPIN_BUTTON, Atspi.Role.COMBO_BOX, Atspi.Role.LIST,
    Atspi.Role.LIST_BOX, Atspi.Role.LIST_ITEM, Atspi.Role.IMAGE,
    Atspi.Role.SLIDER, Atspi.Role.TABLE, Atspi.Role.TREE, Atspi.Role.TREE_TABLE,
    Atspi.Role.LINK, Atspi.Role.MENU_ITEM, Atspi.Role.PAGE_TAB,
    Atspi.Role.TOGGLE_BUTTON, Atspi.Role.TEXT,
}
if hasattr(Atspi.Role, 'SWITCH'):
    CONTROL_ROLES.add(Atspi.Role.SWITCH)

WINDOW_ROLES = {Atspi.Role.FRAME, Atspi.Role.DIALOG, Atspi.Role.WINDOW, Atspi.Role.ALERT}

CLASS_NAME = re.compile(r'^(Gtk|Adw|Xg)[A-Z][A-Za-z]*$')
# What is left of an access key: "登录(L)" from "登录(_L)", "_Accept" from
# "_Accept" (GTK 4.8 keeps both in the names of some buttons).
MNEMONIC_LEFT = re.compile(r'\(_?[A-Za-z0-9]\)(…|\.\.\.)?$|(^|\s)_\w')


def find_app(pid, tries=50):
    for _ in range(tries):
        desktop = Atspi.get_desktop(0)
        for i in range(desktop.get_child_count()):
            app = desktop.get_child_at_index(i)
            try:
                if app is not None and app.get_process_id() == pid:
                    return app
            except gi.repository.GLib.Error:
                continue
        time.sleep(0.1)
    return None


def showing(node):
    try:
        states = node.get_state_set()
    except gi.repository.GLib.Error:
        return False
    # GTK 4.8 does not keep SHOWING up to date below the window: VISIBLE
    # it is (a widget in a stack page that is not shown counts too).
    return states.contains(Atspi.StateType.VISIBLE)


def path_of(node):
    parts = []
    while node is not None:
        try:
            role = node.get_role_name()
            name = node.get_name()
        except gi.repository.GLib.Error:
            break
        parts.append(f'{role}:{name!r}' if name else role)
        try:
            node = node.get_parent()
        except gi.repository.GLib.Error:
            break
        if node is not None and node.get_role() == Atspi.Role.APPLICATION:
            break
    return ' < '.join(parts[:6])


VERBOSE = bool(os.environ.get('XG_A11Y_VERBOSE'))


def walk(node, controls, failures, depth=0, found=None):
    if VERBOSE:
        try:
            states = [Atspi.StateType(st).value_nick for st in node.get_state_set().get_states()]
            print('  ' * depth + f'{node.get_role_name()} {node.get_name()!r} {" ".join(states)}',
                  file=sys.stderr)
        except gi.repository.GLib.Error as e:
            print('  ' * depth + f'? {e}', file=sys.stderr)
    if depth > 60 or not showing(node):
        return
    role = node.get_role()
    name = (node.get_name() or '').strip()
    if found is not None:
        found['names'].add(name)
        if role == Atspi.Role.PUSH_BUTTON:
            try:
                description = node.get_description() or ''
            except gi.repository.GLib.Error:
                description = ''
            found['buttons'].append((name, description, path_of(node)))
    if role in CONTROL_ROLES or role in WINDOW_ROLES:
        controls.append((node.get_role_name(), name))
        if not name or CLASS_NAME.match(name):
            failures.append(path_of(node))
        elif MNEMONIC_LEFT.search(name):
            failures.append(f'{path_of(node)} (an access key in the name)')
    elif name.startswith('AdwAvatar'):
        # Not a control, but a picture a screen reader would call "AdwAvatar".
        failures.append(path_of(node))
    for i in range(node.get_child_count()):
        child = node.get_child_at_index(i)
        if child is not None:
            walk(child, controls, failures, depth + 1, found)


def walk_app(app):
    """Returns the controls, the failures, and the unmet expectations."""
    controls, failures, windows = [], [], []
    for i in range(app.get_child_count()):
        window = app.get_child_at_index(i)
        if window is None or not showing(window):
            continue
        found = {'names': set(), 'buttons': []}
        walk(window, controls, failures, found=found)
        windows.append((window.get_role(), found))
    # A dialog's button called as a button of another window.
    for role, found in windows:
        if role not in (Atspi.Role.DIALOG, Atspi.Role.ALERT):
            continue
        for other_role, other in windows:
            if other is found:
                continue
            others = {(n, d) for n, d, _ in other['buttons']}
            for name, description, path in found['buttons']:
                if name and (name, description) in others:
                    failures.append(f'{path} (the same name as a button of another window)')
    unmet = []
    names = set().union(*(f['names'] for _, f in windows)) if windows else set()
    for name in EXPECT:
        if name not in names:
            unmet.append(f'no visible node is called {name!r}')
    return controls, failures, unmet


EXPECT = []


def main():
    args = sys.argv[1:]
    if not args or not args[0].isdigit():
        print(__doc__, file=sys.stderr)
        return 2
    pid = int(args.pop(0))
    while args:
        option = args.pop(0)
        if option == '--expect' and args:
            EXPECT.append(args.pop(0))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    app = find_app(pid)
    if app is None:
        print(f'FAIL: no application with pid {pid} on the accessibility bus', file=sys.stderr)
        return 1
    deadline = time.monotonic() + 10
    while True:
        controls, failures, unmet = walk_app(app)
        if (controls and not unmet) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    print(f'{len(controls)} visible controls')
    for role, name in controls:
        print(f'  {role}: {name}')
    if not controls:
        print('FAIL: no visible control at all (is a window shown?)')
        return 1
    for f in failures:
        print(f'FAIL: unnamed: {f}')
    for u in unmet:
        print(f'FAIL: {u}')
    return 1 if failures or unmet else 0


if __name__ == '__main__':
    sys.exit(main())
