"""Start JupyterLab and the scnekit workshop (Voilà) as real servers on 127.0.0.1.

Every server gets its own HOME and Jupyter folders under a temporary folder, a free
port, and is always stopped (with its kernels) when the test is done. JupyterLab runs
without a token; the workshop makes its own, which is in the URL it prints.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

READY_SECONDS = 120.0
STACKS = "kernel-stacks.txt"  # in the server's folder: where its kernels dump their threads' stacks
# An IPython start-up file for the servers' kernels: SIGUSR1 writes every thread's stack to a
# file, so that a test whose page never settles can say where the kernel is.
DUMP_STACKS_ON_SIGUSR1 = """import faulthandler as _fh, signal as _sig
_scne_stacks = open({path!r}, "a")
_fh.register(_sig.SIGUSR1, file=_scne_stacks, all_threads=True)
"""
STOP_SECONDS = 15.0
VENV_BIN = str(Path(sys.executable).parent)


@dataclass
class Server:
    """A running server: its URL, process, log file and how long it took to be ready."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    ready_seconds: float

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def diagnosis(self) -> str:
        """The log's tail and the Python stack of every thread of every kernel the server
        started (each kernel dumps them on SIGUSR1, see :func:`isolated_env`)."""
        stacks = self.log.parent / STACKS
        for pid, _ in descendants(self.process.pid):
            if "ipykernel" in _cmdline(pid):
                os.kill(pid, signal.SIGUSR1)
        time.sleep(1.0)
        dumped = stacks.read_text(errors="replace") if stacks.exists() else "(no kernel dumped its stacks)"
        return f"{self.log_tail()}\nkernel threads:\n{dumped[-12000:]}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_env(root: Path) -> dict[str, str]:
    """An environment whose HOME and Jupyter/IPython folders all live under ``root``."""
    folders = {"HOME": "home", "JUPYTER_CONFIG_DIR": "jupyter-config", "JUPYTER_RUNTIME_DIR": "runtime",
               "JUPYTER_DATA_DIR": "jupyter-data", "IPYTHONDIR": "ipython",
               "JUPYTERLAB_SETTINGS_DIR": "lab-settings", "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    for name, sub in folders.items():
        (root / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(root / sub)
    startup = root / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-dump-stacks.py").write_text(DUMP_STACKS_ON_SIGUSR1.format(path=str(root / STACKS)))
    env["PATH"] = VENV_BIN + os.pathsep + env.get("PATH", "")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.pop("SCNEKIT_FILE", None)
    return env


def quiet_lab_settings(env: dict[str, str]) -> None:
    """No news pop-up, no update check in JupyterLab (user settings, read at start)."""
    folder = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")


@contextmanager
def running(command: list[str], env: dict[str, str], cwd: Path, log: Path,
            ready: Callable[[], str | None]) -> Iterator[Server]:
    """Run ``command`` until the test is done; ``ready`` returns the URL once it serves."""
    began = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        url = _wait(process, ready, log)
        yield Server(url, process, log, time.perf_counter() - began)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    """Stop the server and everything it started (kernels run in sessions of their own)."""
    started = descendants(process.pid)
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for pid in alive(started):
        os.kill(pid, signal.SIGKILL)
    return process.returncode


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state, ppid, ...), or None if gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(pid: int) -> list[tuple[int, str]]:
    """Every process below ``pid`` (children, their children, ...) with its start time."""
    table = {int(p.name): fields for p in Path("/proc").glob("[0-9]*") if (fields := _stat(int(p.name)))}
    found, frontier = [], {pid}
    while frontier:
        children = {child for child, fields in table.items() if int(fields[1]) in frontier}
        found += [(child, table[child][19]) for child in children]
        frontier = children
    return found


def alive(processes: list[tuple[int, str]]) -> list[int]:
    """Those of ``processes`` still running: same PID and start time, not a zombie."""
    running = []
    for pid, started in processes:
        fields = _stat(pid)
        if fields is not None and fields[19] == started and fields[0] != "Z":
            running.append(pid)
    return running


def _wait(process: subprocess.Popen[bytes], ready: Callable[[], str | None], log: Path) -> str:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        url = ready()
        if url:
            return url
        time.sleep(0.25)
    raise RuntimeError(f"server not ready in {READY_SECONDS} s:\n{log.read_text(errors='replace')[-4000:]}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # loopback only
            return bool(answer.status == 200)
    except OSError:
        return False


def lab_command(port: int, root: Path) -> list[str]:
    return [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
            f"--port={port}", "--ServerApp.port_retries=0", "--ServerApp.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={root}", "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]


@contextmanager
def jupyterlab(root: Path, home: Path) -> Iterator[Server]:
    """JupyterLab serving ``root``, ready once its REST API answers."""
    env = isolated_env(home)
    quiet_lab_settings(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"

    def ready() -> str | None:
        return base if http_ok(base + "api/status") else None

    with running(lab_command(port, root), env, root, home / "jupyterlab.log", ready) as server:
        yield server


URL_LINE = re.compile(r"is served at (http://\S+)")


@contextmanager
def workshop(file: Path, home: Path, *options: str) -> Iterator[Server]:
    """``scnekit workshop FILE [OPTIONS]`` (Voilà), ready once it prints its URL (token included)."""
    env = isolated_env(home)
    port = free_port()
    log = home / "workshop.log"
    command = [sys.executable, "-m", "scnekit", "workshop", str(file), "--port", str(port), *options]

    def ready() -> str | None:
        found = URL_LINE.search(log.read_text(errors="replace"))
        return found.group(1) if found else None

    with running(command, env, file.parent, log, ready) as server:
        yield server
