export * from "./axis.ts";
export * from "./data-to-export.ts";
export * from "./data-with-axes.ts";
export * from "./dtype.ts";
export * from "./frame-block.ts";
export * from "./text.ts";
