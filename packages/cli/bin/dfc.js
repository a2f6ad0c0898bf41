#!/usr/bin/env node
// The compiled entry point lives in dist/; this shim stays executable across rebuilds.
import { main } from '../dist/src/main.js';

process.exitCode = await main(process.argv.slice(2));
