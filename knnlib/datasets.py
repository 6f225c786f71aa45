"""Seeded two-dimensional toy datasets ("presets") for the book and the playground.

Every preset is a small labelled point cloud that shows one thing about KNN:

===================  ===========================================================
``"two_blobs"``      two well separated round clouds: the easy case
``"moons"``          two interleaving half-moons: a curved boundary
``"xor"``            four quadrants, opposite corners share a class: no straight
                     line separates them, KNN does not care
``"sparse"``         a dozen points, only three of the minority class: a large k
                     out-votes the minority everywhere
``"noisy_overlap"``  two wide clouds that overlap: k=1 overfits the noise
``"three_classes"``  three clouds, labels 0, 1 and 2
===================  ===========================================================

All presets live inside the square [0, 10] x [0, 10] (the playground's canvas),
have integer labels starting at 0, and are reproducible: the same ``(name,
seed)`` always gives the same points. Coordinates are rounded to two decimals
so that tables of them stay readable; that is far finer than any boundary
the book draws.

The generators use NumPy only (no downloads, no scikit-learn sample
generators), so they work offline and their recipe is on the page.

Examples
--------
>>> from knnlib.datasets import PRESETS, load_preset
>>> sorted(PRESETS)
['moons', 'noisy_overlap', 'sparse', 'three_classes', 'two_blobs', 'xor']
>>> X, y = load_preset("two_blobs", seed=0)
>>> X.shape, y.shape, X.dtype, y.dtype
((80, 2), (80,), dtype('float64'), dtype('int64'))
>>> bool(X.min() >= 0 and X.max() <= 10)
True
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["PRESETS", "PRESET_BOUNDS", "load_preset"]

#: The square every preset lies in: (x_min, x_max, y_min, y_max).
PRESET_BOUNDS = (0.0, 10.0, 0.0, 10.0)

# Points are generated inside this margin so that none sits on the canvas edge.
_MARGIN = 0.25

#: Preset names (the keys) and a one-line description of each (the values).
PRESETS = {
    "two_blobs": "Two blobs: two well separated round clouds",
    "moons": "Moons: two interleaving half-moons",
    "xor": "XOR: opposite quadrants share a class",
    "sparse": "Sparse: 13 points, only 3 of class 1",
    "noisy_overlap": "Noisy overlap: two wide, overlapping clouds",
    "three_classes": "Three classes: three round clouds",
}


def _gaussian_cloud(rng, centre, spread, n_points):
    """``n_points`` normal draws around ``centre``; draws outside the margin are redrawn.

    Redrawing (rather than clipping) keeps points from piling up on the edge.
    """
    low, high = _MARGIN, PRESET_BOUNDS[1] - _MARGIN
    points = rng.normal(loc=centre, scale=spread, size=(n_points, 2))
    for _ in range(1000):
        outside = np.any((points < low) | (points > high), axis=1)
        if not outside.any():
            return points
        points[outside] = rng.normal(loc=centre, scale=spread, size=(int(outside.sum()), 2))
    raise RuntimeError("could not draw points inside the square; is the spread too wide?")


def _two_blobs(rng):
    X = np.vstack([
        _gaussian_cloud(rng, (3.5, 3.5), 1.0, 40),
        _gaussian_cloud(rng, (6.5, 6.5), 1.0, 40),
    ])
    return X, np.repeat([0, 1], 40)


def _moons(rng, n_per_moon=50, noise=0.1):
    # The classic construction: the upper half of a unit circle, and the lower
    # half of another one shifted right by 1 and down by 0.5 so the two hook
    # into each other. Then stretch the shape (x in [-1, 2], y in [-0.5, 1])
    # to fill the canvas.
    t_upper = rng.uniform(0.0, np.pi, n_per_moon)
    t_lower = rng.uniform(0.0, np.pi, n_per_moon)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + rng.normal(scale=noise, size=(2 * n_per_moon, 2))
    scale = 2.8
    X = (X - [-1.0, -0.5]) * scale + [0.8, 2.9]
    # The noise could in principle push a point off the canvas; clip to the margin.
    X = np.clip(X, _MARGIN, PRESET_BOUNDS[1] - _MARGIN)
    return X, np.repeat([0, 1], n_per_moon)


def _xor(rng, n_per_quadrant=20, gap=0.4):
    # Uniform points in each quadrant, kept `gap` away from the centre lines so
    # the true boundary (x = 5 or y = 5) is not sitting on top of a point.
    low, mid, high = _MARGIN, 5.0, PRESET_BOUNDS[1] - _MARGIN
    quadrants = [  # (x range, y range, label): same-class quadrants are opposite
        ((low, mid - gap), (low, mid - gap), 0),
        ((mid + gap, high), (mid + gap, high), 0),
        ((low, mid - gap), (mid + gap, high), 1),
        ((mid + gap, high), (low, mid - gap), 1),
    ]
    X_parts, y_parts = [], []
    for (x_low, x_high), (y_low, y_high), label in quadrants:
        X_parts.append(np.column_stack([
            rng.uniform(x_low, x_high, n_per_quadrant),
            rng.uniform(y_low, y_high, n_per_quadrant),
        ]))
        y_parts.append(np.full(n_per_quadrant, label))
    return np.vstack(X_parts), np.concatenate(y_parts)


def _sparse(rng):
    # Ten majority points spread over the canvas, three minority points in one
    # corner. With uniform votes, class 1 can win only if it holds more than
    # half of the k votes, so for k >= 7 it vanishes from the map.
    majority = rng.uniform(1.0, 9.0, size=(10, 2))
    minority = _gaussian_cloud(rng, (7.5, 2.5), 0.6, 3)
    return np.vstack([majority, minority]), np.repeat([0, 1], [10, 3])


def _noisy_overlap(rng):
    X = np.vstack([
        _gaussian_cloud(rng, (4.0, 5.0), 1.5, 60),
        _gaussian_cloud(rng, (6.0, 5.0), 1.5, 60),
    ])
    return X, np.repeat([0, 1], 60)


def _three_classes(rng):
    centres = [(3.0, 3.2), (7.0, 3.2), (5.0, 7.0)]
    X = np.vstack([_gaussian_cloud(rng, c, 0.9, 35) for c in centres])
    return X, np.repeat([0, 1, 2], 35)


_GENERATORS = {
    "two_blobs": _two_blobs,
    "moons": _moons,
    "xor": _xor,
    "sparse": _sparse,
    "noisy_overlap": _noisy_overlap,
    "three_classes": _three_classes,
}


def load_preset(name, seed=0):
    """Generate one of the book's two-dimensional presets.

    Parameters
    ----------
    name : str
        One of the keys of :data:`PRESETS`: ``"two_blobs"``, ``"moons"``,
        ``"xor"``, ``"sparse"``, ``"noisy_overlap"``, ``"three_classes"``.
    seed : int, default 0
        Seed of the random generator (``numpy.random.default_rng(seed)``);
        the same seed always gives the same points.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
        Points inside [0, 10] x [0, 10], rounded to two decimals.
    y : ndarray of shape (n_samples,), int64
        Class labels 0, 1 (and 2 for ``"three_classes"``).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones) or a negative seed.
    TypeError
        If ``seed`` is not an integer.

    Examples
    --------
    >>> X, y = load_preset("sparse")
    >>> len(X), int((y == 1).sum())
    (13, 3)
    >>> X2, y2 = load_preset("sparse", seed=0)
    >>> bool((X == X2).all())
    True
    >>> load_preset("circles")
    Traceback (most recent call last):
    ...
    ValueError: Unknown preset 'circles'; choose one of 'two_blobs', 'moons', 'xor', 'sparse', 'noisy_overlap', 'three_classes'
    """
    if not isinstance(name, str) or name not in _GENERATORS:
        raise ValueError(
            f"Unknown preset {name!r}; choose one of {', '.join(map(repr, PRESETS))}"
        )
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {seed!r} of type {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got seed = {seed}")
    rng = np.random.default_rng(int(seed))
    X, y = _GENERATORS[name](rng)
    return np.round(X, 2).astype(np.float64), np.asarray(y, dtype=np.int64)



def _check_feature_names(features, available):
    """Return ``features`` as a list of distinct names, each one of ``available``."""
    if isinstance(features, str):
        raise TypeError(f"features must be a list of column names, got the string {features!r}; "
                        f"write [{features!r}] for a single feature")
    features = list(features)
    for name in features:
        if not isinstance(name, str):
            raise TypeError(f"features must hold column names (str), got {name!r} of type {type(name).__name__}")
        if name not in available:
            raise ValueError(f"Unknown feature {name!r}; choose from {', '.join(map(repr, available))}")
    if not features:
        raise ValueError("features must name at least one column, got an empty list")
    if len(set(features)) != len(features):
        raise ValueError(f"features must not repeat a column, got {features!r}")
    return features

def load_house_prices(features=None):
    """House sales in Ames, Iowa, 2006-2010 (De Cock, 2011): features and sale prices.

    All 2930 residential sales recorded by the Ames City Assessor's Office,
    read from ``knnlib/data/ames_house_prices.csv`` (shipped with knnlib, no
    download; ``knnlib/data/README.md`` gives the source, licence and how the
    file was made). The feature columns, all whole numbers:

    =====================  ===================================================
    ``"living_area"``      above-grade living area, square feet
    ``"overall_quality"``  material and finish, 1 (very poor) to 10 (excellent)
    ``"year_built"``       construction year
    ``"lot_area"``         lot size, square feet
    ``"bedrooms"``         bedrooms above grade
    ``"full_baths"``       full bathrooms above grade
    ``"year_sold"``        year of the sale, 2006 to 2010
    =====================  ===================================================

    Cite: De Cock, D. (2011). Ames, Iowa: Alternative to the Boston Housing
    Data as an End of Semester Regression Project. *Journal of Statistics
    Education*, 19(3).

    Parameters
    ----------
    features : list of str, optional
        The columns of ``data``, in this order. Default: all seven above.

    Returns
    -------
    houses : sklearn.utils.Bunch
        ``data``: ndarray of shape (2930, len(features)), float64;
        ``target``: ndarray of shape (2930,), float64, the sale prices in US dollars;
        ``feature_names``: list of str; ``target_name``: ``"sale_price"``;
        ``pid``: ndarray of int64, each sale's parcel number (to trace a row
        back to the source).

    Raises
    ------
    TypeError
        If ``features`` is a single string or holds something other than strings.
    ValueError
        For an unknown, repeated or empty list of feature names.

    Examples
    --------
    >>> houses = load_house_prices(["living_area", "overall_quality"])
    >>> houses.data.shape, houses.target.shape
    ((2930, 2), (2930,))
    >>> houses.data[0], houses.target[0]   # the first sale: 1656 sq ft, quality 6
    (array([1656.,    6.]), np.float64(215000.0))
    >>> load_house_prices(["area"])
    Traceback (most recent call last):
    ...
    ValueError: Unknown feature 'area'; choose from 'living_area', 'overall_quality', 'year_built', 'lot_area', 'bedrooms', 'full_baths', 'year_sold'
    """
    import csv
    from importlib.resources import files

    from sklearn.utils import Bunch

    with files("knnlib").joinpath("data", "ames_house_prices.csv").open(newline="", encoding="ascii") as handle:
        header, *rows = list(csv.reader(handle))
    table = np.array(rows, dtype=np.int64)  # every entry is a whole number
    column = {name: position for position, name in enumerate(header)}
    available = [name for name in header if name not in ("pid", "sale_price")]

    if features is None:
        features = available
    features = _check_feature_names(features, available)

    return Bunch(
        data=table[:, [column[name] for name in features]].astype(np.float64),
        target=table[:, column["sale_price"]].astype(np.float64),
        feature_names=features,
        target_name="sale_price",
        pid=table[:, column["pid"]],
    )


#: The numeric columns of the Palmer penguins data (:func:`load_penguins`), in the source's order.
PENGUIN_FEATURES = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")


def load_penguins(features=PENGUIN_FEATURES):
    """The Palmer penguins: body measurements of three penguin species.

    344 adult penguins measured near Palmer Station, Antarctica, 2007 to 2009,
    read from the CSV file shipped inside the ``palmerpenguins`` package (no
    download). The numeric columns:

    =======================  =================================
    ``"bill_length_mm"``     bill (culmen) length, millimetres
    ``"bill_depth_mm"``      bill (culmen) depth, millimetres
    ``"flipper_length_mm"``  flipper length, millimetres
    ``"body_mass_g"``        body mass, grams
    =======================  =================================

    The class is the species: Adelie (152 penguins), Chinstrap (68), Gentoo
    (124). **Missing values:** two penguins (one Adelie, one Gentoo) have no
    measurements at all; every row with a missing value in one of the
    requested ``features`` is dropped, which removes exactly those two and
    leaves 342 penguins (151 Adelie, 68 Chinstrap, 123 Gentoo). The rows keep
    the source's order.

    Data: Gorman, K. B., Williams, T. D. & Fraser, W. R. (2014). Ecological
    sexual dimorphism and environmental variability within a community of
    Antarctic penguins (genus *Pygoscelis*). *PLoS ONE* 9(3), e90081.
    Package: Horst, A. M., Hill, A. P. & Gorman, K. B. (2020). palmerpenguins:
    Palmer Archipelago (Antarctica) penguin data. doi:10.5281/zenodo.3960218.
    Licence: CC0 1.0 (public domain dedication).

    Parameters
    ----------
    features : sequence of str, default all four of :data:`PENGUIN_FEATURES`
        The columns of ``X``, in this order.

    Returns
    -------
    X : ndarray of shape (342, len(features)), float64
    y : ndarray of shape (342,), int64
        The species as 0, 1, 2: positions in ``class_names``.
    feature_names : list of str
    class_names : list of str
        ``["Adelie", "Chinstrap", "Gentoo"]`` (alphabetical).

    Raises
    ------
    TypeError
        If ``features`` is a single string or holds something other than strings.
    ValueError
        For an unknown, repeated or empty list of feature names.
    ImportError
        If the ``palmerpenguins`` package (which holds the data) is missing.

    Examples
    --------
    >>> X, y, feature_names, class_names = load_penguins(["bill_depth_mm", "body_mass_g"])
    >>> X.shape, class_names
    ((342, 2), ['Adelie', 'Chinstrap', 'Gentoo'])
    >>> X[0], class_names[y[0]]   # the first penguin: 18.7 mm bill depth, 3750 g
    (array([  18.7, 3750. ]), 'Adelie')
    >>> load_penguins(["mass"])
    Traceback (most recent call last):
    ...
    ValueError: Unknown feature 'mass'; choose from 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'
    """
    features = _check_feature_names(features, PENGUIN_FEATURES)
    try:
        import palmerpenguins
    except ImportError:
        raise ImportError(
            "load_penguins reads the data shipped with the palmerpenguins package: "
            "pip install palmerpenguins (it is in the book's requirements.txt)"
        ) from None

    penguins = palmerpenguins.load_penguins().dropna(subset=features)
    class_names, y = np.unique(penguins["species"].to_numpy(dtype=str), return_inverse=True)
    X = penguins[features].to_numpy(dtype=np.float64)
    return X, y.astype(np.int64), features, [str(name) for name in class_names]


__all__ += ["PENGUIN_FEATURES", "load_penguins"]
