// pdf.js, bundled. The legacy build works in older WebKitGTK as well as in Chromium; the worker
// is a module emitted by Vite into dist/assets (no CDN). `isEvalSupported: false` keeps pdf.js
// off eval/new Function, so the CSP needs no 'unsafe-eval'.
import type { PDFDocumentProxy } from 'pdfjs-dist';

/** A loaded PDF. */
export interface PdfDoc {
  pages: number;
  render(page: number, canvas: HTMLCanvasElement): Promise<void>;
  destroy(): Promise<void>;
}

let lib: Promise<typeof import('pdfjs-dist')> | null = null;

async function pdfjs() {
  if (!lib) {
    lib = (async () => {
      const [m, worker] = await Promise.all([
        import('pdfjs-dist/legacy/build/pdf.mjs') as Promise<typeof import('pdfjs-dist')>,
        import('pdfjs-dist/legacy/build/pdf.worker.min.mjs?url'),
      ]);
      m.GlobalWorkerOptions.workerSrc = worker.default;
      return m;
    })();
  }
  return lib;
}

/** Decode base64 into bytes. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Load a PDF from bytes (the array is transferred to the worker). */
export async function loadPdf(data: Uint8Array): Promise<PdfDoc> {
  const m = await pdfjs();
  const task = m.getDocument({ data, isEvalSupported: false, enableXfa: false });
  const doc: PDFDocumentProxy = await task.promise;
  return {
    pages: doc.numPages,
    async render(n, canvas) {
      const page = await doc.getPage(n);
      const viewport = page.getViewport({ scale: 1.5 });
      canvas.width = viewport.width;
      canvas.height = viewport.height;
      await page.render({ canvas, viewport }).promise;
    },
    destroy: () => doc.destroy(),
  };
}
