"""Fetching a schedule by its address: only http(s), never an address inside a private network
(checked after resolving the name, and again on every redirect), a size limit. Real resolution
of literal addresses and a real local server; the local server is reachable only when a test
widens which addresses are allowed."""

from __future__ import annotations

import http.server
import ipaddress
import threading

import pytest

from organizer.services.imports.fetch import FetchRefused, fetch_limited, is_public_address

BODY = b'{"schedule": {"conference": {"title": "x", "days": []}}}'


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/schedule.json":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)
        elif self.path == "/big":
            self.send_response(200)  # no Content-Length: the reader counts
            self.end_headers()
            self.wfile.write(b"x" * 300_000)
        elif self.path == "/loop":
            self.send_response(301)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.path.split("to=", 1)[1])
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def only_loopback_one(address) -> bool:
    return address == ipaddress.ip_address("127.0.0.1")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/schedule.json",
        "http://localhost/schedule.json",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",  # 127.0.0.1 written as one number
    ],
)
def test_private_addresses_are_refused(app, url):
    with pytest.raises(FetchRefused) as caught:
        fetch_limited(url, max_bytes=1000)
    assert (
        "private network" in caught.value.errors["url"]
        or "could not be found" in (caught.value.errors["url"])
    )


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/x", "file:///etc/passwd", "gopher://x/", "http://user:pw@example.org/"],
)
def test_other_schemes_and_credentials_are_refused(app, url):
    with pytest.raises(FetchRefused):
        fetch_limited(url, max_bytes=1000)


def test_a_local_server_is_refused(app, server):
    with pytest.raises(FetchRefused) as caught:
        fetch_limited(f"{server}/schedule.json", max_bytes=1000)
    assert "private network (127.0.0.1)" in caught.value.errors["url"]


def test_public_addresses_are_allowed():
    assert is_public_address(ipaddress.ip_address("93.184.216.34"))
    assert is_public_address(ipaddress.ip_address("2606:4700::1111"))
    assert not is_public_address(ipaddress.ip_address("::ffff:10.0.0.1"))


def test_a_fetch_returns_the_body_within_the_limit(app, server):
    body = fetch_limited(f"{server}/schedule.json", max_bytes=1000, allowed=only_loopback_one)
    assert body == BODY
    with pytest.raises(FetchRefused) as caught:
        fetch_limited(f"{server}/schedule.json", max_bytes=10, allowed=only_loopback_one)
    assert "larger than" in caught.value.errors["url"]
    with pytest.raises(FetchRefused):  # no Content-Length: stopped while reading
        fetch_limited(f"{server}/big", max_bytes=100_000, allowed=only_loopback_one)
    with pytest.raises(FetchRefused) as caught:
        fetch_limited(f"{server}/missing", max_bytes=1000, allowed=only_loopback_one)
    assert "404" in caught.value.errors["url"]


def test_redirects_are_followed_and_checked_the_same_way(app, server):
    ok = f"{server}/redirect?to={server}/schedule.json"
    assert fetch_limited(ok, max_bytes=1000, allowed=only_loopback_one) == BODY
    for target in (
        "http://10.0.0.1/schedule.json",
        "http://169.254.169.254/",
        "file:///etc/passwd",
    ):
        with pytest.raises(FetchRefused):
            fetch_limited(
                f"{server}/redirect?to={target}", max_bytes=1000, allowed=only_loopback_one
            )
    loop = f"{server}/loop"
    with pytest.raises(FetchRefused) as caught:
        fetch_limited(loop, max_bytes=1000, allowed=only_loopback_one)
    assert "too many" in caught.value.errors["url"]
