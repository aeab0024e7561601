"""A freshly debootstrapped Debian 12 root, as a new machine would be, entered through its own mount namespace.

The root reaches Debian's mirror, PyPI and the npm registry the way this host
does (its apt sources and proxy settings, CA bundle, pip and npm settings),
and nothing else of the host: no Python, no Node, no CampusHub.

It is entered with bwrap (pivot_root into a new mount namespace, not a
chroot: the kernel refuses new namespaces to a chrooted process, and the
content check's sandbox needs them). One long-lived process anchors that
namespace; every command runs in it through nsenter, so "the processes of
the root" are exactly those in its mount namespace.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CHECKOUT = "/root/campushub"  # where the README's commands are run from, as a clone would be
HOME = Path.home()
# how this host reaches PyPI and the npm registry; each copied in if it exists
NETWORK_SETTINGS = [Path("/etc/pip.conf"), Path("/etc/xdg/pip"), HOME / ".config/pip", HOME / ".pip",
                    HOME / ".npmrc", Path("/etc/npmrc"), Path("/usr/etc/npmrc"), Path("/usr/local/etc/npmrc"),
                    Path("/etc/resolv.conf"), Path("/etc/hosts")]
ENV_PASSED = re.compile(r"^(PIP_.*|(?i:https?_proxy|no_proxy|all_proxy))$")


def debian_mirror() -> str:
    """The mirror this host's apt uses for the suite (deb822 .sources or one-line .list files)."""
    apt = Path("/etc/apt")
    files = [apt / "sources.list", *sorted((apt / "sources.list.d").glob("*.list")),
             *sorted((apt / "sources.list.d").glob("*.sources"))]
    for path in files:
        try:
            text = path.read_text()
        except OSError:
            continue
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.M))
                if SUITE in fields.get("Suites", "").split() and "deb" in fields.get("Types", "").split():
                    return fields["URIs"].split()[0]
        else:
            for line in text.splitlines():
                words = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
                if len(words) >= 3 and words[0] == "deb" and words[2] == SUITE:
                    return words[1]
    return DEFAULT_MIRROR


def apt_proxy_env() -> dict:
    """apt's own HTTP(S) proxy settings as the environment variables wget reads."""
    out = subprocess.run(["apt-config", "shell", "http_proxy", "Acquire::http::Proxy",
                          "https_proxy", "Acquire::https::Proxy"], capture_output=True, text=True).stdout
    found = dict(re.findall(r"^(https?_proxy)='([^']*)'$", out, re.M))
    return {k: v for k, v in found.items() if v and v.upper() != "DIRECT" and v.lower() != "false"}


def host_ca_bundle() -> Path:
    return Path(os.environ.get("SSL_CERT_FILE") or "/etc/ssl/certs/ca-certificates.crt")


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below `path` in this (the host's) mount namespace, deepest first."""
    prefix = str(path.resolve())
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].encode().decode("unicode_escape")
            if point == prefix or point.startswith(prefix + "/"):
                found.append(point)
    return sorted(found, key=len, reverse=True)


def _mnt_ns(pid: int | str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None


class FreshRoot:
    def __init__(self, workdir: Path):
        self.dir = Path(tempfile.mkdtemp(prefix="campushub-fresh-", dir=workdir))
        self.path = self.dir / "root"
        self.anchor: subprocess.Popen | None = None
        self.pid = 0  # the anchor's pid inside bwrap: the process whose namespace is the root's
        self.env = {"PATH": PATH, "HOME": "/root", "TERM": "dumb", "COLUMNS": "200",
                    **{k: v for k, v in os.environ.items() if ENV_PASSED.match(k)}}

    # -- building -------------------------------------------------------------

    def debootstrap(self, log: Path) -> None:
        cmd = ["debootstrap", "--variant=minbase", SUITE, str(self.path), debian_mirror()]
        env = {**os.environ, **apt_proxy_env()}  # debootstrap downloads with wget, which ignores apt.conf
        with open(log, "ab") as out:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        assert done.returncode == 0, f"debootstrap failed ({done.returncode}); see {log}"

    def copy_host_settings(self) -> None:
        bundle = host_ca_bundle()
        # as /etc/ssl/certs' bundle for now, and where update-ca-certificates keeps it when
        # bootstrap.sh installs ca-certificates (which rebuilds the bundle from Mozilla's list)
        for target in ("etc/ssl/certs/ca-certificates.crt", "usr/local/share/ca-certificates/host-bundle.crt"):
            self._copy(bundle, self.path / target)
        for source in NETWORK_SETTINGS:
            if source.exists():
                self._copy(source, self.path / str(source).lstrip("/"))
        for conf in [Path("/etc/apt/apt.conf"), *Path("/etc/apt/apt.conf.d").glob("*")]:
            if conf.is_file() and "Acquire::" in conf.read_text(errors="replace"):  # proxies, snapshot validity
                self._copy(conf, self.path / str(conf).lstrip("/"))

    def copy_checkout(self, repo: Path) -> None:
        """The files a fresh clone would have: tracked ones and new ones not ignored (no .git, .venv)."""
        listed = subprocess.run(["git", "-C", str(repo), "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], capture_output=True, check=True).stdout
        target = self.path / CHECKOUT.lstrip("/")
        for name in filter(None, listed.decode().split("\0")):
            source = repo / name
            if source.is_symlink() or source.is_file():
                self._copy(source, target / name, follow=False)

    @staticmethod
    def _copy(source: Path, target: Path, follow: bool = True) -> None:
        """Host settings by content (a link to elsewhere on the host would dangle); the checkout as it is."""
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir() and not (source.is_symlink() and not follow):
            shutil.copytree(source, target, symlinks=not follow, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target, follow_symlinks=follow)

    # -- entering -------------------------------------------------------------

    def enter(self) -> None:
        """Start the anchor: bwrap pivots into the root with /proc, /dev and /sys (recursively)."""
        read, write = os.pipe()
        cmd = ["bwrap", "--bind", str(self.path), "/", "--proc", "/proc", "--dev-bind", "/dev", "/dev",
               "--bind", "/sys", "/sys", "--die-with-parent", "--info-fd", str(write), "--",
               "/bin/sleep", "infinity"]
        self.anchor = subprocess.Popen(cmd, pass_fds=(write,), env={"PATH": PATH},
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        os.close(write)
        with os.fdopen(read) as info:
            self.pid = json.loads(info.read())["child-pid"]
        # bwrap reports the pid before the child has pivoted: wait until it runs the root's sleep
        deadline = time.monotonic() + 30
        while Path(f"/proc/{self.pid}/cmdline").read_bytes() != b"/bin/sleep\0infinity\0":
            assert self.anchor.poll() is None and time.monotonic() < deadline, "bwrap did not enter the root"
            time.sleep(0.05)

    def command(self, script: str, cwd: str = "/root") -> list[str]:
        # `cd` inside: nsenter resolves --wd=DIR on the host's side, before entering
        return ["nsenter", f"--target={self.pid}", "--mount", "--root", "/usr/bin/env", "-i",
                *(f"{k}={v}" for k, v in self.env.items()), "/bin/bash", "-c", f"cd {shlex.quote(cwd)} && {script}"]

    def run(self, script: str, cwd: str = "/root", timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(script, cwd), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def popen(self, script: str, log: Path, cwd: str = "/root") -> subprocess.Popen:
        with open(log, "ab") as out:
            return subprocess.Popen(self.command(script, cwd), stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)

    def processes(self) -> dict[int, str]:
        """Every process in the root's mount namespace but the anchor: pid -> command line."""
        ns = _mnt_ns(self.pid)
        found = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != self.pid and ns and _mnt_ns(entry) == ns:
                try:
                    found[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    pass
        return found

    # -- leaving --------------------------------------------------------------

    def remove(self) -> list[str]:
        """Kill what is left, let the namespace (and its mounts) go, delete the root; what was still running."""
        left = self.processes() if self.pid else {}
        for pid in left:
            _kill(pid)
        if self.anchor is not None:
            _kill(self.pid)
            _kill(self.anchor.pid)
            self.anchor.wait(30)
        for point in mounts_under(self.dir):  # debootstrap's own /proc and /sys, if it was interrupted
            subprocess.run(["umount", "--lazy", point], check=False)
        still = mounts_under(self.dir)
        if still:  # never delete through a mount of the host's /dev or /sys
            raise RuntimeError(f"cannot unmount {still}; {self.dir} left in place")
        subprocess.run(["rm", "-rf", "--one-file-system", str(self.dir)], check=False)
        return [f"{pid}: {cmd}" for pid, cmd in left.items()]


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.05)
