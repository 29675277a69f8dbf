#!/usr/bin/env bash
# Installs the conftest and kubeconform release binaries the gates use, pinned by version AND by
# sha256 (set in the workflow's env): a download whose digest differs stops the job before the
# binary ever runs. They go to $RUNNER_TEMP/bin, which is added to PATH for the later steps.
set -euo pipefail

: "${CONFTEST_VERSION:?}" "${CONFTEST_SHA256:?}" "${KUBECONFORM_VERSION:?}" "${KUBECONFORM_SHA256:?}" "${RUNNER_TEMP:?}"

bin="$RUNNER_TEMP/bin"
work="$(mktemp -d)"
mkdir -p "$bin"

# fetch URL SHA256 FILE: download over HTTPS only, then refuse anything but the pinned digest.
fetch() {
  curl --fail --silent --show-error --location --retry 3 --proto '=https' --tlsv1.2 --output "$work/$3" "$1"
  echo "$2  $work/$3" | sha256sum --check --strict --quiet -
}

fetch "https://github.com/open-policy-agent/conftest/releases/download/v${CONFTEST_VERSION}/conftest_${CONFTEST_VERSION}_Linux_x86_64.tar.gz" \
  "$CONFTEST_SHA256" conftest.tar.gz
tar -xzf "$work/conftest.tar.gz" -C "$bin" conftest

fetch "https://github.com/yannh/kubeconform/releases/download/v${KUBECONFORM_VERSION}/kubeconform-linux-amd64.tar.gz" \
  "$KUBECONFORM_SHA256" kubeconform.tar.gz
tar -xzf "$work/kubeconform.tar.gz" -C "$bin" kubeconform

rm -rf "$work"
echo "$bin" >> "${GITHUB_PATH:-/dev/null}"
"$bin/conftest" --version
"$bin/kubeconform" -v
