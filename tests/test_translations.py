"""The English catalog: compiled, complete, and used for accounts that chose English.

Swedish is the source language (the msgids); avvikelse/translations/en holds the English .po and
the committed .mo that Flask-Babel loads. README.md, "Translations", has the update commands.
"""

import gettext
import io
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from avvikelse.extensions import db

try:
    from babel.messages.frontend import parse_mapping_cfg
except ImportError:  # Babel < 2.15
    from babel.messages.frontend import parse_mapping as parse_mapping_cfg

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "avvikelse" / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
# The same keywords as the extract command in README.md: babel's defaults plus lazy_gettext as _l.
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_l", "lazy_gettext"])}
UPDATE_COMMANDS = """\
pybabel extract -F babel.cfg -k _l -k lazy_gettext -o avvikelse/translations/messages.pot .
pybabel update -i avvikelse/translations/messages.pot -d avvikelse/translations
# translate the new or fuzzy entries in avvikelse/translations/en/LC_MESSAGES/messages.po
pybabel compile -d avvikelse/translations"""


def read_en_po():
    with EN_PO.open("rb") as f:
        return read_po(f, locale="en")


def extract_msgids() -> dict[str, list[str]]:
    """Every msgid in the code and templates, with where it occurs, as pybabel extract finds it."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def messages(translations: gettext.GNUTranslations) -> dict:
    """The translated messages without the header entry (msgid ""): the header names the Babel
    version that compiled it, which must not decide whether the catalog is up to date."""
    return {key: value for key, value in translations._catalog.items() if key != ""}


def test_committed_mo_is_compiled_from_the_po():
    buffer = io.BytesIO()
    write_mo(buffer, read_en_po())
    buffer.seek(0)
    fresh = gettext.GNUTranslations(buffer)
    with EN_MO.open("rb") as f:
        committed = gettext.GNUTranslations(f)

    assert messages(committed) == messages(fresh), (
        f"{EN_MO.relative_to(ROOT)} is out of date with the .po. Run:\n"
        "pybabel compile -d avvikelse/translations"
    )


def test_every_ui_string_has_an_english_translation():
    found = extract_msgids()
    assert len(found) > 500, "the extraction found almost nothing; is babel.cfg still right?"
    catalog = read_en_po()
    untranslated = []
    for msgid, where in sorted(found.items()):
        message = catalog.get(msgid)
        strings = [] if message is None else [message.string]
        if message is not None and not isinstance(message.string, str):
            strings = list(message.string)
        if message is None or message.fuzzy or not all(strings):
            untranslated.append(f"  {msgid!r} ({', '.join(where[:3])})")

    assert not untranslated, (
        f"{len(untranslated)} UI string(s) have no English translation in "
        f"{EN_PO.relative_to(ROOT)}:\n"
        + "\n".join(untranslated)
        + f"\nRun, from the repository top:\n{UPDATE_COMMANDS}"
    )


def test_translations_keep_their_placeholders():
    catalog = read_en_po()
    errors = [f"{message.id!r}: {error}" for message, errs in catalog.check() for error in errs]
    assert not errors, "\n".join(errors)


def set_locale(app, user_id, locale):
    from avvikelse.models import User

    with app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def test_english_account_sees_english(app, client, world, auth):
    set_locale(app, world["member"], "en")
    auth.login("member@test.example")

    start = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in start
    assert "Skip to content" in start
    assert "Report a deviation in collaboration" in start
    assert "Hoppa till innehållet" not in start
    # A lazy_gettext label from a model enum is translated per request, not at import.
    assert "Member" in client.get("/konto/").get_data(as_text=True)


def test_swedish_account_sees_swedish(app, client, world, auth):
    set_locale(app, world["member"], "sv")
    auth.login("member@test.example")

    start = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in start
    assert "Hoppa till innehållet" in start
    assert "Rapportera en avvikelse i samverkan" in start
    assert "Skip to content" not in start
    assert "Ledamot" in client.get("/konto/").get_data(as_text=True)
