import assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { PyMoDAQLoader } from "../layout/loader.ts";
import { prewarmIn } from "../testing/prewarm-in.ts";
import { tempDir } from "../testing/temp-dir.ts";
import type { WarmUpOutcome } from "./protocol.ts";
import { warmUpWriter } from "./warm-up.ts";
import { openSaverFile } from "./worker-saver-file.ts";

const dir = tempDir();

describe("warmUpWriter()", () => {
  it("runs its session in a directory of its own and leaves nothing behind", async () => {
    const parent = path.join(dir, "in-process");
    mkdirSync(parent);
    // (in this thread, loading HDF5 counts too: no budget)
    const report = await warmUpWriter({ parent, budgetMs: Number.POSITIVE_INFINITY });
    assert.ok(report.milliseconds > 0);
    assert.equal(report.cutShort, false);
    assert.deepEqual(readdirSync(parent), []);
  });

  it("stops at the next round when asked, or past its budget, and still cleans up", async () => {
    const parent = path.join(dir, "cut-short");
    mkdirSync(parent);
    let rounds = 0;
    const asked = await warmUpWriter({ parent, shouldStop: () => ++rounds > 3 });
    assert.equal(asked.cutShort, true);
    assert.equal(rounds, 4, "asked once per round until it said stop");
    const overBudget = await warmUpWriter({ parent, budgetMs: 0 });
    assert.equal(overBudget.cutShort, true);
    assert.deepEqual(readdirSync(parent), []);
  });

  it("removes the directories of warm-ups whose process is gone, and only those", async () => {
    const parent = path.join(dir, "stale");
    mkdirSync(parent);
    // no process has this id (Linux pids stop at 2^22)
    const gone = "h5saver-warm-up-99999999-x1Y2z3";
    const running = `h5saver-warm-up-${process.pid}-a1B2c3`;
    for (const name of [gone, running, "h5saver-warm-up-notapid", "someone-elses"]) {
      mkdirSync(path.join(parent, name));
      writeFileSync(path.join(parent, name, "warm-up.h5"), "");
    }
    await warmUpWriter({ parent });
    assert.deepEqual(
      readdirSync(parent).sort(),
      ["h5saver-warm-up-notapid", running, "someone-elses"].sort(),
    );
  });

  it("rejects when it cannot write there, naming the place", async () => {
    const notADirectory = path.join(dir, "a-file");
    writeFileSync(notADirectory, "");
    await assert.rejects(warmUpWriter({ parent: notADirectory }), (error: Error) =>
      error.message.includes(notADirectory),
    );
  });
});

describe("prewarmWriterThread(true)", () => {
  it("warms the ready thread in the OS temp directory, reports it, then serves the first file in it", async () => {
    // a writer thread's temp directory is the process's TMPDIR when the thread starts
    const temp = path.join(dir, "tmp");
    mkdirSync(temp);
    let outcome: WarmUpOutcome;
    // the ready thread does not keep a process alive (a server does): this test waits for it
    const alive = setInterval(() => undefined, 1000);
    try {
      outcome = await prewarmIn(temp);
    } finally {
      clearInterval(alive);
    }
    assert.ok("milliseconds" in outcome, JSON.stringify(outcome));
    assert.equal(outcome.cutShort, false);
    // (the worker's bundle is built there too)
    assert.deepEqual(
      readdirSync(temp).filter((name) => name.startsWith("h5saver-warm-up-")),
      [],
      "the warm-up's files are gone",
    );

    const filePath = path.join(dir, "first.h5");
    const file = await openSaverFile({ path: filePath, journal: true });
    try {
      const stream = await file.startContinuous(await file.addDetector("camera"));
      for (let k = 0; k < 3; k++) {
        const frame = new Uint16Array(512 * 256).fill(k + 1);
        await file.append(stream, {
          name: "cam",
          timestamp: k,
          data: [{ name: "img", data: [frame], shape: [512, 256] }],
        });
      }
      await file.endContinuous(stream);
    } finally {
      await file.close();
    }
    const backend = await openH5wasmFile(filePath, "read");
    try {
      const [loaded] = await new PyMoDAQLoader(backend).loadAll();
      assert.deepEqual(loaded?.dwa.shape, [3, 512, 256]);
      assert.deepEqual(
        [0, 1, 2].map((k) => loaded?.dwa.data[0]?.[k * 512 * 256]),
        [1, 2, 3],
      );
    } finally {
      await backend.close();
    }
  });
});
