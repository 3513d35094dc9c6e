# TurDB — the two commands of the Quick start, and their parts.
#
#   make demo   set up what is missing, then run the demo
#   make test   set up what is missing, then run every test
#
# Both are idempotent: each setup step checks first and skips what is there.

SHELL := /bin/bash
CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown

.PHONY: demo test setup setup-rust setup-wasm setup-js fmt-check clippy clippy-wasm unit wasm-check \
	js js-test bench bench-quick clean

demo: setup-rust
	$(CARGO) run --release -p turdb-examples --example demo

test: setup-rust fmt-check clippy unit wasm-check clippy-wasm js-test

# Rust toolchain parts: rustfmt and clippy components, the wasm32 target.
setup-rust:
	@scripts/setup-rust.sh $(WASM_TARGET)

# wasm-bindgen-cli at Cargo.lock's version, from crates.io.
setup-wasm: setup-rust
	@scripts/setup-wasm.sh

# npm dependencies of the package (binaryen's wasm-opt).
setup-js:
	@scripts/setup-js.sh js

setup: setup-rust setup-wasm setup-js

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

# The wasm crate as the browser build sees it.
clippy-wasm:
	$(CARGO) clippy -p turdb-wasm --no-deps --all-targets --target $(WASM_TARGET) -- -D warnings

# The npm package in js/dist: release wasm (simd128), wasm-bindgen glue,
# wasm-opt -Oz; prints the gzipped size.
js: setup-wasm setup-js
	node js/scripts/build.mjs

# node:test over the synchronous API on memory and files.
js-test: js
	cd js && node --test test/

# Criterion benchmarks against SQLite (rusqlite); see benches/README.md.
bench: setup-rust
	$(CARGO) bench -p turdb-benches

clean:
	$(CARGO) clean
