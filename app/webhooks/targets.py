"""Where a webhook may be sent: an http(s) URL without credentials whose host is, and resolves
to, only globally routable addresses — unless the install allows private targets
(`PLANWRIGHT_WEBHOOK_ALLOW_PRIVATE`). Checked when an endpoint is registered and again, with
the name resolved, before every attempt, so a receiver can neither read nor probe our network."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

import httpx

Address = IPv4Address | IPv6Address

LOCAL_NAMES = ("localhost",)
LOCAL_SUFFIXES = (".localhost", ".local", ".internal")
SHARED_SPACE = IPv4Network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598
NAT64 = IPv6Network("64:ff9b::/96")

_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


class TargetRefused(Exception):
    """This URL may not receive webhooks; the message says why, for the API and the delivery log."""


@dataclass(frozen=True)
class Pinned:
    """A request to a vetted address: the URL names the address, the headers and TLS the host."""

    url: httpx.URL
    headers: dict[str, str]
    extensions: dict[str, str] = field(default_factory=dict)


def resolve(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host`, in its order of preference."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def redact(url: str) -> str:
    """The URL without any `user:password@`, for showing a stored URL."""
    return _USERINFO.sub(r"\1", url)


def check_url(url: str, *, allow_private: bool) -> httpx.URL:
    """Parse and vet a webhook URL without resolving its host name; raise TargetRefused."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise TargetRefused("the URL cannot be parsed") from exc
    if parsed.scheme not in ("http", "https"):
        raise TargetRefused("the URL's scheme must be http or https")
    if parsed.userinfo:
        raise TargetRefused("the URL must not carry credentials (user:password@); receivers verify the signature")
    host = _host(parsed)
    if not host.strip("."):
        raise TargetRefused("the URL has no host")
    if allow_private:
        return parsed
    literal = ip_literal(host)
    if literal is not None:
        _refuse_unless_global(literal)
    else:
        name = host.rstrip(".").lower()
        if name in LOCAL_NAMES or name.endswith(LOCAL_SUFFIXES):
            raise TargetRefused(f"host {name} is a local name")
    return parsed


def pin(url: str, *, allow_private: bool) -> Pinned:
    """Vet the URL, resolve its host once and vet every address, and aim the request at the first.

    The request goes to the address itself, with the name in the Host header and as the TLS
    server name (so the certificate is still checked against the name): nothing resolves the
    name a second time, so DNS rebinding cannot swap in another address after the check.
    """
    parsed = check_url(url, allow_private=allow_private)
    host = _host(parsed)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    literal = ip_literal(host)
    extensions: dict[str, str] = {}
    if literal is not None:
        addresses: list[Address] = [literal]
    else:
        try:
            addresses = [ipaddress.ip_address(a) for a in resolve(host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise TargetRefused(f"host {host} did not resolve") from exc
        if not addresses:
            raise TargetRefused(f"host {host} did not resolve")
        if parsed.scheme == "https":
            extensions["sni_hostname"] = host
    if not allow_private:
        for address in addresses:
            _refuse_unless_global(address)
    return Pinned(
        url=parsed.copy_with(host=str(addresses[0])),
        headers={"Host": parsed.netloc.decode("ascii")},
        extensions=extensions,
    )


def ip_literal(host: str) -> Address | None:
    """The address a host written as an IP literal means, in any notation the C library accepts:
    `127.0.0.1`, `127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`, `[::1]`, `::ffff:127.0.0.1`."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return IPv4Address(socket.inet_aton(host.rstrip(".")))
    except (OSError, ValueError):
        return None


def refusal(address: Address) -> str | None:
    """Why `address` may not receive webhooks, or None when it is globally routable."""
    if isinstance(address, IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and (reason := refusal(embedded)) is not None:
            return f"{reason} (it embeds {embedded})"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, IPv4Address) and address in SHARED_SPACE:
        return "shared address space (carrier-grade NAT)"
    if isinstance(address, IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not globally routable"
    return None


def _refuse_unless_global(address: Address) -> None:
    reason = refusal(address)
    if reason is not None:
        raise TargetRefused(f"address {address} is {reason}")


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4 or NAT64 address reaches."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _host(url: httpx.URL) -> str:
    return url.raw_host.decode("ascii", errors="replace")
