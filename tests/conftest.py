"""Shared fixtures. Tests on real motion capture read ../shared/mocap and skip, saying why, when it is absent."""

from __future__ import annotations

import pytest

from motiongpt.data import Trial, cmu_trials, mocap_root


@pytest.fixture(scope="session")
def trials() -> dict[str, Trial]:
    """All shared CMU trials by name (05_01, 60_03, ...), archives unpacked once into a cache folder."""
    if not (mocap_root() / "cmu" / "manifest.csv").exists():
        pytest.skip(f"shared CMU motion capture not found at {mocap_root()} (set MOTIONGPT_MOCAP)")
    return {t.name: t for t in cmu_trials()}
