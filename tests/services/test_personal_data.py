"""The personal data guard (DESIGN §3): what is refused, what only warns, what passes."""

import re
from dataclasses import FrozenInstanceError

import pytest

from avvikelse.services.personal_data import (
    FindingKind,
    Severity,
    check_fields,
    check_text,
    message,
)


def luhn(nine: str) -> str:
    """Append the check digit, computed here rather than by the code under test."""
    total = 0
    for position, digit in enumerate(nine):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value // 10 + value % 10
    return nine + str((10 - total % 10) % 10)


def forms(century: str, ten: str) -> list[str]:
    """Every way the guard must recognize one number: 10 and 12 digits, each separator."""
    date, serial = ten[:6], ten[6:]
    return [
        f"{date}-{serial}",
        f"{date}+{serial}",
        f"{date}{serial}",
        f"{date} {serial}",
        f"{century}{date}-{serial}",
        f"{century}{date}{serial}",
        f"{century}{date} {serial}",
    ]


# Skatteverket's test number; 121212-1212 is Luhn-valid as it stands.
TEST_PERSON = "1212121212"
assert luhn(TEST_PERSON[:9]) == TEST_PERSON
# Born on 12 December 1912 as a coordination number: the day plus 60.
TEST_COORDINATION = luhn("121272121")


def kinds(text: str) -> list[FindingKind]:
    return [finding.kind for finding in check_text(text)]


@pytest.mark.parametrize("number", [*forms("19", TEST_PERSON), "18121212-1212"])
def test_personal_identity_number_is_refused_in_every_form(number):
    text = f"Patienten {number} skrevs ut."
    (finding,) = check_text(text)
    assert finding.kind is FindingKind.PERSONAL_IDENTITY_NUMBER
    assert finding.severity is Severity.REFUSE
    assert text[finding.start : finding.end] == number


@pytest.mark.parametrize("number", forms("19", TEST_COORDINATION))
def test_coordination_number_is_refused_in_every_form(number):
    (finding,) = check_text(f"Samordningsnummer {number}.")
    assert finding.kind is FindingKind.COORDINATION_NUMBER
    assert finding.severity is Severity.REFUSE


@pytest.mark.parametrize(
    "separator", ["\u2013", "\u2212", "\u00a0"], ids=["en-dash", "minus", "nbsp"]
)
def test_separators_from_word_processors_count_too(separator):
    assert kinds(f"pnr 121212{separator}1212") == [FindingKind.PERSONAL_IDENTITY_NUMBER]


@pytest.mark.parametrize(
    "text",
    [
        "pnr121212-1212",
        "121212-1212x",
        "(121212-1212)",
        "nr:121212-1212.",
    ],
)
def test_letters_and_punctuation_may_touch_a_refused_number(text):
    """Only digits end a number: "pnr121212-1212" is how some people write it."""
    assert kinds(text) == [FindingKind.PERSONAL_IDENTITY_NUMBER]


@pytest.mark.parametrize(
    "number",
    [
        "121212-1213",  # check digit off by one
        "19121212-1213",
        "1212121213",
        TEST_COORDINATION[:-1] + str((int(TEST_COORDINATION[-1]) + 1) % 10),
    ],
)
def test_wrong_checksum_is_not_refused(number):
    assert check_text(number) == []


@pytest.mark.parametrize(
    "nine",
    [
        "121312121",  # month 13
        "120012121",  # month 00
        "121232121",  # day 32
        "121200121",  # day 00
        "120230121",  # 30 February
        "010229121",  # 29 February 1901 or 2001
        "121292121",  # coordination day 32
        "121260121",  # coordination day 0
    ],
)
def test_impossible_date_is_not_refused_even_with_a_valid_checksum(nine):
    assert check_text(f"nr {luhn(nine)}") == []
    assert check_text(f"nr {luhn(nine)[:6]}-{luhn(nine)[6:]}") == []


def test_leap_day_depends_on_the_century():
    leap_day = luhn("000229123")  # 2000 was a leap year, 1900 was not
    assert kinds(f"20{leap_day}") == [FindingKind.PERSONAL_IDENTITY_NUMBER]
    assert kinds(leap_day) == [FindingKind.PERSONAL_IDENTITY_NUMBER]
    assert check_text(f"19{leap_day}") == []
    # "+" means 100 or older, so 1900 or 1800, neither a leap year.
    assert check_text(f"{leap_day[:6]}+{leap_day[6:]}") == []


@pytest.mark.parametrize("century", ["17", "21", "99"])
def test_twelve_digits_need_a_century_from_18_to_20(century):
    assert check_text(f"{century}{TEST_PERSON}") == []
    assert check_text(f"{century}121212-1212") == []


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23",
        "20261123",
        "den 23/11 2026 kl. 14.30–16.00",
        "Ärende AV-2026-0042",
        "0455-73 10 00",
        "070-123 45 67",
        "+46 70 123 45 67",
        "232100-0016",  # Region Blekinge's organization number style: "month" 21
        f"{luhn('232100000')[:6]}-{luhn('232100000')[6:]}",  # Luhn-valid, still month 21
        "371 85 Karlskrona",
        "1 234 567 kr",
        "1234567890",
        "123456789012345",
        f"9{TEST_PERSON}",  # 11 digits
        f"{TEST_PERSON}1",
        f"55{TEST_PERSON}5",
        "ISBN 978-91-7448-123-4",
    ],
)
def test_look_alikes_are_not_refused(text):
    assert check_fields({"text": text}).ok


@pytest.mark.parametrize(
    "phone",
    [
        "070-123 45 67",
        "070-1234567",
        "070 123 45 67",
        "070 - 123 45 67",
        "073-12 34 567",
        "0701234567",
        "+46 70 123 45 67",
        "+46701234567",
        "+46 (0)70-123 45 67",
        "+46-70-123 45 67",
        "0046 70 123 45 67",
        "0046701234567",
        "0455-73 10 00",
        "(0455) 73 10 00",
        "031-12 34 56",
        "08-123 456 78",
        "08-12 34 56",
    ],
)
def test_phone_numbers_warn(phone):
    text = f"Ring {phone} i morgon."
    (finding,) = check_text(text)
    assert finding.kind is FindingKind.PHONE_NUMBER
    assert finding.severity is Severity.WARN
    assert text[finding.start : finding.end] == phone


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23",
        "2026-01-23 12 34 56",
        "AV-2026-0042",
        "371 85",
        "1 234 567",
        "kl. 08-17",
        "04551234567",  # 11 digits
        "0455731000",  # a landline needs a separator after its area code
        "1070-123 45 67",
    ],
)
def test_not_phone_numbers(text):
    assert check_text(text) == []


@pytest.mark.parametrize(
    "address",
    ["anna.svensson@example.se", "a+avvikelse@kommun.example.org", "åsa.öberg@region.se"],
)
def test_email_addresses_warn(address):
    text = f"Skriv till {address}."
    (finding,) = check_text(text)
    assert finding.kind is FindingKind.EMAIL_ADDRESS
    assert finding.severity is Severity.WARN
    assert text[finding.start : finding.end] == address


@pytest.mark.parametrize("text", ["@anna", "anna@", "a@b", "foo@bar.", "a @ b.se", "x@1.23"])
def test_not_email_addresses(text):
    assert check_text(text) == []


def test_a_number_that_is_both_refused_and_a_phone_number_is_only_refused():
    """0701234567-shaped numbers are also personal identity numbers of people born 2007."""
    number = luhn("070123456")
    assert kinds(f"Ring {number}") == [FindingKind.PERSONAL_IDENTITY_NUMBER]


def test_several_findings_in_one_text_come_in_order_with_their_offsets():
    text = (
        f"Patienten 19121212-1212 och anhörig {TEST_COORDINATION[:6]}-{TEST_COORDINATION[6:]} "
        "ringde 070-123 45 67 och mejlade anna@example.se. Enheten nås på 0455-73 10 00."
    )
    findings = check_text(text)
    assert [(f.kind, text[f.start : f.end]) for f in findings] == [
        (FindingKind.PERSONAL_IDENTITY_NUMBER, "19121212-1212"),
        (FindingKind.COORDINATION_NUMBER, f"{TEST_COORDINATION[:6]}-{TEST_COORDINATION[6:]}"),
        (FindingKind.PHONE_NUMBER, "070-123 45 67"),
        (FindingKind.EMAIL_ADDRESS, "anna@example.se"),
        (FindingKind.PHONE_NUMBER, "0455-73 10 00"),
    ]


def test_masked_keeps_the_shape_and_no_digit():
    (finding,) = check_text("Patienten 19121212-1212 kom")
    assert finding.masked == "••••••••-••••"
    (finding,) = check_text("Ring +46 70 123 45 67")
    assert finding.masked == "+•• •• ••• •• ••"
    (finding,) = check_text("Mejla anna.s@example.se")
    assert finding.masked == "••••.•@•••••••.••"


@pytest.mark.parametrize(
    "number", forms("19", TEST_PERSON) + forms("19", TEST_COORDINATION) + ["070-123 45 67"]
)
def test_context_shows_where_without_the_number(number):
    text = f"Hon besökte mottagningen med\n{number} i går efter utskrivningen från avdelningen."
    (finding,) = check_text(text)
    assert not re.search(r"[0-9]", finding.masked + finding.context)
    assert number not in repr(finding)
    assert re.sub(r"[^0-9]", "", number) not in repr(finding)
    assert finding.context.startswith("…mottagningen med •")
    assert finding.context.endswith(" i går efter…")


def test_context_masks_neighbouring_findings_too():
    text = "121212-1212 070-123 45 67 anna@example.se 19121212-1212"
    findings = check_text(text)
    assert len(findings) == 4
    for finding in findings:
        assert not re.search(r"[0-9]", finding.context)
        assert "anna" not in finding.context


def test_two_phone_numbers_with_a_slash_are_both_found_and_masked():
    text = "070-123 45 67/0455-73 10 00"
    findings = check_text(text)
    assert [text[f.start : f.end] for f in findings] == ["070-123 45 67", "0455-73 10 00"]
    assert not re.search(r"[0-9]", findings[0].context)


def test_a_phone_number_inside_an_e_mail_address_is_masked_once():
    phone, email = check_text("Svar till 0701234567@sms.example.se")
    assert (phone.kind, email.kind) == (FindingKind.PHONE_NUMBER, FindingKind.EMAIL_ADDRESS)
    assert email.masked == "••••••••••@•••.•••••••.••"
    assert phone.context == email.context == "Svar till ••••••••••@•••.•••••••.••"


def test_context_has_no_ellipsis_at_the_ends_of_the_text():
    (finding,) = check_text("121212-1212")
    assert finding.context == "••••••-••••"


def test_check_fields_maps_findings_to_fields():
    result = check_fields(
        {
            "description": "Patienten 121212-1212 fick fel läkemedelslista.",
            "immediate_action": "Ringde anhörig på 070-123 45 67.",
            "proposal": None,
            "summary": "",
            "other": "Inget att tillägga.",
        }
    )
    assert not result.ok
    assert list(result.refusals) == ["description"]
    assert list(result.warnings) == ["immediate_action"]
    assert [f.kind for f in result.refusals["description"]] == [
        FindingKind.PERSONAL_IDENTITY_NUMBER
    ]


def test_warnings_alone_are_ok():
    result = check_fields({"description": "Kontakta enheten på 0455-73 10 00."})
    assert result.ok
    assert result.refusals == {}
    assert set(result.warnings) == {"description"}


def test_clean_fields_are_ok():
    result = check_fields({"description": "Utskrivningen den 2026-11-23 saknade SIP."})
    assert result.ok
    assert result.refusals == {}
    assert result.warnings == {}


def test_finding_is_frozen():
    (finding,) = check_text("121212-1212")
    with pytest.raises(FrozenInstanceError):
        finding.start = 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Patienten besökte 19121212-1212 i går.",
            "Texten innehåller något som ser ut som ett personnummer (tecken 19–31: "
            "”Patienten besökte ••••••••-•••• i går.”). Ta bort det – personnummer sparas "
            "aldrig här.",
        ),
        (
            f"Nr {TEST_COORDINATION}",
            "Texten innehåller något som ser ut som ett samordningsnummer (tecken 4–13: "
            "”Nr ••••••••••”). Ta bort det – samordningsnummer sparas aldrig här.",
        ),
        (
            "Ring 070-123 45 67",
            "Texten innehåller ett telefonnummer (tecken 6–18: ”Ring •••-••• •• ••”). "
            "Om det är en privatpersons nummer, ta bort det.",
        ),
        (
            "Mejla a@b.se",
            "Texten innehåller en e-postadress (tecken 7–12: ”Mejla •@•.••”). "
            "Om det är en privatpersons adress, ta bort den.",
        ),
    ],
)
def test_message_is_swedish_without_an_app_and_points_at_the_match(text, expected):
    (finding,) = check_text(text)
    assert message(finding) == expected


@pytest.mark.parametrize(
    "text",
    ["1" * 10_000, "0 " * 5_000, "a@" * 5_000, "a" * 10_000, "12 " * 3_333, "070-" * 2_500],
)
def test_long_pathological_texts_are_checked(text):
    """The patterns have no nested repetition to backtrack through; these return at once."""
    assert check_text(text) == []
