/** The deferred segmenter splits as ICU does wherever optique measures widths. */
import assert from "node:assert/strict";
import { DeferredSegmenter } from "../../commands/deferred_segmenter.ts";
// Loading optique (through the one module that imports it) puts the real class back.
import "../../commands/optique.ts";

const real = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const deferred = new DeferredSegmenter(undefined, { granularity: "grapheme" });

function widthsOf(segmenter: { segment(text: string): Iterable<Intl.SegmentData> }, text: string) {
  return [...segmenter.segment(text)].map(({ segment, index }) => [segment, index]);
}

Deno.test("ASCII splits into characters, as ICU does (but for \\r\\n, one grapheme to ICU)", () => {
  const text = "platform apply dev <USER> --db SECRET\t[OPTIONS...]";
  assert.deepEqual(widthsOf(deferred, text), widthsOf(real, text));
  // Width-wise the same: both halves of \r\n, like the pair, are zero-width control characters.
  assert.deepEqual([...deferred.segment("a\r\nb")].map((s) => s.segment), ["a", "\r", "\n", "b"]);
});

Deno.test("text beyond ASCII goes to ICU: combining marks, wide letters, emoji", () => {
  for (const text of ["Zoë", "e\u0301", "東京 dev", "👩‍💻 ok", "🇩🇪"]) {
    assert.deepEqual(widthsOf(deferred, text), widthsOf(real, text), text);
  }
});

Deno.test("after optique loads, Intl.Segmenter is the real class again", () => {
  assert.ok(!(real instanceof DeferredSegmenter));
  assert.equal(Intl.Segmenter.name, "Segmenter");
});
