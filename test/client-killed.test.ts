/**
 * A client killed with SIGKILL in the middle of a stream: the server goes on serving, and the file
 * holds every frame the client was told is durable, each with its own values.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, it } from "node:test";
import { createSaverClient, RemoteFile, type SaverClient } from "@h5saver/client";
import { openH5wasmFile, PyMoDAQLoader } from "../service/src/index.ts";
import { createSaverServer, type SaverServer } from "../service/src/rpc/saver-server.ts";
import { tempDir } from "../service/src/testing/temp-dir.ts";

const root = realpathSync(tempDir("h5saver-killed-"));
let saver: SaverServer;
let address = "";
let client: SaverClient;

before(async () => {
  saver = createSaverServer({ root });
  address = `127.0.0.1:${await saver.listen(0)}`;
  client = createSaverClient(address);
});
after(async () => {
  client.close();
  await saver.close();
});

describe("a client killed mid-stream", () => {
  it("leaves a file with every acknowledged frame, and the server serving", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "fixtures/streaming-client.ts"), address],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let sessionId = "";
    let acknowledged = 0;
    const lines = createInterface({ input: child.stdout });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await new Promise<void>((resolve, reject) => {
      child.on("exit", (code) => reject(new Error(`the client exited (${code}) before it was killed`)));
      lines.on("line", (line) => {
        const [word, value] = line.split(" ");
        if (word === "session") sessionId = value ?? "";
        if (word === "ack") acknowledged = Math.max(acknowledged, Number(value));
        if (acknowledged >= 200) resolve();
      });
    });
    child.kill("SIGKILL");
    await exited;

    // the server noticed nothing it cannot handle: it answers, and the session is still open
    const status = await client.status(sessionId);
    const stream = status.sessions[0]?.streams[0];
    assert.ok(
      stream && stream.durableFrames >= acknowledged,
      `durable ${stream?.durableFrames} ≥ acked ${acknowledged}`,
    );
    const closed = await client.openFile({ path: "killed/other.h5" });
    await closed.close();

    // the file's owner (an operator, or the client restarted) closes the session by its id
    const remote = new RemoteFile(client, sessionId, "killed/stream.h5");
    const final = await remote.close();
    const frames = final.streams[0]?.frames ?? 0;
    assert.ok(frames >= acknowledged, `${frames} frames in the file, ${acknowledged} acknowledged`);

    const backend = await openH5wasmFile(path.join(root, "killed/stream.h5"), "read");
    try {
      const loaded = await new PyMoDAQLoader(backend).loadAll();
      const counter = loaded.find((l) => l.dwa.name === "counter")?.dwa;
      const trace = loaded.find((l) => l.dwa.name === "trace")?.dwa;
      assert.equal(counter?.shape[0], frames);
      assert.deepEqual(trace?.shape, [frames, 256]);
      const counts = [...(counter?.data[0] ?? [])].map(Number);
      assert.deepEqual(
        counts,
        Array.from({ length: frames }, (_, i) => i + 1),
        "every frame once, in order",
      );
      const traces = trace?.data[0] ?? new Float64Array();
      for (const row of [0, acknowledged - 1, frames - 1]) assert.equal(traces[row * 256 + 255], row + 1);
    } finally {
      await backend.close();
    }
  });
});
