"""The plugin author's face: everything a gansci plugin may import, from this one module.

A plugin implements hooks of :mod:`gansci.hookspecs` with :data:`hookimpl` and returns
specs; its datasets subclass :class:`Dataset`, its games :class:`Game` (or
:class:`StandardGame`), its networks are plain ``torch.nn.Module``\\ s. Anything not
exported here is the engine's own and may change without notice.
"""

from gansci.config import check_params
from gansci.data import (
    KNOWN_PAIRS,
    Batch,
    Dataset,
    batch_len,
    cache_dir,
    concat,
    index,
    read_array,
    split_train_test,
)
from gansci.engine.game import (
    Game,
    GameContext,
    NoOptions,
    SampleReal,
    StandardGame,
    StandardOptions,
)
from gansci.engine.losses import LOSSES, Loss
from gansci.engine.penalties import PENALTIES, Penalty
from gansci.engine.player import Player
from gansci.errors import CheckpointError, ConfigError, DataError, GansciError
from gansci.hookspecs import hookimpl
from gansci.kinds import Kind, Op, allows
from gansci.metrics import c2st, energy_distance, mmd, prdc, sliced_wasserstein
from gansci.nets.mlp import MLP, MLPDiscriminator, MLPGenerator, activation
from gansci.specs import (
    CommandSpec,
    FigureSpec,
    FormatSpec,
    MetricSpec,
    RecipeSpec,
    Spec,
    Target,
)

__all__ = [
    "KNOWN_PAIRS",
    "LOSSES",
    "MLP",
    "PENALTIES",
    "Batch",
    "CheckpointError",
    "CommandSpec",
    "ConfigError",
    "DataError",
    "Dataset",
    "FigureSpec",
    "FormatSpec",
    "Game",
    "GameContext",
    "GansciError",
    "Kind",
    "Loss",
    "MLPDiscriminator",
    "MLPGenerator",
    "MetricSpec",
    "NoOptions",
    "Op",
    "Penalty",
    "Player",
    "RecipeSpec",
    "SampleReal",
    "Spec",
    "StandardGame",
    "StandardOptions",
    "Target",
    "activation",
    "allows",
    "batch_len",
    "c2st",
    "cache_dir",
    "check_params",
    "check_plugin",
    "concat",
    "energy_distance",
    "hookimpl",
    "index",
    "mmd",
    "prdc",
    "read_array",
    "recipe_figures",
    "sliced_wasserstein",
    "split_train_test",
]


def recipe_figures(*args, **kwargs):
    """A recipe trained and validated (:func:`gansci.testing.recipe_figures`), for target
    tests and sentinels; imported lazily like :func:`check_plugin`."""
    from gansci.testing import recipe_figures as figures

    return figures(*args, **kwargs)


def check_plugin(*args, **kwargs):
    """The conformance kit (:func:`gansci.testing.check_plugin`), imported lazily: it
    trains recipes, so it needs the whole engine."""
    from gansci.testing import check_plugin as check

    return check(*args, **kwargs)
