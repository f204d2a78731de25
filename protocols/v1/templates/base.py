"""Building blocks shared by the templates: codes, contacts, authorities, persons, free text.

Every schema refuses unknown fields and reports errors per field. Enumerations are plain code
lists (stable machine values); their human labels live in the label catalogues, never here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from protocols.v1.bodies import LANGUAGE_TAG, CalendarDate, Missing, WholeNumber

# ISO 3166-1 alpha-2, plus XK (Kosovo, user-assigned, as the EU and this federation use it).
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY
    BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK
    FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR
    IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
    ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF
    TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK
    """.split()  # noqa: SIM905 - reference data reads best as a block of codes
)
# Members of the European Union.
EU_MEMBERS = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905
)
# States bound by Directive 2014/41/EU: every member except Denmark and Ireland, which do not take
# part in it (Protocols No 21 and 22 to the Treaties). An EIO to or from either is legally void,
# so they exchange MLA requests like the Western Balkan states (catalogue 4.1, territorial scope).
EIO_STATES = EU_MEMBERS - {"DK", "IE"}


def bound_by_eio_directive(state: str, other_state: str) -> bool:
    """Whether an EIO (or its Annex B acknowledgement) may pass between these two states."""
    return state in EIO_STATES and other_state in EIO_STATES


def instrument_between(issuing_state: str, executing_state: str) -> str:
    """`eio` when both states are bound by Directive 2014/41/EU, otherwise `mla`."""
    return "eio" if bound_by_eio_directive(issuing_state, executing_state) else "mla"


E164 = re.compile(r"\+[1-9][0-9]{6,14}\Z")
SHORT = validate.Length(min=1, max=300)
TEXT = validate.Length(min=1, max=20_000)
REFERENCE = validate.Length(min=1, max=128)


class Enumeration(tuple[str, ...]):
    """A named code list; its name is the label-catalogue prefix of its values."""

    name: str

    def __new__(cls, name: str, values: Sequence[str]) -> Enumeration:
        instance = super().__new__(cls, values)
        instance.name = name
        return instance


def code(enumeration: Enumeration, **kwargs: Any) -> fields.String:
    """A field holding one code of `enumeration`."""
    return fields.String(validate=validate.OneOf(enumeration), metadata={"enum": enumeration.name}, **kwargs)


def codes(enumeration: Enumeration, *, min_items: int = 0, **kwargs: Any) -> fields.List[Any]:
    """A field holding a set of distinct codes of `enumeration`."""
    return fields.List(
        code(enumeration),
        validate=[validate.Length(min=min_items), distinct],
        metadata={"enum": enumeration.name},
        **kwargs,
    )


def distinct(values: Sequence[Any]) -> None:
    """List validator: no value twice (a repeated code or reference is a mistake, never a meaning)."""
    if len(set(map(str, values))) != len(values):
        raise ValidationError("Values must not repeat.")


def country(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(sorted(COUNTRIES)), **kwargs)


def language(**kwargs: Any) -> fields.String:
    return fields.String(validate=LANGUAGE_TAG, **kwargs)


def languages(*, min_items: int = 0, **kwargs: Any) -> fields.List[Any]:
    return fields.List(language(), validate=[validate.Length(min=min_items, max=20), distinct], **kwargs)


def text(**kwargs: Any) -> fields.String:
    """Free text, in the language the message declares (translations travel beside it)."""
    return fields.String(validate=TEXT, metadata={"free_text": True}, **kwargs)


def short(**kwargs: Any) -> fields.String:
    return fields.String(validate=SHORT, **kwargs)


def date(**kwargs: Any) -> CalendarDate:
    return CalendarDate(**kwargs)


class Form(Schema):
    """Base of every template part: unknown fields are errors."""

    class Meta:
        unknown = RAISE

    @classmethod
    def member_schema(cls, name: str, data: Mapping[str, Any]) -> type[Schema] | None:
        """The schema of member `name` when it depends on the other members (`data`); None when fixed."""
        return None


def missing_where(data: Mapping[str, Any], condition: bool, *names: str) -> dict[str, list[str]]:
    """The field-level errors for `names` that are missing although `condition` makes them mandatory."""
    if not condition:
        return {}
    return {name: [Missing("Required here.")] for name in names if data.get(name) in (None, "", [], {})}


def require(data: Mapping[str, Any], *rules: tuple[bool, str | tuple[str, ...]]) -> None:
    """Check every (condition, member or members) rule and report all that fail together, not the first."""
    errors: dict[str, list[str]] = {}
    for condition, names in rules:
        for name, messages in missing_where(data, condition, *((names,) if isinstance(names, str) else names)).items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


class Contact(Form):
    """A person or desk to reach: E.164 telephone numbers, e-mail, working languages."""

    name = short(required=True)
    organisation = short()
    address = short()
    telephone = fields.List(fields.String(validate=validate.Regexp(E164, error="Not an E.164 number.")))
    fax = fields.String(validate=validate.Regexp(E164, error="Not an E.164 number."))
    email = fields.List(fields.Email())
    languages = languages()


class Authority(Form):
    """An authority as the forms describe it: name, who represents it, its file reference, contact."""

    official_name = short(required=True)
    representative_name = short()
    post_title_grade = short()
    file_reference = fields.String(validate=REFERENCE)
    contact = fields.Nested(Contact, required=True)


class SignatureBlock(Form):
    """The form's signature block; the cryptographic approval chain travels in the envelope."""

    signer_name = short(required=True)
    post_title_grade = short(required=True)
    date = date(required=True)


DOCUMENT_TYPE = Enumeration("document_type", ("id_card", "passport", "residence_permit", "driving_licence", "other"))
SEX = Enumeration("sex", ("male", "female", "unknown"))
PROCEDURAL_POSITION = Enumeration(
    "procedural_position", ("suspected_or_accused", "victim", "witness", "expert", "third_party", "other")
)
PERSON_KIND = Enumeration("person_kind", ("natural", "legal"))


class IdentityDocument(Form):
    """An identity document of a natural person: its type, number and issuing country."""

    document_type = code(DOCUMENT_TYPE, required=True)
    number = short(required=True)
    issuing_country = country(required=True)


class NaturalPerson(Form):
    """A natural person as the forms identify one: names, sex, nationality, documents, birth, address."""

    surname = short(required=True)
    forenames = short()
    other_names = short()
    aliases = fields.List(short())
    sex = code(SEX)
    nationality = fields.List(country())
    personal_number = short()
    identity_documents = fields.List(fields.Nested(IdentityDocument))
    date_of_birth = date()
    place_of_birth = short()
    address = short()
    languages_understood = languages()


class LegalPerson(Form):
    """A legal person as the forms identify one: name, legal form, seat, registration, representative."""

    name = short(required=True)
    legal_form = short()
    trading_name = short()
    registered_seat = short()
    registration_number = short()
    address = short()
    representative_name = short()


class Person(Form):
    """Someone the request concerns; `person_ref` lets measures point to them."""

    person_ref = fields.String(required=True, validate=validate.Regexp(r"[A-Za-z0-9_-]{1,32}\Z"))
    kind = code(PERSON_KIND, required=True)
    natural = fields.Nested(NaturalPerson)
    legal = fields.Nested(LegalPerson)
    procedural_position = code(PROCEDURAL_POSITION, required=True)
    procedural_position_other = short()
    location = short()

    @validates_schema
    def _consistent(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`natural` is required when `kind` is `natural`, and `legal` when `kind` is `legal`; the block of the other
        kind must be absent (error at `kind`). `procedural_position_other` is required when `procedural_position` is
        `other`."""
        kind = data.get("kind")
        errors = missing_where(data, kind == "natural", "natural") | missing_where(data, kind == "legal", "legal")
        errors |= missing_where(data, data.get("procedural_position") == "other", "procedural_position_other")
        if (kind == "natural" and data.get("legal")) or (kind == "legal" and data.get("natural")):
            errors["kind"] = ["Give the block of this kind of person only."]
        if errors:
            raise ValidationError(errors)


class Attachment(Form):
    """An attached document as the message names it (its bytes travel separately)."""

    filename = short(required=True)
    media_type = fields.String(required=True, validate=validate.Regexp(r"[a-z]+/[a-z0-9.+-]+\Z"))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"[A-Za-z0-9_-]{43}\Z"))
    size = WholeNumber(required=True, validate=validate.Range(min=0, max=2**53 - 1))
    language = language()
    description = short()


class Translation(Form):
    """A translation of the message's free text: field path → translated text, in one language."""

    language = language(required=True)
    texts = fields.Dict(
        keys=fields.String(validate=validate.Length(max=200)),
        values=text(),
        required=True,
        validate=validate.Length(min=1),
    )
    translated_by = short()


def free_text_paths(schema: type[Schema], data: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """The dotted paths (list items by index from 0) of the free-text members given in `data`."""
    for path, _text in free_texts(schema, data, prefix):
        yield path


def free_texts(schema: type[Schema], data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Each free-text member given in `data`, as (dotted path, text)."""
    for name, spec in schema._declared_fields.items():
        value = data.get(name)
        path = f"{prefix}{name}"
        inner = spec.inner if isinstance(spec, fields.List) else spec
        items = list(enumerate(value)) if isinstance(spec, fields.List) and isinstance(value, list) else [(None, value)]
        for index, item in items:
            item_path = path if index is None else f"{path}.{index}"
            nested = inner.nested if isinstance(inner, fields.Nested) else None
            if isinstance(schema, type) and issubclass(schema, Form) and isinstance(inner, fields.Dict):
                nested = schema.member_schema(name, data)
            if isinstance(nested, type) and isinstance(item, Mapping):
                yield from free_texts(nested, item, f"{item_path}.")
            elif (inner.metadata or {}).get("free_text") and isinstance(item, str) and item:
                yield item_path, item


class Translated(Form):
    """Base of a body whose free text may travel with translations beside it (`translations`)."""

    @validates_schema
    def _translations_fit(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """Each entry of `translations` is in a language other than the body's `language` and other than every
        other entry's, and each key of its `texts` is the path of a free-text member given in this body: member
        names joined by `.`, list items by their index from 0 (`offences.0.description`). A translation of
        nothing would be shown to nobody, or beside the wrong text."""
        entries = [t for t in data.get("translations") or [] if isinstance(t, Mapping)]
        if not entries:
            return
        problems: list[str] = []
        languages = [t.get("language") for t in entries]
        if data.get("language") in languages:
            problems.append("A translation must be in a language other than the text's.")
        if len(set(languages)) != len(languages):
            problems.append("Give one translation per language.")
        paths = set(free_text_paths(type(self), data))
        unknown = sorted({str(key) for t in entries for key in t.get("texts") or {}} - paths)
        if unknown:
            problems.append(f"Not a free-text member of this message: {', '.join(unknown)}.")
        if problems:
            raise ValidationError({"translations": problems})


class Reference(Form):
    """How the two sides name the case: each side's own file reference."""

    our_reference = fields.String(required=True, validate=REFERENCE)
    their_reference = fields.String(validate=REFERENCE)
