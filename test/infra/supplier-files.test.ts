/**
 * The supplier files bucket: encryption, TLS, public access, versioning, lifecycle, notifications per supplier
 * prefix, the file functions' environment and permissions, the outbox writers, and per-supplier isolation
 * (identity policies of the supplier roles + the bucket policy, evaluated on concrete keys).
 */
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCdkJsonContext } from '../../lib/app-builder';
import { WORKFLOW_ENTRIES } from '../../lib/constructs/order-workflow';
import {
  INBOX_FOLDERS,
  type InboxFolder,
  SUPPLIER_DENIED_READ_ACTIONS,
  SUPPLIER_DENIED_WRITE_ACTIONS,
  SUPPLIER_FILES_LOGICAL_IDS,
  SUPPLIER_FILE_ENTRIES,
  defaultBucketName,
  supplierFileKeys,
} from '../../lib/constructs/supplier-files';
import { SUPPLIER_INBOUND_ENTRY, supplierLogicalIds } from '../../lib/constructs/supplier-gateway';
import { StageConfigError } from '../../lib/stage-config';
import {
  type CfnTemplate,
  type Statement,
  type Synthesized,
  actionsOf,
  arr,
  functionEnv,
  functionIdByEntry,
  policyStatements,
  props,
  rec,
  referencedId,
  renderIntrinsics,
  resourcesOfType,
  roleOfFunction,
  roleStatements,
  synthesize,
} from './support';

const SUPPLIERS = ['nordic-home', 'atlantic-outfitters', 'pacific-gadgets'] as const;
const BUCKET = SUPPLIER_FILES_LOGICAL_IDS.bucket;
/** The dev bucket name as the template writes it (account and a piece of the stack id, resolved at deploy time). */
const DEV_BUCKET_NAME = 'dropship-dev-files-<AWS::AccountId>-<select(0,split(-,select(2,split(/,AWS::StackId))))>';
const BUCKET_ARN = `arn:<AWS::Partition>:s3:::${DEV_BUCKET_NAME}`;

let s: Synthesized;
beforeAll(() => {
  s = synthesize({ stage: 'dev' });
});

const bucket = (json: CfnTemplate = s.json): Record<string, unknown> => props(json.Resources[BUCKET] ?? { Type: '' });
const bucketPolicy = (json: CfnTemplate, bucketId: string): Array<Record<string, unknown>> =>
  resourcesOfType(json, 'AWS::S3::BucketPolicy')
    .filter(([, p]) => referencedId(props(p).Bucket) === bucketId)
    .flatMap(([, p]) => arr(rec(props(p).PolicyDocument).Statement).map(rec));

/** `arn:...:s3:::bucket/key` strings of a statement's resources (or not-resources). */
const rendered = (value: unknown): string[] => arr(value).map((r) => renderIntrinsics(r));

describe('the bucket (dev)', () => {
  it('is pinned as SupplierFilesBucket and named from the stage, the account and the stack id', () => {
    expect(s.json.Resources[BUCKET]?.Type).toBe('AWS::S3::Bucket');
    expect(renderIntrinsics(bucket().BucketName)).toBe(DEV_BUCKET_NAME);
    expect(s.json.Outputs?.FilesBucketName?.Value).toEqual({ Ref: BUCKET });
  });

  it('is encrypted at rest (SSE-S3), versioned, blocks every public access and disables ACLs', () => {
    expect(bucket().BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket().VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket().PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket().OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  it.each([BUCKET, SUPPLIER_FILES_LOGICAL_IDS.accessLogs])('%s refuses plain HTTP and TLS below 1.2 for every principal', (id) => {
    const denies = bucketPolicy(s.json, id).filter((st) => st.Effect === 'Deny' && st.Action === 's3:*');
    expect(denies.map((st) => st.Condition)).toEqual([{ Bool: { 'aws:SecureTransport': 'false' } }, { NumericLessThan: { 's3:TlsVersion': 1.2 } }]);
    for (const st of denies) {
      expect(st.Principal).toEqual({ AWS: '*' });
      expect(rendered(st.Resource)).toEqual([`<${id}.Arn>`, `<${id}.Arn>/*`]);
    }
  });

  it('logs server access to its own encrypted, private log bucket, which only the S3 logging service may write', () => {
    expect(bucket().LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: SUPPLIER_FILES_LOGICAL_IDS.accessLogs }, LogFilePrefix: 'supplier-files/' });
    const logs = props(s.json.Resources[SUPPLIER_FILES_LOGICAL_IDS.accessLogs] ?? { Type: '' });
    expect(logs.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(rec(logs.PublicAccessBlockConfiguration).RestrictPublicBuckets).toBe(true);
    const allows = bucketPolicy(s.json, SUPPLIER_FILES_LOGICAL_IDS.accessLogs).filter((st) => st.Effect === 'Allow');
    expect(allows.map((st) => [st.Principal, st.Action])).toEqual([[{ Service: 'logging.s3.amazonaws.com' }, 's3:PutObject']]);
    expect(rec(rec(allows[0]?.Condition).ArnLike)['aws:SourceArn']).toEqual({ 'Fn::GetAtt': [BUCKET, 'Arn'] });
  });

  it('expires inbox files, reports, purchase orders, cancellations, packing slips, return requests, quarantine copies and old versions after the stage retention (dev: 7/30/30/30/7 days)', () => {
    const rules = arr(rec(bucket().LifecycleConfiguration).Rules).map(rec);
    const byPrefix = new Map(rules.filter((r) => r.Prefix !== undefined).map((r) => [String(r.Prefix), r.ExpirationInDays]));
    for (const id of SUPPLIERS) {
      expect(byPrefix.get(supplierFileKeys.inbox(id)), id).toBe(7);
      expect(byPrefix.get(supplierFileKeys.reports(id)), id).toBe(30);
      // Purchase orders, cancellations and packing slips hold PII (return requests the customer's note): expired after files.outboxPiiRetentionDays (dev 30).
      for (const folder of ['purchase-orders', 'cancellations', 'packing-slips', 'return-requests']) expect(byPrefix.get(`${supplierFileKeys.outbox(id)}${folder}/`), `${id} ${folder}`).toBe(30);
      // No rule covers the whole outbox (reports keep their own retention).
      expect(byPrefix.has(supplierFileKeys.outbox(id)), id).toBe(false);
    }
    expect(byPrefix.get('quarantine/')).toBe(30);
    expect(byPrefix.size).toBe(SUPPLIERS.length * 6 + 1);
    const versions = rules.find((r) => r.Prefix === undefined);
    expect(versions).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 7 }, ExpiredObjectDeleteMarker: true, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } });
  });

  it('has no supplier deny statements while no supplier has an AWS account (dev)', () => {
    expect(bucketPolicy(s.json, BUCKET).filter((st) => st.Action !== 's3:*')).toEqual([]);
  });

  it('a stage name that cannot be part of a bucket name fails with a clear error (files.bucketName is the way out)', () => {
    expect(() => defaultBucketName('Prod_EU')).toThrow(StageConfigError);
    expect(() => defaultBucketName('Prod_EU')).toThrow(/files\.bucketName/);
  });

  it('takes files.bucketName from the stage config when set', () => {
    const context = readCdkJsonContext();
    const stages = rec(context.stages);
    const dev = rec(stages.dev);
    const named = synthesize({ stage: 'dev', context: { stages: { ...stages, dev: { ...dev, files: { ...rec(dev.files), bucketName: 'acme-supplier-files' } } } } });
    expect(bucket(named.json).BucketName).toBe('acme-supplier-files');
    expect(functionEnv(named.json, functionIdByEntry(named.json, SUPPLIER_FILE_ENTRIES.feedFile)).FILES_BUCKET).toBe('acme-supplier-files');
  });
});

describe('notifications (dev)', () => {
  const configurations = (): Array<Record<string, unknown>> => arr(rec(bucket().NotificationConfiguration).LambdaConfigurations).map(rec);
  const prefixOf = (c: Record<string, unknown>): string => {
    const rules = arr(rec(rec(c.Filter).S3Key).Rules).map(rec);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Name).toBe('prefix');
    return String(rules[0]?.Value);
  };

  const cases = SUPPLIERS.flatMap((id) => (Object.keys(INBOX_FOLDERS) as InboxFolder[]).map((folder) => [id, folder, SUPPLIER_FILE_ENTRIES[INBOX_FOLDERS[folder]]] as const));
  it.each(cases)('%s inbox/%s/ → %s on every object created', (id, folder, entry) => {
    const matching = configurations().filter((c) => prefixOf(c) === `suppliers/${id}/inbox/${folder}/`);
    expect(matching).toHaveLength(1);
    expect(matching[0]?.Event).toBe('s3:ObjectCreated:*');
    expect(referencedId(matching[0]?.Function)).toBe(functionIdByEntry(s.json, entry));
  });

  it('has no other notification (outbox and quarantine writes trigger nothing) and no notification custom resource', () => {
    expect(configurations()).toHaveLength(cases.length);
    expect(configurations().every((c) => prefixOf(c).startsWith('suppliers/') && prefixOf(c).includes('/inbox/'))).toBe(true);
    expect(resourcesOfType(s.json, 'Custom::S3BucketNotifications')).toEqual([]);
  });

  it('S3 of this account may invoke the two file functions for this bucket only, and the bucket waits for those permissions', () => {
    const permissions = resourcesOfType(s.json, 'AWS::Lambda::Permission').filter(([, p]) => props(p).Principal === 's3.amazonaws.com');
    const fns = Object.values(SUPPLIER_FILE_ENTRIES).map((entry) => functionIdByEntry(s.json, entry));
    expect(permissions.map(([, p]) => referencedId(props(p).FunctionName)).sort()).toEqual([...fns].sort());
    for (const [id, p] of permissions) {
      expect(renderIntrinsics(props(p).SourceArn), id).toBe(BUCKET_ARN);
      expect(props(p).SourceAccount, id).toEqual({ Ref: 'AWS::AccountId' });
    }
    expect(arr(s.json.Resources[BUCKET]?.DependsOn).sort()).toEqual(permissions.map(([id]) => id).sort());
  });
});

describe('file functions (dev)', () => {
  const s3Grants = (entry: string): Array<[string, string[]]> =>
    roleStatements(s.json, roleOfFunction(s.json, functionIdByEntry(s.json, entry)))
      .filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')))
      .flatMap((st) => rendered(st.Resource).map((r): [string, string[]] => [r.replace(BUCKET_ARN, '<bucket>'), actionsOf(st).sort()]))
      .sort(([a], [b]) => a.localeCompare(b));

  it.each([
    [SUPPLIER_FILE_ENTRIES.feedFile, ['SUPPLIER_FILES']],
    [SUPPLIER_FILE_ENTRIES.messageFile, ['SUPPLIER_FILES', 'SUPPLIER_QUEUES']],
  ])('%s gets TABLE_NAME, FILES_BUCKET and %j', (entry, extra) => {
    const env = functionEnv(s.json, functionIdByEntry(s.json, entry));
    expect(env.TABLE_NAME).toEqual({ Ref: 'PipelineTable' });
    expect(renderIntrinsics(env.FILES_BUCKET)).toBe(DEV_BUCKET_NAME);
    for (const name of extra) expect(env[name], name).toBeDefined();
    expect(JSON.parse(renderIntrinsics(env.SUPPLIER_FILES))).toEqual([
      { supplierId: 'nordic-home', channel: 'sqs' },
      { supplierId: 'atlantic-outfitters', channel: 'file' },
      { supplierId: 'pacific-gadgets', channel: 'sqs' },
    ]);
  });

  it('feed-file reads only inventory inboxes and writes only reports and quarantine copies', () => {
    expect(s3Grants(SUPPLIER_FILE_ENTRIES.feedFile)).toEqual([
      ['<bucket>/quarantine/*', ['s3:PutObject']],
      ['<bucket>/suppliers/*/inbox/inventory/*', ['s3:GetObject', 's3:GetObjectVersion']],
      ['<bucket>/suppliers/*/outbox/reports/*', ['s3:PutObject']],
    ]);
  });

  it('message-file reads only tracking, acknowledgement, cancellation-answer and returns inboxes, writes reports and quarantine copies, sends only to inbound queues', () => {
    const fnId = functionIdByEntry(s.json, SUPPLIER_FILE_ENTRIES.messageFile);
    expect(s3Grants(SUPPLIER_FILE_ENTRIES.messageFile)).toEqual([
      ['<bucket>/quarantine/*', ['s3:PutObject']],
      ['<bucket>/suppliers/*/inbox/acknowledgements/*', ['s3:GetObject', 's3:GetObjectVersion']],
      ['<bucket>/suppliers/*/inbox/cancellation-answers/*', ['s3:GetObject', 's3:GetObjectVersion']],
      ['<bucket>/suppliers/*/inbox/returns/*', ['s3:GetObject', 's3:GetObjectVersion']],
      ['<bucket>/suppliers/*/inbox/tracking/*', ['s3:GetObject', 's3:GetObjectVersion']],
      ['<bucket>/suppliers/*/outbox/reports/*', ['s3:PutObject']],
    ]);
    const sendTo = roleStatements(s.json, roleOfFunction(s.json, fnId))
      .filter((st) => actionsOf(st).includes('sqs:SendMessage'))
      .flatMap((st) => arr(st.Resource).map(referencedId))
      .sort();
    expect(sendTo).toEqual([SUPPLIER_FILES_LOGICAL_IDS.eventsDlq, ...SUPPLIERS.map(supplierLogicalIds.inboundQueue)].sort());
  });

  it('message-file applies returns files with the stage return policy (RETURNS_CONFIG); create-return writes return requests to the outboxes', () => {
    expect(functionEnv(s.json, functionIdByEntry(s.json, SUPPLIER_FILE_ENTRIES.messageFile)).RETURNS_CONFIG).toBeDefined();
    expect(s3Grants('functions/api/create-return.ts')).toEqual([['<bucket>/suppliers/*/outbox/*', ['s3:PutObject']]]);
    expect(renderIntrinsics(functionEnv(s.json, functionIdByEntry(s.json, 'functions/api/create-return.ts')).FILES_BUCKET)).toBe(DEV_BUCKET_NAME);
  });

  it.each(Object.values(SUPPLIER_FILE_ENTRIES))('%s sends S3 events that failed two retries to SupplierFileEventsDlq', (entry) => {
    const fnId = functionIdByEntry(s.json, entry);
    expect(referencedId(rec(props(s.json.Resources[fnId] ?? { Type: '' }).DeadLetterConfig).TargetArn)).toBe(SUPPLIER_FILES_LOGICAL_IDS.eventsDlq);
    const config = resourcesOfType(s.json, 'AWS::Lambda::EventInvokeConfig').find(([, c]) => referencedId(props(c).FunctionName) === fnId);
    expect(props(config?.[1] ?? { Type: '' }).MaximumRetryAttempts).toBe(2);
  });

  it('dispatch, the cancellations and the inbound consumer may write supplier outboxes (PutObject only); no other workflow task touches S3', () => {
    const writers = [WORKFLOW_ENTRIES.dispatch, WORKFLOW_ENTRIES.cancelFulfillment, WORKFLOW_ENTRIES.cancelOrder, SUPPLIER_INBOUND_ENTRY];
    for (const entry of writers) {
      expect(s3Grants(entry), entry).toEqual([['<bucket>/suppliers/*/outbox/*', ['s3:PutObject']]]);
      expect(renderIntrinsics(functionEnv(s.json, functionIdByEntry(s.json, entry)).FILES_BUCKET), entry).toBe(DEV_BUCKET_NAME);
    }
    for (const entry of Object.values(WORKFLOW_ENTRIES).filter((e) => !writers.includes(e))) {
      expect(s3Grants(entry), entry).toEqual([]);
    }
  });

  it('no statement of the stack allows an S3 action with a wildcard, or deletes supplier files', () => {
    const s3Allows = policyStatements(s.json).filter((st) => st.Effect === 'Allow' && actionsOf(st).some((a) => a.startsWith('s3:')));
    expect(s3Allows.flatMap(actionsOf).filter((a) => a.includes('*') || a.startsWith('s3:Delete'))).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------- supplier isolation

/** A minimal IAM evaluation on rendered ARNs: explicit Deny wins, then an Allow must match (identity policy). */
function globMatches(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}
function statementMatches(st: Statement, action: string, resource: string): boolean {
  if (!actionsOf(st).includes(action)) return false;
  if (st.NotResource !== undefined) return !rendered(st.NotResource).some((r) => globMatches(r, resource));
  return rendered(st.Resource).some((r) => globMatches(r, resource));
}

describe('supplier isolation (dev with nordic-home and pacific-gadgets given AWS accounts)', () => {
  let withRoles: Synthesized;
  const roleId = (id: string): string => supplierLogicalIds.accessRole(id);

  beforeAll(() => {
    const context = readCdkJsonContext();
    const stages = rec(context.stages);
    const dev = rec(stages.dev);
    const accounts: Record<string, string> = { 'nordic-home': '111111111111', 'pacific-gadgets': '222222222222' };
    const suppliers = arr(dev.suppliers).map((x) => {
      const account = accounts[String(rec(x).id)];
      return account === undefined ? x : { ...rec(x), accountId: account };
    });
    withRoles = synthesize({ stage: 'dev', context: { stages: { ...stages, dev: { ...dev, suppliers } } } });
  });

  /** Whether the supplier's role may do `action` on `key` of the files bucket (identity Allow, no bucket-policy Deny). */
  const may = (supplier: string, action: string, key: string): boolean => {
    const resource = `${BUCKET_ARN}/${key}`;
    const denied = policyStatements(withRoles.json)
      .filter((st) => st.source.includes('AWS::S3::BucketPolicy') && st.Effect === 'Deny')
      .filter((st) => referencedId(rec(st.Principal).AWS) === roleId(supplier))
      .some((st) => statementMatches(st, action, resource));
    if (denied) return false;
    return roleStatements(withRoles.json, roleId(supplier)).some((st) => st.Effect === 'Allow' && statementMatches(st, action, resource));
  };

  it.each([
    ['nordic-home', 's3:PutObject', 'suppliers/nordic-home/inbox/inventory/feed.csv', true],
    ['nordic-home', 's3:PutObject', 'suppliers/nordic-home/inbox/tracking/2024-05-01.csv', true],
    ['nordic-home', 's3:PutObject', 'suppliers/pacific-gadgets/inbox/inventory/feed.csv', false],
    ['nordic-home', 's3:PutObject', 'suppliers/atlantic-outfitters/inbox/tracking/x.csv', false],
    ['nordic-home', 's3:PutObject', 'suppliers/nordic-home/outbox/reports/fake.report.json', false],
    ['nordic-home', 's3:PutObject', 'suppliers/nordic-home-eu/inbox/inventory/feed.csv', false],
    ['nordic-home', 's3:PutObject', 'quarantine/nordic-home/inventory/feed.csv', false],
    ['nordic-home', 's3:GetObject', 'suppliers/nordic-home/outbox/purchase-orders/f-1.csv', true],
    ['nordic-home', 's3:GetObject', 'suppliers/pacific-gadgets/outbox/purchase-orders/f-2.csv', false],
    ['nordic-home', 's3:GetObject', 'suppliers/nordic-home/inbox/inventory/feed.csv', false],
    ['nordic-home', 's3:DeleteObject', 'suppliers/nordic-home/inbox/inventory/feed.csv', false],
    ['pacific-gadgets', 's3:PutObject', 'suppliers/pacific-gadgets/inbox/acknowledgements/a.csv', true],
    ['pacific-gadgets', 's3:PutObject', 'suppliers/nordic-home/inbox/acknowledgements/a.csv', false],
    ['pacific-gadgets', 's3:PutObject', 'suppliers/pacific-gadgets/published/inventory.csv', false],
    ['pacific-gadgets', 's3:GetObject', 'suppliers/pacific-gadgets/outbox/packing-slips/f-3.pdf', true],
    ['pacific-gadgets', 's3:GetObject', 'suppliers/nordic-home/outbox/packing-slips/f-1.pdf', false],
  ] as const)('%s: %s %s → %s', (supplier, action, key, allowed) => {
    expect(may(supplier, action, key)).toBe(allowed);
  });

  it.each(['nordic-home', 'pacific-gadgets'])('%s role: exactly own-inbox PutObject, own-outbox GetObject and ListBucket under its own outbox (besides its queues)', (id) => {
    const grants = roleStatements(withRoles.json, roleId(id))
      .filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')))
      .map((st) => ({ actions: actionsOf(st), resources: rendered(st.Resource), condition: st.Condition }));
    expect(grants).toEqual([
      { actions: ['s3:PutObject'], resources: [`${BUCKET_ARN}/suppliers/${id}/inbox/*`], condition: undefined },
      { actions: ['s3:GetObject'], resources: [`${BUCKET_ARN}/suppliers/${id}/outbox/*`], condition: undefined },
      { actions: ['s3:ListBucket'], resources: [BUCKET_ARN], condition: { StringLike: { 's3:prefix': [`suppliers/${id}/outbox/`, `suppliers/${id}/outbox/*`] } } },
    ]);
  });

  it.each(['nordic-home', 'pacific-gadgets'])('the bucket policy denies %s every write outside its inbox and every read outside its outbox', (id) => {
    const denies = bucketPolicy(withRoles.json, BUCKET).filter((st) => st.Effect === 'Deny' && referencedId(rec(st.Principal).AWS) === roleId(id));
    expect(denies.map((st) => ({ actions: arr(st.Action).map(String).sort(), notResource: rendered(st.NotResource) }))).toEqual([
      { actions: [...SUPPLIER_DENIED_WRITE_ACTIONS].sort(), notResource: [`${BUCKET_ARN}/suppliers/${id}/inbox/*`] },
      { actions: [...SUPPLIER_DENIED_READ_ACTIONS].sort(), notResource: [`${BUCKET_ARN}/suppliers/${id}/outbox/*`] },
    ]);
  });

  it.each(['nordic-home', 'pacific-gadgets'])('the inbox of %s is an allow-list: PutObject denied to every principal but its own role', (id) => {
    const onlyOwn = bucketPolicy(withRoles.json, BUCKET).filter((st) => st.Effect === 'Deny' && JSON.stringify(st.Principal) === '{"AWS":"*"}' && rendered(st.Resource).includes(`${BUCKET_ARN}/suppliers/${id}/inbox/*`));
    expect(onlyOwn).toHaveLength(1);
    expect(onlyOwn[0]?.Action).toBe('s3:PutObject');
    expect(arr(rec(rec(onlyOwn[0]?.Condition).StringNotLike)['aws:userid']).map((v) => renderIntrinsics(v))).toEqual([`<${roleId(id)}.RoleId>:*`]);
  });

  it('a supplier without an access role (atlantic-outfitters) gets no inbox allow-list (operators and transfer jobs write its files)', () => {
    expect(bucketPolicy(withRoles.json, BUCKET).filter((st) => rendered(st.Resource).some((r) => r.includes('/suppliers/atlantic-outfitters/')))).toEqual([]);
  });

  it('the bucket policy allows nothing to anyone (access is through the roles)', () => {
    expect(bucketPolicy(withRoles.json, BUCKET).filter((st) => st.Effect === 'Allow')).toEqual([]);
  });

  it('SUPPLIER_FILES names each supplier role by its RoleId (the handlers refuse a file written by another supplier\'s role)', () => {
    const env = functionEnv(withRoles.json, functionIdByEntry(withRoles.json, SUPPLIER_FILE_ENTRIES.feedFile));
    expect(JSON.parse(renderIntrinsics(env.SUPPLIER_FILES))).toEqual([
      { supplierId: 'nordic-home', channel: 'sqs', roleId: `<${roleId('nordic-home')}.RoleId>` },
      { supplierId: 'atlantic-outfitters', channel: 'file' },
      { supplierId: 'pacific-gadgets', channel: 'sqs', roleId: `<${roleId('pacific-gadgets')}.RoleId>` },
    ]);
  });

  it('adds no cdk-nag finding', () => {
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      expect(pack.validateScope(withRoles.app).violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    }
  });
});
