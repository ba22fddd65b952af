/**
 * Minimum-cost assignment of every row of a dense `rows × cols` cost matrix (rows ≤ cols, row-major)
 * to a distinct column, by shortest augmenting paths (Jonker–Volgenant style, as Crouse 2016 and
 * scipy's `linear_sum_assignment`). Costs must be finite. Returns the column of each row.
 */
export function linearSumAssignment(cost: Float64Array, rows: number, cols: number): Int32Array {
  if (rows > cols) throw new RangeError('linearSumAssignment needs rows <= cols; transpose the matrix');
  const u = new Float64Array(rows);
  const v = new Float64Array(cols);
  const shortest = new Float64Array(cols);
  const path = new Int32Array(cols).fill(-1);
  const col4row = new Int32Array(rows).fill(-1);
  const row4col = new Int32Array(cols).fill(-1);
  const visitedRow = new Uint8Array(rows);
  const visitedCol = new Uint8Array(cols);
  const remaining = new Int32Array(cols);

  for (let current = 0; current < rows; current++) {
    let minVal = 0;
    let i = current;
    let left = cols;
    for (let k = 0; k < cols; k++) remaining[k] = cols - k - 1;
    visitedRow.fill(0);
    visitedCol.fill(0);
    shortest.fill(Number.POSITIVE_INFINITY);
    let sink = -1;
    while (sink === -1) {
      let index = -1;
      let lowest = Number.POSITIVE_INFINITY;
      visitedRow[i] = 1;
      const base = i * cols;
      const ui = u[i] as number;
      for (let k = 0; k < left; k++) {
        const j = remaining[k] as number;
        const r = minVal + (cost[base + j] as number) - ui - (v[j] as number);
        if (r < (shortest[j] as number)) {
          path[j] = i;
          shortest[j] = r;
        }
        const s = shortest[j] as number;
        if (s < lowest || (s === lowest && row4col[j] === -1)) {
          lowest = s;
          index = k;
        }
      }
      minVal = lowest;
      if (index === -1 || !Number.isFinite(minVal))
        throw new RangeError('linearSumAssignment: infeasible cost matrix');
      const j = remaining[index] as number;
      if (row4col[j] === -1) sink = j;
      else i = row4col[j] as number;
      visitedCol[j] = 1;
      remaining[index] = remaining[--left] as number;
    }
    u[current] = (u[current] as number) + minVal;
    for (let r = 0; r < rows; r++) {
      if (visitedRow[r] && r !== current)
        u[r] = (u[r] as number) + minVal - (shortest[col4row[r] as number] as number);
    }
    for (let c = 0; c < cols; c++) {
      if (visitedCol[c]) v[c] = (v[c] as number) - (minVal - (shortest[c] as number));
    }
    let j = sink;
    for (;;) {
      const r = path[j] as number;
      row4col[j] = r;
      const previous = col4row[r] as number;
      col4row[r] = j;
      j = previous;
      if (r === current) break;
    }
  }
  return col4row;
}
