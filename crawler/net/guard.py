"""The network guard: never connect to loopback, private, link-local, CGNAT, multicast or reserved addresses.

The gate asks :meth:`NetworkGuard.check` before every request. The guard also installs itself as the
reactor's name resolver, so a connection only ever goes to an address it has checked (this closes DNS
rebinding: the address verified is the address used).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Sequence
from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_IETF = ipaddress.ip_network("192.0.0.0/24")  # protocol assignments; Python calls parts of it global
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")  # IANA: the only IPv6 block routed on the internet
_DOCUMENTATION = (ipaddress.ip_network("3fff::/20"),)  # RFC 9637; Python 3.11 calls it global
DNS_TTL = 300.0


def parse_host_address(host: str) -> IPAddress | None:
    """The address a numeric host spells (``127.0.0.1``, ``[::1]``, ``2130706433``, ``0x7f.1``), else None."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))  # the legacy spellings browsers accept
        except OSError:
            return None
    return None


def forbidden_reason(addr: IPAddress | str) -> str | None:
    """Why an address must not be contacted ('loopback', 'private', ...), or None when it is global."""
    a = ipaddress.ip_address(addr) if isinstance(addr, str) else addr
    if a.version == 6:
        embedded = a.ipv4_mapped or a.sixtofour or (a.teredo[1] if a.teredo else None)
        if embedded is None and a in _NAT64:
            embedded = ipaddress.IPv4Address(int(a) & 0xFFFFFFFF)
        if embedded is not None and (inner := forbidden_reason(embedded)):
            return f"{inner} (embedded in {a})"
    for name in ("unspecified", "loopback", "link_local", "multicast"):
        if getattr(a, f"is_{name}"):
            return name.replace("_", "-")
    if a.version == 4 and a in _CGNAT:
        return "CGNAT"
    if a.version == 6 and a.is_site_local:
        return "site-local"
    if a.is_private:
        return "private"
    if any(a in net for net in _DOCUMENTATION):
        return "documentation"
    return None if _globally_routable(a) else "reserved"


def _globally_routable(a: IPAddress) -> bool:
    """An allow-list: only global unicast is public, so a range no list knows yet fails closed."""
    if a.is_reserved or a.is_multicast or not a.is_global:
        return False
    if a.version == 4:
        return a not in _IETF
    return a in _GLOBAL_UNICAST_V6


class GuardRefusal(Exception):
    """A host resolves (or is spelled) to an address the guard refuses."""


def parse_resolve_address(text: str) -> str:
    """The IP address a ``--resolve HOST=ADDRESS`` gives (``[::1]`` allowed), normalised; raises ValueError."""
    try:
        return str(ipaddress.ip_address(text.strip().strip("[]")))
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address — give the address itself, e.g. 127.0.0.1 or ::1 "
                         f"(a host name here would be looked up without the guard's pinning)") from None


Allowance = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int | None]
_BRACKETED = re.compile(r"\[([^\]]+)\](?::(\d+))?")


def parse_allowance(text: str) -> Allowance:
    """``CIDR`` or ``ADDR`` (every port), ``ADDR:PORT`` or ``[V6]:PORT`` (that port only); raises ValueError."""
    text = text.strip()
    port: str | None = None
    if m := _BRACKETED.fullmatch(text):
        text, port = m.group(1), m.group(2)
    elif text.count(":") == 1:
        text, port = text.split(":")
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise ValueError(f"{exc} (expected CIDR for every port, e.g. 127.0.0.1/32, or ADDRESS:PORT for one, "
                         f"e.g. 127.0.0.1:8080 or [::1]:8080)") from None
    if port is None:
        return net, None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"port {port!r} must be a number from 1 to 65535")
    if net.num_addresses != 1:
        raise ValueError(f"a port goes with one address, not the network {net} (write ADDRESS:PORT)")
    return net, int(port)


class NetworkGuard:
    """Resolves hosts once, refuses non-global addresses unless allowed, and pins what it checked."""

    def __init__(self, *, allow_private: bool = False, allowed_networks: list[str] | None = None,
                 overrides: dict[str, str] | None = None):
        self.allow_private = allow_private
        self.allowed = [parse_allowance(n) for n in allowed_networks or ()]
        self.overrides = {h.lower(): parse_resolve_address(a) for h, a in (overrides or {}).items()}
        self._cache: dict[str, tuple[float, list[str]]] = {}
        self.hint = "use --allow-network or --allow-private-networks"  # the add-on names its settings instead

    async def check(self, host: str, port: int | None = None) -> list[str]:
        """The addresses to use for ``host`` (on ``port``); raises GuardRefusal or OSError (DNS failure)."""
        host = host.lower()
        cached = self._cache.get(host)
        if cached and cached[0] > time.monotonic():
            addrs = cached[1]
        else:
            addrs = await self._resolve(host)
            self._cache[host] = (time.monotonic() + DNS_TTL, addrs)
        for a in addrs:
            if reason := self.refusal(a, port):
                spelled = "" if a == host.strip("[]") else f"{host} -> "
                on = f" (port {port} not allowed)" if port is not None and self.allowed else ""
                raise GuardRefusal(f"{spelled}{a} is {reason}{on}; {self.hint} to crawl it")
        return addrs

    def refusal(self, address: str, port: int | None = None) -> str | None:
        """Why ``address`` (on ``port``; None: unknown) is refused under this guard's settings, or None."""
        if self.allow_private:
            return None
        reason = forbidden_reason(address)
        if reason and self.allowed:
            a = ipaddress.ip_address(address)
            if any(a in net and (only is None or only == port) for net, only in self.allowed):
                return None
        return reason

    async def _resolve(self, host: str) -> list[str]:
        if host in self.overrides:
            return [self.overrides[host]]
        if (numeric := parse_host_address(host)) is not None:
            return [str(numeric)]
        infos = await asyncio.get_running_loop().run_in_executor(
            None, lambda: socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        )
        addrs = list(dict.fromkeys(str(ipaddress.ip_address(str(i[4][0]).split("%")[0])) for i in infos))
        if not addrs:
            raise OSError(f"DNS lookup for {host} returned no address")
        return addrs

    def pinned(self, host: str, port: int | None = None) -> list[str] | None:
        """Checked addresses for ``host`` (for the resolver), or None when the gate never checked it."""
        cached = self._cache.get(host.lower())
        if cached is None:
            return None
        if any(self.refusal(a, port) for a in cached[1]):
            return []
        return cached[1]

    def install(self, reactor: Any) -> None:
        """Make the reactor resolve every host name through this guard (idempotent)."""
        current = reactor.nameResolver
        if isinstance(current, GuardedNameResolver):
            current.guard = self
        else:
            reactor.installNameResolver(GuardedNameResolver(self, current))


# Twisted's resolver and receiver are zope interfaces, which mypy reads as types only with the mypy-zope plugin: Any here.
@implementer(IHostnameResolver)
class GuardedNameResolver:
    """A Twisted name resolver that answers with the guard's pinned addresses and drops forbidden ones."""

    def __init__(self, guard: NetworkGuard, original: Any):
        self.guard, self.original = guard, original

    def resolveHostName(
        self,
        resolutionReceiver: Any,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type] | None = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        pinned = self.guard.pinned(hostName, portNumber or None)
        if pinned is None:
            receiver = _FilteringReceiver(resolutionReceiver, self.guard)
            self.original.resolveHostName(receiver, hostName, portNumber, addressTypes, transportSemantics)
            return resolutionReceiver
        resolutionReceiver.resolutionBegan(_Resolution(hostName))
        for a in pinned:
            cls = IPv6Address if ":" in a else IPv4Address
            resolutionReceiver.addressResolved(cls("TCP", a, portNumber))
        resolutionReceiver.resolutionComplete()
        return resolutionReceiver


class _Resolution:
    def __init__(self, name: str):
        self.name = name

    def cancel(self) -> None:
        pass


@implementer(IResolutionReceiver)
class _FilteringReceiver:
    def __init__(self, receiver: Any, guard: NetworkGuard):
        self.receiver, self.guard = receiver, guard

    def resolutionBegan(self, resolution: Any) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: Any) -> None:
        if not self.guard.refusal(address.host.split("%")[0], address.port or None):
            self.receiver.addressResolved(address)
        else:
            logger.warning("network guard: dropped %s (not a global address)", address.host)

    def resolutionComplete(self) -> None:
        self.receiver.resolutionComplete()
