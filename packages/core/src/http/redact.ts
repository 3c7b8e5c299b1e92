const SECRET_QUERY = /([?&](?:password|token|refreshToken|refresh_token)=)[^&#]*/gi;
const SECRET_PATH = /(\/Authentication\/(?:refresh|token)\/)[^/?#]+/gi;

/**
 * A URL fit for a log line: passwords and tokens in the query and the user-token path
 * segments replaced by `[REDACTED]`.
 */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]').replace(SECRET_PATH, '$1[REDACTED]');
}
