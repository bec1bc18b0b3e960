/** The session drivers, by name; the names are the CLI's --driver choices. */
import { usageError } from "../../lib/errors.ts";
import { builtinDriver } from "./builtin.ts";
import type { SessionDriver } from "./driver.ts";
import { mirrordDriver } from "./mirrord.ts";
import { oktetoDriver } from "./okteto.ts";
import { telepresenceDriver } from "./telepresence.ts";

/** Every driver; the first is the default. */
export const DRIVERS: readonly SessionDriver[] = [
  builtinDriver,
  oktetoDriver,
  telepresenceDriver,
  mirrordDriver,
];

/** Driver names for the CLI's choice(). */
export const DRIVER_NAMES: readonly string[] = DRIVERS.map((driver) => driver.name);

/** The driver of a name; usage error otherwise. */
export function driverNamed(name: string): SessionDriver {
  const driver = DRIVERS.find((candidate) => candidate.name === name);
  if (!driver) {
    throw usageError(
      `unknown session driver ${JSON.stringify(name)}`,
      `use one of ${DRIVER_NAMES.join(", ")}`,
    );
  }
  return driver;
}
