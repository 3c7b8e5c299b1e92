import { fileURLToPath } from 'node:url';
import express from 'express';

/** The self-service page's static files, built by `pnpm --filter @tollgate/example-portal build`. */
export const PORTAL_DIR = fileURLToPath(new URL('../../portal/dist/', import.meta.url));

// The page loads only its own script and stylesheet and talks only to this origin.
const PORTAL_HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

// esbuild names the bundle by content (portal-3KX2ZP4Q.js): those never change, cache them a year.
const HASHED = /-[A-Z0-9]{8}\.(?:js|css)(?:\.map)?$/;

/** `app.use('/portal', ...portal())`: the static files, with a strict CSP and sensible caching. */
export function portal(): express.RequestHandler[] {
  return [
    (req, res, next) => {
      res.set(PORTAL_HEADERS);
      // `/portal` → `/portal/`, so the page's relative URLs resolve inside the folder.
      if (req.path === '/' && !req.originalUrl.split('?')[0]!.endsWith('/')) {
        return res.redirect(301, `${req.baseUrl}/${req.originalUrl.slice(req.baseUrl.length)}`);
      }
      next();
    },
    express.static(PORTAL_DIR, {
      cacheControl: false,
      redirect: false,
      setHeaders: (res, file) => {
        // index.html: always revalidated, so a new build is picked up at once (ETag keeps it cheap).
        res.setHeader(
          'cache-control',
          HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  ];
}
