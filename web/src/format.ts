/**
 * Numbers, money and times in the shop's locale and currency (Intl). Money arrives from the
 * API as decimal strings; Intl knows each currency's minor units, so JPY or KRW show no
 * decimals and USD or EUR two (ISO 4217, as the browser's CLDR data carries it).
 */
let locale = "en";
let shopCurrency_: string | null = null;

export function configureFormats(nextLocale: string | undefined, currency: string | null): void {
  try {
    locale = Intl.getCanonicalLocales(nextLocale || "en")[0] ?? "en";
  } catch {
    locale = "en";
  }
  shopCurrency_ = currency;
}

export function currentCurrency(): string | null {
  return shopCurrency_;
}

/** The currency a product's Shopify prices are in: the shop's, else (not learned from Shopify
 * yet) the product's Amazon currency, which PriceBridge only prices in when they match. */
export function shopCurrency(product: { amazon_currency: string | null }): string | null {
  return shopCurrency_ ?? product.amazon_currency;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

export function money(value: string | number | null | undefined, currency?: string | null): string {
  if (value === null || value === undefined || value === "") return "—";
  const code = currency || shopCurrency_;
  const amount = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(amount)) return String(value);
  if (!code) return number(amount);
  const key = `${locale}|${code}`;
  let format = moneyFormats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale, { style: "currency", currency: code });
    } catch {
      return `${number(amount)} ${code}`;
    }
    moneyFormats.set(key, format);
  }
  return format.format(amount);
}

/** The currency's minor-unit digits (2 for USD, 0 for JPY), from Intl. */
export function currencyDigits(currency: string | null | undefined): number {
  if (!currency) return 2;
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function number(value: number, digits = 0): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

export function percent(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  const amount = Number(value);
  if (!Number.isFinite(amount)) return String(value);
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 2 }).format(amount / 100);
}

export function signedPercent(fraction: number): string {
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1, signDisplay: "exceptZero" }).format(fraction);
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function shortDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(`${iso.length === 10 ? `${iso}T12:00:00` : iso}`);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" }).format(date);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** "5 minutes ago" ("5 min. ago" short, "5m ago" narrow), in the shop's locale. */
export function ago(iso: string | null | undefined, now = Date.now(), style: Intl.RelativeTimeFormatStyle = "long"): string {
  if (!iso) return "never";
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((then - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") return format.format(Math.round(seconds / size), unit);
  }
  return format.format(0, "second");
}

/** `part` of `whole` as a percentage in the shop's locale: "<0.1%", "0.2%", "12%", "120%";
 * "—" of a whole of 0. */
export function share(part: number, whole: number): string {
  if (whole <= 0) return "—";
  const ratio = part / whole;
  const digits = ratio > 0 && ratio < 0.1 ? 1 : 0;
  const format = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: digits });
  // Something used is never shown as nothing: 2 of 100,000 is "<0.1%", not "0%".
  return ratio > 0 && ratio < 0.001 ? `<${format.format(0.001)}` : format.format(ratio);
}

/** Labels for a time axis with ticks every `step` seconds: days as "Nov 30", hours as
 * "5:10 AM" (the day above the first tick of each day, on a second line). */
export function timeTicks(seconds: number[], step: number): string[] {
  const day = new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" });
  const time = new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit" });
  return seconds.map((value, index) => {
    const moment = new Date(value * 1000);
    if (step >= 86400) return day.format(moment);
    const previous = index > 0 ? new Date(seconds[index - 1] * 1000) : null;
    const newDay = !previous || previous.toDateString() !== moment.toDateString();
    return newDay ? `${time.format(moment)}\n${day.format(moment)}` : time.format(moment);
  });
}
