"""`gansci check` on Lorenz states from elsewhere: real states of another seed pass, a
Gaussian with the attractor's mean and covariance fails where it should."""

import numpy as np
from gansci_lorenz.datasets import lorenz63

import gansci

N = 3000


def other_seed_states() -> np.ndarray:
    data = lorenz63(n_samples=3 * N, seed=7)
    return data.decode(data.test)[:N]


def test_real_states_of_another_seed_pass():
    report = gansci.check(other_seed_states(), "lorenz63", metrics=["d2", "attractor"])
    assert report.verdict == "PASS", report.failures
    z = report.sets[0].generated[:, 2].mean()
    assert 22 < z < 25  # judged in the system's own units


def test_gaussian_with_the_attractors_moments_fails_off_attractor():
    real = other_seed_states()
    rng = np.random.default_rng(0)
    blob = rng.multivariate_normal(real.mean(0), np.cov(real.T), size=N)
    report = gansci.check(blob, "lorenz63", metrics=["d2", "attractor"])
    failed = {f"{r.metric}.{r.key}" for r in report.failures}
    assert "attractor.off_attractor" in failed
    assert "d2.d2_gap" in failed
