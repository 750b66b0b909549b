/**
 * The one-to-one assignment of rows to columns with the largest total value (the Hungarian
 * method with potentials, O(rows² × columns)), as scipy's linear_sum_assignment finds it for
 * davis2017-evaluation's unsupervised protocol. Needs rows ≤ columns; every row is assigned.
 * @param values `values[row][column]`, every row of the same length
 * @returns for each row, its column
 */
export function assignOptimally(values: number[][]): number[] {
  const rows = values.length;
  if (rows === 0) return [];
  const columns = values[0].length;
  if (columns < rows) throw new RangeError(`assignOptimally needs at least as many columns (${columns}) as rows (${rows})`);
  // Minimises cost = -value; arrays are 1-based with index 0 a free slot, as the method is usually written.
  const rowPotential = new Float64Array(rows + 1);
  const columnPotential = new Float64Array(columns + 1);
  const rowOfColumn = new Int32Array(columns + 1);
  const way = new Int32Array(columns + 1);
  for (let row = 1; row <= rows; row++) {
    rowOfColumn[0] = row;
    let column0 = 0;
    const slack = new Float64Array(columns + 1).fill(Infinity);
    const used = new Uint8Array(columns + 1);
    do {
      used[column0] = 1;
      const row0 = rowOfColumn[column0];
      let delta = Infinity;
      let column1 = 0;
      for (let column = 1; column <= columns; column++) {
        if (used[column]) continue;
        const reduced = -values[row0 - 1][column - 1] - rowPotential[row0] - columnPotential[column];
        if (reduced < slack[column]) [slack[column], way[column]] = [reduced, column0];
        if (slack[column] < delta) [delta, column1] = [slack[column], column];
      }
      for (let column = 0; column <= columns; column++) {
        if (used[column]) {
          rowPotential[rowOfColumn[column]] += delta;
          columnPotential[column] -= delta;
        } else {
          slack[column] -= delta;
        }
      }
      column0 = column1;
    } while (rowOfColumn[column0] !== 0);
    do {
      const column1 = way[column0];
      rowOfColumn[column0] = rowOfColumn[column1];
      column0 = column1;
    } while (column0 !== 0);
  }
  const columnOfRow = new Array<number>(rows).fill(-1);
  for (let column = 1; column <= columns; column++) if (rowOfColumn[column] > 0) columnOfRow[rowOfColumn[column] - 1] = column - 1;
  return columnOfRow;
}
