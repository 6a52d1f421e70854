/**
 * A small layered layout of an Amazon States Language definition, for the workflow graph: states in rows
 * by their breadth-first distance from StartAt, edges from Next / Default / Choices / Catch (a Parallel or
 * Map state is one box). Pure: no DOM; graph.tsx draws it as SVG.
 */
export interface LayoutNode {
  readonly id: string;
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}
export interface LayoutEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'next' | 'choice' | 'catch';
}
export interface Layout {
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
  readonly width: number;
  readonly height: number;
}

const NODE_W = 170;
const NODE_H = 34;
const GAP_X = 24;
const GAP_Y = 40;
const MARGIN = 16;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function targets(state: Record<string, unknown>): LayoutEdge[] {
  const out: { to: unknown; kind: LayoutEdge['kind'] }[] = [{ to: state['Next'], kind: 'next' }, { to: state['Default'], kind: 'choice' }];
  for (const c of Array.isArray(state['Choices']) ? state['Choices'] : []) out.push({ to: record(c)?.['Next'], kind: 'choice' });
  for (const c of Array.isArray(state['Catch']) ? state['Catch'] : []) out.push({ to: record(c)?.['Next'], kind: 'catch' });
  return out.filter((e): e is { to: string; kind: LayoutEdge['kind'] } => typeof e.to === 'string').map((e) => ({ from: '', to: e.to, kind: e.kind }));
}

/** Layout of `definition` (an ASL object, or its JSON string); an empty layout when it is not ASL. */
export function layoutAsl(definition: unknown): Layout {
  const def = record(typeof definition === 'string' ? safeJson(definition) : definition);
  const states = record(def?.['States']);
  const start = def?.['StartAt'];
  if (states === undefined || typeof start !== 'string') return { nodes: [], edges: [], width: 0, height: 0 };
  const edges: LayoutEdge[] = [];
  for (const [name, raw] of Object.entries(states)) {
    const state = record(raw);
    if (state === undefined) continue;
    for (const e of targets(state)) if (e.to in states && !edges.some((x) => x.from === name && x.to === e.to)) edges.push({ ...e, from: name });
  }
  // Rows: breadth-first distance from StartAt; states not reachable go into a last row.
  const depth = new Map<string, number>([[start, 0]]);
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift() as string;
    for (const e of edges) {
      if (e.from === at && !depth.has(e.to)) {
        depth.set(e.to, (depth.get(at) ?? 0) + 1);
        queue.push(e.to);
      }
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  for (const name of Object.keys(states)) if (!depth.has(name)) depth.set(name, maxDepth + 1);
  const rows = new Map<number, string[]>();
  for (const name of Object.keys(states)) {
    const d = depth.get(name) ?? 0;
    rows.set(d, [...(rows.get(d) ?? []), name]);
  }
  const widest = Math.max(1, ...[...rows.values()].map((r) => r.length));
  const width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X;
  const nodes: LayoutNode[] = [];
  for (const [d, names] of [...rows.entries()].sort(([a], [b]) => a - b)) {
    const rowWidth = names.length * NODE_W + (names.length - 1) * GAP_X;
    names.forEach((id, i) => {
      const type = record(states[id])?.['Type'];
      nodes.push({ id, type: typeof type === 'string' ? type : 'Task', x: (width - rowWidth) / 2 + i * (NODE_W + GAP_X), y: MARGIN + d * (NODE_H + GAP_Y), w: NODE_W, h: NODE_H });
    });
  }
  const height = MARGIN * 2 + rows.size * NODE_H + (rows.size - 1) * GAP_Y;
  return { nodes, edges, width, height };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
