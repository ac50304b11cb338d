"""The plan's collection targets (content/targets.yml) as a declarative schema.

``electronic_files`` is the number of shared electronic files (電子ファイル, see
``kb.stats.electronic_files`` for what counts), ``kinds`` a target per kind (qa: 200),
``themes`` a target of case studies (kind ``case``) per theme. Keys are checked against the
taxonomy; every problem is reported with the file's line and field, in Japanese.
The file is optional: without it, stats show counts and no progress.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from kb.casefiles import display_path
from kb.errors import ContentError
from kb.taxonomy import Taxonomy, utf8_text, yaml_error

FILE = "targets.yml"
Count = Annotated[int, Field(ge=1, le=10_000_000, strict=True)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
_HINT = "content/targets.yml の見本（先頭のコメント）を参照してください"


class Targets(BaseModel):
    """What content/targets.yml may say; every field optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    plan: Text | None = None  # the plan's name, shown with the figures
    electronic_files: Count | None = None
    kinds: dict[str, Count] = Field(default_factory=dict)
    themes: dict[str, Count] = Field(default_factory=dict)


_MESSAGES = {
    "int_type": "整数で指定してください（例: 200）",
    "int_parsing": "整数で指定してください（例: 200）",
    "greater_than_equal": "1 以上の整数で指定してください",
    "less_than_equal": "大きすぎます（10,000,000 以下）",
    "dict_type": "「キー: 件数」の対応表で指定してください（例: {qa: 200}）",
    "string_type": "文字列で指定してください",
    "string_too_short": "空にはできません",
    "string_too_long": "200 文字以内にしてください",
    "model_type": "「項目名: 値」の形で書いてください",
}
_FIELDS = list(Targets.model_fields)


def _line_map(node: yaml.Node | None, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """Each key path of a YAML mapping (nested too) -> its 1-based line."""
    out: dict[tuple[str, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            path = (*prefix, str(key_node.value))
            out[path] = key_node.start_mark.line + 1
            out.update(_line_map(value, path))
    return out


def _read(path: Path, shown: str) -> tuple[Any, dict[tuple[str, ...], int]]:
    text = utf8_text(path.read_bytes(), shown)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise yaml_error(exc, shown) from exc
    return data, _line_map(node)


def _unknown_key(shown: str, line: int | None, where: str, key: str, allowed: list[str],
                 label: str) -> ContentError:  # fmt: skip
    guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
    message = f"{label} {key!r} は content/taxonomy.yml にありません" + (
        f"。もしかして「{guess[0]}」?" if guess else ""
    )
    return ContentError(
        message, path=shown, line=line, field=where, hint="使える値: " + ", ".join(allowed)
    )


def check_targets(content_dir: Path, taxonomy: Taxonomy) -> tuple[Targets, list[ContentError]]:
    """The targets and every problem in the file (an empty Targets when it has problems)."""
    path = content_dir / FILE
    shown = display_path(path, content_dir)
    if not path.exists():
        return Targets(), []
    try:
        data, lines = _read(path, shown)
    except ContentError as exc:
        return Targets(), [exc]
    if data is None:
        return Targets(), []
    problems: list[ContentError] = []
    try:
        targets = Targets.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(str(p) for p in err["loc"])
            line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), 1)
            if err["type"] == "extra_forbidden":
                guess = difflib.get_close_matches(loc[0], _FIELDS, n=1, cutoff=0.6)
                message = "未知の項目です" + (f"。もしかして「{guess[0]}」?" if guess else "")
            else:
                message = _MESSAGES.get(err["type"], str(err["msg"]))
                if err["type"] != "missing" and "input" in err:
                    message += f"（指定値: {err['input']!r}）"
            problems.append(
                ContentError(message, path=shown, line=line, field=".".join(loc), hint=_HINT)
            )
        return Targets(), problems
    for name, vocab, label in (
        ("kinds", list(taxonomy.kinds), "種別"),
        ("themes", list(taxonomy.themes), "テーマ"),
    ):
        for key in getattr(targets, name):
            if key not in vocab:
                where = f"{name}.{key}"
                problems.append(
                    _unknown_key(shown, lines.get((name, key)), where, key, vocab, label)
                )
    return (Targets(), problems) if problems else (targets, [])


def load_targets(content_dir: Path, taxonomy: Taxonomy) -> Targets:
    """The targets; raises the first problem (``kb check`` reports them all)."""
    targets, problems = check_targets(content_dir, taxonomy)
    if problems:
        raise problems[0]
    return targets
