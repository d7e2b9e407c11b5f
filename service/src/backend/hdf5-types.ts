import type { DType } from "../model/dtype.ts";

/** HDF5's type classes (H5T_class_t) that h5saver maps. */
export const H5T_INTEGER = 0;
export const H5T_FLOAT = 1;
export const H5T_STRING = 3;

/** HDF5's id of the deflate (gzip) filter. */
export const DEFLATE_FILTER_ID = 1;

/** The DType of an HDF5 type by its class, size and sign; "string", or "other" for what h5saver does not map. */
export function dtypeOfH5Type(typeClass: number, size: number, signed: boolean): DType | "string" | "other" {
  if (typeClass === H5T_STRING) return "string";
  if (typeClass === H5T_FLOAT) {
    if (size === 4) return "float32";
    if (size === 8) return "float64";
  }
  if (typeClass === H5T_INTEGER) {
    const name = `${signed ? "int" : "uint"}${size * 8}`;
    if (["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"].includes(name)) {
      return name as DType;
    }
  }
  return "other";
}
