/* Finite-difference kernels; see fdgrad.h for the contract. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#endif
#include "fdgrad.h"

#include <float.h>
#include <math.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <time.h>
#endif

static int stencil_ok(const fdgrad_stencil *s)
{
    return s != NULL && s->npoints >= 1 && s->npoints <= FDGRAD_MAX_POINTS
           && s->hpow >= 1 && s->hpow <= FDGRAD_MAX_DERIV;
}

/* The one formula every stencil kernel uses; fk[k * stride] is f at offset k. */
static double stencil_value(const fdgrad_stencil *s, const double *fk, size_t stride, double h)
{
    double acc = s->weights[0] * fk[0];
    for (int k = 1; k < s->npoints; k++) {
        acc = acc + s->weights[k] * fk[(size_t)k * stride];
    }
    double scale = s->denom * h;
    for (int p = 1; p < s->hpow; p++) {
        scale = scale * h;
    }
    return acc / scale;
}

double fdgrad_stencil_value(const fdgrad_stencil *stencil, const double *fk, size_t stride, double h)
{
    return stencil_value(stencil, fk, stride, h);
}

/* f at x with x[i] = xi + o * h (restored afterwards, also on failure). */
static int eval_at(fdgrad_objective f, void *ctx, double *x, size_t i, double xi,
                   double o, double h, double *out)
{
    x[i] = xi + o * h;
    int rc = f(ctx, x, out);
    x[i] = xi;
    return rc;
}

int fdgrad_evaluate_range(fdgrad_objective f, void *ctx, double *x, size_t n, size_t m,
                          const double *h, const double *offsets, int npoints,
                          size_t start, size_t stop, double *out)
{
    if (f == NULL || x == NULL || h == NULL || offsets == NULL || out == NULL || m == 0
        || npoints < 1 || start > stop || stop > n) {
        return FDGRAD_EINVAL;
    }
    for (size_t i = start; i < stop; i++) {
        const double xi = x[i];
        for (int k = 0; k < npoints; k++) {
            double *dest = out + ((i - start) * (size_t)npoints + (size_t)k) * m;
            if (eval_at(f, ctx, x, i, xi, offsets[k], h[i], dest) != 0) {
                return FDGRAD_ECALLBACK;
            }
        }
    }
    return FDGRAD_OK;
}

int fdgrad_jacobian_range(fdgrad_objective f, void *ctx, double *x, size_t n, size_t m,
                          const double *h, const fdgrad_stencil *stencil, const double *f0,
                          size_t start, size_t stop, double *work, double *out)
{
    if (f == NULL || x == NULL || h == NULL || work == NULL || out == NULL || m == 0
        || !stencil_ok(stencil) || start > stop || stop > n) {
        return FDGRAD_EINVAL;
    }
    const int np = stencil->npoints;
    for (size_t i = start; i < stop; i++) {
        const double xi = x[i];
        for (int k = 0; k < np; k++) {
            double *dest = work + (size_t)k * m;
            const double o = stencil->offsets[k];
            if (o == 0.0) {
                if (f0 == NULL) {
                    return FDGRAD_EINVAL;
                }
                for (size_t j = 0; j < m; j++) {
                    dest[j] = f0[j];
                }
            } else if (eval_at(f, ctx, x, i, xi, o, h[i], dest) != 0) {
                return FDGRAD_ECALLBACK;
            }
        }
        for (size_t j = 0; j < m; j++) {
            out[j * n + i] = stencil_value(stencil, work + j, m, h[i]);
        }
    }
    return FDGRAD_OK;
}

int fdgrad_complex_range(fdgrad_objective f, void *ctx, double *xz, size_t n, size_t m,
                         const double *h, size_t start, size_t stop, double *work,
                         double *out)
{
    if (f == NULL || xz == NULL || h == NULL || work == NULL || out == NULL || m == 0
        || start > stop || stop > n) {
        return FDGRAD_EINVAL;
    }
    for (size_t i = start; i < stop; i++) {
        double *im = xz + 2 * i + 1;
        *im = h[i];
        int rc = f(ctx, xz, work);
        *im = 0.0;
        if (rc != 0) {
            return FDGRAD_ECALLBACK;
        }
        for (size_t j = 0; j < m; j++) {
            out[j * n + i] = work[j] / h[i];
        }
    }
    return FDGRAD_OK;
}

/* Entry `start` of the upper triangle, numbered row by row: row i holds n - i entries. */
static void entry_start(size_t n, size_t start, size_t *i, size_t *j)
{
    size_t row = 0, row_start = 0;
    while (row_start + (n - row) <= start) {
        row_start += n - row;
        row++;
    }
    *i = row;
    *j = row + (start - row_start);
}

/* How many points entry (i, j) takes, and the offsets of x_i and x_j of point p. */
static int hessian_moves(size_t i, size_t j, int side, int p, double *oi, double *oj)
{
    static const double central[4][2] = {{1.0, 1.0}, {1.0, -1.0}, {-1.0, 1.0}, {-1.0, -1.0}};
    const double s = (double)side;
    if (i == j) {
        *oi = side == 0 ? (p == 0 ? 1.0 : -1.0) : 2.0 * s;
        *oj = 0.0;
        return side == 0 ? 2 : 1;
    }
    if (side == 0) {
        *oi = central[p][0];
        *oj = central[p][1];
        return 4;
    }
    *oi = s;
    *oj = s;
    return 1;
}

/* The one formula of a Hessian entry from the values fv of its points (see fdgrad.h). */
static double hessian_entry(const double *fv, size_t i, size_t j, const double *h, double f0,
                            const double *f1, int side)
{
    const double hi = h[i], hj = h[j];
    if (i == j) {
        if (side == 0) {
            return (fv[0] - 2.0 * f0 + fv[1]) / (hi * hi);
        }
        return (fv[0] - 2.0 * f1[i] + f0) / (hi * hi);
    }
    if (side == 0) {
        return (fv[0] - fv[1] - fv[2] + fv[3]) / (4.0 * hi * hj);
    }
    return (fv[0] - f1[i] - f1[j] + f0) / (hi * hj);
}

static int entries_ok(size_t n, size_t start, size_t stop, int side)
{
    return start <= stop && stop <= n * (n + 1) / 2 && side >= -1 && side <= 1;
}

static int hessian_args_ok(size_t n, size_t start, size_t stop, int side, const double *f1)
{
    return entries_ok(n, start, stop, side) && (side == 0 || f1 != NULL);
}

int fdgrad_hessian_range(fdgrad_objective f, void *ctx, double *x, size_t n,
                         const double *h, double f0, const double *f1, int side,
                         size_t start, size_t stop, double *out)
{
    if (f == NULL || x == NULL || h == NULL || out == NULL || !hessian_args_ok(n, start, stop, side, f1)) {
        return FDGRAD_EINVAL;
    }
    size_t i, j;
    entry_start(n, start, &i, &j);
    for (size_t k = start; k < stop; k++) {
        const double xi = x[i], xj = x[j];
        double fv[4], oi = 0.0, oj = 0.0;
        const int count = hessian_moves(i, j, side, 0, &oi, &oj);
        for (int p = 0; p < count; p++) {
            hessian_moves(i, j, side, p, &oi, &oj);
            int rc;
            if (i == j) {
                rc = eval_at(f, ctx, x, i, xi, oi, h[i], &fv[p]);
            } else {
                x[i] = xi + oi * h[i];
                rc = eval_at(f, ctx, x, j, xj, oj, h[j], &fv[p]);
                x[i] = xi;
            }
            if (rc != 0) {
                return FDGRAD_ECALLBACK;
            }
        }
        const double value = hessian_entry(fv, i, j, h, f0, f1, side);
        out[i * n + j] = value;
        out[j * n + i] = value;
        if (++j == n) {
            i++;
            j = i;
        }
    }
    return FDGRAD_OK;
}

int fdgrad_hessian_points(const double *x, size_t n, const double *h, int side, size_t start,
                          size_t stop, double *points, size_t *count)
{
    if (x == NULL || h == NULL || points == NULL || count == NULL
        || !entries_ok(n, start, stop, side)) {
        return FDGRAD_EINVAL;
    }
    size_t i, j, rows = 0;
    entry_start(n, start, &i, &j);
    for (size_t k = start; k < stop; k++) {
        double oi = 0.0, oj = 0.0;
        const int npoints = hessian_moves(i, j, side, 0, &oi, &oj);
        for (int p = 0; p < npoints; p++) {
            hessian_moves(i, j, side, p, &oi, &oj);
            double *row = points + rows * n;
            memcpy(row, x, n * sizeof(double));
            row[i] = x[i] + oi * h[i];
            if (i != j) {
                row[j] = x[j] + oj * h[j];
            }
            rows++;
        }
        if (++j == n) {
            i++;
            j = i;
        }
    }
    *count = rows;
    return FDGRAD_OK;
}

int fdgrad_hessian_combine(const double *values, size_t n, const double *h, double f0,
                           const double *f1, int side, size_t start, size_t stop, double *out)
{
    if (values == NULL || h == NULL || out == NULL || !hessian_args_ok(n, start, stop, side, f1)) {
        return FDGRAD_EINVAL;
    }
    size_t i, j;
    entry_start(n, start, &i, &j);
    for (size_t k = start; k < stop; k++) {
        double oi, oj;
        const int npoints = hessian_moves(i, j, side, 0, &oi, &oj);
        const double value = hessian_entry(values, i, j, h, f0, f1, side);
        out[i * n + j] = value;
        out[j * n + i] = value;
        values += npoints;
        if (++j == n) {
            i++;
            j = i;
        }
    }
    return FDGRAD_OK;
}

int fdgrad_combine(const fdgrad_stencil *stencil, const double *const *fvals,
                   const double *h, size_t n, double *out)
{
    if (!stencil_ok(stencil) || fvals == NULL || h == NULL || out == NULL) {
        return FDGRAD_EINVAL;
    }
    for (int k = 0; k < stencil->npoints; k++) {
        if (fvals[k] == NULL) {
            return FDGRAD_EINVAL;
        }
    }
    double fk[FDGRAD_MAX_POINTS];
    for (size_t j = 0; j < n; j++) {
        for (int k = 0; k < stencil->npoints; k++) {
            fk[k] = fvals[k][j];
        }
        out[j] = stencil_value(stencil, fk, 1, h[j]);
    }
    return FDGRAD_OK;
}

int fdgrad_combine_range(const fdgrad_stencil *stencil, const double *values, size_t m,
                         const double *h, size_t n, size_t start, size_t stop, double *out)
{
    if (!stencil_ok(stencil) || values == NULL || h == NULL || out == NULL || m == 0
        || start > stop || stop > n) {
        return FDGRAD_EINVAL;
    }
    const size_t np = (size_t)stencil->npoints;
    for (size_t i = start; i < stop; i++) {
        const double *row = values + (i - start) * np * m;
        for (size_t j = 0; j < m; j++) {
            out[j * n + i] = stencil_value(stencil, row + j, m, h[i]);
        }
    }
    return FDGRAD_OK;
}

int fdgrad_stencil_points(const double *x, size_t n, const double *h, const double *offsets,
                          int npoints, size_t start, size_t stop, double *points)
{
    if (x == NULL || h == NULL || offsets == NULL || points == NULL || npoints < 1
        || start > stop || stop > n) {
        return FDGRAD_EINVAL;
    }
    for (size_t i = start; i < stop; i++) {
        for (int k = 0; k < npoints; k++) {
            double *row = points + ((i - start) * (size_t)npoints + (size_t)k) * n;
            memcpy(row, x, n * sizeof(double));
            row[i] = x[i] + offsets[k] * h[i];
        }
    }
    return FDGRAD_OK;
}

size_t fdgrad_default_steps(const double *x, size_t n, double rel_step, double reach, double *h)
{
    for (size_t i = 0; i < n; i++) {
        const double ax = fabs(x[i]);
        double raw = rel_step * (ax > 1.0 ? ax : 1.0);
        /* At most half the room, so that rounding cannot overshoot. */
        const double room = (DBL_MAX - ax) / reach * 0.5;
        if (room < raw) {
            raw = room;
        }
        double step = (x[i] + raw) - x[i];
        if (ax + reach * step > DBL_MAX) {
            step = 0.0;
        }
        if (step == 0.0) {
            return i;
        }
        h[i] = step; /* NaN for a NaN x: a diverged descent goes on quietly */
    }
    return n;
}

size_t fdgrad_fixed_steps(const double *x, size_t n, double h, double reach, double *out)
{
    for (size_t i = 0; i < n; i++) {
        if (!(fabs(x[i]) + reach * h <= DBL_MAX)) {
            return i;
        }
        out[i] = h;
    }
    return n;
}

size_t fdgrad_all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) {
            return i;
        }
    }
    return n;
}

int fdgrad_native_objective(void *ctx, const double *x, double *out)
{
    fdgrad_native *nat = (fdgrad_native *)ctx;
    if (nat->stop != NULL && *nat->stop) {
        return FDGRAD_ESTOPPED;
    }
    /* SciPy's signatures take double *; the contract forbids writing to it. */
    double *xs = (double *)x;
    switch (nat->kind) {
    case FDGRAD_NATIVE_SCALAR:
        out[0] = nat->scalar(nat->n, xs);
        return FDGRAD_OK;
    case FDGRAD_NATIVE_SCALAR_DATA:
        out[0] = nat->scalar_data(nat->n, xs, nat->user_data);
        return FDGRAD_OK;
    case FDGRAD_NATIVE_VECTOR:
        nat->vector(nat->n, xs, nat->m, out);
        return FDGRAD_OK;
    case FDGRAD_NATIVE_VECTOR_DATA:
        nat->vector_data(nat->n, xs, nat->m, out, nat->user_data);
        return FDGRAD_OK;
    default:
        return FDGRAD_EINVAL;
    }
}

double fdgrad_seconds(void)
{
#ifdef _WIN32
    LARGE_INTEGER count, frequency;
    QueryPerformanceCounter(&count);
    QueryPerformanceFrequency(&frequency);
    return (double)count.QuadPart / (double)frequency.QuadPart;
#else
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
#endif
}

size_t fdgrad_group_columns(size_t n, const size_t *col_ptr, const size_t *col_rows,
                            const size_t *row_ptr, const size_t *row_cols, size_t *groups, size_t *mark)
{
    size_t ngroups = 0;
    for (size_t j = 0; j < n; j++) {
        mark[j] = n; /* no column is n: unmarked */
    }
    for (size_t j = 0; j < n; j++) {
        /* Mark the groups of the columns before j that share a row with it. */
        for (size_t p = col_ptr[j]; p < col_ptr[j + 1]; p++) {
            size_t r = col_rows[p];
            for (size_t q = row_ptr[r]; q < row_ptr[r + 1]; q++) {
                size_t k = row_cols[q];
                if (k < j) {
                    mark[groups[k]] = j;
                }
            }
        }
        size_t g = 0;
        while (mark[g] == j) {
            g++;
        }
        groups[j] = g;
        if (g + 1 > ngroups) {
            ngroups = g + 1;
        }
    }
    return ngroups;
}
