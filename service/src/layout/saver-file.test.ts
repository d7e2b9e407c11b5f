import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { nativeHdf5 } from "../backend/native-hdf5-backend.ts";
import { backendFor } from "../backend/open-h5-file.ts";
import type { DataToExportInput } from "../model/data-to-export.ts";
import { allocate, DTYPES, type DType } from "../model/dtype.ts";
import { rejectsWith } from "../testing/saver-error-assertions.ts";
import { seededRandom } from "../testing/seeded-random.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { PyMoDAQLoader } from "./loader.ts";
import { SETTINGS_DATASET } from "./pymodaq-tree.ts";
import { SaverFile } from "./saver-file.ts";

const dir = tempDir();
let counter = 0;
const newPath = () => path.join(dir, `f${counter++}.h5`);

function spectrum(k: number, length = 16, timestamp = 1_700_000_000 + k): DataToExportInput {
  return {
    name: "spectro",
    timestamp,
    data: [
      {
        name: "Spectrum",
        data: [Float64Array.from({ length }, (_, i) => k * 100 + i)],
        units: "V",
        axes: [{ label: "wavelength", units: "nm", offset: 500, scaling: 2, size: length }],
      },
    ],
  };
}

async function load(filePath: string) {
  const backend = await openH5wasmFile(filePath, "read");
  try {
    const loader = new PyMoDAQLoader(backend);
    return { data: await loader.loadAll(), log: await loader.logLines(), loader };
  } finally {
    await backend.close();
  }
}

describe("saveSnapshot()", () => {
  it("writes every dtype PyMoDAQ saves and reads the values back", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath });
    const det = await file.addDetector("all dtypes");
    const data = DTYPES.map((dtype: DType, i) => {
      const array = allocate(dtype, 6);
      for (let j = 0; j < 6; j++) {
        const v = dtype === "bool" ? j % 2 : dtype.startsWith("int") ? j - 3 : j * 7;
        (array as unknown as (number | bigint)[])[j] =
          array instanceof BigInt64Array || array instanceof BigUint64Array ? BigInt(v) : v;
      }
      return { name: `dwa_${dtype}_${i}`, data: [array], shape: [2, 3], dtype };
    });
    await file.saveSnapshot(det, { name: "dtypes", data });
    await file.close();

    const { data: loaded } = await load(filePath);
    assert.equal(loaded.length, DTYPES.length);
    for (const expected of data) {
      const got = loaded.find((l) => l.dwa.name === expected.name);
      assert.ok(got, expected.name);
      assert.deepEqual(got.dwa.shape, [2, 3]);
      assert.deepEqual(Array.from(got.dwa.data[0] ?? [], String), Array.from(expected.data[0] ?? [], String));
    }
  });

  it("stores a settings tree far over 64 KiB whole, in a dataset the attribute points to", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath });
    const items = Array.from(
      { length: 4000 },
      (_, i) => `<p${i} title="Paramètre ${i}" type="float" value="${i}.5"/>`,
    );
    const xml = `<All_settings type="group">${items.join("")}</All_settings>`;
    assert.ok(xml.length > 200_000);
    const det = await file.addDetector("big settings", xml);
    await file.saveSnapshot(det, spectrum(0));
    await file.close();

    const backend = await openH5wasmFile(filePath, "read");
    const loader = new PyMoDAQLoader(backend);
    assert.equal(await loader.settings(det), xml);
    assert.ok(await backend.exists(`${det}/${SETTINGS_DATASET}`));
    const pointer = (await loader.attributes(det)).settings;
    assert.ok(pointer instanceof Uint8Array);
    assert.match(
      new TextDecoder().decode(pointer),
      /<All_settings .*value="\/RawData\/Detector000\/SettingsXML"/,
    );
    await backend.close();
  });

  it("refuses a detector that does not exist, and the file stays valid", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath });
    const det = await file.addDetector("det");
    await file.saveSnapshot(det, spectrum(1));
    await rejectsWith(
      file.saveSnapshot("/RawData/Detector042", spectrum(2)),
      "not_found",
      /is not a detector .* use the path addDetector returned/,
    );
    await rejectsWith(file.saveSnapshot("/RawData/Logger", spectrum(2)), "not_found", /is not a detector/);
    await rejectsWith(file.startContinuous(`${det}/`), "not_found", /is not a detector/);
    await file.close();
    const { data } = await load(filePath);
    assert.equal(data.length, 1);
    assert.equal(data[0]?.dwa.data[0]?.[1], 101);
  });
});

describe("bad input", () => {
  it("names the field and the fix for a wrong shape or dtype, and loses nothing already saved", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath });
    const det = await file.addDetector("det");
    await file.saveSnapshot(det, spectrum(1));
    const wrongShape = await rejectsWith(
      file.saveSnapshot(det, {
        name: "x",
        data: [{ name: "img", data: [new Float64Array(10)], shape: [3, 4] }],
      }),
      "invalid_data",
      /has 10 values but shape \[3,4\] needs 12/,
    );
    assert.equal(wrongShape.details.field, "data[0].data[0]");
    const wrongDtype = await rejectsWith(
      file.saveSnapshot(det, {
        name: "x",
        data: [{ name: "two", data: [new Float64Array(4), new Float32Array(4)] }],
      }),
      "invalid_data",
      /holds float32 but the data is float64/,
    );
    assert.equal(wrongDtype.details.field, "data[0].data[1]");
    await file.close();
    const { data } = await load(filePath);
    assert.deepEqual(
      data.map((d) => d.dwa.name),
      ["Spectrum"],
    );
  });

  it("refuses a frame whose shape changes mid-stream and keeps streaming the good ones", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath });
    const stream = await file.startContinuous(await file.addDetector("det"));
    await file.append(stream, spectrum(0));
    await rejectsWith(
      file.append(stream, spectrum(1, 20)),
      "frame_mismatch",
      /has shape \[20\] but its nodes were created for \[16\]/,
    );
    await file.append(stream, spectrum(2));
    await file.close();
    const { data } = await load(filePath);
    const dwa = data[0]?.dwa;
    assert.deepEqual(dwa?.shape, [2, 16]);
    assert.equal(dwa?.data[0]?.[16], 200);
  });

  it("refuses metadata too large for the raw group's header before creating the file", async () => {
    const target = newPath();
    const metadata = Object.fromEntries(
      Array.from({ length: 8 }, (_, i) => [`note${i}`, "x".repeat(10_000)]),
    );
    await rejectsWith(
      SaverFile.open({ path: target, metadata }),
      "invalid_data",
      /metadata holds \d+ bytes of attributes; at most 60000/,
    );
    assert.equal(existsSync(target), false);
  });

  it("refuses metadata with an empty key or one naming the raw group's own attributes, before creating the file", async () => {
    for (const [key, message] of [
      ["", /metadata: has an empty key/],
      ["type", /metadata\.type: 'type' is an attribute the raw group has of its own/],
      ["CLASS", /metadata\.CLASS: 'CLASS' is an attribute the raw group has of its own/],
    ] as const) {
      const target = newPath();
      await rejectsWith(SaverFile.open({ path: target, metadata: { [key]: "x" } }), "invalid_data", message);
      assert.equal(existsSync(target), false);
    }
    for (const layout of ["pymodaq4", "pymodaq3"] as const) {
      const target = newPath();
      const file = await SaverFile.open({ path: target, layout, metadata: { Type: "kept", operator: "me" } });
      await file.close();
    }
  });

  it("refuses calls on a closed file", async () => {
    const file = await SaverFile.open({ path: newPath() });
    const det = await file.addDetector("det");
    await file.close();
    await rejectsWith(file.saveSnapshot(det, spectrum(0)), "failed_precondition", /is closed; open it again/);
  });

  it("says why a path cannot be created", async () => {
    const blocker = path.join(dir, "a-file");
    writeFileSync(blocker, "not a folder");
    await rejectsWith(
      SaverFile.open({ path: path.join(blocker, "x.h5") }),
      "file_unavailable",
      /cannot create the folder/,
    );
    const existing = newPath();
    await (await SaverFile.open({ path: existing })).close();
    await rejectsWith(
      SaverFile.open({ path: existing, mode: "create" }),
      "file_unavailable",
      /exists already/,
    );
    await rejectsWith(
      SaverFile.open({ path: blocker, mode: "append" }),
      "file_unavailable",
      /not an HDF5 file/,
    );
  });

  it("refuses scan indexes outside the scan shape", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath, saveType: "scan" });
    const scan = await file.beginScan({ title: "s", shape: [2, 3], navAxes: [] });
    const det = await file.addScanDetector(scan, "det");
    await file.saveScanPoint(scan, det, [1, 2], spectrum(5));
    await rejectsWith(
      file.saveScanPoint(scan, det, [2, 0], spectrum(6)),
      "out_of_range",
      /outside the scan shape \[2,3\]/,
    );
    await file.close();
    const { data } = await load(filePath);
    assert.deepEqual(data[0]?.dwa.shape, [2, 3, 16]);
    assert.equal(data[0]?.dwa.data[0]?.[(1 * 3 + 2) * 16], 500);
    assert.ok(Number.isNaN(data[0]?.dwa.data[0]?.[0] as number), "unmeasured points read as NaN");
  });
});

describe("continuous saving", () => {
  it("grows the dataset by one row per frame, with the time axis", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath });
    const stream = await file.startContinuous(await file.addDetector("det"));
    for (let k = 0; k < 50; k++) await file.append(stream, spectrum(k));
    const receipt = await file.endContinuous(stream);
    assert.deepEqual(receipt, { frames: 50, durableFrames: 50, framesPerChunk: 0 });
    await file.close();
    const { data } = await load(filePath);
    const dwa = data[0]?.dwa;
    assert.deepEqual(dwa?.shape, [50, 16]);
    const time = dwa?.axes.find((a) => a.label === "time");
    assert.equal(time?.data.length, 50);
    assert.equal(time?.data[49], 1_700_000_049);
    assert.equal(dwa?.data[0]?.[49 * 16 + 3], 4903);
  });

  it("makes every frame durable at once with maxFrames 1", async () => {
    const file = await SaverFile.open({ path: newPath(), flush: { maxFrames: 1, maxDelayMs: 60_000 } });
    const stream = await file.startContinuous(await file.addDetector("det"));
    for (let k = 1; k <= 3; k++)
      assert.deepEqual(await file.append(stream, spectrum(k)), {
        frames: k,
        durableFrames: k,
        framesPerChunk: 0,
      });
    await file.close();
  });

  it("makes buffered frames durable after maxDelayMs without further appends", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath, flush: { maxFrames: 1000, maxDelayMs: 30 } });
    const durable: number[] = [];
    file.onDurable((e) => durable.push(e.durableFrames));
    const stream = await file.startContinuous(await file.addDetector("det"));
    const first = await file.append(stream, spectrum(0));
    await file.append(stream, spectrum(1));
    assert.equal(first.durableFrames, 0);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.deepEqual(durable, [2]);
    // what is durable is readable by another reader while the writer still has the file open
    const { data } = await load(filePath);
    assert.deepEqual(data[0]?.dwa.shape, [2, 16]);
    await file.close();
  });

  it("with a journal, acknowledges frames as their syncs end, and flush() waits for every frame", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({
      path: filePath,
      journal: true,
      flush: { maxFrames: 1000, maxDelayMs: 60_000 },
    });
    const durable: number[] = [];
    file.onDurable((e) => durable.push(e.durableFrames));
    const stream = await file.startContinuous(await file.addDetector("det"));
    for (let k = 0; k < 20; k++) await file.append(stream, spectrum(k));
    // a background sync may still be running: flush syncs in its own right before it resolves
    await file.flush();
    assert.equal(durable.at(-1), 20, `durable events ${durable}`);
    assert.ok(
      durable.every((n, i) => i === 0 || n > (durable[i - 1] as number)),
      "durable counts only grow",
    );
    await file.close();
    const { data } = await load(filePath);
    assert.deepEqual(data[0]?.dwa.shape, [20, 16]);
  });

  it("with durability 'written', acknowledges each frame as its record is written, before any sync", async () => {
    const open = (durability: "synced" | "written") =>
      SaverFile.open({
        path: newPath(),
        journal: true,
        durability,
        flush: { maxFrames: 1000, maxDelayMs: 60_000 },
      });
    const written = await open("written");
    const synced = await open("synced");
    const events: number[] = [];
    written.onDurable((e) => events.push(e.durableFrames));
    const [a, b] = [
      await written.startContinuous(await written.addDetector("det")),
      await synced.startContinuous(await synced.addDetector("det")),
    ];
    for (let k = 0; k < 5; k++) {
      // a sync ends in a later turn of the event loop: no receipt sees one
      const receipt = await written.append(a, spectrum(k));
      assert.equal(receipt.durableFrames, k + 1);
      assert.equal((await synced.append(b, spectrum(k))).durableFrames, 0);
    }
    assert.deepEqual(events, [1, 2, 3, 4, 5]);
    await Promise.all([written.close(), synced.close()]);
    await assert.rejects(open("sometimes" as "synced"), /durability must be 'synced' or 'written'/);
  });

  for (const compression of [
    { kind: "gzip", level: 1 },
    { kind: "blosc-lz4", level: 5 },
  ] as const) {
    it(`compresses with ${compression.kind} and reads back the same values`, async () => {
      const filePath = newPath();
      const file = await SaverFile.open({
        path: filePath,
        compression,
        flush: { maxFrames: 7, maxDelayMs: 1000 },
      });
      const stream = await file.startContinuous(await file.addDetector("det"));
      for (let k = 0; k < 40; k++) await file.append(stream, spectrum(k, 64));
      await file.close();
      const backend = await openH5wasmFile(filePath, "read");
      const info = await backend.datasetInfo("/RawData/Detector000/Data1D/CH00/EnlData00");
      assert.deepEqual(info.shape, [40, 64]);
      assert.ok(info.filters.includes(compression.kind === "gzip" ? 1 : 32001), `filters ${info.filters}`);
      const values = await backend.read("/RawData/Detector000/Data1D/CH00/EnlData00");
      assert.equal(values[39 * 64 + 63], 3963);
      await backend.close();
    });
  }
});

describe("addLog()", () => {
  it("keeps every line, including non-ASCII and very long ones", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath });
    const long = "é".repeat(3000);
    await file.addLog("plain", "µm and ✓ and 😀", long);
    await file.close();
    const { log } = await load(filePath);
    assert.deepEqual(log.slice(0, 2), ["plain", "µm and ✓ and 😀"]);
    assert.equal(log.slice(2).join(""), long);
  });
});

describe("a write that HDF5 refuses", () => {
  it("stops the stream with an io_error and leaves a valid file whose arrays agree", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath, compression: { kind: "blosc-lz4", level: 5 } });
    const stream = await file.startContinuous(await file.addDetector("det"));
    const random = seededRandom(7);
    const noise = () => Uint8Array.from({ length: 512 * 1024 }, () => random() * 256);
    const frame = (second: Uint8Array) => ({
      name: "x",
      data: [{ name: "img", data: [new Uint8Array(512 * 1024).fill(1), second], shape: [512, 1024] }],
    });
    // a row of 512 KiB is a chunk by itself: two frames compress, the third holds noise
    await file.append(stream, frame(new Uint8Array(512 * 1024)));
    await file.append(stream, frame(new Uint8Array(512 * 1024)));
    await rejectsWith(
      file.append(stream, frame(noise())),
      "io_error",
      /blosc cannot shrink incompressible data/,
    );
    await rejectsWith(
      file.append(stream, frame(noise())),
      "failed_precondition",
      /stopped at frame 2 .* start a new stream/,
    );
    await file.addLog("still writable");
    await file.close();
    const { data, log } = await load(filePath);
    assert.deepEqual(log, ["still writable"]);
    const dwa = data[0]?.dwa;
    assert.deepEqual(dwa?.shape, [2, 512, 1024]);
    assert.equal(dwa?.data[0]?.[2 * 512 * 1024 - 1], 1);
    assert.equal(dwa?.axes.find((a) => a.label === "time")?.data.length, 2);
  });
});

describe("what PyMoDAQ could not load is refused", () => {
  it("keeps snapshots and continuous streams on separate detectors", async () => {
    const file = await SaverFile.open({ path: newPath() });
    const streaming = await file.addDetector("streaming");
    await file.append(await file.startContinuous(streaming), spectrum(0));
    await rejectsWith(
      file.saveSnapshot(streaming, spectrum(1)),
      "failed_precondition",
      /holds continuous data.*another detector/,
    );
    const snapped = await file.addDetector("snapped");
    await file.saveSnapshot(snapped, spectrum(2));
    await rejectsWith(file.startContinuous(snapped), "failed_precondition", /holds snapshot data/);
    await file.close();
  });

  it("refuses a bad first frame without leaving half-made nodes to build on", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath });
    const stream = await file.startContinuous(await file.addDetector("det"));
    const tooLong = {
      ...spectrum(0),
      data: [{ name: "Spectrum", data: [new Float64Array(16)], units: "V".repeat(5000) }],
    };
    await rejectsWith(file.append(stream, tooLong), "invalid_data", /units: has 5000 characters/);
    await file.append(stream, spectrum(1));
    await file.close();
    const { data } = await load(filePath);
    assert.deepEqual(
      data.map((d) => [d.path, d.dwa.shape]),
      [["/RawData/Detector000/Data1D/CH00/EnlData00", [1, 16]]],
    );
  });

  it("refuses error bars whose dtype changes mid-stream before writing anything", async () => {
    const file = await SaverFile.open({ path: newPath() });
    const stream = await file.startContinuous(await file.addDetector("det"));
    const withErrors = (errors: Float64Array | Float32Array) => ({
      name: "x",
      data: [{ name: "s", data: [new Float64Array(4)], errors: [errors] }],
    });
    await file.append(stream, withErrors(new Float64Array(4)));
    await rejectsWith(
      file.append(stream, withErrors(new Float32Array(4))),
      "frame_mismatch",
      /float32 error bars but the first frame had float64/,
    );
    assert.deepEqual(await file.append(stream, withErrors(new Float64Array(4))), {
      frames: 2,
      durableFrames: 0,
      framesPerChunk: 0,
    });
    await file.close();
  });

  it("refuses extra attributes PyMoDAQ could not read back", async () => {
    const file = await SaverFile.open({ path: newPath() });
    const det = await file.addDetector("det");
    const bad = (extraAttributes: Record<string, unknown>) =>
      file.saveSnapshot(det, {
        name: "x",
        data: [{ name: "s", data: [new Float64Array(2)], extraAttributes } as never],
      });
    await rejectsWith(
      bad({ b: 5n }),
      "invalid_data",
      /must be a string, a finite number or a boolean, got bigint/,
    );
    await rejectsWith(bad({ "": 1 }), "invalid_data", /attribute names must have 1 to 255 characters/);
    await rejectsWith(bad({ x: Number.NaN }), "invalid_data", /must be finite/);
    await rejectsWith(file.addDetector("t".repeat(5000)), "invalid_data", /title: has 5000 characters/);
    await file.close();
  });

  it("allocates a scan larger than one write without holding it in memory, unmeasured points NaN", async () => {
    const filePath = newPath();
    const file = await SaverFile.open({ path: filePath, saveType: "scan" });
    const scan = await file.beginScan({ title: "big", shape: [40, 30], navAxes: [] });
    const det = await file.addScanDetector(scan, "cam");
    const image = new Float64Array(128 * 128).fill(3);
    await file.saveScanPoint(scan, det, [39, 29], {
      name: "x",
      data: [{ name: "img", data: [image], shape: [128, 128] }],
    });
    await file.close();
    const backend = await openH5wasmFile(filePath, "read");
    const node = "/RawData/Scan000/Detector000/Data2D/CH00/Data00";
    assert.deepEqual((await backend.datasetInfo(node)).shape, [40, 30, 128, 128]);
    assert.ok(Number.isNaN((await backend.read(node, [0, 0, 0, 0], [1, 1, 1, 1]))[0] as number));
    assert.equal((await backend.read(node, [39, 29, 127, 127], [1, 1, 1, 1]))[0], 3);
    await backend.close();
  });
});

describe("adding to a file through the native HDF5 backend (H5SAVER_BACKEND=native)", {
  skip: nativeHdf5.available ? false : `no native HDF5 addon: ${nativeHdf5.reason}`,
}, () => {
  it("reopens a file, adds a detector's stream beside the first, and both load back", async () => {
    const filePath = newPath();
    const first = await SaverFile.open({ path: filePath });
    const stream = await first.startContinuous(await first.addDetector("first"));
    for (let k = 0; k < 3; k++) await first.append(stream, spectrum(k));
    await first.close();
    const before = process.env.H5SAVER_BACKEND;
    process.env.H5SAVER_BACKEND = "native";
    try {
      assert.equal(backendFor("append", { kind: "none" }), "native");
      const second = await SaverFile.open({ path: filePath, mode: "append" });
      const more = await second.startContinuous(await second.addDetector("second"));
      for (let k = 10; k < 12; k++) await second.append(more, spectrum(k));
      await second.close();
    } finally {
      if (before === undefined) delete process.env.H5SAVER_BACKEND;
      else process.env.H5SAVER_BACKEND = before;
    }
    const { data } = await load(filePath);
    const firstValues = (d: (typeof data)[number]) =>
      Array.from(d.dwa.data[0] ?? [], Number).filter((_, i) => i % 16 === 0);
    assert.deepEqual(
      data.map((d) => [d.path.split("/")[2], firstValues(d)]),
      [
        ["Detector000", [0, 100, 200]],
        ["Detector001", [1000, 1100]],
      ],
    );
  });
});
