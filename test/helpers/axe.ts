// axe-core on a page as it is: WCAG 2.1 A and AA and axe's best practices, in the page and in
// every frame. What it reports is a list of lines to print and compare with [], so that a failing
// walk says the rule, where (the selector, the frame) and what to do.
//
// The emulator's frames (Issuing Elements, copy buttons, Connect's card numbers) are analysed
// like the rest and pass: no rule is excepted. They stand in for Stripe's, whose markup we do not
// control in production; should the emulator's markup ever need an exception, it belongs here,
// by rule, limited to nodes in frames on the emulator's origin, with the reason beside it.
//
// Why not @axe-core/playwright's AxeBuilder.analyze(): it runs the same axe-core API
// (runPartial in each frame, then finishRun), but injects axe-core's 500 KB into every frame on
// every call and opens a new blank page for each finishRun; the walk runs axe twice per page
// (desktop, phone) on ~60 pages, and those two costs were two thirds of its time. Here axe is
// injected once per document and finishRun runs in the page's own top frame. (A blank page kept
// open beside it instead hides the page under test: Chromium then throttles its
// requestAnimationFrame to about once a second.)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, NodeResult, PartialResult, Result, RunOptions } from 'axe-core';
import type { Frame, Page } from 'playwright-core';

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

// Only the violations in full: passes and the rest are summarised (axe's advice for speed).
const OPTIONS: RunOptions = { runOnly: { type: 'tag', values: AXE_TAGS }, resultTypes: ['violations'] };

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

type AxeWindow = { axe: typeof import('axe-core') };

/** Puts axe-core into the frame's document unless it is there already (a resize keeps it). */
async function ensureAxe(frame: Frame): Promise<void> {
  const present = await frame.evaluate(() => typeof (window as unknown as AxeWindow).axe?.runPartial === 'function');
  if (!present) await frame.evaluate(AXE_SOURCE);
}

/**
 * axe's partial results for `frame` and, depth first, each frame inside it (null for a frame that
 * could not be analysed, e.g. one navigating away), in the order finishRun expects.
 */
async function partials(frame: Frame, context: unknown, initiator: boolean): Promise<(PartialResult | null)[]> {
  try {
    await ensureAxe(frame);
    const children = await frame.evaluate(
      (ctx) => (window as unknown as AxeWindow).axe.utils.getFrameContexts(ctx as never),
      context,
    );
    const own = await frame.evaluate(
      ({ ctx, options }) => (window as unknown as AxeWindow).axe.runPartial(ctx as never, options),
      { ctx: context, options: OPTIONS },
    );
    const out: (PartialResult | null)[] = [own];
    for (const { frameSelector, frameContext } of children) {
      const handle = await frame.evaluateHandle(
        (selector) => (window as unknown as AxeWindow).axe.utils.shadowSelect(selector as never),
        frameSelector,
      );
      const child = await handle.asElement()?.contentFrame();
      await handle.dispose();
      out.push(...(child ? await partials(child, frameContext, false) : [null]));
    }
    return out;
  } catch (error) {
    if (initiator) throw error;
    return [null];
  }
}

/** One violation as a line: rule, impact, selector path, axe's summary of the fix. */
function line(result: Result, node: NodeResult): string {
  const fix = node.failureSummary?.split('\n').slice(0, 2).join(' ') ?? result.help;
  return `${result.id} (${result.impact ?? 'n/a'}) at ${JSON.stringify(node.target)}: ${fix}`;
}

/** axe's violations on the page as it is now (its frames included), one line per offending node. */
export async function axeViolations(page: Page): Promise<string[]> {
  const found = await partials(page.mainFrame(), { exclude: [], include: [] }, true);
  const results: AxeResults = await page.evaluate(
    ({ found, options }) => (window as unknown as AxeWindow).axe.finishRun(found as PartialResult[], options),
    { found, options: OPTIONS },
  );
  return results.violations.flatMap((result) => result.nodes.map((node) => line(result, node)));
}
