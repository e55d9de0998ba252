"""The client's address, as the login limit keys it (django-axes' AXES_CLIENT_IP_CALLABLE).

Behind TRUSTED_PROXY_COUNT reverse proxies that each append the address they received the request
from to X-Forwarded-For, the client is the N-th entry from the right: everything left of it was
written by the client and proves nothing. With no proxy the peer address is the client and the
header is ignored, so a client cannot pick its own bucket by sending one.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def _valid(address: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when the request carries none (a unix socket, a WSGI
    call without REMOTE_ADDR): those share one bucket per username."""
    peer = _valid(request.META.get("REMOTE_ADDR"))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies == 0:
        return peer
    # ipware counts the proxies *listed* in the header (chain[-(proxy_count + 1)] is the client);
    # the proxy nearest to us is the peer, not listed, hence N - 1. strict=False: a longer chain
    # (the client's forged entries in front) is accepted and its forged part skipped.
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    # A chain shorter than configured did not come through every proxy: the peer is all we know.
    return _valid(address) or peer
