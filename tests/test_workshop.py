"""``scnekit workshop`` without a browser: validation first, the dashboard, the Voilà command,
and a real Voilà that lets no one in: token, Host and Origin checks, a kernel cap, no CDN."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from scnekit import workshop
from scnekit.errors import UsageError
from tests.browser import servers
from tests.support.paths import EXAMPLE, run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_invalid_file_exits_2_with_every_problem_and_starts_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scnekit: 1\nname: broken\nhorizon: {phases: 0}\n", encoding="utf-8")
    run = run_cli("workshop", str(bad), "--port", "1")
    assert run.returncode == 2
    assert "bad.yaml" in run.stderr and "problem" in run.stderr
    assert "Traceback" not in run.stderr and "Voil" not in run.stdout + run.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    run = run_cli("workshop", str(tmp_path / "nowhere.yaml"))
    assert run.returncode == 2 and "Traceback" not in run.stderr


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(UsageError, match=f"127.0.0.1:{port}"):
            workshop.serve(EXAMPLE, port=port)


def test_examples_workshop_notebook_is_the_served_dashboard() -> None:
    committed = json.loads((ROOT / "examples" / "workshop.ipynb").read_text(encoding="utf-8"))
    assert committed["cells"] == workshop.dashboard_notebook()["cells"]


def test_voila_is_local_quiet_and_without_a_cdn(tmp_path: Path) -> None:
    notebook = workshop.prepare(tmp_path)
    command = workshop.voila_command(notebook, "127.0.0.1", 8866)
    assert "--no-browser" in command and "--Voila.ip=127.0.0.1" in command
    assert "--Voila.port_retries=0" in command and "--show_tracebacks=False" in command
    assert f"--Voila.config_file_paths={tmp_path}" in command  # only our voila.json, not ./voila.py
    assert not any("token" in part for part in command)  # other users of the machine see command lines
    template = tmp_path / "voila" / "templates" / workshop.TEMPLATE
    assert "cdn.jsdelivr.net' not in line" in (template / "index.html.j2").read_text()
    assert "block html_head_js_mermaidjs -%}\n{%- endblock" in (template / "index.html.j2").read_text()
    assert "http" not in (template / "error.html").read_text()


def test_loopback_hosts_are_recognised() -> None:
    assert workshop._is_loopback("127.0.0.1") and workshop._is_loopback("localhost")
    assert workshop._is_loopback("::1")
    assert not workshop._is_loopback("0.0.0.0") and not workshop._is_loopback("192.0.2.7")


def test_voila_config_has_a_token_the_checks_and_the_cap() -> None:
    config = workshop.voila_config("127.0.0.1", 8866, "t0k3n", 7)
    assert config["Voila"]["token"] == "t0k3n"
    assert config["Voila"]["tornado_settings"]["allow_remote_access"] is False  # jupyter_server's own check
    assert config["Voila"]["tornado_settings"]["disable_check_xsrf"] is True  # the Origin check does it
    assert config["Voila"]["identity_provider_class"] == workshop.IDENTITY_PROVIDER
    assert config["VoilaConfiguration"]["multi_kernel_manager_class"] == workshop.KERNEL_MANAGER
    assert config["VoilaConfiguration"]["file_allowlist"] == []
    assert config["WorkshopKernelManager"] == {"max_kernels": 7}
    guard = config["WorkshopIdentityProvider"]
    assert guard["host_names"] == ["127.0.0.1", "::1", "localhost"] and guard["port"] == 8866
    assert guard["any_ip"] is False and guard["cookie_options"] == {"samesite": "Strict"}
    room = workshop.voila_config("0.0.0.0", 8866, "t0k3n", 7)
    assert room["Voila"]["tornado_settings"]["allow_remote_access"] is True
    assert room["WorkshopIdentityProvider"]["any_ip"] is True


def test_voila_loads_the_guard_classes_by_name() -> None:
    from jupyter_server.auth.identity import PasswordIdentityProvider
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from traitlets.utils.importstring import import_item

    assert issubclass(import_item(workshop.IDENTITY_PROVIDER), PasswordIdentityProvider)
    assert issubclass(import_item(workshop.KERNEL_MANAGER), AsyncMappingKernelManager)
    with pytest.raises(AttributeError):
        workshop.NoSuchThing


@pytest.mark.parametrize(("host", "origin"), [
    ("127.0.0.1:8866", None), ("localhost:8866", None), ("[::1]:8866", None), ("LOCALHOST:8866", None),
    ("127.0.0.1:8866", "http://127.0.0.1:8866"), ("[::1]:8866", "http://[::1]:8866"),
])
def test_loopback_admits_its_own_names_and_page(host: str, origin: str | None) -> None:
    assert workshop.Admission.listening_on("127.0.0.1", 8866).refusal(host, origin) is None


@pytest.mark.parametrize(("host", "origin"), [
    ("evil.example.com:8866", None),  # DNS rebinding: the attacker's name, this machine's address
    ("evil.example.com", None), ("localhost.evil.example.com:8866", None), ("127.0.0.1:8867", None),
    ("127.0.0.1", None), ("192.0.2.7:8866", None), (socket.gethostname() + ":8866", None), ("", None),
    ("127.0.0.1:8866:1", None), ("::1:8866", None),
    ("127.0.0.1:8866", "http://evil.example.com"), ("127.0.0.1:8866", "null"),
    ("127.0.0.1:8866", "https://127.0.0.1:8866"), ("127.0.0.1:8866", "http://localhost:8866"),
])
def test_loopback_refuses_other_hosts_and_origins(host: str, origin: str | None) -> None:
    assert workshop.Admission.listening_on("127.0.0.1", 8866).refusal(host, origin)


def test_a_room_s_network_admits_the_address_and_this_machine_s_name() -> None:
    name = socket.gethostname()
    one = workshop.Admission.listening_on("192.0.2.7", 8866)
    assert one.refusal("192.0.2.7:8866", "http://192.0.2.7:8866") is None
    assert one.refusal(f"{name}:8866", None) is None and one.refusal("localhost:8866", None) is None
    assert one.refusal("198.51.100.9:8866", None) and one.refusal("evil.example.com:8866", None)
    every = workshop.Admission.listening_on("0.0.0.0", 80)
    assert every.refusal("198.51.100.9", None) is None and every.refusal("[2001:db8::1]", None) is None
    assert every.refusal(f"{name.upper()}:80", None) is None
    assert every.refusal("0.0.0.0:80", "http://0.0.0.0") and every.refusal("evil.example.com", None)
    assert every.refusal("198.51.100.9:81", None)


def test_max_kernels_below_one_is_a_usage_error() -> None:
    run = run_cli("workshop", str(EXAMPLE), "--max-kernels", "0")
    assert run.returncode == 2 and "--max-kernels must be at least 1" in run.stderr


def test_served_dashboard_is_local_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """A real `scnekit workshop`: the page hides code and links nothing elsewhere; Ctrl-C ends all."""
    scenario = tmp_path / "syria_scne.yaml"
    shutil.copy(EXAMPLE, scenario)
    with servers.workshop(scenario, tmp_path / "home") as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url, timeout=120) as answer:  # loopback only
            page = answer.read().decode()
        assert "scne" in page  # the Explorer's widgets are on the page ...
        assert "import scnekit" not in page  # ... and its code is not
        assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", page), "the page links elsewhere"
        started = servers.descendants(server.process.pid)
        assert any("ipykernel" in Path(f"/proc/{pid}/cmdline").read_text() for pid in servers.alive(started))
        os.killpg(server.process.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
        assert server.process.wait(30) == 0
        assert servers.alive(started) == []


# -- A real workshop server on loopback: who gets in --------------------------------------

WS_UPGRADE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
              "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
# XML namespace and RDF identifiers in Voilà's spinner SVG: names, never fetched.
IDENTIFIER = re.compile(r"""(?:xmlns(?::\w+)?|rdf:resource)=["'](https?://[^"']+)""")
ADDRESS = re.compile(r"""https?://[^\s"'<>()\\`]+""")


@dataclass
class Dashboard:
    """A running workshop, its printed URL and the page (and cookie) that URL gave."""

    server: servers.Server
    page: str
    cookie: str

    @property
    def port(self) -> int:
        return int(urlsplit(self.server.url).port or 0)

    @property
    def token(self) -> str:
        return parse_qs(urlsplit(self.server.url).query)["token"][0]

    @property
    def kernel_id(self) -> str:
        found = re.search(r'"kernelId": "([0-9a-f-]+)"', self.page)
        assert found, "no kernel id on the page"
        return found.group(1)

    def channels(self, with_token: bool = True) -> str:
        return f"/api/kernels/{self.kernel_id}/channels" + (f"?token={self.token}" if with_token else "")


def request(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """One GET to 127.0.0.1:``port`` with exactly these headers (Host included), no redirects."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # loopback only
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        body = b"" if answer.status == 101 else answer.read()  # 101: a websocket, left unread
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body.decode(errors="replace")
    finally:
        connection.close()


def post(port: int, path: str, headers: dict[str, str]) -> int:
    """The status of an empty POST to 127.0.0.1:``port`` (as the page's closing beacon)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)  # loopback only
    try:
        connection.request("POST", path, body=b"", headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def upgrade(port: int, path: str, headers: dict[str, str]) -> int:
    """The status of a kernel websocket handshake: 101 if it opens."""
    return request(port, path, {**WS_UPGRADE, **headers})[0]


def external_addresses(html: str, host: str) -> list[str]:
    """Every http(s) address in ``html`` that is neither on ``host`` nor an XML/RDF identifier."""
    identifiers = set(IDENTIFIER.findall(html))
    return sorted({url for url in ADDRESS.findall(html)
                   if url not in identifiers and urlsplit(url).hostname != host})


def kernels(server: servers.Server) -> list[int]:
    return [pid for pid in servers.alive(servers.descendants(server.process.pid))
            if "ipykernel" in Path(f"/proc/{pid}/cmdline").read_text()]


def open_as_printed(url: str) -> tuple[str, str]:
    """The page at the printed URL, exactly (urllib, as a click would), and its login cookie."""
    with urllib.request.urlopen(url, timeout=120) as answer:  # loopback only
        assert answer.status == 200 and answer.geturl() == url, "the printed URL did not open as printed"
        cookies = answer.headers.get_all("Set-Cookie") or []
        return answer.read().decode(), "; ".join(c.split(";", 1)[0] for c in cookies)


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    folder = tmp_path_factory.mktemp("guarded")
    shutil.copy(EXAMPLE, folder / "syria_scne.yaml")
    with servers.workshop(folder / "syria_scne.yaml", folder / "home") as server:
        page, cookie = open_as_printed(server.url)
        yield Dashboard(server, page, cookie)


def test_the_printed_url_carries_a_token_and_nothing_opens_without_it(dashboard: Dashboard) -> None:
    url, port = dashboard.server.url, dashboard.port
    assert re.fullmatch(rf"http://127\.0\.0\.1:{port}/\?token=[\w-]{{22,}}", url), url
    assert "scne" in dashboard.page and dashboard.cookie.startswith("username-")
    host = {"Host": f"127.0.0.1:{port}"}
    for path in ("/", "/?token=", f"/?token={dashboard.token[:-1]}"):
        status, headers, body = request(port, path, host)
        assert status == 302 and headers["location"].startswith("/login"), (path, status)
        assert "scne" not in body
    login = request(port, "/login", host)[2]
    assert "password" in login.lower() and "kernelId" not in login
    assert upgrade(port, dashboard.channels(with_token=False), host) == 403
    assert upgrade(port, dashboard.channels(), {**host, "Origin": f"http://127.0.0.1:{port}"}) == 101
    started = [pid for pid, _ in servers.descendants(dashboard.server.process.pid)]
    assert any("voila" in Path(f"/proc/{pid}/cmdline").read_text() for pid in started)
    for pid in [dashboard.server.process.pid, *started]:  # command lines are readable by every user
        assert dashboard.token not in Path(f"/proc/{pid}/cmdline").read_text()


def test_a_foreign_host_is_refused_page_and_kernel_websocket(dashboard: Dashboard) -> None:
    """DNS rebinding: a page at evil.example.com, resolved to 127.0.0.1, reaches this port."""
    port, path = dashboard.port, f"/?token={dashboard.token}"
    for evil in (f"evil.example.com:{port}", "evil.example.com", f"127.0.0.1.evil.example.com:{port}"):
        status, _, body = request(port, path, {"Host": evil})
        assert status == 403 and "kernelId" not in body and "scne" not in body, evil
        assert upgrade(port, dashboard.channels(), {"Host": evil, "Origin": f"http://{evil}"}) == 403
        assert upgrade(port, dashboard.channels(), {"Host": evil}) == 403
        assert request(port, "/login", {"Host": evil})[0] == 403
    for own in (f"localhost:{port}", f"[::1]:{port}"):  # this machine's loopback names are fine
        assert request(port, "/login", {"Host": own})[0] == 200
        assert upgrade(port, dashboard.channels(), {"Host": own, "Origin": f"http://{own}"}) == 101


def test_a_foreign_origin_is_refused(dashboard: Dashboard) -> None:
    """Another site's page may not drive a participant's browser here, with or without the token."""
    port, own = dashboard.port, f"127.0.0.1:{dashboard.port}"
    for origin in ("http://evil.example.com", "null", f"http://localhost:{port}"):
        headers = {"Host": own, "Origin": origin}
        status, _, body = request(port, f"/?token={dashboard.token}", headers)
        assert status == 403 and "kernelId" not in body, origin
        assert upgrade(port, dashboard.channels(), headers) == 403
        assert upgrade(port, dashboard.channels(with_token=False), {**headers, "Cookie": dashboard.cookie}) == 403
    same = {"Host": own, "Origin": f"http://{own}"}
    assert upgrade(port, dashboard.channels(with_token=False), {**same, "Cookie": dashboard.cookie}) == 101


def test_the_served_page_refers_to_nothing_outside_this_machine(dashboard: Dashboard) -> None:
    assert "cdn" not in dashboard.page.lower()
    assert external_addresses(dashboard.page, "127.0.0.1") == []
    assert external_addresses('<a href="https://cdn.example.net/x.js">', "127.0.0.1")  # the check sees them


def test_page_loads_beyond_max_kernels_are_refused_until_a_page_closes(tmp_path: Path, dashboard: Dashboard) -> None:
    shutil.copy(EXAMPLE, tmp_path / "syria_scne.yaml")
    with servers.workshop(tmp_path / "syria_scne.yaml", tmp_path / "home", "--max-kernels", "2") as server:
        token = parse_qs(urlsplit(server.url).query)["token"][0]
        assert token != dashboard.token, "the token must be new for each run"
        opened = [open_as_printed(server.url) for _ in range(2)]
        port = int(urlsplit(server.url).port or 0)
        own = {"Host": f"127.0.0.1:{port}"}
        status, _, body = request(port, f"/?token={token}", own)
        assert status == 503 and "--max-kernels" in body and "kernelId" not in body, body
        assert external_addresses(body, "127.0.0.1") == []
        assert len(kernels(server)) == 2
        # What the page sends on closing; another site cannot send it for the participant.
        page, cookie = opened[0]
        kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', page)
        assert kernel
        shutdown = f"/voila/api/shutdown/{kernel.group(1)}"
        assert post(port, shutdown, {**own, "Cookie": cookie, "Origin": "http://evil.example.com"}) == 403
        assert len(kernels(server)) == 2
        with ThreadPoolExecutor(1) as pool:  # a reload at the cap: the new page waits for the old one's place
            reload = pool.submit(request, port, f"/?token={token}", own)
            time.sleep(1)
            assert post(port, shutdown, {**own, "Cookie": cookie, "Origin": f"http://127.0.0.1:{port}"}) == 204
            status, _, body = reload.result()
        assert status == 200 and "kernelId" in body
        assert len(kernels(server)) == 2


def test_on_all_interfaces_this_machine_s_names_and_addresses_are_admitted(tmp_path: Path) -> None:
    """``--host 0.0.0.0`` (a room's network): only loopback is contacted by this test."""
    shutil.copy(EXAMPLE, tmp_path / "syria_scne.yaml")
    with servers.workshop(tmp_path / "syria_scne.yaml", tmp_path / "home", "--host", "0.0.0.0") as server:
        port = int(urlsplit(server.url).port or 0)
        assert server.url.startswith(f"http://127.0.0.1:{port}/?token=")
        assert "kernelId" in open_as_printed(server.url)[0]
        for own in (f"{socket.gethostname()}:{port}", f"192.0.2.7:{port}", f"localhost:{port}"):
            assert request(port, "/login", {"Host": own})[0] == 200, own
        assert request(port, "/login", {"Host": f"evil.example.com:{port}"})[0] == 403
        own = f"192.0.2.7:{port}"
        assert request(port, "/login", {"Host": own, "Origin": "http://evil.example.com"})[0] == 403
