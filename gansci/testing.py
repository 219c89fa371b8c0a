"""A conformance kit any plugin's tests call to check its registrations end to end.

from gansci.plugin import check_plugin
def test_conformance(tmp_path):
    check_plugin("lorenz", tmp_path, dataset_params={"lorenz63": {"n_samples": 4000}})
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch.utils._pytree import tree_flatten, tree_structure

from gansci.config import check_params
from gansci.data import Dataset, batch_len
from gansci.experiment import Experiment
from gansci.registry import Registry, get_registry
from gansci.validation import _as_dict, call_metric


def _overlaps(spec: Any, data: Dataset) -> bool:
    return not spec.domains or bool(set(spec.domains) & set(data.domains))


def check_plugin(
    plugin: str,
    tmp_path: Path,
    dataset_params: Mapping[str, Mapping[str, Any]] | None = None,
    registry: Registry | None = None,
    n: int = 16,
) -> dict[str, list[str]]:
    """Check every registration of ``plugin``: datasets build and split, each generator's
    samples have the structure its datasets' batches have, each discriminator maps them
    to ``(n,)`` finite logits, each metric is finite on real vs real, each sample format
    round-trips, and each recipe trains two steps and validates (its dataset built with
    ``dataset_params`` where given). Returns what was checked."""
    reg = registry or get_registry()
    assert plugin in reg.plugins, f"plugin {plugin!r} is not installed; have {list(reg.plugins)}"
    info = reg.plugins[plugin]
    assert info.error is None, f"plugin {plugin!r} is broken: {info.error}"
    own = info.registered
    params = dict(dataset_params or {})
    checked: dict[str, list[str]] = {k: [] for k in own}
    datasets = {}
    for name in own.get("datasets", []):
        spec = reg.get("datasets", name)
        kw = check_params(spec.factory, params.get(name, {}), f"data ({name})")
        data = spec.factory(**kw)
        assert isinstance(data, Dataset), f"dataset {name!r} factory returned {type(data)}"
        assert data.n_train >= 2 and data.n_test >= 2, f"dataset {name!r} has too few samples"
        datasets[name] = data
        checked["datasets"].append(name)
    torch.manual_seed(0)
    for dname, data in datasets.items():
        # a dataset of views: translators map the first view to the last
        source, target = (data.views[0], data.views[-1]) if data.views else (None, None)
        real = data.sample(n, view=target)
        gens = [
            s
            for s in reg.for_domains("generators", data.domains)
            if s.name in own.get("generators", [])
        ]
        discs = [
            s
            for s in reg.for_domains("discriminators", data.domains)
            if s.name in own.get("discriminators", [])
        ]
        fakes = []
        for g in gens:
            G = g.factory(data)
            if hasattr(G, "latent_dim"):
                fake = G(torch.randn(n, G.latent_dim))
            else:  # a translator
                fake = G(data.sample(n, view=source))
            assert tree_structure(fake) == tree_structure(real), (
                f"generator {g.name!r} on {dname!r}: batch structure {tree_structure(fake)} "
                f"differs from the dataset's {tree_structure(real)}"
            )
            for f_leaf, r_leaf in zip(tree_flatten(fake)[0], tree_flatten(real)[0], strict=True):
                assert f_leaf.shape == r_leaf.shape, (
                    f"generator {g.name!r} on {dname!r}: shape {tuple(f_leaf.shape)}, "
                    f"real batches have {tuple(r_leaf.shape)}"
                )
            fakes.append(fake)
            checked["generators"].append(f"{g.name} on {dname}")
        for d in discs:
            D = d.factory(data)
            for batch in [real, *fakes]:
                out = D(batch)
                assert out.shape == (batch_len(batch),), (
                    f"discriminator {d.name!r} on {dname!r} returned shape {tuple(out.shape)}, "
                    f"expected ({batch_len(batch)},)"
                )
                assert torch.isfinite(out).all(), f"discriminator {d.name!r}: non-finite logits"
            checked["discriminators"].append(f"{d.name} on {dname}")
        m = min(200, data.n_train, data.n_test)
        for view in data.views or (None,):
            a = data.decode(data.split("train", m, view=view), view=view)
            b = data.decode(data.split("test", m, view=view), view=view)
            for spec in reg.for_domains("metrics", data.domains):
                if spec.name not in own.get("metrics", []):
                    continue
                values = _as_dict(spec.name, call_metric(spec, a, b, data, 0, view))
                bad = {k: v for k, v in values.items() if not math.isfinite(v)}
                assert not bad, (
                    f"metric {spec.name!r} on real vs real {dname!r} is not finite: {bad}"
                )
                checked["metrics"].append(
                    f"{spec.name} on {dname}" + (f" ({view})" if view else "")
                )
            for spec in reg.for_domains("formats", data.domains):
                if spec.name not in own.get("formats", []):
                    continue
                path = tmp_path / f"{dname}{view or ''}{spec.suffix}"
                spec.write(a, str(path))
                back = data.encode(spec.read(str(path)), view=view)
                assert batch_len(back) == m, f"format {spec.suffix!r} lost samples on {dname!r}"
                checked["formats"].append(f"{spec.suffix} on {dname}")
    for name in own.get("recipes", []):
        recipe = reg.get("recipes", name).config
        data_name = recipe.get("data", {}).get("name", "")
        exp = Experiment.from_recipe(
            name,
            device="cpu",
            out=tmp_path / "recipes" / name,
            registry=reg,
            data=dict(params.get(data_name, {})),
            train={"steps": 2, "eval_every": 0, "progress": False, "checkpoint_every": 2},
            validate={"n_samples": 500},
        )
        exp.run(validate=False)
        rows = exp.validate(write_report=False)
        assert rows, f"recipe {name!r}: validation ran no metric"
        checked["recipes"].append(name)
    return checked


def recipe_figures(
    recipe: str, tmp_path: Path, steps: int | None = None, seed: int = 0, **sections: Any
) -> dict[str, float]:
    """Train ``recipe`` (for ``steps`` steps when given) on the CPU into ``tmp_path`` and
    validate it: ``{"metric.key": value}``, what target tests and sentinels assert on."""
    budget = {"steps": steps, "eval_every": 0} if steps else {}
    train = {"progress": False, **budget, **sections.pop("train", {})}
    exp = Experiment.from_recipe(
        recipe, seed=seed, device="cpu", out=tmp_path / recipe, train=train, **sections
    )
    exp.run(validate=False)
    return {f"{r.metric}.{r.key}": r.value for r in exp.validate(write_report=False)}
