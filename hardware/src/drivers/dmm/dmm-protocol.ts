/**
 * The SCPI commands of a bench DMM measuring DC volts, for the two command sets h5saver knows:
 * Keysight 34465A/34461A (Truevolt) and Keithley 2000. Replies end in "\n".
 */
export interface DmmCommands {
  readonly identify: string;
  readonly clear: string;
  /** Configure DC volts with autorange. */
  readonly configureDcVolts: string;
  readonly nplc: (cycles: number) => string;
  readonly read: string;
  readonly nextError: string;
}

export const DMM_DIALECTS = {
  keysight: {
    identify: "*IDN?",
    clear: "*CLS",
    configureDcVolts: "CONF:VOLT:DC AUTO",
    nplc: (cycles: number) => `VOLT:DC:NPLC ${cycles}`,
    read: "READ?",
    nextError: "SYST:ERR?",
  },
  keithley: {
    identify: "*IDN?",
    clear: "*CLS",
    configureDcVolts: ":CONF:VOLT:DC",
    nplc: (cycles: number) => `:SENS:VOLT:DC:NPLC ${cycles}`,
    read: ":READ?",
    nextError: ":SYST:ERR?",
  },
} as const satisfies Record<string, DmmCommands>;

export type DmmDialect = keyof typeof DMM_DIALECTS;

/** SCPI instruments report an overload as ±9.9E37 (Keysight 34465A manual, "Overload"). */
export const SCPI_OVERLOAD = 9.9e37;

/** Power-line frequency used to turn NPLC into an integration time. */
export const LINE_FREQUENCY_HZ = 50;

/** A reading as a number; overloads become ±Infinity, anything unparsable undefined. */
export function parseReading(reply: string): number | undefined {
  const first = reply.split(",")[0]?.trim() ?? "";
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(first)) return undefined;
  const value = Number(first);
  if (Math.abs(value) >= SCPI_OVERLOAD)
    return value > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return value;
}

/** `maker,model,serial,firmware` (IEEE 488.2 *IDN? reply), or undefined. */
export function parseIdentity(
  reply: string,
): { maker: string; model: string; serial: string; firmware: string } | undefined {
  const fields = reply.split(",").map((f) => f.trim());
  if (fields.length !== 4 || fields.some((f) => f === "")) return undefined;
  const [maker, model, serial, firmware] = fields as [string, string, string, string];
  return { maker, model, serial, firmware };
}
