import { SaverError } from "../../errors.ts";
import { type DType, isDType } from "../../model/dtype.ts";

/**
 * Which PyMoDAQ layout a file is written in: `pymodaq4` (the default) is the 4.3+/5.x tree
 * (`/RawData/…/CH00/Data00`), `pymodaq3` the 3.x tree (`/Raw_datas/…/Ch000/Data`) that PyMoDAQ
 * 3's H5Browser and readers open. Chosen per file, when it is created.
 */
export const LAYOUT_FLAVOURS = ["pymodaq4", "pymodaq3"] as const;
export type LayoutFlavour = (typeof LAYOUT_FLAVOURS)[number];

/** PyMoDAQ 3's default "Saving dynamic" (`data_saving.data_type.dynamic` in its config). */
export const DEFAULT_DATA_DTYPE_V3: DType = "float64";

/** PyMoDAQ 3's `dynamics` choices: the dtypes its "Saving dynamic" setting offers. */
export const DATA_DTYPES_V3: readonly DType[] = [
  "uint8",
  "int8",
  "uint16",
  "int16",
  "uint32",
  "int32",
  "uint64",
  "int64",
  "float64",
];

export interface LayoutOptions {
  readonly layout?: LayoutFlavour;
  /** pymodaq3 only: the dtype `Data` nodes are cast to (PyMoDAQ 3's "Saving dynamic"); default float64. */
  readonly dataDtype?: DType;
}

export type ResolvedLayout =
  | { readonly flavour: "pymodaq4" }
  | { readonly flavour: "pymodaq3"; readonly dataDtype: DType };

/** Checks the layout options of a file; unknown values and options of the other flavour are refused. */
export function resolveLayout(options: LayoutOptions): ResolvedLayout {
  const flavour = options.layout ?? "pymodaq4";
  if (!(LAYOUT_FLAVOURS as readonly string[]).includes(flavour)) {
    throw new SaverError(
      "invalid_data",
      `layout '${String(flavour)}' is unknown: use ${LAYOUT_FLAVOURS.map((f) => `'${f}'`).join(" or ")}`,
      { field: "layout" },
    );
  }
  if (flavour === "pymodaq4") {
    if (options.dataDtype !== undefined) {
      throw new SaverError(
        "invalid_data",
        "dataDtype casts data the way PyMoDAQ 3 does and applies to the pymodaq3 layout only: leave it out (pymodaq4 keeps each array's dtype) or choose layout 'pymodaq3'",
        { field: "dataDtype" },
      );
    }
    return { flavour };
  }
  const dataDtype = options.dataDtype ?? DEFAULT_DATA_DTYPE_V3;
  if (!isDType(dataDtype) || !DATA_DTYPES_V3.includes(dataDtype)) {
    throw new SaverError(
      "invalid_data",
      `dataDtype '${String(dataDtype)}' is not one of PyMoDAQ 3's saving dynamics: use ${DATA_DTYPES_V3.join(", ")}`,
      { field: "dataDtype" },
    );
  }
  return { flavour, dataDtype };
}
