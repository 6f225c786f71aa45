"""Input checks shared by every part of knnlib.

Every check raises ``TypeError`` (wrong kind of thing) or ``ValueError``
(right kind, bad value) with a message that names the parameter and the
offending value, so a student reading the error knows what to fix.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "check_array",
    "check_n_features",
    "check_n_neighbors",
    "check_option",
    "check_positive_int",
]


def check_array(X, name="X", *, allow_empty=False):
    """Return ``X`` as a 2-D, finite, float64, C-contiguous array.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    name : str
        The parameter name used in error messages.
    allow_empty : bool
        Accept zero rows (never zero features).

    Examples
    --------
    >>> check_array([[1, 2], [3, 4]]).dtype
    dtype('float64')
    >>> check_array([1.0, 2.0])
    Traceback (most recent call last):
    ...
    ValueError: X must be a 2-D array of shape (n_samples, n_features), got a 1-D array of shape (2,). Reshape a single sample with X.reshape(1, -1) or a single feature with X.reshape(-1, 1).
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got a string: {X!r}")
    if hasattr(X, "toarray") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"{name} is a sparse matrix ({type(X).__name__}); knnlib needs a "
            f"dense array: pass {name}.toarray()"
        )
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and similar
        raise ValueError(f"{name} could not be turned into an array: {exc}") from None
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must contain only numbers, got values of type "
                f"{sorted({type(v).__name__ for v in arr.ravel()[:50]})}"
            ) from None
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must be real-valued, got complex dtype {arr.dtype}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = (
                f" Reshape a single sample with {name}.reshape(1, -1) or a single "
                f"feature with {name}.reshape(-1, 1)."
            )
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features), got a "
            f"{arr.ndim}-D array of shape {arr.shape}.{hint}"
        )
    n_samples, n_features = arr.shape
    if n_samples == 0 and not allow_empty:
        raise ValueError(
            f"{name} has 0 samples (shape {arr.shape}); at least 1 is required"
        )
    if n_features == 0:
        raise ValueError(
            f"{name} has 0 features (shape {arr.shape}); at least 1 is required"
        )
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        bad = arr[row, col]
        kind = "NaN" if np.isnan(bad) else "infinity"
        count = int((~finite).sum())
        raise ValueError(
            f"{name} contains {count} non-finite value(s) (NaN or infinity); the "
            f"first is {kind} at row {row}, column {col}. Remove or impute them first."
        )
    return arr


def check_n_features(X, n_features, name="X"):
    """Raise if ``X`` does not have the ``n_features`` columns seen at fit time."""
    if X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but the index was built on "
            f"{n_features} features"
        )


def check_positive_int(value, name):
    """Return ``value`` as an int >= 1, rejecting bools, floats and strings."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer, got {value!r} of type {type(value).__name__}"
        )
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {name} = {value}")
    return int(value)


def check_n_neighbors(k, n_samples, name="k"):
    """Return ``k`` as an int with ``1 <= k <= n_samples``.

    Examples
    --------
    >>> check_n_neighbors(3, 10)
    3
    >>> check_n_neighbors(5, 4)
    Traceback (most recent call last):
    ...
    ValueError: Expected k <= n_samples_fit, but k = 5, n_samples_fit = 4
    """
    k = check_positive_int(k, name)
    if k > n_samples:
        raise ValueError(
            f"Expected {name} <= n_samples_fit, but {name} = {k}, "
            f"n_samples_fit = {n_samples}"
        )
    return k


def check_option(value, name, allowed):
    """Raise ``ValueError`` unless ``value`` is one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(
            f"Unknown {name} {value!r}; choose one of {', '.join(map(repr, allowed))}"
        )
    return value
