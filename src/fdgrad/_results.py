"""What fdgrad returns and how it reports: DiffInfo, DescentInfo, GradCheck (and
the comparison behind it), the results' shapes, the non-finite policy, the
warning for an f that never changed and the note on a wrong arity of f.
Shared by both backends."""

from __future__ import annotations

import math

import contextlib
import contextvars
import inspect
import os
import re
import sys
import warnings
from dataclasses import dataclass
from typing import Any, Iterator, Union

import numpy as np

__all__ = ["DescentInfo", "DiffInfo", "GradCheck", "NONFINITE", "UnchangingWarning", "apply_nonfinite_policy",
           "check_nonfinite", "compare_gradients", "expand", "finish", "note_wrong_arity", "on_nonfinite", "shaped",
           "warn_if_unchanging"]


@dataclass(frozen=True)
class DiffInfo:
    """What ``full_output=True`` returns beside the value.

    Attributes
    ----------
    error : float or ndarray
        The estimated absolute error of each entry of the value (its shape).
        Estimated with ``adaptive=True``; NaN where no estimate was made.
    nfev : int
        The number of evaluations of ``f``.
    step : float or ndarray
        The step behind each entry (for ``hessian``, the step of each
        coordinate, in ``x``'s shape).
    converged : bool or ndarray
        With ``adaptive=True``: False for an entry whose Richardson ladder
        and small-step pilot difference disagreed beyond f's rounding (f is
        noisier than its last bit, or the steps passed the function's own
        scale), and for one whose ladder found no finite value (its steps
        left f's domain; the pilot's value then stands).  ``error`` then
        covers the disagreement, but is not a confident estimate.  For an
        adaptive Hessian, also the entries in the row and column of such a
        diagonal entry.  Never True where there is no estimate (NaN: without
        ``adaptive``; infinite) or where the estimate is larger than the
        entry's own magnitude (the value cannot be told from 0).
    """

    error: Union[float, np.ndarray]
    nfev: int
    step: Union[float, np.ndarray]
    converged: Union[bool, np.ndarray] = True


@dataclass(frozen=True)
class DescentInfo:
    """What ``gradient_descent(..., full_output=True)`` returns beside the iterate.

    Attributes
    ----------
    nit : int
        The number of steps taken.
    nfev : int
        The number of evaluations of ``f``.
    grad : ndarray or None
        The last gradient computed, in ``x``'s shape: the one of the last
        step, or the one whose norm fell below ``tol`` (no step was then
        taken); None when no gradient was computed (``step_num=0``).
    grad_norm : float
        Its 2-norm (NaN when there is none).
    converged : bool
        Whether the descent stopped because the gradient's norm fell below
        ``tol``.
    reason : str
        Why it stopped: ``"tol"``, ``"callback"`` (the callback returned a
        true value) or ``"step_num"`` (every step was taken).
    """

    nit: int
    nfev: int
    grad: Any
    grad_norm: float
    converged: bool
    reason: str


NONFINITE: contextvars.ContextVar[str] = contextvars.ContextVar("fdgrad_nonfinite", default="propagate")
NONFINITE_POLICIES = ("propagate", "raise")


@contextlib.contextmanager
def on_nonfinite(policy: str) -> Iterator[None]:
    """What fdgrad does when f returns NaN or inf: a context manager.

    ``"propagate"`` (the default, as NumPy does): the affected entries of the
    result are NaN or inf, and only those (each coordinate's derivative uses
    its own evaluations; a one-sided stencil also uses f(x), which then
    reaches every entry).  ``"raise"``: a ``FloatingPointError`` naming the
    first affected entry.  The policy looks at the result: a non-finite
    value that does not reach it (``adaptive=True`` discards ladder entries
    that are not finite) raises nothing, and a result that overflows from
    finite values of f raises too.  The setting follows the context: each
    thread and asyncio task has its own, and fdgrad's worker threads inherit
    the caller's; processes and other machines use the default.

    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad
    >>> f = lambda p: p[0] + p[1] if p[0] >= 0 else float("nan")  # undefined left of 0
    >>> fdgrad.gradient(f, [0.0, 1.0])
    array([nan,  1.])
    >>> with fdgrad.on_nonfinite("raise"):
    ...     fdgrad.gradient(f, [0.0, 1.0])
    Traceback (most recent call last):
        ...
    FloatingPointError: f returned NaN or inf: the result is nan at index (0,)...
    """
    if policy not in NONFINITE_POLICIES:
        raise ValueError(f"policy must be one of {', '.join(map(repr, NONFINITE_POLICIES))}, got {policy!r}")
    token = NONFINITE.set(policy)
    try:
        yield
    finally:
        NONFINITE.reset(token)


def check_nonfinite(result: Any) -> None:
    """Under on_nonfinite("raise"): a FloatingPointError if the result has NaN or inf."""
    value = result[0] if isinstance(result, tuple) and not isinstance(result, GradCheckBase) else result
    if isinstance(value, GradCheckBase):
        value = value.numeric
    arr = np.asarray(value, dtype=np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        where = tuple(int(i) for i in np.argwhere(~finite)[0]) if arr.ndim else ()
        raise FloatingPointError(
            f"f returned NaN or inf: the result is {float(arr[where] if where else arr)} at index {where} "
            "(fdgrad.on_nonfinite('raise') is in effect)"
        )


def note_wrong_arity(exc: TypeError, f: Any, args: Any = (), kwargs: Any = None) -> None:
    """A note on a TypeError when f cannot take the arguments fdgrad gives it."""
    if not callable(f):
        return
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):  # no signature to read (some builtins): nothing to add
        return
    extra = args if isinstance(args, tuple) else (args,)
    try:
        signature.bind(0.0, *extra, **(kwargs if isinstance(kwargs, dict) else {}))
    except TypeError:
        if extra or kwargs:
            note = f"fdgrad: f is called as f(x, *args, **kwargs), but its signature is {signature}"
        else:
            note = f"fdgrad: f is called with one argument, the point x, but its signature is {signature}"
        add_note(exc, note)


def add_note(exc: BaseException, text: str) -> None:
    """text as a note of exc (shown under its traceback), in place of an earlier fdgrad note of
    the same kind (its words up to the first digit or quote): an exception object raised again
    and again (f raising a saved one, Dask's cached results) carries one of each, not one per call."""
    kind = re.split(r"[0-9'(]", text, maxsplit=1)[0]
    notes = [n for n in getattr(exc, "__notes__", [])
             if not (isinstance(n, str) and n.startswith("fdgrad: ") and re.split(r"[0-9'(]", n, maxsplit=1)[0] == kind)]
    exc.__notes__ = [*notes, text]


class GradCheckBase:
    """Marks GradCheck for _check_nonfinite."""


@dataclass(frozen=True, eq=False)
class GradCheck(GradCheckBase, float):
    """The result of :func:`check_grad`: a float, SciPy's number, with the report.

    Attributes
    ----------
    max_abs_error, max_rel_error : float
        The largest ``|grad - numeric|`` and the largest
        ``|grad - numeric| / max(|grad|, |numeric|)`` over all entries.
    worst_index : tuple of int
        The entry that exceeds its tolerance the most (or comes closest).
    ok : bool
        Whether every entry is within its tolerance,
        ``atol + rtol * |numeric| + error`` (error: the estimated error of the
        finite-difference value).
    numeric, analytic : ndarray
        The finite-difference gradient and the user's, in ``x``'s shape.
    tolerance : ndarray
        Each entry's tolerance.

    As a number it is the 2-norm of ``analytic - numeric``, what SciPy's
    ``check_grad`` returns, in every operation (``check_grad(...) < 1e-5``,
    ``0 - check_grad(...)``, ``numpy.testing.assert_almost_equal(check_grad(...),
    0)``, ``str()`` and ``f"{...}"``); its truth value is ``ok``, so ``assert
    fdgrad.check_grad(f, grad, x)`` fails for a wrong gradient.  (numpy reads it as the
    number: ``np.all([result])`` is whether the norm is non-zero, not ``ok``.)
    """

    max_abs_error: float
    max_rel_error: float
    worst_index: tuple
    ok: bool
    numeric: np.ndarray
    analytic: np.ndarray
    tolerance: np.ndarray

    def __new__(cls, max_abs_error: float, max_rel_error: float, worst_index: tuple, ok: bool, numeric: np.ndarray,
                analytic: np.ndarray, tolerance: np.ndarray) -> "GradCheck":
        return float.__new__(cls, float(np.linalg.norm((np.asarray(analytic) - np.asarray(numeric)).ravel())))

    def __getnewargs__(self) -> tuple:  # (pickling: the fields, as __new__ takes them)
        return (self.max_abs_error, self.max_rel_error, self.worst_index, self.ok, self.numeric, self.analytic,
                self.tolerance)

    def __bool__(self) -> bool:
        """Whether the gradient matches (``ok``)."""
        return self.ok

    def __str__(self) -> str:
        """The number, as SciPy's check_grad prints (``print(f"{check_grad(...)}")``); repr() shows the report."""
        return float.__repr__(self)


def actionable(value: Any, error: Any, converged: Any) -> Any:
    """converged as DiffInfo states it: never where there is no estimate (NaN, infinite) or where
    the estimate is larger than the value it qualifies (the value cannot be told from 0)."""
    if np.ndim(error) == 0 and not math.isfinite(error):
        return False  # (one NaN for the whole result: no estimate was made, as for a sparse Jacobian)
    with np.errstate(invalid="ignore"):
        flags = np.logical_and(converged, np.isfinite(error) & (np.abs(error) <= np.abs(value)))
    return bool(flags) if np.ndim(flags) == 0 else flags


def finish(value: Any, error: Any, nfev: int, step: Any, full_output: bool, converged: Any = True) -> Any:
    """value, or (value, DiffInfo) with full_output."""
    return (value, DiffInfo(error, nfev, step, actionable(value, error, converged))) if full_output else value


def expand(values: np.ndarray, errors: Any, used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives' errors (None: no estimate) and steps ((n,) or (m, n)) as arrays of values' shape (m, n)."""
    errors = np.full(values.shape, np.nan) if errors is None else errors
    return errors, np.broadcast_to(used, values.shape)


def shaped(values: np.ndarray, errors: Any, used: np.ndarray, nfev: int, shape: tuple, full_output: bool,
           converged: Any = None) -> Any:
    """Derivatives (m, n) as an array of `shape`, or (it, DiffInfo) with full_output;
    errors is None where no estimate was made, used (the steps) is (n,) or (m, n),
    converged None (not adaptive) or (m, n)."""
    if not full_output:
        return values.reshape(shape)
    errors = np.full(values.shape, np.nan) if errors is None else errors
    steps = np.array(np.broadcast_to(used, values.shape)).reshape(shape)
    flags = actionable(values, errors, True if converged is None else converged)
    return values.reshape(shape), DiffInfo(errors.reshape(shape), nfev, steps, flags.reshape(shape))


def apply_nonfinite_policy(result: Any) -> Any:
    """result, checked under on_nonfinite("raise")."""
    if NONFINITE.get() != "propagate":
        check_nonfinite(result)
    return result


#: compare_gradients: an entry passing only by an error estimate above this fraction of the
#: numeric gradient's largest entry is undecided, and fails.
UNDECIDED = 0.5


class UndecidedWarning(UserWarning):
    """check_grad could not tell a right gradient from a wrong one at some entry: it would pass
    there only by the numeric gradient's estimated error, which is more than half the gradient's
    largest entry (a float16 f, float32 with one-sided steps, or a term of f far larger than its
    changes, as near a stationary point).  The check fails (``ok`` False); a central method, a
    float64 f or another point may decide."""


class UnchangingWarning(UserWarning):
    """f gave the same value wherever fdgrad moved x: it may not read the x it is given."""


# Their public names (for -W ignore::fdgrad.UnchangingWarning, pickles, and help(): -> fdgrad.DiffInfo)
for _public in (UnchangingWarning, UndecidedWarning, DiffInfo, DescentInfo, GradCheck):
    _public.__module__ = "fdgrad"
del _public


def _caller_level() -> int:
    """The stacklevel of the first frame outside fdgrad, so a warning names the user's line."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == here:
        frame, level = frame.f_back, level + 1
    return level


def warn_if_unchanging(inplace: bool = False) -> None:
    """After an all-zero result from an f that gave one and the same value at every point:
    a warning that it may read x from elsewhere, or (inplace: x was perturbed in place) that
    its values may not resolve the steps (shown once per place, as warnings are)."""
    if inplace:
        text = ("f returned the same value at every point fdgrad evaluated, with x perturbed in place, so the "
                "derivatives are all zero. f's values may be too coarse for the steps (a float16 f at the "
                "textbook's h = 1e-4 rounds the change away: h=None sizes the steps for f's precision), or f "
                "may not read the array it is given")
    else:
        text = ("f returned the same value at every point fdgrad evaluated, so the derivatives are all zero. If "
                "f reads x from elsewhere instead of from its argument (the textbooks' lambda w: net.loss(x, t), "
                "which relies on net.W being perturbed in place), pass inplace=True (numerical_gradient and "
                "gradient_descent do so by themselves for a writable float array); if f's values are too "
                "coarse for the steps (a float16 f at h = 1e-4), h=None sizes them for f's precision")
    warnings.warn(text, UnchangingWarning, stacklevel=_caller_level())


def compare_gradients(analytic: np.ndarray, numeric: np.ndarray, error: Any, rtol: float, atol: float,
                      raise_on_mismatch: bool, estimated: bool = True) -> GradCheck:
    """check_grad's verdict: an entry passes when |analytic - numeric| <= atol + rtol |numeric| +
    error (NaN anywhere is a mismatch), but not where it is undecided (see UNDECIDED; only where
    error is estimated, not a fixed step's bound on its rounding); with raise_on_mismatch, a
    failed check is an AssertionError naming the worst entry."""
    shape = numeric.shape
    diff = np.abs(analytic - numeric)
    size = np.maximum(np.abs(analytic), np.abs(numeric))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(size > 0, diff / size, 0.0)
    estimate = np.where(np.isfinite(error), error, 0.0)
    plain = atol + rtol * np.abs(numeric)
    tolerance = plain + estimate
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(diff == 0, 0.0, diff / tolerance)
    excess = np.where(np.isnan(excess), np.inf, excess)  # a NaN anywhere is a mismatch
    # An entry that would pass only by its error estimate, where that estimate is more than half the
    # numeric gradient's largest entry: the check cannot tell a right gradient there from a wrong
    # one, and does not pass it (a float16 f's, a one-sided float32 f's, a term of f far larger than
    # its changes near a stationary point).  (Against the entry's own size instead, a float32 f's
    # pessimistic estimates would fail right checks of its small entries: a textbook net's W1.)
    with np.errstate(invalid="ignore"):
        scale = float(np.max(np.abs(numeric), initial=0.0))
        own = np.full(shape, scale)
        undecided = (diff > plain) & (excess <= 1.0) & (estimate > UNDECIDED * own) & estimated
    mismatched = excess > 1.0
    ok = not mismatched.any() and not undecided.any()
    worst = tuple(int(k) for k in np.unravel_index(int(np.argmax(excess)), shape))
    doubt = None
    if undecided.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            doubt = tuple(int(k) for k in np.unravel_index(int(np.argmax(np.where(undecided, estimate / own, -1.0))),
                                                         shape))
        if not mismatched.any():
            worst = doubt  # (a definite mismatch outranks it)
    result = GradCheck(float(np.max(diff)), float(np.max(rel)), worst, ok, numeric, analytic, tolerance)
    if doubt is not None:
        count = int(np.count_nonzero(undecided))
        warnings.warn(
            f"check_grad cannot decide entry {doubt}" + (f" (and {count - 1} more)" if count > 1 else "")
            + f": grad gives {float(analytic[doubt])!r}, finite differences {float(numeric[doubt])!r}, "
            f"|difference| {float(diff[doubt]):.3g}, within the numeric gradient's estimated error "
            f"{float(estimate[doubt]):.3g}, which is more than half the gradient's largest entry ({scale:.3g}); the "
            "check "
            "fails. f's values carry too much rounding for it (a float16 f, float32 with one-sided steps, or a term "
            "of f far larger than its changes, as near a stationary point): a central method, f in float64, or a "
            "point where the gradient is larger may decide", UndecidedWarning, stacklevel=_caller_level())
    if raise_on_mismatch and not ok:
        reason = (f"cannot be decided (its tolerance rests on an estimated error of "
                  f"{float(estimate[worst]):.3g}, more than half the gradient's largest entry, {scale:.3g})"
                  if not mismatched.any() else
                  f"> tolerance {float(tolerance[worst]):.3g} (atol {atol:g} + rtol {rtol:g} * |numeric| + "
                  f"estimated error {float(estimate[worst]):.3g})")
        raise AssertionError(
            f"gradient mismatch at index {worst}: grad gives {float(analytic[worst])!r}, finite differences "
            f"give {float(numeric[worst])!r}; |difference| {float(diff[worst]):.3g} {reason}"
        )
    return result
