"""`campushub env build|list`: the environments users choose from.

`build` is also what moves a tag: edit `tags` in campushub.yaml and run it;
new servers get the new version, running servers and the hub are untouched.
"""

from __future__ import annotations

import os

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..deploy.local import environments
from ..deploy.local.errors import InstallError
from . import site_args
from .main import CommandError


def register(sub) -> None:
    p = sub.add_parser("env", help="build and list the user environments (see docs/policies.md)")
    actions = p.add_subparsers(dest="env_command", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="build every environment version and point the site's tags as "
                               "configured")
    site_args.add(build)
    build.set_defaults(func=_build)
    listing = actions.add_parser("list", help="show the site's environments: tags, versions and whether they are "
                                 "built")
    site_args.add(listing)
    listing.set_defaults(func=_list)


def _check_locks(config: dict) -> None:
    """Refuse before building anything, so a typo changes nothing."""
    for name, env in environments.definitions(config).items():
        for version, spec in env["versions"].items():
            lock = environments.lock_for(config, spec)
            if not os.access(lock, os.R_OK):
                key = f"environments.{name}.versions.{version}.lock_file"
                raise CommandError(f"{key}: cannot read {lock}; give the path of a readable lock file.")


def _build(args) -> int:
    if os.geteuid() != 0:
        raise CommandError("campushub env build must run as root: environments are shared by every user.")
    config = site_args.load(args)
    _check_locks(config)
    total = sum(len(e["versions"]) for e in environments.definitions(config).values())
    console = Console()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("Building environments", total=total)

        def step(message: str) -> None:
            if message.startswith("Environment "):
                if progress.tasks[0].description.startswith("Environment "):
                    progress.advance(task)
            progress.update(task, description=message)
        try:
            published = environments.ensure_environments(config, progress=step)
        except InstallError as e:
            raise CommandError(str(e)) from None
        progress.update(task, completed=total, description="Environments ready")
    for name, tags in published.items():
        for tag, env_dir in tags.items():
            version = environments.resolve(environments.site_dir(config), name, tag).version
            console.print(f"{name}:{tag} -> {version} ({env_dir})")
    return 0


def _list(args) -> int:
    config = site_args.load(args)
    site = environments.site_dir(config)
    console = Console(width=200)
    console.print(f"Environments of the site in {site}")
    table = Table("environment", "tag", "version", "status", "path")
    for info in environments.describe(site, config):
        for tag, t in info["tags"].items():
            if t["built"]:
                status, path = "built", t["env_dir"]
            elif t.get("unpublished_env_dir"):
                # the same venv `content check` would use; servers need the tag: `env build` or `up`
                status, path = "built, tag not set for this site (run env build)", t["unpublished_env_dir"]
            else:
                status, path = "not built", ""
            table.add_row(info["name"], tag, str(t["version"]), status, path)
    console.print(table)
    return 0
