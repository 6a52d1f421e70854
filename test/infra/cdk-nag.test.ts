/**
 * cdk-nag (3.x, a CDK policy-validation plugin): the AwsSolutions and Serverless packs report nothing
 * unacknowledged, every acknowledgement answers a real finding on exactly one resource, and says why.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../lib/app-builder';
import { type Acknowledgement, type Synthesized, acknowledgements, cfnResourcesUnder, rec, synthesize } from './support';

const PACKS: ReadonlyArray<[string, () => NagPack]> = [
  ['AwsSolutions', () => new AwsSolutionsChecks()],
  ['Serverless', () => new ServerlessChecks()],
];

/** `Rule[finding] @ construct path` for every finding the packs report on a tree. */
function findings(root: Synthesized['app']): string[] {
  return PACKS.flatMap(([, pack]) =>
    pack()
      .validateScope(root)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath ?? '?'}`)),
  ).sort();
}

/** `Rule[finding] @ path of the one CfnResource it covers`. */
function acknowledgedFindings(acks: readonly Acknowledgement[]): string[] {
  return acks
    .map((a) => {
      const [resource] = cfnResourcesUnder(a.scope);
      return `${a.id} @ ${resource?.node.path ?? '?'}`;
    })
    .sort();
}

// dev goes the way `cdk synth` does: packs registered by buildApp, run by CDK's policy validation at synth
// together with its CloudFormation schema check (about 5 s). prod runs the same packs directly on the tree.
function nagSuite(stage: string, throughCdk: boolean): void {
  let s: Synthesized;
  let unacknowledged: string[];

  beforeAll(() => {
    s = synthesize({ stage, nag: throughCdk, cfnValidation: throughCdk });
    // The same app with every acknowledgement dropped: what the packs would report without them.
    const spy = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    try {
      unacknowledged = findings(synthesize({ stage }).app);
    } finally {
      spy.mockRestore();
    }
  });

  if (throughCdk) {
    it('synthesizes with both packs registered and the validation report lists no violation', () => {
      const report = rec(JSON.parse(readFileSync(path.join(s.assembly.directory, 'validation-report.json'), 'utf8')));
      const violations = (Array.isArray(report.pluginReports) ? report.pluginReports : []).flatMap((p: unknown) => {
        const v = rec(p).violations;
        return Array.isArray(v) ? v : [];
      });
      expect(violations).toEqual([]);
    });
  }

  it.each(PACKS)('%s: no unacknowledged error or warning', (_name, pack) => {
    const report = pack().validateScope(s.app);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('every acknowledgement answers a finding that exists, and every finding is acknowledged', () => {
    expect(unacknowledged.length).toBeGreaterThan(0);
    expect(acknowledgedFindings(acknowledgements(s.app))).toEqual(unacknowledged);
  });

  it('every acknowledgement covers exactly one resource (never a stack or a whole construct)', () => {
    for (const ack of acknowledgements(s.app)) {
      expect(Stack.isStack(ack.scope), ack.scopePath).toBe(false);
      expect(cfnResourcesUnder(ack.scope).map((r) => r.node.path), `${ack.id} on ${ack.scopePath}`).toHaveLength(1);
    }
  });

  it('wildcard-permission acknowledgements name the exact finding', () => {
    const iam = acknowledgements(s.app).filter((a) => /^AwsSolutions-IAM[45]/.test(a.id));
    expect(iam.length).toBeGreaterThan(0);
    for (const ack of iam) expect(ack.id, ack.scopePath).toMatch(/^AwsSolutions-IAM[45]\[(Resource|Policy|Action)::.+\]$/);
  });

  it('every acknowledgement gives a specific reason', () => {
    for (const ack of acknowledgements(s.app)) {
      expect(ack.reason.length, `${ack.id} on ${ack.scopePath}`).toBeGreaterThanOrEqual(80);
      expect(ack.reason, ack.id).not.toMatch(/\b(todo|tbd|n\/a|not needed|false positive)\b/i);
    }
  });
}

describe('stage dev (as `cdk synth` runs it)', () => nagSuite('dev', true));
describe('stage prod', () => nagSuite('prod', false));

describe('enforcement', () => {
  it('an unacknowledged finding fails synthesis', () => {
    const { app, stack } = buildApp({ bundling: false, cfnValidation: false });
    new sns.Topic(stack, 'UnencryptedTopic');
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });
});
