import assert from "node:assert/strict";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { serialize } from "node:v8";
import { crc32, deflateSync } from "node:zlib";
import type { FileExtent } from "../backend/h5-backend.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { type JournalCall, JournalReader, JournalWriter, journalPathOf, readJournal } from "./journal.ts";

const dir = tempDir("h5saver-journal-");
const opened = { options: { saveType: "detector" }, openedAt: new Date(1_700_000_000_000), fromBase: false };

describe("the crash journal's records", () => {
  it("keep typed arrays (type, values, views at any offset) and dates through a write and a read", () => {
    const file = path.join(dir, "arrays.h5");
    const journal = JournalWriter.start(file, opened);
    const buffer = new ArrayBuffer(64);
    const view = new Uint16Array(buffer, 6, 5).map((_, i) => 1000 + i); // not at the buffer's start
    const frame = new Float64Array([1.5, -2, Number.NaN]);
    journal.record({ method: "append", args: ["/RawData/Detector000", { frame, view, when: new Date(5) }] });
    journal.record({ method: "appendBlock", args: [[new BigInt64Array([-3n]), new Int8Array([-1, 2])]] });
    journal.sync();

    const { header, calls, tornBytes } = readJournal(file);
    journal.discard();
    assert.deepEqual(header.openedAt, opened.openedAt);
    assert.equal(tornBytes, 0);
    assert.equal(calls.length, 2);
    const [stream, first] = (calls[0] as JournalCall).args as [
      string,
      { frame: Float64Array; view: Uint16Array; when: Date },
    ];
    assert.equal(stream, "/RawData/Detector000");
    assert.ok(first.frame instanceof Float64Array);
    assert.deepEqual(Array.from(first.frame), [1.5, -2, Number.NaN]);
    assert.ok(first.view instanceof Uint16Array);
    assert.deepEqual(Array.from(first.view), [1000, 1001, 1002, 1003, 1004]);
    assert.deepEqual(first.when, new Date(5));
    const [[big, small]] = (calls[1] as JournalCall).args as [[BigInt64Array, Int8Array]];
    assert.deepEqual(Array.from(big), [-3n]);
    assert.deepEqual(Array.from(small), [-1, 2]);
  });

  it("keep empty arrays, and the records after them", () => {
    const file = path.join(dir, "empty.h5");
    const journal = JournalWriter.start(file, opened);
    journal.record({ method: "beginScan", args: [{ axes: [new Float64Array(0)], empty: new Int8Array(0) }] });
    journal.record({ method: "addLog", args: ["after"] });
    journal.abandon();
    const { calls, tornBytes } = readJournal(file);
    assert.equal(tornBytes, 0);
    assert.deepEqual(
      calls.map((c) => c.method),
      ["beginScan", "addLog"],
    );
    const [input] = (calls[0] as JournalCall).args as [{ axes: Float64Array[]; empty: Int8Array }];
    assert.ok(input.axes[0] instanceof Float64Array);
    assert.equal(input.axes[0].length, 0);
    assert.ok(input.empty instanceof Int8Array);
  });

  it("name the format of a journal written by an older h5saver", () => {
    const file = path.join(dir, "format1.h5");
    // format 1: u32 length, u32 CRC-32, then V8's own serialisation of the value
    const header = serialize({ magic: "h5saver-journal", version: 1, ...opened });
    const head = Buffer.alloc(8);
    head.writeUInt32LE(header.length, 0);
    head.writeUInt32LE(crc32(header), 4);
    writeFileSync(journalPathOf(file), Buffer.concat([head, header]));
    assert.throws(() => readJournal(file), /journal of format 1; this h5saver reads formats 2, 3 and 4:/);
  });

  it("stop at a record whose array bytes were damaged, keeping the ones before it", () => {
    const file = path.join(dir, "damaged.h5");
    const journal = JournalWriter.start(file, opened);
    journal.record({ method: "append", args: ["a", new Uint8Array(1000).fill(1)] });
    const goodSize = statSync(journalPathOf(file)).size;
    journal.record({ method: "append", args: ["b", new Uint8Array(1000).fill(2)] });
    journal.abandon();
    const bytes = readFileSync(journalPathOf(file));
    bytes[bytes.length - 10] = 7; // inside the second record's array bytes
    writeFileSync(journalPathOf(file), bytes);

    const { calls, tornBytes } = readJournal(file);
    assert.deepEqual(
      calls.map((c) => c.args[0]),
      ["a"],
    );
    assert.equal(tornBytes, bytes.length - goodSize);
  });

  it("stop at a tail of zero bytes (as a filesystem may leave after a crash), keeping the records before it", () => {
    const file = path.join(dir, "zero-tail.h5");
    const journal = JournalWriter.start(file, opened);
    journal.record({ method: "append", args: ["a", new Uint8Array(10).fill(1)] });
    journal.abandon();
    const good = readFileSync(journalPathOf(file));
    writeFileSync(journalPathOf(file), Buffer.concat([good, Buffer.alloc(4096)]));

    const { calls, tornBytes } = readJournal(file);
    assert.deepEqual(
      calls.map((c) => c.args[0]),
      ["a"],
    );
    assert.equal(tornBytes, 4096);
  });

  it("sync in the background one at a time, covering what was recorded before each started", async () => {
    const file = path.join(dir, "background.h5");
    const journal = JournalWriter.start(file, opened);
    journal.record({ method: "append", args: ["a", new Float32Array(4096)] });
    assert.equal(journal.unsynced, true);
    const first = journal.syncInBackground();
    assert.ok(first);
    assert.equal(journal.unsynced, false);
    journal.record({ method: "append", args: ["b", new Float32Array(4096)] });
    assert.equal(journal.syncInBackground(), undefined, "one sync at a time");
    assert.equal(journal.unsynced, true, "the record after the sync started waits for the next");
    await first;
    await journal.syncInBackground();
    assert.equal(journal.unsynced, false);
    // closing while a sync runs waits for it before the descriptor goes
    journal.record({ method: "append", args: ["c", new Float32Array(4096)] });
    const last = journal.syncInBackground();
    journal.discard();
    await last;
    assert.throws(() => statSync(journalPathOf(file)), /ENOENT/);
  });

  it("read back records larger than a read and records across reads, one at a time", () => {
    const file = path.join(dir, "windows.h5");
    const journal = JournalWriter.start(file, opened);
    // the reader reads 1 MiB at a time: records of 3 MiB, 700 KiB and many small ones straddle reads
    const sizes = [
      3 << 20,
      700 << 10,
      ...Array.from({ length: 300 }, (_, i) => 1000 + ((i * 7919) % 9000)),
      1 << 20,
    ];
    sizes.forEach((size, i) => {
      journal.record({ method: "append", args: [i, new Uint8Array(size).fill(i % 251)] });
    });
    journal.abandon();
    const reader = JournalReader.open(file);
    try {
      let i = 0;
      for (let call = reader.next(); call; call = reader.next(), i++) {
        const [index, bytes] = call.args as [number, Uint8Array];
        assert.equal(index, i);
        assert.equal(bytes.length, sizes[i]);
        assert.ok(
          bytes.every((b) => b === i % 251),
          `record ${i} reads back as written`,
        );
      }
      assert.equal(i, sizes.length);
      assert.equal(reader.tornBytes, 0);
      assert.equal(reader.offset, reader.bytes);
    } finally {
      reader.close();
    }
  });

  it("point at chunks the file holds instead of copying them, and read them back from there", () => {
    const file = path.join(dir, "pointed.h5");
    const journal = JournalWriter.start(file, opened);
    // the "HDF5 file": 64 bytes of something, then two rows of 4 KiB (as HDF5 would lay out chunks)
    const rows = new Uint16Array(4096).map((_, i) => i);
    const rowBytes = rows.byteLength / 2;
    writeFileSync(file, Buffer.concat([Buffer.alloc(64, 9), Buffer.from(rows.buffer)]));
    const rowBytesOf = (k: number) => Buffer.from(rows.buffer, k * rowBytes, rowBytes);
    const extents: FileExtent[] = [0, 1].map((k) => ({
      offset: 64 + k * rowBytes,
      length: rowBytes,
      crc32: crc32(rowBytesOf(k)),
    }));
    const firstRow = rows.subarray(0, 2048); // a block's first frame: a view of the rows
    const before = statSync(journalPathOf(file)).size;
    journal.record(
      { method: "appendBlock", args: ["s", { first: firstRow, arrays: [rows], small: Float64Array.of(7) }] },
      new Map([[rows, extents]]),
    );
    journal.sync();
    assert.ok(
      statSync(journalPathOf(file)).size - before < 400,
      "the record holds where the rows are, not them",
    );

    const [call] = readJournal(file).calls;
    const { first, arrays, small } = (call as JournalCall).args[1] as {
      first: Uint16Array;
      arrays: Uint16Array[];
      small: Float64Array;
    };
    assert.deepEqual(Array.from(arrays[0] ?? []), Array.from(rows));
    assert.deepEqual(Array.from(first), Array.from(rows.subarray(0, 2048)));
    assert.deepEqual(Array.from(small), [7]);

    // the file lost its second chunk (the writer died before it reached the disk): the record is torn
    journal.record({ method: "addLog", args: ["after"] });
    journal.abandon();
    const damaged = readFileSync(file);
    damaged.writeUInt8(damaged.readUInt8(64 + rowBytes + 10) ^ 0xff, 64 + rowBytes + 10);
    writeFileSync(file, damaged);
    const { calls, tornBytes } = readJournal(file);
    assert.equal(calls.length, 0);
    assert.ok(tornBytes > 0);
  });

  it("point at deflated chunks (zlib streams of the rows) and inflate them back; drop a record whose chunk changed; refuse one that does not inflate to its row", () => {
    const rows = new Uint16Array(8192).map((_, i) => i % 300);
    const rowBytes = rows.byteLength / 2;
    const streams = [0, 1].map((k) => deflateSync(Buffer.from(rows.buffer, k * rowBytes, rowBytes)));
    /** A file holding `stored` as its chunks, a journal pointing at them, and what it reads back. */
    const journaled = (name: string, stored: Buffer[], damage?: (file: Buffer) => void) => {
      const h5 = path.join(dir, name);
      const writer = JournalWriter.start(h5, opened);
      const bytes = Buffer.concat([Buffer.alloc(100, 9), ...stored]);
      writeFileSync(h5, bytes);
      let offset = 100;
      const extents: FileExtent[] = stored.map((chunk) => {
        const extent = { offset, length: chunk.length, crc32: crc32(chunk), encoding: "deflate" as const };
        offset += chunk.length;
        return extent;
      });
      const before = statSync(journalPathOf(h5)).size;
      writer.record({ method: "appendBlock", args: ["s", { arrays: [rows] }] }, new Map([[rows, extents]]));
      writer.sync();
      assert.ok(
        statSync(journalPathOf(h5)).size - before < 400,
        "the record holds where the rows are, not them",
      );
      writer.abandon();
      if (damage) {
        damage(bytes);
        writeFileSync(h5, bytes);
      }
      return readJournal(h5);
    };

    const [call] = journaled("deflated.h5", streams).calls;
    const { arrays } = (call as JournalCall).args[1] as { arrays: Uint16Array[] };
    assert.deepEqual(Array.from(arrays[0] ?? []), Array.from(rows));

    // the second chunk's stream changed after it was written (its CRC-32 no longer matches)
    const changed = journaled("deflated-changed.h5", streams, (file) => {
      const at = file.length - 20;
      file.writeUInt8(file.readUInt8(at) ^ 0xff, at);
    });
    assert.equal(changed.calls.length, 0);
    assert.ok(changed.tornBytes > 0);
    // an intact chunk that is not the row's zlib stream: the journal misnamed it — an error, not
    // a torn record (which would drop every record after it)
    assert.throws(
      () => journaled("deflated-not-zlib.h5", [streams[0] as Buffer, Buffer.alloc(64, 7)]),
      /intact but does not inflate to its 8192 bytes: the journal is inconsistent/,
    );
    assert.throws(
      () =>
        journaled("deflated-too-long.h5", [streams[0] as Buffer, deflateSync(Buffer.alloc(rowBytes + 1))]),
      /does not inflate to its 8192 bytes/,
    );
  });

  it("read a journal larger than one read can return (2 GiB), record by record", () => {
    const file = path.join(dir, "large.h5");
    const journal = JournalWriter.start(file, opened);
    const frame = new Uint8Array(64 << 20).fill(3);
    const records = 34; // 2.18 GB: more than Node reads into one buffer
    for (let i = 0; i < records; i++) {
      frame[0] = i;
      journal.record({ method: "append", args: ["s", frame] });
    }
    journal.abandon();
    const reader = JournalReader.open(file);
    try {
      assert.ok(reader.bytes > 2 ** 31);
      let count = 0;
      for (let call = reader.next(); call; call = reader.next(), count++) {
        const bytes = call.args[1] as Uint8Array;
        assert.equal(bytes.length, frame.length);
        assert.equal(bytes[0], count);
        assert.equal(bytes[bytes.length - 1], 3);
      }
      assert.equal(count, records);
      assert.equal(reader.tornBytes, 0);
    } finally {
      reader.close();
      rmSync(journalPathOf(file), { force: true });
    }
  });
});
