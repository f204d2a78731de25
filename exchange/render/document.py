"""A message body as the reader should see it: sections and rows, labelled in the reader's language.

Built once from the template and the body, then drawn as an HTML page or a PDF, so both show the
same thing. Field labels and codes are translated (they are the template's own words); free text
is never translated here: it is shown as written, marked with the language it was written in,
with any translation the sender attached beside it (`translations[].texts`, keyed by the field's
dotted path, e.g. `offences.0.statutory_provisions`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields

from protocols import registry
from protocols.v1 import i18n
from protocols.v1.templates.base import Form
from protocols.v1.templates.describe import _owner

# Fields shown in the document's head rather than as rows.
HEAD_FIELDS = frozenset({"our_reference", "their_reference", "language", "translations"})


@dataclass(frozen=True)
class Translation:
    language: str
    text: str
    translated_by: str | None = None


@dataclass
class Row:
    path: str
    label: str
    value: str
    kind: str  # code | text | plain | date | number | bool
    language: str | None = None  # free text: the language it was written in
    translations: list[Translation] = field(default_factory=list)


@dataclass
class Section:
    path: str
    title: str
    rows: list[Row] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.rows and all(child.is_empty() for child in self.sections)


@dataclass
class Document:
    message_type: str
    title: str
    reader_language: str
    written_in: str
    our_reference: str | None
    their_reference: str | None
    body: Section


YES = {"en": "yes", "sq": "po", "mk": "да", "sr-Latn": "da", "sr-Cyrl": "да", "bs": "da", "hr": "da", "cnr": "da"}
NO = {"en": "no", "sq": "jo", "mk": "не", "sr-Latn": "ne", "sr-Cyrl": "не", "bs": "ne", "hr": "ne", "cnr": "ne"}


class _Builder:
    def __init__(self, reader: str, written_in: str, translations: list[Mapping[str, Any]]) -> None:
        self.reader = reader
        self.written_in = written_in
        self.translations: dict[str, list[Translation]] = {}
        for item in translations:
            if not isinstance(item, Mapping):
                continue
            texts = item.get("texts")
            for path, text in texts.items() if isinstance(texts, Mapping) else ():
                self.translations.setdefault(str(path), []).append(
                    Translation(str(item.get("language", "")), str(text), item.get("translated_by"))
                )

    def label(self, schema: type[Schema], name: str) -> str:
        return i18n.label(f"{_owner(schema, name)}.{name}", self.reader)

    def code(self, enum_name: str, value: Any) -> str:
        return i18n.label(f"{enum_name}.{value}", self.reader)

    def section(self, schema: type[Schema], data: Mapping[str, Any], path: str, title: str) -> Section:
        section = Section(path, title)
        for name, spec in schema._declared_fields.items():
            if name not in data or (not path and name in HEAD_FIELDS):
                continue
            value = data[name]
            if value in (None, "", [], {}):
                continue
            self.add(section, schema, name, spec, value, f"{path}.{name}" if path else name, data)
        return section

    def add(
        self,
        section: Section,
        schema: type[Schema],
        name: str,
        spec: fields.Field[Any],
        value: Any,
        path: str,
        parent: Mapping[str, Any],
    ) -> None:
        label = self.label(schema, name)
        inner = spec.inner if isinstance(spec, fields.List) else spec
        enum_name = (spec.metadata or {}).get("enum") or (inner.metadata or {}).get("enum")
        by_instrument = (spec.metadata or {}).get("enum_by_instrument")
        if isinstance(by_instrument, Mapping):
            enum_name = by_instrument.get(str(parent.get("instrument", "")))
        if isinstance(inner, fields.Nested) and isinstance(inner.nested, type):
            nested: type[Schema] = inner.nested
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                if not isinstance(item, Mapping):
                    continue
                item_path = f"{path}.{index}" if isinstance(value, list) else path
                title = f"{label} {index + 1}" if isinstance(value, list) and len(items) > 1 else label
                section.sections.append(self.section(nested, item, item_path, title))
            return
        if isinstance(inner, fields.Dict) and issubclass(schema, Form) and isinstance(value, Mapping):
            member_schema = schema.member_schema(name, parent)
            if member_schema is not None:
                section.sections.append(self.section(member_schema, value, path, label))
                return
        if enum_name:
            values = value if isinstance(value, list) else [value]
            shown = "; ".join(self.code(str(enum_name), item) for item in values)
            section.rows.append(Row(path, label, shown, "code"))
            return
        if isinstance(inner, fields.Boolean):
            section.rows.append(
                Row(path, label, (YES if value else NO).get(self.reader, "yes" if value else "no"), "bool")
            )
            return
        free = bool((inner.metadata or {}).get("free_text"))
        if isinstance(value, list) and free:
            # Each item of a list of free text is a text of its own, with its own translations.
            for index, item in enumerate(value):
                item_path = f"{path}.{index}"
                item_label = f"{label} {index + 1}" if len(value) > 1 else label
                section.rows.append(self.text_row(item_path, item_label, str(item)))
            return
        if isinstance(value, list):
            section.rows.append(Row(path, label, "; ".join(str(item) for item in value), "plain"))
            return
        if isinstance(value, Mapping):
            shown = "; ".join(f"{key}: {item}" for key, item in value.items())
            section.rows.append(Row(path, label, shown, "plain"))
            return
        if free:
            section.rows.append(self.text_row(path, label, str(value)))
            return
        kind = "number" if isinstance(inner, fields.Number) else "plain"
        if type(inner).__name__ == "CalendarDate":
            kind = "date"
        section.rows.append(Row(path, label, str(value), kind))

    def text_row(self, path: str, label: str, value: str) -> Row:
        """Free text: shown as written, in the language it was written in, its translations beside it."""
        return Row(path, label, value, "text", language=self.written_in, translations=self.translations.get(path, []))


def build(message_type: str, body: Mapping[str, Any], reader_language: str) -> Document:
    """The document of `body` (a `message_type` body) for a reader of `reader_language`."""
    kind = registry.message_type(registry.CURRENT, message_type)
    reader = reader_language if reader_language in i18n.LANGUAGES else i18n.DEFAULT
    written_in = str(body.get("language") or "")
    translations = body.get("translations")
    builder = _Builder(reader, written_in, translations if isinstance(translations, list) else [])
    return Document(
        message_type=message_type,
        title=i18n.label(f"message_type.{message_type}", reader),
        reader_language=reader,
        written_in=written_in,
        our_reference=body.get("our_reference"),
        their_reference=body.get("their_reference"),
        body=builder.section(kind.body_schema, body, "", ""),
    )
