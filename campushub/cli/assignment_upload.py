"""Where `campushub assignment create` sends an assignment, with which token,
and the --dry-run alternative of writing the student version to a folder."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from ..config import public_url
from ..content.check.outcome import clean
from . import target
from .main import CommandError

if TYPE_CHECKING:
    from ..assignments.format.source import Source

TOKEN_ENV = "CAMPUSHUB_API_TOKEN"  # the campushub-automation service's token (hub/services.py)
TIMEOUT = 300  # seconds: a large assignment is checked again and stored by the service


def service(args) -> tuple[str, str]:
    """The service's base URL and the token to call it with.

    Without --url: the running local site's public URL (its effective config
    in the data dir) and, without CAMPUSHUB_API_TOKEN, the campushub-cli
    service's token that `status` and `down` use, readable by root alone.
    """
    token = os.environ.get(TOKEN_ENV, "").strip()
    url = args.url
    if url is None or not token:
        layout, how = target.layout_for(args)
        if url is None:
            try:
                config = json.loads(layout.config_copy.read_text())
            except FileNotFoundError:
                raise CommandError(f"no running site in {layout.data_dir} ({how}): start it with `campushub up`, "
                                   "or give --url and set CAMPUSHUB_API_TOKEN") from None
            url = f"{public_url(config)}{config['hub']['base_url']}services/assignments/"
        if not token:
            try:
                token = layout.cli_token.read_text().strip()
            except PermissionError:
                raise CommandError(f"{layout.cli_token}: not readable; run as root on the hub's machine or set "
                                   f"{TOKEN_ENV}") from None
            except FileNotFoundError:
                raise CommandError(f"no CLI token in {layout.data_dir} ({how}): start the site with `campushub up` "
                                   f"or set {TOKEN_ENV}") from None
    if not url.startswith(("http://", "https://")):
        raise CommandError(f"--url {clean(url, False)!r}: give the service's http(s) address", 2)
    return url if url.endswith("/") else url + "/", token


def create(url: str, token: str, course: str, fields: dict, source: Source) -> dict:
    files = {**source.notebooks, **source.files}
    body = {**fields, "files": {path: base64.b64encode(data).decode() for path, data in sorted(files.items())}}
    endpoint = f"{url}api/course/{course}/assignments"
    try:
        r = requests.post(endpoint, json=body, headers={"Authorization": f"token {token}"}, timeout=TIMEOUT,
                          allow_redirects=False)
    except requests.RequestException as e:
        raise CommandError(f"cannot reach the assignments service at {url} ({type(e).__name__}): is the site "
                           "running with assignments enabled? Give --url otherwise") from None
    try:
        answer = r.json()
    except ValueError:
        answer = None
    if r.status_code == 201 and isinstance(answer, dict):
        return answer
    message = answer.get("message") if isinstance(answer, dict) else None
    if r.status_code in (401, 403) and not message:
        message = "the token was refused: set CAMPUSHUB_API_TOKEN to a token allowed to create assignments"
    detail = clean(str(message), False)[:500] if message else f"HTTP {r.status_code} from {endpoint}"
    raise CommandError(f"the assignments service refused: {detail}", 2 if r.status_code in (400, 409, 413) else 1)


def write_student(folder: Path, student: dict[str, bytes]) -> Path:
    """The student version under ``folder`` (which must be new or empty: nothing of anyone's is overwritten)."""
    from ..assignments.format.source import relative_path  # nbformat is slow to import: only when used

    folder = folder.absolute()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CommandError(f"--dry-run {folder}: not a new or empty folder; give another", 2)
    for path, data in sorted(student.items()):
        out = folder.joinpath(*relative_path(path).split("/"))
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "xb") as f:
            f.write(data)
    return folder
