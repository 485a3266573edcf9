"""A JWKS server for the event-loop test, in a process of its own (sharing no GIL with the
loop under test): ``python slow_jwks.py DOCUMENT DELAY`` serves the file DOCUMENT at every
path, each answer after sleeping the seconds written in the file DELAY (read per request),
and prints its port on the first line of stdout.
"""

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DOCUMENT, DELAY = Path(sys.argv[1]), Path(sys.argv[2])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        time.sleep(float(DELAY.read_text() or 0))
        body = DOCUMENT.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=300")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
