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
  unread) and after `FETCH_TIMEOUT` seconds: one deadline for the whole fetch
  (DNS, connecting, TLS, sending, status line and headers, every redirect hop,
  the body), which every socket operation is given what is left of, so a server
  that trickles a byte now and then gains nothing.

Proxy variables of the environment are ignored (http.client reads none).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext_noop

from .i18n import Sentence

REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A fetch that was refused or failed: `reason` is a stable code, `message`
    the sentence saying why (kept as msgid and parameters, core/i18n.py: the
    harvest stores it for publishers who read another language); str() is
    that sentence in the current language."""

    def __init__(self, reason: str, message: Sentence):
        self.reason = reason
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)


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


def _getaddrinfo(host: str, port: int, deadline: float | None) -> list:
    """socket.getaddrinfo, given up (TimeoutError) at `deadline`.

    The resolver has no timeout of its own to pass, and a publisher's name
    server may answer slowly on purpose: the lookup runs in a thread that is
    left behind (it ends when the resolver gives up) while the fetch fails.
    """
    if deadline is None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    answer: list = []

    def lookup():
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except Exception as exc:
            answer.append(exc)

    thread = threading.Thread(target=lookup, name="fetch-dns", daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()))
    if not answer:
        raise TimeoutError(f"resolving {host}")
    if isinstance(answer[0], Exception):
        raise answer[0]
    return answer[0]


def resolve(host: str, port: int, *, deadline: float | None = None) -> str:
    """The address to connect to: every address of `host` must be allowed.

    Past `deadline` (time.monotonic()) the lookup is abandoned: TimeoutError.
    """
    try:
        infos = _getaddrinfo(host, port, deadline)
    except TimeoutError:
        raise
    except (socket.gaierror, UnicodeError, OSError):
        raise FetchError(
            "unreachable",
            Sentence(gettext_noop("The address %(host)s does not exist."), host=host),
        ) from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchError(
            "unreachable",
            Sentence(gettext_noop("The address %(host)s does not exist."), host=host),
        )
    for address in addresses:
        if not address_allowed(address):
            raise FetchError(
                "refused_address",
                Sentence(
                    gettext_noop(
                        "%(host)s points to a private or reserved network address; "
                        "BagiPakai fetches only from the public internet."
                    ),
                    host=host,
                ),
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
            Sentence(
                gettext_noop("Only https:// addresses can be fetched, not %(url)s."),
                url=url,
            ),
        )
    if scheme == "file":
        return scheme, "", 0
    if parts.username or parts.password:
        raise FetchError(
            "scheme",
            Sentence(
                gettext_noop("Addresses with a user name or password are not fetched.")
            ),
        )
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise FetchError(
            "scheme", Sentence(gettext_noop("The address has an invalid port."))
        ) from None
    if not parts.hostname:
        raise FetchError(
            "scheme", Sentence(gettext_noop("The address has no host name."))
        )
    return scheme, parts.hostname, port


class _DeadlineMixin:
    """Every read, write and handshake of the socket gets what is left until
    `deadline` as its timeout, and none starts after it (TimeoutError).

    A per-operation timeout alone lets a server that sends a byte before each
    timeout runs out hold the fetch forever; http.client reads the status line
    and headers through the socket's recv_into, so this covers them too.
    """

    deadline: float

    def _arm(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("fetch deadline passed")
        self.settimeout(remaining)

    def recv(self, *args, **kwargs):
        self._arm()
        return super().recv(*args, **kwargs)

    def recv_into(self, *args, **kwargs):
        self._arm()
        return super().recv_into(*args, **kwargs)

    def send(self, *args, **kwargs):
        self._arm()
        return super().send(*args, **kwargs)

    def sendall(self, *args, **kwargs):
        self._arm()
        return super().sendall(*args, **kwargs)


class _DeadlineSocket(_DeadlineMixin, socket.socket):
    pass


class _DeadlineSSLSocket(_DeadlineMixin, ssl.SSLSocket):
    def do_handshake(self, *args, **kwargs):
        # The whole handshake is one operation for the ssl module: its timeout
        # bounds it all, however the server spreads its records.
        self._arm()
        return super().do_handshake(*args, **kwargs)


def _connect(address: str, port: int, deadline: float) -> _DeadlineSocket:
    """A TCP connection to the checked address, opened before `deadline`."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = _DeadlineSocket(family, socket.SOCK_STREAM)
    sock.deadline = deadline
    try:
        sock._arm()
        sock.connect((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; certificate and SNI are those of the host name."""

    def __init__(self, host, port, *, address, deadline):
        context = ssl.create_default_context()
        context.sslsocket_class = _DeadlineSSLSocket
        super().__init__(host, port, context=context)
        self._address, self._deadline = address, deadline

    def connect(self):
        sock = _connect(self._address, self.port, self._deadline)
        try:
            self.sock = self._context.wrap_socket(
                sock, server_hostname=self.host, do_handshake_on_connect=False
            )
        except BaseException:
            sock.close()
            raise
        self.sock.deadline = self._deadline
        self.sock.do_handshake()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, deadline):
        super().__init__(host, port)
        self._address, self._deadline = address, deadline

    def connect(self):
        self.sock = _connect(self._address, self.port, self._deadline)


def _too_large(limit: int) -> FetchError:
    return FetchError(
        "too_large",
        Sentence(
            gettext_noop("The file is larger than %(kb)d KB."), kb=max(1, limit // 1024)
        ),
    )


def _timed_out(seconds: float) -> FetchError:
    return FetchError(
        "timeout",
        Sentence(
            gettext_noop("The server did not answer within %(s)d seconds."), s=seconds
        ),
    )


def _read_file(url: str, limit: int) -> Fetched:
    path = Path(unquote(urlsplit(url).path))
    try:
        with path.open("rb") as handle:
            content = handle.read(limit + 1)
    except OSError:
        raise FetchError(
            "not_found", Sentence(gettext_noop("There is no file at %(url)s."), url=url)
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
    try:
        for _hop in range(settings.FETCH_MAX_REDIRECTS + 1):
            scheme, host, port = check_url(url)
            if scheme == "file":
                return _read_file(url, limit)
            address = resolve(host, port, deadline=deadline)
            answer = _get(url, scheme, host, port, address, deadline, limit)
            if isinstance(answer, Fetched):
                return answer
            url = answer
    except TimeoutError:
        raise _timed_out(seconds) from None
    raise FetchError("redirects", Sentence(gettext_noop("Too many redirects.")))


def _get(url, scheme, host, port, address, deadline, limit) -> Fetched | str:
    """One hop: what `url` holds, or the address it redirects to."""
    if scheme == "https":
        connection = _PinnedHTTPSConnection(
            host, port, address=address, deadline=deadline
        )
    else:
        connection = _PinnedHTTPConnection(
            host, port, address=address, deadline=deadline
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
                    "scheme",
                    Sentence(
                        gettext_noop("The server redirected to a refused address.")
                    ),
                )
            return url
        if response.status == 404:
            raise FetchError(
                "not_found",
                Sentence(gettext_noop("There is no file at %(url)s."), url=url),
            )
        if response.status != 200:
            raise FetchError(
                "http_status",
                Sentence(
                    gettext_noop("The server answered %(status)d for %(url)s."),
                    status=response.status,
                    url=url,
                ),
            )
        length = response.getheader("Content-Length")
        if length and length.strip().isdigit() and int(length) > limit:
            raise _too_large(limit)
        chunks, size = [], 0
        while chunk := response.read1(65536):
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
        raise
    except ssl.SSLError:
        raise FetchError(
            "unreachable",
            Sentence(
                gettext_noop(
                    "The secure connection to %(host)s failed (certificate or TLS)."
                ),
                host=host,
            ),
        ) from None
    except (OSError, http.client.HTTPException):
        raise FetchError(
            "unreachable",
            Sentence(
                gettext_noop("The server %(host)s could not be reached."), host=host
            ),
        ) from None
    finally:
        connection.close()
