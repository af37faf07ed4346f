"""Fetching a file someone names by its address, without letting the address reach into the
server's own network (server-side request forgery).

Only http and https. The host is resolved once; every address it resolves to must be a public
one (no private, loopback, link-local, shared, reserved, multicast or unspecified address, also
inside an IPv4-mapped IPv6 address), and the connection goes to the address that was checked,
so a second resolution cannot swap it (DNS rebinding). Redirects are followed by hand, at most
`MAX_REDIRECTS`, each new address checked the same way. The body is read up to `max_bytes` (a
larger Content-Length is refused before reading), and the whole fetch has a time limit.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from flask_babel import gettext as _

from organizer.errors import ValidationFailed

MAX_REDIRECTS = 5
TIMEOUT = 15.0  # seconds, for the whole fetch
CHUNK = 64 * 1024
USER_AGENT = "organizer-schedule-import/1"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchRefused(ValidationFailed):
    """The address may not be fetched, or fetching it failed; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__({"url": message})


def is_public_address(address: IPAddress) -> bool:
    """True for an address on the public internet only."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _resolve(host: str, port: int, allowed: Callable[[IPAddress], bool]) -> str:
    """The checked address to connect to; FetchRefused when any address of the host is not
    allowed (a name that also resolves to an internal address is not fetched at all)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchRefused(_("The address %(host)s could not be found.", host=host)) from error
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise FetchRefused(_("The address %(host)s could not be found.", host=host))
    for address in addresses:
        if not allowed(address):
            raise FetchRefused(
                _(
                    "%(host)s is an address inside a private network (%(address)s); only "
                    "public addresses can be fetched.",
                    host=host,
                    address=str(address),
                )
            )
    return str(addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _split(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(_("Only http:// and https:// addresses can be fetched."))
    if not parts.hostname or parts.username or parts.password:
        raise FetchRefused(_("This address has no host name, or carries a password."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise FetchRefused(_("The address has an invalid port.")) from error
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port, path


def check_address_form(url: str) -> None:
    """FetchRefused unless `url` is an http(s) address with a host (nothing is resolved)."""
    _split(url)


def fetch_limited(
    url: str,
    *,
    max_bytes: int,
    timeout: float = TIMEOUT,
    allowed: Callable[[IPAddress], bool] = is_public_address,
) -> bytes:
    """The body of `url` (at most `max_bytes`), or FetchRefused with the reason. `allowed`
    decides which resolved addresses may be reached (tests widen it to reach a local server)."""
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = _split(url)
        address = _resolve(host, port, allowed)
        kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
        connection = kind(host, port, address=address, timeout=max(deadline - time.monotonic(), 1))
        response = None
        try:
            connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location", ""))
                continue
            if response.status != 200:
                raise FetchRefused(
                    _("The server answered %(status)d, not the file.", status=response.status)
                )
            return _read(response, max_bytes, deadline)
        except (OSError, http.client.HTTPException) as error:
            raise FetchRefused(
                _("The address could not be fetched: %(error)s", error=str(error)[:200])
            ) from error
        finally:
            if response is not None:
                response.close()
            connection.close()
    raise FetchRefused(_("The address redirects too many times."))


def _read(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    too_large = FetchRefused(
        _("The file is larger than %(n)d MB.", n=max(1, max_bytes // (1024 * 1024)))
    )
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise FetchRefused(_("The server took too long to send the file."))
        chunk = response.read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
