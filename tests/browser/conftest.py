"""What every browser test module shares: one chromium per module, and the demo server."""

from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..clock import ProcessClock
from ..live_server import live_server


@pytest.fixture(scope="module")
def browser():
    from .test_smoke import CHROMIUM, CHROMIUM_ARGS, sync_api

    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@contextmanager
def serve_demo(folder: Path, env: Mapping[str, str] | None = None):
    """`avvikelse serve --demo` on a free port, its SQLite database and log in `folder`, with
    `env` added to its environment.

    The server runs on the session's date; `running.clock` reads and moves its clock."""
    from .test_smoke import avvikelse_command

    clock = ProcessClock(folder / "clock-shift")
    with live_server(
        [avvikelse_command(), "serve", "--demo"],
        env={
            "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite'}",
            "AVVIKELSE_CLOCK_SHIFT_FILE": str(clock.path),
            **(env or {}),
        },
        cwd=folder,
        log_path=folder / "serve.log",
        startup_timeout=240,  # the demo history walks 18 months of workflow before serving
    ) as running:
        running.clock = clock
        yield running
