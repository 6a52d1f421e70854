/** Small statistics helpers for the benchmarks (no dependencies: percentiles over recorded samples). */
export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const rank = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[rank] ?? Number.NaN;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface LoadResult {
  readonly requests: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
}

/** Raw samples of one load run. */
export interface LoadSamples {
  readonly latencies: readonly number[];
  readonly seconds: number;
  readonly errors: number;
}

/**
 * Runs `total` calls of `op(i)` with `concurrency` workers in flight and records each call's latency.
 * Bounded in count and, with `maxMs`, in time (no new call starts after it). Each op carries its own timeout.
 */
export async function runSamples(total: number, concurrency: number, op: (i: number) => Promise<boolean>, maxMs = Number.POSITIVE_INFINITY): Promise<LoadSamples> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      if (performance.now() - started > maxMs) return;
      const i = next++;
      if (i >= total) return;
      const t0 = performance.now();
      const ok = await op(i).catch(() => false);
      latencies.push(performance.now() - t0);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return { latencies, seconds: (performance.now() - started) / 1000, errors };
}

/** Rate and percentiles over one or more sample sets (rate = all calls / all the time spent). */
export function loadResult(samples: readonly LoadSamples[], concurrency: number): LoadResult {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const seconds = samples.reduce((t, s) => t + s.seconds, 0);
  return {
    requests: latencies.length,
    concurrency,
    seconds: round(seconds, 3),
    perSecond: round(latencies.length / seconds, 1),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN),
    errors: samples.reduce((t, s) => t + s.errors, 0),
  };
}

/** `runSamples` summarized. */
export async function runLoad(total: number, concurrency: number, op: (i: number) => Promise<boolean>, maxMs = Number.POSITIVE_INFINITY): Promise<LoadResult> {
  return loadResult([await runSamples(total, concurrency, op, maxMs)], concurrency);
}

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Count, mean and percentiles of a sample (any unit), rounded to 2 digits. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return {
    count: sorted.length,
    mean: round(mean),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}
