// The package as a Vite user gets it: `npm pack`'s tarball unpacked into
// the app's node_modules (what `npm install ./turdb-x.y.z.tgz` puts there,
// without touching the network), then `vite build` served from
// 127.0.0.1, and `vite dev` with the optimizeDeps exclusion js/README.md
// documents. Each page opens a database through the main-thread API.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, jsDir } from './harness.js';

const app = path.join(jsDir, 'e2e', 'vite-app');
let browser;
let work;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'turdb-vite-'));
  const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: jsDir, encoding: 'utf8' }).trim().split('\n').pop();
  const dest = path.join(app, 'node_modules', 'turdb');
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(work, tgz), '-C', dest, '--strip-components=1']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

async function result(url) {
  const p = await browser.context.newPage();
  p.on('console', (m) => m.type() === 'error' && console.error(`console at ${url}: ${m.text()}`));
  await p.goto(url);
  await p.waitForFunction(() => !document.getElementById('out')?.textContent.startsWith('loading'), null, { timeout: 60000 });
  const text = await p.textContent('#out');
  await p.close();
  return text;
}

test('vite build: the worker and the wasm are bundled and load', async () => {
  const { build } = await import(path.join(app, 'node_modules', 'vite', 'dist', 'node', 'index.js'));
  const outDir = path.join(work, 'dist');
  await build({ root: app, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const files = fs.readdirSync(path.join(outDir, 'assets'));
  assert.ok(files.some((f) => f.endsWith('.wasm')), `a .wasm among ${files}`);
  const server = await serve(outDir);
  try {
    assert.match(await result(`${server.url}/index.html`), /^ok opfs 1$/);
  } finally {
    await server.close();
  }
});

test('vite dev: works with optimizeDeps.exclude', async () => {
  const { createServer } = await import(path.join(app, 'node_modules', 'vite', 'dist', 'node', 'index.js'));
  const server = await createServer({ root: app, logLevel: 'warn', server: { host: '127.0.0.1', port: 0, strictPort: false } });
  await server.listen();
  try {
    const url = server.resolvedUrls.local[0];
    assert.match(await result(url), /^ok opfs \d+$/);
  } finally {
    await server.close();
  }
});
