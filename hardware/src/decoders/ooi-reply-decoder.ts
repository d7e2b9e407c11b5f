import { INFO_REPLY_BYTES, OOI_OPCODES, SPECTRUM_SYNC_BYTE } from "../drivers/usb2000/usb2000-protocol.ts";
import { DeviceError } from "../errors.ts";
import { createByteQueue } from "./byte-queue.ts";
import type { Decoded, Decoder } from "./decoded.ts";
import { uint16LE } from "./little-endian.ts";

export type OoiExpectation =
  | { readonly kind: "info"; readonly slot: number }
  | { readonly kind: "spectrum"; readonly pixels: number };

export type OoiReply =
  | { readonly kind: "info"; readonly slot: number; readonly text: string }
  | { readonly kind: "spectrum"; readonly counts: Uint16Array };

export interface OoiReplyDecoder extends Decoder<OoiReply> {
  /** The reply the host asked for; replies have no header, so only their length and shape tell. */
  expect(reply: OoiExpectation): void;
}

/**
 * Replies of the legacy OOI protocol (usb2000-protocol.ts). They carry no length or checksum:
 * the host knows what it asked for, takes that many bytes and checks the one marker each has
 * (the echoed opcode and slot, or the trailing 0x69 sync byte). Bytes nobody asked for are noise.
 */
export function createOoiReplyDecoder(): OoiReplyDecoder {
  const queue = createByteQueue();
  let expected: OoiExpectation | undefined;
  return {
    expect(reply) {
      expected = reply;
    },
    push(chunk) {
      queue.push(chunk);
      const out: Decoded<OoiReply>[] = [];
      if (!expected) {
        if (queue.length > 0) {
          const n = queue.length;
          queue.clear();
          out.push({
            ok: false,
            skipped: n,
            error: new DeviceError("bad_frame", `${n} bytes nobody asked for`),
          });
        }
        return out;
      }
      const length = expected.kind === "info" ? INFO_REPLY_BYTES : 2 * expected.pixels + 1;
      if (queue.length < length) return out;
      const bytes = queue.take(length);
      const wanted = expected;
      expected = undefined;
      if (wanted.kind === "info") {
        if (bytes[0] !== OOI_OPCODES.queryInformation || bytes[1] !== wanted.slot) {
          out.push({
            ok: false,
            skipped: length,
            error: new DeviceError(
              "bad_frame",
              `an information reply starting ${hex(bytes[0])} ${hex(bytes[1])}`,
            ),
          });
        } else {
          const end = bytes.indexOf(0, 2);
          const text = new TextDecoder("latin1").decode(bytes.subarray(2, end < 0 ? length : end));
          out.push({ ok: true, value: { kind: "info", slot: wanted.slot, text } });
        }
      } else if (bytes[length - 1] !== SPECTRUM_SYNC_BYTE) {
        out.push({
          ok: false,
          skipped: length,
          error: new DeviceError(
            "bad_frame",
            `spectrum ends in ${hex(bytes[length - 1])}, not the sync byte 0x69: misaligned read`,
          ),
        });
      } else {
        out.push({ ok: true, value: { kind: "spectrum", counts: uint16LE(bytes, 0, wanted.pixels) } });
      }
      if (queue.length > 0) {
        const n = queue.length;
        queue.clear();
        out.push({
          ok: false,
          skipped: n,
          error: new DeviceError("bad_frame", `${n} bytes after the reply`),
        });
      }
      return out;
    },
    get pending() {
      return queue.length;
    },
    reset() {
      queue.clear();
      expected = undefined;
    },
  };
}

function hex(byte: number | undefined): string {
  return `0x${(byte ?? 0).toString(16).padStart(2, "0")}`;
}
