"""PWM scanning speed: the plugin's torch scanner vs NumPy, in the same run, on the same
sequences (their scores agree). Ratios are against the fastest NumPy formulation (the
fair peer), with the sliding-window one kept for the record.

    .venv/bin/python benchmarks/protein_pwm_scan.py --n 100000 --length 256 --width 20

The reference (``gansci_protein.pwm.scan_numpy``): ``sliding_window_view`` of the integer
codes ``(n, L - w + 1, w)``, fancy-index gather ``W[arange(w), windows]`` and a sum over
the last axis, float64. Peers, all on batches of 10,000 sequences, best of ``--repeats``:

* the torch gather path on integer codes: ``PWMScanner.best_codes`` (what the metrics
  use: a float32 scan, then the windows within float32 rounding of the best rescored in
  float64, so the best score is exact), and ``scan_codes(...).max`` in float64 and float32;
* the differentiable torch path ``PWMScanner.best`` on one-hot input (what a discriminator
  sees), with the one-hot already built and, separately, with building it timed;
* NumPy, one gather-and-add per tap (``sum_j W[j][codes[:, j:j+P]]``);
* NumPy, the torch path's own algorithm (3-mer table look-ups, one per group of three
  taps, summed along strided diagonals): so the torch figure is not an algorithm's win
  passed off as a library's.
Bio.motifs is not a peer: its PSSM ``calculate`` refuses protein alphabets.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from gansci_protein.alphabet import one_hot
from gansci_protein.pwm import PWM, PWMScanner, _kmer_table, scan_numpy


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def numpy_per_tap(codes: np.ndarray, pwm: PWM) -> np.ndarray:
    full, n_pos = pwm.full(), codes.shape[1] - pwm.width + 1
    s = full[0][codes[:, :n_pos]]
    for j in range(1, pwm.width):
        s += full[j][codes[:, j : j + n_pos]]
    return s


def numpy_kmer(codes: np.ndarray, table: np.ndarray, width: int, k: int = 3) -> np.ndarray:
    """The scanner's algorithm in NumPy: ``table`` (A**k, groups) from ``_kmer_table``."""
    groups, n_sym = table.shape[1], round(table.shape[0] ** (1 / k))
    n_pos = codes.shape[1] - width + 1
    padded = np.pad(codes, ((0, 0), (0, groups * k - width)))
    n_kmers = padded.shape[1] - k + 1
    kmers = padded[:, :n_kmers]
    for j in range(1, k):
        kmers = kmers * n_sym + padded[:, j : j + n_kmers]
    taps = table[kmers]  # (n, n_kmers, groups)
    item = taps.itemsize
    diag = np.lib.stride_tricks.as_strided(
        taps,
        (len(codes), n_pos, groups),
        (n_kmers * groups * item, groups * item, (k * groups + 1) * item),
        writeable=False,
    )
    return diag.sum(-1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--length", type=int, default=256)
    p.add_argument("--width", type=int, default=20)
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="cpu")
    p.add_argument("--skip-one-hot", action="store_true", help="time only the gather path")
    args = p.parse_args()
    rng = np.random.default_rng(0)
    pwm = PWM("bench", rng.normal(size=(args.width, 20)))
    codes = rng.integers(0, 20, size=(args.n, args.length))
    batches = [codes[i : i + args.batch] for i in range(0, args.n, args.batch)]
    device = torch.device(args.device)
    scanner = PWMScanner([pwm]).to(device)

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    def numpy_scan():
        return [scan_numpy(b, pwm).max(1) for b in batches]

    def numpy_taps():
        return [numpy_per_tap(b, pwm).max(1) for b in batches]

    table = _kmer_table(torch.as_tensor(pwm.full())).numpy()

    def numpy_kmers():
        return [numpy_kmer(b, table, pwm.width).max(1) for b in batches]

    code_batches = [torch.from_numpy(b).to(device) for b in batches]

    def gather(dtype):
        def run():
            with torch.no_grad():
                if dtype is None:
                    out = [scanner.best_codes(c) for c in code_batches]
                else:
                    out = [scanner.scan_codes(c, dtype)[0].max(1).values for c in code_batches]
            sync()
            return [o.reshape(len(o), -1) for o in out]

        return run

    gathers = {
        "best_codes (exact float64 best)": gather(None),
        "scan_codes float64": gather(torch.float64),
        "scan_codes float32": gather(torch.float32),
    }

    onehots = [] if args.skip_one_hot else [one_hot(b).to(device) for b in batches]

    def torch_scan():
        with torch.no_grad():
            out = [scanner.best(x) for x in onehots]
        sync()
        return out

    def torch_scan_with_encoding():
        with torch.no_grad():
            out = [scanner.best(one_hot(b).to(device)) for b in batches]
        sync()
        return out

    torch.set_num_threads(1)
    ref = np.concatenate(numpy_scan())
    for name, run in (("numpy per tap", numpy_taps), ("numpy 3-mer", numpy_kmers)):
        err = float(np.abs(ref - np.concatenate(run())).max())
        print(f"  max |score - reference|, {name}: {err:.1e}")
    errors = {name: run() for name, run in gathers.items()}
    if onehots:
        errors["one-hot float32"] = torch_scan()
    print(f"{args.n} sequences x {args.length}, PWM width {args.width}, device {device}")
    for name, out in errors.items():
        err = float(np.abs(ref - torch.cat(out).cpu().numpy()[:, 0]).max())
        print(f"  max |score - reference|, {name}: {err:.1e}")
    t_slide = best_of(numpy_scan, args.repeats)
    t_taps = best_of(numpy_taps, args.repeats)
    t_kmers = best_of(numpy_kmers, args.repeats)
    t_np = min(t_taps, t_kmers)  # the fair peer: NumPy's fastest formulation
    print(f"numpy sliding windows: {t_slide:.2f} s, ratio {t_np / t_slide:.2f}x")
    print(f"numpy per-tap gathers: {t_taps:.2f} s, ratio {t_np / t_taps:.2f}x")
    print(f"numpy 3-mer look-ups: {t_kmers:.2f} s, ratio {t_np / t_kmers:.2f}x")
    print("ratios below: against the fastest numpy formulation")
    for threads in args.threads if device.type == "cpu" else [1]:
        torch.set_num_threads(threads)
        label = f"torch {device.type} ({threads} thread{'s' if threads > 1 else ''})"
        for name, run in gathers.items():
            run()  # warm up
            t = best_of(run, args.repeats)
            print(f"{label} gather on codes, {name}: {t:.2f} s, ratio {t_np / t:.1f}x")
        if not onehots:
            continue
        torch_scan()
        t = best_of(torch_scan, args.repeats)
        t_enc = best_of(torch_scan_with_encoding, args.repeats)
        print(
            f"{label} one-hot matmul: {t:.2f} s, ratio {t_np / t:.1f}x; "
            f"with one-hot encoding {t_enc:.2f} s, ratio {t_np / t_enc:.1f}x"
        )


if __name__ == "__main__":
    main()
