// Whether the bundle scripts/bundle makes is newer than every package's build (`tsc -b` writes
// each package's tsconfig.tsbuildinfo last): bin/dfc.js runs the bundle only then, and
// `scripts/bundle --if-stale` makes it only otherwise.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const PACKAGES = ['syntax', 'ir', 'lint', 'store', 'runner', 'engine', 'lsp', 'cli'];
const bundleDir = path.join(__dirname, '..', 'dist', 'bundle');
const bundleFile = path.join(bundleDir, 'main.cjs');

function mtime(file) {
  return fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
}

function bundleIsFresh() {
  const built = mtime(bundleFile);
  return built !== undefined && PACKAGES.every((name) => (mtime(path.join(__dirname, '..', '..', name, 'dist', 'tsconfig.tsbuildinfo')) ?? Infinity) <= built);
}

module.exports = { bundleDir, bundleFile, bundleIsFresh };
