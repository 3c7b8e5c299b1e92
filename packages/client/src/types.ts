/** Response bodies, as docs/http-profiles.md gives them (and `ROUTES[…].reads` checks). */

/** Scheme A: `POST /Authentication`, `GET /Authentication/UserToken`, `GET /Authentication/refresh/{token}`. */
export interface UserTokenResponse {
  readonly token: string;
  readonly environment: string | null;
  readonly expiresAt: string;
}

/** Scheme A: an element of `GET /Authentication/token/{token}/Environments`. */
export interface Environment {
  readonly id: string;
  readonly name: string;
}

/** Scheme A: `GET /Environment/current`. */
export interface CurrentEnvironment {
  readonly environment: string;
  /** The username. */
  readonly user: string;
}

/** Scheme C: an element of the envelope's `content`. */
export interface TokenPair {
  readonly customerId: string;
  readonly token: string;
  readonly refreshToken: string;
  /** Seconds. */
  readonly validityTime: number;
}

/** Scheme C: the success envelope of `/api/v2/auth/token` and `/api/v2/auth/token/refresh`. */
export interface TokenPairEnvelope {
  readonly errorCode: '';
  readonly errorMessage: '';
  readonly content: readonly TokenPair[];
  readonly pageable: {
    readonly page: number;
    readonly size: number;
    readonly totalPages: number;
    readonly totalElements: number;
  };
}

/** Scheme D: `GET /api/v2/me/`. */
export interface Me {
  readonly id: string;
  readonly email: string;
  readonly customerId: string;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
  readonly environment: string | null;
  readonly authenticatedBy: 'JWT' | 'UAT' | 'Bearer' | 'cookie';
  /** The administrator acting, for a delegated login. */
  readonly actor: { readonly id: string; readonly username: string } | null;
  readonly customData: string | null;
}

/** Scheme D: `POST /api/v2/me/tokens/` (201); `token` is shown only here. */
export interface CreatedUat {
  readonly id: string;
  readonly name: string;
  readonly token: string;
  readonly prefix: string;
  readonly expires_at: string;
  readonly permissions: readonly string[];
  readonly created_at: string;
}

/** Scheme D: an element of `GET /api/v2/me/tokens/` (newest first, revoked ones included). */
export interface UatSummary {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly expires_at: string;
  readonly permissions: readonly string[];
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly revoked_at: string | null;
}

/** The permission catalogue of the demo data (a server may have others). */
export type KnownPermission =
  | 'brand_create'
  | 'product_create'
  | 'scans_download'
  | 'scm_bulk_edit'
  | 'scm_code_edit';
