// A Vite app as a user writes it: the package by name, the main-thread API.
import { open } from 'turdb';

const out = document.getElementById('out');
try {
  const db = await open('vite-app', { storage: 'opfs' });
  await db.exec('CREATE TABLE IF NOT EXISTS visits(at INTEGER)');
  await db.run('INSERT INTO visits VALUES (?)', [Date.now()]);
  const [{ n }] = await db.query('SELECT count(*) AS n FROM visits');
  await db.close();
  out.textContent = `ok ${db.storage} ${n}`;
} catch (e) {
  out.textContent = `error ${e.code}: ${e.message}`;
}
