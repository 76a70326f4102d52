/*
 * Unit tests of the C kernels (csrc/fdgrad.c), without Python.  .ci/run builds
 * this with -fsanitize=address,undefined and runs it; any sanitizer report or
 * failed check makes it exit non-zero.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdgrad.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        checks++;                                                                       \
        if (!(cond)) {                                                                  \
            failures++;                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
        }                                                                               \
    } while (0)

/* f(x) = sum_i (i + 1) x_i^2, counting calls; fails from call `fail_at` on. */
typedef struct {
    size_t n;
    long calls;
    long fail_at;
} quad_ctx;

static int quad(void *ctx, const double *x, double *out)
{
    quad_ctx *q = (quad_ctx *)ctx;
    q->calls++;
    if (q->fail_at >= 0 && q->calls > q->fail_at) {
        return 1;
    }
    double s = 0.0;
    for (size_t i = 0; i < q->n; i++) {
        s += (double)(i + 1) * x[i] * x[i];
    }
    out[0] = s;
    return 0;
}

/* Two outputs: (x_0 x_last, sum x). */
static int pair(void *ctx, const double *x, double *out)
{
    quad_ctx *q = (quad_ctx *)ctx;
    double s = 0.0;
    for (size_t i = 0; i < q->n; i++) {
        s += x[i];
    }
    out[0] = x[0] * x[q->n - 1];
    out[1] = s;
    return 0;
}

/* For huge n: reads two coordinates only. */
static int cheap(void *ctx, const double *x, double *out)
{
    (void)ctx;
    out[0] = x[0] * x[0] + 3.0 * x[1];
    return 0;
}

static fdgrad_stencil central2(void)
{
    fdgrad_stencil s = {2, 1, {1.0, -1.0}, {1.0, -1.0}, 2.0};
    return s;
}

static void test_jacobian_range(void)
{
    for (size_t n = 1; n <= 5; n++) {
        double *x = malloc(n * sizeof(double)), *h = malloc(n * sizeof(double)), *out = malloc(n * sizeof(double));
        double *x0 = malloc(n * sizeof(double));
        double work[16];
        for (size_t i = 0; i < n; i++) {
            x[i] = x0[i] = 0.5 + (double)i;
            h[i] = 1e-5;
        }
        quad_ctx q = {n, 0, -1};
        fdgrad_stencil s = central2();
        double f0 = 0.0;
        CHECK(fdgrad_jacobian_range(quad, &q, x, n, 1, h, &s, &f0, 0, n, work, out) == FDGRAD_OK);
        CHECK(q.calls == (long)(2 * n));
        for (size_t i = 0; i < n; i++) {
            CHECK(fabs(out[i] - 2.0 * (double)(i + 1) * x0[i]) < 1e-6 * (1.0 + fabs(out[i])));
            CHECK(x[i] == x0[i]);
        }
        /* f fails at every possible call: the kernel stops and restores x. */
        for (long k = 0; k < (long)(2 * n); k++) {
            quad_ctx bad = {n, 0, k};
            CHECK(fdgrad_jacobian_range(quad, &bad, x, n, 1, h, &s, &f0, 0, n, work, out) == FDGRAD_ECALLBACK);
            CHECK(bad.calls == k + 1);
            CHECK(memcmp(x, x0, n * sizeof(double)) == 0);
        }
        /* Bad arguments. */
        CHECK(fdgrad_jacobian_range(quad, &q, x, n, 1, h, &s, &f0, 0, n + 1, work, out) == FDGRAD_EINVAL);
        CHECK(fdgrad_jacobian_range(quad, &q, NULL, n, 1, h, &s, &f0, 0, n, work, out) == FDGRAD_EINVAL);
        CHECK(fdgrad_jacobian_range(quad, &q, x, n, 0, h, &s, &f0, 0, n, work, out) == FDGRAD_EINVAL);
        fdgrad_stencil empty = s;
        empty.npoints = 0;
        CHECK(fdgrad_jacobian_range(quad, &q, x, n, 1, h, &empty, &f0, 0, n, work, out) == FDGRAD_EINVAL);
        free(x);
        free(h);
        free(out);
        free(x0);
    }
}

static void test_two_outputs_and_forward(void)
{
    size_t n = 3, m = 2;
    double x[3] = {1.0, 2.0, 3.0}, h[3] = {1e-6, 1e-6, 1e-6}, out[6], work[32], f0[2];
    quad_ctx q = {n, 0, -1};
    pair(&q, x, f0);
    fdgrad_stencil fwd = {2, 1, {1.0, 0.0}, {1.0, -1.0}, 1.0};
    CHECK(fdgrad_jacobian_range(pair, &q, x, n, m, h, &fwd, f0, 0, n, work, out) == FDGRAD_OK);
    CHECK(fabs(out[0 * n + 0] - 3.0) < 1e-5 && fabs(out[0 * n + 2] - 1.0) < 1e-5 && fabs(out[0 * n + 1]) < 1e-5);
    for (size_t i = 0; i < n; i++) {
        CHECK(fabs(out[1 * n + i] - 1.0) < 1e-5);
    }
}

static void test_evaluate_combine_points(void)
{
    size_t n = 4;
    double x[4] = {0.1, -0.2, 0.3, 0.4}, h[4] = {1e-3, 1e-3, 1e-3, 1e-3};
    double offsets[2] = {1.0, -1.0}, values[8], out[4], direct[4], points[2 * 2 * 4], work[16];
    quad_ctx q = {n, 0, -1};
    fdgrad_stencil s = central2();
    double f0 = 0.0;
    CHECK(fdgrad_evaluate_range(quad, &q, x, n, 1, h, offsets, 2, 0, n, values) == FDGRAD_OK);
    CHECK(fdgrad_combine_range(&s, values, 1, h, n, 0, n, out) == FDGRAD_OK);
    CHECK(fdgrad_jacobian_range(quad, &q, x, n, 1, h, &s, &f0, 0, n, work, direct) == FDGRAD_OK);
    CHECK(memcmp(out, direct, sizeof(out)) == 0); /* the same arithmetic, bit for bit */
    CHECK(fdgrad_stencil_points(x, n, h, offsets, 2, 1, 3, points) == FDGRAD_OK);
    CHECK(points[0 * 4 + 1] == x[1] + h[1] && points[1 * 4 + 1] == x[1] - h[1] && points[0 * 4 + 0] == x[0]);
    CHECK(points[2 * 4 + 2] == x[2] + h[2] && points[3 * 4 + 3] == x[3]);
    CHECK(fdgrad_stencil_points(x, n, h, offsets, 2, 3, 5, points) == FDGRAD_EINVAL);
}

static void test_hessian_ranges(void)
{
    size_t n = 4;
    double x[4] = {0.5, -1.0, 2.0, 0.25}, x0[4], h[4] = {1e-4, 1e-4, 1e-4, 1e-4}, whole[16], pieces[16], f1[4];
    double values_none[1] = {0.0};
    memcpy(x0, x, sizeof(x));
    quad_ctx q = {n, 0, -1};
    double f0;
    quad(&q, x, &f0);
    size_t entries = n * (n + 1) / 2;
    for (int side = -1; side <= 1; side++) {
        for (size_t i = 0; i < n; i++) {
            double saved = x[i];
            x[i] = saved + (double)side * h[i];
            quad(&q, x, &f1[i]);
            x[i] = saved;
        }
        CHECK(fdgrad_hessian_range(quad, &q, x, n, h, f0, f1, side, 0, entries, whole) == FDGRAD_OK);
        /* Any split into ranges of entries gives the same matrix, bit for bit. */
        memset(pieces, 0, sizeof(pieces));
        for (size_t a = 0; a < entries; a += 3) {
            size_t b = a + 3 < entries ? a + 3 : entries;
            CHECK(fdgrad_hessian_range(quad, &q, x, n, h, f0, f1, side, a, b, pieces) == FDGRAD_OK);
        }
        CHECK(memcmp(whole, pieces, sizeof(whole)) == 0);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < n; j++) {
                double want = (i == j) ? 2.0 * (double)(i + 1) : 0.0;
                CHECK(whole[i * n + j] == whole[j * n + i]);
                CHECK(fabs(whole[i * n + j] - want) < (side == 0 ? 1e-5 : 1e-2));
            }
        }
        CHECK(memcmp(x, x0, sizeof(x)) == 0);
        /* The same entries from points evaluated elsewhere, with the same formulas. */
        double points[10 * 4 * 4], values[10 * 4], combined[16];
        size_t rows = 0;
        CHECK(fdgrad_hessian_points(x, n, h, side, 0, entries, points, &rows) == FDGRAD_OK);
        CHECK(rows == (side == 0 ? 2 * n * n : entries));
        for (size_t r = 0; r < rows; r++) {
            quad(&q, points + r * n, &values[r]);
        }
        CHECK(fdgrad_hessian_combine(values, n, h, f0, f1, side, 0, entries, combined) == FDGRAD_OK);
        CHECK(memcmp(whole, combined, sizeof(whole)) == 0);
    }
    CHECK(fdgrad_hessian_combine(values_none, n, h, f0, NULL, 1, 0, 1, whole) == FDGRAD_EINVAL);
    CHECK(fdgrad_hessian_range(quad, &q, x, n, h, f0, NULL, 1, 0, entries, whole) == FDGRAD_EINVAL);
    CHECK(fdgrad_hessian_range(quad, &q, x, n, h, f0, f1, 0, 0, entries + 1, whole) == FDGRAD_EINVAL);
}

/* The complex step: x holds (re, im) pairs; Im(sum z^2) = sum 2 re im. */
static int imag_sumsq(void *ctx, const double *xz, double *out)
{
    size_t n = *(size_t *)ctx;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += 2.0 * xz[2 * i] * xz[2 * i + 1];
    }
    out[0] = s;
    return 0;
}

static void test_complex_and_combine(void)
{
    size_t n = 3;
    double xz[6] = {1.0, 0.0, -2.0, 0.0, 0.5, 0.0}, h[3] = {1e-20, 1e-20, 1e-20}, out[3], work[1];
    CHECK(fdgrad_complex_range(imag_sumsq, &n, xz, n, 1, h, 0, n, work, out) == FDGRAD_OK);
    CHECK(out[0] == 2.0 && out[1] == -4.0 && out[2] == 1.0);
    CHECK(xz[1] == 0.0 && xz[3] == 0.0 && xz[5] == 0.0);
    double fp[2] = {1.5, 2.5}, fm[2] = {0.5, 0.5}, hh[2] = {0.5, 0.25}, res[2];
    const double *cols[2] = {fp, fm};
    fdgrad_stencil s = central2();
    CHECK(fdgrad_combine(&s, cols, hh, 2, res) == FDGRAD_OK);
    CHECK(res[0] == 1.0 && res[1] == 4.0);
    CHECK(fdgrad_combine(&s, NULL, hh, 2, res) == FDGRAD_EINVAL);
    /* The formula alone equals the combination of the same values, bit for bit (a stride too). */
    double pair[2] = {fp[1], fm[1]}, strided[4] = {fp[0], -1.0, fm[0], -1.0};
    CHECK(fdgrad_stencil_value(&s, pair, 1, hh[1]) == res[1]);
    CHECK(fdgrad_stencil_value(&s, strided, 2, hh[0]) == res[0]);
}

static void test_default_steps(void)
{
    double x[5] = {0.0, 1e-300, -3.0, -DBL_MAX * 0.5, DBL_MAX}, h[5];
    double c = pow(DBL_EPSILON, 1.0 / 3.0);
    CHECK(fdgrad_default_steps(x, 4, c, 1.0, h) == 4);
    CHECK(h[0] == (0.0 + c) - 0.0);
    CHECK(h[1] > 0.0 && h[2] > 0.0);
    CHECK(isfinite(x[3] - h[3]) && h[3] > 0.0);
    CHECK(fdgrad_default_steps(x, 5, c, 1.0, h) == 4); /* no room at the largest double: the caller reports it */
    double nan_x = NAN, nan_h = 0.0;
    CHECK(fdgrad_default_steps(&nan_x, 1, c, 1.0, &nan_h) == 1 && isnan(nan_h)); /* a diverged descent goes on */
}

/* Native objectives with SciPy's signatures. */
static double nat_scalar(int n, double *x)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) {
        s += x[i] * x[i];
    }
    return s;
}
static double nat_scalar_data(int n, double *x, void *data)
{
    return *(double *)data * nat_scalar(n, x);
}
static void nat_vector(int n, double *x, int m, double *out)
{
    for (int j = 0; j < m; j++) {
        out[j] = (double)(j + 1) * nat_scalar(n, x);
    }
}
static void nat_vector_data(int n, double *x, int m, double *out, void *data)
{
    nat_vector(n, x, m, out);
    for (int j = 0; j < m; j++) {
        out[j] *= *(double *)data;
    }
}

static void test_native(void)
{
    double x[2] = {1.0, -2.0}, out[2], two = 2.0;
    volatile int stop = 0;
    fdgrad_native nat;
    memset(&nat, 0, sizeof(nat));
    nat.n = 2;
    nat.m = 2;
    nat.stop = &stop;
    nat.kind = FDGRAD_NATIVE_SCALAR;
    nat.scalar = nat_scalar;
    CHECK(fdgrad_native_objective(&nat, x, out) == FDGRAD_OK && out[0] == 5.0);
    nat.kind = FDGRAD_NATIVE_SCALAR_DATA;
    nat.scalar_data = nat_scalar_data;
    nat.user_data = &two;
    CHECK(fdgrad_native_objective(&nat, x, out) == FDGRAD_OK && out[0] == 10.0);
    nat.kind = FDGRAD_NATIVE_VECTOR;
    nat.vector = nat_vector;
    CHECK(fdgrad_native_objective(&nat, x, out) == FDGRAD_OK && out[0] == 5.0 && out[1] == 10.0);
    nat.kind = FDGRAD_NATIVE_VECTOR_DATA;
    nat.vector_data = nat_vector_data;
    CHECK(fdgrad_native_objective(&nat, x, out) == FDGRAD_OK && out[1] == 20.0);
    stop = 1;
    CHECK(fdgrad_native_objective(&nat, x, out) == FDGRAD_ESTOPPED);
    nat.kind = 99;
    stop = 0;
    CHECK(fdgrad_native_objective(&nat, x, out) == FDGRAD_EINVAL);
}

static void test_huge_n(void)
{
    size_t n = (size_t)1 << 20;
    double *x = calloc(n, sizeof(double)), *h = malloc(n * sizeof(double)), *out = malloc(n * sizeof(double));
    double *points = malloc(2 * 2 * n * sizeof(double)), work[16], f0 = 0.0, offsets[2] = {1.0, -1.0};
    if (x == NULL || h == NULL || out == NULL || points == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    x[0] = 1.5;
    fdgrad_default_steps(x, n, pow(DBL_EPSILON, 1.0 / 3.0), 1.0, h);
    fdgrad_stencil s = central2();
    CHECK(fdgrad_jacobian_range(cheap, NULL, x, n, 1, h, &s, &f0, 0, n, work, out) == FDGRAD_OK);
    CHECK(fabs(out[0] - 3.0) < 1e-8 && fabs(out[1] - 3.0) < 1e-8 && out[n - 1] == 0.0);
    CHECK(fdgrad_stencil_points(x, n, h, offsets, 2, n - 2, n, points) == FDGRAD_OK);
    CHECK(points[n - 2] == x[n - 2] + h[n - 2] && points[4 * n - 1] == x[n - 1] - h[n - 1]);
    CHECK(points[2 * n + n - 2] == x[n - 2]); /* row 2 perturbs coordinate n - 1 only */
    free(x);
    free(h);
    free(out);
    free(points);
}

/* Greedy column grouping: a tridiagonal pattern takes 3 groups, a dense one a group per column,
   and no two columns of a group share a row (checked over every pair). */
static void test_group_columns(void)
{
    enum { N = 50 };
    size_t col_ptr[N + 1], col_rows[3 * N], row_ptr[N + 1], row_cols[3 * N], groups[N], mark[N];
    size_t k = 0;
    for (size_t j = 0; j < N; j++) { /* tridiagonal, by columns */
        col_ptr[j] = k;
        for (size_t r = (j ? j - 1 : 0); r <= j + 1 && r < N; r++) {
            col_rows[k++] = r;
        }
    }
    col_ptr[N] = k;
    k = 0;
    for (size_t r = 0; r < N; r++) { /* the same, by rows (symmetric) */
        row_ptr[r] = k;
        for (size_t j = (r ? r - 1 : 0); j <= r + 1 && j < N; j++) {
            row_cols[k++] = j;
        }
    }
    row_ptr[N] = k;
    CHECK(fdgrad_group_columns(N, col_ptr, col_rows, row_ptr, row_cols, groups, mark) == 3);
    for (size_t j = 0; j < N; j++) {
        CHECK(groups[j] == j % 3);
    }
    /* dense 4 x 4: four groups */
    size_t dcp[5] = {0, 4, 8, 12, 16}, drp[5] = {0, 4, 8, 12, 16}, rows16[16], cols16[16];
    for (size_t i = 0; i < 16; i++) {
        rows16[i] = i % 4;
        cols16[i] = i % 4;
    }
    CHECK(fdgrad_group_columns(4, dcp, rows16, drp, cols16, groups, mark) == 4);
    CHECK(groups[0] == 0 && groups[1] == 1 && groups[2] == 2 && groups[3] == 3);
    /* no columns at all, and empty columns */
    CHECK(fdgrad_group_columns(0, dcp, rows16, drp, cols16, groups, mark) == 0);
    size_t ecp[4] = {0, 0, 0, 0}, erp[2] = {0, 0};
    CHECK(fdgrad_group_columns(3, ecp, NULL, erp, NULL, groups, mark) == 1);
    CHECK(groups[0] == 0 && groups[1] == 0 && groups[2] == 0);
}

/* exp(x_0) + sin(x_1) + x_2^3, counting calls; fails from call `fail_at` on. */
static int mixed(void *ctx, const double *x, double *out)
{
    quad_ctx *q = (quad_ctx *)ctx;
    q->calls++;
    if (q->fail_at >= 0 && q->calls > q->fail_at) {
        return 1;
    }
    out[0] = exp(x[0]) + sin(x[1]) + x[2] * x[2] * x[2];
    return 0;
}

/* A ladder's rule with the constants fdgrad._adaptive.kernel_rule gives (computed here in C: the
 * Python tests check the two backends bit for bit; these check the engine on its own). */
static fdgrad_adaptive_rule ladder_rule(int side)
{
    fdgrad_adaptive_rule r;
    memset(&r, 0, sizeof(r));
    int central = side == 0, power = central ? 2 : 1;
    r.side = side;
    r.deriv = 1;
    r.q = central ? 2 : 1;
    r.offsets[0] = central ? 1.0 : (double)side;
    r.offsets[1] = -1.0;
    r.weights[0] = central ? 1.0 : (double)side;
    r.weights[1] = -1.0;
    r.centre = central ? 0.0 : -(double)side;
    r.denom = central ? 2.0 : 1.0;
    r.rounding = 2.0;
    r.relative = 1.0;
    r.reach = 1.0;
    r.count = central ? 5 : 8;
    r.tau = central ? 3e-13 : 1e-12;
    r.pilot_rel = pow(DBL_EPSILON, 1.0 / (central ? 3 : 2));
    r.top_fraction = 0.25;
    r.ceiling_div = pow(2.1, r.count - 1);
    r.probe_tolerance = 0.05;
    r.shrink = 1024.0;
    r.tiny = DBL_MIN;
    r.eps = DBL_EPSILON;
    r.check_fraction = 0.25;
    r.wide = central ? 4.3 : 2.1;
    for (int k = 0; k < r.count; k++) {
        r.powers[k] = pow(2.1, r.count - 1 - k);
        if (k < r.count - 1)
            r.wide_powers[k] = pow(r.wide, r.count - 2 - k);
    }
    r.wide_top = pow(r.wide, r.count - 2);
    r.wide_all = pow(r.wide, r.count - 1);
    double slack = central ? 0.4 : 0.8, ratios[2] = {2.1, r.wide};
    for (int w = 0; w < 2; w++) {
        r.pair_slack[w] = slack * pow(ratios[w], power);
        for (int j = 0; j < r.count; j++) {
            r.factors[w][j] = j == 0 ? 0.0 : pow(ratios[w], power * j) - 1.0;
            r.shrinks[w][j] = slack * pow(ratios[w], power * (j + 1));
        }
    }
    return r;
}

static void test_adaptive(void)
{
    double x0[3] = {1.0, 0.5, -2.0}, x[3], value[3], error[3], step[3];
    double want[3] = {exp(1.0), cos(0.5), 12.0};
    unsigned char converged[3];
    for (int side = -1; side <= 1; side++) {
        fdgrad_adaptive_rule r = ladder_rule(side);
        int per = fdgrad_adaptive_evaluations(&r);
        CHECK(per == (side == 0 ? 12 : 9));
        quad_ctx q = {3, 0, -1};
        memcpy(x, x0, sizeof(x));
        double f0 = 0.0;
        mixed(&q, x, &f0);
        q.calls = 0;
        double work[256], eps = DBL_EPSILON;
        CHECK(fdgrad_adaptive_work(&r, 1, 3) <= 256);
        CHECK(fdgrad_adaptive_range(mixed, &q, x, 3, &r, 1, &f0, &eps, 0, 3, work, value, error, step, converged)
              == FDGRAD_OK);
        CHECK(q.calls == 3 * per);
        CHECK(memcmp(x, x0, sizeof(x)) == 0);
        for (int i = 0; i < 3; i++) {
            double wrong = fabs(value[i] - want[i]);
            CHECK(wrong < (side == 0 ? 1e-12 : 1e-9) * fabs(want[i]));
            CHECK(error[i] >= wrong && error[i] < 1e-6); /* an honest estimate, and a useful one */
            CHECK(converged[i] == 1 && step[i] > 0.0);
        }
        /* f failing at every call in turn: the kernel stops there, x restored */
        for (long k = 0; k < per; k++) {
            quad_ctx bad = {3, 0, k};
            CHECK(fdgrad_adaptive_range(mixed, &bad, x, 3, &r, 1, &f0, &eps, 1, 2, work, value, error, step, converged)
                  == FDGRAD_ECALLBACK);
            CHECK(bad.calls == k + 1);
            CHECK(memcmp(x, x0, sizeof(x)) == 0);
        }
    }
    /* f constant: the ladder sees only rounding, and says 0 */
    fdgrad_adaptive_rule r = ladder_rule(0);
    double one[1] = {3.0}, v, e, st, work[96], eps = DBL_EPSILON;
    unsigned char c;
    quad_ctx q = {0, 0, -1};
    CHECK(fdgrad_adaptive_work(&r, 1, 1) <= 96);
    CHECK(fdgrad_adaptive_range(quad, &q, one, 1, &r, 1, NULL, &eps, 0, 1, work, &v, &e, &st, &c) == FDGRAD_OK);
    CHECK(v == 0.0 && one[0] == 3.0);
    /* two outputs (x_0 x_2, x_0 + x_1 + x_2): the Jacobian's layout, value[j * n + i] */
    double xs[3] = {1.5, -0.5, 2.0}, jv[6], je[6], js[6], big[256];
    unsigned char jc[6];
    quad_ctx p = {3, 0, -1};
    CHECK(fdgrad_adaptive_work(&r, 2, 3) <= 256);
    CHECK(fdgrad_adaptive_range(pair, &p, xs, 3, &r, 2, NULL, &eps, 0, 3, big, jv, je, js, jc) == FDGRAD_OK);
    double want2[6] = {2.0, 0.0, 1.5, 1.0, 1.0, 1.0};
    for (int k = 0; k < 6; k++)
        CHECK(fabs(jv[k] - want2[k]) <= 1e-12 && fabs(jv[k] - want2[k]) <= je[k]);
    CHECK(fdgrad_adaptive_range(pair, &p, xs, 3, &r, 0, NULL, &eps, 0, 3, big, jv, je, js, jc) == FDGRAD_EINVAL);
    CHECK(fdgrad_adaptive_range(pair, &p, xs, 3, &r, 2, NULL, &eps, 0, 4, big, jv, je, js, jc) == FDGRAD_EINVAL);
}

/* A batch evaluator over the pointwise one that records its batches and the farthest point. */
typedef struct {
    fdgrad_pointwise inner;
    const double *x0;
    int batches, fail_precision;
    double farthest[3];
} recording;

static int recorded_values(void *ctx, double *x, size_t lo, size_t hi, const double *h, const double *offsets,
                           int count, size_t m, double *out)
{
    recording *rec = (recording *)ctx;
    rec->batches++;
    for (size_t i = lo; i < hi; i++)
        for (int k = 0; k < count; k++) {
            double moved = fabs((rec->x0[i] + offsets[k] * h[i - lo]) - rec->x0[i]);
            rec->farthest[i] = moved > rec->farthest[i] ? moved : rec->farthest[i];
        }
    fdgrad_evaluator inner = fdgrad_pointwise_evaluator(&rec->inner);
    return inner.values(inner.ctx, x, lo, hi, h, offsets, count, m, out);
}

static int recorded_precision(void *ctx, double *eps)
{
    recording *rec = (recording *)ctx;
    *eps = *rec->inner.eps;
    return rec->fail_precision;
}

static void test_adaptive_batches(void)
{
    double x0[3] = {1.0, 0.5, -2.0}, x[3], f0 = 0.0, eps = DBL_EPSILON, work[512];
    double value[2][3], error[2][3], step[2][3], limit[3] = {INFINITY, 1e-6, 3e-4};
    unsigned char converged[2][3];
    for (int side = -1; side <= 1; side++) {
        fdgrad_adaptive_rule r = ladder_rule(side);
        CHECK(fdgrad_adaptive_work(&r, 1, 3) <= 512);
        quad_ctx q = {3, 0, -1};
        memcpy(x, x0, sizeof(x));
        mixed(&q, x, &f0);
        /* in runs and whole (every kind at once): a separable f's values are the same points', so the
         * same results; pilots and probes in one batch each, ladders in one batch per run or kind */
        for (int whole = 0; whole < 2; whole++) {
            recording rec = {{mixed, &q, &eps}, x0, 0, 0, {0.0, 0.0, 0.0}};
            fdgrad_evaluator ev = {recorded_values, recorded_precision, NULL, &rec};
            CHECK(fdgrad_adaptive_ladders(&ev, x, 3, &r, 1, &f0, 0, NULL, whole, 0, 3, work, value[whole],
                                          error[whole], step[whole], converged[whole]) == FDGRAD_OK);
            CHECK(rec.batches >= 3 && rec.batches <= 5);
            CHECK(memcmp(x, x0, sizeof(x)) == 0);
        }
        CHECK(memcmp(value[0], value[1], sizeof(value[0])) == 0);
        CHECK(memcmp(error[0], error[1], sizeof(error[0])) == 0);
        /* a limit: no point farther from x_i than it */
        recording rec = {{mixed, &q, &eps}, x0, 0, 0, {0.0, 0.0, 0.0}};
        fdgrad_evaluator ev = {recorded_values, recorded_precision, NULL, &rec};
        CHECK(fdgrad_adaptive_ladders(&ev, x, 3, &r, 1, &f0, 0, limit, 0, 0, 3, work, value[0], error[0],
                                      step[0], converged[0]) == FDGRAD_OK);
        for (int i = 0; i < 3; i++)
            CHECK(rec.farthest[i] <= limit[i] && rec.farthest[i] > 0.0);
        CHECK(fabs(value[0][1] - cos(0.5)) < 1e-6);
        /* a failing precision callback stops the engine */
        rec.fail_precision = 1;
        CHECK(fdgrad_adaptive_ladders(&ev, x, 3, &r, 1, &f0, 0, NULL, 0, 0, 3, work, value[0], error[0], step[0],
                                      converged[0]) == FDGRAD_ECALLBACK);
        CHECK(memcmp(x, x0, sizeof(x)) == 0);
    }
}

static void test_adaptive_hessian(void)
{
    fdgrad_adaptive_rule r = ladder_rule(0); /* then made the central second derivative's */
    r.deriv = 2;
    r.weights[0] = r.weights[1] = 1.0;
    r.centre = -2.0;
    r.denom = 1.0;
    r.rounding = 8.0;
    r.relative = 4.0;
    r.fornberg = 1;
    r.pilot_rel = pow(DBL_EPSILON, 0.25);
    r.hessian_tau = 3e-13 * 30.0;
    r.hessian_top = pow(2.1, FDGRAD_HESSIAN_RUNGS - 1);
    for (int k = 0; k < FDGRAD_HESSIAN_RUNGS; k++)
        r.hessian_powers[k] = pow(2.1, FDGRAD_HESSIAN_RUNGS - 1 - k);
    enum { N = 3 };
    double x0[N] = {0.7, -1.2, 2.5}, x[N], value[N * N], error[N * N], steps[N];
    unsigned char converged[N * N];
    double *work = malloc(fdgrad_adaptive_hessian_work(N) * sizeof(double));
    memcpy(x, x0, sizeof(x));
    quad_ctx q = {N, 0, -1};
    double f0 = 0.0;
    quad(&q, x, &f0);
    q.calls = 0;
    double eps = DBL_EPSILON;
    CHECK(fdgrad_adaptive_hessian(quad, &q, x, N, &r, f0, &eps, work, value, error, steps, converged) == FDGRAD_OK);
    CHECK(q.calls == 2 * N + 8 * N * N);
    CHECK(memcmp(x, x0, sizeof(x)) == 0);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double want = i == j ? 2.0 * (i + 1) : 0.0, wrong = fabs(value[i * N + j] - want);
            CHECK(wrong < 1e-8 && wrong <= error[i * N + j] && value[i * N + j] == value[j * N + i]);
        }
    for (long k = 0; k < 2 * N + 8 * N * N; k += 7) { /* f failing part-way: stopped, x restored */
        quad_ctx bad = {N, 0, k};
        CHECK(fdgrad_adaptive_hessian(quad, &bad, x, N, &r, f0, &eps, work, value, error, steps, converged)
              == FDGRAD_ECALLBACK);
        CHECK(memcmp(x, x0, sizeof(x)) == 0);
    }
    free(work);
}

int main(void)
{
    test_adaptive();
    test_adaptive_batches();
    test_adaptive_hessian();
    test_group_columns();
    test_jacobian_range();
    test_two_outputs_and_forward();
    test_evaluate_combine_points();
    test_hessian_ranges();
    test_complex_and_combine();
    test_default_steps();
    test_native();
    test_huge_n();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures != 0;
}
