#!/usr/bin/env bash
# Installs the Java kernel the notebooks use, "structnet-java", for the current user: rapaio-jupyter-kernel 3.0.1 from
# Maven Central, started by kernel/NotebookKernel.java, which removes two start-up races of that version (see its
# Javadoc). Needs Maven, a JDK 17 and Jupyter. Safe to run again: the kernel spec is rebuilt and replaced.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rapaio_version=3.0.1
spec="$(mktemp -d)"
trap 'rm -rf "$spec"' EXIT

mvn -q -B dependency:copy -Dartifact="io.github.padreati:rapaio-jupyter-kernel:$rapaio_version" -DoutputDirectory="$spec"
javac -nowarn -cp "$spec/rapaio-jupyter-kernel-$rapaio_version.jar" -d "$spec" "$here/kernel/NotebookKernel.java"
cat > "$spec/kernel.json" <<JSON
{
  "argv": ["java", "-cp", "{resource_dir}/rapaio-jupyter-kernel-$rapaio_version.jar:{resource_dir}",
           "NotebookKernel", "{connection_file}"],
  "display_name": "Java (StructNet)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {"RJK_CLASSPATH": "", "RJK_COMPILER_OPTIONS": "", "RJK_INIT_SCRIPT": "", "RJK_TIMEOUT_MILLIS": "-1",
          "RJK_MIMA_CACHE": "mima_cache"}
}
JSON
jupyter kernelspec install --user --replace --name structnet-java "$spec" > /dev/null 2>&1
echo "Installed the Jupyter kernel structnet-java (rapaio-jupyter-kernel $rapaio_version with NotebookKernel)"
