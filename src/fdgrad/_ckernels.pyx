# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: embedsignature=True, cdivision=True
"""The compiled kernels: a thin bridge from Python to csrc/fdgrad.c.

Same functions and arguments as fdgrad._pykernels (see its docstring); the
argument checking that both share happens before either is called.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc

from fdgrad._cfdgrad cimport (
    FDGRAD_ECALLBACK,
    FDGRAD_MAX_POINTS,
    FDGRAD_OK,
    fdgrad_combine,
    fdgrad_complex_range,
    fdgrad_evaluate_range,
    fdgrad_hessian_range,
    fdgrad_jacobian_range,
    fdgrad_stencil,
)

__all__ = ["combine", "complex_range", "evaluate_range", "hessian_range", "jacobian_range"]


cdef class _PyObjective:
    """A Python f seen from C: the callable, the array it is called with, how
    its values become doubles, and the exception it raised, if any."""
    cdef object f
    cdef object view
    cdef object convert
    cdef object error
    cdef Py_ssize_t m
    cdef bint fast  # m == 1 and a float value (or subclass) needs no conversion

    def __cinit__(self, f, view, convert, Py_ssize_t m, bint fast):
        self.f = f
        self.view = view
        self.convert = convert
        self.error = None
        self.m = m
        self.fast = fast and m == 1


cdef int _call_python(void *ctx, const double *x, double *out) noexcept:
    # Runs with the GIL held (a loop over a Python f never releases it).
    # x is not read: the kernel perturbs the buffer that obj.view wraps.
    cdef _PyObjective obj = <_PyObjective>ctx
    cdef const double[::1] values
    cdef Py_ssize_t j
    try:
        value = obj.f(obj.view)
        if obj.fast and isinstance(value, float):  # float and numpy.float64
            out[0] = <double>value
        elif obj.m == 1:
            out[0] = <double>obj.convert(value)
        else:
            values = obj.convert(value)
            for j in range(obj.m):
                out[j] = values[j]
        return 0
    except BaseException as exc:
        obj.error = exc
        return -1


cdef int _fill_stencil(fdgrad_stencil *s, stencil) except -1:
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
    return 0


cdef int _check(int rc, _PyObjective obj, str name) except -1:
    if rc == FDGRAD_ECALLBACK:
        raise obj.error
    if rc != FDGRAD_OK:
        raise RuntimeError(f"{name} failed with code {rc}")
    return 0


cdef int _check_range(Py_ssize_t n, Py_ssize_t start, Py_ssize_t stop) except -1:
    if not 0 <= start <= stop <= n:
        raise ValueError(f"coordinate range [{start}, {stop}) is not within [0, {n})")
    return 0


def evaluate_range(f, convert, double[::1] x, view, Py_ssize_t m, const double[::1] h, offsets,
                   Py_ssize_t start, Py_ssize_t stop, double[::1] out):
    """out[((i - start) * len(offsets) + k) * m + j] = f_j at x_i + offsets[k] * h[i]."""
    cdef Py_ssize_t n = x.shape[0], k, npoints = len(offsets)
    _check_range(n, start, stop)
    if h.shape[0] != n or m < 1 or npoints < 1 or out.shape[0] != (stop - start) * npoints * m:
        raise ValueError("evaluate_range: inconsistent buffer sizes")
    if start == stop:
        return
    cdef Scratch offs = Scratch(npoints)
    for k in range(npoints):
        offs.data[k] = offsets[k]
    cdef _PyObjective obj = _PyObjective(f, view, convert, m, True)
    _check(fdgrad_evaluate_range(_call_python, <void *>obj, &x[0], <size_t>n, <size_t>m, &h[0],
                                 offs.data, <int>npoints, <size_t>start, <size_t>stop, &out[0]),
           obj, "fdgrad_evaluate_range")


def jacobian_range(f, convert, double[::1] x, view, Py_ssize_t m, const double[::1] h, stencil,
                   const double[::1] f0, Py_ssize_t start, Py_ssize_t stop, double[::1] out):
    """out[j * n + i] = the stencil derivative of f_j along x_i; f0 = f(x)."""
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    cdef Py_ssize_t n = x.shape[0]
    _check_range(n, start, stop)
    if h.shape[0] != n or m < 1 or f0.shape[0] != m or out.shape[0] != m * n:
        raise ValueError("jacobian_range: inconsistent buffer sizes")
    if start == stop:
        return
    cdef _PyObjective obj = _PyObjective(f, view, convert, m, True)
    cdef Scratch work = Scratch(s.npoints * m)
    _check(fdgrad_jacobian_range(_call_python, <void *>obj, &x[0], <size_t>n, <size_t>m, &h[0], &s,
                                 &f0[0], <size_t>start, <size_t>stop, work.data, &out[0]),
           obj, "fdgrad_jacobian_range")


def complex_range(f, convert, xz, view, Py_ssize_t m, const double[::1] h,
                  Py_ssize_t start, Py_ssize_t stop, double[::1] out):
    """out[j * n + i] = Im f_j(x + i h[i] e_i) / h[i]; xz is x as complex128."""
    cdef double[::1] xd = xz.view("float64")
    cdef Py_ssize_t n = xd.shape[0] // 2
    _check_range(n, start, stop)
    if h.shape[0] != n or m < 1 or out.shape[0] != m * n:
        raise ValueError("complex_range: inconsistent buffer sizes")
    if start == stop:
        return
    cdef _PyObjective obj = _PyObjective(f, view, convert, m, False)
    cdef Scratch work = Scratch(m)
    _check(fdgrad_complex_range(_call_python, <void *>obj, &xd[0], <size_t>n, <size_t>m, &h[0],
                                <size_t>start, <size_t>stop, work.data, &out[0]),
           obj, "fdgrad_complex_range")


def hessian_range(f, convert, double[::1] x, view, const double[::1] h, double f0,
                  const double[::1] f1, int side, Py_ssize_t start, Py_ssize_t stop, double[::1] out):
    """Hessian rows start..stop-1, symmetric by construction (see fdgrad.h)."""
    cdef Py_ssize_t n = x.shape[0]
    _check_range(n, start, stop)
    if h.shape[0] != n or out.shape[0] != n * n or (side != 0 and f1.shape[0] != n):
        raise ValueError("hessian_range: inconsistent buffer sizes")
    if start == stop:
        return
    cdef const double *f1p = &f1[0] if side != 0 else NULL
    cdef _PyObjective obj = _PyObjective(f, view, convert, 1, True)
    _check(fdgrad_hessian_range(_call_python, <void *>obj, &x[0], <size_t>n, &h[0], f0, f1p, side,
                                <size_t>start, <size_t>stop, &out[0]),
           obj, "fdgrad_hessian_range")


def combine(stencil, fvals, const double[::1] h, double[::1] out):
    """out[j] = sum_k w_k fvals[k][j] / (denom h[j]^hpow), elementwise."""
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    cdef Py_ssize_t n = h.shape[0]
    cdef Py_ssize_t k, npoints = s.npoints
    if len(fvals) != npoints or out.shape[0] != n:
        raise ValueError("combine: inconsistent buffer sizes")
    cdef const double[::1] column
    cdef int rc
    cdef const double **ptrs = <const double **>PyMem_Malloc(npoints * sizeof(double *))
    if ptrs == NULL:
        raise MemoryError()
    # fvals keeps the arrays alive while C reads them through ptrs.
    try:
        for k in range(npoints):
            column = fvals[k]
            if column.shape[0] != n:
                raise ValueError("combine: inconsistent buffer sizes")
            ptrs[k] = &column[0]
        with nogil:
            rc = fdgrad_combine(&s, ptrs, &h[0], <size_t>n, &out[0])
        if rc != FDGRAD_OK:
            raise RuntimeError(f"fdgrad_combine failed with code {rc}")
    finally:
        PyMem_Free(ptrs)


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
