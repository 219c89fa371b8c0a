"""A graph recipe trained and judged by the plugin's MMDs against the train-vs-test
reference, beside an Erdős–Rényi baseline with the training edge density.

The protocol: generated sets of the test split's size against the test split, over
``--eval-seeds`` generated sets (and ER sets), each MMD's mean and its ratio to the
reference (the first test-size graphs of the training split against the test split, as
the engine's baseline column; it does not vary with the seed). ``--large`` adds one set
of that many generated graphs against the test split. Where the dataset has a validity
rule (planar, sbm), a second table gives valid, unique, novel and V.U.N. shares.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/graph_recipe.py graph-community-small
"""

import argparse
import resource
import time

import networkx as nx
import numpy as np
import torch
from gansci_graph.formats import write_graph6
from gansci_graph.metrics import VALIDITY, graph_mmd, validity
from gansci_graph.nets import edge_density

from gansci import Experiment
from gansci.config import overrides_to_dict
from gansci.engine.trainer import Trainer


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def erdos_renyi(data, n: int, seed: int) -> list[nx.Graph]:
    """G(n_i, p): sizes drawn from the training graphs, p the training edge density."""
    rng = np.random.default_rng(seed)
    p = edge_density(data)
    sizes = rng.choice(data.node_counts.numpy(), n)
    return [nx.gnp_random_graph(int(k), p, seed=int(rng.integers(2**31))) for k in sizes]


def table(rows: dict[str, list[dict]], reference: dict) -> None:
    keys = [k for k in reference if not k.endswith("_spread")]
    print("| set | " + " | ".join(f"{k} (ratio)" for k in keys) + " |")
    print("|---|" + "---:|" * len(keys))
    print("| train vs test | " + " | ".join(f"{reference[k]:.4f}" for k in keys) + " |")
    for name, values in rows.items():
        cells = []
        for k in keys:
            v = np.array([d[k] for d in values])
            spread = f" ± {v.std():.4f}" if len(v) > 1 else ""
            cells.append(f"{v.mean():.4f}{spread} ({v.mean() / reference[k]:.2f})")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("recipe")
    p.add_argument("--steps", type=int, default=0, help="0: the recipe's")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-seeds", type=int, default=5)
    p.add_argument("--large", type=int, default=0)
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--samples-out", default="", help="write 500 generated graphs here (.g6)")
    args = p.parse_args()
    torch.set_num_threads(1)
    train = {"eval_every": 0, "eval_metrics": [], "progress": False}
    if args.steps:
        train["steps"] = args.steps
    exp = Experiment.from_recipe(
        args.recipe,
        args.seed,
        "cpu",
        overrides=overrides_to_dict(args.set),
        train=train,
    )
    data = exp.data
    wall, cpu = time.time(), cpu_seconds()
    Trainer(exp.config.train, None, seed=args.seed).fit(exp.game, data)
    wall, cpu = time.time() - wall, cpu_seconds() - cpu
    n = min(data.n_test, data.n_train)
    test = data.test_graphs
    reference = graph_mmd(data.train_graphs[:n], test)
    rows = {
        "generated": [
            graph_mmd(exp.sample(n, seed=1000 + s), test) for s in range(args.eval_seeds)
        ],
        "Erdős–Rényi": [graph_mmd(erdos_renyi(data, n, s), test) for s in range(args.eval_seeds)],
    }
    if args.large:
        rows[f"generated, {args.large}"] = [graph_mmd(exp.sample(args.large, seed=999), test)]
    print(f"{args.recipe}, seed {args.seed}, {exp.config.train.steps} steps, {args.set}")
    print(f"training: {wall:.0f} s wall, {cpu:.0f} s CPU (1 thread), ER density "
          f"{edge_density(data):.3f}")  # fmt: skip
    table(rows, reference)
    if args.samples_out:
        write_graph6(exp.sample(500, seed=998), args.samples_out)
    if data.name in VALIDITY:
        print("\n| set | valid | unique | novel | V.U.N. |\n|---|---:|---:|---:|---:|")
        sets = {"test split": [test]}
        sets["generated"] = [exp.sample(n, seed=1000 + s) for s in range(args.eval_seeds)]
        sets["Erdős–Rényi"] = [erdos_renyi(data, n, s) for s in range(args.eval_seeds)]
        for name, samples in sets.items():
            v = [validity(x, test, data) for x in samples]
            cells = [np.mean([d[k] for d in v]) for k in ("valid", "unique", "novel", "vun")]
            print(f"| {name} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
