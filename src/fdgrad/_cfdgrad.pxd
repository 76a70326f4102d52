# Cython declarations of csrc/fdgrad.h.  Keep this file in step with that header.

cdef extern from "fdgrad.h":
    # Not nogil: the thunk that calls a Python f is such an objective, and it
    # runs with the GIL held.
    ctypedef int (*fdgrad_objective)(void *ctx, const double *x, double *out) noexcept

cdef extern from "fdgrad.h" nogil:
    int FDGRAD_OK
    int FDGRAD_ECALLBACK
    int FDGRAD_EINVAL
    int FDGRAD_ESTOPPED
    int FDGRAD_MAX_POINTS
    int FDGRAD_NATIVE_SCALAR
    int FDGRAD_NATIVE_SCALAR_DATA
    int FDGRAD_NATIVE_VECTOR
    int FDGRAD_NATIVE_VECTOR_DATA

    ctypedef struct fdgrad_stencil:
        int npoints
        int hpow
        double offsets[16]
        double weights[16]
        double denom

    ctypedef double (*fdgrad_native_scalar)(int n, double *x)
    ctypedef double (*fdgrad_native_scalar_data)(int n, double *x, void *user_data)
    ctypedef void (*fdgrad_native_vector)(int n, double *x, int m, double *out)
    ctypedef void (*fdgrad_native_vector_data)(int n, double *x, int m, double *out, void *user_data)

    ctypedef struct fdgrad_native:
        int kind
        fdgrad_native_scalar scalar
        fdgrad_native_scalar_data scalar_data
        fdgrad_native_vector vector
        fdgrad_native_vector_data vector_data
        void *user_data
        int n
        int m
        volatile int *stop

    int fdgrad_native_objective(void *ctx, const double *x, double *out)

    double fdgrad_seconds()

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

    int fdgrad_combine_range(const fdgrad_stencil *stencil, const double *values, size_t m,
                             const double *h, size_t n, size_t start, size_t stop, double *out)

    int fdgrad_stencil_points(const double *x, size_t n, const double *h, const double *offsets,
                              int npoints, size_t start, size_t stop, double *points)

    int fdgrad_hessian_points(const double *x, size_t n, const double *h, int side, size_t start,
                              size_t stop, double *points, size_t *count)

    int fdgrad_hessian_combine(const double *values, size_t n, const double *h, double f0,
                               const double *f1, int side, size_t start, size_t stop, double *out)

    double fdgrad_stencil_value(const fdgrad_stencil *stencil, const double *fk, size_t stride, double h)
    size_t fdgrad_default_steps(const double *x, size_t n, double rel_step, double reach, double *h)

    size_t fdgrad_fixed_steps(const double *x, size_t n, double h, double reach, double *out)

    size_t fdgrad_all_finite(const double *x, size_t n)

    size_t fdgrad_group_columns(size_t n, const size_t *col_ptr, const size_t *col_rows,
                                const size_t *row_ptr, const size_t *row_cols, size_t *groups, size_t *mark)

    # The adaptive engine (csrc/adaptive.c).
    ctypedef struct fdgrad_adaptive_rule:
        int side
        int deriv
        int q
        double offsets[4]
        double weights[4]
        double centre
        double denom
        double rounding
        double relative
        double reach
        int fornberg
        int count
        double tau
        double pilot_rel
        double top_fraction
        double ceiling_div
        double probe_tolerance
        double shrink
        double tiny
        double eps
        double check_fraction
        double powers[8]
        double wide
        double wide_powers[8]
        double wide_top
        double wide_all
        double pair_slack[2]
        double factors[2][8]
        double shrinks[2][8]
        double hessian_tau
        double hessian_top
        double hessian_powers[4]

    ctypedef struct fdgrad_evaluator:
        int (*values)(void *ctx, double *x, size_t lo, size_t hi, const double *h, const double *offsets, int count,
                      size_t m, double *out) noexcept
        int (*precision)(void *ctx, double *eps) noexcept
        int (*hessian)(void *ctx, double *x, size_t n, const double *h, double f0, double *out) noexcept
        void *ctx

    int fdgrad_adaptive_ladders(const fdgrad_evaluator *ev, double *x, size_t n, const fdgrad_adaptive_rule *rule,
                                size_t m, const double *f0, size_t f0_row, const double *limit, int whole,
                                size_t start, size_t stop, double *work, double *value, double *error, double *step,
                                unsigned char *converged)

    int fdgrad_adaptive_hessian_by(const fdgrad_evaluator *ev, double *x, size_t n, const fdgrad_adaptive_rule *rule,
                                   double f0, const double *limit, double *work, double *value, double *error,
                                   double *smallest, unsigned char *converged)

    int fdgrad_adaptive_range(fdgrad_objective f, void *ctx, double *x, size_t n, const fdgrad_adaptive_rule *rule,
                              size_t m, const double *f0, const double *eps_seen, size_t start, size_t stop,
                              double *work, double *value, double *error, double *step, unsigned char *converged)

    int fdgrad_adaptive_evaluations(const fdgrad_adaptive_rule *rule)

    size_t fdgrad_adaptive_work(const fdgrad_adaptive_rule *rule, size_t m, size_t coordinates)

    int fdgrad_adaptive_hessian(fdgrad_objective f, void *ctx, double *x, size_t n, const fdgrad_adaptive_rule *rule,
                                double f0, const double *eps_seen, double *work, double *value, double *error,
                                double *smallest, unsigned char *converged)

    size_t fdgrad_adaptive_hessian_work(size_t n)
