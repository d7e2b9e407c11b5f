import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { byteByByte, everySplit } from "../testing/chunkings.ts";
import { createLineDecoder } from "./line-decoder.ts";

function decode(chunks: Uint8Array[], delimiter: "\n" | "\r", maxLength?: number) {
  const decoder = createLineDecoder({ delimiter, ...(maxLength ? { maxLength } : {}) });
  const out: string[] = [];
  for (const chunk of chunks) {
    for (const r of decoder.push(chunk)) out.push(r.ok ? r.value : `!${r.error.code}:${r.skipped}`);
  }
  return out;
}

describe("line decoder", () => {
  it("splits SCPI replies at LF (dropping a CR before it) whatever the chunk boundaries", () => {
    const stream = new TextEncoder().encode('+1.234E+00\n+0,"No error"\r\n\nKeysight,34465A,1,A\n');
    const expected = ["+1.234E+00", '+0,"No error"', "", "Keysight,34465A,1,A"];
    for (const chunks of everySplit(stream)) assert.deepEqual(decode(chunks, "\n"), expected);
    assert.deepEqual(decode(byteByByte(stream), "\n"), expected);
  });

  it("splits SR830 replies at CR", () => {
    const stream = new TextEncoder().encode("1.0e-006,2.0e-006\r14\r");
    for (const chunks of everySplit(stream))
      assert.deepEqual(decode(chunks, "\r"), ["1.0e-006,2.0e-006", "14"]);
  });

  it("drops a line longer than the limit, counting its bytes, and goes on", () => {
    const stream = new TextEncoder().encode(`${"x".repeat(40)}\nok\n`);
    const skippedThenLines = (out: string[]) => [
      out.filter((l) => l.startsWith("!bad_frame:")).reduce((n, l) => n + Number(l.split(":")[1]), 0),
      out.filter((l) => !l.startsWith("!")),
    ];
    assert.deepEqual(decode([stream], "\n", 16), ["!bad_frame:41", "ok"]);
    for (const chunks of [...everySplit(stream), byteByByte(stream)]) {
      assert.deepEqual(skippedThenLines(decode(chunks, "\n", 16)), [41, ["ok"]]);
    }
  });
});
