"""`gansci check` on translations from elsewhere: the held-out inputs exported, translated
by the true map they pass, left untranslated they fail on the metric that should catch
it; a user's own domains are judged by the true partners given with --truth."""

import json

import numpy as np
import pytest
from gansci_cyclegan.digits import TRANSFORMS
from gansci_cyclegan.fields import random_fields, transform

import gansci
from gansci.cli import main


def export(tmp_path, dataset, view, *extra):
    path = tmp_path / f"{dataset}-{view}.npy"
    assert main(["export", dataset, "--view", view, "-o", str(path), *extra]) == 0
    return np.load(path)


def check(tmp_path, dataset, samples, *extra):
    np.save(tmp_path / "samples.npy", samples)
    out = tmp_path / "report"
    argv = ["check", dataset, "--samples", str(tmp_path / "samples.npy"), "-o", str(out)]
    status = main([*argv, "--force", *extra])
    rows = json.loads((out / "validation.json").read_text())
    return status, {f"{r['metric']}.{r['key']}": r for r in rows}


def test_fields_translated_by_the_true_map_pass_and_untranslated_inputs_fail(tmp_path):
    a = export(tmp_path, "fields", "A")
    assert a.shape == (256, 32, 32, 1) and a.min() > -1 and a.max() < 1  # its own units
    good = transform(a[..., 0], np.random.default_rng(7))[..., None]  # fresh noise
    status, rows = check(tmp_path, "fields", good, "--direction", "A2B")
    assert status == 0
    assert rows["A2B.pairs.mae"]["value"] < 0.03  # the noise alone: 0.02·√2·√(2/π)
    assert rows["A2B.pairs.mae_vs_quantile_map"]["verdict"] == "PASS"
    status, rows = check(tmp_path, "fields", a, "--direction", "A2B")
    assert status == 3
    assert rows["A2B.pairs.mae_vs_quantile_map"]["verdict"] == "FAIL"
    assert rows["A2B.pairs.mae"]["value"] == pytest.approx(0.312, abs=0.01)  # identity MAE


def test_digits_translations_keep_their_labels_and_untranslated_ones_lose_them(tmp_path):
    a = export(tmp_path, "digits", "A", "--set", "transform=rot90")
    status, rows = check(
        tmp_path, "digits", TRANSFORMS["rot90"](a), "--direction", "A2B", "--set", "transform=rot90"
    )
    assert status == 0 and rows["A2B.labels.accuracy"]["value"] >= 0.9
    status, rows = check(tmp_path, "digits", a, "--direction", "A2B", "--set", "transform=rot90")
    assert status == 3
    assert rows["A2B.labels.accuracy"]["verdict"] == "FAIL"
    assert rows["A2B.pairs.mae_vs_quantile_map"]["verdict"] == "FAIL"
    # untranslated digits have the target domain's pixel values: W1 cannot see a rotation
    assert rows["A2B.distribution.pixel_w1"]["value"] < 0.01


def test_own_domains_are_judged_by_the_true_partners_given(tmp_path):
    rng = np.random.default_rng(3)
    np.save(tmp_path / "a.npy", random_fields(200, 16, rng))
    np.save(tmp_path / "b.npy", transform(random_fields(200, 16, rng), rng))
    domains = ["--set", f"a={tmp_path / 'a.npy'}", "--set", f"b={tmp_path / 'b.npy'}"]
    a = export(tmp_path, "domains", "A", *domains)
    np.save(tmp_path / "truth.npy", transform(a[..., 0], rng))
    translated = transform(a[..., 0], rng)
    truth = ["--truth", str(tmp_path / "truth.npy")]
    status, rows = check(tmp_path, "domains", translated, "--direction", "A2B", *domains, *truth)
    assert status == 0 and rows["A2B.pairs.mae"]["value"] < 0.04
    _, rows = check(tmp_path, "domains", translated, "--direction", "A2B", *domains)
    assert not any(k.startswith("A2B.pairs") for k in rows)  # no pairs known, none judged
    assert "A2B.distribution.pixel_w1" in rows


def test_check_of_a_runs_translations_equals_its_validation(tmp_path):
    run = tmp_path / "run"
    exp = gansci.Experiment.from_recipe(
        "cyclegan-fields",
        out=run,
        train={"steps": 2, "batch_size": 4},
        validate={"n_samples": 32},
        data={"n_train": 64, "n_test": 32},
    )
    exp.run()
    rows = {(r.metric, r.key): r.value for r in exp.validate(write_report=False)}
    params = {"n_train": 64, "n_test": 32}
    for direction in ("A2B", "B2A"):
        source = direction[0]
        x = exp.data.decode(exp.data.split("test", view=source), view=source)
        report = gansci.check(
            exp.translate(x, direction), "fields", data_params=params, direction=direction
        )
        assert len(report.rows) >= 8  # pairs and distribution, each key a row
        for r in report.rows:
            assert r.value == rows[(r.metric, r.key)], (r.metric, r.key)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "fields", "--samples", "{a}"], "name the samples' direction (A2B, B2A)"),
        (["check", "fields", "--samples", "{a}", "--direction", "A2C"], "(A2B, B2A)"),
        (["check", "fields", "--samples", "{bad}", "--direction", "A2B"], "have shape"),
        (
            ["check", "fields", "--samples", "{a}", "--direction", "A2B", "--truth", "{short}"],
            "2 true partners for 256 translations",
        ),
        (["export", "fields", "-o", "{tmp}/x.npy"], "has views A, B: name the one"),
        (["export", "fields", "--view", "A", "-o", "{a}"], "exists; choose another"),
        (["export", "fields", "--view", "A", "-o", "{tmp}/x.fasta"], "no sample format"),
    ],
)
def test_bad_input_one_line_error_nothing_written(tmp_path, capsys, argv, message):
    a = export(tmp_path, "fields", "A")
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "bad.npy", a[:, :16, :16])
    np.save(tmp_path / "short.npy", a[:2])
    before = sorted(p.name for p in tmp_path.iterdir())
    paths = {k: tmp_path / f"{k}.npy" for k in ("a", "bad", "short")}
    assert main([x.format(tmp=tmp_path, **paths) for x in argv]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
