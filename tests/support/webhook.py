"""A real HTTP(S) receiver for tests of alert channels: keeps every request, answers as told.

In-process: `with Receiver() as hook: ... hook.requests()`. In a namespace (where the service
under test or the sender runs): `python -m tests.support.webhook HOST PORT DIR [CERT KEY]`; it
prints "ready" and writes each request as DIR/NNNN.json (method, path, headers, body). What it
answers is read from DIR/answer at each request ("500" or "400 {json body}"; none: 200 with
`{}`), so a test makes the service "fail", "refuse" or "recover" by writing that one file.
"""

from __future__ import annotations

import json
import signal
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1_000_000)).decode("utf-8", "replace")
        status, reply = self.server.answer()
        self.server.keep(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
                "status": status,
            }
        )
        data = reply.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_GET = do_PUT = _answer

    def log_message(self, format, *args):  # quiet: the files are the record
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, directory: Path):
        super().__init__(address, _Handler)
        self.directory = directory
        self.lock = threading.Lock()

    def answer(self) -> tuple[int, str]:
        plan = self.directory / "answer"
        text = plan.read_text(encoding="utf-8").strip() if plan.exists() else ""
        if not text:
            return 200, "{}"
        code, _, reply = text.partition(" ")
        return int(code), reply or "{}"

    def keep(self, request: dict) -> None:
        with self.lock:
            n = len(list(self.directory.glob("*.json")))
            tmp = self.directory / f".{n:04d}.tmp"
            tmp.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
            tmp.rename(self.directory / f"{n:04d}.json")


def read_requests(directory: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


def answer_with(directory: Path, text: str) -> None:
    """What the receiver answers from now on: "500", "400 {...}", or "" for 200."""
    tmp = directory / ".answer.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.rename(directory / "answer")


class Receiver:
    """The receiver on a thread of this process (loopback, a free port)."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 0):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.server = _Server((host, port), directory)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def answer(self, text: str) -> None:
        answer_with(self.directory, text)

    def requests(self) -> list[dict]:
        return read_requests(self.directory)


def main(argv: list[str]) -> None:
    host, port, directory = argv[0], int(argv[1]), Path(argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    server = _Server((host, port), directory)
    if len(argv) >= 5:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(argv[3], argv[4])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("ready", flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
