/**
 * A binary min-heap of integers (plan ranks), so "the first ready node in plan order" is O(log n).
 * Entries may go stale (a node blocked while ready); callers skip them when popping.
 */
export class RankHeap {
  #items: number[] = [];

  push(rank: number): void {
    const items = this.#items;
    let i = items.push(rank) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= rank) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = rank;
  }

  pop(): number | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= items.length) break;
        const right = left + 1;
        const child = right < items.length && items[right]! < items[left]! ? right : left;
        if (items[child]! >= last) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}
