#!/usr/bin/env bash
# Runs the StructNet layer benchmark and its PyTorch counterpart one after the other (never at the same time: the
# machine's cores are shared), writes both tables to dl4j-examples/target/bench/results.md and draws the training-step
# times side by side in dl4j-examples/target/bench/train-step.png.
# Usage: dl4j-examples/bench/run.sh [--quick]   (needs Debian's python3-torch for the PyTorch half)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$(dirname "$here")")"
out="$root/dl4j-examples/target/bench"
mkdir -p "$out"
cd "$root"
mvn -B -q install -DskipTests
mvn -B -q -f dl4j-examples exec:java -Dexec.mainClass=io.github.structnet.examples.bench.LayerBenchmark \
    -Dexec.args="$*" | tee "$out/structnet.txt"
if /usr/bin/python3 -c "import torch" 2> /dev/null; then
  /usr/bin/python3 "$here/pytorch_bench.py" "$@" | tee "$out/pytorch.txt"
else
  echo "python3-torch is not installed (apt-get install python3-torch); skipping the PyTorch side" | tee "$out/pytorch.txt"
fi
{ echo "# Layer benchmark ($(date -u +%F), $(nproc) cores)"; echo; grep -E '^\|' "$out/structnet.txt"; echo;
  grep -E '^(PyTorch|\|)' "$out/pytorch.txt" || true; } > "$out/results.md"
echo "Wrote $out/results.md"
if grep -q '^| PyTorch' "$out/results.md"; then
  mvn -B -q -f dl4j-examples exec:java -Dexec.mainClass=io.github.structnet.examples.bench.BenchmarkChart \
      -Dexec.args="$out/results.md $out/train-step.png"
fi
