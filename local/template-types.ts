/** The parts of a CloudFormation template the local runtime reads (as synthesized by CDK). */
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
