import { existsSync } from "node:fs";
import path from "node:path";
import type { Compression } from "../backend/h5-backend.ts";
import { openH5File } from "../backend/open-h5-file.ts";
import { SaverError } from "../errors.ts";
import {
  createDataWithAxes,
  DATA_DIMS,
  type DataDim,
  type DataWithAxes,
  type DataWithAxesInput,
} from "../model/data-with-axes.ts";
import type { NumericArray } from "../model/dtype.ts";
import { addEnlargeableArrays, writeSnapshotArrays } from "./dwa-nodes.ts";
import { ensureFolderOf, pymodaqFilePath } from "./file-naming.ts";
import { arrayNodeName } from "./node-names.ts";
import { decodeAttribute, py, pyScalar } from "./pymodaq-attribute.ts";
import { PyMoDAQTree, type SaveType } from "./pymodaq-tree.ts";
import { type LayoutOptions, type ResolvedLayout, resolveLayout } from "./v3/layout-flavour.ts";
import { addAxesV3, channelsOfV3, writeChannelV3 } from "./v3/v3-channels.ts";
import { addNavigationAxisV3 } from "./v3/v3-scan.ts";
import {
  addEArrayV3,
  addIncrementalGroupV3,
  capitalize,
  castArray,
  checkSaveTypeV3,
  createTreeV3,
  getSetDataGroupV3,
  openTreeV3,
} from "./v3/v3-tree.ts";

export interface InitFileOptions extends LayoutOptions {
  /** PyMoDAQ's `base_path`: where automatic names are made. */
  readonly basePath: string;
  readonly saveType?: SaveType;
  /** true: a new file (the next free name); false: add to the current file when it exists. */
  readonly updateH5?: boolean;
  /** A file name of the user's choosing, in `basePath` (PyMoDAQ asks for it in a dialog). */
  readonly customNaming?: string;
  /** Exactly this file (PyMoDAQ's `addhoc_file_path`). */
  readonly addhocFilePath?: string;
  /** `base_name` of non-scan files ('Scan' by default, 'Data' for DAQ_Viewer). */
  readonly baseName?: string;
  readonly compression?: Compression;
  readonly metadata?: Readonly<Record<string, string | number | boolean>>;
}

export interface AddDataOptions {
  /** An EARRAY that grows by one row per call (continuous saving) instead of CARRAYs. */
  readonly enlargeable?: boolean;
  /**
   * pymodaq3 only, with `enlargeable`: the `scan_type` / `scan_subtype` of the Data EARRAY —
   * 'scan1D' and '' (continuous saving) by default; DAQ_Scan 3's adaptive scans pass e.g.
   * 'Scan1D' / 'Adaptive', which makes PyMoDAQ 3 read the navigation axes point by point.
   */
  readonly scanType?: string;
  readonly scanSubtype?: string;
}

export interface NavigationAxisOptions {
  readonly label?: string;
  readonly units?: string;
  /** The scan dimension the axis spans (DAQ_Scan 3: 0 for x, 1 for y; -1 for a curvilinear coordinate). */
  readonly navIndex: number;
  /** An empty EARRAY that `appendNavigation` grows by one position per point (adaptive scans). */
  readonly enlargeable?: boolean;
  readonly title?: string;
}

/**
 * PyMoDAQ's H5Saver API, call for call, in TypeScript names — for code ported from PyMoDAQ
 * that builds the tree itself. `SaverFile` offers the same tree through the three saving modes.
 * Every call writes through to the file; `flush()` makes it readable by others.
 */
export class H5Saver {
  readonly filePath: string;
  readonly tree: PyMoDAQTree;
  readonly #compression: Compression;
  readonly #layout: ResolvedLayout;
  readonly #saveType: SaveType;
  readonly #rows = new Map<string, number>();

  private constructor(
    filePath: string,
    tree: PyMoDAQTree,
    compression: Compression,
    layout: ResolvedLayout,
    saveType: SaveType,
  ) {
    this.filePath = filePath;
    this.tree = tree;
    this.#compression = compression;
    this.#layout = layout;
    this.#saveType = saveType;
  }

  /** PyMoDAQ's `init_file(update_h5, custom_naming, addhoc_file_path)`. */
  static async initFile(options: InitFileOptions): Promise<H5Saver> {
    const saveType = options.saveType ?? "scan";
    const layout = resolveLayout(options);
    if (layout.flavour === "pymodaq3") checkSaveTypeV3(saveType);
    const filePath = options.addhocFilePath
      ? path.resolve(options.basePath, options.addhocFilePath)
      : options.customNaming
        ? path.resolve(
            options.basePath,
            options.customNaming.endsWith(".h5") ? options.customNaming : `${options.customNaming}.h5`,
          )
        : pymodaqFilePath({
            basePath: options.basePath,
            saveType,
            ...(options.baseName ? { baseName: options.baseName } : {}),
          });
    const append = options.updateH5 === false && existsSync(filePath);
    ensureFolderOf(filePath);
    // "create" refuses an existing file: two calls in the same second never overwrite each other
    const backend = await openH5File(filePath, append ? "append" : "create", options.compression);
    let tree: PyMoDAQTree;
    try {
      const create = {
        fileName: path.basename(filePath),
        ...(options.metadata ? { metadata: options.metadata } : {}),
      };
      if (layout.flavour === "pymodaq3") {
        tree = append
          ? await openTreeV3(backend)
          : await createTreeV3(backend, { ...create, saveType: checkSaveTypeV3(saveType) });
      } else {
        tree = append
          ? await PyMoDAQTree.open(backend)
          : await PyMoDAQTree.create(backend, { ...create, saveType });
      }
    } catch (error) {
      await backend.close().catch(() => undefined);
      throw error;
    }
    return new H5Saver(filePath, tree, options.compression ?? { kind: "none" }, layout, saveType);
  }

  get rawGroup(): string {
    return this.tree.rawGroup;
  }

  addDetGroup(where: string, title: string, settingsXml = ""): Promise<string> {
    return this.tree.addDetGroup(where, title, settingsXml);
  }

  /** The next `ScanNNN`; in the pymodaq3 layout with PyMoDAQ 3's `description` (and settings '' when none). */
  addScanGroup(title: string, settingsXml = ""): Promise<string> {
    if (this.#layout.flavour === "pymodaq3") {
      return addIncrementalGroupV3(this.tree, "scan", this.tree.rawGroup, title, settingsXml || undefined, {
        description: py.str(""),
      });
    }
    return this.tree.addScanGroup(title, settingsXml);
  }

  /** `'data1D'` (PyMoDAQ's spelling) or `'Data1D'` → the `Data1D` group of `where`. */
  addDataGroup(where: string, dim: string): Promise<string> {
    const name = `D${dim.slice(1)}`;
    if (!(DATA_DIMS as readonly string[]).includes(name)) {
      throw new SaverError(
        "invalid_data",
        `data group '${dim}' must be one of data0D, data1D, data2D, dataND`,
        { field: "dim" },
      );
    }
    if (this.#layout.flavour === "pymodaq3") return getSetDataGroupV3(this.tree, where, name);
    return this.tree.addDataGroup(where, name as DataDim);
  }

  /** The next `CHnn` (pymodaq3: `ChNNN`, PyMoDAQ 3's `add_CH_group`) of a data-dimension group. */
  addChannelGroup(where: string, title: string): Promise<string> {
    if (this.#layout.flavour === "pymodaq3") {
      return addIncrementalGroupV3(this.tree, "ch", where, title, undefined);
    }
    return this.tree.addChannelGroup(where, title);
  }

  isNodeInGroup(where: string, name: string): Promise<boolean> {
    return this.tree.isNodeInGroup(where, name);
  }

  /**
   * One DataWithAxes into a channel group: CARRAYs `Data00…` with axes, error bars and background,
   * or with `enlargeable` one more row of `EnlData00…` EARRAYs (created, with the axes, on the
   * first call).
   */
  async addData(
    channel: string,
    input: DataWithAxes | DataWithAxesInput,
    options: AddDataOptions = {},
  ): Promise<string[]> {
    const dwa = createDataWithAxes(input);
    if (options.enlargeable && (dwa.errors || dwa.background)) {
      throw new SaverError(
        "invalid_data",
        "addData with enlargeable saves data arrays only: use SaverFile's continuous saving for error bars",
        { field: "errors" },
      );
    }
    if (!(await this.tree.backend.exists(channel))) {
      throw new SaverError("not_found", `no channel group '${channel}'; create it with addChannelGroup`, {
        node: channel,
      });
    }
    if (this.#layout.flavour === "pymodaq3") return [await this.#addDataV3(channel, dwa, options)];
    if (options.scanType !== undefined || options.scanSubtype !== undefined) {
      throw new SaverError(
        "invalid_data",
        "scanType and scanSubtype are PyMoDAQ 3 attributes: leave them out, or open the file with layout 'pymodaq3'",
        { field: "scanType" },
      );
    }
    if (!options.enlargeable) {
      await writeSnapshotArrays(this.tree, channel, dwa, this.#compression);
      return dwa.data.map((_, i) => `${channel}/${arrayNodeName("data", i)}`);
    }
    const paths = dwa.data.map((_, i) => `${channel}/${arrayNodeName("data_enlargeable", i)}`);
    if (!this.#rows.has(channel)) {
      if (await this.tree.backend.exists(paths[0] as string)) {
        this.#rows.set(channel, (await this.tree.backend.datasetInfo(paths[0] as string)).shape[0] ?? 0);
      } else {
        await addEnlargeableArrays(this.tree, channel, dwa, this.#compression);
        this.#rows.set(channel, 0);
      }
    }
    const row = this.#rows.get(channel) ?? 0;
    // check every array before writing any, so that a refused call leaves all rows aligned
    for (const node of paths) {
      const info = await this.tree.backend.datasetInfo(node).catch(() => undefined);
      const rowShape = info?.shape.slice(1) ?? [];
      const fits =
        info !== undefined &&
        rowShape.length === dwa.shape.length &&
        rowShape.every((d, k) => d === dwa.shape[k]) &&
        info.dtype === storedDtype(dwa);
      if (!fits) {
        throw new SaverError(
          "frame_mismatch",
          info
            ? `'${node}' holds ${info.dtype} rows of [${rowShape}] but this data is ${dwa.dtype} [${dwa.shape}]`
            : `'${node}' does not exist: this data has more arrays than the first call to addData`,
          { node },
        );
      }
    }
    for (const [i, array] of dwa.data.entries()) {
      const node = paths[i] as string;
      await this.tree.backend.resize(node, [row + 1, ...dwa.shape]);
      await this.tree.backend.writeSlice(node, [row, ...dwa.shape.map(() => 0)], [1, ...dwa.shape], array);
      await this.tree.setShapeAttribute(node, [row + 1, ...dwa.shape]);
    }
    this.#rows.set(channel, row + 1);
    return paths;
  }

  /**
   * PyMoDAQ 3's `add_data(channel, data_dict, scan_type, enlargeable)`: a 3.x channel holds one
   * array, `Data` (cast to the saving dtype) with its `X_axis`/`Y_axis`/`Bkg`; with `enlargeable`
   * a `Data` EARRAY (scan_type 'scan1D') that grows by one row per call.
   */
  async #addDataV3(channel: string, dwa: DataWithAxes, options: AddDataOptions): Promise<string> {
    if (this.#layout.flavour !== "pymodaq3") throw new SaverError("internal", "not a pymodaq3 file");
    const dtype = this.#layout.dataDtype;
    if (dwa.data.length !== 1) {
      throw new SaverError(
        "invalid_data",
        `'${dwa.name}' has ${dwa.data.length} arrays; a PyMoDAQ 3 channel holds one: call addChannelGroup and addData once per array`,
        { field: "data" },
      );
    }
    const [chan] = channelsOfV3(dwa, "data", { navigation: !options.enlargeable });
    if (!chan) throw new SaverError("internal", "no channel for one array");
    const node = `${channel}/Data`;
    if (!options.enlargeable) {
      return writeChannelV3(this.tree, channel, dwa, 0, chan, { dtype, compression: this.#compression });
    }
    if (dwa.background) {
      throw new SaverError(
        "invalid_data",
        "addData with enlargeable saves data rows only: leave the background out",
        {
          field: "background",
        },
      );
    }
    if (!this.#rows.has(channel)) {
      if (await this.tree.backend.exists(node)) {
        this.#rows.set(channel, (await this.tree.backend.datasetInfo(node)).shape[0] ?? 0);
      } else {
        await addAxesV3(this.tree, channel, chan, this.#compression);
        await addEArrayV3(
          this.tree,
          channel,
          {
            name: "Data",
            type: "data",
            dtype,
            dataDimension: chan.dataDimension,
            scanType: uncapitalize(options.scanType ?? "scan1D"),
            scanSubtype: options.scanSubtype ?? "",
            metadata: chan.metadata,
          },
          chan.frameShape,
          this.#compression,
        );
        this.#rows.set(channel, 0);
      }
    }
    const row = this.#rows.get(channel) ?? 0;
    const info = await this.tree.backend.datasetInfo(node);
    const rowShape = info.shape.slice(1);
    if (rowShape.length !== chan.frameShape.length || rowShape.some((d, k) => d !== chan.frameShape[k])) {
      throw new SaverError(
        "frame_mismatch",
        `'${node}' holds rows of [${rowShape}] but this data is [${chan.frameShape}]`,
        {
          node,
        },
      );
    }
    await this.tree.backend.resize(node, [row + 1, ...rowShape]);
    await this.tree.backend.writeSlice(
      node,
      [row, ...rowShape.map(() => 0)],
      [1, ...rowShape],
      castArray(dwa.data[0] as NumericArray, dtype),
    );
    await this.tree.setShapeAttribute(node, [row + 1, ...rowShape]);
    this.#rows.set(channel, row + 1);
    return node;
  }

  /**
   * pymodaq3 only — PyMoDAQ 3's `add_navigation_axis(data, where, axis)`: `<SaveType>_<axis>`
   * (`Scan_x_axis`, `Scan_y_axis`, `Scan_00_axis` …) holding the scan positions, or with
   * `enlargeable` an empty EARRAY for `appendNavigation` (DAQ_Scan 3's adaptive scans).
   */
  addNavigationAxis(
    where: string,
    axis: string,
    values: readonly number[] | Float64Array,
    options: NavigationAxisOptions,
  ): Promise<string> {
    if (this.#layout.flavour !== "pymodaq3") {
      return Promise.reject(
        new SaverError(
          "failed_precondition",
          "addNavigationAxis writes PyMoDAQ 3's Scan_x_axis arrays: open the file with layout 'pymodaq3' (4.x scans take their axes in SaverFile.beginScan)",
        ),
      );
    }
    if (!/^(x|y|z|time|\d{2}|curvilinear)_axis$/.test(axis)) {
      return Promise.reject(
        new SaverError(
          "invalid_data",
          `navigation axis '${axis}': use x_axis, y_axis, z_axis, time_axis, curvilinear_axis or NN_axis`,
          { field: "axis" },
        ),
      );
    }
    return addNavigationAxisV3(
      this.tree,
      where,
      capitalize(`${this.#saveType}_${axis}`),
      Float64Array.from(values),
      {
        label: options.label ?? "",
        units: options.units ?? "",
        navIndex: options.navIndex,
        ...(options.enlargeable ? { enlargeable: true } : {}),
        ...(options.title ? { title: options.title } : {}),
        compression: this.#compression,
      },
    );
  }

  /** One more position in an enlargeable navigation axis (`nav_axis.append(position)` in DAQ_Scan 3). */
  async appendNavigation(axisPath: string, position: number): Promise<void> {
    const info = await this.tree.backend.datasetInfo(axisPath).catch(() => undefined);
    const type = info ? decodeAttribute((await this.tree.backend.getAttributes(axisPath)).type) : undefined;
    if (!info || type !== "navigation_axis" || info.maxShape[0] !== null || info.shape.length !== 1) {
      throw new SaverError(
        "not_found",
        `'${axisPath}' is not an enlargeable navigation axis; make one with addNavigationAxis({enlargeable: true})`,
        { node: axisPath },
      );
    }
    const row = info.shape[0] ?? 0;
    await this.tree.backend.resize(axisPath, [row + 1]);
    await this.tree.backend.writeSlice(axisPath, [row], [1], Float64Array.of(position));
    await this.tree.setShapeAttribute(axisPath, [row + 1]);
  }

  /**
   * PyMoDAQ's `node.attrs[name] = value` for plain values (str, bool, int, float), stored as
   * PyMoDAQ stores them — e.g. `scan_done` at the end of a scan, `scan_type` on a scan group.
   */
  async setAttributes(
    path: string,
    values: Readonly<Record<string, string | number | boolean>>,
  ): Promise<void> {
    if (!(await this.tree.backend.exists(path))) {
      throw new SaverError("not_found", `no node '${path}' in ${this.filePath}`, { node: path });
    }
    await this.tree.setAttributes(
      path,
      Object.fromEntries(Object.entries(values).map(([name, value]) => [name, pyScalar(value)])),
    );
  }

  addLog(...lines: string[]): Promise<void> {
    return this.tree.addLog(lines);
  }

  flush(): Promise<void> {
    return this.tree.backend.flush();
  }

  async close(): Promise<void> {
    await this.tree.backend.flush();
    await this.tree.backend.close();
  }
}

function storedDtype(dwa: DataWithAxes): string {
  return dwa.dtype === "bool" ? "uint8" : dwa.dtype;
}

/** `utils.uncapitalize`, as PyMoDAQ 3's `add_array` stores `scan_type`: 'Scan1D' → 'scan1D'. */
function uncapitalize(name: string): string {
  return `${name.slice(0, 1).toLowerCase()}${name.slice(1)}`;
}
