"""Serve a directory over a unix socket, for jupyter-server-proxy.

`python -m http.server` can only listen on TCP, where every account of a
shared machine could connect; jupyter-server-proxy can instead start a
command on a socket in a fresh 0700 directory. Runs in the environment's
Python (standard library only: nothing of CampusHub is installed there).

usage: static_page.py SOCKET DIRECTORY
"""

import functools
import socketserver
import sys
from http.server import SimpleHTTPRequestHandler


class Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass  # a unix peer has no address to log, and nothing here is worth it


class UnixHTTPServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


if __name__ == "__main__":
    UnixHTTPServer(sys.argv[1], functools.partial(Handler, directory=sys.argv[2])).serve_forever()
