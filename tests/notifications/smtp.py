"""A real SMTP server on 127.0.0.1 for the e-mail tests (aiosmtpd in a thread of this process).

`SmtpServer.messages` holds what it accepted, parsed; a test can make it slow (`delay`), refuse
every message (`refuse`), or hold the first message in DATA until released (`hang_first`, to
kill a sender mid-send).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpServer:
    port: int = 0
    delay: float = 0.0
    refuse: bool = False
    hang_first: bool = False
    messages: list[EmailMessage] = field(default_factory=list)
    in_data: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _hung: bool = False

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            hang, self._hung = (self.hang_first and not self._hung), self._hung or self.hang_first
        if hang:
            self.in_data.set()
            deadline = time.monotonic() + 60
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return "451 Held by the test, not delivered"
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse:
            return "550 Mailbox unavailable (refused by the test)"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Accepted"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, the server got {len(self.messages)}")

    def received(self) -> list[tuple[str, str]]:
        """(recipient, subject) of every accepted message, sorted."""
        with self._lock:
            return sorted((str(m["To"]), str(m["Subject"])) for m in self.messages)


def body_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


class RunningSmtpServer:
    """Start `server` on 127.0.0.1; stop it (releasing a held message) on exit."""

    def __init__(self, server: SmtpServer):
        self.server = server
        server.port = free_port()
        self.controller = Controller(server, hostname="127.0.0.1", port=server.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self.server

    def __exit__(self, *exc) -> None:
        self.server.release.set()
        self.controller.stop()
