// `vite dev` pre-bundles dependencies, which breaks the package's
// new URL('./worker.js' / './turdb_bg.wasm', import.meta.url); excluding it
// serves it as it is. `vite build` needs nothing.
export default {
  optimizeDeps: { exclude: ['turdb'] },
  build: { target: 'es2022' },
  worker: { format: 'es' },
};
