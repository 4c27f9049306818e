"""Configuration from the environment or a `.env` file (the contract in DESIGN.md)."""
from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_TEAMS_OPENID = "https://login.botframework.com/v1/.well-known/openidconfiguration"
LOGIN = "https://login.microsoftonline.com"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: str = Field(default="", repr=False)
    slack_signing_secret: str = Field(default="", repr=False)
    slack_app_token: str = Field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = "sqlite:///ae-bot.db"
    port: int = 3000
    log_level: str = "INFO"
    # Microsoft Teams (the Bot Framework registration: app id and client secret; a tenant for a
    # single-tenant bot). The URLs default to Microsoft's; tests point them at fakes.
    teams_app_id: str = ""
    teams_app_password: str = Field(default="", repr=False)
    teams_tenant_id: str = ""
    teams_openid_metadata_url: str = DEFAULT_TEAMS_OPENID
    teams_token_url: str = ""

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, v: str) -> str:
        # slack-sdk joins method names onto base_url, so it must end with "/".
        return v if v.endswith("/") else v + "/"

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def teams(self) -> bool:
        return bool(self.teams_app_id and self.teams_app_password)

    @property
    def slack(self) -> bool:
        return bool(self.slack_bot_token or self.slack_signing_secret or self.slack_app_token)

    @property
    def teams_token_endpoint(self) -> str:
        """Microsoft's token endpoint: the bot's tenant for a single-tenant bot, else botframework.com."""
        return self.teams_token_url or f"{LOGIN}/{self.teams_tenant_id or 'botframework.com'}/oauth2/v2.0/token"

    def missing_for_teams(self) -> list[str]:
        return [name for name, value in (("TEAMS_APP_ID", self.teams_app_id),
                                         ("TEAMS_APP_PASSWORD", self.teams_app_password)) if not value]

    def missing_for_run(self) -> list[str]:
        """Names of the variables `ae-bot run` cannot start without."""
        missing = []
        if not self.slack_bot_token:
            missing.append("SLACK_BOT_TOKEN")
        if not self.socket_mode and not self.slack_signing_secret:
            missing.append("SLACK_SIGNING_SECRET")
        return missing


def sqlalchemy_url(url: str) -> str:
    """Accept plain `postgresql://` / `postgres://` URLs and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
