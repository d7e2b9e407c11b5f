/**
 * Frames per second from a simulator through driver, gRPC and saver into a file, for the
 * TCD1304 (1D, 7402-byte frames) and the 2D camera (512 × 512 uint16), with where the time goes.
 * Prints one JSON line per case, in the shape of bench/README.md's systems plus the split:
 *   node --import tsx hardware/src/bench/chain.ts [--frames N] [--cases tcd1304,camera]
 * The simulators send as fast as the pty takes frames (tcd1304 `INT 0`, camera `FPS 0`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createSaverServer } from "@h5saver/service/rpc/saver-server";
import { acquire } from "../acquire/acquire.ts";
import type { DriverName } from "../drivers/driver.ts";
import { startPtySimulator } from "../simulators/pty-simulator.ts";

interface Case {
  readonly driver: DriverName;
  readonly settings: Readonly<Record<string, number | string>>;
  readonly frames: number;
}

const CASES: Record<string, Case> = {
  tcd1304: { driver: "tcd1304", settings: { integrationUs: 0 }, frames: 2000 },
  camera: { driver: "camera", settings: { width: 512, height: 512, dtype: "uint16", fps: 0 }, frames: 300 },
};

const { values } = parseArgs({ options: { frames: { type: "string" }, cases: { type: "string" } } });
const root = mkdtempSync(path.join(tmpdir(), "h5saver-bench-chain-"));
const server = createSaverServer({ root });
try {
  const port = await server.listen(0, "127.0.0.1");
  for (const name of (values.cases ?? Object.keys(CASES).join(",")).split(",")) {
    const spec = CASES[name];
    if (!spec) throw new Error(`no case '${name}': use ${Object.keys(CASES).join(", ")}`);
    const frames = values.frames ? Number(values.frames) : spec.frames;
    const sim = await startPtySimulator(spec.driver);
    try {
      const s = await acquire({
        driver: spec.driver,
        port: sim.port,
        server: `127.0.0.1:${port}`,
        file: `${name}.h5`,
        frames,
        settings: spec.settings,
        // as a bench of the chain, not of the drop policy: a deep queue
        queueFrames: 4096,
      });
      console.log(
        JSON.stringify({
          scenario: `hardware-${name}`,
          system: "h5saver-acquire",
          frames: s.frames,
          payload_bytes: s.bytes,
          seconds: s.seconds,
          frames_per_s: s.frames / s.seconds,
          mb_per_s: s.bytes / 1e6 / s.seconds,
          dropped: s.dropped,
          crc_errors: s.crcErrors,
          wait_device_s: s.timing.waitMs / 1000,
          decode_s: s.timing.decodeMs / 1000,
          send_grpc_s: s.timing.sendMs / 1000,
        }),
      );
    } finally {
      await sim.close();
    }
  }
} finally {
  await server.close();
  rmSync(root, { recursive: true, force: true });
}
