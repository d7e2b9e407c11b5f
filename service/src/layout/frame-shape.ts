import { SaverError } from "../errors.ts";
import type { DataToExport } from "../model/data-to-export.ts";
import { dtypeOfArray } from "../model/dtype.ts";

/**
 * What a detector's frames must keep from one frame to the next once their nodes exist: the
 * DataWithAxes in the same order, each with the same shape, dtype and number of arrays.
 */
export interface FrameLayout {
  readonly data: readonly {
    name: string;
    shape: readonly number[];
    dtype: string;
    arrays: number;
    /** dtype of the error bars, undefined without them */
    errors: string | undefined;
  }[];
}

export function frameLayoutOf(dte: DataToExport): FrameLayout {
  return {
    data: dte.data.map((dwa) => ({
      name: dwa.name,
      shape: dwa.shape,
      dtype: dwa.dtype,
      arrays: dwa.data.length,
      errors: errorsDtype(dwa),
    })),
  };
}

export function checkFrameLayout(expected: FrameLayout, dte: DataToExport, where: string): void {
  if (dte.data.length !== expected.data.length) {
    throw new SaverError(
      "frame_mismatch",
      `${where}: this frame has ${dte.data.length} DataWithAxes but the first had ${expected.data.length}; every frame of a stream must carry the same data`,
      { field: "data" },
    );
  }
  dte.data.forEach((dwa, i) => {
    const want = expected.data[i];
    if (!want) return;
    const field = `data[${i}]`;
    if (dwa.name !== want.name) {
      throw new SaverError(
        "frame_mismatch",
        `${where}: ${field} is '${dwa.name}' but was '${want.name}'; keep the same order`,
        { field: `${field}.name` },
      );
    }
    if (dwa.shape.length !== want.shape.length || dwa.shape.some((d, k) => d !== want.shape[k])) {
      throw new SaverError(
        "frame_mismatch",
        `${where}: '${dwa.name}' has shape [${dwa.shape}] but its nodes were created for [${want.shape}]; start a new stream (or scan) for a new frame shape`,
        { field: `${field}.shape` },
      );
    }
    if (dwa.dtype !== want.dtype) {
      throw new SaverError(
        "frame_mismatch",
        `${where}: '${dwa.name}' is ${dwa.dtype} but its nodes hold ${want.dtype}; convert the frame or start a new stream`,
        { field: `${field}.dtype` },
      );
    }
    if (dwa.data.length !== want.arrays) {
      throw new SaverError(
        "frame_mismatch",
        `${where}: '${dwa.name}' has ${dwa.data.length} arrays but had ${want.arrays}`,
        { field: `${field}.data` },
      );
    }
    const errors = errorsDtype(dwa);
    if (errors !== want.errors) {
      const why =
        want.errors === undefined || errors === undefined
          ? `${want.errors ? "lacks the error bars the first frame had" : "has error bars the first frame had not"}; every frame must carry them or none`
          : `has ${errors} error bars but the first frame had ${want.errors}`;
      throw new SaverError("frame_mismatch", `${where}: '${dwa.name}' ${why}`, { field: `${field}.errors` });
    }
  });
}

function errorsDtype(dwa: DataToExport["data"][number]): string | undefined {
  const first = dwa.errors?.[0];
  return first ? dtypeOfArray(first) : undefined;
}
