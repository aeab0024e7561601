"""Plays a learner's server for test_kernel_fork.py, in the user environment's own python.

Like the fork server's child it has ipykernel and IPython imported before it
forks the zygote, takes the zygote as the server's config does and lets
jupyter_client's AsyncKernelManager (IPC transport, as CampusHub's servers)
start kernels through the `campushub-fork` provisioner. It writes one JSON
object of what it saw to REPORT; the tests judge it.
argv: SITE zygote|no-zygote RUNTIME_DIR REPORT [ROUNDS]
"""

import asyncio
import gc
import json
import os
import signal
import sys
import time
import uuid

sys.path.insert(0, sys.argv[1])  # the files under test first; run with -I, as the fork server

import campushub_kernel_fork  # noqa: E402
import ipykernel.debugger  # noqa: E402, F401 -- warm, as the fork server's parent (forkserver/preload.py)
import ipykernel.ipkernel  # noqa: E402, F401
import ipykernel.kernelapp  # noqa: E402, F401
import IPython  # noqa: E402, F401
from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from jupyter_client.provisioning.factory import KernelProvisionerFactory  # noqa: E402

PROBE = """import json, locale, os, random, sys, tempfile
print(json.dumps({"pid": os.getpid(), "ppid": os.getppid(), "sid": os.getsid(0), "uid": os.getuid(),
    "cwd": os.getcwd(), "path0": sys.path[0],
    "user_site": any("/.local/" in p for p in sys.path),
    "locale": [locale.setlocale(c) for c in (locale.LC_CTYPE, locale.LC_NUMERIC, locale.LC_TIME)],
    "marker": os.environ.get("KERNEL_FORK_MARKER"),
    "zygote_fd_var": os.environ.get("CAMPUSHUB_KERNEL_ZYGOTE_FD"), "random": random.random(),
    "tmp": tempfile.gettempdir(), "argv": sys.argv[1:], "path": sys.path,
    "watches": __import__("ipykernel.kernelapp").kernelapp.IPKernelApp.instance().parent_handle,
    "cmdline": open("/proc/self/cmdline", "rb").read().replace(b"\\0", b" ").decode().strip(),
    "gc": __import__("gc").isenabled(), "fds": sorted(int(f) for f in os.listdir("/proc/self/fd"))}))"""


async def run(client, code: str, timeout: float = 60) -> dict:
    seen = {"result": None, "stdout": "", "error": None}

    def hook(msg):
        kind, content = msg["msg_type"], msg["content"]
        if kind == "execute_result":
            seen["result"] = content["data"]["text/plain"]
        elif kind == "stream" and content["name"] == "stdout":
            seen["stdout"] += content["text"]
        elif kind == "error":
            seen["error"] = content["ename"]

    reply = await client.execute_interactive(code, timeout=timeout, output_hook=hook)
    seen["status"] = reply["content"]["status"]
    return seen


def memory_kb(pid: int) -> dict:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        fields = {line.split(":")[0]: int(line.split()[1]) for line in f if line.endswith("kB\n")}
    with open(f"/proc/{pid}/stat") as f:
        ticks = sum(int(x) for x in f.read().rsplit(")", 1)[1].split()[11:13])  # utime, stime
    return {"pss": fields["Pss"], "rss": fields["Rss"], "private": fields["Private_Clean"] + fields["Private_Dirty"],
            "cpu_seconds": round(ticks / os.sysconf("SC_CLK_TCK"), 2)}


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def wait_until(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value is not None:
            return value
        await asyncio.sleep(0.05)
    return None


async def started(runtime: str, kernel_name: str = "python3", **kw):
    kid = str(uuid.uuid4())
    km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc",
                            connection_file=os.path.join(runtime, f"kernel-{kid}.json"))
    t0 = time.monotonic()
    await km.start_kernel(kernel_id=kid, **kw)
    client = km.client()
    client.start_channels()
    await client.wait_for_ready(timeout=90)
    first = await run(client, "5*4")
    return km, client, {"first": first, "seconds": round(time.monotonic() - t0, 3),
                        "provisioner": type(km.provisioner).__name__}


async def probe(client) -> dict:
    return json.loads((await run(client, PROBE))["stdout"])


async def stop(km, client) -> None:
    client.stop_channels()
    await km.shutdown_kernel(now=False)


async def scenarios(runtime: str, rounds: int) -> dict:
    out = {}
    home = os.path.join(runtime, "work")
    os.makedirs(home, exist_ok=True)
    km, client, out["forked"] = await started(runtime, cwd=home, env={**os.environ, "KERNEL_FORK_MARKER": "m1"})
    info = out["forked"]["probe"] = await probe(client)
    out["forked"]["memory_kb"] = memory_kb(info["pid"])
    # a second kernel at once: its own random state
    km2, client2, _ = await started(runtime, cwd=home)
    out["second_random"] = (await probe(client2))["random"]
    await stop(km2, client2)

    # interrupt a busy cell: SIGINT to the kernel's group, as for an exec'd kernel
    msg_id = client.execute("print('looping', flush=True)\nwhile True: pass")
    while True:
        msg = await client.get_iopub_msg(timeout=30)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            break
    await km.interrupt_kernel()
    while True:
        reply = await client.get_shell_msg(timeout=30)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    out["interrupt"] = {"status": reply["content"]["status"], "ename": reply["content"].get("ename")}
    out["after_interrupt"] = (await run(client, "6*7"))["result"]

    old = info["pid"]
    await km.restart_kernel(now=False)
    await client.wait_for_ready(timeout=90)
    out["restart"] = {"result": (await run(client, "2**10"))["result"], "old_alive": alive(old),
                      "probe": await probe(client)}

    # the kernel's own exit status, then one killed by a signal
    client.execute("import os; os._exit(7)")
    out["exit_status"] = await wait_until(km.provisioner.poll, 30)
    await km.restart_kernel(now=True)
    await client.wait_for_ready(timeout=90)
    killed = (await probe(client))["pid"]
    os.kill(killed, signal.SIGKILL)
    out["signal_status"] = await wait_until(km.provisioner.poll, 30)
    await km.restart_kernel(now=True)
    await client.wait_for_ready(timeout=90)
    last = (await probe(client))["pid"]
    await stop(km, client)
    out["after_shutdown"] = {"alive": alive(last), "has_process": km.has_kernel}

    # another kernelspec (and an environment a fresh interpreter must read) is exec'd
    km, client, out["other_spec"] = await started(runtime, "other")
    out["other_spec"]["probe"] = info2 = await probe(client)
    out["other_spec"]["memory_kb"] = memory_kb(info2["pid"])
    await stop(km, client)
    km, client, out["python_env"] = await started(runtime, env={**os.environ, "PYTHONHASHSEED": "0"})
    out["python_env"]["probe"] = await probe(client)
    await stop(km, client)

    out["timings"] = {"forked": [], "exec": []}
    for _ in range(rounds):
        for name, kernel in (("forked", "python3"), ("exec", "other")):
            km, client, seen = await started(runtime, kernel)
            out["timings"][name].append(seen["seconds"])
            await stop(km, client)
    return out


def refused() -> str:
    """What the zygote answers a request for something other than ipykernel's launcher."""
    import socket
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    request = {"argv": [sys.executable, "-c", "print(1)"], "env": {}, "cwd": "/", "kernel_id": "k"}
    socket.send_fds(campushub_kernel_fork.kernel_fork.zygote(), [json.dumps(request).encode()], [theirs.fileno()])
    theirs.close()
    ours.settimeout(30)
    answer = json.loads(ours.recv(4096))
    ours.close()
    return answer.get("error", repr(answer))


def main() -> None:
    mode, runtime, report = sys.argv[2:5]
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    KernelProvisionerFactory.instance().default_provisioner_name = "campushub-fork"
    result = {"driver": os.getpid()}
    if mode == "zygote":
        # as the fork server's child before it forks the zygote: every locale category from
        # the environment, the user's ~/.local on sys.path
        import locale
        import site
        locale.setlocale(locale.LC_ALL, "")
        site.ENABLE_USER_SITE = True
        site.USER_BASE = site.USER_SITE = None
        site.addsitedir(site.getusersitepackages())
        result["zygote_user_site"] = site.getusersitepackages() in sys.path
        gc.disable()  # as the fork server's parent, so shared pages stay shared
        gc.freeze()
        held = os.pipe()  # as the hub's connection in the fork server's child: not the zygote's to keep
        result["held"] = os.readlink(f"/proc/self/fd/{held[1]}")
        os.environ["CAMPUSHUB_KERNEL_ZYGOTE_FD"] = str(campushub_kernel_fork.start_zygote())
        gc.enable()  # as the fork server's child before it runs the server
        result["adopted"] = campushub_kernel_fork.zygote_from_environment()
        result["variable_left"] = os.environ.get("CAMPUSHUB_KERNEL_ZYGOTE_FD")
        result["refused"] = refused()
        result.update(asyncio.run(scenarios(runtime, rounds)))
        zygote = result["forked"]["probe"]["ppid"]
        result["zygote_fds"] = {fd: os.readlink(f"/proc/{zygote}/fd/{fd}") for fd in os.listdir(f"/proc/{zygote}/fd")}
        campushub_kernel_fork.kernel_fork.forget_zygote()  # as when the server exits
        result["zygote_exit"] = os.waitstatus_to_exitcode(os.waitpid(zygote, 0)[1])
    else:
        # a zygote now (before any thread), adopted only after it has died
        fd = campushub_kernel_fork.start_zygote()
        with open(f"/proc/self/task/{os.getpid()}/children") as f:
            zygote = int(f.read().split()[0])

        async def plain():
            km, client, seen = await started(runtime)
            seen["probe"] = await probe(client)
            await stop(km, client)
            return seen
        result["no_zygote"] = asyncio.run(plain())
        os.kill(zygote, signal.SIGKILL)
        os.waitpid(zygote, 0)
        os.environ["CAMPUSHUB_KERNEL_ZYGOTE_FD"] = str(fd)
        result["adopted_dead"] = campushub_kernel_fork.zygote_from_environment()
        result["dead_zygote"] = asyncio.run(plain())
        result["forgotten"] = campushub_kernel_fork.kernel_fork.zygote() is None
    with open(report, "w") as f:  # stdout is the kernels' too
        json.dump(result, f)


if __name__ == "__main__":
    main()
