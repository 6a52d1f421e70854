/**
 * Local time of the Step Functions stand-in: `timeScale` multiplies every callback wait (TimeoutSeconds /
 * TimeoutSecondsPath / HeartbeatSeconds of `.waitForTaskToken` tasks), Wait states with Seconds and the
 * execution timeout; `retryScale` multiplies Retry intervals. A synchronous task's TimeoutSeconds is not
 * scaled. An execution's overrides (`POST /_local/overrides`) change its scale or pin a state's timeout.
 */
import type { PreparedDefinition, TaskInfo } from './asl';
import type { Execution } from './state';

export class TimeScale {
  readonly timeScale: number;
  readonly retryScale: number;

  constructor(opts: { readonly timeScale?: number | undefined; readonly retryScale?: number | undefined }) {
    this.timeScale = opts.timeScale ?? 1;
    this.retryScale = opts.retryScale ?? Math.max(this.timeScale, 0.05);
  }

  scaleOf(exec: Execution): number {
    return exec.overrides.timeScale ?? this.timeScale;
  }

  /** Wait states with Seconds, scaled (the interpreter's waitTimeOverrides, ms). */
  waitOverrides(prepared: PreparedDefinition, exec: Execution): Record<string, number> {
    const scale = this.scaleOf(exec);
    const out: Record<string, number> = {};
    for (const [name, secs] of prepared.waitSeconds) out[name] = Math.round(secs * 1000 * scale);
    return out;
  }

  /** Retry intervals, scaled (the interpreter's retryIntervalOverrides, ms). */
  retryOverrides(prepared: PreparedDefinition): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    // Real time: no overrides, the interpreter applies the definition's backoff, MaxDelaySeconds and jitter as AWS does.
    if (this.retryScale === 1) return out;
    for (const [name, intervals] of prepared.retryIntervals) out[name] = intervals.map((s) => Math.round(s * 1000 * this.retryScale));
    return out;
  }

  executionTimeoutMs(prepared: PreparedDefinition, exec: Execution): number | undefined {
    return prepared.timeoutSeconds === undefined ? undefined : prepared.timeoutSeconds * 1000 * this.scaleOf(exec);
  }

  /** A synchronous task's timeout (not scaled; a pinned state timeout wins). */
  syncTimeoutMs(exec: Execution, task: TaskInfo, timeoutFromPath: number | undefined): number | undefined {
    const pinned = exec.overrides.stateTimeoutSeconds?.[task.stateName];
    if (pinned !== undefined) return pinned * 1000;
    const raw = timeoutFromPath ?? task.timeoutSeconds;
    return raw === undefined ? undefined : raw * 1000;
  }

  /** A callback task's timeout, scaled (a pinned state timeout wins, unscaled). */
  callbackTimeoutMs(exec: Execution, stateName: string, timeoutRaw: number | undefined): number | undefined {
    const pinned = exec.overrides.stateTimeoutSeconds?.[stateName];
    if (pinned !== undefined) return pinned * 1000;
    return timeoutRaw === undefined ? undefined : timeoutRaw * 1000 * this.scaleOf(exec);
  }

  heartbeatMs(exec: Execution, heartbeatRaw: number): number {
    return heartbeatRaw * 1000 * this.scaleOf(exec);
  }
}
