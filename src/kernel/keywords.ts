/**
 * Many keywords found in one pass over a text (Aho–Corasick): every keyword in it, overlapping ones and those inside
 * longer ones included, whatever the number of keywords. Matching is case-insensitive (the text is read as its
 * lower case); keywords are ASCII in lower case. The redaction of secrets (redact.ts) finds with it which of
 * gitleaks' rules a text may match.
 */

export interface KeywordAutomaton {
  /**
   * A character code below 128 → its class: one class per character some keyword holds (an upper-case letter in
   * that of its lower case), and 0 for every other character, which leads back to the start from any state.
   */
  classOf: Uint8Array;
  /** Classes per state. */
  width: number;
  /**
   * Transitions: state × class → state: for gitleaks' keywords 1,258 states × 43 classes, 106 KiB (a column per
   * character took 629 KiB, and three times as long to build, some 15 ms in a process's first redaction).
   */
  next: Uint16Array | Int32Array;
  /** The indexes of the lists any of whose keywords ends at a state (through its suffix links), or none. */
  listsAt: (number[] | undefined)[];
}

/** The automaton of `lists` (each a list of keywords in lower case, e.g. one rule's): see the file's header. */
export function keywordAutomaton(lists: readonly (readonly string[])[]): KeywordAutomaton {
  // The characters of the keywords (ASCII, lower case), each a class; an upper-case letter reads as its lower case.
  const classOf = new Uint8Array(128);
  let width = 1;
  let chars = 0;
  for (const list of lists) {
    for (const k of list) {
      chars += k.length;
      for (let j = 0; j < k.length; j++) {
        const c = k.charCodeAt(j);
        if (c < 128 && classOf[c] === 0) classOf[c] = width++;
      }
    }
  }
  for (let c = 65; c <= 90; c++) classOf[c] = classOf[c + 32]!;
  // The trie, one row of `width` transitions per state (-1 where none), in one flat array; the lists whose keyword
  // ends at each state. A keyword with a character that is not ASCII stops there, and is never found.
  const trie = new Int32Array((chars + 1) * width).fill(-1);
  const own: (Set<number> | undefined)[] = [];
  let states = 1;
  lists.forEach((list, i) => {
    for (const k of list) {
      let st = 0;
      for (let j = 0; j < k.length; j++) {
        const c = k.charCodeAt(j);
        if (c >= 128) break;
        const at = st * width + classOf[c]!;
        if (trie[at] === -1) trie[at] = states++;
        st = trie[at]!;
        if (j === k.length - 1) (own[st] ??= new Set()).add(i);
      }
    }
  });
  // Breadth first: each state's suffix link, its lists joined by its suffix's, missing transitions filled (class 0,
  // the characters of no keyword, leads back to the start from every state).
  const link = new Int32Array(states);
  const queue = new Int32Array(states);
  let tail = 0;
  for (let k = 0; k < width; k++) {
    const t = trie[k]!;
    if (t === -1) trie[k] = 0;
    else queue[tail++] = t;
  }
  for (let h = 0; h < tail; h++) {
    const st = queue[h]!;
    const suffix = link[st]!;
    const inherited = own[suffix];
    if (inherited) for (const i of inherited) (own[st] ??= new Set()).add(i);
    for (let k = 0; k < width; k++) {
      const t = trie[st * width + k]!;
      const viaSuffix = trie[suffix * width + k]!;
      if (t === -1) trie[st * width + k] = viaSuffix;
      else {
        link[t] = viaSuffix;
        queue[tail++] = t;
      }
    }
  }
  const used = trie.subarray(0, states * width);
  const listsAt: (number[] | undefined)[] = new Array(states);
  for (let st = 0; st < states; st++) listsAt[st] = own[st] ? [...own[st]!] : undefined;
  return { classOf, width, next: states < 65_536 ? Uint16Array.from(used) : used.slice(), listsAt };
}

const NONE: ReadonlySet<number> = new Set();

/**
 * The indexes of the lists one of whose keywords occurs in `text`. Every text written to memory or a log goes
 * through here (redact.ts), so the common case (plain ASCII, no keyword) is one table lookup per character, nothing
 * allocated.
 */
export function listsWithKeywordsIn(text: string, a: KeywordAutomaton): ReadonlySet<number> {
  let found: Set<number> | undefined;
  const { classOf, width, next, listsAt } = a;
  let st = 0;
  for (let j = 0; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c < 128) {
      st = next[st * width + classOf[c]!]!;
      const rs = listsAt[st];
      if (rs) for (const i of rs) (found ??= new Set()).add(i);
      continue;
    }
    // The lower case of a few characters is ASCII (the Kelvin sign is "k"), or longer than one.
    const low = text[j]!.toLowerCase();
    for (let k = 0; k < low.length; k++) {
      const l = low.charCodeAt(k);
      st = l < 128 ? next[st * width + classOf[l]!]! : 0;
      const rs = listsAt[st];
      if (rs) for (const i of rs) (found ??= new Set()).add(i);
    }
  }
  return found ?? NONE;
}
