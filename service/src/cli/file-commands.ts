/**
 * `h5saver inspect` and `h5saver read`: what they print about a file, as text. Both open the
 * file read-only with h5wasm in this thread and close it before returning.
 */
import { SaverError } from "../errors.ts";
import { type LoadedData, PyMoDAQLoader } from "../layout/loader.ts";
import { isLayoutV3, PyMoDAQ3Loader } from "../layout/v3/v3-loader.ts";
import type { NumericArray } from "../model/dtype.ts";
import { attributeText, browseTree } from "../reading/browse-tree.ts";
import { formatTree } from "../reading/format-tree.ts";
import { isGroup, withReadOnlyFile } from "../reading/read-only-file.ts";
import { selectionOf } from "../reading/selection.ts";
import { MAX_UNSLICED_VALUES } from "./config.ts";

/** One line per DataWithAxes: `path  name  dim [shape]  units  axes: label[units] …`. */
export function formatDataLine({ path, dwa }: LoadedData): string {
  const axes = dwa.axes.map((axis) => `${axis.label || "?"}[${axis.units}]`).join(" ");
  return `${path}  ${dwa.name}  ${dwa.dim} [${dwa.shape.join(", ")}]  ${dwa.units || "-"}  axes: ${axes || "none"}`;
}

/** The tree, then a blank line and the DataWithAxes lines. */
export async function inspectFile(file: string): Promise<string> {
  return withReadOnlyFile(file, async (backend) => {
    const tree = formatTree(await browseTree(backend, "/", { includeAttributes: true }), attributeText);
    // a PyMoDAQ 3.x file (Raw_datas) is read with the 3.x reader, which gives the same LoadedData
    const loader = (await isLayoutV3(backend)) ? new PyMoDAQ3Loader(backend) : new PyMoDAQLoader(backend);
    const loaded = await loader.loadAll();
    const lines = loaded.map(formatDataLine);
    return `${tree}\n\n${loaded.length} DataWithAxes${lines.length ? `\n${lines.join("\n")}` : ""}`;
  });
}

export interface ReadRequest {
  readonly file: string;
  readonly node: string;
  readonly start?: readonly number[];
  readonly count?: readonly number[];
  readonly format: "json" | "csv";
}

/** A dataset's values (or the slice asked), formatted. */
export async function readNode(request: ReadRequest): Promise<string> {
  const node = request.node.startsWith("/") ? request.node : `/${request.node}`;
  return withReadOnlyFile(request.file, async (backend) => {
    if (!(await backend.exists(node))) {
      throw new SaverError("not_found", `no node '${node}' in '${request.file}'`, { node });
    }
    if (await isGroup(backend, node)) {
      throw new SaverError(
        "failed_precondition",
        `'${node}' is a group, not a dataset: read one of its arrays`,
        {
          node,
        },
      );
    }
    const info = await backend.datasetInfo(node);
    if (info.dtype === "string") {
      const rows = await backend.readStrings(node);
      return request.format === "json" ? JSON.stringify(rows) : rows.map(csvText).join("\n");
    }
    if (info.dtype === "other") {
      throw new SaverError("failed_precondition", `'${node}' holds a type h5saver cannot print`, { node });
    }
    const slice = selectionOf(node, info.shape, request.start, request.count);
    const total = slice.count.reduce((n, d) => n * d, 1);
    if (!slice.sliced && total > MAX_UNSLICED_VALUES) {
      throw new SaverError(
        "resource_exhausted",
        `'${node}' holds ${total} values [${info.shape.join(", ")}], more than ${MAX_UNSLICED_VALUES}: ` +
          `read a slice, e.g. --start ${info.shape.map(() => 0).join(",")} --count 1${info.shape
            .slice(1)
            .map((d) => `,${d}`)
            .join("")}`,
        { node },
      );
    }
    const values =
      total === 0
        ? new Float64Array(0)
        : slice.sliced
          ? await backend.read(node, slice.start, slice.count)
          : await backend.read(node);
    return request.format === "json" ? toJson(values, slice.count) : toCsv(values, slice.count);
  });
}

function valueText(array: NumericArray, i: number, json: boolean): string {
  const value = array[i] as number | bigint;
  if (typeof value === "bigint") return value.toString();
  if (Number.isFinite(value)) return String(value);
  return json ? "null" : String(value);
}

function toJson(values: NumericArray, shape: readonly number[]): string {
  let offset = 0;
  const nest = (dim: number): string => {
    if (dim === shape.length) return valueText(values, offset++, true);
    const parts: string[] = [];
    for (let i = 0; i < (shape[dim] ?? 0); i++) parts.push(nest(dim + 1));
    return `[${parts.join(",")}]`;
  };
  return nest(0);
}

/** 0-D and 1-D: one value per line; more dimensions: one line per run of the last one. */
function toCsv(values: NumericArray, shape: readonly number[]): string {
  const width = shape.length < 2 ? 1 : (shape[shape.length - 1] ?? 1);
  const lines: string[] = [];
  for (let row = 0; row * width < values.length; row++) {
    const cells: string[] = [];
    for (let j = 0; j < width; j++) cells.push(valueText(values, row * width + j, false));
    lines.push(cells.join(","));
  }
  return lines.join("\n");
}

function csvText(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
