/**
 * The seed's `.env`: `export KEY=value` lines that `source .env` loads.
 * Reading accepts plain `KEY=value` and quoted values too; writing replaces
 * only the keys given and keeps every other line as it was.
 */

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

/** Parses `.env` text into a map; comments and malformed lines are ignored. */
export function parseDotenv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*#/.test(line)) continue;
    const match = LINE.exec(line);
    if (match) values[match[1]] = unquote(match[2]);
  }
  return values;
}

function unquote(raw: string): string {
  if (raw.length >= 2 && raw.startsWith("'") && raw.endsWith("'")) return raw.slice(1, -1);
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    return raw.slice(1, -1).replace(/\\(["\\$`])/g, "$1");
  }
  return raw.replace(/\s+#.*$/, "");
}

/** Quotes a value so that a POSIX shell reads it back unchanged. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(value) && value !== "") return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Sets `updates` in `.env` text: replaces the line of each key that is
 * there, appends the others, and keeps all other lines byte for byte.
 */
export function updateDotenv(text: string, updates: Record<string, string>): string {
  const pending = new Map(Object.entries(updates));
  const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
  const out = lines.map((line) => {
    const match = LINE.exec(line);
    if (!match || /^\s*#/.test(line) || !pending.has(match[1])) return line;
    const key = match[1];
    const value = pending.get(key)!;
    pending.delete(key);
    return `export ${key}=${shellQuote(value)}`;
  });
  for (const [key, value] of pending) out.push(`export ${key}=${shellQuote(value)}`);
  return out.join("\n") + "\n";
}
