"""Run the real `avvikelse serve` in a subprocess for the wheel and browser tests.

The server gets a clean environment (no DATABASE_URL, AVVIKELSE_* or TEST_DATABASE_URL from the
caller) so that a developer's shell settings cannot leak into what the test checks.
"""

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

LEAKY_VARIABLES = ("DATABASE_URL", "SECRET_KEY", "TEST_DATABASE_URL", "PYTHONPATH", "FLASK_APP")


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in LEAKY_VARIABLES
        and not name.startswith(("AVVIKELSE_", "MAIL_", "FLASK_", "VIRTUAL_ENV"))
    }
    env["PYTHONUNBUFFERED"] = "1"  # the demo log-ins must reach the log file at once
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: Sequence[str], *, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run that fails the test with the command's output."""
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, command))} exited with {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result


def http_get(url: str, timeout: float = 10) -> tuple[int, str, dict[str, str]]:
    """GET without following redirects; returns (status, body, headers)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def live_server(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    log_path: Path,
    startup_timeout: float = 90,
    port_option: str = "--port",
) -> Iterator[LiveServer]:
    """Start `command --port P` (gunicorn: `--bind 127.0.0.1:P`), wait until /health answers,
    stop it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    address = f"127.0.0.1:{port}" if port_option == "--bind" else str(port)
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [*map(str, command), port_option, address],
            cwd=cwd,
            env=clean_env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=url, process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode}:\n{server.output()}")
            try:
                if http_get(f"{url}/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"server did not answer /health in {startup_timeout} s:\n{server.output()}"
                )
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
