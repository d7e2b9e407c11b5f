import assert from "node:assert/strict";
import { existsSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { SaverError } from "../errors.ts";
import { PyMoDAQLoader } from "../layout/loader.ts";
import { SaverFile } from "../layout/saver-file.ts";
import { isLayoutV3, PyMoDAQ3Loader } from "../layout/v3/v3-loader.ts";
import { type CrashPlan, runCrashingWriter, TRACE } from "../testing/crashing-writer.ts";
import { rejectsWith } from "../testing/saver-error-assertions.ts";
import { tempDir } from "../testing/temp-dir.ts";
import {
  basePathOf,
  hasJournal,
  JournalWriter,
  journalPathOf,
  MAX_JOURNALED_NAME_BYTES,
  RECOVERY_LOCK_SUFFIX,
  readJournal,
  spentJournalPathOf,
} from "./journal.ts";
import { recoverFile } from "./recover.ts";

const dir = tempDir("h5saver-recover-");

async function crash(plan: CrashPlan): Promise<void> {
  assert.equal(await runCrashingWriter(plan), "SIGKILL");
}

interface Loaded {
  readonly where: string;
  readonly name: string;
  readonly shape: number[];
  readonly data: number[];
}

/** The file's DataWithAxes, as PyMoDAQ's loader (h5saver's port) reads them. */
async function load(file: string): Promise<Loaded[]> {
  const backend = await openH5wasmFile(file, "read");
  try {
    const loader = (await isLayoutV3(backend)) ? new PyMoDAQ3Loader(backend) : new PyMoDAQLoader(backend);
    return (await loader.loadAll()).map(({ path: where, dwa }) => ({
      where,
      name: dwa.name,
      shape: [...dwa.shape],
      data: Array.from(dwa.data[0] ?? [], Number),
    }));
  } finally {
    await backend.close();
  }
}

function find(loaded: Loaded[], detector: string, name: string): Loaded {
  const found = loaded.find((l) => l.where.startsWith(`${detector}/`) && l.name === name);
  assert.ok(found, `no ${name} under ${detector} in ${loaded.map((l) => l.where)}`);
  return found;
}

function assertStream(loaded: Loaded[], detector: string, frames: number[], traceLength = TRACE): void {
  assert.deepEqual(find(loaded, detector, "counter").data, frames);
  const trace = find(loaded, detector, "trace");
  assert.deepEqual(trace.shape, [frames.length, traceLength]);
  frames.forEach((k, row) => {
    for (const i of [5, traceLength - 1]) {
      assert.equal(trace.data[row * traceLength + i], k * 1000 + i, `trace row ${row}, value ${i}`);
    }
  });
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("recoverFile() after the writer is killed", () => {
  for (const [layout, gzip] of [
    ["pymodaq4", false],
    ["pymodaq4", true],
    ["pymodaq3", true],
  ] as const) {
    it(`rebuilds every frame written (${layout}${gzip ? ", gzip" : ""}), then opens as usual`, async () => {
      const file = path.join(dir, `${layout}-${gzip}.h5`);
      await crash({ path: file, layout, gzip, frames: 40, image: true, snapshotAndScan: 4 });
      assert.ok(existsSync(journalPathOf(file)));
      // a file with a journal is not opened as it is: it may be damaged, and the journal holds more
      await rejectsWith(
        SaverFile.open({ path: file, mode: "append", layout }),
        "failed_precondition",
        /h5saver recover/,
      );

      const report = await recoverFile(file);
      assert.equal(report.frames, 40 + 4);
      assert.equal(report.refused, 0);
      assert.equal(report.tornBytes, 0);
      assert.ok(!existsSync(journalPathOf(file)), "the journal is gone once the file is rebuilt");

      const loaded = await load(file);
      const [streamed, scanned] =
        layout === "pymodaq3"
          ? ["/Raw_datas/Scan001/Detector000", "/Raw_datas/Scan000/Detector000"]
          : ["/RawData/Detector001", "/RawData/Scan000/Detector000"];
      assertStream(loaded, streamed, range(1, 40));
      assert.deepEqual(find(loaded, streamed, "image").shape, [40, 16, 16]);
      // the four scan points saved before the stream are there too
      const points = find(loaded, scanned, "counter");
      assert.deepEqual(points.shape, [2, 3]);
      assert.deepEqual(points.data.slice(0, 4), [1, 2, 3, 4]);

      const again = await SaverFile.open({ path: file, mode: "append", layout });
      await again.close();
    });
  }

  it("keeps what an append session added to an existing file, and the file as it was", async () => {
    const file = path.join(dir, "appended.h5");
    const first = await SaverFile.open({ path: file });
    const detector = await first.addDetector("before");
    const stream = await first.startContinuous(detector);
    for (let k = 1; k <= 3; k++) {
      await first.append(stream, {
        name: "x",
        data: [
          { name: "counter", data: [Float64Array.of(k)] },
          { name: "trace", data: [Float64Array.from({ length: TRACE }, (_, i) => k * 1000 + i)] },
        ],
      });
    }
    await first.close();
    // large images: their records point at chunks of the reopened file, not of the copy
    await crash({ path: file, mode: "append", frames: 25, firstFrame: 100, image: true, imageSide: 512 });
    assert.ok(existsSync(basePathOf(file)), "an append session keeps a copy of the file it started from");
    const report = await recoverFile(file);
    assert.equal(report.fromBase, true);
    assert.ok(!existsSync(basePathOf(file)));
    const loaded = await load(file);
    assertStream(loaded, "/RawData/Detector000", [1, 2, 3]);
    assertStream(loaded, "/RawData/Detector001", range(100, 124));
    const image = find(loaded, "/RawData/Detector001", "image");
    assert.deepEqual(image.shape, [25, 512, 512]);
    assert.deepEqual(image.data.slice(24 * 512 * 512, 24 * 512 * 512 + 2), [124, 125]);
  });

  it("skips a call that was refused at the time, and drops a record the crash cut short", async () => {
    const file = path.join(dir, "torn.h5");
    await crash({ path: file, frames: 12, badFrame: true, snapshotAndScan: 2, badScanPoint: true });
    const journal = readJournal(file);
    // a refused scan point is recorded, then marked cancelled; a refused frame is never recorded
    assert.equal(journal.calls.filter((c) => c.method === "cancelled").length, 1);
    assert.equal(journal.calls.filter((c) => c.method === "saveScanPoint").length, 3);
    assert.equal(journal.calls.filter((c) => c.method === "append").length, 12);
    // the last record loses its end, as if the process died inside that write
    truncateSync(journalPathOf(file), statSync(journalPathOf(file)).size - 10);
    const report = await recoverFile(file);
    assert.equal(report.refused, 0, report.refusals.join("\n"));
    assert.ok(report.tornBytes > 0);
    const loaded = await load(file);
    assertStream(loaded, "/RawData/Detector001", range(1, 11));
    assert.deepEqual(find(loaded, "/RawData/Scan000/Detector000", "counter").data.slice(0, 2), [1, 2]);
  });

  it("rebuilds frames that were appended in blocks", async () => {
    const file = path.join(dir, "blocks.h5");
    await crash({ path: file, frames: 50, blockSize: 8, image: true, gzip: true });
    const report = await recoverFile(file);
    assert.equal(report.frames, 50);
    const loaded = await load(file);
    assertStream(loaded, "/RawData/Detector000", range(1, 50));
    assert.deepEqual(
      find(loaded, "/RawData/Detector000", "image").data.slice(49 * 256, 49 * 256 + 2),
      [50, 51],
    );
  });

  // 1100² uint16 rows (2.4 MB) are cut into two chunks each (MAX_ROW_CHUNK_BYTES)
  for (const [blockSize, side, gzip] of [
    [undefined, 512, false],
    [3, 512, false],
    [undefined, 1100, false],
    [2, 1100, false],
    [undefined, 512, true],
    [2, 1100, true],
  ] as const) {
    const what = `${gzip ? "deflated " : ""}large frames${side > 512 ? " of two chunks each" : ""}${blockSize ? " in blocks" : ""}`;
    it(`rebuilds ${what} from the chunks the file holds, which the journal points at`, async () => {
      const file = path.join(dir, `large-${side}-${blockSize ?? 1}${gzip ? "-gzip" : ""}.h5`);
      await crash({
        path: file,
        frames: 12,
        image: true,
        imageSide: side,
        gzip,
        ...(blockSize ? { blockSize } : {}),
      });
      const imageBytes = side * side * 2;
      assert.ok(
        statSync(journalPathOf(file)).size < imageBytes,
        `the journal (${statSync(journalPathOf(file)).size} bytes) holds no copy of the 12 images of ${imageBytes} bytes`,
      );
      const report = await recoverFile(file);
      assert.equal(report.frames, 12);
      assert.equal(report.tornBytes, 0);
      const loaded = await load(file);
      assertStream(loaded, "/RawData/Detector000", range(1, 12));
      const image = find(loaded, "/RawData/Detector000", "image");
      assert.deepEqual(image.shape, [12, side, side]);
      const backend = await openH5wasmFile(file, "read");
      try {
        const chunks = (await backend.datasetInfo(image.where)).chunks;
        assert.deepEqual(
          chunks,
          side > 512 ? [1, side / 2, side] : [1, side, side],
          "rows over 2 MiB: two chunks",
        );
      } finally {
        await backend.close();
      }
      for (const k of [1, 7, 12]) {
        const row = (k - 1) * side * side;
        // the first bytes of a row, and the last ones (of its second chunk when it is cut in two)
        assert.deepEqual(image.data.slice(row + 1000, row + 1002), [k + 1000, k + 1001], `image ${k}`);
        const end = side * side - 2;
        assert.deepEqual(image.data.slice(row + end, row + end + 2), [
          (k + end) % 65_536,
          (k + end + 1) % 65_536,
        ]);
      }
    });
  }

  it("rebuilds small frames appended in blocks of whole chunks from the chunks the journal points at", async () => {
    // 16 KiB spectra: chunks of 64 rows (1 MiB); blocks of 64 frames fill one chunk each
    const file = path.join(dir, "spectra.h5");
    const frames = 192;
    await crash({ path: file, frames, blockSize: 64, traceLength: 2048 });
    const traceBytes = frames * 2048 * 8;
    const journalBytes = statSync(journalPathOf(file)).size;
    assert.ok(
      journalBytes < traceBytes / 8,
      `the journal (${journalBytes} bytes) holds no copy of the ${traceBytes} bytes of spectra`,
    );
    const report = await recoverFile(file);
    assert.equal(report.frames, frames);
    assert.equal(report.tornBytes, 0);
    assertStream(await load(file), "/RawData/Detector000", range(1, frames), 2048);
  });

  it("copies the spectra of blocks that do not fill whole chunks, and rebuilds them too", async () => {
    const file = path.join(dir, "spectra-uneven.h5");
    // blocks of 80: a whole chunk of 64 and 16 rows more, then rows on both sides of a boundary
    const frames = 160;
    await crash({ path: file, frames, blockSize: 80, traceLength: 2048 });
    assert.ok(
      statSync(journalPathOf(file)).size > frames * 2048 * 8,
      "each block's spectra are in the journal",
    );
    const report = await recoverFile(file);
    assert.equal(report.frames, frames);
    assertStream(await load(file), "/RawData/Detector000", range(1, frames), 2048);
  });

  for (const gzip of [false, true]) {
    it(`keeps the ${gzip ? "deflated " : ""}large frames whose chunks reached the disk, when the file lost its end`, async () => {
      const file = path.join(dir, `large-cut${gzip ? "-gzip" : ""}.h5`);
      await crash({ path: file, frames: 12, image: true, imageSide: 512, gzip });
      // as if the last chunks never left the page cache: half the file is gone
      truncateSync(file, Math.floor(statSync(file).size / 2));
      const report = await recoverFile(file);
      assert.ok(report.tornBytes > 0, "the records pointing past the end are dropped");
      assert.ok(report.frames >= 3 && report.frames < 12, `${report.frames} frames kept`);
      const loaded = await load(file);
      assertStream(loaded, "/RawData/Detector000", range(1, report.frames));
      const image = find(loaded, "/RawData/Detector000", "image");
      const last = (report.frames - 1) * 512 * 512;
      assert.deepEqual(image.data.slice(last + 5, last + 6), [report.frames + 5]);
    });
  }

  for (const stage of ["spent", "swapped"] as const) {
    it(`finishes a recovery stopped as it swapped the rebuilt file in (${stage}), never replaying the journal again`, async () => {
      // deflated 512² frames in blocks: records point at the damaged file's chunks, which the
      // rebuilt file holds elsewhere — a second replay against it would drop them
      const file = path.join(dir, `stopped-${stage}.h5`);
      await crash({ path: file, frames: 12, image: true, imageSide: 512, gzip: true, blockSize: 3 });
      const stopped = new Error(`stopped once ${stage}`);
      await assert.rejects(
        recoverFile(file, {
          onSwap: (at) => {
            if (at === stage) throw stopped;
          },
        }),
        stopped,
      );
      assert.ok(!existsSync(journalPathOf(file)), "the journal was renamed aside before the swap");
      assert.ok(hasJournal(file), "a recovery to finish counts as a journal (servers find it)");
      await rejectsWith(
        SaverFile.open({ path: file, mode: "append" }),
        "failed_precondition",
        /h5saver recover/,
      );
      const report = await recoverFile(file);
      assert.equal(report.frames, 12, "the counts of the replay that rebuilt it");
      assert.ok(!hasJournal(file));
      assert.ok(!existsSync(path.join(dir, `.stopped-${stage}.h5.h5saver-recovering`)));
      const loaded = await load(file);
      assertStream(loaded, "/RawData/Detector000", range(1, 12));
      const image = find(loaded, "/RawData/Detector000", "image");
      assert.deepEqual(image.shape, [12, 512, 512]);
      for (const k of [1, 12]) assert.equal(image.data[(k - 1) * 512 * 512 + 9], k + 9, `image ${k}`);
    });
  }

  it("refuses a file with both a journal and a spent one (an older h5saver wrote anew), naming both", async () => {
    const file = path.join(dir, "both.h5");
    await crash({ path: file, frames: 2 });
    writeFileSync(spentJournalPathOf(file), "");
    await rejectsWith(
      recoverFile(file),
      "file_unavailable",
      /both a crash journal .* and a recovery's spent journal/,
    );
    assert.ok(existsSync(journalPathOf(file)), "nothing is removed");
  });

  it("runs one recovery of a file at a time: a second is refused while the first rebuilds it all", async () => {
    const file = path.join(dir, "twice.h5");
    await crash({ path: file, frames: 12 });
    let second: Promise<unknown> | undefined;
    const first = await recoverFile(file, {
      onProgress: () => {
        second ??= recoverFile(file);
      },
    });
    assert.equal(first.frames, 12);
    assert.ok(second, "the second recovery was started during the first");
    await rejectsWith(
      second,
      "failed_precondition",
      /the recovery of '.*twice\.h5' is in use by another h5saver recover in this process/,
    );
    assertStream(await load(file), "/RawData/Detector000", range(1, 12));
    assert.ok(!existsSync(path.join(dir, `.twice.h5${RECOVERY_LOCK_SUFFIX}`)), "the lock is released");
  });

  it("waits for no recovery whose process is gone, and refuses one another live process holds", async () => {
    const file = path.join(dir, "locked.h5");
    await crash({ path: file, frames: 3 });
    const lock = path.join(dir, `.locked.h5${RECOVERY_LOCK_SUFFIX}`);
    const holder = (pid: number) =>
      JSON.stringify({ pid, host: hostname(), since: "2026-12-03T00:00:00Z", command: "recover" });
    writeFileSync(lock, holder(process.ppid)); // runs, and is not this process
    await rejectsWith(
      recoverFile(file),
      "failed_precondition",
      new RegExp(`in use by h5saver recover \\(pid ${process.ppid} on .*if that process is gone, delete`),
    );
    assert.ok(hasJournal(file), "nothing was touched");
    writeFileSync(lock, holder(2 ** 22 + 12_345)); // above Linux's largest pid: no such process
    assert.equal((await recoverFile(file)).frames, 3);
    assert.ok(!existsSync(lock));
  });

  it("refuses a file without a journal, naming it", async () => {
    await rejectsWith(recoverFile(path.join(dir, "never.h5")), "not_found", /nothing to recover/);
    await rejectsWith(
      recoverFile(path.join(dir, "no-such-folder", "never.h5")),
      "not_found",
      /nothing to recover/,
    );
  });

  it("leaves no journal behind a file closed cleanly", async () => {
    const file = path.join(dir, "clean.h5");
    const saver = await SaverFile.open({ path: file, journal: true });
    assert.ok(existsSync(journalPathOf(file)));
    await saver.addDetector("d");
    await saver.close();
    assert.ok(!existsSync(journalPathOf(file)));
  });
});

describe("a journaled file's name", () => {
  it("leaves room for the journal's own names, refusing longer ones before anything is made", async () => {
    const long = path.join(dir, `${"n".repeat(231)}.h5`);
    await rejectsWith(
      SaverFile.open({ path: long, journal: true }),
      "invalid_data",
      /at most 233: choose a shorter one/,
    );
    assert.ok(!existsSync(long));
  });

  it("of the longest length allowed is killed, recovered and opened again", async () => {
    // the spent journal's suffix is the longest of the names beside it
    const fits = path.join(dir, `${"n".repeat(MAX_JOURNALED_NAME_BYTES - 3)}.h5`);
    await crash({ path: fits, frames: 4, image: true, imageSide: 512 });
    const report = await recoverFile(fits);
    assert.equal(report.frames, 4);
    assertStream(await load(fits), "/RawData/Detector000", range(1, 4));
    const again = await SaverFile.open({ path: fits, mode: "append", journal: true });
    await again.close();
    assert.ok(!hasJournal(fits));
  });
});

describe("a failed sync of the journal", () => {
  for (const durability of ["written", "synced"] as const) {
    it(`keeps the journal when the file closes, and every frame acknowledged (${durability}) is rebuilt from it`, async () => {
      const file = path.join(dir, `sync-fails-${durability}.h5`);
      const saver = await SaverFile.open({
        path: file,
        journal: true,
        durability,
        flush: { maxFrames: 100_000, maxDelayMs: 600_000 },
      });
      let acknowledged = 0;
      saver.onDurable((event) => {
        acknowledged = Math.max(acknowledged, event.durableFrames);
      });
      const stream = await saver.startContinuous(await saver.addDetector("det"));
      const spectrum = (k: number) => ({
        name: "spectro",
        data: [
          { name: "counter", data: [Float64Array.of(k)] },
          { name: "trace", data: [Float64Array.from({ length: TRACE }, (_, i) => k * 1000 + i)] },
        ],
      });
      for (let k = 1; k <= 5; k++) await saver.append(stream, spectrum(k));
      await saver.flush(); // 1–5 synced
      // the disk fails the next syncs: an fdatasync answering EIO, which no disk here can be made
      // to, as the journal reports it
      const sync = JournalWriter.prototype.syncInBackground;
      JournalWriter.prototype.syncInBackground = function (this: JournalWriter) {
        return sync.call(this)?.then(() => {
          throw new SaverError("io_error", `the crash journal '${this.path}' could not sync: EIO: i/o error`);
        });
      };
      try {
        for (let k = 6; k <= 10; k++) await saver.append(stream, spectrum(k));
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        JournalWriter.prototype.syncInBackground = sync;
      }
      assert.equal(acknowledged, durability === "written" ? 10 : 5);
      await rejectsWith(
        saver.close(),
        "io_error",
        /closed without some of its frames.*crash journal holds them/,
      );
      assert.ok(existsSync(journalPathOf(file)), "the journal is kept");
      await recoverFile(file);
      assertStream(await load(file), "/RawData/Detector000", range(1, 10));
    });
  }
});
