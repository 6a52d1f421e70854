import { Validations } from 'aws-cdk-lib';
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
