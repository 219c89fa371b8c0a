"""PWM scanning speed: the plugin's torch conv1d scanner vs a vectorised NumPy
sliding-window reference, in the same run, on the same sequences (their scores agree).

    .venv/bin/python benchmarks/protein_pwm_scan.py --n 100000 --length 256 --width 20

Both take batches of 10,000 sequences; the torch scanner takes one-hot input (what a
discriminator sees; one-hot building is timed separately), NumPy takes integer codes.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from gansci_protein.alphabet import one_hot
from gansci_protein.pwm import PWM, PWMScanner, scan_numpy


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--length", type=int, default=256)
    p.add_argument("--width", type=int, default=20)
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    rng = np.random.default_rng(0)
    pwm = PWM("bench", rng.normal(size=(args.width, 20)))
    codes = rng.integers(0, 20, size=(args.n, args.length))
    batches = [codes[i : i + args.batch] for i in range(0, args.n, args.batch)]
    device = torch.device(args.device)
    scanner = PWMScanner([pwm]).to(device)

    def numpy_scan():
        return [scan_numpy(b, pwm).max(1) for b in batches]

    onehots = [one_hot(b).to(device) for b in batches]

    def torch_scan():
        with torch.no_grad():
            out = [scanner.best(x) for x in onehots]
        if device.type == "cuda":
            torch.cuda.synchronize()
        return out

    def torch_scan_with_encoding():
        with torch.no_grad():
            return [scanner.best(one_hot(b).to(device)) for b in batches]

    ref = np.concatenate(numpy_scan())
    got = torch.cat(torch_scan()).cpu().numpy()[:, 0]
    err = float(np.abs(ref - got).max())
    torch.set_num_threads(1)
    t_np = best_of(numpy_scan, args.repeats)
    print(f"{args.n} sequences x {args.length}, PWM width {args.width}; max |diff| {err:.2e}")
    print(f"numpy sliding windows: {t_np:.2f} s ({args.n / t_np:,.0f} seq/s)")
    for threads in args.threads if device.type == "cpu" else [1]:
        torch.set_num_threads(threads)
        torch_scan()  # warm up
        t = best_of(torch_scan, args.repeats)
        t_enc = best_of(torch_scan_with_encoding, args.repeats)
        print(
            f"torch {device.type} ({threads} thread{'s' if threads > 1 else ''}): {t:.2f} s, "
            f"ratio {t_np / t:.1f}x; with one-hot encoding {t_enc:.2f} s, ratio {t_np / t_enc:.1f}x"
        )


if __name__ == "__main__":
    main()
