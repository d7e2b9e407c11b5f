/**
 * The bytes of a Stream message, with its arrays copied once, straight into the message.
 *
 * protobuf-es would copy each array into its writer and then join the writer's chunks into a new
 * zero-filled buffer (and a batch's frames would first be joined into one array): three copies of
 * every frame before grpc-js adds its own. Here protobuf-es encodes everything but the arrays (a
 * few hundred bytes), and the array elements of `data`, `errors` and `background` follow each
 * DataWithAxes' other fields — protobuf readers take fields in any order and repeated elements in
 * the order they come, so the server decodes the very message `toBinary` would have written.
 */
import { type DescMessage, toBinary } from "@bufbuild/protobuf";
import * as pb from "@h5saver/proto/h5saver/v1/data_pb";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import type { NumericArray } from "@h5saver/service/model";
import { bytesOf } from "@h5saver/service/rpc/convert";

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

  constructor(size: number) {
    this.bytes = Buffer.allocUnsafe(size);
  }

  varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.bytes[this.offset++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.bytes[this.offset++] = v;
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

function repeatedSize(tag: number, elements: readonly Element[]): number {
  let size = 0;
  for (const element of elements) {
    const length = elementBytes(element);
    size += varintSize(tag) + varintSize(length) + length;
  }
  return size;
}

interface Sized<T> {
  readonly part: T;
  readonly head: Uint8Array;
  readonly size: number;
}

function sizeDataWithAxes(parts: DataWithAxesParts): Sized<DataWithAxesParts> {
  const head = toBinary(pb.DataWithAxesSchema, parts.skeleton);
  const size =
    head.byteLength +
    repeatedSize(TAG.dwaData, parts.data) +
    repeatedSize(TAG.dwaErrors, parts.errors) +
    repeatedSize(TAG.dwaBackground, parts.background);
  return { part: parts, head, size };
}

function fillRepeated(filler: Filler, tag: number, elements: readonly Element[]): void {
  for (const element of elements) {
    filler.field(tag, elementBytes(element), () => {
      for (const array of element) filler.raw(bytesOf(array));
    });
  }
}

/**
 * The bytes of `request` (whose `data` is left unset) carrying a DataToExport made of `dte`
 * (whose `data` is left empty) and of the DataWithAxes `parts`.
 */
export function encodeStreamRequest(
  request: svc.StreamRequest,
  dte: pb.DataToExport,
  parts: readonly DataWithAxesParts[],
): Buffer {
  const requestHead = toBinary(svc.StreamRequestSchema, request);
  const dteHead = toBinary(pb.DataToExportSchema, dte);
  const sized = parts.map(sizeDataWithAxes);
  let dteSize = dteHead.byteLength;
  for (const { size } of sized) dteSize += varintSize(TAG.dteData) + varintSize(size) + size;
  const total = requestHead.byteLength + varintSize(TAG.requestData) + varintSize(dteSize) + dteSize;

  const filler = new Filler(total);
  filler.raw(requestHead);
  filler.field(TAG.requestData, dteSize, () => {
    filler.raw(dteHead);
    for (const { part, head, size } of sized) {
      filler.field(TAG.dteData, size, () => {
        filler.raw(head);
        fillRepeated(filler, TAG.dwaData, part.data);
        fillRepeated(filler, TAG.dwaErrors, part.errors);
        fillRepeated(filler, TAG.dwaBackground, part.background);
      });
    }
  });
  if (filler.offset !== total) {
    throw new Error(`a Stream message of ${total} bytes was encoded into ${filler.offset}`);
  }
  return filler.bytes;
}
