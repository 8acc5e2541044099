// A bar chart people can look at and everyone can read: a <figure> with its title, a one-sentence
// summary, the drawing (loaded lazily, hidden from assistive technology) and a table of the same
// numbers (its text equivalent, behind "Show the numbers"). When the chart filters something
// (onSelect), each table cell is a button doing what clicking its bar does, so the filter works
// from the keyboard too.
import { lazy, Suspense, useId } from 'react';
import { valueOf, type ChartCategory, type ChartSeries, type ChartValues } from './chart-data.ts';
import './charts.css';

export type { ChartCategory, ChartSeries, ChartValues } from './chart-data.ts';

const Drawing = lazy(() => import('./bar-chart-drawing.tsx'));

export interface BarChartProps {
  title: string;
  /** One sentence saying what the chart shows, e.g. "Approved $1,200.00 and declined $80.00 in the last 30 days." */
  summary: string;
  categories: readonly ChartCategory[];
  series: readonly ChartSeries[];
  values: ChartValues;
  format: (n: number) => string;
  stacked?: boolean;
  height?: number;
  /** Called with the category and series of a clicked bar (or its table cell). */
  onSelect?: (category: string, series: string) => void;
  /** Words for the table's first column header ("Day"). */
  categoryHeader?: string;
}

export function BarChart({
  title,
  summary,
  categories,
  series,
  values,
  format,
  stacked = false,
  height = 220,
  onSelect,
  categoryHeader = '',
}: BarChartProps) {
  const id = useId();
  const titleId = `${id}-title`;
  return (
    <figure className="chart" aria-labelledby={titleId}>
      <figcaption>
        <span id={titleId} className="chart-title">
          {title}
        </span>
        <span className="chart-summary">{summary}</span>
      </figcaption>
      <div className="chart-drawing" aria-hidden="true" style={{ height }}>
        <Suspense fallback={<div className="chart-loading" />}>
          <Drawing
            categories={categories}
            series={series}
            values={values}
            format={format}
            stacked={stacked}
            height={height}
            onSelect={onSelect}
          />
        </Suspense>
      </div>
      <details className="chart-numbers">
        <summary>Show the numbers</summary>
        <div className="chart-table-scroll" role="region" aria-label={`${title}: the numbers`} tabIndex={0}>
          <table className="table chart-table stack-on-phone">
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{categoryHeader}</th>
                {series.map((s) => (
                  <th key={s.key} scope="col" className="numeric">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {categories.map((category) => (
                <tr key={category.key}>
                  <th scope="row">{category.label}</th>
                  {series.map((s) => {
                    const text = format(valueOf(values, category.key, s.key));
                    return (
                      <td
                        key={s.key}
                        className="numeric"
                        data-label={s.label}
                        data-category={category.key}
                        data-series={s.key}
                      >
                        {onSelect ? (
                          <button type="button" className="link-button" onClick={() => onSelect(category.key, s.key)}>
                            {text}
                            <span className="visually-hidden">
                              {' '}
                              — show {s.label}, {category.label}
                            </span>
                          </button>
                        ) : (
                          text
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
