/*
 * fdgrad.h - finite-difference kernels in plain C99.
 *
 * Nothing here knows about Python.  The Cython declarations in
 * src/fdgrad/_cfdgrad.pxd mirror this header and must be kept in step with it.
 *
 * Arithmetic contract (shared bit for bit with the pure-Python kernels in
 * src/fdgrad/_pykernels.py): for a stencil with offsets o_k, weights w_k and
 * denominator d, the derivative along coordinate i with step h is
 *
 *     acc = w_0 * f_0;  acc += w_k * f_k  (k = 1, 2, ...);  acc / (d * h)
 *
 * where f_k = f(x + o_k h e_i), evaluated at x_i + o_k * h.  A zero offset
 * reuses the value f(x) given by the caller, so a forward gradient costs n + 1
 * evaluations and a central one 2n.  Build without FMA contraction
 * (-ffp-contract=off) so that C and Python round identically.
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

/*
 * The objective: evaluate f at the n doubles of x and store the value in *out.
 * Return 0 on success; any other value stops the loop that called it.  ctx is
 * the caller's context, passed through untouched.
 */
typedef int (*fdgrad_objective)(void *ctx, const double *x, double *out);

/* A finite-difference stencil: derivative = sum_k w_k f(x + o_k h) / (denom h). */
typedef struct {
    int npoints;
    double offsets[FDGRAD_MAX_POINTS];
    double weights[FDGRAD_MAX_POINTS];
    double denom;
} fdgrad_stencil;

/*
 * Partial derivatives of f at x for the coordinates start <= i < stop.
 *
 * x (length n) is the working buffer that f reads; coordinate i is perturbed
 * in place and restored before the next one, and also when f fails.  h[i] is
 * the step and out[i] receives the derivative of coordinate i.  f0 is f(x),
 * used for zero offsets.  Disjoint ranges over private copies of x can run
 * on different threads.  Returns FDGRAD_OK, FDGRAD_ECALLBACK when f failed
 * (out is then partly written), or FDGRAD_EINVAL.
 */
int fdgrad_gradient_range(fdgrad_objective f, void *ctx, double *x, size_t n,
                          const double *h, const fdgrad_stencil *stencil,
                          double f0, size_t start, size_t stop, double *out);

/*
 * Elementwise stencil combination: out[j] = sum_k w_k fvals[k][j] / (denom h[j])
 * for j < n, where fvals[k] holds f at x + o_k h.  Same arithmetic as
 * fdgrad_gradient_range.  Returns FDGRAD_OK or FDGRAD_EINVAL.
 */
int fdgrad_combine(const fdgrad_stencil *stencil, const double *const *fvals,
                   const double *h, size_t n, double *out);

#ifdef __cplusplus
}
#endif

#endif /* FDGRAD_H */
