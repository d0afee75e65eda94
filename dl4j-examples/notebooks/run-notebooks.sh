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
for nb in "$here"/*.ipynb; do
  echo "Executing $(basename "$nb")"
  (cd "$here" && jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=1200 --ExecutePreprocessor.startup_timeout=300 \
      --output-dir "$module/target/notebooks-executed" "$nb")
done
