/* Finite-difference kernels; see fdgrad.h for the contract. */
#include "fdgrad.h"

static int stencil_ok(const fdgrad_stencil *s)
{
    return s != NULL && s->npoints >= 1 && s->npoints <= FDGRAD_MAX_POINTS;
}

/* The one formula both kernels use: sum_k w_k fk[k] / (denom h), summed in order. */
static double stencil_value(const fdgrad_stencil *s, const double *fk, double h)
{
    double acc = s->weights[0] * fk[0];
    for (int k = 1; k < s->npoints; k++) {
        acc = acc + s->weights[k] * fk[k];
    }
    return acc / (s->denom * h);
}

int fdgrad_gradient_range(fdgrad_objective f, void *ctx, double *x, size_t n,
                          const double *h, const fdgrad_stencil *stencil,
                          double f0, size_t start, size_t stop, double *out)
{
    if (f == NULL || x == NULL || h == NULL || out == NULL || !stencil_ok(stencil)
        || start > stop || stop > n) {
        return FDGRAD_EINVAL;
    }
    double fk[FDGRAD_MAX_POINTS];
    for (size_t i = start; i < stop; i++) {
        const double xi = x[i];
        const double hi = h[i];
        for (int k = 0; k < stencil->npoints; k++) {
            const double o = stencil->offsets[k];
            if (o == 0.0) {
                fk[k] = f0;
                continue;
            }
            x[i] = xi + o * hi;
            if (f(ctx, x, &fk[k]) != 0) {
                x[i] = xi;
                return FDGRAD_ECALLBACK;
            }
        }
        x[i] = xi;
        out[i] = stencil_value(stencil, fk, hi);
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
        out[j] = stencil_value(stencil, fk, h[j]);
    }
    return FDGRAD_OK;
}
