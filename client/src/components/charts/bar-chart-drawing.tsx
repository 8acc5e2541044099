// The drawing half of BarChart, in its own module so recharts (~100 KB gzipped) is fetched only
// when a page first shows a chart (bar-chart.tsx loads it with React.lazy), never with the first page.
import { Bar, BarChart as Chart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { chartRows, toneColour, type ChartCategory, type ChartSeries, type ChartValues } from './chart-data.ts';

export interface BarChartDrawingProps {
  categories: readonly ChartCategory[];
  series: readonly ChartSeries[];
  values: ChartValues;
  format: (n: number) => string;
  stacked: boolean;
  height: number;
  onSelect?: (category: string, series: string) => void;
}

export default function BarChartDrawing({
  categories,
  series,
  values,
  format,
  stacked,
  height,
  onSelect,
}: BarChartDrawingProps) {
  const rows = chartRows(categories, series, values);
  return (
    <ResponsiveContainer width="100%" height={height}>
      {/* The drawing is hidden from assistive technology (its table is the text equivalent), so
          recharts' keyboard layer, which would put a focusable element inside aria-hidden, is off. */}
      <Chart data={rows} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" tick={{ fontSize: 12 }} minTickGap={12} />
        {/* Every value drawn is a whole number (a count, or an amount in the currency's minor unit). */}
        <YAxis allowDecimals={false} tickFormatter={(n: number) => format(n)} tick={{ fontSize: 12 }} width={72} />
        <Tooltip formatter={(n) => (typeof n === 'number' ? format(n) : String(n))} />
        {series.length > 1 && <Legend />}
        {series.map((s) => (
          <Bar
            key={s.key}
            dataKey={s.key}
            name={s.label}
            fill={toneColour(s.tone)}
            stackId={stacked ? 'stack' : undefined}
            isAnimationActive={false}
            cursor={onSelect ? 'pointer' : undefined}
            onClick={
              onSelect
                ? (entry: { payload?: { category?: unknown } }) => {
                    const category = entry.payload?.category;
                    if (typeof category === 'string') onSelect(category, s.key);
                  }
                : undefined
            }
          />
        ))}
      </Chart>
    </ResponsiveContainer>
  );
}
