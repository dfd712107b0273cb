"""Typed configuration of the warehouse connection."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from sqlalchemy.engine import make_url

from warehouse.engine import SUPPORTED_DIALECTS


class WarehouseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        default="duckdb:///var/ecs-insight.duckdb",
        description=(
            "SQLAlchemy URL of the warehouse: `duckdb:///PATH` (embedded file; a relative PATH is "
            "taken from the working directory) or `postgresql+psycopg://USER@HOST:PORT/DB`. Put no "
            "password here: use `password`. Overridden by the environment variable "
            "ECS_INSIGHT_WAREHOUSE."
        ),
    )
    password: SecretStr | None = Field(
        default=None,
        description="PostgreSQL password, given as `{from_env: VAR}` or `{from_file: PATH}`; never inline.",
    )

    @field_validator("url")
    @classmethod
    def _known_dialect(cls, value: str) -> str:
        try:
            parsed = make_url(value)
        except Exception as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if parsed.get_backend_name() not in SUPPORTED_DIALECTS:
            raise ValueError(f"dialect {parsed.get_backend_name()!r} is not one of {SUPPORTED_DIALECTS}")
        if parsed.password:
            raise ValueError("the URL holds a password; give it through `password` (from_env/from_file)")
        return value

    def engine_url(self) -> str:
        """The URL with the password filled in; never log the result."""
        parsed = make_url(self.url)
        if self.password is not None:
            parsed = parsed.set(password=self.password.get_secret_value())
        return parsed.render_as_string(hide_password=False)

    def display_url(self) -> str:
        return make_url(self.engine_url()).render_as_string(hide_password=True)
