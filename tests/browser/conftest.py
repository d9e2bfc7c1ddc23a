"""What every browser test module shares: one chromium per module, and the demo server."""

import sqlite3
from collections.abc import Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from ..clock import ProcessClock
from ..live_server import clean_env, live_server, run


@dataclass(frozen=True)
class DemoDatabase:
    """The demo region with its history, and the instant (on the tests' clock) it was done."""

    path: Path
    built_at: datetime


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> DemoDatabase:
    """The demo database built once per session, by the commands `serve --demo` runs first.

    Walking 18 months of demo history took a minute or more per browser module; each module's
    server now starts from a copy, at the instant the copy was made (test_smoke still starts
    from nothing, as a newcomer does)."""
    from .test_smoke import avvikelse_command

    folder = tmp_path_factory.mktemp("demo-database")
    clock = ProcessClock(folder / "clock-shift")
    env = clean_env(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite'}",
            "AVVIKELSE_CLOCK_SHIFT_FILE": str(clock.path),
            "AVVIKELSE_ENV": "demo",
        }
    )
    for command in (["db", "upgrade"], ["demo-data"]):
        run([avvikelse_command(), *command], env=env, cwd=folder, timeout=600)
    return DemoDatabase(path=folder / "demo.sqlite", built_at=clock.now())


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
def serve_demo(
    folder: Path, env: Mapping[str, str] | None = None, start_from: DemoDatabase | None = None
):
    """`avvikelse serve --demo` on a free port, its SQLite database and log in `folder`, with
    `env` added to its environment; from a copy of `start_from` when given.

    The server runs on the session's date, from a copy at the instant the copy was built;
    `running.clock` reads and moves its clock."""
    from .test_smoke import avvikelse_command

    clock = ProcessClock(folder / "clock-shift")
    if start_from is not None:
        # The backup API copies what is still in the write-ahead log too.
        with (
            closing(sqlite3.connect(start_from.path)) as source,
            closing(sqlite3.connect(folder / "demo.sqlite")) as copy,
        ):
            source.backup(copy)
        clock.advance(start_from.built_at - clock.now())
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
