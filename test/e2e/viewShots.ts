// Screenshots of one view for the end-to-end suites: a view's picture saved under the artefacts
// folder, the same once it has stopped changing, and the colours at given points of it.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { decodePng, meanDifference } from './png';

export function viewShots(page: Page, artefacts: string, prefix: string) {
  const viewShot = (view: string, name: string): Promise<Buffer> =>
    page.getByTestId(`${view}-view`).screenshot({ path: join(artefacts, `${prefix}-${name}.png`) });

  /** Waits until two consecutive screenshots agree, so a frame still being drawn is not measured. */
  async function settledShot(view: string, name: string): Promise<Buffer> {
    let previous = await viewShot(view, name);
    for (let attempt = 0; attempt < 10; attempt++) {
      await page.waitForTimeout(200);
      const current = await viewShot(view, name);
      if (meanDifference(decodePng(previous), decodePng(current)) < 0.01) return current;
      previous = current;
    }
    return previous;
  }

  /** RGB of a screenshot at CSS pixel positions (the browser decodes the PNG for us). */
  function coloursAt(png: Buffer, points: [number, number][]): Promise<[number, number, number][]> {
    return page.evaluate(
      async ({ base64, points }) => {
        const image = new Image();
        image.src = `data:image/png;base64,${base64}`;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.width;
        canvas.height = image.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(image, 0, 0);
        return points.map(([x, y]) => {
          const d = ctx.getImageData(Math.floor(x), Math.floor(y), 1, 1).data;
          return [d[0], d[1], d[2]] as [number, number, number];
        });
      },
      { base64: png.toString('base64'), points },
    );
  }

  return { viewShot, settledShot, coloursAt };
}
