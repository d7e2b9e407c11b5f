/**
 * The page cache of written files is handed back to the kernel: by the native addon itself, by
 * the h5wasm backend as a dataset grows, and by the crash journal once synced. What is cached is
 * read with util-linux's `fincore`. The addon must be built in CI (bootstrap builds it); elsewhere
 * these tests skip without it, and on a filesystem whose pages cannot be dropped (tmpfs).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  closeSync,
  constants,
  fdatasyncSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { dropPageCache, dropPageCacheInBackground, nativeAddon, pageSize } from "@h5saver/native";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { JournalWriter } from "../durability/journal.ts";
import { SaverFile } from "../layout/saver-file.ts";
import type { DataToExportInput } from "../model/index.ts";
import { tempDir } from "../testing/temp-dir.ts";
import {
  BULK_WRITE_BYTES,
  fileSynced,
  fileSyncStarts,
  noteFileWrite,
  releaseFileWrites,
  UNSYNCED_RELEASE_BYTES,
} from "./page-cache.ts";

const MiB = 1024 * 1024;
const dir = tempDir("h5saver-page-cache-");

if (!nativeAddon.available && process.env.CI && process.env.H5SAVER_PAGE_CACHE !== "keep") {
  throw new Error(`the native addon must be built in CI: ${nativeAddon.reason}`);
}

function filesystemOf(folder: string): string {
  return execFileSync("stat", ["-f", "-c", "%T", folder], { encoding: "utf8" }).trim();
}

function hasFincore(): boolean {
  try {
    execFileSync("fincore", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const skip = !nativeAddon.available
  ? `no native addon: ${nativeAddon.reason}`
  : filesystemOf(dir) === "tmpfs"
    ? "the temporary folder is a tmpfs, whose pages are the file"
    : !hasFincore()
      ? "no fincore (util-linux) to see what is cached"
      : false;

/** Bytes of the file in the page cache. */
function cachedBytes(file: string): number {
  const out = execFileSync("fincore", ["--bytes", "--noheadings", "--output", "RES", file], {
    encoding: "utf8",
  });
  return Number(out.trim());
}

function writeSynced(file: string, bytes: number): number {
  const fd = openSync(file, "w");
  writeSync(fd, Buffer.alloc(bytes, 7));
  fdatasyncSync(fd);
  return fd;
}

describe("the native addon", { skip }, () => {
  it("drops a synced file's cached pages", () => {
    const file = path.join(dir, "synced.bin");
    const fd = writeSynced(file, 16 * MiB);
    try {
      assert.ok(cachedBytes(file) >= 15 * MiB, "the file was in the page cache after its write");
      assert.equal(dropPageCache(fd), true);
      assert.equal(cachedBytes(file), 0);
    } finally {
      closeSync(fd);
    }
  });

  it("keeps pages written after the last sync (they are dirty) and drops them once synced", () => {
    const file = path.join(dir, "dirty.bin");
    const fd = writeSynced(file, 4 * MiB);
    try {
      writeSync(fd, Buffer.alloc(4 * MiB, 9), 0, 4 * MiB, 4 * MiB);
      dropPageCache(fd);
      fdatasyncSync(fd);
      dropPageCache(fd);
      assert.equal(cachedBytes(file), 0);
      assert.equal(statSync(file).size, 8 * MiB);
    } finally {
      closeSync(fd);
    }
  });

  it("says which descriptor or argument it refused", () => {
    const fd = openSync(path.join(dir, "closed.bin"), "w");
    closeSync(fd);
    assert.throws(() => dropPageCache(fd), { message: /Bad file descriptor \(errno 9\)/, errno: 9 });
    assert.throws(() => dropPageCache(-1), TypeError);
    assert.throws(() => dropPageCache(1.5), TypeError);
    assert.throws(() => dropPageCacheInBackground(-1, 0, 0), TypeError);
    assert.equal(dropPageCacheInBackground(fd, 0, 0), false, "a descriptor that is not open: nothing queued");
  });

  it("drops in the background through a copy of the descriptor: closed, or its number reused, at once", async () => {
    const first = path.join(dir, "closed-at-once.bin");
    const second = path.join(dir, "same-number.bin");
    const fds = openDescriptors();
    const fd = writeSynced(first, 16 * MiB);
    let reused: number | undefined;
    try {
      await withThreadPoolBusy(() => {
        assert.equal(dropPageCacheInBackground(fd, 0, 0), true);
        closeSync(fd);
        reused = writeSynced(second, 16 * MiB); // the lowest free number: the one just closed
      });
      assert.equal(reused, fd, "the second file got the first one's descriptor number");
      assert.equal(await cachedAfterAWhile(first), 0);
      assert.ok(cachedBytes(second) >= 15 * MiB, "the file that took the number kept its pages");
    } finally {
      if (reused !== undefined) closeSync(reused);
    }
    assert.equal(openDescriptors(), fds, "every copy of a descriptor was closed");
  });

  it("lets at most 64 drops wait at once (each holds a descriptor)", async () => {
    const file = path.join(dir, "many.bin");
    const fds = openDescriptors();
    const fd = writeSynced(file, MiB);
    try {
      let queued: boolean[] = [];
      await withThreadPoolBusy(() => {
        queued = Array.from({ length: 80 }, () => dropPageCacheInBackground(fd, 0, 0));
      });
      const accepted = queued.filter(Boolean).length;
      assert.ok(accepted > 0 && accepted <= 64, `${accepted} queued`);
      assert.deepEqual(queued.slice(64), Array(16).fill(false));
    } finally {
      closeSync(fd);
    }
    await cachedAfterAWhile(file);
    assert.equal(openDescriptors(), fds, "every copy of a descriptor was closed");
  });
});

/** Descriptors this process has open. */
function openDescriptors(): number {
  return readdirSync("/proc/self/fd").length;
}

/**
 * Runs `task` while every thread of libuv's pool is stuck opening a FIFO nobody writes to, so that
 * work `task` queues runs only after it (and in order); then lets the threads go.
 */
async function withThreadPoolBusy(task: () => void): Promise<void> {
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const fifos = Array.from({ length: threads }, (_, k) => path.join(dir, `busy-${process.pid}-${k}.fifo`));
  for (const fifo of fifos) execFileSync("mkfifo", [fifo]);
  const readers = fifos.map((fifo) => open(fifo, "r"));
  try {
    await sleep(50); // the pool's threads take the opens
    task();
  } finally {
    // a reader waits in each open: opening the other end without blocking lets it through
    for (const fifo of fifos) closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    for (const reader of await Promise.all(readers)) await reader.close();
    for (const fifo of fifos) rmSync(fifo);
  }
}

/** Bytes of the file cached once background drops had a few seconds to run (as soon as none are). */
async function cachedAfterAWhile(file: string): Promise<number> {
  let cached = cachedBytes(file);
  for (let wait = 0; cached > 0 && wait < 50; wait++) {
    await sleep(100);
    cached = cachedBytes(file);
  }
  return cached;
}

describe("files h5saver writes", { skip }, () => {
  const side = 512;
  const frame = (k: number): DataToExportInput => ({
    name: "camera",
    timestamp: 1_700_000_000 + k,
    data: [{ name: "image", data: [new Uint16Array(side * side).fill(k)], units: "counts" }],
  });

  it("leave the page cache as the crash journal's syncs cover their chunks", async () => {
    const file = path.join(dir, "journaled.h5");
    const saver = await SaverFile.open({
      path: file,
      journal: true,
      flush: { maxFrames: 8, maxDelayMs: 1000 },
    });
    try {
      const stream = await saver.startContinuous(await saver.addDetector("camera"));
      for (let k = 0; k < 64; k++) await saver.append(stream, frame(k)); // 32 MiB
      await saver.flush();
      const cached = cachedBytes(file);
      // HDF5's metadata and the time axis (small writes) stay; every frame's chunk went once synced
      assert.ok(statSync(file).size >= 64 * side * side * 2);
      assert.ok(cached < 2 * MiB, `${cached} bytes cached of ${statSync(file).size}`);
    } finally {
      await saver.close();
    }
    // closed, the file is synced a last time before its journal goes, and leaves altogether
    assert.equal(cachedBytes(file), 0);
  });

  it("that nobody syncs keep about twice UNSYNCED_RELEASE_BYTES in the page cache", async () => {
    const file = path.join(dir, "unsynced.h5");
    const backend = await openH5wasmFile(file, "create");
    const rows = (8 * UNSYNCED_RELEASE_BYTES) / (side * side * 2);
    await backend.createDataset("/frames", {
      dtype: "uint16",
      shape: [rows, side, side],
      maxShape: [null, side, side],
      chunks: [1, side, side],
      compression: { kind: "none" },
    });
    const row = new Uint16Array(side * side).fill(3);
    try {
      for (let r = 0; r < rows; r++) await backend.writeChunkRows("/frames", [r, 0, 0], [1, side, side], row);
      assert.ok(statSync(file).size >= rows * row.byteLength);
      // the releases run in libuv's threads: give the last ones a few seconds to be done
      const bound = 2 * UNSYNCED_RELEASE_BYTES + MiB;
      let cached = cachedBytes(file);
      for (let wait = 0; cached > bound && wait < 50; wait++) {
        await sleep(100);
        cached = cachedBytes(file);
      }
      assert.ok(cached <= bound, `${cached} bytes cached of ${statSync(file).size}`);
    } finally {
      await backend.close();
    }
  });

  it("keep the pages of a chunk filled in part (HDF5 reads it back to add rows) and drop whole ones", async () => {
    const file = path.resolve(dir, "partial.h5");
    const backend = await openH5wasmFile(file, "create");
    const rowShape = [256, 256]; // 128 KiB rows, 8 to a 1 MiB chunk
    const spec = {
      dtype: "uint16",
      shape: [0, ...rowShape],
      maxShape: [null, ...rowShape],
      chunks: [8, ...rowShape],
      compression: { kind: "none" },
    } as const;
    const rows = (n: number) => new Uint16Array(n * 256 * 256).fill(9);
    // as the crash journal syncs a file (through a descriptor of its own)
    const flushAndSync = async () => {
      await backend.flush();
      const mark = fileSyncStarts(file);
      const fd = openSync(file, "r+");
      fdatasyncSync(fd);
      closeSync(fd);
      fileSynced(file, mark);
    };
    try {
      await backend.createDataset("/partial", spec);
      await backend.createDataset("/whole", spec);
      await backend.resize("/partial", [3, ...rowShape]);
      await backend.writeSlice("/partial", [0, 0, 0], [3, ...rowShape], rows(3));
      await backend.resize("/whole", [16, ...rowShape]);
      await backend.writeChunkRows("/whole", [0, 0, 0], [16, ...rowShape], rows(16), 8);
      await flushAndSync();
      const cached = cachedBytes(file);
      assert.ok(statSync(file).size >= 3 * MiB);
      // the partial chunk (1 MiB) stays, with HDF5's metadata; the two whole ones went
      assert.ok(cached >= MiB && cached < 2 * MiB, `${cached} bytes cached of ${statSync(file).size}`);
      // the rows that complete it (a flush came mid-chunk): complete, it goes once synced
      await backend.resize("/partial", [8, ...rowShape]);
      await backend.writeSlice("/partial", [3, 0, 0], [5, ...rowShape], rows(5), true);
      await flushAndSync();
      const completed = cachedBytes(file);
      assert.ok(completed < MiB, `${completed} bytes cached once the chunk was completed`);
    } finally {
      await backend.close();
    }
  });

  it("keep the pages of small writes (metadata) and drop those of bulk writes a sync covered", () => {
    const file = path.resolve(dir, "ranges.bin");
    const fd = openSync(file, "w+");
    const write = (bytes: number, position: number) => {
      writeSync(fd, Buffer.alloc(bytes, 5), 0, bytes, position);
      noteFileWrite(file, fd, position, bytes);
    };
    try {
      const header = BULK_WRITE_BYTES / 2; // whole pages
      write(header, 0);
      for (let k = 0; k < 4; k++) write(MiB, header + k * MiB);
      const mark = fileSyncStarts(file);
      write(MiB, header + 4 * MiB); // after the sync began: not covered
      fdatasyncSync(fd);
      fileSynced(file, mark);
      assert.equal(cachedBytes(file), header + MiB);
    } finally {
      releaseFileWrites(file);
      closeSync(fd);
    }
  });

  it("are not released by a sync that began before the file was opened again", async () => {
    const file = path.resolve(dir, "reopened.bin");
    const first = openSync(file, "w+");
    writeSync(first, Buffer.alloc(MiB, 1), 0, MiB, 0);
    noteFileWrite(file, first, 0, MiB);
    const mark = fileSyncStarts(file);
    fdatasyncSync(first); // that sync: its end is told only once the file was opened again
    releaseFileWrites(file); // closed as the backend closes a file: its (clean) write leaves
    closeSync(first);
    assert.equal(await cachedAfterAWhile(file), 0);
    const again = openSync(file, "r+");
    try {
      writeSync(again, Buffer.alloc(MiB, 2), 0, MiB, MiB);
      noteFileWrite(file, again, MiB, MiB);
      fdatasyncSync(again);
      fileSynced(file, mark); // the first opening's sync: the second's writes are not its own
      assert.equal(cachedBytes(file), MiB);
    } finally {
      releaseFileWrites(file);
      closeSync(again);
    }
  });

  it("leave the crash journal out of the page cache once synced", () => {
    const file = path.join(dir, "journaled.h5");
    const journal = JournalWriter.start(file, {
      options: { saveType: "detector" },
      openedAt: new Date(0),
      fromBase: false,
    });
    try {
      journal.record({ method: "addLog", args: ["x".repeat(2 * MiB)] });
      journal.sync();
      const size = statSync(journal.path).size;
      assert.ok(size > 2 * MiB && size % pageSize !== 0, `${size} bytes`);
      // the page the next record goes on filling stays
      assert.equal(cachedBytes(journal.path), pageSize);
    } finally {
      journal.abandon();
    }
  });
});
