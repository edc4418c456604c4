// The diagnosis as plain text for the helpdesk: saved to a file or copied from the app.
import type { DiagnosisReport } from '../../backend';

/** The report as text (the measured prose is kept as measured: the helpdesk reads it). */
export function diagnosisText(r: DiagnosisReport, appTitle: string): string {
  const lines = [`${appTitle}`, `diagnosis ${r.generated_at}`, ''];
  for (const i of r.items) lines.push(`[${i.level.toUpperCase()}] ${i.id}${i.code ? ` (${i.code})` : ''}: ${i.measured}`);
  return lines.join('\n') + '\n';
}

/** A file name with the time of the report: sio-diagnosis-20261205-2225.txt. */
export function diagnosisFileName(r: DiagnosisReport): string {
  const m = r.generated_at.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/);
  return `sio-diagnosis-${m ? `${m[1]}${m[2]}${m[3]}-${m[4]}${m[5]}` : 'report'}.txt`;
}

/** Copy text: the async clipboard where the webview allows it, else the selection (WebKitGTK). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall back to the selection below.
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.left = '-100rem';
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

/** Offer the text as a file download (the webview saves it in the user's downloads folder). */
export function saveText(text: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
