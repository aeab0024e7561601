#!/usr/bin/env python3
"""A demo course site that embeds CampusHub notebooks with single sign-on.

Standard library only, so it runs with any Python 3.9+:

    python3 site.py --db site.db --add-user mika --password secret-pw --groups ml101
    python3 site.py --db site.db --port 8444 --hub-url https://hub.campus.test:8443 \\
        --cert cert.pem --key key.pem --cookie-domain campus.test --api-key-file api-key

See README.md next to this file.
"""

from __future__ import annotations

import argparse
import signal
import ssl
import sys
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import store  # noqa: E402
import web  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="site.py", description="Demo course site embedding CampusHub (single sign-on by token).")
    p.add_argument("--db", default="course-site.db", help="SQLite file, created if missing (default: %(default)s)")

    serve = p.add_argument_group("serving")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8444, help="port to listen on, 0 for any (default: %(default)s)")
    serve.add_argument("--hub-url", help="the hub's address as browsers see it, e.g. https://hub.campus.test:8443")
    serve.add_argument("--cookie-domain", help="parent domain shared with the hub, e.g. campus.test")
    serve.add_argument("--token-in-url", action="store_true",
                       help="also put the token in the iframe's address (hub on another domain)")
    serve.add_argument("--cert", help="PEM certificate: serve HTTPS")
    serve.add_argument("--key", help="PEM private key of --cert")
    serve.add_argument("--api-key-file", help="enable POST /api/campushub/token for a hub holding this key")
    serve.add_argument("--token-ttl", type=int, default=8 * 3600, help="seconds a sign-in lasts (default: 8 hours)")

    users = p.add_argument_group("managing users (then exit)")
    users.add_argument("--add-user", metavar="NAME", help="create or update a user (needs --password)")
    users.add_argument("--password", help="password for --add-user")
    users.add_argument("--admin", action="store_true", help="with --add-user: a site administrator")
    users.add_argument("--groups", default="", help="with --add-user: comma-separated groups")
    users.add_argument("--set-admin", nargs=2, metavar=("NAME", "true|false"), help="change a user's admin flag")
    users.add_argument("--set-groups", nargs=2, metavar=("NAME", "a,b"), help="replace a user's groups")
    args = p.parse_args(argv)

    if args.add_user and args.password is None:
        p.error("--add-user needs --password")
    if args.set_admin and args.set_admin[1].lower() not in ("true", "false"):
        p.error("--set-admin takes NAME true or NAME false")
    args.managing = bool(args.add_user or args.set_admin or args.set_groups)
    if args.managing:
        return args
    if not args.hub_url:
        p.error("--hub-url is required to serve, e.g. --hub-url https://hub.campus.test:8443")
    hub = urlsplit(args.hub_url)
    if hub.scheme not in ("http", "https") or not hub.netloc or hub.path.strip("/") or hub.query:
        p.error("--hub-url must be a scheme and host with no path, e.g. https://hub.campus.test:8443")
    args.hub_url = f"{hub.scheme}://{hub.netloc}"
    if bool(args.cert) != bool(args.key):
        p.error("give both --cert and --key, or neither")
    if not 60 <= args.token_ttl <= 30 * 24 * 3600:
        p.error("--token-ttl must be between 60 seconds and 30 days")
    if args.cookie_domain and not all(args.cookie_domain.split(".")):
        p.error("--cookie-domain must be a domain name such as campus.test")
    return args


def manage(args) -> int:
    conn = store.connect(args.db)
    try:
        if args.add_user:
            store.add_user(conn, args.add_user, args.password, admin=args.admin, groups=args.groups)
            print(f"user {args.add_user} saved in {args.db}")
        if args.set_admin:
            store.set_admin(conn, args.set_admin[0], args.set_admin[1].lower() == "true")
            print(f"user {args.set_admin[0]}: admin {args.set_admin[1].lower()}")
        if args.set_groups:
            groups = store.set_groups(conn, *args.set_groups)
            print(f"user {args.set_groups[0]}: groups {groups or '(none)'}")
    except store.StoreError as e:
        print(f"site.py: {e}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0


class Server(ThreadingHTTPServer):
    daemon_threads = True
    _reported: set = set()

    def handle_error(self, request, client_address):
        # Browsers that distrust a self-signed certificate retry on every
        # request; one line per kind of failure is enough to diagnose it.
        err = sys.exc_info()[1]
        text = f"{type(err).__name__}: {err}"
        if text not in self._reported:
            self._reported.add(text)
            print(f"{client_address[0]} - connection error (reported once): {text}", file=sys.stderr)


def serve(args) -> int:
    api_key = None
    if args.api_key_file:
        try:
            api_key = Path(args.api_key_file).read_text().strip().encode()
        except OSError as e:
            print(f"site.py: cannot read --api-key-file: {e.strerror}", file=sys.stderr)
            return 2
        if len(api_key) < 16:
            print("site.py: the API key must be at least 16 characters", file=sys.stderr)
            return 2
    handler = type("SiteHandler", (web.Handler,), {"settings": web.Settings(
        db=args.db, hub_url=args.hub_url, https=bool(args.cert), ttl=args.token_ttl,
        cookie_domain=args.cookie_domain, token_in_url=args.token_in_url, api_key=api_key)})
    try:
        httpd = Server((args.host, args.port), handler)
        if args.cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(args.cert, args.key)
            # Handshakes then happen in each request's thread, so one slow
            # client cannot hold up accepting the others.
            httpd.socket = context.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
    except (OSError, ssl.SSLError) as e:
        print(f"site.py: cannot start: {e}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = httpd.server_address[:2]
    scheme = "https" if args.cert else "http"
    print(f"course site running at {scheme}://{host}:{port}/ (hub {args.hub_url})", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        store.init(args.db)
    except Exception as e:  # sqlite3 errors name the problem well enough
        print(f"site.py: cannot open the database {args.db}: {e}", file=sys.stderr)
        return 2
    return manage(args) if args.managing else serve(args)


if __name__ == "__main__":
    sys.exit(main())
