"""Personal data guard (DESIGN §3): keep individual people out of deviation free text.

A deviation in collaboration describes a failure between organizations, not a patient.
Every free-text field, in forms and in the API, is to be checked with `check_fields`
before it is stored. Personal identity numbers and coordination numbers are refused. Phone
numbers and e-mail addresses only warn, because a unit's or a switchboard's number is
normal in a deviation and only the writer can tell it from a private person's.

The checks are plain Python, so forms, the API, the CLI and tests call them the same
way, without an app or a database. Services call `guard_text`, which raises
`PersonalDataError` for the refusals. Only the messages use Flask-Babel. Its `gettext`
returns the Swedish text when there is no app context, and inside a request it
translates the message *template* before the values are filled in. A view that
called `gettext` on the finished sentence would never find it in a catalog.

A finding never holds the characters it matched. `masked` and `context` replace them
with "•", so a finding can be logged, shown or returned by the API without repeating
the number it is about.
"""

import re
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask_babel import gettext as _

from .errors import WorkflowError


class Severity(StrEnum):
    REFUSE = "refuse"
    WARN = "warn"


class FindingKind(StrEnum):
    PERSONAL_IDENTITY_NUMBER = "personal_identity_number"
    COORDINATION_NUMBER = "coordination_number"
    PHONE_NUMBER = "phone_number"
    EMAIL_ADDRESS = "email_address"

    @property
    def severity(self) -> Severity:
        if self in (FindingKind.PERSONAL_IDENTITY_NUMBER, FindingKind.COORDINATION_NUMBER):
            return Severity.REFUSE
        return Severity.WARN


@dataclass(frozen=True, slots=True)
class Finding:
    """One match in one text. `start`/`end` are 0-based offsets as in `text[start:end]`."""

    kind: FindingKind
    start: int
    end: int
    masked: str
    context: str

    @property
    def severity(self) -> Severity:
        return self.kind.severity


@dataclass(frozen=True, slots=True)
class GuardResult:
    """Findings per field name. Fields without findings of a severity are left out of its dict."""

    refusals: dict[str, list[Finding]]
    warnings: dict[str, list[Finding]]

    @property
    def ok(self) -> bool:
        return not self.refusals


# How many characters of masked text `context` shows on each side of a finding.
CONTEXT_CHARS = 20

# Hyphen, plus (age 100 or more), the dashes a word processor puts in for a hyphen, and
# spaces including the non-breaking ones that come with pasted text.
_SEPARATORS = "-+\u2010\u2011\u2013\u2212 \u00a0\u202f"

# Each pattern starts with a plain character class and checks its left boundary just
# after it. The regex engine then skips to candidate characters in C instead of trying
# the whole pattern at every position: about ten times faster on ordinary prose.
#
# Boundaries are digits only. A longer digit run is some other number, but letters may
# touch: "pnr121212-1212" is still a personal identity number. A 12-digit run with a
# century other than 18-20 is refused nothing, and neither is its 10-digit tail.
_IDENTITY_NUMBER = re.compile(
    rf"""
    [0-9](?<![0-9]{{2}})                                       # first digit of a run
    (?:(?<=1)[89][0-9]{{6}}|(?<=2)0[0-9]{{6}}|[0-9]{{5}})      # (18|19|20)YYMMDD or YYMMDD
    (?P<separator>[{_SEPARATORS}])?
    [0-9]{{4}}
    (?![0-9])
    """,
    re.VERBOSE,
)


def _digits(low: int, high: int) -> str:
    """low to high digits with single spaces allowed between them: "123 45 67"."""
    return rf"[0-9](?:[ \u00a0]?[0-9]){{{low - 1},{high - 1}}}"


_AREA_SEPARATOR = r"(?:[ \u00a0]?[-\u2010\u2011\u2013][ \u00a0]?|[ \u00a0])"
_AFTER_COUNTRY_CODE = r"(?:[ \u00a0]?\(0\))?[- \u00a0]?[1-9](?:[- \u00a0]?[0-9]){6,8}"

# Swedish numbers are 8 to 10 digits with the leading 0; the area code is 1-3 digits
# after it. Mobile (07X) and landline numbers are both matched: the guard cannot tell a
# private person's number from a unit's by its digits, and a warning only asks. A
# landline needs a separator after its area code, because 8-10 bare digits starting
# with 0 are as often an order or file number; a bare 07XXXXXXXX is taken as a mobile.
# Not after "digit-" or "digit.", so the end of a date like 2026-01-23 stays quiet.
_PHONE_NUMBER = re.compile(
    rf"""
    [+0(](?<![0-9+].)(?<![0-9][-.].)
    (?:
        (?<=\+)[ \u00a0]?46{_AFTER_COUNTRY_CODE}                  # +46 70 123 45 67
      | (?<=0)0[ \u00a0]?46{_AFTER_COUNTRY_CODE}                   # 0046 70 123 45 67
      | (?<=0)7[0-9]{{8}}                                          # 0701234567
      | (?:(?<=\()0|(?<=0))
        (?:
            [1-9][0-9]{{2}}\)?{_AREA_SEPARATOR}{_digits(5, 6)}      # 0455-73 10 00
          | [1-9][0-9]\)?{_AREA_SEPARATOR}{_digits(5, 7)}           # 070-123 45 67
          | [1-9]\)?{_AREA_SEPARATOR}{_digits(6, 8)}                # 08-123 456 78
        )
    )
    (?![0-9])
    """,
    re.VERBOSE,
)

# Found from the "@", the one character every address has, and extended to the left
# in `_local_part_start`. Unicode letters are allowed because people type
# "åsa.öberg@...".
_EMAIL_DOMAIN = re.compile(r"@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?![\w\-])")

_DIGIT = re.compile(r"[0-9]")
_NOT_AT_OR_DOT = re.compile(r"[^@.]")
_WHITESPACE = re.compile(r"\s")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(digits):
        value = int(digit) * (2 - position % 2)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _identity_number_kind(match: re.Match[str]) -> FindingKind | None:
    """The kind of a structural match, or None when its checksum or date is wrong.

    The 10-digit form has no century. "+" means the person is 100 or older, so 18xx or
    19xx; otherwise 19xx or 20xx. The date is valid if it exists in either; that only
    matters for 29 February. A date in the future is not refused any less: checking it
    would need a clock, and refusing a misprint costs the writer little.
    """
    number = match.group()
    if match["separator"]:
        number = number.replace(match["separator"], "")
    written_century, yymmdd, serial = number[:-10], number[-10:-4], number[-4:]
    if not _luhn_valid(yymmdd + serial):
        return None
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    kind = FindingKind.PERSONAL_IDENTITY_NUMBER
    if day > 60:
        kind, day = FindingKind.COORDINATION_NUMBER, day - 60
    if written_century:
        centuries: tuple[int, ...] = (int(written_century),)
    elif match["separator"] == "+":
        centuries = (19, 18)
    else:
        centuries = (20, 19)
    if any(_is_date(century * 100 + yy, month, day) for century in centuries):
        return kind
    return None


def _local_part_start(text: str, at: int) -> int:
    """Where the address before the "@" at `at` begins; `at` itself if nothing does."""
    start = at
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "._%+-"):
        start -= 1
    return start


def _mask(kind: FindingKind, matched: str) -> str:
    """Same length and shape; an e-mail address keeps only its "@" and dots."""
    if kind is FindingKind.EMAIL_ADDRESS:
        return _NOT_AT_OR_DOT.sub("•", matched)
    return _DIGIT.sub("•", matched)


def _masked_text(text: str, spans: list[tuple[FindingKind, int, int]]) -> str:
    """The text with every finding masked. Spans are sorted; a phone number inside an
    e-mail address may overlap it, and then the rest of the later span is masked."""
    pieces = []
    cursor = 0
    for kind, start, end in spans:
        if end <= cursor:
            continue
        if start > cursor:
            pieces.append(text[cursor:start])
        pieces.append(_mask(kind, text[max(start, cursor) : end]))
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _context(masked_text: str, start: int, end: int) -> str:
    """About CONTEXT_CHARS of masked text on each side, cut at a space where there is one."""
    left = max(0, start - CONTEXT_CHARS)
    right = min(len(masked_text), end + CONTEXT_CHARS)
    window = _WHITESPACE.sub(" ", masked_text[left:right])
    cut_left, cut_right = 0, len(window)
    if left > 0:
        cut_left = window.find(" ", 0, start - left) + 1
    if right < len(masked_text):
        space = window.rfind(" ", end - left)
        cut_right = space if space != -1 else cut_right
    snippet = window[cut_left:cut_right].strip()
    return ("…" if left > 0 else "") + snippet + ("…" if right < len(masked_text) else "")


def check_text(text: str) -> list[Finding]:
    """All findings in one text, in order of position.

    A warning that overlaps a refused number is dropped: "0701234567" can be
    both a mobile number and the personal identity number of someone born in 2007, and
    the refusal is what the writer must act on.
    """
    spans: list[tuple[FindingKind, int, int]] = []
    for match in _IDENTITY_NUMBER.finditer(text):
        kind = _identity_number_kind(match)
        if kind is not None:
            spans.append((kind, match.start(), match.end()))
    refused_starts = [start for _, start, _ in spans]
    refused_ends = [end for _, _, end in spans]
    candidates = [
        (FindingKind.PHONE_NUMBER, m.start(), m.end()) for m in _PHONE_NUMBER.finditer(text)
    ]
    for match in _EMAIL_DOMAIN.finditer(text):
        start = _local_part_start(text, match.start())
        if start < match.start():
            candidates.append((FindingKind.EMAIL_ADDRESS, start, match.end()))
    for kind, start, end in candidates:
        # Refused spans are sorted and disjoint: only the last one starting before this
        # candidate ends can overlap it.
        index = bisect_left(refused_starts, end) - 1
        if index < 0 or refused_ends[index] <= start:
            spans.append((kind, start, end))
    if not spans:
        return []
    spans.sort(key=lambda span: span[1])

    # Mask every finding before cutting any context, so a context never shows a
    # neighbouring number in clear. Masking keeps the length, so offsets still hold.
    masked_text = _masked_text(text, spans)
    return [
        Finding(
            kind=kind,
            start=start,
            end=end,
            masked=masked_text[start:end],
            context=_context(masked_text, start, end),
        )
        for kind, start, end in spans
    ]


def check_fields(fields: Mapping[str, str | None]) -> GuardResult:
    """Check each field, so a form or API error can point at the field that needs work."""
    refusals: dict[str, list[Finding]] = {}
    warnings: dict[str, list[Finding]] = {}
    for name, text in fields.items():
        if not text:
            continue
        for finding in check_text(text):
            target = refusals if finding.severity is Severity.REFUSE else warnings
            target.setdefault(name, []).append(finding)
    return GuardResult(refusals=refusals, warnings=warnings)


def message(finding: Finding) -> str:
    """The text the UI shows for a finding, in the request's language (Swedish without one).

    It is shown under whichever field holds the finding (a report's description, a meeting's
    place, minutes), so it says nothing that fits only one of them.

    Positions are counted from 1 and include both ends, the way a reader counts
    characters. The quoted context is masked, so the message can be flashed or logged.
    """
    values = {"start": finding.start + 1, "end": finding.end, "context": finding.context}
    match finding.kind:
        case FindingKind.PERSONAL_IDENTITY_NUMBER:
            return _(
                "Texten innehåller något som ser ut som ett personnummer "
                "(tecken %(start)d–%(end)d: ”%(context)s”). Ta bort det – personnummer "
                "sparas aldrig här.",
                **values,
            )
        case FindingKind.COORDINATION_NUMBER:
            return _(
                "Texten innehåller något som ser ut som ett samordningsnummer "
                "(tecken %(start)d–%(end)d: ”%(context)s”). Ta bort det – "
                "samordningsnummer sparas aldrig här.",
                **values,
            )
        case FindingKind.PHONE_NUMBER:
            return _(
                "Texten innehåller ett telefonnummer (tecken %(start)d–%(end)d: "
                "”%(context)s”). Om det är en privatpersons nummer, ta bort det.",
                **values,
            )
        case FindingKind.EMAIL_ADDRESS:
            return _(
                "Texten innehåller en e-postadress (tecken %(start)d–%(end)d: "
                "”%(context)s”). Om det är en privatpersons adress, ta bort den.",
                **values,
            )


class PersonalDataError(WorkflowError):
    """Free text contains a personal identity number; carries the findings per field."""

    def __init__(self, refusals: dict):
        self.refusals = refusals
        super().__init__(
            _("Texten innehåller något som ser ut som ett personnummer eller samordningsnummer.")
        )

    def field_messages(self) -> dict[str, list[str]]:
        return {name: [message(f) for f in findings] for name, findings in self.refusals.items()}


def guard_text(**fields: str | None) -> dict:
    """Refuse personal identity numbers in any free text; return warnings for the UI."""
    result = check_fields(fields)
    if not result.ok:
        raise PersonalDataError(result.refusals)
    return result.warnings
