import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SaverError } from "../../errors.ts";
import { createAxis } from "../../model/axis.ts";
import { createDataWithAxes } from "../../model/data-with-axes.ts";
import { resolveLayout } from "./layout-flavour.ts";
import { channelsOfV3, dataDimensionV3 } from "./v3-channels.ts";
import { navigationArraysV3, scanTypeOf } from "./v3-scan.ts";
import { capitalize, castArray, checkSaveTypeV3, incrementalNameV3 } from "./v3-tree.ts";

const invalid = (field: string) => (error: unknown) =>
  error instanceof SaverError && error.code === "invalid_data" && error.details.field === field;

describe("resolveLayout()", () => {
  it("defaults to the 4.x layout, and to float64 data in the 3.x one", () => {
    assert.deepEqual(resolveLayout({}), { flavour: "pymodaq4" });
    assert.deepEqual(resolveLayout({ layout: "pymodaq3" }), { flavour: "pymodaq3", dataDtype: "float64" });
    assert.deepEqual(resolveLayout({ layout: "pymodaq3", dataDtype: "uint16" }), {
      flavour: "pymodaq3",
      dataDtype: "uint16",
    });
  });

  it("refuses an unknown layout, a dtype PyMoDAQ 3 does not offer, and dataDtype with pymodaq4", () => {
    assert.throws(() => resolveLayout({ layout: "pymodaq2" as "pymodaq3" }), invalid("layout"));
    assert.throws(() => resolveLayout({ layout: "pymodaq3", dataDtype: "float32" }), invalid("dataDtype"));
    assert.throws(() => resolveLayout({ layout: "pymodaq3", dataDtype: "bool" }), invalid("dataDtype"));
    assert.throws(() => resolveLayout({ dataDtype: "float64" }), invalid("dataDtype"));
  });
});

describe("3.x names", () => {
  it("numbers every incremental group with three digits, channels included", () => {
    assert.equal(incrementalNameV3("detector", 0), "Detector000");
    assert.equal(incrementalNameV3("scan", 12), "Scan012");
    assert.equal(incrementalNameV3("ch", 1), "Ch001");
    assert.equal(incrementalNameV3("move", 3), "Move003");
    assert.equal(capitalize("x_axis"), "X_axis");
  });

  it("knows PyMoDAQ 3's save types only", () => {
    assert.equal(checkSaveTypeV3("logger"), "logger");
    assert.throws(() => checkSaveTypeV3("actuator"), invalid("saveType"));
  });

  it("names scan types as DAQ_Scan 3", () => {
    assert.deepEqual(
      [[3], [3, 2], [3, 2, 2]].map((shape) => scanTypeOf({ shape })),
      ["Scan1D", "Scan2D", "Sequential"],
    );
    assert.equal(scanTypeOf({ shape: [5], distribution: "spread" }), "Tabular");
  });
});

describe("castArray()", () => {
  it("casts like numpy's astype: ints widen to floats, floats truncate toward zero into ints", () => {
    assert.deepEqual(castArray(Uint16Array.of(1, 65535), "float64"), Float64Array.of(1, 65535));
    assert.deepEqual(castArray(Float64Array.of(1.9, -1.9, 300.5), "int16"), Int16Array.of(1, -1, 300));
    assert.deepEqual(castArray(Float64Array.of(2.7, -3.2), "int64"), BigInt64Array.of(2n, -3n));
    assert.deepEqual(castArray(BigInt64Array.of(5n, -6n), "float64"), Float64Array.of(5, -6));
  });

  it("returns the array itself when it already holds the dtype", () => {
    const a = Float64Array.of(1, 2);
    assert.equal(castArray(a, "float64"), a);
    assert.notEqual(castArray(a, "int32"), a);
  });
});

describe("channelsOfV3()", () => {
  const spectrum = createDataWithAxes({
    name: "Spectro",
    data: [Float64Array.of(1, 2, 3), Float64Array.of(4, 5, 6)],
    labels: ["a", ""],
    units: "V",
    axes: [{ label: "wl", units: "nm", data: [1, 2, 3], index: 0 }],
    extraAttributes: { do_plot: true },
  });

  it("gives each array its channel, titled by its label (else as DAQ_Viewer 3 names sub-data)", () => {
    const channels = channelsOfV3(spectrum, "data[0]");
    assert.deepEqual(
      channels.map((c) => c.title),
      ["a", "Spectro_CH001"],
    );
    assert.equal(channels[0]?.dataDimension, "1D");
    assert.deepEqual(
      channels[0]?.axes.map((a) => a.name),
      ["X_axis"],
    );
    assert.deepEqual(Object.keys(channels[1]?.metadata ?? {}), [
      "name",
      "source",
      "distribution",
      "dim",
      "label",
      "units",
      "do_plot",
    ]);
  });

  it("puts a 2D image's row axis in Y_axis and its column axis in X_axis", () => {
    const image = createDataWithAxes({
      name: "Cam",
      data: [new Uint16Array(6)],
      shape: [2, 3],
      axes: [
        createAxis({ label: "col", data: [0, 1, 2], index: 1 }),
        { label: "row", data: [0, 1], index: 0 },
      ],
    });
    const [channel] = channelsOfV3(image, "data[0]");
    assert.deepEqual(
      channel?.axes.map((a) => [a.name, a.axis.label]),
      [
        ["X_axis", "col"],
        ["Y_axis", "row"],
      ],
    );
    assert.deepEqual(channel?.frameShape, [2, 3]);
  });

  it("stores 0D frames without a dimension of their own", () => {
    const [channel] = channelsOfV3(createDataWithAxes({ name: "P", data: [Float64Array.of(1)] }), "data[0]");
    assert.equal(channel?.dataDimension, "0D");
    assert.deepEqual(channel?.frameShape, []);
    assert.equal(dataDimensionV3([4]), "1D");
    assert.equal(dataDimensionV3([2, 2]), "2D");
  });

  it("names N-D snapshot axes as PyMoDAQ 3's reader assigns them: Nav_y_axis on dimension 0", () => {
    const cube = createDataWithAxes({
      name: "Cube",
      data: [new Float64Array(24)],
      shape: [2, 3, 4],
      navIndexes: [0],
      axes: [
        { label: "pos", data: [0, 1], index: 0 },
        { label: "row", data: [0, 1, 2], index: 1 },
        { label: "col", data: [0, 1, 2, 3], index: 2 },
      ],
    });
    const [channel] = channelsOfV3(cube, "data[0]", { navigation: true });
    assert.equal(channel?.dataDimension, "ND");
    assert.deepEqual(
      channel?.axes.map((a) => [a.name, a.axis.label]),
      [
        ["Nav_y_axis", "pos"],
        ["Y_axis", "row"],
        ["X_axis", "col"],
      ],
    );
    assert.throws(() => channelsOfV3(cube, "data[0]"), invalid("data[0].dim"));
    const stack = createDataWithAxes({
      name: "S",
      data: [new Float64Array(6)],
      shape: [2, 3],
      navIndexes: [0],
    });
    assert.throws(() => channelsOfV3(stack, "data[0]", { navigation: true }), invalid("data[0].navIndexes"));
    const trailing = createDataWithAxes({
      name: "T",
      data: [new Float64Array(24)],
      shape: [2, 3, 4],
      navIndexes: [2],
    });
    assert.throws(
      () => channelsOfV3(trailing, "data[0]", { navigation: true }),
      invalid("data[0].navIndexes"),
    );
  });

  it("refuses what the 3.x layout has no node for: error bars, N-D data, two axes on one dimension", () => {
    const withErrors = createDataWithAxes({
      name: "E",
      data: [Float64Array.of(1, 2)],
      errors: [Float64Array.of(0, 0)],
    });
    assert.throws(() => channelsOfV3(withErrors, "data[1]"), invalid("data[1].errors"));
    const nd = createDataWithAxes({ name: "N", data: [new Float64Array(8)], shape: [2, 2, 2] });
    assert.throws(() => channelsOfV3(nd, "data[0]"), invalid("data[0].dim"));
    const spread = createDataWithAxes({
      name: "S",
      data: [Float64Array.of(1, 2)],
      distribution: "spread",
      axes: [
        { label: "x", data: [0, 1], index: 0, spreadOrder: 0 },
        { label: "y", data: [0, 1], index: 0, spreadOrder: 1 },
      ],
    });
    assert.throws(() => channelsOfV3(spread, "data[0]"), invalid("data[0].axes[1]"));
  });
});

describe("navigationArraysV3()", () => {
  const axis = (index: number, data: number[]) => createAxis({ label: `a${index}`, data, index });

  it("writes one Scan_x_axis for 1D scans", () => {
    const arrays = navigationArraysV3({
      title: "",
      settingsXml: "",
      shape: [3],
      navAxes: [axis(0, [1, 2, 3])],
    });
    assert.deepEqual(
      arrays.map((a) => [a.name, a.navIndex, [...a.values]]),
      [["Scan_x_axis", 0, [1, 2, 3]]],
    );
  });

  it("writes every visited position of a 2D scan, x outer, y inner, as DAQ_Scan 3", () => {
    const arrays = navigationArraysV3({
      title: "",
      settingsXml: "",
      shape: [2, 3],
      navAxes: [axis(1, [10, 20, 30]), axis(0, [1, 2])],
    });
    assert.deepEqual(
      arrays.map((a) => [a.name, a.navIndex, [...a.values]]),
      [
        ["Scan_x_axis", 0, [1, 1, 1, 2, 2, 2]],
        ["Scan_y_axis", 1, [10, 20, 30, 10, 20, 30]],
      ],
    );
  });

  it("names the axes of sequential scans by index", () => {
    const arrays = navigationArraysV3({
      title: "",
      settingsXml: "",
      shape: [2, 1, 2],
      navAxes: [axis(0, [0, 1]), axis(1, [5]), axis(2, [7, 8])],
    });
    assert.deepEqual(
      arrays.map((a) => a.name),
      ["Scan_00_axis", "Scan_01_axis", "Scan_02_axis"],
    );
  });

  it("writes each actuator's positions of a Tabular (spread) scan, in spread order", () => {
    const arrays = navigationArraysV3({
      title: "",
      settingsXml: "",
      shape: [3],
      distribution: "spread",
      navAxes: [
        createAxis({ label: "y", data: [4, 5, 6], index: 0, spreadOrder: 1 }),
        createAxis({ label: "x", data: [1, 2, 3], index: 0, spreadOrder: 0 }),
      ],
    });
    assert.deepEqual(
      arrays.map((a) => [a.name, a.navIndex, [...a.values]]),
      [
        ["Scan_00_axis", 0, [1, 2, 3]],
        ["Scan_01_axis", 1, [4, 5, 6]],
      ],
    );
  });
});
