"""Runs an app behind the app proxy (laid into every user environment as
campushub_app_run; apps/kinds.py builds its command line). Standard library
and the environment's own packages only: CampusHub is not installed there.

    run PORT SOCKET FOLDER -- ARGV...
        Start ARGV in FOLDER without the server's hub token (the app is the
        owner's code serving other people: a bug in it must not hand out a
        token acting as the owner), and, when SOCKET is given, relay that
        unix socket to 127.0.0.1:PORT once the app listens there. Locally
        this runs inside a network namespace of its own (bubblewrap), whose
        loopback no other account reaches; the proxy reaches it through the
        socket, in a 0700 directory jupyter-server-proxy made. Ends with the
        app, passing on its exit status; SIGTERM reaches the app.
    net PASTA -- BWRAP ARGV...
        Locally: start BWRAP (bubblewrap with --unshare-net, whose command is
        `run ...`), give its empty network namespace outbound network with
        PASTA (passt's user-mode networking: the app's connections become the
        owner's own sockets on the host) before the app starts, and end pasta
        with it. Nothing is forwarded into the namespace (pasta forwards every
        port the app listens on by default), and the host's loopback stays
        out of reach (no gateway mapping, no loopback ports in either way).
    dash FILE PORT
        Serve the Dash object FILE defines on 127.0.0.1:PORT, without the
        debugger its own `app.run(debug=True)` would start (the file runs
        under another __name__), at the public prefix the proxy strips.
"""

import asyncio
import ctypes
import json
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import time

SECRETS = ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")
CHUNK = 65536


async def _pump(reader, writer):
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def _relay(port, reader, writer):
    try:
        app_reader, app_writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        writer.close()
        return
    await asyncio.gather(_pump(reader, app_writer), _pump(app_reader, writer))


async def _listening(port, app):
    """True once the app accepts connections; False if it ended first."""
    while app.poll() is None:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        return True
    return False


async def _run(port, sock, folder, argv):
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    app = subprocess.Popen(argv, cwd=folder, env=env, preexec_fn=_die_with_parent)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, app.send_signal, signum)
    if sock and await _listening(port, app):
        # only now: jupyter-server-proxy takes a connectable socket for a ready app
        server = await asyncio.start_unix_server(lambda r, w: _relay(port, r, w), path=sock)
        os.chmod(sock, 0o600)
        async with server:
            while app.poll() is None:
                await asyncio.sleep(0.5)
    return await asyncio.to_thread(app.wait)


# The namespace's own address and gateway (slirp4netns' well-known ones) rather
# than pasta's default, a copy of the host's: with a copy, the host's own
# address would be the namespace's and its public services out of reach.
# Connections to the gateway go out to that address, never to the host's
# loopback (--no-map-gw): the hub, the proxy's API and other people's servers
# listen there.
PASTA = ("-f", "-q", "--config-net", "-t", "none", "-u", "none", "-T", "none", "-U", "none", "--no-map-gw",
         "-a", "10.0.2.100", "-n", "24", "-g", "10.0.2.2")
NET_READY = 30  # seconds pasta may take to set the namespace up
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # when we are killed (SIGKILL of the proxy, bubblewrap's --die-with-parent), the app and pasta go
    # too: pasta attached to a namespace would outlive it, an orphaned app would keep serving nobody
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _child_pid(fd):
    """The sandboxed process's pid, from bubblewrap's --info-fd (None if it failed)."""
    data = b""
    while chunk := os.read(fd, 4096):
        data += chunk
        try:
            return json.loads(data)["child-pid"]
        except ValueError:
            continue
    return None


def _network(pasta, pid, folder):
    """pasta serving the network namespace of pid, once it is set up; None if it failed."""
    pidfile = os.path.join(folder, "pasta.pid")
    net = subprocess.Popen([pasta, *PASTA, "-P", pidfile, str(pid)], preexec_fn=_die_with_parent,
                           stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + NET_READY
    while net.poll() is None and time.monotonic() < deadline:
        if os.path.exists(pidfile) and os.path.getsize(pidfile):  # written once initialisation is done
            return net
        time.sleep(0.05)
    net.kill()
    net.wait()
    return None


def _net(pasta, bwrap_argv):
    info_r, info_w = os.pipe()
    block_r, block_w = os.pipe()
    argv = [bwrap_argv[0], "--info-fd", str(info_w), "--block-fd", str(block_r), *bwrap_argv[1:]]
    box = subprocess.Popen(argv, pass_fds=(info_w, block_r))
    os.close(info_w)
    os.close(block_r)
    pid = _child_pid(info_r)
    for signum in (signal.SIGTERM, signal.SIGINT):  # to the app's side (run ...), which stops the app
        signal.signal(signum, lambda s, _f: os.kill(pid or box.pid, s))
    with tempfile.TemporaryDirectory(prefix="campushub-net-") as folder:
        net = _network(pasta, pid, folder) if pid else None
        if net is None:
            print("campushub: the app's network could not be set up (pasta); not starting it", file=sys.stderr)
            box.kill()
            box.wait()
            return 1
    os.write(block_w, b"go")  # bubblewrap starts the app only now, its network ready
    os.close(block_w)
    code = box.wait()
    net.terminate()
    net.wait()
    return code


def _dash(file, port):
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    os.environ["DASH_REQUESTS_PATHNAME_PREFIX"] = prefix if prefix.endswith("/") else prefix + "/"
    os.environ["DASH_ROUTES_PATHNAME_PREFIX"] = "/"
    import dash

    sys.path.insert(0, os.path.dirname(os.path.abspath(file)))
    found = runpy.run_path(file, run_name="campushub_dash_app")
    apps = [v for v in found.values() if isinstance(v, dash.Dash)]
    app = found.get("app") if isinstance(found.get("app"), dash.Dash) else (apps[0] if apps else None)
    if app is None:
        sys.exit(f"campushub: {file} defines no Dash app (e.g. app = dash.Dash(__name__))")
    app.run(host="127.0.0.1", port=int(port), debug=False)


def main(args):
    if args[:1] == ["dash"] and len(args) == 3:
        return _dash(args[1], args[2])
    if args[:1] == ["run"] and len(args) > 5 and args[4] == "--":
        return asyncio.run(_run(int(args[1]), args[2], args[3], args[5:]))
    if args[:1] == ["net"] and len(args) > 3 and args[2] == "--":
        return _net(args[1], args[3:])
    sys.exit("usage: campushub_app_run run PORT SOCKET FOLDER -- ARGV... | net PASTA -- BWRAP ARGV..."
             " | dash FILE PORT")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
