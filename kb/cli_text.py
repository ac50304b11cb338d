"""click's own messages in Japanese ("Error: …", "Usage:", "Aborted!", "Missing argument" …).

click marks every text it shows with gettext (``from gettext import gettext as _`` in each of
its modules) but reads the process-wide catalog, chosen by the LANG of whoever runs kb. kb's
users read Japanese whatever their locale says, so ``install`` gives click's modules this
catalog instead: the same msgids, looked up here, English kept for anything not listed.
tests/test_cli_text.py checks that every msgid below still occurs in the pinned click.
"""

from __future__ import annotations

import importlib

CATALOG: dict[str, str] = {
    # exceptions.py
    "Error: {message}": "エラー: {message}",
    "Try '{command} {option}' for help.": "「{command} {option}」で使い方を表示できます。",
    "Missing argument": "引数がありません",
    "Missing option": "オプションがありません",
    "Missing parameter": "指定が足りません",
    "Missing {param_type}": "{param_type}がありません",
    "Missing parameter: {param_name}": "{param_name} が指定されていません",
    "Invalid value for {param_hint}: {message}": "{param_hint} の値が正しくありません: {message}",
    "Invalid value: {message}": "値が正しくありません: {message}",
    "No such option {name!r}.": "{name!r} というオプションはありません。",
    "No such command {name!r}.": "{name!r} というコマンドはありません。",
    "Could not open file {filename!r}: {message}": "ファイル {filename!r} を開けません: {message}",
    "unknown error": "不明なエラー",
    # core.py
    "Aborted!": "中断しました。",
    "Missing command.": "コマンドを指定してください。",
    "Options": "オプション",
    "Commands": "コマンド",
    "Positional arguments": "引数",
    "default: {default}": "既定: {default}",
    "env var: {var}": "環境変数: {var}",
    "(dynamic)": "（実行時に決定）",
    "deprecated": "非推奨",
    # decorators.py
    "Show this message and exit.": "この説明を表示して終了する",
    "Show the version and exit.": "バージョンを表示して終了する",
    "%(prog)s, version %(version)s": "%(prog)s バージョン %(version)s",
    "Do you want to continue?": "続けますか?",
    "Confirm the action without prompting.": "確認せずに実行する",
    # formatting.py
    "Usage:": "使い方:",
    # parser.py
    "Option {name!r} does not take a value.": "オプション {name!r} は値を取りません。",
    "Argument {name!r} takes {nargs} values.": "引数 {name!r} には値が {nargs} 個必要です。",
    "Invalid start character for option ({option})": "オプションの先頭の文字が正しくありません（{option}）",
    # termui.py
    "Repeat for confirmation": "確認のためもう一度入力してください",
    "Error: The two entered values do not match.": "エラー: 2 回の入力が一致しません。もう一度入力してください。",
    "Error: invalid input": "エラー: y か n で答えてください",
    "Press any key to continue...": "何かキーを押すと続けます…",
    # types.py
    "{value!r} is not a valid {number_type}.": "{value!r} は正しい{number_type}ではありません。",
    "{value} is not in the range {range}.": "{value} は範囲 {range} の外です。",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} は真偽値として読めません。使える値: {states}"
    ),
    "{name} {filename!r} does not exist.": "{name} {filename!r} がありません。",
    "{name} {filename!r} is a file.": "{name} {filename!r} はファイルです（フォルダを指定してください）。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} はフォルダです（ファイルを指定してください）。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} を読めません。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} に書き込めません。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} は実行できません。",
    "{value!r} is not a valid UUID.": "{value!r} は UUID ではありません。",
    "file": "ファイル",
    "directory": "フォルダ",
    "path": "パス",
    "Choose from:\n\t{choices}": "次から選んでください:\n\t{choices}",
}  # fmt: skip

PLURALS: dict[str, str] = {
    "Got unexpected extra argument ({args})": "余分な引数があります（{args}）",
    "Did you mean {possibility}?": "もしかして {possibility} ですか?",
    "Option {name!r} requires an argument.": "オプション {name!r} には値が必要です。",
    "Takes {nargs} values but 1 was given.": "値が {nargs} 個必要ですが 1 個です。",
    "{value!r} is not {choice}.": "{value!r} は使えません。使える値: {choice}",
    "{value!r} does not match the format {format}.": "{value!r} は形式 {format} に合いません。",
    "{len_type} values are required, but {len_value} was given.": (
        "値が {len_type} 個必要ですが {len_value} 個です。"
    ),
}  # fmt: skip
# the plural msgids, said the same way in Japanese
_PLURAL_OF = {
    "Got unexpected extra arguments ({args})": "余分な引数があります（{args}）",
    "(Did you mean one of: {possibilities}?)": "（もしかして: {possibilities}）",
    "Option {name!r} requires {nargs} arguments.": "オプション {name!r} には値が {nargs} 個必要です。",
    "Takes {nargs} values but {len} were given.": "値が {nargs} 個必要ですが {len} 個です。",
    "{value!r} is not one of {choices}.": "{value!r} は使えません。使える値: {choices}",
    "{value!r} does not match the formats {formats}.": "{value!r} は形式 {formats} のどれにも合いません。",
    "{len_type} values are required, but {len_value} were given.": (
        "値が {len_type} 個必要ですが {len_value} 個です。"
    ),
}  # fmt: skip
_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types",
            "utils", "_termui_impl")  # fmt: skip


def gettext(message: str) -> str:
    return CATALOG.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if n == 1:
        return PLURALS.get(singular, singular)
    return _PLURAL_OF.get(plural, plural)


def install() -> None:
    """Make click say its messages in Japanese (idempotent; before any command is built,
    since some help texts are looked up when a decorator runs)."""
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
