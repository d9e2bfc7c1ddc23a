from pathlib import Path

from avvikelse.extensions import db
from avvikelse.models import AccessibilityReport


def test_start_page_shows_where_to_report_and_what_waits(client, world, auth):
    auth.login("member@test.example")
    page = client.get("/").get_data(as_text=True)
    assert "Rapportera en avvikelse i samverkan" in page
    assert "Väntar på dig" in page
    assert "Samverkansgrupp Äldre" in page


def test_my_account_shows_organization_unit_groups_and_roles(client, world, auth):
    auth.login("member@test.example")
    page = client.get("/konto/").get_data(as_text=True)
    for text in ("Testby kommun", "Hemtjänst", "Samverkansgrupp Äldre", "Ledamot"):
        assert text in page


def test_every_page_links_the_accessibility_statement(client, world, auth):
    auth.login("staff@test.example")
    for path in ("/", "/konto/", "/login", "/tillganglighet"):
        assert 'href="/tillganglighet"' in client.get(path).get_data(as_text=True)


def test_layout_has_skip_link_and_landmarks(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'class="skip-link" href="#main"' in page
    for landmark in ("<header", "<main", "<footer"):
        assert landmark in page


def test_accessibility_problem_can_be_reported_without_login(client, app):
    response = client.post(
        "/tillganglighet/rapportera",
        data={"page": "/login", "description": "Fokus syns inte", "contact": ""},
    )
    assert response.status_code == 302
    with app.app_context():
        report = db.session.scalars(db.select(AccessibilityReport)).one()
        assert report.description == "Fokus syns inte"


def test_accessibility_report_errors_keep_input(client):
    response = client.post(
        "/tillganglighet/rapportera",
        data={"page": "/konto", "description": "", "contact": "inte-en-adress"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="/konto"' in page
    assert 'value="inte-en-adress"' in page
    assert "Beskriv vad som inte fungerar." in page


def test_error_pages_are_swedish(client, world, auth):
    auth.login("staff@test.example")
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)


def test_english_locale_is_selected_from_the_account(client, world, auth, app):
    from avvikelse.models import User

    with app.app_context():
        db.session.get(User, world["staff"]).locale = "en"
        db.session.commit()
    auth.login("staff@test.example")
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_every_table_scrolls_in_a_focusable_named_region(client, world, auth):
    """Tables go through the scroll_table macro (templates/_tables.html): a wide table on a phone
    scrolls inside a box that keyboard users can focus and scroll (axe
    scrollable-region-focusable); no template writes a bare <table>."""
    templates = Path(__file__).parents[2] / "templates"
    bare = sorted(
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if path.name != "_tables.html" and "<table" in path.read_text(encoding="utf-8")
    )
    assert bare == []
    auth.login("member@test.example")
    page = client.get("/konto/").get_data(as_text=True)
    assert (
        '<div class="table-wrap" tabindex="0" role="region" aria-label="Dina grupper och roller">'
        in page
    )


def test_accessibility_statement_claims_the_320_px_it_is_tested_at(client):
    page = client.get("/tillganglighet").get_data(as_text=True)
    assert "ned till 320 pixlars bredd" in page
