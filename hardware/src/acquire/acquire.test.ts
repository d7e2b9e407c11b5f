import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import { cameraImage } from "../drivers/camera/camera-simulator.ts";
import { TCD1304_PIXELS } from "../drivers/tcd1304/tcd1304-protocol.ts";
import { tcd1304Pixel } from "../drivers/tcd1304/tcd1304-simulator.ts";
import { USB2000_PIXELS } from "../drivers/usb2000/usb2000-protocol.ts";
import { usb2000Count } from "../drivers/usb2000/usb2000-simulator.ts";
import { DeviceError } from "../errors.ts";
import { startMemorySimulator } from "../simulators/memory-simulator.ts";
import { type PtySimulator, startPtySimulator } from "../simulators/pty-simulator.ts";
import { find, loadFile, startSaver } from "../testing/saver.ts";
import { ptySkip } from "../testing/socat.ts";
import { acquire } from "./acquire.ts";

// at the top level, so that the server and its folder live until every test of the file is done
const saver = await startSaver();

async function simulator(...args: Parameters<typeof startPtySimulator>): Promise<PtySimulator> {
  const sim = await startPtySimulator(...args);
  after(() => sim.close());
  return sim;
}

describe("acquire()", { skip: ptySkip() }, () => {
  it("streams 40 TCD1304 frames from a pty simulator into a file that loads back frame by frame", async () => {
    const sim = await simulator("tcd1304");
    const progress: number[] = [];
    const summary = await acquire({
      driver: "tcd1304",
      port: sim.port,
      server: saver.address,
      file: "runs/ccd.h5",
      frames: 40,
      settings: { integrationUs: 2000 },
      onProgress: (p) => progress.push(p.frames),
    });
    assert.equal(summary.stoppedBy, "frames");
    assert.equal(summary.frames, 40);
    assert.equal(summary.acknowledged, 40);
    assert.equal(summary.file, "runs/ccd.h5");
    assert.equal(summary.crcErrors, 0);
    assert.equal(progress.at(-1), 40);
    assert.equal(summary.error, undefined);
    // where the time went: decoding happened, and the parts fit in the whole
    assert.ok(summary.timing.decodeMs > 0);
    assert.ok(summary.timing.waitMs + summary.timing.sendMs <= summary.seconds * 1000 + 1);

    const loaded = await loadFile(path.join(saver.root, "runs/ccd.h5"));
    const ccd = find(loaded, "CCD").dwa;
    assert.deepEqual(ccd.shape, [40, TCD1304_PIXELS]);
    assert.equal(ccd.dtype, "uint16");
    const counters = [...(find(loaded, "frame_counter").dwa.data[0] ?? [])].map(Number);
    assert.equal(counters.length, 40);
    assert.deepEqual(
      counters,
      counters.map((_, i) => (counters[0] as number) + i),
    );
    // every row whole: away from the peak all frames share one background
    const values = ccd.data[0] as Uint16Array;
    counters.forEach((k, row) => {
      assert.deepEqual(
        values.subarray(row * TCD1304_PIXELS, (row + 1) * TCD1304_PIXELS),
        Uint16Array.from({ length: TCD1304_PIXELS }, (_, i) => tcd1304Pixel(k, i)),
        `row ${row}`,
      );
    });
    const axis = ccd.axes.find((a) => a.label === "pixel");
    assert.equal(axis?.data.length, TCD1304_PIXELS);
    assert.equal(axis?.data[3693], 3693);
  });

  it("saves 2D camera frames with their settings, stopping after T seconds", async () => {
    const sim = await simulator("camera");
    const summary = await acquire({
      driver: "camera",
      port: sim.port,
      server: saver.address,
      file: "runs/camera.h5",
      seconds: 1,
      detector: "Beam camera",
      settings: { width: 128, height: 96, fps: 40 },
    });
    assert.equal(summary.stoppedBy, "seconds");
    assert.ok(summary.frames >= 1, `${summary.frames} frames`);
    assert.equal(summary.acknowledged, summary.frames);
    const loaded = await loadFile(path.join(saver.root, "runs/camera.h5"));
    const image = find(loaded, "image");
    assert.ok(image.path.startsWith(summary.detectorPath));
    assert.deepEqual(image.dwa.shape, [summary.frames, 96, 128]);
    const sequences = [...(find(loaded, "sequence").dwa.data[0] ?? [])].map(Number);
    const last = summary.frames - 1;
    const pixels = (image.dwa.data[0] as Uint16Array).subarray(last * 96 * 128, summary.frames * 96 * 128);
    assert.deepEqual(pixels, cameraImage(sequences[last] as number, 128, 96, "uint16"));
  });

  it("stops cleanly when aborted, with every frame sent acknowledged", async () => {
    const sim = await simulator("sr830");
    const controller = new AbortController();
    const summary = await acquire({
      driver: "sr830",
      port: sim.port,
      server: saver.address,
      file: "runs/lockin.h5",
      signal: controller.signal,
      onProgress: (p) => {
        if (p.frames === 12) controller.abort();
      },
    });
    assert.equal(summary.stoppedBy, "signal");
    assert.equal(summary.frames, 12);
    assert.equal(summary.acknowledged, 12);
    const xyr = find(await loadFile(path.join(saver.root, "runs/lockin.h5")), "XYR").dwa;
    assert.deepEqual(xyr.labels, ["X", "Y", "R"]);
    assert.equal(xyr.shape[0], 12);
  });

  it("runs without socat on an in-memory simulator: USB2000+ spectra with their wavelength axis", async () => {
    const sim = startMemorySimulator("usb2000");
    after(() => sim.close());
    const summary = await acquire({
      driver: "usb2000",
      port: sim.port,
      openTransport: sim.openTransport,
      server: saver.address,
      file: "runs/spectra.h5",
      frames: 8,
      settings: { integrationTimeUs: 1000 },
    });
    assert.equal(summary.acknowledged, 8);
    const spectrum = find(await loadFile(path.join(saver.root, "runs/spectra.h5")), "spectrum").dwa;
    assert.deepEqual(spectrum.shape, [8, USB2000_PIXELS]);
    const counts = spectrum.data[0] as Uint16Array;
    for (let k = 0; k < 8; k++) {
      assert.deepEqual(
        counts.subarray(k * USB2000_PIXELS, (k + 1) * USB2000_PIXELS),
        Uint16Array.from({ length: USB2000_PIXELS }, (_, i) => usb2000Count(k, i)),
        `spectrum ${k}`,
      );
    }
    const wavelength = spectrum.axes.find((a) => a.label === "wavelength");
    assert.equal(wavelength?.units, "nm");
    assert.ok(Math.abs((wavelength?.data[0] as number) - 339.6) < 1e-9);
  });

  it("rejects with not_found when the port does not exist, before touching the saver", async () => {
    await assert.rejects(
      acquire({ driver: "dmm", port: "/nonexistent/tty", server: saver.address, file: "runs/none.h5" }),
      (error: unknown) => {
        assert.ok(error instanceof DeviceError);
        assert.equal(error.code, "not_found");
        assert.equal(error.message, "no serial port at /nonexistent/tty");
        return true;
      },
    );
  });
});
