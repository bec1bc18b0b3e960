/** The output formats, apart from the formatter so that parsing them loads no YAML library. */

/**
 * Output formats; auto is a table on a terminal and JSON when piped. wide is
 * the table with every field; name prints one name a line (kubectl's `-o name`).
 */
export const OUTPUT_FORMATS = ["auto", "table", "wide", "json", "yaml", "name"] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = typeof OUTPUT_FORMATS[number];
