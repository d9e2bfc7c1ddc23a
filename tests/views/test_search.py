"""The search page (issue 15): ranked hits among the visible cases, in a fixed number of
statements whatever the number of hits."""

import pytest
from sqlalchemy import event

from sqlalchemy.engine import Engine

from .test_inbox import add_cases, w  # noqa: F401 - the fixture

QUERY = {"q": "utskrivning inskrivningsmeddelande"}


def search_statements(client) -> list[str]:
    statements = []

    def count_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count_statement)
    try:
        # 200, not 500: a lazy load while rendering would raise (raiseload) and fail the page.
        assert client.post("/sok/", data=QUERY).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", count_statement)
    return statements


@pytest.mark.parametrize(
    "email",
    [
        "admin@test.example",
        "chair@test.example",
        "member@test.example",
        "coord.region@test.example",
        "staff@test.example",
    ],
)
def test_search_statements_do_not_grow_with_hits(app, client, w, auth, email):  # noqa: F811
    auth.login(email)
    client.post("/sok/", data=QUERY)  # warm up
    few = search_statements(client)
    add_cases(app, w, 25)
    many = search_statements(client)
    assert len(few) == len(many)
