import { TollgateError } from './errors.js';

/** Store and directory failures become `store_unavailable`; Tollgate's own errors pass through. */
export async function fromStore<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (cause) {
    if (cause instanceof TollgateError) throw cause;
    throw new TollgateError('store_unavailable', { cause });
  }
}
