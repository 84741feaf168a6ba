"""Fixtures of the Python API tests (test_api.py): a fresh scope, the repository root."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_scope():
    """Every test starts with an empty network (as Brian2 scripts start with start_scope())."""
    import spikejit

    spikejit.start_scope()
    yield
    spikejit.start_scope()


@pytest.fixture
def repo() -> Path:
    """The repository root (for examples/*.toml)."""
    return REPO
