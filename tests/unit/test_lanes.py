"""`make test`'s e2e lanes: every e2e module runs in exactly one lane, and the lanes are balanced."""

from __future__ import annotations

import pytest
from lanes import DEFAULT_MINUTES, E2E_MINUTES, assign, parse_lane


def test_every_module_lands_in_exactly_one_lane_of_the_ones_asked_for():
    modules = [*E2E_MINUTES, "tests/e2e/test_new_thing_e2e.py"]
    lanes = assign(modules, 2)
    assert set(lanes) == set(modules)
    assert set(lanes.values()) == {1, 2}


def test_the_assignment_does_not_depend_on_collection_order():
    modules = list(E2E_MINUTES)
    assert assign(modules, 2) == assign(list(reversed(modules)), 2)


def test_lanes_are_balanced_within_the_heaviest_module():
    modules = list(E2E_MINUTES)
    lanes = assign(modules, 2)
    load = [sum(E2E_MINUTES[m] for m in modules if lanes[m] == k) for k in (1, 2)]
    assert abs(load[0] - load[1]) <= max(E2E_MINUTES.values())


def test_an_unmeasured_module_gets_the_default_weight():
    lanes = assign(["tests/e2e/a.py", "tests/e2e/b.py", "tests/e2e/c.py"], 2)
    assert sorted(lanes.values()) == [1, 1, 2]  # three equal weights: two on one lane
    assert DEFAULT_MINUTES > 0


@pytest.mark.parametrize(("name", "expected"), [("e2e-1-of-2", (1, 2)), ("e2e-2-of-2", (2, 2)), ("e2e", None), ("", None)])
def test_lane_names(name, expected):
    assert parse_lane(name) == expected


def test_a_lane_number_out_of_range_is_refused():
    with pytest.raises(ValueError, match="1..2"):
        parse_lane("e2e-3-of-2")
