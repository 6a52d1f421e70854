/**
 * State of the local EventBridge: the recent events of each bus (the last `keep` per bus, oldest
 * first) and the query behind `GET /_local/events`.
 */
import { busNameOf } from '../../template/events';

export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

export interface StoredEvent {
  readonly bus: string;
  readonly event: BusEvent;
}

export class RecentEvents {
  private readonly recent = new Map<string, BusEvent[]>();

  constructor(
    busNames: readonly string[],
    private readonly keep: number,
  ) {
    for (const name of busNames) this.recent.set(name, []);
  }

  has(busName: string): boolean {
    return this.recent.has(busName);
  }

  /** Keep an event of a known bus; false for an unknown bus. */
  add(busName: string, event: BusEvent): boolean {
    const list = this.recent.get(busName);
    if (list === undefined) return false;
    list.push(event);
    if (list.length > this.keep) list.splice(0, list.length - this.keep);
    return true;
  }

  of(bus: string): readonly BusEvent[] {
    return this.recent.get(busNameOf(bus)) ?? [];
  }

  /** `?bus=&detailType=&source=&contains=&limit=`: matching events of every bus, oldest first, the last `limit`. */
  query(params: URLSearchParams): StoredEvent[] {
    const bus = params.get('bus');
    const detailType = params.get('detailType');
    const source = params.get('source');
    const contains = params.get('contains');
    const limit = Number(params.get('limit') ?? '1000');
    const out: StoredEvent[] = [];
    for (const [name, events] of this.recent) {
      if (bus !== null && bus !== '' && name !== busNameOf(bus)) continue;
      for (const event of events) {
        if (detailType !== null && event['detail-type'] !== detailType) continue;
        if (source !== null && event.source !== source) continue;
        if (contains !== null && !JSON.stringify(event.detail).includes(contains)) continue;
        out.push({ bus: name, event });
      }
    }
    out.sort((a, b) => a.event.time.localeCompare(b.event.time));
    return out.slice(-Math.max(1, limit));
  }
}
