/**
 * lib/synth.ts: the in-process, bundling-free synthesis the local runtime builds its world from.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../lib/paths';
import { StageConfigError } from '../../lib/stage-config';
import { synthesizeTemplate } from '../../lib/synth';
import { rec } from './support';

const run = promisify(execFile);

describe('synthesizeTemplate', () => {
  it('returns the dev stack and its template by default', async () => {
    const { stackName, template } = await synthesizeTemplate();
    expect(stackName).toBe('DropshipPipeline-dev');
    const resources = rec(template.Resources);
    expect(rec(resources.PipelineTable).Type).toBe('AWS::DynamoDB::Table');
    const fn = Object.values(resources).map(rec).find((r) => r.Type === 'AWS::Lambda::Function');
    expect(rec(fn?.Metadata)['dropship:entry']).toMatch(/^functions\/[a-z]+\/[a-z-]+\.ts$/);
  });

  it('selects another stage', async () => {
    const { stackName, template } = await synthesizeTemplate({ stage: 'prod' });
    expect(stackName).toBe('DropshipPipeline-prod');
    expect(rec(rec(template.Resources).PipelineTable).DeletionPolicy).toBe('Retain');
  });

  it('writes the cloud assembly where asked and leaves it there', async () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'dropship-synth-test-'));
    const { stackName, template } = await synthesizeTemplate({ outdir });
    const file = path.join(outdir, `${stackName}.template.json`);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(template);
  });

  it('rejects an unknown stage with a clear error', async () => {
    await expect(synthesizeTemplate({ stage: 'staging' })).rejects.toThrow(StageConfigError);
  });

  it('works from a plain tsx script (outside vitest)', async () => {
    const { stdout } = await run(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['test/infra/fixtures/synth-summary.ts', 'prod'], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    const summary = rec(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}'));
    expect(summary.stackName).toBe('DropshipPipeline-prod');
    expect(summary.resources).toBeGreaterThan(40);
  }, 70_000);
});
