import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { rejectsWith } from "../testing/saver-error-assertions.ts";
import { tempDir } from "../testing/temp-dir.ts";
import { TokenLimits } from "./token-limits.ts";

const dir = tempDir("h5saver-limits-");

describe("TokenLimits", () => {
  it("paces calls over the rate to the rate, never refusing them", async () => {
    // 0.2 MB/s: the bucket holds 200 kB; 600 kB more must take about 3 s
    const limits = new TokenLimits("slow", dir, { megabytesPerSecond: 0.2 });
    await limits.admit(200_000);
    const started = performance.now();
    for (let i = 0; i < 6; i++) await limits.admit(100_000);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds >= 2.7, `600 kB at 0.2 MB/s took ${seconds.toFixed(2)} s`);
  });

  it("lets a call larger than a second of the rate through once the bucket is full", async () => {
    const limits = new TokenLimits("big", dir, { megabytesPerSecond: 0.1 });
    await limits.admit(5_000_000);
  });

  it("refuses data over the quota with RESOURCE_EXHAUSTED, counting what the folder holds", async () => {
    const folder = path.join(dir, "quota");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "old.h5"), Buffer.alloc(600_000));
    const limits = new TokenLimits("lab-q", folder, { gigabytes: 0.001 }); // 1 MB
    await limits.admit(300_000);
    await rejectsWith(
      limits.admit(200_000),
      "resource_exhausted",
      /token 'lab-q' has used 0\.001 GB of its 0\.001 GB: nothing was saved; delete or move files/,
    );
  });

  it("counts files deleted since it last measured the folder", async () => {
    const folder = path.join(dir, "freed");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "old.h5"), Buffer.alloc(900_000));
    const limits = new TokenLimits("lab-f", folder, { gigabytes: 0.001, remeasureMs: 0 });
    await rejectsWith(limits.admit(200_000), "resource_exhausted", /0\.001 GB/);
    rmSync(path.join(folder, "old.h5"));
    await limits.admit(200_000);
  });
});
