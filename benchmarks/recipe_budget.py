"""A recipe trained on a reduced budget and validated on chosen metrics: how the target
sentinels' budgets were chosen, and the before/after check of an engine change.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/recipe_budget.py grid25 5000 \
        --set 'validate.metrics=["modes"]'
"""

import argparse
import time

import torch

from gansci import Experiment
from gansci.config import overrides_to_dict
from gansci.engine.trainer import Trainer


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("recipe")
    p.add_argument("steps", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = p.parse_args()
    torch.set_num_threads(1)
    start = time.time()
    train = {"steps": args.steps, "eval_every": 0, "eval_metrics": [], "progress": False}
    exp = Experiment.from_recipe(
        args.recipe, args.seed, "cpu", overrides=overrides_to_dict(args.set), train=train
    )
    Trainer(exp.config.train, None, seed=args.seed).fit(exp.game, exp.data)
    trained = time.time()
    for r in exp.validate(write_report=False):
        print(f"{r.metric}.{r.key}: {r.value:.4f} (real vs real {r.baseline:.4f})")
    print(f"train {trained - start:.1f} s, validate {time.time() - trained:.1f} s")


if __name__ == "__main__":
    main()
