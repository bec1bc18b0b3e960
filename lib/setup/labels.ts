/** The labels on what setup creates itself, so destroy finds exactly that and nothing else. */
import { LABELS, MANAGER } from "../identity.ts";

/** Label key and value marking objects setup created. */
export const PART_OF_SETUP = { key: "platform.dev/part-of", value: "setup" } as const;

/** Labels on every object setup creates. */
export const SETUP_LABELS: Record<string, string> = {
  [LABELS.managedBy]: MANAGER,
  [PART_OF_SETUP.key]: PART_OF_SETUP.value,
};

/** The selector of objects setup created. */
export const SETUP_SELECTOR = `${PART_OF_SETUP.key}=${PART_OF_SETUP.value}`;
