// Runs bench.mjs once per engine, each in its own process, `TURDB_BENCH_RUNS`
// times (default 3), and prints the median of each operation as a table
// (milliseconds; lower is better).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const runs = Number(process.env.TURDB_BENCH_RUNS ?? 3);
const engines = ['turdb', 'sqlite-wasm', 'sql.js'];
const ops = ['insert', 'point', 'scan', 'group'];
const results = Object.fromEntries(engines.map((e) => [e, []]));
for (let r = 0; r < runs; r++) {
  for (const e of engines) {
    const out = execFileSync(process.execPath, [path.join(dir, 'bench.mjs'), e], { encoding: 'utf8' });
    results[e].push(JSON.parse(out.trim().split('\n').pop()));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`Node ${process.version}, ${results.turdb[0].rows} rows, median of ${runs} runs (ms)`);
console.log(`| engine | ${ops.join(' | ')} |`);
console.log(`|---|${ops.map(() => '---:').join('|')}|`);
for (const e of engines) {
  console.log(`| ${e} | ${ops.map((o) => median(results[e].map((x) => x[o])).toFixed(1)).join(' | ')} |`);
}
