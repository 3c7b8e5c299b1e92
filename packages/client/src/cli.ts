#!/usr/bin/env node
import { main } from './cli/run.js';

// All the work is in `main` (tested in-process): this file only hands it the process's arguments.
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
