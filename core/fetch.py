"""Fetching a web address somebody else supplied, without becoming their probe.

Publishers give BagiPakai the addresses of their repositories, logos and
screenshots; the server fetches them. Every fetch here:

- accepts only `https://` (plain `http://` only with `FETCH_ALLOW_HTTP`, and
  `file://` only with `FETCH_ALLOW_FILE_URLS`: both off by default, on in tests);
- resolves the host name itself and refuses it when *any* of its addresses is
  private, loopback, link-local, multicast, reserved, unspecified or otherwise
  not globally routable (`FETCH_ALLOWED_NETWORKS` may open named networks, e.g.
  an intranet code host; empty by default);
- connects to the address it checked (no second DNS answer can swap it), while
  TLS still verifies the certificate of the host name (SNI) and `Host` names it;
- follows at most `FETCH_MAX_REDIRECTS` redirects, checking each new address
  the same way before connecting;
- stops after `FETCH_MAX_BYTES` bytes (a larger `Content-Length` is refused
  unread) and `FETCH_TIMEOUT` seconds in total, a slow trickle included.

Proxy variables of the environment are ignored (http.client reads none).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A fetch that was refused or failed; `reason` is a stable code, str() a sentence."""

    def __init__(self, reason: str, message: str):
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content: bytes
    content_type: str


def _networks() -> list:
    return [
        ipaddress.ip_network(network, strict=False)
        for network in getattr(settings, "FETCH_ALLOWED_NETWORKS", [])
    ]


def address_allowed(address: str) -> bool:
    """Only globally routable unicast addresses (or a network the operator opened)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _networks()):
        return True
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve(host: str, port: int) -> str:
    """The address to connect to: every address of `host` must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise FetchError(
            "unreachable", _("The address %(host)s does not exist.") % {"host": host}
        ) from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchError(
            "unreachable", _("The address %(host)s does not exist.") % {"host": host}
        )
    for address in addresses:
        if not address_allowed(address):
            raise FetchError(
                "refused_address",
                _(
                    "%(host)s points to a private or reserved network address; "
                    "BagiPakai fetches only from the public internet."
                )
                % {"host": host},
            )
    return addresses[0]


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an address this module may fetch; FetchError otherwise."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    allowed = {"https"}
    if settings.FETCH_ALLOW_HTTP:
        allowed.add("http")
    if settings.FETCH_ALLOW_FILE_URLS:
        allowed.add("file")
    if scheme not in allowed:
        raise FetchError(
            "scheme",
            _("Only https:// addresses can be fetched, not %(url)s.") % {"url": url},
        )
    if scheme == "file":
        return scheme, "", 0
    if parts.username or parts.password:
        raise FetchError(
            "scheme", _("Addresses with a user name or password are not fetched.")
        )
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError("scheme", _("The address has an invalid port.")) from None
    if not parts.hostname:
        raise FetchError("scheme", _("The address has no host name."))
    return scheme, parts.hostname, port


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; certificate and SNI are those of the host name."""

    def __init__(self, host, port, *, address, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        self.pinned_socket = self.sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.pinned_socket = self.sock


def _too_large(limit: int) -> FetchError:
    return FetchError(
        "too_large",
        _("The file is larger than %(kb)d KB.") % {"kb": max(1, limit // 1024)},
    )


def _timed_out(seconds: float) -> FetchError:
    return FetchError(
        "timeout",
        _("The server did not answer within %(s)d seconds.") % {"s": seconds},
    )


def _read_file(url: str, limit: int) -> Fetched:
    path = Path(unquote(urlsplit(url).path))
    try:
        with path.open("rb") as handle:
            content = handle.read(limit + 1)
    except OSError:
        raise FetchError(
            "not_found", _("There is no file at %(url)s.") % {"url": url}
        ) from None
    if len(content) > limit:
        raise _too_large(limit)
    return Fetched(url=url, content=content, content_type="")


def fetch(
    url: str, *, max_bytes: int | None = None, timeout: float | None = None
) -> Fetched:
    """GET `url` under the rules above; FetchError says why not."""
    limit = max_bytes or settings.FETCH_MAX_BYTES
    seconds = timeout or settings.FETCH_TIMEOUT
    deadline = time.monotonic() + seconds
    for _hop in range(settings.FETCH_MAX_REDIRECTS + 1):
        scheme, host, port = check_url(url)
        if scheme == "file":
            return _read_file(url, limit)
        address = resolve(host, port)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timed_out(seconds)
        if scheme == "https":
            connection = _PinnedHTTPSConnection(
                host,
                port,
                address=address,
                timeout=remaining,
                context=ssl.create_default_context(),
            )
        else:
            connection = _PinnedHTTPConnection(
                host, port, address=address, timeout=remaining
            )
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(
                "GET",
                target,
                headers={
                    "User-Agent": settings.FETCH_USER_AGENT,
                    "Accept-Encoding": "identity",
                    "Accept": "*/*",
                },
            )
            response = connection.getresponse()
            if response.status in REDIRECTS and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location").strip())
                # A server never sends us to a local file, whatever the settings.
                if urlsplit(url).scheme.lower() not in ("http", "https"):
                    raise FetchError(
                        "scheme", _("The server redirected to a refused address.")
                    )
                continue
            if response.status == 404:
                raise FetchError(
                    "not_found", _("There is no file at %(url)s.") % {"url": url}
                )
            if response.status != 200:
                raise FetchError(
                    "http_status",
                    _("The server answered %(status)d for %(url)s.")
                    % {"status": response.status, "url": url},
                )
            length = response.getheader("Content-Length")
            if length and length.strip().isdigit() and int(length) > limit:
                raise _too_large(limit)
            chunks, size = [], 0
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _timed_out(seconds)
                # http.client may drop its own reference once the answer is read.
                connection.pinned_socket.settimeout(remaining)
                chunk = response.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
            return Fetched(
                url=url,
                content=b"".join(chunks),
                content_type=response.getheader("Content-Type") or "",
            )
        except TimeoutError:
            raise _timed_out(seconds) from None
        except ssl.SSLError:
            raise FetchError(
                "unreachable",
                _("The secure connection to %(host)s failed (certificate or TLS).")
                % {"host": host},
            ) from None
        except (OSError, http.client.HTTPException):
            raise FetchError(
                "unreachable",
                _("The server %(host)s could not be reached.") % {"host": host},
            ) from None
        finally:
            connection.close()
    raise FetchError("redirects", _("Too many redirects."))
