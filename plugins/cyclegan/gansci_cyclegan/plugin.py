"""Registrations of the cyclegan plugin: datasets, networks, the cycle game, metrics,
formats, figures and recipes."""

from __future__ import annotations

from gansci.plugin import (
    KNOWN_PAIRS,
    FigureSpec,
    FormatSpec,
    MetricSpec,
    RecipeSpec,
    Spec,
    Target,
    hookimpl,
)
from gansci_cyclegan import digits, fields, figures, game, io, metrics, nets, spectra
from gansci_cyclegan.data import DOMAINS, FIELDS, UINT16, user_domains

PAIRS = (KNOWN_PAIRS,)

#: network sizes: the reference's, and a tiny one that trains on two CPU cores
PRESETS = {
    "ref": {"ngf": 64, "n_blocks": 9, "ndf": 64, "n_layers": 3, "batch_size": 1},
    "tiny": {"ngf": 16, "n_blocks": 3, "ndf": 16, "n_layers": 1, "batch_size": 16},
}


@hookimpl
def gansci_datasets() -> list[Spec]:
    return [
        Spec("fields", fields.fields.__doc__, fields.fields, (*DOMAINS, *PAIRS)),
        Spec("digits", digits.digits.__doc__, digits.digits, (*DOMAINS, *PAIRS, "digits")),
        Spec("spectra", spectra.spectra.__doc__, spectra.spectra, (*DOMAINS, *PAIRS)),
        Spec("domains", user_domains.__doc__, user_domains, DOMAINS),
    ]


@hookimpl
def gansci_generators() -> list[Spec]:
    return [Spec("resnet", "ResNet translator (c7s1, 2 down, n blocks, 2 up, tanh)",
                 nets.ResnetGenerator, DOMAINS)]  # fmt: skip


@hookimpl
def gansci_discriminators() -> list[Spec]:
    return [Spec("patchgan", "PatchGAN: one logit per overlapping patch",
                 nets.PatchDiscriminator, DOMAINS)]  # fmt: skip


@hookimpl
def gansci_games() -> list[Spec]:
    return [Spec("cyclegan", "two translators, two critics, cycle and identity L1", game.CycleGAN)]


@hookimpl
def gansci_metrics() -> list[MetricSpec]:
    return [
        # the issue's targets: below per-pixel quantile mapping, labels kept
        MetricSpec("pairs", metrics.pairs.__doc__.split(";")[0], metrics.pairs, PAIRS,
                   {"mae_vs_quantile_map": Target("at_most", 1.0)}),
        MetricSpec("distribution", "pixel W1 and radial power spectrum log-distance",
                   metrics.distribution, DOMAINS),
        MetricSpec("labels", "label accuracy of translations (logistic regression on real)",
                   metrics.label_accuracy, ("digits",), {"accuracy": Target("at_least", 0.9)}),
    ]  # fmt: skip


@hookimpl
def gansci_formats() -> list[FormatSpec]:
    return [
        # each reads any input of a domain, a folder of PNG/TIFF images included
        FormatSpec(".npy", "NumPy stack, channels last", DOMAINS, io.write_npy, io.read_samples),
        FormatSpec(".npz", "compressed NumPy stack", DOMAINS, io.write_npz, io.read_samples),
        FormatSpec(".tif", "float32 TIFF stack", DOMAINS, io.write_tiff, io.read_samples),
        # folders, one image per sample: 16-bit PNG where the data are 8/16-bit images
        FormatSpec(".png", "a folder of 16-bit PNGs, one per sample (rounded)", (UINT16,),
                   io.write_png_folder, io.read_samples),
        FormatSpec(".tiff", "a folder of float32 TIFFs, one per sample", (FIELDS,),
                   io.write_tiff_folder, io.read_samples),
    ]  # fmt: skip


@hookimpl
def gansci_figures() -> list[FigureSpec]:
    return [FigureSpec("translations", "input | translation | target",
                       figures.translation_grid, DOMAINS)]  # fmt: skip


def recipe(data: dict, preset: str = "tiny", steps: int = 800, n_down: int = 2) -> dict:
    """A cycle-game recipe for ``data`` with the networks of ``preset``; the step counts are
    those of the measured runs (benchmarks/RESULTS.md: fields 800, about 7.5 min of CPU)."""
    p = PRESETS[preset]
    g = {"name": "resnet", "ngf": p["ngf"], "n_blocks": p["n_blocks"], "n_down": n_down}
    d = {"name": "patchgan", "ndf": p["ndf"], "n_layers": p["n_layers"]}
    return {
        "data": data,
        "networks": {"G_AB": g, "G_BA": dict(g), "D_A": d, "D_B": dict(d)},
        "game": {"name": "cyclegan"},
        "train": {
            "steps": steps,
            "batch_size": p["batch_size"],
            "lr": 2e-4,
            "betas": [0.5, 0.999],
            "lr_schedule": "linear",
            "lr_decay_start": 0.5,
            "checkpoint_every": 500,
        },
        "validate": {"n_samples": 256},
    }


@hookimpl
def gansci_recipes() -> list[RecipeSpec]:
    return [
        RecipeSpec(
            "cyclegan-fields",
            "fields (tanh GRF -> blur, contrast, noise), tiny preset, known test pairs",
            recipe({"name": "fields"}, steps=800),
        ),
        *[
            RecipeSpec(
                f"cyclegan-digits-{t}",
                f"sklearn 8x8 digits -> {t}, tiny preset, label accuracy",
                recipe({"name": "digits", "transform": t}, steps=1000, n_down=1),
            )
            for t in digits.TRANSFORMS
        ],
        RecipeSpec(
            "cyclegan-spectra",
            "spectra (Lorentzian peaks -> instrument blur, drift, noise), tiny preset, "
            "known test pairs; its 800 steps are not yet measured",
            recipe({"name": "spectra"}, steps=800),
        ),
        RecipeSpec(
            "cyclegan",
            "your two domains (--set data.a=PATH --set data.b=PATH), reference preset",
            recipe({"name": "domains"}, preset="ref", steps=20000),
        ),
    ]
