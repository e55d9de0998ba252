"""One HTTP attempt of a webhook delivery: sign, connect to the checked address, read the status.

- Signed by `standardwebhooks` (the reference library of the Standard Webhooks specification):
  `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>`.
- The address is resolved and checked once (webhooks.addresses.receiver_check) and urllib3
  connects to that very address: the Host header and, over https, the certificate check and SNI
  use the URL's host name, but no second DNS lookup happens (a rebinding answer cannot steer us).
- Redirects are never followed: a 3xx is a failed attempt like any other non-2xx.
- WEBHOOK_TIMEOUT_SECONDS bounds the whole attempt, not each read: the DNS lookup gets it first
  (webhooks.addresses: a name server that never answers fails the attempt at the deadline),
  then every socket operation gets what is left of it, and a watchdog shuts the socket down at
  the deadline, so a receiver that trickles its answer a byte at a time still holds the worker
  no longer than the timeout. Only the status line and headers are read; the body is never
  downloaded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from standardwebhooks.webhooks import Webhook
from urllib3.connection import HTTPConnection, HTTPSConnection

from webhooks.addresses import AddressRefused, Receiver, receiver_check

USER_AGENT = "interview-loops-webhooks/1"


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_bytes(payload: Any) -> bytes:
    """The body as sent: the same bytes on every attempt (jsonb does not keep key order)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signed_headers(*, secret: str, message_id: str, body: bytes, receiver: Receiver) -> dict:
    now = dt.datetime.now(tz=dt.UTC)
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=now, data=body.decode())
    return {
        "Host": receiver.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def _connection(receiver: Receiver, timeout: float) -> HTTPConnection:
    if receiver.scheme == "https":
        return HTTPSConnection(
            receiver.address,
            receiver.port,
            timeout=timeout,
            server_hostname=receiver.host,
            assert_hostname=receiver.host,
            cert_reqs="CERT_REQUIRED",
        )
    return HTTPConnection(receiver.address, receiver.port, timeout=timeout)


class _Watchdog:
    """Shuts the connection's socket down at the deadline; a blocked read then returns at once.
    `fired` tells the caller that whatever it read was cut short (a truncated answer is a
    timeout, never a success)."""

    def __init__(self, connection: HTTPConnection, seconds: float) -> None:
        self.connection = connection
        self.fired = threading.Event()
        self.timer = threading.Timer(max(0.0, seconds), self._shut)
        self.timer.daemon = True

    def _shut(self) -> None:
        self.fired.set()
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()


def webhook_post(*, url: str, secret: str, message_id: str, body: bytes, timeout: float):
    """Make one attempt; never raises for anything the receiver or the network does."""
    deadline = time.monotonic() + timeout
    try:
        receiver = receiver_check(url, timeout=timeout)  # the lookup starts the attempt
    except AddressRefused as exc:
        return AttemptResult(None, f"Not sent: {exc}")
    headers = signed_headers(secret=secret, message_id=message_id, body=body, receiver=receiver)
    connection = _connection(receiver, max(0.1, deadline - time.monotonic()))
    timed_out = AttemptResult(None, f"No answer within {timeout:g} s (timeout).")
    watchdog = _Watchdog(connection, deadline - time.monotonic())
    try:
        with watchdog:
            connection.request("POST", receiver.path, body=body, headers=headers)
            response = connection.getresponse()
            status = response.status
    except Exception as exc:  # urllib3, ssl and socket raise many types; all mean "failed"
        if watchdog.fired.is_set() or time.monotonic() >= deadline:
            return timed_out
        return AttemptResult(None, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()
    if watchdog.fired.is_set():
        return timed_out
    if 300 <= status < 400:
        location = response.headers.get("location", "")[:200]
        return AttemptResult(status, f"Redirect to {location!r} not followed.")
    if not 200 <= status < 300:
        return AttemptResult(status, f"The receiver answered {status}.")
    return AttemptResult(status, "")
