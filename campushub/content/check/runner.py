"""Executes one notebook with nbclient, OUTSIDE the sandbox: only the kernel
runs inside it (as the sandbox account, over unix sockets in the sandbox's
runtime directory), so nothing the notebook does can reach this process or
the channel its outcome leaves on.

Run by the course environment's Python (`python -I runner.py`), so it may
import nothing of CampusHub, only what every Jupyter environment has
(nbclient, nbformat, jupyter_client). Reads its task as JSON on stdin and
writes the outcome as one JSON object to the file descriptor the task names
(never stdout/stderr, which the kernel shares).
"""

import importlib.util
import json
import os
import resource
import stat
import sys

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def _sandboxed_manager(task: dict) -> type:
    class SandboxedKernelManager(AsyncKernelManager):
        """The kernel command wrapped in the sandbox; its connection file readable by it."""

        def format_kernel_cmd(self, extra_arguments=None):
            # the launcher by path, not `-m`: with -m, a course file named ipykernel_launcher.py next to the
            # notebook would run first; this way no course code runs before the kernel answers
            launcher = importlib.util.find_spec("ipykernel_launcher").origin
            return [*task["sandbox"], task["python"], "-s", launcher, "-f", self.connection_file]

        def write_connection_file(self, **kwargs):
            super().write_connection_file(**kwargs)
            os.chown(self.connection_file, task["uid"], task["gid"])

    return SandboxedKernelManager


class LockingClient(NotebookClient):
    """Once the kernel answers, its socket folder becomes root's: the kernel (and so the notebook) can no
    longer swap a socket for a link that this process, as root, would follow when it reconnects."""

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        # never through a link: root's chown and chmod would land on whatever it names (/etc/shadow)
        fd = os.open(os.path.dirname(self.km.connection_file), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            os.fchown(fd, 0, 0)
            os.fchmod(fd, 0o755)
            # course code can run while the kernel starts: a socket it swapped for a link before the lock
            # would still lead this process elsewhere when it reconnects
            for name in os.listdir(fd):
                if name != "kernel.json" and not stat.S_ISSOCK(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
                    raise RuntimeError(f"the kernel replaced its socket {name} with something else")
        finally:
            os.close(fd)
        return kc


def main(task: dict) -> dict:
    try:
        nb = nbformat.read(task["notebook"], as_version=4)
    except Exception as e:  # whatever the file holds, it is this notebook's failure, not the runner's
        return {"status": "failed", "error": f"not a readable notebook: {type(e).__name__}: {str(e)[:300]}"}
    runtime = task["sockets_dir"]
    client = LockingClient(
        nb, timeout=task["cell_timeout"], kernel_name="python3", allow_errors=False,
        kernel_manager_class=_sandboxed_manager(task), resources={"metadata": {"path": task["cwd"]}})
    client.km = client.create_kernel_manager()
    client.km.transport = "ipc"  # unix sockets inside the sandbox's own directory: no port anyone else can reach
    client.km.ip = os.path.join(runtime, "kernel")
    client.km.connection_file = os.path.join(runtime, "kernel.json")
    outcome = {"status": "passed"}
    try:
        client.execute(stdout=open(os.devnull, "wb"), env={"PATH": "/usr/bin:/bin"})
    except CellExecutionError as e:
        outcome = {"status": "failed", **_failed_cell(nb, e)}
    except CellTimeoutError as e:
        outcome = {"status": "timeout", "error": str(e).splitlines()[0][:500]}
    except (DeadKernelError, RuntimeError) as e:  # RuntimeError: the kernel never answered (see the log)
        outcome = {"status": "died", "error": str(e)[:500]}
    return outcome


def _failed_cell(nb, error) -> dict:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return {"cell": index, "ename": str(output.get("ename", ""))[:200],
                        "evalue": str(output.get("evalue", ""))[:500], "source": "".join(cell.get("source", ""))[:500]}
    return {"cell": None, "ename": str(getattr(error, "ename", ""))[:200],
            "evalue": str(getattr(error, "evalue", error))[:500]}


if __name__ == "__main__":
    task = json.loads(sys.stdin.read())
    # everything a kernel prints is held here: a notebook printing without end must not exhaust root's memory
    resource.setrlimit(resource.RLIMIT_AS, (task["memory_cap"], task["memory_cap"]))
    channel = task["outcome_fd"]
    os.set_inheritable(channel, False)  # the kernel is started from here: it must not get the channel
    result = main(task)
    with os.fdopen(channel, "w") as out:
        out.write(json.dumps(result))
