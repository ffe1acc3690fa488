#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""po/POTFILES.in lists every file with translatable strings, and only files that exist.

Usage: check-potfiles.py SOURCE_ROOT

A file needs to be listed when it is under src/, ui/ or data/ and
  - is C (or a header) calling _(), N_(), C_(), NC_(), Q_(), g_dngettext(),
    g_dpgettext2() or ngettext(), or
  - is a GtkBuilder file (or any XML) with translatable="yes|true|1" or an
    intltool-style <_tag>, or
  - is a desktop file, AppStream metainfo or GSettings schema in data/
    (their translatable fields are implicit).
Files named in po/POTFILES.skip (same syntax) are exempt.
"""

import os
import re
import sys

SCANNED_DIRS = ('src', 'ui', 'data')
C_MARKER = re.compile(
    r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|g_dngettext|g_dpgettext2|ngettext)\s*\(\s*(?:"|[A-Za-z_])')
XML_MARKER = re.compile(r'''translatable\s*=\s*["'](?:yes|true|1)["']|<_[A-Za-z]''')
IMPLICIT = re.compile(r'\.(?:desktop\.in|desktop\.in\.in|metainfo\.xml\.in|appdata\.xml\.in|gschema\.xml)$')
SKIP_DIRS = {'screenshots', '.git', '__pycache__'}


def read_list(path):
    entries = []
    try:
        with open(path, encoding='utf-8') as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if line and not line.startswith('#'):
                    entries.append((n, line))
    except FileNotFoundError:
        pass
    return entries


def has_markers(path):
    if IMPLICIT.search(path):
        return True
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except (UnicodeDecodeError, OSError):
        return False  # binary (screenshots, compiled files): nothing to translate
    if path.endswith(('.c', '.h')):
        # A macro definition of _() itself is not a use of it.
        lines = [l for l in text.splitlines() if not l.lstrip().startswith('#define')]
        return C_MARKER.search('\n'.join(lines)) is not None
    if path.endswith(('.ui', '.xml', '.in')):
        return XML_MARKER.search(text) is not None
    return False


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = os.path.abspath(sys.argv[1])
    potfiles = os.path.join(root, 'po', 'POTFILES.in')
    if not os.path.exists(potfiles):
        print(f'FAIL: {potfiles} does not exist')
        return 1
    listed = read_list(potfiles)
    skipped = {e for _, e in read_list(os.path.join(root, 'po', 'POTFILES.skip'))}
    failures = []

    seen = set()
    for n, entry in listed:
        if entry in seen:
            failures.append(f'po/POTFILES.in:{n}: {entry} is listed twice')
        seen.add(entry)
        if not os.path.isfile(os.path.join(root, entry)):
            failures.append(f'po/POTFILES.in:{n}: {entry} does not exist '
                            '(remove it, or fix the path: paths are relative to the source root)')

    needed = []
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                if has_markers(path):
                    needed.append(rel)
    missing = [rel for rel in needed if rel not in seen and rel not in skipped]
    for rel in missing:
        failures.append(f'{rel} has translatable strings but is not in po/POTFILES.in')

    print(f'{len(listed)} files listed in po/POTFILES.in; '
          f'{len(needed)} files under {", ".join(SCANNED_DIRS)} have translatable strings')
    if failures:
        for f in failures:
            print('FAIL: ' + f)
        if missing:
            print('\nAdd the missing files to po/POTFILES.in (one path per line, sorted), then run\n'
                  '  meson compile -C _build xinge-pot xinge-update-po\n'
                  'and translate the new entries in po/zh_CN.po.')
        return 1
    print('OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
