#!/usr/bin/env bash
# Installs the tools the wasm build needs, skipping what is present:
# wasm-bindgen-cli at exactly the wasm-bindgen version Cargo.lock pins (the
# CLI and the library must agree). With --browser, Debian's chromium and
# chromium-driver for the browser tests (nothing downloads a browser of its
# own here); with --wasm-pack, wasm-pack.
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

for flag in "$@"; do
  case "$flag" in
    --browser)
      if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
        echo "setup-wasm: installing Debian's chromium and chromium-driver"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q chromium chromium-driver
      fi
      ;;
    --wasm-pack)
      if ! command -v wasm-pack >/dev/null 2>&1; then
        echo "setup-wasm: installing wasm-pack"
        cargo install wasm-pack
      fi
      ;;
    *)
      echo "setup-wasm: unknown flag $flag (--browser, --wasm-pack)" >&2
      exit 2
      ;;
  esac
done
