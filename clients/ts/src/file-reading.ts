/**
 * The read side of the client: a file's tree (Browse) and dataset slices (ReadDataset) as plain
 * objects and typed arrays. A file is named by an open session or by its path under the server's
 * data root.
 */
import { create } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { arrayFromBytes, type DType, type NumericArray, product } from "@h5saver/service";
import { dtypeFromProto } from "@h5saver/service/rpc/convert";

/** A file on the server: an open session's, or one under the data root. */
export type FileTarget = { readonly sessionId: string } | { readonly path: string };

export type NodeAttributeValue = string | bigint | number | boolean | NumericArray | unknown[] | null;

export interface DatasetSummary {
  /** A numeric dtype, or "string" / "other". */
  readonly dtype: DType | "string" | "other";
  readonly shape: number[];
  /** null: unlimited (an enlargeable dimension). */
  readonly maxShape: (number | null)[];
  readonly chunks: number[];
  /** HDF5 filter ids (1 deflate, 2 shuffle, 32001 blosc …). */
  readonly filters: number[];
}

export interface FileNode {
  readonly name: string;
  readonly path: string;
  readonly kind: "group" | "dataset";
  /** PyMoDAQ's JSON-wrapped values decoded; JSON-valued ones (lists, None) parsed. */
  readonly attributes: Readonly<Record<string, NodeAttributeValue>>;
  readonly dataset?: DatasetSummary;
  readonly children: readonly FileNode[];
}

export interface BrowseOptions {
  /** Where to start (default "/"). */
  readonly node?: string;
  /** Levels of children (default: all). */
  readonly maxDepth?: number;
  readonly attributes?: boolean;
}

export interface ReadOptions {
  /** First index along each leading dimension (default 0). */
  readonly start?: readonly number[];
  /** Values along each leading dimension (default: to the end). */
  readonly count?: readonly number[];
  /** Largest message the server sends (default 1 MiB); whole rows each. */
  readonly maxChunkBytes?: number;
}

export interface DatasetSlice {
  readonly dtype: DType;
  readonly shape: number[];
  /** product(shape) values, row-major. */
  readonly values: NumericArray;
}

export function browseRequest(target: FileTarget, options: BrowseOptions): svc.BrowseRequest {
  return create(svc.BrowseRequestSchema, {
    target: targetToProto(target),
    nodePath: options.node ?? "",
    includeAttributes: options.attributes ?? false,
    ...(options.maxDepth !== undefined ? { maxDepth: options.maxDepth } : {}),
  });
}

export function readRequest(
  target: FileTarget,
  datasetPath: string,
  options: ReadOptions,
): svc.ReadDatasetRequest {
  return create(svc.ReadDatasetRequestSchema, {
    target: targetToProto(target),
    datasetPath,
    start: (options.start ?? []).map(BigInt),
    count: (options.count ?? []).map(BigInt),
    maxChunkBytes: BigInt(options.maxChunkBytes ?? 0),
  });
}

function targetToProto(target: FileTarget): svc.BrowseRequest["target"] {
  return "sessionId" in target
    ? { case: "sessionId", value: target.sessionId }
    : { case: "path", value: target.path };
}

export function fileNodeFromProto(node: svc.Node): FileNode {
  const attributes: Record<string, NodeAttributeValue> = {};
  for (const [name, attribute] of Object.entries(node.attributes))
    attributes[name] = attributeFromProto(attribute);
  const info = node.dataset;
  return {
    name: node.name,
    path: node.path,
    kind: node.kind === svc.NodeKind.DATASET ? "dataset" : "group",
    attributes,
    ...(info && node.kind === svc.NodeKind.DATASET ? { dataset: datasetFromProto(info) } : {}),
    children: node.children.map(fileNodeFromProto),
  };
}

function attributeFromProto(attribute: svc.NodeAttribute): NodeAttributeValue {
  const kind = attribute.kind;
  switch (kind.case) {
    case "stringValue":
    case "intValue":
    case "doubleValue":
    case "boolValue":
      return kind.value;
    case "arrayValue":
      return arrayFromBytes(dtypeFromProto(kind.value.dtype, "array_value.dtype"), kind.value.data.slice());
    case "jsonValue":
      // an integer beyond int64 comes as its digits: exact as a bigint, not rounded as a number
      if (/^-?\d+$/.test(kind.value)) return BigInt(kind.value);
      return JSON.parse(kind.value) as unknown[] | null;
    default:
      return null;
  }
}

function datasetFromProto(info: svc.DatasetInfo): DatasetSummary {
  const dtype =
    info.elementType === svc.ElementType.NUMERIC
      ? dtypeFromProto(info.dtype, "dataset.dtype")
      : info.elementType === svc.ElementType.STRING
        ? "string"
        : "other";
  return {
    dtype,
    shape: info.shape.map(Number),
    maxShape: info.maxShape.map((d) => (d < 0n ? null : Number(d))),
    chunks: info.chunks.map(Number),
    filters: [...info.filters],
  };
}

/** Collects every chunk of a ReadDataset call into one typed array. */
export function collectSlice(
  call: grpc.ClientReadableStream<svc.ReadDatasetResponse>,
  fail: (error: unknown) => Error,
): Promise<DatasetSlice> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    let dtype: DType | undefined;
    let shape: number[] = [];
    call.on("data", (message: svc.ReadDatasetResponse) => {
      dtype ??= dtypeFromProto(message.dtype, "dtype");
      shape = message.selectionShape.map(Number);
      parts.push(message.data);
    });
    call.on("error", (error) => reject(fail(error)));
    call.on("end", () => {
      if (dtype === undefined) {
        reject(fail(new Error("ReadDataset ended without data")));
        return;
      }
      const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      let offset = 0;
      for (const part of parts) {
        bytes.set(part, offset);
        offset += part.byteLength;
      }
      const values = arrayFromBytes(dtype, bytes);
      if (values.length !== product(shape)) {
        reject(fail(new Error(`ReadDataset sent ${values.length} values for shape [${shape}]`)));
        return;
      }
      resolve({ dtype, shape, values });
    });
  });
}
