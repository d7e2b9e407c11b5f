/**
 * Stanford Research SR830 lock-in amplifier over RS-232 (SR830 manual, chapter "Remote
 * Programming"): commands end in CR or LF, replies end in CR. After power-up the SR830 sends its
 * replies to GPIB; `OUTX 0` must come first or every query goes unanswered.
 */
export const SR830_COMMANDS = {
  /** Route replies to RS-232. */
  outputToSerial: "OUTX 0",
  identify: "*IDN?",
  frequency: "FREQ?",
  setFrequency: (hz: number) => `FREQ ${hz}`,
  sensitivity: "SENS?",
  setSensitivity: (index: number) => `SENS ${index}`,
  timeConstant: "OFLT?",
  setTimeConstant: (index: number) => `OFLT ${index}`,
  /** X, Y, R, θ and the reference frequency, sampled together. */
  snap: "SNAP? 1,2,3,4,9",
} as const;

/** SNAP? parameter indices (manual, SNAP? table): X=1 Y=2 R=3 θ=4 … ref frequency=9. */
export const SNAP_PARAMETERS = { x: 1, y: 2, r: 3, theta: 4, frequency: 9 } as const;

/** Full-scale sensitivity in volts by SENS index 0 … 26 (2 nV … 1 V, steps 2-5-10). */
export const SENSITIVITY_VOLTS: readonly number[] = Array.from({ length: 27 }, (_, i) =>
  // through a decimal string, so that 1e-4 is 1e-4 and not 10 × 1e-5
  Number(`${[2, 5, 10][i % 3]}e${Math.floor(i / 3) - 9}`),
);

/** Time constant in seconds by OFLT index 0 … 19 (10 µs … 30 ks, steps 1-3). */
export const TIME_CONSTANT_SECONDS: readonly number[] = Array.from({ length: 20 }, (_, i) =>
  Number(`${i % 2 === 0 ? 1 : 3}e${Math.floor(i / 2) - 5}`),
);

/** The SR830's number format: 6 significant digits and a three-digit exponent ("-4.17234e-007"). */
export function formatSr830(value: number): string {
  const [mantissa = "0", exponent = "0"] = value.toExponential(5).split("e");
  const e = Number(exponent);
  return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(3, "0")}`;
}

/** Comma-separated numbers, or undefined when any is not one. */
export function parseNumbers(reply: string, count: number): number[] | undefined {
  const fields = reply.split(",").map((f) => f.trim());
  if (fields.length !== count) return undefined;
  const values = fields.map((f) =>
    /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(f) ? Number(f) : Number.NaN,
  );
  return values.some(Number.isNaN) ? undefined : values;
}
