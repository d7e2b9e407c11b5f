/**
 * The typed TypeScript client of h5saver.v1.SaverService: promise methods that take and return
 * the domain model (`DataToExportInput`, `AxisInput`, …) and convert it at this edge with the
 * service's own `convert.ts`, so that callers never see protobuf or grpc-js.
 *
 * A continuous stream is a `ContinuousUpload`: `send` numbers the frames and waits while the
 * call's write buffer is full (HTTP/2 flow control reaches the caller), acknowledgements of
 * durable frames arrive through `onAck` and `acknowledged`, and `end` half-closes the call and
 * waits for the server's final acknowledgement.
 */
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as data from "@h5saver/proto/h5saver/v1/data_pb";
import * as opt from "@h5saver/proto/h5saver/v1/options_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import {
  type Compression,
  createAxis,
  createDataToExport,
  type DataDistribution,
  type DataToExport,
  type DataToExportInput,
  type DType,
  type Durability,
  type LayoutFlavour,
  type SaveType,
  type ScanInput,
} from "@h5saver/service";
import { MAX_BLOCK_FRAMES } from "@h5saver/service/model";
import {
  attributeValueToProto,
  axisToProto,
  dataToExportToProto,
  dtypeToProto,
} from "@h5saver/service/rpc/convert";
import {
  callUnary,
  createGrpcClient,
  encodingOf,
  type GrpcClient,
  type UnaryMethod,
} from "@h5saver/service/rpc/grpc-glue";
import {
  type BrowseOptions,
  browseRequest,
  collectSlice,
  type DatasetSlice,
  type FileNode,
  type FileTarget,
  fileNodeFromProto,
  type ReadOptions,
  readRequest,
} from "./file-reading.ts";
import { type BatchOptions, blockPart, FrameBatch, FrameBlock } from "./frame-batch.ts";
import { MessageBuffers } from "./message-buffers.ts";

type Client = GrpcClient<typeof svc.SaverService>;

export interface SaverClientOptions {
  /** Deadline of every unary call, in milliseconds; absent means none. Streams have none. */
  readonly deadlineMs?: number;
  /** Largest message sent or received (default 64 MiB, as the server's default). */
  readonly maxMessageBytes?: number;
  /** A bearer token, sent with every call (servers started with --tokens need one). */
  readonly token?: string;
  /**
   * TLS (servers started with --tls-cert): `ca` to trust (PEM; absent: the system's roots),
   * `cert` and `key` for mutual TLS.
   */
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
}

export interface OpenFileOptions {
  /** Relative to the server's data root; empty or absent: the server names the file as PyMoDAQ does. */
  readonly path?: string;
  readonly mode?: "create" | "overwrite" | "append";
  readonly saveType?: SaveType;
  readonly compression?: Compression;
  /** When frames become durable (absent fields: the server's defaults); `{maxFrames: 1}` flushes every frame. */
  readonly flush?: { readonly maxFrames?: number; readonly maxDelayMs?: number };
  /** Attributes of /RawData for a new file. */
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
  /** The PyMoDAQ tree: "pymodaq4" (4.3+/5.x, the default) or "pymodaq3" (what PyMoDAQ 3 opens). */
  readonly layout?: LayoutFlavour;
  /** pymodaq3 only: the dtype Data nodes are cast to (PyMoDAQ 3's "Saving dynamic"; default float64). */
  readonly dataDtype?: DType;
  /**
   * When stream frames are acknowledged as durable: "synced" (the default: on the disk, kept
   * through a power cut) or "written" (handed to the server's operating system: kept if the
   * server dies, not if its machine loses power; acknowledgements wait for no disk).
   */
  readonly durability?: Durability;
}

/** A scan to begin: the same shape as the writer's own `ScanInput`. */
export type ScanOptions = ScanInput;

export interface StreamCounts {
  readonly streamId: string;
  readonly frames: number;
  readonly durableFrames: number;
  readonly appendedSequence: number;
  readonly durableSequence: number;
}

export interface ClosedFile {
  readonly path: string;
  readonly sizeBytes: number;
  readonly streams: readonly StreamCounts[];
}

export interface SessionStatus {
  readonly sessionId: string;
  readonly path: string;
  /** Seconds since the epoch. */
  readonly openedAt: number;
  readonly pendingFrames: number;
  /** Seconds since the epoch; 0 if none yet. */
  readonly lastFlushAt: number;
  readonly streams: readonly StreamCounts[];
  readonly scans: readonly {
    readonly scanId: string;
    readonly pointsSaved: number;
    readonly done: boolean;
  }[];
  /** Calls waiting for the session's writer (at the server's limit, more get RESOURCE_EXHAUSTED). */
  readonly queuedCalls: number;
  /** Bytes of array data the session received (frames, snapshots, scan points). */
  readonly bytesReceived: number;
  /** Bytes the HDF5 file takes on the server's disk now. */
  readonly fileBytes: number;
  /** Bytes its crash journal takes on the server's disk now (0 without one; gone once the file closes cleanly). */
  readonly journalBytes: number;
}

export interface ServerStatus {
  readonly serverVersion: string;
  readonly uptimeSeconds: number;
  readonly sessions: readonly SessionStatus[];
}

export interface Ack {
  /** Highest sequence appended to the file's arrays (maybe not flushed yet). */
  readonly appendedSequence: number;
  /** Highest sequence durable: it and every frame before it are in the file and flushed. */
  readonly durableSequence: number;
  readonly durableFrames: number;
  /** The last acknowledgement, after `end()`: the stream is ended and fully durable. */
  readonly final: boolean;
  /**
   * Frames per chunk of the file that the server's crash journal points at: messages of a
   * multiple of it, starting at a multiple, are not copied into the journal (0: none). This
   * client ends its batches on those boundaries once it has heard it.
   */
  readonly framesPerChunk: number;
}

/** A gRPC failure: `code` is the status name (e.g. "PERMISSION_DENIED"), the message the server's. */
export class SaverClientError extends Error {
  override readonly name = "SaverClientError";
  readonly code: string;
  readonly status: grpc.status;

  constructor(status: grpc.status, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.code = grpc.status[status] ?? `STATUS_${status}`;
  }

  static from(error: unknown): SaverClientError {
    if (error instanceof SaverClientError) return error;
    if (isServiceError(error)) return new SaverClientError(error.code, error.details, { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    return new SaverClientError(grpc.status.UNKNOWN, message, { cause: error });
  }
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && typeof (error as Partial<grpc.ServiceError>).code === "number";
}

const OPEN_MODE = {
  create: opt.OpenMode.CREATE,
  overwrite: opt.OpenMode.OVERWRITE,
  append: opt.OpenMode.APPEND,
};
const SAVE_TYPE: Record<SaveType, opt.SaveType> = {
  detector: opt.SaveType.DETECTOR,
  scan: opt.SaveType.SCAN,
  logger: opt.SaveType.LOGGER,
  custom: opt.SaveType.CUSTOM,
  actuator: opt.SaveType.ACTUATOR,
};
const COMPRESSION_KIND: Record<Compression["kind"], opt.CompressionKind> = {
  none: opt.CompressionKind.NONE,
  gzip: opt.CompressionKind.GZIP,
  "blosc-lz4": opt.CompressionKind.BLOSC_LZ4,
};
const LAYOUT: Record<LayoutFlavour, opt.LayoutFlavour> = {
  pymodaq4: opt.LayoutFlavour.PYMODAQ4,
  pymodaq3: opt.LayoutFlavour.PYMODAQ3,
};
const DURABILITY: Record<Durability, opt.Durability> = {
  synced: opt.Durability.SYNCED,
  written: opt.Durability.WRITTEN,
};
/** A string option's wire value; one the table lacks (from JavaScript, say) is refused, not sent as the default. */
function enumOption<K extends string, V>(table: Record<K, V>, value: K, name: string): V {
  if (!Object.hasOwn(table, value)) {
    throw new SaverClientError(
      grpc.status.INVALID_ARGUMENT,
      `${name} is '${value}': expected one of ${Object.keys(table).join(", ")}`,
    );
  }
  return table[value];
}

const DISTRIBUTION: Record<DataDistribution, data.DataDistribution> = {
  uniform: data.DataDistribution.UNIFORM,
  spread: data.DataDistribution.SPREAD,
};

function toProtoData(dte: DataToExport | DataToExportInput): data.DataToExport {
  return dataToExportToProto(createDataToExport(dte));
}

function streamCounts(s: svc.StreamStatus): StreamCounts {
  return {
    streamId: s.streamId,
    frames: Number(s.frames),
    durableFrames: Number(s.durableFrames),
    appendedSequence: Number(s.appendedSequence),
    durableSequence: Number(s.durableSequence),
  };
}

function sessionStatus(s: svc.SessionStatus): SessionStatus {
  return {
    sessionId: s.sessionId,
    path: s.path,
    openedAt: s.openedAt,
    pendingFrames: Number(s.pendingFrames),
    lastFlushAt: s.lastFlushAt,
    streams: s.streams.map(streamCounts),
    scans: s.scans.map((sc) => ({ scanId: sc.scanId, pointsSaved: Number(sc.pointsSaved), done: sc.done })),
    queuedCalls: s.queuedCalls,
    bytesReceived: Number(s.bytesReceived),
    fileBytes: Number(s.fileBytes),
    journalBytes: Number(s.journalBytes),
  };
}

/**
 * The HTTP/2 window the client advertises for what the server sends it (ReadDataset's chunks):
 * grpc-js' default, 64 KiB, makes the server wait for a WINDOW_UPDATE after every 64 KiB.
 */
const RECEIVE_WINDOW_BYTES = 4 << 20;

/**
 * What an upload lets wait in grpc-js: messages written to the call whose write callbacks have not
 * run (grpc-js runs them once its transport has taken the message, or sooner for the first
 * megabyte or so it keeps for retries). grpc-js' own bound counts messages (16, of up to 4 MiB
 * each): with frames ready in memory, each upload would hold 64 MiB of copies, fresh memory that
 * the process faults in and collects again — 16 uploads in one process, a gigabyte. An upload
 * waits once more than two full batches wait (and more than one message), until one batch's worth
 * or one message is left: the connection stays busy while the next batch is encoded. A batch's
 * bytes count its arrays only; QUEUED_SLACK_BYTES covers the rest of a message (protobuf fields,
 * timestamps).
 */
const QUEUED_SLACK_BYTES = 1 << 20;

/** Connects (lazily) to an h5saver server at `address` ("host:port"). */
export function createSaverClient(address: string, options: SaverClientOptions = {}): SaverClient {
  return new SaverClient(address, options);
}

export class SaverClient {
  readonly #grpc: Client;
  readonly #deadlineMs: number | undefined;
  readonly #token: string | undefined;

  constructor(address: string, options: SaverClientOptions = {}) {
    const maxBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
    const tls = options.tls;
    const credentials = tls
      ? grpc.credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null)
      : grpc.credentials.createInsecure();
    this.#grpc = createGrpcClient(svc.SaverService, address, credentials, {
      "grpc.max_receive_message_length": maxBytes,
      "grpc.max_send_message_length": maxBytes,
      "grpc-node.flow_control_window": RECEIVE_WINDOW_BYTES,
    });
    this.#deadlineMs = options.deadlineMs;
    this.#token = options.token;
  }

  /** @internal The metadata of every call: the bearer token, if any. */
  metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.#token !== undefined) metadata.set("authorization", `Bearer ${this.#token}`);
    return metadata;
  }

  /** @internal One unary call as a promise; failures become SaverClientError. */
  call<I, O>(method: UnaryMethod<I, O>, request: I): Promise<O> {
    const callOptions: grpc.CallOptions =
      this.#deadlineMs === undefined ? {} : { deadline: Date.now() + this.#deadlineMs };
    return callUnary(this.#grpc, method, request, callOptions, this.metadata()).catch((error: unknown) => {
      // the one failure that is not a gRPC status is a call answered without a message
      throw isServiceError(error)
        ? SaverClientError.from(error)
        : new SaverClientError(grpc.status.INTERNAL, "no response", { cause: error });
    });
  }

  /** @internal A Stream call. */
  openStream(): grpc.ClientDuplexStream<svc.StreamRequest, svc.StreamResponse> {
    return this.#grpc.stream(this.metadata());
  }

  get rpc(): Client {
    return this.#grpc;
  }

  /** Opens (or creates) a file on the server and starts a session on it. */
  async openFile(options: OpenFileOptions = {}): Promise<RemoteFile> {
    const metadata: Record<string, data.AttributeValue> = {};
    for (const [key, value] of Object.entries(options.metadata ?? {})) {
      metadata[key] = attributeValueToProto(value);
    }
    const compression = options.compression;
    const request = create(svc.OpenFileRequestSchema, {
      path: options.path ?? "",
      mode: options.mode ? enumOption(OPEN_MODE, options.mode, "mode") : opt.OpenMode.UNSPECIFIED,
      saveType: options.saveType
        ? enumOption(SAVE_TYPE, options.saveType, "saveType")
        : opt.SaveType.UNSPECIFIED,
      ...(compression
        ? {
            compression: {
              kind: enumOption(COMPRESSION_KIND, compression.kind, "compression.kind"),
              level: compression.kind === "none" ? 0 : compression.level,
            },
          }
        : {}),
      ...(options.flush
        ? {
            flushPolicy: {
              ...(options.flush.maxFrames !== undefined ? { maxFrames: options.flush.maxFrames } : {}),
              ...(options.flush.maxDelayMs !== undefined ? { maxDelayMs: options.flush.maxDelayMs } : {}),
            },
          }
        : {}),
      metadata,
      layout: options.layout ? enumOption(LAYOUT, options.layout, "layout") : opt.LayoutFlavour.UNSPECIFIED,
      ...(options.dataDtype ? { dataDtype: dtypeToProto(options.dataDtype) } : {}),
      durability: options.durability
        ? enumOption(DURABILITY, options.durability, "durability")
        : opt.Durability.UNSPECIFIED,
    });
    const response = await this.call(this.#grpc.openFile, request);
    return new RemoteFile(this, response.sessionId, response.path);
  }

  /** The server's sessions (or one of them), with their streams and scans. */
  async status(sessionId = ""): Promise<ServerStatus> {
    const response = await this.call(this.#grpc.getStatus, create(svc.GetStatusRequestSchema, { sessionId }));
    return {
      serverVersion: response.serverVersion,
      uptimeSeconds: response.uptimeSeconds,
      sessions: response.sessions.map(sessionStatus),
    };
  }

  /** A file's tree: an open session's (`{sessionId}`) or one under the data root (`{path}`). */
  async browse(target: FileTarget, options: BrowseOptions = {}): Promise<FileNode> {
    const { root } = await this.call(this.#grpc.browse, browseRequest(target, options));
    if (!root) throw new SaverClientError(grpc.status.INTERNAL, "Browse answered without a tree");
    return fileNodeFromProto(root);
  }

  /** A numeric dataset (or a slice of it), read in chunks and returned whole. */
  read(target: FileTarget, datasetPath: string, options: ReadOptions = {}): Promise<DatasetSlice> {
    const callOptions: grpc.CallOptions =
      this.#deadlineMs === undefined ? {} : { deadline: Date.now() + this.#deadlineMs };
    const call = this.#grpc.readDataset(
      readRequest(target, datasetPath, options),
      this.metadata(),
      callOptions,
    );
    return collectSlice(call, (error) =>
      isServiceError(error)
        ? SaverClientError.from(error)
        : new SaverClientError(grpc.status.INTERNAL, String(error), { cause: error }),
    );
  }

  /** Closes the channel; open sessions stay open on the server until closed or the server stops. */
  close(): void {
    this.#grpc.close();
  }
}

/** One session: a file open on the server. Ids of detectors and scans are HDF5 group paths. */
export class RemoteFile {
  readonly #client: SaverClient;
  readonly sessionId: string;
  /** The file's path relative to the server's data root. */
  readonly path: string;

  constructor(client: SaverClient, sessionId: string, filePath: string) {
    this.#client = client;
    this.sessionId = sessionId;
    this.path = filePath;
  }

  /** Adds a detector under /RawData, or under a scan (for its points); resolves with its id. */
  async addDetector(title: string, settingsXml = "", scanId = ""): Promise<string> {
    const { rpc } = this.#client;
    const request = create(svc.AddDetectorRequestSchema, {
      sessionId: this.sessionId,
      title,
      settingsXml,
      scanId,
    });
    return (await this.#client.call(rpc.addDetector, request)).detectorId;
  }

  /** Saves one acquisition as DAQ_Viewer's "save"; resolves with the channel groups written. */
  async saveSnapshot(detectorId: string, dte: DataToExport | DataToExportInput): Promise<string[]> {
    const { rpc } = this.#client;
    const request = create(svc.SaveSnapshotRequestSchema, {
      sessionId: this.sessionId,
      detectorId,
      data: toProtoData(dte),
    });
    return (await this.#client.call(rpc.saveSnapshot, request)).channelPaths;
  }

  /** Begins a scan group with its navigation axes; resolves with its id. */
  async beginScan(scan: ScanOptions): Promise<string> {
    const { rpc } = this.#client;
    const request = create(svc.BeginScanRequestSchema, {
      sessionId: this.sessionId,
      title: scan.title,
      settingsXml: scan.settingsXml ?? "",
      shape: scan.shape.map(BigInt),
      navAxes: scan.navAxes.map((axis, i) => axisToProto(createAxis(axis, `navAxes[${i}]`))),
      distribution: scan.distribution ? DISTRIBUTION[scan.distribution] : data.DataDistribution.UNSPECIFIED,
    });
    return (await this.#client.call(rpc.beginScan, request)).scanId;
  }

  /** Saves one point of a scan for one of its detectors; resolves with that detector's points so far. */
  async saveScanPoint(
    scanId: string,
    detectorId: string,
    indexes: readonly number[],
    dte: DataToExport | DataToExportInput,
  ): Promise<number> {
    const { rpc } = this.#client;
    const request = create(svc.SaveScanPointRequestSchema, {
      sessionId: this.sessionId,
      scanId,
      detectorId,
      indexes: indexes.map(BigInt),
      data: toProtoData(dte),
    });
    return Number((await this.#client.call(rpc.saveScanPoint, request)).pointsSaved);
  }

  /** Ends a scan (flushed); resolves with its points, all detectors together. */
  async endScan(scanId: string): Promise<number> {
    const { rpc } = this.#client;
    const request = create(svc.EndScanRequestSchema, { sessionId: this.sessionId, scanId });
    return Number((await this.#client.call(rpc.endScan, request)).pointsSaved);
  }

  /**
   * Starts continuous saving into a detector of /RawData and opens the call that carries its
   * frames. Frames sent in a burst travel together (`batch`, see frame-batch.ts; `{maxFrames: 1}`
   * sends each frame in a message of its own).
   */
  async startContinuous(
    detectorId: string,
    options: { batch?: BatchOptions } = {},
  ): Promise<ContinuousUpload> {
    const { rpc } = this.#client;
    const request = create(svc.StartContinuousRequestSchema, { sessionId: this.sessionId, detectorId });
    const { streamId } = await this.#client.call(rpc.startContinuous, request);
    return new ContinuousUpload(this.#client.openStream(), this.sessionId, streamId, options.batch);
  }

  /** Appends lines to /RawData/Logger (durable at the next flush). */
  async addLog(...lines: string[]): Promise<void> {
    const { rpc } = this.#client;
    await this.#client.call(
      rpc.addLog,
      create(svc.AddLogRequestSchema, { sessionId: this.sessionId, lines }),
    );
  }

  /** Makes everything received so far durable; resolves with the session's stream counts. */
  async flush(): Promise<StreamCounts[]> {
    const { rpc } = this.#client;
    const response = await this.#client.call(
      rpc.flush,
      create(svc.FlushRequestSchema, { sessionId: this.sessionId }),
    );
    return response.streams.map(streamCounts);
  }

  /** This file's tree, with everything appended so far (the server flushes first). */
  browse(options: BrowseOptions = {}): Promise<FileNode> {
    return this.#client.browse({ sessionId: this.sessionId }, options);
  }

  /** A numeric dataset of this file (or a slice of it), with everything appended so far. */
  read(datasetPath: string, options: ReadOptions = {}): Promise<DatasetSlice> {
    return this.#client.read({ sessionId: this.sessionId }, datasetPath, options);
  }

  /** This session's status. */
  async status(): Promise<SessionStatus> {
    const { sessions } = await this.#client.status(this.sessionId);
    const session = sessions[0];
    if (!session) throw new SaverClientError(grpc.status.NOT_FOUND, `no session ${this.sessionId}`);
    return session;
  }

  /** Ends open streams, closes the file and ends the session. */
  async close(): Promise<ClosedFile> {
    const { rpc } = this.#client;
    const response = await this.#client.call(
      rpc.closeFile,
      create(svc.CloseFileRequestSchema, { sessionId: this.sessionId }),
    );
    return {
      path: response.path,
      sizeBytes: Number(response.sizeBytes),
      streams: response.streams.map(streamCounts),
    };
  }
}

type AckListener = (ack: Ack) => void;

/** The frames of one continuous stream, over one Stream call. */
export class ContinuousUpload {
  readonly streamId: string;
  readonly #call: grpc.ClientDuplexStream<svc.StreamRequest, svc.StreamResponse>;
  readonly #sessionId: string;
  readonly #listeners = new Set<AckListener>();
  readonly #final: Promise<Ack>;
  #sequence = 0;
  #acknowledged = 0;
  #error: SaverClientError | undefined;
  #drain: Promise<void> | undefined;
  /** The messages written whose write callback has not run, and their bytes. */
  #queuedMessages = 0;
  #queuedBytes = 0;
  /** Wakes the drain that waits for the queue to fall (#resumeQueue). */
  #dequeued: (() => void) | undefined;
  #ended = false;
  readonly #batch: FrameBatch;
  #flushScheduled = false;
  #sentFirst = false;
  readonly #buffers = new MessageBuffers();

  constructor(
    call: grpc.ClientDuplexStream<svc.StreamRequest, svc.StreamResponse>,
    sessionId: string,
    streamId: string,
    batch?: BatchOptions,
  ) {
    this.#batch = new FrameBatch(batch);
    this.#call = call;
    this.#sessionId = sessionId;
    this.streamId = streamId;
    this.#final = new Promise<Ack>((resolve, reject) => {
      let last: Ack | undefined;
      call.on("data", (message: svc.StreamResponse) => {
        const ack: Ack = {
          appendedSequence: Number(message.appendedSequence),
          durableSequence: Number(message.durableSequence),
          durableFrames: Number(message.durableFrames),
          final: message.final,
          framesPerChunk: message.framesPerChunk,
        };
        if (ack.final) last = ack;
        this.#batch.framesPerChunk = ack.framesPerChunk;
        this.#acknowledged = Math.max(this.#acknowledged, ack.durableSequence);
        this.#buffers.acknowledged(ack.appendedSequence);
        for (const listener of this.#listeners) listener(ack);
      });
      call.on("error", (error) => {
        this.#buffers.clear();
        this.#error = SaverClientError.from(error);
        reject(this.#error);
      });
      call.on("status", (status: grpc.StatusObject) => {
        this.#buffers.clear();
        if (status.code !== grpc.status.OK) return; // 'error' reports it
        if (last) resolve(last);
        else
          reject(
            new SaverClientError(grpc.status.INTERNAL, "the stream ended without a final acknowledgement"),
          );
      });
    });
    this.#final.catch(() => undefined); // surfaced by send() and end()
  }

  /** The highest sequence number the server reports durable (0 while none is). */
  get acknowledged(): number {
    return this.#acknowledged;
  }

  /** Frames sent so far (the last sequence number assigned). */
  get sent(): number {
    return this.#sequence;
  }

  /** Calls `listener` with every acknowledgement; returns a function that removes it. */
  onAck(listener: AckListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The acknowledgements from now on, as an async iterable that ends after the final one (after
   * `end()`) and throws the call's error if it fails: `for await (const ack of upload.acknowledgements())`.
   */
  async *acknowledgements(): AsyncGenerator<Ack> {
    const queue: Ack[] = [];
    let wake: (() => void) | undefined;
    let settled = false;
    let failure: unknown;
    const off = this.onAck((ack) => {
      queue.push(ack);
      wake?.();
    });
    this.#final.then(
      () => {
        settled = true;
        wake?.();
      },
      (error: unknown) => {
        failure = error;
        settled = true;
        wake?.();
      },
    );
    try {
      for (;;) {
        const next = queue.shift();
        if (next) {
          yield next;
          if (next.final) return;
        } else if (settled) {
          if (failure) throw failure;
          return;
        } else {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      }
    } finally {
      off();
    }
  }

  /**
   * Sends the next frame (sequence numbers 1, 2, …). Resolves once the frame is queued — in the
   * batch going out when this burst of frames ends, or in the call's write buffer; once grpc-js
   * has taken enough when that buffer is full or holds more than two full batches — and rejects
   * once the call failed.
   */
  async send(dte: DataToExport | DataToExportInput): Promise<void> {
    while (this.#drain) await this.#drain;
    if (this.#error) throw this.#error;
    if (this.#ended) throw new SaverClientError(grpc.status.FAILED_PRECONDITION, "the upload has ended");
    if (!this.#batch.add(dte, this.#sequence + 1)) {
      this.#writeBatch();
      this.#batch.add(dte, this.#sequence + 1); // a first frame: validated, or throws
    }
    this.#sequence++;
    if (this.#batch.full) this.#writeBatch();
    else if (!this.#flushScheduled) {
      // the rest of this burst joins the batch; it goes out once the sender yields
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        if (!this.#error) this.#writeBatch();
      });
    }
    if (this.#drain) await this.#drain;
  }

  /**
   * Sends `timestamps.length` frames at once; resolves with the last one's sequence number.
   * `block` describes one frame (names, shapes, axes, units) as `send`'s input does, while each
   * of its arrays — data and errors — holds every frame's values one after another (a DAQ card's
   * buffer, a spectrometer's burst): no object per frame, each message's share copied once, in
   * messages of at most the batch's `maxBytes` (its `maxFrames` does not apply) cut on the
   * server's chunk boundaries. Each frame keeps
   * its own sequence number and time and is acknowledged as `send`'s. Refused before anything is
   * sent (SaverError invalid_data naming the field): arrays that do not hold the same number of
   * values for each frame, a frame that `send` would refuse, timestamps that are not finite, a
   * background. Waits on the call's buffer between messages; an empty block sends nothing.
   */
  async sendBlock(block: DataToExportInput, timestamps: ArrayLike<number>): Promise<number> {
    while (this.#drain) await this.#drain;
    if (this.#error) throw this.#error;
    if (this.#ended) throw new SaverClientError(grpc.status.FAILED_PRECONDITION, "the upload has ended");
    const frames = new FrameBlock(block, timestamps);
    if (frames.frames === 0) return this.#sequence;
    this.#writeBatch(); // frames sent one by one before the block go first
    const most = this.#batch.mostFramesOf(frames.frameBytes, MAX_BLOCK_FRAMES);
    for (let done = 0; done < frames.frames; ) {
      while (this.#drain) await this.#drain;
      if (this.#error) throw this.#error;
      const sequence = this.#sequence + 1;
      const count = blockPart(sequence, frames.frames - done, most, this.#batch.framesPerChunk ?? most);
      this.#write(frames.request(done, count, sequence, this.#firstIds(), this.#buffers.allocate));
      this.#sequence += count;
      done += count;
    }
    if (this.#drain) await this.#drain;
    return this.#sequence;
  }

  /** The session and stream ids, for the call's first message only. */
  #firstIds(): { sessionId: string; streamId: string } | undefined {
    if (this.#sentFirst) return undefined;
    return { sessionId: this.#sessionId, streamId: this.streamId };
  }

  /** Writes the waiting frames as one message. */
  #writeBatch(): void {
    if (this.#batch.size === 0) return;
    const request = this.#batch.take(this.#firstIds(), this.#buffers.allocate);
    if (request) this.#write(request);
  }

  /** Whether more than two full batches (and more than one message) wait in grpc-js. */
  #queueFull(): boolean {
    return this.#queuedMessages > 1 && this.#queuedBytes > 2 * (this.#batch.maxBytes + QUEUED_SLACK_BYTES);
  }

  /** Whether the queue has fallen to one batch's worth, or one message. */
  #resumeQueue(): boolean {
    return this.#queuedMessages <= 1 || this.#queuedBytes <= this.#batch.maxBytes + QUEUED_SLACK_BYTES;
  }

  /**
   * Writes one message; sets the drain to wait for when the call's buffer is full or when too
   * much waits in grpc-js (#queueFull).
   */
  #write(request: svc.StreamRequest): void {
    this.#sentFirst = true; // (built: the ids went into it when they had to)
    const encoding = encodingOf(request);
    const bytes = encoding?.byteLength ?? 0; // (every frame message is pre-encoded)
    this.#queuedMessages++;
    this.#queuedBytes += bytes;
    const written = this.#call.write(request, () => {
      this.#queuedMessages--;
      this.#queuedBytes -= bytes;
      if (this.#resumeQueue()) this.#dequeued?.();
    });
    this.#buffers.sent(encoding, Number(request.sequence) + Math.max(1, request.frames) - 1);
    if ((written && !this.#queueFull()) || this.#drain) return;
    this.#drain = new Promise<void>((resolve, reject) => {
      let drained = written;
      const settle = () => {
        if (!drained || !this.#resumeQueue()) return;
        off();
        resolve();
      };
      const onDrain = () => {
        drained = true;
        settle();
      };
      const failed = (error: unknown) => {
        off();
        reject(SaverClientError.from(error));
      };
      // a call that ends with OK runs no more write callbacks and emits no 'error'
      const ended = (status: grpc.StatusObject) => {
        if (status.code !== grpc.status.OK) return; // 'error' follows
        off();
        reject(new SaverClientError(grpc.status.FAILED_PRECONDITION, "the server ended the stream"));
      };
      const off = () => {
        this.#call.off("drain", onDrain);
        this.#call.off("error", failed);
        this.#call.off("status", ended);
        this.#dequeued = undefined;
      };
      this.#call.on("drain", onDrain);
      this.#call.on("error", failed);
      this.#call.on("status", ended);
      this.#dequeued = settle;
    }).finally(() => {
      this.#drain = undefined;
    });
    this.#drain.catch(() => undefined); // send() and end() surface it
  }

  /** Sends every frame of an iterable (sync or async), in order; resolves with the frames sent. */
  async sendAll(frames: Iterable<DataToExportInput> | AsyncIterable<DataToExportInput>): Promise<number> {
    let count = 0;
    for await (const frame of frames) {
      await this.send(frame);
      count++;
    }
    return count;
  }

  /**
   * Half-closes the call, which ends the continuous saving (arrays trimmed, flushed), and resolves
   * with the stream's final counts once the server's final acknowledgement arrived.
   */
  async end(): Promise<{ frames: number; durableFrames: number }> {
    while (this.#drain) await this.#drain;
    if (!this.#ended && !this.#error) this.#writeBatch();
    while (this.#drain) await this.#drain;
    if (!this.#ended) {
      this.#ended = true;
      this.#call.end();
    }
    const last = await this.#final;
    return { frames: last.appendedSequence, durableFrames: last.durableFrames };
  }

  /** Breaks the call without ending the stream: frames acknowledged stay, a new call may resume. */
  cancel(): void {
    this.#ended = true;
    this.#call.cancel();
  }
}
