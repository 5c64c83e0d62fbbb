/** Compressed adjacency: the neighbours of node i are `targets[offsets[i] .. offsets[i + 1])`. */
export interface Adjacency {
  offsets: Uint32Array;
  targets: Uint32Array;
}

/**
 * Strongly connected components of the nodes marked in `within` (iterative Tarjan, so deep graphs
 * cannot overflow the stack). Returns only components of two or more nodes, each sorted ascending,
 * ordered by their smallest node.
 */
export function nonTrivialComponents(graph: Adjacency, within: Uint8Array): Uint32Array[] {
  const n = within.length;
  const UNSEEN = 0xffffffff;
  const order = new Uint32Array(n).fill(UNSEEN);
  const low = new Uint32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Uint32Array(n);
  const callNode = new Uint32Array(n);
  const callEdge = new Uint32Array(n);
  let stackTop = 0;
  let counter = 0;
  const components: Uint32Array[] = [];

  for (let root = 0; root < n; root++) {
    if (!within[root] || order[root] !== UNSEEN) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = graph.offsets[root]!;
    order[root] = low[root] = counter++;
    stack[stackTop++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth]!;
      const edge = callEdge[depth]!;
      if (edge < graph.offsets[v + 1]!) {
        callEdge[depth] = edge + 1;
        const w = graph.targets[edge]!;
        if (!within[w]) continue;
        if (order[w] === UNSEEN) {
          order[w] = low[w] = counter++;
          stack[stackTop++] = w;
          onStack[w] = 1;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = graph.offsets[w]!;
        } else if (onStack[w] && order[w]! < low[v]!) {
          low[v] = order[w]!;
        }
        continue;
      }
      if (low[v] === order[v]) {
        let size = 0;
        while (stack[stackTop - 1 - size] !== v) size++;
        size++;
        const members = stack.slice(stackTop - size, stackTop);
        for (const member of members) onStack[member] = 0;
        stackTop -= size;
        if (size > 1) components.push(members.sort());
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
    }
  }
  return components.sort((a, b) => a[0]! - b[0]!);
}

/**
 * A shortest closed path through `component` that starts and ends at its smallest node, following
 * `graph` edges (breadth-first, neighbours in ascending order, so the choice is deterministic).
 */
export function closedPath(graph: Adjacency, component: Uint32Array): number[] {
  const start = component[0]!;
  const member = new Set(component);
  const parent = new Map<number, number>();
  const queue: number[] = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (let e = graph.offsets[v]!; e < graph.offsets[v + 1]!; e++) {
      const w = graph.targets[e]!;
      if (!member.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = parent.get(at)!) path.push(at);
        path.push(start);
        // path is start, v, parent(v), …: reversed order of discovery; flip the middle back.
        return [start, ...path.slice(1, -1).reverse(), start];
      }
      if (!parent.has(w) && w !== start) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  /* c8 ignore next 2 -- a strongly connected component of 2+ nodes always has a cycle through any member */
  throw new Error("[graph] internal: component without a cycle");
}
