/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const prev = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= n; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[n]!;
}

/** The candidate closest to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lw = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(lw, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Estimated tokens of a text: ceil(characters / 4), the usual rule of thumb for English with BPE tokenizers. */
export function estimateTokens(text: string): number {
  return tokensOfChars(text.length);
}

/** The same estimate from a character count (for prompts made of several parts). */
export function tokensOfChars(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Common English function words: they carry no topic and make OR queries slow and noisy. */
export const STOP_WORDS = new Set(
  (
    "a about above after again against all am an and any are aren as at be because been before being below between both but by " +
    "can cannot could couldn did didn do does doesn doing don down during each few for from further had hadn has hasn have " +
    "haven having he her here hers herself him himself his how i if in into is isn it its itself just ll let me more most " +
    "mustn my myself no nor not now of off on once only or other ought our ours ourselves out over own re same shan she " +
    "should shouldn so some such than that the their theirs them themselves then there these they this those through to too " +
    "under until up ve very was wasn we were weren what when where which while who whom why will with won would wouldn you " +
    "your yours yourself yourselves s t d m o y also get got go going gone went ever much many like really well yes yeah oh " +
    "hey hi ok okay"
  ).split(" "),
);
