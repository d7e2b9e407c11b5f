/**
 * OpenFile's request as the writer's options. Enum numbers this version does not know are
 * refused naming the field, so that a newer client never gets a silently different file.
 */
import * as opt from "@h5saver/proto/h5saver/v1/options_pb";
import type * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import type { Compression } from "../backend/h5-backend.ts";
import { invalidData } from "../errors.ts";
import type { SaveType } from "../layout/pymodaq-tree.ts";
import { DEFAULT_FLUSH_POLICY, type Durability, type SaverFileOptions } from "../layout/saver-file.ts";
import type { LayoutFlavour } from "../layout/v3/layout-flavour.ts";
import type { DataDistribution } from "../model/data-with-axes.ts";
import { attributeValueFromProto, dtypeFromProto } from "./convert.ts";

export type FileOptions = Omit<SaverFileOptions, "path">;

export function openOptions(request: svc.OpenFileRequest): FileOptions {
  const metadata: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(request.metadata)) {
    metadata[key] = attributeValueFromProto(value, `metadata.${key}`);
  }
  const policy = request.flushPolicy;
  const layout = pick(LAYOUTS, request.layout, "layout", "LayoutFlavour");
  return {
    mode: pick(OPEN_MODES, request.mode, "mode", "OpenMode") ?? "create",
    saveType: pick(SAVE_TYPES, request.saveType, "save_type", "SaveType") ?? "detector",
    compression: compressionFromProto(request.compression),
    flush: {
      maxFrames: policy?.maxFrames ?? DEFAULT_FLUSH_POLICY.maxFrames,
      maxDelayMs: policy?.maxDelayMs ?? DEFAULT_FLUSH_POLICY.maxDelayMs,
    },
    metadata,
    ...(layout ? { layout } : {}),
    ...(request.dataDtype !== 0 ? { dataDtype: dtypeFromProto(request.dataDtype, "data_dtype") } : {}),
    durability: pick(DURABILITIES, request.durability, "durability", "Durability") ?? "synced",
  };
}

const DURABILITIES: ReadonlyMap<number, Durability> = new Map([
  [opt.Durability.SYNCED, "synced"],
  [opt.Durability.WRITTEN, "written"],
]);

const LAYOUTS: ReadonlyMap<number, LayoutFlavour> = new Map([
  [opt.LayoutFlavour.PYMODAQ4, "pymodaq4"],
  [opt.LayoutFlavour.PYMODAQ3, "pymodaq3"],
]);

const OPEN_MODES: ReadonlyMap<number, "create" | "overwrite" | "append"> = new Map([
  [opt.OpenMode.CREATE, "create"],
  [opt.OpenMode.OVERWRITE, "overwrite"],
  [opt.OpenMode.APPEND, "append"],
]);

const SAVE_TYPES: ReadonlyMap<number, SaveType> = new Map([
  [opt.SaveType.DETECTOR, "detector"],
  [opt.SaveType.SCAN, "scan"],
  [opt.SaveType.LOGGER, "logger"],
  [opt.SaveType.CUSTOM, "custom"],
  [opt.SaveType.ACTUATOR, "actuator"],
]);

/** The proto's "0 means 5" for compression levels. */
const DEFAULT_COMPRESSION_LEVEL = 5;

function compressionFromProto(compression: opt.Compression | undefined): Compression {
  if (!compression) return { kind: "none" };
  const level = compression.level === 0 ? DEFAULT_COMPRESSION_LEVEL : compression.level;
  if (level > 9) throw invalidData("compression.level", `${level} is above 9`);
  switch (compression.kind) {
    case opt.CompressionKind.UNSPECIFIED:
    case opt.CompressionKind.NONE:
      return { kind: "none" };
    case opt.CompressionKind.GZIP:
      return { kind: "gzip", level };
    case opt.CompressionKind.BLOSC_LZ4:
      return { kind: "blosc-lz4", level };
    default:
      throw invalidData("compression.kind", `unknown CompressionKind enum value ${compression.kind}`);
  }
}

export function distributionFromProto(value: number): DataDistribution | undefined {
  return pick(
    new Map<number, DataDistribution>([
      [1, "uniform"],
      [2, "spread"],
    ]),
    value,
    "distribution",
    "DataDistribution",
  );
}

/** UNSPECIFIED (0) → undefined (the default); unknown numbers are refused naming the field. */
function pick<T>(
  table: ReadonlyMap<number, T>,
  value: number,
  field: string,
  enumName: string,
): T | undefined {
  if (value === 0) return undefined;
  const mapped = table.get(value);
  if (mapped === undefined) throw invalidData(field, `unknown ${enumName} enum value ${value}`);
  return mapped;
}
