/**
 * What the server keeps per open file (a session) and per continuous stream, and the messages
 * that report it. Shared by the server (`saver-server.ts`) and the Stream call (`stream-call.ts`).
 */
import { create } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import type { DataToExport } from "../model/data-to-export.ts";
import type { WorkerSaverFile } from "../worker/worker-saver-file.ts";
import type { RateMeter } from "./rate-meter.ts";

export type StreamCall = grpc.ServerDuplexStream<svc.StreamRequest, svc.StreamResponse>;

/**
 * One continuous stream of a session. Sequence numbers start at 1 and advance by one per frame
 * across calls, and every frame appended is one row, so the highest appended sequence is the
 * frame count and the durable sequence is the durable frame count.
 */
export interface StreamState {
  readonly id: string;
  appended: number;
  durable: number;
  /** AppendReceipt.framesPerChunk, told to the client in every acknowledgement. */
  framesPerChunk: number;
  ended: boolean;
  bytes: number;
  readonly rate: RateMeter;
  /** Calls currently sending into this stream (a resumed call may overlap a broken one). */
  readonly calls: Set<StreamCall>;
  /** Frames of all calls of this stream go through here one at a time: a resent frame waits for the original. */
  lock: Promise<unknown>;
}

export interface ScanState {
  readonly id: string;
  points: number;
  done: boolean;
  readonly perDetector: Map<string, number>;
}

export interface Session {
  readonly id: string;
  /** The token's name that opened it ("" without tokens): only its calls may use the session. */
  readonly owner: string;
  readonly path: string;
  readonly absolute: string;
  readonly file: WorkerSaverFile;
  readonly openedAt: number;
  lastFlushAt: number;
  readonly streams: Map<string, StreamState>;
  readonly scans: Map<string, ScanState>;
  readonly stopListening: () => void;
  /** Calls waiting for or running on the writer. */
  queued: number;
  /** When a call last named this session (ms since the epoch), for the idle timeout. */
  lastActivity: number;
  bytesReceived: number;
}

/** Bytes of array data in a frame (data, errors, background). */
export function payloadBytes(dte: DataToExport): number {
  let bytes = 0;
  for (const dwa of dte.data) {
    for (const arrays of [dwa.data, dwa.errors ?? [], dwa.background ?? []]) {
      for (const array of arrays) bytes += array.byteLength;
    }
  }
  return bytes;
}

/** The acknowledgement of a stream's current counts. */
export function ack(state: StreamState, final = false): svc.StreamResponse {
  return create(svc.StreamResponseSchema, {
    appendedSequence: BigInt(state.appended),
    durableSequence: BigInt(state.durable),
    durableFrames: BigInt(state.durable),
    final,
    framesPerChunk: state.framesPerChunk,
  });
}

/** A stream's counts for GetStatus, Flush and CloseFile. */
export function streamStatus(state: StreamState): svc.StreamStatus {
  return create(svc.StreamStatusSchema, {
    streamId: state.id,
    frames: BigInt(state.appended),
    durableFrames: BigInt(state.durable),
    appendedSequence: BigInt(state.appended),
    durableSequence: BigInt(state.durable),
    bytes: BigInt(state.bytes),
    framesPerSecond: state.rate.perSecond(),
  });
}
