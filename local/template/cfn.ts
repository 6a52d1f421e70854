/**
 * The parts of a CloudFormation template the local runtime reads (as synthesized by CDK), and the small
 * structural helpers every resource family's reader shares.
 */
import { isRecord } from '../../functions/core/kernel/guards';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly Metadata?: Readonly<Record<string, unknown>>;
  readonly Condition?: string;
  readonly DependsOn?: string | readonly string[];
}

export interface CfnParameter {
  readonly Type: string;
  readonly Default?: unknown;
}

export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
  readonly Parameters?: Readonly<Record<string, CfnParameter>>;
  readonly Conditions?: Readonly<Record<string, unknown>>;
  readonly Mappings?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  readonly Outputs?: Readonly<Record<string, unknown>>;
}

/** Check the outer shape of a parsed template (what synth returned or a JSON file held). */
export function asTemplate(value: unknown, source: string): CfnTemplate {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${source}: a CloudFormation template must be a JSON object`);
  }
  const resources = (value as { Resources?: unknown }).Resources;
  if (typeof resources !== 'object' || resources === null || Array.isArray(resources)) {
    throw new Error(`${source}: the template has no Resources section`);
  }
  for (const [id, resource] of Object.entries(resources)) {
    const type = (resource as { Type?: unknown } | null)?.Type;
    if (typeof type !== 'string') throw new Error(`${source}: resource ${id} has no Type`);
  }
  return value as CfnTemplate;
}

/** An array, else empty. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Logical id behind `{Ref: X}` or `{Fn::GetAtt: [X, ...]}`. */
export function targetOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const ref = value['Ref'];
  if (typeof ref === 'string') return ref;
  const att = value['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string') return att[0];
  if (typeof att === 'string') return att.split('.')[0];
  return undefined;
}

/** Resources of one type, in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** A resource's Properties (none = empty). */
export function props(resource: CfnResource): Readonly<Record<string, unknown>> {
  return resource.Properties ?? {};
}

/** A number or numeric string, else the fallback. */
export function num(value: unknown, fallback: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

/** A boolean or "true"/"false", else the fallback. */
export function bool(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return fallback;
}
