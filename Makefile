# TurDB — the two commands of the Quick start, and their parts.
#
#   make demo   set up what is missing, then run the demo
#   make test   set up what is missing, then run every test
#
# Both are idempotent: each setup step checks first and skips what is there.

SHELL := /bin/bash
CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown

.PHONY: demo test setup setup-rust fmt-check clippy unit wasm-check bench bench-quick clean

demo: setup-rust
	$(CARGO) run --release -p turdb-examples --example demo

test: setup-rust fmt-check clippy unit wasm-check

# Rust toolchain parts: rustfmt and clippy components, the wasm32 target.
setup-rust:
	@scripts/setup-rust.sh $(WASM_TARGET)

setup: setup-rust

fmt-check:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --workspace

# The core builds without std for the browser.
wasm-check:
	$(CARGO) build -p turdb --no-default-features --target $(WASM_TARGET)
	$(CARGO) build -p turdb-wasm --target $(WASM_TARGET)

# Criterion benchmarks against SQLite (rusqlite); see benches/README.md.
bench: setup-rust
	$(CARGO) bench -p turdb-benches

clean:
	$(CARGO) clean
