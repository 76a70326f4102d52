/* Native test objectives with SciPy's LowLevelCallable signatures, compiled by
   the tests (tests/conftest.py) into a shared library. */
#include <time.h>

double sumsq(int n, double *x)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) {
        s += x[i] * x[i] * (1.0 + 0.5 * i);
    }
    return s;
}

double sumsq_data(int n, double *x, void *user_data)
{
    return *(double *)user_data * sumsq(n, x);
}

void vec(int n, double *x, int m, double *out)
{
    for (int j = 0; j < m; j++) {
        double s = 0.0;
        for (int i = 0; i < n; i++) {
            s += x[i] * x[i] * (double)(j + 1) + x[i];
        }
        out[j] = s;
    }
}

void vec_data(int n, double *x, int m, double *out, void *user_data)
{
    vec(n, x, m, out);
    for (int j = 0; j < m; j++) {
        out[j] *= *(double *)user_data;
    }
}

/* About a millisecond of work per call, for the interrupt tests. */
double slow(int n, double *x)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1e9 + (now.tv_nsec - start.tv_nsec) < 1e6);
    return sumsq(n, x);
}

/* Cheap for its first few calls after warm_reset(), then slow (a warm-up that ends): chunks sized from
 * the first calls' pace must not outgrow the interrupt tests' 0.2 s. */
static long warm_calls = 0;

void warm_reset(void)
{
    warm_calls = 0;
}

double warm(int n, double *x)
{
    return ++warm_calls > 4 ? slow(n, x) : sumsq(n, x);
}

double wrong(double x)
{
    return x;
}
