/**
 * Type-level test: the package's main entry leaves `Express.User` alone (another strategy of the app
 * may own it); only `@tollgate/passport/express-user` makes it the core's `Principal`. In a dot
 * folder, a program of its own: the package's tsconfig includes src/express-user.ts, whose global
 * augmentation would reach every file of its program.
 */
import type { Principal } from '@tollgate/core';
import type { Request } from 'express';
import { expectTypeOf } from 'vitest';
import { UatStrategy } from '../../src/index.js';

export function handler(req: Request, principal: Principal): unknown {
  expectTypeOf<Express.User>().not.toExtend<Principal>();
  // @ts-expect-error: without the opt-in, `req.user` has no Principal fields.
  req.user?.username;
  req.user = principal; // a principal is still a valid user
  return UatStrategy;
}
