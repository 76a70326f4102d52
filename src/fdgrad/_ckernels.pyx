# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: embedsignature=True, cdivision=True
"""The compiled kernels: a thin bridge from Python to csrc/fdgrad.c.

Same functions and arguments as fdgrad._pykernels (see its docstring): loops
only, nothing of fdgrad's checking layer.  A native f runs without the GIL,
in chunks of about 20 ms between which Ctrl-C is noticed, so several Python
threads calling these kernels on native objectives run truly in parallel.
"""

from cpython.exc cimport PyErr_CheckSignals, PyErr_Occurred, PyErr_SetObject
from cpython.ref cimport PyObject
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport uintptr_t
from libc.math cimport sqrt
from libc.string cimport memcmp, memcpy

cimport numpy as cnp
import numpy as np

cnp.import_array()

cdef extern from "Python.h":
    PyObject *PyObject_CallOneArg(PyObject *callable, PyObject *arg)  # Python >= 3.9
    bint _is_float "PyFloat_Check"(PyObject *value)
    double _float_value "PyFloat_AS_DOUBLE"(PyObject *value)
    void _decref "Py_DECREF"(PyObject *value)

cdef extern from "numpy/arrayobject.h":
    object PyArray_View(cnp.ndarray a, void *dtype, void *subtype)  # (not in numpy's .pxd)


cdef double *_data(object a, Py_ssize_t size, bint write, const char *name) except NULL:
    """The doubles of a C-contiguous float64 array of exactly `size` values (numpy's
    C API: a typed memoryview costs some 250 ns per argument, this some 20)."""
    if (not cnp.PyArray_Check(a) or cnp.PyArray_TYPE(<cnp.ndarray>a) != cnp.NPY_DOUBLE
            or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a) or cnp.PyArray_SIZE(<cnp.ndarray>a) != size
            or (write and not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>a))):
        raise ValueError(f"{name.decode()}: inconsistent buffer sizes (a C-contiguous float64 array of {size} "
                         "values is needed)")
    return <double *>cnp.PyArray_DATA(<cnp.ndarray>a)


cdef Py_ssize_t _size(object a, const char *name) except -1:
    if not cnp.PyArray_Check(a):
        raise ValueError(f"{name.decode()}: an array is needed")
    return cnp.PyArray_SIZE(<cnp.ndarray>a)

from fdgrad._cfdgrad cimport (
    FDGRAD_ECALLBACK,
    FDGRAD_MAX_POINTS,
    FDGRAD_NATIVE_SCALAR,
    FDGRAD_NATIVE_SCALAR_DATA,
    FDGRAD_NATIVE_VECTOR,
    FDGRAD_NATIVE_VECTOR_DATA,
    FDGRAD_OK,
    fdgrad_combine,
    fdgrad_combine_range,
    fdgrad_complex_range,
    fdgrad_all_finite,
    fdgrad_group_columns,
    fdgrad_default_steps,
    fdgrad_fixed_steps,
    fdgrad_evaluate_range,
    fdgrad_hessian_combine,
    fdgrad_hessian_points,
    fdgrad_hessian_range,
    fdgrad_jacobian_range,
    fdgrad_native,
    fdgrad_native_objective,
    fdgrad_native_scalar,
    fdgrad_native_scalar_data,
    fdgrad_native_vector,
    fdgrad_native_vector_data,
    fdgrad_objective,
    fdgrad_seconds,
    fdgrad_stencil,
    fdgrad_stencil_points,
    fdgrad_adaptive_hessian_by,
    fdgrad_adaptive_hessian_work,
    fdgrad_adaptive_ladders,
    fdgrad_adaptive_rule,
    fdgrad_adaptive_work,
    fdgrad_evaluator,
)
from fdgrad._rules cimport fill_rule

import fdgrad._adaptive as _adaptive

__all__ = [
    "Halted",
    "StopFlag",
    "adaptive_derivative",
    "adaptive_hessian",
    "combine",
    "combine_range",
    "complex_range",
    "default_steps",
    "descent",
    "evaluate_range",
    "fixed_steps",
    "hessian_combine",
    "hessian_points",
    "hessian_range",
    "jacobian_range",
    "native_objective",
    "python_objective",
    "stencil_points",
    "working_copy",
]


class Halted(Exception):
    """A loop stopped because another part of the same call failed or was interrupted."""


cdef class StopFlag:
    """A flag the loops of one call check before every evaluation of f."""
    cdef int flag

    def set(self):
        """Ask every loop sharing this flag to stop."""
        self.flag = 1

    def is_set(self):
        """Whether the loops were asked to stop."""
        return self.flag != 0


# The kernels a job can run.
cdef enum:
    EVALUATE, JACOBIAN, COMPLEX, HESSIAN


cdef struct Job:
    int which
    fdgrad_objective f
    void *ctx
    double *x
    size_t n
    size_t m
    const double *h
    const double *offsets
    int npoints
    fdgrad_stencil *stencil
    const double *f0
    double f0_scalar
    const double *f1
    int side
    double *work
    double *out
    size_t start


cdef int _job_range(Job *j, size_t a, size_t b) noexcept nogil:
    if j.which == EVALUATE:
        return fdgrad_evaluate_range(j.f, j.ctx, j.x, j.n, j.m, j.h, j.offsets, j.npoints, a, b,
                                     j.out + (a - j.start) * <size_t>j.npoints * j.m)
    if j.which == JACOBIAN:
        return fdgrad_jacobian_range(j.f, j.ctx, j.x, j.n, j.m, j.h, j.stencil, j.f0, a, b, j.work, j.out)
    if j.which == COMPLEX:
        return fdgrad_complex_range(j.f, j.ctx, j.x, j.n, j.m, j.h, a, b, j.work, j.out)
    return fdgrad_hessian_range(j.f, j.ctx, j.x, j.n, j.h, j.f0_scalar, j.f1, j.side, a, b, j.out)


cdef class Objective:
    """f as the kernels call it: a Python f with the GIL held, or a native one without it.

    Calling it evaluates f at the buffer as it is now."""
    cdef bint is_native
    cdef bint fast  # m == 1 and a float value (or subclass) needs no conversion
    cdef object f
    cdef object view
    cdef object convert
    cdef object error
    cdef object buffer
    cdef Py_ssize_t m
    cdef StopFlag halt
    cdef fdgrad_native native
    cdef int local_stop
    cdef public long seen  # how many values were watched
    cdef double first
    cdef public bint varied  # whether f's value ever changed
    cdef public double eps  # the coarsest precision of f's values (float32's for a float32 value)

    cdef object first_vector
    cdef object shape  # f's values' shape where a float64 ndarray of it needs no conversion (m > 1), or None

    cdef inline bint plain_vector(self, object value):
        return self.shape is not None and type(value) is np.ndarray and value.dtype is _FLOAT64 \
            and value.shape == self.shape

    cdef void watch_vector(self, object converted, const double *values) noexcept:
        if self.first_vector is None:
            self.first_vector = converted
        elif not self.varied and memcmp(values, cnp.PyArray_DATA(<cnp.ndarray>self.first_vector),
                                        self.m * sizeof(double)) != 0:
            self.varied = True
        self.seen += 1

    cdef inline void watch(self, double value) noexcept:
        if not self.seen:
            self.first = value
        elif value != self.first:
            self.varied = True
        self.seen += 1

    def __call__(self):
        cdef double *x
        if not self.is_native:
            if self.halt is not None and self.halt.flag:
                raise Halted("stopped: another part of this call failed or was interrupted")
            value = self.f(self.view)
            if self.plain_vector(value):
                value = np.array(value, dtype=np.float64).reshape(-1)  # as convert copies it
            elif not (self.fast and isinstance(value, float)):
                self.eps = max(self.eps, _coarse_eps(value))
                value = self.convert(value)
            if self.m == 1:
                self.watch(<double>value)
            return value
        x = _data(self.buffer, self.native.n, False, b"objective")
        values = np.empty(self.m)
        if fdgrad_native_objective(&self.native, x, _data(values, self.m, True, b"objective")) != FDGRAD_OK:
            raise Halted("stopped: another part of this call failed or was interrupted")
        return float(values[0]) if self.m == 1 else values

    cdef int run(self, Job *job, size_t start, size_t stop) except -1:
        """Run job over [start, stop): a Python f in one go with the GIL held;
        a native f without the GIL, in chunks of about 20 ms between which
        Ctrl-C (on the main thread) and the stop flag are noticed."""
        cdef int rc
        cdef size_t a = start, b, chunk = 1
        cdef double elapsed, t0
        if not self.is_native:
            job.f = _call_python
            job.ctx = <void *>self
            rc = _job_range(job, start, stop)
            if rc == FDGRAD_ECALLBACK:
                if self.error is not None:
                    error, self.error = self.error, None
                    raise error
                if PyErr_Occurred() != NULL:
                    return -1  # f's exception (or Halted), set by _call_python
            return _check_rc(rc)
        job.f = fdgrad_native_objective
        job.ctx = <void *>&self.native
        while a < stop:
            b = stop if stop - a < chunk else a + chunk
            t0 = fdgrad_seconds()
            with nogil:
                rc = _job_range(job, a, b)
            if rc == FDGRAD_ECALLBACK and self.native.stop[0]:
                raise Halted("stopped: another part of this call failed or was interrupted")
            _check_rc(rc)
            PyErr_CheckSignals()
            elapsed = fdgrad_seconds() - t0
            # the next chunk about 20 ms long as this one's pace says, but at most 16 times this one (an f
            # whose first calls were cheap can slow down: a warm-up, a cache, a longer path further on)
            if elapsed <= 0.0 or elapsed * 16.0 < 0.02:
                chunk = (b - a) * 16
            else:
                chunk = max(1, <size_t>((b - a) * (0.02 / elapsed)))
            a = b
        return 0


_FLOAT64 = np.dtype(np.float64)


def _coarse_eps(value):
    """The machine epsilon of a float16 or float32 value (or array); float64's otherwise."""
    dtype = getattr(value, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8:
        return float(np.finfo(dtype).eps)
    return 2.0**-52


def python_objective(f, view, convert, Py_ssize_t m, StopFlag halt=None, bint fast=True, shape=None):
    """f at the buffer behind view, as a float (m == 1) or m floats, through convert.

    With fast, a float value (numpy.float64 included) needs no conversion when m == 1;
    with shape (m > 1), neither does a float64 ndarray of that shape (it is copied as
    convert would copy it).  Its attribute ``varied`` says whether f's value ever
    changed, ``seen`` how many values were watched, and ``eps`` the coarsest precision
    of its values (float32's for a float32 value)."""
    cdef Objective obj = Objective.__new__(Objective)
    obj.is_native = False
    obj.varied = False
    obj.eps = 2.0**-52
    obj.f, obj.view, obj.convert, obj.m, obj.halt = f, view, convert, m, halt
    obj.fast = fast and m == 1
    obj.shape = shape if m > 1 else None
    return obj


def native_objective(int kind, uintptr_t address, uintptr_t user_data, buffer, Py_ssize_t m,
                     StopFlag halt=None):
    """A compiled f (kind FDGRAD_NATIVE_*) at the flat buffer, called through ctypes as C calls it."""
    cdef Objective obj = Objective.__new__(Objective)
    obj.is_native = True
    obj.varied = True  # a native f is not watched
    obj.eps = 2.0**-52
    obj.buffer, obj.m, obj.halt = buffer, m, halt
    obj.native.kind = kind
    if kind == FDGRAD_NATIVE_SCALAR:
        obj.native.scalar = <fdgrad_native_scalar>address
    elif kind == FDGRAD_NATIVE_SCALAR_DATA:
        obj.native.scalar_data = <fdgrad_native_scalar_data>address
    elif kind == FDGRAD_NATIVE_VECTOR:
        obj.native.vector = <fdgrad_native_vector>address
    elif kind == FDGRAD_NATIVE_VECTOR_DATA:
        obj.native.vector_data = <fdgrad_native_vector_data>address
    else:
        raise ValueError(f"unknown native kind {kind}")
    obj.native.user_data = <void *>user_data
    obj.native.n = <int>len(buffer)
    obj.native.m = <int>m
    obj.native.stop = &halt.flag if halt is not None else &obj.local_stop
    return obj


cdef int _call_python(void *ctx, const double *x, double *out) noexcept:
    # Runs with the GIL held (a loop over a Python f never releases it).
    # x is not read: the kernel perturbs the buffer that obj.view wraps.
    # The common case (a float back) goes through the C API without a Python
    # try block; an exception from f is left set for Objective.run to raise.
    cdef Objective obj = <Objective>ctx
    cdef PyObject *value
    if obj.halt is not None and obj.halt.flag:
        PyErr_SetObject(Halted, "stopped: another part of this call failed or was interrupted")
        return -1
    value = PyObject_CallOneArg(<PyObject *>obj.f, <PyObject *>obj.view)
    if value == NULL:
        return -1
    if obj.fast and _is_float(value):  # float and numpy.float64
        out[0] = _float_value(value)
        _decref(value)
        obj.watch(out[0])
        return 0
    return _converted(obj, value, out)


cdef int _converted(Objective obj, PyObject *result, double *out) noexcept:
    """f's value through obj.convert into out (m doubles); -1 with obj.error set on failure."""
    cdef Py_ssize_t j
    cdef const double *values
    value = <object>result  # a reference of its own
    _decref(result)  # the one PyObject_CallOneArg returned
    try:
        if obj.plain_vector(value):  # float64 values of f's shape: read as they are
            converted = np.ascontiguousarray(value).reshape(-1)
            if obj.first_vector is None:
                converted = converted.copy()  # kept to compare: f may reuse its array
            values = _data(converted, obj.m, False, b"f's value")
            for j in range(obj.m):
                out[j] = values[j]
            obj.watch_vector(converted, values)
            return 0
        obj.eps = max(obj.eps, _coarse_eps(value))
        if obj.m == 1:
            out[0] = <double>obj.convert(value)
            obj.watch(out[0])
        else:
            converted = obj.convert(value)
            values = _data(converted, obj.m, False, b"f's value")
            for j in range(obj.m):
                out[j] = values[j]
            obj.watch_vector(converted, values)
        return 0
    except BaseException as exc:
        obj.error = exc
        return -1


cdef int _check_rc(int rc) except -1:
    if rc != FDGRAD_OK:
        raise RuntimeError(f"an fdgrad kernel failed with code {rc}")
    return 0


cdef class _CStencil:
    """A Stencil converted to its C struct once."""
    cdef fdgrad_stencil s


#: id(stencil) -> (stencil, _CStencil); stencils are few and long-lived.
_C_STENCILS = {}


cdef int _fill_stencil(fdgrad_stencil *s, stencil) except -1:
    cdef _CStencil cached
    hit = _C_STENCILS.get(id(stencil))
    if hit is not None and hit[0] is stencil:
        cached = hit[1]
        s[0] = cached.s
        return 0
    offsets, weights = stencil.offsets, stencil.weights
    cdef Py_ssize_t k, npoints = len(offsets)
    if npoints < 1 or npoints > FDGRAD_MAX_POINTS or len(weights) != npoints:
        raise ValueError(f"a stencil needs 1 to {FDGRAD_MAX_POINTS} points, got {npoints}")
    s.npoints = <int>npoints
    s.hpow = stencil.hpow
    for k in range(npoints):
        s.offsets[k] = offsets[k]
        s.weights[k] = weights[k]
    s.denom = stencil.denom
    if len(_C_STENCILS) < 256:
        cached = _CStencil()
        cached.s = s[0]
        _C_STENCILS[id(stencil)] = (stencil, cached)
    return 0


cdef int _check_range(Py_ssize_t n, Py_ssize_t start, Py_ssize_t stop) except -1:
    if not 0 <= start <= stop <= n:
        raise ValueError(f"coordinate range [{start}, {stop}) is not within [0, {n})")
    return 0


cdef class Scratch:
    """n doubles of scratch, on the object itself when few, else on the heap."""
    cdef double small[64]
    cdef double *data

    def __cinit__(self, Py_ssize_t n):
        if n <= 64:
            self.data = self.small
        else:
            self.data = <double *>PyMem_Malloc(n * sizeof(double))
            if self.data == NULL:
                raise MemoryError()

    def __dealloc__(self):
        if self.data != NULL and self.data != self.small:
            PyMem_Free(self.data)


def evaluate_range(Objective obj, x, Py_ssize_t m, h, offsets, Py_ssize_t start, Py_ssize_t stop, out):
    """out[((i - start) * len(offsets) + k) * m + j] = f_j at x_i + offsets[k] * h[i]."""
    cdef Py_ssize_t n = _size(x, b"evaluate_range"), k, npoints = len(offsets)
    _check_range(n, start, stop)
    if m < 1 or npoints < 1:
        raise ValueError("evaluate_range: inconsistent buffer sizes")
    cdef Job job
    job.which, job.x, job.n, job.m = EVALUATE, _data(x, n, True, b"evaluate_range"), n, m
    job.h = _data(h, n, False, b"evaluate_range")
    job.out = _data(out, (stop - start) * npoints * m, True, b"evaluate_range")
    if start == stop:
        return
    cdef Scratch offs = Scratch(npoints)
    for k in range(npoints):
        offs.data[k] = offsets[k]
    job.offsets, job.npoints, job.start = offs.data, <int>npoints, start
    obj.run(&job, start, stop)


def jacobian_range(Objective obj, x, Py_ssize_t m, h, stencil, f0, Py_ssize_t start, Py_ssize_t stop, out):
    """out[j * n + i] = the stencil derivative of f_j along x_i; f0 = f(x)."""
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    cdef Py_ssize_t n = _size(x, b"jacobian_range")
    _check_range(n, start, stop)
    if m < 1:
        raise ValueError("jacobian_range: inconsistent buffer sizes")
    cdef Job job
    job.which, job.x, job.n, job.m = JACOBIAN, _data(x, n, True, b"jacobian_range"), n, m
    job.h = _data(h, n, False, b"jacobian_range")
    job.f0 = _data(f0, m, False, b"jacobian_range")
    job.out = _data(out, m * n, True, b"jacobian_range")
    if start == stop:
        return
    cdef Scratch work = Scratch(s.npoints * m)
    job.stencil, job.work, job.start = &s, work.data, start
    obj.run(&job, start, stop)


def complex_range(Objective obj, xz, Py_ssize_t m, h, Py_ssize_t start, Py_ssize_t stop, out):
    """out[j * n + i] = Im f_j(x + i h[i] e_i) / h[i]; xz is x as complex128, obj gives Im f."""
    cdef Py_ssize_t n = _size(xz, b"complex_range")
    _check_range(n, start, stop)
    if (m < 1 or cnp.PyArray_TYPE(<cnp.ndarray>xz) != cnp.NPY_CDOUBLE
            or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>xz)):
        raise ValueError("complex_range: inconsistent buffer sizes")
    cdef Job job
    job.which, job.x, job.n, job.m = COMPLEX, <double *>cnp.PyArray_DATA(<cnp.ndarray>xz), n, m
    job.h = _data(h, n, False, b"complex_range")
    job.out = _data(out, m * n, True, b"complex_range")
    if start == stop:
        return
    cdef Scratch work = Scratch(m)
    job.work, job.start = work.data, start
    obj.run(&job, start, stop)


def hessian_range(Objective obj, x, h, double f0, f1, int side, Py_ssize_t start, Py_ssize_t stop, out):
    """Hessian entries start..stop-1 of the upper triangle, row by row, mirrored (see fdgrad.h)."""
    cdef Py_ssize_t n = _size(x, b"hessian_range")
    _check_range(n * (n + 1) // 2, start, stop)
    cdef Job job
    job.which, job.x, job.n, job.m = HESSIAN, _data(x, n, True, b"hessian_range"), n, 1
    job.h = _data(h, n, False, b"hessian_range")
    job.f1 = _data(f1, n, False, b"hessian_range") if side != 0 else NULL
    job.out = _data(out, n * n, True, b"hessian_range")
    if start == stop:
        return
    job.f0_scalar, job.side, job.start = f0, side, start
    obj.run(&job, start, stop)


def hessian_points(x, h, int side, Py_ssize_t start, Py_ssize_t stop, points):
    """The points of entries start..stop-1 in hessian_range's order, as rows of points; their count.

    points has room for 4 (central) or 1 (one-sided) rows per entry."""
    cdef Py_ssize_t n = _size(x, b"hessian_points")
    _check_range(n * (n + 1) // 2, start, stop)
    cdef Py_ssize_t room = _size(points, b"hessian_points")
    if room < (stop - start) * (4 if side == 0 else 1) * n:
        raise ValueError("hessian_points: inconsistent buffer sizes")
    cdef const double *xp = _data(x, n, False, b"hessian_points")
    cdef const double *hp = _data(h, n, False, b"hessian_points")
    cdef double *pp = _data(points, room, True, b"hessian_points")
    cdef size_t count = 0
    if start < stop:
        _check_rc(fdgrad_hessian_points(xp, n, hp, side, start, stop, pp, &count))
    return count


def hessian_combine(values, h, double f0, f1, int side, Py_ssize_t start, Py_ssize_t stop, out):
    """hessian_range's entries from the values of hessian_points' rows."""
    cdef Py_ssize_t n = _size(h, b"hessian_combine")
    _check_range(n * (n + 1) // 2, start, stop)
    cdef const double *vp = _data(values, _size(values, b"hessian_combine"), False, b"hessian_combine")
    cdef const double *hp = _data(h, n, False, b"hessian_combine")
    cdef const double *f1p = _data(f1, n, False, b"hessian_combine") if side != 0 else NULL
    cdef double *op = _data(out, n * n, True, b"hessian_combine")
    if start < stop:
        _check_rc(fdgrad_hessian_combine(vp, n, hp, f0, f1p, side, start, stop, op))


def combine(stencil, fvals, h, out):
    """out[j] = sum_k w_k fvals[k][j] / (denom h[j]^hpow), elementwise."""
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    cdef Py_ssize_t n = _size(h, b"combine")
    cdef Py_ssize_t k, npoints = s.npoints
    if len(fvals) != npoints:
        raise ValueError("combine: inconsistent buffer sizes")
    cdef const double *hp = _data(h, n, False, b"combine")
    cdef double *op = _data(out, n, True, b"combine")
    cdef const double *ptrs[16]  # FDGRAD_MAX_POINTS; fvals keeps the arrays alive while C reads them
    for k in range(npoints):
        ptrs[k] = _data(fvals[k], n, False, b"combine")
    cdef int rc
    with nogil:
        rc = fdgrad_combine(&s, ptrs, hp, <size_t>n, op)
    _check_rc(rc)


def combine_range(stencil, values, Py_ssize_t m, h, Py_ssize_t start, Py_ssize_t stop, out):
    """out[j * n + i] = the stencil derivative from values[((i - start) * npoints + k) * m + j]."""
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    cdef Py_ssize_t n = _size(h, b"combine_range")
    _check_range(n, start, stop)
    if m < 1:
        raise ValueError("combine_range: inconsistent buffer sizes")
    cdef const double *vp = _data(values, (stop - start) * s.npoints * m, False, b"combine_range")
    cdef const double *hp = _data(h, n, False, b"combine_range")
    cdef double *op = _data(out, m * n, True, b"combine_range")
    if start == stop:
        return
    cdef int rc
    with nogil:
        rc = fdgrad_combine_range(&s, vp, <size_t>m, hp, <size_t>n, <size_t>start, <size_t>stop, op)
    _check_rc(rc)


def stencil_points(x, h, offsets, Py_ssize_t start, Py_ssize_t stop, points):
    """Row (i - start) * len(offsets) + k of points: x with x_i + offsets[k] * h[i]."""
    cdef Py_ssize_t n = _size(x, b"stencil_points"), k, npoints = len(offsets)
    _check_range(n, start, stop)
    if npoints < 1:
        raise ValueError("stencil_points: inconsistent buffer sizes")
    cdef const double *xp = _data(x, n, False, b"stencil_points")
    cdef const double *hp = _data(h, n, False, b"stencil_points")
    cdef double *pp = _data(points, (stop - start) * npoints * n, True, b"stencil_points")
    if start == stop:
        return
    cdef Scratch offs = Scratch(npoints)
    for k in range(npoints):
        offs.data[k] = offsets[k]
    cdef int rc
    with nogil:
        rc = fdgrad_stencil_points(xp, <size_t>n, hp, offs.data, <int>npoints, <size_t>start, <size_t>stop, pp)
    _check_rc(rc)


def default_steps(x, double rel_step, double reach, out):
    """out = (x + c) - x with c = min(rel_step * max(1, |x|), (DBL_MAX - |x|) / reach / 2).

    Returns -1, or the first i where there is no room for a step."""
    cdef Py_ssize_t n = _size(x, b"default_steps")
    cdef const double *xp = _data(x, n, False, b"default_steps")
    cdef double *op = _data(out, n, True, b"default_steps")
    if n == 0:
        return -1
    cdef size_t bad = fdgrad_default_steps(xp, <size_t>n, rel_step, reach, op)
    return -1 if bad == <size_t>n else <Py_ssize_t>bad


def fixed_steps(x, double h, double reach, out):
    """out[:] = h.  Returns -1, or the first i where |x_i| + reach h passes the largest double."""
    cdef Py_ssize_t n = _size(x, b"fixed_steps")
    cdef const double *xp = _data(x, n, False, b"fixed_steps")
    cdef double *op = _data(out, n, True, b"fixed_steps")
    cdef size_t bad = fdgrad_fixed_steps(xp, <size_t>n, h, reach, op)
    return -1 if bad == <size_t>n else <Py_ssize_t>bad


def working_copy(x, bint shared=False):
    """(work, view) for a non-empty, finite float64 ndarray x of at least one
    dimension: a fresh flat C-contiguous copy of x's values, and a read-only
    view of it in x's shape; None for anything else.  With shared, None also
    unless x itself could be the working buffer (writable, C-contiguous, aligned)."""
    if type(x) is not np.ndarray:
        return None
    cdef cnp.ndarray a = <cnp.ndarray>x
    if (cnp.PyArray_NDIM(a) == 0 or cnp.PyArray_TYPE(a) != cnp.NPY_DOUBLE or not cnp.PyArray_ISNOTSWAPPED(a)
            or cnp.PyArray_SIZE(a) == 0):
        return None
    if shared and not (cnp.PyArray_ISWRITEABLE(a) and cnp.PyArray_IS_C_CONTIGUOUS(a) and cnp.PyArray_ISALIGNED(a)):
        return None
    cdef cnp.ndarray copy = cnp.PyArray_NewCopy(a, cnp.NPY_CORDER)
    cdef Py_ssize_t n = cnp.PyArray_SIZE(copy)
    if fdgrad_all_finite(<const double *>cnp.PyArray_DATA(copy), <size_t>n) != <size_t>n:
        return None
    view = PyArray_View(copy, NULL, NULL)
    cnp.PyArray_CLEARFLAGS(<cnp.ndarray>view, cnp.NPY_ARRAY_WRITEABLE)
    work = copy if cnp.PyArray_NDIM(a) == 1 else cnp.PyArray_Ravel(copy, cnp.NPY_CORDER)
    return work, view


def descent(Objective obj, x, stencil, double reach, fixed_h, double lr, Py_ssize_t count, path,
            double tol=-1.0, grad_out=None, double rel=0.0):
    """Up to count steps of x -= lr * gradient(f, x) for a scalar objective, in place.

    fixed_h is the step of every coordinate, or None for the default step at
    every iterate; path, if not None, is a (count + 1, n) array whose rows
    1..count receive the iterates.  tol >= 0: stop before a step whose
    gradient's norm, sqrt(g_0**2 + g_1**2 + ...) summed in order, is below
    it.  grad_out, if not None, receives the last gradient computed.  rel > 0
    is the default step's c (for f's precision), the stencil's own otherwise.
    Returns (bad, steps): bad is -1, or (as default_steps) the coordinate that
    left no room for a step; steps is how many steps were taken.  The
    arithmetic is the shared Python loop's, step for step.
    """
    cdef Py_ssize_t n = _size(x, b"descent"), i, it
    cdef size_t bad
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    if not rel > 0.0:
        rel = stencil.rel_step
    hs = np.empty(n) if fixed_h is None else fixed_h
    grad = np.empty(n)
    cdef double *xp = _data(x, n, True, b"descent")
    cdef double *hp = _data(hs, n, fixed_h is None, b"descent")
    cdef double *g = _data(grad, n, True, b"descent")
    cdef double *pp = _data(path, (count + 1) * n, True, b"descent") if path is not None else NULL
    cdef double *go = _data(grad_out, n, True, b"descent") if grad_out is not None else NULL
    cdef bint needs_f0 = False
    for i in range(s.npoints):
        needs_f0 = needs_f0 or s.offsets[i] == 0.0
    cdef double f0 = 0.0, norm2
    cdef double scratch[16]  # FDGRAD_MAX_POINTS doubles
    cdef Job job
    job.which, job.x, job.n, job.m, job.h = JACOBIAN, xp, n, 1, hp
    job.stencil, job.f0, job.work, job.out, job.start = &s, &f0, scratch, g, 0
    for it in range(count):
        if fixed_h is None:
            bad = fdgrad_default_steps(xp, <size_t>n, rel, reach, hp)
            if bad != <size_t>n:
                return <Py_ssize_t>bad, it
        if needs_f0:
            f0 = obj()
        obj.run(&job, 0, n)
        if go != NULL:
            memcpy(go, g, n * sizeof(double))
        if tol >= 0.0:
            norm2 = 0.0
            for i in range(n):
                norm2 = norm2 + g[i] * g[i]
            if sqrt(norm2) < tol:
                return -1, it
        for i in range(n):
            xp[i] = xp[i] - lr * g[i]
        if pp != NULL:
            memcpy(pp + (it + 1) * n, xp, n * sizeof(double))
    return -1, count


def group_columns(Py_ssize_t n, col_ptr, col_rows, row_ptr, row_cols, groups):
    """Greedy column grouping (see fdgrad.h): column j's group into groups[j] (uintp arrays);
    returns the number of groups."""
    cdef const size_t[::1] cp = col_ptr, cr = col_rows, rp = row_ptr, rc = row_cols
    cdef size_t[::1] g = groups
    if cp.shape[0] != n + 1 or g.shape[0] != n or rp.shape[0] < 1 or cr.shape[0] != rc.shape[0]:
        raise ValueError("group_columns: inconsistent buffer sizes")
    if n == 0:
        return 0
    cdef size_t[::1] mark = np.empty(n, dtype=np.uintp)
    cdef size_t count
    cdef const size_t *crp = &cr[0] if cr.shape[0] else NULL
    cdef const size_t *rcp = &rc[0] if rc.shape[0] else NULL
    with nogil:
        count = fdgrad_group_columns(<size_t>n, &cp[0], crp, &rp[0], rcp, &g[0], &mark[0])
    return count


# The adaptive engine in the kernels (csrc/adaptive.c) over any evaluation: its arithmetic in C,
# f evaluated by the same Python callables the twin (fdgrad._adaptive) calls, in the same
# batches, so that threads, executors, a vectorized or native f, bounds and progress= are all
# served, and the results are the twin's bit for bit.

cdef fdgrad_adaptive_rule _RULES[3][5]
for _m, _side in enumerate((0, 1, -1)):
    for _n in range(1, 5):
        fill_rule(&_RULES[_m][_n], _adaptive.kernel_rule(_side, _n))


cdef class _Batches:
    """The ctx of a fdgrad_evaluator over Python callables: evaluate(h, offsets, lo, hi) and
    precision() as the twin takes them; for the Hessian, hessian_at(h) and diagonal_at(h)."""
    cdef object evaluate, precision, hessian_at, diagonal_at, error
    cdef cnp.ndarray h_all
    cdef Py_ssize_t n

    cdef int start(self, Py_ssize_t n) except -1:
        self.n = n
        self.h_all = np.zeros(n)
        return 0

    cdef fdgrad_evaluator evaluator(self):
        cdef fdgrad_evaluator ev
        ev.values, ev.precision, ev.hessian, ev.ctx = _batch_values, _batch_precision, _batch_hessian, <void *>self
        return ev

    cdef object raised(self):
        """The exception a callable raised (the engine stopped at it)."""
        error, self.error = self.error, None
        return error if error is not None else RuntimeError("an fdgrad kernel failed")


cdef int _copy_values(object values, Py_ssize_t size, double *out) except -1:
    a = np.ascontiguousarray(values, dtype=np.float64)
    memcpy(out, _data(a, size, False, b"adaptive values"), size * sizeof(double))
    return 0


cdef int _batch_values(void *ctx, double *x, size_t lo, size_t hi, const double *h, const double *offsets, int count,
                       size_t m, double *out) noexcept:
    cdef _Batches b = <_Batches>ctx
    cdef double *hp = <double *>cnp.PyArray_DATA(b.h_all)
    cdef size_t i
    try:
        for i in range(<size_t>b.n):
            hp[i] = h[i - lo] if lo <= i < hi else 0.0
        if b.evaluate is None:  # the Hessian's pilots: f at x +- h_i e_i
            values = b.diagonal_at(b.h_all)
        else:
            values = b.evaluate(b.h_all, tuple([offsets[k] for k in range(count)]), lo, hi)
        _copy_values(values, <Py_ssize_t>((hi - lo) * <size_t>count * m), out)
        return 0
    except BaseException as exc:
        b.error = exc
        return 1


cdef int _batch_precision(void *ctx, double *eps) noexcept:
    cdef _Batches b = <_Batches>ctx
    try:
        eps[0] = b.precision()
        return 0
    except BaseException as exc:
        b.error = exc
        return 1


cdef int _batch_hessian(void *ctx, double *x, size_t n, const double *h, double f0, double *out) noexcept:
    cdef _Batches b = <_Batches>ctx
    cdef cnp.ndarray steps = np.empty(<Py_ssize_t>n)
    try:
        memcpy(cnp.PyArray_DATA(steps), h, n * sizeof(double))
        _copy_values(b.hessian_at(steps), <Py_ssize_t>(n * n), out)
        return 0
    except BaseException as exc:
        b.error = exc
        return 1


cdef const double *_limit(object limit, Py_ssize_t n, list keep) except? NULL:
    if limit is None:
        return NULL
    a = np.ascontiguousarray(limit, dtype=np.float64)
    keep.append(a)
    return _data(a, n, False, b"limit")


def _default_precision():
    return _adaptive.EPS


def adaptive_derivative(evaluate, x, Py_ssize_t m, int side, f0, Py_ssize_t start, Py_ssize_t stop,
                        precision=_default_precision, int deriv=1, bint whole=False, limit=None):
    """(the twin's docstring, below)"""
    # fdgrad._adaptive.adaptive_derivative by the engine in the kernels: f evaluated by
    # evaluate(h, offsets, lo, hi) in the twin's batches, the results the twin's bit for bit
    cdef Py_ssize_t n = _size(x, b"adaptive_derivative")
    _check_range(n, start, stop)
    if m < 1 or side not in (-1, 0, 1) or not 1 <= deriv <= 4:
        raise ValueError("adaptive_derivative: m >= 1, side -1, 0 or 1 and deriv 1..4 are needed")
    cdef const fdgrad_adaptive_rule *r = &_RULES[(0, 1, -1).index(side)][deriv]
    cdef list keep = []
    cdef const double *f0p = NULL
    cdef size_t f0_row = 0
    if f0 is not None and r.centre == 0.0 and r.side == 0:
        f0 = None  # (not used by the rule: as the twin, which passes it to no arithmetic)
    if f0 is not None:
        f0a = np.ascontiguousarray(f0, dtype=np.float64)
        keep.append(f0a)
        f0_row = <size_t>m if f0a.ndim == 2 else 0
        f0p = _data(f0a, n * m if f0a.ndim == 2 else m, False, b"f0")
    cdef const double *lp = _limit(limit, n, keep)
    cdef double *xp = _data(x, n, False, b"adaptive_derivative")
    cdef cnp.ndarray work = np.empty(<Py_ssize_t>fdgrad_adaptive_work(r, <size_t>m, <size_t>(stop - start)))
    cdef cnp.ndarray value = np.empty((m, n)), error = np.empty((m, n)), step = np.empty((m, n))
    cdef cnp.ndarray converged = np.empty((m, n), dtype=np.uint8)
    cdef _Batches b = _Batches.__new__(_Batches)
    b.evaluate, b.precision = evaluate, precision
    b.start(n)
    cdef fdgrad_evaluator ev = b.evaluator()
    cdef int rc
    with np.errstate(all="ignore"):  # (as the twin evaluates its ladders: f's own warnings off)
        rc = fdgrad_adaptive_ladders(&ev, xp, <size_t>n, r, <size_t>m, f0p, f0_row, lp, whole, <size_t>start,
                                     <size_t>stop, <double *>cnp.PyArray_DATA(work), <double *>cnp.PyArray_DATA(value),
                                     <double *>cnp.PyArray_DATA(error), <double *>cnp.PyArray_DATA(step),
                                     <unsigned char *>cnp.PyArray_DATA(converged))
    if rc == FDGRAD_ECALLBACK:
        raise b.raised()
    _check_rc(rc)
    return _adaptive.AdaptiveResult(*(np.ascontiguousarray(a[:, start:stop].T)
                                      for a in (value, error, step, converged.view(np.bool_))))


def adaptive_hessian(hessian_at, diagonal_at, x, double f0, precision=_default_precision, limit=None):
    """(the twin's docstring, below)"""
    # fdgrad._adaptive.adaptive_hessian by the engine in the kernels, bit for bit
    cdef Py_ssize_t n = _size(x, b"adaptive_hessian")
    cdef const fdgrad_adaptive_rule *r = &_RULES[0][2]
    cdef list keep = []
    cdef const double *lp = _limit(limit, n, keep)
    cdef double *xp = _data(x, n, False, b"adaptive_hessian")
    cdef cnp.ndarray work = np.empty(<Py_ssize_t>fdgrad_adaptive_hessian_work(<size_t>n))
    cdef cnp.ndarray value = np.empty((n, n)), error = np.empty((n, n)), smallest = np.empty(n)
    cdef cnp.ndarray converged = np.empty((n, n), dtype=np.uint8)
    cdef _Batches b = _Batches.__new__(_Batches)
    b.evaluate, b.precision, b.hessian_at, b.diagonal_at = None, precision, hessian_at, diagonal_at
    b.start(n)
    cdef fdgrad_evaluator ev = b.evaluator()
    cdef int rc
    with np.errstate(all="ignore"):
        rc = fdgrad_adaptive_hessian_by(&ev, xp, <size_t>n, r, f0, lp, <double *>cnp.PyArray_DATA(work),
                                        <double *>cnp.PyArray_DATA(value), <double *>cnp.PyArray_DATA(error),
                                        <double *>cnp.PyArray_DATA(smallest),
                                        <unsigned char *>cnp.PyArray_DATA(converged))
    if rc == FDGRAD_ECALLBACK:
        raise b.raised()
    _check_rc(rc)
    return value, error, smallest, converged.view(np.bool_)


# (documented as the twin is: the same arguments and results)
for _name in ("adaptive_derivative", "adaptive_hessian"):
    globals()[_name].__doc__ = (globals()[_name].__doc__.split("\n", 1)[0] + "\n"
                                + getattr(_adaptive, _name).__doc__)
