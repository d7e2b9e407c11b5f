import { existsSync } from "node:fs";
import path from "node:path";
import type { Compression } from "../backend/h5-backend.ts";
import { openH5wasmFile } from "../backend/h5wasm-backend.ts";
import { SaverError } from "../errors.ts";
import {
  createDataWithAxes,
  DATA_DIMS,
  type DataDim,
  type DataWithAxes,
  type DataWithAxesInput,
} from "../model/data-with-axes.ts";
import { addEnlargeableArrays, writeSnapshotArrays } from "./dwa-nodes.ts";
import { ensureFolderOf, pymodaqFilePath } from "./file-naming.ts";
import { arrayNodeName } from "./node-names.ts";
import { PyMoDAQTree, type SaveType } from "./pymodaq-tree.ts";

export interface InitFileOptions {
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
  readonly #rows = new Map<string, number>();

  private constructor(filePath: string, tree: PyMoDAQTree, compression: Compression) {
    this.filePath = filePath;
    this.tree = tree;
    this.#compression = compression;
  }

  /** PyMoDAQ's `init_file(update_h5, custom_naming, addhoc_file_path)`. */
  static async initFile(options: InitFileOptions): Promise<H5Saver> {
    const saveType = options.saveType ?? "scan";
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
    const backend = await openH5wasmFile(filePath, append ? "append" : "create");
    let tree: PyMoDAQTree;
    try {
      tree = append
        ? await PyMoDAQTree.open(backend)
        : await PyMoDAQTree.create(backend, {
            saveType,
            fileName: path.basename(filePath),
            ...(options.metadata ? { metadata: options.metadata } : {}),
          });
    } catch (error) {
      await backend.close().catch(() => undefined);
      throw error;
    }
    return new H5Saver(filePath, tree, options.compression ?? { kind: "none" });
  }

  get rawGroup(): string {
    return this.tree.rawGroup;
  }

  addDetGroup(where: string, title: string, settingsXml = ""): Promise<string> {
    return this.tree.addDetGroup(where, title, settingsXml);
  }

  addScanGroup(title: string, settingsXml = ""): Promise<string> {
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
    return this.tree.addDataGroup(where, name as DataDim);
  }

  addChannelGroup(where: string, title: string): Promise<string> {
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
