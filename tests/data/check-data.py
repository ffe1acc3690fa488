#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks on data/ that no validator does for us.

Usage:
  check-data.py icons SOURCE_ROOT APP_ID
      The application icons are where the hicolor theme looks for them and
      drawn to spec: the full-colour icon on a 128x128 view box, the symbolic
      one on 16x16 in the single colour #241f31; no text, no linked files.
  check-data.py merged SOURCE_ROOT DESKTOP_FILE METAINFO_FILE
      The translations reached the built desktop file and metainfo: for each
      language in po/LINGUAS, Name and Comment in the desktop file, and name
      and summary in the metainfo, are translated.
"""

import os
import sys
import xml.etree.ElementTree as ET

SVG = '{http://www.w3.org/2000/svg}'
XLINK_HREF = '{http://www.w3.org/1999/xlink}href'
SYMBOLIC_COLOUR = '#241f31'
COLOUR_ATTRS = ('fill', 'stroke', 'stop-color', 'flood-color', 'lighting-color', 'color')


def colours(el):
    """Colour values set on el, by attribute or inline style."""
    found = []
    for a in COLOUR_ATTRS:
        if el.get(a) is not None:
            found.append((a, el.get(a).strip().lower()))
    for decl in (el.get('style') or '').split(';'):
        if ':' in decl:
            k, v = (x.strip() for x in decl.split(':', 1))
            if k in COLOUR_ATTRS:
                found.append((k, v.lower()))
    return found


def check_svg(path, size, symbolic):
    failures = []
    rel = path
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        return [f'{rel}: cannot read: {e}']
    if root.tag != SVG + 'svg':
        failures.append(f'{rel}: the root element is not <svg> in the SVG namespace')
    vb = (root.get('viewBox') or '').replace(',', ' ').split()
    if vb != ['0', '0', str(size), str(size)]:
        failures.append(f'{rel}: viewBox is {root.get("viewBox")!r}, expected "0 0 {size} {size}"')
    for a in ('width', 'height'):
        if root.get(a) not in (None, str(size), f'{size}px'):
            failures.append(f'{rel}: {a} is {root.get(a)!r}, expected {size}')
    for el in root.iter():
        tag = el.tag.replace(SVG, '')
        if tag in ('text', 'tspan', 'textPath', 'flowRoot'):
            failures.append(f'{rel}: has <{tag}>: draw shapes; text depends on the fonts installed')
        if tag == 'image':
            failures.append(f'{rel}: has an <image>: the icon must be vector only')
        href = el.get(XLINK_HREF) or el.get('href')
        if href and not href.startswith('#'):
            failures.append(f'{rel}: links to {href!r}; icons must be self-contained')
        if symbolic:
            for attr, value in colours(el):
                if value not in ('none', SYMBOLIC_COLOUR, 'currentcolor', 'inherit'):
                    failures.append(f'{rel}: <{tag}> {attr}={value!r}; a symbolic icon '
                                    f'uses only {SYMBOLIC_COLOUR} (GTK recolours it)')
            if tag in ('linearGradient', 'radialGradient', 'filter', 'pattern'):
                failures.append(f'{rel}: symbolic icons have no <{tag}>')
    return failures


def check_icons(root, app_id):
    base = os.path.join(root, 'data', 'icons', 'hicolor')
    full = os.path.join(base, 'scalable', 'apps', app_id + '.svg')
    sym = os.path.join(base, 'symbolic', 'apps', app_id + '-symbolic.svg')
    failures = []
    for path, size, symbolic in ((full, 128, False), (sym, 16, True)):
        if not os.path.exists(path):
            failures.append(f'{os.path.relpath(path, root)} does not exist')
        else:
            failures += [f.replace(path, os.path.relpath(path, root))
                         for f in check_svg(path, size, symbolic)]
    return failures


def linguas(root):
    langs = []
    with open(os.path.join(root, 'po', 'LINGUAS'), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            langs += line.split()
    return langs


def check_merged(root, desktop, metainfo):
    failures = []
    langs = linguas(root)
    with open(desktop, encoding='utf-8') as f:
        entries = dict(l.rstrip('\n').split('=', 1) for l in f if '=' in l and not l.startswith('#'))
    tree = ET.parse(metainfo).getroot()
    XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'
    for lang in langs:
        for key in ('Name', 'Comment', 'GenericName', 'Keywords'):
            if key in entries and not entries.get(f'{key}[{lang}]'):
                failures.append(f'{os.path.basename(desktop)}: no {key}[{lang}]')
        for tag in ('name', 'summary'):
            if not any(el.get(XML_LANG) == lang and (el.text or '').strip()
                       for el in tree.findall(tag)):
                failures.append(f'{os.path.basename(metainfo)}: no <{tag} xml:lang="{lang}">')
        if not any(el.get(XML_LANG) == lang for el in tree.iter('p')):
            failures.append(f'{os.path.basename(metainfo)}: the description has no xml:lang="{lang}" paragraphs')
    print(f'languages in po/LINGUAS: {" ".join(langs) or "(none)"}')
    for lang in langs:
        print(f'  {lang}: Name={entries.get(f"Name[{lang}]")!r} '
              f'Comment={entries.get(f"Comment[{lang}]")!r}')
    return failures


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == 'icons':
        failures = check_icons(os.path.abspath(args[1]), args[2])
    elif len(args) == 4 and args[0] == 'merged':
        failures = check_merged(os.path.abspath(args[1]), args[2], args[3])
        if failures:
            failures.append('translate the new strings: meson compile -C _build xinge-pot '
                            'xinge-update-po, then edit the po/*.po files')
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for f in failures:
        print('FAIL: ' + f)
    if failures:
        return 1
    print('OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
