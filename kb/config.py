"""The one typed settings object; the only reader of environment variables.

Every setting is documented in README.md (a test checks that each field
appears there). Invalid or missing values raise ``ConfigError`` naming the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kb.errors import ConfigError

MEILI_VERSION = "1.21.0"


class Settings(BaseSettings):
    """kb configuration, read from the environment (and nothing else)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    content_dir: Path = Field(
        Path("content"),
        validation_alias=AliasChoices("KB_CONTENT_DIR", "content_dir"),
        description="Folder holding taxonomy.yml, synonyms.yml and cases/.",
    )
    data_dir: Path = Field(
        Path(".data"),
        validation_alias=AliasChoices("KB_DATA_DIR", "data_dir"),
        description="Folder for the managed Meilisearch (database, key, pid, log).",
    )
    index_name: str = Field(
        "cases",
        validation_alias=AliasChoices("KB_INDEX", "index_name"),
        pattern=r"^[A-Za-z0-9_-]{1,200}$",
        description="Name of the Meilisearch index.",
    )
    meili_url: str | None = Field(
        None,
        validation_alias=AliasChoices("MEILI_URL", "meili_url"),
        description="URL of an external Meilisearch; unset means kb runs its own.",
    )
    meili_master_key: str | None = Field(
        None,
        validation_alias=AliasChoices("MEILI_MASTER_KEY", "meili_master_key"),
        description="Master key of the external Meilisearch (required with MEILI_URL).",
    )
    meili_bin: Path | None = Field(
        None,
        validation_alias=AliasChoices("MEILI_BIN", "meili_bin"),
        description="Meilisearch binary to run; otherwise `meilisearch` on PATH, "
        "otherwise the pinned binary under tools_dir.",
    )
    tools_dir: Path = Field(
        Path(".tools"),
        validation_alias=AliasChoices("KB_TOOLS_DIR", "tools_dir"),
        description="Where `kb meili install` puts the pinned Meilisearch binary.",
    )
    max_file_bytes: int = Field(
        1_000_000,
        gt=0,
        validation_alias=AliasChoices("KB_MAX_FILE_BYTES", "max_file_bytes"),
        description="Largest case file accepted, in bytes.",
    )
    max_document_bytes: int = Field(
        30_000_000,
        gt=0,
        validation_alias=AliasChoices("KB_MAX_DOCUMENT_BYTES", "max_document_bytes"),
        description="Largest document file (PDF, Word, Excel, PowerPoint, text, HTML) "
        "`kb import` takes in and `kb index` reads the text of as an attachment, in bytes.",
    )
    host: str = Field(
        "127.0.0.1",
        validation_alias=AliasChoices("KB_HOST", "host"),
        description="Address `kb serve` binds to.",
    )
    port: int = Field(
        8000,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("KB_PORT", "port"),
        description="Port `kb serve` listens on.",
    )
    access_log: bool = Field(
        True,
        validation_alias=AliasChoices("KB_ACCESS_LOG", "access_log"),
        description="Whether `kb serve` logs every request; behind a reverse proxy that "
        "logs them already, false saves the app that work.",
    )
    search_concurrency: int = Field(
        5,
        ge=0,
        validation_alias=AliasChoices("KB_SEARCH_CONCURRENCY", "search_concurrency"),
        description="Searches one `kb serve` worker runs at once; the others wait their turn "
        "in arrival order, so a search of several Meilisearch requests is not stretched by "
        "all the others (web/admission.py). 0: no bound.",
    )
    edit_url: str = Field(
        "",
        validation_alias=AliasChoices("KB_EDIT_URL", "edit_url"),
        description="Pattern for a case's edit link, with {path} for the file's "
        "path in the content repository; empty hides the link.",
    )
    near_duplicate_threshold: float = Field(
        0.5,
        gt=0,
        le=1,
        validation_alias=AliasChoices("KB_NEAR_DUPLICATE_THRESHOLD", "near_duplicate_threshold"),
        description="Similarity (0-1, Jaccard over 6-character shingles of the folded text) "
        "from which `kb check` reports two cases as near-duplicates.",
    )
    max_image_bytes: int = Field(
        500_000,
        gt=0,
        validation_alias=AliasChoices("KB_MAX_IMAGE_BYTES", "max_image_bytes"),
        description="Largest image a case body may embed, in bytes (`kb check`).",
    )
    meili_timeout_s: float = Field(
        30.0,
        gt=0,
        validation_alias=AliasChoices("KB_MEILI_TIMEOUT", "meili_timeout_s"),
        description="Seconds to wait for a Meilisearch task or start-up.",
    )
    index_lock_wait_s: float = Field(
        600.0,
        ge=0,
        validation_alias=AliasChoices("KB_INDEX_LOCK_WAIT", "index_lock_wait_s"),
        description="Seconds `kb index` waits for another writer of the same index (another "
        "`kb index`, a rebuild, the watcher) to finish before it gives up with a message.",
    )
    index_lock_lease_s: float = Field(
        60.0,
        ge=1,
        validation_alias=AliasChoices("KB_INDEX_LOCK_LEASE", "index_lock_lease_s"),
        description="Seconds the index lock of a writer stays valid without renewal (it is "
        "renewed every third of it); a writer that died is taken over after this.",
    )
    meili_max_indexing_memory: str = Field(
        "1GiB",
        pattern=r"^\d+\s*(B|[KMGT]i?B)$",
        validation_alias=AliasChoices("KB_MEILI_MAX_INDEXING_MEMORY", "meili_max_indexing_memory"),
        description="RAM the managed Meilisearch may use per indexing task (--max-indexing-memory). "
        "Its default, two thirds of the machine, makes every one-document update prepare "
        "buffers of 5 % of that (0.8 GB on 24 GB): 2-4 s of CPU instead of 0.05 s.",
    )
    auth: Literal["password", "proxy"] = Field(
        "password",
        validation_alias=AliasChoices("KB_AUTH", "auth"),
        description="How instructors sign in: `password` (kb accounts) or `proxy` (a user "
        "header set by a trusted reverse proxy).",
    )
    session_secret: str | None = Field(
        None,
        validation_alias=AliasChoices("KB_SESSION_SECRET", "session_secret"),
        description="Key signing session cookies; unset means one is generated once and "
        "stored (mode 0600) under data_dir.",
    )
    session_hours: float = Field(
        12.0,
        gt=0,
        le=24 * 90,
        validation_alias=AliasChoices("KB_SESSION_HOURS", "session_hours"),
        description="Hours a login stays valid.",
    )
    trusted_proxies: str = Field(
        "",
        validation_alias=AliasChoices("KB_TRUSTED_PROXIES", "trusted_proxies"),
        description="Comma-separated addresses/networks of reverse proxies whose "
        "X-Forwarded-Proto and user header are believed.",
    )
    proxy_user_header: str = Field(
        "X-Forwarded-User",
        pattern=r"^[A-Za-z0-9-]{1,100}$",
        validation_alias=AliasChoices("KB_PROXY_USER_HEADER", "proxy_user_header"),
        description="Header carrying the signed-in user's name with KB_AUTH=proxy.",
    )
    admin_password_file: Path | None = Field(
        None,
        validation_alias=AliasChoices("KB_ADMIN_PASSWORD_FILE", "admin_password_file"),
        description="File holding the password `kb user ensure-admin` gives the first admin "
        "(e.g. a Docker secret); unset means a random one, printed once.",
    )
    public_search_url: str = Field(
        "",
        validation_alias=AliasChoices("KB_PUBLIC_SEARCH_URL", "public_search_url"),
        description="Where the search box of the static public site (`kb build-site`) "
        "sends its query (GET, parameter q); empty omits the box.",
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        le=1000,
        validation_alias=AliasChoices("KB_LOGIN_MAX_FAILURES", "login_max_failures"),
        description="Failed logins per account or address before further tries are "
        "refused for a while (the wait doubles with each further failure).",
    )

    @field_validator("meili_url")
    @classmethod
    def _strip_url(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        if not v.startswith(("http://", "https://")):
            raise ValueError("http:// か https:// で始めてください")
        return v.rstrip("/")

    @field_validator("admin_password_file", mode="before")
    @classmethod
    def _empty_path(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @property
    def external(self) -> bool:
        """True when kb talks to a Meilisearch it does not manage."""
        return self.meili_url is not None

    @property
    def cases_dir(self) -> Path:
        return self.content_dir / "cases"


ENV_NAMES = {
    name: next(a for a in field.validation_alias.choices if isinstance(a, str) and a.isupper())  # type: ignore[union-attr]
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; ``overrides`` win (used by the CLI and tests)."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            key = ENV_NAMES.get(field, field)
            problems.append(f"{key}: {err['msg']}（指定値: {err.get('input')!r}）")
        raise ConfigError(
            "設定が正しくありません: " + "; ".join(problems),
            hint="挙げた環境変数を直してください（README の「設定」を参照）",
        ) from exc
    if settings.meili_url and not settings.meili_master_key:
        raise ConfigError(
            "MEILI_MASTER_KEY: 設定されていません（MEILI_URL を設定したときは必須）",
            hint="MEILI_MASTER_KEY に外部の Meilisearch のマスターキーを設定するか、MEILI_URL を外してください",
        )
    return settings
