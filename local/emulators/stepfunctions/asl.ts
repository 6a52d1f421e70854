import { isRecord } from '../../../functions/core/kernel/guards';
/**
 * Prepares a template's ASL definition for the local interpreter (aws-local-stepfunctions 3.0):
 *
 * - every Task state is described (which local function it invokes, whether it waits for a task token,
 *   its TimeoutSeconds[Path] / HeartbeatSeconds[Path]);
 * - the interpreter's own task timeout is neutralised (it evaluates TimeoutSecondsPath against the
 *   input AFTER Parameters, accepts whole seconds only and defaults to 60 s): the local stand-in times
 *   tasks out itself. A TimeoutSecondsPath / HeartbeatSecondsPath is carried to the stand-in through an
 *   extra Parameters field (`__local.timeoutSeconds.$`) evaluated on the state input, as AWS does;
 * - the top-level TimeoutSeconds is removed (setTimeout overflows beyond 24.8 days) and returned;
 * - Retry intervals and Wait `Seconds` become per-state overrides scaled by the caller.
 * Pure: returns a modified copy.
 */

export const LOCAL_PARAMS_KEY = '__local';
/** What `$$.Task.Token` resolves to in the interpreter; the stand-in swaps it for a minted token per task. */
export const TASK_TOKEN_PLACEHOLDER = '__LOCAL_TASK_TOKEN__';
/** The interpreter's task timer is set beyond any local wait (and below setTimeout's 2^31-1 ms limit). */
export const INTERPRETER_TASK_TIMEOUT_SECONDS = 2_000_000;

export type TaskKind = 'lambda-arn' | 'lambda-invoke' | 'unsupported';

export interface TaskInfo {
  readonly stateName: string;
  readonly resource: string;
  readonly kind: TaskKind;
  /** `.waitForTaskToken`. */
  readonly callback: boolean;
  /** Logical id of the local function (lambda kinds), when the ARN / FunctionName is one of the template's. */
  readonly functionLogicalId?: string;
  /** FunctionName as given (lambda-invoke): may be a JSONPath-resolved value at run time. */
  readonly staticFunction?: string;
  readonly timeoutSeconds?: number;
  readonly timeoutSecondsPath?: string;
  readonly heartbeatSeconds?: number;
  readonly heartbeatSecondsPath?: string;
  /** Whether Parameters were added to carry the state input (`__local.input`). */
  readonly wrappedInput: boolean;
}

export interface PreparedDefinition {
  readonly definition: Record<string, unknown>;
  readonly tasks: ReadonlyMap<string, TaskInfo>;
  /** Mean un-jittered interval of each retrier (meanRetryInterval), by state name. */
  readonly retryIntervals: ReadonlyMap<string, readonly number[]>;
  /** Wait states with a fixed `Seconds`. */
  readonly waitSeconds: ReadonlyMap<string, number>;
  /** Top-level TimeoutSeconds (execution timeout). */
  readonly timeoutSeconds?: number;
  /** Every state name, including those inside Map / Parallel. */
  readonly stateNames: readonly string[];
  readonly warnings: readonly string[];
}


const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/;
const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/;

/** Function name from an ARN, a partial ARN or a plain name. */
export function functionNameOf(value: string): string {
  const m = LAMBDA_ARN.exec(value);
  if (m?.[1] !== undefined) return m[1];
  const partial = /(?:^|:)function:([^:]+)/.exec(value);
  return partial?.[1] ?? value.split(':')[0] ?? value;
}

/**
 * The mean of a retrier's un-jittered delays (IntervalSeconds × BackoffRate^k, capped by MaxDelaySeconds, over
 * MaxAttempts): the interpreter's interval override is one number per retrier, so a scaled run waits this between
 * attempts and its retries last the scaled total of the real schedule (not MaxAttempts × IntervalSeconds).
 */
function meanRetryInterval(r: Record<string, unknown>): number {
  const num = (key: string, fallback: number): number => (typeof r[key] === 'number' ? r[key] : fallback);
  const interval = num('IntervalSeconds', 1);
  const rate = num('BackoffRate', 2);
  const cap = num('MaxDelaySeconds', Number.POSITIVE_INFINITY);
  const attempts = Math.max(1, num('MaxAttempts', 3));
  let total = 0;
  for (let k = 0; k < attempts; k++) total += Math.min(cap, interval * rate ** k);
  return total / attempts;
}

interface Collected {
  readonly tasks: Map<string, TaskInfo>;
  readonly retryIntervals: Map<string, number[]>;
  readonly waitSeconds: Map<string, number>;
  readonly stateNames: string[];
  readonly warnings: string[];
}

/** One state: its Retry intervals, and what its type needs (tasks prepared, Wait seconds, nested machines). */
function visitState(name: string, state: Record<string, unknown>, out: Collected, functionsByName: ReadonlyMap<string, string>): void {
  out.stateNames.push(name);
  if (state['QueryLanguage'] === 'JSONata') throw new Error(`State ${name} uses JSONata: not supported locally`);
  delete state['QueryLanguage'];
  if (Array.isArray(state['Retry'])) {
    out.retryIntervals.set(
      name,
      state['Retry'].map((r) => (isRecord(r) ? meanRetryInterval(r) : 1)),
    );
  }
  switch (state['Type']) {
    case 'Task':
      out.tasks.set(name, prepareTask(name, state, functionsByName, out.warnings));
      break;
    case 'Wait':
      if (typeof state['Seconds'] === 'number') out.waitSeconds.set(name, state['Seconds']);
      else out.warnings.push(`Wait state ${name}: only a fixed Seconds is time-scaled locally`);
      break;
    case 'Map': {
      const processor = state['ItemProcessor'] ?? state['Iterator'];
      if (isRecord(processor)) {
        visitMachine(processor, out, functionsByName);
        // The interpreter runs item processors inline; a DISTRIBUTED processor config means nothing here.
        delete processor['ProcessorConfig'];
      }
      break;
    }
    case 'Parallel':
      if (Array.isArray(state['Branches'])) for (const b of state['Branches']) if (isRecord(b)) visitMachine(b, out, functionsByName);
      break;
    default:
      break;
  }
}

function visitMachine(machine: Record<string, unknown>, out: Collected, functionsByName: ReadonlyMap<string, string>): void {
  const states = machine['States'];
  if (!isRecord(states)) return;
  delete machine['QueryLanguage'];
  for (const [name, state] of Object.entries(states)) if (isRecord(state)) visitState(name, state, out, functionsByName);
}

export function prepareDefinition(source: Readonly<Record<string, unknown>>, functionsByName: ReadonlyMap<string, string>): PreparedDefinition {
  const definition = JSON.parse(JSON.stringify(source)) as Record<string, unknown>;
  if (definition['QueryLanguage'] === 'JSONata') {
    throw new Error('The state machine uses JSONata: the local interpreter runs JSONPath definitions only');
  }
  const timeout = definition['TimeoutSeconds'];
  delete definition['TimeoutSeconds'];
  delete definition['QueryLanguage'];
  const out: Collected = { tasks: new Map(), retryIntervals: new Map(), waitSeconds: new Map(), stateNames: [], warnings: [] };
  visitMachine(definition, out, functionsByName);
  return { definition, ...out, ...(typeof timeout === 'number' ? { timeoutSeconds: timeout } : {}) };
}

/** Which function a task invokes: its kind, the function as the definition names it, the local logical id. */
function taskTarget(name: string, state: Record<string, unknown>, functionsByName: ReadonlyMap<string, string>, warnings: string[]): { kind: TaskKind; functionLogicalId?: string | undefined; staticFunction?: string | undefined } {
  const resource = typeof state['Resource'] === 'string' ? state['Resource'] : '';
  let target: { kind: TaskKind; functionLogicalId?: string | undefined; staticFunction?: string | undefined } = { kind: 'unsupported' };
  if (LAMBDA_ARN.exec(resource) !== null) {
    target = { kind: 'lambda-arn', functionLogicalId: functionsByName.get(functionNameOf(resource)), staticFunction: resource };
  } else if (LAMBDA_INVOKE.exec(resource) !== null) {
    const params = state['Parameters'];
    const fn = isRecord(params) ? params['FunctionName'] : undefined;
    target = typeof fn === 'string' ? { kind: 'lambda-invoke', staticFunction: fn, functionLogicalId: functionsByName.get(functionNameOf(fn)) } : { kind: 'lambda-invoke' };
  } else {
    warnings.push(`Task ${name}: resource ${resource} is not emulated locally (the task fails when it runs)`);
  }
  if (target.kind !== 'unsupported' && target.staticFunction !== undefined && target.functionLogicalId === undefined) {
    warnings.push(`Task ${name}: function ${target.staticFunction} is not one of the template's local functions`);
  }
  return target;
}

function prepareTask(name: string, state: Record<string, unknown>, functionsByName: ReadonlyMap<string, string>, warnings: string[]): TaskInfo {
  const resource = typeof state['Resource'] === 'string' ? state['Resource'] : '';
  const { kind, functionLogicalId, staticFunction } = taskTarget(name, state, functionsByName, warnings);
  const info: Record<string, unknown> = {};
  for (const key of ['TimeoutSeconds', 'HeartbeatSeconds'] as const) {
    if (typeof state[key] === 'number') info[key] = state[key];
    delete state[key];
  }
  const paths: Record<string, string> = {};
  for (const key of ['TimeoutSecondsPath', 'HeartbeatSecondsPath'] as const) {
    if (typeof state[key] === 'string') paths[key] = state[key];
    delete state[key];
  }
  state['TimeoutSeconds'] = INTERPRETER_TASK_TIMEOUT_SECONDS;
  const wrappedInput = carryTimeoutPaths(state, paths);
  return {
    stateName: name,
    resource,
    kind,
    callback: resource.endsWith('.waitForTaskToken'),
    ...(functionLogicalId === undefined ? {} : { functionLogicalId }),
    ...(staticFunction === undefined ? {} : { staticFunction }),
    ...(typeof info['TimeoutSeconds'] === 'number' ? { timeoutSeconds: info['TimeoutSeconds'] } : {}),
    ...(paths['TimeoutSecondsPath'] === undefined ? {} : { timeoutSecondsPath: paths['TimeoutSecondsPath'] }),
    ...(typeof info['HeartbeatSeconds'] === 'number' ? { heartbeatSeconds: info['HeartbeatSeconds'] } : {}),
    ...(paths['HeartbeatSecondsPath'] === undefined ? {} : { heartbeatSecondsPath: paths['HeartbeatSecondsPath'] }),
    wrappedInput,
  };
}

/** Timeout/heartbeat paths ride along in the task's Parameters; true when the input itself had to be wrapped. */
function carryTimeoutPaths(state: Record<string, unknown>, paths: Record<string, string>): boolean {
  if (Object.keys(paths).length === 0) return false;
  const local: Record<string, string> = {};
  if (paths['TimeoutSecondsPath'] !== undefined) local['timeoutSeconds.$'] = paths['TimeoutSecondsPath'];
  if (paths['HeartbeatSecondsPath'] !== undefined) local['heartbeatSeconds.$'] = paths['HeartbeatSecondsPath'];
  if (isRecord(state['Parameters'])) {
    state['Parameters'] = { ...state['Parameters'], [LOCAL_PARAMS_KEY]: local };
    return false;
  }
  // No Parameters: the effective input is the state input; carry it alongside.
  state['Parameters'] = { [LOCAL_PARAMS_KEY]: { ...local, 'input.$': '$' } };
  return true;
}

/** Replace the task token placeholder anywhere inside a JSON value. */
export function withTaskToken(value: unknown, token: string): unknown {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => withTaskToken(v, token));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTaskToken(v, token)]));
  return value;
}

/** Take the stand-in's `__local` fields off a task input. */
export function unwrapLocal(
  value: unknown,
  task: TaskInfo,
): { input: unknown; timeoutSeconds?: number | undefined; heartbeatSeconds?: number | undefined } {
  if (!isRecord(value) || !isRecord(value[LOCAL_PARAMS_KEY])) return { input: value };
  const { [LOCAL_PARAMS_KEY]: local, ...rest } = value;
  const l = local as Record<string, unknown>;
  const n = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return {
    input: task.wrappedInput ? l['input'] : rest,
    timeoutSeconds: n(l['timeoutSeconds']),
    heartbeatSeconds: n(l['heartbeatSeconds']),
  };
}
