/*
 * adaptive.c - the adaptive engine: each coordinate's ladder, for each output of f, f evaluated
 * in batches through an fdgrad_evaluator (point by point over an objective, or a caller's own).
 *
 * The stages are those of src/fdgrad/_adaptive.py, whose module docstring gives
 * the algorithm: pilot, probe, ladder, tableau, check.  That module is the twin
 * (numpy over arrays of coordinates); this file computes each quantity with the
 * same operations in the same order, so that the two backends agree bit for bit.
 * Two helpers mirror numpy's comparisons: np.maximum and np.minimum propagate a
 * NaN (nmax, nmin), while np.fmax ignores one (fmax).  Build without FMA
 * contraction (-ffp-contract=off).
 */
#include "fdgrad.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* np.maximum and np.minimum: a NaN in either gives NaN. */
static double nmax(double a, double b) { return isnan(a) ? a : isnan(b) ? b : (a >= b ? a : b); }
static double nmin(double a, double b) { return isnan(a) ? a : isnan(b) ? b : (a <= b ? a : b); }

/* step ** deriv by repeated products (exact for deriv = 1), as _Rule.power. */
static double power_of(double step, int deriv) {
    double out = step;
    for (int k = 1; k < deriv; k++)
        out = out * step;
    return out;
}

/* One rung of differences of one output: its quotient, |f| size and argument rounding |x f'|. */
typedef struct {
    double quotient, size, argument;
} rung;

/* Fornberg's weights of the derivative of order deriv at 0 from values at nodes[0..count). */
static void fornberg(const double *nodes, int count, int deriv, double *weights) {
    double c[FDGRAD_RUNG_MAX + 1][FDGRAD_MAX_DERIV + 1] = {{0.0}};
    c[0][0] = 1.0;
    double c1 = 1.0, c4 = nodes[0];
    for (int i = 1; i < count; i++) {
        int top = i < deriv ? i : deriv;
        double c2 = 1.0, c5 = c4;
        c4 = nodes[i];
        for (int j = 0; j < i; j++) {
            double c3 = nodes[i] - nodes[j];
            c2 = c2 * c3;
            if (j == i - 1) {
                for (int k = top; k > 0; k--)
                    c[i][k] = c1 * ((double)k * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2;
                c[i][0] = -c1 * c5 * c[i - 1][0] / c2;
            }
            for (int k = top; k > 0; k--)
                c[j][k] = (c4 * c[j][k] - (double)k * c[j][k - 1]) / c3;
            c[j][0] = c4 * c[j][0] / c3;
        }
        c1 = c2;
    }
    for (int i = 0; i < count; i++)
        weights[i] = c[i][deriv];
}

/* One rung's geometry: the points xi + (o_k p) h actually evaluated, the rung's step (their
 * distance), and where the rule needs them, the weights of those points. */
typedef struct {
    double step;
    double weights[FDGRAD_RUNG_MAX + 1];
} geometry;

static geometry rung_geometry(const fdgrad_adaptive_rule *r, double xi, double h, double p) {
    int q = r->q;
    double points[FDGRAD_RUNG_MAX];
    for (int k = 0; k < q; k++)
        points[k] = xi + (r->offsets[k] * p) * h;
    geometry g;
    double o0 = fabs(r->offsets[0]);
    if (r->side == 0)
        g.step = ((points[0] - points[1]) / 2.0) / o0;
    else
        g.step = fabs(points[0] - xi) / o0;
    if (r->fornberg) {
        double nodes[FDGRAD_RUNG_MAX + 1];
        int count = q;
        for (int k = 0; k < q; k++)
            nodes[k] = points[k] - xi;
        if (r->centre != 0.0)
            nodes[count++] = 0.0;
        fornberg(nodes, count, r->deriv, g.weights);
    }
    return g;
}

/* _differences for one output of one rung: f's values v[k * m] at its points. */
static rung differences(const fdgrad_adaptive_rule *r, double xi, const geometry *g, const double *v, size_t m,
                        double f0) {
    int q = r->q;
    rung out;
    double size = fabs(v[0]);
    for (int k = 1; k < q; k++)
        size = nmax(size, fabs(v[k * m]));
    if (r->centre != 0.0)
        size = nmax(size, fabs(f0));
    out.size = size;
    double slope;
    if (r->side == 0)
        slope = (v[0] - v[m]) / (2.0 * g->step);
    else
        slope = (v[0] - f0) / (r->offsets[0] * g->step);
    out.argument = fabs(xi * slope);
    if (r->fornberg) {
        double base = r->centre != 0.0 ? f0 : v[0];
        double acc = 0.0;
        for (int k = 0; k < q; k++)
            acc = acc + g->weights[k] * (v[k * m] - base);
        out.quotient = acc;
    } else {
        double acc = r->weights[0] * v[0];
        for (int k = 1; k < q; k++)
            acc = acc + r->weights[k] * v[k * m];
        if (r->centre != 0.0)
            acc = acc + r->centre * f0;
        out.quotient = acc / (r->denom * power_of(g->step, r->deriv));
    }
    return out;
}

/* The pointwise evaluator: f at each point in turn (x_i restored after each call). */
static int pointwise_values(void *ctx, double *x, size_t lo, size_t hi, const double *h, const double *offsets,
                            int count, size_t m, double *out) {
    const fdgrad_pointwise *p = (const fdgrad_pointwise *)ctx;
    for (size_t i = lo; i < hi; i++) {
        double xi = x[i];
        for (int k = 0; k < count; k++) {
            x[i] = xi + offsets[k] * h[i - lo];
            int status = p->f(p->ctx, x, &out[((i - lo) * (size_t)count + (size_t)k) * m]);
            x[i] = xi;
            if (status != 0)
                return FDGRAD_ECALLBACK;
        }
    }
    return FDGRAD_OK;
}

static int pointwise_precision(void *ctx, double *eps) {
    *eps = *((const fdgrad_pointwise *)ctx)->eps;
    return 0;
}

static int pointwise_hessian(void *ctx, double *x, size_t n, const double *h, double f0, double *out) {
    const fdgrad_pointwise *p = (const fdgrad_pointwise *)ctx;
    return fdgrad_hessian_range(p->f, p->ctx, x, n, h, f0, NULL, 0, 0, n * (n + 1) / 2, out);
}

fdgrad_evaluator fdgrad_pointwise_evaluator(fdgrad_pointwise *p) {
    fdgrad_evaluator ev;
    ev.values = pointwise_values;
    ev.precision = pointwise_precision;
    ev.hessian = pointwise_hessian;
    ev.ctx = p;
    return ev;
}

/* _inside: a distance limit made safe for steps that round to x's spacing (np.spacing of a
 * non-negative double: the gap to the next one up). */
static double inside(double limit, double absx) {
    if (isinf(limit))
        return limit;
    double at = absx + limit;
    return nmax(limit - 4.0 * (nextafter(at, INFINITY) - at), 0.0);
}

/* _in_rounding: a difference within its own rounding. */
static int in_rounding(const fdgrad_adaptive_rule *r, double quotient, double size, double step, double eps) {
    return fabs(quotient) <= r->rounding * eps * size / power_of(step, r->deriv);
}

typedef struct {
    double best, error, step;
    int trusted, fully;
} table;

/* _tableau for one entry: differences column[0..count) at steps (large to small). */
static table tableau(const double *column_in, const double *size, const double *steps, const double *argument,
                     int count, const fdgrad_adaptive_rule *r, double eps, int wide, double noise) {
    int side = r->side;
    double level[FDGRAD_LADDER_MAX], rounding[FDGRAD_LADDER_MAX], change[FDGRAD_LADDER_MAX];
    int seen[FDGRAD_LADDER_MAX], pair_ok[FDGRAD_LADDER_MAX], from_below[FDGRAD_LADDER_MAX];
    double largest = argument[0];
    for (int k = 1; k < count; k++)
        largest = fmax(largest, argument[k]);
    for (int k = 0; k < count; k++) {
        level[k] = fmax(nmax(eps * size[k], noise), eps * largest);
        rounding[k] = r->rounding * level[k] / power_of(steps[k], r->deriv);
    }
    for (int k = 0; k < count - 1; k++) {
        change[k] = column_in[k] - column_in[k + 1];
        seen[k] = fabs(change[k]) > 4.0 * (rounding[k] + rounding[k + 1]);
    }
    for (int k = 0; k < count - 2; k++)
        pair_ok[k] = !(seen[k] && seen[k + 1])
                     || ((change[k] * change[k + 1] > 0)
                         && (fabs(change[k]) >= r->pair_slack[wide] * fabs(change[k + 1])));
    for (int k = count - 3; k >= 0; k--)
        from_below[k] = pair_ok[k] && (k == count - 3 || from_below[k + 1]);
    table out;
    out.trusted = count > 2 ? pair_ok[count - 3] : 1;
    out.fully = count > 2 ? from_below[0] : out.trusted;
    double smallest = column_in[count - 1];
    double column[FDGRAD_LADDER_MAX], previous[FDGRAD_LADDER_MAX];
    for (int k = 0; k < count; k++)
        column[k] = (k >= count - 2 || from_below[k]) ? column_in[k] : NAN;
    out.best = NAN;
    out.error = INFINITY;
    out.step = steps[count - 1];
    int stopped = 0, stopped_before = 0, length = count;
    for (int j = 1; j < count; j++) {
        double factor = r->factors[wide][j], scale = ldexp(1.0, j);
        for (int k = 0; k < length; k++)
            previous[k] = column[k];
        length--;
        for (int k = 0; k < length; k++)
            column[k] = previous[k + 1] + (previous[k + 1] - previous[k]) / factor;
        if (side != 0 && length > 2) {
            /* a fractional power at a bound of f's domain: the last column extrapolated */
            double moved[FDGRAD_LADDER_MAX];
            int above[FDGRAD_LADDER_MAX], bent = 0;
            for (int k = 0; k < length - 1; k++) {
                moved[k] = column[k] - column[k + 1];
                above[k] = fabs(moved[k]) > 4.0 * scale * (rounding[j + k] + rounding[j + k + 1]);
            }
            for (int k = 0; k < length - 2; k++) {
                int shrinks = (moved[k] * moved[k + 1] > 0)
                              && (fabs(moved[k]) >= r->shrinks[wide][j] * fabs(moved[k + 1]));
                bent = bent || (above[k] && above[k + 1] && !shrinks);
            }
            stopped = stopped || bent;
        }
        if (side != 0 && j > 1 && stopped_before)
            for (int k = 0; k < length; k++)
                column[k] = NAN;
        if (side != 0)
            stopped_before = stopped;
        for (int k = 0; k < length; k++) {
            double error = fabs(column[k] - previous[k + 1]);
            if (k > 0)
                error = nmax(error, fabs(column[k] - column[k - 1]));
            error = error + rounding[k + j] * scale;
            if (error < out.error) {
                out.best = column[k];
                out.error = error;
                out.step = steps[k + j];
            }
        }
    }
    if (!isfinite(out.best)) {
        out.best = smallest;
        out.error = INFINITY;
    }
    return out;
}

/* One entry's result. */
typedef struct {
    double value, error, step;
    int converged;
} fdgrad_adaptive_result;

/* _pilot_check for one entry: the pilot checks the ladder's winner. */
static fdgrad_adaptive_result pilot_check(table t, double pilot, double size, double pilot_step, double slope,
                                          double eps, const fdgrad_adaptive_rule *r, double x) {
    double best = t.best, error = t.error, step = t.step;
    double pilot_power = power_of(pilot_step, r->deriv);
    double pilot_rounding = 2.0 * r->rounding * eps * size / pilot_power;
    double pilot_error = pilot_rounding + 2.0 * fabs(slope) * (r->side == 0 ? pilot_step * pilot_step : pilot_step);
    if (!isfinite(pilot_error))
        pilot_error = pilot_rounding;
    double gap = fabs(best - pilot);
    int suspect = gap > 4.0 * (pilot_error + error);
    suspect = suspect && isfinite(pilot) && isfinite(pilot_error);
    double noise = gap * pilot_power;
    error = error + (isfinite(noise) ? 2.0 * noise / power_of(step, r->deriv) : 0.0);
    int blind = pilot_error >= fabs(best);
    int unchecked = suspect || (blind && (step > r->check_fraction * fabs(x)));
    suspect = suspect || (blind && !t.fully);
    unchecked = unchecked || suspect;
    if (unchecked)
        error = nmax(error, gap + pilot_error);
    int lost = (!isfinite(best) || !t.trusted) && isfinite(pilot);
    double stretch = sqrt(step / pilot_step) - 1.0;
    double widened = stretch > 0 ? gap / nmax(stretch, 1e-300) : INFINITY;
    if (lost && !t.trusted)
        pilot_error = fmax(pilot_error, fmax(gap, widened));
    if (lost) {
        best = pilot;
        error = pilot_error;
        step = pilot_step;
    }
    int finite = isfinite(best);
    fdgrad_adaptive_result out;
    out.value = best;
    out.error = finite ? error : INFINITY;
    out.step = step;
    out.converged = !suspect && !lost && finite && isfinite(error);
    return out;
}

int fdgrad_adaptive_evaluations(const fdgrad_adaptive_rule *rule) {
    return rule->q * (1 + rule->count);
}

/* What one coordinate carries from one stage to the next (the twin's arrays over coordinates):
 * h and label are a stage's step and batch (-1: not evaluated in that stage). */
typedef struct {
    double room, pilot_step, smallest, top, probe_step, h;
    int blank, broken, kind, label;
} stage;

/* The doubles of a range's scratch: one coordinate's ladder (three columns) and wanted steps,
 * shared; per coordinate its stage, per output the pilot, its size, its bound before a retake
 * and the probe's three, and f's values at a ladder's points (twice: as a batch returns them,
 * and by coordinate), and its step in a batch. */
#define STRIDE(r, m) ((size_t)((r)->count - 1) * (size_t)(r)->q * (m))
#define SHARED(r, m) ((3 * (size_t)(r)->count + 1) * (m))
#define PER_COORDINATE(r, m) ((sizeof(stage) + sizeof(double) - 1) / sizeof(double) + 6 * (m) + 2 * STRIDE(r, m) + 1)

size_t fdgrad_adaptive_work(const fdgrad_adaptive_rule *rule, size_t m, size_t coordinates) {
    return SHARED(rule, m) + coordinates * PER_COORDINATE(rule, m);
}

/* The points of a stage's batches: the offsets of each label's rungs and their count. */
typedef struct {
    double offsets[3][FDGRAD_LADDER_MAX * FDGRAD_RUNG_MAX];
    int count[3];
} batches;

/* One batch: the coordinates lo <= c < hi (relative to start) at their stage's step where their
 * label is this one (the others at x), their values copied to vals + c * stride. */
static int batch(const fdgrad_evaluator *ev, double *x, size_t start, const stage *stages, size_t lo, size_t hi,
                 int label, const batches *b, size_t m, size_t stride, double *hbuf, double *scratch, double *vals) {
    for (size_t c = lo; c < hi; c++)
        hbuf[c - lo] = stages[c].label == label ? stages[c].h : 0.0;
    if (ev->values(ev->ctx, x, start + lo, start + hi, hbuf, b->offsets[label], b->count[label], m, scratch) != 0)
        return FDGRAD_ECALLBACK;
    size_t width = (size_t)b->count[label] * m;
    for (size_t c = lo; c < hi; c++)
        if (stages[c].label == label)
            memcpy(vals + c * stride, scratch + (c - lo) * width, width * sizeof(double));
    return FDGRAD_OK;
}

/* A stage's evaluations in the twin's batches (_groups): each run of coordinates of one label in
 * turn, or with whole, each label's coordinates at once, labels ascending. */
static int evaluate_stage(const fdgrad_evaluator *ev, double *x, size_t start, const stage *stages, size_t coords,
                          const batches *b, size_t m, size_t stride, int whole, double *hbuf, double *scratch,
                          double *vals) {
    if (!whole) {
        for (size_t lo = 0, hi; lo < coords; lo = hi) {
            int label = stages[lo].label;
            for (hi = lo + 1; hi < coords && stages[hi].label == label; hi++)
                ;
            if (label >= 0 && batch(ev, x, start, stages, lo, hi, label, b, m, stride, hbuf, scratch, vals) != 0)
                return FDGRAD_ECALLBACK;
        }
        return FDGRAD_OK;
    }
    for (int label = 0; label < 3; label++) {
        size_t lo = coords, hi = 0;
        for (size_t c = 0; c < coords; c++)
            if (stages[c].label == label) {
                lo = lo < c ? lo : c;
                hi = c + 1;
            }
        if (lo < hi && batch(ev, x, start, stages, lo, hi, label, b, m, stride, hbuf, scratch, vals) != 0)
            return FDGRAD_ECALLBACK;
    }
    return FDGRAD_OK;
}

/* The median of the finite entries of a[0..m) (the mean of the two middle ones of an even count),
 * +inf where there is none: as fdgrad._adaptive._median takes it.  a is reordered. */
static double median(double *a, size_t m) {
    size_t c = 0;
    for (size_t j = 0; j < m; j++)
        if (!isnan(a[j]))
            a[c++] = a[j];
    if (c == 0)
        return INFINITY;
    for (size_t j = 1; j < c; j++) { /* insertion sort: m is small (f's outputs) */
        double v = a[j];
        size_t k = j;
        while (k > 0 && a[k - 1] > v) {
            a[k] = a[k - 1];
            k--;
        }
        a[k] = v;
    }
    return c % 2 ? a[c / 2] : (a[c / 2 - 1] + a[c / 2]) / 2.0;
}

/* max(EPS, precision()): f's rounding as its values seen so far show it. */
static int coarsest(const fdgrad_evaluator *ev, const fdgrad_adaptive_rule *r, double *eps) {
    double seen = r->eps;
    if (ev->precision(ev->ctx, &seen) != 0)
        return FDGRAD_ECALLBACK;
    *eps = seen > r->eps ? seen : r->eps;
    return FDGRAD_OK;
}

int fdgrad_adaptive_ladders(const fdgrad_evaluator *ev, double *x, size_t n, const fdgrad_adaptive_rule *r,
                            size_t m, const double *f0, size_t f0_row, const double *limit, int whole, size_t start,
                            size_t stop, double *work, double *value, double *error, double *step,
                            unsigned char *converged) {
    if (m == 0 || start > stop || stop > n)
        return FDGRAD_EINVAL;
    int q = r->q, count = r->count, deriv = r->deriv;
    size_t coords = stop - start, stride = STRIDE(r, m);
    double zero = 0.0;
    const double *f0s = f0 != NULL ? f0 : &zero;
    size_t f0_col = f0 != NULL ? 1 : 0;
    f0_row = f0 != NULL ? f0_row : 0;
    double *column = work, *sizes = column + (size_t)count * m, *arguments = sizes + (size_t)count * m;
    double *wanted = arguments + (size_t)count * m;
    double *carried = work + SHARED(r, m);
    stage *stages = (stage *)carried;
    double *per_output = carried + coords * ((sizeof(stage) + sizeof(double) - 1) / sizeof(double));
    double *vals = per_output + coords * 6 * m, *scratch = vals + coords * stride, *hbuf = scratch + coords * stride;
    /* the points of each stage's batches: a pilot or a probe (one rung), the ladders (kind 0:
     * the wide ratio's rungs; 1 and 2: the ratio's, below the top) */
    batches one, ladders;
    one.count[0] = q;
    for (int j = 0; j < q; j++)
        one.offsets[0][j] = r->offsets[j] * 1.0;
    for (int kind = 0; kind < 3; kind++) {
        const double *powers = kind == 0 ? r->wide_powers : r->powers + 1;
        ladders.count[kind] = (count - 1) * q;
        for (int k = 0; k < count - 1; k++)
            for (int j = 0; j < q; j++)
                ladders.offsets[kind][k * q + j] = r->offsets[j] * powers[k];
    }
    /* per output j of coordinate c: pilot, pilot_size, unseen, probe_q, probe_size, probe_arg */
#define PILOT(c, j) per_output[((c) * 6 + 0) * m + (j)]
#define PILOT_SIZE(c, j) per_output[((c) * 6 + 1) * m + (j)]
#define UNSEEN(c, j) per_output[((c) * 6 + 2) * m + (j)]
#define PROBE_Q(c, j) per_output[((c) * 6 + 3) * m + (j)]
#define PROBE_SIZE(c, j) per_output[((c) * 6 + 4) * m + (j)]
#define PROBE_ARG(c, j) per_output[((c) * 6 + 5) * m + (j)]
#define F0(c, j) f0s[(start + (c)) * f0_row + (j) * f0_col]

    /* 1. The pilots of every coordinate (one batch), then f's precision as their values show it. */
    for (size_t c = 0; c < coords; c++) {
        stage *s = &stages[c];
        double absx = fabs(x[start + c]);
        s->room = (DBL_MAX - absx) * 0.5 / r->reach;
        if (limit != NULL)
            s->room = nmin(s->room, inside(limit[start + c], absx) / r->reach);
        s->pilot_step = nmin(r->pilot_rel * (absx > 0 ? nmin(absx, 1.0) : 1.0), s->room);
        s->h = s->pilot_step;
        s->label = 0;
    }
    if (evaluate_stage(ev, x, start, stages, coords, &one, m, stride, 0, hbuf, scratch, vals) != FDGRAD_OK)
        return FDGRAD_ECALLBACK;
    for (size_t c = 0; c < coords; c++) {
        size_t i = start + c;
        geometry g = rung_geometry(r, x[i], stages[c].pilot_step, 1.0);
        for (size_t j = 0; j < m; j++) {
            rung d = differences(r, x[i], &g, vals + c * stride + j, m, F0(c, j));
            PILOT(c, j) = d.quotient;
            PILOT_SIZE(c, j) = d.size;
        }
    }
    double eps;
    if (coarsest(ev, r, &eps) != FDGRAD_OK)
        return FDGRAD_ECALLBACK;
    /* where f rounds to a constant at steps relative to a small |x| (blank), or a pilot's points
     * left f's domain (broken), the pilot taken again */
    int retaken = 0;
    for (size_t c = 0; c < coords; c++) {
        stage *s = &stages[c];
        double absx = fabs(x[start + c]);
        int silent_all = 1, finite_all = 1;
        for (size_t j = 0; j < m; j++) {
            silent_all = silent_all && in_rounding(r, PILOT(c, j), PILOT_SIZE(c, j), s->pilot_step, eps);
            finite_all = finite_all && isfinite(PILOT(c, j));
        }
        s->blank = (silent_all || power_of(s->pilot_step, deriv) < r->tiny) && absx < 1.0 && s->pilot_step < s->room;
        s->broken = !finite_all && s->pilot_step > 0.0 && !s->blank;
        s->label = s->blank || s->broken ? 0 : -1;
        if (s->label < 0)
            continue;
        retaken = 1;
        for (size_t j = 0; j < m; j++)
            UNSEEN(c, j) = 4.0 * r->rounding * r->eps * PILOT_SIZE(c, j) / power_of(s->pilot_step, deriv);
        s->pilot_step = s->blank ? nmin(r->pilot_rel * 1.0, s->room) : s->pilot_step / r->shrink;
        s->h = s->pilot_step;
    }
    if (retaken) {
        if (evaluate_stage(ev, x, start, stages, coords, &one, m, stride, whole, hbuf, scratch, vals) != FDGRAD_OK)
            return FDGRAD_ECALLBACK;
        for (size_t c = 0; c < coords; c++) {
            size_t i = start + c;
            stage *s = &stages[c];
            if (s->label < 0)
                continue;
            geometry g = rung_geometry(r, x[i], s->pilot_step, 1.0);
            int inside_domain = s->broken;
            for (size_t j = 0; j < m; j++) {
                rung d = differences(r, x[i], &g, vals + c * stride + j, m, F0(c, j));
                PILOT(c, j) = d.quotient;
                PILOT_SIZE(c, j) = (deriv == 1 && s->blank) ? fmax(d.size, fabs(d.quotient)) : d.size;
                inside_domain = inside_domain && isfinite(d.quotient);
            }
            if (inside_domain)
                s->room = nmin(s->room, s->pilot_step);
        }
        if (coarsest(ev, r, &eps) != FDGRAD_OK)
            return FDGRAD_ECALLBACK;
    }

    /* The ladders' places, and 2. the probes at their top steps (not where the pilot was taken again). */
    for (size_t c = 0; c < coords; c++) {
        stage *s = &stages[c];
        double absx = fabs(x[start + c]);
        for (size_t j = 0; j < m; j++) {
            double w = eps * r->relative * PILOT_SIZE(c, j) / fabs(PILOT(c, j)) / r->tau;
            if (deriv == 2)
                w = sqrt(w);
            else if (deriv > 2)
                w = pow(w, 1.0 / deriv);
            int silent = in_rounding(r, PILOT(c, j), PILOT_SIZE(c, j), s->pilot_step, eps);
            wanted[j] = (isfinite(w) && !silent) ? w : NAN;
        }
        double smallest = median(wanted, m);
        double ceiling = nmin(r->top_fraction * nmax(absx, 1.0) / r->reach, s->room) / r->ceiling_div;
        s->smallest = nmin(nmax(isfinite(smallest) ? smallest : ceiling, s->pilot_step), ceiling);
        s->top = s->smallest * r->powers[0];
        s->kind = 2;
        s->label = s->blank || s->broken ? -1 : 0;
        s->h = s->top;
    }
    if (evaluate_stage(ev, x, start, stages, coords, &one, m, stride, whole, hbuf, scratch, vals) != FDGRAD_OK)
        return FDGRAD_ECALLBACK;
    for (size_t c = 0; c < coords; c++) {
        size_t i = start + c;
        stage *s = &stages[c];
        if (s->label < 0)
            continue;
        geometry g = rung_geometry(r, x[i], s->top, 1.0);
        s->probe_step = g.step;
        s->kind = 1;
        for (size_t j = 0; j < m; j++) {
            rung d = differences(r, x[i], &g, vals + c * stride + j, m, F0(c, j));
            PROBE_Q(c, j) = d.quotient;
            PROBE_SIZE(c, j) = d.size;
            PROBE_ARG(c, j) = d.argument;
            double pilot_rounding = 2.0 * r->rounding * eps * PILOT_SIZE(c, j) / power_of(s->pilot_step, deriv);
            double gap = fabs(d.quotient - PILOT(c, j));
            s->kind = s->kind && ((gap <= r->probe_tolerance * fabs(PILOT(c, j)) + 4.0 * pilot_rounding)
                                  || !isfinite(PILOT(c, j)));
        }
    }

    /* 3. The ladder below each probe (0: wide, 1: below the probe, 2: the same steps, no probe),
     * in batches of one kind; column[k * m + j] is output j's difference at rung k.  4. and 5.,
     * coordinate by coordinate, output by output. */
    for (size_t c = 0; c < coords; c++) {
        stage *s = &stages[c];
        s->label = s->kind;
        s->h = s->smallest;
        if (s->kind == 0) {
            double bottom = 16.0 * sqrt(s->pilot_step * s->top) / r->wide_top;
            bottom = nmax(nmin(bottom, s->top / r->wide_all), s->pilot_step);
            s->h = nmin(bottom, s->room / r->wide_top);
        }
    }
    if (evaluate_stage(ev, x, start, stages, coords, &ladders, m, stride, whole, hbuf, scratch, vals) != FDGRAD_OK)
        return FDGRAD_ECALLBACK;
    int power = r->side == 0 ? 2 : 1;
    for (size_t c = 0; c < coords; c++) {
        size_t i = start + c;
        stage *s = &stages[c];
        double steps[FDGRAD_LADDER_MAX];
        int length = 0, wide = s->kind == 0;
        const double *powers = wide ? r->wide_powers : r->powers + 1;
        if (s->kind == 1) {
            for (size_t j = 0; j < m; j++) {
                column[j] = PROBE_Q(c, j);
                sizes[j] = PROBE_SIZE(c, j);
                arguments[j] = PROBE_ARG(c, j);
            }
            steps[0] = s->probe_step;
            length = 1;
        }
        for (int k = 0; k < count - 1; k++, length++) {
            geometry g = rung_geometry(r, x[i], s->h, powers[k]);
            steps[length] = g.step;
            for (size_t j = 0; j < m; j++) {
                rung d = differences(r, x[i], &g, vals + c * stride + (size_t)k * (size_t)q * m + j, m, F0(c, j));
                column[(size_t)length * m + j] = d.quotient;
                sizes[(size_t)length * m + j] = d.size;
                arguments[(size_t)length * m + j] = d.argument;
            }
        }
        double s2 = steps[length - 2], s1 = steps[length - 1];
        for (size_t j = 0; j < m; j++) {
            double col[FDGRAD_LADDER_MAX], sz[FDGRAD_LADDER_MAX], arg[FDGRAD_LADDER_MAX];
            double pilot = PILOT(c, j), pilot_size = PILOT_SIZE(c, j);
            for (int k = 0; k < length; k++) {
                col[k] = column[(size_t)k * m + j];
                sz[k] = sizes[(size_t)k * m + j];
                arg[k] = arguments[(size_t)k * m + j];
            }
            /* the tableau, twice where f's noise as the pilot measures it is more than its rounding */
            double noise = (s->blank && deriv == 1 && isfinite(pilot)) ? eps * fabs(pilot) : 0.0;
            table t;
            double slope = 0.0;
            for (int attempt = 0; attempt < 2; attempt++) {
                t = tableau(col, sz, steps, arg, length, r, eps, wide, noise);
                slope = (col[length - 2] - col[length - 1]) / (power == 2 ? s2 * s2 - s1 * s1 : s2 - s1);
                double measured = 2.0 * fabs(t.best - pilot) * power_of(s->pilot_step, deriv) / r->rounding;
                if (s->blank && !t.trusted && !isfinite(t.error)) {
                    double spread = fabs(col[length - 1] - col[length - 2]) * power_of(s1, deriv) / r->rounding;
                    measured = fmax(measured, spread);
                }
                int noisy = measured > eps * pilot_size;
                if (attempt || !noisy)
                    break;
                if (isfinite(measured))
                    noise = measured;
            }
            /* the pilot checks the winner */
            fdgrad_adaptive_result res = pilot_check(t, pilot, pilot_size, s->pilot_step, slope, eps, r, x[i]);
            if ((s->blank || s->broken) && !res.converged)
                res.error = fmax(res.error, fabs(res.value) + UNSEEN(c, j));
            /* (a NaN as numpy's np.nan: its sign bit is the arithmetic's accident) */
            value[j * n + i] = isnan(res.value) ? NAN : res.value;
            error[j * n + i] = isnan(res.error) ? NAN : res.error;
            step[j * n + i] = isnan(res.step) ? NAN : res.step;
            converged[j * n + i] = (unsigned char)res.converged;
        }
    }
#undef PILOT
#undef PILOT_SIZE
#undef UNSEEN
#undef PROBE_Q
#undef PROBE_SIZE
#undef PROBE_ARG
#undef F0
    return FDGRAD_OK;
}

int fdgrad_adaptive_range(fdgrad_objective f, void *ctx, double *x, size_t n, const fdgrad_adaptive_rule *rule,
                          size_t m, const double *f0, const double *eps_seen, size_t start, size_t stop, double *work,
                          double *value, double *error, double *step, unsigned char *converged) {
    fdgrad_pointwise p = {f, ctx, eps_seen};
    fdgrad_evaluator ev = fdgrad_pointwise_evaluator(&p);
    return fdgrad_adaptive_ladders(&ev, x, n, rule, m, f0, 0, NULL, 0, start, stop, work, value, error, step,
                                   converged);
}

size_t fdgrad_adaptive_hessian_work(size_t n) {
    size_t entries = n * (n + 1) / 2;
    /* the rungs' Hessian (n * n), their values and steps (entries each), per coordinate the pilot,
     * its size, its argument rounding, its step, a rung's steps, the diagonal's noise, the room,
     * and the pilots' two values */
    return n * n + 2 * FDGRAD_HESSIAN_RUNGS * entries + 9 * n;
}

int fdgrad_adaptive_hessian(fdgrad_objective f, void *ctx, double *x, size_t n, const fdgrad_adaptive_rule *r,
                            double f0, const double *eps_seen, double *work, double *value, double *error,
                            double *smallest, unsigned char *converged) {
    fdgrad_pointwise p = {f, ctx, eps_seen};
    fdgrad_evaluator ev = fdgrad_pointwise_evaluator(&p);
    return fdgrad_adaptive_hessian_by(&ev, x, n, r, f0, NULL, work, value, error, smallest, converged);
}

int fdgrad_adaptive_hessian_by(const fdgrad_evaluator *ev, double *x, size_t n, const fdgrad_adaptive_rule *r,
                               double f0, const double *limit, double *work, double *value, double *error,
                               double *smallest, unsigned char *converged) {
    const int rungs = FDGRAD_HESSIAN_RUNGS;
    size_t entries = n * (n + 1) / 2;
    double *hess = work, *column = hess + n * n, *steps = column + rungs * entries;
    double *pilot = steps + rungs * entries, *size = pilot + n, *argument = size + n, *pilot_step = argument + n;
    double *h = pilot_step + n, *measured = h + n, *room = measured + n, *values = room + n;

    /* The pilots (one batch), and the rungs' steps from them. */
    for (size_t i = 0; i < n; i++) {
        double absx = fabs(x[i]);
        room[i] = (DBL_MAX - absx) * 0.5;
        if (limit != NULL) /* bounds: every step within it (the largest rung's point is x + h) */
            room[i] = nmin(room[i], inside(limit[i], absx));
        pilot_step[i] = nmin(r->pilot_rel * (absx > 0 ? nmin(absx, 1.0) : 1.0), room[i]);
    }
    if (n > 0 && ev->values(ev->ctx, x, 0, n, pilot_step, r->offsets, r->q, 1, values) != 0)
        return FDGRAD_ECALLBACK;
    for (size_t i = 0; i < n; i++) {
        geometry g = rung_geometry(r, x[i], pilot_step[i], 1.0);
        rung d = differences(r, x[i], &g, values + i * (size_t)r->q, 1, f0);
        pilot[i] = d.quotient;
        size[i] = d.size;
        argument[i] = d.argument;
    }
    double eps; /* f's precision as the pilots' values show it */
    if (coarsest(ev, r, &eps) != FDGRAD_OK)
        return FDGRAD_ECALLBACK;
    for (size_t i = 0; i < n; i++) {
        double absx = fabs(x[i]);
        double wanted = sqrt(eps * r->relative * size[i] / fabs(pilot[i]) / r->hessian_tau);
        double ceiling = nmin(r->check_fraction * nmax(absx, 1.0), room[i]) / r->hessian_top;
        smallest[i] = nmin(nmax(isfinite(wanted) ? wanted : ceiling, pilot_step[i]), ceiling);
    }
    for (int k = 0; k < rungs; k++) { /* large to small */
        for (size_t i = 0; i < n; i++) {
            double step = smallest[i] * r->hessian_powers[k];
            h[i] = (x[i] + step) - x[i]; /* a step x + h and x - h represent exactly */
        }
        if (ev->hessian(ev->ctx, x, n, h, f0, hess) != 0)
            return FDGRAD_ECALLBACK;
        size_t e = 0;
        for (size_t a = 0; a < n; a++)
            for (size_t b = a; b < n; b++, e++) {
                column[k * entries + e] = hess[a * n + b];
                steps[k * entries + e] = sqrt(h[a] * h[b]);
            }
    }

    /* Each entry's tableau; the diagonal's noise as its pilot measures it. */
    size_t e = 0;
    for (size_t a = 0; a < n; a++)
        for (size_t b = a; b < n; b++, e++) {
            double col[FDGRAD_HESSIAN_RUNGS], st[FDGRAD_HESSIAN_RUNGS], sz[FDGRAD_HESSIAN_RUNGS];
            double arg[FDGRAD_HESSIAN_RUNGS];
            /* the rounding of an entry: eps |f| * 8 / h^2 on the diagonal, eps |f| * 2 / (h_i h_j) off
             * it; and that of its argument, eps |x_i f_i| for each coordinate it moves */
            double factor = a == b ? 1.0 : 0.25;
            double moved = (a == b ? argument[a] : argument[a] + argument[b]) * factor;
            double lo = INFINITY, hi = -INFINITY;
            int any = 0;
            for (int k = 0; k < rungs; k++) {
                col[k] = column[k * entries + e];
                st[k] = steps[k * entries + e];
                sz[k] = factor * fabs(f0);
                arg[k] = moved;
                if (!isnan(col[k])) {
                    lo = any ? fmin(lo, col[k]) : col[k];
                    hi = any ? fmax(hi, col[k]) : col[k];
                    any = 1;
                }
            }
            table t = tableau(col, sz, st, arg, rungs, r, eps, 0, 0.0);
            double spread = any ? hi - lo : NAN;
            if (!t.trusted)
                t.error = nmax(t.error, spread);
            if (a == b) {
                double gap = fabs(t.best - pilot[a]) * (pilot_step[a] * pilot_step[a]);
                measured[a] = isfinite(gap) ? gap : 0.0;
                double curvature = (col[rungs - 2] - col[rungs - 1])
                                   / (st[rungs - 2] * st[rungs - 2] - st[rungs - 1] * st[rungs - 1]);
                fdgrad_adaptive_result res = pilot_check(t, pilot[a], size[a], pilot_step[a], curvature, eps, r, x[a]);
                value[a * n + a] = isnan(res.value) ? NAN : res.value; /* (a NaN as numpy's np.nan) */
                error[a * n + a] = isfinite(res.value) ? (isnan(res.error) ? NAN : res.error) : INFINITY;
                converged[a * n + a] = (unsigned char)res.converged; /* good: the diagonal's check */
            } else {
                value[a * n + b] = value[b * n + a] = isnan(t.best) ? NAN : t.best;
                error[a * n + b] = t.error; /* its noise below, once the diagonal's is known */
                error[b * n + a] = t.step;  /* (kept here until then) */
                converged[a * n + b] = (unsigned char)t.trusted;
            }
        }
    /* Off the diagonal, f's noise as the diagonal measured it (in f's units: more than eps |f|
     * where f's terms cancel), and converged where both coordinates' diagonals are good. */
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++) {
            double step = error[b * n + a];
            double extra = 2.0 * (measured[a] + measured[b]) / (step * step);
            double err = error[a * n + b] + (isfinite(extra) ? extra : 0.0);
            err = isfinite(value[a * n + b]) ? (isnan(err) ? NAN : err) : INFINITY;
            error[a * n + b] = error[b * n + a] = err;
            unsigned char sound = converged[a * n + b];
            converged[a * n + b] = converged[b * n + a] = (unsigned char)(converged[a * n + a] && converged[b * n + b]
                                                                         && sound && isfinite(err));
        }
    for (size_t a = 0; a < n; a++)
        converged[a * n + a] = (unsigned char)(converged[a * n + a] && isfinite(error[a * n + a]));
    return FDGRAD_OK;
}
