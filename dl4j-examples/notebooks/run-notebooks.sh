#!/usr/bin/env bash
# Executes every notebook in this folder headless with the Java kernel (rapaio-jupyter-kernel).
# Prepares the jars the notebooks load with %jars, installs the kernel when it is missing, and fails
# on the first failing cell. Executed copies go to dl4j-examples/target/notebooks-executed/.
# Needs: Jupyter from Debian (jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
module="$(dirname "$here")"
root="$(dirname "$module")"
kernel_version=3.0.1

cd "$root"
mvn -q -B install -DskipTests
mvn -q -B -pl dl4j-examples dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$module/target/notebook-jars"
cp "$module"/target/dl4j-examples-*.jar "$module/target/notebook-jars/"

if ! jupyter kernelspec list 2>/dev/null | grep -q rapaio-jupyter-kernel; then
  mvn -q -B dependency:copy -Dartifact="io.github.padreati:rapaio-jupyter-kernel:$kernel_version" \
      -DoutputDirectory="$module/target/kernel"
  java -jar "$module/target/kernel/rapaio-jupyter-kernel-$kernel_version.jar" -i -auto > /dev/null
fi

mkdir -p "$module/target/notebooks-executed"
export PYDEVD_DISABLE_FILE_VALIDATION=1
# The Java kernel sometimes never answers Jupyter's first request (it binds its sockets, then stays silent or exits).
# Such a start-up failure is retried; a failing cell is not.
run_one() {
  local nb="$1" log="$module/target/notebooks-executed/$(basename "$nb" .ipynb).log"
  for attempt in 1 2 3 4 5; do
    if (cd "$here" && jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1200 \
        --ExecutePreprocessor.startup_timeout=60 --output-dir "$module/target/notebooks-executed" "$nb") > "$log" 2>&1; then
      tail -n 1 "$log"
      return 0
    fi
    if grep -qE "Kernel didn't respond|Kernel died before replying to kernel_info" "$log"; then
      echo "  the kernel did not start (attempt $attempt); retrying"
      pkill -f rapaio-jupyter-kernel 2> /dev/null || true
      sleep 5
      continue
    fi
    cat "$log"
    return 1
  done
  cat "$log"
  return 1
}

for nb in "$here"/*.ipynb; do
  echo "Executing $(basename "$nb")"
  run_one "$nb"
done
