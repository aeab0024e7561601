"""One grading worker's long-lived runner: starts sandboxed kernels ahead of
time and executes submissions on them with nbclient, OUTSIDE the sandbox.

Run by the environment's Python as root, in a mount namespace of its own
whose scratch folder is a private tmpfs (what learners write there is charged
to their kernel's memory cgroup, and everything vanishes with this process).
It imports nothing of CampusHub: the content check's runner (same folder
layout, same interpreter) supplies the sandboxed kernel manager and the
socket lock. Requests arrive as JSON lines on stdin:

  {"op": "warm", "id", "scratch", "sandbox", "python", "uid", "gid", "max_output"}   start a kernel
  {"op": "run", "id", "notebook", "files", "timeout", "max_output"}   execute a notebook on it
  {"op": "clean", "id"}                                                 remove its scratch (the kernel is gone)

and answers go as JSON lines to the file descriptor named on the command
line, which no kernel inherits: {"op": "warmed", "id", "error"} and
{"op": "done", "id", "notebook", "replies", "note"}. Each kernel serves one
notebook only; the root side kills its cgroup afterwards.
"""

import asyncio
import base64
import json
import os
import resource
import shutil
import sys
import threading
from pathlib import Path, PurePosixPath

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "content" / "check"))
import nbformat  # noqa: E402
import runner as check  # noqa: E402  (the content check's runner: sandboxed kernel manager, socket lock)
from nbclient.exceptions import DeadKernelError  # noqa: E402

SUBDIRS = (".sockets", ".runtime", ".ipython", ".mpl", ".tmp", "work")
REPLY_FIELDS = ("status", "ename", "evalue")
ALWAYS = ("status", "execute_input")  # nbclient needs these to see a cell end; they carry no output
STARTUP = 60
# Run by the kernel as it starts (an IPython startup file): print() and friends stop sending once the
# notebook printed `limit` characters. Without it a print loop outruns this runner and the kernel's
# queued output exhausts its memory. A notebook that undoes it only risks its own kernel: the budget
# below still holds for this process.
OUTPUT_CAP = """
def _campushub_cap_output(limit):
    import sys
    from ipykernel.iostream import OutStream
    sent = [0]
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, OutStream):
            def write(text, _write=stream.write):
                if sent[0] > limit:
                    return len(text)
                sent[0] += len(text)
                if sent[0] > limit:
                    _write(text[:max(0, limit - sent[0] + len(text))] + "\\n[output truncated]\\n")
                    return len(text)
                return _write(text)
            stream.write = write
    # IPython 9 also keeps every byte a cell prints in memory (its output history, wrapped around the
    # write above while a cell runs): grading never reads it back, so it is not kept
    import contextlib
    shell = get_ipython()
    if hasattr(shell, "_tee"):
        shell._tee = lambda channel: contextlib.nullcontext()
_campushub_cap_output(%d)
del _campushub_cap_output
"""


def _size(value, depth: int = 0) -> int:
    """Roughly the bytes a message's content adds to the notebook (strings counted, structure not)."""
    if isinstance(value, str | bytes):
        return len(value)
    if depth > 20:
        return 1 << 30  # nested without end: treat as too big
    if isinstance(value, dict):
        return sum(len(str(k)) + _size(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple):
        return sum(_size(v, depth + 1) for v in value)
    return 8


class GradingClient(check.LockingClient):
    """Records every cell's execute_reply (the kernel's verdict, which scoring uses) and keeps at most
    `budget` bytes of outputs: a notebook printing a gigabyte costs the runner time, not memory."""

    def __init__(self, nb, **kw):
        super().__init__(nb, **kw)
        self.replies: dict[int, dict] = {}
        self.budget = 0
        self.truncated = False
        self.on_cell_executed = self._record

    def _record(self, cell, cell_index, execute_reply):
        content = (execute_reply or {}).get("content") or {}
        self.replies[cell_index] = {k: str(content[k])[:500] for k in REPLY_FIELDS if k in content}

    def process_message(self, msg, cell, cell_index):
        transient = (msg.get("content") or {}).get("transient")
        if isinstance(transient, dict):
            # A display handle would let nbclient rewrite an EARLIER cell's output while a later
            # (hidden) test runs: learner code could copy the test's source back into what feedback
            # shows. Without its id a display is an ordinary output, and an update is dropped.
            transient.pop("display_id", None)
        if msg.get("msg_type") not in ALWAYS:
            left = self.budget
            self.budget -= _size(msg.get("content"))
            if self.budget < 0:
                if msg.get("msg_type") == "stream" and left > 0:  # the first part of a long print is kept
                    msg["content"]["text"] = str(msg["content"].get("text", ""))[:left]
                    super().process_message(msg, cell, cell_index)
                if not self.truncated:
                    self.truncated = True
                    cell.outputs.append(nbformat.v4.new_output(
                        "stream", name="stdout", text="\n[output truncated: the notebook printed too much]\n"))
                return None
        return super().process_message(msg, cell, cell_index)


class Runner:
    def __init__(self, out_fd: int):
        self.out_fd = out_fd
        self.kernels: dict[int, dict] = {}  # id -> {"client", "ready" (task), "scratch", "uid", "gid"}

    def send(self, message: dict) -> None:
        data = memoryview((json.dumps(message) + "\n").encode())
        while data:
            data = data[os.write(self.out_fd, data):]

    async def warm(self, task: dict, entry: dict) -> None:
        try:
            await self._start(task, entry)
            entry["error"] = None
        except Exception as e:  # noqa: BLE001 -- reported to the root side, which gives up this kernel
            entry["error"] = f"the kernel did not start: {type(e).__name__}: {str(e)[:300]}"
        self.send({"op": "warmed", "id": task["id"], "error": entry["error"]})

    async def _start(self, task: dict, entry: dict) -> None:
        scratch = Path(task["scratch"])
        entry.update(scratch=scratch, cwd=str(scratch / "work"), uid=task["uid"], gid=task["gid"])
        scratch.mkdir(mode=0o700)
        for sub in SUBDIRS:
            (scratch / sub).mkdir()
        startup = scratch / ".ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-campushub-output-cap.py").write_text(OUTPUT_CAP % task["max_output"])
        for path in (scratch, *(scratch / sub for sub in SUBDIRS), startup.parent, startup):
            os.chown(path, task["uid"], task["gid"])
        client = entry["client"] = GradingClient(
            nbformat.v4.new_notebook(), kernel_name="python3", allow_errors=True, startup_timeout=STARTUP,
            kernel_manager_class=check._sandboxed_manager(task), resources={"metadata": {"path": entry["cwd"]}})
        client.km = client.create_kernel_manager()
        client.km.transport = "ipc"  # unix sockets in the sandbox's own folder: no port anyone else can reach
        client.km.ip = str(scratch / ".sockets" / "kernel")
        client.km.connection_file = str(scratch / ".sockets" / "kernel.json")
        await client.async_start_new_kernel(env={"PATH": "/usr/bin:/bin"})
        await client.async_start_new_kernel_client()

    async def run(self, task: dict) -> None:
        entry = self.kernels[task["id"]]
        await entry["ready"]
        client, note = entry.get("client"), entry["error"]
        if note is None:
            try:
                self._write_files(entry, task["files"])
                client.nb = nbformat.reads(task["notebook"], as_version=4)
                # the notebook's time runs out first (a cell's own timeout would end only that cell)
                client.budget, client.timeout = task["max_output"], task["timeout"] + 60
                execution = asyncio.ensure_future(client.async_execute())
                await asyncio.wait({execution}, timeout=task["timeout"])
                if not execution.done():
                    note = f"timeout: stopped after {task['timeout']} s"
                    execution.cancel()  # nbclient turns this into DeadKernelError: the note says why
                    await asyncio.wait({execution})
                else:
                    execution.result()
            except DeadKernelError:
                note = "died: the kernel stopped (out of memory, or killed)"
            except Exception as e:  # noqa: BLE001 -- whatever the notebook did, it is this notebook's result
                note = f"error: {type(e).__name__}: {str(e)[:300]}"
        if client is not None:
            await self._stop_kernel(client)
            if note is None and client.truncated:
                note = "output truncated: the notebook printed too much"
        self.send({"op": "done", "id": task["id"], "notebook": nbformat.writes(client.nb) if client else None,
                   "replies": client.replies if client else {}, "note": note})

    @staticmethod
    async def _stop_kernel(client) -> None:
        try:
            if client.km is not None and client.km.has_kernel:
                await client.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 -- the root side kills the kernel's cgroup anyway
            pass
        if client.kc is not None:
            client.kc.stop_channels()

    def _write_files(self, entry: dict, files: dict) -> None:
        """The submission's files into the kernel's folder. Nothing of the notebook has run yet in this
        sandbox, so nothing can have put a link in the way; O_NOFOLLOW all the same."""
        root = Path(entry["cwd"])
        for name, data in files.items():
            rel = PurePosixPath(name)
            if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
                continue
            folder = root
            for part in rel.parts[:-1]:
                folder = folder / part
                if not folder.is_dir():
                    folder.mkdir()
                    os.chown(folder, entry["uid"], entry["gid"])
            fd = os.open(folder / rel.parts[-1], os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            try:
                os.fchown(fd, entry["uid"], entry["gid"])
                view = memoryview(base64.b64decode(data))
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)

    def clean(self, task: dict) -> None:
        entry = self.kernels.pop(task["id"], None)
        if entry and "scratch" in entry:
            shutil.rmtree(entry["scratch"], ignore_errors=True)  # fd-based: links made inside are not followed


async def main(out_fd: int) -> None:
    runner = Runner(out_fd)
    loop = asyncio.get_running_loop()
    requests: asyncio.Queue = asyncio.Queue()

    def read_stdin():
        for line in sys.stdin.buffer:
            loop.call_soon_threadsafe(requests.put_nowait, json.loads(line))
        loop.call_soon_threadsafe(requests.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()
    tasks = set()
    while (task := await requests.get()) is not None:
        if task["op"] == "warm":
            entry = runner.kernels[task["id"]] = {}
            job = entry["ready"] = asyncio.ensure_future(runner.warm(task, entry))
        elif task["op"] == "run":
            job = asyncio.ensure_future(runner.run(task))
        else:
            runner.clean(task)
            continue
        tasks.add(job)
        job.add_done_callback(tasks.discard)
    for job in list(tasks):
        job.cancel()


if __name__ == "__main__":
    fd, memory_cap = int(sys.argv[1]), int(sys.argv[2])  # argv[3]: the scratch folder, for ps
    # outputs are held here until sent: a runaway notebook must not take root's memory with it
    resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))
    os.set_inheritable(fd, False)  # kernels are started from here: they must not get the channel
    asyncio.run(main(fd))
