"""Reference epsilons for tablm's RDP accountant tests, from Google's dp_accounting (pip install
dp-accounting; run from the repository root):

    python3 Tests/Fixtures/make_accountant_values.py

Writes Tests/Fixtures/accountant-values.json: for several (sigma, q, steps, delta), the epsilon of
dp_accounting's RdpAccountant at the integer orders 2 ... 256, so both sides minimise over the same
orders, and of its PLDAccountant (connect-the-dots, value_discretization_interval 1e-4, the same grid
as tablm's PLD accountant). "composed" holds the same two epsilons for a Gaussian release of counts
(sensitivity 1, noise prior_noise_multiplier) composed with a DP-SGD run, as --balance-groups spends them. (At fractional orders dp_accounting sums the series' terms in absolute value, a slightly
looser bound than Opacus's signed sum that tablm follows; Opacus's pinned value covers those.)
"""
import json

import dp_accounting
from dp_accounting import dp_event, rdp
from dp_accounting.pld import pld_privacy_accountant

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
    with open("Tests/Fixtures/accountant-values.json", "w") as f:
        json.dump({"dp_accounting": dp_accounting.__version__ if hasattr(dp_accounting, "__version__") else "0.6.0",
                   "orders": "integers 2-256", "values": values, "composed": composed}, f, indent=2)


if __name__ == "__main__":
    main()
