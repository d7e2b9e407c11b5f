import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertInvalid } from "../testing/saver-error-assertions.ts";
import { createDataToExport } from "./data-to-export.ts";
import { createDataWithAxes, type DataWithAxesInput, inferDim, signalShape } from "./data-with-axes.ts";
import type { NumericArray } from "./dtype.ts";
import { zeroPad } from "./text.ts";

const f64 = (...values: number[]) => Float64Array.from(values);
const zeros = (n: number) => new Float64Array(n);

/** A valid 2-D input (3 x 4, two channels) that tests then break one field of. */
function valid2D(overrides: Partial<DataWithAxesInput> = {}): DataWithAxesInput {
  return {
    name: "camera",
    data: [zeros(12), zeros(12)],
    shape: [3, 4],
    timestamp: 1795610560.5,
    ...overrides,
  };
}

describe("createDataWithAxes()", () => {
  describe("happy paths", () => {
    it("infers Data0D for shape [1], with defaults: raw, uniform, labels CH00.., no axes", () => {
      const dwa = createDataWithAxes({ name: "power", data: [f64(1.5)], timestamp: 10 });
      assert.equal(dwa.dim, "Data0D");
      assert.deepEqual(dwa.shape, [1]);
      assert.equal(dwa.dtype, "float64");
      assert.equal(dwa.source, "raw");
      assert.equal(dwa.distribution, "uniform");
      assert.deepEqual(dwa.labels, ["CH00"]);
      assert.equal(dwa.units, "");
      assert.equal(dwa.origin, "");
      assert.deepEqual(dwa.axes, []);
      assert.deepEqual(dwa.navIndexes, []);
      assert.deepEqual(dwa.extraAttributes, {});
      assert.equal(dwa.timestamp, 10);
      assert.equal("errors" in dwa, false);
      assert.equal("background" in dwa, false);
    });

    it("infers Data1D from the array length when no shape is given", () => {
      const dwa = createDataWithAxes({ name: "spectrum", data: [new Int32Array(5)] });
      assert.equal(dwa.dim, "Data1D");
      assert.deepEqual(dwa.shape, [5]);
      assert.equal(dwa.dtype, "int32");
    });

    it("infers Data2D for a 2-D shape and labels channels CH00, CH01, ...", () => {
      const dwa = createDataWithAxes({
        name: "cam",
        data: Array.from({ length: 12 }, () => zeros(6)),
        shape: [2, 3],
      });
      assert.equal(dwa.dim, "Data2D");
      assert.equal(dwa.labels[0], "CH00");
      assert.equal(dwa.labels[11], "CH11");
    });

    it("infers DataND when there are navIndexes, or more than 2 dimensions", () => {
      const nd = createDataWithAxes({ name: "scan", data: [zeros(12)], shape: [3, 4], navIndexes: [0] });
      assert.equal(nd.dim, "DataND");
      assert.deepEqual(nd.navIndexes, [0]);
      assert.deepEqual(signalShape(nd), [4]);
      assert.equal(createDataWithAxes({ name: "cube", data: [zeros(24)], shape: [2, 3, 4] }).dim, "DataND");
    });

    it("accepts dim DataND for data without navigation (PyMoDAQ allows it)", () => {
      assert.equal(createDataWithAxes({ name: "x", data: [zeros(5)], dim: "DataND" }).dim, "DataND");
    });

    it("builds linear axes from offset/scaling/size and keeps explicit ones", () => {
      const dwa = createDataWithAxes(
        valid2D({
          axes: [
            { label: "y", units: "px", offset: 0, scaling: 2, size: 3, index: 0 },
            { label: "x", units: "mm", data: [0.5, 1, 1.5, 2], index: 1 },
          ],
        }),
      );
      assert.deepEqual([...(dwa.axes[0]?.data ?? [])], [0, 2, 4]);
      assert.equal(dwa.axes[0]?.label, "y");
      assert.deepEqual([...(dwa.axes[1]?.data ?? [])], [0.5, 1, 1.5, 2]);
      assert.equal(dwa.axes[1]?.units, "mm");
    });

    it("keeps labels, units, origin, source, distribution, errors, background and extra attributes", () => {
      const errors = [zeros(12), new Float32Array(12)];
      const background = [zeros(12), zeros(12)];
      const dwa = createDataWithAxes(
        valid2D({
          labels: ["a", "b"],
          units: "V",
          origin: "det",
          source: "calculated",
          distribution: "spread",
          errors,
          background,
          extraAttributes: { gain: 2, mode: "fast", enabled: true },
        }),
      );
      assert.deepEqual(dwa.labels, ["a", "b"]);
      assert.equal(dwa.units, "V");
      assert.equal(dwa.origin, "det");
      assert.equal(dwa.source, "calculated");
      assert.equal(dwa.distribution, "spread");
      assert.equal(dwa.errors, errors);
      assert.equal(dwa.background, background);
      assert.deepEqual(dwa.extraAttributes, { gain: 2, mode: "fast", enabled: true });
    });

    it("takes bool data from a Uint8Array when dtype says bool", () => {
      const dwa = createDataWithAxes({ name: "mask", data: [Uint8Array.of(0, 1, 1)], dtype: "bool" });
      assert.equal(dwa.dtype, "bool");
    });

    it("defaults the timestamp to now, in seconds", () => {
      const before = Date.now() / 1000;
      const dwa = createDataWithAxes({ name: "x", data: [zeros(1)] });
      assert.ok(dwa.timestamp >= before && dwa.timestamp <= Date.now() / 1000 + 1);
    });
  });

  describe("refusals (invalid_data naming the field and saying what to fix)", () => {
    it("an empty name", () => {
      assertInvalid(() => createDataWithAxes(valid2D({ name: "" })), "data.name", /non-empty string/);
    });

    it("no arrays", () => {
      assertInvalid(() => createDataWithAxes(valid2D({ data: [] })), "data.data", /at least one array/);
    });

    it("an array whose length does not fit the shape", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ data: [zeros(12), zeros(11)] })),
        "data.data[1]",
        /has 11 values but shape \[3,4\] needs 12/,
      );
    });

    it("an empty shape or a dimension < 1", () => {
      assertInvalid(() => createDataWithAxes(valid2D({ shape: [] })), "data.shape", /at least one dimension/);
      assertInvalid(
        () => createDataWithAxes(valid2D({ shape: [3, 0] })),
        "data.shape[1]",
        /integers >= 1, got 0/,
      );
      assertInvalid(() => createDataWithAxes(valid2D({ shape: [3, 4.5] })), "data.shape[1]", /integers >= 1/);
    });

    it("channels of different dtypes", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ data: [zeros(12), new Float32Array(12)] })),
        "data.data[1]",
        /holds float32 but the data is float64: every channel must have the same dtype/,
      );
    });

    it("a dtype that the arrays do not hold", () => {
      assertInvalid(
        () => createDataWithAxes({ name: "m", data: [zeros(3)], dtype: "bool" }),
        "data.data[0]",
        /holds float64 but the data is bool/,
      );
    });

    it("a channel that is not a numeric typed array", () => {
      assertInvalid(
        () => createDataWithAxes({ name: "m", data: [[1, 2, 3] as unknown as NumericArray] }),
        "data.data[0]",
        /typed array/,
      );
      assertInvalid(
        () =>
          createDataWithAxes({
            name: "m",
            data: [zeros(3), new Uint8ClampedArray(3) as unknown as NumericArray],
          }),
        "data.data[1]",
        /typed array/,
      );
    });

    it("a labels count that differs from the arrays count", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ labels: ["only one"] })),
        "data.labels",
        /1 labels for 2 arrays: give one label per array/,
      );
    });

    it("an axis on a dimension the shape does not have", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ axes: [{ offset: 0, scaling: 1, size: 3, index: 2 }] })),
        "data.axes[0].index",
        /2 is not a dimension of shape \[3,4\]/,
      );
    });

    it("an axis whose size differs from its dimension", () => {
      assertInvalid(
        () =>
          createDataWithAxes(
            valid2D({
              axes: [
                { data: [0, 1, 2, 3], index: 0 },
                { label: "x", offset: 0, scaling: 1, size: 5, index: 1 },
              ],
            }),
          ),
        "data.axes[0]",
        /has 4 values but dimension 0 has 3/,
      );
      assertInvalid(
        () =>
          createDataWithAxes(valid2D({ axes: [{ label: "x", offset: 0, scaling: 1, size: 5, index: 1 }] })),
        "data.axes[0]",
        /axis 'x' has 5 values but dimension 1 has 4/,
      );
    });

    it("an invalid axis, with the axis' own field path", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ axes: [{ offset: 0, scaling: 1, size: 3 }, { data: [] }] })),
        "data.axes[1].data",
        /at least one value/,
      );
    });

    it("a nav index out of range, negative or listed twice", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ navIndexes: [2] })),
        "data.navIndexes[0]",
        /2 is not a dimension of shape \[3,4\]/,
      );
      assertInvalid(
        () => createDataWithAxes(valid2D({ navIndexes: [0, -1] })),
        "data.navIndexes[1]",
        /-1 is not a dimension/,
      );
      assertInvalid(
        () => createDataWithAxes(valid2D({ navIndexes: [1, 1] })),
        "data.navIndexes",
        /lists a dimension twice/,
      );
    });

    it("a dim inconsistent with the shape", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ dim: "Data1D" })),
        "data.dim",
        /Data1D does not fit shape \[3,4\] with navIndexes \[\]: this is Data2D/,
      );
      assertInvalid(
        () => createDataWithAxes({ name: "x", data: [zeros(5)], dim: "Data0D" }),
        "data.dim",
        /Data0D does not fit shape \[5\].*this is Data1D/,
      );
      assertInvalid(
        () => createDataWithAxes(valid2D({ dim: "Data2D", navIndexes: [0] })),
        "data.dim",
        /this is DataND/,
      );
    });

    it("an extra attribute with a name PyMoDAQ reserves", () => {
      for (const name of ["units", "shape", "timestamp", "nav_indexes", "CLASS", "dtype"]) {
        assertInvalid(
          () => createDataWithAxes(valid2D({ extraAttributes: { [name]: 1 } })),
          `data.extraAttributes.${name}`,
          /reserves: rename it/,
        );
      }
    });

    it("a NaN or infinite extra attribute", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ extraAttributes: { gain: Number.NaN } })),
        "data.extraAttributes.gain",
        /must be finite/,
      );
      assertInvalid(
        () => createDataWithAxes(valid2D({ extraAttributes: { gain: Number.NEGATIVE_INFINITY } })),
        "data.extraAttributes.gain",
        /NaN\/Inf/,
      );
    });

    it("a non-finite timestamp", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ timestamp: Number.NaN })),
        "data.timestamp",
        /finite number of seconds/,
      );
    });

    it("errors whose count differs from the channels count, or whose length does not fit", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ errors: [zeros(12)] })),
        "data.errors",
        /1 arrays for 2 channels: give one per channel/,
      );
      assertInvalid(
        () => createDataWithAxes(valid2D({ errors: [zeros(12), zeros(3)] })),
        "data.errors[1]",
        /has 3 values but shape \[3,4\] needs 12/,
      );
    });

    it("a background of another dtype or count than the data", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ background: [zeros(12), new Int16Array(12)] })),
        "data.background[1]",
        /holds int16 but the data is float64/,
      );
      assertInvalid(
        () => createDataWithAxes(valid2D({ background: [zeros(12)] })),
        "data.background",
        /1 arrays for 2 channels/,
      );
    });

    it("uses the caller's field prefix in paths", () => {
      assertInvalid(
        () => createDataWithAxes(valid2D({ labels: [] }), "data[3]"),
        "data[3].labels",
        /0 labels for 2 arrays/,
      );
    });
  });
});

describe("inferDim()", () => {
  it("follows PyMoDAQ's rules", () => {
    assert.equal(inferDim([1], []), "Data0D");
    assert.equal(inferDim([7], []), "Data1D");
    assert.equal(inferDim([1, 1], []), "Data2D");
    assert.equal(inferDim([2, 3, 4], []), "DataND");
    assert.equal(inferDim([1], [0]), "DataND");
  });

  it("zeroPad() pads channel numbers to two digits", () => {
    assert.equal(zeroPad(3, 2), "03");
    assert.equal(zeroPad(12, 2), "12");
    assert.equal(zeroPad(100, 2), "100");
  });
});

describe("createDataToExport()", () => {
  it("gives every DataWithAxes the DataToExport's timestamp unless it has its own", () => {
    const dte = createDataToExport({
      name: "det",
      timestamp: 100.25,
      data: [
        { name: "a", data: [f64(1)] },
        { name: "b", data: [zeros(4)], timestamp: 5 },
      ],
    });
    assert.equal(dte.name, "det");
    assert.equal(dte.timestamp, 100.25);
    assert.equal(dte.data[0]?.timestamp, 100.25);
    assert.equal(dte.data[0]?.dim, "Data0D");
    assert.equal(dte.data[1]?.timestamp, 5);
    assert.equal(dte.data[1]?.dim, "Data1D");
  });

  it("accepts DataWithAxes already built", () => {
    const dwa = createDataWithAxes(valid2D({ axes: [{ offset: 0, scaling: 1, size: 4, index: 1 }] }));
    const dte = createDataToExport({ name: "det", data: [dwa] });
    assert.equal(dte.data[0]?.dim, "Data2D");
    assert.deepEqual([...(dte.data[0]?.axes[0]?.data ?? [])], [0, 1, 2, 3]);
    assert.equal(dte.data[0]?.timestamp, dwa.timestamp);
  });

  it("defaults the timestamp to now, in seconds", () => {
    const before = Date.now() / 1000;
    const dte = createDataToExport({ name: "det", data: [{ name: "a", data: [f64(1)] }] });
    assert.ok(dte.timestamp >= before && dte.timestamp <= Date.now() / 1000 + 1);
  });

  it("refuses an empty name, a non-finite timestamp and no data", () => {
    const data = [{ name: "a", data: [f64(1)] }];
    assertInvalid(() => createDataToExport({ name: "", data }), "name", /non-empty name/);
    assertInvalid(
      () => createDataToExport({ name: "d", timestamp: Number.POSITIVE_INFINITY, data }),
      "timestamp",
      /finite number of seconds/,
    );
    assertInvalid(() => createDataToExport({ name: "d", data: [] }), "data", /at least one DataWithAxes/);
  });

  it("names the faulty DataWithAxes by its position: data[1].axes[0]", () => {
    assertInvalid(
      () =>
        createDataToExport({
          name: "d",
          data: [
            { name: "a", data: [f64(1)] },
            { name: "b", data: [zeros(3)], axes: [{ label: "t", offset: 0, scaling: 1, size: 4 }] },
          ],
        }),
      "data[1].axes[0]",
      /axis 't' has 4 values but dimension 0 has 3/,
    );
  });

  it("refuses a non-finite timestamp on one DataWithAxes, naming it", () => {
    assertInvalid(
      () => createDataToExport({ name: "d", data: [{ name: "a", data: [f64(1)], timestamp: Number.NaN }] }),
      "data[0].timestamp",
      /finite/,
    );
  });
});

describe("createDataWithAxes() limits", () => {
  it("refuses more than 32 dimensions, HDF5's limit", () => {
    const shape = Array.from({ length: 33 }, () => 1);
    assertInvalid(
      () => createDataWithAxes({ name: "deep", data: [new Float64Array(1)], shape }),
      "data.shape",
      /33 dimensions; HDF5 stores at most 32/,
    );
  });
});
