"""progress=: a tqdm bar or a callback, counting evaluations (issue 13, part 3)."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest


def sq(p):
    return float(np.sum(np.sin(p) * p))


class Log:
    """A progress callback: every (done, total) it was given, checked as it goes."""

    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def __call__(self, done, total):
        with self.lock:
            assert total is None or done <= total
            assert not self.events or done >= self.events[-1][0]  # never backwards
            self.events.append((done, total))

    @property
    def done(self):
        return self.events[-1][0]

    @property
    def total(self):
        return self.events[-1][1]


X = np.linspace(-1, 1, 6)

# (name, call with progress, nfev of the same call) for every function that takes progress=
CALLS = {
    "derivative": lambda fd, p: fd.derivative(np.sin, X, progress=p, full_output=True)[1].nfev,
    "derivative number": lambda fd, p: fd.derivative(np.sin, 0.5, order=6, progress=p, full_output=True)[1].nfev,
    "derivative adaptive": lambda fd, p: fd.derivative(np.sin, X, adaptive=True, progress=p,
                                                       full_output=True)[1].nfev,
    "partial": lambda fd, p: fd.partial(sq, X, 2, progress=p, full_output=True)[1].nfev,
    "gradient": lambda fd, p: fd.gradient(sq, X, progress=p, full_output=True)[1].nfev,
    "gradient adaptive": lambda fd, p: fd.gradient(sq, X, adaptive=True, progress=p, full_output=True)[1].nfev,
    "gradient float32": lambda fd, p: fd.gradient(lambda v: np.float32(sq(v)), X, progress=p,
                                                  full_output=True)[1].nfev,
    "gradient bounds": lambda fd, p: fd.gradient(sq, X, bounds=(-1, 1), order=4, progress=p,
                                                 full_output=True)[1].nfev,
    "jacobian": lambda fd, p: fd.jacobian(np.sin, X, progress=p, full_output=True)[1].nfev,
    "jacobian sparse": lambda fd, p: fd.jacobian(np.sin, X, sparsity=np.eye(6), progress=p,
                                                 full_output=True)[1].nfev,
    "hessian": lambda fd, p: fd.hessian(sq, X, progress=p, full_output=True)[1].nfev,
    "hessian order 4": lambda fd, p: fd.hessian(sq, X, order=4, progress=p, full_output=True)[1].nfev,
    "hessian adaptive": lambda fd, p: fd.hessian(sq, X, adaptive=True, progress=p, full_output=True)[1].nfev,
    "hessian bounds": lambda fd, p: fd.hessian(sq, X, bounds=(-1, 1), progress=p, full_output=True)[1].nfev,
    "hessian_diag": lambda fd, p: fd.hessian_diag(sq, X, progress=p, full_output=True)[1].nfev,
    "directional": lambda fd, p: fd.directional(sq, X, X, progress=p, full_output=True)[1].nfev,
    "gradient_descent": lambda fd, p: fd.gradient_descent(sq, X, step_num=5, progress=p, full_output=True)[1].nfev,
    "check_grad": lambda fd, p: fd.gradient(sq, X, adaptive=True, full_output=True)[1].nfev
    if fd.check_grad(sq, lambda v: np.sin(v) + v * np.cos(v), X, progress=p) else -1,
}


def test_every_function_with_progress_is_covered():
    import inspect

    import fdgrad
    from fdgrad._api import PUBLIC_NAMES

    takes = {name for name in PUBLIC_NAMES if "progress" in inspect.signature(getattr(fdgrad, name)).parameters}
    assert takes == {name.split()[0] for name in CALLS}
    assert takes == set(PUBLIC_NAMES) - {"numerical_diff", "numerical_gradient"}  # the textbook's own signatures


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_count_is_every_evaluation(fd, name):
    log = Log()
    nfev = CALLS[name](fd, log)
    assert log.done == nfev and log.total == nfev, log.events[-3:]
    assert len(log.events) >= 2  # planned, then counted as it went


def counted_f():
    calls = []

    def f(p):
        calls.append(1)
        return sq(p)

    return f, calls


@pytest.mark.parametrize("path", ["threads", "executor", "map", "vectorized", "inplace"])
def test_every_evaluation_path_counts(fd, path):
    f, calls = counted_f()
    log = Log()
    with ThreadPoolExecutor(2) as pool:
        options = {"threads": {"workers": 2}, "executor": {"workers": pool, "chunksize": 3}, "map": {"workers": map},
                   "vectorized": {"vectorized": True}, "inplace": {"inplace": True}}[path]
        g = (lambda P: np.array([f(p) for p in P])) if path == "vectorized" else f
        value, info = fd.gradient(g, X.copy(), progress=log, full_output=True, **options)
        assert value.tobytes() == fd.gradient(sq, X).tobytes()
        H, hinfo = fd.hessian(f, X.copy(), progress=(hlog := Log()), full_output=True,
                              **({} if path == "vectorized" else options))
    assert log.done == info.nfev == len(calls) - hinfo.nfev
    assert hlog.done == hinfo.nfev


@pytest.mark.parametrize("workers", [1, 2])
def test_a_native_f_counts_by_pieces(fd, native_lib, workers):
    x = np.linspace(-1, 1, 300)
    log = Log()
    value, info = fd.gradient(native_lib.sumsq, x, progress=log, workers=workers, full_output=True)
    assert value.tobytes() == fd.gradient(native_lib.sumsq, x).tobytes()
    assert log.done == info.nfev == 600 and len(log.events) > 10  # in pieces, not at the end only
    hlog = Log()
    H, hinfo = fd.hessian(native_lib.sumsq, x[:20], progress=hlog, workers=workers, full_output=True)
    assert hlog.done == hlog.total and abs(hlog.done - hinfo.nfev) <= 2 * 20  # diagonal entries take 2, not 4
    dlog = Log()
    fd.gradient_descent(native_lib.sumsq, x[:10], step_num=7, progress=dlog)
    assert dlog.done == 7 * 20


def test_results_are_the_same_with_and_without_progress(fd):
    for name in ("gradient", "hessian", "jacobian", "hessian_diag"):
        call = getattr(fd, name)
        f = np.sin if name == "jacobian" else sq
        assert call(f, X, progress=lambda d, t: None).tobytes() == call(f, X).tobytes()
    assert fd.gradient_descent(sq, X, progress=lambda d, t: None).tobytes() == fd.gradient_descent(sq, X).tobytes()


def test_progress_true_shows_a_tqdm_bar(fd, capsys):
    from _optional import need

    need("tqdm")
    value = fd.hessian(sq, X, progress=True)
    err = capsys.readouterr().err
    assert "eval" in err and "73/73" in err  # 2 n**2 + 1 evaluations, counted to the end
    assert value.tobytes() == fd.hessian(sq, X).tobytes()


def test_a_missing_tqdm_is_named(fd, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r"progress=True shows a tqdm progress bar.*pip install tqdm"):
        fd.gradient(sq, X, progress=True)
    assert fd.gradient(sq, X, progress=lambda d, t: None).shape == X.shape  # a callback needs nothing


def test_bad_progress_is_named(fd):
    for bad in ("yes", 1, 2.0):
        with pytest.raises(TypeError, match="progress must be True, False or a callable"):
            fd.gradient(sq, X, progress=bad)
