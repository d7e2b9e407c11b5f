import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { seededRandom as prng } from "../testing/seeded-random.ts";
import { decodeAttribute, encodeAttribute, jsonString, py } from "./pymodaq-attribute.ts";
import type { PyValue } from "./python-literal.ts";

// Expected texts are CPython 3.11.7's `json.dumps(dict(module="builtins", type=T, data=repr(v)))`.

function python(script: string, input: unknown): unknown {
  const out = execFileSync("python3", ["-c", script], { input: JSON.stringify(input), encoding: "utf8" });
  return JSON.parse(out);
}

function randomText(next: () => number): string {
  const special = [
    '"',
    "'",
    "\\",
    "\b",
    "\f",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x1f",
    "\x7f",
    "\x80",
    "é",
    "\u2028",
    "😀",
    "\ud800",
  ];
  let out = "";
  const length = Math.floor(next() * 12);
  for (let i = 0; i < length; i++) {
    const kind = next();
    if (kind < 0.4) out += special[Math.floor(next() * special.length)];
    else if (kind < 0.8) out += String.fromCharCode(Math.floor(next() * 0x80));
    else out += String.fromCharCode(0x80 + Math.floor(next() * 0x2f80));
  }
  return out;
}

describe("encodeAttribute()", () => {
  const table: [PyValue, string][] = [
    [py.str("abc"), `{"module": "builtins", "type": "str", "data": "'abc'"}`],
    [
      py.str("é µ 日本 😀"),
      String.raw`{"module": "builtins", "type": "str", "data": "'\u00e9 \u00b5 \u65e5\u672c \ud83d\ude00'"}`,
    ],
    [
      py.str('it\'s "q" \\ \n\t'),
      String.raw`{"module": "builtins", "type": "str", "data": "'it\\'s \"q\" \\\\ \\n\\t'"}`,
    ],
    [py.str("\x7f\x00"), String.raw`{"module": "builtins", "type": "str", "data": "'\\x7f\\x00'"}`],
    [py.str("\u2028"), String.raw`{"module": "builtins", "type": "str", "data": "'\\u2028'"}`],
    [
      py.bytes(Uint8Array.of(0, 0x27, 0xff)),
      String.raw`{"module": "builtins", "type": "bytes", "data": "b\"\\x00'\\xff\""}`,
    ],
    [py.int(42), `{"module": "builtins", "type": "int", "data": "42"}`],
    [py.int(-9223372036854775808n), `{"module": "builtins", "type": "int", "data": "-9223372036854775808"}`],
    [py.float(500), `{"module": "builtins", "type": "float", "data": "500.0"}`],
    [py.float(1e-5), `{"module": "builtins", "type": "float", "data": "1e-05"}`],
    [py.float(-0), `{"module": "builtins", "type": "float", "data": "-0.0"}`],
    [py.float(Number.NaN), `{"module": "builtins", "type": "float", "data": "nan"}`],
    [py.bool(true), `{"module": "builtins", "type": "bool", "data": "True"}`],
    [py.bool(false), `{"module": "builtins", "type": "bool", "data": "False"}`],
    [py.intTuple([3, 11]), `{"module": "builtins", "type": "tuple", "data": "(3, 11)"}`],
    [py.intTuple([1]), `{"module": "builtins", "type": "tuple", "data": "(1,)"}`],
    [{ type: "none", value: null }, `{"module": "builtins", "type": "NoneType", "data": "None"}`],
    [
      { type: "list", value: [py.int(1), py.float(2.5), py.str("x")] },
      `{"module": "builtins", "type": "list", "data": "[1, 2.5, 'x']"}`,
    ],
  ];

  it("is byte for byte Python's json.dumps of the PyMoDAQ wrapper", () => {
    for (const [value, expected] of table) assert.equal(encodeAttribute(value), expected, expected);
  });

  it("writes pure ASCII, whatever the value", () => {
    for (const [value] of table) assert.match(encodeAttribute(value), /^[\x20-\x7e]*$/);
  });

  it("agrees with CPython for 1000 generated str values", () => {
    const next = prng(31);
    const texts = Array.from({ length: 1000 }, () => randomText(next));
    const expected = python(
      "import json,sys,unicodedata\n" +
        "ts = json.loads(sys.stdin.read())\n" +
        "print(json.dumps([[json.dumps(dict(module='builtins', type='str', data=repr(t))), " +
        "any(unicodedata.category(c) == 'Cn' for c in t)] for t in ts]))",
      texts,
    ) as [string, boolean][];
    let compared = 0;
    texts.forEach((text, i) => {
      const [pyText, hasUnassigned] = expected[i] as [string, boolean];
      if (hasUnassigned) return; // Unicode-version differences: see python-literal.test.ts
      compared++;
      assert.equal(encodeAttribute(py.str(text)), pyText, JSON.stringify(text));
    });
    assert.ok(compared > 800, `only ${compared} compared`);
  });
});

describe("jsonString()", () => {
  it("is Python's json.dumps(str) with ensure_ascii: \\b \\f \\n \\r \\t, \\u00XX for other controls and DEL", () => {
    assert.equal(jsonString("\b\f\n\r\t"), String.raw`"\b\f\n\r\t"`);
    assert.equal(jsonString("\x00\x1f\x7f"), String.raw`"\u0000\u001f\u007f"`);
    assert.equal(jsonString('"\\/'), String.raw`"\"\\/"`);
    assert.equal(jsonString("😀\ud800"), String.raw`"\ud83d\ude00\ud800"`);
  });

  it("agrees with CPython's json.dumps for 1000 generated strings", () => {
    const next = prng(32);
    const texts = Array.from({ length: 1000 }, () => randomText(next));
    const expected = python(
      "import json,sys\nprint(json.dumps([json.dumps(t) for t in json.loads(sys.stdin.read())]))",
      texts,
    ) as string[];
    for (const [i, text] of texts.entries())
      assert.equal(jsonString(text), expected[i], JSON.stringify(text));
  });
});

describe("decodeAttribute()", () => {
  it("decodes builtins wrappers to the Python value", () => {
    assert.equal(
      decodeAttribute(String.raw`{"module": "builtins", "type": "str", "data": "'\u00e9 \\n'"}`),
      "é \n",
    );
    assert.equal(decodeAttribute(`{"module": "builtins", "type": "int", "data": "42"}`), 42);
    assert.equal(
      decodeAttribute(`{"module": "builtins", "type": "int", "data": "18446744073709551616"}`),
      18446744073709551616n,
    );
    assert.equal(decodeAttribute(`{"module": "builtins", "type": "float", "data": "1e-05"}`), 1e-5);
    assert.equal(decodeAttribute(`{"module": "builtins", "type": "bool", "data": "False"}`), false);
    assert.equal(decodeAttribute(`{"module": "builtins", "type": "NoneType", "data": "None"}`), null);
    assert.deepEqual(decodeAttribute(`{"module": "builtins", "type": "tuple", "data": "(3, 11)"}`), [3, 11]);
    assert.deepEqual(decodeAttribute(`{"module": "builtins", "type": "list", "data": "[1, [2.5], 'x']"}`), [
      1,
      [2.5],
      "x",
    ]);
    assert.deepEqual(
      decodeAttribute(String.raw`{"module": "builtins", "type": "bytes", "data": "b'\\x00\\xff'"}`),
      Uint8Array.of(0, 255),
    );
  });

  it("gives back what encodeAttribute wrote", () => {
    assert.equal(
      decodeAttribute(encodeAttribute(py.str('it\'s "q" \\ 日本 😀 \u2028'))),
      'it\'s "q" \\ 日本 😀 \u2028',
    );
    assert.ok(Object.is(decodeAttribute(encodeAttribute(py.float(-0))), -0));
    assert.ok(Number.isNaN(decodeAttribute(encodeAttribute(py.float(Number.NaN)))));
    assert.deepEqual(decodeAttribute(encodeAttribute(py.intTuple([1]))), [1]);
    assert.deepEqual(
      decodeAttribute(encodeAttribute(py.bytes(Uint8Array.of(0x27, 0x22, 0x5c)))),
      Uint8Array.of(0x27, 0x22, 0x5c),
    );
  });

  it("decodes numpy >= 2 scalar wrappers as PyMoDAQ writes them (np.float64(...), np.int64(...), np.str_(...))", () => {
    // Texts as pymodaq_utils' JsonConverter.object2json writes them with numpy 2.
    assert.equal(decodeAttribute(`{"module": "numpy", "type": "float64", "data": "np.float64(500.0)"}`), 500);
    assert.equal(decodeAttribute(`{"module": "numpy", "type": "float32", "data": "np.float32(0.1)"}`), 0.1);
    assert.equal(decodeAttribute(`{"module": "numpy", "type": "int64", "data": "np.int64(-3)"}`), -3);
    assert.equal(decodeAttribute(`{"module": "numpy", "type": "uint8", "data": "np.uint8(7)"}`), 7);
    assert.equal(decodeAttribute(`{"module": "numpy", "type": "str_", "data": "np.str_('a')"}`), "a");
    assert.ok(
      Number.isNaN(decodeAttribute(`{"module": "numpy", "type": "float64", "data": "np.float64(nan)"}`)),
    );
  });

  it("decodes numpy bool wrappers (np.True_ / np.False_) to booleans", () => {
    // pymodaq_utils writes a numpy bool as {"module": "numpy", "type": "bool", "data": "np.True_"}
    // and PyMoDAQ evals it ('bool' is a trusted type) to a bool.
    assert.equal(decodeAttribute(`{"module": "numpy", "type": "bool", "data": "np.True_"}`), true);
    assert.equal(decodeAttribute(`{"module": "numpy", "type": "bool", "data": "np.False_"}`), false);
  });

  it("decodes numpy < 2 wrappers, whose data is the plain literal", () => {
    assert.equal(decodeAttribute(`{"module": "numpy", "type": "float64", "data": "500.0"}`), 500);
  });

  it("returns the data text of wrappers it cannot evaluate (datetime, complex)", () => {
    assert.equal(
      decodeAttribute(
        `{"module": "datetime", "type": "datetime", "data": "datetime.datetime(2024, 1, 2, 3, 4, 5)"}`,
      ),
      "datetime.datetime(2024, 1, 2, 3, 4, 5)",
    );
    assert.equal(
      decodeAttribute(`{"module": "numpy", "type": "complex128", "data": "np.complex128(1+2j)"}`),
      "np.complex128(1+2j)",
    );
  });

  it("returns values that are not wrappers unchanged", () => {
    const bytes = Uint8Array.of(1, 2);
    assert.equal(decodeAttribute(5), 5);
    assert.equal(decodeAttribute(true), true);
    assert.equal(decodeAttribute(null), null);
    assert.equal(decodeAttribute(bytes), bytes);
    assert.equal(decodeAttribute("Scan"), "Scan");
    assert.equal(decodeAttribute("{not json"), "{not json");
    assert.equal(decodeAttribute(`{"a": 1}`), `{"a": 1}`);
    assert.equal(decodeAttribute(`{"data": 5}`), `{"data": 5}`);
    assert.equal(decodeAttribute("[1, 2]"), "[1, 2]");
  });
});
