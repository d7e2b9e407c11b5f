import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { LOG_ROW_BYTES, pickleProtocol0, pickleRows, unpickleProtocol0, unpickleStr } from "./log-pickle.ts";

/** Runs CPython with `input` as JSON on stdin and parses the JSON it prints. */
function python(script: string, input: unknown): unknown {
  const out = execFileSync("python3", ["-c", script], { input: JSON.stringify(input), encoding: "utf8" });
  return JSON.parse(out);
}

/** What CPython's pickle.loads makes of each row (sent as ASCII bytes). */
function cpythonUnpickle(rows: readonly string[]): string[] {
  return python(
    "import json,pickle,sys\n" +
      "rows = json.loads(sys.stdin.read())\n" +
      "print(json.dumps([pickle.loads(r.encode('ascii')) for r in rows]))",
    rows,
  ) as string[];
}

const TRICKY_LINES = [
  "",
  "plain ASCII log line",
  "2024-03-05 07:08:09 - pymodaq.daq_move - INFO - moved to 1.5",
  "back\\slash and \\u0041 and \\U00000041 and \\x41 that must stay literal",
  "ends with a backslash \\",
  "new\nline, carriage\rreturn, tab\t, NUL\x00, ctrl-Z\x1a, DEL\x7f, ESC\x1b",
  "a line ending in a newline\n",
  "\n.",
  "quotes ' \" and pickle opcodes V . p0 ( ) S I F",
  "Latin-1 é µ ÿ \xa0 \xad",
  "CJK 日本語, astral 😀 \u{10ffff}, separators \u2028\u2029",
  "lone surrogates \ud800 and \udfff",
];

describe("pickleProtocol0()", () => {
  it("writes rows CPython's pickle.loads turns back into the line", () => {
    const rows = TRICKY_LINES.map(pickleProtocol0);
    assert.deepEqual(cpythonUnpickle(rows), TRICKY_LINES);
  });

  it("writes printable ASCII only (no NUL), framed as V<text>\\n.", () => {
    for (const line of TRICKY_LINES) {
      const row = pickleProtocol0(line);
      assert.match(row, /^V[\x20-\x7e]*\n\.$/);
    }
  });

  it("escapes the backslash, so an escape-like text in the line is not decoded", () => {
    assert.equal(pickleProtocol0("\\u0041"), "V\\u005cu0041\n.");
    assert.equal(pickleProtocol0("a\nb"), "Va\\u000ab\n.");
    assert.equal(pickleProtocol0("😀"), "V\\U0001f600\n.");
  });

  it("is undone by unpickleProtocol0, and unpickleProtocol0 reads CPython's protocol-0 framing", () => {
    for (const line of TRICKY_LINES) assert.equal(unpickleProtocol0(pickleProtocol0(line)), line);
    assert.equal(unpickleProtocol0("Vabc\np0\n."), "abc"); // pickle.dumps('abc', 0).decode()
    assert.equal(unpickleProtocol0("not a pickle"), undefined);
  });
});

describe("pickleRows()", () => {
  it("keeps a short line in one row", () => {
    assert.deepEqual(pickleRows("short", LOG_ROW_BYTES), [pickleProtocol0("short")]);
    assert.deepEqual(pickleRows("", LOG_ROW_BYTES), ["V\n."]);
  });

  it("splits a long line into rows of at most `width` bytes whose unpickled texts concatenate to the line", () => {
    const piece = "é😀\\\n日 ascii text ' \" ";
    const cases: [string, number][] = [
      [piece.repeat(200), LOG_ROW_BYTES],
      [piece.repeat(20), 64],
      ["x".repeat(1021), LOG_ROW_BYTES], // exactly fits: V + 1021 + \n.
      ["x".repeat(1022), LOG_ROW_BYTES], // one byte too many
      ["\u{1f600}".repeat(300), 100],
      [`${"a".repeat(50)}😀`, 56], // the astral escape must move whole to the next row
    ];
    for (const [line, width] of cases) {
      const rows = pickleRows(line, width);
      for (const row of rows) {
        assert.ok(row.length <= width, `row of ${row.length} bytes for width ${width}`);
        assert.match(row, /^V[\x20-\x7e]*\n\.$/);
      }
      assert.equal(cpythonUnpickle(rows).join(""), line);
      assert.equal(rows.map((r) => unpickleProtocol0(r)).join(""), line);
    }
  });

  it("fills rows: a row is split only when the next character would not fit", () => {
    const rows = pickleRows("x".repeat(1022), LOG_ROW_BYTES);
    assert.equal(rows.length, 2);
    assert.equal(rows[0]?.length, LOG_ROW_BYTES);
    assert.equal(pickleRows("x".repeat(1021), LOG_ROW_BYTES).length, 1);
  });

  it("never splits a surrogate pair or an escape between rows", () => {
    const line = "ab😀".repeat(40);
    const rows = pickleRows(line, 20);
    for (const text of cpythonUnpickle(rows)) assert.ok(!/[\ud800-\udfff]/u.test(text), JSON.stringify(text)); // lone surrogates only
  });
});

describe("unpickleStr()", () => {
  it("decodes CPython's pickle.dumps(str) for protocols 2 to 5, short, long (>255 bytes) and framed (>64 KiB) strings", () => {
    const texts = ["", "abc", "é😀 line\n\\ '\"", "x".repeat(300), "日本".repeat(200), "y".repeat(70000)];
    const pickles = python(
      "import json,pickle,sys\n" +
        "ts = json.loads(sys.stdin.read())\n" +
        "print(json.dumps([[p, i, pickle.dumps(t, protocol=p).hex()] for p in (2, 3, 4, 5) for i, t in enumerate(ts)]))",
      texts,
    ) as [number, number, string][];
    assert.equal(pickles.length, 24);
    for (const [protocol, i, hex] of pickles) {
      assert.equal(unpickleStr(Buffer.from(hex, "hex")), texts[i], `protocol ${protocol}, text ${i}`);
    }
  });

  it("decodes the default protocol (pickle.dumps(line)) as PyMoDAQ writes Logger rows", () => {
    // pickle.dumps('2024 INFO é', protocol=4) in CPython 3.11
    const bytes = Buffer.from("80049510000000000000008c0c323032342049" + "4e464f20c3a9942e", "hex");
    assert.equal(unpickleStr(bytes), "2024 INFO é");
    // pickle.dumps('abc', protocol=2)
    assert.equal(unpickleStr(Buffer.from("8002580300000061626371002e", "hex")), "abc");
  });

  it("reads a pickle that sits at an offset inside a larger buffer", () => {
    const pickle = Buffer.from("80049507000000000000008c03616263942e", "hex");
    const big = new Uint8Array(pickle.length + 5);
    big.set(pickle, 3);
    assert.equal(unpickleStr(big.subarray(3, 3 + pickle.length)), "abc");
  });

  it("returns undefined for protocol 0/1 pickles, other objects and truncated data", () => {
    assert.equal(unpickleStr(Buffer.from("Vabc\np0\n.", "latin1")), undefined); // protocol 0
    assert.equal(unpickleStr(Buffer.from("80044b052e", "hex")), undefined); // pickle.dumps(5, protocol=4)
    assert.equal(unpickleStr(Buffer.from("8002580a000000616263", "hex")), undefined); // truncated
  });
});
