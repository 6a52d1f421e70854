import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (the folder holding cdk.json and package-lock.json). */
export const REPO_ROOT: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Resolve a repo-relative path (always written with "/") to an absolute one. */
export function fromRepoRoot(relativePath: string): string {
  return path.join(REPO_ROOT, ...relativePath.split('/'));
}

/** Whether a repo-relative file exists. */
export function repoFileExists(relativePath: string): boolean {
  return existsSync(fromRepoRoot(relativePath));
}
