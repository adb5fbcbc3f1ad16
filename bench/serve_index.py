#!/usr/bin/env python3
"""A PEP 691 simple index for the history benchmark: serve_index.py DIR PORT."""
import http.server
import os
import sys

root, port = sys.argv[1], int(sys.argv[2])


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if len(parts) == 2 and parts[0] == "simple":
            path = os.path.join(root, parts[1] + ".json")
            kind = "application/vnd.pypi.simple.v1+json"
        elif len(parts) == 2 and parts[0] == "files":
            path = os.path.join(root, "files", os.path.basename(parts[1]))
            kind = "application/octet-stream"
        else:
            path, kind = None, None
        if not path or not os.path.exists(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
