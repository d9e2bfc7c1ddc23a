"""The name a region gives its strategic group, for text shared by every region.

Blekinge calls the group LSVO, Jämtland Härjedalen "Strategisk grupp", so enum titles and
template text must not hard-code either. They take the name of the signed-in user's region,
looked up once per request through the function the views register (`init_app`); models use
`STRATEGIC` without importing services. Services that write e-mails or matter titles pass the
case's own region's name explicitly, since they may run outside a request.
"""

from collections.abc import Callable

from flask import Flask, current_app, g, has_request_context
from flask_babel import LazyString, get_locale, gettext


def init_app(app: Flask, lookup: Callable[[], str | None]) -> None:
    """`lookup` returns the strategic group's name for the current request's region, if any."""
    app.extensions["forum_names"] = lookup


def strategic_name() -> str:
    if has_request_context():
        if "strategic_name" not in g:
            g.strategic_name = current_app.extensions["forum_names"]()
        if g.strategic_name:
            return g.strategic_name
    return gettext("den strategiska gruppen")


def genitive(name: str, language: str = "sv") -> str:
    """The possessive the catalogs expect: English "LSVO's"; Swedish "LSVO:s" for an
    abbreviation, nothing added after s, x or z, else an s ("Strategisk grupps")."""
    if language == "en":
        return f"{name}'s"
    if name[-1:].isupper() or name[-1:].isdigit():
        return f"{name}:s"
    if name[-1:] in ("s", "x", "z"):
        return name
    return f"{name}s"


def strategic_genitive() -> str:
    locale = get_locale()
    return genitive(strategic_name(), locale.language if locale else "sv")


STRATEGIC = LazyString(strategic_name)
STRATEGIC_GENITIVE = LazyString(strategic_genitive)
