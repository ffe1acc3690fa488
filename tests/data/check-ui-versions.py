#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""GtkBuilder files use only widgets from GTK 4.8 and libadwaita 1.2.

Usage: check-ui-versions.py SOURCE_ROOT [UI_FILE...]

The C code is held to GTK 4.8 / libadwaita 1.2 by the version macros, but .ui
files escape them: an AdwToolbarView in a template compiles fine and only fails
when a user opens the window. For every ui/*.ui file (or the files given):

1. Denylist (needs nothing installed): no <object class>, <template parent> or
   <requires> names a class, or a library version, newer than GTK 4.8 /
   libadwaita 1.2.
2. Allowlist (needs PyGObject with the Gtk 4.0 and Adw 1 typelibs, which on
   Debian 12 are GTK 4.8 and libadwaita 1.2): every Gtk* / Adw* class exists
   there, every <property> set on such an object is one of its properties,
   and every <signal> one of its signals.

Classes of our own (Xg*) are not checked. When gi is missing, part 1 still
runs and the test then exits 77 (skipped) if part 1 passed.
"""

import glob
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

GTK_MAX = (4, 8)
ADW_MAX = (1, 2)

# Classes added after GTK 4.8 / libadwaita 1.2, with the version that added them.
NEWER_GTK = 'a GTK newer than 4.8'
NEWER_ADW = 'a libadwaita newer than 1.2'
NEWER = {
    # libadwaita 1.3
    'AdwBanner': 'libadwaita 1.3', 'AdwTabButton': 'libadwaita 1.3',
    'AdwTabOverview': 'libadwaita 1.3',
    # libadwaita 1.4
    'AdwToolbarView': 'libadwaita 1.4', 'AdwNavigationSplitView': 'libadwaita 1.4',
    'AdwNavigationView': 'libadwaita 1.4', 'AdwNavigationPage': 'libadwaita 1.4',
    'AdwOverlaySplitView': 'libadwaita 1.4', 'AdwBreakpoint': 'libadwaita 1.4',
    'AdwBreakpointBin': 'libadwaita 1.4', 'AdwSpinRow': 'libadwaita 1.4',
    'AdwSwitchRow': 'libadwaita 1.4',
    # libadwaita 1.5
    'AdwDialog': 'libadwaita 1.5', 'AdwAlertDialog': 'libadwaita 1.5',
    'AdwAboutDialog': 'libadwaita 1.5', 'AdwPreferencesDialog': 'libadwaita 1.5',
    # libadwaita 1.6
    'AdwButtonRow': 'libadwaita 1.6', 'AdwSpinner': 'libadwaita 1.6',
    'AdwSpinnerPaintable': 'libadwaita 1.6', 'AdwBottomSheet': 'libadwaita 1.6',
    'AdwMultiLayoutView': 'libadwaita 1.6', 'AdwLayout': 'libadwaita 1.6',
    'AdwLayoutSlot': 'libadwaita 1.6',
    # libadwaita 1.7
    'AdwToggleGroup': 'libadwaita 1.7', 'AdwToggle': 'libadwaita 1.7',
    'AdwWrapBox': 'libadwaita 1.7', 'AdwWrapLayout': 'libadwaita 1.7',
    'AdwInlineViewSwitcher': 'libadwaita 1.7',
    # libadwaita 1.8 and later
    'AdwShortcutsDialog': 'libadwaita 1.8', 'AdwShortcutsSection': 'libadwaita 1.8',
    'AdwShortcutsItem': 'libadwaita 1.8', 'AdwSidebar': NEWER_ADW,
    'AdwSidebarItem': NEWER_ADW, 'AdwSidebarSection': NEWER_ADW,
    # GTK 4.10
    'GtkFileDialog': 'GTK 4.10', 'GtkAlertDialog': 'GTK 4.10', 'GtkColorDialog': 'GTK 4.10',
    'GtkColorDialogButton': 'GTK 4.10', 'GtkFontDialog': 'GTK 4.10',
    'GtkFontDialogButton': 'GTK 4.10', 'GtkUriLauncher': 'GTK 4.10',
    'GtkFileLauncher': 'GTK 4.10',
    # GTK 4.12
    'GtkColumnViewRow': 'GTK 4.12', 'GtkColumnViewCell': 'GTK 4.12',
    'GtkListHeader': 'GTK 4.12', 'GtkSectionModel': 'GTK 4.12',
    'GtkScrollInfo': 'GTK 4.12',
    # GTK 4.14 and later
    'GtkGraphicsOffload': 'GTK 4.14', 'GtkTryExpression': NEWER_GTK, 'GtkSvg': NEWER_GTK,
}

GI_HELPER = r'''
import json, sys
try:
    import gi
    gi.require_version('Gtk', '4.0')
    gi.require_version('Adw', '1')
    from gi.repository import GObject, Gtk, Adw
except (ImportError, ValueError) as e:
    print(json.dumps({'error': str(e)}))
    sys.exit(0)
names = json.loads(sys.stdin.read())
out = {'versions': {'gtk': [Gtk.get_major_version(), Gtk.get_minor_version()],
                    'adw': [Adw.get_major_version(), Adw.get_minor_version()]},
       'classes': {}}
for name in names:
    ns = Gtk if name.startswith('Gtk') else Adw
    cls = getattr(ns, name[3:], None)
    if cls is None or not isinstance(cls, type) or not hasattr(cls, '__gtype__'):
        out['classes'][name] = None
        continue
    gtype = cls.__gtype__
    props = set()
    try:
        props = {p.name for p in GObject.list_properties(gtype)}
    except TypeError:
        pass
    signals = set()
    t = gtype
    while t and t.name not in ('void', 'invalid'):
        signals.update(GObject.signal_list_names(t))
        for iface in GObject.type_interfaces(t):
            signals.update(GObject.signal_list_names(iface))
        t = t.parent
    out['classes'][name] = {'gtype': gtype.name, 'properties': sorted(props),
                            'signals': sorted(signals)}
print(json.dumps(out))
'''


def parse(path):
    """The classes, properties and signals a .ui file uses, as tuples."""
    tree = ET.parse(path)
    root = tree.getroot()
    uses = []    # (kind, class, detail)
    for req in root.iter('requires'):
        lib, ver = req.get('lib'), req.get('version', '')
        try:
            v = tuple(int(x) for x in ver.split('.')[:2])
        except ValueError:
            continue
        if lib == 'gtk' and v > GTK_MAX:
            uses.append(('error', f'<requires lib="gtk" version="{ver}">: we target GTK 4.8'))
        if lib in ('libadwaita', 'adw', 'Adw') and v > ADW_MAX:
            uses.append(('error', f'<requires lib="{lib}" version="{ver}">: we target libadwaita 1.2'))
    for el in root.iter():
        if el.tag == 'template':
            cls = el.get('parent')
            kind = 'template parent'
            check_members = False  # the template's own class may add properties
        elif el.tag == 'object':
            cls = el.get('class')
            kind = 'object class'
            check_members = True
        else:
            continue
        if not cls:
            continue
        uses.append(('class', kind, cls))
        if check_members and cls.startswith(('Gtk', 'Adw')):
            for child in el:
                if child.tag == 'property' and child.get('name'):
                    uses.append(('property', cls, child.get('name').replace('_', '-')))
                elif child.tag == 'signal' and child.get('name'):
                    uses.append(('signal', cls, child.get('name').split('::')[0].replace('_', '-')))
    return uses


def gi_info(names):
    """Ask a Python with gi about the classes; None when there is none."""
    candidates = [sys.executable]
    if os.path.exists('/usr/bin/python3') and os.path.realpath('/usr/bin/python3') != os.path.realpath(sys.executable):
        candidates.append('/usr/bin/python3')
    env = dict(os.environ)
    env.pop('DISPLAY', None)
    env.pop('WAYLAND_DISPLAY', None)
    for py in candidates:
        try:
            r = subprocess.run([py, '-c', GI_HELPER], input=json.dumps(sorted(names)),
                               capture_output=True, text=True, timeout=60, env=env)
        except (OSError, subprocess.TimeoutExpired):
            continue
        lines = [l for l in r.stdout.splitlines() if l.startswith('{')]
        if r.returncode != 0 or not lines:
            continue
        data = json.loads(lines[-1])
        if 'error' in data:
            continue
        return py, data
    return None, None


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = os.path.abspath(sys.argv[1])
    files = sys.argv[2:] or sorted(glob.glob(os.path.join(root, 'ui', '**', '*.ui'), recursive=True))
    failures = []
    all_uses = {}
    for path in files:
        rel = os.path.relpath(path, root)
        try:
            uses = parse(path)
        except ET.ParseError as e:
            failures.append(f'{rel}: not well-formed XML: {e}')
            continue
        all_uses[rel] = uses
        for use in uses:
            if use[0] == 'error':
                failures.append(f'{rel}: {use[1]}')
            elif use[0] == 'class' and use[2] in NEWER:
                failures.append(f'{rel}: {use[1]}="{use[2]}" needs {NEWER[use[2]]}; '
                                'we target GTK 4.8 and libadwaita 1.2 '
                                '(AdwLeaflet, AdwFlap, AdwMessageDialog, AdwPreferencesWindow, '
                                'GtkFileChooserNative are the 1.2 / 4.8 ways)')
    print(f'{len(files)} .ui files checked against the denylist of '
          f'{len(NEWER)} classes newer than GTK 4.8 / libadwaita 1.2')

    names = {u[2] for uses in all_uses.values() for u in uses
             if u[0] == 'class' and u[2].startswith(('Gtk', 'Adw'))}
    py, info = gi_info(names) if names else (None, {'classes': {}, 'versions': {}})
    if info is None:
        for f in failures:
            print('FAIL: ' + f)
        if failures:
            return 1
        print('SKIP: the allowlist part needs PyGObject with the Gtk 4.0 and Adw 1 typelibs '
              '(python3-gi gir1.2-gtk-4.0 gir1.2-adw-1); the denylist part passed')
        return 77

    versions = info.get('versions', {})
    if versions:
        print(f'allowlist from {py}: GTK {".".join(map(str, versions["gtk"]))}, '
              f'libadwaita {".".join(map(str, versions["adw"]))}')
        if tuple(versions['gtk']) > GTK_MAX or tuple(versions['adw']) > ADW_MAX:
            print('note: the installed libraries are newer than our target, so the allowlist '
                  'is looser than it should be; only the denylist is exact here')
    classes = info['classes']
    for rel, uses in all_uses.items():
        for use in uses:
            kind = use[0]
            if kind == 'class' and use[2] in classes and classes[use[2]] is None and use[2] not in NEWER:
                failures.append(f'{rel}: {use[1]}="{use[2]}": no such class in GTK 4.8 / libadwaita 1.2')
            elif kind == 'property':
                c = classes.get(use[1])
                if c and use[2] not in c['properties']:
                    failures.append(f'{rel}: {use[1]} has no property "{use[2]}" in GTK 4.8 / libadwaita 1.2')
            elif kind == 'signal':
                c = classes.get(use[1])
                if c and use[2] not in c['signals']:
                    failures.append(f'{rel}: {use[1]} has no signal "{use[2]}" in GTK 4.8 / libadwaita 1.2')

    if failures:
        for f in sorted(set(failures)):
            print('FAIL: ' + f)
        return 1
    print(f'OK: {len(names)} GTK/libadwaita classes, all in GTK 4.8 / libadwaita 1.2')
    return 0


if __name__ == '__main__':
    sys.exit(main())
