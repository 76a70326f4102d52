"""fdgrad.scipy.differentiate as a drop-in for scipy.differentiate: values against exact
derivatives, elementwise arrays and shapes, step_direction at a domain's edge, args, the
tolerances and statuses, callback (StopIteration), every argument check, the Jacobian's and
Hessian's layouts, and the caller's arrays left alone.  SciPy's own suite runs in
tests/test_peers.py; nothing here needs SciPy except the comparisons marked so."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from _optional import need

from fdgrad.scipy.differentiate import derivative, hessian, jacobian

ATTRIBUTES = ("success", "status", "df", "error", "nit", "nfev", "x")


def test_importing_the_namespace_imports_no_scipy():
    code = "import sys, fdgrad.scipy.differentiate; assert 'scipy' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_namespace_is_listed_in_fdgrad_scipy():
    import fdgrad.scipy

    assert "differentiate" in fdgrad.scipy.__all__
    assert fdgrad.scipy.differentiate.derivative is derivative


# --- values -------------------------------------------------------------------------------------

@pytest.mark.parametrize("f, df, x", [
    (np.exp, np.exp, 1.0),
    (np.sin, np.cos, np.linspace(-3, 3, 7)),
    (lambda x: x**3 - 2 * x, lambda x: 3 * x**2 - 2, np.array([[0.5, 1.5], [-2.0, 4.0]])),
    (np.log, lambda x: 1 / x, np.array([0.1, 1.0, 10.0])),
])
def test_default_options_give_accurate_values_with_honest_errors(f, df, x):
    res = derivative(f, x)
    assert set(res) == set(ATTRIBUTES)
    assert np.shape(res.df) == np.shape(x)
    np.testing.assert_allclose(res.df, df(np.asarray(x)), rtol=1e-10)
    assert np.all(np.abs(res.df - df(np.asarray(x))) <= res.error)
    assert np.all(res.success) and np.all(res.status == 0)
    assert np.all(res.nit == 1) and np.all(res.nfev > 1)
    np.testing.assert_array_equal(res.x, np.asarray(x, dtype=float))


def test_a_scalar_gives_numpy_scalars_and_arrays_their_types():
    res = derivative(np.exp, 0.5)
    assert all(np.ndim(res[name]) == 0 for name in ATTRIBUTES)
    res = derivative(np.exp, np.array([0.5, 1.0]))
    assert res.status.dtype == np.int32 and res.nit.dtype == np.int32 and res.nfev.dtype == np.int32
    assert res.success.dtype == bool and res.df.dtype == np.float64 and res.error.dtype == np.float64


def test_the_result_is_a_dict_with_attributes():
    res = derivative(np.exp, 0.5)
    assert res.df == res["df"]
    del res.x
    assert "x" not in res
    with pytest.raises(AttributeError):
        res.x
    assert "df" in repr(res) and "df" in dir(res)


def test_integers_become_floats_before_f_sees_them():
    seen = []

    def f(x):
        seen.append(x.dtype)
        return x**3

    res = derivative(f, 3)
    assert set(seen) == {np.dtype(np.float64)}
    assert abs(res.df - 27) < 1e-9


def test_elementwise_results_equal_one_point_at_a_time():
    x = np.linspace(0.2, 2.0, 6)
    together = derivative(np.sin, x, order=4)
    for k, point in enumerate(x):
        alone = derivative(np.sin, point, order=4)
        for name in ("df", "error", "status", "nit", "nfev"):
            np.testing.assert_allclose(together[name][k], alone[name], rtol=1e-13, atol=1e-15)


# --- step_direction, args, preserve_shape ------------------------------------------------------

def test_step_direction_keeps_the_steps_in_the_domain():
    def f(x):
        assert np.all(x >= 0), "f evaluated outside its domain"
        return np.sqrt(x)

    res = derivative(f, np.array([0.0, 0.25, 1.0]), step_direction=1)
    assert np.isinf(res.df[0]) or not res.success[0]  # (sqrt'(0) is infinite: no finite derivative)
    np.testing.assert_allclose(res.df[1:], [1.0, 0.5], rtol=1e-9)
    assert np.all(res.success[1:])


@pytest.mark.parametrize("options", [{}, {"order": 4}, {"order": 2, "maxiter": 12, "tolerances": {"rtol": 1e-6}},
                                     {"order": 8, "maxiter": 9}])
def test_one_sided_steps_never_cross_the_point(options):
    def f(x, where):
        assert np.all(np.where(where > 0, x >= 1.0, x <= 1.0)), "a step crossed x"
        return np.exp(x)

    where = np.array([1, -1])
    res = derivative(f, 1.0, args=(where,), step_direction=where, **options)
    np.testing.assert_allclose(res.df, np.e, rtol=1e-5)
    assert np.all(res.success)


def test_a_nan_step_direction_gives_nan_and_status_minus_3():
    res = derivative(np.exp, np.array([1.0, 2.0]), step_direction=[np.nan, 0])
    assert np.isnan(res.df[0]) and res.status[0] == -3 and not res.success[0]
    assert res.success[1]


def test_args_broadcast_with_x_and_step_direction():
    x = np.arange(1, 5).reshape(-1, 1, 1)
    direction = np.array([-1, 0, 1]).reshape(1, -1, 1)
    p = np.array([2, 3]).reshape(1, 1, -1)
    res = derivative(lambda x, p: x**p, x, args=(p,), step_direction=direction)
    assert res.df.shape == (4, 3, 2)
    np.testing.assert_allclose(res.df, np.broadcast_to(p * x ** (p - 1.0), (4, 3, 2)), rtol=1e-9)
    assert np.all(res.success)


def test_a_single_array_stands_for_a_tuple_of_args():
    res = derivative(lambda x, c: c * x**2, 2.0, args=np.asarray(3.0))  # (as in SciPy: a 0-d array)
    assert abs(res.df - 12.0) < 1e-9


def test_preserve_shape_allows_a_vector_valued_f():
    shapes = []

    def f(x):
        shapes.append(x.shape)
        return np.stack([x, np.sin(3 * x), x**2])

    x = np.array([0.5, 1.0])
    res = derivative(f, x, preserve_shape=True)
    assert res.df.shape == (3, 2)
    np.testing.assert_allclose(res.df, [[1, 1], 3 * np.cos(3 * x), 2 * x], rtol=1e-9)
    assert set(shapes) == {(2,)}


def test_without_preserve_shape_f_must_keep_the_shape():
    with pytest.raises(ValueError, match="preserve_shape=False"):
        derivative(lambda x: np.stack([x, x]), np.array([1.0, 2.0]))


# --- tolerances and statuses ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_default_tolerances_are_scipys(dtype):
    info = np.finfo(dtype)
    given = {"atol": float(info.smallest_normal), "rtol": float(info.eps) ** 0.5}
    for options in ({"order": 4}, {"order": 6}, {}):
        default = derivative(np.exp, dtype(1.0), **options)
        explicit = derivative(np.exp, dtype(1.0), tolerances=given, **options)
        assert default.success and default.error < given["rtol"] * default.df
        for name in ("df", "error", "nit", "nfev", "status"):
            assert default[name] == explicit[name]


def test_a_zero_derivative_needs_an_atol():
    res = derivative(lambda x: (x - 1) ** 2, 1.0, tolerances={"atol": 1e-12})
    assert res.success and abs(res.df) <= 1e-12


def test_tolerances_stop_the_iteration_early():
    f, ref = np.exp, np.exp(1.0)
    loose = derivative(f, 1.0, order=2, tolerances={"atol": 1e-3, "rtol": 0})
    tight = derivative(f, 1.0, order=2, maxiter=20, tolerances={"atol": 1e-7, "rtol": 0})
    assert loose.success and tight.success
    assert loose.nit < tight.nit and loose.nfev < tight.nfev
    assert abs(loose.df - ref) < 1e-3 and abs(tight.df - ref) < abs(loose.df - ref)
    rel = derivative(f, 1.0, order=2, maxiter=20, tolerances={"atol": 0, "rtol": 1e-6})
    assert rel.success and abs(rel.df - ref) < 1e-6 * ref


def test_statuses_of_the_iteration():
    def f(x):
        out = np.empty_like(x)
        out[0] = x[0] - 2.5              # linear: converges
        out[1] = np.exp(x[1])            # order 2, rtol 1e-14: never met, maxiter reached
        out[2] = np.nan                  # not finite
        out[3] = np.exp(x[3])
        return out

    res = derivative(f, np.ones(4), order=2, maxiter=5, tolerances={"rtol": 1e-14},
                     step_direction=[0, 0, 0, np.nan])
    np.testing.assert_array_equal(res.status, [0, -2, -3, -3])
    np.testing.assert_array_equal(res.success, [True, False, False, False])
    assert res.nit[0] == 2 and res.nit[1] == 5
    assert np.isnan(res.df[2]) and np.isnan(res.df[3])


def test_the_error_increasing_tenfold_stops_with_status_minus_1():
    rng = np.random.default_rng(0)

    def noisy(x):
        return np.exp(x) + 1e-9 * rng.standard_normal(x.shape)

    res = derivative(noisy, 1.0, order=4, maxiter=20, tolerances={"atol": 0, "rtol": 0})
    assert res.status == -1 and res.nit < 20
    assert abs(res.df - np.e) < 1e-4


def test_maxiter_1_gives_no_error_estimate_and_status_minus_2():
    res = derivative(lambda x: 2 * x**3, 1.5, order=4, maxiter=1)
    assert np.isnan(res.error) and res.status == -2 and res.nit == 1
    assert abs(res.df - 6 * 1.5**2) < 1e-12


def test_initial_step_zero_gives_nan_and_status_minus_3():
    res = derivative(np.exp, 1.0, initial_step=0)
    assert np.isnan(res.df) and res.status == -3


def test_smaller_initial_steps_are_more_accurate_and_vectorized():
    h = np.logspace(-3, 0, 6).reshape(-1, 1)
    res = derivative(np.exp, 0.0, initial_step=h, order=2, maxiter=1, step_direction=[-1, 0, 1])
    assert res.df.shape == (6, 3)
    err = np.abs(res.df - 1)
    assert np.all(err[:-1] < err[1:])


@pytest.mark.parametrize("order", [2, 4, 6, 8])
@pytest.mark.parametrize("direction", [-1, 0, 1])
def test_each_order_is_honoured(order, direction):
    """A formula of order p is exact for a polynomial of degree p, not for one of degree p + 1."""
    x = 0.3
    exact = derivative(lambda x: x**order, x, order=order, maxiter=1, step_direction=direction)
    assert abs(exact.df - order * x ** (order - 1)) < 2e-13
    inexact = derivative(lambda x: x ** (order + 1), x, order=order, maxiter=1, step_direction=direction)
    assert abs(inexact.df - (order + 1) * x**order) > 1e-11


def test_odd_orders_round_up():
    a = derivative(np.exp, 0.5, order=3, maxiter=2)
    b = derivative(np.exp, 0.5, order=4, maxiter=2)
    assert a.df == b.df and a.nfev == b.nfev


def test_orders_fdgrad_lacks_are_refused():
    with pytest.raises(NotImplementedError, match="order=10"):
        derivative(np.exp, 1.0, order=10)
    with pytest.raises(NotImplementedError, match="order=12"):
        derivative(np.exp, 1.0, order=11, step_direction=1)


def test_a_step_factor_below_1_grows_the_steps():
    res = derivative(np.exp, 1.0, order=2, initial_step=1e-3, step_factor=0.5, maxiter=3,
                     tolerances={"atol": 0, "rtol": 0})
    assert res.nit == 3 and abs(res.df - np.e) < 1e-4


def test_float32_is_kept_and_f_sees_it():
    def f(x):
        assert x.dtype == np.float32
        return np.exp(x)

    for direction in (-1, 0, 1):
        res = derivative(f, np.float32([0.65, 0.7]), step_direction=direction)
        assert res.df.dtype == res.error.dtype == res.x.dtype == np.float32
        np.testing.assert_allclose(res.df, np.exp(res.x), rtol=np.finfo(np.float32).eps ** 0.5)


# --- callback --------------------------------------------------------------------------------------

@pytest.mark.parametrize("options", [{}, {"order": 4}])
def test_callback_before_the_first_iteration_and_after_each(options):
    seen = []

    def callback(res):
        seen.append((int(res.nit), int(res.status), float(res.df)))
        assert set(res) == set(ATTRIBUTES)

    res = derivative(np.exp, 1.0, callback=callback, **options)
    assert seen[0][:2] == (0, 1) and np.isnan(seen[0][2])
    assert [n for n, _, _ in seen] == list(range(int(res.nit) + 1))
    assert all(status == 1 for _, status, _ in seen[1:-1])
    assert res.success


@pytest.mark.parametrize("options", [{}, {"order": 4}])
def test_stop_iteration_in_callback_ends_with_status_minus_4(options):
    """Where callback raises StopIteration, the elements it saw in progress (status 1) end with
    status -4, the others keep theirs, and the values are those it saw."""
    calls = []

    def callback(res):
        calls.append(res)
        if len(calls) == 2:
            raise StopIteration

    x = np.array([1.0, 0.0])  # (the derivative at 0 of x**2 is 0: rtol alone is never met)
    res = derivative(lambda x, k: np.where(k == 0, np.exp(x), x**2), x, args=(np.arange(2),), callback=callback,
                     tolerances={"rtol": 1e-15, "atol": 0}, **options)
    seen = calls[-1]
    assert len(calls) == 2 and np.any(seen.status == 1)
    np.testing.assert_array_equal(res.status, np.where(seen.status == 1, -4, seen.status))
    np.testing.assert_array_equal(res.df, seen.df)
    np.testing.assert_array_equal(res.nit, seen.nit)
    assert not np.any(res.success[res.status == -4])
    assert abs(res.df[0] - np.e) < 1e-2


def test_stop_iteration_before_the_first_iteration():
    def callback(res):
        raise StopIteration

    res = derivative(np.exp, np.array([1.0, 2.0]), callback=callback)
    np.testing.assert_array_equal(res.status, [-4, -4])
    assert np.all(np.isnan(res.df)) and np.all(res.nit == 0) and np.all(res.nfev == 1)


def test_elements_that_finished_keep_their_status_when_callback_stops():
    def callback(res):
        callback.calls += 1
        if callback.calls == 3:  # (after the second iteration: the linear element has converged)
            raise StopIteration

    callback.calls = 0

    res = derivative(lambda x: np.where(np.arange(2) == 0, 2 * x, np.exp(x)), np.ones(2), order=2,
                     tolerances={"rtol": 1e-14}, callback=callback)
    np.testing.assert_array_equal(res.status, [0, -4])


# --- argument checks ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    ({"tolerances": {"atol": -1}}, "Tolerances and step parameters must be non-negative scalars."),
    ({"tolerances": {"rtol": "ekki"}}, "Tolerances and step parameters must be non-negative scalars."),
    ({"tolerances": {"rtol": np.nan}}, "Tolerances and step parameters must be non-negative scalars."),
    ({"step_factor": object()}, "Tolerances and step parameters must be non-negative scalars."),
    ({"step_factor": -2}, "Tolerances and step parameters must be non-negative scalars."),
    ({"maxiter": 1.5}, "`maxiter` must be a positive integer."),
    ({"maxiter": 0}, "`maxiter` must be a positive integer."),
    ({"maxiter": "ten"}, "`maxiter` must be a positive integer."),
    ({"order": 1.5}, "`order` must be a positive integer."),
    ({"order": 0}, "`order` must be a positive integer."),
    ({"preserve_shape": "herring"}, "`preserve_shape` must be True or False."),
    ({"callback": "shrubbery"}, "`callback` must be callable."),
])
def test_invalid_arguments_raise_value_errors_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        derivative(np.exp, 1.0, **kwargs)


def test_f_must_be_callable_and_real():
    with pytest.raises(ValueError, match="`f` must be callable"):
        derivative(None, 1.0)
    with pytest.raises(ValueError, match="must be real numbers"):
        derivative(lambda x: x, -4 + 1j)
    with pytest.raises(ValueError, match="must be real numbers"):
        derivative(lambda x: x * 1j, 1.0)


@pytest.mark.parametrize("function", [jacobian, hessian])
def test_jacobian_and_hessian_check_x_first_then_the_options(function):
    with pytest.raises(ValueError, match="Argument `x` must be at least 1-D"):
        function(np.sin, 1, tolerances={"atol": -1})
    f = lambda x: np.sum(x**2, axis=0)  # noqa: E731
    for kwargs, message in [({"tolerances": {"atol": -1}}, "Tolerances"), ({"tolerances": {"rtol": -1}}, "Tolerances"),
                            ({"step_factor": -1}, "Tolerances"), ({"order": -1}, "`order`"),
                            ({"maxiter": -1}, "`maxiter`")]:
        with pytest.raises(ValueError, match=message):
            function(f, np.ones(3), **kwargs)


def test_hessian_warns_of_a_too_small_rtol():
    with pytest.warns(RuntimeWarning, match="The specified `rtol=1e-15`"):
        hessian(lambda x: np.sin(x[0]), [1.0], tolerances={"rtol": 1e-15})


# --- the caller's arrays ---------------------------------------------------------------------------

def test_the_callers_arrays_are_not_modified():
    x = np.linspace(0.5, 1.5, 4)
    p = np.array([2.0, 3.0, 4.0, 5.0])
    direction = np.array([0, 1, -1, 0])
    h0 = np.full(4, 0.25)
    copies = [a.copy() for a in (x, p, direction, h0)]

    def writer(z, q):  # (an f that writes its arguments, which SciPy forbids, still leaves them alone)
        value = z**q
        z[...] = 7.0
        q[...] = 7.0
        return value

    derivative(writer, x, args=(p,), step_direction=direction)
    derivative(lambda z, q: z**q, x, args=(p,), step_direction=direction)
    derivative(lambda z, q: z**q, x, args=(p,), step_direction=direction, initial_step=h0, order=4)
    jacobian(lambda z: z**2, x)
    hessian(lambda z: np.sum(z**2, axis=0), x)
    for a, b in zip((x, p, direction, h0), copies):
        np.testing.assert_array_equal(a, b)


# --- jacobian --------------------------------------------------------------------------------------

def _f(x):
    x1, x2, x3 = x
    return np.stack([x1, 5 * x3, 4 * x2**2 - 2 * x3, x3 * np.sin(x1)])


def _df(x):
    x1, x2, x3 = x
    one, zero = np.ones_like(x1), np.zeros_like(x1)
    return np.array([[one, zero, zero], [zero, zero, 5 * one], [zero, 8 * x2, -2 * one],
                     [x3 * np.cos(x1), zero, np.sin(x1)]])


@pytest.mark.parametrize("shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("options", [{}, {"order": 6}])
def test_jacobian_layout_and_values(shape, options):
    x = np.random.default_rng(3).random((3,) + shape)
    res = jacobian(_f, x, **options)
    assert res.df.shape == (4, 3) + shape
    for name in ("success", "status", "error", "nit", "nfev"):
        assert np.shape(res[name]) == (4, 3) + shape
    assert "x" not in res
    np.testing.assert_allclose(res.df, _df(x), atol=1e-9)
    assert np.all(res.success)


def test_jacobian_of_a_scalar_function_is_its_gradient():
    def rosen(x):
        return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2, axis=0)

    x = np.full(3, 0.5)
    res = jacobian(rosen, x)
    np.testing.assert_allclose(res.df, [-51, -1, 50], rtol=1e-10)


def test_jacobian_step_direction_and_initial_step_keep_a_domain():
    b = np.array([0.3, 0.6])

    def f(x):
        assert np.all(x[0] >= b[0]) and np.all(x[1] <= b[1]), "outside the domain"
        return np.stack([x[0] * x[1], np.exp(x[1])])

    res = jacobian(f, b, step_direction=[1, -1], initial_step=[0.25, 0.1], tolerances={"atol": 1e-10})
    np.testing.assert_allclose(res.df, [[b[1], b[0]], [0, np.exp(b[1])]], atol=1e-8)


# --- hessian ---------------------------------------------------------------------------------------

def _g(x):
    return x[0] ** 2 * x[1] + np.exp(x[1]) * np.sin(x[2])


def _ddg(x):
    x1, x2, x3 = x
    zero = np.zeros_like(x1)
    return np.array([[2 * x2, 2 * x1, zero], [2 * x1, np.exp(x2) * np.sin(x3), np.exp(x2) * np.cos(x3)],
                     [zero, np.exp(x2) * np.cos(x3), -np.exp(x2) * np.sin(x3)]])


@pytest.mark.parametrize("shape", [(), (4,), (2, 2)])
@pytest.mark.parametrize("options", [{}, {"order": 4}])
def test_hessian_layout_and_values(shape, options):
    x = np.random.default_rng(5).random((3,) + shape) + 0.2
    res = hessian(_g, x, **options)
    assert res.ddf.shape == (3, 3) + shape
    assert set(res) == {"success", "status", "ddf", "error", "nfev"}
    for name in ("success", "status", "error", "nfev"):
        assert np.shape(res[name]) == (3, 3) + shape
    np.testing.assert_allclose(res.ddf, _ddg(x), atol=1e-6 if options else 1e-8)


def test_hessian_keeps_float32():
    x = np.float32([0.3, 0.5, 0.7])
    res = hessian(_g, x)
    assert res.ddf.dtype == np.float32
    np.testing.assert_allclose(res.ddf, _ddg(x.astype(float)), atol=2e-3)


def test_against_scipy_on_its_examples():
    need("scipy")
    import scipy.differentiate as sd
    from scipy.optimize import rosen

    x = np.random.default_rng(7).random((3, 4))
    for ours, theirs, key in [(derivative(np.sin, x), sd.derivative(np.sin, x), "df"),
                              (jacobian(_f, x), sd.jacobian(_f, x), "df"),
                              (hessian(rosen, x), sd.hessian(rosen, x), "ddf")]:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-7, atol=1e-7)
        assert ours[key].shape == theirs[key].shape
        assert set(ours) == set(theirs) - {"_order_keys"}


@pytest.mark.parametrize("direction", [True, None, "a", [True, False]])
def test_step_direction_must_be_numbers(direction):
    from fdgrad.scipy.differentiate import derivative, jacobian

    for function in (derivative, jacobian):
        with pytest.raises(TypeError, match="step_direction must be integers"):
            function(np.sin, np.array([1.0, 2.0]), step_direction=direction)
