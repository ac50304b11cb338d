"""Split a case file into YAML front matter and Markdown body, keeping line numbers.

Only safe YAML is accepted: no Python tags, no anchors/aliases (which is how
"YAML bombs" expand), no duplicate keys. Errors carry the file's line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb.errors import ContentError

try:  # libyaml is much faster; fall back to the pure-Python loader
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Base = yaml.SafeLoader

FENCE = "---"
_DOCUMENT_MARK = re.compile(r"^(?:---|\.\.\.|%)", re.M)


@dataclass
class FrontMatter:
    data: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)  # key -> 1-based line in the file
    body: str = ""
    body_line: int = 1  # 1-based line where the body starts
    end_line: int = 1  # line of the closing fence


def _safe_compose(text: str, path: Path, first_line: int) -> yaml.Node | None:
    """Compose YAML into nodes, refusing aliases (YAML bombs) and reporting file lines."""
    # Without these characters there is no anchor or alias, and without a second document
    # the composer meets any syntax error where the scan would: skip the scan.
    if "&" in text or "*" in text or _DOCUMENT_MARK.search(text):
        _refuse_anchors(text, path, first_line)
    loader = _Base(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, first_line) from exc
    finally:
        loader.dispose()


def _refuse_anchors(text: str, path: Path, first_line: int) -> None:
    """Scan the events first, so an alias is refused before the composer expands it."""
    loader = _Base(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ContentError(
                    "YAML のアンカー/エイリアス（&, *）は使えません",
                    path=path,
                    line=first_line + event.start_mark.line,
                    hint="値をそのまま書いてください",
                )
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, first_line) from exc
    finally:
        loader.dispose()


def _yaml_error(exc: yaml.YAMLError, path: Path, first_line: int) -> ContentError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = first_line + mark.line if mark is not None else first_line
    problem = getattr(exc, "problem", None) or str(exc)
    return ContentError(
        f"YAML の書式エラー: {problem}",
        path=path,
        line=line,
        hint="コロンの後の空白、インデント、引用符の閉じ忘れを確認してください",
    )


def _construct(node: yaml.Node, path: Path, first_line: int) -> Any:
    loader = _Base("")
    try:
        return loader.construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise ContentError(
            f"使えない YAML タグです: {exc.problem}",
            path=path,
            line=first_line + (mark.line if mark else 0),
            hint="!! で始まるタグを消して、値だけを書いてください（安全のため YAML タグは読み込みません）",
        ) from exc
    finally:
        loader.dispose()


def parse(text: str, path: Path) -> FrontMatter:
    """Parse ``text`` (the whole file) into front matter and body."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise ContentError(
            "ファイルの先頭に front matter（--- で囲んだ YAML）がありません",
            path=path,
            line=1,
            hint="1行目を --- にし、項目を書いた後にもう一度 --- の行を置いてください",
        )
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == FENCE), None)
    if end is None:
        raise ContentError(
            "front matter を閉じる --- の行がありません",
            path=path,
            line=1,
            hint="項目の後に --- だけの行を入れてください",
        )
    yaml_text = "\n".join(lines[1:end])
    node = _safe_compose(yaml_text, path, first_line=2)
    if node is None:
        data: Any = {}
        key_lines: dict[str, int] = {}
    else:
        if not isinstance(node, yaml.MappingNode):
            raise ContentError(
                "front matter は「項目名: 値」の形で書いてください",
                path=path,
                line=2 + node.start_mark.line,
                hint="例: title: 事例のタイトル",
            )
        key_lines = {}
        seen: set[str] = set()
        for key_node, _value in node.value:
            key = str(key_node.value)
            line = 2 + key_node.start_mark.line
            if key in seen:
                raise ContentError(
                    "同じ項目が2回書かれています",
                    path=path,
                    line=line,
                    field=key,
                    hint="どちらか一方を消してください",
                )
            seen.add(key)
            key_lines[key] = line
        data = _construct(node, path, first_line=2)
    body = "\n".join(lines[end + 1 :])
    return FrontMatter(data=data, lines=key_lines, body=body, body_line=end + 2, end_line=end + 1)
