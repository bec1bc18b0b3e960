/**
 * Optique measures display widths with an `Intl.Segmenter` it builds when
 * its module loads, and building the first one loads ICU's break data:
 * about 9 ms of every run, `--help` and `--dry-run` included, although
 * almost everything the CLI measures is ASCII. Imported before optique
 * (commands/optique.ts), this module makes the segmenters built while
 * optique loads deferred ones: ASCII text is split by hand (each character
 * is a grapheme there; "\r\n" is one grapheme but has width 0 either way),
 * and the real segmenter is built the first time other text comes.
 * commands/optique.ts puts the real class back once optique has loaded.
 */

const Real = Intl.Segmenter;

/** A grapheme segmenter that builds ICU's only for text beyond ASCII. */
export class DeferredSegmenter {
  #real: Intl.Segmenter | undefined;
  readonly #locales: string | string[] | undefined;
  readonly #options: Intl.SegmenterOptions | undefined;

  constructor(locales?: string | string[], options?: Intl.SegmenterOptions) {
    this.#locales = locales;
    this.#options = options;
  }

  #segmenter(): Intl.Segmenter {
    return this.#real ??= new Real(this.#locales, this.#options);
  }

  segment(input: string): Iterable<Intl.SegmentData> {
    const granularity = this.#options?.granularity ?? "grapheme";
    if (granularity !== "grapheme" || !isAscii(input)) return this.#segmenter().segment(input);
    return asciiGraphemes(input);
  }

  resolvedOptions(): Intl.ResolvedSegmenterOptions {
    return this.#segmenter().resolvedOptions();
  }
}

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) > 0x7f) return false;
  }
  return true;
}

function* asciiGraphemes(input: string): Generator<Intl.SegmentData> {
  for (let index = 0; index < input.length; index++) {
    yield { segment: input[index], index, input };
  }
}

/** While optique loads, segmenters are deferred ones. */
(Intl as { Segmenter: unknown }).Segmenter = DeferredSegmenter;

/** Puts the real Intl.Segmenter back (after optique has built its own). */
export function restoreSegmenter(): void {
  (Intl as { Segmenter: unknown }).Segmenter = Real;
}
