"""Refuse private, loopback and link-local peers, judged on the address a socket actually connected to."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class PrivateAddressError(Exception):
    """A connection reached (or would reach) a non-public address the source may not use."""


def is_private_address(ip: str) -> bool:
    """True for any address that is not globally routable (private, loopback, link-local, CGNAT, ...)."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return True  # not an IP at all: refuse rather than guess
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return not addr.is_global or addr.is_multicast


def check_host_resolves_public(host: str, port: int, exempt: Collection[str] = ()) -> None:
    """Resolve host and raise PrivateAddressError if any address is private and not an exempt ip:port."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return  # the request itself will fail with a clear resolution error
    for info in infos:
        ip = str(info[4][0])  # sockaddr[0] is the address string for the IPv4/IPv6 families asked for
        if is_private_address(ip) and f"{ip}:{port}" not in exempt:
            raise PrivateAddressError(f"{host} resolves to private address {ip}")


def endpoint_addresses(endpoints: Collection[str]) -> frozenset[str]:
    """The "ip:port" forms of configured "host:port" endpoints (a host name stands for every address it resolves to)."""
    found = set()
    for endpoint in endpoints:
        host, _, port = endpoint.rpartition(":")
        host = host.strip("[]")
        found.add(f"{host}:{port}")
        try:
            infos = socket.getaddrinfo(host, int(port), proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError):
            continue
        found.update(f"{info[4][0]}:{port}" for info in infos)
    return frozenset(found)


class _PeerCheck:
    """Mixin for urllib3 connections: after connect, refuse a private peer unless it is exempt."""

    exempt: frozenset[str] = frozenset()

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()
        ip, port = peer[0], peer[1]
        if is_private_address(ip) and f"{ip}:{port}" not in self.exempt:
            sock.close()
            raise PrivateAddressError(f"{self.host} connected to private address {ip}")  # type: ignore[attr-defined]
        return sock


def guarded_pool_classes(exempt: Collection[str] = ()) -> dict[str, type]:
    """Pool classes for a urllib3 PoolManager whose connections refuse private peers (except `exempt` ip:port)."""
    frozen = frozenset(exempt)
    http_conn = type("GuardedHTTPConnection", (_PeerCheck, HTTPConnection), {"exempt": frozen})
    https_conn = type("GuardedHTTPSConnection", (_PeerCheck, HTTPSConnection), {"exempt": frozen})
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }
