#!/usr/bin/python3
# smtp-sink.py: a real SMTP listener for the mail tests, built on aiosmtpd
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Listens on 127.0.0.1 on a port the kernel picks, prints "PORT <n>" on stdout,
# and stores every message it accepts as a directory DIR/msg-<n>/ holding:
#   raw.eml       the DATA exactly as received
#   mail-from     the envelope sender
#   rcpt-to       the envelope recipients, one per line
#   subject       the Subject header as Python's email package decodes it
#   body          the text body as Python's email package decodes it
#   tls           "yes" or "no": whether the session was encrypted
#   login         the user name the client authenticated as, or empty
#   helo          the name the client gave in EHLO/HELO
#   mail-options  the MAIL FROM parameters (SMTPUTF8, BODY=…), one per line
# The directory appears atomically (written as .tmp-*, then renamed).
#
# It exits on SIGTERM/SIGINT and when its stdin reaches end of file, so a test
# that dies cannot leave it behind.
#
# Usage: smtp-sink.py --dir DIR [--cert PEM --key PEM] [--require-starttls]
#                     [--implicit-tls] [--auth USER:PASSWORD] [--smtputf8]
# --smtputf8 offers SMTPUTF8 (RFC 6531); without it, as aiosmtpd does by
# default, addresses beyond ASCII are refused.

import argparse
import asyncio
import email
import email.policy
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = 'msg-%d' % self.count
        tmp = os.path.join(self.directory, '.tmp-' + name)
        os.mkdir(tmp)

        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        body = msg.get_body(preferencelist=('plain',))
        encrypted = server.transport.get_extra_info('ssl_object') is not None
        login = ''
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode('utf-8')

        def put(fname, data):
            mode = 'wb' if isinstance(data, bytes) else 'w'
            kwargs = {} if isinstance(data, bytes) else {'encoding': 'utf-8', 'newline': ''}
            with open(os.path.join(tmp, fname), mode, **kwargs) as f:
                f.write(data)

        put('raw.eml', raw)
        put('mail-from', envelope.mail_from or '')
        put('rcpt-to', '\n'.join(envelope.rcpt_tos))
        put('subject', str(msg['subject']))
        put('body', body.get_content() if body is not None else '')
        put('tls', 'yes' if encrypted else 'no')
        put('login', login)
        put('helo', session.host_name or '')
        put('mail-options', '\n'.join(envelope.mail_options))
        os.rename(tmp, os.path.join(self.directory, name))
        return '250 2.0.0 Message accepted for delivery'


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode('utf-8')
              and auth_data.password == password.encode('utf-8'))
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticator


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--dir', required=True)
    parser.add_argument('--cert')
    parser.add_argument('--key')
    parser.add_argument('--require-starttls', action='store_true')
    parser.add_argument('--implicit-tls', action='store_true')
    parser.add_argument('--auth', metavar='USER:PASSWORD')
    parser.add_argument('--smtputf8', action='store_true')
    args = parser.parse_args()

    # aiosmtpd logs every session at INFO and deprecation notes at WARNING.
    logging.basicConfig(level=logging.ERROR)
    warnings.simplefilter('ignore')

    ctx = None
    if args.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.cert, args.key)

    kwargs = {'hostname': 'sink.test', 'enable_SMTPUTF8': args.smtputf8}
    if ctx is not None and not args.implicit_tls:
        kwargs['tls_context'] = ctx
        kwargs['require_starttls'] = args.require_starttls
    if args.auth:
        user, _, password = args.auth.partition(':')
        kwargs['authenticator'] = make_authenticator(user, password)
        kwargs['auth_required'] = True
        # With implicit TLS the whole session is encrypted, but aiosmtpd only
        # counts STARTTLS as TLS when it decides whether to offer AUTH.
        kwargs['auth_require_tls'] = not args.implicit_tls

    loop = asyncio.get_running_loop()
    handler = Handler(args.dir)
    server = await loop.create_server(
        lambda: SMTP(handler, loop=loop, **kwargs),
        host='127.0.0.1', port=0,
        ssl=ctx if args.implicit_tls else None)

    done = loop.create_future()

    def finish():
        if not done.done():
            done.set_result(None)

    def on_stdin():
        if not os.read(sys.stdin.fileno(), 4096):
            finish()

    loop.add_signal_handler(signal.SIGTERM, finish)
    loop.add_signal_handler(signal.SIGINT, finish)
    loop.add_reader(sys.stdin.fileno(), on_stdin)

    print('PORT %d' % server.sockets[0].getsockname()[1], flush=True)
    await done
    server.close()


if __name__ == '__main__':
    asyncio.run(main())
