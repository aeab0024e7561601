"""The program of the course-sync init container (course_sync.py builds it).

It runs inside the user image, which has nbgitpuller (the environment lock)
but not campushub, so it uses the standard library only and gets everything
else in one JSON environment variable: the courses, and each course's notice,
already translated by the hub, with "{reason}" left to fill in. It does
what content/sync.py does locally: `gitpuller REPO BRANCH TARGET` from the
home folder (its working directory), then the notice file written or
removed. Whatever goes wrong, it exits 0: a failed sync never stops the
server. All courses together get a time budget, so that a slow git server
cannot make the hub give up on the start (its start_timeout).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

PLAN_ENV = "CAMPUSHUB_COURSE_SYNC"


def failure(done) -> str:
    """The line of gitpuller's output that says why, as content/sync.py picks it."""
    lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
    interesting = [line for line in lines if "fatal:" in line or "error" in line.lower()]
    return (interesting or lines or [f"gitpuller exited with {done.returncode}"])[-1][-300:]


def pull(course: dict, timeout: float) -> str | None:
    gitpuller = shutil.which("gitpuller")
    if gitpuller is None:
        return "gitpuller (nbgitpuller) is not installed in the image"
    try:
        # its own process group, so that git goes too when it hangs
        proc = subprocess.Popen([gitpuller, course["repo"], course["branch"], course["target"]],
                                # no .pth from the learner's ~/.local in gitpuller, should the
                              # image's python not be a venv (which has no user site)
                              env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "PYTHONNOUSERSITE": "1"},
                              stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    except OSError as e:
        return str(e)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"no answer from {course['repo']} within {timeout:.0f} s"
    done = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    return None if done.returncode == 0 else failure(done)


def write_status(relative: str, courses: dict) -> None:
    """content/sync.py STATUS_FILE: how each course went, for the analytics extension."""
    path = os.path.join(os.getcwd(), relative)
    os.makedirs(os.path.dirname(path), 0o700, exist_ok=True)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())  # any python3 the image has
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"time": now, "courses": courses}, f)
    os.replace(path + ".tmp", path)


def main() -> None:
    plan = json.loads(os.environ[PLAN_ENV])
    notices, status = [], {}
    end = time.monotonic() + plan["budget"]
    for course in plan["courses"]:
        left = end - time.monotonic()
        reason = pull(course, min(plan["timeout"], left)) if left > 0 else "no time was left to sync it"
        if reason:
            print(f"course {course['name']} was not synced: {reason}", file=sys.stderr)
            notices.append(course["notice"].replace("{reason}", reason))
        else:
            print(f"course {course['name']} synced into {course['target']}")
        status[course["name"]] = "failed" if reason else "ok"
    if plan.get("status_file"):
        write_status(plan["status_file"], status)
    path = os.path.join(os.getcwd(), plan["notice_file"])
    if notices:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n\n".join(notices) + "\n")
    elif os.path.lexists(path):
        os.unlink(path)  # a planted link goes, never its target


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # the server must start regardless
        print(f"course sync failed: {e!r}", file=sys.stderr)
    sys.exit(0)
