/** Markdown rendering of zod schemas (field tables and sections) shared by the generated message and event contracts. */
import * as z from 'zod';

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; items?: JsonSchema; enum?: unknown[]; const?: unknown; format?: string; pattern?: string; description?: string; minimum?: number; maximum?: number; minItems?: number; maxItems?: number; minLength?: number; maxLength?: number; anyOf?: JsonSchema[]; oneOf?: JsonSchema[] };

export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema & { $schema?: string };
  return rest;
}

function typeText(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum !== undefined) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.anyOf !== undefined && s.type === undefined) return s.anyOf.map((branch) => typeText(branch)).join(' \\| ');
  if (s.type === 'array') return `array of ${s.items === undefined ? 'any' : s.items.type === 'object' ? 'objects' : typeText(s.items)}`;
  const base = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  const bits: string[] = [];
  if (s.format !== undefined) bits.push(s.format);
  if (s.minLength !== undefined || s.maxLength !== undefined) bits.push(`${s.minLength ?? 0}-${s.maxLength ?? '∞'} chars`);
  const max = s.maximum === Number.MAX_SAFE_INTEGER ? undefined : s.maximum;
  if (s.minimum !== undefined && max === undefined) bits.push(`≥ ${s.minimum}`);
  else if (max !== undefined) bits.push(`${s.minimum ?? '-∞'}..${max}`);
  if (s.minItems !== undefined || s.maxItems !== undefined) bits.push(`${s.minItems ?? 0}-${s.maxItems ?? '∞'} items`);
  return bits.length === 0 ? base : `${base} (${bits.join(', ')})`;
}

export function fieldRows(s: JsonSchema, prefix = ''): string[] {
  const rows: string[] = [];
  const required = new Set(s.required ?? []);
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    const path = `${prefix}${name}`;
    const description = (prop.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    rows.push(`| \`${path}\` | ${typeText(prop)} | ${required.has(name) ? 'yes' : 'no'} | ${description} |`);
    if (prop.type === 'object') rows.push(...fieldRows(prop, `${path}.`));
    if (prop.type === 'array' && prop.items?.type === 'object') rows.push(...fieldRows(prop.items, `${path}[].`));
  }
  return rows;
}

export function messageSection(title: string, schema: z.ZodType, example: Record<string, unknown>, io: 'input' | 'output'): string {
  const json = jsonSchemaOf(schema, io);
  return [
    `### ${title}`,
    '',
    json.description ?? '',
    '',
    '| field | type | required | description |',
    '|---|---|---|---|',
    ...fieldRows(json),
    '',
    '```json',
    JSON.stringify(example, null, 2),
    '```',
    '',
  ].join('\n');
}
