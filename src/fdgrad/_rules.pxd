# The adaptive engine's rules (csrc/adaptive.c's fdgrad_adaptive_rule) as fdgrad._adaptive.kernel_rule
# gives their constants: one filling for both compiled modules (_ckernels, _front), each of which
# keeps its own table of them.

from fdgrad._cfdgrad cimport fdgrad_adaptive_rule


cdef inline int fill_rule(fdgrad_adaptive_rule *r, dict c) except -1:
    """r filled with the constants of fdgrad._adaptive.kernel_rule(side, deriv), c."""
    cdef int k, j
    r.side, r.deriv, r.q = c["side"], c["deriv"], c["q"]
    for k in range(r.q):
        r.offsets[k], r.weights[k] = c["offsets"][k], c["weights"][k]
    r.centre, r.denom, r.rounding, r.relative, r.reach = c["centre"], c["denom"], c["rounding"], c["relative"], c["reach"]
    r.fornberg, r.count, r.tau, r.pilot_rel = c["fornberg"], c["count"], c["tau"], c["pilot_rel"]
    r.top_fraction, r.ceiling_div, r.probe_tolerance = c["top_fraction"], c["ceiling_div"], c["probe_tolerance"]
    r.shrink, r.tiny, r.eps, r.check_fraction = c["shrink"], c["tiny"], c["eps"], c["check_fraction"]
    r.wide, r.wide_top, r.wide_all = c["wide"], c["wide_top"], c["wide_all"]
    for k in range(r.count):
        r.powers[k] = c["powers"][k]
    for k in range(r.count - 1):
        r.wide_powers[k] = c["wide_powers"][k]
    r.hessian_tau, r.hessian_top = c["hessian_tau"], c["hessian_top"]
    for k in range(4):
        r.hessian_powers[k] = c["hessian_powers"][k]
    for j in range(2):
        r.pair_slack[j] = c["pair_slack"][j]
        for k in range(r.count):
            r.factors[j][k], r.shrinks[j][k] = c["factors"][j][k], c["shrinks"][j][k]
    return 0
