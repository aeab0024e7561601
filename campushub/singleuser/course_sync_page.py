"""The Launcher's "Update course materials" page: one button per course,
each nbgitpuller's sync link. Run by the environment's Python through
jupyter-server-proxy (standard library only; nothing of CampusHub is
installed there). Courses and texts come from the spawner's environment."""

import html
import json
import os
import socketserver
import sys
from http.server import BaseHTTPRequestHandler


def page() -> bytes:
    courses = json.loads(os.environ.get("CAMPUSHUB_COURSES") or "[]")
    texts = json.loads(os.environ.get("CAMPUSHUB_COURSE_SYNC_TEXTS") or "{}")
    lang = html.escape(texts.get("lang", "en"))
    items = "".join(
        f'<li><a class="button" href="{html.escape(c["link"])}">{html.escape(texts.get("button", "Update"))}</a> '
        f'<strong>{html.escape(c["title"])}</strong> <code>{html.escape(c["folder"])}</code></li>'
        for c in courses)
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(texts.get("heading", ""))}</title>
<style>body{{font:15px/1.6 system-ui,"Noto Sans CJK JP",sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem}}
ul{{list-style:none;padding:0}}li{{margin:.8rem 0}}.button{{background:#f37726;color:#fff;padding:.3rem .8rem;
border-radius:4px;text-decoration:none;margin-right:.6rem}}</style></head><body>
<h1>{html.escape(texts.get("heading", ""))}</h1><p>{html.escape(texts.get("intro", ""))}</p><ul>{items}</ul>
</body></html>""".encode()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = page()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class UnixHTTPServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


if __name__ == "__main__":
    # On a unix socket in a 0700 directory of jupyter-server-proxy's: a TCP
    # port would show this learner's courses to every account of the machine.
    UnixHTTPServer(sys.argv[1], Handler).serve_forever()
