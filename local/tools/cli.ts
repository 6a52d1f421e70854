/**
 * `npm start` / `npm run reset`.
 *
 *   npm start                       start the local stack (API on 127.0.0.1:3000, data in .local/)
 *   npm start -- --port 3001        another API port (or PORT=3001 npm start)
 *   npm start -- --reset            wipe the local data first
 *   npm start -- --logs             echo function logs to the terminal (always in .local/logs/)
 *   npm start -- --stage prod       synthesize another stage of cdk.json
 *   npm start -- --in-memory        keep DynamoDB in memory (nothing persists)
 *   npm start -- --time-scale 1     real-time waits and SLAs (default 0.0027777: one hour in 10 s; or LOCAL_TIME_SCALE)
 *   npm start -- --no-suppliers     no simulated demo suppliers (or LOCAL_SUPPLIERS=off): script them yourself
 *   npm start -- --supplier-step-ms 500   simulated suppliers answer faster (default 1000 ms per message)
 *   npm start -- --no-schedules     schedule rules (sweeps, feed refresh) do not run on timers (or LOCAL_SCHEDULES=off)
 *   npm start -- --log-schedules    one line per schedule firing (target, result, duration)
 *   npm start -- --log-files        one line per S3 event notification delivered (bucket key -> function)
 *   npm run reset                   wipe the local data (keeps local API keys and secrets)
 *   npm run reset -- --all          wipe everything, including local API keys and secrets
 *   npm run executions              list the workflow executions of the running stack
 *   npm run executions -- show <orderId>   one execution: states entered, in order
 *   npm run schedules               schedule rules of the running stack: local interval, firings, last result
 *   npm run schedules -- fire <rule>   fire one now (name or logical id) and print its result
 *   npm run drop -- feed.csv --supplier <id>   drop a file into a supplier's inbox (local/tools/drop.ts)
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AlreadyRunningError, readLiveLock } from '../runtime/lock';
import { PortInUseError, portInUse } from '../runtime/ports';
import { TableMismatchError } from '../emulators/dynamodb/dynamodb-local';
import { executionsCommand, NotRunningError } from './executions';
import { schedulesCommand } from './schedules';
import { displayName, REPO_ROOT, startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../runtime/runtime';
import { statePath } from '../runtime/state';


interface Flags {
  readonly command: string;
  readonly positional: readonly string[];
  readonly values: Map<string, string>;
  readonly switches: Set<string>;
}

const VALUE_FLAGS = new Set(['port', 'ddb-port', 'stage', 'data-dir', 'time-scale', 'supplier-step-ms']);
const SWITCHES = new Set(['reset', 'all', 'logs', 'in-memory', 'no-seed', 'help', 'no-suppliers', 'no-schedules', 'log-schedules', 'log-files']);

/** `npm start`'s default local time: one hour of SLA / timeout passes in 10 seconds. */
export const DEFAULT_TIME_SCALE = 1 / 360;

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Flags {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  let command = 'start';
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      if (positional.length === 0 && command === 'start' && i === 0) command = arg;
      else positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, value);
    } else if (SWITCHES.has(name)) {
      switches.add(name);
    } else {
      throw new UsageError(`Unknown option --${name}`);
    }
  }
  return { command, values, switches, positional };
}

function portFrom(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${what} must be a port number (0-65535), got "${value}"`);
  return port;
}

function relative(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
}

async function wipe(dataDir: string, all: boolean): Promise<void> {
  const live = await readLiveLock(dataDir);
  if (live !== undefined) throw new AlreadyRunningError(live, dataDir);
  if (all) {
    await rm(dataDir, { recursive: true, force: true });
    return;
  }
  for (const entry of ['dynamodb', 's3', 'endpoints.json', 'logs', 'runtime.lock', 'stepfunctions.ndjson', 'events.ndjson', 'event-sources.json']) {
    await rm(path.join(dataDir, entry), { recursive: true, force: true });
  }
}

function printSummary(runtime: LocalRuntime, dataDir: string, log: (line: string) => void): void {
  const e = runtime.endpoints;
  log(`ready: API ${e.apiUrl} (endpoints in ${relative(path.join(dataDir, 'endpoints.json'))})`);
  if (typeof e['dashboardUrl'] === 'string' && e['dashboardUrl'] !== '') log(`  Operators' dashboard: ${e['dashboardUrl']}`);
  log('');
  log(`  Routes of ${runtime.stackName} (from the synthesized template, stage "${e.apiStage}"):`);
  for (const r of e.routes) {
    const auth = r.apiKeyRequired ? 'x-api-key' : 'no key   ';
    log(`    ${r.method.padEnd(6)} ${r.path.padEnd(44)} ${auth}  -> ${r.function === null ? '(not a function)' : displayName(r.function)}`);
  }
  log('');
  log('  Channels (API keys and webhook secrets are local and stay stable across restarts):');
  for (const c of e.channels) {
    log(`    ${c.id.padEnd(14)} ${c.platform.padEnd(8)} x-api-key ${c.apiKey ?? '-'}${c.shopDomain === null ? '' : `  shop ${c.shopDomain}`}`);
  }
  log('');
  log(`  Demo catalog: ${e.demo.skus.length} SKUs in stock (e.g. ${e.demo.skus.slice(0, 3).join(', ')}), ${e.suppliers.length} suppliers`);
  log(`  DynamoDB Local ${e.dynamodb.endpoint} (table ${e.dynamodb.tableName}), data kept in ${relative(dataDir)} (npm run reset wipes it)`);
  log(`  Function logs in ${relative(e.logsDir)}/ (npm start -- --logs to see them here)`);
  log('');
  const sm = e.stepFunctions.stateMachines.map((m) => m.name).join(', ') || '(none)';
  log(`  Workflow ${sm} on local Step Functions ${e.stepFunctions.endpoint}; SQS ${e.sqs.endpoint} (${e.sqs.queues.length} queues); EventBridge ${e.eventBridge.endpoint}`);
  log(`  Local time: x${(1 / e.timeScale).toFixed(0)} (an hour of SLA passes in ${(3600 * e.timeScale).toFixed(1)} s; --time-scale 1 for real time)`);
  if (e.s3.bucket !== null) {
    log(`  S3 ${e.s3.endpoint}: supplier files bucket ${e.s3.bucket}; drop a feed with npm run drop -- feed.csv --supplier ${e.suppliers[0]?.id ?? '<id>'}`);
  }
  if (e.schedules.rules.length > 0) {
    const every = (r: (typeof e.schedules.rules)[number]): string => (r.localIntervalMs === null ? r.expression : `${r.expression}: every ${(r.localIntervalMs / 1000).toFixed(1)} s`);
    if (e.schedules.enabled) {
      log('  Schedules (local time; npm run schedules shows their firings):');
      for (const r of e.schedules.rules) log(`    ${displayName(r.name).padEnd(40)} ${every(r)}`);
    } else {
      log(`  Schedules are off (--no-schedules): ${e.schedules.rules.length} rule(s) fire only with npm run schedules -- fire <rule>`);
    }
  }
  log(
    e.simulatedSuppliers
      ? '  Suppliers are simulated (accept, ship, deliver; rejection and silence rules in local/README.md; --no-suppliers to script them)'
      : '  Suppliers are NOT simulated: purchase orders wait in the outbound queues (endpoints.json suppliers[])',
  );
  if (e.ops !== null) log(`  Ops API: ${e.ops.url}/ops/... (IAM: SigV4 with endpoints.json ops.credentials, as ${e.ops.identity}; local/tools/ops-client.ts)`);
  log('');
  log('  Try it:  npm run demo            (an order through every state to DELIVERED, a reroute, a hold)');
  log('           npm run executions      (workflow executions; -- show <orderId> for one history)');
  log(`           curl -s -X POST ${e.apiUrl}/orders -H "x-api-key: ${e.apiKey}" -H "Idempotency-Key: try-1" \\`);
  log(`                -H "content-type: application/json" -d @local/tools/examples/order.json`);
  log('  Stop:    Ctrl-C');
  log('');
}

/** `npm start`'s flags (and their environment twins) read into runtime options. */
async function startOptions(flags: Flags): Promise<LocalRuntimeOptions & { readonly dataDir: string }> {
  const dataDir = path.resolve(flags.values.get('data-dir') ?? process.env['DROPSHIP_DATA_DIR'] ?? path.join(REPO_ROOT, '.local'));
  const port = portFrom(flags.values.get('port') ?? process.env['PORT'], '--port / PORT') ?? 3000;
  const explicitDdbPort = portFrom(flags.values.get('ddb-port') ?? process.env['DDB_PORT'], '--ddb-port / DDB_PORT');
  // DynamoDB Local's usual port when it is free (handy for NoSQL Workbench / aws cli), else any free port.
  const ddbPort = explicitDdbPort ?? ((await portInUse(8000)) ? 0 : 8000);
  const stage = flags.values.get('stage') ?? process.env['STAGE'];
  const scaleText = flags.values.get('time-scale') ?? process.env['LOCAL_TIME_SCALE'];
  const timeScale = scaleText === undefined || scaleText === '' ? DEFAULT_TIME_SCALE : Number(scaleText);
  if (!Number.isFinite(timeScale) || timeScale <= 0 || timeScale > 1) throw new UsageError(`--time-scale / LOCAL_TIME_SCALE must be a number in (0, 1], got "${scaleText ?? ''}"`);
  const suppliersOff = flags.switches.has('no-suppliers') || /^(off|false|0|no)$/i.test(process.env['LOCAL_SUPPLIERS'] ?? '');
  const schedulesOff = flags.switches.has('no-schedules') || /^(off|false|0|no)$/i.test(process.env['LOCAL_SCHEDULES'] ?? '');
  const stepText = flags.values.get('supplier-step-ms') ?? process.env['LOCAL_SUPPLIER_STEP_MS'];
  const supplierStepMs = stepText === undefined || stepText === '' ? undefined : Number(stepText);
  if (supplierStepMs !== undefined && (!Number.isFinite(supplierStepMs) || supplierStepMs < 0)) throw new UsageError('--supplier-step-ms must be a number of milliseconds');
  return {
    dataDir,
    port,
    ddbPort,
    inMemory: flags.switches.has('in-memory'),
    seed: !flags.switches.has('no-seed'),
    echoFunctionLogs: flags.switches.has('logs'),
    timeScale,
    suppliers: !suppliersOff,
    schedules: !schedulesOff,
    // Sweeps compare deadlines with the real clock: every 15 s is plenty locally (x360 would fire them every second).
    minScheduleIntervalMs: 15_000,
    logSchedules: flags.switches.has('log-schedules'),
    logNotifications: flags.switches.has('log-files'),
    ...(supplierStepMs === undefined ? {} : { supplierStepMs }),
    ...(stage === undefined ? {} : { stage }),
  };
}

/** Ctrl-C (SIGINT), SIGTERM, SIGHUP: a clean stop within 15 s; a second signal exits at once. */
function stopOnSignals(runtime: LocalRuntime, log: (line: string) => void): void {
  let signals = 0;
  const shutdown = (signal: string): void => {
    signals++;
    if (signals > 1) {
      console.error('Forced exit.');
      process.exit(130);
    }
    log(`\n${signal}: stopping (workers, API, DynamoDB Local) ...`);
    const deadline = setTimeout(() => {
      console.error('Stopping took too long; exiting anyway (DynamoDB Local stops with this process).');
      process.exit(1);
    }, 15_000);
    deadline.unref();
    runtime
      .stop()
      .then(() => {
        log('Stopped. Data is kept; npm start resumes it.');
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
}

async function start(flags: Flags): Promise<void> {
  const options = await startOptions(flags);
  const log = (line: string): void => console.log(line);
  if (flags.switches.has('reset')) {
    await wipe(options.dataDir, false);
    log(`Local data in ${relative(options.dataDir)} wiped.`);
  }
  log(`Starting the local stack${options.stage === undefined ? '' : ` (stage ${options.stage})`}: DynamoDB Local + CDK synth ...`);
  // The workers start during the boot, a first order's functions first (warmOrder), a few at a time: the
  // first requests skip the cold start without 26 workers compiling at once on a small machine.
  const runtime = await startLocalRuntime({ ...options, log, warm: 'background' });
  printSummary(runtime, options.dataDir, log);
  const t = runtime.timings;
  const sec = (ms: number): string => (ms / 1000).toFixed(1);
  log(`  (started in ${sec(runtime.startupMs)} s: CDK synth ${sec(t.synthMs)} s alongside DynamoDB Local ${sec(t.dynamodbMs)} s, tables + demo data ${sec(t.tablesAndSeedMs)} s)`);
  stopOnSignals(runtime, log);
}

async function main(): Promise<void> {
  const flags = parseArgs(process.argv.slice(2));
  if (flags.switches.has('help') || flags.command === 'help') {
    const doc = /\/\*\*([\s\S]*?)\*\//.exec(await import('node:fs').then((fs) => fs.readFileSync(new URL(import.meta.url), 'utf8')))?.[1] ?? '';
    console.log(doc.replace(/^ \* ?/gm, '').trim());
    return;
  }
  switch (flags.command) {
    case 'start':
      await start(flags);
      return;
    case 'reset': {
      const dataDir = path.resolve(flags.values.get('data-dir') ?? process.env['DROPSHIP_DATA_DIR'] ?? path.join(REPO_ROOT, '.local'));
      const all = flags.switches.has('all');
      await wipe(dataDir, all);
      console.log(
        all
          ? `Wiped ${relative(dataDir)} (data, local API keys and secrets). npm start creates fresh ones.`
          : `Wiped the local data in ${relative(dataDir)} (kept local API keys and secrets in ${relative(statePath(dataDir))}; --all wipes them too).`,
      );
      return;
    }
    case 'executions': {
      const dataDir = path.resolve(flags.values.get('data-dir') ?? process.env['DROPSHIP_DATA_DIR'] ?? path.join(REPO_ROOT, '.local'));
      await executionsCommand(dataDir, flags.positional);
      return;
    }
    case 'schedules': {
      const dataDir = path.resolve(flags.values.get('data-dir') ?? process.env['DROPSHIP_DATA_DIR'] ?? path.join(REPO_ROOT, '.local'));
      await schedulesCommand(dataDir, flags.positional);
      return;
    }
    default:
      throw new UsageError(`Unknown command "${flags.command}" (use start, reset, executions or schedules)`);
  }
}

main().catch((error: unknown) => {
  const known = error instanceof NotRunningError || error instanceof AlreadyRunningError || error instanceof PortInUseError || error instanceof TableMismatchError || error instanceof UsageError;
  if (known) {
    console.error(`\n${error.message}`);
  } else {
    const command = ['executions', 'schedules'].find((c) => process.argv.includes(c));
    console.error(`\n${command !== undefined ? `npm run ${command} failed` : 'The local runtime could not start'}: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env['DEBUG'] !== undefined && error instanceof Error) console.error(error.stack);
    else console.error('(set DEBUG=1 for the stack trace)');
  }
  process.exit(1);
});
