// The inskrivning form: the key file is read into this tab's memory only, the personnummer
// is checked and turned into the hidden `pseudonym` field; neither has a `name`, so the
// form never sends them.
import { localToday, parseKey, pseudonymise, PersonnummerError } from "/static/pseudonym.js";

const form = document.getElementById("inskrivning");
const keyInput = document.getElementById("keyfile");
const keyError = document.getElementById("keyfile-fel");
const pnr = document.getElementById("pnr");
const pnrError = document.getElementById("pnr-fel");
const status = document.getElementById("pnr-status");
const hidden = document.getElementById("pseudonym");
let keyBytes = null;
let latest = 0; // answers of earlier keystrokes that arrive late are dropped

function show(element, input, message) {
  element.textContent = message;
  element.hidden = !message;
  const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== element.id);
  if (message) { ids.push(element.id); input.setAttribute("aria-invalid", "true"); }
  else input.removeAttribute("aria-invalid");
  input.setAttribute("aria-describedby", ids.join(" "));
}

async function update(quiet = false) {
  const mine = ++latest;
  hidden.value = "";
  status.textContent = "";
  if (!pnr.value.trim()) { show(pnrError, pnr, ""); return false; }
  if (keyBytes === null) {
    show(pnrError, pnr, "Öppna nyckelfilen för pseudonymer först.");
    return false;
  }
  try {
    const identity = await pseudonymise(keyBytes, pnr.value, localToday());
    if (mine !== latest) return false;
    hidden.value = identity.pseudonym;
    document.getElementById("sex").value = identity.sex;
    document.getElementById("birth_year").value = String(identity.birth_year);
    show(pnrError, pnr, "");
    status.textContent = "Personnumret är giltigt. Pseudonym klar; kön och födelseår ifyllda.";
    return true;
  } catch (error) {
    if (mine === latest && !quiet) {
      show(pnrError, pnr, error instanceof PersonnummerError ? error.message : "Pseudonymen kunde inte göras.");
    }
    return false;
  }
}

keyInput.addEventListener("change", async () => {
  keyBytes = null;
  const file = keyInput.files[0];
  if (!file) return;
  try {
    keyBytes = parseKey(await file.text());
    show(keyError, keyInput, "");
  } catch (error) {
    show(keyError, keyInput, error.message);
  }
  if (pnr.value.trim()) await update();
});
// While typing: made quietly as soon as the number is whole; on leaving the field: errors.
pnr.addEventListener("input", () => update(true));
pnr.addEventListener("change", () => update());

form.addEventListener("submit", async (event) => {
  if (hidden.value) return; // made from the number as it is now
  event.preventDefault();
  const ok = await update();
  if (ok) {
    HTMLFormElement.prototype.submit.call(form);
    return;
  }
  if (!pnr.value.trim()) show(pnrError, pnr, "Fyll i personnumret.");
  pnr.focus();
});
