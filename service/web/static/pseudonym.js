// Personnummer -> pseudonym in the browser, exactly as service/domain/pseudonym.py and
// `python -m service pseudonymise` do it: HMAC-SHA256(huvudman key, the normalised 12-digit
// number) in hex. The number never leaves the browser. Shared test vectors:
// tests/pseudonym_vectors.json (a Python test and the browser test use both).

const FORM = /^(\d{2})?(\d{6})([-+]?)(\d{4})$/;

export class PersonnummerError extends Error {}

function luhnOk(digits10) {
  let total = 0;
  for (let i = 0; i < digits10.length; i++) {
    const product = Number(digits10[i]) * (i % 2 === 0 ? 2 : 1);
    total += product > 9 ? product - 9 : product;
  }
  return total % 10 === 0;
}

function realDate(year, month, day) {
  const d = new Date(Date.UTC(year, month - 1, day));
  // Python's date() takes years 1..9999; Date.UTC maps 0..99 to 1900..1999.
  d.setUTCFullYear(year);
  return year >= 1 && d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

// today: {year, month, day} (the browser's date; Python uses the server's Swedish date).
export function normalise(number, today) {
  const match = FORM.exec(number.trim());
  if (match === null) throw new PersonnummerError("Personnumret ska ha 10 eller 12 siffror, gärna med - eller +.");
  let [, century, body, separator, tail] = match;
  if (!luhnOk(body + tail)) throw new PersonnummerError("Kontrollsiffran stämmer inte. Kontrollera personnumret.");
  let day = Number(body.slice(4, 6));
  if (day > 60) day -= 60; // samordningsnummer
  if (century === undefined) {
    const yy = Number(body.slice(0, 2));
    let year = Math.floor(today.year / 100) * 100 + yy;
    if (year > today.year) year -= 100;
    if (separator === "+") year -= 100;
    century = String(Math.floor(year / 100));
  }
  if (!realDate(Number(century + body.slice(0, 2)), Number(body.slice(2, 4)), day)) {
    throw new PersonnummerError("Födelsedatumet i personnumret finns inte.");
  }
  return century + body + tail;
}

export function parseKey(text) {
  const hex = text.trim();
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new PersonnummerError("Nyckelfilen ska innehålla nyckeln i hex (tecknen 0–9 och a–f).");
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

export async function pseudonymise(keyBytes, number, today) {
  const normalised = normalise(number, today);
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(normalised));
  const pseudonym = Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
  return {
    pseudonym,
    birth_year: Number(normalised.slice(0, 4)),
    sex: Number(normalised[10]) % 2 === 1 ? "male" : "female",
  };
}

export function localToday() {
  const now = new Date();
  return { year: now.getFullYear(), month: now.getMonth() + 1, day: now.getDate() };
}
