/**
 * Opt-in typing: `import '@tollgate/passport/express-user'` once in an app whose `req.user` only
 * ever comes from Tollgate strategies makes `Express.User` the core's `Principal` (global declaration
 * merging, so for the whole program). An app with other passport strategies too leaves it out and
 * narrows `req.user` itself. Nothing at run time.
 */
import type { Principal } from '@tollgate/core';

declare global {
  namespace Express {
    /** `req.user` after a Tollgate strategy: the core's principal. */
    interface User extends Principal {}
  }
}
