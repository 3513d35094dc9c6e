//! WebAssembly bindings of TurDB (filled by the wasm issue).
