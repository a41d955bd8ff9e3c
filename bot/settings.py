"""Typed settings from the environment and ``.env`` (every one is listed in ``.env.example``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.embedder import Backend

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where archive.db and chroma/ live.")
    embed_model: str = Field(
        "all-MiniLM-L6-v2",
        description="Sentence-transformers model: the bundled all-MiniLM-L6-v2 or a local path.",
    )
    embed_device: str | None = Field(None, description="cpu or cuda; unset picks automatically.")
    embed_backend: Backend = Field(
        "auto", description="onnx, torch, or auto (onnxruntime on CPU, torch on a GPU)."
    )
    chroma_url: str | None = Field(
        None, description="A chroma server (http://host:port); unset keeps vectors in DATA_DIR."
    )
    vector_search_ef: int | None = Field(
        None,
        ge=10,
        le=100_000,
        description="How many candidates the vector index weighs per question (HNSW ef_search):"
        " more finds more of the exact nearest passages, at more ms per question. Unset: set by"
        " the archive's size when the bot starts (100 up to 12,500 passages, then one per 125).",
    )
    discord_token: SecretStr | None = Field(None, description="Bot token; unset runs a console.")
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Guilds to sync slash commands to at start (instant)."
    )
    discord_api_base: str = Field(DISCORD_API_BASE, description="REST base URL (proxies, tests).")
    discord_gateway_url: str = Field(DISCORD_GATEWAY_URL, description="Gateway URL.")
    log_level: str = Field(
        "INFO", description="Python logging level: DEBUG, INFO, WARNING, ERROR or CRITICAL."
    )
    archive_dir: Path = Field(
        Path("archive"), description="The folder /reindex ingests (or a sub-path of it)."
    )
    archive_fetch_allow_private: bool = Field(
        False,
        description="Let /archive url fetch from private, loopback and link-local addresses "
        "(the bot's own network); off: public addresses only.",
    )
    admin_role_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list,
        description="Roles whose members may use the admin commands besides Manage Server.",
    )
    ask_cooldown_rate: int = Field(
        3, ge=0, description="Questions a user may ask per ASK_COOLDOWN_SECONDS; 0: no limit."
    )
    ask_cooldown_seconds: float = Field(30.0, gt=0, description="The cooldown's window.")
    ask_max_chars: int = Field(500, ge=1, le=4000, description="Longest question accepted.")
    discord_shards: Literal["auto"] | None = Field(
        None, description="auto runs an AutoShardedBot (shard count from Discord); unset: one."
    )
    discord_message_content: bool = Field(
        True,
        description="Ask for the privileged message-content intent, so that plain messages in "
        "a conversation thread are read as follow-ups; off: follow-ups must mention the bot.",
    )

    llm_base_url: str | None = Field(
        None,
        description="An OpenAI-compatible server (e.g. http://127.0.0.1:8080/v1) that writes a "
        "short answer from the quotes; unset: the extractive answer alone.",
    )
    llm_model: str | None = Field(None, description="The model name the server expects.")
    llm_api_key: SecretStr | None = Field(None, description="Bearer key, if the server needs one.")
    llm_timeout_seconds: float = Field(
        20.0, gt=0, description="How long to wait for the generator before answering without it."
    )
    rerank_model: str | None = Field(
        None,
        description="A sentence-transformers CrossEncoder (local path or cached hub id) that "
        "re-scores the best candidate sentences of every answer; unset: the linear ranking alone.",
    )

    @field_validator("discord_guild_ids", "admin_role_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part for part in value.replace(" ", "").split(",") if part]
            if not all(part.isdigit() for part in parts):
                raise ValueError("must be numeric Discord ids separated by commas")
            return [int(part) for part in parts]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        if isinstance(value, str):
            level = value.strip().upper()
            if not isinstance(logging.getLevelName(level), int):
                raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
            return level
        return value

    @field_validator("discord_shards", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator(
        "discord_token",
        "embed_device",
        "chroma_url",
        "vector_search_ef",
        "discord_shards",
        "llm_base_url",
        "llm_model",
        "llm_api_key",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value


class SettingsError(ValueError):
    """A setting's value cannot be used; the message names the variable, as it is written in
    the environment or ``.env``, with its value and what it must be."""


def load_settings() -> Settings:
    """The settings, or one ``SettingsError`` naming every variable that is wrong: pydantic's
    own report is a multi-line trace that names fields in lower case."""
    try:
        return Settings()
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            # The secrets (DISCORD_TOKEN, LLM_API_KEY) accept any text, so are never echoed here.
            name = str(detail["loc"][0]).upper() if detail["loc"] else "a setting"
            reason = detail["msg"].removeprefix("Value error, ")
            problems.append(f"{name}={detail['input']!r}: {reason[:1].lower()}{reason[1:]}")
        raise SettingsError("; ".join(problems)) from None
