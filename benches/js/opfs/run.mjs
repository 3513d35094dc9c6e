// TurDB against sqlite-wasm's opfs-sahpool VFS on OPFS, in headless
// Chromium (make bench-browser; benches/README.md has the results).
//
// One browser and one page on 127.0.0.1 for the whole comparison; each
// engine's run is a fresh dedicated Worker (worker.js) on emptied OPFS.
// The engines alternate which goes first from run to run, so neither always
// gets the cooler or the warmer disk. After the timed runs, one more run per
// engine counts the OPFS calls (read/write/flush) each phase made.
//
//   TURDB_BENCH_RUNS     timed runs per engine (default 3); the table shows medians
//   TURDB_BENCH_COMMITS  one-row commits per run (default 1000)
//   TURDB_BENCH_ROWS     rows of the one transaction (default 100000)

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch } from '../../../js/e2e/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const runs = Number(process.env.TURDB_BENCH_RUNS ?? 3);
const commits = Number(process.env.TURDB_BENCH_COMMITS ?? 1000);
const rows = Number(process.env.TURDB_BENCH_ROWS ?? 100_000);
const engines = ['turdb', 'sqlite-wal', 'sqlite-default'];

const server = await serve(root);
const browser = await launch();
const results = Object.fromEntries(engines.map((e) => [e, []]));
const counted = {};
let version;
try {
  const page = await browser.context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`console: ${m.text()}`));
  await page.goto(`${server.url}/benches/js/opfs/index.html`);
  await page.waitForFunction(() => window.benchReady === true);
  version = browser.context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
  const bench = (task) => page.evaluate((t) => window.bench(t), task);
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? engines : [...engines].reverse();
    for (const engine of order) {
      const res = await bench({ engine, commits, rows });
      results[engine].push(res);
      console.error(`run ${r + 1}/${runs} ${engine}: ${(res.commitsMs / commits).toFixed(2)} ms/commit, transaction ${res.txMs.toFixed(0)} ms`);
    }
  }
  for (const engine of engines) counted[engine] = await bench({ engine, commits, rows, count: true });
} finally {
  await browser.close();
  await server.close();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = (engine, f) => median(results[engine].map(f));
const perCommit = (e) => m(e, (x) => x.commitsMs / commits);
const tx = (e) => m(e, (x) => x.txMs);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

const describe = (e) => Object.entries(results[e][0].settings).map(([k, v]) => `${k}=${v}`).join(', ');
console.log(`Chromium ${version}, OPFS, median of ${runs} runs; ${commits} one-row commits, one ${rows}-row transaction`);
for (const e of engines) console.log(`- ${e}: ${describe(e)}`);
console.log('');
console.log('| operation | TurDB | sqlite-wasm WAL | sqlite-wasm default | WAL ÷ TurDB | default ÷ TurDB |');
console.log('|---|---:|---:|---:|---:|---:|');
const line = (name, f, unit) => {
  const [t, w, d] = engines.map(f);
  console.log(`| ${name} | ${t.toFixed(2)} ${unit} | ${w.toFixed(2)} ${unit} | ${d.toFixed(2)} ${unit} | ${ratio(w, t)} | ${ratio(d, t)} |`);
};
line('one-row commit', perCommit, 'ms');
line(`${rows}-row transaction`, tx, 'ms');

console.log('');
console.log('Every run (ms per commit / transaction ms):');
for (const e of engines) {
  console.log(`- ${e}: ${results[e].map((x) => `${(x.commitsMs / commits).toFixed(2)} / ${x.txMs.toFixed(0)}`).join(', ')}`);
}

console.log('');
console.log('OPFS calls (the counting run, sync access handle methods wrapped):');
console.log('| engine | phase | ms | write() | KiB written | flush() | ms in write() | ms in flush() | read() | truncate() |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const e of engines) {
  const c = counted[e];
  for (const [phase, calls, ms, per] of [
    [`per commit (of ${commits})`, c.commitsCalls, c.commitsMs, commits],
    ['the transaction', c.txCalls, c.txMs, 1],
  ]) {
    const f = (k, d = 1) => (calls[k] / per).toFixed(d);
    console.log(
      `| ${e} | ${phase} | ${(ms / per).toFixed(2)} | ${f('write')} | ${(calls.writeBytes / per / 1024).toFixed(1)} | ${f('flush', 3)} | ${f('writeMs', 2)} | ${f('flushMs', 2)} | ${f('read')} | ${f('truncate', 3)} |`,
    );
  }
}
