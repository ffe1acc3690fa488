#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Flatpak manifest is complete and says what we mean.

Usage:
  check-flatpak-manifest.py json SOURCE_ROOT MANIFEST APP_ID
      Structure: app id, GNOME runtime 50 or newer, the command the desktop
      file runs, exactly the finish-args we allow, a meson module built from
      this source tree with options meson_options.txt knows.
  check-flatpak-manifest.py builder MANIFEST
      `G_DEBUG=fatal-warnings flatpak-builder --show-manifest MANIFEST`, which
      fails on unknown keys and wrong types. Exits 77 (skipped) when
      flatpak-builder is not installed.

A real build needs the GNOME SDK, which these checks do not download.
"""

import json
import os
import re
import shutil
import subprocess
import sys

FINISH_ARGS = [
    '--share=network',
    '--share=ipc',
    '--socket=fallback-x11',
    '--socket=wayland',
    '--device=dri',
]
RUNTIME = 'org.gnome.Platform'
SDK = 'org.gnome.Sdk'
MIN_RUNTIME = 50
# Options meson itself defines that a manifest may reasonably set.
MESON_BUILTINS = {
    'buildtype', 'debug', 'optimization', 'prefix', 'libdir', 'datadir', 'werror',
    'warning_level', 'default_library', 'strip', 'wrap_mode', 'c_std', 'unity',
}


def check_json(root, manifest_path, app_id):
    failures = []
    with open(manifest_path, encoding='utf-8') as f:
        m = json.load(f)

    mid = m.get('id', m.get('app-id'))
    if mid != app_id:
        failures.append(f'app id is {mid!r}, meson.build says {app_id!r}')
    if m.get('runtime') != RUNTIME:
        failures.append(f'runtime is {m.get("runtime")!r}, expected {RUNTIME!r}')
    if m.get('sdk') != SDK:
        failures.append(f'sdk is {m.get("sdk")!r}, expected {SDK!r}')
    rv = str(m.get('runtime-version', ''))
    try:
        major = int(rv.split('.')[0])
    except ValueError:
        major = -1
    if not isinstance(m.get('runtime-version'), str) or major < MIN_RUNTIME:
        failures.append(f'runtime-version is {m.get("runtime-version")!r}; '
                        f'expected a string, {MIN_RUNTIME} or newer')

    fa = m.get('finish-args', [])
    if sorted(fa) != sorted(FINISH_ARGS) or len(set(fa)) != len(fa):
        extra = [a for a in fa if a not in FINISH_ARGS]
        lacking = [a for a in FINISH_ARGS if a not in fa]
        failures.append('finish-args must be exactly ' + ' '.join(FINISH_ARGS)
                        + (f'; not allowed: {" ".join(extra)}' if extra else '')
                        + (f'; missing: {" ".join(lacking)}' if lacking else '')
                        + ' (keyring and notifications go through portals)')

    # The command is the one the desktop file runs.
    command = m.get('command')
    desktop_in = os.path.join(root, 'data', app_id + '.desktop.in')
    exec_cmd = None
    if os.path.exists(desktop_in):
        with open(desktop_in, encoding='utf-8') as f:
            for line in f:
                if line.startswith('Exec='):
                    exec_cmd = line[len('Exec='):].split()[0]
                    break
    if not command:
        failures.append('no "command"')
    elif exec_cmd is not None and exec_cmd != command:
        failures.append(f'command is {command!r} but {os.path.relpath(desktop_in, root)} runs {exec_cmd!r}')

    modules = m.get('modules', [])
    main = modules[-1] if modules else None
    if not isinstance(main, dict) or main.get('name') != 'xinge':
        failures.append('the last module must be the app itself, named "xinge"')
    else:
        if main.get('buildsystem') != 'meson':
            failures.append('the xinge module must use buildsystem "meson"')
        opts = main.get('config-opts', [])
        for want, why in (('-Dapp=true', 'the app is what the Flatpak ships'),
                          ('-Dserver=false', 'the server needs libsodium, which the GNOME runtime lacks'),
                          ('-Dfuzzers=disabled', 'fuzzers need clang and are no use in a Flatpak')):
            if want not in opts:
                failures.append(f'the xinge module must configure with {want} ({why})')
        with open(os.path.join(root, 'meson_options.txt'), encoding='utf-8') as f:
            known = set(re.findall(r'''option\s*\(\s*['"]([\w-]+)['"]''', f.read()))
        for opt in opts:
            mo = re.match(r'-D([\w-]+)=', opt)
            if not mo:
                failures.append(f'config-opts entry {opt!r} is not -Dname=value')
                continue
            name = mo.group(1)
            if name not in known and name not in MESON_BUILTINS and not name.startswith('b_'):
                failures.append(f'config-opts sets {name!r}, which meson_options.txt does not define')
        dirs = [s for s in main.get('sources', []) if isinstance(s, dict) and s.get('type') == 'dir']
        base = os.path.dirname(os.path.abspath(manifest_path))
        if not any(os.path.realpath(os.path.join(base, s.get('path', ''))) == os.path.realpath(root)
                   for s in dirs):
            failures.append('the xinge module must build this source tree '
                            '(a "dir" source whose path leads from the manifest to the source root)')
    return failures


def check_builder(manifest_path):
    fb = shutil.which('flatpak-builder')
    if fb is None:
        print('SKIP: flatpak-builder not found')
        return 77
    env = dict(os.environ, G_DEBUG='fatal-warnings')
    r = subprocess.run([fb, '--show-manifest', manifest_path], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        print(r.stdout)
        print(r.stderr)
        print(f'FAIL: flatpak-builder --show-manifest exited with {r.returncode} '
              '(with G_DEBUG=fatal-warnings an unknown key or a wrong type is fatal)')
        return 1
    if r.stderr.strip():
        print(r.stderr)
    print('OK: flatpak-builder reads the manifest without warnings')
    return 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == 'json':
        _, _, root, manifest, app_id = sys.argv
        failures = check_json(os.path.abspath(root), manifest, app_id)
        for f in failures:
            print('FAIL: ' + f)
        if failures:
            return 1
        print('OK: ' + os.path.basename(manifest))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == 'builder':
        return check_builder(sys.argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
