"""knnlib.timing.median_ratio: interleaving, ratios within a repeat, validation,
and the benchmarks measuring through the very same function."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from knnlib import timing


class FakeClock:
    """A perf_counter whose time only moves when a contender says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(timing.time, "perf_counter", fake)
    return fake


def test_order_is_rotated_each_repeat_after_warmup():
    calls = []
    contenders = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    timing.median_ratio(contenders, repeats=4, warmup=2)
    warmup, timed = calls[:6], calls[6:]
    assert warmup == list("abcabc")
    assert timed == list("abc" + "bca" + "cab" + "abc")


def test_times_and_ratios_are_medians_of_the_measured_seconds(clock):
    # Baseline takes 1, 2, 10 s; the other takes 2, 3, 30 s (a load burst in
    # the last repeat hits both). Ratios per repeat: 2, 1.5, 3 -> median 2;
    # the ratio of medians would be 3 / 2 = 1.5.
    durations = {"base": iter([0.5, 1.0, 2.0, 10.0]), "other": iter([0.5, 2.0, 3.0, 30.0])}
    contenders = {name: (lambda name=name: clock.advance(next(durations[name]))) for name in durations}
    out = timing.median_ratio(contenders, repeats=3, warmup=1)
    assert out["baseline"] == "base"
    assert out["all_times"] == {"base": [1.0, 2.0, 10.0], "other": [2.0, 3.0, 30.0]}
    assert out["times"] == {"base": 2.0, "other": 3.0}
    assert out["ratios"]["base"] == 1.0
    assert out["ratios"]["other"] == statistics.median([2.0, 1.5, 3.0]) == 2.0


def test_named_baseline(clock):
    contenders = {"slow": lambda: clock.advance(4.0), "fast": lambda: clock.advance(1.0)}
    out = timing.median_ratio(contenders, repeats=2, baseline="fast", warmup=0)
    assert out["baseline"] == "fast"
    assert out["ratios"] == {"slow": 4.0, "fast": 1.0}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"contenders": {}}, "at least one callable"),
        ({"baseline": "nope"}, "baseline 'nope' is not one of the contenders"),
        ({"repeats": 0}, "repeats = 0"),
        ({"repeats": 2.0}, "repeats = 2.0"),
        ({"repeats": True}, "repeats = True"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, message):
    arguments = {"contenders": {"a": lambda: None}} | kwargs
    contenders = arguments.pop("contenders")
    with pytest.raises(ValueError, match=message):
        timing.median_ratio(contenders, **arguments)


def test_benchmarks_use_the_same_function():
    # In a child process: importing benchmarks/_common pins every thread pool
    # to one thread for the rest of the process, which other tests should not inherit.
    benchmarks = Path(__file__).resolve().parents[1] / "benchmarks"
    check = (
        f"import sys; sys.path.insert(0, {str(benchmarks)!r}); import _common, knnlib.timing; "
        "assert _common.median_ratio is knnlib.timing.median_ratio; "
        "assert 'median_ratio' in _common.__all__"
    )
    subprocess.run([sys.executable, "-c", check], check=True)
