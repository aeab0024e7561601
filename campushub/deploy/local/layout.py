"""Where every file of a single-machine deployment lives.

All processes (the CLI, the hub's config file, tests) derive paths from here,
so a data dir is self-describing: `campushub down --data-dir D` finds the
same pid files `up` wrote.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path


class DataDirError(RuntimeError):
    """The data dir cannot be trusted; the message says which folder and what to do."""


@dataclass(frozen=True)
class Layout:
    data_dir: Path

    @classmethod
    def for_dir(cls, data_dir: str | Path | None) -> Layout:
        """The layout of DIR, or of the default data_dir when none is given."""
        from ...config import defaults

        return cls(Path(data_dir or defaults()["data_dir"]).resolve())

    @property
    def config_copy(self) -> Path:
        """The effective site config of the running deployment (JSON)."""
        return self.data_dir / "effective-config.json"

    @property
    def db_file(self) -> Path:
        return self.data_dir / "jupyterhub.sqlite"

    @property
    def cookie_secret(self) -> Path:
        return self.data_dir / "jupyterhub_cookie_secret"

    @property
    def proxy_token(self) -> Path:
        return self.data_dir / "proxy-auth-token"

    @property
    def cli_token(self) -> Path:
        """Token of the `campushub-cli` service that `down` and `status` use."""
        return self.data_dir / "cli-api-token"

    def service_token(self, service: str) -> Path:
        """API token of one of the hub services `up` runs (hub_services_local.py)."""
        return self.data_dir / f"{service}-api-token"

    def service_dir(self, service: str) -> Path:
        """A service's own folder: its SQLite database, cookie secret and
        scratch (the assignments service's submissions being graded)."""
        return self.data_dir / service

    @property
    def help_dir(self) -> Path:
        """The help portal's builds and its `site` link (campushub/help/swap.py)."""
        return self.data_dir / "help"

    @property
    def assignments_token(self) -> Path:
        return self.service_token("assignments")

    @property
    def assignments_dir(self) -> Path:
        return self.service_dir("assignments")

    @property
    def bootstrap_admin(self) -> Path:
        return self.data_dir / "bootstrap-admin.json"

    @property
    def admins_file(self) -> Path:
        return self.data_dir / "admins.json"

    @property
    def run_dir(self) -> Path:
        """Pid files and the state of the running `up`; nothing here outlives the site's run."""
        return self.data_dir / "run"

    def pid_file(self, process: str) -> Path:
        return self.run_dir / f"{process}.pid"

    @property
    def up_lock(self) -> Path:
        """Held (flock) by the one `campushub up` of this data dir."""
        return self.run_dir / "up.lock"

    @property
    def up_state(self) -> Path:
        """What the running `up` was started with (config file, environment), for `status`."""
        return self.run_dir / "up.json"

    @property
    def servers_stopped(self) -> Path:
        """Left by `down --stop-servers` so the `up` it stops reports what happened."""
        return self.run_dir / "servers-stopped"

    def log_file(self, process: str) -> Path:
        return self.data_dir / "logs" / f"{process}.log"

    @property
    def user_logs(self) -> Path:
        return self.data_dir / "logs" / "users"

    def ensure(self) -> None:
        for d in (self.data_dir, self.run_dir, self.data_dir / "logs", self.user_logs):
            d.mkdir(parents=True, exist_ok=True)
            # A folder someone else made (say another account's /tmp/site, given
            # as --data-dir) stays theirs after chmod: they could plant the
            # cookie secret, or pid files that `up` and `down` would signal.
            st = os.lstat(d)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
                raise DataDirError(f"{d}: belongs to another account (uid {st.st_uid}) or is a link; "
                                   "use a data dir that only this account made")
            os.chmod(d, 0o700)  # tokens and the database live here

    def secret(self, path: Path, nbytes: int = 32) -> str:
        """Read a secret, creating it (0600) on first use; idempotent."""
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(nbytes))
        return path.read_text().strip()

    def admins(self) -> list[str]:
        try:
            return json.loads(self.admins_file.read_text())
        except FileNotFoundError:
            return []

    def add_admin(self, name: str) -> None:
        names = sorted(set(self.admins()) | {name})
        self.admins_file.write_text(json.dumps(names))
