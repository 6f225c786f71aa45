r"""Fair timings: several contenders, interleaved, compared by median ratios.

Timing code on a shared machine is noisy: another program wakes up, a cache
is cold, the CPU changes its clock. :func:`median_ratio` makes comparisons
robust to that in two ways.

* **Interleaving.** Within every repeat each contender runs once, in an
  order rotated from one repeat to the next, so a burst of machine load hits
  all of them alike instead of whichever happened to be running.
* **Ratios within a repeat.** For repeat :math:`r` the ratio of contender
  :math:`c` to the baseline :math:`b` is :math:`t_{c,r} / t_{b,r}`, two
  times measured moments apart; the reported ratio is the median over
  repeats,

  .. math:: \rho_c = \operatorname{median}_r \; \frac{t_{c,r}}{t_{b,r}} ,

  which is steadier than the ratio of the two medians.

The book's speed chapter and the benchmark scripts (``benchmarks/``, which
re-export this function and also pin the BLAS thread pools to one thread)
measure the same way.

:func:`progress` wraps a slow loop in a progress bar when it runs in a
Jupyter kernel, and leaves no trace of the bar in the saved notebook.

Examples
--------
>>> from knnlib.timing import median_ratio
>>> out = median_ratio({"short": lambda: sum(range(10)),
...                     "long": lambda: sum(range(100_000))}, repeats=3)
>>> out["baseline"], out["ratios"]["short"]
('short', 1.0)
>>> out["ratios"]["long"] > 1
True
"""

from __future__ import annotations

import gc
import statistics
import time

__all__ = ["median_ratio", "progress"]


def median_ratio(contenders, *, repeats=5, baseline=None, warmup=1):
    """Time each contender ``repeats`` times, interleaved, and compare medians.

    Within every repeat each contender runs once, in a rotated order, so that
    a change in machine load during the benchmark hits all of them alike
    instead of whichever happened to run at that moment. The ratio of a
    contender to the baseline is computed *within* each repeat and its median
    over repeats is reported, which is more robust than a ratio of medians.

    Parameters
    ----------
    contenders : dict of str -> callable
        Zero-argument callables doing the timed work (their results are
        discarded). Put set-up work (building an index) outside them.
    repeats : int
        Number of timed rounds.
    baseline : str, optional
        Name of the contender the ratios are relative to; default the first.
    warmup : int
        Untimed rounds first (import costs, caches, lazy allocation).

    Returns
    -------
    dict with keys
        ``"times"``: {name: median seconds};
        ``"ratios"``: {name: median over repeats of time / baseline time};
        ``"all_times"``: {name: list of seconds, one per repeat};
        ``"baseline"``: the baseline's name.

    Raises
    ------
    ValueError
        If ``contenders`` is empty, ``baseline`` is not one of them, or
        ``repeats`` is not an integer >= 1.

    Examples
    --------
    >>> out = median_ratio({"fast": lambda: sum(range(10)),
    ...                     "slow": lambda: sum(range(10_000))}, repeats=3)
    >>> out["baseline"], out["ratios"]["fast"]
    ('fast', 1.0)
    >>> out["ratios"]["slow"] > 1
    True
    """
    names = list(contenders)
    if not names:
        raise ValueError("contenders must name at least one callable, got an empty dict")
    if baseline is None:
        baseline = names[0]
    if baseline not in contenders:
        raise ValueError(f"baseline {baseline!r} is not one of the contenders {names}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1, got repeats = {repeats!r}")

    for _ in range(warmup):
        for name in names:
            contenders[name]()

    all_times = {name: [] for name in names}
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            # A garbage collection triggered inside a timed call would be
            # charged to whoever happened to allocate last.
            gc.collect()
            start = time.perf_counter()
            contenders[name]()
            all_times[name].append(time.perf_counter() - start)

    base = all_times[baseline]
    return {
        "times": {name: statistics.median(ts) for name, ts in all_times.items()},
        "ratios": {
            name: statistics.median(t / b for t, b in zip(ts, base))
            for name, ts in all_times.items()
        },
        "all_times": all_times,
        "baseline": baseline,
    }


def _in_kernel():
    """Whether we run inside a Jupyter kernel (where a progress widget can show)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def progress(iterable, *, total=None, description=""):
    """Iterate over ``iterable``, showing a progress bar in a Jupyter kernel.

    In a kernel the bar is ``tqdm.auto``'s notebook bar. When the loop ends
    (or fails) the bar is replaced by empty output, so the saved notebook and
    the built book keep no trace of it: a closed widget left in an output
    would show as "model not found" on a static page. Outside a kernel
    (scripts, tests) the items are passed through silently.

    Parameters
    ----------
    iterable : iterable
    total : int, optional
        Number of items, when ``len(iterable)`` does not say.
    description : str
        Shown before the bar.

    Yields
    ------
    The items of ``iterable``, unchanged.

    Examples
    --------
    >>> [x * x for x in progress(range(4), description="squares")]
    [0, 1, 4, 9]
    """
    if not _in_kernel():
        yield from iterable
        return
    from IPython.display import HTML, display
    from tqdm.auto import tqdm

    bar = tqdm(iterable, total=total, desc=description, leave=False, display=False)
    handle = display(bar.container, display_id=True)
    try:
        yield from bar
    finally:
        handle.update(HTML(""))
        bar.close()
