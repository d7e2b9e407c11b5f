import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { newFilesBackend } from "../backend/open-h5-file.ts";
import { SaverError } from "../errors.ts";
import { PyMoDAQLoader } from "../layout/loader.ts";
import { tempDir } from "../testing/temp-dir.ts";
import {
  DEFAULT_WRITER_THREAD_LIMIT,
  openSaverFile,
  setWriterThreadLimit,
  writerThreadLimit,
} from "./worker-saver-file.ts";

const dir = tempDir();

describe("openSaverFile()", () => {
  it("writes through a worker thread while the caller's event loop keeps running", async () => {
    const filePath = path.join(dir, "worker.h5");
    const file = await openSaverFile({ path: filePath, flush: { maxFrames: 10, maxDelayMs: 1000 } });
    const durable: number[] = [];
    file.onDurable((e) => durable.push(e.durableFrames));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const stream = await file.startContinuous(await file.addDetector("camera"));
      const frame = new Uint16Array(1024 * 1024).fill(7);
      for (let k = 0; k < 30; k++) {
        await file.append(stream, {
          name: "cam",
          timestamp: k,
          data: [{ name: "img", data: [frame], shape: [1024, 1024] }],
        });
      }
      await file.endContinuous(stream);
    } finally {
      clearInterval(timer);
      await file.close();
    }
    assert.ok(ticks > 0, "timers ran during the writes");
    assert.deepEqual(durable, [10, 20, 30]);

    const backend = await openH5wasmFile(filePath, "read");
    const [loaded] = await new PyMoDAQLoader(backend).loadAll();
    await backend.close();
    assert.deepEqual(loaded?.dwa.shape, [30, 1024, 1024]);
    assert.equal(loaded?.dwa.data[0]?.[30 * 1024 * 1024 - 1], 7);
  });

  it("takes the arrays of a caller that hands them over without copying them, and copies the others", async () => {
    const filePath = path.join(dir, "hand-over.h5");
    const file = await openSaverFile({ path: filePath }, { handOverArrays: true });
    const kept = new Uint8Array([1, 2, 3]); // a small Buffer-pool-sized buffer: copied, not moved
    const given = new Uint16Array(64 * 1024).fill(9);
    const givenBuffer = given.buffer;
    try {
      const stream = await file.startContinuous(await file.addDetector("camera"));
      await file.append(stream, { name: "cam", data: [{ name: "img", data: [given], shape: [256, 256] }] });
      await file.append(stream, {
        name: "cam",
        data: [{ name: "img", data: [new Uint16Array(256 * 256)], shape: [256, 256] }],
      });
      const counter = await file.startContinuous(await file.addDetector("counter"));
      await file.append(counter, { name: "n", data: [{ name: "n", data: [kept] }] });
      await file.endContinuous(stream);
      await file.endContinuous(counter);
    } finally {
      await file.close();
    }
    assert.equal(givenBuffer.byteLength, 0, "the large buffer moved to the writer thread (detached here)");
    assert.deepEqual(Array.from(kept), [1, 2, 3], "the small one was copied");
    const backend = await openH5wasmFile(filePath, "read");
    const loaded = await new PyMoDAQLoader(backend).loadAll();
    await backend.close();
    const image = loaded.find((node) => node.dwa.name === "img");
    assert.deepEqual(image?.dwa.shape, [2, 256, 256]);
    assert.equal(image?.dwa.data[0]?.[0], 9);
    assert.equal(image?.dwa.data[0]?.[256 * 256], 0);
  });

  it("carries typed errors across the thread boundary", async () => {
    const file = await openSaverFile({ path: path.join(dir, "errors.h5") });
    try {
      await assert.rejects(
        file.saveSnapshot("/RawData/Nope", { name: "x", data: [{ name: "a", data: [new Float64Array(1)] }] }),
        (error) => {
          assert.ok(error instanceof SaverError);
          assert.equal(error.code, "not_found");
          assert.equal(error.details.node, "/RawData/Nope");
          return true;
        },
      );
    } finally {
      await file.close();
    }
  });

  it("refuses calls after close at once, and closing twice is harmless", async () => {
    const file = await openSaverFile({ path: path.join(dir, "closed.h5") });
    await file.close();
    await file.close();
    await assert.rejects(
      file.addDetector("late"),
      (error) => error instanceof SaverError && error.code === "failed_precondition",
    );
  });

  it("fails to open with the writer's own error", async () => {
    const blocker = path.join(dir, "not-a-folder");
    writeFileSync(blocker, "");
    await assert.rejects(openSaverFile({ path: path.join(blocker, "x.h5") }), (error) => {
      assert.ok(error instanceof SaverError);
      assert.equal(error.code, "file_unavailable");
      return true;
    });
  });

  it("hands a closed file's thread to the next file, and starts one for files open at once", async () => {
    const frame = (k: number) => ({ name: "n", data: [{ name: "n", data: [Float64Array.of(k)] }] });
    const first = await openSaverFile({ path: path.join(dir, "first.h5") });
    const firstThread = first.threadId;
    await first.append(await first.startContinuous(await first.addDetector("a")), frame(1));
    await first.close();

    const second = await openSaverFile({ path: path.join(dir, "second.h5") });
    const third = await openSaverFile({ path: path.join(dir, "third.h5") });
    try {
      assert.equal(second.threadId, firstThread, "the closed file's thread serves the next one");
      assert.notEqual(third.threadId, second.threadId, "a file open beside it gets a thread of its own");
      for (const [file, k] of [
        [second, 2],
        [third, 3],
      ] as const) {
        await file.append(await file.startContinuous(await file.addDetector("a")), frame(k));
      }
    } finally {
      await second.close();
      await third.close();
    }
    for (const [name, k] of [
      ["first", 1],
      ["second", 2],
      ["third", 3],
    ] as const) {
      const backend = await openH5wasmFile(path.join(dir, `${name}.h5`), "read");
      const [loaded] = await new PyMoDAQLoader(backend).loadAll();
      await backend.close();
      assert.deepEqual(Array.from(loaded?.dwa.data[0] ?? [], Number), [k], `${name}.h5 holds its own frame`);
    }
  });

  it("puts native-backend files on as many threads as it is told (serve --writer-threads)", {
    skip:
      newFilesBackend().backend === "native" ? false : "new files are not written by the native backend here",
  }, async () => {
    assert.throws(() => setWriterThreadLimit(0), /a writer thread limit must be a positive integer, not 0/);
    setWriterThreadLimit(1);
    try {
      const files = await Promise.all(
        [0, 1, 2].map((k) => openSaverFile({ path: path.join(dir, `one-thread-${k}.h5`) })),
      );
      try {
        assert.equal(new Set(files.map((file) => file.threadId)).size, 1);
        for (const [k, file] of files.entries()) {
          const stream = await file.startContinuous(await file.addDetector("a"));
          await file.append(stream, { name: "n", data: [{ name: "n", data: [Float64Array.of(k)] }] });
          await file.endContinuous(stream);
        }
      } finally {
        for (const file of files) await file.close();
      }
    } finally {
      setWriterThreadLimit(DEFAULT_WRITER_THREAD_LIMIT);
    }
    for (const k of [0, 1, 2]) {
      const backend = await openH5wasmFile(path.join(dir, `one-thread-${k}.h5`), "read");
      const [loaded] = await new PyMoDAQLoader(backend).loadAll();
      await backend.close();
      assert.deepEqual(Array.from(loaded?.dwa.data[0] ?? [], Number), [k]);
    }
  });

  it("shares its threads between native-backend files beyond one per core; blosc files keep their own", {
    skip:
      newFilesBackend().backend === "native" ? false : "new files are not written by the native backend here",
  }, async () => {
    const count = writerThreadLimit() + 3;
    const names = Array.from({ length: count }, (_, k) => `shared-${k}.h5`);
    const files = await Promise.all(
      names.map((name) =>
        openSaverFile({ path: path.join(dir, name), flush: { maxFrames: 1, maxDelayMs: 1000 } }),
      ),
    );
    const blosc = await openSaverFile({
      path: path.join(dir, "own-thread.h5"),
      compression: { kind: "blosc-lz4", level: 5 },
    });
    try {
      const threads = new Set(files.map((file) => file.threadId));
      assert.equal(threads.size, writerThreadLimit(), `${count} files on threads ${[...threads]}`);
      assert.ok(!threads.has(blosc.threadId), "an h5wasm file is not put beside them");
      // each file (k + 1 frames) hears its own acknowledgements, and holds its own frames
      const heard = files.map(() => [] as number[]);
      for (const [k, file] of files.entries()) file.onDurable((event) => heard[k]?.push(event.durableFrames));
      await Promise.all(
        files.map(async (file, k) => {
          const stream = await file.startContinuous(await file.addDetector("a"));
          for (let frame = 1; frame <= k + 1; frame++) {
            await file.append(stream, {
              name: "n",
              data: [{ name: "n", data: [Float64Array.of(100 * k + frame)] }],
            });
          }
          await file.endContinuous(stream);
        }),
      );
      for (const [k, durable] of heard.entries()) {
        assert.deepEqual(
          durable,
          Array.from({ length: k + 1 }, (_, f) => f + 1),
          `file ${k} heard ${durable}`,
        );
      }
    } finally {
      await blosc.close();
      // closed in turn: a thread serves its other files until its last one closes
      for (const file of files) await file.close();
    }
    for (const [k, name] of names.entries()) {
      const backend = await openH5wasmFile(path.join(dir, name), "read");
      const [loaded] = await new PyMoDAQLoader(backend).loadAll();
      await backend.close();
      assert.deepEqual(
        Array.from(loaded?.dwa.data[0] ?? [], Number),
        Array.from({ length: k + 1 }, (_, f) => 100 * k + f + 1),
        name,
      );
    }
  });
});
