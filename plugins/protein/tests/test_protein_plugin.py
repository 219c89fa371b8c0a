"""Conformance, datasets, generator modes and a short end-to-end run through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from gansci_protein.alphabet import PAD
from gansci_protein.data import fasta, protein_family
from gansci_protein.fasta import read_sequences, write_fasta
from gansci_protein.nets import ConvGenerator, PWMDiscriminator
from gansci_protein.pwm import write_jaspar_counts

from gansci import Experiment
from gansci.cli import main
from gansci.plugin import ConfigError, Kind, check_plugin


@pytest.fixture(scope="module")
def small_family():
    return protein_family(n_sequences=300)


def _user_files(tmp_path, n: int = 40):
    rng = np.random.default_rng(0)
    seqs = [
        "".join(rng.choice(list("ACDEFGHIKLMNPQRSTVWY"), rng.integers(20, 31))) for _ in range(n)
    ]
    seqs = [s[:5] + "WCHKM" + s[10:] for s in seqs]
    write_fasta(seqs, tmp_path / "user.fasta", ids=[f"u{i}" for i in range(n)])
    counts = np.full((5, 20), 1.0)
    for k, a in enumerate("WCHKM"):
        counts[k, "ACDEFGHIKLMNPQRSTVWY".index(a)] = 30
    write_jaspar_counts([counts], ["wchkm"], tmp_path / "user.jaspar")
    return tmp_path / "user.fasta", tmp_path / "user.jaspar"


def test_conformance(tmp_path):
    path, motifs = _user_files(tmp_path)
    checked = check_plugin(
        "protein",
        tmp_path,
        dataset_params={
            "protein_family": {"n_sequences": 300},
            "fasta": {"path": str(path), "motifs": str(motifs)},
        },
    )
    assert set(checked["recipes"]) == {"protein", "protein-pwm", "protein-cnn"}
    assert len(checked["discriminators"]) == 6 and ".fasta on fasta" in checked["formats"]


def test_user_fasta_dataset(tmp_path):
    path, motifs = _user_files(tmp_path)
    data = fasta(str(path), motifs=str(motifs))
    assert data.length == 30 and data.n_train + data.n_test == 40
    assert data.kinds is Kind.CATEGORICAL  # one-hot rows, checked as such on loading
    seqs = data.decode(data.split("train"))
    assert all(20 <= len(s) <= 30 and PAD not in s for s in seqs)
    assert torch.equal(data.encode(seqs), data.split("train"))
    assert (data.best_scores(seqs)[:, 0] >= data.thresholds[0]).mean() > 0.9
    cropped = fasta(str(path), length=25, truncate=True)
    assert cropped.length == 25 and not cropped.pwms
    with pytest.raises(ConfigError, match="data.motifs=FILE"):
        PWMDiscriminator(cropped)
    with pytest.raises(ConfigError, match="data.path=FILE"):
        fasta()


def test_generator_modes(small_family):
    data = small_family
    z = torch.randn(8, 16)
    for mode in ("gumbel", "relaxed"):
        G = ConvGenerator(data, latent_dim=16, channels=8, blocks=1, mode=mode)
        x = G(z)
        assert x.shape == data.split("test", 8).shape
        np.testing.assert_allclose(x.sum(-1).detach().numpy(), 1.0, atol=1e-5)
        if mode == "gumbel":  # straight-through: hard forward, soft gradient
            assert ((x == 0) | (x == 1)).all()
        x.pow(2).sum().backward()
        assert G.fc.weight.grad.abs().sum() > 0
        G.eval()
        out = G(z)
        assert ((out == 0) | (out == 1)).all() == (mode == "relaxed")
    with pytest.raises(ConfigError, match="valid: gumbel, relaxed"):
        ConvGenerator(data, mode="hard")


def test_generator_mapping_layers_are_nonlinear_in_the_latent(small_family):
    G = ConvGenerator(small_family, latent_dim=16, channels=8, blocks=1, mapping_layers=2)
    assert len([m for m in G.mapping if isinstance(m, torch.nn.Linear)]) == 2
    z = torch.randn(4, 16)
    features = G.fc(G.mapping(z))
    # an affine map has f(z) + f(-z) == 2 f(0); the ReLU layers break that
    zero = G.fc(G.mapping(torch.zeros(1, 16)))
    assert not torch.allclose(features + G.fc(G.mapping(-z)), 2 * zero, atol=1e-4)
    assert G(z).shape == small_family.split("test", 4).shape


def test_profile_init_starts_at_the_training_profile(small_family):
    data = small_family
    G = ConvGenerator(data, profile_init=True).eval()
    with torch.no_grad():
        G.out.weight.zero_()
        G.out.bias.zero_()
        probs = G(torch.randn(4, G.latent_dim))[0]
    freq = data.train.mean(0)
    np.testing.assert_allclose(
        probs.numpy(), ((freq + 1e-3) / (freq + 1e-3).sum(-1, keepdim=True)).numpy(), atol=1e-5
    )


def test_decode_samples_soft_rows_with_the_given_generator(small_family):
    data = small_family
    probs = torch.zeros((200, data.length, 22))
    probs[..., :20] = 1 / 20
    a = data.decode(probs, generator=torch.Generator().manual_seed(1))
    b = data.decode(probs, generator=torch.Generator().manual_seed(1))
    c = data.decode(probs, generator=torch.Generator().manual_seed(2))
    assert a == b and a != c and len(set(a)) == 200
    assert all(len(s) == data.length for s in a)
    assert data.decode(probs) == ["A" * data.length] * 200  # argmax without a generator


def test_end_to_end_run_sample_validate(tmp_path, capsys):
    run = tmp_path / "run"
    args = ["run", "protein", "--out", str(run), "--device", "cpu"]
    for kv in [
        "train.steps=3",
        "data.n_sequences=300",
        "validate.n_samples=60",
        "train.log_every=1",
    ]:
        args += ["--set", kv]
    assert main(args) == 0
    assert (run / "report.md").is_file() and (run / "figures" / "conservation.png").is_file()
    assert (run / "figures" / "motif_logo.png").is_file()
    out = tmp_path / "x.fasta"
    assert main(["sample", str(run), "-n", "100", "-o", str(out)]) == 0
    assert len(read_sequences(str(out))) == 100
    assert main(["validate", str(run), "--samples", str(out)]) == 0
    rows = {
        f"{r['metric']}.{r['key']}": r for r in json.loads((run / "validation.json").read_text())
    }
    assert rows["protein_uniqueness.unique"]["baseline"] == 1.0
    assert "protein_motif.hit_rate" in rows and "protein_true_loglik.loglik" in rows
    capsys.readouterr()
    bad = tmp_path / "bad.fasta"
    bad.write_text("not fasta\n")
    assert main(["validate", str(run), "--samples", str(bad)]) != 0
    assert "does not start with a '>' header" in capsys.readouterr().err


def test_user_fasta_through_the_cli(tmp_path):
    path, motifs = _user_files(tmp_path)
    args = ["run", "protein", "--out", str(tmp_path / "u"), "--device", "cpu", "--no-validate"]
    for kv in ["data.name=fasta", f"data.path={path}", f"data.motifs={motifs}", "train.steps=2"]:
        args += ["--set", kv]
    assert main(args) == 0


def test_default_recipe_resumed_generates_what_it_would_have_trained_straight_through(tmp_path):
    # The recipe's 8000 steps were measured by resuming its 6000-step runs
    # (benchmarks/RESULTS.md): this makes those the figures of a straight 8000-step run.
    def run(name: str, steps: int) -> Experiment:
        train = {"steps": steps, "checkpoint_every": 10, "progress": False}
        exp = Experiment.from_recipe(
            "protein", seed=0, device="cpu", out=tmp_path / name, train=train,
            data={"n_sequences": 300}, validate={"n_samples": 50},
        )  # fmt: skip
        return exp.run(validate=False)

    straight = run("straight", 20).generate(50)
    halfway = run("stopped", 10).generate(50)
    resumed = Experiment.load(tmp_path / "stopped", **{"train.steps": 20}).resume(validate=False)
    assert torch.equal(resumed.generate(50), straight)
    assert not torch.equal(halfway, straight)  # the last 10 steps did change the generator


def _long_and_dna(tmp_path):
    path, _ = _user_files(tmp_path)
    text = path.read_text()
    (tmp_path / "long.fasta").write_text(text + ">giant\n" + "MKV" * 40 + "\n")
    (tmp_path / "dna.fasta").write_text(text + ">gene\nATGGCGTTACGTAACGGTCATTAG\n")


@pytest.mark.parametrize(
    "extra, message",
    [
        ("data.path={tmp}/dna.fasta", "record 41 ('gene'): 100% of its letters are A, C, G, T"),
        ("data.path={tmp}/long.fasta", "record 'giant' has 120 residues, 4.8 times the median 25"),
        (
            "data.path={tmp}/user.fasta --set data.length=25",
            "record 'u0' has 29 residues, more than data.length=25; crop with data.truncate",
        ),
        ("data.path={tmp}/user.fasta --set data.truncate=true", "data.truncate=true needs data"),
    ],
)
def test_fasta_the_recipe_cannot_take_is_one_error_line_and_writes_nothing(
    tmp_path, capsys, extra, message
):
    _long_and_dna(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    args = ["run", "protein", "--out", str(tmp_path / "run"), "--set", "data.name=fasta"]
    code = main([*args, "--set", *extra.format(tmp=tmp_path).split()])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and err[0].startswith("gansci: error: "), err
    assert message in err[0]
    assert sorted(tmp_path.rglob("*")) == before


def test_longer_records_are_cropped_only_when_asked(tmp_path):
    _long_and_dna(tmp_path)
    data = fasta(str(tmp_path / "long.fasta"), length=30, truncate=True)
    assert data.length == 30 and data.n_train + data.n_test == 41
