/**
 * Shared helpers for the infra tests: synthesize once per file (no bundling unless asked), walk the
 * template, resolve the few intrinsics the contract relies on.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CfnElement, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { type BuildAppOptions, type BuiltApp, buildApp } from '../../lib/app-builder';

export interface Synthesized extends BuiltApp {
  readonly assembly: CloudAssembly;
  readonly json: CfnTemplate;
  readonly template: Template;
}

export interface CfnResourceJson {
  readonly Type: string;
  readonly DependsOn?: string | readonly string[];
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResourceJson>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

/** Build and synthesize the pipeline app (defaults: no bundling, no cdk-nag, no CFN schema validation). */
export function synthesize(options: BuildAppOptions = {}): Synthesized {
  const built = buildApp({
    bundling: false,
    nag: false,
    cfnValidation: false,
    outdir: mkdtempSync(path.join(tmpdir(), 'dropship-infra-test-')),
    ...options,
  });
  const assembly = built.app.synth();
  const json = assembly.getStackArtifact(built.stack.artifactId).template as CfnTemplate;
  return { ...built, assembly, json, template: Template.fromJSON(json) };
}

/** [logicalId, resource] pairs of one type. */
export function resourcesOfType(json: CfnTemplate, type: string): Array<[string, CfnResourceJson]> {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

export function props(resource: CfnResourceJson): Record<string, unknown> {
  return resource.Properties ?? {};
}

/** Narrow an unknown to a plain record (throws in tests when the shape is wrong). */
export function rec(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`expected an object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

export function arr(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The logical id named by `{ Ref: X }` or `{ 'Fn::GetAtt': [X, ...] }`, else undefined. */
export function referencedId(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const o = value as Record<string, unknown>;
  if (typeof o.Ref === 'string') return o.Ref;
  const getAtt = o['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

/**
 * Render a value with Fn::Join / Ref / Fn::GetAtt as a string, the way a consumer of the template (the
 * local runtime) resolves it: Refs become `<Ref:Id>`, attributes `<Id.Attr>`, pseudo parameters `<AWS::X>`.
 */
export function renderIntrinsics(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const o = rec(value);
  if (typeof o.Ref === 'string') return o.Ref.startsWith('AWS::') ? `<${o.Ref}>` : `<Ref:${o.Ref}>`;
  const getAtt = o['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `<${getAtt.map(String).join('.')}>`;
  const join = o['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return join[1].map(renderIntrinsics).join(join[0]);
  }
  // Fn::Select / Fn::Split (e.g. a part of AWS::StackId in a bucket name): rendered as `<select(i,split(d,x))>`.
  const select = o['Fn::Select'];
  if (Array.isArray(select) && select.length === 2) return `<select(${String(select[0])},${renderIntrinsics(select[1]).replace(/^<|>$/g, '')})>`;
  const split = o['Fn::Split'];
  if (Array.isArray(split) && split.length === 2 && typeof split[0] === 'string') {
    return `<split(${split[0]},${renderIntrinsics(split[1]).replace(/^<|>$/g, '')})>`;
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

/** Full path (`/orders/{orderId}`) of every AWS::ApiGateway::Resource, by logical id. */
export function apiResourcePaths(json: CfnTemplate): Map<string, string> {
  const resources = new Map(resourcesOfType(json, 'AWS::ApiGateway::Resource'));
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const r = resources.get(id);
    if (r === undefined) throw new Error(`unknown API resource ${id}`);
    const parent = referencedId(props(r).ParentId);
    const parentPath = parent !== undefined && resources.has(parent) ? pathOf(parent) : '';
    const full = `${parentPath}/${String(props(r).PathPart)}`;
    paths.set(id, full);
    return full;
  };
  for (const id of resources.keys()) pathOf(id);
  return paths;
}

export interface RouteMethod {
  readonly route: string;
  readonly logicalId: string;
  /** Logical id of the AWS::ApiGateway::RestApi the method belongs to. */
  readonly apiLogicalId: string | undefined;
  readonly properties: Record<string, unknown>;
}

/** Every API method as `VERB /path`. */
export function apiMethods(json: CfnTemplate): RouteMethod[] {
  const paths = apiResourcePaths(json);
  return resourcesOfType(json, 'AWS::ApiGateway::Method').map(([logicalId, r]) => {
    const p = props(r);
    const resourceId = referencedId(p.ResourceId);
    const routePath = resourceId !== undefined && paths.has(resourceId) ? (paths.get(resourceId) ?? '/') : '/';
    return { route: `${String(p.HttpMethod)} ${routePath}`, logicalId, apiLogicalId: referencedId(p.RestApiId), properties: p };
  });
}

export interface Statement {
  readonly source: string;
  readonly Effect: unknown;
  readonly Action: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

/** Every policy statement of the template, labelled with where it came from. */
export function policyStatements(json: CfnTemplate): Statement[] {
  const out: Statement[] = [];
  const add = (source: string, document: unknown): void => {
    if (document === undefined) return;
    for (const s of arr(rec(document).Statement)) out.push({ source, ...(rec(s) as Omit<Statement, 'source'>) });
  };
  for (const [id, r] of Object.entries(json.Resources)) {
    const p = props(r);
    switch (r.Type) {
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        add(`${id} (${r.Type})`, p.PolicyDocument);
        break;
      case 'AWS::IAM::Role':
        for (const inline of arr(p.Policies)) add(`${id} (inline policy)`, rec(inline).PolicyDocument);
        break;
      case 'AWS::KMS::Key':
        add(`${id} (key policy)`, p.KeyPolicy);
        break;
      case 'AWS::SNS::TopicPolicy':
      case 'AWS::SQS::QueuePolicy':
      case 'AWS::S3::BucketPolicy':
        add(`${id} (${r.Type})`, p.PolicyDocument);
        break;
      default:
        break;
    }
  }
  return out;
}

/** Actions of a statement as strings. */
export function actionsOf(statement: Statement): string[] {
  return arr(statement.Action).map(String);
}

/** The role (logical id) of a Lambda function (logical id). */
export function roleOfFunction(json: CfnTemplate, functionLogicalId: string): string {
  const role = referencedId(props(json.Resources[functionLogicalId] ?? { Type: '' }).Role);
  if (role === undefined) throw new Error(`function ${functionLogicalId} has no role`);
  return role;
}

/** Logical id of the one function whose `dropship:entry` metadata is `entry`. */
export function functionIdByEntry(json: CfnTemplate, entry: string): string {
  const found = resourcesOfType(json, 'AWS::Lambda::Function').filter(([, r]) => r.Metadata?.['dropship:entry'] === entry);
  if (found.length !== 1) throw new Error(`expected one function for ${entry}, found ${found.length}`);
  return found[0]?.[0] ?? '';
}

/** Environment variables of a function (by logical id). */
/**
 * Function logical id → the logical ids of the alarms on its `Errors` metric (a plain alarm, or a metric-math
 * alarm over a group of functions).
 */
export function errorAlarmsByFunction(json: CfnTemplate): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [alarmId, alarm] of resourcesOfType(json, 'AWS::CloudWatch::Alarm')) {
    const p = props(alarm);
    const metrics = [p, ...arr(p.Metrics).map(rec).filter((m) => m.MetricStat !== undefined).map((m) => rec(rec(m.MetricStat).Metric))];
    for (const m of metrics) {
      if (m.MetricName !== 'Errors' || m.Namespace !== 'AWS/Lambda') continue;
      const fn = referencedId(rec(arr(m.Dimensions)[0]).Value);
      if (fn !== undefined) out.set(fn, [...(out.get(fn) ?? []), alarmId]);
    }
  }
  return out;
}

export function functionEnv(json: CfnTemplate, functionLogicalId: string): Record<string, unknown> {
  return rec(rec(props(json.Resources[functionLogicalId] ?? { Type: '' }).Environment).Variables);
}

/** Statements of the identity policies attached to one role (by the role's logical id). */
export function roleStatements(json: CfnTemplate, roleLogicalId: string): Statement[] {
  const out: Statement[] = [];
  for (const [id, r] of resourcesOfType(json, 'AWS::IAM::Policy')) {
    const roles = arr(props(r).Roles).map(referencedId);
    if (!roles.includes(roleLogicalId)) continue;
    for (const s of arr(rec(props(r).PolicyDocument).Statement)) out.push({ source: id, ...(rec(s) as Omit<Statement, 'source'>) });
  }
  return out;
}

export interface Acknowledgement {
  /** Path of the construct the acknowledgement was recorded on. */
  readonly scopePath: string;
  readonly scope: IConstruct;
  readonly id: string;
  readonly reason: string;
}

/** Every cdk-nag acknowledgement (Validations.acknowledge) in the construct tree. */
export function acknowledgements(root: IConstruct): Acknowledgement[] {
  const out: Acknowledgement[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [qualifiedId, reason] of Object.entries(rec(entry.data))) {
        out.push({ scopePath: c.node.path, scope: c, id: qualifiedId.replace(/^annotation::/i, ''), reason: String(reason) });
      }
    }
  }
  return out;
}

/** CfnResources at or below a construct. */
export function cfnResourcesUnder(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}

/** Logical id of a construct's CloudFormation resource (the construct itself or its default child). */
export function logicalIdOf(construct: IConstruct): string {
  const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
  if (element === undefined || !CfnElement.isCfnElement(element)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  const id: unknown = Stack.of(element).resolve(element.logicalId);
  return String(id);
}

/** Logical ids a resource depends on: DependsOn, Ref, Fn::GetAtt and ${X} / ${X.Attr} in Fn::Sub. */
export function dependenciesOf(resource: CfnResourceJson, known: ReadonlySet<string>): Set<string> {
  const out = new Set<string>(arr(resource.DependsOn).map(String));
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const o = value as Record<string, unknown>;
    const ref = referencedId(o);
    if (ref !== undefined && known.has(ref)) out.add(ref);
    const sub = o['Fn::Sub'];
    const text = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
    for (const m of text?.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z.]+)?\}/g) ?? []) if (known.has(m[1] ?? '')) out.add(m[1] ?? '');
    Object.values(o).forEach(visit);
  };
  visit(resource.Properties);
  return out;
}

/** A dependency cycle among the template's resources (CloudFormation refuses those), or undefined. */
export function findDependencyCycle(json: CfnTemplate): string[] | undefined {
  const ids = new Set(Object.keys(json.Resources));
  const edges = new Map([...ids].map((id) => [id, dependenciesOf(json.Resources[id] ?? { Type: '' }, ids)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const dfs = (id: string): string[] | undefined => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      if (state.get(next) === 'visiting') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = dfs(next);
        if (cycle !== undefined) return cycle;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    if (state.get(id) === undefined) {
      const cycle = dfs(id);
      if (cycle !== undefined) return cycle;
    }
  }
  return undefined;
}
