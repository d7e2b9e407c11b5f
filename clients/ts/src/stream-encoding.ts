/**
 * The bytes of a Stream message, with its arrays copied once, straight into the message.
 *
 * protobuf-es would copy each array into its writer and then join the writer's chunks into a new
 * zero-filled buffer (and a batch's frames would first be joined into one array): three copies of
 * every frame before grpc-js adds its own. Here protobuf-es encodes everything but the arrays (a
 * few hundred bytes), and the array elements of `data`, `errors` and `background` follow each
 * DataWithAxes' other fields — protobuf readers take fields in any order and repeated elements in
 * the order they come, so the server decodes the very message `toBinary` would have written.
 * Before an array whose bytes would not start at an offset aligned for its type where the server
 * reads the message, a `padding` field (which readers ignore) moves them there: the server then
 * uses the bytes where they lie instead of copying them into an aligned array.
 */

import { type DescMessage, toBinary } from "@bufbuild/protobuf";
import * as pb from "@h5saver/proto/h5saver/v1/data_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import type { NumericArray } from "@h5saver/service/model";
import { bytesOf } from "@h5saver/service/rpc/convert";
import { GRPC_MESSAGE_HEADER_BYTES } from "@h5saver/service/rpc/grpc-glue";
import { framableBuffer, type MessageAllocator } from "./grpc-framing.ts";

/** One repeated bytes element: the arrays whose bytes, one after another, make it up. */
type Element = readonly NumericArray[];

/** A DataWithAxes without its arrays, and its arrays by field. */
export interface DataWithAxesParts {
  readonly skeleton: pb.DataWithAxes;
  readonly data: readonly Element[];
  readonly errors: readonly Element[];
  readonly background: readonly Element[];
}

const LENGTH_DELIMITED = 2;

function fieldNumber(schema: DescMessage, localName: string): number {
  const field = schema.fields.find((f) => f.localName === localName);
  if (!field) throw new Error(`${schema.typeName} has no field ${localName}`);
  return field.number;
}

const TAG = {
  dwaData: tagOf(fieldNumber(pb.DataWithAxesSchema, "data")),
  dwaErrors: tagOf(fieldNumber(pb.DataWithAxesSchema, "errors")),
  dwaBackground: tagOf(fieldNumber(pb.DataWithAxesSchema, "background")),
  padding: tagOf(fieldNumber(pb.DataWithAxesSchema, "padding")),
  dteData: tagOf(fieldNumber(pb.DataToExportSchema, "data")),
  requestData: tagOf(fieldNumber(svc.StreamRequestSchema, "data")),
};

function tagOf(field: number): number {
  return (field << 3) | LENGTH_DELIMITED;
}

function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) size++;
  return size;
}

/** Writes into one buffer of a size known in advance. */
class Filler {
  readonly bytes: Buffer;
  offset = 0;

  constructor(size: number, allocate: MessageAllocator) {
    this.bytes = allocate(size);
  }

  varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.bytes[this.offset++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.bytes[this.offset++] = v;
  }

  /** A padding field of `total` bytes in all (none for 0). */
  padding(total: number): void {
    if (total === 0) return;
    const content = paddingContent(total);
    if (content === undefined) throw new Error(`no padding field is ${total} bytes long`);
    this.field(TAG.padding, content, () => {
      this.bytes.fill(0, this.offset, this.offset + content);
      this.offset += content;
    });
  }

  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.offset);
    this.offset += bytes.byteLength;
  }

  /** A length-delimited field: tag, length, then `body` writes exactly `length` bytes. */
  field(tag: number, length: number, body: () => void): void {
    this.varint(tag);
    this.varint(length);
    body();
  }
}

function elementBytes(element: Element): number {
  let bytes = 0;
  for (const array of element) bytes += array.byteLength;
  return bytes;
}

/**
 * Where the server's protobuf reader sees byte 0 of the message: grpc-js reads each message into
 * a buffer of its own behind the 5-byte gRPC frame header. Were that to change, arrays would only
 * lose their alignment (the server copies a misaligned array), not their values.
 */
const SERVER_MESSAGE_OFFSET = GRPC_MESSAGE_HEADER_BYTES;
/** The smallest padding field: its tag, and a length of 0. */
const MIN_PADDING = varintSize(TAG.padding) + 1;

/** Bytes of padding field to put before an array whose bytes would start at `payloadAt`, 0 for none. */
function paddingFor(payloadAt: number, align: number): number {
  const miss = (align - ((payloadAt + SERVER_MESSAGE_OFFSET) % align)) % align;
  if (miss === 0) return 0;
  let padding = miss;
  // too short for a field (under MIN_PADDING), or a length whose varint does not fit: go on
  while (paddingContent(padding) === undefined) padding += align;
  return padding;
}

interface ElementPlan {
  readonly tag: number;
  readonly element: Element;
  readonly length: number;
  /** Bytes of the padding field before it (0: none). */
  readonly padding: number;
}

interface DataWithAxesPlan {
  readonly head: Uint8Array;
  readonly elements: readonly ElementPlan[];
  /** Bytes of the padding field at its end (0: none). */
  readonly trailing: number;
  readonly size: number;
}

/**
 * One DataWithAxes laid out from `bodyStart` on (its offset in the message), arrays aligned, with
 * `trailing` bytes of padding field at its end (to keep its length's varint at a given size).
 */
function planDataWithAxes(
  parts: DataWithAxesParts,
  head: Uint8Array,
  bodyStart: number,
  trailing: number,
): DataWithAxesPlan {
  let at = bodyStart + head.byteLength;
  const elements: ElementPlan[] = [];
  const fields: [number, readonly Element[]][] = [
    [TAG.dwaData, parts.data],
    [TAG.dwaErrors, parts.errors],
    [TAG.dwaBackground, parts.background],
  ];
  for (const [tag, list] of fields) {
    for (const element of list) {
      const length = elementBytes(element);
      const fieldHead = varintSize(tag) + varintSize(length);
      const align = (element[0] as NumericArray | undefined)?.BYTES_PER_ELEMENT ?? 1;
      const padding = paddingFor(at + fieldHead, align);
      elements.push({ tag, element, length, padding });
      at += padding + fieldHead + length;
    }
  }
  return { head, elements, trailing, size: at + trailing - bodyStart };
}

/** The smallest padding field of at least `bytes` bytes that can be written (a length's varint grows). */
function paddingAtLeast(bytes: number): number {
  let total = Math.max(bytes, MIN_PADDING);
  while (paddingContent(total) === undefined) total++;
  return total;
}

/** The content length of a padding field of `total` bytes, if there is one. */
function paddingContent(total: number): number | undefined {
  const tagBytes = varintSize(TAG.padding);
  for (let lengthBytes = 1; lengthBytes <= 5; lengthBytes++) {
    const content = total - tagBytes - lengthBytes;
    if (content >= 0 && varintSize(content) === lengthBytes) return content;
  }
  return undefined;
}

/** The smallest number whose varint takes `size` bytes. */
function smallestOfVarintSize(size: number): number {
  return size <= 1 ? 0 : 128 ** (size - 1);
}

/**
 * The bytes of `request` (whose `data` is left unset) carrying a DataToExport made of `dte`
 * (whose `data` is left empty) and of the DataWithAxes `parts`, each array's bytes aligned for
 * its type where the server will read them, in a buffer from `allocate`.
 */
export function encodeStreamRequest(
  request: svc.StreamRequest,
  dte: pb.DataToExport,
  parts: readonly DataWithAxesParts[],
  allocate: MessageAllocator = framableBuffer,
): Buffer {
  const requestHead = toBinary(svc.StreamRequestSchema, request);
  const dteHead = toBinary(pb.DataToExportSchema, dte);
  const heads = parts.map((part) => toBinary(pb.DataWithAxesSchema, part.skeleton));
  // Lengths are varints, whose sizes move what follows them, and so the padding: their sizes
  // only ever grow from one layout to the next, and a message that comes out shorter than its
  // length's size allows is padded up at its end, so that the layout settles.
  let dteLengthSize = 1;
  const dwaLengthSizes = parts.map(() => 1);
  const trailing = parts.map(() => 0);
  for (let round = 0; round < 16; round++) {
    const dteStart = requestHead.byteLength + varintSize(TAG.requestData) + dteLengthSize;
    let at = dteStart + dteHead.byteLength;
    const plans = parts.map((part, d) => {
      const bodyStart = at + varintSize(TAG.dteData) + (dwaLengthSizes[d] as number);
      const plan = planDataWithAxes(part, heads[d] as Uint8Array, bodyStart, trailing[d] as number);
      at = bodyStart + plan.size;
      return plan;
    });
    const dteSize = at - dteStart;
    let grew = false;
    plans.forEach((plan, d) => {
      if (varintSize(plan.size) > (dwaLengthSizes[d] as number)) {
        dwaLengthSizes[d] = varintSize(plan.size);
        grew = true;
      }
    });
    if (varintSize(dteSize) > dteLengthSize) {
      dteLengthSize = varintSize(dteSize);
      grew = true;
    }
    if (grew) continue;
    let padded = false;
    plans.forEach((plan, d) => {
      const floor = smallestOfVarintSize(dwaLengthSizes[d] as number);
      if (plan.size < floor) {
        trailing[d] = paddingAtLeast((trailing[d] as number) + floor - plan.size);
        padded = true;
      }
    });
    const last = parts.length - 1;
    const dteFloor = smallestOfVarintSize(dteLengthSize);
    if (!padded && dteSize < dteFloor && last >= 0) {
      trailing[last] = paddingAtLeast((trailing[last] as number) + dteFloor - dteSize);
      padded = true;
    }
    if (!padded) return fill(requestHead, dteHead, dteSize, plans, at, allocate);
  }
  throw new Error("the layout of a Stream message did not settle");
}

function fill(
  requestHead: Uint8Array,
  dteHead: Uint8Array,
  dteSize: number,
  plans: readonly DataWithAxesPlan[],
  total: number,
  allocate: MessageAllocator,
): Buffer {
  const filler = new Filler(total, allocate);
  filler.raw(requestHead);
  filler.field(TAG.requestData, dteSize, () => {
    filler.raw(dteHead);
    for (const { head, elements, trailing, size } of plans) {
      filler.field(TAG.dteData, size, () => {
        filler.raw(head);
        for (const { tag, element, length, padding } of elements) {
          filler.padding(padding);
          filler.field(tag, length, () => {
            for (const array of element) filler.raw(bytesOf(array));
          });
        }
        filler.padding(trailing);
      });
    }
  });
  if (filler.offset !== total) {
    throw new Error(`a Stream message of ${total} bytes was encoded into ${filler.offset}`);
  }
  return filler.bytes;
}
