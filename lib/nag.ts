import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledge (suppress) one cdk-nag finding on one construct, with the reason written down.
 *
 * cdk-nag 3 matches an acknowledgement on the flagged resource or any of its ancestors, so always
 * pass the narrowest construct (the resource itself, or the L2 that owns only that resource) and,
 * for rules that report several findings per resource (AwsSolutions-IAM5, -IAM4), the finding id
 * (`AwsSolutions-IAM5[Resource::*]`), never the bare rule.
 */
export function acknowledgeNag(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 40) {
    throw new Error(`cdk-nag acknowledgement ${id} on ${scope.node.path} needs a specific reason (at least 40 characters)`);
  }
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The cdk-nag finding id of an IAM resource with a wildcard (`AwsSolutions-IAM5[Resource::<flattened ARN>]`),
 * flattened the way cdk-nag flattens CloudFormation references (Fn::Join joined, Ref → `<Id>`, Fn::GetAtt →
 * `<Id.Attr>`, Fn::Sub `${X}` → `<X>`, anything else as JSON), so that an acknowledgement names exactly the
 * finding its ARN produces, whatever tokens the ARN contains.
 */
export function wildcardResourceFinding(scope: IConstruct, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(arn))}]`;
}

function flattenCfnReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
    const o = node as Record<string, unknown>;
    const join = o['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      const delimiter = join[0];
      return join[1].map(flattenCfnReference).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return flattenCfnReference(o['Fn::Sub']);
    const getAtt = o['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flattenCfnReference(getAtt[0])}.${flattenCfnReference(getAtt[1])}>`;
    if (o['Fn::ImportValue'] !== undefined) return flattenCfnReference(o['Fn::ImportValue']);
    if (o.Ref !== undefined) return `<${flattenCfnReference(o.Ref)}>`;
  }
  return JSON.stringify(node);
}
