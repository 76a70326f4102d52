# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: embedsignature=True, cdivision=True
"""The compiled front door: the commonest small calls, checked and computed in C.

With the compiled backend, fdgrad's public functions (fdgrad._api) hand their
arguments here first.  A call whose every argument is of the plainest kind (a
Python function f; x a finite float or int for derivative, a float64 ndarray for
gradient; h None or a positive finite float; a finite-difference method by its
name with its default order; every other option at its default) is checked here
as fdgrad._options checks it and computed with the kernels' arithmetic
(csrc/fdgrad.h): the same steps, the same evaluations of f in the same order,
the same formula, so the result is the general path's bit for bit.  Anything
else returns GENERAL before f is called, and the caller takes the general path,
which checks it and gives its usual message.  Where f's values turn out to need
the general path's care (a float32 f's second pass), the rest is handed to it
without evaluating f again.  fdgrad.fallback never comes here.
"""

from cpython.exc cimport PyErr_Occurred
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.ref cimport PyObject
from libc.math cimport fabs, isfinite, pow, INFINITY
from libc.string cimport memcmp, memcpy
from libc.float cimport DBL_MAX

cimport numpy as cnp
import numpy as np

cnp.import_array()

from fdgrad._cfdgrad cimport (
    FDGRAD_OK,
    fdgrad_all_finite,
    fdgrad_default_steps,
    fdgrad_fixed_steps,
    fdgrad_hessian_range,
    fdgrad_jacobian_range,
    fdgrad_objective,
    fdgrad_stencil,
    fdgrad_stencil_value,
    fdgrad_adaptive_evaluations,
    fdgrad_adaptive_hessian,
    fdgrad_adaptive_hessian_work,
    fdgrad_adaptive_range,
    fdgrad_adaptive_work,
    fdgrad_adaptive_rule,
)

from fdgrad._rules cimport fill_rule

from fdgrad import _adaptive, _ckernels, _derivatives, _evaluation, _native, _options, _results, _steps, _values
from fdgrad._steps import QUICK_RATIO2, QUICK_STEPS as _api_quick_steps
from fdgrad._options import _PLAIN_CALLABLES, DEFAULT_BATCH_BYTES
from fdgrad._stencils import EPS, ONE_SIDED, make_stencil

cdef extern from "Python.h":
    int PyContextVar_Get(object var, PyObject *default_value, PyObject **value) except -1
    void _decref "Py_DECREF"(PyObject *value)

__all__ = ["GENERAL", "derivative", "gradient", "hessian", "hessian_diag", "jacobian", "numerical_diff", "numerical_gradient", "partial"]

#: What a front door returns for a call it leaves to the general path.
from fdgrad._options import GENERAL

cdef object _GENERAL = GENERAL
cdef object _PROPAGATE = "propagate"
cdef object _NONFINITE = _results.NONFINITE
cdef object _precision = _values.precision
cdef object _scalar_value = _values.scalar_value
cdef object _note = _results.note_wrong_arity
cdef object _warn_unchanging = _results.warn_if_unchanging
cdef object _number_derivative = _derivatives.number_derivative
cdef object _zero_step_error = _steps.zero_step_error
cdef object _first_outputs = _values.first_outputs
cdef object _kernels = _ckernels
cdef object _plain = _PLAIN_CALLABLES
cdef object _function = type(_scalar_value)  # the commonest f: a Python function (one of _PLAIN_CALLABLES)
cdef object _empty = ()
cdef object _ONE = 1  # CPython keeps one object for each small int: 1 is recognised by identity
cdef object _FLOAT64 = np.dtype(np.float64)
cdef double _EPS = EPS
cdef enum:
    _SMALL = 32  # a size of x up to which steps and partial's values live on the stack

# The finite-difference methods by name (interned strings: a name is recognised by identity,
# anything else takes the general path), and each one's stencils for n = 1..4 at the default order.
cdef object _CENTRAL = "central"
cdef object _FORWARD = "forward"
cdef object _BACKWARD = "backward"


cdef struct Rule:
    fdgrad_stencil stencil
    double rel_step
    double reach
    bint uses_f0
    int evaluated


cdef Rule _RULES[3][5]
_STENCILS = [[None] * 5 for _ in range(3)]


cdef void _fill(Rule *rule, object st):
    cdef int k
    rule.stencil.npoints = len(st.offsets)
    rule.stencil.hpow = st.hpow
    for k in range(rule.stencil.npoints):
        rule.stencil.offsets[k] = st.offsets[k]
        rule.stencil.weights[k] = st.weights[k]
    rule.stencil.denom = st.denom
    rule.rel_step = st.rel_step
    rule.reach = st.reach
    rule.uses_f0 = st.uses_f0
    rule.evaluated = st.evaluated


cdef int _m
cdef int _n
for _m, _name in enumerate(("central", "forward", "backward")):
    for _n in range(1, 5):
        _st = make_stencil(_name, (2 if _name == "central" else 1), _n)
        _STENCILS[_m][_n] = _st
        _fill(&_RULES[_m][_n], _st)


cdef inline int _method_index(object method):
    if method is _CENTRAL:
        return 0
    if method is _FORWARD:
        return 1
    if method is _BACKWARD:
        return 2
    return -1


cdef inline bint _float64(cnp.ndarray arr):
    """Whether arr holds native float64s (its dtype numpy's own object or an equal one: an unpickled array's)."""
    return cnp.PyArray_TYPE(arr) == cnp.NPY_DOUBLE and cnp.PyArray_ISNOTSWAPPED(arr)


cdef object _NP_FLOAT64 = np.float64


cdef inline bint _plain_float(object value):
    """A float or numpy's float64 (the commonest values of f: x @ x, np.sum), whose double is read at once
    (isinstance walks a subclass's bases, about 30 ns a value)."""
    cdef object kind = type(value)
    return kind is float or kind is _NP_FLOAT64


cdef inline bint _is_one(object value):
    return value is _ONE or (type(value) is int and value == 1)


cdef inline bint _propagating() except -1:
    """Whether on_nonfinite's policy is "propagate" (the default), read without a Python call."""
    cdef PyObject *value = NULL
    PyContextVar_Get(_NONFINITE, NULL, &value)
    if value == NULL:
        return True
    cdef bint same = value == <PyObject *>_PROPAGATE
    if not same:
        same = <object>value == _PROPAGATE
    _decref(value)
    return same


cdef inline bint _all_zero(const double *values, Py_ssize_t count):
    cdef Py_ssize_t k
    for k in range(count):
        if values[k] != 0.0:
            return False
    return True


cdef inline bint _off(object value):
    return value is False or value is None


cdef bint _divides(double h, const Rule *rule):
    """_steps.divides for a finite-difference stencil: denom h^k (4 h^2 for a Hessian's entry) positive and finite."""
    cdef double divisor = rule.stencil.denom * h
    cdef int p
    for p in range(1, rule.stencil.hpow):
        divisor = divisor * h
    cdef double low = divisor, high = divisor
    if rule.stencil.hpow == 2:
        low = divisor if divisor < 4.0 * h * h else 4.0 * h * h
        high = divisor if divisor > 4.0 * h * h else 4.0 * h * h
    return 0.0 < low and high < INFINITY


cdef inline bint _plain_options(object f, object h, object order, object adaptive, object full_output,
                                object workers, object chunksize, object timeout, object bounds, object progress,
                                object args, object kwargs):
    return ((type(f) is _function or type(f) in _plain) and (h is None or (type(h) is float and 0.0 < <double>h < INFINITY))
            and order is None and adaptive is False and full_output is False and _is_one(workers)
            and chunksize is None and timeout is None and bounds is None and _off(progress)
            and args is _empty and kwargs is None and _propagating())


cdef bint _number_point(object n, object x, int *order_n, double *xv) except -1:
    """derivative()'s n (1..4, an int) and x (a float, or an int a float holds) as the doors take them, into
    order_n and xv, where x is finite; False: the general path's."""
    if n is _ONE:
        order_n[0] = 1
    elif type(n) is int and 1 <= n <= 4:
        order_n[0] = n
    else:
        return False
    if type(x) is float:
        xv[0] = x
    elif type(x) is int:
        try:
            xv[0] = float(x)
        except OverflowError:
            return False
    else:
        return False
    return isfinite(xv[0])


def derivative_door(f, x, h, method, order, adaptive, full_output, n, workers, chunksize, timeout, bounds, progress,
                    inplace, args, kwargs):
    """derivative(f, x, ...) at a finite float or int x with the plainest options, or GENERAL."""
    return _derivative(f, x, h, method, order, adaptive, full_output, n, workers, chunksize, timeout, bounds,
                       progress, inplace, args, kwargs)


cdef object _derivative(object f, object x, object h, object method, object order, object adaptive,
                        object full_output, object n, object workers, object chunksize, object timeout,
                        object bounds, object progress, object inplace, object args, object kwargs):
    cdef int mi = _method_index(method)
    if adaptive is True and mi >= 0 and _adaptive_options(f, h, order, full_output, workers, chunksize, timeout,
                                                          bounds, progress, args, kwargs) and _off(inplace):
        return _adaptive_number(f, x, mi, n, full_output, args, kwargs)
    if mi < 0 or not _plain_options(f, h, order, adaptive, full_output, workers, chunksize, timeout, bounds,
                                    progress, args, kwargs) or not _off(inplace):
        return _GENERAL
    cdef int order_n
    cdef double xv
    if not _number_point(n, x, &order_n, &xv):
        return _GENERAL
    cdef Rule *rule = &_RULES[mi][order_n]
    cdef double step, ax = fabs(xv)
    if h is None:
        if fdgrad_default_steps(&xv, 1, rule.rel_step, rule.reach, &step) != 1:
            return _GENERAL  # no room for a step: the general path's error
    else:
        step = h
        if not (ax + rule.reach * step <= DBL_MAX and _divides(step, rule)):
            return _GENERAL
    cdef double values[16]
    cdef double fx = 0.0, o, result
    cdef bint same
    cdef bint have_fx = False
    cdef double coarsest = _EPS
    cdef int k
    try:  # _evaluation.number_values, call for call
        for k in range(rule.stencil.npoints):
            o = rule.stencil.offsets[k]
            if o == 0.0:
                if not have_fx:
                    value = f(xv)
                    if isinstance(value, float):  # precision float64's, and scalar_value the float itself
                        fx = <double>value
                    else:
                        coarsest = max(coarsest, <double>_precision(value))
                        fx = _scalar_value(value)
                    have_fx = True
                values[k] = fx
            else:
                value = f(xv + o * step)
                if isinstance(value, float):
                    values[k] = <double>value
                else:
                    coarsest = max(coarsest, <double>_precision(value))
                    values[k] = _scalar_value(value)
        if h is None and coarsest > _EPS:  # a float32 f: the general path's second pass, with steps for it
            return _number_derivative(_kernels, f, xv, None, _STENCILS[mi][order_n], None, False, coarsest, 2)
        result = fdgrad_stencil_value(&rule.stencil, values, 1, step)
        if result == 0.0:  # _derivatives.number_unchanging, call for call
            same = rule.stencil.npoints >= 2
            for k in range(1, rule.stencil.npoints):
                same = same and values[k] == values[0]
            if same and (have_fx or _scalar_value(f(xv)) == values[0]):
                _warn_unchanging()
    except TypeError as exc:
        _note(exc, f, args, kwargs)
        raise
    return result


cdef class _Watch:
    """A Python f as the C loop calls it: its read-only view of the buffer, the coarsest precision
    of its values, whether they ever varied (the kernels' objective, for the plainest f)."""
    cdef object f
    cdef object view
    cdef object error
    cdef double eps
    cdef double first
    cdef bint varied
    cdef long seen

    cdef inline void watch(self, double value) noexcept:
        if not self.seen:
            self.first = value
        elif value != self.first:
            self.varied = True
        self.seen += 1

    cdef inline int take(self, object value, double *out) except -1:
        """f's value into out as the objective converts it (a float at once), noting its precision; watched."""
        if _plain_float(value):
            out[0] = PyFloat_AS_DOUBLE(value)
        elif isinstance(value, float):
            out[0] = <double>value
        else:
            self.eps = max(self.eps, <double>_precision(value))
            out[0] = <double>_scalar_value(value)
        self.watch(out[0])
        return 0


cdef _Watch _spare = None  # one _Watch kept between calls (a call inside f makes its own)


cdef inline _Watch _take_watch(object f):
    """A fresh _Watch of f: the spare one, or a new one."""
    global _spare
    cdef _Watch w = _spare
    if w is None:
        w = _Watch.__new__(_Watch)
    else:
        _spare = None
    w.f, w.eps, w.seen, w.varied = f, _EPS, 0, False
    return w


cdef inline void _give_back(_Watch w) noexcept:
    """w, done with, as the spare: holding no reference to f, its view or an exception."""
    global _spare
    w.f = w.view = w.error = None
    _spare = w


cdef int _call_raising(void *ctx, const double *x, double *out) except -1:
    """f at the buffer as the kernels' objective: -1 with f's exception left set, as Python's own
    calls leave it (a try in the callback costs more than 5 ns a call, about 1% of a cheap f's
    call); the kernels return at once, and _raise_pending propagates it."""
    cdef _Watch w = <_Watch>ctx
    return w.take(w.f(w.view), out)


cdef fdgrad_objective _call = <fdgrad_objective>_call_raising


cdef int _raise_pending(_Watch w) except -1:
    """f's exception, left set by _call (or kept by another callback), raised as it was."""
    if PyErr_Occurred() != NULL:
        return -1
    if w.error is not None:
        error, w.error = w.error, None
        raise error
    return 0


cdef bint _coarser_steps(_Watch w, object h, object stencil, double *work, Py_ssize_t n, const Rule *rule,
                         double *hs, object shape) except -1:
    """Whether f's values were coarser than float64 (a float32 f) under default steps: then hs holds
    the steps for their precision (_steps.steps), for the general path's second pass."""
    if h is not None or w.eps <= _EPS:
        return False
    rel = w.eps ** (1.0 / (stencil.order + stencil.hpow))
    bad = fdgrad_default_steps(work, <size_t>n, <double>rel, rule.reach, hs)
    if bad != <size_t>n:
        raise _zero_step_error(bad, float(work[bad]), (n,) if shape is None else shape)
    return True


cdef int _unchanging_at_x(_Watch w, fdgrad_objective call, double *work, const double *values,
                          Py_ssize_t count, bint inplace=False) except -1:
    """_evaluation.Serial.unchanging after a door's loops: where f gave one value at 3 or more points,
    f once more at x itself (through call), and the warning where it still never varied and every
    value is 0."""
    cdef double spare[1]
    if not w.varied and w.seen >= 3:
        call(<void *>w, work, spare)
        _raise_pending(w)
        if not w.varied and _all_zero(values, count):
            _warn_unchanging(inplace)
    return 0


cdef int _loop(fdgrad_objective call, _Watch w, double *work, Py_ssize_t n, Py_ssize_t m, const double *hs,
               const Rule *rule, const double *f0, double *scratch, double *out, Py_ssize_t lo,
               Py_ssize_t hi) except -1:
    """The kernels' loop over coordinates lo..hi-1 with call as f; f's exception, as it was, on failure."""
    if fdgrad_jacobian_range(call, <void *>w, work, n, m, hs, &rule.stencil, f0, lo, hi, scratch, out) != FDGRAD_OK:
        _raise_pending(w)
        raise RuntimeError("an fdgrad kernel failed")
    return 0



# The adaptive engine in the kernels (csrc/adaptive.c) for a scalar Python f: derivative() at a
# number, gradient(), hessian_diag() and partial() of a float64 x, serially, with adaptive=True and
# every other option at its default (full_output either way).  The rules' constants are
# fdgrad._adaptive's own (kernel_rule), and the results that module's bit for bit.  A value of f
# that is not a float (a float32 f, whose second pass is the general path's) hands the call to
# the general path, which evaluates f again from the start.

cdef fdgrad_adaptive_rule _LADDERS[3][5]
cdef enum:
    _ADAPTIVE_WORK = 128  # doubles of scratch for one coordinate and one output (fdgrad_adaptive_work)


for _m, _side in enumerate((0, 1, -1)):
    for _n in range(1, 5):
        fill_rule(&_LADDERS[_m][_n], _adaptive.kernel_rule(_side, _n))
        assert fdgrad_adaptive_work(&_LADDERS[_m][_n], 1, 1) <= _ADAPTIVE_WORK

cdef object _finish = _results.finish
cdef Py_ssize_t _CENTRAL_STEPS = _adaptive.CENTRAL_STEPS
cdef object _errstate = np.errstate
cdef object _shaped = _results.shaped


cdef inline bint _adaptive_options(object f, object h, object order, object full_output, object workers,
                                   object chunksize, object timeout, object bounds, object progress, object args,
                                   object kwargs):
    """_plain_options with adaptive=True: h and order unused (None), full_output either way."""
    return ((type(f) is _function or type(f) in _plain) and h is None and order is None
            and (full_output is False or full_output is True) and _is_one(workers) and chunksize is None
            and timeout is None and bounds is None and _off(progress) and type(args) is tuple
            and (kwargs is None or type(kwargs) is dict) and _propagating())


cdef object _WithArgs = _options.WithArgs


cdef inline object _bound(object f, object args, object kwargs):
    """f, or f(x, *args, **kwargs) as _options.bind_args binds it (the general path's callable)."""
    if (args is _empty or not args) and kwargs is None:
        return f
    return _WithArgs(f, args, dict(kwargs or {}))


cdef int _number_raising(void *ctx, const double *x, double *out) except -1:
    """f at the number x[0] as the adaptive kernels' objective (f's value taken as _Watch.take takes it)."""
    cdef _Watch w = <_Watch>ctx
    return w.take(w.f(x[0]), out)


cdef fdgrad_objective _call_number = <fdgrad_objective>_number_raising


cdef double _unwatched(_Watch w, object value) except? -1.0:
    """f(x) as _evaluation.Serial.outputs takes it: its precision noted, not one of the loops' values."""
    if isinstance(value, float):
        return <double>value
    w.eps = max(w.eps, <double>_precision(value))
    return _scalar_value(value)


cdef int _settled(_Watch w, int status) except -1:
    """An adaptive kernel's status, f's exception (left set by the objective, or kept by it) raised where
    it failed: inside the np.errstate block, which must not end with an exception pending."""
    if status != FDGRAD_OK:
        _raise_pending(w)
        raise RuntimeError("an fdgrad kernel failed")
    return status


cdef inline bint _uses_f0(const fdgrad_adaptive_rule *r):
    return r.centre != 0.0 or r.side != 0


cdef object _adaptive_number(object f, object x, int mi, object n, object full_output, object args, object kwargs):
    """derivative(f, x, n=n, adaptive=True) at a finite float or int x, f called with numbers
    (fdgrad._derivatives._adaptive_elementwise at one point), or GENERAL."""
    cdef int order_n
    cdef double xv
    if not _number_point(n, x, &order_n, &xv):
        return _GENERAL
    cdef const fdgrad_adaptive_rule *r = &_LADDERS[mi][order_n]
    cdef double point[1]
    cdef double f0 = 0.0, value = 0.0, error = 0.0, step = 0.0
    cdef unsigned char converged = 0
    cdef double work[_ADAPTIVE_WORK]
    cdef bint with_f0 = _uses_f0(r)
    g = _bound(f, args, kwargs)
    cdef _Watch w = _take_watch(g)
    point[0] = xv
    try:
        try:
            if with_f0:
                f0 = _unwatched(w, g(xv))
            with _errstate(all="ignore"):  # (as the twin evaluates its ladders: f's own warnings off)
                _settled(w, fdgrad_adaptive_range(_call_number, <void *>w, point, 1, r, 1, &f0, &w.eps, 0, 1, work,
                                                  &value, &error, &step, &converged))
        except TypeError as exc:
            _note(exc, f, args, kwargs)
            raise
    finally:
        _give_back(w)
    if full_output is True:
        return _finish(value, error, fdgrad_adaptive_evaluations(r) + with_f0, step, True, converged != 0)
    return value


cdef object _adaptive_columns(object f, object x, int mi, object full_output, object index, int deriv, object args,
                              object kwargs, bint vector=False):
    """gradient() (index None, deriv 1), hessian_diag() (deriv 2), partial() (index an int) or,
    with vector, jacobian() with adaptive=True of a float64 ndarray x (or a flat list of floats):
    fdgrad._derivatives.columns' adaptive ladders over a Serial evaluation, or GENERAL."""
    x = _float_array(x)
    if x is None:
        return _GENERAL
    cdef cnp.ndarray arr = <cnp.ndarray>x
    cdef Py_ssize_t n = cnp.PyArray_SIZE(arr), lo = 0, hi = n, m = 1
    if not _flat_range(index, n, &lo, &hi):
        return _GENERAL
    cdef cnp.ndarray work = _flat_copy(arr)
    cdef double *wp = <double *>cnp.PyArray_DATA(work)
    if fdgrad_all_finite(wp, <size_t>n) != <size_t>n:
        return _GENERAL
    cdef const fdgrad_adaptive_rule *r = &_LADDERS[mi][deriv]
    cdef double f0 = 0.0
    cdef double *f0p = &f0
    cdef double small[_ADAPTIVE_WORK]
    cdef double *scratch = small
    cdef bint with_f0 = vector or _uses_f0(r)
    cdef Py_ssize_t looks = 0
    cdef fdgrad_objective call = <fdgrad_objective>_call_vector if vector else _call
    shape, out_shape = x.shape, ()
    g = _bound(f, args, kwargs)
    cdef _Watch w
    cdef _WatchVector wv
    if vector:
        wv = _WatchVector.__new__(_WatchVector)
        wv.f, wv.eps = g, _EPS
        w = wv
    else:
        w = _take_watch(g)
    w.view = _read_only(work, None if cnp.PyArray_NDIM(arr) == 1 else shape)
    try:
        try:
            if vector:  # f(x) first, its shape and converter (_evaluation.Serial.outputs)
                first = g(w.view)
                wv.eps = max(wv.eps, <double>_precision(first))
                f0s, out_shape, wv.convert = _first_outputs(first)
                wv.shape, wv.m = out_shape, f0s.size
                m = wv.m
                f0p = <double *>cnp.PyArray_DATA(<cnp.ndarray>f0s)
            elif with_f0:
                f0 = _unwatched(w, g(w.view))
            # blocks of coordinates as _derivatives._adaptive_columns takes them (the same order of points)
            block = max(1, <Py_ssize_t>_derivatives.ADAPTIVE_BLOCK // (2 * _CENTRAL_STEPS * m))
            if fdgrad_adaptive_work(r, m, min(block, hi - lo)) > _ADAPTIVE_WORK:
                spare_work = np.empty(fdgrad_adaptive_work(r, m, min(block, hi - lo)))
                scratch = <double *>cnp.PyArray_DATA(<cnp.ndarray>spare_work)
            values = np.full(m * n, np.nan)
            errors, steps = values.copy(), values.copy()
            flags = np.ones(m * n, dtype=np.uint8)
            with _errstate(all="ignore"):  # (as the twin evaluates its ladders: f's own warnings off)
                for start in range(lo, hi, block):
                    _settled(w, fdgrad_adaptive_range(
                        call, <void *>w, wp, <size_t>n, r, <size_t>m, f0p, &w.eps, <size_t>start,
                        <size_t>min(start + block, hi), scratch, <double *>cnp.PyArray_DATA(<cnp.ndarray>values),
                        <double *>cnp.PyArray_DATA(<cnp.ndarray>errors), <double *>cnp.PyArray_DATA(<cnp.ndarray>steps),
                        <unsigned char *>cnp.PyArray_DATA(<cnp.ndarray>flags)))
            # _derivatives._adaptive_columns: where every derivative is 0 and f never varied (three
            # or more values), f once more at x, and the warning where it still did not
            if not w.varied and w.seen >= 3 and not values.reshape(m, n)[:, lo:hi].any():
                _settled(w, call(<void *>w, wp, scratch))
                looks = 1
                if not w.varied:
                    _warn_unchanging(False)
        except TypeError as exc:
            _note(exc, f, args, kwargs)
            raise
    finally:
        if not vector:
            _give_back(w)
    nfev = (hi - lo) * fdgrad_adaptive_evaluations(r) + with_f0 + looks
    converged = flags.view(np.bool_)
    if index is not None:
        if full_output is not True:
            return float(values[lo])
        return _finish(float(values[lo]), float(errors[lo]), nfev, float(steps[lo]), True, bool(converged[lo]))
    if full_output is not True:
        return values.reshape(out_shape + shape)
    return _shaped(values.reshape(m, n), errors.reshape(m, n), steps.reshape(m, n), nfev, out_shape + shape, True,
                   converged.reshape(m, n))


def gradient_door(f, x, h, method, order, adaptive, full_output, workers, vectorized, max_batch_bytes, chunksize,
                  timeout, bounds, progress, inplace, args, kwargs):
    """gradient(f, x, ...) of a float64 ndarray x with the plainest options, or GENERAL."""
    return _gradient(f, x, h, method, order, adaptive, full_output, workers, vectorized, max_batch_bytes, chunksize,
                     timeout, bounds, progress, inplace, args, kwargs)


cdef object _gradient(object f, object x, object h, object method, object order, object adaptive, object full_output,
                      object workers, object vectorized, object max_batch_bytes, object chunksize, object timeout,
                      object bounds, object progress, object inplace, object args, object kwargs):
    cdef int mi = _method_index(method)
    if adaptive is True and mi >= 0 and _adaptive_options(f, h, order, full_output, workers, chunksize, timeout,
                                                          bounds, progress, args, kwargs) and _off(inplace) \
            and vectorized is False and type(max_batch_bytes) is int and max_batch_bytes >= 1:
        return _adaptive_columns(f, x, mi, full_output, None, 1, args, kwargs)
    if mi >= 0 and type(f) is not _function and inplace is False and vectorized is False \
            and type(max_batch_bytes) is int and max_batch_bytes >= 1 \
            and _plain_options(_scalar_value, h, order, adaptive, full_output, workers, chunksize, timeout, bounds,
                               progress, args, kwargs):
        native = _recognised(f)
        if native is not None:
            return _native_gradient(native, x, h, mi)
    if mi < 0 or not _plain_options(f, h, order, adaptive, full_output, workers, chunksize, timeout, bounds,
                                    progress, args, kwargs) or not _off(inplace) or vectorized is not False:
        return _GENERAL
    if type(max_batch_bytes) is not int or max_batch_bytes < 1:
        return _GENERAL
    return _columns(f, x, h, mi, inplace, args, kwargs, None, 1)


def hessian_diag_door(f, x, h, method, order, adaptive, full_output, workers, vectorized, max_batch_bytes, chunksize,
                      timeout, bounds, progress, inplace, args, kwargs):
    """hessian_diag(f, x, ...) of a float64 ndarray x with the plainest options, or GENERAL."""
    return _hessian_diag(f, x, h, method, order, adaptive, full_output, workers, vectorized, max_batch_bytes,
                         chunksize, timeout, bounds, progress, inplace, args, kwargs)


cdef object _hessian_diag(object f, object x, object h, object method, object order, object adaptive,
                          object full_output, object workers, object vectorized, object max_batch_bytes,
                          object chunksize, object timeout, object bounds, object progress, object inplace,
                          object args, object kwargs):
    cdef int mi = _method_index(method)
    if adaptive is True and mi >= 0 and _adaptive_options(f, h, order, full_output, workers, chunksize, timeout,
                                                          bounds, progress, args, kwargs) and _off(inplace) \
            and vectorized is False and type(max_batch_bytes) is int and max_batch_bytes >= 1:
        return _adaptive_columns(f, x, mi, full_output, None, 2, args, kwargs)
    if mi < 0 or not _plain_options(f, h, order, adaptive, full_output, workers, chunksize, timeout, bounds,
                                    progress, args, kwargs) or not _off(inplace) or vectorized is not False:
        return _GENERAL
    if type(max_batch_bytes) is not int or max_batch_bytes < 1:
        return _GENERAL
    return _columns(f, x, h, mi, inplace, args, kwargs, None, 2)


# A native f (a compiled callback fdgrad has recognised before: fdgrad._native's cache), gradient() with
# the plainest options: the general path's Serial evaluation of it, the kernels' loop without the GIL
# in chunks between which Ctrl-C is noticed (fdgrad._ckernels' native objective), without its Python layers.

cdef object _RECOGNISED = _native._RECOGNISED
cdef object _native_objective = _ckernels.native_objective
cdef object _jacobian_range = _ckernels.jacobian_range
cdef object _NO_F0 = _derivatives._NO_F0
cdef int _SCALAR_KINDS = (1 << _native.SCALAR) | (1 << _native.SCALAR_DATA)


cdef inline object _recognised(object f):
    """f's NativeFunction where fdgrad recognised f before as a native scalar function, else None."""
    hit = _RECOGNISED.get(id(f))
    if hit is None or hit[0] is not f or not (_SCALAR_KINDS >> <int>hit[1].kind) & 1:
        return None
    return hit[1]


cdef object _native_gradient(object native, object x, object h, int mi):
    """gradient(f, x, ...) of a native scalar f at a float64 ndarray x (or a flat list of floats), or GENERAL."""
    cdef Rule *rule = &_RULES[mi][1]
    if rule.uses_f0:
        return _GENERAL  # (forward and backward need f(x): the general path's)
    x = _float_array(x)
    if x is None:
        return _GENERAL
    shape = x.shape
    work = _flat_copy(<cnp.ndarray>x)  # (writable: the kernels' buffer, which a native f reads)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(<cnp.ndarray>work)
    hs = _steps_of(work, n, h, rule)
    if hs is None or n > _options.C_INT_MAX:
        return _GENERAL  # (past a C int's n: the general path's error)
    out = np.empty(n)
    _jacobian_range(_native_objective(native.kind, native.address, native.user_data, work, 1), work, 1, hs,
                    _STENCILS[mi][1], _NO_F0, 0, n, out)
    return out if len(shape) == 1 else out.reshape(shape)


cdef bint _steps_into(const double *wp, Py_ssize_t n, object h, const Rule *rule, double *hp):
    """Each coordinate's step (h, or the default) into hp, where x is finite and every coordinate has
    one, as _values and _steps check them; False: the general path, which says why."""
    if fdgrad_all_finite(wp, <size_t>n) != <size_t>n:
        return False
    if h is None:
        return fdgrad_default_steps(wp, <size_t>n, rule.rel_step, rule.reach, hp) == <size_t>n
    return fdgrad_fixed_steps(wp, <size_t>n, <double>h, rule.reach, hp) == <size_t>n and _divides(<double>h, rule)


cdef object _steps_of(cnp.ndarray work, Py_ssize_t n, object h, const Rule *rule):
    """_steps_into as an array, or None."""
    cdef cnp.npy_intp size = n
    cdef cnp.ndarray hs = cnp.PyArray_EMPTY(1, &size, cnp.NPY_DOUBLE, 0)
    return hs if _steps_into(<const double *>cnp.PyArray_DATA(work), n, h, rule,
                             <double *>cnp.PyArray_DATA(hs)) else None


cdef cnp.ndarray _flat_copy(cnp.ndarray arr):
    """arr.flatten() of a float64 array: for a C-contiguous one, by memcpy into a new array (numpy's
    copy goes through its general casting machinery, a third of a small call's own cost)."""
    if not (cnp.PyArray_IS_C_CONTIGUOUS(arr) and cnp.PyArray_ISALIGNED(arr)):
        return arr.flatten()
    cdef cnp.npy_intp size = cnp.PyArray_SIZE(arr)
    cdef cnp.ndarray copy = cnp.PyArray_EMPTY(1, &size, cnp.NPY_DOUBLE, 0)
    memcpy(cnp.PyArray_DATA(copy), cnp.PyArray_DATA(arr), size * sizeof(double))
    return copy


cdef object _read_only(cnp.ndarray work, object shape):
    """f's read-only view of the flat copy work, in x's shape (_evaluation.read_only_view): work itself
    for a 1-D x, whose shape may be given as None (the kernels write through its pointer, never
    through the array)."""
    cdef cnp.ndarray view = work if shape is None or len(shape) == 1 else work.reshape(shape)
    cnp.PyArray_CLEARFLAGS(view, cnp.NPY_ARRAY_WRITEABLE)
    return view


cdef object _copied_point(object x, object h, const Rule *rule):
    """(x's flat float64 copy, its steps, f's read-only view of it in x's shape, x's shape) for a
    float64 ndarray x or a flat list of floats, as _evaluation.make_evaluation prepares the point; None
    for anything else, or where the general path has something to say (see _steps_of)."""
    x = _float_array(x)
    if x is None:
        return None
    cdef cnp.ndarray arr = <cnp.ndarray>x
    cdef cnp.ndarray work = _flat_copy(arr)
    hs = _steps_of(work, cnp.PyArray_SIZE(arr), h, rule)
    if hs is None:
        return None
    return work, hs, _read_only(work, x.shape), x.shape


cdef object _float_array(object x):
    """x as the door takes a point: a non-empty float64 ndarray of at least one dimension, or a flat
    list of floats (ints a float holds exactly) as one; None for anything else."""
    if type(x) is list:
        x = _float_list(x)
    if type(x) is not np.ndarray:
        return None
    cdef cnp.ndarray arr = <cnp.ndarray>x
    if not _float64(arr) or cnp.PyArray_NDIM(arr) == 0 or cnp.PyArray_SIZE(arr) == 0:
        return None
    return x


cdef object _float_list(list values):
    """values as a float64 array where each is a float, or an int a float holds exactly; else None."""
    if not values:
        return None
    for value in values:
        if type(value) is float:
            continue
        if type(value) is not int or not -9007199254740992 <= value <= 9007199254740992:
            return None
    return np.array(values, dtype=np.float64)


cdef bint _flat_range(object index, Py_ssize_t n, Py_ssize_t *lo, Py_ssize_t *hi) except -1:
    """The coordinates lo..hi-1 a door computes: all n (index None), or partial's i, a flat index (an int;
    negative counts from the end); False: the general path's, which says why."""
    if index is None:
        lo[0], hi[0] = 0, n
        return True
    if type(index) is not int:
        return False
    cdef Py_ssize_t k
    try:
        k = index
    except OverflowError:
        return False
    if not -n <= k < n:
        return False
    lo[0] = k + n if k < 0 else k
    hi[0] = lo[0] + 1
    return True


cdef object _columns(object f, object x, object h, int mi, object inplace, object args, object kwargs, object index,
                     int deriv, double rel=0.0):
    """gradient() (index None, deriv 1), hessian_diag() (deriv 2) or partial() (index an int) of a
    float64 ndarray x, or GENERAL: the general path's _derivatives.columns over a Serial (or, with
    inplace=None, Shared) evaluation.  rel > 0 (with h None): the steps rel max(1, |x|), rounded
    so that x + h is exact (kernels.default_steps), given as h is (no second pass for a float32 f)."""
    if type(x) is list:  # a flat list of floats (or ints a float holds exactly): as _values.as_point converts it
        x = _float_list(x)
        if x is None or inplace is None:  # (in place needs an ndarray: the general path copies a list)
            return _GENERAL if x is None else _columns(f, x, h, mi, False, args, kwargs, index, deriv, rel)
    if type(x) is not np.ndarray:
        return _GENERAL
    cdef cnp.ndarray arr = <cnp.ndarray>x
    if not _float64(arr) or cnp.PyArray_NDIM(arr) == 0 or cnp.PyArray_SIZE(arr) == 0:
        return _GENERAL
    cdef bint shared = False
    if inplace is None:  # the textbook's numerical_gradient: x itself, where it can be the buffer
        if not (cnp.PyArray_ISWRITEABLE(arr) and cnp.PyArray_IS_C_CONTIGUOUS(arr) and cnp.PyArray_ISALIGNED(arr)):
            return _GENERAL
        shared = True
    cdef Py_ssize_t n = cnp.PyArray_SIZE(arr), lo = 0, hi = n
    if not _flat_range(index, n, &lo, &hi):
        return _GENERAL
    cdef bint flat = cnp.PyArray_NDIM(arr) == 1
    cdef cnp.ndarray work = arr.reshape(-1) if shared else _flat_copy(arr)
    cdef double *wp = <double *>cnp.PyArray_DATA(work)
    cdef Rule *rule = &_RULES[mi][deriv]
    # Steps, and partial's values, on the stack for a small x (partial's one value is then returned
    # without an array); arrays otherwise.
    cdef double small_steps[_SMALL], small_out[_SMALL]
    cdef double *hp = small_steps
    cdef double *op = small_out
    hs = None
    if n > _SMALL:
        hs = np.empty(n)
        hp = <double *>cnp.PyArray_DATA(<cnp.ndarray>hs)
    if rel > 0.0:
        if fdgrad_all_finite(wp, <size_t>n) != <size_t>n or \
                fdgrad_default_steps(wp, <size_t>n, rel, rule.reach, hp) != <size_t>n:
            return _GENERAL
    elif not _steps_into(wp, n, h, rule, hp):
        return _GENERAL
    cdef cnp.npy_intp size = n
    cdef cnp.ndarray out = None
    if index is None or n > _SMALL:
        out = cnp.PyArray_EMPTY(1, &size, cnp.NPY_DOUBLE, 0)
        op = <double *>cnp.PyArray_DATA(out)
    shape = None if flat else x.shape  # (None: x's own, 1-D)
    original = arr.copy() if shared else None
    cdef _Watch w = _take_watch(f)
    w.view = x if shared else _read_only(work, shape)
    cdef double f0 = 0.0
    cdef double scratch[16]
    try:
        try:
            if rule.uses_f0:  # f(x), as the general path's outputs() takes it
                try:
                    value = f(w.view)
                    f0 = <double>value if isinstance(value, float) else _scalar_value(value)
                finally:
                    if shared:
                        x[...] = original
            _loop(_call, w, wp, n, 1, hp, rule, &f0, scratch, op, lo, hi)
            if rel == 0.0 and _coarser_steps(w, h, _STENCILS[mi][deriv], wp, n, rule, hp, shape):  # float32 f: again
                _loop(_call, w, wp, n, 1, hp, rule, &f0, scratch, op, lo, hi)
            _unchanging_at_x(w, _call, wp, op + lo, hi - lo, shared)
        finally:
            if shared:
                x[...] = original  # also whatever f itself wrote into x
    except TypeError as exc:
        _note(exc, f, args, kwargs)
        raise
    finally:
        _give_back(w)
    if index is not None:
        return op[lo]
    return out if flat else out.reshape(shape)


def partial_door(f, x, i, h, method, order, adaptive, full_output, bounds, progress, inplace, args, kwargs):
    """partial(f, x, i, ...) along a flat index i of a float64 ndarray x with the plainest options, or GENERAL."""
    return _partial(f, x, i, h, method, order, adaptive, full_output, bounds, progress, inplace, args, kwargs)


cdef object _partial(object f, object x, object i, object h, object method, object order, object adaptive,
                     object full_output, object bounds, object progress, object inplace, object args, object kwargs):
    cdef int mi = _method_index(method)
    if adaptive is True and type(i) is int and mi >= 0 and _off(inplace) and _adaptive_options(
            f, h, order, full_output, _ONE, None, None, bounds, progress, args, kwargs):
        return _adaptive_columns(f, x, mi, full_output, i, 1, args, kwargs)
    if type(i) is not int or mi < 0 or not _plain_options(f, h, order, adaptive, full_output, _ONE, None, None,
                                                          bounds, progress, args, kwargs) or not _off(inplace):
        return _GENERAL  # (i: a flat index; anything else, None included, is the general path's to check)
    return _columns(f, x, h, mi, inplace, args, kwargs, i, 1)


cdef object _TEXTBOOK_STEP = 1e-4


def numerical_diff_door(f, x):
    """numerical_diff(f, x): derivative(f, x, 1e-4, "central", inplace=None), or GENERAL."""
    return _derivative(f, x, _TEXTBOOK_STEP, _CENTRAL, None, False, False, _ONE, _ONE, None, None, None, False, None,
                       _empty, None)


def numerical_gradient_door(f, x):
    """numerical_gradient(f, x): gradient(f, x, 1e-4, "central", inplace=None), or GENERAL."""
    return _gradient(f, x, _TEXTBOOK_STEP, _CENTRAL, None, False, False, _ONE, False, _ONE, None, None, None, False,
                     None, _empty, None)


cdef class _WatchVector(_Watch):
    """An f of m values as the C loop calls it (the kernels' objective with m > 1 or f's 0-d shape)."""
    cdef object convert
    cdef object shape
    cdef object first_vector
    cdef Py_ssize_t m


cdef int _call_vector(void *ctx, const double *x, double *out) noexcept:
    cdef _WatchVector w = <_WatchVector>ctx
    cdef const double *values
    cdef Py_ssize_t j
    try:
        value = w.f(w.view)
        if w.m == 1:  # the objective's fast path for one value, and its watch
            if _plain_float(value):
                out[0] = PyFloat_AS_DOUBLE(value)
            elif isinstance(value, float):
                out[0] = <double>value
            else:
                w.eps = max(w.eps, <double>_precision(value))
                out[0] = <double>w.convert(value)
            if not w.seen:
                w.first = out[0]
            elif out[0] != w.first:
                w.varied = True
            w.seen += 1
            return 0
        if type(value) is np.ndarray and value.dtype is _FLOAT64 and value.shape == w.shape:
            converted = np.ascontiguousarray(value).reshape(-1)
            if w.first_vector is None:
                converted = converted.copy()  # kept to compare: f may reuse its array
        else:
            w.eps = max(w.eps, <double>_precision(value))
            converted = w.convert(value)
        values = <const double *>cnp.PyArray_DATA(<cnp.ndarray>converted)
        for j in range(w.m):
            out[j] = values[j]
        if w.first_vector is None:
            w.first_vector = converted
        elif not w.varied and memcmp(values, cnp.PyArray_DATA(<cnp.ndarray>w.first_vector),
                                     w.m * sizeof(double)) != 0:
            w.varied = True
        w.seen += 1
        return 0
    except BaseException as exc:
        w.error = exc
        return -1


def jacobian_door(f, x, h, method, order, adaptive, full_output, workers, vectorized, max_batch_bytes, chunksize,
                  timeout, m, sparsity, bounds, progress, inplace, args, kwargs):
    """jacobian(f, x, ...) of a float64 ndarray x (or a flat list of floats) with the plainest options, or GENERAL."""
    return _jacobian(f, x, h, method, order, adaptive, full_output, workers, vectorized, max_batch_bytes, chunksize,
                     timeout, m, sparsity, bounds, progress, inplace, args, kwargs)


cdef object _jacobian(object f, object x, object h, object method, object order, object adaptive, object full_output,
                      object workers, object vectorized, object max_batch_bytes, object chunksize, object timeout,
                      object m, object sparsity, object bounds, object progress, object inplace, object args,
                      object kwargs):
    cdef int mi = _method_index(method)
    if adaptive is True and mi >= 0 and _adaptive_options(f, h, order, full_output, workers, chunksize, timeout,
                                                          bounds, progress, args, kwargs) and inplace is False \
            and vectorized is False and m is None and sparsity is None and type(max_batch_bytes) is int \
            and max_batch_bytes >= 1:
        return _adaptive_columns(f, x, mi, full_output, None, 1, args, kwargs, True)
    if mi < 0 or not _plain_options(f, h, order, adaptive, full_output, workers, chunksize, timeout, bounds,
                                    progress, args, kwargs) or inplace is not False or vectorized is not False:
        return _GENERAL
    if m is not None or sparsity is not None or type(max_batch_bytes) is not int or max_batch_bytes < 1:
        return _GENERAL
    cdef Rule *rule = &_RULES[mi][1]
    prepared = _copied_point(x, h, rule)
    if prepared is None:
        return _GENERAL
    cdef cnp.ndarray work = prepared[0], view = prepared[2]
    shape = prepared[3]
    cdef Py_ssize_t n = cnp.PyArray_SIZE(work)
    cdef double *wp = <double *>cnp.PyArray_DATA(work)
    cdef double *hp = <double *>cnp.PyArray_DATA(<cnp.ndarray>prepared[1])
    cdef _WatchVector w = _WatchVector.__new__(_WatchVector)
    w.f, w.view, w.eps = f, view, _EPS
    try:
        f0, out_shape, w.convert = _first_outputs(f(view))  # _evaluation.Serial.outputs
        w.shape, w.m = out_shape, f0.size
        out = np.empty(w.m * n)
        scratch = np.empty(rule.stencil.npoints * w.m)
        _loop(_call_vector, w, wp, n, w.m, hp, rule, <double *>cnp.PyArray_DATA(f0),
              <double *>cnp.PyArray_DATA(scratch), <double *>cnp.PyArray_DATA(out), 0, n)
        if _coarser_steps(w, h, _STENCILS[mi][1], wp, n, rule, hp, shape):  # a float32 f: once more
            _loop(_call_vector, w, wp, n, w.m, hp, rule, <double *>cnp.PyArray_DATA(f0),
                  <double *>cnp.PyArray_DATA(scratch), <double *>cnp.PyArray_DATA(out), 0, n)
        if w.m == 1:
            _unchanging_at_x(w, _call_vector, wp, <double *>cnp.PyArray_DATA(out), n)
        elif not w.varied and w.seen >= 3:  # the objective's call at x (a vector is converted, not watched)
            value = w.f(w.view)
            if not (type(value) is np.ndarray and value.dtype is _FLOAT64 and value.shape == w.shape):
                w.eps = max(w.eps, <double>_precision(value))
                w.convert(value)
            if not out.any():
                _warn_unchanging()
    except TypeError as exc:
        _note(exc, f, args, kwargs)
        raise
    return out.reshape(out_shape + shape)


cdef int _hessian_loop(_Watch w, double *work, Py_ssize_t n, const double *hs, double f0, double *out) except -1:
    """The kernels' central Hessian over every entry of the upper triangle; f's exception on failure."""
    if fdgrad_hessian_range(_call, <void *>w, work, n, hs, f0, NULL, 0, 0, n * (n + 1) // 2, out) != FDGRAD_OK:
        _raise_pending(w)
        raise RuntimeError("an fdgrad kernel failed")
    return 0


def hessian_door(f, x, h, method, order, adaptive, full_output, workers, chunksize, timeout, sparsity, bounds,
                 progress, inplace, args, kwargs):
    """hessian(f, x, ...) central, of order 2, at a float64 ndarray x (or a flat list of floats) with the
    plainest options, or GENERAL: _hessian.dense_hessian over a Serial evaluation."""
    return _hessian(f, x, h, method, order, adaptive, full_output, workers, chunksize, timeout, sparsity, bounds,
                    progress, inplace, args, kwargs)


cdef object _hessian(object f, object x, object h, object method, object order, object adaptive, object full_output,
                     object workers, object chunksize, object timeout, object sparsity, object bounds,
                     object progress, object inplace, object args, object kwargs):
    if adaptive is True and method is _CENTRAL and sparsity is None and inplace is False and _adaptive_options(
            f, h, order, full_output, workers, chunksize, timeout, bounds, progress, args, kwargs):
        return _adaptive_hessian(f, x, full_output, args, kwargs)
    if method is not _CENTRAL or not _plain_options(f, h, order, adaptive, full_output, workers, chunksize, timeout,
                                                    bounds, progress, args, kwargs):
        return _GENERAL
    if sparsity is not None or inplace is not False:
        return _GENERAL
    cdef Rule *rule = &_RULES[0][2]
    prepared = _copied_point(x, h, rule)
    if prepared is None:
        return _GENERAL
    cdef cnp.ndarray work = prepared[0], view = prepared[2]
    shape = prepared[3]
    cdef Py_ssize_t n = cnp.PyArray_SIZE(work)
    cdef double *wp = <double *>cnp.PyArray_DATA(work)
    cdef double *hp = <double *>cnp.PyArray_DATA(<cnp.ndarray>prepared[1])
    cdef _Watch w = _Watch.__new__(_Watch)
    w.f, w.view, w.eps = f, view, _EPS
    cdef double f0
    cdef cnp.ndarray out = np.empty(n * n)
    try:
        f0 = _scalar_value(f(view))  # _evaluation.Serial.outputs(True)
        _hessian_loop(w, wp, n, hp, f0, <double *>cnp.PyArray_DATA(out))
        if _coarser_steps(w, h, _STENCILS[0][2], wp, n, rule, hp, shape):  # a float32 f: once more
            _hessian_loop(w, wp, n, hp, f0, <double *>cnp.PyArray_DATA(out))
        _unchanging_at_x(w, _call, wp, <double *>cnp.PyArray_DATA(out), n * n)
    except TypeError as exc:
        _note(exc, f, args, kwargs)
        raise
    return out.reshape(shape + shape)


cdef object _adaptive_hessian(object f, object x, object full_output, object args, object kwargs):
    """hessian(f, x, adaptive=True) of a float64 ndarray x (or a flat list of floats): fdgrad._hessian.dense_hessian's
    adaptive Hessian over a Serial evaluation (csrc/adaptive.c's, the twin's bit for bit), or GENERAL."""
    x = _float_array(x)
    if x is None:
        return _GENERAL
    cdef cnp.ndarray arr = <cnp.ndarray>x
    cdef Py_ssize_t n = cnp.PyArray_SIZE(arr)
    cdef cnp.ndarray work = _flat_copy(arr)
    cdef double *wp = <double *>cnp.PyArray_DATA(work)
    if fdgrad_all_finite(wp, <size_t>n) != <size_t>n:
        return _GENERAL
    cdef const fdgrad_adaptive_rule *r = &_LADDERS[0][2]
    cdef double f0 = 0.0
    cdef Py_ssize_t looks = 0
    shape = x.shape
    g = _bound(f, args, kwargs)
    cdef _Watch w = _take_watch(g)
    w.view = _read_only(work, None if cnp.PyArray_NDIM(arr) == 1 else shape)
    try:
        try:
            f0 = _unwatched(w, g(w.view))  # f(x) (_evaluation.Serial.outputs)
            scratch = np.empty(fdgrad_adaptive_hessian_work(<size_t>n))
            values, errors, steps = np.empty(n * n), np.empty(n * n), np.empty(n)
            flags = np.empty(n * n, dtype=np.uint8)
            with _errstate(all="ignore"):  # (as the twin evaluates its rungs: f's own warnings off)
                _settled(w, fdgrad_adaptive_hessian(
                    _call, <void *>w, wp, <size_t>n, r, f0, &w.eps, <double *>cnp.PyArray_DATA(<cnp.ndarray>scratch),
                    <double *>cnp.PyArray_DATA(<cnp.ndarray>values), <double *>cnp.PyArray_DATA(<cnp.ndarray>errors),
                    <double *>cnp.PyArray_DATA(<cnp.ndarray>steps), <unsigned char *>cnp.PyArray_DATA(<cnp.ndarray>flags)))
            # _hessian.dense_hessian: where f never varied (three or more values), f once more at x, and
            # the warning where it still did not and every entry is 0
            if not w.varied and w.seen >= 3:
                _settled(w, _call(<void *>w, wp, &f0))
                looks = 1
                if not w.varied and not values.any():
                    _warn_unchanging(False)
        except TypeError as exc:
            _note(exc, f, args, kwargs)
            raise
    finally:
        _give_back(w)
    if full_output is not True:
        return values.reshape(shape + shape)
    return _finish(values.reshape(shape + shape), errors.reshape(shape + shape), 1 + 2 * n + 8 * n * n + looks,
                   steps.reshape(shape), True, flags.view(np.bool_).reshape(shape + shape))


cdef class _WatchLine(_Watch):
    """directional()'s g(t) = f(x + t w) as the C loop calls it (_evaluation._Line): f called with a
    fresh read-only point each time, its value at one t known already."""
    cdef cnp.ndarray work
    cdef cnp.ndarray along
    cdef object shape
    cdef double known_t
    cdef object known


cdef object _line_point(_WatchLine w, double t):
    """x + t w as the array f sees (work + t * along, then _evaluation.read_only_view)."""
    cdef Py_ssize_t i, n = cnp.PyArray_SIZE(w.work)
    cdef cnp.npy_intp size = n
    cdef cnp.ndarray point = cnp.PyArray_EMPTY(1, &size, cnp.NPY_DOUBLE, 0)
    cdef const double *xp = <const double *>cnp.PyArray_DATA(w.work)
    cdef const double *ap = <const double *>cnp.PyArray_DATA(w.along)
    cdef double *pp = <double *>cnp.PyArray_DATA(point)
    for i in range(n):
        pp[i] = xp[i] + t * ap[i]
    return _read_only(point, w.shape)


cdef int _call_line(void *ctx, const double *t, double *out) noexcept:
    cdef _WatchLine w = <_WatchLine>ctx
    try:
        if w.known is not None and t[0] == w.known_t:
            value, w.known = w.known, None  # (f's value there, evaluated once already)
        else:
            value = w.f(_line_point(w, t[0]))
        return w.take(value, out)
    except BaseException as exc:
        w.error = exc
        return -1


cdef object _directional_door(object f, object x, object v, object h, object method, object order, object adaptive,
                              object full_output, object progress, object inplace, object args, object kwargs):
    """directional(f, x, v, ...) of a float64 ndarray x (or a flat list of floats) along a v of its shape,
    with the plainest options, or GENERAL: _derivatives.directional, over one number t by the kernels'
    loop.  Where f's first value is not a float, the rest is the general path's, with that value."""
    cdef int mi = _method_index(method)
    if mi < 0 or not _plain_options(f, h, order, adaptive, full_output, _ONE, None, None, None, progress, args,
                                    kwargs) or inplace is not False:
        return _GENERAL
    if type(x) is list:
        x = _float_list(x)
    if type(v) is list:
        v = _float_list(v)
    if type(x) is not np.ndarray or type(v) is not np.ndarray:
        return _GENERAL
    cdef cnp.ndarray arr = <cnp.ndarray>x, direction = <cnp.ndarray>v
    if (not _float64(arr) or not _float64(direction) or cnp.PyArray_NDIM(arr) == 0
            or cnp.PyArray_SIZE(arr) == 0 or x.shape != v.shape):
        return _GENERAL
    cdef Py_ssize_t i, n = cnp.PyArray_SIZE(arr)
    cdef cnp.ndarray work = _flat_copy(arr), flat_v = _flat_copy(direction)
    cdef const double *xp = <const double *>cnp.PyArray_DATA(work)
    cdef const double *vp = <const double *>cnp.PyArray_DATA(flat_v)
    if fdgrad_all_finite(xp, <size_t>n) != <size_t>n or fdgrad_all_finite(vp, <size_t>n) != <size_t>n:
        return _GENERAL
    cdef double size = 0.0, stretch = 1.0  # _options.check_direction's max |v|; max(1, max |x|)
    for i in range(n):
        size = max(size, fabs(vp[i]))
        stretch = max(stretch, fabs(xp[i]))
    if size == 0.0:
        return _GENERAL
    cdef Rule *rule = &_RULES[mi][1]
    cdef double zero = 0.0, step  # t's step at t = 0 (_steps.number_step)
    if h is None:
        if fdgrad_default_steps(&zero, 1, rule.rel_step, rule.reach, &step) != 1:
            return _GENERAL
    else:
        step = h
        if not _divides(step, rule):
            return _GENERAL
    # _steps.line_scale: w = max(1, max|x|) v / max|v| (v itself for a given h), room along it
    cdef cnp.npy_intp size_n = n
    cdef cnp.ndarray along = flat_v if h is not None else cnp.PyArray_EMPTY(1, &size_n, cnp.NPY_DOUBLE, 0)
    cdef double *ap = <double *>cnp.PyArray_DATA(along)
    cdef double factor = 1.0 if h is not None else size / stretch
    if factor == 0.0:
        return _GENERAL  # (the general path's steps along v then divide by 0, with its warning)
    cdef double reach = rule.reach * (rule.rel_step if h is None else <double>h)
    for i in range(n):
        if h is None:
            ap[i] = stretch * (vp[i] / size)
        if not isfinite(fabs(xp[i]) + reach * fabs(ap[i])):
            return _GENERAL
    cdef _WatchLine w = _WatchLine.__new__(_WatchLine)
    w.f, w.eps, w.work, w.along, w.shape = f, _EPS, work, along, x.shape
    cdef double first = 0.0 if rule.uses_f0 else rule.stencil.offsets[0] * step
    cdef double t = 0.0, f0 = 0.0, out = 0.0, scratch[16]
    try:
        value = f(_line_point(w, first))  # _evaluation.line: f's first value tells its shape
        if not isinstance(value, float):
            return _derivatives.directional(_kernels, f, work, x.shape, flat_v, size, h, _STENCILS[mi][1], False,
                                            False, None, value)
        if rule.uses_f0:
            f0 = <double>value
        else:
            w.known, w.known_t = value, first
        if fdgrad_jacobian_range(_call_line, <void *>w, &t, 1, 1, &step, &rule.stencil, &f0, 0, 1, scratch,
                                 &out) != FDGRAD_OK:
            _raise_pending(w)
            raise RuntimeError("an fdgrad kernel failed")
        if _coarser_steps(w, h, _STENCILS[mi][1], &t, 1, rule, &step, (1,)):  # a float32 f: once more
            if fdgrad_jacobian_range(_call_line, <void *>w, &t, 1, 1, &step, &rule.stencil, &f0, 0, 1, scratch,
                                     &out) != FDGRAD_OK:
                _raise_pending(w)
                raise RuntimeError("an fdgrad kernel failed")
    except TypeError as exc:
        _note(exc, f, args, kwargs)
        raise
    return out * factor


def directional_door(f, x, v, h, method, order, adaptive, full_output, progress, inplace, args, kwargs):
    """directional(f, x, v, ...) with the plainest options, or GENERAL."""
    return _directional_door(f, x, v, h, method, order, adaptive, full_output, progress, inplace, args, kwargs)


cdef object _check_gradient_values = _options.check_gradient_values
cdef object _GradCheck = _results.GradCheck
cdef double _QUICK[3]
cdef double _RATIO2 = QUICK_RATIO2
for _m, _rel in enumerate(_api_quick_steps):
    _QUICK[_m] = _rel


def check_grad_door(f, grad, x, h, method, order, adaptive, rtol, atol, raise_on_mismatch, workers, progress, inplace,
                    args, kwargs):
    """check_grad(f, grad, x, ...) of a float64 ndarray x with its default options, or GENERAL."""
    return _check_grad(f, grad, x, h, method, order, adaptive, rtol, atol, raise_on_mismatch, workers, progress,
                       inplace, args, kwargs)


cdef inline bint _python_function(object f):
    return type(f) is _function or type(f) in _plain


cdef object _check_grad(object f, object grad, object x, object h, object method, object order, object adaptive,
                        object rtol, object atol, object raise_on_mismatch, object workers, object progress,
                        object inplace, object args, object kwargs):
    """API._quick_check, and check_grad's checks before it, in C; where it cannot decide, the rest
    (API._checked) with grad's value, as the general path goes on."""
    if not (h is None and method is _CENTRAL and order is None and adaptive is True and _is_one(workers)
            and progress is False and inplace is False and args is _empty and kwargs is None
            and _python_function(f) and _python_function(grad) and type(rtol) is float and type(atol) is float
            and type(raise_on_mismatch) is bool and _propagating()):
        return _GENERAL
    cdef double rt = rtol, at = atol
    if not (isfinite(rt) and rt >= 0.0 and isfinite(at) and at >= 0.0):
        return _GENERAL
    x = _float_array(x)
    if x is None:
        return _GENERAL
    cdef cnp.ndarray arr = <cnp.ndarray>x
    cdef Py_ssize_t n = cnp.PyArray_SIZE(arr), k
    cdef cnp.ndarray work = _flat_copy(arr)
    cdef double *wp = <double *>cnp.PyArray_DATA(work)
    if fdgrad_all_finite(wp, <size_t>n) != <size_t>n:
        return _GENERAL
    cdef cnp.npy_intp size = n
    cdef cnp.ndarray fine = cnp.PyArray_EMPTY(1, &size, cnp.NPY_DOUBLE, 0)  # first the finest steps
    cdef double *hp = <double *>cnp.PyArray_DATA(fine)
    for k in range(3):
        if fdgrad_default_steps(wp, <size_t>n, _QUICK[k], _RULES[0][1].reach, hp) != <size_t>n:
            return _GENERAL  # no room for a step: the general path's error
    shape = x.shape
    try:
        analytic = _check_gradient_values(grad(_read_only(_flat_copy(work), shape)), shape)
        value = f(_read_only(_flat_copy(work), shape))
        coarse = not isinstance(value, float) and _precision(value) > _EPS
        if not coarse:
            g1 = _columns(f, arr, None, 0, False, args, kwargs, None, 1, _QUICK[0])
            g2 = _columns(f, arr, None, 0, False, args, kwargs, None, 1, _QUICK[1])
            g3 = _columns(f, arr, None, 0, False, args, kwargs, None, 1, _QUICK[2])
    except TypeError as exc:
        _note(exc, f, args, kwargs)
        raise
    verdict = None
    if not coarse and g1 is not _GENERAL and g2 is not _GENERAL and g3 is not _GENERAL:
        verdict = _quick_verdict(analytic, g1, g2, g3, value, fine, rt, at)
    if verdict is None:
        return _general._checked(f, analytic, x, h, method, order, adaptive, rt, at, raise_on_mismatch, workers,
                                 progress, inplace, args, kwargs)
    return verdict


cdef object _quick_verdict(cnp.ndarray analytic, object g1, object g2, object g3, object value, cnp.ndarray fine,
                           double rtol, double atol):
    """API._quick_check's verdict on the three gradients, arithmetic for arithmetic; None where it
    cannot decide."""
    cdef double eps = _EPS
    cdef double fx
    if isinstance(value, float):
        fx = <double>value
    else:
        eps = _precision(value)
        fx = _scalar_value(value)
    rtol = max(rtol, pow(eps, 0.5))
    cdef cnp.ndarray a = analytic.reshape(-1), c1 = g1.reshape(-1), c2 = g2.reshape(-1), c3 = g3.reshape(-1)
    if not cnp.PyArray_IS_C_CONTIGUOUS(a):
        a = a.copy()
    cdef Py_ssize_t n = cnp.PyArray_SIZE(a), k, worst = 0
    cdef const double *ap = <const double *>cnp.PyArray_DATA(a)
    cdef const double *p1 = <const double *>cnp.PyArray_DATA(c1)
    cdef const double *p2 = <const double *>cnp.PyArray_DATA(c2)
    cdef const double *p3 = <const double *>cnp.PyArray_DATA(c3)
    cdef const double *hp = <const double *>cnp.PyArray_DATA(fine)
    cdef cnp.npy_intp size = n
    cdef cnp.ndarray numeric = cnp.PyArray_EMPTY(1, &size, cnp.NPY_DOUBLE, 0)
    cdef cnp.ndarray tolerance = cnp.PyArray_EMPTY(1, &size, cnp.NPY_DOUBLE, 0)
    cdef double *np_ = <double *>cnp.PyArray_DATA(numeric)
    cdef double *tp = <double *>cnp.PyArray_DATA(tolerance)
    cdef double spread = 4.0 * eps * fabs(fx)
    cdef double rounding, first, second, error, diff, big, rel, excess, most_abs = -INFINITY, most_rel = -INFINITY
    cdef double most = -INFINITY
    cdef bint shrinks
    for k in range(n):
        rounding = spread / hp[k]
        first, second = fabs(p1[k] - p2[k]), fabs(p2[k] - p3[k])
        shrinks = ((p1[k] - p2[k]) * (p2[k] - p3[k]) > 0.0 and first >= 0.5 * _RATIO2 * second
                   and first <= 2.0 * _RATIO2 * second)
        if not (shrinks or (first <= rounding and second <= rounding)):
            return None
        np_[k] = (_RATIO2 * p3[k] - p2[k]) / (_RATIO2 - 1.0)
        error = (first if first > second else second) + rounding
        diff = fabs(ap[k] - np_[k])
        if not (diff + error <= atol + rtol * fabs(np_[k])):
            return None
        tp[k] = atol + rtol * fabs(np_[k]) + error  # _results.compare_gradients from here
        big = fabs(ap[k]) if fabs(ap[k]) > fabs(np_[k]) else fabs(np_[k])
        rel = diff / big if big > 0.0 else 0.0
        excess = 0.0 if diff == 0.0 else diff / tp[k]
        if diff > most_abs:
            most_abs = diff
        if rel > most_rel:
            most_rel = rel
        if excess > most:
            most, worst = excess, k
    shape = (<object>analytic).shape
    index = []
    for k in range(len(shape) - 1, -1, -1):
        index.append(worst % shape[k])
        worst //= shape[k]
    return _GradCheck(most_abs, most_rel, tuple(reversed(index)), True, numeric.reshape(shape), analytic,
                      tolerance.reshape(shape))


# The public definitions of the calls with a door.  With the compiled backend, fdgrad.derivative
# and fdgrad.numerical_diff are these: their signature is parsed in C (a Python def that hands its
# seventeen arguments on costs about 100 ns more, more than the rest of a plain call), the door
# tries the call, and anything else goes to fdgrad's general path, an API over the compiled
# kernels (without the door), which checks it and gives its usual message.  bind() gives them that API's
# docstrings and annotations; tests/test_api.py holds their signatures to the fallback's.

cdef object _general = None
DEFINED = ("derivative", "partial", "gradient", "jacobian", "hessian", "hessian_diag", "directional",
           "numerical_diff", "numerical_gradient", "check_grad")


def bind(api):
    """Take api (fdgrad._api.API over the compiled kernels, without this module: the definitions
    below have tried the door) as their general path, with its docstrings and annotations; return
    them by name."""
    global _general
    _general = api
    public = {name: globals()[name] for name in DEFINED}
    for name, function in public.items():
        method = getattr(type(api), name)
        function.__doc__ = method.__doc__
        function.__annotations__ = dict(method.__annotations__)
    return public


def derivative(f, x, h=None, method="central", order=None, adaptive=False, full_output=False, *, n=1, workers=1,
               chunksize=None, timeout=None, bounds=None, progress=False, inplace=False, args=(), kwargs=None):
    result = _derivative(f, x, h, method, order, adaptive, full_output, n, workers, chunksize, timeout, bounds,
                         progress, inplace, args, kwargs)
    if result is _GENERAL:
        return _general.derivative(f, x, h, method, order, adaptive, full_output, n=n, workers=workers,
                                   chunksize=chunksize, timeout=timeout, bounds=bounds, progress=progress,
                                   inplace=inplace, args=args, kwargs=kwargs)
    return result


def numerical_diff(f, x):
    result = _derivative(f, x, _TEXTBOOK_STEP, _CENTRAL, None, False, False, _ONE, _ONE, None, None, None, False,
                         None, _empty, None)
    if result is _GENERAL:
        return _general.numerical_diff(f, x)
    return result


def partial(f, x, i, h=None, method="central", order=None, adaptive=False, full_output=False, *, bounds=None,
            progress=False, inplace=False, args=(), kwargs=None):
    result = _partial(f, x, i, h, method, order, adaptive, full_output, bounds, progress, inplace, args, kwargs)
    if result is _GENERAL:
        return _general.partial(f, x, i, h, method, order, adaptive, full_output, bounds=bounds, progress=progress,
                                inplace=inplace, args=args, kwargs=kwargs)
    return result


def gradient(f, x, h=None, method="central", order=None, adaptive=False, full_output=False, *, workers=1,
             vectorized=False, max_batch_bytes=DEFAULT_BATCH_BYTES, chunksize=None, timeout=None, bounds=None,
             progress=False, inplace=False, args=(), kwargs=None):
    result = _gradient(f, x, h, method, order, adaptive, full_output, workers, vectorized, max_batch_bytes, chunksize,
                       timeout, bounds, progress, inplace, args, kwargs)
    if result is _GENERAL:
        return _general.gradient(f, x, h, method, order, adaptive, full_output, workers=workers,
                                 vectorized=vectorized, max_batch_bytes=max_batch_bytes, chunksize=chunksize,
                                 timeout=timeout, bounds=bounds, progress=progress, inplace=inplace, args=args,
                                 kwargs=kwargs)
    return result


def jacobian(f, x, h=None, method="central", order=None, adaptive=False, full_output=False, *, workers=1,
             vectorized=False, max_batch_bytes=DEFAULT_BATCH_BYTES, chunksize=None, timeout=None, m=None,
             sparsity=None, bounds=None, progress=False, inplace=False, args=(), kwargs=None):
    result = _jacobian(f, x, h, method, order, adaptive, full_output, workers, vectorized, max_batch_bytes, chunksize,
                       timeout, m, sparsity, bounds, progress, inplace, args, kwargs)
    if result is _GENERAL:
        return _general.jacobian(f, x, h, method, order, adaptive, full_output, workers=workers,
                                 vectorized=vectorized, max_batch_bytes=max_batch_bytes, chunksize=chunksize,
                                 timeout=timeout, m=m, sparsity=sparsity, bounds=bounds, progress=progress,
                                 inplace=inplace, args=args, kwargs=kwargs)
    return result


def hessian(f, x, h=None, method="central", order=None, adaptive=False, full_output=False, *, workers=1,
            chunksize=None, timeout=None, sparsity=None, bounds=None, progress=False, inplace=False, args=(),
            kwargs=None):
    result = _hessian(f, x, h, method, order, adaptive, full_output, workers, chunksize, timeout, sparsity, bounds,
                      progress, inplace, args, kwargs)
    if result is _GENERAL:
        return _general.hessian(f, x, h, method, order, adaptive, full_output, workers=workers, chunksize=chunksize,
                                timeout=timeout, sparsity=sparsity, bounds=bounds, progress=progress, inplace=inplace,
                                args=args, kwargs=kwargs)
    return result


def hessian_diag(f, x, h=None, method="central", order=None, adaptive=False, full_output=False, *, workers=1,
                 vectorized=False, max_batch_bytes=DEFAULT_BATCH_BYTES, chunksize=None, timeout=None, bounds=None,
                 progress=False, inplace=False, args=(), kwargs=None):
    result = _hessian_diag(f, x, h, method, order, adaptive, full_output, workers, vectorized, max_batch_bytes,
                           chunksize, timeout, bounds, progress, inplace, args, kwargs)
    if result is _GENERAL:
        return _general.hessian_diag(f, x, h, method, order, adaptive, full_output, workers=workers,
                                     vectorized=vectorized, max_batch_bytes=max_batch_bytes, chunksize=chunksize,
                                     timeout=timeout, bounds=bounds, progress=progress, inplace=inplace, args=args,
                                     kwargs=kwargs)
    return result


def numerical_gradient(f, x):
    result = _gradient(f, x, _TEXTBOOK_STEP, _CENTRAL, None, False, False, _ONE, False, _ONE, None, None, None, False,
                       None, _empty, None)
    if result is _GENERAL:
        return _general.numerical_gradient(f, x)
    return result


def directional(f, x, v, h=None, method="central", order=None, adaptive=False, full_output=False, *, progress=False,
                inplace=False, args=(), kwargs=None):
    result = _directional_door(f, x, v, h, method, order, adaptive, full_output, progress, inplace, args, kwargs)
    if result is _GENERAL:
        return _general.directional(f, x, v, h, method, order, adaptive, full_output, progress=progress,
                                    inplace=inplace, args=args, kwargs=kwargs)
    return result


def check_grad(f, grad, x, h=None, method="central", order=None, adaptive=True, rtol=1e-6, atol=1e-8,
               raise_on_mismatch=False, *, workers=1, progress=False, inplace=False, args=(), kwargs=None):
    result = _check_grad(f, grad, x, h, method, order, adaptive, rtol, atol, raise_on_mismatch, workers, progress,
                         inplace, args, kwargs)
    if result is _GENERAL:
        return _general.check_grad(f, grad, x, h, method, order, adaptive, rtol, atol, raise_on_mismatch,
                                   workers=workers, progress=progress, inplace=inplace, args=args, kwargs=kwargs)
    return result
