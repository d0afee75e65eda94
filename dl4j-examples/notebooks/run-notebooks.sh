#!/usr/bin/env bash
# Executes every notebook in this folder headless with the Java kernel "structnet-java" (install-kernel.sh).
# Prepares the jars the notebooks load with %jars, installs the kernel, and fails on the first failing cell or
# kernel start (no retries: the kernel starts every time). Executed copies go to dl4j-examples/target/notebooks-executed/.
# Needs: Jupyter from Debian (jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
module="$(dirname "$here")"
root="$(dirname "$module")"

cd "$root"
mvn -q -B install -DskipTests
mvn -q -B -pl dl4j-examples dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$module/target/notebook-jars"
cp "$module"/target/dl4j-examples-*.jar "$module/target/notebook-jars/"

"$here/install-kernel.sh"

mkdir -p "$module/target/notebooks-executed"
export PYDEVD_DISABLE_FILE_VALIDATION=1
for nb in "$here"/*.ipynb; do
  echo "Executing $(basename "$nb")"
  log="$module/target/notebooks-executed/$(basename "$nb" .ipynb).log"
  if ! (cd "$here" && jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=structnet-java \
      --ExecutePreprocessor.timeout=1200 --ExecutePreprocessor.startup_timeout=60 \
      --output-dir "$module/target/notebooks-executed" "$nb") > "$log" 2>&1; then
    cat "$log"
    exit 1
  fi
  tail -n 1 "$log"
done
