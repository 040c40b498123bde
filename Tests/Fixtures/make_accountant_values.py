"""Reference epsilons for tablm's RDP accountant tests, from Google's dp_accounting (pip install
dp-accounting; run from the repository root):

    python3 Tests/Fixtures/make_accountant_values.py

Writes Tests/Fixtures/accountant-values.json: for several (sigma, q, steps, delta), the epsilon of
dp_accounting's RdpAccountant at the integer orders 2 ... 256, so both sides minimise over the same
orders, and of its PLDAccountant (connect-the-dots, value_discretization_interval 1e-4, the same grid
as tablm's PLD accountant). "composed" holds the same two epsilons for a Gaussian release of counts
(sensitivity 1, noise prior_noise_multiplier) composed with a DP-SGD run, as --balance-groups spends them. "prior" holds
a marginal prior's Gaussian releases and exponential-mechanism selections, then DP-SGD steps. (At fractional orders dp_accounting sums the series' terms in absolute value, a slightly
looser bound than Opacus's signed sum that tablm follows; Opacus's pinned value covers those.)
"""
import json
import math

import dp_accounting
from dp_accounting import dp_event, rdp
from dp_accounting.pld import pld_privacy_accountant, privacy_loss_distribution

ORDERS = list(range(2, 257))
CASES = [
    (1.5, 0.04, 2250, 1e-5),
    (1.0, 0.01, 1000, 1e-5),
    (0.8, 0.001, 10000, 1e-6),
    (2.5, 0.1, 500, 1e-5),
    (1.1, 0.02, 5000, 1e-5),
    (4.0, 0.3, 100, 1e-4),
    (0.6, 0.004, 3000, 1e-5),
    (1.0957, 0.00786, 300, 1e-5),
]

# (count noise, sigma, largest group rate, steps, delta)
COMPOSED = [
    (10.0, 1.2, 0.0119, 300, 1e-5),
    (3.0, 0.9, 0.05, 200, 1e-5),
]


# A marginal prior then DP-SGD: (kind, parameter, times) events, then (sigma, q, steps), delta.
# "gaussian": a Gaussian release of sensitivity 1 with noise sigma; "exponential": the exponential
# mechanism with parameter epsilon, which RDP charges as epsilon^2/8-zCDP (ZCDpEvent) and PLD as
# pure epsilon-DP (from_privacy_parameters: the randomized-response pair; dp_accounting's PLD accountant
# takes randomized response only under replace-one adjacency, so the PLDs are composed directly).
PRIOR = [
    ([("gaussian", 66.1, 24), ("exponential", 0.0101, 9), ("exponential", 0.0202, 5), ("gaussian", 33.0, 5),
      ("exponential", 0.109, 1), ("gaussian", 6.1, 1)], (1.1, 0.00786, 300), 1e-5),
    ([("gaussian", 20.0, 10), ("exponential", 0.05, 10)], (0.9, 0.02, 200), 1e-5),
    ([("gaussian", 8.0, 15), ("exponential", 0.3, 12), ("gaussian", 4.0, 12)], None, 1e-6),
]


def prior_epsilons(events, training, delta):
    rdp_events, plds = [], []
    for kind, parameter, times in events:
        if kind == "gaussian":
            rdp_events.append(dp_event.SelfComposedDpEvent(dp_event.GaussianDpEvent(parameter), times))
            pld = privacy_loss_distribution.from_gaussian_mechanism(parameter, value_discretization_interval=1e-4)
        else:
            rdp_events.append(dp_event.SelfComposedDpEvent(dp_event.ZCDpEvent(parameter ** 2 / 8), times))
            pld = privacy_loss_distribution.from_privacy_parameters(
                privacy_loss_distribution.common.DifferentialPrivacyParameters(parameter, 0), value_discretization_interval=1e-4)
        plds.append(pld.self_compose(times))
    if training:
        sigma, q, steps = training
        rdp_events.append(dp_event.SelfComposedDpEvent(dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), steps))
        plds.append(privacy_loss_distribution.from_gaussian_mechanism(
            sigma, value_discretization_interval=1e-4, sampling_prob=q).self_compose(steps))
    accountant = rdp.RdpAccountant(orders=ORDERS)
    accountant.compose(dp_event.ComposedDpEvent(rdp_events))
    composed = plds[0]
    for pld in plds[1:]:
        composed = composed.compose(pld)
    return accountant.get_epsilon(delta), composed.get_epsilon_for_delta(delta)


def epsilons(event, delta):
    accountant = rdp.RdpAccountant(orders=ORDERS)
    accountant.compose(event)
    pld = pld_privacy_accountant.PLDAccountant(value_discretization_interval=1e-4)
    pld.compose(event)
    return accountant.get_epsilon(delta), pld.get_epsilon(delta)


def main():
    values = []
    for sigma, q, steps, delta in CASES:
        event = dp_event.SelfComposedDpEvent(dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), steps)
        epsilon, pld_epsilon = epsilons(event, delta)
        values.append({"noise_multiplier": sigma, "sample_rate": q, "steps": steps, "delta": delta,
                       "epsilon": epsilon, "pld_epsilon": pld_epsilon})
    composed = []
    for count_sigma, sigma, q, steps, delta in COMPOSED:
        event = dp_event.ComposedDpEvent([
            dp_event.GaussianDpEvent(count_sigma),
            dp_event.SelfComposedDpEvent(dp_event.PoissonSampledDpEvent(q, dp_event.GaussianDpEvent(sigma)), steps)])
        epsilon, pld_epsilon = epsilons(event, delta)
        composed.append({"prior_noise_multiplier": count_sigma, "noise_multiplier": sigma, "sample_rate": q, "steps": steps,
                         "delta": delta, "epsilon": epsilon, "pld_epsilon": pld_epsilon})
    prior = []
    for events, training, delta in PRIOR:
        epsilon, pld_epsilon = prior_epsilons(events, training, delta)
        prior.append({"events": [{"kind": k, "parameter": p, "times": t} for k, p, t in events],
                      "training": None if training is None else {"noise_multiplier": training[0], "sample_rate": training[1],
                                                                 "steps": training[2]},
                      "delta": delta, "epsilon": epsilon, "pld_epsilon": pld_epsilon})
    with open("Tests/Fixtures/accountant-values.json", "w") as f:
        json.dump({"dp_accounting": dp_accounting.__version__ if hasattr(dp_accounting, "__version__") else "0.6.0",
                   "orders": "integers 2-256", "values": values, "composed": composed, "prior": prior}, f, indent=2)


if __name__ == "__main__":
    main()
