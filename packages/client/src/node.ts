// Node-only additions: a file storage and the CLI's runner (the `tollgate` bin runs it).
export { type CliIo, runCli } from './cli/run.js';
export { createFileStorage } from './file-storage.js';
