"""Serve a scenario file's workshop dashboard with Voilà: local only, no browser, no CDN.

``scnekit workshop FILE`` validates the file, writes the dashboard notebook (the same
code as ``examples/workshop.ipynb``) to a temporary folder and runs Voilà on it until
Ctrl-C. Voilà listens on 127.0.0.1 unless another host is asked for; on any other
host a random token guards the page, because the data are negotiating positions.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from . import load
from .errors import UsageError

#: The dashboard's only code cell; ``examples/workshop.ipynb`` holds the same source.
DASHBOARD_SOURCE = '''\
# The workshop dashboard: only the Explorer, no code visible in Voila.
# Serve it with `scnekit workshop FILE`, or set SCNEKIT_FILE and run `voila workshop.ipynb`.
import os

import scnekit
from scnekit.widgets import Explorer

file = os.environ.get("SCNEKIT_FILE", "syria_scne.yaml")
try:
    explorer = Explorer(scnekit.load(file))
except scnekit.InputError as err:
    print(err)
else:
    display(explorer)'''

TEMPLATE = "scnekit"
# Voilà's lab template links Font Awesome from a CDN; the widgets bundle their own copy.
_TEMPLATE_INDEX = """\
{%- extends 'voila/templates/lab/index.html.j2' -%}
{%- block notebook_css -%}
{%- for line in super().split('\\n') if 'cdn.jsdelivr.net' not in line %}
{{ line }}
{%- endfor %}
{%- endblock notebook_css -%}
"""
READY_SECONDS = 60.0
STOP_SECONDS = 10.0
# Voilà keeps a page's kernel after the page is closed or reloaded; stop those kernels once
# no page has been connected for this long (the Explorer's autosave keeps what was typed).
CULL_SECONDS = 600


def dashboard_notebook() -> dict[str, object]:
    """The workshop dashboard as a notebook document (nbformat 4, no outputs)."""
    return {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "explorer", "metadata": {},
                   "outputs": [], "source": DASHBOARD_SOURCE.splitlines(keepends=True)}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def prepare(folder: Path) -> Path:
    """Write the dashboard notebook and the CDN-free Voilà template into ``folder``."""
    template = folder / "voila" / "templates" / TEMPLATE
    template.mkdir(parents=True)
    (template / "conf.json").write_text(json.dumps({"base_template": "lab"}), encoding="utf-8")
    (template / "index.html.j2").write_text(_TEMPLATE_INDEX, encoding="utf-8")
    notebook = folder / "workshop.ipynb"
    notebook.write_text(json.dumps(dashboard_notebook(), indent=1) + "\n", encoding="utf-8")
    return notebook


def voila_command(notebook: Path, host: str, port: int, token: str) -> list[str]:
    """The Voilà command line: no browser, one port (no retries), sources hidden, no leaks."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
            "--Voila.port_retries=0", f"--Voila.ip={host}", f"--Voila.token={token}",
            f"--template={TEMPLATE}", "--theme=light", "--strip_sources=True",
            "--show_tracebacks=False", f"--MappingKernelManager.cull_idle_timeout={CULL_SECONDS}",
            "--MappingKernelManager.cull_interval=60"]


def serve(file: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8866) -> int:
    """Validate ``file`` and serve its dashboard with Voilà until Ctrl-C; returns an exit code.

    Raises :class:`~scnekit.errors.InputError` for an invalid file and
    :class:`~scnekit.errors.UsageError` when Voilà is missing or the port is taken.
    """
    path = Path(file).resolve()
    plan = load(path)
    _require_voila()
    _require_free(host, port)
    token = "" if _is_loopback(host) else secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="scnekit-workshop-") as tmp:
        notebook = prepare(Path(tmp))
        env = {**os.environ, "SCNEKIT_FILE": str(path), "PYDEVD_DISABLE_FILE_VALIDATION": "1",
               "JUPYTER_PATH": os.pathsep.join(p for p in (tmp, os.environ.get("JUPYTER_PATH")) if p)}
        with _stopped_on_sigterm():
            proc = subprocess.Popen(voila_command(notebook, host, port, token), env=env)
            try:
                if _wait_listening(proc, host, port):
                    url = f"http://{_url_host(host)}:{port}/" + (f"?token={token}" if token else "")
                    print(f"scnekit: workshop '{plan.name}' is served at {url}  (Ctrl-C to stop)",
                          flush=True)
                return proc.wait()
            except KeyboardInterrupt:
                return 0
            finally:
                _stop(proc)


def _require_voila() -> None:
    try:
        import voila  # noqa: F401
    except ImportError as err:
        raise UsageError("the workshop needs Voilà: pip install 'scnekit[jupyter]'") from err


def _require_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as err:
            raise UsageError(f"cannot listen on {host}:{port} ({err.strerror}); "
                             "choose another --port or --host") from err


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _wait_listening(proc: subprocess.Popen[bytes], host: str, port: int) -> bool:
    """Wait until Voilà accepts connections; False if it exits or takes too long."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104
    deadline = time.monotonic() + READY_SECONDS
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection((target, port), timeout=1.0):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Let Voilà shut its kernels down (Ctrl-C reached it too); else SIGTERM, then kill."""
    for action, seconds in ((None, 2.0), (proc.terminate, STOP_SECONDS), (proc.kill, None)):
        if proc.poll() is not None:
            return
        if action is not None:
            action()
        try:
            proc.wait(seconds)
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def _stopped_on_sigterm() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so that Voilà and its kernels are stopped too."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
