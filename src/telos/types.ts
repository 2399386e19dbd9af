/** The shapes of the Telos: its files, their items and links, and the problems found in them. */
import { TELOS_FILES, type TelosFile } from "../kernel/paths.ts";
import type { Visibility } from "../kernel/privacy.ts";

/** The ID prefix of each Telos file's items (`G1` in goals.md). */
export const TELOS_PREFIXES: Record<TelosFile, string> = {
  mission: "M",
  goals: "G",
  projects: "P",
  beliefs: "B",
  models: "MO",
  strategies: "S",
  narratives: "N",
  learned: "L",
  challenges: "C",
  ideas: "I",
};

export interface TelosLink {
  rel: string;
  ids: string[];
}

export interface TelosItem {
  id: string;
  prefix: string;
  number: number;
  /** The item's text, without its trailing links. */
  text: string;
  links: TelosLink[];
  /** Relative to PAI_HOME, e.g. "user/telos/goals.md". */
  file: string;
  line: number;
  /** The nearest heading above the item. */
  section?: string;
  /** False under a heading such as "Done", "Archived" or "Paused". */
  active: boolean;
  visibility: Visibility;
}

export interface TelosDoc {
  name: TelosFile | "preferences";
  /** Absolute path. */
  path: string;
  title: string;
  updated?: string;
  visibility: Visibility;
  items: TelosItem[];
  body: string;
  /** 0 when the file is missing. */
  mtimeMs: number;
}

export interface TelosProblem {
  /** Relative to PAI_HOME, e.g. "user/telos/goals.md". */
  file: string;
  line: number;
  message: string;
  severity: "error" | "warning";
}

export interface Telos {
  docs: TelosDoc[];
  /** Every item by ID (the first one when an ID is used twice), in file order then line order. */
  items: Map<string, TelosItem>;
  problems: TelosProblem[];
}

/** The eleven names `pai telos` accepts, in load order. */
export const TELOS_NAMES: (TelosFile | "preferences")[] = [...TELOS_FILES, "preferences"];
