"""Region configurations (DESIGN §2) as TOML files, loaded again and again without harm.

The whole file is checked before the database is touched, so an operator sees every mistake at
once. Loading upserts by natural keys and deletes nothing, because administrators may have added
organizations, people or members that the file does not know about. The file format is described
at the top of avvikelse/regions/blekinge.toml.
"""

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..db import db, savepoint
from ..models import (
    Category,
    Coordinator,
    Direction,
    Frequency,
    Group,
    GroupLevel,
    Indicator,
    Membership,
    MembershipRole,
    Organization,
    OrganizationKind,
    Process,
    ProcessGoal,
    Region,
    TargetGroup,
    Unit,
    User,
)
from .figures import start_counting


class RegionFileError(Exception):
    """The file cannot be loaded; the message names the file, the entry and the problem."""


# What the summary counts, in the order describe() lists them, with Swedish labels.
KINDS = {
    "region": "region",
    "organization": "organisationer",
    "unit": "enheter",
    "user": "personer",
    "group": "grupper",
    "membership": "medlemskap",
    "category": "kategorier",
    "process": "processer",
    "process_goal": "processmål",
    "indicator": "indikatorer",
}


@dataclass
class LoadSummary:
    """Rows created and updated per kind; both empty when the database was already up to date."""

    region_key: str
    region_name: str
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    def describe(self) -> str:
        if not self.created and not self.updated:
            return f"{self.region_name} ({self.region_key}): redan aktuell, inget ändrat."

        def listing(counts: Counter) -> str:
            parts = [f"{label} {counts[kind]}" for kind, label in KINDS.items() if counts[kind]]
            return ", ".join(parts) or "inga"

        return (
            f"{self.region_name} ({self.region_key}) laddad. "
            f"Nya: {listing(self.created)}. Ändrade: {listing(self.updated)}."
        )


# --- the checked content of a file ---------------------------------------------------------


@dataclass
class UnitSpec:
    name: str
    units: list["UnitSpec"]


@dataclass
class OrganizationSpec:
    key: str
    name: str
    kind: OrganizationKind
    is_party: bool | None
    units: list[UnitSpec]


@dataclass
class PersonSpec:
    where: str
    key: str
    name: str
    email: str
    organization: str
    unit: tuple[str, ...] | None
    title: str | None
    coordinator_for: tuple[str, ...] = ()


@dataclass
class MemberSpec:
    person: str
    role: MembershipRole
    function: str | None
    represents: str | None
    counts_for_quorum: bool


@dataclass
class GroupSpec:
    key: str
    name: str
    short_name: str | None
    level: GroupLevel
    target_group: TargetGroup | None
    escalation_parent: str | None
    members: list[MemberSpec]


@dataclass
class CategorySpec:
    name: str
    description: str | None
    children: list["CategorySpec"]


@dataclass
class IndicatorSpec:
    name: str
    unit: str
    direction: Direction
    frequency: Frequency
    baseline: float | None
    target: float | None


@dataclass
class GoalSpec:
    text: str
    indicators: list[IndicatorSpec]


@dataclass
class ProcessSpec:
    name: str
    description: str | None
    owner_group: str | None
    goals: list[GoalSpec] = field(default_factory=list)


@dataclass
class RegionSpec:
    source: str
    key: str
    name: str
    settings: dict[str, int]
    organizations: list[OrganizationSpec]
    people: list[PersonSpec]
    groups: list[GroupSpec]
    categories: list[CategorySpec]
    processes: list[ProcessSpec]
    demo_logins: list[tuple[str, str]]
    demo_admins: list[str]


# --- finding and reading files -------------------------------------------------------------


def _shipped_files() -> dict:
    """The packaged files, found through importlib.resources so a wheel install finds them too."""
    folder = resources.files("avvikelse").joinpath("regions")
    files = {entry.name: entry for entry in folder.iterdir() if entry.name.endswith(".toml")}
    return {name.removesuffix(".toml"): files[name] for name in sorted(files)}


def list_shipped_regions() -> list[str]:
    return list(_shipped_files())


def _open(name_or_path: str | Path) -> tuple[str, str]:
    """Return (name used in messages, text) for a shipped name or a file path."""
    shipped = _shipped_files()
    choices = f"Inbyggda regioner: {', '.join(shipped)}."
    if str(name_or_path) in shipped:
        resource, source = shipped[str(name_or_path)], f"{name_or_path}.toml"
    else:
        resource, source = Path(name_or_path), str(name_or_path)
        if not resource.is_file():
            if resource.suffix == ".toml" or len(resource.parts) > 1:
                raise RegionFileError(f"Regionfilen {source} finns inte. {choices}")
            raise RegionFileError(
                f'Okänd region "{source}". {choices} Ange annars sökvägen till en .toml-fil.'
            )
    try:
        return source, resource.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RegionFileError(f"{source}: filen är inte sparad som UTF-8.") from None
    except OSError as error:
        raise RegionFileError(f"{source}: kan inte läsas ({error.strerror}).") from None


_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_error(source: str, error: tomllib.TOMLDecodeError) -> RegionFileError:
    message = str(error)
    match = _POSITION.search(message)
    if match:
        line, column = match.groups()
        return RegionFileError(
            f"{source}: rad {line}, kolumn {column}: felaktig TOML-syntax "
            f"({message[: match.start()]})"
        )
    return RegionFileError(f"{source}: felaktig TOML-syntax ({message})")


def read_region_file(name_or_path: str | Path) -> RegionSpec:
    """Parse and check a region file completely; raise RegionFileError listing every problem."""
    source, text = _open(name_or_path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(source, error) from None
    checker = _Checker(source)
    spec = checker.check(raw)
    if checker.errors:
        raise RegionFileError("\n".join(checker.errors))
    return spec


# --- checking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    kind: type
    required: bool = False
    max_length: int | None = None


_KIND_NAMES = {
    str: "en text",
    int: "ett heltal",
    bool: "true eller false",
    float: "ett tal",
    list: "en lista",
    dict: "en tabell",
}

_TOP_KEYS = {
    "region": _Key(dict, True),
    "organizations": _Key(list, True),
    "people": _Key(list),
    "groups": _Key(list),
    "categories": _Key(list),
    "processes": _Key(list),
    "demo": _Key(dict),
}
# The minimum of each setting repeats the CHECK constraints of models/region.py.
_SETTINGS = {
    "answer_deadline_days": 1,
    "recurrence_min_count": 2,
    "recurrence_months": 1,
    "general_min_municipalities": 2,
    "retention_years": 1,
    "audit_retention_years": 5,
}
_REGION_KEYS = {
    "key": _Key(str, True, 60),
    "name": _Key(str, True, 200),
    **{setting: _Key(int) for setting in _SETTINGS},
}
_ORGANIZATION_KEYS = {
    "key": _Key(str, True, 60),
    "name": _Key(str, True, 200),
    "kind": _Key(str, True),
    "is_party": _Key(bool),
    "units": _Key(list),
}
_UNIT_KEYS = {"name": _Key(str, True, 200), "units": _Key(list)}
_PERSON_KEYS = {
    "key": _Key(str, True, 60),
    "name": _Key(str, True, 200),
    "email": _Key(str, True, 254),
    "organization": _Key(str, True),
    "unit": _Key(str),
    "title": _Key(str, max_length=200),
    "coordinator_for": _Key(list),
}
_GROUP_KEYS = {
    "key": _Key(str, True, 60),
    "name": _Key(str, True, 200),
    "short_name": _Key(str, max_length=60),
    "level": _Key(str, True),
    "target_group": _Key(str),
    "escalation_parent": _Key(str),
    "members": _Key(list),
}
_MEMBER_KEYS = {
    "person": _Key(str, True),
    "role": _Key(str),
    "function": _Key(str, max_length=200),
    "represents": _Key(str),
    "counts_for_quorum": _Key(bool),
}
_CATEGORY_KEYS = {
    "name": _Key(str, True, 200),
    "description": _Key(str, max_length=500),
    "children": _Key(list),
}
_PROCESS_KEYS = {
    "name": _Key(str, True, 200),
    "description": _Key(str),
    "owner_group": _Key(str),
    "goals": _Key(list),
}
_GOAL_KEYS = {"text": _Key(str, True, 500), "indicators": _Key(list)}
_INDICATOR_KEYS = {
    "name": _Key(str, True, 200),
    "unit": _Key(str, True, 60),
    "direction": _Key(str, True),
    "frequency": _Key(str),
    "baseline": _Key(float),
    "target": _Key(float),
}
_DEMO_KEYS = {"logins": _Key(list), "admins": _Key(list)}
_LOGIN_KEYS = {"label": _Key(str, True, 60), "person": _Key(str, True)}

_REGION_KEY = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _has_kind(value, kind: type) -> bool:
    if kind is int:  # TOML booleans are Python ints too
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:  # a whole number is a number too
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


class _Checker:
    """Collects every problem of a file instead of stopping at the first one."""

    def __init__(self, source: str):
        self.source = source
        self.errors: list[str] = []

    def error(self, where: str, problem: str) -> None:
        self.errors.append(
            f"{self.source}: {where}: {problem}" if where else f"{self.source}: {problem}"
        )

    def table(self, where: str, value, keys: dict[str, _Key]) -> dict | None:
        """The known keys of one TOML table, type-checked. A misspelt optional key is reported,
        since it would otherwise be ignored without a word."""
        if not isinstance(value, dict):
            self.error(where, "ska vara en tabell, {...}")
            return None
        for name in value:
            if name not in keys:
                self.error(where, f'okänd nyckel "{name}"')
        result = {}
        for name, key in keys.items():
            if name not in value:
                if key.required:
                    self.error(where, f'nyckeln "{name}" saknas')
                continue
            item = value[name]
            if not _has_kind(item, key.kind):
                self.error(where, f'"{name}" ska vara {_KIND_NAMES[key.kind]}')
                continue
            if key.kind is str:
                item = item.strip()
                if not item:
                    self.error(where, f'"{name}" får inte vara tom')
                    continue
                if key.max_length and len(item) > key.max_length:
                    self.error(where, f'"{name}" får ha högst {key.max_length} tecken')
                    continue
            result[name] = item
        return result

    def entries(self, where: str, items: list, keys: dict[str, _Key], labels: tuple[str, ...]):
        """Yield (where, data, errors so far) per table of a list; `where` is numbered from 1 and
        named by the first of `labels` the entry has, e.g. `groups[3] "LSVO"`. An entry is only
        turned into a spec when no error was added after the count it came with."""
        for number, item in enumerate(items, 1):
            position, errors = f"{where}[{number}]", len(self.errors)
            fields = item if isinstance(item, dict) else {}
            name = next((fields[n].strip() for n in labels if isinstance(fields.get(n), str)), "")
            position = f'{position} "{name}"' if name else position
            data = self.table(position, item, keys)
            if data is not None:
                yield position, data, errors

    def choice(self, where: str, data: dict, name: str, enum_cls):
        if name not in data:
            return None
        try:
            return enum_cls(data[name])
        except ValueError:
            allowed = ", ".join(member.value for member in enum_cls)
            self.error(where, f'okänt värde "{data[name]}" för "{name}" (tillåtna: {allowed})')
            return None

    def unique(self, where: str, seen: dict, value: str, what: str) -> None:
        if value in seen:
            self.error(where, f'{what} "{value}" finns redan i {seen[value]}')
        else:
            seen[value] = where

    def check(self, raw: dict) -> RegionSpec | None:
        """Check every section; references are checked against every key the file declares, so
        a faulty entry is reported once, not again by everything that refers to it."""
        top = self.table("", raw, _TOP_KEYS)
        region = self.table("region", top["region"], _REGION_KEYS) if "region" in top else None
        settings = {}
        if region is not None:
            if "key" in region and not _REGION_KEY.match(region["key"]):
                self.error("region", f'"key" = "{region["key"]}" får bara ha a-z, 0-9 och "-"')
            for setting, minimum in _SETTINGS.items():
                if setting in region:
                    if region[setting] < minimum:
                        self.error("region", f'"{setting}" måste vara minst {minimum}')
                    settings[setting] = region[setting]
        if "organizations" in top and not top["organizations"]:
            self.error("organizations", "minst en organisation behövs")
        organizations, unit_paths = self.organizations(top.get("organizations", []))
        organization_keys = _declared_keys(top.get("organizations", []))
        person_keys = _declared_keys(top.get("people", []))
        group_keys = _declared_keys(top.get("groups", []))
        people = self.people(top.get("people", []), organization_keys, organizations, unit_paths)
        groups = self.groups(
            top.get("groups", []), group_keys, organization_keys, person_keys, organizations
        )
        categories = self.categories("categories", top.get("categories", []))
        processes = self.processes(top.get("processes", []), group_keys)
        logins, admins = self.demo(top.get("demo", {}), person_keys)
        if self.errors:
            return None
        return RegionSpec(
            source=self.source,
            key=region["key"],
            name=region["name"],
            settings=settings,
            organizations=list(organizations.values()),
            people=list(people.values()),
            groups=list(groups.values()),
            categories=categories,
            processes=processes,
            demo_logins=logins,
            demo_admins=admins,
        )

    def organizations(self, items: list):
        organizations: dict[str, OrganizationSpec] = {}
        unit_paths: dict[str, set[tuple[str, ...]]] = {}
        keys, names = {}, {}
        for where, data, errors in self.entries(
            "organizations", items, _ORGANIZATION_KEYS, ("name", "key")
        ):
            kind = self.choice(where, data, "kind", OrganizationKind)
            paths: set[tuple[str, ...]] = set()
            units = self.units(where, data.get("units", []), (), paths)
            if "name" in data:
                self.unique(where, names, data["name"], "namnet")
            if "key" in data:
                self.unique(where, keys, data["key"], "nyckeln")
            if len(self.errors) == errors:
                organizations[data["key"]] = OrganizationSpec(
                    data["key"], data["name"], kind, data.get("is_party"), units
                )
                unit_paths[data["key"]] = paths
        return organizations, unit_paths

    def units(self, where: str, items: list, parent: tuple[str, ...], paths: set) -> list:
        units, names = [], {}
        for unit_where, data, _ in self.entries(f"{where} → units", items, _UNIT_KEYS, ("name",)):
            if "name" not in data:
                continue
            name = data["name"]
            self.unique(unit_where, names, name, "enheten")
            if "/" in name:
                self.error(unit_where, 'enhetens namn får inte innehålla "/" (skiljer nivåerna)')
            path = (*parent, name)
            paths.add(path)
            units.append(UnitSpec(name, self.units(unit_where, data.get("units", []), path, paths)))
        return units

    def people(self, items: list, organization_keys: set, organizations: dict, unit_paths: dict):
        people: dict[str, PersonSpec] = {}
        keys, emails = {}, {}
        for where, data, errors in self.entries("people", items, _PERSON_KEYS, ("key",)):
            email = data.get("email", "").lower()
            if email and not _EMAIL.match(email):
                self.error(where, f'"{email}" är ingen e-postadress')
            elif email:
                self.unique(where, emails, email, "e-postadressen")
            organization, unit = data.get("organization"), None
            if organization is not None and organization not in organization_keys:
                self.error(where, f'okänd organisation "{organization}"')
            elif "unit" in data and organization in organizations:
                unit = tuple(part.strip() for part in data["unit"].split("/"))
                if unit not in unit_paths[organization]:
                    name = organizations[organization].name
                    self.error(where, f'okänd enhet "{data["unit"]}" i {name}')
            coordinator_for = data.get("coordinator_for", [])
            for key in coordinator_for:
                if key not in organization_keys:
                    self.error(where, f'coordinator_for: okänd organisation "{key}"')
            if "key" in data:
                self.unique(where, keys, data["key"], "nyckeln")
            if len(self.errors) == errors:
                people[data["key"]] = PersonSpec(
                    where,
                    data["key"],
                    data["name"],
                    email,
                    organization,
                    unit,
                    data.get("title"),
                    tuple(coordinator_for),
                )
        return people

    def groups(self, items, group_keys, organization_keys, person_keys, organizations) -> dict:
        groups: dict[str, GroupSpec] = {}
        keys, names = {}, {}
        for where, data, errors in self.entries(
            "groups", items, _GROUP_KEYS, ("short_name", "name")
        ):
            level = self.choice(where, data, "level", GroupLevel)
            target_group = self.choice(where, data, "target_group", TargetGroup)
            parent = data.get("escalation_parent")
            if parent is not None and parent not in group_keys:
                self.error(where, f'okänd grupp "{parent}" i escalation_parent')
            elif parent is not None and parent == data.get("key"):
                self.error(where, "gruppen kan inte eskalera till sig själv")
            members = self.members(
                where, data.get("members", []), organization_keys, person_keys, organizations
            )
            if "name" in data:
                self.unique(where, names, data["name"], "namnet")
            if "key" in data:
                self.unique(where, keys, data["key"], "nyckeln")
            if len(self.errors) == errors:
                groups[data["key"]] = GroupSpec(
                    key=data["key"],
                    name=data["name"],
                    short_name=data.get("short_name"),
                    level=level,
                    target_group=target_group,
                    escalation_parent=parent,
                    members=members,
                )
        for key, place in keys.items():
            if self.in_cycle(key, groups):
                self.error(place, "eskaleringskedjan går runt i en cirkel")
        return groups

    @staticmethod
    def in_cycle(key: str, groups: dict) -> bool:
        seen, current = set(), key
        while current in groups and current not in seen:
            seen.add(current)
            current = groups[current].escalation_parent
            if current == key:
                return True
        return False

    def members(self, where, items, organization_keys, person_keys, organizations) -> list:
        members, persons = [], {}
        for member_where, data, errors in self.entries(
            f"{where} → members", items, _MEMBER_KEYS, ()
        ):
            person, represents = data.get("person"), data.get("represents")
            if person is not None and person not in person_keys:
                self.error(member_where, f'okänd person "{person}"')
            elif person is not None:
                self.unique(member_where, persons, person, "personen")
            if represents is not None and represents not in organization_keys:
                self.error(member_where, f'okänd organisation "{represents}" i represents')
            role = self.choice(member_where, {"role": "member"} | data, "role", MembershipRole)
            counts = data.get("counts_for_quorum")
            if counts and (role is not MembershipRole.MEMBER or represents is None):
                self.error(
                    member_where,
                    'counts_for_quorum = true går bara för role = "member" med represents; '
                    "ordförande, sekreterare och adjungerade räknas aldrig (LEDNINGSSYSTEM §6.2)",
                )
            if len(self.errors) > errors or (
                represents is not None and represents not in organizations
            ):
                continue  # reported here or at the organization
            if counts is None:
                # Only principals (is_party) count: a private provider or a joint committee
                # sits in a group without being a party to the agreement.
                counts = (
                    role is MembershipRole.MEMBER
                    and represents is not None
                    and organizations[represents].is_party is not False
                )
            members.append(MemberSpec(person, role, data.get("function"), represents, counts))
        return members

    def categories(self, where: str, items: list) -> list:
        categories, names = [], {}
        for entry_where, data, _ in self.entries(where, items, _CATEGORY_KEYS, ("name",)):
            children = self.categories(f"{entry_where} → children", data.get("children", []))
            if "name" in data:
                self.unique(entry_where, names, data["name"], "kategorin")
                categories.append(CategorySpec(data["name"], data.get("description"), children))
        return categories

    def processes(self, items: list, group_keys: set) -> list:
        processes, names = [], {}
        for where, data, _ in self.entries("processes", items, _PROCESS_KEYS, ("name",)):
            owner = data.get("owner_group")
            if owner is not None and owner not in group_keys:
                self.error(where, f'okänd grupp "{owner}" i owner_group')
            if "name" in data:
                self.unique(where, names, data["name"], "processen")
                goals = self.goals(where, data.get("goals", []))
                processes.append(ProcessSpec(data["name"], data.get("description"), owner, goals))
        return processes

    def goals(self, where: str, items: list) -> list[GoalSpec]:
        """Process goals with their indicators (DESIGN §7); measurements are not configuration."""
        goals = []
        for goal_where, data, errors in self.entries(
            f"{where} → goals", items, _GOAL_KEYS, ("text",)
        ):
            indicators = []
            for ind_where, ind, ind_errors in self.entries(
                f"{goal_where} → indicators", data.get("indicators", []), _INDICATOR_KEYS, ("name",)
            ):
                direction = self.choice(ind_where, ind, "direction", Direction)
                frequency = self.choice(ind_where, ind, "frequency", Frequency) or Frequency.MONTHLY
                if len(self.errors) == ind_errors:
                    indicators.append(
                        IndicatorSpec(
                            ind["name"],
                            ind["unit"],
                            direction,
                            frequency,
                            ind.get("baseline"),
                            ind.get("target"),
                        )
                    )
            if len(self.errors) == errors:
                goals.append(GoalSpec(data["text"], indicators))
        return goals

    def demo(self, raw: dict, person_keys: set) -> tuple[list, list]:
        demo = self.table("demo", raw, _DEMO_KEYS) or {}
        logins = []
        for where, data, _ in self.entries(
            "demo.logins", demo.get("logins", []), _LOGIN_KEYS, ("label",)
        ):
            person = data.get("person")
            if person is not None and person not in person_keys:
                self.error(where, f'okänd person "{person}"')
            elif person is not None and "label" in data:
                logins.append((data["label"], person))
        admins = []
        for number, person in enumerate(demo.get("admins", []), 1):
            if not isinstance(person, str) or person not in person_keys:
                self.error(f"demo.admins[{number}]", f'okänd person "{person}"')
            else:
                admins.append(person)
        return logins, admins


def _declared_keys(items) -> set[str]:
    """Every `key` the file declares in a section, valid entry or not."""
    return {
        item["key"].strip()
        for item in items
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    }


# --- applying ------------------------------------------------------------------------------


class _Loader:
    """Upserts a checked file by natural keys; a key left out of the file keeps the database's
    value, so that what an administrator set is not undone by loading the file again."""

    def __init__(self, spec: RegionSpec):
        self.spec = spec
        self.summary = LoadSummary(spec.key, spec.name)
        self.new_rows: set = set()  # rows this load inserted
        self.where = "region"

    def upsert(self, kind: str, model, natural: dict, fields: dict):
        row = db.session.scalars(select(model).filter_by(**natural)).first()
        if row is None:
            row = model(**natural, **fields)
            db.session.add(row)
            db.session.flush()
            self.summary.created[kind] += 1
            self.new_rows.add(row)
        else:
            self.update(kind, row, fields)
        return row

    def update(self, kind: str, row, fields: dict) -> None:
        changed = {name: value for name, value in fields.items() if getattr(row, name) != value}
        if changed:
            for name, value in changed.items():
                setattr(row, name, value)
            db.session.flush()
            self.summary.updated[kind] += 1

    def apply(self) -> LoadSummary:
        spec = self.spec
        region = self.upsert(
            "region", Region, {"key": spec.key}, {"name": spec.name, **spec.settings}
        )
        if region in self.new_rows:
            start_counting(region.id)
        organizations, units = {}, {}
        for organization in spec.organizations:
            self.where = f'organisationen "{organization.name}"'
            fields = {"kind": organization.kind}
            if organization.is_party is not None:
                fields["is_party"] = organization.is_party
            row = self.upsert(
                "organization",
                Organization,
                {"region_id": region.id, "name": organization.name},
                fields,
            )
            organizations[organization.key] = row
            self.units(row, None, (), organization.units, units)
        users = {
            person.key: self.user(person, region, organizations, units) for person in spec.people
        }
        for person in spec.people:
            for key in person.coordinator_for:
                self.where = f'{person.where} → coordinator_for "{key}"'
                natural = {
                    "user_id": users[person.key].id,
                    "organization_id": organizations[key].id,
                }
                self.upsert("coordinator", Coordinator, natural, {})
        groups = self.groups(region, organizations, users)
        self.categories(region, None, spec.categories)
        for process in spec.processes:
            self.where = f'processen "{process.name}"'
            fields = {}
            if process.description is not None:
                fields["description"] = process.description
            if process.owner_group is not None:
                fields["owner_group_id"] = groups[process.owner_group].id
            row = self.upsert(
                "process", Process, {"region_id": region.id, "name": process.name}, fields
            )
            self.process_goals(row, process.goals)
        return self.summary

    def process_goals(self, process, goals: list) -> None:
        for position, goal in enumerate(goals, 1):
            self.where = f'processmålet "{goal.text}"'
            row = self.upsert(
                "process_goal",
                ProcessGoal,
                {"process_id": process.id, "text": goal.text},
                {"position": position},
            )
            for indicator in goal.indicators:
                fields = {
                    "unit": indicator.unit,
                    "direction": indicator.direction,
                    "frequency": indicator.frequency,
                    "baseline": indicator.baseline,
                    "target": indicator.target,
                }
                self.upsert(
                    "indicator", Indicator, {"goal_id": row.id, "name": indicator.name}, fields
                )

    def units(self, organization, parent, path: tuple, specs: list, found: dict) -> None:
        for spec in specs:
            self.where = f'enheten "{"/".join((*path, spec.name))}" i {organization.name}'
            parent_id = parent.id if parent is not None else None
            row = self.upsert(
                "unit",
                Unit,
                {"organization_id": organization.id, "parent_id": parent_id, "name": spec.name},
                {},
            )
            found[(organization.id, (*path, spec.name))] = row
            self.units(organization, row, (*path, spec.name), spec.units, found)

    def user(self, person: PersonSpec, region, organizations: dict, units: dict) -> User:
        self.where = person.where
        organization = organizations[person.organization]
        fields = {"name": person.name, "organization_id": organization.id}
        if person.unit is not None:
            fields["unit_id"] = units[(organization.id, person.unit)].id
        if person.title is not None:
            fields["title"] = person.title
        user = db.session.scalar(select(User).where(func.lower(User.email) == person.email))
        if user is None:
            user = User(email=person.email, **fields)
            db.session.add(user)
            db.session.flush()
            self.summary.created["user"] += 1
            return user
        if user.organization.region_id != region.id:
            raise RegionFileError(
                f'{self.spec.source}: {person.where}: e-postadressen "{person.email}" hör redan '
                f"till ett konto i regionen {user.organization.region.key}"
            )
        if person.unit is None and user.unit is not None:
            if user.unit.organization_id != organization.id:
                fields["unit_id"] = None  # the old unit belongs to the old organization
        self.update("user", user, fields)
        return user

    def groups(self, region, organizations: dict, users: dict) -> dict:
        groups = {}
        for spec in self.spec.groups:
            self.where = f'gruppen "{spec.name}"'
            fields = {"level": spec.level}
            if spec.short_name is not None:
                fields["short_name"] = spec.short_name
            if spec.target_group is not None:
                fields["target_group"] = spec.target_group
            groups[spec.key] = self.upsert(
                "group", Group, {"region_id": region.id, "name": spec.name}, fields
            )
        # Parents may come later in the file, so they are set once every group exists; setting
        # the parent of a group created just now is part of creating it, not an update.
        for spec in self.spec.groups:
            if spec.escalation_parent is None:
                continue
            self.where = f'gruppen "{spec.name}"'
            group, parent = groups[spec.key], groups[spec.escalation_parent]
            if group in self.new_rows:
                group.escalation_parent_id = parent.id
                db.session.flush()
            else:
                self.update("group", group, {"escalation_parent_id": parent.id})
        for spec in self.spec.groups:
            for member in spec.members:
                self.where = f'gruppen "{spec.name}", medlemmen "{member.person}"'
                fields = {"role": member.role, "counts_for_quorum": member.counts_for_quorum}
                if member.function is not None:
                    fields["function"] = member.function
                if member.represents is not None:
                    fields["represented_organization_id"] = organizations[member.represents].id
                natural = {"group_id": groups[spec.key].id, "user_id": users[member.person].id}
                self.upsert("membership", Membership, natural, fields)
        return groups

    def categories(self, region, parent, specs: list) -> None:
        for position, spec in enumerate(specs, 1):
            self.where = f'kategorin "{spec.name}"'
            fields = {"position": position}
            if spec.description is not None:
                fields["description"] = spec.description
            natural = {
                "region_id": region.id,
                "parent_id": parent.id if parent is not None else None,
                "name": spec.name,
            }
            row = self.upsert("category", Category, natural, fields)
            self.categories(region, row, spec.children)


def load_region(name_or_path: str | Path) -> LoadSummary:
    """Create or update a region from a shipped name ("blekinge") or a path to a .toml file.

    Flushes, never commits (the caller does). Everything happens inside a savepoint, so a failure
    halfway leaves nothing behind in the session. The file has been checked, so the database
    refuses a row only when someone else wrote the same one meanwhile (a second load, an admin).
    """
    spec = read_region_file(name_or_path)
    loader = _Loader(spec)
    try:
        with savepoint():
            return loader.apply()
    except IntegrityError as error:
        raise RegionFileError(
            f"{spec.source}: {loader.where}: databasen vägrade ändringen ({error.orig})"
        ) from error
