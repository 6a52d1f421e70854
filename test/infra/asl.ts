/**
 * Amazon States Language helpers for the infra tests: read the state machine definition out of the template
 * (intrinsics rendered as `<LogicalId.Attr>` strings), walk its states (Map iterations included), follow a path.
 */
import { type CfnTemplate, props, renderIntrinsics, resourcesOfType } from './support';

export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds?: number;
  readonly TimeoutSecondsPath?: string;
  readonly Retry?: ReadonlyArray<{ ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number }>;
  readonly Catch?: ReadonlyArray<{ ErrorEquals: string[]; Next: string; ResultPath?: string }>;
  readonly Choices?: ReadonlyArray<{ Variable: string; StringEquals?: string; Next: string }>;
  readonly Default?: string;
  readonly ItemsPath?: string;
  readonly ItemSelector?: Record<string, unknown>;
  readonly ItemProcessor?: AslMachine;
  readonly MaxConcurrency?: number;
  readonly Error?: string;
  readonly ErrorPath?: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}

export interface AslMachine {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly TimeoutSeconds?: number;
  readonly QueryLanguage?: string;
  readonly Comment?: string;
}

/** [logicalId, definition] of the one state machine of the template. */
export function stateMachineDefinition(json: CfnTemplate): { logicalId: string; definition: AslMachine } {
  const machines = resourcesOfType(json, 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const [logicalId, resource] = machines[0] ?? ['', { Type: '' }];
  const text = renderIntrinsics(props(resource).DefinitionString);
  return { logicalId, definition: JSON.parse(text) as AslMachine };
}

export interface LocatedState {
  readonly name: string;
  readonly state: AslState;
  /** The Map state whose iteration holds this state (undefined at the top level). */
  readonly inMap?: string;
}

/** Every state, top level and inside Map iterations. */
export function allStates(machine: AslMachine, inMap?: string): LocatedState[] {
  return Object.entries(machine.States).flatMap(([name, state]) => [
    { name, state, ...(inMap === undefined ? {} : { inMap }) },
    ...(state.ItemProcessor === undefined ? [] : allStates(state.ItemProcessor, name)),
  ]);
}

/** Names a state can go to next (Next, Choice rules and Default, Catch targets). */
export function successors(state: AslState): string[] {
  return [
    ...(state.Next === undefined ? [] : [state.Next]),
    ...(state.Choices ?? []).map((c) => c.Next),
    ...(state.Default === undefined ? [] : [state.Default]),
    ...(state.Catch ?? []).map((c) => c.Next),
  ];
}

/**
 * The states entered from StartAt to a terminal state, taking at each Choice the rule whose StringEquals
 * is `choices[choiceName]`, entering each Map's iteration once (one fulfillment) and taking no Catch.
 */
export function walkPath(machine: AslMachine, choices: Readonly<Record<string, string>>): string[] {
  const path: string[] = [];
  let name: string | undefined = machine.StartAt;
  const guard = new Set<string>();
  while (name !== undefined) {
    if (guard.has(name)) throw new Error(`loop at ${name}: ${path.join(' → ')}`);
    guard.add(name);
    const state: AslState | undefined = machine.States[name];
    if (state === undefined) throw new Error(`unknown state ${name}`);
    path.push(name);
    if (state.ItemProcessor !== undefined) path.push(...walkPath(state.ItemProcessor, choices));
    if (state.Type === 'Succeed' || state.Type === 'Fail' || state.End === true) break;
    if (state.Type === 'Choice') {
      const wanted: string | undefined = choices[name];
      const rule: { readonly Next: string } | undefined = state.Choices?.find((c) => c.StringEquals === wanted);
      if (rule === undefined) throw new Error(`choice ${name} has no rule for ${String(wanted)}`);
      name = rule.Next;
    } else {
      name = state.Next;
    }
  }
  return path;
}

export function isCallbackTask(state: AslState): boolean {
  return state.Type === 'Task' && (state.Resource ?? '').endsWith(':states:::lambda:invoke.waitForTaskToken');
}

/** Logical id of the Lambda function a task invokes (direct ARN resource or Parameters.FunctionName). */
export function taskFunction(state: AslState): string | undefined {
  const target = isCallbackTask(state) ? String(state.Parameters?.FunctionName ?? '') : (state.Resource ?? '');
  return /^<([A-Za-z0-9]+)\.Arn>$/.exec(target)?.[1];
}

/**
 * Adapt an AWS definition to aws-local-stepfunctions 3.0, which differs from AWS in two places:
 * - it evaluates a Task's TimeoutSecondsPath against the input AFTER Parameters (AWS: the state input), so the
 *   path is copied into Parameters (`timeoutSeconds.$`) and the timeout read from there;
 * - it arms the execution TimeoutSeconds with one setTimeout, which Node clamps to 1 ms above 24.8 days, so
 *   the top-level TimeoutSeconds is dropped.
 * The local runtime has to do the same (see docs/infrastructure.md).
 */
export function localizeDefinition(machine: AslMachine): AslMachine {
  const localizeStates = (states: Record<string, AslState>): Record<string, AslState> =>
    Object.fromEntries(
      Object.entries(states).map(([name, st]) => {
        let out: AslState = st;
        if (st.TimeoutSecondsPath !== undefined && st.Parameters !== undefined) {
          out = { ...out, Parameters: { ...st.Parameters, 'timeoutSeconds.$': st.TimeoutSecondsPath }, TimeoutSecondsPath: '$.timeoutSeconds' };
        }
        if (st.ItemProcessor !== undefined) out = { ...out, ItemProcessor: { ...st.ItemProcessor, States: localizeStates(st.ItemProcessor.States) } };
        return [name, out];
      }),
    );
  const { TimeoutSeconds: _dropped, ...rest } = machine;
  return { ...rest, States: localizeStates(machine.States) };
}
