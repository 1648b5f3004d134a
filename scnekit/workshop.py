"""Serve a scenario file's workshop dashboard with Voilà: let no one in, no browser, no CDN.

``scnekit workshop FILE`` validates the file, writes the dashboard notebook (the same
code as ``examples/workshop.ipynb``), a CDN-free template and a ``voila.json`` to a
private temporary folder and runs Voilà on it until Ctrl-C. The data are negotiating
positions, so, on 127.0.0.1 as on a room's network:

- a random token (new each run, in the printed URL) is needed to open the page;
- a request whose ``Host`` is not this server's address, or whose ``Origin`` is not the
  page's own, is refused (403), the kernel websocket included: no DNS rebinding, no other
  site driving a participant's browser (:class:`Admission`, checked by
  ``WorkshopIdentityProvider`` in the Voilà process);
- at most ``max_kernels`` kernels run at once (each page load starts one); the next page
  load is refused with 503 and says why (``WorkshopKernelManager``).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from . import load
from .errors import UsageError
from .limits import DEFAULT as DEFAULT_LIMITS

#: The dashboard's only code cell; ``examples/workshop.ipynb`` holds the same source.
DASHBOARD_SOURCE = '''\
# The workshop dashboard: only the Explorer, no code visible in Voila.
# Serve it with `scnekit workshop FILE`, or set SCNEKIT_FILE and run `voila workshop.ipynb`.
import os

import scnekit
from scnekit.widgets import Explorer

file = os.environ.get("SCNEKIT_FILE", "syria_scne.yaml")
raised = [option for option in os.environ.get("SCNEKIT_LIMITS", "").split(",") if option]
try:
    explorer = Explorer(scnekit.load(file, limits=scnekit.Limits().with_options(raised)))
except scnekit.ScnekitError as err:
    print(err)
else:
    display(explorer)'''

TEMPLATE = "scnekit"
# Voilà's lab template links Font Awesome from a CDN (the widgets bundle their own copy),
# and nbconvert's imports mermaid from one when a page has a diagram (this one has none).
_TEMPLATE_INDEX = """\
{%- extends 'voila/templates/lab/index.html.j2' -%}
{%- block notebook_css -%}
{%- for line in super().split('\\n') if 'cdn.jsdelivr.net' not in line %}
{{ line }}
{%- endfor %}
{%- endblock notebook_css -%}
{%- block html_head_js_mermaidjs -%}
{%- endblock html_head_js_mermaidjs -%}
"""
# Refusals (403, 503) say why; Voilà's own error page shows no reason and links a CDN.
_TEMPLATE_ERROR = """\
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ status_code }}: {{ status_message }}</title></head>
<body><h1>{{ status_code }}: {{ status_message }}</h1><p>{{ message }}</p></body>
</html>
"""
READY_SECONDS = 60.0
STOP_SECONDS = 10.0
# A page closed or reloaded stops its kernel; one that lost its connection (a laptop put to
# sleep, a crashed tab) does not: stop those kernels once no page has been connected for
# this long (the Explorer's autosave keeps what was typed).
CULL_SECONDS = 600
#: Kernels running at once (one per page load) unless ``--max-kernels`` says otherwise:
#: a room of 20 to 25 people, each with one page open, and some reloads.
DEFAULT_MAX_KERNELS = 30
FULL_WAIT_SECONDS = 5.0  # how long a page load at the cap waits for a place before the refusal
TOKEN_BYTES = 16
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_ALL_INTERFACES = ("", "0.0.0.0", "::")  # noqa: S104
# The classes Voilà loads by name from this module (see ``__getattr__`` at the end).
IDENTITY_PROVIDER = "scnekit.workshop.WorkshopIdentityProvider"
KERNEL_MANAGER = "scnekit.workshop.WorkshopKernelManager"


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
    (template / "error.html").write_text(_TEMPLATE_ERROR, encoding="utf-8")
    notebook = folder / "workshop.ipynb"
    notebook.write_text(json.dumps(dashboard_notebook(), indent=1) + "\n", encoding="utf-8")
    return notebook


def voila_command(notebook: Path, host: str, port: int) -> list[str]:
    """The Voilà command line: no browser, one port (no retries), sources hidden, no leaks.

    Voilà reads its other settings only from the ``voila.json`` next to ``notebook``
    (:func:`voila_config`): not from the current folder or ~/.jupyter, and the token is
    not on a command line that every user of the machine can read.
    """
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}",
            "--Voila.port_retries=0", f"--Voila.ip={host}", f"--Voila.config_file_paths={notebook.parent}",
            f"--template={TEMPLATE}", "--theme=light", "--strip_sources=True",
            "--show_tracebacks=False", f"--MappingKernelManager.cull_idle_timeout={CULL_SECONDS}",
            "--MappingKernelManager.cull_interval=60"]


def voila_config(host: str, port: int, token: str, max_kernels: int) -> dict[str, Any]:
    """Voilà's ``voila.json``: the token, the Host/Origin check, the kernel cap, no file serving.

    On loopback jupyter_server's own Host check is on too (``allow_remote_access``: loopback
    addresses and ``localhost`` only); it cannot allow a room's address, so there only
    :class:`Admission` checks the Host. ``samesite=Strict`` keeps other sites' pages from
    using the login cookie. The XSRF check is off: Voilà's page never gets its ``_xsrf``
    cookie, so the "stop my kernel" it sends on closing was refused and the kernel kept its
    place for 10 minutes; the Origin check and the Strict cookie refuse other sites' POSTs.
    """
    admission = Admission.listening_on(host, port)
    return {
        "Voila": {"token": token, "identity_provider_class": IDENTITY_PROVIDER,
                  "tornado_settings": {"allow_remote_access": not _is_loopback(host),
                                       "local_hostnames": ["localhost"], "disable_check_xsrf": True}},
        "VoilaConfiguration": {"multi_kernel_manager_class": KERNEL_MANAGER, "file_allowlist": []},
        "WorkshopIdentityProvider": {"host_names": sorted(admission.names), "port": port,
                                     "any_ip": admission.any_ip, "cookie_options": {"samesite": "Strict"}},
        "WorkshopKernelManager": {"max_kernels": max_kernels},
    }


def serve(file: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8866,
          max_kernels: int | None = None, limits: list[str] | None = None) -> int:
    """Validate ``file`` and serve its dashboard with Voilà until Ctrl-C; returns an exit code.

    ``max_kernels`` (default :data:`DEFAULT_MAX_KERNELS`) bounds the kernels running at once;
    ``limits`` are ``NAME=N`` raises of the input limits (the CLI's ``--limit``), for the
    file and for every page's explorer.
    Raises :class:`~scnekit.errors.InputError` for an invalid file and
    :class:`~scnekit.errors.UsageError` when Voilà is missing, the port is taken or
    ``max_kernels`` is below 1.
    """
    if not 1 <= port <= 65535:
        raise UsageError(f"--port must be from 1 to 65535, got {port}")
    path = Path(file).resolve()
    raised = list(limits or [])
    plan = load(path, limits=DEFAULT_LIMITS.with_options(raised))
    max_kernels = DEFAULT_MAX_KERNELS if max_kernels is None else max_kernels
    if max_kernels < 1:
        raise UsageError("--max-kernels must be at least 1")
    _require_voila()
    _require_free(host, port)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with tempfile.TemporaryDirectory(prefix="scnekit-workshop-") as tmp:  # readable by this user only
        notebook = prepare(Path(tmp))
        config = voila_config(host, port, token, max_kernels)
        (Path(tmp) / "voila.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
        env = {**os.environ, "SCNEKIT_FILE": str(path), "SCNEKIT_LIMITS": ",".join(raised),
               "PYDEVD_DISABLE_FILE_VALIDATION": "1",
               "JUPYTER_PATH": os.pathsep.join(p for p in (tmp, os.environ.get("JUPYTER_PATH")) if p)}
        with _stopped_on_sigterm():
            proc = subprocess.Popen(voila_command(notebook, host, port), env=env)
            try:
                if _wait_listening(proc, host, port):
                    print(f"scnekit: workshop '{plan.name}' is served at {served_url(host, port, token)}  "
                          f"({_reach_note(host)}Ctrl-C to stop)", flush=True)
                return proc.wait()
            except KeyboardInterrupt:
                return 0
            finally:
                _stop(proc)


def served_url(host: str, port: int, token: str) -> str:
    """The URL to open on this machine (the token logs the browser in)."""
    return f"http://{_url_host(_reachable(host))}:{port}/?token={token}"


def _reach_note(host: str) -> str:
    if host in _ALL_INTERFACES:
        return "from other machines: this machine's name or address in place of the loopback one; "
    return ""


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


def _reachable(host: str) -> str:
    """The address that reaches ``host`` from this machine (loopback for all interfaces)."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)  # noqa: S104


def _wait_listening(proc: subprocess.Popen[bytes], host: str, port: int) -> bool:
    """Wait until Voilà accepts connections; False if it exits or takes too long."""
    target = _reachable(host)
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


# -- Who may come in: checked inside the Voilà process ------------------------------------

_HOST_HEADER = re.compile(r"(\[[^\]]*\]|[^:\[\]]*)(?::(\d{1,5}))?")
_VOILA_CLASSES = ("WorkshopIdentityProvider", "WorkshopKernelManager")


@dataclass(frozen=True)
class Admission:
    """Which ``Host`` and ``Origin`` headers the workshop answers.

    ``Host`` must name this server: one of ``names`` (lower case, IPv6 without brackets)
    with ``port`` (no port: 80) or, when it listens on all interfaces (``any_ip``), any
    IP address with ``port``. DNS rebinding brings requests whose Host is the attacker's
    name; a browser puts an address in Host only when it asked for that address itself.
    ``Origin``, when sent, must be ``http://`` and that same Host: the page's own.
    """

    names: frozenset[str]
    port: int
    any_ip: bool = False

    @classmethod
    def listening_on(cls, host: str, port: int) -> Admission:
        """Loopback names and ``host``; off loopback also this machine's name; any IP on all interfaces."""
        names = set(_LOOPBACK_NAMES)
        if host not in _ALL_INTERFACES:
            names.add(host.strip("[]").lower())
        if not _is_loopback(host):
            names.add(socket.gethostname().lower())
        return cls(frozenset(names), port, any_ip=host in _ALL_INTERFACES)

    def refusal(self, host: str, origin: str | None) -> str | None:
        """Why a request with these headers is refused, or None to serve it."""
        if not self._names_this_server(host):
            return f"Host {host!r} is not this workshop's address"
        if origin is not None and origin.lower() != f"http://{host.lower()}":
            return f"Origin {origin!r} is not this workshop's page"
        return None

    def _names_this_server(self, host: str) -> bool:
        match = _HOST_HEADER.fullmatch(host.lower())
        if match is None or int(match.group(2) or 80) != self.port:
            return False
        name = match.group(1).strip("[]")
        return name in self.names or (self.any_ip and _is_ip(name))


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def kernels_full_message(max_kernels: int) -> str:
    """What a page load beyond the kernel cap answers (HTTP 503)."""
    return (f"The workshop is full: it runs at most {max_kernels} dashboard{'s' if max_kernels != 1 else ''} "
            "at once (scnekit workshop --max-kernels). A closed tab frees its place at once, a lost "
            f"connection within {CULL_SECONDS // 60} minutes: try again then, or ask the facilitator.")


def __getattr__(name: str) -> type:
    """``WorkshopIdentityProvider`` and ``WorkshopKernelManager``, which Voilà loads by name
    (:data:`IDENTITY_PROVIDER`, :data:`KERNEL_MANAGER`); made on first use, as they subclass
    jupyter_server's classes and only the Voilà process has jupyter_server."""
    if name not in _VOILA_CLASSES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _voila_classes()[name]


@functools.cache
def _voila_classes() -> dict[str, type]:
    from jupyter_server.auth.identity import PasswordIdentityProvider, User
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from tornado import web
    from traitlets import Bool, Integer, List, Unicode

    class WorkshopIdentityProvider(PasswordIdentityProvider):
        """Voilà's token login, after refusing (403) what :class:`Admission` refuses."""

        host_names = List(Unicode(), config=True, help="Host names and addresses of this server.")
        port = Integer(0, config=True, help="The port this server listens on.")
        any_ip = Bool(False, config=True, help="Whether any IP address is a Host of this server.")

        def get_user(self, handler: web.RequestHandler) -> User | Awaitable[User | None] | None:
            admission = Admission(frozenset(self.host_names), self.port, self.any_ip)
            refusal = admission.refusal(handler.request.host, handler.request.headers.get("Origin"))
            if refusal is not None:
                handler.current_user = None  # as jupyter_server's Host check does: the error page asks
                raise web.HTTPError(403, "%s", refusal)
            return super().get_user(handler)

    class WorkshopKernelManager(AsyncMappingKernelManager):
        """Voilà's kernel manager, refusing (503) to run more than ``max_kernels`` kernels."""

        max_kernels = Integer(DEFAULT_MAX_KERNELS, config=True, help="Kernels running at once, at most.")
        _starting = 0  # starts under way, not yet counted by len(self)

        # async like jupyter_server's own, which jupyter_client's stub types as blocking
        async def start_kernel(self, **kwargs: Any) -> str:  # type: ignore[override]
            if not await self._place_for_one_more():
                raise web.HTTPError(503, "%s", kernels_full_message(self.max_kernels))
            self._starting += 1  # no await since the count was checked: no other start in between
            try:
                return await super().start_kernel(**kwargs)
            finally:
                self._starting -= 1

        async def _place_for_one_more(self) -> bool:
            """Whether a kernel may start, waiting a little at the cap: a reloaded page stops
            its old kernel as the new one is asked for."""
            deadline = time.monotonic() + FULL_WAIT_SECONDS
            while len(self) + self._starting >= self.max_kernels:
                if time.monotonic() >= deadline:
                    return False
                await asyncio.sleep(0.2)
            return True

    return {"WorkshopIdentityProvider": WorkshopIdentityProvider, "WorkshopKernelManager": WorkshopKernelManager}
