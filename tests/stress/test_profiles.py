"""The load profiles: overrides, durations and the users the load shape asks for over time."""

from __future__ import annotations

import pytest
from WalletLibrary.load import profiles


def test_every_profile_runs_its_peak_and_ends_at_its_duration() -> None:
    for profile in profiles.PROFILES.values():
        peaks = {profile.target(t)[0] for t in range(profile.duration_s)}
        assert max(peaks) == profile.users, profile.name
        assert profile.target(profile.duration_s) is None, profile.name


def test_spike_goes_from_baseline_to_peak_and_back() -> None:
    spike = profiles.resolve_profile("spike", users="100", duration="100")
    assert spike.target(10) == (15, 5)
    assert spike.target(45) == (100, 60)
    assert spike.target(90) == (15, 60)


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("5m", 300), ("1h", 3600), ("1h30m", 5400)])
def test_durations(text: str, seconds: int) -> None:
    assert profiles.parse_duration(text) == seconds


def test_overrides_apply_and_empty_strings_do_not() -> None:
    profile = profiles.resolve_profile("steady", users="7", spawn_rate="2.5", duration="2m")
    assert (profile.users, profile.spawn_rate, profile.duration_s) == (7, 2.5, 120)
    assert profiles.resolve_profile("steady", "", "", "") == profiles.PROFILES["steady"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"name": "huge"}, "unknown stress profile 'huge': choose one of smoke, steady, spike, soak"),
        ({"users": "0"}, "STRESS_USERS='0' is not a positive int"),
        ({"spawn_rate": "fast"}, "STRESS_SPAWN_RATE='fast' is not a positive float"),
        ({"duration": "soon"}, "STRESS_DURATION='soon' is not a duration"),
    ],
)
def test_bad_input_is_one_clear_line(arguments: dict[str, str], message: str) -> None:
    with pytest.raises(profiles.ProfileError) as error:
        profiles.resolve_profile(**arguments)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
