import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { tempDir } from "../../../service/src/testing/temp-dir.ts";
import { dmmReading, formatReading } from "../drivers/dmm/dmm-simulator.ts";
import { TCD1304_PIXELS } from "../drivers/tcd1304/tcd1304-protocol.ts";
import { tcd1304Pixel } from "../drivers/tcd1304/tcd1304-simulator.ts";
import { DeviceError } from "../errors.ts";
import { GARBAGE } from "../simulators/fault-plan.ts";
import { type PtySimulator, startPtySimulator } from "../simulators/pty-simulator.ts";
import { find, loadFile, startSaver } from "../testing/saver.ts";
import { ptySkip } from "../testing/socat.ts";
import { rejection } from "../testing/take.ts";
import { PRESENCE_POLL_MS } from "../transport/serial-transport.ts";
import { acquire } from "./acquire.ts";

const saver = await startSaver();

async function simulator(...args: Parameters<typeof startPtySimulator>): Promise<PtySimulator> {
  const sim = await startPtySimulator(...args);
  after(() => sim.close());
  return sim;
}

const numbers = (array: ArrayLike<number | bigint> | undefined) => Array.from(array ?? [], Number);

describe("faults over a real pty", { skip: ptySkip() }, () => {
  it("resynchronises after garbage and never writes a frame with a bad CRC", async () => {
    // 34 frames sent: CRC corrupted in frames 7, 14, 21, 28; garbage before 5, 10, … 30; then silence
    const sim = await simulator("tcd1304", { faults: { garbageEvery: 5, corruptEvery: 7, stallAfter: 34 } });
    const summary = await acquire({
      driver: "tcd1304",
      port: sim.port,
      server: saver.address,
      file: "faults/crc.h5",
      frames: 30,
      settings: { integrationUs: 1000 },
    });
    assert.equal(summary.stoppedBy, "frames");
    assert.equal(summary.acknowledged, 30);
    assert.equal(summary.crcErrors, 4);
    assert.equal(summary.missed, 4);
    assert.equal(summary.garbageBytes, 6 * GARBAGE.length);

    const loaded = await loadFile(path.join(saver.root, "faults/crc.h5"));
    const counters = numbers(find(loaded, "frame_counter").dwa.data[0]);
    // frame k (1-based) carries counter k - 1
    const expected = Array.from({ length: 34 }, (_, i) => i).filter((c) => (c + 1) % 7 !== 0);
    assert.deepEqual(counters, expected);
    const ccd = find(loaded, "CCD").dwa.data[0] as Uint16Array;
    counters.forEach((k, row) => {
      assert.deepEqual(
        ccd.subarray(row * TCD1304_PIXELS, (row + 1) * TCD1304_PIXELS),
        Uint16Array.from({ length: TCD1304_PIXELS }, (_, i) => tcd1304Pixel(k, i)),
        `row ${row}`,
      );
    });
  });

  it("stops on a stalled device with a timeout naming it and its last command; the file keeps every frame", async () => {
    const sim = await simulator("tcd1304", { faults: { stallAfter: 20 } });
    const summary = await acquire({
      driver: "tcd1304",
      port: sim.port,
      server: saver.address,
      file: "faults/stall.h5",
      timeoutMs: 1500,
      settings: { integrationUs: 1000 },
    });
    assert.equal(summary.stoppedBy, "device_error");
    assert.ok(summary.error instanceof DeviceError);
    assert.equal(summary.error.code, "timeout");
    assert.equal(summary.error.details.command, "START");
    assert.match(
      summary.error.message,
      new RegExp(`^tcd1304 on ${sim.port} sent no frame within \\d+ ms after 'START'`),
    );
    assert.equal(summary.frames, 20);
    assert.equal(summary.acknowledged, 20);
    const counters = numbers(
      find(await loadFile(path.join(saver.root, "faults/stall.h5")), "frame_counter").dwa.data[0],
    );
    assert.deepEqual(
      counters,
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it("stops cleanly when the port is unplugged mid-stream, every acknowledged frame in the file", async () => {
    const sim = await simulator("camera", { faults: { disconnectAfter: 15 } });
    const summary = await acquire({
      driver: "camera",
      port: sim.port,
      server: saver.address,
      file: "faults/unplugged.h5",
      settings: { width: 64, height: 48, fps: 100 },
    });
    assert.equal(summary.stoppedBy, "disconnected");
    assert.equal(summary.error?.code, "disconnected");
    assert.ok(summary.frames >= 1 && summary.frames <= 15, `${summary.frames} frames`);
    assert.equal(summary.acknowledged, summary.frames);
    const loaded = await loadFile(path.join(saver.root, "faults/unplugged.h5"));
    assert.deepEqual(find(loaded, "image").dwa.shape, [summary.frames, 48, 64]);
    assert.deepEqual(
      numbers(find(loaded, "sequence").dwa.data[0]),
      Array.from({ length: summary.frames }, (_, i) => i),
    );
  });

  it("reconnects with backoff when asked, and goes on into the same stream", async () => {
    const link = path.join(tempDir("h5saver-relink-"), "ccd");
    const first = await simulator("tcd1304", { link, faults: { disconnectAfter: 10 } });
    let second: PtySimulator | undefined;
    // the device comes back at the same path once the first one is gone and the driver has seen it
    // go (its path is polled every PRESENCE_POLL_MS), as a re-enumerating USB adapter would
    const replug = first.served.then(async () => {
      await first.close();
      await new Promise((resolve) => setTimeout(resolve, 5 * PRESENCE_POLL_MS));
      second = await simulator("tcd1304", { link });
    });
    const summary = await acquire({
      driver: "tcd1304",
      port: link,
      server: saver.address,
      file: "faults/reconnected.h5",
      frames: 25,
      settings: { integrationUs: 1000 },
      reconnect: { attempts: 20, initialDelayMs: 100, maxDelayMs: 400 },
    });
    await replug;
    assert.ok(second);
    assert.equal(summary.reconnects, 1);
    assert.equal(summary.stoppedBy, "frames");
    assert.equal(summary.acknowledged, 25);
    const counters = numbers(
      find(await loadFile(path.join(saver.root, "faults/reconnected.h5")), "frame_counter").dwa.data[0],
    );
    assert.equal(counters.length, 25);
    // the second board counts from 0 again: one restart in the counters, after at most 10 frames
    const restart = counters.findIndex((c, i) => i > 0 && c < (counters[i - 1] as number));
    assert.ok(restart > 0 && restart <= 10, `counters ${counters}`);
  });

  it("drops garbled DMM replies and keeps the readings that came whole", async () => {
    // replies 1–3 are the handshake (*IDN?, SYST:ERR? twice); replies 5, 10, 15 come garbled
    const sim = await simulator("dmm", { faults: { corruptEvery: 5 } });
    const summary = await acquire({
      driver: "dmm",
      port: sim.port,
      server: saver.address,
      file: "faults/dmm.h5",
      frames: 10,
      settings: { nplc: 0.02 },
    });
    assert.equal(summary.badFrames, 3);
    const voltage = numbers(
      find(await loadFile(path.join(saver.root, "faults/dmm.h5")), "voltage").dwa.data[0],
    );
    assert.deepEqual(
      voltage,
      [0, 2, 3, 4, 5, 7, 8, 9, 10, 12].map((k) => Number(formatReading(dmmReading(k)))),
    );
  });

  it("fails with a clear error when the saver goes away mid-stream", async () => {
    const doomed = await startSaver();
    const sim = await simulator("dmm");
    const error = await rejection(
      acquire({
        driver: "dmm",
        port: sim.port,
        server: doomed.address,
        file: "faults/gone.h5",
        settings: { nplc: 0.02 },
        onProgress: (p) => {
          if (p.frames === 10) doomed.server.server.forceShutdown();
        },
      }),
    );
    assert.ok(error instanceof DeviceError, String(error));
    assert.equal(error.code, "saver_unavailable");
    assert.match(error.message, new RegExp(`^the saver at ${doomed.address} failed`));
  });
});
