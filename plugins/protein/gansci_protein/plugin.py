"""Registrations of the protein plugin: datasets, networks, metrics, recipes, FASTA, logos."""

from __future__ import annotations

from gansci.plugin import (
    FigureSpec,
    FormatSpec,
    MetricSpec,
    RecipeSpec,
    Spec,
    Target,
    hookimpl,
)
from gansci_protein import data, figures, metrics, nets
from gansci_protein.fasta import read_sequences, write_fasta

PROTEIN = ("protein",)


@hookimpl
def gansci_datasets() -> list[Spec]:
    return [
        Spec(
            "protein_family",
            "bundled homologous family, two motifs, true model (datasets/protein_family)",
            data.protein_family,
            PROTEIN,
        ),
        Spec(
            "fasta",
            "your own protein FASTA (data.path=FILE, data.motifs=FILE)",
            data.fasta,
            PROTEIN,
        ),
    ]


@hookimpl
def gansci_generators() -> list[Spec]:
    return [
        Spec(
            "protein_conv",
            "1-D conv residual generator, straight-through Gumbel or relaxed one-hot",
            nets.ConvGenerator,
            PROTEIN,
        )
    ]


@hookimpl
def gansci_discriminators() -> list[Spec]:
    return [
        Spec(
            "pwm",
            "motif PWM scanner's pooled scores through a small head",
            nets.PWMDiscriminator,
            PROTEIN,
        ),
        Spec(
            "cnn",
            "1-D convolutional critic over the one-hot sequence",
            nets.CNNDiscriminator,
            PROTEIN,
        ),
        Spec("pwm+cnn", "the PWM and CNN discriminators, logits summed", nets.PWMPlusCNN, PROTEIN),
    ]


METRICS = [
    ("motif", "motif hit rate at a fixed background FPR; best-score W1 (bits)", metrics.motif_hits),
    ("composition", "Jensen-Shannon (nats): amino-acid and dipeptide spectra", metrics.composition),
    ("conservation", "per-position entropy profile vs real (MAE nats, corr)", metrics.conservation),
    ("uniqueness", "fraction of distinct generated sequences", metrics.uniqueness),
    ("novelty", "identity to the nearest training sequence vs held-out real's", metrics.novelty),
    ("diversity", "mean pairwise identity, generated and real", metrics.diversity),
    ("length", "1-Wasserstein distance of sequence lengths", metrics.length),
    ("true_loglik", "log-likelihood under the family's true model", metrics.true_loglik),
]


#: the family targets (plugins/protein/README.md): motifs within 5 points of real, spectra
#: close, no copies beyond what held-out real sequences show, real diversity
TARGETS = {
    "motif": {"hit_rate": Target("within", 0.05)},
    "composition": {"aa_js": Target("at_most", 0.005), "dipeptide_js": Target("at_most", 0.02)},
    "uniqueness": {"unique": Target("at_least", 0.99)},
    "novelty": {"nn_identity_excess": Target("at_most", 0.05)},
    "diversity": {"pairwise_identity": Target("within", 0.05)},
}


@hookimpl
def gansci_metrics() -> list[MetricSpec]:
    return [
        MetricSpec(f"protein_{name}", desc, fn, PROTEIN, TARGETS.get(name, {}))
        for name, desc, fn in METRICS
    ]


@hookimpl
def gansci_formats() -> list[FormatSpec]:
    return [FormatSpec(".fasta", "FASTA (Bio.SeqIO)", PROTEIN, write_fasta, read_sequences)]


@hookimpl
def gansci_figures() -> list[FigureSpec]:
    return [
        FigureSpec(
            "motif_logo",
            "sequence logos of each motif's best window: real vs generated",
            figures.motif_logo,
            PROTEIN,
        ),
        FigureSpec(
            "conservation",
            "per-position entropy: real vs generated",
            figures.conservation_profile,
            PROTEIN,
        ),
    ]


def _recipe(name: str, description: str, discriminator: dict, **overrides) -> RecipeSpec:
    config = {
        "data": {"name": "protein_family"},
        "networks": {
            "G": {
                "name": "protein_conv",
                "latent_dim": 64,
                "channels": 32,
                "blocks": 2,
                "mode": "gumbel",
                "profile_init": True,
            },
            "D": {"spectral_norm": True, **discriminator},
        },
        "game": {"name": "standard", "loss": "ns"},
        "train": {
            "steps": 4000,
            "batch_size": 64,
            "lr": 2e-4,
            "betas": [0.5, 0.999],
            "ema": 0.99,
            "checkpoint_every": 500,
        },
        "validate": {"n_samples": 2500},
    }
    if "generator" in overrides:
        config["networks"]["G"].update(overrides.pop("generator"))
    for key, value in overrides.items():
        config[key] = {**config[key], **value}
    return RecipeSpec(name, description, config)


@hookimpl
def gansci_recipes() -> list[RecipeSpec]:
    return [
        _recipe("protein-pwm", "bundled family vs the PWM discriminator alone", {"name": "pwm"}),
        _recipe(
            "protein-cnn",
            "bundled family vs the convolutional critic",
            {"name": "cnn", "channels": 32, "blocks": 1},
        ),
        _recipe(
            "protein",
            "bundled family vs PWM + CNN discriminators (the default)",
            {"name": "pwm+cnn", "channels": 32, "blocks": 1},
            # 4 generator blocks and 6000 steps: hit rate 0.930 (real 0.960); 0.866 with 2
            # blocks at 4000 steps (benchmarks/RESULTS.md)
            generator={"blocks": 4},
            train={"steps": 6000},
        ),
    ]
