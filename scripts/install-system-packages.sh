#!/usr/bin/env bash
# Debian packages the tests and the training package use (run as root, or with sudo).
# The app itself needs none of them: they are the reference tools and real servers it is tested against.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  chromium  # end-to-end tests (playwright-core drives it)
  python3-torch python3-onnx python3-numpy python3-scipy python3-nibabel python3-pydicom python3-pytest
  black flake8                  # Python style of training/
  dicom3tools                   # dciodvfy validates the DICOM SEG we write
  libgdcm-tools dcmtk           # transcode DICOM to every transfer syntax for decoder tests
  orthanc orthanc-dicomweb      # a real PACS (DICOMweb + DIMSE) for the PACS tests and bench
  pocketsphinx pocketsphinx-en-us espeak-ng sox  # offline speech recognition; spoken test commands
  sphinxbase-utils              # sphinx_lm_convert for scripts/build-speech-lm.mjs (rebuilding the speech LM)
  time                          # peak memory in the benchmarks (/usr/bin/time)
)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
