/**
 * The fuzzer's requests: for case number i of a seed, one method and the bytes to send (or, for
 * Stream, several messages). Case i is made by its own seeded generator, so that one case can be
 * made again alone (`fuzz.ts --seed S --case i`).
 *
 * Families: random bytes, truncated and bit-flipped valid messages, protobuf wire abuse (overlong
 * varints, huge declared lengths, deep groups, invalid UTF-8), and adversarial messages that decode
 * well: huge and overflowing shapes (uint64 near 2^64), NaN/Inf in axes, timestamps and attributes,
 * wrong dtypes for the bytes, hostile names, titles, settings XML, log lines and paths (traversal,
 * absolute, backslashes, NUL, symlinks, control characters, unicode), Stream sequence abuse, and
 * Browse/ReadDataset with huge counts and bad nodes.
 */
import {
  create,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import * as data from "@h5saver/proto/h5saver/v1/data_pb";
import * as opt from "@h5saver/proto/h5saver/v1/options_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { seededRandom } from "../../service/src/testing/seeded-random.ts";

export type MethodName =
  | "OpenFile"
  | "CloseFile"
  | "AddDetector"
  | "SaveSnapshot"
  | "BeginScan"
  | "SaveScanPoint"
  | "EndScan"
  | "StartContinuous"
  | "Stream"
  | "AddLog"
  | "Flush"
  | "Browse"
  | "ReadDataset"
  | "GetStatus";

export const METHODS: readonly MethodName[] = svc.SaverService.methods.map((m) => m.name as MethodName);

/** What the fuzzer may aim at: ids of its own sessions (never the well-behaved client's). */
export interface Targets {
  sessions: string[];
  detectors: Array<{ session: string; id: string }>;
  scans: Array<{ session: string; id: string; detector: string; shape: number[] }>;
  streams: Array<{ session: string; id: string }>;
  /** Files under the root to read by path, and HDF5 paths of datasets and groups in them. */
  files: string[];
  nodes: string[];
}

export interface FuzzCase {
  readonly index: number;
  readonly method: MethodName;
  /** A short description of what the case tries (for the report and the reproduction). */
  readonly what: string;
  /** The messages, encoded (one for every method but Stream). */
  readonly messages: Uint8Array[];
}

type Rng = () => number;

const U64_NASTY = [
  0n,
  1n,
  2n ** 31n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  2n ** 64n - 2n,
];
const F64_NASTY = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_VALUE,
];
const U32_NASTY = [0, 1, 2 ** 31, 2 ** 32 - 1, 64, 1000];

const NASTY_NAMES = [
  "",
  " ",
  ".",
  "..",
  "/",
  "//",
  "a/b",
  "/RawData",
  "/RawData/Detector000",
  "RawData/../..",
  "\0",
  "a\0b",
  "\u0001\u0007\u001b[31mred\u001b[0m",
  "\r\n\t",
  "\u202eevil",
  "💥🧪",
  "\ud800",
  "ångström µm",
  "'; DROP TABLE",
  "%s%n%x",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder as hostile text, on purpose
  "${process.exit()}",
  "<b>",
  "TITLE",
  "CLASS",
  "x".repeat(300),
  "y".repeat(70_000),
  "é".repeat(40_000),
];

const NASTY_XML = [
  "",
  "<All_settings",
  "<All_settings>]]></All_settings>",
  "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]><x>&b;</x>",
  "&#0;&#x1;",
  "<a>".repeat(10_000),
  "z".repeat(200_000),
  "\u0000\u0001\u0002",
  '<All_settings title="💥"/>',
];

const NASTY_PATHS = [
  "",
  ".",
  "..",
  "../x.h5",
  "../../etc/passwd",
  "a/../../x.h5",
  "/etc/passwd",
  "/tmp/x.h5",
  "C:\\x.h5",
  "c:x.h5",
  "\\\\server\\share\\x.h5",
  "a\\..\\..\\x.h5",
  "a\0.h5",
  "escape/x.h5",
  "escape/../x.h5",
  "dangling/x.h5",
  "alias/stream.h5",
  "good/stream.h5",
  "good//stream.h5",
  "./good/./stream.h5",
  "notes.txt",
  "folder.h5",
  "folder.h5/x.h5",
  "fuzz/",
  "fuzz/\u0001\u001b.h5",
  "fuzz/💥.h5",
  "fuzz/\ud800.h5",
  `fuzz/${"d/".repeat(200)}x.h5`,
  `fuzz/${"n".repeat(300)}.h5`,
  "fuzz/ space .h5",
  "fuzz/x.h5\n",
  "fuzz/%2e%2e/x.h5",
];

const DTYPE_BYTES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 2,
  5: 4,
  6: 4,
  7: 8,
  8: 8,
  9: 4,
  10: 8,
  11: 1,
};

function pick<T>(r: Rng, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}
function int(r: Rng, n: number): number {
  return Math.floor(r() * n);
}
function chance(r: Rng, p: number): boolean {
  return r() < p;
}
function bytes(r: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = int(r, 256);
  return out;
}
/** A well-formed session id no server handed out (seeded, so that a case is made again alike). */
function uuid(r: Rng): string {
  const hex = Array.from(bytes(r, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
function randomText(r: Rng, max = 40): string {
  let s = "";
  const n = int(r, max);
  for (let i = 0; i < n; i++) {
    const kind = int(r, 5);
    const cp =
      kind === 0
        ? int(r, 0x20)
        : kind === 1
          ? 0x20 + int(r, 0x5f)
          : kind === 2
            ? 0x80 + int(r, 0x780)
            : kind === 3
              ? 0xd800 + int(r, 0x800)
              : 0x1f300 + int(r, 0x300);
    s += String.fromCodePoint(cp);
  }
  return s;
}
function name(r: Rng): string {
  return chance(r, 0.5) ? pick(r, NASTY_NAMES) : chance(r, 0.5) ? randomText(r) : "ok";
}
function u64(r: Rng, normal = 4): bigint {
  return chance(r, 0.5) ? pick(r, U64_NASTY) : BigInt(1 + int(r, normal));
}
function f64(r: Rng): number {
  return chance(r, 0.5) ? pick(r, F64_NASTY) : r() * 1000 - 500;
}

function encode<D extends DescMessage>(schema: D, message: MessageShape<D>): Uint8Array {
  return toBinary(schema, message);
}

/** `values` float64 little-endian bytes, some of them NaN or ±Inf when `nasty`. */
function floatBytes(r: Rng, values: number, nasty: boolean): Uint8Array {
  const a = new Float64Array(values);
  for (let i = 0; i < values; i++) a[i] = nasty && chance(r, 0.3) ? pick(r, F64_NASTY) : i;
  return new Uint8Array(a.buffer);
}

function attribute(r: Rng): data.AttributeValue {
  const k = int(r, 6);
  const kind: data.AttributeValue["kind"] =
    k === 0
      ? { case: "stringValue", value: name(r) }
      : k === 1
        ? { case: "intValue", value: pick(r, [0n, -1n, 2n ** 53n, -(2n ** 63n), 2n ** 63n - 1n, 42n]) }
        : k === 2
          ? { case: "doubleValue", value: f64(r) }
          : k === 3
            ? { case: "boolValue", value: chance(r, 0.5) }
            : { case: undefined };
  return create(data.AttributeValueSchema, { kind });
}

function attributes(r: Rng): Record<string, data.AttributeValue> {
  const out: Record<string, data.AttributeValue> = {};
  const n = int(r, 4);
  for (let i = 0; i < n; i++) {
    out[
      chance(r, 0.6) ? pick(r, [...NASTY_NAMES, "shape", "units", "data_type", "nav_indexes"]) : `extra${i}`
    ] = attribute(r);
  }
  return out;
}

function axis(r: Rng, size: number, index: number): data.Axis {
  const linear = chance(r, 0.3);
  return create(data.AxisSchema, {
    label: chance(r, 0.3) ? name(r) : "x",
    units: chance(r, 0.3) ? name(r) : "mm",
    index: chance(r, 0.2) ? pick(r, U32_NASTY) : index,
    spreadOrder: chance(r, 0.1) ? pick(r, U32_NASTY) : 0,
    values: chance(r, 0.05)
      ? { case: undefined }
      : linear
        ? {
            case: "linear",
            value: create(data.LinearAxisSchema, {
              offset: chance(r, 0.3) ? f64(r) : 0,
              scaling: chance(r, 0.3) ? f64(r) : 1,
              size: chance(r, 0.3) ? u64(r) : BigInt(size),
            }),
          }
        : {
            case: "data",
            value: create(data.AxisDataSchema, {
              dtype: chance(r, 0.1) ? pick(r, [0, 99, 11, 4]) : data.Dtype.FLOAT64,
              data: floatBytes(r, chance(r, 0.2) ? int(r, 2 * size + 2) : size, chance(r, 0.4)),
            }),
          },
  });
}

/** A DataWithAxes, valid when `nasty` is false, otherwise with a few of its fields turned hostile. */
function dwa(r: Rng, nasty: boolean, fixedShape?: number[]): data.DataWithAxes {
  const shape = fixedShape ?? pick(r, [[1], [8], [3, 4], [2, 3, 2]]);
  const values = shape.reduce((n, d) => n * d, 1);
  const dtype = pick(r, [
    data.Dtype.FLOAT64,
    data.Dtype.UINT16,
    data.Dtype.INT8,
    data.Dtype.BOOL,
    data.Dtype.UINT64,
  ]);
  const width = DTYPE_BYTES[dtype] ?? 8;
  const channels = 1 + int(r, 2);
  const m = create(data.DataWithAxesSchema, {
    name: "dwa",
    dtype,
    shape: shape.map(BigInt),
    data: Array.from({ length: channels }, () =>
      dtype === data.Dtype.FLOAT64 ? floatBytes(r, values, nasty) : new Uint8Array(values * width),
    ),
    axes:
      shape.length <= 2 && shape[0] !== 1 ? shape.map((d, i) => axis(r, d, i)).slice(0, nasty ? 3 : 0) : [],
  });
  if (!nasty) return m;
  const mutations = 1 + int(r, 3);
  for (let i = 0; i < mutations; i++) {
    switch (int(r, 22)) {
      case 0:
        m.dtype = pick(r, [0, 12, 99, -1, 2 ** 31 - 1]) as data.Dtype;
        break;
      case 1:
        m.shape = Array.from({ length: 1 + int(r, 4) }, () => u64(r, 3));
        break;
      case 2:
        m.shape = pick(r, [
          [0n],
          [2n ** 64n - 1n],
          [2n ** 32n, 2n ** 32n],
          [1_000_000_000n, 1_000_000_000n],
          [2n ** 53n - 1n],
          [1n, 0n, 1n],
          Array(64).fill(1n),
        ]);
        break;
      case 3:
        m.data = m.data.map((b) => b.subarray(0, Math.max(0, b.length - 1 - int(r, 8))));
        break;
      case 4:
        m.data = [];
        break;
      case 5:
        m.data = Array.from({ length: 300 }, () => m.data[0] ?? new Uint8Array());
        break;
      case 6:
        m.labels = Array.from({ length: int(r, 4) }, () => name(r));
        break;
      case 7:
        m.axes = Array.from({ length: 1 + int(r, 3) }, (_, k) => axis(r, shape[k] ?? 1, k));
        break;
      case 8:
        m.navIndexes = Array.from({ length: 1 + int(r, 3) }, () => pick(r, U32_NASTY));
        break;
      case 9:
        m.dim = pick(r, [1, 2, 3, 4, 5, 99]) as data.DataDim;
        break;
      case 10:
        m.errors = m.data.map((b) => b.subarray(int(r, 3)));
        m.errorsDtype = pick(r, [0, 9, 10, 2, 99]) as data.Dtype;
        break;
      case 11:
        m.background = [bytes(r, int(r, 64))];
        break;
      case 12:
        m.extraAttributes = attributes(r);
        break;
      case 13:
        m.timestamp = pick(r, F64_NASTY);
        break;
      case 14:
        m.name = name(r);
        break;
      case 15:
        m.units = name(r);
        m.origin = name(r);
        break;
      case 16:
        m.source = pick(r, [3, 99]) as data.DataSource;
        m.distribution = pick(r, [2, 3, 99]) as data.DataDistribution;
        break;
      case 17:
        // bytes that are not what the dtype says: 8-byte floats declared as uint16 and so on
        m.dtype = pick(r, [data.Dtype.UINT16, data.Dtype.FLOAT32, data.Dtype.INT64, data.Dtype.BOOL]);
        break;
      case 18:
        m.shape = [];
        break;
      case 19:
        m.data = [bytes(r, 1 + int(r, 64))];
        m.shape = [];
        m.dtype = data.Dtype.UINT8;
        break;
      case 20:
        m.distribution = data.DataDistribution.SPREAD;
        m.axes = [axis(r, shape[0] ?? 1, 0), axis(r, shape[0] ?? 1, 0)];
        break;
      default:
        m.labels = m.data.map(() => "same");
        break;
    }
  }
  return m;
}

function dte(r: Rng, nasty: boolean, fixedShape?: number[]): data.DataToExport {
  const m = create(data.DataToExportSchema, {
    name: "frame",
    timestamp: 1_700_000_000,
    data: [dwa(r, nasty, fixedShape)],
  });
  if (nasty && chance(r, 0.3)) {
    switch (int(r, 4)) {
      case 0:
        m.name = name(r);
        break;
      case 1:
        m.timestamp = pick(r, F64_NASTY);
        break;
      case 2:
        m.data = [];
        break;
      default:
        m.data = Array.from({ length: 2 + int(r, 30) }, () => dwa(r, chance(r, 0.5)));
    }
  }
  return m;
}

function sessionId(r: Rng, t: Targets): string {
  return chance(r, 0.85) && t.sessions.length ? pick(r, t.sessions) : chance(r, 0.5) ? name(r) : uuid(r);
}

/** A valid-looking (if not always accepted) message of `method`: the base of truncation and bit flips. */
function plausible(method: MethodName, r: Rng, t: Targets): Uint8Array[] {
  const session = sessionId(r, t);
  const detector = t.detectors.length ? pick(r, t.detectors).id : "/RawData/Detector000";
  const scan = t.scans.length ? pick(r, t.scans) : undefined;
  const stream = t.streams.length ? pick(r, t.streams) : undefined;
  switch (method) {
    case "OpenFile":
      return [
        encode(
          svc.OpenFileRequestSchema,
          create(svc.OpenFileRequestSchema, { path: `fuzz/p${int(r, 1e9)}.h5` }),
        ),
      ];
    case "CloseFile":
      return [encode(svc.CloseFileRequestSchema, create(svc.CloseFileRequestSchema, { sessionId: uuid(r) }))];
    case "AddDetector":
      return [
        encode(
          svc.AddDetectorRequestSchema,
          create(svc.AddDetectorRequestSchema, {
            sessionId: session,
            title: "Det",
            settingsXml: "<All_settings/>",
          }),
        ),
      ];
    case "SaveSnapshot":
      return [
        encode(
          svc.SaveSnapshotRequestSchema,
          create(svc.SaveSnapshotRequestSchema, {
            sessionId: session,
            detectorId: detector,
            data: dte(r, false),
          }),
        ),
      ];
    case "BeginScan":
      return [
        encode(
          svc.BeginScanRequestSchema,
          create(svc.BeginScanRequestSchema, {
            sessionId: session,
            title: "Scan",
            shape: [3n],
            navAxes: [axis(r, 3, 0)],
          }),
        ),
      ];
    case "SaveScanPoint":
      return [
        encode(
          svc.SaveScanPointRequestSchema,
          create(svc.SaveScanPointRequestSchema, {
            sessionId: scan?.session ?? session,
            scanId: scan?.id ?? "/RawData/Scan000",
            detectorId: scan?.detector ?? detector,
            indexes: (scan?.shape ?? [1]).map((d) => BigInt(int(r, d))),
            data: dte(r, false, [8]),
          }),
        ),
      ];
    case "EndScan":
      return [
        encode(
          svc.EndScanRequestSchema,
          create(svc.EndScanRequestSchema, { sessionId: session, scanId: "/RawData/Scan999" }),
        ),
      ];
    case "StartContinuous":
      return [
        encode(
          svc.StartContinuousRequestSchema,
          create(svc.StartContinuousRequestSchema, { sessionId: session, detectorId: detector }),
        ),
      ];
    case "Stream":
      return [
        encode(
          svc.StreamRequestSchema,
          create(svc.StreamRequestSchema, {
            sessionId: stream?.session ?? session,
            streamId: stream?.id ?? detector,
            sequence: 1n,
            data: dte(r, false, [8]),
          }),
        ),
      ];
    case "AddLog":
      return [
        encode(
          svc.AddLogRequestSchema,
          create(svc.AddLogRequestSchema, { sessionId: session, lines: ["a line"] }),
        ),
      ];
    case "Flush":
      return [encode(svc.FlushRequestSchema, create(svc.FlushRequestSchema, { sessionId: session }))];
    case "Browse":
      return [
        encode(
          svc.BrowseRequestSchema,
          create(svc.BrowseRequestSchema, {
            target: { case: "sessionId", value: session },
            nodePath: "/RawData",
            maxDepth: 2,
          }),
        ),
      ];
    case "ReadDataset":
      return [
        encode(
          svc.ReadDatasetRequestSchema,
          create(svc.ReadDatasetRequestSchema, {
            target: { case: "sessionId", value: session },
            datasetPath: t.nodes.length ? pick(r, t.nodes) : "/RawData/Logger",
          }),
        ),
      ];
    case "GetStatus":
      return [encode(svc.GetStatusRequestSchema, create(svc.GetStatusRequestSchema, { sessionId: session }))];
  }
}

/** A message of `method` that decodes but is hostile. */
function adversarial(method: MethodName, r: Rng, t: Targets): { what: string; messages: Uint8Array[] } {
  const session = sessionId(r, t);
  const detector = chance(r, 0.8) && t.detectors.length ? pick(r, t.detectors).id : name(r);
  switch (method) {
    case "OpenFile": {
      const m = create(svc.OpenFileRequestSchema, {
        path: chance(r, 0.9) ? pick(r, NASTY_PATHS) : `fuzz/${randomText(r, 12)}.h5`,
        mode: chance(r, 0.3) ? (pick(r, [1, 2, 3, 4, 99]) as opt.OpenMode) : opt.OpenMode.UNSPECIFIED,
        saveType: chance(r, 0.2) ? (pick(r, [2, 3, 5, 6, 99]) as opt.SaveType) : opt.SaveType.UNSPECIFIED,
      });
      if (chance(r, 0.3))
        m.compression = create(opt.CompressionSchema, {
          kind: pick(r, [0, 1, 2, 3, 4, 99]) as opt.CompressionKind,
          level: pick(r, U32_NASTY),
        });
      if (chance(r, 0.3))
        m.flushPolicy = create(opt.FlushPolicySchema, {
          maxFrames: pick(r, U32_NASTY),
          maxDelayMs: pick(r, U32_NASTY),
        });
      if (chance(r, 0.3)) m.metadata = attributes(r);
      if (chance(r, 0.2)) m.durability = pick(r, [1, 2, 3, 99]) as opt.Durability;
      return {
        what: `OpenFile path ${JSON.stringify(m.path.slice(0, 80))} mode ${m.mode}`,
        messages: [encode(svc.OpenFileRequestSchema, m)],
      };
    }
    case "CloseFile":
      return {
        what: "CloseFile of an unknown or hostile id",
        messages: [
          encode(
            svc.CloseFileRequestSchema,
            create(svc.CloseFileRequestSchema, { sessionId: chance(r, 0.5) ? name(r) : uuid(r) }),
          ),
        ],
      };
    case "AddDetector": {
      const m = create(svc.AddDetectorRequestSchema, {
        sessionId: session,
        title: name(r),
        settingsXml: chance(r, 0.5) ? pick(r, NASTY_XML) : randomText(r, 200),
        scanId: chance(r, 0.3) ? (t.scans.length && chance(r, 0.5) ? pick(r, t.scans).id : name(r)) : "",
      });
      return {
        what: `AddDetector title ${JSON.stringify(m.title.slice(0, 40))}`,
        messages: [encode(svc.AddDetectorRequestSchema, m)],
      };
    }
    case "SaveSnapshot":
      return {
        what: "SaveSnapshot of hostile data",
        messages: [
          encode(
            svc.SaveSnapshotRequestSchema,
            create(svc.SaveSnapshotRequestSchema, {
              sessionId: session,
              detectorId: detector,
              ...(chance(r, 0.95) ? { data: dte(r, true) } : {}),
            }),
          ),
        ],
      };
    case "BeginScan": {
      const shape = pick(r, [
        [],
        [0n],
        [2n ** 64n - 1n],
        [1_000_000n, 1_000_000n, 1_000_000n],
        [2n],
        [3n, 4n],
        [2n ** 53n],
        Array(40).fill(2n),
      ]);
      const m = create(svc.BeginScanRequestSchema, {
        sessionId: session,
        title: name(r),
        settingsXml: pick(r, NASTY_XML),
        shape,
        navAxes: shape.slice(0, 3).map((d, i) => axis(r, Number(d > 100n ? 3n : d), i)),
        distribution: pick(r, [0, 1, 2, 99]) as data.DataDistribution,
      });
      return {
        what: `BeginScan shape [${shape.slice(0, 4)}]`,
        messages: [encode(svc.BeginScanRequestSchema, m)],
      };
    }
    case "SaveScanPoint": {
      const scan = t.scans.length ? pick(r, t.scans) : undefined;
      const m = create(svc.SaveScanPointRequestSchema, {
        sessionId: scan?.session ?? session,
        scanId: chance(r, 0.8) ? (scan?.id ?? "") : name(r),
        detectorId: chance(r, 0.8) ? (scan?.detector ?? detector) : name(r),
        indexes: chance(r, 0.6)
          ? Array.from({ length: int(r, 4) }, () => u64(r, 8))
          : (scan?.shape ?? [1]).map((d) => BigInt(int(r, d))),
        data: dte(r, chance(r, 0.7), [8]),
      });
      return {
        what: `SaveScanPoint indexes [${m.indexes}]`,
        messages: [encode(svc.SaveScanPointRequestSchema, m)],
      };
    }
    case "EndScan": {
      const scanId = chance(r, 0.3) && t.scans.length ? pick(r, t.scans).id : name(r);
      return {
        what: `EndScan ${JSON.stringify(scanId.slice(0, 40))}`,
        messages: [
          encode(svc.EndScanRequestSchema, create(svc.EndScanRequestSchema, { sessionId: session, scanId })),
        ],
      };
    }
    case "StartContinuous":
      return {
        what: `StartContinuous ${JSON.stringify(detector.slice(0, 40))}`,
        messages: [
          encode(
            svc.StartContinuousRequestSchema,
            create(svc.StartContinuousRequestSchema, { sessionId: session, detectorId: detector }),
          ),
        ],
      };
    case "AddLog": {
      const lines = pick(r, [
        [pick(r, NASTY_NAMES)],
        Array.from({ length: 1 + int(r, 20) }, () => randomText(r, 80)),
        Array.from({ length: 5000 }, (_, i) => `line ${i}`),
        ["z".repeat(1_000_000)],
        [],
      ]);
      return {
        what: `AddLog of ${lines.length} hostile lines`,
        messages: [
          encode(svc.AddLogRequestSchema, create(svc.AddLogRequestSchema, { sessionId: session, lines })),
        ],
      };
    }
    case "Flush":
      return {
        what: "Flush",
        messages: [encode(svc.FlushRequestSchema, create(svc.FlushRequestSchema, { sessionId: session }))],
      };
    case "GetStatus":
      return {
        what: "GetStatus of a hostile id",
        messages: [
          encode(
            svc.GetStatusRequestSchema,
            create(svc.GetStatusRequestSchema, { sessionId: chance(r, 0.3) ? session : name(r) }),
          ),
        ],
      };
    case "Browse": {
      const m = create(svc.BrowseRequestSchema, {
        target: target(r, t, session),
        nodePath:
          chance(r, 0.5) && t.nodes.length
            ? pick(r, t.nodes)
            : pick(r, [
                ...NASTY_NAMES,
                "/RawData/Logger",
                "/RawData/Detector000/Data1D",
                "/../..",
                "//RawData",
              ]),
        includeAttributes: chance(r, 0.5),
      });
      if (chance(r, 0.7)) m.maxDepth = pick(r, U32_NASTY);
      return {
        what: `Browse ${m.target.case}=${JSON.stringify(String(m.target.value ?? "").slice(0, 40))} node ${JSON.stringify(m.nodePath.slice(0, 60))}`,
        messages: [encode(svc.BrowseRequestSchema, m)],
      };
    }
    case "ReadDataset": {
      const m = create(svc.ReadDatasetRequestSchema, {
        target: target(r, t, session),
        datasetPath:
          chance(r, 0.6) && t.nodes.length
            ? pick(r, t.nodes)
            : pick(r, [...NASTY_NAMES, "/RawData/Logger", "/RawData"]),
        start: Array.from({ length: int(r, 4) }, () => u64(r, 3)),
        count: Array.from({ length: int(r, 4) }, () => u64(r, 3)),
        maxChunkBytes: chance(r, 0.5) ? pick(r, [0n, 1n, 7n, 2n ** 53n, 2n ** 64n - 1n]) : 0n,
      });
      return {
        what: `ReadDataset ${JSON.stringify(m.datasetPath.slice(0, 60))} start [${m.start}] count [${m.count}] max_chunk ${m.maxChunkBytes}`,
        messages: [encode(svc.ReadDatasetRequestSchema, m)],
      };
    }
    case "Stream":
      return streamAbuse(r, t, session);
  }
}

function target(r: Rng, t: Targets, session: string): svc.BrowseRequest["target"] {
  const k = int(r, 4);
  if (k === 0) return { case: "sessionId", value: session };
  if (k === 1) return { case: "path", value: t.files.length ? pick(r, t.files) : "good/stream.h5" };
  if (k === 2) return { case: "path", value: pick(r, NASTY_PATHS) };
  return chance(r, 0.5) ? { case: undefined } : { case: "sessionId", value: name(r) };
}

function streamAbuse(r: Rng, t: Targets, session: string): { what: string; messages: Uint8Array[] } {
  const stream = t.streams.length ? pick(r, t.streams) : { session, id: "/RawData/Detector000" };
  const req = (init: MessageInitShape<typeof svc.StreamRequestSchema>) =>
    encode(
      svc.StreamRequestSchema,
      create(svc.StreamRequestSchema, {
        sessionId: stream.session,
        streamId: stream.id,
        sequence: 1n,
        ...init,
      }),
    );
  const frame = (shape = [8]) => dte(r, false, shape);
  switch (int(r, 14)) {
    case 12: {
      // a block whose declared frame count, arrays and timestamps disagree
      const frames = pick(r, [2, 3, 1_048_577, 2 ** 32 - 1]);
      return {
        what: `Stream: a block of ${frames} frames with one frame's values`,
        messages: [req({ frames, timestamps: chance(r, 0.5) ? [Number.NaN, 1] : [1], data: frame() })],
      };
    }
    case 13:
      return {
        what: "Stream: a block without shapes",
        messages: [req({ frames: 2, data: dte(r, true) })],
      };
    case 0:
      return {
        what: "Stream: first message without session_id",
        messages: [req({ sessionId: "", data: frame() })],
      };
    case 1:
      return { what: "Stream: unknown stream", messages: [req({ streamId: name(r), data: frame() })] };
    case 2:
      return { what: "Stream: sequence 0", messages: [req({ sequence: 0n, data: frame() })] };
    case 3: {
      const sequence = pick(r, [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n, 1_000_000n]);
      return { what: `Stream: sequence ${sequence} (a gap)`, messages: [req({ sequence, data: frame() })] };
    }
    case 4:
      return { what: "Stream: frame without data", messages: [req({ sequence: BigInt(1 + int(r, 3)) })] };
    case 5:
      return {
        what: "Stream: hostile data",
        messages: Array.from({ length: 1 + int(r, 3) }, (_, i) =>
          req({ sequence: BigInt(1 + i), data: dte(r, true) }),
        ),
      };
    case 6:
      return {
        what: "Stream: frames that change shape",
        messages: [
          req({ sequence: 1n, data: frame([8]) }),
          req({ sequence: 2n, data: frame([9]) }),
          req({ sequence: 3n, data: frame([2, 4]) }),
        ],
      };
    case 7:
      return {
        what: "Stream: session_id changes mid-call",
        messages: [
          req({ sequence: 1n, data: frame() }),
          req({ sessionId: uuid(r), sequence: 2n, data: frame() }),
        ],
      };
    case 8:
      return { what: "Stream: no message, half-closed at once", messages: [] };
    case 9:
      return {
        what: "Stream: resends and gaps",
        messages: [1n, 1n, 3n, 2n].map((sequence) => req({ sequence, data: frame() })),
      };
    case 10:
      return {
        what: "Stream: random bytes after a frame",
        messages: [req({ data: frame() }), bytes(r, int(r, 200))],
      };
    default:
      return { what: "Stream: unknown session", messages: [req({ sessionId: uuid(r), data: frame() })] };
  }
}

/** Protobuf wire abuse: messages no encoder writes. */
function wireAbuse(r: Rng): { what: string; bytes: Uint8Array } {
  switch (int(r, 7)) {
    case 0:
      return {
        what: "overlong varint (11 bytes)",
        bytes: Uint8Array.of(0x18, ...Array(10).fill(0xff), 0x01),
      };
    case 1:
      return {
        what: "field 1 declares 4 GiB",
        bytes: Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x41, 0x42),
      };
    case 2:
      return {
        what: "field 1 declares 2^62 bytes",
        bytes: Uint8Array.of(0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x41),
      };
    case 3: {
      // 20,000 nested start-group tags of an unknown field
      const depth = 20_000;
      const out = new Uint8Array(depth * 2);
      for (let i = 0; i < depth; i++) {
        out[2 * i] = 0xfb; // field 127, wire type 3 (start group), as a 2-byte varint
        out[2 * i + 1] = 0x07;
      }
      return { what: `${depth} nested groups of an unknown field`, bytes: out };
    }
    case 4:
      return {
        what: "invalid UTF-8 in field 1 (a string)",
        bytes: Uint8Array.of(0x0a, 0x06, 0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0),
      };
    case 5:
      return { what: "wire type 7 (invalid)", bytes: Uint8Array.of(0x0f, 0x01) };
    default:
      return { what: "end-group without start", bytes: Uint8Array.of(0x0c) };
  }
}

/** Fuzz case `index` of `seed`, aimed at `targets`. */
export function fuzzCase(seed: number, index: number, targets: Targets): FuzzCase {
  const r = seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const method = pick(r, METHODS);
  const family = r();
  if (family < 0.12) {
    const n = pick(r, [0, 1, 2, 5, 16, 64, 512, 4096]);
    return { index, method, what: `${n} random bytes`, messages: [bytes(r, n)] };
  }
  if (family < 0.22) {
    const base = plausible(method, r, targets)[0] ?? new Uint8Array();
    const cut = int(r, Math.max(1, base.length));
    return {
      index,
      method,
      what: `a valid message truncated at ${cut} of ${base.length} bytes`,
      messages: [base.subarray(0, cut)],
    };
  }
  if (family < 0.3) {
    const base = Uint8Array.from(plausible(method, r, targets)[0] ?? new Uint8Array());
    const flips = 1 + int(r, 4);
    for (let i = 0; i < flips && base.length > 0; i++) {
      const at = int(r, base.length);
      base[at] = (base[at] ?? 0) ^ (1 << int(r, 8));
    }
    return { index, method, what: `a valid message with ${flips} bits flipped`, messages: [base] };
  }
  if (family < 0.35) {
    const abuse = wireAbuse(r);
    return { index, method, what: `wire abuse: ${abuse.what}`, messages: [abuse.bytes] };
  }
  if (family < 0.4) {
    return { index, method, what: "a plausible message", messages: plausible(method, r, targets) };
  }
  const { what, messages } = adversarial(method, r, targets);
  return { index, method, what, messages };
}
