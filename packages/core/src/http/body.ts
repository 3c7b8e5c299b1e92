import { TollgateError } from '../errors.js';
import type { HeaderValue, HttpRequest } from './types.js';

export function firstHeader(value: HeaderValue): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body's bytes, at most `limit` (413 past it, without reading further). */
async function readRawBody(body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) throw new TollgateError('payload_too_large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads an `application/x-www-form-urlencoded` body of at most `limit` bytes (OAuth's endpoints,
 * e.g. RFC 7662 introspection): its fields, or null for another media type or no body. Refuses a
 * larger body (413) and one that is not UTF-8 (400).
 */
export async function readFormBody(request: HttpRequest, limit: number): Promise<URLSearchParams | null> {
  const { body } = request;
  const declared = firstHeader(request.headers['content-length']);
  if (declared !== undefined && Number(declared) > limit) throw new TollgateError('payload_too_large');
  const mediaType = firstHeader(request.headers['content-type'])?.split(';', 1)[0]?.trim().toLowerCase();
  if (body === undefined || mediaType !== 'application/x-www-form-urlencoded') return null;
  if ('parsed' in body) {
    // An app's own parser read it (e.g. express.urlencoded): its flat string fields, as sent.
    const parsed = body.parsed;
    if (typeof parsed !== 'object' || parsed === null) return null;
    const fields = new URLSearchParams();
    for (const [name, value] of Object.entries(parsed)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item !== 'string') return null;
        fields.append(name, item);
      }
    }
    return fields;
  }
  let text: string;
  try {
    text = strictUtf8.decode(await readRawBody(body, limit));
  } catch (cause) {
    if (cause instanceof TollgateError) throw cause;
    throw new TollgateError('malformed_request', { message: 'The request body is not UTF-8.', cause });
  }
  return new URLSearchParams(text);
}

/**
 * Reads a JSON request body of at most `limit` bytes. Refuses another media type (415), a
 * larger body (413, without reading past the limit) and anything that is not JSON (400).
 * Returns undefined for a request without a body.
 */
export async function readJsonBody(request: HttpRequest, limit: number): Promise<unknown> {
  const { body } = request;
  const declared = firstHeader(request.headers['content-length']);
  if (declared !== undefined && Number(declared) > limit) throw new TollgateError('payload_too_large');
  const contentType = firstHeader(request.headers['content-type']);
  if (body === undefined || (contentType === undefined && (declared === undefined || declared === '0'))) {
    return undefined;
  }
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') throw new TollgateError('unsupported_media_type');
  // Parsed by the app's own body parser (after the checks above: a form or text body an app
  // parser accepted is still refused, and a declared length over the limit still is too).
  if ('parsed' in body) return body.parsed;
  const bytes = await readRawBody(body, limit);
  if (bytes.length === 0) return undefined;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch (cause) {
    throw new TollgateError('malformed_request', { message: 'The request body is not UTF-8.', cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new TollgateError('malformed_request', { message: 'The request body is not valid JSON.', cause });
  }
}
