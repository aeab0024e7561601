"""Course content into learners' homes, with nbgitpuller.

nbgitpuller's merge keeps whatever a learner changed and brings in new files
and upstream changes, which is exactly what a course needs; we only decide
which courses a user gets (their learner or tutor group), run its `gitpuller`
as the user when their server starts, and offer its /git-pull link for syncing
on demand. A failed sync never stops the server: it is logged, and the
learner finds a notice file in their home.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlencode, urlsplit

from ..i18n import N_, translate

NOTICE_FILE = "COURSE-SYNC-PROBLEM.txt"
# Machine-readable result of the last sync, in the home: {"time": ISO UTC,
# "courses": {name: "ok"|"failed"}}, read by the analytics server extension
# (singleuser/analytics/courses.py; deploy/kubernetes/course_sync_pod.py writes the same).
STATUS_FILE = ".campushub/course-sync.json"
TIMEOUT = 120
NOTICE = N_("The course {course} could not be updated just now, so its folder {folder} shows the last version you received. Your own changes are untouched. Open the course's sync link later to try again, or tell your tutor if this stays. Reason: {reason}")  # noqa: E501


def courses_for(config: dict, groups: set[str]) -> list[tuple[str, dict]]:
    """The courses with a repository that a member of `groups` learns or tutors."""
    return [(name, spec) for name, spec in sorted(config["courses"].items())
            if spec.get("repo") and ({spec["learners_group"], spec["tutors_group"]} & groups)]


def target(name: str, spec: dict) -> str:
    return spec.get("target") or name


def _query(name: str, spec: dict) -> str:
    return urlencode({"repo": spec["repo"], "branch": spec.get("branch") or "main",
                      "targetpath": target(name, spec), "urlpath": f"lab/tree/{target(name, spec)}"})


def sync_link(hub_url: str, name: str, spec: dict) -> str:
    """The on-demand sync link (nbgitpuller), opening the course folder after."""
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{_query(name, spec)}"


def server_sync_link(name: str, spec: dict) -> str:
    """The same, relative to a page served at /user/NAME/<something>/."""
    return f"../git-pull?{_query(name, spec)}"


def git_checked_paths(repo: str) -> list[str]:
    """The paths git compares with safe.directory when serving `repo` (a local path).

    A clone or fetch runs git-upload-pack on the repository, which enters its
    git directory: the path itself for a bare repository, but `<repo>/.git`
    for a plain one (trusting only the working tree gave "dubious ownership
    in repository at '<repo>/.git'"). Commands run inside a working tree are
    checked against the working tree instead, so both are listed, as written
    and resolved (newer git compares real paths)."""
    if any(c in repo for c in "\n\r\0"):
        return []  # could not be written into a config file safely; git will say why it refuses
    paths = []
    for base in dict.fromkeys([repo.rstrip("/") or "/", os.path.realpath(repo)]):
        paths.append(base)
        dotgit = Path(base) / ".git"
        if dotgit.is_dir():
            paths.append(str(dotgit))
        elif dotgit.is_file():  # a linked worktree or submodule: "gitdir: <path>"
            line = dotgit.read_text(errors="replace").partition("\n")[0]
            if line.startswith("gitdir: "):
                paths.append(os.path.normpath(Path(base) / line[len("gitdir: "):].strip()))
    return list(dict.fromkeys(paths))


def trust_local_repos(path: Path, found: list[tuple[str, dict]]) -> dict:
    """Env for git so users may read file:// course repositories owned by root.

    git refuses repositories owned by someone else ("dubious ownership")
    unless a protected config lists them, and it drops -c settings for local
    clones; a global config file of ours naming exactly these repositories is
    what it accepts. The admin chose them, so they are trusted."""
    local = sorted({p for _, spec in found if spec["repo"].startswith("file://")
                    for p in git_checked_paths(unquote(urlsplit(spec["repo"]).path))})
    if not local:
        return {}
    text = "[safe]\n" + "".join(f"\tdirectory = {_quoted(repo)}\n" for repo in local)
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    return {"GIT_CONFIG_GLOBAL": str(path)}


def _quoted(value: str) -> str:
    """A git config value: quoted, so spaces, '#' and ';' in a path survive."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pull(env_dir: str, name: str, spec: dict, home: str, preexec, env: dict) -> str | None:
    """Sync one course into `home` as the user; None when it worked, else why not."""
    cmd = [os.path.join(env_dir, "bin", "gitpuller"), spec["repo"], spec.get("branch") or "main", target(name, spec)]
    try:
        done = subprocess.run(cmd, cwd=home, preexec_fn=preexec, env={**env, "GIT_TERMINAL_PROMPT": "0"},
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"no answer from {spec['repo']} within {TIMEOUT} s"
    except OSError as e:
        return str(e)
    if done.returncode == 0:
        return None
    lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
    interesting = [line for line in lines if "fatal:" in line or "error" in line.lower()]
    return (interesting or lines or [f"gitpuller exited with {done.returncode}"])[-1][-300:]


# replaced whole, so a reader never sees half a file
WRITE_STATUS = ("import os, sys; p = sys.argv[1]; os.makedirs(os.path.dirname(p), 0o700, exist_ok=True); "
                "open(p + '.tmp', 'w', encoding='utf-8').write(sys.stdin.read()); os.replace(p + '.tmp', p)")


def write_notice(env_dir: str, home: str, lang: str, problems: dict[str, tuple[str, str]], preexec,
                 env: dict, synced: list[str] = ()) -> None:
    """One file in the home listing what failed; removed once every sync works.
    And STATUS_FILE saying how each course in `synced` went.

    Written by the user's own process: root writing into a home would follow
    a link the user planted there."""
    if synced:
        status = {"time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                  "courses": {name: "failed" if name in problems else "ok" for name in synced}}
        subprocess.run([os.path.join(env_dir, "bin", "python"), "-I", "-c", WRITE_STATUS, STATUS_FILE],
                       input=json.dumps(status), text=True, cwd=home, preexec_fn=preexec, env=env,
                       capture_output=True, timeout=30)
    path = Path(home) / NOTICE_FILE
    if not problems:
        if path.is_symlink() or path.exists():
            path.unlink()  # unlinking removes a planted link itself, never its target
        return
    text = "\n\n".join(translate(lang, NOTICE, course=course, folder=folder, reason=reason)
                       for course, (folder, reason) in sorted(problems.items()))
    write = "import sys; open(sys.argv[1], 'w', encoding='utf-8').write(sys.stdin.read())"
    subprocess.run([os.path.join(env_dir, "bin", "python"), "-c", write, str(path)], input=text + "\n",
                   text=True, cwd=home, preexec_fn=preexec, env=env, capture_output=True, timeout=30)
