/**
 * Packing slip fonts: which Unicode font prints which character (pure: no file access, no PDF library).
 *
 * Text a standard PDF font can encode (WinAnsi: English and Western European Latin) is printed with
 * Helvetica, exactly as before: a Latin-only slip loads no font file. Any other string is split into runs,
 * one font per run, chosen by script with a fallback chain (the first font of the chain that has the
 * glyph): Noto Sans (Latin with any diacritics, Greek, Cyrillic, Vietnamese), Noto Naskh Arabic, Noto Sans
 * Hebrew, Thai and Devanagari, and Noto Sans SC/TC/JP/KR for Chinese (simplified, traditional), Japanese and Korean.
 * Han characters shared by the CJK fonts take the font of the address's country (CN/SG simplified,
 * TW/HK/MO traditional, JP Japanese, KR Korean), or the language the string itself shows (kana: Japanese,
 * hangul: Korean), simplified Chinese otherwise.
 *
 * The font files come from pinned npm packages (SLIP_FONTS below). lib/bundling copies them into the
 * `fonts/` folder next to the Dispatch bundle (the Lambda asset and the local runtime's bundle cache);
 * suppliers/services/slip-fonts.ts reads one only when a slip needs it and embeds it as a subset.
 */

export type SlipFontId = 'latin' | 'arabic' | 'hebrew' | 'thai' | 'devanagari' | 'sc' | 'tc' | 'jp' | 'kr';

/** A font file: its npm package and its path inside the package. */
export interface SlipFontFile {
  readonly pkg: string;
  readonly path: string;
}

export interface SlipFontFace {
  readonly regular: SlipFontFile;
  /** The bold face, when shipped; bold text in a font without one is printed regular. */
  readonly bold?: SlipFontFile | undefined;
}

/** The folder, next to the bundle (index.mjs), that holds the font files. */
export const SLIP_FONT_DIR = 'fonts';
/** fontkit bundled on its own in that folder (imported only when a slip needs a Unicode font). */
export const FONTKIT_MODULE = 'fontkit.mjs';

export const SLIP_FONTS: Readonly<Record<SlipFontId, SlipFontFace>> = {
  latin: {
    regular: { pkg: '@embedpdf/fonts-latin', path: 'fonts/NotoSans-Regular.ttf' },
    bold: { pkg: '@embedpdf/fonts-latin', path: 'fonts/NotoSans-Bold.ttf' },
  },
  arabic: {
    regular: { pkg: '@embedpdf/fonts-arabic', path: 'fonts/NotoNaskhArabic-Regular.ttf' },
    bold: { pkg: '@embedpdf/fonts-arabic', path: 'fonts/NotoNaskhArabic-Bold.ttf' },
  },
  hebrew: {
    regular: { pkg: '@embedpdf/fonts-hebrew', path: 'fonts/NotoSansHebrew-Regular.ttf' },
    bold: { pkg: '@embedpdf/fonts-hebrew', path: 'fonts/NotoSansHebrew-Bold.ttf' },
  },
  thai: { regular: { pkg: '@expo-google-fonts/noto-sans-thai', path: '400Regular/NotoSansThai_400Regular.ttf' } },
  devanagari: { regular: { pkg: '@expo-google-fonts/noto-sans-devanagari', path: '400Regular/NotoSansDevanagari_400Regular.ttf' } },
  // TrueType (glyf) CJK fonts: fontkit's CFF subsetter drew wrong outlines for some Hangul syllables of
  // the CFF (.otf) Noto Sans CJK; TrueType subsets are checked outline by outline in the tests.
  sc: { regular: { pkg: '@expo-google-fonts/noto-sans-sc', path: '400Regular/NotoSansSC_400Regular.ttf' } },
  tc: { regular: { pkg: '@expo-google-fonts/noto-sans-tc', path: '400Regular/NotoSansTC_400Regular.ttf' } },
  jp: { regular: { pkg: '@expo-google-fonts/noto-sans-jp', path: '400Regular/NotoSansJP_400Regular.ttf' } },
  kr: { regular: { pkg: '@expo-google-fonts/noto-sans-kr', path: '400Regular/NotoSansKR_400Regular.ttf' } },
};

/** Every font file a slip may use (what the bundle ships). */
export function slipFontFiles(): SlipFontFile[] {
  return Object.values(SLIP_FONTS).flatMap((face) => (face.bold === undefined ? [face.regular] : [face.regular, face.bold]));
}

/** The file's name in the bundle's fonts folder. */
export function slipFontFileName(file: SlipFontFile): string {
  return file.path.slice(file.path.lastIndexOf('/') + 1);
}

export type CjkFont = 'sc' | 'tc' | 'jp' | 'kr';

const CJK_BY_COUNTRY: Readonly<Record<string, CjkFont>> = { CN: 'sc', SG: 'sc', TW: 'tc', HK: 'tc', MO: 'tc', JP: 'jp', KR: 'kr' };

/** The CJK font for Han characters: the string's own kana/hangul first, then the country, else simplified. */
export function cjkFontFor(text: string, country?: string): CjkFont {
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)) return 'jp';
  if (/\p{Script=Hangul}/u.test(text)) return 'kr';
  return CJK_BY_COUNTRY[(country ?? '').toUpperCase()] ?? 'sc';
}

/** Fonts by script, best first (no font for a script outside this list: emoji, Georgian, ... print as `?`). */
const SCRIPT_FONTS: readonly (readonly [RegExp, readonly SlipFontId[]])[] = [
  [/[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u, ['latin']],
  [/\p{Script=Arabic}/u, ['arabic']],
  [/\p{Script=Hebrew}/u, ['hebrew']],
  [/\p{Script=Thai}/u, ['thai']],
  [/\p{Script=Devanagari}/u, ['devanagari']],
  [/\p{Script=Hangul}/u, ['kr']],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, ['jp', 'kr']],
];

const HAN_CHAINS: Readonly<Record<CjkFont, readonly SlipFontId[]>> = {
  sc: ['sc', 'tc', 'jp', 'kr'],
  tc: ['tc', 'sc', 'jp', 'kr'],
  jp: ['jp', 'sc', 'tc', 'kr'],
  kr: ['kr', 'tc', 'sc', 'jp'],
};

/** True for characters of no script of their own (spaces, digits, punctuation, combining marks). */
export function isNeutral(ch: string): boolean {
  return /^[\p{Script=Common}\p{Script=Inherited}]$/u.test(ch);
}

/** The fonts to try for one character, best first. */
export function fontChain(ch: string, cjk: CjkFont): readonly SlipFontId[] {
  if (/\p{Script=Han}/u.test(ch) || /[\u3000-\u303f\uff00-\uffef]/u.test(ch)) return HAN_CHAINS[cjk];
  for (const [re, fonts] of SCRIPT_FONTS) if (re.test(ch)) return fonts;
  // Symbols and punctuation: Noto Sans has most of them; pictographs (emoji) no font of the slip has.
  return isNeutral(ch) && !/\p{Extended_Pictographic}/u.test(ch) ? ['latin'] : [];
}

export interface FontRun {
  /** undefined: no font has the character (the renderer substitutes it). */
  readonly font: SlipFontId | undefined;
  readonly text: string;
}

/**
 * Split `text` into runs of one font. A character takes the first font of its chain that `covers` it;
 * a neutral character (space, digit, punctuation, combining mark) stays in the run before it when that
 * font covers it (else the run after it), so a name or a street is not cut into fonts at every space.
 */
export function fontRuns(text: string, cjk: CjkFont, covers: (font: SlipFontId, codePoint: number) => boolean): FontRun[] {
  const chars = [...text];
  const pick = (ch: string): SlipFontId | undefined => fontChain(ch, cjk).find((f) => covers(f, ch.codePointAt(0) ?? 0));
  const fonts: (SlipFontId | undefined)[] = chars.map((ch) => (isNeutral(ch) ? undefined : pick(ch)));
  const strong = fonts.map((f, i) => f !== undefined || !isNeutral(chars[i] ?? ''));
  for (let i = 0; i < chars.length; i++) {
    if (strong[i] === true) continue;
    const cp = chars[i]?.codePointAt(0) ?? 0;
    const before = i > 0 ? fonts[i - 1] : undefined;
    let after: SlipFontId | undefined;
    for (let j = i + 1; j < chars.length && after === undefined; j++) if (strong[j] === true) after = fonts[j];
    const candidates = [before, after].filter((f): f is SlipFontId => f !== undefined);
    fonts[i] = candidates.find((f) => covers(f, cp)) ?? pick(chars[i] ?? '');
  }
  const runs: { font: SlipFontId | undefined; text: string }[] = [];
  chars.forEach((ch, i) => {
    const font = fonts[i];
    const last = runs[runs.length - 1];
    if (last !== undefined && last.font === font) last.text += ch;
    else runs.push({ font, text: ch });
  });
  return runs;
}
