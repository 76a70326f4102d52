# Cython declarations of csrc/fdgrad.h.  Keep this file in step with that header.

cdef extern from "fdgrad.h":
    # Not nogil: the thunk that calls a Python f is such an objective, and it
    # runs with the GIL held.
    ctypedef int (*fdgrad_objective)(void *ctx, const double *x, double *out) noexcept

cdef extern from "fdgrad.h" nogil:
    int FDGRAD_OK
    int FDGRAD_ECALLBACK
    int FDGRAD_EINVAL
    int FDGRAD_MAX_POINTS

    ctypedef struct fdgrad_stencil:
        int npoints
        int hpow
        double offsets[16]
        double weights[16]
        double denom

    int fdgrad_evaluate_range(fdgrad_objective f, void *ctx, double *x, size_t n, size_t m,
                              const double *h, const double *offsets, int npoints,
                              size_t start, size_t stop, double *out)

    int fdgrad_jacobian_range(fdgrad_objective f, void *ctx, double *x, size_t n, size_t m,
                              const double *h, const fdgrad_stencil *stencil, const double *f0,
                              size_t start, size_t stop, double *work, double *out)

    int fdgrad_complex_range(fdgrad_objective f, void *ctx, double *xz, size_t n, size_t m,
                             const double *h, size_t start, size_t stop, double *work,
                             double *out)

    int fdgrad_hessian_range(fdgrad_objective f, void *ctx, double *x, size_t n,
                             const double *h, double f0, const double *f1, int side,
                             size_t start, size_t stop, double *out)

    int fdgrad_combine(const fdgrad_stencil *stencil, const double *const *fvals,
                       const double *h, size_t n, double *out)
