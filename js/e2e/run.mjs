// Runs the browser end-to-end tests (node:test) one file at a time, since
// they share one origin's OPFS and IndexedDB: the package from an import
// map (browser.test.js) and from a Vite app (vite.test.js).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const files = ['browser.test.js', 'vite.test.js'].map((f) => path.join(dir, f));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
