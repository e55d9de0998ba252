"""A real webhook receiver on 127.0.0.1 for the tests (not collected: no test_ prefix).

It verifies every request's signature with the subscription's secret using `standardwebhooks`
(what a receiver of ours would run) and records what arrived. Its behaviour can be switched:
answer 2xx, answer 500, redirect elsewhere, close the connection without answering, or hang
until released (never answering while the test holds it).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    payload: dict | None


@dataclass
class Receiver:
    secret: str = ""
    # Answer for each request in turn ("ok", "500", "close", "hang", "trickle", "redirect:<url>");
    # when the list runs out, `then` applies.
    script: list[str] = field(default_factory=list)
    then: str = "ok"
    received: list[Received] = field(default_factory=list)
    answered: int = 0
    arrived: threading.Condition = field(default_factory=threading.Condition)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/in"

    def next_behaviour(self) -> str:
        with self.arrived:
            return self.script.pop(0) if self.script else self.then

    def record(self, item: Received) -> None:
        with self.arrived:
            self.received.append(item)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Received]:
        with self.arrived:
            done = self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        assert done, f"the receiver got {len(self.received)} request(s), expected {count}"
        return list(self.received)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                payload = Webhook(receiver.secret).verify(body, headers)
                verified = True
            except (WebhookVerificationError, ValueError):
                payload, verified = None, False
            behaviour = receiver.next_behaviour()
            receiver.record(Received(self.path, headers, body, verified, payload))
            if behaviour == "hang":
                receiver.release.wait(120)
                self.close_connection = True
                return
            if behaviour == "trickle":
                # A status line and then endless headers, a byte at a time: every single read
                # is quick, the answer never ends.
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                while not receiver.release.wait(0.1):
                    try:
                        self.wfile.write(b"X")
                        self.wfile.flush()
                    except OSError:
                        break
                self.close_connection = True
                return
            if behaviour == "close":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if behaviour.startswith("redirect:"):
                self.send_response(302)
                self.send_header("Location", behaviour.removeprefix("redirect:"))
            else:
                self.send_response(500 if behaviour == "500" else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with receiver.arrived:
                receiver.answered += 1

    return Handler


def receiver_start(secret: str, **options) -> Receiver:
    receiver = Receiver(secret=secret, **options)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.server = server
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver


def receiver_stop(receiver: Receiver) -> None:
    receiver.release.set()
    receiver.server.shutdown()
    receiver.server.server_close()
