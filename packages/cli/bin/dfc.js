#!/usr/bin/env node
// The compiled entry point lives in dist/; this shim stays executable across rebuilds.
import { main } from '../dist/src/main.js';

// A closed pipe (`dfc parse --json x | head`) ends the output quietly, as for any Unix tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
