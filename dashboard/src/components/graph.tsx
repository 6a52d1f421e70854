/** The workflow graph: the ASL definition laid out (asl-layout.ts) as SVG, visited and current states marked. */
import { layoutAsl } from '../asl-layout';

export function WorkflowGraph(props: { definition: unknown; visited: readonly string[]; current?: string | undefined; failed: readonly string[] }) {
  const layout = layoutAsl(props.definition);
  if (layout.nodes.length === 0) return <p class="muted">No state machine definition.</p>;
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  const visited = new Set(props.visited);
  const failed = new Set(props.failed);
  return (
    <svg class="graph" viewBox={`0 0 ${layout.width} ${layout.height}`} width={layout.width} height={layout.height} role="img" aria-label="Workflow graph">
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#8a94a6" />
        </marker>
      </defs>
      {layout.edges.map((e) => {
        const a = at.get(e.from);
        const b = at.get(e.to);
        if (a === undefined || b === undefined) return null;
        const x1 = a.x + a.w / 2;
        const x2 = b.x + b.w / 2;
        const down = b.y > a.y;
        const y1 = down ? a.y + a.h : a.y;
        const y2 = down ? b.y : b.y + b.h;
        const bend = down ? 0 : 60; // a loop back upwards curves out to the side
        const d = `M ${x1} ${y1} C ${x1 + bend} ${y1 + (down ? 20 : -20)}, ${x2 + bend} ${y2 + (down ? -20 : 20)}, ${x2} ${y2}`;
        const walked = visited.has(e.from) && visited.has(e.to);
        return <path key={`${e.from}>${e.to}`} d={d} class={`edge ${e.kind}${walked ? ' walked' : ''}`} marker-end="url(#arrow)" />;
      })}
      {layout.nodes.map((n) => {
        const cls = ['node', n.type.toLowerCase(), visited.has(n.id) ? 'visited' : '', failed.has(n.id) ? 'failed' : '', props.current === n.id ? 'current' : ''].join(' ');
        return (
          <g key={n.id} class={cls} data-state={n.id}>
            <rect x={n.x} y={n.y} width={n.w} height={n.h} rx={n.type === 'Choice' ? 16 : 6} />
            <text x={n.x + n.w / 2} y={n.y + n.h / 2 + 4} text-anchor="middle">
              {n.id.length > 24 ? `${n.id.slice(0, 22)}…` : n.id}
            </text>
            <title>{`${n.id} (${n.type})${props.current === n.id ? ' – current' : visited.has(n.id) ? ' – visited' : ''}`}</title>
          </g>
        );
      })}
    </svg>
  );
}
