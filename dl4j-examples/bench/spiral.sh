#!/usr/bin/env bash
# The neural-ODE spiral against its PyTorch counterpart (spiral_torch.py), seed by seed, alternating (never at the same
# time: the cores are shared). Writes dl4j-examples/target/bench/spiral.md: per seed, the trajectory MAE after the last
# iteration and the training time of StructNet (backpropagation and adjoint) and PyTorch (autograd through the solver).
# Usage: dl4j-examples/bench/spiral.sh [SEEDS]   (5 by default; needs Debian's python3-torch for the PyTorch half)
set -euo pipefail
seeds="${1:-5}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$(dirname "$here")")"
out="$root/dl4j-examples/target/bench"
mkdir -p "$out"
cd "$root"
mvn -B -q install -DskipTests
for seed in $(seq "$seeds"); do
  mvn -B -q -f dl4j-examples exec:java -Dexec.mainClass=io.github.structnet.examples.continuous.SpiralOde \
      -Dexec.args="--seed $seed --out $out/spiral-$seed" | tee "$out/spiral-structnet-$seed.txt"
  /usr/bin/python3 "$here/spiral_torch.py" train --seeds "$seed" | tee "$out/spiral-pytorch-$seed.txt"
done
{
  echo "# Neural-ODE spiral, 2000 iterations ($(date -u +%F), $(nproc) cores)"
  echo
  echo "| seed | StructNet backprop: MAE / s | StructNet adjoint: MAE / s | PyTorch autograd: MAE / s |"
  echo "|---|---|---|---|"
  for seed in $(seq "$seeds"); do
    s="$out/spiral-structnet-$seed.txt"
    bp=$(grep '^BACKPROPAGATION: iteration 2000' "$s" | sed -E 's/.*MAE ([0-9.]+), training ([0-9.]+) s/\1 \/ \2/')
    adj=$(grep '^ADJOINT: iteration 2000' "$s" | sed -E 's/.*MAE ([0-9.]+), training ([0-9.]+) s/\1 \/ \2/')
    pt=$(grep '^| seed [0-9]' "$out/spiral-pytorch-$seed.txt" \
        | sed -E 's/.*2000:([0-9.]+) \| ([0-9.]+) \|.*/\1 \/ \2/')
    echo "| $seed | $bp | $adj | $pt |"
  done
} > "$out/spiral.md"
cat "$out/spiral.md"
