// A page's shape while its data loads (issue 20, item 4: not a blank page for seconds): grey
// blocks where the text will be, and one polite status for screen readers saying what loads.
import type { CSSProperties, ReactNode } from 'react';
import './skeleton.css';

/** A loading area: `label` is what screen readers hear ("Loading the card…"); the blocks are decoration. */
export function Skeleton({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <div className={`skeleton${className ? ` ${className}` : ''}`} role="status" aria-live="polite">
      <span className="visually-hidden">{label}</span>
      <div aria-hidden="true">{children}</div>
    </div>
  );
}

/** One grey block: a line of text (the default), or any size. */
export function SkeletonBlock({ width = '100%', height = '0.9rem' }: { width?: string; height?: string }) {
  const style: CSSProperties = { width, height };
  return <span className="skeleton-block" style={style} />;
}
