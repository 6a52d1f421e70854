/**
 * Persistence of the local Step Functions: with a data directory, executions (metadata + history) are
 * appended to `<dataDir>/stepfunctions.ndjson` (`{x: record}` and `{h: executionArn, e: event}` lines),
 * compacted at start. Without one, nothing is written.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isRecord } from '../../../functions/core/kernel/guards';
import type { Execution, ExecutionRecord, HistoryEvent } from './state';

export class ExecutionJournal {
  private stream?: WriteStream | undefined;
  private readonly file: string | undefined;

  constructor(dataDir: string | undefined) {
    this.file = dataDir === undefined ? undefined : path.join(dataDir, 'stepfunctions.ndjson');
  }

  /** Read the journal into `executions`, rewrite it compacted, then append from there on. */
  async load(executions: Map<string, Execution>): Promise<void> {
    const file = this.file;
    if (file === undefined) return;
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) readLine(line, executions);
    // Executions of state machines no longer in the template cannot run again: they stay as they were.
    const lines: string[] = [];
    for (const exec of executions.values()) {
      lines.push(JSON.stringify({ x: exec.record }));
      for (const e of exec.history) lines.push(JSON.stringify({ h: exec.record.executionArn, e }));
    }
    await writeFile(`${file}.tmp`, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    await rename(`${file}.tmp`, file);
    this.stream = createWriteStream(file, { flags: 'a' });
  }

  appendRecord(record: ExecutionRecord): void {
    this.stream?.write(`${JSON.stringify({ x: record })}\n`);
  }

  appendEvent(executionArn: string, event: HistoryEvent): void {
    this.stream?.write(`${JSON.stringify({ h: executionArn, e: event })}\n`);
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream !== undefined) await new Promise<void>((resolve) => stream.end(() => resolve()));
  }
}

function readLine(line: string, executions: Map<string, Execution>): void {
  if (line.trim() === '') return;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return; // a torn last line after a crash
  }
  if (!isRecord(entry)) return;
  if (isRecord(entry['x'])) {
    const rec = entry['x'] as unknown as ExecutionRecord;
    const existing = executions.get(rec.executionArn);
    if (existing === undefined) executions.set(rec.executionArn, { record: { ...rec }, history: [], runId: 0, overrides: {} });
    else Object.assign(existing.record, rec);
  } else if (typeof entry['h'] === 'string' && isRecord(entry['e'])) {
    executions.get(entry['h'])?.history.push(entry['e'] as unknown as HistoryEvent);
  }
}
