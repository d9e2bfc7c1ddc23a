"""How a member's function and role read in the minutes."""

import pytest

from avvikelse.models import MembershipRole


@pytest.mark.parametrize(
    ("role", "function", "expected"),
    [
        (MembershipRole.CHAIR, "Ordförande", "Ordförande"),
        (MembershipRole.CHAIR, "Socialchef", "Socialchef (ordförande)"),
        (MembershipRole.SECRETARY, "Sekreterare, utvecklare", "Sekreterare, utvecklare"),
        (MembershipRole.MEMBER, "Socialchef", "Socialchef"),
        (MembershipRole.CHAIR, None, "Ordförande"),
    ],
)
def test_describe(app, role, function, expected):
    with app.test_request_context():
        assert role.describe(function) == expected
