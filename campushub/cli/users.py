"""`campushub users import|export`: bulk users and groups as CSV.

The work is done by the hub (hub/people, POST /hub/api/campushub/users/import),
so a local site and a Kubernetes hub behave the same; this command only sends
the file and prints the answer. Locally it talks to the running site with the
CLI's token; elsewhere give --url (the hub's public address) and the token in
CAMPUSHUB_API_TOKEN (the release's campushub-automation token, docs/kubernetes.md).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import requests

from . import target
from .main import CommandError

TOKEN_ENV = "CAMPUSHUB_API_TOKEN"
TIMEOUT = 600  # seconds: thousands of people are created one by one, as the hub's REST API does


def register(sub) -> None:
    p = sub.add_parser("users", help="import or export users, display names, groups and admins as CSV")
    actions = p.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    imp = actions.add_parser("import", help="create and update users from a CSV (username,display_name,groups,admin)")
    imp.add_argument("file", metavar="FILE.csv", help="the CSV; '-' reads it from standard input")
    imp.add_argument("--dry-run", action="store_true", help="show what would change and change nothing")
    imp.add_argument("--sync-groups", action="store_true",
                     help="also remove each listed person from the groups their line does not name "
                          "(without it, memberships are only ever added)")
    imp.set_defaults(func=_import)
    exp = actions.add_parser("export", help="write every user as CSV, in the format `import` reads")
    exp.add_argument("file", metavar="FILE", nargs="?", help="where to write (default: standard output)")
    exp.set_defaults(func=_export)
    for action in (imp, exp):
        target.add_arguments(action)
        action.add_argument("--url", metavar="HUB_URL",
                            help=f"a hub elsewhere (e.g. on Kubernetes): its public address; the token comes from "
                                 f"{TOKEN_ENV}")


def _hub(args) -> tuple[str, str]:
    """The hub's REST API address and a token for it."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if args.url:
        if not args.url.startswith(("http://", "https://")):
            raise CommandError(f"--url {args.url[:100]!r}: give the hub's http(s) address", 2)
        if not token:
            raise CommandError(f"--url needs a token: set {TOKEN_ENV} to a token with the admin:users and "
                               "admin:groups scopes", 2)
        return args.url.rstrip("/") + "/hub/api/", token
    from .hub_api import HubAPI

    layout, how = target.layout_for(args)
    try:
        api = HubAPI.for_layout(layout)
    except FileNotFoundError:
        raise CommandError(f"no running site in {layout.data_dir} ({how}): start it with `campushub up`, "
                           "or give --url") from None
    except PermissionError:
        raise CommandError(f"{layout.cli_token}: not readable; run as root on the hub's machine or set "
                           f"{TOKEN_ENV} and give --url") from None
    return api.url, token or api.token


def _call(method: str, url: str, token: str, **kwargs) -> requests.Response:
    try:
        r = requests.request(method, url, headers={"Authorization": f"token {token}"}, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as e:
        raise CommandError(f"cannot reach the hub at {url} ({type(e).__name__}): is the site running? "
                           "(`campushub status`)") from None
    if r.status_code == 200:
        return r
    try:
        message = r.json().get("message")
    except ValueError:
        message = None
    if r.status_code in (401, 403):
        message = (message or "") + f" (the token was refused: it needs admin:users and admin:groups; {TOKEN_ENV})"
    detail = message or f"HTTP {r.status_code}"
    raise CommandError(f"the hub refused: {detail.strip()}", 2 if r.status_code < 500 else 1)


def _import(args) -> int:
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as e:
        raise CommandError(f"{args.file}: {e.strerror}; give a readable CSV file", 2) from None
    url, token = _hub(args)
    params = {"dry_run": "1" if args.dry_run else "0", "sync_groups": "1" if args.sync_groups else "0"}
    answer = _call("POST", url + "campushub/users/import", token, params=params, data=data).json()
    for line in answer["lines"]:
        if line["outcome"] != "unchanged":
            verb = line["outcome"] if not args.dry_run else f"would be {line['outcome']}"
            print(f"line {line['line']}: {line['username']} {verb}: {', '.join(line['changes']) or '-'}")
    for error in answer["errors"]:
        print(f"line {error['line']}: {error['message']}", file=sys.stderr)
    s = answer["summary"]
    prefix = "dry run, nothing changed: " if args.dry_run else ""
    print(f"{prefix}{s['created']} created, {s['updated']} updated, {s['unchanged']} unchanged, "
          f"{s['errors']} line(s) with errors")
    return 1 if answer["errors"] else 0


def _write_private(path: Path, text: str) -> None:
    """Everyone's names, groups and admin flags, written by root, often into /tmp: made
    0600 under a temporary name and renamed into place, so a link planted at the name
    is replaced rather than written through, and a file another account made there
    beforehand is replaced by root's own rather than filled for that account to read."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _export(args) -> int:
    url, token = _hub(args)
    text = _call("GET", url + "campushub/users/export", token).text
    # /dev/stdout as "-": it is a link, which _write_private would replace rather than write to
    if args.file and args.file not in ("-", "/dev/stdout"):
        try:
            _write_private(Path(args.file), text)
        except OSError as e:
            raise CommandError(f"{args.file}: {e.strerror}; give a writable path", 2) from None
        print(f"wrote {text.count(chr(10)) - 1} user(s) to {args.file}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
