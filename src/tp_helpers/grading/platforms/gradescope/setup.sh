#!/usr/bin/env bash
# Gradescope runs this once, as root and with internet, when it builds the autograder's image.
# Written by `tp-course gradescope`; the zip's files are in this script's folder.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

stop() {
    echo "" >&2
    echo "setup.sh: $*" >&2
    exit 1
}

# the image's Python first: an old base image must fail here, in words, not deep in pip
VERSION_CODE='import sys; print("%d.%d" % tuple(sys.version_info[:2]))'
version="$(python3 -c "$VERSION_CODE" 2>/dev/null || true)"
if [ -z "$version" ]; then
    apt-get update
    apt-get install -y --no-install-recommends python3
    version="$(python3 -c "$VERSION_CODE")"
fi
if ! python3 -c 'import sys; sys.exit(tuple(sys.version_info[:2]) < {{ min_python }})'; then
    stop "this base image has Python $version; the TP7 grader needs Python {{ minimum }} or \
newer. In the assignment's Configure Autograder, choose the base image {{ images }}, then \
Update Autograder."
fi
echo "setup.sh: Python $version (the versions were pinned on Python {{ pinned_on }})"
set -x

# venv and pip (a bare Ubuntu image may lack them)
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt-get update
    apt-get install -y --no-install-recommends python3-venv python3-pip
fi
python3 -m venv {{ venv }}
PY={{ venv }}/bin/python
"$PY" -m pip install --upgrade pip

# torch's CPU build, at the tested version: the default build brings gigabytes of CUDA
"$PY" -m pip install {{ torch_pin }} --index-url https://download.pytorch.org/whl/cpu \
    || stop "torch {{ torch }} (CPU build) does not install on Python $version. Choose the \
base image {{ images }}, or build the zip on a machine with Python $version."

# this package and the grader's tools, at the versions the course was tested with (never others)
"$PY" -m pip install -c constraints.txt {{ wheel }} \
    || stop "the versions tested with the course (constraints.txt, pinned on Python \
{{ pinned_on }}) do not install on Python $version. Build the zip again with 'tp-course gradescope' \
on a machine with Python $version, or choose the base image {{ images }}."

# the offline model (a dependency) and dataset, prepared now: grading never downloads
HF_HUB_OFFLINE=1 TP_DATA_DIR={{ data_dir }} {{ venv }}/bin/tp-course info
chmod -R a+rX {{ venv }}
