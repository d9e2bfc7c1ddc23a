"""Uppföljning costs the same statements whatever the number of cases and overdue answers
(issue 15): the figures are summed in the database and the overdue answers are looked up once
for the region."""

from datetime import timedelta

import pytest

from .test_inbox import add_cases, ask_for_answers, now, statements_for, today, w  # noqa: F401


@pytest.mark.parametrize(
    "email", ["admin@test.example", "chair@test.example", "coord.region@test.example"]
)
def test_dashboard_statements_do_not_grow_with_cases(app, client, w, auth, email):  # noqa: F811
    asked = now() - timedelta(days=20)
    overdue = today() - timedelta(days=1)
    ask_for_answers(app, w, add_cases(app, w, 2, at=asked), asked=asked, due_on=overdue)
    auth.login(email)
    client.get("/uppfoljning")  # warm up
    few = statements_for(client, "/uppfoljning")
    ask_for_answers(app, w, add_cases(app, w, 15, at=asked), asked=asked, due_on=overdue)
    add_cases(app, w, 10)
    many = statements_for(client, "/uppfoljning")
    assert len(few) == len(many)
    assert "Försenade svar" in client.get("/uppfoljning").get_data(as_text=True)
