# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: embedsignature=True, cdivision=True
"""The compiled kernels: a thin bridge from Python to csrc/fdgrad.c.

Same functions and arguments as fdgrad._pykernels; the argument checking that
both share happens before either is called (see fdgrad._api).
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc

from fdgrad._cfdgrad cimport (
    FDGRAD_ECALLBACK,
    FDGRAD_MAX_POINTS,
    FDGRAD_OK,
    fdgrad_combine,
    fdgrad_gradient_range,
    fdgrad_stencil,
)

__all__ = ["combine", "gradient_range"]


cdef class _PyObjective:
    """A Python f seen from C: the callable, the array it is called with, and
    the exception it raised, if any."""
    cdef object f
    cdef object view
    cdef object convert
    cdef object error

    def __cinit__(self, f, view, convert):
        self.f = f
        self.view = view
        self.convert = convert
        self.error = None


cdef int _call_python(void *ctx, const double *x, double *out) noexcept:
    # Runs with the GIL held (the loop over a Python f never releases it).
    # x is not read: the kernel perturbs the buffer that obj.view wraps.
    cdef _PyObjective obj = <_PyObjective>ctx
    try:
        value = obj.f(obj.view)
        if type(value) is float:
            out[0] = <double>value
        else:
            out[0] = <double>obj.convert(value)
        return 0
    except BaseException as exc:
        obj.error = exc
        return -1


cdef int _fill_stencil(fdgrad_stencil *s, stencil) except -1:
    offsets, weights, denom = stencil[0], stencil[1], stencil[2]
    cdef Py_ssize_t k, npoints = len(offsets)
    if npoints < 1 or npoints > FDGRAD_MAX_POINTS or len(weights) != npoints:
        raise ValueError(f"a stencil needs 1 to {FDGRAD_MAX_POINTS} points, got {npoints}")
    s.npoints = <int>npoints
    for k in range(npoints):
        s.offsets[k] = offsets[k]
        s.weights[k] = weights[k]
    s.denom = denom
    return 0


def gradient_range(f, convert, double[::1] x, view, const double[::1] h, stencil,
                   double f0, double[::1] out, Py_ssize_t start, Py_ssize_t stop):
    """Partial derivatives for coordinates start..stop-1 into out.

    x is the flat working buffer and view the array (of x's shape, sharing
    x's memory) that f is called with.  x[i] is restored before the next
    coordinate and when f raises; f's exception propagates unchanged.
    """
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    cdef Py_ssize_t n = x.shape[0]
    if h.shape[0] != n or out.shape[0] != n or not 0 <= start <= stop <= n:
        raise ValueError("gradient_range: inconsistent buffer sizes or range")
    if start == stop:
        return
    cdef _PyObjective obj = _PyObjective(f, view, convert)
    cdef int rc = fdgrad_gradient_range(_call_python, <void *>obj, &x[0], <size_t>n, &h[0], &s,
                                        f0, <size_t>start, <size_t>stop, &out[0])
    if rc == FDGRAD_ECALLBACK:
        raise obj.error
    if rc != FDGRAD_OK:
        raise RuntimeError(f"fdgrad_gradient_range failed with code {rc}")


def combine(stencil, fvals, const double[::1] h, double[::1] out):
    """out[j] = sum_k w_k fvals[k][j] / (denom h[j]), elementwise."""
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
