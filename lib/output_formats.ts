/** The output formats, apart from the formatter so that parsing them loads no YAML library. */

/** Output formats; auto is a table on a terminal and JSON when piped. */
export const OUTPUT_FORMATS = ["auto", "table", "json", "yaml"] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = typeof OUTPUT_FORMATS[number];
