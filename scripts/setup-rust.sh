#!/usr/bin/env bash
# Installs the Rust parts TurDB's build needs, skipping what is present:
# the rustfmt and clippy components and the given compilation targets.
set -euo pipefail

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust with rustup first (https://rustup.rs)" >&2
  exit 1
fi

installed_components=$(rustup component list --installed 2>/dev/null || true)
for c in rustfmt clippy; do
  if ! grep -q "^$c" <<<"$installed_components"; then
    echo "setup: adding rustup component $c"
    rustup component add "$c"
  fi
done

installed_targets=$(rustup target list --installed)
for t in "$@"; do
  if ! grep -qx "$t" <<<"$installed_targets"; then
    echo "setup: adding rustup target $t"
    rustup target add "$t"
  fi
done
