/**
 * Feed dates in the dialects real feeds use, without the host's locale or
 * time zone ever mattering (no `Date.parse` on free-form text):
 *
 * - RFC 3339 / ISO 8601: `2026-11-26T08:00:00Z`, `+05:30`, `+0530`, `+05`,
 *   fractional seconds, a space instead of `T`, date only, no zone (read as UTC,
 *   the choice that makes Liferea #1174-style feeds at least consistent);
 * - RFC 822 / 2822 and its corruptions: missing day name or comma, two-digit
 *   years (RFC 2822 §4.3: 00-49 -> 20xx, 50-99 -> 19xx), missing seconds,
 *   named zones (EST, PDT, BST, CEST, JST, ...), military zones (RFC 2822 §4.3
 *   says to read them as -0000 because RFC 822 got their signs backwards),
 *   `GMT+2`, `05-Apr-2022`, full month names, 12-hour clocks with AM/PM;
 * - month and day names in French, German, Spanish, Italian, Portuguese and Dutch;
 * - Unix timestamps in seconds or milliseconds.
 */

const MONTHS: Record<string, number> = {};
const monthNames: string[][] = [
  ['jan', 'january', 'janv', 'janvier', 'januar', 'jän', 'jänner', 'ene', 'enero', 'gen', 'gennaio', 'janeiro', 'januari'],
  ['feb', 'february', 'févr', 'fevr', 'février', 'fevrier', 'februar', 'febrero', 'febbraio', 'fev', 'fevereiro', 'februari'],
  ['mar', 'march', 'mars', 'märz', 'maerz', 'mär', 'mrz', 'marzo', 'março', 'marco', 'maart', 'mrt'],
  ['apr', 'april', 'avr', 'avril', 'abr', 'abril', 'aprile'],
  ['may', 'mai', 'mayo', 'mag', 'maggio', 'maio', 'mei'],
  ['jun', 'june', 'juin', 'juni', 'junio', 'giu', 'giugno', 'junho'],
  ['jul', 'july', 'juil', 'juillet', 'juli', 'julio', 'lug', 'luglio', 'julho'],
  ['aug', 'august', 'août', 'aout', 'ago', 'agosto', 'augustus'],
  ['sep', 'sept', 'september', 'septembre', 'septiembre', 'setiembre', 'set', 'settembre', 'setembro'],
  ['oct', 'october', 'octobre', 'okt', 'oktober', 'octubre', 'ott', 'ottobre', 'out', 'outubro'],
  ['nov', 'november', 'novembre', 'noviembre', 'novembro'],
  ['dec', 'december', 'déc', 'decembre', 'décembre', 'dez', 'dezember', 'dic', 'diciembre', 'dicembre', 'dezembro'],
];
monthNames.forEach((names, i) => names.forEach((n) => (MONTHS[n] = i)));

/** Zone abbreviations -> minutes east of UTC. Ambiguous ones take their most common reading. */
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, wet: 0, bst: 60, ist: 330, cet: 60, met: 60, mez: 60, cest: 120, mest: 120, mesz: 120,
  west: 60, eet: 120, eest: 180, msk: 180, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360,
  pst: -480, pdt: -420, akst: -540, akdt: -480, hst: -600, ast: -240, adt: -180, nst: -210, ndt: -150,
  jst: 540, kst: 540, hkt: 480, sgt: 480, awst: 480, acst: 570, acdt: 630, aest: 600, aedt: 660, nzst: 720, nzdt: 780,
};

const ISO = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T\s]+(\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): Date | null {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  const t = Date.UTC(y, mo, d, h, mi, Math.min(s, 59), ms) - offsetMin * 60_000;
  const date = new Date(t);
  // Reject rollovers such as 31 February.
  if (new Date(Date.UTC(y, mo, d)).getUTCDate() !== d) return null;
  return Number.isNaN(date.getTime()) ? null : date;
}

function parseOffset(z: string): number | null {
  const m = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(z);
  if (!m) return null;
  const v = Number(m[2]) * 60 + Number(m[3] ?? 0);
  if (v > 18 * 60) return null;
  return m[1] === '-' ? -v : v;
}

function parseIso(s: string): Date | null {
  const m = ISO.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  let offset = 0;
  if (zone && !/^(z|utc|gmt)$/i.test(zone)) {
    const o = parseOffset(zone);
    if (o === null) return null;
    offset = o;
  }
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  return utc(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0), ms, offset);
}

function twoDigitYear(y: number): number {
  return y < 50 ? 2000 + y : 1900 + y;
}

/** RFC 822-like and "Month D, YYYY" forms, by classifying tokens. */
function parseTokens(input: string): Date | null {
  let s = input.toLowerCase().normalize('NFC');
  // A leading day name with a comma ("Tue," "mar.," "Dienstag,") is noise; dropping it first
  // keeps Spanish "mar" (martes) from being read as March.
  s = s.replace(/^\s*[^\d\s,]+\.?,\s*/u, '');
  // "05-Apr-2022", "5/Apr/2022"
  s = s.replace(/(\d)[-/]([a-zà-ÿ]{3,})[-/](\d)/u, '$1 $2 $3');
  // "GMT+2", "UTC-05:00" -> offset
  s = s.replace(/\b(?:gmt|utc|ut)\s*([+-]\d{1,2}(?::?\d{2})?)\b/, (_, o) => ` ${o.length <= 3 ? `${o[0]}${o.slice(1).padStart(2, '0')}00` : o}`);
  const tokens = s.split(/[\s,]+/).filter(Boolean);
  let month: number | null = null;
  let hour: number | null = null, minute = 0, second = 0, ms = 0;
  let offset: number | null = null;
  let pm: boolean | null = null;
  const nums: string[] = [];
  for (let raw of tokens) {
    raw = raw.replace(/\.$/, '');
    const time = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(am|pm|a\.m|p\.m)?$/.exec(raw);
    if (time && hour === null) {
      hour = Number(time[1]);
      minute = Number(time[2]);
      second = Number(time[3] ?? 0);
      ms = time[4] ? Math.round(Number(`0.${time[4]}`) * 1000) : 0;
      if (time[5]) pm = time[5].startsWith('p');
      continue;
    }
    if (/^[+-]\d{2}:?\d{2}$/.test(raw) || /^[+-]\d{2}$/.test(raw)) {
      offset = parseOffset(raw);
      continue;
    }
    if (raw === 'am' || raw === 'a.m') { pm = false; continue; }
    if (raw === 'pm' || raw === 'p.m') { pm = true; continue; }
    if (/^\d+(st|nd|rd|th)?$/.test(raw)) {
      nums.push(raw.replace(/\D+$/, ''));
      continue;
    }
    if (raw in MONTHS && month === null) {
      month = MONTHS[raw];
      continue;
    }
    if (raw in ZONES) {
      offset = ZONES[raw];
      continue;
    }
    if (/^[a-ik-z]$/.test(raw)) {
      offset = 0; // military zone: RFC 2822 §4.3
      continue;
    }
    // anything else alphabetic (day names, "de", "um", "à") is ignored; stray symbols make us give up
    if (!/^[\p{L}.]+$/u.test(raw)) return null;
  }
  if (month === null || nums.length < 2) return null;
  // Day and year: a 4-digit number is the year; otherwise day comes first (RFC 822) unless
  // the month came first and the first number is <= 31 ("April 5 22" is rare; we take day, year).
  let day: number, year: number;
  const four = nums.findIndex((n) => n.length === 4);
  if (four >= 0) {
    year = Number(nums[four]);
    const rest = nums.filter((_, i) => i !== four);
    day = Number(rest[0]);
  } else {
    day = Number(nums[0]);
    year = twoDigitYear(Number(nums[1]));
  }
  if (!Number.isFinite(day) || !Number.isFinite(year)) return null;
  let h = hour ?? 0;
  if (pm !== null) {
    if (h > 12) return null;
    if (pm && h < 12) h += 12;
    if (!pm && h === 12) h = 0;
  }
  return utc(year, month, day, h, minute, second, ms, offset ?? 0);
}

/** Parse a feed date; null when it cannot be read with confidence. */
export function parseFeedDate(input: string | number | null | undefined): Date | null {
  if (input === null || input === undefined) return null;
  if (typeof input === 'number') return fromUnix(input);
  const s = input.trim();
  if (!s) return null;
  if (/^\d{9,13}(\.\d+)?$/.test(s)) return fromUnix(Number(s));
  return parseIso(s) ?? parseTokens(s);
}

function fromUnix(n: number): Date | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  const ms = n > 1e11 ? n : n * 1000;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d;
}
