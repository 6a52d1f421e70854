/**
 * The injected clock: wherever time decides something, services and rules take `now` from their deps
 * (or as a parameter) so tests set it. Only entry files (and the per-container deps they build) use the
 * system clock.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
