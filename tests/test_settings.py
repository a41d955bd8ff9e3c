"""Settings: every field is documented in .env.example, the token stays secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT

from bot.settings import Settings, SettingsError, load_settings
from bot.terminal.cli import main


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
    monkeypatch.setenv("VECTOR_SEARCH_EF", "")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.discord_guild_ids == [123, 456]
    assert settings.embed_device is None
    assert settings.vector_search_ef is None  # left to the archive's size
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "MTIz.fake-token-value"
    assert "fake-token-value" not in repr(settings)
    assert "fake-token-value" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("EMBED_BACKEND", "gpu", "EMBED_BACKEND='gpu': input should be 'auto', 'onnx' or 'torch'"),
        ("ASK_COOLDOWN_RATE", "abc", "ASK_COOLDOWN_RATE='abc': input should be a valid integer"),
        ("DISCORD_GUILD_IDS", "myserver", "DISCORD_GUILD_IDS='myserver': must be numeric"),
        ("LOG_LEVEL", "verbose", "LOG_LEVEL='verbose': must be DEBUG, INFO"),
        ("DISCORD_SHARDS", "4", "DISCORD_SHARDS='4': input should be 'auto'"),
        ("LLM_TIMEOUT_SECONDS", "-1", "LLM_TIMEOUT_SECONDS='-1': input should be greater than 0"),
    ],
)
def test_a_wrong_value_is_one_line_naming_the_variable(
    variable: str,
    value: str,
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout's
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=re.escape(says)):
        load_settings()
    assert main(["stats"]) == 2
    error = capsys.readouterr().err
    assert says in error and error.count("\n") == 1 and "Traceback" not in error


def test_levels_and_shards_are_read_in_any_case(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("DISCORD_SHARDS", " Auto ")
    settings = load_settings()
    assert (settings.log_level, settings.discord_shards) == ("DEBUG", "auto")
