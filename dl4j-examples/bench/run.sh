#!/usr/bin/env bash
# Runs the StructNet layer benchmark and its PyTorch counterpart one after the other (never at the same time: the
# machine's cores are shared), writes both tables to dl4j-examples/target/bench/results.md and draws the training-step
# times side by side in dl4j-examples/target/bench/train-step.png.
# Usage: dl4j-examples/bench/run.sh [--rounds N] [--quick] [LayerBenchmark options]   (N alternating rounds, 3 by
# default; needs Debian's python3-torch and libopenblas0-pthread for the PyTorch half: without the latter PyTorch runs
# on the reference BLAS, several times slower)
set -euo pipefail
rounds=3
if [ "${1:-}" = "--rounds" ]; then rounds="$2"; shift 2; fi
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$(dirname "$here")")"
out="$root/dl4j-examples/target/bench"
mkdir -p "$out"
cd "$root"
mvn -B -q install -DskipTests
if ! /usr/bin/python3 -c "import torch" 2> /dev/null; then
  echo "python3-torch is not installed (apt-get install python3-torch); running the StructNet side only"
  mvn -B -q -f dl4j-examples exec:java -Dexec.mainClass=io.github.structnet.examples.bench.LayerBenchmark \
      -Dexec.args="$*" | tee "$out/structnet.txt"
  { echo "# Layer benchmark ($(date -u +%F), $(nproc) cores)"; echo; grep -E '^\|' "$out/structnet.txt"; } \
      > "$out/results.md"
  echo "Wrote $out/results.md"
  exit 0
fi
if ! update-alternatives --query libblas.so.3-x86_64-linux-gnu 2> /dev/null | grep -q '^Value: .*openblas'; then
  echo "warning: the system BLAS is not OpenBLAS (apt-get install libopenblas0-pthread); PyTorch would run on the"
  echo "reference BLAS and its times would not be those a user gets"
fi
# alternating rounds: StructNet, then PyTorch (each case in both of its thread set-ups), ROUNDS times
for round in $(seq "$rounds"); do
  echo "== round $round of $rounds"
  mvn -B -q -f dl4j-examples exec:java -Dexec.mainClass=io.github.structnet.examples.bench.LayerBenchmark \
      -Dexec.args="$*" | tee "$out/structnet-$round.txt"
  /usr/bin/python3 "$here/pytorch_bench.py" "$@" | tee "$out/pytorch-$round.txt"
done
{ echo "# Layer benchmark ($(date -u +%F), $(nproc) cores)"; echo; /usr/bin/python3 "$here/aggregate.py" "$out" "$rounds"; } \
    > "$out/results.md"
echo "Wrote $out/results.md"
if grep -q '^| PyTorch' "$out/results.md"; then
  mvn -B -q -f dl4j-examples exec:java -Dexec.mainClass=io.github.structnet.examples.bench.BenchmarkChart \
      -Dexec.args="$out/results.md $out/train-step.png"
fi
