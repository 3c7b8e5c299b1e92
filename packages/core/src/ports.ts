/**
 * The ports: what Tollgate needs from the outside, one file each by what it is about. Stores,
 * directories, channels and audit logs implement them; `@tollgate/store-tests` checks them.
 */
export * from './ports/audit.js';
export * from './ports/revocation-channel.js';
export * from './ports/token-store.js';
export * from './ports/user-directory.js';
