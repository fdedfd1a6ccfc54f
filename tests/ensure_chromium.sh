#!/usr/bin/env bash
# Prints the path of a headless-capable Chromium, installing Debian's `chromium`
# package first when none is on the machine (CI starts from a clean machine).
# Exits non-zero with the reason when it cannot.
set -euo pipefail

find_chromium() {
    command -v chromium || command -v chromium-browser || command -v google-chrome || true
}

found="$(find_chromium)"
if [[ -n "$found" ]]; then
    echo "$found"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing and apt-get is not available: install Chromium by hand" >&2
    exit 1
fi
sudo_cmd=()
if [[ "$(id -u)" != "0" ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "chromium is missing and installing it needs root (no sudo found)" >&2
        exit 1
    fi
    sudo_cmd=(sudo -n)
fi

echo "installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >&2
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2

found="$(find_chromium)"
if [[ -z "$found" ]]; then
    echo "apt-get installed chromium but no chromium binary is on PATH" >&2
    exit 1
fi
echo "$found"
