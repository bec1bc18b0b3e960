/**
 * A forward as platform.yaml writes it (`8080:8080`), parsed. Apart from
 * the forwarding itself so that reading dev settings (list and status do)
 * does not load node:net.
 */
import { usageError } from "../errors.ts";

/** A parsed `local:remote` pair. */
export interface Forward {
  local: number;
  remote: number;
}

/** Parses `8080:8080` or `8080` (same on both ends). */
export function parseForward(text: string): Forward {
  const match = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(text.trim());
  const local = Number(match?.[1]);
  const remote = Number(match?.[2] ?? match?.[1]);
  if (!match || !(local > 0 && local < 65536 && remote > 0 && remote < 65536)) {
    throw usageError(
      `invalid forward ${JSON.stringify(text)}`,
      "write local:remote ports, like 8080:8080",
    );
  }
  return { local, remote };
}
