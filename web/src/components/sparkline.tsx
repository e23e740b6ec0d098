/** A price line of the last values, scaled to its own min and max (no axes: a trend at a glance). */
export function Sparkline(props: { values: readonly number[]; width?: number; height?: number }) {
  const { values, width = 120, height = 24 } = props;
  if (values.length < 2)
    return <svg class="spark" width={width} height={height} aria-hidden="true" />;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = width / (values.length - 1);
  const points = values
    .map(
      (v, i) =>
        `${(i * step).toFixed(1)},${(height - 2 - ((v - min) / span) * (height - 4)).toFixed(1)}`,
    )
    .join(' ');
  const up = values[values.length - 1]! >= values[0]!;
  return (
    <svg
      class={`spark ${up ? 'up' : 'down'}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      aria-hidden="true"
    >
      <polyline points={points} fill="none" stroke-width="1.5" />
    </svg>
  );
}
