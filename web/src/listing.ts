/**
 * What a merchant pastes (an Amazon product URL or an ASIN) read into an ASIN and marketplace,
 * for the preview before saving. The server parses again (app/ingest/asin.py) and its answer
 * wins; this mirror only lets the merchant see, before saving, what will be linked.
 */
export const MARKETPLACES: Record<string, string> = {
  com: "USD", ca: "CAD", "com.mx": "MXN", "com.br": "BRL", "co.uk": "GBP", de: "EUR", fr: "EUR",
  it: "EUR", es: "EUR", nl: "EUR", "com.be": "EUR", se: "SEK", pl: "PLN", "com.tr": "TRY",
  ae: "AED", sa: "SAR", eg: "EGP", in: "INR", "co.jp": "JPY", sg: "SGD", "com.au": "AUD",
};

const PATHS = [
  /\/dp\/(?:product\/)?([A-Za-z0-9]{10})(?:[/?#]|$)/,
  /\/gp\/product\/([A-Za-z0-9]{10})(?:[/?#]|$)/,
  /\/gp\/aw\/d\/([A-Za-z0-9]{10})(?:[/?#]|$)/,
  /\/exec\/obidos\/(?:ASIN|tg\/detail\/-)\/([A-Za-z0-9]{10})(?:[/?#]|$)/,
  /^\/o\/(?:ASIN\/)?([A-Za-z0-9]{10})(?:[/?#]|$)/,
];
const SHORT_LINKS = new Set(["amzn.to", "amzn.eu", "amzn.asia", "a.co", "amzn.com"]);

export type Parsed = { ok: true; asin: string; marketplace: string; url?: string } | { ok: false; error: string };

export function parseListing(raw: string, defaultMarketplace = "com"): Parsed {
  const text = raw.trim();
  if (!text) return { ok: false, error: "Paste an Amazon product URL or a 10-character ASIN." };
  if (/^[A-Za-z0-9]{10}$/.test(text)) {
    if (!/[0-9]/.test(text) && !/^B0/i.test(text)) {
      // ISBN-10s and ASINs share the shape; a word of ten letters is neither.
      return { ok: false, error: `"${text}" does not look like an ASIN (they look like B0C1234567).` };
    }
    return { ok: true, asin: text.toUpperCase(), marketplace: defaultMarketplace };
  }
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return { ok: false, error: "That is neither an ASIN nor a web address." };
  }
  const host = url.hostname.toLowerCase().replace(/^(www\.|smile\.|m\.)/, "");
  if (SHORT_LINKS.has(host)) {
    return { ok: false, error: "Short links (amzn.to, a.co) hide the product: open the link and paste the full Amazon address." };
  }
  const match = /^amazon\.(.+)$/.exec(host);
  if (!match) return { ok: false, error: `${url.hostname} is not an Amazon store.` };
  const marketplace = match[1];
  if (!(marketplace in MARKETPLACES)) {
    return { ok: false, error: `amazon.${marketplace} is not a marketplace PriceBridge watches.` };
  }
  for (const pattern of PATHS) {
    const found = pattern.exec(url.pathname);
    if (found) return { ok: true, asin: found[1].toUpperCase(), marketplace, url: url.href };
  }
  return { ok: false, error: "No product in that address: use the product page's URL (it contains /dp/ and the ASIN)." };
}
