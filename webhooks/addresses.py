"""Which addresses a webhook may be sent to (docs/SECURITY.md, "Webhook receivers").

An admin-entered URL is a way into the internal network (SSRF). A receiver's host is resolved and
every address it resolves to must be public: loopback, private, link-local, shared (CGNAT),
reserved, multicast and unspecified addresses are refused unless WEBHOOK_ALLOW_PRIVATE is on.
Cloud metadata endpoints are refused always, also with WEBHOOK_ALLOW_PRIVATE: no receiver lives
there, and a readable metadata service hands out the machine's cloud credentials.

The check looks at the address itself, after resolution, so every spelling of an address is
caught the same way: "2130706433", "0177.0.0.1" and "0x7f.1" (which the C resolver reads as
127.0.0.1), "[::ffff:127.0.0.1]" (an IPv4 address inside IPv6), NAT64 and 6to4 addresses that
embed a private IPv4 address, and names whose DNS answers with an internal address.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Instance metadata services: AWS/GCP/Azure/OpenStack/DigitalOcean, AWS ECS task and EKS pod
# credentials, Alibaba, Oracle; AWS's IPv6 endpoints (fd00:ec2::254, fd00:ec2::23).
METADATA_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "169.254.169.254/32",
        "169.254.170.2/32",
        "169.254.170.23/32",
        "100.100.100.200/32",
        "192.0.0.192/32",
        "fd00:ec2::/32",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IPv6 forms whose last 32 bits are an IPv4 address (Python 3.11's `is_global` calls them
# public): IPv4-compatible (deprecated, RFC 4291 2.5.5.1; `::` and `::1` excluded) and
# IPv4-translated (RFC 2765). A stack or a tunnel that still honours them reaches the IPv4 one.
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
# The local-use NAT64 prefix (RFC 8215): a site's own gateway translates it into its own IPv4
# network, with a layout only the site knows, so it is private whatever it carries.
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


class AddressRefused(Exception):
    """The URL may not be used; the message says why and what to change."""


@dataclass(frozen=True)
class Receiver:
    """Where to connect: the checked address, and the name to send as Host and verify TLS for."""

    scheme: str
    host: str
    port: int
    address: str
    path: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4, Teredo), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64 or address in _IPV4_TRANSLATED:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def _is_public(address: IPAddress) -> bool:
    return address.is_global and address not in _LOCAL_NAT64


def _kind(address: IPAddress) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    if address.is_multicast:
        return "multicast"
    return "non-public"


def address_refusal(address: IPAddress) -> str | None:
    """Why `address` may not receive webhooks ("a loopback address"), or None when it may."""
    for candidate in (address, _embedded_ipv4(address)):
        if candidate is None:
            continue
        if any(candidate in network for network in METADATA_NETWORKS):
            return f"a cloud metadata address ({candidate}), which is never allowed"
        if candidate.is_multicast:
            return f"a multicast address ({candidate})"
        if not settings.WEBHOOK_ALLOW_PRIVATE and not _is_public(candidate):
            return f"a {_kind(candidate)} address ({candidate})"
    return None


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise AddressRefused(f"{url!r} is not a valid URL ({exc}).") from None
    return parts


def receiver_parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a webhook URL, or AddressRefused saying why."""
    parts = _split(url)
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_INSECURE else ("https",)
    if parts.scheme not in allowed:
        raise AddressRefused(
            "The URL must start with https:// (plain http is allowed only with "
            "WEBHOOK_ALLOW_INSECURE=1)."
        )
    if not parts.hostname:
        raise AddressRefused("The URL has no host; give one, as in https://example.com/hooks.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(
            "The URL may not hold a user name or password; the signature authenticates us."
        )
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


# Lookups of one process that may be running at once. A lookup whose deadline passed keeps its
# thread until the resolver gives up on its own (resolv.conf's timeout and attempts); this caps
# how many such threads a resolver that never answers can leave behind: past it, an attempt
# fails at once instead of starting another.
LOOKUPS_MAX = 16
_lookup_slots = threading.BoundedSemaphore(LOOKUPS_MAX)


def _lookup(host: str, port: int, *, timeout: float) -> list[tuple]:
    """getaddrinfo (WEBHOOK_RESOLVER) for `host`, given at most `timeout` seconds.

    The resolver runs in a daemon thread that the caller stops waiting for at the deadline:
    the C resolver cannot be interrupted, and its own timeout (resolv.conf) is not ours. The
    same function, flags and answers as a direct call; only the wait is bounded."""
    resolver = import_string(settings.WEBHOOK_RESOLVER)
    if not _lookup_slots.acquire(blocking=False):
        raise AddressRefused(
            f"The host {host!r} was not looked up: {LOOKUPS_MAX} earlier lookups of this "
            "process are still waiting for the name server; try again later."
        )
    answer: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            answer["infos"] = resolver(host, port, type=socket.SOCK_STREAM)
        except BaseException as exc:  # handed to the caller, who decides
            answer["error"] = exc
        finally:
            _lookup_slots.release()
            done.set()

    threading.Thread(target=run, name=f"webhook-lookup {host}", daemon=True).start()
    if not done.wait(max(0.0, timeout)):
        raise AddressRefused(
            f"The host {host!r} did not resolve within {timeout:g} s "
            "(WEBHOOK_TIMEOUT_SECONDS); its name server did not answer in time."
        )
    if "error" in answer:
        raise answer["error"]
    return answer["infos"]


def _resolve(host: str, port: int, *, timeout: float) -> list[str]:
    try:
        infos = _lookup(host, port, timeout=timeout)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(
            f"The host {host!r} does not resolve ({exc}); check the URL's spelling."
        ) from None
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def receiver_check(url: str, *, timeout: float) -> Receiver:
    """Resolve the URL's host once, within `timeout` seconds, and check every address it
    resolves to.

    Returns the address to connect to: the caller connects there and nowhere else (a second DNS
    lookup could answer differently: DNS rebinding). Raises AddressRefused when the URL is not
    allowed, naming the address and the setting that would allow it.
    """
    scheme, host, port, path = receiver_parse(url)
    addresses = _resolve(host, port, timeout=timeout)
    if not addresses:
        raise AddressRefused(f"The host {host!r} resolves to no address.")
    for text in addresses:
        refusal = address_refusal(ipaddress.ip_address(text.split("%", 1)[0]))
        if refusal:
            hint = (
                ""
                if "metadata" in refusal or "multicast" in refusal
                else " (internal receivers need WEBHOOK_ALLOW_PRIVATE=1)"
            )
            raise AddressRefused(
                f"The host {host!r} resolves to {refusal}; webhooks go to public addresses "
                f"only{hint}."
            )
    return Receiver(scheme=scheme, host=host, port=port, address=addresses[0], path=path)
