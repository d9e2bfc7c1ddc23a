"""A Jämtland Härjedalen user never reads "LSVO": the strategic group is what the region file
calls it. The demo history (every state, clusters, meetings, minutes) is built once for the
module; each role then follows every link it can reach, and every notification is read."""

import re
from collections import deque

import pytest
from sqlalchemy import select

from avvikelse import create_app
from avvikelse.extensions import db
from avvikelse.forum_names import genitive
from avvikelse.models import Notification
from avvikelse.services.dates import install_clock
from avvikelse.services.demo import DEMO_PASSWORD

from ..clock import TEST_NOW, FrozenClock
from ..conftest import BASE_TEST_CONFIG

REGION = "jamtland-harjedalen"
LINK = re.compile(r'href="(/(?!static/)[^"#?]*)')
# Pages per role: enough to reach every kind of page (lists, cases, clusters, meetings,
# minutes, processråd, admin) without reading all three hundred cases.
PAGES_PER_ROLE = 120


@pytest.fixture(scope="module")
def jamtland(tmp_path_factory, demo_history):
    path = tmp_path_factory.mktemp("jamtland") / "demo.sqlite"
    demo_history(REGION, path)
    config = {
        **BASE_TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "AVVIKELSE_REGION": REGION,
    }
    app = create_app(config)
    install_clock(app, FrozenClock(TEST_NOW))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def crawl(client) -> dict[str, str]:
    """Every page reachable from the start page by links, breadth first; text pages only."""
    seen, pages, queue = {"/logout"}, {}, deque(["/"])
    while queue and len(pages) < PAGES_PER_ROLE:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        text = response.get_data(as_text=True) if response.mimetype == "text/html" else None
        response.close()
        if response.status_code != 200 or text is None:
            continue
        pages[url] = text
        queue.extend(link for link in LINK.findall(pages[url]) if link not in seen)
    return pages


@pytest.mark.parametrize(
    "email",
    [
        "karin.wallen@regionjh.example",
        "olof.grahn@regionjh.example",
        "eva.tornqvist@regionjh.example",
        "jonas.rehn@ostersund.example",
        "linn.sundberg@regionjh.example",
    ],
)
def test_no_page_says_lsvo(jamtland, email):
    client = jamtland.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    pages = crawl(client)
    assert len(pages) > 10
    said = [url for url, text in pages.items() if "LSVO" in text]
    assert said == []


def test_no_notification_says_lsvo(jamtland):
    with jamtland.app_context():
        notifications = db.session.scalars(select(Notification)).all()
        assert any("Strategisk grupp" in n.subject for n in notifications)
        assert [n.subject for n in notifications if "LSVO" in f"{n.subject} {n.body}"] == []


def test_the_public_minutes_name_the_configured_regions_group(jamtland):
    page = jamtland.test_client().get("/protokoll").get_data(as_text=True)
    assert "Strategisk grupp" in page
    assert "LSVO" not in page


@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [
        ("LSVO", "sv", "LSVO:s"),
        ("Strategisk grupp", "sv", "Strategisk grupps"),
        ("Samverkansrådet", "sv", "Samverkansrådets"),
        ("Ledningssamverkans", "sv", "Ledningssamverkans"),
        ("LSVO", "en", "LSVO's"),
    ],
)
def test_genitive(name, language, expected):
    assert genitive(name, language) == expected
