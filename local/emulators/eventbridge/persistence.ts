/** Persistence of the local EventBridge: with a data directory, every published event is appended to `<dataDir>/events.ndjson` (a record, never read back). */
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { BusEvent } from './bus';

export class EventJournal {
  private stream?: WriteStream | undefined;

  open(dataDir: string | undefined): void {
    if (dataDir !== undefined) this.stream = createWriteStream(path.join(dataDir, 'events.ndjson'), { flags: 'a' });
  }

  append(bus: string, event: BusEvent): void {
    this.stream?.write(`${JSON.stringify({ bus, event })}\n`);
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream !== undefined) await new Promise<void>((resolve) => stream.end(() => resolve()));
  }
}
