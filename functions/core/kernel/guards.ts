/** Type guards shared by every layer (functions, lib, local, bench): the one definition of each. */

/** A plain object (not null, not an array): a JSON object or a record read from an untyped source. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
