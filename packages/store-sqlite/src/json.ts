function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item: unknown) => typeof item === 'string');
}

/** Reads a JSON array of strings from a column; anything else is a corrupt row, never an empty list. */
export function parseStringArray(text: string, column: string): readonly string[] {
  const value: unknown = JSON.parse(text);
  if (!isStringArray(value)) throw new Error(`${column} is not a JSON array of strings`);
  return value;
}
