/** Routing step 2: the search for the best allocation of lines to suppliers by the rule order (routing.ts). Pure. */
import type { RoutingConfig, RoutingLine, SupplierOption } from './routing-rules';

// ---------------------------------------------------------------------------------------------
// Allocation search
// ---------------------------------------------------------------------------------------------

export interface Cand {
  readonly supplierId: string;
  readonly option: SupplierOption;
  readonly stockKey: string;
}

export interface Part {
  readonly lineIdx: number;
  readonly cand: Cand;
  readonly quantity: number;
}

interface Evaluated {
  readonly parts: readonly Part[];
  readonly used: readonly string[];
  readonly count: number;
  readonly landed: number;
  readonly priority: number;
  readonly key: string;
}

export interface Problem {
  readonly lines: readonly RoutingLine[];
  readonly cands: readonly (readonly Cand[])[];
  readonly stock: ReadonlyMap<string, number>;
  readonly shippingCost: ReadonlyMap<string, number>;
  readonly priority: ReadonlyMap<string, number>;
  readonly config: RoutingConfig;
}

export function perLineCompare(config: RoutingConfig, quantity: number) {
  return (a: Cand, b: Cand): number => {
    for (const rule of config.ruleOrder) {
      if (rule === 'LOWEST_LANDED_COST') {
        const d = a.option.unitCostMinor * quantity - b.option.unitCostMinor * quantity;
        if (d !== 0) return d;
      } else if (rule === 'SUPPLIER_PRIORITY') {
        const d = a.option.priority - b.option.priority;
        if (d !== 0) return d;
      }
    }
    return a.supplierId < b.supplierId ? -1 : a.supplierId > b.supplierId ? 1 : 0;
  };
}

/**
 * Allocate every line within `allowed` (all suppliers when undefined). Strict: return undefined if a
 * line cannot be served. Lenient: skip such lines (their indexes go to `failed`) without consuming stock.
 */
export function allocateWithin(problem: Problem, allowed: ReadonlySet<string> | undefined, failed?: number[]): Part[] | undefined {
  const remaining = new Map(problem.stock);
  const parts: Part[] = [];
  for (let i = 0; i < problem.lines.length; i += 1) {
    const line = problem.lines[i];
    const cands = problem.cands[i];
    if (line === undefined || cands === undefined) continue;
    const usable = allowed === undefined ? cands : cands.filter((c) => allowed.has(c.supplierId));
    const whole = usable.find((c) => (remaining.get(c.stockKey) ?? 0) >= line.quantity);
    if (whole !== undefined) {
      remaining.set(whole.stockKey, (remaining.get(whole.stockKey) ?? 0) - line.quantity);
      parts.push({ lineIdx: i, cand: whole, quantity: line.quantity });
      continue;
    }
    let served = false;
    if (problem.config.splitLines) {
      let need = line.quantity;
      const taken: Part[] = [];
      for (const c of usable) {
        if (need === 0) break;
        const q = Math.min(need, remaining.get(c.stockKey) ?? 0);
        if (q > 0) {
          taken.push({ lineIdx: i, cand: c, quantity: q });
          need -= q;
        }
      }
      if (need === 0) {
        for (const t of taken) remaining.set(t.cand.stockKey, (remaining.get(t.cand.stockKey) ?? 0) - t.quantity);
        parts.push(...taken);
        served = true;
      }
    }
    if (!served) {
      if (failed === undefined) return undefined;
      failed.push(i);
    }
  }
  return parts;
}

function score(problem: Problem, parts: readonly Part[]): Evaluated {
  const used = [...new Set(parts.map((p) => p.cand.supplierId))].sort();
  let landed = 0;
  let priority = 0;
  for (const p of parts) {
    landed += p.cand.option.unitCostMinor * p.quantity;
    priority += p.cand.option.priority;
  }
  for (const s of used) landed += problem.shippingCost.get(s) ?? 0;
  return { parts, used, count: used.length, landed, priority, key: used.join('\u0000') };
}

function better(config: RoutingConfig, a: Evaluated, b: Evaluated | undefined): boolean {
  if (b === undefined) return true;
  for (const rule of config.ruleOrder) {
    const d =
      rule === 'SINGLE_SHIPMENT' ? a.count - b.count : rule === 'LOWEST_LANDED_COST' ? a.landed - b.landed : a.priority - b.priority;
    if (d !== 0) return d < 0;
  }
  return a.key < b.key;
}

function evaluateSet(problem: Problem, allowed: ReadonlySet<string>): Evaluated | undefined {
  const parts = allocateWithin(problem, allowed);
  return parts === undefined ? undefined : score(problem, parts);
}

function greedyCover(problem: Problem, suppliers: readonly string[]): Set<string> {
  const uncovered = new Set(problem.lines.map((_, i) => i));
  const chosen = new Set<string>();
  const wholeBy = new Map<string, number[]>();
  for (const s of suppliers) wholeBy.set(s, []);
  problem.cands.forEach((cands, i) => {
    const q = problem.lines[i]?.quantity ?? 0;
    for (const c of cands) if ((problem.stock.get(c.stockKey) ?? 0) >= q) wholeBy.get(c.supplierId)?.push(i);
  });
  for (;;) {
    let best: { s: string; n: number; cost: number; prio: number } | undefined;
    for (const s of suppliers) {
      if (chosen.has(s)) continue;
      const covers = (wholeBy.get(s) ?? []).filter((i) => uncovered.has(i));
      if (covers.length === 0) continue;
      let cost = problem.shippingCost.get(s) ?? 0;
      for (const i of covers) {
        const c = problem.cands[i]?.find((x) => x.supplierId === s);
        cost += (c?.option.unitCostMinor ?? 0) * (problem.lines[i]?.quantity ?? 0);
      }
      const prio = problem.priority.get(s) ?? 0;
      const cand = { s, n: covers.length, cost, prio };
      const key = (x: typeof cand): number[] =>
        problem.config.ruleOrder.map((r) => (r === 'SINGLE_SHIPMENT' ? -x.n : r === 'LOWEST_LANDED_COST' ? x.cost / x.n : x.prio));
      if (best === undefined) {
        best = cand;
        continue;
      }
      const ka = key(cand);
      const kb = key(best);
      let d = 0;
      for (let k = 0; k < ka.length && d === 0; k += 1) d = (ka[k] ?? 0) - (kb[k] ?? 0);
      if (d < 0 || (d === 0 && cand.n > best.n) || (d === 0 && cand.n === best.n && s < best.s)) best = cand;
    }
    if (best === undefined) break;
    chosen.add(best.s);
    for (const i of wholeBy.get(best.s) ?? []) uncovered.delete(i);
  }
  // Lines nobody can take whole (split lines) may use any of their suppliers.
  for (const i of uncovered) for (const c of problem.cands[i] ?? []) chosen.add(c.supplierId);
  return chosen;
}

export function search(problem: Problem): { best: Evaluated; mode: 'exact' | 'heuristic' } | undefined {
  const suppliers = [...new Set(problem.cands.flatMap((cs) => cs.map((c) => c.supplierId)))].sort();
  if (problem.lines.length === 0) return undefined;
  let best: Evaluated | undefined;
  const consider = (set: ReadonlySet<string>): void => {
    const e = evaluateSet(problem, set);
    if (e !== undefined && better(problem.config, e, best)) best = e;
  };
  if (suppliers.length <= problem.config.exactSearchMaxSuppliers) {
    const n = suppliers.length;
    for (let mask = 1; mask < 1 << n; mask += 1) {
      const set = new Set<string>();
      for (let b = 0; b < n; b += 1) if (mask & (1 << b)) set.add(suppliers[b] as string);
      consider(set);
    }
    return best === undefined ? undefined : { best, mode: 'exact' };
  }
  for (const s of suppliers) consider(new Set([s]));
  consider(greedyCover(problem, suppliers));
  consider(new Set(suppliers));
  // Local improvement: drop one supplier at a time while it helps.
  for (let improved = true; improved && best !== undefined; ) {
    improved = false;
    const current: Evaluated = best;
    for (const s of current.used) {
      const e = evaluateSet(problem, new Set(current.used.filter((x) => x !== s)));
      if (e !== undefined && better(problem.config, e, best)) {
        best = e;
        improved = true;
      }
    }
  }
  return best === undefined ? undefined : { best, mode: 'heuristic' };
}
