// Builds js/dist: the wasm crate in release for wasm32 (simd128),
// wasm-bindgen's ES module glue, wasm-opt -Oz (npm binaryen: Debian's is
// too old for current Rust output), then the package sources beside them.
// Prints the gzipped wasm size (js/README.md quotes it).
//
//   node scripts/build.mjs            release build
//   node scripts/build.mjs --skip-cargo   reuse the last cargo build

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const js = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(js, '..');
const target = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
const dist = join(js, 'dist');
const out = join(dist, 'wasm');

function run(cmd, args, env = {}) {
  console.log(`build: ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
}

if (!process.argv.includes('--skip-cargo')) {
  run('cargo', ['build', '--profile', 'wasm-release', '-p', 'turdb-wasm', '--target', 'wasm32-unknown-unknown'], {
    RUSTFLAGS: `${process.env.RUSTFLAGS ?? ''} -C target-feature=+simd128`.trim(),
  });
}
rmSync(dist, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
run('wasm-bindgen', [
  '--target', 'web',
  '--out-dir', out,
  '--out-name', 'turdb',
  '--no-typescript',
  join(target, 'wasm32-unknown-unknown', 'wasm-release', 'turdb_wasm.wasm'),
]);
const wasm = join(out, 'turdb_bg.wasm');
const raw = statSync(wasm).size;
run(join(js, 'node_modules', '.bin', 'wasm-opt'), [
  '-Oz', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-simd',
  '--enable-sign-ext', '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue',
  '--strip-debug', '--strip-producers', wasm, '-o', wasm,
]);
cpSync(join(js, 'src'), dist, { recursive: true });
const bytes = readFileSync(wasm);
const gz = gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const report = { raw, optimized: bytes.length, gzipped: gz };
writeFileSync(join(dist, 'size.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`build: turdb_bg.wasm ${kb(raw)} -> wasm-opt -Oz ${kb(bytes.length)}, gzipped ${kb(gz)} (${gz} bytes)`);
