#!/usr/bin/env bash
# Installs the tools the wasm build needs, skipping what is present:
# wasm-bindgen-cli at exactly the wasm-bindgen version Cargo.lock pins (the
# CLI and the library must agree). With --browser, also what the browser
# tests need: wasm-pack, and Debian's chromium + chromium-driver (nothing
# downloads a browser of its own here).
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [ -z "$want" ]; then
  echo "setup-wasm: no wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "setup-wasm: installing wasm-bindgen-cli $want (found: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ "${1:-}" = "--browser" ]; then
  if ! command -v wasm-pack >/dev/null 2>&1; then
    echo "setup-wasm: installing wasm-pack"
    cargo install wasm-pack
  fi
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    echo "setup-wasm: installing Debian's chromium and chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q chromium chromium-driver
  fi
fi
