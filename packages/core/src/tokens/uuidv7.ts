import { randomFillSync } from 'node:crypto';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function format(ms: number, counter: number | null): string {
  const bytes = randomFillSync(new Uint8Array(16));
  let time = Math.max(0, Math.floor(ms));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  if (counter === null) {
    bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  } else {
    // RFC 9562 §6.2 method 1: a 12-bit counter in rand_a keeps one source's ids in order within a ms.
    bytes[6] = 0x70 | ((counter >> 8) & 0x0f);
    bytes[7] = counter & 0xff;
  }
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += HEX[bytes[i]!];
  }
  return out;
}

/**
 * A UUIDv7 (RFC 9562): the first 48 bits are `ms`, the rest random (74 bits). Session ids and audit
 * event ids are these, so they sort by creation and a session's id tells when it was created.
 */
export function uuidv7(ms: number): string {
  return format(ms, null);
}

/** Ids in strictly increasing order from one source, never at or before its floor's millisecond. */
export interface Uuidv7Source {
  /** The next id for `ms` (or for a later millisecond, to stay in order or above the floor). */
  next(ms: number): string;
  /** From now on every id is of a millisecond after `ms`. */
  raiseFloor(ms: number): void;
}

export function createUuidv7Source(): Uuidv7Source {
  let lastMs = Number.NEGATIVE_INFINITY;
  let counter = 0;
  let floor = Number.NEGATIVE_INFINITY;
  return {
    next(ms) {
      let at = Math.max(Math.floor(ms), floor + 1);
      if (at <= lastMs) {
        at = lastMs;
        counter += 1;
        if (counter > 0xfff) {
          at = lastMs + 1;
          counter = 0;
        }
      } else {
        counter = 0;
      }
      lastMs = at;
      return format(at, counter);
    },
    raiseFloor(ms) {
      floor = Math.max(floor, Math.floor(ms));
    },
  };
}

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The creation instant (ms) of a UUIDv7, or null for anything else. */
export function uuidv7Time(id: string): number | null {
  if (id.length !== 36 || !UUIDV7.test(id)) return null;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
