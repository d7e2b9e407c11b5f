/**
 * Keeps a file open for writing while another process reads it: appends FRAMES 1D frames to a
 * continuous stream, flushes, prints `durable <n>` and waits for a line on stdin; then appends as
 * many again, closes the file and prints `closed <n>`.
 * Usage: node --import tsx test/interop/h5saver-live-writer.ts FILE FRAMES
 */
import { createInterface } from "node:readline";
import { SaverFile } from "../../service/src/index.ts";

const [file, framesText] = process.argv.slice(2);
const frames = Number(framesText);
if (!file || !Number.isInteger(frames) || frames < 1) {
  console.error("usage: h5saver-live-writer.ts FILE FRAMES");
  process.exit(2);
}

const saver = await SaverFile.open({
  path: file,
  mode: "overwrite",
  flush: { maxFrames: 1_000_000, maxDelayMs: 60_000 },
});
const stream = await saver.startContinuous(await saver.addDetector("live", "<All_settings/>"));
let k = 0;
const append = async (n: number) => {
  for (const end = k + n; k < end; k++) {
    await saver.append(stream, {
      name: "live",
      timestamp: 1_800_000_000 + k,
      data: [{ name: "Ramp", data: [Float64Array.from({ length: 8 }, (_, i) => k * 10 + i)], units: "V" }],
    });
  }
};
await append(frames);
const [event] = await saver.flush();
console.log(`durable ${event?.durableFrames ?? 0}`);
const lines = createInterface({ input: process.stdin });
for await (const _ of lines) break;
lines.close();
process.stdin.destroy();
await append(frames);
await saver.close();
console.log(`closed ${k}`);
