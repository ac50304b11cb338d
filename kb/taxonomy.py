"""Controlled vocabularies (content/taxonomy.yml) and synonym groups (content/synonyms.yml).

Vocabulary values are compared after width/punctuation folding (``１``/``1``,
``，``/``、``/``,``) and always stored in the taxonomy's canonical spelling.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb.errors import ContentError

VOCABULARIES = ("themes", "prefectures", "industries", "organization_types", "programs", "kinds")
REGIONS = ("北海道・東北", "関東", "中部", "近畿", "中国", "四国", "九州・沖縄", "全国")

_PUNCT = str.maketrans({"、": ",", "，": ",", "､": ",", "・": "･", "　": " "})


def fold(value: str) -> str:
    """Key used to compare vocabulary values: NFKC, lower case, unified commas, no spaces."""
    text = unicodedata.normalize("NFKC", value).translate(_PUNCT).lower()
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Theme:
    key: str
    label: str
    description: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class Prefecture:
    name: str
    region: str
    romaji: str


@dataclass
class Vocabulary:
    """An ordered list of canonical values with folded look-up."""

    name: str
    values: list[str]
    _by_fold: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_fold = {fold(v): v for v in self.values}

    def canonical(self, value: str) -> str | None:
        return self._by_fold.get(fold(value))

    def suggest(self, value: str, n: int = 3) -> list[str]:
        key = fold(value)
        # a value the input starts (京都 -> 京都府, 製造 -> 製造業) is the likeliest meant,
        # then containment either way, then spelling similarity
        prefixed = [k for k in self._by_fold if key and k.startswith(key)]
        contained = [k for k in self._by_fold if key and (key in k or k in key)]
        similar = difflib.get_close_matches(key, list(self._by_fold), n=n, cutoff=0.5)
        ranked = list(dict.fromkeys([*prefixed, *contained, *similar]))
        return [self._by_fold[k] for k in ranked[:n]]

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and value in self.values

    def __iter__(self):
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class Taxonomy:
    themes: dict[str, Theme]
    prefectures: dict[str, Prefecture]
    vocab: dict[str, Vocabulary]
    kinds: dict[str, str]  # key -> Japanese label
    synonym_groups: list[tuple[str, ...]]
    stopwords: tuple[str, ...]
    digest: str  # changes whenever either file changes
    # broader term -> narrower terms: a search for the first also finds cases with only these
    broader: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _theme_names: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def names(self, narrower: bool = False) -> list[str]:
        """The words the taxonomy itself writes: theme labels and their synonyms, the synonym
        groups, the broader terms (with their narrower terms when ``narrower``) and the
        controlled vocabularies (the spelling and reading vocabularies of a query)."""
        out: list[str] = []
        for theme in self.themes.values():
            out += [theme.label, *theme.synonyms]
        for group in self.synonym_groups:
            out += list(group)
        for broad, narrow in self.broader.items():
            out += [broad, *narrow] if narrower else [broad]
        for vocab in ("industries", "organization_types", "programs"):
            out += list(self.vocab[vocab])
        return out

    def theme_label(self, key: str) -> str:
        theme = self.themes.get(key)
        return theme.label if theme else key

    def region_of(self, prefecture: str) -> str:
        pref = self.prefectures.get(prefecture)
        return pref.region if pref else ""

    def theme_for(self, value: str) -> str | None:
        """The theme key for a key, label or synonym written in any width."""
        if self._theme_names is None:
            names: dict[str, str] = {}
            for theme in self.themes.values():
                for name in (theme.key, theme.label, *theme.synonyms):
                    names.setdefault(fold(name), theme.key)
            self._theme_names = names
        return self._theme_names.get(fold(value))


def _read_yaml(path: Path) -> tuple[Any, str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ContentError(
            "ファイルがありません", path=path, hint="content/ フォルダの場所を確認してください"
        ) from exc
    text = utf8_text(raw, path)
    try:
        return yaml.safe_load(text), hashlib.sha256(raw).hexdigest()
    except yaml.YAMLError as exc:
        raise yaml_error(exc, path) from exc


def utf8_text(raw: bytes, path: Path | str) -> str:
    """A content YAML file's text; ContentError naming the file if it is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(
            "UTF-8 ではありません", path=path, hint="UTF-8 で保存してください"
        ) from exc


def yaml_error(exc: yaml.YAMLError, path: Path | str) -> ContentError:
    """A YAML syntax error of a content file, with its line and a hint."""
    mark = getattr(exc, "problem_mark", None)
    return ContentError(
        f"YAML の書式エラー: {getattr(exc, 'problem', exc)}",
        path=path,
        line=mark.line + 1 if mark else None,
        hint="インデントとコロンを確認してください",
    )


def _require(data: Any, key: str, kind: type, path: Path) -> Any:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, kind) or not value:
        raise ContentError(
            f"{key} がないか、形式が違います（{kind.__name__} が必要）",
            path=path,
            field=key,
            hint="content/taxonomy.yml の見本を参照してください",
        )
    return value


def load_taxonomy(content_dir: Path) -> Taxonomy:
    """Load both vocabulary files from ``content_dir``."""
    tax_path = content_dir / "taxonomy.yml"
    data, digest = _read_yaml(tax_path)
    themes_raw = _require(data, "themes", dict, tax_path)
    themes = {
        str(key): Theme(
            key=str(key),
            label=str(t.get("label", key)),
            description=str(t.get("description", "")),
            synonyms=tuple(str(s) for s in t.get("synonyms", []) or []),
        )
        for key, t in themes_raw.items()
    }
    prefs = {}
    for p in _require(data, "prefectures", list, tax_path):
        if p.get("region") not in REGIONS:
            raise ContentError(
                f"地域 {p.get('region')!r} は使えません",
                path=tax_path,
                field="prefectures",
                hint="次のいずれか: " + "、".join(REGIONS),
            )
        prefs[str(p["name"])] = Prefecture(str(p["name"]), str(p["region"]), str(p["romaji"]))
    kinds = {str(k): str(v) for k, v in _require(data, "kinds", dict, tax_path).items()}
    vocab = {
        "themes": Vocabulary("themes", list(themes)),
        "prefectures": Vocabulary("prefectures", list(prefs)),
        "kinds": Vocabulary("kinds", list(kinds)),
    }
    for name in ("industries", "organization_types", "programs"):
        vocab[name] = Vocabulary(name, [str(v) for v in _require(data, name, list, tax_path)])

    syn_path = content_dir / "synonyms.yml"
    groups: list[tuple[str, ...]] = []
    stopwords: tuple[str, ...] = ()
    syn_digest = ""
    broader: dict[str, tuple[str, ...]] = {}
    if syn_path.exists():
        syn, syn_digest = _read_yaml(syn_path)
        for i, group in enumerate((syn or {}).get("groups", []) or []):
            if not isinstance(group, list) or len(group) < 2:
                raise ContentError(
                    f"{i + 1} 番目のグループは2語以上のリストにしてください",
                    path=syn_path,
                    field="groups",
                    hint="例: - [BCP, 事業継続計画]",
                )
            groups.append(tuple(str(t) for t in group))
        stopwords = tuple(str(s) for s in (syn or {}).get("stopwords", []) or [])
        broader = _broader((syn or {}).get("broader"), syn_path)
    return Taxonomy(
        themes=themes,
        prefectures=prefs,
        vocab=vocab,
        kinds=kinds,
        synonym_groups=groups,
        stopwords=stopwords,
        digest=hashlib.sha256((digest + syn_digest).encode()).hexdigest()[:16],
        broader=broader,
    )


def _broader(data: Any, path: Path) -> dict[str, tuple[str, ...]]:
    """synonyms.yml's ``broader``: each broader term with a list of its narrower terms."""
    if data is None:
        return {}
    hint = "例: broader: {外国人材: [技能実習生, 特定技能外国人]}"
    if not isinstance(data, dict):
        raise ContentError("broader は「上位語: [下位語, …]」の対応表にしてください",
                           path=path, field="broader", hint=hint)  # fmt: skip
    out = {}
    for term, narrower in data.items():
        if not isinstance(narrower, list) or not narrower or not all(narrower):
            raise ContentError(f"broader の「{term}」には下位語を1語以上のリストで書いてください",
                               path=path, field="broader", hint=hint)  # fmt: skip
        out[str(term)] = tuple(str(n) for n in narrower)
    return out
