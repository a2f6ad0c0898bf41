#!/usr/bin/env node
// The command's entry point. It is CommonJS (bin/package.json), which Node starts faster than an
// ES module, and it runs the bundle (scripts/bundle) while that is newer than every package's
// build, or the compiled packages in dist/src otherwise, so that `npx tsc -b` alone never leaves a
// stale bundle running. DFC_UNBUNDLED=1 always runs dist/src.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const { bundleDir, bundleFile: bundle, bundleIsFresh } = require('./bundle-fresh.cjs');

/**
 * Runs the bundle as Node runs a CommonJS module, with V8's code cache: compiling the bundle's
 * source is most of its start-up. Each command has its own cache, written after its first run
 * (then holding every function that run compiled) and again whenever V8 rejects it.
 */
function runBundle(argv) {
  const vm = require('node:vm');
  const source = fs.readFileSync(bundle, 'utf8');
  const command = /^[a-z]+$/.test(argv[0] ?? '') ? argv[0] : 'other';
  const cacheFile = path.join(bundleDir, `main.${command}.v8cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // Not cached yet.
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require('node:module').createRequire(bundle), module, bundle, bundleDir);
  return module.exports.main(argv).finally(() => {
    if (cachedData && !script.cachedDataRejected) return;
    // Written once per command (a new bundle starts without caches); a failure only costs speed.
    const temporary = `${cacheFile}.${process.pid}`;
    try {
      fs.writeFileSync(temporary, script.createCachedData());
      fs.renameSync(temporary, cacheFile);
    } catch {
      fs.rmSync(temporary, { force: true });
    }
  });
}

// A closed pipe (`dfc parse --json x | head`) ends the output quietly, as for any Unix tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const argv = process.argv.slice(2);
const run = process.env.DFC_UNBUNDLED !== '1' && bundleIsFresh()
  ? runBundle(argv)
  : import('../dist/src/main.js').then(({ main }) => main(argv));
run.then((code) => {
  process.exitCode = code;
});
