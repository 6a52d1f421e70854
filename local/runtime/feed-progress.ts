/**
 * Feed progress for `npm run drop`'s bar: the local stand-in of a CloudWatch Logs subscription filter
 * `{ $.message = "Feed progress" }` on the functions' log events.
 *
 * The feed handler's one progress signal is that structured log event (functions/inventory/feed-file.ts:
 * Powertools JSON `{ message: 'Feed progress', key, rowsSoFar, phase }`, every 10,000 rows); on AWS an
 * operator reads it in CloudWatch Logs. Locally each matching event is posted to the local S3's progress
 * board (emulators/s3/progress-board.ts), which `npm run drop` reads at
 * `GET <s3.endpoint>/_local/progress?key=<object key>`. Only that exact message with a string `key`
 * and a numeric `rowsSoFar` counts; every other line passes by untouched.
 */
import { isRecord } from '../../functions/core/kernel/guards';
import type { LocalS3 } from '../emulators/s3/s3';

export const FEED_PROGRESS_MESSAGE = 'Feed progress';

export interface FeedProgressEvent {
  readonly key: string;
  readonly rowsSoFar: number;
  readonly phase?: string;
}

/** The progress event a log line carries, if it is one. */
export function feedProgressOf(line: string): FeedProgressEvent | undefined {
  if (!line.includes(FEED_PROGRESS_MESSAGE)) return undefined; // most lines: no JSON parse
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || parsed['message'] !== FEED_PROGRESS_MESSAGE) return undefined;
  const { key, rowsSoFar, phase } = parsed;
  if (typeof key !== 'string' || typeof rowsSoFar !== 'number') return undefined;
  return { key, rowsSoFar, ...(typeof phase === 'string' ? { phase } : {}) };
}

/** The subscription: a function log line in, the progress board updated when it is a progress event. */
export function feedProgressSubscription(s3: Pick<LocalS3, 'reportProgress'>): (line: string) => void {
  return (line) => {
    const event = feedProgressOf(line);
    if (event !== undefined) s3.reportProgress(event.key, { rowsSoFar: event.rowsSoFar, ...(event.phase === undefined ? {} : { phase: event.phase }) });
  };
}
