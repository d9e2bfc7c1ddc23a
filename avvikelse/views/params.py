"""Ids and numbers from the URL, bounded before they reach the database.

An id the database cannot hold names nothing: a route answers 404 for it like for an id that
does not exist, and a query parameter falls back to its default, the way a damaged link does.
"""

from flask import request
from werkzeug.routing import IntegerConverter

from ..db import MAX_ID


class IdConverter(IntegerConverter):
    """`<id:deviation_id>`: a row id, 1 to MAX_ID; anything else does not match the route."""

    def __init__(self, url_map, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


def parse_id(value) -> int | None:
    """A row id typed as text ("12"), or None for anything that cannot be one."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def query_int(name: str, default: int | None = None, *, low: int = 1, high: int = MAX_ID):
    """An integer query parameter between low and high, else the default."""
    value = request.args.get(name, type=int)
    if value is None or not low <= value <= high:
        return default
    return value


def query_ids(name: str) -> list[int]:
    """A repeated id parameter (`?x=1&x=2`), without the values that cannot be ids."""
    return [v for v in request.args.getlist(name, type=int) if 1 <= v <= MAX_ID]
