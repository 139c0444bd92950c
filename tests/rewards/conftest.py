"""Rewards fixtures: the named people of tests.factories and 2026Q1 published (see builders.build_ledger)."""

import pytest

from tests.rewards.builders import build_ledger


@pytest.fixture
def ledger(people):
    return build_ledger(people)
