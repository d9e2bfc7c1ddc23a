"""The notice and minutes as PDF downloads: who may fetch which, and what each file holds.

The public PDF must keep the public page's rule (no names, no discussion, no report text), so
the tests read the text back out of the files the server sends (pdf_text below).
"""

import re
import zlib

import pytest

from avvikelse.extensions import db
from avvikelse.models import Meeting, Minutes, User
from avvikelse.permissions import PUBLIC_ENDPOINTS
from avvikelse.services import documents
from avvikelse.services import minutes as service

from ..services.test_minutes import (
    ANSWER_SENTENCE,
    NOW,
    REPORT_SENTENCE,
    approved_minutes,
    minutes_world,
)

NAMES = ["Lars Lsvo", "Siv Sekreterare", "Lena Lsvo", "Rolf Region", "Anna Borta"]
DISCUSSION = "Gruppen gick igenom rutinen för inskrivningsmeddelanden."
PROPOSAL = "Samverkansgruppen får i uppdrag att se över rutinen för läkemedelslistor."


def pdf_text(data: bytes) -> str:
    """The text an fpdf2 PDF draws, words separated by single spaces.

    fpdf2 deflates its streams and writes text in embedded TrueType subsets as glyph numbers,
    so the words are not in the bytes as such; each font's ToUnicode map turns the numbers
    back into characters. Enough of PDF for fpdf2's own output (Tf font changes, Tj strings).
    """
    objects = {
        int(number): body for number, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", data, re.S)
    }

    def stream(number: int) -> bytes:
        body = objects[number]
        head, raw = re.match(rb"(.*?)stream\r?\n(.*)\r?\nendstream", body, re.S).groups()
        return zlib.decompress(raw) if b"/FlateDecode" in head else raw

    def unescape(literal: bytes) -> bytes:
        escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
        return re.sub(
            rb"\\([0-7]{1,3}|.)",
            lambda m: bytes([int(m[1], 8)]) if m[1][:1].isdigit() else escapes.get(m[1], m[1]),
            literal,
            flags=re.S,
        )

    to_unicode = {}
    for name, number in set(re.findall(rb"/(F\d+) (\d+) 0 R", data)):
        cmap = stream(int(re.search(rb"/ToUnicode (\d+) 0 R", objects[int(number)])[1]))
        to_unicode[name] = {
            int(glyph, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
            for glyph, text in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", cmap)
        }
    pieces, font = [], None
    for page in re.findall(rb"/Contents (\d+) 0 R", data):
        content = stream(int(page))
        for switch, literal in re.findall(
            rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) ?Tj", content, re.S
        ):
            if switch:
                font = switch
                continue
            glyphs = unescape(literal)
            pieces.append(
                "".join(
                    to_unicode[font][int.from_bytes(glyphs[i : i + 2], "big")]
                    for i in range(0, len(glyphs), 2)
                )
            )
    return " ".join(" ".join(pieces).split())


@pytest.fixture
def dw(app):
    """minutes_world with a föredragning on the case matter and its minutes drafted."""
    with app.app_context():
        w = minutes_world()
        w["case_matter"].proposal = PROPOSAL
        w["case_matter"].presenter = w["lsvo_secretary"]
        service.draft_minutes(w["meeting"], actor=w["lsvo_secretary"], now=NOW)
        db.session.commit()
        ids = {name: value.id for name, value in w.items() if hasattr(value, "id")}
        ids["case_number"] = w["deviation"].number
        ids["report_title"] = w["deviation"].title
        return ids


def approve(app, dw) -> int:
    with app.app_context():
        people = {
            who: db.session.get(User, dw[who])
            for who in ("lsvo_secretary", "lsvo_region", "lsvo_chair")
        }
        minutes = approved_minutes({"meeting": db.session.get(Meeting, dw["meeting"]), **people})
        db.session.commit()
        return minutes.id


def draft_id(app, dw) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Minutes.id).where(Minutes.meeting_id == dw["meeting"]))


def assert_pdf(response, file_name: str) -> str:
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename={file_name}"
    assert response.data.startswith(b"%PDF")
    return pdf_text(response.data)


def test_notice_pdf_is_for_the_groups_members(dw, auth, client):
    url = f"/moten/{dw['meeting']}/kallelse.pdf"
    assert client.get(url).status_code == 302  # to the login page
    auth.login("staff@test.example")
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login("chair@test.example")  # chair of another group
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login("lsvo.member@test.example")
    text = assert_pdf(client.get(url), "kallelse-LSVO-2026-12-10.pdf")
    assert "Kallelse och dagordning" in text
    assert "Förhandsgranskning: kallelsen är inte skickad." in text
    assert "Regionhuset" in text
    assert f"Ärende {dw['case_number']}, Kategori: Informationsöverföring" in text
    assert "Avvikelse – föredragande Siv Sekreterare" in text
    assert f"Förslag till beslut {PROPOSAL}" in text
    assert "Information om nära vård" in text
    for forbidden in [REPORT_SENTENCE, ANSWER_SENTENCE]:
        assert forbidden not in text
    assert f"/moten/{dw['meeting']}/kallelse.pdf" in client.get(url[: -len(".pdf")]).text


def test_internal_minutes_pdf_has_names_and_marks_a_draft(dw, auth, client, app):
    url = f"/moten/{dw['meeting']}/protokoll.pdf"
    auth.login("staff@test.example")
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login("lsvo.member@test.example")
    text = assert_pdf(client.get(url), "protokoll-LSVO-2026-12-10-utkast.pdf")
    assert "Utkast – inte justerat" in text
    assert "Rolf Region" in text
    assert DISCUSSION in text
    assert client.get(url + "?version=2").status_code == 404
    assert f"/moten/{dw['meeting']}/protokoll.pdf" in client.get(url[: -len(".pdf")]).text

    approve(app, dw)
    text = assert_pdf(client.get(url), "protokoll-LSVO-2026-12-10.pdf")
    assert "Justerare Rolf Region" in text
    assert "Utkast" not in text


def test_public_minutes_pdf_needs_no_login_and_holds_no_names_or_report_text(dw, client, app):
    assert "public.minutes_pdf" in PUBLIC_ENDPOINTS
    draft = draft_id(app, dw)
    assert client.get(f"/protokoll/{draft}.pdf").status_code == 404
    assert client.get("/protokoll/999999.pdf").status_code == 404

    minutes_id = approve(app, dw)
    text = assert_pdf(client.get(f"/protokoll/{minutes_id}.pdf"), "protokoll-LSVO-2026-12-10.pdf")
    assert f"§ 1 Avvikelse {dw['case_number']}" in text
    assert "Kategori: Informationsöverföring" in text
    assert "Hälso- och sjukvårdsdirektör" in text
    assert "Rutinen ses över av samverkansgruppen." in text
    assert "publiceras utan personnamn" in text
    for forbidden in [REPORT_SENTENCE, ANSWER_SENTENCE, dw["report_title"], DISCUSSION, *NAMES]:
        assert forbidden not in text, forbidden
    page = client.get(f"/protokoll/{minutes_id}")
    assert f"/protokoll/{minutes_id}.pdf" in page.text


def test_only_approved_minutes_have_a_public_form(dw, app):
    with app.app_context():
        draft = db.session.get(Minutes, draft_id(app, dw))
        with pytest.raises(ValueError, match="approved"):
            documents.minutes_pdf(draft, public=True)
