#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A translation is valid and complete, against the strings in the sources today.

Usage: check-po.py SOURCE_ROOT LANG

1. `msgfmt -c --check-format --statistics po/LANG.po`: the file compiles, its
   header and format strings are right, nothing is fuzzy or untranslated.
2. The strings are extracted afresh from po/POTFILES.in (xgettext, with the
   same options as meson's `xinge-pot` target) and merged into a copy of the
   .po: a string added to or changed in the sources since the .po was last
   updated shows up as untranslated or fuzzy there. A string xgettext can
   only extract in part (a format macro such as G_GUINT64_FORMAT pasted into
   a _() literal) fails the test too: it could never be translated.
Exits 77 (skipped) when the gettext tools are not installed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

# meson's i18n `glib` preset (mesonbuild/modules/i18n.py), plus the -k_ its
# gettext script adds.
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments', '-k_',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]

HINT = '''
To bring po/{lang}.po up to date with the sources:
  meson compile -C _build xinge-pot xinge-update-po
then translate every entry that is empty or marked "#, fuzzy" in po/{lang}.po
(remove the fuzzy mark once the translation is right), and run this test again.
'''


def run(cmd, **kw):
    env = dict(os.environ, LC_ALL='C', LANGUAGE='')
    return subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)


def statistics(po, label):
    """Return a list of problems msgfmt finds in po."""
    r = run(['msgfmt', '-c', '--check-format', '--statistics', '-o', os.devnull, po])
    out = (r.stdout + r.stderr).strip()
    print(f'{label}: {out}')
    problems = []
    if r.returncode != 0:
        problems.append(f'{label}: msgfmt -c --check-format failed')
    m = re.search(r'(\d+) fuzzy', out)
    if m and int(m.group(1)):
        problems.append(f'{label}: {m.group(1)} fuzzy translations')
    m = re.search(r'(\d+) untranslated', out)
    if m and int(m.group(1)):
        problems.append(f'{label}: {m.group(1)} untranslated messages')
    return problems


def untranslated_ids(po):
    """msgids that are untranslated or fuzzy in po, for the log."""
    r = run(['msgattrib', '--only-fuzzy', '--no-obsolete', po])
    r2 = run(['msgattrib', '--untranslated', '--no-obsolete', po])
    ids = re.findall(r'^msgid "(.+)"$', r.stdout + r2.stdout, re.M)
    return ids


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    root, lang = os.path.abspath(sys.argv[1]), sys.argv[2]
    for tool in ('msgfmt', 'xgettext', 'msgmerge'):
        if shutil.which(tool) is None:
            print(f'SKIP: {tool} not found (install gettext)')
            return 77
    po = os.path.join(root, 'po', lang + '.po')
    if not os.path.exists(po):
        print(f'FAIL: {po} does not exist' + HINT.format(lang=lang))
        return 1

    problems = statistics(po, f'po/{lang}.po')

    with open(po, encoding='utf-8', errors='replace') as f:
        header = f.read(4000)
    if 'charset=UTF-8' not in header:
        problems.append(f'po/{lang}.po: the header must say "Content-Type: text/plain; charset=UTF-8"')

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'xinge.pot')
        r = run(['xgettext', '--package-name=xinge', '-f', os.path.join(root, 'po', 'POTFILES.in'),
                 '-D', root, '-o', pot] + XGETTEXT_ARGS)
        for line in r.stderr.splitlines():
            print('xgettext: ' + line)
            if 'not a valid C format string' in line and 'ends in the middle of a directive' in line:
                # _("... %" G_GUINT64_FORMAT " ...") and the like: xgettext stops
                # at the macro, so the catalogue holds a fragment and the whole
                # string is never translated at run time.
                problems.append(
                    line.split(': warning')[0] + ': a translatable string is cut short at a '
                    'format macro (e.g. "%" G_GUINT64_FORMAT); gettext never finds it. Format the '
                    'number into a string first and translate a message with %s instead')
        if r.returncode != 0:
            print(r.stdout)
            problems.append('xgettext could not extract the strings listed in po/POTFILES.in')
        else:
            merged = os.path.join(tmp, lang + '.po')
            r = run(['msgmerge', '-q', '-o', merged, po, pot])
            if r.returncode != 0:
                print(r.stdout + r.stderr)
                problems.append('msgmerge failed')
            else:
                current = statistics(merged, f'po/{lang}.po merged with the current sources')
                problems += current
                if current:
                    for msgid in untranslated_ids(merged)[:30]:
                        print(f'  needs translating: "{msgid}"')

    if problems:
        for p in problems:
            print('FAIL: ' + p)
        print(HINT.format(lang=lang))
        return 1
    print('OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
