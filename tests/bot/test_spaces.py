"""Per-space settings: typed, defaults in one place, the stored format unchanged."""

from pathlib import Path

import pytest

from bot.models import Level
from bot.spaces import SpaceSettings, load_space_settings, save_space_settings
from bot.store.sqlite import sqlite_store


def test_defaults_mean_the_config_file_applies() -> None:
    settings = SpaceSettings()
    assert settings.alert_level is None and settings.excluded_channels is None
    assert settings.excluded(["c1"]) == {"c1"}
    assert SpaceSettings(excluded_channels=frozenset()).excluded(["c1"]) == set()


def test_stored_rows_are_read_typed_and_bad_values_left_out() -> None:
    stored = {
        "alert_level": "high",
        "excluded_channels": ["c2", "c1"],
        "moderator_channel": 1234,  # written as a number by hand: still an id
        "minor_roles": "not a list",
        "some_future_key": True,
    }
    settings = SpaceSettings.from_stored(stored)
    assert settings.alert_level is Level.HIGH
    assert settings.excluded_channels == {"c1", "c2"}
    assert settings.moderator_channel == "1234"
    assert settings.minor_roles is None
    assert SpaceSettings.from_stored({"alert_level": "none"}).alert_level is None


async def test_saving_keeps_the_stored_format_and_audits(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    try:
        saved = await save_space_settings(
            store, "slack", "T1", "mod", excluded_channels={"C2", "C1"}, alert_level="critical"
        )
        assert saved.alert_level is Level.CRITICAL
        assert await store.space_settings("slack", "T1") == {
            "excluded_channels": ["C1", "C2"],
            "alert_level": "critical",
        }
        with pytest.raises(ValueError, match="watch, high, critical"):
            await save_space_settings(store, "slack", "T1", "mod", alert_level="none")
        with pytest.raises(ValueError, match="critical"):
            await save_space_settings(store, "slack", "T1", "mod", alert_level="loud")
        assert (await load_space_settings(store, "slack", "T1")) == saved
        changes = await store.audit_entries("config_change")
        assert len(changes) == 2
    finally:
        await store.close()
