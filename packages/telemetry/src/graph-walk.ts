/** A dependency of a node with the value already computed for it. */
export interface DependencyValue<T> {
  id: string;
  value: T;
}

/**
 * Computes `compute(id, dependencies)` for every id, each dependency first, with an explicit stack
 * instead of recursion: a run's plan may be a chain of 200,000 nodes, far deeper than the call
 * stack. Dependencies are visited in the order `depsOf` gives; unknown ids (`depsOf` returns
 * undefined) are skipped, and so is a dependency still being computed, which cuts a cycle (a valid
 * plan has none) where it closes.
 */
export function foldDependencies<T>(
  ids: Iterable<string>,
  depsOf: (id: string) => readonly string[] | undefined,
  compute: (id: string, dependencies: DependencyValue<T>[]) => T,
): Map<string, T> {
  const values = new Map<string, T>();
  const open = new Set<string>();
  interface Frame {
    id: string;
    deps: readonly string[];
    next: number;
    done: DependencyValue<T>[];
  }
  const stack: Frame[] = [];
  const enter = (id: string, deps: readonly string[]): void => {
    open.add(id);
    stack.push({ id, deps, next: 0, done: [] });
  };
  for (const root of ids) {
    if (values.has(root)) continue;
    const rootDeps = depsOf(root);
    if (rootDeps === undefined) continue;
    enter(root, rootDeps);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      let descended = false;
      while (frame.next < frame.deps.length) {
        const dep = frame.deps[frame.next]!;
        if (values.has(dep)) {
          frame.done.push({ id: dep, value: values.get(dep) as T });
        } else if (!open.has(dep)) {
          const deps = depsOf(dep);
          if (deps !== undefined) {
            enter(dep, deps); // the frame resumes at this same dependency once it is computed
            descended = true;
            break;
          }
        }
        frame.next += 1;
      }
      if (descended) continue;
      stack.pop();
      open.delete(frame.id);
      values.set(frame.id, compute(frame.id, frame.done));
    }
  }
  return values;
}
