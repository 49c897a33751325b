"""How the school's collector copes with a central that refuses, hangs or sits behind a proxy.

The peer here is a small stdlib HTTP server in a thread speaking the collector protocol, not the
real central: these tests need answers the real central gives only in rare moments (a 413 for a
batch under its limit, an answer that never comes, a refusal on demand), and they test the
collector's side only. Everything the real central does with a collector's uploads is tested
against the real central (tests/integration/test_collector_agent.py, test_edge_collectors.py).
Traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import json
import select
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.agent.client import (
    CLOCK,
    REVOKED,
    UNREACHABLE,
    CentralClient,
    CentralError,
    check_central_url,
)
from monitor.agent.queue import ResultQueue
from monitor.agent.runner import Runner
from monitor.agent.state import Enrolled, StateDir
from monitor.edge.protocol import (
    Batch,
    ConfigDevice,
    ConfigDocument,
    PingOutcome,
    PingTiming,
    SnmpTiming,
    encode_batch,
    parse_batch,
)
from monitor.settings import CollectorSettings
from tests.support.tls import make_certificates

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
TOKEN = "ictc_" + "a" * 43

CONFIG = ConfigDocument(
    collector="S012-pi",
    sites=("S012",),
    ping=PingTiming(interval=60, timeout=1, count=1, spacing=0.2, max_in_flight=64),
    snmp=SnmpTiming(
        interval=300,
        inventory_interval=86400,
        timeout=1,
        retries=0,
        max_concurrency=4,
        max_repetitions=10,
    ),
    push_interval=30,
    buffer_hours=72,
    devices=(ConfigDevice(11, "sw-1", "S012", "127.0.0.1", "switch"),),
)


class StubCentral:
    """Answers /config with CONFIG (ETag, 304) and /results with whatever `answer` says."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.batches: list[dict] = []  # every batch received, answered or not
        self.accepted: list[dict] = []
        self.requests: list[str] = []
        self.encodings: list[str | None] = []  # each upload's Content-Encoding
        self.answer = lambda batch: (200, {"applied": 1, "duplicate": False})
        self.release = threading.Event()  # a hanging answer waits for this (bounded)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict | None, headers: dict | None = None):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                stub.requests.append(f"GET {self.path}")
                etag = CONFIG.etag
                if self.headers.get("If-None-Match") == f'"{etag}"':
                    self._send(304, None, {"ETag": f'"{etag}"'})
                else:
                    self._send(200, CONFIG.to_json(), {"ETag": f'"{etag}"'})

            def do_POST(self):
                stub.requests.append(f"POST {self.path}")
                sent = self.rfile.read(int(self.headers["Content-Length"]))
                stub.encodings.append(self.headers.get("Content-Encoding"))
                body = json.loads(gzip.decompress(sent) if stub.encodings[-1] == "gzip" else sent)
                stub.batches.append(body)
                status, answer = stub.answer(body)
                if status == "hang":
                    stub.release.wait(timeout=20)
                    return
                if status == 200:
                    stub.accepted.append(body)
                self._send(status, answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        scheme = "https" if tls else "http"
        host = "localhost" if tls else "127.0.0.1"
        self.url = f"{scheme}://{host}:{self.server.server_address[1]}"

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def central():
    stub = StubCentral()
    yield stub
    stub.close()


def _runner(settings, tmp_path: Path, url: str, *, timeout: float = 5.0) -> Runner:
    state = StateDir(tmp_path / "state")
    state.save_enrolment(Enrolled(url, "S012-pi", 3, ("S012",), TOKEN))
    return Runner(settings, state, http_timeout=timeout)


def _queue_sweeps(queue: ResultQueue, n: int) -> list[datetime]:
    times = [T0 + timedelta(minutes=i) for i in range(n)]
    for at in times:
        queue.append_sweep(at, [PingOutcome(11, 1, 1, 0.1, 0.1, 0.1)])
    return times


def _sweep_times(batches: list[dict]) -> list[datetime]:
    return [s.at for b in batches for s in parse_batch(b).sweeps]


def test_a_batch_too_large_goes_again_in_smaller_ones_and_nothing_is_lost(
    settings, tmp_path, central
):
    central.answer = lambda b: (
        (413, {"error": "batch larger than 100 bytes"}) if len(b["sweeps"]) > 2 else (200, {})
    )
    runner = _runner(settings, tmp_path, central.url)
    times = _queue_sweeps(runner.queue, 5)
    assert runner.refresh_config()
    runner.upload()
    assert _sweep_times(central.accepted) == times  # each once, in order
    assert set(central.encodings) == {"gzip"}  # what a school's uplink carries is compressed
    assert all(len(b["sweeps"]) <= 2 for b in central.accepted)
    assert len({b["batch_id"] for b in central.accepted}) == len(central.accepted)
    assert runner.queue.stats().rows == 0
    assert runner.state.status().last_push_at is not None


def test_a_central_that_never_answers_costs_a_timeout_and_keeps_the_results(
    settings, tmp_path, central
):
    central.answer = lambda b: ("hang", None)
    runner = _runner(settings, tmp_path, central.url, timeout=1.0)
    _queue_sweeps(runner.queue, 2)
    runner.exchange()
    status = runner.state.status()
    assert "no answer in time" in status.last_error
    assert runner.queue.stats().rows == 2
    # The next attempt sends the same rows under the same id: if the central applied the first
    # one after all, it answers "duplicate" and nothing is applied twice.
    central.release.set()
    central.answer = lambda b: (200, {"applied": 0, "duplicate": True})
    runner.exchange()
    assert central.batches[0]["batch_id"] == central.batches[1]["batch_id"] == "q1-2"
    assert runner.queue.stats().rows == 0


def test_a_revoked_token_stops_uploads_until_the_machine_is_enrolled_again(
    settings, tmp_path, central
):
    central.answer = lambda b: (403, {"error": "collector 'S012-pi' was revoked on the central"})
    runner = _runner(settings, tmp_path, central.url)
    _queue_sweeps(runner.queue, 1)
    runner.exchange()
    stopped = runner.state.status().stopped
    assert "was revoked on the central" in stopped and "enrol again" in stopped
    asked = len(central.requests)
    runner.exchange()
    assert len(central.requests) == asked  # nothing sent while revoked
    assert runner.queue.stats().rows == 1  # still measured and kept

    central.answer = lambda b: (200, {"applied": 1, "duplicate": False})
    runner.state.save_enrolment(Enrolled(central.url, "S012-pi2", 4, ("S012",), TOKEN + "b"))
    runner.exchange()
    assert runner.state.status().stopped is None
    assert runner.queue.stats().rows == 0


def test_an_unknown_token_is_a_clear_one_line_error(settings, tmp_path, central):
    client = CentralClient(central.url, TOKEN)
    central.answer = lambda b: (401, {"error": "unknown collector token"})
    with pytest.raises(CentralError) as failure:
        client.push(encode_batch(Batch(batch_id="q1-1", sent_at=T0)))
    assert failure.value.kind == REVOKED
    assert "\n" not in str(failure.value) and "unknown collector token" in str(failure.value)


def test_a_clock_refusal_keeps_buffering_and_says_why(settings, tmp_path, central):
    central.answer = lambda b: (409, {"error": "collector clock is 600 s off: fix it (NTP)"})
    runner = _runner(settings, tmp_path, central.url)
    _queue_sweeps(runner.queue, 3)
    runner.exchange()
    assert "600 s off" in runner.state.status().last_error
    assert runner.state.status().stopped is None
    assert runner.queue.stats().rows == 3
    with pytest.raises(CentralError) as failure:
        runner._client.push(runner.queue.take(sent_at=T0, max_rows=5, max_bytes=10**6).body)
    assert failure.value.kind == CLOCK


def test_results_of_a_device_moved_to_another_school_are_dropped_and_counted(
    settings, tmp_path, central
):
    def answer(batch):
        devices = {r["device"] for s in batch["sweeps"] for r in s["results"]}
        if devices - {11}:
            return 403, {"error": "device 99 is not measured by collector S012-pi"}
        return 200, {}

    central.answer = answer
    runner = _runner(settings, tmp_path, central.url)
    runner.queue.append_sweep(T0, [PingOutcome(11, 1, 1), PingOutcome(99, 1, 0)])
    runner.exchange()
    [accepted] = central.accepted
    assert [r["device"] for r in accepted["sweeps"][0]["results"]] == [11]
    assert accepted["dropped"] == 1


def test_a_central_nobody_listens_on_is_unreachable_in_one_line(settings, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CentralError) as failure:
        CentralClient(f"http://127.0.0.1:{port}", TOKEN, timeout=2).config(None)
    assert failure.value.kind == UNREACHABLE
    assert "cannot reach" in str(failure.value) and "\n" not in str(failure.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://central.example.org", "https:// only"),
        ("http://10.0.0.5:8080", "https:// only"),
        ("ftp://127.0.0.1", "expected https://host"),
        ("127.0.0.1:8080", "expected https://host"),
    ],
)
def test_plain_http_is_refused_except_to_loopback(url, message):
    with pytest.raises(ValueError, match=message):
        check_central_url(url)


def test_plain_http_to_loopback_and_https_anywhere_are_accepted():
    assert check_central_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert check_central_url("http://[::1]:8080") == "http://[::1]:8080"
    assert check_central_url("https://central.example.org") == "https://central.example.org"


# --------------------------------------------------------------------------------------------
# TLS: verified against the CA store the process trusts (SSL_CERT_FILE in a test)


@pytest.fixture
def tls_central(tmp_path):
    certificates = make_certificates(tmp_path / "tls", ["localhost"])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert, certificates.key)
    stub = StubCentral(tls=context)
    yield stub, certificates
    stub.close()


def test_a_central_whose_certificate_is_not_trusted_is_refused(tls_central, monkeypatch):
    stub, _ = tls_central
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(CentralError) as failure:
        CentralClient(stub.url, TOKEN, timeout=5).config(None)
    assert failure.value.kind == UNREACHABLE
    assert "certificate is not trusted" in str(failure.value)
    assert stub.requests == []


def test_a_central_with_a_trusted_certificate_answers_over_https(tls_central, monkeypatch):
    stub, certificates = tls_central
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca))
    answer = CentralClient(stub.url, TOKEN, timeout=5).config(None)
    assert answer.document == CONFIG and answer.etag == CONFIG.etag
    assert CentralClient(stub.url, TOKEN, timeout=5).config(CONFIG.etag).document is None


# --------------------------------------------------------------------------------------------
# The school's proxy: a tiny forwarding HTTP proxy on loopback


class ForwardingProxy:
    """Takes absolute-URI requests (what a client sends a proxy for http://) and forwards them,
    writing down each request line; the environment's proxies play no part."""

    def __init__(self):
        self.seen: list[str] = []
        proxy = self
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                proxy.seen.append(f"{self.command} {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")
                }
                request = urllib.request.Request(
                    self.path, data=body, headers=headers, method=self.command
                )
                try:
                    answer = direct.open(request, timeout=10)
                except urllib.error.HTTPError as error:
                    answer = error
                data = answer.read()
                self.send_response(answer.status if hasattr(answer, "status") else answer.code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_uploads_go_through_the_schools_proxy(settings, tmp_path, central):
    proxy = ForwardingProxy()
    try:
        with_proxy = replace(settings, collector=replace(CollectorSettings(), proxy=proxy.url))
        runner = _runner(with_proxy, tmp_path, central.url)
        times = _queue_sweeps(runner.queue, 2)
        runner.exchange()
    finally:
        proxy.close()
    assert proxy.seen == [
        f"GET {central.url}/api/v1/collector/config",
        f"POST {central.url}/api/v1/collector/results",
    ]
    assert _sweep_times(central.accepted) == times


class ConnectProxy:
    """An HTTPS proxy as schools have them: CONNECT host:port, then bytes both ways. Tunnels
    only to loopback; each tunnel ends when either side closes, or after 30 s."""

    def __init__(self):
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_CONNECT(self):
                proxy.seen.append(f"CONNECT {self.path}")
                host, _, port = self.path.rpartition(":")
                if host not in ("localhost", "127.0.0.1"):
                    self.send_error(403)
                    return
                upstream = socket.create_connection(("127.0.0.1", int(port)), timeout=5)
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                ends = [self.connection, upstream]
                deadline = time.monotonic() + 30
                try:
                    while time.monotonic() < deadline:
                        ready, _, _ = select.select(ends, [], [], 1.0)
                        for source in ready:
                            data = source.recv(65536)
                            if not data:
                                return
                            (upstream if source is self.connection else self.connection).sendall(
                                data
                            )
                finally:
                    upstream.close()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_https_uploads_tunnel_through_the_schools_proxy_with_the_certificate_checked(
    settings, tmp_path, tls_central, monkeypatch
):
    stub, certificates = tls_central
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates.ca))
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    proxy = ConnectProxy()
    try:
        with_proxy = replace(settings, collector=replace(CollectorSettings(), proxy=proxy.url))
        runner = _runner(with_proxy, tmp_path, stub.url)
        times = _queue_sweeps(runner.queue, 2)
        runner.exchange()
    finally:
        proxy.close()
    port = stub.url.rsplit(":", 1)[1]
    assert set(proxy.seen) == {f"CONNECT localhost:{port}"}
    assert _sweep_times(stub.accepted) == times
    assert runner.state.status().last_error is None
