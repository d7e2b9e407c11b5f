/**
 * The h5saver image as a lab runs it: built from docker/Dockerfile by testcontainers, started with
 * the host network on a free loopback port and a data folder mounted at /data, fed frames by the
 * TypeScript client, asked for its health, stopped with SIGTERM (`docker stop`), and its file then
 * read from the host by h5py, which shares no code with h5saver.
 *
 * Containers use the host network only, bound to 127.0.0.1: the engine here has no bridge.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createSaverClient } from "@h5saver/client";
import type { DataToExportInput } from "@h5saver/service";
import type { ImageInspectInfo } from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import { findEngine, REPO } from "./engine.ts";
import { fillOfflineCache } from "./offline-cache.ts";

/** This run's image: its own tag, so that test runs sharing the engine never swap images. */
const IMAGE = `localhost/h5saver:test-${process.pid}`;
/** The last run's image, kept under this tag for its layers: the next build's cache. */
const LAST = { repo: "localhost/h5saver", tag: "last-test" };
/** The image's user (the base image's `node`), who must own a bind-mounted data folder. */
const NODE_UID = 1000;
const PYTHON = path.join(REPO, ".venv/bin/python");

const engine = findEngine();
const tc = engine.ok ? await import("testcontainers") : undefined;

if (!engine.ok && engine.mustRun) {
  describe("docker/ (CI as root: an engine must run)", () => {
    it("has a Docker engine", () => {
      assert.fail(`no Docker engine although CI runs as root: ${engine.reason}`);
    });
  });
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** One acquisition: a power reading (0D) and a 64-point spectrum with its axis (1D). */
function frame(k: number): DataToExportInput {
  return {
    name: "spectrometer",
    timestamp: 1_700_000_000 + k,
    data: [
      { name: "power", data: [Float64Array.of(k)] },
      {
        name: "spectrum",
        data: [Float64Array.from({ length: 64 }, (_, i) => k * 1000 + i)],
        axes: [
          { label: "wavelength", units: "nm", data: Float64Array.from({ length: 64 }, (_, i) => 400 + i) },
        ],
      },
    ],
  };
}

interface H5Dataset {
  readonly shape: number[];
  readonly head: number[];
  readonly tail: number[];
}

/** Every dataset of an HDF5 file as h5py sees it: shape and first and last few values. */
function readWithH5py(file: string): Record<string, H5Dataset> {
  assert.ok(existsSync(PYTHON), `no ${PYTHON} with h5py: run bash scripts/python-env.sh (npm test does)`);
  const script = `
import h5py, json, sys
out = {}
def visit(name, node):
    if isinstance(node, h5py.Dataset) and node.dtype.kind in "fiu":
        flat = node[()].reshape(-1) if node.size else []
        out["/" + name] = {"shape": list(node.shape), "head": [float(v) for v in flat[:3]],
                           "tail": [float(v) for v in flat[-3:]]}
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(PYTHON, ["-c", script, file], { encoding: "utf8" })) as Record<
    string,
    H5Dataset
  >;
}

/**
 * Streams `frames` frames into a new file over the TypeScript client and waits until all are
 * durable, then breaks the call: the stream and the file stay open, as when a lab PC shuts down.
 */
async function streamAndLeaveOpen(port: number, file: string, frames: number): Promise<void> {
  const client = createSaverClient(`127.0.0.1:${port}`, { deadlineMs: 20_000 });
  try {
    const remote = await client.openFile({ path: file, mode: "create", flush: { maxFrames: 10 } });
    const upload = await remote.startContinuous(await remote.addDetector("Spectrometer"));
    for (let k = 1; k <= frames; k++) await upload.send(frame(k));
    const deadline = Date.now() + 30_000;
    while (upload.acknowledged < frames && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(upload.acknowledged, frames);
    upload.cancel();
  } finally {
    client.close();
  }
}

/** The file holds the `frames` frames of streamAndLeaveOpen, as h5py reads them. */
function assertStreamedFile(file: string, frames: number, logs: string): void {
  assert.ok(existsSync(file), `no ${file}: ${logs}`);
  const datasets = readWithH5py(file);
  const dump = JSON.stringify(Object.keys(datasets));
  // PyMoDAQ's layout of a continuous stream: one enlargeable array a channel, one row a frame
  const power = datasets["/RawData/Detector000/Data0D/CH00/EnlData00"];
  assert.ok(power, dump);
  assert.deepEqual(power.shape, [frames, 1]);
  assert.deepEqual([...power.head, ...power.tail], [1, 2, 3, frames - 2, frames - 1, frames]);
  const spectrum = datasets["/RawData/Detector000/Data1D/CH00/EnlData00"];
  assert.ok(spectrum, dump);
  assert.deepEqual(spectrum.shape, [frames, 64]);
  assert.deepEqual(spectrum.head, [1000, 1001, 1002]);
  assert.deepEqual(spectrum.tail, [frames * 1000 + 61, frames * 1000 + 62, frames * 1000 + 63]);
  assert.deepEqual(datasets["/RawData/Detector000/NavAxes/Axis00"]?.shape, [frames]);
}

const skip = engine.ok ? false : `container tests skipped: ${engine.reason}`;

describe("docker/Dockerfile", { skip }, () => {
  let imageConfig: ImageInspectInfo["Config"];

  before(async () => {
    assert.ok(tc);
    const began = Date.now();
    const tarballs = fillOfflineCache(REPO);
    const client = await tc.getContainerRuntimeClient();
    const why = `see why with: DOCKER_HOST=${process.env.DOCKER_HOST} docker build -f docker/Dockerfile .`;
    try {
      await tc.GenericContainer.fromDockerfile(REPO, "docker/Dockerfile").build(IMAGE, {
        deleteOnExit: false,
      });
      imageConfig = (await client.container.dockerode.getImage(IMAGE).inspect()).Config;
    } catch (error) {
      throw new Error(`the image did not build (${(error as Error).message}); ${why}`);
    }
    console.log(`# image ${IMAGE} built in ${Date.now() - began} ms (${tarballs} npm tarballs, offline)`);
  });

  after(async () => {
    const image = (await tc?.getContainerRuntimeClient())?.container.dockerode.getImage(IMAGE);
    await image?.tag(LAST).catch(() => undefined);
    await image?.remove({ noprune: true }).catch(() => undefined);
  });

  it("runs as user node with /data a volume, configured by H5SAVER_* and checked by h5saver health", () => {
    assert.equal(imageConfig.User, "node");
    assert.deepEqual(Object.keys(imageConfig.Volumes ?? {}), ["/data"]);
    assert.deepEqual(imageConfig.Healthcheck?.Test, ["CMD", "h5saver", "health"]);
    const env = new Set(imageConfig.Env);
    for (const setting of ["H5SAVER_ROOT=/data", "H5SAVER_PORT=50051", "H5SAVER_HOST=0.0.0.0"]) {
      assert.ok(env.has(setting), `${setting} in ${[...env].join(" ")}`);
    }
  });

  describe("a container on a loopback port with a mounted data folder", () => {
    const data = mkdtempSync(path.join(tmpdir(), "h5saver-docker-"));
    after(() => rmSync(data, { recursive: true, force: true }));
    let container: StartedTestContainer | undefined;
    let port: number;
    let logs: () => string = () => "";

    /** The image's saver on a free loopback port over `data`, once its health check passes. */
    async function startSaver(): Promise<{
      container: StartedTestContainer;
      port: number;
      logs: () => string;
    }> {
      assert.ok(tc);
      const port = await freeLoopbackPort();
      const began = Date.now();
      const started = await new tc.GenericContainer(IMAGE)
        .withNetworkMode("host") // never withExposedPorts: host mode has no port bindings
        .withEnvironment({ H5SAVER_HOST: "127.0.0.1", H5SAVER_PORT: String(port) })
        .withBindMounts([{ source: data, target: "/data" }])
        // the image's own check, asked every second instead of every 30 s
        .withHealthCheck({
          test: ["CMD", "h5saver", "health"],
          interval: 1000,
          timeout: 10_000,
          retries: 60,
          startPeriod: 1000,
        })
        .withWaitStrategy(tc.Wait.forHealthCheck())
        .withStartupTimeout(120_000)
        .start();
      let output = "";
      (await started.logs()).on("data", (chunk: Buffer | string) => {
        output += chunk.toString();
      });
      console.log(`# container healthy ${Date.now() - began} ms after start`);
      return { container: started, port, logs: () => output };
    }

    before(async () => {
      if (process.getuid?.() === 0) chownSync(data, NODE_UID, NODE_UID);
      const saver = await startSaver();
      container = saver.container;
      port = saver.port;
      logs = saver.logs;
    });

    after(async () => {
      // a test that failed before stopping it leaves it running (no reaper here)
      await container?.stop({ timeout: 1000 }).catch(() => undefined);
    });

    it("answers h5saver health with SERVING, inside the container as Docker asks it", async () => {
      assert.ok(container);
      const result = await container.exec(["h5saver", "health"]);
      assert.equal(result.exitCode, 0, result.output);
      assert.match(result.output, /SERVING/);
    });

    it("holds the workspaces' production dependencies and none of the development tools", async () => {
      assert.ok(container);
      const result = await container.exec(["ls", "/app/node_modules", "/app/node_modules/@h5saver"]);
      assert.equal(result.exitCode, 0, result.output);
      const installed = new Set(result.output.split(/\s+/));
      for (const needed of [
        "h5wasm",
        "tsx",
        "serialport",
        "service",
        "proto",
        "client",
        "hardware",
        "native",
      ]) {
        assert.ok(installed.has(needed), `${needed} in ${result.output}`);
      }
      for (const tool of ["typescript", "testcontainers", "@biomejs", "@bufbuild/buf"]) {
        assert.ok(!installed.has(tool), `${tool} in the image`);
      }
    });

    it("keeps every acknowledged frame of a stream still open at SIGTERM, in a file h5py reads", async () => {
      const frames = 120;
      await streamAndLeaveOpen(port, "lab/run-001.h5", frames);

      const runtime = await tc?.getContainerRuntimeClient();
      assert.ok(runtime && container);
      const id = container.getId();
      // docker stop: SIGTERM, and SIGKILL only if still running 30 s later (timeouts are in ms)
      const stopped = await container.stop({ timeout: 30_000, remove: false });
      const state = (await runtime.container.getById(stopped.getId()).inspect()).State;
      await runtime.container.getById(id).remove();
      assert.equal(state.ExitCode, 0, logs());
      assert.match(logs(), /h5saver stopped: 1 files closed/);
      // the prebuilt checksum addon of its platform (npm ci), the native addon (page cache, heap trim)
      // and the HDF5 addon (native stage)
      assert.match(
        logs(),
        /"event":"listening".*"checksums":"native","page_cache":"released","heap_trim":"on","hdf5":"native"/,
      );

      assertStreamedFile(path.join(data, "lab/run-001.h5"), frames, logs());
    });

    it("after a kill -9, a new container takes over the data root and rebuilds the open file", async () => {
      const killed = await startSaver();
      const frames = 90;
      await streamAndLeaveOpen(killed.port, "lab/run-002.h5", frames);
      const runtime = await tc?.getContainerRuntimeClient();
      assert.ok(runtime);
      const id = killed.container.getId();
      await runtime.container.getById(id).kill({ signal: "SIGKILL" });
      await runtime.container.getById(id).remove({ force: true });
      // the killed server's lock and journal are left in the data root
      assert.ok(existsSync(path.join(data, ".h5saver.lock")), killed.logs());

      const next = await startSaver();
      try {
        // (logs stream in: the recovery, before the server listened, may still be on its way)
        for (let wait = 0; wait < 50 && !/file_recovered/.test(next.logs()); wait++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.match(next.logs(), /file_recovered.*lab\/run-002\.h5/, next.logs());
        assert.doesNotMatch(next.logs(), /in use by h5saver/);
      } finally {
        await next.container.stop({ timeout: 30_000 });
      }
      assertStreamedFile(path.join(data, "lab/run-002.h5"), frames, next.logs());
      assert.ok(!existsSync(path.join(data, ".h5saver.lock")), "a stopped server leaves its root free");
    });
  });

  describe("docker/compose.yaml", () => {
    const compose = path.join(REPO, "docker/compose.yaml");
    const project = `h5saver-test-${process.pid}`;
    let port: number;
    let env: NodeJS.ProcessEnv;
    const run = (...args: string[]) =>
      execFileSync("docker-compose", ["-f", compose, "-p", project, ...args], {
        encoding: "utf8",
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
    const docker = (...args: string[]) =>
      execFileSync("docker", args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] }).trim();
    /** A file in the named volume, as the host sees it. */
    const inVolume = (file: string) =>
      path.join(docker("volume", "inspect", "--format", "{{.Mountpoint}}", `${project}_h5saver-data`), file);

    before(async () => {
      port = await freeLoopbackPort();
      env = {
        ...process.env,
        H5SAVER_IMAGE: IMAGE,
        H5SAVER_PORT: String(port),
        ACQUIRE_DRIVER: "dmm",
        ACQUIRE_FRAMES: "50",
      };
    });

    after(() => {
      if (hasCompose()) run("--profile", "serial", "down", "--volumes", "--timeout", "5");
    });

    it("is a valid compose file whose every service uses the host network", (t) => {
      if (!hasCompose()) return t.skip("docker-compose is not installed (docker/engine.sh up installs it)");
      const services = run("--profile", "serial", "config", "--services").trim().split("\n");
      assert.deepEqual(services.sort(), ["acquisition", "saver", "sr830"]);
      const config = run("--profile", "serial", "config");
      // a service without it would put a bridge network on this machine, which must never be
      assert.equal(config.match(/^ {4}network_mode: host$/gm)?.length, services.length, config);
      assert.match(config, /- \/dev\/ttyUSB0:\/dev\/ttyUSB0/);
    });

    it("runs the saver healthy on its port, and docker compose stop leaves its file whole in the volume", async (t) => {
      if (!hasCompose()) return t.skip("docker-compose is not installed (docker/engine.sh up installs it)");
      const began = Date.now();
      run("up", "-d", "--no-build", "saver");
      const saver = run("ps", "-q", "saver").trim();
      let health = "";
      for (const deadline = Date.now() + 120_000; health !== "healthy" && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        health = docker("inspect", "--format", "{{.State.Health.Status}}", saver);
      }
      assert.equal(health, "healthy", run("logs", "--no-color", "saver"));
      console.log(`# compose: saver healthy ${Date.now() - began} ms after up`);

      await streamAndLeaveOpen(port, "lab/compose.h5", 30);
      run("stop", "saver"); // SIGTERM, through tini (init: true)
      const logs = run("logs", "--no-color", "saver");
      assert.equal(docker("inspect", "--format", "{{.State.ExitCode}}", saver), "0", logs);
      assert.match(logs, /h5saver stopped: 1 files closed/);
      assertStreamedFile(inVolume("lab/compose.h5"), 30, logs);
    });

    it("runs a simulated DMM into the saver and leaves its frames in the volume", async (t) => {
      if (!hasCompose()) return t.skip("docker-compose is not installed (docker/engine.sh up installs it)");
      const missing = hardwareCommandsMissing();
      if (missing) return t.skip(missing);
      const began = Date.now();
      run("up", "-d", "--no-build");
      const acquisition = run("ps", "-q", "acquisition").trim();
      const exit = docker("wait", acquisition);
      const acquired = run("logs", "--no-color", "acquisition");
      assert.equal(exit, "0", acquired);
      run("stop", "saver");
      assert.match(run("logs", "--no-color", "saver"), /h5saver stopped: \d+ files closed/);
      const file = inVolume("lab/dmm.h5");
      assert.ok(existsSync(file), `no ${file}: ${acquired}`);
      const datasets = readWithH5py(file);
      const streamed = Object.entries(datasets).filter(([node]) => /EnlData\d+$/.test(node));
      assert.ok(streamed.length > 0, JSON.stringify(Object.keys(datasets)));
      for (const [node, dataset] of streamed) assert.equal(dataset.shape[0], 50, node);
      console.log(`# compose: 50 DMM frames acquired and saved in ${Date.now() - began} ms`);
    });
  });
});

function hasCompose(): boolean {
  try {
    execFileSync("docker-compose", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Why `h5saver simulate` and `acquire` cannot run yet, or undefined when they can. */
function hardwareCommandsMissing(): string | undefined {
  try {
    execFileSync("node", [path.join(REPO, "service/bin/h5saver.mjs"), "simulate", "--help"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    return undefined;
  } catch (error) {
    const failed = error as { stderr?: Buffer };
    return `the hardware commands cannot run yet (${failed.stderr?.toString().trim().split("\n")[0]})`;
  }
}
