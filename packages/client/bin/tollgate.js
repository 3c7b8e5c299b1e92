#!/usr/bin/env node
// The `tollgate` bin: a file that exists before the build, so installing the workspace links it
// without a warning; the CLI itself is tsup's bundle.
import '../dist/cli.js';
