"""The safe fetcher refuses to become a probe of private networks (#14).

A local HTTP server started here plays the publisher's server. Loopback is
refused by default, so tests that need the server to answer open exactly
127.0.0.1 through FETCH_ALLOWED_NETWORKS, and then check that what lies
behind it (other loopback addresses, private and link-local networks) stays
refused, on redirects too.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
        else:
            self.send_error(404)

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
