/**
 * Persistence of the stream event source mappings: the last sequence number per shard, kept in
 * `<dataDir>/event-sources.json` (written at most every 0.5 s and on stop), so a restart resumes where
 * it stopped instead of replaying the stream. Without a data directory, in memory only.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isRecord } from '../../../functions/core/kernel/guards';

export interface MappingCheckpoint {
  streamArn: string;
  shards: Record<string, string>;
}

export class CheckpointStore {
  private checkpoints: Record<string, MappingCheckpoint> = {};
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readonly file: string | undefined;

  constructor(dataDir: string | undefined) {
    this.file = dataDir === undefined ? undefined : path.join(dataDir, 'event-sources.json');
  }

  async load(): Promise<void> {
    if (this.file === undefined) return;
    const text = await readFile(this.file, 'utf8').catch(() => undefined);
    if (text === undefined) return;
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed)) this.checkpoints = parsed as Record<string, MappingCheckpoint>;
    } catch {
      this.checkpoints = {};
    }
  }

  of(mappingLogicalId: string): MappingCheckpoint | undefined {
    return this.checkpoints[mappingLogicalId];
  }

  set(mappingLogicalId: string, streamArn: string, shards: Record<string, string>): void {
    this.checkpoints[mappingLogicalId] = { streamArn, shards };
    if (this.file === undefined || this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.saving = this.saving.then(() => this.save()).catch(() => undefined);
    }, 500);
    this.saveTimer.unref();
  }

  /** The pending write, then a last one. */
  async flush(): Promise<void> {
    if (this.saveTimer !== undefined) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    await this.saving;
    await this.save().catch(() => undefined);
  }

  private async save(): Promise<void> {
    const file = this.file;
    if (file === undefined) return;
    await writeFile(`${file}.tmp`, JSON.stringify(this.checkpoints, null, 1));
    await rename(`${file}.tmp`, file);
  }
}
