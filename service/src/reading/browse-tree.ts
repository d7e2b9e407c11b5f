/**
 * A file's tree as Browse returns it: groups and datasets in the file's order, with dataset
 * shapes and storage, and attributes decoded the way PyMoDAQ reads them (its JSON-wrapped Python
 * literals become typed values; PyTables' own attributes stay as stored).
 */
import type { DatasetInfo, H5Backend, StoredAttribute } from "../backend/h5-backend.ts";
import { SaverError } from "../errors.ts";
import { decodeWrappedAttribute, toPlain } from "../layout/pymodaq-attribute.ts";
import type { PyValue } from "../layout/python-literal.ts";
import { isNumericArray, type NumericArray } from "../model/dtype.ts";
import { isGroup } from "./read-only-file.ts";

export type BrowsedAttribute =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "int"; readonly value: bigint }
  | { readonly kind: "double"; readonly value: number }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "array"; readonly value: NumericArray }
  /** Lists, tuples, None, string arrays: JSON text. */
  | { readonly kind: "json"; readonly value: string };

export interface BrowsedNode {
  readonly name: string;
  readonly path: string;
  readonly kind: "group" | "dataset";
  readonly attributes: Readonly<Record<string, BrowsedAttribute>>;
  readonly dataset?: DatasetInfo;
  readonly children: BrowsedNode[];
}

export interface BrowseOptions {
  /** Levels of children below the node; undefined: all. */
  readonly maxDepth?: number;
  readonly includeAttributes: boolean;
  /** Refuse trees larger than this, so that one call cannot build an unbounded answer. */
  readonly maxNodes?: number;
}

export const DEFAULT_MAX_BROWSE_NODES = 100_000;
/** PyMoDAQ trees are 6 levels deep; anything past this is a file h5saver should not walk. */
const MAX_BROWSE_DEPTH = 64;

export async function browseTree(
  backend: H5Backend,
  nodePath: string,
  options: BrowseOptions,
): Promise<BrowsedNode> {
  // "", "RawData", "/RawData/", "//RawData" all name the same node
  const start = `/${nodePath
    .split("/")
    .filter((part) => part !== "")
    .join("/")}`;
  if (!(await backend.exists(start))) {
    throw new SaverError("not_found", `no node '${start}' in the file`, { node: start });
  }
  const maxNodes = options.maxNodes ?? DEFAULT_MAX_BROWSE_NODES;
  let visited = 0;

  const visit = async (path: string, kind: "group" | "dataset", depth: number): Promise<BrowsedNode> => {
    if (depth > MAX_BROWSE_DEPTH) {
      throw new SaverError(
        "resource_exhausted",
        `the tree below '${start}' is deeper than ${MAX_BROWSE_DEPTH} levels`,
        {
          node: start,
        },
      );
    }
    if (++visited > maxNodes) {
      throw new SaverError(
        "resource_exhausted",
        `the tree below '${start}' has more than ${maxNodes} nodes: browse a deeper node_path or set max_depth`,
        { node: start },
      );
    }
    const attributes = options.includeAttributes ? decodeAll(await backend.getAttributes(path)) : {};
    const name = path === "/" ? "" : (path.split("/").pop() ?? "");
    if (kind === "dataset") {
      return { name, path, kind, attributes, dataset: await backend.datasetInfo(path), children: [] };
    }
    const children: BrowsedNode[] = [];
    if (options.maxDepth === undefined || depth < options.maxDepth) {
      for (const child of await backend.children(path)) {
        children.push(
          await visit(path === "/" ? `/${child.name}` : `${path}/${child.name}`, child.kind, depth + 1),
        );
      }
    }
    return { name, path, kind, attributes, children };
  };
  return visit(start, (await isGroup(backend, start)) ? "group" : "dataset", 0);
}

/** An attribute as one line of text ("" when absent), for tree listings. */
export function attributeText(node: BrowsedNode, name: string): string {
  const attribute = node.attributes[name];
  if (!attribute) return "";
  switch (attribute.kind) {
    case "array":
      return `[${[...attribute.value].join(", ")}]`;
    default:
      return String(attribute.value);
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** An integer as an int attribute; one beyond 64 bits (Python's ints have none, uint64 has 2^64) as its digits in JSON. */
function intAttribute(value: bigint): BrowsedAttribute {
  return value >= INT64_MIN && value <= INT64_MAX
    ? { kind: "int", value }
    : { kind: "json", value: value.toString() };
}

function decodeAll(stored: Record<string, StoredAttribute>): Record<string, BrowsedAttribute> {
  const result: Record<string, BrowsedAttribute> = {};
  for (const [name, value] of Object.entries(stored)) result[name] = browsedAttribute(value);
  return result;
}

function browsedAttribute(stored: StoredAttribute): BrowsedAttribute {
  if (typeof stored === "string") {
    const decoded = decodeWrappedAttribute(stored);
    if (decoded === undefined) return { kind: "string", value: stored };
    return typeof decoded === "string" ? { kind: "string", value: decoded } : fromPython(decoded);
  }
  if (typeof stored === "bigint") return intAttribute(stored);
  if (typeof stored === "number") {
    // an integral double beyond 2^53 (1e300) is a double, not an exact integer
    return Number.isSafeInteger(stored) ? intAttribute(BigInt(stored)) : { kind: "double", value: stored };
  }
  if (typeof stored === "boolean") return { kind: "bool", value: stored };
  if (isNumericArray(stored)) return { kind: "array", value: stored };
  return { kind: "json", value: JSON.stringify(stored) };
}

function fromPython(value: PyValue): BrowsedAttribute {
  switch (value.type) {
    case "str":
      return { kind: "string", value: value.value };
    case "bytes":
      // PyMoDAQ's bytes attributes are settings XML: text is what a reader wants
      return { kind: "string", value: new TextDecoder().decode(value.value) };
    case "int":
      return intAttribute(BigInt(value.value));
    case "float":
    case "float64":
      return { kind: "double", value: value.value };
    case "bool":
      return { kind: "bool", value: value.value };
    default:
      return {
        kind: "json",
        value: JSON.stringify(toPlain(value), (_key, v: unknown) =>
          typeof v === "bigint" ? v.toString() : v,
        ),
      };
  }
}
