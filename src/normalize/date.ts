/**
 * Feed dates in the dialects real feeds use, without the host's locale or
 * time zone ever mattering (no `Date.parse` on free-form text). A date we
 * cannot read with confidence is null, and normalize falls back to the
 * first-seen time (Entry.dateInferred says so); a guess is never made where
 * the order of day and month is ambiguous.
 *
 * - RFC 822 / 2822 (RSS 2.0 §"Elements of <item>") and its corruptions:
 *   missing day name or comma, two-digit years (RFC 2822 §4.3: 00-49 -> 20xx,
 *   50-99 -> 19xx), missing seconds, fractional seconds, a trailing comment
 *   "(UTC)", named zones (EST, PDT, BST, CEST, JST...), military zones (RFC 2822
 *   §4.3 says to read them as -0000, since RFC 822 had their signs backwards),
 *   "GMT+2", "UTC-05:00", RFC 850 "Monday, 02-Jan-06", asctime "Mon Jan  2
 *   15:04:05 2006", Twitter/Ruby "Mon Jan 02 15:04:05 +0000 2006", month-first
 *   "April 5, 2022 3:04 PM", ordinals, "14h30";
 * - RFC 3339 / ISO 8601 (Atom, JSON Feed): offsets +05:30, +0530, +05 and the
 *   broken +00:0, fractions, a space instead of T, lowercase t/z, basic format
 *   20220405T100442Z, date only, no zone;
 * - numeric dates: 2020/1/10 and 2020.01.10 (year first), 10.01.2020 (day first,
 *   the dotted European convention), and d/m/y or m/d/y only when one part is
 *   over 12;
 * - CJK: 2020年1月10日 14:33 and 2020년 1월 10일;
 * - month names in English, French, German, Spanish, Italian, Portuguese, Dutch,
 *   Swedish, Danish, Norwegian, Polish, Czech, Slovak, Russian, Ukrainian,
 *   Turkish, Indonesian, Romanian and Hungarian (day names are ignored);
 * - Unix timestamps in seconds or milliseconds.
 *
 * A date with no zone is read as UTC: consistent, if not always right
 * (Liferea #1174). Miniflux's date package lists about 290 layouts; the cases
 * in test/normalize/date.test.ts are modeled on the families it covers.
 */

const MONTHS = new Map<string, number>();
const monthNames: string[][] = [
  ['jan', 'january', 'janv', 'janvier', 'januar', 'jän', 'jänner', 'ene', 'enero', 'gen', 'gennaio', 'janeiro', 'januari', 'sty', 'styczeń', 'stycznia',
    'leden', 'ledna', 'január', 'januára', 'янв', 'январь', 'января', 'січ', 'січня', 'oca', 'ocak', 'ian', 'ianuarie', 'tammikuu'],
  ['feb', 'february', 'févr', 'fevr', 'fév', 'février', 'fevrier', 'februar', 'febrero', 'febbraio', 'fev', 'fevereiro', 'februari', 'lut', 'luty', 'lutego',
    'únor', 'února', 'február', 'februára', 'фев', 'февраль', 'февраля', 'лют', 'лютого', 'şub', 'şubat', 'februarie', 'helmikuu'],
  ['mar', 'march', 'mars', 'märz', 'maerz', 'mär', 'mrz', 'marzo', 'março', 'marco', 'maart', 'mrt', 'marts', 'marzec', 'marca', 'březen', 'března',
    'marec', 'мар', 'март', 'марта', 'бер', 'березня', 'mart', 'maret', 'martie', 'március', 'maaliskuu'],
  ['apr', 'april', 'avr', 'avril', 'abr', 'abril', 'aprile', 'kwi', 'kwiecień', 'kwietnia', 'duben', 'dubna', 'apríl', 'apríla', 'апр', 'апрель', 'апреля',
    'кві', 'квітня', 'nis', 'nisan', 'aprilie', 'április', 'huhtikuu'],
  ['may', 'mai', 'mayo', 'mag', 'maggio', 'maio', 'mei', 'maj', 'maja', 'květen', 'května', 'máj', 'mája', 'мая', 'май', 'тра', 'травня', 'mayıs', 'május', 'toukokuu'],
  ['jun', 'june', 'juin', 'juni', 'junio', 'giu', 'giugno', 'junho', 'cze', 'czerwiec', 'czerwca', 'červen', 'června', 'jún', 'júna', 'июн', 'июнь', 'июня',
    'чер', 'червня', 'haz', 'haziran', 'iunie', 'június', 'kesäkuu'],
  ['jul', 'july', 'juil', 'juillet', 'juli', 'julio', 'lug', 'luglio', 'julho', 'lip', 'lipiec', 'lipca', 'červenec', 'července', 'júl', 'júla', 'июл', 'июль',
    'июля', 'лип', 'липня', 'tem', 'temmuz', 'iulie', 'július', 'heinäkuu'],
  ['aug', 'august', 'août', 'aout', 'ago', 'agosto', 'augustus', 'augusti', 'sie', 'sierpień', 'sierpnia', 'srpen', 'srpna', 'augusta', 'авг', 'август',
    'августа', 'сер', 'серпня', 'ağu', 'ağustos', 'agustus', 'augusztus', 'elokuu'],
  ['sep', 'sept', 'september', 'septembre', 'septiembre', 'setiembre', 'set', 'settembre', 'setembro', 'wrz', 'wrzesień', 'września', 'září', 'septembra',
    'сен', 'сент', 'сентябрь', 'сентября', 'вер', 'вересня', 'eyl', 'eylül', 'septembrie', 'szeptember', 'syyskuu'],
  ['oct', 'october', 'octobre', 'okt', 'oktober', 'octubre', 'ott', 'ottobre', 'out', 'outubro', 'paź', 'październik', 'października', 'říjen', 'října',
    'október', 'októbra', 'окт', 'октябрь', 'октября', 'жов', 'жовтня', 'eki', 'ekim', 'octombrie', 'lokakuu'],
  ['nov', 'november', 'novembre', 'noviembre', 'novembro', 'lis', 'listopad', 'listopada', 'listopadu', 'novembra', 'ноя', 'ноябрь', 'ноября', 'лис',
    'листопада', 'kas', 'kasım', 'noiembrie', 'marraskuu'],
  ['dec', 'december', 'déc', 'decembre', 'décembre', 'dez', 'dezember', 'dic', 'diciembre', 'dicembre', 'dezembro', 'des', 'desember', 'gru', 'grudzień',
    'grudnia', 'prosinec', 'prosince', 'decembra', 'дек', 'декабрь', 'декабря', 'гру', 'грудня', 'ara', 'aralık', 'decembrie', 'joulukuu'],
];
monthNames.forEach((names, i) => names.forEach((n) => MONTHS.set(n, i)));

/** Zone abbreviations -> minutes east of UTC. Ambiguous ones take their most common reading in feeds. */
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, wet: 0, bst: 60, ist: 330, cet: 60, met: 60, mez: 60, cest: 120, mest: 120, mesz: 120,
  west: 60, eet: 120, eest: 180, msk: 180, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360,
  pst: -480, pdt: -420, akst: -540, akdt: -480, hst: -600, ast: -240, adt: -180, nst: -210, ndt: -150,
  jst: 540, kst: 540, hkt: 480, sgt: 480, awst: 480, acst: 570, acdt: 630, aest: 600, aedt: 660, nzst: 720, nzdt: 780,
  wib: 420, wita: 480, wit: 540, pht: 480, ict: 420, brt: -180, art: -180,
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): Date | null {
  if (!(y >= 1000 && y <= 9999) || mo < 0 || mo > 11 || d < 1 || h > 24 || mi > 59 || s > 60) return null;
  // Reject rollovers such as 31 February.
  if (d > (mo === 1 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : DAYS_IN_MONTH[mo])) return null;
  // A leap second (23:59:60) is read as :59, which is what most clocks show.
  const t = Date.UTC(y, mo, d, h, mi, Math.min(s, 59), ms) - offsetMin * 60_000;
  return Number.isNaN(t) ? null : new Date(t);
}

/** "+0530", "+05:30", "+05", "-5", and the broken "+00:0"; null when not an offset. */
function parseOffset(z: string): number | null {
  const m = /^([+\u2212-])(\d{1,2})(?::?(\d{1,2}))?$/.exec(z);
  if (!m) return null;
  const v = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (v > 18 * 60) return null;
  return m[1] === '+' ? v : -v; // '-' or U+2212 MINUS SIGN
}

const fraction = (f: string | undefined) => (f ? Math.round(Number(`0.${f}`) * 1000) : 0);

// ---- fast paths: the two forms nearly every feed uses -----------------------------------

const RFC822 = /^(?:[A-Za-z]{3},?\s+)?(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(GMT|UTC|UT|Z|[+-]\d{4})?$/;
const ISO = /^(\d{4})-?(\d{2})-?(\d{2})(?:[Tt\s]+(\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*([Zz]|UTC|GMT|[+\u2212-]\d{1,2}(?::?\d{1,2})?)?$/;

function parseRfc822Fast(s: string): Date | null | undefined {
  const m = RFC822.exec(s);
  if (!m) return undefined;
  const mo = MONTHS.get(m[2].toLowerCase());
  if (mo === undefined) return undefined;
  const zone = m[7];
  const offset = !zone || /^(gmt|utc|ut|z)$/i.test(zone) ? 0 : parseOffset(zone);
  if (offset === null) return undefined;
  return utc(Number(m[3]), mo, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), 0, offset);
}

function parseIso(s: string): Date | null | undefined {
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  let offset = 0;
  if (zone && !/^(z|utc|gmt)$/i.test(zone)) {
    const o = parseOffset(zone);
    if (o === null) return null;
    offset = o;
  }
  return utc(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0), fraction(frac), offset);
}

// ---- numeric and CJK dates ---------------------------------------------------------------

const NUMERIC = /^(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})(?:[T\s,]+(.*))?$/;

function twoDigitYear(y: number): number {
  return y < 50 ? 2000 + y : 1900 + y;
}

/** Time and zone after a date: "14:33", "14:33:00.5 +0800", "2:04 PM EST", "14h30". */
function parseTimeAndZone(rest: string | undefined): { h: number; mi: number; s: number; ms: number; offset: number } | null {
  if (!rest || !rest.trim()) return { h: 0, mi: 0, s: 0, ms: 0, offset: 0 };
  const t = readClock(rest.trim().toLowerCase().split(/\s+/));
  return t && t.rest.length === 0 ? t : null;
}

function readClock(tokens: string[]): { h: number; mi: number; s: number; ms: number; offset: number; rest: string[] } | null {
  let h = 0, mi = 0, s = 0, ms = 0, offset = 0;
  let pm: boolean | null = null;
  let seenTime = false;
  const rest: string[] = [];
  for (const tok of tokens) {
    const time = /^(\d{1,2})[:h](\d{2})(?::(\d{2})(?:[.,](\d+))?)?(am|pm|a\.m\.?|p\.m\.?)?$/.exec(tok);
    if (time && !seenTime) {
      seenTime = true;
      h = Number(time[1]);
      mi = Number(time[2]);
      s = Number(time[3] ?? 0);
      ms = fraction(time[4]);
      if (time[5]) pm = time[5].startsWith('p');
      continue;
    }
    if (/^(am|pm|a\.m\.?|p\.m\.?)$/.test(tok)) {
      pm = tok.startsWith('p');
      continue;
    }
    const off = parseOffset(tok);
    if (off !== null && /^[+\u2212-]/.test(tok)) {
      offset = off;
      continue;
    }
    const named = /^\(?([a-z]{1,5})\)?$/.exec(tok);
    if (named && named[1] in ZONES) {
      offset = ZONES[named[1]];
      continue;
    }
    const gmtOff = /^(?:gmt|utc|ut)([+-]\d{1,2}(?::?\d{2})?)$/.exec(tok);
    if (gmtOff) {
      offset = parseOffset(gmtOff[1])!;
      continue;
    }
    rest.push(tok);
  }
  if (pm !== null) {
    if (h > 12) return null;
    if (pm && h < 12) h += 12;
    if (!pm && h === 12) h = 0;
  }
  return { h, mi, s, ms, offset, rest };
}

function parseNumeric(s: string): Date | null | undefined {
  const m = NUMERIC.exec(s);
  if (!m) return undefined;
  const [, a, sep, b, c, rest] = m;
  let y: number, mo: number, d: number;
  if (a.length === 4) {
    // Year first (ISO order, also Chinese and Japanese sites): Y/M/D.
    [y, mo, d] = [Number(a), Number(b), Number(c)];
  } else if (c.length === 4 || c.length === 2) {
    const p = Number(a), q = Number(b);
    y = c.length === 4 ? Number(c) : twoDigitYear(Number(c));
    if (sep === '.') [d, mo] = [p, q]; // 10.01.2020 is day first wherever dots are used
    else if (p > 12 && q <= 12) [d, mo] = [p, q];
    else if (q > 12 && p <= 12) [d, mo] = [q, p];
    else return null; // 03/04/2020: March or April? Not guessed.
  } else return undefined;
  const t = parseTimeAndZone(rest);
  if (!t) return null;
  return utc(y, mo - 1, d, t.h, t.mi, t.s, t.ms, t.offset);
}

const CJK = /^(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일号]?\s*(.*)$/;

function parseCjk(s: string): Date | null | undefined {
  const m = CJK.exec(s);
  if (!m) return undefined;
  // 下午/오후 = afternoon, 上午/오전 = morning; 时/分/秒 and 시/분/초 as separators.
  let rest = m[4].replace(/[时時시]/g, ':').replace(/[分분]/g, ':').replace(/[秒초]/g, '').replace(/:(\s|$)/g, '$1').replace(/^\(.\)\s*|^（.）\s*/, '');
  let pm: boolean | null = null;
  if (/^(下午|午後|오후)/.test(rest)) pm = true;
  else if (/^(上午|午前|오전)/.test(rest)) pm = false;
  rest = rest.replace(/^(下午|午後|오후|上午|午前|오전)\s*/, '');
  const t = parseTimeAndZone(rest);
  if (!t) return null;
  let h = t.h;
  if (pm === true && h < 12) h += 12;
  if (pm === false && h === 12) h = 0;
  return utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), h, t.mi, t.s, t.ms, t.offset);
}

// ---- textual dates by token classes ---------------------------------------------------------

/** RFC 822-like and "Month D, YYYY" forms, in any of the languages above. */
function parseTokens(input: string): Date | null {
  let s = input.toLowerCase().normalize('NFC');
  s = s.replace(/\([^)]*\)\s*$/, (c) => (/^\([a-z]{1,5}\)$/.test(c.trim()) ? c : '')); // trailing comment, unless it is a zone
  // "05-Apr-2022", "5/Apr/2022", "5.apr.2022"
  s = s.replace(/(\d)[-/.]([\p{L}]{3,})\.?[-/.](\d)/u, '$1 $2 $3');
  // "GMT+2", "UTC -05:00" -> offset
  s = s.replace(/\b(?:gmt|utc|ut)\s*([+-]\d{1,2}(?::?\d{2})?)\b/, (_, o: string) => ` ${o}`);
  const tokens = s.split(/[\s,]+/).filter(Boolean);
  let month: number | null = null;
  const nums: string[] = [];
  const other: string[] = [];
  for (let raw of tokens) {
    raw = raw.replace(/\.$/, '');
    if (!raw) continue;
    if (/^\d+(st|nd|rd|th|er|e|º|ª)?$/.test(raw)) {
      nums.push(raw.replace(/\D+$/, ''));
      continue;
    }
    const mo = MONTHS.get(raw);
    if (mo !== undefined) {
      // With two month names ("mar 05 abr 2022": Spanish martes, then abril), the later one is the month.
      month = mo;
      continue;
    }
    if (/^[a-ik-z]$/.test(raw)) {
      other.push('z'); // military zone: RFC 2822 §4.3 reads it as -0000
      continue;
    }
    other.push(raw);
  }
  if (month === null || nums.length < 2) return null;
  const clock = readClock(other);
  if (!clock) return null;
  // What is left must be words (day names, "de", "um", "г"), never stray digits or symbols.
  if (clock.rest.some((t) => !/^[\p{L}.']+$/u.test(t))) return null;
  // Day and year: a 4-digit number is the year; otherwise day comes first (RFC 822).
  let day: number, year: number;
  const four = nums.findIndex((n) => n.length === 4);
  if (four >= 0) {
    year = Number(nums[four]);
    const rest = nums.filter((_, i) => i !== four);
    if (rest.length !== 1) return null;
    day = Number(rest[0]);
  } else {
    if (nums.length !== 2) return null;
    day = Number(nums[0]);
    year = twoDigitYear(Number(nums[1]));
  }
  return utc(year, month, day, clock.h, clock.mi, clock.s, clock.ms, clock.offset);
}

/** Parse a feed date; null when it cannot be read with confidence. */
export function parseFeedDate(input: string | number | null | undefined): Date | null {
  if (input === null || input === undefined) return null;
  if (typeof input === 'number') return fromUnix(input);
  const s = input.trim().replace(/\s+/g, ' ');
  if (!s) return null;
  if (/^\d{9,13}(\.\d+)?$/.test(s)) return fromUnix(Number(s));
  for (const parse of [parseRfc822Fast, parseIso, parseNumeric, parseCjk]) {
    const d = parse(s);
    if (d !== undefined) return d;
  }
  return parseTokens(s);
}

function fromUnix(n: number): Date | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  const ms = n > 1e11 ? n : n * 1000;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d;
}
