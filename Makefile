# TurDB — the two commands of the Quick start, and their parts.
#
#   make demo   set up what is missing, then run the demo
#   make test   set up what is missing, then run every test
#
# Both are idempotent: each setup step checks first and skips what is there.

SHELL := /bin/bash
CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown

.PHONY: demo test setup setup-rust setup-wasm setup-browser setup-js fmt-check clippy clippy-wasm unit wasm-check \
	js js-test wasm-test e2e bench bench-quick bench-js bench-browser clean

demo: setup-rust
	$(CARGO) run --release -p turdb-examples --example demo

test: setup-rust fmt-check clippy unit wasm-check clippy-wasm js-test wasm-test e2e

# Rust toolchain parts: rustfmt and clippy components, the wasm32 target.
setup-rust:
	@scripts/setup-rust.sh $(WASM_TARGET)

# wasm-bindgen-cli at Cargo.lock's version, from crates.io.
setup-wasm: setup-rust
	@scripts/setup-wasm.sh

# Debian's chromium and chromium-driver for the browser tests.
setup-browser: setup-wasm
	@scripts/setup-wasm.sh --browser

# npm dependencies of the package (binaryen's wasm-opt, playwright-core) and
# of the Vite app of the browser tests.
setup-js:
	@scripts/setup-js.sh js js/e2e/vite-app

setup: setup-rust setup-browser setup-js

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

# wasm-bindgen tests of the wasm crate (wasm/tests/web.rs) in headless
# Chromium, in a dedicated Worker: the PageStore conformance suite on
# JsStore, SQL over a JS store, errors as JS sees them. Debian's chromium and
# its driver (wasm/webdriver.json names the binary); nothing is downloaded.
wasm-test: setup-browser
	@scripts/setup-wasm.sh --wasm-pack
	cd wasm && wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver

# Playwright (playwright-core + Debian's chromium) over pages on 127.0.0.1:
# OPFS, IndexedDB, reloads, tabs, a Worker, the package from npm pack's
# tarball under vite build and vite dev.
e2e: js setup-browser
	node js/e2e/run.mjs

# Criterion benchmarks against SQLite (rusqlite); see benches/README.md.
bench: setup-rust
	$(CARGO) bench -p turdb-benches

# TurDB against @sqlite.org/sqlite-wasm (oo1) and sql.js in Node.js memory,
# one process per engine; see benches/README.md.
bench-js: js
	@scripts/setup-js.sh benches/js
	node benches/js/run.mjs

# TurDB against sqlite-wasm's opfs-sahpool VFS on OPFS in headless Chromium
# (one-row commits, one 100k-row transaction), each engine in a dedicated
# Worker; see benches/README.md.
bench-browser: js setup-browser
	@scripts/setup-js.sh benches/js
	node benches/js/opfs/run.mjs

clean:
	$(CARGO) clean
