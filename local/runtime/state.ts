/**
 * `<dataDir>/state.json`: local credentials generated once and kept across restarts, so that API keys
 * and webhook secrets stay stable for scripts, Postman collections and storefront test setups.
 *
 *   { "version": 1, "apiKeys": { "<logicalId>": { "id": "...", "value": "..." } },
 *     "secrets": { "<logicalId>": "<secret string>" }, "seededAt": "..." }
 */
import { randomInt } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiKeySpec } from '../template/apis';
import type { SecretGenerateSpec, SecretSpec } from '../template/secrets';
import { isRecord } from '../../functions/core/kernel/guards';

export interface LocalState {
  version: 1;
  apiKeys: Record<string, { id: string; value: string }>;
  secrets: Record<string, string>;
  seededAt?: string;
}

const ALNUM_LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function statePath(dataDir: string): string {
  return path.join(dataDir, 'state.json');
}


export async function loadState(dataDir: string): Promise<LocalState> {
  const empty: LocalState = { version: 1, apiKeys: {}, secrets: {} };
  let text: string;
  try {
    text = await readFile(statePath(dataDir), 'utf8');
  } catch {
    return empty;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${statePath(dataDir)} is not valid JSON: fix or delete it (npm run reset -- --all)`);
  }
  if (!isRecord(raw)) return empty;
  const apiKeys: LocalState['apiKeys'] = {};
  if (isRecord(raw['apiKeys'])) {
    for (const [id, key] of Object.entries(raw['apiKeys'])) {
      if (isRecord(key) && typeof key['id'] === 'string' && typeof key['value'] === 'string') {
        apiKeys[id] = { id: key['id'], value: key['value'] };
      }
    }
  }
  const secrets: LocalState['secrets'] = {};
  if (isRecord(raw['secrets'])) {
    for (const [id, value] of Object.entries(raw['secrets'])) if (typeof value === 'string') secrets[id] = value;
  }
  return {
    version: 1,
    apiKeys,
    secrets,
    ...(typeof raw['seededAt'] === 'string' ? { seededAt: raw['seededAt'] } : {}),
  };
}

export async function saveState(dataDir: string, state: LocalState): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const file = statePath(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

/** Give every ApiKey of the template a local id and value (API Gateway style: 10-char id, 40-char value). */
export function ensureApiKeys(state: LocalState, keys: readonly ApiKeySpec[]): boolean {
  let changed = false;
  for (const key of keys) {
    const existing = state.apiKeys[key.logicalId];
    if (existing !== undefined && (key.value === undefined || existing.value === key.value)) continue;
    state.apiKeys[key.logicalId] = {
      id: existing?.id ?? randomString(ALNUM_LOWER, 10),
      value: key.value ?? randomString(ALNUM, 40),
    };
    changed = true;
  }
  return changed;
}

/** Secrets Manager GetRandomPassword-like generation honouring the template's GenerateSecretString. */
export function generatePassword(spec: SecretGenerateSpec): string {
  const punctuation = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
  const groups: string[] = [];
  if (!spec.excludeUppercase) groups.push('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  if (!spec.excludeLowercase) groups.push('abcdefghijklmnopqrstuvwxyz');
  if (!spec.excludeNumbers) groups.push('0123456789');
  if (!spec.excludePunctuation) groups.push(punctuation);
  if (spec.includeSpace) groups.push(' ');
  const allowed = groups
    .map((g) => [...g].filter((c) => !spec.excludeCharacters.includes(c)).join(''))
    .filter((g) => g.length > 0);
  const alphabet = allowed.join('');
  if (alphabet.length === 0) throw new Error('GenerateSecretString excludes every character');
  return randomString(alphabet, Math.max(1, spec.passwordLength));
}

function initialSecretValue(secret: SecretSpec): string {
  if (secret.secretString !== undefined) return secret.secretString;
  const spec: SecretGenerateSpec = secret.generate ?? {
    passwordLength: 32,
    excludeCharacters: '',
    excludePunctuation: false,
    excludeUppercase: false,
    excludeLowercase: false,
    excludeNumbers: false,
    includeSpace: false,
  };
  const generated = generatePassword(spec);
  if (spec.secretStringTemplate !== undefined && spec.generateStringKey !== undefined) {
    const base: unknown = JSON.parse(spec.secretStringTemplate);
    return JSON.stringify({ ...(isRecord(base) ? base : {}), [spec.generateStringKey]: generated });
  }
  return generated;
}

/** Give every secret of the template a local value, once. */
export function ensureSecrets(state: LocalState, secrets: readonly SecretSpec[]): boolean {
  let changed = false;
  for (const secret of secrets) {
    if (state.secrets[secret.logicalId] !== undefined) continue;
    state.secrets[secret.logicalId] = initialSecretValue(secret);
    changed = true;
  }
  return changed;
}
