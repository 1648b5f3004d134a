"""``scnekit workshop`` without a browser: validation first, the dashboard, the Voilà command."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import urllib.request
from pathlib import Path

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
    command = workshop.voila_command(notebook, "127.0.0.1", 8866, "")
    assert "--no-browser" in command and "--Voila.ip=127.0.0.1" in command
    assert "--Voila.port_retries=0" in command and "--show_tracebacks=False" in command
    template = (tmp_path / "voila" / "templates" / workshop.TEMPLATE / "index.html.j2").read_text()
    assert "cdn.jsdelivr.net' not in line" in template


def test_other_hosts_get_a_token() -> None:
    assert workshop._is_loopback("127.0.0.1") and workshop._is_loopback("localhost")
    assert workshop._is_loopback("::1")
    assert not workshop._is_loopback("0.0.0.0") and not workshop._is_loopback("192.0.2.7")


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
