/**
 * Every RPC of the service driven by grpcurl, a generic client that knows nothing of h5saver: it
 * learns the API from server reflection and sends hand-written JSON, as a user with no client
 * library would. The file it writes is then loaded back with h5saver's loader.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openH5wasmFile, PyMoDAQLoader } from "../service/src/index.ts";
import { createSaverServer, type SaverServer } from "../service/src/rpc/saver-server.ts";
import { tempDir } from "../service/src/testing/temp-dir.ts";

const repo = path.resolve(import.meta.dirname, "..");
const grpcurl = execFileSync("bash", [path.join(repo, "scripts/grpcurl.sh")], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
}).trim();
const missing = grpcurl === "" ? "grpcurl could not be built here (no Go toolchain)" : undefined;
if (missing && process.env.CI) throw new Error(`${missing}; CI must run this test`);

const root = realpathSync(tempDir("h5saver-grpcurl-"));
let saver: SaverServer;
let address = "";

before(async () => {
  if (missing) return;
  saver = createSaverServer({ root });
  address = `127.0.0.1:${await saver.listen(0)}`;
});
after(async () => {
  await saver?.close();
});

/** grpcurl with `args`, `input` on its stdin (the server runs in this process: never block it). */
function run(args: string[], input = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(grpcurl, args, { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`grpcurl ${args.at(-1)}: ${stderr}${stdout}`)) : resolve(stdout),
    );
    child.stdin?.end(input);
  });
}

/** One call: request JSON objects in (several for a client stream), response objects out. */
async function grpc(method: string, ...requests: object[]): Promise<Record<string, unknown>[]> {
  const input = requests.map((r) => JSON.stringify(r)).join("\n");
  const stdout = await run(["-plaintext", "-d", "@", address, method], input);
  // grpcurl prints each response as pretty JSON, one after the other
  return JSON.parse(`[${stdout.trim().replace(/}\n{/g, "},{")}]`) as Record<string, unknown>[];
}

async function one(method: string, request: object): Promise<Record<string, unknown>> {
  const [response] = await grpc(method, request);
  assert.ok(response, `${method} answered`);
  return response;
}

const base64 = (array: Float64Array) => Buffer.from(array.buffer).toString("base64");
const SVC = "h5saver.v1.SaverService";

/** A DataToExport in protobuf's JSON mapping: a 0D power and a 4-point spectrum with its axis. */
function frame(k: number): object {
  return {
    name: "spectrometer",
    timestamp: 1_700_000_000 + k,
    data: [
      { name: "power", dtype: "DTYPE_FLOAT64", data: [base64(Float64Array.of(k))], units: "W" },
      {
        name: "spectrum",
        dtype: "DTYPE_FLOAT64",
        data: [base64(Float64Array.of(k, k + 1, k + 2, k + 3))],
        axes: [{ label: "wavelength", units: "nm", linear: { offset: 500, scaling: 0.5, size: "4" } }],
      },
    ],
  };
}

describe("grpcurl through server reflection", { skip: missing }, () => {
  it("lists and describes the services", async () => {
    const list = await run(["-plaintext", address, "list"]);
    assert.match(list, /^h5saver\.v1\.SaverService$/m);
    assert.match(list, /^grpc\.health\.v1\.Health$/m);
    const described = await run(["-plaintext", address, "describe", "h5saver.v1.DataWithAxes"]);
    assert.match(described, /repeated bytes data = 7;/);
    assert.deepEqual(await one("grpc.health.v1.Health/Check", {}), { status: "SERVING" });
  });

  it("drives every RPC with JSON and writes a file PyMoDAQ's layout loader reads", async () => {
    const { sessionId, path: file } = (await one(`${SVC}/OpenFile`, {
      path: "grpcurl/run.h5",
      saveType: "SAVE_TYPE_SCAN",
      flushPolicy: { maxFrames: 1 },
      metadata: { operator: { stringValue: "grpcurl" } },
    })) as { sessionId: string; path: string };
    assert.equal(file, "grpcurl/run.h5");
    const session = { sessionId };

    const { detectorId } = (await one(`${SVC}/AddDetector`, { ...session, title: "Spectrometer" })) as {
      detectorId: string;
    };
    const snapshot = await one(`${SVC}/SaveSnapshot`, { ...session, detectorId, data: frame(0) });
    assert.equal((snapshot.channelPaths as string[]).length, 2);

    const { scanId } = (await one(`${SVC}/BeginScan`, {
      ...session,
      title: "Line",
      shape: ["2"],
      navAxes: [{ label: "x", units: "mm", linear: { offset: 0, scaling: 1, size: "2" } }],
    })) as { scanId: string };
    const { detectorId: scanned } = (await one(`${SVC}/AddDetector`, {
      ...session,
      title: "Spectrometer",
      scanId,
    })) as {
      detectorId: string;
    };
    for (const i of [0, 1]) {
      await one(`${SVC}/SaveScanPoint`, {
        ...session,
        scanId,
        detectorId: scanned,
        indexes: [String(i)],
        data: frame(i),
      });
    }
    assert.deepEqual(await one(`${SVC}/EndScan`, { ...session, scanId }), { pointsSaved: "2" });

    const { detectorId: streamer } = (await one(`${SVC}/AddDetector`, { ...session, title: "Streamer" })) as {
      detectorId: string;
    };
    const { streamId } = (await one(`${SVC}/StartContinuous`, { ...session, detectorId: streamer })) as {
      streamId: string;
    };
    const acks = await grpc(
      `${SVC}/Stream`,
      ...[1, 2, 3].map((k) => ({
        ...(k === 1 ? { ...session, streamId } : {}),
        sequence: String(k),
        data: frame(k),
      })),
    );
    const { framesPerChunk, ...last } = acks.at(-1) ?? {};
    assert.deepEqual(last, { appendedSequence: "3", durableSequence: "3", durableFrames: "3", final: true });
    // journaled and uncompressed: the server says how many frames per message fill whole chunks
    assert.ok(Number.isInteger(framesPerChunk) && (framesPerChunk as number) > 0, `${framesPerChunk}`);

    assert.deepEqual(await one(`${SVC}/AddLog`, { ...session, lines: ["written by grpcurl"] }), {});
    assert.ok(Array.isArray((await one(`${SVC}/Flush`, session)).streams));
    const status = (await one(`${SVC}/GetStatus`, session)) as { sessions: { path: string }[] };
    assert.equal(status.sessions[0]?.path, "grpcurl/run.h5");

    const spectrum = `${streamer}/Data1D/CH00/EnlData00`;
    const tree = (await one(`${SVC}/Browse`, {
      ...session,
      nodePath: streamer,
      includeAttributes: true,
    })) as {
      root: { attributes: { TITLE: { stringValue: string } } };
    };
    assert.equal(tree.root.attributes.TITLE.stringValue, "Streamer");
    const chunks = (await grpc(`${SVC}/ReadDataset`, {
      ...session,
      datasetPath: spectrum,
      maxChunkBytes: "32",
    })) as {
      data: string;
      firstRow?: string;
    }[];
    assert.deepEqual(
      chunks.map((c) => c.firstRow ?? "0"),
      ["0", "1", "2"],
    );
    const values = chunks.flatMap((c) => [
      ...new Float64Array(new Uint8Array(Buffer.from(c.data, "base64")).buffer),
    ]);
    assert.deepEqual(values, [1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6]);

    const closed = (await one(`${SVC}/CloseFile`, session)) as { path: string };
    assert.equal(closed.path, "grpcurl/run.h5");

    const backend = await openH5wasmFile(path.join(root, "grpcurl/run.h5"), "read");
    try {
      const loader = new PyMoDAQLoader(backend);
      const loaded = await loader.loadAll();
      const find = (prefix: string, name: string) =>
        loaded.find((l) => l.path.startsWith(prefix) && l.dwa.name === name)?.dwa;
      const streamed = find(`${streamer}/Data1D`, "spectrum");
      assert.deepEqual(streamed?.shape, [3, 4]);
      assert.deepEqual([...(streamed?.axes[0]?.data ?? [])], [500, 500.5, 501, 501.5]);
      assert.deepEqual(find(`${detectorId}/Data0D`, "power")?.shape, [1]);
      assert.deepEqual(find(`${scanId}/`, "power")?.shape, [2]);
      assert.deepEqual(await loader.logLines(), ["written by grpcurl"]);
    } finally {
      await backend.close();
    }
  });
});
