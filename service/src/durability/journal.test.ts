import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { serialize } from "node:v8";
import { crc32 } from "node:zlib";
import { tempDir } from "../testing/temp-dir.ts";
import { type JournalCall, JournalWriter, journalPathOf, readJournal } from "./journal.ts";

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
    assert.throws(() => readJournal(file), /journal of format 1; this h5saver reads format 2/);
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
});
