import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ScenarioId, SystemId } from "./scenarios.ts";
import { checkTargets, type RecordedRun, summarize } from "./summary.ts";

function run(scenario: ScenarioId, system: SystemId, framesPerS: number, extra: object = {}): RecordedRun {
  return {
    scenario,
    system,
    frames: 100,
    payload_bytes: 100,
    seconds: 100 / framesPerS,
    frames_per_s: framesPerS,
    mb_per_s: framesPerS / 1e6,
    rep: 0,
    ...extra,
  };
}

describe("bench summary", () => {
  const runs = [
    run("2d-512-u16", "h5saver-grpc", 80, { server_peak_rss_mb: 300 }),
    run("2d-512-u16", "h5saver", 160),
    run("2d-512-u16", "grpc-raw", 100),
    run("2d-512-u16", "disk", 400),
    run("2d-512-u16", "h5py", 200),
    run("2d-512-u16-x16", "h5saver-grpc", 72),
  ];
  const systems = (scenario: ScenarioId): SystemId[] =>
    scenario === "2d-512-u16" ? ["h5saver", "h5saver-grpc", "h5py", "grpc-raw", "disk"] : ["h5saver-grpc"];
  const rows = summarize(runs, ["2d-512-u16", "2d-512-u16-x16"], systems);

  it("divides each subject's frames/s by every other system's, and keeps the medians of the extras", () => {
    const raw = rows.find((row) => row.scenario === "2d-512-u16" && row.system === "grpc-raw");
    assert.equal(raw?.ratios["h5saver-grpc"], 0.8);
    assert.equal(raw?.grpc_ratio, 0.8);
    assert.equal(raw?.ratios.h5saver, 1.6);
    const grpc = rows.find((row) => row.scenario === "2d-512-u16" && row.system === "h5saver-grpc");
    assert.equal(grpc?.ratios["h5saver-grpc"], undefined);
    assert.equal(grpc?.extras.server_peak_rss_mb, 300);
  });

  it("checks issue 10's targets, the 16-stream one against the single stream's row", () => {
    const checks = checkTargets(rows);
    const byTarget = (prefix: string, scenario: ScenarioId) =>
      checks.find((check) => check.target.startsWith(prefix) && check.scenario === scenario);
    assert.equal(byTarget("end to end ÷ grpc-raw", "2d-512-u16")?.met, true); // 0.8 ≥ 0.8
    assert.equal(byTarget("end to end ÷ disk", "2d-512-u16")?.measured, 0.2);
    assert.equal(byTarget("writer in-process ÷ h5py", "2d-512-u16")?.met, true);
    assert.equal(byTarget("server peak RSS", "2d-512-u16")?.met, false);
    assert.equal(byTarget("16 streams", "2d-512-u16-x16")?.measured, 0.9);
    assert.equal(
      checks.some((check) => check.scenario === "0d-1ch"),
      false,
    ); // not run: no check
  });
});
