"""The `digits` benchmark: sklearn's bundled 8×8 digits (offline) and a known transform
(invert, rot90, rot90 then invert), with labels to check that translation keeps them."""

from __future__ import annotations

import numpy as np

from gansci.plugin import KNOWN_PAIRS, ConfigError
from gansci_cyclegan.data import DOMAINS, Domains

TRANSFORMS = {
    "invert": lambda x: -x,
    "rot90": lambda x: np.rot90(x, axes=(1, 2)),
    "rot90-invert": lambda x: -np.rot90(x, axes=(1, 2)),
}


class Digits(Domains):
    """Digits with a logistic-regression classifier per domain, trained on that domain's
    real training samples (for :func:`gansci_cyclegan.metrics.label_accuracy`)."""

    def classifier(self, view: str):
        cache = self.__dict__.setdefault("_classifiers", {})
        if view not in cache:
            from sklearn.linear_model import LogisticRegression

            x = self.decode(self.split("train", view=view), view=view)
            model = LogisticRegression(max_iter=2000)
            cache[view] = model.fit(x.reshape(len(x), -1), self.labels["train"][view])
        return cache[view]


def digits(transform: str = "rot90", n_test: int = 297, paired: bool = False,
           seed: int = 0) -> Digits:  # fmt: skip
    """sklearn's 8×8 digits scaled to [-1, 1] (A) and their transform (B: invert, rot90
    or rot90-invert); the training digits of A and B are disjoint halves (unpaired), the
    held-out ones pairs. ``paired``: training B is the transform of training A."""
    from sklearn.datasets import load_digits

    if transform not in TRANSFORMS:
        raise ConfigError(f"data.transform: unknown {transform!r}; valid: {', '.join(TRANSFORMS)}")
    t = TRANSFORMS[transform]
    raw = load_digits()
    x, y = raw.images / 8.0 - 1.0, raw.target
    order = np.random.default_rng(seed).permutation(len(x))
    test, rest = order[:n_test], order[n_test:]
    half = len(rest) // 2
    a_idx = rest[:half]
    b_idx = a_idx if paired else rest[half:]
    train = {"A": x[a_idx][..., None], "B": t(x[b_idx])[..., None]}
    heldout = {"A": x[test][..., None], "B": t(x[test])[..., None]}
    labels = {"train": {"A": y[a_idx], "B": y[b_idx]}, "test": y[test]}
    return Digits(train, heldout, (*DOMAINS, KNOWN_PAIRS, "digits"), paired, 2.0, labels)
