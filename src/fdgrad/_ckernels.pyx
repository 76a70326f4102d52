# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: embedsignature=True, cdivision=True
"""The compiled kernels: a thin bridge from Python to csrc/fdgrad.c.

Same functions and arguments as fdgrad._pykernels (see its docstring); the
argument checking that both share happens before either is called.
"""

from cpython.exc cimport PyErr_CheckSignals
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport uintptr_t
from libc.string cimport memcpy
from posix.time cimport CLOCK_MONOTONIC, CLOCK_REALTIME, clock_gettime, timespec


cdef extern from "<pthread.h>" nogil:
    ctypedef unsigned long pthread_t
    ctypedef struct pthread_mutex_t:
        pass
    ctypedef struct pthread_cond_t:
        pass
    int pthread_create(pthread_t *thread, const void *attr, void *(*start)(void *) noexcept nogil, void *arg)
    int pthread_join(pthread_t thread, void **retval)
    int pthread_mutex_init(pthread_mutex_t *mutex, const void *attr)
    int pthread_mutex_destroy(pthread_mutex_t *mutex)
    int pthread_mutex_lock(pthread_mutex_t *mutex)
    int pthread_mutex_unlock(pthread_mutex_t *mutex)
    int pthread_cond_init(pthread_cond_t *cond, const void *attr)
    int pthread_cond_destroy(pthread_cond_t *cond)
    int pthread_cond_signal(pthread_cond_t *cond)
    int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex, const timespec *abstime)

from types import BuiltinFunctionType, FunctionType, MethodType

import numpy as np

from fdgrad._cfdgrad cimport (
    FDGRAD_ECALLBACK,
    FDGRAD_ESTOPPED,
    FDGRAD_MAX_POINTS,
    FDGRAD_NATIVE_SCALAR,
    FDGRAD_NATIVE_SCALAR_DATA,
    FDGRAD_NATIVE_VECTOR,
    FDGRAD_NATIVE_VECTOR_DATA,
    FDGRAD_OK,
    fdgrad_combine,
    fdgrad_combine_range,
    fdgrad_complex_range,
    fdgrad_default_steps,
    fdgrad_evaluate_range,
    fdgrad_hessian_range,
    fdgrad_jacobian_range,
    fdgrad_native,
    fdgrad_native_objective,
    fdgrad_native_scalar,
    fdgrad_native_scalar_data,
    fdgrad_native_vector,
    fdgrad_native_vector_data,
    fdgrad_objective,
    fdgrad_stencil,
    fdgrad_stencil_points,
)

from fdgrad._checks import scalar_value, zero_step_error
from fdgrad._native import NativeFunction, cached_native_function
from fdgrad._parallel import Halted, run_copies

__all__ = [
    "StopFlag",
    "descent",
    "quick_gradient",
    "combine",
    "combine_range",
    "complex_range",
    "default_steps",
    "evaluate_range",
    "hessian_range",
    "jacobian_range",
    "stencil_points",
]


cdef class StopFlag:
    """A flag the loops of one call check before every evaluation of f."""
    cdef int flag

    def set(self):
        """Ask every loop sharing this flag to stop."""
        self.flag = 1

    def is_set(self):
        """Whether the loops were asked to stop."""
        return self.flag != 0


cdef class _PyObjective:
    """A Python f seen from C: the callable, the array it is called with, how
    its values become doubles, and the exception it raised, if any."""
    cdef object f
    cdef object view
    cdef object convert
    cdef object error
    cdef Py_ssize_t m
    cdef bint fast  # m == 1 and a float value (or subclass) needs no conversion
    cdef StopFlag halt

    def __cinit__(self, f, view, convert, Py_ssize_t m, bint fast, StopFlag halt):
        self.f = f
        self.view = view
        self.convert = convert
        self.error = None
        self.m = m
        self.fast = fast and m == 1
        self.halt = halt


cdef int _call_python(void *ctx, const double *x, double *out) noexcept:
    # Runs with the GIL held (a loop over a Python f never releases it).
    # x is not read: the kernel perturbs the buffer that obj.view wraps.
    cdef _PyObjective obj = <_PyObjective>ctx
    cdef const double[::1] values
    cdef Py_ssize_t j
    try:
        if obj.halt is not None and obj.halt.flag:
            raise Halted("stopped: another part of this call failed or was interrupted")
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


cdef struct Finish:
    # How many parts have finished, guarded by lock; changed signals it.
    pthread_mutex_t lock
    pthread_cond_t changed
    int finished


cdef struct Part:
    # One piece of a native loop on a thread of its own, over its own copy of x.
    Job job
    fdgrad_native native
    size_t a
    size_t b
    int rc
    bint started
    pthread_t thread
    Finish *finish


cdef void *_part_main(void *arg) noexcept nogil:
    cdef Part *part = <Part *>arg
    part.job.ctx = <void *>&part.native
    part.rc = _job_range(&part.job, part.a, part.b)
    pthread_mutex_lock(&part.finish.lock)
    part.finish.finished += 1
    pthread_cond_signal(&part.finish.changed)
    pthread_mutex_unlock(&part.finish.lock)
    return NULL


cdef bint _wait_finished(Finish *finish, int expected) noexcept nogil:
    """Wait up to 20 ms for `expected` parts to finish; whether they have."""
    cdef timespec deadline
    clock_gettime(CLOCK_REALTIME, &deadline)
    deadline.tv_nsec += 20000000
    if deadline.tv_nsec >= 1000000000:
        deadline.tv_sec += 1
        deadline.tv_nsec -= 1000000000
    pthread_mutex_lock(&finish.lock)
    while finish.finished < expected:
        if pthread_cond_timedwait(&finish.changed, &finish.lock, &deadline) != 0:
            break
    cdef bint done = finish.finished >= expected
    pthread_mutex_unlock(&finish.lock)
    return done


cdef class _Objective:
    """The objective of one kernel call: a Python f, or a native one."""
    cdef _PyObjective py
    cdef fdgrad_native native
    cdef bint is_native
    cdef int local_stop

    def __cinit__(self, f, view, convert, Py_ssize_t m, bint fast, StopFlag halt, Py_ssize_t n):
        cdef uintptr_t address
        if isinstance(f, NativeFunction):
            self.is_native = True
            address = f.address
            self.native.kind = f.kind
            if f.kind == FDGRAD_NATIVE_SCALAR:
                self.native.scalar = <fdgrad_native_scalar>address
            elif f.kind == FDGRAD_NATIVE_SCALAR_DATA:
                self.native.scalar_data = <fdgrad_native_scalar_data>address
            elif f.kind == FDGRAD_NATIVE_VECTOR:
                self.native.vector = <fdgrad_native_vector>address
            elif f.kind == FDGRAD_NATIVE_VECTOR_DATA:
                self.native.vector_data = <fdgrad_native_vector_data>address
            else:
                raise ValueError(f"unknown native kind {f.kind}")
            self.native.user_data = <void *><uintptr_t>f.user_data
            self.native.n = <int>n
            self.native.m = <int>m
            self.native.stop = &halt.flag if halt is not None else &self.local_stop
        else:
            self.is_native = False
            self.py = _PyObjective(f, view, convert, m, fast, halt)

    cdef int run(self, Job *job, size_t start, size_t stop) except -1:
        """Run job over [start, stop): a Python f in one go with the GIL held;
        a native f without the GIL, in chunks of about 20 ms between which
        Ctrl-C is noticed."""
        cdef int rc
        cdef size_t a = start, b, chunk = 1
        cdef double elapsed
        if not self.is_native:
            job.f = _call_python
            job.ctx = <void *>self.py
            rc = _job_range(job, start, stop)
            if rc == FDGRAD_ECALLBACK and self.py.error is not None:
                raise self.py.error
            return _check_rc(rc, "kernel")
        job.f = fdgrad_native_objective
        job.ctx = <void *>&self.native
        while a < stop:
            b = stop if stop - a < chunk else a + chunk
            t0 = _seconds()
            with nogil:
                rc = _job_range(job, a, b)
            if rc == FDGRAD_ECALLBACK and self.native.stop[0]:
                raise Halted("stopped: another part of this call failed or was interrupted")
            _check_rc(rc, "kernel")
            PyErr_CheckSignals()
            elapsed = _seconds() - t0
            if elapsed < 0.005:
                chunk *= 4
            elif elapsed > 0.05 and chunk > 1:
                chunk //= 4
            a = b
        return 0

    cdef int run_parts(self, Job *job, parts) except -1:
        """Run job over every (lo, hi) of parts at once: a native f on POSIX
        threads (no GIL), the first part on this thread, which keeps noticing
        Ctrl-C and stops the others through the shared stop flag."""
        cdef Py_ssize_t k, count = len(parts)
        cdef size_t n = job.n
        cdef size_t scratch = <size_t>(job.stencil.npoints) * job.m if job.which == JACOBIAN else 1
        cdef Part *state = <Part *>PyMem_Malloc(count * sizeof(Part))
        cdef double *copies = <double *>PyMem_Malloc(count * (n + scratch) * sizeof(double))
        cdef Finish finish
        cdef int started = 0
        cdef bint done
        if state == NULL or copies == NULL:
            PyMem_Free(state)
            PyMem_Free(copies)
            raise MemoryError()
        pthread_mutex_init(&finish.lock, NULL)
        pthread_cond_init(&finish.changed, NULL)
        finish.finished = 0
        try:
            for k in range(1, count):
                state[k].job = job[0]
                state[k].job.f = fdgrad_native_objective
                state[k].job.x = copies + k * (n + scratch)
                state[k].job.work = state[k].job.x + n
                memcpy(state[k].job.x, job.x, n * sizeof(double))
                state[k].native = self.native
                state[k].a, state[k].b = parts[k]
                state[k].rc, state[k].started, state[k].finish = FDGRAD_OK, False, &finish
            try:
                for k in range(1, count):
                    state[k].started = pthread_create(&state[k].thread, NULL, _part_main, &state[k]) == 0
                    if not state[k].started:
                        raise OSError("could not start a worker thread")
                    started += 1
                self.run(job, parts[0][0], parts[0][1])
                while True:  # the others, noticing Ctrl-C every 20 ms
                    with nogil:
                        done = _wait_finished(&finish, started)
                    if done:
                        break
                    PyErr_CheckSignals()
            except BaseException:
                self.native.stop[0] = 1
                raise
            finally:
                for k in range(1, count):
                    if state[k].started:
                        with nogil:
                            pthread_join(state[k].thread, NULL)
            for k in range(1, count):
                if state[k].rc == FDGRAD_ECALLBACK and self.native.stop[0]:
                    raise Halted("stopped: another part of this call failed or was interrupted")
                _check_rc(state[k].rc, "kernel")
        finally:
            pthread_cond_destroy(&finish.changed)
            pthread_mutex_destroy(&finish.lock)
            PyMem_Free(state)
            PyMem_Free(copies)
        return 0


cdef int _run_job(_Objective obj, Job *job, Py_ssize_t start, Py_ssize_t stop, parts) except -1:
    """job over [start, stop), or over parts at once (each on its own copy of x)."""
    if parts is None or len(parts) < 2:
        return obj.run(job, start, stop)
    if obj.is_native:
        return obj.run_parts(job, parts)
    raise AssertionError("a Python f runs its parts through run_copies")


cdef double _reach(const fdgrad_stencil *s) noexcept nogil:
    """The largest |offset| of a stencil."""
    cdef double reach = 1.0
    cdef int k
    for k in range(s.npoints):
        if s.offsets[k] > reach:
            reach = s.offsets[k]
        elif -s.offsets[k] > reach:
            reach = -s.offsets[k]
    return reach


cdef bint _python_parts(f, parts):
    """Whether parts are to run on Python threads: a Python f (a native one gets POSIX threads)."""
    return parts is not None and len(parts) > 1 and not isinstance(f, NativeFunction)


cdef int _check_rc(int rc, str name) except -1:
    if rc != FDGRAD_OK:
        raise RuntimeError(f"fdgrad {name} failed with code {rc}")
    return 0


cdef double _seconds() noexcept nogil:
    cdef timespec now
    clock_gettime(CLOCK_MONOTONIC, &now)
    return now.tv_sec + 1e-9 * now.tv_nsec


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


def evaluate_range(f, convert, double[::1] x, view, Py_ssize_t m, const double[::1] h, offsets,
                   Py_ssize_t start, Py_ssize_t stop, double[::1] out, StopFlag halt=None, parts=None):
    """out[((i - start) * len(offsets) + k) * m + j] = f_j at x_i + offsets[k] * h[i].

    parts, if given, splits [start, stop) into pieces run at once, each on its
    own copy of x (halt: the flag they share)."""
    if _python_parts(f, parts):
        halt = halt if halt is not None else StopFlag()
        base = np.asarray(out)
        width = len(offsets) * m
        run_copies(lambda w, v, lo, hi: evaluate_range(f, convert, w, v, m, h, offsets, lo, hi,
                                                        base[(lo - start) * width:(hi - start) * width], halt),
                   np.asarray(x), view, parts, halt)
        return
    cdef Py_ssize_t n = x.shape[0], k, npoints = len(offsets)
    _check_range(n, start, stop)
    if h.shape[0] != n or m < 1 or npoints < 1 or out.shape[0] != (stop - start) * npoints * m:
        raise ValueError("evaluate_range: inconsistent buffer sizes")
    if start == stop:
        return
    cdef Scratch offs = Scratch(npoints)
    for k in range(npoints):
        offs.data[k] = offsets[k]
    cdef _Objective obj = _Objective(f, view, convert, m, True, halt, n)
    cdef Job job
    job.which, job.x, job.n, job.m, job.h = EVALUATE, &x[0], n, m, &h[0]
    job.offsets, job.npoints, job.out, job.start = offs.data, <int>npoints, &out[0], start
    _run_job(obj, &job, start, stop, parts)


def jacobian_range(f, convert, double[::1] x, view, Py_ssize_t m, const double[::1] h, stencil,
                   const double[::1] f0, Py_ssize_t start, Py_ssize_t stop, double[::1] out,
                   StopFlag halt=None, parts=None):
    """out[j * n + i] = the stencil derivative of f_j along x_i; f0 = f(x)."""
    if _python_parts(f, parts):
        halt = halt if halt is not None else StopFlag()
        run_copies(lambda w, v, lo, hi: jacobian_range(f, convert, w, v, m, h, stencil, f0, lo, hi, out, halt),
                   np.asarray(x), view, parts, halt)
        return
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    cdef Py_ssize_t n = x.shape[0]
    _check_range(n, start, stop)
    if h.shape[0] != n or m < 1 or f0.shape[0] != m or out.shape[0] != m * n:
        raise ValueError("jacobian_range: inconsistent buffer sizes")
    if start == stop:
        return
    cdef _Objective obj = _Objective(f, view, convert, m, True, halt, n)
    cdef Scratch work = Scratch(s.npoints * m)
    cdef Job job
    job.which, job.x, job.n, job.m, job.h = JACOBIAN, &x[0], n, m, &h[0]
    job.stencil, job.f0, job.work, job.out, job.start = &s, &f0[0], work.data, &out[0], start
    _run_job(obj, &job, start, stop, parts)


def complex_range(f, convert, xz, view, Py_ssize_t m, const double[::1] h,
                  Py_ssize_t start, Py_ssize_t stop, double[::1] out, StopFlag halt=None, parts=None):
    """out[j * n + i] = Im f_j(x + i h[i] e_i) / h[i]; xz is x as complex128."""
    if _python_parts(f, parts):
        halt = halt if halt is not None else StopFlag()
        run_copies(lambda w, v, lo, hi: complex_range(f, convert, w, v, m, h, lo, hi, out, halt),
                   xz, view, parts, halt)
        return
    cdef double[::1] xd = xz.view("float64")
    cdef Py_ssize_t n = xd.shape[0] // 2
    _check_range(n, start, stop)
    if h.shape[0] != n or m < 1 or out.shape[0] != m * n:
        raise ValueError("complex_range: inconsistent buffer sizes")
    if start == stop:
        return
    cdef _Objective obj = _Objective(f, view, convert, m, False, halt, n)
    cdef Scratch work = Scratch(m)
    cdef Job job
    job.which, job.x, job.n, job.m, job.h = COMPLEX, &xd[0], n, m, &h[0]
    job.work, job.out, job.start = work.data, &out[0], start
    _run_job(obj, &job, start, stop, parts)


def hessian_range(f, convert, double[::1] x, view, const double[::1] h, double f0,
                  const double[::1] f1, int side, Py_ssize_t start, Py_ssize_t stop, double[::1] out,
                  StopFlag halt=None, parts=None):
    """Hessian entries start..stop-1 of the upper triangle, row by row, mirrored (see fdgrad.h)."""
    if _python_parts(f, parts):
        halt = halt if halt is not None else StopFlag()
        run_copies(lambda w, v, lo, hi: hessian_range(f, convert, w, v, h, f0, f1, side, lo, hi, out, halt),
                   np.asarray(x), view, parts, halt)
        return
    cdef Py_ssize_t n = x.shape[0]
    _check_range(n * (n + 1) // 2, start, stop)
    if h.shape[0] != n or out.shape[0] != n * n or (side != 0 and f1.shape[0] != n):
        raise ValueError("hessian_range: inconsistent buffer sizes")
    if start == stop:
        return
    cdef _Objective obj = _Objective(f, view, convert, 1, True, halt, n)
    cdef Job job
    job.which, job.x, job.n, job.m, job.h = HESSIAN, &x[0], n, 1, &h[0]
    job.f0_scalar, job.f1, job.side, job.out, job.start = f0, (&f1[0] if side != 0 else NULL), side, &out[0], start
    _run_job(obj, &job, start, stop, parts)


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
        _check_rc(rc, "combine")
    finally:
        PyMem_Free(ptrs)


def combine_range(stencil, const double[::1] values, Py_ssize_t m, const double[::1] h,
                  Py_ssize_t start, Py_ssize_t stop, double[::1] out):
    """out[j * n + i] = the stencil derivative from values[((i - start) * npoints + k) * m + j]."""
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    cdef Py_ssize_t n = h.shape[0]
    _check_range(n, start, stop)
    if m < 1 or values.shape[0] != (stop - start) * s.npoints * m or out.shape[0] != m * n:
        raise ValueError("combine_range: inconsistent buffer sizes")
    if start == stop:
        return
    cdef int rc
    with nogil:
        rc = fdgrad_combine_range(&s, &values[0], <size_t>m, &h[0], <size_t>n, <size_t>start, <size_t>stop,
                                  &out[0])
    _check_rc(rc, "combine_range")


def stencil_points(const double[::1] x, const double[::1] h, offsets, Py_ssize_t start, Py_ssize_t stop,
                   double[::1] points):
    """Row (i - start) * len(offsets) + k of points: x with x_i + offsets[k] * h[i]."""
    cdef Py_ssize_t n = x.shape[0], k, npoints = len(offsets)
    _check_range(n, start, stop)
    if h.shape[0] != n or npoints < 1 or points.shape[0] != (stop - start) * npoints * n:
        raise ValueError("stencil_points: inconsistent buffer sizes")
    if start == stop:
        return
    cdef Scratch offs = Scratch(npoints)
    for k in range(npoints):
        offs.data[k] = offsets[k]
    cdef int rc
    with nogil:
        rc = fdgrad_stencil_points(&x[0], <size_t>n, &h[0], offs.data, <int>npoints, <size_t>start,
                                   <size_t>stop, &points[0])
    _check_rc(rc, "stencil_points")


def default_steps(const double[::1] x, double rel_step, double reach, double[::1] out):
    """out = (x + c) - x with c = min(rel_step * max(1, |x|), (DBL_MAX - |x|) / reach / 2); 0 past DBL_MAX."""
    if out.shape[0] != x.shape[0]:
        raise ValueError("default_steps: inconsistent buffer sizes")
    if x.shape[0]:
        fdgrad_default_steps(&x[0], <size_t>x.shape[0], rel_step, reach, &out[0])


_FLOAT64 = np.dtype(np.float64)
_PLAIN_CALLABLES = (FunctionType, MethodType, BuiltinFunctionType, np.ufunc)


def quick_gradient(f, x, stencil):
    """The gradient for the commonest call, or None when it does not apply.

    Applies to a plain Python function or a native scalar f and a non-empty,
    finite float64 ndarray x with the default step; anything else returns
    None and goes through the general path, which checks and reports
    everything.  The arithmetic is the general path's: default steps
    (x + c max(1, |x|)) - x, f(x) only for zero offsets, the same stencil loop.
    """
    if type(x) is not np.ndarray or x.dtype is not _FLOAT64:
        return None
    if not isinstance(f, _PLAIN_CALLABLES):
        try:
            f = cached_native_function(f)
        except TypeError:  # a native f of the wrong signature: the general path says so
            return None
        if f is None or f.vector:
            return None
    shape = x.shape
    if len(shape) == 0 or x.size == 0:
        return None
    work = x.flatten()
    cdef double[::1] w = work
    cdef Py_ssize_t i, n = w.shape[0]
    for i in range(n):
        if not (w[i] - w[i] == 0.0):  # NaN or inf: the general path says so
            return None
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    both = np.empty(2 * n)  # the steps, then the gradient
    cdef double[::1] hv = both
    cdef double[::1] o = hv[n:]
    fdgrad_default_steps(&w[0], <size_t>n, stencil.rel_step, _reach(&s), &hv[0])
    for i in range(n):
        if hv[i] == 0.0:  # no room for a step: the general path says so
            return None
    if isinstance(f, NativeFunction):
        view = None  # C reads the buffer itself
    else:
        view = work.reshape(shape) if len(shape) > 1 else work[:]
        view.flags.writeable = False
    cdef _Objective obj = _Objective(f, view, scalar_value, 1, True, None, n)
    cdef double f0 = 0.0
    for i in range(s.npoints):
        if s.offsets[i] == 0.0:  # the stencil uses f(x): evaluate it once
            if obj.is_native:
                fdgrad_native_objective(&obj.native, &w[0], &f0)
            else:
                value = f(view)
                f0 = value if isinstance(value, float) else scalar_value(value)
            break
    cdef double scratch[16]  # FDGRAD_MAX_POINTS doubles
    cdef Job job
    job.which, job.x, job.n, job.m, job.h = JACOBIAN, &w[0], n, 1, &hv[0]
    job.stencil, job.f0, job.work, job.out, job.start = &s, &f0, scratch, &o[0], 0
    obj.run(&job, 0, n)
    out = both[n:]
    return out.reshape(shape) if len(shape) > 1 else out


def descent(f, double[::1] x, view, stencil, fixed_h, double lr, Py_ssize_t count, path):
    """count steps of x -= lr * gradient(f, x) for a native scalar f, in place.

    fixed_h is the step of every coordinate, or None for the default step at
    every iterate; path, if not None, is a (count + 1, n) array whose rows
    1..count receive the iterates.  The arithmetic is the shared Python
    loop's, step for step.
    """
    cdef Py_ssize_t n = x.shape[0], i, it
    cdef fdgrad_stencil s
    _fill_stencil(&s, stencil)
    cdef double rel = stencil.rel_step
    hs = np.empty(n) if fixed_h is None else np.ascontiguousarray(fixed_h, dtype=np.float64)
    grad = np.empty(n)
    cdef double[::1] hv = hs
    cdef double[::1] g = grad
    cdef double[:, ::1] p = path if path is not None else None
    if hv.shape[0] != n or (path is not None and (p.shape[0] != count + 1 or p.shape[1] != n)):
        raise ValueError("descent: inconsistent buffer sizes")
    cdef _Objective obj = _Objective(f, view, scalar_value, 1, True, None, n)
    if not obj.is_native:
        raise TypeError("descent runs a native f")
    cdef bint needs_f0 = False
    for i in range(s.npoints):
        needs_f0 = needs_f0 or s.offsets[i] == 0.0
    cdef double f0 = 0.0
    cdef double scratch[16]  # FDGRAD_MAX_POINTS doubles
    cdef Job job
    job.which, job.x, job.n, job.m, job.h = JACOBIAN, &x[0], n, 1, &hv[0]
    job.stencil, job.f0, job.work, job.out, job.start = &s, &f0, scratch, &g[0], 0
    for it in range(count):
        with nogil:
            if fixed_h is None:
                fdgrad_default_steps(&x[0], <size_t>n, rel, _reach(&s), &hv[0])
            if needs_f0:
                fdgrad_native_objective(&obj.native, &x[0], &f0)
        if fixed_h is None:
            for i in range(n):
                if hv[i] == 0.0:
                    raise zero_step_error(i, x[i], view.shape)
        obj.run(&job, 0, n)
        with nogil:
            for i in range(n):
                x[i] = x[i] - lr * g[i]
        if path is not None:
            p[it + 1, :] = x
