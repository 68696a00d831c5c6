"""The safe fetcher refuses to become a probe of private networks (#14).

A local HTTP server started here plays the publisher's server. Loopback is
refused by default, so tests that need the server to answer open exactly
127.0.0.1 through FETCH_ALLOWED_NETWORKS, and then check that what lies
behind it (other loopback addresses, private and link-local networks) stays
refused, on redirects too.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core import fetch as fetch_module
from core.fetch import FetchError, address_allowed, fetch
from core.gitfetch import GitCheckout


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        port = self.server.server_address[1]
        if self.path == "/ok":
            self._send(b"hello")
        elif self.path.startswith("/redirect-to/"):
            self.send_response(302)
            self.send_header("Location", self.path[len("/redirect-to/") :])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/redirect-loopback":
            self.send_response(301)
            self.send_header("Location", f"http://127.0.0.2:{port}/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/redirect-same":
            self.send_response(302)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/redirect-loop":
            self.send_response(302)
            self.send_header("Location", "/redirect-loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/big":
            self._send(b"x" * 5000)
        elif self.path == "/big-unannounced":
            self.send_response(200)
            self.end_headers()  # no Content-Length: read until the server closes
            self.wfile.write(b"x" * 5000)
            self.close_connection = True
        elif self.path == "/slow":
            time.sleep(3)
            self._send(b"late")
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
        elif self.path == "/trickle-headers":
            # A status line at once, then one header line every 0.3 s.
            self._trickle([b"HTTP/1.1 200 OK\r\n"] + [b"X-Slow: 1\r\n"] * 40)
        elif self.path == "/trickle-status":
            # The status line itself, one byte every 0.3 s.
            line = b"HTTP/1.1 200 " + b"O" * 40 + b"\r\n\r\n"
            self._trickle([line[i : i + 1] for i in range(len(line))])
        elif self.path.startswith("/trickle-git/"):
            # git's first request (info/refs), answered a byte at a time.
            self.send_response(200)
            self.send_header(
                "Content-Type", "application/x-git-upload-pack-advertisement"
            )
            self.end_headers()
            self._trickle([b"0"] * 40)
        elif self.path.startswith("/slow-redirect/"):
            # Each hop answers after 0.4 s and sends the client one hop further.
            hops = int(self.path.rsplit("/", 1)[1])
            time.sleep(0.4)
            self.send_response(302)
            self.send_header("Location", f"/slow-redirect/{hops + 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_error(404)

    def _trickle(self, pieces):
        for piece in pieces:
            try:
                self.wfile.write(piece)
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.3)
        self.close_connection = True

    def _send(self, body: bytes):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def base(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def open_loopback_server(settings):
    """Only the test server's own address is opened."""
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]


def refused(url, reason="refused_address", **kwargs) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, **kwargs)
    assert caught.value.reason == reason, str(caught.value)
    assert str(caught.value)
    return caught.value


def test_loopback_is_refused_before_any_connection(server):
    refused(f"{base(server)}/ok")
    refused(f"http://localhost:{server.server_address[1]}/ok")  # after DNS
    refused(f"http://[::1]:{server.server_address[1]}/ok")
    assert server.requests == []


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.10",
        "100.64.0.1",  # carrier-grade NAT
        "169.254.169.254",  # cloud metadata (link-local)
        "0.0.0.0",
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    ],
)
def test_private_link_local_multicast_and_reserved_addresses_are_refused(address):
    assert not address_allowed(address)


def test_public_addresses_are_allowed():
    assert address_allowed("93.184.216.34")
    assert address_allowed("2606:4700:4700::1111")


def test_a_host_name_is_refused_when_any_of_its_addresses_is_private(monkeypatch):
    answers = {
        "metadata.example.test": ["169.254.169.254"],
        "mixed.example.test": ["93.184.216.34", "10.0.0.7"],
        "intranet.example.test": ["192.168.0.5"],
    }

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in answers[host]
        ]

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", fake_getaddrinfo)
    for host in answers:
        refused(f"https://{host}/publiccode.yml")


def test_only_https_outside_tests(settings, server, tmp_path):
    settings.FETCH_ALLOW_HTTP = False
    settings.FETCH_ALLOW_FILE_URLS = False
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    refused(f"{base(server)}/ok", reason="scheme")
    (tmp_path / "secret").write_text("x")
    refused(f"file://{tmp_path}/secret", reason="scheme")
    for url in ("ftp://example.test/x", "gopher://example.test/", "javascript:x"):
        refused(url, reason="scheme")
    refused("https://user:pass@example.test/", reason="scheme")
    assert server.requests == []


def test_an_opened_server_answers(server, open_loopback_server):
    result = fetch(f"{base(server)}/ok")
    assert result.content == b"hello"
    assert fetch(f"{base(server)}/redirect-same").content == b"hello"
    refused(f"{base(server)}/missing", reason="not_found")


def test_redirects_to_private_addresses_are_refused(server, open_loopback_server):
    refused(f"{base(server)}/redirect-loopback")
    refused(f"{base(server)}/redirect-to/http://169.254.169.254/latest/meta-data/")
    refused(f"{base(server)}/redirect-to/http://10.0.0.1/")
    refused(f"{base(server)}/redirect-to/file:///etc/passwd", reason="scheme")
    refused(f"{base(server)}/redirect-loop", reason="redirects")
    # Only the redirecting server itself was asked anything.
    assert all(path.startswith("/redirect") for path in server.requests)


def test_oversize_answers_are_refused(server, open_loopback_server):
    refused(f"{base(server)}/big", reason="too_large", max_bytes=1000)
    refused(f"{base(server)}/big-unannounced", reason="too_large", max_bytes=1000)
    assert len(fetch(f"{base(server)}/big", max_bytes=5000).content) == 5000


def test_slow_and_trickling_servers_time_out(server, open_loopback_server):
    started = time.monotonic()
    refused(f"{base(server)}/slow", reason="timeout", timeout=0.5)
    refused(f"{base(server)}/trickle", reason="timeout", timeout=1)
    assert time.monotonic() - started < 4


# A fetch given timeout=1 ends by then: one second of cap, one of margin for a
# busy machine (before the deadline covered headers, these took 12 s and more).
CAP = 2.0


def within(seconds, url, **kwargs) -> FetchError:
    """The fetch fails with the timeout message no later than `seconds`."""
    started = time.monotonic()
    error = refused(url, reason="timeout", **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"{url} held the fetch {elapsed:.1f} s"
    return error


def test_a_server_trickling_its_headers_is_cut_off_at_the_cap(
    server, open_loopback_server
):
    error = within(CAP, f"{base(server)}/trickle-headers", timeout=1)
    assert str(error) == "The server did not answer within 1 seconds."


def test_a_server_trickling_its_status_line_is_cut_off_at_the_cap(
    server, open_loopback_server
):
    within(CAP, f"{base(server)}/trickle-status", timeout=1)


def test_the_cap_covers_every_redirect_hop_together(server, open_loopback_server):
    within(CAP, f"{base(server)}/slow-redirect/0", timeout=1)
    assert len(server.requests) <= 3


def slow_name_server(monkeypatch) -> None:
    """slow-dns.example.test answers after 3 s (a public address); other names
    are looked up as usual."""
    real = socket.getaddrinfo

    def slow_getaddrinfo(host, port, *args, **kwargs):
        if host == "slow-dns.example.test":
            time.sleep(3)
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", slow_getaddrinfo)


def test_a_slow_name_server_is_cut_off_at_the_cap(monkeypatch):
    """A publisher's name server that takes its time: the lookup is abandoned."""
    slow_name_server(monkeypatch)
    within(CAP, "https://slow-dns.example.test/publiccode.yml", timeout=1)


def _certificate_for_loopback() -> tuple[bytes, bytes]:
    """A self-signed certificate (PEM) and its key for https://127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


@pytest.fixture
def tls_server(tmp_path, monkeypatch, open_loopback_server):
    """The same server over https, with a certificate the fetcher is told to trust."""
    certificate, key = _certificate_for_loopback()
    (tmp_path / "cert.pem").write_bytes(certificate)
    (tmp_path / "key.pem").write_bytes(key)
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    trusting = ssl.create_default_context

    def create_default_context(*args, **kwargs):
        context = trusting(*args, **kwargs)
        context.load_verify_locations(cadata=certificate.decode())
        return context

    monkeypatch.setattr(
        fetch_module.ssl, "create_default_context", create_default_context
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = served.wrap_socket(
        httpd.socket, server_side=True, do_handshake_on_connect=False
    )
    httpd.daemon_threads = True
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_over_https_a_trickling_server_is_cut_off_at_the_cap(tls_server):
    assert fetch(f"{tls_server}/ok").content == b"hello"
    within(CAP, f"{tls_server}/trickle-headers", timeout=1)
    within(CAP, f"{tls_server}/trickle", timeout=1)


def test_a_server_that_never_completes_the_handshake_is_cut_off(
    open_loopback_server,
):
    """It accepts the connection and says nothing (TLS) or nothing more (HTTP)."""
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    try:
        within(CAP, f"https://127.0.0.1:{port}/", timeout=1)
        within(CAP, f"http://127.0.0.1:{port}/", timeout=1)
    finally:
        silent.close()


def test_git_refuses_private_hosts_and_disallowed_schemes(settings, server, tmp_path):
    with pytest.raises(FetchError) as caught:
        GitCheckout(f"{base(server)}/repo.git")
    assert caught.value.reason == "refused_address"
    settings.FETCH_ALLOW_FILE_URLS = False
    with pytest.raises(FetchError) as caught:
        GitCheckout(f"file://{tmp_path}")
    assert caught.value.reason == "scheme"
    assert server.requests == []


def test_git_does_not_follow_a_server_elsewhere(server, open_loopback_server):
    """Even an opened server's redirect is not followed by git."""
    with pytest.raises(FetchError) as caught:
        with GitCheckout(f"{base(server)}/redirect-loopback"):
            pass
    assert caught.value.reason == "unreachable"
    assert not any("127.0.0.2" in path for path in server.requests)


def processes_naming(text: str) -> list[int]:
    """Ids of the running processes whose command line contains `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue  # ended meanwhile
    return found


def test_git_is_stopped_at_the_cap_with_every_process_it_started(
    settings, server, open_loopback_server
):
    """git's https helper keeps downloading when only git is killed."""
    settings.FETCH_GIT_TIMEOUT = 1
    url = f"{base(server)}/trickle-git/{time.monotonic_ns()}.git"
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        with GitCheckout(url):
            pass
    assert caught.value.reason == "timeout"
    assert str(caught.value) == "The repository did not answer within 1 seconds."
    assert time.monotonic() - started < CAP
    assert any(path.startswith("/trickle-git/") for path in server.requests)
    time.sleep(0.2)
    assert processes_naming(url) == []


def test_git_gives_up_on_a_slow_name_server_at_the_cap(settings, monkeypatch):
    settings.FETCH_GIT_TIMEOUT = 1
    slow_name_server(monkeypatch)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        GitCheckout("https://slow-dns.example.test/bandung/laporan.git")
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < CAP
