/** The examples section of a verb's `--help`. */
import { lineBreak, type Message, type MessageTerm, text } from "./optique.ts";

/** A help footer listing example command lines, each with an optional note. */
export function examples(...lines: [command: string, note?: string][]): Message {
  const width = Math.max(...lines.map(([line]) => line.length));
  const terms: MessageTerm[] = [text("Examples:")];
  for (const [line, note] of lines) {
    terms.push(lineBreak(), text(`  ${note ? `${line.padEnd(width)}  # ${note}` : line}`));
  }
  return terms;
}
