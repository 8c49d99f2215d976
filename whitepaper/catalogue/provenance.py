"""Where each catalogue text comes from (pure: works on parsed YAML and plain dicts).

An item's Spanish text is either `ilpes` (ILPES's own words, with the document it comes from as `source`) or
`composed` (written for the platform, pending the technical committee's validation). Translations are kept per
language: `ilpes` where ILPES published that language, else `project` (the project translated it).

A model file gives defaults once and overrides them where an item differs (criteria/README.md):

    provenance: {es: ilpes, source: national form, translations: {en: project}, levels: composed}

The order, for a level descriptor: the model's block, the model's `levels` default, the criterion's `levels`
default, the level's own block. A block may be a mapping or just the origin (`provenance: composed`).

Provenance and editorial notes are metadata about the texts, not the texts: they do not count in a version's
content hash, so annotating a file does not make it a new version (services.content_hash)."""
from __future__ import annotations

from typing import Any, Iterator, Optional

ORIGINS = ("ilpes", "composed")
TRANSLATORS = ("ilpes", "project")
TRANSLATED = ("en",)
KINDS = ("criteria", "levels", "elements")
BLOCK_KEYS = {"es", "source", "translations", "validated_by"}
METADATA_KEYS = ("provenance", "editorial_note")

Errors = list[tuple[str, str]]   # (path, message)


def _check_block(block: Any, path: str, errors: Errors, nested: tuple[str, ...]) -> None:
    if isinstance(block, str):
        if block not in ORIGINS:
            errors.append((path, f"must be one of {', '.join(ORIGINS)}"))
        return
    if not isinstance(block, dict):
        errors.append((path, "must be ilpes, composed or a mapping"))
        return
    allowed = BLOCK_KEYS | set(nested) | ({"descriptions"} if "criteria" in nested else set())
    for key in sorted(set(block) - allowed):
        errors.append((f"{path}.{key}", "unknown key"))
    if "es" in block and block["es"] not in ORIGINS:
        errors.append((f"{path}.es", f"must be one of {', '.join(ORIGINS)}"))
    if "source" in block and (not isinstance(block["source"], str) or not block["source"].strip()):
        errors.append((f"{path}.source", "must be a non-empty text"))
    translations = block.get("translations")
    if translations is not None:
        if not isinstance(translations, dict):
            errors.append((f"{path}.translations", "must be a mapping such as {en: project}"))
        else:
            for lang, who in translations.items():
                if lang not in TRANSLATED:
                    errors.append((f"{path}.translations.{lang}", "unknown language"))
                elif who not in TRANSLATORS:
                    errors.append((f"{path}.translations.{lang}", f"must be one of {', '.join(TRANSLATORS)}"))
    if "descriptions" in block and block["descriptions"] not in ("project", "ilpes"):
        errors.append((f"{path}.descriptions", "must be project or ilpes"))
    for kind in nested:
        if kind in block:
            _check_block(block[kind], f"{path}.{kind}", errors, ())


def _as_mapping(block: Any) -> dict[str, Any]:
    if block is None:
        return {}
    if isinstance(block, str):
        return {"es": block}
    return block if isinstance(block, dict) else {}


def merge(parent: Optional[dict[str, Any]], block: Any) -> Optional[dict[str, Any]]:
    """The parent's resolved provenance with a block laid over it; None when neither says anything."""
    over = _as_mapping(block)
    if parent is None and not over:
        return None
    base = dict(parent or {})
    if "es" in over and over["es"] != base.get("es"):
        base["source"] = None            # a changed origin does not keep the parent's source
        base.pop("validated_by", None)
    for key in ("es", "source", "validated_by"):
        if key in over:
            base[key] = over[key]
    base["translations"] = {**(base.get("translations") or {}), **(over.get("translations") or {})}
    return base


def complete(resolved: Optional[dict[str, Any]]) -> dict[str, Any]:
    resolved = resolved or {}
    return {"es": resolved.get("es"), "source": resolved.get("source"),
            "translations": dict(resolved.get("translations") or {}),
            "validated_by": resolved.get("validated_by")}


def _missing(resolved: Optional[dict[str, Any]]) -> list[str]:
    if not resolved or resolved.get("es") not in ORIGINS:
        return ["missing (give the item or its model a provenance)"]
    problems = []
    if resolved["es"] == "ilpes" and not resolved.get("source"):
        problems.append("ilpes text without its source")
    for lang in TRANSLATED:
        if (resolved.get("translations") or {}).get(lang) not in TRANSLATORS:
            problems.append(f"no provenance for the {lang} translation")
    return problems


def model_block(data: dict[str, Any]) -> dict[str, Any]:
    """The model-level provenance as stored on the version: origin, source, translations, descriptions."""
    block = _as_mapping(data.get("provenance"))
    return {"es": block.get("es"), "source": block.get("source"),
            "translations": dict(block.get("translations") or {}),
            "descriptions": block.get("descriptions", "project")}


def _base_for(data: dict[str, Any], kind: str) -> Optional[dict[str, Any]]:
    block = data.get("provenance")
    base = merge(None, {k: v for k, v in _as_mapping(block).items() if k not in KINDS + ("descriptions",)})
    return merge(base, _as_mapping(block).get(kind))


def walk(data: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], Optional[dict[str, Any]]]]:
    """Every criterion, level and element of a model file (or of version content) with its path and its
    resolved provenance (None when nothing gives it one): (kind, path, item, resolved)."""
    bases = {kind: _base_for(data, kind) for kind in KINDS}
    for d, dim in enumerate(data.get("dimensions") or []):
        if not isinstance(dim, dict):
            continue
        for c, criterion in enumerate(dim.get("criteria") or []):
            if not isinstance(criterion, dict):
                continue
            cpath = f"dimensions[{d}].criteria[{c}]"
            own = _as_mapping(criterion.get("provenance"))
            yield "criteria", cpath, criterion, merge(bases["criteria"], {k: v for k, v in own.items()
                                                                          if k not in KINDS})
            for kind, key in (("levels", "levels"), ("elements", "elements")):
                child_base = merge(bases[kind], own.get(kind))
                for i, item in enumerate(criterion.get(key) or []):
                    if isinstance(item, dict):
                        yield kind, f"{cpath}.{key}[{i}]", item, merge(child_base, item.get("provenance"))


def validate(data: dict[str, Any]) -> Errors:
    """Every fault in a model file's provenance blocks and editorial notes, and every item left without a
    complete provenance once the defaults are applied."""
    errors: Errors = []
    if "provenance" in data:
        _check_block(data["provenance"], "provenance", errors, KINDS)
    for kind, path, item, resolved in walk(data):
        if "provenance" in item:
            _check_block(item["provenance"], f"{path}.provenance", errors,
                         ("levels", "elements") if kind == "criteria" else ())
        for problem in _missing(resolved):
            errors.append((f"{path}.provenance", problem))
        if "editorial_note" in item and kind == "levels":
            errors.append((f"{path}.editorial_note", "only criteria and elements carry editorial notes"))
    return errors


def resolved_items(data: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Resolved provenance of every criterion, level and element, by the id() of its dict in data."""
    return {id(item): complete(resolved) for _kind, _path, item, resolved in walk(data)}


def strip_metadata(value: Any) -> Any:
    """The data without provenance and editorial notes, for the content hash."""
    if isinstance(value, dict):
        return {k: strip_metadata(v) for k, v in value.items() if k not in METADATA_KEYS}
    if isinstance(value, list):
        return [strip_metadata(v) for v in value]
    return value


def is_pending(provenance: Optional[dict[str, Any]]) -> bool:
    return bool(provenance) and provenance.get("es") == "composed" and not provenance.get("validated_by")


def validate_single(block: Any, path: str = "provenance") -> Errors:
    """The faults of a provenance block that stands alone (a mapping's, criteria/README.md "Mappings"): its
    form, then anything left incomplete (no origin, an ilpes text without its source, no translator)."""
    errors: Errors = []
    if block is None:
        return [(path, "missing (say where the texts come from, e.g. {es: composed, translations: {en: project}})")]
    _check_block(block, path, errors, ())
    if not errors:
        errors.extend((path, problem) for problem in _missing(merge(None, block)))
    return errors
