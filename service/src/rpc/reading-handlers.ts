/**
 * Browse and ReadDataset: the read side of the service. A file is named either by an open session
 * (flushed first, so that the reader sees every frame that session appended) or by its path under
 * the data root (flushed first too when a session of the caller's token has it open); either way it is opened read-only
 * for the call, in this thread, and closed after.
 */
import { create } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import * as pb from "@h5saver/proto/h5saver/v1/data_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import type { DatasetInfo } from "../backend/h5-backend.ts";
import { invalidData } from "../errors.ts";
import { dtypeOfArray } from "../model/dtype.ts";
import { type BrowsedAttribute, type BrowsedNode, browseTree } from "../reading/browse-tree.ts";
import { datasetRows } from "../reading/dataset-rows.ts";
import { withReadOnlyFile } from "../reading/read-only-file.ts";
import type { Caller } from "./access.ts";
import { bytesOf, countFromProto, dtypeToProto } from "./convert.ts";
import { refuseNul } from "./request-checks.ts";
import type { GrpcStatus } from "./status.ts";

/** A file to read: where it is, and how the client named it (for messages). */
export interface ReadTarget {
  readonly absolute: string;
  readonly relative: string;
}

export interface ReadingContext {
  /** The session's file after flushing it. */
  sessionFile(sessionId: string, caller: Caller): Promise<ReadTarget>;
  /** A file under the caller's data root (flushed first if a session of the caller's token writes it). */
  rootFile(path: string, caller: Caller): Promise<ReadTarget>;
  callerOf(metadata: grpc.Metadata): Caller;
  /** The status of a failed call (and its log line). */
  failure(method: string, error: unknown): GrpcStatus;
  /** Whether the server is closing (new reads are refused). */
  refuse(): Error | undefined;
}

type Target = svc.BrowseRequest["target"] | svc.ReadDatasetRequest["target"];

async function targetOf(context: ReadingContext, target: Target, caller: Caller): Promise<ReadTarget> {
  switch (target.case) {
    case "sessionId":
      return context.sessionFile(target.value, caller);
    case "path":
      if (target.value === "") throw invalidData("path", "is empty: name a file relative to the data root");
      return context.rootFile(target.value, caller);
    default:
      throw invalidData(
        "target",
        "is not set: give session_id (an open file) or path (a file under the data root)",
      );
  }
}

export function createReadingHandlers(context: ReadingContext): {
  browse: grpc.handleUnaryCall<svc.BrowseRequest, svc.BrowseResponse>;
  readDataset: grpc.handleServerStreamingCall<svc.ReadDatasetRequest, svc.ReadDatasetResponse>;
} {
  async function browse(request: svc.BrowseRequest, caller: Caller): Promise<svc.BrowseResponse> {
    const refused = context.refuse();
    if (refused) throw refused;
    refuseNul(request);
    const file = await targetOf(context, request.target, caller);
    const root = await withReadOnlyFile(
      file.absolute,
      (backend) =>
        browseTree(backend, request.nodePath, {
          includeAttributes: request.includeAttributes,
          ...(request.maxDepth !== undefined ? { maxDepth: request.maxDepth } : {}),
        }),
      file.relative,
    );
    return create(svc.BrowseResponseSchema, { root: nodeToProto(root) });
  }

  async function readDataset(
    call: grpc.ServerWritableStream<svc.ReadDatasetRequest, svc.ReadDatasetResponse>,
  ): Promise<void> {
    const refused = context.refuse();
    if (refused) throw refused;
    const request = call.request;
    refuseNul(request);
    const file = await targetOf(context, request.target, context.callerOf(call.metadata));
    const start = request.start.map((v, i) => countFromProto(v, `start[${i}]`));
    const count = request.count.map((v, i) => countFromProto(v, `count[${i}]`));
    const maxChunkBytes = countFromProto(request.maxChunkBytes, "max_chunk_bytes");
    await withReadOnlyFile(
      file.absolute,
      async (backend) => {
        const rows = await datasetRows(backend, {
          node: request.datasetPath,
          ...(start.length ? { start } : {}),
          ...(count.length ? { count } : {}),
          maxChunkBytes,
        });
        const selectionShape = rows.selectionShape.map(BigInt);
        for await (const chunk of rows.chunks) {
          if (call.cancelled) return;
          const message = create(svc.ReadDatasetResponseSchema, {
            dtype: dtypeToProto(rows.dtype),
            selectionShape,
            firstRow: BigInt(chunk.firstRow),
            rowCount: BigInt(chunk.rowCount),
            data: bytesOf(chunk.values),
          });
          // back-pressure: a slow reader holds the next chunk until the last one is sent
          if (!call.write(message)) await new Promise((resolve) => call.once("drain", resolve));
        }
      },
      file.relative,
    );
  }

  return {
    browse(call, callback) {
      Promise.resolve()
        .then(() => browse(call.request, context.callerOf(call.metadata)))
        .then(
          (response) => callback(null, response),
          (error: unknown) => callback(context.failure("Browse", error)),
        );
    },
    readDataset(call) {
      readDataset(call).then(
        () => call.end(),
        (error: unknown) => {
          const status = context.failure("ReadDataset", error);
          if (!call.cancelled) call.emit("error", status);
        },
      );
    },
  };
}

function nodeToProto(node: BrowsedNode): svc.Node {
  const attributes: Record<string, svc.NodeAttribute> = {};
  for (const [name, value] of Object.entries(node.attributes)) attributes[name] = attributeToProto(value);
  return create(svc.NodeSchema, {
    name: node.name,
    path: node.path,
    kind: node.kind === "group" ? svc.NodeKind.GROUP : svc.NodeKind.DATASET,
    attributes,
    ...(node.dataset ? { dataset: datasetInfoToProto(node.dataset) } : {}),
    children: node.children.map(nodeToProto),
  });
}

function attributeToProto(attribute: BrowsedAttribute): svc.NodeAttribute {
  const kind = ((): svc.NodeAttribute["kind"] => {
    switch (attribute.kind) {
      case "string":
        return { case: "stringValue", value: attribute.value };
      case "int":
        return { case: "intValue", value: attribute.value };
      case "double":
        return { case: "doubleValue", value: attribute.value };
      case "bool":
        return { case: "boolValue", value: attribute.value };
      case "json":
        return { case: "jsonValue", value: attribute.value };
      case "array":
        return {
          case: "arrayValue",
          value: create(pb.NdArraySchema, {
            dtype: dtypeToProto(dtypeOfArray(attribute.value)),
            shape: [BigInt(attribute.value.length)],
            data: bytesOf(attribute.value),
          }),
        };
    }
  })();
  return create(svc.NodeAttributeSchema, { kind });
}

function datasetInfoToProto(info: DatasetInfo): svc.DatasetInfo {
  const numeric = info.dtype !== "string" && info.dtype !== "other";
  return create(svc.DatasetInfoSchema, {
    elementType: numeric
      ? svc.ElementType.NUMERIC
      : info.dtype === "string"
        ? svc.ElementType.STRING
        : svc.ElementType.OTHER,
    ...(numeric ? { dtype: dtypeToProto(info.dtype) } : {}),
    shape: info.shape.map(BigInt),
    maxShape: info.maxShape.map((d) => (d === null ? -1n : BigInt(d))),
    chunks: (info.chunks ?? []).map(BigInt),
    filters: info.filters,
  });
}
