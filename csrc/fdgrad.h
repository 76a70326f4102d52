/*
 * fdgrad.h - finite-difference kernels in plain C99.
 *
 * Nothing here knows about Python.  The Cython declarations in
 * src/fdgrad/_cfdgrad.pxd mirror this header and must be kept in step with it.
 *
 * Arithmetic contract (shared bit for bit with the pure-Python kernels in
 * src/fdgrad/_pykernels.py): a perturbed coordinate is x_i + o * h_i; a
 * stencil with offsets o_k, weights w_k, denominator d and power p gives
 *
 *     acc = w_0 * f_0;  acc = acc + w_k * f_k  (k = 1, 2, ...);  acc / (d * h^p)
 *
 * with d * h^p computed as (d * h) for p = 1 and (d * h) * h for p = 2.  A zero
 * offset reuses f(x), given by the caller.  Build without FMA contraction
 * (-ffp-contract=off) so that C and Python round identically.
 *
 * Every kernel loops over a range of coordinates [start, stop) so that
 * disjoint ranges, each over its own copy of x, can run on different threads.
 */
#ifndef FDGRAD_H
#define FDGRAD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. */
#define FDGRAD_OK 0
#define FDGRAD_ECALLBACK 1 /* the objective reported an error; its caller holds the reason */
#define FDGRAD_EINVAL 2    /* inconsistent arguments (a bug in the caller) */

/* Largest number of points a stencil may have. */
#define FDGRAD_MAX_POINTS 16
/* The highest derivative a stencil computes. */
#define FDGRAD_MAX_DERIV 4

/*
 * The objective: evaluate f at x and store its m values in out[0..m).  x holds
 * n doubles (2n for the complex-step kernel: real and imaginary parts
 * interleaved), and m is fixed for one kernel call.  Return 0 on success; any
 * other value stops the loop that called it.  ctx is passed through untouched.
 */
typedef int (*fdgrad_objective)(void *ctx, const double *x, double *out);

/* A stencil: derivative = sum_k w_k f(x + o_k h) / (denom h^hpow). */
typedef struct {
    int npoints;
    int hpow; /* the derivative: 1 to FDGRAD_MAX_DERIV */
    double offsets[FDGRAD_MAX_POINTS];
    double weights[FDGRAD_MAX_POINTS];
    double denom;
} fdgrad_stencil;

/*
 * Raw values: for start <= i < stop and each offset o_k, f at x with x_i
 * replaced by x_i + o_k h[i].  The m values land in
 * out[((i - start) * npoints + k) * m + j].  Zero offsets are evaluated too.
 */
int fdgrad_evaluate_range(fdgrad_objective f, void *ctx, double *x, size_t n, size_t m,
                          const double *h, const double *offsets, int npoints,
                          size_t start, size_t stop, double *out);

/*
 * Stencil derivatives: out[j * n + i] is the derivative of output j with
 * respect to x_i, for start <= i < stop.  f0 holds f(x) (m values), used for
 * zero offsets; work holds npoints * m doubles of scratch.  With m = 1 this is
 * the gradient.
 */
int fdgrad_jacobian_range(fdgrad_objective f, void *ctx, double *x, size_t n, size_t m,
                          const double *h, const fdgrad_stencil *stencil, const double *f0,
                          size_t start, size_t stop, double *work, double *out);

/*
 * Complex step: xz holds x as n complex numbers (re, im interleaved, im = 0).
 * f stores the imaginary parts of its m values in work (m doubles of scratch);
 * out[j * n + i] = Im f_j / h[i].
 */
int fdgrad_complex_range(fdgrad_objective f, void *ctx, double *xz, size_t n, size_t m,
                         const double *h, size_t start, size_t stop, double *work,
                         double *out);

/*
 * Hessian entries start <= k < stop of the upper triangle, numbered row by
 * row (row i holds entries (i, i) .. (i, n - 1)), each mirrored into out
 * (n * n, row-major), so the result is symmetric by construction; ranges of
 * entries keep the work of a chunk or a thread even.  side 0: central,
 *   H_ii = (f(x+h_i) - 2 f0 + f(x-h_i)) / (h_i h_i),
 *   H_ij = (f(++) - f(+-) - f(-+) + f(--)) / (4 h_i h_j);
 * side +1 or -1: one-sided with s = side,
 *   H_ii = (f(x+2s h_i) - 2 f1[i] + f0) / (h_i h_i),
 *   H_ij = (f(x+s h_i+s h_j) - f1[i] - f1[j] + f0) / (h_i h_j),
 * where f1[i] = f(x + s h_i e_i) comes from the caller (unused when central).
 */
int fdgrad_hessian_range(fdgrad_objective f, void *ctx, double *x, size_t n,
                         const double *h, double f0, const double *f1, int side,
                         size_t start, size_t stop, double *out);

/*
 * The points of Hessian entries start <= k < stop, for evaluation elsewhere
 * (batches, executors): for each entry, in fdgrad_hessian_range's order, the
 * copies of x it evaluates f at (central: 2 on the diagonal, 4 off it;
 * one-sided: 1), as rows of points (room for 4 rows of n per entry);
 * *count receives the number of rows.
 */
int fdgrad_hessian_points(const double *x, size_t n, const double *h, int side, size_t start,
                          size_t stop, double *points, size_t *count);

/*
 * Hessian entries start <= k < stop from values[r] = f at row r of
 * fdgrad_hessian_points, with fdgrad_hessian_range's formulas, mirrored into out.
 */
int fdgrad_hessian_combine(const double *values, size_t n, const double *h, double f0,
                           const double *f1, int side, size_t start, size_t stop, double *out);

/*
 * The stencil formula alone, for one derivative: sum_k w_k fk[k * stride] /
 * (denom h^hpow), the arithmetic of every stencil kernel (derivative() at a
 * number, where f's values come from elsewhere).
 */
double fdgrad_stencil_value(const fdgrad_stencil *stencil, const double *fk, size_t stride, double h);

/*
 * Elementwise stencil combination: out[j] = sum_k w_k fvals[k][j] / (denom h[j]^hpow)
 * for j < n, with the arithmetic of fdgrad_jacobian_range.
 */
int fdgrad_combine(const fdgrad_stencil *stencil, const double *const *fvals,
                   const double *h, size_t n, double *out);

/*
 * Stencil derivatives from values computed elsewhere (vectorized evaluation):
 * values[((i - start) * npoints + k) * m + j] is f_j at x_i + o_k h[i] (zero
 * offsets included, filled with f(x) by the caller); out[j * n + i] gets the
 * derivative, with the arithmetic of fdgrad_jacobian_range.
 */
int fdgrad_combine_range(const fdgrad_stencil *stencil, const double *values, size_t m,
                         const double *h, size_t n, size_t start, size_t stop, double *out);

/*
 * The points of a vectorized evaluation: for start <= i < stop and each of
 * the npoints offsets, a copy of x (n doubles) with x_i replaced by
 * x_i + o_k h[i], as row (i - start) * npoints + k of points.
 */
int fdgrad_stencil_points(const double *x, size_t n, const double *h, const double *offsets,
                          int npoints, size_t start, size_t stop, double *points);

/*
 * The conventional step of every coordinate: h = c max(1, |x|), no larger than
 * half of (DBL_MAX - |x|) / reach (so x + o h stays finite for |o| <= reach,
 * rounding included), then rounded to (x + h) - x.  Returns n, or the first i
 * where even that would pass DBL_MAX (x_i is too close to the largest double;
 * h[i..n) are then not written).
 */
size_t fdgrad_default_steps(const double *x, size_t n, double rel_step, double reach, double *h);

/*
 * A given step h for every coordinate: out[i] = h.  Returns n, or the first i
 * where |x_i| + reach h passes DBL_MAX (or is not a number).
 */
size_t fdgrad_fixed_steps(const double *x, size_t n, double h, double reach, double *out);

/* Returns n, or the index of the first x_i that is NaN or infinite. */
size_t fdgrad_all_finite(const double *x, size_t n);

/*
 * Column grouping for sparse Jacobians (Curtis, Powell and Reid): the columns
 * in order, each given the lowest group that no column sharing a row with it
 * has.  The columns of one group share no row, so one evaluation of f with
 * all of them perturbed gives each of their derivatives.  The pattern (m rows,
 * n columns) is given by columns (col_ptr[n + 1], col_rows) and by rows
 * (row_ptr[m + 1], row_cols), with indices in range; mark holds n values of
 * scratch.  groups[j] receives column j's group; returns the number of groups.
 */
size_t fdgrad_group_columns(size_t n, const size_t *col_ptr, const size_t *col_rows,
                            const size_t *row_ptr, const size_t *row_cols, size_t *groups, size_t *mark);

/*
 * Native objectives with SciPy's LowLevelCallable signatures.  The user's
 * function must not modify x.  Scalar: double f(int n, double *x[, void *data]);
 * vector: void f(int n, double *x, int m, double *out[, void *data]).
 */
typedef double (*fdgrad_native_scalar)(int n, double *x);
typedef double (*fdgrad_native_scalar_data)(int n, double *x, void *user_data);
typedef void (*fdgrad_native_vector)(int n, double *x, int m, double *out);
typedef void (*fdgrad_native_vector_data)(int n, double *x, int m, double *out, void *user_data);

#define FDGRAD_NATIVE_SCALAR 0
#define FDGRAD_NATIVE_SCALAR_DATA 1
#define FDGRAD_NATIVE_VECTOR 2
#define FDGRAD_NATIVE_VECTOR_DATA 3

/* Returned by fdgrad_native_objective when *stop became nonzero. */
#define FDGRAD_ESTOPPED 3

typedef struct {
    int kind; /* FDGRAD_NATIVE_* */
    fdgrad_native_scalar scalar;
    fdgrad_native_scalar_data scalar_data;
    fdgrad_native_vector vector;
    fdgrad_native_vector_data vector_data;
    void *user_data;
    int n, m;
    /* Shared by the threads of one call: nonzero asks every loop to stop. */
    volatile int *stop;
} fdgrad_native;

/* An fdgrad_objective whose ctx is an fdgrad_native: calls the user's function. */
int fdgrad_native_objective(void *ctx, const double *x, double *out);

/* A monotonic clock in seconds (for sizing chunks of native work between Ctrl-C checks). */
double fdgrad_seconds(void);


/*
 * The adaptive engine (csrc/adaptive.c): Richardson extrapolation over a ladder of
 * steps, for one coordinate and one output of f, stage by stage as
 * src/fdgrad/_adaptive.py (its twin, numpy over arrays) describes and computes it,
 * operation for operation, so that the two agree bit for bit.  Every constant
 * the stages use (powers of the ladder's ratio, tau, the pilot's relative step)
 * is computed once in Python and handed over in the rule, so that no compiler
 * folds one differently.
 */
#define FDGRAD_LADDER_MAX 8 /* rungs of a ladder, the probe included */
#define FDGRAD_RUNG_MAX 4   /* points of one rung other than x */
#define FDGRAD_HESSIAN_RUNGS 4 /* rungs of the adaptive Hessian */

typedef struct {
    int side, deriv;                       /* 0 central, +1 forward, -1 backward; 1..4 */
    int q;                                 /* points of a rung other than x */
    double offsets[FDGRAD_RUNG_MAX], weights[FDGRAD_RUNG_MAX];
    double centre, denom, rounding, relative, reach;
    int fornberg;                          /* more than two points: the weights of the points evaluated */
    int count;                             /* rungs of a ladder, the probe included */
    double tau, pilot_rel, top_fraction, ceiling_div, probe_tolerance, shrink, tiny, eps, check_fraction;
    double powers[FDGRAD_LADDER_MAX];      /* ratio ** (count - 1 - k), large to small */
    double wide;                           /* the wider ladder's ratio */
    double wide_powers[FDGRAD_LADDER_MAX]; /* wide ** (count - 2 - k) */
    double wide_top, wide_all;             /* wide ** (count - 2), wide ** (count - 1) */
    /* the tableau's, for the ratio (0) and the wide ratio (1): slack ratio ** power, and for
     * j = 1 .. count - 1 ratio ** (power j) - 1 and slack ratio ** (power (j + 1)) */
    double pair_slack[2], factors[2][FDGRAD_LADDER_MAX], shrinks[2][FDGRAD_LADDER_MAX];
    /* the adaptive Hessian's: its tau, ratio ** (rungs - 1) and the rungs' ratio ** (rungs - 1 - k) */
    double hessian_tau, hessian_top, hessian_powers[FDGRAD_HESSIAN_RUNGS];
} fdgrad_adaptive_rule;

/*
 * How the adaptive engine evaluates f: a batch of points at a time, as the twin's evaluate
 * callback does, so that any evaluation (serial, threads, executors, a vectorized f) can serve
 * it.  values: f at x with x_i replaced by x_i + offsets[k] * h[i - lo] for each coordinate
 * lo <= i < hi and k < count, coordinate by coordinate, into out ((hi - lo) * count * m
 * values; h[i - lo] = 0 where a coordinate of the range is not of the batch: f at x).  x may
 * be changed during the call and is restored.  precision: the coarsest precision of f's values
 * seen so far, into *eps.  hessian: the central Hessian of a scalar f at steps h (n) into out
 * (n * n), f(x) being f0.  Each returns 0, or nonzero to stop (FDGRAD_ECALLBACK).
 */
typedef struct {
    int (*values)(void *ctx, double *x, size_t lo, size_t hi, const double *h, const double *offsets, int count,
                  size_t m, double *out);
    int (*precision)(void *ctx, double *eps);
    int (*hessian)(void *ctx, double *x, size_t n, const double *h, double f0, double *out);
    void *ctx;
} fdgrad_evaluator;

/* An fdgrad_evaluator over an fdgrad_objective, point by point; *eps is the precision of f's
 * values seen so far (kept by the objective). */
typedef struct {
    fdgrad_objective f;
    void *ctx;
    const double *eps;
} fdgrad_pointwise;

fdgrad_evaluator fdgrad_pointwise_evaluator(fdgrad_pointwise *p);

/*
 * The adaptive derivatives of f's m outputs along x_i for start <= i < stop of x (n doubles),
 * stage by stage over the coordinates as the twin takes them (every pilot, every pilot taken
 * again, every probe, then each ladder), each stage's points in the twin's batches (runs of
 * coordinates that take the same points; with whole, every coordinate of one kind at once, for
 * an f evaluated at all points together), so that f is evaluated at the same points in the same
 * order.  f0 holds f(x) where the rule uses it (else it may be NULL): output j of coordinate i
 * at f0[i * f0_row + j] (f0_row 0: the same m values for every coordinate).  limit (n, or NULL)
 * is the farthest from x_i any point may lie (bounds).  f's precision is read after the pilots
 * and after the pilots taken again.  work holds fdgrad_adaptive_work(rule, m, stop - start)
 * doubles.  Output j's value, error estimate, step and whether it converged land at
 * value[j * n + i] (and error, step, converged), the layout of fdgrad_jacobian_range; a NaN is
 * written as the positive quiet NaN.  Returns FDGRAD_OK, FDGRAD_ECALLBACK (x restored), or
 * FDGRAD_EINVAL.
 */
int fdgrad_adaptive_ladders(const fdgrad_evaluator *ev, double *x, size_t n, const fdgrad_adaptive_rule *rule,
                            size_t m, const double *f0, size_t f0_row, const double *limit, int whole, size_t start,
                            size_t stop, double *work, double *value, double *error, double *step,
                            unsigned char *converged);

/* fdgrad_adaptive_ladders over an fdgrad_objective (fdgrad_pointwise), f0 the same m values for
 * every coordinate, no limit, in runs. */
int fdgrad_adaptive_range(fdgrad_objective f, void *ctx, double *x, size_t n, const fdgrad_adaptive_rule *rule,
                          size_t m, const double *f0, const double *eps_seen, size_t start, size_t stop, double *work,
                          double *value, double *error, double *step, unsigned char *converged);

/* f's evaluations per coordinate (f(x) not included). */
int fdgrad_adaptive_evaluations(const fdgrad_adaptive_rule *rule);

/* The doubles of scratch fdgrad_adaptive_range needs for m outputs and that many coordinates. */
size_t fdgrad_adaptive_work(const fdgrad_adaptive_rule *rule, size_t m, size_t coordinates);

/*
 * The adaptive Hessian of a scalar f (fdgrad._adaptive.adaptive_hessian): a pilot second
 * difference per coordinate (one batch of every coordinate's points) places the steps, central
 * Hessians (the evaluator's hessian) at FDGRAD_HESSIAN_RUNGS step vectors are extrapolated entry
 * by entry, and the pilots check the diagonal.  rule is the central second derivative's; f0 =
 * f(x); limit (n, or NULL) the farthest from x_i any point may lie; f's precision is read after
 * the pilots.  value, error and converged are n * n (symmetric), smallest the n steps of the
 * smallest rung; work holds fdgrad_adaptive_hessian_work(n) doubles.  Returns FDGRAD_OK or
 * FDGRAD_ECALLBACK.
 */
int fdgrad_adaptive_hessian_by(const fdgrad_evaluator *ev, double *x, size_t n, const fdgrad_adaptive_rule *rule,
                               double f0, const double *limit, double *work, double *value, double *error,
                               double *smallest, unsigned char *converged);

/* fdgrad_adaptive_hessian_by over an fdgrad_objective (fdgrad_pointwise), no limit. */
int fdgrad_adaptive_hessian(fdgrad_objective f, void *ctx, double *x, size_t n, const fdgrad_adaptive_rule *rule,
                            double f0, const double *eps_seen, double *work, double *value, double *error,
                            double *smallest, unsigned char *converged);

size_t fdgrad_adaptive_hessian_work(size_t n);

#ifdef __cplusplus
}
#endif

#endif /* FDGRAD_H */
