// Loaded with NODE_OPTIONS=--import=<this file> by scripts/node22/unit-tests.sh.
// The project's node_modules/better-sqlite3 is compiled for the Node that ran
// `npm install` (20 here); a native addon loads only into the Node ABI it was
// built for. Under Node 22 (ABI 127) this resolves the bare name
// 'better-sqlite3', for import and require alike, to a copy built for it. Any
// other Node ignores the hook, so children of another version are unaffected.
import * as mod from 'node:module';
import { pathToFileURL } from 'node:url';

const dir = process.env.KS_BS3_NODE22_DIR;
if (dir && process.versions.modules === '127' && typeof mod.registerHooks === 'function') {
  const url = pathToFileURL(`${dir}/lib/index.js`).href;
  mod.registerHooks({
    resolve: (spec, ctx, next) => (spec === 'better-sqlite3' ? { url, format: 'commonjs', shortCircuit: true } : next(spec, ctx)),
  });
}
