#!/usr/bin/env python3
"""What the RDP filter's bound would be over the outcomes a private run's choices depend on.

A run with the prior takes DP-SGD's rate q over the prior's noisy total and calibrates σ at that q;
on a small table it gives AIM the whole budget instead (docs/privacy.md, "The prior's rounds"). Each
outcome composes to ε or less on its own; the filter's bound at each Rényi order is the largest curve
over the outcomes that can occur. This script computes, independently of tablm (RDP of the Poisson-
subsampled Gaussian at integer orders by the binomial expansion, Mironov, Talwar & Zhang 2019;
conversion of Balle et al. 2020), the ε of that largest curve for Adult's default plan at ε = 1,
and what the filter at one order that tablm uses since 0.44 gives (σ, and the largest sum at its order).
    python3 Benchmarks/adaptive_rate_bound.py [--epsilon 1] [--rows 32541]
"""
import argparse
from math import exp, lgamma, log

ORDERS = list(range(2, 257))


def log_sum_exp(values):
    top = max(values)
    return top + log(sum(exp(v - top) for v in values))


def sampled_gaussian_rdp(order, q, sigma):
    terms = [lgamma(order + 1) - lgamma(k + 1) - lgamma(order - k + 1) + (order - k) * log(1 - q) + k * log(q)
             + (k * k - k) / (2 * sigma * sigma) for k in range(order + 1)]
    return log_sum_exp(terms) / (order - 1)


def conversion(order, rdp, delta):
    """ε at δ of RDP `rdp` at one order (Balle et al. 2020, Theorem 21)."""
    return rdp + log((order - 1) / order) - (log(delta) + log(order)) / (order - 1)


def epsilon(curve, delta):
    return min(conversion(a, r, delta) for a, r in zip(ORDERS, curve))


def bisect(accepts, low, high, rounds=60):
    """The boundary between low (accepted) and high (not), for a monotone `accepts`."""
    for _ in range(rounds):
        middle = (low + high) / 2
        low, high = (middle, high) if accepts(middle) else (low, middle)
    return low, high


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epsilon", type=float, default=1.0)
    parser.add_argument("--delta", type=float, default=1e-5)
    parser.add_argument("--rows", type=int, default=32541, help="the run's noisy total")
    parser.add_argument("--share", type=float, default=0.75, help="the prior's share of ε")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()

    def rho(eps):
        return bisect(lambda r: epsilon([a * r for a in ORDERS], args.delta) <= eps, 0.0, 50.0)[0]

    share, whole = rho(args.share * args.epsilon), rho(args.epsilon)

    def curve(rows, sigma):
        q = min(1.0, args.batch / rows)
        return [a * share + args.steps * sampled_gaussian_rdp(a, q, sigma) for a in ORDERS]

    def calibrated(rows):
        return bisect(lambda s: epsilon(curve(rows, s), args.delta) > args.epsilon, 0.1, 50.0)[1]

    def largest(curves):
        return [max(values) for values in zip(*curves)]

    sigma = calibrated(args.rows)
    run = curve(args.rows, sigma)
    alone = [a * whole for a in ORDERS]
    print(f"ρ: share {share:.6g}, whole budget {whole:.6g}; σ at {args.rows} rows {sigma:.4f}; ε of the run {epsilon(run, args.delta):.4f}")
    band = [curve(n, calibrated(n)) for n in range(args.rows - 200, args.rows + 201, 100)]
    print(f"largest curve over totals within ±200: ε {epsilon(largest(band), args.delta):.5f}")
    print(f"largest curve over both branches at {args.rows}: ε {epsilon(largest([run, alone]), args.delta):.4f}")
    wide = [curve(n, calibrated(n)) for n in (2_000, 5_000, 10_000, 20_000, args.rows, 60_000, 200_000, 1_000_000)]
    print(f"largest curve over totals from 2,000 to 10^6: ε {epsilon(largest(wide), args.delta):.4f}")

    # The filter tablm uses since 0.44: one order fixed by ε and δ (where the whole budget's Gaussian
    # converts best), σ calibrated so that each path's sum at that order stays within the budget.
    order = min(ORDERS, key=lambda a: conversion(a, a * whole, args.delta))
    budget = args.epsilon - log((order - 1) / order) + (log(args.delta) + log(order)) / (order - 1)

    def filtered(rows):
        q = min(1.0, args.batch / rows)
        return bisect(lambda s: order * share + args.steps * sampled_gaussian_rdp(order, q, s) > budget, 0.1, 50.0)[1]

    totals = (2_000, 5_000, 10_000, 20_000, args.rows, 60_000, 200_000, 1_000_000)
    sigmas = {n: filtered(n) for n in totals}
    at_order = max(order * share + args.steps * sampled_gaussian_rdp(order, min(1.0, args.batch / n), sigmas[n]) for n in totals)
    print(f"filter at order {order}: σ at {args.rows} rows {sigmas[args.rows]:.4f} (at 2,000 and 10^6 rows {sigmas[2_000]:.4f}, "
          f"{sigmas[1_000_000]:.4f}); largest sum at the order over totals from 2,000 to 10^6, and the prior alone: "
          f"ε {conversion(order, max(at_order, order * whole), args.delta):.4f}")


if __name__ == "__main__":
    main()
