/**
 * One call of the bidirectional `Stream` RPC: frames in by sequence number, acknowledgements of
 * durable frames out. A resent frame (sequence already appended) is acknowledged, not written
 * again; a gap is refused naming the sequence to send; a call that breaks leaves the stream open
 * for the next call to resume.
 */

import type * as grpc from "@grpc/grpc-js";
import type * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { invalidData, SaverError } from "../errors.ts";
import type { AppendReceipt } from "../layout/saver-file.ts";
import type { DataToExport } from "../model/data-to-export.ts";
import { blockBytes, blockFrom } from "../model/frame-block.ts";
import type { Caller } from "./access.ts";
import { countFromProto, frameBlockFromProto } from "./convert.ts";
import { refuseNul } from "./request-checks.ts";
import type { ServerLog } from "./server-log.ts";
import { ack, payloadBytes, type Session, type StreamCall, type StreamState } from "./session.ts";
import type { GrpcStatus } from "./status.ts";

/** What a Stream call needs from the server. */
export interface StreamContext {
  sessionOf(id: string, caller: Caller): Session;
  callerOf(metadata: grpc.Metadata): Caller;
  streamOf(session: Session, id: string): StreamState;
  queued<T>(session: Session, work: () => Promise<T>): Promise<T>;
  /** The status for a failed call, logged. */
  failure(method: string, error: unknown, fields: Record<string, string | undefined>): GrpcStatus;
  /** An error when the server takes no new calls (shutting down). */
  refuse(): Error | undefined;
  requiredData(data: svc.StreamRequest["data"]): DataToExport;
  /** The request's DataToExport message, or INVALID_ARGUMENT when it has none. */
  requiredMessage(data: svc.StreamRequest["data"]): NonNullable<svc.StreamRequest["data"]>;
  readonly log: ServerLog;
}

/**
 * Array bytes of a call's messages handed to the writer and not yet appended. Frames go on to the
 * writer while earlier ones are written, so that it never waits for the next one; beyond this (or
 * MAX_MESSAGES_IN_FLIGHT) the call is paused.
 */
export const MAX_BYTES_IN_FLIGHT = 4 << 20;
/** Messages handed to the writer and not yet appended, at most (small unbatched frames add up). */
export const MAX_MESSAGES_IN_FLIGHT = 64;
/** Messages held in grpc-js's read buffer while the call is paused, at most (it holds 16 unless told). */
const READ_AHEAD_BYTES = 8 << 20;

/**
 * One Stream call. Backpressure: once MAX_BYTES_IN_FLIGHT of frames or MAX_MESSAGES_IN_FLIGHT
 * messages wait for the writer the call is paused, so grpc-js stops reading once its
 * read buffer is full and HTTP/2 flow control then holds the sender. That buffer is cut to
 * READ_AHEAD_BYTES worth of messages, so large frames do not pile up in memory. A call that breaks
 * leaves the stream open for the next call.
 */
export function handleStreamCall(call: StreamCall, context: StreamContext): void {
  const { sessionOf, streamOf, queued, failure, log } = context;
  let bound: { session: Session; state: StreamState; caller: Caller } | undefined;
  let failed = false;
  /** The call ended the stream and sent its final acknowledgement: a later cancel is the client leaving. */
  let finished = false;
  let pending: Promise<unknown> = Promise.resolve();
  let bytesInFlight = 0;
  let messagesInFlight = 0;
  let paused = false;

  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    bound?.state.calls.delete(call);
    const status = failure("Stream", error, { session: bound?.session.id, stream: bound?.state.id });
    if (!call.cancelled) call.emit("error", status);
  };

  const bind = (request: svc.StreamRequest) => {
    const refused = context.refuse();
    if (refused) throw refused;
    if (request.sessionId === "" || request.streamId === "") {
      throw invalidData(
        request.sessionId === "" ? "session_id" : "stream_id",
        "is required in the first message of a Stream call",
      );
    }
    const caller = context.callerOf(call.metadata);
    const session = sessionOf(request.sessionId, caller);
    const state = streamOf(session, request.streamId);
    state.calls.add(call);
    bound = { session, state, caller };
    return bound;
  };

  const handle = async (request: svc.StreamRequest): Promise<void> => {
    refuseNul(request);
    const { session, state, caller } = bound ?? bind(request);
    if (request.sessionId !== "" && request.sessionId !== session.id) {
      throw invalidData("session_id", `'${request.sessionId}' differs from this call's ${session.id}`);
    }
    if (request.streamId !== "" && request.streamId !== state.id) {
      throw invalidData("stream_id", `'${request.streamId}' differs from this call's ${state.id}`);
    }
    const sequence = countFromProto(request.sequence, "sequence");
    const run = state.lock.then(async () => {
      if (state.ended) {
        throw new SaverError("failed_precondition", `stream ${state.id} has ended: it takes no more frames`);
      }
      if (sequence === 0) throw invalidData("sequence", "is 0: the first frame of a stream is 1");
      const frames = Math.max(1, request.frames);
      if (sequence + frames - 1 <= state.appended) {
        // resent frames: appended already, so acknowledged and not written again
        call.write(ack(state));
        return;
      }
      if (sequence > state.appended + 1) {
        throw new SaverError(
          "failed_precondition",
          `sequence ${sequence} leaves a gap: stream ${state.id} has appended up to ${state.appended}; send ${state.appended + 1} next`,
          { field: "sequence" },
        );
      }
      let bytes: number;
      let append: () => Promise<AppendReceipt>;
      if (frames === 1 && request.timestamps.length === 0) {
        const dte = context.requiredData(request.data);
        bytes = payloadBytes(dte);
        append = () => session.file.append(state.id, dte);
      } else {
        // a block resent after a broken call may start below what is appended: skip those frames
        const whole = frameBlockFromProto(context.requiredMessage(request.data), frames, request.timestamps);
        const block = blockFrom(whole, state.appended + 1 - sequence);
        bytes = blockBytes(block);
        append = () => session.file.appendBlock(state.id, block);
      }
      const before = state.appended;
      const receipt = await queued(session, async () => {
        // a token over its rate waits here: the call is paused, so flow control slows the sender
        await caller.limits?.admit(bytes);
        return append();
      });
      state.appended = Math.max(state.appended, receipt.frames);
      state.durable = Math.max(state.durable, receipt.durableFrames);
      state.framesPerChunk = receipt.framesPerChunk;
      state.bytes += bytes;
      session.bytesReceived += bytes;
      state.rate.add(state.appended - before);
    });
    state.lock = run.catch(() => undefined);
    await run;
  };

  const halfClose = async (): Promise<void> => {
    if (!bound) {
      call.end();
      return;
    }
    const { session, state } = bound;
    const run = state.lock.then(async () => {
      if (!state.ended) {
        const receipt = await session.file.endContinuous(state.id);
        state.ended = true;
        state.durable = receipt.durableFrames;
        log.event("info", "stream_ended", {
          session: session.id,
          stream: state.id,
          frames: state.appended,
          durable_frames: state.durable,
          bytes: state.bytes,
        });
      }
    });
    state.lock = run.catch(() => undefined);
    await run;
    state.calls.delete(call);
    call.write(ack(state, true));
    finished = true;
    call.end();
  };

  call.on("data", (request: svc.StreamRequest) => {
    if (failed) return;
    const bytes = messageBytes(request);
    limitReadAhead(call, bytes);
    bytesInFlight += bytes;
    messagesInFlight++;
    const full = () => bytesInFlight >= MAX_BYTES_IN_FLIGHT || messagesInFlight >= MAX_MESSAGES_IN_FLIGHT;
    if (full() && !paused) {
      paused = true;
      call.pause();
    }
    // the frames are appended in order (state.lock); `pending` is the last one, for the half-close
    pending = handle(request).then(() => {
      bytesInFlight -= bytes;
      messagesInFlight--;
      if (paused && !failed && !full()) {
        paused = false;
        call.resume();
      }
    }, fail);
  });
  call.on("end", () => {
    // every message handled so far is chained on state.lock: the half-close waits behind them
    // grpc-js reports a client's cancel as the end of its messages first and as 'cancelled' a
    // moment later: wait one turn of the event loop so that a cancel never ends the stream
    pending = pending
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(() => (failed || call.cancelled ? undefined : halfClose()))
      .catch(fail);
  });
  call.on("cancelled", () => {
    // the client left: frames appended stay in the file, the stream stays open for a new call
    failed = true;
    bound?.state.calls.delete(call);
    if (bound && !finished) {
      log.event("warn", "stream_call_cancelled", {
        session: bound.session.id,
        stream: bound.state.id,
        appended_sequence: bound.state.appended,
        durable_sequence: bound.state.durable,
      });
    }
  });
  call.on("error", () => {
    failed = true;
    bound?.state.calls.delete(call);
  });
}

/** The bytes of a message's arrays (its size on the wire, near enough for flow control). */
function messageBytes(request: svc.StreamRequest): number {
  let bytes = 0;
  for (const dwa of request.data?.data ?? []) {
    for (const array of [...dwa.data, ...dwa.errors, ...dwa.background]) bytes += array.byteLength;
  }
  return Math.max(bytes, 1);
}

/**
 * grpc-js reads up to 16 messages ahead into the call's buffer while it is paused: 128 MiB of
 * 8 MiB frames. Fewer for large messages, by the largest seen so far (the buffer's mark is Node's
 * stream state, which grpc-js leaves at its default; a Node without it keeps the default).
 */
function limitReadAhead(call: StreamCall, bytes: number): void {
  const state = (call as unknown as { _readableState?: { highWaterMark?: unknown } })._readableState;
  if (typeof state?.highWaterMark !== "number") return;
  state.highWaterMark = Math.max(1, Math.min(state.highWaterMark, Math.floor(READ_AHEAD_BYTES / bytes)));
}
