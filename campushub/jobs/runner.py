"""One notebook job, run where the job runs and as the person: papermill on a copy of the notebook.

Started by a deployment's backend (deploy/local/jobs/, deploy/kubernetes/jobs.py) as `python -I -c
<this file's text>` with the user environment's python (papermill, no campushub: standard library and
papermill only). CAMPUSHUB_JOB (JSON: id, notebook relative to the home, parameters, kernel or null)
says what to run. All lands in ~/jobs/<id>/, made by the person's own account, 0700: input.ipynb (the
copy, taken now), parameters.json, log.txt (papermill's log, the cells' output, stderr), output.ipynb
(saved after each cell by papermill) and result.json, each written whole or not at all (temporary
file, fsync, rename, fsync of the folder).

Peak memory and OOM kills come from the job's own cgroup (v1 or v2, through /proc/self/cgroup and mountinfo: a local
job's cgroup or a pod's), counted from its start: a kernel the memory limit killed makes the run `oom`. A failing cell
(PapermillExecutionError) is given by its index in the person's notebook, not the executed one. The result also goes,
as one JSON line, to the fd CAMPUSHUB_JOB_REPORT_FD names (the local root wrapper, which never reads the home), or to
the file CAMPUSHUB_JOB_REPORT_FILE names (a Kubernetes container's termination message).
"""

import ctypes
import json
import logging
import os
import resource
import shutil
import sys
import tempfile
import time

JOB_ENV = "CAMPUSHUB_JOB"
REPORT_FD_ENV = "CAMPUSHUB_JOB_REPORT_FD"
REPORT_FILE_ENV = "CAMPUSHUB_JOB_REPORT_FILE"  # a Kubernetes container's termination message
REPORT_MAX = 4096  # what Kubernetes keeps of a termination message
EXIT = {"succeeded": 0, "failed": 1, "oom": 3}
BAD_REQUEST = 2
INJECTED = "injected-parameters"
ERROR_MARKER = "papermill-error-cell-tag"  # papermill.execute.ERROR_MARKER_TAG
AF_UNIX_MAX = 107
PR_SET_DUMPABLE = 4  # linux/prctl.h


def atomic_write(path, data):
    """`data` (bytes) at `path`, whole or not at all, durable once this returns."""
    folder = os.path.dirname(path)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_path(folder)


def fsync_path(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json(path, value):
    atomic_write(path, (json.dumps(value, indent=1, ensure_ascii=False) + "\n").encode())


class Cgroup:
    """Memory accounting of the cgroup this process is in; zeros where there is none to read."""

    def __init__(self, version, path):
        self.version, self.path = version, path

    @classmethod
    def own(cls):
        try:
            with open("/proc/self/cgroup") as f:
                lines = [line.rstrip("\n").split(":", 2) for line in f]
            with open("/proc/self/mountinfo") as f:
                mounts = [line.split() for line in f]
        except OSError:
            return cls(0, None)
        for fields in mounts:
            sep = fields.index("-")
            fstype, options = fields[sep + 1], fields[sep + 3].split(",")
            if fstype == "cgroup" and "memory" in options:
                found = [p for _, ctrl, p in lines if "memory" in ctrl.split(",")]
                if found:
                    return cls(1, _inside(fields[4], fields[3], found[0]))
        for fields in mounts:
            if fields[fields.index("-") + 1] == "cgroup2":
                found = [p for hid, ctrl, p in lines if hid == "0" and ctrl == ""]
                if found:
                    return cls(2, _inside(fields[4], fields[3], found[0]))
        return cls(0, None)

    def _read(self, name):
        try:
            with open(os.path.join(self.path, name)) as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def oom_kills(self):
        text = self._read("memory.oom_control" if self.version == 1 else "memory.events")
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
        return 0

    def peak(self):
        # v2's memory.peak exists from Linux 5.19; before, the children's largest RSS has to do
        value = self._read("memory.max_usage_in_bytes" if self.version == 1 else "memory.peak").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
        largest = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        return largest * 1024 or None


def _inside(mount_point, mount_root, path):
    """Where cgroup `path` (as /proc/self/cgroup names it) is under a mount whose root is `mount_root`:
    a container's /sys/fs/cgroup is mounted at its own cgroup, named relative to the host's."""
    relative = os.path.relpath(path, mount_root) if path.startswith(mount_root) else "."
    candidate = os.path.normpath(os.path.join(mount_point, relative))
    return candidate if os.path.isdir(candidate) else mount_point


def check_request(job):
    """The job's id and notebook, or ValueError (one line)."""
    job_id, notebook = job.get("id"), job.get("notebook")
    if not isinstance(job_id, str) or not job_id or "/" in job_id or job_id.startswith("."):
        raise ValueError(f"{job_id!r} is not a job id")
    if not isinstance(notebook, str) or not notebook.endswith(".ipynb") or notebook.startswith("/") \
            or ".." in notebook.split("/"):
        raise ValueError(f"{notebook!r} is not a notebook path inside the home")
    if not isinstance(job.get("parameters") or {}, dict):
        raise ValueError("the parameters are not a mapping of names to values")
    return job_id, notebook


def _tagged(cell, tag):
    return tag in cell.get("metadata", {}).get("tags", [])


def failed_cell(nb, index, original_ids):
    """The index in the person's notebook of executed cell `index` (counted before papermill added its
    error marker cells to output.ipynb); None for the injected parameters cell."""
    cells = [c for c in nb.cells if not _tagged(c, ERROR_MARKER)]
    cell = cells[index]
    if _tagged(cell, INJECTED):
        return None
    if cell.get("id") in original_ids:
        return original_ids.index(cell.get("id"))
    return index - sum(1 for c in cells[:index] if _tagged(c, INJECTED))


def not_traceable():
    """Non-dumpable before the kernel (the person's code) starts, which could else ptrace this and forge the report.
    Exec'd locally with a real gid not the person's (never attachable), whose own gid is then taken back."""
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE, 0) failed")
    os.setresgid(os.getegid(), os.getegid(), os.getegid())


def kernel_config():
    """(folder, config): the kernel's connection file and unix sockets in a new 0700 folder of the person's,
    as in their server (singleuser/files.py), never TCP ports any account may reach: in the runtime dir (a
    local job's is in its private /tmp), else the temporary folder when that path is too long for a socket."""
    from jupyter_core.paths import jupyter_runtime_dir
    from traitlets.config import Config
    for base in (jupyter_runtime_dir(), tempfile.gettempdir(), "/tmp"):
        try:
            if len(os.path.join(base, "job-xxxxxxxx", "kernel-ipc-99999").encode()) <= AF_UNIX_MAX:
                os.makedirs(base, 0o700, exist_ok=True)
                folder = tempfile.mkdtemp(prefix="job-", dir=base)
                break
        except OSError:
            pass
    else:
        raise OSError("no folder for the kernel's sockets: the runtime and temporary folders are not writable")
    return folder, Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, "kernel-ipc"),
                                             "connection_file": os.path.join(folder, "kernel.json")}})


def execute(job, folder, source, cgroup):
    """papermill on input.ipynb; the result's state, failed cell and error."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        ids = [c.get("id") for c in nbformat.reads(source.decode("utf-8"), as_version=4).cells]
    except Exception:  # not a notebook: papermill says so below, in its own words
        ids = []
    output = os.path.join(folder, "output.ipynb")
    oom_before = cgroup.oom_kills()
    outcome = {"state": "succeeded", "failed_cell": None, "error": None}
    sockets, config = kernel_config()
    try:
        papermill.execute_notebook(
            os.path.join(folder, "input.ipynb"), output, parameters=job.get("parameters") or {},
            kernel_name=job.get("kernel") or None, cwd=os.path.dirname(os.path.abspath(job["notebook"])),
            progress_bar=False, log_output=True, config=config)
    except PapermillExecutionError as e:
        try:
            cell = failed_cell(nbformat.read(output, as_version=4), e.cell_index, ids)
        except (OSError, ValueError, IndexError):
            cell = e.cell_index  # no output.ipynb to count in: the executed notebook's index
        where = f"cell {cell}" if cell is not None else "the parameters cell"
        outcome.update(state="failed", failed_cell=cell, error=f"{where}: {e.ename}: {e.evalue}"[:500])
    except Exception as e:  # a dead kernel, a kernel that does not start, an unreadable notebook
        logging.getLogger("campushub.job").exception("the run stopped")
        line = (str(e).strip().splitlines() or [type(e).__name__])[0]
        outcome.update(state="failed", error=f"{type(e).__name__}: {line}"[:500])
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    if cgroup.oom_kills() > oom_before:
        # outcomes.OVER_MEMORY's text (this file imports no campushub), so the page translates it
        outcome.update(state="oom", error="The job used more memory than its limit and was stopped.")
    fsync_path(output)
    return outcome


def _log_to(folder):
    fd = os.open(os.path.join(folder, "log.txt"), os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")


def report(result):
    line = json.dumps(result) + "\n"
    if len(line.encode()) > REPORT_MAX:
        line = json.dumps({**result, "error": (result.get("error") or "")[:200]}) + "\n"
    fd, path = os.environ.get(REPORT_FD_ENV), os.environ.get(REPORT_FILE_ENV)
    try:
        if fd or path:
            with os.fdopen(int(fd), "w") if fd else open(path, "w") as f:
                f.write(line)
    except (OSError, ValueError):
        pass  # the backend measures and records what it can on its own


def run(job):
    """Run one job as described; its result (also written to result.json)."""
    os.umask(0o077)
    not_traceable()
    job_id, notebook = check_request(job)
    home = os.path.expanduser("~")
    os.chdir(home)
    folder = os.path.join(home, "jobs", job_id)
    os.makedirs(os.path.dirname(folder), 0o700, exist_ok=True)
    os.makedirs(folder, 0o700, exist_ok=True)
    started, clock = time.time(), time.monotonic()
    cgroup = Cgroup.own()
    _log_to(folder)
    write_json(os.path.join(folder, "parameters.json"), job.get("parameters") or {})
    try:
        with open(notebook, "rb") as f:
            source = f.read()
        atomic_write(os.path.join(folder, "input.ipynb"), source)
    except OSError as e:
        outcome = {"state": "failed", "failed_cell": None, "error": f"{notebook}: {e.strerror}"}
    else:
        outcome = execute(job, folder, source, cgroup)
    result = {**outcome, "exit_code": EXIT[outcome["state"]], "duration_s": round(time.monotonic() - clock, 3),
              "peak_memory": cgroup.peak(), "started": started, "finished": time.time(), "notebook": notebook}
    sys.stdout.flush()
    sys.stderr.flush()
    fsync_path(os.path.join(folder, "log.txt"))
    write_json(os.path.join(folder, "result.json"), result)
    return result


def main():
    try:
        job = json.loads(os.environ[JOB_ENV])
        check_request(job)
    except (KeyError, ValueError, AttributeError) as e:
        print(f"campushub job runner: bad request: {e}", file=sys.stderr)
        return BAD_REQUEST
    try:
        result = run(job)
    except OSError as e:  # the notebook gone, the home full: no result file may be writable either
        result = {"state": "failed", "exit_code": EXIT["failed"], "error": f"{e.strerror}: {e.filename}"[:500],
                  "failed_cell": None}
        print(f"campushub job runner: {result['error']}", file=sys.stderr)
    report(result)
    return result["exit_code"]


if __name__ == "__main__":
    sys.exit(main())
