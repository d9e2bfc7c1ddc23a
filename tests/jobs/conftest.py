"""Helpers for the job tests: Stockholm wall-clock instants and a real local SMTP server."""

import socket
import threading
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """The UTC instant of a Stockholm wall-clock time, as a job's `now`."""
    return datetime.combine(day, time(hour, minute), STOCKHOLM).astimezone(UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """What the local SMTP server received, as parsed messages."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def received(self) -> list:
        with self._lock:
            return list(self.messages)


class SMTPServer:
    def __init__(self, port: int):
        self.port = port
        self.mailbox = Mailbox()
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    """A real SMTP server on localhost (aiosmtpd); `smtp_server.port` before `start()` is a
    port where nothing listens yet, which is how a down mail server looks."""
    server = SMTPServer(free_port())
    yield server
    server.stop()


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def html(message) -> str:
    return message.get_body(("html",)).get_content()
