#!/usr/bin/env bash
# The checks that need a CUDA machine, in one run (meant to fit about 5 minutes; not yet timed
# with its capture steps): gpu tests, engine overhead and CUDA graphs, vectorised seeds, PWM scan.
#
#   OUT=runs/gpu bash benchmarks/gpu_checks.sh
#
# Meant for a lent machine whose python3 already has torch with CUDA: the project and its
# plugins are installed into it without dependencies; wheels of anything else missing
# there may be put in .whl/ beforehand. Each step runs even if an earlier one failed; every
# log lands in $OUT. Results are recorded in benchmarks/RESULTS.md ("GPU").
set -u
OUT=${OUT:-runs/gpu}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 TMPDIR=${TMPDIR:-/tmp}
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site
fi
python3 -m pip install -q --no-index --no-deps --no-build-isolation . plugins/lorenz plugins/protein
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/machine.txt"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" | tee -a "$OUT/machine.txt"

step() { echo "== $1 ($(date +%T))"; }

step "gpu tests"
python3 -m pytest -q -p no:cacheprovider -m gpu tests/test_gpu.py tests/test_capture.py 2>&1 \
    | tee "$OUT/gpu_tests.log" | tail -15

step "engine overhead: grid25 eager, bf16, CUDA graphs, bare loops"
timeout 120 python3 benchmarks/engine_overhead.py --device cuda --steps 300 --rounds 2 \
    --variants engine bare engine-amp 2>&1 | tee "$OUT/engine_eager.txt"
timeout 120 python3 benchmarks/engine_overhead.py --device cuda --steps 5000 --rounds 3 \
    --variants engine-graphs bare-graphs 2>&1 | tee "$OUT/engine_graphs.txt"

step "vectorised seeds"
timeout 200 python3 benchmarks/vectorized_seeds.py --device cuda --recipes grid25 lorenz \
    --sizes recipe --seeds 8 --steps 200 --out "$TMPDIR/bench-vec" 2>&1 | tail -8
cp "$TMPDIR/bench-vec/vectorized_seeds.md" "$OUT/vectorized_seeds_8.md"
timeout 150 python3 benchmarks/vectorized_seeds.py --device cuda --recipes grid25 \
    --sizes recipe --seeds 32 --steps 100 --out "$TMPDIR/bench-vec32" 2>&1 | tail -4
cp "$TMPDIR/bench-vec32/vectorized_seeds.md" "$OUT/vectorized_seeds_32.md"

step "PWM scan"
timeout 120 python3 benchmarks/protein_pwm_scan.py --device cuda 2>&1 | tee "$OUT/pwm_scan.txt" | tail -12

# The lorenz recipe on the GPU (192 s, 2026-11-29, RESULTS "GPU") is left out: its figure is
# recorded and the script must fit a few minutes of device time. Run it alone if needed:
#   python3 -m gansci run lorenz --device cuda --seed 0 --out "$TMPDIR/lorenz"
step done
