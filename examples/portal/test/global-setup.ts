import { buildPortal } from '../build.js';

// The tests serve what `pnpm start` serves: the bundle is built first, from the local sources.
export default async function setup(): Promise<void> {
  await buildPortal();
}
