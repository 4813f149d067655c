"""All configuration in one place, read from the environment (prefix PLANWRIGHT_) or a .env file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agents.structured_output import StructuredOutput

_MIB = 1 << 20
_GIB = 1 << 30


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PLANWRIGHT_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file under data_dir."
    )
    chroma_url: str | None = Field(
        default=None, description="A Chroma server URL; defaults to an embedded store under data_dir."
    )
    embedder: Literal["minilm", "hashing"] = "minilm"
    default_engine: Literal["offline", "openai"] = "offline"
    crm_field_map: Path | None = Field(
        default=None,
        description="JSON file naming the org's custom Contact fields for status, buying role and stance "
        "(agents.field_map.CrmFieldMap); unset: the defaults (`*Status__c`, `Inactive__c`, `*Role__c`, `*Stance__c`).",
    )
    draft_workers: int = Field(default=2, ge=1, le=32)
    draft_execution: Literal["inprocess", "worker"] = Field(
        default="inprocess",
        description="`worker`: API processes only record drafts as running; `planwright worker` runs them.",
    )
    draft_lease_s: float = Field(
        default=600.0,
        gt=0,
        description="How long a claim on a draft lasts unless renewed (it is renewed while the draft runs); a "
        "crashed process's drafts are taken over once it runs out.",
    )
    draft_max_attempts: int = Field(
        default=3, ge=1, description="Claims before a draft whose runners keep dying is failed instead of resumed."
    )
    draft_time_limit_s: float = Field(
        default=1800.0, gt=0, description="A draft still running after this long is failed with that reason."
    )
    draft_tenant_concurrency: int = Field(
        default=1, ge=1, description="Drafts of one tenant that run at once, so one tenant cannot hold every worker."
    )
    draft_sweep_interval_s: float = Field(
        default=5.0,
        gt=0,
        description="How often each API process queues drafts for due evidence triggers and resumes drafts "
        "nobody holds.",
    )
    worker_poll_interval_s: float = Field(
        default=2.0, gt=0, description="How often `planwright worker` looks for drafts to run."
    )
    auto_draft: bool = Field(
        default=True, description="New evidence for an account queues drafts of the kinds it affects."
    )
    auto_draft_delay_s: float = Field(
        default=5.0, ge=0.0, description="Quiet period after an account's last evidence change before drafting."
    )
    webhooks_enabled: bool = Field(
        default=True,
        description="This process sends webhooks. Events are recorded either way; any process with this on sends them.",
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120, description="Per delivery attempt.")
    webhook_max_attempts: int = Field(
        default=6, ge=1, le=20, description="Attempts before a delivery is given up as failed."
    )
    webhook_poll_interval_s: float = Field(
        default=5.0, gt=0, description="How often the deliverer looks for due retries and other processes' events."
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Let webhooks go to loopback, private, link-local and local-name targets (on-prem installs, "
        "tests). Off: only globally routable addresses are accepted and delivered to.",
    )
    max_upload_bytes: int = Field(
        default=200 * _MIB,
        gt=0,
        description="A bundle zip uploaded to POST /v1/import; larger is refused (413) from Content-Length, "
        "before reading, or as soon as a chunked body passes it.",
    )
    max_push_bytes: int = Field(
        default=20 * _MIB, gt=0, description="One pushed note, call or record batch, refused (413) the same way."
    )
    max_unzipped_bytes: int = Field(
        default=_GIB, gt=0, description="What an uploaded zip may unpack to in all, counted while unpacking."
    )
    max_zip_member_bytes: int = Field(
        default=128 * _MIB,
        gt=0,
        description="What one file of an uploaded zip may unpack to, counted as it unpacks; CRM files parse whole.",
    )
    max_zip_members: int = Field(default=50_000, gt=0, description="Files and folders in an uploaded zip.")
    max_evidence_file_bytes: int = Field(
        default=5 * _MIB,
        gt=0,
        description="One note or call's text (UTF-8); a larger one is skipped and reported, the rest imports.",
    )
    bootstrap_api_key: str | None = Field(
        default=None,
        description="If set, an admin key for bootstrap_tenant is created at startup (for first runs).",
    )
    bootstrap_tenant: str = "demo"
    metrics_token: SecretStr | None = Field(
        default=None,
        description="`Authorization: Bearer <token>` on /metrics sees every tenant's figures; a tenant's admin key "
        "sees that tenant's. Without either, /metrics answers 401 unless metrics_public is on.",
    )
    metrics_public: bool = Field(
        default=False,
        description="Serve /metrics to callers without a credential too, as totals that name no tenant.",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`json`: one JSON object per log line (time, level, logger, message, request_id, draft_id) for "
        "log collectors; `text` for people.",
    )
    log_level: str = Field(default="WARNING", description="The level of the service's own loggers (uvicorn's: INFO).")
    api_key_cache_ttl_s: float = Field(
        default=5.0,
        ge=0,
        description="How long a process reuses an API key's lookup; a key revoked through another process is "
        "refused by this one within this time (through this one: at once). 0 looks every request up.",
    )
    public_url: AnyHttpUrl | None = Field(
        default=None,
        description="The URL browsers reach the service at, when a proxy in front changes the scheme or host: "
        "UI forms may also come from its origin, and an https one marks the session cookie Secure.",
    )
    session_idle_timeout_s: float = Field(
        default=2 * 3600, gt=0, description="A UI session unused for this long ends; the reviewer signs in again."
    )
    session_max_age_s: float = Field(
        default=12 * 3600, gt=0, description="A UI session ends this long after sign-in, however busy."
    )

    salesforce_instance_url: str | None = Field(
        default=None, description="For `planwright pull salesforce`: https://<org>.my.salesforce.com"
    )
    salesforce_access_token: SecretStr | None = Field(default=None, description="A session id or OAuth access token.")
    salesforce_username: str | None = None
    salesforce_password: SecretStr | None = None
    salesforce_security_token: SecretStr | None = None
    salesforce_domain: str = Field(default="login", description="login, test (sandboxes), or a My Domain prefix.")

    hubspot_token: SecretStr | None = Field(default=None, description="A private app's token, for `pull hubspot`.")

    openai_api_key: SecretStr | None = Field(default=None, description="Enables the openai engine.")
    openai_base_url: str | None = Field(
        default=None, description="Any OpenAI-compatible endpoint: Azure OpenAI, vLLM, Ollama."
    )
    openai_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(default=30.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_structured_output: StructuredOutput = Field(
        default=StructuredOutput.auto,
        description="json_schema, json_mode, tool_calling, or auto (json_schema on OpenAI, else probe once).",
    )
    llm_context_tokens: int | None = Field(
        default=None, gt=0, description="The model's context window; unset looks the model up, else 16,000."
    )
    llm_max_output_tokens: int | None = Field(default=None, gt=0, description="max_tokens for each answer.")
    llm_fallback_to_offline: bool = Field(
        default=True, description="When the LLM fails, draft with the offline engine and say so on the draft."
    )
    llm_price_per_million_input: float | None = Field(default=None, ge=0, description="USD; overrides the table.")
    llm_price_per_million_output: float | None = Field(default=None, ge=0, description="USD; overrides the table.")

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None or self.openai_base_url is not None

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Settings:
        for name in ("bootstrap_api_key", "openai_api_key", "metrics_token"):
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            if value is not None and value.strip().lower() in {"changeme", "change-me", "secret", ""}:
                raise ValueError(f"PLANWRIGHT_{name.upper()} is a placeholder; set a real secret")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'planwright.db'}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"
