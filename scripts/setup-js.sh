#!/usr/bin/env bash
# Installs the npm dependencies of each given directory (npm ci from its
# package-lock.json), skipping a directory whose node_modules already
# matches its lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in "$@"; do
  if [ -f "$dir/node_modules/.package-lock.json" ] && \
     node -e '
       // Up to date when every installed package has its locked version and
       // every package the lock requires is installed (optional ones, such
       // as other platforms binaries, may be missing).
       const read = (f) => JSON.parse(require("fs").readFileSync(f, "utf8")).packages ?? {};
       const [lock, have] = process.argv.slice(1).map(read);
       delete lock[""];
       const ok = Object.entries(have).every(([k, v]) => lock[k]?.version === v.version) &&
         Object.entries(lock).every(([k, v]) => v.optional || k in have);
       process.exit(ok ? 0 : 1);
     ' "$dir/package-lock.json" "$dir/node_modules/.package-lock.json"; then
    continue
  fi
  echo "setup-js: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund)
done
