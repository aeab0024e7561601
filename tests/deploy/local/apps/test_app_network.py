"""An app's outbound network on a real hub: the app (a Dash file whose
module code probes the network as it starts, in its own network namespace)
reaches TCP and UDP servers on the machine's non-loopback address and
resolves names like the host, but not the host's loopback (where the hub, the
proxy's API and other people's servers listen) by either 127.0.0.1 or the
namespace's gateway; nothing is forwarded into the namespace (pasta, which
relays its traffic, listens on no port of the host); the app still sees no
other account's processes; and pasta ends with the app. tests/deploy/local/
apps/test_app_server.py's attack test covers the app's reachability from
another account's kernel."""

from __future__ import annotations

import json
import os
import shutil
import socket
import socketserver
import subprocess
import threading
from pathlib import Path

import pytest

from ....harness import Hub, add_people, running, wait_for
from .test_app_server import START, account, as_owner, get, start_app


def _tun_for_all() -> bool:
    try:
        return os.stat("/dev/net/tun").st_mode & 0o006 == 0o006
    except OSError:
        return False


# what deploy/local/spawner/app_server.py needs to give apps network (without it, they run with none)
pytestmark = [pytest.mark.skipif(shutil.which("pasta") is None, reason="passt (pasta) is not installed"),
              pytest.mark.skipif(not _tun_for_all(), reason="/dev/net/tun is not usable by every account (no udev?)")]

OUTBOUND = "campushub-outbound-ok"
LOOPBACK = "campushub-host-loopback-reached"
PROBE = '''import json, os, socket
from dash import Dash, html

def tcp(host, port):
    try:
        with socket.create_connection((host, port), timeout=5) as s:
            return s.recv(100).decode()
    except OSError as e:
        return "error: " + type(e).__name__

def udp(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        try:
            s.sendto(b"ping over udp", (host, port))
            return s.recv(100).decode()
        except OSError as e:
            return "error: " + type(e).__name__

def names(name):
    try:
        return sorted({a[4][0] for a in socket.getaddrinfo(name, 80, socket.AF_INET)})
    except OSError as e:
        return "error: " + type(e).__name__

def uids():
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            found.add(os.stat(f"/proc/{pid}").st_uid)
        except OSError:
            pass
    return sorted(found)

found = {"tcp": tcp(HOST, TCP), "udp": udp(HOST, UDP), "loopback": tcp("127.0.0.1", LOOP),
         "gateway": tcp("10.0.2.2", LOOP), "dns": names(NAME), "uids": uids()}
with open("net.json", "w") as f:
    json.dump(found, f)
app = Dash(__name__)
app.layout = html.Div([html.H1("probed")])
'''
NAME = "deb.debian.org"  # a Debian mirror: the one name this machine is sure to look up


def host_address() -> str:
    """The machine's own non-loopback IPv4 address (the source of its default route)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.123", 9))  # no packet is sent: only the route is looked up
        except OSError:
            pytest.skip("this machine has no IPv4 route")
        return s.getsockname()[0]


class _Marker(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(self.server.marker.encode())


class _Echo(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(b"echo: " + data, self.client_address)


def serve(server_class, address, handler, marker=""):
    server = server_class(address, handler)
    server.marker = marker
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def servers():
    host = host_address()
    started = [serve(socketserver.ThreadingTCPServer, (host, 0), _Marker, OUTBOUND),
               serve(socketserver.ThreadingUDPServer, (host, 0), _Echo),
               serve(socketserver.ThreadingTCPServer, ("127.0.0.1", 0), _Marker, LOOPBACK)]
    yield host, *(s.server_address[1] for s in started)
    for s in started:
        s.shutdown()
        s.server_close()


@pytest.fixture(scope="module")
def net_hub(tmp_path_factory):
    with running(Hub.create(tmp_path_factory.mktemp("appnet"))) as h:
        add_people(h, {"owner": None, "mallory": None})
        yield h


def processes(name: str) -> dict[int, list[str]]:
    """Command lines of the processes called name."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == name:
            found[int(pid)] = argv
    return found


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def bound_sockets() -> dict[str, tuple[str, int]]:
    """Sockets of the host's network namespace listening (TCP) or bound (UDP): inode -> (table, port)."""
    found = {}
    for table in ("tcp", "tcp6", "udp", "udp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if table.startswith("udp") or fields[3] == "0A":
                found[fields[9]] = (table, int(fields[1].rsplit(":", 1)[1], 16))
    return found


def test_an_app_reaches_the_network_but_not_the_hosts_loopback_and_nothing_reaches_it(net_hub, servers):
    host, tcp_port, udp_port, loop_port = servers
    r = net_hub.api("POST", "users/mallory/server")  # another account's processes, for the app not to see
    assert r.status_code in (201, 202), r.text
    wait_for(lambda: net_hub.server_ready("mallory"), START, "mallory's server")
    probe = PROBE.replace("HOST", repr(host)).replace("TCP", str(tcp_port)).replace("UDP", str(udp_port))
    probe = probe.replace("LOOP", str(loop_port)).replace("NAME", repr(NAME))
    name = start_app(net_hub, "owner", "net", "work/net.py", "dash", probe)
    headers = as_owner(net_hub, "owner")
    wait_for(lambda: get(net_hub, "owner", name, "_dash-layout", headers).status_code == 200, START,
             "the Dash app through the proxy")
    entry = account("owner")
    found = json.loads((Path(entry.pw_dir) / "work" / "net.json").read_text())

    assert found["tcp"] == OUTBOUND, found  # outbound TCP to the machine's own address
    assert found["udp"] == "echo: ping over udp", found  # and UDP
    # the host's loopback: not as 127.0.0.1 (the namespace's own) nor through the gateway address
    assert found["loopback"].startswith("error: "), found
    assert found["gateway"] != LOOPBACK, found
    try:
        host_names = sorted({a[4][0] for a in socket.getaddrinfo(NAME, 80, socket.AF_INET)})
    except OSError:
        host_names = None
    if host_names is not None:  # names resolve in the app as on the host
        assert isinstance(found["dns"], list) and set(found["dns"]) & set(host_names), (found, host_names)
    # hidepid: the app sees its owner's processes only, not mallory's kernel or the hub's
    assert found["uids"] == [entry.pw_uid], found

    # nothing inbound: pasta (the app's, the owner's) listens on no port of the host, so nothing on
    # the machine reaches the app's namespace (pasta's default would forward the app's port 8501)
    pastas = {pid: argv for pid, argv in processes("pasta").items()
              if os.stat(f"/proc/{pid}").st_uid == entry.pw_uid}
    assert len(pastas) == 1, pastas
    (pid, argv), = pastas.items()
    assert {"-t", "-u", "-T", "-U", "--no-map-gw"} <= set(argv)
    bound = bound_sockets()
    pastas_bound = [bound[i] for i in socket_inodes(pid) if i in bound]
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    # UDP: the app's own outbound flows (its probe, its name lookups), on the ephemeral ports a client's
    # socket gets; no TCP port listens, and no UDP port outside those
    assert all(table.startswith("udp") and low <= port <= high for table, port in pastas_bound), pastas_bound
    for address in ("127.0.0.1", host):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, 8501), timeout=5).close()

    # stopped, the app takes its pasta along
    r = net_hub.api("DELETE", f"users/owner/servers/{name}", json={"remove": True})
    assert r.status_code in (202, 204), r.text
    wait_for(lambda: pid not in processes("pasta"), 60, "the app's pasta to end")
    wait_for(lambda: subprocess.run(["pgrep", "-u", str(entry.pw_uid), "-f", "campushub_app_run"]).returncode == 1,
             60, "the app's processes to end")
