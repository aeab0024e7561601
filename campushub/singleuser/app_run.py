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
    dash FILE PORT
        Serve the Dash object FILE defines on 127.0.0.1:PORT, without the
        debugger its own `app.run(debug=True)` would start (the file runs
        under another __name__), at the public prefix the proxy strips.
"""

import asyncio
import os
import runpy
import signal
import subprocess
import sys

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
    app = subprocess.Popen(argv, cwd=folder, env=env)
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
    sys.exit("usage: campushub_app_run run PORT SOCKET FOLDER -- ARGV... | dash FILE PORT")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
