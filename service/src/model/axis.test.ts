import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertInvalid } from "../testing/saver-error-assertions.ts";
import { createAxis, linearParameters } from "./axis.ts";

describe("createAxis()", () => {
  it("builds a linear axis offset + scaling * i for size points, with empty label/units and index 0 by default", () => {
    const axis = createAxis({ offset: 10, scaling: 0.5, size: 4 });
    assert.ok(axis.data instanceof Float64Array);
    assert.deepEqual([...axis.data], [10, 10.5, 11, 11.5]);
    assert.equal(axis.label, "");
    assert.equal(axis.units, "");
    assert.equal(axis.index, 0);
    assert.equal(axis.spreadOrder, 0);
  });

  it("keeps label, units, index and spreadOrder", () => {
    const axis = createAxis({
      label: "x",
      units: "mm",
      offset: 0,
      scaling: 1,
      size: 2,
      index: 1,
      spreadOrder: 2,
    });
    assert.deepEqual(
      { label: axis.label, units: axis.units, index: axis.index, spreadOrder: axis.spreadOrder },
      { label: "x", units: "mm", index: 1, spreadOrder: 2 },
    );
  });

  it("accepts explicit values as a number array (converted to float64) or a typed array (kept as is)", () => {
    const fromList = createAxis({ data: [3, 1, 2] });
    assert.ok(fromList.data instanceof Float64Array);
    assert.deepEqual([...fromList.data], [3, 1, 2]);
    const typed = new Float32Array([1, 2]);
    assert.equal(createAxis({ data: typed }).data, typed);
    assert.ok(createAxis({ data: new Int32Array([1, 2]) }).data instanceof Int32Array);
  });

  it("refuses a negative or fractional index, naming the field", () => {
    assertInvalid(
      () => createAxis({ offset: 0, scaling: 1, size: 2, index: -1 }),
      "axis.index",
      /integer >= 0\), got -1/,
    );
    assertInvalid(
      () => createAxis({ data: [1], index: 0.5 }, "data.axes[2]"),
      "data.axes[2].index",
      /data dimension/,
    );
  });

  it("refuses a negative spreadOrder", () => {
    assertInvalid(
      () => createAxis({ data: [1], spreadOrder: -2 }),
      "axis.spreadOrder",
      /integer >= 0, got -2/,
    );
  });

  it("refuses a linear axis of size < 1 or a fractional size", () => {
    assertInvalid(
      () => createAxis({ offset: 0, scaling: 1, size: 0 }, "data.axes[0]"),
      "data.axes[0].size",
      /size >= 1, got 0/,
    );
    assertInvalid(() => createAxis({ offset: 0, scaling: 1, size: 2.5 }), "axis.size", /size >= 1/);
  });

  it("refuses a non-finite offset or scaling", () => {
    assertInvalid(
      () => createAxis({ offset: Number.NaN, scaling: 1, size: 2 }),
      "axis",
      /offset and scaling must be finite/,
    );
    assertInvalid(
      () => createAxis({ offset: 0, scaling: Number.POSITIVE_INFINITY, size: 2 }),
      "axis",
      /finite/,
    );
  });

  it("refuses an axis without values", () => {
    assertInvalid(() => createAxis({ data: [] }, "data.axes[1]"), "data.axes[1].data", /at least one value/);
    assertInvalid(() => createAxis({ data: new Float64Array(0) }), "axis.data", /at least one value/);
  });

  it("refuses explicit values that are not a numeric typed array", () => {
    assertInvalid(
      () => createAxis({ data: new Uint8ClampedArray(2) as unknown as Float64Array }, "data.axes[0]"),
      "data.axes[0].data",
      /typed array/,
    );
  });
});

describe("linearParameters()", () => {
  it("gives offset and scaling of evenly spaced values", () => {
    assert.deepEqual(linearParameters(createAxis({ offset: -1, scaling: 0.25, size: 9 })), {
      offset: -1,
      scaling: 0.25,
    });
    assert.deepEqual(linearParameters(createAxis({ data: [10, 8, 6, 4] })), { offset: 10, scaling: -2 });
    assert.deepEqual(linearParameters(createAxis({ data: new Int32Array([0, 5, 10]) })), {
      offset: 0,
      scaling: 5,
    });
  });

  it("tolerates float rounding in evenly spaced values (0.1 steps)", () => {
    const values = Array.from({ length: 11 }, (_, i) => i * 0.1);
    const params = linearParameters(createAxis({ data: values }));
    assert.ok(params);
    assert.equal(params.offset, 0);
    assert.ok(Math.abs(params.scaling - 0.1) < 1e-15);
  });

  it("gives scaling 1 for a single point", () => {
    assert.deepEqual(linearParameters(createAxis({ data: [7] })), { offset: 7, scaling: 1 });
  });

  it("is undefined for unevenly spaced, constant or 64-bit integer values", () => {
    assert.equal(linearParameters(createAxis({ data: [0, 1, 3] })), undefined);
    assert.equal(linearParameters(createAxis({ data: [2, 2, 2] })), undefined);
    assert.equal(linearParameters(createAxis({ data: new BigInt64Array([0n, 1n, 2n]) })), undefined);
  });
});

describe("createAxis() limits", () => {
  it("refuses a linear axis too long to make, before making it, and NUL in its label", () => {
    assertInvalid(
      () => createAxis({ label: "x", units: "mm", offset: 0, scaling: 1, size: 2 ** 31 }),
      "axis.size",
      /more than a linear axis may have/,
    );
    assertInvalid(() => createAxis({ label: "x\0y", units: "mm", data: [1, 2] }), "axis.label", /NUL/);
  });
});
