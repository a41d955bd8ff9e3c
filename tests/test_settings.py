"""Settings: every field is documented in .env.example, the token stays secret."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from bot.settings import Settings


def test_env_example_lists_every_setting_with_its_default() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^([A-Z_]+)=(.*)$", text, flags=re.MULTILINE))
    assert set(listed) == {name.upper() for name in Settings.model_fields}
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for name, value in listed.items():
        default = getattr(defaults, name.lower())
        shown = "" if default in (None, []) else str(default)
        assert value == shown, name


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_GUILD_IDS", "123, 456")
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.fake-token-value")
    monkeypatch.setenv("EMBED_DEVICE", "")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.discord_guild_ids == [123, 456]
    assert settings.embed_device is None
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "MTIz.fake-token-value"
    assert "fake-token-value" not in repr(settings)
    assert "fake-token-value" not in str(settings.model_dump())
