"""Generate docs/templates.md, the normative description of every message body, from the code.

    .venv/bin/python docs/make_templates.py

Everything the document states about a body is read from the code, never typed here: the message
types, their meaning and whether they need the approval chain (`protocols/registry.py`); every
member, whether it is required, and its constraints (the marshmallow fields and their validators
in `protocols/v1/bodies.py` and `protocols/v1/templates/`); the rules that span members (the
docstrings of the schemas' `@validates_schema` methods); the enumerations and their English labels
(`protocols/v1/i18n/`). A field, validator or rule that this script cannot describe stops it with
an error rather than being left out. The output is the same byte for byte on every run.

tests/unit/test_templates_doc.py checks that docs/templates.md is what `render()` returns.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

from protocols import registry
from protocols.v1 import bodies, i18n
from protocols.v1.templates import base, eio, mla

OUT = Path(__file__).resolve().parent / "templates.md"
VERSION = registry.CURRENT
ENGLISH = i18n.catalogue("en")


# -- small helpers ------------------------------------------------------------------------------


def number(value: int) -> str:
    """An integer as the documents write it: groups of three digits separated by a space."""
    return f"{value:,}".replace(",", " ")


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return kept.replace(" ", "-")


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def paragraph(doc: str | None, what: str) -> str:
    """A docstring as one paragraph of markdown; a missing docstring is an error."""
    if not doc or not doc.strip():
        raise ValueError(f"{what} has no docstring")
    return " ".join(inspect.cleandoc(doc).split())


def label(key: str) -> str:
    """The English label of `key` (every key has one: tests/unit/protocols/test_i18n.py)."""
    return ENGLISH[key]


def pattern(regexp: validate.Regexp) -> str:
    """A pattern that must match the whole value, without its end anchor."""
    source = regexp.regex.pattern
    if not source.endswith("\\Z"):
        raise ValueError(f"pattern {source!r} does not match whole values; describe it by hand")
    return source.removesuffix("\\Z")


def schema_heading(schema: type[Schema]) -> str:
    return f"Object `{schema.__name__}`"


def schema_link(schema: type[Schema]) -> str:
    return f"[`{schema.__name__}`](#{slug(schema_heading(schema))})"


def enum_heading(name: str) -> str:
    return f"Enumeration `{name}`"


def enum_link(name: str) -> str:
    return f"[`{name}`](#{slug(enum_heading(name))})"


def type_heading(message_type: registry.MessageType) -> str:
    return f"`{message_type.name}`"


MEASURE_DETAILS_HEADING = "Measure details"
SECTION_H_HEADING = "Section H blocks"
COUNTRIES_HEADING = "Country codes"
ENUMERATIONS_HEADING = "Enumerations"


# -- what a field is --------------------------------------------------------------------------------


def length_phrase(length: validate.Length, unit: str, units: str) -> str:
    if length.equal is not None:
        return f"exactly {number(length.equal)} {unit if length.equal == 1 else units}"
    low = length.min if length.min else None
    if low is not None and length.max is not None:
        return f"{number(low)}–{number(length.max)} {units}"
    if low is not None:
        return f"at least {number(low)} {unit if low == 1 else units}"
    if length.max is not None:
        return f"at most {number(length.max)} {unit if length.max == 1 else units}"
    return ""


def range_phrase(limits: validate.Range) -> str:
    low, high = limits.min, limits.max
    if low is not None and high is not None and limits.min_inclusive and limits.max_inclusive:
        return f"{number(low)}–{number(high)}"
    parts = []
    if low is not None:
        parts.append(f"{'≥' if limits.min_inclusive else '>'} {number(low)}")
    if high is not None:
        parts.append(f"{'≤' if limits.max_inclusive else '<'} {number(high)}")
    return ", ".join(parts)


def validators(field: fields.Field[Any]) -> list[Any]:
    return list(field.validators)


def string_noun(field: fields.String) -> tuple[str, str, str]:
    """(singular, plural, constraint) of a string field, from its metadata and validators."""
    metadata = field.metadata or {}
    singular, plural, constraints = "string", "strings", []
    for validator in validators(field):
        if isinstance(validator, validate.OneOf):
            enum_name = metadata.get("enum")
            if enum_name:
                if list(validator.choices) != list(i18n.enumerations()[enum_name]):
                    raise ValueError(f"field codes differ from enumeration {enum_name}")
                singular, plural = f"code of {enum_link(enum_name)}", f"codes of {enum_link(enum_name)}"
            elif set(validator.choices) == base.COUNTRIES:
                link = f"#{slug(COUNTRIES_HEADING)}"
                singular, plural = f"[country code]({link})", f"[country codes]({link})"
            else:
                raise ValueError(f"a OneOf without an enumeration name: {validator.choices!r}")
        elif isinstance(validator, validate.Regexp):
            if validator is bodies.LANGUAGE_TAG:
                singular, plural = "language tag", "language tags"
            elif validator.regex.pattern == base.E164.pattern:
                singular, plural = "E.164 telephone number", "E.164 telephone numbers"
            else:
                constraints.append(f"matching `{pattern(validator)}`")
        elif isinstance(validator, validate.Length):
            if metadata.get("free_text") or validator is bodies.FREE_TEXT:
                singular, plural = "free text", "free texts"
            elif validator is bodies.REFERENCE or validator is base.REFERENCE:
                singular, plural = "reference", "references"
            constraints.append(length_phrase(validator, "character", "characters"))
        else:
            raise ValueError(f"cannot describe validator {validator!r}")
    if metadata.get("free_text") and singular != "free text":
        raise ValueError("free text without its length")
    return singular, plural, ", ".join(constraints)


def noun(field: fields.Field[Any]) -> tuple[str, str, str]:
    """(singular, plural, constraint) of a field that is not a list."""
    if field.allow_none:
        raise ValueError("a field allows null; the intro says no member does")
    if isinstance(field, fields.Nested):
        nested = field.nested
        if not (isinstance(nested, type) and issubclass(nested, Schema)) or field.many:
            raise ValueError(f"cannot describe nested {nested!r}")
        return f"object {schema_link(nested)}", f"objects {schema_link(nested)}", ""
    if isinstance(field, fields.Boolean):
        return "boolean", "booleans", ""
    if isinstance(field, fields.Integer):
        ranges = [v for v in validators(field) if isinstance(v, validate.Range)]
        if len(ranges) != len(validators(field)):
            raise ValueError("an integer with a validator other than Range")
        return "integer", "integers", ", ".join(range_phrase(v) for v in ranges)
    if isinstance(field, bodies.CalendarDate):
        return "date", "dates", ""
    if isinstance(field, fields.Email):
        return "e-mail address", "e-mail addresses", ""
    if isinstance(field, fields.Dict):
        sizes = [v for v in validators(field) if isinstance(v, validate.Length)]
        if len(sizes) != len(validators(field)) or field.key_field is None or field.value_field is None:
            raise ValueError("cannot describe this Dict")
        _key, keys, key_constraint = noun(field.key_field)
        _value, values, value_constraint = noun(field.value_field)
        keys = f"{keys} ({key_constraint})" if key_constraint else keys
        values = f"{values} ({value_constraint})" if value_constraint else values
        size = "; ".join(length_phrase(v, "entry", "entries") for v in sizes)
        return (
            f"object: keys are {keys}, values are {values}",
            f"objects (keys are {keys}, values are {values})",
            size,
        )
    if type(field) is fields.String:
        return string_noun(field)
    raise ValueError(f"cannot describe field {field!r}")


def type_text(schema: type[Schema], name: str, field: fields.Field[Any]) -> str:
    """The type column: what the member holds and its constraints."""
    if schema is mla.Measure and name == "details":
        return (
            f"object; its members depend on `code`: see [{MEASURE_DETAILS_HEADING}](#{slug(MEASURE_DETAILS_HEADING)})"
        )
    if not isinstance(field, fields.List):
        singular, _plural, constraint = noun(field)
        return f"{singular} ({constraint})" if constraint else singular
    if field.allow_none:
        raise ValueError("a field allows null; the intro says no member does")
    _singular, plural, constraint = noun(field.inner)
    distinct, items = False, []
    for validator in validators(field):
        if validator is base.distinct:
            distinct = True
        elif isinstance(validator, validate.Length):
            phrase = length_phrase(validator, "item", "items")
            if phrase:
                items.append(phrase)
        else:
            raise ValueError(f"cannot describe list validator {validator!r}")
    text = f"list of {'distinct ' if distinct else ''}{plural}"
    if constraint:
        text += f" ({constraint} each)"
    if items:
        text += "; " + ", ".join(items)
    return text


def nested_schemas(schema: type[Schema]) -> Iterator[type[Schema]]:
    """The schemas `schema`'s members hold directly, in member order."""
    for name, field in schema._declared_fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested) and isinstance(inner.nested, type):
            yield inner.nested
        if schema is mla.Measure and name == "details":
            yield from mla.MEASURE_DETAILS.values()


def reachable(schema: type[Schema]) -> list[type[Schema]]:
    """Every schema below `schema`, depth first in member order, each once."""
    found: list[type[Schema]] = []

    def visit(current: type[Schema]) -> None:
        for child in nested_schemas(current):
            if child not in found:
                found.append(child)
                visit(child)

    visit(schema)
    return found


def rules(schema: type[Schema]) -> list[str]:
    """The rules that span members: the docstrings of the schema's `@validates_schema` methods."""
    found = []
    for name, _many, options in schema._hooks.get("validates_schema", []):
        # The intro says a rule sees the members once each is valid, and only them.
        if options != {"pass_original": False, "skip_on_field_errors": True}:
            raise ValueError(f"{schema.__name__}.{name}: a rule with other options than the intro describes")
        found.append(paragraph(getattr(schema, name).__doc__, f"{schema.__name__}.{name}"))
    return found


# -- the document ------------------------------------------------------------------------------------


def members_table(schema: type[Schema]) -> list[str]:
    if schema.opts.unknown != RAISE:
        raise ValueError(f"{schema.__name__} accepts unknown members; the intro says none does")
    declared = schema._declared_fields
    if not declared:
        return ["This object has no members: it is `{}`."]
    lines = ["| member | required | type | label (en) |", "|---|---|---|---|"]
    for name, field in declared.items():
        owner = i18n._declaring_class(schema, name).__name__
        lines.append(
            f"| `{name}` | {'yes' if field.required else 'no'} | {cell(type_text(schema, name, field))} "
            f"| {cell(label(f'{owner}.{name}'))} |"
        )
    return lines


def rules_block(schema: type[Schema]) -> list[str]:
    found = rules(schema)
    if not found:
        return ["Rules: none beyond the table."] if schema._declared_fields else []
    return ["Rules:", "", *(f"- {rule}" for rule in found)]


def section_h_table() -> list[str]:
    lines = [
        f"#### {SECTION_H_HEADING}",
        "",
        "The Section H block that each measure of `section_c.measures` needs; the other measures need none.",
        "",
        "| measure in `section_c.measures` | block |",
        "|---|---|",
    ]
    for measure in eio.MEASURE:
        if measure in eio.H_BLOCK_OF:
            block = eio.H_BLOCK_OF[measure]
            nested = eio.EioRequest._declared_fields[block]
            assert isinstance(nested, fields.Nested)
            assert isinstance(nested.nested, type)
            lines.append(f"| `{measure}` | `{block}` ({schema_link(nested.nested)}) |")
    return lines


# Tables a body's rules refer to, shown right after them.
EXTRA: dict[type[Schema], Callable[[], list[str]]] = {eio.EioRequest: section_h_table}


def object_section(schema: type[Schema], level: str) -> list[str]:
    lines = [f"{level} {schema_heading(schema)}", "", paragraph(schema.__doc__, schema.__name__), ""]
    lines += [*members_table(schema), ""]
    found = rules_block(schema)
    return [*lines, *found, ""] if found else lines


def message_section(message_type: registry.MessageType, described: set[type[Schema]]) -> list[str]:
    schema = message_type.body_schema
    approval = (
        "**yes** (a formal act: the content's `approvals` chain MUST hold a drafter and a different approver, "
        "[protocol.md](protocol.md) 4.1)"
        if message_type.requires_approval
        else "no"
    )
    lines = [
        f"## {type_heading(message_type)}",
        "",
        f"{message_type.description}. English label: “{label(f'message_type.{message_type.name}')}”.",
        "",
        f"Approval required: {approval}.",
        "",
        f"Body: object `{schema.__name__}`. {paragraph(schema.__doc__, schema.__name__)}",
        "",
        *members_table(schema),
        "",
        *rules_block(schema),
        "",
    ]
    if schema in EXTRA:
        lines += [*EXTRA[schema](), ""]
    below = reachable(schema)
    if below:
        links = [schema_link(child) + ("" if child not in described else " (above)") for child in below]
        lines += ["Objects in this body: " + ", ".join(links) + ".", ""]
    for child in below:
        if child not in described:
            described.add(child)
            lines += object_section(child, "###")
    return lines


def measure_details_section() -> list[str]:
    lines = [
        f"## {MEASURE_DETAILS_HEADING}",
        "",
        "In `request.mla`, the `details` member of each entry of `assistance_sought` is an object of the schema "
        "given here for the entry's `code` (absent counts as `{}`), and `person_refs` is required for the measures "
        "that concern a person.",
        "",
        "| measure `code` | `details` object | `person_refs` required |",
        "|---|---|---|",
    ]
    if list(mla.MEASURE_DETAILS) != list(mla.MEASURE):
        raise ValueError("MEASURE_DETAILS does not list the measures in their order")
    for measure, schema in mla.MEASURE_DETAILS.items():
        concerns = "yes" if measure in mla.PERSON_MEASURES else "no"
        lines.append(f"| `{measure}` | {schema_link(schema)} | {concerns} |")
    return [*lines, ""]


def enumerations_section() -> list[str]:
    used: dict[str, list[str]] = {}
    seen: set[type[Schema]] = set()
    for kind in registry.MESSAGE_TYPES[VERSION.name].values():
        for schema in [kind.body_schema, *reachable(kind.body_schema)]:
            if schema in seen:
                continue
            seen.add(schema)
            for name, field in schema._declared_fields.items():
                inner = field.inner if isinstance(field, fields.List) else field
                enum_name = (field.metadata or {}).get("enum") or (inner.metadata or {}).get("enum")
                if enum_name:
                    used.setdefault(enum_name, []).append(f"`{schema.__name__}.{name}`")
    # An enumeration that no member holds is one that rules name (the grounds of the decisions).
    held = set(used)
    for schema in sorted(seen, key=lambda schema: schema.__name__):
        for enum_name in sorted(set(i18n.enumerations()) - held):
            if any(f"`{enum_name}`" in rule for rule in rules(schema)):
                used.setdefault(enum_name, []).append(f"the rules of `{schema.__name__}`")
    lines = [
        f"## {ENUMERATIONS_HEADING}",
        "",
        "A code is sent exactly as written here. The labels are the English ones of `protocols/v1/i18n/en.json`; "
        "the other languages of the federation have theirs beside it, under the same keys "
        "(`<enumeration>.<code>`).",
        "",
    ]
    for name, enumeration in sorted(i18n.enumerations().items()):
        members = ", ".join(sorted(used.get(name, [])))
        if not members:
            raise ValueError(f"enumeration {name} is used by no member and no rule")
        lines += [
            f"### {enum_heading(name)}",
            "",
            f"Used by: {members}.",
            "",
            "| code | label (en) |",
            "|---|---|",
            *(f"| `{code}` | {cell(label(f'{name}.{code}'))} |" for code in enumeration),
            "",
        ]
    codes = sorted(base.COUNTRIES)
    rows = [" ".join(f"`{code}`" for code in codes[start : start + 20]) for start in range(0, len(codes), 20)]
    lines += [
        f"### {COUNTRIES_HEADING}",
        "",
        f"The {len(codes)} codes a country member accepts: ISO 3166-1 alpha-2, and `XK` for Kosovo.",
        "",
        *rows,
        "",
    ]
    return lines


def strict_scalars() -> bool:
    """Whether every integer and boolean member takes only JSON integers and booleans, as the intro says."""
    seen: set[type[Schema]] = set()
    for kind in registry.MESSAGE_TYPES[VERSION.name].values():
        seen.update([kind.body_schema, *reachable(kind.body_schema)])
    for schema in seen:
        for field in schema._declared_fields.values():
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Integer) and not isinstance(inner, bodies.WholeNumber):
                return False
            if isinstance(inner, fields.Boolean) and not isinstance(inner, bodies.YesNo):
                return False
    return True


def intro() -> list[str]:
    if not strict_scalars():
        raise ValueError("an integer or boolean member is lenient now: update the intro's paragraph on them")
    types = list(registry.MESSAGE_TYPES[VERSION.name].values())
    reference = base.REFERENCE
    free = base.TEXT
    short = base.SHORT
    if (bodies.REFERENCE.min, bodies.REFERENCE.max) != (reference.min, reference.max) or (
        bodies.FREE_TEXT.min,
        bodies.FREE_TEXT.max,
    ) != (free.min, free.max):
        raise ValueError("bodies.py and templates/base.py disagree on a shared rule")
    translation = base.Translation._declared_fields["texts"]
    assert isinstance(translation, fields.Dict)
    assert translation.key_field is not None
    key_length = next(v for v in translation.key_field.validators if isinstance(v, validate.Length))
    contents = [f"- [{type_heading(kind)}](#{slug(type_heading(kind))})" for kind in types]
    contents += [
        f"- [{MEASURE_DETAILS_HEADING}](#{slug(MEASURE_DETAILS_HEADING)})",
        f"- [{ENUMERATIONS_HEADING}](#{slug(ENUMERATIONS_HEADING)})",
    ]
    return [
        f"# Message templates of `{VERSION.name}`",
        "",
        "<!-- Generated by docs/make_templates.py from the code. Do not edit: run "
        ".venv/bin/python docs/make_templates.py. -->",
        "",
        "This document is normative. It specifies the `body` of every message type of "
        f"`{VERSION.name}` (the member `body` of the content, [protocol.md](protocol.md) 4.1, chosen by the "
        "content's `type`), exactly as the reference node checks it: a body that breaks a rule stated here is "
        "`body_invalid` (protocol.md 6.3, step 11). It is generated from the code (`protocols/registry.py`, "
        "`protocols/v1/bodies.py`, `protocols/v1/templates/`, `protocols/v1/i18n/en.json`) by "
        "`docs/make_templates.py`, and `tests/unit/test_templates_doc.py` fails when the two differ.",
        "",
        "Rules shared by every body:",
        "",
        "- **Objects.** A body, and every object inside it, is a JSON object. A member that its table does not "
        "list is refused.",
        "- **Required and optional.** A member marked required MUST be present. An optional member is either "
        "absent or a value of its type: `null` is refused everywhere. An optional list may be empty unless its "
        "type gives a minimum number of items. Where a rule says a member “is required when …”, it MUST then "
        'be present and not empty (not `""`, `[]` or `{}`).',
        "- **Rules.** The rules under a table apply to every object of that schema, wherever it occurs, on top "
        "of the table. (The reference node checks an object's rules once its members are each valid, so it may "
        "report fewer errors at once; the outcome is `body_invalid` either way.)",
        "- **Strings.** Lengths count Unicode code points. A pattern must match the whole string, with nothing "
        "before or after it (not even a line break).",
        f"- **Free text** is a string of {number(free.min or 0)}–{number(free.max or 0)} characters, kept as "
        "written, in the language named by the body's `language` member; it is never translated in place.",
        f"- **References** (a case or file reference) are strings of {number(reference.min or 0)}–"
        f"{number(reference.max or 0)} characters; most other short strings have "
        f"{number(short.min or 0)}–{number(short.max or 0)}.",
        "- **Dates** are strings written exactly `YYYY-MM-DD` and naming a real calendar date; no other ISO 8601 "
        "form (`20260301`, `2026-W09-7`, a time) is accepted.",
        f"- **Telephone and fax numbers** are E.164 numbers: `{pattern(validate.Regexp(base.E164))}`, with no "
        "spaces or punctuation.",
        "- **Country codes** are ISO 3166-1 alpha-2 codes in capitals, plus `XK` (Kosovo); the accepted list is "
        f"under [{COUNTRIES_HEADING}](#{slug(COUNTRIES_HEADING)}).",
        f"- **Language tags** are BCP 47 tags matching `{pattern(bodies.LANGUAGE_TAG)}` (language, optional "
        "script, optional region: `sr-Cyrl`, `sq-XK`, `cnr-Latn`).",
        "- **Codes** are the exact codes of the named enumeration, listed under "
        f"[{ENUMERATIONS_HEADING}](#{slug(ENUMERATIONS_HEADING)}) with their English labels; a list of "
        "“distinct” codes (or language tags) MUST NOT repeat one.",
        "- **Integers and booleans.** An integer is a JSON number without a fraction or exponent and a boolean "
        'is JSON `true` or `false`; anything else (`"12"`, `12.5`, `"yes"`, `1`) is `body_invalid`.',
        "- **Translations.** A body that has `translations` carries there translations of its free text, each an "
        "object `Translation`: its `language`, optionally `translated_by`, and `texts`, an object mapping the "
        "dotted path of a free-text member of the body to the translated text (itself free text). The path "
        "names the members from the body's root, with list positions counted from 0, joined by `.`: "
        "`facts_summary`, `offences.0.statutory_provisions`, `section_g.facts_summary`. A key has at most "
        f"{number(key_length.max or 0)} characters; the reference node does not check that it names a "
        "free-text member present in the body, and a reader shows each translation beside the free-text member "
        "it names (a key that names none is not shown).",
        "- **Attachments** are described in the body (name, type, size, SHA-256); their bytes travel separately.",
        "",
        "Each type below gives its meaning, whether it needs the approval chain, the table of its body's "
        "members (member, whether required, type and constraints, English label) and the body's rules, then "
        "every object the body holds that no earlier type has described. The measure details of `request.mla` "
        "and all enumerations follow at the end.",
        "",
        "Contents",
        "",
        *contents,
        "",
    ]


def render() -> str:
    """docs/templates.md, as the code says it must be."""
    described: set[type[Schema]] = set()
    lines = intro()
    for kind in registry.MESSAGE_TYPES[VERSION.name].values():
        lines += message_section(kind, described)
    lines += measure_details_section()
    lines += enumerations_section()
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def main() -> int:
    text = render()
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote docs/templates.md ({len(text.encode('utf-8'))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
