"""The notice and the minutes as PDF files, made on the server (issue 4, point 9 "Documents").

Members print the notice and forward it to their own organization before the meeting, and the
minutes are filed as documents; a file made here looks the same whatever browser or printer
the reader has. The pages themselves also print cleanly (the @media print rules in
avvikelse.css); the PDF is for when a file is what is needed.

fpdf2 writes the PDF in pure Python, with no browser and no system libraries. The text uses
DejaVu Sans, shipped in avvikelse/static/fonts/ (license next to it) and embedded in each file:
PDF's built-in fonts only cover Windows-1252, and names, organizations and texts typed by users
may hold any character.

What a document shows follows its page: the notice page (templates/meetings/notice.html) and
the minutes body (templates/minutes/_content.html), using the same messages so both read the
same in either language. A public PDF gets its content from minutes.public_content(), the
function the public page uses, so no name or discussion text can reach one but not the other.
"""

from flask_babel import format_datetime
from flask_babel import gettext as _
from fpdf import FPDF, FontFace

from .. import PACKAGE_DIR
from ..models import DecisionOutcome, MatterKind, Meeting, MembershipRole, Minutes
from .case_page import category_label
from .dashboard import days_text
from .meeting_deadlines import NOTICE_DAYS_BEFORE, meeting_deadlines
from .minutes import build_content, public_content

FONT_DIR = PACKAGE_DIR / "static" / "fonts"
FONT = "DejaVuSans"
LINE = 5.2  # mm per line of 10 pt text


class _Document(FPDF):
    """An A4 page with the house font, headings, facts and bullet lists, and page numbers."""

    def __init__(self, title: str):
        super().__init__(format="A4")
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_title(title)
        self.set_creator("Avvikelse")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=18)
        self.document_title = title
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        page = _("Sida %(page)d av %(pages)s", page=self.page_no(), pages="{nb}")
        self.cell(0, 4, f"{self.document_title} – {page}", align="C")

    def heading(self, text: str, *, size: int = 12) -> None:
        """A heading never ends a page: it moves on with the lines that follow it."""
        self.ln(2 if size < 12 else 4)
        if self.will_page_break(size * 0.5 + 3 * LINE):
            self.add_page()
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def text(self, text: str, *, bold: bool = False, size: int = 10) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, LINE, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def facts(self, rows: list[tuple[str, str]]) -> None:
        """Label and value side by side, the values aligned after the longest label."""
        self.set_font(FONT, "B", 10)
        width = max(self.get_string_width(label) for label, _value in rows) + 4
        for label, value in rows:
            self.set_font(FONT, "B", 10)
            self.cell(width, LINE, label)
            self.set_font(FONT, "", 10)
            self.multi_cell(0, LINE, value, align="L", new_x="LMARGIN", new_y="NEXT")

    def bullets(self, items: list[str]) -> None:
        self.set_font(FONT, "", 10)
        for item in items:
            self.cell(5, LINE, "•")
            self.multi_cell(0, LINE, item, align="L", new_x="LMARGIN", new_y="NEXT")

    def finish(self) -> bytes:
        return bytes(self.output())


# --- The notice -------------------------------------------------------------------------------


def notice_statements(meeting: Meeting) -> list[str]:
    """What the kallelse must say beyond the time and place: that the meeting is an extra one
    with a shortened notice decided by the chair, that it was moved or cancelled, and why."""
    lines = []
    if meeting.is_extra:
        lines.append(
            _(
                "Extra sammanträde. Ordföranden %(chair)s har beslutat om kortare kallelsetid: "
                "%(days)d dagar i stället för %(normal)d. Skäl: %(reason)s",
                chair=meeting.extra_decided_by.name,
                days=meeting.notice_days,
                normal=NOTICE_DAYS_BEFORE,
                reason=meeting.extra_reason,
            )
        )
    if meeting.move_reason:
        lines.append(_("Mötet är flyttat. Skäl: %(reason)s", reason=meeting.move_reason))
    if meeting.cancelled:
        lines.append(
            _("Mötet är inställt. Skäl: %(reason)s", reason=meeting.cancel_reason)
            if meeting.cancel_reason
            else _("Mötet är inställt.")
        )
    return lines


def notice_pdf(meeting: Meeting) -> bytes:
    """Kallelse och dagordning: the meeting, its deadlines and each matter's föredragning.

    As on the notice page, except that a linked case is named by its number and category only,
    not by the report's title: a downloaded file is outside the system's access control, so it
    carries no more of a case than the minutes do.
    """
    group = meeting.group
    deadlines = meeting_deadlines(meeting)
    pdf = _Document(
        _("Kallelse: %(group)s %(date)s", group=group.display_name, date=deadlines.meeting_day)
    )
    pdf.text(group.region.name, size=9)
    pdf.heading(_("Kallelse och dagordning"), size=16)
    for line in notice_statements(meeting):
        pdf.text(line, bold=True)
    if meeting.notice_sent_at is None and not meeting.cancelled:
        pdf.text(_("Förhandsgranskning: kallelsen är inte skickad."), bold=True)
    when = format_datetime(meeting.starts_at, "EEEE d MMMM yyyy 'kl.' HH:mm")
    if meeting.ends_at:
        when += "–" + format_datetime(meeting.ends_at, "HH:mm")
    facts = [(_("Grupp"), group.name), (_("Tid"), when)]
    if meeting.place:
        facts.append((_("Plats"), meeting.place))
    if meeting.link:
        facts.append((_("Digitalt"), meeting.link))
    facts.append((_("Sista anmälan av ärenden"), deadlines.registration_closes.isoformat()))
    if meeting.notice_sent_at:
        facts.append((_("Skickad"), format_datetime(meeting.notice_sent_at, "yyyy-MM-dd")))
    else:
        facts.append((_("Kallelse senast"), deadlines.notice_due.isoformat()))
    pdf.ln(2)
    pdf.facts(facts)
    pdf.ln(3)
    pdf.text(
        _(
            "Läs igenom föredragningarna och förankra ställningstagandet i din organisation "
            "före mötet. Kan du inte komma: lämna skriftliga synpunkter på mötessidan."
        )
    )
    pdf.heading(_("Dagordning"), size=13)
    if not meeting.matters:
        pdf.text(_("Inga ärenden."))
    for position, matter in enumerate(meeting.matters, start=1):
        pdf.heading(f"{position}. {matter.title}", size=11)
        meta = [matter.kind.title]
        if matter.presenter:
            meta.append(_("föredragande %(name)s", name=matter.presenter.name))
        if matter.added_after_notice:
            meta.append(_("tillagt efter kallelsen"))
        pdf.text(" – ".join(str(part) for part in meta), size=9)
        case = matter.deviation
        if case is not None:
            pdf.text(
                _("Ärende %(number)s", number=case.number)
                + ", "
                + _("Kategori: %(category)s", category=category_label(case.category))
            )
        _presentation(pdf, matter)
    return pdf.finish()


def _presentation(pdf: _Document, matter) -> None:
    """The föredragning (LEDNINGSSYSTEM §7.1), as templates/meetings/_presentation.html."""
    if not (matter.background or matter.done_so_far or matter.proposal):
        return
    for label, text in (
        (_("Bakgrund"), matter.background),
        (_("Vad har gjorts hittills"), matter.done_so_far),
        (_("Förslag till beslut"), matter.proposal or _("Inget förslag är skrivet än.")),
    ):
        if text:
            pdf.ln(1)
            pdf.text(label, bold=True)
            pdf.text(text)


# --- The minutes ------------------------------------------------------------------------------


def minutes_pdf(minutes: Minutes, *, public: bool) -> bytes:
    """One version of the minutes; `public` gives the published form of approved minutes.

    Approved minutes come from their frozen content, a draft from the meeting as it is now (as
    the internal page shows it), marked as a draft. Only approved minutes have a public form.
    """
    if public and not minutes.is_approved:
        raise ValueError("only approved minutes are published")
    content = minutes.content if minutes.is_approved else build_content(minutes.meeting)
    if public:
        content = public_content(content)
    title = _(
        "Protokoll: %(group)s %(date)s",
        group=content["group"]["name"],
        date=content["meeting"]["date"],
    )
    pdf = _Document(title)
    pdf.text(content["region"], size=9)
    pdf.heading(title, size=16)
    status = [_("Version %(version)d", version=minutes.version)]
    if minutes.is_approved:
        status.append(
            _("Justerat %(date)s", date=format_datetime(minutes.approved_at, "yyyy-MM-dd"))
        )
    else:
        status.append(_("Utkast – inte justerat"))
    pdf.text(" · ".join(status), bold=True)
    if minutes.version > 1:
        pdf.text(_("Rättelse:") + " " + minutes.correction_reason)
    _minutes_body(pdf, content)
    if public:
        pdf.ln(4)
        pdf.text(
            _(
                "Protokollet är justerat av ordföranden och en utsedd ledamot. Det publiceras "
                "utan personnamn; ärenden om avvikelser visas med ärendenummer och kategori."
            ),
            size=9,
        )
    elif minutes.is_approved:
        pdf.heading(_("Justering"), size=13)
        pdf.text(
            _(
                "Ordförande %(name)s, %(date)s",
                name=minutes.chair_approved_by.name,
                date=format_datetime(minutes.chair_approved_at, "yyyy-MM-dd HH:mm"),
            )
        )
        pdf.text(
            _(
                "Justerare %(name)s, %(date)s",
                name=minutes.adjuster.name,
                date=format_datetime(minutes.adjuster_approved_at, "yyyy-MM-dd HH:mm"),
            )
        )
    return pdf.finish()


def _minutes_body(pdf: _Document, content: dict) -> None:
    """templates/minutes/_content.html on paper: it shows what the content holds."""
    meeting = content["meeting"]
    when = meeting["starts"] + (f"–{meeting['ends']}" if meeting["ends"] else "")
    facts = [(_("Grupp"), content["group"]["name"]), (_("Datum"), meeting["date"])]
    facts.append((_("Tid"), when))
    if meeting["place"]:
        facts.append((_("Plats"), meeting["place"]))
    pdf.ln(2)
    pdf.facts(facts)

    pdf.heading(_("Närvaro"), size=13)
    _attendance(pdf, content["attendance"])

    pdf.heading(_("Beslutsförhet"), size=13)
    quorum = content["quorum"]
    if quorum["met"]:
        pdf.text(
            _(
                "Gruppen var beslutsför: mer än hälften av ledamöterna från varje huvudman "
                "var närvarande."
            )
        )
    elif not quorum["principals"]:
        pdf.text(_("Gruppen har inga ledamöter som räknas för beslutsförheten."))
    else:
        pdf.text(_("Gruppen var inte beslutsför."), bold=True)
    pdf.bullets(
        [
            _(
                "%(org)s: %(present)d av %(counting)d närvarande (minst %(needed)d behövs)",
                org=p["organization"],
                present=p["present"],
                counting=p["counting"],
                needed=p["needed"],
            )
            for p in quorum["principals"]
        ]
    )

    pdf.heading(_("Ärenden och beslut"), size=13)
    if not content["matters"]:
        pdf.text(_("Mötet hade inga ärenden."))
    for matter in content["matters"]:
        _minutes_matter(pdf, matter)


def _attendance(pdf: _Document, rows: list[dict]) -> None:
    with_names = any("name" in row for row in rows)
    headings = [_("Funktion"), _("Organisation"), _("Närvaro")]
    widths = (55, 75, 40)
    if with_names:
        headings.insert(0, _("Namn"))
        widths = (45, 45, 50, 30)
    pdf.set_font(FONT, "", 9)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.6, padding=1) as table:
        table.row(headings)
        for row in rows:
            role = MembershipRole(row["role"]).title
            function = row["function"] or role
            if row["function"] and row["role"] != MembershipRole.MEMBER:
                function += f" ({str(role).lower()})"
            cells = [
                function,
                row["organization"],
                _("Närvarande") if row["present"] else _("Frånvarande"),
            ]
            if with_names:
                cells.insert(0, row["name"])
            table.row([str(cell) for cell in cells])


def _minutes_matter(pdf: _Document, matter: dict) -> None:
    pdf.heading(f"§ {matter['position']} {matter['title']}", size=11)
    meta = [str(MatterKind(matter["kind"]).title)]
    if matter["case"]:
        meta.append(_("Ärende %(number)s", number=matter["case"]["number"]))
        meta.append(_("Kategori: %(category)s", category=matter["case"]["category"]))
    pdf.text(" · ".join(meta), size=9)
    if matter["discussion"]:
        pdf.ln(1)
        pdf.text(matter["discussion"])
    decision = matter["decision"]
    pdf.ln(1)
    if decision is None:
        pdf.text(_("Inget beslut protokollfört."))
        return
    outcome = DecisionOutcome(decision["outcome"]).title
    pdf.text(f"{_('Beslut:')} {outcome}", bold=True)
    if decision["text"]:
        pdf.text(decision["text"])
    if decision["follow_up_on"]:
        pdf.text(_("Följs upp senast %(date)s.", date=decision["follow_up_on"]))
    if decision["assignments"]:
        pdf.text(_("Uppdrag"), bold=True)
        pdf.bullets(
            [
                _("Till %(group)s, klart %(date)s:", group=a["group"], date=a["deadline"])
                + f" {a['purpose']} – {a['deliverable']}"
                for a in decision["assignments"]
            ]
        )
    if decision["actions"]:
        pdf.text(_("Åtgärder"), bold=True)
        pdf.bullets(
            [
                f"{a['description']} ("
                + _("ansvarig: %(owner)s, klart %(date)s", owner=a["owner"], date=a["due_on"])
                + ")"
                for a in decision["actions"]
            ]
        )


# --- The annual report --------------------------------------------------------------------------


def _pdf_table(pdf: _Document, header: list[str], rows: list[list[str]]) -> None:
    pdf.set_font(FONT, "", 8 if len(header) > 5 else 9)
    with pdf.table(
        headings_style=FontFace(emphasis="BOLD"), line_height=LINE, text_align="LEFT"
    ) as table:
        for values in [header, *rows]:
            row = table.row()
            for value in values:
                row.cell(str(value))
    pdf.ln(2)


def annual_report_pdf(report_contents, report) -> bytes:
    """The annual report as the page shows it: the generated figures and the group's text.

    `report` may be None (nothing written yet) or a draft: both are marked as drafts.
    """
    c = report_contents
    f = c.figures
    title = _("Årsrapport %(year)d: %(group)s", year=c.year, group=c.group.name)
    pdf = _Document(title)
    pdf.heading(title, size=16)
    if report is not None and report.is_approved:
        status = _(
            "Godkänd %(date)s av %(name)s",
            date=format_datetime(report.approved_at, "yyyy-MM-dd"),
            name=report.approved_by.name,
        )
    else:
        status = _("Utkast – inte godkänd")
    pdf.facts(
        [
            (_("Till"), c.receiver),
            (_("Lämnas senast"), c.due_on.isoformat()),
            (_("Status"), status),
        ]
    )
    pdf.heading(_("Sammanfattning"), size=13)
    pdf.bullets(c.summary)
    pdf.heading(_("Avvikelser per månad"), size=13)
    _pdf_table(pdf, [_("Månad"), _("Antal")], [[m.label, m.count] for m in f.months])
    pdf.heading(_("Avvikelser per kategori"), size=13)
    _pdf_table(
        pdf,
        [_("Kategori"), _("Antal"), _("Andel")],
        [[x.label, x.count, f"{round(x.share * 100)} %"] for x in f.categories],
    )
    pdf.heading(_("Per målgrupp och risknivå"), size=13)
    _pdf_table(
        pdf,
        [_("Målgrupp eller risknivå"), _("Antal")],
        [[x.label, x.count] for x in [*f.target_groups, *f.risk_levels]],
    )
    m = f.matrix
    if m.rows:
        pdf.heading(_("Organisationsmatris"), size=13)
        pdf.text(_("Rader: rapporterande organisation. Kolumner: berörd organisation."), size=9)
        _pdf_table(
            pdf,
            ["", *(o.name for o in m.columns), _("Totalt")],
            [
                [r.name, *(m.cell(r.id, o.id) or "" for o in m.columns), m.row_totals[r.id]]
                for r in m.rows
            ]
            + [[_("Totalt"), *(m.column_totals[o.id] for o in m.columns), m.total]],
        )
    pdf.heading(_("Ledtider"), size=13)
    for block in f.lead_times[:1]:
        _pdf_table(
            pdf,
            [_("Steg"), _("Ärenden"), _("Median, dagar"), _("80:e percentilen, dagar")],
            [[s.label, s.count, days_text(s.median), days_text(s.percentile)] for s in block.steps],
        )
    pdf.heading(_("Återkommande avvikelser och kluster"), size=13)
    if c.clusters:
        pdf.bullets(
            [
                f"{cluster.name} – {cluster.state.title}"
                + (f": {cluster.decision}" if cluster.decision else "")
                for cluster in c.clusters
            ]
        )
    else:
        pdf.text(_("Inga kluster under året."))
    pdf.heading(_("Beslut och deras uppföljning"), size=13)
    if c.decisions:
        pdf.bullets(
            [
                f"{d.matter.title} – "
                + (
                    _("uppföljt %(date)s", date=format_datetime(d.follow_up_done_at, "yyyy-MM-dd"))
                    if d.follow_up_done_at
                    else _("följs upp %(date)s", date=d.follow_up_on.isoformat())
                )
                for d in c.decisions
            ]
        )
    else:
        pdf.text(_("Inga beslut med uppföljning under året."))
    pdf.heading(_("Förbättringsarbeten"), size=13)
    if c.efforts:
        pdf.bullets(
            [
                f"{line.effort.title} ({line.effort.status.title})"
                + "".join(f"; {name}: {verdict}" for name, verdict in line.verdicts)
                for line in c.efforts
            ]
        )
    else:
        pdf.text(_("Inga förbättringsarbeten under året."))
    pdf.heading(_("Analys"), size=13)
    pdf.text((report.analysis if report else None) or _("(Inte skrivet ännu.)"))
    pdf.heading(_("Prioriteringar för nästa år"), size=13)
    pdf.text((report.priorities if report else None) or _("(Inte skrivet ännu.)"))
    return pdf.finish()
