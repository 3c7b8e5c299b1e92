/**
 * One server variant in its own process: `server.ts <variant> <fixture.json>`. Listens on
 * 127.0.0.1 (a free port), prints one `ServerReady` JSON line, and exits when its stdin closes.
 * Only the variant's framework is loaded (`express.ts`, `koa.ts` or `nest.ts`).
 */
import { exitWithParent, type ServerReady, VARIANT_FRAMEWORK, VARIANTS, type Variant } from './common.js';
import { type Running, readFixture } from './setup.js';

const variant = process.argv[2] as Variant;
const fixtureFile = process.argv[3];
if (!VARIANTS.includes(variant) || fixtureFile === undefined) {
  throw new Error(`usage: server.ts <${VARIANTS.join('|')}> <fixture.json>`);
}

async function main(): Promise<void> {
  const fixture = readFixture(fixtureFile!);
  let running: Running;
  switch (VARIANT_FRAMEWORK[variant]) {
    case 'express':
      running = await (await import('./express.js')).start(variant, fixture);
      break;
    case 'koa':
      running = await (await import('./koa.js')).start(variant, fixture);
      break;
    case 'nest':
      running = await (await import('./nest.js')).start(variant, fixture);
      break;
  }
  exitWithParent(Number(process.env.BENCH_HTTP_MAX_SECONDS ?? 900), running.close);
  const ready: ServerReady = {
    ready: true,
    variant,
    port: running.port,
    valid: running.valid,
    refused: running.refused,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

await main();
