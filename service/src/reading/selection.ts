/**
 * A hyperslab of a dataset as users give it: `start` and `count` along the leading dimensions
 * (missing ones: from 0, to the end). Checked against the shape so that a bad slice is an
 * out_of_range error naming the dimension, not an HDF5 failure.
 */
import { SaverError } from "../errors.ts";

export interface Selection {
  /** Whether a slice was asked for at all. */
  readonly sliced: boolean;
  /** First index along every dimension of the dataset. */
  readonly start: number[];
  /** Values along every dimension of the dataset: the shape of what is read. */
  readonly count: number[];
}

export function selectionOf(
  node: string,
  shape: readonly number[],
  start: readonly number[] | undefined,
  count: readonly number[] | undefined,
): Selection {
  const given = Math.max(start?.length ?? 0, count?.length ?? 0);
  if (given > shape.length) {
    throw new SaverError(
      "out_of_range",
      `'${node}' has ${shape.length} dimension(s) [${shape.join(", ")}]; the slice names ${given}`,
      { node },
    );
  }
  const first: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const extent = shape[i] ?? 0;
    const s = start?.[i] ?? 0;
    const c = count?.[i] ?? extent - s;
    if (s > extent || s + c > extent) {
      throw new SaverError(
        "out_of_range",
        `dimension ${i} of '${node}' has ${extent} values; start ${s} count ${c} goes past it`,
        { node },
      );
    }
    first.push(s);
    counts.push(c);
  }
  return { sliced: given > 0, start: first, count: counts };
}
