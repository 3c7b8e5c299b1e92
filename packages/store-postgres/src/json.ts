function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item: unknown) => typeof item === 'string');
}

/** Reads a jsonb array of strings (pg parses jsonb); anything else is a corrupt row, never an empty list. */
export function toStringArray(value: unknown, column: string): readonly string[] {
  if (!isStringArray(value)) throw new Error(`${column} is not a JSON array of strings`);
  return value;
}
