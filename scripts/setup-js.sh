#!/usr/bin/env bash
# Installs the npm dependencies of each given directory (npm ci from its
# package-lock.json), skipping a directory whose node_modules already
# matches its lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in "$@"; do
  if [ -f "$dir/node_modules/.package-lock.json" ] && \
     node -e '
       const [a, b] = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")).packages ?? {});
       const strip = (p) => Object.fromEntries(Object.entries(p).filter(([k]) => k !== "").map(([k, v]) => [k, v.version]));
       process.exit(JSON.stringify(strip(a)) === JSON.stringify(strip(b)) ? 0 : 1);
     ' "$dir/package-lock.json" "$dir/node_modules/.package-lock.json"; then
    continue
  fi
  echo "setup-js: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund)
done
