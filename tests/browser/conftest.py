"""Fixtures for the browser tests: Debian's Chromium through Playwright, servers, artifacts.

The tests skip only when /usr/bin/chromium is absent and CI is not set; under CI a
missing Chromium is a failure (``.ci/install-browser`` installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 900}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test; skip them all, with the reason, if no Chromium."""
    here = Path(__file__).parent
    reason = None
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        reason = f"{CHROMIUM} is absent (run .ci/install-browser); browser tests run whenever CI is set"
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/install-browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh Chromium profile (new empty user-data-dir) that records every request it makes."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
        args=CHROMIUM_ARGS, viewport=VIEWPORT)
    context.requested = []
    context.on("request", lambda request: context.requested.append(request.url))
    # the page's errors go to the test's output, where a failure shows them
    context.on("console", lambda message: print(f"browser {message.type}: {message.text[:500]}")
               if message.type == "error" else None)
    context.on("weberror", lambda error: print(f"browser exception: {str(error.error)[:500]}"))
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="module")
def example_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of examples/ (notebooks and the Syria scenario) that tests may write into."""
    folder = tmp_path_factory.mktemp("examples") / "examples"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "output"))
    return folder


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ at the repository root (ignored by git): screenshots and timings."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
