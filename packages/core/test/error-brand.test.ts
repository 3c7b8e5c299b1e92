import { describe, expect, it } from 'vitest';
import { isTollgateError, TollgateError } from './helpers/internals.js';

describe('TollgateError across copies of the package', () => {
  it('is recognised by instanceof and isTollgateError when it comes from another copy (ESM vs CJS build)', async () => {
    // A query string makes the module loader evaluate errors.ts a second time: another class object,
    // as when an app loads both the ESM and the CJS build.
    const copy = '../src/errors.js?copy';
    const other = (await import(/* @vite-ignore */ copy)) as typeof import('../src/errors.js');
    expect(other.TollgateError).not.toBe(TollgateError);
    const foreign = new other.TollgateError('invalid_token');
    expect(foreign instanceof TollgateError).toBe(true);
    expect(isTollgateError(foreign)).toBe(true);
    expect(new TollgateError('token_expired') instanceof other.TollgateError).toBe(true);
    expect(new Error('x') instanceof TollgateError).toBe(false);
    expect(Object.assign(new Error('x'), { code: 'invalid_token' }) instanceof TollgateError).toBe(false);
  });
});
