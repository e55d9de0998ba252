"""A DNS server on 127.0.0.1 that never answers, and a resolver that asks it (not collected: no
test_ prefix).

`silent_getaddrinfo` has `socket.getaddrinfo`'s signature and is installed through the
documented WEBHOOK_RESOLVER setting (webhooks/addresses.py). For a host name it sends a real DNS
query (RFC 1035, one A question) over UDP to the silent server and blocks until an answer comes;
none comes while the test holds the server, so the lookup hangs for real, as one does whose
name server is unreachable. Closing the server releases every waiting lookup with the error
glibc gives when no server answers (EAI_AGAIN), so no thread outlives the test by long.
Address literals are resolved locally (no DNS is involved for them, as with the C resolver).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

# RULES.md: test servers of this worktree listen in 18400-18449 only.
PORTS = range(18430, 18450)
# How long a lookup waits for the silent server at most (a safety net, never reached in a test
# that closes its server).
LOOKUP_GIVES_UP_SECONDS = 60


@dataclass
class SilentDnsServer:
    sock: socket.socket
    queries: list[str] = field(default_factory=list)
    askers: list[tuple[str, int]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    closing: threading.Event = field(default_factory=threading.Event)

    @property
    def address(self) -> tuple[str, int]:
        return self.sock.getsockname()[:2]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[str]:
        with self.arrived:
            done = self.arrived.wait_for(lambda: len(self.queries) >= count, timeout)
        assert done, f"the DNS server got {len(self.queries)} queries, expected {count}"
        return list(self.queries)


_server: SilentDnsServer | None = None


def _query(host: str) -> bytes:
    header = struct.pack("!HHHHHH", 0x5151, 0x0100, 1, 0, 0, 0)  # recursion desired, 1 question
    name = b"".join(
        bytes([len(label)]) + label for label in host.rstrip(".").encode("idna").split(b".")
    )
    return header + name + b"\x00" + struct.pack("!HH", 1, 1)  # A, IN


def _question_name(packet: bytes) -> str:
    labels, offset = [], 12
    while packet[offset]:
        length = packet[offset]
        labels.append(packet[offset + 1 : offset + 1 + length].decode("ascii"))
        offset += 1 + length
    return ".".join(labels)


def _listen(server: SilentDnsServer) -> None:
    server.sock.settimeout(0.05)  # to notice the close promptly
    while not server.closing.is_set():
        try:
            packet, asker = server.sock.recvfrom(512)
        except TimeoutError:
            continue
        except OSError:
            return
        with server.arrived:
            server.queries.append(_question_name(packet))
            server.askers.append(asker)
            server.arrived.notify_all()


@contextlib.contextmanager
def silent_dns_server() -> Iterator[SilentDnsServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for port in PORTS:
        try:
            sock.bind(("127.0.0.1", port))
            break
        except OSError:
            continue
    else:
        sock.close()
        raise RuntimeError(f"no free UDP port in {PORTS}")
    server = SilentDnsServer(sock=sock)
    listener = threading.Thread(target=_listen, args=(server,), daemon=True)
    listener.start()
    global _server
    _server = server
    try:
        yield server
    finally:
        _server = None
        server.closing.set()
        listener.join(timeout=5)
        for asker in server.askers:  # release the waiting lookups: "no server answered"
            with contextlib.suppress(OSError):
                sock.sendto(b"\x51\x51\x81\x82", asker)  # a bare SERVFAIL header
        sock.close()


def silent_getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002
    """`socket.getaddrinfo`, asking the silent server (see the module docstring)."""
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host)
        return socket.getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
    server = _server
    if server is None:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(LOOKUP_GIVES_UP_SECONDS)
        sock.sendto(_query(host), server.address)
        with contextlib.suppress(OSError):
            sock.recvfrom(512)
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
