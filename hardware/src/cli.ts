/** `h5saver simulate` and `h5saver acquire`, dispatched here by the service's `h5saver` command. */
export async function runHardwareCommand(
  command: "simulate" | "acquire",
  _args: readonly string[],
): Promise<void> {
  throw new Error(`h5saver ${command} is not built yet`);
}
