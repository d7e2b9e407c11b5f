import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { heapTrim, nativeAddon } from "@h5saver/native";
import { hdf5Addon as nativeHdf5 } from "@h5saver/native/hdf5";
import * as svc from "@h5saver/proto/h5saver/v1/saver_service_pb";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { PyMoDAQLoader } from "../layout/loader.ts";
import { SaverFile } from "../layout/saver-file.ts";
import { createDataToExport } from "../model/data-to-export.ts";
import { dataToExportToProto } from "../rpc/convert.ts";
import { callUnary, createGrpcClient, type UnaryMethod } from "../rpc/grpc-glue.ts";
import { runCrashingWriter } from "../testing/crashing-writer.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { DEFAULT_PORT, isLoopback, parseCommandLine, UsageError } from "./config.ts";
import { inspectFile, type ReadRequest, readNode } from "./file-commands.ts";

/** The command as users run it: the launcher, which bundles these sources at start. */
const ENTRY = path.join(import.meta.dirname, "../../bin/h5saver.mjs");
const dir = tempDir("h5saver-cli-");
/** The environment of every child: no H5SAVER_* variable leaks in from the caller's. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("H5SAVER_")));

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function h5saver(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ENTRY, ...args],
      { env: { ...cleanEnv, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Served {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  readonly firstLines: string[];
  /** Resolves when the process exits, with its status and everything it printed. */
  readonly exited: Promise<Result>;
}

/** Starts `h5saver serve …` and waits for its listening line. */
function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [ENTRY, "serve", ...args], {
    env: { ...cleanEnv, ...env },
  });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<Result>((resolve) => {
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no listening line within 15 s; stdout: ${stdout}; stderr: ${stderr}`));
    }, 15_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /h5saver listening on .*:(\d+), data root .*\n/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        // the optional network warning follows the listening line in the same write or the next
        setTimeout(
          () => resolve({ child, port: Number(match[1]), firstLines: stdout.split("\n"), exited }),
          50,
        );
      }
    });
    exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${r.code}) before listening: ${r.stderr}`));
    }, reject);
  });
}

function unary<I, O>(client: object, method: UnaryMethod<I, O>, request: I): Promise<O> {
  return callUnary(client, method, request, { deadline: Date.now() + 10_000 });
}

describe("h5saver serve", () => {
  it("listens on a free port, answers GetStatus and closes open files on SIGTERM", async () => {
    const root = path.join(dir, "served", "root"); // missing: serve creates it
    const served = await serve(["--root", root, "--port", "0", "--writer-threads", "3"]);
    try {
      assert.ok(existsSync(root));
      assert.ok(served.port > 0);
      assert.ok(
        served.firstLines.includes(`h5saver listening on 127.0.0.1:${served.port}, data root ${root}`),
        served.firstLines.join("\n"),
      );
      assert.ok(!served.firstLines.some((line) => line.includes("without authentication")));

      const client = createGrpcClient(svc.SaverService, `127.0.0.1:${served.port}`);
      try {
        const status = await unary(client, client.getStatus, create(svc.GetStatusRequestSchema, {}));
        assert.equal(status.serverVersion, "0.1.0");
        assert.deepEqual(status.sessions, []);

        const { sessionId } = await unary(
          client,
          client.openFile,
          create(svc.OpenFileRequestSchema, { path: "2026/served.h5" }),
        );
        const { detectorId } = await unary(
          client,
          client.addDetector,
          create(svc.AddDetectorRequestSchema, { sessionId, title: "served spectro" }),
        );
        const data = dataToExportToProto(
          createDataToExport({
            name: "served spectro",
            data: [
              {
                name: "Spectrum",
                units: "V",
                data: [Float64Array.of(1, 2, 3, 4)],
                axes: [{ label: "wavelength", units: "nm", data: Float64Array.of(400, 401, 402, 403) }],
              },
            ],
          }),
        );
        await unary(
          client,
          client.saveSnapshot,
          create(svc.SaveSnapshotRequestSchema, { sessionId, detectorId, data }),
        );
        const open = await unary(client, client.getStatus, create(svc.GetStatusRequestSchema, {}));
        assert.equal(open.sessions.length, 1);
        assert.equal(open.sessions[0]?.bytesReceived, 32n);
        const health = await h5saver(["health", "--address", `127.0.0.1:${served.port}`]);
        assert.deepEqual([health.code, health.stdout.trim()], [0, "SERVING"]);
        const clash = await h5saver(["serve", "--root", `${root}-other`, "--port", String(served.port)]);
        assert.equal(clash.code, 1, clash.stderr);
        assert.match(clash.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${served.port}`));
        // a second server on the same root would rebuild the files this one writes
        const sameRoot = await h5saver(["serve", "--root", root, "--port", "0"]);
        assert.equal(sameRoot.code, 1, sameRoot.stderr);
        assert.match(
          sameRoot.stderr,
          new RegExp(`data root .${root}. is in use by h5saver serve \\(pid \\d+ on `),
        );
        assert.doesNotMatch(sameRoot.stderr, /file_recovering/, "it touched no file");
        const recovering = await h5saver(["recover", "--root", root]);
        assert.equal(recovering.code, 1, recovering.stderr);
        assert.match(recovering.stderr, /is in use by h5saver serve/);
      } finally {
        client.close();
      }
    } finally {
      served.child.kill("SIGTERM");
    }
    const result = await served.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^h5saver stopped: 1 files closed$/m);
    assert.ok(!existsSync(path.join(root, ".h5saver.lock")), "a stopped server leaves its root free");
    // not a terminal: one JSON object per event on stderr
    const events = result.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // the writer thread's warm-up (on by default) ends before the first file opens in it
    const names = events.map((e) => e.event);
    const warmedUp = names.indexOf("warmed_up");
    assert.ok(warmedUp >= 0 && warmedUp < names.indexOf("session_opened"), names.join(", "));
    assert.ok(Number(events[warmedUp]?.seconds) > 0);
    assert.equal(events[warmedUp]?.checksums, "native", "the writer thread's CRC-32 is native too");
    const others = events.filter((e) => e.event !== "warmed_up");
    assert.deepEqual(
      others.map((e) => e.event),
      ["listening", "session_opened", "shutting_down", "session_closed"],
    );
    assert.deepEqual(
      [others[1]?.path, others[3]?.path, others[3]?.bytes_received],
      ["2026/served.h5", "2026/served.h5", 32],
    );
    assert.equal(others[0]?.checksums, "native", "the journal's CRC-32 comes from @node-rs/crc32");
    assert.equal(others[0]?.writer_threads, 3, "--writer-threads");
    // the native addon, built by bootstrap, loads in the main thread and in the writer thread
    const pageCache = nativeAddon.available ? "released" : "kept";
    for (const event of [others[0], events[warmedUp]]) assert.equal(event?.page_cache, pageCache);
    assert.equal(others[0]?.heap_trim, heapTrim.available ? "on" : "off");
    // the HDF5 addon, built by bootstrap where libhdf5-dev is, writes new files in the writer thread
    const hdf5 = nativeHdf5.available ? "native" : "h5wasm";
    for (const event of [others[0], events[warmedUp]]) assert.equal(event?.hdf5, hdf5);
    const down = await h5saver(["health", "--address", `127.0.0.1:${served.port}`, "--timeout", "1"]);
    assert.equal(down.code, 1);
    assert.match(down.stdout, /^unreachable/);

    const backend = await openH5wasmFile(path.join(root, "2026", "served.h5"), "read");
    try {
      const loaded = await new PyMoDAQLoader(backend).loadAll();
      assert.equal(loaded.length, 1);
      assert.equal(loaded[0]?.dwa.name, "Spectrum");
      assert.deepEqual([...(loaded[0]?.dwa.data[0] ?? [])], [1, 2, 3, 4]);
      assert.deepEqual(
        loaded[0]?.dwa.axes.map((a) => a.label),
        ["wavelength"],
      );
    } finally {
      await backend.close();
    }
  });

  it("takes root, port and host from H5SAVER_* when no flag is given", async () => {
    // tests bind loopback only: 127.0.0.2 is loopback too, and shows the host came from the env
    const fromEnv = path.join(dir, "env-root");
    const served = await serve([], { H5SAVER_ROOT: fromEnv, H5SAVER_PORT: "0", H5SAVER_HOST: "127.0.0.2" });
    served.child.kill("SIGINT");
    const result = await served.exited;
    assert.match(
      result.stdout,
      new RegExp(`^h5saver listening on 127\\.0\\.0\\.2:\\d+, data root ${fromEnv}$`, "m"),
    );
    assert.doesNotMatch(result.stdout, /reachable from the network/);
    assert.match(result.stdout, /^h5saver stopped: 0 files closed$/m);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(fromEnv));
  });

  it("exits 2 with one line for bad usage", async () => {
    const root = path.join(dir, "usage-root");
    const [noRoot, badPort, unknown] = await Promise.all([
      h5saver(["serve"]),
      h5saver(["serve", "--root", root, "--port", "70000"]),
      h5saver(["serve", "--root", root, "--bogus"]),
    ]);
    assert.equal(noRoot.code, 2);
    assert.match(noRoot.stderr, /--root DIR or the H5SAVER_ROOT/);
    assert.equal(badPort.code, 2);
    assert.match(badPort.stderr, /--port '70000'/);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--bogus/);
    for (const r of [noRoot, badPort, unknown]) assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  });
});

describe("h5saver inspect and read", () => {
  const file = path.join(dir, "files", "spectro.h5");
  const big = path.join(dir, "files", "big.h5");
  const IMAGE = "/RawData/Detector000/Data2D/CH00/Data00";
  const spectrum = Float64Array.from({ length: 6 }, (_, i) => i * 1.5);

  before(async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    const saver = await SaverFile.open({ path: file });
    const det = await saver.addDetector("spectro");
    await saver.saveSnapshot(det, {
      name: "spectro",
      data: [
        {
          name: "Spectrum",
          units: "V",
          data: [spectrum],
          axes: [{ label: "wavelength", units: "nm", offset: 500, scaling: 2, size: 6 }],
        },
        { name: "image", data: [Uint16Array.from({ length: 12 }, (_, i) => i)], shape: [3, 4] },
      ],
    });
    await saver.close();
    const large = await SaverFile.open({ path: big });
    const bigDet = await large.addDetector("camera");
    await large.saveSnapshot(bigDet, {
      name: "camera",
      data: [{ name: "frame", data: [new Uint8Array(3163 * 3163)], shape: [3163, 3163] }],
    });
    await large.close();
  });

  it("inspect prints the tree and one line per DataWithAxes", async () => {
    const [result, inProcess] = await Promise.all([h5saver(["inspect", file]), inspectFile(file)]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${inProcess}\n`);
    assert.match(result.stdout, /^ {4}Detector000\/ {2}'spectro'$/m);
    assert.match(result.stdout, /^ {10}Axis00 {2}CARRAY float64 \[6\] {2}axis 'wavelength'$/m);
    assert.match(result.stdout, /^ {10}Data00 {2}CARRAY uint16 \[3, 4\] {2}data 'CH00'$/m);
    assert.match(
      result.stdout,
      /^\/RawData\/Detector000\/Data1D\/CH00\/Data00 {2}Spectrum {2}Data1D \[6\] {2}V {2}axes: wavelength\[nm\]$/m,
    );
    assert.match(
      result.stdout,
      /^\/RawData\/Detector000\/Data2D\/CH00\/Data00 {2}image {2}Data2D \[3, 4\] {2}- {2}axes: none$/m,
    );
  });

  it("inspect fails clearly on a missing or non-HDF5 file", async () => {
    const text = path.join(dir, "files", "notes.txt");
    writeFileSync(text, "not HDF5\n");
    const [missing, notHdf5] = await Promise.all([
      h5saver(["inspect", path.join(dir, "files", "missing.h5")]),
      h5saver(["inspect", text]),
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such file: '.*missing\.h5'/);
    assert.equal(notHdf5.code, 1);
    assert.match(notHdf5.stderr, /notes\.txt' cannot be opened as an HDF5 file/);
  });

  it("read prints values, and refuses a missing node with exit 1", async () => {
    const [whole, slice, missing, usage] = await Promise.all([
      h5saver(["read", file, IMAGE]),
      h5saver(["read", file, IMAGE, "--start", "1,1", "--count", "2,2", "--format", "csv"]),
      h5saver(["read", file, "/RawData/Detector000/Data1D/CH07/Data00"]),
      h5saver(["read", file, IMAGE, "--format", "xml"]),
    ]);
    assert.equal(whole.code, 0, whole.stderr);
    assert.deepEqual(JSON.parse(whole.stdout), [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    assert.equal(slice.code, 0, slice.stderr);
    assert.equal(slice.stdout, "5,6\n9,10\n");
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr,
      `h5saver read: no node '/RawData/Detector000/Data1D/CH07/Data00' in '${file}'\n`,
    );
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--format 'xml'/);
  });

  it("readNode formats JSON and CSV, whole or sliced", async () => {
    const read = (node: string, extra: Partial<ReadRequest> = {}) =>
      readNode({ file, node, format: "json", ...extra });
    assert.equal(await read(IMAGE, { format: "csv" }), "0,1,2,3\n4,5,6,7\n8,9,10,11");
    assert.deepEqual(JSON.parse(await read(IMAGE, { start: [2] })), [[8, 9, 10, 11]]);
    assert.deepEqual(JSON.parse(await read(IMAGE, { count: [1, 2] })), [[0, 1]]);
    assert.deepEqual(
      (await read("RawData/Detector000/Data1D/CH00/Data00", { format: "csv" })).split("\n").map(Number),
      [...spectrum],
    );
    assert.deepEqual(
      JSON.parse(await read("/RawData/Detector000/Data1D/CH00/Axis00", { start: [4] })),
      [508, 510],
    );
  });

  it("readNode refuses a group, a slice past the end and a huge dataset without a slice", async () => {
    await assert.rejects(readNode({ file, node: "/RawData/Detector000", format: "json" }), /is a group/);
    await assert.rejects(
      readNode({
        file,
        node: "/RawData/Detector000/Data1D/CH00/Data00",
        start: [4],
        count: [3],
        format: "json",
      }),
      /has 6 values; start 4 count 3 goes past it/,
    );
    await assert.rejects(
      readNode({ file, node: IMAGE, start: [0, 0, 0], format: "json" }),
      /has 2 dimension\(s\) \[3, 4\]; the slice names 3/,
    );
    await assert.rejects(
      readNode({ file: big, node: IMAGE, format: "json" }),
      /10004569 values .* read a slice, e\.g\. --start 0,0 --count 1,3163/,
    );
    const sliced = await readNode({ file: big, node: IMAGE, start: [10, 0], count: [1, 5], format: "json" });
    assert.deepEqual(JSON.parse(sliced), [[0, 0, 0, 0, 0]]);
  });

  it("--help prints each command's usage and exits 0", async () => {
    const results = await Promise.all([
      h5saver(["--help"]),
      h5saver(["serve", "--help"]),
      h5saver(["inspect", "--help"]),
      h5saver(["read", "-h"]),
    ]);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    assert.match(results[0]?.stdout ?? "", /commands:\n {2}serve/);
    assert.match(results[1]?.stdout ?? "", /^usage: h5saver serve --root DIR/);
    assert.match(results[2]?.stdout ?? "", /^usage: h5saver inspect FILE/);
    assert.match(results[3]?.stdout ?? "", /^usage: h5saver read FILE NODE/);
  });
});

describe("h5saver recover", () => {
  const dir = tempDir("h5saver-cli-recover-");

  it("rebuilds a file from its journal, one line per file, and says when there is nothing to do", async () => {
    const file = path.join(dir, "left.h5");
    assert.equal(await runCrashingWriter({ path: file, frames: 9 }), "SIGKILL");
    const rebuilt = await h5saver(["recover", file]);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.match(rebuilt.stdout, /left\.h5: rebuilt from its journal — 9 frames, 11 calls in [\d.]+ s\n$/);
    const inspected = await h5saver(["inspect", file]);
    assert.match(inspected.stdout, /counter {2}DataND \[9\]/);

    const again = await h5saver(["recover", file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /left\.h5: no crash journal beside .*nothing to recover/);
    const none = await h5saver(["recover", "--root", dir]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^no crash journal under .*: nothing to recover\n$/);
  });
});

describe("parseCommandLine()", () => {
  it("reads serve's flags, then H5SAVER_* variables, then defaults", () => {
    assert.deepEqual(parseCommandLine(["serve", "--root", "r"]), {
      command: "serve",
      root: "r",
      port: DEFAULT_PORT,
      host: "127.0.0.1",
    });
    const env = { H5SAVER_ROOT: "envroot", H5SAVER_PORT: "6000", H5SAVER_HOST: "0.0.0.0" };
    assert.deepEqual(parseCommandLine(["serve"], env), {
      command: "serve",
      root: "envroot",
      port: 6000,
      host: "0.0.0.0",
    });
    assert.deepEqual(
      parseCommandLine(["serve", "--root", "r", "--port", "0", "--host", "::1", "--max-sessions", "3"], env),
      { command: "serve", root: "r", port: 0, host: "::1", maxSessions: 3 },
    );
  });

  it("reads a JSON config file below the environment and the flags", () => {
    const files: Record<string, string> = {
      "lab.json":
        '{"root": "/data", "port": 6001, "maxSessions": 8, "maxMessageMb": 256, "logFormat": "text"}',
      "bad.json": '{"root": "/data", "colour": "blue"}',
      "broken.json": "{",
    };
    const readText = (file: string) => {
      const text = files[file];
      if (text === undefined) throw new Error(`ENOENT: ${file}`);
      return text;
    };
    assert.deepEqual(parseCommandLine(["serve", "--config", "lab.json"], {}, readText), {
      command: "serve",
      root: "/data",
      port: 6001,
      host: "127.0.0.1",
      maxSessions: 8,
      maxMessageBytes: 256 * 1024 * 1024,
      logFormat: "text",
    });
    const env = { H5SAVER_CONFIG: "lab.json", H5SAVER_PORT: "6002", H5SAVER_MAX_QUEUED_CALLS: "16" };
    assert.deepEqual(parseCommandLine(["serve", "--max-sessions", "2"], env, readText), {
      command: "serve",
      root: "/data",
      port: 6002,
      host: "127.0.0.1",
      maxSessions: 2,
      maxMessageBytes: 256 * 1024 * 1024,
      maxQueuedCalls: 16,
      logFormat: "text",
    });
    assert.throws(
      () => parseCommandLine(["serve", "--config", "bad.json"], {}, readText),
      /unknown key 'colour'/,
    );
    assert.throws(
      () => parseCommandLine(["serve", "--config", "broken.json"], {}, readText),
      /--config 'broken.json'/,
    );
    assert.throws(
      () => parseCommandLine(["serve", "--root", "r", "--log-format", "xml"], {}, readText),
      /--log-format 'xml' is not json or text/,
    );
    assert.throws(
      () => parseCommandLine(["serve", "--root", "r", "--max-message-mb", "4096"], {}, readText),
      /--max-message-mb '4096' is not an integer from 1 to 2047/,
    );
  });

  it("reads TLS files and the tokens file, refusing half a TLS configuration", () => {
    const env = { H5SAVER_TLS_CERT: "s.pem", H5SAVER_TLS_KEY: "s.key", H5SAVER_TOKENS: "t.json" };
    assert.deepEqual(parseCommandLine(["serve", "--root", "r", "--tls-client-ca", "ca.pem"], env), {
      command: "serve",
      root: "r",
      port: DEFAULT_PORT,
      host: "127.0.0.1",
      tls: { cert: "s.pem", key: "s.key", clientCa: "ca.pem" },
      tokens: "t.json",
    });
    assert.throws(
      () => parseCommandLine(["serve", "--root", "r", "--tls-cert", "s.pem"]),
      /both --tls-cert and --tls-key/,
    );
    assert.throws(() => parseCommandLine(["serve", "--root", "r", "--tls-client-ca", "ca.pem"]), /needs TLS/);
  });

  it("reads health's address from the flag or from H5SAVER_HOST/PORT", () => {
    assert.deepEqual(parseCommandLine(["health"]), {
      command: "health",
      address: `127.0.0.1:${DEFAULT_PORT}`,
      service: "",
      timeoutMs: 5000,
    });
    assert.deepEqual(
      parseCommandLine(["health", "--timeout", "0.5"], { H5SAVER_HOST: "0.0.0.0", H5SAVER_PORT: "7" }),
      {
        command: "health",
        address: "127.0.0.1:7",
        service: "",
        timeoutMs: 500,
      },
    );
    assert.throws(() => parseCommandLine(["health", "--address", "nowhere"]), /is not HOST:PORT/);
  });

  it("tells loopback hosts (served without a warning) from the others", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
      assert.equal(isLoopback(host), true, host);
    for (const host of ["0.0.0.0", "::", "192.0.2.7", "example.org"])
      assert.equal(isLoopback(host), false, host);
  });

  it("refuses bad usage with a UsageError", () => {
    assert.throws(() => parseCommandLine(["serve"], { H5SAVER_PORT: "1" }), UsageError);
    assert.throws(() => parseCommandLine(["serve", "--root", "r"], { H5SAVER_PORT: "-1" }), /--port '-1'/);
    assert.throws(() => parseCommandLine(["inspect"]), /needs a FILE/);
    assert.throws(() => parseCommandLine(["read", "f"]), /FILE and a NODE/);
    assert.throws(
      () => parseCommandLine(["read", "f", "/n", "--start", "1,2", "--count", "3"]),
      /--start has 2 indexes and --count 1/,
    );
    assert.throws(() => parseCommandLine(["read", "f", "/n", "--count", "0"]), /--count '0'/);
    assert.throws(() => parseCommandLine(["frobnicate"]), /unknown command 'frobnicate'/);
    assert.throws(() => parseCommandLine(["recover"]), /recover needs a FILE/);
    assert.throws(() => parseCommandLine(["recover", "f", "--root", "d"]), /not both/);
    assert.throws(
      () => parseCommandLine(["serve", "--root", "r", "--journal", "maybe"]),
      /--journal 'maybe'/,
    );
    assert.throws(
      () => parseCommandLine(["serve", "--root", "r", "--warm-up", "yes"]),
      /--warm-up 'yes' is not on or off/,
    );
  });

  it("reads --writer-threads from a flag, the environment or the config file, and refuses what is not a count", () => {
    const threads = (args: string[], env: Record<string, string> = {}) =>
      (parseCommandLine(["serve", "--root", "r", ...args], env) as { writerThreads?: number }).writerThreads;
    assert.equal(threads(["--writer-threads", "4"]), 4);
    assert.equal(threads([], { H5SAVER_WRITER_THREADS: "3" }), 3);
    assert.equal(threads([]), undefined);
    const fromFile = parseCommandLine(
      ["serve", "--config", "lab.json"],
      {},
      () => '{"root": "/d", "writerThreads": 6}',
    );
    assert.equal((fromFile as { writerThreads?: number }).writerThreads, 6);
    for (const bad of ["0", "two", "1.5"]) {
      assert.throws(() => threads(["--writer-threads", bad]), /--writer-threads/);
    }
  });

  it("reads --journal, --warm-up and recover's files or root", () => {
    assert.equal(
      (parseCommandLine(["serve", "--root", "r", "--journal", "off"]) as { journal?: boolean }).journal,
      false,
    );
    assert.equal(
      (parseCommandLine(["serve", "--root", "r"], { H5SAVER_WARM_UP: "off" }) as { warmUp?: boolean }).warmUp,
      false,
    );
    assert.equal((parseCommandLine(["serve", "--root", "r"]) as { warmUp?: boolean }).warmUp, undefined);
    assert.equal(
      (parseCommandLine(["serve", "--root", "r"], { H5SAVER_JOURNAL: "on" }) as { journal?: boolean })
        .journal,
      true,
    );
    assert.deepEqual(parseCommandLine(["recover", "a.h5", "b.h5"]), {
      command: "recover",
      files: ["a.h5", "b.h5"],
    });
    assert.deepEqual(parseCommandLine(["recover", "--root", "d"]), {
      command: "recover",
      files: [],
      root: "d",
    });
  });
});
