"""A user's domains from files: formats in, per-domain ranges round-tripped, and every bad
input a one-line error naming the file with nothing written."""

import numpy as np
import pytest
import tifffile
from gansci_cyclegan.data import user_domains
from gansci_cyclegan.io import read_stack
from PIL import Image

from gansci.cli import main
from gansci.plugin import DataError


def png_folder(folder, images, mode=None):
    folder.mkdir()
    for i, a in enumerate(images):
        Image.fromarray(a, mode=mode).save(folder / f"{i:03d}.png")
    return folder


def test_formats_read_to_channels_last_float64(tmp_path):
    rng = np.random.default_rng(0)
    u16 = rng.integers(0, 65535, size=(5, 12, 16), dtype=np.uint16)
    tifffile.imwrite(tmp_path / "stack.tif", u16)
    x = read_stack(tmp_path / "stack.tif")
    assert x.shape == (5, 12, 16, 1) and x.dtype == np.float64 and np.array_equal(x[..., 0], u16)
    rgb = rng.integers(0, 255, size=(4, 8, 8, 3), dtype=np.uint8)
    assert np.array_equal(read_stack(png_folder(tmp_path / "rgb", rgb)), rgb)
    gray16 = [a.astype(np.uint16) * 200 for a in rng.integers(0, 300, size=(4, 8, 8))]
    folder = tmp_path / "g16"
    folder.mkdir()
    for i, a in enumerate(gray16):
        tifffile.imwrite(folder / f"{i}.tiff", a)
    assert read_stack(folder).shape == (4, 8, 8, 1)
    signals = rng.normal(size=(6, 20))
    np.savetxt(tmp_path / "s.csv", signals, delimiter=",")
    np.save(tmp_path / "s.npy", signals)
    np.savez(tmp_path / "s.npz", signals=signals)
    for name in ("s.csv", "s.npy", "s.npz"):
        assert np.allclose(read_stack(tmp_path / name), signals[..., None])
    np.save(tmp_path / "multi.npy", rng.normal(size=(6, 20, 2)))
    assert read_stack(tmp_path / "multi.npy", layout="signals").shape == (6, 20, 2)


def test_each_domain_keeps_its_own_range(tmp_path):
    rng = np.random.default_rng(1)
    np.save(tmp_path / "a.npy", rng.uniform(0, 65535, size=(20, 8, 8)))
    np.save(tmp_path / "b.npy", rng.uniform(-3, -1, size=(20, 8, 8)))
    data = user_domains(str(tmp_path / "a.npy"), str(tmp_path / "b.npy"))
    for view, (lo, hi) in (("A", (0, 65535)), ("B", (-3, -1))):
        model = data.split("train", view=view)
        assert float(model.min()) == pytest.approx(-1, abs=1e-6)
        assert float(model.max()) == pytest.approx(1, abs=1e-6)
        back = data.decode(model, view=view)
        raw = np.load(tmp_path / f"{view.lower()}.npy")
        assert back.min() >= lo and back.max() <= hi  # in the domain's own units
        rows = np.random.default_rng(0).permutation(20)[2:]  # the training rows (seed 0)
        # back to the samples themselves, within float32's precision of the range
        assert np.allclose(back[..., 0], raw[rows], rtol=0, atol=1e-6 * (hi - lo))
        assert np.allclose(data.decode(data.encode(back, view=view), view=view), back, rtol=1e-6)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.mkdir(), "no PNG or TIFF images in the folder"),
        (lambda p: (p.mkdir(), tifffile.imwrite(p / "0.tif", np.zeros((4, 4), np.complex64)),
                    tifffile.imwrite(p / "1.tif", np.zeros((4, 4), np.complex64))),
         "0.tif: TIFF of dtype complex64"),
        (lambda p: np.save(p.with_suffix(".npy"), np.array([[[np.nan, 1]] * 2] * 5)),
         "10 NaN or infinite value(s), the first in sample 0 at (0, 0, 0)"),
        (lambda p: png_folder(p, [np.zeros((8, 8), np.uint8)] * 3 + [np.zeros((8, 9), np.uint8)]),
         "003.png: an image of shape (8, 9, 1)"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_the_file_and_nothing_is_written(
    tmp_path, capsys, make, message
):
    bad = tmp_path / "bad"
    make(bad)
    path = bad if bad.exists() else bad.with_suffix(".npy")
    np.save(tmp_path / "good.npy", np.random.default_rng(0).normal(size=(8, 8, 8)))
    out = tmp_path / "run"
    argv = ["run", "cyclegan", "--out", str(out), "--set", f"data.a={path}"]
    assert main([*argv, "--set", f"data.b={tmp_path / 'good.npy'}"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and str(path.name) in err
    assert not out.exists() or not any(out.iterdir())


def test_mismatched_channels_between_domains_name_both(tmp_path):
    rng = np.random.default_rng(0)
    png_folder(tmp_path / "rgb", rng.integers(0, 255, size=(6, 8, 8, 3), dtype=np.uint8))
    png_folder(tmp_path / "gray", rng.integers(0, 255, size=(6, 8, 8), dtype=np.uint8))
    with pytest.raises(DataError, match="rgb has 3 channel\\(s\\) but .*gray has 1"):
        user_domains(str(tmp_path / "rgb"), str(tmp_path / "gray"))


def tiny_run(tmp_path, steps):
    """A tiny cycle game trained ``steps`` steps on the domains tmp_path/a and b.npy."""
    run = tmp_path / "run"
    small = [f"train.steps={steps}", "train.batch_size=2"]
    small += [f"networks.{g}.{k}" for g in ("G_AB", "G_BA") for k in ("ngf=4", "n_blocks=1")]
    small += [f"networks.{d}.{k}" for d in ("D_A", "D_B") for k in ("ndf=4", "n_layers=1")]
    argv = ["run", "cyclegan", "--out", str(run), "--device", "cpu", "--no-validate"]
    argv += [f"--set=data.a={tmp_path / 'a'}", f"--set=data.b={tmp_path / 'b.npy'}"]
    assert main(argv + [f"--set={s}" for s in small]) == 0
    return run


def test_sample_from_a_file_or_an_image_folder_translates_into_the_targets_units(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.integers(0, 255, size=(10, 16, 16), dtype=np.uint8)
    png_folder(tmp_path / "a", a)
    np.save(tmp_path / "b.npy", rng.uniform(1000, 3000, size=(10, 16, 16)))
    run = tiny_run(tmp_path, steps=2)
    np.save(tmp_path / "in.npy", a[:3].astype(np.float64))
    out = tmp_path / "out.npy"
    sample = ["sample", str(run), "--direction", "A2B", "-o"]
    assert main([*sample, str(out), "--from", str(tmp_path / "in.npy")]) == 0
    y = np.load(out)
    assert y.shape == (3, 16, 16, 1) and y.min() >= 999 and y.max() <= 3001  # B's own units
    assert main([*sample, str(tmp_path / "out.tif"), "--from", str(tmp_path / "a")]) == 0
    assert tifffile.imread(tmp_path / "out.tif").shape == (10, 16, 16)
    back = tmp_path / "back.npy"
    assert (
        main(["sample", str(run), "--direction", "B2A", "-o", str(back), "--from", str(out)]) == 0
    )
    assert np.load(back).min() >= -1 and np.load(back).max() <= 256  # A's units: 8-bit


def test_sample_writes_16_bit_png_and_float32_tiff_folders_that_read_back(tmp_path):
    rng = np.random.default_rng(2)
    png_folder(tmp_path / "a", rng.integers(0, 255, size=(6, 16, 16), dtype=np.uint8))
    np.save(tmp_path / "b.npy", rng.integers(100, 60000, size=(6, 16, 16)).astype(np.uint16))
    run = tiny_run(tmp_path, steps=1)
    sample = ["sample", str(run), "--direction", "A2B", "--from", str(tmp_path / "a"), "-o"]
    for out in ("ref.npy", "out.png", "out.tiff"):
        assert main([*sample, str(tmp_path / out)]) == 0
    ref = np.load(tmp_path / "ref.npy")  # float64, B's own units
    assert sorted(p.name for p in (tmp_path / "out.png").iterdir())[:2] == [
        "00000.png",
        "00001.png",
    ]
    with Image.open(tmp_path / "out.png" / "00000.png") as im:
        assert im.mode == "I;16"
    png, tiff = read_stack(tmp_path / "out.png"), read_stack(tmp_path / "out.tiff")
    assert png.shape == tiff.shape == ref.shape == (6, 16, 16, 1)
    assert np.abs(png - ref).max() <= 0.5  # rounded to B's integer units
    assert np.allclose(tiff, ref, rtol=2**-23, atol=0)  # float32
    back = ["sample", str(run), "--direction", "B2A", "--from", str(tmp_path / "out.png")]
    assert main([*back, "-o", str(tmp_path / "back.npy")]) == 0
    assert np.load(tmp_path / "back.npy").shape == (6, 16, 16, 1)


def test_png_folders_refuse_what_16_bits_cannot_hold(tmp_path, capsys):
    from gansci_cyclegan.io import write_png_folder

    x = np.zeros((3, 4, 4, 1))
    x[1, 0, 0] = -2.0
    with pytest.raises(DataError, match=r"sample 1 holds values in \[-2, 0\]; .* write a .tiff"):
        write_png_folder(x, str(tmp_path / "x.png"))
    with pytest.raises(DataError, match="samples of 3 channels"):
        write_png_folder(np.zeros((2, 4, 4, 3)), str(tmp_path / "y.png"))
    assert not any(tmp_path.iterdir())
    run = tmp_path / "run"  # a fields run: values on [-1, 1], no PNG offered
    from gansci import Experiment

    train = {"steps": 1, "batch_size": 2, "progress": False}
    small = {"data": {"n_train": 8, "n_test": 4}, "train": train}
    Experiment.from_recipe("cyclegan-fields", device="cpu", out=run, **small).run(validate=False)
    np.save(tmp_path / "in.npy", np.zeros((2, 32, 32)))
    argv = ["sample", str(run), "--from", str(tmp_path / "in.npy"), "-o", str(tmp_path / "o.png")]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert "no sample format '.png'" in err and ".tiff" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o.png").exists()
