// Files the page and the lab offer: rows as CSV, a run's settings in their URL form, and saving
// a Blob under a name (a Blob URL and <a download>: nothing is fetched or sent anywhere).

// A setting's value as the URL writes it (toggles as 1/0).
export const urlValue = (v) => (v === true ? '1' : v === false ? '0' : String(v));
export const settingsQuery = (settings) => new URLSearchParams(Object.entries(settings).map(([k, v]) => [k, urlValue(v)])).toString();

// A number for a CSV cell: empty when there is none (NaN, a missing figure).
export const num = (x) => (Number.isFinite(x) ? String(x) : '');

// CSV text: a header and rows of cells, quoted where a cell holds a comma, quote or newline.
export function toCsv(head, rows) {
  const quote = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return [head, ...rows].map((row) => row.map(quote).join(',')).join('\n') + '\n';
}

// Has the browser save `blob` as `name`. The URL is revoked once the download has surely begun.
export function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
