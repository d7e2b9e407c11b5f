import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { after, describe, it } from "node:test";
import { find, loadFile, startSaver } from "./testing/saver.ts";
import { ptySkip } from "./testing/socat.ts";

const ENTRY = path.join(import.meta.dirname, "../../service/bin/h5saver.mjs");
const saver = await startSaver();

function h5saver(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ENTRY, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** `h5saver simulate` in the background; resolves with the port it printed. */
async function simulate(args: string[]): Promise<{ child: ChildProcess; port: string }> {
  const child = spawn(process.execPath, [ENTRY, "simulate", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  after(async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });
  const lines = createInterface({ input: child.stdout });
  const [port] = (await once(lines, "line")) as [string];
  return { child, port };
}

describe("h5saver simulate | h5saver acquire", { skip: ptySkip() }, () => {
  it("runs a simulator that acquire streams into the saver, and both exit cleanly", async () => {
    const { child, port } = await simulate(["tcd1304"]);
    assert.match(port, /^\/.+\/host$/);
    const result = await h5saver([
      "acquire",
      "--driver",
      "tcd1304",
      "--port",
      port,
      "--server",
      saver.address,
      "--file",
      "cli/ccd.h5",
      "--frames",
      "15",
      "--set",
      "integrationUs=2000",
      "--durability",
      "written",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "cli/ccd.h5\n");
    assert.match(
      result.stderr,
      /frame count reached .* 15 frames sent, 15 acknowledged, 0 dropped, 0 CRC errors/,
    );
    const loaded = await loadFile(path.join(saver.root, "cli/ccd.h5"));
    assert.equal(find(loaded, "CCD").dwa.shape[0], 15);

    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    assert.equal(code, 0);
  });

  it("exits 2 with one line on a usage error", async () => {
    const usage = await h5saver(["acquire", "--driver", "dmm"]);
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr, "h5saver acquire: acquire needs --server (h5saver acquire --help)\n");
  });
});
