"""A template as data: its fields, their types, whether they are required, their codes, in a language.

The web form wizard is drawn from this, and the API serves it, so that a client (or another
team's node) builds its forms from the same templates the receiving node checks against.
Conditional requirements ("required when ...") are not expressible here; the template reports
them field by field when a body is checked.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from protocols import registry
from protocols.v1 import i18n
from protocols.v1.templates import mla

Description = dict[str, Any]


def _owner(schema: type[Schema], name: str) -> str:
    owner = schema
    for klass in schema.__mro__:
        declared = getattr(klass, "_declared_fields", None)
        if isinstance(declared, dict) and name in declared and isinstance(klass, type) and issubclass(klass, Schema):
            owner = klass
    return owner.__name__


def _kind(field: fields.Field[Any]) -> str:
    if isinstance(field, fields.Nested):
        return "object"
    if isinstance(field, fields.Boolean):
        return "boolean"
    if isinstance(field, fields.Integer):
        return "integer"
    if isinstance(field, fields.Number):
        return "number"
    if isinstance(field, fields.Dict):
        return "object"
    if (field.metadata or {}).get("enum"):
        return "code"
    if (field.metadata or {}).get("free_text"):
        return "text"
    if type(field).__name__ == "CalendarDate":
        return "date"
    return "string"


def _choices(enum_name: str, language: str) -> list[dict[str, str]]:
    enumeration = i18n.enumerations()[enum_name]
    return [{"code": value, "label": i18n.label(f"{enum_name}.{value}", language)} for value in enumeration]


def _describe_field(
    schema: type[Schema], name: str, field: fields.Field[Any], language: str, depth: int
) -> Description:
    many = isinstance(field, fields.List)
    inner = field.inner if isinstance(field, fields.List) else field
    described: Description = {
        "name": name,
        "label": i18n.label(f"{_owner(schema, name)}.{name}", language),
        "type": _kind(inner),
        "required": bool(field.required),
        "many": many,
    }
    enum_name = (field.metadata or {}).get("enum") or (inner.metadata or {}).get("enum")
    if enum_name:
        described["type"] = "code"
        described["choices"] = _choices(str(enum_name), language)
    by_instrument = (field.metadata or {}).get("enum_by_instrument")
    if isinstance(by_instrument, dict):
        # Codes of the instrument the request was made under: every instrument's, each marked with it.
        described["type"] = "code"
        described["choices"] = [
            {"code": choice["code"], "label": f"{i18n.label(f'instrument.{instrument}', language)}: {choice['label']}"}
            for instrument, name in sorted(by_instrument.items())
            for choice in _choices(str(name), language)
        ]
    if isinstance(inner, fields.Nested) and isinstance(inner.nested, type) and depth < 6:
        described["fields"] = describe_schema(inner.nested, language, depth + 1)
    if schema is mla.Measure and name == "details":
        described["variants"] = {
            code: describe_schema(details, language, depth + 1) for code, details in mla.MEASURE_DETAILS.items()
        }
    return described


def describe_schema(schema: type[Schema], language: str, depth: int = 0) -> list[Description]:
    return [_describe_field(schema, name, field, language, depth) for name, field in schema._declared_fields.items()]


def describe(message_type: str, language: str) -> Description:
    """The template of `message_type` with its labels in `language` (English where one is missing)."""
    kind = registry.message_type(registry.CURRENT, message_type)
    return {
        "message_type": message_type,
        "label": i18n.label(f"message_type.{message_type}", language),
        "language": language,
        "fields": describe_schema(kind.body_schema, language),
    }
