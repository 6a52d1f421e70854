/**
 * Step Functions state machines of the template.
 */
import { isRecord } from '../../functions/core/kernel/guards';
import { props, resourcesOfType, type CfnTemplate } from './cfn';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, LOCAL_REGION } from './local-ids';
import { type Resolver } from './resolve';

export interface StateMachineSpec {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  /** The ASL definition with every intrinsic and DefinitionSubstitution resolved. */
  readonly definition: Readonly<Record<string, unknown>>;
  readonly roleArn?: string;
}

export function localStateMachineArn(name: string): string {
  return `arn:${LOCAL_PARTITION}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
}

export function readStateMachines(template: CfnTemplate, resolver: Resolver): StateMachineSpec[] {
  return resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([logicalId, machine]) => {
    const p = props(machine);
    const where = `state machine ${logicalId}`;
    const substitutions = resolver.resolve(p['DefinitionSubstitutions']);
    const substitute = (text: string): string =>
      isRecord(substitutions)
        ? text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => (key in substitutions ? String(substitutions[key]) : whole))
        : text;
    let definitionText: string;
    if (p['DefinitionString'] !== undefined) {
      definitionText = resolver.resolveString(p['DefinitionString'], `${where} DefinitionString`);
    } else if (p['Definition'] !== undefined) {
      definitionText = JSON.stringify(resolver.resolve(p['Definition']));
    } else {
      throw new Error(`${where}: only DefinitionString / Definition are supported locally (not DefinitionS3Location)`);
    }
    const definition: unknown = JSON.parse(substitute(definitionText));
    if (!isRecord(definition)) throw new Error(`${where}: the definition is not a JSON object`);
    const name = resolver.resolve(p['StateMachineName']);
    const type = resolver.resolve(p['StateMachineType']);
    const role = p['RoleArn'] === undefined ? undefined : resolver.resolve(p['RoleArn']);
    return {
      logicalId,
      name: typeof name === 'string' ? name : logicalId,
      arn: resolver.resolveString({ Ref: logicalId }, where),
      type: type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      definition,
      ...(typeof role === 'string' ? { roleArn: role } : {}),
    };
  });
}
