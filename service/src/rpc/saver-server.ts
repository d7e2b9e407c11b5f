/**
 * The h5saver.v1.SaverService over grpc-js: sessions that each own one `WorkerSaverFile` (its own
 * writer thread), unary calls for everything but continuous frames, and the bidirectional
 * `Stream` that appends frames by sequence number and acknowledges what is durable.
 *
 * `createSaverServer` builds the handlers and the grpc-js `Server` without listening; `listen`
 * binds it (the command and the tests call it), `close` closes every session's file.
 */
import { randomUUID } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as healthProto from "@h5saver/proto/grpc/health/v1/health_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { findJournals } from "../durability/find-journals.ts";
import {
  BASE_SUFFIX,
  basePathOf,
  hasJournal,
  isCrashJournalPath,
  JOURNAL_SUFFIX,
  journalPathOf,
  RECOVERING_SUFFIX,
  SPENT_JOURNAL_SUFFIX,
} from "../durability/journal.ts";
import type { RecoveryReport } from "../durability/recover.ts";
import { invalidData, SaverError } from "../errors.ts";
import { HeapTrimmer } from "../files/heap-trim.ts";
import { acquireRootLock, LOCK_FILE as ROOT_LOCK_FILE, type RootLock } from "../files/root-lock.ts";
import type { DurableEvent } from "../layout/saver-file.ts";
import type { DataToExport } from "../model/data-to-export.ts";
import {
  checkedWriterThreadLimit,
  openSaverFile,
  prewarmWriterThread,
  setWriterThreadLimit,
  WorkerSaverFile,
} from "../worker/worker-saver-file.ts";
import { type Caller, openAccess, tokenAccess } from "./access.ts";
import { axisFromProto, countFromProto, dataToExportFromProto } from "./convert.ts";
import { createDataRoot } from "./data-root.ts";
import { addHealthService, addReflectionService } from "./discovery.ts";
import { type GrpcHandlers, grpcServiceDefinition } from "./grpc-glue.ts";
import { widenHttp2ReceiveWindows } from "./http2-windows.ts";
import { distributionFromProto, openOptions } from "./open-options.ts";
import { RateMeter } from "./rate-meter.ts";
import { createReadingHandlers } from "./reading-handlers.ts";
import { refuseNul } from "./request-checks.ts";
import { type ServerLog, silentLog } from "./server-log.ts";
import { ack, payloadBytes, type Session, type StreamState, streamStatus } from "./session.ts";
import { grpcStatus } from "./status.ts";
import { handleStreamCall } from "./stream-call.ts";

export interface SaverServerOptions {
  /** The data root: every client path is resolved under it. Must exist. */
  readonly root: string;
  /** Open sessions at once; one more OpenFile gets RESOURCE_EXHAUSTED. */
  readonly maxSessions?: number;
  /** Largest message the server accepts (grpc-js' default, 4 MiB, is below one 2k×2k float64 frame). */
  readonly maxMessageBytes?: number;
  /** Calls one session may have waiting for its writer; one more gets RESOURCE_EXHAUSTED. */
  readonly maxQueuedCalls?: number;
  /** Where events go (default: nowhere; `h5saver serve` logs to stderr). */
  readonly log?: ServerLog;
  /**
   * A session no call has named for this long, with no Stream call open, is closed (its file
   * flushed and closed, released for other writers). 0: never.
   */
  readonly idleTimeoutMs?: number;
  /** A tokens file (see access.ts): calls then need a bearer token, each token its own folder. */
  readonly tokensFile?: string;
  /** TLS: the server's certificate chain and key (PEM); with `clientCa`, clients need a certificate it signed. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly clientCa?: Buffer };
  /**
   * Keep a crash journal beside each open file (default true): a frame is durable once its record
   * is synced, and a file left by a killed server is rebuilt when it is opened again or when the
   * server starts. false: durable means flushed, and a kill between flushes can damage the file.
   */
  readonly journal?: boolean;
  /**
   * Warm up the writer thread kept ready for the first file with a throw-away session in the OS
   * temp directory (worker/warm-up.ts, ~0.2 s, ~14 MB written then deleted; a file opened
   * meanwhile ends it early): the first frames of the first file then run through optimised
   * code, not cold code. Default false here (embedding programs and tests start many servers);
   * `h5saver serve` turns it on.
   */
  readonly warmUp?: boolean;
  /**
   * Writer threads at most before the files the native backend writes share them (default one per
   * core, two at least; worker-saver-file.ts). Set for the whole process: the last server created
   * with it decides, for the files placed from then on.
   */
  readonly writerThreads?: number;
}

export const DEFAULT_MAX_SESSIONS = 64;
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/**
 * A session's calls run one at a time on its writer thread; a client that fires many calls
 * without waiting builds a queue here. 256 is far above what a well-behaved client needs (a
 * Stream call holds at most one frame in it) and bounds the memory a runaway client can pin.
 */
export const DEFAULT_MAX_QUEUED_CALLS = 256;
/**
 * An hour: long enough for a client to come back after a crash or a network cut and resume its
 * stream, short enough that a file abandoned by a vanished client does not stay locked for days.
 */
export const DEFAULT_IDLE_TIMEOUT_MS = 60 * 60 * 1000;

export interface SaverServer {
  readonly server: grpc.Server;
  readonly handlers: GrpcHandlers<typeof svc.SaverService>;
  /**
   * Takes the data root's lock (files/root-lock.ts: a root in use by another server is refused, a
   * SaverError "failed_precondition" naming the holder), rebuilds the files left with a crash
   * journal, binds `host:port` (port 0: any free port) and resolves with the port bound.
   */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Ends open stream calls, closes every session's file, stops the server and frees the root's
   * lock; resolves with the files closed.
   */
  close(): Promise<number>;
}

/** Set by the `h5saver` launcher's bundle (package.json is not beside a bundle). */
declare const H5SAVER_BUNDLED_VERSION: string | undefined;
const SERVER_VERSION = typeof H5SAVER_BUNDLED_VERSION === "string" ? H5SAVER_BUNDLED_VERSION : readVersion();

export function createSaverServer(options: SaverServerOptions): SaverServer {
  const writerThreads =
    options.writerThreads === undefined ? undefined : checkedWriterThreadLimit(options.writerThreads);
  const dataRoot = createDataRoot(options.root);
  const access = options.tokensFile ? tokenAccess(dataRoot, options.tokensFile) : openAccess(dataRoot);
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const maxQueuedCalls = options.maxQueuedCalls ?? DEFAULT_MAX_QUEUED_CALLS;
  const log = options.log ?? silentLog;
  const startedAt = Date.now();
  const sessions = new Map<string, Session>();
  /** Absolute file path → the session writing it (or "opening" while OpenFile runs). */
  const holders = new Map<string, string>();
  let closing = false;
  let rootLock: RootLock | undefined;
  const heapTrimmer = new HeapTrimmer(
    (trimmed) =>
      log.event("info", "heap_trimmed", {
        released_mb: Math.round(trimmed.releasedMb),
        rss_mb: Math.round(trimmed.rssMb),
        ms: Number(trimmed.ms.toFixed(2)),
        after: trimmed.after,
      }),
    () =>
      ![...sessions.values()].some((session) => [...session.streams.values()].some((s) => s.calls.size > 0)),
  );

  const toStatus = (error: unknown) => grpcStatus(error, dataRoot.root);

  /** The status for a failed call, logged: bugs with their stack, refused requests as warnings. */
  function failure(method: string, error: unknown, fields: Record<string, string | undefined> = {}) {
    const status = toStatus(error);
    if (status.code === grpc.status.INTERNAL) {
      log.event("error", "call_failed", { method, ...fields, code: "INTERNAL", message: describe(error) });
    } else {
      log.event("warn", "call_refused", {
        method,
        ...fields,
        code: grpc.status[status.code],
        message: status.details,
      });
    }
    return status;
  }

  /** The caller of a call; throws UNAUTHENTICATED when the server needs tokens and has none of these. */
  function callerOf(metadata: grpc.Metadata): Caller {
    return access.callerOf(metadata);
  }

  /** `abandoned`: undoes a success whose caller left before the answer (an OpenFile past its deadline). */
  function unary<I, O>(
    method: string,
    run: (request: I, caller: Caller) => Promise<O>,
    abandoned?: (response: O) => void,
  ): grpc.handleUnaryCall<I, O> {
    return (call, callback) => {
      const work = closing
        ? Promise.reject(shuttingDown())
        : Promise.resolve().then(() => {
            refuseNul(call.request);
            return run(call.request, callerOf(call.metadata));
          });
      work.then(
        (response) => {
          if (call.cancelled && abandoned) abandoned(response);
          else callback(null, response);
        },
        (error: unknown) => callback(failure(method, error, { session: sessionIdOf(call.request) })),
      );
    };
  }

  /** Runs `work` as one of the session's queued calls, refusing it beyond the queue limit. */
  async function queued<T>(session: Session, work: () => Promise<T>): Promise<T> {
    if (session.queued >= maxQueuedCalls) {
      throw new SaverError(
        "resource_exhausted",
        `session ${session.id} has ${session.queued} calls waiting for its writer, the server's limit: wait for answers before sending more`,
      );
    }
    session.queued++;
    try {
      return await work();
    } finally {
      session.queued--;
    }
  }

  function sessionOf(id: string, caller: Caller): Session {
    const session = sessions.get(id);
    if (!session) {
      throw new SaverError(
        "not_found",
        id === ""
          ? "session_id is empty: pass the session_id OpenFile returned"
          : `no open session '${id}': it was closed or never opened; OpenFile starts one`,
        { field: "session_id" },
      );
    }
    if (session.owner !== caller.name) {
      throw new SaverError("permission_denied", `session '${id}' belongs to another token`, {
        field: "session_id",
      });
    }
    session.lastActivity = Date.now();
    return session;
  }

  function streamOf(session: Session, id: string): StreamState {
    const state = session.streams.get(id);
    if (!state) {
      throw new SaverError(
        "not_found",
        `no stream '${id}' in session ${session.id}; StartContinuous returns the stream_id`,
        { field: "stream_id" },
      );
    }
    return state;
  }

  function onDurable(session: Session, event: DurableEvent): void {
    session.lastFlushAt = Date.now();
    const state = session.streams.get(event.stream);
    if (!state || event.durableFrames <= state.durable) return;
    state.durable = event.durableFrames;
    // the writer reports a flush before it answers the append that triggered it: frames durable
    // are frames appended, so the acknowledgement never shows durable > appended
    state.appended = Math.max(state.appended, state.durable);
    for (const call of state.calls) call.write(ack(state));
  }

  async function openFile(request: svc.OpenFileRequest, caller: Caller): Promise<svc.OpenFileResponse> {
    if (sessions.size >= maxSessions) {
      throw new SaverError(
        "resource_exhausted",
        `${sessions.size} sessions are open, the server's limit: close one (CloseFile) first`,
      );
    }
    const fileOptions = openOptions(request);
    if (caller.maxSessions !== undefined) {
      const own = [...sessions.values()].filter((session) => session.owner === caller.name).length;
      if (own >= caller.maxSessions) {
        throw new SaverError(
          "resource_exhausted",
          `token '${caller.name}' has ${own} sessions open, its limit: close one (CloseFile) first`,
        );
      }
    }
    const target = caller.dataRoot.resolve(request.path, { saveType: fileOptions.saveType ?? "detector" });
    if (isCrashJournalPath(target.absolute)) {
      throw invalidData(
        "path",
        `'${target.relative}' is the name of h5saver's crash-journal files (${JOURNAL_SUFFIX}, ${BASE_SUFFIX}, ${SPENT_JOURNAL_SUFFIX}, *${RECOVERING_SUFFIX}): choose another name`,
      );
    }
    if (path.basename(target.absolute) === ROOT_LOCK_FILE) {
      throw invalidData(
        "path",
        `'${ROOT_LOCK_FILE}' is the name of a data root's lock file: choose another name`,
      );
    }
    const holder = holders.get(target.absolute);
    if (holder !== undefined) {
      throw new SaverError(
        "failed_precondition",
        `'${target.relative}' is open in session ${holder}: one writer per file; close that session first`,
        { field: "path" },
      );
    }
    const id = randomUUID();
    holders.set(target.absolute, id);
    try {
      const recovery = hasJournal(target.absolute)
        ? await recover(target.absolute, target.relative)
        : undefined;
      const file = await openChecked(target, fileOptions);
      const session: Session = {
        id,
        path: target.relative,
        absolute: target.absolute,
        file,
        openedAt: Date.now(),
        lastFlushAt: 0,
        lastActivity: Date.now(),
        owner: caller.name,
        streams: new Map(),
        scans: new Map(),
        stopListening: file.onDurable((event) => onDurable(session, event)),
        queued: 0,
        bytesReceived: 0,
      };
      sessions.set(id, session);
      log.event("info", "session_opened", {
        session: id,
        path: target.relative,
        mode: fileOptions.mode ?? "create",
        // without a journal a frame is durable once flushed, whatever the request said
        durability: (options.journal ?? true) ? (fileOptions.durability ?? "synced") : "flushed",
      });
      return create(svc.OpenFileResponseSchema, {
        sessionId: id,
        path: target.relative,
        ...(recovery ? { recovery: recoveryToProto(recovery) } : {}),
      });
    } catch (error) {
      holders.delete(target.absolute);
      throw error;
    }
  }

  /** Rebuilds a file left by a crash from its journal, in a thread of its own, and logs it. */
  async function recover(absolute: string, relative: string): Promise<RecoveryReport> {
    log.event("warn", "file_recovering", { path: relative });
    const report = await WorkerSaverFile.recover(absolute);
    log.event("warn", "file_recovered", {
      path: relative,
      calls: report.calls,
      frames: report.frames,
      refused: report.refused,
      torn_bytes: report.tornBytes,
      seconds: Number(report.seconds.toFixed(3)),
      ...(report.refusals.length ? { refusals: report.refusals.join(" | ") } : {}),
    });
    return report;
  }

  async function openChecked(
    target: { absolute: string; relative: string },
    fileOptions: ReturnType<typeof openOptions>,
  ): Promise<WorkerSaverFile> {
    const mode = fileOptions.mode ?? "create";
    if (isFolder(target.absolute)) {
      throw new SaverError(
        "invalid_data",
        `'${target.relative}' is a folder, not a file: name an HDF5 file, e.g. '${path.join(target.relative, "run.h5")}'`,
        { field: "path" },
      );
    }
    if (mode === "create" && existsSync(target.absolute)) {
      throw new SaverError(
        "already_exists",
        `'${target.relative}' exists already: choose another path, or mode OPEN_MODE_APPEND / OPEN_MODE_OVERWRITE`,
        { field: "path" },
      );
    }
    if (mode === "append" && !existsSync(target.absolute)) {
      throw new SaverError(
        "not_found",
        `'${target.relative}' does not exist, so it cannot be appended to: use OPEN_MODE_CREATE`,
        { field: "path" },
      );
    }
    // the arrays of a Stream message are views of its own buffer (grpc-js assembles each message
    // into a new one): they move to the writer thread without a copy
    return openSaverFile(
      { ...fileOptions, path: target.absolute, journal: options.journal ?? true },
      { handOverArrays: true },
    );
  }

  /** Ends the session's streams and closes its file; the session is gone whatever fails. */
  async function closeSession(session: Session, why: SaverError): Promise<svc.StreamStatus[]> {
    sessions.delete(session.id);
    try {
      for (const state of session.streams.values()) {
        for (const call of state.calls) call.emit("error", toStatus(why));
        state.calls.clear();
        // behind the frames (and a half-close) already queued on the stream, which may end it first
        const run = state.lock.then(async () => {
          if (state.ended) return;
          const receipt = await session.file.endContinuous(state.id);
          state.ended = true;
          state.durable = receipt.durableFrames;
        });
        state.lock = run.catch(() => undefined);
        await run;
      }
      return [...session.streams.values()].map(streamStatus);
    } finally {
      session.stopListening();
      try {
        await session.file.close();
      } finally {
        heapTrimmer.request();
        holders.delete(session.absolute);
        log.event("info", "session_closed", {
          session: session.id,
          path: session.path,
          why: why.message,
          bytes_received: session.bytesReceived,
        });
      }
    }
  }

  async function closeFile(request: svc.CloseFileRequest, caller: Caller): Promise<svc.CloseFileResponse> {
    const session = sessionOf(request.sessionId, caller);
    const streams = await closeSession(
      session,
      new SaverError("failed_precondition", `session ${session.id} was closed by CloseFile`),
    );
    return create(svc.CloseFileResponseSchema, {
      path: session.path,
      sizeBytes: BigInt(statSync(session.absolute).size),
      streams,
    });
  }

  async function addDetector(
    request: svc.AddDetectorRequest,
    caller: Caller,
  ): Promise<svc.AddDetectorResponse> {
    const session = sessionOf(request.sessionId, caller);
    const detectorId = await queued(session, () =>
      request.scanId === ""
        ? session.file.addDetector(request.title, request.settingsXml)
        : session.file.addScanDetector(request.scanId, request.title, request.settingsXml),
    );
    return create(svc.AddDetectorResponseSchema, { detectorId });
  }

  async function saveSnapshot(
    request: svc.SaveSnapshotRequest,
    caller: Caller,
  ): Promise<svc.SaveSnapshotResponse> {
    const session = sessionOf(request.sessionId, caller);
    const dte = requiredData(request.data);
    // counted before the call: the writer thread takes the arrays (they are detached here after)
    const bytes = payloadBytes(dte);
    const channelPaths = await queued(session, async () => {
      await caller.limits?.admit(bytes);
      return session.file.saveSnapshot(request.detectorId, dte);
    });
    session.bytesReceived += bytes;
    session.lastFlushAt = Date.now();
    return create(svc.SaveSnapshotResponseSchema, { channelPaths });
  }

  async function beginScan(request: svc.BeginScanRequest, caller: Caller): Promise<svc.BeginScanResponse> {
    const session = sessionOf(request.sessionId, caller);
    const distribution = distributionFromProto(request.distribution);
    const scan = {
      title: request.title,
      settingsXml: request.settingsXml,
      shape: request.shape.map((d, i) => countFromProto(d, `shape[${i}]`)),
      navAxes: request.navAxes.map((axis, i) => axisFromProto(axis, `nav_axes[${i}]`)),
      ...(distribution ? { distribution } : {}),
    };
    const scanId = await queued(session, () => session.file.beginScan(scan));
    session.scans.set(scanId, { id: scanId, points: 0, done: false, perDetector: new Map() });
    return create(svc.BeginScanResponseSchema, { scanId });
  }

  async function saveScanPoint(
    request: svc.SaveScanPointRequest,
    caller: Caller,
  ): Promise<svc.SaveScanPointResponse> {
    const session = sessionOf(request.sessionId, caller);
    const indexes = request.indexes.map((d, i) => countFromProto(d, `indexes[${i}]`));
    const dte = requiredData(request.data);
    const bytes = payloadBytes(dte); // before the writer thread takes the arrays
    await queued(session, async () => {
      await caller.limits?.admit(bytes);
      return session.file.saveScanPoint(request.scanId, request.detectorId, indexes, dte);
    });
    session.bytesReceived += bytes;
    const scan = session.scans.get(request.scanId);
    const saved = (scan?.perDetector.get(request.detectorId) ?? 0) + 1;
    if (scan) {
      scan.points++;
      scan.perDetector.set(request.detectorId, saved);
    }
    return create(svc.SaveScanPointResponseSchema, { pointsSaved: BigInt(saved) });
  }

  async function endScan(request: svc.EndScanRequest, caller: Caller): Promise<svc.EndScanResponse> {
    const session = sessionOf(request.sessionId, caller);
    await queued(session, () => session.file.endScan(request.scanId));
    session.lastFlushAt = Date.now();
    const scan = session.scans.get(request.scanId);
    if (scan) scan.done = true;
    return create(svc.EndScanResponseSchema, { pointsSaved: BigInt(scan?.points ?? 0) });
  }

  async function startContinuous(
    request: svc.StartContinuousRequest,
    caller: Caller,
  ): Promise<svc.StartContinuousResponse> {
    const session = sessionOf(request.sessionId, caller);
    const streamId = await queued(session, () => session.file.startContinuous(request.detectorId));
    session.streams.set(streamId, {
      id: streamId,
      appended: 0,
      durable: 0,
      framesPerChunk: 0,
      ended: false,
      bytes: 0,
      rate: new RateMeter(),
      calls: new Set(),
      lock: Promise.resolve(),
    });
    log.event("info", "stream_started", {
      session: session.id,
      stream: streamId,
      detector: request.detectorId,
    });
    return create(svc.StartContinuousResponseSchema, { streamId });
  }

  async function addLog(request: svc.AddLogRequest, caller: Caller): Promise<svc.AddLogResponse> {
    const session = sessionOf(request.sessionId, caller);
    await queued(session, () => session.file.addLog(...request.lines));
    return create(svc.AddLogResponseSchema, {});
  }

  async function flush(request: svc.FlushRequest, caller: Caller): Promise<svc.FlushResponse> {
    const session = sessionOf(request.sessionId, caller);
    await queued(session, () => session.file.flush());
    session.lastFlushAt = Date.now();
    return create(svc.FlushResponseSchema, { streams: [...session.streams.values()].map(streamStatus) });
  }

  async function getStatus(request: svc.GetStatusRequest, caller: Caller): Promise<svc.GetStatusResponse> {
    const chosen =
      request.sessionId === ""
        ? [...sessions.values()].filter((session) => session.owner === caller.name)
        : [sessionOf(request.sessionId, caller)];
    return create(svc.GetStatusResponseSchema, {
      serverVersion: SERVER_VERSION,
      uptimeSeconds: (Date.now() - startedAt) / 1000,
      sessions: chosen.map((s) => {
        const streams = [...s.streams.values()];
        return create(svc.SessionStatusSchema, {
          sessionId: s.id,
          path: s.path,
          openedAt: s.openedAt / 1000,
          // stream frames only: the writer does not report unflushed scan points yet
          pendingFrames: BigInt(streams.reduce((n, st) => n + st.appended - st.durable, 0)),
          lastFlushAt: s.lastFlushAt / 1000,
          streams: streams.filter((st) => !st.ended).map(streamStatus),
          scans: [...s.scans.values()].map((sc) =>
            create(svc.ScanStatusSchema, { scanId: sc.id, pointsSaved: BigInt(sc.points), done: sc.done }),
          ),
          queuedCalls: s.queued,
          bytesReceived: BigInt(s.bytesReceived),
          fileBytes: BigInt(bytesOnDisk(s.absolute)),
          journalBytes: BigInt(bytesOnDisk(journalPathOf(s.absolute)) + bytesOnDisk(basePathOf(s.absolute))),
        });
      }),
    });
  }

  /** Reader flushes under way, per session: readers arriving meanwhile share one. */
  const readerFlushes = new Map<Session, Promise<void>>();

  /** A session's file, flushed so that a reader in another HDF5 instance sees every frame. */
  function flushedForReading(session: Session): Promise<void> {
    const running = readerFlushes.get(session);
    if (running) return running;
    const flushing = session.file
      .flushForReaders()
      .then(() => {
        session.lastFlushAt = Date.now();
      })
      .finally(() => readerFlushes.delete(session));
    readerFlushes.set(session, flushing);
    return flushing;
  }

  const reading = createReadingHandlers({
    async sessionFile(sessionId, caller) {
      const session = sessionOf(sessionId, caller);
      await flushedForReading(session);
      return { absolute: session.absolute, relative: session.path };
    },
    async rootFile(path, caller) {
      const target = caller.dataRoot.resolve(path, { saveType: "detector" });
      // a file being written reads as its last flush left it: flush it now, if the caller's (a
      // session whose flush fails — its stream broken, its disk full — is read as it is; the
      // session reports it; another token's session is read as it is)
      const holder = sessions.get(holders.get(target.absolute) ?? "");
      if (holder && holder.owner === caller.name) await flushedForReading(holder).catch(() => undefined);
      return target;
    },
    callerOf,
    failure: (method, error) => failure(method, error),
    refuse: () => (closing ? shuttingDown() : undefined),
  });

  const handlers: GrpcHandlers<typeof svc.SaverService> = {
    openFile: unary("OpenFile", openFile, (opened) => {
      // nobody will ever use or close this session: close it now rather than at the idle timeout
      const session = sessions.get(opened.sessionId);
      if (!session) return;
      closeSession(
        session,
        new SaverError(
          "unavailable",
          `session ${session.id} closed: its client left before OpenFile answered`,
        ),
      ).catch((error: unknown) => failure("OpenFile", error, { session: session.id }));
    }),
    closeFile: unary("CloseFile", closeFile),
    addDetector: unary("AddDetector", addDetector),
    saveSnapshot: unary("SaveSnapshot", saveSnapshot),
    beginScan: unary("BeginScan", beginScan),
    saveScanPoint: unary("SaveScanPoint", saveScanPoint),
    endScan: unary("EndScan", endScan),
    startContinuous: unary("StartContinuous", startContinuous),
    stream: (call) =>
      handleStreamCall(call, {
        sessionOf,
        callerOf,
        streamOf,
        queued,
        failure,
        refuse: () => (closing ? shuttingDown() : undefined),
        requiredData,
        requiredMessage,
        log,
      }),
    addLog: unary("AddLog", addLog),
    flush: unary("Flush", flush),
    getStatus: unary("GetStatus", getStatus),
    browse: reading.browse,
    readDataset: reading.readDataset,
  };

  widenHttp2ReceiveWindows();
  const server = new grpc.Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
  });
  server.addService(grpcServiceDefinition(svc.SaverService), handlers);
  const health = addHealthService(server, [svc.SaverService.typeName]);
  prewarmWriterThread(options.warmUp ?? false, (outcome) => {
    if ("error" in outcome) log.event("warn", "warm_up_failed", { message: outcome.error.message });
    else {
      const seconds = Number((outcome.milliseconds / 1000).toFixed(3));
      log.event("info", "warmed_up", {
        seconds,
        checksums: outcome.checksums,
        ...outcome.pageCache,
        ...outcome.backend,
        ...(outcome.cutShort ? { cut_short: true } : {}),
      });
    }
  });

  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const idleCheck =
    idleTimeoutMs > 0
      ? setInterval(closeIdleSessions, Math.min(30_000, Math.max(50, idleTimeoutMs / 4))).unref()
      : undefined;

  function closeIdleSessions(): void {
    const now = Date.now();
    for (const session of sessions.values()) {
      const streaming = [...session.streams.values()].some((state) => state.calls.size > 0);
      if (streaming || session.queued > 0 || now - session.lastActivity < idleTimeoutMs) continue;
      const seconds = Math.round(idleTimeoutMs / 1000);
      closeSession(
        session,
        new SaverError(
          "failed_precondition",
          `session ${session.id} was closed after ${seconds} s without calls`,
        ),
      ).catch((error: unknown) => failure("idle timeout", error, { session: session.id }));
    }
  }
  addReflectionService(server, [svc.file_h5saver_v1_saver_service, healthProto.file_grpc_health_v1_health]);
  // last: a server that could not be built leaves the process's limit as it was
  if (writerThreads !== undefined) setWriterThreadLimit(writerThreads);

  return {
    server,
    handlers,
    async listen(port, host = "127.0.0.1") {
      // before the recovery below, which would rebuild the files another server is writing
      rootLock ??= acquireRootLock(dataRoot.root, "serve");
      try {
        // files a killed server left are whole again before anyone can open them
        for (const file of await findJournals(dataRoot.root)) {
          await recover(file, path.relative(dataRoot.root, file)).catch((error: unknown) =>
            log.event("error", "recovery_failed", { path: file, message: describe(error) }),
          );
        }
        return await bind(port, host);
      } catch (error) {
        releaseRoot();
        throw error;
      }
    },
    async close() {
      // the files closing now need no trim: the server is going away
      heapTrimmer.stop();
      try {
        return await closeAll();
      } finally {
        releaseRoot();
      }
    },
  };

  function releaseRoot(): void {
    rootLock?.release();
    rootLock = undefined;
  }

  function bind(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const credentials = options.tls
        ? grpc.ServerCredentials.createSsl(
            options.tls.clientCa ?? null,
            [{ cert_chain: options.tls.cert, private_key: options.tls.key }],
            options.tls.clientCa !== undefined,
          )
        : grpc.ServerCredentials.createInsecure();
      server.bindAsync(`${host}:${port}`, credentials, (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
  }

  async function closeAll(): Promise<number> {
    closing = true;
    clearInterval(idleCheck);
    health.set("NOT_SERVING");
    const why = shuttingDown();
    const open = [...sessions.values()];
    log.event("info", "shutting_down", { open_sessions: open.length });
    const closed = await Promise.allSettled(open.map((session) => closeSession(session, why)));
    await new Promise<void>((resolve) => {
      // calls still running after a grace period are cut: the files are closed already
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return closed.filter((result) => result.status === "fulfilled").length;
  }
}

function recoveryToProto(report: RecoveryReport): svc.FileRecovery {
  return create(svc.FileRecoverySchema, {
    calls: BigInt(report.calls),
    frames: BigInt(report.frames),
    refused: BigInt(report.refused),
    seconds: report.seconds,
  });
}

function sessionIdOf(request: unknown): string | undefined {
  return typeof request === "object" &&
    request !== null &&
    "sessionId" in request &&
    typeof request.sessionId === "string"
    ? request.sessionId || undefined
    : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function shuttingDown(): SaverError {
  return new SaverError("unavailable", "the server is shutting down; retry against a running server");
}

function requiredMessage(
  data: svc.SaveSnapshotRequest["data"],
): NonNullable<svc.SaveSnapshotRequest["data"]> {
  if (!data) throw invalidData("data", "is missing: send a DataToExport");
  return data;
}

function requiredData(data: svc.SaveSnapshotRequest["data"]): DataToExport {
  return dataToExportFromProto(requiredMessage(data));
}

function readVersion(): string {
  const pkg: unknown = createRequire(import.meta.url)("../../package.json");
  const version = typeof pkg === "object" && pkg !== null && "version" in pkg ? pkg.version : undefined;
  return typeof version === "string" ? version : "unknown";
}

/** The size of a file, 0 when there is none (a session without a journal, a file not made yet). */
function bytesOnDisk(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}

/**
 * Whether `file` is a folder; false when it is anything else or cannot be looked at (as
 * existsSync: opening it then says why).
 */
function isFolder(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}
