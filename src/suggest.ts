/** Edit distance between two short strings (commands, options, keys, names): insertions, deletions, substitutions. */
export function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known word closest to a mistyped one, when it is close enough to be what was meant. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: { word: string; score: number } | undefined;
  for (const candidate of known) {
    const score = distance(word.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || score < best.score) best = { word: candidate, score };
  }
  const allowed = Math.max(1, Math.floor(word.length / 3));
  return best !== undefined && (best.score <= allowed || best.word.startsWith(word)) ? best.word : undefined;
}

/**
 * The known words close enough to `word` to be what was meant (at most `allowed` edits away, or
 * starting with it), nearest first, at most `limit` of them.
 */
export function nearest(
  word: string,
  known: readonly string[],
  limit = 3,
  allowed = Math.max(1, Math.floor(word.length / 3)),
): string[] {
  return [...new Set(known)]
    .map((candidate) => ({ candidate, score: distance(word.toLowerCase(), candidate.toLowerCase()) }))
    .filter(({ candidate, score }) => score <= allowed || candidate.startsWith(word))
    .sort((a, b) => a.score - b.score || (a.candidate < b.candidate ? -1 : 1))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}
