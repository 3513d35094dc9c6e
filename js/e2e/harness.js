// Shared by the browser tests: a static server for js/ on 127.0.0.1 (the
// package's dist, the test pages, a Vite build), and Debian's chromium
// driven by playwright-core with a fresh profile. Nothing is downloaded.

import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const jsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
};

/** Serves `root` (default js/) on 127.0.0.1; resolves to { url, close }. */
export function serve(root = jsDir) {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    let file = path.join(root, decodeURIComponent(u.pathname));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${u.pathname}`);
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(data);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** A browser context with a fresh profile; close() removes the profile. */
export async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'turdb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A page of `context` at `url`, failing the test on page errors. */
export async function page(context, url) {
  const p = await context.newPage();
  p.on('pageerror', (e) => console.error(`page error at ${url}: ${e.message}`));
  p.on('console', (m) => m.type() === 'error' && console.error(`console at ${url}: ${m.text()}`));
  await p.goto(url);
  await p.waitForFunction(() => window.turdbReady === true || window.turdbError, null, { timeout: 30000 });
  const err = await p.evaluate(() => window.turdbError);
  if (err) throw new Error(`${url}: ${err}`);
  return p;
}
