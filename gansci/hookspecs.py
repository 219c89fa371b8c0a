"""The plugin contract: every hook a gansci plugin can implement, documented where declared.

A plugin is a module (or object) named by an entry point in the ``gansci`` group. It
implements any of these hooks with :data:`gansci.hookimpl`; each returns a list of specs
(see :mod:`gansci.specs`). Names are global across plugins: two plugins registering the
same name in the same kind is an error that names both.
"""

from __future__ import annotations

import pluggy

from gansci.specs import CommandSpec, FigureSpec, FormatSpec, MetricSpec, RecipeSpec, Spec

hookspec = pluggy.HookspecMarker("gansci")
hookimpl = pluggy.HookimplMarker("gansci")


@hookspec
def gansci_datasets() -> list[Spec]:
    """Datasets: ``factory(**params) -> gansci.data.Dataset``.

    A dataset that reads a user's file takes it as the parameter ``path`` so that
    ``--set data.path=FILE`` works for every such dataset. ``domains`` names the kinds of
    data it holds (for example ``("attractor", "vector")``); metrics, figures and sample
    formats registered for any of them apply to it.
    """


@hookspec
def gansci_generators() -> list[Spec]:
    """Generators: ``factory(data, **params) -> torch.nn.Module``, built for a game's
    generator roles (``[networks.G]``, ``[networks.G_AB]``, ...).

    An unconditional generator has an int attribute ``latent_dim`` and maps a latent batch
    ``z`` of shape ``(n, latent_dim)`` to a fake batch of the same structure as
    ``data.sample(n)``. A translator maps a batch of one view to a batch of another;
    the game that uses it says which (its ``directions``).
    """


@hookspec
def gansci_discriminators() -> list[Spec]:
    """Discriminators: ``factory(data, **params) -> torch.nn.Module``, built for a game's
    discriminator roles (``[networks.D]``, ``[networks.D_A]``, ...).

    The module maps a real or fake batch to logits of shape ``(n,)``. It may expose
    ``features(batch)`` (an intermediate representation) for feature-matching objectives.
    """


@hookspec
def gansci_games() -> list[Spec]:
    """Games (training objectives): the factory is a :class:`gansci.plugin.Game` subclass.

    The class declares ``Options`` (a dataclass: the ``[game]`` keys, their types and
    defaults), ``roles`` (role -> ``"generators"`` or ``"discriminators"``: the
    ``[networks.<role>]`` sections it needs), ``generators`` (the roles EMA averages and
    sampling uses) and, when it translates, ``directions`` (``"A2B"``: view A to view B).
    ``Game.build(ctx, options)`` makes it from a :class:`gansci.plugin.GameContext` (the
    data, ``ctx.network(role)``, and the registry's losses, penalties and augmentations).
    ``players()`` names its players, each given its own optimiser from
    ``train.players.<name>``; ``step(sample_real, players)`` takes one step, drawing real
    batches with ``sample_real(view)``.
    """


@hookspec
def gansci_losses() -> list[Spec]:
    """Adversarial losses: ``factory() -> gansci.engine.losses.Loss``."""


@hookspec
def gansci_penalties() -> list[Spec]:
    """Discriminator regularisers: ``factory() -> gansci.engine.penalties.Penalty``, whose
    ``fn(D, real, fake, kinds)`` respects the data kinds (:mod:`gansci.kinds`)."""


@hookspec
def gansci_augmentations() -> list[Spec]:
    """Differentiable augmentations: ``factory(data) -> callable(batch) -> batch``.

    Used by the standard game on everything D sees (``game.augment``, DiffAugment,
    Zhao et al. 2020) and for consistency regularisation of D (``game.consistency``,
    Zhang et al. 2020). They must keep the batch structure and be differentiable in
    the float leaves. ``domains`` says which data they fit.
    """


@hookspec
def gansci_metrics() -> list[MetricSpec]:
    """Metrics that judge generated against real samples of the given domains:
    ``fn(samples, real, data, rng) -> float | dict[str, float]``. A metric with a ``view``
    parameter is also told the view the samples belong to (for a translation game, the
    direction's target view: ``"B"`` for ``A2B``)."""


@hookspec
def gansci_recipes() -> list[RecipeSpec]:
    """Ready-made experiments: a dataset, networks, game, training settings and metrics."""


@hookspec
def gansci_formats() -> list[FormatSpec]:
    """Sample file formats, chosen by the output file's suffix (``.npy``, ``.fasta``, ...);
    a format's ``flags`` are writer options that ``gansci sample`` offers as ``--NAME``."""


@hookspec
def gansci_figures() -> list[FigureSpec]:
    """Figures for the validation report, drawn from generated and real samples."""


@hookspec
def gansci_commands() -> list[CommandSpec]:
    """Subcommands of the ``gansci`` command line (``gansci impute ...``), for work that is
    the plugin's own. A name the core uses is refused; the core never imports a plugin."""
