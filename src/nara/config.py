"""The one settings object. Nothing else in Nära reads ``os.environ``.

Every setting is read from an environment variable with the ``NARA_`` prefix (or a
``.env`` file in the working directory). ``docs/deployment.md`` and the README list them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NARA_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = Field(
        "development", description="Deployment environment; production refuses unsafe defaults."
    )
    database_url: str = Field(
        "sqlite:///./nara.db",
        description="SQLAlchemy URL: an SQLite file by default; postgresql+psycopg://... "
        "in production.",
    )
    database_pre_ping: bool = Field(
        False,
        description="Test every pooled PostgreSQL connection with a round trip before a "
        "request uses it. Off: a connection lost (say, to a database restart) fails the "
        "request that finds it, and the process then replaces all its connections.",
    )
    database_prepared_statements: bool = Field(
        True,
        description="Let PostgreSQL keep the plan of a statement a connection runs often "
        "(psycopg prepares it from its sixth run). Off for a connection pooler that cannot "
        "hold prepared statements (PgBouncer before 1.21, or without "
        "max_prepared_statements): every statement is then planned anew.",
    )
    host: str = Field("127.0.0.1", description="Address `nara serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `nara serve` listens on.")
    secret_key: str = Field(
        DEV_SECRET,
        description="Server secret (HMAC pepper for session ids and API tokens). "
        "Required (32+ characters) unless NARA_ENV=development.",
    )
    session_idle_minutes: int = Field(
        30, ge=1, description="A login session ends after this many minutes without a request."
    )
    session_absolute_hours: int = Field(
        12, ge=1, description="A login session ends this many hours after login, active or not."
    )
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto",
        description="Secure flag on the session cookie: auto = when the request came over HTTPS.",
    )
    trust_proxy_headers: bool = Field(
        False,
        description="Take the client's address and scheme from X-Forwarded-For/Proto when "
        "the request comes from one of NARA_FORWARDED_ALLOW_IPS.",
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Comma-separated addresses or networks (10.0.0.0/8) of the reverse "
        "proxies whose X-Forwarded-For/Proto are trusted (with NARA_TRUST_PROXY_HEADERS).",
    )
    max_body_bytes: int = Field(
        1_000_000, ge=1024, description="Largest accepted request body; larger gets 413."
    )
    case_number_prefix: str = Field(
        "NA", pattern=r"^[A-Z]{1,6}$", description="Prefix of case numbers (NA-2026-000123)."
    )
    default_locale: Literal["sv", "en"] = Field("sv", description="Language when none is chosen.")
    display_timezone: str = Field("Europe/Stockholm", description="Time zone for display.")
    log_level: str = Field("INFO", description="Python logging level.")
    password_min_length: int = Field(10, ge=8, description="Shortest accepted password.")
    ask_rate_limit: str = Field(
        "30/minute",
        pattern=r"^\d+/(second|minute|hour|day)$",
        description="Self-service questions per client (IP address), e.g. 30/minute.",
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where rate-limit counters live: memory:// (one process) or "
        "redis://host:6379 (shared by all app processes).",
    )
    widget_origins: str = Field(
        "",
        description="Comma-separated origins (https://www.example.se) whose pages may "
        "embed the self-service widget.",
    )
    login_max_failures: int = Field(
        10, ge=1, description="Failed logins on one account within 15 minutes before it is locked."
    )

    promise_warning_fraction: float = Field(
        0.25,
        gt=0,
        lt=1,
        description="Warn about a response promise when less than this share of its "
        "business-time budget is left.",
    )
    promise_check_seconds: int = Field(
        60,
        ge=0,
        le=3600,
        description="How often the background workers check promises (warnings, breaches, "
        "public-authority tasks): a divisor of a minute (1-30 s) or a whole number of "
        "minutes that divides an hour; 0 turns the periodic check off (run `nara jobs "
        "promises` from a scheduler instead).",
    )
    embedded_worker: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Run background jobs inside `nara serve`: auto = with SQLite only "
        "(with PostgreSQL run `nara worker` processes instead), on, off.",
    )
    gaps_refresh_minutes: int = Field(
        60,
        ge=0,
        le=1440,
        description="How often knowledge gaps are mined from handed-over questions "
        "(minutes, dividing a day; 0 = only when a lead asks for it).",
    )
    case_embedding_seconds: int = Field(
        60,
        ge=0,
        le=3600,
        description="How often newly opened cases are embedded for the similar-case search "
        "(improvement evidence): a divisor of a minute or a whole number of minutes that "
        "divides an hour; 0 = off (run `nara improvements embed-cases` instead).",
    )
    followup_live_seconds: int = Field(
        60,
        ge=0,
        le=3600,
        description="The follow-up counts today (the days not rolled up yet) live; each app "
        "process reuses that count for this many seconds for every filter and viewer "
        "(0 = count it for every request).",
    )
    job_runs_keep_days: int = Field(
        14, ge=0, description="Finished background job runs are kept this many days (0 = for ever)."
    )
    default_handle_minutes: float = Field(
        10.0,
        gt=0,
        description="Handling time per case the wait estimator assumes until a team has "
        "history of its own.",
    )
    default_first_reply_minutes: float = Field(
        3.0,
        ge=0,
        description="Time from taking a case to the first reply the wait estimator "
        "assumes until a team has history of its own.",
    )
    callback_booking_days: int = Field(
        10, ge=1, le=90, description="How many days ahead customers can book callbacks."
    )
    authority_mode: bool = Field(
        False,
        description="Public-authority mode: delay-notice tasks (förvaltningslagen 11 §) "
        "and the six-month mark (12 §).",
    )
    delay_notice_after_days: int = Field(
        30,
        ge=1,
        description="In public-authority mode: a case open this many days gets a task to "
        "send the customer a delay notice.",
    )

    @property
    def weak_secret(self) -> bool:
        """The built-in development secret, or one too short to be a real secret."""
        return self.secret_key == DEV_SECRET or len(self.secret_key) < 32

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.env != "development" and self.weak_secret:
            raise ValueError(
                "NARA_SECRET_KEY must be set to a random value of at least 32 characters "
                "outside development (for example: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        return self

    @model_validator(mode="after")
    def _schedulable(self) -> Settings:
        from nara.jobs.registry import cron_for

        for name, seconds in (
            ("NARA_PROMISE_CHECK_SECONDS", self.promise_check_seconds),
            ("NARA_GAPS_REFRESH_MINUTES", self.gaps_refresh_minutes * 60),
            ("NARA_CASE_EMBEDDING_SECONDS", self.case_embedding_seconds),
        ):
            if seconds:
                try:
                    cron_for(seconds)
                except ValueError:
                    raise ValueError(
                        f"{name} must divide a minute, an hour or a day evenly"
                    ) from None
        return self

    def runs_jobs_in_process(self) -> bool:
        """Whether `nara serve` runs the background jobs itself."""
        if self.embedded_worker == "auto":
            return self.is_sqlite
        return self.embedded_worker == "on"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI's --database option use this)."""
    get_settings.cache_clear()
