"""Templates as web forms: which fields each wizard step shows, and form posts back into bodies.

Fields are drawn from the template's own description (`protocols.v1.templates.describe`), so a
field added to a template appears in the wizard with its label in every language. Input names
are the fields' dotted paths (`offences.0.legal_classification`); errors come back keyed the
same way and are shown beside their inputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from protocols import registry
from protocols.v1.templates.base import free_texts
from protocols.v1.templates.describe import Description, describe

# Not wizard steps: files travel with a later issue's attachments; translations have their own page
# (views_translations), one language at a time, each text beside its translation.
NOT_IN_WIZARD = frozenset({"translations", "attachments"})

STEP_PLANS: dict[str, list[tuple[str, list[str]]]] = {
    "request.mla": [
        ("step.references", ["our_reference", "language", "legal_basis", "requesting_state", "requested_state",
                             "channel", "central_authority_path", "related_requests"]),
        ("step.authorities", ["requesting_authority", "conducting_authority", "conducting_authority_functions",
                              "contact_for_execution"]),
        ("step.urgency", ["urgency", "urgency_reasons", "deadline", "deadline_reason", "confidentiality"]),
        ("step.case", ["proceedings", "offences", "facts_summary"]),
        ("step.persons", ["persons"]),
        ("step.assistance", ["assistance_sought", "link_facts_to_measures", "procedures_requested",
                             "presence_of_officials"]),
        ("step.conditions", ["use_limitation_acknowledged", "data_protection", "costs_note", "signature"]),
    ],
    "request.eio": [
        ("step.references", ["our_reference", "language", "section_a", "section_b"]),
        ("step.eio_measures", ["section_c", "section_d", "section_e"]),
        ("step.eio_offence", ["section_f", "section_g"]),
        ("step.eio_specific", ["section_h1", "section_h2", "section_h3", "section_h4", "section_h5", "section_h6",
                               "section_h7", "section_i"]),
        ("step.eio_authority", ["section_j", "section_k", "section_l"]),
    ],
}  # fmt: skip


@dataclass(frozen=True)
class Step:
    key: str  # a UI string key, e.g. step.persons
    fields: list[Description]


def steps(message_type: str, language: str) -> list[Step]:
    """The wizard's steps for `message_type`; fields no plan names go to a last step."""
    described = {item["name"]: item for item in describe(message_type, language)["fields"]}
    plan = STEP_PLANS.get(message_type, [("step.form", [name for name in described if name not in NOT_IN_WIZARD])])
    placed = {name for _key, names in plan for name in names}
    result = [Step(key, [described[name] for name in names if name in described]) for key, names in plan]
    rest = [item for name, item in described.items() if name not in placed and name not in NOT_IN_WIZARD]
    if rest:
        result.append(Step("step.other", rest))
    return result


# -- form data → body ----------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value in (None, "", [], {})


def _scalar(field: Description, raw: str) -> Any:
    text = raw.strip() if field["type"] != "text" else raw.replace("\r\n", "\n").strip()
    if text == "":
        return None
    if field["type"] == "integer":
        try:
            return int(text)
        except ValueError:
            return text  # the template says what is wrong with it
    if field["type"] == "number":
        try:
            return float(text)
        except ValueError:
            return text
    if field["type"] == "boolean":
        return {"true": True, "false": False}.get(text)
    return text


def _indices(form: MultiDict[str, str], prefix: str) -> list[int]:
    """The item indices posted under `prefix.` (items keep their numbers; gaps are removed ones)."""
    found = set()
    for name in form:
        if name.startswith(prefix + "."):
            head = name[len(prefix) + 1 :].split(".", 1)[0]
            if head.isdigit():
                found.add(int(head))
    marker = form.get(f"_items.{prefix}")
    if marker:
        found |= {int(item) for item in marker.split(",") if item.isdigit()}
    return sorted(found)


def parse_field(field: Description, form: MultiDict[str, str], path: str) -> Any:
    """The value of one field (and everything under it) from the posted form; None if left empty."""
    if field["type"] == "object" and "fields" in field:
        if field["many"]:
            items = [parse_object(field, form, f"{path}.{index}") for index in _indices(form, path)]
            kept = [item for item in items if not _blank(item)]
            return kept or None
        return parse_object(field, form, path)
    if field["type"] == "object":  # a free-form mapping (measure details without a known code)
        return None
    if field["many"]:
        if field["type"] == "code":
            chosen = [value for value in form.getlist(path) if value]
            return chosen or None
        lines = [line.strip() for line in form.get(path, "").replace("\r\n", "\n").split("\n")]
        values = [_scalar({**field, "type": field["type"]}, line) for line in lines if line]
        return values or None
    raw = form.get(path)
    return None if raw is None else _scalar(field, raw)


def parse_object(field: Description, form: MultiDict[str, str], path: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for sub in field["fields"]:
        value = parse_field(sub, form, f"{path}.{sub['name']}")
        if sub["name"] == "details" and "variants" in sub:
            code = out.get("code") or form.get(f"{path}.code")
            variant = sub["variants"].get(code or "")
            value = parse_object({"fields": variant}, form, f"{path}.details") if variant else None
        if not _blank(value):
            out[sub["name"]] = value
    return out or None


def merge_step(body: Mapping[str, Any], step: Step, form: MultiDict[str, str]) -> dict[str, Any]:
    """The body with this step's fields replaced by what was posted (emptied fields removed)."""
    merged = dict(body)
    for field in step.fields:
        value = parse_field(field, form, field["name"])
        if _blank(value):
            merged.pop(field["name"], None)
        else:
            merged[field["name"]] = value
    return merged


# -- translations follow the texts they translate ------------------------------------------------


def _translation_entries(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(entry) for entry in body.get("translations") or [] if isinstance(entry, Mapping)]


def _with_translations(body: dict[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    kept = [entry for entry in entries if entry.get("texts")]
    if kept:
        body["translations"] = kept
    else:
        body.pop("translations", None)
    return body


def carry_translations(
    message_type: str, before: Mapping[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """`after` (a draft just edited) with each translation moved to wherever its text now is.

    A translation is tied to the text it translates, not to a place: the wizard closes up lists
    (a removed offence, an emptied line of questions), so the same path can come to hold another
    text. A translation goes with its exact text to its new path; when its text was changed or
    removed, or the draft's own language became the translation's, it is dropped, never left
    beside a text it does not translate. Returns the body and how many translations were dropped.
    """
    entries = _translation_entries(after)
    if not entries:
        return after, 0
    schema = registry.message_type(registry.CURRENT, message_type).body_schema
    old_texts = dict(free_texts(schema, before))
    new_texts = dict(free_texts(schema, after))
    paths_of: dict[str, list[str]] = {}
    for path, text in new_texts.items():
        paths_of.setdefault(text, []).append(path)
    dropped = 0
    for entry in entries:
        given = entry.get("texts")
        texts: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        if entry.get("language") == after.get("language"):
            dropped, entry["texts"] = dropped + len(texts), {}
            continue
        # First the translations whose text stayed where it was, then those whose text moved.
        carried = {p: tr for p, tr in texts.items() if p in old_texts and new_texts.get(p) == old_texts[p]}
        for path, translation in texts.items():
            if path in carried:
                continue
            original = old_texts.get(path)
            free = [p for p in paths_of.get(original, []) if p not in carried] if original is not None else []
            if free:
                carried[free[0]] = translation
            else:
                dropped += 1
        entry["texts"] = carried
    return _with_translations(after, entries), dropped


# -- adding and removing repeated items ----------------------------------------------------------


def item_count(value: Any) -> int:
    return len(value) if isinstance(value, list) else 0


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested errors as {dotted.path: [messages]} (list items by their index)."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            name = str(key) if key != "_schema" else ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            for sub_path, messages in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(messages)
    elif isinstance(errors, Sequence) and not isinstance(errors, str):
        for item in errors:
            if isinstance(item, str):
                flat.setdefault(prefix, []).append(item)
            else:
                for sub_path, messages in flatten_errors(item, prefix).items():
                    flat.setdefault(sub_path, []).extend(messages)
    elif isinstance(errors, str):
        flat.setdefault(prefix, []).append(errors)
    return flat


def step_of(path: str, plan: list[Step]) -> int:
    """Which step shows the field at `path` (for links from the review page to an error)."""
    top = path.split(".", 1)[0]
    for index, step in enumerate(plan):
        if any(field["name"] == top for field in step.fields):
            return index
    return len(plan) - 1


def localised(flat: Mapping[str, list[str]], language: str) -> dict[str, list[str]]:
    """Flattened errors with the generic messages in the reader's language."""
    from exchange.web.i18n import error_text

    return {path: [error_text(message, language) for message in messages] for path, messages in flat.items()}


def label_of(path: str, plan: list[Step]) -> str:
    """A field path as a person reads it: the labels along the way (`Offences 1 › Legal classification`)."""
    fields = [field for step in plan for field in step.fields]
    labels: list[str] = []
    parts = path.split(".")
    index = 0
    while index < len(parts):
        part = parts[index]
        match = next((field for field in fields if field["name"] == part), None)
        if match is None:
            break
        text = match["label"]
        if match.get("many") and index + 1 < len(parts) and parts[index + 1].isdigit():
            index += 1
            text = f"{text} {int(parts[index]) + 1}"
        labels.append(text)
        fields = match.get("fields", [])
        index += 1
    return " › ".join(labels) or path
